// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig save DEV: take the device to stop_copy (optionally through
 * pre_copy while it runs), read its data_fd to the end into a vfiomig
 * stream, then leave it in --then STATE. On any failure the device is
 * put back as --on-error says and the output gets no trailer, so no
 * restore will accept it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vfiomig.h"
#include "sig.h"
#include "cli.h"
#include "device.h"
#include "device.h"
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

/*
 * Records of 1 MiB, each read and hashed 256 KiB at a time while in
 * cache (pump.c): fewer, larger writes; with 128 KiB records save
 * measured 0.90x cat, with these 0.96-1.02x (bench/save-vs-cat.sh).
 */
#define SAVE_BUF (1u << 20)

enum { OPT_ON_ERROR = 0x100, OPT_PRECOPY };

static const struct argp_option save_options[] = {
	{ "output", 'o', "FILE", 0,
	  "Write the stream to FILE, or send it to tcp://HOST:PORT or unix:PATH "
	  "(default: stdout)", 0 },
	{ "precopy", OPT_PRECOPY, NULL, 0,
	  "Drain the pre-copy data while the device runs, then stop it", 0 },
	{ "on-error", OPT_ON_ERROR, "POLICY", 0,
	  "On failure: unwind (default: back to the state before save), reset, leave", 0 },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct save_args *a = state->input;

	switch (key) {
	case 'o':
		a->out = arg_name(state, "-o/--output", arg);
		break;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &a->x;
		break;
	case OPT_PRECOPY:
		a->precopy = true;
		break;
	case OPT_ON_ERROR:
		if (parse_policy(arg, &a->policy))
			argp_error(state, "--on-error: '%s' is not unwind, reset or leave", arg);
		break;
	default:
		return parse_one_dev(key, arg, state, &a->dev);
	}
	return 0;
}

static const struct argp save_argp = {
	save_options, parse, "DEV",
	"Save the device's migration state: take it to stop_copy by the "
	"shortest legal path, read its data to the end into a checksummed "
	"vfiomig stream (see vfiomig-stream(5)), then leave it in --then STATE.\v"
	"On failure or SIGINT/SIGTERM the device goes back to the state it was "
	"in (--on-error=unwind), is reset, or is left where it failed; the "
	"output then has no trailer and no restore accepts it.",
	xfer_children, NULL, NULL
};

/*
 * A saving state left by an earlier command has lost its data_fd: leave
 * it so that entering it again opens a fresh session.
 */
static int restart_session(struct save_ctx *c)
{
	uint32_t to;

	if (c->s.cur == ST_ERROR || c->s.cur == ST_RESUMING) {
		err("save %s: device is in %s; reset it first", c->s.d.info.name,
		    fsm_name(c->s.cur));
		return -VM_E_STATE;
	}
	if (!fsm_is_saving(c->s.cur))
		return 0;
	to = c->s.cur == ST_STOP_COPY ? ST_STOP :
	     c->s.cur == ST_PRE_COPY ? ST_RUNNING : ST_RUNNING_P2P;
	info("%s: restarting the %s session left by an earlier command",
	     c->s.d.info.name, fsm_name(c->s.cur));
	return sess_goto(&c->s, to, NULL);
}

/* The pump over this save's data fd and stream; the records' checksums
 * on a second core where there is one to spare (hasher.h). */
static struct pump pump_of(struct save_ctx *c)
{
	return (struct pump){ .x = vm_ctx(), .data_fd = c->data_fd, .w = &c->w,
			      .buf = c->buf, .cap = SAVE_BUF, .prog = &c->prog,
			      .offload = true };
}

/* A failure of the pump, in its words (pump_why()). */
static int pump_failed(struct save_ctx *c, const struct pump *p)
{
	char who[96];

	snprintf(who, sizeof(who), "save %s", c->s.d.info.name);
	return pump_why(p, who, c->s.why);
}

/* Pre-copy: while the device runs, drain what it has now. */
static int precopy_phase(struct save_ctx *c)
{
	uint32_t target = c->s.cur == ST_RUNNING_P2P ? ST_PRE_COPY_P2P : ST_PRE_COPY;
	struct pump p;
	uint64_t before;
	int r;

	if (!(c->s.d.flags & MIG_PRE_COPY))
		return fail(c->s.why, -VM_E_NOMIG, "save %s: --precopy: the device has no "
			    "pre_copy support", c->s.d.info.name);
	if (c->s.cur != ST_RUNNING && c->s.cur != ST_RUNNING_P2P) {
		warn("save %s: --precopy: the device is in %s, not running: "
		     "no pre-copy phase", c->s.d.info.name, fsm_name(c->s.cur));
		return 0;
	}
	r = sess_goto(&c->s, target, &c->data_fd);
	if (r)
		return r;
	ev_status("active");
	before = c->w.data_bytes;
	p = pump_of(c);
	r = pump_save(&p, PHASE_PRECOPY, true);
	c->pre_end = p.end;
	c->pre_bytes = c->w.data_bytes - before;
	return r ? pump_failed(c, &p) : 0;
}

