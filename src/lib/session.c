// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The session module (session.h): a device's walk through the state
 * machine on behalf of one command, and the account of where it ends.
 * It must not print reports (commands do) nor touch ioctls (device.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "clock.h"
#include "events.h"
#include "fsm.h"
#include "log.h"
#include "output.h"
#include "session.h"
#include "vfio.h"

static void sess_init(struct sess *s, const char *cmd)
{
	memset(s, 0, sizeof(*s));
	s->cmd = cmd;
	s->d.fd = s->d.group_fd = s->d.container_fd = s->d.iommu_fd = -1;
}

static int open_as(struct sess *s, const char *cmd, const char *name,
		   enum open_mode mode)
{
	char why[VDEV_WHY];
	struct devinfo di;
	int r;

	sess_init(s, cmd);
	r = devinfo_resolve(name, &di, why, sizeof(why));
	if (!r)
		r = vdev_open(&di, mode, &s->d, why);
	if (r == -ENOTCONN && mode == OPEN_HOLDER) {
		/* Nobody holds it: refused, and the device was not opened. */
		err("%s %s", cmd, why);
		return -VM_E_REFUSED;
	}
	if (r)
		err("%s", why);
	return r;
}

int sess_open(struct sess *s, const char *cmd, const char *name)
{
	return open_as(s, cmd, name, opts.open);
}

int sess_open_held(struct sess *s, const char *cmd, const char *name)
{
	return open_as(s, cmd, name, OPEN_HOLDER);
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
	if ((r == -ENOTTY || r == -EINVAL) && kernel_older(5, 18)) {
		err("VFIO_DEVICE_FEATURE(MIGRATION) on %s: %s: this kernel "
		    "predates VFIO migration v2 (Linux 5.18)", d->info.name, errstr(r));
		return -VM_E_OLDKERNEL;
	}
	if (r == -ENOTTY || r == -EINVAL || r == -EOPNOTSUPP) {
		err("VFIO_DEVICE_FEATURE(MIGRATION) on %s: no migration support "
		    "(driver %s): %s", d->info.name, d->info.driver, errstr(r));
		return -VM_E_NOMIG;
	}
	err("VFIO_DEVICE_FEATURE(MIGRATION) on %s: %s", d->info.name, errstr(r));
	return r;
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
		err("%s GET on %s: %s", IOCTL_NAME_MIG_STATE, s->d.info.name, errstr(r));
	else
		s->cur = st;
	return r;
}

int sess_begin(struct sess *s, const char *cmd, const char *name)
{
	int r = sess_open(s, cmd, name);

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

static int set_one(struct sess *s, uint32_t t, int *data_fd, uint32_t request)
{
	double start = monotonic_secs(), secs;
	struct arc_log *log = s->log;
	uint32_t from = s->cur;
	int fd = -1, r;

	dbg("%s: requesting %s -> %s", s->d.info.name, fsm_name(from), fsm_name(t));
	s->touched = true;
	r = vdev_set_state(&s->d, t, &fd);
	secs = monotonic_secs() - start;
	if (log && log->n < (int)ARRAY_SIZE(log->arc))
		log->arc[log->n++] = (struct arc_time){ from, t, secs };
	ev_arc(s->d.info.name, fsm_name(from), fsm_name(t), secs, r);
	s->set_err = r;
	if (r) {
		char where[128];

		arc_where(s, where, sizeof(where));
		if (s->settle_at_once)
			err("%s %s on %s: %s SET: %s; %s", s->cmd, fsm_name(request),
			    s->d.info.name, IOCTL_NAME_MIG_STATE, errstr(r), where);
		else
			err("%s -> %s on %s: %s SET: %s; %s", fsm_name(from), fsm_name(t),
			    s->d.info.name, IOCTL_NAME_MIG_STATE, errstr(r), where);
		return -VM_E_STATE;
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
		err("%s on %s: %s is not reachable from %s with this device",
		    fsm_name(target), s->d.info.name, fsm_name(target), fsm_name(s->cur));
		return -VM_E_NOMIG;
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
			s->where = WHERE_UNTOUCHED;
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

void sess_say(const struct sess *s)
{
	const char *cmd = s->cmd, *name = s->d.info.name;
	const char *st = fsm_name(s->cur);

	if (s->where != WHERE_NONE && s->where != WHERE_DONE)
		out_note_device(name, s->where != WHERE_UNKNOWN, st);
	switch (s->where) {
	case WHERE_NONE:
	case WHERE_DONE:
		break;
	case WHERE_UNTOUCHED:
		err("%s %s: device untouched: %s", cmd, name, st);
		break;
	case WHERE_BACK:
		err("%s %s: device back in %s, its state before %s", cmd, name, st, cmd);
		break;
	case WHERE_RESET:
		err("%s %s: device reset: now %s", cmd, name, s->d.has_mig ? st : "running");
		break;
	case WHERE_ABORTED:
		err("%s %s: device reset to abort resuming: now %s", cmd, name, st);
		break;
	case WHERE_RECOVERED:
		err("%s %s: device reset from error: now %s", cmd, name, st);
		break;
	case WHERE_LEFT:
		err("%s %s: device left in %s%s", cmd, name, st,
		    s->cur == ST_ERROR ? " (only a reset leaves it)" : "");
		break;
	case WHERE_UNKNOWN:
		err("%s %s: the device state cannot be read back", cmd, name);
		break;
	}
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

		warn("%s was left in resuming: reset to abort it (%s)", s->d.info.name,
		     r ? errstr(r) : "now running");
	}
	vdev_close(&s->d);
}

void sess_unwind_all(struct sess *const *v, unsigned int n, enum policy p,
		     const char *none_touched)
{
	bool any = false;

	for (unsigned int i = 0; i < n; i++)
		any |= sess_is_open(v[i]) && v[i]->touched;
	if (!any && none_touched) {
		err("%s: no device was touched", none_touched);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (!sess_is_open(v[i]))
			continue;
		/* A group moves together: once one moved, each is unwound. */
		v[i]->touched |= any;
		sess_unwind(v[i], p);
		sess_say(v[i]);
	}
}
