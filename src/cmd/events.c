// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event stream (--events): owns its sink, the line format and the
 * lock that keeps the lines of several device threads whole. Says what
 * callers tell it; must not decide when things happen, and must never
 * fail a command: a sink that cannot be written is dropped, once, with a
 * warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "events.h"
#include "json.h"
#include "log.h"
#include "output.h"
#include "vfiomig.h"

static const char *spec;        /* what --events said */
/* Read without the lock by events_on() (a hint), changed only under it. */
static int sink = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

enum { OPT_EVENTS = 0x500 };

static const struct argp_option events_options[] = {
	{ "events", OPT_EVENTS, "FD|FILE", 0,
	  "Write events as JSON lines to file descriptor FD or to FILE", 0 },
	{ 0 }
};

static error_t events_parse(int key, char *arg, struct argp_state *state)
{
	if (key != OPT_EVENTS)
		return ARGP_ERR_UNKNOWN;
	spec = arg_name(state, "--events", arg);
	return 0;
}

const struct argp events_argp = { events_options, events_parse, NULL, NULL,
				  NULL, NULL, NULL };

static void result_line(const char *doc);

/* "3": a descriptor; "./3" names a file called 3. */
static bool is_fd_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int open_fd(const char *cmd)
{
	long n = strtol(spec, NULL, 10);
	int fl;

	/* 0 is input, 1 may carry the stream or the report, 2 the messages. */
	if (n <= 2) {
		err("%s --events %s: descriptors 0, 1 and 2 are taken; give another "
		    "one, or a FILE", cmd, spec);
		return -VM_E_USAGE;
	}
	fl = n > 65535 ? -1 : fcntl((int)n, F_GETFL);
	if (fl < 0) {
		err("%s --events %s: not an open file descriptor: %s", cmd, spec,
		    errstr(EBADF));
		return -VM_E_USAGE;
	}
	if ((fl & O_ACCMODE) == O_RDONLY) {
		err("%s --events %s: not open for writing: %s", cmd, spec, errstr(EBADF));
		return -VM_E_USAGE;
	}
	/* Not inherited by anything this run starts. */
	fcntl((int)n, F_SETFD, FD_CLOEXEC);
	return (int)n;
}

int events_open(const char *cmd)
{
	int fd;

	if (!spec)
		return 0;
	if (is_fd_number(spec)) {
		fd = open_fd(cmd);
		if (fd < 0)
			return fd;
	} else {
		fd = open(spec, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0) {
			int e = -errno;

			err("%s --events %s: creating: %s", cmd, spec, errstr(e));
			return e == -EACCES || e == -EPERM ? e : -VM_E_CANTCREAT;
		}
	}
	__atomic_store_n(&sink, fd, __ATOMIC_RELAXED);
	out_tee(result_line);
	return 0;
}

bool events_on(void)
{
	return __atomic_load_n(&sink, __ATOMIC_RELAXED) >= 0;
}

/*
 * One line, whole, under the lock. A reader that went away (EPIPE: the
 * signal is ignored) or any other failure ends the stream, not the run.
 */
static void put_line(const char *buf, size_t len)
{
	pthread_mutex_lock(&lock);
	while (sink >= 0 && len) {
		ssize_t n = write(sink, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			warn("--events %s: writing: %s; no more events", spec,
			     errstr(n < 0 ? errno : EIO));
			close(sink);
			__atomic_store_n(&sink, -1, __ATOMIC_RELAXED);
			break;
		}
		buf += n;
		len -= (size_t)n;
	}
	pthread_mutex_unlock(&lock);
}

/* A line being built: {"event":..,"timestamp":{..},"data":{ ..., with
 * the one JSON writer (json.h). */
struct line {
	struct json j;
	char *buf;
	size_t len;
};

/* {"event":NAME,"timestamp":{..}, and the data's key comes next. */
static bool line_begin(struct line *l, const char *name)
{
	struct timeval tv;
	FILE *f;

	if (!events_on())
		return false;
	f = open_memstream(&l->buf, &l->len);
	if (!f)
		return false;
	gettimeofday(&tv, NULL);
	json_init(&l->j, f, false);
	json_open(&l->j, NULL, '{');
	json_str(&l->j, "event", name);
	json_open(&l->j, "timestamp", '{');
	json_int(&l->j, "seconds", tv.tv_sec);
	json_int(&l->j, "microseconds", tv.tv_usec);
	json_close(&l->j);
	return true;
}

