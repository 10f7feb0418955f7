/* CSV rows to case events (see import.h). */
#include "import.h"

#include <stdlib.h>
#include <string.h>

#include "base/kommun.h"
#include "base/mem.h"
#include "base/time.h"
#include "model/event_json.h"
#include "pin.h"

typedef struct {
    cw_instant_t time;
    unsigned long long seq; /* file order: keeps equal times in it */
    char *json;
    size_t len;
} out_t;

struct cw_import_s {
    cw_mapping_t *m;
    FILE *rejects;
    out_t *out;
    size_t n_out, cap_out;
    unsigned long long seq;
    cw_import_stats_t st;
    cw_event_t ev;
};

static const char *const REASONS[CW_IMP__COUNT] = {
    "missing_column", "extra_fields", "bad_csv",  "missing_value",
    "bad_date",       "unknown_code", "personal_identity_number", "bad_event"};

const char *cw_import_reason_name(cw_import_reason_t r)
{
    return r < CW_IMP__COUNT ? REASONS[r] : "?";
}

cw_import_t *cw_import_new(cw_mapping_t *mapping, FILE *rejects)
{
    cw_import_t *im = cw_calloc(1, sizeof(*im));
    im->m = mapping;
    im->rejects = rejects;
    return im;
}

void cw_import_get_stats(const cw_import_t *im, cw_import_stats_t *out)
{
    *out = im->st;
}

void cw_import_destroy(cw_import_t *im)
{
    if (!im)
        return;
    for (size_t i = 0; i < im->n_out; i++)
        free(im->out[i].json);
    free(im->out);
    free(im);
}

/* ---- one row ---- */

typedef struct {
    const char *file;
    unsigned long line;
    char **cells; /* trimmed */
    size_t n;
    char **header;
    /* the fault, when there is one */
    cw_import_reason_t reason;
    const char *column;
    char detail[320];
} row_t;

static int fault(row_t *r, cw_import_reason_t reason, const char *column, const char *detail)
{
    r->reason = reason;
    r->column = column;
    snprintf(r->detail, sizeof(r->detail), "%s", detail);
    return -1;
}

