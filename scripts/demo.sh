#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo that 'make demo' runs inside the test VM: real mtty devices,
# real VFIO ioctls. Usage: scripts/demo.sh PATH-TO-VFIOMIG
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vfiomig=${1:?usage: demo.sh PATH-TO-VFIOMIG}
# shellcheck source=scripts/testbed/guest-lib.bash
source "$here/testbed/guest-lib.bash"

run() {
	printf '\n$ vfiomig %s\n' "$*"
	"$vfiomig" "$@"
}

dev=$(mtty_create mtty-2)
trap '"$vfiomig" -q reset "$dev" >/dev/null 2>&1 || true; mtty_remove "$dev"' EXIT
echo "created mtty device $dev (2 ports) in $(uname -sr)"

run list
run info "$dev"
run -v state "$dev" running_p2p
run -v state "$dev" pre_copy_p2p stop_copy
echo "kernel debugfs says: $(mtty_debugfs_state "$dev")"
run state "$dev" pre_copy || echo "(exit $?: refused, as the kernel blocks that arc)"
run -v state "$dev" stop running
run -j state "$dev"
run reset "$dev"
