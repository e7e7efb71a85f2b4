#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Answers a new user relies on, as vfiomig(8) states them: a --then a
# device cannot reach refused before anything moves, empty names and bad
# ports refused as usage, a device in ERROR answered, a receive's transfer
# time apart from its wait, an interrupted soak's report, check's words for
# what it did not try, the exit code of each kind of bad path, what -q
# silences, the words of each message. Each test names what it protects.

load helpers
load pairs

# more_lines_than N FILE: FILE exists and has more than N lines.
more_lines_than() {
	[ -e "$2" ] && [ "$(wc -l <"$2")" -gt "$1" ]
}

setup() {
	fake_setup
	export VFIOMIG_RUNDIR=$BATS_TEST_TMPDIR/run
	OUT=$BATS_TEST_TMPDIR/s.vfm
	KEY=$BATS_TEST_TMPDIR/key
	head -c 64 /dev/zero | tr '\0' k >"$KEY"
	chmod 600 "$KEY"
	SOCK=$BATS_TEST_TMPDIR/m.sock
	# no p2p; keeps its state on close
	HISI=0000:3b:02.0
	fake_pci_device "$ROOT" $HISI 60 cdev=60 personality=hisi_acc
	# no pre_copy; keeps its state on close
	PDS=0000:3b:03.0
	fake_pci_device "$ROOT" $PDS 61 cdev=61 personality=pds
}

teardown() {
	end_jobs
}

@test "answers: receive --then a state the device lacks is refused before listening" {
	# --timeout: a receiver that listens anyway gives up, and the test fails
	fvm receive $HISI --listen "unix:$SOCK" --psk-file "$KEY" --then running_p2p --timeout 20
	assert_failure $EX_NOMIG
	assert_one_error "^vfiomig: receive $HISI: --then running_p2p: not supported by the device \(migration: stop_copy,pre_copy\); nothing was changed$"
	assert [ ! -e "$SOCK" ]
	assert_equal "$(fstate $HISI)" running
}

@test "answers: save and restore check --then against the device before it moves" {
	fvm save $HISI -o "$OUT" --then running_p2p
	assert_failure $EX_NOMIG
	assert_one_error "running_p2p: not supported by the device"
	assert [ ! -e "$OUT" ]
	assert_equal "$(fstate $HISI)" running
	# no arc was even asked for: the fake's trace has no SET
	export VFIOMIG_FAKE_TRACE=$BATS_TEST_TMPDIR/trace
	fvm save $PDS -o "$OUT" --then running
	assert_success
	: >"$VFIOMIG_FAKE_TRACE"
	fvm restore $PDS -i "$OUT" --then pre_copy
	assert_failure $EX_NOMIG
	assert_one_error "^vfiomig: restore $PDS: --then pre_copy: not supported by the device \(migration: stop_copy,p2p\); nothing was changed$"
	assert [ ! -s "$VFIOMIG_FAKE_TRACE" ]
	assert_equal "$(fstate $PDS)" running
}

@test "answers: an empty file name or URL is a usage error before the device is touched" {
	local args
	for args in "save $PCI -o" "save $PCI --output=" "restore $PCI -i" \
		"save $PCI -o $OUT --events=" "hold $PCI --pidfile=" \
		"migrate $PCI --psk-file $KEY --to=" "receive $PCI --psk-file $KEY --listen=" \
		"migrate $PCI --to unix:$SOCK --psk-file="; do
		# shellcheck disable=SC2086 # the words are the arguments
		fvm $args ""
		assert_failure $EX_USAGE
		assert_output ""
		[[ "$stderr" == *": an empty name"* ]] || { echo "$args: $stderr" >&2; false; }
		assert_equal "$(fstate $PCI)" running
	done
	fvm inspect ""
	assert_failure $EX_USAGE
}

@test "answers: ports outside 1..65535 are usage errors, never another port" {
	local url
	for url in tcp://127.0.0.1:99999 tcp://127.0.0.1:0 tcp://127.0.0.1:65536 \
		tcp://127.0.0.1:-1 tcp://127.0.0.1:08x; do
		fvm receive $PCI --listen "$url" --insecure
		assert_failure $EX_USAGE
		[[ "$stderr" == *"the port must be a number from 1 to 65535"* ]]
		fvm migrate $PCI --to "$url" --insecure
		assert_failure $EX_USAGE
		assert_equal "$(fstate $PCI)" running
	done
}

