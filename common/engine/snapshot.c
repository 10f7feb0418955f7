/* Case snapshots for the changelog: a compact, versioned binary record.
 *
 * Binary rather than JSON or Avro because restoring a partition's cases
 * must cost little more than reading its changelog (a JSON parse per case
 * would dominate). Layout, all integers little-endian:
 *
 *   "CWS" version(u8=1)
 *   str id, str municipality, str unit, str caseworker     (str = u16 length + bytes)
 *   i16 born_year, i8 born_month, u8 closed, u8 source, i64 offset
 *   u32 n, n × u64 applied event-id hashes
 *   u16 n, n × entity: u8 kind, str ref, u64 seen, u8 violence, basis, setting,
 *                      end_reason, outcome, i16 born_year, i8 born_month,
 *                      i32 concluded, i32 ended, i64 ended_at, i32 executed
 *   u16 n, n × obligation: str rule, u8 subject kind, str subject ref,
 *                      u8 deadline version, i32 start, nominal_due, due,
 *                      i64 cycle_start, warn_at, expiry, u8 phase,
 *                      i32 late_due, i32 late_nominal, str start_event
 *
 * Rules are stored by id and resolved against the pack on restore, so a
 * pack edit never turns a snapshot into a dangling pointer. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "engine/internal.h"

#define VERSION 1

static void put(cw_jsonw_t *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = cw_realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* Little-endian on the wire whatever the host. */
static void put_int(cw_jsonw_t *b, uint64_t v, int bytes)
{
    unsigned char le[8];
    for (int i = 0; i < bytes; i++)
        le[i] = (unsigned char)(v >> (8 * i));
    put(b, le, (size_t)bytes);
}

static void put_str(cw_jsonw_t *b, const char *s)
{
    size_t n = strlen(s);
    put_int(b, n, 2);
    put(b, s, n);
}

static void write_entity(cw_jsonw_t *b, const entity_t *en)
{
    put_int(b, en->kind, 1);
    put_str(b, en->ref);
    put_int(b, en->seen, 8);
    const uint8_t small[5] = {(uint8_t)en->violence, en->basis, en->setting, en->end_reason,
                              en->outcome};
    put(b, small, 5);
    put_int(b, (uint16_t)en->born_year, 2);
    put_int(b, (uint8_t)en->born_month, 1);
    put_int(b, (uint32_t)en->concluded, 4);
    put_int(b, (uint32_t)en->ended, 4);
    put_int(b, (uint64_t)en->ended_at, 8);
    put_int(b, (uint32_t)en->executed, 4);
}

static void write_obligation(cw_jsonw_t *b, const obligation_t *ob)
{
    put_str(b, ob->rule->id);
    put_int(b, ob->subj->kind, 1);
    put_str(b, ob->subj->ref);
    put_int(b, (uint64_t)(ob->deadline - ob->rule->deadlines), 1);
    put_int(b, (uint32_t)ob->start, 4);
    put_int(b, (uint32_t)ob->nominal_due, 4);
    put_int(b, (uint32_t)ob->due, 4);
    put_int(b, (uint64_t)ob->cycle_start, 8);
    /* Kept in the format (the feed's snapshot view reads it), derived from
     * the dates. */
    put_int(b, ob->rule->warn_days >= 0 ? (uint64_t)obligation_warn_at(ob) : 0, 8);
    put_int(b, (uint64_t)obligation_expiry(ob), 8);
    put_int(b, ob->phase, 1);
    put_int(b, (uint32_t)ob->late_due, 4);
    put_int(b, (uint32_t)ob->late_nominal, 4);
    put_str(b, ob->start_event);
}

