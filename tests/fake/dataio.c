/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * read() and write() on data fds, the fops side of a session.
 *
 * Everything a call needs is cached per fd when it is opened (image,
 * backing fd, fault and throttle settings) or shared through the session
 * page, so a read costs the fd lookup, one fstat() and a memcpy() from
 * the pattern table, or with backing=file one pread() on the backing
 * file instead of the memcpy(): a benchmark measures the tool, not the
 * fake. Other fds go straight to libc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fake.h"

#define SHORT_IO	4093	/* odd, so short transfers misalign too */

struct data_sess {
	int refs;		/* fds sharing it, as dups share a file */
	pthread_mutex_t lock;	/* migf->lock: one read or write at a time */
	struct fake_page *pg;	/* the session's shared page, or &own */
	struct fake_page own;	/* a source fd has no session */
	struct pattern *pat;	/* pattern image, or NULL */
	uint8_t *exact;		/* exact image of a saving fd, or NULL */
	int backing;		/* backing=file: fd of the image file, or -1 */
	bool resume;
	int end_errno;		/* at the temporary end of PRE_COPY */
	uint64_t fail_at;	/* one injected fault, UINT64_MAX for none */
	int fail_errno;
	size_t max_io;		/* bytes one call may move */
	uint64_t rate;		/* bytes/s, 0: unlimited */
	uint64_t rate_done;
	struct timespec rate_t0;
	/* driver conventions (personality.c) */
	uint64_t chunk;		/* a read stops at a multiple, 0: never */
	bool inflight;		/* reads wait for (or EAGAIN on) data in flight */
	bool on_info;		/* reads never make dirty data */
	bool p2p_stop;		/* nor does a device stopped in PRE_COPY_P2P */
	bool match_fail;	/* hisi: the match header is refused */
	bool alloc_write;	/* mlx5: the first write allocates (faults.c) */
	char name[FAKE_NAME_MAX];
};

struct fake_page *data_page(struct data_sess *ds)
{
	return ds->pg;
}

static bool env_on(const char *var)
{
	const char *v = getenv(var);

	return v && *v && strcmp(v, "0") != 0;
}

/* OFFSET[:ERRNO] from @var. */
static void parse_fail(struct data_sess *ds, const char *var)
{
	const char *v = getenv(var);
	char *end;

	ds->fail_at = UINT64_MAX;
	if (!v || !*v)
		return;
	ds->fail_at = strtoull(v, &end, 0);
	if (end == v) {
		ds->fail_at = UINT64_MAX;
		return;
	}
	ds->fail_errno = *end == ':' ? errno_parse(end + 1, EIO) : EIO;
}

static void set_limits(struct data_sess *ds, const struct fake_cfg *cfg)
{
	size_t slice;

	ds->max_io = SIZE_MAX;
	if (env_on("VFIOMIG_FAKE_SHORT"))
		ds->max_io = SHORT_IO;
	ds->rate = cfg->rate;
	/* a tenth of a second per call keeps the reader responsive */
	slice = cfg->rate / 10 > 4096 ? cfg->rate / 10 : 4096;
	if (cfg->rate && slice < ds->max_io)
		ds->max_io = slice;
}

/* Map a session file's first page, shared with every holder of the file. */
struct fake_page *map_page(const char *path)
{
	void *p;
	int fd;

