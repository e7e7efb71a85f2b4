// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The report of a migration, source or destination: one pass for text
 * and JSON; and what failed, with where each device was left. Reads the
 * group; changes nothing.
 */
#include <inttypes.h>
#include <stdio.h>

#include "fsm.h"
#include "log.h"
#include "mig-report.h"
#include "output.h"
#include "report.h"
#include "vfiomig.h"

struct totals {
	uint64_t bytes, pre, stop, records;
	unsigned int rounds;
};

static void add_up(const struct mgroup *g, struct totals *t)
{
	unsigned int i;

	*t = (struct totals){ 0 };
	for (i = 0; i < g->n; i++) {
		const struct mig_dev *m = &g->dev[i];

		t->bytes += m->bytes;
		t->pre += m->pre_bytes;
		t->stop += m->stop_bytes;
		t->records += m->records;
		if (m->rounds > t->rounds)
			t->rounds = m->rounds;
	}
}

static const char *state_of(const struct mig_dev *m)
{
	return sess_state(&m->s) >= 0 ? fsm_name(m->s.cur) : "unknown";
}

/* Each device: JSON always, a line of text with -v (tx: text wanted). */
static void devices(const struct mgroup *g, bool tx)
{
	out_arr_open("devices", NULL);
	for (unsigned int i = 0; i < g->n; i++) {
		const struct mig_dev *m = &g->dev[i];

		/* A name that never opened is no device: nothing to claim. */
		if (!sess_is_open(&m->s))
			continue;
		out_obj_open(NULL);
		out_fmt_str("device", tx ? "  %s: " : NULL, m->s.d.info.name);
		out_fmt_size("bytes", tx ? "%s" : NULL, m->bytes);
		out_fmt_size("precopy_bytes", tx ? " (pre_copy %s" : NULL, m->pre_bytes);
		out_fmt_size("stop_copy_bytes", tx ? ", stop_copy %s)" : NULL, m->stop_bytes);
		out_fmt_u64("records", tx ? " in %" PRIu64 " records" : NULL, m->records);
		out_fmt_u64("precopy_rounds", tx ? ", %" PRIu64 " pre-copy rounds" : NULL,
			    m->rounds);
		out_fmt_str(sess_state(&m->s) < 0 ? NULL : "state", tx ? "; %s\n" : NULL,
			    state_of(m));
		if (sess_state(&m->s) < 0)
			out_null("state", NULL, NULL);
		out_str("from", NULL, fsm_name(m->s.orig));
		out_bool("precopy", NULL, m->precopy);
		out_u64("precopy_reinits", NULL, m->reinits);
		out_obj_close();
	}
	out_arr_close();
}

/* The sentence of a success (tx), and the run's fields. */
static void summary(const struct mgroup *g, const struct mig_summary *s, bool tx)
{
	struct totals t;
	char rate[32];

	add_up(g, &t);
	out_text(tx ? "%s %u device%s %s " : "", s->verb, g->n, g->n == 1 ? "" : "s",
		 s->dir);
	out_fmt_str("peer", tx ? "%s" : NULL, s->peer);
	out_fmt_size("bytes", tx ? ": %s" : NULL, t.bytes);
	out_fmt_size("precopy_bytes", tx ? " (pre_copy %s" : NULL, t.pre);
	/* Rounds are the source's; it tells the destination in STOPPED. */
	out_fmt_u64("precopy_rounds", tx && t.rounds ? " in %" PRIu64 " round" : NULL,
		    t.rounds);
	out_text(tx && t.rounds > 1 ? "s" : "");
	out_fmt_size("stop_copy_bytes", tx ? ", stop_copy %s)" : NULL, t.stop);
	out_fmt_secs("usecs", tx ? " in %.3f s" : NULL, s->secs);
	if (s->wait >= 0)
		out_fmt_secs("wait_usecs", tx ? " after waiting %.3f s" : NULL, s->wait);
	else
		out_null("wait_usecs", NULL, NULL);
	out_fmt_str(NULL, tx ? "%s" : NULL, rate_text(t.bytes, s->secs, rate, sizeof(rate)));
	out_u64("bytes_per_sec", NULL, s->secs > 0 ? (uint64_t)(t.bytes / s->secs) : 0);
	if (s->downtime >= 0)
		out_fmt_secs("downtime_usecs", NULL, s->downtime);
	else
		out_null("downtime_usecs", NULL, NULL);
	out_text(tx ? "; downtime %.3f ms" : "", s->downtime * 1e3);
	if (s->peer_downtime >= 0)
		out_fmt_secs("destination_downtime_usecs", NULL, s->peer_downtime);
	else
		out_null("destination_downtime_usecs", NULL, NULL);
	out_text(tx && s->peer_downtime >= 0 ? " (destination %.3f ms)" : "",
		 s->peer_downtime * 1e3);
	out_text(tx ? "; devices are %s\n" : "", state_of(&g->dev[0]));
	out_bool("ok", NULL, s->ok);
	out_bool("committed", NULL, s->committed);
	out_bool("insecure", NULL, s->insecure);
	out_u64("records", NULL, t.records);
	/* The destination does not know how pre-copy ended: it says null. */
	if (s->source) {
		out_bool("precopy_converged", NULL, s->converged);
		out_u64("precopy_remaining_bytes", NULL, s->remaining);
	} else {
		out_null("precopy_converged", NULL, NULL);
		out_null("precopy_remaining_bytes", NULL, NULL);
	}
}

int mig_report(struct mgroup *g, const struct mig_summary *s)
{
	bool tx = s->ok;

	const char *names[DEVS_MAX];

	for (unsigned int i = 0; i < g->n; i++)
		names[i] = g->dev[i].s.d.info.name;
	out_begin();
	summary(g, s, tx);
	devices(g, opts.verbose > 0);
	report_arcs(&g->log, names, g->n);
	return out_end();
}

void mig_say(const struct mgroup *g, const char *none_touched, bool where)
{
	const struct reason *v[1 + 2 * DEVS_MAX];
	struct sess *s[DEVS_MAX];
	unsigned int n = mgroup_reasons(g, v);

	for (unsigned int i = 0; i < n; i++)
		say_reason(v[i]->code, v[i]);
	if (!where)
		return;
	for (unsigned int i = 0; i < g->n; i++)
		s[i] = (struct sess *)&g->dev[i].s;
	say_where_all(s, g->n, g->any_touched, none_touched);
}
