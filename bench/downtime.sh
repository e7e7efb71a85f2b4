#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The downtime promise, on loopback with fake devices; every ratio is
# between figures of the same run, best of RUNS where it says so:
#
#  1. migrate --dry-run against the migration it predicts: one device
#     without pre-copy (its whole state falls in the downtime) of three
#     sizes, over a link of two rates (bench/ratelink.py: one clock for
#     every connection, as on one link). The dry run's expected duration
#     and downtime next to the migration's real ones, and real / expected.
#     The record of save and load arcs (vfiomig(8), FILES) starts empty:
#     the first row's dry run is a host's first migration of the driver,
#     the others count what the migration before measured.
#  2. 1, 4, 16 and 64 devices migrating together, rate-limited with and
#     without pre-copy, and devices the fake does not slow ('unlimited',
#     without pre-copy): aggregate throughput, downtime, the expected
#     downtime the switchover was decided on, and what each side's
#     process held at its peak (file descriptors, threads, resident
#     memory), with what each device adds (64 against 1). Each twice:
#     with an empty record of save and load and a limit ('cold', a
#     host's first migration of them: the receiver measures a save
#     first), and with what a migration of the same N devices just
#     recorded ('recorded').
#
# The machine may be shared: the load averages are printed before and
# after. Not part of 'make check'.
#
# usage: bench/downtime.sh [RUNS]   (default 1)
set -euo pipefail
shopt -s inherit_errexit

top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1}
vfiomig=${VFIOMIG:-$top/vfiomig}
lib=$top/tests/fake/libvfiofake.so

for tool in jq ss bc python3; do
	command -v "$tool" >/dev/null || {
		echo "bench/downtime.sh: needs $tool (scripts/install-deps.sh)" >&2
		exit 1
	}
done

