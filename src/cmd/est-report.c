// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The downtime promise in a migration's report (mig-report.c calls these,
 * one pass for text and JSON): the estimate made before anything moved,
 * per device and in total, the limit, the expected downtime the
 * switchover was decided on and whether the real one exceeded the limit.
 * With --dry-run the estimate is the report's text. Reads; decides nothing.
 */
#include <inttypes.h>

#include "clock.h"
#include "est-report.h"
#include "log.h"
#include "output.h"

/* A duration that may be unknown (< 0): null in JSON. */
static void secs_or_null(const char *key, const char *fmt, double secs)
{
	if (secs >= 0)
		out_fmt_secs(key, fmt, secs);
	else
		out_null(key, NULL, NULL);
}

bool est_exceeded(const struct mig_summary *s)
{
	return s->downtime >= 0 && s->downtime_limit > 0 && s->downtime > s->downtime_limit;
}

/* The estimate object: with tx, the dry run's sentence from "; N bytes". */
static void estimate(const struct estimate *e, bool tx)
{
	if (!e) {
		out_null("estimate", NULL, NULL);
		return;
	}
	out_obj_open("estimate");
	out_fmt_u64("bytes", tx ? "; %" PRIu64 " bytes to move" : NULL, e->bytes);
	out_fmt_secs("usecs", tx ? ", expected %.3f s" : NULL, e->secs);
	/* ms in the text, as the report's downtime (mig-report.c) */
	secs_or_null("downtime_usecs", NULL, e->downtime);
	if (tx && e->downtime >= 0)
		out_text(", downtime %.1f ms", e->downtime * 1e3);
	out_text(tx && e->downtime < 0 ? ", downtime unknown" : "");
	secs_or_null("state_changes_usecs", NULL, e->state_changes);
	secs_or_null("state_changes_recorded_usecs", NULL, e->recorded);
	secs_or_null("data_recorded_usecs", NULL, e->data_recorded);
	out_fmt_secs("round_trip_usecs", NULL, e->rtt);
	out_fmt_u64("link_bytes_per_sec", NULL, (uint64_t)e->link_rate);
	out_fmt_u64("probe_bytes", NULL, e->probe_bytes);
	out_fmt_secs("probe_usecs", NULL, e->probe_secs);
	out_obj_close();
}

/* The limit in the dry run's sentence: "(limit 300 ms)", "(no limit)". */
static void limit_text(const struct estimate *e, double limit)
{
	if (limit <= 0)
		out_text(" (no limit)");
	else if (e->downtime < 0 || e->downtime > limit)
		out_text(" (over the limit of %.*f ms)", ms_digits(limit), limit * 1e3);
	else
		out_text(" (limit %.*f ms)", ms_digits(limit), limit * 1e3);
}

void est_fields(const struct mig_summary *s, bool dry_tx)
{
	const struct estimate *e = s->est;

	estimate(e, dry_tx && e);
	if (dry_tx && e) {
		limit_text(e, s->downtime_limit);
		out_text("; link %.1f MB/s (%" PRIu64 " bytes probed in %.3f s); nothing "
			 "changed state\n", e->link_rate / 1e6, e->probe_bytes, e->probe_secs);
	}
	out_bool("dry_run", NULL, s->dry_run);
	secs_or_null("downtime_limit_usecs", NULL, s->downtime_limit);
	secs_or_null("expected_downtime_usecs", NULL, s->expected_downtime);
	if (s->downtime >= 0 && s->expected_downtime >= 0 && s->downtime_limit >= 0)
		out_bool("downtime_exceeded", NULL, est_exceeded(s));
	else
		out_null("downtime_exceeded", NULL, NULL);
}

void est_downtime_text(const struct mig_summary *s)
{
	if (s->expected_downtime < 0)
		return;
	out_text(", expected %.1f ms", s->expected_downtime * 1e3);
	if (s->downtime_limit <= 0)
		out_text(", no limit");
	else if (est_exceeded(s))
		out_text(", over the limit of %.*f ms", ms_digits(s->downtime_limit),
			 s->downtime_limit * 1e3);
	else
		out_text(", limit %.*f ms", ms_digits(s->downtime_limit),
			 s->downtime_limit * 1e3);
}

void est_warn_exceeded(const struct mig_summary *s, const char *cmd)
{
	if (est_exceeded(s))
		warn("%s: the downtime, %.1f ms, was over the limit of %.*f ms (expected "
		     "%.1f ms)", cmd, s->downtime * 1e3, ms_digits(s->downtime_limit),
		     s->downtime_limit * 1e3,
		     s->expected_downtime * 1e3);
}

void est_device(const struct dev_estimate *d, bool tx)
{
	if (!d) {
		out_null("estimate", NULL, NULL);
		return;
	}
	out_obj_open("estimate");
	if (d->sized)
		out_fmt_u64("stop_copy_bytes", NULL, d->size);
	else
		out_null("stop_copy_bytes", NULL, NULL);
	out_fmt_u64("bytes", tx ? "%" PRIu64 " bytes" : NULL, d->bytes);
	out_text(tx && !d->sized ? " (no stop-copy estimate)" : "");
	out_fmt_secs("usecs", tx ? ", expected %.3f s" : NULL, d->secs);
	secs_or_null("data_recorded_usecs", NULL, d->data_recorded);
	secs_or_null("downtime_usecs", NULL, d->downtime);
	if (tx && d->downtime >= 0)
		out_text(", downtime %.1f ms", d->downtime * 1e3);
	out_text(tx && d->downtime < 0 ? ", downtime unknown" : "");
	/* What the dry run cannot see, said where it is read (FILES). */
	out_text(tx && d->unrecorded ? ", leaving out its driver's save and load "
		 "(recorded on neither host)" : "");
	out_text(tx ? "\n" : "");
	out_obj_close();
}
