// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig prepare VF: make a PCI VF ready for migration in the order
 * mlx5 needs it: the devlink port function's migratable capability
 * first, then unbind, driver_override and bind to the VFIO variant
 * driver, then wait for the VFIO device node and print what info prints.
 * Every step is reported; a failure stops there and says what the VF
 * looks like now, because undoing half a rebind guesses at intent.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "compat.h"
#include "devlink.h"
#include "log.h"
#include "output.h"
#include "owner.h"
#include "sysfs.h"
#include "vfiomig.h"

enum { OPT_DRIVER = 0x100, OPT_DRY_RUN };

#define WAIT_MS 10000

enum step { S_RESOLVE, S_MIGRATABLE, S_UNBIND, S_OVERRIDE, S_BIND, S_WAIT, S_N };

static const char *const step_names[S_N] = {
	"resolve", "migratable", "unbind", "driver_override", "bind", "wait",
};

struct prep_args {
	const char *vf;
	const char *driver;
	bool dry_run;
};

/* Everything the plan needs, found before anything changes. */
struct prep {
	struct devinfo vf;
	char pf[64];
	int vfnum;
	bool has_port;
	struct dl_port port;
	char port_name[128];
	char no_port[320];   /* why there is no port to configure */
	char target[64];     /* the VFIO driver to bind */
	bool set_mig;        /* the port reports migratable off */
	bool rebind;         /* unbind, override and bind are needed */
	enum step block;     /* a step that cannot work, or S_N */
	int block_err;
	char block_why[320];
};

