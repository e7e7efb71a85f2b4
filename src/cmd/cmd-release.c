// SPDX-License-Identifier: GPL-2.0-or-later
/* vfiomig release DEV: end holding a device, optionally moving it first. */
#include <errno.h>

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
	const char *dev;
	uint32_t then;
};

static const struct argp_option release_options[] = {
	{ "then", OPT_THEN, "STATE", 0, "Move the device to STATE before releasing it", 0 },
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
		return parse_one_dev(key, arg, state, &a->dev);
	}
	return 0;
}

static const struct argp release_argp = {
	release_options, parse, "DEV",
	"End holding DEV: the holder closes it (leaving it in the state it is "
	"in, or in --then STATE) and removes its socket; a holder with no "
	"devices left exits. What the driver does on that close is its own "
	"choice (mlx5 returns to running). A device no holder holds is not "
	"opened: exit 7.",
	common_children, NULL, NULL
};

int cmd_release(int argc, char **argv)
{
	struct release_args a = { .then = HOLD_NO_STATE };
	struct sess s;
	struct vdev *d = &s.d;
	int r, wr, st;

	cmd_parse(&release_argp, argc, argv, &a);
	/* Only through a holder: a device nobody holds is not opened. */
	r = sess_open_held(&s, vm_ctx(), "release", a.dev);
	if (r)
		return say_sess(r, &s);
	r = vdev_release(d, a.then, &st);
	if (r)
		err("release %s: %s%s; device is in %s", d->info.name,
		    a.then != HOLD_NO_STATE ? "moving it failed: " : "", errstr(r),
		    st < 0 ? "an unknown state" : fsm_name(st));
	out_begin();
	out_str("device", NULL, d->info.name);
	out_bool("released", NULL, r == 0);
	out_int("holder_pid", NULL, d->holder_pid);
	report_state("state", "state", st);
	wr = out_end();
	/* The holder hung up: nothing is left here to reset. */
	sess_close(&s);
	return r ? -VM_E_STATE : wr;
}
