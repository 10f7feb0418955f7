#include "model/event_json.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* ---- the envelope: one table for both content modes ---- */

/* The attributes in the order they are checked (id first, so that a
 * rejection can name the event): name in the structured form, its Kafka
 * header in binary mode, its length limit (0: none) and where it is kept. */
static const struct {
    const char *key, *header;
    unsigned char key_len;
    size_t max;
    size_t off; /* member of cw_event_t it is copied to; 0: checked, not copied */
} attrs[CW_CE__COUNT] = {
    [CW_CE_ID] = {"id", "ce_id", 2, CW_ID_MAX, offsetof(cw_event_t, id)},
    [CW_CE_SPECVERSION] = {"specversion", "ce_specversion", 11, 0, 0},
    [CW_CE_SOURCE] = {"source", "ce_source", 6, CW_SOURCE_MAX, offsetof(cw_event_t, source)},
    [CW_CE_TYPE] = {"type", "ce_type", 4, 0, 0},
    [CW_CE_SUBJECT] = {"subject", "ce_subject", 7, CW_ID_MAX, offsetof(cw_event_t, subject)},
    [CW_CE_TIME] = {"time", "ce_time", 4, 0, 0},
};

_Static_assert(offsetof(cw_event_t, id) != 0, "off 0 means: not copied");

const char *cw_ce_header_name(cw_ce_attr_t a)
{
    return (unsigned)a < CW_CE__COUNT ? attrs[a].header : "";
}

/* An attribute as found: s NULL when absent; wrong_type when present but
 * not a string (structured mode only). */
typedef struct {
    const char *s;
    size_t len;
    bool wrong_type;
} attr_in_t;

static size_t utf8_len(const unsigned char *s, size_t n);

/* Header values are bytes; jansson guarantees UTF-8 only for JSON strings. */
static bool valid_utf8(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_len(s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* Checks the attributes in table order and fills the envelope of ev; the
 * details name the attribute as the mode spells it (binary: the header,
 * whose value must also be valid UTF-8, as a JSON string is). */
static cw_reject_code_t decode_attrs(const attr_in_t in[CW_CE__COUNT], bool binary, cw_event_t *ev,
                                     cw_reject_t *rej)
{
    for (int a = 0; a < CW_CE__COUNT; a++) {
        const char *name = binary ? attrs[a].header : attrs[a].key;
        if (!in[a].s && !in[a].wrong_type)
            return cw_reject_set(rej, CW_REJ_MISSING_ATTRIBUTE, "%s: missing", name);
        if (in[a].wrong_type)
            return cw_reject_set(rej, CW_REJ_BAD_ATTRIBUTE, "%s: not a string", name);
        if (binary && !valid_utf8(in[a].s, in[a].len))
            return cw_reject_set(rej, CW_REJ_BAD_ATTRIBUTE, "%s: not valid UTF-8", name);
        char *dst = attrs[a].off ? (char *)ev + attrs[a].off : NULL;
        cw_reject_code_t rc = cw_attr_string(name, in[a].s, in[a].len, attrs[a].max, dst, rej);
        if (rc)
            return rc;
        if (a == CW_CE_SPECVERSION && (rc = cw_attr_specversion(in[a].s, in[a].len, rej)))
            return rc;
    }
    cw_reject_code_t rc = cw_attr_type(in[CW_CE_TYPE].s, in[CW_CE_TYPE].len, ev, rej);
    if (rc)
        return rc;
    if (cw_time_parse(in[CW_CE_TIME].s, in[CW_CE_TIME].len, &ev->time, NULL, NULL, 0) != CW_OK ||
        ev->time < INSTANT_MIN || ev->time >= INSTANT_END)
        return cw_reject_set(rej, CW_REJ_BAD_TIME,
                             "%s: not an RFC 3339 date-time with an offset",
                             binary ? attrs[CW_CE_TIME].header : attrs[CW_CE_TIME].key);
    return CW_REJ_NONE;
}

static cw_reject_code_t decode_data_value(const json_t *data, cw_event_t *ev, cw_reject_t *rej)
{
    if (!data || json_is_null(data))
        return cw_reject_set(rej, CW_REJ_MISSING_DATA, "data: missing");
    if (!json_is_object(data))
        return cw_reject_set(rej, CW_REJ_MISSING_DATA, "data: not an object");
    return decode_data(data, ev, rej);
}

static cw_reject_code_t decode_root(const json_t *root, cw_event_t *ev, cw_reject_t *rej)
{
    if (!json_is_object(root))
        return cw_reject_set(rej, CW_REJ_NOT_OBJECT, "event: not a JSON object");
    attr_in_t in[CW_CE__COUNT] = {{0}};
    for (int a = 0; a < CW_CE__COUNT; a++) {
        const json_t *v = json_object_getn(root, attrs[a].key, attrs[a].key_len);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v)) {
            in[a].wrong_type = true;
            continue;
        }
        in[a].s = json_string_value(v);
        in[a].len = json_string_length(v);
    }
    cw_reject_code_t rc = decode_attrs(in, false, ev, rej);
    if (rc)
        return rc;
    return decode_data_value(json_object_getn(root, LIT("data")), ev, rej);
}

