/* Writer schemas by id: the local mapping and a Confluent Schema Registry.
 *
 * Without a registry URL, ids resolve from the local mapping: 4, 2 and 3
 * are this version's case_event, alert and case_state schemas (embedded),
 * 1 the first case event schema (v1, still read),
 * and `local` may add or override ids with .avsc files. With a URL, ids
 * resolve over HTTP (GET {url}/schemas/ids/{id}, cached for good: an id
 * never changes its schema), except ids listed in `local`.
 *
 * Not thread-safe: one registry per thread (the processor has one). */
#ifndef CW_KAFKA_REGISTRY_H
#define CW_KAFKA_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "model/event_avro.h"

#define CW_SCHEMA_ID_EVENT    4 /* case_event.avsc: what our producers write */
#define CW_SCHEMA_ID_EVENT_V1 1 /* case_event.v1.avsc: still read, never written */
#define CW_SCHEMA_ID_ALERT    2
#define CW_SCHEMA_ID_STATE    3

typedef struct {
    const char *url;       /* NULL or "": local mapping only */
    const char *user_info; /* "user:password" for basic auth, or NULL */
    int timeout_ms;        /* per request; 0: 5000 */
    const char *local;     /* "ID=FILE.avsc,ID=FILE.avsc", or NULL */
} cw_registry_conf_t;

typedef struct cw_registry_s cw_registry_t;

/* NULL with errstr set when a local file cannot be read or the list is
 * malformed. */
cw_registry_t *cw_registry_new(const cw_registry_conf_t *conf, char *errstr, size_t errstr_size);
void cw_registry_destroy(cw_registry_t *reg);

typedef enum {
    CW_SCHEMA_OK,
    CW_SCHEMA_UNKNOWN,      /* no schema has this id (the message is bad) */
    CW_SCHEMA_INCOMPATIBLE, /* it exists but is not a case event schema */
    CW_SCHEMA_UNAVAILABLE,  /* the registry could not be asked: retry later */
} cw_schema_status_t;

/* The decoding plan for writer schema id (owned by the registry). errstr
 * says why when the status is not OK; it never holds payload data. */
cw_schema_status_t cw_registry_event_plan(cw_registry_t *reg, uint32_t id,
                                          const cw_avro_plan_t **plan, char *errstr,
                                          size_t errstr_size);

/* The id of schema (Avro JSON text) under subject ("<topic>-value"):
 * registers it, or finds it when already registered (POST
 * /subjects/{subject}/versions is idempotent). Without a URL: CW_ERR_STATE.
 * For producers. */
cw_err_t cw_registry_register(cw_registry_t *reg, const char *subject, const char *schema,
                              uint32_t *id, char *errstr, size_t errstr_size);

/* Counters: lookups answered from the cache, HTTP requests, failures. */
typedef struct {
    uint64_t hits, requests, unavailable;
} cw_registry_stats_t;
void cw_registry_get_stats(const cw_registry_t *reg, cw_registry_stats_t *out);

#endif
