#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Command-line behaviour that needs no device: help, usage errors and
# their exit codes, and agreement between help, man page and completions.

load helpers

commands() {
	"$VFIOMIG" help | sed -n 's/^  \([a-z]\+\) .*/\1/p'
}

@test "--version prints the version" {
	vm --version
	assert_success
	assert_output --regexp '^vfiomig [0-9]+\.[0-9]+'
}

@test "--help lists every command" {
	local table c n=0
	# The command table in main.c is the truth, not the help text itself.
	table=$(sed -n 's/^\t{ "\([a-z]*\)", cmd_.*/\1/p' "$TOP/src/cmd/main.c")
	[ "$(wc -w <<<"$table")" -ge 15 ]
	vm --help
	assert_success
	for c in $table; do
		assert_line --regexp "^  $c( |$)"
		n=$((n + 1))
	done
	assert_equal "$(commands | wc -l)" "$n"
}

@test "every command answers --help and -? with its usage" {
	for c in $(commands); do
		vm "$c" --help
		assert_success
		assert_output --partial "Usage: vfiomig $c"
		vm "$c" '-?'
		assert_success
		assert_output --partial "Usage: vfiomig $c"
	done
}

# Lines of a help text that break its layout: wider than 80 columns,
# ending in blanks, or a table entry's text carried on at column 0 (a
# paragraph's column-0 line after an indented one; "  or:" lines are the
# usage's own).
help_defects() {
	awk '
		length($0) > 80 { print "too wide: " $0 }
		/[[:space:]]$/ { print "trailing blanks: " $0 }
		!NF { prev = ""; next }
		/^[^[:space:]]/ && prev ~ /^[[:space:]]/ && prev !~ /^  or: / {
			print "at column 0: " $0
		}
		{ prev = $0 }'
}

# In the command table every summary starts in one column (29): on its
# command's line, or on the next line when the arguments reach it.
table_defects() {
	awk '
		/^Commands:/ { on = 1; next }
		on && !NF { exit }
		on { line[++n] = $0 }
		END {
			for (i = 1; i <= n; i++) {
				l = line[i]
				if (substr(l, 28, 1) == " " && substr(l, 29, 1) ~ /[^ ]/)
					continue
				next_l = line[i + 1]
				if (l ~ /^  [a-z]+ / && substr(next_l, 1, 28) ~ /^ *$/ &&
				    substr(next_l, 29, 1) ~ /[^ ]/)
					continue
				print "out of its column: " l
			}
		}'
}

@test "every help text fits 80 columns and keeps its table's columns" {
	for c in "" $(commands); do
		# shellcheck disable=SC2086 # "" is vfiomig's own --help
		vm $c --help
		assert_success
		assert_equal "$(help_defects <<<"$output")" ""
	done
	vm --help
	assert_equal "$(table_defects <<<"$output")" ""
	assert_output --partial "$(printf '  receive  DEV... --listen URL\n%28s%s' '' 'receive a live')"
	vm help
	assert_success
	assert_equal "$(help_defects <<<"$output")" ""
	assert_equal "$(table_defects <<<"$output")" ""
}

@test "--help lists the command's own options, then its groups, then the global ones" {
	for c in migrate receive save restore; do
		vm "$c" --help
		assert_success
		own=$(grep -n -m1 -E '^ +(-., )?--' <<<"$output" | cut -d: -f1)
		group=$(grep -n -m1 -E '^ (Network|Transfer)' <<<"$output" | cut -d: -f1)
		global=$(grep -n -m1 '^ Global options:' <<<"$output" | cut -d: -f1)
		assert [ "$own" -lt "$group" ]
		assert [ "$group" -lt "$global" ]
	done
}

@test "help help is help's own help" {
	vm help help
	assert_success
	assert_output --partial "Usage: vfiomig help [OPTION...] [COMMAND]"
}

@test "help COMMAND is COMMAND --help" {
	vm help state
	assert_success
	assert_output --partial "Usage: vfiomig state"
}

@test "help for an unknown command is a usage error" {
	vm help frobnicate
	assert_failure $EX_USAGE
	assert_one_error "^vfiomig: help: unknown command 'frobnicate'$"
}

