#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian 12's own kernel series, 6.1, in the test VM (make test-vm61).
# 6.1 has VFIO migration v2, but its mtty sample has no migration and is
# only a module; there is no VFIO cdev (6.6), no iommufd and no debugfs
# state. vfiomig must report what is there, refuse the rest with its
# documented exit codes, and touch nothing: the device's UART FIFO (read
# through the group path) and an existing output file are the witnesses.

load helpers
load kernel

UART=$BATS_TEST_DIRNAME/../helpers/mtty-uart

setup() {
	kernel_setup --series 6.1 DEV
	GROUP=$(mtty_group "$DEV")
	# mtty-uart's name for the device on the group path
	NODE=/dev/vfio/$GROUP@$DEV
}

teardown() {
	kernel_teardown
}

# jq filter for this test's device in `list -j`.
this() {
	printf '.devices[] | select(.device == "%s") | %s' "$DEV" "$1"
}

@test "6.1: mtty is a module, and the device has a vfio-dev entry but no cdev" {
	# What the rest of this file relies on, read from the kernel itself.
	assert [ -e /sys/module/mtty/initstate ]
	vfio=$(mtty_vfio_dev "$DEV")
	assert [ ! -e "$vfio/dev" ]
	assert [ ! -e "/dev/vfio/devices/${vfio##*/}" ]
	assert [ ! -e /dev/iommu ]
	assert [ ! -e "/sys/kernel/debug/vfio/$DEV" ]
	assert [ -c "/dev/vfio/$GROUP" ]
}

@test "6.1: list shows the device with its group, no cdev and no migration" {
	vm -j list
	assert_success
	assert_json
	jq_is "[$(this .device)] | length" 1
	jq_is "$(this .cdev)" null
	jq_is "$(this .iommu_group)" "$GROUP"
	jq_is "$(this .migration_flags)" null
	jq_is "$(this .state)" null
	jq_is "$(this .status)" free
	vm list
	assert_success
	assert_line --regexp "^$DEV +mtty +$GROUP +- +none +-\$"
}

@test "6.1: info opens the group, reports no cdev and no migration, and exits 3" {
	vm -j info "$DEV"
	assert_failure $EX_NOMIG
	assert_json
	jq_is .device "$DEV"
	jq_is .mdev_type mtty-2
	jq_is .iommu_group "$GROUP"
	jq_is .cdev null
	jq_is .open_path group
	jq_is .migration_flags null
	jq_is .state null
	assert_one_error "VFIO_DEVICE_FEATURE\(MIGRATION\) on $DEV: no migration support \(driver mtty\): ENOTTY"
	vm info "$DEV"
	assert_failure $EX_NOMIG
	assert_line --regexp '^cdev +none$'
	assert_line --regexp '^opened through +group$'
	assert_line --regexp '^migration +not supported$'
}

@test "6.1: --open=cdev is refused as needing a newer kernel (exit 6)" {
	vm --open=cdev info "$DEV"
	assert_failure $EX_OLDKERNEL
	assert_one_error "opening $DEV: no VFIO cdev \(Linux 6.6 with CONFIG_VFIO_DEVICE_CDEV is needed for the cdev\)$"
}

@test "6.1: save, state and restore are refused (exit 3) and touch nothing" {
	local d=$BATS_TEST_TMPDIR/out
	mkdir "$d"
	printf 'an earlier save\n' >"$d/keep.vfm"
	cp "$d/keep.vfm" "$BATS_TEST_TMPDIR/ref"
	run "$UART" "$NODE" 0 write hello
	assert_success
	vm save "$DEV" -o "$d/keep.vfm"
	assert_failure $EX_NOMIG
	assert_one_error "on $DEV: no migration support"
	cmp "$d/keep.vfm" "$BATS_TEST_TMPDIR/ref"
	vm save "$DEV" -o "$d/new.vfm"
	assert_failure $EX_NOMIG
	vm state "$DEV" stop
	assert_failure $EX_NOMIG
	assert_one_error "on $DEV: no migration support"
	vm state "$DEV"
	assert_failure $EX_NOMIG
	vm restore "$DEV" -i "$d/keep.vfm"
	assert_failure $EX_NOMIG
	assert_one_error "on $DEV: no migration support"
	# The old file as it was, nothing new, no temporary left behind.
	cmp "$d/keep.vfm" "$BATS_TEST_TMPDIR/ref"
	run ls -A "$d"
	assert_output keep.vfm
	# The device as it was: the bytes are still in the FIFO, and nothing
	# holds the device open.
	run "$UART" "$NODE" 0 read
	assert_success
	assert_output hello
	vm -j list
	jq_is "$(this .status)" free
}
