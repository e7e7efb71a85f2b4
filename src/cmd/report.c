// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output pieces several commands print the same way (identity, flags,
 * states, arcs), through output.c. The printing side: nothing here
 * touches a device.
 */
#include <stdio.h>

#include "clock.h"
#include "fsm.h"
#include "output.h"
#include "log.h"
#include "report.h"
#include "vfiomig.h"

static const struct {
	uint64_t bit;
	const char *name;
} flag_table[] = {
	{ MIG_STOP_COPY, "stop_copy" },
	{ MIG_P2P, "p2p" },
	{ MIG_PRE_COPY, "pre_copy" },
};

/* Requestable states in the order an operator thinks of them. */
static const uint32_t state_order[] = {
	ST_RUNNING, ST_RUNNING_P2P, ST_PRE_COPY, ST_PRE_COPY_P2P,
	ST_STOP, ST_STOP_COPY, ST_RESUMING,
};

/* The text label, or NULL when only JSON should see the field. */
#define L(text) (labels ? (text) : NULL)

void report_identity(const struct devinfo *di, bool labels)
{
	char buf[64];

	out_str("device", L("device"), di->name);
	out_str("bus", L("bus"), di->bus[0] ? di->bus : "unknown");
	if (di->driver[0])
		out_str("driver", L("driver"), di->driver);
	else
		out_null("driver", L("driver"), "none");
	if (di->group >= 0)
		out_int("iommu_group", L("iommu group"), di->group);
	else
		out_null("iommu_group", L("iommu group"), "none");
	if (di->cdev[0]) {
		snprintf(buf, sizeof(buf), "/dev/vfio/devices/%s", di->cdev);
		out_str("cdev", L("cdev"), buf);
	} else {
		out_null("cdev", L("cdev"), "none");
	}
	if (di->mdev_type[0])
		out_str("mdev_type", L("mdev type"), di->mdev_type);
	else
		out_null("mdev_type", NULL, NULL);
	if (di->vendor || di->device) {
		snprintf(buf, sizeof(buf), "%04x:%04x subsystem %04x:%04x",
			 di->vendor, di->device, di->subvendor, di->subdevice);
		if (labels)
			out_line("pci id", "%s", buf);
		report_pci_ids(di->vendor, di->device, di->subvendor, di->subdevice);
	} else {
		report_pci_ids_null();
	}
}

/* As lspci and the text say them: four lower-case hex digits. */
static void hex_id(const char *key, unsigned int id)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "%04x", id & 0xffff);
	out_str(key, NULL, buf);
}

void report_pci_ids(unsigned int vendor, unsigned int device, unsigned int subvendor,
		    unsigned int subdevice)
{
	hex_id("vendor_id", vendor);
	hex_id("device_id", device);
	hex_id("subsystem_vendor_id", subvendor);
	hex_id("subsystem_device_id", subdevice);
}

void report_pci_ids_null(void)
{
	out_null("vendor_id", NULL, NULL);
	out_null("device_id", NULL, NULL);
	out_null("subsystem_vendor_id", NULL, NULL);
	out_null("subsystem_device_id", NULL, NULL);
}

const char *flag_names(uint64_t flags, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(flag_table) / sizeof(flag_table[0]); i++)
		if (flags & flag_table[i].bit)
			used += snprintf(buf + used, used < len ? len - used : 0,
					 "%s%s", used ? "," : "", flag_table[i].name);
	if (!used)
		snprintf(buf, len, "none");
	return buf;
}

void report_flags(uint64_t flags)
{
	out_hex("migration_flags", NULL, flags);
	out_arr_open("migration", "migration");
	for (size_t i = 0; i < sizeof(flag_table) / sizeof(flag_table[0]); i++)
		if (flags & flag_table[i].bit)
			out_elem_str(flag_table[i].name);
	out_arr_close();
	out_arr_open("states", "reachable states");
	for (size_t i = 0; i < sizeof(state_order) / sizeof(state_order[0]); i++)
		if (fsm_supported(state_order[i], flags))
			out_elem_str(fsm_name(state_order[i]));
	out_arr_close();
}

void report_state(const char *key, const char *label, int st)
{
	if (st < 0)
		out_null(key, label, "unknown");
	else
		out_str(key, label, fsm_name((uint32_t)st));
}

void report_arcs(const struct arc_log *log, const char *const *names, unsigned int n)
{
	out_arr_open("arcs", NULL);
	for (int i = 0; i < log->n; i++) {
		const struct arc_time *a = &log->arc[i];
		const char *dev = a->dev < n ? names[a->dev] : "?";

		out_obj_open(NULL);
		out_str("device", NULL, dev);
		out_str("from", NULL, fsm_name(a->from));
		out_str("to", NULL, fsm_name(a->to));
		out_u64("usecs", NULL, usecs_of(a->secs));
		out_obj_close();
	}
	out_arr_close();
}

const char *rate_text(uint64_t bytes, double secs, char *buf, size_t len)
{
	static const char *const units[] = { "B/s", "KiB/s", "MiB/s", "GiB/s" };
	double rate;
	size_t u = 0;

	buf[0] = '\0';
	if (secs <= 0 || !bytes || (bytes < RATE_MIN_BYTES && secs < RATE_MIN_SECS))
		return buf;
	for (rate = bytes / secs; rate >= 1024 && u < ARRAY_SIZE(units) - 1; u++)
		rate /= 1024;
	snprintf(buf, len, u ? ", %.1f %s" : ", %.0f %s", rate, units[u]);
	return buf;
}

int say_sess(int r, struct sess *s)
{
	say_reason(r, s->why);
	reason_clear(s->why);
	return r;
}

void say_where(const struct sess *s)
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

void say_where_all(struct sess *const *v, unsigned int n, bool any,
		   const char *none_touched)
{
	if (!any && none_touched) {
		err("%s: no device was touched", none_touched);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		if (sess_is_open(v[i]))
			say_where(v[i]);
}
