// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The destination of a live migration: one thread per device verifies
 * the stream on its connection and writes it into the device's data_fd,
 * while the main thread speaks the control protocol (mig.h) and steps
 * the devices. Unwinding goes through mig-group.c and session.c; what
 * failed is told in reasons, progress and decisions to the observer.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "device.h"
#include "fsm.h"
#include "ident.h"
#include "mig-dst.h"
#include "pump.h"

/* --- the device threads ------------------------------------------------- */

/* The pump's count of what the device took, kept under the lock for the
 * main thread (maybe_ack, the report). */
static void took(void *arg, uint32_t phase, size_t len)
{
	struct mig_dev *m = arg;
	struct mgroup *g = m->group;

	mgroup_lock(g);
	m->bytes += len;
	if (phase == PHASE_PRECOPY)
		m->pre_bytes += len;
	else
		m->stop_bytes += len;
	m->records++;
	/* Nothing waits on the condition here: the main thread polls (maybe_ack). */
	mgroup_unlock(g);
}

/* Same kind of device: the fields restore compares. */
static bool same_kind(const struct stream_ident *a, const struct stream_ident *b)
{
	return a->bus == b->bus && a->vendor == b->vendor && a->device == b->device &&
	       a->subvendor == b->subvendor && a->subdevice == b->subdevice &&
	       !strcmp(a->driver, b->driver) && !strcmp(a->mdev_type, b->mdev_type);
}

/* The same pipeline as restore (pump_load()), into this device. */
static int load(struct mig_dev *m, uint8_t *buf)
{
	struct mgroup *g = m->group;
	struct pump p = { .x = g->x, .data_fd = m->data_fd, .r = &m->rd, .buf = buf,
			  .cap = STREAM_MAX_RECORD, .prog = &m->prog, .took = took,
			  .arg = m };
	int r = sr_header(&m->rd);

	if (r) {
		p.from = r == -EINTR && cancelled(g->x) ? FROM_SIGNAL : FROM_INPUT;
		p.err = r;
		return mgroup_thread_failed(m, &p);
	}
	/* HELLO named the kind already; the stream must say the same. */
	if (!same_kind(&m->rd.ident, m->announced))
		return fail_from(&m->why, FROM_PEER, -VM_E_DATA, "%s %s: the data "
				 "connection's stream is from another device than announced",
				 g->side->cmd, m->s.d.info.name);
	progress_init(&m->prog, g->x, m->s.d.info.name, 0);
	r = pump_load(&p);
	progress_end(&m->prog);
	m->data_secs = p.dev_secs;
	return r ? mgroup_thread_failed(m, &p) : 0;
}

static void *dst_thread(void *arg)
{
	struct mig_dev *m = arg;
	uint8_t *buf = pump_buf(STREAM_MAX_RECORD);
	int r = buf ? load(m, buf) : -ENOMEM;

	mgroup_lock(m->group);
	m->err = r;
	m->done = !r;
	m->exited = true;
	mgroup_signal(m->group);
	mgroup_unlock(m->group);
	/* The downtime waits on this: the main thread must not sleep a tick. */
	mgroup_wake(m->group);
	free(buf);
	return NULL;
}

/* --- the main thread ------------------------------------------------------ */

/* How long a connected peer may take to say who it is. */
#define HELLO_MS 10000
/* How long the source may take to open its data connections. */
#define ATTACH_SECS 30

/* Wait up to ms for one frame from c, whatever it is. */
static int read_frame(struct chan *c, struct msg *m, int ms)
{
	double deadline = monotonic_secs() + ms / 1000.0;
	int r;

	do
		r = msg_wait(c, m, MIG_TICK_MS, -1);
	while (!r && !cancelled(c->x) && monotonic_secs() < deadline);
	return r ? r : -ETIMEDOUT;
}

/* A failure of the listener, told as ours. */
static int accept_failed(struct mdst *s, struct reason *why, int r)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s: ", s->g.side->cmd);
	reason_prefix(why, prefix);
	reason_add(&s->g.why, why);
	return r;
}

