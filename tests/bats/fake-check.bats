#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig check against the fake device: a conforming driver passes
# every rule, a driver that breaks a rule (VFIOMIG_FAKE_BUG) is reported
# with exactly that rule failed, the CI formats parse, and the soak
# walks, replays and stops.
#
# The rule -> bug -> test table is check-rules.tsv; each row has its own
# test below or, for the bugs that shipped, in fake-corpus.bats, and a
# test checks that every rule check can fail has a row.

load helpers
load check

setup() {
	fake_setup
	# STOP_COPY only: its arcs are direct, so a bug on one stays on it
	P1=0000:3b:00.6
	fake_pci_device "$ROOT" $P1 19 cdev=5 flags=1
}

# A test that failed before its background command ended leaves none
# running.
teardown() {
	end_jobs
}

# more_lines_than N FILE: FILE exists and has more than N lines.
more_lines_than() {
	[ -e "$2" ] && [ "$(wc -l <"$2")" -gt "$1" ]
}

@test "fake check: a conforming driver passes every rule" {
	fvm check --rounds 2 $PCI
	assert_success
	assert_line --regexp '^pass +fsm\.arc\.legal +40 arcs over 2 rounds'
	assert_line --regexp '^pass +data\.resume\.hostile +4192 bytes refused \(ENOMEM\)'
	assert_line --regexp '^info +data\.fidelity +restore then save: the same 96 bytes$'
	assert_line --regexp '^info +data\.save\.poll +poll\(\) at the end of stop_copy: readable$'
	assert_line --regexp '^pass +fsm\.arc\.blocked +stop_copy -> pre_copy and pre_copy_p2p refused with EINVAL at once'
	assert_line --regexp '^not checkable from userspace .*: fsm\.arc\.failure '
	# nothing blocks a read of this driver, and its state is small
	assert_line --regexp '^skip +data\.session\.wake +no read\(\) blocked'
	assert_line --regexp '^skip +data\.large +a state of 96 bytes: not above 256 MiB'
	assert_line '28 passed, 0 failed, 3 skipped, 2 informative; 7 rules not checkable'
	assert_line --regexp '^ +on close +keeps_state$'
	assert_line --regexp '^ +pre-copy end +eof$'
	refute_line --regexp '^fail '
	assert_equal "$(fstate $PCI)" running
}

@test "fake check: the driver's own choices are reported, not failed" {
	fvm -j check --rounds 1 $RESETTER
	assert_success
	jq_is .driver_choices.on_close null
	jq_is .driver_choices.on_close_note "runs after a reopen: a reset on close or on open, not told apart from userspace"
	fake_pci_device "$ROOT" 0000:3b:01.0 30 cdev=8 precopy_end=enomsg
	fvm -j check --rounds 1 0000:3b:01.0
	assert_success
	jq_is .driver_choices.precopy_end ENOMSG
}

@test "fake check: every rule check can fail has a row in the bug table" {
	fvm -j check --rounds 1 $PCI
	assert_success
	for rule in $(jq -r '.checks[] | select(.result == "pass") | .rule' <<<"$output"); do
		awk -F'\t' -v r="$rule" '$1 == r { f = 1 } END { exit !f }' "$RULES_TSV" ||
			{ echo "rule $rule has no bug in check-rules.tsv" >&2; return 1; }
	done
	# and every rule of the table and of check is in the man page
	for rule in $(jq -r '.checks[].rule, .not_checkable[].rule' <<<"$output"); do
		grep -qxF ".B $rule" "$TOP/man/vfiomig.8" ||
			{ echo "rule $rule is not in vfiomig(8)" >&2; return 1; }
	done
	jq_is '[.checks[], .not_checkable[]] | length' \
		"$(grep -c '^\.TP' <(sed -n '/^\.SH CHECK RULES/,/^\.SH NETWORK/p' "$TOP/man/vfiomig.8"))"
}

@test "fake check: mig.flags fails on mig_flags=0xf" {
	rule_bug mig.flags mig_flags=0xf
}

@test "fake check: fsm.arc.legal fails on wrong_state" {
	rule_bug fsm.arc.legal 'wrong_state=RUNNING_P2P>STOP'
}

