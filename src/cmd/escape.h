/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text that came from outside (a stream, a peer, a holder, the kernel)
 * made safe to print. On a terminal: no control character, escape
 * sequence or broken UTF-8 gets through. In JSON: a valid string of
 * valid UTF-8, whatever the bytes were. vfiomig(8), OUTPUT, says how.
 */
#ifndef VFIOMIG_ESCAPE_H
#define VFIOMIG_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Bytes of the UTF-8 sequence at s (at most n bytes): 1 to 4, or 0 when
 * s does not start a valid one (overlong, surrogate, beyond U+10FFFF,
 * cut short). *cp receives the code point.
 */
size_t utf8_seq(const unsigned char *s, size_t n, unsigned int *cp);

/*
 * For text: valid UTF-8 other than controls passes; C0 and C1 controls,
 * DEL, backslash and every byte of an invalid sequence become \n, \t,
 * \\ or \xNN, so the text stays on one line and says which bytes it had.
 */
void esc_text(FILE *f, const char *s);
/*
 * The inside of a JSON string: quote, backslash and controls (C0, DEL,
 * C1) escaped, each byte that is not part of valid UTF-8 replaced by
 * U+FFFD (as \ufffd).
 */
void esc_json(FILE *f, const char *s);

#endif