/* A connection on our listener. */
static int accept_one(struct mdst *s, const struct net_opts *n, struct chan *c)
{
	struct reason why = { 0 };
	int r = net_accept(s->g.x, s->lfd, s->addr.text, n, c, &why);

	return r ? accept_failed(s, &why, r) : 0;
}

/* The first authenticated peer that says HELLO; others are dropped. */
static int wait_hello(struct mdst *s)
{
	struct msg m;
	char why[160];

	for (;;) {
		int r = accept_one(s, &s->a->net, &s->ctl);

		if (r)
			return r;
		r = read_frame(&s->ctl, &m, HELLO_MS);
		if (cancelled(s->g.x))
			return mctl_interrupted(&s->g);
		if (r > 0 && !hello_decode(&m, &s->h, why, sizeof(why)))
			return 0;
		if (r > 0)
			note_warn(s->g.x, "dropped a connection from %s: %s", s->ctl.peer, why);
		else
			note_warn(s->g.x, "dropped a connection from %s: no HELLO: %s",
				  s->ctl.peer, errstr(r));
		chan_close(&s->ctl);
	}
}

/* The source's IDENTITY of each device it announced (an ABORT instead:
 * it gave up), then ours, whatever the verdict: both sides name it. */
static int exchange_identities(struct mdst *s)
{
	struct msg m;
	unsigned int i;
	int r;

	for (i = 0; i < s->h.ndev; i++) {
		r = read_frame(&s->ctl, &m, HELLO_MS);
		if (r < 0 && cancelled(s->g.x))
			return mctl_interrupted(&s->g);
		if (r < 0)
			return fail_from(&s->g.why, FROM_PEER, r, "%s: reading the source's "
					 "identities: %s", s->g.side->cmd, errstr(r));
		if (m.type == MSG_ABORT)
			return mctl_peer_aborted(&s->g, &m);
		if (m.type != MSG_IDENTITY)
			return mctl_unexpected(&s->g, m.type);
		/* More devices than ours: the count check below refuses. */
		if (s->h.ndev == s->g.n && (r = mctl_take_identity(&s->g, &m)))
			return r;
	}
	r = mctl_send_identities(&s->g, &s->ctl);
	if (r)
		return fail_from(&s->g.why, FROM_PEER, r, "%s: sending to %s: %s",
				 s->g.side->cmd, s->ctl.peer, errstr(r));
	return 0;
}

/*
 * Every blocking difference, named: refused, unless each one is of a kind
 * --force may override and the user forced it (vfiomig(8), COMPATIBILITY).
 */
static int check_identities(struct mdst *s)
{
	char why[REASON_LEN - 96];
	bool forceable;
	unsigned int n = mctl_incompatible(&s->g, why, sizeof(why), &forceable);

	if (!n)
		return 0;
	if (forceable && s->a->force) {
		note_warn(s->g.x, "%s: the devices differ: %s; receiving anyway, as asked",
			  s->g.side->cmd, why);
		return 0;
	}
	msg_abort(&s->ctl, "refused: not compatible: %s%s%s", why, forceable ? "; " : "",
		  forceable ? s->g.side->force : "");
	fail(&s->g.why, -VM_E_INCOMPATIBLE, "%s: refused: not compatible: %s; no device "
	     "was touched", s->g.side->cmd, why);
	if (forceable)
		reason_hint(&s->g.why, HINT_FORCE);
	return -VM_E_INCOMPATIBLE;
}

/* Count and identities must match before any device changes state. */
static int check_hello(struct mdst *s)
{
	char why[256];
	unsigned int i;

	if (s->h.ndev != s->g.n) {
		snprintf(why, sizeof(why), "the source sends %u devices, the destination "
			 "has %u", s->h.ndev, s->g.n);
		goto refuse;
	}
	for (i = 0; i < s->g.n; i++) {
		struct mig_dev *m = &s->g.dev[i];

		m->announced = &s->h.id[i];
		m->precopy = s->h.precopy[i];
	}
	return check_identities(s);
refuse:
	msg_abort(&s->ctl, "refused: %s", why);
	return fail(&s->g.why, -VM_E_REFUSED, "%s: refused: %s; no device was touched",
		    s->g.side->cmd, why);
}

