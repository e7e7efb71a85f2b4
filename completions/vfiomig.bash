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

# The states --then accepts: receive ends in three; the others in any state
# a command can end in (not error, not resuming).
_vfiomig_then() {
	case $1 in
	receive) echo "running running_p2p stop" ;;
	*) echo "running running_p2p pre_copy pre_copy_p2p stop stop_copy" ;;
	esac
}

# The values of option $1 for command $2 that start with $3, in
# COMPREPLY; false when $1 takes no value we can offer.
_vfiomig_value() {
	local words=
	case $1 in
	-o | --output | -i | --input | --psk-file | --events | --pidfile)
		mapfile -t COMPREPLY < <(compgen -f -- "$3")
		return 0
		;;
	--to | --listen)
		words="tcp:// unix:"
		compopt -o nospace 2>/dev/null || true
		;;
	--then) words=$(_vfiomig_then "$2") ;;
	--on-error) words="unwind reset leave" ;;
	--open) words="auto cdev group" ;;
	-F | --format) words="text json tap junit" ;;
	--timeout | --peer-timeout | --downtime-limit | --precopy-timeout | --rounds | \
		-r | --soak | -S | --duration | -D | --seed | -E | --driver)
		return 0
		;;
	*) return 1 ;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$3")
	return 0
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
		-* | =) ;;
		*)
			# an option's value ("-o FILE", "--then=stop" split at =)
			case "${COMP_WORDS[i-1]}" in
			= | -o | --output | -i | --input | --psk-file | --events | --pidfile | \
				--to | --listen | --then | --on-error | --open | -F | --format | \
				--timeout | --peer-timeout | --downtime-limit | --precopy-timeout | \
				-r | --rounds | -S | --soak | -D | --duration | -E | --seed | --driver)
				continue
				;;
			esac
			if [ -z "$cmd" ]; then
				cmd=${COMP_WORDS[i]}
			else
				nargs=$((nargs + 1))
			fi
			;;
		esac
	done

	# "--opt=VALUE": one word, or three where = breaks words (the default)
	case "$cur" in
	--*=*)
		if _vfiomig_value "${cur%%=*}" "$cmd" "${cur#*=}"; then
			# the word is the whole "--opt=VALUE": keep the option
			COMPREPLY=("${COMPREPLY[@]/#/${cur%%=*}=}")
			return
		fi
		;;
	=)
		_vfiomig_value "$prev" "$cmd" "" && return
		;;
	esac
	if [ "$prev" = = ] && [ "$COMP_CWORD" -ge 2 ]; then
		_vfiomig_value "${COMP_WORDS[COMP_CWORD-2]}" "$cmd" "$cur" && return
	fi
	_vfiomig_value "$prev" "$cmd" "$cur" && return

	case "$cur" in
	-*)
		case "$cmd" in
		save) options+=" --output= --precopy --raw --then= --on-error= --progress --no-progress --events= $net" ;;
		restore) options+=" --input= --raw --force --then= --progress --no-progress --events= $net" ;;
		migrate) options+=" --to= --no-precopy --downtime-limit= --precopy-timeout= --dry-run --events= $net" ;;
		receive) options+=" --listen= --force --then= --events= $net" ;;
		check) options+=" --rounds= --format= --soak= --duration= --seed= --inject-faults" ;;
		hold) options+=" --daemon --pidfile=" ;;
		release) options+=" --then=" ;;
		prepare) options+=" --driver= --dry-run" ;;
		list) options+=" --all" ;;
		compat) options+=" --with=" ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
		# "--output=" is followed by its value, not by a space
		if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
			compopt -o nospace 2>/dev/null || true
		fi
		return 0
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
	hold | migrate | receive | release)
		mapfile -t COMPREPLY < <(compgen -W "$(_vfiomig_devices)" -- "$cur")
		;;
	info | reset | save | restore | check | identity | compat)
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
}

complete -F _vfiomig vfiomig
