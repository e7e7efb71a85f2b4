// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper for the holder tests.
 *
 *   holdpoke SOCKET short|long|magic|version|op|args|hello
 *       send one hand-made message and print the errno name of the
 *       answer ("OK", or "closed"): the holder refuses what is malformed
 *       and goes on serving.
 *   holdpoke SOCKET get
 *       send GET_STATE and print the answer's errno name and state field.
 *   holdpoke SOCKET silent N
 *       open N connections at once, send nothing, read each answer; print
 *       the errno names and then the milliseconds it all took.
 *   holdpoke serve SOCKET NAME [pipe|null]
 *       a server that is not vfiomig hold: listen on SOCKET, print
 *       "ready" once listening, and answer every request as a holder of
 *       NAME would (GET_STATE: stop, HELLO: pid 4242), passing a pipe or
 *       /dev/null as the data session of SET_STATE if asked. Serves until
 *       killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../src/lib/holder-proto.h"

#define PATH_CDEV 1 /* enum open_path, src/device.h */

static void fill(const char *mode, struct hold_req *q, size_t *len)
{
	*q = (struct hold_req){ HOLD_REQ_MAGIC, HOLD_VERSION, HOP_HELLO, 0, 0 };
	*len = sizeof(*q);
	if (!strcmp(mode, "short"))
		*len = 5;
	else if (!strcmp(mode, "magic"))
		q->magic = 0xdeadbeef;
	else if (!strcmp(mode, "version"))
		q->version = 99;
	else if (!strcmp(mode, "op"))
		q->op = 4242;
	else if (!strcmp(mode, "args"))
		q->op = HOP_SET_STATE, q->arg0 = 0x7fffffff;
	else if (!strcmp(mode, "get"))
		q->op = HOP_GET_STATE;
}

static int sock_at(const char *path, struct sockaddr_un *sa)
{
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path);
	return socket(AF_UNIX, SOCK_SEQPACKET, 0);
}

static int dial(const char *path)
{
	struct sockaddr_un sa;
	int s = sock_at(path, &sa);

	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("holdpoke: connect");
		exit(1);
	}
	return s;
}

/* An answer; a holder that closed with our request unread resets the
 * connection first, with its answer queued behind. */
static ssize_t answer(int s, struct hold_resp *r)
{
	ssize_t n = recv(s, r, sizeof(*r), 0);

	if (n < 0 && errno == ECONNRESET)
		n = recv(s, r, sizeof(*r), 0);
	return n;
}

static const char *err_name(const struct hold_resp *r)
{
	return r->err ? strerrorname_np(-r->err) : "OK";
}

static int poke(const char *path, const char *mode)
{
	char big[4096] = { 0 };
	struct hold_resp r;
	struct hold_req q;
	const void *msg = &q;
	size_t len;
	int s;

	fill(mode, &q, &len);
	if (!strcmp(mode, "long")) {
		memcpy(big, &q, sizeof(q));
		msg = big;
		len = sizeof(big);
	}
	s = dial(path);
	/* A holder that refuses us may answer and close before we send. */
	if (send(s, msg, len, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET) {
		perror("holdpoke: send");
		return 1;
	}
	if (answer(s, &r) != sizeof(r)) {
		puts("closed");
		return 0;
	}
	if (!strcmp(mode, "get"))
		printf("%s %u\n", err_name(&r), r.u32);
	else
		puts(err_name(&r));
	return 0;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int silent(const char *path, int n)
{
	long t0 = now_ms();
	int s[64];

	if (n < 1 || n > 64)
		return 64;
	for (int i = 0; i < n; i++)
		s[i] = dial(path);
	for (int i = 0; i < n; i++) {
		struct hold_resp r;

		puts(answer(s[i], &r) == sizeof(r) ? err_name(&r) : "closed");
		close(s[i]);
	}
	printf("%ld ms\n", now_ms() - t0);
	return 0;
}

static int session_fd(const char *kind)
{
	int p[2];

	if (!kind)
		return -1;
	if (!strcmp(kind, "null"))
		return open("/dev/null", O_RDONLY);
	if (pipe(p))
		return -1;
	close(p[1]);
	return p[0];
}

/* Answer as a holder of name would; an fd rides with SET_STATE. */
static void forge(int c, const char *name, const char *kind)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct hold_req q;
	struct hold_resp r;

	while (recv(c, &q, sizeof(q), 0) == sizeof(q)) {
		struct iovec iov = { &r, sizeof(r) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		int fd = -1;

		r = (struct hold_resp){ HOLD_RESP_MAGIC, HOLD_VERSION, q.op, 0, 0, 0, "" };
		snprintf(r.name, sizeof(r.name), "%s", name);
		if (q.op == HOP_HELLO)
			r.u32 = PATH_CDEV, r.u64 = 4242;
		else if (q.op == HOP_GET_STATE || q.op == HOP_RELEASE)
			r.u32 = 1; /* stop */
		else if (q.op == HOP_MIG_FLAGS)
			r.u64 = 7;
		else if (q.op == HOP_DATA_SIZE)
			r.u64 = 96;
		else if (q.op == HOP_SET_STATE)
			r.u32 = q.arg0, fd = session_fd(kind);
		if (fd >= 0) {
			struct cmsghdr *cm;

			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = sizeof(ctl.buf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		}
		sendmsg(c, &mh, MSG_NOSIGNAL);
		if (fd >= 0)
			close(fd);
	}
}

static int serve(const char *path, const char *name, const char *kind)
{
	struct sockaddr_un sa;
	int s = sock_at(path, &sa);

	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 4)) {
		perror("holdpoke: listen");
		return 1;
	}
	puts("ready");
	fflush(stdout);
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0)
			return 1;
		forge(c, name, kind);
		close(c);
	}
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "serve"))
		return serve(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
	if (argc == 4 && !strcmp(argv[2], "silent"))
		return silent(argv[1], atoi(argv[3]));
	if (argc != 3) {
		fprintf(stderr, "usage: holdpoke SOCKET MODE | SOCKET silent N | "
				"serve SOCKET NAME [pipe|null]\n");
		return 64;
	}
	return poke(argv[1], argv[2]);
}
