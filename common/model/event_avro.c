#include "model/event_avro.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/avro_plan.h"
#include "model/event_json.h"
#include "model/fields.h"

/* Array and map items per datum: items of an empty type take no bytes,
 * so the input length alone does not bound the loop. */
#define MAX_ITEMS 65536

typedef struct {
    const uint8_t *p, *end;
    const cw_avro_plan_t *plan;
    cw_event_t *ev;
    cw_reject_t *rej;
    uint32_t seen;   /* data fields set */
    unsigned attrs;  /* 1 << target_t of the envelope attributes read */
    int data_event;  /* event type of the data record read, or -1 */
    bool named;      /* a data record read by field names was read */
    int type_attr;   /* event type named by the type attribute, or -1 */
    unsigned budget; /* array/map items left */
    /* The first rejection of a value (not of the bytes' structure): the
     * walk goes on to the datum's end, so that a container file's next
     * datum is found; later rejections go to scratch. */
    cw_reject_code_t sem;
    cw_reject_t scratch;
} dec_t;

static cw_reject_code_t sem(dec_t *d, cw_reject_code_t rc)
{
    if (rc != CW_REJ_NONE && rc != CW_REJ_BAD_AVRO && !d->sem) {
        d->sem = rc;
        d->rej = &d->scratch;
    }
    return rc == CW_REJ_BAD_AVRO ? rc : CW_REJ_NONE;
}

#define BAD(d, ...) cw_reject_set((d)->rej, CW_REJ_BAD_AVRO, __VA_ARGS__)

/* A zig-zag varint of at most 10 bytes. */
static cw_reject_code_t read_long(dec_t *d, int64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (d->p >= d->end)
            return BAD(d, "avro: truncated");
        uint8_t b = *d->p++;
        if (shift == 63 && b > 1)
            return BAD(d, "avro: a varint longer than 64 bits");
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return CW_REJ_NONE;
        }
    }
    return BAD(d, "avro: a varint longer than 10 bytes");
}

/* A length prefix: checked against the bytes left before anything reads
 * it, so no length is ever trusted. */
static cw_reject_code_t read_len(dec_t *d, size_t *out)
{
    int64_t n = 0; /* set on success; GCC -O3 cannot see that */
    cw_reject_code_t rc = read_long(d, &n);
    if (rc)
        return rc;
    if (n < 0)
        return BAD(d, "avro: a negative length");
    if ((uint64_t)n > (uint64_t)(d->end - d->p))
        return BAD(d, "avro: a length past the end of the message");
    *out = (size_t)n;
    return CW_REJ_NONE;
}

static cw_reject_code_t skip(dec_t *d, size_t n)
{
    if (n > (size_t)(d->end - d->p))
        return BAD(d, "avro: truncated");
    d->p += n;
    return CW_REJ_NONE;
}

static const char *attr_name(target_t t)
{
    switch (t) {
    case A_ID:
        return "id";
    case A_SOURCE:
        return "source";
    case A_TYPE:
        return "type";
    case A_SUBJECT:
        return "subject";
    case A_SPECVERSION:
        return "specversion";
    case A_TIME:
        return "time";
    default:
        return "data";
    }
}

/* The data field node n fills, or -1: A_NAMED fills the field of its name
 * that the type attribute's type has (none: skipped, as the JSON decoder
 * ignores keys a type does not have). */
static int field_of(const dec_t *d, const node_t *n)
{
    if (n->target == A_FIELD)
        return n->field;
    if (n->target != A_NAMED || d->type_attr < 0)
        return -1;
    const field_t *fd = &cw_fields[n->field];
    return cw_field_lookup((cw_event_type_t)d->type_attr, fd->name, fd->name_len);
}

static cw_reject_code_t ms_of(dec_t *d, const node_t *n, int64_t v, cw_instant_t *out)
{
    if (n->logical == L_TS_MICROS) /* floor: -1 µs is in the ms before 0 */
        v = v / 1000 - (v % 1000 < 0);
    *out = v;
    (void)d;
    return CW_REJ_NONE;
}

