#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the small test kernel (VFIO, mtty, netdevsim, 9p; iommufd where the
# series has it) from Debian's linux-source-SERIES package and cache it
# outside the work tree, keyed by the source package version, the config
# fragments and this script. Prints the path of the cached bzImage on
# stdout; everything else goes to stderr.
#
# Usage: build-kernel.sh [--series 6.12|6.1] [--variant debug]
#   (default 6.12, no variant). A variant adds kernel-VARIANT.config on
#   top of the series' fragments: debug is KASAN, UBSAN, lockdep and
#   allocation fault injection, for check's kernel.log.clean and
#   kernel.faults rules (a larger, slower kernel: keep it out of the
#   plain runs).
#
# The cache entry holds bzImage, .config, the uAPI headers (headers/) and,
# when the series builds modules, their installed tree (modules/, for
# "modprobe -d"). The entry sits on the host's file system, which the VM
# sees read-only at the same path.
set -euo pipefail

usage() {
	echo "Usage: build-kernel.sh [--series 6.12|6.1] [--variant debug]" >&2
	exit 1
}

series=6.12
variant=
while [ $# -gt 0 ]; do
	case $1 in
	--series) [ $# -ge 2 ] || usage; series=$2; shift 2 ;;
	--series=*) series=${1#*=}; shift ;;
	--variant) [ $# -ge 2 ] || usage; variant=$2; shift 2 ;;
	--variant=*) variant=${1#*=}; shift ;;
	*) usage ;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
frags=("$here/kernel.config" "$here/kernel-$series.config")
[ -r "${frags[1]}" ] || { echo "build-kernel: no fragment for series '$series'" >&2; exit 1; }
case $variant in
'') ;;
debug) frags+=("$here/kernel-$variant.config") ;;
*) echo "build-kernel: no variant '$variant' (there is: debug)" >&2; exit 1 ;;
esac
pkg=linux-source-$series
tarball=/usr/src/$pkg.tar.xz
cache_root=${VFIOMIG_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfiomig-testbed}

if [ ! -r "$tarball" ]; then
	echo "build-kernel: $tarball missing (run scripts/install-deps.sh)" >&2
	exit 1
fi

srcver=$(dpkg-query -W -f='${Version}' "$pkg")
key=$(printf '%s %s %s\n' "$series" "$variant" "$srcver" | cat - "${frags[@]}" "$0" |
	sha256sum | cut -c1-16)
out="$cache_root/$key"

if [ -s "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi

mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

start=$(date +%s)
echo "build-kernel: unpacking $pkg $srcver${variant:+ ($variant variant)}" >&2
tar -xJf "$tarball" -C "$work"
src=$work/$pkg
jobs=$(( $(nproc) + 1 ))

{
	make -C "$src" tinyconfig
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config "${frags[@]}")
	make -C "$src" olddefconfig
} >"$work/config.log" 2>&1 || { cat "$work/config.log" >&2; exit 1; }

# merge_config warns but does not fail when a dependency drops an option
# (or a select turns one on that a fragment turns off).
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=[ym])
		if ! grep -qx "$line" "$src/.config"; then
			echo "build-kernel: ${line%=?} did not stick as ${line##*=}" >&2
			bad=1
		fi ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -q "^$opt=[ym]\$" "$src/.config"; then
			echo "build-kernel: $opt is on, but a fragment turns it off" >&2
			bad=1
		fi ;;
	esac
done < <(cat "${frags[@]}")
[ "$bad" -eq 0 ] || exit 1

targets=(bzImage)
modules=0
if grep -qx 'CONFIG_MODULES=y' "$src/.config"; then
	targets+=(modules)
	modules=1
fi
echo "build-kernel: make -j$jobs ${targets[*]}" >&2
if ! make -C "$src" -j"$jobs" "${targets[@]}" >"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log" >&2
	exit 1
fi

# uAPI headers, to compare the project's compat header with. headers_install
# needs rsync, which is not a build dependency: copy the generated *.h from
# "make headers" instead (same layout: headers/include/linux/vfio.h).
if ! make -C "$src" headers >"$work/headers.log" 2>&1; then
	tail -n 40 "$work/headers.log" >&2
	exit 1
fi

rm -rf "$out.tmp"
mkdir -p "$out.tmp/headers"
cp "$src/arch/x86/boot/bzImage" "$src/.config" "$out.tmp/"
# A tree "modprobe -d DIR" understands: DIR/lib/modules/RELEASE with
# modules.dep (depmod runs as part of modules_install).
if [ "$modules" = 1 ] &&
	! make -C "$src" INSTALL_MOD_PATH="$out.tmp/modules" INSTALL_MOD_STRIP=1 \
		modules_install >"$work/modules.log" 2>&1; then
	tail -n 40 "$work/modules.log" >&2
	exit 1
fi
(cd "$src/usr" && find include -name '*.h' -print0 | cpio -0pdm --quiet "$out.tmp/headers")
echo "$(( $(date +%s) - start ))" >"$out.tmp/build-seconds"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "build-kernel: built in $(cat "$out/build-seconds") s" >&2
echo "$out/bzImage"
