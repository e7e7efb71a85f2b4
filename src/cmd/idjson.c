// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A migration identity written through the one printing path and read
 * back with json-c (idjson.h). The JSON is the contract (vfiomig(8),
 * OUTPUT): every field's key always there, null for what could not be
 * read, with why in "unread"; PCI IDs as 4-digit hex strings. The engine's
 * flat keys "devlink.KIND.NAME" become devlink.versions[] here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "idjson.h"
#include "output.h"
#include "vfiomig.h"

enum idtype { T_STR, T_FLAGS, T_BOOL, T_U64 };

/* Every field but devlink's, in the order they are reported. */
static const struct {
	const char *key, *label;
	enum idtype type;
} fields[] = {
	{ "bus", "bus", T_STR },
	{ "vendor_id", "vendor", T_STR },
	{ "device_id", "device id", T_STR },
	{ "subsystem_vendor_id", "subsystem vendor", T_STR },
	{ "subsystem_device_id", "subsystem device", T_STR },
	{ "revision", "revision", T_STR },
	{ "mdev_type", "mdev type", T_STR },
	{ "driver", "driver", T_STR },
	{ "module", "module", T_STR },
	{ "module_version", "module version", T_STR },
	{ "module_srcversion", "module srcversion", T_STR },
	{ "migration", "migration flags", T_FLAGS },
	{ "precopy_info_v2", "precopy info v2", T_BOOL },
	{ "stop_copy_estimate_bytes", "stop-copy estimate", T_U64 },
	{ "kernel_release", "kernel release", T_STR },
};

/* devlink's fields beside its versions: flat key suffix, JSON key. */
static const char *const dl_fields[] = { "driver", "serial_number", "board_serial_number" };

const char *idjson_label(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (!strcmp(fields[i].key, key))
			return fields[i].label;
	return key;
}

static void report_value(const char *key, const char *label, enum idtype t,
			 const char *val)
{
	char buf[MIGID_VAL], *w, *save;

	switch (t) {
	case T_STR:
		out_str(key, label, val);
		break;
	case T_BOOL:
		out_bool(key, label, !strcmp(val, "true"));
		break;
	case T_U64:
		/* a size: a number in JSON, with its unit in text (as info) */
		out_u64(key, NULL, strtoull(val, NULL, 10));
		out_line(label, "%s", size_text(strtoull(val, NULL, 10), buf, sizeof(buf)));
		break;
	case T_FLAGS:
		out_arr_open(key, label);
		snprintf(buf, sizeof(buf), "%s", val);
		for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
			out_elem_str(w);
		out_arr_close();
		break;
	}
}

static void report_unknown(const char *key, const char *label, const struct idfield *f)
{
	char text[MIGID_WHY + 16];

	snprintf(text, sizeof(text), "unknown (%s)", f ? f->why : "not reported");
	out_null(key, label, text);
}

static void report_devlink(const struct migid *id)
{
	const struct idfield *h = migid_get(id, "devlink");
	char key[MIGID_KEY + 16], label[MIGID_KEY + 16];

	if (!h || !h->known) {
		report_unknown("devlink", "devlink", h);
		return;
	}
	out_obj_open("devlink");
	out_str("handle", "devlink", h->val);
	for (size_t i = 0; i < ARRAY_SIZE(dl_fields); i++) {
		const struct idfield *f;

		snprintf(key, sizeof(key), "devlink.%s", dl_fields[i]);
		f = migid_get(id, key);
		if (f && f->known)
			out_str(dl_fields[i], key, f->val);
		else
			out_null(dl_fields[i], NULL, NULL);
	}
	out_arr_open("versions", NULL);
	for (unsigned int i = 0; i < id->n; i++) {
		const struct idfield *f = &id->f[i];
		char kind[16];
		int n;

		if (sscanf(f->key, "devlink.%15[a-z].%n", kind, &n) != 1 || !n ||
		    (strcmp(kind, "fixed") && strcmp(kind, "running") && strcmp(kind, "stored")))
			continue;
		snprintf(label, sizeof(label), "%s %s", kind, f->key + n);
		out_obj_open(NULL);
		out_str("kind", NULL, kind);
		out_str("name", NULL, f->key + n);
		out_str("value", label, f->val);
		out_obj_close();
	}
	out_arr_close();
	out_obj_close();
}

void idjson_report(const struct migid *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct idfield *f = migid_get(id, fields[i].key);

		/* devlink's object goes before the flags, as its firmware
		 * belongs to the kind of device, the flags to the driver. */
		if (!strcmp(fields[i].key, "migration"))
			report_devlink(id);
		if (f && f->known)
			report_value(f->key, fields[i].label, fields[i].type, f->val);
		else
			report_unknown(fields[i].key, fields[i].label, f);
	}
	out_arr_open("unread", NULL);
	for (unsigned int i = 0; i < id->n; i++) {
		if (id->f[i].known)
			continue;
		out_obj_open(NULL);
		out_str("field", NULL, id->f[i].key);
		out_str("why", NULL, id->f[i].why);
		out_obj_close();
	}
	out_arr_close();
}

/* ---- reading another host's document ------------------------------------- */

static const char *unread_why(json_object *doc, const char *key)
{
	json_object *arr, *v;

	if (!json_object_object_get_ex(doc, "unread", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);

		if (json_object_object_get_ex(e, "field", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(v), key) &&
		    json_object_object_get_ex(e, "why", &v) &&
		    json_object_is_type(v, json_type_string))
			return json_object_get_string(v);
	}
	return NULL;
}

