/* cw_engine_observe: the obligation notes an audit counts from. One report
 * (two obligations) is handled on time and late; a placement's recurring
 * visits restart their cycle; a closed case cancels what is open. */
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
    cw_obligation_note_t notes[32];
    char rules[32][64];
} log_t;

static void on_note(const cw_obligation_note_t *n, void *opaque)
{
    log_t *l = opaque;
    if (l->n < 32) {
        l->notes[l->n] = *n;
        snprintf(l->rules[l->n], sizeof(l->rules[0]), "%s", n->rule->id);
    }
    l->n++;
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

static cw_date_t day(const char *s)
{
    cw_date_t d;
    assert_int_equal(cw_date_parse(s, strlen(s), &d), CW_OK);
    return d;
}

static void apply(cw_engine_t *e, cw_event_type_t type, const char *id, const char *time,
                  const char *report, const char *placement)
{
    cw_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.time = at(time);
    snprintf(ev.id, sizeof(ev.id), "%s", id);
    snprintf(ev.subject, sizeof(ev.subject), "C1");
    snprintf(ev.municipality, sizeof(ev.municipality), "0180");
    snprintf(ev.unit, sizeof(ev.unit), "Barn Syd");
    snprintf(ev.report_id, sizeof(ev.report_id), "%s", report);
    snprintf(ev.placement_id, sizeof(ev.placement_id), "%s", placement);
    ev.basis = CW_BASIS_SOL;
    ev.setting = CW_SETTING_HVB;
    ev.private_talk = CW_TRI_TRUE;
    bool dup;
    cw_reject_t rej;
    assert_int_equal(cw_engine_apply(e, &ev, ev.time, &dup, &rej), CW_REJ_NONE);
}

static const cw_obligation_note_t *find(const log_t *l, const char *rule, cw_obligation_change_t c,
                                        int nth)
{
    for (int i = 0; i < l->n && i < 32; i++)
        if (strcmp(l->rules[i], rule) == 0 && l->notes[i].change == c && nth-- == 0)
            return &l->notes[i];
    return NULL;
}

static void test_started_satisfied_on_time_and_late(void **state)
{
    (void)state;
    log_t l = {0};
    cw_engine_t *e = cw_engine_new(pack, NULL, NULL);
    cw_engine_observe(e, on_note, &l);
    apply(e, CW_EV_REPORT_RECEIVED, "e1", "2025-06-02T09:00:00+02:00", "R1", "");
    assert_int_equal(l.n, 2);
    const cw_obligation_note_t *s = find(&l, "preassessment_14d", CW_OBL_STARTED, 0);
    assert_non_null(s);
    assert_string_equal(s->case_id, "C1");
    assert_string_equal(s->municipality, "0180");
    assert_string_equal(s->unit, "Barn Syd");
    assert_string_equal(s->subject_ref, "R1");
    assert_int_equal(s->start, day("2025-06-02"));
    assert_int_equal(s->due, day("2025-06-16"));
    const void *id = s->id;
    /* protection assessed the same day: on time */
    apply(e, CW_EV_PROTECTION_ASSESSED, "e2", "2025-06-02T11:00:00+02:00", "R1", "");
    const cw_obligation_note_t *p =
        find(&l, "protection_assessment_immediate", CW_OBL_SATISFIED, 0);
    assert_non_null(p);
    assert_false(p->late);
    assert_int_equal(p->at, at("2025-06-02T11:00:00+02:00"));
    /* the pre-assessment decision comes a week late */
    apply(e, CW_EV_INVESTIGATION_NOT_OPENED, "e3", "2025-06-23T10:00:00+02:00", "R1", "");
    const cw_obligation_note_t *d = find(&l, "preassessment_14d", CW_OBL_SATISFIED, 0);
    assert_non_null(d);
    assert_ptr_equal(d->id, id);
    assert_true(d->late);
    assert_string_equal(d->event_id, "e3");
    cw_engine_stats_t st;
    cw_engine_get_stats(e, &st);
    assert_int_equal(st.obligations, 0);
    cw_engine_destroy(e);
}

static void test_recurring_cycles_and_cancel(void **state)
{
    (void)state;
    log_t l = {0};
    cw_engine_t *e = cw_engine_new(pack, NULL, NULL);
    cw_engine_observe(e, on_note, &l);
    apply(e, CW_EV_PLACEMENT_STARTED, "p1", "2025-01-10T09:00:00+01:00", "", "P1");
    const cw_obligation_note_t *v0 = find(&l, "placed_child_visits", CW_OBL_STARTED, 0);
    assert_non_null(v0);
    assert_int_equal(v0->due, day("2025-04-10"));
    apply(e, CW_EV_CHILD_VISITED, "p2", "2025-03-01T09:00:00+01:00", "", "P1");
    const cw_obligation_note_t *sat = find(&l, "placed_child_visits", CW_OBL_SATISFIED, 0);
    assert_non_null(sat);
    assert_false(sat->late);
    const cw_obligation_note_t *v1 = find(&l, "placed_child_visits", CW_OBL_STARTED, 1);
    assert_non_null(v1);
    assert_int_equal(v1->start, day("2025-03-01"));
    assert_int_equal(v1->due, day("2025-06-01"));
    int before = l.n;
    apply(e, CW_EV_CASE_CLOSED, "p3", "2025-03-05T09:00:00+01:00", "", "");
    /* every open obligation of the case (plan, revision, visits,
     * reconsideration) ends cancelled */
    cw_engine_stats_t st;
    cw_engine_get_stats(e, &st);
    assert_int_equal(st.obligations, 0);
    assert_true(l.n > before);
    for (int i = before; i < l.n; i++)
        assert_int_equal(l.notes[i].change, CW_OBL_CANCELLED);
    cw_engine_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_started_satisfied_on_time_and_late),
        cmocka_unit_test(test_recurring_cycles_and_cancel),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
