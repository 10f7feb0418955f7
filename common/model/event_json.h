/* Case events as CloudEvents 1.0 JSON: structured mode, and binary mode (the
 * attributes in Kafka headers, the data as JSON; EVENTS.md §1).
 *
 * The decoder is the validating entry point of JSON input: everything the
 * event contract requires of a single event (attributes, the type catalogue,
 * required data fields, types, closed sets, dates, field limits) is checked
 * here; what needs the case's history (references, transitions) is the
 * engine's. Decoding allocates nothing beyond jansson's parse tree. */
#ifndef CW_MODEL_EVENT_JSON_H
#define CW_MODEL_EVENT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "model/event.h"
#include "model/reject.h"

#define CW_EVENT_MAX_BYTES 65536

/* Decodes one CloudEvents structured-mode JSON event of len bytes into ev
 * (cleared first). Returns CW_REJ_NONE, or a rejection code with rej filled
 * (rej->detail names the attribute/field, e.g. "data.until: not a YYYY-MM-DD date",
 * and never quotes the value). On rejection ev->id holds the event id if one
 * could be read (a valid string attribute), else "". On success rej->code is
 * CW_REJ_NONE and rej->detail "". rej may be NULL. */
cw_reject_code_t cw_event_from_json(const char *buf, size_t len, cw_event_t *ev, cw_reject_t *rej);

/* ---- CloudEvents on Kafka: binary content mode (EVENTS.md §1, v2) ----
 *
 * A binary-mode message carries the attributes in ce_<name> headers and the
 * data, as JSON, in the value; its content-type header is the
 * datacontenttype. cw_ce_headers_add() gathers the headers the decoder
 * reads, cw_event_from_json_binary() decodes them with the value into the
 * same event as the structured form, checked by the same code. The mode
 * is chosen by the caller (kafka/wire.c): binary when ce_specversion is
 * present and content-type is not application/cloudevents+json. */

typedef enum {
    CW_CE_ID,
    CW_CE_SPECVERSION,
    CW_CE_SOURCE,
    CW_CE_TYPE,
    CW_CE_SUBJECT,
    CW_CE_TIME,
    CW_CE__COUNT
} cw_ce_attr_t;

/* A header value: s == NULL when the header is absent (a header without a
 * value is "" and len 0). Not NUL-terminated. */
typedef struct {
    const char *s;
    size_t len;
} cw_ce_value_t;

/* The headers of one message the decoder reads; every string borrowed from
 * the message (valid while it is). Zero-initialise before adding. */
typedef struct {
    cw_ce_value_t attr[CW_CE__COUNT]; /* ce_id, ce_specversion, ... */
    cw_ce_value_t content_type;       /* content-type */
    bool any;                         /* some ce_<attr> header is present */
} cw_ce_headers_t;

/* What a content-type header says about the value. */
typedef enum {
    CW_CT_ABSENT,   /* no content-type header */
    CW_CT_JSON,     /* application/json (parameters allowed) */
    CW_CT_CE_JSON,  /* application/cloudevents+json: structured mode */
    CW_CT_CE_OTHER, /* another CloudEvents format (batch, +avro, ...): not read */
    CW_CT_OTHER,    /* anything else */
} cw_ce_content_t;

/* Records header name = value (size bytes; value may be NULL) in h if it is
 * one the decoder reads: ce_<attr> or content-type, names compared without
 * regard to case, as the CloudEvents SDKs do; other headers are ignored.
 * value is borrowed and must outlive h. A header seen twice is rejected
 * (bad_attribute, or bad_content_type for content-type): which one would
 * count is not defined. */
cw_reject_code_t cw_ce_headers_add(cw_ce_headers_t *h, const char *name, const void *value,
                                   size_t size, cw_reject_t *rej);

/* "ce_id" etc.; borrowed static string. */
const char *cw_ce_header_name(cw_ce_attr_t a);

cw_ce_content_t cw_ce_content_type(const cw_ce_headers_t *h);

/* Decodes a binary-mode message: the attributes from h (borrowed), the data
 * from the value (len bytes of JSON). Accepts and rejects exactly as
 * cw_event_from_json() does the structured event with the same attributes
 * and data, with the same codes; details name the header ("ce_id:
 * missing"). Besides: content-type must be absent or application/json
 * (else bad_content_type); an empty value is missing_data. The subject is
 * ce_subject only: the message key is never taken for it (the key must
 * equal it, checked by the caller). ev and rej as for cw_event_from_json(). */
cw_reject_code_t cw_event_from_json_binary(const cw_ce_headers_t *h, const char *data, size_t len,
                                           cw_event_t *ev, cw_reject_t *rej);

/* A structured event decoded from a message whose headers are h: every
 * ce_<attr> header present must agree with ev (time as an instant, the
 * rest byte for byte), else header_mismatch naming the header. */
cw_reject_code_t cw_event_check_headers(const cw_ce_headers_t *h, const cw_event_t *ev,
                                        cw_reject_t *rej);

/* Encodes ev as one line of compact JSON (no newline) into a new string
 * (free with free()); fields that are absent are omitted, and so are data
 * fields the event's type does not list; time as written by
 * cw_time_format_utc. Round-trips with cw_event_from_json. Bytes that are
 * not valid UTF-8 are written as U+FFFD. */
char *cw_event_to_json(const cw_event_t *ev);

/* The data object of ev alone, as cw_event_to_json() writes it (binary
 * mode's value); a new string (free with free()). */
char *cw_event_data_to_json(const cw_event_t *ev);

#endif
