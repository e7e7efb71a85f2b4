#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the Debian package (make deb). The build runs in a copy of the
# work tree (tracked files and new ones git does not ignore), because
# dpkg-buildpackage cleans the tree it builds in and writes its results
# next to it: here both happen inside OUTDIR.
#
# Usage: build-deb.sh VERSION OUTDIR
#   VERSION  the Makefile's; debian/changelog's newest entry must match
#   OUTDIR   gets the binary packages (vfiomig_VERSION_ARCH.deb and its
#            dbgsym), the source package (.dsc, .tar.xz: lintian checks
#            debian/ there), .changes, .buildinfo and build.log
set -euo pipefail

version=${1:?usage: build-deb.sh VERSION OUTDIR}
outdir=${2:?usage: build-deb.sh VERSION OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)

fail() {
	echo "build-deb: $*" >&2
	exit 1
}

cd "$top"
changelog=$(dpkg-parsechangelog -S Version)
[ "$changelog" = "$version" ] ||
	fail "debian/changelog's newest entry is $changelog, the Makefile's VERSION is $version: add a changelog entry for $version"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	fail "not a git work tree: the package is built from the files git tracks"

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
src=$outdir/vfiomig-$version
rm -rf "$src" "$outdir"/vfiomig_* "$outdir"/vfiomig-dbgsym_*
mkdir -p "$src"
# Files deleted in the work tree but still in the index are left out.
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	done |
	tar --null -T - -cf - | tar -xf - -C "$src"

log=$outdir/build.log
# The package build is a make of its own: none of the calling make's flags
# (-n, -s, its jobserver) leak into it.
unset MAKEFLAGS MFLAGS MAKELEVEL
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc)}"
if ! (cd "$src" && dpkg-buildpackage -us -uc) >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	fail "dpkg-buildpackage failed (whole log: $log)"
fi
rm -rf "$src"
ls "$outdir"/vfiomig_"$version"_*.deb
