// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig migrate DEV... --to URL: live-migrate devices to a vfiomig
 * receive on another host (protocol in mig-wire.h). The engine moves
 * the devices (mig-src.c); this file parses, checks, and says what came
 * of it. Until the destination takes over, any failure puts the devices
 * back where they were.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig.h"
#include "cli.h"
#include "est-report.h"
#include "events.h"
#include "fsm.h"
#include "log.h"
#include "mig-report.h"
#include "mig-src.h"
#include "netopts.h"
#include "observe.h"
#include "pump.h"
#include "save.h"
#include "sig.h"

/* The words of the source's lines. */
static const struct mig_side source = {
	"migrate", "to", "source", "destination", "--force to try anyway",
};

enum { OPT_TO = 0x100, OPT_NO_PRECOPY, OPT_DOWNTIME, OPT_PRECOPY_TIMEOUT, OPT_DRY_RUN };

static const struct argp_option migrate_options[] = {
	{ "to", OPT_TO, "URL", 0, "The destination: tcp://HOST:PORT or unix:PATH", 0 },
	{ "no-precopy", OPT_NO_PRECOPY, NULL, 0,
	  "Stop at once, even the devices with pre_copy", 0 },
	{ "downtime-limit", OPT_DOWNTIME, "MS", 0,
	  "Stop the devices only when the expected downtime fits MS (default 300; "
	  "0: no limit)", 0 },
	{ "precopy-timeout", OPT_PRECOPY_TIMEOUT, "SECS", 0,
	  "Give pre-copy SECS to fit the limit, else abort with nothing lost; "
	  "without a limit, stop then (default 60)", 0 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0,
	  "Estimate only: check the receiver, measure the link, print the bytes, "
	  "duration and downtime to expect; no device changes state", 0 },
	{ 0 }
};

static const struct argp_child migrate_children[] = {
	{ &net_argp, 0, "Network:", HELP_GROUP_CMD },
	{ &events_argp, 0, NULL, HELP_GROUP_CMD },
	{ &common_argp, 0, "Global options:", HELP_GROUP_GLOBAL },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct migrate_args *a = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->net;
		break;
	case OPT_TO:
		a->to = arg_name(state, "--to", arg);
		break;
	case OPT_NO_PRECOPY:
		a->no_precopy = true;
		break;
	case OPT_DRY_RUN:
		a->dry_run = true;
		break;
	case OPT_DOWNTIME:
		if (parse_secs(arg, 1e-3, &a->downtime_limit))
			argp_error(state, "--downtime-limit: '%s' is not a number of "
				   "milliseconds from 0 to %.0f", arg, SECS_MAX * 1e3);
		break;
	case OPT_PRECOPY_TIMEOUT:
		if (parse_secs(arg, 1, &a->precopy_timeout))
			argp_error(state, "--precopy-timeout: '%s' is not a number of "
				   "seconds from 0 to %.0f", arg, SECS_MAX);
		break;
	case ARGP_KEY_END:
		if (a->ndev && !a->to)
			argp_error(state, "missing --to URL");
		/* fall through */
	default:
		return parse_dev_list(key, arg, state, a->devs, &a->ndev, DEVS_MAX);
	}
	return 0;
}

static const struct argp migrate_argp = {
	migrate_options, parse, "DEV...",
	"Live-migrate devices to 'vfiomig receive' on another host: pre-copy "
	"while they run (devices with pre_copy), stop them all in p2p "
	"lock-step, send the rest, and hand over once the destination has "
	"loaded everything. Devices pair up with the receiver's in order; one "
	"connection per device carries its data as a vfiomig stream.\v"
	"Until the destination commits, any failure (an arc, a read, the "
	"connection, the destination refusing, SIGINT/SIGTERM) puts every "
	"device back in the state it was in. After the commit the devices stay "
	"stopped. The downtime reported runs from the first device leaving "
	"running to the destination's word that its devices run.\n\n"
	"The devices stop only when the expected downtime (what each must still "
	"move, the larger of its pre-copy data and its stop-copy estimate, at the "
	"rate measured, plus the state changes) fits --downtime-limit; a migration "
	"that cannot fit by --precopy-timeout stops none and exits 13.",
	migrate_children, NULL, NULL
};

