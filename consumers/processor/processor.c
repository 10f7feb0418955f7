#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/jsonw.h"
#include "base/log.h"
#include "base/mem.h"
#include "engine/snapshot_view.h"
#include "internal.h"
#include "kafka/client.h"
#include "kafka/wire.h"
#include "model/alert_avro.h"

static const char *const formats[] = {"json", "avro", NULL};
static const char *const modes[] = {"at_least_once", "exactly_once", NULL};
static const char *const levels[] = {"error", "warn", "info", "debug", NULL};

const cw_conf_prop_t cw_processor_props[] = {
    {"processor.input_topics", CW_CONF_STRING, "case-events", 0, 0, NULL, 0,
     "comma-separated input topics, keyed by case id and co-partitioned"},
    {"processor.alert_topic", CW_CONF_STRING, "case-alerts", 0, 0, NULL, 0, "alerts out"},
    {"processor.changelog_topic", CW_CONF_STRING, "casewatch-state", 0, 0, NULL, 0,
     "compacted case-state changelog, same partition count as the input"},
    {"processor.dlq_topic", CW_CONF_STRING, "case-events-dlq", 0, 0, NULL, 0,
     "rejected input with reason headers"},
    {"processor.dlq_max_bytes", CW_CONF_INT, "262144", 1024, 100000000, NULL, 0,
     "most bytes of a rejected record (key, value, headers) copied to the DLQ; the rest is cut "
     "(cw_truncated=true, cw_original_size); at most kafka.message.max.bytes - 4096"},
    {"processor.group_id", CW_CONF_STRING, "casewatch-processor", 0, 0, NULL, 0, "consumer group"},
    {"processor.alert_format", CW_CONF_ENUM, "json", 0, 0, formats, 0,
     "alert encoding on the alert topic: json (CloudEvents binary mode), or avro (wire format)"},
    {"processor.alert_schema_id", CW_CONF_INT, "2", 0, 2147483647, NULL, 0,
     "schema id in the header of Avro alerts (2 = alert.avsc in the local mapping; with a "
     "registry, the id alert.avsc was registered under)"},
    {"schema_registry.url", CW_CONF_STRING, NULL, 0, 0, NULL, 0,
     "Confluent Schema Registry for Avro input (unset: the local mapping only)"},
    {"schema_registry.basic_auth_user_info", CW_CONF_STRING, NULL, 0, 0, NULL, CW_CONF_SECRET,
     "USER:PASSWORD for the registry"},
    {"schema_registry.timeout", CW_CONF_DURATION, "5s", 100, 600000, NULL, 0,
     "per registry request; a registry that does not answer holds the input and is retried"},
    {"schema_registry.local", CW_CONF_STRING, NULL, 0, 0, NULL, 0,
     "ID=FILE.avsc,... writer schemas by id without a registry (1-3 are built in)"},
    {"processor.mode", CW_CONF_ENUM, "at_least_once", 0, 0, modes, 0,
     "delivery: at_least_once, or exactly_once with transactions (real Kafka only)"},
    {"processor.rules", CW_CONF_STRING, NULL, 0, 0, NULL, 0,
     "rule pack file (default: the built-in Swedish pack)"},
    {"processor.batch_max", CW_CONF_INT, "2000", 1, 1000000, NULL, 0,
     "messages applied per batch before outputs are flushed and offsets committed"},
    {"processor.poll_timeout", CW_CONF_DURATION, "50ms", 1, 10000, NULL, 0,
     "how long one poll waits for input"},
    {"processor.live_grace", CW_CONF_DURATION, "5s", 0, 86400000, NULL, 0,
     "on a caught-up partition, wall-clock deadlines fire this long after they pass"},
    {"processor.clock_file", CW_CONF_STRING, NULL, 0, 0, NULL, 0,
     "tests: read the wall clock as an RFC 3339 time from this file"},
    {"processor.report_interval", CW_CONF_DURATION, "10s", 100, 86400000, NULL, 0,
     "how often counters are logged"},
    {"processor.startup_timeout", CW_CONF_DURATION, "30s", 1000, 3600000, NULL, 0,
     "longest the start-up check of the cluster and its topics may take (exit 4 then)"},
    {"processor.restore_timeout", CW_CONF_DURATION, "10m", 1000, 86400000, NULL, 0,
     "longest a partition's restore from the changelog may take before start-up fails"},
    {"time.zone", CW_CONF_STRING, "Europe/Stockholm", 0, 0, NULL, 0, "the legal time zone"},
    {"log.level", CW_CONF_ENUM, "info", 0, 0, levels, 0, "log level"},
    {"log.hash_key", CW_CONF_STRING, NULL, 0, 0, NULL, CW_CONF_SECRET,
     "key for the hashes that stand for case ids in logs (random per run if unset)"},
};
const size_t cw_processor_n_props = sizeof(cw_processor_props) / sizeof(cw_processor_props[0]);

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- input ---- */

