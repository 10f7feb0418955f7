#include "model/alert_avro.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "model/event_avro.h"

/* Field positions in alert.avsc (checked against the names at start). */
enum {
    F_ID,
    F_KIND,
    F_RULE,
    F_SEVERITY,
    F_CASE,
    F_SUBJECT,
    F_MUNICIPALITY,
    F_UNIT,
    F_CASEWORKER,
    F_START,
    F_DUE,
    F_NOMINAL_DUE,
    F_AT,
    F_DAYS_OVERDUE,
    F_LEGAL_REF,
    F_TITLE_SV,
    F_TITLE_EN,
    F_MESSAGE_SV,
    F_MESSAGE_EN,
    F_EVENTS,
    F__COUNT
};

static const char *const names[F__COUNT] = {
    "id",        "kind",       "rule",     "severity",   "case",        "subject", "municipality",
    "unit",      "caseworker", "start",    "due",        "nominal_due", "at",      "days_overdue",
    "legal_ref", "title_sv",   "title_en", "message_sv", "message_en",  "events"};

struct cw_alert_avro_s {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
};

static void die(const char *what)
{
    /* The embedded schema is tested: failing here is a build defect. */
    fprintf(stderr, "casewatch: alert.avsc: %s: %s\n", what, avro_strerror());
    abort();
}

cw_alert_avro_t *cw_alert_avro_new(void)
{
    cw_alert_avro_t *e = cw_calloc(1, sizeof(*e));
    if (avro_schema_from_json_length(cw_schema_alert, cw_schema_alert_len, &e->schema))
        die("parse");
    for (int i = 0; i < F__COUNT; i++) {
        const char *n = avro_schema_record_field_name(e->schema, i);
        if (!n || strcmp(n, names[i]) != 0)
            die("field order");
    }
    e->iface = avro_generic_class_from_schema(e->schema);
    if (!e->iface || avro_generic_value_new(e->iface, &e->value))
        die("value");
    return e;
}

void cw_alert_avro_destroy(cw_alert_avro_t *e)
{
    if (!e)
        return;
    avro_value_decref(&e->value);
    avro_value_iface_decref(e->iface);
    avro_schema_decref(e->schema);
    free(e);
}

avro_schema_t cw_alert_avro_schema(cw_alert_avro_t *e)
{
    return e->schema;
}

static avro_value_t field(cw_alert_avro_t *e, int i)
{
    avro_value_t v = {NULL, NULL};
    avro_value_get_by_index(&e->value, (size_t)i, &v, NULL);
    return v;
}

static void set_str(cw_alert_avro_t *e, int i, const char *s)
{
    avro_value_t v = field(e, i);
    avro_value_set_string(&v, s);
}

/* ["null", T]: branch 1 with s, or null when s is NULL or "". */
static void set_opt_str(avro_value_t *u, const char *s)
{
    avro_value_t b;
    if (s && s[0]) {
        avro_value_set_branch(u, 1, &b);
        avro_value_set_string(&b, s);
    } else {
        avro_value_set_branch(u, 0, &b);
        avro_value_set_null(&b);
    }
}

avro_value_t *cw_alert_avro_value(cw_alert_avro_t *e, const cw_alert_t *a)
{
    avro_value_t v, b, item;
    avro_value_reset(&e->value);
    set_str(e, F_ID, a->id);
    v = field(e, F_KIND);
    avro_value_set_enum(&v, (int)a->kind);
    set_str(e, F_RULE, a->rule);
    v = field(e, F_SEVERITY);
    avro_value_set_enum(&v, (int)a->severity);
    set_str(e, F_CASE, a->case_id);
    set_str(e, F_SUBJECT, a->subject);
    set_str(e, F_MUNICIPALITY, a->municipality);
    v = field(e, F_UNIT);
    set_opt_str(&v, a->unit);
    v = field(e, F_CASEWORKER);
    set_opt_str(&v, a->caseworker);
    v = field(e, F_START);
    avro_value_set_int(&v, a->start);
    v = field(e, F_DUE);
    avro_value_set_int(&v, a->due);
    v = field(e, F_NOMINAL_DUE);
    if (a->nominal_due != a->due) {
        avro_value_set_branch(&v, 1, &b);
        avro_value_set_int(&b, a->nominal_due);
    } else {
        avro_value_set_branch(&v, 0, &b);
        avro_value_set_null(&b);
    }
    v = field(e, F_AT);
    avro_value_set_long(&v, a->at);
    v = field(e, F_DAYS_OVERDUE);
    avro_value_set_int(&v, a->days_overdue);
    v = field(e, F_LEGAL_REF);
    for (size_t i = 0; i < a->n_refs; i++) {
        avro_value_t f;
        avro_value_append(&v, &item, NULL);
        avro_value_get_by_index(&item, 0, &f, NULL);
        avro_value_set_string(&f, a->refs[i].law);
        avro_value_get_by_index(&item, 1, &f, NULL);
        set_opt_str(&f, a->refs[i].ref);
        avro_value_get_by_index(&item, 2, &f, NULL);
        set_opt_str(&f, a->refs[i].url);
    }
    set_str(e, F_TITLE_SV, a->title_sv);
    set_str(e, F_TITLE_EN, a->title_en);
    set_str(e, F_MESSAGE_SV, a->message_sv);
    set_str(e, F_MESSAGE_EN, a->message_en);
    v = field(e, F_EVENTS);
    avro_value_append(&v, &item, NULL);
    avro_value_set_string(&item, a->start_event);
    if (a->end_event[0]) {
        avro_value_append(&v, &item, NULL);
        avro_value_set_string(&item, a->end_event);
    }
    return &e->value;
}

void cw_alert_write_avro(cw_alert_avro_t *e, const cw_alert_t *a, cw_jsonw_t *out)
{
    avro_value_t *v = cw_alert_avro_value(e, a);
    size_t size;
    if (avro_value_sizeof(v, &size))
        die("sizeof");
    /* Room at the end of out, for avro-c to write into. */
    avro_writer_t w = avro_writer_memory(cw_jsonw_extend(out, size), (int64_t)size);
    if (avro_value_write(w, v))
        die("write");
    avro_writer_free(w);
}
