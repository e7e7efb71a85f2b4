/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfiomig check: conformance checks of a device's migration driver and a
 * table of arc latencies. The checks live in check-arcs.c (the state
 * machine) and check-data.c (data sessions, sizes, round trip, reset).
 */
#ifndef VFIOMIG_CHECK_H
#define VFIOMIG_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"
#include "fsm.h"

#define MAX_CHECKS 32
#define MAX_ROUNDS 100

enum check_result { CK_PASS, CK_FAIL, CK_SKIP };

struct check {
	const char *name;
	enum check_result result;
	char detail[200];
};

/* Latency samples of one arc, in microseconds. */
struct arc_samples {
	int n;
	uint32_t usecs[MAX_ROUNDS];
	int data_fd;   /* 1 a session fd came back, 0 none, -1 not seen */
};

struct check_ctx {
	struct sess s;
	int rounds;
	struct check checks[MAX_CHECKS];
	int nchecks;
	struct arc_samples arcs[ST_NR][ST_NR];
	/* Behaviours the protocol leaves to the driver. */
	const char *precopy_end;     /* "eof", "ENOMSG", "EAGAIN" */
	const char *close_behaviour; /* "keeps state", "returns to running" */
	const char *in_group_fd;     /* saving-group arcs: "new fd", "no fd" */
	uint64_t saved_bytes;
	uint8_t *saved;              /* the state round-trip saved */
};

void check_add(struct check_ctx *c, const char *name, enum check_result r,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Move the device without checking anything (setup between checks). */
int check_goto(struct check_ctx *c, uint32_t target);
/* Reset and confirm running; -1 when the device cannot be brought back. */
int check_home(struct check_ctx *c);

void check_arcs(struct check_ctx *c);
void check_illegal(struct check_ctx *c);
void check_precopy(struct check_ctx *c);
void check_round_trip(struct check_ctx *c);
void check_truncated(struct check_ctx *c);
void check_reset(struct check_ctx *c);
void check_close(struct check_ctx *c);

#endif
