/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The report of a migration, source or destination (mig-report.c). */
#ifndef VFIOMIG_MIG_REPORT_H
#define VFIOMIG_MIG_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "mig.h"

/* What both sides report (text, or -j). */
struct mig_summary {
	const char *verb;        /* "migrated" / "received" */
	const char *dir;         /* "to" / "from" */
	const char *peer;
	bool ok, committed, insecure;
	double secs;             /* the transfer: from the connection to the end */
	double wait;             /* before it, waiting for the peer; < 0: none */
	double downtime;         /* < 0: not measured */
	double peer_downtime;    /* the destination's part, as it reported */
	bool source;             /* the side that decides the switchover */
	bool converged;          /* the source's: null on the destination */
	uint64_t remaining;      /* pre-copy bytes left at the stop (source) */
};

int mig_report(struct mgroup *g, const struct mig_summary *s);

/* The lines of what failed (the engine's reasons, in the order they
 * came), then, with where, where each device was left (none_touched:
 * one line "<none_touched>: no device was touched" when none had moved). */
void mig_say(const struct mgroup *g, const char *none_touched, bool where);

#endif
