// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The destination of a live migration: one thread per device verifies
 * the stream on its connection and writes it into the device's data_fd,
 * while the main thread speaks the control protocol (mig.h) and steps
 * the devices. Unwinding and reports go through mig-group.c and session.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"
#include "device.h"
#include "events.h"
#include "fsm.h"
#include "log.h"
#include "mig-dst.h"
#include "pump.h"
#include "save.h"

/* --- the device threads ------------------------------------------------- */

static int stream_failed(struct mig_dev *m, int r)
{
	struct mgroup *g = m->group;
	bool quiet;

	mgroup_lock(g);
	quiet = g->abort || (r == -EINTR && sig_caught());
	mgroup_unlock(g);
	if (quiet)
		return r;
	if (r == -VM_E_DATA)
		err("receive %s: from %s: %s", m->s.d.info.name, m->data.peer, m->rd.why);
	else
		err("receive %s: reading from %s: %s", m->s.d.info.name, m->data.peer,
		    errstr(r));
	return r == -VM_E_DATA ? r : -ECONNRESET;
}

static int feed(struct mig_dev *m, const uint8_t *buf, size_t len, uint32_t phase)
{
	struct mgroup *g = m->group;
	int r = sig_caught() ? -EINTR : write_full(m->data_fd, buf, len);

	if (r == -EINTR && sig_caught())
		return r;
	if (r) {
		err("receive %s: the driver refused the data at byte %llu: %s",
		    m->s.d.info.name, (unsigned long long)m->bytes, errstr(r));
		return -VM_E_DATA;
	}
	mgroup_lock(g);
	m->bytes += len;
	if (phase == PHASE_PRECOPY)
		m->pre_bytes += len;
	else
		m->stop_bytes += len;
	m->records++;
	/* Nothing waits on the condition here: the main thread polls (maybe_ack). */
	mgroup_unlock(g);
	progress_add(&m->prog, len);
	return 0;
}

/* Same kind of device: the fields restore compares. */
static bool same_kind(const struct stream_ident *a, const struct stream_ident *b)
{
	return a->bus == b->bus && a->vendor == b->vendor && a->device == b->device &&
	       a->subvendor == b->subvendor && a->subdevice == b->subdevice &&
	       !strcmp(a->driver, b->driver) && !strcmp(a->mdev_type, b->mdev_type);
}

static int load(struct mig_dev *m, uint8_t *buf)
{
	struct record rec;
	int r = sr_header(&m->rd);

	if (r)
		return stream_failed(m, r);
	/* HELLO named the kind already; the stream must say the same. */
	if (!same_kind(&m->rd.ident, m->announced)) {
		err("receive %s: the data connection's stream is from another device "
		    "than announced", m->s.d.info.name);
		return -VM_E_DATA;
	}
	progress_init(&m->prog, false, 0);
	m->prog.name = m->s.d.info.name;
	while ((r = sr_next(&m->rd, &rec, buf, STREAM_MAX_RECORD)) == 1) {
		r = feed(m, buf, rec.len, rec.phase);
		if (r)
			return r;
	}
	progress_end(&m->prog);
	return r ? stream_failed(m, r) : 0;
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
	int r, waited = 0;

	do {
		r = msg_wait(c, m, MIG_TICK_MS, -1);
		waited += MIG_TICK_MS;
	} while (!r && !sig_caught() && waited < ms);
	return r ? r : -ETIMEDOUT;
}

/* The first authenticated peer that says HELLO; others are dropped. */
static int wait_hello(struct mdst *s)
{
	struct msg m;
	char why[160];

	for (;;) {
		char nwhy[NET_WHY];
		int r = net_accept(s->lfd, (struct net_opts *)&s->a->net, "receive", &s->ctl,
				   nwhy);
		if (r)
			return say_why(r, nwhy);
		r = read_frame(&s->ctl, &m, HELLO_MS);
		if (sig_caught())
			return mgroup_interrupted(&s->g);
		if (r > 0 && !hello_decode(&m, &s->h, why, sizeof(why)))
			return 0;
		if (r > 0)
			warn("dropped a connection from %s: %s", s->ctl.peer, why);
		else
			warn("dropped a connection from %s: no HELLO: %s", s->ctl.peer,
			     errstr(r));
		chan_close(&s->ctl);
	}
}

