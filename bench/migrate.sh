#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Network transfers and live migration on loopback, fake devices, each
# figure against a baseline measured in the same run, best of RUNS:
#
#  1. save -o tcp:// -> restore -i tcp:// against socat copying the same
#     bytes (the source's backing file in /dev/shm) over a TCP socket to
#     /dev/null, with TLS (--psk-file) and with --insecure. Target: 0.9x
#     socat's best. Both ends share the machine's CPUs, so TLS pays for
#     encryption and decryption here: socat over TLS 1.3 is measured too.
#  2. migrate of four rate-limited devices at once against one: the ratio
#     of aggregate throughputs. Target: 3x.
#  3. migrate's downtime with pre-copy against --no-precopy for a device
#     with 1 GiB of state of which ~1% is dirty at the stop. Target: the
#     pre-copy downtime at most 5% of the stop-copy-only one.
#
# The machine may be shared: the load averages are printed before and
# after. Not part of 'make check'.
#
# usage: bench/migrate.sh [SIZE_GIB] [RUNS]   (default 2 and 3)
set -euo pipefail
shopt -s inherit_errexit

top=$(cd "$(dirname "$0")/.." && pwd)
gib=${1:-2}
runs=${2:-3}
size=$((gib << 30))
vfiomig=${VFIOMIG:-$top/vfiomig}
lib=$top/tests/fake/libvfiofake.so

for tool in socat jq ss bc; do
	command -v "$tool" >/dev/null || {
		echo "bench/migrate.sh: needs $tool (scripts/install-deps.sh)" >&2
		exit 1
	}
done

work=$(mktemp -d)
shm=$(mktemp -d /dev/shm/vfiomig-bench.XXXXXX)
bg=""   # the receiver running in the background, if any
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

psk=$work/psk
(umask 077 && openssl rand -hex 32 >"$psk")
# For socat's TLS baseline: a throwaway self-signed certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/key.pem" -out "$work/cert.pem" -days 1 -subj /CN=bench \
	2>/dev/null

# 1. Sources read a file in RAM (a pread() per read, a real kernel copy);
# destinations check what is written and keep nothing.
fake_pci_device "$root" 0000:3b:00.1 12 cdev=0 size=$size backing=file
fake_pci_device "$root" 0000:5e:00.1 13 cdev=1 size=$size

# 2. Devices whose data fds move rate bytes/s on either side.
rate=200000000
rsize=$((400 * 1000 * 1000))
for i in 1 2 3 4; do
	fake_pci_device "$root" "0000:3c:00.$i" "2$i" "cdev=2$i" size=$rsize rate=$rate
	fake_pci_device "$root" "0000:5f:00.$i" "3$i" "cdev=3$i" size=$rsize rate=$rate
done

# 3. The downtime model. precopy=N bytes are readable in pre_copy; once
# they are read the device "dirties" dirty=N more, also read in
# pre_copy; the rest of size=N is only readable in stop_copy, i.e. it is
# what the device dirtied too late to leave before the stop. So with
#   state = 1 GiB, one = 1% of it,
#   precopy=state dirty=one size=state+2*one
# pre-copy moves the 1 GiB and a first 1% of re-sent dirty data while
# the device runs, and stop-copy moves the last 1%. The --no-precopy run
# uses a device of size=state: stopped at once, it moves the 1 GiB of
# state in stop-copy, nothing re-sent. Sources are backed by files in
# /dev/shm, as in 1.
state=$((1 << 30))
one=$((state / 100))
fake_pci_device "$root" 0000:3d:00.1 41 cdev=41 size=$((state + 2 * one)) \
	precopy=$state dirty=$one backing=file
fake_pci_device "$root" 0000:60:00.1 42 cdev=42 size=$((state + 2 * one))
fake_pci_device "$root" 0000:3d:00.2 43 cdev=43 size=$state backing=file
fake_pci_device "$root" 0000:60:00.2 44 cdev=44 size=$state

