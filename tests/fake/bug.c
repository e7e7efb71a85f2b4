/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VFIOMIG_FAKE_BUG=KIND[,KIND...]: turn the fake into a driver that gets
 * the protocol wrong in the named ways, so that a conformance checker
 * can be shown each failure it claims to find (fake.h lists the kinds).
 *
 * Like VFIOMIG_FAKE_FAIL the variable is read at each use, so a test
 * can switch a bug on around a single call. Unknown kinds are ignored,
 * as unknown arcs of VFIOMIG_FAKE_FAIL are.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake.h"

typedef bool (*bug_fn)(const char *val, void *arg);

/* Call @fn on the value (NULL if none) of each @kind item until true. */
static bool bug_each(const char *kind, bug_fn fn, void *arg)
{
	const char *env = getenv("VFIOMIG_FAKE_BUG");
	char buf[512], *save = NULL, *item, *val;

	if (!env || strlen(env) >= sizeof(buf))
		return false;
	strcpy(buf, env);
	for (item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		val = strchr(item, '=');
		if (val)
			*val++ = '\0';
		if (!strcasecmp(item, kind) && fn(val, arg))
			return true;
	}
	return false;
}

static bool any(const char *val, void *arg)
{
	(void)val;
	(void)arg;
	return true;
}

bool bug_on(const char *kind)
{
	return bug_each(kind, any, NULL);
}

/* @arg is int[2], FROM and TO; @val is "FROM>TO". */
static bool arc_is(const char *val, void *arg)
{
	const int *arc = arg;
	char from[32];
	const char *gt = val ? strchr(val, '>') : NULL;

	if (!gt || (size_t)(gt - val) >= sizeof(from))
		return false;
	memcpy(from, val, (size_t)(gt - val));
	from[gt - val] = '\0';
	return state_parse(from) == arc[0] && state_parse(gt + 1) == arc[1];
}

bool bug_arc(const char *kind, int from, int to)
{
	int arc[2] = { from, to };

	return bug_each(kind, arc_is, arc);
}

static bool u64_of(const char *val, void *arg)
{
	char *end;
	uint64_t v;

	if (!val || !*val)
		return false;
	v = strtoull(val, &end, 0);
	if (*end)
		return false;
	*(uint64_t *)arg = v;
	return true;
}

bool bug_u64(const char *kind, uint64_t *val)
{
	return bug_each(kind, u64_of, val);
}

static bool str_is(const char *val, void *arg)
{
	return val && !strcasecmp(val, arg);
}

bool bug_is(const char *kind, const char *val)
{
	return bug_each(kind, str_is, (void *)val);
}