static int stopcopy_phase(struct save_ctx *c)
{
	struct pump p;
	uint64_t before;
	int r;

	r = sess_goto_keep(&c->s, ST_STOP_COPY, &c->data_fd);
	if (r)
		return r;
	if (c->data_fd < 0)
		return fail(c->s.why, -VM_E_STATE, "save %s: stop_copy opened no data "
			    "session", c->s.d.info.name);
	ev_status("device");
	before = c->w.data_bytes;
	p = pump_of(c);
	r = pump_save(&p, PHASE_STOPCOPY, false);
	c->stop_bytes = c->w.data_bytes - before;
	c->read_secs = p.dev_secs;
	return r ? pump_failed(c, &p) : 0;
}

static int finish_output(struct save_ctx *c)
{
	struct pump p = pump_of(c);
	int r = sw_trailer(&c->w);

	if (!r)
		r = endpoint_sync(c->out.fd);
	if (!r)
		return 0;
	p.from = FROM_OUTPUT;
	p.err = r;
	return pump_failed(c, &p);
}

static int do_save(struct save_ctx *c)
{
	struct stream_ident id;
	int r;

	ident_fill(&c->s.d, &id);
	progress_init(&c->prog, vm_ctx(), c->s.d.info.name, id.size_estimate);
	r = restart_session(c);
	if (!r && (r = sw_header(&c->w, &id))) {
		struct pump p = pump_of(c);

		p.from = r == -EINTR && sig_caught() ? FROM_SIGNAL : FROM_OUTPUT;
		p.err = r;
		r = pump_failed(c, &p);
	}
	if (!r && c->a->precopy)
		r = precopy_phase(c);
	if (!r && sig_caught()) {
		struct pump p = pump_of(c);

		p.from = FROM_SIGNAL;
		r = pump_failed(c, &p);
	}
	if (!r)
		r = stopcopy_phase(c);
	progress_end(&c->prog);
	if (!r && c->a->x.then != ST_STOP_COPY)
		r = sess_goto(&c->s, c->a->x.then, NULL);
	/*
	 * The trailer goes last: a stream is valid only when the device is
	 * where --then put it, so a failed save can never be restored while
	 * its source is unwound and running on.
	 */
	if (!r)
		r = finish_output(c);
	return r;
}

/* Checks, the device, then the output: nothing is created before. */
static int setup(struct save_ctx *c, struct ep_file *of)
{
	const struct save_args *a = c->a;
	int r = endpoint_check_out(a->out, "save");

	if (!r)
		r = say_sess(sess_begin(&c->s, vm_ctx(), "save", a->dev), &c->s);
	if (!r)
		r = xfer_check_then(&c->s, a->x.then);
	/* Only now, with a device to save, may an output be created. */
	if (!r)
		r = endpoint_open_out(a->out, "save", (struct net_opts *)&a->x.net, &c->out, of);
	c->s.log = &c->log;
	return r;
}

/* The save, committed; on failure the device unwound and said where. */
static int run(struct save_ctx *c, struct ep_file *of)
{
	int r;

	c->buf = pump_buf(SAVE_BUF);
	if (!c->buf || sw_init(&c->w, &c->out, c->a->x.raw)) {
		err("save: out of memory");
		r = -ENOMEM;
	} else {
		c->t0 = monotonic_secs();
		r = say_sess(do_save(c), &c->s);
		if (!r)
			r = endpoint_commit(&c->out, of, "save");
		c->secs = monotonic_secs() - c->t0;
	}
	if (c->data_fd >= 0)
		close(c->data_fd);
	/* A whole state only, not what pre-copy left; the device is where
	 * --then put it, so this costs it nothing. */
	if (!r && !c->a->precopy)
		xfer_keep(&c->s, &c->log, ARC_SAVE, c->stop_bytes, c->read_secs);
	if (r) {
		sess_unwind(&c->s, c->a->policy);
		say_sess(r, &c->s);
		say_where(&c->s);
	}
	return r;
}

int cmd_save(int argc, char **argv)
{
	struct save_args a = {
		.x = { .then = ST_STOP, .progress = -1 },
		.policy = POLICY_UNWIND,
	};
	struct save_ctx c = { .a = &a, .data_fd = -1 };
	struct ep_file of = { 0 };
	int r, wr = 0;

	cmd_parse(&save_argp, argc, argv, &a);
	if (opts.json && endpoint_is_stdio(a.out)) {
		err("save: --json needs -o FILE: stdout carries the stream");
		return -VM_E_USAGE;
	}
	r = events_open("save");
	if (r)
		return r;
	ev_status("setup");
	sig_catch();
	observe_progress(xfer_progress(&a.x));
	r = setup(&c, &of);
	if (!r) {
		r = run(&c, &of);
		ev_end(r);
		wr = save_report(&c, r);
	} else {
		ev_end(r);
	}
	sw_free(&c.w);
	free(c.buf);
	sess_close(&c.s);
	endpoint_close_out(&c.out, &of);
	return r ? r : wr;
}
