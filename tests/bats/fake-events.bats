#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# --events: one JSON object a line, in order, for save, restore, migrate
# and receive (both sides, with pre-copy, and failing); the progress rate
# bound; a reader that goes away early; bad descriptors and files.

load helpers

setup() {
	fake_setup
	DEV=0000:3b:00.7
	DST=0000:5e:00.7
	fake_pci_device "$ROOT" $DEV 21 cdev=6 size=300000 precopy=100000
	fake_pci_device "$ROOT" $DST 22 cdev=7 size=300000 precopy=100000
	OUT=$BATS_TEST_TMPDIR/out
	EV=$BATS_TEST_TMPDIR/events
	PSK=$BATS_TEST_TMPDIR/psk
	(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PSK")
	UNIX=unix:$BATS_TEST_TMPDIR/mig.sock
}

teardown() {
	if [ -n "${RECV_PID:-}" ]; then
		kill -9 "$RECV_PID" 2>/dev/null || true
		wait "$RECV_PID" 2>/dev/null || true
	fi
}

# Every line of FILE is one JSON object with the envelope; prints nothing.
assert_lines_parse() {
	local line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		jq -e 'type == "object" and (.event | type == "string") and
			(.timestamp.seconds | type == "number") and
			(.timestamp.microseconds | type == "number") and
			(.timestamp.microseconds < 1000000) and
			(.data | type == "object") and (keys | length == 3)' \
			<<<"$line" >/dev/null || {
			echo "line $n is not an event: $line" >&2
			return 1
		}
	done <"$1"
	[ "$n" -gt 0 ] || {
		echo "no events in $1" >&2
		return 1
	}
}

# The events of FILE, one a line: NAME, or NAME:status for MIGRATION,
# NAME:to for ARC, PROGRESS collapsed to one line per run of them.
sequence() {
	jq -r 'if .event == "MIGRATION" then "MIGRATION:" + .data.status
		elif .event == "ARC" then "ARC:" + .data.to
		else .event end' "$1" | uniq
}

# ev FILE FILTER VALUE: FILTER over the events of FILE as one array.
ev_is() {
	local got
	got=$(jq -s -r "$2" "$1")
	[ "$got" = "$3" ] || {
		echo "jq -s '$2' on $1: expected '$3', got '$got'" >&2
		return 1
	}
}

@test "fake-events: save --precopy in text mode: every line parses, in order, the file is 0600, RESULT is the -j report" {
	fvm save --precopy $DEV -o "$OUT" --events "$EV"
	assert_success
	[ -z "$stderr" ]
	assert_lines_parse "$EV"
	assert_equal "$(stat -c %a "$EV")" 600
	# a short pre-copy may end before its first progress is due
	assert_equal "$(sequence "$EV" | grep -v PROGRESS | paste -sd' ')" \
		"MIGRATION:setup ARC:pre_copy MIGRATION:active ARC:stop_copy MIGRATION:device ARC:stop MIGRATION:completed RESULT"
	ev_is "$EV" 'map(.event) | (index("PROGRESS") > index("ARC")) and
		(rindex("PROGRESS") < rindex("ARC"))' true
	ev_is "$EV" '[.[] | select(.event == "ARC") | .data | "\(.device) \(.from) \(.to) \(.ok) \(.usecs | type)"] | join(",")' \
		"$DEV running pre_copy true number,$DEV pre_copy stop_copy true number,$DEV stop_copy stop true number"
	# the last progress says so, and its figures are the report's
	ev_is "$EV" '[.[] | select(.event == "PROGRESS")] | last | .data | "\(.last) \(.transferred) \(.total) \(.remaining) \(.percent)"' \
		"true 300000 300000 0 100"
	ev_is "$EV" 'last | .data | "\(.ok) \(.bytes) \(.precopy_bytes) \(.state) \(.arcs | length)"' \
		"true 300000 100000 stop 3"
	# timestamps never go back
	ev_is "$EV" '[.[].timestamp | .seconds * 1000000 + .microseconds] | . == sort' true
	# the same run with -j: RESULT is the document on stdout
	fake_set_state "$ROOT" $DEV running
	fvm -j save --precopy $DEV -o "$OUT" --events "$EV"
	assert_success
	assert_equal "$(jq -S -c . <<<"$output")" "$(tail -n 1 "$EV" | jq -S -c .data)"
	# with -v the arcs are said once on stderr, though RESULT has them too
	fake_set_state "$ROOT" $DEV running
	fvm -v save $DEV -o "$OUT" --events "$EV"
	assert_success
	assert_equal "$(grep -c "^arc running -> stop_copy on $DEV: " <<<"$stderr")" 1
	ev_is "$EV" 'last | .data.arcs | length' 2
}