/* Sleeps ms in short slices, serving delivery reports; false if asked to stop. */
static bool wait_ms(cw_processor_t *p, int64_t ms)
{
    for (int64_t waited = 0; waited < ms; waited += 50) {
        if (*p->stop)
            return false;
        rd_kafka_poll(p->producer, 50);
    }
    return !*p->stop;
}

/* The message's CloudEvents headers (ce_*, content-type) into h, borrowed
 * from m; false with rej set when one is repeated. */
static bool ce_headers(const rd_kafka_message_t *m, cw_ce_headers_t *h, cw_reject_t *rej)
{
    memset(h, 0, sizeof(*h));
    rd_kafka_headers_t *hdrs;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return true; /* none */
    const char *name;
    const void *value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) ==
                       RD_KAFKA_RESP_ERR_NO_ERROR;
         i++)
        if (cw_ce_headers_add(h, name, value, size, rej) != CW_REJ_NONE)
            return false;
    return true;
}

/* JSON (CloudEvents structured or binary mode) or Avro (wire format), then
 * the key check. A writer schema that cannot be fetched now holds the
 * message: retried with backoff, never dead-lettered for our registry's
 * trouble. CW_WIRE_RETRY only when asked to stop while waiting. */
static cw_wire_status_t decode(cw_processor_t *p, const rd_kafka_message_t *m, cw_reject_t *rej)
{
    char why[256];
    int64_t backoff = 100;
    cw_wire_status_t st;
    cw_ce_headers_t h;
    if (!ce_headers(m, &h, rej)) {
        cw_event_clear(&p->ev);
        return CW_WIRE_REJECTED;
    }
    while ((st = cw_wire_decode_event(p->registry, &h, m->payload, m->payload ? m->len : 0, &p->ev,
                                      rej, why, sizeof(why))) == CW_WIRE_RETRY) {
        p->n.schema_retries++;
        cw_log(CW_LOG_WARN, "%s; input %s [%d] held at offset %lld, retrying in %lld ms", why,
               rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset,
               (long long)backoff);
        if (!wait_ms(p, backoff))
            return CW_WIRE_RETRY;
        backoff = backoff < 5000 ? backoff * 2 : 5000;
    }
    if (st == CW_WIRE_OK && (!m->key || m->key_len != strlen(p->ev.subject) ||
                             memcmp(m->key, p->ev.subject, m->key_len) != 0)) {
        cw_reject_set(rej, CW_REJ_KEY_MISMATCH, "the message key is not the subject");
        return CW_WIRE_REJECTED;
    }
    return st;
}

/* false when the message was not handled (asked to stop while its schema
 * was unavailable): the batch ends before it, and it is read again. */
