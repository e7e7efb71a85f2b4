#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Before anything moves, against the real kernel in the test VM: the
# inventory (list --all) and the identity of mtty devices of both types,
# compat between two of the same type and of different types, netdevsim's
# devlink dev info read through libnl against iproute2's devlink(8), and
# migrate/receive between an mtty-2 and an mtty-1 device refused before
# any device changes state. Every document is checked against the schema.
# Witnesses that are not vfiomig: sysfs, debugfs' migration state, the
# kernel log (mtty says "mtty_reset: called" on every reset), the bytes in
# the UARTs and devlink(8).

load helpers
load kernel

UART=$BATS_TEST_DIRNAME/../helpers/mtty-uart
SCHEMA=$TOP/man/vfiomig.schema.json
JSONCHECK=$TOP/tests/helpers/jsoncheck.py
NSIM_ID=11
NSIM=netdevsim/netdevsim$NSIM_ID
NSIM_SYS=/sys/bus/netdevsim/devices/netdevsim$NSIM_ID

setup() {
	# A and B: mtty-2 (two ports), C: mtty-1 (one port)
	kernel_setup A B
	C=$(mtty_create mtty-1)
}

teardown() {
	kernel_teardown C
	if [ -e "$NSIM_SYS" ]; then
		echo "$NSIM_ID" >/sys/bus/netdevsim/del_device
	fi
}

# valid KIND: $output is a document valid against KIND's description in
# the schema (python3-jsonschema, as fake-json.bats).
valid() {
	python3 "$JSONCHECK" "$SCHEMA" "$1" <<<"$output"
}

# resets: how many times mtty has logged a reset since the boot.
resets() {
	dmesg | grep -c 'mtty_reset: called' || true
}