@test "fake check: fsm.arc.data-fd fails on no_fd; the data checks skip" {
	rule_bug fsm.arc.data-fd 'no_fd=STOP>STOP_COPY'
	jq_is '.checks[] | select(.rule == "data.save.read-size") | .result' skip
}

@test "fake check: fsm.arc.data-fd fails on extra_fd" {
	rule_bug fsm.arc.data-fd 'extra_fd=STOP>RUNNING'
}

@test "fake check: fsm.arc.refused fails on illegal_errno" {
	rule_bug fsm.arc.refused illegal_errno=5
}

@test "fake check: fsm.reset.running fails on reset_keeps_state; the rest skip" {
	rule_bug fsm.reset.running reset_keeps_state
	jq_is '[.checks[] | select(.result == "skip")] | length' 31
	jq_is '[.checks[] | select(.result == "skip")][0].detail' "needs a reset that returns running"
}

@test "fake check: data.save.read-size fails on read_drops" {
	rule_bug data.save.read-size read_drops
}

@test "fake check: data.save.eof fails on stop_copy_enomsg" {
	rule_bug data.save.eof stop_copy_enomsg
}

@test "fake check: data.nonblock fails on nonblock_eio" {
	rule_bug data.nonblock nonblock_eio
}

@test "fake check: data.session.leave fails on session_outlives=leave" {
	rule_bug data.session.leave session_outlives=leave
}

@test "fake check: data.session.resume fails on session_outlives=resume" {
	rule_bug data.session.resume session_outlives=resume
}

@test "fake check: data.session.reset fails on session_outlives=reset" {
	rule_bug data.session.reset session_outlives=reset
}

@test "fake check: data.close-early fails on early_close" {
	rule_bug data.close-early early_close
}

@test "fake check: data.precopy.info fails on precopy_initial_stuck" {
	rule_bug data.precopy.info precopy_initial_stuck
}

@test "fake check: data.precopy.state fails on precopy_info_anywhere" {
	rule_bug data.precopy.state precopy_info_anywhere
}

@test "fake check: data.precopy.end fails on precopy_end_early" {
	rule_bug data.precopy.end precopy_end_early
}

@test "fake check: data.resume.chunking fails on write_drops" {
	rule_bug data.resume.chunking write_drops
}

@test "fake check: data.resume.truncated fails on accept_truncated" {
	rule_bug data.resume.truncated accept_truncated
}

@test "fake check: data.resume.hostile fails on accept_oversize" {
	rule_bug data.resume.hostile accept_oversize
}

@test "fake check: data.size fails on size_estimate" {
	rule_bug data.size size_estimate=100000
}

@test "fake check: data.get-concurrent fails on get_mid_read" {
	rule_bug data.get-concurrent get_mid_read
}

@test "fake check: dma.logging fails on log_stop_fails" {
	rule_bug dma.logging log_stop_fails
}

@test "fake check: kernel.log.clean fails on a WARN in an arc, naming the check that ran" {
	rule_bug kernel.log.clean 'splat=STOP>STOP_COPY'
}

@test "fake check: kernel.log.clean fails on sleeping in atomic context in reset" {
	rule_bug kernel.log.clean splat=reset
}

@test "fake check: kernel.faults fails when a failed allocation is not unwound" {
	rule_bug kernel.faults fault_no_unwind
}

# Append records to the fake's /dev/kmsg once check is past its first arc
# (so after it opened the log), while its 30 rounds still run.
log_during_check() {
	export VFIOMIG_FAKE_TRACE=$BATS_TEST_TMPDIR/trace
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -j check --rounds 30 $PCI \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for test -s "$VFIOMIG_FAKE_TRACE"
	for rec in "$@"; do
		fake_kmsg "$ROOT" "${rec%%;*}" "${rec#*;}"
	done
	rc=0
	wait $pid || rc=$?
	output=$(cat "$BATS_TEST_TMPDIR/out")
}

