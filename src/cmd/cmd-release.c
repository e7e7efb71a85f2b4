// SPDX-License-Identifier: GPL-2.0-or-later
/* vfiomig release DEV...: end holding devices, optionally moving them first. */
#include <errno.h>
#include <inttypes.h>

#include "vfiomig.h"
#include "cli.h"
#include "session.h"
#include "fsm.h"
#include "holder.h"
#include "log.h"
#include "output.h"
#include "report.h"
#include "save.h"

enum { OPT_THEN = 0x100 };

struct release_args {
	const char *dev[DEVS_MAX];
	unsigned int n;
	uint32_t then;
};

static const struct argp_option release_options[] = {
	{ "then", OPT_THEN, "STATE", 0, "Move each device to STATE before releasing it", 0 },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct release_args *a = state->input;

	switch (key) {
	case OPT_THEN:
		if (parse_then(arg, &a->then))
			argp_error(state, "--then: '%s' is not a state a command can end in", arg);
		break;
	default:
		return parse_dev_list(key, arg, state, a->dev, &a->n, DEVS_MAX);
	}
	return 0;
}

static const struct argp release_argp = {
	release_options, parse, "DEV...",
	"End holding each DEV, as hold took several: the holder closes it "
	"(leaving it in the state it is in, or in --then STATE) and removes its "
	"socket; a holder with no devices left exits. What the driver does on "
	"that close is its own choice (mlx5 returns to running). A device no "
	"holder holds is not opened: exit 7; the others are released all the "
	"same.",
	common_children, NULL, NULL
};

/* One device: its object in "devices", and its error line. */
static int release_one(const char *dev, uint32_t then)
{
	struct sess s;
	struct vdev *d = &s.d;
	int r, st;

	/* Only through a holder: a device nobody holds is not opened. */
	r = sess_open_held(&s, vm_ctx(), "release", dev);
	if (r) {
		say_sess(r, &s);
		out_obj_open(NULL);
		out_str("device", NULL, dev);
		out_bool("released", NULL, false);
		out_null("holder_pid", NULL, NULL);
		out_null("state", NULL, NULL);
		out_obj_close();
		return r;
	}
	r = vdev_release(d, then, &st);
	if (r)
		err("release %s: %s%s; device is in %s", d->info.name,
		    then != HOLD_NO_STATE ? "moving it failed: " : "", errstr(r),
		    st < 0 ? "an unknown state" : fsm_name(st));
	out_obj_open(NULL);
	out_fmt_str("device", r ? NULL : "released %s", d->info.name);
	out_bool("released", NULL, r == 0);
	out_fmt_u64("holder_pid", r ? NULL : " from pid %" PRIu64, (uint64_t)d->holder_pid);
	if (st < 0)
		out_null("state", NULL, NULL);
	else
		out_fmt_str("state", r ? NULL : "; device is %s\n", fsm_name(st));
	out_obj_close();
	/* The holder hung up: nothing is left here to reset. */
	sess_close(&s);
	return r ? -VM_E_STATE : 0;
}

int cmd_release(int argc, char **argv)
{
	struct release_args a = { .then = HOLD_NO_STATE };
	int r = 0, wr;

	cmd_parse(&release_argp, argc, argv, &a);
	r = devs_distinct("release", a.dev, a.n);
	if (r)
		return r;
	out_begin();
	out_arr_open("devices", NULL);
	/* Each device is released; the first failure is the run's. */
	for (unsigned int i = 0; i < a.n; i++) {
		int ri = release_one(a.dev[i], a.then);

		r = r ? r : ri;
	}
	out_arr_close();
	wr = out_end();
	return r ? r : wr;
}
