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

int mctl_tick(struct mgroup *g, struct chan *ctl, struct msg *m)
{
	int r = msg_wait(ctl, m, MIG_TICK_MS, g->wake[0]);

	if (cancelled(g->x))
		return mctl_interrupted(g);
	if (r >= 0)
		return r;
	return fail_from(&g->why, FROM_PEER, r == -EPROTO ? r : -ECONNRESET,
			 "%s: the control connection %s %s: %s", g->side->cmd, g->side->dir,
			 ctl->peer, r == -EPROTO ? "malformed frame" : errstr(r));
}

/* What the peer is told of a failure here. */
static void abort_reason(const struct mig_side *side, int why, char *buf, size_t len)
{
	if (why == -VM_E_INTERRUPTED)
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
	char reason[128];

	abort_reason(g->side, why, reason, sizeof(reason));
	(void)errstr_taken();
	/* Interrupted, the operator waits: a shorter grace. */
	if (!msg_send(ctl, MSG_ABORT, reason, strlen(reason)))
		msg_linger(ctl, why == -VM_E_INTERRUPTED ? MIG_LINGER_MS / 4 : MIG_LINGER_MS);
}
