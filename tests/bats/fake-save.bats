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

# A save that failed leaves no output file where there was none, and no
# temporary next to it (the file would have replaced the name atomically).
assert_no_output() {
	assert [ ! -e "$1" ]
	assert_no_temp "$(dirname "$1")"
}

# No temporary file of vfiomig's (.NAME.XXXXXX) in the directory.
assert_no_temp() {
	run find "$1" -maxdepth 1 -name '.*.??????'
	assert_output ''
}

# A file as it was: same bytes as the copy made before, no temporary left.
assert_kept() {
	cmp "$1" "$2"
	assert_no_temp "$(dirname "$1")"
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
	jq_is .source.vendor_id 15b3
	fvm restore $DST -i "$OUT"
	assert_success
	assert_equal "$(fstate $DST)" running
	fvm save --raw $PCI -o "$OUT.a"
	fvm save --raw $DST -o "$OUT.b"
	cmp "$OUT.a" "$OUT.b"
}

@test "fake: inspect -j lists every record it counts, with or without -v" {
	requires_cmd jq
	fvm save --precopy $PCI -o "$OUT"
	assert_success
	fvm -j inspect "$OUT"
	assert_success
	quiet=$output
	jq_is '.record_list | length' 2
	jq_is '(.record_list | length) == .records' true
	jq_is '[.record_list[].phase] | join(",")' pre_copy,stop_copy
	jq_is '([.record_list[].bytes] | add) == .bytes' true
	jq_is '.record_list[1].stream_offset > .record_list[0].stream_offset' true
	fvm -j -v inspect "$OUT"
	assert_success
	assert_equal "$output" "$quiet"
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
		assert_no_output "$OUT"
	done
	# The data was read, but the device did not reach --then: no trailer,
	# on stdout; with -o, no file.
	# Unwinding needs the same failing arc, so the device stays put.
	run --separate-stderr bash -c "VFIOMIG_FAKE_FAIL='STOP_COPY>STOP:EIO' env LD_PRELOAD='$PRELOAD' '$VFIOMIG' save $PCI >'$OUT'"
	assert_failure $EX_STATE
	[[ "$stderr" == *"save $PCI: device left in stop_copy"* ]]
	assert_equal "$(fstate $PCI)" stop_copy
	assert_rejected "$OUT"
	fvm reset $PCI
	VFIOMIG_FAKE_FAIL='STOP_COPY>STOP:EIO' fvm save $PCI -o "$OUT.2"
	assert_failure $EX_STATE
	assert_no_output "$OUT.2"
}

@test "fake: with -j a failed save is one document: its report and an error object" {
	VFIOMIG_FAKE_FAIL='RUNNING_P2P>STOP:EIO' fvm -j save $PCI -o "$OUT"
	assert_failure $EX_STATE
	assert_equal "$(jq -s length <<<"$output")" 1
	jq_is .ok false
	jq_is .state running
	jq_is .error.exit_code $EX_STATE
	jq_is .error.errno EIO
	jq_is '.error.message | test("^running -> stop_copy on .*SET: EIO .*; device is in running_p2p$")' true
	jq_is '.error.devices | length' 1
	jq_is '.error.devices[0].device' $PCI
	jq_is '.error.devices[0].state' running
}

@test "fake: a failure at each arc of save --precopy unwinds to running" {
	for arc in 'RUNNING>PRE_COPY' 'PRE_COPY>PRE_COPY_P2P' 'PRE_COPY_P2P>STOP_COPY'; do
		VFIOMIG_FAKE_FAIL="$arc:EIO" fvm save --precopy $PCI -o "$OUT"
		assert_failure $EX_STATE
		[[ "$stderr" == *"device back in running, its state before save"* ]]
		assert_equal "$(fstate $PCI)" running
		assert_no_output "$OUT"
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
	[[ "$stderr" == *"save $PCI: device left in error (only a reset leaves it)"* ]]
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
	[[ "$stderr" == *"restore $DST: stream is from an mdev of type mtty-2 (driver mtty), this is PCI device 15b3:101e (subsystem 15b3:0063); --force to try anyway"* ]]
	[[ "$stderr" == *"device untouched: running"* ]]
	fvm restore --force $DST -i "$OUT"
	assert_success
	[[ "$stderr" == *"--force: restoring anyway"* ]]
}

