/* Private to casewatch-audit's replay (audit.c) and report model
 * (audit_model.c): the records of how each obligation ended. */
#ifndef CW_AUDIT_INTERNAL_H
#define CW_AUDIT_INTERNAL_H

#include <stdint.h>

#include "audit.h"
#include "base/strmap.h"
#include "engine/engine.h"

/* OUT_TRIGGER: an event that could have been a violation of a
 * required-before or forbidden rule (its trigger type): the denominator of
 * the violation rate. Not an obligation. */
enum {
    OUT_ON_TIME,
    OUT_LATE,
    OUT_OPEN_OVERDUE,
    OUT_OPEN_NOT_DUE,
    OUT_CANCELLED,
    OUT_VIOLATION,
    OUT_TRIGGER
};

typedef struct {
    uint16_t rule;
    uint8_t outcome;
    uint32_t group;            /* index into groups: municipality and unit */
    const char *case_id;       /* interned */
    cw_date_t start, due, end; /* end: satisfied / cancelled / as-of date */
} rec_t;

typedef struct {
    uint16_t rule;
    uint32_t group;
    const char *case_id;
    cw_date_t start, due;
} open_t;

typedef struct {
    char municipality[CW_KOMMUN_LEN + 1];
    char unit[CW_NAME_MAX + 1];
} group_t;

/* A case's applied events, for the drill-down timelines. */
typedef struct {
    cw_instant_t time;
    cw_event_type_t type;
} step_t;

typedef struct {
    step_t *steps;
    size_t n, cap;
} timeline_t;

struct cw_audit_s {
    const cw_rulepack_t *pack;
    cw_engine_t *engine;
    cw_event_t ev;
    cw_instant_t as_of, clock, first;
    cw_instant_t last_seen; /* the export's last event, after as-of too */
    bool seen;
    cw_date_t as_of_date;
    cw_date_t from, to; /* the period of due dates counted, inclusive */
    bool has_as_of, clock_set, has_from, has_to;
    unsigned long long lines, events, rejected, duplicates, after;
    cw_strmap_t strings; /* interned case ids */
    cw_strmap_t open;    /* "%p" of the engine's obligation -> open_t */
    cw_strmap_t group_ix;
    cw_strmap_t timelines; /* case id -> timeline_t */
    group_t *groups;
    size_t n_groups, cap_groups;
    rec_t *recs;
    size_t n_recs, cap_recs;
    cw_audit_progress_t *progress;
    void *progress_opaque;
};

/* Appends a record (copied). */
void cw_audit_add_record(cw_audit_t *a, const rec_t *r);

#endif
