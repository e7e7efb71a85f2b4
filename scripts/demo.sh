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
C=$(mtty_create mtty-2)
D=$(mtty_create mtty-2)
receiver=
cleanup() {
	local d
	[ -z "$receiver" ] || kill "$receiver" 2>/dev/null || true
	for d in "$A" "$B" "$C" "$D"; do
		"$vfiomig" -q reset "$d" >/dev/null 2>&1 || true
		mtty_remove "$d"
	done
}
trap cleanup EXIT
cd "${TMPDIR:-/tmp}"
echo "Linux $(uname -r); four mtty devices (2 ports each): A=$A B=$B C=$C D=$D"

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

echo
echo "Live migration: C and D, fresh devices with bytes in their UARTs, move"
echo "to A and B over TCP on the VM's loopback, authenticated with a"
echo "pre-shared key. The receiver runs in the background, as it would on the"
echo "destination host."
"$uart" "$(mtty_cdev "$C")" 0 write "C's bytes"
"$uart" "$(mtty_cdev "$D")" 1 write "D's bytes"
(umask 077 && openssl rand -hex 32 >key)
say vfiomig reset "$A"
echo
echo "\$ vfiomig receive $A $B --listen tcp://127.0.0.1:7600 --psk-file key &"
vfiomig receive "$A" "$B" --listen tcp://127.0.0.1:7600 --psk-file key &
receiver=$!
say vfiomig migrate "$C" "$D" --to tcp://127.0.0.1:7600 --psk-file key
wait "$receiver"
receiver=
echo "states: C $(mtty_debugfs_state "$C"), D $(mtty_debugfs_state "$D"), A $(mtty_debugfs_state "$A"), B $(mtty_debugfs_state "$B")"
echo "A's UART port 0 holds: $("$uart" "$(mtty_cdev "$A")" 0 read)"
echo "B's UART port 1 holds: $("$uart" "$(mtty_cdev "$B")" 1 read)"
