#include "base/jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "base/mem.h"

void cw_jsonw_init(cw_jsonw_t *w)
{
    w->p = NULL;
    w->len = w->cap = 0;
    w->need_comma = 0;
}

void cw_jsonw_free(cw_jsonw_t *w)
{
    free(w->p);
    cw_jsonw_init(w);
}

void cw_jsonw_reset(cw_jsonw_t *w)
{
    w->len = 0;
    w->need_comma = 0;
    if (w->p)
        w->p[0] = '\0';
}

static void reserve(cw_jsonw_t *w, size_t more)
{
    if (w->len + more + 1 <= w->cap)
        return;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + more + 1)
        cap *= 2;
    w->p = cw_realloc(w->p, cap);
    w->cap = cap;
}

static void put(cw_jsonw_t *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

void cw_jsonw_append(cw_jsonw_t *w, const void *p, size_t n)
{
    put(w, p, n);
}

char *cw_jsonw_extend(cw_jsonw_t *w, size_t n)
{
    reserve(w, n);
    char *at = w->p + w->len;
    w->len += n;
    w->p[w->len] = '\0';
    return at;
}

static void comma(cw_jsonw_t *w)
{
    if (w->need_comma)
        put(w, ",", 1);
    w->need_comma = 1;
}

void cw_jsonw_begin_object(cw_jsonw_t *w)
{
    comma(w);
    put(w, "{", 1);
    w->need_comma = 0;
}

void cw_jsonw_end_object(cw_jsonw_t *w)
{
    put(w, "}", 1);
    w->need_comma = 1;
}

void cw_jsonw_begin_array(cw_jsonw_t *w)
{
    comma(w);
    put(w, "[", 1);
    w->need_comma = 0;
}

void cw_jsonw_end_array(cw_jsonw_t *w)
{
    put(w, "]", 1);
    w->need_comma = 1;
}

/* 1 for the bytes JSON requires escaped: control characters, '"' and '\\'. */
static const unsigned char must_escape[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1,
};

/* Alert texts are long and almost never need an escape: runs are copied
 * whole (this was the replay's top cost when done a byte at a time). */
static void escaped(cw_jsonw_t *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);
    reserve(w, n * 6 + 2); /* worst case: every byte \u00XX */
    char *o = w->p + w->len;
    *o++ = '"';
    const unsigned char *c = (const unsigned char *)s, *end = c + n;
    while (c < end) {
        const unsigned char *run = c;
        /* Eight bytes at a time while none is below 0x20, '"' or '\\'
         * (the classic exact zero-byte tests on a word), then bytewise. */
        const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
        while (end - c >= 8) {
            uint64_t x;
            memcpy(&x, c, 8);
            uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
            uint64_t below = (x - ones * 0x20) & ~x & high; /* a byte < 0x20 */
            uint64_t quote = (q - ones) & ~q & high;        /* a byte == '"' */
            uint64_t bslash = (b - ones) & ~b & high;       /* a byte == '\\' */
            if (below | quote | bslash)
                break;
            c += 8;
        }
        while (c < end && !must_escape[*c])
            c++;
        memcpy(o, run, (size_t)(c - run));
        o += c - run;
        if (c == end)
            break;
        if (*c == '"' || *c == '\\') {
            *o++ = '\\';
            *o++ = (char)*c;
        } else {
            const char *short_esc = *c == '\n'   ? "\\n"
                                    : *c == '\t' ? "\\t"
                                    : *c == '\r' ? "\\r"
                                                 : NULL;
            if (short_esc) {
                *o++ = short_esc[0];
                *o++ = short_esc[1];
            } else {
                memcpy(o, "\\u00", 4);
                o[4] = hex[*c >> 4];
                o[5] = hex[*c & 15];
                o += 6;
            }
        }
        c++;
    }
    *o++ = '"';
    w->len = (size_t)(o - w->p);
    w->p[w->len] = '\0';
}

void cw_jsonw_key(cw_jsonw_t *w, const char *key)
{
    comma(w);
    escaped(w, key);
    put(w, ":", 1);
    w->need_comma = 0;
}

void cw_jsonw_string(cw_jsonw_t *w, const char *s)
{
    comma(w);
    if (s)
        escaped(w, s);
    else
        put(w, "null", 4);
}

void cw_jsonw_int(cw_jsonw_t *w, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
    comma(w);
    put(w, buf, (size_t)n);
}

void cw_jsonw_null(cw_jsonw_t *w)
{
    comma(w);
    put(w, "null", 4);
}

void cw_jsonw_kv_string(cw_jsonw_t *w, const char *key, const char *s)
{
    cw_jsonw_key(w, key);
    cw_jsonw_string(w, s);
}

void cw_jsonw_kv_int(cw_jsonw_t *w, const char *key, int64_t v)
{
    cw_jsonw_key(w, key);
    cw_jsonw_int(w, v);
}
