/* Case snapshots: an engine restored from snapshots continues exactly like
 * the original; snapshots are stable; ended cases become tombstones; a
 * corrupt record is rejected and changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/internal.h"

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

/* Alerts as "kind id" lines, to compare two engines. */
typedef struct {
    char lines[256][48];
    int n;
} log_t;

static void on_alert(const cw_alert_t *a, void *opaque)
{
    log_t *l = opaque;
    if (l->n < 256)
        snprintf(l->lines[l->n++], 48, "%s %s", cw_alert_kind_name(a->kind), a->id);
}

/* Latest snapshot per case (NULL = tombstone). */
typedef struct {
    char id[8][32];
    unsigned char *snap[8];
    size_t len[8];
    int n;
} snaps_t;

static void on_snap(const char *case_id, const void *snap, size_t len, void *opaque)
{
    snaps_t *s = opaque;
    int i = 0;
    while (i < s->n && strcmp(s->id[i], case_id) != 0)
        i++;
    if (i == s->n)
        snprintf(s->id[s->n++], 32, "%s", case_id);
    free(s->snap[i]);
    s->snap[i] = NULL;
    s->len[i] = len;
    if (snap) {
        s->snap[i] = malloc(len);
        memcpy(s->snap[i], snap, len);
    }
}

static void snaps_free(snaps_t *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->snap[i]);
}

static cw_instant_t at(const char *s)
{
    cw_instant_t t;
    assert_int_equal(cw_time_parse(s, strlen(s), &t, NULL, NULL, 0), CW_OK);
    return t;
}

typedef struct {
    cw_event_type_t type;
    const char *time, *subject, *ref;
    int basis, setting;
} spec_t;

static void apply(cw_engine_t *e, const spec_t *sp, int i)
{
    cw_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = sp->type;
    ev.time = at(sp->time);
    snprintf(ev.id, sizeof(ev.id), "e%d", i);
    snprintf(ev.subject, sizeof(ev.subject), "%s", sp->subject);
    snprintf(ev.municipality, sizeof(ev.municipality), "1480");
    snprintf(ev.unit, sizeof(ev.unit), "Väster");
    unsigned mask = cw_event_subject_mask(sp->type);
    if (mask & (1u << CW_SUBJ_REPORT))
        snprintf(ev.report_id, sizeof(ev.report_id), "%s", sp->ref);
    if (mask & (1u << CW_SUBJ_PLACEMENT))
        snprintf(ev.placement_id, sizeof(ev.placement_id), "%s", sp->ref);
    if (mask & (1u << CW_SUBJ_ORDER))
        snprintf(ev.order_id, sizeof(ev.order_id), "%s", sp->ref);
    ev.basis = sp->basis;
    ev.setting = sp->setting;
    bool dup;
    cw_reject_t rej;
    cw_engine_set_position(e, 0, 100 + i);
    assert_int_equal(cw_engine_apply(e, &ev, ev.time, &dup, &rej), CW_REJ_NONE);
}

static const spec_t before[] = {
    {CW_EV_REPORT_RECEIVED, "2025-03-03T10:00:00+01:00", "C1", "R1", 0, 0},
    {CW_EV_PLACEMENT_STARTED, "2025-03-04T10:00:00+01:00", "C2", "P1", CW_BASIS_LVU_2,
     CW_SETTING_FAMILY_HOME},
    {CW_EV_LVU_EMERGENCY_CUSTODY, "2025-03-05T10:00:00+01:00", "C3", "O1", 0, 0},
    {CW_EV_REPORT_RECEIVED, "2025-03-06T10:00:00+01:00", "C4", "R1", 0, 0},
    {CW_EV_CASE_CLOSED, "2025-03-06T11:00:00+01:00", "C4", "", 0, 0},
};
static const spec_t after[] = {
    {CW_EV_PROTECTION_ASSESSED, "2025-03-20T10:00:00+01:00", "C1", "R1", 0, 0},
    {CW_EV_CHILD_VISITED, "2025-04-20T10:00:00+02:00", "C2", "P1", 0, 0},
    {CW_EV_LVU_SUBMITTED_TO_COURT, "2025-04-21T10:00:00+02:00", "C3", "O1", 0, 0},
};

