// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "endpoint.h"
#include "fsm.h"
#include "devops.h"
#include "log.h"
#include "output.h"
#include "report.h"
#include "save.h"
#include "vfio.h"

int parse_then(const char *s, uint32_t *state)
{
	if (fsm_parse(s, state))
		return -1;
	return *state == ST_ERROR || *state == ST_RESUMING ? -1 : 0;
}

int parse_policy(const char *s, enum policy *p)
{
	if (!strcmp(s, "unwind"))
		*p = POLICY_UNWIND;
	else if (!strcmp(s, "reset"))
		*p = POLICY_RESET;
	else if (!strcmp(s, "leave"))
		*p = POLICY_LEAVE;
	else
		return -1;
	return 0;
}

enum { OPT_THEN = 0x200, OPT_RAW, OPT_PROGRESS, OPT_NO_PROGRESS };

static const struct argp_option xfer_options[] = {
	{ "raw", OPT_RAW, NULL, 0, "The bare device bytes, no stream framing", 0 },
	{ "then", OPT_THEN, "STATE", 0,
	  "State to leave the device in (save: stop, restore: running)", 0 },
	{ "progress", OPT_PROGRESS, NULL, 0, "Show progress on stderr", 0 },
	{ "no-progress", OPT_NO_PROGRESS, NULL, 0, "Never show progress", 0 },
	{ 0 }
};

