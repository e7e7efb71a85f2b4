/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The downtime promise: the link as a short probe measures it before
 * anything moves (mig-probe.c), and the expected downtime of a switchover
 * from what each device must still move, the rate it moves at, the state
 * changes and the round trips (mig-estimate.c). migrate decides with it
 * (mig-src.c); --dry-run prints it.
 */
#ifndef VFIOMIG_MIG_ESTIMATE_H
#define VFIOMIG_MIG_ESTIMATE_H

#include <stdbool.h>
#include <stdint.h>

#include "arc-record.h"
#include "ctx.h"
#include "mig.h"

/*
 * The probe sends as many bytes as the devices' estimates add up to,
 * within PROBE_MIN and PROBE_MAX, for at most PROBE_SECS, in pieces of
 * PROBE_CHUNK as the data goes (large writes), and ends once the
 * destination says it read them all: on a link slower than PROBE_MAX /
 * PROBE_SECS (256 MiB/s) time ends it.
 */
#define PROBE_MIN (1u << 20)
#define PROBE_MAX (64u << 20)
#define PROBE_SECS 0.25
#define PROBE_CHUNK (1u << 20)

/* The link, as measured before anything moves. */
struct link {
	double rtt;          /* our last IDENTITY to the peer's first, seconds */
	uint64_t bytes;      /* the probe's */
	double secs;         /* from its first byte sent to PROBED */
	double rate;         /* bytes / secs */
};

/*
 * Source: the probe of want bytes (within the bounds above), until the
 * destination answers, with what its host recorded of its devices' loads
 * (@peer; none from an older one). 0 or a code, told in g->why.
 */
int probe_send(struct mgroup *g, struct chan *ctl, uint64_t want, struct link *l,
	       struct arc_records *peer);
/* Destination: read the probe and answer it, each frame within ms, with
 * what @rec (its host's record) holds of its devices' loads, and of their
 * saves when the source asked for a measure (@saves). */
int probe_answer(struct mgroup *g, struct chan *ctl, int ms, struct link *l,
		 const struct arc_records *rec, bool saves);

/*
 * PROBED's figures (after its byte count) for @n devices whose drivers
 * are @drv[i], into @peer (emptied), each bounded as arcrec_put() bounds
 * it: none from a body of neither length PROBED has for @n devices. The
 * source's decoder, which the fuzz target drives too.
 */
void probed_decode(const struct msg *m, unsigned int n, const char *const *drv,
		   struct arc_records *peer);

/* START's and ESTIMATE's body: e's totals (not its devices). */
void estimate_encode(const struct estimate *e, struct msg *m);
/* 0, or -EPROTO for a body that is not one. */
int estimate_decode(const struct msg *m, struct estimate *e);

/* What one device brings to the decision. */
struct est_input {
	bool sized;          /* the driver gave a stop-copy estimate */
	uint64_t size;       /* its last one (MIG_DATA_SIZE) */
	uint64_t left;       /* pre-copy: initial + dirty bytes, as last told */
	double rate;         /* bytes a second it moved its data at; 0: unknown */
	unsigned int src_hops, dst_hops; /* the arcs of its downtime, hop by hop */
	/* As earlier migrations recorded its driver (arc-record.h), scaled
	 * to its size; < 0: none. Its save and load arcs, one after the
	 * other (with pre-copy: the load arc alone): */
	double recorded;
	/* and, without pre-copy, its own time for its data, the source's
	 * reads and the destination's writes, which overlap: */
	double recorded_data;
	bool whole;          /* no pre-copy: all of it moves in the downtime */
};

/* The mean time of one hop of a state change on either side (< 0: none
 * measured). */
struct est_arcs {
	double src, dst;
};

/*
 * e (and d[0..n-1], names left as they are) from the devices' inputs.
 * Each device must still move the larger of its pre-copy left and its
 * stop-copy estimate, at its own rate but never faster than the link,
 * and in no less than the time recorded for its data;
 * moving them all takes the slowest device's time or the link's for the
 * sum, whichever is longer. The downtime adds the state changes in it,
 * the longest device's (every device takes a step at once): its hops on
 * each side at their mean as measured so far, and the recorded save and
 * load arcs (with pre-copy, the load arc); and two round trips
 * (STOPPED .. RUNNING). A device without an estimate makes the downtime
 * unknown.
 */
void estimate_make(struct estimate *e, struct dev_estimate *d, const struct est_input *in,
		   unsigned int n, const struct link *l, const struct est_arcs *a);

/* The time of the group's arcs so far and the hops the kernel walked in
 * them (a request may walk several). */
void arcs_sum(const struct mgroup *g, double *secs, unsigned int *hops);
/* Hops from one state to another on a device with flags. */
unsigned int hops(uint32_t from, uint32_t to, uint64_t flags);

#endif
