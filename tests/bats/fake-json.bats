#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The JSON contract (vfiomig(8) OUTPUT, man/vfiomig.schema.json): every
# command's -j document, on success and on failure, is valid against its
# description in the schema, which names every key, its type and when it
# is null, and allows no other key. The events' RESULT is the same
# document. And the man page names every key the schema has.

load helpers
load pairs

SCHEMA=$TOP/man/vfiomig.schema.json
JSONCHECK=$TOP/tests/helpers/jsoncheck.py

setup() {
	fake_setup
	requires_cmd python3
	python3 -c 'import jsonschema' 2>/dev/null || skip "needs python3-jsonschema"
	export VFIOMIG_RUNDIR=$BATS_TEST_TMPDIR/run
	OUT=$BATS_TEST_TMPDIR/s.vfm
}

teardown() {
	end_jobs
}

# valid KIND: $output is one document valid against KIND's description.
valid() {
	python3 "$JSONCHECK" "$SCHEMA" "$1" <<<"$output"
}

# doc KIND ARGS...: vfiomig -j ARGS on the fake; its document is valid as
# KIND whatever the exit code (failures too), which is left in $status.
doc() {
	local kind=$1 rc
	shift
	fvm -j "$@"
	rc=$status
	valid "$kind"
	status=$rc
}

@test "json: the schema is a valid JSON Schema, and a document with a stray key fails it" {
	fvm -j info $PCI
	assert_success
	valid info
	output=$(jq -c '. + {"stray": 1}' <<<"$output")
	run ! python3 "$JSONCHECK" "$SCHEMA" info <<<"$output"
	output=$(jq -c 'del(.state)' <<<"$(env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -j info $PCI)")
	run ! python3 "$JSONCHECK" "$SCHEMA" info <<<"$output"
}

@test "json: info, state, reset, list, on success and failure" {
	doc info info $PCI
	assert_success
	doc info info $MDEV
	doc info info 0000:3b:07.0
	assert_failure $EX_NODEV
	fake_pci_device "$ROOT" 0000:3b:00.2 14 driver=vfio-pci flags=none
	doc info info 0000:3b:00.2
	assert_failure $EX_NOMIG
	jq_is .stop_copy_estimate_bytes null
	doc state state $PCI
	doc state state $PCI stop stop_copy running
	assert_success
	VFIOMIG_FAKE_FAIL='RUNNING>RUNNING_P2P:EIO' doc state state $PCI stop
	assert_failure $EX_STATE
	jq_is '.steps[0].error' EIO
	jq_is '.steps[0] | has("data_session")' false
	doc state state $PCI error
	assert_failure $EX_REFUSED
	doc reset reset $PCI
	doc list list
	fake_set_state "$ROOT" $PCI error
	doc state state $PCI
	assert_success
	jq_is .state error
}

@test "json: save, restore, inspect, on success and failure" {
	doc save save $PCI -o "$OUT" --then running
	assert_success
	doc save save --raw $PCI -o "$OUT.raw" --then running
	jq_is .records null
	doc save save $PCI -o "$BATS_TEST_TMPDIR/none/x.vfm"
	assert_failure $EX_CANTCREAT
	VFIOMIG_FAKE_READ_FAIL=10:EIO doc save save $PCI -o "$OUT.bad"
	assert_failure
	doc inspect inspect "$OUT"
	assert_success
	head -c 300 "$OUT" >"$OUT.cut"
	doc inspect inspect "$OUT.cut"
	assert_failure $EX_DATAERR
	head -c 10 "$OUT" >"$OUT.tiny"
	doc inspect inspect "$OUT.tiny"
	assert_failure $EX_DATAERR
	jq_is .source null
	doc restore restore $PCI -i "$OUT"
	assert_success
	doc restore restore $PCI -i "$OUT.cut"
	assert_failure $EX_DATAERR
	doc restore restore $PCI -i "$OUT.raw" --raw
	assert_success
	doc restore restore $PCI -i "$BATS_TEST_TMPDIR/missing"
	assert_failure $EX_NODEV
}

@test "json: check and its soak, passing and failing" {
	doc check check $PCI --rounds 1
	assert_success
	VFIOMIG_FAKE_BUG=size_estimate=100000 doc check check $PCI --rounds 1
	assert_failure $EX_FAIL
	doc check_soak check $PCI --soak 20 --seed 7
	assert_success
	fake_pci_device "$ROOT" 0000:3b:00.2 14 driver=vfio-pci flags=none
	doc check check 0000:3b:00.2
	assert_failure $EX_NOMIG
}