static const char *cell(const row_t *r, const cw_value_t *v)
{
    return v->col >= 0 && (size_t)v->col < r->n ? r->cells[v->col] : "";
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "YYYY-MM-DD", "YYYY-MM-DD hh:mm", "YYYY-MM-DD hh:mm:ss" (or 'T'): local
 * wall-clock time (a date alone: local midnight); or RFC 3339 with an
 * offset. */
static bool parse_when(const char *s, cw_instant_t *t)
{
    size_t n = strlen(s);
    cw_date_t d;
    if (n < 10 || cw_date_parse(s, 10, &d) != CW_OK)
        return false;
    if (n == 10) {
        *t = cw_time_from_local(d, 0);
        return true;
    }
    if (s[10] != ' ' && s[10] != 'T')
        return false;
    const char *p = s + 11;
    size_t k = n - 11;
    if ((k == 5 || k == 8) && digits(p, 2) && p[2] == ':' && digits(p + 3, 2) &&
        (k == 5 || (p[5] == ':' && digits(p + 6, 2)))) {
        int hh = (p[0] - '0') * 10 + p[1] - '0', mm = (p[3] - '0') * 10 + p[4] - '0';
        int ss = k == 8 ? (p[6] - '0') * 10 + p[7] - '0' : 0;
        if (hh > 23 || mm > 59 || ss > 59)
            return false;
        *t = cw_time_from_local(d, hh * 3600 + mm * 60 + ss);
        return true;
    }
    char buf[64], err[128];
    if (n >= sizeof(buf))
        return false;
    memcpy(buf, s, n + 1);
    buf[10] = 'T';
    return cw_time_parse(buf, n, t, NULL, err, sizeof(err)) == CW_OK;
}

/* The value of v in the row: *out new, or NULL when the cell is empty and
 * not required (the field is left out). -1 with the row's fault. */
static int value(row_t *r, const cw_value_t *v, json_t **out)
{
    *out = NULL;
    if (v->constant) {
        *out = json_incref(v->constant);
        return 0;
    }
    const char *s = cell(r, v), *col = v->column;
    if (!*s)
        return v->required ? fault(r, CW_IMP_MISSING_VALUE, col, "an empty cell") : 0;
    if (v->map) {
        json_t *x = json_object_get(v->map, s);
        if (!x)
            return fault(r, CW_IMP_UNKNOWN_CODE, col, "a value the mapping does not list");
        *out = json_is_null(x) ? NULL : json_incref(x);
        return 0;
    }
    char buf[CW_TIME_STR_SIZE];
    cw_instant_t t;
    switch (v->as) {
    case CW_AS_TEXT:
        *out = json_string(s);
        break;
    case CW_AS_DATE:
    case CW_AS_TIME:
        if (!parse_when(s, &t))
            return fault(r, CW_IMP_BAD_DATE, col,
                         "not a date (2025-03-01) or date and time (2025-03-01 14:05)");
        *out = json_string(v->as == CW_AS_DATE ? cw_date_format(cw_time_local_date(t), buf)
                                               : cw_time_format(t, buf));
        break;
    case CW_AS_MONTH: {
        size_t n = strlen(s);
        int month = n >= 7 ? (s[5] - '0') * 10 + s[6] - '0' : 0;
        if ((n != 7 && !parse_when(s, &t)) || n < 7 || !digits(s, 4) || s[4] != '-' ||
            !digits(s + 5, 2) || month < 1 || month > 12)
            return fault(r, CW_IMP_BAD_DATE, col, "not a month (2012-09) or a date");
        *out = json_stringn(s, 7);
        break;
    }
    case CW_AS_MUNICIPALITY: {
        char code[5];
        size_t n = strlen(s);
        if ((n != 3 && n != 4) || !digits(s, n))
            return fault(r, CW_IMP_UNKNOWN_CODE, col, "not a four-digit kommunkod");
        code[0] = '0'; /* Excel drops the leading zero of 0180 */
        memcpy(code + 4 - n, s, n);
        code[4] = '\0';
        if (!cw_kommun_name(code))
            return fault(r, CW_IMP_UNKNOWN_CODE, col, "no municipality has this kommunkod");
        *out = json_string(code);
        break;
    }
    }
    return 0;
}

/* Sets data[v->field] from the row (or leaves it out). */
static int put_field(row_t *r, json_t *data, const cw_value_t *v)
{
    json_t *x;
    if (value(r, v, &x) != 0)
        return -1;
    if (x)
        json_object_set_new(data, v->field, x);
    else
        json_object_del(data, v->field);
    return 0;
}

/* One spec's event of the row, appended to the importer's events (the
 * caller drops them again if a later spec of the row fails). */
static int spec_event(cw_import_t *im, row_t *r, size_t k, const cw_spec_t *s,
                      const json_t *common)
{
    int type = s->type;
    if (type < 0) {
        json_t *t;
        if (value(r, &s->type_col, &t) != 0)
            return -1;
        type = cw_event_type_lookup(json_string_value(t), strlen(json_string_value(t)));
        json_decref(t);
    }
    cw_instant_t when;
    const char *ts = cell(r, &s->time);
    if (!*ts)
        return s->time.required ? fault(r, CW_IMP_MISSING_VALUE, s->time.column, "an empty cell")
                                : 0;
    if (!parse_when(ts, &when))
        return fault(r, CW_IMP_BAD_DATE, s->time.column,
                     "not a date (2025-03-01) or date and time (2025-03-01 14:05)");
    json_t *data = json_deep_copy(json_object_get(common, "data"));
    int rc = 0;
    for (size_t i = 0; i < s->n_data && rc == 0; i++)
        rc = put_field(r, data, &s->data[i]);
    for (size_t b = 0; b < s->n_by_type && rc == 0; b++)
        for (size_t i = 0; s->by_type[b].type == type && i < s->by_type[b].n_data && rc == 0; i++)
            rc = put_field(r, data, &s->by_type[b].data[i]);
    if (rc != 0) {
        json_decref(data);
        return -1;
    }
    char type_name[96], id[CW_ID_MAX + 1], buf[CW_TIME_STR_SIZE];
    snprintf(type_name, sizeof(type_name), "se.casewatch.%s", cw_event_type_name(type));
    snprintf(id, sizeof(id), "%.96s:%lu:%zu", r->file, r->line, k);
    json_t *ev = json_deep_copy(common);
    json_object_set_new(ev, "id", json_string(id));
    json_object_set_new(ev, "type", json_string(type_name));
    json_object_set_new(ev, "time", json_string(cw_time_format_utc(when, buf)));
    json_object_set_new(ev, "data", data);
    char *text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(ev);
    cw_reject_t rej;
    if (cw_event_from_json(text, strlen(text), &im->ev, &rej) != CW_REJ_NONE) {
        char d[300];
        snprintf(d, sizeof(d), "%.40s: %.200s (%.40s)", cw_event_type_name(type), rej.detail,
                 cw_reject_code_name(rej.code));
        free(text);
        return fault(r, CW_IMP_BAD_EVENT, NULL, d);
    }
    if (im->n_out == im->cap_out) {
        im->cap_out = im->cap_out ? im->cap_out * 2 : 1024;
        im->out = cw_reallocarray(im->out, im->cap_out, sizeof(*im->out));
    }
    im->out[im->n_out++] = (out_t){when, im->seq++, text, strlen(text)};
    return 0;
}

/* The attributes and data every event of the row shares (new). */
static json_t *common_part(const cw_import_t *im, row_t *r)
{
    const cw_mapping_t *m = im->m;
    json_t *subject, *muni, *data = json_object();
    if (value(r, &m->case_id, &subject) != 0) {
        json_decref(data);
        return NULL;
    }
    if (value(r, &m->municipality, &muni) != 0 || put_field(r, data, &m->unit) != 0 ||
        put_field(r, data, &m->caseworker) != 0) {
        json_decref(subject);
        json_decref(muni);
        json_decref(data);
        return NULL;
    }
    json_object_set_new(data, "municipality", muni);
    /* the source: the mapping's template with {municipality} */
    char src[CW_SOURCE_MAX + 1];
    const char *t = m->source, *at = strstr(t, "{municipality}");
    if (at)
        snprintf(src, sizeof(src), "%.*s%s%s", (int)(at - t), t, json_string_value(muni),
                 at + strlen("{municipality}"));
    else
        snprintf(src, sizeof(src), "%s", t);
    json_t *o = json_object();
    json_object_set_new(o, "specversion", json_string("1.0"));
    json_object_set_new(o, "id", json_string(""));
    json_object_set_new(o, "source", json_string(src));
    json_object_set_new(o, "type", json_string(""));
    json_object_set_new(o, "time", json_string(""));
    json_object_set_new(o, "subject", subject);
    json_object_set_new(o, "datacontenttype", json_string("application/json"));
    json_object_set_new(o, "data", data);
    return o;
}

static void reject(cw_import_t *im, const row_t *r)
{
    im->st.rejected++;
    im->st.reasons[r->reason]++;
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(r->file));
    json_object_set_new(o, "line", json_integer((json_int_t)r->line));
    json_object_set_new(o, "reason", json_string(REASONS[r->reason]));
    json_object_set_new(o, "column", r->column ? json_string(r->column) : json_null());
    json_object_set_new(o, "detail", json_string(r->detail));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fprintf(im->rejects, "%s\n", s);
    free(s);
    json_decref(o);
}

