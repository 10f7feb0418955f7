/* The rule engine: obligations start, are satisfied, extended, cancelled,
 * warn and breach; forbidden and missing-prerequisite outcomes are
 * violations. Semantics: tests/scenarios/SEMANTICS.md and EVENTS.md. */
#include "engine/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "engine/internal.h"

cw_engine_t *cw_engine_new(const cw_rulepack_t *pack, cw_alert_cb_t *cb, void *opaque)
{
    cw_engine_t *e = cw_calloc(1, sizeof(*e));
    e->pack = pack;
    e->cb = cb;
    e->opaque = opaque;
    casemap_init(&e->cases);
    cw_strmap_init(&e->strings);
    cw_index_init(&e->index);
    e->offset = -1;
    return e;
}

static void free_obligation(obligation_t *ob)
{
    free(ob->start_event);
    free(ob);
}

/* Frees a case and its obligations, leaving the case map untouched. */
void engine_free_case_memory(cw_engine_t *e, case_t *c)
{
    if (c->dirty) {
        for (size_t i = 0; i < e->n_changed; i++) {
            if (e->changed[i] == c) {
                e->changed[i] = e->changed[--e->n_changed];
                break;
            }
        }
    }
    for (obligation_t *ob = c->obligations, *next; ob; ob = next) {
        next = ob->next;
        cw_index_remove(&e->index, &ob->ix);
        free_obligation(ob);
        e->stats.obligations--;
    }
    state_free_case(c);
}

void engine_free_case(cw_engine_t *e, case_t *c)
{
    casemap_remove(&e->cases, c);
    e->stats.cases--;
    engine_free_case_memory(e, c);
}

void cw_engine_destroy(cw_engine_t *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->cases.cap; i++)
        if (e->cases.slots[i])
            engine_free_case_memory(e, e->cases.slots[i]);
    free(e->changed);
    casemap_free(&e->cases);
    cw_strmap_free(&e->strings);
    cw_index_free(&e->index);
    free(e);
}

void cw_engine_get_stats(const cw_engine_t *e, cw_engine_stats_t *out)
{
    *out = e->stats;
}

/* ---- alerts ---- */

static void add_refs(cw_alert_t *a, const cw_rule_t *rule, cw_date_t start, cw_date_t at)
{
    /* The law in force at start first, then any other in force when the
     * alert is made (a case that spans SoL 2001:453 → 2025:400 shows both). */
    cw_date_t days[2] = {start, at};
    bool used[CW_ALERT_MAX_REFS] = {false};
    for (int d = 0; d < 2; d++) {
        for (size_t i = 0; i < rule->n_refs && a->n_refs < CW_ALERT_MAX_REFS; i++) {
            const cw_rule_ref_t *r = &rule->refs[i];
            if (used[i] || days[d] < r->from || days[d] > r->to)
                continue;
            used[i] = true;
            a->refs[a->n_refs++] = (cw_legal_ref_t){r->law, r->ref, r->url};
        }
    }
}

