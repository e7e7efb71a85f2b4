// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * After a migration, what its save (source) or load (destination) took,
 * into the host's record (arc-record.h), for the next migration's
 * estimate: the arcs, and the device's own time for its data (the
 * source's stop-copy reads, the destination's writes). Only what saves
 * or loads a whole state is kept (per_byte()): that of devices without
 * pre-copy (the destination knows from HELLO), and the load arcs of all.
 * Failing to keep it fails nothing.
 */
#include <string.h>

#include "arc-record.h"
#include "fsm.h"
#include "mig.h"

/* Device @i's logged arcs that save (into stop_copy) or load its state. */
static double arc_secs(const struct mgroup *g, unsigned int i, enum arc_kind kind)
{
	double secs = -1;

	for (int k = 0; k < g->log.n; k++) {
		const struct arc_time *a = &g->log.arc[k];
		bool wanted = kind == ARC_SAVE ? a->to == ST_STOP_COPY :
				 a->from == ST_RESUMING && a->to == ST_STOP;

		if (a->dev == i && wanted)
			secs = (secs > 0 ? secs : 0) + a->secs;
	}
	return secs;
}

/*
 * Seconds a byte of its whole state, or < 0: a figure not kept. After
 * pre-copy, the save arc and the reads and writes in the downtime move
 * only what it left; the load arc is kept, as some drivers load the whole
 * state there whether it came early or not (mtty), others only the last
 * piece: per byte of the whole, the record says which.
 */
static double per_byte(const struct mig_dev *m, enum arc_kind kind, double secs)
{
	if ((m->precopy && kind != ARC_LOAD) || secs < 0)
		return -1;
	return secs / (m->bytes ? m->bytes : 1);
}

/* Of the devices of one driver, the slowest for its bytes is kept. */
static bool slower_before(const struct mgroup *g, unsigned int i, const double *pb)
{
	for (unsigned int j = 0; j < i; j++)
		if (pb[j] > pb[i] &&
		    !strcmp(g->dev[j].s.d.info.driver, g->dev[i].s.d.info.driver))
			return true;
	return false;
}

/* Each device's time of @kind into @a: how many records changed. */
static unsigned int put_kind(const struct mgroup *g, struct arc_records *a,
			     enum arc_kind kind)
{
	double secs[DEVS_MAX], pb[DEVS_MAX];
	unsigned int kept = 0;

	/* Each device's time once: the log holds every device's arcs. */
	for (unsigned int i = 0; i < g->n; i++) {
		bool data = kind == ARC_READ || kind == ARC_WRITE;

		secs[i] = data ? g->dev[i].data_secs : arc_secs(g, i, kind);
		pb[i] = per_byte(&g->dev[i], kind, secs[i]);
	}
	for (unsigned int i = 0; i < g->n; i++) {
		const struct mig_dev *m = &g->dev[i];

		if (pb[i] >= 0 && !slower_before(g, i, pb))
			kept += arcrec_put(a, kind, m->s.d.info.driver, m->bytes, secs[i]);
	}
	return kept;
}

void mgroup_record_arcs(struct mgroup *g, enum arc_kind kind)
{
	const char *dir = g->x->state_dir;
	struct arc_records a;
	unsigned int kept;
	int lk = arcrec_lock(dir), r;

	if (lk < 0) {
		note_dbg(g->x, "%s: the arcs measured are not kept in %s: %s", g->side->cmd,
			 dir, errstr(lk));
		return;
	}
	r = arcrec_load(&a, dir);
	if (r)
		note_dbg(g->x, "%s: the record of earlier arcs in %s/arcs is replaced: %s",
			 g->side->cmd, dir, errstr(r));
	kept = put_kind(g, &a, kind);
	kept += put_kind(g, &a, kind == ARC_SAVE ? ARC_READ : ARC_WRITE);
	r = kept ? arcrec_store(&a, dir) : 0;
	if (r)
		note_dbg(g->x, "%s: the arcs measured are not kept in %s/arcs: %s",
			 g->side->cmd, dir, errstr(r));
	arcrec_unlock(lk);
}
