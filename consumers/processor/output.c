/* The processor's outputs: alerts, dead letters and changelog records, and
 * what happens when the broker (or the local producer) refuses one.
 *
 * Every record is produced with its kind in the message opaque, so a
 * failed delivery report knows what it was for. A failed record is copied
 * to a pending list by the delivery report callback and dealt with in
 * out_flush(), before the batch may commit, by the class of its error
 * (classes[] below):
 *
 *   retriable   produced again after a backoff (100 ms doubling to 5 s),
 *               without end; counted (produce_retries). librdkafka retries
 *               these itself first (message.timeout.ms = 0), so only a
 *               configuration that limits its retries lets them reach us.
 *   per record  the broker refuses this record for good (too large,
 *               invalid): counted (produce_refused) and handled by kind:
 *                 dead letter  → sent again as a reference: no key, value
 *                                or original headers, only ours (reason,
 *                                source topic/partition/offset, original
 *                                size, cw_truncated=reference, cw_dlq_error);
 *                 reference    → logged with its source coordinates and
 *                                counted (dlq_lost); the input record stays
 *                                in its topic at that offset;
 *                 alert        → dead-lettered whole, with its CloudEvents
 *                                headers and cw_reason=alert_undeliverable
 *                                (alerts_dead_lettered): not lost, not on
 *                                the alert topic;
 *                 dead-lettered alert, changelog record → fatal: dropping
 *                                it would lose an alert or a case's state,
 *                                so the batch is not committed and the
 *                                processor exits; a restart applies it again.
 *   fatal       anything else (authorization, the idempotent producer's
 *               fatal errors, unknown codes): the processor exits with
 *               status 1 before committing the batch.
 *
 * Logs name the kind, topic, partition and error, never keys or payloads. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "internal.h"
#include "kafka/wire.h"
#include "model/alert_avro.h"
#include "model/alert.h"

typedef enum { OUT_ALERT, OUT_DLQ, OUT_DLQ_REF, OUT_DLQ_ALERT, OUT_CHANGELOG } out_kind_t;
static const char *const kind_names[] = {"alert", "dead letter", "dead-letter reference",
                                         "dead-lettered alert", "changelog record"};

typedef enum { CLS_RETRIABLE, CLS_PER_RECORD, CLS_FATAL } out_class_t;
static const char *const class_names[] = {"retriable", "refused for this record", "fatal"};

/* Produce errors by class; any code not listed is fatal. */
static const struct {
    rd_kafka_resp_err_t err;
    out_class_t cls;
} classes[] = {
    {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR__TIMED_OUT, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR__TRANSPORT, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR__RETRY, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR__PURGE_QUEUE, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH, CLS_RETRIABLE},
    {RD_KAFKA_RESP_ERR_INVALID_MSG, CLS_PER_RECORD},
    {RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE, CLS_PER_RECORD},
    {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, CLS_PER_RECORD},
    {RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, CLS_PER_RECORD},
    {RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP, CLS_PER_RECORD},
    {RD_KAFKA_RESP_ERR_INVALID_RECORD, CLS_PER_RECORD},
};

static out_class_t classify(rd_kafka_resp_err_t err)
{
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
        if (classes[i].err == err)
            return classes[i].cls;
    return CLS_FATAL;
}

/* The opaque of every produced message: kind and retry attempt. */
#define OPAQUE(kind, attempt) ((void *)(intptr_t)((kind) | ((attempt) << 8)))
#define OPAQUE_KIND(o) ((out_kind_t)((intptr_t)(o)&0xff))
#define OPAQUE_ATTEMPT(o) ((int)((intptr_t)(o) >> 8))

/* A record whose delivery failed: a copy, waiting for out_flush(). */
struct out_pending_s {
    out_pending_t *next;
    out_kind_t kind;
    int attempt;
    rd_kafka_resp_err_t err;
    char *topic;
    int32_t partition;
    void *key, *value;
    size_t key_len, len;
    rd_kafka_headers_t *hdrs; /* owned; NULL = none */
};

static void *dup_bytes(const void *b, size_t n)
{
    if (!b)
        return NULL;
    void *c = cw_malloc(n ? n : 1);
    memcpy(c, b, n);
    return c;
}

static void pending_free(out_pending_t *f)
{
    free(f->topic);
    free(f->key);
    free(f->value);
    if (f->hdrs)
        rd_kafka_headers_destroy(f->hdrs);
    free(f);
}