/* The time of the arcs so far and their hops, for READY: the source
 * counts the state changes of the downtime at their mean. */
static void arcs_time(const struct mdst *s, struct msg *m)
{
	unsigned int n;
	double secs;

	arcs_sum(&s->g, &secs, &n);
	m->len = 0;
	msg_put_u64(m, 0, usecs_of(secs));
	msg_put_u64(m, 8, n);
}

static int enter_resuming(struct mdst *s)
{
	struct msg m;
	unsigned int i;
	int r;

	s->touched = true;
	r = mgroup_goto(&s->g, ST_RESUMING);
	for (i = 0; !r && i < s->g.n; i++) {
		if (s->g.dev[i].data_fd < 0)
			r = fail_from(&s->g.why, FROM_DEVICE, -VM_E_STATE,
				      "%s %s: resuming opened no data session", s->g.side->cmd,
				      s->g.dev[i].s.d.info.name);
	}
	if (r)
		return r;
	obs_status(s->g.x, "active");
	arcs_time(s, &m);
	return mctl_send(&s->g, &s->ctl, MSG_READY, m.body, m.len);
}

/*
 * The devices match: AGREED; the source's probe of the link, answered;
 * then its estimate, in START (take the devices over) or, for a dry
 * run, ESTIMATE (the end: nothing changes state).
 */
static int agree(struct mdst *s)
{
	bool dry = s->h.flags & HELLO_DRY_RUN;
	/* What this host measured of its devices' loads, for the source */
	struct arc_records rec;
	struct msg m;
	int r = arcrec_load(&rec, s->g.x->state_dir);

	if (r)
		note_dbg(s->g.x, "%s: the record of earlier arcs in %s/arcs is not sent: %s",
			 s->g.side->cmd, s->g.x->state_dir, errstr(r));
	/* Before AGREED: the source's probe of the link must not wait on it. */
	r = dry || !(s->h.flags & HELLO_MEASURE) ? 0 : dst_measure(s, &rec);
	if (r)
		return r;
	r = mctl_send(&s->g, &s->ctl, MSG_AGREED, NULL, 0);
	if (r)
		return fail_from(&s->g.why, FROM_PEER, -ECONNRESET, "%s: the control "
				 "connection from %s: %s", s->g.side->cmd, s->ctl.peer,
				 errstr(r));
	r = probe_answer(&s->g, &s->ctl, HELLO_MS, &s->link, &rec,
			 s->h.flags & (HELLO_SAVES | HELLO_MEASURE));
	if (r)
		return r;
	/* The source's ALIVEs may come first: it sends one when a slow link
	 * kept it from sending anything else for a while. */
	do
		r = read_frame(&s->ctl, &m, HELLO_MS);
	while (r >= 0 && m.type == MSG_ALIVE && !cancelled(s->g.x));
	if (cancelled(s->g.x))
		return mctl_interrupted(&s->g);
	if (r < 0)
		return fail_from(&s->g.why, FROM_PEER, r == -ETIMEDOUT ? r : -ECONNRESET,
				 "%s: the control connection from %s: %s", s->g.side->cmd,
				 s->ctl.peer, errstr(r));
	if (m.type == MSG_ABORT)
		return mctl_peer_aborted(&s->g, &m);
	if (m.type != (dry ? MSG_ESTIMATE : MSG_START) || estimate_decode(&m, &s->est))
		return mctl_unexpected(&s->g, m.type);
	s->dry_run = dry;
	s->estimated = true;
	s->est.ndev = s->g.n;
	obs_estimate(s->g.x, &s->est);
	return 0;
}

static int on_msg(struct mdst *s, const struct msg *m)
{
	uint64_t dev;

	switch (m->type) {
	case MSG_ABORT:
		return mctl_peer_aborted(&s->g, m);
	case MSG_INITIAL:
		dev = msg_u64(m, 0);
		if (dev >= s->g.n)
			break;
		s->initial[dev] = msg_u64(m, 8);
		s->initial_known[dev] = true;
		/* A later INITIAL (the source's REINIT) wants its own ACK. */
		s->initials_seen++;
		s->acked = false;
		return 0;
	case MSG_STOPPED:
		s->stopped = true;
		s->t_stopped = monotonic_secs();
		obs_status(s->g.x, "device");
		for (dev = 0; dev < s->g.n && 8 * dev + 8 <= m->len; dev++)
			s->g.dev[dev].rounds = (unsigned int)msg_u64(m, 8 * dev);
		return 0;
	case MSG_COMMIT:
		if (!s->loaded)
			break;
		s->commit = true;
		return 0;
	}
	return mctl_unexpected(&s->g, m->type);
}

