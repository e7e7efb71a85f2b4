# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Build a fake sysfs and /dev/vfio tree for libvfiofake.so. Source this
# file (bats: `load ../fake/fakeroot`, or `source`) and run vfiomig with
#   VFIOMIG_FAKE_ROOT=$ROOT LD_PRELOAD=.../tests/fake/libvfiofake.so
#
# The layout mirrors real sysfs, link for link, so the tool's own path
# resolution runs unchanged:
#   fake_init ROOT
#   fake_pci_device ROOT BDF GROUP [key=value...]
#   fake_mdev_device ROOT UUID TYPE GROUP [key=value...]
#   fake_state ROOT NAME            print the migration state
#   fake_set_state ROOT NAME STATE  force it (test setup)
#   fake_data_source ROOT NAME      print a path that reads like a save
#   fake_variant ROOT MODULE VENDOR DEVICE [missing|present|loaded|builtin]
#                                   a VFIO variant driver of the kernel:
#                                   its vfio_pci alias in modules.alias and
#                                   its module as the state says
#   fake_module ROOT BUS DRIVER MODULE [VERSION [SRCVERSION]]
#                                   the driver's module link and version
#   fake_features ROOT NAME WORD... debugfs migration/features (6.18)
#   fake_kmsg ROOT LEVEL TEXT       log a kernel message (PRIO 8 and up:
#                                   one a process wrote, facility 1)
#   fake_fault_injection ROOT       failslab, fail_page_alloc and fail-nth
#                                   with the kernel's defaults
# Keys: driver= cdev=N flags=N|none close=keep|reset size=N precopy=N
#       dirty=N redirty=N precopy_end=zero|enomsg|eagain rate=BYTES_PER_SEC
#       image=auto|exact|pattern backing=none|file logging=0|1 vendor=
#       device= subvendor= subdevice=   (fake.h has their semantics, the
#       image rule and VFIOMIG_FAKE_BACKING_DIR)
#       personality=mtty|mlx5|hisi_acc|pds|virtio|qat|xe  a driver's
#       conventions, its sysfs driver and PCI IDs (any key given
#       overrides); open=keep|running chunk=N inflight_ms=N arc_ms=N load_ms=N
#       query_ms=N
#       estimate=N|left reinit=N precopy_info_v2=0|1 match=ok|fail tune them

_FAKE_STATES=(ERROR STOP RUNNING STOP_COPY RESUMING RUNNING_P2P PRE_COPY
	      PRE_COPY_P2P)
_FAKE_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/libvfiofake.so

# Symlink LINK -> TARGET, both absolute, stored relative like sysfs does.
_fake_ln() {
	local target=$1 link=$2 rel

	mkdir -p "$(dirname "$link")" || return
	rel=$(realpath -ms --relative-to="$(dirname "$link")" "$target") ||
		return
	ln -sfn "$rel" "$link"
}

_fake_is_vfio_driver() {
	[[ $1 == *vfio* ]]
}

fake_init() {
	local root=${1:?fake_init ROOT}

	mkdir -p "$root"/sys/bus/pci/devices "$root"/sys/bus/pci/drivers \
		"$root"/sys/bus/mdev/devices "$root"/sys/bus/mdev/drivers \
		"$root"/sys/kernel/iommu_groups "$root"/sys/class/vfio-dev \
		"$root"/dev/vfio/devices "$root"/.fake || return
	: >"$root"/dev/vfio/vfio
	: >"$root"/dev/iommu
	# the kernel's log, empty: /dev/kmsg opened under the fake reads it
	: >"$root"/dev/kmsg
}

# One record of the kernel's log in /dev/kmsg's format (kmsg.c).
fake_kmsg() {
	local root=${1:?} level=${2:?} text=${3?} seq

	seq=$(wc -c <"$root/dev/kmsg") || return
	printf '%s,%s,%s,-;%s\n' "$level" "$seq" "${EPOCHREALTIME/./}" "$text" \
		>>"$root/dev/kmsg"
}

