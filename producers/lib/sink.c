#include "sink.h"

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "base/mem.h"
#include "kafka/client.h"
#include "kafka/registry.h"
#include "kafka/wire.h"
#include "model/event_avro.h"
#include "model/event_json.h"
#include "model/ocf.h"

struct cw_sink_s {
    cw_sink_conf_t conf;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    uint32_t schema_id;
    cw_ocf_writer_t *writer; /* Avro to a stream: one container file */
    cw_jsonw_t buf;
    cw_sink_stats_t st;
    char first_error[256]; /* the first failed delivery, for the summary */
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    cw_sink_t *s = opaque;
    (void)rk;
    if (m->err) {
        if (s->st.failed++ == 0)
            snprintf(s->first_error, sizeof(s->first_error), "%s [%d]: %s",
                     rd_kafka_topic_name(m->rkt), m->partition, rd_kafka_err2str(m->err));
    } else {
        s->st.delivered++;
    }
}

/* librdkafka's log lines carry broker addresses, never message contents. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    const cw_sink_t *s = rd_kafka_opaque(rk);
    if (!s->conf.quiet || level <= 3)
        fprintf(stderr, "%s: librdkafka %s: %s\n", s->conf.name, fac, buf);
}

static bool make_producer(cw_sink_t *s, char *errstr, size_t errstr_size)
{
    /* Idempotent: acks=all, retries without duplicates or reordering, so a
     * case's events reach the partition in the order they were sent. lz4
     * keeps the embedded broker's per-partition byte budget far away. */
    const char *defaults[] = {"bootstrap.servers", s->conf.bootstrap, "enable.idempotence", "true",
                              "compression.codec", "lz4", "linger.ms", "20",
                              /* Java's partitioner: a case's events land in the same
                               * partition whichever client wrote them. */
                              "partitioner", "murmur2_random", "queue.buffering.max.kbytes",
                              "65536", NULL};
    /* -X: the producer's keys (kafka/client.h); they win over ours. */
    cw_kafka_spec_t spec = {
        .defaults = defaults, .props = s->conf.props, .opaque = s, .log_cb = on_log};
    rd_kafka_conf_t *c = cw_kafka_conf_new(RD_KAFKA_PRODUCER, &spec, errstr, errstr_size);
    if (!c)
        return false;
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    if (!(s->rk = cw_kafka_client_new(RD_KAFKA_PRODUCER, c, "producer", errstr, errstr_size)))
        return false;
    s->rkt = rd_kafka_topic_new(s->rk, s->conf.topic, NULL);
    return true;
}

/* The schema id Avro messages carry: from the registry (registered under
 * the topic's value subject, TopicNameStrategy), else the local id. */
static bool resolve_schema(cw_sink_t *s, char *errstr, size_t errstr_size)
{
    s->schema_id = s->conf.schema_id ? s->conf.schema_id : CW_SCHEMA_ID_EVENT;
    if (!s->conf.registry_url)
        return true;
    cw_registry_conf_t rc = {.url = s->conf.registry_url, .user_info = s->conf.registry_auth};
    char err[256];
    cw_registry_t *reg = cw_registry_new(&rc, err, sizeof(err));
    if (!reg) {
        snprintf(errstr, errstr_size, "%s", err);
        return false;
    }
    char subject[512];
    snprintf(subject, sizeof(subject), "%s-value", s->conf.topic);
    cw_err_t e =
        cw_registry_register(reg, subject, cw_schema_case_event, &s->schema_id, err, sizeof(err));
    cw_registry_destroy(reg);
    if (e != CW_OK)
        snprintf(errstr, errstr_size, "%s", err);
    return e == CW_OK;
}

cw_sink_t *cw_sink_new(const cw_sink_conf_t *conf, char *errstr, size_t errstr_size)
{
    cw_sink_t *s = cw_calloc(1, sizeof(*s));
    s->conf = *conf;
    if (!s->conf.name)
        s->conf.name = "casewatch";
    cw_jsonw_init(&s->buf);
    bool ok = true;
    if (conf->bootstrap) {
        ok = (conf->format != CW_SINK_AVRO || resolve_schema(s, errstr, errstr_size)) &&
             make_producer(s, errstr, errstr_size);
    } else if (conf->format == CW_SINK_AVRO) {
        s->writer = cw_ocf_writer_new(conf->out, cw_schema_case_event, cw_schema_case_event_len);
    }
    if (!ok) {
        cw_sink_close(s, 0, NULL);
        return NULL;
    }
    return s;
}

/* Fills s->buf with the message value. */
static void encode(cw_sink_t *s, const cw_event_t *ev, const char *json, size_t json_len)
{
    cw_jsonw_reset(&s->buf);
    if (s->conf.format == CW_SINK_AVRO) {
        if (s->rk)
            cw_wire_header(s->schema_id, &s->buf);
        cw_event_write_avro(ev, &s->buf);
    } else if (s->conf.binary && s->rk) {
        char *j = cw_event_data_to_json(ev);
        cw_jsonw_append(&s->buf, j, strlen(j));
        free(j);
    } else if (json) {
        cw_jsonw_append(&s->buf, json, json_len);
    } else {
        char *j = cw_event_to_json(ev);
        cw_jsonw_append(&s->buf, j, strlen(j));
        free(j);
    }
}

