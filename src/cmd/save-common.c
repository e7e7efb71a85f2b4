// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What save and restore share: their transfer options (--raw, --then,
 * --progress, the network group), save's report, and keeping what the
 * driver's save or load took. Must not move devices (session.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vfiomig.h"
#include "cli.h"
#include "endpoint.h"
#include "events.h"
#include "fsm.h"
#include "device.h"
#include "log.h"
#include "netopts.h"
#include "output.h"
#include "report.h"
#include "save.h"
#include "vfio.h"

int parse_then(const char *s, uint32_t *state)
{
	if (fsm_parse(s, state))
		return -1;
	return *state == ST_ERROR || *state == ST_RESUMING ? -1 : 0;
}

int xfer_check_then(const struct sess *s, uint32_t then)
{
	char fl[64];

	if (fsm_supported(then, s->d.flags))
		return 0;
	err("%s %s: --then %s: not supported by the device (migration: %s); nothing "
	    "was changed", s->cmd, s->d.info.name, fsm_name(then),
	    flag_names(s->d.flags, fl, sizeof(fl)));
	out_note_device(s->d.info.name, 1, fsm_name(s->cur));
	return -VM_E_NOMIG;
}

int parse_policy(const char *s, enum policy *p)
{
	if (!strcmp(s, "unwind"))
		*p = POLICY_UNWIND;
	else if (!strcmp(s, "reset"))
		*p = POLICY_RESET;
	else if (!strcmp(s, "leave"))
		*p = POLICY_LEAVE;
	else
		return -1;
	return 0;
}

enum { OPT_THEN = 0x200, OPT_RAW, OPT_PROGRESS, OPT_NO_PROGRESS };

static const struct argp_option xfer_options[] = {
	{ "raw", OPT_RAW, NULL, 0, "The bare device bytes, no stream framing", 0 },
	{ "then", OPT_THEN, "STATE", 0,
	  "State to leave the device in (save: stop, restore: running)", 0 },
	{ "progress", OPT_PROGRESS, NULL, 0, "Show progress on stderr", 0 },
	{ "no-progress", OPT_NO_PROGRESS, NULL, 0, "Never show progress", 0 },
	{ 0 }
};

static error_t xfer_parse(int key, char *arg, struct argp_state *state)
{
	struct xfer_opts *x = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &x->net;
		break;
	case OPT_RAW:
		x->raw = true;
		break;
	case OPT_THEN:
		if (parse_then(arg, &x->then))
			argp_error(state, "--then: '%s' is not a state a command can end in", arg);
		break;
	case OPT_PROGRESS:
	case OPT_NO_PROGRESS:
		x->progress = key == OPT_PROGRESS;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child net_child[] = {
	{ &net_argp, 0, "Network endpoints (tcp://HOST:PORT, unix:PATH):", 0 },
	{ &events_argp, 0, NULL, 0 },
	{ 0 }
};

static const struct argp xfer_argp = { xfer_options, xfer_parse, NULL, NULL,
				       net_child, NULL, NULL };

const struct argp_child xfer_children[] = {
	{ &xfer_argp, 0, "Transfer options:", HELP_GROUP_CMD },
	{ &common_argp, 0, "Global options:", HELP_GROUP_GLOBAL },
	{ 0 }
};

bool xfer_progress(const struct xfer_opts *x)
{
	return x->progress > 0 ||
	       (x->progress < 0 && isatty(STDERR_FILENO) && !opts.quiet);
}

int save_report(const struct save_ctx *c, int result)
{
	char rate[32];

	/* The text is the success's; a failure said its lines already. With
	 * the stream on stdout, the text goes to stderr, where -q keeps only
	 * errors. */
	out_text_to(result ? NULL : !endpoint_is_stdio(c->a->out) ? stdout :
		    opts.quiet ? NULL : stderr);
	out_begin();
	out_fmt_size("bytes", "saved %s", c->w.data_bytes);
	/* A raw stream has no records: it says so with null. */
	if (c->a->x.raw)
		out_null("records", NULL, NULL);
	else
		out_fmt_u64("records", records_fmt(c->w.records), c->w.records);
	out_fmt_str("device", " from %s", c->s.d.info.name);
	out_fmt_size("precopy_bytes", " (pre_copy %s", c->pre_bytes);
	out_fmt_size("stop_copy_bytes", ", stop_copy %s)", c->stop_bytes);
	out_fmt_secs("usecs", " in %.3f s", c->secs);
	out_fmt_str(NULL, "%s", rate_text(c->w.data_bytes, c->secs, rate, sizeof(rate)));
	out_u64("bytes_per_sec", NULL,
		c->secs > 0 ? (uint64_t)(c->w.data_bytes / c->secs) : 0);
	out_bool("ok", NULL, result == 0);
	out_str("from", NULL, fsm_name(c->s.orig));
	out_fmt_str(sess_state(&c->s) < 0 ? NULL : "state", "; device is %s\n",
		    fsm_name(c->s.cur));
	if (sess_state(&c->s) < 0)
		out_null("state", NULL, NULL);
	out_bool("raw", NULL, c->a->x.raw);
	out_u64("stream_bytes", NULL, c->w.offset);
	/* How pre-copy's data ended, when there was pre-copy data. */
	if (c->a->precopy && c->pre_bytes)
		out_str("precopy_end", NULL, pump_end_name(c->pre_end));
	else
		out_null("precopy_end", NULL, NULL);
	{
		const char *name = c->s.d.info.name;

		report_arcs(&c->log, &name, 1);
	}
	return out_end();
}

void xfer_keep(const struct sess *s, const struct arc_log *log, enum arc_kind arc,
	       uint64_t bytes, double data_secs)
{
	char who[96];
	struct arc_fig f[2] = {
		{ .kind = arc, .driver = s->d.info.driver, .bytes = bytes,
		  .secs = arclog_secs(log, 0, arc) },
		{ .kind = arc == ARC_SAVE ? ARC_READ : ARC_WRITE, .driver = s->d.info.driver,
		  .bytes = bytes, .secs = data_secs },
	};

	if (f[0].secs < 0)
		return;
	snprintf(who, sizeof(who), "%s %s", s->cmd, s->d.info.name);
	/* After pre-copy, the load arc alone (mig-record.c). */
	arcrec_keep(vm_ctx(), who, f, arc == ARC_LOAD_PRECOPY ? 1 : 2);
}
