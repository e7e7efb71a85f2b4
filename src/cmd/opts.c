// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the user asked for (struct vm_opts, filled by cli.c) and the
 * argument checks options share. The commands read opts; the engine sees
 * only the context made from it (context.c). Nothing here acts.
 */
#include <argp.h>
#include <math.h>
#include <stdlib.h>

#include "cli.h"
#include "vfiomig.h"

struct vm_opts opts;

int parse_secs(const char *arg, double scale, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	/* !(v >= 0) is true for nan too: "nan" would wait for ever. */
	if (*end || end == arg || !(v >= 0) || !isfinite(v) || v * scale > SECS_MAX)
		return -1;
	*out = v * scale;
	return 0;
}

const char *arg_name(struct argp_state *state, const char *opt, const char *arg)
{
	if (!*arg)
		argp_error(state, "%s: an empty name", opt);
	return arg;
}
