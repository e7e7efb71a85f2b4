/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfiomig check: the conformance suite of a device's migration driver.
 * Every normative rule of the uAPI has a stable id (check-rules.c, and
 * vfiomig(8) RULES); each check gives one result per rule it tests. The
 * checks live in check-arcs.c (the state machine), check-data.c (pre-copy,
 * sizes, round trip, reset), check-session.c (data fd life and I/O),
 * check-thread.c (a second thread, DMA logging), check-kmsg.c (the kernel
 * log) and check-faults.c (allocation failures); check-soak.c walks at
 * random; check-report.c prints text, JSON, TAP or JUnit.
 */
#ifndef VFIOMIG_CHECK_H
#define VFIOMIG_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "session.h"
#include "fsm.h"

#define MAX_CHECKS 64
#define MAX_ROUNDS 100

/* INFO: an informative result (what the protocol leaves open). */
enum check_result { CK_PASS, CK_FAIL, CK_SKIP, CK_INFO };

enum check_format { FMT_TEXT, FMT_JSON, FMT_TAP, FMT_JUNIT };

/* A rule of the protocol; why_not set: not checkable from userspace. */
struct rule {
	const char *id;
	const char *what;
	const char *why_not;
};

extern const struct rule check_rules[];
extern const size_t check_nrules;

struct check {
	const char *rule;
	enum check_result result;
	char detail[400];
};

/* Latency samples of one arc, in microseconds. */
struct arc_samples {
	int n;
	uint32_t usecs[MAX_ROUNDS];
	int data_fd;   /* 1 a session fd came back, 0 none, -1 not seen */
};

/* How a load ended: err 0 is taken, else the errno and where. */
struct load_outcome {
	int err;
	const char *at;
};

struct check_ctx {
	struct sess s;
	int rounds;
	struct check checks[MAX_CHECKS];
	int nchecks;
	struct arc_samples arcs[ST_NR][ST_NR];
	/* Behaviours the protocol leaves to the driver. */
	const char *precopy_end;     /* "eof", "ENOMSG", "EAGAIN" */
	const char *stop_copy_end;   /* how the last stop-copy save ended */
	const char *close_behaviour; /* "keeps_state"; NULL: not observed */
	const char *close_note;      /* why it was not, when it was not */
	const char *in_group_fd;     /* saving-group arcs: "new_fd", "no_fd" */
	uint64_t saved_bytes;
	uint8_t *saved;              /* the state round-trip saved */
	bool large;                  /* too large to save in memory */
	struct kmsg *kmsg;           /* check-kmsg.c: the kernel log reader */
	bool inject_faults;          /* --inject-faults: check_faults() runs */
	/* check-history.c: a corrupt stream loaded before any restore */
	struct load_outcome first_load;
	bool first_probed;
};

void check_add(struct check_ctx *c, const char *rule, enum check_result r,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The result given for a rule, or NULL. */
const struct check *check_find(const struct check_ctx *c, const char *rule);
/* Did the rule fail (a check that depends on it then skips)? */
bool check_failed(const struct check_ctx *c, const char *rule);
const char *check_word(enum check_result r);
/*
 * The kernels whose driver bug a rule's check can crash or hang, or NULL:
 * said with every result of the rule, and (-v) by check_risky() before
 * it runs, so that the last line before a crash names it.
 */
const char *check_crash(const char *rule);
void check_risky(const struct check_ctx *c, const char *rule);

/* Move the device without checking anything (setup between checks). */
int check_goto(struct check_ctx *c, uint32_t target);
/* Reset and confirm running; -1 when the device cannot be brought back. */
int check_home(struct check_ctx *c);
/* Reset; 0 when a GET then says running (no other recovery tried). */
int check_reset_running(struct check_ctx *c);
/* Must a request from -> to hand out a new data fd? 1 yes, 0 no, -1 the
 * driver's choice (inside the saving group). */
int check_expect_fd(uint32_t from, uint32_t to);

/* check-io.c: data fd helpers for the checks and the soak. */
int check_session(struct check_ctx *c, uint32_t from, uint32_t to);
/* Read to the end in chunks of chunk bytes (0: large); *end names how
 * it ended ("eof", "ENOMSG", "EAGAIN"); bytes or -errno. */
ssize_t check_drain(int fd, uint8_t **buf, size_t *cap, size_t chunk,
		    const char **end);
/* A whole save from stop, read chunk bytes at a time. */
ssize_t check_save(struct check_ctx *c, uint8_t **buf, size_t *cap, size_t chunk);
/* Write buf in chunks (0: one write; SIZE_MAX: random sizes). */
int check_write(int fd, const uint8_t *buf, size_t len, size_t chunk);
/* stop -> resuming, write, resuming -> stop: 0 or -errno. */
int check_load(struct check_ctx *c, const uint8_t *buf, size_t len, size_t chunk);
uint64_t check_rand(void);
void check_srand(uint64_t seed);
double check_now_us(void);
int check_cmp_u32(const void *a, const void *b);
/* "ENODEV" for ENODEV or -ENODEV: short, for details. */
const char *check_errname(int e);

void check_flags(struct check_ctx *c);
void check_arcs(struct check_ctx *c);
void check_illegal(struct check_ctx *c);
void check_precopy(struct check_ctx *c);
void check_round_trip(struct check_ctx *c);
void check_truncated(struct check_ctx *c);
void check_reset(struct check_ctx *c);
void check_close(struct check_ctx *c);
void check_read_sizes(struct check_ctx *c);
void check_eof(struct check_ctx *c);
void check_write_chunks(struct check_ctx *c);
void check_session_ends(struct check_ctx *c);
void check_close_early(struct check_ctx *c);
void check_nonblock(struct check_ctx *c);
void check_fidelity(struct check_ctx *c);
void check_hostile(struct check_ctx *c);
void check_sizes(struct check_ctx *c);
void check_concurrent_get(struct check_ctx *c);
void check_dma_logging(struct check_ctx *c);
void check_faults(struct check_ctx *c);

/*
 * check-kmsg.c, kernel.log.clean: open the kernel log at its end, run a
 * step and judge what it logged, give the rule its result. scan judges
 * what was logged since the last look: 1 and the first bad message
 * (escaped) in line, 0 nothing bad, -1 the log cannot be read.
 */
void check_kmsg_open(struct check_ctx *c);
void check_kmsg_step(struct check_ctx *c, void (*step)(struct check_ctx *));
int check_kmsg_scan(struct check_ctx *c, const char *during, char *line, size_t len);
void check_kmsg_close(struct check_ctx *c);

/* The rules made for the driver bugs that shipped (vfiomig(8) CHECK
 * RULES names them): check-release.c (what the running kernel carries),
 * check-concurrent.c, check-precopy.c, check-dirtylog.c,
 * check-history.c, check-large.c. */
void check_blocked_arc(struct check_ctx *c);
void check_unknown_feature(struct check_ctx *c);
void check_concurrent_io(struct check_ctx *c);
void check_wake(struct check_ctx *c);
void check_precopy_dirty(struct check_ctx *c);
void check_dirty_edges(struct check_ctx *c);
void check_history_first(struct check_ctx *c);
void check_history(struct check_ctx *c);
void check_large(struct check_ctx *c);

int check_report(struct check_ctx *c, enum check_format f, int *failed);

/* check-soak.c: 0, -VM_E_CHECK (reported) or -VM_E_INTERRUPTED. */
struct soak_args {
	long steps;       /* 0: no limit */
	double duration;  /* seconds, 0: no limit */
	uint64_t seed;
	enum check_format format;
};
int check_soak(struct check_ctx *c, const struct soak_args *a);

#endif