void snapshot_write(const case_t *c, cw_jsonw_t *b)
{
    put(b, "CWS", 3);
    put_int(b, VERSION, 1);
    put_str(b, c->id);
    put_str(b, c->municipality);
    put_str(b, c->unit);
    put_str(b, c->caseworker);
    put_int(b, (uint16_t)c->born_year, 2);
    put_int(b, (uint8_t)c->born_month, 1);
    put_int(b, c->closed, 1);
    put_int(b, c->source, 1);
    put_int(b, (uint64_t)c->offset, 8);
    put_int(b, c->n_events, 4);
    for (uint32_t i = 0; i < c->n_events; i++)
        put_int(b, c->event_hashes[i], 8);
    size_t n = 0;
    for (const entity_t *en = c->entities; en; en = en->next)
        n++;
    put_int(b, n, 2);
    for (const entity_t *en = c->entities; en; en = en->next)
        write_entity(b, en);
    n = 0;
    for (const obligation_t *ob = c->obligations; ob; ob = ob->next)
        n++;
    put_int(b, n, 2);
    for (const obligation_t *ob = c->obligations; ob; ob = ob->next)
        write_obligation(b, ob);
}

/* ---- restore ---- */

typedef struct {
    const unsigned char *p, *end;
    bool bad;
} reader_t;

static uint64_t get_int(reader_t *r, int bytes)
{
    if (r->bad || r->end - r->p < bytes) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += bytes;
    return v;
}

/* Copies a string into buf (NUL-terminated); fails if longer than max. */
static size_t get_str(reader_t *r, char *buf, size_t max)
{
    size_t n = (size_t)get_int(r, 2);
    if (r->bad || n > max || (size_t)(r->end - r->p) < n || memchr(r->p, 0, n)) {
        r->bad = true;
        buf[0] = '\0';
        return 0;
    }
    memcpy(buf, r->p, n);
    buf[n] = '\0';
    r->p += n;
    return n;
}

static void read_entity(reader_t *r, case_t *c, entity_t ***tail)
{
    uint8_t kind = (uint8_t)get_int(r, 1);
    char ref[CW_REF_MAX + 1];
    size_t len = get_str(r, ref, CW_REF_MAX);
    if (r->bad || kind >= CW_SUBJ__COUNT) {
        r->bad = true;
        return;
    }
    entity_t *en = state_new_entity(c, (cw_subject_kind_t)kind, ref, len);
    c->entities = en->next; /* state_new_entity prepends; keep the written order */
    en->next = NULL;
    **tail = en;
    *tail = &en->next;
    en->seen = get_int(r, 8);
    en->violence = (cw_tri_t)get_int(r, 1);
    en->basis = (uint8_t)get_int(r, 1);
    en->setting = (uint8_t)get_int(r, 1);
    en->end_reason = (uint8_t)get_int(r, 1);
    en->outcome = (uint8_t)get_int(r, 1);
    en->born_year = (int16_t)get_int(r, 2);
    en->born_month = (int8_t)get_int(r, 1);
    en->concluded = (cw_date_t)(int32_t)get_int(r, 4);
    en->ended = (cw_date_t)(int32_t)get_int(r, 4);
    en->ended_at = (cw_instant_t)get_int(r, 8);
    en->executed = (cw_date_t)(int32_t)get_int(r, 4);
}

static entity_t *find(case_t *c, unsigned kind, const char *ref)
{
    for (entity_t *en = c->entities; en; en = en->next)
        if (en->kind == kind && strcmp(en->ref, ref) == 0)
            return en;
    return NULL;
}

/* Reads one obligation; those of rules no longer in the pack are skipped. */
static void read_obligation(reader_t *r, cw_engine_t *e, case_t *c)
{
    char rule_id[256], ref[CW_REF_MAX + 1], start_event[CW_ID_MAX + 1];
    get_str(r, rule_id, sizeof(rule_id) - 1);
    unsigned kind = (unsigned)get_int(r, 1);
    get_str(r, ref, CW_REF_MAX);
    unsigned version = (unsigned)get_int(r, 1);
    cw_date_t start = (cw_date_t)(int32_t)get_int(r, 4);
    cw_date_t nominal = (cw_date_t)(int32_t)get_int(r, 4);
    cw_date_t due = (cw_date_t)(int32_t)get_int(r, 4);
    cw_instant_t cycle_start = (cw_instant_t)get_int(r, 8);
    get_int(r, 8); /* warn_at and expiry: derived from the dates again */
    get_int(r, 8);
    unsigned phase = (unsigned)get_int(r, 1);
    cw_date_t late_due = (cw_date_t)(int32_t)get_int(r, 4);
    cw_date_t late_nominal = (cw_date_t)(int32_t)get_int(r, 4);
    get_str(r, start_event, CW_ID_MAX);
    if (r->bad)
        return;
    const cw_rule_t *rule = cw_rulepack_find(e->pack, rule_id);
    entity_t *subj = find(c, kind, ref);
    if (!rule || !subj || rule->subject != kind || version >= rule->n_deadlines ||
        phase > PHASE_BREACHED)
        return; /* the pack changed: that duty no longer exists in this form */
    obligation_t *ob = engine_obligation_new(e, c, rule, subj);
    ob->deadline = &rule->deadlines[version];
    ob->start = start;
    ob->nominal_due = nominal;
    ob->due = due;
    ob->cycle_start = cycle_start;
    ob->phase = (phase_t)phase;
    ob->late_due = late_due;
    ob->late_nominal = late_nominal;
    ob->start_event = cw_strdup(start_event);
    engine_schedule(e, ob);
}

