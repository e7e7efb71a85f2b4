/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfiomig list --all: which devices can migrate here, and why not. */
#ifndef VFIOMIG_INVENTORY_H
#define VFIOMIG_INVENTORY_H

/* Report every candidate; returns out_end()'s code. */
int list_inventory(void);

#endif
