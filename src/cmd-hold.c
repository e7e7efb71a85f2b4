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
#include <unistd.h>

#include "sig.h"
#include "cli.h"
#include "holder-server.h"
#include "log.h"
#include "output.h"
#include "pump.h"

enum { OPT_DAEMON = 0x100, OPT_PIDFILE };

struct hold_args {
	const char *dev[MAX_HELD];
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
		a->pidfile = arg;
		break;
	default:
		return parse_dev_list(key, arg, state, a->dev, &a->n, MAX_HELD);
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

static void announce(const struct holder *hs, pid_t pid)
{
	out_begin();
	out_int("pid", NULL, pid);
	out_arr_open("devices", NULL);
	for (int i = 0; i < hs->n; i++) {
		const struct held *h = &hs->dev[i];

		out_text("holding %s (opened through %s) at %s\n", h->s.d.info.name,
			 open_path_name(h->s.d.path), h->sock);
		out_obj_open(NULL);
		out_str("device", NULL, h->s.d.info.name);
		out_str("open_path", NULL, open_path_name(h->s.d.path));
		out_str("socket", NULL, h->sock);
		out_obj_close();
	}
	out_arr_close();
	out_end();
}

static int write_pidfile(const char *path, pid_t pid)
{
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "we");
	if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f)) {
		err("hold: writing %s: %s", path, errstr(errno));
		return -errno;
	}
	return 0;
}

/*
 * Fork. The parent reports, and returns 1 with *parent_rc its own result;
 * the child detaches and returns 0 to serve; -errno if fork failed.
 */
static int daemonize(const struct holder *hs, const char *pidfile, int *parent_rc)
{
	pid_t pid;
	int null;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		*parent_rc = write_pidfile(pidfile, pid);
		announce(hs, pid);
		return 1;
	}
	setsid();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	return 0;
}

static int open_all(struct holder *hs, const struct hold_args *a)
{
	for (unsigned int i = 0; i < a->n; i++) {
		struct held *h = &hs->dev[i];
		int r = sess_open(&h->s, "hold", a->dev[i]);

		h->listen = h->client = -1;
		if (r)
			return r;
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
	int r;

	cmd_parse(&hold_argp, argc, argv, &a);
	hs = calloc(1, sizeof(*hs));
	if (!hs)
		return -ENOMEM;
	hs->uid = getuid();
	opts.no_holder = true; /* the holder opens its devices itself */
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
	} else if (!r) {
		r = write_pidfile(a.pidfile, getpid());
	}
	if (!r) {
		if (!a.daemon)
			announce(hs, getpid());
		sig_catch();
		r = holder_serve(hs);
		if (sig_caught())
			info("hold: %s: releasing", sigabbrev_np(sig_caught()));
	}
	for (int i = 0; i < hs->n; i++)
		if (!hs->dev[i].released)
			holder_drop(&hs->dev[i]);
	if (a.pidfile && !r)
		unlink(a.pidfile);
	free(hs);
	return r;
}
