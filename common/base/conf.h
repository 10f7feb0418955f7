/* Configuration: a property table, a key=value file, environment overrides.
 *
 * Each component declares its properties in a static table (name, type,
 * default, limits, flags); the table is the documentation. Values come from
 * the defaults, then the file, then the environment (later wins). Unknown
 * keys and bad values are errors that name their origin ("path:line: …" or
 * "environment CASEWATCH_X: …") and stop start-up.
 *
 * Keys under "kafka." are not declared: they are kept aside verbatim, in
 * order, for librdkafka (rd_kafka_conf_set validates them), like Fluent
 * Bit's rdkafka.* and kcat's -X.
 *
 * File syntax: one `key = value` per line; blank lines and lines whose
 * first non-blank character is '#' are ignored; key and value are trimmed
 * of surrounding blanks; a key may appear once per file.
 *
 * Environment: property "a.b_c" is read from PREFIX "A_B_C" (upper case,
 * '.' → '_'); PREFIX "KAFKA_X_Y" sets "kafka.x.y" (lower case, '_' → '.');
 * any other variable starting with PREFIX is an unknown key. */
#ifndef CW_BASE_CONF_H
#define CW_BASE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

typedef enum {
    CW_CONF_STRING,
    CW_CONF_INT,      /* decimal integer within [min, max] */
    CW_CONF_BOOL,     /* true/false, yes/no, on/off, 1/0 */
    CW_CONF_ENUM,     /* one of choices */
    CW_CONF_DURATION, /* integer + unit ms|s|m|h|d, stored as milliseconds, within [min, max] ms */
} cw_conf_type_t;

#define CW_CONF_SECRET   0x1 /* never printed: cw_conf_dump shows "***" */
#define CW_CONF_REQUIRED 0x2 /* cw_conf_check fails while unset */

typedef struct {
    const char *name; /* lower case [a-z0-9_.], e.g. "processor.input_topics" */
    cw_conf_type_t type;
    const char *default_value;  /* text form, validated like any value; NULL = unset */
    int64_t min, max;           /* CW_CONF_INT, CW_CONF_DURATION (0, 0 = no limit) */
    const char *const *choices; /* CW_CONF_ENUM: NULL-terminated */
    unsigned flags;             /* CW_CONF_SECRET | CW_CONF_REQUIRED */
    const char *help;           /* one line, shown by cw_conf_dump */
} cw_conf_prop_t;

typedef struct cw_conf_s cw_conf_t;

/* New configuration over a borrowed property table (must outlive it), with
 * defaults applied. Aborts if a default does not validate (a programming
 * error, caught by the tests). */
cw_conf_t *cw_conf_new(const cw_conf_prop_t *props, size_t n_props);
void cw_conf_destroy(cw_conf_t *conf);

/* Sets one property (or a kafka.* key). origin is copied and used in error
 * messages and by cw_conf_kafka_at (e.g. "file.conf:12"); may be NULL. */
cw_err_t cw_conf_set(cw_conf_t *conf, const char *name, const char *value, const char *origin,
                     char *errstr, size_t errstr_size);
cw_err_t cw_conf_load_file(cw_conf_t *conf, const char *path, char *errstr, size_t errstr_size);
/* Reads the environment (environ) for variables starting with prefix,
 * e.g. "CASEWATCH_". */
cw_err_t cw_conf_load_env(cw_conf_t *conf, const char *prefix, char *errstr, size_t errstr_size);
/* Fails naming the first CW_CONF_REQUIRED property that is unset. */
cw_err_t cw_conf_check(const cw_conf_t *conf, char *errstr, size_t errstr_size);

/* Getters. Asking for a name not in the table, or with the wrong type, is
 * a programming error and aborts. Strings are borrowed; NULL when unset. */
const char *cw_conf_get_str(const cw_conf_t *conf, const char *name);
int64_t cw_conf_get_int(const cw_conf_t *conf, const char *name); /* INT, DURATION (ms) */
bool cw_conf_get_bool(const cw_conf_t *conf, const char *name);
bool cw_conf_is_set(const cw_conf_t *conf, const char *name);
/* Where a property's value came from, for messages about it: "path:line",
 * "environment CASEWATCH_X", "default", or NULL while unset. */
const char *cw_conf_origin(const cw_conf_t *conf, const char *name);

/* kafka.* keys, in the order first set; key without the "kafka." prefix.
 * All out-pointers are borrowed and may be NULL. */
size_t cw_conf_kafka_count(const cw_conf_t *conf);
void cw_conf_kafka_at(const cw_conf_t *conf, size_t i, const char **key, const char **value,
                      const char **origin);

/* Prints every property "name = value  # origin" (secrets and kafka keys
 * whose name contains "password", "secret" or ".key" masked as "***"). */
void cw_conf_dump(const cw_conf_t *conf, FILE *out);

#endif
