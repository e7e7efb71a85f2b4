#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package (make deb): its version, its exact file list, lintian
# clean, no systemd unit enabled or started by its scripts, and the
# binary, man pages and unit working from a scratch root it was unpacked
# into. Uses the package in $DEB_DIR (make test-package builds it there);
# without DEB_DIR it builds one with make deb first.

load helpers

setup_file() {
	VERSION=$(sed -n 's/^VERSION := //p' "$TOP/Makefile")
	if [ -z "${DEB_DIR:-}" ]; then
		DEB_DIR=$TOP/build/deb
		top_make deb >&3
	fi
	DEB=$DEB_DIR/vfiomig_${VERSION}_$(dpkg --print-architecture).deb
	CHANGES=${DEB%.deb}.changes
	export VERSION DEB CHANGES
}

setup() {
	[ -f "$DEB" ] || fail "no package at $DEB (make deb)"
	ROOT=$BATS_TEST_TMPDIR/root
}

@test "package: its version is the Makefile's and the changelog's" {
	run dpkg-deb -f "$DEB" Package Version
	assert_success
	assert_output "Package: vfiomig
Version: $VERSION"
	run dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version
	assert_output "$VERSION"
}

@test "package: dpkg -c lists exactly the binary, man pages, JSON schema, completions, unit and docs" {
	run dpkg -c "$DEB"
	assert_success
	# Entries are "mode owner size date time path"; compare the paths.
	diff -u - <(printf '%s\n' "$output" | awk '{ print $1, $NF }' | grep -v '^d' | LC_ALL=C sort -k2) <<'EOF'
-rw-r--r-- ./lib/systemd/system/vfiomig-hold@.service
-rwxr-xr-x ./usr/sbin/vfiomig
-rw-r--r-- ./usr/share/bash-completion/completions/vfiomig
-rw-r--r-- ./usr/share/doc/vfiomig/README.gz
-rw-r--r-- ./usr/share/doc/vfiomig/changelog.gz
-rw-r--r-- ./usr/share/doc/vfiomig/copyright
-rw-r--r-- ./usr/share/man/man5/vfiomig-stream.5.gz
-rw-r--r-- ./usr/share/man/man8/vfiomig.8.gz
-rw-r--r-- ./usr/share/vfiomig/vfiomig.schema.json
-rw-r--r-- ./usr/share/zsh/vendor-completions/_vfiomig
EOF
	# Everything belongs to root.
	printf '%s\n' "$output" | awk '$2 != "root/root" { print; bad = 1 } END { exit bad }'
}

@test "package: lintian reports no errors and no warnings" {
	run --separate-stderr lintian --fail-on error,warning "$CHANGES"
	echo "$output"
	assert_success
	refute_output --regexp '^[EW]: '
}

@test "package: its scripts neither enable nor start the hold unit" {
	dpkg-deb -e "$DEB" "$BATS_TEST_TMPDIR/control"
	run grep -rlE 'systemctl|deb-systemd-(helper|invoke)' "$BATS_TEST_TMPDIR/control"
	assert_failure 1
}

@test "package: unpacked into a scratch root, the binary runs --version" {
	dpkg -x "$DEB" "$ROOT"
	run --separate-stderr "$ROOT/usr/sbin/vfiomig" --version
	assert_success
	assert_output "vfiomig $VERSION"
	[ -z "$stderr" ]
}

@test "package: its man pages format without warnings and its copyright is DEP-5" {
	dpkg -x "$DEB" "$ROOT"
	for m in "$ROOT"/usr/share/man/man8/vfiomig.8.gz "$ROOT"/usr/share/man/man5/vfiomig-stream.5.gz; do
		run --separate-stderr man --warnings -l -Tutf8 "$m"
		assert_success
		[ -z "$stderr" ] || fail "$m: $stderr"
		assert_output --partial "vfiomig"
	done
	run head -n 1 "$ROOT/usr/share/doc/vfiomig/copyright"
	assert_output "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
	run grep -c '^License: GPL-2+$' "$ROOT/usr/share/doc/vfiomig/copyright"
	assert_output 2
}

@test "package: its unit runs the packaged binary and passes systemd-analyze verify" {
	dpkg -x "$DEB" "$ROOT"
	unit=$ROOT/lib/systemd/system/vfiomig-hold@.service
	run grep '^ExecStart=' "$unit"
	assert_output --regexp '^ExecStart=/usr/sbin/vfiomig hold '
	# verify needs ExecStart's binary to exist: point it at the unpacked
	# one, and the man page reference at the unpacked pages.
	mkdir "$BATS_TEST_TMPDIR/unit"
	sed "s|=/usr/sbin/vfiomig |=$ROOT/usr/sbin/vfiomig |" "$unit" \
		>"$BATS_TEST_TMPDIR/unit/vfiomig-hold@.service"
	run env MANPATH="$ROOT/usr/share/man" systemd-analyze verify \
		"$BATS_TEST_TMPDIR/unit/vfiomig-hold@.service:vfiomig-hold@0000:3b:00.1.service"
	assert_success
	assert_output ""
}

@test "package: its autopkgtest runs the suites make test-unit and test-fake run" {
	suites() { grep -o 'tests/bats/[a-z-]*\.bats' | sort -u; }
	make_suites=$(top_make -n test-unit test-fake | suites)
	[ -n "$make_suites" ]
	diff -u <(printf '%s\n' "$make_suites") <(suites <"$TOP/debian/tests/suites")
}
