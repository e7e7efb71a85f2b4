// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig receive DEV... --listen URL: the destination of a live
 * migration (protocol in mig-wire.h). Accepts one migration, then
 * exits. The engine moves the devices (mig-dst.c); this file parses,
 * checks, and says what came of it. Until the source commits, any
 * failure resets the devices.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig.h"
#include "cli.h"
#include "events.h"
#include "fsm.h"
#include "log.h"
#include "mig-dst.h"
#include "mig-report.h"
#include "netopts.h"
#include "observe.h"
#include "pump.h"
#include "save.h"
#include "sig.h"

/* The words of the destination's lines. */
static const struct mig_side destination = {
	"receive", "from", "destination", "source", "--force to try anyway",
};

enum { OPT_LISTEN = 0x100, OPT_FORCE, OPT_THEN };

static const struct argp_option receive_options[] = {
	{ "listen", OPT_LISTEN, "URL", 0,
	  "Where to wait for the source: tcp://ADDR:PORT or unix:PATH", 0 },
	{ "force", OPT_FORCE, NULL, 0, "Receive devices of another kind", 0 },
	{ "then", OPT_THEN, "STATE", 0,
	  "State the devices end in after the commit (default running)", 0 },
	{ 0 }
};

static const struct argp_child receive_children[] = {
	{ &net_argp, 0, "Network:", HELP_GROUP_CMD },
	{ &events_argp, 0, NULL, HELP_GROUP_CMD },
	{ &common_argp, 0, "Global options:", HELP_GROUP_GLOBAL },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct receive_args *a = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->net;
		break;
	case OPT_LISTEN:
		a->listen = arg_name(state, "--listen", arg);
		break;
	case OPT_FORCE:
		a->force = true;
		break;
	case OPT_THEN:
		if (parse_then(arg, &a->then) || a->then == ST_STOP_COPY ||
		    fsm_is_saving(a->then))
			argp_error(state, "--then: '%s' is not running, running_p2p or stop",
				   arg);
		break;
	case ARGP_KEY_END:
		if (a->ndev && !a->listen)
			argp_error(state, "missing --listen URL");
		/* fall through */
	default:
		return parse_dev_list(key, arg, state, a->devs, &a->ndev, DEVS_MAX);
	}
	return 0;
}

static const struct argp receive_argp = {
	receive_options, parse, "DEV...",
	"Receive a live migration from 'vfiomig migrate': listen where told, "
	"accept the first authenticated source, check that it sends as many "
	"devices of the same kinds (in order), load them while the source "
	"still runs (pre-copy), and run them once the source commits. Accepts "
	"one migration, then exits.\v"
	"A connection that fails authentication is dropped without touching "
	"any device. Until the source commits, any failure (the data, the "
	"connection, an arc, the source aborting, SIGINT/SIGTERM) resets every "
	"device: no half-loaded device is left to run.",
	receive_children, NULL, NULL
};

/* As migrate's: several devices reach running_p2p before any runs. */
static int check_devices(struct mgroup *g, uint32_t then)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		int r = xfer_check_then(&g->dev[i].s, then);

		if (r)
			return r;
		if (g->dev[i].s.cur == ST_ERROR) {
			err("receive %s: device is in error; reset it first",
			    g->dev[i].s.d.info.name);
			return -VM_E_STATE;
		}
		if (g->n > 1 && !(g->dev[i].s.d.flags & MIG_P2P)) {
			err("receive %s: no p2p support: devices without it can only "
			    "migrate alone", g->dev[i].s.d.info.name);
			return -VM_E_NOMIG;
		}
	}
	return 0;
}

static int setup(struct mdst *s, struct receive_args *a)
{
	struct reason why = { 0 };
	int r = devs_distinct("receive", a->devs, a->ndev);

	if (!r && (r = net_parse(a->listen, &s->addr, &why)))
		say_reason(r, &why);
	if (!r)
		r = net_auth_init(&a->net, "receive");
	if (!r && (r = mgroup_open(&s->g)))
		mig_say(&s->g, NULL, false);
	/* A refusal here says "nothing was changed": no line per device. */
	if (!r)
		r = check_devices(&s->g, a->then);
	if (r)
		return r;
	s->lfd = net_listen(&s->addr, &why);
	if (s->lfd < 0) {
		reason_prefix(&why, "receive: ");
		return say_reason(s->lfd, &why);
	}
	notice("receive: listening on %s for the source of %u device%s", s->addr.text,
	       s->g.n, s->g.n == 1 ? "" : "s");
	return 0;
}

static int report(struct mdst *s, int r)
{
	struct mig_summary sum = {
		.verb = "received", .dir = "from", .peer = s->ctl.peer,
		.ok = !r, .committed = s->committed, .insecure = s->a->net.insecure,
		.secs = s->t_hello ? s->t_end - s->t_hello : 0,
		.wait = (s->t_hello ? s->t_hello : s->t_end) - s->t0,
		.downtime = s->stopped && s->t_running ? s->t_running - s->t_stopped : -1,
		.peer_downtime = -1,
		.dry_run = s->dry_run,
		.downtime_limit = s->estimated ? s->est.downtime_limit : -1,
		.expected_downtime = -1, .est = s->estimated ? &s->est : NULL,
	};

	return mig_report(&s->g, &sum);
}

static int receive_run(struct mdst *s, struct receive_args *a)
{
	int r, wr;

	r = events_open("receive");
	if (r)
		return r;
	ev_status("setup");
	sig_catch();
	/* Each device's bytes as they arrive, on a terminal. */
	observe_progress(isatty(STDERR_FILENO) && !opts.quiet);
	chan_plain(&s->ctl, vm_ctx(), -1, a->listen);
	mgroup_init(&s->g, vm_ctx(), &destination, a->devs, a->ndev);
	s->t0 = monotonic_secs();
	r = setup(s, a);
	if (!r) {
		r = dst_receive(s);
		if (r && !s->committed) {
			dst_unwind(s, r);
			mig_say(&s->g, NULL, true);
		} else if (r) {
			/* After the commit: where run() left each device. */
			mig_say(&s->g, NULL, true);
		}
	}
	net_unlisten(s->lfd, &s->addr);
	s->t_end = monotonic_secs();
	if (s->stopped && s->t_running)
		ev_downtime(s->t_running - s->t_stopped, -1, -1,
			    s->estimated ? s->est.downtime_limit : -1);
	ev_end(r);
	wr = report(s, r);
	chan_close(&s->ctl);
	mgroup_close(&s->g);
	return r ? r : wr;
}

int cmd_receive(int argc, char **argv)
{
	struct receive_args a = { .then = ST_RUNNING };
	struct mdst *s;
	int r;

	cmd_parse(&receive_argp, argc, argv, &a);
	/* Not on the stack: two identities of about 10 KB a device, 2 MB
	 * for 64, past a 1 MiB stack limit (ulimit -s 1024). */
	s = calloc(1, sizeof(*s));
	if (!s) {
		err("receive: %s", errstr(-ENOMEM));
		return -ENOMEM;
	}
	s->a = &a;
	s->lfd = -1;
	r = receive_run(s, &a);
	free(s);
	return r;
}
