/* The feed's view (consumers/feed/view.c) on its own: which alerts are
 * open, whatever order the two topics are read in; duplicates; ended
 * cases; bad records never crash. Snapshots are written by hand in the
 * CWS layout (common/engine/snapshot.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "internal.h"

static cw_date_t d(const char *s)
{
    cw_date_t out;
    assert_int_equal(cw_date_parse(s, strlen(s), &out), CW_OK);
    return out;
}

static void put(cw_jsonw_t *b, uint64_t v, int bytes)
{
    char *p = cw_jsonw_extend(b, (size_t)bytes);
    for (int i = 0; i < bytes; i++)
        p[i] = i < 8 ? (char)(v >> (8 * i)) : 0;
}

static void put_str(cw_jsonw_t *b, const char *s)
{
    put(b, strlen(s), 2);
    cw_jsonw_append(b, s, strlen(s));
}

/* A snapshot of case id with n obligations rule[i] on report:R<i+1>, due[i]. */
static void snap(cw_jsonw_t *b, const char *id, bool closed, int n, const char *const *rule,
                 const char *const *due)
{
    cw_jsonw_reset(b);
    cw_jsonw_append(b, "CWS\x01", 4);
    put_str(b, id);
    put_str(b, "0180");
    put_str(b, "Enhet A");
    put_str(b, "hl-1");
    put(b, 0, 2 + 1);
    put(b, closed, 1);
    put(b, 0, 1 + 8 + 4 + 2);
    put(b, (uint64_t)n, 2);
    for (int i = 0; i < n; i++) {
        char ref[16];
        snprintf(ref, sizeof(ref), "R%d", i + 1);
        put_str(b, rule[i]);
        put(b, 0, 1); /* report */
        put_str(b, ref);
        put(b, 0, 1);
        put(b, (uint32_t)d("2026-01-01"), 4);
        put(b, (uint32_t)d(due[i]), 4);
        put(b, (uint32_t)d(due[i]), 4);
        put(b, 0, 8 * 3);
        put(b, 1, 1);
        put(b, (uint32_t)INT32_MIN, 4);
        put(b, (uint32_t)INT32_MIN, 4);
        put_str(b, "e1");
    }
}

static void alert(feed_view_t *v, int64_t ts, const char *id, const char *kind, const char *c,
                  const char *rule, const char *subject, const char *due)
{
    char buf[1024];
    int n = snprintf(buf, sizeof(buf),
                     "{\"id\":\"%s\",\"kind\":\"%s\",\"rule\":\"%s\",\"severity\":\"high\","
                     "\"case\":\"%s\",\"subject\":\"%s\",\"municipality\":\"0180\","
                     "\"start\":\"2026-01-01\",\"due\":\"%s\",\"at\":\"2026-01-10T00:00:00+01:00\","
                     "\"days_overdue\":0,\"legal_ref\":[],\"title_sv\":\"t\",\"title_en\":\"t\","
                     "\"message_sv\":\"m\",\"message_en\":\"m\",\"events\":[\"e1\"]}",
                     id, kind, rule, c, subject, due);
    view_on_alert(v, buf, (size_t)n, ts, 0, 0);
}

static uint64_t open_alerts(feed_view_t *v)
{
    uint64_t a, c;
    view_gauges(v, &a, &c);
    return a;
}

static bool shows(feed_view_t *v, const char *id)
{
    feed_filter_t f = {.limit = 100000};
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    view_alerts_json(v, &f, &w);
    char needle[80];
    snprintf(needle, sizeof(needle), "\"id\":\"%s\"", id);
    bool found = strstr(w.p, needle) != NULL;
    cw_jsonw_free(&w);
    return found;
}

static const char *const PRE[] = {"preassessment_14d"};
static const char *const DUE[] = {"2026-01-15"};

static void test_warning_retired_by_a_later_snapshot(void **state)
{
    (void)state;
    feed_view_t v;
    view_init(&v);
    cw_jsonw_t b;
    cw_jsonw_init(&b);
    alert(&v, 100, "w1", "warning", "C1", "preassessment_14d", "report:R1", "2026-01-15");
    assert_true(shows(&v, "w1"));
    /* a snapshot still holding the obligation: shown */
    snap(&b, "C1", false, 1, PRE, DUE);
    view_on_changelog(&v, "C1", 2, b.p, b.len, 150, 0, 0);
    assert_true(shows(&v, "w1"));
    /* done in time: the next snapshot has no obligation, and no alert came */
    snap(&b, "C1", false, 0, NULL, NULL);
    view_on_changelog(&v, "C1", 2, b.p, b.len, 200, 0, 1);
    assert_false(shows(&v, "w1"));
    assert_int_equal(open_alerts(&v), 0);
    cw_jsonw_free(&b);
    view_free(&v);
}

