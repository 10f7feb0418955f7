#include "model/avro_plan.h"

#include <avro.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "model/event.h"
#include "model/fields.h"

#define MAX_DEPTH 32
#define MAX_NODES 100000

typedef struct {
    char *fullname;
    const json_t *def;
    char *ns; /* namespace the definition's own references resolve in */
} named_t;

typedef struct {
    cw_avro_plan_t *plan;
    named_t *named;
    size_t n_named, cap_named;
    char *err;
    size_t err_size;
    bool failed;
} ctx_t;

static int fail(ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ctx_t *c, const char *fmt, ...)
{
    if (!c->failed && c->err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->err_size, fmt, ap);
        va_end(ap);
    }
    c->failed = true;
    return -1;
}

static int new_node(ctx_t *c, node_type_t type)
{
    cw_avro_plan_t *p = c->plan;
    if (p->n_nodes >= MAX_NODES)
        return fail(c, "schema: more than %d nodes", MAX_NODES);
    if (p->n_nodes == p->cap_nodes) {
        p->cap_nodes = p->cap_nodes ? 2 * p->cap_nodes : 64;
        p->nodes = cw_realloc(p->nodes, p->cap_nodes * sizeof(*p->nodes));
    }
    node_t *n = &p->nodes[p->n_nodes];
    memset(n, 0, sizeof(*n));
    n->type = (uint8_t)type;
    n->event = -1;
    n->field = -1;
    return (int)p->n_nodes++;
}

static uint32_t reserve_kids(ctx_t *c, size_t n)
{
    cw_avro_plan_t *p = c->plan;
    if (p->n_kids + n > p->cap_kids) {
        while (p->n_kids + n > p->cap_kids)
            p->cap_kids = p->cap_kids ? 2 * p->cap_kids : 64;
        p->kids = cw_realloc(p->kids, p->cap_kids * sizeof(*p->kids));
    }
    uint32_t first = (uint32_t)p->n_kids;
    p->n_kids += n;
    return first;
}

/* "ns.name" for a name as written in namespace ns (a dotted name is full). */
static char *full_name(const char *name, const char *ns)
{
    if (strchr(name, '.') || !ns || !ns[0])
        return cw_strdup(name);
    size_t a = strlen(ns), b = strlen(name);
    char *s = cw_malloc(a + b + 2);
    memcpy(s, ns, a);
    s[a] = '.';
    memcpy(s + a + 1, name, b + 1);
    return s;
}

static const named_t *find_named(const ctx_t *c, const char *name, const char *ns)
{
    char *full = full_name(name, ns);
    const named_t *hit = NULL;
    for (size_t i = 0; i < c->n_named && !hit; i++)
        if (strcmp(c->named[i].fullname, full) == 0)
            hit = &c->named[i];
    free(full);
    /* A bare name not found in ns: the null namespace, then the one
     * definition of that short name in any namespace. */
    for (size_t i = 0; i < c->n_named && !hit; i++)
        if (strcmp(c->named[i].fullname, name) == 0)
            hit = &c->named[i];
    for (size_t i = 0; i < c->n_named && !hit && !strchr(name, '.'); i++) {
        const char *dot = strrchr(c->named[i].fullname, '.');
        if (dot && strcmp(dot + 1, name) == 0)
            hit = &c->named[i];
    }
    return hit;
}

/* Registers a record/enum/fixed definition; returns the namespace its
 * members resolve in (owned by the registry). */
static const char *define_named(ctx_t *c, const json_t *def, const char *ns)
{
    const char *name = json_string_value(json_object_get(def, "name"));
    const char *own_ns = json_string_value(json_object_get(def, "namespace"));
    if (!name)
        return ns;
    if (own_ns)
        ns = own_ns;
    char *full = full_name(name, ns);
    for (size_t i = 0; i < c->n_named; i++)
        if (strcmp(c->named[i].fullname, full) == 0) {
            free(full);
            return c->named[i].ns;
        }
    if (c->n_named == c->cap_named) {
        c->cap_named = c->cap_named ? 2 * c->cap_named : 16;
        c->named = cw_realloc(c->named, c->cap_named * sizeof(*c->named));
    }
    /* The namespace of a full name is its prefix. */
    const char *dot = strrchr(full, '.');
    named_t *n = &c->named[c->n_named++];
    n->fullname = full;
    n->def = def;
    n->ns = dot ? cw_strndup(full, (size_t)(dot - full)) : cw_strdup("");
    return n->ns;
}

