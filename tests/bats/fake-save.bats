#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# save / restore against the fake device: failures at every arc, data-fd
# faults, closed outputs, signals, and large state through the pump.

load helpers

setup() {
	fake_setup
	DST=0000:5e:00.1
	fake_pci_device "$ROOT" $DST 20 cdev=5 driver=mlx5_vfio_pci \
		vendor=0x15b3 device=0x101e subvendor=0x15b3 subdevice=0x0063
	OUT=$BATS_TEST_TMPDIR/out
}

teardown() {
	if [ -n "${SAVER_PID:-}" ]; then
		kill "$SAVER_PID" 2>/dev/null || true
		wait "$SAVER_PID" 2>/dev/null || true
	fi
}

# A partial output must be rejected by inspect and by restore, and the
# restore must leave the destination running.
assert_rejected() {
	fvm inspect "$1"
	assert_failure $EX_DATAERR
	fvm restore $DST -i "$1"
	assert_failure $EX_DATAERR
	assert_equal "$(fstate $DST)" running
}

@test "fake: save, inspect, restore and save again give the same device bytes" {
	fvm save $PCI -o "$OUT"
	assert_success
	fvm -j inspect "$OUT"
	assert_success
	jq_is .valid true
	jq_is .bytes 96
	jq_is .source.vendor_id $((0x15b3))
	fvm restore $DST -i "$OUT"
	assert_success
	assert_equal "$(fstate $DST)" running
	fvm save --raw $PCI -o "$OUT.a"
	fvm save --raw $DST -o "$OUT.b"
	cmp "$OUT.a" "$OUT.b"
}

@test "fake: save refuses to write binary data to a terminal" {
	requires_cmd script
	run script -qec "env LD_PRELOAD='$PRELOAD' VFIOMIG_FAKE_ROOT='$ROOT' '$VFIOMIG' save $PCI" /dev/null
	assert_failure $EX_USAGE
	assert_output --partial "refusing to write binary data to a terminal"
	assert_equal "$(fstate $PCI)" running
}

@test "fake: save --json needs -o" {
	fvm -j save $PCI
	assert_failure $EX_USAGE
	assert_one_error "save: --json needs -o FILE: stdout carries the stream$"
}

@test "fake: a failure at each arc of save unwinds the device and leaves no valid stream" {
	for arc in 'RUNNING>RUNNING_P2P' 'RUNNING_P2P>STOP' 'STOP>STOP_COPY'; do
		VFIOMIG_FAKE_FAIL="$arc:EIO" fvm save $PCI -o "$OUT"
		assert_failure $EX_STATE
		[[ "$stderr" == *"SET: EIO (Input/output error); device is in"* ]]
		[[ "$stderr" == *"save $PCI: device back in running, its state before save"* ]]
		assert_equal "$(fstate $PCI)" running
		assert_rejected "$OUT"
	done
	# The data was read, but the device did not reach --then: no trailer.
	# Unwinding needs the same failing arc, so the device stays put.
	VFIOMIG_FAKE_FAIL='STOP_COPY>STOP:EIO' fvm save $PCI -o "$OUT"
	assert_failure $EX_STATE
	[[ "$stderr" == *"save $PCI: device left in stop_copy"* ]]
	assert_equal "$(fstate $PCI)" stop_copy
	assert_rejected "$OUT"
}

@test "fake: a failure at each arc of save --precopy unwinds to running" {
	for arc in 'RUNNING>PRE_COPY' 'PRE_COPY>PRE_COPY_P2P' 'PRE_COPY_P2P>STOP_COPY'; do
		VFIOMIG_FAKE_FAIL="$arc:EIO" fvm save --precopy $PCI -o "$OUT"
		assert_failure $EX_STATE
		[[ "$stderr" == *"device back in running, its state before save"* ]]
		assert_equal "$(fstate $PCI)" running
		assert_rejected "$OUT"
	done
}

@test "fake: --on-error=reset and --on-error=leave" {
	VFIOMIG_FAKE_FAIL='STOP>STOP_COPY:EIO' fvm save --on-error=leave $PCI -o "$OUT"
	assert_failure $EX_STATE
	[[ "$stderr" == *"save $PCI: device left in stop"* ]]
	assert_equal "$(fstate $PCI)" stop
	VFIOMIG_FAKE_FAIL='STOP>STOP_COPY:EIO:error' fvm save --on-error=reset $PCI -o "$OUT"
	assert_failure $EX_STATE
	[[ "$stderr" == *"save $PCI: device reset: now running"* ]]
	assert_equal "$(fstate $PCI)" running
	VFIOMIG_FAKE_FAIL='STOP>STOP_COPY:EIO:error' fvm save $PCI -o "$OUT"
	assert_failure $EX_STATE
	[[ "$stderr" == *"save $PCI: device left in error (only reset leaves it)"* ]]
	assert_equal "$(fstate $PCI)" error
}

