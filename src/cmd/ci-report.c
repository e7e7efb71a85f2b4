// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TAP version 13 and JUnit XML (ci-report.h), written through the output
 * module's text path. Escapes what it is given for the format; decides
 * no result.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ci-report.h"
#include "output.h"

/* TAP descriptions end at '#' (a directive), lines at a newline. */
static void tap_text(const char *s)
{
	for (; *s; s++)
		out_text("%c", *s == '#' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static void xml_text(const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': out_text("&lt;"); break;
		case '>': out_text("&gt;"); break;
		case '&': out_text("&amp;"); break;
		case '"': out_text("&quot;"); break;
		default:
			/* XML 1.0 has no control characters but these. */
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				out_text("%c", *s);
		}
	}
}

void ci_begin(struct ci *c, enum ci_format f, const char *name, size_t tests,
	      int failures, int skipped, const char *comment)
{
	*c = (struct ci){ .f = f };
	if (f == CI_TAP) {
		out_text("TAP version 13\n1..%zu\n", tests);
		if (comment) {
			out_text("# ");
			tap_text(comment);
			out_text("\n");
		}
		return;
	}
	out_text("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"%zu\" "
		 "failures=\"%d\" errors=\"0\" skipped=\"%d\">\n  <testsuite name=\"",
		 tests, failures, skipped);
	xml_text(name);
	out_text("\" tests=\"%zu\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n",
		 tests, failures, skipped);
}

static void tap_case(struct ci *c, const char *name, enum ci_result r,
		     const char *detail, const char *why)
{
	out_text("%s %zu - ", r == CI_FAIL ? "not ok" : "ok", c->i);
	tap_text(name);
	out_text(": ");
	tap_text(detail);
	if (r == CI_FAIL && why) {
		out_text("; failed: ");
		tap_text(why);
	}
	if (r == CI_SKIP) {
		out_text(" # SKIP");
		if (why) {
			out_text(" ");
			tap_text(why);
		}
	}
	out_text("\n");
}

static void junit_case(const char *name, enum ci_result r, const char *detail,
		       const char *why, double secs)
{
	out_text("    <testcase classname=\"vfiomig.check\" name=\"");
	xml_text(name);
	out_text(secs >= 0 ? "\" time=\"%.3f\">" : "\">", secs);
	if (r != CI_PASS) {
		out_text(r == CI_FAIL ? "<failure message=\"" : "<skipped message=\"");
		xml_text(why ? why : detail);
		out_text("\"/>");
	}
	if (r == CI_PASS || (why && detail)) {
		out_text("<system-out>");
		xml_text(detail);
		out_text("</system-out>");
	}
	out_text("</testcase>\n");
}

void ci_case(struct ci *c, const char *name, enum ci_result r, const char *detail,
	     const char *why, double secs)
{
	c->i++;
	if (c->f == CI_TAP)
		tap_case(c, name, r, detail, why);
	else
		junit_case(name, r, detail, why, secs);
}

void ci_end(struct ci *c)
{
	if (c->f == CI_JUNIT)
		out_text("  </testsuite>\n</testsuites>\n");
}

void ci_nothing(enum ci_format f, const char *name, const char *reason)
{
	if (f == CI_TAP) {
		out_text("TAP version 13\n1..0 # SKIP ");
		tap_text(reason);
		out_text("\n");
		return;
	}
	out_text("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"1\" "
		 "failures=\"0\" errors=\"1\" skipped=\"0\">\n  <testsuite name=\"");
	xml_text(name);
	out_text("\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n"
		 "    <testcase classname=\"vfiomig.check\" name=\"check\"><error message=\"");
	xml_text(reason);
	out_text("\"/></testcase>\n  </testsuite>\n</testsuites>\n");
}