/* Only a running (or stopped) source migrates; p2p for lock-step. */
static int check_devices(struct mgroup *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		const struct mig_dev *m = &g->dev[i];

		if (m->s.cur != ST_RUNNING && m->s.cur != ST_RUNNING_P2P && m->s.cur != ST_STOP) {
			err("migrate %s: device is in %s; migrate starts from running, "
			    "running_p2p or stop", m->s.d.info.name, fsm_name(m->s.cur));
			return -VM_E_REFUSED;
		}
		if (g->n > 1 && !(m->s.d.flags & MIG_P2P)) {
			err("migrate %s: no p2p support: devices without it can only "
			    "migrate alone", m->s.d.info.name);
			return -VM_E_NOMIG;
		}
	}
	return 0;
}

static int setup(struct msrc *s, struct migrate_args *a)
{
	struct reason why = { 0 };
	int r = devs_distinct("migrate", a->devs, a->ndev);

	if (!r && (r = net_parse(a->to, &s->addr, &why)))
		say_reason(r, &why);
	if (!r)
		r = net_auth_init(&a->net, "migrate");
	if (!r && (r = mgroup_open(&s->g)))
		mig_say(&s->g, NULL, false);
	return r ? r : check_devices(&s->g);
}

static int report(struct msrc *s, int r)
{
	bool est = s->start.ndev != 0;
	struct mig_summary sum = {
		.verb = "migrated", .dir = "to", .peer = s->a->to,
		.ok = !r, .committed = s->committed, .insecure = s->a->net.insecure,
		.secs = s->t_end - s->t0, .wait = -1,
		.downtime = s->running ? s->t_run - s->t_stop : -1,
		.peer_downtime = s->running ? s->dst_downtime_us / 1e6 : -1,
		.source = true, .converged = s->converged, .remaining = s->remaining,
		.dry_run = s->a->dry_run, .downtime_limit = s->a->downtime_limit,
		.expected_downtime = s->decided ? s->now.downtime : -1,
		.est = est ? &s->start : NULL, .dev_est = est ? s->start_dev : NULL,
	};

	est_warn_exceeded(&sum, "migrate");
	return mig_report(&s->g, &sum);
}

static int migrate_run(struct msrc *s, struct migrate_args *a)
{
	int r, wr;

	r = events_open("migrate");
	if (r)
		return r;
	ev_status("setup");
	sig_catch();
	/* Each device's bytes as they go, on a terminal. */
	observe_progress(isatty(STDERR_FILENO) && !opts.quiet);
	chan_plain(&s->ctl, vm_ctx(), -1, a->to);
	mgroup_init(&s->g, vm_ctx(), &source, a->devs, a->ndev);
	s->t0 = monotonic_secs();
	r = setup(s, a);
	if (!r) {
		r = src_migrate(s);
		if (r && !s->committed) {
			src_unwind(s, r);
			mig_say(&s->g, "migrate", true);
		} else if (!a->dry_run && src_finish(s) && !r) {
			r = -VM_E_STATE;
		}
		/* Committed but not confirmed: say where each source device is. */
		if (r && s->committed) {
			mgroup_settle(&s->g);
			mig_say(&s->g, NULL, true);
		}
	}
	s->t_end = monotonic_secs();
	if (s->running)
		ev_downtime(s->t_run - s->t_stop, s->dst_downtime_us / 1e6,
			    s->decided ? s->now.downtime : -1, a->downtime_limit);
	ev_end(r);
	wr = report(s, r);
	chan_close(&s->ctl);
	mgroup_close(&s->g);
	return r ? r : wr;
}

int cmd_migrate(int argc, char **argv)
{
	struct migrate_args a = { .downtime_limit = 0.3, .precopy_timeout = 60 };
	struct msrc *s;
	int r;

	cmd_parse(&migrate_argp, argc, argv, &a);
	/* Not on the stack: two identities of about 10 KB a device, 2 MB
	 * for 64, past a 1 MiB stack limit (ulimit -s 1024). */
	s = calloc(1, sizeof(*s));
	if (!s) {
		err("migrate: %s", errstr(-ENOMEM));
		return -ENOMEM;
	}
	s->a = &a;
	r = migrate_run(s, &a);
	free(s);
	return r;
}
