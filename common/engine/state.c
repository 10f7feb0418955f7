/* Case state: cases, the entities inside them, applied event ids, and the
 * transitions the contract calls impossible (EVENTS.md §1, last paragraph). */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "engine/internal.h"

#define R    (1u << CW_SUBJ_REPORT)
#define I    (1u << CW_SUBJ_INVESTIGATION)
#define P    (1u << CW_SUBJ_PLACEMENT)
#define O    (1u << CW_SUBJ_ORDER)
#define NONE (-1)

/* Per event type: the subject kind it creates, the one its one-time and
 * state checks apply to, whether it may happen only once there, whether the
 * placement must still be active, and the step that must come before. */
typedef struct {
    int8_t creates;
    int8_t primary;
    bool once;
    bool active;
    int8_t after; /* event type that must have happened on primary, or NONE */
} transition_t;

static const transition_t transitions[CW_EV__COUNT] = {
    [CW_EV_REPORT_RECEIVED] = {CW_SUBJ_REPORT, CW_SUBJ_REPORT, false, false, NONE},
    [CW_EV_PROTECTION_ASSESSED] = {NONE, CW_SUBJ_REPORT, false, false, NONE},
    [CW_EV_PREASSESSMENT_EXTENDED] = {NONE, CW_SUBJ_REPORT, false, false, NONE},
    [CW_EV_REPORT_JOINED] = {NONE, CW_SUBJ_REPORT, false, false, NONE},
    [CW_EV_INVESTIGATION_OPENED] = {CW_SUBJ_INVESTIGATION, CW_SUBJ_INVESTIGATION, false, false,
                                    NONE},
    [CW_EV_INVESTIGATION_NOT_OPENED] = {NONE, CW_SUBJ_REPORT, false, false, NONE},
    [CW_EV_INVESTIGATION_EXTENDED] = {NONE, CW_SUBJ_INVESTIGATION, false, false, NONE},
    [CW_EV_CHILD_HEARD] = {NONE, NONE, false, false, NONE},
    [CW_EV_CHILD_NOT_HEARD] = {NONE, CW_SUBJ_INVESTIGATION, false, false, NONE},
    [CW_EV_VIOLENCE_RISK_ASSESSED] = {NONE, CW_SUBJ_INVESTIGATION, false, false, NONE},
    [CW_EV_INVESTIGATION_CONCLUDED] = {NONE, CW_SUBJ_INVESTIGATION, true, false, NONE},
    [CW_EV_FOLLOWUP_DECIDED] = {NONE, NONE, false, false, NONE},
    [CW_EV_FOLLOWUP_CONCLUDED] = {NONE, NONE, true, false, CW_EV_FOLLOWUP_DECIDED},
    [CW_EV_PLACEMENT_STARTED] = {CW_SUBJ_PLACEMENT, CW_SUBJ_PLACEMENT, false, false, NONE},
    [CW_EV_PLACEMENT_HOME_CHANGED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_CARE_PLAN_ESTABLISHED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_CARE_PLAN_REVISED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_IMPLEMENTATION_PLAN_ESTABLISHED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_CHILD_VISITED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_CARE_RECONSIDERED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_CARE_REVIEWED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_CUSTODY_TRANSFER_CONSIDERED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_CONTACT_RESTRICTION_DECIDED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_CONTACT_RESTRICTION_RECONSIDERED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_CONTACT_RESTRICTION_LIFTED] = {NONE, CW_SUBJ_PLACEMENT, false, true, NONE},
    [CW_EV_MOVING_BAN_CONSIDERED] = {NONE, CW_SUBJ_PLACEMENT, false, false, NONE},
    [CW_EV_PLACEMENT_ENDED] = {NONE, CW_SUBJ_PLACEMENT, true, false, NONE},
    [CW_EV_POST_CARE_FOLLOWUP_STARTED] = {NONE, CW_SUBJ_PLACEMENT, true, false,
                                          CW_EV_PLACEMENT_ENDED},
    [CW_EV_POST_CARE_FOLLOWUP_CONCLUDED] = {NONE, CW_SUBJ_PLACEMENT, true, false,
                                            CW_EV_POST_CARE_FOLLOWUP_STARTED},
    [CW_EV_LVU_EMERGENCY_CUSTODY] = {CW_SUBJ_ORDER, CW_SUBJ_ORDER, false, false, NONE},
    [CW_EV_LVU_SUBMITTED_TO_COURT] = {NONE, CW_SUBJ_ORDER, true, false, NONE},
    [CW_EV_LVU_CARE_APPLIED] = {NONE, CW_SUBJ_ORDER, true, false, NONE},
    [CW_EV_LVU_APPLICATION_EXTENDED] = {NONE, CW_SUBJ_ORDER, false, false, NONE},
    [CW_EV_LVU_EMERGENCY_CUSTODY_ENDED] = {NONE, CW_SUBJ_ORDER, true, false, NONE},
    [CW_EV_CASE_TRANSFERRED] = {NONE, NONE, false, false, NONE},
    [CW_EV_CASE_CLOSED] = {NONE, NONE, false, false, NONE},
};