/* Starts a decode: rej (or a scratch one) cleared, ev cleared, the size
 * limit checked. */
static cw_reject_code_t begin(size_t len, cw_event_t *ev, cw_reject_t *rej)
{
    rej->code = CW_REJ_NONE;
    rej->detail[0] = '\0';
    cw_event_clear(ev);
    if (len > CW_EVENT_MAX_BYTES)
        return cw_reject_set(rej, CW_REJ_TOO_LARGE, "event: %zu bytes, over the limit of %d", len,
                             CW_EVENT_MAX_BYTES);
    return CW_REJ_NONE;
}

/* Parses len bytes of JSON into a new tree (*root), or rejects naming what. */
static cw_reject_code_t parse(const char *what, const char *buf, size_t len, json_t **root,
                              cw_reject_t *rej)
{
    /* DECODE_ANY so that a scalar is not_object rather than bad_json;
     * ALLOW_NUL so that "\u0000" in a string is reported on its field. */
    json_error_t jerr;
    *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!*root) /* jerr.text may quote the input: not in the detail */
        return cw_reject_set(rej, CW_REJ_BAD_JSON, "%s: not valid JSON (line %d, column %d)", what,
                             jerr.line, jerr.column);
    return CW_REJ_NONE;
}

cw_reject_code_t cw_event_from_json(const char *buf, size_t len, cw_event_t *ev, cw_reject_t *rej)
{
    cw_reject_t scratch;
    if (!rej)
        rej = &scratch;
    cw_reject_code_t rc = begin(len, ev, rej);
    if (rc)
        return rc;
    if (!buf || len == 0)
        return cw_reject_set(rej, CW_REJ_BAD_JSON, "event: empty");
    json_t *root;
    if ((rc = parse("event", buf, len, &root, rej)) != CW_REJ_NONE)
        return rc;
    rc = decode_root(root, ev, rej);
    json_decref(root);
    return rc;
}

/* ---- binary content mode ---- */

static bool name_is(const char *name, const char *want)
{
    return strcasecmp(name, want) == 0;
}

cw_reject_code_t cw_ce_headers_add(cw_ce_headers_t *h, const char *name, const void *value,
                                   size_t size, cw_reject_t *rej)
{
    cw_ce_value_t *slot = NULL;
    const char *slot_name = "content-type";
    if (name_is(name, "content-type")) {
        slot = &h->content_type;
    } else if (strncasecmp(name, "ce_", 3) == 0) {
        for (int a = 0; a < CW_CE__COUNT && !slot; a++)
            if (name_is(name, attrs[a].header)) {
                slot = &h->attr[a];
                slot_name = attrs[a].header;
                h->any = true;
            }
    }
    if (!slot)
        return CW_REJ_NONE; /* not ours: extensions, tracing, ... */
    if (slot->s)
        return cw_reject_set(rej, slot == &h->content_type ? CW_REJ_BAD_CONTENT_TYPE
                                                           : CW_REJ_BAD_ATTRIBUTE,
                             "%s: repeated header", slot_name);
    slot->s = value ? value : "";
    slot->len = value ? size : 0;
    return CW_REJ_NONE;
}

/* Does s (len bytes) start with the media type want, followed by its end,
 * a parameter or space? Case-insensitive, leading spaces skipped. */
static bool media_is(const char *s, size_t len, const char *want)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    size_t n = strlen(want);
    if (len < n || strncasecmp(s, want, n) != 0)
        return false;
    return len == n || s[n] == ';' || s[n] == ' ' || s[n] == '\t';
}

cw_ce_content_t cw_ce_content_type(const cw_ce_headers_t *h)
{
    const cw_ce_value_t *ct = &h->content_type;
    if (!ct->s)
        return CW_CT_ABSENT;
    if (media_is(ct->s, ct->len, "application/json"))
        return CW_CT_JSON;
    if (media_is(ct->s, ct->len, "application/cloudevents+json"))
        return CW_CT_CE_JSON;
    size_t n = sizeof("application/cloudevents") - 1;
    const char *s = ct->s;
    size_t len = ct->len;
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    if (len >= n && strncasecmp(s, "application/cloudevents", n) == 0)
        return CW_CT_CE_OTHER;
    return CW_CT_OTHER;
}

