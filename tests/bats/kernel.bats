#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Real-kernel tests: vfiomig against the kernel's mtty sample driver in
# the test VM (make test-vm). Each test gets fresh mtty devices; the
# kernel's own debugfs state file is the independent witness.

load helpers
load kernel
load walk

setup() {
	kernel_setup DEV
}

teardown() {
	kernel_teardown
}

check_info_json() {
	assert_success
	assert_json
	jq_is .device "$DEV"
	jq_is .bus mdev
	jq_is .driver mtty
	jq_is .mdev_type mtty-2
	jq_is .iommu_group "$(mtty_group "$DEV")"
	jq_is .cdev "$(mtty_cdev "$DEV")"
	jq_is .migration_flags 7
	jq_is '.migration | join(",")' stop_copy,p2p,pre_copy
	jq_is '.states | join(",")' running,running_p2p,pre_copy,pre_copy_p2p,stop,stop_copy,resuming
	jq_is .state running
	jq_is .stop_copy_estimate_bytes 96
	jq_is .dirty_tracking true
	jq_is .precopy_info_v2 false
	# mtty resets on VFIO_DEVICE_RESET but does not advertise the flag.
	jq_is .reset false
}

@test "info over the iommufd cdev" {
	vm -j --open=cdev info "$DEV"
	check_info_json
	jq_is .open_path cdev
}

@test "info over the group and container" {
	vm -j --open=group info "$DEV"
	check_info_json
	jq_is .open_path group
}

@test "info picks the cdev by default and prints readable text" {
	vm info "$DEV"
	assert_success
	assert_line --regexp '^device +'"$DEV"'$'
	assert_line --regexp '^opened through +cdev$'
	assert_line --regexp '^migration +stop_copy p2p pre_copy$'
	assert_line --regexp '^state +running$'
	assert_line --regexp '^stop-copy estimate +96 B$'
}

@test "every device name form finds the same device" {
	local cdev
	cdev=$(mtty_cdev "$DEV")
	for name in "$DEV" "${DEV^^}" "/sys/bus/mdev/devices/$DEV" "$cdev"; do
		vm -j info "$name"
		assert_success
		jq_is .device "$DEV"
	done
}

@test "state without a target reads the state and changes nothing" {
	vm -j state "$DEV"
	assert_success
	jq_is .state running
	assert_equal "$(kstate "$DEV")" running
}

@test "every ordered pair of states, over the cdev, matches the kernel's witness" {
	run walk_all "$DEV" kstate
	assert_success
	diff -u "$TOP/tests/bats/walk.expected" <(printf '%s\n' "$output")
}

@test "every ordered pair of states, over the group, matches the kernel's witness" {
	walk_bin=$VFIOMIG
	VFIOMIG=$BATS_TEST_TMPDIR/vfiomig-group
	printf '#!/bin/sh\nexec "%s" --open=group "$@"\n' "$walk_bin" >"$VFIOMIG"
	chmod +x "$VFIOMIG"
	run walk_all "$DEV" kstate
	assert_success
	diff -u "$TOP/tests/bats/walk.expected" <(printf '%s\n' "$output")
}

@test "-v prints the path the kernel walks" {
	vm -v state "$DEV" stop
	assert_success
	[[ "$stderr" == *"$DEV: running -> running_p2p -> stop"* ]]
	vm -v -j state "$DEV" pre_copy
	assert_success
	jq_is '.steps[0].path | join(",")' running_p2p,running,pre_copy
	jq_is '.steps[0].data_session' true
	assert_equal "$(kstate "$DEV")" pre_copy
}

@test "the state survives between commands on mtty (the driver keeps it on close)" {
	vm state "$DEV" running_p2p
	assert_success
	assert_output --regexp '^state +running_p2p$'
	vm state "$DEV"
	assert_output --regexp '^state +running_p2p$'
	assert_equal "$(kstate "$DEV")" running_p2p
}

@test "blocked arcs are refused without touching the device" {
	vm state "$DEV" stop_copy
	assert_success
	for t in pre_copy pre_copy_p2p; do
		vm state "$DEV" "$t"
		assert_failure $EX_REFUSED
		assert_one_error "^vfiomig: state $t on $DEV: refused: the kernel blocks stop_copy -> $t"
		assert [ -z "$output" ]
		assert_equal "$(kstate "$DEV")" stop_copy
	done
}

