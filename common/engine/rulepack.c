/* Rule pack loading and validation. jansson parses; every check here turns
 * a mistake in the pack into a start-up error that names the rule and key. */
#include "engine/rulepack.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "engine/rulepack_read.h"

#define R (1u << CW_SUBJ_REPORT)
#define I (1u << CW_SUBJ_INVESTIGATION)
#define P (1u << CW_SUBJ_PLACEMENT)
#define O (1u << CW_SUBJ_ORDER)

static const unsigned subject_masks[CW_EV__COUNT] = {
    [CW_EV_REPORT_RECEIVED] = R,
    [CW_EV_PROTECTION_ASSESSED] = R,
    [CW_EV_PREASSESSMENT_EXTENDED] = R,
    [CW_EV_REPORT_JOINED] = R | I,
    [CW_EV_INVESTIGATION_OPENED] = R | I,
    [CW_EV_INVESTIGATION_NOT_OPENED] = R,
    [CW_EV_INVESTIGATION_EXTENDED] = I,
    [CW_EV_CHILD_HEARD] = I | P,
    [CW_EV_CHILD_NOT_HEARD] = I,
    [CW_EV_VIOLENCE_RISK_ASSESSED] = I,
    [CW_EV_INVESTIGATION_CONCLUDED] = I,
    [CW_EV_FOLLOWUP_DECIDED] = I | P,
    [CW_EV_FOLLOWUP_CONCLUDED] = I | P,
    [CW_EV_PLACEMENT_STARTED] = P,
    [CW_EV_PLACEMENT_HOME_CHANGED] = P,
    [CW_EV_CARE_PLAN_ESTABLISHED] = P,
    [CW_EV_CARE_PLAN_REVISED] = P,
    [CW_EV_IMPLEMENTATION_PLAN_ESTABLISHED] = P,
    [CW_EV_CHILD_VISITED] = P,
    [CW_EV_CARE_RECONSIDERED] = P,
    [CW_EV_CARE_REVIEWED] = P,
    [CW_EV_CUSTODY_TRANSFER_CONSIDERED] = P,
    [CW_EV_CONTACT_RESTRICTION_DECIDED] = P,
    [CW_EV_CONTACT_RESTRICTION_RECONSIDERED] = P,
    [CW_EV_CONTACT_RESTRICTION_LIFTED] = P,
    [CW_EV_MOVING_BAN_CONSIDERED] = P,
    [CW_EV_PLACEMENT_ENDED] = P,
    [CW_EV_POST_CARE_FOLLOWUP_STARTED] = P,
    [CW_EV_POST_CARE_FOLLOWUP_CONCLUDED] = P,
    [CW_EV_LVU_EMERGENCY_CUSTODY] = O,
    [CW_EV_LVU_SUBMITTED_TO_COURT] = O,
    [CW_EV_LVU_CARE_APPLIED] = O,
    [CW_EV_LVU_APPLICATION_EXTENDED] = O,
    [CW_EV_LVU_EMERGENCY_CUSTODY_ENDED] = O,
};
#undef R
#undef I
#undef P
#undef O

unsigned cw_event_subject_mask(cw_event_type_t type)
{
    return (unsigned)type < CW_EV__COUNT ? subject_masks[type] : 0;
}

const char *const rp_subject_names[CW_SUBJ__COUNT] = {"report", "investigation", "placement",
                                                      "order"};

const char *cw_subject_kind_name(cw_subject_kind_t k)
{
    return (unsigned)k < CW_SUBJ__COUNT ? rp_subject_names[k] : "?";
}

/* ---- small helpers over name tables ---- */

int rp_lookup(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0)
            return i;
    return -1;
}

cw_err_t rp_fail(ctx_t *c, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->rule)
        return cw_err_set(c->errstr, c->errstr_size, CW_ERR_CONFIG, "rule \"%s\": %s", c->rule,
                          msg);
    return cw_err_set(c->errstr, c->errstr_size, CW_ERR_CONFIG, "%s", msg);
}

/* Fails on any key of obj not in allowed (NULL-terminated). */
cw_err_t rp_check_keys(ctx_t *c, json_t *obj, const char *where, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0)
                ok = 1;
        if (!ok)
            return rp_fail(c, "%s: unknown key \"%s\"", where, key);
    }
    return CW_OK;
}

