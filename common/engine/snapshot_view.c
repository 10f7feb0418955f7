/* Read-only decoding of case snapshots; the layout is documented at the
 * top of snapshot.c (version 1). Kept apart from the restore path so a
 * reader needs no engine, and strict in the same way: every length is
 * checked against the bytes left before it is used. */
#include "engine/snapshot_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "engine/rulepack.h"

#define VERSION 1

/* Fixed sizes of the parts skipped or read whole (see snapshot.c). */
#define ENTITY_FIXED     (1 + 2 + 8 + 5 + 2 + 1 + 4 + 4 + 8 + 4) /* with empty ref */
#define OBLIGATION_FIXED (2 + 1 + 2 + 1 + 4 * 3 + 8 * 3 + 1 + 4 * 2 + 2)

typedef struct {
    const unsigned char *p, *end;
    bool bad;
} reader_t;

static size_t left(const reader_t *r)
{
    return (size_t)(r->end - r->p);
}

static uint64_t get_int(reader_t *r, int bytes)
{
    if (r->bad || left(r) < (size_t)bytes) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += bytes;
    return v;
}

/* A u16-length string into buf (NUL-terminated); longer than max, running
 * past the end or holding a NUL is corrupt. */
static void get_str(reader_t *r, char *buf, size_t max)
{
    size_t n = (size_t)get_int(r, 2);
    buf[0] = '\0';
    if (r->bad || n > max || left(r) < n || memchr(r->p, 0, n)) {
        r->bad = true;
        return;
    }
    memcpy(buf, r->p, n);
    buf[n] = '\0';
    r->p += n;
}

static void skip(reader_t *r, size_t n)
{
    if (r->bad || left(r) < n) {
        r->bad = true;
        return;
    }
    r->p += n;
}

static void skip_entity(reader_t *r)
{
    char ref[CW_REF_MAX + 1];
    skip(r, 1); /* kind */
    get_str(r, ref, CW_REF_MAX);
    skip(r, 8 + 5 + 2 + 1 + 4 + 4 + 8 + 4);
}

static void read_obligation(reader_t *r, cw_snapshot_obligation_t *ob)
{
    char ref[CW_REF_MAX + 1], start_event[CW_ID_MAX + 1];
    get_str(r, ob->rule, CW_SNAPSHOT_RULE_MAX);
    unsigned kind = (unsigned)get_int(r, 1);
    get_str(r, ref, CW_REF_MAX);
    skip(r, 1); /* deadline version */
    ob->start = (cw_date_t)(int32_t)get_int(r, 4);
    ob->nominal_due = (cw_date_t)(int32_t)get_int(r, 4);
    ob->due = (cw_date_t)(int32_t)get_int(r, 4);
    skip(r, 8 * 3); /* cycle_start, warn_at, expiry */
    unsigned phase = (unsigned)get_int(r, 1);
    ob->late_due = (cw_date_t)(int32_t)get_int(r, 4);
    skip(r, 4); /* late_nominal */
    get_str(r, start_event, CW_ID_MAX);
    const char *kind_name = kind < CW_SUBJ__COUNT ? cw_subject_kind_name(kind) : NULL;
    if (r->bad || !kind_name || phase > CW_SNAP_PHASE_BREACHED || !ob->rule[0] || !ref[0]) {
        r->bad = true;
        return;
    }
    ob->phase = (cw_snap_phase_t)phase;
    size_t kl = strlen(kind_name), rl = strlen(ref);
    if (kl + 1 + rl > CW_SUBJECT_MAX) {
        r->bad = true;
        return;
    }
    memcpy(ob->subject, kind_name, kl);
    ob->subject[kl] = ':';
    memcpy(ob->subject + kl + 1, ref, rl + 1);
}