/* Count and kinds must match before any device changes state. */
static int check_hello(struct mdst *s)
{
	char why[256], who[96];
	unsigned int i;

	if (s->h.ndev != s->g.n) {
		snprintf(why, sizeof(why), "the source sends %u devices, the destination "
			 "has %u", s->h.ndev, s->g.n);
		goto refuse;
	}
	for (i = 0; i < s->g.n; i++) {
		struct mig_dev *m = &s->g.dev[i];

		m->announced = &s->h.id[i];
		m->precopy = s->h.precopy & (1u << i);
		if (ident_same(&s->h.id[i], &m->s.d.info))
			continue;
		if (s->a->force) {
			warn("receive %s: the source's device %u is of another kind; "
			     "--force: receiving anyway", m->s.d.info.name, i + 1);
			continue;
		}
		snprintf(who, sizeof(who), "device %u (%s)", i + 1, m->s.d.info.name);
		ident_mismatch(who, &s->h.id[i], &m->s.d.info, why, sizeof(why));
		goto refuse;
	}
	return 0;
refuse:
	err("receive: refused: %s; no device was touched", why);
	msg_abort(&s->ctl, "refused: %s", why);
	return -VM_E_REFUSED;
}

static int enter_resuming(struct mdst *s)
{
	unsigned int i;
	int r;

	s->touched = true;
	r = mgroup_goto(&s->g, ST_RESUMING);
	for (i = 0; !r && i < s->g.n; i++) {
		if (s->g.dev[i].data_fd < 0) {
			err("receive %s: resuming opened no data session",
			    s->g.dev[i].s.d.info.name);
			r = -VM_E_STATE;
		}
	}
	if (r)
		return r;
	ev_status("active");
	return msg_send(&s->ctl, MSG_READY, NULL, 0);
}

static int on_msg(struct mdst *s, const struct msg *m)
{
	uint64_t dev;

	switch (m->type) {
	case MSG_ABORT:
		return mgroup_peer_aborted(&s->g, m);
	case MSG_INITIAL:
		dev = msg_u64(m, 0);
		if (dev >= s->g.n)
			break;
		s->initial[dev] = msg_u64(m, 8);
		s->initial_known |= 1u << dev;
		/* A later INITIAL (the source's REINIT) wants its own ACK. */
		s->initials_seen++;
		s->acked = false;
		return 0;
	case MSG_STOPPED:
		s->stopped = true;
		s->t_stopped = monotonic_secs();
		ev_status("device");
		for (dev = 0; dev < s->g.n && 8 * dev + 8 <= m->len; dev++)
			s->g.dev[dev].rounds = (unsigned int)msg_u64(m, 8 * dev);
		return 0;
	case MSG_COMMIT:
		if (!s->loaded)
			break;
		s->commit = true;
		return 0;
	}
	return mgroup_unexpected(&s->g, m->type);
}

/* Switchover-ack: every pre-copy device has written its initial bytes. */
static int maybe_ack(struct mdst *s)
{
	struct msg ack;
	unsigned int i;
	bool due = s->h.precopy != 0;

	if (s->acked)
		return 0;
	mgroup_lock(&s->g);
	for (i = 0; due && i < s->g.n; i++) {
		if (!(s->h.precopy & (1u << i)))
			continue;
		due = (s->initial_known & (1u << i)) && s->g.dev[i].bytes >= s->initial[i];
	}
	mgroup_unlock(&s->g);
	if (!due)
		return 0;
	s->acked = true;
	info("receive: switchover-ack: every device loaded its initial bytes "
	     "(%llu INITIAL frames)", (unsigned long long)s->initials_seen);
	ack.len = 0;
	msg_put_u64(&ack, 0, s->initials_seen);
	return msg_send(&s->ctl, MSG_ACK, ack.body, ack.len);
}