static void render_texts(const cw_engine_t *e, cw_alert_t *a, const cw_rule_t *rule,
                         const char *subject_id)
{
    char due[CW_DATE_STR_SIZE], nominal[CW_DATE_STR_SIZE], start[CW_DATE_STR_SIZE];
    char days[16];
    snprintf(days, sizeof(days), "%d", a->days_overdue);
    cw_template_var_t vars[12] = {
        {"due", cw_date_format(a->due, due)},
        {"nominal_due", cw_date_format(a->nominal_due, nominal)},
        {"start", cw_date_format(a->start, start)},
        {"subject", a->subject},
        {"subject_id", subject_id},
        {"case", a->case_id},
        {"days_overdue", days},
        {"rule", rule->id},
    };
    char title_sv[CW_ALERT_TEXT_SIZE], title_en[CW_ALERT_TEXT_SIZE];
    char msg_sv[CW_ALERT_TEXT_SIZE], msg_en[CW_ALERT_TEXT_SIZE];
    cw_template_render(rule->title_sv, vars, 8, title_sv, sizeof(title_sv));
    cw_template_render(rule->title_en, vars, 8, title_en, sizeof(title_en));
    cw_template_render(rule->message_sv, vars, 8, msg_sv, sizeof(msg_sv));
    cw_template_render(rule->message_en, vars, 8, msg_en, sizeof(msg_en));
    vars[8] = (cw_template_var_t){"title_sv", title_sv};
    vars[9] = (cw_template_var_t){"title_en", title_en};
    vars[10] = (cw_template_var_t){"message_sv", msg_sv};
    vars[11] = (cw_template_var_t){"message_en", msg_en};
    const cw_kind_texts_t *k = &e->pack->kinds[a->kind];
    cw_template_render(k->title_sv, vars, 12, a->title_sv, sizeof(a->title_sv));
    cw_template_render(k->title_en, vars, 12, a->title_en, sizeof(a->title_en));
    cw_template_render(k->message_sv, vars, 12, a->message_sv, sizeof(a->message_sv));
    cw_template_render(k->message_en, vars, 12, a->message_en, sizeof(a->message_en));
}

typedef struct {
    cw_alert_kind_t kind;
    const cw_rule_t *rule;
    const case_t *c;
    const entity_t *subj;
    cw_date_t start, nominal_due, due;
    cw_instant_t at;
    int days_overdue;
    const char *start_event, *end_event;
} alert_args_t;

/* strlcpy: snprintf("%s") costs several times more on the alert path. */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void emit(cw_engine_t *e, const alert_args_t *x)
{
    cw_alert_t a;
    a.kind = x->kind;
    a.rule = x->rule->id;
    a.severity = x->rule->severity;
    copy(a.case_id, sizeof(a.case_id), x->c->id);
    const char *kind = cw_subject_kind_name(x->rule->subject);
    size_t kl = strlen(kind);
    memcpy(a.subject, kind, kl);
    a.subject[kl] = ':';
    copy(a.subject + kl + 1, sizeof(a.subject) - kl - 1, x->subj->ref);
    memcpy(a.municipality, x->c->municipality, sizeof(a.municipality));
    copy(a.unit, sizeof(a.unit), x->c->unit);
    copy(a.caseworker, sizeof(a.caseworker), x->c->caseworker);
    a.start = x->start;
    a.due = x->due;
    a.nominal_due = x->nominal_due;
    a.at = x->at;
    a.days_overdue = x->days_overdue;
    a.n_refs = 0;
    add_refs(&a, x->rule, x->start, cw_time_local_date(x->at));
    copy(a.start_event, sizeof(a.start_event), x->start_event);
    copy(a.end_event, sizeof(a.end_event), x->end_event ? x->end_event : "");
    cw_alert_make_id(&a);
    render_texts(e, &a, x->rule, x->subj->ref);
    e->stats.alerts[a.kind]++;
    if (e->cb)
        e->cb(&a, e->opaque);
}

static void emit_due(cw_engine_t *e, const obligation_t *ob, cw_alert_kind_t kind, cw_date_t due,
                     cw_date_t nominal, cw_instant_t at, int days_overdue, const char *end_event)
{
    alert_args_t x = {kind, ob->rule, ob->c,        ob->subj,        ob->start, nominal,
                      due,  at,       days_overdue, ob->start_event, end_event};
    emit(e, &x);
}

static void emit_for(cw_engine_t *e, const obligation_t *ob, cw_alert_kind_t kind, cw_instant_t at,
                     int days_overdue, const char *end_event)
{
    emit_due(e, ob, kind, ob->due, ob->nominal_due, at, days_overdue, end_event);
}

/* ---- obligations ---- */

void cw_engine_observe(cw_engine_t *e, cw_obligation_cb_t *cb, void *opaque)
{
    e->observer = cb;
    e->observer_opaque = opaque;
}