static bool line_open(struct line *l, const char *name)
{
	if (!line_begin(l, name))
		return false;
	json_open(&l->j, "data", '{');
	return true;
}

static void kv_str(struct line *l, const char *k, const char *v)
{
	json_str(&l->j, k, v);
}

static void kv_u64(struct line *l, const char *k, uint64_t v)
{
	json_u64(&l->j, k, v);
}

static void kv_usecs(struct line *l, const char *k, double secs)
{
	json_u64(&l->j, k, usecs_of(secs));
}

static void kv_num(struct line *l, const char *k, double v)
{
	json_num(&l->j, k, v);
}

static void kv_bool(struct line *l, const char *k, bool v)
{
	json_bool(&l->j, k, v);
}

static void kv_null(struct line *l, const char *k)
{
	json_null(&l->j, k);
}

/* A duration that may be unknown (< 0). */
static void kv_usecs_or_null(struct line *l, const char *k, double secs)
{
	if (secs >= 0)
		kv_usecs(l, k, secs);
	else
		kv_null(l, k);
}

static void line_close(struct line *l)
{
	json_close_all(&l->j);
	fputc('\n', l->j.f);
	if (fclose(l->j.f) == 0)
		put_line(l->buf, l->len);
	free(l->buf);
}

void ev_status(const char *status)
{
	struct line l;

	if (!line_open(&l, "MIGRATION"))
		return;
	kv_str(&l, "status", status);
	line_close(&l);
}

void ev_end(int r)
{
	ev_status(!r ? "completed" : r == -VM_E_INTERRUPTED ? "cancelled" : "failed");
}

void ev_arc(const char *dev, const char *from, const char *to, double secs, int r)
{
	struct line l;

	if (!line_open(&l, "ARC"))
		return;
	kv_str(&l, "device", dev);
	kv_str(&l, "from", from);
	kv_str(&l, "to", to);
	kv_usecs(&l, "usecs", secs);
	kv_bool(&l, "ok", !r);
	if (r)
		kv_str(&l, "errno", strerrorname_np(-r) ? strerrorname_np(-r) : "?");
	line_close(&l);
}

void ev_progress(const char *dev, uint64_t done, uint64_t total, double secs, bool last)
{
	double rate = secs > 0 ? done / secs : 0;
	struct line l;

	if (!line_open(&l, "PROGRESS"))
		return;
	kv_str(&l, "device", dev);
	kv_u64(&l, "transferred", done);
	kv_usecs(&l, "usecs", secs);
	kv_u64(&l, "bytes_per_sec", (uint64_t)rate);
	kv_num(&l, "mbps", rate * 8 / 1e6);
	/* The total is the device's estimate: the data may outgrow it. */
	if (total) {
		uint64_t left = total > done ? total - done : 0;

		kv_u64(&l, "total", total);
		kv_u64(&l, "remaining", left);
		kv_num(&l, "percent", left ? 100.0 * done / total : 100.0);
		/* A last event with data left is a transfer cut short. */
		if (!left || (!last && rate > 0))
			kv_usecs(&l, "expected_usecs", left / (rate > 0 ? rate : 1));
		else
			kv_null(&l, "expected_usecs");
	} else {
		kv_null(&l, "total");
		kv_null(&l, "remaining");
		kv_null(&l, "percent");
		kv_null(&l, "expected_usecs");
	}
	kv_bool(&l, "last", last);
	line_close(&l);
}

void ev_pass(const char *dev, unsigned int pass, uint64_t precopy_bytes,
	     uint64_t initial_bytes, uint64_t dirty_bytes)
{
	struct line l;

	if (!line_open(&l, "MIGRATION_PASS"))
		return;
	kv_str(&l, "device", dev);
	kv_u64(&l, "pass", pass);
	kv_u64(&l, "precopy_bytes", precopy_bytes);
	kv_u64(&l, "initial_bytes", initial_bytes);
	kv_u64(&l, "dirty_bytes", dirty_bytes);
	line_close(&l);
}