static cw_reject_code_t string_value(dec_t *d, const node_t *n, const char *s, size_t len)
{
    cw_event_t *ev = d->ev;
    cw_reject_code_t rc = CW_REJ_NONE;
    switch ((target_t)n->target) {
    case A_NONE:
    case A_DATA:
        return CW_REJ_NONE;
    case A_ID:
        rc = cw_attr_string("id", s, len, CW_ID_MAX, ev->id, d->rej);
        break;
    case A_SOURCE:
        rc = cw_attr_string("source", s, len, CW_SOURCE_MAX, ev->source, d->rej);
        break;
    case A_SUBJECT:
        rc = cw_attr_string("subject", s, len, CW_ID_MAX, ev->subject, d->rej);
        break;
    case A_SPECVERSION:
        rc = cw_attr_specversion(s, len, d->rej);
        break;
    case A_TYPE: {
        cw_event_t scratch;
        scratch.type = CW_EV__COUNT;
        rc = cw_attr_string("type", s, len, 0, NULL, d->rej);
        if (!rc)
            rc = cw_attr_type(s, len, &scratch, d->rej);
        d->type_attr = (int)scratch.type;
        break;
    }
    case A_TIME:
        if (cw_time_parse(s, len, &ev->time, NULL, NULL, 0) != CW_OK || ev->time < INSTANT_MIN ||
            ev->time >= INSTANT_END)
            rc = cw_reject_set(d->rej, CW_REJ_BAD_TIME,
                               "time: not an RFC 3339 date-time with an offset");
        break;
    case A_FIELD:
    case A_NAMED: {
        int f = field_of(d, n);
        if (f < 0)
            return CW_REJ_NONE;
        rc = cw_field_set_string(&cw_fields[f], s, len, ev, d->rej);
        if (!rc)
            d->seen |= FIELD_BIT(f);
        return sem(d, rc);
    }
    }
    if (!rc)
        d->attrs |= 1u << n->target;
    return sem(d, rc);
}

static cw_reject_code_t long_value(dec_t *d, const node_t *n, int64_t v)
{
    cw_instant_t t;
    if (n->target == A_TIME) {
        ms_of(d, n, v, &t);
        cw_reject_code_t rc = cw_attr_time_ms(t, d->ev, d->rej);
        if (!rc)
            d->attrs |= 1u << A_TIME;
        return sem(d, rc);
    }
    int f = field_of(d, n);
    if (f < 0)
        return CW_REJ_NONE;
    const field_t *fd = &cw_fields[f];
    cw_reject_code_t rc;
    if (fd->kind == K_DATE) {
        rc = cw_field_set_date(fd, (cw_date_t)v, d->ev, d->rej);
    } else {
        ms_of(d, n, v, &t);
        rc = cw_field_set_instant(fd, t, d->ev, d->rej);
    }
    if (!rc)
        d->seen |= FIELD_BIT(f);
    return sem(d, rc);
}

static cw_reject_code_t decode(dec_t *d, uint32_t idx);

static cw_reject_code_t decode_items(dec_t *d, const node_t *n)
{
    for (;;) {
        int64_t count;
        cw_reject_code_t rc = read_long(d, &count);
        if (rc)
            return rc;
        if (count == 0)
            return CW_REJ_NONE;
        if (count < 0) { /* a block with its size in bytes */
            if (count == INT64_MIN)
                return BAD(d, "avro: a block count out of range");
            count = -count;
            size_t size;
            if ((rc = read_len(d, &size)) != CW_REJ_NONE)
                return rc;
        }
        if ((uint64_t)count > d->budget)
            return BAD(d, "avro: more than %d array or map items", MAX_ITEMS);
        d->budget -= (unsigned)count;
        for (int64_t i = 0; i < count; i++) {
            size_t klen = 0;
            if (n->type == N_MAP && ((rc = read_len(d, &klen)) || (rc = skip(d, klen))))
                return rc;
            if ((rc = decode(d, n->first)) != CW_REJ_NONE)
                return rc;
        }
    }
}

static cw_reject_code_t decode_union(dec_t *d, const node_t *n)
{
    int64_t b;
    cw_reject_code_t rc = read_long(d, &b);
    if (rc)
        return rc;
    if (b < 0 || (uint64_t)b >= n->n)
        return BAD(d, "avro: union branch %lld out of range", (long long)b);
    uint32_t k = d->plan->kids[n->first + (uint32_t)b];
    if (d->plan->nodes[k].type == N_NULL && n->target == A_DATA)
        return sem(d, cw_reject_set(d->rej, CW_REJ_MISSING_DATA, "data: missing"));
    return decode(d, k);
}

