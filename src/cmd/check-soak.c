// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check --soak / --duration: a random walk over the legal requests of
 * the device's state machine, with data fd reads of random sizes,
 * restores of random write chunking, random resets and random aborts of
 * resuming. Every step is checked against the model: the state a GET
 * reports, the data fd the uAPI promises (check_expect_fd) and the end
 * of a fd whose session is over. The seed makes a walk replayable; the
 * report has per-arc counts and latency percentiles. A failure stops
 * the walk with the step that failed, and the device is reset.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig.h"
#include "check.h"
#include "ci-report.h"
#include "device.h"
#include "log.h"
#include "output.h"
#include "sig.h"

struct lat {
	uint32_t *us;
	size_t n, cap;
};

struct soak {
	struct check_ctx *c;
	const struct soak_args *a;
	struct lat lat[ST_NR][ST_NR];
	uint32_t model;     /* where the device must be */
	int fd;             /* the open session's fd, or -1 */
	uint8_t *ref;       /* a whole save, for restores */
	size_t ref_len;
	long step, resets, reads, loads, aborts;
	uint64_t bytes_read, bytes_written;
	double secs;
	char fail[256];
};

static int failf(struct soak *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int failf(struct soak *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->fail, sizeof(k->fail), fmt, ap);
	va_end(ap);
	return -1;
}

static void sample(struct lat *l, double us)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		uint32_t *n = realloc(l->us, cap * sizeof(*n));

		if (!n)
			return;
		l->us = n;
		l->cap = cap;
	}
	l->us[l->n++] = (uint32_t)us;
}

/* The old session must be over: a read or write gives no data. */
static int expect_ended(struct soak *k, const char *after)
{
	uint8_t b = 0;
	ssize_t n;

	if (k->fd < 0)
		return 0;
	n = k->model == ST_RESUMING ? 0 : read(k->fd, &b, 1);
	close(k->fd);
	k->fd = -1;
	return n > 0 ? failf(k, "after %s the old data fd still gives data", after) : 0;
}

static int expect_state(struct soak *k, const char *after)
{
	uint32_t st;
	int r = vdev_get_state(&k->c->s.d, &st);

	if (r)
		return failf(k, "GET after %s: %s", after, errstr(r));
	if (st != k->model)
		return failf(k, "after %s the device reports %s, the model %s", after,
			     fsm_name(st), fsm_name(k->model));
	return 0;
}

static int do_reset(struct soak *k)
{
	int r = vdev_reset(&k->c->s.d);

	k->resets++;
	if (r)
		return failf(k, "VFIO_DEVICE_RESET in %s: %s", fsm_name(k->model),
			     errstr(r));
	if (expect_ended(k, "a reset"))
		return -1;
	k->model = ST_RUNNING;
	return expect_state(k, "a reset");
}

static int do_read(struct soak *k)
{
	size_t len = 1 + check_rand() % 65536;
	uint8_t *b = malloc(len);
	ssize_t n;

	if (!b)
		return 0;
	n = read(k->fd, b, len);
	free(b);
	k->reads++;
	if (n > 0)
		k->bytes_read += n;
	if (n >= 0 || errno == EINTR)
		return 0;
	if (k->model != ST_STOP_COPY && (errno == ENOMSG || errno == EAGAIN))
		return 0;
	return failf(k, "read(%zu) in %s: %s", len, fsm_name(k->model),
		     check_errname(errno));
}

/*
 * Just in resuming: load the reference in random chunks, or abort: write
 * a part (at least half, then resuming -> stop must be refused, as
 * data.resume.truncated says) and reset.
 */
