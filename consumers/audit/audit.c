/* casewatch-audit's replay: the export through the engine (stream time,
 * as casewatch-replay) with an obligation observer that records how each
 * obligation ended (audit_model.c turns the records into the report
 * model). */
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "base/lines.h"
#include "base/mem.h"
#include "model/event_avro.h"
#include "model/event_json.h"
#include "model/ocf.h"

static const char *intern(cw_audit_t *a, const char *s)
{
    size_t len = strlen(s);
    const char *v = cw_strmap_get(&a->strings, s, len);
    if (v)
        return v;
    char *copy = cw_strdup(s);
    cw_strmap_put(&a->strings, s, len, copy);
    return copy;
}

static uint32_t group_of(cw_audit_t *a, const char *muni, const char *unit)
{
    char key[CW_KOMMUN_LEN + CW_NAME_MAX + 4];
    int n = snprintf(key, sizeof(key), "%s\x1f%s", muni, unit);
    void *v = cw_strmap_get(&a->group_ix, key, (size_t)n);
    if (v)
        return (uint32_t)((uintptr_t)v - 1);
    if (a->n_groups == a->cap_groups) {
        a->cap_groups = a->cap_groups ? a->cap_groups * 2 : 16;
        a->groups = cw_reallocarray(a->groups, a->cap_groups, sizeof(*a->groups));
    }
    group_t *g = &a->groups[a->n_groups];
    snprintf(g->municipality, sizeof(g->municipality), "%s", muni);
    snprintf(g->unit, sizeof(g->unit), "%s", unit);
    cw_strmap_put(&a->group_ix, key, (size_t)n, (void *)(uintptr_t)(a->n_groups + 1));
    return (uint32_t)a->n_groups++;
}

void cw_audit_add_record(cw_audit_t *a, const rec_t *r)
{
    if (a->n_recs == a->cap_recs) {
        a->cap_recs = a->cap_recs ? a->cap_recs * 2 : 4096;
        a->recs = cw_reallocarray(a->recs, a->cap_recs, sizeof(*a->recs));
    }
    a->recs[a->n_recs++] = *r;
}

static void on_note(const cw_obligation_note_t *n, void *opaque)
{
    cw_audit_t *a = opaque;
    char key[32];
    int kl = snprintf(key, sizeof(key), "%p", n->id);
    open_t *o = cw_strmap_get(&a->open, key, (size_t)kl);
    switch (n->change) {
    case CW_OBL_STARTED:
        if (!o) {
            o = cw_calloc(1, sizeof(*o));
            cw_strmap_put(&a->open, key, (size_t)kl, o);
        }
        o->rule = (uint16_t)(n->rule - a->pack->rules);
        o->group = group_of(a, n->municipality, n->unit);
        o->case_id = intern(a, n->case_id);
        o->start = n->start;
        o->due = n->due;
        return;
    case CW_OBL_EXTENDED:
        if (o)
            o->due = n->due;
        return;
    case CW_OBL_SATISFIED:
    case CW_OBL_CANCELLED:
        break;
    }
    if (!o)
        return;
    rec_t r = {
        o->rule, OUT_CANCELLED, o->group, o->case_id, o->start, o->due, cw_time_local_date(n->at)};
    if (n->change == CW_OBL_SATISFIED)
        r.outcome = n->late ? OUT_LATE : OUT_ON_TIME;
    cw_audit_add_record(a, &r);
    cw_strmap_remove(&a->open, key, (size_t)kl);
    free(o);
}

static void on_alert(const cw_alert_t *al, void *opaque)
{
    cw_audit_t *a = opaque;
    if (al->kind != CW_ALERT_VIOLATION)
        return;
    const cw_rule_t *rule = cw_rulepack_find(a->pack, al->rule);
    if (!rule)
        return;
    rec_t r = {(uint16_t)(rule - a->pack->rules),
               OUT_VIOLATION,
               group_of(a, al->municipality, al->unit),
               intern(a, al->case_id),
               al->start,
               al->due,
               al->start};
    cw_audit_add_record(a, &r);
}

cw_audit_t *cw_audit_new(const cw_rulepack_t *pack, const cw_instant_t *as_of)
{
    cw_audit_t *a = cw_calloc(1, sizeof(*a));
    a->pack = pack;
    a->engine = cw_engine_new(pack, on_alert, a);
    cw_engine_observe(a->engine, on_note, a);
    if (as_of) {
        a->as_of = *as_of;
        a->has_as_of = true;
    }
    cw_strmap_init(&a->strings);
    cw_strmap_init(&a->open);
    cw_strmap_init(&a->group_ix);
    cw_strmap_init(&a->timelines);
    return a;
}

