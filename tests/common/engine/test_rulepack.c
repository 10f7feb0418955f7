/* The rule pack: the default pack loads with every contract rule id, and
 * each kind of mistake in a pack is an error that names the rule and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "engine/rulepack.h"

extern const char cw_rulepack_default_json[];
extern const size_t cw_rulepack_default_json_len;

static int setup(void **state)
{
    (void)state;
    char err[256];
    return cw_time_init(NULL, err, sizeof(err)) == CW_OK ? 0 : -1;
}

/* EVENTS.md §3: the ids are part of the contract. */
static const char *const contract_ids[] = {"protection_assessment_immediate",
                                           "preassessment_14d",
                                           "violence_report_investigation",
                                           "investigation_4_months",
                                           "child_heard_before_conclusion",
                                           "violence_risk_before_conclusion",
                                           "followup_closed_investigation",
                                           "followup_ended_placement",
                                           "care_plan_at_placement",
                                           "care_plan_revision_2_years",
                                           "placed_child_visits",
                                           "sol_reconsideration_6_months",
                                           "lvu2_reconsideration_6_months",
                                           "lvu3_review_6_months",
                                           "custody_transfer_consideration",
                                           "moving_ban_consideration",
                                           "contact_restriction_review_3_months",
                                           "post_lvu_care_followup_start",
                                           "post_lvu_care_followup_6_months",
                                           "lvu_emergency_court_submission_1_week",
                                           "lvu_care_application_4_weeks"};

static void test_default_pack_has_contract_rules(void **state)
{
    (void)state;
    cw_rulepack_t *pack;
    char err[512] = "";
    assert_int_equal(cw_rulepack_load_default(&pack, err, sizeof(err)), CW_OK);
    size_t n = sizeof(contract_ids) / sizeof(contract_ids[0]);
    assert_int_equal(pack->n_rules, n);
    for (size_t i = 0; i < n; i++) {
        const cw_rule_t *r = cw_rulepack_find(pack, contract_ids[i]);
        assert_non_null(r);
        assert_true(r->n_refs > 0);
    }
    assert_int_equal(pack->genast_cutoff_sec, 16 * 3600);
    /* Severities of EVENTS.md §3 (a sample of each level). */
    assert_int_equal(cw_rulepack_find(pack, "protection_assessment_immediate")->severity,
                     CW_SEV_CRITICAL);
    assert_int_equal(cw_rulepack_find(pack, "investigation_4_months")->severity, CW_SEV_HIGH);
    assert_int_equal(cw_rulepack_find(pack, "care_plan_at_placement")->severity, CW_SEV_MEDIUM);
    assert_int_equal(cw_rulepack_find(pack, "placed_child_visits")->severity, CW_SEV_LOW);
    /* Roll-forward flags of §3. */
    assert_false(cw_rulepack_find(pack, "care_plan_at_placement")->roll_forward);
    assert_true(cw_rulepack_find(pack, "preassessment_14d")->roll_forward);
    assert_false(cw_rulepack_find(pack, "post_lvu_care_followup_start")->roll_forward);
    /* The follow-up cap changed with SoL 2025:400: chosen by start date. */
    const cw_rule_t *f = cw_rulepack_find(pack, "followup_closed_investigation");
    const cw_deadline_t *d1 = cw_rule_deadline_for(f, cw_date_from_ymd(2025, 6, 30));
    const cw_deadline_t *d2 = cw_rule_deadline_for(f, cw_date_from_ymd(2025, 7, 1));
    assert_non_null(d1);
    assert_non_null(d2);
    assert_int_equal(d1->period.n, 2);
    assert_int_equal(d1->period.unit, CW_PERIOD_MONTHS);
    assert_int_equal(d2->period.n, 6);
    /* Custody transfer: 3 years before 2022-07-01, 2 years from then. */
    const cw_rule_t *ct = cw_rulepack_find(pack, "custody_transfer_consideration");
    assert_int_equal(cw_rule_deadline_for(ct, cw_date_from_ymd(2022, 6, 30))->period.n, 3);
    assert_int_equal(cw_rule_deadline_for(ct, cw_date_from_ymd(2022, 7, 1))->period.n, 2);
    assert_int_equal(cw_rule_deadline_for(ct, cw_date_from_ymd(2022, 7, 1))->repeat.n, 1);
    /* Every event type that matters to preassessment_14d dispatches to it. */
    size_t hits = 0;
    for (size_t i = 0; i < pack->n_dispatch[CW_EV_REPORT_JOINED]; i++)
        if (strcmp(pack->dispatch[CW_EV_REPORT_JOINED][i].rule->id, "preassessment_14d") == 0)
            hits++;
    assert_int_equal(hits, 1);
    cw_rulepack_destroy(pack);
}

/* Loads the default pack with one rule (by id) edited by fn; returns the
 * loader's error text in err ("" on success). */
typedef void (*edit_fn)(json_t *rule);

static cw_err_t load_edited(const char *rule_id, edit_fn fn, char *err, size_t err_size)
{
    json_t *j = json_loadb(cw_rulepack_default_json, cw_rulepack_default_json_len, 0, NULL);
    assert_non_null(j);
    size_t i;
    json_t *rule;
    json_array_foreach(json_object_get(j, "rules"), i, rule)
    {
        if (strcmp(json_string_value(json_object_get(rule, "id")), rule_id) == 0)
            fn(rule);
    }
    char *text = json_dumps(j, 0);
    json_decref(j);
    cw_rulepack_t *pack = NULL;
    err[0] = '\0';
    cw_err_t rc = cw_rulepack_load_buffer(text, strlen(text), &pack, err, err_size);
    free(text);
    cw_rulepack_destroy(pack);
    return rc;
}

