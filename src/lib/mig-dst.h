/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The destination side of a live migration (vfiomig receive). */
#ifndef VFIOMIG_MIG_DST_H
#define VFIOMIG_MIG_DST_H

#include "mig-estimate.h"
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
	bool initial_known[DEVS_MAX]; /* INITIAL for device i came */
	bool attached[DEVS_MAX];  /* device i's data connection is here */
	unsigned int nattached;
	bool acked, stopped, loaded, commit, committed, touched;
	bool dry_run;             /* the source only estimates: nothing moves */
	struct link link;         /* the source's probe, as read here */
	struct estimate est;      /* the source's, before anything moved */
	bool estimated;
	double t0, t_hello, t_stopped, t_running, t_end; /* t_hello: 0 before */
};

/* Wait for the source, agree, load the devices, run them. */
int dst_receive(struct mdst *s);
/*
 * Before AGREED (not in a dry run): one device per driver this host has
 * no record of, without pre-copy, saved into nothing and put back; its
 * figures into the host's record and @rec (mig-measure.c). 0, or a
 * failure told (the device left to dst_unwind()).
 */
int dst_measure(struct mdst *s, struct arc_records *rec);
/* Before the commit: every device reset (or untouched), the peer told. */
void dst_unwind(struct mdst *s, int why);

#endif
