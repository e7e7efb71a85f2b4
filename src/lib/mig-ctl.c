// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The steps of the control protocol (mig-wire.h) that both sides of a
 * migration take alike: a supervision tick, the peer's ABORT, our own
 * with its reason, a frame that does not belong. Failures are told in
 * the group's reason (mig.h); nothing is printed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "le.h"
#include "mig.h"

int mctl_interrupted(struct mgroup *g)
{
	return fail_from(&g->why, FROM_SIGNAL, -VM_E_INTERRUPTED, "%s: interrupted by %s",
			 g->side->cmd, sigabbrev_np(cancelled(g->x) ? cancelled(g->x) : SIGINT));
}

int mctl_unexpected(struct mgroup *g, uint32_t type)
{
	return fail_from(&g->why, FROM_PEER, -EPROTO, "%s: unexpected %s from the %s",
			 g->side->cmd, msg_name(type), g->side->peer);
}

int mctl_peer_aborted(struct mgroup *g, const struct msg *m)
{
	return fail_from(&g->why, FROM_PEER, -VM_E_PEER, "%s: the %s aborted: %.*s",
			 g->side->cmd, g->side->peer, (int)m->len, m->body);
}

void mctl_met(struct mgroup *g, struct chan *ctl, double silence)
{
	g->heard = g->said = monotonic_secs();
	g->silence = silence;
	/* Nor may a frame stall half-way for longer. */
	ctl->idle = silence;
}

int mctl_send(struct mgroup *g, struct chan *ctl, uint32_t type, const void *body,
	      uint32_t len)
{
	int r = msg_send(ctl, type, body, len);

	if (!r)
		g->said = monotonic_secs();
	return r;
}

/* The peer said nothing for too long: gone, stopped or cut off. */
static int silent(struct mgroup *g, const struct chan *ctl, double now)
{
	return fail_from(&g->why, FROM_PEER, -ETIMEDOUT, "%s: the %s at %s sent nothing "
			 "for %.0f s", g->side->cmd, g->side->peer, ctl->peer, now - g->heard);
}

int mctl_tick(struct mgroup *g, struct chan *ctl, struct msg *m)
{
	int r = msg_wait(ctl, m, MIG_TICK_MS, g->wake[0]);
	double now = monotonic_secs();

	if (cancelled(g->x))
		return mctl_interrupted(g);
	if (r < 0)
		return fail_from(&g->why, FROM_PEER, r == -EPROTO ? r : -ECONNRESET,
				 "%s: the control connection %s %s: %s", g->side->cmd,
				 g->side->dir, ctl->peer,
				 r == -EPROTO ? "malformed frame" : errstr(r));
	if (r > 0)
		g->heard = now;
	if (r > 0 && m->type == MSG_ALIVE)
		r = 0;
	if (!r && g->heard && g->silence > 0 && now - g->heard > g->silence)
		return silent(g, ctl, now);
	if (g->said && now - g->said >= MIG_ALIVE_SECS) {
		int w = mctl_send(g, ctl, MSG_ALIVE, NULL, 0);

		if (w)
			return fail_from(&g->why, FROM_PEER, -ECONNRESET,
					 "%s: the control connection %s %s: %s",
					 g->side->cmd, g->side->dir, ctl->peer, errstr(w));
	}
	return r;
}

int mctl_expect(struct mgroup *g, struct chan *ctl, uint32_t type, struct msg *m)
{
	int r;

	do
		r = mctl_tick(g, ctl, m);
	while (!r);
	if (r < 0 || m->type == type)
		return r < 0 ? r : 0;
	return m->type == MSG_ABORT ? mctl_peer_aborted(g, m) : mctl_unexpected(g, m->type);
}

