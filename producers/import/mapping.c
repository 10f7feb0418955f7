/* Loading and binding the mapping file (see mapping.h). */
#include "mapping.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "csv.h"
#include "model/event.h"

typedef struct {
    char *errstr;
    size_t errstr_size;
} ctx_t;

static int fail(ctx_t *c, const char *where, const char *what)
{
    snprintf(c->errstr, c->errstr_size, "%s: %s", where, what);
    return -1;
}

/* Every key of o must be in allowed (NULL-terminated). */
static int check_keys(ctx_t *c, const char *where, json_t *o, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i]) {
            snprintf(c->errstr, c->errstr_size, "%s: unknown key \"%s\"", where, key);
            return -1;
        }
    }
    return 0;
}

static const struct {
    const char *name;
    cw_as_t as;
} AS[] = {{"text", CW_AS_TEXT},
          {"date", CW_AS_DATE},
          {"time", CW_AS_TIME},
          {"month", CW_AS_MONTH},
          {"municipality", CW_AS_MUNICIPALITY}};

/* A value: "Column" or {column | value, map, as, required}. */
static int read_value(ctx_t *c, const char *where, const char *field, json_t *v, cw_as_t as,
                      cw_value_t *out)
{
    static const char *const KEYS[] = {"column", "value", "map", "as", "required", "comment",
                                       NULL};
    memset(out, 0, sizeof(*out));
    out->col = -1;
    out->as = as;
    out->field = cw_strdup(field);
    snprintf(out->where, sizeof(out->where), "%s", where);
    if (json_is_string(v)) {
        out->column = cw_strdup(json_string_value(v));
        return 0;
    }
    if (!json_is_object(v))
        return fail(c, where, "a column name or an object");
    if (check_keys(c, where, v, KEYS) != 0)
        return -1;
    json_t *col = json_object_get(v, "column"), *val = json_object_get(v, "value");
    if (!!col == !!val || (col && !json_is_string(col)))
        return fail(c, where, "exactly one of \"column\" (a name) and \"value\"");
    if (col)
        out->column = cw_strdup(json_string_value(col));
    if (val)
        out->constant = json_incref(val);
    json_t *map = json_object_get(v, "map");
    if (map && !json_is_object(map))
        return fail(c, where, "\"map\" must be an object from cell texts to values");
    if (map)
        out->map = json_incref(map);
    json_t *a = json_object_get(v, "as");
    if (a) {
        size_t i = 0;
        while (i < sizeof(AS) / sizeof(AS[0]) &&
               (!json_is_string(a) || strcmp(AS[i].name, json_string_value(a)) != 0))
            i++;
        if (i == sizeof(AS) / sizeof(AS[0]))
            return fail(c, where, "\"as\": text, date, time, month or municipality");
        out->as = AS[i].as;
    }
    json_t *req = json_object_get(v, "required");
    if (req && !json_is_boolean(req))
        return fail(c, where, "\"required\": true or false");
    out->required = json_is_true(req);
    return 0;
}

static int read_data(ctx_t *c, const char *where, json_t *data, cw_value_t **out, size_t *n)
{
    if (!data)
        return 0;
    if (!json_is_object(data))
        return fail(c, where, "an object from data fields to values");
    *out = cw_calloc(json_object_size(data) + 1, sizeof(**out));
    const char *key;
    json_t *v;
    json_object_foreach(data, key, v)
    {
        char w[160];
        snprintf(w, sizeof(w), "%.100s.%.48s", where, key);
        if (read_value(c, w, key, v, CW_AS_TEXT, &(*out)[(*n)++]) != 0)
            return -1;
    }
    return 0;
}

static int event_type(ctx_t *c, const char *where, json_t *v)
{
    const char *name = json_string_value(v);
    int t = name ? cw_event_type_lookup(name, strlen(name)) : -1;
    if (t < 0) {
        snprintf(c->errstr, c->errstr_size, "%s: unknown event type \"%s\" (EVENTS.md)", where,
                 name ? name : "?");
        return -1;
    }
    return t;
}

