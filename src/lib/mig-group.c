// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The devices of one side of a migration, moved together: opening,
 * p2p lock-step, the threads' shared state and its lock, unwinding
 * through the session module, the reasons of the run. Must not speak
 * the wire protocol (mig-ctl.c does, for both sides).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "fsm.h"
#include "mig.h"
#include "pump.h"

void mgroup_init(struct mgroup *g, const struct vm_ctx *x, const struct mig_side *side,
		 const char **args, unsigned int n)
{
	pthread_condattr_t ca;
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->x = x;
	g->side = side;
	g->n = n;
	for (i = 0; i < n; i++) {
		g->dev[i].group = g;
		g->dev[i].index = i;
		g->dev[i].arg = args[i];
		g->dev[i].data_fd = -1;
		sess_init(&g->dev[i].s, x, side->cmd);
		chan_plain(&g->dev[i].data, x, -1, "");
	}
	pthread_mutex_init(&g->lock, NULL);
	/* Timed waits on the monotonic clock: a wall-clock step neither
	 * stalls nor hurries them. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* Without the pipe the main thread still notices on its next tick. */
	if (pipe2(g->wake, O_CLOEXEC | O_NONBLOCK))
		g->wake[0] = g->wake[1] = -1;
}

static int open_one(struct mgroup *g, struct mig_dev *m)
{
	int r = sess_begin(&m->s, g->x, g->side->cmd, m->arg);

	m->s.log = &g->log;
	m->s.log_lock = &g->lock;	/* mgroup_goto() steps them at once */
	m->s.index = m->index;
	return r;
}

/* Names were checked for duplicates before (devs_distinct(), cli.h). */
int mgroup_open(struct mgroup *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		int r = open_one(g, &g->dev[i]);
		if (r)
			return r;
	}
	return 0;
}

void mgroup_close(struct mgroup *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		struct mig_dev *m = &g->dev[i];

		chan_close(&m->data);
		sw_free(&m->w);
		sr_free(&m->rd);
		if (m->data_fd >= 0)
			close(m->data_fd);
		m->data_fd = -1;
		sess_close(&m->s);
	}
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	if (g->wake[0] >= 0) {
		close(g->wake[0]);
		close(g->wake[1]);
	}
}

void mgroup_unwind(struct mgroup *g, enum policy p)
{
	struct sess *v[DEVS_MAX];

	for (unsigned int i = 0; i < g->n; i++) {
		struct mig_dev *m = &g->dev[i];

		if (m->data_fd >= 0)
			close(m->data_fd);
		m->data_fd = -1;
		v[i] = &m->s;
	}
	g->any_touched = sess_unwind_all(v, g->n, p);
}

void mgroup_settle(struct mgroup *g)
{
	for (unsigned int i = 0; i < g->n; i++)
		if (sess_is_open(&g->dev[i].s))
			sess_settle(&g->dev[i].s);
}

static int by_time(const void *a, const void *b)
{
	double ta = (*(const struct reason *const *)a)->at;
	double tb = (*(const struct reason *const *)b)->at;

	return ta < tb ? -1 : ta > tb;
}

unsigned int mgroup_reasons(const struct mgroup *g, const struct reason **v)
{
	unsigned int n = 0;

	if (reason_set(&g->why))
		v[n++] = &g->why;
	for (unsigned int i = 0; i < g->n; i++) {
		if (reason_set(g->dev[i].s.why))
			v[n++] = g->dev[i].s.why;
		if (reason_set(&g->dev[i].why))
			v[n++] = &g->dev[i].why;
	}
	qsort(v, n, sizeof(*v), by_time);
	return n;
}

int mgroup_thread_failed(struct mig_dev *m, const struct pump *p)
{
	struct mgroup *g = m->group;
	char who[160];
	bool quiet;

	/* After an abort what breaks is its doing; a signal, the main
	 * thread's to tell. */
	mgroup_lock(g);
	quiet = g->abort || p->from == FROM_SIGNAL;
	mgroup_unlock(g);
	snprintf(who, sizeof(who), "%s %s", g->side->cmd, m->s.d.info.name);
	if (quiet) {
		struct reason dropped = { 0 };

		return pump_why(p, who, &dropped);
	}
	return pump_why(p, who, &m->why);
}

/*
 * The grace state for p2p lock-step is pre_copy_p2p for a device in
 * pre-copy, running_p2p otherwise; a device without p2p support (only
 * allowed alone) goes on directly.
 */
static uint32_t target_for(const struct mig_dev *m, uint32_t state)
{
	if (state != ST_RUNNING_P2P)
		return state;
	if (!(m->s.d.flags & MIG_P2P))
		return m->s.cur;
	return m->s.cur == ST_PRE_COPY ? ST_PRE_COPY_P2P : state;
}

