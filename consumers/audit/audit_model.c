/* The report model from the records of audit.c. Definitions (also in
 * README.md):
 *   started       obligations (or cycles of a recurring rule) started
 *   met_on_time   satisfied with no breach standing (withdrawn counts here)
 *   met_late      satisfied after a breach (the engine's resolved alert)
 *   open_overdue  still open at as-of, past its due date
 *   open_not_due  still open at as-of, not yet due
 *   cancelled     ended without the action: cancelled_by event, case closed
 *                 or transferred, re-triggered (not in the share)
 *   violations    violation alerts (required-before and forbidden rules)
 *   triggered     events of a violation rule's trigger types (the occasions)
 *   violation_rate violations / triggered
 *   share_on_time met_on_time / (met_on_time + met_late + open_overdue)
 *   days to completion: satisfied local date - start date, for met ones;
 *   median and p90 by nearest rank. */
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "base/kommun.h"
#include "base/mem.h"

typedef struct {
    long long started, on_time, late, open_overdue, open_not_due, cancelled, violations, triggered;
    int *days; /* days to completion of met obligations */
    size_t n_days;
} counts_t;

static int cmp_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

/* Nearest rank: the smallest value with at least p of them at or below. */
static json_t *percentile(const int *v, size_t n, int pct)
{
    if (n == 0)
        return json_null();
    size_t rank = ((size_t)pct * n + 99) / 100;
    return json_integer(v[rank ? rank - 1 : 0]);
}

static void count(counts_t *c, const rec_t *r)
{
    switch (r->outcome) {
    case OUT_VIOLATION:
        c->violations++;
        return;
    case OUT_TRIGGER:
        c->triggered++;
        return;
    case OUT_ON_TIME:
        c->on_time++;
        break;
    case OUT_LATE:
        c->late++;
        break;
    case OUT_OPEN_OVERDUE:
        c->open_overdue++;
        break;
    case OUT_OPEN_NOT_DUE:
        c->open_not_due++;
        break;
    case OUT_CANCELLED:
        c->cancelled++;
        break;
    }
    c->started++;
    if (r->outcome == OUT_ON_TIME || r->outcome == OUT_LATE)
        c->days[c->n_days++] = (int)(r->end - r->start);
}

static json_t *share(long long num, long long den)
{
    return den ? json_real((double)num / (double)den) : json_null();
}

static void counts_to(json_t *o, counts_t *c)
{
    json_object_set_new(o, "started", json_integer(c->started));
    json_object_set_new(o, "met_on_time", json_integer(c->on_time));
    json_object_set_new(o, "met_late", json_integer(c->late));
    json_object_set_new(o, "open_overdue", json_integer(c->open_overdue));
    json_object_set_new(o, "open_not_due", json_integer(c->open_not_due));
    json_object_set_new(o, "cancelled", json_integer(c->cancelled));
    json_object_set_new(o, "violations", json_integer(c->violations));
    json_object_set_new(o, "triggered", json_integer(c->triggered));
    json_object_set_new(o, "violation_rate", share(c->violations, c->triggered));
    json_object_set_new(o, "share_on_time",
                        share(c->on_time, c->on_time + c->late + c->open_overdue));
    if (c->n_days)
        qsort(c->days, c->n_days, sizeof(int), cmp_int);
    json_object_set_new(o, "median_days", percentile(c->days, c->n_days, 50));
    json_object_set_new(o, "p90_days", percentile(c->days, c->n_days, 90));
}

/* Counts of the records recs[lo, hi). */
static json_t *counts_json(const cw_audit_t *a, size_t lo, size_t hi)
{
    counts_t c = {0};
    c.days = cw_reallocarray(NULL, hi - lo + 1, sizeof(int));
    for (size_t i = lo; i < hi; i++)
        count(&c, &a->recs[i]);
    json_t *o = json_object();
    counts_to(o, &c);
    free(c.days);
    return o;
}

static const char *const anchor_names[] = {"event", "executed_at", "concluded", "ended"};
static const char *const kind_names[] = {"deadline", "recurring", "required_before", "forbidden"};

static json_t *date_or_null(cw_date_t d, cw_date_t none)
{
    char buf[CW_DATE_STR_SIZE];
    return d == none ? json_null() : json_string(cw_date_format(d, buf));
}

#define DATE_MIN (-719162) /* the pack's open ends: 0001-01-01 */
#define DATE_MAX 2932896   /* 9999-12-31 */