static int read_spec(ctx_t *c, size_t i, json_t *v, cw_spec_t *s)
{
    static const char *const KEYS[] = {"type", "time", "required", "data", "data_by_type",
                                       "comment", NULL};
    char where[32];
    snprintf(where, sizeof(where), "events[%zu]", i % 100000);
    if (!json_is_object(v))
        return fail(c, where, "an object");
    if (check_keys(c, where, v, KEYS) != 0)
        return -1;
    json_t *type = json_object_get(v, "type");
    char w[128];
    snprintf(w, sizeof(w), "%s.type", where);
    s->type = -1;
    if (json_is_string(type)) {
        if ((s->type = event_type(c, w, type)) < 0)
            return -1;
    } else {
        if (read_value(c, w, "type", type, CW_AS_TEXT, &s->type_col) != 0)
            return -1;
        if (!s->type_col.map || !s->type_col.column)
            return fail(c, w, "an event type, or {\"column\", \"map\"} from texts to types");
        const char *key;
        json_t *t;
        json_object_foreach(s->type_col.map, key, t) if (event_type(c, w, t) < 0) return -1;
        s->type_col.required = true;
    }
    snprintf(w, sizeof(w), "%s.time", where);
    if (!json_object_get(v, "time"))
        return fail(c, w, "missing");
    if (read_value(c, w, "time", json_object_get(v, "time"), CW_AS_TIME, &s->time) != 0)
        return -1;
    json_t *req = json_object_get(v, "required");
    if (req && !json_is_boolean(req))
        return fail(c, where, "\"required\": true or false");
    s->time.required = json_is_true(req);
    snprintf(w, sizeof(w), "%s.data", where);
    if (read_data(c, w, json_object_get(v, "data"), &s->data, &s->n_data) != 0)
        return -1;
    json_t *bt = json_object_get(v, "data_by_type");
    if (bt && !json_is_object(bt))
        return fail(c, where, "\"data_by_type\": an object from event types to data");
    s->by_type = cw_calloc(json_object_size(bt) + 1, sizeof(*s->by_type));
    const char *key;
    json_t *d;
    json_object_foreach(bt, key, d)
    {
        snprintf(w, sizeof(w), "%s.data_by_type.%.48s", where, key);
        json_t *name = json_string(key);
        int t = event_type(c, w, name);
        json_decref(name);
        if (t < 0)
            return -1;
        s->by_type[s->n_by_type].type = t;
        if (read_data(c, w, d, &s->by_type[s->n_by_type].data,
                      &s->by_type[s->n_by_type].n_data) != 0)
            return -1;
        s->n_by_type++;
    }
    return 0;
}

static int read_root(ctx_t *c, json_t *root, cw_mapping_t *m)
{
    static const char *const KEYS[] = {"name",       "description", "delimiter", "encoding",
                                       "case",       "municipality", "unit",     "caseworker",
                                       "source",     "events",       "comment",  NULL};
    if (!json_is_object(root))
        return fail(c, "mapping", "a JSON object");
    if (check_keys(c, "mapping", root, KEYS) != 0)
        return -1;
    const char *name = json_string_value(json_object_get(root, "name"));
    m->name = cw_strdup(name ? name : "import");
    const char *src = json_string_value(json_object_get(root, "source"));
    m->source = cw_strdup(src ? src : "urn:kommun:{municipality}:import");
    json_t *d = json_object_get(root, "delimiter");
    const char *ds = json_string_value(d);
    if (d && (!ds || strlen(ds) != 1 || !strchr(";,\t", ds[0])))
        return fail(c, "delimiter", "\";\", \",\" or \"\\t\" (leave it out to detect)");
    m->delim = ds ? ds[0] : 0;
    const char *enc = json_string_value(json_object_get(root, "encoding"));
    m->encoding = CW_CSV_AUTO;
    if (enc && strcmp(enc, "utf-8") == 0)
        m->encoding = CW_CSV_UTF8;
    else if (enc && strcmp(enc, "windows-1252") == 0)
        m->encoding = CW_CSV_CP1252;
    else if (json_object_get(root, "encoding") && (!enc || strcmp(enc, "auto") != 0))
        return fail(c, "encoding", "auto, utf-8 or windows-1252");
    static const struct {
        const char *key;
        size_t off;
        cw_as_t as;
        bool required;
    } ROLES[] = {{"case", offsetof(cw_mapping_t, case_id), CW_AS_TEXT, true},
                 {"municipality", offsetof(cw_mapping_t, municipality), CW_AS_MUNICIPALITY, true},
                 {"unit", offsetof(cw_mapping_t, unit), CW_AS_TEXT, false},
                 {"caseworker", offsetof(cw_mapping_t, caseworker), CW_AS_TEXT, false}};
    for (size_t i = 0; i < sizeof(ROLES) / sizeof(ROLES[0]); i++) {
        cw_value_t *v = (cw_value_t *)((char *)m + ROLES[i].off);
        json_t *j = json_object_get(root, ROLES[i].key);
        v->col = -1;
        if (!j && ROLES[i].required)
            return fail(c, ROLES[i].key, "missing");
        if (j && read_value(c, ROLES[i].key, ROLES[i].key, j, ROLES[i].as, v) != 0)
            return -1;
        v->required |= ROLES[i].required;
    }
    json_t *evs = json_object_get(root, "events");
    if (!json_is_array(evs) || json_array_size(evs) == 0)
        return fail(c, "events", "a non-empty array");
    m->specs = cw_calloc(json_array_size(evs), sizeof(*m->specs));
    size_t i;
    json_t *v;
    json_array_foreach(evs, i, v)
    {
        m->n_specs = i + 1;
        if (read_spec(c, i, v, &m->specs[i]) != 0)
            return -1;
    }
    return 0;
}