@test "fake check: kernel.log.clean quotes a kernel report made while it ran, escaped" {
	# the kernel's own escape of a byte it would not print, a raw ESC and
	# a line break that a fake kernel lets through
	log_during_check '6;vfio: an ordinary message' \
		$'3;BUG: KASAN: use-after-free in x\\x07 \e[31mred\e[0m'
	assert_equal "$rc" "$EX_FAIL"
	assert_json
	jq_is '[.checks[] | select(.result == "fail") | .rule] | join(",")' kernel.log.clean
	detail=$(jq -r '.checks[] | select(.rule == "kernel.log.clean") | .detail' <<<"$output")
	[[ $detail == *'the kernel logged: BUG: KASAN: use-after-free in x\\x07 \x1b[31mred\x1b[0m' ]] ||
		{ echo "detail: $detail" >&2; return 1; }
	[[ $detail != *$'\e'* ]]
	assert_equal "$(fstate $PCI)" running
}

@test "fake check: kernel.log.clean ignores what processes write to /dev/kmsg" {
	# facility 1 (LOG_USER): what a write() to /dev/kmsg gets by default
	log_during_check '12;WARNING: a process wrote this' '14;BUG: so did this'
	assert_equal "$rc" 0
	jq_is '.checks[] | select(.rule == "kernel.log.clean") | .result' pass
	jq_is '.checks[] | select(.rule == "kernel.log.clean") | .detail' \
		"0 kernel messages while the checks ran, none a bug report"
}

@test "fake check: kernel.log.clean counts the kernel's ordinary messages and passes" {
	log_during_check '6;mtty: an ordinary message' '4;vfio: a warning that is not a bug'
	assert_equal "$rc" 0
	jq_is '.checks[] | select(.rule == "kernel.log.clean") | .detail' \
		"2 kernel messages while the checks ran, none a bug report"
}

@test "fake check: kernel.log.clean judges nothing logged before check started" {
	fake_kmsg "$ROOT" 4 "WARNING: CPU: 0 PID: 1 at somewhere+0x0/0x10"
	fvm -j check --rounds 1 $PCI
	assert_success
	jq_is '.checks[] | select(.rule == "kernel.log.clean") | .result' pass
}

@test "fake check: kernel.log.clean is informative where /dev/kmsg cannot be read" {
	rm "$ROOT/dev/kmsg"
	fvm check --rounds 1 $PCI
	assert_success
	assert_line 'info  kernel.log.clean       not checkable: /dev/kmsg cannot be read, ENOENT: no such device here (a container without it?)'
}

# --- --inject-faults ----------------------------------------------------------

@test "fake check --inject-faults: each allocation failed once, clean errnos, debugfs put back" {
	fake_fault_injection "$ROOT"
	before=$(cd "$ROOT" && grep -r . sys/kernel/debug/failslab sys/kernel/debug/fail_page_alloc)
	fvm check --rounds 1 --inject-faults $PCI
	assert_success
	# 3 allocations in each of the 4 arcs that open a session, 1 in
	# DMA_LOGGING_START and REPORT; mtty's reads and writes have none
	assert_line 'pass  kernel.faults          14 allocations failed one by one: SET 12 (4 arcs), DMA logging 2, reads 0, writes 0; ENOMEM 14, 0 absorbed; a reset recovered each, log clean'
	assert_line --regexp '^pass +kernel\.log\.clean '
	assert_line '29 passed, 0 failed, 2 skipped, 2 informative; 7 rules not checkable'
	assert_equal "$(cd "$ROOT" && grep -r . sys/kernel/debug/failslab sys/kernel/debug/fail_page_alloc)" "$before"
	assert_equal "$(cat "$ROOT/proc/thread-self/fail-nth")" 0
	assert_equal "$(fstate $PCI)" running
}

@test "fake check --inject-faults: mlx5's resuming write allocates, and fails cleanly" {
	fake_fault_injection "$ROOT"
	fake_pci_device "$ROOT" 0000:3b:02.0 40 cdev=9 personality=mlx5
	fvm -j check --rounds 1 --inject-faults 0000:3b:02.0
	assert_success
	jq_is '.checks[] | select(.rule == "kernel.faults") | .detail | contains("reads 0, writes 1; ENOMEM 15")' true
}

