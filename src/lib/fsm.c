// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state machine as the kernel defines it: names, which states the
 * flags allow, the next-hop table and planning. Pure: no device, no
 * output.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "fsm.h"
#include "vm.h"

static const char *const names[ST_NR] = {
	[ST_ERROR] = "error",
	[ST_STOP] = "stop",
	[ST_RUNNING] = "running",
	[ST_STOP_COPY] = "stop_copy",
	[ST_RESUMING] = "resuming",
	[ST_RUNNING_P2P] = "running_p2p",
	[ST_PRE_COPY] = "pre_copy",
	[ST_PRE_COPY_P2P] = "pre_copy_p2p",
};

/*
 * next_hop[cur][target]: the kernel's vfio_from_fsm_table. ERROR marks
 * arcs that are refused; the only ones between valid states are
 * STOP_COPY -> PRE_COPY and STOP_COPY -> PRE_COPY_P2P.
 */
static const uint8_t next_hop[ST_NR][ST_NR] = {
	[ST_STOP] = {
		[ST_STOP] = ST_STOP,
		[ST_RUNNING] = ST_RUNNING_P2P,
		[ST_PRE_COPY] = ST_RUNNING_P2P,
		[ST_PRE_COPY_P2P] = ST_RUNNING_P2P,
		[ST_STOP_COPY] = ST_STOP_COPY,
		[ST_RESUMING] = ST_RESUMING,
		[ST_RUNNING_P2P] = ST_RUNNING_P2P,
	},
	[ST_RUNNING] = {
		[ST_STOP] = ST_RUNNING_P2P,
		[ST_RUNNING] = ST_RUNNING,
		[ST_PRE_COPY] = ST_PRE_COPY,
		[ST_PRE_COPY_P2P] = ST_RUNNING_P2P,
		[ST_STOP_COPY] = ST_RUNNING_P2P,
		[ST_RESUMING] = ST_RUNNING_P2P,
		[ST_RUNNING_P2P] = ST_RUNNING_P2P,
	},
	[ST_PRE_COPY] = {
		[ST_STOP] = ST_RUNNING,
		[ST_RUNNING] = ST_RUNNING,
		[ST_PRE_COPY] = ST_PRE_COPY,
		[ST_PRE_COPY_P2P] = ST_PRE_COPY_P2P,
		[ST_STOP_COPY] = ST_PRE_COPY_P2P,
		[ST_RESUMING] = ST_RUNNING,
		[ST_RUNNING_P2P] = ST_RUNNING,
	},
	[ST_PRE_COPY_P2P] = {
		[ST_STOP] = ST_RUNNING_P2P,
		[ST_RUNNING] = ST_RUNNING_P2P,
		[ST_PRE_COPY] = ST_PRE_COPY,
		[ST_PRE_COPY_P2P] = ST_PRE_COPY_P2P,
		[ST_STOP_COPY] = ST_STOP_COPY,
		[ST_RESUMING] = ST_RUNNING_P2P,
		[ST_RUNNING_P2P] = ST_RUNNING_P2P,
	},
	[ST_STOP_COPY] = {
		[ST_STOP] = ST_STOP,
		[ST_RUNNING] = ST_STOP,
		[ST_PRE_COPY] = ST_ERROR,
		[ST_PRE_COPY_P2P] = ST_ERROR,
		[ST_STOP_COPY] = ST_STOP_COPY,
		[ST_RESUMING] = ST_STOP,
		[ST_RUNNING_P2P] = ST_STOP,
	},
	[ST_RESUMING] = {
		[ST_STOP] = ST_STOP,
		[ST_RUNNING] = ST_STOP,
		[ST_PRE_COPY] = ST_STOP,
		[ST_PRE_COPY_P2P] = ST_STOP,
		[ST_STOP_COPY] = ST_STOP,
		[ST_RESUMING] = ST_RESUMING,
		[ST_RUNNING_P2P] = ST_STOP,
	},
	[ST_RUNNING_P2P] = {
		[ST_STOP] = ST_STOP,
		[ST_RUNNING] = ST_RUNNING,
		[ST_PRE_COPY] = ST_RUNNING,
		[ST_PRE_COPY_P2P] = ST_PRE_COPY_P2P,
		[ST_STOP_COPY] = ST_STOP,
		[ST_RESUMING] = ST_STOP,
		[ST_RUNNING_P2P] = ST_RUNNING_P2P,
	},
	/* [ST_ERROR] is all zero: every arc from ERROR is ERROR. */
};

/* Flags each state needs (the kernel's state_flags_table). */
static const uint32_t needs[ST_NR] = {
	[ST_ERROR] = ~0u,
	[ST_STOP] = MIG_STOP_COPY,
	[ST_RUNNING] = MIG_STOP_COPY,
	[ST_STOP_COPY] = MIG_STOP_COPY,
	[ST_RESUMING] = MIG_STOP_COPY,
	[ST_RUNNING_P2P] = MIG_STOP_COPY | MIG_P2P,
	[ST_PRE_COPY] = MIG_STOP_COPY | MIG_PRE_COPY,
	[ST_PRE_COPY_P2P] = MIG_STOP_COPY | MIG_P2P | MIG_PRE_COPY,
};

const char *fsm_name(uint32_t state)
{
	return state < ST_NR ? names[state] : "unknown";
}

/* Case-insensitive; '-' and '_' are the same character here. */
int fsm_parse(const char *s, uint32_t *state)
{
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(buf) - 1 && s[i]; i++)
		buf[i] = s[i] == '-' ? '_' : tolower((unsigned char)s[i]);
	if (s[i])
		return -1;
	buf[i] = '\0';
	for (uint32_t st = 0; st < ST_NR; st++) {
		if (!strcmp(buf, names[st])) {
			*state = st;
			return 0;
		}
	}
	return -1;
}

bool fsm_supported(uint32_t state, uint64_t flags)
{
	return state < ST_NR && (needs[state] & flags) == needs[state];
}

bool fsm_is_saving(uint32_t state)
{
	return state == ST_STOP_COPY || state == ST_PRE_COPY ||
	       state == ST_PRE_COPY_P2P;
}

/* One step, skipping states the flags do not support, as the kernel does. */
static uint32_t hop(uint32_t cur, uint32_t target, uint64_t flags)
{
	uint32_t next = next_hop[cur][target];

	while (next != ST_ERROR && !fsm_supported(next, flags))
		next = next_hop[next][target];
	return next;
}

enum plan_result fsm_plan(uint32_t cur, uint32_t target, uint64_t flags,
			  uint32_t path[FSM_MAX_PATH], int *n)
{
	*n = 0;
	if (!fsm_supported(target, flags) || !fsm_supported(cur, flags))
		return PLAN_UNSUPPORTED;
	while (cur != target) {
		uint32_t next = hop(cur, target, flags);

		if (next == ST_ERROR)
			return PLAN_BLOCKED;
		if (*n == FSM_MAX_PATH)
			return PLAN_BLOCKED; /* cannot happen with the table */
		path[(*n)++] = next;
		cur = next;
	}
	return PLAN_OK;
}
