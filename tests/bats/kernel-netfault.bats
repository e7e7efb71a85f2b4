#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Live migration over a faulty network, against the kernel's mtty driver in
# the test VM. The source and the destination run in two network
# namespaces joined by a veth pair, and netem on each end of the link
# shapes what that end sends: loss, delay with jitter, reordering,
# duplication and corruption must not change a byte (the destination's
# UARTs hold exactly the source's), and a link that goes down after the
# handshake and before the commit must end both sides with exit 74 within
# --peer-timeout and a margin, the source's devices running again with
# their bytes, the destination's reset.
#
# Each test also checks that its fault really happened on the link
# (netem's drop counter, a downtime that only the delay explains, the
# kernel's TCP counters), so that a fault that never fired cannot pass for
# one survived. The link-down tests need --peer-timeout (a peer silent for
# that long ends the migration); every wait in them is bounded, so without
# it they fail, and never hang.

load helpers

UART=$BATS_TEST_DIRNAME/../helpers/mtty-uart

NS_SRC=vfm-src NS_DST=vfm-dst
IF_SRC=vfm-s IF_DST=vfm-d
IP_SRC=10.77.0.1 IP_DST=10.77.0.2
MAC_SRC=02:76:66:6d:00:01 MAC_DST=02:76:66:6d:00:02
URL=tcp://$IP_DST:7600
# What the link-down tests ask of both sides, and the margin they allow
# on top of it for noticing, unwinding and exiting (generous: the VM is
# emulated, and this is the documented promise, not a speed target).
PEER_TIMEOUT=3
MARGIN=5
# No vfiomig run may hang the suite: timeout(1) ends it (exit 124), SIGTERM
# first so that it still resets its devices, SIGKILL 5 s later.
BOUND=60