static int goto_one(struct mig_dev *m, uint32_t state)
{
	return sess_goto_keep(&m->s, target_for(m, state), &m->data_fd);
}

/* One device's arc of a step, on a thread of its own. */
struct arc_job {
	struct mig_dev *m;
	uint32_t state;
	int r;
	pthread_t thread;
	bool started;
};

static void *arc_thread(void *arg)
{
	struct arc_job *j = arg;

	j->r = goto_one(j->m, j->state);
	return NULL;
}

/*
 * Every device takes its arc at once: the arcs that save and load the
 * state (stop_copy, resuming -> stop) take milliseconds each, and the
 * kernel serialises them per device (its state_mutex), not per process;
 * one after another they add up in the downtime. The step ends when all
 * have: p2p lock-step holds between steps. A device whose thread cannot
 * start takes its arc here.
 */
int mgroup_goto(struct mgroup *g, uint32_t state)
{
	struct arc_job job[DEVS_MAX];
	unsigned int i;
	int r = 0;

	if (g->n == 1)
		return goto_one(&g->dev[0], state);
	for (i = 0; i < g->n; i++) {
		job[i] = (struct arc_job){ .m = &g->dev[i], .state = state };
		job[i].started = !pthread_create(&job[i].thread, NULL, arc_thread, &job[i]);
		if (!job[i].started)
			job[i].r = goto_one(&g->dev[i], state);
	}
	/* One failure is the answer, the first device's, as when they went
	 * one after another; where each device is left the unwind tells. */
	for (i = 0; i < g->n; i++) {
		if (job[i].started)
			pthread_join(job[i].thread, NULL);
		if (job[i].r && r)
			reason_clear(g->dev[i].s.why);
		else if (job[i].r)
			r = job[i].r;
	}
	return r;
}

void mgroup_lock(struct mgroup *g)
{
	pthread_mutex_lock(&g->lock);
}

void mgroup_unlock(struct mgroup *g)
{
	pthread_mutex_unlock(&g->lock);
}

void mgroup_signal(struct mgroup *g)
{
	pthread_cond_broadcast(&g->cond);
}

void mgroup_wake(struct mgroup *g)
{
	/* A full pipe already wakes the main thread: nothing is lost. */
	if (write(g->wake[1], "", 1) < 0)
		return;
}

/* The condition variable's clock (monotonic), ms from now. */
static struct timespec in_ms(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

void mgroup_wait(struct mgroup *g, int ms)
{
	struct timespec ts = in_ms(ms);

	pthread_cond_timedwait(&g->cond, &g->lock, &ts);
}

void mgroup_pause(struct mgroup *g, int ms)
{
	struct timespec ts = in_ms(ms);

	/* Other threads' news wakes us too; only stop or abort ends the pause. */
	while (!g->stop && !g->abort &&
	       pthread_cond_timedwait(&g->cond, &g->lock, &ts) != ETIMEDOUT)
		;
}

void mgroup_join(struct mgroup *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		if (g->dev[i].started)
			pthread_join(g->dev[i].thread, NULL);
		g->dev[i].started = false;
	}
}

/*
 * After an abort: a thread may sit in a read of its data fd that only the
 * driver ends (mlx5 waits for data still in flight). Interrupt it, again
 * every 50 ms in case the first came just before the read began.
 */
static void cancel_join(struct mgroup *g)
{
	for (unsigned int i = 0; i < g->n; i++) {
		struct mig_dev *m = &g->dev[i];

		if (!m->started)
			continue;
		mgroup_lock(g);
		while (!m->exited) {
			cancel_thread(g->x, m->thread);
			mgroup_wait(g, 50);
		}
		mgroup_unlock(g);
		pthread_join(m->thread, NULL);
		m->started = false;
	}
}

void mgroup_stop(struct mgroup *g, struct chan *ctl, int why)
{
	unsigned int i;

	/* Our threads take what breaks from now on for the abort's doing. */
	mgroup_lock(g);
	g->abort = true;
	mgroup_signal(g);
	mgroup_unlock(g);
	if (ctl->fd >= 0 && why != -VM_E_PEER && why != -VM_E_REFUSED)
		mctl_abort(g, ctl, why);
	/* A thread blocked on its connection wakes with an error. */
	for (i = 0; i < g->n; i++)
		chan_shutdown(&g->dev[i].data);
	cancel_join(g);
}

int mgroup_failed(struct mgroup *g)
{
	unsigned int i;
	int r = 0;

	mgroup_lock(g);
	for (i = 0; !r && i < g->n; i++)
		r = g->dev[i].err;
	mgroup_unlock(g);
	return r;
}

bool mgroup_all_done(struct mgroup *g)
{
	unsigned int i;
	bool all = true;

	mgroup_lock(g);
	for (i = 0; i < g->n; i++)
		all &= g->dev[i].done;
	mgroup_unlock(g);
	return all;
}