/* The preassessment decision on a report happens once: opening an
 * investigation for it, deciding not to, or joining it to an ongoing one. */
static const uint64_t report_decisions = EV_BIT(CW_EV_INVESTIGATION_OPENED) |
                                         EV_BIT(CW_EV_INVESTIGATION_NOT_OPENED) |
                                         EV_BIT(CW_EV_REPORT_JOINED);

const char *state_ref_of(const cw_event_t *ev, cw_subject_kind_t kind)
{
    switch (kind) {
    case CW_SUBJ_REPORT:
        return ev->report_id;
    case CW_SUBJ_INVESTIGATION:
        return ev->investigation_id;
    case CW_SUBJ_PLACEMENT:
        return ev->placement_id;
    case CW_SUBJ_ORDER:
        return ev->order_id;
    default:
        return "";
    }
}

static uint64_t id_hash(const char *id)
{
    return cw_strmap_hash(id, strlen(id));
}

bool state_seen_event(const case_t *c, const char *event_id)
{
    uint64_t h = id_hash(event_id);
    for (uint32_t i = 0; i < c->n_events; i++)
        if (c->event_hashes[i] == h)
            return true;
    return false;
}

static entity_t *find_entity(const case_t *c, cw_subject_kind_t kind, const char *ref)
{
    for (entity_t *en = c->entities; en; en = en->next)
        if (en->kind == kind && strcmp(en->ref, ref) == 0)
            return en;
    return NULL;
}

case_t *state_find_case(const cw_engine_t *e, const char *id, size_t len)
{
    return casemap_get(&e->cases, id, len, casemap_hash(id, len));
}

case_t *state_new_case(cw_engine_t *e, const char *id, size_t len)
{
    case_t *c = cw_calloc(1, sizeof(*c) + len + 1);
    c->unit = c->caseworker = "";
    c->offset = -1;
    memcpy(c->id, id, len);
    c->hash = casemap_hash(id, len);
    casemap_put(&e->cases, c);
    e->stats.cases++;
    return c;
}

case_t *state_case(cw_engine_t *e, const cw_event_t *ev, bool *created)
{
    size_t len = strlen(ev->subject);
    uint32_t h = casemap_hash(ev->subject, len);
    case_t *c = casemap_get(&e->cases, ev->subject, len, h);
    *created = c == NULL;
    return c ? c : state_new_case(e, ev->subject, len);
}

void state_free_case(case_t *c)
{
    for (entity_t *en = c->entities, *next; en; en = next) {
        next = en->next;
        free(en);
    }
    free(c->event_hashes);
    free(c);
}

void state_drop_case(cw_engine_t *e, case_t *c)
{
    casemap_remove(&e->cases, c);
    e->stats.cases--;
    state_free_case(c);
}

