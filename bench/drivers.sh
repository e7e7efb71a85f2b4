#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One run per driver personality of the fake (tests/fake/fake.h), with
# sizes of real parts: save throughput against cat reading the same data
# through the same data-fd path, best of RUNS, and one migrate over a
# unix socket (with pre-copy where the driver has it) for its downtime.
#
#   mtty 96 B; hisi_acc 176 B; qat 4 KiB; pds 12 KiB; virtio 1 MiB;
#   mlx5 512 MiB of initial state and 5% of it dirtied per round
#   (mlx5's 8 MiB chunks, a SAVE command in flight 20 ms each), twice,
#   then 5% more at the stop; xe 2 GiB (VRAM included), no pre-copy.
#
# Sources are backed by files in /dev/shm (a real kernel copy per read),
# destinations check what is written and keep nothing. The tiny states
# measure process start and the protocol, not bandwidth.
#
# usage: bench/drivers.sh [RUNS]   (default 3)
set -euo pipefail
shopt -s inherit_errexit

top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
vfiomig=${VFIOMIG:-$top/vfiomig}
lib=$top/tests/fake/libvfiofake.so

for tool in jq bc; do
	command -v "$tool" >/dev/null || {
		echo "bench/drivers.sh: needs $tool (scripts/install-deps.sh)" >&2
		exit 1
	}
done

work=$(mktemp -d)
shm=$(mktemp -d /dev/shm/vfiomig-bench.XXXXXX)
bg=""
cleanup() {
	[ -z "$bg" ] || kill "$bg" 2>/dev/null || true
	rm -rf "$work" "$shm"
}
trap cleanup EXIT

# shellcheck source=tests/fake/fakeroot.bash
source "$top/tests/fake/fakeroot.bash"
root=$work/root
fake_init "$root"
export VFIOMIG_FAKE_ROOT=$root VFIOMIG_FAKE_BACKING_DIR=$shm

mib=$((1 << 20))
initial=$((512 * mib))
dirty=$((initial / 20))
declare -A keys=(
	[mtty]=""
	[hisi_acc]=""
	[qat]=""
	[pds]=""
	[virtio]="size=$mib precopy=$((mib / 4)) dirty=$((mib / 16)) redirty=2"
	[mlx5]="size=$((initial + 3 * dirty)) precopy=$initial dirty=$dirty redirty=2"
	[xe]="size=$((2048 * mib))"
)
order=(mtty hisi_acc qat pds virtio mlx5 xe)

n=0
for p in "${order[@]}"; do
	# shellcheck disable=SC2086  # the keys are words
	fake_pci_device "$root" "0000:3b:00.$n" $((10 + n)) cdev=$((10 + n)) \
		personality="$p" backing=file ${keys[$p]}
	# shellcheck disable=SC2086
	fake_pci_device "$root" "0000:5e:00.$n" $((30 + n)) cdev=$((30 + n)) \
		personality="$p" ${keys[$p]}
	fake_data_source "$root" "0000:3b:00.$n" >/dev/null   # the file, once
	n=$((n + 1))
done

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

# cat making the reads vfiomig makes, through the fake's data-fd path.
fake_cat() {
	LD_PRELOAD=$lib cat "$root/.fake/$1/source"
}

save() {
	LD_PRELOAD=$lib "$vfiomig" -q save --then running "$1" -o /dev/null
}

# migrate_json SRC DST: one migrate, its -j report on one line.
migrate_json() {
	local sock=$work/mig.sock
	rm -f "$sock"
	fake_set_state "$root" "$1" running
	LD_PRELOAD=$lib "$vfiomig" -q receive "$2" --listen "unix:$sock" \
		--insecure >/dev/null &
	bg=$!
	LD_PRELOAD=$lib "$vfiomig" -j -q migrate "$1" --to "unix:$sock" \
		--insecure | jq -c .
	wait "$bg"
	bg=""
}

load() {
	cut -d ' ' -f 1-3 /proc/loadavg
}

echo "drivers: save against cat (best of $runs) and one migrate, $(nproc) CPUs," \
	"$(uname -r), load $(load)"
printf '%-9s %11s %9s %9s %7s %10s %9s %12s %6s %11s\n' driver bytes "cat s" \
	"save s" "x cat" "save MB/s" "migrate s" "downtime ms" rounds "stop-copy B"
n=0
for p in "${order[@]}"; do
	dev=0000:3b:00.$n
	size=$(sed -n 's/^size=//p' "$root/.fake/$dev/config")
	[ -n "$size" ] || size=$(LD_PRELOAD=$lib "$vfiomig" -j info "$dev" |
		jq -r .stop_copy_bytes)
	# pds reports 65536 whatever it holds: take the bytes a save moves
	# (cat, not a redirection: the read must go through the fake)
	# shellcheck disable=SC2002
	[ "$p" != pds ] || size=$(LD_PRELOAD=$lib cat "$root/.fake/$dev/source" | wc -c)
	cat_s=$(best_of fake_cat "$dev")
	save_s=$(best_of save "$dev")
	m=$(migrate_json "$dev" "0000:5e:00.$n")
	printf '%-9s %11s %9.3f %9.3f %6.2fx %10.1f %9.3f %12.1f %6s %11s\n' "$p" \
		"$size" "$cat_s" "$save_s" "$(echo "$cat_s / $save_s" | bc -l)" \
		"$(echo "$size / $save_s / 1000000" | bc -l)" \
		"$(jq -r '.usecs / 1e6' <<<"$m")" \
		"$(jq -r '.downtime_usecs / 1e3' <<<"$m")" \
		"$(jq -r .precopy_rounds <<<"$m")" "$(jq -r .stop_copy_bytes <<<"$m")"
	n=$((n + 1))
done
echo "load at the end: $(load)"
