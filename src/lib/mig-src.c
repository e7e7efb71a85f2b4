// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The source of a live migration: one thread per device reads its
 * data_fd into a stream on the device's own connection, while the main
 * thread steps the devices in lock-step and speaks the control protocol
 * (mig.h). Unwinding and reports go through mig-group.c and session.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "sig.h"
#include "device.h"
#include "events.h"
#include "fsm.h"
#include "log.h"
#include "mig-src.h"
#include "pump.h"
#include "save.h"
#include "vfio.h"

/*
 * Records of 1 MiB: on a socket, fewer and larger writes cost less
 * system time (bench/migrate.sh); pump.c still reads and hashes 256 KiB
 * at a time, while the data is in cache.
 */
#define MIG_BUF (1u << 20)
/* The most one pre-copy pass reads before it checks for a stop. */
#define PASS_LIMIT (32u << 20)

/* --- the device threads ------------------------------------------------- */

static int thread_failed(struct mig_dev *m, int r, const char *where)
{
	struct mgroup *g = m->group;
	bool quiet;

	mgroup_lock(g);
	/* After an abort a broken connection is the abort's doing, not news. */
	quiet = g->abort || (r == -EINTR && sig_caught());
	mgroup_unlock(g);
	if (!quiet && !strcmp(where, "read"))
		err("migrate %s: reading the device's data_fd: %s", m->s.d.info.name, errstr(r));
	else if (!quiet)
		err("migrate %s: sending to %s: %s", m->s.d.info.name, m->data.peer, errstr(r));
	return r;
}

/*
 * One pass: what the device has now (up to PASS_LIMIT), then its
 * PRECOPY_INFO; *moved says whether the pass moved data. A round, as
 * reported, is the passes up to the device's temporary end of data.
 */
static int precopy_round(struct mig_dev *m, uint8_t *buf, uint64_t *ini, uint64_t *dirty,
			 uint32_t *flags, bool *moved)
{
	uint64_t before = m->w.data_bytes;
	const char *where;
	enum pump_end end;
	bool ended;
	int r;

	/* A device that dirties faster than we read still hears a stop. */
	m->prog.stop_at = m->prog.done + PASS_LIMIT;
	r = pump_save(m->data_fd, &m->w, PHASE_PRECOPY, true, buf, MIG_BUF, &m->prog,
		      &end, &where);
	if (r)
		return thread_failed(m, r, where);
	*moved = m->w.data_bytes != before;
	/* The main thread sums it under the lock (precopy_sums). */
	mgroup_lock(m->group);
	m->pre_bytes += m->w.data_bytes - before;
	mgroup_unlock(m->group);
	/* A round runs to the device's temporary end of data. */
	m->round_moved |= *moved;
	ended = end != END_LIMIT && m->round_moved;
	if (end != END_LIMIT) {
		m->rounds += m->round_moved;
		m->round_moved = false;
	}
	r = vfio_precopy_info_flags(m->data_fd, ini, dirty, flags);
	if (r)
		err("migrate %s: VFIO_MIG_GET_PRECOPY_INFO: %s", m->s.d.info.name, errstr(r));
	else if (ended)
		ev_pass(m->s.d.info.name, m->rounds, m->pre_bytes, *ini, *dirty);
	return r;
}

/* Rounds until the main thread says stop; then it may step the device. */
static int precopy_rounds(struct mig_dev *m, uint8_t *buf)
{
	struct mgroup *g = m->group;
	uint64_t ini, dirty;
	uint32_t flags;
	bool stop, moved = false;

	do {
		int r = precopy_round(m, buf, &ini, &dirty, &flags, &moved);
		if (r)
			return r;
		mgroup_lock(g);
		m->initial_left = ini;
		m->dirty = dirty;
		/* The initial bytes started over: the destination must load the
		 * new ones before the switchover (a new INITIAL, a new ACK). */
		if (flags & VFIO_PRECOPY_INFO_REINIT) {
			m->initial_done = false;
			m->reinits++;
			info("migrate %s: the driver's initial bytes started over (REINIT): "
			     "%llu more", m->s.d.info.name, (unsigned long long)ini);
		}
		if (!ini && !m->initial_done) {
			m->initial_done = true;
			m->initial_off = m->w.data_bytes;
			m->initial_gen++;
		}
		mgroup_signal(g);
		/* Nothing to read (now): let the device run a while. */
		if ((!ini && !dirty) || !moved)
			mgroup_pause(g, MIG_TICK_MS);
		stop = g->stop || g->abort;
		m->paused = stop;
		mgroup_unlock(g);
	} while (!stop);
	return 0;
}

static int wait_go(struct mgroup *g)
{
	int r;

	mgroup_lock(g);
	while (!g->go && !g->abort)
		mgroup_wait(g, 200);
	r = g->abort ? -ECANCELED : 0;
	mgroup_unlock(g);
	return r;
}