static void test_restored_engine_continues_identically(void **state)
{
    (void)state;
    log_t la = {0}, lb = {0};
    snaps_t snaps = {0};
    cw_engine_t *a = cw_engine_new(pack, on_alert, &la);
    cw_engine_track_changes(a);
    for (int i = 0; i < 5; i++)
        apply(a, &before[i], i);
    cw_engine_advance(a, at("2025-03-19T00:00:00+01:00")); /* warnings and breaches fire */
    cw_engine_drain_changes(a, on_snap, &snaps);
    assert_int_equal(snaps.n, 4);
    /* C4 ended (closed, nothing open): a tombstone, evicted */
    for (int i = 0; i < snaps.n; i++)
        if (strcmp(snaps.id[i], "C4") == 0)
            assert_null(snaps.snap[i]);
    int src;
    int64_t off;
    assert_false(cw_engine_case_position(a, "C4", &src, &off));
    assert_true(cw_engine_case_position(a, "C3", &src, &off));
    assert_int_equal(off, 102);

    cw_engine_t *b = cw_engine_new(pack, on_alert, &lb);
    cw_engine_track_changes(b);
    for (int i = 0; i < snaps.n; i++)
        if (snaps.snap[i])
            assert_int_equal(cw_engine_restore(b, snaps.snap[i], snaps.len[i], NULL, 0), CW_OK);
    cw_engine_stats_t sa, sb;
    cw_engine_get_stats(a, &sa);
    cw_engine_get_stats(b, &sb);
    assert_int_equal(sa.cases, sb.cases);
    assert_int_equal(sa.obligations, sb.obligations);
    /* re-snapshots are byte-identical (C2's placement and C1's report hold
     * several obligations: their order survives the restore) */
    snaps_t again = {0};
    for (int i = 0; i < snaps.n; i++) /* a restore is no change: ask for each case */
        if (snaps.snap[i])
            engine_mark_changed(b, state_find_case(b, snaps.id[i], strlen(snaps.id[i])));
    cw_engine_drain_changes(b, on_snap, &again);
    assert_int_equal(again.n, 3);
    for (int i = 0; i < again.n; i++)
        for (int k = 0; k < snaps.n; k++)
            if (strcmp(again.id[i], snaps.id[k]) == 0) {
                assert_int_equal(again.len[i], snaps.len[k]);
                assert_memory_equal(again.snap[i], snaps.snap[k], snaps.len[k]);
            }
    /* both continue the same way */
    la.n = lb.n = 0;
    for (int i = 0; i < 3; i++) {
        apply(a, &after[i], 10 + i);
        apply(b, &after[i], 10 + i);
    }
    cw_engine_advance(a, at("2026-06-01T00:00:00+02:00"));
    cw_engine_advance(b, at("2026-06-01T00:00:00+02:00"));
    assert_true(la.n > 3);
    assert_int_equal(la.n, lb.n);
    for (int i = 0; i < la.n; i++)
        assert_string_equal(la.lines[i], lb.lines[i]);
    /* a duplicate of an event applied before the snapshot is still ignored */
    cw_event_t dup_ev;
    memset(&dup_ev, 0, sizeof(dup_ev));
    dup_ev.type = CW_EV_REPORT_RECEIVED;
    dup_ev.time = at("2026-06-01T00:00:00+02:00");
    snprintf(dup_ev.id, sizeof(dup_ev.id), "e0");
    snprintf(dup_ev.subject, sizeof(dup_ev.subject), "C1");
    snprintf(dup_ev.report_id, sizeof(dup_ev.report_id), "R9");
    bool dup;
    cw_reject_t rej;
    assert_int_equal(cw_engine_apply(b, &dup_ev, dup_ev.time, &dup, &rej), CW_REJ_NONE);
    assert_true(dup);
    cw_engine_destroy(a);
    cw_engine_destroy(b);
    snaps_free(&snaps);
    snaps_free(&again);
}

static void test_corrupt_snapshots_change_nothing(void **state)
{
    (void)state;
    snaps_t snaps = {0};
    cw_engine_t *a = cw_engine_new(pack, NULL, NULL);
    cw_engine_track_changes(a);
    apply(a, &before[1], 1);
    cw_engine_drain_changes(a, on_snap, &snaps);
    assert_int_equal(snaps.n, 1);
    cw_engine_t *b = cw_engine_new(pack, NULL, NULL);
    assert_int_equal(cw_engine_restore(b, snaps.snap[0], snaps.len[0], NULL, 0), CW_OK);
    cw_engine_stats_t st0, st;
    cw_engine_get_stats(b, &st0);
    for (size_t cut = 0; cut < snaps.len[0]; cut++) {
        char err[128];
        assert_int_equal(cw_engine_restore(b, snaps.snap[0], cut, err, sizeof(err)), CW_ERR_PARSE);
        cw_engine_get_stats(b, &st);
        assert_int_equal(st.cases, st0.cases);
        assert_int_equal(st.obligations, st0.obligations);
    }
    /* flipped bytes: accepted or rejected, never a crash, still consistent */
    unsigned char *copy = malloc(snaps.len[0]);
    srand(3);
    for (int round = 0; round < 2000; round++) {
        memcpy(copy, snaps.snap[0], snaps.len[0]);
        copy[rand() % snaps.len[0]] ^= (unsigned char)(1 + rand() % 255);
        cw_engine_restore(b, copy, snaps.len[0], NULL, 0);
    }
    cw_engine_advance(b, at("2030-01-01T00:00:00+01:00"));
    free(copy);
    /* the held case is still there after all that */
    int src;
    int64_t off;
    assert_true(cw_engine_case_position(b, "C2", &src, &off));
    cw_engine_destroy(a);
    cw_engine_destroy(b);
    snaps_free(&snaps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restored_engine_continues_identically),
        cmocka_unit_test(test_corrupt_snapshots_change_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
