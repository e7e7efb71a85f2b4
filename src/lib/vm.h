/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every part of the engine shares: its own error codes, how a
 * device may be opened, and the one limit on devices per command.
 */
#ifndef VFIOMIG_VM_H
#define VFIOMIG_VM_H

/* OPEN_HOLDER: only through the holder that holds it, never directly
 * (release: a device nobody holds must not even be opened). */
enum open_mode { OPEN_AUTO, OPEN_CDEV, OPEN_GROUP, OPEN_HOLDER };

/*
 * The most devices one command moves or holds (migrate, receive, hold):
 * one limit for all, room for a host's GPUs and NICs together. Each costs
 * a thread, its data connection, its device and data fds and a buffer
 * on either side of a migration (bench/migrate.sh measures them), a
 * socket in a holder.
 */
#define DEVS_MAX 64

/*
 * Calls return 0, a negative errno, or one of these negative codes for
 * outcomes errno cannot name. Only the command maps them to exit codes.
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
	VM_E_CANTCREAT,  /* an output file could not be created */
	VM_E_INCOMPATIBLE, /* the two sides' identities differ where it blocks */
	VM_E_DOWNTIME,   /* the downtime limit cannot be kept: nothing stopped */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
