// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where a save writes and a restore reads: stdin/stdout, a file, or a
 * network endpoint (net.c). Owns opening and closing them; must not
 * know the stream format.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endpoint.h"
#include "log.h"
#include "vfiomig.h"

bool endpoint_is_stdio(const char *path)
{
	return !path || !strcmp(path, "-");
}

static int net_out(const char *url, const char *cmd, struct net_opts *n,
		   struct chan *c)
{
	struct netaddr a;
	int r = net_parse(url, &a);

	if (!r)
		r = net_auth_init(n, cmd);
	return r ? r : net_connect(&a, n, cmd, c);
}

static int net_in(const char *url, const char *cmd, struct net_opts *n,
		  struct chan *c)
{
	struct netaddr a;
	int r = net_parse(url, &a), lfd;

	if (!r)
		r = net_auth_init(n, cmd);
	if (r)
		return r;
	lfd = net_listen(&a, cmd);
	if (lfd < 0)
		return lfd;
	info("%s: listening on %s", cmd, a.text);
	/* One peer, then the listener goes: nobody else can connect. */
	r = net_accept(lfd, n, cmd, c);
	net_unlisten(lfd, &a);
	return r;
}

int endpoint_open_out(const char *path, const char *cmd, struct net_opts *n,
		      struct chan *c)
{
	int fd;

	chan_plain(c, -1, path ? path : "stdout");
	if (n && net_is_url(path))
		return net_out(path, cmd, n, c);
	if (endpoint_is_stdio(path)) {
		if (isatty(STDOUT_FILENO)) {
			err("%s: refusing to write binary data to a terminal; "
			    "use -o FILE or redirect stdout", cmd);
			return -VM_E_USAGE;
		}
		c->fd = STDOUT_FILENO;
		return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		err("%s: opening %s: %s", cmd, path, errstr(e));
		return -e;
	}
	c->fd = fd;
	return 0;
}

int endpoint_open_in(const char *path, const char *cmd, struct net_opts *n,
		     struct chan *c)
{
	int fd;

	chan_plain(c, -1, endpoint_is_stdio(path) ? "stdin" : path);
	if (n && net_is_url(path))
		return net_in(path, cmd, n, c);
	if (endpoint_is_stdio(path)) {
		c->fd = STDIN_FILENO;
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		err("%s: opening %s: %s", cmd, path, errstr(e));
		return e == ENOENT ? -ENOENT : -e;
	}
	c->fd = fd;
	return 0;
}

/* stdin and stdout stay open: they are not ours. */
void endpoint_close(struct chan *c)
{
	chan_close(c);
}

int endpoint_sync(int fd)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	return fsync(fd) ? -errno : 0;
}
