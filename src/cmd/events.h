/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event stream for orchestrators (--events FD|FILE): one JSON object
 * a line, {"event": NAME, "timestamp": {"seconds", "microseconds"},
 * "data": {...}}, written as things happen. The vocabulary follows QEMU's
 * MIGRATION and MIGRATION_PASS events and query-migrate (vfiomig(8),
 * EVENTS). Every ev_* call does nothing while no stream is open, may be
 * made from any thread (lines never interleave), and never fails: a
 * stream that cannot be written (its reader gone) is closed with one
 * warning and the command goes on.
 *
 * A command that takes --events adds events_argp as an argp child, then
 * calls events_open() once after parsing; its arcs (session.c) and its
 * progress (pump.c) then appear without further calls. check --soak can
 * do the same, then ev_status() for its phases and ev_end() at the end.
 */
#ifndef VFIOMIG_EVENTS_H
#define VFIOMIG_EVENTS_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"

/* --events FD|FILE, for a command's argp children. */
extern const struct argp events_argp;

/*
 * Open what --events named (nothing when it was not given): a number is
 * a file descriptor, which must be open for writing and not 0, 1 or 2;
 * anything else is a file, created with mode 0600 (truncated if it
 * exists). Also asks output.c for the run's JSON document, which becomes
 * the RESULT event. 0, or -VM_E_USAGE with the error line printed.
 */
int events_open(const char *cmd);
bool events_on(void);

/* MIGRATION: status is one of QEMU's MigrationStatus names. */
void ev_status(const char *status);
/* MIGRATION completed, failed (r < 0) or cancelled (interrupted). */
void ev_end(int r);
/* ARC: one SET of the device state; r is 0 or the -errno it failed with. */
void ev_arc(const char *dev, const char *from, const char *to, double secs, int r);
/* PROGRESS of one device's data: total 0 when unknown; last: its end. */
void ev_progress(const char *dev, uint64_t done, uint64_t total, double secs, bool last);
/* MIGRATION_PASS: a pre-copy round of one device ended. */
void ev_pass(const char *dev, unsigned int pass, uint64_t precopy_bytes,
	     uint64_t initial_bytes, uint64_t dirty_bytes);

/* SWITCHOVER: why pre-copy ended, with the figures it was decided on. */
void ev_switchover(const struct switchover *s);
/* ESTIMATE: the estimate before anything moves (migrate, receive). */
void ev_estimate(const struct estimate *e);
/* DOWNTIME: as measured here, and as the peer measured it (< 0: none);
 * the expected downtime and the limit (< 0: not known here). */
void ev_downtime(double secs, double peer_secs, double expected, double limit);

#endif
