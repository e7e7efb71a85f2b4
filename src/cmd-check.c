// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig check DEV: does the device's migration driver honour the
 * protocol? A table of checks and a table of arc latencies; the device
 * is running again at the end, whatever happened.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"
#include "check.h"
#include "cli.h"
#include "log.h"
#include "output.h"
#include "pump.h"
#include "report.h"
#include "vfio.h"

struct check_args {
	const char *dev;
	int rounds;
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct check_args *a = state->input;
	char *end;
	long v;

	switch (key) {
	case 'r':
		/* Compared as a long: 4294967297 must not wrap to 1. */
		v = strtol(arg, &end, 10);
		a->rounds = (int)v;
		if (*end || end == arg || v < 1 || v > MAX_ROUNDS)
			argp_error(state, "--rounds: '%s' is not a number from 1 to %d",
				   arg, MAX_ROUNDS);
		break;
	default:
		return parse_one_dev(key, arg, state, &a->dev);
	}
	return 0;
}

static const struct argp_option check_options[] = {
	{ "rounds", 'r', "N", 0, "Walk every arc N times for the latencies (default 3)", 0 },
	{ 0 }
};

static const struct argp check_argp = {
	check_options, parse, "DEV",
	"Check that the device's migration driver honours the VFIO migration "
	"protocol: every legal arc reaches its state, with a data session "
	"exactly where the uAPI says; illegal requests are refused with EINVAL; "
	"pre-copy info and its end of data; the stop-copy estimate against the "
	"bytes saved; a save -> restore round trip into the same device; a "
	"truncated state refused at resuming -> stop; reset from several "
	"states. Prints the checks and the arc latencies, and what the protocol "
	"leaves to the driver. The device is running again at the end.\v"
	"The device is reset and its state overwritten with its own: do not "
	"check a device a guest is using. Exit status 1 when a check fails.",
	common_children, NULL, NULL
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void report_latencies(struct check_ctx *c)
{
	out_text("\n%-14s %-14s %10s %10s %10s  %s\n", "from", "to", "min us",
		 "median us", "max us", "data fd");
	out_arr_open("arcs", NULL);
	for (uint32_t a = 0; a < ST_NR; a++) {
		for (uint32_t b = 0; b < ST_NR; b++) {
			struct arc_samples *s = &c->arcs[a][b];

			if (!s->n)
				continue;
			qsort(s->usecs, s->n, sizeof(s->usecs[0]), cmp_u32);
			out_text("%-14s %-14s %10u %10u %10u  %s\n", fsm_name(a),
				 fsm_name(b), s->usecs[0], s->usecs[s->n / 2],
				 s->usecs[s->n - 1], s->data_fd ? "yes" : "-");
			out_obj_open(NULL);
			out_str("from", NULL, fsm_name(a));
			out_str("to", NULL, fsm_name(b));
			out_u64("min_usecs", NULL, s->usecs[0]);
			out_u64("median_usecs", NULL, s->usecs[s->n / 2]);
			out_u64("max_usecs", NULL, s->usecs[s->n - 1]);
			out_bool("data_session", NULL, s->data_fd > 0);
			out_obj_close();
		}
	}
	out_arr_close();
}

static void report_choices(struct check_ctx *c)
{
	out_text("\nleft to the driver by the protocol:\n");
	out_obj_open("driver_choices");
	out_str("on_close", "on close", c->close_behaviour ? c->close_behaviour : "unknown");
	out_str("precopy_end", "pre-copy end", c->precopy_end ? c->precopy_end : "n/a");
	out_str("saving_group_fd", "saving-group fd",
		c->in_group_fd ? c->in_group_fd : "n/a");
	out_obj_close();
}

static int report(struct check_ctx *c, int *failed)
{
	static const char *const word[] = { "pass", "FAIL", "skip" };
	int count[3] = { 0 };

	out_begin();
	out_str("device", "device", c->s.d.info.name);
	out_str("driver", "driver", c->s.d.info.driver);
	out_text("\n");
	out_arr_open("checks", NULL);
	for (int i = 0; i < c->nchecks; i++) {
		struct check *k = &c->checks[i];

		count[k->result]++;
		out_text("%-4s  %-17s %s\n", word[k->result], k->name, k->detail);
		out_obj_open(NULL);
		out_str("name", NULL, k->name);
		out_str("result", NULL, k->result == CK_PASS ? "pass" :
					k->result == CK_FAIL ? "fail" : "skip");
		out_str("detail", NULL, k->detail);
		out_obj_close();
	}
	out_arr_close();
	report_latencies(c);
	report_choices(c);
	out_text("\n%d passed, %d failed, %d skipped\n", count[CK_PASS],
		 count[CK_FAIL], count[CK_SKIP]);
	out_int("passed", NULL, count[CK_PASS]);
	out_int("failed", NULL, count[CK_FAIL]);
	out_int("skipped", NULL, count[CK_SKIP]);
	*failed = count[CK_FAIL];
	return out_end();
}

static void run_checks(struct check_ctx *c)
{
	static const struct {
		const char *name;
		void (*fn)(struct check_ctx *);
	} steps[] = {
		{ "arcs", check_arcs },
		{ "illegal-requests", check_illegal },
		{ "precopy", check_precopy },
		{ "round-trip", check_round_trip },
		{ "close", check_close },
		/* Last: only a working reset leaves resuming without data. */
		{ "truncated", check_truncated },
	};

	/*
	 * Reset first: every other check leaves resuming (and recovers from
	 * a failure) by reset, so without it their results would only echo
	 * the broken reset.
	 */
	check_reset(c);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && !sig_caught(); i++) {
		if (c->checks[0].result == CK_FAIL) {
			if (strcmp(steps[i].name, "close"))
				check_add(c, steps[i].name, CK_SKIP, "needs a reset that "
					  "returns running");
			continue;
		}
		steps[i].fn(c);
	}
}

int cmd_check(int argc, char **argv)
{
	struct check_args a = { .rounds = 3 };
	struct check_ctx *c;
	int r, failed = 0;

	cmd_parse(&check_argp, argc, argv, &a);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->rounds = a.rounds;
	r = sess_open(&c->s, "check", a.dev);
	if (!r)
		r = sess_need_mig(&c->s);
	if (!r && check_home(c)) {
		err("check %s: cannot bring the device to running", c->s.d.info.name);
		r = -VM_E_STATE;
	}
	if (!r) {
		sig_catch();
		run_checks(c);
		if (sess_is_open(&c->s) && check_home(c))
			err("check %s: the device could not be returned to running",
			    c->s.d.info.name);
		if (sig_caught()) {
			err("check %s: interrupted by %s; device running again",
			    c->s.d.info.name, sigabbrev_np(sig_caught()));
			r = -VM_E_INTERRUPTED;
		} else {
			r = report(c, &failed);
			if (!r && failed)
				r = -VM_E_CHECK;
		}
	}
	sess_close(&c->s);
	free(c->saved);
	free(c);
	return r;
}