/* Switchover-ack: every pre-copy device has written its initial bytes. */
static int maybe_ack(struct mdst *s)
{
	struct msg ack;
	unsigned int i;
	bool due = false;

	if (s->acked)
		return 0;
	for (i = 0; i < s->g.n; i++)
		due |= s->h.precopy[i];
	mgroup_lock(&s->g);
	for (i = 0; due && i < s->g.n; i++) {
		if (!s->h.precopy[i])
			continue;
		due = s->initial_known[i] && s->g.dev[i].bytes >= s->initial[i];
	}
	mgroup_unlock(&s->g);
	if (!due)
		return 0;
	s->acked = true;
	note_info(s->g.x, "%s: switchover-ack: every device loaded its initial bytes "
		  "(%llu INITIAL frames)", s->g.side->cmd,
		  (unsigned long long)s->initials_seen);
	ack.len = 0;
	msg_put_u64(&ack, 0, s->initials_seen);
	return mctl_send(&s->g, &s->ctl, MSG_ACK, ack.body, ack.len);
}

static int dst_tick(struct mdst *s)
{
	struct msg m;
	int r = mctl_tick(&s->g, &s->ctl, &m);

	if (r > 0)
		r = on_msg(s, &m);
	if (!r)
		r = mgroup_failed(&s->g);
	return r ? r : maybe_ack(s);
}

static int start_thread(struct mdst *s, unsigned int i, const struct chan *c)
{
	struct mig_dev *m = &s->g.dev[i];
	int r;

	m->data = *c;
	s->attached[i] = true;
	s->nattached++;
	r = sr_init(&m->rd, &m->data);
	/* The source keeps its data connections open until the end. */
	m->rd.open_end = true;
	if (!r)
		r = -pthread_create(&m->thread, NULL, dst_thread, m);
	if (r)
		return fail(&s->g.why, r, "%s: starting a thread: %s", s->g.side->cmd,
			    errstr(r));
	m->started = true;
	return 0;
}

/*
 * One data connection: ATTACH with our session, for a device not yet here.
 * n bounds the wait and the handshake, the deadline the frame after them:
 * -ETIMEDOUT, not told.
 */
static int attach_one(struct mdst *s, const struct net_opts *n, double deadline)
{
	uint8_t session[MIG_SESSION_ID];
	struct reason why = { 0 };
	struct chan c;
	struct msg m;
	uint32_t dev;
	int r = net_accept(s->g.x, s->lfd, s->addr.text, n, &c, &why);

	if (r == -ETIMEDOUT)
		return r;
	if (r)
		return accept_failed(s, &why, r);
	r = read_frame(&c, &m, (int)((deadline - monotonic_secs()) * 1000) + 1);
	if (r > 0 && !attach_decode(&m, session, &dev) &&
	    !memcmp(session, s->h.session, sizeof(session)) && dev < s->g.n &&
	    !s->attached[dev])
		return start_thread(s, dev, &c);
	note_warn(s->g.x, "dropped a connection from %s: not a data connection of this "
		  "migration", c.peer);
	chan_close(&c);
	return cancelled(s->g.x) ? mctl_interrupted(&s->g) : 0;
}

/*
 * The source opens its data connections right after HELLO: one that opens
 * none for --peer-timeout (at most ATTACH_SECS) is gone, even when a
 * connection it began is stuck in its handshake.
 */
static double attach_limit(const struct mdst *s)
{
	double t = s->a->net.peer_timeout;

	return t > 0 && t < ATTACH_SECS ? t : ATTACH_SECS;
}

