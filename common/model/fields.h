/* The data fields of case events and the checks every decoder applies to
 * them, shared by the JSON and Avro decoders so that both accept exactly
 * the same events. Internal to model/: not a public API. */
#ifndef CW_MODEL_FIELDS_H
#define CW_MODEL_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/event.h"
#include "model/reject.h"

/* Years accepted in `until` and `child_born` (the zone table's range). */
#define YEAR_MIN 1900
#define YEAR_MAX 2199

/* Instants must fall in 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z,
 * so that their UTC form (what the JSON encoder writes) parses again. */
#define INSTANT_MIN (-62135596800000LL)
#define INSTANT_END (253402300800000LL)

/* ---- the data fields: one row per field, one bit per field ---- */

typedef enum {
    F_MUNICIPALITY,
    F_UNIT,
    F_CASEWORKER,
    F_REPORT_ID,
    F_INVESTIGATION_ID,
    F_PLACEMENT_ID,
    F_ORDER_ID,
    F_HOME_ID,
    F_CHILD,
    F_TO_MUNICIPALITY,
    F_REASON,     /* free text */
    F_END_REASON, /* "reason" of placement.ended: a closed set */
    F_VIOLENCE,
    F_IMMEDIATE_PROTECTION_NEEDED,
    F_PRIVATE_TALK,
    F_REPORTER,
    F_OUTCOME,
    F_BASIS,
    F_SETTING,
    F_UNTIL,
    F_EXECUTED_AT,
    F_CHILD_BORN,
    F__COUNT
} field_id_t;

_Static_assert(F__COUNT <= 32, "field masks are 32 bits");

typedef enum {
    K_STR,     /* non-empty string up to max bytes */
    K_KOMMUN,  /* exactly 4 ASCII digits */
    K_BOOL,    /* true/false into a cw_tri_t */
    K_ENUM,    /* a closed set's wire name into its enum */
    K_DATE,    /* "YYYY-MM-DD" (JSON) or days (Avro date) into a cw_date_t */
    K_MONTH,   /* "YYYY-MM" into born_year/born_month */
    K_INSTANT, /* RFC 3339 with offset (JSON) or ms (Avro) into a cw_instant_t */
} kind_t;

typedef struct {
    const char *name; /* key in data */
    unsigned char name_len;
    unsigned char kind;    /* kind_t */
    unsigned char flag;    /* CW_F_* set when present (K_DATE, K_MONTH, K_INSTANT) */
    unsigned short off;    /* offset of the member in cw_event_t */
    unsigned short max;    /* K_STR: limit in bytes */
    unsigned char enum_of; /* K_ENUM: cw_enum_t */
} field_t;

extern const field_t cw_fields[F__COUNT];

/* The catalogue: which fields each type has (bit masks of field_id_t). */
typedef struct {
    uint32_t req; /* required */
    uint32_t opt; /* optional */
    uint32_t any; /* optional, but at least one of them is required */
} type_fields_t;

extern const type_fields_t cw_type_fields[CW_EV__COUNT];

#define FIELD_BIT(f) (1u << (f))
#define COMMON_REQ   FIELD_BIT(F_MUNICIPALITY)
#define COMMON_OPT   (FIELD_BIT(F_UNIT) | FIELD_BIT(F_CASEWORKER))

/* The field of type t named name, or -1 ("reason" is F_END_REASON on
 * placement.ended and F_REASON elsewhere). */
int cw_field_lookup(cw_event_type_t t, const char *name, size_t len);

/* ---- setting a field after checking it (detail names "data.<field>") ---- */

/* A string value for any kind but K_BOOL: K_STR (non-empty, no NUL, at
 * most max bytes), K_KOMMUN, K_ENUM by wire name, K_DATE "YYYY-MM-DD",
 * K_MONTH "YYYY-MM", K_INSTANT RFC 3339 with an offset. */
cw_reject_code_t cw_field_set_string(const field_t *fd, const char *s, size_t len, cw_event_t *ev,
                                     cw_reject_t *rej);
void cw_field_set_bool(const field_t *fd, bool v, cw_event_t *ev);
/* K_ENUM by value (0 or out of range: rejected as an unknown value). */
cw_reject_code_t cw_field_set_enum(const field_t *fd, int v, cw_event_t *ev, cw_reject_t *rej);
/* K_DATE by day number, years YEAR_MIN..YEAR_MAX. */
cw_reject_code_t cw_field_set_date(const field_t *fd, cw_date_t d, cw_event_t *ev,
                                   cw_reject_t *rej);
/* K_INSTANT by ms since the epoch, INSTANT_MIN..INSTANT_END. */
cw_reject_code_t cw_field_set_instant(const field_t *fd, cw_instant_t t, cw_event_t *ev,
                                      cw_reject_t *rej);

/* After the fields of ev->type were set (seen = their bits): a required
 * field missing, none of an "any" set, then the defaults (report.received:
 * violence false). */
cw_reject_code_t cw_fields_finish(cw_event_t *ev, uint32_t seen, cw_reject_t *rej);

/* ---- envelope attributes (detail names the attribute) ---- */

/* A required string attribute: non-empty, no NUL, at most max bytes
 * (0: no limit). Copied into dst (max + 1 bytes) when dst is not NULL. */
cw_reject_code_t cw_attr_string(const char *name, const char *s, size_t len, size_t max, char *dst,
                                cw_reject_t *rej);
cw_reject_code_t cw_attr_specversion(const char *s, size_t len, cw_reject_t *rej);
/* "se.casewatch.<type>" into ev->type. */
cw_reject_code_t cw_attr_type(const char *s, size_t len, cw_event_t *ev, cw_reject_t *rej);
cw_reject_code_t cw_attr_time_ms(cw_instant_t t, cw_event_t *ev, cw_reject_t *rej);

#endif