static void test_snapshot_read_before_its_alerts(void **state)
{
    (void)state;
    feed_view_t v;
    view_init(&v);
    cw_jsonw_t b;
    cw_jsonw_init(&b);
    /* the changelog partition was read first: the empty snapshot (ts 200)
     * is later than the warning (ts 100), so the warning is not open... */
    snap(&b, "C1", false, 0, NULL, NULL);
    view_on_changelog(&v, "C1", 2, b.p, b.len, 200, 0, 0);
    alert(&v, 100, "w1", "warning", "C1", "preassessment_14d", "report:R1", "2026-01-15");
    assert_false(shows(&v, "w1"));
    /* ...while a warning of a later batch than the snapshot is */
    alert(&v, 300, "w2", "warning", "C1", "investigation_4_months", "investigation:U1",
          "2026-05-01");
    assert_true(shows(&v, "w2"));
    /* the same millisecond as the snapshot: taken as before it (the snapshot
     * may be of its own batch), so hidden until a snapshot holding its
     * obligation comes; visibility follows the latest snapshot */
    alert(&v, 200, "w3", "warning", "C1", "protection_assessment_immediate", "report:R1",
          "2026-02-01");
    assert_false(shows(&v, "w3"));
    static const char *const rule[] = {"protection_assessment_immediate"};
    static const char *const due[] = {"2026-02-01"};
    snap(&b, "C1", false, 1, rule, due);
    view_on_changelog(&v, "C1", 2, b.p, b.len, 200, 0, 1);
    assert_true(shows(&v, "w3"));
    assert_false(shows(&v, "w1"));
    cw_jsonw_free(&b);
    view_free(&v);
}

static void test_supersede_resolve_duplicate(void **state)
{
    (void)state;
    feed_view_t v;
    view_init(&v);
    alert(&v, 1, "w1", "warning", "C1", "preassessment_14d", "report:R1", "2026-01-15");
    alert(&v, 2, "b1", "breach", "C1", "preassessment_14d", "report:R1", "2026-01-15");
    assert_false(shows(&v, "w1"));
    assert_true(shows(&v, "b1"));
    assert_int_equal(open_alerts(&v), 1);
    /* the processor re-sends after a crash: w1 again must not demote b1 */
    alert(&v, 3, "w1", "warning", "C1", "preassessment_14d", "report:R1", "2026-01-15");
    assert_true(shows(&v, "b1"));
    assert_int_equal(atomic_load(&v.n.alerts_duplicate), 1);
    /* nor a warning with another id for the same key */
    alert(&v, 4, "w9", "warning", "C1", "preassessment_14d", "report:R1", "2026-01-15");
    assert_true(shows(&v, "b1"));
    /* another due date is another alert; resolved closes only its own */
    alert(&v, 5, "b2", "breach", "C1", "preassessment_14d", "report:R2", "2026-01-20");
    alert(&v, 6, "r1", "resolved", "C1", "preassessment_14d", "report:R1", "2026-01-15");
    assert_false(shows(&v, "b1"));
    assert_true(shows(&v, "b2"));
    alert(&v, 7, "x2", "withdrawn", "C1", "preassessment_14d", "report:R2", "2026-01-20");
    assert_int_equal(open_alerts(&v), 0);
    /* violations stay */
    alert(&v, 8, "v1", "violation", "C2", "violence_report_investigation", "report:R1",
          "2026-01-03");
    assert_true(shows(&v, "v1"));
    view_free(&v);
}

static void test_extension_retires_old_warning(void **state)
{
    (void)state;
    feed_view_t v;
    view_init(&v);
    alert(&v, 1, "w1", "warning", "C1", "investigation_4_months", "investigation:U1", "2026-05-01");
    alert(&v, 2, "e1", "extended", "C1", "investigation_4_months", "investigation:U1",
          "2026-07-01");
    assert_false(shows(&v, "w1"));
    assert_false(shows(&v, "e1"));
    /* a breach the extension came too late for stands */
    alert(&v, 3, "b1", "breach", "C2", "investigation_4_months", "investigation:U1", "2026-05-01");
    alert(&v, 4, "e2", "extended", "C2", "investigation_4_months", "investigation:U1",
          "2026-07-01");
    assert_true(shows(&v, "b1"));
    view_free(&v);
}

