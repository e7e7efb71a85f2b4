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

# The rules mtty must pass (all but the informative and the skipped, among
# them kernel.faults, which needs --inject-faults and the debug kernel, and
# data.concurrent: see mtty_race).
assert_mtty_rules() {
	local rule
	for rule in mig.flags feature.unknown fsm.arc.legal fsm.arc.data-fd \
		fsm.arc.refused fsm.arc.blocked fsm.reset.running \
		data.save.read-size data.save.eof data.nonblock \
		data.session.leave data.session.resume data.session.reset \
		data.close-early data.precopy.info data.precopy.state \
		data.precopy.end data.precopy.dirty data.resume.chunking \
		data.resume.truncated data.resume.hostile data.history data.size \
		data.get-concurrent dma.logging kernel.log.clean; do
		assert_line --regexp "^pass +${rule//./\\.} "
	done
	# mtty's reads never wait; this kernel has no IOVA bitmaps
	assert_line --regexp '^skip +data\.session\.wake +no read\(\) blocked'
	assert_line --regexp '^skip +dma\.logging\.edges +REPORT: EOPNOTSUPP: this kernel has no IOVA bitmaps'
}

# The race 6.12's mtty_resume_write() has (f_pos checked before migf->lock):
# when data.concurrent shows it, check fails that rule alone, with the
# trial, the bytes taken and how far past the state; the suite goes on. In
# text, TAP or JUnit ($1), from $status and $output: 0 when check passed
# or failed only so (said on the test log), 1 otherwise.
RACE='write trial [0-9]+ of 128: two 1-byte writes of the last byte, at once, were both taken: (97 bytes for a 96-byte|61 bytes for a 60-byte) state, 1 past its end'
mtty_race() {
	local fails
	[ "$status" -ne 0 ] || return 0
	[ "$status" -eq 1 ] || return 1
	case $1 in
	text) fails=$(grep -E '^fail ' <<<"$output") ;;
	tap) fails=$(grep -E '^not ok ' <<<"$output") ;;
	junit) fails=$(grep -E '<failure ' <<<"$output") ;;
	esac
	[ "$(grep -c . <<<"$fails")" -eq 1 ] && grep -qE "data\.concurrent.*$RACE" <<<"$fails" ||
		{ echo "failed other than by mtty's write race: $fails" >&2; return 1; }
	echo "# mtty's write race: $fails" >&3
}

@test "kernel check: every rule on mtty over the cdev, in text, TAP and JUnit" {
	vm --open=cdev check --rounds 3 "$DEV"
	mtty_race text
	printf '%s\n' "$output" >&3
	assert_mtty_rules
	assert_line --regexp '^pass +fsm\.arc\.legal +40 arcs over 3 rounds'
	assert_line --regexp '^pass +data\.precopy\.end +24 bytes to the temporary end \(eof\), initial_bytes 24$'
	assert_line --regexp '^pass +data\.size +estimate 96 bytes, 3 saves gave 96 to 96'
	assert_line --regexp '^pass +data\.resume\.hostile +4192 bytes refused \(ENOMEM\)'
	assert_line --regexp '^pass +dma\.logging +start \(page size 4096\), report EOPNOTSUPP'
	assert_line --regexp '^ +on close +keeps_state$'
	assert_line --regexp '^(27 passed, 0|26 passed, 1) failed, 4 skipped, 2 informative; 7 rules not checkable$'
	assert_equal "$(kstate "$DEV")" running

	vm --open=cdev check --format tap --rounds 1 "$DEV"
	mtty_race tap
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/k.tap"
	run prove --exec cat "$BATS_TEST_TMPDIR/k.tap"
	# a TAP parser sees the race as the one failure, and nothing else wrong
	if grep -q '^not ok' "$BATS_TEST_TMPDIR/k.tap"; then
		assert_line --regexp '^Result: FAIL$'
	else
		assert_success
	fi
	assert_equal "$(kstate "$DEV")" running

	vm --open=cdev check --format junit --rounds 1 "$DEV"
	mtty_race junit
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/k.xml"
	run xmllint --xpath 'count(//testcase)' "$BATS_TEST_TMPDIR/k.xml"
	assert_output 40
	run xmllint --xpath 'count(//failure[not(contains(@message, "write trial"))])' \
		"$BATS_TEST_TMPDIR/k.xml"
	assert_output 0
	assert_equal "$(kstate "$DEV")" running
}

@test "kernel check: every rule on mtty over the group, in text and JSON" {
	vm --open=group check --rounds 1 "$DEV"
	mtty_race text
	assert_mtty_rules
	assert_equal "$(kstate "$DEV")" running
	vm --open=group -j check --rounds 1 "$DEV"
	assert_json
	jq_is '[.checks[] | select(.result == "fail" and .rule != "data.concurrent")] | length' 0
	jq_is '.passed + .failed' 27
	jq_is '[.arc_latencies[] | select(.from == "stop" and .to == "stop_copy")][0].data_session' true
	assert_equal "$(kstate "$DEV")" running
}

# 6.12's mtty_resume_write() checks f_pos before it takes migf->lock (as
# qat_vf_resume_write() did before 7.2): two writes of the last byte at
# once may both be taken. Each run is on a fresh one-port device, whose
# 60-byte state leaves 36 bytes of migf->data behind it, so the byte a
# race writes past the state lands inside the driver's own buffer; the
# rule resets every session before it closes the fd, and the device is
# removed after. The figures go to the test log.
@test "kernel check: data.concurrent on fresh mtty devices: mtty_resume_write()'s race said exactly, the kernel fine" {
	# (not i: bats's run sets it)
	local nth dev runs=5 raced=0 trials=0 line
	for ((nth = 1; nth <= runs; nth++)); do
		dev=$(mtty_create mtty-1)
		vm -j check --rounds 1 "$dev"
		line=$(jq -r '.checks[] | select(.rule == "data.concurrent") | "\(.result) \(.detail)"' <<<"$output")
		echo "# run $nth: $line" >&3
		case $line in
		pass\ *)
			assert_success
			trials=$((trials + 128)) ;;
		fail\ *)
			assert_failure "$EX_FAIL"
			[[ $line =~ ^fail\ $RACE ]] || { echo "not the race: $line" >&2; return 1; }
			jq_is '[.checks[] | select(.result == "fail") | .rule] | join(",")' data.concurrent
			raced=$((raced + 1))
			trials=$((trials + $(sed -E 's/^fail write trial ([0-9]+) .*/\1/' <<<"$line"))) ;;
		*)
			echo "data.concurrent gave: $line" >&2
			return 1 ;;
		esac
		assert_equal "$(kstate "$dev")" running
		mtty_remove "$dev"
	done
	echo "# mtty-1: the race showed in $raced of $runs runs, $trials write trials in all" >&3
	# the kernel took it: a fresh device still saves and restores
	dev=$(mtty_create mtty-1)
	vm save "$dev" -o "$BATS_TEST_TMPDIR/s.vfm"
	assert_success
	vm restore "$dev" -i "$BATS_TEST_TMPDIR/s.vfm"
	assert_success
	assert_equal "$(kstate "$dev")" running
	mtty_remove "$dev"
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
	jq_is '[.arc_latencies[] | select(.p50_usecs > .p99_usecs or .p99_usecs > .max_usecs)] | length' 0
	assert_equal "$(kstate "$DEV")" running
}
