// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig state DEV [STATE...]: print the state, or request each STATE in
 * turn within one open of the device. Every request is planned with our
 * copy of the kernel's table before any ioctl, so a blocked arc or an
 * unsupported state changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig.h"
#include "cli.h"
#include "session.h"
#include "fsm.h"
#include "log.h"
#include "output.h"
#include "report.h"
#include "vfio.h"

#define MAX_TARGETS 16

struct state_args {
	const char *dev;
	uint32_t target[MAX_TARGETS];
	int n;
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct state_args *a = state->input;

	switch (key) {
	case ARGP_KEY_ARG:
		if (!a->dev) {
			a->dev = arg;
		} else if (a->n == MAX_TARGETS) {
			argp_error(state, "at most %d states", MAX_TARGETS);
		} else if (fsm_parse(arg, &a->target[a->n])) {
			uint32_t st;

			/* "state stop DEV": the device was meant to come first. */
			if (!fsm_parse(a->dev, &st))
				argp_error(state, "'%s' is a state and '%s' is not: the device "
					   "comes first (vfiomig state DEV STATE...)", a->dev,
					   arg);
			argp_error(state, "'%s' is not a state (running, running_p2p, "
				   "pre_copy, pre_copy_p2p, stop, stop_copy, resuming)", arg);
		} else {
			a->n++;
		}
		break;
	case ARGP_KEY_END:
		if (!a->dev)
			argp_error(state, "missing device");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp state_argp = {
	NULL, parse, "DEV [STATE...]",
	"Without STATE, print the device's migration state (a GET that changes "
	"nothing). With STATEs, request each in turn, the way the kernel walks "
	"it (shortest path; -v prints the path), and print the state reached.\v"
	"STATE is running, running_p2p, pre_copy, pre_copy_p2p, stop, stop_copy "
	"or resuming (any case, '-' or '_'). The device is closed when the "
	"command exits: what a device does then is its driver's choice (mtty "
	"keeps its state, mlx5 returns to running). A command never leaves a "
	"device in resuming: name a state after it.",
	common_children, NULL, NULL
};

/* Checks that need no device: the last state and ERROR. */
static int check_targets(const struct state_args *a)
{
	for (int i = 0; i < a->n; i++) {
		if (a->target[i] == ST_ERROR) {
			err("state error on %s: refused: error cannot be requested "
			    "(the kernel answers EINVAL)", a->dev);
			return -VM_E_REFUSED;
		}
	}
	if (a->n && a->target[a->n - 1] == ST_RESUMING) {
		err("state resuming on %s: refused: a command cannot leave a device "
		    "in resuming (only a reset aborts it); use restore, or name the "
		    "state to go to next", a->dev);
		return -VM_E_REFUSED;
	}
	return 0;
}

/* Plan every request from the current state before touching the device. */
static int plan_all(struct vdev *d, const struct state_args *a, uint32_t cur)
{
	uint32_t path[FSM_MAX_PATH];
	char fl[64];
	int n;

	/* A query of a device in error succeeds: error is its state. */
	if (cur == ST_ERROR && a->n) {
		err("state on %s: device is in error; only 'vfiomig reset %s' "
		    "leaves it", d->info.name, a->dev);
		return -VM_E_STATE;
	}
	for (int i = 0; i < a->n; i++) {
		uint32_t t = a->target[i];

		switch (fsm_plan(cur, t, d->flags, path, &n)) {
		case PLAN_UNSUPPORTED:
			err("state %s on %s: not supported by the device (migration: %s)",
			    fsm_name(t), d->info.name, flag_names(d->flags, fl, sizeof(fl)));
			return -VM_E_NOMIG;
		case PLAN_BLOCKED:
			err("state %s on %s: refused: the kernel blocks %s -> %s "
			    "(kernels 6.2 to 7.1 hang on it); go through stop",
			    fsm_name(t), d->info.name, fsm_name(cur), fsm_name(t));
			return -VM_E_REFUSED;
		case PLAN_OK:
			break;
		}
		cur = t;
	}
	return 0;
}

static void print_path(const struct vdev *d, uint32_t cur, uint32_t t)
{
	uint32_t path[FSM_MAX_PATH];
	char buf[256];
	size_t used;
	int n;

	fsm_plan(cur, t, d->flags, path, &n);
	used = snprintf(buf, sizeof(buf), "%s", fsm_name(cur));
	for (int i = 0; i < n && used < sizeof(buf); i++)
		used += snprintf(buf + used, sizeof(buf) - used, " -> %s",
				 fsm_name(path[i]));
	info("%s: %s", d->info.name, buf);
	out_arr_open("path", NULL);
	for (int i = 0; i < n; i++)
		out_elem_str(fsm_name(path[i]));
	out_arr_close();
}

/* One request, through the session: a failure is said in one line with
 * the state the device is in (reset first if it was left in resuming). */
static int step(struct sess *s, uint32_t t)
{
	int data_fd, r;
	uint32_t want;

	out_obj_open(NULL);
	out_str("request", NULL, fsm_name(t));
	print_path(&s->d, s->cur, t);
	r = say_sess(sess_goto(s, t, &data_fd), s);
	/* A step either failed (its errno, null when the SET was not the
	 * cause) or succeeded (whether it opened a data session). */
	if (r && s->set_err)
		out_str("error", NULL, strerrorname_np(-s->set_err) ?: "E?");
	else if (r)
		out_null("error", NULL, NULL);
	else
		out_bool("data_session", NULL, data_fd >= 0);
	if (data_fd >= 0) {
		info("%s: %s opened a data session (closed on exit)",
		     s->d.info.name, fsm_name(t));
		close(data_fd);
	}
	out_obj_close();
	if (r)
		return r;
	want = s->cur;
	if (say_sess(sess_get(s), s))
		return -VM_E_STATE;
	if (s->cur != want) {
		err("state %s on %s: the kernel reported success but the device "
		    "is in %s", fsm_name(t), s->d.info.name, fsm_name(s->cur));
		return -VM_E_STATE;
	}
	return 0;
}

int cmd_state(int argc, char **argv)
{
	struct state_args a = { 0 };
	struct sess s;
	int r, wr;

	cmd_parse(&state_argp, argc, argv, &a);
	r = check_targets(&a);
	if (r)
		return r;
	r = say_sess(sess_begin(&s, vm_ctx(), "state", a.dev), &s);
	if (!r) {
		r = plan_all(&s.d, &a, s.cur);
		/* Refused before any SET: the device is where it was. */
		if (r)
			out_note_device(s.d.info.name, 1, fsm_name(s.cur));
	}
	if (r) {
		sess_close(&s);
		return r;
	}
	s.settle_at_once = true;

	out_begin();
	out_str("device", NULL, s.d.info.name);
	if (a.n) {
		out_str("from", NULL, fsm_name(s.orig));
		out_arr_open("steps", NULL);
		for (int i = 0; i < a.n && !r; i++)
			r = step(&s, a.target[i]);
		out_arr_close();
	}
	report_state("state", "state", sess_state(&s));
	wr = out_end();
	sess_close(&s);
	return r ? r : wr;
}
