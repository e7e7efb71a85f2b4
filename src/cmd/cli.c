// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The global options (-j, -v, --open, ...), parsed into struct vm_opts
 * (opts.c owns it), and the argp glue every command's parser shares.
 * Must not act on a device.
 */
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
	{ "json", 'j', NULL, 0, "Print one JSON document on stdout", 0 },
	{ "pretty", 'p', NULL, 0, "Pretty-print JSON (implies --json)", 0 },
	{ "verbose", 'v', NULL, 0, "Say more on stderr (repeatable)", 0 },
	{ "quiet", 'q', NULL, 0, "Print errors only on stderr (stdout's report stays)", 0 },
	{ "open", OPT_OPEN, "MODE", 0,
	  "How to open devices: auto (default: cdev when present), cdev, group", 0 },
	{ "no-holder", OPT_NO_HOLDER, NULL, 0,
	  "Open devices directly even when vfiomig hold holds them", 0 },
	{ 0 }
};

/*
 * argp says what is wrong with the usage itself, then exits 64. Its
 * error stream goes on to stderr unchanged, and its first line is kept
 * for the JSON error object that main still owes (log_record_error).
 * getopt's own line ("unrecognized option '--bogus'") goes to stderr
 * itself: while argp parses, stderr is this stream too (parse()).
 */
static FILE *real_stderr;

static ssize_t usage_write(void *cookie, const char *buf, size_t len)
{
	static char line[512];
	static size_t used;
	static bool done;

	fwrite(buf, 1, len, real_stderr ? real_stderr : stderr);
	for (size_t i = 0; i < len && !done; i++) {
		if (buf[i] == '\n' || used == sizeof(line) - 1) {
			line[used] = '\0';
			used = 0;
			/* Not "Try `vfiomig --help'...": that says nothing. */
			if (strncmp(line, "Try `", 5)) {
				log_record_error("%s", line);
				done = true;
			}
		} else {
			line[used++] = buf[i];
		}
	}
	return (ssize_t)len;
}

static FILE *usage_stream(void)
{
	static FILE *f;

	if (!f) {
		f = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = usage_write });
		if (f)
			setvbuf(f, NULL, _IONBF, 0);
	}
	return f ? f : stderr;
}

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_INIT:
		state->err_stream = usage_stream();
		break;
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
	{ &common_argp, 0, "Global options:", HELP_GROUP_GLOBAL },
	{ 0 }
};

int argp_parse_caught(const struct argp *argp, int argc, char **argv, unsigned flags,
		      void *input)
{
	FILE *err = usage_stream();
	error_t e;

	real_stderr = stderr;
	if (err != stderr)
		stderr = err;
	e = argp_parse(argp, argc, argv, flags, NULL, input);
	stderr = real_stderr;
	return e;
}

int cmd_parse(const struct argp *argp, int argc, char **argv, void *input)
{
	char name[64];
	char *saved = argv[0];
	error_t e;

	/* "vfiomig state" in usage lines and --help. */
	snprintf(name, sizeof(name), "vfiomig %s", argv[0]);
	argv[0] = name;
	e = argp_parse_caught(argp, argc, argv, 0, input);
	argv[0] = saved;
	opts_done();
	return e ? -VM_E_USAGE : 0;
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
	struct devinfo di;
	unsigned int i, j;

	if (n > DEVS_MAX) {
		err("%s: %u devices named; one command takes at most %d", cmd, n, DEVS_MAX);
		return -VM_E_USAGE;
	}
	for (i = 0; i < n; i++) {
		struct reason why = { 0 };

		names[i][0] = '\0';
		/* A name that does not resolve is the open's to report. */
		if (devinfo_resolve(devs[i], &di, &why))
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
