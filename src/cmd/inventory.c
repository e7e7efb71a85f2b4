// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig list --all: beside the VFIO-bound devices, every PCI function a
 * VFIO migration variant driver of the running kernel would serve (its
 * modules.alias, modalias.h), with what it is bound to, the variant
 * driver's module, the migration flags (from the device when it can be
 * opened, else debugfs), a VF's devlink migratable capability, and when it
 * cannot migrate now, one reason and the command that fixes it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfiomig.h"
#include "device.h"
#include "devlink.h"
#include "fsm.h"
#include "idjson.h"
#include "inventory.h"
#include "log.h"
#include "migid.h"
#include "modalias.h"
#include "output.h"
#include "owner.h"
#include "report.h"

struct inv {
	struct modalias ma;
	bool have_aliases;
	struct dl_ports ports;
	bool have_ports;
};

/* What one device's row says. */
struct row {
	const char *variant;
	enum mod_state mod;
	const struct idfield *flags;
	int migratable;          /* DL_ON, DL_OFF, DL_UNREPORTED (or not a VF) */
	int can;                 /* 1, 0, -1: unknown */
	char reason[256], fix[256];
};

static const char *variant_of(const struct inv *v, const struct devinfo *di)
{
	char p[PATH_MAX + 16], alias[160];

	if (!v->have_aliases || strcmp(di->bus, "pci"))
		return NULL;
	snprintf(p, sizeof(p), "%s/modalias", di->path);
	if (sysfs_read(p, alias, sizeof(alias)))
		return NULL;
	return modalias_match(&v->ma, alias);
}

static int migratable_of(const struct inv *v, const struct devinfo *di)
{
	char pf[64];
	struct dl_port p;
	int vfnum;

	if (!v->have_ports || strcmp(di->bus, "pci") ||
	    dl_pci_vf_of(di->path, pf, sizeof(pf), &vfnum) ||
	    dl_find_vf_port(&v->ports, pf, vfnum, &p))
		return DL_UNREPORTED;
	return p.migratable;
}

static bool has_flag(const struct idfield *f, const char *name)
{
	return f && f->known && strstr(f->val, name);
}

/* The one reason it cannot migrate now, and what fixes it. */
static void decide(struct row *w, const struct devinfo *di, const struct migid *id,
		   const char *release)
{
	const char *drv = di->driver[0] ? di->driver : NULL;
	const struct idfield *f = w->flags;

	w->can = 0;
	if (w->variant && w->mod == MOD_MISSING) {
		snprintf(w->reason, sizeof(w->reason), "modules.alias names %s, but the module "
			 "tree of %s lacks it", w->variant, release);
		snprintf(w->fix, sizeof(w->fix), "install the %s module of kernel %s",
			 w->variant, release);
	} else if (w->variant && (!drv || strcmp(drv, w->variant)) &&
		   !has_flag(f, "stop_copy")) {
		snprintf(w->reason, sizeof(w->reason), "%s%s, not to its VFIO variant driver %s",
			 drv ? "bound to " : "bound to no driver", drv ? drv : "", w->variant);
		if (w->mod == MOD_PRESENT)
			snprintf(w->fix, sizeof(w->fix), "modprobe %s && vfiomig prepare %s "
				 "--driver %s", w->variant, di->name, w->variant);
		else
			snprintf(w->fix, sizeof(w->fix), "vfiomig prepare %s --driver %s",
				 di->name, w->variant);
	} else if (w->migratable == DL_OFF) {
		snprintf(w->reason, sizeof(w->reason), "migratable is off on its devlink port");
		snprintf(w->fix, sizeof(w->fix), "vfiomig prepare %s", di->name);
	} else if (f && !f->known) {
		w->can = -1;
		snprintf(w->reason, sizeof(w->reason), "flags unknown: %s", f->why);
	} else if (!has_flag(f, "stop_copy")) {
		snprintf(w->reason, sizeof(w->reason), "%s has no migration support",
			 drv ? drv : "its driver");
	} else {
		w->can = 1;
	}
	(void)id;
}

