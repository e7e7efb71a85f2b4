// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The report of a migration, source or destination: text or JSON.
 * Reads the group; changes nothing.
 */
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

static void text_devices(const struct mgroup *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		const struct mig_dev *m = &g->dev[i];

		/* A name that never opened is no device: nothing to claim. */
		if (!sess_is_open(&m->s))
			continue;
		printf("  %s: %llu bytes (pre_copy %llu, stop_copy %llu) in %llu "
		       "records, %u pre-copy rounds; %s\n", m->s.d.info.name,
		       (unsigned long long)m->bytes, (unsigned long long)m->pre_bytes,
		       (unsigned long long)m->stop_bytes,
		       (unsigned long long)m->records, m->rounds, state_of(m));
	}
}

static void text(const struct mgroup *g, const struct mig_summary *s)
{
	struct totals t;
	char rate[32];

	add_up(g, &t);
	printf("%s %u device%s %s %s: %llu bytes (pre_copy %llu", s->verb, g->n,
	       g->n == 1 ? "" : "s", s->dir, s->peer, (unsigned long long)t.bytes,
	       (unsigned long long)t.pre);
	/* Rounds are the source's; it tells the destination in STOPPED. */
	if (t.rounds)
		printf(" in %u round%s", t.rounds, t.rounds == 1 ? "" : "s");
	printf(", stop_copy %llu) in %.3f s%s; downtime %.3f ms",
	       (unsigned long long)t.stop, s->secs,
	       rate_text(t.bytes, s->secs, rate, sizeof(rate)), s->downtime * 1e3);
	if (s->peer_downtime >= 0)
		printf(" (destination %.3f ms)", s->peer_downtime * 1e3);
	printf("; devices are %s\n", state_of(&g->dev[0]));
	if (opts.verbose) {
		text_devices(g);
		report_arcs(&g->log);
	}
}

static void json_devices(const struct mgroup *g)
{
	unsigned int i;

	out_arr_open("devices", NULL);
	for (i = 0; i < g->n; i++) {
		const struct mig_dev *m = &g->dev[i];

		if (!sess_is_open(&m->s))
			continue;
		out_obj_open(NULL);
		out_str("device", NULL, m->s.d.info.name);
		out_str("from", NULL, fsm_name(m->s.orig));
		report_state("state", NULL, sess_state(&m->s));
		out_bool("precopy", NULL, m->precopy);
		out_u64("bytes", NULL, m->bytes);
		out_u64("precopy_bytes", NULL, m->pre_bytes);
		out_u64("stop_copy_bytes", NULL, m->stop_bytes);
		out_u64("records", NULL, m->records);
		out_u64("precopy_rounds", NULL, m->rounds);
		out_u64("precopy_reinits", NULL, m->reinits);
		out_obj_close();
	}
	out_arr_close();
}

static void json(const struct mgroup *g, const struct mig_summary *s)
{
	struct totals t;

	add_up(g, &t);
	out_bool("ok", NULL, s->ok);
	out_str(s->dir, NULL, s->peer);
	out_bool("committed", NULL, s->committed);
	out_bool("insecure", NULL, s->insecure);
	out_u64("bytes", NULL, t.bytes);
	out_u64("precopy_bytes", NULL, t.pre);
	out_u64("stop_copy_bytes", NULL, t.stop);
	out_u64("records", NULL, t.records);
	out_u64("precopy_rounds", NULL, t.rounds);
	out_bool("precopy_converged", NULL, s->converged);
	out_u64("precopy_remaining_bytes", NULL, s->remaining);
	out_u64("usecs", NULL, (uint64_t)(s->secs * 1e6));
	out_u64("bytes_per_sec", NULL, s->secs > 0 ? (uint64_t)(t.bytes / s->secs) : 0);
	if (s->downtime >= 0)
		out_u64("downtime_usecs", NULL, (uint64_t)(s->downtime * 1e6));
	else
		out_null("downtime_usecs", NULL, "-");
	if (s->peer_downtime >= 0)
		out_u64("destination_downtime_usecs", NULL,
			(uint64_t)(s->peer_downtime * 1e6));
	json_devices(g);
	report_arcs(&g->log);
}

int mig_report(struct mgroup *g, const struct mig_summary *s)
{
	if (!opts.json) {
		if (s->ok && !opts.quiet)
			text(g, s);
		else if (opts.verbose)
			text_devices(g);
		/* The events' RESULT is this document, in text mode too. */
		if (!out_tee_wants())
			return 0;
	}
	out_begin();
	json(g, s);
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