@test "fake: a failure at each arc of restore leaves the device known and reported" {
	fvm save --then running $PCI -o "$OUT"
	assert_success
	# Before resuming: the device goes back to running.
	for arc in 'RUNNING>RUNNING_P2P' 'RUNNING_P2P>STOP' 'STOP>RESUMING'; do
		VFIOMIG_FAKE_FAIL="$arc:EIO" fvm -j restore $DST -i "$OUT"
		assert_failure $EX_STATE
		[[ "$stderr" == *"restore $DST: device back in running, its state before restore"* ]]
		jq_is .state running
		assert_equal "$(fstate $DST)" running
	done
	# The driver refuses the state: reset aborts resuming.
	VFIOMIG_FAKE_FAIL='RESUMING>STOP:EINVAL' fvm -j restore $DST -i "$OUT"
	assert_failure $EX_DATAERR
	[[ "$stderr" == *"restore $DST: the driver did not accept the state"* ]]
	[[ "$stderr" == *"restore $DST: device reset to abort resuming: now running"* ]]
	jq_is .reset true
	assert_equal "$(fstate $DST)" running
	# After stop the state is loaded. Going back to running needs the same
	# failing arc, so the device stays where the failure left it, and says so.
	for spec in 'STOP>RUNNING_P2P:stop' 'RUNNING_P2P>RUNNING:running_p2p'; do
		VFIOMIG_FAKE_FAIL="${spec%:*}:EIO" fvm restore $DST -i "$OUT"
		assert_failure $EX_STATE
		[[ "$stderr" == *"restore $DST: device left in ${spec##*:}"* ]]
		assert_equal "$(fstate $DST)" "${spec##*:}"
		fvm reset $DST
	done
}

@test "fake: a stream from another kind of device is refused unless --force" {
	fvm save $MDEV -o "$OUT"
	fvm restore $DST -i "$OUT"
	assert_failure $EX_DATAERR
	[[ "$stderr" == *"stream is from a mtty/mtty-2 device, this is mlx5_vfio_pci/pci; --force to try anyway"* ]]
	[[ "$stderr" == *"device untouched: running"* ]]
	fvm restore --force $DST -i "$OUT"
	assert_success
	[[ "$stderr" == *"--force: restoring anyway"* ]]
}

@test "fake: an output that closes early fails the save with EPIPE and unwinds" {
	not_under_valgrind
	fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=8388608
	run --separate-stderr bash -c "env LD_PRELOAD='$PRELOAD' '$VFIOMIG' save 0000:3b:00.7 | head -c 1000 >/dev/null; exit \${PIPESTATUS[0]}"
	assert_failure 74
	[[ "$stderr" == *"save 0000:3b:00.7: writing stdout: EPIPE"* ]]
	[[ "$stderr" == *"device back in running, its state before save"* ]]
	assert_equal "$(fstate 0000:3b:00.7)" running
}

@test "fake: a full output fails the save with ENOSPC" {
	[ -w /dev/full ] || skip "needs /dev/full"
	fvm save $PCI -o /dev/full
	assert_failure 74
	[[ "$stderr" == *"writing /dev/full: ENOSPC"* ]]
	assert_equal "$(fstate $PCI)" running
}

@test "fake: a missing input file exits 66; an empty one is truncated (65)" {
	fvm restore $DST -i "$BATS_TEST_TMPDIR/nope"
	assert_failure $EX_NODEV
	assert_one_error "restore: opening .*/nope: ENOENT"
	: >"$OUT"
	fvm restore $DST -i "$OUT"
	assert_failure $EX_DATAERR
	[[ "$stderr" == *"truncated at byte 0 (in the header)"* ]]
	assert_equal "$(fstate $DST)" running
}

state_is() {
	[ "$(fstate "$1")" = "$2" ]
}

# Until process PID holds FILE open.
holds_open() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd")" = "$2" ] && return 0
	done
	return 1
}

# Until CMD... succeeds, for 5 s at most (an event, not a delay).
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.05
	done
	echo "never happened: $*" >&2
	return 1
}

