# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by every bats file: the binary under test, assertions, skips.
# shellcheck shell=bash disable=SC2034,SC2154
# (bats sets status, output and stderr; the EX_ names are for the tests)

bats_require_minimum_version 1.5.0

load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# The sanitizer build by default; VFIOMIG overrides (the VM uses the plain one).
VFIOMIG=${VFIOMIG:-$TOP/vfiomig-asan}
FAKE_LIB=${FAKE_LIB:-$TOP/tests/fake/libvfiofake.so}

# wait_for [-t SECS] CMD...
# shellcheck source=tests/bats/wait.bash
source "$TOP/tests/bats/wait.bash"

# Each test its own record of earlier arcs (vfiomig(8), FILES): no
# estimate depends on what another test, or the host, migrated before.
export VFIOMIG_STATEDIR=${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-$BATS_RUN_TMPDIR}}/state

# Any sanitizer report fails the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:halt_on_error=1:detect_leaks=1:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:exitcode=99}

# The exit codes of vfiomig(8), read from the source: the header under
# src/ that defines EXIT_USAGE = 64 holds the enum, and each EXIT_NAME = N
# in it is EX_NAME here. Every EX_ name the suites use must be there: an
# unset one would turn `assert_failure $EX_NAME` into "any failure".
_exit_codes() {
	local hdrs name n want=() missing=()
	mapfile -t hdrs < <(grep -rlE --include='*.h' \
		'^[[:space:]]*EXIT_USAGE[[:space:]]*=[[:space:]]*64\b' "$TOP/src")
	if [ "${#hdrs[@]}" -eq 0 ]; then
		echo "helpers.bash: no header under $TOP/src defines EXIT_USAGE = 64: no exit codes to test" >&2
		return 1
	elif [ "${#hdrs[@]}" -gt 1 ]; then
		echo "helpers.bash: more than one header defines EXIT_USAGE = 64: ${hdrs[*]}" >&2
		return 1
	fi
	while read -r name n; do
		printf -v "EX_$name" %s "$((10#$n))"
	done < <(sed -nE 's/^[[:space:]]*EXIT_([A-Z0-9_]+)[[:space:]]*=[[:space:]]*([0-9]+)[[:space:]]*([,/].*)?$/\1 \2/p' \
		"${hdrs[0]}")
	mapfile -t want < <(grep -ohE --exclude=helpers.bash '\bEX_[A-Z0-9_]+' \
		"$TOP"/tests/bats/*.bats "$TOP"/tests/bats/*.bash | sort -u)
	for name in "${want[@]}"; do
		[ -n "${!name:-}" ] || missing+=("EXIT_${name#EX_}")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "helpers.bash: ${hdrs[0]} defines no ${missing[*]}, which the suites use" >&2
		return 1
	fi
}
_exit_codes || return 1

# Run vfiomig, keeping stdout and stderr apart ($output / $stderr), and log
# the command so a failing test shows what ran.
vm() {
	echo "# vfiomig $*"
	run --separate-stderr "$VFIOMIG" "$@"
	echo "# status $status"; [ -z "$stderr" ] || echo "# stderr: $stderr"
}

# make -s in the top directory, with none of a calling make's flags (its
# -n, its jobserver) when a suite runs under make check.
top_make() {
	env -u MAKEFLAGS -u MAKELEVEL make -s -C "$TOP" "$@"
}

requires_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

requires_cmd() {
	command -v "$1" >/dev/null || skip "needs $1"
}

# stderr has exactly one line and it matches the regex.
assert_one_error() {
	local n
	n=$(printf '%s\n' "$stderr" | grep -c . || true)
	if [ "$n" -ne 1 ]; then
		echo "expected one line on stderr, got $n:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
	if ! [[ "$stderr" =~ $1 ]]; then
		echo "stderr does not match /$1/: $stderr" >&2
		return 1
	fi
}

# stdout is one valid JSON document; then jq_is FILTER VALUE checks fields.
assert_json() {
	printf '%s' "$output" | jq -e . >/dev/null || {
		echo "not JSON: $output" >&2
		return 1
	}
}

jq_is() {
	local got
	got=$(printf '%s' "$output" | jq -r "$1")
	[ "$got" = "$2" ] || {
		echo "jq '$1': expected '$2', got '$got'" >&2
		return 1
	}
}

# --- the fake device (tests/fake) -----------------------------------------

# A sanitizer's runtime must come first in LD_PRELOAD, before the fake.
_preload() {
	local san
	for san in asan tsan; do
		if ldd "$VFIOMIG" 2>/dev/null | grep -q "lib$san"; then
			echo "$(cc -print-file-name=lib$san.so):$FAKE_LIB"
			return
		fi
	done
	echo "$FAKE_LIB"
}

# A fresh fake root with the devices most tests use.
fake_setup() {
	[ -e "$FAKE_LIB" ] || skip "fake not built: make fake"
	# shellcheck source=tests/fake/fakeroot.bash
	source "$TOP/tests/fake/fakeroot.bash"
	ROOT=$BATS_TEST_TMPDIR/root
	export VFIOMIG_FAKE_ROOT=$ROOT
	PRELOAD=$(_preload)
	fake_init "$ROOT"
	# mtty-like: keeps its state on close
	PCI=0000:3b:00.1
	fake_pci_device "$ROOT" $PCI 12 cdev=0 driver=mlx5_vfio_pci \
		vendor=0x15b3 device=0x101e subvendor=0x15b3 subdevice=0x0063
	# mlx5-like: back to running on open and close
	RESETTER=0000:3b:00.4
	fake_pci_device "$ROOT" $RESETTER 17 cdev=3 driver=mlx5_vfio_pci close=reset
	MDEV=5d3e0c7a-6b43-4a5e-9f0b-2b5f2f0d8c11
	fake_mdev_device "$ROOT" $MDEV mtty-2 13 cdev=1
}

# Kill and reap this test's background jobs: a test that failed before
# its background command ended leaves none running (for teardown).
end_jobs() {
	local p
	for p in $(jobs -p); do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# Run vfiomig against the fake.
fvm() {
	echo "# [fake] vfiomig $*"
	run --separate-stderr env LD_PRELOAD="$PRELOAD" "$VFIOMIG" "$@"
	echo "# status $status"
	[ -z "$stderr" ] || echo "# stderr: $stderr"
}

# The state the fake device is really in (its debugfs witness), lower case.
fstate() {
	fake_state "$ROOT" "$1" | tr '[:upper:]' '[:lower:]'
}

# state_is DEV STATE: the fake device is in STATE (for wait_for).
state_is() {
	[ "$(fstate "$1")" = "$2" ]
}

# Timing- or volume-heavy tests are skipped under valgrind.
not_under_valgrind() {
	[ -z "${VFIOMIG_VALGRIND:-}" ] || skip "too slow under valgrind"
}

# In the test VM: the state the kernel's own debugfs reports, lower case
# (needs scripts/testbed/guest-lib.bash sourced).
kstate() {
	mtty_debugfs_state "$1" | tr '[:upper:]' '[:lower:]'
}

# --- conditions to wait for ------------------------------------------------

# gone PID: process PID has exited (gone, or a zombie nobody reaped yet).
gone() {
	local st
	st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null) || true
	[ -z "$st" ] || [ "$st" = Z ]
}

# runs_holding PID COMM FD: process PID has exec'd COMM, and has FD open.
runs_holding() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && [ -e "/proc/$1/fd/$3" ]
}

# unix_listening PATH: a socket bound to PATH listens (a socket file alone
# may be bound and not listen yet: a connection then is refused).
unix_listening() {
	awk -v p="$1" '$8 == p && $4 == "00010000" { found = 1 } END { exit !found }' \
		/proc/net/unix
}

# tcp_listening PORT: something listens on TCP port PORT (IPv4).
tcp_listening() {
	awk -v p="$(printf ':%04X' "$1")" \
		'substr($2, length($2) - 4) == p && $4 == "0A" { found = 1 } END { exit !found }' \
		/proc/net/tcp
}

# gone_reader CMD...: run CMD with stdout a pipe whose reader is gone
# before CMD starts (no race with a reader that exits "soon"); $status
# and $stderr as run sets them.
gone_reader() {
	echo "# $* | (reader gone)"
	run --separate-stderr python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
sys.stderr.write(p.stderr.decode(errors="replace"))
sys.exit(p.returncode if p.returncode >= 0 else 128 - p.returncode)' "$@"
	echo "# status $status; stderr: $stderr"
}

# Until process PID holds FILE open.
holds_open() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd")" = "$2" ] && return 0
	done
	return 1
}

# The -j report of a migrate --dry-run ($output): it succeeded, committed
# nothing, moved nothing and changed no state.
dry_run_moved_nothing() {
	assert_success
	[ -z "$stderr" ]
	jq_is .ok true
	jq_is .dry_run true
	jq_is .committed false
	jq_is .bytes 0
	jq_is '.arcs | length' 0
}

# pipe_full PATH: the pipe or FIFO at PATH (a /proc/PID/fd/N link too)
# holds within a page of what it can: its writer must be waiting.
pipe_full() {
	python3 -c '
import fcntl, os, struct, sys, termios
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
size = fcntl.fcntl(fd, 1032)  # F_GETPIPE_SZ
queued = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
sys.exit(0 if queued > size - 4096 else 1)' "$1"
}
