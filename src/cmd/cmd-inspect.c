// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiomig inspect [FILE]: describe a vfiomig stream and verify every
 * checksum, without any device. Exits 65 on the first defect.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "endpoint.h"
#include "log.h"
#include "output.h"
#include "report.h"
#include "stream.h"
#include "vfiomig.h"

static error_t parse(int key, char *arg, struct argp_state *state)
{
	const char **file = state->input;

	switch (key) {
	case ARGP_KEY_ARG:
		if (*file)
			argp_error(state, "extra argument '%s'", arg);
		*file = arg_name(state, "FILE", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp inspect_argp = {
	NULL, parse, "[FILE]",
	"Print a vfiomig stream's header (format, source device, migration "
	"flags, size estimate), its records by phase, and verify every record "
	"checksum, the trailer and the whole-stream checksum. Reads stdin "
	"without FILE or with '-'. Exits 65 on any defect; -v lists the records.",
	common_children, NULL, NULL
};

static void print_ident(const struct stream_ident *id)
{
	char when[32];
	time_t t = (time_t)id->created;
	struct tm tm;

	out_u64("format_version", "format", STREAM_VERSION);
	out_str("written_by", "written by", id->tool);
	/* The reader bounds the year; a time gmtime cannot convert is shown raw. */
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		snprintf(when, sizeof(when), "@%llu", (unsigned long long)id->created);
	out_str("created", "created", when);
	out_obj_open("source");
	out_str("bus", "source bus", id->bus == BUS_PCI ? "pci" :
				     id->bus == BUS_MDEV ? "mdev" : "unknown");
	out_str("driver", "source driver", id->driver);
	if (id->bus == BUS_MDEV) {
		out_str("mdev_type", "mdev type", id->mdev_type);
		report_pci_ids_null();
	} else {
		out_null("mdev_type", NULL, NULL);
		char buf[64];

		snprintf(buf, sizeof(buf), "%04x:%04x subsystem %04x:%04x", id->vendor,
			 id->device, id->subvendor, id->subdevice);
		out_line("pci id", "%s", buf);
		report_pci_ids(id->vendor, id->device, id->subvendor, id->subdevice);
	}
	report_flags(id->mig_flags);
	out_obj_close();
	out_u64("stop_copy_estimate_bytes", "stop-copy estimate", id->size_estimate);
}

/* A header that could not be read: every key of it, null. */
static void no_ident(void)
{
	static const char *const keys[] = { "format_version", "written_by", "created",
					    "source", "stop_copy_estimate_bytes",
					    "record_list" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		out_null(keys[i], NULL, NULL);
}

static int walk(struct stream_reader *r, uint8_t *buf)
{
	struct record rec;
	int ret;

	out_arr_open("record_list", NULL);
	while ((ret = sr_next(r, &rec, buf, STREAM_MAX_RECORD)) == 1) {
		info("record %llu: %s, %llu bytes at byte %llu",
		     (unsigned long long)r->records, phase_name(rec.phase),
		     (unsigned long long)rec.len, (unsigned long long)rec.offset);
		/* Every record, -v or not: an array that leaves some out
		 * would contradict records. */
		out_obj_open(NULL);
		out_str("phase", NULL, phase_name(rec.phase));
		out_u64("bytes", NULL, rec.len);
		out_u64("stream_offset", NULL, rec.offset);
		out_obj_close();
	}
	out_arr_close();
	return ret;
}

int cmd_inspect(int argc, char **argv)
{
	const char *file = NULL;
	struct stream_reader r;
	struct chan in;
	uint8_t *buf;
	int ret, wr;

	cmd_parse(&inspect_argp, argc, argv, &file);
	ret = endpoint_open_in(file, "inspect", NULL, &in);
	if (ret)
		return ret;
	buf = malloc(STREAM_MAX_RECORD);
	if (!buf || sr_init(&r, &in)) {
		err("inspect: out of memory");
		free(buf);
		endpoint_close(&in);
		return -ENOMEM;
	}
	out_begin();
	ret = sr_header(&r);
	if (!ret) {
		print_ident(&r.ident);
		ret = walk(&r, buf);
	} else {
		no_ident();
	}
	out_u64("records", "records", r.records);
	out_u64("precopy_bytes", "pre_copy bytes", r.phase_bytes[PHASE_PRECOPY]);
	out_u64("stop_copy_bytes", "stop_copy bytes", r.phase_bytes[PHASE_STOPCOPY]);
	out_u64("bytes", "data bytes", r.data_bytes);
	out_bool("valid", "valid", ret == 0);
	if (ret)
		out_str("defect", "defect", ret == -VM_E_DATA ? r.why : errstr(ret));
	else
		out_null("defect", NULL, NULL);
	wr = out_end();
	if (ret == -VM_E_DATA)
		err("inspect %s: %s", file ? file : "stdin", r.why);
	else if (ret)
		err("inspect %s: reading: %s", file ? file : "stdin", errstr(ret));
	sr_free(&r);
	free(buf);
	endpoint_close(&in);
	return ret ? (ret == -VM_E_DATA ? ret : -EIO) : wr;
}
