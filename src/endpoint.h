/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a stream comes from or goes to: a file, stdin/stdout as "-", or
 * a network endpoint (tcp://HOST:PORT, unix:PATH): save connects to it,
 * restore listens there for one authenticated peer.
 */
#ifndef VFIOMIG_ENDPOINT_H
#define VFIOMIG_ENDPOINT_H

#include <stdbool.h>

#include "chan.h"
#include "net.h"

/* 0 with *c open, or a negative code (message printed). n may be NULL
 * where no network endpoint makes sense. */
int endpoint_open_out(const char *path, const char *cmd, struct net_opts *n,
		      struct chan *c);
int endpoint_open_in(const char *path, const char *cmd, struct net_opts *n,
		     struct chan *c);
void endpoint_close(struct chan *c);
bool endpoint_is_stdio(const char *path);
/* fsync a regular file; 0 for pipes, sockets and terminals. */
int endpoint_sync(int fd);

#endif
