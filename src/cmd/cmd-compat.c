// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig compat DEV --with FILE: DEV's migration identity against another
 * host's (`vfiomig -j identity` output), field by field, with the verdict
 * migrate and receive would reach: exit 0 when compatible, EXIT_INCOMPATIBLE
 * when a field blocks. DEV may itself be such a file: two hosts' facts
 * compared anywhere. Changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfiomig.h"
#include "chan.h"
#include "cli.h"
#include "idjson.h"
#include "log.h"
#include "migid.h"
#include "output.h"
#include "sig.h"

/* The most an identity document may take: it is a few KiB. */
#define DOC_MAX (1 << 20)

struct compat_args {
	const char *dev;
	const char *with;
};

enum { OPT_WITH = 'w' };

static const struct argp_option options[] = {
	{ "with", OPT_WITH, "FILE", 0,
	  "The other device's identity: another host's 'vfiomig -j identity' "
	  "output ('-': standard input)", 0 },
	{ 0 }
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct compat_args *a = state->input;

	if (key == OPT_WITH) {
		a->with = arg;
		return 0;
	}
	if (key == ARGP_KEY_END && !a->with)
		argp_error(state, "--with FILE is required");
	return parse_one_dev(key, arg, state, &a->dev);
}

static const struct argp compat_argp = {
	options, parse, "DEV --with FILE",
	"Compare DEV's migration identity with another device's, field by "
	"field: same, differs and blocks (bus, PCI IDs, mdev type, driver, "
	"migration flags, the PF's fw.psid and fw.version), or differs and is "
	"only worth knowing (revision, module version, kernel release, serial "
	"number, ...). Exits 0 when nothing blocks, 12 when something does. DEV "
	"may also be a file holding an identity, as FILE does.",
	common_children, NULL, NULL
};

/*
 * Read a whole document (bounded) from fd, which is closed (stdin: left
 * open); NULL with errno set. A FIFO or a pipe on stdin may stall: it is
 * read through a chan, whose every wait also watches SIGINT/SIGTERM
 * (-EINTR, exit 8).
 */
static char *read_doc(int fd, const char *path)
{
	char *buf = malloc(DOC_MAX + 1);
	struct chan c;
	ssize_t n = -ENOMEM;

	chan_plain(&c, vm_ctx(), fd, path);
	chan_nonblock(&c);
	if (buf)
		n = chan_read_full(&c, buf, DOC_MAX + 1);
	if (n < 0 || n > DOC_MAX) {
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
	}
	chan_close(&c); /* stdin: its flags back, left open */
	errno = n < 0 ? (int)-n : EFBIG;
	return buf;
}

/* A document that could not be read, told; its exit code as restore's
 * input (74 for a failed read, 66 for a directory). */
static int unread(const char *path, int e)
{
	if (e == EINTR && sig_caught()) {
		err("compat: reading %s: interrupted by %s", path, sigabbrev_np(sig_caught()));
		return -VM_E_INTERRUPTED;
	}
	if (e == EFBIG) {
		err("compat: reading %s: over %d MiB: not the output of vfiomig -j identity",
		    path, DOC_MAX >> 20);
		return -VM_E_DATA;
	}
	err("compat: reading %s: %s", path, errstr(-e));
	return e == EISDIR || e == ENOMEM ? -e : -EIO;
}

/* A FIFO with no writer yet is opened at once: the wait for one is in
 * read_doc()'s poll(), where a signal ends it, not in open(). */
static int load_file(const char *path, char *dev, size_t dlen, struct migid *id)
{
	int fd = strcmp(path, "-") ?
		 open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : STDIN_FILENO;
	char why[256], *doc;
	int r;

	if (fd < 0) {
		r = -errno;
		err("compat: reading %s: %s", path, errstr(r));
		return r;
	}
	doc = read_doc(fd, path);
	if (!doc)
		return unread(path, errno);
	r = idjson_parse(doc, dev, dlen, id, why, sizeof(why));
	free(doc);
	if (r)
		err("compat: reading %s: %s", path, why);
	return r;
}

/* DEV: a device here, or a file holding an identity. */
static int load_here(const char *arg, char *dev, size_t dlen, struct migid *id)
{
	struct reason why = { 0 };
	struct devinfo di;
	struct stat st;
	int r;

	if (!stat(arg, &st) && S_ISREG(st.st_mode))
		return load_file(arg, dev, dlen, id);
	r = devinfo_resolve(arg, &di, &why);
	if (r) {
		reason_prefix(&why, "compat: ");
		return say_reason(r, &why);
	}
	snprintf(dev, dlen, "%s", di.name);
	migid_read(vm_ctx(), &di, opts.open, id);
	return 0;
}

static const char *shown(const struct idfield *f)
{
	if (!f)
		return "-";
	if (!f->known)
		return "?";
	return f->val[0] ? f->val : "none";
}

static void report_field(const struct iddiff *d)
{
	out_obj_open(NULL);
	out_fmt_str("field", "  %-28s ", d->key);
	if (d->here && d->here->known)
		out_fmt_str("here", "%-22s ", d->here->val);
	else
		out_null("here", NULL, NULL), out_fmt_str(NULL, "%-22s ", shown(d->here));
	if (d->there && d->there->known)
		out_fmt_str("there", "%-22s ", d->there->val);
	else
		out_null("there", NULL, NULL), out_fmt_str(NULL, "%-22s ", shown(d->there));
	out_fmt_str("verdict", "%s", migid_verdict_name(d->v));
	out_fmt_bool("forceable", NULL, d->cls == IDC_FORCEABLE);
	out_fmt_str(NULL, "%s\n", d->v == IDV_BLOCKS && d->cls == IDC_FORCEABLE ?
		    " (receive --force may override)" : "");
	out_obj_close();
}

int cmd_compat(int argc, char **argv)
{
	static struct migid here, there;
	static struct iddiff d[2 * MIGID_FIELDS];
	struct compat_args a = { 0 };
	char hdev[128], tdev[128], text[1024];
	unsigned int n, nblock;
	int r;

	cmd_parse(&compat_argp, argc, argv, &a);
	sig_catch();
	r = load_here(a.dev, hdev, sizeof(hdev), &here);
	if (!r)
		r = load_file(a.with, tdev, sizeof(tdev), &there);
	if (r)
		return r;
	n = migid_compare(&here, &there, d);
	nblock = migid_blocking(d, n, NULL);
	out_begin();
	out_str("device", "device", hdev);
	out_str("with_device", "with", tdev);
	out_fmt_str(NULL, "  %-28s ", "FIELD");
	out_fmt_str(NULL, "%-22s ", "HERE");
	out_fmt_str(NULL, "%-22s ", "THERE");
	out_fmt_str(NULL, "%s\n", "VERDICT");
	out_arr_open("fields", NULL);
	for (unsigned int i = 0; i < n; i++)
		report_field(&d[i]);
	out_arr_close();
	out_arr_open("blocking", "blocking");
	for (unsigned int i = 0; i < n; i++)
		if (d[i].v == IDV_BLOCKS)
			out_elem_str(d[i].key);
	out_arr_close();
	out_bool("compatible", "compatible", !nblock);
	r = out_end();
	if (!nblock)
		return r;
	migid_blocking_text(d, n, "here", "there", text, sizeof(text));
	err("compat %s with %s: not compatible: %s", hdev, tdev, text);
	return -VM_E_INCOMPATIBLE;
}
