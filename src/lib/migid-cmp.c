// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Two migration identities compared field by field, and an identity's
 * wire form (the migration's IDENTITY frames). Which differences block
 * and which --force may override is decided here, once, for compat,
 * migrate and receive alike (vfiomig(8), COMPATIBILITY). Knows no device.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "migid.h"

/*
 * A different bus or different migration flags never work: the flags
 * decide the states each side walks (p2p, pre_copy). The kind and the
 * PF's firmware block too, but a user who knows the driver accepts the
 * other one may force them: the driver's own checks in resuming remain.
 * Everything else only informs.
 */
static const struct {
	const char *key;
	enum id_class cls;
} classes[] = {
	{ "bus", IDC_BLOCKS },
	{ "migration", IDC_BLOCKS },
	{ "vendor_id", IDC_FORCEABLE },
	{ "device_id", IDC_FORCEABLE },
	{ "subsystem_vendor_id", IDC_FORCEABLE },
	{ "subsystem_device_id", IDC_FORCEABLE },
	{ "mdev_type", IDC_FORCEABLE },
	{ "driver", IDC_FORCEABLE },
	{ "devlink.fixed.fw.psid", IDC_FORCEABLE },
	{ "devlink.running.fw.version", IDC_FORCEABLE },
};

enum id_class migid_class(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(classes); i++)
		if (!strcmp(classes[i].key, key))
			return classes[i].cls;
	return IDC_INFORMS;
}

const char *migid_verdict_name(enum id_verdict v)
{
	static const char *const names[] = {
		[IDV_SAME] = "same", [IDV_BLOCKS] = "blocks",
		[IDV_INFORMS] = "differs", [IDV_UNKNOWN] = "unknown",
	};
	return names[v];
}

static enum id_verdict verdict(const struct idfield *a, const struct idfield *b,
			       enum id_class cls)
{
	/* Unknown alike for the same reason ("not a PCI device" on both):
	 * neither side has it, which is the same. */
	if (a && b && !a->known && !b->known && !strcmp(a->why, b->why))
		return IDV_SAME;
	if (!a || !b || !a->known || !b->known)
		return IDV_UNKNOWN;
	if (!strcmp(a->val, b->val))
		return IDV_SAME;
	return cls == IDC_INFORMS ? IDV_INFORMS : IDV_BLOCKS;
}

static void add(struct iddiff *out, unsigned int *n, const char *key,
		const struct idfield *here, const struct idfield *there)
{
	struct iddiff *d = &out[(*n)++];

	d->key = key;
	d->here = here;
	d->there = there;
	d->cls = migid_class(key);
	d->v = verdict(here, there, d->cls);
}

unsigned int migid_compare(const struct migid *here, const struct migid *there,
			   struct iddiff *out)
{
	unsigned int n = 0, i;

	for (i = 0; i < here->n; i++)
		add(out, &n, here->f[i].key, &here->f[i], migid_get(there, here->f[i].key));
	for (i = 0; i < there->n; i++)
		if (!migid_get(here, there->f[i].key))
			add(out, &n, there->f[i].key, NULL, &there->f[i]);
	return n;
}

unsigned int migid_blocking(const struct iddiff *d, unsigned int n, unsigned int *forceable)
{
	unsigned int b = 0, f = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (d[i].v != IDV_BLOCKS)
			continue;
		b++;
		f += d[i].cls == IDC_FORCEABLE;
	}
	if (forceable)
		*forceable = f;
	return b;
}

void migid_blocking_text(const struct iddiff *d, unsigned int n, const char *here,
			 const char *there, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && used < len; i++) {
		if (d[i].v != IDV_BLOCKS)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s: %s %s, %s %s",
					 used ? "; " : "", d[i].key,
					 d[i].here->val[0] ? d[i].here->val : "none", here,
					 d[i].there->val[0] ? d[i].there->val : "none", there);
	}
}

/* ---- the wire form --------------------------------------------------------- */

size_t migid_encode(const struct migid *id, char *buf, size_t len)
{
	size_t used = 0;

	for (unsigned int i = 0; i < id->n; i++) {
		const struct idfield *f = &id->f[i];
		int w = snprintf(buf + used, len - used, "%s%c%s\n", f->key,
				 f->known ? '=' : '?', f->known ? f->val : f->why);

		/* A field that does not fit is left out whole, never cut. */
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	return used;
}

static bool key_ok(const char *s, size_t n)
{
	if (!n || n >= MIGID_KEY)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '=' || s[i] == '?')
			return false;
	return true;
}

int migid_decode(const char *buf, size_t len, struct migid *id, char *why, size_t wlen)
{
	const char *p = buf, *end = buf + len;

	memset(id, 0, sizeof(*id));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t k = 0, vlen;
		char key[MIGID_KEY];

		/* The key ends at the first '=' or '?' of its line; the frame
		 * is not a string, so never look past the line's end. */
		while (nl && p + k < nl && p[k] != '=' && p[k] != '?')
			k++;
		if (!nl || p + k >= nl || !key_ok(p, k) || id->n >= MIGID_FIELDS) {
			snprintf(why, wlen, "malformed identity (field %u)", id->n + 1);
			return -EPROTO;
		}
		vlen = (size_t)(nl - (p + k + 1));
		if (vlen >= (p[k] == '=' ? MIGID_VAL : MIGID_WHY) ||
		    memchr(p + k + 1, '\0', vlen)) {
			snprintf(why, wlen, "malformed identity (field %u)", id->n + 1);
			return -EPROTO;
		}
		memcpy(key, p, k);
		key[k] = '\0';
		if (p[k] == '=')
			migid_set(id, key, "%.*s", (int)vlen, p + k + 1);
		else
			migid_unknown(id, key, "%.*s", (int)vlen, p + k + 1);
		p = nl + 1;
	}
	return 0;
}
