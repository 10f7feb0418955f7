/* Alerts: the output of the engine (EVENTS.md §4). */
#ifndef CW_MODEL_ALERT_H
#define CW_MODEL_ALERT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/jsonw.h"
#include "base/time.h"
#include "model/event.h"

typedef enum {
    CW_ALERT_WARNING = 0, /* due soon */
    CW_ALERT_BREACH,      /* due passed, not done */
    CW_ALERT_RESOLVED,    /* done after a breach, late */
    CW_ALERT_WITHDRAWN,   /* the breach was wrong: the action's time was on time */
    CW_ALERT_VIOLATION,   /* a forbidden outcome, at once */
    CW_ALERT_EXTENDED,    /* the deadline was moved by a decision */
    CW_ALERT__COUNT
} cw_alert_kind_t;

typedef enum {
    CW_SEV_CRITICAL = 0,
    CW_SEV_HIGH,
    CW_SEV_MEDIUM,
    CW_SEV_LOW,
    CW_SEV__COUNT
} cw_severity_t;

#define CW_ALERT_ID_SIZE   33                /* 32 hex digits + NUL */
#define CW_SUBJECT_MAX     (16 + CW_REF_MAX) /* "investigation:" + ref */
#define CW_ALERT_TEXT_SIZE 512
#define CW_ALERT_MAX_REFS  6

typedef struct {
    const char *law; /* "SoL (2025:400)" */
    const char *ref; /* "20 kap. 2 §", or NULL where the section is not verified */
    const char *url; /* or NULL */
} cw_legal_ref_t;

typedef struct {
    char id[CW_ALERT_ID_SIZE];
    cw_alert_kind_t kind;
    const char *rule; /* rule id, borrowed from the rule pack */
    cw_severity_t severity;
    char case_id[CW_ID_MAX + 1];
    char subject[CW_SUBJECT_MAX + 1]; /* "report:R1" */
    char municipality[CW_KOMMUN_LEN + 1];
    char unit[CW_NAME_MAX + 1];
    char caseworker[CW_NAME_MAX + 1];
    cw_date_t start;
    cw_date_t due;
    cw_date_t nominal_due; /* == due when not rolled */
    cw_instant_t at;
    int days_overdue;
    size_t n_refs;
    cw_legal_ref_t refs[CW_ALERT_MAX_REFS]; /* borrowed strings; in force at start first */
    char title_sv[CW_ALERT_TEXT_SIZE];
    char title_en[CW_ALERT_TEXT_SIZE];
    char message_sv[CW_ALERT_TEXT_SIZE];
    char message_en[CW_ALERT_TEXT_SIZE];
    char start_event[CW_ID_MAX + 1]; /* event that started the obligation */
    char end_event[CW_ID_MAX + 1];   /* event that ended it, or "" */
} cw_alert_t;

const char *cw_alert_kind_name(cw_alert_kind_t kind); /* "breach" */
int cw_alert_kind_lookup(const char *s);              /* -1 if unknown */
const char *cw_severity_name(cw_severity_t sev);      /* "critical" */
int cw_severity_lookup(const char *s);                /* -1 if unknown */

/* Deterministic id: the same (case, rule, subject, due, kind) always gives
 * the same id: the first 16 bytes of SHA-256 over those fields, in hex. */
void cw_alert_make_id(cw_alert_t *alert);

/* Appends the alert as compact JSON (no newline), fields in EVENTS.md order. */
void cw_alert_write_json(const cw_alert_t *alert, cw_jsonw_t *w);
/* The same as a new string (free with free()). */
char *cw_alert_to_json(const cw_alert_t *alert);

#endif
