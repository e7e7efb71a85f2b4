#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The modules of src/ must not depend on each other in a loop, and no
# module may call up into a higher layer (the map in README, Layout). A
# module is one object file; it depends on another when it uses a symbol
# the other defines (nm). tsort(1) fails on a loop and names its members.
# Usage: scripts/check-deps.sh [BUILD_DIR]   (default build, after make;
# only the objects of the sources in src/ count)
set -uo pipefail

dir=${1:-build}
src=$(cd "$(dirname "$0")/../src" && pwd)
declare -A owner
objs=()
for c in "$src"/*.c; do
	o=$dir/$(basename "$c" .c).o
	[ -f "$o" ] || { echo "check-deps: no $o (run make first)" >&2; exit 2; }
	objs+=("$o")
done

for o in "${objs[@]}"; do
	m=$(basename "$o" .o)
	while read -r _ _ sym; do
		owner[$sym]=$m
	done < <(nm --defined-only -g "$o")
done

edges=$(for o in "${objs[@]}"; do
	m=$(basename "$o" .o)
	while read -r _ sym; do
		d=${owner[$sym]:-}
		if [ -n "$d" ] && [ "$d" != "$m" ]; then
			echo "$m $d"
		fi
	done < <(nm -u "$o")
done | sort -u)

# The layers, lowest first; a module not named here is a command (top).
layer_of() {
	case $1 in
	fsm | sig | log | output | events | report | opts | escape) echo 0 ;;
	stream | pump | chan | net | tls | endpoint | mig-wire) echo 1 ;;
	device | holder-client | holder-check | holder-dir | vfio | sysfs | ident | owner | devlink) echo 2 ;;
	session) echo 3 ;;
	*) echo 4 ;;
	esac
}

up=$(while read -r a b; do
	if [ "$(layer_of "$b")" -gt "$(layer_of "$a")" ]; then
		echo "  $a (layer $(layer_of "$a")) calls up into $b (layer $(layer_of "$b"))"
	fi
done <<<"$edges")
if [ -n "$up" ]; then
	echo "check-deps: a module calls a higher layer:" >&2
	echo "$up" >&2
	exit 1
fi

if ! out=$(tsort <<<"$edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
	echo "check-deps: the modules of src/ depend on each other in a loop:" >&2
	echo "$out" >&2
	exit 1
fi
echo "check-deps: $(wc -l <<<"$edges") dependencies among ${#objs[@]} modules, no loop, none up"
