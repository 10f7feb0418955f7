/* Reading and checking one rule of a rule pack. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "engine/rulepack_read.h"

static const char *const kind_names[] = {"deadline", "recurring", "required_before", "forbidden"};
static const char *const anchor_names[] = {"event", "executed_at", "concluded", "ended"};
static const char *const cond_names[CW_COND__COUNT] = {"violence",     "basis",  "setting",
                                                       "private_talk", "reason", "minor"};

/* ---- conditions and matches ---- */

/* Reads a condition value: a boolean, or one enum name / a list of them. */
static cw_err_t read_cond(ctx_t *c, const char *where, cw_cond_key_t key, json_t *v,
                          uint32_t *allowed)
{
    /* The closed set each enum-valued condition ranges over; -1: boolean. */
    static const int enum_of[CW_COND__COUNT] = {
        [CW_COND_VIOLENCE] = -1,
        [CW_COND_BASIS] = CW_ENUM_BASIS,
        [CW_COND_SETTING] = CW_ENUM_SETTING,
        [CW_COND_PRIVATE_TALK] = -1,
        [CW_COND_END_REASON] = CW_ENUM_END_REASON,
        [CW_COND_MINOR] = -1,
    };
    *allowed = 0;
    if (enum_of[key] < 0) {
        if (!json_is_boolean(v))
            return rp_fail(c, "%s.%s: expected true or false", where, cond_names[key]);
        *allowed = json_is_true(v) ? 2u : 1u;
        return CW_OK;
    }
    json_t *list = json_is_array(v) ? json_incref(v) : json_pack("[O]", v);
    size_t i;
    json_t *item;
    cw_err_t err = CW_OK;
    json_array_foreach(list, i, item)
    {
        int found = json_is_string(item)
                        ? cw_enum_lookup((cw_enum_t)enum_of[key], json_string_value(item),
                                         json_string_length(item))
                        : 0;
        if (found == 0) {
            err = rp_fail(c, "%s.%s: unknown value", where, cond_names[key]);
            break;
        }
        *allowed |= 1u << found;
    }
    if (!err && !*allowed)
        err = rp_fail(c, "%s.%s: empty list", where, cond_names[key]);
    json_decref(list);
    return err;
}

static cw_err_t read_match(ctx_t *c, const char *where, json_t *v, void *item)
{
    cw_match_t *m = item;
    static const char *const keys[] = {"event", "when", NULL};
    memset(m, 0, sizeof(*m));
    if (json_is_string(v))
        return rp_get_event_type(c, v, where, &m->type);
    if (!json_is_object(v))
        return rp_fail(c, "%s: expected an event type or {\"event\", \"when\"}", where);
    cw_err_t err = rp_check_keys(c, v, where, keys);
    if (!err)
        err = rp_get_event_type(c, json_object_get(v, "event"), where, &m->type);
    json_t *when = json_object_get(v, "when");
    if (err || !when)
        return err;
    if (!json_is_object(when))
        return rp_fail(c, "%s.when: expected an object", where);
    const char *key;
    json_t *cv;
    json_object_foreach(when, key, cv)
    {
        int k = rp_lookup(cond_names, CW_COND__COUNT, key);
        if (k < 0)
            return rp_fail(c, "%s.when: unknown condition \"%s\"", where, key);
        if (m->n_conds == CW_MATCH_MAX_CONDS)
            return rp_fail(c, "%s.when: too many conditions", where);
        cw_cond_t *cond = &m->conds[m->n_conds++];
        cond->key = (cw_cond_key_t)k;
        if ((err = read_cond(c, where, cond->key, cv, &cond->allowed)))
            return err;
    }
    return CW_OK;
}

/* ---- deadlines and legal references ---- */

static cw_err_t read_period(ctx_t *c, const char *where, json_t *v, cw_period_t *out)
{
    if (!json_is_string(v) ||
        cw_period_parse(json_string_value(v), json_string_length(v), out) != CW_OK || out->n == 0)
        return rp_fail(c, "%s: bad duration (expected e.g. \"14d\", \"1w\", \"4m\", \"2y\")",
                       where);
    return CW_OK;
}