	fd = real.open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, FAKE_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	real.close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* A source reads like a session that reached STOP_COPY at open. */
static void source_page(struct fake_page *pg, const char *name,
			const struct fake_cfg *cfg)
{
	memset(pg, 0, sizeof(*pg));
	pg->stop_copy = 1;
	pg->size = cfg->size;
	pg->pattern = cfg->pattern;
	if (cfg->pattern)
		pg->seed = image_seed(name);
}

static int load_image(struct data_sess *ds, const char *name, bool backing)
{
	int fd;

	if (ds->pg->pattern)
		ds->pat = pattern_new(ds->pg->seed, ds->pg->size);
	else
		ds->exact = image_exact(name, ds->pg->size);
	if (!ds->pat && !ds->exact)
		return -ENOMEM;
	if (ds->exact)
		data_stale(name, ds->exact, ds->pg->size, ds->pg->precopy);
	if (!backing)
		return 0;
	/* the reads need only the file from here on */
	fd = backing_open(name, ds->pat, ds->exact, ds->pg->size);
	if (fd < 0)
		return fd;
	ds->backing = fd;
	free(ds->pat);
	free(ds->exact);
	ds->pat = NULL;
	ds->exact = NULL;
	return 0;
}

/* Set up @e (a data fd or a source) for read()/write(). */
int data_attach(struct fake_fd *e, int fd, const char *path,
		const struct fake_cfg *cfg)
{
	struct data_sess *ds = calloc(1, sizeof(*ds));

	(void)fd;
	if (!ds)
		return -ENOMEM;
	ds->refs = 1;
	pthread_mutex_init(&ds->lock, NULL);
	e->ds = ds;	/* from here on release() frees it */
	ds->resume = e->kind == FK_RESUME;
	ds->fail_at = UINT64_MAX;
	ds->backing = -1;
	if (e->kind == FK_SOURCE) {
		ds->pg = &ds->own;
		source_page(ds->pg, e->name, cfg);
	} else {
		ds->pg = map_page(path);
		if (!ds->pg)
			return -EIO;
		parse_fail(ds, ds->resume ? "VFIOMIG_FAKE_WRITE_FAIL" :
					    "VFIOMIG_FAKE_READ_FAIL");
		ds->end_errno = cfg->precopy_end;
	}
	set_limits(ds, cfg);
	ds->chunk = cfg->chunk;
	ds->inflight = cfg->inflight_ms != 0;
	ds->on_info = cfg->dirty_on_info;
	ds->p2p_stop = cfg->p2p_stop;
	ds->match_fail = cfg->match_fail && cfg->pers == PERS_HISI;
	ds->alloc_write = cfg->pers == PERS_MLX5;
	snprintf(ds->name, sizeof(ds->name), "%s", e->name);
	return ds->resume ? 0 : load_image(ds, e->name, cfg->backing);
}

struct data_sess *data_ref(struct data_sess *ds)
{
	ds->refs++;
	return ds;
}

void data_detach(struct data_sess *ds)
{
	if (--ds->refs > 0)
		return;
	if (ds->pg && ds->pg != &ds->own)
		munmap(ds->pg, FAKE_PAGE);
	if (ds->backing >= 0)
		real.close(ds->backing);
	free(ds->pat);
	free(ds->exact);
	pthread_mutex_destroy(&ds->lock);
	free(ds);
}

int data_source_open(const char *name, const char *path, int flags,
		     mode_t mode)
{
	struct fake_cfg cfg;
	struct fake_fd *e;
	int fd, ret;

	if (cfg_load(name, &cfg) || !cfg.migration)
		return real.open(path, flags, mode);
	fd = real.open(path, flags, mode);
	if (fd < 0)
		return fd;
	fdtab_lock();
	e = fdtab_add(fd, FK_SOURCE, name);
	ret = e ? data_attach(e, fd, NULL, &cfg) : -EMFILE;
	if (ret)
		fdtab_drop(fd);
	fdtab_unlock();
	if (ret) {
		errno = -ret;
		return -1;
	}
	return fd;
}

/* The injected fault, once, for the call that would move [pos, pos+n). */
static int fault(struct data_sess *ds, uint64_t pos, size_t n)
{
	int err;

	if (ds->fail_at < pos || ds->fail_at - pos >= n)
		return 0;
	err = ds->fail_errno;
	ds->fail_at = UINT64_MAX;
	return err;
}

static void rate_begin(struct data_sess *ds)
{
	if (ds->rate && !ds->rate_done)
		clock_gettime(CLOCK_MONOTONIC, &ds->rate_t0);
}

/*
 * Sleep until the bytes moved so far fit the rate. The deadline is
 * absolute from the first transfer, so rounding never accumulates; a
 * signal cuts the sleep short, as it would a driver waiting on DMA.
 */
static void rate_end(struct data_sess *ds, size_t n)
{
	struct timespec t = ds->rate_t0;
	double secs;

	if (!ds->rate)
		return;
	ds->rate_done += n;
	secs = (double)ds->rate_done / (double)ds->rate;
	t.tv_sec += (time_t)secs;
	t.tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
}

/* A session that is over: ENODEV, or an oops when a reset ended it. */
static ssize_t ended(const struct fake_page *pg)
{
	/*
	 * the bug: pds before 6.9 freed the file's state on reset and the
	 * next read or write dereferenced it; the kernel kills the task
	 * that oopses (the test VM panics).
	 */
	if (pg->dead == FAKE_DEAD_RESET && bug_on("reset_oops"))
		kill(getpid(), SIGKILL);
	return -ENODEV;
}

/*
 * mlx5vf_save_read(): data of a SAVE command still running is waited for
 * (interruptibly) by a blocking read and is EAGAIN with O_NONBLOCK. The
 * wait also ends when the session does (mlx5vf_disable_fds() wakes the
 * reader since 6.7): data_disable() wakes the futex on pg->dead.
 */
static int wait_inflight(struct data_sess *ds, int fd)
{
	struct fake_page *pg = ds->pg;
	/* the bug: 6.1's mlx5vf_disable_fd() never wakes the reader */
	bool deaf = bug_on("reader_not_woken");
	uint64_t until = pg->ready_ns, now;
	struct timespec t;
	uint32_t dead;
	int fl;

	for (;;) {
		now = now_ns();
		if (!ds->inflight || !until || now >= until)
			return 0;
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK))
			return -EAGAIN;
		dead = __atomic_load_n(&pg->dead, __ATOMIC_ACQUIRE);
		if (dead && !deaf)
			return 0;	/* the caller says ENODEV */
		t.tv_sec = (time_t)((until - now) / 1000000000ULL);
		t.tv_nsec = (long)((until - now) % 1000000000ULL);
		/* deaf and dead: the data of a disabled file never comes */
		if (syscall(SYS_futex, &pg->dead, FUTEX_WAIT, dead,
			    dead ? NULL : &t, NULL, 0) && errno == EINTR)
			return -EINTR;
	}
}

