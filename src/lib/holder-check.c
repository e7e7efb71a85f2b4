// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What each side of the holder protocol accepts from the other, as pure
 * functions of the bytes received: the server's check of a request and
 * the client's of an answer. Kept apart from the sockets and the device
 * so that the fuzz target runs exactly the code vfiomig does.
 */
#include "compat.h"
#include "fsm.h"
#include "holder.h"

bool hold_req_valid(const void *msg, ssize_t n)
{
	const struct hold_req *q = msg;

	if (n != (ssize_t)sizeof(*q) || q->magic != HOLD_REQ_MAGIC ||
	    q->version != HOLD_VERSION || q->op < HOP_HELLO || q->op >= HOP_MAX)
		return false;
	switch (q->op) {
	case HOP_SET_STATE:
		return q->arg0 < 256 && !q->arg1;
	case HOP_PROBE:
		return q->arg0 <= VFIO_DEVICE_FEATURE_MASK &&
		       (q->arg1 == VFIO_DEVICE_FEATURE_GET ||
			q->arg1 == VFIO_DEVICE_FEATURE_SET);
	case HOP_RELEASE:
		return (q->arg0 < ST_NR || q->arg0 == HOLD_NO_STATE) && !q->arg1;
	default:
		return !q->arg0 && !q->arg1;
	}
}

bool hold_resp_valid(const void *msg, ssize_t n, uint16_t op)
{
	const struct hold_resp *r = msg;

	return n == (ssize_t)sizeof(*r) && r->magic == HOLD_RESP_MAGIC &&
	       r->version == HOLD_VERSION && r->op == op;
}
