// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: send one hand-made message to a holder socket and print
 * the errno name of the answer (or "closed"), to show that the holder
 * refuses what is malformed and goes on serving.
 *
 *   holdpoke SOCKET short|long|magic|version|op|args|hello
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../src/holder-proto.h"

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
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char big[4096] = { 0 };
	struct hold_resp r;
	struct hold_req q;
	const void *msg = &q;
	size_t len;
	ssize_t n;
	int s;

	if (argc != 3) {
		fprintf(stderr, "usage: holdpoke SOCKET MODE\n");
		return 64;
	}
	fill(argv[2], &q, &len);
	if (!strcmp(argv[2], "long")) {
		memcpy(big, &q, sizeof(q));
		msg = big;
		len = sizeof(big);
	}
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("holdpoke: connect");
		return 1;
	}
	if (send(s, msg, len, 0) < 0) {
		perror("holdpoke: send");
		return 1;
	}
	n = recv(s, &r, sizeof(r), 0);
	if (n != sizeof(r)) {
		puts("closed");
		return 0;
	}
	puts(r.err ? strerrorname_np(-r.err) : "OK");
	return 0;
}
