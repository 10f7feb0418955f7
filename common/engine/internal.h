/* Engine internals shared by engine.c (rules, obligations, alerts) and
 * state.c (cases, entities, transitions). Not a public API. */
#ifndef CW_ENGINE_INTERNAL_H
#define CW_ENGINE_INTERNAL_H

#include "base/strmap.h"
#include "engine/engine.h"
#include "engine/index.h"

#define EV_BIT(t) (1ull << (t))

/* A report, investigation, placement or LVU order inside a case. */
typedef struct entity_s {
    struct entity_s *next;
    uint64_t seen; /* EV_BIT of every event type applied to it */
    uint8_t kind;  /* cw_subject_kind_t */
    cw_tri_t violence;
    uint8_t basis, setting, end_reason, outcome;
    int16_t born_year;
    int8_t born_month;
    cw_date_t concluded;   /* investigation: conclusion date */
    cw_date_t ended;       /* placement: end date */
    cw_instant_t ended_at; /* placement: end time */
    cw_date_t executed;    /* order: executed_at date */
    char ref[];
} entity_t;

typedef enum { PHASE_WARN, PHASE_BREACH, PHASE_BREACHED } phase_t;

typedef struct obligation_s {
    cw_index_item_t ix; /* first member: the index hands back &ob->ix */
    struct obligation_s *next;
    const cw_rule_t *rule;
    const cw_deadline_t *deadline;
    struct case_s *c;
    entity_t *subj;
    cw_date_t start, nominal_due, due;
    cw_instant_t cycle_start, warn_at, expiry;
    phase_t phase;
    char *start_event;
} obligation_t;

typedef struct case_s {
    const char *id;                /* owned by the engine's case map */
    const char *unit, *caseworker; /* interned, "" when unknown */
    char municipality[CW_KOMMUN_LEN + 1];
    int16_t born_year;
    int8_t born_month;
    bool closed;
    entity_t *entities;
    obligation_t *obligations;
    uint64_t *event_hashes;
    uint32_t n_events, cap_events;
} case_t;

struct cw_engine_s {
    const cw_rulepack_t *pack;
    cw_alert_cb_t *cb;
    void *opaque;
    cw_strmap_t cases;
    cw_strmap_t strings; /* interned unit and caseworker names */
    cw_index_t index;
    cw_engine_stats_t stats;
};

/* The entities an event refers to, by subject kind (NULL when it has no
 * such ref, or the ref is new and not yet created). */
typedef struct {
    entity_t *of[CW_SUBJ__COUNT];
} refs_t;

/* state.c */
case_t *state_case(cw_engine_t *e, const cw_event_t *ev, bool *created);
void state_drop_case(cw_engine_t *e, case_t *c);
bool state_seen_event(const case_t *c, const char *event_id);
cw_reject_code_t state_check(const case_t *c, const cw_event_t *ev, refs_t *refs, cw_reject_t *rej);
void state_apply(cw_engine_t *e, case_t *c, const cw_event_t *ev, refs_t *refs);
const char *state_ref_of(const cw_event_t *ev, cw_subject_kind_t kind);
void state_free_case(case_t *c);

#endif
