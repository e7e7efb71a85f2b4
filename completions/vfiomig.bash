# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for vfiomig(8)
# shellcheck shell=bash

# VFIO devices from sysfs: PCI addresses and mdev UUIDs with a vfio-dev
# entry or a group node, plus the cdev nodes.
_vfiomig_devices() {
	local d
	for d in /sys/bus/pci/devices/* /sys/bus/mdev/devices/*; do
		[ -e "$d" ] || continue
		if [ -d "$d/vfio-dev" ] || [[ "$(readlink "$d/driver" 2>/dev/null)" == *vfio* ]]; then
			printf '%s\n' "${d##*/}"
		elif [[ "$d" == /sys/bus/mdev/* ]]; then
			printf '%s\n' "${d##*/}"
		fi
	done
	for d in /dev/vfio/devices/vfio*; do
		[ -e "$d" ] && printf '%s\n' "$d"
	done
}

# PCI VFs (devices with a physfn link), for devlink and prepare.
_vfiomig_vfs() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/physfn" ] && printf '%s\n' "${d##*/}"
	done
}

_vfiomig() {
	local cur prev
	local commands="info state reset save restore migrate receive inspect check hold release list identity compat devlink prepare help"
	local states="running running_p2p pre_copy pre_copy_p2p stop stop_copy resuming"
	local options="--json --pretty --verbose --quiet --open= --no-holder --help --version"
	local net="--psk-file= --insecure --timeout= --peer-timeout="
	local i cmd="" nargs=0

	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	COMPREPLY=()

	for ((i = 1; i < COMP_CWORD; i++)); do
		case "${COMP_WORDS[i]}" in
		-*) ;;
		*)
			if [ -z "$cmd" ]; then
				cmd=${COMP_WORDS[i]}
			else
				nargs=$((nargs + 1))
			fi
			;;
		esac
	done

	case "$prev" in
	-o | --output | -i | --input | --psk-file | --events)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--to | --listen)
		mapfile -t COMPREPLY < <(compgen -W "tcp:// unix:" -- "$cur")
		return
		;;
	--then)
		mapfile -t COMPREPLY < <(compgen -W "$states" -- "$cur")
		return
		;;
	--on-error)
		mapfile -t COMPREPLY < <(compgen -W "unwind reset leave" -- "$cur")
		return
		;;
	esac

	case "$cur" in
	--then=*)
		mapfile -t COMPREPLY < <(compgen -W "$states" -- "${cur#--then=}")
		return
		;;
	--on-error=*)
		mapfile -t COMPREPLY < <(compgen -W "unwind reset leave" -- "${cur#--on-error=}")
		return
		;;
	--open=*)
		mapfile -t COMPREPLY < <(compgen -W "auto cdev group" -- "${cur#--open=}")
		return
		;;
	-*)
		case "$cmd" in
		save) options+=" --output= --precopy --raw --then= --on-error= --progress --no-progress --events= $net" ;;
		restore) options+=" --input= --raw --force --then= --progress --no-progress --events= $net" ;;
		migrate) options+=" --to= --no-precopy --downtime-limit= --precopy-timeout= --events= $net" ;;
		receive) options+=" --listen= --force --then= --events= $net" ;;
		check) options+=" --rounds= --format= --soak= --duration= --seed=" ;;
		hold) options+=" --daemon --pidfile=" ;;
		release) options+=" --then=" ;;
		prepare) options+=" --driver= --dry-run" ;;
		list) options+=" --all" ;;
		compat) options+=" --with=" ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
		return
		;;
	esac

	if [ -z "$cmd" ]; then
		mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
		return
	fi
	case "$cmd" in
	inspect)
		[ "$nargs" -eq 0 ] && mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	hold | migrate | receive)
		mapfile -t COMPREPLY < <(compgen -W "$(_vfiomig_devices)" -- "$cur")
		;;
	info | reset | save | restore | check | release | identity | compat)
		[ "$nargs" -eq 0 ] &&
			mapfile -t COMPREPLY < <(compgen -W "$(_vfiomig_devices)" -- "$cur")
		;;
	state)
		if [ "$nargs" -eq 0 ]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_vfiomig_devices)" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$states" -- "$cur")
		fi
		;;
	devlink)
		case "$nargs" in
		0) mapfile -t COMPREPLY < <(compgen -W "show set info" -- "$cur") ;;
		1) mapfile -t COMPREPLY < <(compgen -W "$(_vfiomig_vfs)" -- "$cur") ;;
		2) [ "${COMP_WORDS[COMP_CWORD-2]}" != show ] &&
			mapfile -t COMPREPLY < <(compgen -W "migratable" -- "$cur") ;;
		3) mapfile -t COMPREPLY < <(compgen -W "on off" -- "$cur") ;;
		esac
		;;
	prepare)
		[ "$nargs" -eq 0 ] &&
			mapfile -t COMPREPLY < <(compgen -W "$(_vfiomig_vfs)" -- "$cur")
		;;
	help)
		[ "$nargs" -eq 0 ] &&
			mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
		;;
	esac
	: "$prev"
}

complete -F _vfiomig vfiomig