@test "fake check --inject-faults: a failed allocation that corrupts memory fails both kernel rules" {
	fake_fault_injection "$ROOT"
	VFIOMIG_FAKE_BUG=fault_splat fvm -j check --rounds 1 --inject-faults $PCI
	assert_failure $EX_FAIL
	jq_is '[.checks[] | select(.result == "fail") | .rule] | join(",")' kernel.log.clean,kernel.faults
	jq_is '.checks[] | select(.rule == "kernel.faults") | .detail' \
		"allocation 1 of SET stop -> stop_copy failed (ENOMEM), and the kernel logged: BUG: KASAN: slab-use-after-free in mtty_save_device_data+0x9c/0x2b0"
	jq_is '.checks[] | select(.rule == "kernel.log.clean") | .detail' \
		"during kernel.faults the kernel logged: BUG: KASAN: slab-use-after-free in mtty_save_device_data+0x9c/0x2b0"
	assert_equal "$(cat "$ROOT/sys/kernel/debug/failslab/ignore-gfp-wait")" Y
	assert_equal "$(fstate $PCI)" running
}

@test "fake check --inject-faults: skipped, saying why, where the kernel cannot inject" {
	fvm check --rounds 1 --inject-faults $PCI
	assert_success
	assert_line 'skip  kernel.faults          not checkable: /proc/thread-self/fail-nth: ENOENT (a kernel without CONFIG_FAULT_INJECTION)'
	fake_fault_injection "$ROOT"
	rm -r "$ROOT/sys/kernel/debug/fail_page_alloc"
	fvm check --rounds 1 --inject-faults $PCI
	assert_success
	assert_line --regexp '^skip +kernel\.faults +not checkable: /sys/kernel/debug/fail_page_alloc/probability: ENOENT \(a kernel without CONFIG_FAILSLAB'
	assert_equal "$(cat "$ROOT/sys/kernel/debug/failslab/ignore-gfp-wait")" Y
}

@test "fake check --inject-faults: refused while another fault injection runs, nothing changed" {
	fake_fault_injection "$ROOT"
	echo 5 >"$ROOT/sys/kernel/debug/failslab/probability"
	before=$(cd "$ROOT" && grep -r . sys/kernel/debug/failslab sys/kernel/debug/fail_page_alloc)
	fvm check --rounds 1 --inject-faults $PCI
	assert_success
	assert_line 'skip  kernel.faults          not checkable: /sys/kernel/debug/failslab/probability is 5: another fault injection is under way'
	assert_equal "$(cd "$ROOT" && grep -r . sys/kernel/debug/failslab sys/kernel/debug/fail_page_alloc)" "$before"
}

@test "fake check: kernel.faults is skipped unless asked for, and --inject-faults is not for the soak" {
	fake_fault_injection "$ROOT"
	fvm check --rounds 1 $PCI
	assert_success
	assert_line 'skip  kernel.faults          not asked for (--inject-faults)'
	fvm check --soak 10 --inject-faults $PCI
	assert_failure $EX_USAGE
}

@test "fake check: a device without pre_copy skips the pre-copy rules" {
	fake_pci_device "$ROOT" 0000:3b:00.5 18 cdev=4 flags=3
	fvm -j check --rounds 1 0000:3b:00.5
	assert_success
	jq_is '[.checks[] | select(.rule | startswith("data.precopy")) | .result] | unique | join(",")' skip
	jq_is '.checks[] | select(.rule == "fsm.arc.legal") | .detail | startswith("20 arcs")' true
}

@test "fake check: a device without DMA logging skips dma.logging" {
	fake_pci_device "$ROOT" 0000:3b:00.7 20 cdev=6 logging=0
	fvm -j check --rounds 1 0000:3b:00.7
	assert_success
	jq_is '.checks[] | select(.rule == "dma.logging") | .result' skip
}

@test "fake check: --format json is -j" {
	fvm -j check --format json --rounds 1 $PCI
	assert_success
	assert_json
	fvm check --format json --rounds 1 $PCI
	assert_success
	assert_json
	jq_is '.checks | length' 33
	jq_is '.not_checkable | length' 7
	jq_is '[.checks[] | select(.rule == "fsm.arc.legal")][0].result' pass
}

