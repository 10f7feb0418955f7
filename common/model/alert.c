#include "model/alert.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[CW_ALERT__COUNT] = {
    "warning", "breach", "resolved", "withdrawn", "violation", "extended",
};
static const char *const severity_names[CW_SEV__COUNT] = {"critical", "high", "medium", "low"};

const char *cw_alert_kind_name(cw_alert_kind_t kind)
{
    return (unsigned)kind < CW_ALERT__COUNT ? kind_names[kind] : NULL;
}

int cw_alert_kind_lookup(const char *s)
{
    for (int i = 0; i < CW_ALERT__COUNT; i++)
        if (strcmp(s, kind_names[i]) == 0)
            return i;
    return -1;
}

const char *cw_severity_name(cw_severity_t sev)
{
    return (unsigned)sev < CW_SEV__COUNT ? severity_names[sev] : NULL;
}

int cw_severity_lookup(const char *s)
{
    for (int i = 0; i < CW_SEV__COUNT; i++)
        if (strcmp(s, severity_names[i]) == 0)
            return i;
    return -1;
}

void cw_alert_make_id(cw_alert_t *a)
{
    /* Fields joined with the unit separator, which cannot occur in them
     * (ids are validated strings, dates are digits). */
    char buf[CW_ID_MAX + CW_SUBJECT_MAX + 128];
    char due[CW_DATE_STR_SIZE];
    const char *parts[] = {a->case_id, a->rule, a->subject, cw_date_format(a->due, due),
                           cw_alert_kind_name(a->kind)};
    /* The join by hand: snprintf("%s...") cost as much as the hash. The
     * bytes are what snprintf would have written, truncated alike. */
    size_t n = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (i && n < sizeof(buf) - 1)
            buf[n++] = '\x1f';
        size_t l = strlen(parts[i]);
        if (l > sizeof(buf) - 1 - n)
            l = sizeof(buf) - 1 - n;
        memcpy(buf + n, parts[i], l);
        n += l;
    }
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)buf, n, md);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        a->id[2 * i] = hex[md[i] >> 4];
        a->id[2 * i + 1] = hex[md[i] & 15];
    }
    a->id[32] = '\0';
}

static void kv_date(cw_jsonw_t *w, const char *key, cw_date_t d)
{
    char buf[CW_DATE_STR_SIZE];
    cw_jsonw_kv_string(w, key, cw_date_format(d, buf));
}

void cw_alert_write_json(const cw_alert_t *a, cw_jsonw_t *w)
{
    char buf[CW_TIME_STR_SIZE];
    cw_jsonw_begin_object(w);
    cw_jsonw_kv_string(w, "id", a->id);
    cw_jsonw_kv_string(w, "kind", cw_alert_kind_name(a->kind));
    cw_jsonw_kv_string(w, "rule", a->rule);
    cw_jsonw_kv_string(w, "severity", cw_severity_name(a->severity));
    cw_jsonw_kv_string(w, "case", a->case_id);
    cw_jsonw_kv_string(w, "subject", a->subject);
    cw_jsonw_kv_string(w, "municipality", a->municipality);
    if (a->unit[0])
        cw_jsonw_kv_string(w, "unit", a->unit);
    if (a->caseworker[0])
        cw_jsonw_kv_string(w, "caseworker", a->caseworker);
    kv_date(w, "start", a->start);
    kv_date(w, "due", a->due);
    if (a->nominal_due != a->due)
        kv_date(w, "nominal_due", a->nominal_due);
    cw_jsonw_kv_string(w, "at", cw_time_format(a->at, buf));
    cw_jsonw_kv_int(w, "days_overdue", a->days_overdue);
    cw_jsonw_key(w, "legal_ref");
    cw_jsonw_begin_array(w);
    for (size_t i = 0; i < a->n_refs; i++) {
        cw_jsonw_begin_object(w);
        cw_jsonw_kv_string(w, "law", a->refs[i].law);
        cw_jsonw_kv_string(w, "ref", a->refs[i].ref);
        cw_jsonw_kv_string(w, "url", a->refs[i].url);
        cw_jsonw_end_object(w);
    }
    cw_jsonw_end_array(w);
    cw_jsonw_kv_string(w, "title_sv", a->title_sv);
    cw_jsonw_kv_string(w, "title_en", a->title_en);
    cw_jsonw_kv_string(w, "message_sv", a->message_sv);
    cw_jsonw_kv_string(w, "message_en", a->message_en);
    cw_jsonw_key(w, "events");
    cw_jsonw_begin_array(w);
    cw_jsonw_string(w, a->start_event);
    if (a->end_event[0])
        cw_jsonw_string(w, a->end_event);
    cw_jsonw_end_array(w);
    cw_jsonw_end_object(w);
}

char *cw_alert_to_json(const cw_alert_t *a)
{
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    cw_alert_write_json(a, &w);
    return w.p; /* the writer's buffer is the new string */
}
