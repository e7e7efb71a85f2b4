// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig: step VFIO devices through the migration v2 state machine and
 * move their state. The front door: global options, then a command from
 * the table below, which parses the rest of argv itself.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "log.h"
#include "output.h"
#include "vfiomig.h"

#ifndef VFIOMIG_VERSION
#define VFIOMIG_VERSION "0.1"
#endif

const char *argp_program_version = "vfiomig " VFIOMIG_VERSION;
const char *argp_program_bug_address = NULL;

static int cmd_help(int argc, char **argv);

static const struct cmd commands[] = {
	{ "info", cmd_info, "DEV", "show migration flags, state and size estimates" },
	{ "state", cmd_state, "DEV [STATE...]", "print the state, or step the FSM to each STATE" },
	{ "reset", cmd_reset, "DEV", "reset the device and report its state" },
	{ "save", cmd_save, "DEV", "save the device's state as a stream (stdout or -o FILE)" },
	{ "restore", cmd_restore, "DEV", "restore a saved stream into a device (stdin or -i FILE)" },
	{ "inspect", cmd_inspect, "[FILE]", "describe and verify a saved stream, no device needed" },
	{ "migrate", cmd_migrate, "DEV... --to URL", "live-migrate devices to a receiver on another host" },
	{ "receive", cmd_receive, "DEV... --listen URL", "receive a live migration into devices" },
	{ "check", cmd_check, "DEV", "check the device's migration driver against the protocol" },
	{ "hold", cmd_hold, "DEV...", "keep devices open and serve other commands for them" },
	{ "release", cmd_release, "DEV...", "end holding devices" },
	{ "list", cmd_list, "[--all]", "list VFIO devices with their migration support "
	  "(--all: and every device a variant driver would serve)" },
	{ "identity", cmd_identity, "DEV", "print what decides migration compatibility" },
	{ "compat", cmd_compat, "DEV --with FILE", "compare with another host's identity" },
	{ "devlink", cmd_devlink, "show|set ...", "show VF devlink ports, set their migratable capability" },
	{ "prepare", cmd_prepare, "VF", "enable migratable, bind the VF to its VFIO variant driver" },
	{ "help", cmd_help, "[COMMAND]", "list the commands, or show a command's help" },
};

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/*
 * The command table, as both --help and help print it. argp re-wraps
 * --help's closing text at column 0 but leaves lines that fit its right
 * margin alone: so every line here fits, and a summary goes on under its
 * own column, below arguments too long to share a line with it.
 */
enum { SUMMARY_COL = 28, HELP_WIDTH = 78 };

/* How much of s fits in room columns, broken at a space when it can. */
static size_t fit(const char *s, size_t room)
{
	size_t n = strlen(s);

	if (n <= room)
		return n;
	for (n = room; n && s[n] != ' '; n--)
		;
	return n ? n : strcspn(s, " ");
}

static void print_command(FILE *f, const struct cmd *c)
{
	const char *s = c->summary;
	int col = fprintf(f, "  %-8s %-16s", c->name, c->args);

	if (col >= SUMMARY_COL)
		col = fprintf(f, "\n%*s", SUMMARY_COL, "") - 1;
	else
		col += fprintf(f, " ");
	while (*s) {
		size_t n = fit(s, HELP_WIDTH - col);

		fprintf(f, "%.*s", (int)n, s);
		for (s += n; *s == ' '; s++)
			;
		if (*s)
			col = fprintf(f, "\n%*s", SUMMARY_COL, "") - 1;
	}
	fputc('\n', f);
}

static void print_commands(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		print_command(f, &commands[i]);
}

static error_t help_parse(int key, char *arg, struct argp_state *state)
{
	const char **name = state->input;

	if (key != ARGP_KEY_ARG)
		return ARGP_ERR_UNKNOWN;
	if (*name)
		argp_error(state, "extra argument '%s'", arg);
	*name = arg;
	return 0;
}

static const struct argp help_argp = {
	NULL, help_parse, "[COMMAND]",
	"List the commands, or show COMMAND's help.", NULL, NULL, NULL
};

/* -j help [COMMAND]: the table, as the one document a run prints. */
static int help_json(const char *name)
{
	out_begin();
	if (!name)
		out_arr_open("commands", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct cmd *c = &commands[i];

		if (name && strcmp(name, c->name))
			continue;
		if (!name)
			out_obj_open(NULL);
		out_str("command", NULL, c->name);
		out_str("args", NULL, c->args);
		out_str("summary", NULL, c->summary);
		if (!name)
			out_obj_close();
	}
	if (!name)
		out_arr_close();
	return out_end();
}

static int cmd_help(int argc, char **argv)
{
	char *hargv[] = { NULL, "--help", NULL };
	const char *name = NULL;
	const struct cmd *c;

	cmd_parse(&help_argp, argc, argv, &name);
	if (opts.json && (!name || find_cmd(name)))
		return help_json(name);
	if (!name) {
		printf("Usage: vfiomig [OPTION...] COMMAND [ARGS...]\n\nCommands:\n");
		print_commands(stdout);
		return 0;
	}
	/* help help is help --help: argp prints it and exits. */
	c = find_cmd(name);
	if (!c) {
		err("help: unknown command '%s'", name);
		return -VM_E_USAGE;
	}
	hargv[0] = (char *)name;
	return c->func(2, hargv);
}

/* Where the command starts in argv; 0 when none was given. */
struct front {
	int cmd_index;
};

