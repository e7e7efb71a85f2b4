// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state machine checks: every arc the flags make legal, timed and
 * confirmed by a GET, with a data session exactly where the uAPI says;
 * and illegal requests refused with EINVAL, state unchanged.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "sig.h"
#include "check.h"
#include "device.h"
#include "log.h"
#include "pump.h"
#include "vfio.h"

void check_add(struct check_ctx *c, const char *name, enum check_result r,
	       const char *fmt, ...)
{
	struct check *k;
	va_list ap;

	if (c->nchecks == MAX_CHECKS)
		return;
	k = &c->checks[c->nchecks++];
	k->name = name;
	k->result = r;
	va_start(ap, fmt);
	vsnprintf(k->detail, sizeof(k->detail), fmt, ap);
	va_end(ap);
	dbg("check %s: %s: %s", name, r == CK_PASS ? "pass" : r == CK_FAIL ?
	    "FAIL" : "skipped", k->detail);
}

int check_goto(struct check_ctx *c, uint32_t target)
{
	uint32_t cur;
	int fd, r;

	if (vdev_get_state(&c->s.d, &cur))
		return -1;
	if (cur == target)
		return 0;
	/* Resuming and error are left only by reset. */
	if (cur == ST_RESUMING || cur == ST_ERROR) {
		if (vdev_reset(&c->s.d) || vdev_get_state(&c->s.d, &cur))
			return -1;
		if (cur == target)
			return 0;
	}
	/* Leave the saving group so that entering it opens a new session. */
	if (fsm_is_saving(cur)) {
		uint32_t out = cur == ST_STOP_COPY ? ST_STOP :
			       cur == ST_PRE_COPY ? ST_RUNNING : ST_RUNNING_P2P;

		if (vdev_set_state(&c->s.d, out, &fd))
			return -1;
		if (fd >= 0)
			close(fd);
		if (out == target)
			return 0;
	}
	r = vdev_set_state(&c->s.d, target, &fd);
	if (fd >= 0)
		close(fd);
	return r ? -1 : 0;
}

int check_home(struct check_ctx *c)
{
	uint32_t st;

	if (!vdev_reset(&c->s.d) && !vdev_get_state(&c->s.d, &st) && st == ST_RUNNING)
		return 0;
	return check_goto(c, ST_RUNNING);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Must this single arc hand out a new data_fd? (uAPI: arcs that begin a
 * saving or resuming session.) Inside the saving group it is the
 * driver's choice: -1. */
static int expect_fd(uint32_t from, uint32_t to)
{
	if (to == ST_RESUMING)
		return 1;
	if (fsm_is_saving(to))
		return fsm_is_saving(from) ? -1 : 1;
	return 0;
}

/* One timed arc from a set-up start state; returns a failure text or NULL. */
static const char *one_arc(struct check_ctx *c, uint32_t a, uint32_t b,
			   char *why, size_t len)
{
	struct arc_samples *s = &c->arcs[a][b];
	int fd, r, want = expect_fd(a, b);
	uint32_t st;
	double t;

	if (check_goto(c, a)) {
		snprintf(why, len, "cannot set up %s", fsm_name(a));
		return why;
	}
	t = now_us();
	r = vdev_set_state(&c->s.d, b, &fd);
	t = now_us() - t;
	if (fd >= 0)
		close(fd);
	if (r) {
		snprintf(why, len, "%s -> %s: %s", fsm_name(a), fsm_name(b), errstr(r));
		return why;
	}
	if (s->n < MAX_ROUNDS)
		s->usecs[s->n++] = (uint32_t)t;
	s->data_fd = fd >= 0;
	if (want == -1)
		c->in_group_fd = fd >= 0 ? "new fd" : "no fd";
	if (vdev_get_state(&c->s.d, &st) || st != b) {
		snprintf(why, len, "%s -> %s succeeded but the device reports %s",
			 fsm_name(a), fsm_name(b), fsm_name(st));
		return why;
	}
	if (want >= 0 && want != (fd >= 0)) {
		snprintf(why, len, "%s -> %s %s a data session", fsm_name(a),
			 fsm_name(b), want ? "did not open" : "opened");
		return why;
	}
	return NULL;
}

static bool blocked(uint32_t a, uint32_t b)
{
	return a == ST_STOP_COPY && (b == ST_PRE_COPY || b == ST_PRE_COPY_P2P);
}

void check_arcs(struct check_ctx *c)
{
	char why[160];
	int n = 0, fails = 0;
	const char *first = NULL;
	char keep[160];

	for (int round = 0; round < c->rounds && !sig_caught(); round++) {
		for (uint32_t a = ST_STOP; a < ST_NR; a++) {
			for (uint32_t b = ST_STOP; b < ST_NR && !sig_caught(); b++) {
				if (a == ST_RESUMING || blocked(a, b) ||
				    !fsm_supported(a, c->s.d.flags) ||
				    !fsm_supported(b, c->s.d.flags))
					continue;
				n++;
				if (!one_arc(c, a, b, why, sizeof(why)))
					continue;
				if (!fails++) {
					snprintf(keep, sizeof(keep), "%s", why);
					first = keep;
				}
			}
		}
		check_home(c);
	}
	if (fails)
		check_add(c, "arcs", CK_FAIL, "%d of %d arcs failed; first: %s",
			  fails, n, first);
	else
		check_add(c, "arcs", CK_PASS, "%d arcs over %d round%s, each confirmed "
			  "by GET, data sessions where the uAPI says", n / c->rounds,
			  c->rounds, c->rounds == 1 ? "" : "s");
}

/* A request the kernel must refuse with EINVAL, leaving the state. */
static const char *refused(struct check_ctx *c, uint32_t req, char *why, size_t len)
{
	uint32_t before, after;
	int fd, r;

	if (vdev_get_state(&c->s.d, &before))
		return "cannot read the state";
	r = vdev_set_state(&c->s.d, req, &fd);
	if (fd >= 0)
		close(fd);
	if (vdev_get_state(&c->s.d, &after))
		return "cannot read the state";
	if (r != -EINVAL)
		snprintf(why, len, "request %u answered %s, not EINVAL", req,
			 r ? errstr(r) : "success");
	else if (after != before)
		snprintf(why, len, "request %u moved the device to %s", req,
			 fsm_name(after));
	else
		return NULL;
	return why;
}

void check_illegal(struct check_ctx *c)
{
	char why[160];
	const char *bad = NULL;
	int n = 0;

	if (check_home(c)) {
		check_add(c, "illegal-requests", CK_FAIL, "cannot return to running");
		return;
	}
	/* error, a number past the last state, and states the flags exclude */
	for (uint32_t s = 0; s <= ST_NR && !bad; s++) {
		if (s < ST_NR && s != ST_ERROR && fsm_supported(s, c->s.d.flags))
			continue;
		n++;
		bad = refused(c, s, why, sizeof(why));
	}
	if (bad)
		check_add(c, "illegal-requests", CK_FAIL, "%s", bad);
	else
		check_add(c, "illegal-requests", CK_PASS, "%d refused with EINVAL "
			  "(error, unsupported and unknown states), state unchanged", n);
}
