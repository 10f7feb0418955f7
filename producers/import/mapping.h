/* The mapping file of casewatch-import (JSON; README.md has the format):
 * which CSV columns hold the case, the municipality and each event's type,
 * time and data fields, and how cell texts become values. Loaded once,
 * bound to a header's column indices per input file. */
#ifndef CW_IMPORT_MAPPING_H
#define CW_IMPORT_MAPPING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* How a cell's text becomes a value. */
typedef enum {
    CW_AS_TEXT,         /* the text (after the map, if any) */
    CW_AS_DATE,         /* "YYYY-MM-DD" */
    CW_AS_TIME,         /* RFC 3339 from a local date and time */
    CW_AS_MONTH,        /* "YYYY-MM" (from a month or a date) */
    CW_AS_MUNICIPALITY, /* a kommunkod that exists (3 digits: Excel's lost zero) */
} cw_as_t;

typedef struct {
    char *field;      /* the data field ("report_id"), or the role ("case") */
    char *column;     /* column name, or NULL for a constant */
    int col;          /* its index in the current header, -1 when unbound */
    json_t *constant; /* "value": the same for every row */
    json_t *map;      /* cell text -> value; NULL: the text itself */
    cw_as_t as;
    bool required; /* an empty cell is a missing value (else: left out) */
    char where[160]; /* "events[2].data.until", for messages */
} cw_value_t;

typedef struct {
    int type;          /* a fixed event type, or -1: type_col decides */
    cw_value_t type_col;
    cw_value_t time;   /* required: an empty time is a missing value; else no event */
    cw_value_t *data;
    size_t n_data;
    struct {
        int type;
        cw_value_t *data;
        size_t n_data;
    } *by_type; /* data_by_type: fields that replace data's for one type */
    size_t n_by_type;
} cw_spec_t;

typedef struct {
    char *name, *source; /* source: template with {municipality} */
    char delim;          /* 0: detect */
    int encoding;        /* cw_csv_encoding_t */
    cw_value_t case_id, municipality, unit, caseworker;
    cw_spec_t *specs;
    size_t n_specs;
} cw_mapping_t;

/* Loads and checks a mapping: unknown keys, unknown event types, bad
 * "as" are errors naming the key. On success *out is new (free with
 * cw_mapping_destroy). */
int cw_mapping_load(const char *path, cw_mapping_t **out, char *errstr, size_t errstr_size);

/* Binds every column name to its index in header (n columns); -1 with
 * errstr naming the first column the header lacks. */
int cw_mapping_bind(cw_mapping_t *m, char **header, size_t n, char *errstr, size_t errstr_size);

void cw_mapping_destroy(cw_mapping_t *m);

#endif
