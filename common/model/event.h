/* Case events: the input of the engine (EVENTS.md §1).
 *
 * A decoded event is a plain struct with fixed-size fields, so decoders
 * (JSON, Avro) fill a reused struct without allocating. Field limits are
 * part of validation: longer input is rejected, never truncated. */
#ifndef CW_MODEL_EVENT_H
#define CW_MODEL_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/time.h"

#define CW_TYPE_PREFIX "se.casewatch."

/* X-macro: enum name, wire name. The order is the wire order of the Avro
 * enum too: append only. */
#define CW_EVENT_TYPES(X)                                                                          \
    X(REPORT_RECEIVED, "report.received")                                                          \
    X(PROTECTION_ASSESSED, "protection.assessed")                                                  \
    X(PREASSESSMENT_EXTENDED, "preassessment.extended")                                            \
    X(REPORT_JOINED, "report.joined")                                                              \
    X(INVESTIGATION_OPENED, "investigation.opened")                                                \
    X(INVESTIGATION_NOT_OPENED, "investigation.not_opened")                                        \
    X(INVESTIGATION_EXTENDED, "investigation.extended")                                            \
    X(CHILD_HEARD, "child.heard")                                                                  \
    X(CHILD_NOT_HEARD, "child.not_heard")                                                          \
    X(VIOLENCE_RISK_ASSESSED, "violence_risk.assessed")                                            \
    X(INVESTIGATION_CONCLUDED, "investigation.concluded")                                          \
    X(FOLLOWUP_DECIDED, "followup.decided")                                                        \
    X(FOLLOWUP_CONCLUDED, "followup.concluded")                                                    \
    X(PLACEMENT_STARTED, "placement.started")                                                      \
    X(PLACEMENT_HOME_CHANGED, "placement.home_changed")                                            \
    X(CARE_PLAN_ESTABLISHED, "care_plan.established")                                              \
    X(CARE_PLAN_REVISED, "care_plan.revised")                                                      \
    X(IMPLEMENTATION_PLAN_ESTABLISHED, "implementation_plan.established")                          \
    X(CHILD_VISITED, "child.visited")                                                              \
    X(CARE_RECONSIDERED, "care.reconsidered")                                                      \
    X(CARE_REVIEWED, "care.reviewed")                                                              \
    X(CUSTODY_TRANSFER_CONSIDERED, "custody_transfer.considered")                                  \
    X(CONTACT_RESTRICTION_DECIDED, "contact_restriction.decided")                                  \
    X(CONTACT_RESTRICTION_RECONSIDERED, "contact_restriction.reconsidered")                        \
    X(CONTACT_RESTRICTION_LIFTED, "contact_restriction.lifted")                                    \
    X(MOVING_BAN_CONSIDERED, "moving_ban.considered")                                              \
    X(PLACEMENT_ENDED, "placement.ended")                                                          \
    X(POST_CARE_FOLLOWUP_STARTED, "post_care_followup.started")                                    \
    X(POST_CARE_FOLLOWUP_CONCLUDED, "post_care_followup.concluded")                                \
    X(LVU_EMERGENCY_CUSTODY, "lvu.emergency_custody")                                              \
    X(LVU_SUBMITTED_TO_COURT, "lvu.submitted_to_court")                                            \
    X(LVU_CARE_APPLIED, "lvu.care_applied")                                                        \
    X(LVU_APPLICATION_EXTENDED, "lvu.application_extended")                                        \
    X(LVU_EMERGENCY_CUSTODY_ENDED, "lvu.emergency_custody_ended")                                  \
    X(CASE_TRANSFERRED, "case.transferred")                                                        \
    X(CASE_CLOSED, "case.closed")

typedef enum {
#define X(name, wire) CW_EV_##name,
    CW_EVENT_TYPES(X)
#undef X
        CW_EV__COUNT
} cw_event_type_t;

/* Closed sets (EVENTS.md). 0 is always "absent". */
#define CW_REPORTERS(X)                                                                            \
    X(POLICE, "police")                                                                            \
    X(SCHOOL, "school")                                                                            \
    X(PRESCHOOL, "preschool")                                                                      \
    X(HEALTH, "health")                                                                            \
    X(SOCIAL, "social")                                                                            \
    X(NGO, "ngo")                                                                                  \
    X(PRIVATE, "private")                                                                          \
    X(ANONYMOUS, "anonymous")                                                                      \
    X(OTHER, "other")
#define CW_OUTCOMES(X)                                                                             \
    X(MEASURES, "measures")                                                                        \
    X(NO_MEASURES, "no_measures")                                                                  \
    X(LVU_APPLICATION, "lvu_application")                                                          \
    X(TRANSFERRED, "transferred")
#define CW_BASES(X)                                                                                \
    X(SOL, "sol")                                                                                  \
    X(LVU_2, "lvu_2")                                                                              \
    X(LVU_3, "lvu_3")
#define CW_SETTINGS(X)                                                                             \
    X(FAMILY_HOME, "family_home")                                                                  \
    X(KINSHIP_HOME, "kinship_home")                                                                \
    X(EMERGENCY_HOME, "emergency_home")                                                            \
    X(HVB, "hvb")                                                                                  \
    X(SUPPORTED_HOUSING, "supported_housing")                                                      \
    X(SPECIAL_YOUTH_HOME, "special_youth_home")
#define CW_END_REASONS(X)                                                                          \
    X(CARE_ENDED, "care_ended")                                                                    \
    X(GUARDIAN_REQUEST, "guardian_request")                                                        \
    X(MOVED_TO_OTHER_CARE, "moved_to_other_care")                                                  \
    X(TURNED_18, "turned_18")                                                                      \
    X(OTHER, "other")