@test "fake-events: SIGINT mid-save: status cancelled, then RESULT with exit code 8" {
	fake_pci_device "$ROOT" $DEV 21 cdev=6 size=20000000 rate=2000000
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" save $DEV -o "$OUT" --events "$EV" \
		2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	# until the first progress event: the data is moving
	wait_for -t 10 grep -qs '"event":"PROGRESS"' "$EV"
	kill -INT $pid
	local st=0
	wait $pid || st=$?
	assert_equal "$st" $EX_INTERRUPTED
	assert_lines_parse "$EV"
	assert_equal "$(sequence "$EV" | tail -n 2 | paste -sd' ')" "MIGRATION:cancelled RESULT"
	ev_is "$EV" 'last | .data | "\(.ok) \(.error.exit_code) \(.state)"' "false $EX_INTERRUPTED running"
	assert_equal "$(fstate $DEV)" running
}

@test "fake-events: restore to a descriptor: order, and RESULT is the -p document on one line" {
	fvm save $DEV -o "$OUT"
	assert_success
	run --separate-stderr env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -p restore $DST \
		-i "$OUT" --events 7 7>"$EV"
	assert_success
	# pretty on stdout, one line in the events
	[ "$(wc -l <<<"$output")" -gt 5 ]
	assert_lines_parse "$EV"
	assert_equal "$(sequence "$EV" | paste -sd' ')" \
		"MIGRATION:setup ARC:resuming MIGRATION:active PROGRESS ARC:stop ARC:running MIGRATION:completed RESULT"
	assert_equal "$(jq -S -c . <<<"$output")" "$(tail -n 1 "$EV" | jq -S -c .data)"
	ev_is "$EV" 'last | .data | "\(.ok) \(.bytes) \(.state)"' "true 300000 running"
	assert_equal "$(fstate $DST)" running
}

@test "fake-events: a failed save ends with status failed and RESULT's error object" {
	VFIOMIG_FAKE_FAIL='STOP>STOP_COPY:EIO' fvm save $DEV -o "$OUT" --events "$EV"
	assert_failure $EX_STATE
	assert_lines_parse "$EV"
	assert_equal "$(sequence "$EV" | paste -sd' ')" \
		"MIGRATION:setup ARC:stop_copy PROGRESS ARC:running MIGRATION:failed RESULT"
	ev_is "$EV" '[.[] | select(.event == "ARC")] | first | .data | "\(.ok) \(.errno)"' "false EIO"
	# nothing moved: no claim of 100 %
	ev_is "$EV" '[.[] | select(.event == "PROGRESS")] | last | .data | "\(.transferred) \(.percent) \(.expected_usecs)"' \
		"0 0 null"
	ev_is "$EV" 'last | .data | "\(.ok) \(.error.errno) \(.error.exit_code) \(.error.devices[0].state)"' \
		"false EIO 2 running"
}

# receive_bg ARGS...: the destination on $DST with events to $EV.dst.
receive_bg() {
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -j receive $DST --listen "$UNIX" \
		--psk-file "$PSK" --events "$EV.dst" "$@" >"$BATS_TEST_TMPDIR/recv.json" \
		2>"$BATS_TEST_TMPDIR/recv.err" &
	RECV_PID=$!
}

receive_status() {
	RECV_STATUS=0
	wait "$RECV_PID" || RECV_STATUS=$?
	RECV_PID=
	echo "# receive status $RECV_STATUS: $(cat "$BATS_TEST_TMPDIR/recv.err")"
}