static cw_reject_code_t decode_record(dec_t *d, const node_t *n)
{
    if (n->target == A_DATA) {
        d->attrs |= 1u << A_DATA;
        if (n->event < 0) /* read by field names: the type attribute's type */
            d->named = true;
        else
            d->ev->type = (cw_event_type_t)n->event;
        d->data_event = n->event;
    }
    for (uint32_t i = 0; i < n->n; i++) {
        cw_reject_code_t rc = decode(d, d->plan->kids[n->first + i]);
        if (rc)
            return rc;
    }
    return CW_REJ_NONE;
}

static cw_reject_code_t decode(dec_t *d, uint32_t idx)
{
    const node_t *n = &d->plan->nodes[idx];
    cw_reject_code_t rc;
    int64_t v;
    size_t len;
    switch ((node_type_t)n->type) {
    case N_NULL:
        return CW_REJ_NONE;
    case N_BOOL: {
        if (d->p >= d->end)
            return BAD(d, "avro: truncated");
        if (*d->p > 1)
            return BAD(d, "avro: a boolean that is neither 0 nor 1");
        int f = field_of(d, n);
        if (f >= 0) {
            cw_field_set_bool(&cw_fields[f], *d->p == 1, d->ev);
            d->seen |= FIELD_BIT(f);
        }
        d->p++;
        return CW_REJ_NONE;
    }
    case N_INT:
    case N_LONG:
        if ((rc = read_long(d, &v)) != CW_REJ_NONE)
            return rc;
        if (n->type == N_INT && (v < INT32_MIN || v > INT32_MAX))
            return BAD(d, "avro: an int out of range");
        return long_value(d, n, v);
    case N_FLOAT:
        return skip(d, 4);
    case N_DOUBLE:
        return skip(d, 8);
    case N_BYTES:
    case N_STRING: {
        if ((rc = read_len(d, &len)) != CW_REJ_NONE)
            return rc;
        const char *s = (const char *)d->p;
        d->p += len;
        return n->type == N_STRING ? string_value(d, n, s, len) : CW_REJ_NONE;
    }
    case N_FIXED:
        return skip(d, n->n);
    case N_ENUM:
        if ((rc = read_long(d, &v)) != CW_REJ_NONE)
            return rc;
        if (v < 0 || (uint64_t)v >= n->n)
            return BAD(d, "avro: enum index %lld out of range", (long long)v);
        int f = field_of(d, n);
        if (f < 0)
            return CW_REJ_NONE;
        const field_t *fd = &cw_fields[f];
        if (f == n->field) {
            rc = cw_field_set_enum(fd, d->plan->symval[n->first + v], d->ev, d->rej);
        } else { /* an EndReason symbol as another type's free-text reason */
            const char *sym = d->plan->symname[n->first + v];
            rc = cw_field_set_string(fd, sym, strlen(sym), d->ev, d->rej);
        }
        if (rc)
            return sem(d, rc);
        d->seen |= FIELD_BIT(f);
        return CW_REJ_NONE;
    case N_ARRAY:
    case N_MAP:
        return decode_items(d, n);
    case N_UNION:
        return decode_union(d, n);
    case N_RECORD:
        return decode_record(d, n);
    }
    return BAD(d, "avro: unsupported type");
}

/* What a JSON event would be rejected for first, in the JSON decoder's
 * order, once all fields were read. */
static cw_reject_code_t finish(dec_t *d)
{
    static const target_t required[] = {A_ID, A_SOURCE, A_SUBJECT, A_TIME};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!(d->attrs & (1u << required[i])))
            return cw_reject_set(d->rej, CW_REJ_MISSING_ATTRIBUTE, "%s: missing",
                                 attr_name(required[i]));
    if (!(d->attrs & (1u << A_DATA)))
        return cw_reject_set(d->rej, CW_REJ_MISSING_DATA, "data: missing");
    if (d->named) {
        if (!(d->attrs & (1u << A_TYPE)))
            return cw_reject_set(d->rej, CW_REJ_MISSING_ATTRIBUTE, "type: missing");
        d->ev->type = (cw_event_type_t)d->type_attr;
    } else if (d->type_attr >= 0 && d->type_attr != d->data_event) {
        return cw_reject_set(d->rej, CW_REJ_BAD_ATTRIBUTE,
                             "type: does not name the type of the data record");
    }
    return cw_fields_finish(d->ev, d->seen, d->rej);
}

