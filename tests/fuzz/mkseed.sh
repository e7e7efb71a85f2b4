#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Seed corpus for the stream fuzzer: real streams saved from the fake
# device: PCI and mdev, plain and with a pre-copy phase, and a stream with
# pre-copy rounds that re-dirtied data; and for the identity document
# fuzzer, two devices' vfiomig -j identity in IDDIR.
# Usage: mkseed.sh VFIOMIG DIR IDDIR
set -euo pipefail
vfiomig=$1 dir=$2 iddir=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# shellcheck source=tests/fake/fakeroot.bash
source "$top/tests/fake/fakeroot.bash"
fake_init "$root"
fake_pci_device "$root" 0000:3b:00.1 12 cdev=0 size=300 precopy=40
fake_pci_device "$root" 0000:3b:00.2 14 cdev=2 size=600 precopy=40 dirty=30 redirty=3
fake_mdev_device "$root" 5d3e0c7a-6b43-4a5e-9f0b-2b5f2f0d8c11 mtty-2 13 cdev=1 size=200
mkdir -p "$dir"
export VFIOMIG_FAKE_ROOT=$root
LD_PRELOAD=$top/tests/fake/libvfiofake.so "$vfiomig" -q save 3b:00.1 -o "$dir/plain"
LD_PRELOAD=$top/tests/fake/libvfiofake.so "$vfiomig" -q save --then running 3b:00.1 -o "$dir/plain2"
LD_PRELOAD=$top/tests/fake/libvfiofake.so "$vfiomig" -q save --precopy 3b:00.1 -o "$dir/precopy"
LD_PRELOAD=$top/tests/fake/libvfiofake.so "$vfiomig" -q save --precopy 3b:00.2 -o "$dir/rounds"
LD_PRELOAD=$top/tests/fake/libvfiofake.so "$vfiomig" -q save \
	5d3e0c7a-6b43-4a5e-9f0b-2b5f2f0d8c11 -o "$dir/mdev"
mkdir -p "$iddir"
LD_PRELOAD=$top/tests/fake/libvfiofake.so "$vfiomig" -j identity 3b:00.1 >"$iddir/pci"
LD_PRELOAD=$top/tests/fake/libvfiofake.so "$vfiomig" -j identity \
	5d3e0c7a-6b43-4a5e-9f0b-2b5f2f0d8c11 >"$iddir/mdev"
