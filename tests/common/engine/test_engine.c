/* Engine state and clock: duplicates, rejections that change nothing, the
 * transition table, warning/breach timing at local midnights, stats. The
 * rule-by-rule behaviour is covered by the scenario files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"

typedef struct {
    int n;
    cw_alert_t last[16];
} sink_t;

static void on_alert(const cw_alert_t *a, void *opaque)
{
    sink_t *s = opaque;
    if (s->n < 16)
        s->last[s->n] = *a;
    s->n++;
}

static cw_rulepack_t *pack;

static int setup(void **state)
{
    (void)state;
    char err[256];
    if (cw_time_init(NULL, err, sizeof(err)) != CW_OK)
        return -1;
    return cw_rulepack_load_default(&pack, err, sizeof(err)) == CW_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cw_rulepack_destroy(pack);
    return 0;
}

static cw_instant_t at(const char *s)
{
    cw_instant_t t;
    char err[64];
    assert_int_equal(cw_time_parse(s, strlen(s), &t, NULL, err, sizeof(err)), CW_OK);
    return t;
}

static cw_event_t make(cw_event_type_t type, const char *id, const char *time, const char *subject)
{
    cw_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.time = at(time);
    snprintf(ev.id, sizeof(ev.id), "%s", id);
    snprintf(ev.subject, sizeof(ev.subject), "%s", subject);
    snprintf(ev.municipality, sizeof(ev.municipality), "0180");
    return ev;
}

static cw_reject_code_t apply(cw_engine_t *e, const cw_event_t *ev, bool *dup)
{
    cw_reject_t rej;
    return cw_engine_apply(e, ev, ev->time, dup, &rej);
}

static void test_duplicates_and_rejections_change_nothing(void **state)
{
    (void)state;
    sink_t s = {0};
    cw_engine_t *e = cw_engine_new(pack, on_alert, &s);
    bool dup;
    cw_event_t ev = make(CW_EV_REPORT_RECEIVED, "e1", "2025-06-02T09:00:00+02:00", "C1");
    snprintf(ev.report_id, sizeof(ev.report_id), "R1");
    assert_int_equal(apply(e, &ev, &dup), CW_REJ_NONE);
    assert_false(dup);
    assert_int_equal(apply(e, &ev, &dup), CW_REJ_NONE);
    assert_true(dup);
    /* the same report id under a new event id creates nothing */
    snprintf(ev.id, sizeof(ev.id), "e2");
    assert_int_equal(apply(e, &ev, &dup), CW_REJ_DUPLICATE_REF);
    /* an unknown ref in a new case leaves no case behind */
    cw_event_t p = make(CW_EV_PROTECTION_ASSESSED, "e3", "2025-06-02T10:00:00+02:00", "C2");
    snprintf(p.report_id, sizeof(p.report_id), "R1");
    assert_int_equal(apply(e, &p, &dup), CW_REJ_UNKNOWN_REF);
    cw_engine_stats_t st;
    cw_engine_get_stats(e, &st);
    assert_int_equal(st.cases, 1);
    assert_int_equal(st.applied, 1);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.rejected, 2);
    assert_int_equal(st.obligations, 2); /* protection assessment + preassessment */
    assert_int_equal(s.n, 0);
    cw_engine_destroy(e);
}

static void test_transition_table(void **state)
{
    (void)state;
    cw_engine_t *e = cw_engine_new(pack, NULL, NULL);
    bool dup;
    cw_event_t ps = make(CW_EV_PLACEMENT_STARTED, "p1", "2025-01-10T09:00:00+01:00", "C9");
    snprintf(ps.placement_id, sizeof(ps.placement_id), "P1");
    ps.basis = CW_BASIS_LVU_2;
    ps.setting = CW_SETTING_HVB;
    assert_int_equal(apply(e, &ps, &dup), CW_REJ_NONE);
    cw_event_t fs = make(CW_EV_POST_CARE_FOLLOWUP_STARTED, "p2", "2025-02-01T09:00:00+01:00", "C9");
    snprintf(fs.placement_id, sizeof(fs.placement_id), "P1");
    assert_int_equal(apply(e, &fs, &dup), CW_REJ_INVALID_TRANSITION);
    cw_event_t end = make(CW_EV_PLACEMENT_ENDED, "p3", "2025-03-01T09:00:00+01:00", "C9");
    snprintf(end.placement_id, sizeof(end.placement_id), "P1");
    assert_int_equal(apply(e, &end, &dup), CW_REJ_NONE);
    snprintf(end.id, sizeof(end.id), "p4");
    assert_int_equal(apply(e, &end, &dup), CW_REJ_REPEATED_STEP);
    /* a visit after the end is impossible; one reported late but dated
     * before the end is accepted */
    cw_event_t v = make(CW_EV_CHILD_VISITED, "p5", "2025-03-02T09:00:00+01:00", "C9");
    snprintf(v.placement_id, sizeof(v.placement_id), "P1");
    assert_int_equal(apply(e, &v, &dup), CW_REJ_INVALID_TRANSITION);
    v.time = at("2025-02-20T09:00:00+01:00");
    snprintf(v.id, sizeof(v.id), "p6");
    assert_int_equal(
        cw_engine_apply(e, &v, at("2025-03-02T09:00:00+01:00"), &dup, &(cw_reject_t){0}),
        CW_REJ_NONE);
    assert_int_equal(apply(e, &fs, &dup), CW_REJ_NONE);
    cw_engine_destroy(e);
}

