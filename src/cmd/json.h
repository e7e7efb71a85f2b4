/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one JSON writer: a document (or an event line) written value by
 * value onto a FILE, commas and nesting placed by the writer. Strings
 * are escaped to valid UTF-8 JSON (escape.h): many come from outside.
 * The output document (output.c) and the events (events.c) both write
 * with it.
 */
#ifndef VFIOMIG_JSON_H
#define VFIOMIG_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	bool pretty;                  /* newlines and two-space indents */
	int depth;
	bool first[JSON_MAX_DEPTH];
	char closer[JSON_MAX_DEPTH];  /* '}' or ']' for each open level */
};

void json_init(struct json *j, FILE *f, bool pretty);
/* A value's key (NULL inside an array) and its comma; then one value. */
void json_key(struct json *j, const char *key);
/* An object ('{') or an array ('[') under key. */
void json_open(struct json *j, const char *key, char c);
void json_close(struct json *j);
/* Close every open level (a command that failed mid-document). */
void json_close_all(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_int(struct json *j, const char *key, long long val);
/* A number with the decimals it needs (at most three). */
void json_num(struct json *j, const char *key, double val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* A whole document or value already written as JSON text. */
void json_raw(struct json *j, const char *key, const char *text);
/* s as a JSON string on f (quoted, escaped). */
void json_quote(FILE *f, const char *s);

#endif