static void test_ended_cases(void **state)
{
    (void)state;
    feed_view_t v;
    view_init(&v);
    cw_jsonw_t b;
    cw_jsonw_init(&b);
    alert(&v, 100, "b1", "breach", "C1", "preassessment_14d", "report:R1", "2026-01-15");
    snap(&b, "C1", false, 1, PRE, DUE);
    view_on_changelog(&v, "C1", 2, b.p, b.len, 110, 0, 0);
    uint64_t a, c;
    view_gauges(&v, &a, &c);
    assert_int_equal(a, 1);
    assert_int_equal(c, 1);
    /* tombstone: everything goes */
    view_on_changelog(&v, "C1", 2, NULL, 0, 200, 0, 1);
    view_gauges(&v, &a, &c);
    assert_int_equal(a, 0);
    assert_int_equal(c, 0);
    /* an older alert of the case read late stays out... */
    alert(&v, 150, "b2", "breach", "C1", "care_plan_at_placement", "placement:P1", "2026-01-20");
    assert_false(shows(&v, "b2"));
    assert_int_equal(atomic_load(&v.n.alerts_stale), 1);
    /* ...a newer one means the case id lives again */
    alert(&v, 300, "b3", "breach", "C1", "care_plan_at_placement", "placement:P1", "2026-03-20");
    assert_true(shows(&v, "b3"));
    /* the closed flag ends a case like a tombstone */
    snap(&b, "C1", true, 0, NULL, NULL);
    view_on_changelog(&v, "C1", 2, b.p, b.len, 400, 0, 2);
    assert_false(shows(&v, "b3"));
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    assert_int_equal(view_case_json(&v, "C1", d("2026-06-01"), NULL, &w), VIEW_CASE_OK);
    assert_non_null(strstr(w.p, "\"ended\":true"));
    cw_jsonw_free(&w);
    /* forgotten an hour later (times here are small) */
    assert_int_equal(view_forget_ended(&v, 1000), 1);
    cw_jsonw_init(&w);
    assert_int_equal(view_case_json(&v, "C1", d("2026-06-01"), NULL, &w), VIEW_CASE_NOT_FOUND);
    cw_jsonw_free(&w);
    /* orphans: alerts of cases the changelog never mentioned */
    alert(&v, 500, "o1", "breach", "C9", "preassessment_14d", "report:R1", "2026-01-15");
    alert(&v, 5000, "o2", "breach", "C8", "preassessment_14d", "report:R1", "2026-01-15");
    assert_int_equal(view_drop_orphans(&v, 1000), 1);
    assert_false(shows(&v, "o1"));
    assert_true(shows(&v, "o2"));
    cw_jsonw_free(&b);
    view_free(&v);
}

static void test_caseload(void **state)
{
    (void)state;
    feed_view_t v;
    view_init(&v);
    cw_jsonw_t b, w;
    cw_jsonw_init(&b);
    cw_jsonw_init(&w);
    static const char *const rules[] = {"a", "b", "c"};
    static const char *const dues[] = {"2026-05-01", "2026-06-05", "2026-09-01"};
    snap(&b, "C1", false, 3, rules, dues);
    view_on_changelog(&v, "C1", 2, b.p, b.len, 1, 0, 0);
    view_caseload_json(&v, d("2026-06-01"), 7, NULL, &w);
    assert_non_null(strstr(w.p, "\"total\":{\"open_cases\":1,\"open_obligations\":3,"
                                "\"due_soon\":1,\"overdue\":1,\"open_alerts\":0}"));
    assert_non_null(strstr(w.p, "\"unit\":\"Enhet A\""));
    assert_non_null(strstr(w.p, "\"caseworker\":\"hl-1\""));
    /* a caseworker's row says their unit (the page filters by it) */
    assert_non_null(strstr(w.p, "\"caseworkers\":[{\"municipality\":\"0180\","
                                "\"municipality_name\":\"Stockholm\",\"unit\":\"Enhet A\","
                                "\"caseworker\":\"hl-1\",\"open_cases\":1,"));
    cw_jsonw_free(&w);
    cw_jsonw_free(&b);
    view_free(&v);
}

/* days_overdue is counted to the date asked for, not frozen at the
 * alert's "days_overdue" (issue 21); the sort "overdue" puts the latest
 * first; the municipality's name comes with its code. */
