// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the identity document compat --with reads
 * (idjson.c, json-c underneath): the input is the document. What the
 * parser accepts must be what the comparison then relies on: at most
 * MIGID_FIELDS fields, each key, value and reason a terminated string,
 * a device name; and compared with itself, no field differs (a field
 * unread on both sides stays unknown).
 */
#include <stdlib.h>
#include <string.h>

#include "idjson.h"
#include "migid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct migid *id, const char *dev)
{
	struct iddiff d[2 * MIGID_FIELDS];
	unsigned int n;

	if (id->n > MIGID_FIELDS || !memchr(dev, '\0', 64))
		abort();
	for (unsigned int i = 0; i < id->n; i++) {
		const struct idfield *f = &id->f[i];

		if (!f->key[0] || !memchr(f->key, '\0', sizeof(f->key)) ||
		    !memchr(f->val, '\0', sizeof(f->val)) ||
		    !memchr(f->why, '\0', sizeof(f->why)))
			abort();
	}
	n = migid_compare(id, id, d);
	if (n > 2 * MIGID_FIELDS)
		abort();
	for (unsigned int i = 0; i < n; i++)
		if (d[i].v != IDV_SAME && d[i].v != IDV_UNKNOWN)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct migid *id;
	char *text;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	id = malloc(sizeof(*id));
	if (text && id) {
		char dev[64], why[256];

		memcpy(text, data, size);
		text[size] = '\0';
		dev[0] = '\0';
		if (!idjson_parse(text, dev, sizeof(dev), id, why, sizeof(why)))
			check(id, dev);
		else if (!memchr(why, '\0', sizeof(why)))
			abort();
	}
	free(text);
	free(id);
	return 0;
}
