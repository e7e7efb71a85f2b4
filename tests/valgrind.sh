#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run vfiomig under valgrind for 'make check-valgrind': any memory error
# or definite leak makes the command exit 99, which every test notices.
exec valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	"${VFIOMIG_REAL:?}" "$@"