cw_err_t rp_get_string(ctx_t *c, json_t *obj, const char *key, bool required, char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return rp_fail(c, "missing \"%s\"", key);
        return CW_OK;
    }
    if (!json_is_string(v) || json_string_length(v) == 0)
        return rp_fail(c, "\"%s\" must be a non-empty string", key);
    *out = cw_strdup(json_string_value(v));
    return CW_OK;
}

cw_err_t rp_get_date(ctx_t *c, json_t *obj, const char *key, const char *where, cw_date_t dflt,
                     cw_date_t *out)
{
    json_t *v = json_object_get(obj, key);
    *out = dflt;
    if (!v || json_is_null(v))
        return CW_OK;
    if (!json_is_string(v) ||
        cw_date_parse(json_string_value(v), json_string_length(v), out) != CW_OK)
        return rp_fail(c, "%s.%s: expected a YYYY-MM-DD date", where, key);
    return CW_OK;
}

cw_err_t rp_get_event_type(ctx_t *c, json_t *v, const char *where, cw_event_type_t *out)
{
    if (!json_is_string(v))
        return rp_fail(c, "%s: expected an event type name", where);
    int t = cw_event_type_lookup(json_string_value(v), json_string_length(v));
    if (t < 0)
        return rp_fail(c, "%s: unknown event type \"%s\"", where, json_string_value(v));
    *out = (cw_event_type_t)t;
    return CW_OK;
}

/* ---- templates ---- */

const char *const rp_rule_vars[] = {"due",  "nominal_due",  "start", "subject", "subject_id",
                                    "case", "days_overdue", "rule",  NULL};
const char *const rp_kind_vars[] = {"title_sv",     "title_en", "message_sv", "message_en", "due",
                                    "nominal_due",  "start",    "subject",    "subject_id", "case",
                                    "days_overdue", "rule",     NULL};

cw_err_t rp_check_template(ctx_t *c, const char *where, const char *t, const char *const *vars)
{
    for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        if (!end)
            return rp_fail(c, "%s: unclosed \"{\" in template", where);
        size_t len = (size_t)(end - p - 1);
        int ok = 0;
        for (const char *const *v = vars; *v; v++)
            if (strlen(*v) == len && strncmp(*v, p + 1, len) == 0)
                ok = 1;
        if (!ok)
            return rp_fail(c, "%s: unknown placeholder \"{%.*s}\"", where, (int)len, p + 1);
    }
    return CW_OK;
}

void cw_template_render(const char *t, const cw_template_var_t *vars, size_t n_vars, char *out,
                        size_t out_size)
{
    size_t o = 0;
    if (out_size == 0)
        return;
    while (*t && o + 1 < out_size) {
        if (*t != '{') { /* the text up to the next '{' in one copy */
            const char *brace = strchr(t, '{');
            size_t run = brace ? (size_t)(brace - t) : strlen(t);
            if (run > out_size - 1 - o)
                run = out_size - 1 - o;
            memcpy(out + o, t, run);
            o += run;
            t += run;
            continue;
        }
        {
            const char *end = strchr(t, '}');
            size_t len = end ? (size_t)(end - t - 1) : 0;
            const char *val = NULL;
            for (size_t i = 0; end && i < n_vars; i++)
                if (strlen(vars[i].name) == len && strncmp(vars[i].name, t + 1, len) == 0)
                    val = vars[i].value;
            if (val) {
                size_t vl = strlen(val);
                if (vl > out_size - 1 - o)
                    vl = out_size - 1 - o;
                memcpy(out + o, val, vl);
                o += vl;
                t = end + 1;
                continue;
            }
        }
        out[o++] = *t++;
    }
    out[o] = '\0';
}

/* ---- the pack ---- */

