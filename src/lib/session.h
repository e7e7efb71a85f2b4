/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A device in the hands of a command: opened by the user's name, moved
 * from state to state (planned with our copy of the kernel's table, each
 * hop confirmed by the kernel), put back by policy after a failure, never
 * closed in resuming, and one account of where it was left, for one
 * device or a group. save, restore, state, reset, check, hold, migrate
 * and receive all go through it; none keeps its own copy.
 *
 * A failure comes back as a code, with its words added to *why (the
 * session's own reason, or its group's); the command says them, then
 * where each device was left (s->where, sess_state()). Nothing here
 * prints.
 */
#ifndef VFIOMIG_SESSION_H
#define VFIOMIG_SESSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "device.h"
#include "fsm.h"
#include "reason.h"

/*
 * What a failure does with the device: back to where it was (save's
 * --on-error=unwind, migrate), reset (--on-error=reset, a destination),
 * leave it; RECOVER is unwind for a device being loaded (restore), where
 * error, like resuming, is left only by a reset. A device found in
 * resuming is reset whatever the policy.
 */
enum policy { POLICY_UNWIND, POLICY_RESET, POLICY_LEAVE, POLICY_RECOVER };

/* Where a device was left, in the words of the report. */
enum sess_where {
	WHERE_NONE,      /* nothing to say: not open, or no state to tell */
	WHERE_UNTOUCHED, /* never moved */
	WHERE_DONE,      /* where the command meant it to be */
	WHERE_BACK,      /* back in its state before the command */
	WHERE_RESET,     /* reset, by policy */
	WHERE_ABORTED,   /* reset to abort resuming */
	WHERE_RECOVERED, /* reset out of error */
	WHERE_LEFT,      /* where the failure put it */
	WHERE_UNKNOWN,   /* its state cannot be read back */
};

struct sess {
	struct vdev d;
	const struct vm_ctx *x;
	const char *cmd;      /* "save": the first word of its lines */
	uint32_t orig, cur;   /* at the start; now, when known */
	bool known;           /* cur is what the device said last */
	bool touched;         /* a SET was sent */
	bool back;            /* moved, then put back where it was, its
			       * state as it was (a save measured, mig-measure.c):
			       * not touched, but said to be back */
	/* A failed arc is settled at once and said in its own line (state),
	 * not left to sess_unwind(). */
	bool settle_at_once;
	enum sess_where where;
	int set_err;          /* the last failed SET's -errno, else 0 */
	struct arc_log *log;  /* arcs are timed into it, if set */
	pthread_mutex_t *log_lock; /* held to time one in, if set */
	unsigned int index;   /* its place among the command's devices */
	struct reason *why;   /* failures are told here: own_why, or a group's */
	struct reason own_why;
};

/* Ready s for a command (cmd: the first word of its lines); nothing is
 * opened. sess_open() and sess_begin() start with it: a group points
 * s->why at its own reason after them. */
void sess_init(struct sess *s, const struct vm_ctx *x, const char *cmd);
/* Resolve the user's name and open it (no migration needed: reset), as
 * x->open says. */
int sess_open(struct sess *s, const struct vm_ctx *x, const char *cmd,
	      const char *name);
/* The same through the device's holder only: "CMD DEV: not held by
 * vfiomig hold" and -VM_E_REFUSED when none holds it (not opened). */
int sess_open_held(struct sess *s, const struct vm_ctx *x, const char *cmd,
		   const char *name);
/* The same, then migration support and the current state (orig, cur). */
int sess_begin(struct sess *s, const struct vm_ctx *x, const char *cmd,
	       const char *name);
bool sess_is_open(const struct sess *s);
/* Read the migration flags; "no migration support" is an error here. */
int sess_need_mig(struct sess *s);
/* GET the state into s->cur. */
int sess_get(struct sess *s);

/*
 * Request target (an arc the kernel blocks, stop_copy -> pre_copy*, is
 * split through stop). *data_fd receives a new session fd or -1 (NULL:
 * none wanted). A failure's words give the state the device is in, and
 * it returns -VM_E_STATE; s->cur always follows the device.
 */
int sess_goto(struct sess *s, uint32_t target, int *data_fd);
/*
 * The same for a command that holds a data session in *session (-1:
 * none): a session the arc opens replaces it (the old one is closed);
 * otherwise it goes on, as from pre_copy into stop_copy.
 */
int sess_goto_keep(struct sess *s, uint32_t target, int *session);

/* After a failure: find out where the device is (a device in resuming
 * is reset: only a reset aborts it), then apply the policy. */
void sess_unwind(struct sess *s, enum policy p);
/* Reset, by request or policy; s->where says how it went. */
int sess_reset(struct sess *s);
/* The device is where the command meant it to be. */
void sess_done(struct sess *s);
/* After the commit of a migration: GET where it is now, and say so. */
void sess_settle(struct sess *s);

/* Where it is now, or -1 when unknown (for report_state()). */
int sess_state(const struct sess *s);

/* Close; a device still in resuming is reset first (a warning says so). */
void sess_close(struct sess *s);

/* A group: unwind each device (devices never opened are skipped; once
 * one device was touched, every device is unwound as touched). Returns
 * whether any had been touched. */
bool sess_unwind_all(struct sess *const *v, unsigned int n, enum policy p);

#endif