@test "fake: a refused stream and the device are each described as what they are" {
	# a PCI stream into an mdev
	fvm save $PCI -o "$OUT"
	fvm restore $MDEV -i "$OUT"
	assert_failure $EX_DATAERR
	[[ "$stderr" == *"restore $MDEV: stream is from PCI device 15b3:101e (subsystem 15b3:0063), this is an mdev of type mtty-2 (driver mtty); --force to try anyway"* ]]
	assert_equal "$(fstate $MDEV)" running
	# a PCI stream into a PCI device with other IDs (setup's defaults)
	fvm restore $RESETTER -i "$OUT"
	assert_failure $EX_DATAERR
	[[ "$stderr" == *"restore $RESETTER: stream is from PCI device 15b3:101e (subsystem 15b3:0063), this is PCI device 15b3:101e (subsystem 15b3:0068); --force to try anyway"* ]]
	# an mdev stream into an mdev of another type
	local one=1a2b3c4d-0000-4000-8000-000000000002
	fake_mdev_device "$ROOT" $one mtty-1 21 cdev=6
	fvm save $MDEV -o "$OUT"
	fvm restore $one -i "$OUT"
	assert_failure $EX_DATAERR
	[[ "$stderr" == *"restore $one: stream is from an mdev of type mtty-2 (driver mtty), this is an mdev of type mtty-1 (driver mtty); --force to try anyway"* ]]
	assert_equal "$(fstate $one)" running
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
	run --separate-stderr bash -c "VFIOMIG_FAKE_READ_FAIL=2000000:EIO env LD_PRELOAD='$PRELOAD' '$VFIOMIG' save 0000:3b:00.7 >'$OUT'"
	assert_failure 74
	[[ "$stderr" == *"save 0000:3b:00.7: reading the device's data_fd: EIO (Input/output error)"* ]]
	[[ "$stderr" == *"device back in running, its state before save"* ]]
	assert_equal "$(fstate 0000:3b:00.7)" running
	assert_rejected "$OUT"
}

@test "fake: a save that cannot start leaves an existing file as it was" {
	mkdir "$OUT.d"
	fvm save $PCI -o "$OUT.d/keep.vfm"
	assert_success
	cp "$OUT.d/keep.vfm" "$OUT.ref"
	# No such device, a device without migration, a device in use.
	fvm save 0000:ff:00.0 -o "$OUT.d/keep.vfm"
	assert_failure $EX_NODEV
	assert_kept "$OUT.d/keep.vfm" "$OUT.ref"
	fake_pci_device "$ROOT" 0000:3b:00.6 23 cdev=9 flags=none
	fvm save 0000:3b:00.6 -o "$OUT.d/keep.vfm"
	assert_failure $EX_NOMIG
	assert_kept "$OUT.d/keep.vfm" "$OUT.ref"
	VFIOMIG_FAKE_EBUSY=1 fvm save $PCI -o "$OUT.d/keep.vfm"
	assert_failure $EX_BUSY
	assert_kept "$OUT.d/keep.vfm" "$OUT.ref"
	# Nothing is created before the device has been checked.
	fvm save 0000:ff:00.0 -o "$OUT.d/new.vfm"
	assert_failure $EX_NODEV
	assert_no_output "$OUT.d/new.vfm"
	run ls -A "$OUT.d"
	assert_output keep.vfm
}

@test "fake: a save whose device read fails midway leaves an existing file as it was" {
	fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=4194304
	fvm save $PCI -o "$OUT"
	assert_success
	cp "$OUT" "$OUT.ref"
	VFIOMIG_FAKE_READ_FAIL=2000000:EIO fvm save 0000:3b:00.7 -o "$OUT"
	assert_failure 74
	[[ "$stderr" == *"save 0000:3b:00.7: reading the device's data_fd: EIO (Input/output error)"* ]]
	assert_equal "$(fstate 0000:3b:00.7)" running
	assert_kept "$OUT" "$OUT.ref"
	fvm -j inspect "$OUT"
	assert_success
	jq_is .bytes 96
}