@test "fake-events: migrate with pre-copy, both sides: passes, switchover and why, downtime, result" {
	fake_pci_device "$ROOT" $DEV 21 cdev=6 size=300000 precopy=100000 dirty=20000 redirty=3
	receive_bg
	fvm migrate $DEV --to "$UNIX" --psk-file "$PSK" --events "$EV"
	assert_success
	receive_status
	assert_equal "$RECV_STATUS" 0
	assert_lines_parse "$EV"
	assert_lines_parse "$EV.dst"
	# the source
	sequence "$EV" | grep -v -e PROGRESS -e MIGRATION_PASS >"$EV.seq"
	assert_equal "$(paste -sd' ' "$EV.seq")" \
		"MIGRATION:setup ARC:pre_copy MIGRATION:active SWITCHOVER MIGRATION:pre-switchover ARC:pre_copy_p2p ARC:stop_copy MIGRATION:device ARC:stop DOWNTIME MIGRATION:completed RESULT"
	# every pass comes between active and the switchover, numbered 1, 2, ...
	ev_is "$EV" 'map(.event) | (index("MIGRATION_PASS") > index("ARC")) and
		(rindex("MIGRATION_PASS") < index("SWITCHOVER"))' true
	ev_is "$EV" '[.[] | select(.event == "MIGRATION_PASS") | .data.pass] | . == [range(1; length + 1)] and length >= 1' true
	ev_is "$EV" '[.[] | select(.event == "MIGRATION_PASS")] | first | .data |
		"\(.device) \(.precopy_bytes >= 100000) \(.dirty_bytes | type) \(.initial_bytes)"' \
		"$DEV true number 0"
	ev_is "$EV" '.[] | select(.event == "SWITCHOVER") | .data |
		"\(.reason) \(.acked) \(.downtime_limit_usecs) \(.precopy_bytes >= 100000) \(.remaining | type) \(.expected_downtime_usecs | type)"' \
		"converged true 300000 true number number"
	ev_is "$EV" '.[] | select(.event == "DOWNTIME") | .data |
		(.downtime_usecs > 0 and .peer_downtime_usecs > 0 and .peer_downtime_usecs <= .downtime_usecs)' true
	ev_is "$EV" 'last | .data | "\(.ok) \(.committed) \(.bytes)"' "true true 300000"
	ev_is "$EV" '[.[] | select(.event == "PROGRESS")] | last | .data | "\(.last) \(.transferred)"' "true 300000"
	# the destination
	assert_equal "$(sequence "$EV.dst" | grep -v PROGRESS | paste -sd' ')" \
		"MIGRATION:setup ARC:resuming MIGRATION:active MIGRATION:device ARC:stop ARC:running_p2p ARC:running DOWNTIME MIGRATION:completed RESULT"
	# the data is loaded between resuming and stop, the last progress says all
	ev_is "$EV.dst" 'map(.event == "PROGRESS") | index(true) > 2' true
	ev_is "$EV.dst" '[.[] | select(.event == "PROGRESS")] | last | .data | "\(.last) \(.transferred)"' "true 300000"
	ev_is "$EV.dst" '(map(.event == "PROGRESS") | rindex(true)) <
		(map(.event == "ARC" and .data.to == "stop") | index(true))' true
	assert_equal "$(jq -S -c . "$BATS_TEST_TMPDIR/recv.json")" "$(tail -n 1 "$EV.dst" | jq -S -c .data)"
	assert_equal "$(fstate $DEV) $(fstate $DST)" "stop running"
}

@test "fake-events: a failed migration: status failed on both sides, RESULT with the error object" {
	fake_pci_device "$ROOT" $DEV 21 cdev=6 size=300000 precopy=100000 dirty=20000
	receive_bg
	VFIOMIG_FAKE_FAIL='PRE_COPY_P2P>STOP_COPY:EIO' fvm migrate $DEV --to "$UNIX" \
		--psk-file "$PSK" --events "$EV"
	assert_failure $EX_STATE
	receive_status
	assert_equal "$RECV_STATUS" $EX_PEER
	assert_lines_parse "$EV"
	assert_lines_parse "$EV.dst"
	ev_is "$EV" '[.[] | select(.event == "ARC" and .data.ok == false)] | .[0].data | "\(.from) \(.to) \(.errno)"' \
		"pre_copy_p2p stop_copy EIO"
	# no downtime was had: the source runs again
	ev_is "$EV" 'map(.event) | index("DOWNTIME")' null
	assert_equal "$(sequence "$EV" | tail -n 3 | paste -sd' ')" "ARC:running MIGRATION:failed RESULT"
	ev_is "$EV" 'last | .data | "\(.ok) \(.committed) \(.error.errno) \(.error.exit_code)"' "false false EIO 2"
	assert_equal "$(sequence "$EV.dst" | tail -n 2 | paste -sd' ')" "MIGRATION:failed RESULT"
	ev_is "$EV.dst" 'last | .data | "\(.ok) \(.error.exit_code)"' "false $EX_PEER"
	assert_equal "$(fstate $DEV) $(fstate $DST)" "running running"
}

