/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIGINT and SIGTERM: the one place that catches them. A signal sets a
 * flag and makes a pipe readable, so that a wait can both see the flag
 * between calls and wake from poll() at once (put sig_fd() in its set).
 * Owns no policy: what an interrupted command unwinds is its own.
 */
#ifndef VFIOMIG_SIG_H
#define VFIOMIG_SIG_H

/* Install the handlers (no SA_RESTART: blocking calls return EINTR) and
 * ignore SIGPIPE: a closed output is an error we report. */
void sig_catch(void);
/* The signal that came (SIGINT, SIGTERM), or 0. */
int sig_caught(void);
/* Readable once a signal came; -1 before sig_catch(). */
int sig_fd(void);

#endif
