// SPDX-License-Identifier: GPL-2.0-or-later
/* vfiomig info DEV: what the device can do and where it is now. */
#include <errno.h>

#include "vfiomig.h"
#include "cli.h"
#include "session.h"
#include "fsm.h"
#include "log.h"
#include "output.h"
#include "report.h"
#include "vfio.h"

struct info_args {
	const char *dev;
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct info_args *a = state->input;

	return parse_one_dev(key, arg, state, &a->dev);
}

static const struct argp info_argp = {
	NULL, parse, "DEV",
	"Show a VFIO device's driver, group, open path, migration flags, the "
	"states they make reachable, the current state, the stop-copy size "
	"estimate and optional features.\v"
	"DEV is a PCI address (0000:3b:00.1 or 3b:00.1), an mdev UUID, a /sys "
	"device path or /dev/vfio/devices/vfioN.",
	common_children, NULL, NULL
};

/* A feature is supported when PROBE says so; EINVAL and ENOTTY mean no. */
static void report_probe(struct vdev *d, const char *key, const char *label,
			 uint32_t feat, uint32_t op)
{
	int r = vdev_probe(d, feat, op);

	if (r && r != -EINVAL && r != -ENOTTY && r != -EOPNOTSUPP)
		dbg("PROBE of feature %u on %s: %s", feat, d->info.name, errstr(r));
	out_bool(key, label, r == 0);
}

static void report_migration(struct vdev *d)
{
	uint64_t size;
	uint32_t st;
	int r;

	report_flags(d->flags);
	r = vdev_get_state(d, &st);
	if (r)
		err("%s GET on %s: %s", IOCTL_NAME_MIG_STATE, d->info.name, errstr(r));
	report_state("state", "state", r ? -1 : (int)st);

	r = vdev_data_size(d, &size);
	if (!r) {
		char buf[32];

		out_u64("stop_copy_estimate_bytes", NULL, size);
		out_line("stop-copy estimate", "%s", size_text(size, buf, sizeof(buf)));
	} else {
		out_null("stop_copy_estimate_bytes", "stop-copy estimate",
			 r == -ENOTTY || r == -EINVAL ? "unsupported" : errstr(r));
	}
	report_probe(d, "dirty_tracking", "dirty tracking",
		     VFIO_DEVICE_FEATURE_DMA_LOGGING_START, VFIO_DEVICE_FEATURE_SET);
	/* the opt-in is a SET without data: a PROBE of GET is always EINVAL */
	report_probe(d, "precopy_info_v2", "precopy info v2",
		     VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, VFIO_DEVICE_FEATURE_SET);
}

int cmd_info(int argc, char **argv)
{
	struct info_args a = { 0 };
	uint32_t dflags;
	struct sess s;
	struct vdev *d = &s.d;
	int r, mig;

	cmd_parse(&info_argp, argc, argv, &a);
	r = sess_open(&s, vm_ctx(), "info", a.dev);
	if (r)
		return say_sess(r, &s);
	mig = say_sess(sess_need_mig(&s), &s);

	out_begin();
	report_identity(&d->info, true);
	out_str("open_path", "opened through", open_path_name(d->path));
	out_bool("reset", "reset", !vdev_device_flags(d, &dflags) &&
				   (dflags & VFIO_DEVICE_FLAGS_RESET));
	if (!mig) {
		report_migration(d);
	} else {
		/* Every key, null: none of it can be read without migration. */
		out_null("migration_flags", NULL, NULL);
		out_null("migration", "migration", "not supported");
		out_null("states", NULL, NULL);
		out_null("state", NULL, NULL);
		out_null("stop_copy_estimate_bytes", NULL, NULL);
		out_null("dirty_tracking", NULL, NULL);
		out_null("precopy_info_v2", NULL, NULL);
	}
	r = out_end();
	sess_close(&s);
	return mig ? mig : r;
}
