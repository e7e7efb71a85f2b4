// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <unistd.h>

#include "clock.h"
#include "fsm.h"
#include "devops.h"
#include "log.h"
#include "output.h"
#include "transition.h"
#include "vfio.h"

static int set_one(struct vdev *d, uint32_t *cur, uint32_t t, int *data_fd,
		   struct arc_log *log)
{
	double start = monotonic_secs();
	int fd = -1, r;
	uint32_t st;

	dbg("%s: requesting %s -> %s", d->info.name, fsm_name(*cur), fsm_name(t));
	r = dv_set_state(d, t, &fd);
	if (log && log->n < (int)(sizeof(log->arc) / sizeof(log->arc[0])))
		log->arc[log->n++] = (struct arc_time){ *cur, t, monotonic_secs() - start };
	if (r) {
		int where = dv_get_state(d, &st) ? -1 : (int)st;

		err("%s -> %s on %s: %s SET: %s; device is in %s", fsm_name(*cur),
		    fsm_name(t), d->info.name, IOCTL_NAME_MIG_STATE, errstr(r),
		    where < 0 ? "an unknown state" : fsm_name(st));
		if (where >= 0)
			*cur = st;
		return -VM_E_STATE;
	}
	*cur = t;
	if (data_fd)
		*data_fd = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

int dev_goto_session(struct vdev *d, uint32_t *cur, uint32_t target, int *session,
		     struct arc_log *log)
{
	int fd, r = dev_goto(d, cur, target, &fd, log);

	/* A driver may hand the continuing session again. */
	if (fd >= 0) {
		if (*session >= 0)
			close(*session);
		*session = fd;
	}
	return r;
}

int dev_goto(struct vdev *d, uint32_t *cur, uint32_t target, int *data_fd,
	     struct arc_log *log)
{
	uint32_t path[FSM_MAX_PATH];
	int n, r;

	if (data_fd)
		*data_fd = -1;
	switch (fsm_plan(*cur, target, d->flags, path, &n)) {
	case PLAN_OK:
		return set_one(d, cur, target, data_fd, log);
	case PLAN_BLOCKED:
		/* Only stop_copy -> pre_copy*: leave the saving group first. */
		r = set_one(d, cur, ST_STOP, NULL, log);
		return r ? r : dev_goto(d, cur, target, data_fd, log);
	case PLAN_UNSUPPORTED:
	default:
		err("%s on %s: %s is not reachable from %s with this device",
		    fsm_name(target), d->info.name, fsm_name(target), fsm_name(*cur));
		return -VM_E_NOMIG;
	}
}

int dev_settle(struct vdev *d)
{
	uint32_t st;

	if (dv_get_state(d, &st))
		return -1;
	if (st != ST_RESUMING)
		return (int)st;
	if (dv_reset(d) || dv_get_state(d, &st))
		return -1;
	return (int)st;
}

void report_arcs(const struct arc_log *log)
{
	out_arr_open("arcs", NULL);
	for (int i = 0; i < log->n; i++) {
		const struct arc_time *a = &log->arc[i];

		info("arc %s -> %s: %.3f ms", fsm_name(a->from), fsm_name(a->to),
		     a->secs * 1e3);
		out_obj_open(NULL);
		out_str("from", NULL, fsm_name(a->from));
		out_str("to", NULL, fsm_name(a->to));
		out_u64("usecs", NULL, (uint64_t)(a->secs * 1e6));
		out_obj_close();
	}
	out_arr_close();
}
