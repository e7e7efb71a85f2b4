// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Text and JSON output. The JSON writer keeps a stack of "first element"
 * flags to place commas; text mode prints "label  value" lines indented
 * by nesting depth, and arrays of strings on one line. String values
 * are escaped in both (escape.h): many come from outside. Prints what it
 * is given; must not decide what is reported.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "log.h"
#include "output.h"
#include "vfiomig.h"

#define MAX_DEPTH 16
#define LABEL_WIDTH 22

/* Writer state for the one document this run prints. */
static struct {
	int depth;
	bool first[MAX_DEPTH];
	char closer[MAX_DEPTH]; /* '}' or ']' for each open level */
	bool in_text_array;   /* text mode: printing array items on a line */
	bool text_array_empty;
	bool open;            /* JSON: the top level awaits out_finish() */
	bool finished;
} w;

/* Where failures left devices, for the JSON error object. */
static struct {
	char name[64];
	char state[24];       /* "" when unknown */
} noted[16];
static unsigned int nnoted;

static void json_indent(void)
{
	if (!opts.pretty)
		return;
	fputc('\n', stdout);
	for (int i = 0; i < w.depth; i++)
		fputs("  ", stdout);
}

static void json_escape(const char *s)
{
	fputc('"', stdout);
	esc_json(stdout, s);
	fputc('"', stdout);
}

/* Comma, indentation and "key": for the next value. */
static void json_key(const char *key)
{
	if (!w.first[w.depth])
		fputc(',', stdout);
	w.first[w.depth] = false;
	json_indent();
	if (key) {
		json_escape(key);
		fputs(opts.pretty ? ": " : ":", stdout);
	}
}

static void json_push(char c)
{
	fputc(c, stdout);
	w.closer[w.depth] = c == '{' ? '}' : ']';
	if (w.depth < MAX_DEPTH - 1)
		w.depth++;
	w.first[w.depth] = true;
}

static void json_pop(char c)
{
	bool empty = w.first[w.depth];

	if (w.depth > 0)
		w.depth--;
	if (!empty)
		json_indent();
	fputc(c, stdout);
}

static void text_label(const char *label)
{
	int indent = w.depth > 1 ? (w.depth - 1) * 2 : 0;

	printf("%*s%-*s ", indent, "", LABEL_WIDTH - indent, label);
}

void out_begin(void)
{
	memset(&w, 0, sizeof(w));
	w.first[0] = true;
	if (opts.json) {
		json_push('{');
		w.open = true;
	} else {
		w.depth = 1;
	}
}

/* Returns -errno when stdout could not be written: that is a failure. */
static int flush_out(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		int e = errno ? errno : EIO;

		err("writing output: %s", errstr(e));
		return -e;
	}
	return 0;
}

int out_end(void)
{
	/* JSON: the document stays open for out_finish()'s error object. */
	return flush_out();
}

void out_note_device(const char *name, int state_known, const char *state)
{
	if (nnoted == sizeof(noted) / sizeof(noted[0]))
		return;
	snprintf(noted[nnoted].name, sizeof(noted[0].name), "%s", name);
	snprintf(noted[nnoted].state, sizeof(noted[0].state), "%s",
		 state_known ? state : "");
	nnoted++;
}

static void error_object(int code, int e)
{
	int logged;
	const char *msg = log_first_error(&logged);
	const char *name;

	/* The errno the message names is the cause; the code may be mapped. */
	if (logged)
		e = logged;
	name = e ? strerrorname_np(e) : NULL;
	out_obj_open("error");
	out_str("message", NULL, msg ? msg : "failed (see stderr)");
	if (name)
		out_str("errno", NULL, name);
	else
		out_null("errno", NULL, NULL);
	out_int("exit_code", NULL, code);
	if (nnoted) {
		out_arr_open("devices", NULL);
		for (unsigned int i = 0; i < nnoted; i++) {
			out_obj_open(NULL);
			out_str("device", NULL, noted[i].name);
			if (noted[i].state[0])
				out_str("state", NULL, noted[i].state);
			else
				out_null("state", NULL, NULL);
			out_obj_close();
		}
		out_arr_close();
	}
	out_obj_close();
}

int out_finish(int code, int e)
{
	/* Only help succeeds without a report: its text is the answer. */
	if (!opts.json || w.finished || (!code && !w.open))
		return code;
	if (!w.open)
		out_begin();
	/* A command that failed mid-document left levels open. */
	while (w.depth > 1)
		json_pop(w.closer[w.depth - 1]);
	if (code)
		error_object(code, e);
	json_pop('}');
	fputc('\n', stdout);
	w.open = false;
	w.finished = true;
	if (flush_out())
		return code ? code : EXIT_IOERR;
	return code;
}

void out_obj_open(const char *key)
{
	if (opts.json) {
		json_key(key);
		json_push('{');
	} else {
		w.depth++;
	}
}

void out_obj_close(void)
{
	if (opts.json)
		json_pop('}');
	else
		w.depth--;
}

void out_arr_open(const char *key, const char *label)
{
	if (opts.json) {
		json_key(key);
		json_push('[');
		return;
	}
	w.in_text_array = label != NULL;
	w.text_array_empty = true;
	if (label)
		text_label(label);
}

void out_arr_close(void)
{
	if (opts.json) {
		json_pop(']');
		return;
	}
	if (w.in_text_array)
		printf("%s\n", w.text_array_empty ? "-" : "");
	w.in_text_array = false;
}

void out_elem_str(const char *val)
{
	if (opts.json) {
		json_key(NULL);
		json_escape(val);
	} else if (w.in_text_array) {
		if (!w.text_array_empty)
			fputc(' ', stdout);
		esc_text(stdout, val);
		w.text_array_empty = false;
	}
}

void out_str(const char *key, const char *label, const char *val)
{
	if (opts.json) {
		json_key(key);
		json_escape(val);
	} else if (label) {
		text_label(label);
		esc_text(stdout, val);
		fputc('\n', stdout);
	}
}

void out_u64(const char *key, const char *label, uint64_t val)
{
	if (opts.json) {
		json_key(key);
		printf("%" PRIu64, val);
	} else if (label) {
		text_label(label);
		printf("%" PRIu64 "\n", val);
	}
}

void out_int(const char *key, const char *label, long long val)
{
	if (opts.json) {
		json_key(key);
		printf("%lld", val);
	} else if (label) {
		text_label(label);
		printf("%lld\n", val);
	}
}

void out_hex(const char *key, const char *label, uint64_t val)
{
	if (opts.json) {
		json_key(key);
		printf("%" PRIu64, val);
	} else if (label) {
		text_label(label);
		printf("0x%" PRIx64 "\n", val);
	}
}

void out_bool(const char *key, const char *label, bool val)
{
	if (opts.json) {
		json_key(key);
		fputs(val ? "true" : "false", stdout);
	} else if (label) {
		text_label(label);
		printf("%s\n", val ? "yes" : "no");
	}
}

void out_null(const char *key, const char *label, const char *text)
{
	if (opts.json) {
		json_key(key);
		fputs("null", stdout);
	} else if (label) {
		text_label(label);
		printf("%s\n", text);
	}
}

void out_line(const char *label, const char *fmt, ...)
{
	va_list ap;

	if (opts.json)
		return;
	text_label(label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (opts.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
