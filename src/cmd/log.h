/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VFIOMIG_LOG_H
#define VFIOMIG_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void vm_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Note a failure that was told some other way (argp's usage errors):
 * it becomes the JSON error object's message if it is the first. */
void log_record_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* The run's first error line and the errno in it (0: none); NULL if none. */
const char *log_first_error(int *err);

/* Errors always print; "vfiomig: <what failed>: <why>" on one line. */
#define err(...) vm_log(LOG_ERR, __VA_ARGS__)
#define warn(...) vm_log(LOG_WARN, __VA_ARGS__)
#define info(...) vm_log(LOG_INFO, __VA_ARGS__)
#define dbg(...) vm_log(LOG_DEBUG, __VA_ARGS__)

/* A reason a silent layer hands up for its caller to print: why is a
 * buffer of VDEV_WHY bytes (device.h) or the size the callee documents. */
void why_set(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The caller's side: print why when r is a failure that gave one; r. */
int say_why(int r, const char *why);

/* "EINVAL (Invalid argument)" for a positive or negative errno. */
const char *errstr(int e);

#endif