static const struct argp_option options[] = {
	{ "driver", OPT_DRIVER, "NAME", 0,
	  "Bind to this VFIO driver instead of the one chosen from the VF's "
	  "vendor and driver (mlx5_vfio_pci, ..., else vfio-pci)", 0 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "Print the plan; change nothing", 0 },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct prep_args *a = state->input;

	switch (key) {
	case OPT_DRIVER:
		if (!arg[0] || strchr(arg, '/') || strlen(arg) >= 64)
			argp_error(state, "--driver: '%s' is not a driver name", arg);
		a->driver = arg;
		break;
	case OPT_DRY_RUN:
		a->dry_run = true;
		break;
	case ARGP_KEY_ARG:
		if (a->vf)
			argp_error(state, "extra argument '%s'", arg);
		a->vf = arg;
		break;
	case ARGP_KEY_END:
		if (!a->vf)
			argp_error(state, "missing VF");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp prepare_argp = {
	options, parse, "VF",
	"Prepare a PCI VF for migration: enable the migratable capability of "
	"its devlink port function when the port reports it, unbind the VF "
	"from its driver, set driver_override to the VFIO variant driver, "
	"bind it, wait for the VFIO device node, then print what 'info' "
	"prints. Each step is reported; a failure stops there and says which "
	"step failed and how the VF was left.\v"
	"VF is a PCI address, a /sys device path, or the VF's devlink port "
	"(BUS/DEV/INDEX). Known variant drivers: mlx5_vfio_pci (Mellanox), "
	"hisi_acc_vfio_pci (HiSilicon), pds_vfio_pci (AMD Pensando), "
	"qat_vfio_pci (Intel QAT), virtio_vfio_pci (virtio-net); otherwise "
	"vfio-pci.",
	common_children, NULL, NULL
};

/* Known VFIO variant drivers with migration support. */
static const struct {
	unsigned int vendor, device; /* device 0: any */
	const char *driver;          /* the VF's current driver; NULL: any */
	const char *target;
} variants[] = {
	{ 0x15b3, 0x101e, NULL, "mlx5_vfio_pci" },
	{ 0x15b3, 0, "mlx5_core", "mlx5_vfio_pci" },
	{ 0x19e5, 0xa256, NULL, "hisi_acc_vfio_pci" },
	{ 0x19e5, 0xa259, NULL, "hisi_acc_vfio_pci" },
	{ 0x19e5, 0xa25b, NULL, "hisi_acc_vfio_pci" },
	{ 0x1dd8, 0x1003, NULL, "pds_vfio_pci" },
	{ 0x8086, 0, "4xxxvf", "qat_vfio_pci" },
	{ 0x1af4, 0x1041, NULL, "virtio_vfio_pci" },
};

static const char *pick_driver(const struct devinfo *di)
{
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		if (variants[i].vendor != di->vendor ||
		    (variants[i].device && variants[i].device != di->device) ||
		    (variants[i].driver && strcmp(variants[i].driver, di->driver)))
			continue;
		return variants[i].target;
	}
	return "vfio-pci";
}

static void block(struct prep *p, enum step s, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Remember the first step that cannot work; the plan still prints. */
static void block(struct prep *p, enum step s, int e, const char *fmt, ...)
{
	va_list ap;

	if (p->block != S_N)
		return;
	p->block = s;
	p->block_err = e;
	va_start(ap, fmt);
	vsnprintf(p->block_why, sizeof(p->block_why), fmt, ap);
	va_end(ap);
}

/* Refused before anything changed: the argument is no PCI VF. */
static int refuse(const char *arg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int refuse(const char *arg, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	err("prepare %s: step resolve: %s", arg, why);
	return -VM_E_REFUSED;
}

/* "; the VF is unbound, driver_override mlx5_vfio_pci" for messages. */
static void vf_now(const struct prep *p, char *buf, size_t len)
{
	char path[PATH_MAX + 20], drv[64] = "", ovr[64] = "";

	snprintf(path, sizeof(path), "%s/driver", p->vf.path);
	sysfs_link_name(path, drv, sizeof(drv));
	snprintf(path, sizeof(path), "%s/driver_override", p->vf.path);
	if (sysfs_read(path, ovr, sizeof(ovr)) || !strcmp(ovr, "(null)"))
		ovr[0] = '\0';
	snprintf(buf, len, "; the VF is %s%s%s%s", drv[0] ? "bound to " : "unbound",
		 drv, ovr[0] ? ", driver_override " : "", ovr);
}

static int step_fail(const struct prep *p, enum step s, int e,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int step_fail(const struct prep *p, enum step s, int e,
		     const char *fmt, ...)
{
	char why[400], now[200] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (s >= S_UNBIND)
		vf_now(p, now, sizeof(now));
	err("prepare %s: step %s: %s%s", p->vf.name, step_names[s], why, now);
	return e;
}

/* Text mode, not with -q: one line per step as it completes. */
static void report(enum step s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(enum step s, const char *fmt, ...)
{
	char text[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	out_fmt_str(NULL, "%-16s ", step_names[s]);
	out_fmt_str(NULL, "%s\n", text);
	fflush(stdout);
}

/* A devlink port handle given as VF: its PCI VF's address. */
static int port_to_vf(const struct dl_handle *h, const char *arg, char *vf,
		      size_t len)
{
	char why[320], dev[128];
	struct dl_port port;
	struct dl dl;
	int r = dl_open(&dl, vm_ctx());

	if (r) {
		err("prepare %s: step resolve: %s", arg, dl.extack);
		return r;
	}
	r = dl_port_get(&dl, h, &port);
	dl_explain(r, dl.extack, why, sizeof(why));
	dl_close(&dl);
	if (r) {
		err("prepare %s: step resolve: reading devlink port: %s", arg, why);
		return r;
	}
	snprintf(dev, sizeof(dev), "%s/%s", port.h.bus, port.h.dev);
	if (port.flavour != DEVLINK_PORT_FLAVOUR_PCI_VF)
		return refuse(arg, "not a PCI VF: a %s port of %s",
			      dl_flavour_name(port.flavour), dev);
	if (strcmp(port.h.bus, "pci"))
		return refuse(arg, "not a PCI VF: VF %d of %s, which is on bus "
			      "%s, has no PCI function to bind", port.vfnum, dev,
			      port.h.bus);
	dl_pci_vf_name(port.h.dev, port.vfnum, vf, len);
	if (!vf[0]) {
		err("prepare %s: step resolve: VF %d of %s has no PCI device "
		    "(virtfn%d)", arg, port.vfnum, dev, port.vfnum);
		return -ENODEV;
	}
	return 0;
}

/* Step resolve: the argument to a PCI VF, its PF and VF number. */
static int resolve(const char *arg, struct prep *p)
{
	struct reason why = { 0 };
	struct dl_handle h;
	char vf[64];
	int r;

	if (dl_handle_parse(arg, &h)) {
		r = port_to_vf(&h, arg, vf, sizeof(vf));
		if (r)
			return r;
		arg = vf;
	}
	r = devinfo_resolve(arg, &p->vf, &why);
	if (r)
		return say_reason(r, &why);
	if (strcmp(p->vf.bus, "pci"))
		return refuse(arg, "not a PCI VF (bus %s)",
			      p->vf.bus[0] ? p->vf.bus : "unknown");
	if (dl_pci_vf_of(p->vf.path, p->pf, sizeof(p->pf), &p->vfnum))
		return refuse(arg, "not a PCI VF (no physfn link: a PF or a "
			      "plain PCI function)");
	return 0;
}

/* The VF's devlink port; no port (or no devlink) only skips a step. */
static void find_port(struct prep *p)
{
	struct dl_ports ports;
	struct dl dl;
	int r = dl_open(&dl, vm_ctx());

	if (r) {
		snprintf(p->no_port, sizeof(p->no_port), "%s", dl.extack);
		return;
	}
	r = dl_port_dump(&dl, &ports);
	if (r) {
		char why[320];

		dl_explain(r, dl.extack, why, sizeof(why));
		snprintf(p->no_port, sizeof(p->no_port), "dumping devlink ports: %s", why);
	} else if (dl_find_vf_port(&ports, p->pf, p->vfnum, &p->port)) {
		snprintf(p->no_port, sizeof(p->no_port),
			 "no devlink port for VF %d of pci/%s", p->vfnum, p->pf);
	} else {
		p->has_port = true;
		dl_handle_str(&p->port.h, p->port_name, sizeof(p->port_name));
	}
	dl_ports_free(&ports);
	dl_close(&dl);
}

/* A VFIO user would make the unbind wait until it lets go: refuse. */
static void check_owner(struct prep *p)
{
	char gnode[64], cnode[64];
	const char *nodes[2] = { gnode, cnode };
	struct owner o;

	snprintf(gnode, sizeof(gnode), "/dev/vfio/%d", p->vf.group);
	snprintf(cnode, sizeof(cnode), "/dev/vfio/devices/%s", p->vf.cdev);
	if (find_owner(nodes, p->vf.cdev[0] ? 2 : 1, &o))
		block(p, S_UNBIND, -EBUSY, "device busy: owned by pid %d (%s)",
		      (int)o.pid, o.comm);
}

static void plan(const struct prep_args *a, struct prep *p)
{
	char path[PATH_MAX];

	p->block = S_N;
	snprintf(p->target, sizeof(p->target), "%s",
		 a->driver ? a->driver : pick_driver(&p->vf));
	find_port(p);
	p->set_mig = p->has_port && p->port.migratable == DL_OFF;
	p->rebind = strcmp(p->vf.driver, p->target) || p->set_mig;
	if (p->rebind && p->vf.vfio)
		check_owner(p);
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s", p->target);
	if (p->rebind && access(path, F_OK))
		block(p, S_BIND, -VM_E_OLDKERNEL,
		      "driver %s is not loaded (modprobe %s)", p->target, p->target);
}

static void plan_text(const struct prep *p, enum step s, char *buf, size_t len)
{
	const struct dl_port *port = &p->port;

	switch (s) {
	case S_RESOLVE:
		snprintf(buf, len, "%s is VF %d of PF %s", p->vf.name, p->vfnum, p->pf);
		break;
	case S_MIGRATABLE:
		if (!p->has_port)
			snprintf(buf, len, "skip: %s", p->no_port);
		else if (port->migratable == DL_UNREPORTED)
			snprintf(buf, len, "skip: %s does not report migratable "
				 "(its driver lacks the capability)", p->port_name);
		else if (port->migratable == DL_ON)
			snprintf(buf, len, "skip: already on at %s", p->port_name);
		else
			snprintf(buf, len, "enable on %s", p->port_name);
		break;
	case S_UNBIND:
		if (!p->rebind)
			snprintf(buf, len, "skip: already bound to %s", p->target);
		else if (!p->vf.driver[0])
			snprintf(buf, len, "skip: no driver bound");
		else
			snprintf(buf, len, "unbind from %s", p->vf.driver);
		break;
	case S_OVERRIDE:
	case S_BIND:
		snprintf(buf, len, "%s%s", !p->rebind ? "skip: already bound to " :
			 s == S_BIND ? "bind to " : "set to ", p->target);
		break;
	default:
		snprintf(buf, len, "wait for the VFIO device node");
	}
	if (p->block == s)
		snprintf(buf + strlen(buf), len - strlen(buf), " (cannot: %s)",
			 p->block_why);
}

static int print_plan(const struct prep *p)
{
	char text[800];

	out_begin();
	out_str("device", "device", p->vf.name);
	out_str("pf", "pf", p->pf);
	out_int("vfnum", "vf number", p->vfnum);
	if (p->has_port)
		out_str("port", "devlink port", p->port_name);
	else
		out_null("port", "devlink port", "none");
	if (p->has_port && p->port.migratable != DL_UNREPORTED) {
		out_line("migratable", "%s", p->port.migratable == DL_ON ? "on" : "off");
		out_bool("migratable", NULL, p->port.migratable == DL_ON);
	} else {
		out_null("migratable", "migratable", p->has_port ? "unsupported" : "-");
	}
	if (p->vf.driver[0])
		out_str("driver", "driver", p->vf.driver);
	else
		out_null("driver", "driver", "none");
	out_str("target_driver", "target driver", p->target);
	out_bool("dry_run", NULL, true);
	out_text("plan (dry run, nothing changed):\n");
	out_arr_open("steps", NULL);
	for (int s = 0; s < S_N; s++) {
		plan_text(p, s, text, sizeof(text));
		out_obj_open(NULL);
		out_fmt_str("step", "  %-16s ", step_names[s]);
		out_fmt_str("action", "%s\n", text);
		out_obj_close();
	}
	out_arr_close();
	return out_end();
}

/* The driver the VF is bound to now, "" when none. */
static void bound_driver(const struct prep *p, char *buf, size_t len)
{
	char path[PATH_MAX + 10];

	snprintf(path, sizeof(path), "%s/driver", p->vf.path);
	if (sysfs_link_name(path, buf, len))
		buf[0] = '\0';
}

static int do_migratable(struct prep *p)
{
	char why[320];
	struct dl dl;
	int r;

	if (!p->set_mig) {
		char text[400];

		plan_text(p, S_MIGRATABLE, text, sizeof(text));
		report(S_MIGRATABLE, "%s", text);
		return 0;
	}
	r = dl_open(&dl, vm_ctx());
	if (r)
		return step_fail(p, S_MIGRATABLE, r, "%s", dl.extack);
	r = dl_port_set_migratable(&dl, &p->port.h, true);
	if (!r)
		r = dl_port_get(&dl, &p->port.h, &p->port);
	dl_explain(r, dl.extack, why, sizeof(why));
	dl_close(&dl);
	if (r)
		return step_fail(p, S_MIGRATABLE, r, "enabling migratable on %s: %s",
				 p->port_name, why);
	if (p->port.migratable != DL_ON)
		return step_fail(p, S_MIGRATABLE, -EPROTO, "%s does not report "
				 "migratable on after enabling it", p->port_name);
	report(S_MIGRATABLE, "enabled on %s", p->port_name);
	return 0;
}

static int do_unbind(struct prep *p)
{
	char path[PATH_MAX + 20], drv[64];
	int r;

	if (!p->rebind || !p->vf.driver[0]) {
		char text[400];

		plan_text(p, S_UNBIND, text, sizeof(text));
		report(S_UNBIND, "%s", text);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/driver/unbind", p->vf.path);
	r = sysfs_write(path, p->vf.name);
	if (r)
		return step_fail(p, S_UNBIND, r, "writing %s: %s", path, errstr(r));
	bound_driver(p, drv, sizeof(drv));
	if (drv[0])
		return step_fail(p, S_UNBIND, -EPROTO, "writing %s left it bound",
				 path);
	report(S_UNBIND, "unbound from %s", p->vf.driver);
	return 0;
}

static int do_override(struct prep *p)
{
	char path[PATH_MAX + 20], now[64];
	int r;

	if (!p->rebind) {
		report(S_OVERRIDE, "skip: already bound to %s", p->target);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/driver_override", p->vf.path);
	r = sysfs_write(path, p->target);
	if (r)
		return step_fail(p, S_OVERRIDE, r, "writing %s: %s", path, errstr(r));
	r = sysfs_read(path, now, sizeof(now));
	if (r || strcmp(now, p->target))
		return step_fail(p, S_OVERRIDE, r ? r : -EPROTO, "reading back %s: %s",
				 path, r ? errstr(r) : now);
	report(S_OVERRIDE, "%s", p->target);
	return 0;
}

static int do_bind(struct prep *p)
{
	char path[PATH_MAX + 20], drv[64];
	int r;

	if (!p->rebind) {
		report(S_BIND, "skip: already bound to %s", p->target);
		return 0;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind", p->target);
	r = sysfs_write(path, p->vf.name);
	if (r)
		return step_fail(p, S_BIND, r, "writing %s: %s (the kernel log may "
				 "say why the driver refused it)", path, errstr(r));
	bound_driver(p, drv, sizeof(drv));
	if (strcmp(drv, p->target))
		return step_fail(p, S_BIND, -EPROTO, "writing %s did not bind it", path);
	report(S_BIND, "bound to %s", p->target);
	return 0;
}

/* The VFIO core registers the device at bind; devtmpfs makes the node. */
static int do_wait(struct prep *p)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	char node[64];
	struct devinfo di;

	for (int ms = 0;; ms += 100) {
		devinfo_from_path(p->vf.path, &di);
		if (di.cdev[0])
			snprintf(node, sizeof(node), "/dev/vfio/devices/%s", di.cdev);
		else
			snprintf(node, sizeof(node), "/dev/vfio/%d", di.group);
		if (di.vfio && !access(node, F_OK))
			break;
		if (ms >= WAIT_MS)
			return step_fail(p, S_WAIT, -ETIMEDOUT, "no VFIO device "
					 "node after %d s", WAIT_MS / 1000);
		nanosleep(&tick, NULL);
	}
	p->vf = di;
	report(S_WAIT, "%s", node);
	return 0;
}

static int run_steps(struct prep *p)
{
	char text[400];
	int r;

	plan_text(p, S_RESOLVE, text, sizeof(text));
	report(S_RESOLVE, "%s", text);
	r = do_migratable(p);
	if (!r)
		r = do_unbind(p);
	if (!r)
		r = do_override(p);
	if (!r)
		r = do_bind(p);
	if (!r)
		r = do_wait(p);
	return r;
}

int cmd_prepare(int argc, char **argv)
{
	char *info_argv[] = { (char *)"info", NULL, NULL };
	struct prep_args a = { 0 };
	struct prep p;
	int r;

	cmd_parse(&prepare_argp, argc, argv, &a);
	memset(&p, 0, sizeof(p));
	r = resolve(a.vf, &p);
	if (r)
		return r;
	plan(&a, &p);
	if (a.dry_run) {
		r = print_plan(&p);
		if (p.block != S_N)
			return step_fail(&p, p.block, p.block_err, "%s", p.block_why);
		return r;
	}
	if (p.block != S_N) {
		err("prepare %s: step %s: %s; nothing was changed", p.vf.name,
		    step_names[p.block], p.block_why);
		return p.block_err;
	}
	r = run_steps(&p);
	if (r)
		return r;
	/* The result is what info says about the device now. */
	out_text("\n");
	info_argv[1] = p.vf.name;
	return cmd_info(2, info_argv);
}