static int check_shape(row_t *r, size_t n_header)
{
    char d[96];
    snprintf(d, sizeof(d), "the row has %zu fields, the header %zu", r->n, n_header);
    if (r->n < n_header)
        return fault(r, CW_IMP_MISSING_COLUMN, r->header[r->n], d);
    if (r->n > n_header)
        return fault(r, CW_IMP_EXTRA_FIELDS, NULL, d);
    for (size_t i = 0; i < r->n; i++)
        if (cw_pin_find(r->cells[i]))
            return fault(r, CW_IMP_PERSONAL_NUMBER, r->header[i],
                         "a personal identity number (personnummer or samordningsnummer): "
                         "not imported");
    return 0;
}

static void import_row(cw_import_t *im, row_t *r, size_t n_header)
{
    im->st.rows++;
    bool empty = true;
    for (size_t i = 0; i < r->n; i++) {
        char *s = r->cells[i], *e;
        while (*s == ' ' || *s == '\t')
            s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        r->cells[i] = s;
        empty &= *s == '\0';
    }
    if (empty) {
        im->st.empty_rows++;
        return;
    }
    size_t mark = im->n_out;
    json_t *common = NULL;
    int rc = check_shape(r, n_header);
    if (rc == 0 && !(common = common_part(im, r)))
        rc = -1;
    for (size_t k = 0; rc == 0 && k < im->m->n_specs; k++)
        rc = spec_event(im, r, k, &im->m->specs[k], common);
    json_decref(common);
    if (rc == 0) {
        im->st.events += im->n_out - mark;
        return;
    }
    while (im->n_out > mark) /* none of the row's events */
        free(im->out[--im->n_out].json);
    reject(im, r);
}

