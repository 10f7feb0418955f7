#include "base/jsonw.h"

#include <stdio.h>
#include <stdlib.h>
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

static void escaped(cw_jsonw_t *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);
    reserve(w, n * 6 + 2); /* worst case: every byte \u00XX */
    char *o = w->p + w->len;
    *o++ = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            *o++ = '\\';
            *o++ = (char)*c;
        } else if (*c < 0x20) {
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
        } else {
            *o++ = (char)*c;
        }
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