setup() {
	source "$TOP/scripts/testbed/guest-lib.bash"
	in_vm || skip "needs the test VM: run 'make test-vm'"
	requires_cmd tc
	requires_cmd nsenter
	A1=$(mtty_create mtty-2)
	A2=$(mtty_create mtty-2)
	B1=$(mtty_create mtty-2)
	B2=$(mtty_create mtty-2)
	PSK=$BATS_TEST_TMPDIR/psk
	(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PSK")
	link_up
}

teardown() {
	local p d
	for p in ${MIG:-} ${RECV:-} ${RECV_PID:-} ${DRAIN_PID:-} ${CUT_DST_PID:-} \
		${CUT_SRC_PID:-} ${LOSS_DST_PID:-} ${LOSS_SRC_PID:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NS_SRC" 2>/dev/null || true
	ip netns del "$NS_DST" 2>/dev/null || true
	for d in ${A1:-} ${A2:-} ${B1:-} ${B2:-}; do
		"$VFIOMIG" -q reset "$d" >/dev/null 2>&1 || true
		mtty_remove "$d"
	done
}

# Two hosts: a namespace each, one veth pair between them. Each knows the
# other's MAC for good: ARP has no checksum, and a reply netem corrupted
# could map the peer to a wrong address until the entry expired (a connect
# timed out after 30 s under 'corrupt 10%' once), a fault of the test bed's
# own, not of the link vfiomig is tested on.
link_up() {
	ip netns add "$NS_SRC"
	ip netns add "$NS_DST"
	ip link add "$IF_SRC" address "$MAC_SRC" netns "$NS_SRC" type veth \
		peer name "$IF_DST" address "$MAC_DST" netns "$NS_DST"
	ip -n "$NS_SRC" addr add "$IP_SRC/24" dev "$IF_SRC"
	ip -n "$NS_DST" addr add "$IP_DST/24" dev "$IF_DST"
	ip -n "$NS_SRC" link set "$IF_SRC" up
	ip -n "$NS_DST" link set "$IF_DST" up
	ip -n "$NS_SRC" neigh replace "$IP_DST" lladdr "$MAC_DST" dev "$IF_SRC" nud permanent
	ip -n "$NS_DST" neigh replace "$IP_SRC" lladdr "$MAC_SRC" dev "$IF_DST" nud permanent
}

# netem ARGS...: the same netem qdisc on both ends, so that the fault hits
# both directions.
netem() {
	tc -n "$NS_SRC" qdisc add dev "$IF_SRC" root netem "$@"
	tc -n "$NS_DST" qdisc add dev "$IF_DST" root netem "$@"
}

# in_ns NS CMD...: CMD in namespace NS's network, and nothing else of it
# (the devices, debugfs and the files are the VM's own).
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# uptime_cs: the kernel's uptime in hundredths of a second (the boot-time
# clock: it never jumps, unlike the wall clock).
uptime_cs() {
	local up rest
	read -r up rest </proc/uptime
	echo $((10#${up/./}))
}

# tcp_counter NS NAME: a TCP counter of namespace NS's network
# (/proc/net/snmp's Tcp or /proc/net/netstat's TcpExt line).
tcp_counter() {
	in_ns "$1" awk -v name="$2" '
		$1 == "Tcp:" || $1 == "TcpExt:" {
			if (!(($1) in keys)) { keys[$1] = 1; for (i = 2; i <= NF; i++) k[$1, i] = $i; next }
			for (i = 2; i <= NF; i++) if (k[$1, i] == name) { print $i; exit }
		}' /proc/net/snmp /proc/net/netstat
}

# netem_dropped NS IF: what netem on that end dropped (tc -s).
netem_dropped() {
	tc -s -n "$1" qdisc show dev "$2" |
		sed -n 's/.*(dropped \([0-9]*\),.*/\1/p'
}

load_uarts() {
	"$UART" "$(mtty_cdev "$A1")" 0 write "first-device"
	"$UART" "$(mtty_cdev "$A2")" 1 write "second-device"
}

# check_uarts X1 X2: the bytes of load_uarts are in devices X1 and X2.
check_uarts() {
	run "$UART" "$(mtty_cdev "$1")" 0 read
	assert_output "first-device"
	run "$UART" "$(mtty_cdev "$2")" 1 read
	assert_output "second-device"
}

# receive: the destination, in its namespace, in the background; its JSON
# report lands in $RECV_OUT, its stderr in $RECV_ERR.
receive() {
	RECV_OUT=$BATS_TEST_TMPDIR/recv.json
	RECV_ERR=$BATS_TEST_TMPDIR/recv.err
	echo "# [$NS_DST] vfiomig receive $B1 $B2 --listen $URL"
	timeout -k 5 "$BOUND" nsenter --net="/run/netns/$NS_DST" \
		"$VFIOMIG" -j receive "$B1" "$B2" --listen "$URL" --psk-file "$PSK" \
		>"$RECV_OUT" 2>"$RECV_ERR" 3>&- &
	RECV_PID=$!
}

# The receiver's exit status in $RECV_STATUS.
receive_wait() {
	RECV_STATUS=0
	wait "$RECV_PID" || RECV_STATUS=$?
	RECV_PID=
	echo "# receive status $RECV_STATUS; stderr: $(cat "$RECV_ERR")"
}

# migrate [ARGS...]: the source, in its namespace, in the foreground (run).
migrate() {
	echo "# [$NS_SRC] vfiomig migrate $A1 $A2 --to $URL $*"
	run --separate-stderr timeout -k 5 "$BOUND" nsenter --net="/run/netns/$NS_SRC" \
		"$VFIOMIG" -j migrate "$A1" "$A2" --to "$URL" --psk-file "$PSK" "$@"
	echo "# status $status"
	[ -z "$stderr" ] || echo "# stderr: $stderr"
}

# assert_moved MIG_STATUS MIG_REPORT RECV_STATUS RECV_REPORT: a migration
# that moved everything: both exit statuses and reports, both sides'
# states (debugfs), the bytes on the destination. (A jq and a process less
# where it can: each costs a good part of a second in the emulated VM.)
assert_moved() {
	assert_equal "$1 $3" "0 0"
	output=$2
	jq_is '"\(.ok) \(.committed) \(.stop_copy_bytes)"' "true true 144"
	output=$4
	jq_is '"\(.ok) \(.bytes) \([.devices[].state])"' 'true 192 ["running","running"]'
	assert_equal "$(kstate "$A1") $(kstate "$A2")" "stop stop"
	assert_equal "$(kstate "$B1") $(kstate "$B2")" "running running"
	check_uarts "$B1" "$B2"
}

# migrate_fg: receive and migrate, and what assert_moved wants of them.
# The link's round trips alone may take longer than the default downtime
# limit (the delay test shows it): these tests are about the bytes.
migrate_fg() {
	receive
	migrate --downtime-limit 0
	MIG_STATUS=$status MIG_JSON=$output
	receive_wait
	assert_moved "$MIG_STATUS" "$MIG_JSON" "$RECV_STATUS" "$(cat "$RECV_OUT")"
}

@test "delay 100ms with 50ms jitter both ways: the exact bytes arrive" {
	netem delay 100ms 50ms
	load_uarts
	# Two round trips of at least 100 ms fall in the downtime: over the
	# default limit before anything moves, and nothing does.
	receive
	migrate
	assert_equal "$status" "$EX_DOWNTIME"
	[[ "$stderr" == *"vfiomig: migrate: the expected downtime, "*" ms, is over the limit of 300 ms before anything moved"* ]]
	jq_is '.expected_downtime_usecs >= 200000' true
	receive_wait
	assert_equal "$RECV_STATUS" "$EX_PEER"
	assert_equal "$(kstate "$A1") $(kstate "$A2") $(kstate "$B1") $(kstate "$B2")" \
		"running running running running"
	migrate_fg
	# The downtime spans at least four crossings (STOPPED, LOADED, COMMIT,
	# RUNNING) of at least 50 ms each (without a distribution table,
	# netem's jitter is uniform: 50 to 150 ms here), and so did the
	# estimate.
	output=$MIG_JSON
	jq_is '.downtime_usecs >= 200000' true
	jq_is '.expected_downtime_usecs >= 200000' true
	jq_is .downtime_exceeded false
}

@test "reordering and duplicated packets both ways: the exact bytes arrive" {
	netem delay 50ms reorder 50% duplicate 20%
	load_uarts
	migrate_fg
	# Segments came out of order. (A duplicate leaves no counter of its
	# own: to TCP it looks like a retransmission.)
	(($(tcp_counter "$NS_SRC" TCPOFOQueue) + $(tcp_counter "$NS_DST" TCPOFOQueue) > 0))
}

@test "corrupted packets both ways: the exact bytes arrive" {
	netem corrupt 10%
	load_uarts
	migrate_fg
	# Corrupted segments reached TCP, which dropped them on their checksum.
	(($(tcp_counter "$NS_SRC" InCsumErrors) + $(tcp_counter "$NS_DST" InCsumErrors) > 0))
}

# --- the link goes down mid-transfer -----------------------------------------

# in_bg VAR NS LOG CMD...: CMD in NS's network, in the background (pid in
# VAR), its stdout in LOG.json and stderr in LOG.err, its events (--events
# 3) on a FIFO whose read end is ${VAR}_FD; next_event reads them, keeping
# each in LOG.events.
in_bg() {
	local var=$1 ns=$2 log=$3 fd
	shift 3
	mkfifo "$log.fifo"
	: >"$log.events"
	echo "# [$ns] $*"
	timeout -k 5 "$BOUND" nsenter --net="/run/netns/$ns" "$@" --events 3 \
		>"$log.json" 2>"$log.err" 3>"$log.fifo" &
	printf -v "$var" %s $!
	exec {fd}<"$log.fifo"
	printf -v "${var}_FD" %s "$fd"
}

migrate_bg() {
	MIG_LOG=$BATS_TEST_TMPDIR/mig
	in_bg MIG "$NS_SRC" "$MIG_LOG" "$VFIOMIG" -j migrate "$A1" "$A2" --to "$URL" \
		--psk-file "$PSK" "$@"
}

receive_bg() {
	RECV_LOG=$BATS_TEST_TMPDIR/recv
	in_bg RECV "$NS_DST" "$RECV_LOG" "$VFIOMIG" -j receive "$B1" "$B2" --listen "$URL" \
		--psk-file "$PSK" "$@"
}

# next_event FD LOG GLOB: the events on FD up to the first line that
# matches GLOB, each kept in LOG.events; fails if the command ends first.
next_event() {
	local line
	while IFS= read -r -t "$BOUND" -u "$1" line; do
		printf '%s\n' "$line" >>"$2.events"
		# shellcheck disable=SC2053 # GLOB is a pattern
		[[ $line == $3 ]] && return 0
	done
	echo "no event like $3; stderr: $(cat "$2.err")" >&2
	return 1
}

# The glob of a MIGRATION event with status $1, of an ARC event to $1.
status_is() {
	echo '{"event":"MIGRATION",*"data":{"status":"'"$1"'"}}'
}
arc_to() {
	echo '{"event":"ARC",*"data":{*"to":"'"$1"'",*"ok":true*'
}

# batch_open VAR NS TOOL: TOOL (ip or tc) in NS's network, taking commands
# on a pipe whose write end is VAR (its pid ${VAR}_PID). Starting a process
# in the emulated VM takes a few hundred milliseconds, as long as the
# phases these tests separate, so a fault is a line to a process that runs
# already.
batch_open() {
	local var=$1 ns=$2 tool=$3 fifo=$BATS_TEST_TMPDIR/$1.fifo fd
	mkfifo "$fifo"
	# A tool that held another one's pipe open would keep that one from
	# ever seeing its end.
	(
		for fd in $BATCH_FDS; do
			exec {fd}>&-
		done
		exec "$tool" -n "$ns" -batch - <"$fifo" >"$fifo.out" 2>&1 3>&-
	) &
	printf -v "${var}_PID" %s $!
	exec {fd}>"$fifo"
	printf -v "$var" %s "$fd"
	BATCH_FDS+=" $fd"
}

# fault VAR COMMAND: COMMAND through batch VAR, which then ends; it must
# have succeeded.
fault() {
	local fd=${!1} pid_var=${1}_PID st=0
	printf '%s\n' "$2" >&"$fd"
	exec {fd}>&-
	BATCH_FDS=${BATCH_FDS/ $fd/}
	wait "${!pid_var}" || st=$?
	printf -v "$pid_var" %s ""
	echo "# fault: $2: status $st"
	[ "$st" = 0 ] || cat "$BATS_TEST_TMPDIR/$1.fifo.out" >&2
	return "$st"
}

# wait_both: the rest of both sides' events, their exit statuses
# ($MIG_STATUS, $RECV_STATUS) and how long after $T0 each was seen to end,
# in hundredths of a second ($MIG_CS, $RECV_CS).
wait_both() {
	local pid st=0 now
	cat <&"$MIG_FD" >>"$MIG_LOG.events" 3>&- &
	DRAIN_PID=$!
	cat <&"$RECV_FD" >>"$RECV_LOG.events" 3>&- &
	DRAIN_PID+=" $!"
	exec {MIG_FD}<&- {RECV_FD}<&-
	MIG_FD='' RECV_FD=''
	wait -n -p pid "$MIG" "$RECV" || st=$?
	now=$(uptime_cs)
	if [ "$pid" = "$MIG" ]; then
		MIG_STATUS=$st MIG_CS=$((now - T0))
		st=0
		wait "$RECV" || st=$?
		RECV_STATUS=$st RECV_CS=$(($(uptime_cs) - T0))
	else
		RECV_STATUS=$st RECV_CS=$((now - T0))
		st=0
		wait "$MIG" || st=$?
		MIG_STATUS=$st MIG_CS=$(($(uptime_cs) - T0))
	fi
	MIG='' RECV=''
	# shellcheck disable=SC2086 # two pids
	wait $DRAIN_PID 2>/dev/null || true
	DRAIN_PID=
	echo "# migrate: status $MIG_STATUS after ${MIG_CS}0 ms; stderr: $(cat "$MIG_LOG.err")"
	echo "# receive: status $RECV_STATUS after ${RECV_CS}0 ms; stderr: $(cat "$RECV_LOG.err")"
}

@test "20% packet loss both ways once the transfer has begun: the exact bytes arrive" {
	# The connections open on a link without loss: their handshakes have
	# fixed time limits (10 s for TLS on the listener, 30 s for the data
	# connections) that TCP's backoff under this much loss sometimes
	# overruns, and the migration then fails (cleanly), while this test is
	# about the bytes. The delay leaves the loss many packets to hit.
	netem delay 100ms
	load_uarts
	receive_bg
	migrate_bg --downtime-limit 0
	batch_open LOSS_DST "$NS_DST" tc
	batch_open LOSS_SRC "$NS_SRC" tc
	next_event "$MIG_FD" "$MIG_LOG" "$(status_is active)"
	fault LOSS_DST "qdisc change dev $IF_DST root netem delay 100ms loss 20%"
	fault LOSS_SRC "qdisc change dev $IF_SRC root netem delay 100ms loss 20%"
	T0=$(uptime_cs)
	wait_both
	assert_moved "$MIG_STATUS" "$(cat "$MIG_LOG.json")" "$RECV_STATUS" "$(cat "$RECV_LOG.json")"
	# The loss fired.
	(($(netem_dropped "$NS_SRC" "$IF_SRC") + $(netem_dropped "$NS_DST" "$IF_DST") > 0))
}

# What a migration cut off before its commit must leave: both sides exit
# 74 within --peer-timeout and the margin, the source's devices run again
# with their bytes, the destination's were reset.
assert_cut_off() {
	local bound=$(((PEER_TIMEOUT + MARGIN) * 100)) d
	assert_equal "$MIG_STATUS $RECV_STATUS" "$EX_IOERR $EX_IOERR"
	((MIG_CS <= bound))
	((RECV_CS <= bound))
	output=$(cat "$MIG_LOG.json")
	jq_is .ok false
	jq_is .committed false
	for d in "$A1" "$A2"; do
		grep -qF "vfiomig: migrate $d: device back in running, its state before migrate" "$MIG_LOG.err"
	done
	for d in "$B1" "$B2"; do
		grep -qF "vfiomig: receive $d: device reset: now running" "$RECV_LOG.err"
	done
	assert_equal "$(kstate "$A1") $(kstate "$A2")" "running running"
	assert_equal "$(kstate "$B1") $(kstate "$B2")" "running running"
	# Both sides' last word: MIGRATION failed, then RESULT.
	run jq -r 'select(.event == "MIGRATION") | .data.status' "$MIG_LOG.events"
	assert_equal "${lines[-1]}" failed
	run jq -r 'select(.event == "MIGRATION") | .data.status' "$RECV_LOG.events"
	assert_equal "${lines[-1]}" failed
	check_uarts "$A1" "$A2"
}

@test "the link going down during pre-copy: both sides exit 74 within --peer-timeout, the source runs with its bytes" {
	# The delay keeps pre-copy apart from the switchover: the destination's
	# acknowledgement of the initial bytes needs a round trip of 600 ms.
	netem delay 300ms
	load_uarts
	receive_bg --peer-timeout "$PEER_TIMEOUT"
	migrate_bg --peer-timeout "$PEER_TIMEOUT" --downtime-limit 0
	batch_open CUT_DST "$NS_DST" ip
	next_event "$MIG_FD" "$MIG_LOG" "$(status_is active)"
	fault CUT_DST "link set $IF_DST down"
	T0=$(uptime_cs)
	wait_both
	# It was cut off in pre-copy: the source never got to the switchover,
	# and the destination had its devices in resuming.
	run ! grep -q '"status":"pre-switchover"' "$MIG_LOG.events"
	run jq -r 'select(.event == "ARC" and .data.ok) | .data.to' "$RECV_LOG.events"
	assert_equal "${lines[*]:0:2}" "resuming resuming"
	assert_cut_off
	# The destination never loaded a byte.
	run "$UART" "$(mtty_cdev "$B1")" 0 read
	assert_output ""
	run "$UART" "$(mtty_cdev "$B2")" 1 read
	assert_output ""
}

@test "a partition once the destination loaded everything, before the commit: both sides exit 74 within --peer-timeout, the source runs again" {
	# The delay keeps the phases apart: the source's stop-copy data takes
	# 300 ms to arrive, the destination's word that it loaded it as long.
	netem delay 300ms
	load_uarts
	receive_bg --peer-timeout "$PEER_TIMEOUT"
	migrate_bg --peer-timeout "$PEER_TIMEOUT" --downtime-limit 0
	batch_open CUT_DST "$NS_DST" tc
	batch_open CUT_SRC "$NS_SRC" tc
	# Pre-copy is over and the source devices are about to stop: from now
	# on nothing the destination sends arrives (replace: what is on its
	# way is lost too), so the source never hears that the destination
	# loaded everything. Until that word it waits for nothing from it.
	next_event "$MIG_FD" "$MIG_LOG" "$(status_is pre-switchover)"
	fault CUT_DST "qdisc replace dev $IF_DST root netem loss 100%"
	# The destination loaded and validated both devices (resuming -> stop):
	# now nothing the source sends arrives either. The link stays up.
	next_event "$RECV_FD" "$RECV_LOG" "$(arc_to stop)"
	next_event "$RECV_FD" "$RECV_LOG" "$(arc_to stop)"
	fault CUT_SRC "qdisc replace dev $IF_SRC root netem loss 100%"
	T0=$(uptime_cs)
	wait_both
	# The source went back from stop_copy.
	run jq -r 'select(.event == "ARC" and .data.ok) | .data.to' "$MIG_LOG.events"
	[[ " ${lines[*]} " == *" stop_copy stop_copy "* ]]
	assert_cut_off
}