int cw_import_read(cw_import_t *im, cw_csv_t *csv, const char *name, char *errstr,
                   size_t errstr_size)
{
    char **fields, err[128];
    size_t n;
    unsigned long line;
    int got = cw_csv_next(csv, &fields, &n, &line, err, sizeof(err));
    if (got <= 0) {
        snprintf(errstr, errstr_size, "%s: header: %s", name, got == 0 ? "empty, no header" : err);
        return -1;
    }
    size_t n_header = n;
    char **header = cw_calloc(n + 1, sizeof(*header));
    for (size_t i = 0; i < n; i++) {
        char *s = fields[i];
        while (*s == ' ')
            s++;
        header[i] = cw_strdup(s);
        for (char *e = header[i] + strlen(header[i]); e > header[i] && e[-1] == ' ';)
            *--e = '\0';
    }
    int rc = cw_mapping_bind(im->m, header, n, err, sizeof(err));
    if (rc != 0)
        snprintf(errstr, errstr_size, "%s: %s", name, err);
    while (rc == 0 && (got = cw_csv_next(csv, &fields, &n, &line, err, sizeof(err))) != 0) {
        row_t r = {name, line, got > 0 ? fields : NULL, got > 0 ? n : 0, header, 0, NULL, ""};
        if (got < 0) {
            im->st.rows++;
            fault(&r, CW_IMP_BAD_CSV, NULL, err);
            reject(im, &r);
            continue;
        }
        import_row(im, &r, n_header);
    }
    for (size_t i = 0; i < n_header; i++)
        free(header[i]);
    free(header);
    return rc;
}

static int cmp_out(const void *x, const void *y)
{
    const out_t *a = x, *b = y;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

bool cw_import_write(cw_import_t *im, cw_sink_t *sink, char *errstr, size_t errstr_size)
{
    if (im->n_out)
        qsort(im->out, im->n_out, sizeof(*im->out), cmp_out);
    for (size_t i = 0; i < im->n_out; i++) {
        cw_reject_t rej;
        out_t *o = &im->out[i];
        cw_event_from_json(o->json, o->len, &im->ev, &rej); /* valid: checked when read */
        if (!cw_sink_send(sink, &im->ev, o->json, o->len, errstr, errstr_size))
            return false;
        if ((i & 1023) == 1023)
            cw_sink_poll(sink);
    }
    return true;
}
