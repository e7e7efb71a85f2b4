/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network endpoints: tcp://HOST:PORT and unix:PATH, connected or
 * listened on, authenticated by TLS-PSK (or not, when the user said so).
 *
 * A failure comes back as a code and its words in why, which the caller
 * prefixes with what it was doing. The one thing told as it happens is a
 * note: a stranger a listener drops while it waits on.
 */
#ifndef VFIOMIG_NET_H
#define VFIOMIG_NET_H

#include <stdbool.h>
#include <sys/socket.h>

#include "chan.h"
#include "ctx.h"
#include "reason.h"
#include "tls.h"

struct netaddr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[128];
};

/* How to meet the peer: a key or none, how long to wait for it. */
struct net_opts {
	const char *psk_file;
	bool insecure;           /* no key: no authentication, no encryption */
	double timeout;          /* waiting for the peer; < 0: the default */
	double peer_timeout;     /* once connected, the most the peer may
				  * send or take nothing; 0: for ever */
	double handshake;        /* a listener's limit for one handshake;
				  * 0: the default */
	struct psk psk;          /* loaded by the command (psk_load) */
};

/* Does the name say tcp:// or unix: ? */
bool net_is_url(const char *s);
/* 0 or -VM_E_USAGE. */
int net_parse(const char *s, struct netaddr *a, struct reason *why);

/*
 * A listening socket bound exactly where told. A unix socket path is
 * created mode 0700 (umask 077 at bind: only its owner may connect) and
 * removed by net_unlisten.
 */
int net_listen(const struct netaddr *a, struct reason *why);
void net_unlisten(int fd, const struct netaddr *a);

/*
 * The next authenticated connection on a listener (where: its URL, the
 * name of a peer on a unix socket): strangers (no key,
 * wrong key, silence) are dropped with a warning and the wait goes on,
 * until n->timeout (default: forever). 0 or -errno / -VM_E_*.
 */
int net_accept(const struct vm_ctx *x, int lfd, const char *where,
	       const struct net_opts *n, struct chan *c, struct reason *why);

/*
 * Connect, retrying while nobody listens yet, for up to n->timeout
 * (default 30 s), then authenticate.
 */
int net_connect(const struct vm_ctx *x, const struct netaddr *a, const struct net_opts *n,
		struct chan *c, struct reason *why);

#endif