/* Appends a failed record (key, value copied; hdrs taken). */
static void pending_add(cw_processor_t *p, out_kind_t kind, int attempt, rd_kafka_resp_err_t err,
                        const char *topic, int32_t partition, const void *key, size_t key_len,
                        const void *value, size_t len, rd_kafka_headers_t *hdrs_take)
{
    out_pending_t *f = cw_calloc(1, sizeof(*f));
    f->kind = kind;
    f->attempt = attempt;
    f->err = err;
    f->topic = cw_strdup(topic);
    f->partition = partition;
    f->key = dup_bytes(key, key_len);
    f->key_len = key_len;
    f->value = dup_bytes(value, len);
    f->len = len;
    f->hdrs = hdrs_take;
    out_pending_t **tail = &p->pending;
    while (*tail)
        tail = &(*tail)->next;
    *tail = f;
}

void out_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    cw_processor_t *p = opaque;
    (void)rk;
    if (!m->err)
        return;
    p->n.delivery_errors++;
    rd_kafka_headers_t *h = NULL, *copy = NULL;
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h)
        copy = rd_kafka_headers_copy(h);
    pending_add(p, OPAQUE_KIND(m->_private), OPAQUE_ATTEMPT(m->_private), m->err,
                rd_kafka_topic_name(m->rkt), m->partition, m->key, m->key_len, m->payload, m->len,
                copy);
}

/* Produces (headers taken in every case). A full local queue waits for
 * room; any other error the producer returns at once is handled like a
 * failed delivery. */
static void produce(cw_processor_t *p, out_kind_t kind, int attempt, const char *topic,
                    int32_t partition, const void *key, size_t key_len, const void *value,
                    size_t len, rd_kafka_headers_t *hdrs_take)
{
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            p->producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs_take),
            RD_KAFKA_V_OPAQUE(OPAQUE(kind, attempt)), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(p->producer, 100);
            continue;
        }
        if (err) /* not taken by the producer */
            pending_add(p, kind, attempt, err, topic, partition, key, key_len, value, len,
                        hdrs_take);
        return;
    }
}

static void header(rd_kafka_headers_t *h, const char *name, const char *value)
{
    rd_kafka_header_add(h, name, -1, value, -1);
}

static void header_num(rd_kafka_headers_t *h, const char *name, long long v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", v);
    header(h, name, buf);
}

