#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/event.h"
#include "model/event_avro.h"
#include "model/event_json.h"

static const char *events[] = {
    "{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"urn:kommun:0180:ifo\","
    "\"type\":\"se.casewatch.report.received\",\"time\":\"2025-03-03T09:15:00+01:00\","
    "\"subject\":\"C1\",\"data\":{\"municipality\":\"0180\",\"unit\":\"Barn Syd\","
    "\"caseworker\":\"cw-17\",\"report_id\":\"R1\",\"child\":\"p-9f2\",\"violence\":true,"
    "\"reporter\":\"school\",\"child_born\":\"2014-05\"}}",
    "{\"specversion\":\"1.0\",\"id\":\"e2\",\"source\":\"s\",\"type\":"
    "\"se.casewatch.preassessment.extended\",\"time\":\"2025-03-10T12:00:00+01:00\","
    "\"subject\":\"C1\",\"data\":{\"municipality\":\"0180\",\"report_id\":\"R1\","
    "\"until\":\"2025-04-01\",\"reason\":\"väntar på polisen\"}}",
    "{\"specversion\":\"1.0\",\"id\":\"e3\",\"source\":\"s\",\"type\":"
    "\"se.casewatch.lvu.emergency_custody\",\"time\":\"2025-10-26T01:30:00+02:00\","
    "\"subject\":\"C2\",\"data\":{\"municipality\":\"1480\",\"order_id\":\"O1\","
    "\"executed_at\":\"2025-10-26T02:30:00+01:00\"}}",
    "{\"specversion\":\"1.0\",\"id\":\"e4\",\"source\":\"s\",\"type\":"
    "\"se.casewatch.placement.ended\",\"time\":\"2026-01-05T10:00:00+01:00\","
    "\"subject\":\"C3\",\"data\":{\"municipality\":\"1280\",\"placement_id\":\"P1\","
    "\"reason\":\"guardian_request\"}}",
    "{\"specversion\":\"1.0\",\"id\":\"e5\",\"source\":\"s\",\"type\":"
    "\"se.casewatch.child.visited\",\"time\":\"2026-01-05T10:00:00+01:00\","
    "\"subject\":\"C3\",\"data\":{\"municipality\":\"1280\",\"placement_id\":\"P1\","
    "\"private_talk\":false}}",
    "{\"specversion\":\"1.0\",\"id\":\"e6\",\"source\":\"s\",\"type\":"
    "\"se.casewatch.case.closed\",\"time\":\"2026-01-05T10:00:00+01:00\","
    "\"subject\":\"C3\",\"data\":{\"municipality\":\"1280\"}}",
};
#define N_EVENTS (sizeof(events) / sizeof(events[0]))

static int setup(void **state)
{
    char err[256];
    assert_int_equal(cw_time_init(NULL, err, sizeof(err)), CW_OK);
    (void)state;
    return 0;
}

static void encode(const char *json, cw_jsonw_t *out)
{
    cw_event_t ev;
    cw_reject_t rej;
    assert_int_equal(cw_event_from_json(json, strlen(json), &ev, &rej), CW_REJ_NONE);
    cw_jsonw_reset(out);
    cw_event_write_avro(&ev, out);
}

