/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One printing path for human text and JSON: every field of a report is
 * written once, through these calls. Each names a JSON key and its text:
 * a label ("label  value" lines, out_str() and the like) or a printf
 * format (a piece of a sentence or a table row, out_fmt_*()); a NULL key
 * is text only, a NULL label or format JSON only. JSON mode emits exactly
 * one document per run, on every exit: out_begin() opens it, out_end()
 * flushes what a command reported, and main's out_finish() closes it,
 * with an "error" object when the run failed; a failed run that reported
 * nothing gets a document that is only the error object. The events'
 * RESULT (out_tee()) is the same document, written at the same time.
 */
#ifndef VFIOMIG_OUTPUT_H
#define VFIOMIG_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void out_begin(void);
int out_end(void);
/* Close the run's document (JSON): exit code, and the errno to name when
 * the first error line names none. Returns the exit code to use. */
int out_finish(int code, int e);
/*
 * The last step of every run (util-linux's close_stdout): stdout is
 * flushed and checked; a failure not reported yet is said, and a run that
 * had succeeded exits EXIT_IOERR. Returns the exit code to use.
 */
int out_close(int code);
/* Where a failure left a device (state_known 0: unknown), for the error
 * object. */
void out_note_device(const char *name, int state_known, const char *state);

/*
 * A second sink for the run's document: written compact (in text mode
 * too) and handed whole to fn when it closes, in out_finish(). The events
 * module's RESULT.
 */
void out_tee(void (*fn)(const char *doc));
/* Text goes to f (default stdout): save's report when stdout is its
 * stream; NULL: no text at all (a failed command's report is its error). */
void out_text_to(FILE *f);
/* s as a JSON string on f, with the document's escaping rules. */
void out_json_str(FILE *f, const char *s);

void out_obj_open(const char *key);
void out_obj_close(void);
void out_arr_open(const char *key, const char *label);
void out_arr_close(void);

void out_str(const char *key, const char *label, const char *val);
void out_u64(const char *key, const char *label, uint64_t val);
void out_int(const char *key, const char *label, long long val);
void out_bool(const char *key, const char *label, bool val);
void out_null(const char *key, const char *label, const char *text);
/* A number in JSON, "0x.." in text. */
void out_hex(const char *key, const char *label, uint64_t val);
/* An element of the enclosing array: a string. */
void out_elem_str(const char *val);

/* key: val in JSON; printf(fmt, val) in text (val escaped; a bool as
 * "yes" or "no" through %s). */
void out_fmt_str(const char *key, const char *fmt, const char *val);
void out_fmt_u64(const char *key, const char *fmt, uint64_t val);
void out_fmt_num(const char *key, const char *fmt, double val);
/* A size: bytes in JSON (key should end in _bytes), as people read it
 * for fmt's %s ("96 B", "64.0 MiB"). */
void out_fmt_size(const char *key, const char *fmt, uint64_t bytes);
const char *size_text(uint64_t bytes, char *buf, size_t len);
/* " in %" PRIu64 " record" or "... records", as N asks. */
const char *records_fmt(uint64_t n);
/* A duration: microseconds in JSON (key should end in _usecs), seconds
 * (a double) for fmt. */
void out_fmt_secs(const char *key, const char *fmt, double secs);
void out_fmt_bool(const char *key, const char *fmt, bool val);

/* A "label  value" line in text mode only, indented like the others. */
void out_line(const char *label, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Plain text, only in text mode. */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