static int do_resume(struct soak *k)
{
	unsigned int how = check_rand() % 8;
	size_t half = k->ref_len / 2, len = k->ref_len;
	int fd = -1, r;

	if (how == 1 && k->ref_len >= 2)
		len = half + check_rand() % (k->ref_len - half);
	else if (how == 2)
		len = check_rand() % (k->ref_len + 1);
	r = check_write(k->fd, k->ref, len, SIZE_MAX);
	if (r)
		return failf(k, "writing %zu bytes in random chunks in resuming: %s",
			     len, check_errname(r));
	k->bytes_written += len;
	if (len == k->ref_len) {
		k->loads++;
		return 0;
	}
	k->aborts++;
	if (how == 1) {
		r = vdev_set_state(&k->c->s.d, ST_STOP, &fd);
		if (fd >= 0)
			close(fd);
		if (!r)
			return failf(k, "%zu of %zu bytes accepted at resuming -> stop",
				     len, k->ref_len);
		if (expect_state(k, "a refused resuming -> stop"))
			return -1;
	}
	return do_reset(k);
}

static int do_goto(struct soak *k)
{
	uint32_t path[FSM_MAX_PATH], to = 1 + check_rand() % (ST_NR - 1);
	uint32_t from = k->model;
	int fd = -1, want, n, r;
	double t;

	if (!fsm_supported(to, k->c->s.d.flags) || to == from ||
	    fsm_plan(from, to, k->c->s.d.flags, path, &n) != PLAN_OK)
		return 0;
	t = check_now_us();
	r = vdev_set_state(&k->c->s.d, to, &fd);
	t = check_now_us() - t;
	if (r)
		return failf(k, "%s -> %s: %s", fsm_name(from), fsm_name(to), errstr(r));
	sample(&k->lat[from][to], t);
	want = check_expect_fd(from, to);
	if (want >= 0 && want != (fd >= 0)) {
		if (fd >= 0)
			close(fd);
		return failf(k, "%s -> %s %s a data fd", fsm_name(from), fsm_name(to),
			     want ? "did not return" : "returned");
	}
	/* a new session, or the state left the old one's group */
	if (fd >= 0 || !fsm_is_saving(to)) {
		char arc[40];

		snprintf(arc, sizeof(arc), "%s -> %s", fsm_name(from), fsm_name(to));
		if (expect_ended(k, arc)) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
	}
	if (fd >= 0)
		k->fd = fd;
	k->model = to;
	if (expect_state(k, "the request"))
		return -1;
	return to == ST_RESUMING ? do_resume(k) : 0;
}

static int one_step(struct soak *k)
{
	unsigned int pick = check_rand() % 100;

	if (pick < 6)
		return do_reset(k);
	if (pick < 35 && k->fd >= 0 && fsm_is_saving(k->model))
		return do_read(k);
	return do_goto(k);
}

static void pct(struct lat *l, uint32_t *p50, uint32_t *p99, uint32_t *max)
{
	size_t i99 = l->n * 99 / 100;

	qsort(l->us, l->n, sizeof(l->us[0]), check_cmp_u32);
	*p50 = l->us[l->n / 2];
	*p99 = l->us[i99 < l->n ? i99 : l->n - 1];
	*max = l->us[l->n - 1];
}

static void soak_out(struct soak *k)
{
	out_begin();
	out_str("device", "device", k->c->s.d.info.name);
	out_str("driver", "driver", k->c->s.d.info.driver);
	out_u64("seed", "seed", k->a->seed);
	out_int("steps", "steps", k->step);
	out_line("seconds", "%.1f", k->secs);
	out_fmt_secs("usecs", NULL, k->secs);
	out_int("resets", "resets", k->resets);
	out_int("reads", "reads", k->reads);
	out_u64("bytes_read", "bytes read", k->bytes_read);
	out_int("restores", "restores", k->loads);
	out_int("aborts", "aborted restores", k->aborts);
	out_u64("bytes_written", "bytes written", k->bytes_written);
	/* An interrupted soak says what it did: its seed replays it. */
	out_str("result", "result", k->fail[0] ? "fail" : sig_caught() ? "interrupted" : "pass");
	if (k->fail[0]) {
		out_int("failed_step", "failed step", k->step);
		out_str("failure", "failure", k->fail);
	} else {
		out_null("failed_step", NULL, NULL);
		out_null("failure", NULL, NULL);
	}
	out_text("\n%-14s %-14s %8s %10s %10s %10s\n", "from", "to", "count",
		 "p50 us", "p99 us", "max us");
	out_arr_open("arc_latencies", NULL);
	for (uint32_t a = 0; a < ST_NR; a++) {
		for (uint32_t b = 0; b < ST_NR; b++) {
			struct lat *l = &k->lat[a][b];
			uint32_t p50, p99, max;

			if (!l->n)
				continue;
			pct(l, &p50, &p99, &max);
			out_text("%-14s %-14s %8zu %10u %10u %10u\n", fsm_name(a),
				 fsm_name(b), l->n, p50, p99, max);
			out_obj_open(NULL);
			out_str("from", NULL, fsm_name(a));
			out_str("to", NULL, fsm_name(b));
			out_u64("count", NULL, l->n);
			out_u64("p50_usecs", NULL, p50);
			out_u64("p99_usecs", NULL, p99);
			out_u64("max_usecs", NULL, max);
			out_obj_close();
		}
	}
	out_arr_close();
}