static int dst_tick(struct mdst *s)
{
	struct msg m;
	int r = mgroup_tick(&s->g, &s->ctl, &m);

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
	s->attached |= 1u << i;
	r = sr_init(&m->rd, &m->data);
	/* The source keeps its data connections open until the end. */
	m->rd.open_end = true;
	if (!r)
		r = -pthread_create(&m->thread, NULL, dst_thread, m);
	if (r) {
		err("receive: starting a thread: %s", errstr(r));
		return r;
	}
	m->started = true;
	return 0;
}

/* One data connection: ATTACH with our session, for a device not yet here. */
static int attach_one(struct mdst *s, struct net_opts *n)
{
	uint8_t session[MIG_SESSION_ID];
	struct chan c;
	struct msg m;
	uint32_t dev;
	char why[NET_WHY];
	int r = net_accept(s->lfd, n, "receive", &c, why);

	if (r)
		return say_why(r, why);
	r = read_frame(&c, &m, HELLO_MS);
	if (r > 0 && !attach_decode(&m, session, &dev) &&
	    !memcmp(session, s->h.session, sizeof(session)) && dev < s->g.n &&
	    !(s->attached & (1u << dev)))
		return start_thread(s, dev, &c);
	warn("dropped a connection from %s: not a data connection of this migration",
	     c.peer);
	chan_close(&c);
	return sig_caught() ? mgroup_interrupted(&s->g) : 0;
}

static int accept_data(struct mdst *s)
{
	struct net_opts n = s->a->net;
	struct pollfd p[2] = { { .fd = s->lfd, .events = POLLIN },
			       { .fd = s->ctl.fd, .events = POLLIN } };
	double deadline = monotonic_secs() + ATTACH_SECS;
	int r = 0;

	n.timeout = ATTACH_SECS;
	while (!r && s->attached != (1u << s->g.n) - 1) {
		if (monotonic_secs() > deadline) {
			err("receive: the source opened %u of %u data connections in %d s",
			    (unsigned)__builtin_popcount(s->attached), s->g.n, ATTACH_SECS);
			return -ETIMEDOUT;
		}
		/* The control connection may bring an ABORT meanwhile. */
		if (poll(p, 2, MIG_TICK_MS) > 0 && (p[0].revents & POLLIN))
			r = attach_one(s, &n);
		else
			r = dst_tick(s);
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
	if (r) {
		err("receive: the driver did not accept the state");
		return -VM_E_DATA;
	}
	s->loaded = true;
	return msg_send(&s->ctl, MSG_LOADED, NULL, 0);
}

/* After COMMIT: all to running_p2p, then all to --then. */
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
		mgroup_say_where(&s->g);
		return r;
	}
	s->t_running = monotonic_secs();
	msg_put_u64(&m, 0, s->stopped ? (uint64_t)((s->t_running - s->t_stopped) * 1e6) : 0);
	r = msg_send(&s->ctl, MSG_RUNNING, m.body, m.len);
	if (r)
		warn("receive: the devices run, but telling the source failed: %s",
		     errstr(r));
	return 0;
}

int dst_receive(struct mdst *s)
{
	int r = wait_hello(s);

	/* One migration per listener: nobody else may connect now... */
	if (!r)
		r = check_hello(s);
	if (!r)
		r = enter_resuming(s);
	if (!r)
		r = accept_data(s);
	/* ...once every data connection is here. */
	net_unlisten(s->lfd, &s->addr);
	s->lfd = -1;
	if (!r)
		r = load_all(s);
	while (!r && !s->commit)
		r = dst_tick(s);
	return r ? r : run(s);
}

/* Only a reset leaves resuming: every touched device is reset. */
void dst_unwind(struct mdst *s, int why)
{
	mgroup_stop(&s->g, &s->ctl, why);
	mgroup_unwind(&s->g, POLICY_RESET, NULL);
}
