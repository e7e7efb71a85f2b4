#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# restore and receive load a device through one pipeline (pump_load()):
# a fault at each point of it (the driver refusing a write, a record
# whose checksum does not match, a peer that goes away mid-stream) gives
# the same words and the same exit code on both commands. receive is
# played its source by tests/helpers/migframes and socat over a unix
# socket (--insecure: the faults are in the stream, not in TLS).

load helpers

MIGFRAMES=$TOP/tests/helpers/migframes
STREAMFIX=$TOP/tests/helpers/streamfix

setup() {
	fake_setup
	requires_cmd socat
	# The identity migframes' HELLO announces: 15b3:101e, subsystem 0:0.
	SRC=0000:3b:02.0 DST=0000:5e:02.0
	fake_pci_device "$ROOT" $SRC 30 cdev=10 driver=mlx5_vfio_pci vendor=0x15b3 \
		device=0x101e subvendor=0 subdevice=0 size=200000
	fake_pci_device "$ROOT" $DST 31 cdev=11 driver=mlx5_vfio_pci vendor=0x15b3 \
		device=0x101e subvendor=0 subdevice=0
	OUT=$BATS_TEST_TMPDIR/s.vfm
	SOCK=$BATS_TEST_TMPDIR/mig.sock
	fvm save $SRC -o "$OUT" --then running
	assert_success
}

teardown() {
	[ -z "${RPID:-}" ] || kill "$RPID" 2>/dev/null || true
	[ -z "${CTL_PID:-}" ] || kill "$CTL_PID" 2>/dev/null || true
}

# restore DST from FILE (env: the fault); $status, $stderr.
restore_from() {
	local file=$1
	shift
	echo "# [fake] $* vfiomig restore $DST -i $file"
	run --separate-stderr env LD_PRELOAD="$PRELOAD" "$@" "$VFIOMIG" restore $DST -i "$file"
	echo "# status $status; stderr: $stderr"
}

# The source's control connection, up to the destination's READY: HELLO,
# IDENTITY, an empty link probe and START, then it stays open until the
# end.
source_ready() {
	coproc CTL { socat - "UNIX-CONNECT:$SOCK"; }
	CTL_PID=$CTL_PID
	"$MIGFRAMES" hello 1 identity 0 probe_end 0 start 300 >&"${CTL[1]}"
	# The destination's IDENTITY, AGREED, PROBED, then READY once the
	# device is in resuming.
	run timeout 10 "$MIGFRAMES" await READY <&"${CTL[0]}"
	assert_success
}

# receive into DST a migration whose data connection carries the bytes
# of FILE, as a source announcing one device would (env: the fault);
# $status, $stderr as for restore.
receive_from() {
	local file=$1 err=$BATS_TEST_TMPDIR/recv.err
	shift
	echo "# [fake] $* vfiomig receive $DST --listen unix:$SOCK --insecure, fed $file"
	env LD_PRELOAD="$PRELOAD" "$@" "$VFIOMIG" receive $DST --listen "unix:$SOCK" \
		--insecure 2>"$err" >/dev/null &
	RPID=$!
	wait_for test -S "$SOCK"
	source_ready
	{ "$MIGFRAMES" attach 0; cat "$file"; } | socat -u - "UNIX-CONNECT:$SOCK"
	status=0
	wait "$RPID" || status=$?
	RPID=
	stderr=$(grep -v -- '--insecure' "$err")
	echo "# status $status; stderr: $stderr"
}

# The first error line without "vfiomig: CMD DEV: INPUT: ", and "65": what
# must be the same on both commands.
essence() {
	local first=${stderr%%$'\n'*}

	first=${first#vfiomig: }
	first=${first#* "$DST": }
	echo "$status ${first#*: }"
}

@test "the driver refusing a write: the same words and exit code from restore and receive" {
	restore_from "$OUT" VFIOMIG_FAKE_WRITE_FAIL=0:ENOMEM
	assert_equal "$status" $EX_DATAERR
	[[ "$stderr" == "vfiomig: restore $DST: the driver refused the data at byte 0: ENOMEM"* ]]
	local restored
	restored=$(echo "$status ${stderr%%$'\n'*}" | sed "s/restore $DST/CMD/")
	assert_equal "$(fstate $DST)" running
	receive_from "$OUT" VFIOMIG_FAKE_WRITE_FAIL=0:ENOMEM
	assert_equal "$(echo "$status ${stderr%%$'\n'*}" | sed "s/receive $DST/CMD/")" "$restored"
	[[ "$stderr" == *"receive $DST: device reset: now running"* ]]
	assert_equal "$(fstate $DST)" running
}

@test "a record whose checksum does not match: the same words and exit code from restore and receive" {
	cp "$OUT" "$OUT.bad"
	"$STREAMFIX" "$OUT.bad" -n 310:1=0x41
	restore_from "$OUT.bad"
	assert_equal "$status" $EX_DATAERR
	[[ "$stderr" == "vfiomig: restore $DST: $OUT.bad: record 1 payload checksum mismatch at byte 256"* ]]
	local restored
	restored=$(essence)
	receive_from "$OUT.bad"
	assert_equal "$(essence)" "$restored"
	[[ "$stderr" == "vfiomig: receive $DST: unix:$SOCK: record 1 payload checksum mismatch at byte 256"* ]]
	assert_equal "$(fstate $DST)" running
}

@test "a peer gone mid-stream: the same words and exit code from restore and receive" {
	local cut=$BATS_TEST_TMPDIR/cut.vfm
	head -c 100000 "$OUT" >"$cut"
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" restore $DST -i "unix:$SOCK" --insecure \
		2>"$BATS_TEST_TMPDIR/rest.err" >/dev/null &
	RPID=$!
	wait_for test -S "$SOCK"
	socat -u - "UNIX-CONNECT:$SOCK" <"$cut"
	status=0
	wait "$RPID" || status=$?
	RPID=
	stderr=$(grep -v -- '--insecure' "$BATS_TEST_TMPDIR/rest.err")
	assert_equal "$status" $EX_DATAERR
	[[ "$stderr" == "vfiomig: restore $DST: unix:$SOCK: "*"at byte 100000"* ]]
	local restored
	restored=$(essence)
	receive_from "$cut"
	assert_equal "$(essence)" "$restored"
	assert_equal "$(fstate $DST)" running
}

@test "a source whose data connection says nothing: receive gives up after --peer-timeout, device reset" {
	local err=$BATS_TEST_TMPDIR/recv.err
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" receive $DST --listen "unix:$SOCK" --insecure \
		--peer-timeout 2 2>"$err" >/dev/null &
	RPID=$!
	wait_for test -S "$SOCK"
	source_ready
	# A data connection that never says ATTACH, open until the end: the
	# source is gone however it got stuck (before, 10 s per silent
	# connection, 30 s in all).
	exec {SILENT}> >(exec socat -u - "UNIX-CONNECT:$SOCK")
	wait_for -t 20 eval '! kill -0 $RPID 2>/dev/null'
	status=0
	wait "$RPID" || status=$?
	RPID=
	exec {SILENT}>&-
	stderr=$(grep -v -- '--insecure' "$err")
	echo "# status $status; stderr: $stderr"
	assert_equal "$status" $EX_IOERR
	[[ "$stderr" == *"vfiomig: receive: the source opened 0 of 1 data connections, then none for 2 s"$'\n'"vfiomig: receive $DST: device reset: now running" ]]
	assert_equal "$(fstate $DST)" running
}
