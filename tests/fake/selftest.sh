#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build a fake root and run the fake's self-test against it.
# Usage: tests/fake/selftest.sh [--valgrind | --asan | --big-backing |
#                                --drivers]
#
# --drivers runs only the personalities' part (selftest-drivers.inc),
# whose timings are lower bounds only, for the bats suite.
#
# Backing files (backing=file) go to a fresh directory in /dev/shm when
# there is one, else under the temporary root, removed at exit.
# --big-backing adds a 4 GiB backing=file device (4 GiB more of RAM in
# /dev/shm) and prints the figures of `cat` on its backing file and of
# 1 MiB reads through its data fd.
#
# --asan runs a sanitizer build of the test the way the bats suite runs
# vfiomig-asan: the ASan runtime must come first in LD_PRELOAD (or
# ASAN_OPTIONS=verify_asan_link_order=0), the fake after it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
make -s -C "$here" libvfiofake.so selftest

# shellcheck source=fakeroot.bash
source "$here/fakeroot.bash"

tmp=$(mktemp -d)
bdir=
trap 'rm -rf "$tmp" ${bdir:+"$bdir"}' EXIT
root=$tmp/root
if [[ -d /dev/shm && -w /dev/shm ]]; then
	bdir=$(mktemp -d /dev/shm/vfiofake.XXXXXX)
	export VFIOMIG_FAKE_BACKING_DIR=$bdir
else
	export VFIOMIG_FAKE_BACKING_DIR=$tmp/backing
	mkdir "$VFIOMIG_FAKE_BACKING_DIR"
fi

fake_init "$root"
fake_pci_device "$root" 0000:01:00.0 1 cdev=0
fake_pci_device "$root" 0000:01:00.1 2
fake_pci_device "$root" 0000:03:00.0 3 cdev=3 close=reset \
	driver=mlx5_vfio_pci
fake_pci_device "$root" 0000:04:00.0 4
fake_pci_device "$root" 0000:04:00.1 4 driver=ixgbe
fake_mdev_device "$root" 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 mtty-2 5 \
	cdev=5
fake_pci_device "$root" 0000:06:00.0 6 flags=none logging=0
for f in 1 3 5 7; do
	fake_pci_device "$root" "0000:02:00.$f" "2$f" "flags=0x$f"
done
# data fds: pattern images, faults, rate, the 4 GiB source
fake_pci_device "$root" 0000:0b:00.0 51 size=1048576 precopy=0 image=pattern
fake_pci_device "$root" 0000:0b:00.1 52 size=1048576 precopy=0 image=pattern
fake_pci_device "$root" 0000:0c:00.0 61 size=100000
fake_pci_device "$root" 0000:0d:00.0 71 size=8000000 rate=32000000
fake_pci_device "$root" 0000:0e:00.0 81 size=4294967296
f=1 image=exact
for end in zero enomsg eagain; do
	# exact and pattern images must end pre-copy alike
	fake_pci_device "$root" "0000:0f:00.$f" "9$f" size=1000000 \
		precopy=300000 dirty=7000 precopy_end=$end image=$image
	image=pattern
	fake_data_source "$root" "0000:0f:00.$f" >/dev/null
	f=$((f + 1))
done
# redirty=: stopped by the count, and by the image's end
fake_pci_device "$root" 0000:0f:01.0 96 size=200000 precopy=10000 \
	dirty=30000 redirty=2 precopy_end=eagain image=exact
fake_pci_device "$root" 0000:0f:01.1 97 size=100000 precopy=10000 \
	dirty=40000 redirty=1000000 precopy_end=enomsg image=pattern
fake_data_source "$root" 0000:0f:01.0 >/dev/null
fake_data_source "$root" 0000:0f:01.1 >/dev/null
fake_data_source "$root" 0000:0b:00.0 >/dev/null
fake_data_source "$root" 0000:0c:00.0 >/dev/null
# backing=file twins of the pattern, exact, rate and pre-copy devices
fake_pci_device "$root" 0000:10:00.0 101 size=1048576 precopy=0 \
	image=pattern backing=file
fake_pci_device "$root" 0000:10:01.0 102 size=100000 backing=file
fake_pci_device "$root" 0000:0d:00.1 72 size=8000000 rate=32000000 \
	backing=file