static void test_live_lateness(void **state)
{
    (void)state;
    feed_view_t v;
    view_init(&v);
    alert(&v, 1, "late", "breach", "C1", "a", "report:R1", "2026-05-01");
    alert(&v, 2, "later", "breach", "C2", "a", "report:R1", "2026-04-01");
    alert(&v, 3, "warn", "warning", "C3", "a", "report:R1", "2026-06-03");
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    feed_filter_t f = {.limit = 100, .sort = "overdue", .today = d("2026-06-01")};
    view_alerts_json(&v, &f, &w);
    const char *later = strstr(w.p, "{\"days_overdue\":61,\"municipality_name\":\"Stockholm\","
                                    "\"id\":\"later\"");
    const char *late = strstr(w.p, "{\"days_overdue\":31,\"municipality_name\":\"Stockholm\","
                                   "\"id\":\"late\"");
    const char *warn = strstr(w.p, "{\"days_overdue\":0,\"municipality_name\":\"Stockholm\","
                                   "\"id\":\"warn\"");
    assert_non_null(later);
    assert_non_null(late);
    assert_non_null(warn);
    assert_true(later < late && late < warn);
    /* the processor's frozen value is not passed on beside the live one */
    const char *p = w.p;
    int n = 0;
    while ((p = strstr(p, "days_overdue")) != NULL) {
        n++;
        p++;
    }
    assert_int_equal(n, 3);
    /* a month on, the same breach is a month later */
    cw_jsonw_reset(&w);
    f.today = d("2026-07-01");
    f.case_id = "C1";
    view_alerts_json(&v, &f, &w);
    assert_non_null(strstr(w.p, "\"days_overdue\":61,"));
    cw_jsonw_reset(&w);
    assert_int_equal(view_case_json(&v, "C1", d("2026-05-03"), NULL, &w), VIEW_CASE_OK);
    assert_non_null(strstr(w.p, "\"days_overdue\":2,"));
    cw_jsonw_free(&w);
    view_free(&v);
}

static void test_garbage_never_crashes(void **state)
{
    (void)state;
    feed_view_t v;
    view_init(&v);
    cw_jsonw_t b;
    cw_jsonw_init(&b);
    snap(&b, "C1", false, 1, PRE, DUE);
    unsigned seed = 11;
    char *m = malloc(b.len);
    for (int round = 0; round < 20000; round++) {
        memcpy(m, b.p, b.len);
        for (int k = 0; k < 2; k++) {
            seed = seed * 1103515245u + 12345u;
            m[(seed >> 8) % b.len] = (char)(seed >> 20);
        }
        view_on_changelog(&v, "C1", 2, m, b.len, round, 0, round);
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 8) % b.len;
        view_on_alert(&v, m, len, round, 0, round);
    }
    free(m);
    static const char *const bad[] = {
        "{",
        "{}",
        "[]",
        "null",
        "{\"id\":1}",
        "{\"id\":\"a\\u0000b\",\"kind\":\"breach\"}",
        "{\"id\":\"a\",\"kind\":\"breach\",\"rule\":\"r\",\"severity\":\"high\",\"case\":\"c\","
        "\"subject\":\"s\",\"municipality\":\"01800\",\"due\":\"2026-01-01\",\"at\":\"x\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        view_on_alert(&v, bad[i], strlen(bad[i]), 1, 0, 0);
    view_on_alert(&v, NULL, 0, 1, 0, 0);
    view_on_changelog(&v, NULL, 0, "x", 1, 1, 0, 0);
    view_on_changelog(&v, "C2", 2, b.p, b.len, 1, 0, 0); /* key is not the snapshot's case */
    assert_true(atomic_load(&v.n.bad[1][BAD_KEY]) >= 2);
    assert_true(atomic_load(&v.n.bad[0][BAD_FIELD]) >= 2);
    cw_jsonw_free(&b);
    view_free(&v);
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    cw_log_set_level(CW_LOG_ERROR); /* the bad records above are logged at warn */
    return cw_time_init(NULL, err, sizeof(err)) == CW_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warning_retired_by_a_later_snapshot),
        cmocka_unit_test(test_snapshot_read_before_its_alerts),
        cmocka_unit_test(test_supersede_resolve_duplicate),
        cmocka_unit_test(test_extension_retires_old_warning),
        cmocka_unit_test(test_ended_cases),
        cmocka_unit_test(test_caseload),
        cmocka_unit_test(test_live_lateness),
        cmocka_unit_test(test_garbage_never_crashes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
