#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Standard descriptors the caller left closed, outputs that fail, key
# files that are bytes. Whatever is closed, vfiomig
# never opens a device, a socket or a pipe as fd 0, 1 or 2 (a report
# written to "stdout" would land in the device: on vfio-pci, BAR0), and
# a closed stdout is an output that fails: exit 74, the device left as
# reported. The witness: every node under the fake root's /dev stays
# empty, and the fake's debugfs state.

load helpers

setup() {
	fake_setup
	export VFIOMIG_RUNDIR=$BATS_TEST_TMPDIR/run
}

teardown() {
	if [ -n "${HOLDER_PID:-}" ]; then
		kill "$HOLDER_PID" 2>/dev/null || true
	fi
	[ -z "${MOUNTED:-}" ] || umount "$MOUNTED"
}

# Nothing was written into a device node (group, cdev, iommu, container).
nodes_untouched() {
	local f
	f=$(find "$ROOT/dev" -type f -size +0c)
	[ -z "$f" ] || {
		echo "written into a device node:" >&2
		ls -l $f >&2
		return 1
	}
}

# closed SET ARGS...: vfiomig ARGS with the descriptors in SET (digits of
# 0, 1, 2) closed; $status, and $stderr while 2 is open.
closed() {
	local set=$1 redir=
	shift
	[[ $set != *0* ]] || redir+=' <&-'
	[[ $set != *1* ]] || redir+=' >&-'
	[[ $set != *2* ]] || redir+=' 2>&-'
	echo "# [fake] vfiomig $* ($set closed)"
	# shellcheck disable=SC2016
	run --separate-stderr bash -c 'p=$1 b=$2; shift 2; eval "exec env LD_PRELOAD=\"\$p\" \"\$b\" \"\$@\" '"$redir"'"' \
		_ "$PRELOAD" "$VFIOMIG" "$@"
	echo "# status $status"
	[ -z "$stderr" ] || echo "# stderr: $stderr"
}

SETS="0 1 2 01 02 12 012"

# The exit code a reporting command owes: 74 with stdout closed.
owed() {
	[[ $1 == *1* ]] && echo $EX_IOERR || echo 0
}

@test "queries with closed descriptors write into no device, exit 74 without stdout" {
	local set open
	for open in cdev group; do
		for set in $SETS; do
			closed $set --open=$open info $PCI
			assert_equal "$status" "$(owed $set)"
			closed $set -j --open=$open info $PCI
			assert_equal "$status" "$(owed $set)"
			closed $set --open=$open state $PCI
			assert_equal "$status" "$(owed $set)"
			closed $set list
			assert_equal "$status" "$(owed $set)"
			nodes_untouched
		done
	done
	# with stderr open, the one line says why
	closed 1 info $PCI
	assert_one_error '^vfiomig: writing output: EBADF'
	closed 01 -j info $PCI
	assert_one_error '^vfiomig: writing output: EBADF'
}

@test "state changes and reset with closed descriptors: the device moves, nothing written into it" {
	local set open
	for open in cdev group; do
		for set in $SETS; do
			closed $set --open=$open state $PCI stop
			assert_equal "$status" "$(owed $set)"
			[ "$(fstate $PCI)" = stop ]
			closed $set --open=$open reset $PCI
			assert_equal "$status" "$(owed $set)"
			[ "$(fstate $PCI)" = running ]
			nodes_untouched
		done
	done
}

@test "save and restore with closed descriptors" {
	local set open out=$BATS_TEST_TMPDIR/s.vfm
	for open in cdev group; do
		for set in $SETS; do
			rm -f "$out"
			closed $set --open=$open save $PCI -o "$out" --then running
			assert_equal "$status" "$(owed $set)"
			# the save itself was done; only its report was lost
			[ -s "$out" ]
			[ "$(fstate $PCI)" = running ]
			closed $set --open=$open restore $PCI -i "$out"
			assert_equal "$status" "$(owed $set)"
			[ "$(fstate $PCI)" = running ]
			closed $set inspect "$out"
			assert_equal "$status" "$(owed $set)"
			nodes_untouched
		done
	done
}