#define DATE_MIN (-719162) /* 0001-01-01 */
#define DATE_MAX 2932896   /* 9999-12-31 */

static cw_err_t read_deadline(ctx_t *c, const char *where, json_t *v, void *item)
{
    cw_deadline_t *d = item;
    static const char *const keys[] = {"from", "to", "period", "repeat", "note", NULL};
    if (!json_is_object(v))
        return rp_fail(c, "%s: expected an object", where);
    cw_err_t err = rp_check_keys(c, v, where, keys);
    if (!err)
        err = rp_get_date(c, v, "from", where, DATE_MIN, &d->from);
    if (!err)
        err = rp_get_date(c, v, "to", where, DATE_MAX, &d->to);
    if (err)
        return err;
    if (d->from > d->to)
        return rp_fail(c, "%s: \"from\" is after \"to\"", where);
    json_t *p = json_object_get(v, "period");
    char w[96];
    snprintf(w, sizeof(w), "%s.period", where);
    if (json_is_string(p) && strcmp(json_string_value(p), "genast") == 0)
        d->genast = true;
    else if ((err = read_period(c, w, p, &d->period)))
        return err;
    json_t *r = json_object_get(v, "repeat");
    snprintf(w, sizeof(w), "%s.repeat", where);
    if (r && (err = read_period(c, w, r, &d->repeat)))
        return err;
    return CW_OK;
}

static cw_err_t read_ref(ctx_t *c, const char *where, json_t *v, void *item)
{
    cw_rule_ref_t *r = item;
    static const char *const keys[] = {"law", "ref", "url", "from", "to", "note", NULL};
    if (!json_is_object(v))
        return rp_fail(c, "%s: expected an object", where);
    cw_err_t err = rp_check_keys(c, v, where, keys);
    if (!err)
        err = rp_get_string(c, v, "law", true, &r->law);
    if (!err)
        err = rp_get_string(c, v, "ref", false, &r->ref);
    if (!err)
        err = rp_get_string(c, v, "url", false, &r->url);
    if (!err)
        err = rp_get_date(c, v, "from", where, DATE_MIN, &r->from);
    if (!err)
        err = rp_get_date(c, v, "to", where, DATE_MAX, &r->to);
    return err;
}

/* Reads an array of objects with reader; *out holds *n filled items. */
static cw_err_t read_list(ctx_t *c, json_t *obj, const char *key, void **out, size_t *n,
                          size_t size, cw_err_t (*reader)(ctx_t *, const char *, json_t *, void *))
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    *n = 0;
    if (!v || json_is_null(v))
        return CW_OK;
    if (!json_is_array(v))
        return rp_fail(c, "\"%s\": expected a list", key);
    *out = cw_calloc(json_array_size(v), size);
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        char where[64];
        snprintf(where, sizeof(where), "%s[%zu]", key, i);
        cw_err_t err = reader(c, where, item, (char *)*out + i * size);
        (*n)++;
        if (err)
            return err;
    }
    return CW_OK;
}

/* ---- rules ---- */

static cw_err_t read_rule_kind_fields(ctx_t *c, json_t *j, cw_rule_t *r)
{
    char *s = NULL;
    cw_err_t err = rp_get_string(c, j, "kind", true, &s);
    int k = err ? -1 : rp_lookup(kind_names, 4, s);
    free(s);
    if (err)
        return err;
    if (k < 0)
        return rp_fail(c, "kind: expected deadline, recurring, required_before or forbidden");
    r->kind = (cw_rule_kind_t)k;

    if ((err = rp_get_string(c, j, "subject", true, &s)))
        return err;
    k = rp_lookup(rp_subject_names, CW_SUBJ__COUNT, s);
    free(s);
    if (k < 0)
        return rp_fail(c, "subject: expected report, investigation, placement or order");
    r->subject = (cw_subject_kind_t)k;

    if ((err = rp_get_string(c, j, "severity", true, &s)))
        return err;
    k = cw_severity_lookup(s);
    free(s);
    if (k < 0)
        return rp_fail(c, "severity: expected critical, high, medium or low");
    r->severity = (cw_severity_t)k;

    r->anchor = CW_ANCHOR_EVENT;
    if ((err = rp_get_string(c, j, "anchor", false, &s)))
        return err;
    if (s) {
        k = rp_lookup(anchor_names, 4, s);
        free(s);
        if (k < 0)
            return rp_fail(c, "anchor: expected event, executed_at, concluded or ended");
        r->anchor = (cw_anchor_t)k;
    }
    return CW_OK;
}

