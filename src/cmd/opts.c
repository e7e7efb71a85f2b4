// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the user asked for (struct vm_opts, filled by cli.c) and the
 * number parsers options share. The commands read opts; the engine sees
 * only the context made from it (context.c). Nothing here acts.
 */
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
