/* One Kafka message as a case event: CloudEvents JSON (first byte '{';
 * structured mode, or binary mode by its headers) or Avro in the Confluent wire format (magic byte 0, 4-byte
 * big-endian schema id, Avro binary). */
#ifndef CW_KAFKA_WIRE_H
#define CW_KAFKA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "base/jsonw.h"
#include "kafka/registry.h"
#include "model/event.h"
#include "model/event_json.h"
#include "model/reject.h"

#define CW_WIRE_MAGIC       0
#define CW_WIRE_HEADER_SIZE 5

typedef enum {
    CW_WIRE_OK,       /* ev holds the event */
    CW_WIRE_REJECTED, /* rej says why: the message goes to the dead letters */
    CW_WIRE_RETRY,    /* its schema could not be fetched now (errstr): try again */
} cw_wire_status_t;

/* Decodes one message value buf (len bytes) with its headers hdrs
 * (borrowed; NULL: none). The CloudEvents content mode comes from the
 * headers: binary when ce_specversion is present and content-type is not
 * application/cloudevents+json (the value is then the JSON data, see
 * cw_event_from_json_binary); otherwise the value is the whole event,
 * structured JSON or Avro as above, and any ce_* header present must agree
 * with it (header_mismatch). A content-type of another CloudEvents format
 * (batch, +avro) is bad_content_type. */
cw_wire_status_t cw_wire_decode_event(cw_registry_t *reg, const cw_ce_headers_t *hdrs,
                                      const void *buf, size_t len, cw_event_t *ev,
                                      cw_reject_t *rej, char *errstr, size_t errstr_size);

/* Appends the 5-byte wire header for schema id. */
void cw_wire_header(uint32_t id, cw_jsonw_t *out);

#endif
