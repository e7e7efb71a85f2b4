// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The source's downtime promise (mig-src.h): the estimate before anything
 * moves, and whether the downtime a switchover would take now fits
 * --downtime-limit. A migration that cannot fit stops no device: it says
 * so, with its figures and what the user can do, and ends. Reads the
 * devices' figures under the group's lock (their threads keep them);
 * the arithmetic is mig-estimate.c's.
 */
#include <errno.h>
#include <stdio.h>

#include "clock.h"
#include "fsm.h"
#include "mig-src.h"

/* Every device's stop-copy estimate, before any thread runs. */
static void read_sizes(struct msrc *s)
{
	for (unsigned int i = 0; i < s->g.n; i++) {
		struct mig_dev *d = &s->g.dev[i];
		int r = vdev_data_size(&d->s.d, &d->size);

		d->sized = !r;
		if (r)
			note_dbg(s->g.x, "%s %s: no stop-copy estimate: %s", s->g.side->cmd,
				 d->s.d.info.name, errstr(r));
		s->start_dev[i].dev = s->now_dev[i].dev = d->s.d.info.name;
	}
}

/*
 * The hops of a device's state changes in the downtime: to its p2p grace
 * state and on to stop_copy here; resuming -> stop -> running_p2p ->
 * running on the destination (a device of the same kind).
 */
static void downtime_hops(const struct mig_dev *d, struct est_input *in)
{
	uint64_t f = d->s.d.flags;
	bool p2p = f & MIG_P2P;
	uint32_t from = d->precopy ? ST_PRE_COPY : d->s.cur;
	uint32_t grace = !p2p ? from : d->precopy ? ST_PRE_COPY_P2P : ST_RUNNING_P2P;
	uint32_t dst_grace = p2p ? ST_RUNNING_P2P : ST_STOP;

	in->src_hops = hops(from, grace, f) + hops(grace, ST_STOP_COPY, f);
	in->dst_hops = hops(ST_RESUMING, ST_STOP, f) + hops(ST_STOP, dst_grace, f) +
		       hops(dst_grace, ST_RUNNING, f);
}

/*
 * @drv's @kind as the record @first holds it, else as @second does; < 0:
 * neither. bytes 0: unscaled. What the destination does (a load, its
 * writes) comes first from its own host's record (PROBED, mig-probe.c),
 * what this host does (a save, its reads) from ours.
 */
static double either(const struct arc_records *first, const struct arc_records *second,
		     enum arc_kind kind, const char *drv, uint64_t bytes)
{
	const struct arc_records *v[] = { first, second };

	for (int i = 0; i < 2; i++) {
		double secs = bytes ? arcrec_secs(v[i], kind, drv, bytes) :
			      arcrec_measured(v[i], kind, drv);

		if (secs >= 0)
			return secs;
	}
	return -1;
}

/*
 * A device with pre-copy: its load arc as the last of its driver's
 * recorded it (mig-record.c), unscaled: what pre-copy moved is not the
 * state's size (dirty bytes come again). The rest of its downtime
 * pre-copy measured.
 */
static double recorded_load(const struct msrc *s, const struct mig_dev *d)
{
	return d->sized ? either(&s->peer_rec, &s->rec, ARC_LOAD_PRECOPY, d->s.d.info.driver,
				 0) : -1;
}

/*
 * A device without pre-copy saves and loads its whole state in the
 * downtime, in arcs and reads and writes nothing before the switchover
 * measures: what an earlier migration of its driver recorded, scaled to
 * its estimate; the destination's part as its host recorded it, when it
 * did, and the save as the destination measured it when this host has
 * none. The destination's device is of the same kind: one side's figure
 * stands for the other's when only one is known. The arcs come one after
 * the other. The data's reads and writes (@data) overlap
 * but for one record (MIG_BUF): the first read, or the last write,
 * whichever is shorter (a state of one record is read whole, then
 * written whole).
 */
static double recorded(const struct msrc *s, const struct mig_dev *d, bool data)
{
	const char *drv = d->s.d.info.driver;
	/* The destination's saves: measured there before it agreed
	 * (mig-measure.c). */
	double save = either(&s->rec, &s->peer_rec, data ? ARC_READ : ARC_SAVE, drv, d->size);
	double load = either(&s->peer_rec, &s->rec, data ? ARC_WRITE : ARC_LOAD, drv, d->size);
	double first = d->size > MIG_BUF ? (double)MIG_BUF / (double)d->size : 1;

	if (!d->sized || (save < 0 && load < 0))
		return -1;
	save = save >= 0 ? save : load;
	load = load >= 0 ? load : save;
	if (!data)
		return save + load;
	return save > load ? save + load * first : load + save * first;
}