/* Checks the rules of the transition table; fills refs. */
cw_reject_code_t state_check(const case_t *c, const cw_event_t *ev, refs_t *refs, cw_reject_t *rej)
{
    const transition_t *t = &transitions[ev->type];
    unsigned mask = cw_event_subject_mask(ev->type);
    memset(refs, 0, sizeof(*refs));
    for (int k = 0; k < CW_SUBJ__COUNT; k++) {
        const char *ref = state_ref_of(ev, (cw_subject_kind_t)k);
        if (!(mask & (1u << k)) || !ref[0])
            continue;
        refs->of[k] = find_entity(c, (cw_subject_kind_t)k, ref);
        const char *name = cw_subject_kind_name((cw_subject_kind_t)k);
        if (t->creates == k && refs->of[k])
            return cw_reject_set(rej, CW_REJ_DUPLICATE_REF, "the case already has this %s id",
                                 name);
        if (t->creates != k && !refs->of[k])
            return cw_reject_set(rej, CW_REJ_UNKNOWN_REF, "the case has no such %s id", name);
    }
    const char *tname = cw_event_type_name(ev->type);
    entity_t *r = refs->of[CW_SUBJ_REPORT];
    bool decides = ev->type == CW_EV_INVESTIGATION_NOT_OPENED || ev->type == CW_EV_REPORT_JOINED ||
                   ev->type == CW_EV_INVESTIGATION_OPENED;
    if (decides && r && (r->seen & report_decisions))
        return cw_reject_set(rej, CW_REJ_REPEATED_STEP,
                             "the report already has a preassessment decision");
    if ((ev->type == CW_EV_CASE_CLOSED || ev->type == CW_EV_CASE_TRANSFERRED) && c->closed)
        return cw_reject_set(rej, CW_REJ_REPEATED_STEP, "the case is already closed");
    for (int k = 0; k < CW_SUBJ__COUNT; k++) {
        entity_t *en = refs->of[k];
        if (!en || (t->primary != NONE && t->primary != k))
            continue;
        if (t->once && (en->seen & EV_BIT(ev->type)))
            return cw_reject_set(rej, CW_REJ_REPEATED_STEP, "%s happens once", tname);
        int after = t->after;
        if (ev->type == CW_EV_FOLLOWUP_DECIDED)
            after =
                k == CW_SUBJ_INVESTIGATION ? CW_EV_INVESTIGATION_CONCLUDED : CW_EV_PLACEMENT_ENDED;
        if (after != NONE && !(en->seen & EV_BIT(after)))
            return cw_reject_set(rej, CW_REJ_INVALID_TRANSITION, "%s before %s", tname,
                                 cw_event_type_name((cw_event_type_t)after));
        if (k == CW_SUBJ_PLACEMENT && t->active && (en->seen & EV_BIT(CW_EV_PLACEMENT_ENDED)) &&
            ev->time >= en->ended_at)
            return cw_reject_set(rej, CW_REJ_INVALID_TRANSITION, "%s after placement.ended", tname);
    }
    return CW_REJ_NONE;
}

entity_t *state_new_entity(case_t *c, cw_subject_kind_t kind, const char *ref, size_t len)
{
    entity_t *en = cw_calloc(1, sizeof(*en) + len + 1);
    en->kind = (uint8_t)kind;
    memcpy(en->ref, ref, len + 1);
    en->next = c->entities;
    c->entities = en;
    return en;
}

const char *state_intern(cw_engine_t *e, const char *s)
{
    if (!s[0])
        return "";
    size_t len = strlen(s);
    const char *v = cw_strmap_get(&e->strings, s, len);
    if (v)
        return v;
    const char *key = cw_strmap_put(&e->strings, s, len, (void *)1);
    cw_strmap_put(&e->strings, s, len, (void *)key);
    return key;
}

