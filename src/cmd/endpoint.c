// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where a save writes and a restore reads: stdin/stdout, a file, or a
 * network endpoint (net.c), and the atomic replacement of the files
 * vfiomig writes (endpoint.h). Must not know the stream format.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endpoint.h"
#include "log.h"
#include "netopts.h"
#include "sig.h"
#include "vfiomig.h"

bool endpoint_is_stdio(const char *path)
{
	return !path || !strcmp(path, "-");
}

/* The engine's reason, said as this command's. */
static int say_net(int r, const char *cmd, struct reason *why)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s: ", cmd);
	reason_prefix(why, prefix);
	return say_reason(r, why);
}

static int net_out(const char *url, const char *cmd, struct net_opts *n,
		   struct chan *c)
{
	struct reason why = { 0 };
	struct netaddr a;
	int r = net_parse(url, &a, &why);

	if (r)
		return say_reason(r, &why);
	r = net_auth_init(n, cmd);
	if (!r)
		r = say_net(net_connect(vm_ctx(), &a, n, c, &why), cmd, &why);
	c->idle = n->peer_timeout;
	return r;
}

static int net_in(const char *url, const char *cmd, struct net_opts *n,
		  struct chan *c)
{
	struct reason why = { 0 };
	struct netaddr a;
	int r = net_parse(url, &a, &why), lfd;

	if (r)
		return say_reason(r, &why);
	r = net_auth_init(n, cmd);
	if (r)
		return r;
	lfd = net_listen(&a, &why);
	if (lfd < 0)
		return say_net(lfd, cmd, &why);
	notice("%s: listening on %s for the sender", cmd, a.text);
	/* One peer, then the listener goes: nobody else can connect. */
	r = say_net(net_accept(vm_ctx(), lfd, a.text, n, c, &why), cmd, &why);
	net_unlisten(lfd, &a);
	c->idle = n->peer_timeout;
	return r;
}

/*
 * The file that writing to path really replaces: a symbolic link is
 * followed (as open() would), so the link stays and its file is replaced.
 * Sets *st when that file exists. 0, or -errno.
 */
static int resolve_target(const char *path, struct ep_file *f, struct stat *st,
			  bool *exists)
{
	char *real;

	*exists = !stat(path, st);
	if (!*exists && errno != ENOENT)
		return -errno;
	real = *exists ? realpath(path, NULL) : NULL;
	if (*exists && !real)
		return -errno;
	snprintf(f->target, sizeof(f->target), "%s", real ? real : path);
	free(real);
	return 0;
}

/*
 * The mode of the file: a new one gets mode less the umask, as open()
 * would give it; a replaced one keeps its permission bits and, where
 * allowed, its owner, as writing into it did.
 */
static int set_mode(int fd, mode_t mode, const struct stat *st, bool exists)
{
	mode_t mask;

	if (!exists) {
		/* Single-threaded here: nothing else creates files meanwhile. */
		mask = umask(077);
		umask(mask);
		return fchmod(fd, mode & ~mask) ? -errno : 0;
	}
	/* Not root: keeping another owner is not ours to do. */
	if ((fchown(fd, st->st_uid, st->st_gid) && errno != EPERM) ||
	    fchmod(fd, st->st_mode & 0777))
		return -errno;
	return 0;
}

/*
 * A new temporary in the target's directory. mkostemp() creates it with
 * O_EXCL, so a link planted under its name is never followed, and mode
 * 0600: nobody else can read it before its mode is set.
 */
static int make_temp(struct ep_file *f, mode_t mode, const struct stat *st,
		     bool exists)
{
	char dir[PATH_MAX], base[PATH_MAX];
	int fd, r;

	snprintf(dir, sizeof(dir), "%s", f->target);
	snprintf(base, sizeof(base), "%s", f->target);
	if ((size_t)snprintf(f->temp, sizeof(f->temp), "%s/.%s.XXXXXX",
			     dirname(dir), basename(base)) >= sizeof(f->temp)) {
		f->temp[0] = '\0';
		return -ENAMETOOLONG;
	}
	fd = mkostemp(f->temp, O_CLOEXEC);
	if (fd < 0) {
		f->temp[0] = '\0';
		return -errno;
	}
	r = set_mode(fd, mode, st, exists);
	if (r) {
		close(fd);
		endpoint_file_discard(f);
		return r;
	}
	return fd;
}