static json_t *rule_law(const cw_rulepack_t *pack, const cw_rule_t *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(kind_names[r->kind]));
    json_object_set_new(o, "subject", json_string(cw_subject_kind_name(r->subject)));
    json_object_set_new(o, "severity", json_string(cw_severity_name(r->severity)));
    json_object_set_new(o, "title_en", json_string(r->title_en));
    json_object_set_new(o, "title_sv", json_string(r->title_sv));
    json_t *refs = json_array();
    for (size_t i = 0; i < r->n_refs; i++) {
        const cw_rule_ref_t *f = &r->refs[i];
        json_t *x = json_object();
        json_object_set_new(x, "law", json_string(f->law));
        json_object_set_new(x, "ref", f->ref ? json_string(f->ref) : json_null());
        json_object_set_new(x, "url", f->url ? json_string(f->url) : json_null());
        json_object_set_new(x, "from", date_or_null(f->from, DATE_MIN));
        json_object_set_new(x, "to", date_or_null(f->to, DATE_MAX));
        json_array_append_new(refs, x);
    }
    json_object_set_new(o, "legal_refs", refs);
    if (r->kind != CW_RULE_DEADLINE && r->kind != CW_RULE_RECURRING)
        return o;
    json_t *d = json_object();
    json_object_set_new(d, "anchor", json_string(anchor_names[r->anchor]));
    json_object_set_new(d, "roll_forward", json_boolean(r->roll_forward));
    json_object_set_new(d, "warn_days",
                        r->warn_days >= 0 ? json_integer(r->warn_days) : json_null());
    json_object_set_new(d, "extended_by",
                        r->extended_by >= 0 ? json_string(cw_event_type_name(r->extended_by))
                                            : json_null());
    json_t *vs = json_array();
    for (size_t i = 0; i < r->n_deadlines; i++) {
        const cw_deadline_t *dl = &r->deadlines[i];
        char p[CW_PERIOD_STR_SIZE], q[CW_PERIOD_STR_SIZE];
        json_t *v = json_object();
        json_object_set_new(v, "from", date_or_null(dl->from, DATE_MIN));
        json_object_set_new(v, "to", date_or_null(dl->to, DATE_MAX));
        json_object_set_new(v, "period",
                            json_string(dl->genast ? "genast" : cw_period_format(dl->period, p)));
        json_object_set_new(v, "repeat",
                            r->kind == CW_RULE_RECURRING
                                ? json_string(cw_period_format(dl->repeat, q))
                                : json_null());
        json_array_append_new(vs, v);
    }
    json_object_set_new(d, "versions", vs);
    if (r->deadlines && r->deadlines[0].genast) {
        int s = pack->genast_cutoff_sec;
        char cut[16];
        snprintf(cut, sizeof(cut), "%02d:%02d", s / 3600, s / 60 % 60);
        json_object_set_new(d, "genast_cutoff", json_string(cut));
    }
    json_object_set_new(o, "deadline", d);
    return o;
}

/* Days of lateness: for met obligations end - due; for open overdue ones
 * as-of - due. Negative: done before the due date. */
static bool days_from_due(const rec_t *r, int *days)
{
    if (r->outcome != OUT_ON_TIME && r->outcome != OUT_LATE && r->outcome != OUT_OPEN_OVERDUE)
        return false;
    *days = (int)(r->end - r->due);
    return true;
}

typedef struct {
    int days;
    bool open;
    const char *case_id;
} worst_t;

static int cmp_worst(const void *x, const void *y)
{
    const worst_t *a = x, *b = y;
    if (a->days != b->days)
        return a->days < b->days ? 1 : -1;
    if (a->open != b->open)
        return a->open ? -1 : 1;
    return strcmp(a->case_id, b->case_id);
}

#define WORST_N 10

static json_t *worst_json(const cw_audit_t *a, size_t lo, size_t hi)
{
    worst_t *w = cw_reallocarray(NULL, hi - lo + 1, sizeof(*w));
    size_t n = 0;
    for (size_t i = lo; i < hi; i++) {
        const rec_t *r = &a->recs[i];
        int d;
        if (!days_from_due(r, &d) || (r->outcome != OUT_LATE && r->outcome != OUT_OPEN_OVERDUE))
            continue;
        w[n++] = (worst_t){d, r->outcome == OUT_OPEN_OVERDUE, r->case_id};
    }
    if (n)
        qsort(w, n, sizeof(*w), cmp_worst);
    json_t *arr = json_array();
    for (size_t i = 0; i < n && i < WORST_N; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "case", json_string(w[i].case_id));
        json_object_set_new(o, "days_overdue", json_integer(w[i].days));
        json_object_set_new(o, "status", json_string(w[i].open ? "open" : "met_late"));
        json_array_append_new(arr, o);
    }
    free(w);
    return arr;
}