/* What each device said last; pre-copy's figures once it moves (moving). */
static void inputs(struct msrc *s, struct est_input *in, bool moving)
{
	mgroup_lock(&s->g);
	for (unsigned int i = 0; i < s->g.n; i++) {
		const struct mig_dev *d = &s->g.dev[i];

		in[i] = (struct est_input){
			.sized = d->sized, .size = d->size,
			.left = moving && d->precopy ? d->initial_left + d->dirty : 0,
			/* 0 until a pass says: the link's rate stands */
			.rate = d->best_rate,
			.recorded = d->precopy ? recorded_load(s, d) : recorded(s, d, false),
			.recorded_data = d->precopy ? -1 : recorded(s, d, true),
			.whole = !d->precopy,
		};
		downtime_hops(d, &in[i]);
	}
	mgroup_unlock(&s->g);
}

static int tell(struct msrc *s, uint32_t type)
{
	struct msg m;
	int r;

	estimate_encode(&s->start, &m);
	r = mctl_send(&s->g, &s->ctl, type, m.body, m.len);
	if (r)
		return fail_from(&s->g.why, FROM_PEER, -ECONNRESET, "%s: the control "
				 "connection %s %s: %s", s->g.side->cmd, s->g.side->dir,
				 s->ctl.peer, errstr(r));
	return 0;
}

/* A device that gives no estimate: no downtime can be promised. */
static int unsized(struct msrc *s)
{
	for (unsigned int i = 0; i < s->g.n; i++) {
		const struct mig_dev *d = &s->g.dev[i];

		if (d->sized)
			continue;
		snprintf(s->g.told, sizeof(s->g.told), "the source cannot promise a "
			 "downtime: a device gives no stop-copy estimate");
		fail(&s->g.why, -VM_E_DOWNTIME, "%s %s: the driver gives no stop-copy "
		     "estimate (VFIO_DEVICE_FEATURE_MIG_DATA_SIZE): no downtime can be "
		     "promised", s->g.side->cmd, d->s.d.info.name);
		reason_hint(&s->g.why, HINT_DOWNTIME);
		return -VM_E_DOWNTIME;
	}
	return 0;
}

/*
 * What pre-copy cannot lower, before anything moves: the devices without
 * it must move their whole estimate in the downtime. A limit those alone
 * exceed is refused at once.
 */
static int never_fits(struct msrc *s)
{
	struct est_arcs none = { -1, -1 };
	struct est_input in[DEVS_MAX];
	double limit = s->a->downtime_limit;

	if (!limit)
		return 0;
	if (unsized(s))
		return -VM_E_DOWNTIME;
	inputs(s, in, false);
	/* Pre-copy may lower the rest, and a driver may load it as it comes. */
	for (unsigned int i = 0; i < s->g.n; i++)
		if (s->g.dev[i].precopy) {
			in[i].size = 0;
			in[i].recorded = -1;
		}
	estimate_make(&s->now, s->now_dev, in, s->g.n, &s->link, &none);
	s->now.downtime_limit = limit;
	return s->now.downtime > limit ? src_over_limit(s, 0, 0) : 0;
}

uint32_t src_read_record(struct msrc *s)
{
	int r = arcrec_load(&s->rec, s->g.x->state_dir);
	bool none = false;

	if (r)
		note_warn(s->g.x, "%s: the record of earlier arcs in %s/arcs is ignored: %s",
			  s->g.side->cmd, s->g.x->state_dir, errstr(r));
	for (unsigned int i = 0; i < s->g.n; i++) {
		const struct mig_dev *d = &s->g.dev[i];

		none |= !d->precopy && !arcrec_whole_known(&s->rec, d->s.d.info.driver);
	}
	if (!none)
		return 0;
	return HELLO_SAVES | (s->a->downtime_limit && !s->a->dry_run ? HELLO_MEASURE : 0);
}

int src_estimate_start(struct msrc *s)
{
	struct est_arcs none = { -1, -1 };
	struct est_input in[DEVS_MAX];
	uint64_t want = 0;
	int r;

	read_sizes(s);
	for (unsigned int i = 0; i < s->g.n; i++)
		want += s->g.dev[i].sized ? s->g.dev[i].size : 0;
	r = probe_send(&s->g, &s->ctl, want, &s->link, &s->peer_rec);
	if (r)
		return r;
	inputs(s, in, false);
	estimate_make(&s->start, s->start_dev, in, s->g.n, &s->link, &none);
	s->start.dry_run = s->a->dry_run;
	s->start.downtime_limit = s->a->downtime_limit;
	obs_estimate(s->g.x, &s->start);
	if (s->a->dry_run)
		return tell(s, MSG_ESTIMATE);
	r = never_fits(s);
	return r ? r : tell(s, MSG_START);
}

