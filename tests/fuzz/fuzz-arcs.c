// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the record of earlier saves and loads (arc-record.c): the
 * input is the file's text. What the parser accepts must hold what the
 * estimate then relies on: at most ARCREC_MAX records, names the file can
 * hold again, figures within their bounds, and scaled times that are
 * finite and not negative.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arc-record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct arc_records *a)
{
	if (a->n > ARCREC_MAX)
		abort();
	for (unsigned int i = 0; i < a->n; i++) {
		const struct arc_rec *r = &a->r[i];
		double s = arcrec_secs(a, r->kind, r->driver, 1ULL << 40);

		if (r->kind >= ARC_KINDS || !r->driver[0] || strpbrk(r->driver, " \n/") || r->bytes > (1ULL << 48) ||
		    r->usecs > 3600000000ULL || !isfinite(s) || s < 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arc_records a;
	char *text;

	if (size > 16384 || memchr(data, '\0', size))
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (arcrec_parse(&a, text) == 0)
		check(&a);
	else if (a.n)
		abort();	/* a refused file leaves no partial set */
	free(text);
	return 0;
}
