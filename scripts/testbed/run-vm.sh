#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run one command as root inside the vfiomig test VM: the small kernel from
# build-kernel.sh (of the kernel series --series names) booted under qemu
# with software emulation (KVM fails under nested virtualisation), the
# host's root file system shared read-only over 9p, and a fresh writable 9p
# share for the results.
#
# The command runs in the same working directory as here, with PATH, TERM,
# V, locale, CI, VFIOMIG_* and BATS_* passed through, and, when the kernel
# has loadable modules, VFIOMIG_TESTBED_MODULES: the module tree installed
# next to it (for "modprobe -d"). Its stdout and stderr
# are streamed live to ours; the kernel console goes to a file and is shown
# (last 50 lines) only when something fails.
#
# Exit status: the command's; 124 on time-out; 125 when the VM did not boot,
# the command never ran or the guest died before it finished.
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: run-vm.sh [--timeout SEC] [--series SERIES] [--variant debug]
                 [--kernel BZIMAGE] [--keep-console FILE] -- COMMAND [ARGS...]

  --timeout SEC        kill the VM after SEC seconds and exit 124 (default 2400)
  --series SERIES      the kernel series build-kernel.sh builds: 6.12
                       (default) or 6.1, Debian 12's own
  --variant debug      that series' debug kernel (KASAN, UBSAN, lockdep,
                       fault injection), booted with 2 GiB instead of 1
                       and every KASAN report kept (kasan_multi_shot)
  --kernel BZIMAGE     boot this kernel instead of the one build-kernel.sh makes
  --keep-console FILE  copy the guest's kernel console log to FILE
EOF
}

fail() {
	echo "run-vm: $*" >&2
	exit 125
}

here=$(cd "$(dirname "$0")" && pwd)
timeout=2400
series=6.12
variant=
kernel=
keep_console=

while [ $# -gt 0 ]; do
	case $1 in
	--timeout | --series | --variant | --kernel | --keep-console)
		[ $# -ge 2 ] || { usage >&2; fail "$1 needs a value"; }
		case $1 in
		--timeout) timeout=$2 ;;
		--series) series=$2 ;;
		--variant) variant=$2 ;;
		--kernel) kernel=$2 ;;
		--keep-console) keep_console=$2 ;;
		esac
		shift 2
		;;
	--timeout=*) timeout=${1#*=}; shift ;;
	--series=*) series=${1#*=}; shift ;;
	--variant=*) variant=${1#*=}; shift ;;
	--kernel=*) kernel=${1#*=}; shift ;;
	--keep-console=*) keep_console=${1#*=}; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) usage >&2; fail "unknown option: $1" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { usage >&2; fail "no command given"; }
case $timeout in
'' | *[!0-9]* | 0) fail "--timeout wants a positive whole number of seconds" ;;
esac
# KASAN keeps a shadow of an eighth of memory and a quarantine of freed
# objects; lockdep its own tables. Without kasan_multi_shot KASAN reports
# only the first bad access of a boot, and check must see every one.
memory=1024
extra_append=
case $variant in
'') ;;
debug) memory=2048 extra_append=" kasan_multi_shot" ;;
*) fail "--variant: no variant '$variant' (there is: debug)" ;;
esac

init=$here/guest-init.sh
# The init path travels on the kernel command line, which splits on spaces.
case $init in
*[[:space:]]*) fail "the repository path must not contain white space: $here" ;;
esac
[ -x "$init" ] || fail "$init is not executable"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 not found"

if [ -z "$kernel" ]; then
	kernel=$("$here/build-kernel.sh" --series "$series" ${variant:+--variant "$variant"}) ||
		fail "build-kernel.sh failed"