@test "json: hold, release, help, devlink, and a usage error" {
	doc hold hold --daemon --pidfile "$BATS_TEST_TMPDIR/h.pid" $RESETTER
	assert_success
	doc release release $RESETTER $PCI
	assert_failure $EX_REFUSED
	doc help help
	doc help help save
	doc devlink devlink show
	doc save save --bogus
	assert_failure $EX_USAGE
}

@test "json: migrate and receive, and the events' RESULT, are the documents they say" {
	local key=$BATS_TEST_TMPDIR/key sock=unix:$BATS_TEST_TMPDIR/m.sock
	head -c 64 /dev/zero | tr '\0' k >"$key"
	chmod 600 "$key"
	S=(0000:3b:01.0) D=(0000:5e:01.0)
	fake_pci_device "$ROOT" "${S[0]}" 40 cdev=40 driver=mlx5_vfio_pci
	fake_pci_device "$ROOT" "${D[0]}" 50 cdev=50 driver=mlx5_vfio_pci
	receive 1 --listen "$sock" --psk-file "$key" --events "$BATS_TEST_TMPDIR/recv.ev"
	wait_for test -S "${sock#unix:}"
	doc migrate migrate "${S[0]}" --to "$sock" --psk-file "$key" \
		--events "$BATS_TEST_TMPDIR/mig.ev"
	assert_success
	receive_wait
	assert_equal "$RECV_STATUS" 0
	valid receive
	jq_is .precopy_converged null
	output=$(tail -n 1 "$BATS_TEST_TMPDIR/mig.ev" | jq -c .data)
	valid migrate
	output=$(tail -n 1 "$BATS_TEST_TMPDIR/recv.ev" | jq -c .data)
	valid receive
	# a refusal, on both sides: two devices sent to a receiver of one
	fake_pci_device "$ROOT" 0000:3b:01.1 41 cdev=41 driver=mlx5_vfio_pci
	rm -f "${sock#unix:}"
	receive 1 --listen "$sock" --psk-file "$key"
	wait_for test -S "${sock#unix:}"
	doc migrate migrate "${S[0]}" 0000:3b:01.1 --to "$sock" --psk-file "$key"
	assert_failure $EX_PEER
	jq_is .ok false
	jq_is .committed false
	jq_is '.devices[1].state' running
	receive_wait
	assert_equal "$RECV_STATUS" $EX_REFUSED
	valid receive
	jq_is .error.exit_code $EX_REFUSED
	jq_is '.error.devices[0].state' running
	# a usage error is a document too
	doc migrate migrate "${S[0]}" "${S[0]}" --to "$sock" --psk-file "$key"
	assert_failure $EX_USAGE
}