static void read_case(reader_t *r, cw_engine_t *e, case_t *c)
{
    char buf[CW_NAME_MAX + 1];
    get_str(r, c->municipality, CW_KOMMUN_LEN);
    get_str(r, buf, CW_NAME_MAX);
    c->unit = state_intern(e, buf);
    get_str(r, buf, CW_NAME_MAX);
    c->caseworker = state_intern(e, buf);
    c->born_year = (int16_t)get_int(r, 2);
    c->born_month = (int8_t)get_int(r, 1);
    c->closed = get_int(r, 1) != 0;
    c->source = (uint8_t)get_int(r, 1);
    c->offset = (int64_t)get_int(r, 8);
    uint32_t n = (uint32_t)get_int(r, 4);
    if (r->bad || n > (size_t)(r->end - r->p) / 8) {
        r->bad = true;
        return;
    }
    c->event_hashes = cw_reallocarray(NULL, n ? n : 1, sizeof(uint64_t));
    c->cap_events = n ? n : 1;
    for (uint32_t i = 0; i < n; i++)
        c->event_hashes[c->n_events++] = get_int(r, 8);
    entity_t **tail = &c->entities;
    unsigned n_ent = (unsigned)get_int(r, 2);
    for (unsigned i = 0; i < n_ent && !r->bad; i++)
        read_entity(r, c, &tail);
    unsigned n_ob = (unsigned)get_int(r, 2);
    for (unsigned i = 0; i < n_ob && !r->bad; i++)
        read_obligation(r, e, c);
    /* engine_obligation_new prepends: put the list back in the order it was
     * written, so a restored case writes the same bytes and applies its
     * obligations in the same order as the case that was never restored. */
    obligation_t *rev = NULL;
    for (obligation_t *ob = c->obligations, *next; ob; ob = next) {
        next = ob->next;
        ob->next = rev;
        rev = ob;
    }
    c->obligations = rev;
}

cw_err_t cw_engine_restore(cw_engine_t *e, const void *snap, size_t len, char *errstr,
                           size_t errstr_size)
{
    reader_t r = {snap, (const unsigned char *)snap + len, false};
    char id[CW_ID_MAX + 1];
    if (len < 4 || memcmp(snap, "CWS", 3) != 0 || ((const unsigned char *)snap)[3] != VERSION)
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "not a casewatch snapshot (v%d)",
                          VERSION);
    r.p += 4;
    size_t id_len = get_str(&r, id, CW_ID_MAX);
    if (r.bad || id_len == 0)
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "snapshot: bad case id");
    /* The held case (if any) leaves the map but is kept until the new one
     * has been read whole, so a corrupt record changes nothing. */
    case_t *old = state_find_case(e, id, id_len);
    if (old) {
        casemap_remove(&e->cases, old);
        e->stats.cases--;
    }
    case_t *c = state_new_case(e, id, id_len);
    read_case(&r, e, c);
    bool ok = !r.bad && r.p == r.end;
    if (!ok)
        engine_free_case(e, c);
    if (old && ok) {
        engine_free_case_memory(e, old);
    } else if (old) {
        casemap_put(&e->cases, old);
        e->stats.cases++;
    }
    return ok ? CW_OK
              : cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "snapshot: truncated or corrupt");
}
