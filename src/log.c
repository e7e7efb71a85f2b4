// SPDX-License-Identifier: GPL-2.0-or-later
/* Leveled messages on stderr. Errors and warnings carry the program name. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "log.h"
#include "vfiomig.h"

void vm_log(int level, const char *fmt, ...)
{
	va_list ap;
	char msg[4096];
	/* Warnings show by default; -q silences them, each -v adds a level. */
	int max = opts.quiet ? LOG_ERR : LOG_WARN + opts.verbose;

	if (level > max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/*
	 * Messages quote what streams, peers and holders said: escaped, no
	 * escape sequence reaches the terminal and a message stays one line.
	 * One locked write: device threads report at the same time.
	 */
	flockfile(stderr);
	if (level <= LOG_WARN)
		fputs("vfiomig: ", stderr);
	if (level == LOG_WARN)
		fputs("warning: ", stderr);
	esc_text(stderr, msg);
	fputc('\n', stderr);
	funlockfile(stderr);
}

const char *errstr(int e)
{
	/* One static buffer: messages are formatted one at a time. */
	static char buf[128];
	const char *name;

	if (e < 0)
		e = -e;
	name = strerrorname_np(e);
	snprintf(buf, sizeof(buf), "%s (%s)", name ? name : "E?", strerror(e));
	return buf;
}
