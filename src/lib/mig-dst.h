/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The destination side of a live migration (vfiomig receive). */
#ifndef VFIOMIG_MIG_DST_H
#define VFIOMIG_MIG_DST_H

#include "mig.h"

struct receive_args {
	const char *devs[DEVS_MAX];
	unsigned int ndev;
	const char *listen;
	bool force;
	uint32_t then;
	struct net_opts net;
};

struct mdst {
	const struct receive_args *a;
	struct mgroup g;
	struct netaddr addr;
	int lfd;
	struct chan ctl;
	struct hello h;
	uint64_t initial[DEVS_MAX];
	uint64_t initials_seen;  /* INITIAL frames, counted back in the ACK */
	uint32_t initial_known;   /* bit i: INITIAL for device i came */
	uint32_t attached;        /* bit i: device i's data connection is here */
	bool acked, stopped, loaded, commit, committed, touched;
	double t0, t_hello, t_stopped, t_running, t_end; /* t_hello: 0 before */
};

/* Wait for the source, agree, load the devices, run them. */
int dst_receive(struct mdst *s);
/* Before the commit: every device reset (or untouched), the peer told. */
void dst_unwind(struct mdst *s, int why);

#endif
