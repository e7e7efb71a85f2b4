// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig list: every VFIO-bound PCI device and mdev, PCI devices first,
 * each bus in name order. Each free device is opened briefly to read its
 * flags and state; a device another process owns is reported busy with
 * its owner.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfiomig.h"
#include "cli.h"
#include "device.h"
#include "fsm.h"
#include "inventory.h"
#include "log.h"
#include "output.h"
#include "owner.h"
#include "report.h"
#include "vfio.h"

static const char *const buses[] = { "/sys/bus/pci/devices", "/sys/bus/mdev/devices" };

enum { OPT_ALL = 'a' };

static const struct argp_option options[] = {
	{ "all", OPT_ALL, NULL, 0,
	  "Also every PCI function a VFIO migration variant driver of the running "
	  "kernel would serve (its modules.alias), with why it cannot migrate now "
	  "and the command that fixes it", 0 },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	bool *all = state->input;

	(void)arg;
	if (key == OPT_ALL) {
		*all = true;
		return 0;
	}
	if (key == ARGP_KEY_ARG)
		argp_error(state, "list takes no arguments");
	return key == ARGP_KEY_ARG ? 0 : ARGP_ERR_UNKNOWN;
}

static const struct argp list_argp = {
	options, parse, NULL,
	"List every PCI device and mdev bound to a VFIO driver: name, driver, "
	"IOMMU group, cdev, migration flags and state. A device that another "
	"process holds is shown as busy with the owner's pid and command. Each "
	"free device is opened and closed to read its flags: drivers that reset "
	"on open (mlx5) are then running, as they were after their last close.",
	common_children, NULL, NULL
};

/* The text table's row (its cells escaped: names come from sysfs). */
static void text_row(const char *name, const char *drv, const char *grp,
		     const char *cdev, const char *mig, const char *state)
{
	out_fmt_str(NULL, "%-38s ", name);
	out_fmt_str(NULL, "%-16s ", drv);
	out_fmt_str(NULL, "%-6s ", grp);
	out_fmt_str(NULL, "%-8s ", cdev);
	out_fmt_str(NULL, "%-22s ", mig);
	out_fmt_str(NULL, "%s\n", state);
}

/* What a row says of a device's availability; every key in JSON. */
struct avail {
	const char *status;   /* free, held, busy, error */
	int holder_pid, owner_pid; /* 0: none */
	char owner_command[32];
	const char *error;    /* the errno's name, when status is error */
};

static void report_avail(const struct avail *v)
{
	out_str("status", NULL, v->status);
	if (v->holder_pid)
		out_int("holder_pid", NULL, v->holder_pid);
	else
		out_null("holder_pid", NULL, NULL);
	if (v->owner_pid) {
		out_int("owner_pid", NULL, v->owner_pid);
		out_str("owner_command", NULL, v->owner_command);
	} else {
		out_null("owner_pid", NULL, NULL);
		out_null("owner_command", NULL, NULL);
	}
	if (v->error)
		out_str("error", NULL, v->error);
	else
		out_null("error", NULL, NULL);
}

/* Why a device could not be opened: busy with an owner, or an errno. */
static void unavailable(const struct devinfo *di, int r, struct avail *v, char *state,
			size_t len)
{
	char gnode[64], cnode[64];
	const char *nodes[2] = { gnode, cnode };
	const char *name = strerrorname_np(-r);
	struct owner o;

	snprintf(gnode, sizeof(gnode), "/dev/vfio/%d", di->group);
	snprintf(cnode, sizeof(cnode), "/dev/vfio/devices/%s", di->cdev);
	v->status = r == -EBUSY ? "busy" : "error";
	if (r == -EBUSY && find_owner(nodes, 2, &o)) {
		v->owner_pid = (int)o.pid;
		snprintf(v->owner_command, sizeof(v->owner_command), "%s", o.comm);
		snprintf(state, len, "busy (pid %d %s)", (int)o.pid, o.comm);
	} else if (r == -EBUSY) {
		snprintf(state, len, "busy");
	} else {
		v->error = r < 0 && name ? name : "unavailable";
		snprintf(state, len, "error (%s)", v->error);
	}
}