cw_reject_code_t cw_event_from_avro_prefix(const cw_avro_plan_t *plan, const void *buf, size_t len,
                                           size_t *used, cw_event_t *ev, cw_reject_t *rej)
{
    cw_reject_t scratch;
    if (!rej)
        rej = &scratch;
    rej->code = CW_REJ_NONE;
    rej->detail[0] = '\0';
    cw_event_clear(ev);
    dec_t d = {.p = buf,
               .end = (const uint8_t *)buf + len,
               .plan = plan,
               .ev = ev,
               .rej = rej,
               .data_event = -1,
               .type_attr = -1,
               .budget = MAX_ITEMS};
    if (!buf)
        d.p = d.end = (const uint8_t *)"";
    cw_reject_code_t rc = decode(&d, plan->root);
    *used = (size_t)(d.p - (const uint8_t *)buf);
    if (rc) /* the structure is broken: rej holds it */
        return rc;
    if (d.sem)
        return d.sem; /* the first rejection, in the caller's rej */
    return finish(&d);
}

cw_reject_code_t cw_event_from_avro(const cw_avro_plan_t *plan, const void *buf, size_t len,
                                    cw_event_t *ev, cw_reject_t *rej)
{
    cw_reject_t scratch;
    if (!rej)
        rej = &scratch;
    if (len > CW_EVENT_MAX_BYTES) {
        cw_event_clear(ev);
        return cw_reject_set(rej, CW_REJ_TOO_LARGE, "event: %zu bytes, over the limit of %d", len,
                             CW_EVENT_MAX_BYTES);
    }
    size_t used;
    cw_reject_code_t rc = cw_event_from_avro_prefix(plan, buf, len, &used, ev, rej);
    if (rc == CW_REJ_BAD_AVRO || (!rc && used == len))
        return rc;
    if (used != len) /* trailing bytes are a broken structure: they win */
        return cw_reject_set(rej, CW_REJ_BAD_AVRO, "avro: %zu bytes after the datum", len - used);
    return rc;
}

/* ---- our own schema ---- */

static cw_avro_plan_t *own_plan;
static pthread_once_t own_once = PTHREAD_ONCE_INIT;

static void compile_own(void)
{
    char err[256];
    own_plan =
        cw_avro_plan_compile(cw_schema_case_event, cw_schema_case_event_len, err, sizeof(err));
    if (!own_plan) { /* the embedded schema is tested: this is a build defect */
        fprintf(stderr, "casewatch: embedded case_event.avsc: %s\n", err);
        abort();
    }
}

const cw_avro_plan_t *cw_avro_event_plan(void)
{
    pthread_once(&own_once, compile_own);
    return own_plan;
}

/* ---- encoding ---- */

void cw_avro_put_long(cw_jsonw_t *out, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = z & 0x7f;
        z >>= 7;
        if (z)
            b[n] |= 0x80;
        n++;
    } while (z);
    cw_jsonw_append(out, b, n);
}

static void put_str(cw_jsonw_t *out, const char *s, size_t len)
{
    cw_avro_put_long(out, (int64_t)len);
    cw_jsonw_append(out, s, len);
}

static bool field_present(const cw_event_t *ev, const field_t *fd)
{
    const char *m = (const char *)ev + fd->off;
    int iv;
    switch ((kind_t)fd->kind) {
    case K_STR:
    case K_KOMMUN:
        return m[0] != '\0';
    case K_BOOL:
    case K_ENUM:
        memcpy(&iv, m, sizeof(iv));
        return iv != 0;
    default:
        return (ev->present & fd->flag) != 0;
    }
}

/* The field node n fills when writing ev, or -1. */
static int write_field_of(const cw_event_t *ev, const node_t *n)
{
    if (n->target == A_FIELD)
        return n->field;
    if (n->target != A_NAMED)
        return -1;
    const field_t *fd = &cw_fields[n->field];
    return cw_field_lookup(ev->type, fd->name, fd->name_len);
}

static bool present(const cw_event_t *ev, const node_t *n)
{
    int f;
    switch ((target_t)n->target) {
    case A_FIELD:
    case A_NAMED:
        f = write_field_of(ev, n);
        return f >= 0 && field_present(ev, &cw_fields[f]);
    case A_ID:
        return ev->id[0] != '\0';
    case A_SOURCE:
        return ev->source[0] != '\0';
    case A_SUBJECT:
        return ev->subject[0] != '\0';
    default:
        return true;
    }
}

