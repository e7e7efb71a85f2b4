/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The devices of one side of a live migration (mig-wire.h says how the
 * two sides talk), moved together by the engine (mig-src.c, mig-dst.c):
 * their sessions, their threads and what the threads share under one
 * lock, the p2p lock-step, unwinding. mig-ctl.c holds the steps of the
 * control protocol both sides share.
 */
#ifndef VFIOMIG_MIG_H
#define VFIOMIG_MIG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "arc-record.h"
#include "chan.h"
#include "ctx.h"
#include "device.h"
#include "mig-wire.h"
#include "migid.h"
#include "net.h"
#include "pump.h"
#include "reason.h"
#include "session.h"
#include "stream.h"

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
	struct migid id;          /* this device's identity, and its peer's */
	struct migid peer;
	bool peer_known;          /* the peer's IDENTITY for it came */
	bool precopy;             /* source: this device goes through pre_copy */
	pthread_t thread;
	bool started;
	struct progress prog;     /* its data, for the observer (its thread) */
	uint64_t estimate;        /* source: its stop-copy estimate, 0: none */
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
	bool sized;               /* source: the driver gave a stop-copy estimate */
	uint64_t size;            /* its last (MIG_DATA_SIZE); the
				   * destination's, for its measure */
	double busy;              /* seconds its thread took to move pre-copy data */
	double best_rate;         /* bytes/s of its fastest pass of 16 KiB or
				   * more (mig-src.c); 0: none yet */
	double data_secs;         /* the device's own time for its data: its
				   * stop-copy read()s (source), all its
				   * write()s (destination); the thread's */
	bool paused, done;
	bool exited;              /* the thread is about to return */
	int err;                  /* the thread's failure */
	struct reason why;        /* its words (the thread's; read after join) */
};

/*
 * One side of a migration, in the words its lines use; the command's
 * (cmd-migrate.c, cmd-receive.c): the engine names no command itself.
 */
struct mig_side {
	const char *cmd;         /* "migrate" */
	const char *dir;         /* "to": where the peer is */
	const char *self;        /* "source" */
	const char *peer;        /* "destination" */
	const char *force;       /* how the destination's user overrides a
				  * refusal of another kind ("--force ...") */
};

/* The devices of one side and what their threads share. */
struct mgroup {
	const struct vm_ctx *x;
	struct mig_dev dev[DEVS_MAX];
	unsigned int n;
	const struct mig_side *side;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;               /* source: end pre-copy rounds */
	bool go;                 /* source: stop-copy may start */
	bool abort;
	bool any_touched;        /* after mgroup_unwind(): a device had moved */
	int wake[2];             /* a pipe: threads wake the main thread */
	struct arc_log log;      /* arcs of all devices */
	struct reason why;       /* the main thread's failures */
	char told[160];          /* what the peer hears of our failure, when
				  * more than its code says (mctl_abort()) */
	/* The control connection, by the main thread (mctl_tick()). */
	double heard, said;      /* when a frame last came, went (monotonic) */
	double silence;          /* the most the peer may say nothing; 0: for ever */
};

void mgroup_init(struct mgroup *g, const struct vm_ctx *x, const struct mig_side *side,
		 const char **args, unsigned int n);
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
/* After a migration: what its save (ARC_SAVE) or load (ARC_LOAD) took,
 * the arcs and the device's data, into the host's record (mig-record.c). */
void mgroup_record_arcs(struct mgroup *g, enum arc_kind kind);
/* After a failure: close the data sessions, unwind every device by the
 * policy (session.h, sess_unwind_all()); g->any_touched says whether
 * any had moved. */
void mgroup_unwind(struct mgroup *g, enum policy p);
/* After the commit: read back where every device is. */
void mgroup_settle(struct mgroup *g);
/* A thread's failure, if any (0 when all are fine; takes the lock). */
int mgroup_failed(struct mgroup *g);
/* Every thread finished its work (takes the lock). */
bool mgroup_all_done(struct mgroup *g);
/*
 * The reasons of the run in the order their first lines came: the main
 * thread's, each device's arcs (its session) and each device thread's.
 * Fills v (room for 1 + 2 * DEVS_MAX), returns how many have lines.
 */
unsigned int mgroup_reasons(const struct mgroup *g, const struct reason **v);

/* A thread's failure, in the pump's words (pump_why()), unless the group
 * is aborting (what breaks is the abort's doing, not news) or a signal
 * ended it (the main thread tells that). */
int mgroup_thread_failed(struct mig_dev *m, const struct pump *p);

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

/*
 * The steps of the control protocol both sides share (mig-ctl.c).
 * mctl_tick: one supervision step of a main thread: wait a tick for a
 * frame on ctl (1, with *m) or a thread's wake-up (0); an ALIVE is due
 * when nothing was sent for MIG_ALIVE_SECS, and one that comes is taken
 * here. A cancellation, a broken control connection or a peer silent for
 * g->silence is told in g->why and returned (<0).
 */
int mctl_tick(struct mgroup *g, struct chan *ctl, struct msg *m);
/* Every connection is up: ALIVEs go out, and the peer may be silent for
 * silence seconds at most (0: for ever) from here. */
void mctl_met(struct mgroup *g, struct chan *ctl, double silence);
/* A frame on the control connection, counted as said. */
int mctl_send(struct mgroup *g, struct chan *ctl, uint32_t type, const void *body,
	      uint32_t len);
/* Tick until the peer's next frame other than ALIVE: 0 when it is of
 * type, else its ABORT or the frame out of place, told. */
int mctl_expect(struct mgroup *g, struct chan *ctl, uint32_t type, struct msg *m);
/* The cancellation came: -VM_E_INTERRUPTED, told. */
int mctl_interrupted(struct mgroup *g);
/* A frame this side does not expect now: -EPROTO, told. */
int mctl_unexpected(struct mgroup *g, uint32_t type);
/* The peer's ABORT, its reason told: -VM_E_PEER. */
int mctl_peer_aborted(struct mgroup *g, const struct msg *m);
/* Our ABORT, with the reason a failure code gives, then a while for the
 * peer to read it. */
void mctl_abort(struct mgroup *g, struct chan *ctl, int why);

/*
 * Identities (migid.h): each device's read into m->id and sent as an
 * IDENTITY frame; one that comes is taken into its device's peer (0,
 * or -EPROTO told). mctl_incompatible() writes every blocking difference
 * of the devices whose peer came ("device I (NAME): KEY: A here, B on the
 * destination; ...") into buf, and returns how many; *all_forceable tells
 * whether --force may override every one.
 */
int mctl_send_identities(struct mgroup *g, struct chan *ctl);
int mctl_take_identity(struct mgroup *g, const struct msg *m);
unsigned int mctl_incompatible(struct mgroup *g, char *buf, size_t len, bool *all_forceable);

/* Poll interval of the supervising threads. */
#define MIG_TICK_MS 20
/* How long an aborting side waits for the peer to take its ABORT in. */
#define MIG_LINGER_MS 2000

#endif
