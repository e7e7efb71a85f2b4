// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The source of a live migration: one thread per device reads its
 * data_fd into a stream on the device's own connection, while the main
 * thread steps the devices in lock-step and speaks the control protocol
 * (mig-wire.h). Unwinding goes through mig-group.c and session.c; what
 * failed is told in reasons, progress and decisions to the observer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "device.h"
#include "fsm.h"
#include "ident.h"
#include "mig-src.h"
#include "pump.h"
#include "vfio.h"

/* The most one pre-copy pass reads before it checks for a stop. */
#define PASS_LIMIT (32u << 20)

/* --- the device threads ------------------------------------------------- */

/* The device's data onto its connection, through the pump. */
static struct pump pump_of(struct mig_dev *m, uint8_t *buf)
{
	return (struct pump){ .x = m->group->x, .data_fd = m->data_fd, .w = &m->w,
			      .buf = buf, .cap = MIG_BUF, .prog = &m->prog };
}

/*
 * What a device can deliver: its fastest pass of PASS_RATE_MIN bytes or
 * more. A slower pass waited on the device for data (mlx5 keeps a SAVE in
 * flight at the end of what it had), which a stop-copy read of a saved
 * state does not; a pass of a few bytes is all waiting (24 B in 5 s).
 */
#define PASS_RATE_MIN (16u << 10)

static void note_rate(struct mig_dev *m, uint64_t bytes, double secs)
{
	if (bytes >= PASS_RATE_MIN && secs > 0 && bytes / secs > m->best_rate)
		m->best_rate = bytes / secs;
}

/*
 * One pass: what the device has now (up to PASS_LIMIT), then its
 * PRECOPY_INFO; *moved says whether the pass moved data. A round, as
 * reported, is the passes up to the device's temporary end of data.
 */
static int precopy_round(struct mig_dev *m, uint8_t *buf, uint64_t *ini, uint64_t *dirty,
			 uint32_t *flags, bool *moved)
{
	uint64_t before = m->w.data_bytes, size;
	struct pump p = pump_of(m, buf);
	double t = monotonic_secs();
	enum pump_end end;
	bool ended, sized;
	int r;

	/* A device that dirties faster than we read still hears a stop. */
	m->prog.stop_at = m->prog.done + PASS_LIMIT;
	r = pump_save(&p, PHASE_PRECOPY, true);
	if (r)
		return mgroup_thread_failed(m, &p);
	t = monotonic_secs() - t;
	end = p.end;
	*moved = m->w.data_bytes != before;
	/* What a stop-copy would take now; a failure keeps the last one. */
	sized = !vdev_data_size(&m->s.d, &size);
	/* The main thread sums it under the lock (precopy_sums, mig-decide.c):
	 * the rate it moves at counts only the passes that moved data. */
	mgroup_lock(m->group);
	m->pre_bytes += m->w.data_bytes - before;
	m->busy += *moved ? t : 0;
	note_rate(m, m->w.data_bytes - before, t);
	if (sized)
		m->size = size;
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
		return fail_from(&m->why, FROM_DEVICE, r, "%s %s: VFIO_MIG_GET_PRECOPY_INFO: %s",
				 m->group->side->cmd, m->s.d.info.name, errstr(r));
	if (ended)
		obs_pass(m->group->x, m->s.d.info.name, m->rounds, m->pre_bytes, *ini, *dirty);
	return 0;
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
			note_info(g->x, "%s %s: the driver's initial bytes started over "
				  "(REINIT): %llu more", g->side->cmd, m->s.d.info.name,
				  (unsigned long long)ini);
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
	struct pump p = pump_of(m, buf);
	int r;

	m->prog.stop_at = 0;
	r = pump_save(&p, PHASE_STOPCOPY, false);
	progress_end(&m->prog);
	m->stop_bytes = m->w.data_bytes - before;
	m->data_secs = p.dev_secs;
	if (!r) {
		r = sw_trailer(&m->w);
		p.from = FROM_OUTPUT;
		p.err = r;
	}
	return r ? mgroup_thread_failed(m, &p) : 0;
}

static void *src_thread(void *arg)
{
	struct mig_dev *m = arg;
	struct mgroup *g = m->group;
	uint8_t *buf = pump_buf(MIG_BUF);
	int r = buf ? 0 : -ENOMEM;

	progress_init(&m->prog, g->x, m->s.d.info.name, m->estimate);
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
		r = mctl_send(&s->g, &s->ctl, MSG_INITIAL, m.body, m.len);
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
			return mctl_peer_aborted(&s->g, m);
		return fail_from(&s->g.why, FROM_PEER, -VM_E_UNCONFIRMED,
				 "%s: committed, but the destination failed to run its "
				 "devices: %.*s; the source devices stay stopped",
				 s->g.side->cmd, (int)m->len, m->body);
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
		return mctl_unexpected(&s->g, m->type);
	}
}

