#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo that 'make demo' runs inside the test VM: real mtty devices,
# real VFIO ioctls. Usage: scripts/demo.sh PATH-TO-VFIOMIG
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vfiomig=${1:?usage: demo.sh PATH-TO-VFIOMIG}
uart=$here/../tests/helpers/mtty-uart
# shellcheck source=scripts/testbed/guest-lib.bash
source "$here/testbed/guest-lib.bash"

say() {
	printf '\n$ %s\n' "$*"
	"$@"
}

# Shell functions keep the transcript readable: "vfiomig ..." as typed.
vfiomig() { "$vfiomig" "$@"; }

A=$(mtty_create mtty-2)
B=$(mtty_create mtty-2)
cleanup() {
	"$vfiomig" -q reset "$A" >/dev/null 2>&1 || true
	"$vfiomig" -q reset "$B" >/dev/null 2>&1 || true
	mtty_remove "$A"
	mtty_remove "$B"
}
trap cleanup EXIT
cd "${TMPDIR:-/tmp}"
echo "Linux $(uname -r); two mtty devices (2 ports each): A=$A B=$B"

say vfiomig list
say vfiomig info "$A"
say vfiomig -v state "$A" running_p2p stop
echo "kernel debugfs says: $(mtty_debugfs_state "$A")"
say vfiomig state "$A" stop_copy
say vfiomig state "$A" pre_copy || echo "(exit $?: refused, the kernel blocks stop_copy -> pre_copy)"
say vfiomig reset "$A"

echo
echo "Now move real state: bytes written into A's UART, read back from B."
"$uart" "$(mtty_cdev "$A")" 0 write "hello from A"
say vfiomig save "$A" -o state.vfm
say vfiomig inspect state.vfm
say vfiomig restore "$B" -i state.vfm
echo "B's UART port 0 holds: $("$uart" "$(mtty_cdev "$B")" 0 read)"
say vfiomig -j state "$B"
