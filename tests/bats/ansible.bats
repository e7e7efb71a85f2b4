#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/ansible/migrate.yml run by the real ansible-playbook, exactly as
# the README shows it, against two inventory hosts that are local
# connections, each with its own fake device root: a device set migrated,
# an incompatible pair refused before anything moved, a failure in the
# middle reported with where each device was left.

load helpers

setup() {
	fake_setup
	requires_cmd ansible-playbook
	SRCROOT=$BATS_TEST_TMPDIR/src DSTROOT=$BATS_TEST_TMPDIR/dst
	fake_init "$SRCROOT"
	fake_init "$DSTROOT"
	for i in 0 1; do
		fake_pci_device "$SRCROOT" 0000:3b:00.$i $((20 + i)) cdev=$((20 + i)) \
			driver=mlx5_vfio_pci
		fake_pci_device "$DSTROOT" 0000:5e:00.$i $((30 + i)) cdev=$((30 + i)) \
			driver=mlx5_vfio_pci
	done
	WORK=$BATS_TEST_TMPDIR/play
	mkdir -p "$WORK"
	ln -s "$TOP/contrib" "$WORK/contrib"
	openssl rand -hex 32 >"$WORK/key" && chmod 600 "$WORK/key"
	export ANSIBLE_LOCAL_TEMP=$BATS_TEST_TMPDIR/ansible-local \
		ANSIBLE_REMOTE_TEMP=$BATS_TEST_TMPDIR/ansible-remote \
		ANSIBLE_ASYNC_DIR=$BATS_TEST_TMPDIR/ansible-async \
		ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
		ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
}

# hosts.yml: the README's inventory, each host a local connection whose
# vfiomig runs against its own fake root.
inventory() {
	local dst_dev1=${1:-0000:5e:00.1} dst_env=${2-}
	cat >"$WORK/hosts.yml" <<-EOT
		all:
		  hosts:
		    src:
		      ansible_connection: local
		      vfiomig_devices: [0000:3b:00.0, 0000:3b:00.1]
		      vfiomig_environment: {VFIOMIG_FAKE_ROOT: $SRCROOT, LD_PRELOAD: $PRELOAD}
		    dst:
		      ansible_connection: local
		      vfiomig_devices: [0000:5e:00.0, $dst_dev1]
		      vfiomig_environment: {VFIOMIG_FAKE_ROOT: $DSTROOT, LD_PRELOAD: $PRELOAD$dst_env}
		  vars:
		    vfiomig_bin: $VFIOMIG
		    vfiomig_url: unix:$WORK/mig.sock
		    vfiomig_psk_file: $WORK/key
		    vfiomig_timeout: 20
	EOT
}

# The README's command line, as written there; run in $WORK.
play() {
	local cmd
	cmd=$(sed -n 's/^    \(ansible-playbook -i hosts.yml contrib\/ansible\/migrate.yml.*\)$/\1/p' \
		"$TOP/README")
	[ -n "$cmd" ]
	echo "# $cmd"
	run bash -c "cd '$WORK' && $cmd" "$@"
	echo "$output"
}

st() {
	VFIOMIG_FAKE_ROOT=$1 fake_state "$1" "$2"
}

@test "ansible: the README's play migrates a device set between two hosts" {
	inventory
	play
	assert_success
	[[ $output == *"['0000:3b:00.0', '0000:3b:00.1'] -> ['0000:5e:00.0', '0000:5e:00.1']"* ]]
	assert_equal "$(st "$DSTROOT" 0000:5e:00.0),$(st "$DSTROOT" 0000:5e:00.1)" RUNNING,RUNNING
	assert_equal "$(st "$SRCROOT" 0000:3b:00.0),$(st "$SRCROOT" 0000:3b:00.1)" STOP,STOP
}

@test "ansible: an incompatible pair fails the play with vfiomig's words before anything moves" {
	fake_pci_device "$DSTROOT" 0000:5e:00.7 37 cdev=37 personality=virtio
	inventory 0000:5e:00.7
	play
	assert_failure
	[[ $output == *"Refuse an incompatible pair before anything moves"* ]]
	[[ $output == *"not compatible: vendor_id: 15b3 here, 1af4 there; device_id: 101e here, 1041 there; subsystem_vendor_id: 15b3 here, 1af4 there; subsystem_device_id: 0068 here, 0000 there; driver: mlx5_vfio_pci here, virtio_vfio_pci there"* ]]
	[[ $output != *"vfiomig migrate"* ]]
	assert_equal "$(st "$SRCROOT" 0000:3b:00.0),$(st "$SRCROOT" 0000:3b:00.1)" RUNNING,RUNNING
	assert_equal "$(st "$DSTROOT" 0000:5e:00.0),$(st "$DSTROOT" 0000:5e:00.7)" RUNNING,RUNNING
}

@test "ansible: a failure in the middle fails the play saying where each device was left" {
	# the destination's driver refuses the data at resuming -> stop
	inventory 0000:5e:00.1 ", VFIOMIG_FAKE_FAIL: 'RESUMING>STOP:EINVAL'"
	play
	assert_failure
	[[ $output == *"Fail with vfiomig's own words and where each device was left"* ]]
	[[ $output == *'"destination": "resuming -> stop on 0000:5e:00.0: VFIO_DEVICE_FEATURE(MIG_DEVICE_STATE) SET: EINVAL'* ]]
	[[ $output == *'"source": "migrate: the destination aborted: the destination refused the data"'* ]]
	[[ $output == *'"source_devices": {"0000:3b:00.0": "running", "0000:3b:00.1": "running"}'* ]]
	[[ $output == *'"destination_devices": {"0000:5e:00.0": "running", "0000:5e:00.1": "running"}'* ]]
	assert_equal "$(st "$SRCROOT" 0000:3b:00.0),$(st "$SRCROOT" 0000:3b:00.1)" RUNNING,RUNNING
}