int cw_mapping_load(const char *path, cw_mapping_t **out, char *errstr, size_t errstr_size)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    *out = NULL;
    if (!root) {
        snprintf(errstr, errstr_size, "%s:%d: %s", path, jerr.line, jerr.text);
        return -1;
    }
    ctx_t c = {errstr, errstr_size};
    cw_mapping_t *m = cw_calloc(1, sizeof(*m));
    int rc = read_root(&c, root, m);
    json_decref(root);
    if (rc != 0) {
        char why[512];
        snprintf(why, sizeof(why), "%s", errstr);
        snprintf(errstr, errstr_size, "%s: %s", path, why);
        cw_mapping_destroy(m);
        return -1;
    }
    *out = m;
    return 0;
}

static int bind(cw_value_t *v, char **header, size_t n, char *errstr, size_t errstr_size)
{
    v->col = -1;
    if (!v->column)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(header[i], v->column) == 0) {
            v->col = (int)i;
            return 0;
        }
    snprintf(errstr, errstr_size, "the header has no column \"%s\" (%s)", v->column, v->where);
    return -1;
}

int cw_mapping_bind(cw_mapping_t *m, char **header, size_t n, char *errstr, size_t errstr_size)
{
    cw_value_t *roles[] = {&m->case_id, &m->municipality, &m->unit, &m->caseworker};
    for (size_t i = 0; i < 4; i++)
        if (bind(roles[i], header, n, errstr, errstr_size) != 0)
            return -1;
    for (size_t i = 0; i < m->n_specs; i++) {
        cw_spec_t *s = &m->specs[i];
        if (bind(&s->type_col, header, n, errstr, errstr_size) != 0 ||
            bind(&s->time, header, n, errstr, errstr_size) != 0)
            return -1;
        for (size_t k = 0; k < s->n_data; k++)
            if (bind(&s->data[k], header, n, errstr, errstr_size) != 0)
                return -1;
        for (size_t t = 0; t < s->n_by_type; t++)
            for (size_t k = 0; k < s->by_type[t].n_data; k++)
                if (bind(&s->by_type[t].data[k], header, n, errstr, errstr_size) != 0)
                    return -1;
    }
    return 0;
}

static void free_value(cw_value_t *v)
{
    free(v->field);
    free(v->column);
    json_decref(v->constant);
    json_decref(v->map);
}

static void free_data(cw_value_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free_value(&d[i]);
    free(d);
}

void cw_mapping_destroy(cw_mapping_t *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->source);
    free_value(&m->case_id);
    free_value(&m->municipality);
    free_value(&m->unit);
    free_value(&m->caseworker);
    for (size_t i = 0; i < m->n_specs; i++) {
        cw_spec_t *s = &m->specs[i];
        free_value(&s->type_col);
        free_value(&s->time);
        free_data(s->data, s->n_data);
        for (size_t t = 0; t < s->n_by_type; t++)
            free_data(s->by_type[t].data, s->by_type[t].n_data);
        free(s->by_type);
    }
    free(m->specs);
    free(m);
}