fake_pci_device "$root" 0000:0f:00.4 94 size=1000000 precopy=300000 \
	dirty=7000 precopy_end=enomsg image=pattern backing=file
fake_data_source "$root" 0000:10:01.0 >/dev/null
fake_data_source "$root" 0000:0f:00.4 >/dev/null
# the source of a backing=file device is its file, made on demand
src=$(fake_data_source "$root" 0000:10:00.0)
[[ $src == "$VFIOMIG_FAKE_BACKING_DIR"/vfiofake-*-1048576.img &&
   $(stat -c %s "$src") == 1048576 &&
   $(head -c 8 "$src") == VFAKEIMG &&
   $(readlink "$root/.fake/0000:10:00.0/backing") == "$src" ]] || {
	echo "FAIL: fake_data_source of a backing=file device: '$src'"
	exit 1
}

# one device per personality (selftest-drivers.inc)
fake_pci_device "$root" 0000:20:00.0 200 personality=mlx5 size=1048576 \
	precopy=65536 dirty=16384 redirty=3 chunk=262144 inflight_ms=100
fake_pci_device "$root" 0000:20:00.1 201 personality=mlx5 size=200000 \
	precopy=10000 dirty=5000 reinit=7000 inflight_ms=0
fake_pci_device "$root" 0000:21:00.0 210 personality=hisi_acc
fake_pci_device "$root" 0000:21:00.1 211 personality=hisi_acc match=fail
fake_pci_device "$root" 0000:22:00.0 220 personality=pds
fake_pci_device "$root" 0000:23:00.0 230 personality=virtio size=65536 \
	precopy=16384 dirty=4096 redirty=10 query_ms=300
fake_pci_device "$root" 0000:24:00.0 240 personality=qat
fake_pci_device "$root" 0000:24:00.1 241 personality=qat dirty=100 redirty=5
fake_pci_device "$root" 0000:25:00.0 250 personality=xe precopy_info_v2=1
fake_pci_device "$root" 0000:26:00.0 260 personality=mtty
[[ $(readlink "$root/sys/bus/pci/devices/0000:21:00.0/driver") == \
   */hisi_acc_vfio_pci ]] || {
	echo "FAIL: a personality's sysfs driver"
	exit 1
}
if fake_pci_device "$root" 0000:27:00.0 270 personality=nosuch 2>/dev/null
then
	echo "FAIL: an unknown personality was accepted"
	exit 1
fi

# the witness helpers must agree with what the library writes
fake_set_state "$root" 0000:01:00.1 STOP
[[ $(fake_state "$root" 0000:01:00.1) == STOP ]]
fake_set_state "$root" 0000:01:00.1 running

run=() bin=$here/selftest preload=$here/libvfiofake.so small=()
case ${1:-} in
--big-backing)
	fake_pci_device "$root" 0000:0e:00.1 82 size=4294967296 backing=file
	t0=$(date +%s.%N)
	src=$(fake_data_source "$root" 0000:0e:00.1)
	t1=$(date +%s.%N)
	cat "$src" >/dev/null	# warm
	t2=$(date +%s.%N)
	cat "$src" >/dev/null
	t3=$(date +%s.%N)
	awk -v g="$t0" -v h="$t1" -v a="$t2" -v b="$t3" 'BEGIN {
		printf "4 GiB backing file made in %.3f s\n", h - g
		printf "cat of the 4 GiB backing file: %.3f s, %.0f MiB/s\n",
			b - a, 4096 / (b - a) }'
	small=(--big-backing) ;;
--drivers)
	small=(--drivers) ;;
--valgrind)
	# the 4 GiB read-through would take minutes under valgrind
	small=(--small)
	run=(valgrind -q --error-exitcode=99 --leak-check=full
	     --trace-children=no) ;;
--asan)
	bin=$tmp/selftest-asan
	${CC:-cc} -g -fsanitize=address,undefined -DVFIOFAKE_SELFTEST \
		-I "$here/../../src" -o "$bin" "$here/selftest.c"
	preload=$(${CC:-cc} -print-file-name=libasan.so):$preload ;;
esac
VFIOMIG_FAKE_ROOT=$root LD_PRELOAD=$preload \
	"${run[@]}" "$bin" "$tmp/trace" "${small[@]}"