static void note(cw_engine_t *e, const obligation_t *ob, cw_obligation_change_t change,
                 const cw_event_t *ev, bool late)
{
    if (!e->observer)
        return;
    cw_obligation_note_t n = {
        .change = change,
        .id = ob,
        .rule = ob->rule,
        .case_id = ob->c->id,
        .municipality = ob->c->municipality,
        .unit = ob->c->unit,
        .subject_ref = ob->subj->ref,
        .start = ob->start,
        .nominal_due = ob->nominal_due,
        .due = ob->due,
        .at = ev->time,
        .event_id = ev->id,
        .late = late,
    };
    e->observer(&n, e->observer_opaque);
}

void engine_schedule(cw_engine_t *e, obligation_t *ob)
{
    if (ob->phase == PHASE_BREACHED)
        cw_index_remove(&e->index, &ob->ix);
    else
        cw_index_set(&e->index, &ob->ix,
                     ob->phase == PHASE_WARN ? obligation_warn_at(ob) : obligation_expiry(ob));
}

obligation_t *engine_obligation_new(cw_engine_t *e, case_t *c, const cw_rule_t *rule,
                                    entity_t *subj)
{
    obligation_t *ob = cw_calloc(1, sizeof(*ob));
    cw_index_item_init(&ob->ix);
    ob->late_due = ob->late_nominal = NO_DATE;
    ob->rule = rule;
    ob->c = c;
    ob->subj = subj;
    ob->next = c->obligations;
    c->obligations = ob;
    e->stats.obligations++;
    return ob;
}

cw_instant_t obligation_expiry(const obligation_t *ob)
{
    return cw_time_day_start(ob->due + 1);
}

cw_instant_t obligation_warn_at(const obligation_t *ob)
{
    return cw_time_day_start(ob->nominal_due - ob->rule->warn_days);
}

/* Sets nominal_due, due and the phase from a nominal due. */
static void set_due(obligation_t *ob, cw_date_t nominal)
{
    ob->nominal_due = nominal;
    ob->due = ob->rule->roll_forward ? cw_cal_roll_forward(nominal) : nominal;
    if (ob->rule->warn_days >= 0) {
        ob->phase = obligation_warn_at(ob) < obligation_expiry(ob) ? PHASE_WARN : PHASE_BREACH;
    } else {
        ob->phase = PHASE_BREACH;
    }
}

static void unlink_obligation(cw_engine_t *e, obligation_t *ob)
{
    cw_index_remove(&e->index, &ob->ix);
    for (obligation_t **p = &ob->c->obligations; *p; p = &(*p)->next) {
        if (*p == ob) {
            *p = ob->next;
            break;
        }
    }
    e->stats.obligations--;
    free_obligation(ob);
}

static obligation_t *find_open(const case_t *c, const cw_rule_t *rule, const entity_t *subj)
{
    for (obligation_t *ob = c->obligations; ob; ob = ob->next)
        if (ob->rule == rule && ob->subj == subj)
            return ob;
    return NULL;
}

/* The date the first interval counts from (EVENTS.md §3 "due" column). */
static cw_date_t anchor_date(const cw_rule_t *rule, const cw_event_t *ev, const entity_t *subj)
{
    switch (rule->anchor) {
    case CW_ANCHOR_EXECUTED_AT:
        return subj->executed;
    case CW_ANCHOR_CONCLUDED:
        return subj->concluded;
    case CW_ANCHOR_ENDED:
        return subj->ended;
    case CW_ANCHOR_EVENT:
        break;
    }
    return cw_time_local_date(ev->time);
}

