// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * After a migration, what its save (source) or load (destination) took,
 * into the host's record (arc-record.h), for the next migration's
 * estimate: the arcs, and the device's own time for its data (the
 * source's stop-copy reads, the destination's writes). Only what saves
 * or loads a whole state is kept (per_byte()): that of devices without
 * pre-copy (the destination knows from HELLO), and the load arcs of the
 * others apart. Failing to keep it fails nothing.
 */
#include <string.h>

#include "arc-record.h"
#include "fsm.h"
#include "mig.h"

/*
 * Seconds a byte of its whole state, or < 0: a figure not kept. After
 * pre-copy, the save arc and the reads and writes in the downtime move
 * only what it left; its load arc is kept apart (ARC_LOAD_PRECOPY), as
 * some drivers load the whole state there whether it came early or not
 * (mtty), others only the last piece: counted as measured, whatever
 * pre-copy moved (dirty bytes again), it is compared as it is.
 */
static double per_byte(const struct mig_dev *m, enum arc_kind kind, double secs)
{
	if (m->precopy != (kind == ARC_LOAD_PRECOPY) || secs < 0)
		return -1;
	if (kind == ARC_LOAD_PRECOPY)
		return secs;
	return secs / (m->bytes ? m->bytes : 1);
}

/* Of the devices of one driver, the slowest for its bytes is kept (the
 * longest, for ARC_LOAD_PRECOPY). */
static bool slower_before(const struct mgroup *g, unsigned int i, const double *pb)
{
	for (unsigned int j = 0; j < i; j++)
		if (pb[j] > pb[i] &&
		    !strcmp(g->dev[j].s.d.info.driver, g->dev[i].s.d.info.driver))
			return true;
	return false;
}

/* Each device's figure of @kind, the slowest of its driver's, into @f. */
static unsigned int figures(const struct mgroup *g, enum arc_kind kind, struct arc_fig *f)
{
	double secs[DEVS_MAX], pb[DEVS_MAX];
	unsigned int n = 0;

	/* Each device's time once: the log holds every device's arcs. */
	for (unsigned int i = 0; i < g->n; i++) {
		bool data = kind == ARC_READ || kind == ARC_WRITE;

		secs[i] = data ? g->dev[i].data_secs : arclog_secs(&g->log, i, kind);
		pb[i] = per_byte(&g->dev[i], kind, secs[i]);
	}
	for (unsigned int i = 0; i < g->n; i++) {
		const struct mig_dev *m = &g->dev[i];

		if (pb[i] >= 0 && !slower_before(g, i, pb))
			f[n++] = (struct arc_fig){ .kind = kind, .driver = m->s.d.info.driver,
						   .bytes = m->bytes, .secs = secs[i] };
	}
	return n;
}

void mgroup_record_arcs(struct mgroup *g, enum arc_kind kind)
{
	struct arc_fig f[3 * DEVS_MAX];
	unsigned int n = figures(g, kind, f);

	n += figures(g, kind == ARC_SAVE ? ARC_READ : ARC_WRITE, f + n);
	if (kind == ARC_LOAD)
		n += figures(g, ARC_LOAD_PRECOPY, f + n);
	if (n)
		arcrec_keep(g->x, g->side->cmd, f, n);
}