src=$(fake_data_source "$root" 0000:3b:00.1)   # makes the file once
fake_data_source "$root" 0000:3d:00.1 >/dev/null
fake_data_source "$root" 0000:3d:00.2 >/dev/null

port=$((20000 + RANDOM % 20000))

# listening PORT: wait until something listens on 127.0.0.1:PORT, so
# that the sender connects at once and no retry pause is timed.
listening() {
	local i
	for ((i = 0; i < 500; i++)); do
		[ -n "$(ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.01
	done
	echo "bench/migrate.sh: nothing listens on port $1" >&2
	return 1
}

# pair RECEIVER-CMD... -- SENDER-CMD...: start the receiver, wait until
# it listens on $port, then time the sender and the receiver's end.
# Prints seconds. Each run takes a new port.
pair() {
	local rcv=() t0 t1
	while [ "$1" != -- ]; do
		rcv+=("$1")
		shift
	done
	shift
	"${rcv[@]}" >/dev/null &
	bg=$!
	listening "$port"
	t0=$(date +%s.%N)
	"$@" >/dev/null
	wait "$bg"
	t1=$(date +%s.%N)
	bg=""
	echo "$t1 - $t0" | bc -l
}

# best SECS...: the smallest.
best() {
	printf '%s\n' "$@" | sort -g | head -n 1
}

# runs_of CMD...: CMD's output (one number) for each of $runs runs, each
# with its own port.
runs_of() {
	local i
	for ((i = 0; i < runs; i++)); do
		port=$((port + 1))
		"$@"
	done
}

fake() {
	LD_PRELOAD=$lib "$@"
}

socat_copy() {
	local b=$1
	pair socat -u -b "$b" "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" \
		OPEN:/dev/null -- socat -u -b "$b" "OPEN:$src" "TCP:127.0.0.1:$port"
}

# The same over TLS 1.3 (OpenSSL, its default AEAD), no peer check.
socat_tls() {
	local tls=openssl-min-proto-version=TLS1.3
	pair socat -u -b 1048576 "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,$tls,verify=0,cert=$work/cert.pem,key=$work/key.pem" \
		OPEN:/dev/null -- \
		socat -u -b 1048576 "OPEN:$src" "OPENSSL:127.0.0.1:$port,$tls,verify=0"
}

save_restore() {
	pair fake "$vfiomig" -q restore 0000:5e:00.1 -i "tcp://127.0.0.1:$port" "$@" -- \
		fake "$vfiomig" -q save --then running 0000:3b:00.1 \
		-o "tcp://127.0.0.1:$port" "$@"
}

load() {
	cut -d ' ' -f 1-3 /proc/loadavg
}

row() {
	printf '%-46s %8.3f s %8.2f GiB/s %7.2fx\n' "$1" "$2" \
		"$(echo "$gib / $2" | bc -l)" "$(echo "$base / $2" | bc -l)"
}

echo "migrate benchmarks: best of $runs, $(nproc) CPUs, $(uname -r), load $(load)"
echo
echo "1. $gib GiB from a file in RAM over loopback TCP (to /dev/null, or a fake device)"
base=$(best "$(runs_of socat_copy 1048576)")
row "socat -b 1048576 (base)" "$base"
row "socat, default 8 KiB buffer" "$(best "$(runs_of socat_copy 8192)")"
row "save -> restore --insecure" "$(best "$(runs_of save_restore --insecure)")"
tls_base=$(best "$(runs_of socat_tls)")
row "socat -b 1048576 over TLS 1.3 (OpenSSL)" "$tls_base"
tls=$(best "$(runs_of save_restore --psk-file "$psk")")
row "save -> restore --psk-file (TLS 1.3)" "$tls"
printf '%-46s %7.2fx\n' "save -> restore --psk-file against socat TLS" \
	"$(echo "$tls_base / $tls" | bc -l)"

# migrate_json SRC=DST... -- OPTIONS...: one migrate of the sources to
# the destinations on a fresh port, both sides with OPTIONS (network
# ones), migrate also with the array mopts; prints migrate's -j report
# on one line. The sources start running each time.
migrate_json() {
	local srcs=() dsts=() p out
	while [ "$1" != -- ]; do
		srcs+=("${1%%=*}")
		dsts+=("${1#*=}")
		shift
	done
	shift
	port=$((port + 1))
	for p in "${srcs[@]}"; do
		fake_set_state "$root" "$p" running
	done
	fake "$vfiomig" -q receive "${dsts[@]}" --listen "tcp://127.0.0.1:$port" \
		"$@" >/dev/null &
	bg=$!
	listening "$port"
	out=$(fake "$vfiomig" -j -q migrate "${srcs[@]}" --to "tcp://127.0.0.1:$port" \
		"${mopts[@]}" "$@")
	wait "$bg"
	bg=""
	jq -c . <<<"$out"
}

# best_json FIELD ARGS...: of $runs migrations, the report with the
# smallest FIELD.
best_json() {
	local field=$1 i
	shift
	for ((i = 0; i < runs; i++)); do
		migrate_json "$@"
	done | jq -s -c "min_by(.$field)"
}

mbs_row() {
	local secs
	secs=$(jq -r '.usecs / 1e6' <<<"$2")
	printf '%-46s %8.3f s %8.1f MB/s %7.2fx\n' "$1" "$secs" \
		"$(jq -r '.bytes / .usecs' <<<"$2")" \
		"$(jq -r --argjson b "$3" '(.bytes / .usecs) / ($b.bytes / $b.usecs)' <<<"$2")"
}

echo
echo "2. migrate, devices of $((rsize / 1000000)) MB at $((rate / 1000000)) MB/s each:" \
	"aggregate throughput (--no-precopy)"
mopts=(--no-precopy)
for auth in "--insecure" "--psk-file $psk"; do
	name=${auth%% *}
	# shellcheck disable=SC2086  # auth is an option and maybe its file
	one_dev=$(best_json usecs 0000:3c:00.1=0000:5f:00.1 -- $auth)
	# shellcheck disable=SC2086
	four=$(best_json usecs 0000:3c:00.1=0000:5f:00.1 0000:3c:00.2=0000:5f:00.2 \
		0000:3c:00.3=0000:5f:00.3 0000:3c:00.4=0000:5f:00.4 -- $auth)
	mbs_row "1 device $name (base)" "$one_dev" "$one_dev"
	mbs_row "4 devices in parallel $name" "$four" "$one_dev"
done

down_row() {
	printf '%-46s %9.1f ms %11s B %7.2f%%\n' "$1" \
		"$(jq -r '.downtime_usecs / 1e3' <<<"$2")" \
		"$(jq -r .stop_copy_bytes <<<"$2")" \
		"$(jq -r --argjson b "$3" '100 * .downtime_usecs / $b.downtime_usecs' <<<"$2")"
}

echo
echo "3. downtime for 1 GiB of state, ~1% dirty at the stop (stop-copy bytes," \
	"% of the --no-precopy downtime)"
for auth in "--insecure" "--psk-file $psk"; do
	name=${auth%% *}
	mopts=(--no-precopy)
	# shellcheck disable=SC2086
	stop=$(best_json downtime_usecs 0000:3d:00.2=0000:60:00.2 -- $auth)
	mopts=()
	# shellcheck disable=SC2086
	pre=$(best_json downtime_usecs 0000:3d:00.1=0000:60:00.1 -- $auth)
	down_row "--no-precopy $name (base)" "$stop" "$stop"
	down_row "pre-copy $name ($(jq -r .precopy_rounds <<<"$pre") rounds)" "$pre" "$stop"
done
echo
echo "load at the end: $(load)"
