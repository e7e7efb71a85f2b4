// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The estimate before anything moves, on the wire (mig-wire.h, v4): the
 * source's probe of the link on the control connection and the
 * destination's answer, and the figures START and ESTIMATE carry. Speaks
 * the protocol for both sides; must not touch devices.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "clock.h"
#include "mig-estimate.h"

/* A failed write of the control connection, told as mctl_tick() does. */
static int lost(struct mgroup *g, struct chan *ctl, int r)
{
	if (r == -EINTR && cancelled(g->x))
		return mctl_interrupted(g);
	return fail_from(&g->why, FROM_PEER, -ECONNRESET, "%s: the control connection %s "
			 "%s: %s", g->side->cmd, g->side->dir, ctl->peer, errstr(r));
}

/* The control connection broke, or brought nonsense. */
static int broken(struct mgroup *g, struct chan *ctl, int r)
{
	return fail_from(&g->why, FROM_PEER, r == -EPROTO ? r : -ECONNRESET,
			 "%s: the control connection %s %s: %s", g->side->cmd, g->side->dir,
			 ctl->peer, r == -EPROTO ? "malformed frame" : errstr(r));
}

static uint64_t bounded(uint64_t want)
{
	return want < PROBE_MIN ? PROBE_MIN : want > PROBE_MAX ? PROBE_MAX : want;
}

/*
 * What the destination's host recorded of its devices' loads, and of the
 * saves it measured (mig-measure.c), in PROBED's body after the byte
 * count: for each device in HELLO's order and each kind below, the
 * record's bytes and microseconds, UINT64_MAX for none. The saves go
 * only to a source that asked for them (HELLO_SAVES): one that did not
 * has its own, and an older one takes the three kinds it knows only in a
 * body of their length. An older destination sends none, or the
 * first three kinds only.
 */
static const enum arc_kind dst_kinds[] = { ARC_LOAD, ARC_WRITE, ARC_LOAD_PRECOPY,
					   ARC_SAVE, ARC_READ };
#define DST_KINDS (sizeof(dst_kinds) / sizeof(dst_kinds[0]))
#define DST_KINDS_V1 3

static void put_figures(const struct mgroup *g, const struct arc_records *rec, bool saves,
			struct msg *m)
{
	unsigned int at = 8, kinds = saves ? DST_KINDS : DST_KINDS_V1;

	for (unsigned int i = 0; i < g->n; i++)
		for (unsigned int k = 0; k < kinds; k++, at += 16) {
			const struct arc_rec *r = arcrec_find(rec, dst_kinds[k],
							     g->dev[i].s.d.info.driver);

			msg_put_u64(m, at, r ? r->bytes : UINT64_MAX);
			msg_put_u64(m, at + 8, r ? r->usecs : UINT64_MAX);
		}
}

void probed_decode(const struct msg *m, unsigned int n, const char *const *drv,
		   struct arc_records *peer)
{
	unsigned int at = 8, kinds = DST_KINDS;

	peer->n = 0;
	if (m->len == 8 + n * DST_KINDS_V1 * 16)
		kinds = DST_KINDS_V1;
	else if (m->len != 8 + n * DST_KINDS * 16)
		return;
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int k = 0; k < kinds; k++, at += 16) {
			uint64_t bytes = msg_u64(m, at), us = msg_u64(m, at + 8);

			if (us != UINT64_MAX && !arcrec_find(peer, dst_kinds[k], drv[i]))
				arcrec_put(peer, dst_kinds[k], drv[i], bytes, us / 1e6);
		}
}

/* The destination's figures for our devices, into @peer. */
static void get_figures(const struct mgroup *g, const struct msg *m, struct arc_records *peer)
{
	const char *drv[DEVS_MAX];

	for (unsigned int i = 0; i < g->n; i++)
		drv[i] = g->dev[i].s.d.info.driver;
	probed_decode(m, g->n, drv, peer);
}

