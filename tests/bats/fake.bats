#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vfiomig against the fake VFIO device: every error the kernel can give
# that mtty cannot show, fault injection, and the same state walk as the
# real-kernel suite with the same expected table.

load helpers
load walk

setup() {
	fake_setup
}

teardown() {
	if [ -n "${HOLDER_PID:-}" ]; then
		kill "$HOLDER_PID" 2>/dev/null || true
		wait "$HOLDER_PID" 2>/dev/null || true
	fi
}

@test "fake: info over the cdev and over the group" {
	for open in cdev group; do
		fvm -j --open=$open info $PCI
		assert_success
		assert_json
		jq_is .device $PCI
		jq_is .driver mlx5_vfio_pci
		jq_is .open_path $open
		jq_is .vendor_id 15b3
		jq_is .migration_flags 7
		jq_is .stop_copy_estimate_bytes 96
		jq_is .state running
	done
}

@test "fake: a device bound to another driver exits 4 naming it" {
	fake_pci_device "$ROOT" 0000:3b:00.2 14 driver=ixgbe
	fvm info 3b:00.2
	assert_failure $EX_NOTVFIO
	assert_one_error '^vfiomig: opening 0000:3b:00.2: not bound to a VFIO driver \(bound to ixgbe\)$'
}

@test "fake: a group that is not viable exits 5 naming the other device" {
	fake_pci_device "$ROOT" 0000:3c:00.0 16
	fake_pci_device "$ROOT" 0000:3c:00.1 16 driver=e1000e
	fvm info 0000:3c:00.0
	assert_failure $EX_NOTVIABLE
	assert_one_error '^vfiomig: opening 0000:3c:00.0: IOMMU group 16 is not viable: 0000:3c:00.1 \(e1000e\)$'
}

@test "fake: a device another process owns exits 69 naming pid and command" {
	# fd 3 is closed first so that the node opens as fd 3 itself: the fake
	# does not follow dup2(), which bash would use for another number.
	LD_PRELOAD=$FAKE_LIB bash -c 'exec 3<>/dev/vfio/12; exec sleep 300' 3>&- &
	HOLDER_PID=$!
	# until it has exec'd sleep with the node open
	wait_for -t 10 runs_holding $HOLDER_PID sleep 3
	for open in group cdev; do
		fvm --open=$open info $PCI
		assert_failure $EX_BUSY
		assert_one_error "^vfiomig: .* $PCI: device busy: owned by pid $HOLDER_PID \(sleep\)$"
	done
	fvm -j list
	assert_success
	jq_is ".devices[] | select(.device == \"$PCI\") | .status" busy
	jq_is ".devices[] | select(.device == \"$PCI\") | .owner_pid" $HOLDER_PID
}

@test "fake: busy with no owner in /proc still exits 69" {
	VFIOMIG_FAKE_EBUSY=1 fvm --open=group info $PCI
	assert_failure $EX_BUSY
	assert_one_error "device busy: EBUSY \(Device or resource busy\) \(owner not visible in /proc\)$"
}

@test "fake: permission denied exits 77" {
	VFIOMIG_FAKE_EPERM=1 fvm info $PCI
	assert_failure $EX_NOPERM
	assert_one_error "^vfiomig: opening /dev/.* for $PCI: EACCES \(Permission denied\)"
}

@test "fake: no migration support exits 3 and info still describes the device" {
	fake_pci_device "$ROOT" 0000:3b:00.3 15 cdev=2 flags=none
	fvm -j info 0000:3b:00.3
	assert_failure $EX_NOMIG
	jq_is .migration null
	jq_is .driver vfio-pci
	assert_one_error "no migration support \(driver vfio-pci\)"
	fvm state 0000:3b:00.3 stop
	assert_failure $EX_NOMIG
}

