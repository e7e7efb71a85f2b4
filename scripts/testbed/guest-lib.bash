# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for real-kernel bats tests that run inside the vfiomig test VM
# (scripts/testbed/run-vm.sh). They manage mtty mediated devices, the VFIO
# sample driver (with migration support from Linux 6.7), and read the
# kernel's own view of a device's migration state from debugfs as an
# independent witness. They work on every kernel series the test bed
# builds (build-kernel.sh --series): on 6.1 mtty is a module and there is
# no VFIO cdev and no debugfs state.
#
# Each function prints only what its comment says; on failure it returns
# non-zero with a message on stderr.
#
# This file is sourced, so it deliberately leaves the caller's shell options
# (set -e and friends) alone and checks every step itself instead.

# The mtty sample registers its parent device as /sys/devices/virtual/mtty/mtty;
# the mdev core links it here and names the types "<parent driver>-<type>".
_gl_types=/sys/class/mdev_bus/mtty/mdev_supported_types
_gl_mdevs=/sys/bus/mdev/devices
# Written by guest-init.sh: the boot id of the VM.
_gl_marker=/run/vfiomig-testbed

# wait_for [-t SECS] CMD..., the tests' one way to wait for an event.
# shellcheck source=tests/bats/wait.bash
source "$(dirname "${BASH_SOURCE[0]}")/../../tests/bats/wait.bash"

_gl_err() {
	echo "guest-lib: $*" >&2
}

_gl_dev() {
	local uuid=${1-}
	if [ -z "$uuid" ]; then
		_gl_err "${FUNCNAME[1]}: no UUID given"
		return 1
	fi
	if [ ! -d "$_gl_mdevs/$uuid" ]; then
		_gl_err "${FUNCNAME[1]}: no mdev device $uuid"
		return 1
	fi
	printf '%s\n' "$_gl_mdevs/$uuid"
}

# in_vm: status 0 inside the test VM, 1 elsewhere. The marker holds the
# boot id, so a stale file on some host cannot pass for it.
in_vm() {
	local want have
	[ -r "$_gl_marker" ] || return 1
	read -r want <"$_gl_marker" || return 1
	read -r have </proc/sys/kernel/random/boot_id || return 1
	[ -n "$want" ] && [ "$want" = "$have" ]
}

# mtty_group UUID: print the device's IOMMU group number.
mtty_group() {
	local dev link
	dev=$(_gl_dev "${1-}") || return 1
	if ! link=$(readlink "$dev/iommu_group"); then
		_gl_err "mtty_group: $1 has no IOMMU group"
		return 1
	fi
	printf '%s\n' "${link##*/}"
}

# mtty_load: make sure the mtty sample is there. The 6.12 test kernel has
# it built in; on 6.1 it can only be a module, and it is loaded the way an
# operator would, with modprobe, from the module tree that build-kernel.sh
# installed next to the kernel (run-vm.sh passes its path on as
# VFIOMIG_TESTBED_MODULES; the host's file system is the guest's root).
mtty_load() {
	[ -d "$_gl_types" ] && return 0
	if [ -z "${VFIOMIG_TESTBED_MODULES:-}" ]; then
		_gl_err "mtty_load: no mtty, and no module tree (VFIOMIG_TESTBED_MODULES) to load it from"
		return 1
	fi
	if ! modprobe -d "$VFIOMIG_TESTBED_MODULES" mtty; then
		_gl_err "mtty_load: modprobe -d $VFIOMIG_TESTBED_MODULES mtty failed"
		return 1
	fi
	if [ ! -d "$_gl_types" ]; then
		_gl_err "mtty_load: mtty loaded but $_gl_types is missing"
		return 1
	fi
}

# mtty_vfio_dev UUID: print the device's /sys/.../vfio-dev/vfioN directory,
# which the VFIO core makes for every device it registers (6.1 and later).
mtty_vfio_dev() {
	local dev vfio
	dev=$(_gl_dev "${1-}") || return 1
	for vfio in "$dev"/vfio-dev/vfio*; do
		if [ -d "$vfio" ]; then
			printf '%s\n' "$vfio"
			return 0
		fi
	done
	_gl_err "mtty_vfio_dev: $1 has no vfio-dev entry"
	return 1
}