/*
 * The probe's bytes go as the data does: large writes of raw bytes (a
 * PROBE frame says how many follow), not as frames, whose small reads
 * would measure the framing rather than the link.
 */
int probe_send(struct mgroup *g, struct chan *ctl, uint64_t want, struct link *l,
	       struct arc_records *peer)
{
	uint8_t *fill = calloc(1, PROBE_CHUNK);
	uint64_t sent = 0;
	double t0;
	struct msg m;
	int r = fill ? 0 : -ENOMEM;

	want = bounded(want);
	t0 = monotonic_secs();
	while (!r && sent < want && monotonic_secs() - t0 < PROBE_SECS) {
		uint64_t n = want - sent < PROBE_CHUNK ? want - sent : PROBE_CHUNK;

		m.len = 0;
		msg_put_u64(&m, 0, n);
		r = mctl_send(g, ctl, MSG_PROBE, m.body, m.len);
		if (!r)
			r = chan_write_full(ctl, fill, n);
		sent += n;
	}
	free(fill);
	if (r == -ENOMEM)
		return fail(&g->why, r, "%s: the link probe: %s", g->side->cmd, errstr(r));
	m.len = 0;
	msg_put_u64(&m, 0, sent);
	if (!r)
		r = mctl_send(g, ctl, MSG_PROBE_END, m.body, m.len);
	if (r)
		return lost(g, ctl, r);
	r = mctl_expect(g, ctl, MSG_PROBED, &m);
	if (r)
		return r;
	get_figures(g, &m, peer);
	if (msg_u64(&m, 0) != sent)
		return fail_from(&g->why, FROM_PEER, -EPROTO, "%s: the %s read %llu of the "
				 "link probe's %llu bytes", g->side->cmd, g->side->peer,
				 (unsigned long long)msg_u64(&m, 0), (unsigned long long)sent);
	l->bytes = sent;
	l->secs = monotonic_secs() - t0;
	l->rate = l->secs > 0 ? sent / l->secs : 0;
	return 0;
}

/* The next frame within ms, or a failure told. */
static int next_frame(struct mgroup *g, struct chan *ctl, struct msg *m, int ms)
{
	double deadline = monotonic_secs() + ms / 1000.0;
	int r;

	do
		r = msg_wait(ctl, m, MIG_TICK_MS, -1);
	while (!r && !cancelled(g->x) && monotonic_secs() < deadline);
	if (cancelled(g->x))
		return mctl_interrupted(g);
	if (!r)
		return fail_from(&g->why, FROM_PEER, -ETIMEDOUT, "%s: the %s at %s sent "
				 "nothing for %d s", g->side->cmd, g->side->peer, ctl->peer,
				 ms / 1000);
	if (r < 0)
		return broken(g, ctl, r);
	return 0;
}

/* The raw bytes a PROBE announced, read and dropped. */
static int drain(struct mgroup *g, struct chan *ctl, uint8_t *buf, uint64_t n, int ms)
{
	double idle = ctl->idle;
	ssize_t got;

	/* A source that stops half-way is as silent as one that says nothing. */
	ctl->idle = ms / 1000.0;
	got = chan_read_full(ctl, buf, n);
	ctl->idle = idle;
	if (got < 0 && cancelled(g->x))
		return mctl_interrupted(g);
	return got == (ssize_t)n ? 0 : broken(g, ctl, got < 0 ? (int)got : -ECONNRESET);
}

