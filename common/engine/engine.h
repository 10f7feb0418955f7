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

/* ---- for audits: the life of each deadline obligation ----
 *
 * An observer hears every obligation (deadline and recurring rules) start,
 * move and end, as the events that cause it are applied. Alerts tell only
 * the late ones; this tells the ones kept on time too. A recurring rule's
 * cycles are obligations of their own: SATISFIED, then STARTED again with
 * the same id. Obligations loaded by cw_engine_restore or dropped by
 * cw_engine_forget / cw_engine_destroy are not reported. */
typedef enum {
    CW_OBL_STARTED,   /* triggered, or a recurring rule's next cycle */
    CW_OBL_EXTENDED,  /* an extension decision moved the due date */
    CW_OBL_SATISFIED, /* the action was taken (at: its time) */
    CW_OBL_CANCELLED, /* ended without the action: cancelled_by, case closed or
                         transferred, or replaced by a new trigger */
} cw_obligation_change_t;

typedef struct {
    cw_obligation_change_t change;
    const void *id; /* the same for every note of one open obligation; may be
                       reused after it ends */
    const cw_rule_t *rule;
    const char *case_id, *municipality, *unit, *subject_ref; /* unit "" if unknown */
    cw_date_t start, nominal_due, due; /* due: rolled forward (if the rule does) */
    cw_instant_t at;                   /* the time of the event causing the change */
    const char *event_id;
    /* SATISFIED: a breach stood, i.e. the engine emits a resolved alert
     * (the action came after the due date, or after one that a too-late
     * extension did not undo). */
    bool late;
} cw_obligation_note_t;

typedef void(cw_obligation_cb_t)(const cw_obligation_note_t *note, void *opaque);
/* Sets (or with NULL clears) the observer; cb and opaque borrowed. */
void cw_engine_observe(cw_engine_t *e, cw_obligation_cb_t *cb, void *opaque);

/* ---- for the processor: input positions, changes, snapshots ----
 *
 * The position (input source index, offset) set before cw_engine_apply is
 * recorded in the case the event applied to, so after a restore the caller
 * can skip input that a case already reflects. */
void cw_engine_set_position(cw_engine_t *e, int source, int64_t offset);
/* The position last recorded in a case; false if the case is not held. */
bool cw_engine_case_position(const cw_engine_t *e, const char *case_id, int *source,
                             int64_t *offset);

/* Called for each changed case: snap/len is its snapshot (borrowed for the
 * call), or NULL/0 when the case has ended (closed or transferred, no open
 * obligation): it is then evicted from memory and its record may be a
 * tombstone. */
typedef void(cw_snapshot_cb_t)(const char *case_id, const void *snap, size_t len, void *opaque);
/* Starts recording which cases change (off by default: a replay needs no
 * snapshots). */
void cw_engine_track_changes(cw_engine_t *e);
/* Reports and forgets the cases changed since the last call. */
void cw_engine_drain_changes(cw_engine_t *e, cw_snapshot_cb_t *fn, void *opaque);
/* Drops a case from memory (a tombstone in the changelog). */
void cw_engine_forget(cw_engine_t *e, const char *case_id);
/* Loads a case from its snapshot (replacing a held case of the same id).
 * Obligations of rules the pack no longer has are dropped. Corrupt or
 * foreign input is CW_ERR_PARSE and changes nothing. */
cw_err_t cw_engine_restore(cw_engine_t *e, const void *snap, size_t len, char *errstr,
                           size_t errstr_size);

#endif
