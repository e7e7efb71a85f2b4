# SPDX-License-Identifier: GPL-2.0-or-later
# The state walk shared by the fake and the real-kernel suites: every
# ordered pair of the 7 requestable states, each as separate commands
# the way a runbook would issue them. Both suites compare the table it
# prints with walk.expected, so the fake and mtty must agree.
# shellcheck shell=bash

WALK_STATES="running running_p2p pre_copy pre_copy_p2p stop stop_copy resuming"

# Print the state the last vfiomig -j run reported.
_walk_json_state() {
	if [ -z "$1" ]; then
		echo none
	else
		jq -r '.state // "null"' <<<"$1" 2>/dev/null || echo nojson
	fi
}

# walk_one DEV A B WITNESS: from running, go to A, then request B. A
# command may not end in resuming, so resuming is visited as the first
# of two requests in one command. Prints "A B STATUS REPORTED WITNESS".
walk_one() {
	local dev=$1 a=$2 b=$3 witness=$4 out rc
	"$VFIOMIG" -q reset "$dev" >/dev/null || { echo "$a $b reset-failed"; return; }
	if [ "$a" = resuming ]; then
		out=$("$VFIOMIG" -q -j state "$dev" resuming "$b" 2>/dev/null)
		rc=$?
	else
		"$VFIOMIG" -q state "$dev" "$a" >/dev/null || { echo "$a $b setup-failed"; return; }
		if [ "$b" = resuming ]; then
			out=$("$VFIOMIG" -q -j state "$dev" resuming stop 2>/dev/null)
		else
			out=$("$VFIOMIG" -q -j state "$dev" "$b" 2>/dev/null)
		fi
		rc=$?
	fi
	echo "$a $b $rc $(_walk_json_state "$out") $("$witness" "$dev")"
}

walk_all() {
	local dev=$1 witness=$2 a b
	for a in $WALK_STATES; do
		for b in $WALK_STATES; do
			walk_one "$dev" "$a" "$b" "$witness"
		done
	done
}
