// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig restore DEV: verify the stream's header against the device,
 * take the device to resuming, hand it each record only after its
 * checksum matched, verify the trailer, then resuming -> stop (where the
 * driver validates) and --then STATE. Any defect or refusal resets the
 * device, the only way to abort resuming.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "device.h"
#include "devops.h"
#include "endpoint.h"
#include "fsm.h"
#include "log.h"
#include "output.h"
#include "pump.h"
#include "report.h"
#include "save.h"
#include "transition.h"
#include "vfio.h"

enum { OPT_FORCE = 0x100 };

struct restore_args {
	const char *dev, *in;
	bool force;
	struct xfer_opts x;
};

struct restore_ctx {
	const struct restore_args *a;
	struct vdev d;
	struct stream_reader r;
	uint32_t orig, cur;
	struct chan in;
	int data_fd;
	uint8_t *buf;
	struct arc_log log;
	struct progress prog;
	uint64_t bytes, records;
	double secs;
	bool reset;          /* aborted by reset */
};

static const struct argp_option restore_options[] = {
	{ "input", 'i', "FILE", 0,
	  "Read the stream from FILE, or listen on tcp://ADDR:PORT or unix:PATH "
	  "for one sender (default: stdin)", 0 },
	{ "force", OPT_FORCE, NULL, 0, "Restore a stream from a different kind of device", 0 },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct restore_args *a = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->x;
		break;
	case 'i':
		a->in = arg;
		break;
	case OPT_FORCE:
		a->force = true;
		break;
	default:
		return parse_one_dev(key, arg, state, &a->dev);
	}
	return 0;
}

static const struct argp restore_argp = {
	restore_options, parse, "DEV",
	"Restore a device's migration state from a vfiomig stream: check that "
	"the stream comes from the same kind of device, enter resuming, write "
	"each record after its checksum matched, verify the trailer, then "
	"resuming -> stop (the driver validates the data here) and --then "
	"STATE.\vOn any defect (corrupt or truncated stream, wrong device, the "
	"driver refusing the data) the device is reset to abort resuming and "
	"the state it is in is reported.",
	xfer_children, NULL, NULL
};

static const char *in_name(const struct restore_ctx *c)
{
	return c->in.peer;
}

/* The stream must come from the same kind of device. */
static int check_ident(struct restore_ctx *c)
{
	char why[256], who[96];

	if (ident_same(&c->r.ident, &c->d.info))
		return 0;
	if (c->a->force) {
		warn("restore %s: stream is from a different kind of device; "
		     "--force: restoring anyway", c->d.info.name);
		return 0;
	}
	snprintf(who, sizeof(who), "restore %s", c->d.info.name);
	ident_mismatch(who, &c->r.ident, &c->d.info, why, sizeof(why));
	err("%s", why);
	return -VM_E_DATA;
}

static int feed(struct restore_ctx *c, const uint8_t *buf, size_t len)
{
	/* Checked per record: write_full() itself carries on after EINTR. */
	int r = vm_signal ? -EINTR : write_full(c->data_fd, buf, len);

	if (r == -EINTR && vm_signal) {
		err("restore %s: interrupted by %s", c->d.info.name, sigabbrev_np(vm_signal));
		return -VM_E_INTERRUPTED;
	}
	if (r) {
		err("restore %s: the driver refused the data at byte %llu: %s",
		    c->d.info.name, (unsigned long long)c->bytes, errstr(r));
		return -VM_E_DATA;
	}
	c->bytes += len;
	progress_add(&c->prog, len);
	return 0;
}

static int stream_failed(struct restore_ctx *c, int r)
{
	if (r == -EINTR && vm_signal) {
		err("restore %s: interrupted by %s", c->d.info.name, sigabbrev_np(vm_signal));
		return -VM_E_INTERRUPTED;
	}
	if (r == -VM_E_DATA)
		err("restore %s: %s: %s", c->d.info.name, in_name(c), c->r.why);
	else
		err("restore %s: reading %s: %s", c->d.info.name, in_name(c), errstr(r));
	return r == -VM_E_DATA ? r : -EIO;
}

static int feed_stream(struct restore_ctx *c)
{
	struct record rec;
	int r;

	while ((r = sr_next(&c->r, &rec, c->buf, STREAM_MAX_RECORD)) == 1) {
		r = feed(c, c->buf, rec.len);
		if (r)
			return r;
		c->records++;
	}
	return r ? stream_failed(c, r) : 0;
}

static int feed_raw(struct restore_ctx *c)
{
	for (;;) {
		ssize_t n = chan_read_some(&c->in, c->buf, STREAM_MAX_RECORD);
		int r;

		if (n == 0)
			return 0;
		if (n == -EINTR && !vm_signal)
			continue;
		if (n < 0)
			return stream_failed(c, (int)n);
		r = feed(c, c->buf, n);
		if (r)
			return r;
		c->records++;
	}
}

