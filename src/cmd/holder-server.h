/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The serving side of vfiomig hold. */
#ifndef VFIOMIG_HOLDER_SERVER_H
#define VFIOMIG_HOLDER_SERVER_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "session.h"


struct held {
	struct sess s;
	char sock[PATH_MAX];
	int listen;        /* listening socket */
	int client;        /* the one client being served, or -1 */
	int dir;           /* the run directory, or -1 */
	int lock;          /* NAME.lock, flocked while we hold it, or -1 */
	dev_t sock_dev;    /* the socket inode we bound (sock_ino 0: none) */
	ino_t sock_ino;
	bool released;
};

struct holder {
	struct held dev[DEVS_MAX];
	int n;
	uid_t uid;         /* besides root, the only user served */
};

/*
 * Open the socket directory, take NAME.lock and put a listening socket
 * at NAME.sock for h (holder-dir.c: what is checked).
 */
int holder_listen(struct held *h);
/* Serve until every device is released or a signal arrives. */
int holder_serve(struct holder *hs);
/* Close a device and its socket (only the one we bound) and lock,
 * leaving the device as it is. */
void holder_drop(struct held *h);

#endif