static void start_obligation(cw_engine_t *e, case_t *c, const cw_rule_t *rule, entity_t *subj,
                             const cw_event_t *ev)
{
    /* The version of the law is chosen by the day the obligation starts. */
    const cw_deadline_t *d = cw_rule_deadline_for(rule, cw_time_local_date(ev->time));
    if (!d)
        return; /* the duty did not exist then */
    obligation_t *old = find_open(c, rule, subj);
    if (old) {
        note(e, old, CW_OBL_CANCELLED, ev, false);
        unlink_obligation(e, old);
    }
    obligation_t *ob = engine_obligation_new(e, c, rule, subj);
    ob->deadline = d;
    ob->start_event = cw_strdup(ev->id);
    ob->cycle_start = ev->time;
    ob->start = anchor_date(rule, ev, subj);
    cw_date_t nominal;
    if (d->genast) {
        /* "genast": the same day, or the next if it came in from the cut-off. */
        int sod;
        cw_time_to_local(ev->time, NULL, &sod);
        nominal = ob->start + (sod >= e->pack->genast_cutoff_sec ? 1 : 0);
    } else {
        nominal = cw_cal_add(ob->start, d->period);
    }
    set_due(ob, nominal);
    engine_schedule(e, ob);
    note(e, ob, CW_OBL_STARTED, ev, false);
}

/* A satisfying event: close (with resolved/withdrawn after a breach) and,
 * for recurring rules, start the next cycle from the event's date. */
static void satisfy(cw_engine_t *e, obligation_t *ob, const cw_event_t *ev, cw_instant_t now)
{
    if (ob->rule->kind == CW_RULE_RECURRING && ev->time < ob->cycle_start)
        return; /* older than the current cycle: it belongs to one already closed */
    bool after_expiry = ob->phase == PHASE_BREACHED && ev->time >= obligation_expiry(ob);
    note(e, ob, CW_OBL_SATISFIED, ev, ob->late_due != NO_DATE || after_expiry);
    if (ob->late_due != NO_DATE) {
        emit_due(e, ob, CW_ALERT_RESOLVED, ob->late_due, ob->late_nominal, now,
                 cw_time_local_date(ev->time) - ob->late_due, ev->id);
        ob->late_due = ob->late_nominal = NO_DATE;
    }
    if (ob->phase == PHASE_BREACHED) {
        if (after_expiry)
            emit_for(e, ob, CW_ALERT_RESOLVED, now, cw_time_local_date(ev->time) - ob->due, ev->id);
        else
            emit_for(e, ob, CW_ALERT_WITHDRAWN, now, 0, ev->id);
    }
    if (ob->rule->kind != CW_RULE_RECURRING) {
        unlink_obligation(e, ob);
        return;
    }
    free(ob->start_event);
    ob->start_event = cw_strdup(ev->id);
    ob->cycle_start = ev->time;
    ob->start = cw_time_local_date(ev->time);
    set_due(ob, cw_cal_add(ob->start, ob->deadline->repeat));
    engine_schedule(e, ob);
    note(e, ob, CW_OBL_STARTED, ev, false);
}

/* An extension decision moves the due date to `until`. */
static void extend(cw_engine_t *e, obligation_t *ob, const cw_event_t *ev, cw_instant_t now)
{
    if (ob->phase == PHASE_BREACHED && ev->time < obligation_expiry(ob)) {
        emit_for(e, ob, CW_ALERT_WITHDRAWN, now, 0, ev->id); /* decided in time */
    } else if (ob->phase == PHASE_BREACHED && ob->late_due == NO_DATE) {
        ob->late_due = ob->due; /* decided too late: the breach stands */
        ob->late_nominal = ob->nominal_due;
    }
    set_due(ob, ev->until);
    emit_for(e, ob, CW_ALERT_EXTENDED, now, 0, ev->id);
    engine_schedule(e, ob);
    note(e, ob, CW_OBL_EXTENDED, ev, false);
}

/* ---- conditions ---- */

/* Under 18 at date, or age unknown (when in doubt, the duty applies). A
 * child born in month M of year Y is surely 18 from the first day of the
 * month after M of year Y+18. */
static bool minor_on(const case_t *c, const entity_t *pl, const cw_event_t *ev)
{
    if (ev->type == CW_EV_PLACEMENT_ENDED && ev->end_reason == CW_END_TURNED_18)
        return false;
    int y = pl && pl->born_year ? pl->born_year : c->born_year;
    int m = pl && pl->born_year ? pl->born_month : c->born_month;
    if (!y)
        return true;
    cw_date_t adult = m == 12 ? cw_date_from_ymd(y + 19, 1, 1) : cw_date_from_ymd(y + 18, m + 1, 1);
    return cw_time_local_date(ev->time) < adult;
}