static bool handle(cw_processor_t *p, rd_kafka_message_t *m)
{
    const char *topic = rd_kafka_topic_name(m->rkt);
    int t = parts_topic_index(p, topic);
    part_t *pt = parts_get(p, m->partition);
    if (t < 0 || !pt->topics)
        return true; /* not (or no longer) ours */
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        pt->at_end[t] = true;
        return true;
    }
    if (m->err) {
        cw_log(CW_LOG_WARN, "consume %s [%d]: %s", topic, (int)m->partition,
               rd_kafka_message_errstr(m));
        return true;
    }
    if (m->offset < pt->held[t]) {
        /* Below the restored clock record's offset: this input is in the
         * restored state (cases, tombstones, its alerts and dead letters
         * delivered, the clock past it), although the offsets committed
         * lag (a crash between the changelog and the commit). Applied
         * again it could only differ: a case it ended would be built
         * anew under a later clock. */
        p->n.consumed++;
        p->n.skipped++;
        pt->at_end[t] = false;
        pt->next_offset[t] = m->offset + 1;
        return true;
    }
    cw_reject_t rej;
    cw_wire_status_t st = decode(p, m, &rej);
    if (st == CW_WIRE_RETRY)
        return false;
    p->n.consumed++;
    pt->at_end[t] = false;
    pt->next_offset[t] = m->offset + 1;
    pt->pos[t] = m->offset + 1;
    pt->clock_dirty = true;
    if (st == CW_WIRE_REJECTED) {
        out_dlq(p, m, &rej);
        return true;
    }
    /* Stream time moves with every event read, also with one skipped below:
     * a case restored ahead of the input must not hold back the clock of
     * the others, or their alerts would fire later than the first time,
     * with another "at" (the duplicate of an alert must be byte-equal). */
    if (p->ev.time > pt->stream_time)
        pt->stream_time = p->ev.time;
    /* After a restore, input up to the case's recorded offset is already in
     * it; the clock is moved as applying it would have (fires what is due). */
    int src;
    int64_t off;
    if (cw_engine_case_position(pt->engine, p->ev.subject, &src, &off) && src == t &&
        m->offset <= off) {
        p->n.skipped++;
        cw_engine_advance(pt->engine, pt->stream_time);
        return true;
    }
    cw_engine_set_position(pt->engine, t, m->offset);
    bool dup;
    if (cw_engine_apply(pt->engine, &p->ev, pt->stream_time, &dup, &rej) != CW_REJ_NONE)
        out_dlq(p, m, &rej);
    else if (dup)
        p->n.duplicates++;
    else
        p->n.applied++;
    return true;
}

/* ---- end of a batch: durable outputs, then changelog, then commit ---- */

/* The clock record of each partition whose clock or input position moved
 * (layout and key in engine/snapshot_view.h). Only the stream time is
 * kept: wall-clock advances of a caught-up partition are not, since what
 * they fired is in its cases already and the wall clock only moves on. */
static void write_clocks(cw_processor_t *p)
{
    for (int i = 0; i < p->n_parts; i++) {
        part_t *pt = &p->parts[i];
        if (!pt->topics || !pt->clock_dirty)
            continue;
        cw_clock_record_t c = {.stream_time = pt->stream_time, .n = p->n_topics};
        for (int t = 0; t < p->n_topics; t++) {
            snprintf(c.inputs[t].topic, sizeof(c.inputs[t].topic), "%s", p->topics[t]);
            c.inputs[t].next_offset = pt->pos[t];
        }
        char key[CW_CLOCK_KEY_MAX];
        unsigned char value[CW_CLOCK_RECORD_MAX];
        size_t kl = cw_clock_key(i, key), len = cw_clock_record_write(&c, value);
        out_changelog(p, i, key, kl, value, len);
        pt->clock_dirty = false;
    }
}

static bool any_clock_dirty(const cw_processor_t *p)
{
    for (int i = 0; i < p->n_parts; i++)
        if (p->parts[i].topics && p->parts[i].clock_dirty)
            return true;
    return false;
}

