/* Processor internals shared by processor.c (the loop and outputs) and
 * partitions.c (assignment, restore, clocks). */
#ifndef CW_PROCESSOR_INTERNAL_H
#define CW_PROCESSOR_INTERNAL_H

#include "base/jsonw.h"
#include "kafka/registry.h"
#include "model/alert_avro.h"
#include "model/reject.h"
#include "processor.h"

/* One partition index: the cases of partition p of every input topic (they
 * are co-partitioned by case id), its engine and its clock. */
typedef struct {
    unsigned topics; /* bit per input topic whose partition is assigned; 0 = not held */
    cw_engine_t *engine;
    cw_instant_t stream_time;                 /* greatest event time seen, 0 = none */
    /* The clock record (changelog): pos = next input offset after the last
     * message read, -1 = none; held = input below it was restored as part
     * of the state (skipped when read again), -1 = none; clock_dirty = the
     * stream time or a pos moved since the last clock record. */
    int64_t pos[CW_MAX_INPUT_TOPICS];
    int64_t held[CW_MAX_INPUT_TOPICS];
    bool clock_dirty;
    bool at_end[CW_MAX_INPUT_TOPICS];         /* reached the end of that topic's partition */
    int64_t next_offset[CW_MAX_INPUT_TOPICS]; /* to commit; -1 = nothing new */
    int64_t high[CW_MAX_INPUT_TOPICS];        /* last seen high watermark, for lag */
} part_t;

typedef struct {
    uint64_t consumed, applied, duplicates, skipped, rejected, dlq;
    uint64_t alerts[CW_ALERT__COUNT];
    uint64_t rejected_by[CW_REJ__COUNT];
    uint64_t restored_cases, restore_ms, changelog_records, tombstones;
    uint64_t commits, batches, delivery_errors;
    uint64_t schema_retries;
    /* output.c: dead letters cut to processor.dlq_max_bytes, sent again as a
     * reference, refused even so; alerts dead-lettered; failed deliveries
     * produced again (retriable) and refused for good (per record). */
    uint64_t dlq_truncated, dlq_references, dlq_lost, alerts_dead_lettered;
    uint64_t produce_retries, produce_refused;
} counters_t;

typedef struct out_pending_s out_pending_t; /* a failed record (output.c) */

struct cw_processor_s {
    const cw_conf_t *conf;
    const cw_rulepack_t *pack;
    rd_kafka_t *consumer, *producer, *restorer;
    rd_kafka_topic_partition_list_t *subscription;
    char *topics[CW_MAX_INPUT_TOPICS];
    int n_topics;
    const char *alert_topic, *changelog_topic, *dlq_topic;
    size_t dlq_max_bytes;   /* key + value + original headers of a dead letter */
    out_pending_t *pending; /* failed deliveries not yet dealt with (output.c) */
    bool alerts_avro;
    uint32_t alert_schema_id;
    cw_alert_avro_t *alert_enc; /* alert_format=avro */
    cw_registry_t *registry;    /* writer schemas of Avro input */
    volatile sig_atomic_t *stop;
    int batch_max;
    int poll_ms;
    int64_t live_grace_ms;
    int64_t restore_timeout_ms;
    const char *clock_file;
    part_t *parts;
    int n_parts;
    int cur_part; /* partition index of the message being applied */
    const char *cur_topic;
    cw_jsonw_t out; /* reused alert buffer */
    cw_event_t ev;  /* reused decoded event */
    counters_t n;
    int64_t last_report_ms;
    bool fatal;
    bool txn; /* processor.mode = exactly_once: every batch ends in a transaction */
};

/* partitions.c */
void parts_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t *parts, void *opaque);
part_t *parts_get(cw_processor_t *p, int partition);
int parts_topic_index(const cw_processor_t *p, const char *topic);
/* The live clock for a partition: stream time while behind; once at the
 * end of every input, max(stream time, wall clock − grace). */
cw_instant_t parts_clock(const cw_processor_t *p, const part_t *pt, cw_instant_t wall);
cw_instant_t parts_wall_clock(const cw_processor_t *p);
void parts_drop(cw_processor_t *p, int partition);

/* output.c: alerts, dead letters, changelog records and their delivery
 * failures (the classes are described at the top of output.c). */
typedef struct {
    cw_processor_t *p;
    int partition;
} out_snap_ctx_t;
void out_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);
/* Dead-letters input message m (borrowed) with reason rej, cut to
 * processor.dlq_max_bytes. */
void out_dlq(cw_processor_t *p, const rd_kafka_message_t *m, const cw_reject_t *rej);
/* cw_snapshot_cb_t for cw_engine_drain_changes; opaque is an out_snap_ctx_t. */
void out_on_snapshot(const char *case_id, const void *snap, size_t len, void *opaque);
/* Waits until everything produced is acknowledged or dealt with; false
 * (and p->fatal) after a fatal error: the batch must not be committed. */
/* A record of the changelog's own (a clock record) to one partition; the
 * bytes are copied. */
void out_changelog(cw_processor_t *p, int partition, const void *key, size_t key_len,
                   const void *value, size_t len);
bool out_flush(cw_processor_t *p);
void out_destroy(cw_processor_t *p);
/* Whether a failed record waits to be dealt with. */
bool out_pending(const cw_processor_t *p);
void processor_on_alert(const cw_alert_t *alert, void *opaque);

/* processor.c */
/* Flushes outputs, writes the changelog, commits offsets; false on a fatal
 * delivery error. In exactly_once mode all of it is one transaction: the
 * offsets go into it and it commits (the revoke path included: offsets are
 * never committed beside an open transaction). */
bool processor_end_batch(cw_processor_t *p);

/* processor.c: a librdkafka configuration for an extra client of kind
 * scope ('C' or 'P'): the kafka.* keys for it, our log callback. The
 * caller owns it. NULL with errstr on a bad key. */
rd_kafka_conf_t *proc_kafka_conf(const cw_processor_t *p, char scope, char *errstr,
                                 size_t errstr_size);
/* topics.c: checks the topics before the processor's clients exist (takes
 * c, an admin client's configuration). CW_EXIT_OK, or a CW_EXIT_* with
 * errstr (one line). */
int topics_check(const cw_processor_t *p, rd_kafka_conf_t *c, char *errstr, size_t errstr_size);

#endif
