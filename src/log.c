// SPDX-License-Identifier: GPL-2.0-or-later
/* Leveled messages on stderr. Errors and warnings carry the program name. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vfiomig.h"

void vm_log(int level, const char *fmt, ...)
{
	va_list ap;
	/* Warnings show by default; -q silences them, each -v adds a level. */
	int max = opts.quiet ? LOG_ERR : LOG_WARN + opts.verbose;

	if (level > max)
		return;
	if (level <= LOG_WARN)
		fputs("vfiomig: ", stderr);
	if (level == LOG_WARN)
		fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

const char *errstr(int e)
{
	/*
	 * One buffer per thread: a thread formats one message at a time, but
	 * the migration's device threads may fail together (TSan).
	 */
	static __thread char buf[128];
	const char *name;

	if (e < 0)
		e = -e;
	name = strerrorname_np(e);
	snprintf(buf, sizeof(buf), "%s (%s)", name ? name : "E?", strerror(e));
	return buf;
}
