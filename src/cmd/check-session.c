// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The data fd checks: the stream does not depend on read sizes or
 * O_NONBLOCK, a restore not on write chunking; stop-copy's end is read()
 * 0; a session's fd ends when its state is left, by a new session or a
 * reset, and a fd closed early does not hold the state; restore -> save
 * gives the same bytes (informative).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "device.h"
#include "log.h"
#include "sig.h"

#define NO_SAVE "no reference save (see data.save.eof)"

/* The bytes differ from the reference save: where, or -1 if they match. */
static ssize_t differs(const struct check_ctx *c, const uint8_t *b, size_t n)
{
	size_t m = n < c->saved_bytes ? n : c->saved_bytes;

	for (size_t i = 0; i < m; i++)
		if (b[i] != c->saved[i])
			return (ssize_t)i;
	return n == c->saved_bytes ? -1 : (ssize_t)m;
}

void check_read_sizes(struct check_ctx *c)
{
	static const size_t chunks[] = { 1, 7, 4093, 1u << 20 };
	uint8_t *buf = NULL;
	size_t cap = 0;

	if (!c->saved) {
		check_add(c, "data.save.read-size", CK_SKIP, NO_SAVE);
		return;
	}
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		ssize_t n = check_save(c, &buf, &cap, chunks[i]), at;

		if (n < 0) {
			check_add(c, "data.save.read-size", CK_FAIL, "saving with "
				  "%zu-byte reads: %s", chunks[i], errstr((int)n));
			break;
		}
		at = differs(c, buf, (size_t)n);
		if (at >= 0) {
			check_add(c, "data.save.read-size", CK_FAIL, "%zu-byte reads "
				  "gave %zd bytes, differing from the first save at byte "
				  "%zd of %llu", chunks[i], n, at,
				  (unsigned long long)c->saved_bytes);
			break;
		}
	}
	check_add(c, "data.save.read-size", CK_PASS, "reads of 1, 7, 4093 bytes "
		  "and 1 MiB: the same %llu bytes", (unsigned long long)c->saved_bytes);
	free(buf);
	check_home(c);
}

/* stop_copy to its end: read() 0 twice more; poll() is informative. */
void check_eof(struct check_ctx *c)
{
	struct pollfd p = { .events = POLLIN };
	uint8_t *buf = NULL, b;
	size_t cap = 0;
	const char *end = NULL;
	ssize_t n, n1 = -1, n2 = -1;
	int pr = -1;

	p.fd = check_session(c, ST_STOP, ST_STOP_COPY);
	if (p.fd < 0) {
		check_add(c, "data.save.eof", CK_SKIP, "no data session");
		check_add(c, "data.save.poll", CK_SKIP, "no data session");
		return;
	}
	n = check_drain(p.fd, &buf, &cap, 0, &end);
	if (n == -EFBIG) {
		check_add(c, "data.save.eof", CK_SKIP, "a state above 256 MiB is "
			  "not held in memory: see data.large");
		check_add(c, "data.save.poll", CK_SKIP, "a state above 256 MiB");
		close(p.fd);
		free(buf);
		check_home(c);
		return;
	}
	if (n >= 0) {
		n1 = read(p.fd, &b, 1);
		n2 = read(p.fd, &b, 1);
		pr = poll(&p, 1, 0);
	}
	if (n < 0)
		check_add(c, "data.save.eof", CK_FAIL, "reading in stop_copy: %s",
			  errstr((int)n));
	else if (strcmp(end, "eof") || n1 || n2)
		check_add(c, "data.save.eof", CK_FAIL, "stop_copy ended with %s, "
			  "then read() gave %zd and %zd", end, n1, n2);
	else
		check_add(c, "data.save.eof", CK_PASS, "%zd bytes, then read() 0 "
			  "three times", n);
	if (pr < 0)
		check_add(c, "data.save.poll", CK_SKIP, "no end of data reached");
	else
		check_add(c, "data.save.poll", CK_INFO, "poll() at the end of "
			  "stop_copy: %s", pr && (p.revents & POLLIN) ? "readable" :
			  "not readable (the uAPI asks readable)");
	close(p.fd);
	free(buf);
	check_home(c);
}

void check_write_chunks(struct check_ctx *c)
{
	static const size_t chunks[] = { 0, 1, SIZE_MAX };
	static const char *const name[] = { "one write", "1-byte writes",
					     "random sizes" };

	if (!c->saved) {
		check_add(c, "data.resume.chunking", CK_SKIP, NO_SAVE);
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		int r = check_load(c, c->saved, c->saved_bytes, chunks[i]);

		if (r) {
			check_add(c, "data.resume.chunking", CK_FAIL, "%llu bytes in "
				  "%s: %s", (unsigned long long)c->saved_bytes, name[i],
				  errstr(r));
			break;
		}
	}
	check_add(c, "data.resume.chunking", CK_PASS, "%llu bytes restored in one "
		  "write, 1-byte writes and random sizes",
		  (unsigned long long)c->saved_bytes);
	check_home(c);
}

