/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The source side of a live migration (vfiomig migrate). */
#ifndef VFIOMIG_MIG_SRC_H
#define VFIOMIG_MIG_SRC_H

#include "mig-estimate.h"
#include "mig.h"

/*
 * Records of 1 MiB: on a socket, fewer and larger writes cost less
 * system time (bench/migrate.sh); pump.c still reads and hashes 256 KiB
 * at a time, while the data is in cache. The destination writes a record
 * while the source reads the next (mig-decide.c counts on it).
 */
#define MIG_BUF (1u << 20)

struct migrate_args {
	const char *devs[DEVS_MAX];
	unsigned int ndev;
	const char *to;
	bool no_precopy;
	bool dry_run;            /* estimate only: nothing changes state */
	double downtime_limit;   /* seconds, 0: no limit */
	double precopy_timeout;  /* seconds */
	struct net_opts net;
};

struct msrc {
	const struct migrate_args *a;
	struct mgroup g;
	struct netaddr addr;
	struct chan ctl;
	uint8_t session[MIG_SESSION_ID];
	/* The initial_gen each device's last INITIAL told; and how many
	 * INITIALs went out, which an ACK must count to be this one's. */
	unsigned int initial_sent[DEVS_MAX];
	uint64_t initials_sent;
	bool acked, loaded, running, committed;
	bool touched;            /* a device changed state */
	double t0, t_pre, t_stop, t_run, t_end;
	uint64_t dst_downtime_us;
	uint64_t remaining;      /* pre-copy data left when the devices stopped */
	bool converged;
	/* The downtime promise (mig-decide.c). */
	struct link link;        /* as the probe measured it */
	struct est_arcs arcs;    /* the destination's from READY */
	struct estimate start;   /* before anything moved (--dry-run's) */
	struct dev_estimate start_dev[DEVS_MAX];
	struct estimate now;     /* the last decision's */
	struct dev_estimate now_dev[DEVS_MAX];
	bool decided;            /* now is the switchover's */
	struct arc_records rec;  /* what this host measured of saves and loads */
	struct arc_records peer_rec; /* the destination host's loads and measured saves */
};

/* Connect, agree, move the devices; 0 or a negative code (printed). */
int src_migrate(struct msrc *s);

/*
 * The decision (mig-decide.c). src_estimate_start(): every device's
 * stop-copy estimate and the probe, the estimate before anything moves
 * told (ESTIMATE with --dry-run, then the end; else START, unless it can
 * never fit). src_fits(): s->now from the devices' figures, and whether
 * it fits the limit. src_over_limit(): the migration ends there.
 */
int src_estimate_start(struct msrc *s);
/*
 * This host's record into s->rec, before HELLO; HELLO's flags it asks
 * for: with a device without pre-copy whose driver's save and load this
 * host never recorded, the destination's saves (HELLO_SAVES), and with a
 * limit to keep, not in a dry run, a measure of one (HELLO_MEASURE).
 */
uint32_t src_read_record(struct msrc *s);
bool src_fits(struct msrc *s);
int src_over_limit(struct msrc *s, double secs, uint64_t sent);
/* The switchover's event, from s->now. */
void src_switchover(struct msrc *s, const char *reason, double secs, uint64_t sent);
/* Before the commit: every device back where it was, the peer told. */
void src_unwind(struct msrc *s, int why);
/* After the commit: devices to stop, data sessions closed. */
int src_finish(struct msrc *s);

#endif