/* JSON → Avro → event gives the same event as JSON → event. */
static void test_round_trip(void **state)
{
    (void)state;
    cw_jsonw_t buf;
    cw_jsonw_init(&buf);
    for (size_t i = 0; i < N_EVENTS; i++) {
        cw_event_t want, got;
        cw_reject_t rej;
        assert_int_equal(cw_event_from_json(events[i], strlen(events[i]), &want, NULL), 0);
        encode(events[i], &buf);
        cw_reject_code_t rc = cw_event_from_avro(cw_avro_event_plan(), buf.p, buf.len, &got, &rej);
        if (rc)
            fail_msg("event %zu: %s %s", i, cw_reject_code_name(rc), rej.detail);
        char *a = cw_event_to_json(&want), *b = cw_event_to_json(&got);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    cw_jsonw_free(&buf);
}

/* Every prefix of a valid datum is rejected as bad_avro, never read past. */
static void test_truncated(void **state)
{
    (void)state;
    cw_jsonw_t buf;
    cw_jsonw_init(&buf);
    for (size_t i = 0; i < N_EVENTS; i++) {
        encode(events[i], &buf);
        for (size_t n = 0; n < buf.len; n++) {
            /* a copy of exactly n bytes, so ASan sees any overread */
            unsigned char *cut = malloc(n ? n : 1);
            memcpy(cut, buf.p, n);
            cw_event_t ev;
            cw_reject_t rej;
            cw_reject_code_t rc = cw_event_from_avro(cw_avro_event_plan(), cut, n, &ev, &rej);
            assert_int_not_equal(rc, CW_REJ_NONE);
            free(cut);
        }
        /* and a byte too many */
        cw_jsonw_append(&buf, "x", 1);
        cw_reject_t rej;
        cw_event_t ev;
        assert_int_equal(cw_event_from_avro(cw_avro_event_plan(), buf.p, buf.len, &ev, &rej),
                         CW_REJ_BAD_AVRO);
        assert_non_null(strstr(rej.detail, "after the datum"));
    }
    cw_jsonw_free(&buf);
}

static void put_long(cw_jsonw_t *out, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    do {
        unsigned char b = z & 0x7f;
        z >>= 7;
        if (z)
            b |= 0x80;
        cw_jsonw_append(out, &b, 1);
    } while (z);
}

static cw_reject_code_t decode_buf(const cw_jsonw_t *b, cw_reject_t *rej)
{
    cw_event_t ev;
    return cw_event_from_avro(cw_avro_event_plan(), b->p, b->len, &ev, rej);
}

/* Lengths that lie: huge, negative, past the end; indexes out of range. */
static void test_hostile_lengths(void **state)
{
    (void)state;
    static const int64_t lens[] = {-1, -1000, INT64_MIN, INT64_MAX, 1LL << 40, 5};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        cw_jsonw_t b;
        cw_jsonw_init(&b);
        put_long(&b, 3); /* specversion: 3 bytes */
        cw_jsonw_append(&b, "1.0", 3);
        put_long(&b, lens[i]); /* id: the lying length */
        cw_jsonw_append(&b, "abc", 3);
        cw_reject_t rej;
        assert_int_equal(decode_buf(&b, &rej), CW_REJ_BAD_AVRO);
        cw_jsonw_free(&b);
    }
    /* a varint that never ends */
    cw_jsonw_t b;
    cw_jsonw_init(&b);
    for (int i = 0; i < 20; i++)
        cw_jsonw_append(&b, "\xff", 1);
    cw_reject_t rej;
    assert_int_equal(decode_buf(&b, &rej), CW_REJ_BAD_AVRO);
    assert_non_null(strstr(rej.detail, "varint"));

    /* a union branch out of range: everything valid up to data */
    cw_event_t ev;
    assert_int_equal(cw_event_from_json(events[0], strlen(events[0]), &ev, NULL), 0);
    cw_jsonw_reset(&b);
    cw_event_write_avro(&ev, &b);
    /* the envelope is 6 strings/longs, then data: municipality, then a
     * ["null", ...] union per field; rewrite unit's branch as 99 */
    cw_jsonw_t c;
    cw_jsonw_init(&c);
    const char *env[] = {"1.0", ev.id, ev.source, "se.casewatch.report.received"};
    for (int i = 0; i < 4; i++) {
        put_long(&c, (int64_t)strlen(env[i]));
        cw_jsonw_append(&c, env[i], strlen(env[i]));
    }
    put_long(&c, ev.time);
    put_long(&c, (int64_t)strlen(ev.subject));
    cw_jsonw_append(&c, ev.subject, strlen(ev.subject));
    put_long(&c, 4);
    cw_jsonw_append(&c, "0180", 4);
    size_t head = c.len;
    assert_memory_equal(c.p, b.p, head); /* the layout assumed above */
    put_long(&c, 99);
    assert_int_equal(decode_buf(&c, &rej), CW_REJ_BAD_AVRO);
    assert_non_null(strstr(rej.detail, "union branch"));
    c.len = head;
    put_long(&c, -1);
    assert_int_equal(decode_buf(&c, &rej), CW_REJ_BAD_AVRO);

    /* report.received with reporter enum index 42 */
    c.len = head;
    put_long(&c, 0); /* unit null */
    put_long(&c, 0); /* caseworker null */
    put_long(&c, 1); /* report_id */
    put_long(&c, 2);
    cw_jsonw_append(&c, "R1", 2);
    for (int i = 0; i < 4; i++) /* investigation_id, placement_id, order_id, home_id */
        put_long(&c, 0);
    put_long(&c, 1); /* child */
    put_long(&c, 2);
    cw_jsonw_append(&c, "p1", 2);
    put_long(&c, 0);                /* to_municipality null */
    put_long(&c, 0);                /* reason null */
    put_long(&c, 1);                /* violence: boolean branch */
    cw_jsonw_append(&c, "\x07", 1); /* not 0 or 1 */
    assert_int_equal(decode_buf(&c, &rej), CW_REJ_BAD_AVRO);
    assert_non_null(strstr(rej.detail, "boolean"));
    c.len -= 1;
    cw_jsonw_append(&c, "\x01", 1);
    put_long(&c, 0); /* immediate_protection_needed null */
    put_long(&c, 0); /* private_talk null */
    put_long(&c, 1); /* reporter: enum branch */
    put_long(&c, 42);
    assert_int_equal(decode_buf(&c, &rej), CW_REJ_BAD_AVRO);
    assert_non_null(strstr(rej.detail, "enum index"));
    cw_jsonw_free(&b);
    cw_jsonw_free(&c);
}