/* By month of the due date, of the obligations whose deadline has passed
 * by as-of (so an early month's share is not raised by duties met early
 * but not yet due): on time, late, open overdue. */
static json_t *monthly_json(const cw_audit_t *a, size_t from, size_t to)
{
    int lo = INT32_MAX, hi = INT32_MIN;
    for (size_t i = from; i < to; i++) {
        const rec_t *r = &a->recs[i];
        int d, y, m, dd;
        if (!days_from_due(r, &d) || r->due >= a->as_of_date)
            continue;
        cw_date_to_ymd(r->due, &y, &m, &dd);
        int k = y * 12 + m - 1;
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
    }
    json_t *arr = json_array();
    if (lo > hi)
        return arr;
    size_t n = (size_t)(hi - lo + 1);
    long long(*c)[3] = cw_calloc(n, sizeof(*c));
    for (size_t i = from; i < to; i++) {
        const rec_t *r = &a->recs[i];
        int d, y, m, dd;
        if (!days_from_due(r, &d) || r->due >= a->as_of_date)
            continue;
        cw_date_to_ymd(r->due, &y, &m, &dd);
        c[y * 12 + m - 1 - lo][r->outcome == OUT_ON_TIME ? 0 : r->outcome == OUT_LATE ? 1 : 2]++;
    }
    for (size_t k = 0; k < n; k++) {
        char month[24];
        int km = lo + (int)k;
        snprintf(month, sizeof(month), "%04d-%02d", km / 12, km % 12 + 1);
        json_t *o = json_object();
        json_object_set_new(o, "month", json_string(month));
        json_object_set_new(o, "met_on_time", json_integer(c[k][0]));
        json_object_set_new(o, "met_late", json_integer(c[k][1]));
        json_object_set_new(o, "open_overdue", json_integer(c[k][2]));
        json_object_set_new(o, "share_on_time", share(c[k][0], c[k][0] + c[k][1] + c[k][2]));
        json_array_append_new(arr, o);
    }
    free(c);
    return arr;
}

/* Exact histogram of days from the due date: [{days, count}], ascending. */
static json_t *days_json(const cw_audit_t *a, size_t lo, size_t hi)
{
    int *v = cw_reallocarray(NULL, hi - lo + 1, sizeof(int));
    size_t n = 0;
    for (size_t i = lo; i < hi; i++) {
        int d;
        if (days_from_due(&a->recs[i], &d))
            v[n++] = d;
    }
    if (n)
        qsort(v, n, sizeof(int), cmp_int);
    json_t *arr = json_array();
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j] == v[i])
            j++;
        json_t *o = json_object();
        json_object_set_new(o, "days", json_integer(v[i]));
        json_object_set_new(o, "count", json_integer((json_int_t)(j - i)));
        json_array_append_new(arr, o);
        i = j;
    }
    free(v);
    return arr;
}

/* The municipalities with their units, from one rule's records recs[lo,
 * hi) (sorted by group, and groups by municipality and unit). */
static json_t *groups_json(const cw_audit_t *a, size_t lo, size_t hi)
{
    json_t *arr = json_array();
    for (size_t i = lo; i < hi;) {
        const char *muni = a->groups[a->recs[i].group].municipality;
        size_t j = i;
        while (j < hi && strcmp(a->groups[a->recs[j].group].municipality, muni) == 0)
            j++;
        json_t *o = counts_json(a, i, j);
        const char *name = cw_kommun_name(muni);
        json_object_set_new(o, "municipality", json_string(muni));
        json_object_set_new(o, "municipality_name", name ? json_string(name) : json_null());
        json_t *units = json_array();
        for (size_t k = i; k < j;) {
            uint32_t g = a->recs[k].group;
            size_t l = k;
            while (l < j && a->recs[l].group == g)
                l++;
            json_t *x = counts_json(a, k, l);
            json_object_set_new(x, "unit", json_string(a->groups[g].unit));
            json_array_append_new(units, x);
            k = l;
        }
        json_object_set_new(o, "units", units);
        json_array_append_new(arr, o);
        i = j;
    }
    return arr;
}

static int cmp_group(const void *x, const void *y)
{
    const group_t *a = x, *b = y;
    int c = strcmp(a->municipality, b->municipality);
    return c ? c : strcmp(a->unit, b->unit);
}

static int cmp_rec(const void *x, const void *y)
{
    const rec_t *a = x, *b = y;
    if (a->rule != b->rule)
        return a->rule < b->rule ? -1 : 1;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    return strcmp(a->case_id, b->case_id);
}

