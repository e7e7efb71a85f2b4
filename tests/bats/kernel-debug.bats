#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig check's kernel rules on mtty in the debug kernel's VM (make
# test-vm-debug: KASAN, UBSAN, lockdep, DEBUG_ATOMIC_SLEEP, fault
# injection): kernel.faults fails each of the kernel's allocations in
# turn and finds every failure clean, kernel.log.clean stays clean, and
# real reports the kernel makes meanwhile (lkdtm's WARN, KASAN and UBSAN)
# fail kernel.log.clean, quoted. The reports go to the test log.

load helpers
load kernel

setup() {
	kernel_setup DEV
	[ -e /proc/thread-self/fail-nth ] ||
		skip "needs the debug kernel: run 'make test-vm-debug'"
}

teardown() {
	kernel_teardown
}

# Every fault-injection attribute and its value, to compare before and after.
fault_attrs() {
	grep -r . /sys/kernel/debug/failslab /sys/kernel/debug/fail_page_alloc
}

# other_fails [STATUS]: the rules that failed in check's JSON report in
# $output, but for the write race of 6.12's mtty_resume_write() that
# data.concurrent may show (kernel-check.bats has it in detail); check
# must have exited (STATUS, else $status) 0, or 1 for a failure.
other_fails() {
	local st=${1:-$status}
	[ "$st" -le 1 ] || { echo "check exited $st" >&2; return 1; }
	jq -r '[.checks[] | select(.result == "fail" and .rule != "data.concurrent") | .rule] |
		join(",")' <<<"$output"
}

@test "kernel debug: the kernel has KASAN, lockdep, fault injection and lkdtm" {
	run dmesg
	assert_line --partial 'KernelAddressSanitizer initialized'
	run grep -x ' *debug_locks: *1' /proc/lockdep_stats
	assert_success
	[ -w /sys/kernel/debug/failslab/ignore-gfp-wait ]
	[ -w /sys/kernel/debug/fail_page_alloc/min-order ]
	[ -w /sys/kernel/debug/provoke-crash/DIRECT ]
}

@test "kernel debug: check --inject-faults on mtty over the cdev: every allocation fails cleanly" {
	before=$(fault_attrs)
	vm --open=cdev -j check --rounds 1 --inject-faults "$DEV"
	jq -r '.checks[] | "# \(.result) \(.rule) \(.detail)"' <<<"$output" >&3
	assert_equal "$(other_fails)" ""
	jq_is '.checks[] | select(.rule == "kernel.log.clean") | .result' pass
	jq_is '.checks[] | select(.rule == "kernel.faults") | .result' pass
	# each of the 4 arcs that open a session allocates at least its
	# migration file, the anon inode's dentry and its struct file
	detail=$(jq -r '.checks[] | select(.rule == "kernel.faults") | .detail' <<<"$output")
	[[ $detail =~ ^[0-9]+\ allocations\ failed\ one\ by\ one:\ SET\ ([0-9]+)\ \(([0-9]+)\ arcs\) ]] ||
		{ echo "$detail" >&2; return 1; }
	[ "${BASH_REMATCH[1]}" -ge 12 ] && [ "${BASH_REMATCH[2]}" -ge 4 ]
	[[ $detail == *'a reset recovered each, log clean' ]]
	assert_equal "$(fault_attrs)" "$before"
	assert_equal "$(cat /proc/thread-self/fail-nth)" 0
	assert_equal "$(kstate "$DEV")" running
}

@test "kernel debug: check --inject-faults on mtty over the group, in text" {
	vm --open=group check --rounds 1 --inject-faults "$DEV"
	[ "$status" -le 1 ]
	assert_equal "$(grep -E '^fail ' <<<"$output" | grep -vE '^fail +data\.concurrent ')" ""
	assert_line --regexp '^pass +kernel\.faults +[0-9]+ allocations failed one by one: '
	assert_line --regexp '^pass +kernel\.log\.clean '
	assert_equal "$(kstate "$DEV")" running
}

# The device has left running: check is under way, past opening the log.
moved() {
	[ "$(kstate "$DEV")" != running ]
}

# Run a long check in the background; once it has moved the device (the
# kernel's debugfs says so), have lkdtm make report KIND; then collect it.
report_during_check() {
	"$VFIOMIG" -j check --rounds 100 "$DEV" >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" &
	CLIENT_PID=$!	# kernel_teardown ends it if the test fails first
	wait_for moved
	echo "$1" >/sys/kernel/debug/provoke-crash/DIRECT || true
	rc=0
	wait $CLIENT_PID || rc=$?
	output=$(cat "$BATS_TEST_TMPDIR/out")
	printf '# %s\n' "$(jq -r '.checks[] | select(.rule == "kernel.log.clean") | .detail' <<<"$output")" >&3
}

@test "kernel debug: a kernel WARN while check runs fails kernel.log.clean, quoted" {
	report_during_check WARNING
	assert_equal "$rc" "$EX_FAIL"
	assert_equal "$(other_fails "$rc")" kernel.log.clean
	jq_is '.checks[] | select(.rule == "kernel.log.clean") | .detail | test("the kernel logged: WARNING: CPU: [0-9]+ PID: [0-9]+ at drivers/misc/lkdtm/bugs.c:[0-9]+ lkdtm_WARNING")' true
	assert_equal "$(kstate "$DEV")" running
}

@test "kernel debug: a KASAN report while check runs fails kernel.log.clean, quoted" {
	report_during_check WRITE_AFTER_FREE
	assert_equal "$rc" "$EX_FAIL"
	assert_equal "$(other_fails "$rc")" kernel.log.clean
	jq_is '.checks[] | select(.rule == "kernel.log.clean") | .detail | test("the kernel logged: BUG: KASAN: slab-use-after-free in lkdtm_WRITE_AFTER_FREE")' true
}

@test "kernel debug: a UBSAN report while check runs fails kernel.log.clean, quoted" {
	report_during_check ARRAY_BOUNDS
	assert_equal "$rc" "$EX_FAIL"
	assert_equal "$(other_fails "$rc")" kernel.log.clean
	jq_is '.checks[] | select(.rule == "kernel.log.clean") | .detail | test("the kernel logged: UBSAN: array-index-out-of-bounds in drivers/misc/lkdtm/bugs.c")' true
}

@test "kernel debug: once lockdep has turned itself off, kernel.log.clean says it cannot vouch for it" {
	# a KASAN report taints the kernel, and a tainted kernel's lockdep stops
	if grep -qx ' *debug_locks: *1' /proc/lockdep_stats; then
		echo WRITE_AFTER_FREE >/sys/kernel/debug/provoke-crash/DIRECT
	fi
	run grep -x ' *debug_locks: *0' /proc/lockdep_stats
	assert_success
	vm check --rounds 1 "$DEV"
	[ "$status" -le 1 ]
	assert_line --regexp '^info +kernel\.log\.clean +[0-9]+ kernel messages, none a bug report; but lockdep had already reported before check \(debug_locks 0\)$'
}