@test "list --all: mtty devices of both types can migrate; a busy one says who holds it" {
	local modalias
	modalias=/lib/modules/$(uname -r)/modules.alias
	sleep 300 3<"/dev/vfio/$(mtty_group "$B")" &
	HOLDER_PID=$!
	wait_for runs_holding $HOLDER_PID sleep 3
	vm -j list --all
	assert_success
	valid list_all
	jq_is .kernel_release "$(uname -r)"
	# the kernel's own answer to "which variant drivers": its modules.alias
	if [ -e "$modalias" ]; then
		jq_is .variant_drivers_known true
	else
		jq_is .variant_drivers_known false
		[[ $stderr == *"list: no variant drivers known: reading $modalias: ENOENT"* ]]
	fi
	for dev in "$A" "$C"; do
		jq_is ".devices[] | select(.device == \"$dev\") |
			[.bus, .driver, .variant_driver, (.migration | join(\",\")), .can_migrate, .reason, .fix] |
			tostring" '["mdev","mtty",null,"stop_copy,p2p,pre_copy",true,null,null]'
	done
	jq_is ".devices[] | select(.device == \"$A\") | .mdev_type" mtty-2
	jq_is ".devices[] | select(.device == \"$C\") | .mdev_type" mtty-1
	# busy: the flags could not be read, and the owner is named
	jq_is ".devices[] | select(.device == \"$B\") | [.migration, .can_migrate] | tostring" \
		'[null,null]'
	jq_is ".devices[] | select(.device == \"$B\") | .reason" \
		"flags unknown: in use by $HOLDER_PID (sleep)"
	vm list --all
	assert_success
	assert_line --index 0 --regexp '^DEVICE +BOUND TO +VARIANT +MODULE +MIGRATION +CAN MIGRATE$'
	assert_line --regexp "^$A +mtty +- +- +stop_copy,p2p,pre_copy +yes$"
	assert_line --regexp "^$B +mtty +- +- +\\? +unknown$"
	assert_line "  why: flags unknown: in use by $HOLDER_PID (sleep)"
	assert_equal "$(kstate "$A") $(kstate "$C")" "running running"
}

@test "identity of mtty-1 and mtty-2 devices and of a busy one, changing nothing" {
	local t dev type size
	"$UART" "$(mtty_cdev "$C")" 0 write "kept"
	for t in "$C mtty-1 60" "$A mtty-2 96"; do
		read -r dev type size <<<"$t"
		vm -j identity "$dev"
		assert_success
		valid identity
		jq_is '[.device, .bus, .mdev_type, .driver, .vendor_id, .revision] | tostring' \
			"[\"$dev\",\"mdev\",\"$type\",\"mtty\",null,null]"
		# the driver is mtty's, as sysfs links it; its module, if it has one
		assert_equal "$(basename "$(readlink "/sys/bus/mdev/devices/$dev/driver")")" \
			"$(jq -r .driver <<<"$output")"
		if [ -L /sys/bus/mdev/drivers/mtty/module ]; then
			jq_is .module "$(basename "$(readlink /sys/bus/mdev/drivers/mtty/module)")"
		else
			jq_is .module null
			jq_is '.unread[] | select(.field == "module") | .why' "built into the kernel"
		fi
		jq_is '.migration | join(",")' stop_copy,p2p,pre_copy
		# mtty's data: a 24-byte header and 36 bytes a port
		jq_is .stop_copy_estimate_bytes "$size"
		jq_is .precopy_info_v2 false
		jq_is .devlink null
		jq_is .kernel_release "$(uname -r)"
	done
	vm identity "$C"
	assert_success
	assert_line --regexp "^mdev type +mtty-1$"
	assert_line --regexp "^migration flags +stop_copy p2p pre_copy$"
	assert_line --regexp "^stop-copy estimate +60 B$"
	assert_line --regexp "^devlink +unknown \\(not a VF\\)$"
	# nothing changed: still running, its UART still holds the bytes, no reset
	assert_equal "$(kstate "$C")" running
	run "$UART" "$(mtty_cdev "$C")" 0 read
	assert_output kept
	# busy: sysfs alone, and what only an open tells says who holds it
	sleep 300 3<"/dev/vfio/$(mtty_group "$B")" &
	HOLDER_PID=$!
	wait_for runs_holding $HOLDER_PID sleep 3
	vm -j identity "$B"
	assert_success
	valid identity
	jq_is '[.mdev_type, .migration, .stop_copy_estimate_bytes] | tostring' '["mtty-2",null,null]'
	jq_is '[.unread[] | select(.field == "migration" or .field == "stop_copy_estimate_bytes") |
		.why] | unique | join(",")' "in use by $HOLDER_PID (sleep)"
}

@test "identity of a PCI device bound to another driver: its IDs from sysfs, no flags" {
	local pci drv
	for pci in /sys/bus/pci/devices/*; do
		drv=$(readlink "$pci/driver" 2>/dev/null) || continue
		break
	done
	[ -n "${drv:-}" ] || skip "no PCI device with a driver in this VM"
	vm -j identity "${pci##*/}"
	assert_success
	valid identity
	jq_is '[.bus, .vendor_id, .device_id, .subsystem_vendor_id, .subsystem_device_id,
		.revision, .driver, .mdev_type] | tostring' \
		"$(printf '["pci","%04x","%04x","%04x","%04x","%02x","%s",null]' \
			"$(cat "$pci/vendor")" "$(cat "$pci/device")" \
			"$(cat "$pci/subsystem_vendor")" "$(cat "$pci/subsystem_device")" \
			"$(cat "$pci/revision")" "${drv##*/}")"
	jq_is '[.migration, .stop_copy_estimate_bytes] | tostring' '[null,null]'
	jq_is '.unread[] | select(.field == "migration") | .why' "not bound to a VFIO driver"
}

@test "compat: two mtty-2 devices are compatible; mtty-2 against mtty-1 blocks on mdev_type" {
	local there=$BATS_TEST_TMPDIR/there.json
	"$VFIOMIG" -j identity "$B" >"$there"
	vm -j compat "$A" --with "$there"
	assert_success
	valid compat
	jq_is .compatible true
	jq_is '[.fields[] | select(.verdict != "same") | .field] | join(",")' ""
	"$VFIOMIG" -j identity "$C" >"$there"
	vm -j compat "$A" --with "$there"
	assert_failure $EX_INCOMPATIBLE
	valid compat
	jq_is '.blocking | join(",")' mdev_type
	jq_is '.fields[] | select(.field == "mdev_type") | [.here, .there, .verdict, .forceable] | tostring' \
		'["mtty-2","mtty-1","blocks",true]'
	# two ports against one: the estimate differs, and only informs
	jq_is '.fields[] | select(.field == "stop_copy_estimate_bytes") | [.here, .there, .verdict] | tostring' \
		'["96","60","differs"]'
	jq_is .error.exit_code $EX_INCOMPATIBLE
	assert_one_error "^vfiomig: compat $A with $C: not compatible: mdev_type: mtty-2 here, mtty-1 there$"
	vm compat "$A" --with - <"$there"
	assert_failure $EX_INCOMPATIBLE
	assert_line --regexp "^  mdev_type +mtty-2 +mtty-1 +blocks \\(receive --force may override\\)$"
	assert_line --regexp "^  stop_copy_estimate_bytes +96 +60 +differs$"
	assert_line --regexp "^compatible +no$"
	assert_equal "$(kstate "$A") $(kstate "$B") $(kstate "$C")" "running running running"
}