@test "json: the downtime promise: a dry run, a refusal over the limit, a limit exceeded" {
	local key=$BATS_TEST_TMPDIR/key sock=unix:$BATS_TEST_TMPDIR/m.sock
	head -c 64 /dev/zero | tr '\0' k >"$key"
	chmod 600 "$key"
	S=(0000:3b:01.0) D=(0000:5e:01.0)
	fake_pci_device "$ROOT" "${S[0]}" 40 cdev=40 driver=mlx5_vfio_pci size=1000000
	fake_pci_device "$ROOT" "${D[0]}" 50 cdev=50 driver=mlx5_vfio_pci size=1000000
	# a dry run: the estimate, on both sides and in the events
	receive 1 --listen "$sock" --psk-file "$key" --events "$BATS_TEST_TMPDIR/recv.ev"
	wait_for test -S "${sock#unix:}"
	doc migrate migrate "${S[0]}" --to "$sock" --psk-file "$key" --dry-run \
		--events "$BATS_TEST_TMPDIR/mig.ev"
	assert_success
	jq_is '"\(.dry_run) \(.estimate.bytes) \(.devices[0].estimate.stop_copy_bytes)"' \
		"true 1000000 1000000"
	jq_is '"\(.precopy_converged) \(.expected_downtime_usecs) \(.downtime_exceeded)"' \
		"null null null"
	output=$(tail -n 1 "$BATS_TEST_TMPDIR/mig.ev" | jq -c .data)
	valid migrate
	receive_wait
	assert_equal "$RECV_STATUS" 0
	valid receive
	jq_is '"\(.dry_run) \(.estimate.bytes) \(.devices[0].estimate)"' "true 1000000 null"
	output=$(tail -n 1 "$BATS_TEST_TMPDIR/recv.ev" | jq -c .data)
	valid receive
	# a device without pre-copy that cannot fit: refused, on both sides
	fake_pci_device "$ROOT" "${S[0]}" 40 cdev=40 personality=xe size=68719476736
	fake_pci_device "$ROOT" "${D[0]}" 50 cdev=50 personality=xe size=68719476736
	rm -f "${sock#unix:}"
	receive 1 --listen "$sock" --psk-file "$key"
	wait_for test -S "${sock#unix:}"
	doc migrate migrate "${S[0]}" --to "$sock" --psk-file "$key"
	assert_failure $EX_DOWNTIME
	jq_is '"\(.ok) \(.expected_downtime_usecs > 300000) \(.downtime_exceeded)"' \
		"false true null"
	receive_wait
	assert_equal "$RECV_STATUS" $EX_PEER
	valid receive
	# a driver whose estimate is wrong: 1 MB at 4 MB/s, estimated at
	# 4 KiB, over a 100 ms limit once it ran
	fake_pci_device "$ROOT" "${S[0]}" 40 cdev=40 driver=mlx5_vfio_pci size=1000000 \
		rate=4000000
	fake_pci_device "$ROOT" "${D[0]}" 50 cdev=50 driver=mlx5_vfio_pci size=1000000
	rm -f "${sock#unix:}"
	receive 1 --listen "$sock" --psk-file "$key"
	wait_for test -S "${sock#unix:}"
	VFIOMIG_FAKE_BUG=size_estimate=4096 doc migrate migrate "${S[0]}" --to "$sock" \
		--psk-file "$key" --no-precopy --downtime-limit 100
	assert_success
	jq_is '"\(.downtime_exceeded) \(.downtime_limit_usecs) \(.expected_downtime_usecs < 100000)"' \
		"true 100000 true"
	receive_wait
	assert_equal "$RECV_STATUS" 0
	valid receive
	jq_is '"\(.downtime_exceeded) \(.expected_downtime_usecs)"' "null null"
}

@test "json: identity of a free, an mdev, a busy and an unbound device, and of none" {
	fake_variant "$ROOT" mlx5_vfio_pci 0x15b3 0x101e loaded
	fake_module "$ROOT" pci mlx5_vfio_pci mlx5_vfio_pci 1.0 ABCDEF0123
	fake_pci_device "$ROOT" 0000:3c:00.1 40 driver=mlx5_core
	doc identity identity $PCI
	assert_success
	jq_is .module_version 1.0
	jq_is .stop_copy_estimate_bytes 96
	jq_is '.migration | join(",")' stop_copy,p2p,pre_copy
	doc identity identity $MDEV
	assert_success
	jq_is .mdev_type mtty-2
	jq_is .vendor_id null
	# unbound from VFIO: what only an open tells is null, and why
	doc identity identity 0000:3c:00.1
	assert_success
	jq_is .migration null
	jq_is '.unread[] | select(.field == "migration") | .why' "not bound to a VFIO driver"
	# busy: the same, with who holds it
	LD_PRELOAD=$FAKE_LIB bash -c 'exec 3<>/dev/vfio/12; exec sleep 300' 3>&- &
	local holder=$!
	wait_for -t 10 runs_holding $holder sleep 3
	doc identity identity $PCI
	kill $holder
	assert_success
	jq_is .precopy_info_v2 null
	jq_is '.unread[] | select(.field == "precopy_info_v2") | .why' "in use by $holder (sleep)"
	doc identity identity 0000:3b:07.0
	assert_failure $EX_NODEV
	jq_is .error.exit_code $EX_NODEV
}

