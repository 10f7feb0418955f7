/* Where the producers write case events: JSON lines to a stream, or a Kafka
 * topic (keyed by the case id) as CloudEvents JSON (structured mode, or
 * binary mode) or Avro in the Confluent wire format.
 *
 * The Kafka side is an idempotent librdkafka producer (acks=all, no
 * reordering or duplicates on retries); every delivery report is checked
 * and counted, and cw_sink_close says whether all of them succeeded. A
 * full local queue is waited out (backpressure), never dropped. */
#ifndef CW_PRODUCERS_SINK_H
#define CW_PRODUCERS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/event.h"

typedef enum { CW_SINK_JSON, CW_SINK_AVRO } cw_sink_format_t;

typedef struct {
    FILE *out;             /* JSON lines here when bootstrap is NULL */
    const char *bootstrap; /* Kafka bootstrap servers, or NULL */
    const char *topic;
    cw_sink_format_t format;
    const char *registry_url; /* Avro: register case_event.avsc under "<topic>-value" */
    const char *registry_auth;
    uint32_t schema_id; /* Avro without a registry: the local id (4) */
    const char **props; /* "key=value" librdkafka properties, NULL-terminated (or NULL) */
    const char *name;   /* program name for messages */
    bool quiet;         /* no librdkafka log lines on stderr */
    bool binary; /* Kafka, JSON: CloudEvents binary mode (ce_* headers, the data as the value) */
} cw_sink_conf_t;

typedef struct {
    uint64_t sent;      /* handed to the sink */
    uint64_t delivered; /* acknowledged by the broker (Kafka), or written */
    uint64_t failed;    /* delivery reports with an error */
    uint64_t bytes;
} cw_sink_stats_t;

typedef struct cw_sink_s cw_sink_t;

/* NULL with errstr set when the producer cannot be made (bad property,
 * registry refusal). */
cw_sink_t *cw_sink_new(const cw_sink_conf_t *conf, char *errstr, size_t errstr_size);

/* Sends one event. json/json_len: its JSON text when the caller has it
 * (sent as is in JSON format, so what the producer validated is what the
 * topic gets byte for byte; in binary mode the data is encoded from ev);
 * NULL to encode ev. Returns false only on a
 * fatal producer error (errstr set). */
bool cw_sink_send(cw_sink_t *s, const cw_event_t *ev, const char *json, size_t json_len,
                  char *errstr, size_t errstr_size);

/* Serves delivery reports; call now and then on long runs. */
void cw_sink_poll(cw_sink_t *s);

/* Waits until everything sent so far is delivered (or timeout_ms passes);
 * false if something is still outstanding. */
bool cw_sink_flush(cw_sink_t *s, int timeout_ms);

void cw_sink_get_stats(const cw_sink_t *s, cw_sink_stats_t *out);

/* Flushes (waiting up to timeout_ms for outstanding deliveries) and frees.
 * True when every message sent was delivered. */
bool cw_sink_close(cw_sink_t *s, int timeout_ms, cw_sink_stats_t *final);

#endif
