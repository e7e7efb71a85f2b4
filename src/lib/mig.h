/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live migration between two vfiomig processes (migrate -> receive).
 *
 * One control connection carries the protocol below; each device's data
 * goes on a connection of its own, as a single-device vfiomig stream
 * (vfiomig-stream(5)) preceded by an ATTACH frame. One connection per
 * device lets devices move in parallel (one thread each on both sides)
 * without a multiplexer, and keeps the data format the one save and
 * restore use. Every connection is authenticated (TLS-PSK) unless
 * --insecure.
 *
 *   source                               destination
 *   HELLO (ids of every device)   ->     check count and kinds; all -> resuming
 *                                 <-     READY (or ABORT: nothing changed)
 *   data connections, ATTACH, streams ...
 *   [pre-copy] INITIAL dev@offset ->     ACK once every device loaded its
 *                                 <-     initial bytes (switchover-ack),
 *                                        with the count of INITIALs it
 *                                        answers: a device whose initial
 *                                        bytes start over (REINIT) sends
 *                                        another, and needs a new ACK
 *   all -> p2p, all -> stop_copy
 *   STOPPED (rounds per device)   ->
 *   stop-copy data, trailers            each stream verified; all -> stop
 *                                 <-     LOADED
 *   COMMIT (the commit point)     ->     all -> running_p2p, all -> running
 *                                 <-     RUNNING (its downtime)
 *
 * Either side sends ABORT (with its reason) on a failure before COMMIT;
 * the source then runs its devices again and the destination resets its.
 */
#ifndef VFIOMIG_MIG_H
#define VFIOMIG_MIG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "chan.h"
#include "device.h"
#include "net.h"
#include "pump.h"
#include "stream.h"
#include "session.h"

#define MIG_MAX_DEVICES 16
#define MIG_PROTO_VERSION 1
#define MIG_SESSION_ID 16
/* The largest control frame body: a HELLO for MIG_MAX_DEVICES devices. */
#define MIG_MSG_MAX (64 + MIG_MAX_DEVICES * STREAM_HEADER_SIZE)

enum msg_type {
	MSG_HELLO = 1, MSG_READY, MSG_ABORT, MSG_INITIAL, MSG_ACK, MSG_STOPPED,
	MSG_LOADED, MSG_COMMIT, MSG_RUNNING, MSG_ATTACH,
};

struct msg {
	uint32_t type;
	uint32_t len;
	uint8_t body[MIG_MSG_MAX];
};

struct hello {
	uint8_t session[MIG_SESSION_ID];
	uint32_t ndev;
	uint32_t precopy;         /* bit i: device i goes through pre-copy */
	struct stream_ident id[MIG_MAX_DEVICES];
};

const char *msg_name(uint32_t type);
int msg_send(struct chan *c, uint32_t type, const void *body, uint32_t len);
/* A frame; -EPROTO for a malformed one, 0 at the end of the input. */
int msg_recv(struct chan *c, struct msg *m);
/*
 * Wait up to ms for a frame: 1 with *m, 0 when none came, <0 on errors.
 * A byte on wake_fd (-1: none) or a signal (sig.h) ends the wait early,
 * with 0.
 */
int msg_wait(struct chan *c, struct msg *m, int ms, int wake_fd);

