// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Escaping of outside text for the terminal and for JSON (escape.h):
 * one UTF-8 decoder, two ways to write what it finds.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

size_t utf8_seq(const unsigned char *s, size_t n, unsigned int *cp)
{
	/* The smallest code point each length may encode: no overlongs. */
	static const unsigned int min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;
	unsigned int c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* C0, DEL and C1: what a terminal may take for a command. */
static bool is_control(unsigned int cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

void esc_text(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	while (n) {
		unsigned int cp;
		size_t len = utf8_seq(s, n, &cp);

		if (len && cp == '\\') {
			fputs("\\\\", f);
		} else if (len && cp == '\n') {
			fputs("\\n", f);
		} else if (len && cp == '\t') {
			fputs("\\t", f);
		} else if (len && !is_control(cp)) {
			fwrite(s, 1, len, f);
		} else {
			/* A C1 control is two bytes in UTF-8: show both. */
			len = len ? len : 1;
			for (size_t i = 0; i < len; i++)
				fprintf(f, "\\x%02x", s[i]);
		}
		s += len;
		n -= len;
	}
}

void esc_json(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	while (n) {
		unsigned int cp;
		size_t len = utf8_seq(s, n, &cp);

		if (!len) {
			fputs("\\ufffd", f);
			len = 1;
		} else if (cp == '"' || cp == '\\') {
			fprintf(f, "\\%c", cp);
		} else if (cp == '\n') {
			fputs("\\n", f);
		} else if (cp == '\t') {
			fputs("\\t", f);
		} else if (is_control(cp)) {
			fprintf(f, "\\u%04x", cp);
		} else {
			fwrite(s, 1, len, f);
		}
		s += len;
		n -= len;
	}
}
