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
#include <stdlib.h>
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
	bool shadow;          /* text mode: the document is only for the tee */
} w;

/*
 * The second sink: the same document, compact, into a buffer that is
 * handed to tee_fn when the document closes (the events' RESULT). It is
 * rendered in text mode too, then for the tee alone (w.shadow).
 */
static void (*tee_fn)(const char *doc);
static FILE *tee;
static char *tee_buf;
static size_t tee_len;

/* JSON is being rendered (to stdout, the tee, or both). */
static bool json_on(void)
{
	return opts.json || w.shadow;
}

static void jputc(int c)
{
	if (opts.json)
		fputc(c, stdout);
	if (tee)
		fputc(c, tee);
}

static void jputs(const char *s)
{
	if (opts.json)
		fputs(s, stdout);
	if (tee)
		fputs(s, tee);
}

static void jprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void jprintf(const char *fmt, ...)
{
	va_list ap;

	if (opts.json) {
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	if (tee) {
		va_start(ap, fmt);
		vfprintf(tee, fmt, ap);
		va_end(ap);
	}
}

/* Where failures left devices, for the JSON error object. */
static struct {
	char name[64];
	char state[24];       /* "" when unknown */
} noted[16];
static unsigned int nnoted;

static void json_indent(void)
{
	/* Pretty is for stdout; the tee stays one line. */
	if (!opts.pretty || !opts.json)
		return;
	fputc('\n', stdout);
	for (int i = 0; i < w.depth; i++)
		fputs("  ", stdout);
}

/* A JSON string, quoted and escaped (escape.h: valid UTF-8 always), to
 * any stream: stdout, the tee, the events module's lines. */
void out_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	esc_json(f, s);
	fputc('"', f);
}

/* A string value, to every sink. */
static void jstr(const char *s)
{
	if (opts.json)
		out_json_str(stdout, s);
	if (tee)
		out_json_str(tee, s);
}

/* Comma, indentation and "key": for the next value. */
static void json_key(const char *key)
{
	if (!w.first[w.depth])
		jputc(',');
	w.first[w.depth] = false;
	json_indent();
	if (key) {
		jstr(key);
		if (opts.json)
			fputs(opts.pretty ? ": " : ":", stdout);
		if (tee)
			fputc(':', tee);
	}
}

static void json_push(char c)
{
	jputc(c);
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
	jputc(c);
}

static void text_label(const char *label)
{
	int indent = w.depth > 1 ? (w.depth - 1) * 2 : 0;

	printf("%*s%-*s ", indent, "", LABEL_WIDTH - indent, label);
}

void out_tee(void (*fn)(const char *doc))
{
	tee_fn = fn;
}

bool out_tee_wants(void)
{
	return tee_fn && !opts.json;
}

bool out_shadow(void)
{
	return w.shadow;
}

void out_begin(void)
{
	memset(&w, 0, sizeof(w));
	w.first[0] = true;
	if (tee_fn && !tee && !tee_buf)
		tee = open_memstream(&tee_buf, &tee_len);
	w.shadow = !opts.json && tee;
	if (json_on()) {
		json_push('{');
		w.open = true;
	} else {
		w.depth = 1;
	}
}

/* The document is whole: hand it to the tee. */
static void tee_done(void)
{
	if (!tee)
		return;
	if (fclose(tee) == 0 && tee_buf)
		tee_fn(tee_buf);
	tee = NULL;
	free(tee_buf);
	tee_buf = NULL;
}

/* The errno of the first failure to write stdout; said once. */
static int out_errno;

/* -VM_E_OUTPUT when stdout could not be written: that is a failure. */
static int flush_out(void)
{
	if (out_errno)
		return -VM_E_OUTPUT;
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		out_errno = errno ? errno : EIO;
		err("writing output: %s", errstr(out_errno));
		return -VM_E_OUTPUT;
	}
	return 0;
}

int out_close(int code)
{
	if (flush_out() && !code)
		return EXIT_IOERR;
	return code;
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
	if ((!opts.json && !tee_fn) || w.finished || (!code && !w.open))
		return code;
	if (!w.open)
		out_begin();
	if (!w.open)
		return code;
	/* A command that failed mid-document left levels open. */
	while (w.depth > 1)
		json_pop(w.closer[w.depth - 1]);
	if (code)
		error_object(code, e);
	json_pop('}');
	w.open = false;
	w.finished = true;
	w.shadow = false;
	tee_done();
	if (!opts.json)
		return code;
	fputc('\n', stdout);
	if (flush_out())
		return code ? code : EXIT_IOERR;
	return code;
}

void out_obj_open(const char *key)
{
	if (json_on()) {
		json_key(key);
		json_push('{');
	} else {
		w.depth++;
	}
}

void out_obj_close(void)
{
	if (json_on())
		json_pop('}');
	else
		w.depth--;
}

void out_arr_open(const char *key, const char *label)
{
	if (json_on()) {
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
	if (json_on()) {
		json_pop(']');
		return;
	}
	if (w.in_text_array)
		printf("%s\n", w.text_array_empty ? "-" : "");
	w.in_text_array = false;
}

void out_elem_str(const char *val)
{
	if (json_on()) {
		json_key(NULL);
		jstr(val);
	} else if (w.in_text_array) {
		if (!w.text_array_empty)
			fputc(' ', stdout);
		esc_text(stdout, val);
		w.text_array_empty = false;
	}
}

void out_str(const char *key, const char *label, const char *val)
{
	if (json_on()) {
		json_key(key);
		jstr(val);
	} else if (label) {
		text_label(label);
		esc_text(stdout, val);
		fputc('\n', stdout);
	}
}

void out_u64(const char *key, const char *label, uint64_t val)
{
	if (json_on()) {
		json_key(key);
		jprintf("%" PRIu64, val);
	} else if (label) {
		text_label(label);
		printf("%" PRIu64 "\n", val);
	}
}

void out_int(const char *key, const char *label, long long val)
{
	if (json_on()) {
		json_key(key);
		jprintf("%lld", val);
	} else if (label) {
		text_label(label);
		printf("%lld\n", val);
	}
}

void out_hex(const char *key, const char *label, uint64_t val)
{
	if (json_on()) {
		json_key(key);
		jprintf("%" PRIu64, val);
	} else if (label) {
		text_label(label);
		printf("0x%" PRIx64 "\n", val);
	}
}

void out_bool(const char *key, const char *label, bool val)
{
	if (json_on()) {
		json_key(key);
		jputs(val ? "true" : "false");
	} else if (label) {
		text_label(label);
		printf("%s\n", val ? "yes" : "no");
	}
}

void out_null(const char *key, const char *label, const char *text)
{
	if (json_on()) {
		json_key(key);
		jputs("null");
	} else if (label) {
		text_label(label);
		printf("%s\n", text);
	}
}

void out_line(const char *label, const char *fmt, ...)
{
	va_list ap;

	if (json_on())
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

	if (json_on())
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
