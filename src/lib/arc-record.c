// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The record of what earlier migrations, saves and restores measured of
 * a driver's save and load (arc-record.h): its file, read bounded and
 * checked, replaced whole. Owns the file's format: a comment line, then
 * one line a record, "save|load|read|write|load-precopy DRIVER BYTES
 * USECS". Decides nothing with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arc-record.h"
#include "clock.h"
#include "reason.h"
#include "stream.h"

#define FILE_MAX 16384            /* 64 records take under 8 KiB */
#define BYTES_MAX (1ULL << 48)    /* 256 TiB: no device state is larger */
#define USECS_MAX 3600000000ULL   /* an hour: no arc takes longer */

static const char *const kinds[] = {
	[ARC_SAVE] = "save", [ARC_LOAD] = "load", [ARC_READ] = "read", [ARC_WRITE] = "write",
	[ARC_LOAD_PRECOPY] = "load-precopy",
};

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= sizeof(((struct arc_rec *)0)->driver))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.-") == n;
}

/* Owned by root or us and written by nobody else: its figures decide. */
static bool trusted(const struct stat *st)
{
	return (st->st_uid == 0 || st->st_uid == geteuid()) && !(st->st_mode & 022);
}

static bool number(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end && *v <= max;
}

/* One line into @r: false when it is not one. */
static bool parse_line(char *line, struct arc_rec *r)
{
	char *save, *kind = strtok_r(line, " ", &save);
	char *drv = strtok_r(NULL, " ", &save);
	char *bytes = strtok_r(NULL, " ", &save);
	char *usecs = strtok_r(NULL, " ", &save);
	unsigned int k = 0;

	if (!kind || !drv || strtok_r(NULL, " ", &save) || !name_ok(drv))
		return false;
	while (k < ARC_KINDS && strcmp(kind, kinds[k]))
		k++;
	if (k == ARC_KINDS)
		return false;
	r->kind = (enum arc_kind)k;
	snprintf(r->driver, sizeof(r->driver), "%s", drv);
	return number(bytes, BYTES_MAX, &r->bytes) && number(usecs, USECS_MAX, &r->usecs);
}

int arcrec_parse(struct arc_records *a, char *text)
{
	char *save, *line;

	a->n = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (a->n == ARCREC_MAX || !parse_line(line, &a->r[a->n])) {
			a->n = 0;
			return -EBADMSG;
		}
		a->n++;
	}
	return 0;
}

