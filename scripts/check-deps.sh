#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The layer rules of src/ (README, Layout), proven from the build:
#   - every module is named in a layer below; a new one must be placed;
#   - no module uses a symbol of, or includes a header of, a higher layer
#     (symbols: nm of the objects; includes: the -MMD .d files);
#   - no modules depend on each other in a loop (tsort of the symbol edges);
#   - src/lib, the engine, prints nothing: none of its objects references
#     the stdio output functions or stdout/stderr, and none includes a
#     header of src/cmd.
# A module is one .c file (and its .h); a header without a .c file is
# placed by its name below.
# Usage: scripts/check-deps.sh [BUILD_DIR]   (default build, after make;
# CHECK_DEPS_SRC names another source tree, for the tests)
set -uo pipefail

dir=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
src=${CHECK_DEPS_SRC:-$top/src}

# The layers, lowest first.
layer_of() {
	case $1 in
	# src/lib
	vm | reason | ctx | clock | le | compat | fsm) echo 0 ;;          # base
	stream | chan | tls | net | pump | hasher | mig-wire | arc-record) echo 1 ;; # data
	vfio | sysfs | ident | owner | device | devlink | migid | migid-cmp | \
		modalias | holder | \
		holder-proto | holder-client | holder-check | holder-dir) echo 2 ;; # devices
	session) echo 3 ;;                                                # session
	mig | mig-group | mig-ctl | mig-src | mig-dst | mig-measure | mig-estimate | mig-probe | \
		mig-decide | mig-record) echo 4 ;;                        # migration
	# src/cmd
	vfiomig | escape | log | output | events | opts | cli | sig | observe | idjson | \
		context | report | netopts | endpoint | json | ci-report) echo 5 ;; # the tool's base
	main | cmd-* | check | check-* | save | save-common | mig-report | est-report | \
		inventory | holder-server) echo 6 ;;                      # commands
	*) echo unplaced ;;
	esac
}
layer_name=(base data devices session migration tool-base commands)

fail=0
say() {
	echo "check-deps: $*" >&2
	fail=1
}

objs=()
for c in "$src"/lib/*.c "$src"/cmd/*.c; do
	part=$(basename "$(dirname "$c")")
	o=$dir/$part/$(basename "$c" .c).o
	[ -f "$o" ] || { echo "check-deps: no $o (run make first)" >&2; exit 2; }
	objs+=("$o")
done
for h in "$src"/lib/*.h "$src"/cmd/*.h; do
	m=$(basename "$h" .h)
	[ "$(layer_of "$m")" != unplaced ] || say "$h is in no layer: place it in scripts/check-deps.sh"
done

# Symbol edges: A uses a symbol B defines (nm prints each object's name
# before its symbols).
for o in "${objs[@]}"; do
	m=$(basename "$o" .o)
	[ "$(layer_of "$m")" != unplaced ] || say "module $m is in no layer: place it in scripts/check-deps.sh"
done
sym_edges=$(
	{
		nm -A --defined-only -g "${objs[@]}" | awk '{ print "D", $1, $3 }'
		nm -A -u "${objs[@]}" | awk '{ print "U", $1, $NF }'
	} | awk '{ sub(/:.*/, "", $2); n = split($2, p, "/"); m = p[n]; sub(/\.o$/, "", m)
		   if ($1 == "D") owner[$3] = m; else use[NR] = m " " $3 }
		 END { for (i in use) { split(use[i], u, " ")
			 if ((u[2] in owner) && owner[u[2]] != u[1]) print u[1], owner[u[2]] } }' |
		sort -u
)

# Include edges: A's object was built from B's header (.d files).
inc_edges=$(for o in "${objs[@]}"; do
	m=$(basename "$o" .o)
	d=${o%.o}.d
	[ -f "$d" ] || continue
	awk '{ for (i = 1; i <= NF; i++) print $i }' "$d" | grep -E '^src/(lib|cmd)/.*\.h$' | sort -u |
		while read -r h; do
			b=$(basename "$h" .h)
			[ "$b" = "$m" ] || echo "$m $b $h"
		done
done | sort -u)

while read -r a b; do
	[ -n "$a" ] || continue
	la=$(layer_of "$a") lb=$(layer_of "$b")
	[ "$la" = unplaced ] || [ "$lb" = unplaced ] || [ "$lb" -le "$la" ] ||
		say "$a (${layer_name[$la]}) calls up into $b (${layer_name[$lb]})"
done <<<"$sym_edges"
while read -r a b h; do
	[ -n "$a" ] || continue
	la=$(layer_of "$a") lb=$(layer_of "$b")
	[ "$la" = unplaced ] || [ "$lb" = unplaced ] || [ "$lb" -le "$la" ] ||
		say "$a (${layer_name[$la]}) includes $h (${layer_name[$lb]})"
done <<<"$inc_edges"

if ! out=$(tsort <<<"$sym_edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
	say "modules depend on each other in a loop:"
	echo "$out" >&2
fi

# The engine prints nothing: no stdio output, no stdout or stderr.
printing='^(printf|vprintf|fprintf|vfprintf|dprintf|vdprintf|puts|fputs|putchar|fputc|putc|fwrite|fflush|perror|psignal|err|errx|warn|warnx|verr|vwarn|error|error_at_line|syslog|vsyslog|stdout|stderr|__printf_chk|__fprintf_chk|__vfprintf_chk|__vprintf_chk|__dprintf_chk)$'
for o in "$dir"/lib/*.o; do
	case $o in *.d) continue ;; esac
	[ -f "$src/lib/$(basename "$o" .o).c" ] || continue
	bad=$(nm -u "$o" | awk '{ print $2 }' | sed 's/@.*//' | grep -E "$printing" | tr '\n' ' ')
	[ -z "$bad" ] || say "src/lib/$(basename "$o" .o).c prints: it references $bad"
	d=${o%.o}.d
	if [ -f "$d" ] && grep -q 'src/cmd/' "$d"; then
		say "src/lib/$(basename "$o" .o).c includes a header of src/cmd"
	fi
done

[ "$fail" = 0 ] || exit 1
echo "check-deps: $(wc -l <<<"$sym_edges") calls and $(wc -l <<<"$inc_edges") includes among" \
	"${#objs[@]} modules in ${#layer_name[@]} layers: none up, no loop; src/lib prints nothing"