static cw_err_t read_rule_timing(ctx_t *c, json_t *j, cw_rule_t *r)
{
    json_t *v = json_object_get(j, "roll_forward");
    if (v && !json_is_boolean(v))
        return rp_fail(c, "roll_forward: expected true or false");
    r->roll_forward = json_is_true(v);
    v = json_object_get(j, "warn_days");
    r->warn_days = -1;
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 366)
            return rp_fail(c, "warn_days: expected a whole number of days 0–366, or null");
        r->warn_days = (int)json_integer_value(v);
    }
    r->extended_by = -1;
    v = json_object_get(j, "extended_by");
    if (v && !json_is_null(v)) {
        cw_event_type_t t;
        cw_err_t err = rp_get_event_type(c, v, "extended_by", &t);
        if (err)
            return err;
        if (t != CW_EV_PREASSESSMENT_EXTENDED && t != CW_EV_INVESTIGATION_EXTENDED &&
            t != CW_EV_LVU_APPLICATION_EXTENDED)
            return rp_fail(c, "extended_by: \"%s\" carries no \"until\"", cw_event_type_name(t));
        r->extended_by = (int)t;
    }
    v = json_object_get(j, "required_any");
    if (v) {
        if (!json_is_array(v))
            return rp_fail(c, "required_any: expected a list of event types");
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            cw_event_type_t t;
            cw_err_t err = rp_get_event_type(c, item, "required_any", &t);
            if (err)
                return err;
            r->required_any |= 1ull << t;
        }
    }
    return read_list(c, j, "deadline", (void **)&r->deadlines, &r->n_deadlines,
                     sizeof(cw_deadline_t), read_deadline);
}

/* A match may only name an event type that can refer to the rule's subject. */
static cw_err_t check_matches(ctx_t *c, const cw_rule_t *r, const char *what, const cw_match_t *m,
                              size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(cw_event_subject_mask(m[i].type) & (1u << r->subject)) &&
            !(m[i].type == CW_EV_CASE_CLOSED || m[i].type == CW_EV_CASE_TRANSFERRED))
            return rp_fail(c, "%s[%zu]: \"%s\" never refers to a %s", what, i,
                           cw_event_type_name(m[i].type), rp_subject_names[r->subject]);
    return CW_OK;
}

