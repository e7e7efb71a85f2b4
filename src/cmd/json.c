// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON writer (json.h): a stack of "first element" flags places the
 * commas. Writes what it is given; decides nothing.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "escape.h"
#include "json.h"

void json_init(struct json *j, FILE *f, bool pretty)
{
	*j = (struct json){ .f = f, .pretty = pretty };
	j->first[0] = true;
}

static void indent(struct json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

void json_quote(FILE *f, const char *s)
{
	fputc('"', f);
	esc_json(f, s);
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth)
		indent(j);
	if (key) {
		json_quote(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

void json_open(struct json *j, const char *key, char c)
{
	if (j->depth || !j->first[0])
		json_key(j, key);
	else
		j->first[0] = false;
	fputc(c, j->f);
	j->closer[j->depth] = c == '{' ? '}' : ']';
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

void json_close(struct json *j)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(j->closer[j->depth], j->f);
}

void json_close_all(struct json *j)
{
	while (j->depth > 0)
		json_close(j);
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_key(j, key);
	json_quote(j->f, val);
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
	json_key(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

void json_int(struct json *j, const char *key, long long val)
{
	json_key(j, key);
	fprintf(j->f, "%lld", val);
}

void json_num(struct json *j, const char *key, double val)
{
	json_key(j, key);
	if (!isfinite(val))
		fputs("null", j->f);
	else
		fprintf(j->f, "%.3f", val);
}

void json_bool(struct json *j, const char *key, bool val)
{
	json_key(j, key);
	fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	json_key(j, key);
	fputs("null", j->f);
}

void json_raw(struct json *j, const char *key, const char *text)
{
	json_key(j, key);
	fputs(text, j->f);
}