bool src_fits(struct msrc *s)
{
	struct est_arcs a = { -1, s->arcs.dst };
	struct est_input in[DEVS_MAX];
	double limit = s->a->downtime_limit;
	unsigned int n;
	double secs;

	arcs_sum(&s->g, &secs, &n);
	if (n)
		a.src = secs / n;
	inputs(s, in, true);
	estimate_make(&s->now, s->now_dev, in, s->g.n, &s->link, &a);
	s->now.downtime_limit = limit;
	return !limit || (s->now.known && s->now.downtime <= limit);
}

void src_switchover(struct msrc *s, const char *reason, double secs, uint64_t sent)
{
	double limit = s->a->downtime_limit;
	struct switchover e = {
		.reason = reason, .precopy_secs = secs, .sent = sent,
		.remaining = s->remaining, .rate = secs > 0 ? sent / secs : 0,
		.downtime_limit = limit, .acked = s->acked,
		.stop_copy_bytes = s->now.bytes, .expected_downtime = s->now.downtime,
		.state_changes = s->now.state_changes, .recorded = s->now.recorded,
		.data_recorded = s->now.data_recorded,
		.link_rate = s->link.rate,
		.over_limit = limit > 0 && (s->now.downtime < 0 || s->now.downtime > limit),
	};

	s->decided = true;
	obs_switchover(s->g.x, &e);
}

/* "after 60.0 s of pre-copy", or nothing before it began. */
static const char *when(double secs, char *buf, size_t len)
{
	if (secs > 0)
		snprintf(buf, len, " after %.1f s of pre-copy", secs);
	else
		snprintf(buf, len, " before anything moved");
	return buf;
}

/*
 * "; state changes 5.0 ms; as recorded in DIR/arcs: the devices' data
 * 300.0 ms, their save and load arcs 3.0 ms", each part when it counts;
 * "DIR/arcs and by the destination" when its host sent figures (PROBED).
 */
static void recorded_text(const struct msrc *s, char *buf, size_t len)
{
	const struct estimate *e = &s->now;
	size_t n = 0;

	if (e->state_changes >= 0)
		n += (size_t)snprintf(buf, len, "; state changes %.1f ms", e->state_changes * 1e3);
	if (n < len && (e->data_recorded >= 0 || e->recorded >= 0))
		n += (size_t)snprintf(buf + n, len - n, "; as recorded in %s/arcs%s:",
				      s->g.x->state_dir,
				      s->peer_rec.n ? " and by the destination" : "");
	if (n < len && e->data_recorded >= 0)
		n += (size_t)snprintf(buf + n, len - n, " the devices' data %.1f ms%s",
				      e->data_recorded * 1e3, e->recorded >= 0 ? "," : "");
	if (n < len && e->recorded >= 0)
		snprintf(buf + n, len - n, " their save and load arcs %.1f ms",
			 e->recorded * 1e3);
}

int src_over_limit(struct msrc *s, double secs, uint64_t sent)
{
	const struct estimate *e = &s->now;
	double limit = s->a->downtime_limit;
	char arcs[320] = "";	/* the record's directory may be long */
	bool fits = e->known && e->downtime <= limit;

	if (!e->known)
		return unsized(s);
	src_switchover(s, fits ? "unacked" : "over-limit", secs, sent);
	recorded_text(s, arcs, sizeof(arcs));
	if (fits) {
		snprintf(s->g.told, sizeof(s->g.told), "the source's pre-copy reached no "
			 "switchover in %.1f s", secs);
		fail(&s->g.why, -VM_E_DOWNTIME, "%s: no switchover in %.1f s of pre-copy: "
		     "the destination had not loaded the initial bytes of every device "
		     "(switchover-ack), which would fall in the downtime; expected "
		     "downtime %.1f ms, limit %.*f ms", s->g.side->cmd, secs,
		     e->downtime * 1e3, ms_digits(limit), limit * 1e3);
	} else {
		char at[48];

		snprintf(s->g.told, sizeof(s->g.told), "the source's expected downtime, "
			 "%.1f ms, is over its limit of %.*f ms", e->downtime * 1e3,
			 ms_digits(limit), limit * 1e3);
		fail(&s->g.why, -VM_E_DOWNTIME, "%s: the expected downtime, %.1f ms, is over "
		     "the limit of %.*f ms%s (%llu bytes to move with the devices stopped, "
		     "at %.1f MB/s%s)", s->g.side->cmd, e->downtime * 1e3, ms_digits(limit),
		     limit * 1e3,
		     when(secs, at, sizeof(at)), (unsigned long long)e->bytes,
		     (e->secs > 0 ? e->bytes / e->secs : e->link_rate) / 1e6, arcs);
	}
	reason_hint(&s->g.why, HINT_DOWNTIME);
	return -VM_E_DOWNTIME;
}
