// SPDX-License-Identifier: GPL-2.0-or-later
/* vfiomig reset DEV: VFIO_DEVICE_RESET, the only way out of ERROR. */
#include "cli.h"
#include "device.h"
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
	struct vdev d;
	int r, st, wr;

	cmd_parse(&reset_argp, argc, argv, &dev);
	r = dev_open(dev, &d);
	if (r)
		return r;
	/* Reset works without migration support; the state is then unknown. */
	dev_probe_mig(&d);
	r = dev_reset(&d, &st);
	if (r)
		err("VFIO_DEVICE_RESET on %s: %s%s%s", d.info.name, errstr(r),
		    st >= 0 ? "; device is in " : "", st >= 0 ? fsm_name(st) : "");
	out_begin();
	out_str("device", NULL, d.info.name);
	out_bool("reset", NULL, r == 0);
	report_state("state", "state", st);
	wr = out_end();
	dev_close(&d);
	return r ? r : wr;
}
