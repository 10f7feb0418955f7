/* A writer schema compiled for decoding Avro binary case events.
 *
 * Why by hand and not with avro-c's value reader: avro-c reads every
 * string into two fresh allocations and trusts length prefixes before it
 * checks them against the input (a 2^62 length is a 2^62 malloc); it also
 * has no logical types and ignores reader defaults in schema resolution.
 * The plan is the writer schema as a flat tree of nodes, each node knowing
 * which event field it fills, so decoding is one bounded pass over the
 * bytes into the fixed-size cw_event_t, with no allocation. avro-c still
 * parses and validates every schema first, so the plan compiler only sees
 * schemas Avro itself accepts. Internal to model/. */
#ifndef CW_MODEL_AVRO_PLAN_H
#define CW_MODEL_AVRO_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "model/event_avro.h"

typedef enum {
    N_NULL,
    N_BOOL,
    N_INT,
    N_LONG,
    N_FLOAT,
    N_DOUBLE,
    N_BYTES,
    N_STRING,
    N_FIXED,
    N_ENUM,
    N_ARRAY,
    N_MAP,
    N_UNION,
    N_RECORD,
} node_type_t;

typedef enum { L_NONE, L_DATE, L_TS_MILLIS, L_TS_MICROS } logical_t;

/* What a node's value becomes in the event. */
typedef enum {
    A_NONE, /* skipped */
    A_ID,
    A_SOURCE,
    A_TYPE,
    A_SUBJECT,
    A_SPECVERSION,
    A_TIME,
    A_DATA,  /* the union (or record) of the type's data */
    A_FIELD, /* a data field: node.field */
    A_NAMED, /* a field of a data record read by name (not named after a
                type): node.field is a field of that name; which field it
                fills depends on the type attribute (cw_field_lookup) */
} target_t;

typedef struct {
    uint8_t type;    /* node_type_t */
    uint8_t logical; /* logical_t */
    uint8_t target;  /* target_t */
    int8_t field;    /* field_id_t for A_FIELD */
    int16_t event;   /* data record: the event type it is named after, or -1
                        (read by field names for the type attribute's type) */
    uint32_t n;      /* record: fields; union: branches; enum: symbols; fixed: size */
    uint32_t first;  /* record/union: first index in kids; array/map: item node;
                        enum: first index in symval/symname */
} node_t;

struct cw_avro_plan_s {
    node_t *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t *kids;
    size_t n_kids, cap_kids;
    int16_t *symval; /* enum symbol → value of the field's cw_enum_t, or -1 */
    char **symname;  /* enum symbol names (for encoding) */
    size_t n_syms, cap_syms;
    uint32_t root;
};

#endif
