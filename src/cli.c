// SPDX-License-Identifier: GPL-2.0-or-later
#include <argp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "sysfs.h"
#include "vfiomig.h"

enum { OPT_OPEN = 0x100, OPT_NO_HOLDER };

static const struct argp_option common_options[] = {
	{ "json", 'j', NULL, 0, "Print one JSON document on stdout", -1 },
	{ "pretty", 'p', NULL, 0, "Pretty-print JSON (implies --json)", -1 },
	{ "verbose", 'v', NULL, 0, "Say more on stderr (repeatable)", -1 },
	{ "quiet", 'q', NULL, 0, "Print errors only on stderr", -1 },
	{ "open", OPT_OPEN, "MODE", 0,
	  "How to open devices: auto (default: cdev when present), cdev, group", -1 },
	{ "no-holder", OPT_NO_HOLDER, NULL, 0,
	  "Open devices directly even when vfiomig hold holds them", -1 },
	{ 0 }
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'j':
		opts.json = true;
		break;
	case 'p':
		opts.json = opts.pretty = true;
		break;
	case 'v':
		opts.verbose++;
		break;
	case 'q':
		opts.quiet = true;
		break;
	case OPT_NO_HOLDER:
		opts.no_holder = true;
		break;
	case OPT_OPEN:
		if (!strcmp(arg, "auto"))
			opts.open = OPEN_AUTO;
		else if (!strcmp(arg, "cdev"))
			opts.open = OPEN_CDEV;
		else if (!strcmp(arg, "group"))
			opts.open = OPEN_GROUP;
		else
			argp_error(state, "--open: '%s' is not auto, cdev or group", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp common_argp = { common_options, common_parse, NULL, NULL,
				  NULL, NULL, NULL };

const struct argp_child common_children[] = {
	{ &common_argp, 0, "Global options:", 0 },
	{ 0 }
};

int cmd_parse(const struct argp *argp, int argc, char **argv, void *input)
{
	char name[64];
	char *saved = argv[0];
	error_t e;

	/* "vfiomig state" in usage lines and --help. */
	snprintf(name, sizeof(name), "vfiomig %s", argv[0]);
	argv[0] = name;
	e = argp_parse(argp, argc, argv, 0, NULL, input);
	argv[0] = saved;
	return e ? -VM_E_USAGE : 0;
}

int parse_secs(const char *arg, double scale, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	/* !(v >= 0) is true for nan too: "nan" would wait for ever. */
	if (*end || end == arg || !(v >= 0) || !isfinite(v) || v * scale > SECS_MAX)
		return -1;
	*out = v * scale;
	return 0;
}

error_t parse_dev_list(int key, char *arg, struct argp_state *state,
		       const char **devs, unsigned int *n, unsigned int max)
{
	switch (key) {
	case ARGP_KEY_ARG:
		if (*n == max)
			argp_error(state, "at most %u devices", max);
		devs[(*n)++] = arg;
		return 0;
	case ARGP_KEY_END:
		if (!*n)
			argp_error(state, "missing device");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

error_t parse_one_dev(int key, char *arg, struct argp_state *state,
		      const char **dev)
{
	switch (key) {
	case ARGP_KEY_ARG:
		if (*dev)
			argp_error(state, "extra argument '%s'", arg);
		*dev = arg;
		return 0;
	case ARGP_KEY_END:
		if (!*dev)
			argp_error(state, "missing device");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

int devs_distinct(const char *cmd, const char *const *devs, unsigned int n)
{
	char names[DEVS_MAX][sizeof(((struct devinfo *)0)->name)];
	char why[PATH_MAX + 128];
	struct devinfo di;
	unsigned int i, j;

	for (i = 0; i < n && i < DEVS_MAX; i++) {
		names[i][0] = '\0';
		/* A name that does not resolve is the open's to report. */
		if (devinfo_resolve(devs[i], &di, why, sizeof(why)))
			continue;
		snprintf(names[i], sizeof(names[i]), "%s", di.name);
		for (j = 0; j < i; j++) {
			if (strcmp(names[j], names[i]))
				continue;
			if (!strcmp(devs[j], devs[i]))
				err("%s: %s is named twice", cmd, devs[i]);
			else
				err("%s: %s and %s are the same device (%s)", cmd, devs[j],
				    devs[i], names[i]);
			return -VM_E_USAGE;
		}
	}
	return 0;
}