/* PascalCase record name of an event type: "violence_risk.assessed" →
 * "ViolenceRiskAssessed" (how case_event.avsc names the data records). */
static int event_of_record(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot)
        name = dot + 1;
    for (int t = 0; t < CW_EV__COUNT; t++) {
        const char *w = cw_event_type_name((cw_event_type_t)t);
        const char *r = name;
        bool up = true, ok = true;
        for (; *w && ok; w++) {
            if (*w == '.' || *w == '_') {
                up = true;
                continue;
            }
            char want = up && *w >= 'a' && *w <= 'z' ? (char)(*w - 'a' + 'A') : *w;
            ok = *r++ == want;
            up = false;
        }
        if (ok && *r == '\0')
            return t;
    }
    return -1;
}

static logical_t logical_of(const json_t *s)
{
    const char *l = json_string_value(json_object_get(s, "logicalType"));
    if (!l)
        return L_NONE;
    if (strcmp(l, "date") == 0)
        return L_DATE;
    if (strcmp(l, "timestamp-millis") == 0)
        return L_TS_MILLIS;
    if (strcmp(l, "timestamp-micros") == 0)
        return L_TS_MICROS;
    return L_NONE;
}

static int primitive(const char *t)
{
    static const struct {
        const char *name;
        node_type_t type;
    } prims[] = {{"null", N_NULL},   {"boolean", N_BOOL}, {"int", N_INT},
                 {"long", N_LONG},   {"float", N_FLOAT},  {"double", N_DOUBLE},
                 {"bytes", N_BYTES}, {"string", N_STRING}};
    for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
        if (strcmp(t, prims[i].name) == 0)
            return (int)prims[i].type;
    return -1;
}

/* Unknown symbols of these enums read as their "default" in case_event.avsc. */
static int enum_default(cw_enum_t which)
{
    switch (which) {
    case CW_ENUM_REPORTER:
        return CW_REPORTER_OTHER;
    case CW_ENUM_END_REASON:
        return CW_END_OTHER;
    default:
        return -1;
    }
}

typedef enum { CTX_PLAIN, CTX_ROOT, CTX_DATA_RECORD } record_ctx_t;

static int build(ctx_t *c, const json_t *s, const char *ns, int depth, record_ctx_t rctx);

static int build_record(ctx_t *c, const json_t *s, const char *ns, int depth, record_ctx_t rctx)
{
    const json_t *fields = json_object_get(s, "fields");
    size_t nf = json_array_size(fields);
    int idx = new_node(c, N_RECORD);
    if (idx < 0)
        return -1;
    int event = -1;
    if (rctx == CTX_DATA_RECORD) {
        event = event_of_record(json_string_value(json_object_get(s, "name")));
        c->plan->nodes[idx].event = (int16_t)event;
    }
    uint32_t first = reserve_kids(c, nf);
    c->plan->nodes[idx].n = (uint32_t)nf;
    c->plan->nodes[idx].first = first;
    for (size_t i = 0; i < nf; i++) {
        const json_t *f = json_array_get(fields, i);
        const char *fname = json_string_value(json_object_get(f, "name"));
        int kid = build(c, json_object_get(f, "type"), ns, depth + 1,
                        rctx == CTX_ROOT && fname && strcmp(fname, "data") == 0 ? CTX_DATA_RECORD
                                                                                : CTX_PLAIN);
        if (kid < 0)
            return -1;
        c->plan->kids[first + i] = (uint32_t)kid;
    }
    return idx;
}

static int build_enum(ctx_t *c, const json_t *s)
{
    const json_t *syms = json_object_get(s, "symbols");
    size_t n = json_array_size(syms);
    int idx = new_node(c, N_ENUM);
    if (idx < 0)
        return -1;
    cw_avro_plan_t *p = c->plan;
    if (p->n_syms + n > p->cap_syms) {
        while (p->n_syms + n > p->cap_syms)
            p->cap_syms = p->cap_syms ? 2 * p->cap_syms : 64;
        p->symval = cw_realloc(p->symval, p->cap_syms * sizeof(*p->symval));
        p->symname = cw_realloc(p->symname, p->cap_syms * sizeof(*p->symname));
    }
    p->nodes[idx].n = (uint32_t)n;
    p->nodes[idx].first = (uint32_t)p->n_syms;
    for (size_t i = 0; i < n; i++) {
        p->symname[p->n_syms] = cw_strdup(json_string_value(json_array_get(syms, i)));
        p->symval[p->n_syms++] = -1; /* resolved against a field later */
    }
    return idx;
}

