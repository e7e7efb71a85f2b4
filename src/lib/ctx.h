/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a command hands the engine along with its calls: the user's
 * choices the engine must follow, the cancellation (SIGINT and SIGTERM
 * as the command caught them), and the observer that hears progress,
 * decisions and warnings as they happen. The engine reads no process
 * global and prints nothing: through this it learns and tells; failures
 * come back as a code and a reason (reason.h).
 */
#ifndef VFIOMIG_CTX_H
#define VFIOMIG_CTX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

/*
 * A request to stop. sig is set (by the command's signal handler) to the
 * signal that came, and fd becomes readable: waits poll it beside what
 * they wait for. interrupt() makes a thread's blocking call that no fd
 * can wake (a read of a data fd that only the driver ends) return EINTR;
 * hit() is then true in that thread.
 */
struct cancel {
	atomic_int sig;
	int fd;                       /* -1: nothing to poll */
	void (*interrupt)(pthread_t t);
	bool (*hit)(void);
};

/*
 * Why pre-copy ended, with the figures the decision was made on; or why
 * the devices are not stopped at all (over-limit: the migration aborts).
 */
struct switchover {
	const char *reason;      /* converged, timeout, no-precopy, over-limit */
	double precopy_secs;
	uint64_t sent, remaining;
	double rate;             /* bytes a second, measured in pre-copy */
	double downtime_limit;   /* seconds, 0: no limit */
	bool acked;              /* the destination has the initial bytes */
	uint64_t stop_copy_bytes; /* what must still move (mig-estimate.h) */
	double expected_downtime; /* seconds; < 0: unknown */
	double state_changes;    /* its part for the arcs; < 0: not measured */
	double recorded;         /* theirs from the record; < 0: none */
	double data_recorded;    /* the devices' time for their data, from the
				  * record (the longest); < 0: none */
	double link_rate;        /* bytes a second, the probe's */
	bool over_limit;         /* expected_downtime is past the limit */
};

/* One device's part of an estimate (mig-estimate.h). */
struct dev_estimate {
	const char *dev;
	bool sized;              /* the driver gave a stop-copy estimate */
	uint64_t size;           /* that estimate (MIG_DATA_SIZE) */
	uint64_t bytes;          /* what it must move */
	double secs;             /* moving them, at the rate expected for it */
	double data_recorded;    /* the device's own time for them, from the
				  * record (arc-record.h); < 0: none */
	double downtime;         /* its transfer in the downtime */
	bool unrecorded;         /* no pre-copy, and nothing recorded of its
				  * driver: its save and load are left out */
};

/* The estimate before anything moves: what --dry-run prints. */
struct estimate {
	bool dry_run;
	bool known;              /* every device gave a stop-copy estimate */
	uint64_t bytes;
	double secs;             /* moving them all */
	double downtime;         /* seconds; < 0: unknown */
	double state_changes;    /* < 0: not measured (nothing changed state) */
	double recorded;         /* its part from earlier migrations' record
				  * (arc-record.h); < 0: none */
	double data_recorded;    /* the longest device's data_recorded */
	double rtt;              /* a round trip to the peer */
	double link_rate;        /* bytes a second, the probe's */
	uint64_t probe_bytes;
	double probe_secs;
	double downtime_limit;   /* seconds, 0: no limit */
	unsigned int ndev;
	const struct dev_estimate *dev; /* NULL: per device unknown (receive) */
};

/* Levels of a note: what -q silences and each -v adds. */
enum { NOTE_WARN = 1, NOTE_INFO, NOTE_DEBUG };

/*
 * The observer. Any member may be NULL. Calls come from any thread of
 * the engine (a migration's device threads too), never two at once for
 * one device; the observer serialises what it shares.
 */
struct observer {
	void *data;
	/* A warning or a detail, as it happens (text from outside is in it
	 * as it came: the observer escapes what it prints). */
	void (*note)(void *data, int level, const char *text);
	/* A SET of the device state: r is 0 or the -errno it failed with. */
	void (*arc)(void *data, const char *dev, uint32_t from, uint32_t to,
		    double secs, int r);
	/* Bytes of one device's data so far (total 0: unknown); last: its
	 * end. At most five a second, and always the last. */
	void (*progress)(void *data, const char *dev, uint64_t done, uint64_t total,
			 double secs, bool last);
	/* The run's phase, in QEMU's MigrationStatus words (setup, active,
	 * pre-switchover, device, completed, failed, cancelled). */
	void (*status)(void *data, const char *status);
	/* A pre-copy round of one device ended. */
	void (*pass)(void *data, const char *dev, unsigned int pass, uint64_t bytes,
		     uint64_t initial_bytes, uint64_t dirty_bytes);
	void (*switchover)(void *data, const struct switchover *s);
	/* The estimate before anything moves (migrate, receive). */
	void (*estimate)(void *data, const struct estimate *e);
	/* As measured here, and as the peer measured it (< 0: none). */
	void (*downtime)(void *data, double secs, double peer_secs);
};

struct vm_ctx {
	enum open_mode open;          /* --open */
	bool no_holder;               /* --no-holder */
	bool netlink_debug;           /* dump netlink messages (-vv) */
	const char *state_dir;        /* the record of earlier arcs (arc-record.h) */
	const char *run_dir;          /* holder sockets (holder.h); NULL: default */
	const struct cancel *cancel;  /* NULL: nothing cancels */
	const struct observer *obs;   /* NULL: nobody listens */
};

/* The signal that asked to stop, or 0. */
static inline int cancelled(const struct vm_ctx *x)
{
	return x && x->cancel ? atomic_load(&x->cancel->sig) : 0;
}

/* An fd for poll() that is readable once cancelled; -1: none. */
static inline int cancel_fd(const struct vm_ctx *x)
{
	return x && x->cancel ? x->cancel->fd : -1;
}

/* This thread was interrupted (struct cancel's interrupt()). */
static inline bool cancel_hit(const struct vm_ctx *x)
{
	return x && x->cancel && x->cancel->hit && x->cancel->hit();
}

static inline void cancel_thread(const struct vm_ctx *x, pthread_t t)
{
	if (x && x->cancel && x->cancel->interrupt)
		x->cancel->interrupt(t);
}

void note(const struct vm_ctx *x, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define note_warn(x, ...) note(x, NOTE_WARN, __VA_ARGS__)
#define note_info(x, ...) note(x, NOTE_INFO, __VA_ARGS__)
#define note_dbg(x, ...) note(x, NOTE_DEBUG, __VA_ARGS__)

void obs_arc(const struct vm_ctx *x, const char *dev, uint32_t from, uint32_t to,
	     double secs, int r);
void obs_progress(const struct vm_ctx *x, const char *dev, uint64_t done,
		  uint64_t total, double secs, bool last);
void obs_status(const struct vm_ctx *x, const char *status);
void obs_pass(const struct vm_ctx *x, const char *dev, unsigned int pass,
	      uint64_t bytes, uint64_t initial_bytes, uint64_t dirty_bytes);
void obs_switchover(const struct vm_ctx *x, const struct switchover *s);
void obs_estimate(const struct vm_ctx *x, const struct estimate *e);
void obs_downtime(const struct vm_ctx *x, double secs, double peer_secs);
/* Someone hears progress: worth timing it. */
bool obs_wants_progress(const struct vm_ctx *x);

#endif
