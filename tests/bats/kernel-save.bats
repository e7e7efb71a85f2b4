#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# save / restore against the kernel's mtty driver in the test VM: bytes
# put into device A's UART FIFO come out of device B after the move.

load helpers
load kernel

UART=$BATS_TEST_DIRNAME/../helpers/mtty-uart

setup() {
	kernel_setup A B
	BLOB=$BATS_TEST_TMPDIR/blob
}

teardown() {
	kernel_teardown C
}

# Put known bytes in both ports of a device.
load_uart() {
	"$UART" "$(mtty_cdev "$1")" 0 write "hello-vfiomig-0"
	"$UART" "$(mtty_cdev "$1")" 1 write "port-one"
}

# The bytes must come out of the other device, port by port.
check_uart() {
	run "$UART" "$(mtty_cdev "$1")" 0 read
	assert_output "hello-vfiomig-0"
	run "$UART" "$(mtty_cdev "$1")" 1 read
	assert_output "port-one"
}

@test "save and restore move UART bytes between mtty devices, over both open paths" {
	for open in cdev group; do
		if [ $open = group ]; then
			# Fresh devices: reset does not empty mtty's FIFO.
			mtty_remove "$A"
			mtty_remove "$B"
			A=$(mtty_create mtty-2)
			B=$(mtty_create mtty-2)
		fi
		load_uart "$A"
		vm --open=$open save "$A" -o "$BLOB"
		assert_success
		assert_output --regexp "^saved 96 B in 1 record from $A \(pre_copy 0 B, stop_copy 96 B\) in .* device is stop$"
		assert_equal "$(kstate "$A")" stop
		vm -j inspect "$BLOB"
		assert_success
		jq_is .valid true
		jq_is .bytes 96
		jq_is .source.mdev_type mtty-2
		jq_is .source.driver mtty
		vm --open=$open restore "$B" -i "$BLOB"
		assert_success
		assert_equal "$(kstate "$B")" running
		check_uart "$B"
	done
}

@test "save | restore through a pipe moves the bytes" {
	load_uart "$A"
	run bash -c "'$VFIOMIG' -q save '$A' | '$VFIOMIG' -q restore '$B'"
	assert_success
	assert_equal "$(kstate "$A")" stop
	assert_equal "$(kstate "$B")" running
	check_uart "$B"
	# what mtty's save and load took, for the next migration's estimate
	run grep -v '^#' "$VFIOMIG_STATEDIR/arcs"
	echo "# $(tr '\n' ';' <<<"$output")"
	assert_equal "$(cut -d' ' -f1-3 <<<"$output" | sort | tr '\n' ,)" \
		"load mtty 96,read mtty 96,save mtty 96,write mtty 96,"
}

@test "save --precopy drains the pre-copy data while running, then stops" {
	load_uart "$A"
	vm -j save --precopy "$A" -o "$BLOB"
	assert_success
	jq_is .precopy_bytes 24
	jq_is .stop_copy_bytes 72
	jq_is .precopy_end eof
	jq_is .from running
	jq_is '[.arcs[].to] | join(",")' pre_copy,stop_copy,stop
	vm -j inspect "$BLOB"
	jq_is .precopy_bytes 24
	jq_is .stop_copy_bytes 72
	vm restore "$B" -i "$BLOB"
	assert_success
	check_uart "$B"
	# a save with pre-copy saved only the rest: nothing of it is kept;
	# the restore of its stream keeps its load arc, as after pre-copy
	run grep -v '^#' "$VFIOMIG_STATEDIR/arcs"
	assert_equal "$(cut -d' ' -f1-3 <<<"$output" | sort | tr '\n' ,)" \
		"load-precopy mtty 96,"
}

@test "--raw moves the bare device bytes both ways" {
	load_uart "$A"
	vm save --raw "$A" -o "$BLOB"
	assert_success
	assert_equal "$(stat -c %s "$BLOB")" 96
	vm inspect "$BLOB"
	assert_failure $EX_DATAERR
	assert_one_error 'not a vfiomig stream \(bad magic at byte 0; a --raw stream\?\)$'
	vm restore --raw "$B" -i "$BLOB"
	assert_success
	check_uart "$B"
}