# debugfs's failslab and fail_page_alloc and /proc/thread-self/fail-nth,
# as a 6.12 kernel with fault injection has them after boot (faults.c).
fake_fault_injection() {
	local root=${1:?} d kv

	for d in failslab fail_page_alloc; do
		mkdir -p "$root/sys/kernel/debug/$d" || return
		for kv in probability=0 interval=1 times=1 space=0 verbose=2 \
			task-filter=N ignore-gfp-wait=Y; do
			echo "${kv#*=}" >"$root/sys/kernel/debug/$d/${kv%%=*}"
		done
	done
	echo N >"$root/sys/kernel/debug/failslab/cache-filter"
	echo Y >"$root/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem"
	echo 1 >"$root/sys/kernel/debug/fail_page_alloc/min-order"
	mkdir -p "$root/proc/thread-self" &&
		echo 0 >"$root/proc/thread-self/fail-nth"
}

# Parse key=value arguments into the associative array named by $1.
_fake_opts() {
	local -n _o=$1
	local kv
	shift
	for kv in "$@"; do
		case ${kv%%=*} in
		driver|cdev|flags|close|size|precopy|dirty|redirty|precopy_end|\
		rate|image|backing|logging|vendor|device|subvendor|subdevice|\
		revision|class|\
		personality|open|chunk|inflight_ms|arc_ms|load_ms|query_ms|estimate|reinit|\
		precopy_info_v2|match)
			_o[${kv%%=*}]=${kv#*=} ;;
		*)
			echo "fakeroot: unknown key '$kv'" >&2
			return 1 ;;
		esac
	done
}

# Group membership, device node, cdev and the fake's own state.
# Args: ROOT NAME DEVDIR BUSDIR GROUP KIND OPTS-ARRAY-NAME
_fake_common() {
	local root=$1 name=$2 devdir=$3 bus=$4 group=$5 kind=$6
	local -n _c=$7
	local n dbg

	_fake_ln "$devdir" "$root/sys/bus/$bus/devices/$name"
	_fake_ln "$root/sys/kernel/iommu_groups/$group" "$devdir/iommu_group"
	_fake_ln "$devdir" "$root/sys/kernel/iommu_groups/$group/devices/$name"
	_fake_ln "$root/sys/bus/$bus" "$devdir/subsystem"
	_fake_ln "$root/sys/bus/$bus/drivers/${_c[driver]}" "$devdir/driver"
	_fake_ln "$devdir" "$root/sys/bus/$bus/drivers/${_c[driver]}/$name"
	[[ $kind == mdev ]] || _fake_is_vfio_driver "${_c[driver]}" || return 0

	: >"$root/dev/vfio/$group"
	n=${_c[cdev]-}
	if [[ -n $n ]]; then
		mkdir -p "$devdir/vfio-dev/vfio$n"
		echo "511:$n" >"$devdir/vfio-dev/vfio$n/dev"
		# the kernel's spelling of this child -> parent link
		ln -sfn "../../../$name" "$devdir/vfio-dev/vfio$n/device"
		_fake_ln "$devdir/vfio-dev/vfio$n" \
			"$root/sys/class/vfio-dev/vfio$n"
		: >"$root/dev/vfio/devices/vfio$n"
	fi

	mkdir -p "$root/.fake/$name"
	cat >"$root/.fake/$name/config" <<-EOF
		kind=$kind
		group=$group
		driver=${_c[driver]}
		cdev=$n
		flags=${_c[flags]}
		close=${_c[close]}
		size=${_c[size]}
		precopy=${_c[precopy]}
		dirty=${_c[dirty]}
		redirty=${_c[redirty]}
		precopy_end=${_c[precopy_end]}
		rate=${_c[rate]}
		image=${_c[image]}
		backing=${_c[backing]}
		logging=${_c[logging]}
		personality=${_c[personality]-}
		open=${_c[open]-}
		chunk=${_c[chunk]-}
		inflight_ms=${_c[inflight_ms]-}
		arc_ms=${_c[arc_ms]-}
		load_ms=${_c[load_ms]-}
		query_ms=${_c[query_ms]-}
		estimate=${_c[estimate]-}
		reinit=${_c[reinit]-}
		precopy_info_v2=${_c[precopy_info_v2]-}
		match=${_c[match]-}
	EOF
	echo 2 >"$root/.fake/$name/state"
	# the kernel only creates the debugfs state file when mig_ops is set
	[[ ${_c[flags]} == none ]] && return 0
	dbg=$root/sys/kernel/debug/vfio/$name/migration
	mkdir -p "$dbg" && echo RUNNING >"$dbg/state"
}