static bool commit(cw_processor_t *p)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (int i = 0; i < p->n_parts; i++) {
        part_t *pt = &p->parts[i];
        for (int t = 0; pt->topics && t < p->n_topics; t++) {
            if (pt->next_offset[t] < 0)
                continue;
            rd_kafka_topic_partition_list_add(l, p->topics[t], i)->offset = pt->next_offset[t];
            pt->next_offset[t] = -1;
        }
    }
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (l->cnt > 0) {
        err = rd_kafka_commit(p->consumer, l, 0);
        p->n.commits++;
    }
    rd_kafka_topic_partition_list_destroy(l);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        cw_log(CW_LOG_WARN, "commit: %s (the input will be applied again, harmlessly)",
               rd_kafka_err2str(err));
    return true;
}

static bool end_batch_txn(cw_processor_t *p);

bool processor_end_batch(cw_processor_t *p)
{
    if (p->txn) /* the revoke path too: never a commit beside the transaction */
        return end_batch_txn(p);
    if (!out_flush(p)) /* alerts and DLQ records acknowledged */
        return false;
    for (int i = 0; i < p->n_parts; i++) {
        if (!p->parts[i].topics)
            continue;
        out_snap_ctx_t c = {p, i};
        cw_engine_drain_changes(p->parts[i].engine, out_on_snapshot, &c);
    }
    if (!out_flush(p)) /* changelog acknowledged */
        return false;
    /* The clock records only once the case records are acknowledged: a
     * clock record claims its partition's input up to its offsets is in
     * the changelog, and a failed case record with a delivered clock
     * record after it would be a change lost for good. */
    if (any_clock_dirty(p)) {
        write_clocks(p);
        if (!out_flush(p))
            return false;
    }
    p->n.batches++;
    return commit(p);
}

/* exactly_once: the batch's alerts, DLQ and changelog records and its input
 * offsets commit atomically in one transaction. Provable only on a real
 * cluster: the embedded broker accepts the calls without isolation. */
static bool end_batch_txn(cw_processor_t *p)
{
    for (int i = 0; i < p->n_parts; i++) {
        out_snap_ctx_t c = {p, i};
        if (p->parts[i].topics)
            cw_engine_drain_changes(p->parts[i].engine, out_on_snapshot, &c);
    }
    if (out_pending(p)) {
        /* Refused before it was sent (a local error): this transaction
         * would commit without it. Stop; a restart re-applies the input. */
        cw_log(CW_LOG_ERROR, "transaction: an output was refused by the producer");
        return false;
    }
    write_clocks(p); /* in the same transaction as the cases and the offsets */
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (int i = 0; i < p->n_parts; i++)
        for (int t = 0; p->parts[i].topics && t < p->n_topics; t++)
            if (p->parts[i].next_offset[t] >= 0) {
                rd_kafka_topic_partition_list_add(l, p->topics[t], i)->offset =
                    p->parts[i].next_offset[t];
                p->parts[i].next_offset[t] = -1;
            }
    rd_kafka_error_t *e = NULL;
    if (l->cnt > 0) {
        rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata(p->consumer);
        e = rd_kafka_send_offsets_to_transaction(p->producer, l, md, -1);
        rd_kafka_consumer_group_metadata_destroy(md);
    }
    rd_kafka_topic_partition_list_destroy(l);
    if (!e)
        e = rd_kafka_commit_transaction(p->producer, -1);
    if (!e)
        e = rd_kafka_begin_transaction(p->producer);
    if (e) {
        /* Abortable or fatal: either way stop; a restart re-applies the input.
         * An abortable transaction is aborted now, so that read_committed
         * readers need not wait for its timeout. */
        cw_log(CW_LOG_ERROR, "transaction: %s", rd_kafka_error_string(e));
        if (rd_kafka_error_txn_requires_abort(e)) {
            rd_kafka_error_t *a = rd_kafka_abort_transaction(p->producer, 30000);
            if (a) {
                cw_log(CW_LOG_ERROR, "transaction abort: %s", rd_kafka_error_string(a));
                rd_kafka_error_destroy(a);
            }
        }
        rd_kafka_error_destroy(e);
        return false;
    }
    p->n.batches++;
    return true;
}

