/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The migration state machine.
 *
 * fsm_next_state() is drivers/vfio/vfio_main.c:vfio_mig_get_next_state()
 * of Linux 6.12 (same table, same skipping of unsupported states, same
 * -EINVAL cases). fsm_set_state() is the loop every driver wraps around
 * it (samples/vfio-mdev/mtty.c:mtty_set_state()) and fsm_step() the arcs
 * of mtty_step_state(), with fault injection added in front of each arc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include "fake.h"

enum {
	S_ERROR = VFIO_DEVICE_STATE_ERROR,
	S_STOP = VFIO_DEVICE_STATE_STOP,
	S_RUNNING = VFIO_DEVICE_STATE_RUNNING,
	S_STOP_COPY = VFIO_DEVICE_STATE_STOP_COPY,
	S_RESUMING = VFIO_DEVICE_STATE_RESUMING,
	S_RUNNING_P2P = VFIO_DEVICE_STATE_RUNNING_P2P,
	S_PRE_COPY = VFIOMIG_STATE_PRE_COPY,
	S_PRE_COPY_P2P = VFIOMIG_STATE_PRE_COPY_P2P,
};

/* [cur][new] = next hop, copied from vfio_from_fsm_table */
static const uint8_t from_fsm[FAKE_NSTATES][FAKE_NSTATES] = {
	[S_STOP] = {
		[S_STOP] = S_STOP, [S_RUNNING] = S_RUNNING_P2P,
		[S_PRE_COPY] = S_RUNNING_P2P,
		[S_PRE_COPY_P2P] = S_RUNNING_P2P,
		[S_STOP_COPY] = S_STOP_COPY, [S_RESUMING] = S_RESUMING,
		[S_RUNNING_P2P] = S_RUNNING_P2P, [S_ERROR] = S_ERROR,
	},
	[S_RUNNING] = {
		[S_STOP] = S_RUNNING_P2P, [S_RUNNING] = S_RUNNING,
		[S_PRE_COPY] = S_PRE_COPY, [S_PRE_COPY_P2P] = S_RUNNING_P2P,
		[S_STOP_COPY] = S_RUNNING_P2P, [S_RESUMING] = S_RUNNING_P2P,
		[S_RUNNING_P2P] = S_RUNNING_P2P, [S_ERROR] = S_ERROR,
	},
	[S_PRE_COPY] = {
		[S_STOP] = S_RUNNING, [S_RUNNING] = S_RUNNING,
		[S_PRE_COPY] = S_PRE_COPY, [S_PRE_COPY_P2P] = S_PRE_COPY_P2P,
		[S_STOP_COPY] = S_PRE_COPY_P2P, [S_RESUMING] = S_RUNNING,
		[S_RUNNING_P2P] = S_RUNNING, [S_ERROR] = S_ERROR,
	},
	[S_PRE_COPY_P2P] = {
		[S_STOP] = S_RUNNING_P2P, [S_RUNNING] = S_RUNNING_P2P,
		[S_PRE_COPY] = S_PRE_COPY, [S_PRE_COPY_P2P] = S_PRE_COPY_P2P,
		[S_STOP_COPY] = S_STOP_COPY, [S_RESUMING] = S_RUNNING_P2P,
		[S_RUNNING_P2P] = S_RUNNING_P2P, [S_ERROR] = S_ERROR,
	},
	[S_STOP_COPY] = {
		[S_STOP] = S_STOP, [S_RUNNING] = S_STOP,
		[S_PRE_COPY] = S_ERROR, [S_PRE_COPY_P2P] = S_ERROR,
		[S_STOP_COPY] = S_STOP_COPY, [S_RESUMING] = S_STOP,
		[S_RUNNING_P2P] = S_STOP, [S_ERROR] = S_ERROR,
	},
	[S_RESUMING] = {
		[S_STOP] = S_STOP, [S_RUNNING] = S_STOP,
		[S_PRE_COPY] = S_STOP, [S_PRE_COPY_P2P] = S_STOP,
		[S_STOP_COPY] = S_STOP, [S_RESUMING] = S_RESUMING,
		[S_RUNNING_P2P] = S_STOP, [S_ERROR] = S_ERROR,
	},
	[S_RUNNING_P2P] = {
		[S_STOP] = S_STOP, [S_RUNNING] = S_RUNNING,
		[S_PRE_COPY] = S_RUNNING, [S_PRE_COPY_P2P] = S_PRE_COPY_P2P,
		[S_STOP_COPY] = S_STOP, [S_RESUMING] = S_STOP,
		[S_RUNNING_P2P] = S_RUNNING_P2P, [S_ERROR] = S_ERROR,
	},
	[S_ERROR] = {
		[S_STOP] = S_ERROR, [S_RUNNING] = S_ERROR,
		[S_PRE_COPY] = S_ERROR, [S_PRE_COPY_P2P] = S_ERROR,
		[S_STOP_COPY] = S_ERROR, [S_RESUMING] = S_ERROR,
		[S_RUNNING_P2P] = S_ERROR, [S_ERROR] = S_ERROR,
	},
};

