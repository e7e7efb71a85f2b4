// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's side of the observer (ctx.h): calls that do nothing when
 * nobody listens. Formats notes; prints nothing.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ctx.h"

#define OBS(x, m) ((x) && (x)->obs && (x)->obs->m)

void note(const struct vm_ctx *x, int level, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (!OBS(x, note))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	x->obs->note(x->obs->data, level, text);
}

void obs_arc(const struct vm_ctx *x, const char *dev, uint32_t from, uint32_t to,
	     double secs, int r)
{
	if (OBS(x, arc))
		x->obs->arc(x->obs->data, dev, from, to, secs, r);
}

void obs_progress(const struct vm_ctx *x, const char *dev, uint64_t done,
		  uint64_t total, double secs, bool last)
{
	if (OBS(x, progress))
		x->obs->progress(x->obs->data, dev, done, total, secs, last);
}

bool obs_wants_progress(const struct vm_ctx *x)
{
	return OBS(x, progress);
}

void obs_status(const struct vm_ctx *x, const char *status)
{
	if (OBS(x, status))
		x->obs->status(x->obs->data, status);
}

void obs_pass(const struct vm_ctx *x, const char *dev, unsigned int pass,
	      uint64_t bytes, uint64_t initial_bytes, uint64_t dirty_bytes)
{
	if (OBS(x, pass))
		x->obs->pass(x->obs->data, dev, pass, bytes, initial_bytes, dirty_bytes);
}

void obs_switchover(const struct vm_ctx *x, const struct switchover *s)
{
	if (OBS(x, switchover))
		x->obs->switchover(x->obs->data, s);
}

void obs_estimate(const struct vm_ctx *x, const struct estimate *e)
{
	if (OBS(x, estimate))
		x->obs->estimate(x->obs->data, e);
}

void obs_downtime(const struct vm_ctx *x, double secs, double peer_secs)
{
	if (OBS(x, downtime))
		x->obs->downtime(x->obs->data, secs, peer_secs);
}
