#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Before anything moves: list --all against a fake modules.alias and module
# tree, identity (busy devices included), and compat for fields that block
# and fields that only inform.

load helpers

setup() {
	fake_setup
	fake_pci_device "$ROOT" 0000:3c:00.1 40 driver=mlx5_core vendor=0x15b3 device=0x101e
	fake_pci_device "$ROOT" 0000:3c:00.2 41 driver=virtio-pci vendor=0x1af4 device=0x1041
	fake_pci_device "$ROOT" 0000:3c:00.3 42 driver=ixgbe vendor=0x8086 device=0x10ed
	fake_variant "$ROOT" mlx5_vfio_pci 0x15b3 0x101e loaded
	fake_variant "$ROOT" virtio_vfio_pci 0x1af4 0x1041 missing
}

inv() {
	jq -c ".devices[] | select(.device == \"$1\") | [.variant_driver, .variant_module, .can_migrate, .reason, .fix]" <<<"$output"
}

@test "list --all: bound, unbound, busy and no-module devices, each with why and the fix" {
	LD_PRELOAD=$FAKE_LIB bash -c 'exec 3<>/dev/vfio/13; exec sleep 300' 3>&- &
	HOLDER_PID=$!
	wait_for -t 10 runs_holding $HOLDER_PID sleep 3
	fvm -j list --all
	kill $HOLDER_PID
	assert_success
	assert_equal "$(inv $PCI)" '["mlx5_vfio_pci","loaded",true,null,null]'
	assert_equal "$(inv 0000:3c:00.1)" '["mlx5_vfio_pci","loaded",false,"bound to mlx5_core, not to its VFIO variant driver mlx5_vfio_pci","vfiomig prepare 0000:3c:00.1 --driver mlx5_vfio_pci"]'
	assert_equal "$(inv 0000:3c:00.2)" '["virtio_vfio_pci","missing",false,"modules.alias names virtio_vfio_pci, but the module tree of 6.12.118 lacks it","install the virtio_vfio_pci module of kernel 6.12.118"]'
	# busy: the flags are unknown, the owner named
	jq -e ".devices[] | select(.device == \"$MDEV\") | .can_migrate == null and (.reason | test(\"in use by $HOLDER_PID \\\\(sleep\\\\)\"))" <<<"$output"
	# no variant driver and not VFIO-bound: not listed
	[ -z "$(inv 0000:3c:00.3)" ]
}

@test "list --all: without modules.alias only the VFIO devices, with a warning" {
	rm -r "$ROOT/lib/modules"
	fvm list --all
	assert_success
	[[ $stderr == *"no variant drivers known: reading /lib/modules/6.12.118/modules.alias: ENOENT"* ]]
	[[ $output == *"$PCI "* ]]
	[[ $output != *"0000:3c:00.1"* ]]
}

@test "identity: module version and srcversion, a busy device's fields say who holds it" {
	fake_module "$ROOT" pci mlx5_vfio_pci mlx5_vfio_pci 1.0 ABCDEF0123
	fvm -j identity $PCI
	assert_success
	jq -e '.module == "mlx5_vfio_pci" and .module_version == "1.0" and .module_srcversion == "ABCDEF0123" and .vendor_id == "15b3" and .migration == ["stop_copy","p2p","pre_copy"]' <<<"$output"
	LD_PRELOAD=$FAKE_LIB bash -c 'exec 3<>/dev/vfio/12; exec sleep 300' 3>&- &
	HOLDER_PID=$!
	wait_for -t 10 runs_holding $HOLDER_PID sleep 3
	fake_features "$ROOT" $PCI stop-copy p2p
	fvm -j identity $PCI
	kill $HOLDER_PID
	assert_success
	# flags from debugfs; what only an open tells is null, with who holds it
	jq -e ".migration == [\"stop_copy\",\"p2p\"] and .stop_copy_estimate_bytes == null and (.unread[] | select(.field == \"stop_copy_estimate_bytes\") | .why) == \"in use by $HOLDER_PID (sleep)\"" <<<"$output"
}