int msg_abort(struct chan *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* After an ABORT: give the peer up to ms to read it and answer or hang up. */
void msg_linger(struct chan *c, int ms);
void hello_encode(const struct hello *h, struct msg *m);
/* 0 or -EPROTO with why set. */
int hello_decode(const struct msg *m, struct hello *h, char *why, size_t len);
void attach_encode(const uint8_t *session, uint32_t dev, struct msg *m);
int attach_decode(const struct msg *m, uint8_t *session, uint32_t *dev);
/* The u64s of INITIAL and RUNNING. */
uint64_t msg_u64(const struct msg *m, unsigned int at);
void msg_put_u64(struct msg *m, unsigned int at, uint64_t v);

struct mgroup;

/* One device of a migration, on either side. */
struct mig_dev {
	struct mgroup *group;
	unsigned int index;
	const char *arg;
	struct sess s;            /* the device, its states, where it was left */
	int data_fd;
	struct chan data;
	struct stream_writer w;   /* source */
	struct stream_reader rd;  /* destination */
	const struct stream_ident *announced; /* destination: as HELLO said */
	bool precopy;             /* source: this device goes through pre_copy */
	pthread_t thread;
	bool started;
	struct progress prog;     /* its data, for PROGRESS events (its thread) */
	/* Counters, written by the device's thread. */
	uint64_t bytes, pre_bytes, stop_bytes, records;
	unsigned int rounds;      /* pre-copy rounds that moved data */
	bool round_moved;
	/* Under the group's lock. */
	uint64_t initial_left, dirty; /* last PRECOPY_INFO */
	bool initial_done;
	uint64_t initial_off;     /* where the initial bytes end in its data */
	unsigned int initial_gen; /* initial_done set this often: REINIT starts over */
	unsigned int reinits;     /* PRECOPY_INFO said REINIT (v2) */
	bool paused, done;
	bool exited;              /* the thread is about to return */
	int err;                  /* the thread's failure (message printed) */
};

/* The devices of one side and what their threads share. */
/* One side of a migration, in the words its messages use. */
struct mig_side {
	const char *cmd;         /* "migrate" */
	const char *dir;         /* "to": where the peer is */
	const char *self;        /* "source" */
	const char *peer;        /* "destination" */
};
extern const struct mig_side mig_source, mig_destination;

struct mgroup {
	struct mig_dev dev[MIG_MAX_DEVICES];
	unsigned int n;
	const struct mig_side *side;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;               /* source: end pre-copy rounds */
	bool go;                 /* source: stop-copy may start */
	bool abort;
	int wake[2];             /* a pipe: threads wake the main thread */
	struct arc_log log;      /* arcs of all devices (the first 16) */
};

void mgroup_init(struct mgroup *g, const struct mig_side *side, const char **args,
		 unsigned int n);
/* Open every device; refuse the run (nothing changed) if one cannot go. */
int mgroup_open(struct mgroup *g);
void mgroup_close(struct mgroup *g);
/* Take every device to state in turn (p2p lock-step: all reach one
 * state before any goes on). data_fd gets the session an arc opened. */
int mgroup_goto(struct mgroup *g, uint32_t state);
/*
 * A failure before the commit: tell the peer why over ctl (unless it
 * refused or aborted itself, or there is no connection yet) before the
 * data connections break, else it takes the abort for a truncated stream;
 * then stop the threads: wake them, break their connections, join.
 */
void mgroup_stop(struct mgroup *g, struct chan *ctl, int why);
void mgroup_join(struct mgroup *g);
/* After a failure: close the data sessions, unwind every device by the
 * policy and say where each was left (session.h, sess_unwind_all()). */
void mgroup_unwind(struct mgroup *g, enum policy p, const char *none_touched);
/* After the commit: read back and say where every device is. */
void mgroup_say_where(struct mgroup *g);
/* A thread's failure, if any (0 when all are fine; takes the lock). */
int mgroup_failed(struct mgroup *g);
/*
 * One supervision step of a main thread: wait a tick for a frame on ctl
 * (1, with *m) or a thread's wake-up (0). A signal or a broken control
 * connection is said once and returned (<0).
 */
int mgroup_tick(struct mgroup *g, struct chan *ctl, struct msg *m);
/* SIGINT or SIGTERM came: say so; -VM_E_INTERRUPTED. */
int mgroup_interrupted(const struct mgroup *g);
/* A frame this side does not expect now: say so; -EPROTO. */
int mgroup_unexpected(const struct mgroup *g, uint32_t type);
/* The peer's ABORT: print its reason; -VM_E_PEER. */
int mgroup_peer_aborted(const struct mgroup *g, const struct msg *m);
/* Every thread finished its work (takes the lock). */
bool mgroup_all_done(struct mgroup *g);

void mgroup_lock(struct mgroup *g);
void mgroup_unlock(struct mgroup *g);
/* Wait on the group's condition for at most ms (lock held). Wakes on
 * any signal: callers re-check what they wait for. */
void mgroup_wait(struct mgroup *g, int ms);
/* Sleep ms (lock held) unless stop or abort is set meanwhile. */
void mgroup_pause(struct mgroup *g, int ms);
void mgroup_signal(struct mgroup *g);
/* A thread finished or failed: end the main thread's wait at once. */
void mgroup_wake(struct mgroup *g);

/* Poll interval of the supervising threads. */
#define MIG_TICK_MS 20
/* How long an aborting side waits for the peer to take its ABORT in. */
#define MIG_LINGER_MS 2000



/* What both sides report (text, or -j). */
struct mig_summary {
	const char *verb;        /* "migrated" / "received" */
	const char *dir;         /* "to" / "from" */
	const char *peer;
	bool ok, committed, insecure;
	double secs;             /* the whole run */
	double downtime;         /* < 0: not measured */
	double peer_downtime;    /* the destination's part, as it reported */
	bool converged;
	uint64_t remaining;      /* pre-copy bytes left at the stop */
};

int mig_report(struct mgroup *g, const struct mig_summary *s);
#endif
