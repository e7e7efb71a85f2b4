#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# devlink and prepare against the real kernel in the test VM: netdevsim
# gives PCI-VF-flavour devlink ports (netdevsim/netdevsim10/128 and /129)
# whose driver does not implement the migratable capability, so the
# kernel's not-supported answer is the real negative path. Debian's
# devlink(8) is the independent witness for what the ports are.

load helpers
load kernel

NSIM_ID=10
NSIM=netdevsim/netdevsim$NSIM_ID
NSIM_SYS=/sys/bus/netdevsim/devices/netdevsim$NSIM_ID

setup() {
	kernel_setup
	requires_cmd devlink
	echo "$NSIM_ID 1" >/sys/bus/netdevsim/new_device
	devlink dev eswitch set "$NSIM" mode switchdev
	echo 2 >"$NSIM_SYS/sriov_numvfs"
}

teardown() {
	kernel_teardown MDEV
	if [ -e "$NSIM_SYS" ]; then
		echo "$NSIM_ID" >/sys/bus/netdevsim/del_device
	fi
}

# devlink(8)'s view of one port, as "index flavour pfnum vfnum state".
devlink_port() {
	devlink -j port show "$1" | jq -r --arg p "$1" '.port[$p] |
		"\($p | split("/")[2]) \(.flavour) \(.pfnum) \(.vfnum) \(.function.state // "null")"'
}

@test "devlink show lists the VF ports as devlink(8) sees them" {
	vm -j devlink show
	assert_success
	assert_json
	local ours theirs p
	ours=$(jq -r --arg d "netdevsim$NSIM_ID" '.ports[] | select(.dev == $d) | .port' <<<"$output")
	theirs=$(devlink -j port show | jq -r --arg d "$NSIM/" \
		'.port | to_entries[] | select((.key | startswith($d)) and .value.flavour == "pcivf") | .key')
	assert_equal "$ours" "$theirs"
	assert_equal "$(wc -l <<<"$ours")" 2
	for p in $ours; do
		assert_equal "$(jq -r --arg p "$p" '.ports[] | select(.port == $p) |
			"\(.index) \(.flavour) \(.pfnum) \(.vfnum) \(.state)"' <<<"$output")" \
			"$(devlink_port "$p")"
	done
	jq_is "[.ports[] | select(.dev == \"netdevsim$NSIM_ID\") | .bus] | unique | join(\",\")" netdevsim
	# netdevsim does not report the capability: unsupported, not off
	jq_is "[.ports[] | select(.dev == \"netdevsim$NSIM_ID\") | .migratable] | unique | join(\",\")" ""
	jq_is "[.ports[] | select(.dev == \"netdevsim$NSIM_ID\") | .migratable == null] | all" true
}

@test "devlink show INSTANCE and PORT; text shows migratable unsupported" {
	vm devlink show "$NSIM"
	assert_success
	assert_line --index 0 --regexp '^PORT +PF +VF +PCI +STATE +MIGRATABLE$'
	assert_line --index 1 --regexp "^$NSIM/128 +0 +0 +- +- +unsupported$"
	assert_line --index 2 --regexp "^$NSIM/129 +0 +1 +- +- +unsupported$"
	assert_equal "${#lines[@]}" 3
	# an explicit port is shown whatever its flavour
	vm -j devlink show "$NSIM/0"
	assert_success
	jq_is '.ports[0].flavour' physical
	jq_is '.ports[0].vfnum' null
	vm -j devlink show "$NSIM/129"
	assert_success
	jq_is '.ports | length' 1
	jq_is '.ports[0].vfnum' 1
}

@test "devlink set migratable: netdevsim's EOPNOTSUPP with the kernel's message" {
	vm devlink set "$NSIM/128" migratable on
	assert_failure $EX_NOMIG
	assert_one_error "^vfiomig: enabling migratable on $NSIM/128: Port doesn't support migratable function attribute \(EOPNOTSUPP\)$"
	vm devlink set "$NSIM/129" migratable off
	assert_failure $EX_NOMIG
	assert_one_error "^vfiomig: disabling migratable on $NSIM/129: Port doesn't support migratable function attribute \(EOPNOTSUPP\)$"
}

@test "devlink: an unknown port or instance is ENODEV (66)" {
	vm devlink set "$NSIM/999" migratable on
	assert_failure $EX_NODEV
	assert_one_error "^vfiomig: reading devlink port $NSIM/999: no such devlink instance or port \(ENODEV\)$"
	vm devlink show netdevsim/netdevsim99/1
	assert_failure $EX_NODEV
	vm devlink show netdevsim/netdevsim99
	assert_failure $EX_NODEV
	assert_one_error '^vfiomig: netdevsim/netdevsim99: no such devlink instance, or it has no ports$'
}

@test "devlink set without CAP_NET_ADMIN is EPERM (77)" {
	requires_cmd setpriv
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$VFIOMIG" devlink set "$NSIM/128" migratable on
	assert_failure $EX_NOPERM
	assert_one_error "^vfiomig: enabling migratable on $NSIM/128: permission denied: devlink changes need CAP_NET_ADMIN \(EPERM\)$"
}

@test "prepare of a netdevsim VF port fails at resolve: it is not a PCI VF" {
	vm prepare "$NSIM/128"
	assert_failure $EX_REFUSED
	assert_one_error "^vfiomig: prepare $NSIM/128: step resolve: not a PCI VF: VF 0 of $NSIM, which is on bus netdevsim, has no PCI function to bind$"
	vm prepare --dry-run "$NSIM_SYS"
	assert_failure $EX_REFUSED
	assert_one_error "^vfiomig: prepare $NSIM_SYS: step resolve: not a PCI VF \(bus netdevsim\)$"
	vm prepare "$NSIM/0"
	assert_failure $EX_REFUSED
	assert_one_error "step resolve: not a PCI VF: a physical port of $NSIM$"
	vm prepare "$NSIM/999"
	assert_failure $EX_NODEV
}

@test "prepare refuses an mtty device at the first step, dry run or not" {
	MDEV=$(mtty_create mtty-1)
	vm prepare "$MDEV"
	assert_failure $EX_REFUSED
	assert_one_error "^vfiomig: prepare $MDEV: step resolve: not a PCI VF \(bus mdev\)$"
	assert_output ""
	vm -j prepare --dry-run "$MDEV"
	assert_failure $EX_REFUSED
	# with -j, the one document is the error's
	assert_equal "$(jq -c '{code: .error.exit_code, m: (.error.message | test("step resolve: not a PCI VF"))}' <<<"$output")" \
		'{"code":7,"m":true}'
}

@test "prepare refuses a PCI function that is not a VF" {
	local d pci=
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/physfn" ] || { pci=${d##*/}; break; }
	done
	[ -n "$pci" ] || skip "no PCI function in this VM"
	vm prepare --dry-run "$pci"
	assert_failure $EX_REFUSED
	assert_one_error "^vfiomig: prepare $pci: step resolve: not a PCI VF \(no physfn link"
}
