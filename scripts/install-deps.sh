#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install every Debian package that building, testing and packaging
# vfiomig needs, skipping those already present. Run as root on Debian 12;
# 'make check', 'make demo' and 'make deb' run it first.
#
# Usage: install-deps.sh [--refusal]
#   (none)     install what is missing; without root, print one line
#              naming what is missing and how to install it, and exit 1
#   --refusal  install nothing: print that same line and exit 1 if this
#              user could not install what is missing, else print nothing
#              (make reports the line as its one error, see Makefile)
set -euo pipefail

pkgs=(
	# build
	build-essential pkg-config libnl-3-dev libnl-genl-3-dev libxxhash-dev
	libgnutls28-dev openssl libjson-c-dev
	# static analysis and memory checking
	cppcheck valgrind
	# tests and checks
	bats bats-support bats-assert jq shellcheck man-db groff-base
	# check's TAP and JUnit reports are parsed in the tests; every -j
	# document is validated against man/vfiomig.schema.json
	perl libxml2-utils python3 python3-jsonschema
	clang libclang-rt-14-dev bsdutils strace
	# the Debian package (make deb) and its checks; systemd for
	# systemd-analyze verify of the unit
	debhelper lintian git systemd
	# the Ansible playbook's test (contrib/ansible, tests/bats/ansible.bats)
	ansible-core
	# benchmarks (make bench): socat is the baseline of bench/migrate.sh
	socat openssl
	# the real-kernel test bed: kernel sources (6.12, and 6.1, Debian 12's
	# own series), their build deps, qemu; kmod for modprobe and depmod
	linux-source-6.12 linux-source-6.1 bc bison flex libelf-dev cpio xz-utils kmod
	qemu-system-x86 iproute2 util-linux procps
)

mode=install
case ${1-} in
'') ;;
--refusal) mode=refusal ;;
*)
	echo "usage: install-deps.sh [--refusal]" >&2
	exit 64
	;;
esac

# One dpkg-query for the whole list: a package it does not know at all is
# missing too (dpkg-query names it on stderr and prints no line for it).
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${pkgs[@]}" 2>/dev/null |
	awk '$NF == "installed" { print $1 }' || true)
missing=()
for p in "${pkgs[@]}"; do
	if ! grep -qxF -- "$p" <<<"$installed" && [[ " ${missing[*]} " != *" $p "* ]]; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	line="install-deps: missing Debian packages: ${missing[*]}; run scripts/install-deps.sh as root to install them"
	if [ "$mode" = refusal ]; then
		echo "$line"
	else
		echo "$line" >&2
	fi
	exit 1
fi
[ "$mode" = install ] || exit 0

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
