/* cw_snapshot_summary: the read-only view of changelog snapshots. Snapshots
 * are made by a real engine; then every truncation, lying counts and
 * random mutations must be refused or read without reading out of bounds
 * (run under ASan in the sanitizer build). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "engine/engine.h"
#include "engine/snapshot_view.h"

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

static cw_event_t make(cw_event_type_t type, const char *id, const char *time)
{
    cw_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.time = at(time);
    snprintf(ev.id, sizeof(ev.id), "%s", id);
    snprintf(ev.subject, sizeof(ev.subject), "C-2025-17");
    snprintf(ev.municipality, sizeof(ev.municipality), "1480");
    snprintf(ev.unit, sizeof(ev.unit), "Barn och unga Hisingen");
    snprintf(ev.caseworker, sizeof(ev.caseworker), "hl-0042");
    return ev;
}

typedef struct {
    unsigned char *snap;
    size_t len;
    int n;
} capture_t;

static void on_snapshot(const char *case_id, const void *snap, size_t len, void *opaque)
{
    capture_t *c = opaque;
    (void)case_id;
    free(c->snap);
    c->snap = NULL;
    c->len = len;
    c->n++;
    if (snap) {
        c->snap = cw_malloc(len);
        memcpy(c->snap, snap, len);
    }
}

/* A case with a report (two obligations), then the preassessment breached. */
static capture_t snapshot_of_case(bool close)
{
    cw_engine_t *e = cw_engine_new(pack, NULL, NULL);
    cw_engine_track_changes(e);
    bool dup;
    cw_reject_t rej;
    cw_event_t ev = make(CW_EV_REPORT_RECEIVED, "e1", "2025-06-02T09:00:00+02:00");
    snprintf(ev.report_id, sizeof(ev.report_id), "R1");
    snprintf(ev.child, sizeof(ev.child), "B1");
    assert_int_equal(cw_engine_apply(e, &ev, ev.time, &dup, &rej), CW_REJ_NONE);
    cw_event_t pa = make(CW_EV_PROTECTION_ASSESSED, "e2", "2025-06-02T10:00:00+02:00");
    snprintf(pa.report_id, sizeof(pa.report_id), "R1");
    assert_int_equal(cw_engine_apply(e, &pa, pa.time, &dup, &rej), CW_REJ_NONE);
    cw_engine_advance(e, at("2025-06-18T00:00:00+02:00"));
    if (close) {
        cw_event_t cl = make(CW_EV_CASE_CLOSED, "e3", "2025-06-20T10:00:00+02:00");
        assert_int_equal(cw_engine_apply(e, &cl, cl.time, &dup, &rej), CW_REJ_NONE);
    }
    capture_t c = {0};
    cw_engine_drain_changes(e, on_snapshot, &c);
    cw_engine_destroy(e);
    return c;
}

static void test_summary_of_a_real_snapshot(void **state)
{
    (void)state;
    capture_t c = snapshot_of_case(false);
    assert_int_equal(c.n, 1);
    assert_non_null(c.snap);
    cw_snapshot_summary_t s;
    char err[128];
    assert_int_equal(cw_snapshot_summary(c.snap, c.len, &s, err, sizeof(err)), CW_OK);
    assert_string_equal(s.id, "C-2025-17");
    assert_string_equal(s.municipality, "1480");
    assert_string_equal(s.unit, "Barn och unga Hisingen");
    assert_string_equal(s.caseworker, "hl-0042");
    assert_false(s.closed);
    assert_int_equal(s.n_obligations, 1); /* the protection assessment was done */
    const cw_snapshot_obligation_t *ob = &s.obligations[0];
    assert_string_equal(ob->rule, "preassessment_14d");
    assert_string_equal(ob->subject, "report:R1");
    char d[CW_DATE_STR_SIZE];
    assert_string_equal(cw_date_format(ob->start, d), "2025-06-02");
    assert_string_equal(cw_date_format(ob->due, d), "2025-06-16");
    assert_int_equal(ob->phase, CW_SNAP_PHASE_BREACHED);
    cw_snapshot_summary_free(&s);
    free(c.snap);
}

static void test_closed_case(void **state)
{
    (void)state;
    capture_t c = snapshot_of_case(true);
    assert_int_equal(c.n, 1);
    /* closed with nothing open: the processor writes a tombstone */
    assert_null(c.snap);
    assert_int_equal(c.len, 0);
    cw_snapshot_summary_t s;
    assert_int_equal(cw_snapshot_summary(NULL, 0, &s, NULL, 0), CW_ERR_PARSE);
    assert_int_equal(s.n_obligations, 0);
    assert_null(s.obligations);
}

static void test_every_truncation_is_refused(void **state)
{
    (void)state;
    capture_t c = snapshot_of_case(false);
    for (size_t len = 0; len < c.len; len++) {
        unsigned char *copy = cw_malloc(len ? len : 1); /* exact size: ASan sees overreads */
        memcpy(copy, c.snap, len);
        cw_snapshot_summary_t s;
        assert_int_equal(cw_snapshot_summary(copy, len, &s, NULL, 0), CW_ERR_PARSE);
        assert_null(s.obligations);
        free(copy);
    }
    /* trailing bytes too */
    unsigned char *longer = cw_malloc(c.len + 1);
    memcpy(longer, c.snap, c.len);
    longer[c.len] = 0;
    cw_snapshot_summary_t s;
    assert_int_equal(cw_snapshot_summary(longer, c.len + 1, &s, NULL, 0), CW_ERR_PARSE);
    free(longer);
    free(c.snap);
}

