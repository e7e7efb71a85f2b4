// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig hold DEV...: open devices and keep them open, serving other
 * vfiomig commands over one unix socket per device. What a driver does
 * on close (mlx5: back to running) then no longer happens between the
 * commands of a runbook, so they act on one device session everywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vfiomig.h"
#include "sig.h"
#include "cli.h"
#include "endpoint.h"
#include "holder-server.h"
#include "log.h"
#include "report.h"
#include "output.h"
#include "pump.h"

enum { OPT_DAEMON = 0x100, OPT_PIDFILE };

struct hold_args {
	const char *dev[DEVS_MAX];
	unsigned int n;
	bool daemon;
	const char *pidfile;
};

static const struct argp_option hold_options[] = {
	{ "daemon", OPT_DAEMON, NULL, 0, "Serve in the background once the sockets listen", 0 },
	{ "pidfile", OPT_PIDFILE, "FILE", 0, "Write the serving process's pid to FILE", 0 },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct hold_args *a = state->input;

	switch (key) {
	case OPT_DAEMON:
		a->daemon = true;
		break;
	case OPT_PIDFILE:
		a->pidfile = arg_name(state, "--pidfile", arg);
		break;
	default:
		return parse_dev_list(key, arg, state, a->dev, &a->n, DEVS_MAX);
	}
	return 0;
}

static const struct argp hold_argp = {
	hold_options, parse, "DEV...",
	"Open the devices and keep them open, serving every other vfiomig "
	"command that names one of them through a unix socket per device "
	"(in $VFIOMIG_RUNDIR, default /run/vfiomig; directory 0700, sockets "
	"0600; only root and the holder's own user are served). A data "
	"session's fd is passed to the command itself, so data never goes "
	"through the holder. One command at a time per device: a second one "
	"gets a busy error. 'vfiomig release DEV', SIGTERM or SIGINT ends "
	"holding and leaves the devices in the state they are in.",
	common_children, NULL, NULL
};

static int announce(const struct holder *hs, pid_t pid)
{
	out_begin();
	out_int("pid", NULL, pid);
	out_arr_open("devices", NULL);
	for (int i = 0; i < hs->n; i++) {
		const struct held *h = &hs->dev[i];

		out_obj_open(NULL);
		out_fmt_str("device", "holding %s", h->s.d.info.name);
		out_fmt_str("open_path", " (opened through %s)", open_path_name(h->s.d.path));
		out_fmt_str("socket", " at %s\n", h->sock);
		out_obj_close();
	}
	out_arr_close();
	return out_end();
}

/* Replaced atomically (endpoint.h): a reader never sees a partial pid. */
static int put_pid(const char *path, pid_t pid)
{
	struct ep_file f;
	char buf[32];
	int fd, n, r = 0;

	fd = endpoint_file_open(path, 0644, &f);
	if (fd < 0)
		return fd;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (write(fd, buf, n) != n)
		r = errno ? -errno : -EIO;
	if (!r)
		r = endpoint_file_commit(&f, fd);
	close(fd);
	endpoint_file_discard(&f);
	return r;
}

/* Said by the process that answers: the daemon's parent, or hold itself. */
static int pidfile_failed(const char *path, int r)
{
	err("hold: writing %s: %s", path, errstr(r));
	return endpoint_cantcreat(r);
}

static void drop_all(struct holder *hs)
{
	for (int i = 0; i < hs->n; i++)
		if (!hs->dev[i].released)
			holder_drop(&hs->dev[i]);
}