/* CloudEvents binary mode: the attributes as headers, as the processor
 * writes its alerts; a new list (taken by a successful produce). */
static rd_kafka_headers_t *ce_headers(const cw_event_t *ev)
{
    char type[128], time[CW_TIME_STR_SIZE];
    snprintf(type, sizeof(type), CW_TYPE_PREFIX "%s", cw_event_type_name(ev->type));
    const char *const kv[] = {"ce_specversion", "1.0",      "ce_id",   ev->id,
                              "ce_source",      ev->source, "ce_type", type,
                              "ce_time",        cw_time_format_utc(ev->time, time),
                              "ce_subject",     ev->subject, "content-type", "application/json"};
    rd_kafka_headers_t *h = rd_kafka_headers_new(7);
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i += 2)
        rd_kafka_header_add(h, kv[i], -1, kv[i + 1], -1);
    return h;
}

bool cw_sink_send(cw_sink_t *s, const cw_event_t *ev, const char *json, size_t json_len,
                  char *errstr, size_t errstr_size)
{
    encode(s, ev, json, json_len);
    s->st.sent++;
    s->st.bytes += s->buf.len;
    if (!s->rk) {
        if (s->writer) {
            if (cw_ocf_writer_append(s->writer, s->buf.p, s->buf.len) != CW_OK) {
                snprintf(errstr, errstr_size, "write error");
                return false;
            }
        } else {
            fwrite(s->buf.p, 1, s->buf.len, s->conf.out);
            fputc('\n', s->conf.out);
        }
        if (ferror(s->conf.out)) {
            snprintf(errstr, errstr_size, "write error");
            return false;
        }
        s->st.delivered++;
        return true;
    }
    for (;;) {
        rd_kafka_resp_err_t err;
        if (s->conf.binary) {
            rd_kafka_headers_t *h = ce_headers(ev);
            err = rd_kafka_producev(s->rk, RD_KAFKA_V_RKT(s->rkt),
                                    RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_VALUE(s->buf.p, s->buf.len),
                                    RD_KAFKA_V_KEY(ev->subject, strlen(ev->subject)),
                                    RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
            if (err)
                rd_kafka_headers_destroy(h); /* not taken */
        } else {
            err = rd_kafka_produce(s->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, s->buf.p,
                                   s->buf.len, ev->subject, strlen(ev->subject), NULL) == 0
                      ? RD_KAFKA_RESP_ERR_NO_ERROR
                      : rd_kafka_last_error();
        }
        if (!err)
            break;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            snprintf(errstr, errstr_size, "produce: %s", rd_kafka_err2str(err));
            s->st.failed++;
            return false;
        }
        rd_kafka_poll(s->rk, 100); /* backpressure: wait for deliveries */
    }
    rd_kafka_poll(s->rk, 0);
    return true;
}

void cw_sink_poll(cw_sink_t *s)
{
    if (s->rk)
        rd_kafka_poll(s->rk, 0);
}

bool cw_sink_flush(cw_sink_t *s, int timeout_ms)
{
    if (s->rk)
        return rd_kafka_flush(s->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
    return !s->conf.out || fflush(s->conf.out) == 0;
}

void cw_sink_get_stats(const cw_sink_t *s, cw_sink_stats_t *out)
{
    *out = s->st;
}

bool cw_sink_close(cw_sink_t *s, int timeout_ms, cw_sink_stats_t *final)
{
    bool ok = true;
    if (s->rk) {
        rd_kafka_resp_err_t e = rd_kafka_flush(s->rk, timeout_ms);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            /* Still queued: each is a message not known to be delivered. */
            int left = rd_kafka_outq_len(s->rk);
            fprintf(stderr, "%s: %d message(s) not delivered in %d ms\n", s->conf.name, left,
                    timeout_ms);
            ok = false;
            rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_poll(s->rk, 0);
        }
        if (s->st.failed)
            fprintf(stderr, "%s: %llu message(s) failed, first: %s\n", s->conf.name,
                    (unsigned long long)s->st.failed, s->first_error);
        rd_kafka_topic_destroy(s->rkt);
        rd_kafka_destroy(s->rk);
    } else {
        if (s->writer && cw_ocf_writer_close(s->writer) != CW_OK)
            ok = false;
        if (s->conf.out && fflush(s->conf.out) != 0)
            ok = false;
    }
    ok = ok && s->st.failed == 0 && s->st.delivered == s->st.sent;
    if (final)
        *final = s->st;
    cw_jsonw_free(&s->buf);
    free(s);
    return ok;
}