static void remember_event(case_t *c, const char *id)
{
    if (c->n_events == c->cap_events) {
        c->cap_events = c->cap_events ? c->cap_events * 2 : 4;
        c->event_hashes = cw_reallocarray(c->event_hashes, c->cap_events, sizeof(uint64_t));
    }
    c->event_hashes[c->n_events++] = id_hash(id);
}

/* Entity attributes the rules' conditions and anchors read. */
static void apply_attributes(const cw_event_t *ev, refs_t *refs)
{
    entity_t *rep = refs->of[CW_SUBJ_REPORT], *inv = refs->of[CW_SUBJ_INVESTIGATION];
    entity_t *pl = refs->of[CW_SUBJ_PLACEMENT], *ord = refs->of[CW_SUBJ_ORDER];
    cw_date_t day = cw_time_local_date(ev->time);
    switch (ev->type) {
    case CW_EV_REPORT_RECEIVED:
        rep->violence = ev->violence == CW_TRI_TRUE ? CW_TRI_TRUE : CW_TRI_FALSE;
        break;
    case CW_EV_INVESTIGATION_OPENED:
        if (ev->violence != CW_TRI_UNSET)
            inv->violence = ev->violence;
        else
            inv->violence = rep && rep->violence == CW_TRI_TRUE ? CW_TRI_TRUE : CW_TRI_FALSE;
        break;
    case CW_EV_REPORT_JOINED: /* a violence report makes it a violence investigation */
        if (rep->violence == CW_TRI_TRUE)
            inv->violence = CW_TRI_TRUE;
        break;
    case CW_EV_INVESTIGATION_CONCLUDED:
        inv->concluded = day;
        inv->outcome = (uint8_t)ev->outcome;
        break;
    case CW_EV_PLACEMENT_STARTED:
        pl->basis = (uint8_t)ev->basis;
        pl->setting = (uint8_t)ev->setting;
        if (ev->present & CW_F_CHILD_BORN) {
            pl->born_year = ev->born_year;
            pl->born_month = ev->born_month;
        }
        break;
    case CW_EV_PLACEMENT_HOME_CHANGED:
        if (ev->setting)
            pl->setting = (uint8_t)ev->setting;
        break;
    case CW_EV_PLACEMENT_ENDED:
        pl->ended = day;
        pl->ended_at = ev->time;
        pl->end_reason = (uint8_t)ev->end_reason;
        break;
    case CW_EV_LVU_EMERGENCY_CUSTODY:
        ord->executed =
            cw_time_local_date((ev->present & CW_F_EXECUTED_AT) ? ev->executed_at : ev->time);
        break;
    default:
        break;
    }
}

void state_apply(cw_engine_t *e, case_t *c, const cw_event_t *ev, refs_t *refs)
{
    const transition_t *t = &transitions[ev->type];
    if (t->creates != NONE)
        refs->of[t->creates] =
            state_new_entity(c, (cw_subject_kind_t)t->creates, state_ref_of(ev, t->creates),
                             strlen(state_ref_of(ev, t->creates)));
    for (int k = 0; k < CW_SUBJ__COUNT; k++)
        if (refs->of[k])
            refs->of[k]->seen |= EV_BIT(ev->type);
    apply_attributes(ev, refs);
    if (ev->type == CW_EV_REPORT_RECEIVED && (ev->present & CW_F_CHILD_BORN)) {
        c->born_year = ev->born_year;
        c->born_month = ev->born_month;
    }
    if (ev->type == CW_EV_CASE_CLOSED || ev->type == CW_EV_CASE_TRANSFERRED)
        c->closed = true;
    else if (t->creates != NONE)
        c->closed = false; /* a new report, investigation, placement or order reopens it */
    memcpy(c->municipality, ev->municipality, sizeof(c->municipality));
    if (ev->unit[0])
        c->unit = state_intern(e, ev->unit);
    if (ev->caseworker[0])
        c->caseworker = state_intern(e, ev->caseworker);
    remember_event(c, ev->id);
    c->source = (uint8_t)e->source;
    c->offset = e->offset;
    engine_mark_changed(e, c);
}