_fake_defaults() {
	local -n _d=$1
	_d=([driver]=vfio-pci [flags]=7 [close]=keep [size]=96 [precopy]=24
	    [dirty]=0 [redirty]=0 [precopy_end]=zero [rate]=0 [image]=auto
	    [backing]=none [logging]=1 [vendor]=0x15b3 [device]=0x101e
	    [subvendor]=0x15b3 [subdevice]=0x0068 [revision]=0x00 [class]=0x020000)
}

# The sysfs driver and PCI IDs of each personality (libvfiofake's
# personality.c has the rest); their other keys are left empty so that
# the library's defaults for that driver apply unless a key is given.
_FAKE_PERSONALITIES=(mtty mlx5 hisi_acc pds virtio qat xe)
_fake_personality() {
	local -n _p=$1
	local name=$2 k

	case $name in
	mtty) return 0 ;;
	mlx5) _p[driver]=mlx5_vfio_pci _p[vendor]=0x15b3 _p[device]=0x101e ;;
	hisi_acc) _p[driver]=hisi_acc_vfio_pci _p[vendor]=0x19e5
		  _p[device]=0xa256 ;;
	pds) _p[driver]=pds_vfio_pci _p[vendor]=0x1dd8 _p[device]=0x1003 ;;
	virtio) _p[driver]=virtio_vfio_pci _p[vendor]=0x1af4
		_p[device]=0x1041 ;;
	qat) _p[driver]=qat_vfio_pci _p[vendor]=0x8086 _p[device]=0x4941 ;;
	xe) _p[driver]=xe-vfio-pci _p[vendor]=0x8086 _p[device]=0xe20b ;;
	*)
		echo "fakeroot: unknown personality '$name'" >&2
		return 1 ;;
	esac
	_p[subvendor]=${_p[vendor]} _p[subdevice]=0x0000
	for k in flags close size precopy dirty redirty precopy_end; do
		_p[$k]=
	done
}

# personality= in the arguments, applied before the other keys.
_fake_pick() {
	local arr=$1 kv
	shift
	for kv in "$@"; do
		if [[ $kv == personality=* ]]; then
			_fake_personality "$arr" "${kv#*=}" || return
		fi
	done
	return 0
}

fake_pci_device() {
	local root=${1:?} bdf=${2:?} group=${3:?} dev
	local -A o
	shift 3
	_fake_defaults o
	_fake_pick o "$@" || return
	_fake_opts o "$@" || return

	dev=$root/sys/devices/pci0000:00/$bdf
	mkdir -p "$dev" "$root/sys/bus/pci/drivers/${o[driver]}" || return
	echo "${o[vendor]}" >"$dev/vendor"
	echo "${o[device]}" >"$dev/device"
	echo "${o[subvendor]}" >"$dev/subsystem_vendor"
	echo "${o[subdevice]}" >"$dev/subsystem_device"
	echo "${o[revision]}" >"$dev/revision"
	printf 'pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n' "$((o[vendor]))" \
		"$((o[device]))" "$((o[subvendor]))" "$((o[subdevice]))" \
		"$((o[class] >> 16))" "$(((o[class] >> 8) & 255))" "$((o[class] & 255))" \
		>"$dev/modalias"
	_fake_common "$root" "$bdf" "$dev" pci "$group" pci o
}

fake_mdev_device() {
	local root=${1:?} uuid=${2:?} type=${3:?} group=${4:?} parent dev
	local -A o
	shift 4
	_fake_defaults o
	o[driver]=mtty
	_fake_opts o "$@" || return

	parent=$root/sys/devices/virtual/mtty/mtty
	dev=$parent/$uuid
	mkdir -p "$dev" "$parent/mdev_supported_types/$type" \
		"$root/sys/bus/mdev/drivers/${o[driver]}" || return
	echo "$type" >"$parent/mdev_supported_types/$type/name"
	echo vfio-pci >"$parent/mdev_supported_types/$type/device_api"
	_fake_ln "$parent/mdev_supported_types/$type" "$dev/mdev_type"
	_fake_common "$root" "$uuid" "$dev" mdev "$group" mdev o
}

fake_state() {
	local root=${1:?} name=${2:?} s

	s=$(<"$root/.fake/$name/state") || return
	echo "${_FAKE_STATES[s]:-Invalid}"
}