@test "fake: --open=cdev without a cdev says the kernel is too old (6)" {
	fake_pci_device "$ROOT" 0000:3b:00.6 19
	fvm --open=cdev info 0000:3b:00.6
	assert_failure $EX_OLDKERNEL
	assert_one_error 'no VFIO cdev \(Linux 6.6 with CONFIG_VFIO_DEVICE_CDEV'
	fvm -j info 0000:3b:00.6
	assert_success
	jq_is .open_path group
}

@test "fake: a state the flags do not allow is refused (3) and nothing changes" {
	fake_pci_device "$ROOT" 0000:3b:00.5 18 cdev=4 flags=1
	fvm -j info 0000:3b:00.5
	jq_is '.states | join(",")' running,stop,stop_copy,resuming
	VFIOMIG_FAKE_TRACE=$BATS_TEST_TMPDIR/trace fvm state 0000:3b:00.5 running_p2p
	assert_failure $EX_NOMIG
	assert_one_error 'state running_p2p on 0000:3b:00.5: not supported by the device \(migration: stop_copy\)$'
	assert [ ! -s "$BATS_TEST_TMPDIR/trace" ]
	# Without P2P the kernel goes straight from running to stop.
	fvm -v state 0000:3b:00.5 stop
	assert_success
	[[ "$stderr" == *"running -> stop"* ]]
}

@test "fake: a failure in the middle of a combination arc reports the hop reached" {
	export VFIOMIG_FAKE_FAIL='RUNNING_P2P>STOP:EIO'
	fvm -j state $PCI stop_copy
	assert_failure $EX_STATE
	assert_one_error "^vfiomig: state stop_copy on $PCI: VFIO_DEVICE_FEATURE\(MIG_DEVICE_STATE\) SET: EIO \(Input/output error\); device is in running_p2p$"
	jq_is .state running_p2p
	jq_is '.steps[0].error' EIO
	assert_equal "$(fstate $PCI)" running_p2p
}

@test "fake: a device that drops to error stays there until reset" {
	VFIOMIG_FAKE_FAIL='STOP>STOP_COPY:EIO:error' fvm state $PCI stop_copy
	assert_failure $EX_STATE
	assert_one_error "device is in error \(only a reset leaves it\)$"
	assert_equal "$(fstate $PCI)" error
	fvm state $PCI running
	assert_failure $EX_STATE
	assert_one_error "^vfiomig: state on $PCI: device is in error; only 'vfiomig reset $PCI' leaves it$"
	fvm -j reset $PCI
	assert_success
	jq_is .state running
	assert_equal "$(fstate $PCI)" running
}

@test "fake: a state that cannot be read is an I/O error" {
	VFIOMIG_FAKE_STATE_ERRNO=EIO fvm state $PCI
	assert_failure 74
	assert_one_error "GET on $PCI: EIO"
}

@test "fake: unknown features answer EINVAL or ENOTTY; both mean unsupported" {
	for answer in einval enotty; do
		VFIOMIG_FAKE_UNKNOWN_FEATURE=$answer fvm -j info $PCI
		assert_success
		jq_is .precopy_info_v2 false
	done
}

@test "fake: a device that resets on close is running again for the next command" {
	fvm state $RESETTER stop
	assert_success
	assert_output --regexp '^state +stop$'
	fvm -j state $RESETTER
	jq_is .state running
	fvm state $PCI stop
	fvm -j state $PCI
	jq_is .state stop
}

@test "fake: blocked arcs are refused before any driver step" {
	fvm state $PCI stop_copy
	assert_success
	VFIOMIG_FAKE_TRACE=$BATS_TEST_TMPDIR/trace fvm state $PCI pre_copy_p2p
	assert_failure $EX_REFUSED
	assert [ ! -s "$BATS_TEST_TMPDIR/trace" ]
	assert_equal "$(fstate $PCI)" stop_copy
}

