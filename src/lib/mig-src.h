/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The source side of a live migration (vfiomig migrate). */
#ifndef VFIOMIG_MIG_SRC_H
#define VFIOMIG_MIG_SRC_H

#include "mig.h"

struct migrate_args {
	const char *devs[DEVS_MAX];
	unsigned int ndev;
	const char *to;
	bool no_precopy;
	double downtime_limit;   /* seconds */
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
};

/* Connect, agree, move the devices; 0 or a negative code (printed). */
int src_migrate(struct msrc *s);
/* Before the commit: every device back where it was, the peer told. */
void src_unwind(struct msrc *s, int why);
/* After the commit: devices to stop, data sessions closed. */
int src_finish(struct msrc *s);

#endif