@test "a failed arc is reported with the errno and the state the device is in" {
	# mtty refuses resuming -> stop without a complete state: EINVAL.
	vm -j state "$DEV" resuming running
	assert_failure $EX_STATE
	assert_one_error "^vfiomig: state running on $DEV: VFIO_DEVICE_FEATURE\(MIG_DEVICE_STATE\) SET: EINVAL \(Invalid argument\); device was in resuming, reset to abort it: now running$"
	jq_is '.steps[0].data_session' true
	jq_is '.steps[1].error' EINVAL
	jq_is .state running
	assert_equal "$(kstate "$DEV")" running
}

@test "reset returns a device to running from every state" {
	for s in running_p2p pre_copy pre_copy_p2p stop stop_copy; do
		vm state "$DEV" "$s"
		assert_success
		assert_equal "$(kstate "$DEV")" "$s"
		vm -j reset "$DEV"
		assert_success
		jq_is .reset true
		jq_is .state running
		assert_equal "$(kstate "$DEV")" running
	done
}

@test "list shows the mtty devices with their flags and state" {
	local other
	other=$(mtty_create mtty-1)
	vm state "$DEV" stop
	vm -j list
	mtty_remove "$other"
	assert_success
	assert_json
	jq_is "[.devices[] | select(.device == \"$DEV\")] | length" 1
	jq_is ".devices[] | select(.device == \"$DEV\") | .status" free
	jq_is ".devices[] | select(.device == \"$DEV\") | .state" stop
	jq_is ".devices[] | select(.device == \"$DEV\") | .migration_flags" 7
	jq_is ".devices[] | select(.device == \"$other\") | .mdev_type" mtty-1
}

@test "a device another process owns is busy, with the owner named" {
	local group
	group=$(mtty_group "$DEV")
	sleep 300 3<"/dev/vfio/$group" &
	HOLDER_PID=$!
	wait_for runs_holding $HOLDER_PID sleep 3
	for open in auto cdev group; do
		vm --open=$open info "$DEV"
		assert_failure $EX_BUSY
		assert_one_error "^vfiomig: .* $DEV: device busy: owned by pid $HOLDER_PID \(sleep\)$"
	done
	vm -j list
	assert_success
	jq_is ".devices[] | select(.device == \"$DEV\") | .status" busy
	jq_is ".devices[] | select(.device == \"$DEV\") | .owner_pid" "$HOLDER_PID"
	jq_is ".devices[] | select(.device == \"$DEV\") | .owner_command" sleep
	vm list
	assert_line --regexp "^$DEV .* busy \(pid $HOLDER_PID sleep\)$"
}

@test "an unprivileged user gets permission denied" {
	requires_cmd setpriv
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$VFIOMIG" info "$DEV"
	assert_failure $EX_NOPERM
	assert_one_error "^vfiomig: opening /dev/.* for $DEV: EACCES \(Permission denied\)"
}

@test "a PCI device bound to another driver is not a VFIO device" {
	local pci drv
	for pci in /sys/bus/pci/devices/*; do
		drv=$(readlink "$pci/driver" 2>/dev/null) || continue
		break
	done
	[ -n "${drv:-}" ] || skip "no PCI device with a driver in this VM"
	vm info "${pci##*/}"
	assert_failure $EX_NOTVFIO
	assert_one_error "^vfiomig: opening ${pci##*/}: not bound to a VFIO driver \(bound to ${drv##*/}\)$"
}

@test "with stdout closed, a report never lands in the device: the UART holds what it held" {
	local uart=$BATS_TEST_DIRNAME/../helpers/mtty-uart open
	for open in cdev group; do
		"$uart" "$(mtty_cdev "$DEV")" 0 write "kept-$open"
		for args in "info $DEV" "-j info $DEV" "state $DEV" "list"; do
			# shellcheck disable=SC2086
			run bash -c 'exec "$@" >&-' _ "$VFIOMIG" --open=$open $args
			assert_equal "$status" "$EX_IOERR"
			# shellcheck disable=SC2086
			run bash -c 'exec "$@" <&- >&- 2>&-' _ "$VFIOMIG" --open=$open $args
			assert_equal "$status" "$EX_IOERR"
		done
		[ "$(kstate "$DEV")" = running ]
		run "$uart" "$(mtty_cdev "$DEV")" 0 read
		assert_output "kept-$open"
	done
}