/* preassessment_14d warns at the local midnight 3 days before the nominal
 * due date and breaches at the midnight after the (rolled) due date. */
static void test_warning_and_breach_at_local_midnights(void **state)
{
    (void)state;
    sink_t s = {0};
    cw_engine_t *e = cw_engine_new(pack, on_alert, &s);
    bool dup;
    cw_event_t ev = make(CW_EV_REPORT_RECEIVED, "e1", "2025-06-07T10:00:00+02:00", "C1");
    snprintf(ev.report_id, sizeof(ev.report_id), "R1");
    assert_int_equal(apply(e, &ev, &dup), CW_REJ_NONE);
    cw_event_t pa = make(CW_EV_PROTECTION_ASSESSED, "e2", "2025-06-07T11:00:00+02:00", "C1");
    snprintf(pa.report_id, sizeof(pa.report_id), "R1");
    assert_int_equal(apply(e, &pa, &dup), CW_REJ_NONE);
    /* nominal due 2025-06-21 (midsommardagen) → due Monday 2025-06-23 */
    cw_engine_advance(e, at("2025-06-17T23:59:59+02:00"));
    assert_int_equal(s.n, 0);
    cw_engine_advance(e, at("2025-06-18T00:00:00+02:00"));
    assert_int_equal(s.n, 1);
    assert_int_equal(s.last[0].kind, CW_ALERT_WARNING);
    assert_int_equal(s.last[0].due, cw_date_from_ymd(2025, 6, 23));
    assert_int_equal(s.last[0].nominal_due, cw_date_from_ymd(2025, 6, 21));
    cw_engine_advance(e, at("2025-06-23T23:59:59.999+02:00"));
    assert_int_equal(s.n, 1);
    cw_engine_advance(e, at("2025-06-24T00:00:00+02:00"));
    assert_int_equal(s.n, 2);
    assert_int_equal(s.last[1].kind, CW_ALERT_BREACH);
    assert_int_equal(s.last[1].days_overdue, 1);
    assert_string_equal(s.last[1].subject, "report:R1");
    assert_string_equal(s.last[1].start_event, "e1");
    /* the same tuple with a different kind has a different id */
    assert_string_not_equal(s.last[0].id, s.last[1].id);
    cw_engine_advance(e, at("2026-01-01T00:00:00+01:00"));
    assert_int_equal(s.n, 2); /* a breach fires once */
    cw_engine_destroy(e);
}

/* "genast": before 16:00 local due the same day, from 16:00 the next. */
static void test_genast_cutoff(void **state)
{
    (void)state;
    const char *times[] = {"2025-11-21T15:59:59+01:00", "2025-11-21T16:00:00+01:00"};
    const int due_day[] = {21, 22};
    for (int i = 0; i < 2; i++) {
        sink_t s = {0};
        cw_engine_t *e = cw_engine_new(pack, on_alert, &s);
        bool dup;
        cw_event_t ev = make(CW_EV_REPORT_RECEIVED, "e1", times[i], "C1");
        snprintf(ev.report_id, sizeof(ev.report_id), "R1");
        assert_int_equal(apply(e, &ev, &dup), CW_REJ_NONE);
        cw_engine_advance(e, at("2025-11-24T00:00:00+01:00"));
        assert_int_equal(s.n, 1);
        assert_string_equal(s.last[0].rule, "protection_assessment_immediate");
        assert_int_equal(s.last[0].due, cw_date_from_ymd(2025, 11, due_day[i]));
        assert_int_equal(s.last[0].nominal_due, s.last[0].due); /* no roll (Saturday 22nd) */
        cw_engine_destroy(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicates_and_rejections_change_nothing),
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_warning_and_breach_at_local_midnights),
        cmocka_unit_test(test_genast_cutoff),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
