// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Leveled messages on stderr (error, warning, info, debug by -q/-v);
 * errors and warnings carry the program name. No policy.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "log.h"
#include "vfiomig.h"

/*
 * The run's first error, for the JSON error object (output.c): its text
 * and the errno that errstr() formatted into it, if any. errstr() runs
 * while a message's arguments are evaluated, just before vm_log().
 */
static struct {
	char msg[512];
	int err;
	bool have;
} first;
/* Per thread: a migration's device threads format messages at once. */
static _Thread_local int formatted_errno;
static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;

static void record_first(const char *fmt, va_list ap)
{
	pthread_mutex_lock(&first_lock);
	if (!first.have) {
		vsnprintf(first.msg, sizeof(first.msg), fmt, ap);
		first.err = formatted_errno;
		first.have = true;
	}
	pthread_mutex_unlock(&first_lock);
}

void log_record_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_first(fmt, ap);
	va_end(ap);
	formatted_errno = 0;
}

const char *log_first_error(int *err)
{
	bool have;

	/* Read once the threads are done (main's exit), under the lock all
	 * the same. */
	pthread_mutex_lock(&first_lock);
	have = first.have;
	*err = have ? first.err : 0;
	pthread_mutex_unlock(&first_lock);
	return have ? first.msg : NULL;
}

void vm_log(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	/* Warnings show by default; -q silences them, each -v adds a level. */
	int max = opts.quiet ? LOG_ERR : LOG_WARN + opts.verbose;

	if (level == LOG_ERR) {
		va_start(ap, fmt);
		record_first(fmt, ap);
		va_end(ap);
	}
	if (level > max) {
		formatted_errno = 0;
		return;
	}
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
	formatted_errno = 0;
}

void why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

int say_why(int r, const char *why)
{
	if (r && why[0])
		err("%s", why);
	return r;
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
	formatted_errno = e;
	name = strerrorname_np(e);
	snprintf(buf, sizeof(buf), "%s (%s)", name ? name : "E?", strerror(e));
	return buf;
}
