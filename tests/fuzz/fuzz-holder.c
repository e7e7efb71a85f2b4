// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the holder protocol's checks (holder-check.c):
 * the first byte says which side receives (even: the server, a request;
 * odd: the client, an answer to the op in the next two bytes), the rest
 * is the message. What a check accepts must hold the fields the serving
 * and calling code then rely on.
 */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fsm.h"
#include "holder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void request(const uint8_t *msg, size_t n)
{
	union {
		struct hold_req q;
		uint8_t raw[sizeof(struct hold_req) + 1];
	} m;

	if (n > sizeof(m.raw))
		n = sizeof(m.raw);
	memcpy(m.raw, msg, n);
	if (!hold_req_valid(m.raw, n))
		return;
	if (m.q.op < HOP_HELLO || m.q.op >= HOP_MAX ||
	    (m.q.op == HOP_SET_STATE && m.q.arg0 > 255) ||
	    (m.q.op == HOP_RELEASE && m.q.arg0 >= ST_NR && m.q.arg0 != HOLD_NO_STATE))
		abort();
}

static void answer(const uint8_t *msg, size_t n, uint16_t op)
{
	union {
		struct hold_resp r;
		uint8_t raw[sizeof(struct hold_resp) + 1];
	} m;

	if (n > sizeof(m.raw))
		n = sizeof(m.raw);
	memcpy(m.raw, msg, n);
	if (hold_resp_valid(m.raw, n, op) &&
	    (m.r.magic != HOLD_RESP_MAGIC || m.r.op != op || n != sizeof(m.r)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	if (data[0] & 1)
		answer(data + 3, size - 3, (uint16_t)(data[1] | data[2] << 8));
	else
		request(data + 3, size - 3);
	return 0;
}
