#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the small test kernel (VFIO, iommufd, mtty, netdevsim, 9p) from
# Debian's linux-source-6.12 and cache it outside the work tree, keyed by
# the source package version and this config fragment. Prints the path of
# the cached bzImage on stdout; everything else goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
frag="$here/kernel.config"
tarball=/usr/src/linux-source-6.12.tar.xz
cache_root=${VFIOMIG_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfiomig-testbed}

if [ ! -r "$tarball" ]; then
	echo "build-kernel: $tarball missing (run scripts/install-deps.sh)" >&2
	exit 1
fi

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$(printf '%s\n' "$srcver" | cat - "$frag" "$0" | sha256sum | cut -c1-16)
out="$cache_root/$key"

if [ -s "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi

mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

start=$(date +%s)
echo "build-kernel: unpacking linux-source $srcver" >&2
tar -xJf "$tarball" -C "$work"
src=$work/linux-source-6.12
jobs=$(( $(nproc) + 1 ))

{
	make -C "$src" tinyconfig
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$frag")
	make -C "$src" olddefconfig
} >"$work/config.log" 2>&1 || { cat "$work/config.log" >&2; exit 1; }

# merge_config warns but does not fail when a dependency drops an option.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=y)
		if ! grep -qx "$line" "$src/.config"; then
			echo "build-kernel: ${line%=y} did not stick" >&2
			bad=1
		fi ;;
	esac
done <"$frag"
[ "$bad" -eq 0 ] || exit 1

echo "build-kernel: make -j$jobs bzImage" >&2
if ! make -C "$src" -j"$jobs" bzImage >"$work/build.log" 2>&1; then
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
(cd "$src/usr" && find include -name '*.h' -print0 | cpio -0pdm --quiet "$out.tmp/headers")
echo "$(( $(date +%s) - start ))" >"$out.tmp/build-seconds"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "build-kernel: built in $(cat "$out/build-seconds") s" >&2
echo "$out/bzImage"
