#include "kafka/registry.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"

#define MAX_SCHEMA_BYTES (1 << 20) /* a registry answer larger than this is refused */
#define UNKNOWN_TTL_MS   60000     /* how long "no such id" is believed */

typedef struct {
    uint32_t id;
    cw_schema_status_t status; /* OK, UNKNOWN or INCOMPATIBLE */
    cw_avro_plan_t *plan;
    char *text;       /* local: the schema text until compiled */
    char why[200];    /* for UNKNOWN and INCOMPATIBLE */
    int64_t until_ms; /* UNKNOWN: asked again after this */
    int local;
} entry_t;

struct cw_registry_s {
    char *url; /* without a trailing slash; NULL: local only */
    char *user_info;
    long timeout_ms;
    CURL *curl;
    entry_t *entries;
    size_t n, cap;
    cw_registry_stats_t stats;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static entry_t *find(cw_registry_t *r, uint32_t id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->entries[i].id == id)
            return &r->entries[i];
    return NULL;
}

static entry_t *add(cw_registry_t *r, uint32_t id)
{
    entry_t *e = find(r, id);
    if (e)
        return e;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 8;
        r->entries = cw_reallocarray(r->entries, r->cap, sizeof(*r->entries));
    }
    e = &r->entries[r->n++];
    memset(e, 0, sizeof(*e));
    e->id = id;
    return e;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (cap - n < 4096) {
            cap = cap ? 2 * cap : 8192;
            buf = cw_realloc(buf, cap + 1);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0 && n <= MAX_SCHEMA_BYTES);
    int bad = ferror(f) || n > MAX_SCHEMA_BYTES;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* "1=a.avsc,7=/etc/casewatch/b.avsc" */
static cw_err_t load_local(cw_registry_t *r, const char *list, char *errstr, size_t errstr_size)
{
    char *copy = cw_strdup(list), *save = NULL;
    cw_err_t rc = CW_OK;
    for (char *item = strtok_r(copy, ",", &save); item && rc == CW_OK;
         item = strtok_r(NULL, ",", &save)) {
        while (*item == ' ')
            item++;
        char *eq = strchr(item, '='), *end;
        errno = 0;
        unsigned long id = eq ? strtoul(item, &end, 10) : 0;
        if (!eq || end != eq || errno || id > UINT32_MAX) {
            snprintf(errstr, errstr_size, "schema list: \"ID=FILE\" expected, got \"%s\"", item);
            rc = CW_ERR_CONFIG;
            break;
        }
        size_t len;
        char *text = read_file(eq + 1, &len);
        if (!text) {
            snprintf(errstr, errstr_size, "schema %lu: cannot read %s", id, eq + 1);
            rc = CW_ERR_IO;
            break;
        }
        entry_t *e = add(r, (uint32_t)id);
        free(e->text);
        e->text = text;
        e->local = 1;
    }
    free(copy);
    return rc;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

cw_registry_t *cw_registry_new(const cw_registry_conf_t *conf, char *errstr, size_t errstr_size)
{
    cw_registry_t *r = cw_calloc(1, sizeof(*r));
    r->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 5000;
    if (conf->url && conf->url[0]) {
        size_t n = strlen(conf->url);
        while (n > 0 && conf->url[n - 1] == '/')
            n--;
        r->url = cw_strndup(conf->url, n);
        if (conf->user_info && conf->user_info[0])
            r->user_info = cw_strdup(conf->user_info);
        pthread_once(&curl_once, curl_init);
        r->curl = curl_easy_init();
    } else {
        static const struct {
            uint32_t id;
            const char *text;
        } builtin[] = {{CW_SCHEMA_ID_EVENT, cw_schema_case_event},
                       {CW_SCHEMA_ID_EVENT_V1, cw_schema_case_event_v1},
                       {CW_SCHEMA_ID_ALERT, cw_schema_alert},
                       {CW_SCHEMA_ID_STATE, cw_schema_case_state}};
        for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
            entry_t *e = add(r, builtin[i].id);
            e->text = cw_strdup(builtin[i].text);
            e->local = 1;
        }
    }
    if (conf->local && conf->local[0] && load_local(r, conf->local, errstr, errstr_size) != CW_OK) {
        cw_registry_destroy(r);
        return NULL;
    }
    return r;
}

void cw_registry_destroy(cw_registry_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        cw_avro_plan_free(r->entries[i].plan);
        free(r->entries[i].text);
    }
    free(r->entries);
    if (r->curl)
        curl_easy_cleanup(r->curl);
    free(r->url);
    if (r->user_info) {
        memset(r->user_info, 0, strlen(r->user_info));
        free(r->user_info);
    }
    free(r);
}

static void compile(entry_t *e, const char *text, size_t len)
{
    char err[sizeof(e->why)];
    e->plan = cw_avro_plan_compile(text, len, err, sizeof(err));
    e->status = e->plan ? CW_SCHEMA_OK : CW_SCHEMA_INCOMPATIBLE;
    if (!e->plan)
        snprintf(e->why, sizeof(e->why), "%s", err);
}

typedef struct {
    char *p;
    size_t len;
    int too_big;
} body_t;

