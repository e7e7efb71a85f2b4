// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The session module (session.h): a device's walk through the state
 * machine on behalf of one command, and the account of where it ends.
 * It must not print (commands say its reasons and where devices are)
 * nor touch ioctls (device.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "clock.h"
#include "fsm.h"
#include "session.h"
#include "vfio.h"

void sess_init(struct sess *s, const struct vm_ctx *x, const char *cmd)
{
	memset(s, 0, sizeof(*s));
	s->x = x;
	s->cmd = cmd;
	s->why = &s->own_why;
	s->d.fd = s->d.group_fd = s->d.container_fd = s->d.iommu_fd = -1;
}

static int open_as(struct sess *s, const char *name, enum open_mode mode)
{
	struct reason why = { 0 };
	struct devinfo di;
	int r;

	r = devinfo_resolve(name, &di, &why);
	if (!r)
		r = vdev_open(s->x, &di, mode, &s->d, &why);
	if (r == -ENOTCONN && mode == OPEN_HOLDER) {
		/* Nobody holds it: refused, and the device was not opened. */
		return fail(s->why, -VM_E_REFUSED, "%s %s", s->cmd, why.line[0]);
	}
	if (r)
		reason_add(s->why, &why);
	return r;
}

int sess_open(struct sess *s, const struct vm_ctx *x, const char *cmd,
	      const char *name)
{
	sess_init(s, x, cmd);
	return open_as(s, name, x->open);
}

int sess_open_held(struct sess *s, const struct vm_ctx *x, const char *cmd,
		   const char *name)
{
	sess_init(s, x, cmd);
	return open_as(s, name, OPEN_HOLDER);
}

bool sess_is_open(const struct sess *s)
{
	return vdev_is_open(&s->d);
}

static bool kernel_older(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma < major || (ma == major && mi < minor);
}

int sess_need_mig(struct sess *s)
{
	struct vdev *d = &s->d;
	int r = vdev_mig_flags(d, &d->flags);

	d->has_mig = !r;
	if (!r)
		return 0;
	if ((r == -ENOTTY || r == -EINVAL) && kernel_older(5, 18))
		return fail_from(s->why, FROM_DEVICE, -VM_E_OLDKERNEL,
				 "VFIO_DEVICE_FEATURE(MIGRATION) on %s: %s: this kernel "
				 "predates VFIO migration v2 (Linux 5.18)", d->info.name,
				 errstr(r));
	if (r == -ENOTTY || r == -EINVAL || r == -EOPNOTSUPP)
		return fail_from(s->why, FROM_DEVICE, -VM_E_NOMIG,
				 "VFIO_DEVICE_FEATURE(MIGRATION) on %s: no migration support "
				 "(driver %s): %s", d->info.name, d->info.driver, errstr(r));
	return fail_from(s->why, FROM_DEVICE, r, "VFIO_DEVICE_FEATURE(MIGRATION) on %s: %s",
			 d->info.name, errstr(r));
}

/* GET without a word: s->known says whether s->cur is the device's. */
static int peek(struct sess *s)
{
	uint32_t st;

	s->known = !vdev_get_state(&s->d, &st);
	if (s->known)
		s->cur = st;
	return s->known ? 0 : -1;
}

int sess_get(struct sess *s)
{
	uint32_t st;
	int r = vdev_get_state(&s->d, &st);

	s->known = !r;
	if (r)
		return fail_from(s->why, FROM_DEVICE, r, "%s GET on %s: %s",
				 IOCTL_NAME_MIG_STATE, s->d.info.name, errstr(r));
	s->cur = st;
	return 0;
}

int sess_begin(struct sess *s, const struct vm_ctx *x, const char *cmd,
	       const char *name)
{
	int r = sess_open(s, x, cmd, name);

	if (!r)
		r = sess_need_mig(s);
	if (!r)
		r = sess_get(s);
	s->orig = s->cur;
	return r;
}

/* What the device is in now, as a failed arc's line ends. */
static void arc_where(struct sess *s, char *buf, size_t len)
{
	if (peek(s)) {
		snprintf(buf, len, "device is in an unknown state");
	} else if (s->cur == ST_RESUMING && s->settle_at_once) {
		int r = vdev_reset(&s->d);

		if (!r)
			peek(s);
		s->where = WHERE_ABORTED;
		snprintf(buf, len, "device was in resuming, reset to abort it: now %s",
			 r || !s->known ? "unknown" : fsm_name(s->cur));
	} else {
		snprintf(buf, len, "device is in %s%s", fsm_name(s->cur),
			 s->cur == ST_ERROR ? " (only a reset leaves it)" : "");
	}
}

static void log_arc(struct sess *s, struct arc_log *log, struct arc_time a)
{
	if (s->log_lock)
		pthread_mutex_lock(s->log_lock);
	if (log->n < (int)ARRAY_SIZE(log->arc))
		log->arc[log->n++] = a;
	if (s->log_lock)
		pthread_mutex_unlock(s->log_lock);
}

static int set_one(struct sess *s, uint32_t t, int *data_fd, uint32_t request)
{
	double start = monotonic_secs(), secs;
	struct arc_log *log = s->log;
	uint32_t from = s->cur;
	int fd = -1, r;

	note_dbg(s->x, "%s: requesting %s -> %s", s->d.info.name, fsm_name(from),
		 fsm_name(t));
	s->touched = true;
	r = vdev_set_state(&s->d, t, &fd);
	secs = monotonic_secs() - start;
	if (log)
		log_arc(s, log, (struct arc_time){ from, t, secs, s->index });
	obs_arc(s->x, s->d.info.name, from, t, secs, r);
	s->set_err = r;
	if (r) {
		char where[128];
		const char *e = errstr(r);

		arc_where(s, where, sizeof(where));
		if (s->settle_at_once)
			return fail_from(s->why, FROM_DEVICE, -VM_E_STATE,
					 "%s %s on %s: %s SET: %s; %s", s->cmd,
					 fsm_name(request), s->d.info.name,
					 IOCTL_NAME_MIG_STATE, e, where);
		return fail_from(s->why, FROM_DEVICE, -VM_E_STATE,
				 "%s -> %s on %s: %s SET: %s; %s", fsm_name(from),
				 fsm_name(t), s->d.info.name, IOCTL_NAME_MIG_STATE, e,
				 where);
	}
	s->cur = t;
	if (data_fd)
		*data_fd = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

int sess_goto(struct sess *s, uint32_t target, int *data_fd)
{
	uint32_t path[FSM_MAX_PATH];
	int n, r;

	if (data_fd)
		*data_fd = -1;
	switch (fsm_plan(s->cur, target, s->d.flags, path, &n)) {
	case PLAN_OK:
		return set_one(s, target, data_fd, target);
	case PLAN_BLOCKED:
		/* Only stop_copy -> pre_copy*: leave the saving group first. */
		r = set_one(s, ST_STOP, NULL, target);
		return r ? r : sess_goto(s, target, data_fd);
	case PLAN_UNSUPPORTED:
	default:
		return fail(s->why, -VM_E_NOMIG, "%s on %s: %s is not reachable from %s "
			    "with this device", fsm_name(target), s->d.info.name,
			    fsm_name(target), fsm_name(s->cur));
	}
}

int sess_goto_keep(struct sess *s, uint32_t target, int *session)
{
	int fd, r = sess_goto(s, target, &fd);

	/* A driver may hand the continuing session again. */
	if (fd >= 0) {
		if (*session >= 0)
			close(*session);
		*session = fd;
	}
	return r;
}

int sess_reset(struct sess *s)
{
	int r = vdev_reset(&s->d);

	s->touched = true;
	s->known = false;
	if (s->d.has_mig)
		peek(s);
	if (r)
		s->where = s->known ? WHERE_LEFT : WHERE_UNKNOWN;
	else
		s->where = s->known || !s->d.has_mig ? WHERE_RESET : WHERE_UNKNOWN;
	return r;
}

void sess_done(struct sess *s)
{
	s->where = WHERE_DONE;
}

void sess_settle(struct sess *s)
{
	s->where = peek(s) ? WHERE_UNKNOWN : WHERE_LEFT;
}

/* The way back is not part of the command's walk: its arcs go unlogged. */
static int unwind_to_orig(struct sess *s)
{
	struct arc_log *log = s->log;
	int r;

	s->log = NULL;
	r = sess_goto(s, s->orig, NULL);
	s->log = log;
	return r;
}

void sess_unwind(struct sess *s, enum policy p)
{
	s->where = WHERE_NONE;
	if (!sess_is_open(s) || !s->d.has_mig)
		return;
	if (!s->touched) {
		/* Never moved: its state is news only when it can be read. */
		if (!peek(s))
			s->where = s->back ? WHERE_BACK : WHERE_UNTOUCHED;
		return;
	}
	if (peek(s)) {
		s->where = WHERE_UNKNOWN;
		return;
	}
	if (p == POLICY_RESET || s->cur == ST_RESUMING ||
	    (p == POLICY_RECOVER && s->cur == ST_ERROR)) {
		enum sess_where how = p == POLICY_RESET ? WHERE_RESET :
				      s->cur == ST_RESUMING ? WHERE_ABORTED : WHERE_RECOVERED;

		if (!sess_reset(s))
			s->where = how;
		return;
	}
	if ((p == POLICY_UNWIND || p == POLICY_RECOVER) && s->cur != ST_ERROR &&
	    (s->cur == s->orig || !unwind_to_orig(s))) {
		s->where = WHERE_BACK;
		return;
	}
	s->where = s->known ? WHERE_LEFT : WHERE_UNKNOWN;
}

int sess_state(const struct sess *s)
{
	return sess_is_open(s) && s->known ? (int)s->cur : -1;
}

void sess_close(struct sess *s)
{
	uint32_t st;

	if (sess_is_open(s) && s->d.has_mig && !vdev_get_state(&s->d, &st) &&
	    st == ST_RESUMING) {
		int r = vdev_reset(&s->d);

		note_warn(s->x, "%s was left in resuming: reset to abort it (%s)",
			  s->d.info.name, r ? errstr(r) : "now running");
	}
	vdev_close(&s->d);
}

bool sess_unwind_all(struct sess *const *v, unsigned int n, enum policy p)
{
	bool any = false;

	for (unsigned int i = 0; i < n; i++)
		any |= sess_is_open(v[i]) && v[i]->touched;
	for (unsigned int i = 0; i < n; i++) {
		if (!sess_is_open(v[i]))
			continue;
		/* A group moves together: once one moved, each is unwound. */
		v[i]->touched |= any;
		sess_unwind(v[i], p);
	}
	return any;
}