/* Random mutations of valid datums: a verdict every time, no crash (ASan). */
static void test_mutations(void **state)
{
    (void)state;
    cw_jsonw_t buf;
    cw_jsonw_init(&buf);
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    unsigned ok = 0, rejected = 0;
    for (size_t i = 0; i < N_EVENTS; i++) {
        encode(events[i], &buf);
        for (int round = 0; round < 20000; round++) {
            unsigned char *m = malloc(buf.len);
            memcpy(m, buf.p, buf.len);
            for (int k = 0; k < 1 + round % 4; k++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                m[x % buf.len] = (unsigned char)(x >> 32);
            }
            cw_event_t ev;
            cw_reject_t rej;
            cw_reject_code_t rc = cw_event_from_avro(cw_avro_event_plan(), m, buf.len, &ev, &rej);
            if (rc == CW_REJ_NONE)
                ok++;
            else {
                rejected++;
                assert_true(rej.detail[0] != '\0');
            }
            free(m);
        }
    }
    assert_true(rejected > 0);
    assert_true(ok > 0); /* mutations inside strings still decode */
    cw_jsonw_free(&buf);
}

static void compile_fails(const char *schema, const char *want)
{
    char err[256];
    cw_avro_plan_t *p = cw_avro_plan_compile(schema, strlen(schema), err, sizeof(err));
    if (p)
        fail_msg("compiled: %s", schema);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void test_schemas_refused(void **state)
{
    (void)state;
    compile_fails("\"string\"", "a case event is a record");
    compile_fails("{\"type\":\"record\",\"name\":\"X\",\"fields\":[", "not a valid Avro schema");
    compile_fails("{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"id\",\"type\":"
                  "\"string\"}]}",
                  "no field source");
    /* a recursive schema: a linked list */
    compile_fails("{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"next\","
                  "\"type\":[\"null\",\"L\"]}]}",
                  "deeper");
    /* violence as a string cannot be read as a boolean */
    char *s = strdup(cw_schema_case_event);
    char *v = strstr(s, "\"boolean\"");
    assert_non_null(v);
    memcpy(v, "\"string\" ", 9);
    compile_fails(s, "cannot be read as violence");
    free(s);
    /* the embedded schemas: ours compiles, the alert schema is no event */
    char err[256];
    cw_avro_plan_t *p =
        cw_avro_plan_compile(cw_schema_case_event, cw_schema_case_event_len, err, sizeof(err));
    assert_non_null(p);
    cw_avro_plan_free(p);
    compile_fails(cw_schema_alert, "no field source");
    /* data read by field names needs the type attribute before it */
    compile_fails("{\"type\":\"record\",\"name\":\"E\",\"fields\":["
                  "{\"name\":\"id\",\"type\":\"string\"},"
                  "{\"name\":\"source\",\"type\":\"string\"},"
                  "{\"name\":\"subject\",\"type\":\"string\"},"
                  "{\"name\":\"time\",\"type\":\"string\"},"
                  "{\"name\":\"data\",\"type\":{\"type\":\"record\",\"name\":\"D\","
                  "\"fields\":[{\"name\":\"municipality\",\"type\":\"string\"}]}},"
                  "{\"name\":\"type\",\"type\":\"string\"}]}",
                  "needs a type field before data");
    /* the first schema (v1, local id 1) still compiles */
    p = cw_avro_plan_compile(cw_schema_case_event_v1, cw_schema_case_event_v1_len, err,
                             sizeof(err));
    assert_non_null(p);
    cw_avro_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_round_trip, setup),
        cmocka_unit_test_setup(test_truncated, setup),
        cmocka_unit_test_setup(test_hostile_lengths, setup),
        cmocka_unit_test_setup(test_mutations, setup),
        cmocka_unit_test_setup(test_schemas_refused, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