#define MIG_SC	VFIO_MIGRATION_STOP_COPY
#define MIG_P2P	VFIO_MIGRATION_P2P
#define MIG_PRE	VFIO_MIGRATION_PRE_COPY

/* Flags a state needs; ERROR needs all bits, so it is never a target. */
static const uint32_t state_flags[FAKE_NSTATES] = {
	[S_STOP] = MIG_SC, [S_RUNNING] = MIG_SC,
	[S_PRE_COPY] = MIG_SC | MIG_PRE,
	[S_PRE_COPY_P2P] = MIG_SC | MIG_P2P | MIG_PRE,
	[S_STOP_COPY] = MIG_SC, [S_RESUMING] = MIG_SC,
	[S_RUNNING_P2P] = MIG_SC | MIG_P2P,
	[S_ERROR] = ~0U,
};

static bool supported(uint32_t flags, int s)
{
	return (state_flags[s] & flags) == state_flags[s];
}

/*
 * The bug: the core's walk without its "*next_fsm != ERROR" test, as
 * kernels 6.2 to 7.1 have it; STOP_COPY -> PRE_COPY(_P2P) then loops in
 * the kernel with the device's state mutex held. The fake loops for
 * SPIN_SECS, holding the device lock, then refuses as the fixed core.
 */
#define SPIN_SECS	3

static void blocked_arc_spins(int cur, int new)
{
	struct timespec t = { SPIN_SECS, 0 };

	if (cur == S_STOP_COPY && (new == S_PRE_COPY || new == S_PRE_COPY_P2P) &&
	    bug_on("blocked_arc_spins"))
		nanosleep(&t, NULL);
}

int fsm_next_state(uint32_t flags, int cur, int new, int *next)
{
	if (cur < 0 || cur >= FAKE_NSTATES || !supported(flags, cur))
		return -EINVAL;
	if (new < 0 || new >= FAKE_NSTATES || !supported(flags, new))
		return -EINVAL;
	blocked_arc_spins(cur, new);
	*next = from_fsm[cur][new];
	while (*next != S_ERROR && !supported(flags, *next))
		*next = from_fsm[*next][new];
	return *next != S_ERROR ? 0 : -EINVAL;
}

/*
 * VFIOMIG_FAKE_FAIL=[NAME@]FROM>TO[:ERRNO][:error],... Returns the errno
 * for this arc or 0; *to_error says whether the device breaks. NAME@
 * limits an item to the device of that name.
 */