@test "answers: the state of a device in ERROR is an answer, where the README's idiom finds it" {
	fake_set_state "$ROOT" $PCI error
	run --separate-stderr bash -c 'env LD_PRELOAD="$1" "$2" -j state "$3" | jq -r .state' \
		_ "$PRELOAD" "$VFIOMIG" $PCI
	assert_success
	assert_output error
	fvm state $PCI
	assert_success
	assert_output --regexp '^state +error$'
	fvm info $PCI
	assert_success
	assert_line --regexp '^state +error$'
}

@test "answers: receive reports the transfer's time, and its wait for the source apart" {
	S=(0000:3b:01.0) D=(0000:5e:01.0)
	fake_pci_device "$ROOT" "${S[0]}" 40 cdev=40 driver=mlx5_vfio_pci
	fake_pci_device "$ROOT" "${D[0]}" 50 cdev=50 driver=mlx5_vfio_pci
	receive 1 --listen "unix:$SOCK" --psk-file "$KEY"
	wait_for test -S "$SOCK"
	# the receiver waits at least this second for its source
	sleep 1
	local t0 t1
	t0=$(date +%s%N)
	fvm -j migrate "${S[0]}" --to "unix:$SOCK" --psk-file "$KEY"
	assert_success
	receive_wait
	t1=$(date +%s%N)
	assert_equal "$RECV_STATUS" 0
	# the wait is said apart; the time and the rate are the transfer's,
	# which began after the source did
	jq_is '.wait_usecs >= 1000000' true
	jq_is ".usecs <= $(((t1 - t0) / 1000))" true
	jq_is '.bytes_per_sec > 0' true
}

@test "answers: an interrupted soak prints what it did, its seed included, then exits 8" {
	not_under_valgrind
	export VFIOMIG_FAKE_TRACE=$BATS_TEST_TMPDIR/trace
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" check --soak 0 --seed 77 $PCI \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$! rc=0
	wait_for -t 10 more_lines_than 50 "$VFIOMIG_FAKE_TRACE"
	kill -INT $pid
	wait $pid || rc=$?
	assert_equal "$rc" $EX_INTERRUPTED
	run cat "$BATS_TEST_TMPDIR/out"
	assert_line --regexp '^seed +77$'
	assert_line --regexp '^result +interrupted$'
	assert_line --regexp '^steps +[1-9][0-9]*$'
	# with -j: one document, the same figures
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -j check --soak 0 --seed 77 $PCI \
		>"$BATS_TEST_TMPDIR/out.json" 2>/dev/null &
	pid=$! rc=0
	: >"$VFIOMIG_FAKE_TRACE"
	wait_for -t 10 more_lines_than 50 "$VFIOMIG_FAKE_TRACE"
	kill -TERM $pid
	wait $pid || rc=$?
	assert_equal "$rc" $EX_INTERRUPTED
	output=$(cat "$BATS_TEST_TMPDIR/out.json")
	jq_is .seed 77
	jq_is .result interrupted
	jq_is '.steps > 0' true
	jq_is .error.exit_code $EX_INTERRUPTED
	assert_equal "$(fstate $PCI)" running
}

@test "answers: check claims on close only what it saw, and never passes what it could not try" {
	local dev
	# pds and hisi_acc keep their state on close and reset on open; a
	# reset on close looks the same from userspace: not told apart
	for dev in $PDS $HISI $RESETTER; do
		fvm -j check --rounds 1 $dev
		jq_is .driver_choices.on_close null
		jq_is .driver_choices.on_close_note "runs after a reopen: a reset on close or on open, not told apart from userspace"
	done
	fvm check --rounds 1 $PDS
	refute_output --partial "returns to running"
	# pds has no pre_copy: nothing about leaving pre_copy was exercised
	refute_output --regexp '^pass .*pre_copy'
	assert_line --regexp '^ *pre-copy end +no pre_copy$'
	fvm -j check --rounds 1 $PCI
	jq_is .driver_choices.on_close keeps_state
}

