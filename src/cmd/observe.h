/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine's observer (ctx.h), as the tool hears it: notes become log
 * lines, the run's arcs, progress, passes, switchover and downtime become
 * events (--events), and progress a line on the terminal for a command
 * that shows it.
 */
#ifndef VFIOMIG_OBSERVE_H
#define VFIOMIG_OBSERVE_H

#include <stdbool.h>

#include "ctx.h"

extern const struct observer observer;

/* Show progress on stderr (save, restore with --progress or a terminal). */
void observe_progress(bool on);

#endif
