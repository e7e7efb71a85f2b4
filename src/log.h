/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VFIOMIG_LOG_H
#define VFIOMIG_LOG_H

#include <stdio.h>

enum { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void vm_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Errors always print; "vfiomig: <what failed>: <why>" on one line. */
#define err(...) vm_log(LOG_ERR, __VA_ARGS__)
#define warn(...) vm_log(LOG_WARN, __VA_ARGS__)
#define info(...) vm_log(LOG_INFO, __VA_ARGS__)
#define dbg(...) vm_log(LOG_DEBUG, __VA_ARGS__)

/* "EINVAL (Invalid argument)" for a positive or negative errno. */
const char *errstr(int e);

#endif