cw_reject_code_t cw_event_from_json_binary(const cw_ce_headers_t *h, const char *data, size_t len,
                                           cw_event_t *ev, cw_reject_t *rej)
{
    cw_reject_t scratch;
    if (!rej)
        rej = &scratch;
    cw_reject_code_t rc = begin(len, ev, rej);
    if (rc)
        return rc;
    switch (cw_ce_content_type(h)) {
    case CW_CT_ABSENT:
    case CW_CT_JSON:
        break;
    case CW_CT_CE_JSON: /* the caller's mistake: that is structured mode */
    case CW_CT_CE_OTHER:
        return cw_reject_set(rej, CW_REJ_BAD_CONTENT_TYPE,
                             "content-type: a CloudEvents event format in binary mode");
    case CW_CT_OTHER:
        return cw_reject_set(rej, CW_REJ_BAD_CONTENT_TYPE,
                             "content-type: binary-mode data must be application/json");
    }
    attr_in_t in[CW_CE__COUNT] = {{0}};
    for (int a = 0; a < CW_CE__COUNT; a++) {
        in[a].s = h->attr[a].s;
        in[a].len = h->attr[a].len;
    }
    if ((rc = decode_attrs(in, true, ev, rej)) != CW_REJ_NONE)
        return rc;
    if (!data || len == 0)
        return cw_reject_set(rej, CW_REJ_MISSING_DATA, "data: missing (empty message value)");
    json_t *root;
    if ((rc = parse("data", data, len, &root, rej)) != CW_REJ_NONE)
        return rc;
    rc = decode_data_value(root, ev, rej);
    json_decref(root);
    return rc;
}

/* Does header value v name the same attribute value as ev has? */
static bool header_agrees(cw_ce_attr_t a, const cw_ce_value_t *v, const cw_event_t *ev)
{
    if (attrs[a].off) {
        const char *m = (const char *)ev + attrs[a].off;
        return strlen(m) == v->len && memcmp(m, v->s, v->len) == 0;
    }
    switch (a) {
    case CW_CE_SPECVERSION:
        return v->len == 3 && memcmp(v->s, "1.0", 3) == 0;
    case CW_CE_TYPE: {
        const char *name = cw_event_type_name(ev->type);
        size_t p = sizeof(CW_TYPE_PREFIX) - 1, n = name ? strlen(name) : 0;
        return name && v->len == p + n && memcmp(v->s, CW_TYPE_PREFIX, p) == 0 &&
               memcmp(v->s + p, name, n) == 0;
    }
    case CW_CE_TIME: {
        cw_instant_t t;
        return cw_time_parse(v->s, v->len, &t, NULL, NULL, 0) == CW_OK && t == ev->time;
    }
    default:
        return false;
    }
}

cw_reject_code_t cw_event_check_headers(const cw_ce_headers_t *h, const cw_event_t *ev,
                                        cw_reject_t *rej)
{
    for (int a = 0; a < CW_CE__COUNT; a++)
        if (h->attr[a].s && !header_agrees((cw_ce_attr_t)a, &h->attr[a], ev))
            return cw_reject_set(rej, CW_REJ_HEADER_MISMATCH, "%s: disagrees with the event's %s",
                                 attrs[a].header, attrs[a].key);
    return CW_REJ_NONE;
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

/* The data object: the fields of ev's type that are present. */
static void put_data(out_t *o, const cw_event_t *ev)
{
    bool first = true;
    *o->p++ = '{';
    uint32_t todo = COMMON_REQ | COMMON_OPT;
    if (cw_event_type_name(ev->type)) {
        const type_fields_t *tf = &cw_type_fields[ev->type];
        todo = tf->req | tf->opt | tf->any;
    }
    for (; todo; todo &= todo - 1)
        put_field(o, &first, &cw_fields[__builtin_ctz(todo)], ev);
    *o->p++ = '}';
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
    put_data(&o, ev);
    *o.p++ = '}';
    *o.p = '\0';
    return cw_realloc(buf, (size_t)(o.p - buf) + 1);
}

char *cw_event_data_to_json(const cw_event_t *ev)
{
    char *buf = cw_malloc(ENCODE_BOUND);
    out_t o = {buf};
    put_data(&o, ev);
    *o.p = '\0';
    return cw_realloc(buf, (size_t)(o.p - buf) + 1);
}
