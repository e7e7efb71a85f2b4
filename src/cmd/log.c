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
#include <unistd.h>

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
static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;

/* e: the errno the message names (errstr()'s, or a reason's). */
static void record_first(int e, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&first_lock);
	if (!first.have) {
		vsnprintf(first.msg, sizeof(first.msg), fmt, ap);
		first.err = e;
		first.have = true;
	}
	pthread_mutex_unlock(&first_lock);
}

void log_record_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_first(errstr_taken(), fmt, ap);
	va_end(ap);
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

static void say(int level, const char *msg);

/* e: the errno the message names, for the JSON error object. */
static void vlog(int level, int e, const char *fmt, va_list ap)
{
	char msg[1024];
	/* Warnings show by default; -q silences them, each -v adds a level. */
	int max = opts.quiet ? LOG_ERR : LOG_WARN + opts.verbose;

	if (level == LOG_ERR) {
		va_list cp;

		va_copy(cp, ap);
		record_first(e, fmt, cp);
		va_end(cp);
	}
	if (level > max)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	say(level, msg);
}

void vm_log(int level, const char *fmt, ...)
{
	va_list ap;
	int e = errstr_taken();

	va_start(ap, fmt);
	vlog(level, e, fmt, ap);
	va_end(ap);
}

static void log_errno(int e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_errno(int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, e, fmt, ap);
	va_end(ap);
}

void notice(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (opts.quiet || (!opts.verbose && !isatty(STDERR_FILENO)))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say(LOG_ERR, msg);
}

void log_note(int level, const char *text)
{
	vm_log(level, "%s", text);
}

const char *hint_text(enum hint h)
{
	switch (h) {
	case HINT_NO_HOLDER:
		return "; --no-holder opens the device directly";
	case HINT_FORCE:
		return "; --force to try anyway";
	case HINT_OPEN_CDEV:
		return "; try --open=cdev";
	default:
		return "";
	}
}

int say_reason(int r, const struct reason *why)
{
	for (unsigned int i = 0; i < why->n; i++)
		log_errno(i ? 0 : why->err, "%s%s", why->line[i], hint_text(why->hint[i]));
	return r;
}

/* One line on stderr, escaped. */
static void say(int level, const char *msg)
{
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
