/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VFIO migration v2 state machine as the kernel defines it: state
 * names, which states the migration flags allow, and our own copy of the
 * next-hop table of vfio_mig_get_next_state() (drivers/vfio/vfio_main.c).
 */
#ifndef VFIOMIG_FSM_H
#define VFIOMIG_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

enum vm_state {
	ST_ERROR = 0,
	ST_STOP = 1,
	ST_RUNNING = 2,
	ST_STOP_COPY = 3,
	ST_RESUMING = 4,
	ST_RUNNING_P2P = 5,
	ST_PRE_COPY = 6,
	ST_PRE_COPY_P2P = 7,
	ST_NR,
};

#define MIG_STOP_COPY (1u << 0)
#define MIG_P2P (1u << 1)
#define MIG_PRE_COPY (1u << 2)

/* Longest shortest path is 5 hops (e.g. RESUMING -> ... -> PRE_COPY). */
#define FSM_MAX_PATH 8

const char *fsm_name(uint32_t state);
int fsm_parse(const char *s, uint32_t *state);
bool fsm_supported(uint32_t state, uint64_t flags);
/* Does reaching this state open a data session (return a data_fd)? */
bool fsm_is_saving(uint32_t state);

enum plan_result {
	PLAN_OK,
	PLAN_UNSUPPORTED, /* target needs flags the device lacks, or ERROR */
	PLAN_BLOCKED,     /* an arc the kernel refuses (and may hang on) */
};

/*
 * Fill path[] with the hops from cur (exclusive) to target (inclusive),
 * exactly as the kernel would walk them. *n = 0 when cur == target.
 */
enum plan_result fsm_plan(uint32_t cur, uint32_t target, uint64_t flags,
			  uint32_t path[FSM_MAX_PATH], int *n);

/* Time spent in each requested arc, for -v and -j reports. */
struct arc_time {
	uint32_t from, to;
	double secs;
	unsigned int dev;   /* which device of the command (0: the first) */
};

/* A migration makes four requests a device; room for twice as many. */
#define ARC_LOG_MAX (8 * DEVS_MAX)

struct arc_log {
	struct arc_time arc[ARC_LOG_MAX];
	int n;
};

#endif
