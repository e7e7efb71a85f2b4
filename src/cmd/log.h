/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VFIOMIG_LOG_H
#define VFIOMIG_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "ctx.h"
#include "reason.h"

/* The levels of the engine's notes (ctx.h), and errors below them. */
enum { LOG_ERR = 0, LOG_WARN = NOTE_WARN, LOG_INFO = NOTE_INFO, LOG_DEBUG = NOTE_DEBUG };

void vm_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Note a failure that was told some other way (argp's usage errors):
 * it becomes the JSON error object's message if it is the first. */
void log_record_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* The run's first error line and the errno in it (0: none); NULL if none. */
const char *log_first_error(int *err);

/* What a command waits for, as a plain "vfiomig: ..." line (no warning,
 * nothing wrong): to a person at a terminal, or with -v; never with -q. */
void notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Errors always print; "vfiomig: <what failed>: <why>" on one line. */
#define err(...) vm_log(LOG_ERR, __VA_ARGS__)
#define warn(...) vm_log(LOG_WARN, __VA_ARGS__)
#define info(...) vm_log(LOG_INFO, __VA_ARGS__)
#define dbg(...) vm_log(LOG_DEBUG, __VA_ARGS__)

/*
 * The engine's reason for a failure (reason.h), said: each line as an
 * error, with what the user can do (its hint) in the command's words.
 * Returns r; says nothing when why has no lines.
 */
int say_reason(int r, const struct reason *why);
/* The words of a hint, with its leading "; " ("" for none). */
const char *hint_text(enum hint h);
/* The engine's notes, as the observer hears them (text escaped here). */
void log_note(int level, const char *text);

#endif