@test "fake check: --format tap passes a TAP parser, and fails it on a bug" {
	requires_cmd prove
	fvm check --format tap --rounds 1 $PCI
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/ok.tap"
	assert_line --index 0 'TAP version 13'
	assert_line --regexp '^ok [0-9]+ - fsm\.arc\.failure: .* # SKIP not checkable from userspace$'
	run prove -v --exec cat "$BATS_TEST_TMPDIR/ok.tap"
	assert_success
	assert_line --regexp '^Result: PASS$'
	VFIOMIG_FAKE_BUG=accept_truncated fvm check --format tap --rounds 1 $PCI
	assert_failure $EX_FAIL
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/bad.tap"
	n=$(grep -n 'data\.resume\.truncated' "$BATS_TEST_TMPDIR/bad.tap" | sed 's/ - .*//; s/.* //')
	run prove -v --exec cat "$BATS_TEST_TMPDIR/bad.tap"
	assert_failure
	assert_line --regexp "^ +Failed test: +$n\$"
	assert_line --regexp '^Result: FAIL$'
}

@test "fake check: --format junit is well-formed XML with one testcase per rule" {
	requires_cmd xmllint
	VFIOMIG_FAKE_BUG=accept_oversize fvm check --format junit --rounds 1 $PCI
	assert_failure $EX_FAIL
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/r.xml"
	run xmllint --noout "$BATS_TEST_TMPDIR/r.xml"
	assert_success
	run python3 - "$BATS_TEST_TMPDIR/r.xml" <<-'EOF'
		import sys, xml.etree.ElementTree as ET
		s = ET.parse(sys.argv[1]).getroot().find("testsuite")
		cases = s.findall("testcase")
		failed = [c.get("name") for c in cases if c.find("failure") is not None]
		skipped = [c for c in cases if c.find("skipped") is not None]
		print(len(cases), s.get("tests"), s.get("failures"), ",".join(failed),
		      len(skipped), s.get("skipped"))
	EOF
	assert_success
	# data.concurrent skips: the driver takes too much from one thread
	assert_output "40 40 1 data.resume.hostile 11 11"
}

@test "fake check: bad options are usage errors" {
	fvm check --rounds 0 $PCI
	assert_failure $EX_USAGE
	fvm check --rounds 101 $PCI
	assert_failure $EX_USAGE
	fvm check --format xml $PCI
	assert_failure $EX_USAGE
	fvm -j check --format tap $PCI
	assert_failure $EX_USAGE
	fvm check --format text -j $PCI
	assert_failure $EX_USAGE
	fvm check --seed 3 $PCI
	assert_failure $EX_USAGE
	fvm check --soak -1 $PCI
	assert_failure $EX_USAGE
	fvm check --duration soon $PCI
	assert_failure $EX_USAGE
	assert_equal "$(fstate $PCI)" running
}

@test "fake check: SIGINT stops the checks and leaves the device running" {
	not_under_valgrind
	export VFIOMIG_FAKE_TRACE=$BATS_TEST_TMPDIR/trace
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" check --rounds 100 $PCI >/dev/null \
		2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	# wait for the walk to be under way (arcs in the trace), then stop it
	wait_for -t 10 more_lines_than 20 "$VFIOMIG_FAKE_TRACE"
	kill -INT $pid
	rc=0
	wait $pid || rc=$?
	assert_equal "$rc" 8
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "vfiomig: check $PCI: interrupted by INT; device running again"
	assert_equal "$(fstate $PCI)" running
}

# --- the soak ---------------------------------------------------------------

@test "fake check --soak: a random walk passes, with per-arc percentiles" {
	fvm check --soak 300 --seed 42 $PCI
	assert_success
	assert_line --regexp '^seed +42$'
	assert_line --regexp '^steps +300$'
	assert_line --regexp '^result +pass$'
	assert_line --regexp '^from +to +count +p50 us +p99 us +max us$'
	assert_equal "$(fstate $PCI)" running
	fvm -j check --soak 300 --seed 42 $PCI
	assert_success
	jq_is .steps 300
	jq_is .result pass
	jq_is '[.arc_latencies[] | select(.p50_usecs > .p99_usecs or .p99_usecs > .max_usecs)] | length' 0
	jq_is '.arc_latencies | length > 20' true
	jq_is '.resets > 0 and .reads > 0 and .restores > 0 and .aborts > 0' true
	# the same seed is the same walk
	first=$(jq -c '[.resets, .reads, .restores, .aborts, .bytes_read, [.arc_latencies[].count]]' <<<"$output")
	fvm -j check --soak 300 --seed 42 $PCI
	assert_equal "$(jq -c '[.resets, .reads, .restores, .aborts, .bytes_read, [.arc_latencies[].count]]' <<<"$output")" "$first"
}