@test "save to a closed stdout fails with 74 and unwinds; restore from a closed stdin fails with 74" {
	local open
	for open in cdev group; do
		closed 1 --open=$open save $PCI
		assert_equal "$status" $EX_IOERR
		[[ "$stderr" == *"writing stdout: EBADF"* ]]
		[ "$(fstate $PCI)" = running ]
		closed 0 --open=$open restore $PCI
		assert_equal "$status" $EX_IOERR
		[[ "$stderr" == *"reading stdin: EBADF"* ]]
		[ "$(fstate $PCI)" = running ]
		closed 012 --open=$open restore $PCI
		assert_equal "$status" $EX_IOERR
		[ "$(fstate $PCI)" = running ]
		nodes_untouched
	done
}

@test "check with closed descriptors: nothing written into the device" {
	closed 012 check $PCI --rounds 1
	assert_equal "$status" $EX_IOERR
	closed 0 check $PCI --rounds 1
	assert_success
	nodes_untouched
}

@test "a holder started with stdin and stderr closed keeps its device and serves" {
	local pid=$BATS_TEST_TMPDIR/hold.pid
	closed 02 hold --daemon --pidfile "$pid" $RESETTER
	assert_success
	HOLDER_PID=$(cat "$pid")
	fvm state $RESETTER stop
	assert_success
	fvm state $RESETTER
	assert_success
	assert_output -p stop
	fvm release $RESETTER
	assert_success
	nodes_untouched
}

@test "a migration with every standard descriptor closed on both sides" {
	local key=$BATS_TEST_TMPDIR/key sock=$BATS_TEST_TMPDIR/mig.sock
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$key"
	chmod 600 "$key"
	# the destination: the mdev-like device takes over from another one
	fake_pci_device "$ROOT" 0000:3b:00.2 18 cdev=4 driver=mlx5_vfio_pci \
		vendor=0x15b3 device=0x101e subvendor=0x15b3 subdevice=0x0063
	bash -c 'exec env LD_PRELOAD="$1" "$2" receive 0000:3b:00.2 --listen "unix:$3" \
		--psk-file "$4" <&- >&- 2>&-' _ "$PRELOAD" "$VFIOMIG" "$sock" "$key" &
	local rpid=$!
	wait_for test -S "$sock"
	closed 012 migrate $PCI --to "unix:$sock" --psk-file "$key"
	assert_equal "$status" $EX_IOERR
	local rstatus=0
	wait "$rpid" || rstatus=$?
	assert_equal "$rstatus" $EX_IOERR
	# the device moved: the destination runs, the source was stopped
	[ "$(fstate 0000:3b:00.2)" = running ]
	[ "$(fstate $PCI)" = stop ]
	nodes_untouched
}

# --- outputs that fail: a reader gone, a full device ------------------------

# Every command that prints, with the device arguments it needs.
printing_commands() {
	local out=$BATS_TEST_TMPDIR/p.vfm
	[ -e "$out" ] || env LD_PRELOAD="$PRELOAD" "$VFIOMIG" save $PCI -o "$out" \
		--then running >/dev/null 2>&1
	printf '%s\n' "info $PCI" "state $PCI" "state $PCI stop" "reset $PCI" "list" \
		"inspect $out" "save $PCI -o $BATS_TEST_TMPDIR/q.vfm --then running" \
		"restore $PCI -i $out" "check $PCI --rounds 1" "devlink show" "help"
}

@test "a reader gone: every printing command exits 74 with one line, text and -j, device as reported" {
	local cmd j
	while read -r cmd; do
		for j in "" -j; do
			# shellcheck disable=SC2086
			gone_reader env LD_PRELOAD="$PRELOAD" "$VFIOMIG" $j $cmd
			[ "$cmd" = "devlink show" ] && [ "$status" = $EX_OLDKERNEL ] && continue
			assert_equal "$status" $EX_IOERR
			assert_one_error '^vfiomig: writing output: EPIPE'
		done
		# the device is where the command put it, not unwound by the lost report
		case $cmd in
		"state $PCI stop") [ "$(fstate $PCI)" = stop ] ;;
		"reset $PCI" | restore*) [ "$(fstate $PCI)" = running ] ;;
		esac
	done < <(printing_commands)
}