/* What each kind needs, and the anchors that fit each subject. */
static cw_err_t check_rule(ctx_t *c, const cw_rule_t *r)
{
    bool timed = r->kind == CW_RULE_DEADLINE || r->kind == CW_RULE_RECURRING;
    if (r->n_triggers == 0)
        return rp_fail(c, "\"trigger\" is empty");
    if (timed && (r->n_satisfied_by == 0 || r->n_deadlines == 0))
        return rp_fail(c, "a %s rule needs \"satisfied_by\" and \"deadline\"", kind_names[r->kind]);
    if (!timed && (r->n_satisfied_by || r->n_deadlines || r->extended_by >= 0 ||
                   r->warn_days >= 0 || r->n_cancelled_by))
        return rp_fail(c,
                       "a %s rule has no satisfied_by, cancelled_by, deadline, extended_by or "
                       "warn_days",
                       kind_names[r->kind]);
    if ((r->kind == CW_RULE_REQUIRED_BEFORE) != (r->required_any != 0))
        return rp_fail(c, "\"required_any\" belongs to (and is needed by) required_before rules");
    if (r->extended_by >= 0 && r->kind != CW_RULE_DEADLINE)
        return rp_fail(c, "only deadline rules can be extended");
    static const int anchor_subject[] = {-1, CW_SUBJ_ORDER, CW_SUBJ_INVESTIGATION,
                                         CW_SUBJ_PLACEMENT};
    if (anchor_subject[r->anchor] >= 0 && anchor_subject[r->anchor] != (int)r->subject)
        return rp_fail(c, "anchor \"%s\" does not fit subject \"%s\"", anchor_names[r->anchor],
                       rp_subject_names[r->subject]);
    for (size_t i = 0; i < r->n_deadlines; i++) {
        const cw_deadline_t *d = &r->deadlines[i];
        if (i > 0 && d->from <= r->deadlines[i - 1].to)
            return rp_fail(c, "deadline[%zu] overlaps or precedes deadline[%zu]", i, i - 1);
        if (r->kind == CW_RULE_RECURRING && (d->repeat.n == 0 || d->genast))
            return rp_fail(c, "deadline[%zu]: a recurring rule needs a period and a \"repeat\"", i);
        if (r->kind != CW_RULE_RECURRING && d->repeat.n)
            return rp_fail(c, "deadline[%zu]: \"repeat\" belongs to recurring rules", i);
    }
    cw_err_t err = check_matches(c, r, "trigger", r->triggers, r->n_triggers);
    if (!err)
        err = check_matches(c, r, "satisfied_by", r->satisfied_by, r->n_satisfied_by);
    if (!err)
        err = check_matches(c, r, "cancelled_by", r->cancelled_by, r->n_cancelled_by);
    return err;
}

cw_err_t rp_read_rule(ctx_t *c, json_t *j, cw_rule_t *r)
{
    static const char *const keys[] = {
        "id",         "kind",         "subject",      "severity",    "anchor",
        "trigger",    "satisfied_by", "cancelled_by", "extended_by", "required_any",
        "deadline",   "roll_forward", "warn_days",    "title_sv",    "title_en",
        "message_sv", "message_en",   "legal_refs",   "note",        NULL};
    c->rule = NULL;
    if (!json_is_object(j))
        return rp_fail(c, "each rule must be an object");
    cw_err_t err = rp_get_string(c, j, "id", true, &r->id);
    if (err)
        return err;
    c->rule = r->id;
    if ((err = rp_check_keys(c, j, "rule", keys)) || (err = read_rule_kind_fields(c, j, r)) ||
        (err = read_rule_timing(c, j, r)) ||
        (err = read_list(c, j, "trigger", (void **)&r->triggers, &r->n_triggers, sizeof(cw_match_t),
                         read_match)) ||
        (err = read_list(c, j, "satisfied_by", (void **)&r->satisfied_by, &r->n_satisfied_by,
                         sizeof(cw_match_t), read_match)) ||
        (err = read_list(c, j, "cancelled_by", (void **)&r->cancelled_by, &r->n_cancelled_by,
                         sizeof(cw_match_t), read_match)) ||
        (err = read_list(c, j, "legal_refs", (void **)&r->refs, &r->n_refs, sizeof(cw_rule_ref_t),
                         read_ref)))
        return err;
    char **texts[] = {&r->title_sv, &r->title_en, &r->message_sv, &r->message_en};
    const char *text_keys[] = {"title_sv", "title_en", "message_sv", "message_en"};
    for (int i = 0; i < 4; i++) {
        if ((err = rp_get_string(c, j, text_keys[i], true, texts[i])) ||
            (err = rp_check_template(c, text_keys[i], *texts[i], rp_rule_vars)))
            return err;
    }
    if (r->n_refs == 0)
        return rp_fail(c, "\"legal_refs\" is empty: every rule names its legal source");
    if (r->n_refs > CW_ALERT_MAX_REFS)
        return rp_fail(c, "\"legal_refs\": at most %d", CW_ALERT_MAX_REFS);
    return check_rule(c, r);
}
