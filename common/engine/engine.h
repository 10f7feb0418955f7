/* The case engine: case events and a clock in, alerts out. Pure: no I/O,
 * no Kafka, no clock reading. `now` is always the caller's, which is what
 * makes replay, audit and the live processor give the same answers.
 *
 * Not thread-safe: one engine per partition (or per replay). */
#ifndef CW_ENGINE_ENGINE_H
#define CW_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/rulepack.h"
#include "model/alert.h"
#include "model/event.h"
#include "model/reject.h"

typedef struct cw_engine_s cw_engine_t;

/* Receives each alert; the alert is borrowed for the call only. */
typedef void(cw_alert_cb_t)(const cw_alert_t *alert, void *opaque);

typedef struct {
    uint64_t applied, duplicates, rejected;
    uint64_t alerts[CW_ALERT__COUNT];
    uint64_t cases, obligations; /* currently held; obligations = open ones */
} cw_engine_stats_t;

/* New engine over a borrowed pack (must outlive it). cb and opaque borrowed. */
cw_engine_t *cw_engine_new(const cw_rulepack_t *pack, cw_alert_cb_t *cb, void *opaque);
void cw_engine_destroy(cw_engine_t *e);

/* Fires everything due by now, applies ev, then fires what ev made due.
 * now must not go backwards between calls (the caller keeps stream time).
 * Returns CW_REJ_NONE when applied or when ev's id was already applied to
 * its case (then *duplicate is set and nothing changes); otherwise the
 * rejection code, rej filled, and the state unchanged. */
cw_reject_code_t cw_engine_apply(cw_engine_t *e, const cw_event_t *ev, cw_instant_t now,
                                 bool *duplicate, cw_reject_t *rej);

/* Fires every warning and breach due at or before now. */
void cw_engine_advance(cw_engine_t *e, cw_instant_t now);

void cw_engine_get_stats(const cw_engine_t *e, cw_engine_stats_t *out);

#endif