@test "fake: a save replaces a file whole and writes a FIFO directly" {
	mkdir "$OUT.d"
	printf 'old contents\n' >"$OUT.d/s.vfm"
	chmod 0640 "$OUT.d/s.vfm"
	# A second name for the old file: replacing (rename) leaves it
	# whole, where writing into the file would change both.
	ln "$OUT.d/s.vfm" "$OUT.old"
	ln -s s.vfm "$OUT.d/link.vfm"
	fvm save $PCI -o "$OUT.d/link.vfm"
	assert_success
	assert_equal "$(cat "$OUT.old")" "old contents"
	# The link stays a link; the file it names is replaced, mode kept.
	assert [ -L "$OUT.d/link.vfm" ]
	assert_equal "$(stat -c %a "$OUT.d/s.vfm")" 640
	fvm -j inspect "$OUT.d/s.vfm"
	assert_success
	jq_is .valid true
	assert_no_temp "$OUT.d"
	# A new file is private to its owner, as before.
	(umask 022 && env LD_PRELOAD="$PRELOAD" "$VFIOMIG" save $PCI -o "$OUT.new")
	assert_equal "$(stat -c %a "$OUT.new")" 600
	# A FIFO has nothing to replace: the reader gets the stream itself.
	mkfifo "$OUT.d/fifo"
	cat "$OUT.d/fifo" >"$OUT.fromfifo" &
	fvm save $PCI -o "$OUT.d/fifo"
	assert_success
	wait
	assert [ -p "$OUT.d/fifo" ]
	fvm -j inspect "$OUT.fromfifo"
	jq_is .valid true
	run ls -A "$OUT.d"
	assert_output $'fifo\nlink.vfm\ns.vfm'
}

