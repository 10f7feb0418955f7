#include "base/lines.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

static bool end_line(char *line, size_t len, bool too_long, cw_line_cb_t *cb, void *opaque,
                     unsigned long long *lines)
{
    unsigned long long offset = (*lines)++;
    if (too_long)
        return cb(NULL, 0, true, offset, opaque);
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (blank(line, len))
        return true;
    return cb(line, len, false, offset, opaque);
}

int cw_lines_read(FILE *in, size_t max_len, cw_line_cb_t *cb, void *opaque,
                  unsigned long long *lines)
{
    enum { BLOCK = 1 << 16 };
    char *block = cw_malloc(BLOCK + max_len + 1);
    char *line = block + BLOCK;
    size_t have = 0;       /* bytes of the current line in line */
    bool skipping = false; /* inside a line that is already too long */
    bool go = true;
    size_t n;
    while (go && (n = fread(block, 1, BLOCK, in)) > 0) {
        const char *p = block, *end = block + n;
        while (go && p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t chunk = (size_t)((nl ? nl : end) - p);
            if (!skipping && have + chunk > max_len) {
                skipping = true;
            } else if (!skipping) {
                memcpy(line + have, p, chunk);
                have += chunk;
            }
            p += chunk;
            if (!nl)
                break;
            p++; /* the newline */
            go = end_line(line, have, skipping, cb, opaque, lines);
            have = 0;
            skipping = false;
        }
    }
    if (go && (have > 0 || skipping))
        end_line(line, have, skipping, cb, opaque, lines); /* last line without a newline */
    free(block);
    return ferror(in) ? -1 : 0;
}