static int build(ctx_t *c, const json_t *s, const char *ns, int depth, record_ctx_t rctx)
{
    if (depth > MAX_DEPTH)
        return fail(c, "schema: nested deeper than %d (recursive?)", MAX_DEPTH);
    if (json_is_string(s)) {
        const char *t = json_string_value(s);
        int prim = primitive(t);
        if (prim >= 0)
            return new_node(c, (node_type_t)prim);
        const named_t *n = find_named(c, t, ns);
        if (!n)
            return fail(c, "schema: unknown type name");
        return build(c, n->def, n->ns, depth + 1, rctx);
    }
    if (json_is_array(s)) {
        size_t nb = json_array_size(s);
        int idx = new_node(c, N_UNION);
        if (idx < 0)
            return -1;
        uint32_t first = reserve_kids(c, nb);
        c->plan->nodes[idx].n = (uint32_t)nb;
        c->plan->nodes[idx].first = first;
        for (size_t i = 0; i < nb; i++) {
            int kid = build(c, json_array_get(s, i), ns, depth + 1, rctx);
            if (kid < 0)
                return -1;
            c->plan->kids[first + i] = (uint32_t)kid;
        }
        return idx;
    }
    const char *t = json_string_value(json_object_get(s, "type"));
    if (!t)
        return fail(c, "schema: a type without a name");
    int prim = primitive(t);
    if (prim >= 0) {
        int idx = new_node(c, (node_type_t)prim);
        if (idx >= 0)
            c->plan->nodes[idx].logical = (uint8_t)logical_of(s);
        return idx;
    }
    if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0)
        return build_record(c, s, define_named(c, s, ns), depth, rctx);
    if (strcmp(t, "enum") == 0) {
        define_named(c, s, ns);
        return build_enum(c, s);
    }
    if (strcmp(t, "fixed") == 0) {
        define_named(c, s, ns);
        int idx = new_node(c, N_FIXED);
        if (idx >= 0)
            c->plan->nodes[idx].n = (uint32_t)json_integer_value(json_object_get(s, "size"));
        return idx;
    }
    if (strcmp(t, "array") == 0 || strcmp(t, "map") == 0) {
        int idx = new_node(c, t[0] == 'a' ? N_ARRAY : N_MAP);
        if (idx < 0)
            return -1;
        int item = build(c, json_object_get(s, t[0] == 'a' ? "items" : "values"), ns, depth + 1,
                         CTX_PLAIN);
        if (item < 0)
            return -1;
        c->plan->nodes[idx].first = (uint32_t)item;
        return idx;
    }
    /* A named type referenced as {"type": "Name"}. */
    const named_t *n = find_named(c, t, ns);
    if (!n)
        return fail(c, "schema: unknown type name");
    return build(c, n->def, n->ns, depth + 1, rctx);
}

/* ---- targets: which node fills which part of the event ---- */

static bool value_fits(const cw_avro_plan_t *p, const node_t *n, kind_t kind)
{
    switch (kind) {
    case K_STR:
    case K_KOMMUN:
    case K_MONTH:
        return n->type == N_STRING;
    case K_ENUM:
        return n->type == N_STRING || n->type == N_ENUM;
    case K_BOOL:
        return n->type == N_BOOL;
    case K_DATE:
        return n->type == N_STRING || (n->type == N_INT && n->logical == L_DATE);
    case K_INSTANT:
        return n->type == N_STRING ||
               (n->type == N_LONG && (n->logical == L_TS_MILLIS || n->logical == L_TS_MICROS));
    }
    (void)p;
    return false;
}

/* Marks node (and a union's branches) as filling the data field f. */
static bool target_field(ctx_t *c, uint32_t idx, int f)
{
    cw_avro_plan_t *p = c->plan;
    node_t *n = &p->nodes[idx];
    const field_t *fd = &cw_fields[f];
    if (n->type == N_UNION) {
        bool any = false;
        n->target = A_FIELD;
        n->field = (int8_t)f;
        for (uint32_t i = 0; i < n->n; i++) {
            node_t *b = &p->nodes[p->kids[n->first + i]];
            if (b->type == N_NULL)
                continue;
            if (!target_field(c, p->kids[n->first + i], f))
                return false;
            any = true;
        }
        return any;
    }
    if (!value_fits(p, n, (kind_t)fd->kind))
        return false;
    n->target = A_FIELD;
    n->field = (int8_t)f;
    if (n->type == N_ENUM) {
        cw_enum_t which = (cw_enum_t)fd->enum_of;
        for (uint32_t i = 0; i < n->n; i++) {
            const char *sym = p->symname[n->first + i];
            int v = cw_enum_lookup(which, sym, strlen(sym));
            p->symval[n->first + i] = (int16_t)(v > 0 ? v : enum_default(which));
        }
    }
    return true;
}