@test "fake: save, state and restore of a device without migration are refused once (exit 3)" {
	fake_pci_device "$ROOT" 0000:3b:00.6 23 cdev=9 flags=none
	fvm save --then running $PCI -o "$OUT"
	assert_success
	cp "$OUT" "$OUT.ref"
	for cmd in "save 0000:3b:00.6 -o $OUT" "state 0000:3b:00.6 stop" \
		"restore 0000:3b:00.6 -i $OUT"; do
		# shellcheck disable=SC2086
		fvm $cmd
		assert_failure $EX_NOMIG
		# One line, and no state claimed for a device that has none.
		assert_one_error "on 0000:3b:00.6: no migration support \(driver vfio-pci\): ENOTTY"
	done
	assert_kept "$OUT" "$OUT.ref"
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

@test "fake: SIGINT and SIGTERM during a save unwind the device, keep the old file and exit 8" {
	not_under_valgrind
	fvm save $PCI -o "$OUT"
	assert_success
	cp "$OUT" "$OUT.ref"
	for sig in INT TERM; do
		fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=100000000 rate=20000000
		rm -f "$OUT.trace"
		VFIOMIG_FAKE_TRACE=$OUT.trace env LD_PRELOAD="$PRELOAD" "$VFIOMIG" \
			save 0000:3b:00.7 -o "$OUT" 2>"$OUT.err" &
		SAVER_PID=$!
		# Signal once the device is streaming its stop-copy data.
		wait_for -t 20 grep -qsF "0000:3b:00.7 STOP>STOP_COPY" "$OUT.trace"
		kill -$sig $SAVER_PID
		rc=0
		wait $SAVER_PID || rc=$?
		assert_equal "$rc" 8
		run cat "$OUT.err"
		assert_line "vfiomig: save 0000:3b:00.7: interrupted by $sig"
		assert_line "vfiomig: save 0000:3b:00.7: device back in running, its state before save"
		assert_equal "$(fstate 0000:3b:00.7)" running
		assert_kept "$OUT" "$OUT.ref"
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

@test "fake: text reports give a rate only for a transfer that says one, in its unit" {
	# tiny: the time is the arcs', no rate
	fvm save $PCI -o "$OUT"
	assert_success
	assert_output --regexp "^saved 96 B in 1 record from $PCI \(pre_copy 0 B, stop_copy 96 B\) in [0-9.]+ s; device is stop$"
	fvm restore $DST -i "$OUT"
	assert_success
	assert_output --regexp "^restored 96 B in 1 record into $DST in [0-9.]+ s; device is running$"
	# 8 MiB: a rate, in MiB/s or GiB/s
	fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=8388608
	fake_pci_device "$ROOT" 0000:5e:00.7 22 cdev=7 size=8388608
	fvm save 0000:3b:00.7 -o "$OUT"
	assert_success
	assert_output --regexp "^saved 8\.0 MiB in [0-9]+ records from 0000:3b:00.7 \(pre_copy 0 B, stop_copy 8\.0 MiB\) in [0-9.]+ s, [0-9]+\.[0-9] [MG]iB/s; device is stop$"
	fvm restore 0000:5e:00.7 -i "$OUT"
	assert_success
	assert_output --regexp "^restored 8\.0 MiB in [0-9]+ records into 0000:5e:00.7 in [0-9.]+ s, [0-9]+\.[0-9] [MG]iB/s; device is running$"
	# under 1 MiB but over a second (the fake's rate limit): KiB/s
	fake_pci_device "$ROOT" 0000:3b:00.6 23 cdev=8 size=300000 rate=250000
	fvm save 0000:3b:00.6 -o "$OUT"
	assert_success
	assert_output --regexp "^saved 293\.0 KiB .* in 1\.[0-9]+ s, 2[0-9]{2}\.[0-9] KiB/s; device is stop$"
}

@test "fake: -v and -j report bytes, records, arcs and throughput" {
	fvm -v save $PCI -o "$OUT"
	assert_success
	[[ "$output" == "saved 96 B in 1 record from $PCI (pre_copy 0 B, stop_copy 96 B) in "* ]]
	[[ "$stderr" == *"arc running -> stop_copy on $PCI: "*" ms"* ]]
	[[ "$stderr" == *"arc stop_copy -> stop on $PCI: "*" ms"* ]]
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
	run jq -r '"\(.valid) \(.bytes) \(.records > 1)"' "$OUT.inspect"
	assert_output "true 3221225472 true"
}

# --- the reader is strict: vfiomig-stream(5) to the letter ------------------

STREAMFIX=$TOP/tests/helpers/streamfix

# $OUT.bad: a copy of the stream in $OUT with streamfix EDITs, sealed.
defective() {
	cp "$OUT" "$OUT.bad"
	"$STREAMFIX" "$OUT.bad" "$@"
}

# inspect and restore both refuse $OUT.bad naming this defect (exit 65),
# and the destination is running afterwards.
assert_defect() {
	fvm inspect "$OUT.bad"
	assert_failure $EX_DATAERR
	assert_equal "$stderr" "vfiomig: inspect $OUT.bad: $1"
	fvm restore $DST -i "$OUT.bad"
	assert_failure $EX_DATAERR
	[[ "$stderr" == "vfiomig: restore $DST: $OUT.bad: $1"$'\n'* ]] ||
		{ echo "restore said: $stderr"; false; }
	assert_equal "$(fstate $DST)" running
}

@test "fake: streamfix seals a stream exactly as save wrote it" {
	fvm save --precopy $PCI -o "$OUT"
	defective
	cmp "$OUT" "$OUT.bad"
	# and an edit it seals is seen by no checksum
	defective -n 100:1=0x41
	fvm inspect "$OUT.bad"
	assert_failure $EX_DATAERR
}

@test "fake: header flags and reserved header bytes other than 0 are refused" {
	fvm save $PCI -o "$OUT"
	defective 12:4=1
	assert_defect "header flags 0x1 at byte 12, expected 0"
	for at in 44 47 224 240 247; do
		defective $at:1=0x80
		assert_defect "reserved bytes at byte $at are not zero"
	done
}

@test "fake: reserved bytes of record headers and the trailer must be 0" {
	# header 256, data record 256 (48 + 96), trailer 400 (48 + 24)
	fvm save $PCI -o "$OUT"
	for spec in 263:256 268:256 271:256 407:400 412:400; do
		defective ${spec%:*}:1=1
		assert_defect "reserved bytes at byte ${spec%:*} are not zero (record at byte ${spec#*:})"
	done
}

@test "fake: nothing may follow the trailer" {
	fvm save $PCI -o "$OUT"
	cp "$OUT" "$OUT.bad"
	printf x >>"$OUT.bad"
	assert_defect "data after the trailer at byte 472"
	# through a pipe too
	run --separate-stderr bash -c "cat '$OUT.bad' | env LD_PRELOAD='$PRELOAD' '$VFIOMIG' inspect"
	assert_failure $EX_DATAERR
	assert_equal "$stderr" "vfiomig: inspect stdin: data after the trailer at byte 472"
}

@test "fake: every header field is range checked, at its offset" {
	fvm save $PCI -o "$OUT"
	defective 16:8=8
	assert_defect "migration flags 0x8 at byte 16: unknown flags"
	defective 16:8=6
	assert_defect "migration flags 0x6 at byte 16: no stop_copy"
	defective 24:4=3
	assert_defect "unknown bus 3 at byte 24"
	defective 36:4=0x10000
	assert_defect "PCI ID 0x10000 at byte 36 is wider than 16 bits"
	defective 111:1=0x41
	assert_defect "the driver name at byte 48 is not NUL-padded (byte 111)"
	defective 100:1=0x41
	assert_defect "the driver name at byte 48 is not NUL-padded (byte 100)"
	defective 207:1=0x41
	assert_defect "the tool name at byte 176 is not NUL-padded (byte 207)"
	defective 112:s=mtty-2
	assert_defect "an mdev type in a stream of a device that is no mdev at byte 112"
	defective 216:8=253402300800
	assert_defect "creation time 253402300800 at byte 216 is after the year 9999"
	defective 10:2=255
	assert_defect "header size 255 at byte 10, expected 256"
	defective 8:2=2
	assert_defect "stream format version 2 at byte 8 is not supported (this is 1)"
}

@test "fake: an mdev stream must name its mdev type" {
	fvm save $MDEV -o "$OUT"
	assert_success
	fvm -j inspect "$OUT"
	assert_success
	jq_is .source.mdev_type mtty-2
	defective 112:8=0
	fvm inspect "$OUT.bad"
	assert_failure $EX_DATAERR
	assert_equal "$stderr" "vfiomig: inspect $OUT.bad: an mdev stream without an mdev type at byte 112"
}

@test "fake: every record header field is range checked, at its offset" {
	fvm save $PCI -o "$OUT"
	defective 260:2=3
	assert_defect "unknown record type 3 at byte 260"
	defective 262:1=0
	assert_defect "phase 0 at byte 262 in a data record"
	defective 262:1=3
	assert_defect "phase 3 at byte 262 in a data record"
	defective 406:1=1
	assert_defect "phase 1 at byte 406 in a trailer record"
	defective 264:4=1
	assert_defect "record for device 1 at byte 264 in a single-device stream"
	defective 280:8=0
	assert_defect "data record length 0 at byte 280 is not 1 to 16777216"
	defective 280:8=16777217
	assert_defect "data record length 16777217 at byte 280 is not 1 to 16777216"
	defective 272:8=1
	assert_defect "record at byte 256 carries device data from byte 1, expected 0 (a record is missing or repeated)"
	defective 424:8=25
	assert_defect "trailer of 25 bytes at byte 400, expected 24"
}

@test "fake: the trailer's counts must match the stream" {
	fvm save $PCI -o "$OUT"
	defective @448:8=95
	assert_defect "trailer at byte 400 says 95 data bytes, stream has 96"
	defective @456:8=2
	assert_defect "trailer at byte 400 says 2 records, stream has 1"
	defective @464:8=1
	assert_defect "whole-stream checksum mismatch at byte 464"
}

@test "fake: the real binary still refuses every checksum that does not match" {
	fvm save $PCI -o "$OUT"
	defective -n 100:1=0x41
	assert_defect "header checksum mismatch at byte 248"
	defective -n 270:1=1
	assert_defect "record header checksum mismatch at byte 256"
	defective -n 310:1=0x41
	assert_defect "record 1 payload checksum mismatch at byte 256"
	defective -n 450:1=1
	assert_defect "trailer checksum mismatch at byte 400"
}

@test "fake: inspect shows any creation time up to the year 9999 and refuses later ones" {
	fvm save $PCI -o "$OUT"
	defective 216:8=253402300799
	cp "$OUT.bad" "$OUT"
	fvm -j inspect "$OUT"
	assert_success
	jq_is .created 9999-12-31T23:59:59Z
	# INT64_MAX, which gmtime cannot convert: refused, no crash
	defective 216:8=9223372036854775807
	assert_defect "creation time 9223372036854775807 at byte 216 is after the year 9999"
}

@test "fake: text from a stream is printed escaped, and as valid UTF-8 in JSON" {
	fvm save $PCI -o "$OUT"
	defective 176:s=$'\e[2Jvfiomig\x9b0m\xff\\\n\xc2\x9b\xc3\xa9' 48:8=0 56:8=0 48:s=$'drv\a\tx'
	fvm inspect "$OUT.bad"
	assert_success
	assert_line --regexp '^ *written by +\\x1b\[2Jvfiomig\\x9b0m\\xff\\\\\\n\\xc2\\x9b'$'\xc3\xa9''$'
	assert_line --regexp '^ *source driver +drv\\x07\\tx$'
	[[ "$output" != *$'\e'* ]]
	fvm -j inspect "$OUT.bad"
	assert_success
	# jq decodes it: every byte that is no UTF-8 became U+FFFD
	jq_is .written_by $'\e[2Jvfiomig\ufffd0m\ufffd\\\n\u009b\u00e9'
	jq_is .source.driver $'drv\a\tx'
	[[ "$output" == *'"written_by":"\u001b[2Jvfiomig\ufffd0m\ufffd\\\n\u009b'$'\xc3\xa9''"'* ]]
	# errors quote it escaped too
	fake_pci_device "$ROOT" 0000:5e:00.2 23 cdev=8
	defective 112:s=$'\e]0;owned\a' 24:4=2
	fvm restore 0000:5e:00.2 -i "$OUT.bad"
	assert_failure $EX_DATAERR
	[[ "$stderr" == *'stream is from an mdev of type \x1b]0;owned\x07 (driver mlx5_vfio_pci)'* ]]
	[[ "$stderr" != *$'\e'* ]]
}