work=$(mktemp -d)
bg=()   # what runs in the background: the link, a receiver, samplers
cleanup() {
	local p
	for p in "${bg[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=tests/fake/fakeroot.bash
source "$top/tests/fake/fakeroot.bash"
root=$work/root
fake_init "$root"
export VFIOMIG_FAKE_ROOT=$root
# the bench's own record of earlier arcs, never the host's
export VFIOMIG_STATEDIR=$work/state

psk=$work/psk
(umask 077 && openssl rand -hex 32 >"$psk")
port=$((20000 + RANDOM % 20000))

load() {
	cut -d ' ' -f 1-3 /proc/loadavg
}

# listening PORT: wait until something listens on 127.0.0.1:PORT.
listening() {
	local i
	for ((i = 0; i < 500; i++)); do
		[ -n "$(ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.01
	done
	echo "bench/downtime.sh: nothing listens on port $1" >&2
	return 1
}

# sample PID FILE: the most threads and descriptors PID had, and its peak
# RSS (KiB), written to FILE as "threads fds rss" once PID is gone.
sample() {
	local pid=$1 out=$2 t=0 f=0 r=0 v n
	while [ -d "/proc/$pid" ]; do
		v=$(awk '/^Threads/ { t = $2 } /^VmHWM/ { r = $2 } END { print t, r }' \
			"/proc/$pid/status" 2>/dev/null) || break
		# a zombie has no VmHWM: it is gone
		[[ $v =~ ^[0-9]+\ [0-9]+$ ]] || break
		# gone meanwhile: find fails, and the count is what was found
		n=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) || true
		((${v% *} > t)) && t=${v% *}
		((${v#* } > r)) && r=${v#* }
		((n > f)) && f=$n
		sleep 0.005
	done
	echo "$t $f $r" >"$out"
}

# pair N SRC_PORT DST_PORT MIGRATE-OPTIONS...: one migration of S[0..N-1]
# to D[0..N-1], receive listening on DST_PORT, migrate sending to
# SRC_PORT (the same, or a link in between); migrate's -j report on one
# line in $work/mig.json, the receiver's in $work/recv.json, their peaks
# in $work/mig.peak and $work/recv.peak.
pair() {
	local n=$1 sport=$2 dport=$3 rpid mpid rs ms
	shift 3
	# not through fake(): $! must be vfiomig itself for sample()
	LD_PRELOAD=$lib "$vfiomig" -j -q receive "${D[@]:0:n}" --listen "tcp://127.0.0.1:$dport" \
		--psk-file "$psk" >"$work/recv.json" &
	rpid=$!
	sample "$rpid" "$work/recv.peak" &
	rs=$!
	listening "$dport"
	LD_PRELOAD=$lib "$vfiomig" -j -q migrate "${S[@]:0:n}" --to "tcp://127.0.0.1:$sport" \
		--psk-file "$psk" "$@" >"$work/mig.json" &
	mpid=$!
	sample "$mpid" "$work/mig.peak" &
	ms=$!
	wait "$mpid" || true
	wait "$rpid" || true
	# not a bare wait: the link runs in the background too
	wait "$rs" "$ms" || true
}

# devices N KEYS...: N source devices S[] and N destinations D[], on
# the buses $sbus and $dbus, groups and cdevs from $base on.
sbus=3b dbus=5e base=100
devices() {
	local i n=$1 slot
	shift
	for ((i = 0; i < n; i++)); do
		slot=$(printf %02x $((1 + i / 8)))
		S[i]=0000:$sbus:$slot.$((i % 8))
		D[i]=0000:$dbus:$slot.$((i % 8))
		fake_pci_device "$root" "${S[i]}" $((base + i)) cdev=$((base + i)) "$@"
		fake_pci_device "$root" "${D[i]}" $((base + 100 + i)) cdev=$((base + 100 + i)) "$@"
	done
}

# field FILE FILTER: jq -r on a report.
field() {
	jq -r "$2" "$1"
}

echo "downtime benchmarks: $(nproc) CPUs, $(uname -r), load $(load)"
echo
echo "1. --dry-run against the migration: one device without pre-copy, over a link"
printf '%-8s %-9s %10s %10s %7s %12s %12s %7s\n' size link "expected" real "ratio" \
	"exp. down" "real down" ratio
for mib in 16 64 256; do
	devices 1 flags=3 size=$((mib << 20))
	for rate in 25 100; do
		port=$((port + 2))
		python3 "$top/bench/ratelink.py" "$port" $((port + 1)) "${rate}e6" >"$work/link" &
		bg+=($!)
		listening "$port"
		pair 1 "$port" $((port + 1)) --dry-run
		cp "$work/mig.json" "$work/dry.json"
		port=$((port + 2))
		kill "${bg[-1]}"
		wait "${bg[-1]}" 2>/dev/null || true
		unset 'bg[-1]'
		python3 "$top/bench/ratelink.py" "$port" $((port + 1)) "${rate}e6" >"$work/link" &
		bg+=($!)
		listening "$port"
		pair 1 "$port" $((port + 1)) --downtime-limit 0
		kill "${bg[-1]}"
		wait "${bg[-1]}" 2>/dev/null || true
		unset 'bg[-1]'
		ed=$(field "$work/dry.json" .estimate.usecs)
		edt=$(field "$work/dry.json" .estimate.downtime_usecs)
		rd=$(field "$work/mig.json" .usecs)
		rdt=$(field "$work/mig.json" .downtime_usecs)
		printf '%-8s %-9s %8.3f s %8.3f s %6.2fx %9.1f ms %9.1f ms %6.2fx\n' \
			"$mib MiB" "$rate MB/s" "$(bc -l <<<"$ed / 1000000")" "$(bc -l <<<"$rd / 1000000")" \
			"$(bc -l <<<"$rd / $ed")" "$(bc -l <<<"$edt / 1000")" \
			"$(bc -l <<<"$rdt / 1000")" "$(bc -l <<<"$rdt / $edt")"
	done
done

echo
dev_bytes=4000000
echo "2. N devices of 4 MB at 20 MB/s each, together, best of $runs;"
echo "   'unlimited': as fast as the fake goes, no pre-copy (the link and the cores are"
echo "   all that limit them); 'cold': an empty record of save and load and a limit of"
echo "   an hour (the receiver measures a save first, as for any limit kept);"
echo "   'recorded': the record a migration of the same N devices just left, no limit"
printf '%-3s %-20s %11s %11s %11s %8s %25s %25s\n' N "" "aggregate" downtime expected \
	real/exp "migrate thr/fds/RSS" "receive thr/fds/RSS"
# again N: S[0..N-1] and D[0..N-1] running again, for the next migration
again() {
	local i
	for ((i = 0; i < $1; i++)); do
		fake_set_state "$root" "${S[i]}" running
		fake_set_state "$root" "${D[i]}" running
	done
}

# one N MODE REC: the best of $runs migrations of N devices, as a row.
one() {
	local n=$1 mode=$2 rec=$3 best="" r opts=(--downtime-limit 0)
	[ "$rec" = recorded ] || opts=(--downtime-limit 3600000)
	[ "$mode" = precopy ] || opts+=(--no-precopy)
	rm -f "$VFIOMIG_STATEDIR/arcs"
	if [ "$rec" = recorded ]; then
		again "$n"
		port=$((port + 1))
		pair "$n" "$port" "$port" "${opts[@]}"
	fi
	for ((r = 0; r < runs; r++)); do
		[ "$rec" = recorded ] || rm -f "$VFIOMIG_STATEDIR/arcs"
		again "$n"
		port=$((port + 1))
		pair "$n" "$port" "$port" "${opts[@]}"
		if [ -z "$best" ] || (($(field "$work/mig.json" .downtime_usecs) < best)); then
			best=$(field "$work/mig.json" .downtime_usecs)
			cp "$work/mig.json" "$work/best.json"
			cp "$work/mig.peak" "$work/best.mig.peak"
			cp "$work/recv.peak" "$work/best.recv.peak"
		fi
	done
	read -r mt mf mr <"$work/best.mig.peak"
	read -r rt rf rr <"$work/best.recv.peak"
	printf '%-3s %-20s %6.1f MB/s %8.1f ms %8.1f ms %7.2fx %8s/%4s/%6.1f MiB %8s/%4s/%6.1f MiB\n' \
		"$n" "$mode $rec" "$(field "$work/best.json" '.bytes / .usecs')" \
		"$(field "$work/best.json" '.downtime_usecs / 1e3')" \
		"$(field "$work/best.json" '.expected_downtime_usecs / 1e3')" \
		"$(field "$work/best.json" '.downtime_usecs / .expected_downtime_usecs')" \
		"$mt" "$mf" "$(bc -l <<<"$mr / 1024")" "$rt" "$rf" "$(bc -l <<<"$rr / 1024")"
	[ "$n" != 1 ] || first=("$mt" "$mf" "$mr" "$rt" "$rf" "$rr")
}

for mode in no-precopy precopy unlimited; do
	case $mode in
	no-precopy) devices 64 size=$dev_bytes rate=20000000 precopy=2000000 estimate=left ;;
	unlimited) sbus=3c dbus=5f base=400 devices 64 size=$dev_bytes ;;
	esac
	for rec in cold recorded; do
		for n in 1 4 16 64; do
			one "$n" "$mode" "$rec"
		done
		printf '    each device adds: migrate %.2f threads, %.2f fds, %.2f MiB; receive %.2f threads, %.2f fds, %.2f MiB\n' \
			"$(bc -l <<<"($mt - ${first[0]}) / 63")" "$(bc -l <<<"($mf - ${first[1]}) / 63")" \
			"$(bc -l <<<"($mr - ${first[2]}) / 63 / 1024")" "$(bc -l <<<"($rt - ${first[3]}) / 63")" \
			"$(bc -l <<<"($rf - ${first[4]}) / 63")" "$(bc -l <<<"($rr - ${first[5]}) / 63 / 1024")"
		# The fake (in migrate's process) holds each source device's
		# whole image, 4 MB: what is left is vfiomig's own.
		printf '    of which the fake device holds %.2f MiB in migrate: vfiomig itself %.2f MiB a device\n' \
			"$(bc -l <<<"$dev_bytes / 1048576")" \
			"$(bc -l <<<"($mr - ${first[2]}) / 63 / 1024 - $dev_bytes / 1048576")"
	done
done
echo
echo "load at the end: $(load)"
