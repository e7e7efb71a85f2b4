#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Live migration against the kernel's mtty driver in the test VM: two
# source devices with bytes in their UARTs migrate to two other devices
# over the VM's loopback (tcp and unix sockets), with and without
# pre-copy, held or not; refusals leave every device as it was.

load helpers
load kernel

UART=$BATS_TEST_DIRNAME/../helpers/mtty-uart

setup() {
	kernel_setup A1 A2 B1 B2
	PSK=$BATS_TEST_TMPDIR/psk
	(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PSK")
	TCP=tcp://127.0.0.1:$((20000 + BATS_TEST_NUMBER))
	UNIX=unix:$BATS_TEST_TMPDIR/mig.sock
}

teardown() {
	kernel_teardown
}

load_uarts() {
	"$UART" "$(mtty_cdev "$A1")" 0 write "first-device"
	"$UART" "$(mtty_cdev "$A2")" 1 write "second-device"
}

check_uarts() {
	run "$UART" "$(mtty_cdev "$B1")" 0 read
	assert_output "first-device"
	run "$UART" "$(mtty_cdev "$B2")" 1 read
	assert_output "second-device"
}

# receive URL [ARGS...]: the destination, in the background; its JSON
# report lands in $RECV_OUT, its stderr in $RECV_ERR.
receive() {
	RECV_OUT=$BATS_TEST_TMPDIR/recv.json
	RECV_ERR=$BATS_TEST_TMPDIR/recv.err
	"$VFIOMIG" -j receive "$B1" "$B2" --listen "$@" >"$RECV_OUT" 2>"$RECV_ERR" &
	RECV_PID=$!
}

# The receiver's exit status in $RECV_STATUS, its report in $output.
receive_wait() {
	RECV_STATUS=0
	wait "$RECV_PID" || RECV_STATUS=$?
	RECV_PID=
	echo "# receive status $RECV_STATUS; stderr: $(cat "$RECV_ERR")"
	output=$(cat "$RECV_OUT")
}

@test "migrate moves the UART bytes of two mtty devices over tcp, with pre-copy" {
	load_uarts
	receive "$TCP" --psk-file "$PSK"
	vm -j migrate "$A1" "$A2" --to "$TCP" --psk-file "$PSK"
	assert_success
	jq_is .ok true
	jq_is .committed true
	jq_is .insecure false
	jq_is .precopy_bytes 48
	jq_is .stop_copy_bytes 144
	jq_is .precopy_rounds 1
	jq_is .precopy_converged true
	jq_is '[.devices[].precopy] | join(",")' true,true
	jq_is '[.devices[].state] | join(",")' stop,stop
	jq_is '.downtime_usecs > 0' true
	jq_is '.destination_downtime_usecs <= .downtime_usecs' true
	# the real downtime next to the expected one and the limit; mtty's
	# stop-copy estimate is its whole state, 96 bytes a device
	jq_is .downtime_limit_usecs 300000
	jq_is '.expected_downtime_usecs > 0' true
	jq_is .downtime_exceeded false
	jq_is '[.devices[].estimate.stop_copy_bytes] | join(",")' 96,96
	jq_is .estimate.bytes 192
	jq_is '.estimate.state_changes_usecs' null
	echo "# downtime $(jq -r .downtime_usecs <<<"$output") us, expected $(jq -r .expected_downtime_usecs <<<"$output") us"
	# lock-step: both reach pre_copy_p2p before either reaches stop_copy
	jq_is '[.arcs[].to] | join(",")' \
		pre_copy,pre_copy,pre_copy_p2p,pre_copy_p2p,stop_copy,stop_copy,stop,stop
	receive_wait
	assert_equal "$RECV_STATUS" 0
	jq_is .ok true
	jq_is .bytes 192
	jq_is .precopy_rounds 1
	jq_is '[.devices[].state] | join(",")' running,running
	jq_is '[.arcs[].to] | join(",")' \
		resuming,resuming,stop,stop,running_p2p,running_p2p,running,running
	assert_equal "$(kstate "$A1") $(kstate "$A2")" "stop stop"
	assert_equal "$(kstate "$B1") $(kstate "$B2")" "running running"
	check_uarts
}

@test "migrate --dry-run between two mtty sets: nothing moves, debugfs witnesses it, both end with 0" {
	load_uarts
	receive "$TCP" --psk-file "$PSK"
	vm -j migrate "$A1" "$A2" --to "$TCP" --psk-file "$PSK" --dry-run
	dry_run_moved_nothing
	jq_is .estimate.bytes 192
	jq_is '[.devices[].estimate.stop_copy_bytes] | join(",")' 96,96
	jq_is '.estimate.downtime_usecs > 0 and .estimate.link_bytes_per_sec > 0' true
	# the probe: 1 MiB at least
	jq_is .estimate.probe_bytes 1048576
	local est
	est=$(jq -c .estimate <<<"$output")
	receive_wait
	assert_equal "$RECV_STATUS" 0
	jq_is .ok true
	jq_is .dry_run true
	assert_equal "$(jq -c .estimate <<<"$output")" "$est"
	jq_is '.arcs | length' 0
	# debugfs, the kernel's own word: every device still runs
	assert_equal "$(kstate "$A1") $(kstate "$A2")" "running running"
	assert_equal "$(kstate "$B1") $(kstate "$B2")" "running running"
	# and holds what it held: the source's bytes, none on the destination
	run "$UART" "$(mtty_cdev "$A1")" 0 read
	assert_output "first-device"
	run "$UART" "$(mtty_cdev "$A2")" 1 read
	assert_output "second-device"
	run "$UART" "$(mtty_cdev "$B1")" 0 read
	assert_output ""
}

@test "migrate over a unix socket without pre-copy, text report; the next estimate counts its save and load" {
	load_uarts
	receive "$UNIX" --psk-file "$PSK"
	vm migrate --no-precopy "$A1" "$A2" --to "$UNIX" --psk-file "$PSK"
	assert_success
	assert_output --regexp "^migrated 2 devices to $UNIX: 192 B \(pre_copy 0 B, stop_copy 192 B\) in [0-9.]+ s(, [0-9.]+ [KMG]?i?B/s)?; downtime [0-9.]+ ms \(destination [0-9.]+ ms\), expected [0-9.]+ ms, limit 300 ms; devices are stop$"
	receive_wait
	assert_equal "$RECV_STATUS" 0
	jq_is .precopy_bytes 0
	assert_equal "$(kstate "$A1") $(kstate "$A2")" "stop stop"
	assert_equal "$(kstate "$B1") $(kstate "$B2")" "running running"
	[ ! -e "$BATS_TEST_TMPDIR/mig.sock" ]
	check_uarts
	# Both sides kept what mtty's save and load arcs took, and its reads
	# and writes of the data (the VM is both)
	local drv rec=$VFIOMIG_STATEDIR/arcs
	drv=$(basename "$(readlink "/sys/bus/mdev/devices/$A1/driver")")
	echo "# $(grep -v '^#' "$rec" | tr '\n' ';')"
	grep -q "^save $drv 96 [0-9]*$" "$rec"
	grep -q "^load $drv 96 [0-9]*$" "$rec"
	grep -q "^read $drv 96 [0-9]*$" "$rec"
	grep -q "^write $drv 96 [0-9]*$" "$rec"
	# and the next estimate counts them, with nothing moved
	vm state "$A1" running
	assert_success
	vm state "$A2" running
	assert_success
	receive "$UNIX" --psk-file "$PSK"
	vm -j migrate --no-precopy "$A1" "$A2" --to "$UNIX" --psk-file "$PSK" --dry-run
	assert_success
	jq_is '.estimate.state_changes_recorded_usecs != null' true
	jq_is '.estimate.state_changes_usecs >= .estimate.state_changes_recorded_usecs' true
	jq_is '.estimate.data_recorded_usecs != null' true
	jq_is '[.devices[].estimate | .usecs >= .data_recorded_usecs] | all' true
	receive_wait
	assert_equal "$RECV_STATUS" 0
	assert_equal "$(kstate "$A1") $(kstate "$A2") $(kstate "$B1") $(kstate "$B2")" \
		"running running running running"
}

# A driver neither host recorded, a limit to keep: the destination saves
# one mtty device into nothing before it agrees (mig-measure.c). A limit
# of 1 us, which nothing fits, then refuses the migration: the device it
# measured still holds its UART's bytes.
@test "a first migration without pre-copy: the destination measures mtty's save before it agrees, its bytes kept" {
	local dst=$BATS_TEST_TMPDIR/dst drv
	drv=$(basename "$(readlink "/sys/bus/mdev/devices/$A1/driver")")
	load_uarts
	"$UART" "$(mtty_cdev "$B1")" 0 write "destination"
	VFIOMIG_STATEDIR=$dst receive "$UNIX" --psk-file "$PSK"
	vm -j migrate --no-precopy "$A1" "$A2" --to "$UNIX" --psk-file "$PSK" \
		--downtime-limit 0.001
	assert_failure $EX_DOWNTIME
	[[ "$stderr" == *", is over the limit of 0.001 ms before anything moved ("* ]]
	jq_is '.estimate.state_changes_recorded_usecs != null' true
	jq_is '.estimate.data_recorded_usecs != null' true
	jq_is '[.devices[].state] | join(",")' running,running
	receive_wait
	assert_equal "$RECV_STATUS" $EX_PEER
	# one device of the driver measured, into the destination's record
	echo "# $(grep -v '^#' "$dst/arcs" | tr '\n' ';')"
	[ ! -e "$VFIOMIG_STATEDIR/arcs" ]
	grep -q "^save $drv 96 [0-9]*$" "$dst/arcs"
	grep -q "^read $drv 96 [0-9]*$" "$dst/arcs"
	assert_equal "$(grep -vc '^#' "$dst/arcs")" 2
	# debugfs: every device runs; each holds what it held
	assert_equal "$(kstate "$A1") $(kstate "$A2") $(kstate "$B1") $(kstate "$B2")" \
		"running running running running"
	run "$UART" "$(mtty_cdev "$B1")" 0 read
	assert_output "destination"
	run "$UART" "$(mtty_cdev "$A1")" 0 read
	assert_output "first-device"
	# measured once: the next one asks the record, not the device
	VFIOMIG_STATEDIR=$dst receive "$UNIX" --psk-file "$PSK"
	vm -j migrate --no-precopy "$A1" "$A2" --to "$UNIX" --psk-file "$PSK" \
		--downtime-limit 0.001
	assert_failure $EX_DOWNTIME
	receive_wait
	assert_equal "$RECV_STATUS" $EX_PEER
	assert_equal "$(grep -vc '^#' "$dst/arcs")" 2
}

@test "migrate over tcp --insecure, and a held source" {
	load_uarts
	vm hold --daemon --pidfile "$BATS_TEST_TMPDIR/pid" "$A1" "$A2"
	assert_success
	HOLDER_PID=$(cat "$BATS_TEST_TMPDIR/pid")
	receive "$TCP" --insecure
	vm -j migrate "$A1" "$A2" --to "$TCP" --insecure
	assert_success
	jq_is .insecure true
	[[ "$stderr" == *"--insecure: the connection is neither authenticated nor encrypted"* ]]
	receive_wait
	assert_equal "$RECV_STATUS" 0
	assert_equal "$(kstate "$A1") $(kstate "$A2")" "stop stop"
	check_uarts
}

@test "a destination of another kind refuses before any device changes state" {
	load_uarts
	mtty_remove "$B2"
	B2=$(mtty_create mtty-1)
	receive "$TCP" --psk-file "$PSK"
	vm migrate "$A1" "$A2" --to "$TCP" --psk-file "$PSK"
	# the identities differ in mdev_type: not compatible, named on both sides
	assert_failure $EX_INCOMPATIBLE
	[[ "$stderr" == *"vfiomig: migrate: the destination aborted: refused: not compatible: device 2 ($B2): mdev_type: mtty-1 here, mtty-2 on the source; --force to try anyway"* ]]
	[[ "$stderr" == *"vfiomig: migrate: not compatible: device 2 ($A2): mdev_type: mtty-2 here, mtty-1 on the destination"* ]]
	receive_wait
	assert_equal "$RECV_STATUS" $EX_INCOMPATIBLE
	grep -qF "vfiomig: receive: refused: not compatible: device 2 ($B2): mdev_type: mtty-1 here, mtty-2 on the source; no device was touched" "$RECV_ERR"
	assert_equal "$(kstate "$A1") $(kstate "$A2")" "running running"
	assert_equal "$(kstate "$B1") $(kstate "$B2")" "running running"
	# nothing was lost: the source still holds its bytes
	run "$UART" "$(mtty_cdev "$A1")" 0 read
	assert_output "first-device"
}

@test "a wrong key is refused and touches nothing; the right source then migrates" {
	load_uarts
	receive "$TCP" --psk-file "$PSK"
	(umask 077 && echo "0123456789abcdef0123456789abcdef" >"$PSK.wrong")
	vm migrate "$A1" "$A2" --to "$TCP" --psk-file "$PSK.wrong"
	assert_failure $EX_AUTH
	[[ "$stderr" == *"authentication failed"* ]]
	assert_equal "$(kstate "$A1") $(kstate "$B1")" "running running"
	vm migrate "$A1" "$A2" --to "$TCP" --psk-file "$PSK"
	assert_success
	receive_wait
	assert_equal "$RECV_STATUS" 0
	grep -q "dropped a connection from 127.0.0.1:.*authentication failed" "$RECV_ERR"
	check_uarts
}
