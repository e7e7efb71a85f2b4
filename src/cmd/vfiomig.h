/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared definitions: global options, exit codes, error codes and the
 * command table entry type.
 */
#ifndef VFIOMIG_H
#define VFIOMIG_H

#include <stdbool.h>

/* OPEN_HOLDER: only through the holder that holds it, never directly
 * (release: a device nobody holds must not even be opened). */
enum open_mode { OPEN_AUTO, OPEN_CDEV, OPEN_GROUP, OPEN_HOLDER };

/* The only global mutable state: what the user asked for. */
struct vm_opts {
	bool json;
	bool pretty;
	bool quiet;
	int verbose;
	enum open_mode open;
	bool no_holder;   /* open directly even when a holder holds it */
};
extern struct vm_opts opts;

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
	EXIT_USAGE = 64,
	EXIT_DATAERR = 65,
	EXIT_NODEV = 66,
	EXIT_BUSY = 69,
	EXIT_SOFTWARE = 70,
	EXIT_IOERR = 74,
	EXIT_NOPERM = 77,
};

/*
 * Handlers return 0, a negative errno, or one of these negative codes for
 * outcomes errno cannot name. The message has already been printed; main()
 * only maps the code to an exit status.
 */
enum {
	VM_E_BASE = 4096,
	VM_E_USAGE,
	VM_E_STATE,
	VM_E_NOMIG,
	VM_E_NOTVFIO,
	VM_E_NOTVIABLE,
	VM_E_OLDKERNEL,
	VM_E_REFUSED,
	VM_E_DATA,
	VM_E_INTERRUPTED,
	VM_E_CHECK,      /* a conformance check failed (reported) */
	VM_E_PEER,       /* the other side refused or aborted (reported) */
	VM_E_AUTH,
	VM_E_UNCONFIRMED,
	VM_E_OUTPUT,     /* stdout could not be written (reported once) */
};

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

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