/* What the peer is told of a failure here. */
static void abort_reason(const struct mgroup *g, int why, char *buf, size_t len)
{
	const struct mig_side *side = g->side;

	if (g->told[0])
		snprintf(buf, len, "%s", g->told);
	else if (why == -VM_E_INTERRUPTED)
		snprintf(buf, len, "the %s was interrupted", side->self);
	else if (why == -VM_E_DATA)
		snprintf(buf, len, "the %s refused the data", side->self);
	else if (why == -VM_E_STATE)
		snprintf(buf, len, "a state change failed on the %s", side->self);
	else if (why == -VM_E_NOMIG)
		snprintf(buf, len, "the %s refused", side->self);
	else
		snprintf(buf, len, "the %s failed: %s", side->self, errstr(why));
}

void mctl_abort(struct mgroup *g, struct chan *ctl, int why)
{
	/* Interrupted, the operator waits: a shorter grace. */
	int ms = why == -VM_E_INTERRUPTED ? MIG_LINGER_MS / 4 : MIG_LINGER_MS;
	const struct vm_ctx *x = ctl->x;
	double idle = ctl->idle;
	char reason[sizeof(g->told)];

	abort_reason(g, why, reason, sizeof(reason));
	(void)errstr_taken();
	/*
	 * The peer must hear why, signal or not: the cancellation that may
	 * have brought us here does not cut this short; the grace does.
	 */
	ctl->x = NULL;
	ctl->idle = ms / 1000.0;
	if (!msg_send(ctl, MSG_ABORT, reason, strlen(reason)))
		msg_linger(ctl, ms);
	ctl->x = x;
	ctl->idle = idle;
}

/* ---- identities ----------------------------------------------------------- */

int mctl_send_identities(struct mgroup *g, struct chan *ctl)
{
	static __thread struct msg m;
	unsigned int i;
	int r = 0;

	for (i = 0; !r && i < g->n; i++) {
		struct mig_dev *d = &g->dev[i];
		size_t len;

		migid_read_static(g->x, &d->s.d.info, &d->id);
		migid_read_open(&d->id, &d->s.d);
		put32(m.body, i);
		len = migid_encode(&d->id, (char *)m.body + 4, MIG_IDENTITY_MAX - 4);
		r = mctl_send(g, ctl, MSG_IDENTITY, m.body, (uint32_t)(4 + len));
	}
	return r;
}

int mctl_take_identity(struct mgroup *g, const struct msg *m)
{
	char why[96];
	uint32_t i;

	if (m->len < 4 || (i = get32(m->body)) >= g->n)
		return fail_from(&g->why, FROM_PEER, -EPROTO, "%s: the %s's IDENTITY names "
				 "no device of this side", g->side->cmd, g->side->peer);
	if (migid_decode((const char *)m->body + 4, m->len - 4, &g->dev[i].peer, why,
			 sizeof(why)))
		return fail_from(&g->why, FROM_PEER, -EPROTO, "%s: the %s's IDENTITY of "
				 "device %u: %s", g->side->cmd, g->side->peer, i + 1, why);
	g->dev[i].peer_known = true;
	return 0;
}

unsigned int mctl_incompatible(struct mgroup *g, char *buf, size_t len, bool *all_forceable)
{
	static __thread struct iddiff d[2 * MIGID_FIELDS];
	char there[32], text[1024];
	unsigned int i, n, b, f, total = 0;
	size_t used = 0;

	*all_forceable = true;
	buf[0] = '\0';
	snprintf(there, sizeof(there), "on the %s", g->side->peer);
	for (i = 0; i < g->n; i++) {
		struct mig_dev *m = &g->dev[i];

		if (!m->peer_known)
			continue;
		n = migid_compare(&m->id, &m->peer, d);
		b = migid_blocking(d, n, &f);
		if (!b)
			continue;
		total += b;
		*all_forceable = *all_forceable && f == b;
		migid_blocking_text(d, n, "here", there, text, sizeof(text));
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%sdevice %u (%s): %s",
						 used ? "; " : "", i + 1, m->s.d.info.name, text);
	}
	return total;
}
