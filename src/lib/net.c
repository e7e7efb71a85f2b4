// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp:// and unix: endpoints: parsing, listening, connecting with
 * deadlines, and the key for TLS-PSK (tls.c). Owns sockets; must not
 * know the stream or the migration protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "vm.h"

#define CONNECT_TIMEOUT 30.0
/*
 * A connection that has not finished its handshake by then is dropped.
 * The connecting side waits longer: a listener busy dropping a silent
 * stranger still gets to the real peer.
 */
#define HANDSHAKE_MS 10000
#define CLIENT_HANDSHAKE_MS 60000

bool net_is_url(const char *s)
{
	return s && (!strncmp(s, "tcp://", 6) || !strncmp(s, "unix:", 5));
}

static int parse_unix(const char *path, struct netaddr *a)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;

	if (!*path || strlen(path) >= sizeof(sun->sun_path))
		return -1;
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, path);
	a->len = sizeof(*sun);
	return 0;
}

/* tcp://HOST:PORT, HOST a name, an IPv4 address or [an IPv6 one]. */
static int parse_tcp(const char *s, struct netaddr *a)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	char host[128];
	const char *port;
	size_t hl;

	if (*s == '[') {
		port = strstr(s, "]:");
		s++;
		hl = port ? (size_t)(port - s) : 0;
		port = port ? port + 2 : NULL;
	} else {
		port = strrchr(s, ':');
		hl = port ? (size_t)(port - s) : 0;
		port = port ? port + 1 : NULL;
	}
	if (!port || !hl || hl >= sizeof(host) || !*port)
		return -1;
	/* A port, said in decimal, that one can listen on and connect to:
	 * getaddrinfo() would take 99999 as 34463 and 0 as "any". */
	if (strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    atoi(port) < 1 || atoi(port) > 65535)
		return -2;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (getaddrinfo(host, port, &hints, &res))
		return -1;
	memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int net_parse(const char *s, struct netaddr *a, struct reason *why)
{
	int r;

	memset(a, 0, sizeof(*a));
	snprintf(a->text, sizeof(a->text), "%s", s);
	r = !strncmp(s, "unix:", 5) ? parse_unix(s + 5, a) :
	    !strncmp(s, "tcp://", 6) ? parse_tcp(s + 6, a) : -1;
	if (r == -2)
		return fail(why, -VM_E_USAGE, "%s: the port must be a number from 1 to 65535",
			    s);
	if (r) {
		return fail(why, -VM_E_USAGE, "%s: not an address: use tcp://HOST:PORT, "
			    "tcp://[V6ADDR]:PORT or unix:PATH (a host name must resolve)", s);
	}
	return 0;
}

static void peer_name(const struct sockaddr_storage *ss, socklen_t len,
		      const char *dflt, char *out, size_t outlen)
{
	char host[64], port[16];

	if (ss->ss_family == AF_UNIX ||
	    getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host), port,
			sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(out, outlen, "%s", dflt);
	else if (ss->ss_family == AF_INET6)
		snprintf(out, outlen, "[%s]:%s", host, port);
	else
		snprintf(out, outlen, "%s:%s", host, port);
}

static int sock_for(const struct netaddr *a)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd >= 0 && a->ss.ss_family != AF_UNIX) {
		/* Control messages are small and wait on each other. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	}
	return fd;
}

/* A unix socket file nobody listens on is a leftover: replace it. */
static int clear_stale(const struct netaddr *a)
{
	const char *path = ((const struct sockaddr_un *)&a->ss)->sun_path;
	struct stat st;
	int fd, r;

	if (lstat(path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = sock_for(a);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)&a->ss, a->len) ? errno : 0;
	close(fd);
	if (r != ECONNREFUSED)
		return -EADDRINUSE;
	return unlink(path) ? -errno : 0;
}

int net_listen(const struct netaddr *a, struct reason *why)
{
	int fd, r = 0, one = 1;
	mode_t old;

	if (a->ss.ss_family == AF_UNIX)
		r = clear_stale(a);
	fd = r ? -1 : sock_for(a);
	if (fd < 0) {
		r = r ? r : -errno;
		return fail(why, r, "listening on %s: %s", a->text, errstr(r));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	old = umask(077);
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) || listen(fd, 8))
		r = -errno;
	umask(old);
	if (r) {
		close(fd);
		return fail(why, r, "listening on %s: %s", a->text, errstr(r));
	}
	return fd;
}

void net_unlisten(int fd, const struct netaddr *a)
{
	if (fd < 0)
		return;
	close(fd);
	if (a->ss.ss_family == AF_UNIX)
		unlink(((const struct sockaddr_un *)&a->ss)->sun_path);
}

static int interrupted(const struct vm_ctx *x, const char *what, const char *peer,
		       struct reason *why)
{
	return fail_from(why, FROM_SIGNAL, -VM_E_INTERRUPTED, "%s%s: interrupted by %s",
			 what, peer, sigabbrev_np(cancelled(x)));
}

/*
 * Wait until fd has events, a signal came, or the deadline passed (<0:
 * none). fd < 0 waits for the signal or the deadline only. 0, or
 * -ETIMEDOUT / -VM_E_INTERRUPTED / -errno without a message.
 */