static int cond_value(const cw_cond_t *cond, const case_t *c, const cw_event_t *ev,
                      const refs_t *refs, const entity_t *subj)
{
    const entity_t *pl = refs->of[CW_SUBJ_PLACEMENT];
    switch (cond->key) {
    case CW_COND_VIOLENCE:
        return subj->violence == CW_TRI_TRUE;
    case CW_COND_BASIS:
        return pl ? pl->basis : 0;
    case CW_COND_SETTING:
        return pl ? pl->setting : 0;
    case CW_COND_PRIVATE_TALK:
        return ev->private_talk != CW_TRI_FALSE;
    case CW_COND_END_REASON:
        return ev->end_reason;
    case CW_COND_MINOR:
        return minor_on(c, pl, ev);
    case CW_COND__COUNT:
        break;
    }
    return 0;
}

static bool matches(const cw_match_t *m, size_t n, const case_t *c, const cw_event_t *ev,
                    const refs_t *refs, const entity_t *subj)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].type != ev->type)
            continue;
        bool ok = true;
        for (int k = 0; ok && k < m[i].n_conds; k++)
            ok = (m[i].conds[k].allowed >> cond_value(&m[i].conds[k], c, ev, refs, subj)) & 1u;
        if (ok)
            return true;
    }
    return false;
}

/* ---- applying an event ---- */

static void violation(cw_engine_t *e, const case_t *c, const cw_rule_t *rule, const entity_t *subj,
                      const cw_event_t *ev, cw_instant_t now)
{
    cw_date_t day = cw_time_local_date(ev->time);
    alert_args_t x = {CW_ALERT_VIOLATION, rule, c, subj, day, day, day, now, 0, ev->id, NULL};
    emit(e, &x);
}

/* One rule's reaction to one event, in the order satisfy, extend, cancel,
 * trigger (a trigger replaces what is still open). */
static void apply_rule(cw_engine_t *e, case_t *c, const cw_dispatch_t *d, const cw_event_t *ev,
                       const refs_t *refs, cw_instant_t now)
{
    const cw_rule_t *rule = d->rule;
    entity_t *subj = refs->of[rule->subject];
    if (!subj)
        return; /* the event does not refer to this rule's kind of subject */
    obligation_t *ob = find_open(c, rule, subj);
    if (ob && (d->roles & CW_ROLE_SATISFY) &&
        matches(rule->satisfied_by, rule->n_satisfied_by, c, ev, refs, subj)) {
        satisfy(e, ob, ev, now);
        ob = find_open(c, rule, subj);
    }
    if (ob && (d->roles & CW_ROLE_EXTEND) && (int)ev->type == rule->extended_by)
        extend(e, ob, ev, now);
    if (ob && (d->roles & CW_ROLE_CANCEL) &&
        matches(rule->cancelled_by, rule->n_cancelled_by, c, ev, refs, subj)) {
        note(e, ob, CW_OBL_CANCELLED, ev, false);
        unlink_obligation(e, ob);
    }
    if (!(d->roles & CW_ROLE_TRIGGER) ||
        !matches(rule->triggers, rule->n_triggers, c, ev, refs, subj))
        return;
    switch (rule->kind) {
    case CW_RULE_DEADLINE:
    case CW_RULE_RECURRING:
        start_obligation(e, c, rule, subj, ev);
        break;
    case CW_RULE_REQUIRED_BEFORE:
        if (!(subj->seen & rule->required_any))
            violation(e, c, rule, subj, ev, now);
        break;
    case CW_RULE_FORBIDDEN:
        violation(e, c, rule, subj, ev, now);
        break;
    }
}

/* case.closed and case.transferred end every open obligation. */
static void end_case_obligations(cw_engine_t *e, case_t *c, const cw_event_t *ev)
{
    while (c->obligations) {
        note(e, c->obligations, CW_OBL_CANCELLED, ev, false);
        unlink_obligation(e, c->obligations);
    }
}