/* One value as the engine's text; false when its type is not the field's. */
static bool value_text(json_object *v, enum idtype t, char *buf, size_t len)
{
	size_t used = 0;

	switch (t) {
	case T_STR:
		if (!json_object_is_type(v, json_type_string))
			return false;
		snprintf(buf, len, "%s", json_object_get_string(v));
		return true;
	case T_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return false;
		snprintf(buf, len, "%s", json_object_get_boolean(v) ? "true" : "false");
		return true;
	case T_U64:
		if (!json_object_is_type(v, json_type_int))
			return false;
		snprintf(buf, len, "%" PRIu64, json_object_get_uint64(v));
		return true;
	case T_FLAGS:
		if (!json_object_is_type(v, json_type_array))
			return false;
		buf[0] = '\0';
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *e = json_object_array_get_idx(v, i);

			if (!json_object_is_type(e, json_type_string))
				return false;
			used += (size_t)snprintf(buf + used, len > used ? len - used : 0, "%s%s",
						 used ? "," : "", json_object_get_string(e));
		}
		return used < len;
	}
	return false;
}

/* A field of doc into id: its value, or unknown with the other host's why. */
static int take(json_object *doc, json_object *obj, const char *jkey, const char *key,
		enum idtype t, struct migid *id, char *why, size_t wlen)
{
	char buf[MIGID_VAL];
	json_object *v;

	if (!json_object_object_get_ex(obj, jkey, &v)) {
		snprintf(why, wlen, "no \"%s\"", key);
		return -VM_E_DATA;
	}
	if (json_object_is_type(v, json_type_null)) {
		const char *w = unread_why(doc, key);

		migid_unknown(id, key, "%s", w ? w : "unknown on that host");
		return 0;
	}
	if (!value_text(v, t, buf, sizeof(buf))) {
		snprintf(why, wlen, "\"%s\" is not of its type", key);
		return -VM_E_DATA;
	}
	migid_set(id, key, "%s", buf);
	return 0;
}

static int take_devlink(json_object *doc, struct migid *id, char *why, size_t wlen)
{
	char key[MIGID_KEY + 64];
	json_object *dl, *vers, *kind, *name, *value;
	int r;

	if (!json_object_object_get_ex(doc, "devlink", &dl))
		return snprintf(why, wlen, "no \"devlink\""), -VM_E_DATA;
	if (json_object_is_type(dl, json_type_null))
		return take(doc, doc, "devlink", "devlink", T_STR, id, why, wlen);
	if (!json_object_is_type(dl, json_type_object))
		return snprintf(why, wlen, "\"devlink\" is not an object"), -VM_E_DATA;
	r = take(doc, dl, "handle", "devlink", T_STR, id, why, wlen);
	for (size_t i = 0; !r && i < ARRAY_SIZE(dl_fields); i++) {
		snprintf(key, sizeof(key), "devlink.%s", dl_fields[i]);
		r = take(doc, dl, dl_fields[i], key, T_STR, id, why, wlen);
	}
	if (r || !json_object_object_get_ex(dl, "versions", &vers) ||
	    !json_object_is_type(vers, json_type_array))
		return r ? r : (snprintf(why, wlen, "no devlink versions"), -VM_E_DATA);
	for (size_t i = 0; i < json_object_array_length(vers); i++) {
		json_object *e = json_object_array_get_idx(vers, i);

		if (!json_object_object_get_ex(e, "kind", &kind) ||
		    !json_object_object_get_ex(e, "name", &name) ||
		    !json_object_object_get_ex(e, "value", &value) ||
		    !json_object_is_type(value, json_type_string))
			return snprintf(why, wlen, "devlink version %zu is malformed", i + 1),
			       -VM_E_DATA;
		snprintf(key, sizeof(key), "devlink.%s.%s", json_object_get_string(kind),
			 json_object_get_string(name));
		migid_set(id, key, "%s", json_object_get_string(value));
	}
	return 0;
}

/* Fields the engine reports but that carry no value: a devlink null. */
static void drop_unreported(struct migid *id)
{
	unsigned int i, n = 0;

	for (i = 0; i < id->n; i++)
		if (id->f[i].known || strncmp(id->f[i].key, "devlink.", 8))
			id->f[n++] = id->f[i];
	id->n = n;
}

int idjson_parse(const char *text, char *dev, size_t dlen, struct migid *id,
		 char *why, size_t wlen)
{
	json_object *doc = json_tokener_parse(text), *v;
	int r = 0;

	memset(id, 0, sizeof(*id));
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		snprintf(why, wlen, "not a JSON object");
		r = -VM_E_DATA;
		goto out;
	}
	if (json_object_object_get_ex(doc, "error", &v)) {
		json_object *m;

		snprintf(why, wlen, "the identity run failed there: %s",
			 json_object_object_get_ex(v, "message", &m) ?
			 json_object_get_string(m) : "no message");
		r = -VM_E_DATA;
		goto out;
	}
	if (!json_object_object_get_ex(doc, "device", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(why, wlen, "no \"device\": not the output of vfiomig -j identity");
		r = -VM_E_DATA;
		goto out;
	}
	snprintf(dev, dlen, "%s", json_object_get_string(v));
	for (size_t i = 0; !r && i < ARRAY_SIZE(fields); i++)
		r = take(doc, doc, fields[i].key, fields[i].key, fields[i].type, id, why, wlen);
	if (!r)
		r = take_devlink(doc, id, why, wlen);
	drop_unreported(id);
out:
	json_object_put(doc);
	return r;
}
