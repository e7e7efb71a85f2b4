// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig check DEV: does the device's migration driver honour the
 * protocol? Options, the order of the checks, and the soak; the device
 * is running again at the end, whatever happened.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "vfiomig.h"
#include "sig.h"
#include "check.h"
#include "ci-report.h"
#include "cli.h"
#include "log.h"
#include "output.h"
#include "pump.h"
#include "report.h"
#include "vfio.h"

struct check_args {
	const char *dev;
	int rounds;
	bool soak;
	bool seeded;
	bool format_given;
	bool inject_faults;
	struct soak_args soak_args;
};

/* Long only: no short option would read well. */
#define OPT_INJECT_FAULTS 0x100

static const char *const format_names[] = { "text", "json", "tap", "junit" };

/* A whole number from min to max, or a usage error (no wrap-around). */
static long long number(struct argp_state *state, const char *opt,
			const char *arg, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		argp_error(state, "%s: '%s' is not a number from %lld to %lld", opt,
			   arg, min, max);
	return v;
}

static void parse_format(struct argp_state *state, struct check_args *a,
			 const char *arg)
{
	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(arg, format_names[i])) {
			a->soak_args.format = (enum check_format)i;
			return;
		}
	}
	argp_error(state, "--format: '%s' is not text, json, tap or junit", arg);
}

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct check_args *a = state->input;

	switch (key) {
	case 'r':
		a->rounds = (int)number(state, "--rounds", arg, 1, MAX_ROUNDS);
		break;
	case 'F':
		parse_format(state, a, arg);
		a->format_given = true;
		break;
	case 'S':
		a->soak = true;
		a->soak_args.steps = (long)number(state, "--soak", arg, 0, 1000000000);
		break;
	case 'D':
		a->soak = true;
		if (parse_secs(arg, 1, &a->soak_args.duration) ||
		    a->soak_args.duration > 86400 * 30)
			argp_error(state, "--duration: '%s' is not a number of seconds",
				   arg);
		break;
	case 'E':
		a->seeded = true;
		a->soak_args.seed = (uint64_t)number(state, "--seed", arg, 0, INT64_MAX);
		break;
	case OPT_INJECT_FAULTS:
		a->inject_faults = true;
		break;
	case ARGP_KEY_END:
		if (a->seeded && !a->soak)
			argp_error(state, "--seed is for --soak or --duration");
		if (a->inject_faults && a->soak)
			argp_error(state, "--inject-faults is for the checks, not --soak");
		if (opts.json && a->format_given && a->soak_args.format != FMT_JSON)
			argp_error(state, "-j and --format %s: choose one",
				   format_names[a->soak_args.format]);
		return parse_one_dev(key, arg, state, &a->dev);
	default:
		return parse_one_dev(key, arg, state, &a->dev);
	}
	return 0;
}

static const struct argp_option check_options[] = {
	{ "rounds", 'r', "N", 0, "Walk every arc N times for the latencies (default 3)", 0 },
	{ "format", 'F', "FMT", 0, "Report as text (default), json (as -j), tap or junit", 0 },
	{ "soak", 'S', "N", 0, "Instead of the checks, a random walk of N steps "
	  "(0: no limit but --duration)", 0 },
	{ "duration", 'D', "SECS", 0, "Soak for at most SECS seconds", 0 },
	{ "seed", 'E', "N", 0, "The soak's random seed (replays a walk)", 0 },
	{ "inject-faults", OPT_INJECT_FAULTS, NULL, 0, "Also fail the kernel's "
	  "allocations one at a time in SET, DMA logging and data fd I/O "
	  "(kernel.faults; needs a kernel with fault injection)", 0 },
	{ 0 }
};

static const struct argp check_argp = {
	check_options, parse, "DEV",
	"Check that the device's migration driver honours the VFIO migration "
	"protocol: one result for each rule of vfiomig(8) CHECK RULES (the state "
	"machine, data sessions and their end, read and write chunking, "
	"pre-copy info, the size estimate, hostile data in resuming, a second "
	"thread, DMA logging, a clean kernel log), the arc latencies, and what "
	"the protocol leaves to the driver. With --soak or --duration, a "
	"random walk checked against the model instead, with latency "
	"percentiles per arc. The device is running again at the end.\v"
	"The device is reset and its state overwritten with its own: do not "
	"check a device a guest is using. Exit status 1 when a check or the "
	"soak fails, 8 when interrupted.",
	common_children, NULL, NULL
};

