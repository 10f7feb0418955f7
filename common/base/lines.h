/* Splits a stream into lines with a length bound, for JSON-lines input.
 *
 * Lines are split with memchr over fread blocks rather than fgets, so a
 * NUL byte inside a line is kept (and rejected by the decoder) instead of
 * silently cutting the line short; a line longer than the bound is not
 * stored but still reported (too_long), so no input line goes unseen. A
 * trailing '\r' is dropped; blank lines are skipped. */
#ifndef CW_BASE_LINES_H
#define CW_BASE_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* offset: the 0-based line number (blank lines count). When too_long,
 * line is NULL and len 0. Return false to stop reading. */
typedef bool(cw_line_cb_t)(const char *line, size_t len, bool too_long, unsigned long long offset,
                           void *opaque);

/* Reads `in` to its end (or until cb returns false). *lines counts the
 * lines seen, blank ones included, and goes on from its value: pass the
 * same counter for several files to number them as one input. -1 on a
 * read error. */
int cw_lines_read(FILE *in, size_t max_len, cw_line_cb_t *cb, void *opaque,
                  unsigned long long *lines);

#endif