static error_t front_parse(int key, char *arg, struct argp_state *state)
{
	struct front *f = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_ARG:
		/* Stop at the command: the rest of argv is the command's. */
		f->cmd_index = state->next - 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!f->cmd_index)
			argp_error(state, "no command given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static char *front_help(int key, const char *text, void *input)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)input;
	if (key != ARGP_KEY_HELP_POST_DOC)
		return (char *)text;
	f = open_memstream(&buf, &len);
	if (!f)
		return (char *)text;
	fprintf(f, "Commands:\n");
	print_commands(f);
	fprintf(f, "\n'vfiomig COMMAND --help' shows a command's options. "
		   "Exit codes are listed in vfiomig(8).");
	fclose(f);
	return buf;
}

static const struct argp front_argp = {
	NULL, front_parse, "COMMAND [ARGS...]",
	"Drive a VFIO device through the migration v2 state machine.\v",
	common_children, front_help, NULL
};

static const struct {
	int ret, status;
} exit_map[] = {
	{ 0, EXIT_OK },
	{ -VM_E_USAGE, EXIT_USAGE },
	{ -VM_E_STATE, EXIT_STATE },
	{ -VM_E_NOMIG, EXIT_NOMIG }, { -EOPNOTSUPP, EXIT_NOMIG },
	{ -VM_E_NOTVFIO, EXIT_NOTVFIO },
	{ -VM_E_NOTVIABLE, EXIT_NOTVIABLE },
	{ -VM_E_OLDKERNEL, EXIT_OLDKERNEL },
	{ -VM_E_REFUSED, EXIT_REFUSED },
	{ -VM_E_DATA, EXIT_DATAERR },
	{ -VM_E_CHECK, EXIT_FAIL },
	{ -VM_E_OUTPUT, EXIT_IOERR },
	{ -VM_E_CANTCREAT, EXIT_CANTCREAT },
	/* An input that is a directory is no input file. */
	{ -EISDIR, EXIT_NODEV }, { -ENOTDIR, EXIT_NODEV },
	{ -VM_E_INTERRUPTED, EXIT_INTERRUPTED }, { -EINTR, EXIT_INTERRUPTED },
	{ -VM_E_PEER, EXIT_PEER },
	{ -VM_E_AUTH, EXIT_AUTH },
	{ -VM_E_UNCONFIRMED, EXIT_UNCONFIRMED },
	{ -VM_E_INCOMPATIBLE, EXIT_INCOMPATIBLE },
	{ -VM_E_DOWNTIME, EXIT_DOWNTIME },
	{ -ENODEV, EXIT_NODEV }, { -ENOENT, EXIT_NODEV }, { -ENXIO, EXIT_NODEV },
	{ -EBUSY, EXIT_BUSY },
	{ -EACCES, EXIT_NOPERM }, { -EPERM, EXIT_NOPERM },
	{ -EIO, EXIT_IOERR }, { -EPIPE, EXIT_IOERR }, { -ECONNREFUSED, EXIT_IOERR },
	{ -ECONNRESET, EXIT_IOERR }, { -ETIMEDOUT, EXIT_IOERR },
	{ -EHOSTUNREACH, EXIT_IOERR }, { -ENETUNREACH, EXIT_IOERR },
	{ -EBADMSG, EXIT_IOERR },
};

/* A handler's return, mapped to the documented exit status. */
static int exit_code(int ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_map); i++)
		if (exit_map[i].ret == ret)
			return exit_map[i].status;
	/* An engine code no exit status names is our bug, not the device's. */
	return ret < -VM_E_BASE ? EXIT_SOFTWARE : EXIT_FAIL;
}

/*
 * argp ends the run itself on a usage error (exit 64): the JSON document
 * is still owed. A clean exit there (--help, --version) owes none.
 */
static void finish_on_exit(int status, void *arg)
{
	if (!status)
		return;
	if (status == EXIT_USAGE)
		log_record_error("usage error (see 'vfiomig --help')");
	out_finish(status, 0);
}

/*
 * Descriptors 0-2 that the caller left closed are taken by /dev/null,
 * opened the wrong way round (stdin write-only, stdout and stderr
 * read-only), before anything else is opened. Otherwise the first device,
 * socket or pipe would get the number and become "stdout": a report
 * written there would land in the device (on vfio-pci, region 0, BAR0),
 * and a stream read from "stdin" would come from our own pipe. This way
 * reading stdin or writing stdout fails with EBADF, as on a closed one,
 * and that failure is reported (exit 74).
 */
static int reserve_std_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		int got;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		got = open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
		if (got == fd)
			continue;
		if (got >= 0)
			close(got);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct front f = { 0 };
	const struct cmd *c;
	int ret;

	if (reserve_std_fds()) {
		err("opening /dev/null for a closed standard descriptor: %s",
		    errstr(errno));
		return EXIT_IOERR;
	}
	/* A reader that goes away is a failed write (EPIPE, exit 74), said
	 * like any other, not a death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	argp_err_exit_status = EXIT_USAGE;
	on_exit(finish_on_exit, NULL);
	/* "vfiomig: ..." in every message, not the path it was run by. */
	argv[0] = "vfiomig";
	argp_parse_caught(&front_argp, argc, argv, ARGP_IN_ORDER, &f);

	c = find_cmd(argv[f.cmd_index]);
	if (!c) {
		err("'%s' is not a command; see 'vfiomig help'", argv[f.cmd_index]);
		return EXIT_USAGE;
	}
	ret = c->func(argc - f.cmd_index, argv + f.cmd_index);
	/* -errno names itself; VM_E_* codes leave it to the first error line. */
	ret = out_finish(exit_code(ret), ret < 0 && -ret < VM_E_BASE ? -ret : 0);
	return out_close(ret);
}