/* Restore the reference, save again: informative. */
void check_fidelity(struct check_ctx *c)
{
	uint8_t *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int r;

	if (!c->saved) {
		check_add(c, "data.fidelity", CK_SKIP, NO_SAVE);
		return;
	}
	r = check_load(c, c->saved, c->saved_bytes, 0);
	n = r ? r : check_save(c, &buf, &cap, 0);
	if (n < 0) {
		check_add(c, "data.fidelity", CK_SKIP, "restore and save: %s",
			  errstr((int)n));
	} else {
		ssize_t at = differs(c, buf, (size_t)n);

		if (at < 0)
			check_add(c, "data.fidelity", CK_INFO, "restore then save: the "
				  "same %zd bytes", n);
		else
			check_add(c, "data.fidelity", CK_INFO, "the driver's stream is "
				  "not deterministic: %zd bytes, first difference at %zd",
				  n, at);
	}
	free(buf);
	check_home(c);
}

/* A fd whose session ended: 0 or an error, never data. */
static bool ended(int fd, bool resume, char *how, size_t len)
{
	uint8_t b = 0;
	ssize_t n = resume ? write(fd, &b, 1) : read(fd, &b, 1);

	snprintf(how, len, "%s", n < 0 ? check_errname(errno) : n ? "data" : "eof");
	return n <= 0;
}

static int ends_after(struct check_ctx *c, const char *rule, uint32_t from,
		      uint32_t to, const char *what, int (*act)(struct check_ctx *))
{
	char how[32];
	uint8_t b;
	int fd = check_session(c, from, to), bad = 0;

	if (fd < 0)
		return -1;
	if (to == ST_RESUMING ? check_write(fd, c->saved, c->saved_bytes, 0) :
	    read(fd, &b, 1) < 0) {
		close(fd);
		return -1;
	}
	if (act(c)) {
		check_add(c, rule, CK_FAIL, "%s failed", what);
		bad = 1;
	} else if (!ended(fd, to == ST_RESUMING, how, sizeof(how))) {
		check_add(c, rule, CK_FAIL, "after %s the old fd still %s", what,
			  to == ST_RESUMING ? "takes writes" : "gives data");
		bad = 1;
	}
	close(fd);
	return bad;
}

static int to_stop(struct check_ctx *c)
{
	int fd, r = vdev_set_state(&c->s.d, ST_STOP, &fd);

	if (fd >= 0)
		close(fd);
	return r;
}

static int to_running(struct check_ctx *c)
{
	int fd, r = vdev_set_state(&c->s.d, ST_RUNNING, &fd);

	if (fd >= 0)
		close(fd);
	return r;
}

/* A new session from stop after leaving stop_copy. */
static int new_session(struct check_ctx *c)
{
	int fd;

	if (to_stop(c) || vdev_set_state(&c->s.d, ST_STOP_COPY, &fd))
		return -1;
	if (fd >= 0)
		close(fd);
	return 0;
}

void check_session_ends(struct check_ctx *c)
{
	int r;

	if (!c->saved) {
		check_add(c, "data.session.leave", CK_SKIP, NO_SAVE);
		check_add(c, "data.session.resume", CK_SKIP, NO_SAVE);
		check_add(c, "data.session.reset", CK_SKIP, NO_SAVE);
		return;
	}
	r = ends_after(c, "data.session.leave", ST_STOP, ST_STOP_COPY,
		       "stop_copy -> stop", to_stop);
	if (!r)
		r = ends_after(c, "data.session.leave", ST_STOP, ST_STOP_COPY,
			       "a new stop_copy session", new_session);
	if (!r && (c->s.d.flags & MIG_PRE_COPY))
		r = ends_after(c, "data.session.leave", ST_RUNNING, ST_PRE_COPY,
			       "pre_copy -> running", to_running);
	/* Only what was tried is said: a device without pre_copy had none. */
	check_add(c, "data.session.leave", r < 0 ? CK_SKIP : CK_PASS, "%s%s",
		  r < 0 ? "no data session" : "saving fds ended on leaving stop_copy "
		  "and on a new session",
		  r < 0 || !(c->s.d.flags & MIG_PRE_COPY) ? "" : ", and on leaving pre_copy");
	r = ends_after(c, "data.session.resume", ST_STOP, ST_RESUMING,
		       "resuming -> stop", to_stop);
	check_add(c, "data.session.resume", r < 0 ? CK_SKIP : CK_PASS, "%s",
		  r < 0 ? "no data session" : "the resuming fd takes no write after "
		  "resuming -> stop");
	check_risky(c, "data.session.reset");
	r = ends_after(c, "data.session.reset", ST_STOP, ST_STOP_COPY,
		       "a reset in stop_copy", check_reset_running);
	if (!r)
		r = ends_after(c, "data.session.reset", ST_STOP, ST_RESUMING,
			       "a reset in resuming", check_reset_running);
	check_add(c, "data.session.reset", r < 0 ? CK_SKIP : CK_PASS, "%s",
		  r < 0 ? "no data session" : "reset in stop_copy and resuming gave "
		  "running and ended the fd");
	check_home(c);
}