void ev_switchover(const struct switchover *s)
{
	struct line l;

	if (!line_open(&l, "SWITCHOVER"))
		return;
	kv_str(&l, "reason", s->reason);
	kv_usecs(&l, "precopy_usecs", s->precopy_secs);
	kv_u64(&l, "precopy_bytes", s->sent);
	kv_u64(&l, "remaining", s->remaining);
	kv_u64(&l, "bytes_per_sec", (uint64_t)s->rate);
	kv_usecs(&l, "downtime_limit_usecs", s->downtime_limit);
	kv_usecs_or_null(&l, "expected_downtime_usecs", s->expected_downtime);
	kv_bool(&l, "acked", s->acked);
	kv_u64(&l, "stop_copy_bytes", s->stop_copy_bytes);
	kv_usecs_or_null(&l, "state_changes_usecs", s->state_changes);
	kv_usecs_or_null(&l, "state_changes_recorded_usecs", s->recorded);
	kv_usecs_or_null(&l, "data_recorded_usecs", s->data_recorded);
	kv_u64(&l, "link_bytes_per_sec", (uint64_t)s->link_rate);
	kv_bool(&l, "downtime_exceeded", s->over_limit);
	line_close(&l);
}

static void estimate_devices(struct line *l, const struct estimate *e)
{
	if (!e->dev) {
		kv_null(l, "devices");
		return;
	}
	json_open(&l->j, "devices", '[');
	for (unsigned int i = 0; i < e->ndev; i++) {
		const struct dev_estimate *d = &e->dev[i];

		json_open(&l->j, NULL, '{');
		kv_str(l, "device", d->dev);
		if (d->sized)
			kv_u64(l, "stop_copy_bytes", d->size);
		else
			kv_null(l, "stop_copy_bytes");
		kv_u64(l, "bytes", d->bytes);
		kv_usecs(l, "usecs", d->secs);
		kv_usecs_or_null(l, "data_recorded_usecs", d->data_recorded);
		kv_usecs_or_null(l, "downtime_usecs", d->downtime);
		json_close(&l->j);
	}
	json_close(&l->j);
}

void ev_estimate(const struct estimate *e)
{
	struct line l;

	if (!line_open(&l, "ESTIMATE"))
		return;
	kv_bool(&l, "dry_run", e->dry_run);
	kv_u64(&l, "bytes", e->bytes);
	kv_usecs(&l, "usecs", e->secs);
	kv_usecs_or_null(&l, "downtime_usecs", e->downtime);
	kv_usecs_or_null(&l, "state_changes_usecs", e->state_changes);
	kv_usecs_or_null(&l, "state_changes_recorded_usecs", e->recorded);
	kv_usecs_or_null(&l, "data_recorded_usecs", e->data_recorded);
	kv_usecs(&l, "round_trip_usecs", e->rtt);
	kv_u64(&l, "link_bytes_per_sec", (uint64_t)e->link_rate);
	kv_u64(&l, "probe_bytes", e->probe_bytes);
	kv_usecs(&l, "probe_usecs", e->probe_secs);
	kv_usecs_or_null(&l, "downtime_limit_usecs", e->downtime_limit);
	estimate_devices(&l, e);
	line_close(&l);
}

void ev_downtime(double secs, double peer_secs, double expected, double limit)
{
	struct line l;

	if (!line_open(&l, "DOWNTIME"))
		return;
	kv_usecs(&l, "downtime_usecs", secs);
	if (peer_secs >= 0)
		kv_usecs(&l, "peer_downtime_usecs", peer_secs);
	kv_usecs_or_null(&l, "expected_downtime_usecs", expected);
	kv_usecs_or_null(&l, "downtime_limit_usecs", limit);
	/* Only the source measures the whole downtime. */
	if (peer_secs >= 0 && limit >= 0)
		kv_bool(&l, "downtime_exceeded", limit > 0 && secs > limit);
	else
		kv_null(&l, "downtime_exceeded");
	line_close(&l);
}

/* The run's JSON document, whole (output.c writes it, in text mode too). */
static void result_line(const char *doc)
{
	struct line l;

	if (!line_begin(&l, "RESULT"))
		return;
	json_raw(&l.j, "data", doc);
	line_close(&l);
}
