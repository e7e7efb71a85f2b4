/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * devlink ports over generic netlink. All libnl use lives in devlink.c;
 * commands see the plain structs below. Functions return 0 or a negative
 * code, with the kernel's extack text (or, when libnl or the kernel's
 * devlink family itself fails, what failed) in dl->extack. Nothing is
 * printed; with x->netlink_debug libnl dumps every message itself.
 */
#ifndef VFIOMIG_DEVLINK_H
#define VFIOMIG_DEVLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

struct nl_sock;

struct dl {
	const struct vm_ctx *x;
	struct nl_sock *sk;
	int family;
	/* The kernel's message for the last request, or why dl_open failed. */
	char extack[256];
};

/* A devlink port handle: BUS/DEV/INDEX, any bus ("pci", "netdevsim"). */
struct dl_handle {
	char bus[32];
	char dev[64];
	uint32_t index;
};

enum dl_tristate { DL_UNREPORTED = -1, DL_OFF = 0, DL_ON = 1 };

struct dl_port {
	struct dl_handle h;
	int flavour;            /* DEVLINK_PORT_FLAVOUR_*, -1 if absent */
	int pfnum, vfnum;       /* -1 if absent */
	bool external;          /* a function of another host (SmartNIC) */
	char netdev[32];
	int fn_state, fn_opstate; /* DEVLINK_PORT_FN_*, -1 if absent */
	char hw_addr[3 * 32];   /* "aa:bb:..", "" if absent */
	/* Absent from the reply means the driver does not report it. */
	enum dl_tristate migratable;
};

struct dl_ports {
	struct dl_port *v;
	size_t n;
};

/*
 * Socket, extended ACKs, family "devlink"; why it failed in dl->extack.
 * -VM_E_OLDKERNEL: no devlink.
 */
int dl_open(struct dl *dl, const struct vm_ctx *x);
void dl_close(struct dl *dl);

/* Every port of every devlink instance (a dump). */
int dl_port_dump(struct dl *dl, struct dl_ports *out);
void dl_ports_free(struct dl_ports *p);
/* One port: ENODEV when the instance or the port does not exist. */
int dl_port_get(struct dl *dl, const struct dl_handle *h, struct dl_port *out);
/* DEVLINK_CMD_PORT_SET of the function's migratable capability. */
int dl_port_set_migratable(struct dl *dl, const struct dl_handle *h, bool on);

/* One version of a devlink instance's `dev info`. */
enum dl_version_kind { DL_VER_FIXED, DL_VER_RUNNING, DL_VER_STORED };
#define DL_VERSIONS_MAX 24

struct dl_version {
	enum dl_version_kind kind;
	char name[48];          /* "fw.psid", "fw.version", "fw.mgmt" */
	char value[96];
};

/* DEVLINK_CMD_INFO_GET's answer; "" for what the driver does not report. */
struct dl_info {
	struct dl_handle h;     /* bus and dev; no index */
	char driver[64];
	char serial[96];
	char board_serial[96];
	struct dl_version v[DL_VERSIONS_MAX];
	unsigned int n;
};

/* `devlink dev info BUS/DEV`: ENODEV when there is no such instance. */
int dl_info_get(struct dl *dl, const struct dl_handle *h, struct dl_info *out);
const char *dl_version_kind_name(enum dl_version_kind k);

/* "BUS/DEV/INDEX" -> handle; false when it is not one. */
bool dl_handle_parse(const char *s, struct dl_handle *h);
/* "BUS/DEV" (an instance, no index); false when it is not one. */
bool dl_dev_parse(const char *s, struct dl_handle *h);
void dl_handle_str(const struct dl_handle *h, char *buf, size_t len);

/* The PCI side: a VF's PF and VF number from its sysfs directory. */
int dl_pci_vf_of(const char *vfdir, char *pf, size_t len, int *vfnum);
/* The PCI address of VF vfnum of PF pf, "" when there is none. */
void dl_pci_vf_name(const char *pf, int vfnum, char *buf, size_t len);
/* The pcivf port of VF vfnum of the PCI PF pf among ports; -ENOENT. */
int dl_find_vf_port(const struct dl_ports *ports, const char *pf, int vfnum,
		    struct dl_port *out);

/*
 * "why (ENAME)" for a failed request: the kernel's extack text verbatim
 * when it sent one, else a plain reading of EOPNOTSUPP, EPERM, ENODEV.
 */
void dl_explain(int r, const char *extack, char *buf, size_t len);

const char *dl_flavour_name(int flavour);
const char *dl_fn_state_name(int state);
const char *dl_fn_opstate_name(int opstate);

#endif