@test "no command is a usage error" {
	vm
	assert_failure $EX_USAGE
	assert [ -z "$output" ]
	[[ "$stderr" == *"no command given"* ]]
}

@test "an unknown command is a usage error naming it" {
	vm frobnicate
	assert_failure $EX_USAGE
	assert_one_error "^vfiomig: 'frobnicate' is not a command; see 'vfiomig help'$"
}

@test "an unknown option is a usage error" {
	vm info --frobnicate 0000:00:00.0
	assert_failure $EX_USAGE
}

@test "numeric options take finite numbers in range only, before any device access" {
	local v
	# A device that does not exist: a value that passed would end in 66.
	for v in nan NaN inf -inf -1 2e9 '' 5x 0x; do
		vm migrate 0000:ff:1f.7 --to unix:x --insecure --timeout "$v"
		assert_failure $EX_USAGE
		[[ "$stderr" == *"--timeout: '$v' is not a number of seconds from 0 to 1000000"* ]]
		vm receive 0000:ff:1f.7 --listen unix:x --insecure --timeout="$v"
		assert_failure $EX_USAGE
		vm restore 0000:ff:1f.7 -i unix:x --insecure --timeout "$v"
		assert_failure $EX_USAGE
		vm save 0000:ff:1f.7 -o unix:x --insecure --timeout "$v"
		assert_failure $EX_USAGE
		vm migrate 0000:ff:1f.7 --to unix:x --insecure --precopy-timeout "$v"
		assert_failure $EX_USAGE
		[[ "$stderr" == *"--precopy-timeout: '$v' is not a number of seconds from 0 to 1000000"* ]]
		vm migrate 0000:ff:1f.7 --to unix:x --insecure --downtime-limit "$v"
		assert_failure $EX_USAGE
		[[ "$stderr" == *"--downtime-limit: '$v' is not a number of milliseconds"* ]]
	done
	for v in 0 4294967297 -1 nan 3x ''; do
		vm check 0000:ff:1f.7 --rounds "$v"
		assert_failure $EX_USAGE
		[[ "$stderr" == *"--rounds: '$v' is not a number from 1 to"* ]]
	done
	# In range they pass: the missing device is what fails.
	vm migrate 0000:ff:1f.7 --to unix:x --insecure --timeout 1000000 \
		--precopy-timeout 0.5 --downtime-limit 0
	assert_failure $EX_NODEV
}

@test "--open takes only auto, cdev or group" {
	vm --open=magic list
	assert_failure $EX_USAGE
	[[ "$stderr" == *"--open: 'magic' is not auto, cdev or group"* ]]
}

@test "a device name that is no kind of name is a usage error" {
	vm info not-a-device
	assert_failure $EX_USAGE
	assert_one_error '^vfiomig: not-a-device: not a device name \(use a PCI address'
}

@test "a well-formed name with no device behind it exits 66" {
	vm info 0000:ff:1f.7
	assert_failure $EX_NODEV
	assert_one_error '^vfiomig: 0000:ff:1f.7: no such device: ENOENT'
	vm state 7e:1f.7
	assert_failure $EX_NODEV
	vm info 01234567-89ab-cdef-0123-456789abcdef
	assert_failure $EX_NODEV
	vm reset /dev/vfio/devices/vfio999
	assert_failure $EX_NODEV
}

