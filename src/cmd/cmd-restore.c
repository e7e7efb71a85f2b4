// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig restore DEV: verify the stream's header against the device,
 * take the device to resuming, hand it each record only after its
 * checksum matched, verify the trailer, then resuming -> stop (where the
 * driver validates) and --then STATE. Any defect or refusal resets the
 * device, the only way to abort resuming.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfiomig.h"
#include "sig.h"
#include "cli.h"
#include "endpoint.h"
#include "events.h"
#include "fsm.h"
#include "log.h"
#include "observe.h"
#include "output.h"
#include "pump.h"
#include "report.h"
#include "save.h"
#include "session.h"
#include "vfio.h"

enum { OPT_FORCE = 0x100 };

struct restore_args {
	const char *dev, *in;
	bool force;
	struct xfer_opts x;
};

struct restore_ctx {
	const struct restore_args *a;
	struct sess s;
	struct stream_reader r;
	struct chan in;
	int data_fd;
	uint8_t *buf;
	struct arc_log log;
	struct progress prog;
	uint64_t bytes, records;
	double write_secs;        /* pump.h dev_secs */
	double secs;
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
		a->in = arg_name(state, "-i/--input", arg);
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

/* The stream must come from the same kind of device. */
static int check_ident(struct restore_ctx *c)
{
	char why[256], who[96];

	if (ident_same(&c->r.ident, &c->s.d.info))
		return 0;
	if (c->a->force) {
		warn("restore %s: stream is from a different kind of device; "
		     "--force: restoring anyway", c->s.d.info.name);
		return 0;
	}
	snprintf(who, sizeof(who), "restore %s", c->s.d.info.name);
	ident_mismatch(who, &c->r.ident, &c->s.d.info, why, sizeof(why));
	fail(c->s.why, -VM_E_DATA, "%s", why);
	reason_hint(c->s.why, HINT_FORCE);
	return -VM_E_DATA;
}

/* The one pipeline into a device (pump_load(), receive's too). */
static struct pump pump_of(struct restore_ctx *c)
{
	return (struct pump){ .x = vm_ctx(), .data_fd = c->data_fd,
			      .r = c->a->x.raw ? NULL : &c->r, .in = &c->in,
			      .buf = c->buf, .cap = STREAM_MAX_RECORD, .prog = &c->prog };
}

static int pump_failed(struct restore_ctx *c, const struct pump *p)
{
	char who[96];
	int r;

	snprintf(who, sizeof(who), "restore %s", c->s.d.info.name);
	r = pump_why(p, who, c->s.why);
	if (p->framed)
		fail(c->s.why, r, "%s: the input is a vfiomig stream (it starts with its "
		     "magic): restore it without --raw", who);
	return r;
}

static int do_restore(struct restore_ctx *c)
{
	struct pump p;
	int r;

	r = sess_goto(&c->s, ST_RESUMING, &c->data_fd);
	if (!r && c->data_fd < 0)
		r = fail(c->s.why, -VM_E_STATE, "restore %s: resuming opened no data "
			 "session", c->s.d.info.name);
	if (r)
		return r;
	ev_status("active");
	p = pump_of(c);
	r = pump_load(&p);
	c->bytes = p.bytes;
	c->records = p.records;
	c->write_secs = p.dev_secs;
	progress_end(&c->prog);
	if (r)
		return pump_failed(c, &p);
	/* resuming -> stop: the driver loads and validates the state here. */
	r = sess_goto(&c->s, ST_STOP, NULL);
	if (r)
		return fail_from(c->s.why, FROM_DEVICE, -VM_E_DATA, "restore %s: the driver "
				 "did not accept the state", c->s.d.info.name);
	return sess_goto(&c->s, c->a->x.then, NULL);
}

/*
 * The report: a success's sentence in text, every field in JSON. Where a
 * failure left the device was said with its error lines.
 */
static int restore_report(const struct restore_ctx *c, int result)
{
	char rate[32];

	out_text_to(result ? NULL : stdout);
	out_begin();
	out_fmt_size("bytes", "restored %s", c->bytes);
	if (c->a->x.raw)
		out_null("records", NULL, NULL);
	else
		out_fmt_u64("records", records_fmt(c->records), c->records);
	out_fmt_str("device", " into %s", c->s.d.info.name);
	out_fmt_secs("usecs", " in %.3f s", c->secs);
	out_fmt_str(NULL, "%s", rate_text(c->bytes, c->secs, rate, sizeof(rate)));
	out_u64("bytes_per_sec", NULL, c->secs > 0 ? (uint64_t)(c->bytes / c->secs) : 0);
	out_fmt_str(sess_state(&c->s) < 0 ? NULL : "state", "; device is %s\n",
		    fsm_name(c->s.cur));
	if (sess_state(&c->s) < 0)
		out_null("state", NULL, NULL);
	out_bool("ok", NULL, result == 0);
	out_str("from", NULL, fsm_name(c->s.orig));
	out_bool("reset", NULL, c->s.where == WHERE_ABORTED ||
				c->s.where == WHERE_RECOVERED || c->s.where == WHERE_RESET);
	out_bool("raw", NULL, c->a->x.raw);
	{
		const char *name = c->s.d.info.name;

		report_arcs(&c->log, &name, 1);
	}
	return out_end();
}

/* The device, checked for what is asked of it, before any input is
 * waited for: nothing changes. */
static int check_device(struct restore_ctx *c)
{
	int r = say_sess(sess_begin(&c->s, vm_ctx(), "restore", c->a->dev), &c->s);

	if (!r && c->s.cur == ST_ERROR) {
		err("restore %s: device is in error; reset it first", c->s.d.info.name);
		out_note_device(c->s.d.info.name, 1, fsm_name(c->s.cur));
		r = -VM_E_STATE;
	}
	return r ? r : xfer_check_then(&c->s, c->a->x.then);
}

/* The input's header, against the device. */
static int prepare(struct restore_ctx *c)
{
	int r;

	c->s.log = &c->log;
	c->buf = pump_buf(STREAM_MAX_RECORD);
	if (!c->buf || sr_init(&c->r, &c->in))
		return fail(c->s.why, -ENOMEM, "restore: out of memory");
	if (c->a->x.raw)
		return 0;
	r = sr_header(&c->r);
	if (r) {
		struct pump p = pump_of(c);

		p.from = r == -EINTR && sig_caught() ? FROM_SIGNAL : FROM_INPUT;
		p.err = r;
		return pump_failed(c, &p);
	}
	return check_ident(c);
}

int cmd_restore(int argc, char **argv)
{
	struct restore_args a = { .x = { .then = ST_RUNNING, .progress = -1 } };
	struct restore_ctx c = { .a = &a, .data_fd = -1 };
	double t0;
	int r, wr;

	cmd_parse(&restore_argp, argc, argv, &a);
	r = events_open("restore");
	if (r)
		return r;
	ev_status("setup");
	/* Before anything else: waiting for a peer can be interrupted. */
	sig_catch();
	observe_progress(xfer_progress(&a.x));
	r = check_device(&c);
	if (!r)
		r = endpoint_open_in(a.in, "restore", &a.x.net, &c.in);
	if (r) {
		ev_end(r);
		sess_close(&c.s);
		return r;
	}
	t0 = monotonic_secs();
	r = prepare(&c);
	if (!r) {
		progress_init(&c.prog, vm_ctx(), c.s.d.info.name, c.r.ident.size_estimate);
		r = do_restore(&c);
	}
	if (c.data_fd >= 0)
		close(c.data_fd);
	say_sess(r, &c.s);
	if (r) {
		sess_unwind(&c.s, POLICY_RECOVER);
		say_sess(r, &c.s);
		say_where(&c.s);
	}
	c.secs = monotonic_secs() - t0;
	/* The device is where --then put it: this costs it nothing. A
	 * stream with pre-copy records is loaded as a migration with
	 * pre-copy would be (its bytes are not the state's size). */
	if (!r)
		xfer_keep(&c.s, &c.log, !a.x.raw && c.r.phase_bytes[PHASE_PRECOPY] ?
			  ARC_LOAD_PRECOPY : ARC_LOAD, c.bytes, c.write_secs);
	ev_end(r);
	wr = sess_is_open(&c.s) ? restore_report(&c, r) : 0;
	sr_free(&c.r);
	free(c.buf);
	sess_close(&c.s);
	endpoint_close(&c.in);
	return r ? r : wr;
}