static int do_restore(struct restore_ctx *c)
{
	int r;

	if (c->cur == ST_ERROR) {
		err("restore %s: device is in error; reset it first", c->d.info.name);
		return -VM_E_STATE;
	}
	r = dev_goto(&c->d, &c->cur, ST_RESUMING, &c->data_fd, &c->log);
	if (!r && c->data_fd < 0) {
		err("restore %s: resuming opened no data session", c->d.info.name);
		r = -VM_E_STATE;
	}
	if (r)
		return r;
	r = c->a->x.raw ? feed_raw(c) : feed_stream(c);
	progress_end(&c->prog);
	if (r)
		return r;
	/* resuming -> stop: the driver loads and validates the state here. */
	r = dev_goto(&c->d, &c->cur, ST_STOP, NULL, &c->log);
	if (r) {
		err("restore %s: the driver did not accept the state", c->d.info.name);
		return -VM_E_DATA;
	}
	return dev_goto(&c->d, &c->cur, c->a->x.then, NULL, &c->log);
}

/*
 * Abort: only a reset leaves resuming (or error). A device that never got
 * that far goes back to the state it was in. Say where it is.
 */
static void abort_restore(struct restore_ctx *c)
{
	const char *how = "left in ";
	uint32_t st;

	if (dv_get_state(&c->d, &st)) {
		err("restore %s: the device state cannot be read back", c->d.info.name);
		return;
	}
	c->cur = st;
	if (st == ST_RESUMING || st == ST_ERROR) {
		how = st == ST_ERROR ? "reset from error: now " :
				       "reset to abort resuming: now ";
		if (!dv_reset(&c->d) && !dv_get_state(&c->d, &st)) {
			c->cur = st;
			c->reset = true;
		} else {
			how = "could not be reset: still ";
		}
	} else if (st == c->orig || !dev_goto(&c->d, &c->cur, c->orig, NULL, NULL)) {
		err("restore %s: device back in %s, its state before restore",
		    c->d.info.name, fsm_name(c->cur));
		return;
	}
	err("restore %s: device %s%s", c->d.info.name, how, fsm_name(c->cur));
}

static int restore_report(const struct restore_ctx *c, int result)
{
	if (!opts.json) {
		if (!result && !opts.quiet)
			printf("restored %llu bytes in %llu records into %s in %.3f s; "
			       "device is %s\n", (unsigned long long)c->bytes,
			       (unsigned long long)c->records, c->d.info.name, c->secs,
			       fsm_name(c->cur));
		if (opts.verbose)
			report_arcs(&c->log);
		return 0;
	}
	out_begin();
	out_str("device", NULL, c->d.info.name);
	out_bool("ok", NULL, result == 0);
	out_str("from", NULL, fsm_name(c->orig));
	report_state("state", NULL, (int)c->cur);
	out_bool("reset", NULL, c->reset);
	out_bool("raw", NULL, c->a->x.raw);
	out_u64("bytes", NULL, c->bytes);
	out_u64("records", NULL, c->records);
	out_u64("usecs", NULL, (uint64_t)(c->secs * 1e6));
	report_arcs(&c->log);
	return out_end();
}

static int prepare(struct restore_ctx *c)
{
	int r = dev_open(c->a->dev, &c->d);

	if (!r)
		r = dev_need_mig(&c->d);
	if (!r)
		r = dev_get_state(&c->d, &c->orig);
	if (r)
		return r;
	c->cur = c->orig;
	c->buf = pump_buf(STREAM_MAX_RECORD);
	if (!c->buf || sr_init(&c->r, &c->in)) {
		err("restore: out of memory");
		return -ENOMEM;
	}
	if (c->a->x.raw)
		return 0;
	r = sr_header(&c->r);
	if (r)
		return stream_failed(c, r);
	return check_ident(c);
}

int cmd_restore(int argc, char **argv)
{
	struct restore_args a = { .x = { .then = ST_RUNNING, .progress = -1 } };
	/* The state stays unknown until prepare() has read it. */
	struct restore_ctx c = { .a = &a, .data_fd = -1, .orig = UINT32_MAX,
				 .cur = UINT32_MAX };
	double t0;
	int r, wr;

	cmd_parse(&restore_argp, argc, argv, &a);
	/* Before anything else: waiting for a peer can be interrupted. */
	catch_signals();
	r = endpoint_open_in(a.in, "restore", &a.x.net, &c.in);
	if (r)
		return r;
	t0 = monotonic_secs();
	r = prepare(&c);
	if (r) {
		if (c.d.fd >= 0 && c.cur != UINT32_MAX)
			err("restore %s: device untouched: %s", c.d.info.name,
			    fsm_name(c.cur));
	} else {
		progress_init(&c.prog, xfer_progress(&a.x), c.r.ident.size_estimate);
		r = do_restore(&c);
		if (c.data_fd >= 0)
			close(c.data_fd);
		if (r)
			abort_restore(&c);
	}
	c.secs = monotonic_secs() - t0;
	wr = c.d.fd >= 0 ? restore_report(&c, r) : 0;
	sr_free(&c.r);
	free(c.buf);
	dev_close(&c.d);
	endpoint_close(&c.in);
	return r ? r : wr;
}
