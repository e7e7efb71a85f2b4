# SPDX-License-Identifier: GPL-2.0-or-later
# The one way the tests wait: for an event (a file appears, a line is
# logged, a process reaches a state), never for a guess at how long it
# takes, and never past a time limit without failing. helpers.bash loads
# it for the suites; scripts/testbed/guest-lib.bash sources it for the
# test VM's device helpers (and the demo that uses them). It touches no
# shell option of its caller.
# shellcheck shell=bash

# wait_for [-t SECS] CMD...: run CMD until it succeeds, for SECS (whole
# seconds, 5 by default) at most; then say what never happened on stderr
# and fail, so that a test cannot go on as if it had.
wait_for() {
	local secs=5 end
	if [ "${1-}" = -t ]; then
		secs=${2-}
		shift 2 || shift
	fi
	if ! [[ $secs =~ ^[0-9]+$ ]] || [ $# -eq 0 ]; then
		echo "wait_for: usage: wait_for [-t SECS] CMD... (SECS whole seconds)" >&2
		return 2
	fi
	end=$((${EPOCHREALTIME/[.,]/} + secs * 1000000))
	until "$@"; do
		if ((${EPOCHREALTIME/[.,]/} >= end)); then
			echo "never happened within $secs s: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}