@test "json: compat compatible, blocked (exit 12), and fed what is not an identity" {
	local there=$BATS_TEST_TMPDIR/there.json
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -j identity $PCI >"$there"
	doc compat compat $PCI --with "$there"
	assert_success
	jq_is .compatible true
	jq_is '.blocking | length' 0
	jq_is '.fields[] | select(.field == "mdev_type") | [.here, .there, .verdict] | tostring' 		'[null,null,"same"]'
	jq '.driver = "pds_vfio_pci" | .kernel_release = "6.1.0"' "$there" >"$there.b"
	doc compat compat $PCI --with "$there.b"
	assert_failure $EX_INCOMPATIBLE
	jq_is .compatible false
	jq_is '.blocking | join(",")' driver
	jq_is '.fields[] | select(.field == "kernel_release") | .verdict' differs
	jq_is .error.exit_code $EX_INCOMPATIBLE
	# an identity that could not be read there is null here, not a word
	jq '.migration = null' "$there" >"$there.u"
	doc compat compat $PCI --with "$there.u"
	assert_success
	jq_is '.fields[] | select(.field == "migration") | [.there, .verdict] | tostring' 		'[null,"unknown"]'
	echo '{"nope": 1}' >"$there.x"
	doc compat compat $PCI --with "$there.x"
	assert_failure $EX_DATAERR
	jq_is 'keys | join(",")' error
	doc compat compat $PCI --with "$BATS_TEST_TMPDIR/missing.json"
	assert_failure $EX_NODEV
	doc compat compat $PCI
	assert_failure $EX_USAGE
}

@test "json: list --all with and without the kernel's modules.alias; devlink info's failure" {
	fake_variant "$ROOT" mlx5_vfio_pci 0x15b3 0x101e loaded
	fake_variant "$ROOT" virtio_vfio_pci 0x1af4 0x1041 missing
	fake_pci_device "$ROOT" 0000:3c:00.1 40 driver=mlx5_core
	fake_pci_device "$ROOT" 0000:3c:00.2 41 driver=virtio-pci vendor=0x1af4 device=0x1041
	doc list_all list --all
	assert_success
	jq_is .variant_drivers_known true
	jq_is '.devices[] | select(.device == "0000:3c:00.2") | .variant_module' missing
	jq_is '.devices[] | select(.device == "0000:3c:00.1") | .migration' null
	rm -r "$ROOT/lib/modules"
	doc list_all list --all
	assert_success
	jq_is .variant_drivers_known false
	jq_is '[.devices[].variant_driver] | unique | tostring' '[null]'
	# the host's devlink answers for no such instance (or there is none)
	doc devlink_info devlink info pci/0000:3b:07.0
	assert_failure
}

@test "json: migrate and receive refusing an incompatible set (exit 12), both documents" {
	local key=$BATS_TEST_TMPDIR/key sock=unix:$BATS_TEST_TMPDIR/m.sock
	head -c 64 /dev/zero | tr '\0' k >"$key"
	chmod 600 "$key"
	S=(0000:3b:01.0) D=(0000:5e:01.0)
	fake_pci_device "$ROOT" "${S[0]}" 40 cdev=40 driver=mlx5_vfio_pci
	fake_pci_device "$ROOT" "${D[0]}" 50 cdev=50 personality=virtio
	receive 1 --listen "$sock" --psk-file "$key"
	wait_for test -S "${sock#unix:}"
	doc migrate migrate "${S[0]}" --to "$sock" --psk-file "$key"
	assert_failure $EX_INCOMPATIBLE
	jq_is .ok false
	jq_is .error.exit_code $EX_INCOMPATIBLE
	jq_is '.devices[0].state' running
	[[ $(jq -r .error.message <<<"$output") == *"not compatible: "*"vendor_id: 1af4 here, 15b3 on the source"* ]]
	receive_wait
	assert_equal "$RECV_STATUS" $EX_INCOMPATIBLE
	valid receive
	jq_is .committed false
	jq_is .error.exit_code $EX_INCOMPATIBLE
	jq_is '.error.devices[0].state' running
	[[ $(jq -r .error.message <<<"$output") == "receive: refused: not compatible: device 1 (${D[0]}): vendor_id: 1af4 here, 15b3 on the source"* ]]
	assert_equal "$(fstate "${S[0]}"),$(fstate "${D[0]}")" running,running
}

@test "json: the schema is what scripts/json-schema.py writes (make schema)" {
	run python3 "$TOP/scripts/json-schema.py"
	assert_success
	assert_equal "$output" "$(cat "$SCHEMA")"
}

@test "json: every key of the schema is named in vfiomig(8)" {
	local key missing=
	while read -r key; do
		grep -q "\\\\fB$key\\\\fR" "$TOP/man/vfiomig.8" || missing+=" $key"
	done < <(jq -r '[.. | objects | .properties? // empty | keys[]] | unique[]' "$SCHEMA")
	[ -z "$missing" ] || { echo "not in vfiomig(8):$missing" >&2; false; }
}
