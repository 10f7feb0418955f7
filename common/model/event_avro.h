/* Case events as Avro binary (schemas/case_event.avsc).
 *
 * Decoding goes through a plan compiled once per writer schema (from a
 * registry, the local mapping or a container file's header): the writer's
 * fields are matched to ours by name, so a newer writer with added fields
 * or enum symbols is read, and fields it lacks take our defaults (absent).
 * Decoding applies exactly the checks of the JSON decoder (fields.h) and
 * allocates nothing. */
#ifndef CW_MODEL_EVENT_AVRO_H
#define CW_MODEL_EVENT_AVRO_H

#include <stddef.h>

#include "base/jsonw.h"
#include "model/event.h"
#include "model/reject.h"

typedef struct cw_avro_plan_s cw_avro_plan_t;

/* The schemas of this version, embedded at build time (NUL-terminated),
 * and the first case event schema (v1: data as a union of one record per
 * type), which old data was written with. */
extern const char cw_schema_case_event[];
extern const size_t cw_schema_case_event_len;
extern const char cw_schema_case_event_v1[];
extern const size_t cw_schema_case_event_v1_len;
extern const char cw_schema_alert[];
extern const size_t cw_schema_alert_len;
extern const char cw_schema_case_state[];
extern const size_t cw_schema_case_state_len;

/* Compiles a writer schema (Avro JSON text). NULL with errstr set when it
 * is not valid Avro or cannot be read as a case event (a required envelope
 * field missing, a data field of an incompatible type, nesting deeper than
 * 32 levels). */
cw_avro_plan_t *cw_avro_plan_compile(const char *schema, size_t len, char *errstr,
                                     size_t errstr_size);
void cw_avro_plan_free(cw_avro_plan_t *plan);

/* The plan of our own schema, compiled on first use (thread-safe). */
const cw_avro_plan_t *cw_avro_event_plan(void);

/* Decodes one Avro binary datum of len bytes written with plan's schema
 * into ev (cleared first). Returns CW_REJ_NONE or the rejection, with rej
 * filled as by cw_event_from_json (bad_avro for bytes that do not follow
 * the schema: truncated, a negative or oversized length, an index out of
 * range, trailing bytes). rej may be NULL. */
cw_reject_code_t cw_event_from_avro(const cw_avro_plan_t *plan, const void *buf, size_t len,
                                    cw_event_t *ev, cw_reject_t *rej);

/* The same for the datum at the start of buf (a container file block
 * holds datums back to back): *used is its length. A value rejected
 * (bad_field, ...) still has its length; after bad_avro it is unknown and
 * the rest of buf cannot be read. */
cw_reject_code_t cw_event_from_avro_prefix(const cw_avro_plan_t *plan, const void *buf, size_t len,
                                           size_t *used, cw_event_t *ev, cw_reject_t *rej);

/* Appends ev as an Avro binary datum of case_event.avsc to out. Fields
 * absent in ev are written as null. */
/* Appends v as an Avro long (zig-zag varint). */
void cw_avro_put_long(cw_jsonw_t *out, int64_t v);

void cw_event_write_avro(const cw_event_t *ev, cw_jsonw_t *out);

#endif