static int stopcopy(struct mig_dev *m, uint8_t *buf)
{
	uint64_t before = m->w.data_bytes;
	const char *where = "write";
	enum pump_end end;
	int r;

	m->prog.stop_at = 0;
	r = pump_save(m->data_fd, &m->w, PHASE_STOPCOPY, false, buf, MIG_BUF, &m->prog,
		      &end, &where);
	progress_end(&m->prog);
	m->stop_bytes = m->w.data_bytes - before;
	if (!r) {
		where = "write";
		r = sw_trailer(&m->w);
	}
	return r ? thread_failed(m, r, where) : 0;
}

static void *src_thread(void *arg)
{
	struct mig_dev *m = arg;
	struct mgroup *g = m->group;
	uint8_t *buf = pump_buf(MIG_BUF);
	int r = buf ? 0 : -ENOMEM;

	progress_init(&m->prog, false, 0);
	m->prog.name = m->s.d.info.name;
	if (!r && m->precopy)
		r = precopy_rounds(m, buf);
	if (!r)
		r = wait_go(g);
	if (!r)
		r = stopcopy(m, buf);
	mgroup_lock(g);
	m->err = r == -ECANCELED ? 0 : r;
	m->done = !r;
	m->exited = true;
	m->records = m->w.records;
	m->bytes = m->w.data_bytes;
	mgroup_signal(g);
	mgroup_unlock(g);
	mgroup_wake(g);
	free(buf);
	return NULL;
}

/* --- the main thread ------------------------------------------------------ */

/* Tell the destination where each device's initial bytes end. */
static int send_initials(struct msrc *s)
{
	unsigned int i;
	struct msg m;
	int r;

	for (i = 0; i < s->g.n; i++) {
		struct mig_dev *d = &s->g.dev[i];
		unsigned int gen;
		uint64_t off;
		bool due;

		mgroup_lock(&s->g);
		due = d->precopy && d->initial_done && d->initial_gen != s->initial_sent[i];
		gen = d->initial_gen;
		off = d->initial_off;
		mgroup_unlock(&s->g);
		if (!due)
			continue;
		m.len = 0;
		msg_put_u64(&m, 0, i);
		msg_put_u64(&m, 8, off);
		r = msg_send(&s->ctl, MSG_INITIAL, m.body, m.len);
		if (r)
			return r;
		s->initial_sent[i] = gen;
		s->initials_sent++;
		/* This INITIAL needs its own ACK: an earlier one does not do. */
		s->acked = false;
	}
	return 0;
}

static int on_msg(struct msrc *s, const struct msg *m)
{
	switch (m->type) {
	case MSG_ABORT:
		if (!s->committed)
			return mgroup_peer_aborted(&s->g, m);
		err("migrate: committed, but the destination failed to run its devices: "
		    "%.*s; the source devices stay stopped", (int)m->len, m->body);
		return -VM_E_UNCONFIRMED;
	case MSG_ACK:
		/* Only an ACK of every INITIAL sent so far: a REINIT sends
		 * another, and an older ACK in flight is not for it. */
		s->acked = msg_u64(m, 0) == s->initials_sent;
		return 0;
	case MSG_LOADED:
		s->loaded = true;
		return 0;
	case MSG_RUNNING:
		s->running = true;
		s->t_run = monotonic_secs();
		s->dst_downtime_us = msg_u64(m, 0);
		return 0;
	default:
		return mgroup_unexpected(&s->g, m->type);
	}
}

/*
 * One supervision step: a frame from the destination or a tick, then the
 * devices' news. Every failure is printed once, here or by its thread.
 */
static int src_tick(struct msrc *s)
{
	struct msg m;
	int r = mgroup_tick(&s->g, &s->ctl, &m);

	if (r > 0)
		r = on_msg(s, &m);
	if (!r)
		r = mgroup_failed(&s->g);
	return r ? r : send_initials(s);
}

static bool all_initial_sent(struct msrc *s)
{
	bool all = true;

	mgroup_lock(&s->g);
	for (unsigned int i = 0; all && i < s->g.n; i++) {
		const struct mig_dev *d = &s->g.dev[i];

		all = !d->precopy || (d->initial_done && d->initial_gen == s->initial_sent[i]);
	}
	mgroup_unlock(&s->g);
	return all;
}

/* Pre-copy bytes sent so far, and those the devices said they still hold. */
static void precopy_sums(struct msrc *s, uint64_t *sent, uint64_t *left)
{
	unsigned int i;

	*sent = *left = 0;
	mgroup_lock(&s->g);
	for (i = 0; i < s->g.n; i++) {
		*sent += s->g.dev[i].pre_bytes;
		*left += s->g.dev[i].initial_left + s->g.dev[i].dirty;
	}
	mgroup_unlock(&s->g);
}