@test "fake: a request list runs in one open, each step confirmed" {
	VFIOMIG_FAKE_TRACE=$BATS_TEST_TMPDIR/trace fvm -j state $PCI running_p2p stop stop_copy
	assert_success
	jq_is '[.steps[].request] | join(",")' running_p2p,stop,stop_copy
	jq_is .state stop_copy
	run cat "$BATS_TEST_TMPDIR/trace"
	assert_output "$PCI RUNNING>RUNNING_P2P
$PCI RUNNING_P2P>STOP
$PCI STOP>STOP_COPY"
}

@test "fake: every ordered pair of states gives the same table as mtty" {
	walk_bin=$VFIOMIG
	VFIOMIG=$BATS_TEST_TMPDIR/vfiomig-fake
	printf '#!/bin/sh\nLD_PRELOAD="%s" exec "%s" "$@"\n' "$PRELOAD" "$walk_bin" >"$VFIOMIG"
	chmod +x "$VFIOMIG"
	run walk_all $MDEV fstate
	assert_success
	diff -u "$TOP/tests/bats/walk.expected" <(printf '%s\n' "$output")
}

@test "fake: list shows each VFIO device, not the others" {
	fake_pci_device "$ROOT" 0000:3b:00.2 14 driver=ixgbe
	fake_pci_device "$ROOT" 0000:3b:00.3 15 cdev=2 flags=none
	fvm -j list
	assert_success
	jq_is '[.devices[].device] | join(",")' "0000:3b:00.1,0000:3b:00.3,0000:3b:00.4,$MDEV"
	jq_is ".devices[] | select(.device == \"0000:3b:00.3\") | .migration_flags" null
	jq_is ".devices[] | select(.device == \"$MDEV\") | .mdev_type" mtty-2
	fvm list
	assert_line --regexp "^0000:3b:00.3 +vfio-pci +15 +vfio2 +none +-$"
	assert_line --regexp "^0000:3b:00.1 +mlx5_vfio_pci +12 +vfio0 +stop_copy,p2p,pre_copy +running$"
}

@test "fake: list sorts PCI devices by address, then mdevs by name" {
	# created in neither sorted nor reverse order (setup made 3b:00.1,
	# 3b:00.4 and $MDEV, which starts 5d)
	local late=e0c1a2b3-0000-4000-8000-000000000001
	local early=1a2b3c4d-0000-4000-8000-000000000002
	fake_mdev_device "$ROOT" $late mtty-1 20 cdev=5
	fake_pci_device "$ROOT" 0000:3b:00.2 14 cdev=4
	fake_mdev_device "$ROOT" $early mtty-1 21 cdev=6
	fake_pci_device "$ROOT" 0000:0a:00.0 16 cdev=2
	fvm -j list
	assert_success
	jq_is '[.devices[].device] | join(",")' \
		"0000:0a:00.0,0000:3b:00.1,0000:3b:00.2,0000:3b:00.4,$early,$MDEV,$late"
	fvm list
	assert_success
	assert_equal "$(sed 1d <<<"$output" | awk '{ print $1 }' | paste -sd,)" \
		"0000:0a:00.0,0000:3b:00.1,0000:3b:00.2,0000:3b:00.4,$early,$MDEV,$late"
}

@test "fake: list with no VFIO device says so on stderr; -j is an empty array" {
	ROOT=$BATS_TEST_TMPDIR/empty
	export VFIOMIG_FAKE_ROOT=$ROOT
	fake_init "$ROOT"
	fake_pci_device "$ROOT" 0000:3b:00.2 14 driver=ixgbe
	fvm list
	assert_success
	assert_output --regexp '^DEVICE +DRIVER +GROUP +CDEV +MIGRATION +STATE$'
	assert_one_error '^vfiomig: warning: no VFIO devices: no PCI device or mdev is bound to a VFIO driver$'
	fvm -j list
	assert_success
	assert_output '{"devices":[]}'
	assert [ -z "$stderr" ]
	fvm -q list
	assert_success
	assert [ -z "$stderr" ]
}