@test "a full device: every printing command exits 74 with one line, text and -j" {
	[ -w /dev/full ] || skip "needs /dev/full"
	local cmd j
	while read -r cmd; do
		for j in "" -j; do
			# shellcheck disable=SC2086
			run --separate-stderr bash -c 'exec "$@" >/dev/full' _ env LD_PRELOAD="$PRELOAD" \
				"$VFIOMIG" $j $cmd
			echo "# $j $cmd >/dev/full: $status: $stderr"
			[ "$cmd" = "devlink show" ] && [ "$status" = $EX_OLDKERNEL ] && continue
			assert_equal "$status" $EX_IOERR
			assert_one_error '^vfiomig: writing output: ENOSPC'
		done
	done < <(printing_commands)
}

# --- full disks and held devices ----------------------------------------------

# A file system with no free inode and no free block, at $FULL.
full_fs() {
	requires_root
	FULL=$BATS_TEST_TMPDIR/full
	mkdir "$FULL"
	mount -t tmpfs -o size=16k,nr_inodes=4 vfiomig-test "$FULL" ||
		skip "cannot mount a tmpfs here"
	MOUNTED=$FULL
	local i=0
	while : >"$FULL/f$i" 2>/dev/null; do i=$((i + 1)); done
	head -c 1M /dev/zero >"$FULL/f0" 2>/dev/null || true
}

# Nothing held: no holder socket, and a direct open succeeds.
nothing_held() {
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	fvm -j info $PCI
	assert_success
	jq_is .open_path cdev
}

@test "hold whose answer cannot be written holds nothing, daemon or not" {
	[ -w /dev/full ] || skip "needs /dev/full"
	local j daemon
	for j in "" -j; do
		for daemon in --daemon ""; do
			# bounded: a holder that serves anyway would never return
			run --separate-stderr timeout 20 bash -c 'exec "$@" >/dev/full' _ \
				env LD_PRELOAD="$PRELOAD" "$VFIOMIG" $j hold $daemon --pidfile "$BATS_TEST_TMPDIR/h.pid" $PCI
			echo "# $j hold $daemon >/dev/full: $status: $stderr"
			assert_equal "$status" $EX_IOERR
			assert_one_error '^vfiomig: writing output: ENOSPC'
			assert [ ! -e "$BATS_TEST_TMPDIR/h.pid" ]
			nothing_held
		done
	done
	# a reader gone is the same
	gone_reader timeout 20 env LD_PRELOAD="$PRELOAD" "$VFIOMIG" hold --daemon $PCI
	assert_equal "$status" $EX_IOERR
	nothing_held
}

@test "a full file system: save's output and hold's pidfile fail with 73, the reason in the document" {
	full_fs
	fvm save $PCI -o "$FULL/s.vfm"
	assert_failure $EX_CANTCREAT
	assert_one_error "^vfiomig: save: creating $FULL/s.vfm: ENOSPC \(No space left on device\)$"
	assert_equal "$(fstate $PCI)" running
	assert [ ! -e "$FULL/s.vfm" ]
	# the daemon's reason is the parent's document, said once
	fvm -j hold --daemon --pidfile "$FULL/h.pid" $PCI
	assert_failure $EX_CANTCREAT
	assert_one_error "^vfiomig: hold: writing $FULL/h.pid: ENOSPC"
	jq_is .error.errno ENOSPC
	jq_is '.error.message | startswith("hold: writing ")' true
	nothing_held
}

# --- key files are bytes ----------------------------------------------------

@test "two key files that differ only after a NUL are refused, not taken for one key" {
	local a=$BATS_TEST_TMPDIR/a.key b=$BATS_TEST_TMPDIR/b.key
	{ head -c 40 /dev/zero | tr '\0' a; printf '\0'; head -c 24 /dev/zero | tr '\0' X; } >"$a"
	{ head -c 40 /dev/zero | tr '\0' a; printf '\0'; head -c 24 /dev/zero | tr '\0' Y; } >"$b"
	chmod 600 "$a" "$b"
	fvm save $PCI -o "tcp://127.0.0.1:9" --psk-file "$a"
	assert_failure $EX_USAGE
	assert_one_error "^vfiomig: --psk-file $a: the key \(its first line\) has a NUL byte at byte 40"
	fvm restore $PCI -i "tcp://127.0.0.1:7999" --psk-file "$b"
	assert_failure $EX_USAGE
	[ "$(fstate $PCI)" = running ]
	# a key without a NUL still works as a key
	head -c 64 /dev/zero | tr '\0' k >"$a"
	fvm save $PCI -o "unix:$BATS_TEST_TMPDIR/none.sock" --psk-file "$a" --timeout 0.2
	assert_failure $EX_IOERR
}
