#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Peers that stall. A reader that holds a pipe or FIFO open but reads
# nothing cannot hold vfiomig past one SIGINT or SIGTERM (exit 8 within a
# second, the device back where it was); a peer that goes silent in the
# middle of a migration or a network save is given up after
# --peer-timeout (exit 74, the source running again, the destination
# reset). Waits are for events (a full pipe, a state), never for time.

load helpers
load pairs

setup() {
	fake_setup
	not_under_valgrind
	SRC=0000:3b:05.0
	# More than a pipe holds (64 KiB), so that the save has to wait.
	fake_pci_device "$ROOT" $SRC 40 cdev=20 driver=mlx5_vfio_pci size=1000000
	FIFO=$BATS_TEST_TMPDIR/fifo
	mkfifo "$FIFO"
}

teardown() {
	local p
	for p in ${READER:-} ${SAVER:-} ${RECV:-}; do
		kill -CONT "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
}

# A reader that opens the FIFO and never reads.
stalled_reader() {
	sleep 1000 <"$FIFO" &
	READER=$!
}

# SIG to $SAVER: it must be gone, exit 8, within a second (its status
# from wait, or from RCFILE when it is not our child); SHOW, a file of
# its, is printed first.
interrupted_within_a_second() {
	local sig=$1 rcfile=${2:-} show=${3:-} t0 rc=0
	t0=$(date +%s.%N)
	kill -"$sig" "$SAVER"
	if [ -n "$rcfile" ]; then
		wait_for test -s "$rcfile"
		rc=$(cat "$rcfile")
	else
		wait "$SAVER" || rc=$?
	fi
	SAVER=
	echo "# exit $rc after $(echo "$(date +%s.%N) - $t0" | bc) s"
	[ -z "$show" ] || cat "$show"
	assert_equal "$rc" $EX_INTERRUPTED
	(($(echo "$(date +%s.%N) - $t0 < 1.0" | bc)))
}

# The saver ($SAVER) waits on a full pipe; then SIG ends it
# (interrupted_within_a_second(), RCFILE and SHOW as there).
signal_stalled() {
	local sig=$1 pipe=$2 rcfile=${3:-} show=${4:-}
	wait_for state_is $SRC stop_copy
	wait_for pipe_full "$pipe"
	interrupted_within_a_second "$sig" "$rcfile" "$show"
	# unwound: the device runs again, as it did before the save
	assert_equal "$(fstate $SRC)" running
}

@test "save -o FIFO whose reader stalls: one SIGINT or SIGTERM ends it within a second" {
	local sig
	for sig in INT TERM; do
		stalled_reader
		env LD_PRELOAD="$PRELOAD" "$VFIOMIG" save $SRC -o "$FIFO" \
			2>"$BATS_TEST_TMPDIR/save.err" &
		SAVER=$!
		# (not under ||: that would turn off the assertions' errexit)
		signal_stalled $sig "$FIFO" "" "$BATS_TEST_TMPDIR/save.err"
		kill "$READER"
		wait "$READER" || true
	done
}

@test "save > FIFO and save into a pipe whose reader stalls: one signal ends it within a second" {
	stalled_reader
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" save $SRC >"$FIFO" 2>/dev/null &
	SAVER=$!
	signal_stalled INT "$FIFO"
	kill "$READER"
	# a pipe: the reader (sleep) never reads its stdin
	{
		local rc=0
		# shellcheck disable=SC2016
		sh -c 'echo $$ >"$0"; exec "$@"' "$BATS_TEST_TMPDIR/pid" \
			env LD_PRELOAD="$PRELOAD" "$VFIOMIG" save $SRC 2>/dev/null || rc=$?
		echo $rc >"$BATS_TEST_TMPDIR/rc"
	} | sleep 1000 &
	READER=$!
	wait_for test -s "$BATS_TEST_TMPDIR/pid"
	SAVER=$(cat "$BATS_TEST_TMPDIR/pid")
	signal_stalled TERM "/proc/$SAVER/fd/1" "$BATS_TEST_TMPDIR/rc"
}

@test "a network save whose receiver stops: given up after --peer-timeout, device back" {
	local sock=$BATS_TEST_TMPDIR/s.sock key=$BATS_TEST_TMPDIR/key t0
	head -c 64 /dev/zero | tr '\0' k >"$key"
	chmod 600 "$key"
	fake_pci_device "$ROOT" 0000:5e:05.0 41 cdev=21 driver=mlx5_vfio_pci
	# a slow source: the stream takes seconds, the receiver stops in it
	fake_pci_device "$ROOT" $SRC 40 cdev=20 driver=mlx5_vfio_pci size=1000000 rate=200000
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" restore 0000:5e:05.0 -i "unix:$sock" \
		--psk-file "$key" >/dev/null 2>&1 &
	RECV=$!
	wait_for test -S "$sock"
	# stopped once it has started to take the stream: the device resumes
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" save $SRC -o "unix:$sock" --psk-file "$key" \
		--peer-timeout 2 2>"$BATS_TEST_TMPDIR/save.err" &
	SAVER=$!
	wait_for state_is 0000:5e:05.0 resuming
	kill -STOP "$RECV"
	t0=$(date +%s)
	local rc=0
	wait "$SAVER" || rc=$?
	SAVER=
	cat "$BATS_TEST_TMPDIR/save.err"
	assert_equal "$rc" $EX_IOERR
	# the sockets' buffers fill first (the peer took those bytes), then
	# the silence of 2 s
	(($(date +%s) - t0 <= 8))
	grep -q "writing unix:$sock: ETIMEDOUT" "$BATS_TEST_TMPDIR/save.err"
	assert_equal "$(fstate $SRC)" running
}