/* An envelope attribute: a string (or a union with null). */
static bool target_attr(ctx_t *c, uint32_t idx, target_t a, bool time)
{
    cw_avro_plan_t *p = c->plan;
    node_t *n = &p->nodes[idx];
    if (n->type == N_UNION) {
        bool any = false;
        n->target = (uint8_t)a;
        for (uint32_t i = 0; i < n->n; i++) {
            uint32_t k = p->kids[n->first + i];
            if (p->nodes[k].type == N_NULL)
                continue;
            if (!target_attr(c, k, a, time))
                return false;
            any = true;
        }
        return any;
    }
    bool ok = n->type == N_STRING || (time && n->type == N_LONG &&
                                      (n->logical == L_TS_MILLIS || n->logical == L_TS_MICROS));
    if (ok)
        n->target = (uint8_t)a;
    return ok;
}

static bool field_named(const char *name)
{
    for (int f = 0; f < F__COUNT; f++)
        if (strcmp(cw_fields[f].name, name) == 0)
            return true;
    return false;
}

/* A field of a data record read by name: the node (each branch of a
 * union) fills the first catalogue field of that name whose kind it can
 * carry. For "reason" a string is the free text (or placement.ended's
 * closed set by name), an enum placement.ended's closed set; the type
 * attribute decides per message which field it is (A_NAMED). */
static bool target_named(ctx_t *c, uint32_t idx, const char *name)
{
    cw_avro_plan_t *p = c->plan;
    node_t *n = &p->nodes[idx];
    if (n->type == N_UNION) {
        int first = -1;
        for (uint32_t i = 0; i < n->n; i++) {
            uint32_t k = p->kids[n->first + i];
            if (p->nodes[k].type == N_NULL)
                continue;
            if (!target_named(c, k, name))
                return false;
            if (first < 0)
                first = p->nodes[k].field;
        }
        n->target = A_NAMED;
        n->field = (int8_t)first;
        return first >= 0;
    }
    for (int f = 0; f < F__COUNT; f++)
        if (strcmp(cw_fields[f].name, name) == 0 && target_field(c, idx, f)) {
            p->nodes[idx].target = A_NAMED;
            return true;
        }
    return false;
}

static void target_data_record(ctx_t *c, uint32_t idx, const json_t *def, bool *named)
{
    cw_avro_plan_t *p = c->plan;
    node_t *r = &p->nodes[idx];
    r->target = A_DATA;
    if (r->event < 0)
        *named = true; /* read by field names, for the type attribute's type */
    const json_t *fields = json_object_get(def, "fields");
    for (uint32_t i = 0; i < r->n && !c->failed; i++) {
        const char *fname = json_string_value(json_object_get(json_array_get(fields, i), "name"));
        if (!fname)
            continue;
        uint32_t kid = p->kids[r->first + i];
        if (r->event < 0) {
            if (field_named(fname) && !target_named(c, kid, fname))
                fail(c, "schema: data: field %s has a type that cannot be read as %s", fname,
                     fname);
            continue; /* a name no type has: skipped */
        }
        int f = cw_field_lookup((cw_event_type_t)r->event, fname, strlen(fname));
        if (f < 0)
            continue; /* a field we do not read: skipped */
        if (!target_field(c, kid, f))
            fail(c, "schema: data of %s: field %s has a type that cannot be read as %s",
                 cw_event_type_name((cw_event_type_t)r->event), fname, cw_fields[f].name);
    }
}

/* The definition behind a (possibly named) type, for its field names. */
static const json_t *definition(ctx_t *c, const json_t *s, const char *ns)
{
    for (int i = 0; i < MAX_DEPTH && json_is_string(s); i++) {
        const named_t *n = find_named(c, json_string_value(s), ns);
        if (!n)
            return NULL;
        s = n->def;
        ns = n->ns;
    }
    return s;
}