@test "save, restore, state, migrate of a name with no device: one line, exit 66, nothing claimed" {
	local psk=$BATS_TEST_TMPDIR/psk in=$BATS_TEST_TMPDIR/in.vfm trace=$BATS_TEST_TMPDIR/trace
	local -a args
	(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$psk")
	: >"$in"
	for cmd in save restore state migrate; do
		case $cmd in
		save) args=(save 0000:ff:00.0 -o "$BATS_TEST_TMPDIR/out.vfm") ;;
		restore) args=(restore 0000:ff:00.0 -i "$in") ;;
		state) args=(state 0000:ff:00.0 stop) ;;
		migrate) args=(migrate 0000:ff:00.0 --to "unix:$BATS_TEST_TMPDIR/none.sock"
			--psk-file "$psk") ;;
		esac
		echo "# vfiomig -j ${args[*]} (under strace)"
		# (LeakSanitizer cannot run under ptrace; the second run has it)
		ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 run --separate-stderr \
			strace -f -qq -e trace=close -o "$trace" "$VFIOMIG" -j "${args[@]}" </dev/null
		echo "# status $status; stderr: $stderr; stdout: $output"
		assert_equal "$status" $EX_NODEV
		assert_one_error '^vfiomig: 0000:ff:00.0: no such device: ENOENT \(No such file or directory\)$'
		# stdin, stdout and stderr are not the command's to close
		run ! grep -E 'close\([012]\)' "$trace"
		# a document, if any, names no device and no state
		run --separate-stderr "$VFIOMIG" -j "${args[@]}" </dev/null
		[ -z "$output" ] ||
			jq -e '(has("device") or has("state") or ((.devices // []) | length > 0)) | not' \
				<<<"$output"
	done
}

@test "state names: unknown ones are a usage error listing the valid ones" {
	vm state 0000:ff:1f.7 sleeping
	assert_failure $EX_USAGE
	[[ "$stderr" == *"'sleeping' is not a state (running, running_p2p, pre_copy"* ]]
}

@test "requesting error is refused before any device access" {
	vm state 0000:ff:1f.7 ERROR
	assert_failure $EX_REFUSED
	assert_one_error 'refused: error cannot be requested'
}

@test "ending in resuming is refused before any device access" {
	vm state 0000:ff:1f.7 stop Resuming
	assert_failure $EX_REFUSED
	assert_one_error 'refused: a command cannot leave a device in resuming'
}

@test "list -j prints one JSON document with a devices array" {
	requires_cmd jq
	vm -j list
	assert_success
	assert_json
	run jq -e '.devices | type == "array"' <<<"$output"
	assert_success
}

@test "-p pretty-prints the same document" {
	local args
	# A nested document with strings, numbers and null: an error's.
	for args in "list" "info 0000:ff:00.0" "state 0000:ff:00.0 bogus"; do
		# shellcheck disable=SC2086 # the words are the arguments
		vm -j $args
		compact=$output
		[ "$(jq -c 'paths | length' <<<"$compact" | sort -n | tail -1)" -ge 1 ]
		# shellcheck disable=SC2086
		vm -p $args
		assert [ "$(jq -cS . <<<"$output")" = "$(jq -cS . <<<"$compact")" ]
		assert [ "$(wc -l <<<"$output")" -gt 1 ]
		# one member a line, indented by depth
		[[ "$output" == *$'\n  "'* ]]
	done
	vm -p info 0000:ff:00.0
	[[ "$output" == *$'\n    "message": '* ]]
}

@test "global options also work after the command" {
	requires_cmd jq
	vm list -j
	assert_success
	assert_json
}

@test "the man page documents every command and exit code" {
	man_cmds=$(awk '/^\.SH COMMANDS/ { f = 1; next } /^\.SH/ { f = 0 } f && /^\.SS/ { print $2 }' "$TOP/man/vfiomig.8" | sort)
	assert_equal "$man_cmds" "$(commands | sort)"
	# Each exit code in EXIT STATUS itself, and no other there.
	local status
	status=$(awk '/^\.SH EXIT STATUS/ { f = 1; next } /^\.SH/ { f = 0 }
		f && /^\.B [0-9]+$/ { print $2 }' "$TOP/man/vfiomig.8" | sort -n | tr '\n' ' ')
	# the statuses main.c can return: the header's EXIT_ enum
	assert_equal "$status" "$(grep -oE 'EXIT_[A-Z_]+ = [0-9]+' "$TOP/src/cmd/vfiomig.h" |
		awk '{ print $3 }' | sort -n | tr '\n' ' ')"
}