# compat of this host's $PCI against its own identity edited by jq FILTER.
compat_with() {
	fvm -j identity $PCI
	jq "$1" <<<"$output" >"$BATS_TEST_TMPDIR/there.json"
	fvm -j compat $PCI --with "$BATS_TEST_TMPDIR/there.json"
}

@test "compat: each field that blocks exits 12 naming it; each that informs does not" {
	local f
	for f in '.driver = "pds_vfio_pci"' '.vendor_id = "1dd8"' '.device_id = "1003"' \
		'.subsystem_vendor_id = "0000"' '.subsystem_device_id = "0001"' \
		'.migration = ["stop_copy","p2p"]' '.bus = "mdev"'; do
		compat_with "$f"
		assert_failure $EX_INCOMPATIBLE
		jq -e '.compatible == false and (.blocking | length) == 1' <<<"$output"
	done
	for f in '.kernel_release = "6.1.0"' '.revision = "01"' '.stop_copy_estimate_bytes = 1' \
		'.precopy_info_v2 = (.precopy_info_v2 | not)'; do
		compat_with "$f"
		assert_success
		jq -e '.compatible == true and ([.fields[] | select(.verdict == "differs")] | length) >= 1' <<<"$output"
	done
}

@test "compat: the PF's fw.psid and fw.version block, its serial number informs (two files)" {
	local base='.devlink = {"handle":"pci/0000:06:00.0","driver":"mlx5_core","serial_number":"S1","board_serial_number":null,"versions":[{"kind":"fixed","name":"fw.psid","value":"MT_0000000834"},{"kind":"running","name":"fw.version","value":"28.39.1002"}]}'
	fvm -j identity $PCI
	jq "$base" <<<"$output" >"$BATS_TEST_TMPDIR/here.json"
	jq '.devlink.serial_number = "S2"' "$BATS_TEST_TMPDIR/here.json" >"$BATS_TEST_TMPDIR/a.json"
	fvm compat "$BATS_TEST_TMPDIR/here.json" --with "$BATS_TEST_TMPDIR/a.json"
	assert_success
	jq '.devlink.versions[0].value = "MT_0000000999" | .devlink.versions[1].value = "28.40.1000"' \
		"$BATS_TEST_TMPDIR/here.json" >"$BATS_TEST_TMPDIR/b.json"
	fvm compat "$BATS_TEST_TMPDIR/here.json" --with - <"$BATS_TEST_TMPDIR/b.json"
	assert_failure $EX_INCOMPATIBLE
	assert_one_error "not compatible: devlink.fixed.fw.psid: MT_0000000834 here, MT_0000000999 there; devlink.running.fw.version: 28.39.1002 here, 28.40.1000 there$"
}

@test "compat: a file that is not an identity is bad data" {
	echo '{"nope": 1}' >"$BATS_TEST_TMPDIR/x.json"
	fvm compat $PCI --with "$BATS_TEST_TMPDIR/x.json"
	assert_failure $EX_DATAERR
	assert_one_error "compat: reading .*x.json: no \"device\": not the output of vfiomig -j identity$"
	# an endless one is read no further than the bound
	fvm compat $PCI --with - </dev/zero
	assert_failure $EX_DATAERR
	assert_one_error "compat: reading -: over 1 MiB: not the output of vfiomig -j identity$"
	# a standard input the caller closed is a failed read, as for restore
	# (closed in the command only: closed around run, bash would give fd 0
	# to the pipe run reads stdout from, and compat would wait on itself)
	# shellcheck disable=SC2016
	run --separate-stderr bash -c 'exec env LD_PRELOAD="$1" "$2" compat "$3" --with - <&-' \
		_ "$PRELOAD" "$VFIOMIG" $PCI
	assert_failure $EX_IOERR
	assert_one_error "compat: reading -: EBADF \\(Bad file descriptor\\)$"
}