/* Why pre-copy ends, with the figures it was decided on. */
static void switchover(struct msrc *s, const char *reason, double secs, uint64_t sent)
{
	struct ev_switch e = {
		.reason = reason, .precopy_secs = secs, .sent = sent,
		.remaining = s->remaining, .rate = secs > 0 ? sent / secs : 0,
		.downtime_limit = s->a->downtime_limit, .acked = s->acked,
	};

	ev_switchover(&e);
}

/*
 * Run pre-copy until the destination has the initial bytes (its ACK)
 * and what is left would move within --downtime-limit at the rate
 * measured so far, or until --precopy-timeout, ACK or not.
 */
static int converge(struct msrc *s)
{
	double start = monotonic_secs();
	uint64_t sent;

	for (;;) {
		int r = src_tick(s);
		double secs = monotonic_secs() - start;

		if (r)
			return r;
		precopy_sums(s, &sent, &s->remaining);
		if (all_initial_sent(s) && s->acked &&
		    s->remaining <= sent / (secs > 0 ? secs : 1) * s->a->downtime_limit) {
			s->converged = true;
			switchover(s, "converged", secs, sent);
			return 0;
		}
		if (secs >= s->a->precopy_timeout) {
			info("migrate: pre-copy did not converge in %.1f s; stopping with "
			     "%llu bytes left", secs, (unsigned long long)s->remaining);
			switchover(s, "timeout", secs, sent);
			return 0;
		}
	}
}

static bool all_paused(struct msrc *s)
{
	unsigned int i;
	bool all = true;

	mgroup_lock(&s->g);
	for (i = 0; i < s->g.n; i++)
		all &= !s->g.dev[i].precopy || s->g.dev[i].paused;
	mgroup_unlock(&s->g);
	return all;
}

/* Every pre-copy thread finished its round and waits. */
static int pause_threads(struct msrc *s)
{
	int r = 0;

	mgroup_lock(&s->g);
	s->g.stop = true;
	mgroup_signal(&s->g);
	mgroup_unlock(&s->g);
	/* A thread that failed never pauses: src_tick() returns its failure. */
	while (!r && !all_paused(s))
		r = src_tick(s);
	return r ? r : mgroup_failed(&s->g);
}

/* STOPPED carries each device's pre-copy rounds, for the other report. */
static int send_stopped(struct msrc *s)
{
	struct msg m = { .len = 0 };
	unsigned int i;

	for (i = 0; i < s->g.n; i++)
		msg_put_u64(&m, 8 * i, s->g.dev[i].rounds);
	return msg_send(&s->ctl, MSG_STOPPED, m.body, m.len);
}

/*
 * The downtime starts here: every device to its p2p grace state, then
 * every device to stop_copy, and the threads may read the rest.
 */
static int stop_devices(struct msrc *s)
{
	int r = pause_threads(s);

	if (r)
		return r;
	ev_status("pre-switchover");
	s->t_stop = monotonic_secs();
	r = mgroup_goto(&s->g, ST_RUNNING_P2P);
	if (!r)
		r = mgroup_goto(&s->g, ST_STOP_COPY);
	if (r)
		return r;
	ev_status("device");
	r = send_stopped(s);
	if (r)
		return r;
	mgroup_lock(&s->g);
	s->g.go = true;
	mgroup_signal(&s->g);
	mgroup_unlock(&s->g);
	return 0;
}

static int wait_for(struct msrc *s, const bool *flag)
{
	int r = 0;

	while (!r && !*flag)
		r = src_tick(s);
	return r;
}

static int wait_threads(struct msrc *s)
{
	int r = 0;

	while (!r && !mgroup_all_done(&s->g))
		r = src_tick(s);
	return r;
}

static int hello(struct msrc *s)
{
	struct hello h = { .ndev = s->g.n };
	struct msg m = { 0 };
	unsigned int i;
	int r;

	if (getrandom(s->session, sizeof(s->session), 0) != sizeof(s->session))
		return -errno;
	memcpy(h.session, s->session, sizeof(h.session));
	for (i = 0; i < s->g.n; i++) {
		struct mig_dev *d = &s->g.dev[i];

		ident_fill(&d->s.d, &h.id[i]);
		d->precopy = !s->a->no_precopy && (d->s.d.flags & MIG_PRE_COPY) &&
			     d->s.cur == ST_RUNNING;
		h.precopy |= (uint32_t)d->precopy << i;
	}
	hello_encode(&h, &m);
	r = msg_send(&s->ctl, MSG_HELLO, m.body, m.len);
	if (r) {
		err("migrate: sending to %s: %s", s->ctl.peer, errstr(r));
		return r;
	}
	/* READY: the destination's devices are all in resuming. */
	do
		r = mgroup_tick(&s->g, &s->ctl, &m);
	while (!r);
	if (r < 0 || m.type == MSG_READY)
		return r < 0 ? r : 0;
	return m.type == MSG_ABORT ? mgroup_peer_aborted(&s->g, &m) :
				     mgroup_unexpected(&s->g, m.type);
}