static void encode(const cw_avro_plan_t *p, uint32_t idx, const cw_event_t *ev, cw_jsonw_t *out);

/* Writes field f of ev as node n (present: the union chose this branch). */
static void encode_field(const cw_avro_plan_t *p, const node_t *n, int f, const cw_event_t *ev,
                         cw_jsonw_t *out)
{
    const field_t *fd = &cw_fields[f];
    const char *m = (const char *)ev + fd->off;
    int iv;
    cw_date_t dv;
    cw_instant_t tv;
    char buf[16];
    switch ((node_type_t)n->type) {
    case N_BOOL:
        memcpy(&iv, m, sizeof(iv));
        cw_jsonw_append(out, iv == CW_TRI_TRUE ? "\1" : "\0", 1);
        return;
    case N_INT:
        memcpy(&dv, m, sizeof(dv));
        cw_avro_put_long(out, dv);
        return;
    case N_LONG:
        memcpy(&tv, m, sizeof(tv));
        cw_avro_put_long(out, n->logical == L_TS_MICROS ? tv * 1000 : tv);
        return;
    case N_ENUM: {
        memcpy(&iv, m, sizeof(iv));
        const char *name = fd->kind == K_ENUM ? cw_enum_name((cw_enum_t)fd->enum_of, iv) : m;
        uint32_t i = 0;
        while (i < n->n && name && strcmp(p->symname[n->first + i], name) != 0)
            i++;
        cw_avro_put_long(out, i < n->n ? i : 0);
        return;
    }
    default: /* N_STRING */
        if (fd->kind == K_MONTH) {
            snprintf(buf, sizeof(buf), "%04d-%02d", ev->born_year, ev->born_month);
            put_str(out, buf, strlen(buf));
        } else if (fd->kind == K_ENUM) { /* a closed set as a string */
            memcpy(&iv, m, sizeof(iv));
            const char *name = cw_enum_name((cw_enum_t)fd->enum_of, iv);
            put_str(out, name ? name : "", name ? strlen(name) : 0);
        } else {
            put_str(out, m, strlen(m));
        }
        return;
    }
}

static void encode(const cw_avro_plan_t *p, uint32_t idx, const cw_event_t *ev, cw_jsonw_t *out)
{
    const node_t *n = &p->nodes[idx];
    char type[sizeof(CW_TYPE_PREFIX) + 64];
    switch ((node_type_t)n->type) {
    case N_RECORD:
        for (uint32_t i = 0; i < n->n; i++)
            encode(p, p->kids[n->first + i], ev, out);
        return;
    case N_UNION: {
        /* data: the branch of ev's type; otherwise the value or null. */
        uint32_t pick = UINT32_MAX, null_branch = 0;
        for (uint32_t i = 0; i < n->n; i++) {
            const node_t *b = &p->nodes[p->kids[n->first + i]];
            if (b->type == N_NULL)
                null_branch = i;
            else if (n->target == A_DATA ? b->event == (int)ev->type : present(ev, n))
                pick = pick == UINT32_MAX ? i : pick;
        }
        cw_avro_put_long(out, pick != UINT32_MAX ? pick : null_branch);
        if (pick != UINT32_MAX)
            encode(p, p->kids[n->first + pick], ev, out);
        return;
    }
    case N_NULL:
        return;
    default:
        break;
    }
    switch ((target_t)n->target) {
    case A_ID:
        put_str(out, ev->id, strlen(ev->id));
        return;
    case A_SOURCE:
        put_str(out, ev->source, strlen(ev->source));
        return;
    case A_SUBJECT:
        put_str(out, ev->subject, strlen(ev->subject));
        return;
    case A_SPECVERSION:
        put_str(out, "1.0", 3);
        return;
    case A_TYPE:
        snprintf(type, sizeof(type), "%s%s", CW_TYPE_PREFIX,
                 cw_event_type_name(ev->type) ? cw_event_type_name(ev->type) : "");
        put_str(out, type, strlen(type));
        return;
    case A_TIME:
        cw_avro_put_long(out, ev->time);
        return;
    case A_FIELD:
    case A_NAMED:
        encode_field(p, n, write_field_of(ev, n), ev, out);
        return;
    default:
        return;
    }
}

void cw_event_write_avro(const cw_event_t *ev, cw_jsonw_t *out)
{
    const cw_avro_plan_t *p = cw_avro_event_plan();
    encode(p, p->root, ev, out);
}