static cw_err_t read_kind_texts(ctx_t *c, json_t *j, cw_rulepack_t *pack)
{
    json_t *texts = json_object_get(j, "texts");
    if (!json_is_object(texts))
        return rp_fail(c, "\"texts\": expected an object with one entry per alert kind");
    const char *key;
    json_t *v;
    json_object_foreach(texts, key, v)
    {
        if (cw_alert_kind_lookup(key) < 0)
            return rp_fail(c, "texts: unknown alert kind \"%s\"", key);
    }
    for (int k = 0; k < CW_ALERT__COUNT; k++) {
        const char *name = cw_alert_kind_name((cw_alert_kind_t)k);
        json_t *t = json_object_get(texts, name);
        if (!json_is_object(t))
            return rp_fail(c, "texts.%s: missing", name);
        static const char *const keys[] = {"title_sv", "title_en", "message_sv", "message_en",
                                           NULL};
        cw_err_t err = rp_check_keys(c, t, name, keys);
        char **dst[] = {&pack->kinds[k].title_sv, &pack->kinds[k].title_en,
                        &pack->kinds[k].message_sv, &pack->kinds[k].message_en};
        for (int i = 0; !err && i < 4; i++) {
            char where[64];
            snprintf(where, sizeof(where), "texts.%s.%s", name, keys[i]);
            err = rp_get_string(c, t, keys[i], true, dst[i]);
            if (!err)
                err = rp_check_template(c, where, *dst[i], rp_kind_vars);
        }
        if (err)
            return err;
    }
    return CW_OK;
}

