/* The feed's picture of the present: open alerts and the caseload.
 *
 * Open alerts. An alert is keyed by (case, rule, subject, due). warning,
 * breach and violation open it (a later kind of the same key supersedes an
 * earlier one: breach over warning); resolved and withdrawn close it; an
 * alert id seen before for the case is an exact duplicate (the processor
 * re-sends after a crash) and is dropped. A case's alerts all go when its
 * snapshot says closed or its changelog record is a tombstone (closed or
 * transferred).
 *
 * A warning gets no alert when the duty is then done in time, so warnings
 * are also checked against the case's snapshot: one whose obligation (same
 * rule, subject and due date) is not in a snapshot written after it is no
 * longer shown. Kafka timestamps order a case's alerts against its
 * snapshots, since the two topics are read independently: the processor
 * writes a batch's alerts before that batch's snapshots.
 *
 * Caseload. Each case's latest snapshot, summarised on request by
 * municipality, unit and caseworker. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/kommun.h"
#include "base/log.h"
#include "base/mem.h"
#include "internal.h"

#define MAX_ALERT_BYTES    (256 * 1024)
#define MAX_SNAPSHOT_BYTES (16 * 1024 * 1024)
#define MAX_ALERT_ID       64
#define LOGGED_BAD_MAX     100 /* per topic and reason at warn level; then debug */

const char *const feed_bad_names[BAD__COUNT] = {
    "too_large", "empty", "bad_encoding", "bad_json", "bad_field", "bad_snapshot", "bad_key"};
const char *const feed_topic_names[3] = {"alert", "changelog", "actions"};
const bool feed_bad_possible[3][BAD__COUNT] = {
    [0] = {[BAD_TOO_LARGE] = true, [BAD_EMPTY] = true, [BAD_ENCODING] = true, [BAD_JSON] = true,
           [BAD_FIELD] = true},
    [1] = {[BAD_TOO_LARGE] = true, [BAD_SNAPSHOT] = true, [BAD_KEY] = true},
    [2] = {[BAD_TOO_LARGE] = true, [BAD_JSON] = true, [BAD_FIELD] = true, [BAD_KEY] = true},
};
#define topic_names feed_topic_names

void view_init(feed_view_t *v)
{
    memset(v, 0, sizeof(*v));
    pthread_rwlock_init(&v->lock, NULL);
    cw_strmap_init(&v->cases);
    cw_jsonw_init(&v->scratch);
    cw_strmap_init(&v->actions);
    atomic_init(&v->ready, false);
}

static void free_alert(feed_alert_t *a)
{
    free(a->json);
    free(a);
}

static void free_case(feed_case_t *c)
{
    for (feed_alert_t *a = c->alerts, *next; a; a = next) {
        next = a->next;
        free_alert(a);
    }
    cw_snapshot_summary_free(&c->snap);
    free(c->seen);
    free(c);
}

void view_free(feed_view_t *v)
{
    for (size_t i = 0; i < v->cases.cap; i++)
        if (v->cases.slots[i].key)
            free_case(v->cases.slots[i].value);
    cw_strmap_free(&v->cases);
    for (size_t i = 0; i < v->actions.cap; i++)
        if (v->actions.slots[i].key)
            free(v->actions.slots[i].value);
    cw_strmap_free(&v->actions);
    cw_jsonw_free(&v->scratch);
    pthread_rwlock_destroy(&v->lock);
}

static void bad(feed_view_t *v, int topic, int reason, int partition, int64_t offset)
{
    uint64_t n = atomic_fetch_add(&v->n.bad[topic][reason], 1) + 1;
    cw_log(n <= LOGGED_BAD_MAX ? CW_LOG_WARN : CW_LOG_DEBUG,
           "bad record on the %s topic [%d] @%lld: %s (%llu so far)", topic_names[topic], partition,
           (long long)offset, feed_bad_names[reason], (unsigned long long)n);
}

/* ---- cases ---- */

static feed_case_t *get_case(feed_view_t *v, const char *id, bool create)
{
    size_t len = strlen(id);
    feed_case_t *c = cw_strmap_get(&v->cases, id, len);
    if (c || !create)
        return c;
    c = cw_calloc(1, sizeof(*c));
    c->id = cw_strmap_put(&v->cases, id, len, c);
    return c;
}

/* Forgets a case that holds nothing. */
static void maybe_drop_case(feed_view_t *v, feed_case_t *c)
{
    if (c->alerts || c->have_snap || c->ended)
        return;
    cw_strmap_remove(&v->cases, c->id, strlen(c->id));
    free_case(c);
}

static bool case_open(const feed_case_t *c)
{
    return c->have_snap && !c->ended && !c->snap.closed;
}

static bool seen(feed_case_t *c, uint64_t h)
{
    for (size_t i = 0; i < c->n_seen; i++)
        if (c->seen[i] == h)
            return true;
    if (c->n_seen == c->cap_seen) {
        c->cap_seen = c->cap_seen ? c->cap_seen * 2 : 8;
        c->seen = cw_reallocarray(c->seen, c->cap_seen, sizeof(*c->seen));
    }
    c->seen[c->n_seen++] = h;
    return false;
}