/*
 * One supervision step: a frame from the destination or a tick, then the
 * devices' news. Every failure is told once, here or by its thread.
 */
static int src_tick(struct msrc *s)
{
	struct msg m;
	int r = mctl_tick(&s->g, &s->ctl, &m);

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

/*
 * Run pre-copy until the destination has the initial bytes (its ACK) and
 * the downtime a switchover would take now fits the limit (mig-decide.c),
 * or until the pre-copy time limit: then, without a limit the devices
 * stop anyway; with one, none stops and the migration ends.
 */
static int converge(struct msrc *s)
{
	double start = monotonic_secs();
	uint64_t sent;

	for (;;) {
		int r = src_tick(s);
		double secs = monotonic_secs() - start;
		bool fits;

		if (r)
			return r;
		precopy_sums(s, &sent, &s->remaining);
		fits = src_fits(s);
		if (all_initial_sent(s) && s->acked && fits) {
			s->converged = true;
			src_switchover(s, "converged", secs, sent);
			return 0;
		}
		if (secs < s->a->precopy_timeout)
			continue;
		if (s->a->downtime_limit > 0)
			return src_over_limit(s, secs, sent);
		note_info(s->g.x, "%s: pre-copy did not converge in %.1f s; stopping "
			  "with %llu bytes left", s->g.side->cmd, secs,
			  (unsigned long long)s->remaining);
		src_switchover(s, "timeout", secs, sent);
		return 0;
	}
}

/* No device goes through pre-copy: the estimate decides at once. */
static int decide(struct msrc *s)
{
	if (!src_fits(s))
		return src_over_limit(s, 0, 0);
	src_switchover(s, "no-precopy", 0, 0);
	return 0;
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
	return mctl_send(&s->g, &s->ctl, MSG_STOPPED, m.body, m.len);
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
	obs_status(s->g.x, "pre-switchover");
	s->t_stop = monotonic_secs();
	r = mgroup_goto(&s->g, ST_RUNNING_P2P);
	if (!r)
		r = mgroup_goto(&s->g, ST_STOP_COPY);
	if (r)
		return r;
	obs_status(s->g.x, "device");
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

/* AGREED despite differences: the destination's user forced them. */
static int check_forced(struct msrc *s)
{
	char why[REASON_LEN - 96];
	bool forceable;

	if (mctl_incompatible(&s->g, why, sizeof(why), &forceable))
		note_warn(s->g.x, "%s: the devices differ: %s; the destination receives "
			  "them anyway (receive --force)", s->g.side->cmd, why);
	return 0;
}

/* The destination refused: its reason, then the differences in our words. */
static int refused(struct msrc *s, const struct msg *m)
{
	char why[REASON_LEN - 96];
	bool forceable;
	int r = mctl_peer_aborted(&s->g, m);

	if (!mctl_incompatible(&s->g, why, sizeof(why), &forceable))
		return r;
	fail(&s->g.why, 0, "%s: not compatible: %s", s->g.side->cmd, why);
	s->g.why.code = -VM_E_INCOMPATIBLE;
	return -VM_E_INCOMPATIBLE;
}

/*
 * The destination's identities, then its word that the devices match
 * (AGREED). A round trip is from our last IDENTITY to its first: it reads
 * its own identities before it sends them, which is no latency of the link.
 */
static int agreed(struct msrc *s, double t0)
{
	struct msg m;
	int r;

	s->link.rtt = -1;
	/* A receiver that measures a save first (mig-measure.c) says ALIVE
	 * meanwhile: one silent for --peer-timeout is gone. We send none yet:
	 * an older receiver reads no ALIVE among the identities. */
	s->g.heard = monotonic_secs();
	s->g.silence = s->a->net.peer_timeout;
	do {
		r = mctl_tick(&s->g, &s->ctl, &m);
		if (r > 0 && m.type == MSG_IDENTITY && s->link.rtt < 0)
			s->link.rtt = monotonic_secs() - t0;
		if (r > 0 && m.type == MSG_IDENTITY)
			r = mctl_take_identity(&s->g, &m);
	} while (!r);
	s->g.heard = s->g.silence = 0;
	if (s->link.rtt < 0)
		s->link.rtt = monotonic_secs() - t0;
	if (r < 0)
		return r;
	if (m.type == MSG_AGREED)
		return check_forced(s);
	return m.type == MSG_ABORT ? refused(s, &m) : mctl_unexpected(&s->g, m.type);
}

/* HELLO and our identities. */
static int hello(struct msrc *s)
{
	struct hello h = { .ndev = s->g.n, .flags = s->a->dry_run ? HELLO_DRY_RUN : 0 };
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
		h.precopy[i] = d->precopy;
	}
	h.flags |= src_read_record(s);
	hello_encode(&h, &m);
	r = mctl_send(&s->g, &s->ctl, MSG_HELLO, m.body, m.len);
	if (!r)
		r = mctl_send_identities(&s->g, &s->ctl);
	if (r)
		return fail_from(&s->g.why, FROM_PEER, r, "%s: sending to %s: %s",
				 s->g.side->cmd, s->ctl.peer, errstr(r));
	return agreed(s, monotonic_secs());
}

/* READY: the destination's devices are all in resuming, with the time
 * and hops of its arcs there (the state changes of the downtime are
 * counted at that mean). */
static int ready(struct msrc *s)
{
	struct msg m;
	int r = mctl_expect(&s->g, &s->ctl, MSG_READY, &m);

	if (!r && msg_u64(&m, 8))
		s->arcs.dst = msg_u64(&m, 0) / 1e6 / msg_u64(&m, 8);
	return r;
}

/* A connection to the destination; its failure told as ours. */
static int connect_to(struct msrc *s, struct chan *c)
{
	struct reason why = { 0 };
	char prefix[64];
	int r = net_connect(s->g.x, &s->addr, &s->a->net, c, &why);

	if (!r)
		return 0;
	snprintf(prefix, sizeof(prefix), "%s: ", s->g.side->cmd);
	reason_prefix(&why, prefix);
	reason_add(&s->g.why, &why);
	return r;
}

/* Each device's connection: ATTACH, then the stream's header. */
static int open_data(struct msrc *s)
{
	struct stream_ident id;
	unsigned int i;
	struct msg m;

	for (i = 0; i < s->g.n; i++) {
		struct mig_dev *d = &s->g.dev[i];
		int r = connect_to(s, &d->data);

		if (r)
			return r;
		attach_encode(s->session, i, &m);
		ident_fill(&d->s.d, &id);
		r = msg_send(&d->data, MSG_ATTACH, m.body, m.len);
		if (!r)
			r = sw_init(&d->w, &d->data, false);
		if (!r)
			r = sw_header(&d->w, &id);
		if (r)
			return fail_from(&s->g.why, FROM_PEER, r, "%s %s: sending to %s: %s",
					 s->g.side->cmd, d->s.d.info.name, d->data.peer,
					 errstr(r));
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

		/* Asked here, not by its thread: one request at a time. */
		if (vdev_data_size(&d->s.d, &d->estimate))
			d->estimate = 0;
		if (d->precopy) {
			r = sess_goto(&d->s, ST_PRE_COPY, &d->data_fd);
			if (r)
				return r;
		}
	}
	s->t_pre = monotonic_secs();
	for (i = 0; i < s->g.n; i++) {
		r = -pthread_create(&s->g.dev[i].thread, NULL, src_thread, &s->g.dev[i]);
		if (r)
			return fail(&s->g.why, r, "%s: starting a thread: %s", s->g.side->cmd,
				    errstr(r));
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
		r = mctl_send(&s->g, &s->ctl, MSG_COMMIT, NULL, 0);
	if (r)
		return r;
	/* From here on the destination owns the devices' state. */
	s->committed = true;
	r = wait_for(s, &s->running);
	/* The destination's ABORT after the commit: said already (on_msg). */
	if (r == -VM_E_UNCONFIRMED)
		return r;
	if (r)
		return fail_from(&s->g.why, FROM_PEER, -VM_E_UNCONFIRMED,
				 "%s: committed, but the destination did not confirm that "
				 "its devices run; the source devices stay stopped",
				 s->g.side->cmd);
	return 0;
}

int src_migrate(struct msrc *s)
{
	int r = connect_to(s, &s->ctl);

	s->arcs.src = s->arcs.dst = -1;
	if (!r)
		r = hello(s);
	if (!r)
		r = src_estimate_start(s);
	/* --dry-run: the estimate is all; nothing changed state. */
	if (r || s->a->dry_run)
		return r;
	r = ready(s);
	if (!r)
		r = open_data(s);
	if (!r) {
		/* Every connection is up: from now on the peer is never silent. */
		mctl_met(&s->g, &s->ctl, s->a->net.peer_timeout);
		r = start_threads(s);
	}
	if (!r)
		obs_status(s->g.x, "active");
	if (!r && any_precopy(s))
		r = converge(s);
	else if (!r)
		r = decide(s);
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
	/* The devices run on the destination: this costs no downtime. */
	if (!r)
		mgroup_record_arcs(&s->g, ARC_SAVE);
	return r;
}

void src_unwind(struct msrc *s, int why)
{
	mgroup_stop(&s->g, &s->ctl, why);
	mgroup_unwind(&s->g, POLICY_UNWIND);
}

int src_finish(struct msrc *s)
{
	unsigned int i;
	int r = 0;

	/* Every device is tried; sess_goto() tells each one that fails. */
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