@test "fake: restore -i FIFO waits for a writer and takes its stream; SIGINT ends the wait" {
	local fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	fvm save --then running $PCI -o "$OUT"
	assert_success
	# No writer yet: the open must not block deaf to signals.
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" restore $DST -i "$fifo" 2>"$OUT.err" &
	SAVER_PID=$!
	wait_for holds_open "$SAVER_PID" "$fifo"
	kill -INT "$SAVER_PID"
	rc=0
	wait "$SAVER_PID" || rc=$?
	SAVER_PID=
	assert_equal "$rc" $EX_INTERRUPTED
	run cat "$OUT.err"
	assert_output "vfiomig: restore: waiting for input on $fifo: interrupted by INT"
	assert_equal "$(fstate $DST)" running
	# A writer that comes later is read like a file.
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -q restore $DST -i "$fifo" 2>"$OUT.err" &
	SAVER_PID=$!
	wait_for holds_open "$SAVER_PID" "$fifo"
	cat "$OUT" >"$fifo"
	rc=0
	wait "$SAVER_PID" || rc=$?
	SAVER_PID=
	assert_equal "$rc" 0
	[ ! -s "$OUT.err" ]
	assert_equal "$(fstate $DST)" running
}

@test "fake: SIGINT ends a restore from a pipe that says nothing" {
	local fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	# A writer that stays silent: stdin is a pipe with no data.
	exec 4<>"$fifo"
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" restore $DST <"$fifo" 2>"$OUT.err" &
	SAVER_PID=$!
	# The device is open: restore reads the header now, or is about to.
	wait_for holds_open "$SAVER_PID" "$ROOT/dev/vfio/devices/vfio5"
	kill -INT "$SAVER_PID"
	rc=0
	wait "$SAVER_PID" || rc=$?
	SAVER_PID=
	exec 4>&-
	assert_equal "$rc" $EX_INTERRUPTED
	run cat "$OUT.err"
	assert_line --index 0 "vfiomig: restore $DST: interrupted by INT"
	assert_equal "$(fstate $DST)" running
}

@test "fake: a device read that fails mid-stream unwinds and leaves no valid stream" {
	fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=4194304
	VFIOMIG_FAKE_READ_FAIL=2000000:EIO fvm save 0000:3b:00.7 -o "$OUT"
	assert_failure 74
	[[ "$stderr" == *"save 0000:3b:00.7: reading the device's data_fd: EIO (Input/output error)"* ]]
	[[ "$stderr" == *"device back in running, its state before save"* ]]
	assert_equal "$(fstate 0000:3b:00.7)" running
	fvm inspect "$OUT"
	assert_failure $EX_DATAERR
}

@test "fake: a device that refuses a write aborts the restore with a reset" {
	fvm save --then running $PCI -o "$OUT"
	VFIOMIG_FAKE_WRITE_FAIL=10:ENOMEM fvm -j restore $DST -i "$OUT"
	assert_failure $EX_DATAERR
	[[ "$stderr" == *"restore $DST: the driver refused the data at byte 0: ENOMEM"* ]]
	[[ "$stderr" == *"device reset to abort resuming: now running"* ]]
	jq_is .reset true
	assert_equal "$(fstate $DST)" running
}

@test "fake: short reads and writes still move every byte" {
	fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=1000000 image=exact
	fake_pci_device "$ROOT" 0000:5e:00.7 22 cdev=7 size=1000000 image=exact
	export VFIOMIG_FAKE_SHORT=1
	run --separate-stderr bash -c "env LD_PRELOAD='$PRELOAD' '$VFIOMIG' save --precopy 0000:3b:00.7 | env LD_PRELOAD='$PRELOAD' '$VFIOMIG' -j restore --force 0000:5e:00.7"
	assert_success
	jq_is .bytes 1000000
	fvm save --raw 0000:3b:00.7 -o "$OUT.a"
	fvm save --raw 0000:5e:00.7 -o "$OUT.b"
	cmp "$OUT.a" "$OUT.b"
}

@test "fake: every end-of-pre-copy convention (0, ENOMSG, EAGAIN) is understood" {
	for conv in zero enomsg eagain; do
		fake_pci_device "$ROOT" 0000:3b:01.0 30 cdev=8 size=4096 precopy=1000 precopy_end=$conv
		fvm -j save --precopy 0000:3b:01.0 -o "$OUT"
		assert_success
		jq_is .precopy_bytes 1000
		jq_is .stop_copy_bytes 3096
		case $conv in
		zero) jq_is .precopy_end eof ;;
		enomsg) jq_is .precopy_end ENOMSG ;;
		eagain) jq_is .precopy_end EAGAIN ;;
		esac
		fvm -j inspect "$OUT"
		jq_is .precopy_bytes 1000
		rm -rf "$ROOT/sys/bus/pci/devices/0000:3b:01.0"
	done
}