fake_set_state() {
	local root=${1:?} name=${2:?} want=${3:?} i dbg

	for i in "${!_FAKE_STATES[@]}"; do
		[[ ${_FAKE_STATES[i]} == "${want^^}" ]] || continue
		dbg=$root/sys/kernel/debug/vfio/$name/migration
		(
			flock 9
			echo "$i" >"$root/.fake/$name/state"
			[[ -d $dbg ]] && echo "${_FAKE_STATES[i]}" >"$dbg/state"
		) 9>"$root/.fake/$name/lock"
		return
	done
	echo "fakeroot: unknown state '$want'" >&2
	return 1
}

# A path whose reads, under the fake, yield what a save of NAME would
# (the device's current image) through the same read() path and at the
# same cost, rate= included: `cat "$(fake_data_source ...)" >/dev/null`
# run with VFIOMIG_FAKE_ROOT and LD_PRELOAD set is the baseline for a
# `vfiomig save -o /dev/null` benchmark. Without the fake it reads a
# warning line, not the image.
#
# For a backing=file device the path is the backing file itself, made
# here (through the library, with the caller's VFIOMIG_FAKE_BACKING_DIR)
# if it is not there yet: any reader gets the image with plain kernel
# reads, the same copy a save's reads make, and no rate limit. It holds
# the image of now; a restore of another seed makes another file.
fake_data_source() {
	local root=${1:?} name=${2:?} link

	[[ -f $root/.fake/$name/config ]] || {
		echo "fakeroot: no fake device '$name'" >&2
		return 1
	}
	echo "libvfiofake.so is not preloaded" >"$root/.fake/$name/source"
	if ! grep -qx backing=file "$root/.fake/$name/config"; then
		echo "$root/.fake/$name/source"
		return
	fi
	# opening the source under the fake makes the backing file
	VFIOMIG_FAKE_ROOT=$root LD_PRELOAD=$_FAKE_LIB \
		dd if="$root/.fake/$name/source" of=/dev/null count=0 \
		status=none || return
	link=$(readlink "$root/.fake/$name/backing") && [[ -f $link ]] || {
		echo "fakeroot: no backing file for '$name'" >&2
		return 1
	}
	echo "$link"
}

# The module tree of the release uname reports under the fake
# (VFIOMIG_FAKE_KERNEL, kernel.c's default otherwise).
_fake_modtree() {
	echo "$1/lib/modules/${VFIOMIG_FAKE_KERNEL:-6.12.118}"
}

# A variant driver as the kernel declares it: file2alias.c's vfio_pci
# alias (IDs upper-case, 8 digits, the rest wildcards), and its module
# missing from the tree, present in modules.dep, loaded (/sys/module) or
# built in (modules.builtin).
fake_variant() {
	local root=${1:?} mod=${2:?} ven=${3:?} dev=${4:?} state=${5:-loaded} tree

	tree=$(_fake_modtree "$root")
	mkdir -p "$tree" || return
	printf 'alias vfio_pci:v%08Xd%08Xsv*sd*bc*sc*i* %s\n' "$((ven))" "$((dev))" "$mod" \
		>>"$tree/modules.alias"
	touch "$tree/modules.dep" "$tree/modules.builtin"
	case $state in
	missing) ;;
	present | loaded)
		echo "kernel/drivers/vfio/pci/${mod//_/-}.ko.xz:" >>"$tree/modules.dep"
		[[ $state == present ]] || mkdir -p "$root/sys/module/$mod" ;;
	builtin)
		echo "kernel/drivers/vfio/pci/${mod//_/-}.ko" >>"$tree/modules.builtin" ;;
	*)
		echo "fakeroot: unknown module state '$state'" >&2
		return 1 ;;
	esac
}

fake_module() {
	local root=${1:?} bus=${2:?} drv=${3:?} mod=${4:?} ver=${5-} src=${6-}

	mkdir -p "$root/sys/module/$mod" "$root/sys/bus/$bus/drivers/$drv" || return
	_fake_ln "$root/sys/module/$mod" "$root/sys/bus/$bus/drivers/$drv/module"
	[[ -z $ver ]] || echo "$ver" >"$root/sys/module/$mod/version"
	[[ -z $src ]] || echo "$src" >"$root/sys/module/$mod/srcversion"
}

fake_features() {
	local root=${1:?} name=${2:?} dbg
	shift 2
	dbg=$root/sys/kernel/debug/vfio/$name/migration
	mkdir -p "$dbg" && printf '%s\n' "$@" >"$dbg/features"
}
