// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The expected downtime of a switchover (mig-estimate.h): arithmetic on
 * what the devices, the probe and the arcs so far said. Owns the model
 * and nothing else: it reads no device and speaks no protocol.
 */
#include "fsm.h"
#include "mig-estimate.h"

/* Round trips in the downtime: STOPPED .. LOADED, COMMIT .. RUNNING. */
#define RTTS 2

unsigned int hops(uint32_t from, uint32_t to, uint64_t flags)
{
	uint32_t path[FSM_MAX_PATH];
	int n = 0;

	return fsm_plan(from, to, flags, path, &n) == PLAN_OK ? (unsigned int)n : 1;
}

void arcs_sum(const struct mgroup *g, double *secs, unsigned int *n)
{
	*secs = 0;
	*n = 0;
	for (int i = 0; i < g->log.n; i++) {
		const struct arc_time *a = &g->log.arc[i];

		*secs += a->secs;
		*n += hops(a->from, a->to, g->dev[a->dev].s.d.flags);
	}
}

/* One device's state changes at the means; < 0 when neither side has one. */
static double dev_arcs(const struct est_input *in, const struct est_arcs *a)
{
	/* Both ends are the same kind of device: one side's mean stands for
	 * the other's until it has its own. */
	double src = a->src >= 0 ? a->src : a->dst, dst = a->dst >= 0 ? a->dst : a->src;

	if (src < 0)
		return -1;
	return in->src_hops * src + in->dst_hops * dst;
}

static void one_device(struct dev_estimate *d, const struct est_input *in, double link,
		       const struct est_arcs *a)
{
	double rate = in->rate > 0 && in->rate < link ? in->rate : link;
	double arcs = dev_arcs(in, a);

	d->sized = in->sized;
	d->size = in->sized ? in->size : 0;
	d->bytes = in->sized && in->size > in->left ? in->size : in->left;
	d->secs = rate > 0 ? d->bytes / rate : 0;
	d->data_recorded = in->recorded_data;
	d->unrecorded = in->whole && in->recorded < 0 && in->recorded_data < 0;
	if (in->recorded_data > d->secs)
		d->secs = in->recorded_data;
	d->downtime = !in->sized ? -1 : d->secs + (arcs > 0 ? arcs : 0) +
		      (in->recorded > 0 ? in->recorded : 0);
}

void estimate_make(struct estimate *e, struct dev_estimate *d, const struct est_input *in,
		   unsigned int n, const struct link *l, const struct est_arcs *a)
{
	double slowest = 0, arcs = -1, recorded = -1, data = -1;
	unsigned int i;

	e->known = true;
	e->bytes = 0;
	for (i = 0; i < n; i++) {
		double da = dev_arcs(&in[i], a);

		one_device(&d[i], &in[i], l->rate, a);
		e->known &= in[i].sized;
		e->bytes += d[i].bytes;
		if (d[i].secs > slowest)
			slowest = d[i].secs;
		/* Every device takes each step at once (mgroup_goto()). */
		if (da > arcs)
			arcs = da;
		if (in[i].recorded > recorded)
			recorded = in[i].recorded;
		if (in[i].recorded_data > data)
			data = in[i].recorded_data;
	}
	e->state_changes = arcs < 0 && recorded < 0 ? -1 :
			   (arcs > 0 ? arcs : 0) + (recorded > 0 ? recorded : 0);
	e->recorded = recorded;
	e->data_recorded = data;
	/* One link for all: the sum at its rate, unless a device is slower. */
	e->secs = l->rate > 0 && e->bytes / l->rate > slowest ? e->bytes / l->rate : slowest;
	e->downtime = !e->known ? -1 :
		      e->secs + (e->state_changes > 0 ? e->state_changes : 0) + RTTS * l->rtt;
	e->rtt = l->rtt;
	e->link_rate = l->rate;
	e->probe_bytes = l->bytes;
	e->probe_secs = l->secs;
	e->ndev = n;
	e->dev = d;
}