/* May this read, finding the reader caught up, make more dirty data? */
static bool read_redirties(struct data_sess *ds)
{
	if (ds->on_info)
		return false;	/* only PRECOPY_INFO asks the device */
	return !ds->p2p_stop ||
	       state_get(ds->name) != VFIOMIG_STATE_PRE_COPY_P2P;
}

/*
 * A buggy driver's window between reading f_pos and taking migf->lock:
 * the kernel's is a few instructions wide, this one is wide enough that
 * a second thread falls into it every time.
 */
static void race_window(void)
{
	struct timespec t = { 0, 2000000 };

	nanosleep(&t, NULL);
}

/* The body of mtty_save_read() under migf->lock, from position @pos. */
static ssize_t read_locked(struct data_sess *ds, uint8_t *buf, size_t len,
			   uint64_t pos)
{
	struct fake_page *pg = ds->pg;
	uint64_t avail, from;
	ssize_t r;
	size_t n;
	int err;

	if (pg->dead)
		return ended(pg);
	avail = page_avail(pg);
	if (pos > avail)
		return -EINVAL;
	n = len < avail - pos ? len : (size_t)(avail - pos);
	if (n > ds->max_io)
		n = ds->max_io;
	/* the driver's buffers: one read never crosses into the next */
	if (ds->chunk && n > ds->chunk - pos % ds->chunk)
		n = (size_t)(ds->chunk - pos % ds->chunk);
	if (!n && len && read_redirties(ds))
		page_redirty(pg);	/* for the next read */
	if (!n && len && pg->stop_copy && bug_on("stop_copy_enomsg"))
		return -ENOMSG;
	if (!n)
		return (!len || pg->stop_copy) ? 0 : -ds->end_errno;
	err = fault(ds, pos, n);
	if (err)
		return -err;
	/* the bug: hisi_acc before 6.8 copied from the buffer's start */
	from = bug_on("read_restarts") ? 0 : pos;
	rate_begin(ds);
	if (ds->backing >= 0) {
		/* the kernel copies, as copy_to_user() from a driver buffer */
		r = real.pread(ds->backing, buf, n, (off_t)from);
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		n = (size_t)r;
	} else if (ds->pat) {
		pattern_read(ds->pat, buf, from, n);
	} else {
		memcpy(buf, ds->exact + from, n);
	}
	/* the bug: a read of 2 to 15 bytes loses the rest of a 16-byte record */
	if (n > 1 && n < 16 && bug_on("read_drops"))
		pg->pos = pos + 16 < avail ? pos + 16 : avail;
	else
		pg->pos = pos + n;
	return (ssize_t)n;
}

/* mtty_save_read(), with the end conventions of other drivers. */
static ssize_t data_read(int fd, struct data_sess *ds, uint8_t *buf,
			 size_t len)
{
	struct fake_page *pg = ds->pg;
	bool racy = bug_on("save_read_race");
	uint64_t stale = 0;
	ssize_t r;
	int err;

	if (pg->dead)
		return ended(pg);
	err = wait_inflight(ds, fd);
	if (err)
		return err;
	/* the bug: the position taken before the lock */
	if (racy) {
		stale = pg->pos;
		race_window();
	}
	pthread_mutex_lock(&ds->lock);
	r = read_locked(ds, buf, len, racy ? stale : pg->pos);
	pthread_mutex_unlock(&ds->lock);
	if (r > 0)
		rate_end(ds, (size_t)r);
	return r;
}