/* The whole file, NUL-terminated, if it is small and trusted. */
static int slurp(int fd, char *buf, size_t len)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || !trusted(&st))
		return -EPERM;
	while (got < len && (n = read(fd, buf + got, len - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += (size_t)n;
	}
	if (got == len)
		return -EFBIG;
	buf[got] = '\0';
	return memchr(buf, '\0', got) ? -EBADMSG : 0;
}

static int dir_trusted(const char *dir)
{
	struct stat st;

	if (stat(dir, &st))
		return -errno;
	return trusted(&st) ? 0 : -EPERM;
}

int arcrec_load(struct arc_records *a, const char *dir)
{
	char path[4096], *buf;
	int fd, r;

	a->n = 0;
	r = dir_trusted(dir);
	if (r)
		return r == -ENOENT ? 0 : r;
	snprintf(path, sizeof(path), "%s/arcs", dir);
	/* O_NOFOLLOW: the file is ours, never a link to another. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	buf = malloc(FILE_MAX);
	r = buf ? slurp(fd, buf, FILE_MAX) : -ENOMEM;
	close(fd);
	if (!r)
		r = arcrec_parse(a, buf);
	free(buf);
	if (r)
		a->n = 0;
	return r;
}

const struct arc_rec *arcrec_find(const struct arc_records *a, enum arc_kind kind,
				  const char *driver)
{
	for (unsigned int i = 0; i < a->n; i++)
		if (a->r[i].kind == kind && !strcmp(a->r[i].driver, driver))
			return &a->r[i];
	return NULL;
}

/* Seconds r's arc or data takes for @bytes: both move the state, their
 * time grows with it. */
static double scaled(const struct arc_rec *r, uint64_t bytes)
{
	double secs = r->usecs / 1e6;

	return r->bytes ? secs * ((double)bytes / (double)r->bytes) : secs;
}

double arcrec_secs(const struct arc_records *a, enum arc_kind kind, const char *driver,
		   uint64_t bytes)
{
	const struct arc_rec *r = arcrec_find(a, kind, driver);

	return r ? scaled(r, bytes) : -1;
}

bool arcrec_whole_known(const struct arc_records *a, const char *driver)
{
	return arcrec_find(a, ARC_SAVE, driver) || arcrec_find(a, ARC_LOAD, driver);
}

double arcrec_measured(const struct arc_records *a, enum arc_kind kind, const char *driver)
{
	const struct arc_rec *r = arcrec_find(a, kind, driver);

	return r ? r->usecs / 1e6 : -1;
}

/*
 * A longer time than the record's (for the same bytes) is kept at once, a
 * shorter one only halfway: one quick run does not undo the margin the
 * slow ones gave, and one slow run is forgotten over a few quick ones.
 * A record of a state at most half as large is no margin: scaled up it
 * bounds the time from above (a fixed part of the arc scaled with the
 * bytes, as when a receiver measured its idle device, mig-measure.c), and
 * what this larger state took replaces it. The load arc after pre-copy,
 * counted unscaled, is settled unscaled.
 */
static double settled(const struct arc_rec *r, uint64_t bytes, double secs)
{
	/* ARC_LOAD_PRECOPY counts as measured, whatever pre-copy moved. */
	bool unscaled = r && r->kind == ARC_LOAD_PRECOPY;
	double was = !r ? secs : unscaled ? r->usecs / 1e6 : scaled(r, bytes);

	if (r && !unscaled && r->bytes <= bytes / 2)
		return secs;
	return secs >= was ? secs : (secs + was) / 2;
}

bool arcrec_put(struct arc_records *a, enum arc_kind kind, const char *driver,
		uint64_t bytes, double secs)
{
	struct arc_rec *r = (struct arc_rec *)arcrec_find(a, kind, driver);
	double now = settled(r, bytes, secs);

	/* Compared as seconds: a huge double has no uint64_t to round to. */
	if (!name_ok(driver) || bytes > BYTES_MAX || !(now >= 0) || now > USECS_MAX / 1e6)
		return false;
	if (!r && a->n == ARCREC_MAX)
		return false;
	if (!r)
		r = &a->r[a->n++];
	*r = (struct arc_rec){ .kind = kind, .bytes = bytes, .usecs = usecs_of(now) };
	snprintf(r->driver, sizeof(r->driver), "%s", driver);
	return true;
}

/* The file's text into @buf (FILE_MAX): its length. */
static size_t format(const struct arc_records *a, char *buf)
{
	size_t n = (size_t)snprintf(buf, FILE_MAX, "# vfiomig: the save and load of "
				    "each driver, as measured (vfiomig(8), FILES)\n");

	/* 64 records of under 120 bytes: FILE_MAX holds them all. */
	for (unsigned int i = 0; i < a->n; i++)
		n += (size_t)snprintf(buf + n, FILE_MAX - n, "%s %s %llu %llu\n",
				      kinds[a->r[i].kind], a->r[i].driver,
				      (unsigned long long)a->r[i].bytes,
				      (unsigned long long)a->r[i].usecs);
	return n;
}

int arcrec_lock(const char *dir)
{
	struct timespec tick = { 0, 10 * 1000000L };
	int fd, r;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	r = dir_trusted(dir);
	if (r)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Never a wait without an end: a hundred tries 10 ms apart. */
	for (int i = 0; i < 100; i++) {
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		nanosleep(&tick, NULL);
	}
	r = errno == EWOULDBLOCK ? -EBUSY : -errno;
	close(fd);
	return r;
}

void arcrec_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int arcrec_store(const struct arc_records *a, const char *dir)
{
	char path[4096], tmp[4112], *buf;
	int fd, r;

	r = dir_trusted(dir);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/arcs", dir);
	snprintf(tmp, sizeof(tmp), "%s/.arcs.%d", dir, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	buf = malloc(FILE_MAX);
	r = !buf ? -ENOMEM : fchmod(fd, 0644) ? -errno : write_full(fd, buf, format(a, buf));
	if (!r && fsync(fd))
		r = -errno;
	close(fd);
	free(buf);
	if (!r && rename(tmp, path))
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

void arcrec_keep(const struct vm_ctx *x, const char *who, const struct arc_fig *f,
		 unsigned int n)
{
	const char *dir = x->state_dir;
	struct arc_records a;
	unsigned int kept = 0;
	int lk = arcrec_lock(dir), r;

	if (lk < 0) {
		note_dbg(x, "%s: the arcs measured are not kept in %s/arcs: %s", who, dir,
			 errstr(lk));
		return;
	}
	r = arcrec_load(&a, dir);
	if (r)
		note_dbg(x, "%s: the record of earlier arcs in %s/arcs is replaced: %s", who,
			 dir, errstr(r));
	for (unsigned int i = 0; i < n; i++)
		kept += arcrec_put(&a, f[i].kind, f[i].driver, f[i].bytes, f[i].secs);
	r = kept ? arcrec_store(&a, dir) : 0;
	if (r)
		note_dbg(x, "%s: the arcs measured are not kept in %s/arcs: %s", who, dir,
			 errstr(r));
	arcrec_unlock(lk);
}

double arclog_secs(const struct arc_log *log, unsigned int dev, enum arc_kind kind)
{
	double secs = -1;

	for (int k = 0; k < log->n; k++) {
		const struct arc_time *a = &log->arc[k];
		bool wanted = kind == ARC_SAVE ? a->to == ST_STOP_COPY :
			      a->from == ST_RESUMING && a->to == ST_STOP;

		if (a->dev == dev && wanted)
			secs = (secs > 0 ? secs : 0) + a->secs;
	}
	return secs;
}
