/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIGINT and SIGTERM: the one place that catches them. A signal fills
 * the run's cancellation (ctx.h: a flag, and a pipe that becomes
 * readable), which the engine's waits poll; the commands read it here.
 * Owns no policy: what an interrupted command unwinds is its own.
 */
#ifndef VFIOMIG_SIG_H
#define VFIOMIG_SIG_H

#include <stdbool.h>

#include "ctx.h"

/* Install the handlers (no SA_RESTART: blocking calls return EINTR) and
 * ignore SIGPIPE: a closed output is an error we report. */
void sig_catch(void);
/* The signal that came (SIGINT, SIGTERM), or 0. */
int sig_caught(void);
/* Readable once a signal came; -1 before sig_catch(). */
int sig_fd(void);
/* The cancellation the engine is handed (struct vm_ctx). */
const struct cancel *sig_cancel(void);

#endif