typedef enum {
    CW_REPORTER_NONE = 0,
#define X(name, wire) CW_REPORTER_##name,
    CW_REPORTERS(X)
#undef X
        CW_REPORTER__COUNT
} cw_reporter_t;
typedef enum {
    CW_OUTCOME_NONE = 0,
#define X(name, wire) CW_OUTCOME_##name,
    CW_OUTCOMES(X)
#undef X
        CW_OUTCOME__COUNT
} cw_outcome_t;
typedef enum {
    CW_BASIS_NONE = 0,
#define X(name, wire) CW_BASIS_##name,
    CW_BASES(X)
#undef X
        CW_BASIS__COUNT
} cw_basis_t;
typedef enum {
    CW_SETTING_NONE = 0,
#define X(name, wire) CW_SETTING_##name,
    CW_SETTINGS(X)
#undef X
        CW_SETTING__COUNT
} cw_setting_t;
typedef enum {
    CW_END_NONE = 0,
#define X(name, wire) CW_END_##name,
    CW_END_REASONS(X)
#undef X
        CW_END__COUNT
} cw_end_reason_t;

/* Field limits in bytes (validation rejects longer values). */
#define CW_ID_MAX     128 /* event id, case id (subject) */
#define CW_SOURCE_MAX 256
#define CW_REF_MAX    64 /* report_id, investigation_id, placement_id, order_id, home_id */
#define CW_NAME_MAX   64 /* unit, caseworker, child pseudonym */
#define CW_REASON_MAX 512
#define CW_KOMMUN_LEN 4 /* kommunkod: 4 digits */

typedef enum { CW_TRI_UNSET = 0, CW_TRI_FALSE, CW_TRI_TRUE } cw_tri_t;

/* Which optional fields were present; see cw_event_t. */
#define CW_F_UNTIL       0x01
#define CW_F_EXECUTED_AT 0x02
#define CW_F_CHILD_BORN  0x04

typedef struct {
    cw_event_type_t type;
    cw_instant_t time;
    char id[CW_ID_MAX + 1];
    char source[CW_SOURCE_MAX + 1];
    char subject[CW_ID_MAX + 1]; /* case id */

    /* data: common */
    char municipality[CW_KOMMUN_LEN + 1];
    char unit[CW_NAME_MAX + 1];       /* "" when absent */
    char caseworker[CW_NAME_MAX + 1]; /* "" when absent */

    /* data: references ("" when absent) */
    char report_id[CW_REF_MAX + 1];
    char investigation_id[CW_REF_MAX + 1];
    char placement_id[CW_REF_MAX + 1];
    char order_id[CW_REF_MAX + 1];
    char home_id[CW_REF_MAX + 1];
    char child[CW_NAME_MAX + 1];
    char to_municipality[CW_KOMMUN_LEN + 1];
    char reason[CW_REASON_MAX + 1];

    /* data: typed values */
    unsigned present;  /* CW_F_* */
    cw_tri_t violence; /* report.received, investigation.opened */
    cw_tri_t immediate_protection_needed;
    cw_tri_t private_talk; /* child.visited; unset means true */
    cw_reporter_t reporter;
    cw_outcome_t outcome;
    cw_basis_t basis;
    cw_setting_t setting;
    cw_end_reason_t end_reason; /* placement.ended "reason" */
    cw_date_t until;            /* CW_F_UNTIL */
    cw_instant_t executed_at;   /* CW_F_EXECUTED_AT */
    int16_t born_year;          /* CW_F_CHILD_BORN: child_born "YYYY-MM" */
    int8_t born_month;
} cw_event_t;

/* Wire names ("report.received", "sol", ...). Borrowed static strings;
 * NULL for out-of-range values. */
const char *cw_event_type_name(cw_event_type_t t);
/* Looks up a type by its name without the prefix; -1 if unknown. */
int cw_event_type_lookup(const char *name, size_t len);
const char *cw_reporter_name(cw_reporter_t v);
const char *cw_outcome_name(cw_outcome_t v);
const char *cw_basis_name(cw_basis_t v);
const char *cw_setting_name(cw_setting_t v);
const char *cw_end_reason_name(cw_end_reason_t v);
/* Enum lookups by wire name: the value, or 0 (…_NONE) if unknown. */
int cw_reporter_lookup(const char *s, size_t len);
int cw_outcome_lookup(const char *s, size_t len);
int cw_basis_lookup(const char *s, size_t len);
int cw_setting_lookup(const char *s, size_t len);
int cw_end_reason_lookup(const char *s, size_t len);

/* The closed sets above, for code that handles them generically (decoders,
 * the rule pack's conditions). Values are the enums' ints; 0 is "absent". */
typedef enum {
    CW_ENUM_REPORTER,
    CW_ENUM_OUTCOME,
    CW_ENUM_BASIS,
    CW_ENUM_SETTING,
    CW_ENUM_END_REASON,
    CW_ENUM__COUNT
} cw_enum_t;
/* Wire name of value v (borrowed), or NULL when out of range or 0. */
const char *cw_enum_name(cw_enum_t which, int v);
/* The value of a wire name, or 0 if unknown. */
int cw_enum_lookup(cw_enum_t which, const char *s, size_t len);
/* One more than the largest value. */
int cw_enum_count(cw_enum_t which);

/* Resets every field to absent. */
void cw_event_clear(cw_event_t *ev);

#endif