@test "devlink info of netdevsim through libnl: what devlink -j dev info says, fw.mgmt 10.20.30" {
	requires_cmd devlink
	echo "$NSIM_ID 1" >/sys/bus/netdevsim/new_device
	wait_for -t 10 devlink dev show "$NSIM"
	vm -j devlink info "$NSIM"
	assert_success
	valid devlink_info
	jq_is .handle "$NSIM"
	jq_is '[.versions[] | select(.name == "fw.mgmt") | "\(.kind)=\(.value)"] | sort | join(",")' \
		running=10.20.30,stored=10.20.30
	# field by field against iproute2's reading of the same instance
	local ours theirs
	ours=$(jq -S '{driver, serial_number, board_serial_number,
		versions: (.versions | group_by(.kind) |
			map({key: .[0].kind, value: (map({key: .name, value}) | from_entries)}) |
			from_entries)}' <<<"$output")
	theirs=$(devlink -j dev info "$NSIM" | jq -S --arg h "$NSIM" '.info[$h] |
		{driver, serial_number: (.serial_number // null),
		 board_serial_number: (.["board.serial_number"] // null),
		 versions: (.versions // {})}')
	echo "# ours: $ours" "# devlink(8): $theirs"
	assert_equal "$ours" "$theirs"
	vm devlink info "$NSIM"
	assert_success
	assert_line --regexp "^driver +netdevsim$"
	assert_line --regexp "^ +running fw.mgmt +10.20.30$"
	assert_line --regexp "^ +stored fw.mgmt +10.20.30$"
	# an instance that is not there: the kernel's ENODEV
	vm devlink info netdevsim/netdevsim99
	assert_failure $EX_NODEV
}

@test "migrate mtty-2 into mtty-1: both sides refuse, exit 12, before any device changes state" {
	local before
	"$UART" "$(mtty_cdev "$A")" 1 write "source-bytes"
	# (a UART's FIFO holds 16 bytes: a longer text would wrap and read empty)
	"$UART" "$(mtty_cdev "$C")" 0 write "dest-bytes"
	before=$(resets)
	"$VFIOMIG" -j receive "$C" --listen "unix:$BATS_TEST_TMPDIR/m.sock" --insecure \
		>"$BATS_TEST_TMPDIR/recv.json" 2>"$BATS_TEST_TMPDIR/recv.err" &
	RECV_PID=$!
	wait_for test -S "$BATS_TEST_TMPDIR/m.sock"
	vm -j migrate "$A" --to "unix:$BATS_TEST_TMPDIR/m.sock" --insecure
	assert_failure $EX_INCOMPATIBLE
	valid migrate
	jq_is '[.committed, (.arcs | length), .devices[0].state] | tostring' '[false,0,"running"]'
	[[ $stderr == *"vfiomig: migrate: the destination aborted: refused: not compatible: device 1 ($C): mdev_type: mtty-1 here, mtty-2 on the source; --force to try anyway"* ]]
	[[ $stderr == *"vfiomig: migrate: not compatible: device 1 ($A): mdev_type: mtty-2 here, mtty-1 on the destination"* ]]
	local rc=0
	wait "$RECV_PID" || rc=$?
	RECV_PID=
	assert_equal "$rc" "$EX_INCOMPATIBLE"
	output=$(cat "$BATS_TEST_TMPDIR/recv.json")
	valid receive
	jq_is '[.committed, (.arcs | length)] | tostring' '[false,0]'
	grep -q "^vfiomig: receive: refused: not compatible: device 1 ($C): mdev_type: mtty-1 here, mtty-2 on the source; no device was touched" \
		"$BATS_TEST_TMPDIR/recv.err"
	# the kernel's witnesses: both still running, no reset, every byte kept
	assert_equal "$(kstate "$A") $(kstate "$C")" "running running"
	assert_equal "$(resets)" "$before"
	run "$UART" "$(mtty_cdev "$A")" 1 read
	assert_output source-bytes
	run "$UART" "$(mtty_cdev "$C")" 0 read
	assert_output dest-bytes
}