static void target_root(ctx_t *c, const json_t *root)
{
    static const struct {
        const char *name;
        target_t target;
        bool required;
    } attrs[] = {{"id", A_ID, true},
                 {"source", A_SOURCE, true},
                 {"type", A_TYPE, false},
                 {"subject", A_SUBJECT, true},
                 {"specversion", A_SPECVERSION, false},
                 {"time", A_TIME, true},
                 {"data", A_DATA, true}};
    cw_avro_plan_t *p = c->plan;
    node_t *r = &p->nodes[p->root];
    if (r->type != N_RECORD) {
        fail(c, "schema: a case event is a record");
        return;
    }
    const json_t *fields = json_object_get(root, "fields");
    bool named = false; /* a data record read by field names */
    int64_t type_at = -1, data_at = -1;
    for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]) && !c->failed; a++) {
        bool found = false;
        for (uint32_t i = 0; i < r->n && !found; i++) {
            const json_t *f = json_array_get(fields, i);
            const char *fname = json_string_value(json_object_get(f, "name"));
            if (!fname || strcmp(fname, attrs[a].name) != 0)
                continue;
            found = true;
            if (attrs[a].target == A_TYPE)
                type_at = i;
            else if (attrs[a].target == A_DATA)
                data_at = i;
            uint32_t k = p->kids[r->first + i];
            if (attrs[a].target != A_DATA) {
                if (!target_attr(c, k, attrs[a].target, attrs[a].target == A_TIME))
                    fail(c, "schema: %s has a type that cannot be read", attrs[a].name);
                continue;
            }
            /* data: a union of records (null allowed), or one record. */
            const json_t *ft = definition(c, json_object_get(f, "type"), NULL);
            node_t *d = &p->nodes[k];
            if (d->type == N_RECORD) {
                target_data_record(c, k, ft, &named);
                continue;
            }
            if (d->type != N_UNION) {
                fail(c, "schema: data is neither a record nor a union of records");
                continue;
            }
            d->target = A_DATA;
            for (uint32_t b = 0; b < d->n && !c->failed; b++) {
                uint32_t bk = p->kids[d->first + b];
                if (p->nodes[bk].type == N_RECORD)
                    target_data_record(c, bk, definition(c, json_array_get(ft, b), NULL),
                                       &named);
                else if (p->nodes[bk].type != N_NULL)
                    fail(c, "schema: a data branch is not a record");
            }
        }
        if (!found && attrs[a].required)
            fail(c, "schema: no field %s", attrs[a].name);
    }
    /* Fields read by name need the type first: the decoder is one pass. */
    if (!c->failed && named && (type_at < 0 || type_at > data_at))
        fail(c, "schema: data read by field names needs a type field before data");
}

cw_avro_plan_t *cw_avro_plan_compile(const char *schema, size_t len, char *errstr,
                                     size_t errstr_size)
{
    ctx_t c = {.err = errstr, .err_size = errstr_size};
    if (errstr_size)
        errstr[0] = '\0';

    /* Avro's own checks first: names, defaults, duplicate definitions. */
    avro_schema_t checked;
    if (avro_schema_from_json_length(schema, len, &checked) != 0) {
        fail(&c, "schema: not a valid Avro schema: %s", avro_strerror());
        return NULL;
    }
    avro_schema_decref(checked);

    json_error_t jerr;
    json_t *root = json_loadb(schema, len, JSON_DECODE_ANY, &jerr);
    if (!root) {
        fail(&c, "schema: not JSON");
        return NULL;
    }
    c.plan = cw_calloc(1, sizeof(*c.plan));
    int r = build(&c, root, json_string_value(json_object_get(root, "namespace")), 0, CTX_ROOT);
    if (r >= 0) {
        c.plan->root = (uint32_t)r;
        /* Names are registered in definition order; the resolution of the
         * data records' field names only needs the tree. */
        target_root(&c, definition(&c, root, NULL));
    }
    for (size_t i = 0; i < c.n_named; i++) {
        free(c.named[i].fullname);
        free(c.named[i].ns);
    }
    free(c.named);
    json_decref(root);
    if (c.failed) {
        cw_avro_plan_free(c.plan);
        return NULL;
    }
    return c.plan;
}

void cw_avro_plan_free(cw_avro_plan_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_syms; i++)
        free(p->symname[i]);
    free(p->symname);
    free(p->symval);
    free(p->nodes);
    free(p->kids);
    free(p);
}