fi
[ -r "$kernel" ] || fail "kernel $kernel is not readable"
# The guest sees the host's files at the same paths, so it can load the
# kernel's modules from where build-kernel.sh put them (but not from under
# /run, which the guest mounts its own tmpfs over).
modules=$(cd "$(dirname "$kernel")" && pwd)/modules
if [ -d "$modules" ]; then
	case $modules in
	/run/*) fail "the guest cannot see $modules: keep the kernel cache out of /run" ;;
	esac
	export VFIOMIG_TESTBED_MODULES=$modules
else
	unset VFIOMIG_TESTBED_MODULES
fi
qpid='' spid='' tout='' terr=''
tmp=$(mktemp -d -t vfiomig-vm.XXXXXX)
share=$tmp/share
mkdir "$share"

stop_qemu() {
	[ -n "$qpid" ] || return 0
	kill -TERM "$qpid" 2>/dev/null || return 0
	local tries=50
	while [ "$tries" -gt 0 ]; do
		kill -0 "$qpid" 2>/dev/null || return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	kill -KILL "$qpid" 2>/dev/null || true
}

# Only ever called from the EXIT trap, which shellcheck cannot see.
# shellcheck disable=SC2317
cleanup() {
	stop_qemu
	local p
	for p in $spid $tout $terr; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The job for guest-init.sh, as bash source. Only these variables cross:
# the guest is a different machine, and host paths such as a bats run's
# temporary directories are read-only there (the guest points BATS_TMPDIR,
# TMPDIR and HOME at its own /run).
pass_env() {
	local name
	while IFS= read -r name; do
		case $name in
		BATS_*TMPDIR) continue ;;
		PATH | TERM | V | LANG | LANGUAGE | LC_* | TZ | CI | NO_COLOR | VFIOMIG_* | BATS_*)
			printf ' %q' "$name=${!name}"
			;;
		esac
	done < <(compgen -e)
}
{
	printf 'job_cwd=%q\n' "$PWD"
	printf 'job_argv=('
	printf ' %q' "$@"
	printf ' )\n'
	printf 'job_env=(%s )\n' "$(pass_env)"
} >"$share/job"
: >"$share/stdout"
: >"$share/stderr"

# "ro" plus a read-only share: the guest can never write to the host's
# files. cache=loose makes exec and stat much cheaper; the guest only reads
# and a run is short, so a host file changing meanwhile is not a concern.
# multidevs=remap keeps inode numbers unique across the host's mounts.
append="console=ttyS0 quiet root=hostroot rootfstype=9p"
append+=" rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro"
append+=" init=$init oops=panic panic=-1 tsc=reliable$extra_append"

# qemu splits -virtfs options on commas; a doubled comma is a literal one.
share_opt=${share//,/,,}

now_us() { echo "${EPOCHREALTIME/./}"; }

t0=$(now_us)
echo "$t0" >"$share/host-start"
# -nographic with an explicit -serial would still put the monitor on
# stdio; "-monitor none" keeps qemu away from the terminal entirely.
qemu-system-x86_64 \
	-accel tcg -m "$memory" -smp 2 -nographic -no-reboot \
	-monitor none -serial "file:$tmp/console.log" -nic none \
	-kernel "$kernel" -append "$append" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$share_opt,mount_tag=results,security_model=none,multidevs=remap" \
	</dev/null >"$tmp/qemu.log" 2>&1 &
qpid=$!

# tail --pid reads what is left once qemu has exited, then stops.
tail -c +1 -s 0.2 --pid="$qpid" -f -- "$share/stdout" &
tout=$!
tail -c +1 -s 0.2 --pid="$qpid" -f -- "$share/stderr" >&2 &
terr=$!

sleep "$timeout" &
spid=$!
done_pid=
wait -n -p done_pid "$qpid" "$spid" || true
timed_out=0
if [ "$done_pid" != "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
	timed_out=1
	stop_qemu
fi
wait "$qpid" 2>/dev/null || true
qpid=
t1=$(now_us)
kill "$spid" 2>/dev/null || true
wait "$tout" "$terr" 2>/dev/null || true
tout='' terr='' spid=''

[ -z "$keep_console" ] || cp "$tmp/console.log" "$keep_console" ||
	echo "run-vm: could not copy the console to $keep_console" >&2

console_tail() {
	echo "run-vm: last 50 lines of the kernel console:" >&2
	# SeaBIOS and reboot(8) write terminal escapes (even a full reset):
	# never replay those onto the user's terminal.
	tail -n 50 "$tmp/console.log" |
		sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b.//g' |
		tr -d '\r' | awk 1 >&2 # awk: end on a newline, like the lines after it
}

# Microseconds to seconds with one decimal.
secs() { printf '%d.%d' $(($1 / 1000000)) $(($1 % 1000000 / 100000)); }

boot='?' cmd='?'
if [ -s "$share/timing" ]; then
	read -r boot_us cmd_us <"$share/timing"
	boot=$(secs "$boot_us")
	cmd=$(secs "$cmd_us")
elif [ -e "$share/started" ]; then
	# Timed out or died mid-command: the start marker's time (the host's
	# clock, as the guest meant it) still gives the boot time.
	boot=$(secs $(($(date -r "$share/started" +%s%6N) - t0)))
fi

if [ "$timed_out" = 1 ]; then
	echo "run-vm: timed out after $timeout s, qemu killed" >&2
	console_tail
	rc=124
elif [ -s "$share/status" ]; then
	rc=$(cat "$share/status")
	[ "$rc" = 0 ] || console_tail
elif [ -e "$share/started" ]; then
	echo "run-vm: the guest died before the command finished" >&2
	console_tail
	rc=125
else
	echo "run-vm: the VM did not boot or the command never ran" >&2
	[ ! -s "$share/init-error" ] || cat "$share/init-error" >&2
	if [ -s "$tmp/qemu.log" ]; then
		echo "run-vm: qemu said:" >&2
		cat "$tmp/qemu.log" >&2
	fi
	console_tail
	rc=125
fi

echo "run-vm: boot ${boot}s, command ${cmd}s, total $(secs $((t1 - t0)))s" >&2
exit "$rc"