static void report_row(const struct devinfo *di, const struct row *w)
{
	char mig[64];

	out_obj_open(NULL);
	report_identity(di, false);
	out_fmt_str(NULL, "%-38s ", di->name);
	out_fmt_str(NULL, "%-16s ", di->driver[0] ? di->driver : "-");
	if (w->variant)
		out_fmt_str("variant_driver", "%-16s ", w->variant);
	else
		out_null("variant_driver", NULL, NULL), out_fmt_str(NULL, "%-16s ", "-");
	if (w->variant)
		out_fmt_str("variant_module", "%-8s ", mod_state_name(w->mod));
	else
		out_null("variant_module", NULL, NULL), out_fmt_str(NULL, "%-8s ", "-");
	snprintf(mig, sizeof(mig), "%s", w->flags && w->flags->known ?
		 (w->flags->val[0] ? w->flags->val : "none") : "?");
	if (w->flags && w->flags->known) {
		char buf[MIGID_VAL], *t, *save;

		out_arr_open("migration", NULL);
		snprintf(buf, sizeof(buf), "%s", w->flags->val);
		for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
			out_elem_str(t);
		out_arr_close();
	} else {
		out_null("migration", NULL, NULL);
	}
	out_fmt_str(NULL, "%-22s ", mig);
	if (w->migratable == DL_UNREPORTED)
		out_null("migratable", NULL, NULL);
	else
		out_bool("migratable", NULL, w->migratable == DL_ON);
	if (w->can < 0)
		out_null("can_migrate", NULL, NULL), out_fmt_str(NULL, "%s\n", "unknown");
	else
		out_fmt_bool("can_migrate", "%s\n", w->can);
	if (w->reason[0])
		out_fmt_str("reason", "  why: %s\n", w->reason);
	else
		out_null("reason", NULL, NULL);
	if (w->fix[0])
		out_fmt_str("fix", "  fix: %s\n", w->fix);
	else
		out_null("fix", NULL, NULL);
	out_obj_close();
}

static void one(const struct inv *v, const struct devinfo *di)
{
	static struct migid id;
	struct row w = { 0 };

	w.variant = variant_of(v, di);
	if (!di->vfio && !w.variant)
		return;
	w.mod = w.variant ? modalias_module(&v->ma, w.variant) : MOD_LOADED;
	w.migratable = migratable_of(v, di);
	migid_read(vm_ctx(), di, opts.open, &id);
	w.flags = migid_get(&id, "migration");
	decide(&w, di, &id, v->ma.release);
	report_row(di, &w);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A bus's devices in name order (opendir: what the test fake traps). */
static void each(const struct inv *v, const char *dir)
{
	char path[PATH_MAX + 300], real[PATH_MAX], **names = NULL, **grown;
	struct dirent *e;
	struct devinfo di;
	size_t n = 0;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !(grown = realloc(names, (n + 1) * sizeof(*names))))
			continue;
		names = grown;
		if ((names[n] = strdup(e->d_name)))
			n++;
	}
	if (d)
		closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (realpath(path, real) && !devinfo_from_path(real, &di))
			one(v, &di);
		free(names[i]);
	}
	free(names);
}

int list_inventory(void)
{
	struct reason why = { 0 };
	struct inv v = { 0 };
	struct dl dl;

	v.have_aliases = !modalias_load(&v.ma, &why);
	if (!v.have_aliases)
		warn("list: no variant drivers known: %s", why.line[0]);
	if (!dl_open(&dl, vm_ctx())) {
		v.have_ports = !dl_port_dump(&dl, &v.ports);
		dl_close(&dl);
	}
	out_begin();
	out_str("kernel_release", NULL, v.ma.release);
	out_bool("variant_drivers_known", NULL, v.have_aliases);
	out_fmt_str(NULL, "%-38s ", "DEVICE");
	out_fmt_str(NULL, "%-16s ", "BOUND TO");
	out_fmt_str(NULL, "%-16s ", "VARIANT");
	out_fmt_str(NULL, "%-8s ", "MODULE");
	out_fmt_str(NULL, "%-22s ", "MIGRATION");
	out_fmt_str(NULL, "%s\n", "CAN MIGRATE");
	out_arr_open("devices", NULL);
	each(&v, "/sys/bus/pci/devices");
	each(&v, "/sys/bus/mdev/devices");
	out_arr_close();
	modalias_free(&v.ma);
	dl_ports_free(&v.ports);
	return out_end();
}