@test "a receiver stopped in the middle of a migration: the source unwinds after --peer-timeout, the receiver resets" {
	local sock=$BATS_TEST_TMPDIR/m.sock key=$BATS_TEST_TMPDIR/key t0 rc=0
	S=(0000:3b:06.0) D=(0000:5e:06.0)
	OUT=$BATS_TEST_TMPDIR/out
	fake_pci_device "$ROOT" "${S[0]}" 42 cdev=22 driver=mlx5_vfio_pci size=4000000 \
		rate=1000000
	fake_pci_device "$ROOT" "${D[0]}" 43 cdev=23 driver=mlx5_vfio_pci
	head -c 64 /dev/zero | tr '\0' k >"$key"
	chmod 600 "$key"
	receive 1 --listen "unix:$sock" --psk-file "$key" --peer-timeout 2
	RECV=$RECV_PID
	wait_for test -S "$sock"
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" migrate "${S[0]}" --to "unix:$sock" \
		--psk-file "$key" --no-precopy --peer-timeout 2 --downtime-limit 0 \
		2>"$BATS_TEST_TMPDIR/mig.err" &
	SAVER=$!
	# the data flows: the source in stop_copy, the destination loading
	wait_for state_is "${S[0]}" stop_copy
	wait_for state_is "${D[0]}" resuming
	kill -STOP "$RECV"
	t0=$(date +%s)
	wait "$SAVER" || rc=$?
	SAVER=
	cat "$BATS_TEST_TMPDIR/mig.err"
	assert_equal "$rc" $EX_IOERR
	# the silence (2 s), then at most the 2 s a peer gets to read our ABORT
	(($(date +%s) - t0 <= 6))
	grep -q "migrate: the destination at unix:$sock sent nothing for [23] s" \
		"$BATS_TEST_TMPDIR/mig.err"
	assert_equal "$(fstate "${S[0]}")" running
	kill -CONT "$RECV"
	RECV_PID=$RECV
	RECV=
	receive_wait
	[[ "$RECV_STATUS" == "$EX_PEER" || "$RECV_STATUS" == "$EX_IOERR" ]]
	assert_equal "$(fstate "${D[0]}")" running
	[[ "$RECV_STDERR" == *"receive ${D[0]}: device reset: now running"* ]]
}

# PID runs vfiomig (not the shell that forks it, whose traps would
# answer) and catches SIGINT and SIGTERM (SigCgt bits 2 and 15).
catches_int_term() {
	local mask
	[ "$(readlink /proc/"$1"/exe)" = "$(readlink -f "$VFIOMIG")" ] || return 1
	mask=$(awk '/^SigCgt:/ { print $2 }' /proc/"$1"/status)
	(((0x$mask & 0x4002) == 0x4002))
}

# compat ($SAVER) is waiting for its --with document: SIG ends it
# (interrupted_within_a_second()), with one line on stderr.
signal_compat() {
	local sig=$1 err=$2 rcfile=${3:-}
	interrupted_within_a_second "$sig" "$rcfile" "$err"
	assert_equal "$(wc -l <"$err")" 1
	grep -q "^vfiomig: compat: reading .*: interrupted by $sig$" "$err"
}

@test "compat --with a FIFO or a pipe whose writer stalls: one SIGINT or SIGTERM ends it within a second" {
	local sig err=$BATS_TEST_TMPDIR/compat.err
	for sig in INT TERM; do
		# a writer that opens the FIFO and never writes
		sleep 1000 >"$FIFO" &
		READER=$!
		env LD_PRELOAD="$PRELOAD" "$VFIOMIG" compat $SRC --with "$FIFO" 2>"$err" &
		SAVER=$!
		wait_for holds_open "$SAVER" "$FIFO"
		signal_compat $sig "$err"
		kill "$READER"
		wait "$READER" || true
	done
	# a FIFO nobody writes to yet: the wait for a writer ends too
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" compat $SRC --with "$FIFO" 2>"$err" &
	SAVER=$!
	wait_for holds_open "$SAVER" "$FIFO"
	signal_compat TERM "$err"
	# standard input, a pipe whose writer stalls (wait would wait for the
	# writer too: compat's status comes through a file)
	# shellcheck disable=SC2016
	sh -c 'echo $$ >"$0"; exec sleep 1000' "$BATS_TEST_TMPDIR/wpid" | {
		local rc=0
		sh -c 'echo $$ >"$0"; exec "$@"' "$BATS_TEST_TMPDIR/cpid" \
			env LD_PRELOAD="$PRELOAD" "$VFIOMIG" compat $SRC --with - 2>"$err" || rc=$?
		echo $rc >"$BATS_TEST_TMPDIR/rc"
	} &
	wait_for test -s "$BATS_TEST_TMPDIR/wpid"
	READER=$(cat "$BATS_TEST_TMPDIR/wpid")
	wait_for test -s "$BATS_TEST_TMPDIR/cpid"
	SAVER=$(cat "$BATS_TEST_TMPDIR/cpid")
	wait_for catches_int_term "$SAVER"
	signal_compat INT "$err" "$BATS_TEST_TMPDIR/rc"
	kill "$READER"
}
