/* CloudEvents binary content mode (model/event_json.h, kafka/wire.h): the
 * ce_* headers plus a JSON data value decode to the same event as the
 * structured form and are rejected alike; headers that disagree with a
 * structured body, a missing header, a content-type that is not JSON and a
 * repeated header are rejected with their own reasons. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/wire.h"
#include "model/event.h"
#include "model/event_json.h"
#include "model/reject.h"

static const char *const keys[CW_CE__COUNT] = {
    [CW_CE_ID] = "id",       [CW_CE_SPECVERSION] = "specversion", [CW_CE_SOURCE] = "source",
    [CW_CE_TYPE] = "type",   [CW_CE_SUBJECT] = "subject",         [CW_CE_TIME] = "time",
};

static const char BASE[] =
    "{\"specversion\":\"1.0\",\"id\":\"ev-1\",\"source\":\"urn:kommun:1280:ifo\","
    "\"type\":\"se.casewatch.report.received\",\"time\":\"2025-03-03T10:00:00+01:00\","
    "\"subject\":\"case-1\",\"data\":{\"municipality\":\"1280\",\"report_id\":\"R1\","
    "\"child\":\"B1\",\"violence\":true}}";

static int setup(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(cw_time_init(NULL, err, sizeof(err)), CW_OK);
    return 0;
}

/* A binary message made from a structured event: its string attributes as
 * headers, its data as the value. The strings stay owned by root; the
 * value is new (free()), NULL when the event has no data. */
typedef struct {
    cw_ce_headers_t h;
    char *value;
    size_t len;
    bool ok; /* every attribute present was a string */
} binmsg_t;

static void to_binary(const json_t *root, binmsg_t *b)
{
    memset(b, 0, sizeof(*b));
    b->ok = true;
    for (int a = 0; a < CW_CE__COUNT; a++) {
        const json_t *v = json_object_get(root, keys[a]);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v)) {
            b->ok = false;
            continue;
        }
        cw_reject_t rej;
        assert_int_equal(cw_ce_headers_add(&b->h, cw_ce_header_name((cw_ce_attr_t)a),
                                           json_string_value(v), json_string_length(v), &rej),
                         CW_REJ_NONE);
    }
    const json_t *data = json_object_get(root, "data");
    if (data && !json_is_null(data)) {
        b->value = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
        b->len = strlen(b->value);
    }
}

static void check_same(const char *text, size_t len, const char *what, const char *file, int line)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return; /* not an event one could send in binary mode */
    }
    binmsg_t b;
    to_binary(root, &b);
    if (b.ok) {
        cw_event_t s, e;
        cw_reject_t rs, re;
        memset(&e, 0x5a, sizeof(e));
        cw_reject_code_t cs = cw_event_from_json(text, len, &s, &rs);
        cw_reject_code_t ce = cw_event_from_json_binary(&b.h, b.value, b.len, &e, &re);
        if (cs != ce) {
            print_error("%s: structured %s (%s), binary %s (%s)\n", what,
                        cw_reject_code_name(cs), rs.detail, cw_reject_code_name(ce), re.detail);
            _fail(file, line);
        }
        /* The same bytes: cw_event_clear() zeroes the struct in both. */
        if (cs == CW_REJ_NONE && memcmp(&s, &e, sizeof(s)) != 0) {
            print_error("%s: binary mode decodes to another event\n", what);
            _fail(file, line);
        }
    }
    free(b.value);
    json_decref(root);
}

#define assert_same(text, len, what) check_same((text), (len), (what), __FILE__, __LINE__)

/* ---- equality with the structured form ---- */

/* Every event of the scenario set, sent in binary mode, decodes to the same
 * event (or the same rejection) as in structured mode. */
