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

/* ---- clock records ----
 *
 * Besides case snapshots, each changelog partition holds the processor's
 * clock for that partition: its stream time (the greatest event `time`
 * applied) and, per input topic, the next input offset the partition's
 * state reflects. It is written after the batch's case records are
 * acknowledged and before the input offsets are committed, so a restart or
 * a rebalance resumes with the same clock as an uninterrupted run, and
 * input before those offsets is known to be in the restored state.
 *
 * Key: CW_CLOCK_KEY_PREFIX then the partition number ("\0clock/3"): a case
 * id never holds a NUL, so it cannot collide, and compaction keeps the
 * newest per partition. Value, integers little-endian:
 *
 *   "CWC" version(u8=1) i64 stream_time (ms since the epoch, 0 = none)
 *   u8 n, n × (str topic (u16 length + bytes), i64 next_offset)
 *
 * Readers that want cases skip records whose key cw_clock_is_key(). */
#define CW_CLOCK_KEY_PREFIX     "\0clock/"
#define CW_CLOCK_KEY_PREFIX_LEN 7
#define CW_CLOCK_KEY_MAX        (CW_CLOCK_KEY_PREFIX_LEN + 11)
#define CW_CLOCK_TOPICS_MAX     8
#define CW_CLOCK_TOPIC_MAX      249 /* Kafka's limit on a topic name */
#define CW_CLOCK_RECORD_MAX     (4 + 8 + 1 + CW_CLOCK_TOPICS_MAX * (2 + CW_CLOCK_TOPIC_MAX + 8))

typedef struct {
    cw_instant_t stream_time;
    int n; /* input topics, at most CW_CLOCK_TOPICS_MAX */
    struct {
        char topic[CW_CLOCK_TOPIC_MAX + 1];
        int64_t next_offset; /* input before it is in the state; -1 = none */
    } inputs[CW_CLOCK_TOPICS_MAX];
} cw_clock_record_t;

/* Writes the key of partition's clock record into buf (at least
 * CW_CLOCK_KEY_MAX bytes; not NUL-terminated: it starts with one); returns
 * its length. */
size_t cw_clock_key(int partition, char *buf);
/* True if key/len is a clock record's key (whatever the partition). */
bool cw_clock_is_key(const void *key, size_t len);
/* Encodes c into buf (at least CW_CLOCK_RECORD_MAX bytes); returns the
 * length. Topic names longer than CW_CLOCK_TOPIC_MAX are cut there. */
size_t cw_clock_record_write(const cw_clock_record_t *c, unsigned char *buf);
/* Decodes value/len into *out; anything that does not parse whole is
 * CW_ERR_PARSE with *out zeroed. */
cw_err_t cw_clock_record_read(const void *value, size_t len, cw_clock_record_t *out, char *errstr,
                              size_t errstr_size);

#endif