static bool snap_has(const feed_case_t *c, const char *rule, const char *subject, cw_date_t due)
{
    for (size_t i = 0; i < c->snap.n_obligations; i++) {
        const cw_snapshot_obligation_t *ob = &c->snap.obligations[i];
        if (strcmp(ob->rule, rule) == 0 && strcmp(ob->subject, subject) == 0 &&
            (ob->due == due || ob->late_due == due))
            return true;
    }
    return false;
}

/* Shown as open: breaches and violations until closed; warnings while no
 * later snapshot says their obligation is gone. */
static bool visible(const feed_alert_t *a)
{
    const feed_case_t *c = a->c;
    if (c->ended)
        return false;
    if (a->kind != CW_ALERT_WARNING || !c->have_snap || c->snap_ts < a->ts)
        return true;
    return snap_has(c, a->rule, a->subject, a->due);
}

/* ---- lateness ---- */

static cw_date_t view_today(feed_view_t *v)
{
    if (v->today)
        return v->today(v->today_opaque);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return cw_time_local_date((cw_instant_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int view_days_overdue(const feed_alert_t *a, cw_date_t today)
{
    if (a->kind != CW_ALERT_BREACH && a->kind != CW_ALERT_VIOLATION)
        return 0;
    return today > a->due ? (int)(today - a->due) : 0;
}

void view_write_alert(feed_view_t *v, cw_jsonw_t *w, const feed_alert_t *a, cw_date_t today)
{
    if (w->need_comma)
        cw_jsonw_append(w, ",", 1);
    w->need_comma = 0;
    cw_jsonw_append(w, "{", 1);
    cw_jsonw_kv_int(w, "days_overdue", view_days_overdue(a, today));
    const char *name = cw_kommun_name(a->municipality);
    if (name)
        cw_jsonw_kv_string(w, "municipality_name", name);
    const char *actions = cw_strmap_get(&v->actions, a->id, strlen(a->id));
    if (actions) {
        cw_jsonw_key(w, "actions");
        cw_jsonw_append(w, actions, strlen(actions));
        w->need_comma = 1;
    }
    /* a->json is a non-empty object (its required fields): its members follow */
    cw_jsonw_append(w, ",", 1);
    cw_jsonw_append(w, a->json + 1, strlen(a->json + 1));
    w->need_comma = 1;
}

void view_alert_place(const feed_alert_t *a, const char **municipality, const char **unit)
{
    const feed_case_t *c = a->c;
    if (c && c->have_snap) {
        *municipality = c->snap.municipality;
        *unit = c->snap.unit;
    } else {
        *municipality = a->municipality;
        *unit = a->unit;
    }
}

/* ---- publishing (SSE) ---- */

static void publish(feed_view_t *v, const feed_alert_t *a, const char *json, bool open,
                    const char *change)
{
    if (!v->publish || !atomic_load(&v->ready))
        return;
    cw_jsonw_t *w = &v->scratch;
    cw_jsonw_reset(w);
    cw_jsonw_begin_object(w);
    cw_jsonw_key(w, "open");
    cw_jsonw_append(w, open ? "true" : "false", open ? 4 : 5);
    w->need_comma = 1;
    cw_jsonw_kv_string(w, "change", change);
    cw_jsonw_key(w, "alert");
    if (json) {
        cw_jsonw_append(w, json, strlen(json));
        w->need_comma = 1;
    } else {
        w->need_comma = 0;
        view_write_alert(v, w, a, view_today(v));
    }
    cw_jsonw_end_object(w);
    const char *muni, *unit;
    view_alert_place(a, &muni, &unit);
    v->publish(w->p, w->len, ++v->seq, muni, unit, v->publish_opaque);
}

static void unlink_alert(feed_case_t *c, feed_alert_t *a)
{
    for (feed_alert_t **pp = &c->alerts; *pp; pp = &(*pp)->next)
        if (*pp == a) {
            *pp = a->next;
            return;
        }
}

/* The case ended: its alerts go (published as closed when they were shown). */
static void end_case(feed_view_t *v, feed_case_t *c, int64_t ts)
{
    bool was_open = case_open(c);
    for (feed_alert_t *a = c->alerts, *next; a; a = next) {
        next = a->next;
        if (visible(a))
            publish(v, a, NULL, false, "case_ended");
        free_alert(a);
    }
    c->alerts = NULL;
    cw_snapshot_summary_free(&c->snap);
    c->have_snap = false;
    c->ended = true;
    c->ended_ts = ts;
    c->n_seen = 0;
    if (was_open)
        v->n_open_cases--;
}

/* ---- alerts ---- */

static bool str_field(json_t *o, const char *key, char *buf, size_t max, bool required)
{
    json_t *s = json_object_get(o, key);
    buf[0] = '\0';
    if (!s || json_is_null(s))
        return !required;
    if (!json_is_string(s))
        return false;
    size_t n = json_string_length(s);
    const char *p = json_string_value(s);
    if (n > max || (required && n == 0) || memchr(p, 0, n))
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return true;
}

static bool enum_field(json_t *o, const char *key, int (*lookup)(const char *), int *out)
{
    json_t *s = json_object_get(o, key);
    const char *p = json_is_string(s) ? json_string_value(s) : NULL;
    return p && (*out = lookup(p)) >= 0;
}

static bool kommun(const char *s)
{
    for (int i = 0; i < CW_KOMMUN_LEN; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[CW_KOMMUN_LEN] == '\0';
}

/* The fields the view uses; the rest is kept in the JSON as it came. */
static bool parse_alert(json_t *o, feed_alert_t *a, char *case_id)
{
    int kind, sev;
    char due[16], at[64];
    if (!str_field(o, "id", a->id, MAX_ALERT_ID, true) ||
        !enum_field(o, "kind", cw_alert_kind_lookup, &kind) ||
        !enum_field(o, "severity", cw_severity_lookup, &sev) ||
        !str_field(o, "rule", a->rule, FEED_RULE_MAX, true) ||
        !str_field(o, "case", case_id, CW_ID_MAX, true) ||
        !str_field(o, "subject", a->subject, CW_SUBJECT_MAX, true) ||
        !str_field(o, "municipality", a->municipality, CW_KOMMUN_LEN, true) ||
        !kommun(a->municipality) || !str_field(o, "unit", a->unit, CW_NAME_MAX, false) ||
        !str_field(o, "caseworker", a->caseworker, CW_NAME_MAX, false) ||
        !str_field(o, "due", due, sizeof(due) - 1, true) ||
        cw_date_parse(due, strlen(due), &a->due) != CW_OK ||
        !str_field(o, "at", at, sizeof(at) - 1, true) ||
        cw_time_parse(at, strlen(at), &a->at, NULL, NULL, 0) != CW_OK)
        return false;
    a->kind = (cw_alert_kind_t)kind;
    a->severity = (cw_severity_t)sev;
    return true;
}

static feed_alert_t *find_key(feed_case_t *c, const feed_alert_t *k)
{
    for (feed_alert_t *a = c->alerts; a; a = a->next)
        if (a->due == k->due && strcmp(a->rule, k->rule) == 0 &&
            strcmp(a->subject, k->subject) == 0)
            return a;
    return NULL;
}

static void apply_alert(feed_view_t *v, feed_case_t *c, feed_alert_t *a)
{
    feed_alert_t *old = find_key(c, a);
    switch (a->kind) {
    case CW_ALERT_WARNING:
    case CW_ALERT_BREACH:
    case CW_ALERT_VIOLATION:
        if (old && old->kind != CW_ALERT_WARNING && a->kind == CW_ALERT_WARNING) {
            atomic_fetch_add(&v->n.alerts_stale, 1); /* never back from breach to warning */
            free_alert(a);
            return;
        }
        if (old) {
            unlink_alert(c, old);
            free_alert(old);
        }
        a->next = c->alerts;
        c->alerts = a;
        if (visible(a))
            publish(v, a, NULL, true, cw_alert_kind_name(a->kind));
        return;
    case CW_ALERT_RESOLVED:
    case CW_ALERT_WITHDRAWN:
        if (old) {
            unlink_alert(c, old);
            free_alert(old);
        }
        publish(v, a, NULL, false, cw_alert_kind_name(a->kind));
        free_alert(a);
        return;
    case CW_ALERT_EXTENDED:
        /* The deadline moved: warnings for the old due date are moot
         * (a breach that the extension came too late for stands). */
        for (feed_alert_t *w = c->alerts, *next; w; w = next) {
            next = w->next;
            if (w->kind == CW_ALERT_WARNING && w->due != a->due && strcmp(w->rule, a->rule) == 0 &&
                strcmp(w->subject, a->subject) == 0) {
                if (visible(w))
                    publish(v, w, NULL, false, "extended");
                unlink_alert(c, w);
                free_alert(w);
            }
        }
        publish(v, a, NULL, false, "extended");
        free_alert(a);
        return;
    default:
        free_alert(a);
    }
}

void view_on_alert(feed_view_t *v, const void *value, size_t len, int64_t ts, int partition,
                   int64_t offset)
{
    if (!value || len == 0)
        return bad(v, 0, BAD_EMPTY, partition, offset);
    if (len > MAX_ALERT_BYTES)
        return bad(v, 0, BAD_TOO_LARGE, partition, offset);
    if (((const char *)value)[0] != '{')
        return bad(v, 0, BAD_ENCODING, partition, offset);
    json_error_t jerr;
    json_t *o = json_loadb(value, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return bad(v, 0, BAD_JSON, partition, offset);
    }
    feed_alert_t *a = cw_calloc(1, sizeof(*a));
    char case_id[CW_ID_MAX + 1];
    if (!parse_alert(o, a, case_id)) {
        json_decref(o);
        free(a);
        return bad(v, 0, BAD_FIELD, partition, offset);
    }
    /* the processor's days_overdue is as of the moment it fired; the view
     * writes the live one (view_write_alert) */
    json_object_del(o, "days_overdue");
    json_object_del(o, "municipality_name");
    a->json = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!a->json) {
        free(a);
        return bad(v, 0, BAD_JSON, partition, offset);
    }
    a->ts = ts;
    atomic_fetch_add(&v->n.alerts_consumed, 1);
    atomic_fetch_add(&v->n.alerts_by_kind[a->kind], 1);
    pthread_rwlock_wrlock(&v->lock);
    a->seq = ++v->seq;
    feed_case_t *c = get_case(v, case_id, true);
    a->c = c;
    if (c->ended && ts <= c->ended_ts) {
        atomic_fetch_add(&v->n.alerts_stale, 1); /* from before the case ended */
        free_alert(a);
    } else if (seen(c, cw_strmap_hash(a->id, strlen(a->id)))) {
        atomic_fetch_add(&v->n.alerts_duplicate, 1);
        free_alert(a);
    } else {
        c->ended = false; /* an alert after the end: the case id lives again */
        apply_alert(v, c, a);
    }
    maybe_drop_case(v, c);
    pthread_rwlock_unlock(&v->lock);
}

/* ---- changelog ---- */

static void apply_snapshot(feed_view_t *v, feed_case_t *c, cw_snapshot_summary_t *s, int64_t ts)
{
    if (s->closed) {
        cw_snapshot_summary_free(s);
        return end_case(v, c, ts);
    }
    if (c->ended && ts < c->ended_ts) {
        cw_snapshot_summary_free(s); /* older than the end we know of */
        return;
    }
    /* Which warnings this snapshot retires. */
    size_t n = 0;
    for (feed_alert_t *a = c->alerts; a; a = a->next)
        n++;
    bool *was = cw_calloc(n ? n : 1, sizeof(bool));
    size_t i = 0;
    for (feed_alert_t *a = c->alerts; a; a = a->next)
        was[i++] = visible(a);
    bool was_open = case_open(c);
    cw_snapshot_summary_free(&c->snap);
    c->snap = *s;
    c->have_snap = true;
    c->snap_ts = ts;
    c->ended = false;
    if (!was_open)
        v->n_open_cases++;
    i = 0;
    for (feed_alert_t *a = c->alerts; a; a = a->next)
        if (was[i++] && !visible(a))
            publish(v, a, NULL, false, "obligation_closed");
    free(was);
}

void view_on_changelog(feed_view_t *v, const void *key, size_t key_len, const void *value,
                       size_t len, int64_t ts, int partition, int64_t offset)
{
    char id[CW_ID_MAX + 1];
    if (cw_clock_is_key(key, key_len))
        return; /* the processor's clock for the partition: not a case */
    if (!key || key_len == 0 || key_len > CW_ID_MAX || memchr(key, 0, key_len))
        return bad(v, 1, BAD_KEY, partition, offset);
    memcpy(id, key, key_len);
    id[key_len] = '\0';
    cw_snapshot_summary_t s;
    if (value) {
        if (len > MAX_SNAPSHOT_BYTES)
            return bad(v, 1, BAD_TOO_LARGE, partition, offset);
        if (cw_snapshot_summary(value, len, &s, NULL, 0) != CW_OK)
            return bad(v, 1, BAD_SNAPSHOT, partition, offset);
        if (strcmp(s.id, id) != 0) {
            cw_snapshot_summary_free(&s);
            return bad(v, 1, BAD_KEY, partition, offset);
        }
    }
    pthread_rwlock_wrlock(&v->lock);
    if (value) {
        atomic_fetch_add(&v->n.snapshots, 1);
        apply_snapshot(v, get_case(v, id, true), &s, ts);
    } else {
        atomic_fetch_add(&v->n.tombstones, 1);
        end_case(v, get_case(v, id, true), ts);
    }
    pthread_rwlock_unlock(&v->lock);
}

/* ---- actions ---- */

static bool short_str(json_t *o, const char *key, size_t max, bool required)
{
    json_t *s = json_object_get(o, key);
    if (!s)
        return !required;
    size_t n = json_is_string(s) ? json_string_length(s) : 0;
    return json_is_string(s) && n > 0 && n <= max && !memchr(json_string_value(s), 0, n);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* who and when: {"by": user, "at": RFC 3339} plus the extra string keys */
static bool stamp_ok(json_t *o, const char *extra, size_t extra_max)
{
    if (!json_is_object(o) || !short_str(o, "by", FEED_USER_NAME_MAX, true) ||
        !short_str(o, "at", 40, true) || (extra && !short_str(o, extra, extra_max, true)))
        return false;
    cw_instant_t t;
    const char *at = json_string_value(json_object_get(o, "at"));
    return cw_time_parse(at, strlen(at), &t, NULL, NULL, 0) == CW_OK &&
           json_object_size(o) == (size_t)(extra ? 3 : 2);
}

/* The record, checked field by field and rebuilt (so what is kept and
 * shown is exactly the fields known); NULL if anything is off. */
static char *clean_action(json_t *o, const char *key)
{
    static const char *const known[] = {"v",     "alert",        "case",     "municipality",
                                        "unit",  "acknowledged", "assigned", "notes"};
    const char *k;
    json_t *val;
    json_object_foreach(o, k, val)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(k, known[i]) == 0;
        if (!ok)
            return NULL;
    }
    json_t *ack = json_object_get(o, "acknowledged"), *as = json_object_get(o, "assigned"),
           *notes = json_object_get(o, "notes");
    if (json_integer_value(json_object_get(o, "v")) != 1 ||
        !short_str(o, "alert", MAX_ALERT_ID, true) ||
        strcmp(json_string_value(json_object_get(o, "alert")), key) != 0 ||
        !short_str(o, "case", CW_ID_MAX, true) || !short_str(o, "municipality", 4, true) ||
        !kommun(json_string_value(json_object_get(o, "municipality"))) ||
        (json_object_get(o, "unit") && !short_str(o, "unit", CW_NAME_MAX, true)) ||
        (ack && !stamp_ok(ack, NULL, 0)) || (as && !stamp_ok(as, "to", CW_NAME_MAX)) ||
        (notes && (!json_is_array(notes) || json_array_size(notes) > FEED_NOTES_MAX)))
        return NULL;
    size_t i;
    json_t *n;
    json_array_foreach(notes, i, n)
    {
        if (!stamp_ok(n, "text", FEED_NOTE_MAX_CHARS * 4) ||
            utf8_chars(json_string_value(json_object_get(n, "text"))) > FEED_NOTE_MAX_CHARS)
            return NULL;
    }
    json_t *c = json_object();
    static const char *const order[] = {"v",            "alert",    "case", "municipality", "unit",
                                        "acknowledged", "assigned", "notes"};
    for (size_t j = 0; j < sizeof(order) / sizeof(order[0]); j++)
        if (json_object_get(o, order[j]))
            json_object_set(c, order[j], json_object_get(o, order[j]));
    char *out = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    return out;
}

static feed_alert_t *find_alert(feed_view_t *v, const char *case_id, const char *id)
{
    feed_case_t *c = get_case(v, case_id, false);
    for (feed_alert_t *a = c ? c->alerts : NULL; a; a = a->next)
        if (strcmp(a->id, id) == 0)
            return a;
    return NULL;
}

void view_on_action(feed_view_t *v, const void *key, size_t key_len, const void *value,
                    size_t len, int partition, int64_t offset)
{
    char id[MAX_ALERT_ID + 1];
    if (!key || key_len == 0 || key_len > MAX_ALERT_ID || memchr(key, 0, key_len))
        return bad(v, 2, BAD_KEY, partition, offset);
    memcpy(id, key, key_len);
    id[key_len] = '\0';
    char *clean = NULL, case_id[CW_ID_MAX + 1] = "";
    if (value) {
        if (len > 64 * 1024)
            return bad(v, 2, BAD_TOO_LARGE, partition, offset);
        json_error_t jerr;
        json_t *o = json_loadb(value, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(o)) {
            json_decref(o);
            return bad(v, 2, BAD_JSON, partition, offset);
        }
        clean = clean_action(o, id);
        if (clean)
            snprintf(case_id, sizeof(case_id), "%s", json_string_value(json_object_get(o, "case")));
        json_decref(o);
        if (!clean)
            return bad(v, 2, BAD_FIELD, partition, offset);
    }
    atomic_fetch_add(&v->n.actions, 1);
    pthread_rwlock_wrlock(&v->lock);
    char *old = cw_strmap_remove(&v->actions, id, key_len);
    if (clean)
        cw_strmap_put(&v->actions, id, key_len, clean);
    bool changed = !old || !clean || strcmp(old, clean) != 0;
    free(old);
    feed_alert_t *a = clean ? find_alert(v, case_id, id) : NULL;
    if (changed && a && visible(a))
        publish(v, a, NULL, true, "action");
    pthread_rwlock_unlock(&v->lock);
}

bool view_action_base(feed_view_t *v, const char *id, char case_id[CW_ID_MAX + 1],
                      char municipality[CW_KOMMUN_LEN + 1], char unit[CW_NAME_MAX + 1],
                      char **current)
{
    *current = NULL;
    bool found = false;
    pthread_rwlock_rdlock(&v->lock);
    for (size_t i = 0; i < v->cases.cap && !found; i++) {
        if (!v->cases.slots[i].key)
            continue;
        feed_case_t *c = v->cases.slots[i].value;
        for (feed_alert_t *a = c->alerts; a && !found; a = a->next) {
            if (strcmp(a->id, id) != 0 || !visible(a))
                continue;
            const char *muni, *u;
            view_alert_place(a, &muni, &u);
            snprintf(case_id, CW_ID_MAX + 1, "%s", c->id);
            snprintf(municipality, CW_KOMMUN_LEN + 1, "%s", muni);
            snprintf(unit, CW_NAME_MAX + 1, "%s", u);
            const char *act = cw_strmap_get(&v->actions, id, strlen(id));
            *current = act ? cw_strdup(act) : NULL;
            found = true;
        }
    }
    pthread_rwlock_unlock(&v->lock);
    return found;
}

size_t view_drop_orphans(feed_view_t *v, int64_t before_ts)
{
    size_t dropped = 0;
    pthread_rwlock_wrlock(&v->lock);
    for (size_t i = 0; i < v->cases.cap;) {
        feed_case_t *c = v->cases.slots[i].key ? v->cases.slots[i].value : NULL;
        if (!c || c->have_snap || c->ended) {
            i++;
            continue;
        }
        bool all_old = true;
        for (feed_alert_t *a = c->alerts; a; a = a->next)
            all_old = all_old && a->ts < before_ts;
        if (!all_old) {
            i++;
            continue;
        }
        for (feed_alert_t *a = c->alerts; a; a = a->next)
            dropped++;
        /* removal shifts later slots back into i: look at i again */
        cw_strmap_remove(&v->cases, c->id, strlen(c->id));
        free_case(c);
    }
    pthread_rwlock_unlock(&v->lock);
    return dropped;
}

size_t view_forget_ended(feed_view_t *v, int64_t before_ts)
{
    size_t n = 0;
    pthread_rwlock_wrlock(&v->lock);
    for (size_t i = 0; i < v->cases.cap;) {
        feed_case_t *c = v->cases.slots[i].key ? v->cases.slots[i].value : NULL;
        if (!c || !c->ended || c->alerts || c->ended_ts >= before_ts) {
            i++;
            continue;
        }
        cw_strmap_remove(&v->cases, c->id, strlen(c->id)); /* slot i refilled: look again */
        free_case(c);
        n++;
    }
    pthread_rwlock_unlock(&v->lock);
    return n;
}

/* ---- readers ---- */

static void kv_bool(cw_jsonw_t *w, const char *key, bool b)
{
    cw_jsonw_key(w, key);
    cw_jsonw_append(w, b ? "true" : "false", b ? 4 : 5);
    w->need_comma = 1;
}

static void kv_date(cw_jsonw_t *w, const char *key, cw_date_t d)
{
    char buf[CW_DATE_STR_SIZE];
    cw_jsonw_kv_string(w, key, cw_date_format(d, buf));
}

static bool match(const char *want, const char *have)
{
    return !want || strcmp(want, have) == 0;
}

static bool filtered(feed_view_t *v_of_filter, const feed_filter_t *f, const feed_alert_t *a)
{
    if (f->user) {
        const char *muni, *unit;
        view_alert_place(a, &muni, &unit);
        if (!feed_user_sees(f->user, muni, unit))
            return false;
    }
    if (f->unacknowledged) {
        const char *act = cw_strmap_get(&v_of_filter->actions, a->id, strlen(a->id));
        if (act && strstr(act, "\"acknowledged\":{"))
            return false;
    }
    return match(f->municipality, a->municipality) && match(f->unit, a->unit) &&
           match(f->caseworker, a->caseworker) && match(f->rule, a->rule) &&
           match(f->case_id, a->c->id) &&
           (!f->severity || a->severity == (cw_severity_t)cw_severity_lookup(f->severity)) &&
           (!f->kind || a->kind == (cw_alert_kind_t)cw_alert_kind_lookup(f->kind));
}

static int cmp_int(long long a, long long b)
{
    return a < b ? -1 : a > b;
}

typedef struct {
    int key;
    cw_date_t today;
} sort_t;

static int cmp_alerts(const void *x, const void *y, void *arg)
{
    const feed_alert_t *a = *(feed_alert_t *const *)x, *b = *(feed_alert_t *const *)y;
    const sort_t *so = arg;
    int r = 0;
    switch (so->key) {
    case 1:
        r = cmp_int(a->due, b->due);
        break;
    case 2:
        r = -cmp_int(a->seq, b->seq); /* newest first */
        break;
    case 3:
        r = strcmp(a->municipality, b->municipality);
        break;
    case 4:
        r = strcmp(a->unit, b->unit);
        break;
    case 5:
        r = strcmp(a->rule, b->rule);
        break;
    case 6: /* the latest first */
        r = -cmp_int(view_days_overdue(a, so->today), view_days_overdue(b, so->today));
        break;
    }
    if (!r)
        r = cmp_int(a->severity, b->severity);
    if (!r)
        r = cmp_int(a->due, b->due);
    return r ? r : strcmp(a->id, b->id);
}

void view_alerts_json(feed_view_t *v, const feed_filter_t *f, cw_jsonw_t *out)
{
    static const char *const sorts[] = {"severity", "due",  "at",     "municipality",
                                        "unit",     "rule", "overdue"};
    sort_t so = {.key = 0, .today = f->today};
    for (int i = 0; f->sort && i < 7; i++)
        if (strcmp(f->sort, sorts[i]) == 0)
            so.key = i;
    pthread_rwlock_rdlock(&v->lock);
    size_t n = 0, cap = 256;
    feed_alert_t **all = cw_reallocarray(NULL, cap, sizeof(*all));
    for (size_t i = 0; i < v->cases.cap; i++) {
        if (!v->cases.slots[i].key)
            continue;
        for (feed_alert_t *a = ((feed_case_t *)v->cases.slots[i].value)->alerts; a; a = a->next) {
            if (!visible(a) || !filtered(v, f, a))
                continue;
            if (n == cap)
                all = cw_reallocarray(all, cap *= 2, sizeof(*all));
            all[n++] = a;
        }
    }
    qsort_r(all, n, sizeof(*all), cmp_alerts, &so);
    size_t shown = n < f->limit ? n : f->limit;
    cw_jsonw_begin_object(out);
    kv_bool(out, "ready", atomic_load(&v->ready));
    cw_jsonw_kv_int(out, "total", (int64_t)n);
    cw_jsonw_kv_int(out, "returned", (int64_t)shown);
    cw_jsonw_key(out, "alerts");
    cw_jsonw_begin_array(out);
    for (size_t i = 0; i < shown; i++)
        view_write_alert(v, out, all[i], f->today);
    cw_jsonw_end_array(out);
    cw_jsonw_end_object(out);
    pthread_rwlock_unlock(&v->lock);
    free(all);
}

/* ---- caseload ---- */

typedef struct {
    uint64_t cases, obligations, due_soon, overdue, alerts;
} load_t;

typedef struct {
    cw_strmap_t map; /* group key -> index into rows */
    load_t *rows;
    char **names; /* group key, as "municipality\x1fname" */
    size_t n, cap;
} groups_t;

static load_t *group(groups_t *g, const char *municipality, const char *name)
{
    char key[CW_KOMMUN_LEN + 2 * CW_NAME_MAX + 8];
    int len = snprintf(key, sizeof(key), "%s\x1f%s", municipality, name);
    void *hit = cw_strmap_get(&g->map, key, (size_t)len);
    if (hit)
        return &g->rows[(uintptr_t)hit - 1];
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->rows = cw_reallocarray(g->rows, g->cap, sizeof(*g->rows));
        g->names = cw_reallocarray(g->names, g->cap, sizeof(*g->names));
    }
    memset(&g->rows[g->n], 0, sizeof(load_t));
    g->names[g->n] = cw_strndup(key, (size_t)len);
    cw_strmap_put(&g->map, key, (size_t)len, (void *)(uintptr_t)(g->n + 1));
    return &g->rows[g->n++];
}

static void add(load_t *l, const load_t *d)
{
    l->cases += d->cases;
    l->obligations += d->obligations;
    l->due_soon += d->due_soon;
    l->overdue += d->overdue;
    l->alerts += d->alerts;
}

static void write_load(cw_jsonw_t *w, const load_t *l)
{
    cw_jsonw_kv_int(w, "open_cases", (int64_t)l->cases);
    cw_jsonw_kv_int(w, "open_obligations", (int64_t)l->obligations);
    cw_jsonw_kv_int(w, "due_soon", (int64_t)l->due_soon);
    cw_jsonw_kv_int(w, "overdue", (int64_t)l->overdue);
    cw_jsonw_kv_int(w, "open_alerts", (int64_t)l->alerts);
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(**(char *const *const *)x, **(char *const *const *)y);
}

/* Rows sorted by name: "label" is the JSON key of the part after the
 * municipality (NULL: the group is the municipality alone). */
static void write_groups(cw_jsonw_t *w, const char *key, groups_t *g, const char *label)
{
    char ***order = cw_reallocarray(NULL, g->n ? g->n : 1, sizeof(*order));
    for (size_t i = 0; i < g->n; i++)
        order[i] = &g->names[i];
    qsort(order, g->n, sizeof(*order), cmp_names);
    cw_jsonw_key(w, key);
    cw_jsonw_begin_array(w);
    for (size_t k = 0; k < g->n; k++) {
        size_t i = (size_t)(order[k] - g->names);
        const char *sep = strchr(g->names[i], '\x1f');
        char muni[CW_KOMMUN_LEN + 1];
        snprintf(muni, sizeof(muni), "%.*s", (int)(sep - g->names[i]), g->names[i]);
        cw_jsonw_begin_object(w);
        cw_jsonw_kv_string(w, "municipality", muni);
        const char *name = cw_kommun_name(muni);
        if (name)
            cw_jsonw_kv_string(w, "municipality_name", name);
        if (label) {
            /* a caseworker's key is "caseworker\x1eunit": one row per unit */
            const char *unit_sep = strchr(sep + 1, '\x1e');
            if (unit_sep) {
                char who[CW_NAME_MAX + 1];
                snprintf(who, sizeof(who), "%.*s", (int)(unit_sep - sep - 1), sep + 1);
                cw_jsonw_kv_string(w, "unit", unit_sep + 1);
                cw_jsonw_kv_string(w, label, who);
            } else {
                cw_jsonw_kv_string(w, label, sep + 1);
            }
        }
        write_load(w, &g->rows[i]);
        cw_jsonw_end_object(w);
    }
    cw_jsonw_end_array(w);
    free(order);
}

static void free_groups(groups_t *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->names[i]);
    free(g->names);
    free(g->rows);
    cw_strmap_free(&g->map);
}

void view_caseload_json(feed_view_t *v, cw_date_t today, int soon_days, const feed_user_t *user,
                        cw_jsonw_t *out)
{
    groups_t munis = {0}, units = {0}, workers = {0};
    load_t total = {0};
    pthread_rwlock_rdlock(&v->lock);
    for (size_t i = 0; i < v->cases.cap; i++) {
        if (!v->cases.slots[i].key)
            continue;
        const feed_case_t *c = v->cases.slots[i].value;
        if (!case_open(c) || !feed_user_sees(user, c->snap.municipality, c->snap.unit))
            continue;
        load_t d = {.cases = 1, .obligations = c->snap.n_obligations};
        for (size_t k = 0; k < c->snap.n_obligations; k++) {
            const cw_snapshot_obligation_t *ob = &c->snap.obligations[k];
            if (ob->phase == CW_SNAP_PHASE_BREACHED || ob->due < today || ob->late_due != INT32_MIN)
                d.overdue++;
            else if (ob->due <= today + soon_days)
                d.due_soon++;
        }
        for (const feed_alert_t *a = c->alerts; a; a = a->next)
            d.alerts += visible(a);
        add(&total, &d);
        add(group(&munis, c->snap.municipality, ""), &d);
        add(group(&units, c->snap.municipality, c->snap.unit), &d);
        char worker[2 * CW_NAME_MAX + 2];
        snprintf(worker, sizeof(worker), "%s\x1e%s", c->snap.caseworker, c->snap.unit);
        add(group(&workers, c->snap.municipality, worker), &d);
    }
    bool ready = atomic_load(&v->ready);
    pthread_rwlock_unlock(&v->lock);
    cw_jsonw_begin_object(out);
    kv_bool(out, "ready", ready);
    kv_date(out, "today", today);
    cw_jsonw_kv_int(out, "due_soon_days", soon_days);
    cw_jsonw_key(out, "total");
    cw_jsonw_begin_object(out);
    write_load(out, &total);
    cw_jsonw_end_object(out);
    write_groups(out, "municipalities", &munis, NULL);
    write_groups(out, "units", &units, "unit");
    write_groups(out, "caseworkers", &workers, "caseworker");
    cw_jsonw_end_object(out);
    free_groups(&munis);
    free_groups(&units);
    free_groups(&workers);
}

/* ---- one case ---- */

static const char *const phase_names[] = {"open", "warned", "breached"};

view_case_t view_case_json(feed_view_t *v, const char *id, cw_date_t today,
                           const feed_user_t *user, cw_jsonw_t *out)
{
    pthread_rwlock_rdlock(&v->lock);
    feed_case_t *c = get_case(v, id, false);
    if (!c) {
        pthread_rwlock_unlock(&v->lock);
        return VIEW_CASE_NOT_FOUND;
    }
    if (user && user->role != FEED_ROLE_ADMIN) {
        /* where the case is: its snapshot, else its alerts; an ended case
         * with neither is nobody's to see but an administrator's */
        const char *muni = NULL, *unit = NULL;
        if (c->have_snap) {
            muni = c->snap.municipality;
            unit = c->snap.unit;
        } else if (c->alerts) {
            view_alert_place(c->alerts, &muni, &unit);
        }
        if (!muni || !feed_user_sees(user, muni, unit)) {
            pthread_rwlock_unlock(&v->lock);
            return muni ? VIEW_CASE_FORBIDDEN : VIEW_CASE_NOT_FOUND;
        }
    }
    cw_jsonw_begin_object(out);
    cw_jsonw_kv_string(out, "case", c->id);
    kv_bool(out, "ended", c->ended);
    kv_bool(out, "known_state", c->have_snap);
    if (c->have_snap) {
        cw_jsonw_kv_string(out, "municipality", c->snap.municipality);
        const char *name = cw_kommun_name(c->snap.municipality);
        if (name)
            cw_jsonw_kv_string(out, "municipality_name", name);
        if (c->snap.unit[0])
            cw_jsonw_kv_string(out, "unit", c->snap.unit);
        if (c->snap.caseworker[0])
            cw_jsonw_kv_string(out, "caseworker", c->snap.caseworker);
        kv_bool(out, "closed", c->snap.closed);
    }
    kv_date(out, "today", today);
    cw_jsonw_key(out, "obligations");
    cw_jsonw_begin_array(out);
    for (size_t k = 0; c->have_snap && k < c->snap.n_obligations; k++) {
        const cw_snapshot_obligation_t *ob = &c->snap.obligations[k];
        cw_jsonw_begin_object(out);
        cw_jsonw_kv_string(out, "rule", ob->rule);
        cw_jsonw_kv_string(out, "subject", ob->subject);
        kv_date(out, "start", ob->start);
        kv_date(out, "due", ob->due);
        if (ob->nominal_due != ob->due)
            kv_date(out, "nominal_due", ob->nominal_due);
        if (ob->late_due != INT32_MIN)
            kv_date(out, "late_due", ob->late_due);
        cw_jsonw_kv_string(out, "phase", phase_names[ob->phase]);
        cw_jsonw_kv_int(out, "days_left", (int64_t)ob->due - today);
        cw_jsonw_end_object(out);
    }
    cw_jsonw_end_array(out);
    cw_jsonw_key(out, "alerts");
    cw_jsonw_begin_array(out);
    for (const feed_alert_t *a = c->alerts; a; a = a->next)
        if (visible(a))
            view_write_alert(v, out, a, today);
    cw_jsonw_end_array(out);
    cw_jsonw_end_object(out);
    pthread_rwlock_unlock(&v->lock);
    return VIEW_CASE_OK;
}

void view_gauges(feed_view_t *v, uint64_t *open_alerts, uint64_t *open_cases)
{
    uint64_t n = 0;
    pthread_rwlock_rdlock(&v->lock);
    for (size_t i = 0; i < v->cases.cap; i++) {
        if (!v->cases.slots[i].key)
            continue;
        for (const feed_alert_t *a = ((feed_case_t *)v->cases.slots[i].value)->alerts; a;
             a = a->next)
            n += visible(a);
    }
    *open_cases = v->n_open_cases;
    pthread_rwlock_unlock(&v->lock);
    *open_alerts = n;
}