static int accept_data(struct mdst *s)
{
	struct net_opts n = s->a->net;
	struct pollfd p[2] = { { .fd = s->lfd, .events = POLLIN },
			       { .fd = s->ctl.fd, .events = POLLIN } };
	double limit = attach_limit(s), deadline = monotonic_secs() + limit;
	int r = 0;

	while (!r && s->nattached < s->g.n) {
		unsigned int before = s->nattached;

		n.timeout = deadline - monotonic_secs();
		n.handshake = n.timeout;
		if (n.timeout <= 0)
			return fail_from(&s->g.why, FROM_PEER, -ETIMEDOUT,
					 "%s: the source opened %u of %u data connections, then "
					 "none for %g s", s->g.side->cmd, s->nattached, s->g.n,
					 limit);
		/* The control connection may bring an ABORT meanwhile. */
		if (poll(p, 2, MIG_TICK_MS) > 0 && (p[0].revents & POLLIN)) {
			r = attach_one(s, &n, deadline);
			/* its wait ran out: the deadline above says so */
			if (r == -ETIMEDOUT)
				r = 0;
		} else {
			r = dst_tick(s);
		}
		if (s->nattached != before)
			deadline = monotonic_secs() + limit;
	}
	return r;
}

/* Every stream verified to its trailer; resuming -> stop validates. */
static int load_all(struct mdst *s)
{
	int r = 0;

	while (!r && !mgroup_all_done(&s->g))
		r = dst_tick(s);
	/* On a failure dst_unwind() stops the threads: some may still read. */
	if (r)
		return r;
	mgroup_join(&s->g);
	r = mgroup_goto(&s->g, ST_STOP);
	if (r)
		return fail_from(&s->g.why, FROM_DEVICE, -VM_E_DATA,
				 "%s: the driver did not accept the state", s->g.side->cmd);
	s->loaded = true;
	return mctl_send(&s->g, &s->ctl, MSG_LOADED, NULL, 0);
}

/* After COMMIT: all to running_p2p, then all to the state asked for. */
static int run(struct mdst *s)
{
	struct msg m = { .len = 0 };
	int r;

	s->committed = true;
	r = mgroup_goto(&s->g, ST_RUNNING_P2P);
	if (!r)
		r = mgroup_goto(&s->g, s->a->then);
	if (r) {
		msg_abort(&s->ctl, "a state change failed on the destination after "
			  "the commit");
		mgroup_settle(&s->g);
		return r;
	}
	s->t_running = monotonic_secs();
	msg_put_u64(&m, 0, s->stopped ? usecs_of(s->t_running - s->t_stopped) : 0);
	r = mctl_send(&s->g, &s->ctl, MSG_RUNNING, m.body, m.len);
	if (r)
		note_warn(s->g.x, "%s: the devices run, but telling the source failed: %s",
			  s->g.side->cmd, errstr(r));
	return 0;
}

int dst_receive(struct mdst *s)
{
	int r = wait_hello(s);

	/* The transfer starts here; what came before was the wait for it.
	 * One migration per listener: nobody else may connect now... */
	if (!r) {
		s->t_hello = monotonic_secs();
		r = exchange_identities(s);
	}
	if (!r)
		r = check_hello(s);
	if (!r)
		r = agree(s);
	if (!r && !s->dry_run)
		r = enter_resuming(s);
	if (!r && !s->dry_run)
		r = accept_data(s);
	/* ...once every data connection is here. */
	net_unlisten(s->lfd, &s->addr);
	s->lfd = -1;
	if (r || s->dry_run)
		return r;
	/* Every connection is up: from now on the peer is never silent. */
	mctl_met(&s->g, &s->ctl, s->a->net.peer_timeout);
	r = load_all(s);
	while (!r && !s->commit)
		r = dst_tick(s);
	if (!r)
		r = run(s);
	/* The devices run: this costs no downtime. */
	if (!r)
		mgroup_record_arcs(&s->g, ARC_LOAD);
	return r;
}

/* Only a reset leaves resuming: every touched device is reset. */
void dst_unwind(struct mdst *s, int why)
{
	mgroup_stop(&s->g, &s->ctl, why);
	mgroup_unwind(&s->g, POLICY_RESET);
}