static int injected(const char *name, int cur, int next, bool *to_error)
{
	const char *env = getenv("VFIOMIG_FAKE_FAIL");
	char buf[512], *save = NULL, *item, *f[4];
	int n, err;

	*to_error = false;
	if (!env || strlen(env) >= sizeof(buf))
		return 0;
	strcpy(buf, env);
	for (item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *gt = strchr(item, '>');
		char *rest;

		char *at = strchr(item, '@');

		if (!gt)
			continue;
		if (at && at < gt) {
			*at = '\0';
			if (strcmp(item, name))
				continue;
			item = at + 1;
		}
		*gt = '\0';
		f[0] = item;
		f[1] = strtok_r(gt + 1, ":", &rest);
		f[2] = f[1] ? strtok_r(NULL, ":", &rest) : NULL;
		f[3] = f[2] ? strtok_r(NULL, ":", &rest) : NULL;
		if (!f[1] || state_parse(f[0]) != cur ||
		    state_parse(f[1]) != next)
			continue;
		err = EIO;
		for (n = 2; n < 4 && f[n]; n++) {
			if (!strcasecmp(f[n], "error"))
				*to_error = true;
			else
				err = errno_parse(f[n], EIO);
		}
		return err;
	}
	return 0;
}

/*
 * VFIOMIG_FAKE_TRACE=FILE appends "NAME FROM>TO" for every arc the driver
 * completed: the hop-by-hop walk is otherwise invisible from user space.
 * @what is "" or " begin" (arc_ms=: before its wait).
 */
static void trace(const char *name, int cur, int next, const char *what)
{
	const char *path = getenv("VFIOMIG_FAKE_TRACE");
	FILE *f;

	if (!path || !*path)
		return;
	f = fopen(path, "ae");
	if (!f)
		return;
	fprintf(f, "%s %s>%s%s\n", name, state_name(cur), state_name(next), what);
	fclose(f);
}

/* The arcs in which a driver saves or loads the device's state. */
static bool moves_state(int cur, int next)
{
	return next == S_STOP_COPY || (cur == S_RESUMING && next == S_STOP) ||
	       ((cur == S_RUNNING || cur == S_RUNNING_P2P) &&
		(next == S_PRE_COPY || next == S_PRE_COPY_P2P));
}

/* arc_ms=, load_ms=: the firmware's SAVE or LOAD command, which no
 * signal cuts. */
