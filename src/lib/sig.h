/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIGINT and SIGTERM: the one place that catches them. A signal sets a
 * flag and makes a pipe readable, so that a wait can both see the flag
 * between calls and wake from poll() at once (put sig_fd() in its set).
 * Owns no policy: what an interrupted command unwinds is its own.
 */
#ifndef VFIOMIG_SIG_H
#define VFIOMIG_SIG_H

#include <pthread.h>
#include <stdbool.h>

/* Install the handlers (no SA_RESTART: blocking calls return EINTR) and
 * ignore SIGPIPE: a closed output is an error we report. */
void sig_catch(void);
/* The signal that came (SIGINT, SIGTERM), or 0. */
int sig_caught(void);
/* Readable once a signal came; -1 before sig_catch(). */
int sig_fd(void);

/*
 * Cancel a thread's blocking wait that no fd can wake (a read of a data
 * fd waiting for a driver): its system call returns EINTR, and in that
 * thread sig_cancelled() is true from then on. A call that started just
 * before may still block: call again until the thread is gone.
 */
void sig_interrupt(pthread_t t);
bool sig_cancelled(void);

#endif