static void test_scenarios_equal(void **state)
{
    (void)state;
    const char *dir = getenv("CW_TEST_DATA");
    assert_non_null(dir);
    char pattern[1024];
    snprintf(pattern, sizeof(pattern), "%s/../../scenarios/*.scn", dir);
    glob_t g;
    assert_int_equal(glob(pattern, 0, NULL, &g), 0);
    bool seen[CW_EV__COUNT] = {false};
    int events = 0, types = 0, rejected = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        FILE *f = fopen(g.gl_pathv[i], "r");
        assert_non_null(f);
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
            if (strncmp(line, "event ", 6) != 0)
                continue;
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
            char what[1200];
            snprintf(what, sizeof(what), "%s: %.1000s", g.gl_pathv[i], line);
            assert_same(line + 6, (size_t)n - 6, what);
            cw_event_t ev;
            if (cw_event_from_json(line + 6, (size_t)n - 6, &ev, NULL) == CW_REJ_NONE) {
                if (!seen[ev.type])
                    types++;
                seen[ev.type] = true;
            } else {
                rejected++;
            }
            events++;
        }
        free(line);
        fclose(f);
    }
    globfree(&g);
    print_message("%d scenario events (%d rejected alike), %d event types\n", events, rejected,
                  types);
    assert_true(events > 500);
    assert_true(types >= 30);
}

