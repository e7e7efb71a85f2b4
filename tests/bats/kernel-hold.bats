#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig hold against mtty in the test VM: a runbook of separate
# commands through the holder, save from one held device and restore
# into another with the UART bytes checked, two clients at once, a killed
# holder, permissions (both ends: the directory and SO_PEERCRED),
# malformed requests.

load helpers
load kernel

UART=$BATS_TEST_DIRNAME/../helpers/mtty-uart
HOLDPOKE=$BATS_TEST_DIRNAME/../helpers/holdpoke

setup() {
	kernel_setup A B
	BLOB=$BATS_TEST_TMPDIR/blob
}

teardown() {
	kernel_teardown
}

# connected PID: process PID has a socket open: a client its holder serves.
connected() {
	find /proc/"$1"/fd -lname 'socket:*' 2>/dev/null | grep -q .
}

hold_both() {
	vm hold --daemon --pidfile "$BATS_TEST_TMPDIR/pid" "$A" "$B"
	assert_success
	HOLDER_PID=$(cat "$BATS_TEST_TMPDIR/pid")
}

@test "the README's runbook through the holder moves UART bytes" {
	"$UART" "$(mtty_cdev "$A")" 0 write "held-bytes"
	cd "$BATS_TEST_TMPDIR"
	vm hold --daemon --pidfile hold.pid "$A" "$B"
	assert_success
	HOLDER_PID=$(cat hold.pid)
	vm state "$A" stop
	assert_success
	assert_equal "$(kstate "$A")" stop
	vm state "$A" running_p2p
	assert_success
	assert_equal "$(kstate "$A")" running_p2p
	vm -j info "$A"
	jq_is .open_path holder
	vm save "$A" -o state.vfm
	assert_success
	assert_equal "$(kstate "$A")" stop
	vm restore "$B" -i state.vfm
	assert_success
	assert_equal "$(kstate "$B")" running
	vm state "$A" running
	assert_equal "$(kstate "$A")" running
	vm release "$A"
	assert_success
	vm release "$B"
	assert_success
	run "$UART" "$(mtty_cdev "$B")" 0 read
	assert_output "held-bytes"
}

@test "a held device serves one command at a time" {
	hold_both
	vm save "$A" -o "$BLOB"
	# A restore that waits on its input keeps its connection open; the
	# input is a FIFO fed only once the restore is being served.
	mkfifo "$BATS_TEST_TMPDIR/in"
	"$VFIOMIG" -q restore "$B" <"$BATS_TEST_TMPDIR/in" &
	CLIENT_PID=$!
	exec {feed}>"$BATS_TEST_TMPDIR/in"
	wait_for connected $CLIENT_PID
	vm state "$B"
	assert_failure $EX_BUSY
	assert_one_error "held by vfiomig hold \(pid $HOLDER_PID\), which is serving another command$"
	cat "$BLOB" >&$feed
	exec {feed}>&-
	wait $CLIENT_PID
	CLIENT_PID=
	vm -j state "$B"
	assert_success
	jq_is .state running
}

@test "a killed holder is followed by a working direct command" {
	hold_both
	vm state "$A" stop
	kill -KILL "$HOLDER_PID"
	wait_for gone "$HOLDER_PID"
	HOLDER_PID=
	vm -v -j info "$A"
	assert_success
	jq_is .open_path cdev
	jq_is .state stop
	[[ "$stderr" == *"removed the stale holder socket"* ]]
}

@test "an unprivileged user is refused by the holder's socket directory" {
	requires_cmd setpriv
	hold_both
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$VFIOMIG" state "$A"
	assert_failure $EX_NOPERM
	assert_one_error "cannot reach a holder in /run/vfiomig: permission denied"
}

@test "the holder refuses another user's connection and keeps serving" {
	requires_cmd setpriv
	hold_both
	# Open the directory and socket: SO_PEERCRED is what must refuse.
	chmod 0711 /run/vfiomig
	chmod 0666 "/run/vfiomig/$A.sock"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$HOLDPOKE" "/run/vfiomig/$A.sock" hello
	chmod 0700 /run/vfiomig
	assert_output EACCES
	vm -j state "$A"
	assert_success
	jq_is .state running
}

@test "malformed requests to a real holder are refused, serving goes on" {
	hold_both
	for mode in short long magic op args; do
		run "$HOLDPOKE" "/run/vfiomig/$A.sock" $mode
		assert_output EPROTO
	done
	vm -j state "$A"
	assert_success
	jq_is .state running
}