static void unknown_key(json_t *r)
{
    json_object_set_new(r, "deadlnie", json_array());
}
static void unknown_event(json_t *r)
{
    json_object_set_new(r, "satisfied_by", json_pack("[s]", "investigation.openend"));
}
static void bad_duration(json_t *r)
{
    json_object_set_new(r, "deadline", json_pack("[{s:s}]", "period", "14x"));
}
static void zero_duration(json_t *r)
{
    json_object_set_new(r, "deadline", json_pack("[{s:s}]", "period", "0d"));
}
static void no_refs(json_t *r)
{
    json_object_set_new(r, "legal_refs", json_array());
}
static void bad_placeholder(json_t *r)
{
    json_object_set_new(r, "title_sv", json_string("{dew}"));
}
static void bad_anchor(json_t *r)
{
    json_object_set_new(r, "anchor", json_string("ended"));
}
static void bad_severity(json_t *r)
{
    json_object_set_new(r, "severity", json_string("urgent"));
}
static void duplicate_id(json_t *r)
{
    json_object_set_new(r, "id", json_string("investigation_4_months"));
}
static void overlap(json_t *r)
{
    json_object_set_new(r, "deadline",
                        json_pack("[{s:s,s:s},{s:s,s:s}]", "to", "2025-07-01", "period", "2m",
                                  "from", "2025-07-01", "period", "6m"));
}
static void no_repeat(json_t *r)
{
    json_object_set_new(r, "deadline", json_pack("[{s:s}]", "period", "6m"));
}
static void bad_extender(json_t *r)
{
    json_object_set_new(r, "extended_by", json_string("report.joined"));
}
static void bad_condition(json_t *r)
{
    json_object_set_new(
        r, "trigger",
        json_pack("[{s:s,s:{s:s}}]", "event", "placement.started", "when", "basis", "lvu_4"));
}
static void wrong_subject(json_t *r)
{
    json_object_set_new(r, "satisfied_by", json_pack("[s]", "care.reviewed"));
}
static void bad_warn(json_t *r)
{
    json_object_set_new(r, "warn_days", json_integer(-3));
}

static void expect_error(const char *rule, edit_fn fn, const char *fragment)
{
    char err[512];
    assert_int_not_equal(load_edited(rule, fn, err, sizeof(err)), CW_OK);
    char want_rule[128];
    snprintf(want_rule, sizeof(want_rule), "rule \"%s\"",
             fn == duplicate_id ? "investigation_4_months" : rule);
    if (!strstr(err, want_rule) || !strstr(err, fragment))
        fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", err, want_rule, fragment);
}

static void test_validation_errors_name_rule_and_key(void **state)
{
    (void)state;
    expect_error("preassessment_14d", unknown_key, "unknown key \"deadlnie\"");
    expect_error("preassessment_14d", unknown_event,
                 "unknown event type \"investigation.openend\"");
    expect_error("preassessment_14d", bad_duration, "deadline[0].period: bad duration");
    expect_error("preassessment_14d", zero_duration, "bad duration");
    expect_error("preassessment_14d", no_refs, "legal_refs");
    expect_error("preassessment_14d", bad_placeholder, "unknown placeholder \"{dew}\"");
    expect_error("preassessment_14d", bad_anchor,
                 "anchor \"ended\" does not fit subject \"report\"");
    expect_error("preassessment_14d", bad_severity, "severity");
    expect_error("preassessment_14d", bad_extender, "extended_by");
    expect_error("preassessment_14d", bad_warn, "warn_days");
    expect_error("child_heard_before_conclusion", duplicate_id, "duplicate rule id");
    expect_error("followup_closed_investigation", overlap, "overlaps");
    expect_error("sol_reconsideration_6_months", no_repeat, "repeat");
    expect_error("sol_reconsideration_6_months", bad_condition, "basis: unknown value");
    expect_error("preassessment_14d", wrong_subject, "never refers to a report");
}

static void test_bad_json_and_missing_file(void **state)
{
    (void)state;
    cw_rulepack_t *pack = NULL;
    char err[512];
    assert_int_equal(cw_rulepack_load_buffer("{\"pack\": ", 9, &pack, err, sizeof(err)),
                     CW_ERR_PARSE);
    assert_non_null(strstr(err, "line 1"));
    assert_null(pack);
    assert_int_equal(cw_rulepack_load_file("/nonexistent/pack.json", &pack, err, sizeof(err)),
                     CW_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/pack.json"));
    assert_int_equal(cw_rulepack_load_buffer("[]", 2, &pack, err, sizeof(err)), CW_ERR_CONFIG);
}

static void test_template_render(void **state)
{
    (void)state;
    cw_template_var_t vars[] = {{"due", "2025-06-23"}, {"subject_id", "R1"}};
    char out[64];
    cw_template_render("Due {due} for {subject_id}; {unknown} stays", vars, 2, out, sizeof(out));
    assert_string_equal(out, "Due 2025-06-23 for R1; {unknown} stays");
    char small[8];
    cw_template_render("{due}", vars, 2, small, sizeof(small));
    assert_string_equal(small, "2025-06"); /* truncated, still terminated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_pack_has_contract_rules),
        cmocka_unit_test(test_validation_errors_name_rule_and_key),
        cmocka_unit_test(test_bad_json_and_missing_file),
        cmocka_unit_test(test_template_render),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
