#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig check against the fake device: a conforming driver passes, and
# a driver that breaks the protocol in each way the checks look for is
# reported with exactly that failure.

load helpers

setup() {
	fake_setup
}

# check_bug BUG CHECK DETAIL: with the driver bug, CHECK fails with
# DETAIL, check exits 1, and the device is running again.
check_bug() {
	VFIOMIG_FAKE_BUG=$1 fvm -j check --rounds 1 $PCI
	assert_failure $EX_FAIL
	jq_is "[.checks[] | select(.result == \"fail\")][0].name" "$2"
	jq_is "[.checks[] | select(.name == \"$2\")][0].detail | contains(\"$3\")" true
	assert_equal "$(fstate $PCI)" running
}

@test "fake check: a conforming driver passes every check" {
	fvm check --rounds 2 $PCI
	assert_success
	assert_line --regexp '^pass +arcs +40 arcs over 2 rounds'
	assert_line '7 passed, 0 failed, 0 skipped'
	assert_line --regexp '^ +on close +keeps its state$'
	assert_line --regexp '^ +pre-copy end +eof$'
	assert_equal "$(fstate $PCI)" running
}

@test "fake check: the driver's own choices are reported, not failed" {
	fvm -j check --rounds 1 $RESETTER
	assert_success
	jq_is .driver_choices.on_close "returns to running"
	fake_pci_device "$ROOT" 0000:3b:01.0 30 cdev=8 precopy_end=enomsg
	fvm -j check --rounds 1 0000:3b:01.0
	assert_success
	jq_is .driver_choices.precopy_end ENOMSG
}

@test "fake check: a wrong state after an arc" {
	check_bug 'wrong_state=RUNNING_P2P>STOP' arcs "succeeded but the device reports running_p2p"
}

@test "fake check: a data session on an arc that opens none" {
	check_bug 'extra_fd=STOP_COPY>STOP' arcs "stop_copy -> stop opened a data session"
}

@test "fake check: no data session where one must open" {
	check_bug 'no_fd=STOP>STOP_COPY' arcs "stop -> stop_copy did not open a data session"
}

@test "fake check: precopy info outside pre_copy" {
	check_bug precopy_info_anywhere precopy "precopy info in stop_copy answered success, not EINVAL"
}

@test "fake check: a size estimate far off" {
	check_bug size_estimate=100000 size-estimate "estimate 100000 bytes, saved 96"
}

@test "fake check: a truncated state accepted" {
	check_bug accept_truncated truncated "48 of 96 bytes accepted at resuming -> stop"
}

@test "fake check: a reset that does not return running" {
	check_bug reset_keeps_state reset "reset from running_p2p did not give running"
	jq_is '[.checks[] | select(.result == "skip")] | length' 5
	jq_is .failed 1
}

@test "fake check: a device without pre_copy skips the pre-copy check" {
	fake_pci_device "$ROOT" 0000:3b:00.5 18 cdev=4 flags=3
	fvm -j check --rounds 1 0000:3b:00.5
	assert_success
	jq_is '.checks[] | select(.name == "precopy") | .result' skip
	jq_is '.checks[] | select(.name == "arcs") | .detail | startswith("20 arcs")' true
}

@test "fake check: --rounds is validated" {
	fvm check --rounds 0 $PCI
	assert_failure $EX_USAGE
	fvm check --rounds 101 $PCI
	assert_failure $EX_USAGE
}

@test "fake check: SIGINT stops the checks and leaves the device running" {
	not_under_valgrind
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" check --rounds 100 $PCI >/dev/null \
		2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 1
	kill -INT $pid
	rc=0
	wait $pid || rc=$?
	assert_equal "$rc" 8
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "vfiomig: check $PCI: interrupted by INT; device running again"
	assert_equal "$(fstate $PCI)" running
}
