#include "model/event_json.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "model/fields.h"

#define LIT(s) s, (sizeof(s) - 1)

/* ---- decoding ---- */

/* A field's value: a boolean for K_BOOL, a string for every other kind. */
static cw_reject_code_t decode_field(const field_t *fd, const json_t *v, cw_event_t *ev,
                                     cw_reject_t *rej)
{
    if (fd->kind == K_BOOL) {
        if (!json_is_boolean(v))
            return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: not a boolean", fd->name);
        cw_field_set_bool(fd, json_is_true(v), ev);
        return CW_REJ_NONE;
    }
    if (!json_is_string(v))
        return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: not a string", fd->name);
    return cw_field_set_string(fd, json_string_value(v), json_string_length(v), ev, rej);
}

static cw_reject_code_t decode_data(const json_t *data, cw_event_t *ev, cw_reject_t *rej)
{
    const type_fields_t *tf = &cw_type_fields[ev->type];
    uint32_t todo = tf->req | tf->opt | tf->any, seen = 0;
    while (todo) {
        int f = __builtin_ctz(todo);
        todo &= todo - 1;
        const field_t *fd = &cw_fields[f];
        const json_t *v = json_object_getn(data, fd->name, fd->name_len);
        if (!v || json_is_null(v)) {
            /* Reported here, in field order, before later fields' errors. */
            if (tf->req & (1u << f))
                return cw_reject_set(rej, CW_REJ_MISSING_FIELD, "data.%s: missing", fd->name);
            continue;
        }
        cw_reject_code_t rc = decode_field(fd, v, ev, rej);
        if (rc)
            return rc;
        seen |= 1u << f;
    }
    return cw_fields_finish(ev, seen, rej);
}

/* A required attribute: a string, checked by cw_attr_string(). */
static cw_reject_code_t attr(const json_t *root, const char *name, size_t name_len, size_t max,
                             const char **s, size_t *len, cw_reject_t *rej)
{
    const json_t *v = json_object_getn(root, name, name_len);
    if (!v || json_is_null(v))
        return cw_reject_set(rej, CW_REJ_MISSING_ATTRIBUTE, "%s: missing", name);
    if (!json_is_string(v))
        return cw_reject_set(rej, CW_REJ_BAD_ATTRIBUTE, "%s: not a string", name);
    *s = json_string_value(v);
    *len = json_string_length(v);
    return cw_attr_string(name, *s, *len, max, NULL, rej);
}

/* Copies an attribute checked by attr() into a member of size max + 1. */
static void copy_attr(char *dst, const char *s, size_t len)
{
    memcpy(dst, s, len);
    dst[len] = '\0';
}

#define ATTR(key, max, s, len)                                                                     \
    do {                                                                                           \
        cw_reject_code_t rc_ = attr(root, LIT(key), max, s, len, rej);                             \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

static cw_reject_code_t decode_root(const json_t *root, cw_event_t *ev, cw_reject_t *rej)
{
    if (!json_is_object(root))
        return cw_reject_set(rej, CW_REJ_NOT_OBJECT, "event: not a JSON object");

    const char *s;
    size_t len;
    /* id first, so that a rejection can name the event. */
    ATTR("id", CW_ID_MAX, &s, &len);
    copy_attr(ev->id, s, len);

    ATTR("specversion", 0, &s, &len);
    cw_reject_code_t rc = cw_attr_specversion(s, len, rej);
    if (rc)
        return rc;

    ATTR("source", CW_SOURCE_MAX, &s, &len);
    copy_attr(ev->source, s, len);

    const char *type, *time;
    size_t type_len, time_len;
    ATTR("type", 0, &type, &type_len);
    ATTR("subject", CW_ID_MAX, &s, &len);
    copy_attr(ev->subject, s, len);
    ATTR("time", 0, &time, &time_len);

    if ((rc = cw_attr_type(type, type_len, ev, rej)) != CW_REJ_NONE)
        return rc;

    if (cw_time_parse(time, time_len, &ev->time, NULL, NULL, 0) != CW_OK ||
        ev->time < INSTANT_MIN || ev->time >= INSTANT_END)
        return cw_reject_set(rej, CW_REJ_BAD_TIME,
                             "time: not an RFC 3339 date-time with an offset");

    const json_t *data = json_object_getn(root, LIT("data"));
    if (!data || json_is_null(data))
        return cw_reject_set(rej, CW_REJ_MISSING_DATA, "data: missing");
    if (!json_is_object(data))
        return cw_reject_set(rej, CW_REJ_MISSING_DATA, "data: not an object");
    return decode_data(data, ev, rej);
}

#undef ATTR

cw_reject_code_t cw_event_from_json(const char *buf, size_t len, cw_event_t *ev, cw_reject_t *rej)
{
    cw_reject_t scratch;
    if (!rej)
        rej = &scratch;
    rej->code = CW_REJ_NONE;
    rej->detail[0] = '\0';
    cw_event_clear(ev);

    if (len > CW_EVENT_MAX_BYTES)
        return cw_reject_set(rej, CW_REJ_TOO_LARGE, "event: %zu bytes, over the limit of %d", len,
                             CW_EVENT_MAX_BYTES);
    if (!buf || len == 0)
        return cw_reject_set(rej, CW_REJ_BAD_JSON, "event: empty");

    /* DECODE_ANY so that a scalar is not_object rather than bad_json;
     * ALLOW_NUL so that "\u0000" in a string is reported on its field. */
    json_error_t jerr;
    json_t *root =
        json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!root) /* jerr.text may quote the input: not in the detail */
        return cw_reject_set(rej, CW_REJ_BAD_JSON, "event: not valid JSON (line %d, column %d)",
                             jerr.line, jerr.column);
    cw_reject_code_t rc = decode_root(root, ev, rej);
    json_decref(root);
    return rc;
}

