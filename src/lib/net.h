/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network endpoints: tcp://HOST:PORT and unix:PATH, connected or
 * listened on, authenticated by TLS-PSK (or not, with --insecure).
 *
 * A failure comes back as a code and, in why (NET_WHY bytes), the line
 * the caller prints; cmd only words it. The one thing said here is a
 * warning as it happens: a stranger a listener drops while it waits on
 * (and --insecure's, once).
 */
#ifndef VFIOMIG_NET_H
#define VFIOMIG_NET_H

#include <argp.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "chan.h"
#include "tls.h"

struct netaddr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[128];
};

/* What --psk-file, --insecure and --timeout said. */
struct net_opts {
	const char *psk_file;
	bool insecure;
	double timeout;          /* < 0: the default */
	struct psk psk;          /* loaded by net_auth_init */
};

/* The options' parser; its input is a struct net_opts. */
extern const struct argp net_argp;

/* Does the name say tcp:// or unix: ? */
bool net_is_url(const char *s);
/* 0 or -VM_E_USAGE. */
int net_parse(const char *s, struct netaddr *a, char *why);
/* Check the options for a network endpoint and load the key. */
int net_auth_init(struct net_opts *n, const char *cmd, char *why);

/*
 * A listening socket bound exactly where told. A unix socket path is
 * created mode 0700 (umask 077 at bind: only its owner may connect) and
 * removed by net_unlisten.
 */
int net_listen(const struct netaddr *a, const char *cmd, char *why);
void net_unlisten(int fd, const struct netaddr *a);

/*
 * The next authenticated connection on a listener: strangers (no key,
 * wrong key, silence) are dropped with a warning and the wait goes on,
 * until n->timeout (default: forever). 0 or -errno / -VM_E_*.
 */
int net_accept(int lfd, struct net_opts *n, const char *cmd, struct chan *c,
	       char *why);

/*
 * Connect, retrying while nobody listens yet, for up to n->timeout
 * (default 30 s), then authenticate.
 */
int net_connect(const struct netaddr *a, struct net_opts *n, const char *cmd,
		struct chan *c, char *why);

#endif
