#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# save throughput against cat, in one run, on the same kind of source: a
# fake device whose data_fd reads are real read() system calls from a
# file in RAM (/dev/shm), as a kernel driver's copy_to_user would be.
# cat reads that very file. Prints seconds, GiB/s and the ratio to cat,
# best of RUNS, and vfiomig's peak RSS; then cat and save again while
# another process keeps a core busy (save's checksums are made on a
# second core when one is free: the loaded rows show what is left when
# none is). VFIOMIG_BASELINE=PATH adds rows for another build (an older
# vfiomig) in both.
#
# usage: bench/save-vs-cat.sh [SIZE_GIB] [RUNS]   (default 4 and 3)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
gib=${1:-4}
runs=${2:-3}
size=$((gib << 30))
vfiomig=${VFIOMIG:-$top/vfiomig}
lib=$top/tests/fake/libvfiofake.so

baseline=${VFIOMIG_BASELINE:-}
work=$(mktemp -d)
shm=$(mktemp -d /dev/shm/vfiomig-bench.XXXXXX)
hog=""
cleanup() {
	[ -z "$hog" ] || kill "$hog" 2>/dev/null || true
	rm -rf "$work" "$shm"
}
trap cleanup EXIT

# shellcheck source=tests/fake/fakeroot.bash
source "$top/tests/fake/fakeroot.bash"
root=$work/root
fake_init "$root"
fake_pci_device "$root" 0000:3b:00.1 12 cdev=0 size=$size backing=file
fake_pci_device "$root" 0000:3b:00.2 13 cdev=1 size=$size
export VFIOMIG_FAKE_ROOT=$root VFIOMIG_FAKE_BACKING_DIR=$shm
src=$(fake_data_source "$root" 0000:3b:00.1)   # makes the file once

# best_of CMD...: the shortest wall time of $runs runs, in seconds.
best_of() {
	local best="" t0 t1 t i
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s.%N)
		"$@" >/dev/null
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then
			best=$t
		fi
	done
	echo "$best"
}

save() {
	LD_PRELOAD=$lib "$vfiomig" -q save --then running "$@" -o /dev/null
}

save_baseline() {
	LD_PRELOAD=$lib "$baseline" -q save --then running "$@" -o /dev/null
}

row() {
	printf '%-44s %8.3f s %8.2f GiB/s %7.2fx\n' "$1" "$2" \
		"$(echo "$gib / $2" | bc -l)" "$(echo "$base / $2" | bc -l)"
}

fake_cat() {
	LD_PRELOAD=$lib cat "$root/.fake/0000:3b:00.1/source"
}

echo "save vs cat: $gib GiB, best of $runs, $(nproc) CPUs, $(uname -r)"
# The baseline: cat making the very reads vfiomig makes, through the
# fake's data-fd path (a pread() of the file per read).
base=$(best_of fake_cat)
row "cat through the fake's data-fd reads (base)" "$base"
row "cat of the backing file, no fake" "$(best_of cat "$src")"
row "vfiomig save, stream with XXH3 checksums" "$(best_of save 0000:3b:00.1)"
row "vfiomig save --raw" "$(best_of save --raw 0000:3b:00.1)"
# Not the same source (the fake generates the bytes in the reader, no
# system call): vfiomig's own ceiling.
row "vfiomig save, generated in-process source" "$(best_of save 0000:3b:00.2)"
[ -z "$baseline" ] ||
	row "baseline $(basename "$baseline") save, with checksums" "$(best_of save_baseline 0000:3b:00.1)"
if [ -x /usr/bin/time ]; then
	rss=$( { LD_PRELOAD=$lib /usr/bin/time -f %M "$vfiomig" -q save --then running \
		0000:3b:00.1 -o /dev/null; } 2>&1 | tail -n 1)
	echo "vfiomig save peak RSS: $rss KiB"
	[ -z "$baseline" ] || echo "baseline peak RSS: $( { LD_PRELOAD=$lib /usr/bin/time -f %M \
		"$baseline" -q save --then running 0000:3b:00.1 -o /dev/null; } 2>&1 | tail -n 1) KiB"
fi

echo
echo "the same while another process keeps a core busy"
bash -c 'while :; do :; done' &
hog=$!
base=$(best_of fake_cat)
row "cat through the fake's data-fd reads (base)" "$base"
row "vfiomig save, stream with XXH3 checksums" "$(best_of save 0000:3b:00.1)"
row "vfiomig save --raw" "$(best_of save --raw 0000:3b:00.1)"
[ -z "$baseline" ] ||
	row "baseline $(basename "$baseline") save, with checksums" "$(best_of save_baseline 0000:3b:00.1)"