@test "fake-events: progress comes at most every 0.2 s, and always a last one" {
	not_under_valgrind
	fake_pci_device "$ROOT" $DEV 21 cdev=6 size=3000000
	fake_pci_device "$ROOT" $DST 22 cdev=7 size=3000000 rate=2000000
	fvm save --raw $DEV -o "$OUT"
	assert_success
	# From a pipe: reads of 64 KiB, dozens a second at this rate, far more
	# than the events may say.
	run --separate-stderr bash -c 'cat "$1" | env LD_PRELOAD="$2" "$3" \
		restore --raw "$4" --events "$5"' _ "$OUT" "$PRELOAD" "$VFIOMIG" $DST "$EV"
	assert_success
	jq -c 'select(.event == "PROGRESS")' "$EV" >"$EV.p"
	# 1.5 s of transfer: several in between, then exactly one last
	ev_is "$EV.p" 'length >= 5 and length <= 10' true
	ev_is "$EV.p" '[.[].data.last] | (last == true) and (map(select(.)) | length == 1)' true
	# a raw stream has no total
	ev_is "$EV.p" 'last | .data | "\(.transferred) \(.total) \(.percent) \(.remaining)"' "3000000 null null null"
	# between two periodic ones, 0.2 s at least (the clocks may differ by a little)
	ev_is "$EV.p" '[.[] | select(.data.last | not) | .data.usecs] |
		[range(1; length) as $i | .[$i] - .[$i - 1]] | all(. >= 199000)' true
	ev_is "$EV.p" '[.[].data.transferred] | . == sort' true
}

@test "fake-events: a reader that goes away early stops the events, not the save" {
	fake_pci_device "$ROOT" $DEV 21 cdev=6 size=2000000 rate=2000000
	mkfifo "$EV.fifo"
	head -n 1 "$EV.fifo" >"$EV.first" &
	local reader=$!
	fvm save $DEV -o "$OUT" --events 9 9>"$EV.fifo"
	wait "$reader"
	assert_success
	assert_one_error "^vfiomig: warning: --events 9: writing: EPIPE \(Broken pipe\); no more events$"
	jq -e '.event == "MIGRATION" and .data.status == "setup"' "$EV.first"
	assert_equal "$(fstate $DEV)" stop
	fvm -j inspect "$OUT"
	jq_is .valid true
}

@test "fake-events: a bad descriptor is a usage error, a directory 73, with one line, and nothing is touched" {
	fvm save $DEV -o "$OUT" --events 9
	assert_failure $EX_USAGE
	assert_one_error "^vfiomig: save --events 9: not an open file descriptor: EBADF \(Bad file descriptor\)$"
	local fd
	for fd in 0 1 2; do
		fvm restore $DST -i "$OUT" --events $fd
		assert_failure $EX_USAGE
		assert_one_error "^vfiomig: restore --events $fd: descriptors 0, 1 and 2 are taken; give another one, or a FILE$"
	done
	run --separate-stderr env LD_PRELOAD="$PRELOAD" "$VFIOMIG" migrate $DEV --to "$UNIX" \
		--psk-file "$PSK" --events 8 8</dev/null
	assert_failure $EX_USAGE
	assert_one_error "^vfiomig: migrate --events 8: not open for writing: EBADF \(Bad file descriptor\)$"
	# a directory is an output that cannot be created, as for -o
	fvm -j receive $DST --listen "$UNIX" --psk-file "$PSK" --events "$BATS_TEST_TMPDIR"
	assert_failure $EX_CANTCREAT
	assert_one_error "^vfiomig: receive --events $BATS_TEST_TMPDIR: creating: EISDIR \(Is a directory\)$"
	jq_is .error.exit_code $EX_CANTCREAT
	assert_equal "$(fstate $DEV) $(fstate $DST)" "running running"
}

@test "fake-events: --events is in each command's help, the man page and both completions" {
	local cmd
	source "$TOP/completions/vfiomig.bash"
	for cmd in save restore migrate receive; do
		run "$VFIOMIG" $cmd --help
		assert_success
		assert_output --regexp "--events=FD\|FILE +Write events as JSON lines"
		COMP_WORDS=(vfiomig $cmd --ev)
		COMP_CWORD=2
		_vfiomig
		assert_equal "${COMPREPLY[*]}" "--events="
		grep -q "^\.B vfiomig $cmd\$" "$TOP/man/vfiomig.8"
		sed -n "/^\.B vfiomig $cmd\$/{n;p}" "$TOP/man/vfiomig.8" | grep -qF '\-\-events'
	done
	assert_equal "$(grep -c "'--events=\[" "$TOP/completions/_vfiomig")" 4
	# the schema: every event named under EVENTS
	for cmd in MIGRATION ARC PROGRESS MIGRATION_PASS SWITCHOVER DOWNTIME RESULT; do
		sed -n '/^\.SS EVENTS/,/^\.SH/p' "$TOP/man/vfiomig.8" | grep -qx "\.B $cmd"
	done
}
