#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig check on the kernel's mtty sample driver in the test VM (make
# test-vm): every rule over both open paths and in every report format,
# and a short soak; the kernel's debugfs state is the independent witness
# that the device is left running. The reports go to the test log.

load helpers
load kernel

setup() {
	kernel_setup DEV
}

teardown() {
	kernel_teardown
}

# The rules mtty must pass (all but the informative and the skipped).
assert_mtty_rules() {
	local rule
	for rule in mig.flags fsm.arc.legal fsm.arc.data-fd fsm.arc.refused \
		fsm.reset.running data.save.read-size data.save.eof data.nonblock \
		data.session.leave data.session.resume data.session.reset \
		data.close-early data.precopy.info data.precopy.state \
		data.precopy.end data.resume.chunking data.resume.truncated \
		data.resume.hostile data.size data.get-concurrent dma.logging; do
		assert_line --regexp "^pass +${rule//./\\.} "
	done
}

@test "kernel check: every rule on mtty over the cdev, in text, TAP and JUnit" {
	vm --open=cdev check --rounds 3 "$DEV"
	assert_success
	printf '%s\n' "$output" >&3
	assert_mtty_rules
	assert_line --regexp '^pass +fsm\.arc\.legal +40 arcs over 3 rounds'
	assert_line --regexp '^pass +data\.precopy\.end +24 bytes to the temporary end \(eof\), initial_bytes 24$'
	assert_line --regexp '^pass +data\.size +estimate 96 bytes, 3 saves gave 96 to 96'
	assert_line --regexp '^pass +data\.resume\.hostile +4192 bytes refused \(ENOMEM\)'
	assert_line --regexp '^ +on close +keeps its state$'
	assert_line '21 passed, 0 failed, 0 skipped, 2 informative; 8 rules not checkable'
	assert_equal "$(kstate "$DEV")" running

	vm --open=cdev check --format tap --rounds 1 "$DEV"
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/k.tap"
	run prove --exec cat "$BATS_TEST_TMPDIR/k.tap"
	assert_success
	assert_equal "$(kstate "$DEV")" running

	vm --open=cdev check --format junit --rounds 1 "$DEV"
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/k.xml"
	run xmllint --xpath 'count(//testcase)' "$BATS_TEST_TMPDIR/k.xml"
	assert_output 31
	run xmllint --xpath 'count(//failure)' "$BATS_TEST_TMPDIR/k.xml"
	assert_output 0
	assert_equal "$(kstate "$DEV")" running
}

@test "kernel check: every rule on mtty over the group, in text and JSON" {
	vm --open=group check --rounds 1 "$DEV"
	assert_success
	assert_mtty_rules
	assert_equal "$(kstate "$DEV")" running
	vm --open=group -j check --rounds 1 "$DEV"
	assert_success
	assert_json
	jq_is .failed 0
	jq_is .passed 21
	jq_is '[.arcs[] | select(.from == "stop" and .to == "stop_copy")][0].data_session' true
	assert_equal "$(kstate "$DEV")" running
}

@test "kernel check --soak: a short random walk on mtty over both open paths" {
	for open in cdev group; do
		vm --open=$open check --soak 300 --seed 2026 "$DEV"
		assert_success
		printf '# --open=%s\n%s\n' "$open" "$output" >&3
		assert_line --regexp '^seed +2026$'
		assert_line --regexp '^steps +300$'
		assert_line --regexp '^result +pass$'
		assert_equal "$(kstate "$DEV")" running
	done
	vm -j check --soak 200 --seed 7 "$DEV"
	assert_success
	jq_is .result pass
	jq_is '.resets > 0 and .restores > 0 and .aborts > 0' true
	jq_is '[.arcs[] | select(.p50_usecs > .p99_usecs or .p99_usecs > .max_usecs)] | length' 0
	assert_equal "$(kstate "$DEV")" running
}