@test "fake check --soak: a driver bug stops the walk at its step, replayable" {
	VFIOMIG_FAKE_BUG=session_outlives=leave fvm -j check --soak 1000 --seed 7 $PCI
	assert_failure $EX_FAIL
	jq_is .result fail
	jq_is '.failure | contains("the old data fd still gives data")' true
	step=$(jq -r .failed_step <<<"$output")
	assert_one_error "^vfiomig: check $PCI: soak step $step: after .* the old data fd still gives data; replay with --seed 7$"
	assert_equal "$(fstate $PCI)" running
	VFIOMIG_FAKE_BUG=session_outlives=leave fvm -j check --soak 1000 --seed 7 $PCI
	assert_failure $EX_FAIL
	jq_is .failed_step "$step"
}

@test "fake check --duration: the soak ends on time" {
	fvm -j check --duration 1 $PCI
	assert_success
	jq_is '.usecs >= 1000000 and .usecs < 3000000' true
	jq_is '.steps > 0' true
	jq_is '.seed > 0' true
}

@test "fake check --soak: TAP and JUnit" {
	requires_cmd prove
	fvm check --soak 50 --seed 1 --format tap $PCI
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/s.tap"
	run prove --exec cat "$BATS_TEST_TMPDIR/s.tap"
	assert_success
	VFIOMIG_FAKE_BUG=accept_truncated,session_outlives=reset \
		fvm check --soak 1000 --seed 1 --format junit $PCI
	assert_failure $EX_FAIL
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/s.xml"
	run xmllint --xpath 'count(//testcase[@name="soak"]/failure)' "$BATS_TEST_TMPDIR/s.xml"
	assert_output 1
}

@test "fake check --soak: SIGINT ends it within a second, exit 8, device running" {
	not_under_valgrind
	export VFIOMIG_FAKE_TRACE=$BATS_TEST_TMPDIR/trace
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" check --soak 0 --duration 600 $PCI \
		>/dev/null 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for -t 10 more_lines_than 50 "$VFIOMIG_FAKE_TRACE"
	t0=$(date +%s%N)
	kill -INT $pid
	rc=0
	wait $pid || rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	assert_equal "$rc" 8
	[ "$ms" -lt 1000 ] || { echo "took $ms ms" >&2; return 1; }
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "vfiomig: check $PCI: interrupted by INT; device running again"
	assert_equal "$(fstate $PCI)" running
}

@test "fake check: through a holder, the rules a holder cannot serve skip" {
	export VFIOMIG_RUNDIR=$BATS_TEST_TMPDIR/run
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" hold $PCI >/dev/null 2>"$BATS_TEST_TMPDIR/hold.err" &
	HOLDER_PID=$!
	wait_for test -S "$VFIOMIG_RUNDIR/$PCI.sock"
	fvm -j check --rounds 1 $PCI
	kill $HOLDER_PID
	wait $HOLDER_PID || true
	assert_success
	jq_is .failed 0
	jq_is '[.checks[] | select(.result == "skip") | .rule] | join(",")' \
		feature.unknown,data.session.wake,data.large,data.get-concurrent,data.concurrent,dma.logging,dma.logging.edges,kernel.faults
	jq_is '.driver_choices.on_close' null
	jq_is '.driver_choices.on_close_note' "held by vfiomig hold: never closed"
}

@test "fake check --inject-faults: through a holder, kernel.faults skips" {
	fake_fault_injection "$ROOT"
	export VFIOMIG_RUNDIR=$BATS_TEST_TMPDIR/run
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" hold $PCI >/dev/null 2>"$BATS_TEST_TMPDIR/hold.err" &
	HOLDER_PID=$!
	wait_for test -S "$VFIOMIG_RUNDIR/$PCI.sock"
	fvm -j check --rounds 1 --inject-faults $PCI
	kill $HOLDER_PID
	wait $HOLDER_PID || true
	assert_success
	jq_is '.checks[] | select(.rule == "kernel.faults") | .detail' \
		"held by vfiomig hold: the kernel's allocations are the holder's"
}
