#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The vfiomig-hold@.service template unit: systemd-analyze verify accepts
# it, the instance name becomes the device argument as vfiomig(8) says,
# the command systemd runs holds the device until SIGTERM (leaving it as it
# was) or release, and make install / uninstall put it in place and take it
# away again.

load helpers

UNIT_IN=$TOP/systemd/vfiomig-hold@.service.in

setup() {
	# verify needs ExecStart's binary to exist: a bin directory with the
	# binary under test, and the man page for Documentation=.
	BIN=$BATS_TEST_TMPDIR/bin
	UNITDIR=$BATS_TEST_TMPDIR/unit
	MANDIR=$BATS_TEST_TMPDIR/man
	mkdir -p "$BIN" "$UNITDIR" "$MANDIR/man8"
	ln -s "$VFIOMIG" "$BIN/vfiomig"
	cp "$TOP/man/vfiomig.8" "$MANDIR/man8/"
	sed "s|@BINDIR@|$BIN|g" "$UNIT_IN" >"$UNITDIR/vfiomig-hold@.service"
}

teardown() {
	[ -z "${HOLDER_PID:-}" ] || kill "$HOLDER_PID" 2>/dev/null || true
}

# verify INSTANCE: systemd-analyze verify of the template as that instance
# (FILE:NAME, since a ':' in a file name would read as that separator).
verify() {
	run env MANPATH="$MANDIR" systemd-analyze verify \
		"$UNITDIR/vfiomig-hold@.service:vfiomig-hold@$1.service"
}

# The command line systemd would run for instance $1, as words in EXEC.
# systemd prints it with C-style quoting (an escaped instance gives a
# backslash in the pid file's name), which bash's double quotes undo.
exec_start() {
	local line
	line=$(env SYSTEMD_LOG_LEVEL=debug systemd-analyze verify --man=no \
		"$UNITDIR/vfiomig-hold@.service:vfiomig-hold@$1.service" 2>&1 |
		sed -n 's/^[[:space:]]*Command Line: //p')
	[ -n "$line" ] || return 1
	eval "EXEC=($line)"
}

@test "systemd: verify accepts the unit, its binary and its man page" {
	verify 0000:3b:00.1
	assert_success
	assert_output ""
}

@test "systemd: verify refuses the unit when its binary is missing" {
	rm "$BIN/vfiomig"
	verify 0000:3b:00.1
	assert_failure
	assert_output --partial "is not executable"
}

@test "systemd: the instance is the device, escaped as systemd-escape does" {
	local mdev=5d3e0c7a-6b43-4a5e-9f0b-2b5f2f0d8c11 inst dev
	# A PCI address needs no escaping.
	run systemd-escape --template=vfiomig-hold@.service 0000:3b:00.1
	assert_output "vfiomig-hold@0000:3b:00.1.service"
	for dev in 0000:3b:00.1 "$mdev" /sys/bus/pci/devices/0000:3b:00.1; do
		inst=$(systemd-escape "$dev")
		exec_start "$inst"
		run printf '%s\n' "${EXEC[@]}"
		assert_output "$BIN/vfiomig
hold
--daemon
--pidfile=/run/vfiomig-hold-$inst.pid
$dev"
	done
}

# Run what systemd runs for the fake device $1's instance, the pid file
# where the test can write; PIDFILE and HOLDER_PID name what it left.
start_unit() {
	local inst
	inst=$(systemd-escape "$1")
	exec_start "$inst"
	EXEC=("${EXEC[@]/#--pidfile=\/run\//--pidfile=$BATS_TEST_TMPDIR/}")
	PIDFILE=$BATS_TEST_TMPDIR/vfiomig-hold-$inst.pid
	# Type=forking: the command returns once the socket listens.
	run --separate-stderr env LD_PRELOAD="$PRELOAD" "${EXEC[@]}"
	assert_success
	assert_output --partial "holding $1"
	[ -S "$VFIOMIG_RUNDIR/$1.sock" ]
	HOLDER_PID=$(cat "$PIDFILE")
	kill -0 "$HOLDER_PID"
}

# The holder is gone, and took its socket and pid file with it.
assert_unit_ended() {
	timeout 10 tail --pid="$HOLDER_PID" -f /dev/null
	HOLDER_PID=
	[ ! -e "$VFIOMIG_RUNDIR/$1.sock" ]
	[ ! -e "$PIDFILE" ]
}

@test "systemd: the unit's command holds the device until SIGTERM, which leaves it as it was" {
	fake_setup
	export VFIOMIG_RUNDIR=$BATS_TEST_TMPDIR/run
	start_unit "$MDEV"
	fvm state "$MDEV" stop
	assert_success
	fvm -j list
	assert_success
	jq_is ".devices[] | select(.device == \"$MDEV\") | .status" held
	jq_is ".devices[] | select(.device == \"$MDEV\") | .holder_pid" "$HOLDER_PID"
	# systemctl stop: SIGTERM to the process the pid file names.
	kill -TERM "$HOLDER_PID"
	assert_unit_ended "$MDEV"
	[ "$(fstate "$MDEV")" = stop ]
}

@test "systemd: vfiomig release ends the unit's holder too" {
	fake_setup
	export VFIOMIG_RUNDIR=$BATS_TEST_TMPDIR/run
	start_unit "$PCI"
	fvm release "$PCI" --then running_p2p
	assert_success
	assert_unit_ended "$PCI"
	[ "$(fstate "$PCI")" = running_p2p ]
}

@test "systemd: make install puts the unit in SYSTEMDUNITDIR for BINDIR, uninstall removes it" {
	local dest=$BATS_TEST_TMPDIR/dest
	top_make install DESTDIR="$dest" >/dev/null
	run cat "$dest/usr/local/lib/systemd/system/vfiomig-hold@.service"
	assert_line "ExecStart=/usr/local/sbin/vfiomig hold --daemon --pidfile=/run/vfiomig-hold-%i.pid %I"
	top_make install DESTDIR="$dest" PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system >/dev/null
	run grep '^ExecStart=' "$dest/lib/systemd/system/vfiomig-hold@.service"
	assert_output --regexp '^ExecStart=/usr/sbin/vfiomig hold '
	top_make uninstall DESTDIR="$dest" >/dev/null
	top_make uninstall DESTDIR="$dest" PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system >/dev/null
	run find "$dest" -type f
	assert_output ""
}