# mtty_cdev UUID: print the device's VFIO cdev, /dev/vfio/devices/vfioN.
# The vfio-dev entry is a character device only when it has a "dev"
# attribute (6.6+ with CONFIG_VFIO_DEVICE_CDEV); without one, fail.
mtty_cdev() {
	local vfio
	vfio=$(mtty_vfio_dev "${1-}") || return 1
	if [ ! -e "$vfio/dev" ]; then
		_gl_err "mtty_cdev: $1 has no VFIO cdev (no $vfio/dev)"
		return 1
	fi
	printf '%s\n' "/dev/vfio/devices/${vfio##*/}"
}

# _gl_nodes UUID: the device's group node and, where the kernel has one,
# its cdev node exist.
_gl_nodes() {
	local group vfio
	group=$(mtty_group "$1" 2>/dev/null) &&
		vfio=$(mtty_vfio_dev "$1" 2>/dev/null) &&
		[ -c "/dev/vfio/$group" ] &&
		{ [ ! -e "$vfio/dev" ] || [ -c "/dev/vfio/devices/${vfio##*/}" ]; }
}

# mtty_create TYPE: create an mtty device of TYPE (mtty-1: one port,
# mtty-2: two ports), wait until its group node and, where the kernel has
# one, its cdev node exist, and print its UUID.
mtty_create() {
	local type=${1-} uuid
	case $type in
	mtty-1 | mtty-2) ;;
	*)
		_gl_err "mtty_create: TYPE must be mtty-1 or mtty-2, not '$type'"
		return 1
		;;
	esac
	if [ ! -w "$_gl_types/$type/create" ]; then
		_gl_err "mtty_create: $_gl_types/$type/create missing (kernel without the mtty sample?)"
		return 1
	fi
	read -r uuid </proc/sys/kernel/random/uuid || return 1
	if ! echo "$uuid" >"$_gl_types/$type/create"; then
		_gl_err "mtty_create: the kernel refused to create $type device $uuid"
		return 1
	fi
	# Creation is synchronous today, but the device nodes come from
	# devtmpfs: wait for them rather than rely on that ordering.
	if ! wait_for -t 10 _gl_nodes "$uuid"; then
		_gl_err "mtty_create: $uuid did not get its /dev/vfio nodes within 10 s"
		return 1
	fi
	printf '%s\n' "$uuid"
}

# mtty_remove UUID: remove the device. It must not be open: the kernel
# waits for the last user before it lets go.
mtty_remove() {
	local dev
	dev=$(_gl_dev "${1-}") || return 1
	if ! echo 1 >"$dev/remove"; then
		_gl_err "mtty_remove: the kernel refused to remove $1"
		return 1
	fi
	if [ -e "$_gl_mdevs/$1" ]; then
		_gl_err "mtty_remove: $1 still exists after removal"
		return 1
	fi
}

# mtty_debugfs_state UUID: print the migration state as the kernel's VFIO
# debugfs reports it (drivers/vfio/debugfs.c): one of ERROR, STOP, RUNNING,
# STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P (or Invalid).
# The directory is named after the mdev device, i.e. its UUID.
mtty_debugfs_state() {
	local f state
	_gl_dev "${1-}" >/dev/null || return 1
	f=/sys/kernel/debug/vfio/$1/migration/state
	if [ ! -e "$f" ]; then
		_gl_err "mtty_debugfs_state: $f missing (debugfs not mounted or no CONFIG_VFIO_DEBUGFS?)"
		return 1
	fi
	# The read takes the device's state lock; a known mtty bug (closing a
	# device in RESUMING, then reopening it) leaves that lock held for
	# good, so never let a read hang a whole test run.
	if ! state=$(timeout 10 cat "$f"); then
		_gl_err "mtty_debugfs_state: reading $f failed or hung"
		return 1
	fi
	printf '%s\n' "$state"
}
