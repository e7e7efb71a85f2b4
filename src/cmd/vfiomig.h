/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tool's shared definitions: what the user asked for, the exit
 * codes, the command table entry type. (The engine's error codes and
 * limits are in vm.h.)
 */
#ifndef VFIOMIG_H
#define VFIOMIG_H

#include <stdbool.h>

#include "ctx.h"
#include "vm.h"

/*
 * What the user asked for (opts.c). The tool's other module state is
 * where a process has only one of something: the output document
 * (output.c), the events stream (events.c), the first error (log.c),
 * the signal handlers' cancellation (sig.c), the engine's context made
 * from the options (context.c), the terminal progress choice
 * (observe.c), argp's first usage line (cli.c), check's seeded random
 * walk (check-io.c). The engine (src/lib) has none.
 */
struct vm_opts {
	bool json;
	bool pretty;
	bool quiet;
	int verbose;
	enum open_mode open;
	bool no_holder;   /* open directly even when a holder holds it */
};
extern struct vm_opts opts;

struct argp_state;
/* An option's argument that names something (a file, a URL) must name
 * something: an empty one is a usage error (argp exits 64). */
const char *arg_name(struct argp_state *state, const char *opt, const char *arg);

/*
 * Exit codes (documented in vfiomig(8), EXIT STATUS). Low numbers are our
 * own outcomes, 64 and up follow <sysexits.h>.
 */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,        /* an operation failed */
	EXIT_STATE = 2,       /* state change failed, device elsewhere */
	EXIT_NOMIG = 3,       /* no migration support / state unsupported */
	EXIT_NOTVFIO = 4,     /* not bound to a VFIO driver */
	EXIT_NOTVIABLE = 5,   /* IOMMU group not viable */
	EXIT_OLDKERNEL = 6,   /* kernel lacks a needed interface */
	EXIT_REFUSED = 7,     /* refused before touching the device */
	EXIT_INTERRUPTED = 8, /* SIGINT or SIGTERM; device handled per policy */
	EXIT_PEER = 9,        /* the other side refused or aborted */
	EXIT_AUTH = 10,       /* the peer failed authentication */
	EXIT_UNCONFIRMED = 11, /* committed, the destination did not confirm */
	/* Not compatible: an identity field that blocks differs (compat,
	 * migrate, receive). The next free one of our own outcomes: distinct
	 * from 7 (a request refused) and 9 (whatever the peer refused), so a
	 * runbook can tell "these hosts differ" from every other refusal. */
	EXIT_INCOMPATIBLE = 12,
	EXIT_DOWNTIME = 13,   /* the downtime limit cannot be kept; nothing lost */
	EXIT_USAGE = 64,
	EXIT_DATAERR = 65,
	EXIT_NODEV = 66,
	EXIT_BUSY = 69,
	EXIT_SOFTWARE = 70,
	EXIT_CANTCREAT = 73,  /* an output file cannot be created */
	EXIT_IOERR = 74,
	EXIT_NOPERM = 77,
};

/* The context every call into the engine gets (context.c): the user's
 * choices, the cancellation (sig.c) and the observer (observe.c). */
const struct vm_ctx *vm_ctx(void);

/* Command table entry: each command file exports one handler. */
struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *args;
	const char *summary;
};

int cmd_info(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_devlink(int argc, char **argv);
int cmd_prepare(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_hold(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_receive(int argc, char **argv);
int cmd_identity(int argc, char **argv);
int cmd_compat(int argc, char **argv);

#endif