static void test_lying_counts_and_mutations(void **state)
{
    (void)state;
    capture_t c = snapshot_of_case(false);
    unsigned char *m = cw_malloc(c.len);
    /* header + empty id: refused */
    unsigned char empty[] = {'C', 'W', 'S', 1, 0, 0};
    cw_snapshot_summary_t s;
    assert_int_equal(cw_snapshot_summary(empty, sizeof(empty), &s, NULL, 0), CW_ERR_PARSE);
    /* every single byte set to each of a few values, and random mutations */
    static const unsigned char vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    size_t ok = 0;
    for (size_t i = 0; i < c.len; i++) {
        for (size_t v = 0; v < sizeof(vals); v++) {
            memcpy(m, c.snap, c.len);
            m[i] = vals[v];
            if (cw_snapshot_summary(m, c.len, &s, NULL, 0) == CW_OK) {
                ok++;
                for (size_t k = 0; k < s.n_obligations; k++)
                    assert_true(strlen(s.obligations[k].subject) <= CW_SUBJECT_MAX);
            }
            cw_snapshot_summary_free(&s);
        }
    }
    assert_true(ok > 0); /* dates and flags may take any value */
    unsigned seed = 7;
    for (int round = 0; round < 20000; round++) {
        memcpy(m, c.snap, c.len);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            m[(seed >> 8) % c.len] = (unsigned char)(seed >> 20);
        }
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 8) % 4 == 0 ? (seed >> 12) % c.len : c.len;
        if (cw_snapshot_summary(m, len, &s, NULL, 0) == CW_OK)
            assert_true(s.id[0] != '\0');
        cw_snapshot_summary_free(&s);
    }
    free(m);
    free(c.snap);
}

/* Clock records: what is written reads back equal; every truncation, a
 * trailing byte and a lying topic count are refused; the key cannot be a
 * case id's. */
static void test_clock_record(void **state)
{
    (void)state;
    cw_clock_record_t c = {.stream_time = at("2025-03-30T02:30:00+01:00"), .n = 2};
    snprintf(c.inputs[0].topic, sizeof(c.inputs[0].topic), "case-events");
    c.inputs[0].next_offset = 1234567890123LL;
    snprintf(c.inputs[1].topic, sizeof(c.inputs[1].topic), "case-events-b");
    c.inputs[1].next_offset = -1;
    unsigned char buf[CW_CLOCK_RECORD_MAX + 1];
    size_t len = cw_clock_record_write(&c, buf);
    assert_int_equal(len, 4 + 8 + 1 + (2 + 11 + 8) + (2 + 13 + 8));
    cw_clock_record_t r;
    assert_int_equal(cw_clock_record_read(buf, len, &r, NULL, 0), CW_OK);
    assert_true(r.stream_time == c.stream_time);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.inputs[0].topic, "case-events");
    assert_true(r.inputs[0].next_offset == 1234567890123LL);
    assert_string_equal(r.inputs[1].topic, "case-events-b");
    assert_true(r.inputs[1].next_offset == -1);
    for (size_t n = 0; n < len; n++)
        assert_int_equal(cw_clock_record_read(buf, n, &r, NULL, 0), CW_ERR_PARSE);
    buf[len] = 0;
    assert_int_equal(cw_clock_record_read(buf, len + 1, &r, NULL, 0), CW_ERR_PARSE);
    buf[12] = CW_CLOCK_TOPICS_MAX + 1; /* topic count */
    assert_int_equal(cw_clock_record_read(buf, len, &r, NULL, 0), CW_ERR_PARSE);
    assert_int_equal(r.n, 0);
    /* a snapshot is not a clock record, nor the reverse */
    capture_t snap = snapshot_of_case(false);
    assert_int_equal(cw_clock_record_read(snap.snap, snap.len, &r, NULL, 0), CW_ERR_PARSE);
    cw_snapshot_summary_t s;
    len = cw_clock_record_write(&c, buf);
    assert_int_equal(cw_snapshot_summary(buf, len, &s, NULL, 0), CW_ERR_PARSE);
    free(snap.snap);
    /* keys */
    char key[CW_CLOCK_KEY_MAX];
    size_t kl = cw_clock_key(31, key);
    assert_int_equal(kl, 9);
    assert_memory_equal(key, "\0clock/31", 9);
    assert_true(cw_clock_is_key(key, kl));
    assert_false(cw_clock_is_key("clock/31", 8));
    assert_false(cw_clock_is_key(key, CW_CLOCK_KEY_PREFIX_LEN)); /* no partition */
    assert_false(cw_clock_is_key(NULL, 0));
    assert_false(cw_clock_is_key("C-0000001", 9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_of_a_real_snapshot),
        cmocka_unit_test(test_closed_case),
        cmocka_unit_test(test_every_truncation_is_refused),
        cmocka_unit_test(test_lying_counts_and_mutations),
        cmocka_unit_test(test_clock_record),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