static void advance_clocks(cw_processor_t *p)
{
    cw_instant_t wall = parts_wall_clock(p);
    for (int i = 0; i < p->n_parts; i++)
        if (p->parts[i].topics)
            cw_engine_advance(p->parts[i].engine, parts_clock(p, &p->parts[i], wall));
}

static void report(cw_processor_t *p, bool force)
{
    int64_t now = mono_ms();
    if (!force && now - p->last_report_ms < cw_conf_get_int(p->conf, "processor.report_interval"))
        return;
    p->last_report_ms = now;
    int64_t lag = 0;
    for (int i = 0; i < p->n_parts; i++) {
        for (int t = 0; p->parts[i].topics && t < p->n_topics; t++) {
            int64_t lo, hi;
            rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(l, p->topics[t], i);
            if (rd_kafka_get_watermark_offsets(p->consumer, p->topics[t], i, &lo, &hi) == 0 &&
                rd_kafka_position(p->consumer, l) == 0 && l->elems[0].offset >= 0)
                lag += hi - l->elems[0].offset;
            rd_kafka_topic_partition_list_destroy(l);
        }
    }
    cw_log(CW_LOG_INFO,
           "consumed=%llu applied=%llu duplicates=%llu skipped=%llu rejected=%llu "
           "alerts{warning=%llu breach=%llu resolved=%llu withdrawn=%llu violation=%llu "
           "extended=%llu} changelog=%llu tombstones=%llu batches=%llu lag=%lld restore_ms=%llu "
           "dlq=%llu dlq_truncated=%llu dlq_references=%llu dlq_lost=%llu "
           "alerts_dead_lettered=%llu produce_retries=%llu produce_refused=%llu",
           (unsigned long long)p->n.consumed, (unsigned long long)p->n.applied,
           (unsigned long long)p->n.duplicates, (unsigned long long)p->n.skipped,
           (unsigned long long)p->n.rejected, (unsigned long long)p->n.alerts[0],
           (unsigned long long)p->n.alerts[1], (unsigned long long)p->n.alerts[2],
           (unsigned long long)p->n.alerts[3], (unsigned long long)p->n.alerts[4],
           (unsigned long long)p->n.alerts[5], (unsigned long long)p->n.changelog_records,
           (unsigned long long)p->n.tombstones, (unsigned long long)p->n.batches, (long long)lag,
           (unsigned long long)p->n.restore_ms, (unsigned long long)p->n.dlq,
           (unsigned long long)p->n.dlq_truncated, (unsigned long long)p->n.dlq_references,
           (unsigned long long)p->n.dlq_lost, (unsigned long long)p->n.alerts_dead_lettered,
           (unsigned long long)p->n.produce_retries, (unsigned long long)p->n.produce_refused);
    for (int r = 1; r < CW_REJ__COUNT; r++)
        if (p->n.rejected_by[r])
            cw_log(CW_LOG_INFO, "rejected{reason=%s}=%llu", cw_reject_code_name(r),
                   (unsigned long long)p->n.rejected_by[r]);
}

int cw_processor_run(cw_processor_t *p, volatile sig_atomic_t *stop)
{
    p->stop = stop;
    rd_kafka_resp_err_t err = rd_kafka_subscribe(p->consumer, p->subscription);
    if (err) {
        cw_log(CW_LOG_ERROR, "subscribe: %s", rd_kafka_err2str(err));
        return 1;
    }
    cw_log(CW_LOG_INFO, "running: %d input topic(s), group %s, %s", p->n_topics,
           cw_conf_get_str(p->conf, "processor.group_id"), p->txn ? "exactly_once" : "at_least_once");
    while (!*stop && !p->fatal) {
        int n = 0;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(p->consumer, p->poll_ms);
        while (m) {
            bool handled = handle(p, m);
            rd_kafka_message_destroy(m);
            if (!handled || ++n >= p->batch_max || p->fatal)
                break;
            m = rd_kafka_consumer_poll(p->consumer, 0);
        }
        advance_clocks(p);
        if (!processor_end_batch(p))
            p->fatal = true;
        if (n == 0)
            p->n.batches--; /* an idle turn of the loop is not a batch */
        rd_kafka_poll(p->producer, 0);
        report(p, false);
    }
    if (!p->fatal && !processor_end_batch(p))
        p->fatal = true;
    report(p, true);
    cw_log(CW_LOG_INFO, "leaving the group");
    rd_kafka_consumer_close(p->consumer);
    return p->fatal ? 1 : 0;
}