@test "answers: check --format tap or junit on a device it cannot check is still TAP or JUnit" {
	requires_cmd xmllint
	fake_pci_device "$ROOT" 0000:3b:00.2 14 driver=vfio-pci flags=none
	fvm check --format tap 0000:3b:00.2
	assert_failure $EX_NOMIG
	assert_line --regexp '^1\.\.0 # SKIP .+'
	fvm check --format junit 0000:3b:00.2
	assert_failure $EX_NOMIG
	xmllint --noout - <<<"$output"
	[[ "$output" == *"<error"* ]]
	# the format's name in any case, as state names are
	fvm check --format TAP --rounds 1 $PCI
	assert_success
	assert_line --index 0 'TAP version 13'
}

@test "answers: one exit code for each kind of bad path" {
	mkdir "$BATS_TEST_TMPDIR/dir"
	fvm save $PCI -o "$BATS_TEST_TMPDIR/dir"
	assert_failure $EX_CANTCREAT
	assert_equal "$(fstate $PCI)" running
	fvm save $PCI -o "$BATS_TEST_TMPDIR/nodir/x.vfm"
	assert_failure $EX_CANTCREAT
	fvm save $PCI -o "$OUT" --events "$BATS_TEST_TMPDIR/dir"
	assert_failure $EX_CANTCREAT
	fvm hold --daemon --pidfile "$BATS_TEST_TMPDIR/dir" $PCI
	assert_failure $EX_CANTCREAT
	assert [ ! -e "$VFIOMIG_RUNDIR/$PCI.sock" ]
	# inputs that are not there, or not files
	fvm restore $PCI -i "$BATS_TEST_TMPDIR/dir"
	assert_failure $EX_NODEV
	fvm restore $PCI -i "$BATS_TEST_TMPDIR/none.vfm"
	assert_failure $EX_NODEV
	fvm inspect "$BATS_TEST_TMPDIR/dir"
	assert_failure $EX_NODEV
	assert_equal "$(fstate $PCI)" running
}

@test "answers: -q silences notes, never a report on stdout" {
	fvm -q save $PCI -o "$OUT"
	assert_success
	assert_output --regexp "^saved .* from $PCI"
	assert_equal "$stderr" ""
	fvm -q restore $PCI -i "$OUT"
	assert_success
	assert_output --regexp "^restored .* into $PCI"
	fvm -q state $PCI
	assert_output --regexp '^state +running$'
	fvm -q info $PCI
	assert_line --regexp '^state +running$'
	# the report goes to stderr only when stdout carries the stream
	run --separate-stderr bash -c 'env LD_PRELOAD="$1" "$2" -q save "$3" >/dev/null' \
		_ "$PRELOAD" "$VFIOMIG" $PCI
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr bash -c 'env LD_PRELOAD="$1" "$2" save "$3" >/dev/null' \
		_ "$PRELOAD" "$VFIOMIG" $PCI
	[[ "$stderr" == "saved "* ]]
}

@test "answers: restore refuses a terminal on stdin" {
	requires_cmd script
	run script -qec "env LD_PRELOAD='$PRELOAD' VFIOMIG_FAKE_ROOT='$ROOT' '$VFIOMIG' restore $PCI" /dev/null
	assert_failure $EX_USAGE
	assert_output --partial "refusing to read binary data from a terminal"
	assert_equal "$(fstate $PCI)" running
}

@test "answers: usage errors start with vfiomig: and -j keeps what was wrong" {
	run --separate-stderr "$VFIOMIG" --bogus
	assert_failure $EX_USAGE
	[[ "$stderr" == "vfiomig: unrecognized option '--bogus'"* ]]
	[[ "$stderr" != *"$VFIOMIG"* ]]
	run --separate-stderr "$VFIOMIG" -j save --bogus
	assert_failure $EX_USAGE
	jq_is '.error.message | endswith("unrecognized option '"'--bogus'"'")' true
	run --separate-stderr "$VFIOMIG" -j state $PCI stop --then
	assert_failure $EX_USAGE
	jq_is '.error.message | test("then")' true
}

@test "answers: -v says each arc before the error it led to" {
	VFIOMIG_FAKE_FAIL='RUNNING_P2P>STOP:EIO' fvm -v save $PCI -o "$OUT"
	assert_failure
	local arc err
	arc=$(grep -n '^arc running -> stop_copy on .*: failed, EIO$' <<<"$stderr" | cut -d: -f1)
	err=$(grep -n '^vfiomig: .*EIO' <<<"$stderr" | head -n 1 | cut -d: -f1)
	[ -n "$arc" ] && [ -n "$err" ] && [ "$arc" -lt "$err" ]
}

