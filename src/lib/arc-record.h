/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VFIOMIG_ARC_RECORD_H
#define VFIOMIG_ARC_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "fsm.h"

/*
 * What earlier migrations, saves and restores on this host measured of a
 * driver's save and load of a device's state: the arcs in which it saves
 * (-> stop_copy) or loads (resuming -> stop) it, and the time the device
 * itself took to give its data (its read()s in stop_copy) and to take it
 * (its write()s in resuming). A device without pre-copy does none of these before the
 * switchover, so only an earlier run can say what they cost. One record
 * per kind and driver in DIR/arcs (DIR: $VFIOMIG_STATEDIR, default
 * /var/lib/vfiomig): a longer time than it holds is taken at once, a
 * shorter one halfway.
 */
#define ARCREC_MAX 64
#define ARCREC_DIR_DEFAULT "/var/lib/vfiomig"

/* ARC_LOAD_PRECOPY: the load arc after pre-copy, which moved more than the
 * state (dirty bytes again) or loaded some as it came: kept as measured. */
enum arc_kind { ARC_SAVE, ARC_LOAD, ARC_READ, ARC_WRITE, ARC_LOAD_PRECOPY, ARC_KINDS };

struct arc_rec {
	enum arc_kind kind;
	char driver[64];
	uint64_t bytes;   /* the device's state, as moved */
	uint64_t usecs;   /* its arc, or its data, took */
};

struct arc_records {
	struct arc_rec r[ARCREC_MAX];
	unsigned int n;
};

/*
 * The records of @dir (the command's: vm_ctx's state_dir). A missing
 * file is no record; a file that is not trusted (owned by root or us,
 * written by nobody else, directory too), too large or not well formed
 * is ignored whole: 0, or -errno saying why it was ignored. Never leaves
 * a partial set.
 */
int arcrec_load(struct arc_records *a, const char *dir);
/* The file's text (NUL-terminated, changed in place) into @a; 0 or
 * -EBADMSG. arcrec_load()'s parser, which the fuzz target drives. */
int arcrec_parse(struct arc_records *a, char *text);
/* What @driver's arc of @kind should take for @bytes (scaled from its
 * record); < 0 without one. */
double arcrec_secs(const struct arc_records *a, enum arc_kind kind, const char *driver,
		   uint64_t bytes);
/* @driver's record of @kind, or NULL. */
const struct arc_rec *arcrec_find(const struct arc_records *a, enum arc_kind kind,
				  const char *driver);
/* A save or a load of @driver's whole state is recorded: a device
 * without pre-copy has something to count its downtime by. */
bool arcrec_whole_known(const struct arc_records *a, const char *driver);
/* What @driver's @kind took as measured, unscaled; < 0 without one. */
double arcrec_measured(const struct arc_records *a, enum arc_kind kind, const char *driver);
/* Settle (or add) @driver's record of @kind with what was measured now:
 * a longer time at once, a shorter one halfway. False when it cannot be
 * kept: a name the file cannot hold, or the table full. */
bool arcrec_put(struct arc_records *a, enum arc_kind kind, const char *driver,
		uint64_t bytes, double secs);
/*
 * Between a load and its store, so that two runs at once each keep their
 * records: the directory flocked (made 0755 when missing). Gives up after
 * a second (someone else holds it): the fd to arcrec_unlock(), or -errno.
 */
int arcrec_lock(const char *dir);
void arcrec_unlock(int fd);
/* The file replaced whole (temp + fsync + rename). 0 or -errno. */
int arcrec_store(const struct arc_records *a, const char *dir);

/* A figure measured now, for arcrec_keep(). */
struct arc_fig {
	enum arc_kind kind;
	const char *driver;
	uint64_t bytes;       /* the whole state the device moved */
	double secs;
};

/*
 * @n figures into the record of x->state_dir: the directory locked
 * (arcrec_lock()), the record read (one not believed is replaced), each
 * figure settled as arcrec_put() does, the file replaced. Failing to keep
 * them fails nothing: a debug note, its lines starting with @who, says
 * why.
 */
void arcrec_keep(const struct vm_ctx *x, const char *who, const struct arc_fig *f,
		 unsigned int n);
/* What device @dev's arcs that save (ARC_SAVE: into stop_copy) or load
 * (ARC_LOAD, ARC_LOAD_PRECOPY: resuming -> stop) its state took in @log;
 * < 0: none. */
double arclog_secs(const struct arc_log *log, unsigned int dev, enum arc_kind kind);

#endif