/* ---- set-up ---- */

/* Our defaults, then the kafka.* keys meant for this kind of client (they
 * win over the defaults), then overrides: see kafka/client.h. */
static rd_kafka_conf_t *make_conf(const cw_processor_t *p, rd_kafka_type_t type,
                                  const char *const *defaults, const char *const *overrides,
                                  char *errstr, size_t errstr_size)
{
    cw_kafka_spec_t spec = {
        .defaults = defaults, .conf = p->conf, .overrides = overrides, .opaque = (void *)p};
    return cw_kafka_conf_new(type, &spec, errstr, errstr_size);
}

rd_kafka_conf_t *proc_kafka_conf(const cw_processor_t *p, char scope, char *errstr,
                                 size_t errstr_size)
{
    static const char *const none[] = {NULL};
    return make_conf(p, scope == 'P' ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, none, NULL, errstr,
                     errstr_size);
}

static bool parse_topics(cw_processor_t *p, char *errstr, size_t errstr_size)
{
    const char *list = cw_conf_get_str(p->conf, "processor.input_topics");
    p->subscription = rd_kafka_topic_partition_list_new(4);
    for (const char *s = list; *s;) {
        size_t n = strcspn(s, ",");
        while (n > 0 && s[n - 1] == ' ')
            n--;
        if (n > 0) {
            if (p->n_topics == CW_MAX_INPUT_TOPICS) {
                snprintf(errstr, errstr_size, "processor.input_topics: at most %d topics",
                         CW_MAX_INPUT_TOPICS);
                return false;
            }
            p->topics[p->n_topics] = cw_strndup(s, n);
            rd_kafka_topic_partition_list_add(p->subscription, p->topics[p->n_topics++],
                                              RD_KAFKA_PARTITION_UA);
        }
        s += strcspn(s, ",");
        while (*s == ',' || *s == ' ')
            s++;
    }
    if (p->n_topics == 0)
        snprintf(errstr, errstr_size, "processor.input_topics: no topic");
    return p->n_topics > 0;
}

/* One input topic: cooperative-sticky (no stop-the-world rebalances). More:
 * range, the assignor that gives partition p of every topic to the same
 * member, which co-partitioned input needs; cooperative-sticky does not.
 * exactly_once: range too (eager). In a cooperative rebalance a member goes on
 * processing while the group generation changes, and the offsets sent to its
 * transaction then fail (ILLEGAL_GENERATION, seen on Kafka 4.1: the processor
 * stops); eager, it commits its transaction in the revoke callback, before it
 * rejoins, so before the generation can change. */
static const char *assignor(const cw_processor_t *p, char *errstr, size_t errstr_size)
{
    for (size_t i = 0; i < cw_conf_kafka_count(p->conf); i++) {
        const char *k, *v;
        cw_conf_kafka_at(p->conf, i, &k, &v, NULL);
        if (strcmp(k, "partition.assignment.strategy") == 0 && p->n_topics > 1 &&
            strstr(v, "cooperative")) {
            snprintf(errstr, errstr_size,
                     "kafka.partition.assignment.strategy=%s cannot keep %d co-partitioned input "
                     "topics together; use range",
                     v, p->n_topics);
            return NULL;
        }
        if (strcmp(k, "partition.assignment.strategy") == 0 && p->txn && strstr(v, "cooperative")) {
            snprintf(errstr, errstr_size,
                     "kafka.partition.assignment.strategy=%s: exactly_once needs an eager "
                     "assignor (range)",
                     v);
            return NULL;
        }
    }
    return p->n_topics > 1 || p->txn ? "range" : "cooperative-sticky";
}