/* Part of a session read, its fd closed, then the state is left. */
static int close_early(struct check_ctx *c, uint32_t from, uint32_t to,
		       uint32_t out)
{
	uint8_t b[64];
	uint32_t st;
	int fd = check_session(c, from, to), fd2, r;
	size_t want = c->saved_bytes / 2 ? c->saved_bytes / 2 : 1;

	if (fd < 0)
		return -1;
	if (read(fd, b, want < sizeof(b) ? want : sizeof(b)) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	r = vdev_set_state(&c->s.d, out, &fd2);
	if (fd2 >= 0)
		close(fd2);
	if (r || vdev_get_state(&c->s.d, &st) || st != out) {
		check_add(c, "data.close-early", CK_FAIL, "%s fd closed early, then "
			  "%s -> %s: %s", fsm_name(to), fsm_name(to), fsm_name(out),
			  r ? errstr(r) : "not reached");
		return 1;
	}
	return 0;
}

void check_close_early(struct check_ctx *c)
{
	int r = close_early(c, ST_STOP, ST_STOP_COPY, ST_STOP);

	if (!r && (c->s.d.flags & MIG_PRE_COPY))
		r = close_early(c, ST_RUNNING, ST_PRE_COPY, ST_RUNNING);
	if (r <= 0)
		check_add(c, "data.close-early", r ? CK_SKIP : CK_PASS, "%s%s", r ?
			  "no data session" : "fds closed part-read, stop_copy -> stop",
			  r || !(c->s.d.flags & MIG_PRE_COPY) ? "" :
			  " and pre_copy -> running as usual");
	check_home(c);
}

/* The whole save through an O_NONBLOCK fd, waiting in poll() on EAGAIN. */
static ssize_t read_nonblock(int fd, uint8_t *buf, size_t cap, int *err)
{
	size_t got = 0;
	int waits = 0;

	for (;;) {
		ssize_t n = read(fd, buf + got, cap - got < 4096 ? cap - got : 4096);
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (n > 0) {
			got += n;
			if (got == cap)
				return got;
			continue;
		}
		/* ENOMSG in stop_copy is data.save.eof's to judge */
		if (n == 0 || errno == ENOMSG)
			return got;
		if (errno == EINTR && !sig_caught())
			continue;
		if (errno != EAGAIN || ++waits > 100 || sig_caught()) {
			*err = errno;
			return -1;
		}
		poll(&p, 1, 100);
	}
}

void check_nonblock(struct check_ctx *c)
{
	uint8_t *buf;
	ssize_t n, at;
	int fd, err = 0;

	if (!c->saved) {
		check_add(c, "data.nonblock", CK_SKIP, NO_SAVE);
		return;
	}
	buf = malloc(c->saved_bytes + 1);
	fd = check_session(c, ST_STOP, ST_STOP_COPY);
	if (!buf || fd < 0) {
		check_add(c, "data.nonblock", CK_SKIP, "no data session");
	} else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)) {
		check_add(c, "data.nonblock", CK_SKIP, "F_SETFL O_NONBLOCK: %s",
			  check_errname(errno));
	} else if ((n = read_nonblock(fd, buf, c->saved_bytes + 1, &err)) < 0) {
		check_add(c, "data.nonblock", CK_FAIL, "O_NONBLOCK read in stop_copy: "
			  "%s", check_errname(err));
	} else if ((at = differs(c, buf, (size_t)n)) >= 0) {
		check_add(c, "data.nonblock", CK_FAIL, "O_NONBLOCK reads gave %zd "
			  "bytes, differing at %zd", n, at);
	} else {
		check_add(c, "data.nonblock", CK_PASS, "O_NONBLOCK reads: the same "
			  "%zd bytes", n);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	check_home(c);
}