static size_t on_body(char *data, size_t size, size_t n, void *opaque)
{
    body_t *b = opaque;
    size_t add = size * n;
    if (b->len + add > MAX_SCHEMA_BYTES) {
        b->too_big = 1;
        return 0; /* aborts the transfer */
    }
    b->p = cw_realloc(b->p, b->len + add + 1);
    memcpy(b->p + b->len, data, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

/* One request: url, optional JSON body (POST); the answer in body. */
static CURLcode request(cw_registry_t *r, const char *url, const char *post, body_t *body,
                        long *code)
{
    CURL *c = r->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (r->user_info) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, r->user_info);
    }
    struct curl_slist *hdr =
        curl_slist_append(NULL, "Accept: application/vnd.schemaregistry.v1+json");
    if (post) {
        hdr = curl_slist_append(hdr, "Content-Type: application/vnd.schemaregistry.v1+json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    r->stats.requests++;
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(hdr);
    *code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
    return cc;
}

static cw_schema_status_t fetch(cw_registry_t *r, uint32_t id, char *errstr, size_t errstr_size)
{
    char url[1024];
    snprintf(url, sizeof(url), "%s/schemas/ids/%u", r->url, id);
    body_t body = {0};
    long code;
    CURLcode cc = request(r, url, NULL, &body, &code);

    cw_schema_status_t st = CW_SCHEMA_UNAVAILABLE;
    entry_t *e = NULL;
    if (cc != CURLE_OK) {
        snprintf(errstr, errstr_size, "registry: %s",
                 body.too_big ? "answer too large" : curl_easy_strerror(cc));
    } else if (code == 404) {
        e = add(r, id);
        e->status = st = CW_SCHEMA_UNKNOWN;
        e->until_ms = now_ms() + UNKNOWN_TTL_MS;
        snprintf(e->why, sizeof(e->why), "not in the schema registry");
    } else if (code != 200) {
        snprintf(errstr, errstr_size, "registry: HTTP %ld", code);
    } else {
        json_t *root = json_loadb(body.p ? body.p : "", body.len, 0, NULL);
        const char *type = json_string_value(json_object_get(root, "schemaType"));
        const char *schema = json_string_value(json_object_get(root, "schema"));
        if (!schema) {
            snprintf(errstr, errstr_size, "registry: an answer without a schema");
        } else {
            e = add(r, id);
            if (type && strcmp(type, "AVRO") != 0) {
                e->status = CW_SCHEMA_INCOMPATIBLE;
                snprintf(e->why, sizeof(e->why), "a %s schema, not Avro", type);
            } else {
                compile(e, schema, json_string_length(json_object_get(root, "schema")));
            }
            st = e->status;
        }
        json_decref(root);
    }
    free(body.p);
    if (st == CW_SCHEMA_UNAVAILABLE)
        r->stats.unavailable++;
    else if (e && st != CW_SCHEMA_OK)
        snprintf(errstr, errstr_size, "%s", e->why);
    return st;
}

cw_schema_status_t cw_registry_event_plan(cw_registry_t *r, uint32_t id,
                                          const cw_avro_plan_t **plan, char *errstr,
                                          size_t errstr_size)
{
    errstr[0] = '\0';
    entry_t *e = find(r, id);
    if (e && e->text) { /* local, not compiled yet */
        compile(e, e->text, strlen(e->text));
        free(e->text);
        e->text = NULL;
    }
    if (e && (e->status != CW_SCHEMA_UNKNOWN || now_ms() < e->until_ms)) {
        r->stats.hits++;
        *plan = e->plan;
        if (e->status != CW_SCHEMA_OK)
            snprintf(errstr, errstr_size, "%s", e->why);
        return e->status;
    }
    if (!r->url) {
        snprintf(errstr, errstr_size, "not in the local schema mapping");
        return CW_SCHEMA_UNKNOWN;
    }
    cw_schema_status_t st = fetch(r, id, errstr, errstr_size);
    if (st == CW_SCHEMA_OK)
        *plan = find(r, id)->plan;
    return st;
}

cw_err_t cw_registry_register(cw_registry_t *r, const char *subject, const char *schema,
                              uint32_t *id, char *errstr, size_t errstr_size)
{
    if (!r->url) {
        snprintf(errstr, errstr_size, "no schema registry URL");
        return CW_ERR_STATE;
    }
    char *esc = curl_easy_escape(r->curl, subject, 0);
    char url[1024];
    snprintf(url, sizeof(url), "%s/subjects/%s/versions", r->url, esc ? esc : "");
    curl_free(esc);
    json_t *req = json_pack("{ss}", "schema", schema);
    char *post = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    body_t body = {0};
    long code;
    CURLcode cc = request(r, url, post, &body, &code);
    free(post);
    cw_err_t rc = CW_ERR_IO;
    if (cc != CURLE_OK) {
        snprintf(errstr, errstr_size, "registry: %s", curl_easy_strerror(cc));
    } else if (code != 200) {
        snprintf(errstr, errstr_size, "registry: HTTP %ld registering under %s", code, subject);
    } else {
        json_t *root = json_loadb(body.p ? body.p : "", body.len, 0, NULL);
        json_int_t v = json_integer_value(json_object_get(root, "id"));
        if (!json_is_integer(json_object_get(root, "id")) || v < 0 || v > UINT32_MAX) {
            snprintf(errstr, errstr_size, "registry: an answer without an id");
        } else {
            *id = (uint32_t)v;
            rc = CW_OK;
        }
        json_decref(root);
    }
    free(body.p);
    return rc;
}

void cw_registry_get_stats(const cw_registry_t *r, cw_registry_stats_t *out)
{
    *out = r->stats;
}