static bool make_clients(cw_processor_t *p, char *errstr, size_t errstr_size)
{
    const char *strategy = assignor(p, errstr, errstr_size);
    if (!strategy)
        return false;
    const char *cons[] = {"group.id",
                          cw_conf_get_str(p->conf, "processor.group_id"),
                          "enable.auto.commit",
                          "false",
                          "enable.partition.eof",
                          "true",
                          "auto.offset.reset",
                          "earliest",
                          "partition.assignment.strategy",
                          strategy,
                          NULL};
    const char *prod[] = {
        "enable.idempotence", "true", "linger.ms", "5",
        "message.timeout.ms", "0",    NULL}; /* 0: never give up on a message (broker outages) */
    const char *rest[] = {
        "enable.auto.commit", "false", "enable.partition.eof", "true", "auto.offset.reset",
        "earliest",           NULL};
    /* rd_kafka_consumer_poll() needs a group.id even for assign()-only use;
     * the restorer never joins the group nor commits. */
    char restore_group[300];
    snprintf(restore_group, sizeof(restore_group), "%s.restore",
             cw_conf_get_str(p->conf, "processor.group_id"));
    /* The restorer reads a range it knows is there (up to the high
     * watermark), so a long poll at the broker has no use: it would only
     * leave a fetch parked after the last record, delaying the next restore
     * (a later rebalance) by up to this long. Whatever kafka.* says. */
    const char *rest_over[] = {"group.id", restore_group, "fetch.wait.max.ms", "10", NULL};
    rd_kafka_conf_t *c = make_conf(p, RD_KAFKA_CONSUMER, cons, NULL, errstr, errstr_size);
    if (!c)
        return false;
    rd_kafka_conf_set_rebalance_cb(c, parts_rebalance_cb);
    if (!(p->consumer = cw_kafka_client_new(RD_KAFKA_CONSUMER, c, "kafka client", errstr,
                                            errstr_size)))
        return false;
    rd_kafka_poll_set_consumer(p->consumer);
    if (!(c = make_conf(p, RD_KAFKA_PRODUCER, prod, NULL, errstr, errstr_size)))
        return false;
    rd_kafka_conf_set_dr_msg_cb(c, out_on_delivery);
    if (!(p->producer = cw_kafka_client_new(RD_KAFKA_PRODUCER, c, "kafka client", errstr,
                                            errstr_size)))
        return false;
    if (!(c = make_conf(p, RD_KAFKA_CONSUMER, rest, rest_over, errstr, errstr_size)))
        return false;
    p->restorer = cw_kafka_client_new(RD_KAFKA_CONSUMER, c, "kafka client", errstr, errstr_size);
    return p->restorer != NULL;
}

/* A dead letter of processor.dlq_max_bytes, with our headers (under 4 KiB),
 * must fit the producer's message.max.bytes, or every cut one would be
 * refused locally and end up a reference. */
static bool check_dlq_size(const cw_processor_t *p, char *errstr, size_t errstr_size)
{
    char v[32];
    size_t n = sizeof(v);
    long long max = 1000000;
    if (rd_kafka_conf_get(rd_kafka_conf(p->producer), "message.max.bytes", v, &n) ==
        RD_KAFKA_CONF_OK)
        max = atoll(v);
    if ((long long)p->dlq_max_bytes + 4096 <= max)
        return true;
    snprintf(errstr, errstr_size,
             "processor.dlq_max_bytes = %zu: must be at most kafka.message.max.bytes (%lld) - 4096",
             p->dlq_max_bytes, max);
    return false;
}