static int wait_fd(const struct vm_ctx *x, int fd, short events, double deadline)
{
	struct pollfd p[2] = { { .fd = cancel_fd(x), .events = POLLIN },
			       { .fd = fd, .events = events } };

	for (;;) {
		int r, ms = deadline < 0 ? -1 : (int)((deadline - monotonic_secs()) * 1000);

		if (cancelled(x))
			return -VM_E_INTERRUPTED;
		if (deadline >= 0 && ms <= 0)
			return -ETIMEDOUT;
		r = poll(p, 2, ms);
		if (cancelled(x))
			return -VM_E_INTERRUPTED;
		if (r > 0 && p[1].revents)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* Wait until fd is readable, a signal, or the deadline (<0: none). */
static int wait_in(const struct vm_ctx *x, int fd, double deadline, const char *what,
		   struct reason *why)
{
	int r = wait_fd(x, fd, POLLIN, deadline);

	if (r == -VM_E_INTERRUPTED)
		return interrupted(x, what, "", why);
	if (r == -ETIMEDOUT)
		return fail(why, r, "%s: timed out", what);
	if (r)
		return fail(why, r, "%s: %s", what, errstr(r));
	return 0;
}

/*
 * A peer that says nothing is dropped after the handshake's time: the
 * listener goes on waiting for the real one; the connecting side gives
 * up (-ETIMEDOUT). A signal ends either at once.
 */
static int authenticate(struct chan *c, const struct net_opts *n, bool server,
			struct reason *why)
{
	unsigned int ms = server ? HANDSHAKE_MS : CLIENT_HANDSHAKE_MS;
	char tls_why[128];
	int r;

	if (n->insecure)
		return 0;
	if (server && n->handshake > 0 && n->handshake * 1000 < ms)
		ms = (unsigned int)(n->handshake * 1000) + 1;
	r = tls_start(c, &n->psk, server, ms, tls_why, sizeof(tls_why));
	if (r == -VM_E_INTERRUPTED)
		return interrupted(c->x, server ? "authenticating " : "connecting to ", c->peer,
				   why);
	if (r == -ETIMEDOUT && !server)
		return fail(why, r, "connecting to %s: the listener did not answer the "
			    "handshake in %u s", c->peer, ms / 1000);
	if (r == -ETIMEDOUT)
		note_warn(c->x, "dropped a connection from %s: silent for %.3g s", c->peer,
			  ms / 1000.0);
	else if (r && !server)
		return fail(why, r, "connecting to %s: authentication failed: %s (a different "
			    "key, or not a vfiomig listener)", c->peer, tls_why);
	else if (r)
		note_warn(c->x, "dropped a connection from %s: authentication failed: %s",
			  c->peer, tls_why);
	return r;
}

int net_accept(const struct vm_ctx *x, int lfd, const char *where,
	       const struct net_opts *n, struct chan *c, struct reason *why)
{
	/* 0, like no --timeout, waits for ever. */
	double deadline = n->timeout > 0 ? monotonic_secs() + n->timeout : -1;
	struct sockaddr_storage ss;

	for (;;) {
		socklen_t len = sizeof(ss);
		char peer[128];
		int fd, r = wait_in(x, lfd, deadline, "waiting for the peer", why);

		if (r)
			return r;
		fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		/* A unix socket's peer has no name: say where it came. */
		peer_name(&ss, len, where, peer, sizeof(peer));
		chan_plain(c, x, fd, peer);
		chan_nonblock(c);
		r = authenticate(c, n, true, why);
		if (!r)
			return 0;
		chan_close(c);
		if (r == -VM_E_INTERRUPTED)
			return r;
	}
}

/*
 * One attempt, non-blocking so that a signal or the deadline ends it even
 * while a SYN goes unanswered; the socket is blocking again on success.
 */
static int try_connect(const struct vm_ctx *x, const struct netaddr *a, double deadline,
		       int *fdp)
{
	int fd = sock_for(a), r = 0, flags;
	socklen_t len = sizeof(r);

	if (fd < 0)
		return -errno;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		r = -errno;
	else if (connect(fd, (const struct sockaddr *)&a->ss, a->len))
		r = -errno;
	/* A unix listener's full backlog says EAGAIN: that is a retry. */
	if (r == -EAGAIN)
		r = -ECONNREFUSED;
	if (r == -EINPROGRESS) {
		r = wait_fd(x, fd, POLLOUT, deadline);
		if (!r && getsockopt(fd, SOL_SOCKET, SO_ERROR, &r, &len))
			r = errno;
		r = r > 0 ? -r : r;
	}
	if (!r && fcntl(fd, F_SETFL, flags))
		r = -errno;
	if (r) {
		close(fd);
		return r;
	}
	*fdp = fd;
	return 0;
}

int net_connect(const struct vm_ctx *x, const struct netaddr *a, const struct net_opts *n,
		struct chan *c, struct reason *why)
{
	/* 0, like no --timeout on a listener, waits for ever. */
	double deadline = n->timeout == 0 ? -1 :
			  monotonic_secs() + (n->timeout > 0 ? n->timeout : CONNECT_TIMEOUT);
	int fd = -1, r;

	/* Nobody listening yet is normal when both sides start together. */
	while ((r = try_connect(x, a, deadline, &fd)) == -ECONNREFUSED || r == -ENOENT) {
		/* A pause between attempts that a signal ends. */
		double until = monotonic_secs() + 0.1;
		int w = wait_fd(x, -1, 0, deadline >= 0 && deadline < until ? deadline : until);

		if (w == -VM_E_INTERRUPTED || (deadline >= 0 && monotonic_secs() >= deadline))
			break;
	}
	/* A failed attempt after a signal is the signal's doing. */
	if (r && cancelled(x))
		r = -VM_E_INTERRUPTED;
	if (r == -VM_E_INTERRUPTED)
		return interrupted(x, "connecting to ", a->text, why);
	if (r)
		return fail(why, r == -ENOENT ? -ECONNREFUSED : r, "connecting to %s: %s",
			    a->text, errstr(r));
	chan_plain(c, x, fd, a->text);
	chan_nonblock(c);
	r = authenticate(c, n, false, why);
	if (r)
		chan_close(c);
	return r;
}
