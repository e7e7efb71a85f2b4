/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The options of a network endpoint (--psk-file, --insecure, --timeout)
 * and what is checked of them before anything is opened.
 */
#ifndef VFIOMIG_NETOPTS_H
#define VFIOMIG_NETOPTS_H

#include <argp.h>

#include "net.h"

/* The options' parser; its input is a struct net_opts. */
extern const struct argp net_argp;

/*
 * A key or --insecure (warned about), not both, and the key file loaded:
 * 0, or -VM_E_USAGE / -errno with the error line printed.
 */
int net_auth_init(struct net_opts *n, const char *cmd);

#endif
