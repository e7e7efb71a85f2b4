#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/install-deps.sh and make's deps step, on a simulated machine:
# dpkg-query, id and apt-get in PATH stand in for the real ones, so that
# packages can be missing, the user root or not, and nothing is really
# installed. As root the missing packages (and only those) are installed;
# for anyone else make stops before any other step with one line.

load helpers

setup() {
	FAKEBIN=$BATS_TEST_TMPDIR/bin
	mkdir -p "$FAKEBIN"
	# Every package asked about is installed, but those in $FAKE_MISSING
	# (dpkg knows nothing of them) and $FAKE_REMOVED (removed, their
	# configuration files left).
	cat >"$FAKEBIN/dpkg-query" <<'EOF'
#!/bin/sh
rc=0
for p; do
	case $p in -*) continue ;; esac
	case " $FAKE_MISSING " in
	*" $p "*) echo "dpkg-query: no packages found matching $p" >&2; rc=1; continue ;;
	esac
	case " $FAKE_REMOVED " in
	*" $p "*) echo "$p deinstall ok config-files" ;;
	*) echo "$p install ok installed" ;;
	esac
done
exit $rc
EOF
	cat >"$FAKEBIN/id" <<'EOF'
#!/bin/sh
[ "$1" = -u ] && echo "$FAKE_UID"
EOF
	cat >"$FAKEBIN/apt-get" <<'EOF'
#!/bin/sh
echo "apt-get $*" >>"$APT_LOG"
EOF
	chmod +x "$FAKEBIN"/*
	export PATH=$FAKEBIN:$PATH APT_LOG=$BATS_TEST_TMPDIR/apt.log FAKE_UID=1000
	touch "$APT_LOG"
}

deps() {
	run --separate-stderr "$TOP/scripts/install-deps.sh" "$@"
	echo "# status $status stdout: $output stderr: $stderr"
}

@test "deps: with nothing missing the script is silent, as root or not" {
	export FAKE_MISSING=
	for FAKE_UID in 1000 0; do
		deps
		assert_success
		assert_output ""
		[ -z "$stderr" ]
		deps --refusal
		assert_success
		assert_output ""
	done
	[ ! -s "$APT_LOG" ]
}

@test "deps: without root, one line names what is missing and how to install it" {
	export FAKE_MISSING="pkg-config debhelper"
	deps
	assert_failure 1
	assert_output ""
	assert_one_error '^install-deps: missing Debian packages: pkg-config debhelper; run scripts/install-deps.sh as root to install them$'
	# --refusal prints the same line on stdout, for make.
	deps --refusal
	assert_failure 1
	assert_output "install-deps: missing Debian packages: pkg-config debhelper; run scripts/install-deps.sh as root to install them"
	[ -z "$stderr" ]
	[ ! -s "$APT_LOG" ]
}

@test "deps: as root, exactly the missing packages are installed" {
	export FAKE_MISSING="pkg-config debhelper" FAKE_UID=0
	deps --refusal
	assert_success
	assert_output ""
	[ ! -s "$APT_LOG" ]
	deps
	assert_success
	assert_one_error '^install-deps: installing pkg-config debhelper$'
	run cat "$APT_LOG"
	assert_output "apt-get update -q
apt-get install -y -q --no-install-recommends pkg-config debhelper"
}

@test "deps: a package removed with its configuration left counts as missing" {
	export FAKE_MISSING= FAKE_REMOVED=lintian
	deps --refusal
	assert_failure 1
	assert_output --regexp '^install-deps: missing Debian packages: lintian;'
}

@test "deps: an unknown option is a usage error" {
	deps --bogus
	assert_failure 64
	assert_one_error '^usage: install-deps.sh \[--refusal\]$'
}

@test "deps: without root, make check, demo, check-host, deb and deps stop with that one line, before any other step" {
	# (named in the order of the script's list)
	export FAKE_MISSING="pkg-config build-essential"
	local line="^Makefile:[0-9]+: \*\*\* install-deps: missing Debian packages: build-essential pkg-config; run scripts/install-deps.sh as root to install them\.  Stop\.$"
	for goal in deps deb; do
		run --separate-stderr top_make "$goal"
		assert_failure 2
		assert_output ""
		assert_one_error "$line"
	done
	# The same step, with -n, for the goals that would run for minutes if
	# it did not stop them.
	for goal in check demo check-host; do
		run --separate-stderr top_make -n "$goal"
		assert_failure 2
		assert_output ""
		assert_one_error "$line"
	done
	[ ! -s "$APT_LOG" ]
}

@test "deps: as root, make check's first step is install-deps.sh, then the rest" {
	export FAKE_MISSING="pkg-config" FAKE_UID=0
	run --separate-stderr top_make -n check
	assert_success
	assert_line --index 0 "scripts/install-deps.sh"
	assert_line --index 1 --regexp '^make .*host-suites test-vm test-vm61$'
	# make asks pkg-config nothing while it reads the Makefile: on a
	# fresh machine (no pkg-config yet) deps runs and installs it.
	printf '#!/bin/sh\necho "$*" >>"%s"\nexit 127\n' "$BATS_TEST_TMPDIR/pkg-config.called" \
		>"$FAKEBIN/pkg-config"
	chmod +x "$FAKEBIN/pkg-config"
	run --separate-stderr top_make deps
	assert_success
	[ ! -e "$BATS_TEST_TMPDIR/pkg-config.called" ]
	run cat "$APT_LOG"
	assert_line --index 1 "apt-get install -y -q --no-install-recommends pkg-config"
}
