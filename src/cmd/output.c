// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The run's one document, written once, field by field (output.h): each
 * call goes to the JSON sinks (stdout with -j; the events' RESULT when
 * asked for) and, in text mode, to the text: a "label  value" line, or a
 * piece of a sentence or a table row from a format. Prints what it is
 * given; must not decide what is reported. Owns the only output
 * document of the process (module state: there is one stdout).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "escape.h"
#include "json.h"
#include "log.h"
#include "output.h"
#include "vfiomig.h"

#define LABEL_WIDTH 22

/* Where text goes: stdout, unless a command chose (NULL: no text). */
static FILE *text_sink;
static bool text_chosen;

static struct {
	struct json out;      /* stdout, with -j */
	struct json tee;      /* the RESULT event's copy, when wanted */
	FILE *text;           /* where text goes now */
	int text_depth;       /* text mode: nesting, for label indents */
	bool in_text_array;   /* text mode: printing array items on a line */
	bool text_array_empty;
	bool open;            /* the top level awaits out_finish() */
	bool finished;
} w;

/* The second sink: the same document, compact, handed to tee_fn whole. */
static void (*tee_fn)(const char *doc);
static char *tee_buf;
static size_t tee_len;

/* The errno of the first failure to write stdout; said once. */
static int out_errno;

/* Where failures left devices, for the JSON error object. */
static struct {
	char name[64];
	char state[24];       /* "" when unknown */
} noted[DEVS_MAX];
static unsigned int nnoted;

static bool to_stdout(void)
{
	return opts.json;
}

static bool to_tee(void)
{
	return w.tee.f != NULL;
}

static bool to_text(void)
{
	w.text = text_chosen ? text_sink : stdout;
	return !opts.json && w.text;
}

/* Every JSON sink that is on: f(writer). */
#define EACH_JSON(call)                                   \
	do {                                              \
		if (to_stdout()) {                        \
			struct json *j_ = &w.out;         \
			call;                             \
		}                                         \
		if (to_tee()) {                           \
			struct json *j_ = &w.tee;         \
			call;                             \
		}                                         \
	} while (0)

void out_json_str(FILE *f, const char *s)
{
	json_quote(f, s);
}

void out_tee(void (*fn)(const char *doc))
{
	tee_fn = fn;
}

void out_text_to(FILE *f)
{
	text_sink = f;
	text_chosen = true;
}

void out_begin(void)
{
	if (w.open || w.finished)
		return;
	memset(&w, 0, sizeof(w));
	json_init(&w.out, stdout, opts.pretty);
	if (tee_fn) {
		FILE *f = open_memstream(&tee_buf, &tee_len);

		if (f)
			json_init(&w.tee, f, false);
	}
	EACH_JSON(json_open(j_, NULL, '{'));
	w.open = true;
	w.text_depth = 1;
}

/* The document is whole: hand it to the tee. */
static void tee_done(void)
{
	if (!w.tee.f)
		return;
	if (fclose(w.tee.f) == 0 && tee_buf)
		tee_fn(tee_buf);
	w.tee.f = NULL;
	free(tee_buf);
	tee_buf = NULL;
}

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
	if (nnoted == ARRAY_SIZE(noted))
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
	/* A command that failed mid-document left levels open. */
	EACH_JSON(while (j_->depth > 1) json_close(j_));
	if (code)
		error_object(code, e);
	EACH_JSON(json_close(j_));
	w.open = false;
	w.finished = true;
	tee_done();
	if (!opts.json)
		return code;
	fputc('\n', stdout);
	if (flush_out())
		return code ? code : EXIT_IOERR;
	return code;
}

static void text_label(const char *label)
{
	int indent = w.text_depth > 1 ? (w.text_depth - 1) * 2 : 0;

	fprintf(w.text, "%*s%-*s ", indent, "", LABEL_WIDTH - indent, label);
}

void out_obj_open(const char *key)
{
	EACH_JSON(json_open(j_, key, '{'));
	w.text_depth++;
}

void out_obj_close(void)
{
	EACH_JSON(json_close(j_));
	w.text_depth--;
}

void out_arr_open(const char *key, const char *label)
{
	EACH_JSON(json_open(j_, key, '['));
	if (!to_text())
		return;
	w.in_text_array = label != NULL;
	w.text_array_empty = true;
	if (label)
		text_label(label);
}

void out_arr_close(void)
{
	EACH_JSON(json_close(j_));
	if (to_text() && w.in_text_array)
		fprintf(w.text, "%s\n", w.text_array_empty ? "-" : "");
	w.in_text_array = false;
}