/* The daemon's word to its parent: 0 (serving) or its negative code. */
static void tell_parent(int fd, int r)
{
	/* Nothing to do if it fails: the parent sees a short read. */
	ssize_t n = write(fd, &r, sizeof(r));

	(void)n;
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* The child's word: 0 (ready) or the pidfile's -errno, said here. */
static int await_child(int fd, pid_t pid, const char *pidfile)
{
	ssize_t n;
	int r;

	do
		n = read(fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(r) && !r)
		return 0;
	if (n != sizeof(r)) {
		err("hold: the serving process exited before it was ready");
		r = -EIO;
	} else {
		r = pidfile_failed(pidfile, r);
	}
	/* It has let go of the devices; wait until it is gone for good. */
	reap(pid);
	return r;
}

/*
 * The answer is part of the work: the parent writes it (text, or the
 * whole -j document) before the daemon serves. If it cannot, the daemon
 * lets go of everything: a hold nobody was told of is not left behind.
 */
static int answer(const struct holder *hs, pid_t pid, int go)
{
	int r = announce(hs, pid);

	if (!r && opts.json && out_finish(0, 0))
		r = -VM_E_OUTPUT;
	if (!r && write(go, "g", 1) != 1)
		r = -errno;
	close(go);
	if (r)
		reap(pid);
	return r;
}

/* In the daemon: serve only once the parent said it answered. */
static bool parent_answered(int go)
{
	ssize_t n;
	char c;

	do
		n = read(go, &c, 1);
	while (n < 0 && errno == EINTR);
	close(go);
	return n == 1;
}

static void close_pair(int p[2])
{
	close(p[0]);
	close(p[1]);
}

/* The daemon's side of daemonize(): 0 to serve; it exits otherwise. */
static int child(struct holder *hs, const char *pidfile, int word, int go)
{
	int null, r = pidfile ? put_pid(pidfile, getpid()) : 0;

	setsid();
	tell_parent(word, r);
	close(word);
	if (r || !parent_answered(go)) {
		drop_all(hs);
		if (!r && pidfile)
			unlink(pidfile);
		_exit(1);
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	return 0;
}

/*
 * Fork. The child writes the pidfile (its own pid) and tells the parent
 * how that went (pipe "word"); the parent answers, then tells the child
 * to serve (pipe "go"), so success is reported only once nothing can
 * fail any more, and on any failure the child lets go of every device
 * before the parent returns. The parent returns 1 with *parent_rc its
 * result; the child 0 to serve; -errno if fork failed.
 */
static int daemonize(struct holder *hs, const char *pidfile, int *parent_rc)
{
	int word[2], go[2], r;
	pid_t pid;

	fflush(NULL);
	if (pipe2(word, O_CLOEXEC))
		return -errno;
	if (pipe2(go, O_CLOEXEC)) {
		r = -errno;
		close_pair(word);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close_pair(word);
		close_pair(go);
		return r;
	}
	if (pid == 0) {
		close(word[0]);
		close(go[1]);
		return child(hs, pidfile, word[1], go[0]);
	}
	close(word[1]);
	close(go[0]);
	*parent_rc = await_child(word[0], pid, pidfile);
	close(word[0]);
	if (*parent_rc)
		close(go[1]);
	else
		*parent_rc = answer(hs, pid, go[1]);
	return 1;
}

/* Busy because another vfiomig hold has it: said as such. */
static bool held_already(const char *dev)
{
	struct sess s;
	bool held = !sess_open_held(&s, vm_ctx(), "hold", dev);

	if (held)
		err("hold %s: already held by another vfiomig hold (pid %d)",
		    s.d.info.name, s.d.holder_pid);
	sess_close(&s);
	return held;
}

static int open_all(struct holder *hs, const struct hold_args *a)
{
	for (unsigned int i = 0; i < a->n; i++) {
		struct held *h = &hs->dev[i];
		int r = sess_open(&h->s, vm_ctx(), "hold", a->dev[i]);

		h->listen = h->client = -1;
		if (r == -EBUSY && held_already(a->dev[i]))
			return -EBUSY;
		if (r)
			return say_sess(r, &h->s);
		hs->n = i + 1;
		/* Flags plan a --then of release; no migration is fine here. */
		vdev_probe_mig(&h->s.d);
		r = holder_listen(h);
		if (r)
			return r;
	}
	return 0;
}

int cmd_hold(int argc, char **argv)
{
	struct hold_args a = { 0 };
	struct holder *hs;
	bool pid_written = false;
	int r;

	cmd_parse(&hold_argp, argc, argv, &a);
	hs = calloc(1, sizeof(*hs));
	if (!hs)
		return -ENOMEM;
	hs->uid = getuid();
	opts.no_holder = true; /* the holder opens its devices itself */
	opts_done();
	r = devs_distinct("hold", a.dev, a.n);
	if (!r)
		r = open_all(hs, &a);
	if (!r && a.daemon) {
		int parent_rc = 0;

		r = daemonize(hs, a.pidfile, &parent_rc);
		if (r == 1) {
			/* The child owns the devices and sockets now. */
			free(hs);
			return parent_rc;
		}
	} else if (!r && a.pidfile) {
		r = put_pid(a.pidfile, getpid());
		if (r)
			r = pidfile_failed(a.pidfile, r);
		else
			pid_written = true;
	}
	/* In the foreground too, a hold nobody could be told of ends here. */
	if (!r && !a.daemon)
		r = announce(hs, getpid());
	if (!r) {
		sig_catch();
		r = holder_serve(hs);
		if (sig_caught())
			info("hold: %s: releasing", sigabbrev_np(sig_caught()));
	}
	drop_all(hs);
	/* Whoever wrote the pidfile removes it: it names a process ending now. */
	if (pid_written || (a.daemon && a.pidfile))
		unlink(a.pidfile);
	free(hs);
	return r;
}