/* Each device's connection: ATTACH, then the stream's header. */
static int open_data(struct msrc *s)
{
	struct net_opts *n = (struct net_opts *)&s->a->net;
	struct stream_ident id;
	unsigned int i;
	struct msg m;

	for (i = 0; i < s->g.n; i++) {
		struct mig_dev *d = &s->g.dev[i];
		char why[NET_WHY];
		int r = net_connect(&s->addr, n, "migrate", &d->data, why);

		if (r)
			return say_why(r, why);
		attach_encode(s->session, i, &m);
		ident_fill(&d->s.d, &id);
		r = msg_send(&d->data, MSG_ATTACH, m.body, m.len);
		if (!r)
			r = sw_init(&d->w, &d->data, false);
		if (!r)
			r = sw_header(&d->w, &id);
		if (r) {
			err("migrate %s: sending to %s: %s", d->s.d.info.name, d->data.peer,
			    errstr(r));
			return r;
		}
	}
	return 0;
}

/* Pre-copy where the device has it and runs; everyone's thread starts. */
static int start_threads(struct msrc *s)
{
	unsigned int i;
	int r;

	s->touched = true;
	for (i = 0; i < s->g.n; i++) {
		struct mig_dev *d = &s->g.dev[i];

		if (d->precopy) {
			r = sess_goto(&d->s, ST_PRE_COPY, &d->data_fd);
			if (r)
				return r;
		}
	}
	s->t_pre = monotonic_secs();
	for (i = 0; i < s->g.n; i++) {
		r = -pthread_create(&s->g.dev[i].thread, NULL, src_thread, &s->g.dev[i]);
		if (r) {
			err("migrate: starting a thread: %s", errstr(r));
			return r;
		}
		s->g.dev[i].started = true;
	}
	return 0;
}

static bool any_precopy(struct msrc *s)
{
	unsigned int i;

	for (i = 0; i < s->g.n; i++)
		if (s->g.dev[i].precopy)
			return true;
	return false;
}

/* Until the commit, a failure anywhere unwinds everything. */
static int commit(struct msrc *s)
{
	int r = wait_for(s, &s->loaded);

	if (!r)
		r = msg_send(&s->ctl, MSG_COMMIT, NULL, 0);
	if (r)
		return r;
	/* From here on the destination owns the devices' state. */
	s->committed = true;
	r = wait_for(s, &s->running);
	/* The destination's ABORT after the commit: said already (on_msg). */
	if (r == -VM_E_UNCONFIRMED)
		return r;
	if (r) {
		err("migrate: committed, but the destination did not confirm that its "
		    "devices run; the source devices stay stopped");
		return -VM_E_UNCONFIRMED;
	}
	return 0;
}

int src_migrate(struct msrc *s)
{
	char why[NET_WHY];
	int r = say_why(net_connect(&s->addr, &((struct migrate_args *)s->a)->net,
				    "migrate", &s->ctl, why), why);

	if (!r)
		r = hello(s);
	if (!r)
		r = open_data(s);
	if (!r)
		r = start_threads(s);
	if (!r)
		ev_status("active");
	if (!r && any_precopy(s))
		r = converge(s);
	else if (!r)
		switchover(s, "no-precopy", 0, 0);
	if (!r)
		r = stop_devices(s);
	if (!r)
		r = wait_threads(s);
	if (!r)
		r = commit(s);
	/*
	 * Before the commit a failure leaves the threads to src_unwind(): they
	 * may still wait for go or the end of pre-copy.
	 */
	if (!r || s->committed)
		mgroup_join(&s->g);
	return r;
}

void src_unwind(struct msrc *s, int why)
{
	mgroup_stop(&s->g, &s->ctl, why);
	mgroup_unwind(&s->g, POLICY_UNWIND, "migrate");
}

int src_finish(struct msrc *s)
{
	unsigned int i;
	int r = 0;

	/* Every device is tried; sess_goto() names each one that fails. */
	for (i = 0; i < s->g.n; i++) {
		struct mig_dev *d = &s->g.dev[i];

		if (d->data_fd >= 0)
			close(d->data_fd);
		d->data_fd = -1;
		if (d->s.cur != ST_STOP && sess_goto(&d->s, ST_STOP, NULL))
			r = -VM_E_STATE;
	}
	return r;
}
