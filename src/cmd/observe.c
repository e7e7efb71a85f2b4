// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The observer the tool hands the engine (observe.h). Turns what the
 * engine tells into lines and events; decides nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "events.h"
#include "fsm.h"
#include "log.h"
#include "observe.h"
#include "output.h"

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

/* -v: each arc as it happens, before whatever it led to. */
static void on_arc(void *data, const char *dev, uint32_t from, uint32_t to, double secs,
		   int r)
{
	info("arc %s -> %s on %s: %.3f ms%s%s", fsm_name(from), fsm_name(to), dev,
	     secs * 1e3, r ? ": failed, " : "", r ? strerrorname_np(-r) ?: "E?" : "");
	ev_arc(dev, fsm_name(from), fsm_name(to), secs, r);
}

/* The devices of a migration report from their threads: one line at a time. */
static pthread_mutex_t line_lock = PTHREAD_MUTEX_INITIALIZER;

/* "DEV: 4.0 MiB of 64.0 MiB (6%), 16.4 MiB/s, 3.5 s left", on one line. */
static void progress_line(const char *dev, uint64_t done, uint64_t total, double secs,
			  bool last)
{
	double rate = secs > 0 ? done / secs : 0;
	char a[32], c[32];

	pthread_mutex_lock(&line_lock);
	fputs("\r", stderr);
	esc_text(stderr, dev);
	fprintf(stderr, ": %s", size_text(done, a, sizeof(a)));
	/* The total is the device's estimate: the data may outgrow it. */
	if (total) {
		char b[32];

		fprintf(stderr, " of %s (%.0f%%)", size_text(total, b, sizeof(b)),
			done < total ? 100.0 * done / total : 100.0);
	}
	fprintf(stderr, ", %s/s", size_text((uint64_t)rate, c, sizeof(c)));
	if (total && rate > 0 && done < total && !last)
		fprintf(stderr, ", %.1f s left", (total - done) / rate);
	fputs(last ? "      \n" : "      ", stderr);
	pthread_mutex_unlock(&line_lock);
}

static void on_progress(void *data, const char *dev, uint64_t done, uint64_t total,
			double secs, bool last)
{
	if (progress_tty)
		progress_line(dev, done, total, secs, last);
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

static void on_downtime(void *data, double secs, double peer_secs)
{
	ev_downtime(secs, peer_secs);
}

const struct observer observer = {
	.note = on_note,
	.arc = on_arc,
	.progress = on_progress,
	.status = on_status,
	.pass = on_pass,
	.switchover = on_switchover,
	.downtime = on_downtime,
};