void cw_engine_advance(cw_engine_t *e, cw_instant_t now)
{
    cw_index_item_t *it;
    while ((it = cw_index_due(&e->index, now))) {
        obligation_t *ob = (obligation_t *)it;
        if (ob->phase == PHASE_WARN && now < obligation_expiry(ob)) {
            emit_for(e, ob, CW_ALERT_WARNING, now, 0, NULL);
            ob->phase = PHASE_BREACH;
            engine_schedule(e, ob);
            engine_mark_changed(e, ob->c);
            continue;
        }
        emit_for(e, ob, CW_ALERT_BREACH, now, cw_time_local_date(now) - ob->due, NULL);
        ob->phase = PHASE_BREACHED;
        cw_index_remove(&e->index, it);
        engine_mark_changed(e, ob->c);
    }
}

cw_reject_code_t cw_engine_apply(cw_engine_t *e, const cw_event_t *ev, cw_instant_t now,
                                 bool *duplicate, cw_reject_t *rej)
{
    *duplicate = false;
    rej->code = CW_REJ_NONE;
    rej->detail[0] = '\0';
    cw_engine_advance(e, now);
    bool created;
    case_t *c = state_case(e, ev, &created);
    if (!created && state_seen_event(c, ev->id)) {
        *duplicate = true;
        e->stats.duplicates++;
        return CW_REJ_NONE;
    }
    refs_t refs;
    if (state_check(c, ev, &refs, rej) != CW_REJ_NONE) {
        if (created)
            state_drop_case(e, c);
        e->stats.rejected++;
        return rej->code;
    }
    state_apply(e, c, ev, &refs);
    e->stats.applied++;
    if (ev->type == CW_EV_CASE_CLOSED || ev->type == CW_EV_CASE_TRANSFERRED)
        end_case_obligations(e, c, ev);
    const cw_dispatch_t *d = e->pack->dispatch[ev->type];
    for (size_t i = 0; i < e->pack->n_dispatch[ev->type]; i++)
        apply_rule(e, c, &d[i], ev, &refs, now);
    cw_engine_advance(e, now);
    return CW_REJ_NONE;
}

/* ---- positions and changes ---- */

void cw_engine_set_position(cw_engine_t *e, int source, int64_t offset)
{
    e->source = source;
    e->offset = offset;
}

bool cw_engine_case_position(const cw_engine_t *e, const char *case_id, int *source,
                             int64_t *offset)
{
    const case_t *c = state_find_case(e, case_id, strlen(case_id));
    if (!c)
        return false;
    *source = c->source;
    *offset = c->offset;
    return true;
}

void cw_engine_track_changes(cw_engine_t *e)
{
    e->tracking = true;
}

void engine_mark_changed(cw_engine_t *e, case_t *c)
{
    if (!e->tracking || c->dirty)
        return;
    if (e->n_changed == e->cap_changed) {
        e->cap_changed = e->cap_changed ? e->cap_changed * 2 : 256;
        e->changed = cw_reallocarray(e->changed, e->cap_changed, sizeof(*e->changed));
    }
    e->changed[e->n_changed++] = c;
    c->dirty = true;
}

void cw_engine_drain_changes(cw_engine_t *e, cw_snapshot_cb_t *fn, void *opaque)
{
    cw_jsonw_t buf;
    cw_jsonw_init(&buf);
    while (e->n_changed > 0) {
        case_t *c = e->changed[--e->n_changed];
        c->dirty = false;
        if (c->closed && !c->obligations) {
            fn(c->id, NULL, 0, opaque);
            engine_free_case(e, c); /* ended: evicted, its record a tombstone */
            continue;
        }
        cw_jsonw_reset(&buf);
        snapshot_write(c, &buf);
        fn(c->id, buf.p, buf.len, opaque);
    }
    cw_jsonw_free(&buf);
}

void cw_engine_forget(cw_engine_t *e, const char *case_id)
{
    case_t *c = state_find_case(e, case_id, strlen(case_id));
    if (c)
        engine_free_case(e, c);
}