void cw_audit_set_period(cw_audit_t *a, const cw_date_t *from, const cw_date_t *to)
{
    a->has_from = from != NULL;
    a->has_to = to != NULL;
    if (from)
        a->from = *from;
    if (to)
        a->to = *to;
}

void cw_audit_set_progress(cw_audit_t *a, cw_audit_progress_t *cb, void *opaque)
{
    a->progress = cb;
    a->progress_opaque = opaque;
}

static void free_values(cw_strmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            free(m->slots[i].value);
    cw_strmap_free(m);
}

void cw_audit_destroy(cw_audit_t *a)
{
    if (!a)
        return;
    cw_engine_destroy(a->engine);
    free_values(&a->strings);
    free_values(&a->open);
    for (size_t i = 0; i < a->timelines.cap; i++)
        if (a->timelines.slots[i].key)
            free(((timeline_t *)a->timelines.slots[i].value)->steps);
    free_values(&a->timelines);
    cw_strmap_free(&a->group_ix);
    free(a->groups);
    free(a->recs);
    free(a);
}

/* ---- input: as casewatch-replay (stream time = greatest event time) ---- */

/* An applied event: on its case's timeline, and a trigger record for each
 * required-before or forbidden rule its type can trigger. */
static void applied(cw_audit_t *a)
{
    const cw_event_t *ev = &a->ev;
    a->events++;
    size_t len = strlen(ev->subject);
    timeline_t *t = cw_strmap_get(&a->timelines, ev->subject, len);
    if (!t) {
        t = cw_calloc(1, sizeof(*t));
        cw_strmap_put(&a->timelines, ev->subject, len, t);
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->steps = cw_reallocarray(t->steps, t->cap, sizeof(*t->steps));
    }
    t->steps[t->n++] = (step_t){ev->time, ev->type};
    for (size_t i = 0; i < a->pack->n_dispatch[ev->type]; i++) {
        const cw_dispatch_t *d = &a->pack->dispatch[ev->type][i];
        if (!(d->roles & CW_ROLE_TRIGGER) ||
            (d->rule->kind != CW_RULE_REQUIRED_BEFORE && d->rule->kind != CW_RULE_FORBIDDEN))
            continue;
        cw_date_t day = cw_time_local_date(ev->time);
        rec_t r = {(uint16_t)(d->rule - a->pack->rules),
                   OUT_TRIGGER,
                   group_of(a, ev->municipality, ev->unit),
                   intern(a, ev->subject),
                   day,
                   day,
                   day};
        cw_audit_add_record(a, &r);
    }
}

static void handle_event(cw_audit_t *a, cw_reject_code_t rc)
{
    if (a->progress && (a->lines & 4095) == 0)
        a->progress(a->lines, a->progress_opaque);
    if (rc != CW_REJ_NONE) {
        a->rejected++;
        return;
    }
    if (!a->seen || a->ev.time > a->last_seen)
        a->last_seen = a->ev.time;
    a->seen = true;
    if (a->has_as_of && a->ev.time > a->as_of) {
        a->after++; /* not yet happened as of the report date */
        return;
    }
    if (!a->clock_set || a->ev.time > a->clock)
        a->clock = a->ev.time;
    if (!a->clock_set || a->ev.time < a->first)
        a->first = a->ev.time;
    a->clock_set = true;
    bool dup;
    cw_reject_t rej;
    if (cw_engine_apply(a->engine, &a->ev, a->clock, &dup, &rej) != CW_REJ_NONE)
        a->rejected++;
    else if (dup)
        a->duplicates++;
    else
        applied(a);
}

static bool on_line(const char *line, size_t len, bool too_long, unsigned long long offset,
                    void *opaque)
{
    (void)offset;
    cw_audit_t *a = opaque;
    cw_reject_t rej;
    handle_event(a, too_long ? CW_REJ_TOO_LARGE : cw_event_from_json(line, len, &a->ev, &rej));
    return true;
}

int cw_audit_feed_json(cw_audit_t *a, FILE *in)
{
    return cw_lines_read(in, CW_EVENT_MAX_BYTES, on_line, a, &a->lines);
}

static void on_avro_event(cw_reject_code_t rc, cw_reject_t *rej, void *opaque)
{
    (void)rej;
    cw_audit_t *a = opaque;
    a->lines++;
    handle_event(a, rc);
}

int cw_audit_feed_avro(cw_audit_t *a, FILE *in, char *errstr, size_t errstr_size)
{
    return cw_ocf_read_events(in, &a->ev, on_avro_event, a, errstr, errstr_size);
}