static error_t xfer_parse(int key, char *arg, struct argp_state *state)
{
	struct xfer_opts *x = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &x->net;
		break;
	case OPT_RAW:
		x->raw = true;
		break;
	case OPT_THEN:
		if (parse_then(arg, &x->then))
			argp_error(state, "--then: '%s' is not a state a command can end in", arg);
		break;
	case OPT_PROGRESS:
	case OPT_NO_PROGRESS:
		x->progress = key == OPT_PROGRESS;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child net_child[] = {
	{ &net_argp, 0, "Network endpoints (tcp://HOST:PORT, unix:PATH):", 0 },
	{ 0 }
};

static const struct argp xfer_argp = { xfer_options, xfer_parse, NULL, NULL,
				       net_child, NULL, NULL };

const struct argp_child xfer_children[] = {
	{ &xfer_argp, 0, "Transfer options:", 0 },
	{ &common_argp, 0, "Global options:", 0 },
	{ 0 }
};

bool xfer_progress(const struct xfer_opts *x)
{
	return x->progress > 0 ||
	       (x->progress < 0 && isatty(STDERR_FILENO) && !opts.quiet);
}

void ident_fill(struct vdev *d, struct stream_ident *id)
{
	const struct devinfo *di = &d->info;

	memset(id, 0, sizeof(*id));
	id->bus = !strcmp(di->bus, "pci") ? BUS_PCI :
		  !strcmp(di->bus, "mdev") ? BUS_MDEV : BUS_UNKNOWN;
	id->vendor = di->vendor;
	id->device = di->device;
	id->subvendor = di->subvendor;
	id->subdevice = di->subdevice;
	id->mig_flags = d->flags;
	id->created = (uint64_t)time(NULL);
	snprintf(id->driver, sizeof(id->driver), "%s", di->driver);
	snprintf(id->mdev_type, sizeof(id->mdev_type), "%s", di->mdev_type);
	snprintf(id->tool, sizeof(id->tool), "vfiomig %s", VFIOMIG_VERSION);
	if (dv_data_size(d, &id->size_estimate))
		id->size_estimate = 0;
}

bool ident_same(const struct stream_ident *s, const struct devinfo *di)
{
	if (s->bus == BUS_MDEV)
		return !strcmp(di->bus, "mdev") && !strcmp(s->mdev_type, di->mdev_type) &&
		       !strcmp(s->driver, di->driver);
	return s->bus == BUS_PCI && !strcmp(di->bus, "pci") &&
	       s->vendor == di->vendor && s->device == di->device &&
	       s->subvendor == di->subvendor && s->subdevice == di->subdevice;
}

void ident_mismatch(const char *who, const struct stream_ident *s,
		    const struct devinfo *di, char *buf, size_t len)
{
	if (s->bus == BUS_MDEV)
		snprintf(buf, len, "%s: stream is from a %s/%s device, this is %s/%s; "
			 "--force to try anyway", who, s->driver, s->mdev_type,
			 di->driver[0] ? di->driver : "-",
			 di->mdev_type[0] ? di->mdev_type : di->bus);
	else
		snprintf(buf, len, "%s: stream is from PCI device %04x:%04x (%04x:%04x), "
			 "this is %04x:%04x (%04x:%04x); --force to try anyway", who,
			 s->vendor, s->device, s->subvendor, s->subdevice, di->vendor,
			 di->device, di->subvendor, di->subdevice);
}

void on_failure(struct save_ctx *c)
{
	const char *name = c->d.info.name;
	int st;

	if (c->d.fd < 0)
		return;
	st = dev_settle(&c->d);
	if (st >= 0)
		c->cur = (uint32_t)st;
	if (c->a->policy == POLICY_RESET) {
		if (dv_reset(&c->d) || (st = dev_settle(&c->d)) < 0) {
			err("save %s: reset failed; the device state is unknown", name);
			return;
		}
		c->cur = (uint32_t)st;
		err("save %s: device reset: now %s", name, fsm_name(c->cur));
		return;
	}
	if (st < 0) {
		err("save %s: the device state cannot be read back", name);
		return;
	}
	if (c->a->policy == POLICY_UNWIND && c->cur != ST_ERROR &&
	    (c->cur == c->orig || !dev_goto(&c->d, &c->cur, c->orig, NULL, NULL))) {
		err("save %s: device back in %s, its state before save", name,
		    fsm_name(c->cur));
		return;
	}
	err("save %s: device left in %s%s", name, fsm_name(c->cur),
	    c->cur == ST_ERROR ? " (only reset leaves it)" : "");
}

static void report_text(const struct save_ctx *c, int result)
{
	FILE *f = endpoint_is_stdio(c->a->out) ? stderr : stdout;
	double mib = c->w.data_bytes / 1048576.0;

	if (opts.quiet || result)
		return;
	fprintf(f, "saved %llu bytes in %llu records from %s (pre_copy %llu, "
		   "stop_copy %llu) in %.3f s, %.1f MiB/s; device is %s\n",
		(unsigned long long)c->w.data_bytes,
		(unsigned long long)c->w.records, c->d.info.name,
		(unsigned long long)c->pre_bytes,
		(unsigned long long)c->stop_bytes, c->secs,
		c->secs > 0 ? mib / c->secs : 0.0, fsm_name(c->cur));
}

int save_report(const struct save_ctx *c, int result)
{
	if (!opts.json) {
		report_text(c, result);
		if (opts.verbose)
			report_arcs(&c->log);
		return 0;
	}
	out_begin();
	out_str("device", NULL, c->d.info.name);
	out_bool("ok", NULL, result == 0);
	out_str("from", NULL, fsm_name(c->orig));
	report_state("state", NULL, c->d.fd >= 0 ? (int)c->cur : -1);
	out_bool("raw", NULL, c->a->x.raw);
	out_u64("bytes", NULL, c->w.data_bytes);
	out_u64("precopy_bytes", NULL, c->pre_bytes);
	out_u64("stop_copy_bytes", NULL, c->stop_bytes);
	out_u64("records", NULL, c->w.records);
	out_u64("stream_bytes", NULL, c->w.offset);
	if (c->a->precopy && c->pre_bytes)
		out_str("precopy_end", NULL, pump_end_name(c->pre_end));
	out_u64("usecs", NULL, (uint64_t)(c->secs * 1e6));
	out_u64("bytes_per_sec", NULL,
		c->secs > 0 ? (uint64_t)(c->w.data_bytes / c->secs) : 0);
	report_arcs(&c->log);
	return out_end();
}