/* Sorts the groups by municipality and unit, then the records by rule and
 * group, so every table row is a run of records. */
static void sort_records(cw_audit_t *a)
{
    size_t n = a->n_groups;
    group_t *sorted = cw_reallocarray(NULL, n + 1, sizeof(*sorted));
    uint32_t *rank = cw_reallocarray(NULL, n + 1, sizeof(*rank));
    if (n) { /* memcpy and qsort take no NULL, even for 0 items */
        memcpy(sorted, a->groups, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), cmp_group);
    }
    for (size_t i = 0; i < n; i++) {
        group_t *g = bsearch(&a->groups[i], sorted, n, sizeof(*sorted), cmp_group);
        rank[i] = (uint32_t)(g - sorted);
    }
    for (size_t i = 0; i < a->n_recs; i++)
        a->recs[i].group = rank[a->recs[i].group];
    free(a->groups);
    a->groups = sorted;
    a->cap_groups = n + 1;
    free(rank);
    if (a->n_recs)
        qsort(a->recs, a->n_recs, sizeof(*a->recs), cmp_rec);
}

/* The date a record belongs to a period by: an obligation's due date, a
 * violation's or trigger's event date. */
static cw_date_t period_date(const rec_t *r)
{
    return r->outcome == OUT_VIOLATION || r->outcome == OUT_TRIGGER ? r->start : r->due;
}

/* Keeps the records of the period [from, to]; returns how many obligations
 * and violations were left out. The full list goes to *all (new). */
static long long keep_period(cw_audit_t *a, rec_t **all, size_t *n_all)
{
    *n_all = a->n_recs;
    *all = cw_reallocarray(NULL, a->n_recs + 1, sizeof(rec_t));
    if (a->n_recs)
        memcpy(*all, a->recs, a->n_recs * sizeof(rec_t));
    long long out = 0;
    size_t n = 0;
    for (size_t i = 0; i < a->n_recs; i++) {
        cw_date_t d = period_date(&a->recs[i]);
        if (d >= a->from && d <= a->to)
            a->recs[n++] = a->recs[i];
        else if (a->recs[i].outcome != OUT_TRIGGER)
            out++;
    }
    a->n_recs = n;
    return out;
}

static const char *const outcome_names[] = {"met_on_time", "met_late",  "open_overdue",
                                            "open_not_due", "cancelled", "violation"};

/* The timelines of the cases listed among the worst: {case: {events:
 * [{time, type}], obligations: [{rule, start, due, end, status}]}}, from
 * every record (in the period or not), so a timeline is whole. */
static json_t *cases_json(const cw_audit_t *a, const json_t *rules, const rec_t *all,
                          size_t n_all)
{
    json_t *cases = json_object();
    size_t i, k;
    json_t *r, *w;
    char buf[CW_TIME_STR_SIZE];
    json_array_foreach(rules, i, r) json_array_foreach(json_object_get(r, "worst"), k, w)
    {
        const char *id = json_string_value(json_object_get(w, "case"));
        if (json_object_get(cases, id))
            continue;
        json_t *c = json_object(), *evs = json_array();
        const timeline_t *t = cw_strmap_get(&a->timelines, id, strlen(id));
        for (size_t j = 0; t && j < t->n; j++) {
            json_t *e = json_object();
            json_object_set_new(e, "time", json_string(cw_time_format(t->steps[j].time, buf)));
            json_object_set_new(e, "type", json_string(cw_event_type_name(t->steps[j].type)));
            json_array_append_new(evs, e);
        }
        json_object_set_new(c, "events", evs);
        json_object_set_new(c, "obligations", json_array());
        json_object_set_new(cases, id, c);
    }
    for (size_t j = 0; j < n_all; j++) {
        const rec_t *x = &all[j];
        json_t *c = x->outcome == OUT_TRIGGER ? NULL : json_object_get(cases, x->case_id);
        if (!c)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "rule", json_string(a->pack->rules[x->rule].id));
        json_object_set_new(o, "start", json_string(cw_date_format(x->start, buf)));
        json_object_set_new(o, "due", json_string(cw_date_format(x->due, buf)));
        json_object_set_new(o, "end", json_string(cw_date_format(x->end, buf)));
        json_object_set_new(o, "status", json_string(outcome_names[x->outcome]));
        json_array_append_new(json_object_get(c, "obligations"), o);
    }
    return cases;
}

static json_t *period_json(const cw_audit_t *a, long long outside)
{
    char buf[CW_DATE_STR_SIZE];
    json_t *p = json_object();
    json_object_set_new(p, "from", json_string(cw_date_format(a->from, buf)));
    json_object_set_new(p, "to", json_string(cw_date_format(a->to, buf)));
    json_object_set_new(p, "from_given", json_boolean(a->has_from));
    json_object_set_new(p, "to_given", json_boolean(a->has_to));
    json_object_set_new(p, "outside", json_integer(outside));
    return p;
}