int endpoint_cantcreat(int e)
{
	return e == -EACCES || e == -EPERM ? e : -VM_E_CANTCREAT;
}

int endpoint_file_open(const char *path, mode_t mode, struct ep_file *f)
{
	struct stat st;
	bool exists;
	int r, fd;

	f->target[0] = f->temp[0] = '\0';
	r = resolve_target(path, f, &st, &exists);
	if (r)
		return r;
	if (!exists || S_ISREG(st.st_mode))
		return make_temp(f, mode, &st, exists);
	/* A FIFO, a terminal or another device: nothing to replace. */
	f->target[0] = '\0';
	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int endpoint_file_commit(struct ep_file *f, int fd)
{
	char dir[PATH_MAX];
	int dfd, r = 0;

	if (!f->temp[0])
		return 0;
	if (fsync(fd) || rename(f->temp, f->target))
		return -errno;
	f->temp[0] = '\0';
	/* The rename is durable only once the directory is. */
	snprintf(dir, sizeof(dir), "%s", f->target);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd))
		r = -errno;
	if (dfd >= 0)
		close(dfd);
	return r;
}

void endpoint_file_discard(struct ep_file *f)
{
	if (f->temp[0])
		unlink(f->temp);
	f->temp[0] = '\0';
}

int endpoint_check_out(const char *path, const char *cmd)
{
	if (endpoint_is_stdio(path) && isatty(STDOUT_FILENO)) {
		err("%s: refusing to write binary data to a terminal; "
		    "use -o FILE or redirect stdout", cmd);
		return -VM_E_USAGE;
	}
	return 0;
}

int endpoint_open_out(const char *path, const char *cmd, struct net_opts *n,
		      struct chan *c, struct ep_file *f)
{
	int fd, r;

	f->target[0] = f->temp[0] = '\0';
	chan_plain(c, vm_ctx(), -1, path ? path : "stdout");
	if (n && net_is_url(path))
		return net_out(path, cmd, n, c);
	r = endpoint_check_out(path, cmd);
	if (r)
		return r;
	if (endpoint_is_stdio(path)) {
		c->fd = STDOUT_FILENO;
		chan_nonblock(c);
		return 0;
	}
	fd = endpoint_file_open(path, 0600, f);
	if (fd < 0) {
		err("%s: creating %s: %s", cmd, path, errstr(fd));
		return endpoint_cantcreat(fd);
	}
	c->fd = fd;
	/* A FIFO: its reader may stall; a signal must still end the save. */
	chan_nonblock(c);
	return 0;
}

int endpoint_commit(struct chan *c, struct ep_file *f, const char *cmd)
{
	int r = endpoint_file_commit(f, c->fd);

	if (r) {
		err("%s: replacing %s: %s", cmd, f->target, errstr(r));
		return r == -EIO ? -EIO : endpoint_cantcreat(r);
	}
	return 0;
}

void endpoint_close_out(struct chan *c, struct ep_file *f)
{
	chan_close(c);
	endpoint_file_discard(f);
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
	/* A directory opens, and fails at the first read: not an input. */
	if (!e && !fstat(fd, &st) && S_ISDIR(st.st_mode))
		e = EISDIR;
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

	chan_plain(c, vm_ctx(), -1, endpoint_is_stdio(path) ? "stdin" : path);
	if (n && net_is_url(path))
		return net_in(path, cmd, n, c);
	if (endpoint_is_stdio(path)) {
		if (isatty(STDIN_FILENO)) {
			err("%s: refusing to read binary data from a terminal; use -i FILE "
			    "or redirect stdin", cmd);
			return -VM_E_USAGE;
		}
		c->fd = STDIN_FILENO;
		chan_nonblock(c);
		return 0;
	}
	fd = open_file_in(path, cmd);
	if (fd < 0)
		return fd;
	c->fd = fd;
	chan_nonblock(c);
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