/* ---- encoding ---- */

typedef struct {
    char *p; /* next byte; the buffer is sized for the worst case */
} out_t;

static void put(out_t *o, const char *s, size_t n)
{
    memcpy(o->p, s, n);
    o->p += n;
}

#define PUT(o, lit) put(o, LIT(lit))

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        k = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlongs */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; /* up to U+10FFFF */
    } else
        return 0;
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return k;
}

/* A JSON string of the first n bytes of s (stops at a NUL). At most 6
 * output bytes per input byte, plus the quotes. */
static void put_string(out_t *o, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    n = strnlen(str, n);
    *o->p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o->p++ = (char)c;
        } else if (c == '"' || c == '\\') {
            *o->p++ = '\\';
            *o->p++ = (char)c;
        } else if (c == '\n') {
            PUT(o, "\\n");
        } else if (c == '\t') {
            PUT(o, "\\t");
        } else if (c == '\r') {
            PUT(o, "\\r");
        } else if (c < 0x20) {
            PUT(o, "\\u00");
            *o->p++ = hex[c >> 4];
            *o->p++ = hex[c & 15];
        } else {
            size_t k = utf8_len(s + i, n - i);
            if (k == 0) {
                PUT(o, "\\ufffd");
            } else {
                put(o, str + i, k);
                i += k - 1;
            }
        }
    }
    *o->p++ = '"';
}

static void put_key(out_t *o, bool *first, const char *key, size_t key_len)
{
    if (!*first)
        *o->p++ = ',';
    *first = false;
    *o->p++ = '"';
    put(o, key, key_len);
    PUT(o, "\":");
}

static void put_field(out_t *o, bool *first, const field_t *fd, const cw_event_t *ev)
{
    const char *m = (const char *)ev + fd->off;
    int iv;
    char buf[CW_TIME_STR_SIZE];
    switch ((kind_t)fd->kind) {
    case K_STR:
    case K_KOMMUN:
        if (!m[0])
            return;
        put_key(o, first, fd->name, fd->name_len);
        put_string(o, m, fd->max);
        return;
    case K_BOOL:
        memcpy(&iv, m, sizeof(iv));
        if (iv != CW_TRI_TRUE && iv != CW_TRI_FALSE)
            return;
        put_key(o, first, fd->name, fd->name_len);
        if (iv == CW_TRI_TRUE)
            PUT(o, "true");
        else
            PUT(o, "false");
        return;
    case K_ENUM: {
        memcpy(&iv, m, sizeof(iv));
        const char *name = cw_enum_name((cw_enum_t)fd->enum_of, iv);
        if (!name)
            return;
        put_key(o, first, fd->name, fd->name_len);
        put_string(o, name, strlen(name));
        return;
    }
    case K_DATE: {
        if (!(ev->present & fd->flag))
            return;
        cw_date_t d;
        memcpy(&d, m, sizeof(d));
        put_key(o, first, fd->name, fd->name_len);
        put_string(o, cw_date_format(d, buf), CW_DATE_STR_SIZE);
        return;
    }
    case K_MONTH:
        if (!(ev->present & fd->flag))
            return;
        snprintf(buf, sizeof(buf), "%04d-%02d", ev->born_year, ev->born_month);
        put_key(o, first, fd->name, fd->name_len);
        put_string(o, buf, sizeof(buf));
        return;
    case K_INSTANT: {
        if (!(ev->present & fd->flag))
            return;
        cw_instant_t t;
        memcpy(&t, m, sizeof(t));
        put_key(o, first, fd->name, fd->name_len);
        put_string(o, cw_time_format_utc(t, buf), sizeof(buf));
        return;
    }
    }
}

/* Worst case: every byte of the struct escaped to 6 bytes, plus keys,
 * punctuation and formatted values. */
#define ENCODE_BOUND (6 * sizeof(cw_event_t) + 2048)

char *cw_event_to_json(const cw_event_t *ev)
{
    char *buf = cw_malloc(ENCODE_BOUND);
    out_t o = {buf};
    char tbuf[CW_TIME_STR_SIZE];

    PUT(&o, "{\"specversion\":\"1.0\"");
    bool first = false;
    if (ev->id[0]) {
        put_key(&o, &first, LIT("id"));
        put_string(&o, ev->id, CW_ID_MAX);
    }
    if (ev->source[0]) {
        put_key(&o, &first, LIT("source"));
        put_string(&o, ev->source, CW_SOURCE_MAX);
    }
    const char *tname = cw_event_type_name(ev->type);
    if (tname) {
        put_key(&o, &first, LIT("type"));
        PUT(&o, "\"" CW_TYPE_PREFIX);
        put(&o, tname, strlen(tname));
        *o.p++ = '"';
    }
    put_key(&o, &first, LIT("time"));
    put_string(&o, cw_time_format_utc(ev->time, tbuf), sizeof(tbuf));
    if (ev->subject[0]) {
        put_key(&o, &first, LIT("subject"));
        put_string(&o, ev->subject, CW_ID_MAX);
    }
    put_key(&o, &first, LIT("datacontenttype"));
    PUT(&o, "\"application/json\"");
    put_key(&o, &first, LIT("data"));
    *o.p++ = '{';
    first = true;
    uint32_t todo = COMMON_REQ | COMMON_OPT;
    if (tname) {
        const type_fields_t *tf = &cw_type_fields[ev->type];
        todo = tf->req | tf->opt | tf->any;
    }
    for (; todo; todo &= todo - 1)
        put_field(&o, &first, &cw_fields[__builtin_ctz(todo)], ev);
    PUT(&o, "}}");
    *o.p = '\0';
    return cw_realloc(buf, (size_t)(o.p - buf) + 1);
}
