#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# devlink and prepare without a VM: argument checks and their exit codes
# (all before any netlink traffic), help, and prepare against a fake
# sysfs with a PF and its VF: the dry-run plan, and real runs that stop
# at the step the fake cannot carry out, saying how the VF was left.

load helpers

@test "devlink and prepare answer --help" {
	vm devlink --help
	assert_success
	assert_output --partial "Usage: vfiomig devlink [OPTION...] show [PF | PORT]"
	assert_output --partial "set PORT migratable on|off"
	vm prepare --help
	assert_success
	assert_output --partial "Usage: vfiomig prepare [OPTION...] VF"
	assert_output --partial "--dry-run"
	assert_output --partial "--driver=NAME"
}

@test "devlink needs show or set" {
	vm devlink
	assert_failure $EX_USAGE
	vm devlink frobnicate
	assert_failure $EX_USAGE
	assert_one_error "^vfiomig: devlink: 'frobnicate' is not show, set or info$"
}

@test "devlink set checks its words before asking the kernel" {
	for args in "pci/0000:06:00.0/1" "pci/0000:06:00.0/1 migratable" \
		"pci/0000:06:00.0/1 migratable maybe" "pci/0000:06:00.0/1 roce on"; do
		# shellcheck disable=SC2086 # word splitting is the point
		vm devlink set $args
		assert_failure $EX_USAGE
		assert_one_error '^vfiomig: devlink set: usage: devlink set PORT migratable on\|off$'
	done
	vm devlink set pci/0000:06:00.0/1 migratable on extra
	assert_failure $EX_USAGE
	[[ "$stderr" == *"extra argument 'extra'"* ]]
}

@test "devlink port handles: BUS/DEV/INDEX or a PCI address" {
	for port in pci pci/0000:06:00.0 pci/0000:06:00.0/x /0000:06:00.0/1 \
		pci//1 pci/0000:06:00.0/99999999999 pci/a/b/1; do
		vm devlink set "$port" migratable on
		assert_failure $EX_USAGE
		assert_one_error "^vfiomig: devlink set: $port: not a devlink port"
	done
	vm devlink show pci/a/b/c
	assert_failure $EX_USAGE
	assert_one_error '^vfiomig: devlink show: pci/a/b/c: not a PCI address, BUS/DEV or BUS/DEV/INDEX$'
	vm devlink show a b
	assert_failure $EX_USAGE
}

@test "devlink on this host: answers, or says the kernel has no devlink" {
	vm -j devlink show
	if [ "$status" -eq "$EX_OLDKERNEL" ]; then
		assert_one_error '^vfiomig: resolving generic netlink family devlink: .*CONFIG_NET_DEVLINK'
		skip "this kernel has no devlink"
	fi
	assert_success
	assert_json
	jq_is '.ports | type' array
}

@test "devlink set of a port that does not exist: EPERM (77) unprivileged, else ENODEV (66)" {
	vm devlink set pci/0000:ff:1f.7/1 migratable on
	[ "$status" -ne "$EX_OLDKERNEL" ] || skip "this kernel has no devlink"
	if [ "$(id -u)" -eq 0 ]; then
		assert_failure $EX_NODEV
		assert_one_error '^vfiomig: reading devlink port pci/0000:ff:1f.7/1: .*\(ENODEV\)$'
	else
		assert_failure $EX_NOPERM
	fi
}

@test "prepare: usage errors" {
	vm prepare
	assert_failure $EX_USAGE
	vm prepare 0000:3b:00.1 0000:3b:00.2
	assert_failure $EX_USAGE
	vm prepare --driver=a/b 0000:3b:00.1
	assert_failure $EX_USAGE
	[[ "$stderr" == *"--driver: 'a/b' is not a driver name"* ]]
	vm prepare not-a-device
	assert_failure $EX_USAGE
}

@test "prepare: a missing device exits 66" {
	vm prepare --dry-run 0000:ff:1f.7
	assert_failure $EX_NODEV
	assert_one_error '^vfiomig: 0000:ff:1f.7: no such device: ENOENT'
}

# --- a fake PF 0000:fe:00.0 with its VF 0 at 0000:fe:00.2 ------------------

PF=0000:fe:00.0
VF=0000:fe:00.2

# A VF of a ConnectX PF, bound to mlx5_core (or to no driver: nodriver).
fake_vf_setup() {
	fake_setup
	local devs=$ROOT/sys/devices/pci0000:00
	fake_pci_device "$ROOT" $PF 40 driver=mlx5_core vendor=0x15b3 device=0x101d
	fake_pci_device "$ROOT" $VF 41 driver=mlx5_core vendor=0x15b3 device=0x101e
	ln -s "../$PF" "$devs/$VF/physfn"
	ln -s "../$VF" "$devs/$PF/virtfn0"
	mkdir -p "$ROOT/sys/bus/pci/drivers/mlx5_vfio_pci"
	if [ "${1:-}" = nodriver ]; then
		rm "$devs/$VF/driver" "$ROOT/sys/bus/pci/drivers/mlx5_core/$VF"
	fi
}