/* The first PAT_HDR bytes say which pattern the rest must be. */
static void check_header(struct fake_page *pg, const uint8_t *buf,
			 uint64_t pos, size_t n)
{
	size_t k;

	if (pos >= PAT_HDR)
		return;
	k = n < PAT_HDR - pos ? n : (size_t)(PAT_HDR - pos);
	memcpy(pg->hdr + pos, buf, k);
	if (pos + k == PAT_HDR &&
	    !pattern_header(pg->hdr, pg->size, &pg->seed)) {
		pg->bad = 1;
		pg->bad_at = 0;
	}
}

/* Compare what is written against the image it claims to be. */
static void check_pattern(struct data_sess *ds, const uint8_t *buf,
			  uint64_t pos, size_t n)
{
	struct fake_page *pg = ds->pg;
	uint64_t from = pos > PAT_HDR ? pos : PAT_HDR, at;

	if (!pg->bad)
		check_header(pg, buf, pos, n);
	if (pg->bad || from >= pos + n)
		return;
	if (!ds->pat || ds->pat->seed != pg->seed) {
		free(ds->pat);
		ds->pat = pattern_new(pg->seed, pg->size);
	}
	at = ds->pat ? pattern_cmp(ds->pat, buf + (from - pos), from,
				   (size_t)(pos + n - from)) : from;
	if (at != UINT64_MAX) {
		pg->bad = 1;
		pg->bad_at = at;
	}
}

/*
 * The size check of a resuming write: -ENOMEM when it would end past the
 * state (mtty_resume_write()), or past resume_cap= (mlx5 before 6.3:
 * MAX_MIGRATION_SIZE, 512 MiB).
 */
static ssize_t too_big(const struct fake_page *pg, uint64_t pos, size_t len)
{
	uint64_t cap;

	if (len > pg->size || pos > pg->size - len)
		return -ENOMEM;
	if (bug_u64("resume_cap", &cap) && pos + len > cap)
		return -ENOMEM;
	return 0;
}

/* The body of a resuming write under migf->lock. */
static ssize_t write_locked(int fd, struct data_sess *ds, const uint8_t *buf,
			    size_t len, bool sized)
{
	struct fake_page *pg = ds->pg;
	uint64_t pos = pg->pos, to;
	size_t n = len < ds->max_io ? len : ds->max_io;
	int err;

	/* the bug: what does not fit is taken and dropped */
	if (bug_on("accept_oversize") && !pg->dead && pos + len > pg->size &&
	    pos <= pg->size) {
		ssize_t r = pos < pg->size ? write_locked(fd, ds, buf,
					(size_t)(pg->size - pos), sized) : 0;

		return r < 0 ? r : (ssize_t)len;
	}
	if (sized && too_big(pg, pos, len))
		return -ENOMEM;
	if (pg->dead)
		return ended(pg);
	if (!n)
		return 0;
	/* the bug: a write of under 16 bytes is acknowledged and lost */
	if (n < 16 && bug_on("write_drops"))
		return (ssize_t)n;
	if (ds->alloc_write && pos == 0) {
		err = fault_alloc("mlx5vf_alloc_data_buffer+0x5c/0x1a0");
		if (err)
			return err;
	}
	err = fault(ds, pos, n);
	if (err)
		return -err;
	/* the bug: hisi_acc before 6.8 copied every write to the start */
	to = bug_on("write_restarts") ? 0 : pos;
	rate_begin(ds);
	if (pg->pattern)
		check_pattern(ds, buf, to, n);
	else if (real.pwrite(fd, buf, n, (off_t)(FAKE_PAGE + to)) !=
		 (ssize_t)n)
		return -EIO;
	pg->pos = pos + n;
	/*
	 * hisi_acc_vf_resume_write(): once the match header is complete,
	 * vf_qm_check_match() runs; a mismatch is EFAULT for the call that
	 * completed it, its bytes kept.
	 */
	if (ds->match_fail && pos < HISI_MATCH_SIZE &&
	    pos + n >= HISI_MATCH_SIZE)
		return -EFAULT;
	return (ssize_t)n;
}

