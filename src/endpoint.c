// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endpoint.h"
#include "log.h"
#include "sig.h"
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

/*
 * A file to read. A FIFO's open() would block until a writer comes, deaf
 * to signals: it is opened non-blocking and waited on with poll() until
 * its first bytes (or its end), which also wakes on a signal (sig.h);
 * then it blocks as any input does.
 */
static int open_file_in(const char *path, const char *cmd)
{
	struct pollfd p[2] = { { .events = POLLIN }, { .fd = sig_fd(), .events = POLLIN } };
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), e = 0;
	struct stat st;

	if (fd < 0)
		e = errno;
	/* Linux: a FIFO without a writer yet is neither readable nor hung up. */
	while (!e && !fstat(fd, &st) && S_ISFIFO(st.st_mode) && !sig_caught()) {
		p[0].fd = fd;
		if (poll(p, 2, -1) > 0 && p[0].revents)
			break;
	}
	if (!e && sig_caught()) {
		err("%s: waiting for input on %s: interrupted by %s", cmd, path,
		    sigabbrev_np(sig_caught()));
		close(fd);
		return -VM_E_INTERRUPTED;
	}
	if (!e && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		e = errno;
	if (e) {
		err("%s: opening %s: %s", cmd, path, errstr(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
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
	fd = open_file_in(path, cmd);
	if (fd < 0)
		return fd;
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