@test "fake: SIGINT and SIGTERM during a save unwind the device and exit 8" {
	not_under_valgrind
	for sig in INT TERM; do
		fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=100000000 rate=20000000
		env LD_PRELOAD="$PRELOAD" "$VFIOMIG" save 0000:3b:00.7 -o "$OUT" 2>"$OUT.err" &
		SAVER_PID=$!
		# Under way: the device is being read (5 s at its rate).
		wait_for state_is 0000:3b:00.7 stop_copy
		kill -$sig $SAVER_PID
		rc=0
		wait $SAVER_PID || rc=$?
		assert_equal "$rc" 8
		run cat "$OUT.err"
		assert_line "vfiomig: save 0000:3b:00.7: interrupted by $sig"
		assert_line "vfiomig: save 0000:3b:00.7: device back in running, its state before save"
		assert_equal "$(fstate 0000:3b:00.7)" running
		fvm inspect "$OUT"
		assert_failure $EX_DATAERR
	done
	SAVER_PID=
}

@test "fake: SIGINT during a restore resets the device and exits 8" {
	not_under_valgrind
	fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=100000000
	fake_pci_device "$ROOT" 0000:5e:00.7 22 cdev=7 size=100000000 rate=20000000
	fvm save --then running 0000:3b:00.7 -o "$OUT"
	assert_success
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" restore --force 0000:5e:00.7 -i "$OUT" 2>"$OUT.err" &
	SAVER_PID=$!
	# Under way: the device is being written (5 s at its rate).
	wait_for state_is 0000:5e:00.7 resuming
	kill -INT $SAVER_PID
	rc=0
	wait $SAVER_PID || rc=$?
	SAVER_PID=
	assert_equal "$rc" 8
	run cat "$OUT.err"
	assert_line "vfiomig: restore 0000:5e:00.7: interrupted by INT"
	assert_line "vfiomig: restore 0000:5e:00.7: device reset to abort resuming: now running"
	assert_equal "$(fstate 0000:5e:00.7)" running
}

@test "fake: --progress reports bytes and the share of the size estimate" {
	not_under_valgrind
	fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=20000000 rate=40000000
	fvm save --progress 0000:3b:00.7 -o "$OUT"
	assert_success
	[[ "$stderr" == *"MiB/s"*"%"* ]]
	[[ "$stderr" == *"100%"* ]]
	fvm save --no-progress 0000:3b:00.7 -o "$OUT"
	[[ "$stderr" != *"MiB/s"* ]]
}

@test "fake: -v and -j report bytes, records, arcs and throughput" {
	fvm -v save $PCI -o "$OUT"
	assert_success
	[[ "$output" == "saved 96 bytes in 1 records from $PCI (pre_copy 0, stop_copy 96) in "* ]]
	[[ "$stderr" == *"arc running -> stop_copy: "*" ms"* ]]
	[[ "$stderr" == *"arc stop_copy -> stop: "*" ms"* ]]
	fvm -j save --then running $PCI -o "$OUT"
	jq_is .records 1
	jq_is .bytes 96
	jq_is '.arcs | length' 2
	jq_is '.bytes_per_sec > 0' true
}

@test "fake: 3 GiB of device data through save | restore with every checksum checked" {
	not_under_valgrind
	fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=3221225472
	fake_pci_device "$ROOT" 0000:5e:00.7 22 cdev=7 size=3221225472
	run --separate-stderr bash -c "env LD_PRELOAD='$PRELOAD' '$VFIOMIG' save 0000:3b:00.7 | tee >(env LD_PRELOAD='$PRELOAD' '$VFIOMIG' -j inspect > '$OUT.inspect') | env LD_PRELOAD='$PRELOAD' '$VFIOMIG' -j restore --force 0000:5e:00.7"
	assert_success
	jq_is .bytes 3221225472
	jq_is .state running
	# The fake checked every restored byte against the saved pattern at
	# resuming -> stop; inspect checked every record and the trailer.
	run jq -r '"\(.valid) \(.bytes) \(.records_count > 1)"' "$OUT.inspect"
	assert_output "true 3221225472 true"
}
