// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the destination measures before it agrees (mig-dst.c): the save of
 * a driver that this host never saved, loaded or migrated, when a device
 * of it comes without pre-copy. Such a device saves and loads its whole
 * state in the downtime, and without a record the source's estimate could
 * count neither. One idle device per such driver is saved into nothing
 * (its arc into stop_copy timed, its data read, timed and dropped) and
 * taken back to the state it was in: a save changes no device state, so
 * the device is as it was. Its figures go into the host's record and,
 * with PROBED, to the source, which counts them for its save and, until a
 * migration records one, for the load. Never in a dry run: there no device
 * changes state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "mig-dst.h"

/* A state larger than this many times its estimate (plus a slack for a
 * small one) is no measure of the estimate: given up, not failed. */
#define MEASURE_OVER 4
#define MEASURE_SLACK (16u << 20)
/* Its reads are of the size the source's are (MIG_BUF). */
#define MEASURE_BUF (1u << 20)

/* A device to measure: no pre-copy, an estimate, a state a save leaves and
 * comes back to, and a driver nothing was recorded of (nor measured now). */
static bool wanted(const struct mig_dev *m, const struct arc_records *rec)
{
	const char *drv = m->s.d.info.driver;
	uint32_t st = m->s.cur;

	if (m->precopy || !m->s.known || m->size == 0)
		return false;
	if (st != ST_RUNNING && st != ST_RUNNING_P2P && st != ST_STOP)
		return false;
	return !arcrec_whole_known(rec, drv);
}

/* The data fd read to its end into nothing: the time of the read()s alone.
 * 1 when it gives far more than its estimate (not measured). */
static int drain(struct mdst *s, struct mig_dev *m, int fd, uint8_t *buf,
		 uint64_t *bytes, double *secs)
{
	uint64_t most = m->size * MEASURE_OVER + MEASURE_SLACK;
	double alive = monotonic_secs();

	for (;;) {
		double t = monotonic_secs();
		ssize_t n = read(fd, buf, MEASURE_BUF);

		*secs += monotonic_secs() - t;
		if (cancelled(s->g.x))
			return mctl_interrupted(&s->g);
		/* The source waits for AGREED meanwhile: not silent for
		 * --peer-timeout (a failed send shows at AGREED's). */
		if (monotonic_secs() - alive >= MIG_ALIVE_SECS) {
			(void)msg_send(&s->ctl, MSG_ALIVE, NULL, 0);
			alive = monotonic_secs();
		}
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;

			return fail_from(&s->g.why, FROM_DEVICE, e, "%s %s: reading its "
					 "state to measure its save: %s", s->g.side->cmd,
					 m->s.d.info.name, errstr(e));
		}
		*bytes += (uint64_t)n;
		if (*bytes > most)
			return 1;
	}
}

/* An arc of the measure failed: its line says what receive was doing,
 * which the user did not ask for by name. */
static void why_measuring(const struct mdst *s, struct sess *ss)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s %s: measuring its save: ", s->g.side->cmd,
		 ss->d.info.name);
	reason_prefix(ss->why, prefix);
}

/*
 * One device saved into nothing and put back. Its arcs go into a log of
 * their own: READY's state changes and the migration's record are the
 * migration's. Back where it was, it is not touched (a refusal later
 * leaves it as it is, said to be back, not reset); a failure leaves it
 * touched, for dst_unwind() to reset.
 */
static int measure_one(struct mdst *s, struct mig_dev *m, uint8_t *buf,
		       struct arc_fig *f)
{
	struct sess *ss = &m->s;
	struct arc_log log = { 0 }, *keep = ss->log;
	uint32_t back = ss->cur;
	uint64_t bytes = 0;
	double secs = 0;
	int fd = -1, r;

	ss->log = &log;
	r = sess_goto(ss, ST_STOP_COPY, &fd);
	if (r)
		why_measuring(s, ss);
	if (!r && fd < 0)
		r = fail_from(&s->g.why, FROM_DEVICE, -VM_E_STATE, "%s %s: stop_copy "
			      "opened no data session", s->g.side->cmd, ss->d.info.name);
	if (!r)
		r = drain(s, m, fd, buf, &bytes, &secs);
	if (fd >= 0)
		close(fd);
	/* Given up or measured, the device goes back; failed, it is unwound. */
	if (r >= 0 && sess_goto(ss, back, NULL)) {
		why_measuring(s, ss);
		r = -VM_E_STATE;
	}
	if (r >= 0) {
		ss->touched = false;
		ss->back = true;
	}
	ss->log = keep;
	if (r)
		return r;
	f[0] = (struct arc_fig){ ARC_SAVE, ss->d.info.driver, bytes,
				 arclog_secs(&log, ss->index, ARC_SAVE) };
	f[1] = (struct arc_fig){ ARC_READ, ss->d.info.driver, bytes, secs };
	return f[0].secs >= 0 && bytes ? 0 : 1;
}

int dst_measure(struct mdst *s, struct arc_records *rec)
{
	uint8_t *buf = NULL;
	struct arc_fig f[2];
	int r = 0;

	for (unsigned int i = 0; r >= 0 && i < s->g.n; i++) {
		struct mig_dev *m = &s->g.dev[i];

		if (vdev_data_size(&m->s.d, &m->size))
			m->size = 0;
		if (!wanted(m, rec))
			continue;
		if (!buf && !(buf = pump_buf(MEASURE_BUF)))
			r = fail(&s->g.why, -ENOMEM, "%s: measuring a save: %s",
				 s->g.side->cmd, errstr(-ENOMEM));
		if (r < 0)
			break;
		note_info(s->g.x, "%s %s: nothing recorded of %s's save on this host: "
			  "measuring one", s->g.side->cmd, m->s.d.info.name, m->s.d.info.driver);
		r = measure_one(s, m, buf, f);
		if (r > 0)
			note_dbg(s->g.x, "%s %s: its save could not be measured",
				 s->g.side->cmd, m->s.d.info.name);
		if (r)
			continue;
		arcrec_keep(s->g.x, s->g.side->cmd, f, 2);
		for (unsigned int k = 0; k < 2; k++)
			arcrec_put(rec, f[k].kind, f[k].driver, f[k].bytes, f[k].secs);
	}
	free(buf);
	return r < 0 ? r : 0;
}