/*
 * mtty_resume_write(), with the size check under the session's lock as
 * qat_vf_resume_write() has it since 7.2 (and 6.12.97): two threads
 * writing at once never take more than the state. 6.12's mtty and
 * hisi_acc check f_pos before the lock: resume_write_race.
 */
static ssize_t data_write(int fd, struct data_sess *ds, const uint8_t *buf,
			  size_t len)
{
	bool racy = bug_on("resume_write_race");
	ssize_t r;

	if (racy) {
		r = too_big(ds->pg, ds->pg->pos, len);
		if (r)
			return r;
		race_window();
	}
	pthread_mutex_lock(&ds->lock);
	r = write_locked(fd, ds, buf, len, !racy);
	pthread_mutex_unlock(&ds->lock);
	if (r > 0)
		rate_end(ds, (size_t)r);
	return r;
}

static ssize_t result(ssize_t r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static struct data_sess *data_fd(int fd)
{
	fake_init();
	return fake_root ? fdtab_data(fd) : NULL;
}

FAKE_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	struct data_sess *ds = data_fd(fd);

	if (!ds && kmsg_is(fd))
		return result(kmsg_read(fd, buf, len));
	if (!ds || ds->resume)
		return real.read(fd, buf, len);
	/* the bug: a driver that cannot read without blocking */
	if (bug_on("nonblock_eio") && (fcntl(fd, F_GETFL) & O_NONBLOCK))
		return result(-EIO);
	return result(data_read(fd, ds, buf, len));
}

FAKE_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		abort();	/* what glibc's __chk_fail amounts to */
	return read(fd, buf, len);
}

FAKE_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	struct data_sess *ds = data_fd(fd);

	if (!ds || !ds->resume)
		return real.write(fd, buf, len);
	return result(data_write(fd, ds, buf, len));
}

/* The data fds are stream_open()ed: no positioned I/O, no seeking. */
FAKE_EXPORT ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	if (data_fd(fd))
		return result(-ESPIPE);
	return real.pread(fd, buf, len, off);
}

FAKE_EXPORT ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off);
}

FAKE_EXPORT ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (data_fd(fd))
		return result(-ESPIPE);
	return real.pwrite(fd, buf, len, off);
}

FAKE_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite(fd, buf, len, off);
}

FAKE_EXPORT off_t lseek(int fd, off_t off, int whence)
{
	if (data_fd(fd))
		return result(-ESPIPE);
	return real.lseek(fd, off, whence);
}

FAKE_EXPORT off_t lseek64(int fd, off_t off, int whence)
{
	return lseek(fd, off, whence);
}

/*
 * No splice_read and not a regular file: the kernel says EINVAL, and
 * cat(1) then falls back to read(). Letting these through would copy
 * the session file's page instead of the image.
 */
FAKE_EXPORT ssize_t copy_file_range(int in, off_t *in_off, int out,
				    off_t *out_off, size_t len,
				    unsigned int flags)
{
	if (data_fd(in) || data_fd(out))
		return result(-EINVAL);
	return real.copy_file_range(in, in_off, out, out_off, len, flags);
}

FAKE_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t len)
{
	if (data_fd(in) || data_fd(out))
		return result(-EINVAL);
	return real.sendfile(out, in, off, len);
}

FAKE_EXPORT ssize_t sendfile64(int out, int in, off_t *off, size_t len)
{
	return sendfile(out, in, off, len);
}

FAKE_EXPORT ssize_t splice(int in, off_t *in_off, int out, off_t *out_off,
			   size_t len, unsigned int flags)
{
	if (data_fd(in) || data_fd(out))
		return result(-EINVAL);
	return real.splice(in, in_off, out, out_off, len, flags);
}

/*
 * mlx5vf_save_poll(): readable when data is queued or the save is
 * complete, POLLRDHUP too once the session is dead; nothing while a
 * SAVE command is in flight or at a temporary end. -1 for an fd whose
 * driver has no poll op: the regular file's answer (always ready) is
 * then the kernel's DEFAULT_POLLMASK.
 */
int data_poll_ready(struct data_sess *ds)
{
	const struct fake_page *pg = ds->pg;

	if (ds->resume || !ds->inflight)
		return -1;
	if (pg->dead)
		return POLLIN | POLLRDNORM | POLLRDHUP;
	if (pg->ready_ns && now_ns() < pg->ready_ns)
		return 0;
	if (pg->stop_copy || page_avail(pg) > pg->pos)
		return POLLIN | POLLRDNORM;
	return 0;
}
