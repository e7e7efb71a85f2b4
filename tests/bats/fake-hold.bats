#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig hold against the fake device: a reset-on-close driver (like
# mlx5) behaves as one session across separate commands only when held;
# one client at a time; a dead holder leaves nothing that confuses the
# next command; malformed requests are refused and serving goes on.

load helpers

setup() {
	fake_setup
	export VFIOMIG_RUNDIR=$BATS_TEST_TMPDIR/run
	HOLDPOKE=$TOP/tests/helpers/holdpoke
}

teardown() {
	local p
	for p in ${HOLDER_PID:-} ${CLIENT_PID:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

start_holder() {
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -v hold "$@" >"$BATS_TEST_TMPDIR/hold.out" \
		2>"$BATS_TEST_TMPDIR/hold.err" &
	HOLDER_PID=$!
	for _ in $(seq 50); do
		[ -S "$VFIOMIG_RUNDIR/${!#}.sock" ] && return 0
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/hold.err"
	return 1
}

@test "fake hold: without a holder a reset-on-close device forgets its state" {
	fvm state $RESETTER stop
	assert_success
	assert_output --regexp '^state +stop$'
	fvm -j info $RESETTER
	jq_is .state running
}

@test "fake hold: with a holder, separate commands act on one device session" {
	# The README's runbook, on a device that resets on close like mlx5.
	A=$RESETTER B=$PCI
	cd "$BATS_TEST_TMPDIR"
	fvm hold --daemon --pidfile hold.pid "$A" "$B"
	assert_success
	HOLDER_PID=$(cat hold.pid)
	fvm state "$A" stop
	assert_success
	fvm -j state "$A"
	jq_is .state stop
	assert_equal "$(fstate "$A")" stop
	fvm state "$A" running_p2p
	assert_success
	fvm save "$A" -o state.vfm
	assert_success
	assert_equal "$(fstate "$A")" stop
	fvm restore --force "$B" -i state.vfm
	assert_success
	fvm state "$A" running
	assert_success
	fvm -j info "$A"
	jq_is .open_path holder
	jq_is .state running
	fvm inspect state.vfm
	assert_success
	fvm release "$A"
	assert_success
	fvm release "$B"
	assert_success
	HOLDER_PID=
}

@test "fake hold: list shows held devices and the holder's pid" {
	start_holder $RESETTER
	fvm -j list
	assert_success
	jq_is ".devices[] | select(.device == \"$RESETTER\") | .status" held
	jq_is ".devices[] | select(.device == \"$RESETTER\") | .holder_pid" "$HOLDER_PID"
	fvm --no-holder info $RESETTER
	assert_failure $EX_BUSY
	assert_one_error "device busy: owned by pid $HOLDER_PID \([^)]*\)$"
}

@test "fake hold: a second client at once is refused as busy" {
	fake_pci_device "$ROOT" 0000:3b:00.7 21 cdev=6 size=40000000 rate=20000000
	start_holder 0000:3b:00.7
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -q save 0000:3b:00.7 -o /dev/null &
	CLIENT_PID=$!
	# Wait until the holder serves the saving client.
	for _ in $(seq 50); do
		grep -q "serving pid $CLIENT_PID" "$BATS_TEST_TMPDIR/hold.err" && break
		sleep 0.1
	done
	fvm state 0000:3b:00.7
	cat "$BATS_TEST_TMPDIR/hold.err"
	assert_failure $EX_BUSY
	assert_one_error "held by vfiomig hold \(pid $HOLDER_PID\), which is serving another command$"
	wait $CLIENT_PID
	CLIENT_PID=
	fvm -j state 0000:3b:00.7
	assert_success
	jq_is .state stop
}

@test "fake hold: a killed holder leaves nothing that confuses the next command" {
	start_holder $PCI
	fvm state $PCI stop
	kill -KILL $HOLDER_PID
	wait $HOLDER_PID || true
	HOLDER_PID=
	assert [ -S "$VFIOMIG_RUNDIR/$PCI.sock" ]
	fvm -v -j state $PCI
	assert_success
	jq_is .state stop
	[[ "$stderr" == *"removed the stale holder socket"* ]]
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	# And a new holder can take it.
	start_holder $PCI
	fvm -j info $PCI
	jq_is .open_path holder
}

@test "fake hold: malformed and oversized requests are refused, serving goes on" {
	start_holder $PCI
	for mode in short long magic version op args; do
		run "$HOLDPOKE" "$VFIOMIG_RUNDIR/$PCI.sock" $mode
		assert_success
		assert_output EPROTO
	done
	run "$HOLDPOKE" "$VFIOMIG_RUNDIR/$PCI.sock" hello
	assert_output OK
	fvm -j state $PCI
	assert_success
	jq_is .state running
	run grep -c "refused a malformed request" "$BATS_TEST_TMPDIR/hold.err"
	assert_output 6
}

@test "fake hold: release leaves the device, or moves it first, and the holder exits" {
	start_holder $RESETTER $PCI
	fvm state $PCI stop
	fvm -j release $PCI
	assert_success
	jq_is .state stop
	jq_is .released true
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	fvm state $RESETTER stop
	fvm release --then running_p2p $RESETTER
	assert_success
	assert_output --regexp '^state +running_p2p$'
	wait $HOLDER_PID
	HOLDER_PID=
	fvm release $PCI
	assert_failure
	assert_one_error "release $PCI: not held by vfiomig hold"
}

@test "fake hold: SIGTERM ends holding and removes the sockets" {
	start_holder $PCI
	kill -TERM $HOLDER_PID
	wait $HOLDER_PID
	HOLDER_PID=
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
}

@test "fake hold: --daemon returns once serving, with a pidfile" {
	fvm hold --daemon --pidfile "$BATS_TEST_TMPDIR/pid" $PCI
	assert_success
	HOLDER_PID=$(cat "$BATS_TEST_TMPDIR/pid")
	assert_output --regexp "^holding $PCI \(opened through cdev\) at "
	fvm -j info $PCI
	jq_is .open_path holder
	fvm hold $PCI
	assert_failure $EX_BUSY
	assert_one_error "device busy: owned by pid $HOLDER_PID \([^)]*\)$"
	fvm release $PCI
	assert_success
	# With nothing left to hold the daemon exits (an orphan may linger
	# as a zombie until its new parent reaps it).
	for _ in $(seq 30); do
		state=$(sed -n 's/^State:\s*\(.\).*/\1/p' /proc/"$HOLDER_PID"/status 2>/dev/null)
		[ -z "$state" ] || [ "$state" = Z ] && break
		sleep 0.1
	done
	assert [ -z "$state" -o "$state" = Z ]
	HOLDER_PID=
}

@test "fake hold: a device named twice, in any form, is a usage error and nothing is held" {
	fvm hold --daemon "$PCI" "${PCI#0000:}"
	assert_failure $EX_USAGE
	assert_one_error "^vfiomig: hold: $PCI and ${PCI#0000:} are the same device \($PCI\)$"
	fvm hold "$MDEV" "$PCI" "$MDEV"
	assert_failure $EX_USAGE
	assert_one_error "^vfiomig: hold: $MDEV is named twice$"
	[ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	[ ! -e "$VFIOMIG_RUNDIR/$MDEV.sock" ]
	assert_equal "$(fstate "$PCI") $(fstate "$MDEV")" "running running"
}
