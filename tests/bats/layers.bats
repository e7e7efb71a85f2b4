#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The layer rules the README states, kept by the build: src/lib never
# prints and never includes src/cmd; no module calls or includes a higher
# layer; no loop (scripts/check-deps.sh over the objects and .d files of
# the sanitizer build). Each rule is shown to catch a module that breaks
# it: a copy of the build with one library object rebuilt from a changed
# copy of its source.

load helpers

BUILD=$TOP/build/asan

setup() {
	[ -f "$BUILD/lib/fsm.o" ] || skip "no $BUILD: make vfiomig-asan"
	requires_cmd nm
	WORK=$BATS_TEST_TMPDIR/build
	mkdir -p "$WORK"
	cp -r "$BUILD/lib" "$BUILD/cmd" "$WORK/"
}

# Rebuild WORK's fsm.o from src/lib/fsm.c changed by the sed script $1,
# with the library's own include path only.
rebuild_fsm() {
	sed "$1" "$TOP/src/lib/fsm.c" >"$WORK/fsm.c"
	(cd "$TOP" && cc -D_GNU_SOURCE -std=gnu11 -Isrc/lib -MMD -MF "$WORK/lib/fsm.d" \
		-c -o "$WORK/lib/fsm.o" "$WORK/fsm.c")
}

@test "the build keeps every layer rule" {
	run "$TOP/scripts/check-deps.sh" "$BUILD"
	assert_success
	assert_output --regexp '^check-deps: [0-9]+ calls and [0-9]+ includes among [0-9]+ modules in 7 layers: none up, no loop; src/lib prints nothing$'
}

@test "a library module that prints fails the check, naming it and what it calls" {
	rebuild_fsm '1i\
#include <stdio.h>
$a\
void fsm_say(void);\
void fsm_say(void) { fprintf(stderr, "%s\\n", fsm_name(0)); }'
	run --separate-stderr "$TOP/scripts/check-deps.sh" "$WORK"
	assert_failure 1
	[[ "$stderr" == *"src/lib/fsm.c prints: it references "*"fprintf"*"stderr"* ]]
}

@test "a library module that includes a higher layer's header fails the check" {
	rebuild_fsm 's|^#include "fsm.h"$|#include "fsm.h"\n#include "session.h"|'
	run --separate-stderr "$TOP/scripts/check-deps.sh" "$WORK"
	assert_failure 1
	[[ "$stderr" == *"fsm (base) includes src/lib/session.h (session)"* ]]
}

@test "a library module that calls a higher layer fails the check" {
	rebuild_fsm '$a\
struct sess;\
int sess_state(const struct sess *s);\
int fsm_peek(const struct sess *s);\
int fsm_peek(const struct sess *s) { return sess_state(s); }'
	run --separate-stderr "$TOP/scripts/check-deps.sh" "$WORK"
	assert_failure 1
	[[ "$stderr" == *"fsm (base) calls up into session (session)"* ]]
}

@test "a library module cannot even include a header of the tool" {
	sed 's|^#include "fsm.h"$|#include "fsm.h"\n#include "output.h"|' \
		"$TOP/src/lib/fsm.c" >"$WORK/fsm.c"
	run --separate-stderr bash -c "cd '$TOP' && cc -D_GNU_SOURCE -std=gnu11 -Isrc/lib \
		-c -o '$WORK/x.o' '$WORK/fsm.c'"
	assert_failure
	[[ "$stderr" == *"output.h: No such file or directory"* ]]
}

@test "a module in no layer fails the check" {
	cp -r "$TOP/src" "$BATS_TEST_TMPDIR/src"
	touch "$BATS_TEST_TMPDIR/src/lib/stray.c"
	cp "$WORK/lib/fsm.o" "$WORK/lib/stray.o"
	CHECK_DEPS_SRC=$BATS_TEST_TMPDIR/src run --separate-stderr \
		"$TOP/scripts/check-deps.sh" "$WORK"
	assert_failure 1
	[[ "$stderr" == *"module stray is in no layer"* ]]
}
