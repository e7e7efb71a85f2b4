// SPDX-License-Identifier: GPL-2.0-or-later
/* The devices of one side of a migration, moved together. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devops.h"
#include "fsm.h"
#include "log.h"
#include "mig.h"

int mgroup_init(struct mgroup *g, const char *cmd, const char **args, unsigned int n)
{
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->cmd = cmd;
	g->n = n;
	for (i = 0; i < n; i++) {
		g->dev[i].group = g;
		g->dev[i].index = i;
		g->dev[i].arg = args[i];
		g->dev[i].data_fd = -1;
		g->dev[i].d.fd = -1;
		chan_plain(&g->dev[i].data, -1, "");
	}
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	if (pipe2(g->wake, O_CLOEXEC | O_NONBLOCK)) {
		g->wake[0] = g->wake[1] = -1;
		return -errno;
	}
	return 0;
}

static int open_one(struct mgroup *g, struct mdev *m)
{
	int r = dev_open(m->arg, &m->d);

	if (!r)
		r = dev_need_mig(&m->d);
	if (!r)
		r = dev_get_state(&m->d, &m->orig);
	m->cur = m->orig;
	return r;
}

int mgroup_open(struct mgroup *g)
{
	unsigned int i, j;

	for (i = 0; i < g->n; i++) {
		int r = open_one(g, &g->dev[i]);
		if (r)
			return r;
		for (j = 0; j < i; j++) {
			if (!strcmp(g->dev[j].d.info.name, g->dev[i].d.info.name)) {
				err("%s: %s is named twice", g->cmd, g->dev[i].d.info.name);
				return -VM_E_USAGE;
			}
		}
	}
	return 0;
}

void mgroup_close(struct mgroup *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		struct mdev *m = &g->dev[i];

		chan_close(&m->data);
		sw_free(&m->w);
		sr_free(&m->rd);
		if (m->data_fd >= 0)
			close(m->data_fd);
		m->data_fd = -1;
		if (m->d.fd >= 0)
			dev_close(&m->d);
	}
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	if (g->wake[0] >= 0) {
		close(g->wake[0]);
		close(g->wake[1]);
	}
}

/*
 * The grace state for p2p lock-step is pre_copy_p2p for a device in
 * pre-copy, running_p2p otherwise; a device without p2p support (only
 * allowed alone) goes on directly.
 */
static uint32_t target_for(const struct mdev *m, uint32_t state)
{
	if (state != ST_RUNNING_P2P)
		return state;
	if (!(m->d.flags & MIG_P2P))
		return m->cur;
	return m->cur == ST_PRE_COPY ? ST_PRE_COPY_P2P : state;
}

int mgroup_goto(struct mgroup *g, uint32_t state)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		struct mdev *m = &g->dev[i];
		int fd = -1, r;

		r = dev_goto(&m->d, &m->cur, target_for(m, state), &fd,
			     g->log.n < 16 ? &g->log : NULL);
		if (r)
			return r;
		/* From pre_copy the session goes on; a driver may hand it again. */
		if (fd >= 0) {
			if (m->data_fd >= 0)
				close(m->data_fd);
			m->data_fd = fd;
		}
	}
	return 0;
}

void mg_lock(struct mgroup *g)
{
	pthread_mutex_lock(&g->lock);
}

void mg_unlock(struct mgroup *g)
{
	pthread_mutex_unlock(&g->lock);
}

void mg_signal(struct mgroup *g)
{
	pthread_cond_broadcast(&g->cond);
}

void mg_wake(struct mgroup *g)
{
	/* A full pipe already wakes the main thread: nothing is lost. */
	if (write(g->wake[1], "", 1) < 0)
		return;
}

/* The condition variable's clock, ms from now. */
static struct timespec in_ms(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

void mg_wait(struct mgroup *g, int ms)
{
	struct timespec ts = in_ms(ms);

	pthread_cond_timedwait(&g->cond, &g->lock, &ts);
}

void mg_pause(struct mgroup *g, int ms)
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

void mgroup_set_abort(struct mgroup *g)
{
	mg_lock(g);
	g->abort = true;
	mg_signal(g);
	mg_unlock(g);
}

void mgroup_abort(struct mgroup *g)
{
	unsigned int i;

	mgroup_set_abort(g);
	/* A thread blocked on its connection wakes with an error. */
	for (i = 0; i < g->n; i++)
		chan_shutdown(&g->dev[i].data);
	mgroup_join(g);
}

int mgroup_failed(struct mgroup *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++)
		if (g->dev[i].err)
			return g->dev[i].err;
	return 0;
}

bool mgroup_all_done(struct mgroup *g)
{
	unsigned int i;
	bool all = true;

	mg_lock(g);
	for (i = 0; i < g->n; i++)
		all &= g->dev[i].done;
	mg_unlock(g);
	return all;
}
