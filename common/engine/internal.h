/* Engine internals shared by engine.c (rules, obligations, alerts) and
 * state.c (cases, entities, transitions). Not a public API. */
#ifndef CW_ENGINE_INTERNAL_H
#define CW_ENGINE_INTERNAL_H

#include "base/jsonw.h"
#include "base/strmap.h"
#include "engine/casemap.h"
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

/* Every open obligation of every case is one of these, so it is kept
 * small (104 bytes on LP64): the warning and expiry instants are computed
 * from the dates when needed (obligation_warn_at, obligation_expiry), not
 * stored. */
typedef struct obligation_s {
    cw_index_item_t ix; /* first member: the index hands back &ob->ix */
    struct obligation_s *next;
    const cw_rule_t *rule;
    const cw_deadline_t *deadline;
    struct case_s *c;
    entity_t *subj;
    char *start_event;
    cw_instant_t cycle_start;
    cw_date_t start, nominal_due, due;
    /* A breach that an extension decided too late did not undo: it stays
     * open until the action, then gets its resolved (NO_DATE: none). */
    cw_date_t late_due, late_nominal;
    uint8_t phase; /* phase_t */
} obligation_t;

#define NO_DATE INT32_MIN

typedef struct case_s {
    const char *unit, *caseworker; /* interned, "" when unknown */
    char municipality[CW_KOMMUN_LEN + 1];
    int16_t born_year;
    int8_t born_month;
    bool closed;
    bool dirty;     /* in the engine's change list */
    uint8_t source; /* input source of the last applied event */
    int64_t offset; /* its offset, -1 if none */
    entity_t *entities;
    obligation_t *obligations;
    uint64_t *event_hashes;
    uint32_t n_events, cap_events;
    uint32_t hash; /* casemap_hash(id) */
    char id[];
} case_t;

struct cw_engine_s {
    const cw_rulepack_t *pack;
    cw_alert_cb_t *cb;
    void *opaque;
    cw_obligation_cb_t *observer; /* cw_engine_observe */
    void *observer_opaque;
    casemap_t cases;
    cw_strmap_t strings; /* interned unit and caseworker names */
    cw_index_t index;
    cw_engine_stats_t stats;
    int source; /* position of the event being applied */
    int64_t offset;
    bool tracking;           /* record changed cases */
    struct case_s **changed; /* cases changed since the last drain */
    size_t n_changed, cap_changed;
};

/* engine.c */
void engine_mark_changed(cw_engine_t *e, case_t *c);
void engine_free_case(cw_engine_t *e, case_t *c);        /* its obligations too */
void engine_free_case_memory(cw_engine_t *e, case_t *c); /* not in the case map */
obligation_t *engine_obligation_new(cw_engine_t *e, case_t *c, const cw_rule_t *rule,
                                    entity_t *subj);
void engine_schedule(cw_engine_t *e, obligation_t *ob);
/* The start of the day after the due date: a breach fires then. */
cw_instant_t obligation_expiry(const obligation_t *ob);
/* The start of the warning day (rules with warn_days ≥ 0). */
cw_instant_t obligation_warn_at(const obligation_t *ob);

/* snapshot.c */
void snapshot_write(const case_t *c, cw_jsonw_t *buf); /* bytes, not JSON */

/* The entities an event refers to, by subject kind (NULL when it has no
 * such ref, or the ref is new and not yet created). */
typedef struct {
    entity_t *of[CW_SUBJ__COUNT];
} refs_t;

/* state.c */
case_t *state_case(cw_engine_t *e, const cw_event_t *ev, bool *created);
case_t *state_find_case(const cw_engine_t *e, const char *id, size_t len);
case_t *state_new_case(cw_engine_t *e, const char *id, size_t len);
entity_t *state_new_entity(case_t *c, cw_subject_kind_t kind, const char *ref, size_t len);
const char *state_intern(cw_engine_t *e, const char *s);
void state_drop_case(cw_engine_t *e, case_t *c);
bool state_seen_event(const case_t *c, const char *event_id);
cw_reject_code_t state_check(const case_t *c, const cw_event_t *ev, refs_t *refs, cw_reject_t *rej);
void state_apply(cw_engine_t *e, case_t *c, const cw_event_t *ev, refs_t *refs);
const char *state_ref_of(const cw_event_t *ev, cw_subject_kind_t kind);
void state_free_case(case_t *c);

#endif