cw_processor_t *cw_processor_new(const cw_conf_t *conf, const cw_rulepack_t *pack, int *status,
                                 char *errstr, size_t errstr_size)
{
    *status = CW_EXIT_FAILURE;
    cw_processor_t *p = cw_calloc(1, sizeof(*p));
    p->conf = conf;
    p->pack = pack;
    p->alert_topic = cw_conf_get_str(conf, "processor.alert_topic");
    p->changelog_topic = cw_conf_get_str(conf, "processor.changelog_topic");
    p->dlq_topic = cw_conf_get_str(conf, "processor.dlq_topic");
    p->dlq_max_bytes = (size_t)cw_conf_get_int(conf, "processor.dlq_max_bytes");
    p->batch_max = (int)cw_conf_get_int(conf, "processor.batch_max");
    p->poll_ms = (int)cw_conf_get_int(conf, "processor.poll_timeout");
    p->live_grace_ms = cw_conf_get_int(conf, "processor.live_grace");
    p->clock_file = cw_conf_get_str(conf, "processor.clock_file");
    p->restore_timeout_ms = cw_conf_get_int(conf, "processor.restore_timeout");
    p->alerts_avro = strcmp(cw_conf_get_str(conf, "processor.alert_format"), "avro") == 0;
    p->last_report_ms = mono_ms();
    cw_jsonw_init(&p->out);
    p->alert_schema_id = (uint32_t)cw_conf_get_int(conf, "processor.alert_schema_id");
    if (p->alerts_avro)
        p->alert_enc = cw_alert_avro_new();
    cw_registry_conf_t rc = {
        .url = cw_conf_get_str(conf, "schema_registry.url"),
        .user_info = cw_conf_get_str(conf, "schema_registry.basic_auth_user_info"),
        .timeout_ms = (int)cw_conf_get_int(conf, "schema_registry.timeout"),
        .local = cw_conf_get_str(conf, "schema_registry.local"),
    };
    if (!(p->registry = cw_registry_new(&rc, errstr, errstr_size)))
        goto fail;
    p->txn = strcmp(cw_conf_get_str(conf, "processor.mode"), "exactly_once") == 0;
    if (!parse_topics(p, errstr, errstr_size))
        goto fail;
    rd_kafka_conf_t *admin = proc_kafka_conf(p, 'C', errstr, errstr_size);
    if (!admin) {
        *status = CW_EXIT_CONFIG;
        goto fail;
    }
    if ((*status = topics_check(p, admin, errstr, errstr_size)) != CW_EXIT_OK)
        goto fail;
    *status = CW_EXIT_FAILURE;
    if (!make_clients(p, errstr, errstr_size) ||
        !check_dlq_size(p, errstr, errstr_size))
        goto fail;
    if (p->txn) {
        rd_kafka_error_t *e = rd_kafka_init_transactions(p->producer, 30000);
        if (!e)
            e = rd_kafka_begin_transaction(p->producer);
        if (e) {
            snprintf(errstr, errstr_size,
                     "exactly_once: %s (set kafka.transactional.id, and use a real cluster)",
                     rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            goto fail;
        }
    }
    return p;
fail:
    cw_processor_destroy(p);
    return NULL;
}

void cw_processor_destroy(cw_processor_t *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n_parts; i++)
        if (p->parts[i].topics)
            parts_drop(p, i);
    free(p->parts);
    if (p->consumer)
        rd_kafka_destroy(p->consumer);
    if (p->restorer)
        rd_kafka_destroy(p->restorer);
    if (p->producer) {
        rd_kafka_flush(p->producer, 10000);
        rd_kafka_destroy(p->producer);
    }
    if (p->subscription)
        rd_kafka_topic_partition_list_destroy(p->subscription);
    for (int i = 0; i < p->n_topics; i++)
        free(p->topics[i]);
    out_destroy(p);
    cw_jsonw_free(&p->out);
    cw_alert_avro_destroy(p->alert_enc);
    cw_registry_destroy(p->registry);
    free(p);
}
