// SPDX-License-Identifier: GPL-2.0-or-later
/* vfiomig reset DEV: VFIO_DEVICE_RESET, the only way out of ERROR. */
#include "vfiomig.h"
#include "cli.h"
#include "session.h"
#include "fsm.h"
#include "log.h"
#include "output.h"
#include "report.h"

static error_t parse(int key, char *arg, struct argp_state *state)
{
	const char **dev = state->input;

	return parse_one_dev(key, arg, state, dev);
}

static const struct argp reset_argp = {
	NULL, parse, "DEV",
	"Reset the device with VFIO_DEVICE_RESET and print the state it is in "
	"afterwards (running, for a device with migration support). Reset is "
	"the only way out of error, and the way to abort resuming.",
	common_children, NULL, NULL
};

int cmd_reset(int argc, char **argv)
{
	const char *dev = NULL;
	struct sess s;
	int r, wr;

	cmd_parse(&reset_argp, argc, argv, &dev);
	r = sess_open(&s, vm_ctx(), "reset", dev);
	if (r)
		return say_sess(r, &s);
	/* Reset works without migration support; the state is then unknown. */
	vdev_probe_mig(&s.d);
	r = sess_reset(&s);
	if (r)
		err("VFIO_DEVICE_RESET on %s: %s%s%s", s.d.info.name, errstr(r),
		    s.known ? "; device is in " : "", s.known ? fsm_name(s.cur) : "");
	out_begin();
	out_str("device", NULL, s.d.info.name);
	out_bool("reset", NULL, r == 0);
	report_state("state", "state", sess_state(&s));
	wr = out_end();
	sess_close(&s);
	return r ? r : wr;
}