/* "free", or "held" with the holder's pid: devices vfiomig hold keeps. */
static void status(const struct vdev *d, struct avail *v, const char *st, char *text,
		   size_t len)
{
	v->status = d->path == PATH_HOLDER ? "held" : "free";
	v->holder_pid = d->path == PATH_HOLDER ? d->holder_pid : 0;
	if (v->holder_pid)
		snprintf(text, len, "%s (held by pid %d)", st, d->holder_pid);
	else
		snprintf(text, len, "%s", st);
}

/* Open quietly and report flags and state, or why it could not; the
 * open's result. */
static int list_one(const struct devinfo *di)
{
	char grp[16], mig[64] = "?", state[96];
	struct reason why = { 0 };
	struct avail v = { 0 };
	struct vdev d;
	uint32_t st;
	int r = vdev_open(vm_ctx(), di, opts.open, &d, &why);

	snprintf(grp, sizeof(grp), "%d", di->group);
	out_obj_open(NULL);
	report_identity(di, false);
	if (r) {
		out_null("migration_flags", NULL, NULL);
		out_null("state", NULL, NULL);
		unavailable(di, r, &v, state, sizeof(state));
	} else if (vdev_probe_mig(&d)) {
		out_hex("migration_flags", NULL, d.flags);
		flag_names(d.flags, mig, sizeof(mig));
		r = vdev_get_state(&d, &st);
		report_state("state", NULL, r ? -1 : (int)st);
		status(&d, &v, r ? "?" : fsm_name(st), state, sizeof(state));
	} else {
		snprintf(mig, sizeof(mig), "none");
		out_null("migration_flags", NULL, NULL);
		out_null("state", NULL, NULL);
		status(&d, &v, "-", state, sizeof(state));
	}
	report_avail(&v);
	text_row(di->name, di->driver[0] ? di->driver : "-", grp,
		 di->cdev[0] ? di->cdev : "-", mig, state);
	out_obj_close();
	vdev_close(&d);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names in a bus directory, sorted: PCI addresses are fixed-width
 * lower-case hex, so byte order is address order. NULL-terminated; NULL
 * when the bus is absent (or memory ran out: listed as absent).
 */
static char **bus_names(const char *dir)
{
	char **v = NULL, **grown;
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		grown = realloc(v, (n + 2) * sizeof(*v));
		if (!grown)
			break;
		v = grown;
		v[n] = strdup(e->d_name);
		if (v[n])
			n++;
	}
	closedir(d);
	if (v) {
		qsort(v, n, sizeof(*v), by_name);
		v[n] = NULL;
	}
	return v;
}

/* The devices of a bus directory: how many, and how many refused us. */
static int list_bus(const char *dir, int *denied)
{
	char path[PATH_MAX + 300], real[PATH_MAX];
	char **names = bus_names(dir);
	struct devinfo di;
	int n = 0;

	for (char **name = names; name && *name; name++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *name);
		if (realpath(path, real) && !devinfo_from_path(real, &di) && di.vfio) {
			int r = list_one(&di);

			*denied += r == -EACCES || r == -EPERM;
			n++;
		}
		free(*name);
	}
	free(names);
	return n;
}

int cmd_list(int argc, char **argv)
{
	bool all = false;
	int n = 0, denied = 0;

	cmd_parse(&list_argp, argc, argv, &all);
	if (all)
		return list_inventory();
	out_begin();
	text_row("DEVICE", "DRIVER", "GROUP", "CDEV", "MIGRATION", "STATE");
	out_arr_open("devices", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(buses); i++)
		n += list_bus(buses[i], &denied);
	out_arr_close();
	/* Said once, not guessed from a column of EACCES. */
	if (n && denied == n)
		warn("list: no device could be opened (EACCES): reading flags and "
		     "states needs root, or access to the /dev/vfio nodes");
	/* A lone header looks like a failure: say there is nothing to list
	 * (in JSON the empty array says it). */
	if (!n && !opts.json)
		warn("no VFIO devices: no PCI device or mdev is bound to a VFIO driver");
	info("%d VFIO device%s", n, n == 1 ? "" : "s");
	return out_end();
}