@test "--then leaves each device in the state asked for" {
	vm save --then running "$A" -o "$BLOB"
	assert_success
	assert_equal "$(kstate "$A")" running
	vm save --then running_p2p "$A" -o "$BLOB"
	assert_equal "$(kstate "$A")" running_p2p
	vm restore --then stop "$B" -i "$BLOB"
	assert_success
	assert_equal "$(kstate "$B")" stop
	vm restore --then running_p2p "$B" -i "$BLOB"
	assert_success
	assert_equal "$(kstate "$B")" running_p2p
}

@test "a stream from a 2-port mtty is refused by a 1-port mtty" {
	C=$(mtty_create mtty-1)
	vm save "$A" -o "$BLOB"
	vm restore "$C" -i "$BLOB"
	assert_failure $EX_DATAERR
	[[ "${stderr}" == *"restore $C: stream is from an mdev of type mtty-2 (driver mtty), this is an mdev of type mtty-1 (driver mtty); --force to try anyway"* ]]
	[[ "${stderr}" == *"restore $C: device untouched: running"* ]]
	assert_equal "$(kstate "$C")" running
	# With --force the driver itself refuses, and the device is reset.
	vm -j restore --force "$C" -i "$BLOB"
	assert_failure $EX_DATAERR
	[[ "${stderr}" == *"device reset to abort resuming: now running"* ]]
	jq_is .reset true
	jq_is .state running
	assert_equal "$(kstate "$C")" running
}

@test "truncated streams are refused and the device is reset to running" {
	load_uart "$A"
	vm save "$A" -o "$BLOB"
	# header 256, record header 48 + 96 bytes, trailer 48 + 24
	assert_equal "$(stat -c %s "$BLOB")" 472
	for n in 0 100 255 256 280 304 310 399 400 430 471; do
		head -c "$n" "$BLOB" >"$BLOB.cut"
		vm restore "$B" -i "$BLOB.cut"
		assert_failure $EX_DATAERR
		[[ "$stderr" == *"truncated at byte $n"* ]]
		assert_equal "$(kstate "$B")" running
	done
	# The device still takes the whole stream afterwards.
	vm restore "$B" -i "$BLOB"
	assert_success
	check_uart "$B"
}

@test "single-bit flips in header, record and trailer are refused" {
	vm save "$A" -o "$BLOB"
	# offset:expected defect
	for spec in 20:"header checksum mismatch" 0:"bad magic" \
		    280:"record header checksum mismatch" 310:"payload checksum mismatch" \
		    410:"record header checksum mismatch" 456:"trailer checksum mismatch" \
		    468:"trailer checksum mismatch"; do
		off=${spec%%:*}
		cp "$BLOB" "$BLOB.bad"
		byte=$(od -An -tu1 -j "$off" -N1 "$BLOB" | tr -d ' ')
		printf "$(printf '\\%03o' $((byte ^ 4)))" |
			dd of="$BLOB.bad" bs=1 seek="$off" conv=notrunc status=none
		vm restore "$B" -i "$BLOB.bad"
		assert_failure $EX_DATAERR
		[[ "$stderr" == *"${spec#*:}"* ]] || { echo "offset $off: $stderr"; false; }
		assert_equal "$(kstate "$B")" running
		vm inspect "$BLOB.bad"
		assert_failure $EX_DATAERR
	done
}

@test "a stream missing a whole record is refused before the device sees it" {
	load_uart "$A"
	vm save --precopy "$A" -o "$BLOB"
	assert_success
	# header 256, pre-copy record 48+24, stop-copy record 48+72, trailer 72
	assert_equal "$(stat -c %s "$BLOB")" 520
	{ head -c 256 "$BLOB"; tail -c +329 "$BLOB"; } >"$BLOB.cut"
	vm -j restore "$B" -i "$BLOB.cut"
	assert_failure $EX_DATAERR
	[[ "$stderr" == *"record at byte 256 carries device data from byte 24, expected 0"* ]]
	jq_is .bytes 0
	assert_equal "$(kstate "$B")" running
}