@test "prepare refuses a PCI function that is not a VF, and an mdev" {
	fake_vf_setup
	fvm prepare --dry-run $PF
	assert_failure $EX_REFUSED
	assert_one_error "^vfiomig: prepare $PF: step resolve: not a PCI VF \(no physfn link"
	fvm prepare "$MDEV"
	assert_failure $EX_REFUSED
	assert_one_error "^vfiomig: prepare $MDEV: step resolve: not a PCI VF \(bus mdev\)$"
}

@test "prepare --dry-run prints the plan and changes nothing" {
	fake_vf_setup
	fvm prepare --dry-run $VF
	assert_success
	assert_line --regexp "^device +$VF$"
	assert_line --regexp "^pf +$PF$"
	assert_line --regexp '^vf number +0$'
	assert_line --regexp '^driver +mlx5_core$'
	assert_line --regexp '^target driver +mlx5_vfio_pci$'
	assert_line --regexp "^  resolve +$VF is VF 0 of PF $PF$"
	# no devlink port here: either no devlink at all, or none for this PF
	assert_line --regexp '^  migratable +skip: '
	assert_line --regexp '^  unbind +unbind from mlx5_core$'
	assert_line --regexp '^  driver_override +set to mlx5_vfio_pci$'
	assert_line --regexp '^  bind +bind to mlx5_vfio_pci$'
	assert_line --regexp '^  wait +wait for the VFIO device node$'
	assert [ ! -e "$ROOT/sys/devices/pci0000:00/$VF/driver_override" ]
	assert [ -L "$ROOT/sys/devices/pci0000:00/$VF/driver" ]
}

@test "prepare --dry-run -j: one document with the steps" {
	fake_vf_setup
	fvm -j prepare --dry-run --driver vfio-pci "$VF"
	# vfio-pci is not "loaded" in the fake: the plan says so and fails
	assert_failure $EX_OLDKERNEL
	assert_one_error "^vfiomig: prepare $VF: step bind: driver vfio-pci is not loaded \(modprobe vfio-pci\)"
	assert_json
	jq_is .device $VF
	jq_is .pf $PF
	jq_is .vfnum 0
	jq_is .port null
	jq_is .migratable null
	jq_is .driver mlx5_core
	jq_is .target_driver vfio-pci
	jq_is .dry_run true
	jq_is '[.steps[].step] | join(",")' resolve,migratable,unbind,driver_override,bind,wait
	jq_is '.steps[4].action' "bind to vfio-pci (cannot: driver vfio-pci is not loaded (modprobe vfio-pci))"
}

@test "prepare stops at a driver that is not loaded, changing nothing" {
	fake_vf_setup
	fvm prepare --driver=my_vfio_pci $VF
	assert_failure $EX_OLDKERNEL
	assert_one_error "^vfiomig: prepare $VF: step bind: driver my_vfio_pci is not loaded \(modprobe my_vfio_pci\); nothing was changed$"
	assert_output ""
}

@test "prepare stops at the step that fails and says how the VF was left" {
	fake_vf_setup
	# the fake's unbind file takes the write, but nothing unbinds
	: >"$ROOT/sys/bus/pci/drivers/mlx5_core/unbind"
	fvm prepare $VF
	assert_failure $EX_FAIL
	assert_one_error "^vfiomig: prepare $VF: step unbind: writing .*/driver/unbind left it bound; the VF is bound to mlx5_core$"
	assert_line --regexp "^resolve +$VF is VF 0 of PF $PF$"
	assert_line --regexp '^migratable +skip: '
	refute_line --regexp '^unbind '
}

@test "prepare of an unbound VF: override written, bind that does not take is reported" {
	fake_vf_setup nodriver
	local dir=$ROOT/sys/devices/pci0000:00/$VF
	: >"$dir/driver_override"
	: >"$ROOT/sys/bus/pci/drivers/mlx5_vfio_pci/bind"
	fvm prepare $VF
	assert_failure $EX_FAIL
	assert_one_error "^vfiomig: prepare $VF: step bind: writing /sys/bus/pci/drivers/mlx5_vfio_pci/bind did not bind it; the VF is unbound, driver_override mlx5_vfio_pci$"
	assert_line --regexp '^unbind +skip: no driver bound$'
	assert_line --regexp '^driver_override +mlx5_vfio_pci$'
	assert_equal "$(cat "$dir/driver_override")" mlx5_vfio_pci
	assert_equal "$(cat "$ROOT/sys/bus/pci/drivers/mlx5_vfio_pci/bind")" $VF
}

@test "prepare -q: its steps are its report on stdout, stderr has the error alone" {
	fake_vf_setup
	: >"$ROOT/sys/bus/pci/drivers/mlx5_core/unbind"
	fvm -q prepare $VF
	assert_failure $EX_FAIL
	assert_output --partial "resolve"
	assert_one_error '^vfiomig: prepare '
}
