/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What save and restore share: options, the run's context, reports. */
#ifndef VFIOMIG_SAVE_H
#define VFIOMIG_SAVE_H

#include <stdbool.h>
#include <argp.h>
#include <stdint.h>

#include "arc-record.h"
#include "chan.h"
#include "clock.h"
#include "device.h"
#include "net.h"
#include "pump.h"
#include "stream.h"
#include "ident.h"
#include "session.h"

/* Options save and restore share: --raw, --then, --[no-]progress. */
struct xfer_opts {
	bool raw;
	int progress;       /* -1: when stderr is a terminal */
	uint32_t then;
	struct net_opts net; /* for tcp:// and unix: endpoints */
};

/* The shared options, then the global ones; child 0's input is a
 * struct xfer_opts, set by the command's parser at ARGP_KEY_INIT. */
extern const struct argp_child xfer_children[];
/* Show progress? */
bool xfer_progress(const struct xfer_opts *x);

struct save_args {
	const char *dev;
	const char *out;
	bool precopy;
	struct xfer_opts x;
	enum policy policy;
};

struct save_ctx {
	const struct save_args *a;
	struct sess s;
	int data_fd;
	struct chan out;
	struct stream_writer w;
	struct arc_log log;
	struct progress prog;
	uint8_t *buf;
	uint64_t pre_bytes, stop_bytes;
	double read_secs;         /* the stop-copy reads' (pump.h dev_secs) */
	enum pump_end pre_end;
	double t0, secs;
};

/*
 * The state --then asks for, against the device's flags, before anything
 * changes: not supported is said (nothing was changed) and -VM_E_NOMIG.
 */
int xfer_check_then(const struct sess *s, uint32_t then);

/* --then: any requestable state a command may end in. */
int parse_then(const char *s, uint32_t *state);
int parse_policy(const char *s, enum policy *p);

/* The summary: text on stdout (stderr when stdout is the stream), or JSON. */
int save_report(const struct save_ctx *c, int result);

/*
 * After a save (ARC_SAVE) or a restore (ARC_LOAD) of a whole state: what
 * the driver's arc in @log took, and the device's own reads or writes of
 * its @bytes, into the host's record for the next migration's estimate
 * (vfiomig(8), FILES); after a restore of a stream with pre-copy records
 * (ARC_LOAD_PRECOPY), the arc alone. Failing to keep them fails nothing
 * (-vv says why, arcrec_keep()).
 */
void xfer_keep(const struct sess *s, const struct arc_log *log, enum arc_kind arc,
	       uint64_t bytes, double data_secs);

#endif
