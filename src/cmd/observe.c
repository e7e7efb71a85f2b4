// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The observer the tool hands the engine (observe.h). Turns what the
 * engine tells into lines and events; decides nothing.
 */
#include <stdio.h>

#include "events.h"
#include "fsm.h"
#include "log.h"
#include "observe.h"

/* The one command of the run shows progress, or not. */
static bool progress_tty;

void observe_progress(bool on)
{
	progress_tty = on;
}

static void on_note(void *data, int level, const char *text)
{
	log_note(level, text);
}

static void on_arc(void *data, const char *dev, uint32_t from, uint32_t to, double secs,
		   int r)
{
	ev_arc(dev, fsm_name(from), fsm_name(to), secs, r);
}

static void progress_line(uint64_t done, uint64_t total, double secs, bool last)
{
	double rate = secs > 0 ? done / secs : 0;

	fprintf(stderr, "\r%.1f MiB  %.1f MiB/s", done / 1048576.0, rate / 1048576.0);
	if (total)
		fprintf(stderr, "  %.0f%%", 100.0 * done / total);
	fputs(last ? "   \n" : "   ", stderr);
}

static void on_progress(void *data, const char *dev, uint64_t done, uint64_t total,
			double secs, bool last)
{
	if (progress_tty)
		progress_line(done, total, secs, last);
	ev_progress(dev, done, total, secs, last);
}

static void on_status(void *data, const char *status)
{
	ev_status(status);
}

static void on_pass(void *data, const char *dev, unsigned int pass, uint64_t bytes,
		    uint64_t initial_bytes, uint64_t dirty_bytes)
{
	ev_pass(dev, pass, bytes, initial_bytes, dirty_bytes);
}

static void on_switchover(void *data, const struct switchover *s)
{
	ev_switchover(s);
}

static void on_estimate(void *data, const struct estimate *e)
{
	ev_estimate(e);
}

static void on_downtime(void *data, double secs, double peer_secs)
{
	ev_downtime(secs, peer_secs, -1, -1);
}

const struct observer observer = {
	.note = on_note,
	.arc = on_arc,
	.progress = on_progress,
	.status = on_status,
	.pass = on_pass,
	.switchover = on_switchover,
	.estimate = on_estimate,
	.downtime = on_downtime,
};
