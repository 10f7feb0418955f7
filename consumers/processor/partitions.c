/* Partitions: assignment with restore from the changelog, revocation with
 * a final flush and commit, and the per-partition hybrid clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "engine/snapshot_view.h"
#include "internal.h"

part_t *parts_get(cw_processor_t *p, int partition)
{
    if (partition >= p->n_parts) {
        int n = partition + 1;
        p->parts = cw_reallocarray(p->parts, (size_t)n, sizeof(part_t));
        memset(p->parts + p->n_parts, 0, (size_t)(n - p->n_parts) * sizeof(part_t));
        p->n_parts = n;
    }
    return &p->parts[partition];
}

int parts_topic_index(const cw_processor_t *p, const char *topic)
{
    for (int i = 0; i < p->n_topics; i++)
        if (strcmp(p->topics[i], topic) == 0)
            return i;
    return -1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The wall clock, or the instant written in clock_file (tests move time
 * with it instead of sleeping for days). */
cw_instant_t parts_wall_clock(const cw_processor_t *p)
{
    if (!p->clock_file)
        return now_ms();
    char buf[80];
    FILE *f = fopen(p->clock_file, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        n--;
    cw_instant_t t;
    if (n == 0 || cw_time_parse(buf, n, &t, NULL, NULL, 0) != CW_OK)
        return 0; /* no usable clock yet: only stream time counts */
    return t;
}

cw_instant_t parts_clock(const cw_processor_t *p, const part_t *pt, cw_instant_t wall)
{
    for (int i = 0; i < p->n_topics; i++)
        if (!pt->at_end[i])
            return pt->stream_time;
    cw_instant_t live = wall - p->live_grace_ms;
    return live > pt->stream_time ? live : pt->stream_time;
}

/* One partition being restored from the changelog. */
typedef struct {
    int partition;
    part_t *pt;
    int64_t hi;   /* high watermark when the restore began: read up to it */
    int64_t last; /* last offset read */
    uint64_t records, bad;
    bool clock; /* a clock record was read */
    int64_t ms; /* from the start of the restore until this partition was complete */
} restoring_t;

/* The partition's clock record (see engine/snapshot_view.h): the stream
 * time it had reached and, per input topic, the offset below which its
 * input is in the restored state. The last one read wins, as compaction
 * keeps the newest; they only move forward. A changelog written before
 * clock records existed has none: the clock starts at 0, as it did. */
static void restore_clock(const cw_processor_t *p, restoring_t *r, const rd_kafka_message_t *m)
{
    cw_clock_record_t c;
    if (!m->payload || cw_clock_record_read(m->payload, m->len, &c, NULL, 0) != CW_OK) {
        r->bad++;
        return;
    }
    r->pt->stream_time = c.stream_time;
    for (int i = 0; i < c.n; i++) {
        int t = parts_topic_index(p, c.inputs[i].topic);
        if (t >= 0)
            r->pt->held[t] = r->pt->pos[t] = c.inputs[i].next_offset;
    }
    r->clock = true;
}

static void restore_record(const cw_processor_t *p, restoring_t *r, const rd_kafka_message_t *m)
{
    if (cw_clock_is_key(m->key, m->key_len)) {
        restore_clock(p, r, m);
        r->records++;
        return;
    }
    char key[CW_ID_MAX + 1];
    size_t kl = m->key_len < CW_ID_MAX ? m->key_len : CW_ID_MAX;
    memcpy(key, m->key ? m->key : "", m->key ? kl : 0);
    key[m->key ? kl : 0] = '\0';
    if (!m->payload) /* tombstone: the case ended */
        cw_engine_forget(r->pt->engine, key);
    else if (cw_engine_restore(r->pt->engine, m->payload, m->len, NULL, 0) != CW_OK)
        r->bad++;
    r->records++;
}

/* Reads changelog partitions from their start to their high watermarks into
 * fresh engines, one partition after another (a single assignment of all of
 * them was measured 4x slower on 32 partitions: 300 000 cases in 4.0 s
 * against 1.1 s). Between partitions the restorer's fetch of the partition
 * just completed stays parked at the broker for fetch.wait.max.ms waiting
 * for data that will not come, and the next partition's fetch queues behind
 * it: the restorer's fetch.wait.max.ms is therefore 10 ms (processor.c), not
 * librdkafka's 500 ms default (which cost ~0.54 s per partition). */
static bool restore_one(cw_processor_t *p, restoring_t *rs, int n, int64_t t0);

/* Input below a clock record's offsets is skipped as already applied. An
 * input partition that ends before them is not the one the record saw
 * (the topic was recreated): nothing of it is skipped then, loudly. */
static void check_held(cw_processor_t *p, int partition, part_t *pt)
{
    for (int t = 0; t < p->n_topics; t++) {
        int64_t lo = 0, hi = 0;
        if (pt->held[t] <= 0 ||
            rd_kafka_query_watermark_offsets(p->restorer, p->topics[t], partition, &lo, &hi,
                                             10000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
            hi >= pt->held[t])
            continue;
        cw_log(CW_LOG_WARN,
               "input %s [%d] ends at offset %lld, before the clock record's %lld: not the "
               "input the state was built from (recreated?); none of it is skipped",
               p->topics[t], partition, (long long)hi, (long long)pt->held[t]);
        pt->held[t] = pt->pos[t] = -1;
    }
}

static bool restore(cw_processor_t *p, restoring_t *rs, int n)
{
    int64_t t0 = now_ms();
    for (int i = 0; i < n; i++)
        if (!restore_one(p, &rs[i], 1, t0))
            return false;
    int64_t ms = now_ms() - t0;
    p->n.restore_ms += (uint64_t)ms;
    for (int i = 0; i < n; i++) {
        cw_engine_stats_t st;
        cw_engine_get_stats(rs[i].pt->engine, &st);
        p->n.restored_cases += st.cases;
        cw_log(CW_LOG_INFO,
               "restored partition %d: %llu changelog records, %llu cases, %llu open "
               "obligations, %llu corrupt, %lld ms",
               rs[i].partition, (unsigned long long)rs[i].records, (unsigned long long)st.cases,
               (unsigned long long)st.obligations, (unsigned long long)rs[i].bad,
               (long long)rs[i].ms);
        char at[CW_TIME_STR_SIZE];
        if (rs[i].clock) {
            cw_log(CW_LOG_INFO, "partition %d: clock restored at %s", rs[i].partition,
                   rs[i].pt->stream_time ? cw_time_format(rs[i].pt->stream_time, at) : "0");
            check_held(p, rs[i].partition, rs[i].pt);
        } else
            cw_log(CW_LOG_INFO, "partition %d: no clock record, the clock starts at 0",
                   rs[i].partition);
    }
    if (n > 0)
        cw_log(CW_LOG_INFO, "restore done: %d partition(s) in %lld ms", n, (long long)ms);
    return true;
}

static bool restore_one(cw_processor_t *p, restoring_t *rs, int n, int64_t t0)
{
    int pending = 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n > 0 ? n : 1);
    for (int i = 0; i < n; i++) {
        int64_t lo = 0, hi = 0;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            p->restorer, p->changelog_topic, rs[i].partition, &lo, &hi, 10000);
        if (err) {
            cw_log(CW_LOG_ERROR, "restore %s [%d]: watermarks: %s", p->changelog_topic,
                   rs[i].partition, rd_kafka_err2str(err));
            rd_kafka_topic_partition_list_destroy(l);
            return false;
        }
        rs[i].hi = hi;
        rs[i].last = lo - 1;
        if (hi > lo) {
            rd_kafka_topic_partition_list_add(l, p->changelog_topic, rs[i].partition)->offset = lo;
            pending++;
        }
    }
    bool assigned = pending > 0, ok = true;
    if (assigned)
        rd_kafka_assign(p->restorer, l);
    rd_kafka_topic_partition_list_destroy(l);
    int64_t errors = 0;
    while (pending > 0) {
        if (now_ms() - t0 > p->restore_timeout_ms) {
            for (int i = 0; i < n; i++)
                if (rs[i].last < rs[i].hi - 1)
                    cw_log(CW_LOG_ERROR,
                           "restore %s [%d]: not complete after %lld ms (at %lld of %lld)",
                           p->changelog_topic, rs[i].partition, (long long)p->restore_timeout_ms,
                           (long long)rs[i].last + 1, (long long)rs[i].hi);
            ok = false;
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(p->restorer, 500);
        if (!m)
            continue;
        if (m->err) {
            /* Transient (broker restarting): retried until the timeout; logged
             * once a second at most. */
            bool eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            /* The end, read_committed: a changelog written in transactions
             * (exactly_once) ends in a commit or abort marker, a record that
             * is never delivered, so its offset is never "read": the end
             * offset reaching the watermark completes the partition. */
            restoring_t *r = NULL;
            for (int i = 0; eof && i < n && !r; i++)
                if (rs[i].partition == m->partition)
                    r = &rs[i];
            if (r && r->last < r->hi - 1 && m->offset >= r->hi) {
                r->last = r->hi - 1;
                r->ms = now_ms() - t0;
                pending--;
            }
            if (!eof && errors++ % 2 == 0)
                cw_log(CW_LOG_WARN, "restore %s [%d]: %s", p->changelog_topic, (int)m->partition,
                       rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            if (!eof)
                usleep(500000);
            continue;
        }
        restoring_t *r = NULL;
        for (int i = 0; i < n && !r; i++)
            if (rs[i].partition == m->partition)
                r = &rs[i];
        /* Each record once, up to the watermark of the start. */
        if (r && m->offset > r->last && m->offset < r->hi) {
            restore_record(p, r, m);
            r->last = m->offset;
            if (r->last >= r->hi - 1) {
                r->ms = now_ms() - t0;
                pending--;
            }
        }
        rd_kafka_message_destroy(m);
    }
    if (assigned)
        rd_kafka_assign(p->restorer, NULL);
    return ok;
}

static bool cooperative(const cw_processor_t *p)
{
    return strcmp(rd_kafka_rebalance_protocol(p->consumer), "COOPERATIVE") == 0;
}

static void assign_parts(cw_processor_t *p, rd_kafka_topic_partition_list_t *parts)
{
    /* The partition indexes not held before are restored. */
    restoring_t *rs = cw_calloc(parts->cnt > 0 ? (size_t)parts->cnt : 1, sizeof(*rs));
    int n = 0;
    for (int i = 0; i < parts->cnt; i++) {
        int t = parts_topic_index(p, parts->elems[i].topic);
        part_t *pt = parts_get(p, parts->elems[i].partition);
        if (t < 0)
            continue;
        pt->at_end[t] = false;
        pt->next_offset[t] = -1;
        bool fresh = pt->topics == 0;
        pt->topics |= 1u << t;
        if (!fresh)
            continue; /* another input topic of a partition index already held */
        pt->stream_time = 0;
        for (int k = 0; k < CW_MAX_INPUT_TOPICS; k++)
            pt->pos[k] = pt->held[k] = -1;
        pt->clock_dirty = false;
        pt->engine = cw_engine_new(p->pack, processor_on_alert, p);
        cw_engine_track_changes(pt->engine);
        rs[n].partition = parts->elems[i].partition;
        rs[n++].pt = pt; /* parts_get() reallocates: resolved again below */
    }
    for (int i = 0; i < n; i++)
        rs[i].pt = parts_get(p, rs[i].partition);
    if (!restore(p, rs, n))
        p->fatal = true;
    free(rs);
    rd_kafka_error_t *e = NULL;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (cooperative(p))
        e = rd_kafka_incremental_assign(p->consumer, parts);
    else
        err = rd_kafka_assign(p->consumer, parts);
    if (e || err) {
        cw_log(CW_LOG_ERROR, "assign: %s", e ? rd_kafka_error_string(e) : rd_kafka_err2str(err));
        p->fatal = true;
    }
    if (e)
        rd_kafka_error_destroy(e);
}

void parts_drop(cw_processor_t *p, int partition)
{
    part_t *pt = parts_get(p, partition);
    cw_engine_destroy(pt->engine);
    memset(pt, 0, sizeof(*pt));
}

static void revoke_parts(cw_processor_t *p, rd_kafka_topic_partition_list_t *parts)
{
    /* Everything applied so far becomes durable and committed before the
     * partitions go to another member. */
    if (!p->fatal && !processor_end_batch(p))
        p->fatal = true; /* after a fatal error nothing more is committed */
    for (int i = 0; i < parts->cnt; i++) {
        int t = parts_topic_index(p, parts->elems[i].topic);
        part_t *pt = parts_get(p, parts->elems[i].partition);
        if (t < 0 || !(pt->topics & (1u << t)))
            continue;
        pt->topics &= ~(1u << t);
        pt->at_end[t] = false;
        if (pt->topics == 0)
            parts_drop(p, parts->elems[i].partition);
    }
    if (cooperative(p)) {
        rd_kafka_error_t *e = rd_kafka_incremental_unassign(p->consumer, parts);
        if (e) {
            cw_log(CW_LOG_ERROR, "incremental unassign: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
    } else {
        rd_kafka_assign(p->consumer, NULL);
    }
}

void parts_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    cw_processor_t *p = opaque;
    (void)rk;
    cw_log(CW_LOG_INFO, "rebalance: %s %d partition(s)",
           err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assigned" : "revoked", parts->cnt);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        assign_parts(p, parts);
    else
        revoke_parts(p, parts);
}
