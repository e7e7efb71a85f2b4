// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig devlink show [PF | PORT], vfiomig devlink set PORT migratable
 * on|off: the PCI VF ports of devlink instances and the migratable
 * capability of their functions, which mlx5 wants set before the VF is
 * bound to its VFIO variant driver. vfiomig devlink info DEV: an
 * instance's `dev info` (driver, serial number, firmware versions), what a
 * VF's migration identity takes from its PF.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "compat.h"
#include "devlink.h"
#include "log.h"
#include "output.h"
#include "sysfs.h"
#include "vfiomig.h"

struct devlink_args {
	char *argv[4];
	int argc;
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct devlink_args *a = state->input;

	switch (key) {
	case ARGP_KEY_ARG:
		if (a->argc == (int)ARRAY_SIZE(a->argv))
			argp_error(state, "extra argument '%s'", arg);
		a->argv[a->argc++] = arg;
		break;
	case ARGP_KEY_END:
		if (!a->argc)
			argp_error(state, "missing 'show', 'set' or 'info'");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp devlink_argp = {
	NULL, parse, "show [PF | PORT]\nset PORT migratable on|off\ninfo DEV",
	"Show the PCI VF ports of devlink instances with their PF, VF number, "
	"port index, function state and migratable capability, or set the "
	"capability, or show an instance's dev info: driver, serial number and "
	"versions (fixed, running, stored).\v"
	"PORT is a devlink port handle BUS/DEV/INDEX (pci/0000:06:00.0/1, "
	"netdevsim/netdevsim10/128) or a VF's PCI address, which is mapped to "
	"its port. PF is a devlink instance BUS/DEV or a PF's PCI address. "
	"migratable is shown as on, off, or unsupported when the driver does "
	"not report it. Setting it needs CAP_NET_ADMIN; the kernel's own "
	"message is shown when it refuses.",
	common_children, NULL, NULL
};

/* 0000:06:00.2 from 06:00.2 or upper case; false if not a PCI address. */
static bool pci_name(const char *arg, char *buf, size_t len)
{
	if (!is_pci_addr(arg))
		return false;
	snprintf(buf, len, "%s%s", strlen(arg) == 7 ? "0000:" : "", arg);
	for (char *c = buf; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return true;
}

static int dump_or_fail(struct dl *dl, struct dl_ports *ports)
{
	int r = dl_port_dump(dl, ports);

	if (r < 0) {
		char why[320];

		dl_explain(r, dl->extack, why, sizeof(why));
		err("dumping devlink ports: %s", why);
	}
	return r;
}

/* The port of the PCI VF named by addr (sysfs physfn, PF's virtfnN). */
static int vf_port(struct dl *dl, const char *addr, struct dl_port *out)
{
	char path[PATH_MAX], pf[64];
	struct dl_ports ports;
	int vfnum, r;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", addr);
	if (access(path, F_OK)) {
		err("%s: no such PCI device: %s", addr, errstr(errno));
		return -ENODEV;
	}
	if (dl_pci_vf_of(path, pf, sizeof(pf), &vfnum)) {
		err("%s: not a PCI VF (no physfn link): give its devlink port", addr);
		return -VM_E_USAGE;
	}
	r = dump_or_fail(dl, &ports);
	if (r)
		return r;
	r = dl_find_vf_port(&ports, pf, vfnum, out);
	dl_ports_free(&ports);
	if (r) {
		err("%s: no devlink port for VF %d of pci/%s (is its eswitch in "
		    "switchdev mode?)", addr, vfnum, pf);
		return -ENODEV;
	}
	return 0;
}

/* PORT: a handle, read from the kernel, or a VF's PCI address. */
static int find_port(struct dl *dl, const char *arg, struct dl_port *out)
{
	char addr[64];
	struct dl_handle h;
	int r;

	if (pci_name(arg, addr, sizeof(addr)))
		return vf_port(dl, addr, out);
	if (!dl_handle_parse(arg, &h)) {
		err("%s: not a devlink port (BUS/DEV/INDEX, or a VF's PCI address)", arg);
		return -VM_E_USAGE;
	}
	r = dl_port_get(dl, &h, out);
	if (r) {
		char why[320];

		dl_explain(r, dl->extack, why, sizeof(why));
		err("reading devlink port %s: %s", arg, why);
	}
	return r;
}

static void text_row(const char *port, const char *pf, const char *vf,
		     const char *pci, const char *state, const char *mig)
{
	/* Cells escaped: netdev names and handles come from the kernel. */
	out_fmt_str(NULL, "%-30s ", port);
	out_fmt_str(NULL, "%-5s ", pf);
	out_fmt_str(NULL, "%-5s ", vf);
	out_fmt_str(NULL, "%-13s ", pci);
	out_fmt_str(NULL, "%-17s ", state);
	out_fmt_str(NULL, "%s\n", mig);
}

static void str_or_null(const char *key, const char *val)
{
	if (val[0])
		out_str(key, NULL, val);
	else
		out_null(key, NULL, NULL);
}

static void int_or_null(const char *key, int val)
{
	if (val >= 0)
		out_int(key, NULL, val);
	else
		out_null(key, NULL, NULL);
}

static void report_port(const struct dl_port *p)
{
	char handle[128], pfs[16] = "-", vfs[16] = "-", pci[64] = "", st[40] = "-";

	dl_handle_str(&p->h, handle, sizeof(handle));
	if (!strcmp(p->h.bus, "pci") && p->vfnum >= 0 && !p->external)
		dl_pci_vf_name(p->h.dev, p->vfnum, pci, sizeof(pci));
	if (p->pfnum >= 0)
		snprintf(pfs, sizeof(pfs), "%d", p->pfnum);
	if (p->vfnum >= 0)
		snprintf(vfs, sizeof(vfs), "%d", p->vfnum);
	if (p->fn_state >= 0)
		snprintf(st, sizeof(st), "%s%s%s", dl_fn_state_name(p->fn_state),
			 p->fn_opstate >= 0 ? "/" : "",
			 p->fn_opstate >= 0 ? dl_fn_opstate_name(p->fn_opstate) : "");
	text_row(handle, pfs, vfs, pci[0] ? pci : "-", st,
		 p->migratable == DL_UNREPORTED ? "unsupported" :
		 p->migratable == DL_ON ? "on" : "off");

	out_obj_open(NULL);
	out_str("port", NULL, handle);
	out_str("bus", NULL, p->h.bus);
	out_str("dev", NULL, p->h.dev);
	out_int("index", NULL, p->h.index);
	out_str("flavour", NULL, dl_flavour_name(p->flavour));
	int_or_null("pfnum", p->pfnum);
	int_or_null("vfnum", p->vfnum);
	out_bool("external", NULL, p->external);
	str_or_null("netdev", p->netdev);
	str_or_null("vf_device", pci);
	str_or_null("hw_addr", p->hw_addr);
	str_or_null("state", p->fn_state >= 0 ? dl_fn_state_name(p->fn_state) : "");
	str_or_null("opstate", p->fn_opstate >= 0 ? dl_fn_opstate_name(p->fn_opstate) : "");
	if (p->migratable == DL_UNREPORTED)
		out_null("migratable", NULL, NULL);
	else
		out_bool("migratable", NULL, p->migratable == DL_ON);
	out_obj_close();
}

static int print_ports(const struct dl_port *v, size_t n)
{
	out_begin();
	text_row("PORT", "PF", "VF", "PCI", "STATE", "MIGRATABLE");
	out_arr_open("ports", NULL);
	for (size_t i = 0; i < n; i++)
		report_port(&v[i]);
	out_arr_close();
	return out_end();
}

/* The VF ports of one instance (dev set) or of all. */
static int show_ports(struct dl *dl, const struct dl_handle *dev)
{
	struct dl_ports ports;
	size_t n = 0, seen = 0;
	int r = dump_or_fail(dl, &ports);

	if (r)
		return r;
	for (size_t i = 0; i < ports.n; i++) {
		const struct dl_port *p = &ports.v[i];

		if (dev && (strcmp(p->h.bus, dev->bus) || strcmp(p->h.dev, dev->dev)))
			continue;
		seen++;
		if (p->flavour == DEVLINK_PORT_FLAVOUR_PCI_VF)
			ports.v[n++] = *p;
	}
	if (dev && !seen) {
		err("%s/%s: no such devlink instance, or it has no ports", dev->bus,
		    dev->dev);
		r = -ENODEV;
	} else {
		r = print_ports(ports.v, n);
	}
	dl_ports_free(&ports);
	return r;
}

static int devlink_show(struct dl *dl, const char *arg)
{
	char addr[64];
	struct dl_handle h;
	struct dl_port p;
	int r;

	if (!arg)
		return show_ports(dl, NULL);
	if (pci_name(arg, addr, sizeof(addr))) {
		char path[PATH_MAX + 80];

		/* A VF's address shows its port; a PF's, its instance. */
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/physfn", addr);
		if (access(path, F_OK)) {
			snprintf(h.bus, sizeof(h.bus), "pci");
			snprintf(h.dev, sizeof(h.dev), "%s", addr);
			return show_ports(dl, &h);
		}
	} else if (dl_dev_parse(arg, &h)) {
		return show_ports(dl, &h);
	}
	r = find_port(dl, arg, &p);
	return r ? r : print_ports(&p, 1);
}

static int parse_onoff(const char *s, bool *on)
{
	if (!strcmp(s, "on") || !strcmp(s, "enable"))
		*on = true;
	else if (!strcmp(s, "off") || !strcmp(s, "disable"))
		*on = false;
	else
		return -VM_E_USAGE;
	return 0;
}

static int devlink_set(struct dl *dl, const char *arg, bool on)
{
	char handle[128], why[320];
	struct dl_port p;
	int r = find_port(dl, arg, &p);

	if (r)
		return r;
	dl_handle_str(&p.h, handle, sizeof(handle));
	r = dl_port_set_migratable(dl, &p.h, on);
	if (r) {
		dl_explain(r, dl->extack, why, sizeof(why));
		err("%s migratable on %s: %s", on ? "enabling" : "disabling",
		    handle, why);
		return r;
	}
	/* Report what the driver now says, not what was asked. */
	r = dl_port_get(dl, &p.h, &p);
	if (r) {
		dl_explain(r, dl->extack, why, sizeof(why));
		err("reading devlink port %s after the change: %s", handle, why);
		return r;
	}
	info("migratable %s on %s", on ? "enabled" : "disabled", handle);
	return print_ports(&p, 1);
}

/* devlink dev info of DEV (BUS/DEV, or a PCI address: pci/ADDR). */
static int devlink_info(struct dl *dl, const char *arg)
{
	struct dl_handle h = { .bus = "pci" };
	char handle[128];
	struct dl_info in;
	int r;

	if (!dl_dev_parse(arg, &h))
		snprintf(h.dev, sizeof(h.dev), "%s", arg);
	snprintf(handle, sizeof(handle), "%s/%s", h.bus, h.dev);
	r = dl_info_get(dl, &h, &in);
	if (r) {
		char why[300];

		dl_explain(r, dl->extack, why, sizeof(why));
		err("devlink info of %s: %s", handle, why);
		return r;
	}
	out_begin();
	out_str("handle", "handle", handle);
	if (in.driver[0])
		out_str("driver", "driver", in.driver);
	else
		out_null("driver", "driver", "-");
	if (in.serial[0])
		out_str("serial_number", "serial number", in.serial);
	else
		out_null("serial_number", "serial number", "-");
	if (in.board_serial[0])
		out_str("board_serial_number", "board serial number", in.board_serial);
	else
		out_null("board_serial_number", NULL, NULL);
	out_arr_open("versions", NULL);
	for (unsigned int i = 0; i < in.n; i++) {
		char label[80];

		snprintf(label, sizeof(label), "%s %s", dl_version_kind_name(in.v[i].kind),
			 in.v[i].name);
		out_obj_open(NULL);
		out_str("kind", NULL, dl_version_kind_name(in.v[i].kind));
		out_str("name", NULL, in.v[i].name);
		out_str("value", label, in.v[i].value);
		out_obj_close();
	}
	out_arr_close();
	return out_end();
}

/* A PCI address, BUS/DEV or (with port) BUS/DEV/INDEX. */
static bool name_ok(const char *arg, bool dev_too)
{
	struct dl_handle h;

	return is_pci_addr(arg) || dl_handle_parse(arg, &h) ||
	       (dev_too && dl_dev_parse(arg, &h));
}

/* Check the words before any netlink traffic: usage errors exit 64. */
static int check_words(const struct devlink_args *a, bool *on)
{
	if (!strcmp(a->argv[0], "show")) {
		if (a->argc > 2) {
			err("devlink show: extra argument '%s'", a->argv[2]);
			return -VM_E_USAGE;
		}
		if (a->argc == 2 && !name_ok(a->argv[1], true)) {
			err("devlink show: %s: not a PCI address, BUS/DEV or "
			    "BUS/DEV/INDEX", a->argv[1]);
			return -VM_E_USAGE;
		}
		return 0;
	}
	if (!strcmp(a->argv[0], "info")) {
		if (a->argc != 2 || !(is_pci_addr(a->argv[1]) || name_ok(a->argv[1], true))) {
			err("devlink info: usage: devlink info BUS/DEV|PCI-ADDRESS");
			return -VM_E_USAGE;
		}
		return 0;
	}
	if (strcmp(a->argv[0], "set")) {
		err("devlink: '%s' is not show, set or info", a->argv[0]);
		return -VM_E_USAGE;
	}
	if (a->argc != 4 || strcmp(a->argv[2], "migratable") ||
	    parse_onoff(a->argv[3], on)) {
		err("devlink set: usage: devlink set PORT migratable on|off");
		return -VM_E_USAGE;
	}
	if (!name_ok(a->argv[1], false)) {
		err("devlink set: %s: not a devlink port (BUS/DEV/INDEX) or a "
		    "VF's PCI address", a->argv[1]);
		return -VM_E_USAGE;
	}
	return 0;
}

int cmd_devlink(int argc, char **argv)
{
	struct devlink_args a = { 0 };
	struct dl dl;
	bool on = false;
	int r;

	cmd_parse(&devlink_argp, argc, argv, &a);
	r = check_words(&a, &on);
	if (r)
		return r;
	r = dl_open(&dl, vm_ctx());
	if (r) {
		err("%s", dl.extack);
		return r;
	}
	if (!strcmp(a.argv[0], "show"))
		r = devlink_show(&dl, a.argc > 1 ? a.argv[1] : NULL);
	else if (!strcmp(a.argv[0], "info"))
		r = devlink_info(&dl, a.argv[1]);
	else
		r = devlink_set(&dl, a.argv[1], on);
	dl_close(&dl);
	return r;
}
