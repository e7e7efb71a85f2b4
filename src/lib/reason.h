/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Why a call of the engine failed, as it hands it up: the code, the
 * errno its words name, where the failure came from, and the words — one
 * line, or a few when a cause led to more (the cause first). The engine
 * never prints; the command that made the call says these lines, and
 * maps the code (and the origin) to its exit status.
 */
#ifndef VFIOMIG_REASON_H
#define VFIOMIG_REASON_H

#include <stdbool.h>

/* Where a failure came from: what the commands classify exit codes by. */
enum origin {
	FROM_ELSEWHERE,  /* not one of the below: the code says it */
	FROM_DEVICE,     /* the device: an ioctl, its data fd */
	FROM_INPUT,      /* the stream read: a file, stdin, a connection */
	FROM_OUTPUT,     /* the stream written: a file, stdout, a connection */
	FROM_PEER,       /* the other side of a migration said or did it */
	FROM_SIGNAL,     /* SIGINT or SIGTERM */
};

/*
 * What the user can do about a line, in the command's words (the engine
 * names no option): the command ends the line with it.
 */
enum hint {
	HINT_NONE,
	HINT_NO_HOLDER,   /* open the device directly, past the holder */
	HINT_FORCE,       /* go on with another kind of device */
	HINT_OPEN_CDEV,   /* open it by its cdev */
	HINT_DOWNTIME,    /* migrate without a downtime limit, or a larger one */
};

#define REASON_LINES 4
#define REASON_LEN 512

struct reason {
	int code;              /* the first non-zero code: -errno or -VM_E_* */
	int err;               /* the errno its first line names, 0: none */
	enum origin from;
	double at;             /* when the first line was written (monotonic) */
	unsigned int n;        /* lines */
	char line[REASON_LINES][REASON_LEN];
	unsigned char hint[REASON_LINES];
};

/*
 * Add a line (the first sets code, origin and the errno that errstr()
 * formatted into it); returns code, so that "return fail(r, -EIO, ...)"
 * reads as what it does. A full reason keeps its first lines.
 */
int fail(struct reason *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int fail_from(struct reason *r, enum origin from, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A line whose code the caller returns itself (fail() with code 0). */
#define why_set(r, ...) fail(r, 0, __VA_ARGS__)
/* The lines of src after those of dst; dst's code if it had one. */
int reason_add(struct reason *dst, const struct reason *src);
/* The last line ends with what the user can do (enum hint). */
static inline void reason_hint(struct reason *r, enum hint h)
{
	if (r->n)
		r->hint[r->n - 1] = h;
}
static inline bool reason_set(const struct reason *r)
{
	return r->n > 0;
}
void reason_clear(struct reason *r);
/* Put what the caller was doing before each line ("migrate: "). */
void reason_prefix(struct reason *r, const char *prefix);

/* "EINVAL (Invalid argument)" for a positive or negative errno; the
 * buffer is the calling thread's, until its next call. */
const char *errstr(int e);
/* The errno errstr() last formatted in this thread (0: none), cleared. */
int errstr_taken(void);

#endif
