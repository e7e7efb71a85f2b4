# SPDX-License-Identifier: GPL-2.0-or-later
# The real-kernel suites' one setup and teardown (after helpers.bash):
# in the test VM or skipped with the way to get there, fresh mtty devices
# for each test; afterwards the test's background commands ended and its
# devices released by any holder, reset and removed.
# shellcheck shell=bash

# kernel_setup [--series SERIES] NAME...: skip outside the test VM (the VM
# of that kernel series, 6.1 for make test-vm61); then mtty there, and a
# fresh mtty-2 device's UUID in each variable NAME. kernel_teardown
# removes them, whatever the test put in those variables since.
kernel_setup() {
	local series='' name uuid
	# shellcheck source=scripts/testbed/guest-lib.bash
	source "$TOP/scripts/testbed/guest-lib.bash"
	if [ "${1-}" = --series ]; then
		series=$2
		shift 2
		in_vm || skip "needs the $series test VM: run 'make test-vm${series//./}'"
		case $(uname -r) in
		"$series".*) ;;
		*) skip "needs Linux $series, this is $(uname -r): run 'make test-vm${series//./}'" ;;
		esac
	else
		in_vm || skip "needs the test VM: run 'make test-vm'"
	fi
	mtty_load || return 1
	KERNEL_DEVS=("$@")
	for name in "$@"; do
		uuid=$(mtty_create mtty-2) || return 1
		printf -v "$name" %s "$uuid"
	done
}

# kernel_teardown [NAME...]: end the test's commands (CLIENT_PID, RECV_PID
# and, once every device is released, HOLDER_PID); then reset and remove
# the devices in kernel_setup's variables and in NAME....
kernel_teardown() {
	local name pid dev devs=()
	for name in "${KERNEL_DEVS[@]}" "$@"; do
		[ -z "${!name:-}" ] || devs+=("${!name}")
	done
	for pid in ${CLIENT_PID:-} ${RECV_PID:-}; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# release asks only a holder: a device nobody holds is not opened.
	for dev in "${devs[@]}"; do
		"$VFIOMIG" -q release "$dev" >/dev/null 2>&1 || true
	done
	if [ -n "${HOLDER_PID:-}" ]; then
		kill "$HOLDER_PID" 2>/dev/null || true
		wait "$HOLDER_PID" 2>/dev/null || true
	fi
	for dev in "${devs[@]}"; do
		"$VFIOMIG" -q --no-holder reset "$dev" >/dev/null 2>&1 || true
		mtty_remove "$dev"
	done
}
