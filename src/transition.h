/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Moving a device to a state on behalf of a longer operation (save,
 * restore): plan, SET, confirm, and on failure find out where it is.
 */
#ifndef VFIOMIG_TRANSITION_H
#define VFIOMIG_TRANSITION_H

#include <stdint.h>

#include "device.h"

/* Time spent in each requested arc, for -v and -j reports. */
struct arc_time {
	uint32_t from, to;
	double secs;
};

struct arc_log {
	struct arc_time arc[16];
	int n;
};

/*
 * Request target. An arc the kernel blocks (stop_copy -> pre_copy*) is
 * split through stop. *data_fd receives a new session fd or -1 (it may
 * be NULL when the caller wants none). Prints its own error and returns
 * -VM_E_STATE when an arc fails; *cur always follows the device.
 */
int dev_goto(struct vdev *d, uint32_t *cur, uint32_t target, int *data_fd,
	     struct arc_log *log);

/*
 * The same for a command that holds a data session in *session (-1:
 * none): a session the arc opens replaces it (the old one is closed);
 * otherwise it goes on, as from pre_copy into stop_copy.
 */
int dev_goto_session(struct vdev *d, uint32_t *cur, uint32_t target, int *session,
		     struct arc_log *log);

/*
 * Where is the device after a failure? GET it; a device stranded in
 * resuming is reset, since only a reset aborts it. Returns the state or
 * -1 if it cannot be read.
 */
int dev_settle(struct vdev *d);

void report_arcs(const struct arc_log *log);

#endif
