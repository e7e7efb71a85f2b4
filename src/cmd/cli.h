/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Option parsing shared by the front door and every command. */
#ifndef VFIOMIG_CLI_H
#define VFIOMIG_CLI_H

#include <argp.h>

#include "vm.h"

/* -j -p -v -q --open: accepted before the command and after it. */
extern const struct argp common_argp;
extern const struct argp_child common_children[];

/*
 * argp sorts option groups of one help group number in reverse order:
 * a command's own groups (network, transfer) take HELP_GROUP_CMD and
 * the global options HELP_GROUP_GLOBAL, so --help lists them in that
 * order, after the command's own options.
 */
enum { HELP_GROUP_CMD = 1, HELP_GROUP_GLOBAL = 2 };

/*
 * Run a command's argp over its slice of argv (argv[0] is the command
 * name). argp itself exits 0 after --help and EXIT_USAGE on bad usage.
 */
int cmd_parse(const struct argp *argp, int argc, char **argv, void *input);

/* The options are known: the engine's context follows them (context.c). */
void opts_done(void);

/* argp_parse(), with what argp and getopt say about a bad usage kept for
 * the JSON error object (both write to stderr as usual). */
int argp_parse_caught(const struct argp *argp, int argc, char **argv, unsigned flags,
		      void *input);

/* ARGP_KEY_ARG and ARGP_KEY_END for a command that takes one DEV. */
error_t parse_one_dev(int key, char *arg, struct argp_state *state,
		      const char **dev);

/*
 * A finite, non-negative number (of seconds, milliseconds...) times
 * scale into *out, at most SECS_MAX seconds; -1 if arg is not one (nan,
 * inf, negative, too large, trailing junk).
 */
#define SECS_MAX 1000000.0
int parse_secs(const char *arg, double scale, double *out);

/* ARGP_KEY_ARG and ARGP_KEY_END for a command that takes DEV... (at
 * most max); other keys are ARGP_ERR_UNKNOWN. */
error_t parse_dev_list(int key, char *arg, struct argp_state *state,
		       const char **devs, unsigned int *n, unsigned int max);

/*
 * Before any device is opened: two of the n names (n <= DEVS_MAX) that
 * resolve to one device (0000:3b:00.1 and 3b:00.1, a sysfs path, the
 * cdev) are a usage error, printed; 0 otherwise. Names that resolve to
 * nothing are left to the open to report.
 */
int devs_distinct(const char *cmd, const char *const *devs, unsigned int n);

#endif
