/* Why an input event was rejected: a stable code (machine-readable, part of
 * the DLQ contract) and a human detail that never quotes payload values. */
#ifndef CW_MODEL_REJECT_H
#define CW_MODEL_REJECT_H

#include <stddef.h>

/* X-macro: enum name, stable code, description. Append only. */
#define CW_REJECT_CODES(X)                                                                         \
    X(TOO_LARGE, "too_large", "message larger than the limit")                                     \
    X(BAD_JSON, "bad_json", "not valid JSON (truncated, binary or malformed)")                     \
    X(NOT_OBJECT, "not_object", "the event is not a JSON object")                                  \
    X(MISSING_ATTRIBUTE, "missing_attribute", "a required CloudEvents attribute is missing")       \
    X(BAD_ATTRIBUTE, "bad_attribute", "a CloudEvents attribute has the wrong type or is empty")    \
    X(BAD_SPECVERSION, "bad_specversion", "specversion is not \"1.0\"")                            \
    X(UNKNOWN_TYPE, "unknown_type", "type is not in the event catalogue")                          \
    X(BAD_TIME, "bad_time", "time is not RFC 3339 with an offset")                                 \
    X(MISSING_DATA, "missing_data", "data is missing or not an object")                            \
    X(MISSING_FIELD, "missing_field", "a required data field is missing")                          \
    X(BAD_FIELD, "bad_field", "a data field has the wrong type or an unknown value")               \
    X(BAD_DATE, "bad_date", "a date field is not a valid date")                                    \
    X(FIELD_TOO_LONG, "field_too_long", "a field is longer than its limit")                        \
    X(BAD_MUNICIPALITY, "bad_municipality", "municipality is not a 4-digit kommunkod")             \
    X(UNKNOWN_REF, "unknown_ref", "refers to an id the case does not have")                        \
    X(DUPLICATE_REF, "duplicate_ref", "creates an id the case already has")                        \
    X(REPEATED_STEP, "repeated_step", "repeats a step that can happen only once")                  \
    X(INVALID_TRANSITION, "invalid_transition", "not possible in the case's current state")        \
    X(KEY_MISMATCH, "key_mismatch", "the message key is not the event's subject")                  \
    X(BAD_ENCODING, "bad_encoding", "neither JSON nor Avro in the Confluent wire format")          \
    X(UNKNOWN_SCHEMA, "unknown_schema", "Avro writer schema id is unknown")                        \
    X(BAD_AVRO, "bad_avro", "Avro binary that does not match its writer schema")                   \
    X(INCOMPATIBLE_SCHEMA, "incompatible_schema", "the writer schema cannot be read as an event") \
    X(BAD_CONTENT_TYPE, "bad_content_type",                                                        \
      "content-type is not one read here (binary-mode data must be JSON)")                         \
    X(HEADER_MISMATCH, "header_mismatch", "a ce_* header disagrees with the structured event")

typedef enum {
    CW_REJ_NONE = 0,
#define X(name, code, text) CW_REJ_##name,
    CW_REJECT_CODES(X)
#undef X
        CW_REJ__COUNT
} cw_reject_code_t;

#define CW_REJECT_DETAIL_SIZE 200

typedef struct {
    cw_reject_code_t code;
    char detail[CW_REJECT_DETAIL_SIZE]; /* e.g. "data.report_id: longer than 64 bytes" */
} cw_reject_t;

/* Stable code ("unknown_ref") and description; borrowed static strings. */
const char *cw_reject_code_name(cw_reject_code_t code);
const char *cw_reject_code_text(cw_reject_code_t code);

/* Sets code and a printf-formatted detail; returns code. */
cw_reject_code_t cw_reject_set(cw_reject_t *rej, cw_reject_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
