// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig identity DEV: the device's migration identity (migid.h), what
 * decides whether its state can move to a device on another host. Changes
 * nothing: a busy device is read from sysfs, devlink and debugfs alone,
 * and each field that could not be read says why.
 */
#include "vfiomig.h"
#include "cli.h"
#include "idjson.h"
#include "log.h"
#include "migid.h"
#include "output.h"

static error_t parse(int key, char *arg, struct argp_state *state)
{
	const char **dev = state->input;

	return parse_one_dev(key, arg, state, dev);
}

static const struct argp identity_argp = {
	NULL, parse, "DEV",
	"Print what decides whether DEV's state can move to another device: "
	"the bus and PCI IDs with the revision, or the mdev type; the driver, "
	"its module's version and srcversion; for a VF, its PF's devlink dev "
	"info (driver, serial number, versions such as fw.psid and fw.version); "
	"the migration flags, PRECOPY_INFOv2 support, the stop-copy estimate; "
	"the kernel release. A free device is opened and closed to read its "
	"flags; a busy one is not opened, and the fields only an open tells say "
	"who holds it. 'vfiomig -j identity DEV' on another host is the FILE "
	"that 'vfiomig compat' compares with.",
	common_children, NULL, NULL
};

int cmd_identity(int argc, char **argv)
{
	struct reason why = { 0 };
	const char *dev = NULL;
	struct devinfo di;
	struct migid id;
	int r;

	cmd_parse(&identity_argp, argc, argv, &dev);
	r = devinfo_resolve(dev, &di, &why);
	if (r) {
		reason_prefix(&why, "identity: ");
		return say_reason(r, &why);
	}
	migid_read(vm_ctx(), &di, opts.open, &id);
	out_begin();
	out_str("device", "device", di.name);
	idjson_report(&id);
	return out_end();
}
