#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# PID 1 of the vfiomig test VM (run-vm.sh boots the kernel with init=<this>).
#
# The root file system is the host's own, shared read-only over 9p, so the
# guest runs the host's bash, bats and freshly built binaries. This script
# builds the little that a real init would (pseudo file systems, a writable
# /run, loopback), runs the one command that run-vm.sh put in the results
# share, records its status and timing there, and powers the VM off.
#
# Files in the results share (host <-> guest protocol with run-vm.sh):
#   job          written by the host: bash source setting job_cwd, job_argv
#                and job_env (NAME=value words)
#   host-start   written by the host: wall clock (microseconds) at qemu start
#   stdout       the command's stdout (the host streams it live)
#   stderr       the command's stderr (the host streams it live)
#   started      created when the command starts
#   finished     created when the command ends
#   timing       "BOOT_US COMMAND_US"
#   status       the command's exit status, written last
#   init-error   why setup failed, if it did
set -Eeuo pipefail

# The kernel starts init with almost no environment.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 022

res=/run/results
res_mounted=0

# Leave the VM. With -no-reboot, qemu exits on a reboot request; if even
# that fails, PID 1 exiting panics the kernel and panic=-1 also ends qemu,
# so the VM can never hang here.
power_off() {
	sync || true
	# -d: the read-only root has no wtmp to write.
	reboot -f -d || true
	exit 1
}

# Any setup failure: say why on the console (run-vm.sh shows its tail) and
# in the share when it is mounted, then stop. run-vm.sh turns a missing
# "status" file into exit status 125.
die() {
	echo "guest-init: $*" >&2
	if [ "$res_mounted" = 1 ]; then
		echo "guest-init: $*" >>"$res/init-error" || true
	fi
	power_off
}
trap 'die "setup failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR

# Wall clock of the host, in microseconds, at the moment FILE is created:
# files in the share get their times from the host's clock, which makes
# boot time measurable from qemu start, something the guest's own clock
# (seeded from the emulated RTC, whole seconds only) cannot do.
host_stamp() {
	: >"$1"
	date -r "$1" +%s%6N
}

# The 9p root shows the host's /proc, /sys and /dev directories as plain
# paths of the host, so the guest's own file systems must always be mounted
# over them, never assumed from what is visible.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# CONFIG_DEVTMPFS_MOUNT normally mounts /dev already.
if ! mountpoint -q /dev; then
	mount -t devtmpfs devtmpfs /dev
fi
mount -t debugfs debugfs /sys/kernel/debug
# /run is the only writable place in the guest; /tmp is left alone because
# a tmpfs there would hide the host's /tmp, where the work tree may live.
mount -t tmpfs -o mode=0755,size=50% tmpfs /run
mkdir -p /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /dev/shm

mkdir "$res"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results "$res"
res_mounted=1

# devtmpfs does not provide these, and bash (process substitution, here
# documents) and bats rely on them.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr

echo vfiomig-vm >/proc/sys/kernel/hostname
ip link set lo up

mkdir -p /run/tmp /run/home
chmod 1777 /run/tmp
# The marker carries this boot's id, so a stray file of the same name on a
# host can never make in_vm (guest-lib.bash) true there.
cat /proc/sys/kernel/random/boot_id >/run/vfiomig-testbed

[ -r "$res/job" ] || die "no job file in the results share"
job_cwd='' job_argv=() job_env=()
# shellcheck source=/dev/null
. "$res/job"
[ "${#job_argv[@]}" -gt 0 ] || die "the job file names no command"
cd "$job_cwd" || die "cannot enter $job_cwd in the guest"
read -r host_start <"$res/host-start"

# The host user's PATH often lacks the sbin directories, but the command
# runs as root here and tests need ip, devlink and friends.
env=() path=
for kv in "${job_env[@]}"; do
	case $kv in
	PATH=*) path=${kv#PATH=} ;;
	*) env+=("$kv") ;;
	esac
done
for dir in /usr/sbin /sbin; do
	case ":$path:" in
	*":$dir:"*) ;;
	*) path=${path:+$path:}$dir ;;
	esac
done
# HOME, TMPDIR and BATS_TMPDIR must be writable, and only /run is.
env+=("PATH=$path" HOME=/run/home TMPDIR=/run/tmp BATS_TMPDIR=/run/tmp)

trap - ERR
set +e
: >>"$res/stdout"
: >>"$res/stderr"
start_us=$(host_stamp "$res/started")
env -i "${env[@]}" "${job_argv[@]}" </dev/null >>"$res/stdout" 2>>"$res/stderr"
status=$?
end_us=$(host_stamp "$res/finished")
echo "$((start_us - host_start)) $((end_us - start_us))" >"$res/timing"
# Written last: its presence tells run-vm.sh that the command completed.
echo "$status" >"$res/status"
power_off