@test "the man page documents every option each command's --help offers" {
	local c opt missing=
	for c in $(commands); do
		[ "$c" = help ] && continue
		for opt in $("$VFIOMIG" "$c" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
			[ "$opt" = --help ] || [ "$opt" = --usage ] && continue
			grep -qF -- "${opt//-/\\-}" "$TOP/man/vfiomig.8" ||
				missing+=" $c:$opt"
		done
	done
	assert_equal "$missing" ""
}

@test "the man page documents every short option each command's --help offers" {
	local c opt missing=
	for c in $(commands); do
		[ "$c" = help ] && continue
		for opt in $("$VFIOMIG" "$c" --help | grep -oE -- '^ +-[a-zA-Z],' | tr -d ' ,' | sort -u); do
			[ "$opt" = "-?" ] && continue
			# \fB\-X\fR in text, or .B/.BR \-X in an option list
			grep -qE -- '(\\fB|^\.BR? )\\-'"${opt#-}"'(\\fR| |$)' "$TOP/man/vfiomig.8" ||
				missing+=" $c:$opt"
		done
	done
	assert_equal "$missing" ""
}

@test "bash and zsh completions offer exactly the commands of 'vfiomig help'" {
	bash_cmds=$(sed -n 's/^[[:space:]]*local commands="\(.*\)"/\1/p' "$TOP/completions/vfiomig.bash" | tr ' ' '\n' | sort)
	zsh_cmds=$(sed -n "s/^[[:space:]]*'\([a-z]*\):.*/\1/p" "$TOP/completions/_vfiomig" | sort)
	assert_equal "$bash_cmds" "$(commands | sort)"
	assert_equal "$zsh_cmds" "$(commands | sort)"
}

@test "bash completion completes commands and state names" {
	source "$TOP/completions/vfiomig.bash"
	COMP_WORDS=(vfiomig st)
	COMP_CWORD=1
	_vfiomig
	assert_equal "${COMPREPLY[*]}" "state"
	COMP_WORDS=(vfiomig state 0000:3b:00.1 run)
	COMP_CWORD=3
	_vfiomig
	assert_equal "${COMPREPLY[*]}" "running running_p2p"
}

# complete WORD...: what bash completion offers for the last word, in
# $output (one line); $nospace set when no space would follow.
complete_words() {
	nospace=
	compopt() { [ "$*" != "-o nospace" ] || nospace=1; }
	COMP_WORDS=(vfiomig "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_vfiomig
	output="${COMPREPLY[*]}"
	unset -f compopt
}

@test "bash completion: an option that takes a value is completed without a space, then its value" {
	source "$TOP/completions/vfiomig.bash"
	cd "$BATS_TEST_TMPDIR"
	touch out.vfm
	complete_words save 0000:3b:00.1 --outp
	assert_output "--output="
	assert_equal "$nospace" 1
	complete_words save 0000:3b:00.1 --raw
	assert_output "--raw"
	assert_equal "$nospace" ""
	# the value, whether = breaks words (bash's default) or not
	complete_words save 0000:3b:00.1 --output = ""
	assert_output "out.vfm"
	complete_words save 0000:3b:00.1 --output = o
	assert_output "out.vfm"
	complete_words save 0000:3b:00.1 --output=o
	assert_output "--output=out.vfm"
	complete_words save 0000:3b:00.1 -o o
	assert_output "out.vfm"
	complete_words migrate 0000:3b:00.1 --to = ""
	assert_output "tcp:// unix:"
	assert_equal "$nospace" 1
	# a value is not an argument: the device is still the first one
	complete_words save -o out.vfm 0000:3b:00.1 --then = ""
	assert_output "running running_p2p pre_copy pre_copy_p2p stop stop_copy"
}

@test "bash completion: --then offers the states each command can end in, --format the formats" {
	source "$TOP/completions/vfiomig.bash"
	local cmd
	for cmd in save restore release; do
		complete_words $cmd 0000:3b:00.1 --then ""
		assert_output "running running_p2p pre_copy pre_copy_p2p stop stop_copy"
	done
	complete_words receive 0000:3b:00.1 --then ""
	assert_output "running running_p2p stop"
	complete_words receive 0000:3b:00.1 --then=r
	assert_output "--then=running --then=running_p2p"
	complete_words check 0000:3b:00.1 --format ""
	assert_output "text json tap junit"
	complete_words check 0000:3b:00.1 -F t
	assert_output "text tap"
	complete_words check 0000:3b:00.1 --format = j
	assert_output "json junit"
}

@test "bash and zsh completions offer every long option of each command's --help" {
	source "$TOP/completions/vfiomig.bash"
	local c opt missing=
	for c in $(commands); do
		[ "$c" = help ] && continue
		complete_words "$c" --
		local offered=" $output "
		local zsh_block
		zsh_block=$(awk -v c="$c" '$1 ~ "^"c"\\)" || $1 ~ "[|]"c"\\)" || $1 ~ "^"c"[|]" { f = 1 }
			f { print } f && /;;/ { f = 0 }' "$TOP/completions/_vfiomig")
		for opt in $("$VFIOMIG" "$c" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
			case $opt in --help | --usage | --version) continue ;; esac
			[[ "$offered" == *" $opt "* || "$offered" == *" $opt= "* ]] ||
				missing+=" bash:$c:$opt"
			# zsh: in the command's block, or a global or network option
			grep -qE -- "(^|[^a-z-])$opt([^a-z-]|\$)" <<<"$zsh_block" ||
				grep -qE -- "^[[:space:]]*'.*$opt[]=[}]" "$TOP/completions/_vfiomig" ||
				missing+=" zsh:$c:$opt"
		done
	done
	assert_equal "$missing" ""
}

@test "a failed write to stdout is an error" {
	[ -w /dev/full ] || skip "needs /dev/full"
	run --separate-stderr bash -c '"$0" -j list >/dev/full' "$VFIOMIG"
	assert_failure
	[[ "$stderr" == *"writing output: ENOSPC"* ]]
}

# vfiomig -j ARGS... must print exactly one JSON document whose error
# object carries the exit code it exited with (and the expected one).
assert_json_failure() {
	local want=$1
	shift
	run --separate-stderr "$VFIOMIG" -j "$@" </dev/null
	echo "# vfiomig -j $* -> $status; stdout: $output"
	assert_equal "$status" "$want"
	assert_equal "$(jq -s length <<<"$output")" 1
	jq -e --argjson c "$want" '.error.exit_code == $c and (.error.message | length > 0)' \
		<<<"$output"
	# and the one line on stderr says it too
	[ -n "$stderr" ]
}

@test "-j: every command's usage error is one JSON document with an error object" {
	local c
	for c in $("$VFIOMIG" help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); do
		assert_json_failure $EX_USAGE "$c" --no-such-option
	done
	assert_json_failure $EX_USAGE no-such-command
	assert_json_failure $EX_USAGE --no-such-option
	run --separate-stderr "$VFIOMIG" -j state 0000:ff:00.0 bogus
	jq -e '.error.message | test("is not a state")' <<<"$output"
}

@test "-j: failures after parsing are one JSON document naming the errno" {
	local psk=$BATS_TEST_TMPDIR/psk
	(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$psk")
	for args in "info 0000:ff:00.0" "state 0000:ff:00.0" "reset 0000:ff:00.0" \
		"check 0000:ff:00.0" "hold 0000:ff:00.0" "release 0000:ff:00.0" \
		"save 0000:ff:00.0 -o $BATS_TEST_TMPDIR/s.vfm" \
		"migrate 0000:ff:00.0 --to unix:$BATS_TEST_TMPDIR/x.sock --psk-file $psk" \
		"receive 0000:ff:00.0 --listen unix:$BATS_TEST_TMPDIR/y.sock --psk-file $psk"; do
		# shellcheck disable=SC2086 # the words are the arguments
		assert_json_failure $EX_NODEV $args
		jq -e '.error.errno == "ENOENT"' <<<"$output"
	done
	assert_json_failure $EX_DATAERR inspect /dev/null
	jq -e '.valid == false and .error.errno == null' <<<"$output"
	assert_json_failure $EX_REFUSED state 0000:ff:00.0 error
	assert_json_failure $EX_NODEV inspect "$BATS_TEST_TMPDIR/none.vfm"
}
