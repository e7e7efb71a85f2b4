/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which VFIO migration variant driver would serve a PCI function, the way
 * the kernel declares it: each variant driver's PCI_DRIVER_OVERRIDE_DEVICE_VFIO
 * table becomes "alias vfio_pci:vVVVVVVVVdDDDDDDDDsv*sd*bc*sc*i* MODULE"
 * lines in /lib/modules/RELEASE/modules.alias (scripts/mod/file2alias.c).
 * No hand-kept table of IDs: a driver the running kernel lacks is not known.
 */
#ifndef VFIOMIG_MODALIAS_H
#define VFIOMIG_MODALIAS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "reason.h"

struct valias {
	char pattern[128];   /* "pci:v000015B3d0000101Esv*sd*bc*sc*i*" */
	char module[64];
};

struct modalias {
	char release[65];    /* uname's */
	char dir[PATH_MAX];  /* /lib/modules/RELEASE */
	struct valias *v;
	size_t n;
};

enum mod_state {
	MOD_MISSING,   /* modules.alias names it, the module tree has no file */
	MOD_PRESENT,   /* in the module tree, not loaded */
	MOD_LOADED,
	MOD_BUILTIN,
};

/* Read the running kernel's vfio_pci aliases: 0, or -errno with why set
 * (no modules.alias: a kernel without modules, or none installed). */
int modalias_load(struct modalias *m, struct reason *why);
void modalias_free(struct modalias *m);
/* The variant driver's module for a device's modalias ("pci:v..."), or NULL. */
const char *modalias_match(const struct modalias *m, const char *dev_modalias);
enum mod_state modalias_module(const struct modalias *m, const char *module);
const char *mod_state_name(enum mod_state s);

#endif