static void firmware(const char *name, const struct fake_cfg *cfg, int cur, int next)
{
	uint64_t ms = (moves_state(cur, next) ? cfg->arc_ms : 0) +
		      (cur == S_RESUMING && next == S_STOP ? cfg->load_ms : 0);
	struct timespec t = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	if (!ms)
		return;
	trace(name, cur, next, " begin");
	/* nanosleep() leaves what is left in t when a signal cuts it */
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* One driver arc; mirrors mtty_step_state(). Returns fd, -1 or -errno. */
static int fsm_step(const char *name, const struct fake_cfg *cfg,
		    int cur, int new)
{
	/*
	 * the bug: mlx5 before 6.3 offered migration on a VF whose firmware
	 * does not allow it; every command of every arc fails
	 */
	if (bug_on("not_migratable"))
		return -EIO;
	/* arcs with nothing to do for a device that does no DMA */
	if ((cur == S_RUNNING && new == S_RUNNING_P2P) ||
	    (cur == S_RUNNING_P2P && (new == S_RUNNING || new == S_STOP)) ||
	    (cur == S_PRE_COPY && new == S_PRE_COPY_P2P) ||
	    (cur == S_PRE_COPY_P2P && new == S_PRE_COPY) ||
	    (cur == S_STOP && new == S_RUNNING_P2P) ||
	    /* without P2P the core hands these to the driver directly */
	    (cur == S_RUNNING && new == S_STOP) ||
	    (cur == S_STOP && new == S_RUNNING))
		return -1;

	if (cur == S_RESUMING && new == S_STOP)
		return data_resume_load(name, cfg);

	if ((cur == S_PRE_COPY && new == S_RUNNING) ||
	    (cur == S_PRE_COPY_P2P && new == S_RUNNING_P2P) ||
	    (cur == S_STOP_COPY && new == S_STOP)) {
		if (bug_on("early_close") && data_save_part_read(name) &&
		    !fdtab_has(name, FK_SAVE))
			return -EBUSY;
		if (!bug_is("session_outlives", "leave"))
			data_disable(name);
		return -1;
	}

	if ((cur == S_RUNNING && new == S_PRE_COPY) ||
	    (cur == S_RUNNING_P2P && new == S_PRE_COPY_P2P) ||
	    (cur == S_STOP && new == S_STOP_COPY))
		return fault_session(name) ?: data_save_open(name, cfg, new == S_STOP_COPY);

	/* precopy -> stop-copy continues the session, if there is one */
	if ((cur == S_PRE_COPY_P2P || cur == S_PRE_COPY) &&
	    new == S_STOP_COPY) {
		if (data_save_exists(name))
			return data_save_finish(name, cfg);
		return fault_session(name) ?: data_save_open(name, cfg, true);
	}

	if (cur == S_STOP && new == S_RESUMING)
		return fault_session(name) ?: data_resume_open(name, cfg);

	return -EINVAL;	/* the table never asks for anything else */
}

/*
 * VFIOMIG_FAKE_BUG extra_fd and no_fd: a driver that gets the file of an
 * arc wrong. Applied after the arc's own work, so the session the arc
 * makes or ends is what a correct driver would have.
 */
static int buggy_fd(const char *name, const struct fake_cfg *cfg,
		    int cur, int next, int fd)
{
	if (fd >= 0 && bug_arc("no_fd", cur, next)) {
		fdtab_drop(fd);	/* the session file stays the driver's */
		return -1;
	}
	if (fd == -1 && bug_arc("extra_fd", cur, next))
		return data_save_open(name, cfg, true);
	return fd;
}

/*
 * pds_vfio_set_device_state(): the walk never starts from ERROR, and a
 * request that ends in ERROR, or finds the device there, is -EIO.
 */
static int set_state(const char *name, const struct fake_cfg *cfg, int new);

int fsm_set_state(const char *name, const struct fake_cfg *cfg, int new)
{
	int ret;

	if (cfg->sticky_error && state_get(name) == S_ERROR)
		return -EIO;
	ret = set_state(name, cfg, new);
	if (cfg->sticky_error && state_get(name) == S_ERROR) {
		if (ret >= 0)
			fdtab_drop(ret);
		return -EIO;
	}
	return ret;
}

static int set_state(const char *name, const struct fake_cfg *cfg, int new)
{
	int cur = state_get(name);
	int ret = -1, next, rc;
	bool to_error;
	uint64_t bad;

	while (cur != new) {
		rc = fsm_next_state(cfg->flags, cur, new, &next);
		if (rc)
			return bug_u64("illegal_errno", &bad) ? -(int)bad : rc;
		rc = injected(name, cur, next, &to_error);
		if (rc) {
			if (to_error) {
				data_disable(name);
				state_put(name, S_ERROR);
			}
			return -rc;
		}
		firmware(name, cfg, cur, next);
		ret = fsm_step(name, cfg, cur, next);
		if (ret < -1)
			return ret;
		ret = buggy_fd(name, cfg, cur, next, ret);
		if (ret < -1)
			return ret;
		trace(name, cur, next, "");
		/* the bug: the arc trips a WARN_ON() (a debug kernel's report) */
		if (bug_arc("splat", cur, next))
			fake_kmsg_splat("warn", "samples/vfio-mdev/mtty.c:1180 "
					"mtty_step_state+0x3a1/0x5c0");
		/* the walk goes on from next: the bug is in the record only */
		if (!bug_arc("wrong_state", cur, next))
			state_put(name, next);
		cur = next;
		/* a file may only come from the final arc */
		if (ret >= 0 && next != new) {
			fdtab_drop(ret);
			return -EINVAL;
		}
	}
	return ret;
}

/* VFIO_DEVICE_RESET and close=reset: back to RUNNING, sessions gone. */
void fsm_reset(const char *name)
{
	if (!bug_is("session_outlives", "reset"))
		data_reset(name);
	state_put(name, S_RUNNING);
}