void out_elem_str(const char *val)
{
	EACH_JSON(json_str(j_, NULL, val));
	if (to_text() && w.in_text_array) {
		if (!w.text_array_empty)
			fputc(' ', w.text);
		esc_text(w.text, val);
		w.text_array_empty = false;
	}
}

void out_str(const char *key, const char *label, const char *val)
{
	if (key)
		EACH_JSON(json_str(j_, key, val));
	if (to_text() && label) {
		text_label(label);
		esc_text(w.text, val);
		fputc('\n', w.text);
	}
}

void out_u64(const char *key, const char *label, uint64_t val)
{
	if (key)
		EACH_JSON(json_u64(j_, key, val));
	if (to_text() && label) {
		text_label(label);
		fprintf(w.text, "%" PRIu64 "\n", val);
	}
}

void out_int(const char *key, const char *label, long long val)
{
	if (key)
		EACH_JSON(json_int(j_, key, val));
	if (to_text() && label) {
		text_label(label);
		fprintf(w.text, "%lld\n", val);
	}
}

void out_hex(const char *key, const char *label, uint64_t val)
{
	if (key)
		EACH_JSON(json_u64(j_, key, val));
	if (to_text() && label) {
		text_label(label);
		fprintf(w.text, "0x%" PRIx64 "\n", val);
	}
}

void out_bool(const char *key, const char *label, bool val)
{
	if (key)
		EACH_JSON(json_bool(j_, key, val));
	if (to_text() && label) {
		text_label(label);
		fprintf(w.text, "%s\n", val ? "yes" : "no");
	}
}

void out_null(const char *key, const char *label, const char *text)
{
	if (key)
		EACH_JSON(json_null(j_, key));
	if (to_text() && label) {
		text_label(label);
		fprintf(w.text, "%s\n", text);
	}
}

/*
 * The formats below come from the callers, one value each, as in
 * iproute2's print_*(): each out_fmt_*() documents the type its format
 * takes, and the callers write literals next to the call.
 */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* The text side of a formatted value: fmt NULL prints nothing. */
static void textf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void textf(const char *fmt, ...)
{
	va_list ap;

	if (!to_text() || !fmt)
		return;
	va_start(ap, fmt);
	vfprintf(w.text, fmt, ap);
	va_end(ap);
}

void out_fmt_str(const char *key, const char *fmt, const char *val)
{
	char *esc = NULL;
	size_t len = 0;
	FILE *f;

	if (key)
		EACH_JSON(json_str(j_, key, val));
	if (!to_text() || !fmt)
		return;
	/* Outside text is escaped before it is formatted in. */
	f = open_memstream(&esc, &len);
	if (!f)
		return;
	esc_text(f, val);
	if (fclose(f) == 0)
		fprintf(w.text, fmt, esc);
	free(esc);
}

void out_fmt_u64(const char *key, const char *fmt, uint64_t val)
{
	if (key)
		EACH_JSON(json_u64(j_, key, val));
	textf(fmt, val);
}

void out_fmt_num(const char *key, const char *fmt, double val)
{
	if (key)
		EACH_JSON(json_num(j_, key, val));
	textf(fmt, val);
}

const char *records_fmt(uint64_t n)
{
	static const char *const fmt[] = { " in %" PRIu64 " records", " in %" PRIu64 " record" };

	return fmt[n == 1];
}

const char *size_text(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return buf;
	}
	for (v /= 1024; v >= 1024 && u < ARRAY_SIZE(units) - 1; u++)
		v /= 1024;
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

void out_fmt_size(const char *key, const char *fmt, uint64_t bytes)
{
	char buf[32];

	if (key)
		EACH_JSON(json_u64(j_, key, bytes));
	textf(fmt, size_text(bytes, buf, sizeof(buf)));
}

/* Microseconds as usecs_of() (clock.h) makes them. */
void out_fmt_secs(const char *key, const char *fmt, double secs)
{
	if (key)
		EACH_JSON(json_u64(j_, key, usecs_of(secs)));
	textf(fmt, secs);
}

void out_fmt_bool(const char *key, const char *fmt, bool val)
{
	if (key)
		EACH_JSON(json_bool(j_, key, val));
	textf(fmt, val ? "yes" : "no");
}

void out_line(const char *label, const char *fmt, ...)
{
	va_list ap;

	if (!to_text())
		return;
	text_label(label);
	va_start(ap, fmt);
	vfprintf(w.text, fmt, ap);
	va_end(ap);
	fputc('\n', w.text);
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (!to_text())
		return;
	va_start(ap, fmt);
	vfprintf(w.text, fmt, ap);
	va_end(ap);
}