/* Every rule without a result when the checks cannot go on. */
static void skip_rest(struct check_ctx *c, const char *why)
{
	for (size_t i = 0; i < check_nrules; i++)
		if (!check_rules[i].why_not && !check_find(c, check_rules[i].id))
			check_add(c, check_rules[i].id, CK_SKIP, "%s", why);
}

static void run_checks(struct check_ctx *c)
{
	static void (*const steps[])(struct check_ctx *) = {
		check_flags, check_unknown_feature, check_arcs, check_illegal,
		check_blocked_arc, check_precopy,
		check_precopy_dirty, check_round_trip,
		/* before the first restore: data.history's first try */
		check_history_first, check_large, check_eof,
		check_read_sizes, check_nonblock, check_write_chunks,
		check_fidelity, check_session_ends, check_wake,
		check_close_early, check_sizes, check_concurrent_get,
		check_dma_logging, check_dirty_edges, check_close, check_hostile,
		check_concurrent_io,
		/* Last: only a working reset leaves resuming without data, */
		check_truncated,
		/* and a buggy driver's leftovers reach no other check, */
		check_history,
		/* nor what failed allocations left. */
		check_faults,
	};

	/*
	 * Reset first: every other check leaves resuming (and recovers from
	 * a failure) by reset, so without it their results would only echo
	 * the broken reset. The kernel log is read after each step.
	 */
	check_kmsg_open(c);
	check_kmsg_step(c, check_reset);
	if (check_find(c, "fsm.reset.running")->result == CK_FAIL) {
		check_kmsg_step(c, check_close);
		check_kmsg_close(c);
		skip_rest(c, "needs a reset that returns running");
		return;
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && !sig_caught(); i++)
		check_kmsg_step(c, steps[i]);
	check_kmsg_close(c);
}

/* A CI job still gets a report it can read: nothing was checked, why. */
static void uncheckable(const struct check_args *a, const struct reason *why)
{
	enum check_format f = a->soak_args.format;
	char name[160];

	if (f != FMT_TAP && f != FMT_JUNIT)
		return;
	snprintf(name, sizeof(name), "vfiomig check %s", a->dev);
	out_begin();
	ci_nothing(f == FMT_TAP ? CI_TAP : CI_JUNIT, name,
		   why->n ? why->line[0] : "the device cannot be checked");
	out_end();
}

int cmd_check(int argc, char **argv)
{
	struct check_args a = { .rounds = 3 };
	struct check_ctx *c;
	int r, failed = 0;

	cmd_parse(&check_argp, argc, argv, &a);
	if (a.soak_args.format == FMT_JSON)
		opts.json = true;
	else if (opts.json)
		a.soak_args.format = FMT_JSON;
	if (a.soak && !a.seeded)
		a.soak_args.seed = ((uint64_t)time(NULL) << 20 ^ (uint64_t)getpid()) &
				   INT64_MAX;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->rounds = a.rounds;
	c->inject_faults = a.inject_faults;
	r = sess_open(&c->s, vm_ctx(), "check", a.dev);
	if (!r)
		r = sess_need_mig(&c->s);
	if (r)
		uncheckable(&a, c->s.why);
	say_sess(r, &c->s);
	if (!r && check_home(c)) {
		err("check %s: cannot bring the device to running", c->s.d.info.name);
		r = -VM_E_STATE;
	}
	if (!r) {
		sig_catch();
		if (a.soak) {
			r = check_soak(c, &a.soak_args);
		} else {
			run_checks(c);
			if (sess_is_open(&c->s) && check_home(c))
				err("check %s: the device could not be returned to running",
				    c->s.d.info.name);
			if (!sig_caught()) {
				r = check_report(c, a.soak_args.format, &failed);
				if (!r && failed)
					r = -VM_E_CHECK;
			}
		}
		if (sig_caught()) {
			err("check %s: interrupted by %s; device running again",
			    c->s.d.info.name, sigabbrev_np(sig_caught()));
			r = -VM_E_INTERRUPTED;
		}
	}
	sess_close(&c->s);
	free(c->saved);
	free(c);
	return r;
}
