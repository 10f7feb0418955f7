/* Helpers shared by the rule pack loader's two files (rulepack.c: the pack;
 * rulepack_rule.c: one rule). Not a public API. */
#ifndef CW_ENGINE_RULEPACK_READ_H
#define CW_ENGINE_RULEPACK_READ_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/rulepack.h"

/* Loader state: the error buffer and the rule being read, for messages. */
typedef struct {
    char *errstr;
    size_t errstr_size;
    const char *rule; /* id of the rule being read, or NULL */
} ctx_t;

extern const char *const rp_subject_names[CW_SUBJ__COUNT];
extern const char *const rp_rule_vars[]; /* placeholders of rule templates */
extern const char *const rp_kind_vars[]; /* placeholders of kind templates */

/* Formats the error (prefixed with the rule, if any); returns CW_ERR_CONFIG. */
cw_err_t rp_fail(ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rp_lookup(const char *const *names, int n, const char *s);
cw_err_t rp_check_keys(ctx_t *c, json_t *obj, const char *where, const char *const *allowed);
/* *out is new (or NULL when absent and not required). */
cw_err_t rp_get_string(ctx_t *c, json_t *obj, const char *key, bool required, char **out);
cw_err_t rp_get_date(ctx_t *c, json_t *obj, const char *key, const char *where, cw_date_t dflt,
                     cw_date_t *out);
cw_err_t rp_get_event_type(ctx_t *c, json_t *v, const char *where, cw_event_type_t *out);
cw_err_t rp_check_template(ctx_t *c, const char *where, const char *t, const char *const *vars);
/* Reads and checks one rule object into r (fields new). */
cw_err_t rp_read_rule(ctx_t *c, json_t *j, cw_rule_t *r);

#endif
