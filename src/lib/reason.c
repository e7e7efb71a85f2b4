// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reasons (reason.h): the engine's failures in words, and errno names.
 * Formats; never prints.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "reason.h"

/* Per thread: a migration's device threads fail at the same time. */
static _Thread_local int formatted_errno;

const char *errstr(int e)
{
	static _Thread_local char buf[128];
	const char *name;

	if (e < 0)
		e = -e;
	formatted_errno = e;
	name = strerrorname_np(e);
	snprintf(buf, sizeof(buf), "%s (%s)", name ? name : "E?", strerror(e));
	return buf;
}

int errstr_taken(void)
{
	int e = formatted_errno;

	formatted_errno = 0;
	return e;
}

static void add_line(struct reason *r, enum origin from, int code, const char *fmt,
		     va_list ap)
{
	int e = errstr_taken();

	if (!r->n) {
		r->err = e;
		r->from = from;
		r->at = monotonic_secs();
	}
	if (!r->code)
		r->code = code;
	if (r->n < REASON_LINES)
		vsnprintf(r->line[r->n++], REASON_LEN, fmt, ap);
}

int fail(struct reason *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(r, FROM_ELSEWHERE, code, fmt, ap);
	va_end(ap);
	return code;
}

int fail_from(struct reason *r, enum origin from, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(r, from, code, fmt, ap);
	va_end(ap);
	return code;
}

int reason_add(struct reason *dst, const struct reason *src)
{
	if (!dst->n) {
		*dst = *src;
		return dst->code;
	}
	for (unsigned int i = 0; i < src->n && dst->n < REASON_LINES; i++) {
		memcpy(dst->line[dst->n], src->line[i], REASON_LEN);
		dst->hint[dst->n++] = src->hint[i];
	}
	return dst->code;
}

void reason_clear(struct reason *r)
{
	memset(r, 0, sizeof(*r));
}

void reason_prefix(struct reason *r, const char *prefix)
{
	char line[REASON_LEN];

	for (unsigned int i = 0; i < r->n; i++) {
		snprintf(line, sizeof(line), "%s%s", prefix, r->line[i]);
		memcpy(r->line[i], line, REASON_LEN);
	}
}