/* Our header value (the last one of that name), or "?"; for logs. */
static const char *our_header(rd_kafka_headers_t *h, const char *name, char *buf, size_t size)
{
    const void *v;
    size_t n;
    if (!h || rd_kafka_header_get_last(h, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR || !v)
        return "?";
    snprintf(buf, size, "%.*s", (int)n, (const char *)v);
    return buf;
}

void processor_on_alert(const cw_alert_t *a, void *opaque)
{
    cw_processor_t *p = opaque;
    cw_jsonw_t *w = &p->out;
    cw_jsonw_reset(w);
    if (p->alerts_avro) {
        cw_wire_header(p->alert_schema_id, w);
        cw_alert_write_avro(p->alert_enc, a, w);
    } else {
        cw_alert_write_json(a, w);
    }
    /* CloudEvents binary mode: the alert is the data, attributes in headers. */
    char type[64], at[CW_TIME_STR_SIZE];
    snprintf(type, sizeof(type), "se.casewatch.alert.%s", cw_alert_kind_name(a->kind));
    rd_kafka_headers_t *h = rd_kafka_headers_new(7);
    header(h, "ce_specversion", "1.0");
    header(h, "ce_id", a->id);
    header(h, "ce_type", type);
    header(h, "ce_source", "urn:casewatch:processor");
    header(h, "ce_subject", a->case_id);
    header(h, "ce_time", cw_time_format(a->at, at));
    header(h, "content-type", p->alerts_avro ? "application/avro" : "application/json");
    produce(p, OUT_ALERT, 0, p->alert_topic, RD_KAFKA_PARTITION_UA, a->case_id,
            strlen(a->case_id), w->p, w->len, h);
    p->n.alerts[a->kind]++;
}

/* Size of the headers as Kafka counts them, near enough (name + value). */
static size_t headers_size(const rd_kafka_headers_t *h, size_t *count)
{
    size_t total = 0, i = 0;
    const char *name;
    const void *v;
    size_t n;
    while (h && rd_kafka_header_get_all(h, i, &name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        total += strlen(name) + n + 8;
        i++;
    }
    *count = i;
    return total;
}

/* The dead letter of input record m: its key, value and headers as far as
 * they fit processor.dlq_max_bytes (headers first, up to a quarter of it;
 * key up to 1 KiB or a quarter of what is left; the value gets the rest), then ours. Anything cut is
 * said by cw_truncated=true and cw_original_size (the value's bytes). */
void out_dlq(cw_processor_t *p, const rd_kafka_message_t *m, const cw_reject_t *rej)
{
    size_t budget = p->dlq_max_bytes, n_orig = 0, orig_size = 0;
    rd_kafka_headers_t *orig = NULL, *h;
    if (rd_kafka_message_headers(m, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR && orig)
        orig_size = headers_size(orig, &n_orig);
    bool keep_headers = n_orig > 0 && orig_size <= budget / 4;
    h = keep_headers ? rd_kafka_headers_copy(orig) : rd_kafka_headers_new(8);
    if (keep_headers)
        budget -= orig_size;
    size_t key_len = m->key ? m->key_len : 0, len = m->payload ? m->len : 0;
    size_t key_max = budget / 4 < 1024 ? budget / 4 : 1024;
    size_t key_kept = key_len > key_max ? key_max : key_len;
    budget -= key_kept;
    size_t kept = len > budget ? budget : len;
    bool cut = kept < len || key_kept < key_len || (n_orig > 0 && !keep_headers);
    header(h, "cw_reason", cw_reject_code_name(rej->code));
    header(h, "cw_detail", rej->detail);
    header(h, "cw_source_topic", rd_kafka_topic_name(m->rkt));
    header_num(h, "cw_source_partition", m->partition);
    header_num(h, "cw_source_offset", m->offset);
    if (cut) {
        header(h, "cw_truncated", "true");
        header_num(h, "cw_original_size", (long long)len);
        if (key_kept < key_len)
            header_num(h, "cw_original_key_size", (long long)key_len);
        if (n_orig > 0 && !keep_headers)
            header_num(h, "cw_headers_omitted", (long long)n_orig);
        p->n.dlq_truncated++;
        cw_log(CW_LOG_WARN,
               "dead letter of %s [%d] @%lld truncated: value %zu of %zu bytes, key %zu of %zu, "
               "%s headers",
               rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset, kept, len,
               key_kept, key_len, keep_headers || n_orig == 0 ? "all" : "no");
    }
    produce(p, OUT_DLQ, 0, p->dlq_topic, RD_KAFKA_PARTITION_UA, m->key, key_kept, m->payload, kept,
            h);
    p->n.rejected++;
    p->n.rejected_by[rej->code]++;
    p->n.dlq++;
    cw_log(CW_LOG_DEBUG, "rejected %s [%d] @%lld: %s", rd_kafka_topic_name(m->rkt),
           (int)m->partition, (long long)m->offset, cw_reject_code_name(rej->code));
}

void out_changelog(cw_processor_t *p, int partition, const void *key, size_t key_len,
                   const void *value, size_t len)
{
    produce(p, OUT_CHANGELOG, 0, p->changelog_topic, partition, key, key_len, value, len, NULL);
    p->n.changelog_records++;
}

void out_on_snapshot(const char *case_id, const void *snap, size_t len, void *opaque)
{
    out_snap_ctx_t *c = opaque;
    /* The changelog partition is the input partition index, so a member that
     * gets input partition p restores from changelog partition p. */
    out_changelog(c->p, c->partition, case_id, strlen(case_id), snap, len);
    if (!snap)
        c->p->n.tombstones++;
}

/* A dead letter the broker refused: sent again as a reference (our
 * headers only, no key or value). */
static void dlq_reference(cw_processor_t *p, out_pending_t *f)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(10);
    const char *name;
    const void *v;
    size_t n;
    bool sized = false;
    for (size_t i = 0;
         f->hdrs && rd_kafka_header_get_all(f->hdrs, i, &name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR;
         i++) {
        if (strncmp(name, "cw_", 3) != 0 || strcmp(name, "cw_truncated") == 0)
            continue;
        sized |= strcmp(name, "cw_original_size") == 0;
        rd_kafka_header_add(h, name, -1, v, (ssize_t)n);
    }
    if (!sized)
        header_num(h, "cw_original_size", (long long)f->len);
    header(h, "cw_truncated", "reference");
    header(h, "cw_dlq_error", rd_kafka_err2name(f->err));
    p->n.dlq_references++;
    produce(p, OUT_DLQ_REF, 0, p->dlq_topic, RD_KAFKA_PARTITION_UA, NULL, 0, NULL, 0, h);
}

/* An alert the broker refused: the alert, whole, to the dead letters. */
static void alert_to_dlq(cw_processor_t *p, out_pending_t *f)
{
    rd_kafka_headers_t *h = f->hdrs ? f->hdrs : rd_kafka_headers_new(4);
    f->hdrs = NULL;
    header(h, "cw_reason", "alert_undeliverable");
    header(h, "cw_detail", rd_kafka_err2str(f->err));
    header(h, "cw_alert_topic", f->topic);
    p->n.alerts_dead_lettered++;
    produce(p, OUT_DLQ_ALERT, 0, p->dlq_topic, RD_KAFKA_PARTITION_UA, f->key, f->key_len,
            f->value, f->len, h);
}

/* The keyed hash of a case id key, for logs ("" for other kinds). */
static const char *case_hash(const out_pending_t *f, char out[17])
{
    if ((f->kind != OUT_ALERT && f->kind != OUT_CHANGELOG) || !f->key)
        return "";
    char *id = cw_strndup(f->key, f->key_len);
    cw_log_id(id, out);
    free(id);
    return out;
}

/* Deals with one failed record by its class and kind (see the top);
 * retriable ones were waited for by the caller. */
static void handle_failed(cw_processor_t *p, out_pending_t *f)
{
    out_class_t cls = classify(f->err);
    char topic[256], part[24], off[24], reason[64], idh[17];
    cw_log(cls == CLS_RETRIABLE ? CW_LOG_WARN : CW_LOG_ERROR,
           "delivery of a %s to %s [%d] failed: %s (%s)%s%s", kind_names[f->kind], f->topic,
           (int)f->partition, rd_kafka_err2name(f->err), class_names[cls],
           f->kind == OUT_ALERT || f->kind == OUT_CHANGELOG ? ", case " : "", case_hash(f, idh));
    if (cls == CLS_RETRIABLE) {
        p->n.produce_retries++;
        rd_kafka_headers_t *h = f->hdrs;
        f->hdrs = NULL;
        produce(p, f->kind, f->attempt + 1, f->topic, f->partition, f->key, f->key_len, f->value,
                f->len, h);
        return;
    }
    if (cls == CLS_FATAL) {
        p->fatal = true;
        return;
    }
    p->n.produce_refused++;
    switch (f->kind) {
    case OUT_DLQ:
        dlq_reference(p, f);
        break;
    case OUT_DLQ_REF:
        p->n.dlq_lost++;
        cw_log(CW_LOG_ERROR,
               "dead letter of %s [%s] @%s (%s) refused even as a reference: not in the "
               "dead letters; the input record stays at that offset",
               our_header(f->hdrs, "cw_source_topic", topic, sizeof(topic)),
               our_header(f->hdrs, "cw_source_partition", part, sizeof(part)),
               our_header(f->hdrs, "cw_source_offset", off, sizeof(off)),
               our_header(f->hdrs, "cw_reason", reason, sizeof(reason)));
        break;
    case OUT_ALERT:
        alert_to_dlq(p, f);
        break;
    case OUT_DLQ_ALERT:
    case OUT_CHANGELOG:
        p->fatal = true; /* never dropped: not committed, applied again on restart */
        break;
    }
}

/* Waits for every record produced so far; failed ones are dealt with
 * (retriable ones after one backoff per round: 100 ms doubling to 5 s by
 * their attempt), until none is left. */
bool out_flush(cw_processor_t *p)
{
    for (;;) {
        while (rd_kafka_outq_len(p->producer) > 0)
            rd_kafka_flush(p->producer, 1000);
        if (!p->pending)
            break;
        int attempt = -1;
        for (out_pending_t *f = p->pending; f; f = f->next)
            if (classify(f->err) == CLS_RETRIABLE && f->attempt > attempt)
                attempt = f->attempt;
        int64_t backoff = attempt < 0 ? 0 : 100LL << (attempt < 6 ? attempt : 6);
        for (int64_t waited = 0; waited < (backoff < 5000 ? backoff : 5000); waited += 50)
            rd_kafka_poll(p->producer, 50);
        out_pending_t *list = p->pending;
        p->pending = NULL; /* handling may add new failures */
        while (list) {
            out_pending_t *f = list;
            list = f->next;
            handle_failed(p, f);
            pending_free(f);
        }
    }
    return !p->fatal;
}

void out_destroy(cw_processor_t *p)
{
    while (p->pending) {
        out_pending_t *f = p->pending;
        p->pending = f->next;
        pending_free(f);
    }
}

bool out_pending(const cw_processor_t *p)
{
    return p->pending != NULL;
}