json_t *cw_audit_finish(cw_audit_t *a)
{
    if (!a->has_as_of)
        a->as_of = a->clock; /* the last event's time (0 with no events) */
    if (a->clock_set || a->has_as_of)
        cw_engine_advance(a->engine, a->as_of);
    cw_date_t as_of_date = a->as_of_date = cw_time_local_date(a->as_of);
    /* The default period is the export's own range of event dates. */
    if (!a->has_from)
        a->from = a->clock_set ? cw_time_local_date(a->first) : as_of_date;
    if (!a->has_to)
        a->to = a->clock_set ? cw_time_local_date(a->clock) : as_of_date;
    for (size_t i = 0; i < a->open.cap; i++) {
        open_t *o = a->open.slots[i].key ? a->open.slots[i].value : NULL;
        if (!o)
            continue;
        rec_t r = {o->rule,   as_of_date > o->due ? OUT_OPEN_OVERDUE : OUT_OPEN_NOT_DUE,
                   o->group,  o->case_id,
                   o->start,  o->due,
                   as_of_date};
        cw_audit_add_record(a, &r);
    }
    json_t *m = json_object();
    char buf[CW_TIME_STR_SIZE];
    json_object_set_new(m, "report", json_string("casewatch-audit"));
    json_object_set_new(m, "as_of", json_string(cw_time_format(a->as_of, buf)));
    json_object_set_new(m, "as_of_date", json_string(cw_date_format(as_of_date, buf)));
    json_t *pack = json_object();
    json_object_set_new(pack, "name", json_string(a->pack->name));
    json_object_set_new(pack, "version", json_string(a->pack->version));
    json_object_set_new(m, "rule_pack", pack);
    json_t *in = json_object();
    json_object_set_new(in, "records", json_integer((json_int_t)a->lines));
    json_object_set_new(in, "events", json_integer((json_int_t)a->events));
    json_object_set_new(in, "rejected", json_integer((json_int_t)a->rejected));
    json_object_set_new(in, "duplicates", json_integer((json_int_t)a->duplicates));
    json_object_set_new(in, "after_as_of", json_integer((json_int_t)a->after));
    json_object_set_new(in, "first_event",
                        a->clock_set ? json_string(cw_time_format(a->first, buf)) : json_null());
    json_object_set_new(in, "last_event",
                        a->clock_set ? json_string(cw_time_format(a->clock, buf)) : json_null());
    json_object_set_new(m, "input", in);
    json_t *warnings = json_array();
    json_object_set_new(in, "export_last_event",
                        a->seen ? json_string(cw_time_format(a->last_seen, buf)) : json_null());
    if (a->has_as_of && (!a->seen || a->as_of > a->last_seen))
        json_array_append_new(warnings, json_string("as_of_after_last_event"));
    json_object_set_new(m, "warnings", warnings);
    sort_records(a);
    rec_t *all;
    size_t n_all;
    json_object_set_new(m, "period", period_json(a, keep_period(a, &all, &n_all)));
    json_t *rules = json_array();
    size_t lo = 0;
    for (size_t i = 0; i < a->pack->n_rules; i++) {
        size_t hi = lo;
        while (hi < a->n_recs && a->recs[hi].rule == i)
            hi++;
        const cw_rule_t *r = &a->pack->rules[i];
        json_t *o = json_object();
        json_object_set_new(o, "rule", json_string(r->id));
        json_t *law = rule_law(a->pack, r);
        json_object_update(o, law);
        json_decref(law);
        json_object_set_new(o, "totals", counts_json(a, lo, hi));
        json_object_set_new(o, "municipalities", groups_json(a, lo, hi));
        json_object_set_new(o, "worst", worst_json(a, lo, hi));
        json_object_set_new(o, "monthly", monthly_json(a, lo, hi));
        json_object_set_new(o, "days_from_due", days_json(a, lo, hi));
        lo = hi;
        json_array_append_new(rules, o);
    }
    json_object_set_new(m, "rules", rules);
    json_object_set_new(m, "totals", counts_json(a, 0, a->n_recs));
    json_object_set_new(m, "monthly", monthly_json(a, 0, a->n_recs));
    json_object_set_new(m, "days_from_due", days_json(a, 0, a->n_recs));
    json_object_set_new(m, "cases", cases_json(a, rules, all, n_all));
    free(all);
    return m;
}
