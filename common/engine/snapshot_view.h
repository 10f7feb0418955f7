/* A read-only view of a case snapshot (the changelog's "CWS" records, see
 * engine/snapshot.c), for readers that are not the engine: the feed's
 * caseload and the case page. No rule pack needed, nothing restored.
 *
 * The changelog is input: every length and count is checked against what
 * is left of the record before use, strings are bounded by the same limits
 * as events, and anything that does not parse whole is CW_ERR_PARSE with
 * the output left empty. */
#ifndef CW_ENGINE_SNAPSHOT_VIEW_H
#define CW_ENGINE_SNAPSHOT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/time.h"
#include "model/alert.h"
#include "model/event.h"

#define CW_SNAPSHOT_RULE_MAX 255

typedef enum {
    CW_SNAP_PHASE_OPEN = 0,    /* before its warning */
    CW_SNAP_PHASE_WARNED = 1,  /* warning due or sent, not yet past due */
    CW_SNAP_PHASE_BREACHED = 2 /* breach sent, still not done */
} cw_snap_phase_t;

typedef struct {
    char rule[CW_SNAPSHOT_RULE_MAX + 1];
    char subject[CW_SUBJECT_MAX + 1]; /* "report:R1", like an alert's subject */
    cw_date_t start, nominal_due, due;
    cw_date_t late_due; /* a breach that an extension came too late for; INT32_MIN: none */
    cw_snap_phase_t phase;
} cw_snapshot_obligation_t;

typedef struct {
    char id[CW_ID_MAX + 1]; /* the case id */
    char municipality[CW_KOMMUN_LEN + 1];
    char unit[CW_NAME_MAX + 1];       /* "" when unknown */
    char caseworker[CW_NAME_MAX + 1]; /* "" when unknown */
    bool closed;
    size_t n_obligations;
    cw_snapshot_obligation_t *obligations; /* owned; free with cw_snapshot_summary_free */
} cw_snapshot_summary_t;

/* Decodes snap/len into *out (which it owns afterwards, also on failure:
 * free it either way). */
cw_err_t cw_snapshot_summary(const void *snap, size_t len, cw_snapshot_summary_t *out, char *errstr,
                             size_t errstr_size);
void cw_snapshot_summary_free(cw_snapshot_summary_t *s);

#endif
