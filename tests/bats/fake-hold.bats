#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig hold against the fake device: a reset-on-close driver (like
# mlx5) behaves as one session across separate commands only when held;
# one client at a time; a dead holder leaves nothing that confuses the
# next command; malformed requests are refused and serving goes on.
# Trust on both ends: sockets another user planted or serves, and run
# directories others may write, are refused; the holder refuses other
# users at once. Stale sockets are removed only under NAME.lock.

load helpers

setup() {
	fake_setup
	export VFIOMIG_RUNDIR=$BATS_TEST_TMPDIR/run
	HOLDPOKE=$TOP/tests/helpers/holdpoke
}

teardown() {
	local p
	for p in ${HOLDER_PID:-} ${CLIENT_PID:-} ${PLANT_PID:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

start_holder() {
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -v hold "$@" >"$BATS_TEST_TMPDIR/hold.out" \
		2>"$BATS_TEST_TMPDIR/hold.err" &
	HOLDER_PID=$!
	wait_for test -S "$VFIOMIG_RUNDIR/${!#}.sock" || {
		cat "$BATS_TEST_TMPDIR/hold.err"
		return 1
	}
}

# Wait until FILE (under the test's directory) has a line matching RE.
wait_for_line() {
	wait_for grep -qs "$1" "$BATS_TEST_TMPDIR/$2"
}

# fvm for a command that must end by itself: a hold that wrongly starts
# serving is stopped after 10 s (exit 124) instead of hanging the suite.
fvm_bounded() {
	echo "# [fake] vfiomig $*"
	run --separate-stderr timeout 10 env LD_PRELOAD="$PRELOAD" "$VFIOMIG" "$@"
	echo "# status $status"
	[ -z "$stderr" ] || echo "# stderr: $stderr"
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# Let another user reach DIR: o+x on it and on each parent up to the
# run's temporary directory.
let_others_in() {
	local d=$1
	while [ "$d" != / ]; do
		chmod o+x "$d"
		[ "$d" = "$BATS_RUN_TMPDIR" ] && break
		d=$(dirname "$d")
	done
}

# A server that is not vfiomig hold, as uid UID, at DEV's socket place,
# answering as its holder would (holdpoke serve); waits until it listens.
plant() {
	local uid=$1 dev=$2
	shift 2
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$HOLDPOKE" serve \
		"$VFIOMIG_RUNDIR/$dev.sock" "$dev" "$@" >"$BATS_TEST_TMPDIR/plant.out" &
	PLANT_PID=$!
	wait_for_line '^ready$' plant.out
}

# The state reported for DEV by list -j, and its status there.
list_status() {
	printf '%s' "$output" | jq -r ".devices[] | select(.device == \"$1\") | .status"
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
	wait_for_line "serving pid $CLIENT_PID" hold.err
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
	jq_is .devices[0].state stop
	jq_is .devices[0].released true
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	fvm state $RESETTER stop
	fvm release --then running_p2p $RESETTER
	assert_success
	assert_output --regexp "^released $RESETTER from pid [0-9]+; device is running_p2p$"
	wait $HOLDER_PID
	HOLDER_PID=
	fvm release $PCI
	assert_failure $EX_REFUSED
	assert_one_error "^vfiomig: release $PCI: not held by vfiomig hold$"
}

@test "fake hold: release of a device nobody holds is refused without opening it" {
	# A device that resets on close would be running again had release
	# opened it.
	fake_set_state "$ROOT" $RESETTER stop
	for opt in "" --no-holder; do
		# shellcheck disable=SC2086 # "" is no option
		fvm $opt release $RESETTER
		assert_failure $EX_REFUSED
		assert_one_error "^vfiomig: release $RESETTER: not held by vfiomig hold$"
		assert_equal "$(fstate $RESETTER)" stop
	done
	fvm -j release --then running $RESETTER
	assert_failure $EX_REFUSED
	jq_is .error.exit_code $EX_REFUSED
	jq_is .error.message "release $RESETTER: not held by vfiomig hold"
	assert_equal "$(fstate $RESETTER)" stop
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
	assert_one_error "^vfiomig: hold $PCI: already held by another vfiomig hold \(pid $HOLDER_PID\)$"
	fvm release $PCI
	assert_success
	# With nothing left to hold the daemon exits (an orphan may linger
	# as a zombie until its new parent reaps it).
	wait_for -t 3 gone "$HOLDER_PID"
	HOLDER_PID=
}

@test "fake hold: SIGTERM ends an idle holder within a second, sockets and lock gone" {
	start_holder $PCI
	assert [ -e "$VFIOMIG_RUNDIR/$PCI.lock" ]
	kill -TERM $HOLDER_PID
	wait_for -t 1 gone $HOLDER_PID
	wait $HOLDER_PID
	HOLDER_PID=
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.lock" ]
}

@test "fake hold: a failed GET is answered with an error and no state" {
	VFIOMIG_FAKE_STATE_ERRNO=ENODEV start_holder $PCI
	run "$HOLDPOKE" "$VFIOMIG_RUNDIR/$PCI.sock" get
	assert_success
	assert_output "ENODEV 4294967295"
	run "$HOLDPOKE" "$VFIOMIG_RUNDIR/$PCI.sock" hello
	assert_output OK
}

@test "fake hold: a socket planted by another user in a directory it owns is refused" {
	requires_cmd setpriv
	mkdir -m 0700 "$VFIOMIG_RUNDIR"
	chown 65534:65534 "$VFIOMIG_RUNDIR"
	let_others_in "$BATS_TEST_TMPDIR"
	plant 65534 $PCI
	fvm -j state $PCI
	assert_failure $EX_NOPERM
	assert_one_error "^vfiomig: $PCI: holder socket .*/$PCI.sock refused: the directory is owned by uid 65534, not by root or uid 0: EACCES \(Permission denied\); --no-holder opens the device directly$"
	fvm -j list
	assert_success
	assert_equal "$(list_status $PCI)" error
	fvm --no-holder -j state $PCI
	assert_success
	jq_is .state running
}

@test "fake hold: a run directory that others may write is refused" {
	requires_cmd setpriv
	mkdir -m 0777 "$VFIOMIG_RUNDIR"
	let_others_in "$BATS_TEST_TMPDIR"
	plant 65534 $PCI
	fvm state $PCI stop
	assert_failure $EX_NOPERM
	assert_one_error "holder socket .*/$PCI.sock refused: the directory is writable by group or others \(mode 0777\): EACCES"
	assert_equal "$(fstate $PCI)" running
	# A real holder's socket in a directory opened up later: refused too.
	rm -rf "$VFIOMIG_RUNDIR"
	start_holder $PCI
	chmod 0770 "$VFIOMIG_RUNDIR"
	fvm state $PCI
	assert_failure $EX_NOPERM
	assert_one_error "the directory is writable by group or others \(mode 0770\)"
}

@test "fake hold: a run directory reached through a symbolic link is refused" {
	VFIOMIG_RUNDIR=$BATS_TEST_TMPDIR/real start_holder $PCI
	ln -s real "$VFIOMIG_RUNDIR"
	fvm state $PCI
	assert_failure $EX_NOPERM
	assert_one_error "^vfiomig: $PCI: holder directory .*/run refused: not a directory \(symbolic links are not followed\): EACCES"
}

@test "fake hold: a socket served by another user is refused in a trusted directory" {
	requires_cmd setpriv
	mkdir -m 0777 "$VFIOMIG_RUNDIR"
	let_others_in "$BATS_TEST_TMPDIR"
	plant 65534 $PCI
	# Directory and socket file now look like root's: the peer does not.
	chmod 0755 "$VFIOMIG_RUNDIR"
	chown 0:0 "$VFIOMIG_RUNDIR/$PCI.sock"
	fvm -j state $PCI
	assert_failure $EX_NOPERM
	assert_one_error "holder socket .*/$PCI.sock refused: it is served by uid 65534 \(pid [0-9]+\), not by root or uid 0: EACCES"
	fvm -j list
	assert_equal "$(list_status $PCI)" error
	# A socket file another user owns is refused before connecting.
	chown 65534:65534 "$VFIOMIG_RUNDIR/$PCI.sock"
	fvm state $PCI
	assert_failure $EX_NOPERM
	assert_one_error "the socket is owned by uid 65534, not by root or uid 0"
}

@test "fake hold: a data session that is not one is refused" {
	mkdir -m 0700 "$VFIOMIG_RUNDIR"
	for kind in pipe null; do
		plant 0 $PCI $kind
		fvm -j state $PCI stop_copy
		assert_failure $EX_STATE
		assert_one_error "SET: EPROTO \(Protocol error\)"
		jq_is .steps[0].error EPROTO
		jq_is '.steps[0] | has("data_session")' false
		kill $PLANT_PID
		wait $PLANT_PID || true
		rm -f "$VFIOMIG_RUNDIR/$PCI.sock"
	done
}

@test "fake hold: a holder that answers for another device is not believed" {
	mkdir -m 0700 "$VFIOMIG_RUNDIR"
	"$HOLDPOKE" serve "$VFIOMIG_RUNDIR/$PCI.sock" $RESETTER \
		>"$BATS_TEST_TMPDIR/plant.out" &
	PLANT_PID=$!
	wait_for_line '^ready$' plant.out
	fvm state $PCI
	assert_failure $EX_FAIL
	assert_one_error "^vfiomig: $PCI: the holder's answer to HELLO does not describe this device: EPROTO"
}

@test "fake hold: the holder refuses another user at once and keeps serving root" {
	requires_cmd setpriv
	start_holder $PCI
	# Open the way for the other user: the holder's SO_PEERCRED check is
	# what must stop it.
	let_others_in "$BATS_TEST_TMPDIR"
	chmod 0711 "$VFIOMIG_RUNDIR"
	chmod 0666 "$VFIOMIG_RUNDIR/$PCI.sock"
	run as_nobody "$HOLDPOKE" "$VFIOMIG_RUNDIR/$PCI.sock" hello
	assert_success
	assert_output EACCES
	# Ten silent clients, refused one after another without waiting on
	# any of them.
	run as_nobody "$HOLDPOKE" "$VFIOMIG_RUNDIR/$PCI.sock" silent 10
	assert_success
	assert_equal "$(grep -c '^EACCES$' <<<"$output")" 10
	ms=$(sed -n 's/^\([0-9]*\) ms$/\1/p' <<<"$output")
	[ -n "${VFIOMIG_VALGRIND:-}" ] || [ "$ms" -lt 1000 ]
	fvm -j state $PCI
	assert_success
	jq_is .state running
	run grep -c "refused pid [0-9]*: not root or uid 0" "$BATS_TEST_TMPDIR/hold.err"
	assert_output 11
}

@test "fake hold: a client leaves a stale socket alone while NAME.lock is taken" {
	requires_cmd flock
	start_holder $PCI
	kill -KILL $HOLDER_PID
	wait $HOLDER_PID || true
	HOLDER_PID=
	ino=$(stat -c %i "$VFIOMIG_RUNDIR/$PCI.sock")
	# flock stands for a holder that is starting: it has the lock.
	run --separate-stderr flock -o "$VFIOMIG_RUNDIR/$PCI.lock" \
		env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -v -j state $PCI
	assert_success
	[[ "$stderr" != *"removed the stale holder socket"* ]]
	assert_equal "$(stat -c %i "$VFIOMIG_RUNDIR/$PCI.sock")" "$ino"
	# Without it, the same client removes the dead holder's socket.
	fvm -v state $PCI
	assert_success
	[[ "$stderr" == *"removed the stale holder socket"* ]]
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.lock" ]
}

@test "fake hold: a holder refuses to start while NAME.lock stays taken" {
	requires_cmd flock
	mkdir -m 0700 "$VFIOMIG_RUNDIR"
	run --separate-stderr flock -o "$VFIOMIG_RUNDIR/$PCI.lock" \
		timeout 10 env LD_PRELOAD="$PRELOAD" "$VFIOMIG" hold $PCI
	assert_failure $EX_BUSY
	assert_one_error "^vfiomig: hold $PCI: already held by another vfiomig hold: .*/$PCI.lock is locked: EBUSY"
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	# The lock file is the other holder's: still there.
	assert [ -e "$VFIOMIG_RUNDIR/$PCI.lock" ]
}

@test "fake hold: a holder that cannot listen removes nothing it did not bind" {
	mkdir -m 0700 "$VFIOMIG_RUNDIR"
	echo precious >"$VFIOMIG_RUNDIR/$PCI.sock"
	fvm_bounded hold $PCI
	assert_failure
	assert_one_error "^vfiomig: hold $PCI: .*/$PCI.sock is there and is not a socket: left alone: EEXIST"
	assert_equal "$(cat "$VFIOMIG_RUNDIR/$PCI.sock")" precious
	rm "$VFIOMIG_RUNDIR/$PCI.sock"
	# A live listener that is not a holder: refused, and still there.
	plant 0 $PCI
	fvm_bounded hold $PCI
	assert_failure $EX_BUSY
	assert_one_error "a process that does not hold $PCI.lock listens on .*/$PCI.sock: EBUSY"
	run "$HOLDPOKE" "$VFIOMIG_RUNDIR/$PCI.sock" hello
	assert_output OK
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.lock" ]
}

@test "fake hold: a pidfile that cannot be written fails the hold and nothing stays held" {
	# --daemon: the parent reports only once the daemon wrote the pidfile.
	fvm hold --daemon --pidfile "$BATS_TEST_TMPDIR/no/such/dir/pid" $PCI
	assert_failure $EX_CANTCREAT
	assert_one_error "hold: writing $BATS_TEST_TMPDIR/no/such/dir/pid: ENOENT"
	assert_output ''
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	# Neither a holder nor an open fd left: a direct open succeeds.
	fvm -j info $PCI
	assert_success
	jq_is .open_path cdev
	# In the foreground, the same.
	fvm hold --pidfile "$BATS_TEST_TMPDIR/no/such/dir/pid" $PCI
	assert_failure $EX_CANTCREAT
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	fvm -j info $PCI
	jq_is .open_path cdev
}

@test "fake hold: the pidfile is replaced whole, never written in place" {
	mkdir "$BATS_TEST_TMPDIR/p"
	echo stale >"$BATS_TEST_TMPDIR/p/pid"
	# A second name for the old file keeps it as it was only if the
	# pidfile is replaced by rename.
	ln "$BATS_TEST_TMPDIR/p/pid" "$BATS_TEST_TMPDIR/old"
	fvm hold --daemon --pidfile "$BATS_TEST_TMPDIR/p/pid" $PCI
	assert_success
	HOLDER_PID=$(cat "$BATS_TEST_TMPDIR/p/pid")
	assert_output --regexp "^holding $PCI "
	assert_equal "$(cat "$BATS_TEST_TMPDIR/old")" stale
	assert [ -d "/proc/$HOLDER_PID" ]
	run ls -A "$BATS_TEST_TMPDIR/p"
	assert_output pid
	fvm release $PCI
	assert_success
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

@test "fake hold: release takes the devices hold took, and releases the others when one fails" {
	start_holder $RESETTER $PCI
	fvm release $PCI $MDEV $RESETTER
	assert_failure $EX_REFUSED
	assert_one_error "^vfiomig: release $MDEV: not held by vfiomig hold$"
	assert_line --index 0 --regexp "^released $PCI from pid [0-9]+; device is "
	assert_line --index 1 --regexp "^released $RESETTER from pid [0-9]+; device is "
	wait $HOLDER_PID
	HOLDER_PID=
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	assert [ ! -e "$VFIOMIG_RUNDIR/$RESETTER.sock" ]
	fvm release $PCI $PCI
	assert_failure $EX_USAGE
}