static cw_err_t read_cutoff(ctx_t *c, json_t *j, cw_rulepack_t *pack)
{
    json_t *v = json_object_get(j, "genast_cutoff");
    pack->genast_cutoff_sec = 16 * 3600;
    if (!v)
        return CW_OK;
    const char *s = json_string_value(v);
    int h, m;
    char extra;
    if (!s || sscanf(s, "%2d:%2d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
        return rp_fail(c, "genast_cutoff: expected a local time of day \"HH:MM\"");
    pack->genast_cutoff_sec = h * 3600 + m * 60;
    return CW_OK;
}

static void build_dispatch(cw_rulepack_t *pack)
{
    unsigned roles[CW_EV__COUNT];
    for (size_t i = 0; i < pack->n_rules; i++) {
        const cw_rule_t *r = &pack->rules[i];
        memset(roles, 0, sizeof(roles));
        for (size_t k = 0; k < r->n_triggers; k++)
            roles[r->triggers[k].type] |= CW_ROLE_TRIGGER;
        for (size_t k = 0; k < r->n_satisfied_by; k++)
            roles[r->satisfied_by[k].type] |= CW_ROLE_SATISFY;
        for (size_t k = 0; k < r->n_cancelled_by; k++)
            roles[r->cancelled_by[k].type] |= CW_ROLE_CANCEL;
        if (r->extended_by >= 0)
            roles[r->extended_by] |= CW_ROLE_EXTEND;
        for (int t = 0; t < CW_EV__COUNT; t++) {
            if (!roles[t])
                continue;
            pack->dispatch[t] =
                cw_reallocarray(pack->dispatch[t], pack->n_dispatch[t] + 1, sizeof(cw_dispatch_t));
            pack->dispatch[t][pack->n_dispatch[t]++] = (cw_dispatch_t){r, roles[t]};
        }
    }
}

static cw_err_t read_pack(ctx_t *c, json_t *j, cw_rulepack_t *pack)
{
    static const char *const keys[] = {"$schema",       "pack",  "version", "description",
                                       "genast_cutoff", "texts", "rules",   NULL};
    if (!json_is_object(j))
        return rp_fail(c, "a rule pack is a JSON object");
    cw_err_t err;
    if ((err = rp_check_keys(c, j, "pack", keys)) ||
        (err = rp_get_string(c, j, "pack", true, &pack->name)) ||
        (err = rp_get_string(c, j, "version", true, &pack->version)) ||
        (err = read_cutoff(c, j, pack)) || (err = read_kind_texts(c, j, pack)))
        return err;
    json_t *rules = json_object_get(j, "rules");
    if (!json_is_array(rules) || json_array_size(rules) == 0)
        return rp_fail(c, "\"rules\": expected a non-empty list");
    pack->rules = cw_calloc(json_array_size(rules), sizeof(cw_rule_t));
    size_t i;
    json_t *item;
    json_array_foreach(rules, i, item)
    {
        err = rp_read_rule(c, item, &pack->rules[i]);
        pack->n_rules++;
        if (err)
            return err;
        for (size_t k = 0; k < i; k++)
            if (strcmp(pack->rules[k].id, pack->rules[i].id) == 0)
                return rp_fail(c, "duplicate rule id");
    }
    c->rule = NULL;
    build_dispatch(pack);
    return CW_OK;
}

static void free_rule(cw_rule_t *r)
{
    free(r->id);
    free(r->triggers);
    free(r->satisfied_by);
    free(r->cancelled_by);
    free(r->deadlines);
    free(r->title_sv);
    free(r->title_en);
    free(r->message_sv);
    free(r->message_en);
    for (size_t i = 0; i < r->n_refs; i++) {
        free(r->refs[i].law);
        free(r->refs[i].ref);
        free(r->refs[i].url);
    }
    free(r->refs);
}

void cw_rulepack_destroy(cw_rulepack_t *pack)
{
    if (!pack)
        return;
    for (size_t i = 0; i < pack->n_rules; i++)
        free_rule(&pack->rules[i]);
    free(pack->rules);
    for (int k = 0; k < CW_ALERT__COUNT; k++) {
        free(pack->kinds[k].title_sv);
        free(pack->kinds[k].title_en);
        free(pack->kinds[k].message_sv);
        free(pack->kinds[k].message_en);
    }
    for (int t = 0; t < CW_EV__COUNT; t++)
        free(pack->dispatch[t]);
    free(pack->name);
    free(pack->version);
    free(pack);
}

cw_err_t cw_rulepack_load_buffer(const char *buf, size_t len, cw_rulepack_t **out, char *errstr,
                                 size_t errstr_size)
{
    ctx_t c = {errstr, errstr_size, NULL};
    json_error_t jerr;
    *out = NULL;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "line %d column %d: %s", jerr.line,
                          jerr.column, jerr.text);
    cw_rulepack_t *pack = cw_calloc(1, sizeof(*pack));
    cw_err_t err = read_pack(&c, j, pack);
    json_decref(j);
    if (err) {
        cw_rulepack_destroy(pack);
        return err;
    }
    *out = pack;
    return CW_OK;
}

cw_err_t cw_rulepack_load_file(const char *path, cw_rulepack_t **out, char *errstr,
                               size_t errstr_size)
{
    FILE *f = fopen(path, "rb");
    *out = NULL;
    if (!f)
        return cw_err_set(errstr, errstr_size, CW_ERR_IO, "%s: cannot open", path);
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len + 65536 > cap)
            buf = cw_realloc(buf, cap = cap * 2 + 65536);
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0 && len < (64u << 20));
    int bad = ferror(f) || len >= (64u << 20);
    fclose(f);
    cw_err_t err;
    char inner[384];
    if (bad)
        err = cw_err_set(inner, sizeof(inner), CW_ERR_IO, "read error or larger than 64 MiB");
    else
        err = cw_rulepack_load_buffer(buf, len, out, inner, sizeof(inner));
    free(buf);
    if (err)
        cw_err_set(errstr, errstr_size, err, "%s: %s", path, inner);
    return err;
}

/* Generated at build time from rulepack-se.json (see common/CMakeLists.txt). */
extern const char cw_rulepack_default_json[];
extern const size_t cw_rulepack_default_json_len;

cw_err_t cw_rulepack_load_default(cw_rulepack_t **out, char *errstr, size_t errstr_size)
{
    return cw_rulepack_load_buffer(cw_rulepack_default_json, cw_rulepack_default_json_len, out,
                                   errstr, errstr_size);
}

const cw_rule_t *cw_rulepack_find(const cw_rulepack_t *pack, const char *id)
{
    for (size_t i = 0; i < pack->n_rules; i++)
        if (strcmp(pack->rules[i].id, id) == 0)
            return &pack->rules[i];
    return NULL;
}

const cw_deadline_t *cw_rule_deadline_for(const cw_rule_t *rule, cw_date_t start)
{
    for (size_t i = 0; i < rule->n_deadlines; i++)
        if (start >= rule->deadlines[i].from && start <= rule->deadlines[i].to)
            return &rule->deadlines[i];
    return NULL;
}
