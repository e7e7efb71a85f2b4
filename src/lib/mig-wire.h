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
 *   HELLO (ids of every device)   ->
 *   IDENTITY (one per device)     ->     compare count and identities
 *                                 <-     IDENTITY (one per device): both
 *                                        sides name every difference
 *                                        [HELLO_MEASURE] one save per
 *                                        driver measured (mig-measure.c)
 *                                 <-     AGREED (or ABORT: nothing changed)
 *   PROBE ... PROBE_END           ->     the link measured (mig-probe.c):
 *                                 <-     PROBED
 *   [--dry-run] ESTIMATE          ->     the figures; both end, nothing
 *                                        changed
 *   START (the estimate; or ABORT ->     all -> resuming
 *   when the limit cannot be kept)
 *                                 <-     READY (its arcs' time and hops)
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
 * Once every connection is up, each side sends ALIVE on the control
 * connection when it has sent nothing else for a second: a peer from
 * which nothing at all arrives for the silence limit (--peer-timeout) is
 * gone, whether it died, stopped or lost its network. Before, the
 * destination says ALIVE while it measures a save, the source waits for
 * AGREED under the same limit, and the destination waits 10 s at most
 * for each of HELLO, the identities, the probe and START, and 30 s for
 * the data connections (the source sends no ALIVE before them).
 *
 * Either side sends ABORT (with its reason) on a failure before COMMIT;
 * the source then runs its devices again and the destination resets its.
 */
#ifndef VFIOMIG_MIG_WIRE_H
#define VFIOMIG_MIG_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "ctx.h"
#include "stream.h"
#include "vm.h"

/* 3: IDENTITY frames (migid.h) after HELLO, both ways. 4: the estimate
 * before anything moves (AGREED to ESTIMATE), HELLO's flags and its
 * pre-copy bitmap for DEVS_MAX devices. */
#define MIG_PROTO_VERSION 4
/* An ALIVE when nothing else was sent for this long. */
#define MIG_ALIVE_SECS 1.0
#define MIG_SESSION_ID 16
/* The largest control frame body: a HELLO for DEVS_MAX devices, or an
 * IDENTITY (a device index, then an identity's wire form). */
#define MIG_HELLO_MAX (64 + DEVS_MAX / 8 + DEVS_MAX * STREAM_HEADER_SIZE)
#define MIG_IDENTITY_MAX (4 + 4096)
#define MIG_MSG_MAX (MIG_HELLO_MAX > MIG_IDENTITY_MAX ? MIG_HELLO_MAX : MIG_IDENTITY_MAX)

enum msg_type {
	MSG_HELLO = 1, MSG_READY, MSG_ABORT, MSG_INITIAL, MSG_ACK, MSG_STOPPED,
	MSG_LOADED, MSG_COMMIT, MSG_RUNNING, MSG_ATTACH, MSG_ALIVE, MSG_IDENTITY,
	/* v4, the estimate before anything moves (mig-probe.c): */
	MSG_AGREED,      /* destination: the devices match; none touched */
	MSG_PROBE,       /* source: u64 n, then n raw bytes that measure the link */
	MSG_PROBE_END,   /* source: u64 the probe's bytes */
	MSG_PROBED,      /* destination: u64 the probe's bytes it read; then
			  * its host's record of its devices' loads
			  * (mig-probe.c), absent from an older one */
	MSG_START,       /* source: the estimate; take the devices over */
	MSG_ESTIMATE,    /* source (--dry-run): the estimate; the end */
	MSG_LAST = MSG_ESTIMATE,
};

/* HELLO's flags. */
#define HELLO_DRY_RUN 1u         /* estimate only: no device changes state */
/* A limit to keep, and a device without pre-copy whose driver's save and
 * load the source never recorded: measure one (mig-measure.c). */
#define HELLO_MEASURE 2u
/* Such a device, limit or not: send the saves your host recorded too
 * (PROBED, mig-probe.c). */
#define HELLO_SAVES 4u

struct msg {
	uint32_t type;
	uint32_t len;
	uint8_t body[MIG_MSG_MAX];
};

struct hello {
	uint8_t session[MIG_SESSION_ID];
	uint32_t ndev;
	uint32_t flags;           /* HELLO_* */
	bool precopy[DEVS_MAX];   /* device i goes through pre-copy */
	struct stream_ident id[DEVS_MAX];
};

const char *msg_name(uint32_t type);
int msg_send(struct chan *c, uint32_t type, const void *body, uint32_t len);
/* A frame; -EPROTO for a malformed one, 0 at the end of the input. */
int msg_recv(struct chan *c, struct msg *m);
/*
 * Wait up to ms for a frame: 1 with *m, 0 when none came, <0 on errors.
 * A byte on wake_fd (-1: none) or the channel's cancellation ends the wait early,
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

#endif
