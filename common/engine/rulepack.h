/* The rule pack: which obligations exist, when they start, what satisfies,
 * cancels or extends them, their deadline arithmetic, texts and legal
 * references. Loaded from JSON and validated at start-up; changing the law
 * means editing the pack, not the code. The schema is documented in
 * schemas/rulepack.schema.json; the default Swedish pack is
 * common/engine/rulepack-se.json, compiled into the library. */
#ifndef CW_ENGINE_RULEPACK_H
#define CW_ENGINE_RULEPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/calendar.h"
#include "base/err.h"
#include "model/alert.h"
#include "model/event.h"

typedef enum {
    CW_RULE_DEADLINE,        /* deadline after an event */
    CW_RULE_RECURRING,       /* maximum interval between events, while active */
    CW_RULE_REQUIRED_BEFORE, /* an event must have happened before another */
    CW_RULE_FORBIDDEN,       /* an outcome that must not happen */
} cw_rule_kind_t;

typedef enum {
    CW_SUBJ_REPORT,
    CW_SUBJ_INVESTIGATION,
    CW_SUBJ_PLACEMENT,
    CW_SUBJ_ORDER,
    CW_SUBJ__COUNT
} cw_subject_kind_t;

/* Which date a deadline counts from. */
typedef enum {
    CW_ANCHOR_EVENT,       /* the triggering event's local date (genast: its time) */
    CW_ANCHOR_EXECUTED_AT, /* lvu.emergency_custody executed_at (default: time) */
    CW_ANCHOR_CONCLUDED,   /* the subject investigation's conclusion date */
    CW_ANCHOR_ENDED,       /* the subject placement's end date */
} cw_anchor_t;

/* Conditions are evaluated after the event is applied, against the event
 * and its subject. Each allows a set of values (bit i = enum value i; for
 * booleans bit 0 = false, bit 1 = true). */
typedef enum {
    CW_COND_VIOLENCE,     /* the report's / investigation's violence flag */
    CW_COND_BASIS,        /* the placement's basis */
    CW_COND_SETTING,      /* the placement's current setting */
    CW_COND_PRIVATE_TALK, /* child.visited private_talk (absent = true) */
    CW_COND_END_REASON,   /* placement.ended reason (absent = none) */
    CW_COND_MINOR,        /* the child is under 18 at the event's date, or age unknown */
    CW_COND__COUNT
} cw_cond_key_t;

#define CW_MATCH_MAX_CONDS 4

typedef struct {
    cw_cond_key_t key;
    uint32_t allowed;
} cw_cond_t;

typedef struct {
    cw_event_type_t type;
    int n_conds;
    cw_cond_t conds[CW_MATCH_MAX_CONDS];
} cw_match_t;

/* One version of the deadline arithmetic, chosen by the obligation's start
 * date. genast: due the day of the anchor time, or the next day from the
 * pack's cut-off time of day. */
typedef struct {
    cw_date_t from, to; /* inclusive range of start dates */
    bool genast;
    cw_period_t period; /* the first (or only) interval */
    cw_period_t repeat; /* recurring rules: each following interval */
} cw_deadline_t;

typedef struct {
    char *law, *ref, *url; /* ref, url may be NULL */
    cw_date_t from, to;    /* in force, inclusive */
} cw_rule_ref_t;

typedef struct {
    char *id;
    cw_rule_kind_t kind;
    cw_subject_kind_t subject;
    cw_severity_t severity;
    cw_anchor_t anchor;
    bool roll_forward;
    int warn_days; /* -1: no warning */
    cw_match_t *triggers, *satisfied_by, *cancelled_by;
    size_t n_triggers, n_satisfied_by, n_cancelled_by;
    int extended_by;       /* event type whose `until` moves the due date, or -1 */
    uint64_t required_any; /* required-before: bit per event type, any one suffices */
    cw_deadline_t *deadlines;
    size_t n_deadlines;
    char *title_sv, *title_en, *message_sv, *message_en; /* templates */
    cw_rule_ref_t *refs;
    size_t n_refs;
} cw_rule_t;

/* The roles an event type plays for one rule (dispatch index). */
#define CW_ROLE_TRIGGER 0x1
#define CW_ROLE_SATISFY 0x2
#define CW_ROLE_CANCEL  0x4
#define CW_ROLE_EXTEND  0x8

typedef struct {
    const cw_rule_t *rule;
    unsigned roles;
} cw_dispatch_t;

typedef struct {
    char *title_sv, *title_en, *message_sv, *message_en; /* wrap the rule's texts */
} cw_kind_texts_t;

typedef struct {
    char *name, *version;
    int genast_cutoff_sec; /* seconds after local midnight, e.g. 16:00 = 57600 */
    cw_kind_texts_t kinds[CW_ALERT__COUNT];
    cw_rule_t *rules;
    size_t n_rules;
    cw_dispatch_t *dispatch[CW_EV__COUNT]; /* rules each event type matters to */
    size_t n_dispatch[CW_EV__COUNT];
} cw_rulepack_t;

/* Loads and validates a pack. Errors name the rule and the key, e.g.
 * "rule \"preassessment_14d\": deadline[0].period: bad duration \"14x\"".
 * On success *out is new (free with cw_rulepack_destroy). */
cw_err_t cw_rulepack_load_file(const char *path, cw_rulepack_t **out, char *errstr,
                               size_t errstr_size);
cw_err_t cw_rulepack_load_buffer(const char *json, size_t len, cw_rulepack_t **out, char *errstr,
                                 size_t errstr_size);
/* The default Swedish pack compiled into the library. */
cw_err_t cw_rulepack_load_default(cw_rulepack_t **out, char *errstr, size_t errstr_size);
void cw_rulepack_destroy(cw_rulepack_t *pack);

const cw_rule_t *cw_rulepack_find(const cw_rulepack_t *pack, const char *id);
/* The deadline version in force for an obligation starting on date, or NULL. */
const cw_deadline_t *cw_rule_deadline_for(const cw_rule_t *rule, cw_date_t start);
const char *cw_subject_kind_name(cw_subject_kind_t k); /* "report" */
/* The subject kinds an event type can refer to (bit 1 << cw_subject_kind_t):
 * report.joined refers to a report and an investigation; case.* to none. */
unsigned cw_event_subject_mask(cw_event_type_t type);

/* Renders a template: {title_sv} {title_en} {message_sv} {message_en} are
 * not available here; the caller's vars are. Unknown placeholders are kept
 * verbatim (the loader rejects them). */
typedef struct {
    const char *name;
    const char *value;
} cw_template_var_t;
void cw_template_render(const char *tmpl, const cw_template_var_t *vars, size_t n_vars, char *out,
                        size_t out_size);

#endif