@test "answers: the documented hold and help answers" {
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" hold --daemon --pidfile "$BATS_TEST_TMPDIR/h.pid" $PCI
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/h.pid")
	fvm hold $PCI
	assert_failure $EX_BUSY
	assert_one_error "^vfiomig: hold $PCI: already held by another vfiomig hold \(pid $pid\)$"
	fvm release $PCI
	assert_success
	fvm check --help
	assert_output --partial "CHECK RULES"
	fvm -j help
	assert_success
	jq_is '.commands | length > 10' true
	fvm -j help save
	jq_is .command save
}

@test "answers: sizes in text carry units, counts their plural, raw saves no record count" {
	fvm info $MDEV
	assert_line --regexp '^stop-copy estimate +[0-9.]+ (B|KiB|MiB)$'
	fvm identity $MDEV
	assert_line --regexp '^stop-copy estimate +[0-9.]+ (B|KiB|MiB)$'
	fvm save $PCI -o "$OUT"
	assert_output --regexp '^saved [0-9.]+ (B|KiB|MiB) in 1 record from '
	fvm save --raw $PCI -o "$OUT.raw"
	assert_output --regexp '^saved [0-9.]+ (B|KiB|MiB) from '
	refute_output --partial record
	# a framed stream restored with --raw: says what it is
	fvm restore --raw $PCI -i "$OUT"
	assert_failure
	[[ "$stderr" == *"the input is a vfiomig stream"*"restore it without --raw"* ]]
	assert_equal "$(fstate $PCI)" running
}

@test "answers: errors say an errno once, and a swapped state names the order" {
	fvm state stop $PCI
	assert_failure $EX_USAGE
	[[ "$stderr" == *"comes first (vfiomig state DEV STATE...)"* ]]
	VFIOMIG_FAKE_EPERM=1 fvm info $PCI
	assert_failure $EX_NOPERM
	assert_one_error "^vfiomig: opening /dev/.* for $PCI: EACCES \(Permission denied\)$"
	# list, where nothing can be opened: said once, with what it needs
	VFIOMIG_FAKE_EPERM=1 fvm list
	assert_success
	assert_equal "$(grep -c . <<<"$stderr")" 1
	[[ "$stderr" == *"no device could be opened (EACCES): reading flags and states needs root"* ]]
}

@test "answers: release takes several devices, as hold does" {
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" hold --daemon --pidfile "$BATS_TEST_TMPDIR/h.pid" $PCI $MDEV
	fvm -j release $PCI $MDEV
	assert_success
	jq_is '[.devices[].device] | join(" ")' "$PCI $MDEV"
	fvm release $PCI
	assert_failure $EX_REFUSED
}

@test "answers: migrate and receive show progress and what they wait for on a terminal" {
	requires_cmd script
	S=(0000:3b:01.0) D=(0000:5e:01.0)
	fake_pci_device "$ROOT" "${S[0]}" 40 cdev=40 driver=mlx5_vfio_pci size=4000000
	fake_pci_device "$ROOT" "${D[0]}" 50 cdev=50 driver=mlx5_vfio_pci size=4000000
	script -qec "env LD_PRELOAD='$PRELOAD' VFIOMIG_FAKE_ROOT='$ROOT' '$VFIOMIG' receive ${D[0]} --listen unix:$SOCK --psk-file $KEY" \
		"$BATS_TEST_TMPDIR/recv.tty" >/dev/null &
	wait_for test -S "$SOCK"
	run script -qec "env LD_PRELOAD='$PRELOAD' VFIOMIG_FAKE_ROOT='$ROOT' '$VFIOMIG' migrate ${S[0]} --to unix:$SOCK --psk-file $KEY" /dev/null
	assert_success
	# "DEV: X of Y (p%), R/s, N s left", the last one ending the line
	assert_output --regexp "${S[0]}: [0-9.]+ (B|KiB|MiB) of [0-9.]+ (B|KiB|MiB) \([0-9]+%\), [0-9.]+ (B|KiB|MiB)/s"
	wait
	run cat "$BATS_TEST_TMPDIR/recv.tty"
	assert_output --partial "listening on unix:$SOCK"
	assert_output --regexp "${D[0]}: [0-9.]+ (B|KiB|MiB)"
}