/* Mutations of one event: each gives the same result in both modes. */
static void test_mutations_equal(void **state)
{
    (void)state;
    static const struct {
        const char *path, *value; /* value NULL: delete */
    } cases[] = {
        {"id", NULL},
        {"specversion", NULL},
        {"source", NULL},
        {"type", NULL},
        {"subject", NULL},
        {"time", NULL},
        {"data", NULL},
        {"id", "\"\""},
        {"id", "\"a\\u0000b\""},
        {"specversion", "\"0.3\""},
        {"type", "\"se.casewatch.report.teleported\""},
        {"type", "\"com.example.other\""},
        {"time", "\"2025-03-03 10:00\""},
        {"time", "\"2025-03-03T10:00:00\""},
        {"time", "\"2025-03-03T10:00:00.123456Z\""},
        {"time", "\"2025-03-03T09:00:00Z\""},
        {"subject", "\"" /* 129 bytes */
                    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""},
        {"data", "[1]"},
        {"data", "\"x\""},
        {"data", "{}"},
        {"data.municipality", "\"18a0\""},
        {"data.report_id", NULL},
        {"data.violence", "\"yes\""},
        {"data.reporter", "\"police\""},
        {"data.reporter", "\"martian\""},
        {"data.child_born", "\"2019-13\""},
        {"data.unit", "\"Enhet Ö\""},
        {"extension", "\"ignored\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *root = json_loads(BASE, 0, NULL);
        assert_non_null(root);
        json_t *obj = root;
        const char *key = cases[i].path;
        if (strncmp(key, "data.", 5) == 0) {
            obj = json_object_get(root, "data");
            key += 5;
        }
        if (cases[i].value)
            json_object_set_new(obj, key, json_loads(cases[i].value, JSON_DECODE_ANY, NULL));
        else
            json_object_del(obj, key);
        char *text = json_dumps(root, JSON_COMPACT);
        assert_same(text, strlen(text), text);
        free(text);
        json_decref(root);
    }
}

/* ---- binary-only rejections ---- */

static void base_headers(cw_ce_headers_t *h)
{
    static const char *const values[CW_CE__COUNT] = {
        [CW_CE_ID] = "ev-1",
        [CW_CE_SPECVERSION] = "1.0",
        [CW_CE_SOURCE] = "urn:kommun:1280:ifo",
        [CW_CE_TYPE] = "se.casewatch.report.received",
        [CW_CE_SUBJECT] = "case-1",
        [CW_CE_TIME] = "2025-03-03T10:00:00+01:00",
    };
    memset(h, 0, sizeof(*h));
    cw_reject_t rej;
    for (int a = 0; a < CW_CE__COUNT; a++)
        assert_int_equal(cw_ce_headers_add(h, cw_ce_header_name((cw_ce_attr_t)a), values[a],
                                           strlen(values[a]), &rej),
                         CW_REJ_NONE);
}

static const char DATA[] = "{\"municipality\":\"1280\",\"report_id\":\"R1\",\"child\":\"B1\"}";

static cw_reject_code_t decode_bin(const cw_ce_headers_t *h, const char *data, cw_event_t *ev,
                                   cw_reject_t *rej)
{
    /* a heap copy of exactly the bytes, so that ASan sees an overread */
    size_t len = data ? strlen(data) : 0;
    char *copy = data ? malloc(len ? len : 1) : NULL;
    if (copy)
        memcpy(copy, data, len);
    cw_reject_code_t rc = cw_event_from_json_binary(h, copy, len, ev, rej);
    free(copy);
    return rc;
}

static void test_missing_header(void **state)
{
    (void)state;
    for (int a = 0; a < CW_CE__COUNT; a++) {
        cw_ce_headers_t h;
        base_headers(&h);
        h.attr[a].s = NULL;
        cw_event_t ev;
        cw_reject_t rej;
        assert_int_equal(decode_bin(&h, DATA, &ev, &rej), CW_REJ_MISSING_ATTRIBUTE);
        char want[64];
        snprintf(want, sizeof(want), "%s: missing", cw_ce_header_name((cw_ce_attr_t)a));
        assert_string_equal(rej.detail, want);
    }
    /* The key is not taken for a missing ce_subject: the decoder never sees it. */
    cw_ce_headers_t h;
    base_headers(&h);
    cw_event_t ev;
    cw_reject_t rej;
    assert_int_equal(decode_bin(&h, DATA, &ev, &rej), CW_REJ_NONE);
    assert_string_equal(rej.detail, "");
    assert_string_equal(ev.id, "ev-1");
    assert_string_equal(ev.subject, "case-1");
    assert_int_equal(ev.type, CW_EV_REPORT_RECEIVED);
    assert_int_equal(ev.violence, CW_TRI_FALSE);
    /* an empty header, a header without a value */
    base_headers(&h);
    h.attr[CW_CE_SOURCE].s = NULL;
    assert_int_equal(cw_ce_headers_add(&h, "ce_source", NULL, 0, &rej), CW_REJ_NONE);
    assert_int_equal(decode_bin(&h, DATA, &ev, &rej), CW_REJ_BAD_ATTRIBUTE);
    assert_string_equal(rej.detail, "ce_source: empty");
    /* the value: empty, not JSON, not an object, too large */
    base_headers(&h);
    assert_int_equal(decode_bin(&h, NULL, &ev, &rej), CW_REJ_MISSING_DATA);
    assert_string_equal(ev.id, "ev-1"); /* the rejection can name the event */
    assert_int_equal(decode_bin(&h, "", &ev, &rej), CW_REJ_MISSING_DATA);
    assert_int_equal(decode_bin(&h, "{\"municipality\":", &ev, &rej), CW_REJ_BAD_JSON);
    assert_non_null(strstr(rej.detail, "data: not valid JSON"));
    assert_int_equal(decode_bin(&h, "[]", &ev, &rej), CW_REJ_MISSING_DATA);
    assert_int_equal(decode_bin(&h, "{\"municipality\":\"1280\"}", &ev, &rej),
                     CW_REJ_MISSING_FIELD);
    assert_string_equal(rej.detail, "data.report_id: missing");
    size_t big = CW_EVENT_MAX_BYTES + 1;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    huge[big] = '\0';
    assert_int_equal(decode_bin(&h, huge, &ev, &rej), CW_REJ_TOO_LARGE);
    free(huge);
    /* the time header in its own words */
    base_headers(&h);
    h.attr[CW_CE_TIME].s = "2025-03-03T10:00:00";
    h.attr[CW_CE_TIME].len = strlen(h.attr[CW_CE_TIME].s);
    assert_int_equal(decode_bin(&h, DATA, &ev, &rej), CW_REJ_BAD_TIME);
    assert_non_null(strstr(rej.detail, "ce_time:"));
}

static void test_content_type(void **state)
{
    (void)state;
    static const struct {
        const char *ct; /* NULL: no header */
        cw_ce_content_t kind;
        cw_reject_code_t want;
    } cases[] = {
        {NULL, CW_CT_ABSENT, CW_REJ_NONE},
        {"application/json", CW_CT_JSON, CW_REJ_NONE},
        {"application/json; charset=utf-8", CW_CT_JSON, CW_REJ_NONE},
        {"Application/JSON", CW_CT_JSON, CW_REJ_NONE},
        {" application/json", CW_CT_JSON, CW_REJ_NONE},
        {"application/jsonx", CW_CT_OTHER, CW_REJ_BAD_CONTENT_TYPE},
        {"text/plain", CW_CT_OTHER, CW_REJ_BAD_CONTENT_TYPE},
        {"application/avro", CW_CT_OTHER, CW_REJ_BAD_CONTENT_TYPE},
        {"", CW_CT_OTHER, CW_REJ_BAD_CONTENT_TYPE},
        {"application/cloudevents+json", CW_CT_CE_JSON, CW_REJ_BAD_CONTENT_TYPE},
        {"application/cloudevents+json; charset=UTF-8", CW_CT_CE_JSON, CW_REJ_BAD_CONTENT_TYPE},
        {"application/cloudevents-batch+json", CW_CT_CE_OTHER, CW_REJ_BAD_CONTENT_TYPE},
        {"application/cloudevents+avro", CW_CT_CE_OTHER, CW_REJ_BAD_CONTENT_TYPE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cw_ce_headers_t h;
        base_headers(&h);
        cw_reject_t rej;
        if (cases[i].ct)
            assert_int_equal(cw_ce_headers_add(&h, "content-type", cases[i].ct,
                                               strlen(cases[i].ct), &rej),
                             CW_REJ_NONE);
        assert_int_equal(cw_ce_content_type(&h), cases[i].kind);
        cw_event_t ev;
        cw_reject_code_t rc = decode_bin(&h, DATA, &ev, &rej);
        if (rc != cases[i].want)
            fail_msg("content-type %s: %s (%s)", cases[i].ct ? cases[i].ct : "(none)",
                     cw_reject_code_name(rc), rej.detail);
        if (rc)
            assert_non_null(strstr(rej.detail, "content-type: "));
    }
}

static void test_headers_add(void **state)
{
    (void)state;
    cw_ce_headers_t h;
    cw_reject_t rej;
    memset(&h, 0, sizeof(h));
    /* not ours: ignored */
    assert_int_equal(cw_ce_headers_add(&h, "traceparent", "x", 1, &rej), CW_REJ_NONE);
    assert_int_equal(cw_ce_headers_add(&h, "ce_partitionkey", "x", 1, &rej), CW_REJ_NONE);
    assert_int_equal(cw_ce_headers_add(&h, "ce_ids", "x", 1, &rej), CW_REJ_NONE);
    assert_int_equal(cw_ce_headers_add(&h, "ce_", "x", 1, &rej), CW_REJ_NONE);
    assert_int_equal(cw_ce_headers_add(&h, "", "x", 1, &rej), CW_REJ_NONE);
    assert_false(h.any);
    for (int a = 0; a < CW_CE__COUNT; a++)
        assert_null(h.attr[a].s);
    assert_null(h.content_type.s);
    /* names without regard to case, as the SDKs read them */
    assert_int_equal(cw_ce_headers_add(&h, "CE_Id", "ev-9", 4, &rej), CW_REJ_NONE);
    assert_true(h.any);
    assert_int_equal(h.attr[CW_CE_ID].len, 4);
    assert_int_equal(cw_ce_headers_add(&h, "Content-Type", "application/json", 16, &rej),
                     CW_REJ_NONE);
    assert_int_equal(cw_ce_content_type(&h), CW_CT_JSON);
    /* repeated: which one counts is not defined */
    assert_int_equal(cw_ce_headers_add(&h, "ce_id", "ev-9", 4, &rej), CW_REJ_BAD_ATTRIBUTE);
    assert_string_equal(rej.detail, "ce_id: repeated header");
    assert_int_equal(cw_ce_headers_add(&h, "content-type", "text/plain", 10, &rej),
                     CW_REJ_BAD_CONTENT_TYPE);
    assert_string_equal(rej.detail, "content-type: repeated header");
    /* a header value is bytes: a NUL in it is reported, not cut off */
    base_headers(&h);
    h.attr[CW_CE_ID].s = "ev\0-1";
    h.attr[CW_CE_ID].len = 5;
    cw_event_t ev;
    assert_int_equal(decode_bin(&h, DATA, &ev, &rej), CW_REJ_BAD_ATTRIBUTE);
    assert_string_equal(rej.detail, "ce_id: contains a NUL byte");
    /* ... and so are bytes that are not UTF-8 (a JSON string cannot hold them) */
    static const char *const not_utf8[] = {"urn:\xff", "urn:\xc3", "urn:\xc0\xaf",
                                           "urn:\xed\xa0\x80", "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
        base_headers(&h);
        h.attr[CW_CE_SOURCE].s = not_utf8[i];
        h.attr[CW_CE_SOURCE].len = strlen(not_utf8[i]);
        assert_int_equal(decode_bin(&h, DATA, &ev, &rej), CW_REJ_BAD_ATTRIBUTE);
        assert_string_equal(rej.detail, "ce_source: not valid UTF-8");
    }
    base_headers(&h);
    h.attr[CW_CE_SOURCE].s = "urn:kommun:1280:ifo-\xc3\xa5\xe2\x82\xac\xf0\x9f\x98\x80";
    h.attr[CW_CE_SOURCE].len = strlen(h.attr[CW_CE_SOURCE].s);
    assert_int_equal(decode_bin(&h, DATA, &ev, &rej), CW_REJ_NONE);
    assert_string_equal(ev.source, "urn:kommun:1280:ifo-\xc3\xa5\xe2\x82\xac\xf0\x9f\x98\x80");
}

/* ---- headers beside a structured body ---- */

static void test_disagreeing_header(void **state)
{
    (void)state;
    cw_event_t ev;
    cw_reject_t rej;
    assert_int_equal(cw_event_from_json(BASE, strlen(BASE), &ev, &rej), CW_REJ_NONE);
    static const struct {
        cw_ce_attr_t a;
        const char *value;
        bool agrees;
    } cases[] = {
        {CW_CE_ID, "ev-1", true},
        {CW_CE_ID, "ev-2", false},
        {CW_CE_ID, "ev-1 ", false},
        {CW_CE_ID, "", false},
        {CW_CE_SPECVERSION, "1.0", true},
        {CW_CE_SPECVERSION, "0.3", false},
        {CW_CE_SOURCE, "urn:kommun:1280:ifo", true},
        {CW_CE_SOURCE, "urn:kommun:0180:ifo", false},
        {CW_CE_TYPE, "se.casewatch.report.received", true},
        {CW_CE_TYPE, "se.casewatch.report.joined", false},
        {CW_CE_TYPE, "report.received", false},
        {CW_CE_SUBJECT, "case-1", true},
        {CW_CE_SUBJECT, "case-2", false},
        {CW_CE_SUBJECT, "case-", false},
        /* the same instant written otherwise agrees */
        {CW_CE_TIME, "2025-03-03T10:00:00+01:00", true},
        {CW_CE_TIME, "2025-03-03T09:00:00Z", true},
        {CW_CE_TIME, "2025-03-03T09:00:00.000Z", true},
        {CW_CE_TIME, "2025-03-03T10:00:00Z", false},
        {CW_CE_TIME, "2025-03-03T09:00:00.001Z", false},
        {CW_CE_TIME, "yesterday", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cw_ce_headers_t h;
        memset(&h, 0, sizeof(h));
        const char *name = cw_ce_header_name(cases[i].a);
        assert_int_equal(cw_ce_headers_add(&h, name, cases[i].value, strlen(cases[i].value), &rej),
                         CW_REJ_NONE);
        rej.code = CW_REJ_NONE;
        rej.detail[0] = '\0';
        cw_reject_code_t rc = cw_event_check_headers(&h, &ev, &rej);
        if (rc != (cases[i].agrees ? CW_REJ_NONE : CW_REJ_HEADER_MISMATCH))
            fail_msg("%s: %s: got %s", name, cases[i].value, cw_reject_code_name(rc));
        if (rc)
            assert_true(strncmp(rej.detail, name, strlen(name)) == 0);
    }
    /* all six agreeing */
    cw_ce_headers_t h;
    base_headers(&h);
    assert_int_equal(cw_event_check_headers(&h, &ev, &rej), CW_REJ_NONE);
}

/* ---- the mode, chosen from the headers (kafka/wire.c) ---- */

static void test_wire_modes(void **state)
{
    (void)state;
    cw_event_t want, ev;
    cw_reject_t rej;
    char err[256];
    assert_int_equal(cw_event_from_json(BASE, strlen(BASE), &want, &rej), CW_REJ_NONE);
    json_t *root = json_loads(BASE, 0, NULL);
    char *data = json_dumps(json_object_get(root, "data"), JSON_COMPACT);
    json_decref(root);
    cw_ce_headers_t h;

    /* binary: ce_specversion and a JSON (or no) content-type */
    base_headers(&h);
    assert_int_equal(cw_wire_decode_event(NULL, &h, data, strlen(data), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_OK);
    assert_memory_equal(&ev, &want, sizeof(ev));
    assert_int_equal(cw_ce_headers_add(&h, "content-type", "application/json", 16, &rej),
                     CW_REJ_NONE);
    assert_int_equal(cw_wire_decode_event(NULL, &h, data, strlen(data), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_OK);
    assert_memory_equal(&ev, &want, sizeof(ev));
    /* the structured body where binary mode wants data: not an event's data */
    assert_int_equal(cw_wire_decode_event(NULL, &h, BASE, strlen(BASE), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_REJECTED);
    assert_int_equal(rej.code, CW_REJ_MISSING_FIELD);

    /* structured, declared: headers that agree are fine, one that does not is not */
    base_headers(&h);
    assert_int_equal(cw_ce_headers_add(&h, "content-type", "application/cloudevents+json", 28,
                                       &rej),
                     CW_REJ_NONE);
    assert_int_equal(cw_wire_decode_event(NULL, &h, BASE, strlen(BASE), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_OK);
    assert_memory_equal(&ev, &want, sizeof(ev));
    h.attr[CW_CE_SUBJECT].s = "case-2";
    assert_int_equal(cw_wire_decode_event(NULL, &h, BASE, strlen(BASE), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_REJECTED);
    assert_int_equal(rej.code, CW_REJ_HEADER_MISMATCH);
    assert_string_equal(rej.detail, "ce_subject: disagrees with the event's subject");
    /* declared structured, the body lacking an attribute: no talk of binary mode */
    assert_int_equal(cw_wire_decode_event(NULL, &h, data, strlen(data), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_REJECTED);
    assert_int_equal(rej.code, CW_REJ_MISSING_ATTRIBUTE);
    assert_string_equal(rej.detail, "id: missing");

    /* structured, undeclared (no headers at all, as before) */
    memset(&h, 0, sizeof(h));
    assert_int_equal(cw_wire_decode_event(NULL, &h, BASE, strlen(BASE), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_OK);
    assert_memory_equal(&ev, &want, sizeof(ev));
    assert_int_equal(cw_wire_decode_event(NULL, NULL, BASE, strlen(BASE), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_OK);
    /* ... with a ce_ header and no ce_specversion: structured, checked */
    assert_int_equal(cw_ce_headers_add(&h, "ce_id", "ev-2", 4, &rej), CW_REJ_NONE);
    assert_int_equal(cw_wire_decode_event(NULL, &h, BASE, strlen(BASE), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_REJECTED);
    assert_int_equal(rej.code, CW_REJ_HEADER_MISMATCH);
    /* binary mode without its marker: the rejection says so */
    assert_int_equal(cw_wire_decode_event(NULL, &h, data, strlen(data), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_REJECTED);
    assert_int_equal(rej.code, CW_REJ_MISSING_ATTRIBUTE);
    assert_non_null(strstr(rej.detail, "without ce_specversion"));

    /* another CloudEvents format: not read, in either mode */
    memset(&h, 0, sizeof(h));
    assert_int_equal(cw_ce_headers_add(&h, "content-type", "application/cloudevents-batch+json",
                                       34, &rej),
                     CW_REJ_NONE);
    assert_int_equal(cw_wire_decode_event(NULL, &h, BASE, strlen(BASE), &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_REJECTED);
    assert_int_equal(rej.code, CW_REJ_BAD_CONTENT_TYPE);
    /* Avro data in binary mode: not read (the data must be JSON) */
    base_headers(&h);
    assert_int_equal(cw_ce_headers_add(&h, "content-type", "application/avro", 16, &rej),
                     CW_REJ_NONE);
    assert_int_equal(cw_wire_decode_event(NULL, &h, "\0\0\0\0\1\2", 6, &ev, &rej, err,
                                          sizeof(err)),
                     CW_WIRE_REJECTED);
    assert_int_equal(rej.code, CW_REJ_BAD_CONTENT_TYPE);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_scenarios_equal, setup),
        cmocka_unit_test_setup(test_mutations_equal, setup),
        cmocka_unit_test_setup(test_missing_header, setup),
        cmocka_unit_test_setup(test_content_type, setup),
        cmocka_unit_test_setup(test_headers_add, setup),
        cmocka_unit_test_setup(test_disagreeing_header, setup),
        cmocka_unit_test_setup(test_wire_modes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
