#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install every Debian package that building and testing vfiomig needs,
# skipping those already present. Run as root on Debian 12.
set -euo pipefail

pkgs=(
	# build
	build-essential pkg-config libnl-3-dev libnl-genl-3-dev libxxhash-dev
	libgnutls28-dev openssl
	# static analysis and memory checking
	cppcheck valgrind
	# tests and checks
	bats bats-support bats-assert jq shellcheck man-db groff-base
	clang libclang-rt-14-dev bsdutils
	# benchmarks (make bench): socat is the baseline of bench/migrate.sh
	socat openssl
	# the real-kernel test bed: kernel sources (6.12, and 6.1, Debian 12's
	# own series), their build deps, qemu; kmod for modprobe and depmod
	linux-source-6.12 linux-source-6.1 bc bison flex libelf-dev cpio xz-utils kmod
	qemu-system-x86 iproute2 util-linux procps
)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root to install)" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
