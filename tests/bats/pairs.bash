# SPDX-License-Identifier: GPL-2.0-or-later
# Source and destination pairs of fake devices (S[i] -> D[i]), shared by
# the migration suites: their states, their bytes, and a receive in the
# background. The suites make the pairs; $PRELOAD, $OUT and $VFIOMIG come
# from helpers.bash and the suite's setup.
# shellcheck shell=bash disable=SC2034,SC2154

# states ARRAY N: the fake states of the first N devices, comma-separated.
states() {
	local -n _devs=$1
	local i out=
	for ((i = 0; i < $2; i++)); do
		out+=${out:+,}$(fstate "${_devs[i]}")
	done
	echo "$out"
}

# repeat STATE N: STATE,STATE,... N times.
repeat() {
	local i out=
	for ((i = 0; i < $2; i++)); do
		out+=${out:+,}$1
	done
	echo "$out"
}

# The first N pairs hold the same bytes: a raw save of each side (which
# takes both devices to stop) compared.
assert_same_bytes() {
	local i
	for ((i = 0; i < $1; i++)); do
		env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -q save --raw "${S[i]}" -o "$OUT.s$i"
		env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -q save --raw "${D[i]}" -o "$OUT.d$i"
		[ -s "$OUT.s$i" ]
		cmp "$OUT.s$i" "$OUT.d$i"
	done
}

# receive N ARGS...: the destination on D[0..N-1], in the background, with
# the caller's environment (fault injection); JSON report in $RECV_OUT.
receive() {
	local n=$1
	shift
	RECV_OUT=$BATS_TEST_TMPDIR/recv.json
	RECV_ERR=$BATS_TEST_TMPDIR/recv.err
	echo "# [fake] vfiomig -j receive ${D[*]:0:n} $* &"
	env LD_PRELOAD="$PRELOAD" "$VFIOMIG" -j receive "${D[@]:0:n}" "$@" \
		>"$RECV_OUT" 2>"$RECV_ERR" &
	RECV_PID=$!
}

# The receiver's exit status in $RECV_STATUS, its stderr in $RECV_STDERR,
# its report in $output (the migrate's own is gone by then).
receive_wait() {
	RECV_STATUS=0
	wait "$RECV_PID" || RECV_STATUS=$?
	RECV_PID=
	RECV_STDERR=$(cat "$RECV_ERR")
	echo "# receive status $RECV_STATUS; stderr: $RECV_STDERR"
	output=$(cat "$RECV_OUT")
}