static bool is_kommun(const char *s)
{
    for (int i = 0; i < CW_KOMMUN_LEN; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[CW_KOMMUN_LEN] == '\0';
}

cw_err_t cw_snapshot_summary(const void *snap, size_t len, cw_snapshot_summary_t *out, char *errstr,
                             size_t errstr_size)
{
    memset(out, 0, sizeof(*out));
    reader_t r = {snap, (const unsigned char *)snap + len, false};
    if (!snap || len < 4 || memcmp(snap, "CWS", 3) != 0 || r.p[3] != VERSION)
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "not a casewatch snapshot (v%d)",
                          VERSION);
    r.p += 4;
    get_str(&r, out->id, CW_ID_MAX);
    get_str(&r, out->municipality, CW_KOMMUN_LEN);
    get_str(&r, out->unit, CW_NAME_MAX);
    get_str(&r, out->caseworker, CW_NAME_MAX);
    skip(&r, 2 + 1); /* born */
    out->closed = get_int(&r, 1) != 0;
    skip(&r, 1 + 8); /* source, offset */
    uint64_t n_events = get_int(&r, 4);
    if (r.bad || n_events > left(&r) / 8)
        goto bad;
    skip(&r, (size_t)n_events * 8);
    size_t n_ent = (size_t)get_int(&r, 2);
    if (r.bad || n_ent > left(&r) / ENTITY_FIXED)
        goto bad;
    for (size_t i = 0; i < n_ent && !r.bad; i++)
        skip_entity(&r);
    size_t n_ob = (size_t)get_int(&r, 2);
    if (r.bad || n_ob > left(&r) / OBLIGATION_FIXED)
        goto bad;
    if (n_ob > 0)
        out->obligations = cw_calloc(n_ob, sizeof(*out->obligations));
    for (size_t i = 0; i < n_ob && !r.bad; i++) {
        read_obligation(&r, &out->obligations[i]);
        out->n_obligations = i + 1;
    }
    if (r.bad || r.p != r.end || !out->id[0] || !is_kommun(out->municipality))
        goto bad;
    return CW_OK;
bad:
    cw_snapshot_summary_free(out);
    memset(out, 0, sizeof(*out));
    return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "snapshot: truncated or corrupt");
}

void cw_snapshot_summary_free(cw_snapshot_summary_t *s)
{
    free(s->obligations);
    s->obligations = NULL;
    s->n_obligations = 0;
}

/* ---- clock records (layout in snapshot_view.h) ---- */

#define CLOCK_VERSION 1

size_t cw_clock_key(int partition, char *buf)
{
    memcpy(buf, CW_CLOCK_KEY_PREFIX, CW_CLOCK_KEY_PREFIX_LEN);
    char num[16];
    int n = snprintf(num, sizeof(num), "%d", partition);
    memcpy(buf + CW_CLOCK_KEY_PREFIX_LEN, num, (size_t)n);
    return CW_CLOCK_KEY_PREFIX_LEN + (size_t)n;
}

bool cw_clock_is_key(const void *key, size_t len)
{
    return key && len > CW_CLOCK_KEY_PREFIX_LEN &&
           memcmp(key, CW_CLOCK_KEY_PREFIX, CW_CLOCK_KEY_PREFIX_LEN) == 0;
}

static unsigned char *put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
    return p + bytes;
}

size_t cw_clock_record_write(const cw_clock_record_t *c, unsigned char *buf)
{
    unsigned char *p = buf;
    memcpy(p, "CWC", 3);
    p[3] = CLOCK_VERSION;
    p = put_le(p + 4, (uint64_t)c->stream_time, 8);
    int n = c->n < 0 ? 0 : c->n > CW_CLOCK_TOPICS_MAX ? CW_CLOCK_TOPICS_MAX : c->n;
    *p++ = (unsigned char)n;
    for (int i = 0; i < n; i++) {
        size_t tl = strnlen(c->inputs[i].topic, CW_CLOCK_TOPIC_MAX);
        p = put_le(p, tl, 2);
        memcpy(p, c->inputs[i].topic, tl);
        p = put_le(p + tl, (uint64_t)c->inputs[i].next_offset, 8);
    }
    return (size_t)(p - buf);
}

cw_err_t cw_clock_record_read(const void *value, size_t len, cw_clock_record_t *out, char *errstr,
                              size_t errstr_size)
{
    memset(out, 0, sizeof(*out));
    reader_t r = {value, (const unsigned char *)value + len, false};
    if (!value || len < 4 || memcmp(value, "CWC", 3) != 0 || r.p[3] != CLOCK_VERSION)
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "not a casewatch clock record (v%d)",
                          CLOCK_VERSION);
    r.p += 4;
    out->stream_time = (cw_instant_t)get_int(&r, 8);
    unsigned n = (unsigned)get_int(&r, 1);
    if (n > CW_CLOCK_TOPICS_MAX)
        r.bad = true;
    for (unsigned i = 0; i < n && !r.bad; i++) {
        get_str(&r, out->inputs[i].topic, CW_CLOCK_TOPIC_MAX);
        out->inputs[i].next_offset = (int64_t)get_int(&r, 8);
        if (!out->inputs[i].topic[0] || out->inputs[i].next_offset < -1)
            r.bad = true;
    }
    out->n = (int)n;
    if (r.bad || r.p != r.end || out->stream_time < 0) {
        memset(out, 0, sizeof(*out));
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "clock record: truncated or corrupt");
    }
    return CW_OK;
}