int probe_answer(struct mgroup *g, struct chan *ctl, int ms, struct link *l,
		 const struct arc_records *rec, bool saves)
{
	uint8_t *buf = malloc(PROBE_CHUNK);
	double t0 = monotonic_secs();
	uint64_t got = 0;
	struct msg m;
	int r = buf ? 0 : fail(&g->why, -ENOMEM, "%s: the link probe: %s", g->side->cmd,
			       errstr(-ENOMEM));

	while (!r && !(r = next_frame(g, ctl, &m, ms)) && m.type != MSG_PROBE_END) {
		uint64_t n = msg_u64(&m, 0);

		if (m.type == MSG_ALIVE)
			continue;
		if (m.type == MSG_ABORT)
			r = mctl_peer_aborted(g, &m);
		else if (m.type != MSG_PROBE || n > PROBE_CHUNK || got + n > PROBE_MAX)
			r = mctl_unexpected(g, m.type);
		if (!r && !got)
			t0 = monotonic_secs();
		if (!r)
			r = drain(g, ctl, buf, n, ms);
		got += n;
	}
	free(buf);
	if (r)
		return r;
	l->bytes = got;
	l->secs = monotonic_secs() - t0;
	l->rate = l->secs > 0 ? got / l->secs : 0;
	m.len = 0;
	msg_put_u64(&m, 0, got);
	put_figures(g, rec, saves, &m);
	r = mctl_send(g, ctl, MSG_PROBED, m.body, m.len);
	return r ? lost(g, ctl, r) : 0;
}

/* Durations in microseconds (usecs_of()); UINT64_MAX for one not known. */
static uint64_t usecs(double secs)
{
	return secs < 0 ? UINT64_MAX : usecs_of(secs);
}

static double secs_of(uint64_t us)
{
	return us == UINT64_MAX ? -1 : us / 1e6;
}

/* E_RECORDED and E_DATA_RECORDED came later: a body without them (an
 * older source) has none. */
enum { E_BYTES, E_SECS, E_DOWNTIME, E_ARCS, E_RTT, E_RATE, E_PROBE_BYTES, E_PROBE_SECS,
       E_LIMIT, E_KNOWN, E_RECORDED, E_DATA_RECORDED, E_FIELDS };

void estimate_encode(const struct estimate *e, struct msg *m)
{
	const uint64_t v[E_FIELDS] = {
		[E_BYTES] = e->bytes, [E_SECS] = usecs(e->secs),
		[E_DOWNTIME] = usecs(e->downtime), [E_ARCS] = usecs(e->state_changes),
		[E_RTT] = usecs(e->rtt), [E_RATE] = (uint64_t)e->link_rate,
		[E_PROBE_BYTES] = e->probe_bytes, [E_PROBE_SECS] = usecs(e->probe_secs),
		[E_LIMIT] = usecs(e->downtime_limit), [E_KNOWN] = e->known,
		[E_RECORDED] = usecs(e->recorded), [E_DATA_RECORDED] = usecs(e->data_recorded),
	};

	m->len = 0;
	for (unsigned int i = 0; i < E_FIELDS; i++)
		msg_put_u64(m, 8 * i, v[i]);
}

int estimate_decode(const struct msg *m, struct estimate *e)
{
	uint64_t v[E_FIELDS];

	if (m->len < 8 * E_RECORDED)
		return -EPROTO;
	for (unsigned int i = 0; i < E_FIELDS; i++)
		v[i] = m->len >= 8 * (i + 1) ? msg_u64(m, 8 * i) : UINT64_MAX;
	*e = (struct estimate){
		.dry_run = m->type == MSG_ESTIMATE, .known = v[E_KNOWN] != 0,
		.bytes = v[E_BYTES], .secs = secs_of(v[E_SECS]),
		.downtime = secs_of(v[E_DOWNTIME]), .state_changes = secs_of(v[E_ARCS]),
		.rtt = secs_of(v[E_RTT]), .link_rate = (double)v[E_RATE],
		.probe_bytes = v[E_PROBE_BYTES], .probe_secs = secs_of(v[E_PROBE_SECS]),
		.downtime_limit = secs_of(v[E_LIMIT]), .recorded = secs_of(v[E_RECORDED]),
		.data_recorded = secs_of(v[E_DATA_RECORDED]),
	};
	return 0;
}