/* One case, "soak", through the one CI writer (ci-report.c). */
static void soak_ci(struct soak *k)
{
	enum ci_format f = k->a->format == FMT_JUNIT ? CI_JUNIT : CI_TAP;
	char sum[200], why[sizeof(k->fail) + 32];
	struct ci ci;

	snprintf(sum, sizeof(sum), "seed %llu, %ld steps in %.1f s, %ld resets, "
		 "%ld restores, %ld aborted", (unsigned long long)k->a->seed,
		 k->step, k->secs, k->resets, k->loads, k->aborts);
	if (k->fail[0])
		snprintf(why, sizeof(why), "step %ld: %s", k->step, k->fail);
	else if (sig_caught())
		snprintf(why, sizeof(why), "interrupted by %s after step %ld",
			 sigabbrev_np(sig_caught()), k->step);
	out_begin();
	/* Interrupted is not passed: the walk did not run its course. */
	ci_begin(&ci, f, "vfiomig check --soak", 1, k->fail[0] || sig_caught(), 0, NULL);
	ci_case(&ci, "soak", k->fail[0] || sig_caught() ? CI_FAIL : CI_PASS, sum,
		k->fail[0] && f == CI_TAP ? k->fail : k->fail[0] || sig_caught() ? why : NULL,
		k->secs);
	ci_end(&ci);
}

static int walk(struct soak *k)
{
	double t0 = check_now_us();

	while (!sig_caught() && !k->fail[0]) {
		if (k->a->steps && k->step >= k->a->steps)
			break;
		if (k->a->duration && (check_now_us() - t0) / 1e6 >= k->a->duration)
			break;
		k->step++;
		if (one_step(k))
			break;
	}
	k->secs = (check_now_us() - t0) / 1e6;
	return k->fail[0] ? -1 : 0;
}

int check_soak(struct check_ctx *c, const struct soak_args *a)
{
	struct soak *k = calloc(1, sizeof(*k));
	size_t cap = 0;
	ssize_t n;
	int r = 0;

	if (!k)
		return -ENOMEM;
	k->c = c;
	k->a = a;
	k->fd = -1;
	check_srand(a->seed);
	n = check_save(c, &k->ref, &cap, 0);
	if (n < 0) {
		err("check %s: soak: the first save: %s", c->s.d.info.name,
		    errstr((int)n));
		r = -VM_E_CHECK;
	} else {
		k->ref_len = (size_t)n;
		k->model = check_home(c) ? ST_ERROR : ST_RUNNING;
		if (walk(k))
			err("check %s: soak step %ld: %s; replay with --seed %llu",
			    c->s.d.info.name, k->step, k->fail,
			    (unsigned long long)a->seed);
		if (k->fd >= 0)
			close(k->fd);
		/* reset first: the walk may have stopped in resuming */
		check_home(c);
		if (a->format == FMT_TAP || a->format == FMT_JUNIT)
			soak_ci(k);
		else
			soak_out(k);
		r = out_end();
		if (!r && sig_caught())
			r = -VM_E_INTERRUPTED;
		if (!r && k->fail[0])
			r = -VM_E_CHECK;
	}
	for (uint32_t i = 0; i < ST_NR; i++)
		for (uint32_t j = 0; j < ST_NR; j++)
			free(k->lat[i][j].us);
	free(k->ref);
	free(k);
	return r;
}
