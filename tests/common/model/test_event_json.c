#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/event.h"
#include "model/event_json.h"
#include "model/reject.h"

/* ---- helpers ---- */

static void check_contains(const char *hay, const char *needle, const char *file, int line)
{
    if (!hay || !strstr(hay, needle)) {
        print_error("\"%s\" does not contain \"%s\"\n", hay ? hay : "(null)", needle);
        _fail(file, line);
    }
}

static void check_lacks(const char *hay, const char *needle, const char *file, int line)
{
    if (strstr(hay, needle)) {
        print_error("\"%s\" contains \"%s\"\n", hay, needle);
        _fail(file, line);
    }
}

#define assert_contains(hay, needle) check_contains((hay), (needle), __FILE__, __LINE__)
#define assert_lacks(hay, needle)    check_lacks((hay), (needle), __FILE__, __LINE__)

static void check_code(cw_reject_code_t got, cw_reject_code_t want, const char *detail,
                       const char *what, const char *file, int line)
{
    if (got != want) {
        print_error("%s: got %s (%s), want %s\n", what ? what : "", cw_reject_code_name(got),
                    detail, cw_reject_code_name(want));
        _fail(file, line);
    }
}

#define assert_code(got, want, rej, what)                                                          \
    check_code((got), (want), (rej).detail, (what), __FILE__, __LINE__)

/* Is code one the decoder may produce? */
static bool decoder_code(cw_reject_code_t c)
{
    return c >= CW_REJ_TOO_LARGE && c <= CW_REJ_BAD_MUNICIPALITY;
}

static int setup(void **state)
{
    char err[256];
    assert_int_equal(cw_time_init(NULL, err, sizeof(err)), CW_OK);
    return 0;
}

static cw_reject_code_t decode_str(const char *text, cw_event_t *ev, cw_reject_t *rej)
{
    return cw_event_from_json(text, strlen(text), ev, rej);
}

/* Decodes a copy of exactly len bytes on the heap (so ASan sees overreads). */
static cw_reject_code_t decode_exact(const char *text, size_t len, cw_event_t *ev, cw_reject_t *rej)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    cw_reject_code_t rc = cw_event_from_json(copy, len, ev, rej);
    free(copy);
    return rc;
}

static char *dump(const json_t *root)
{
    char *s = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(s);
    return s;
}

static cw_reject_code_t decode_json(const json_t *root, cw_event_t *ev, cw_reject_t *rej)
{
    char *s = dump(root);
    cw_reject_code_t rc = decode_exact(s, strlen(s), ev, rej);
    free(s);
    return rc;
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j) {
        print_error("test JSON does not parse: %s: %s\n", text, err.text);
        fail();
    }
    return j;
}

/* Sets (value JSON text) or deletes (NULL) "key" or "data.key" in root. */
static void mutate(json_t *root, const char *path, const char *value)
{
    json_t *obj = root;
    if (strncmp(path, "data.", 5) == 0) {
        obj = json_object_get(root, "data");
        assert_true(json_is_object(obj));
        path += 5;
    }
    if (value)
        assert_int_equal(json_object_set_new(obj, path, parse(value)), 0);
    else
        json_object_del(obj, path);
}

static void set_data_string(json_t *root, const char *key, const char *s, size_t len)
{
    json_t *data = json_object_get(root, "data");
    assert_int_equal(json_object_set_new(data, key, json_stringn(s, len)), 0);
}

/* ---- samples: one event of every type, with every field it lists ---- */

#define T_INSTANT  1743298200250LL /* 2025-03-30T03:30:00.250+02:00 */
#define EXEC_AT    1743167100000LL /* 2025-03-28T14:05:00+01:00 */
#define D_20250430 20208
#define D_20250815 20315
#define D_20250502 20210

#define COMMON "\"municipality\":\"1280\",\"unit\":\"Unit A\",\"caseworker\":\"cw-1\""

typedef struct {
    cw_event_type_t type;
    const char *data; /* every field the type lists */
    const char *req;  /* required data fields besides municipality */
    const char *any;  /* at least one of these is required */
} sample_t;

static const sample_t samples[] = {
    {CW_EV_REPORT_RECEIVED,
     "{" COMMON ",\"report_id\":\"R1\",\"child\":\"child-1\",\"violence\":true,"
     "\"reporter\":\"school\",\"child_born\":\"2015-07\"}",
     "report_id child", NULL},
    {CW_EV_PROTECTION_ASSESSED,
     "{" COMMON ",\"report_id\":\"R1\",\"immediate_protection_needed\":false}", "report_id", NULL},
    {CW_EV_PREASSESSMENT_EXTENDED,
     "{" COMMON ",\"report_id\":\"R1\",\"until\":\"2025-04-30\",\"reason\":\"more time\"}",
     "report_id until reason", NULL},
    {CW_EV_REPORT_JOINED, "{" COMMON ",\"report_id\":\"R2\",\"investigation_id\":\"I1\"}",
     "report_id investigation_id", NULL},
    {CW_EV_INVESTIGATION_OPENED,
     "{" COMMON ",\"investigation_id\":\"I1\",\"report_id\":\"R1\",\"violence\":true}",
     "investigation_id", NULL},
    {CW_EV_INVESTIGATION_NOT_OPENED, "{" COMMON ",\"report_id\":\"R1\",\"reason\":\"no need\"}",
     "report_id", NULL},
    {CW_EV_INVESTIGATION_EXTENDED,
     "{" COMMON ",\"investigation_id\":\"I1\",\"until\":\"2025-08-15\","
     "\"reason\":\"s\\u00e4rskilda sk\\u00e4l\"}",
     "investigation_id until reason", NULL},
    {CW_EV_CHILD_HEARD, "{" COMMON ",\"investigation_id\":\"I1\",\"placement_id\":\"P1\"}", "",
     "investigation_id placement_id"},
    {CW_EV_CHILD_NOT_HEARD, "{" COMMON ",\"investigation_id\":\"I1\",\"reason\":\"too young\"}",
     "investigation_id reason", NULL},
    {CW_EV_VIOLENCE_RISK_ASSESSED, "{" COMMON ",\"investigation_id\":\"I1\"}", "investigation_id",
     NULL},
    {CW_EV_INVESTIGATION_CONCLUDED,
     "{" COMMON ",\"investigation_id\":\"I1\",\"outcome\":\"lvu_application\"}",
     "investigation_id outcome", NULL},
    {CW_EV_FOLLOWUP_DECIDED, "{" COMMON ",\"investigation_id\":\"I1\",\"placement_id\":\"P1\"}", "",
     "investigation_id placement_id"},
    {CW_EV_FOLLOWUP_CONCLUDED, "{" COMMON ",\"investigation_id\":\"I1\",\"placement_id\":\"P1\"}",
     "", "investigation_id placement_id"},
    {CW_EV_PLACEMENT_STARTED,
     "{" COMMON ",\"placement_id\":\"P1\",\"basis\":\"lvu_2\",\"setting\":\"hvb\","
     "\"home_id\":\"H1\",\"child_born\":\"2010-12\"}",
     "placement_id basis setting", NULL},
    {CW_EV_PLACEMENT_HOME_CHANGED,
     "{" COMMON ",\"placement_id\":\"P1\",\"home_id\":\"H2\",\"setting\":\"kinship_home\"}",
     "placement_id home_id", NULL},
    {CW_EV_CARE_PLAN_ESTABLISHED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id", NULL},
    {CW_EV_CARE_PLAN_REVISED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id", NULL},
    {CW_EV_IMPLEMENTATION_PLAN_ESTABLISHED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id",
     NULL},
    {CW_EV_CHILD_VISITED, "{" COMMON ",\"placement_id\":\"P1\",\"private_talk\":false}",
     "placement_id", NULL},
    {CW_EV_CARE_RECONSIDERED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id", NULL},
    {CW_EV_CARE_REVIEWED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id", NULL},
    {CW_EV_CUSTODY_TRANSFER_CONSIDERED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id",
     NULL},
    {CW_EV_CONTACT_RESTRICTION_DECIDED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id",
     NULL},
    {CW_EV_CONTACT_RESTRICTION_RECONSIDERED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id",
     NULL},
    {CW_EV_CONTACT_RESTRICTION_LIFTED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id",
     NULL},
    {CW_EV_MOVING_BAN_CONSIDERED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id", NULL},
    {CW_EV_PLACEMENT_ENDED, "{" COMMON ",\"placement_id\":\"P1\",\"reason\":\"turned_18\"}",
     "placement_id", NULL},
    {CW_EV_POST_CARE_FOLLOWUP_STARTED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id",
     NULL},
    {CW_EV_POST_CARE_FOLLOWUP_CONCLUDED, "{" COMMON ",\"placement_id\":\"P1\"}", "placement_id",
     NULL},
    {CW_EV_LVU_EMERGENCY_CUSTODY,
     "{" COMMON ",\"order_id\":\"O1\",\"executed_at\":\"2025-03-28T14:05:00+01:00\"}", "order_id",
     NULL},
    {CW_EV_LVU_SUBMITTED_TO_COURT, "{" COMMON ",\"order_id\":\"O1\"}", "order_id", NULL},
    {CW_EV_LVU_CARE_APPLIED, "{" COMMON ",\"order_id\":\"O1\"}", "order_id", NULL},
    {CW_EV_LVU_APPLICATION_EXTENDED, "{" COMMON ",\"order_id\":\"O1\",\"until\":\"2025-05-02\"}",
     "order_id until", NULL},
    {CW_EV_LVU_EMERGENCY_CUSTODY_ENDED, "{" COMMON ",\"order_id\":\"O1\"}", "order_id", NULL},
    {CW_EV_CASE_TRANSFERRED, "{" COMMON ",\"to_municipality\":\"0180\"}", "to_municipality", NULL},
    {CW_EV_CASE_CLOSED, "{" COMMON "}", "", NULL},
};

#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

/* The full sample of type t as a JSON object (new reference). */
static json_t *sample_json(cw_event_type_t t)
{
    assert_int_equal(N_SAMPLES, CW_EV__COUNT);
    assert_int_equal(samples[t].type, t);
    char type[128];
    snprintf(type, sizeof(type), "se.casewatch.%s", cw_event_type_name(t));
    json_t *root = json_object();
    json_object_set_new(root, "specversion", json_string("1.0"));
    json_object_set_new(root, "id", json_string("ev-1"));
    json_object_set_new(root, "source", json_string("/test/casewatch"));
    json_object_set_new(root, "type", json_string(type));
    json_object_set_new(root, "time", json_string("2025-03-30T03:30:00.250+02:00"));
    json_object_set_new(root, "subject", json_string("case-1"));
    json_object_set_new(root, "datacontenttype", json_string("application/json"));
    json_object_set_new(root, "data", parse(samples[t].data));
    return root;
}

/* The full sample of type t as compact text (free()). */
static char *sample_text(cw_event_type_t t)
{
    json_t *root = sample_json(t);
    char *s = dump(root);
    json_decref(root);
    return s;
}

/* What the full sample of type t decodes to. */
static void expected(cw_event_type_t t, cw_event_t *e)
{
    cw_event_clear(e);
    e->type = t;
    e->time = T_INSTANT;
    strcpy(e->id, "ev-1");
    strcpy(e->source, "/test/casewatch");
    strcpy(e->subject, "case-1");
    strcpy(e->municipality, "1280");
    strcpy(e->unit, "Unit A");
    strcpy(e->caseworker, "cw-1");
    switch (t) {
    case CW_EV_REPORT_RECEIVED:
        strcpy(e->report_id, "R1");
        strcpy(e->child, "child-1");
        e->violence = CW_TRI_TRUE;
        e->reporter = CW_REPORTER_SCHOOL;
        e->present = CW_F_CHILD_BORN;
        e->born_year = 2015;
        e->born_month = 7;
        break;
    case CW_EV_PROTECTION_ASSESSED:
        strcpy(e->report_id, "R1");
        e->immediate_protection_needed = CW_TRI_FALSE;
        break;
    case CW_EV_PREASSESSMENT_EXTENDED:
        strcpy(e->report_id, "R1");
        strcpy(e->reason, "more time");
        e->present = CW_F_UNTIL;
        e->until = D_20250430;
        break;
    case CW_EV_REPORT_JOINED:
        strcpy(e->report_id, "R2");
        strcpy(e->investigation_id, "I1");
        break;
    case CW_EV_INVESTIGATION_OPENED:
        strcpy(e->investigation_id, "I1");
        strcpy(e->report_id, "R1");
        e->violence = CW_TRI_TRUE;
        break;
    case CW_EV_INVESTIGATION_NOT_OPENED:
        strcpy(e->report_id, "R1");
        strcpy(e->reason, "no need");
        break;
    case CW_EV_INVESTIGATION_EXTENDED:
        strcpy(e->investigation_id, "I1");
        strcpy(e->reason, "s\xc3\xa4rskilda sk\xc3\xa4l");
        e->present = CW_F_UNTIL;
        e->until = D_20250815;
        break;
    case CW_EV_CHILD_HEARD:
    case CW_EV_FOLLOWUP_DECIDED:
    case CW_EV_FOLLOWUP_CONCLUDED:
        strcpy(e->investigation_id, "I1");
        strcpy(e->placement_id, "P1");
        break;
    case CW_EV_CHILD_NOT_HEARD:
        strcpy(e->investigation_id, "I1");
        strcpy(e->reason, "too young");
        break;
    case CW_EV_VIOLENCE_RISK_ASSESSED:
        strcpy(e->investigation_id, "I1");
        break;
    case CW_EV_INVESTIGATION_CONCLUDED:
        strcpy(e->investigation_id, "I1");
        e->outcome = CW_OUTCOME_LVU_APPLICATION;
        break;
    case CW_EV_PLACEMENT_STARTED:
        strcpy(e->placement_id, "P1");
        e->basis = CW_BASIS_LVU_2;
        e->setting = CW_SETTING_HVB;
        strcpy(e->home_id, "H1");
        e->present = CW_F_CHILD_BORN;
        e->born_year = 2010;
        e->born_month = 12;
        break;
    case CW_EV_PLACEMENT_HOME_CHANGED:
        strcpy(e->placement_id, "P1");
        strcpy(e->home_id, "H2");
        e->setting = CW_SETTING_KINSHIP_HOME;
        break;
    case CW_EV_CHILD_VISITED:
        strcpy(e->placement_id, "P1");
        e->private_talk = CW_TRI_FALSE;
        break;
    case CW_EV_CARE_PLAN_ESTABLISHED:
    case CW_EV_CARE_PLAN_REVISED:
    case CW_EV_IMPLEMENTATION_PLAN_ESTABLISHED:
    case CW_EV_CARE_RECONSIDERED:
    case CW_EV_CARE_REVIEWED:
    case CW_EV_CUSTODY_TRANSFER_CONSIDERED:
    case CW_EV_CONTACT_RESTRICTION_DECIDED:
    case CW_EV_CONTACT_RESTRICTION_RECONSIDERED:
    case CW_EV_CONTACT_RESTRICTION_LIFTED:
    case CW_EV_MOVING_BAN_CONSIDERED:
    case CW_EV_POST_CARE_FOLLOWUP_STARTED:
    case CW_EV_POST_CARE_FOLLOWUP_CONCLUDED:
        strcpy(e->placement_id, "P1");
        break;
    case CW_EV_PLACEMENT_ENDED:
        strcpy(e->placement_id, "P1");
        e->end_reason = CW_END_TURNED_18;
        break;
    case CW_EV_LVU_EMERGENCY_CUSTODY:
        strcpy(e->order_id, "O1");
        e->present = CW_F_EXECUTED_AT;
        e->executed_at = EXEC_AT;
        break;
    case CW_EV_LVU_SUBMITTED_TO_COURT:
    case CW_EV_LVU_CARE_APPLIED:
    case CW_EV_LVU_EMERGENCY_CUSTODY_ENDED:
        strcpy(e->order_id, "O1");
        break;
    case CW_EV_LVU_APPLICATION_EXTENDED:
        strcpy(e->order_id, "O1");
        e->present = CW_F_UNTIL;
        e->until = D_20250502;
        break;
    case CW_EV_CASE_TRANSFERRED:
        strcpy(e->to_municipality, "0180");
        break;
    case CW_EV_CASE_CLOSED:
    case CW_EV__COUNT:
        break;
    }
}

/* Marks data field `name` of an event of type t absent in e. */
static void clear_field(cw_event_type_t t, cw_event_t *e, const char *name)
{
#define STR_FIELD(f)                                                                               \
    if (strcmp(name, #f) == 0) {                                                                   \
        e->f[0] = '\0';                                                                            \
        return;                                                                                    \
    }
    STR_FIELD(unit)
    STR_FIELD(caseworker)
    STR_FIELD(report_id)
    STR_FIELD(investigation_id)
    STR_FIELD(placement_id)
    STR_FIELD(order_id)
    STR_FIELD(home_id)
    STR_FIELD(child)
    STR_FIELD(municipality)
    STR_FIELD(to_municipality)
#undef STR_FIELD
    if (strcmp(name, "reason") == 0) {
        if (t == CW_EV_PLACEMENT_ENDED)
            e->end_reason = CW_END_NONE;
        else
            e->reason[0] = '\0';
    } else if (strcmp(name, "violence") == 0) {
        e->violence = CW_TRI_UNSET;
    } else if (strcmp(name, "immediate_protection_needed") == 0) {
        e->immediate_protection_needed = CW_TRI_UNSET;
    } else if (strcmp(name, "private_talk") == 0) {
        e->private_talk = CW_TRI_UNSET;
    } else if (strcmp(name, "reporter") == 0) {
        e->reporter = CW_REPORTER_NONE;
    } else if (strcmp(name, "outcome") == 0) {
        e->outcome = CW_OUTCOME_NONE;
    } else if (strcmp(name, "basis") == 0) {
        e->basis = CW_BASIS_NONE;
    } else if (strcmp(name, "setting") == 0) {
        e->setting = CW_SETTING_NONE;
    } else if (strcmp(name, "until") == 0) {
        e->present &= ~(unsigned)CW_F_UNTIL;
        e->until = 0;
    } else if (strcmp(name, "executed_at") == 0) {
        e->present &= ~(unsigned)CW_F_EXECUTED_AT;
        e->executed_at = 0;
    } else if (strcmp(name, "child_born") == 0) {
        e->present &= ~(unsigned)CW_F_CHILD_BORN;
        e->born_year = 0;
        e->born_month = 0;
    } else {
        print_error("clear_field: unknown field %s\n", name);
        fail();
    }
}

/* Is name one of the space-separated words of list? */
static bool in_list(const char *list, const char *name)
{
    if (!list)
        return false;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, " ");
        if (k == n && memcmp(p, name, n) == 0)
            return true;
        p += k;
        p += strspn(p, " ");
    }
    return false;
}

/* The first word of list into buf. */
static const char *first_word(const char *list, char *buf, size_t size)
{
    size_t k = strcspn(list, " ");
    assert_true(k < size);
    memcpy(buf, list, k);
    buf[k] = '\0';
    return buf;
}

/* The minimal sample of type t (municipality, the required fields and the
 * first of an "any" group) and what it decodes to. */
static json_t *minimal_json(cw_event_type_t t, cw_event_t *want)
{
    json_t *root = sample_json(t);
    json_t *data = json_object_get(root, "data");
    expected(t, want);
    char first[64] = "";
    if (samples[t].any)
        first_word(samples[t].any, first, sizeof(first));
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(data, tmp, key, v)
    {
        if (strcmp(key, "municipality") == 0 || in_list(samples[t].req, key) ||
            strcmp(key, first) == 0)
            continue;
        clear_field(t, want, key);
        json_object_del(data, key);
    }
    if (t == CW_EV_REPORT_RECEIVED)
        want->violence = CW_TRI_FALSE; /* the default */
    return root;
}

static void check_event_equal(const cw_event_t *a, const cw_event_t *b, const char *what,
                              const char *file, int line)
{
    int bad = 0;
#define EQ_STR(f)                                                                                  \
    if (strcmp(a->f, b->f) != 0) {                                                                 \
        print_error("%s: " #f ": \"%s\" != \"%s\"\n", what, a->f, b->f);                           \
        bad++;                                                                                     \
    }
#define EQ_INT(f)                                                                                  \
    if ((long long)a->f != (long long)b->f) {                                                      \
        print_error("%s: " #f ": %lld != %lld\n", what, (long long)a->f, (long long)b->f);         \
        bad++;                                                                                     \
    }
    EQ_INT(type)
    EQ_INT(time)
    EQ_STR(id)
    EQ_STR(source)
    EQ_STR(subject)
    EQ_STR(municipality)
    EQ_STR(unit)
    EQ_STR(caseworker)
    EQ_STR(report_id)
    EQ_STR(investigation_id)
    EQ_STR(placement_id)
    EQ_STR(order_id)
    EQ_STR(home_id)
    EQ_STR(child)
    EQ_STR(to_municipality)
    EQ_STR(reason)
    EQ_INT(present)
    EQ_INT(violence)
    EQ_INT(immediate_protection_needed)
    EQ_INT(private_talk)
    EQ_INT(reporter)
    EQ_INT(outcome)
    EQ_INT(basis)
    EQ_INT(setting)
    EQ_INT(end_reason)
    EQ_INT(until)
    EQ_INT(executed_at)
    EQ_INT(born_year)
    EQ_INT(born_month)
#undef EQ_STR
#undef EQ_INT
    if (bad)
        _fail(file, line);
}

#define assert_event_equal(a, b, what) check_event_equal((a), (b), (what), __FILE__, __LINE__)

/* ---- names ---- */

static void test_type_names(void **state)
{
    assert_int_equal(CW_EV__COUNT, 36);
    assert_string_equal(cw_event_type_name(CW_EV_REPORT_RECEIVED), "report.received");
    assert_string_equal(cw_event_type_name(CW_EV_CASE_CLOSED), "case.closed");
    assert_string_equal(cw_event_type_name(CW_EV_LVU_EMERGENCY_CUSTODY_ENDED),
                        "lvu.emergency_custody_ended");
    for (int t = 0; t < CW_EV__COUNT; t++) {
        const char *name = cw_event_type_name((cw_event_type_t)t);
        assert_non_null(name);
        size_t n = strlen(name);
        assert_int_equal(cw_event_type_lookup(name, n), t);
        /* exact length: a prefix or a longer buffer is not the name */
        assert_int_equal(cw_event_type_lookup(name, n - 1), -1);
        char longer[80];
        snprintf(longer, sizeof(longer), "%s.x", name);
        assert_int_equal(cw_event_type_lookup(longer, n + 2), -1);
        assert_int_equal(cw_event_type_lookup(longer, n), t); /* not NUL-terminated there */
        char prefixed[96];
        snprintf(prefixed, sizeof(prefixed), CW_TYPE_PREFIX "%s", name);
        assert_int_equal(cw_event_type_lookup(prefixed, strlen(prefixed)), -1);
        for (int u = 0; u < t; u++)
            assert_string_not_equal(name, cw_event_type_name((cw_event_type_t)u));
    }
    assert_null(cw_event_type_name(CW_EV__COUNT));
    assert_null(cw_event_type_name((cw_event_type_t)-1));
    assert_int_equal(cw_event_type_lookup("", 0), -1);
    assert_int_equal(cw_event_type_lookup(NULL, 0), -1);
    assert_int_equal(cw_event_type_lookup("Report.received", 15), -1);
    assert_int_equal(cw_event_type_lookup("report.receivee", 15), -1);
}

typedef struct {
    const char *(*name)(int v);
    int (*lookup)(const char *s, size_t len);
    int count;
    const char *first, *last;
} enum_case_t;

static const char *reporter_name(int v)
{
    return cw_reporter_name((cw_reporter_t)v);
}
static const char *outcome_name(int v)
{
    return cw_outcome_name((cw_outcome_t)v);
}
static const char *basis_name(int v)
{
    return cw_basis_name((cw_basis_t)v);
}
static const char *setting_name(int v)
{
    return cw_setting_name((cw_setting_t)v);
}
static const char *end_reason_name(int v)
{
    return cw_end_reason_name((cw_end_reason_t)v);
}

static void test_enum_names(void **state)
{
    const enum_case_t cases[] = {
        {reporter_name, cw_reporter_lookup, CW_REPORTER__COUNT, "police", "other"},
        {outcome_name, cw_outcome_lookup, CW_OUTCOME__COUNT, "measures", "transferred"},
        {basis_name, cw_basis_lookup, CW_BASIS__COUNT, "sol", "lvu_3"},
        {setting_name, cw_setting_lookup, CW_SETTING__COUNT, "family_home", "special_youth_home"},
        {end_reason_name, cw_end_reason_lookup, CW_END__COUNT, "care_ended", "other"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const enum_case_t *c = &cases[i];
        assert_null(c->name(0));
        assert_null(c->name(c->count));
        assert_null(c->name(-1));
        assert_string_equal(c->name(1), c->first);
        assert_string_equal(c->name(c->count - 1), c->last);
        for (int v = 1; v < c->count; v++) {
            const char *n = c->name(v);
            assert_non_null(n);
            assert_int_equal(c->lookup(n, strlen(n)), v);
            assert_int_equal(c->lookup(n, strlen(n) - 1), 0);
            char up[64];
            snprintf(up, sizeof(up), "%s", n);
            up[0] = (char)(up[0] - 'a' + 'A');
            assert_int_equal(c->lookup(up, strlen(up)), 0);
        }
        assert_int_equal(c->lookup("", 0), 0);
        assert_int_equal(c->lookup(NULL, 0), 0);
        assert_int_equal(c->lookup("none", 4), 0);
    }
    assert_int_equal(cw_reporter_lookup("policeX", 6), CW_REPORTER_POLICE);
    assert_int_equal(CW_REPORTER__COUNT, 10);
    assert_int_equal(CW_OUTCOME__COUNT, 5);
    assert_int_equal(CW_BASIS__COUNT, 4);
    assert_int_equal(CW_SETTING__COUNT, 7);
    assert_int_equal(CW_END__COUNT, 6);
}

static void test_event_clear(void **state)
{
    cw_event_t ev;
    memset(&ev, 0xA5, sizeof(ev));
    cw_event_clear(&ev);
    assert_string_equal(ev.id, "");
    assert_string_equal(ev.reason, "");
    assert_int_equal(ev.present, 0);
    assert_int_equal(ev.violence, CW_TRI_UNSET);
    assert_int_equal(ev.reporter, CW_REPORTER_NONE);
    assert_int_equal(ev.end_reason, CW_END_NONE);
}

/* ---- valid events ---- */

static void test_every_type_full(void **state)
{
    for (int t = 0; t < CW_EV__COUNT; t++) {
        char *text = sample_text((cw_event_type_t)t);
        cw_event_t ev, want;
        cw_reject_t rej;
        memset(&rej, 0x55, sizeof(rej));
        assert_code(decode_exact(text, strlen(text), &ev, &rej), CW_REJ_NONE, rej, text);
        assert_int_equal(rej.code, CW_REJ_NONE);
        assert_string_equal(rej.detail, "");
        expected((cw_event_type_t)t, &want);
        assert_event_equal(&ev, &want, cw_event_type_name((cw_event_type_t)t));
        free(text);
    }
}

static void test_every_type_minimal(void **state)
{
    for (int t = 0; t < CW_EV__COUNT; t++) {
        cw_event_t ev, want;
        cw_reject_t rej;
        json_t *root = minimal_json((cw_event_type_t)t, &want);
        assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej,
                    cw_event_type_name((cw_event_type_t)t));
        assert_event_equal(&ev, &want, cw_event_type_name((cw_event_type_t)t));
        json_decref(root);
    }
    /* the defaults, spelled out */
    cw_event_t ev, want;
    cw_reject_t rej;
    json_t *root = minimal_json(CW_EV_REPORT_RECEIVED, &want);
    assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej, NULL);
    assert_int_equal(ev.violence, CW_TRI_FALSE);
    assert_int_equal(ev.reporter, CW_REPORTER_NONE);
    assert_int_equal(ev.present, 0);
    assert_string_equal(ev.unit, "");
    assert_string_equal(ev.caseworker, "");
    json_decref(root);
    root = minimal_json(CW_EV_INVESTIGATION_OPENED, &want);
    assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej, NULL);
    assert_int_equal(ev.violence, CW_TRI_UNSET);
    assert_string_equal(ev.report_id, "");
    json_decref(root);
    root = minimal_json(CW_EV_CHILD_VISITED, &want);
    assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej, NULL);
    assert_int_equal(ev.private_talk, CW_TRI_UNSET);
    json_decref(root);
    root = minimal_json(CW_EV_LVU_EMERGENCY_CUSTODY, &want);
    assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej, NULL);
    assert_int_equal(ev.present & CW_F_EXECUTED_AT, 0);
    json_decref(root);
}

/* Time with "Z", other offsets and fractions; rej may be NULL. */
static void test_times(void **state)
{
    static const struct {
        const char *text;
        cw_instant_t want;
    } times[] = {
        {"\"2025-03-30T01:30:00.250Z\"", T_INSTANT},
        {"\"2025-03-30T01:30:00.25z\"", T_INSTANT},
        {"\"2025-03-29T20:30:00.250-05:00\"", T_INSTANT},
        {"\"2025-03-30t03:30:00.2509+02:00\"", T_INSTANT},
        {"\"1970-01-01T00:00:00Z\"", 0},
        {"\"1969-12-31T23:59:59.999Z\"", -1},
    };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        json_t *root = sample_json(CW_EV_CASE_CLOSED);
        mutate(root, "time", times[i].text);
        cw_event_t ev;
        char *s = dump(root);
        assert_int_equal(cw_event_from_json(s, strlen(s), &ev, NULL), CW_REJ_NONE);
        assert_int_equal(ev.time, times[i].want);
        free(s);
        json_decref(root);
    }
    /* executed_at */
    json_t *root = sample_json(CW_EV_LVU_EMERGENCY_CUSTODY);
    mutate(root, "data.executed_at", "\"2025-03-28T13:05:00.5Z\"");
    cw_event_t ev;
    cw_reject_t rej;
    assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej, NULL);
    assert_int_equal(ev.executed_at, EXEC_AT + 500);
    assert_int_equal(ev.present, CW_F_EXECUTED_AT);
    json_decref(root);
}

/* Whitespace around and inside is fine; the size limit is inclusive. */
static void test_whitespace_and_size(void **state)
{
    char *text = sample_text(CW_EV_REPORT_RECEIVED);
    size_t n = strlen(text);
    cw_event_t ev, want;
    cw_reject_t rej;
    expected(CW_EV_REPORT_RECEIVED, &want);

    char *buf = malloc(CW_EVENT_MAX_BYTES + 2);
    assert_non_null(buf);
    /* exactly the limit: accepted */
    memset(buf, ' ', CW_EVENT_MAX_BYTES + 2);
    buf[0] = '\n';
    memcpy(buf + 1, text, n);
    buf[CW_EVENT_MAX_BYTES - 1] = '\t';
    assert_code(cw_event_from_json(buf, CW_EVENT_MAX_BYTES, &ev, &rej), CW_REJ_NONE, rej, NULL);
    assert_event_equal(&ev, &want, "padded");
    /* one more byte: too_large, whatever it holds */
    assert_code(cw_event_from_json(buf, CW_EVENT_MAX_BYTES + 1, &ev, &rej), CW_REJ_TOO_LARGE, rej,
                NULL);
    assert_contains(rej.detail, "65537");
    assert_string_equal(ev.id, "");
    /* a length far beyond the buffer is not read */
    assert_code(cw_event_from_json(text, SIZE_MAX, &ev, &rej), CW_REJ_TOO_LARGE, rej, NULL);
    /* a huge valid-looking event (a long ignored field) */
    json_t *root = sample_json(CW_EV_REPORT_RECEIVED);
    char *big = malloc(CW_EVENT_MAX_BYTES);
    assert_non_null(big);
    memset(big, 'x', CW_EVENT_MAX_BYTES);
    set_data_string(root, "notes", big, CW_EVENT_MAX_BYTES);
    assert_code(decode_json(root, &ev, &rej), CW_REJ_TOO_LARGE, rej, NULL);
    assert_contains(rej.detail, "event");
    json_decref(root);
    free(big);
    free(buf);
    free(text);
}

/* ---- rejections ---- */

#define X16 "xxxxxxxxxxxxxxxx"
#define X64 X16 X16 X16 X16

typedef struct {
    const char *path;  /* "id", "data.report_id" */
    const char *value; /* JSON text; NULL deletes */
    cw_reject_code_t code;
    const char *detail; /* must appear in the detail */
} mut_case_t;

static const mut_case_t mut_cases[] = {
    {"specversion", NULL, CW_REJ_MISSING_ATTRIBUTE, "specversion"},
    {"specversion", "null", CW_REJ_MISSING_ATTRIBUTE, "specversion"},
    {"specversion", "1.0", CW_REJ_BAD_ATTRIBUTE, "specversion"},
    {"specversion", "\"\"", CW_REJ_BAD_ATTRIBUTE, "specversion"},
    {"specversion", "\"1.1\"", CW_REJ_BAD_SPECVERSION, "specversion"},
    {"specversion", "\"1.0 \"", CW_REJ_BAD_SPECVERSION, "specversion"},
    {"specversion", "\"1\"", CW_REJ_BAD_SPECVERSION, "specversion"},
    {"specversion", "\"SECRET\"", CW_REJ_BAD_SPECVERSION, "specversion"},
    {"id", NULL, CW_REJ_MISSING_ATTRIBUTE, "id"},
    {"id", "42", CW_REJ_BAD_ATTRIBUTE, "id"},
    {"id", "\"\"", CW_REJ_BAD_ATTRIBUTE, "id"},
    {"id", "[\"ev-1\"]", CW_REJ_BAD_ATTRIBUTE, "id"},
    {"id", "\"ev\\u0000SECRET\"", CW_REJ_BAD_ATTRIBUTE, "id"},
    {"source", NULL, CW_REJ_MISSING_ATTRIBUTE, "source"},
    {"source", "{}", CW_REJ_BAD_ATTRIBUTE, "source"},
    {"source", "\"\"", CW_REJ_BAD_ATTRIBUTE, "source"},
    {"type", NULL, CW_REJ_MISSING_ATTRIBUTE, "type"},
    {"type", "true", CW_REJ_BAD_ATTRIBUTE, "type"},
    {"type", "\"\"", CW_REJ_BAD_ATTRIBUTE, "type"},
    {"type", "\"se.casewatch.report.SECRET\"", CW_REJ_UNKNOWN_TYPE, "type"},
    {"type", "\"report.received\"", CW_REJ_UNKNOWN_TYPE, "type"},
    {"type", "\"se.casewatch.\"", CW_REJ_UNKNOWN_TYPE, "type"},
    {"type", "\"se.casewatch\"", CW_REJ_UNKNOWN_TYPE, "type"},
    {"type", "\"se.casewatch.report.received \"", CW_REJ_UNKNOWN_TYPE, "type"},
    {"type", "\"se.casewatch.Report.received\"", CW_REJ_UNKNOWN_TYPE, "type"},
    {"type", "\"SE.CASEWATCH.report.received\"", CW_REJ_UNKNOWN_TYPE, "type"},
    {"type", "\"com.example.report.received\"", CW_REJ_UNKNOWN_TYPE, "type"},
    {"type", "\"se.casewatch.report.received\\u0000\"", CW_REJ_BAD_ATTRIBUTE, "type"},
    {"subject", NULL, CW_REJ_MISSING_ATTRIBUTE, "subject"},
    {"subject", "1", CW_REJ_BAD_ATTRIBUTE, "subject"},
    {"subject", "\"\"", CW_REJ_BAD_ATTRIBUTE, "subject"},
    {"time", NULL, CW_REJ_MISSING_ATTRIBUTE, "time"},
    {"time", "1743298200", CW_REJ_BAD_ATTRIBUTE, "time"},
    {"time", "\"2025-03-30T03:30:00\"", CW_REJ_BAD_TIME, "time"},
    {"time", "\"2025-03-30\"", CW_REJ_BAD_TIME, "time"},
    {"time", "\"2025-03-30 03:30:00+02:00\"", CW_REJ_BAD_TIME, "time"},
    {"time", "\"2025-02-29T03:30:00Z\"", CW_REJ_BAD_TIME, "time"},
    {"time", "\"2025-03-30T03:30:00+0200\"", CW_REJ_BAD_TIME, "time"},
    {"time", "\"2025-03-30T03:30:00.Z\"", CW_REJ_BAD_TIME, "time"},
    {"time", "\"SECRET\"", CW_REJ_BAD_TIME, "time"},
    {"data", NULL, CW_REJ_MISSING_DATA, "data"},
    {"data", "null", CW_REJ_MISSING_DATA, "data"},
    {"data", "[]", CW_REJ_MISSING_DATA, "data"},
    {"data", "\"{}\"", CW_REJ_MISSING_DATA, "data"},
    {"data", "42", CW_REJ_MISSING_DATA, "data"},
    {"data.municipality", NULL, CW_REJ_MISSING_FIELD, "data.municipality"},
    {"data.municipality", "null", CW_REJ_MISSING_FIELD, "data.municipality"},
    {"data.municipality", "\"SECRET\"", CW_REJ_BAD_MUNICIPALITY, "data.municipality"},
    {"data.municipality", "1280", CW_REJ_BAD_FIELD, "data.municipality"},
    {"data.report_id", NULL, CW_REJ_MISSING_FIELD, "data.report_id"},
    {"data.child", "null", CW_REJ_MISSING_FIELD, "data.child"},
    {"data.report_id", "17", CW_REJ_BAD_FIELD, "data.report_id"},
    {"data.report_id", "\"\"", CW_REJ_BAD_FIELD, "data.report_id"},
    {"data.report_id", "[\"SECRET\"]", CW_REJ_BAD_FIELD, "data.report_id"},
    {"data.report_id", "\"" X64 "SECRET\"", CW_REJ_FIELD_TOO_LONG, "data.report_id"},
    {"data.child", "\"SE\\u0000CRET\"", CW_REJ_BAD_FIELD, "data.child"},
    {"data.unit", "\"\"", CW_REJ_BAD_FIELD, "data.unit"},
    {"data.unit", "{}", CW_REJ_BAD_FIELD, "data.unit"},
    {"data.caseworker", "false", CW_REJ_BAD_FIELD, "data.caseworker"},
    {"data.violence", "\"true\"", CW_REJ_BAD_FIELD, "data.violence"},
    {"data.violence", "1", CW_REJ_BAD_FIELD, "data.violence"},
    {"data.reporter", "\"SECRET\"", CW_REJ_BAD_FIELD, "data.reporter"},
    {"data.child_born", "\"SECRET\"", CW_REJ_BAD_DATE, "data.child_born"},
    {"data.child_born", "201507", CW_REJ_BAD_FIELD, "data.child_born"},
};

static void test_rejection_codes(void **state)
{
    unsigned seen = 0;
    for (size_t i = 0; i < sizeof(mut_cases) / sizeof(mut_cases[0]); i++) {
        const mut_case_t *c = &mut_cases[i];
        json_t *root = sample_json(CW_EV_REPORT_RECEIVED);
        mutate(root, c->path, c->value);
        cw_event_t ev;
        cw_reject_t rej;
        char what[160];
        snprintf(what, sizeof(what), "%s = %s", c->path, c->value ? c->value : "(deleted)");
        cw_reject_code_t rc = decode_json(root, &ev, &rej);
        assert_code(rc, c->code, rej, what);
        assert_int_equal(rej.code, rc);
        assert_contains(rej.detail, c->detail);
        assert_lacks(rej.detail, "SECRET");
        assert_lacks(rej.detail, "xxxx");
        /* the id is kept unless it is the problem */
        assert_string_equal(ev.id, strcmp(c->path, "id") == 0 ? "" : "ev-1");
        seen |= 1u << rc;
        json_decref(root);
    }

    static const struct {
        const char *text;
        size_t len; /* 0: strlen */
        cw_reject_code_t code;
    } raw[] = {
        {"", 0, CW_REJ_BAD_JSON},
        {"   ", 0, CW_REJ_BAD_JSON},
        {"{", 0, CW_REJ_BAD_JSON},
        {"{\"id\":\"e1\"} x", 0, CW_REJ_BAD_JSON},
        {"{\"id\":\"e1\"}{}", 0, CW_REJ_BAD_JSON},
        {"{\"id\":\"e1\"}\0", 12, CW_REJ_BAD_JSON},
        {"{\"id\":\"e\0\"}", 11, CW_REJ_BAD_JSON},
        {"\xff\xfe{}", 0, CW_REJ_BAD_JSON},
        {"\xef\xbb\xbf{}", 0, CW_REJ_BAD_JSON},
        {"{\"id\":\"\xc3\x28\"}", 0, CW_REJ_BAD_JSON},
        {"{\"id\":\"e1\",\"id\":\"e2\"}", 0, CW_REJ_BAD_JSON},
        {"{\"data\":{\"a\":1,\"a\":1}}", 0, CW_REJ_BAD_JSON},
        {"{'id':'e1'}", 0, CW_REJ_BAD_JSON},
        {"{\"id\":\"e1\",}", 0, CW_REJ_BAD_JSON},
        {"{\"id\":NaN}", 0, CW_REJ_BAD_JSON},
        {"{\"x\":1e999}", 0, CW_REJ_BAD_JSON},
        {"{\"a\\u0000b\":1}", 0, CW_REJ_BAD_JSON},
        {"[]", 0, CW_REJ_NOT_OBJECT},
        {"[{}]", 0, CW_REJ_NOT_OBJECT},
        {"42", 0, CW_REJ_NOT_OBJECT},
        {"\"{}\"", 0, CW_REJ_NOT_OBJECT},
        {"null", 0, CW_REJ_NOT_OBJECT},
        {" true ", 0, CW_REJ_NOT_OBJECT},
        {"{}", 0, CW_REJ_MISSING_ATTRIBUTE},
    };
    for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
        cw_event_t ev;
        cw_reject_t rej;
        size_t len = raw[i].len ? raw[i].len : strlen(raw[i].text);
        cw_reject_code_t rc = decode_exact(raw[i].text, len, &ev, &rej);
        assert_code(rc, raw[i].code, rej, raw[i].text);
        assert_contains(rej.detail, rc == CW_REJ_MISSING_ATTRIBUTE ? "id" : "event");
        assert_string_equal(ev.id, "");
        seen |= 1u << rc;
    }
    /* NULL buffer */
    cw_event_t ev;
    cw_reject_t rej;
    assert_code(cw_event_from_json(NULL, 0, &ev, &rej), CW_REJ_BAD_JSON, rej, NULL);

    /* bad_date on until, too_large: the other codes */
    json_t *root = sample_json(CW_EV_PREASSESSMENT_EXTENDED);
    mutate(root, "data.until", "\"2025-04-31\"");
    assert_code(decode_json(root, &ev, &rej), CW_REJ_BAD_DATE, rej, NULL);
    assert_string_equal(rej.detail, "data.until: not a YYYY-MM-DD date (years 1900-2199)");
    seen |= 1u << CW_REJ_BAD_DATE;
    json_decref(root);
    char *big = calloc(1, CW_EVENT_MAX_BYTES + 1);
    assert_code(decode_exact(big, CW_EVENT_MAX_BYTES + 1, &ev, &rej), CW_REJ_TOO_LARGE, rej, NULL);
    seen |= 1u << CW_REJ_TOO_LARGE;
    free(big);

    /* every code the decoder can produce was produced */
    for (int c = CW_REJ_TOO_LARGE; c <= CW_REJ_BAD_MUNICIPALITY; c++) {
        if (!(seen & (1u << c))) {
            print_error("no sample for %s\n", cw_reject_code_name((cw_reject_code_t)c));
            fail();
        }
    }
}

/* Each required field missing (deleted, or null) per type. */
static void test_missing_required(void **state)
{
    int checked = 0;
    for (int t = 0; t < CW_EV__COUNT; t++) {
        char req[160];
        snprintf(req, sizeof(req), "municipality %s", samples[t].req);
        for (char *save = NULL, *name = strtok_r(req, " ", &save); name;
             name = strtok_r(NULL, " ", &save)) {
            for (int as_null = 0; as_null < 2; as_null++) {
                json_t *root = sample_json((cw_event_type_t)t);
                char path[80], want[80];
                snprintf(path, sizeof(path), "data.%s", name);
                snprintf(want, sizeof(want), "data.%s: missing", name);
                mutate(root, path, as_null ? "null" : NULL);
                cw_event_t ev;
                cw_reject_t rej;
                char what[128];
                snprintf(what, sizeof(what), "%s without %s", cw_event_type_name(t), name);
                assert_code(decode_json(root, &ev, &rej), CW_REJ_MISSING_FIELD, rej, what);
                assert_string_equal(rej.detail, want);
                assert_string_equal(ev.id, "ev-1");
                json_decref(root);
                checked++;
            }
        }
    }
    assert_true(checked >= 2 * (CW_EV__COUNT + 40));
}

/* investigation_id or placement_id: at least one. */
static void test_any_of(void **state)
{
    int groups = 0;
    for (int t = 0; t < CW_EV__COUNT; t++) {
        if (!samples[t].any)
            continue;
        groups++;
        cw_event_t ev, want;
        cw_reject_t rej;
        /* neither */
        json_t *root = sample_json((cw_event_type_t)t);
        mutate(root, "data.investigation_id", NULL);
        mutate(root, "data.placement_id", "null");
        assert_code(decode_json(root, &ev, &rej), CW_REJ_MISSING_FIELD, rej, cw_event_type_name(t));
        assert_contains(rej.detail, "data.investigation_id");
        assert_contains(rej.detail, "data.placement_id");
        json_decref(root);
        /* either one */
        root = sample_json((cw_event_type_t)t);
        mutate(root, "data.investigation_id", NULL);
        assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej, NULL);
        expected((cw_event_type_t)t, &want);
        want.investigation_id[0] = '\0';
        assert_event_equal(&ev, &want, "placement only");
        json_decref(root);
        root = sample_json((cw_event_type_t)t);
        mutate(root, "data.placement_id", NULL);
        assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej, NULL);
        expected((cw_event_type_t)t, &want);
        want.placement_id[0] = '\0';
        assert_event_equal(&ev, &want, "investigation only");
        json_decref(root);
        /* present but bad is bad_field, not "missing" */
        root = sample_json((cw_event_type_t)t);
        mutate(root, "data.investigation_id", NULL);
        mutate(root, "data.placement_id", "7");
        assert_code(decode_json(root, &ev, &rej), CW_REJ_BAD_FIELD, rej, NULL);
        assert_contains(rej.detail, "data.placement_id");
        json_decref(root);
    }
    assert_int_equal(groups, 3);
}

/* Every enum value of every enum field, then bad values. */
static void test_enums(void **state)
{
    static const struct {
        cw_event_type_t type;
        const char *field;
        const char *(*name)(int v);
        int count;
    } enums[] = {
        {CW_EV_REPORT_RECEIVED, "reporter", reporter_name, CW_REPORTER__COUNT},
        {CW_EV_INVESTIGATION_CONCLUDED, "outcome", outcome_name, CW_OUTCOME__COUNT},
        {CW_EV_PLACEMENT_STARTED, "basis", basis_name, CW_BASIS__COUNT},
        {CW_EV_PLACEMENT_STARTED, "setting", setting_name, CW_SETTING__COUNT},
        {CW_EV_PLACEMENT_HOME_CHANGED, "setting", setting_name, CW_SETTING__COUNT},
        {CW_EV_PLACEMENT_ENDED, "reason", end_reason_name, CW_END__COUNT},
    };
    static const char *const bad[] = {
        "\"unknown\"",    "\"POLICE\"", "\"Sol\"", "\"hvb \"",  "\" hvb\"", "\"\"",
        "\"turned18\"",   "1",          "true",    "[\"sol\"]", "{}",       "\"moved away\"",
        "\"sol\\u0000\"",
    };
    for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
        char path[64], want_detail[64];
        snprintf(path, sizeof(path), "data.%s", enums[i].field);
        snprintf(want_detail, sizeof(want_detail), "data.%s: ", enums[i].field);
        for (int v = 1; v < enums[i].count; v++) {
            json_t *root = sample_json(enums[i].type);
            char value[64];
            snprintf(value, sizeof(value), "\"%s\"", enums[i].name(v));
            mutate(root, path, value);
            cw_event_t ev;
            cw_reject_t rej;
            assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej, value);
            int got = -1;
            if (strcmp(enums[i].field, "reporter") == 0)
                got = (int)ev.reporter;
            else if (strcmp(enums[i].field, "outcome") == 0)
                got = (int)ev.outcome;
            else if (strcmp(enums[i].field, "basis") == 0)
                got = (int)ev.basis;
            else if (strcmp(enums[i].field, "setting") == 0)
                got = (int)ev.setting;
            else
                got = (int)ev.end_reason;
            assert_int_equal(got, v);
            if (enums[i].type == CW_EV_PLACEMENT_ENDED)
                assert_string_equal(ev.reason, ""); /* not the free-text reason */
            json_decref(root);
        }
        for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
            json_t *root = sample_json(enums[i].type);
            mutate(root, path, bad[b]);
            cw_event_t ev;
            cw_reject_t rej;
            char what[96];
            snprintf(what, sizeof(what), "%s = %s", path, bad[b]);
            assert_code(decode_json(root, &ev, &rej), CW_REJ_BAD_FIELD, rej, what);
            assert_contains(rej.detail, want_detail);
            json_decref(root);
        }
    }
}

typedef struct {
    const char *value; /* JSON text */
    cw_reject_code_t code;
    int a, b; /* child_born: year, month; until: day number */
} date_case_t;

static void test_child_born(void **state)
{
    static const date_case_t cases[] = {
        {"\"2015-07\"", CW_REJ_NONE, 2015, 7},
        {"\"1900-01\"", CW_REJ_NONE, 1900, 1},
        {"\"2199-12\"", CW_REJ_NONE, 2199, 12},
        {"\"2024-10\"", CW_REJ_NONE, 2024, 10},
        {"\"2015-7\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2015-13\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2015-00\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"1899-12\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2200-01\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"0000-01\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2015-07-01\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"201507\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"15-07\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2015_07\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2015/07\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2015-0a\"", CW_REJ_BAD_DATE, 0, 0},
        {"\" 2015-07\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2015-07 \"", CW_REJ_BAD_DATE, 0, 0},
        {"\"-015-07\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"+2015-07\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"\\uff12015-07\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"\"", CW_REJ_BAD_DATE, 0, 0},
        {"201507", CW_REJ_BAD_FIELD, 0, 0},
        {"2015.07", CW_REJ_BAD_FIELD, 0, 0},
        {"false", CW_REJ_BAD_FIELD, 0, 0},
        {"{\"year\":2015}", CW_REJ_BAD_FIELD, 0, 0},
        {"null", CW_REJ_NONE, 0, 0},
    };
    static const cw_event_type_t types[] = {CW_EV_REPORT_RECEIVED, CW_EV_PLACEMENT_STARTED};
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            json_t *root = sample_json(types[k]);
            mutate(root, "data.child_born", cases[i].value);
            cw_event_t ev;
            cw_reject_t rej;
            assert_code(decode_json(root, &ev, &rej), cases[i].code, rej, cases[i].value);
            if (cases[i].code == CW_REJ_NONE) {
                assert_int_equal(ev.born_year, cases[i].a);
                assert_int_equal(ev.born_month, cases[i].b);
                assert_int_equal(ev.present, cases[i].a ? CW_F_CHILD_BORN : 0);
            } else {
                assert_contains(rej.detail, "data.child_born: ");
            }
            json_decref(root);
        }
    }
}

static void test_until(void **state)
{
    static const date_case_t cases[] = {
        {"\"2025-04-30\"", CW_REJ_NONE, D_20250430, 0},
        {"\"2024-02-29\"", CW_REJ_NONE, 19782, 0},
        {"\"1900-01-01\"", CW_REJ_NONE, -25567, 0},
        {"\"2199-12-31\"", CW_REJ_NONE, 84005, 0},
        {"\"2025-4-30\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2025-04-31\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2023-02-29\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2025-00-10\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2025-13-01\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2025-04-00\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"1899-12-31\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2200-01-01\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"20250430\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2025-04-30T00:00:00Z\"", CW_REJ_BAD_DATE, 0, 0},
        {"\" 2025-04-30\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2025-04-30 \"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2025/04/30\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2025-04-3a\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"+025-04-30\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"2025-04\"", CW_REJ_BAD_DATE, 0, 0},
        {"\"\"", CW_REJ_BAD_DATE, 0, 0},
        {"20250430", CW_REJ_BAD_FIELD, 0, 0},
        {"true", CW_REJ_BAD_FIELD, 0, 0},
        {"[]", CW_REJ_BAD_FIELD, 0, 0},
        {"null", CW_REJ_MISSING_FIELD, 0, 0},
    };
    static const cw_event_type_t types[] = {
        CW_EV_PREASSESSMENT_EXTENDED, CW_EV_INVESTIGATION_EXTENDED, CW_EV_LVU_APPLICATION_EXTENDED};
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            json_t *root = sample_json(types[k]);
            mutate(root, "data.until", cases[i].value);
            cw_event_t ev;
            cw_reject_t rej;
            assert_code(decode_json(root, &ev, &rej), cases[i].code, rej, cases[i].value);
            if (cases[i].code == CW_REJ_NONE) {
                assert_int_equal(ev.until, cases[i].a);
                assert_int_equal(ev.present, CW_F_UNTIL);
            } else {
                assert_contains(rej.detail, "data.until: ");
            }
            json_decref(root);
        }
    }
}

static void test_executed_at(void **state)
{
    static const struct {
        const char *value;
        cw_reject_code_t code;
    } cases[] = {
        {"\"2025-03-28\"", CW_REJ_BAD_DATE},
        {"\"2025-03-28T14:05:00\"", CW_REJ_BAD_DATE},
        {"\"2025-03-28T24:05:00Z\"", CW_REJ_BAD_DATE},
        {"\"later\"", CW_REJ_BAD_DATE},
        {"\"\"", CW_REJ_BAD_DATE},
        {"1743167100000", CW_REJ_BAD_FIELD},
        {"null", CW_REJ_NONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *root = sample_json(CW_EV_LVU_EMERGENCY_CUSTODY);
        mutate(root, "data.executed_at", cases[i].value);
        cw_event_t ev;
        cw_reject_t rej;
        assert_code(decode_json(root, &ev, &rej), cases[i].code, rej, cases[i].value);
        if (cases[i].code != CW_REJ_NONE)
            assert_contains(rej.detail, "data.executed_at: ");
        else
            assert_int_equal(ev.present, 0);
        json_decref(root);
    }
}

static void test_bools(void **state)
{
    static const struct {
        cw_event_type_t type;
        const char *field;
        size_t off;
    } bools[] = {
        {CW_EV_REPORT_RECEIVED, "violence", offsetof(cw_event_t, violence)},
        {CW_EV_INVESTIGATION_OPENED, "violence", offsetof(cw_event_t, violence)},
        {CW_EV_PROTECTION_ASSESSED, "immediate_protection_needed",
         offsetof(cw_event_t, immediate_protection_needed)},
        {CW_EV_CHILD_VISITED, "private_talk", offsetof(cw_event_t, private_talk)},
    };
    static const struct {
        const char *value;
        cw_reject_code_t code;
        cw_tri_t want;
    } values[] = {
        {"true", CW_REJ_NONE, CW_TRI_TRUE},  {"false", CW_REJ_NONE, CW_TRI_FALSE},
        {"null", CW_REJ_NONE, CW_TRI_UNSET}, {"\"true\"", CW_REJ_BAD_FIELD, 0},
        {"1", CW_REJ_BAD_FIELD, 0},          {"0", CW_REJ_BAD_FIELD, 0},
        {"[]", CW_REJ_BAD_FIELD, 0},         {"{}", CW_REJ_BAD_FIELD, 0},
    };
    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
            json_t *root = sample_json(bools[i].type);
            char path[64];
            snprintf(path, sizeof(path), "data.%s", bools[i].field);
            mutate(root, path, values[k].value);
            cw_event_t ev;
            cw_reject_t rej;
            assert_code(decode_json(root, &ev, &rej), values[k].code, rej, path);
            if (values[k].code == CW_REJ_NONE) {
                cw_tri_t got;
                memcpy(&got, (const char *)&ev + bools[i].off, sizeof(got));
                cw_tri_t want = values[k].want;
                /* report.received: absent means false */
                if (want == CW_TRI_UNSET && bools[i].type == CW_EV_REPORT_RECEIVED)
                    want = CW_TRI_FALSE;
                assert_int_equal(got, want);
            } else {
                assert_contains(rej.detail, path);
            }
            json_decref(root);
        }
    }
}

/* Every optional field null at once: like absent. */
static void test_null_as_absent(void **state)
{
    for (int t = 0; t < CW_EV__COUNT; t++) {
        cw_event_t want, ev;
        cw_reject_t rej;
        json_t *min = minimal_json((cw_event_type_t)t, &want);
        json_t *root = sample_json((cw_event_type_t)t);
        json_t *data = json_object_get(root, "data");
        json_t *min_data = json_object_get(min, "data");
        const char *key;
        json_t *v;
        json_object_foreach(data, key, v)
        {
            if (!json_object_get(min_data, key))
                json_object_set_new(data, key, json_null());
        }
        assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej,
                    cw_event_type_name((cw_event_type_t)t));
        assert_event_equal(&ev, &want, cw_event_type_name((cw_event_type_t)t));
        json_decref(root);
        json_decref(min);
    }
}

/* Fields and attributes the contract does not list are ignored. */
static void test_unknown_ignored(void **state)
{
    for (int t = 0; t < CW_EV__COUNT; t++) {
        json_t *root = sample_json((cw_event_type_t)t);
        mutate(root, "traceparent", "\"00-abc-def-01\"");
        mutate(root, "dataschema", "42");
        mutate(root, "datacontenttype", "[1,2]");
        mutate(root, "data_base64", "\"!!\"");
        mutate(root, "Data", "null");
        mutate(root, "data.extra", "{\"nested\":[1,2,{\"x\":null}]}");
        mutate(root, "data.notes", "\"" X64 X64 X64 X64 X64 X64 X64 X64 X64 "\"");
        mutate(root, "data.Municipality", "\"bad\"");
        /* fields other types list, wrong-typed: not this type's business */
        static const char *const others[] = {
            "report_id",       "investigation_id",
            "placement_id",    "order_id",
            "home_id",         "child",
            "to_municipality", "reason",
            "violence",        "reporter",
            "outcome",         "basis",
            "setting",         "until",
            "executed_at",     "child_born",
            "private_talk",    "immediate_protection_needed",
        };
        json_t *data = json_object_get(root, "data");
        for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
            if (!json_object_get(data, others[i]))
                json_object_set_new(data, others[i], json_integer(-1));
        cw_event_t ev, want;
        cw_reject_t rej;
        assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej,
                    cw_event_type_name((cw_event_type_t)t));
        expected((cw_event_type_t)t, &want);
        assert_event_equal(&ev, &want, cw_event_type_name((cw_event_type_t)t));
        json_decref(root);
    }
}

static void test_municipality(void **state)
{
    static const struct {
        const char *value;
        cw_reject_code_t code;
    } cases[] = {
        {"\"1280\"", CW_REJ_NONE},
        {"\"0114\"", CW_REJ_NONE},
        {"\"0000\"", CW_REJ_NONE},
        {"\"128\"", CW_REJ_BAD_MUNICIPALITY},
        {"\"12800\"", CW_REJ_BAD_MUNICIPALITY},
        {"\"abcd\"", CW_REJ_BAD_MUNICIPALITY},
        {"\"12a0\"", CW_REJ_BAD_MUNICIPALITY},
        {"\"128 \"", CW_REJ_BAD_MUNICIPALITY},
        {"\" 1280\"", CW_REJ_BAD_MUNICIPALITY},
        {"\"-128\"", CW_REJ_BAD_MUNICIPALITY},
        {"\"\"", CW_REJ_BAD_MUNICIPALITY},
        {"\"\\u0661\\u0662\\u0663\\u0664\"", CW_REJ_BAD_MUNICIPALITY}, /* Arabic-Indic */
        {"\"\\uff11\\uff12\\uff18\\uff10\"", CW_REJ_BAD_MUNICIPALITY}, /* fullwidth */
        {"\"12\\u000080\"", CW_REJ_BAD_FIELD},
        {"1280", CW_REJ_BAD_FIELD},
        {"true", CW_REJ_BAD_FIELD},
        {"null", CW_REJ_MISSING_FIELD},
    };
    static const char *const fields[] = {"municipality", "to_municipality"};
    for (size_t f = 0; f < 2; f++) {
        char path[64];
        snprintf(path, sizeof(path), "data.%s", fields[f]);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            json_t *root = sample_json(CW_EV_CASE_TRANSFERRED);
            mutate(root, path, cases[i].value);
            cw_event_t ev;
            cw_reject_t rej;
            char what[96];
            snprintf(what, sizeof(what), "%s = %s", path, cases[i].value);
            assert_code(decode_json(root, &ev, &rej), cases[i].code, rej, what);
            if (cases[i].code == CW_REJ_NONE) {
                char want[8];
                snprintf(want, sizeof(want), "%.4s", cases[i].value + 1);
                assert_string_equal(f ? ev.to_municipality : ev.municipality, want);
            } else {
                assert_contains(rej.detail, path);
            }
            json_decref(root);
        }
    }
}

/* Length limits: exactly the limit is accepted, one byte more is not. */
static void test_length_limits(void **state)
{
    static const struct {
        cw_event_type_t type;
        const char *path;
        size_t max;
        size_t off; /* member in cw_event_t */
    } limits[] = {
        {CW_EV_REPORT_RECEIVED, "id", CW_ID_MAX, offsetof(cw_event_t, id)},
        {CW_EV_REPORT_RECEIVED, "source", CW_SOURCE_MAX, offsetof(cw_event_t, source)},
        {CW_EV_REPORT_RECEIVED, "subject", CW_ID_MAX, offsetof(cw_event_t, subject)},
        {CW_EV_REPORT_RECEIVED, "data.report_id", CW_REF_MAX, offsetof(cw_event_t, report_id)},
        {CW_EV_REPORT_RECEIVED, "data.child", CW_NAME_MAX, offsetof(cw_event_t, child)},
        {CW_EV_REPORT_RECEIVED, "data.unit", CW_NAME_MAX, offsetof(cw_event_t, unit)},
        {CW_EV_REPORT_RECEIVED, "data.caseworker", CW_NAME_MAX, offsetof(cw_event_t, caseworker)},
        {CW_EV_INVESTIGATION_OPENED, "data.investigation_id", CW_REF_MAX,
         offsetof(cw_event_t, investigation_id)},
        {CW_EV_INVESTIGATION_OPENED, "data.report_id", CW_REF_MAX, offsetof(cw_event_t, report_id)},
        {CW_EV_PLACEMENT_STARTED, "data.placement_id", CW_REF_MAX,
         offsetof(cw_event_t, placement_id)},
        {CW_EV_PLACEMENT_STARTED, "data.home_id", CW_REF_MAX, offsetof(cw_event_t, home_id)},
        {CW_EV_PLACEMENT_HOME_CHANGED, "data.home_id", CW_REF_MAX, offsetof(cw_event_t, home_id)},
        {CW_EV_LVU_EMERGENCY_CUSTODY, "data.order_id", CW_REF_MAX, offsetof(cw_event_t, order_id)},
        {CW_EV_CHILD_NOT_HEARD, "data.reason", CW_REASON_MAX, offsetof(cw_event_t, reason)},
        {CW_EV_INVESTIGATION_NOT_OPENED, "data.reason", CW_REASON_MAX,
         offsetof(cw_event_t, reason)},
        {CW_EV_PREASSESSMENT_EXTENDED, "data.reason", CW_REASON_MAX, offsetof(cw_event_t, reason)},
    };
    char *buf = malloc(CW_REASON_MAX + 8);
    assert_non_null(buf);
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        const bool is_data = strncmp(limits[i].path, "data.", 5) == 0;
        /* ASCII, then 2-byte UTF-8 (the limit is in bytes) */
        for (int utf8 = 0; utf8 < 2; utf8++) {
            for (size_t extra = 0; extra < 2; extra++) {
                size_t len = limits[i].max + extra;
                for (size_t k = 0; k < len; k++)
                    buf[k] = (char)('a' + k % 26);
                if (utf8)
                    for (size_t k = 0; k + 1 < (len & ~(size_t)1); k += 2)
                        memcpy(buf + k, "\xc3\xa4", 2);
                json_t *root = sample_json(limits[i].type);
                if (is_data)
                    set_data_string(root, limits[i].path + 5, buf, len);
                else
                    json_object_set_new(root, limits[i].path, json_stringn(buf, len));
                cw_event_t ev;
                cw_reject_t rej;
                cw_reject_code_t rc = decode_json(root, &ev, &rej);
                if (extra == 0) {
                    assert_code(rc, CW_REJ_NONE, rej, limits[i].path);
                    const char *got = (const char *)&ev + limits[i].off;
                    assert_int_equal(strlen(got), len);
                    assert_memory_equal(got, buf, len);
                } else {
                    assert_code(rc, CW_REJ_FIELD_TOO_LONG, rej, limits[i].path);
                    char want[96];
                    snprintf(want, sizeof(want), "%s: longer than %zu bytes", limits[i].path,
                             limits[i].max);
                    assert_string_equal(rej.detail, want);
                    /* never truncated into the struct */
                    const char *got = (const char *)&ev + limits[i].off;
                    if (strcmp(limits[i].path, "id") != 0)
                        assert_true(strlen(got) < limits[i].max);
                    assert_string_equal(ev.id, strcmp(limits[i].path, "id") ? "ev-1" : "");
                }
                json_decref(root);
            }
        }
    }
    free(buf);
}

/* A NUL byte (\u0000) inside any string is rejected on its field. */
static void test_nul_in_string(void **state)
{
    static const struct {
        cw_event_type_t type;
        const char *path;
        cw_reject_code_t code;
    } cases[] = {
        {CW_EV_REPORT_RECEIVED, "id", CW_REJ_BAD_ATTRIBUTE},
        {CW_EV_REPORT_RECEIVED, "source", CW_REJ_BAD_ATTRIBUTE},
        {CW_EV_REPORT_RECEIVED, "subject", CW_REJ_BAD_ATTRIBUTE},
        {CW_EV_REPORT_RECEIVED, "type", CW_REJ_BAD_ATTRIBUTE},
        {CW_EV_REPORT_RECEIVED, "time", CW_REJ_BAD_ATTRIBUTE},
        {CW_EV_REPORT_RECEIVED, "specversion", CW_REJ_BAD_ATTRIBUTE},
        {CW_EV_REPORT_RECEIVED, "data.report_id", CW_REJ_BAD_FIELD},
        {CW_EV_REPORT_RECEIVED, "data.child", CW_REJ_BAD_FIELD},
        {CW_EV_REPORT_RECEIVED, "data.unit", CW_REJ_BAD_FIELD},
        {CW_EV_REPORT_RECEIVED, "data.caseworker", CW_REJ_BAD_FIELD},
        {CW_EV_REPORT_RECEIVED, "data.municipality", CW_REJ_BAD_FIELD},
        {CW_EV_REPORT_RECEIVED, "data.reporter", CW_REJ_BAD_FIELD},
        {CW_EV_REPORT_RECEIVED, "data.child_born", CW_REJ_BAD_FIELD},
        {CW_EV_CHILD_NOT_HEARD, "data.reason", CW_REJ_BAD_FIELD},
        {CW_EV_PREASSESSMENT_EXTENDED, "data.until", CW_REJ_BAD_FIELD},
        {CW_EV_LVU_EMERGENCY_CUSTODY, "data.executed_at", CW_REJ_BAD_FIELD},
        {CW_EV_CASE_TRANSFERRED, "data.to_municipality", CW_REJ_BAD_FIELD},
        {CW_EV_PLACEMENT_STARTED, "data.home_id", CW_REJ_BAD_FIELD},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int where = 0; where < 3; where++) {
            json_t *root = sample_json(cases[i].type);
            const char *key = cases[i].path;
            json_t *obj = root;
            if (strncmp(key, "data.", 5) == 0) {
                obj = json_object_get(root, "data");
                key += 5;
            }
            /* the valid value with a NUL at the start, inside, at the end */
            const char *old = json_string_value(json_object_get(obj, key));
            assert_non_null(old);
            char buf[96];
            size_t n = strlen(old);
            size_t at = where == 0 ? 0 : where == 1 ? n / 2 : n;
            memcpy(buf, old, at);
            buf[at] = '\0';
            memcpy(buf + at + 1, old + at, n - at);
            json_object_set_new(obj, key, json_stringn(buf, n + 1));
            cw_event_t ev;
            cw_reject_t rej;
            assert_code(decode_json(root, &ev, &rej), cases[i].code, rej, cases[i].path);
            assert_contains(rej.detail, cases[i].path);
            assert_contains(rej.detail, "NUL");
            json_decref(root);
        }
    }
}

/* Every proper prefix of a valid event is bad_json (and never crashes). */
static void test_truncated(void **state)
{
    for (int t = 0; t < CW_EV__COUNT; t++) {
        char *text = sample_text((cw_event_type_t)t);
        size_t n = strlen(text);
        cw_event_t ev;
        cw_reject_t rej;
        assert_code(decode_exact(text, n, &ev, &rej), CW_REJ_NONE, rej, NULL);
        for (size_t len = 0; len < n; len++) {
            cw_reject_code_t rc = decode_exact(text, len, &ev, &rej);
            if (rc != CW_REJ_BAD_JSON) {
                print_error("prefix of %zu bytes of %s: %s\n", len,
                            cw_event_type_name((cw_event_type_t)t), cw_reject_code_name(rc));
                fail();
            }
            assert_string_equal(ev.id, "");
        }
        free(text);
    }
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

/* Random bytes and random JSON-ish text: rejected, never a crash. */
static void test_random_garbage(void **state)
{
    static const char alphabet[] = "{}[]\":,. -+0123456789eEtruefalsnl\\u\"\"\"abcxyz\t\n";
    rng_state = 0x9E3779B97F4A7C15ULL;
    int counts[CW_REJ__COUNT] = {0};
    for (int i = 0; i < 10000; i++) {
        size_t len = (size_t)(rng() % 400);
        unsigned char *buf = malloc(len ? len : 1);
        assert_non_null(buf);
        bool jsonish = i % 2;
        for (size_t k = 0; k < len; k++)
            buf[k] = jsonish ? (unsigned char)alphabet[rng() % (sizeof(alphabet) - 1)]
                             : (unsigned char)rng();
        if (jsonish && len && i % 4 == 1)
            buf[0] = '{';
        cw_event_t ev;
        cw_reject_t rej;
        cw_reject_code_t rc = cw_event_from_json((const char *)buf, len, &ev, &rej);
        assert_true(decoder_code(rc));
        assert_int_equal(rej.code, rc);
        assert_true(rej.detail[0] != '\0');
        counts[rc]++;
        free(buf);
    }
    assert_true(counts[CW_REJ_BAD_JSON] > 9000);

    /* valid events with a few bytes changed: any outcome, but consistent */
    for (int i = 0; i < 10000; i++) {
        char *text = sample_text((cw_event_type_t)(i % CW_EV__COUNT));
        size_t n = strlen(text);
        int changes = 1 + (int)(rng() % 4);
        for (int c = 0; c < changes; c++) {
            size_t at = (size_t)(rng() % n);
            text[at] = (rng() % 2) ? (char)rng() : alphabet[rng() % (sizeof(alphabet) - 1)];
        }
        cw_event_t ev, again;
        cw_reject_t rej;
        cw_reject_code_t rc = decode_exact(text, n, &ev, &rej);
        assert_true(rc == CW_REJ_NONE || decoder_code(rc));
        if (rc == CW_REJ_NONE) {
            char *enc = cw_event_to_json(&ev);
            assert_code(decode_str(enc, &again, &rej), CW_REJ_NONE, rej, enc);
            assert_event_equal(&again, &ev, "mutated round trip");
            free(enc);
        }
        free(text);
    }
}

/* Deep nesting in an ignored field is bounded by jansson, not the stack. */
static void test_deep_nesting(void **state)
{
    size_t depth = 30000;
    char *buf = malloc(2 * depth + 64);
    assert_non_null(buf);
    size_t n = 0;
    n += (size_t)sprintf(buf, "{\"x\":");
    memset(buf + n, '[', depth);
    n += depth;
    memset(buf + n, ']', depth);
    n += depth;
    buf[n++] = '}';
    cw_event_t ev;
    cw_reject_t rej;
    assert_code(cw_event_from_json(buf, n, &ev, &rej), CW_REJ_BAD_JSON, rej, NULL);
    free(buf);
}

/* ---- encoding ---- */

static void round_trip(const cw_event_t *ev, const char *what)
{
    char *enc = cw_event_to_json(ev);
    assert_non_null(enc);
    assert_null(strchr(enc, '\n'));
    cw_event_t back;
    cw_reject_t rej;
    assert_code(decode_str(enc, &back, &rej), CW_REJ_NONE, rej, enc);
    assert_event_equal(&back, ev, what);
    /* and it is stable */
    char *enc2 = cw_event_to_json(&back);
    assert_string_equal(enc, enc2);
    free(enc2);
    free(enc);
}

static void test_round_trip(void **state)
{
    for (int t = 0; t < CW_EV__COUNT; t++) {
        cw_event_t want, ev;
        cw_reject_t rej;
        expected((cw_event_type_t)t, &want);
        round_trip(&want, cw_event_type_name((cw_event_type_t)t));
        json_t *root = minimal_json((cw_event_type_t)t, &want);
        assert_code(decode_json(root, &ev, &rej), CW_REJ_NONE, rej, NULL);
        round_trip(&ev, cw_event_type_name((cw_event_type_t)t));
        json_decref(root);
    }
}

static void test_encode_format(void **state)
{
    cw_event_t ev;
    expected(CW_EV_CASE_CLOSED, &ev);
    char *enc = cw_event_to_json(&ev);
    assert_string_equal(enc,
                        "{\"specversion\":\"1.0\",\"id\":\"ev-1\",\"source\":\"/test/casewatch\","
                        "\"type\":\"se.casewatch.case.closed\","
                        "\"time\":\"2025-03-30T01:30:00.250Z\",\"subject\":\"case-1\","
                        "\"datacontenttype\":\"application/json\",\"data\":{"
                        "\"municipality\":\"1280\",\"unit\":\"Unit A\","
                        "\"caseworker\":\"cw-1\"}}");
    free(enc);

    expected(CW_EV_REPORT_RECEIVED, &ev);
    ev.unit[0] = '\0';
    enc = cw_event_to_json(&ev);
    assert_contains(enc, ",\"data\":{\"municipality\":\"1280\",\"caseworker\":\"cw-1\","
                         "\"report_id\":\"R1\",\"child\":\"child-1\",\"violence\":true,"
                         "\"reporter\":\"school\",\"child_born\":\"2015-07\"}}");
    free(enc);

    expected(CW_EV_PLACEMENT_ENDED, &ev);
    enc = cw_event_to_json(&ev);
    assert_contains(enc, "\"reason\":\"turned_18\"");
    free(enc);

    expected(CW_EV_LVU_EMERGENCY_CUSTODY, &ev);
    enc = cw_event_to_json(&ev);
    assert_contains(enc, "\"executed_at\":\"2025-03-28T13:05:00Z\"");
    free(enc);

    expected(CW_EV_PREASSESSMENT_EXTENDED, &ev);
    enc = cw_event_to_json(&ev);
    assert_contains(enc, "\"until\":\"2025-04-30\"");
    free(enc);

    /* fields the type does not list are not written */
    expected(CW_EV_CASE_CLOSED, &ev);
    strcpy(ev.report_id, "R9");
    ev.violence = CW_TRI_TRUE;
    ev.present = CW_F_UNTIL | CW_F_EXECUTED_AT | CW_F_CHILD_BORN;
    ev.reporter = CW_REPORTER_POLICE;
    enc = cw_event_to_json(&ev);
    assert_lacks(enc, "R9");
    assert_lacks(enc, "violence");
    assert_lacks(enc, "until");
    assert_lacks(enc, "executed_at");
    assert_lacks(enc, "child_born");
    assert_lacks(enc, "reporter");
    free(enc);

    /* absent values are omitted; out-of-range enums count as absent */
    expected(CW_EV_REPORT_RECEIVED, &ev);
    ev.violence = (cw_tri_t)7;
    ev.reporter = (cw_reporter_t)99;
    ev.present = 0;
    enc = cw_event_to_json(&ev);
    assert_lacks(enc, "violence");
    assert_lacks(enc, "reporter");
    assert_lacks(enc, "child_born");
    free(enc);
}

static void test_encode_escapes(void **state)
{
    cw_event_t ev;
    expected(CW_EV_CHILD_NOT_HEARD, &ev);
    /* quotes, backslash, control characters, slash, 2/3/4-byte UTF-8, DEL */
    strcpy(ev.reason, "\"q\" \\ \n\t\r\b\f\x01\x1f / \xc3\xa5\xe2\x82\xac\xf0\x9f\x98\x80 \x7f");
    strcpy(ev.source, "urn:x:\"src\"");
    strcpy(ev.id, "id\\1");
    strcpy(ev.subject, "case/\xc3\xb6");
    round_trip(&ev, "escapes");
    char *enc = cw_event_to_json(&ev);
    assert_contains(enc, "\\\"q\\\" \\\\ \\n\\t\\r\\u0008\\u000c\\u0001\\u001f /");
    free(enc);

    /* bytes that are not UTF-8 become U+FFFD, so the output stays valid JSON */
    static const char *const invalid[] = {
        "a\xff"
        "b",
        "\xc3",
        "\xc0\xaf",
        "\xed\xa0\x80",
        "\xf4\x90\x80\x80",
        "\xe2\x82",
        "\x80\x80",
        "\xf0\x9f\x98",
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        expected(CW_EV_CHILD_NOT_HEARD, &ev);
        strcpy(ev.reason, invalid[i]);
        enc = cw_event_to_json(&ev);
        assert_contains(enc, "\\ufffd");
        cw_event_t back;
        cw_reject_t rej;
        assert_code(decode_str(enc, &back, &rej), CW_REJ_NONE, rej, enc);
        assert_contains(back.reason, "\xef\xbf\xbd");
        free(enc);
    }

    /* strings filling their whole array without a NUL are not overread */
    expected(CW_EV_CHILD_NOT_HEARD, &ev);
    memset(ev.reason, 'r', sizeof(ev.reason));
    memset(ev.id, 'i', sizeof(ev.id));
    memset(ev.investigation_id, 'v', sizeof(ev.investigation_id));
    enc = cw_event_to_json(&ev);
    cw_event_t back;
    cw_reject_t rej;
    assert_code(decode_str(enc, &back, &rej), CW_REJ_NONE, rej, NULL);
    assert_int_equal(strlen(back.reason), CW_REASON_MAX);
    assert_int_equal(strlen(back.id), CW_ID_MAX);
    assert_int_equal(strlen(back.investigation_id), CW_REF_MAX);
    free(enc);

    /* the worst case: every string at its limit, all control characters */
    expected(CW_EV_REPORT_RECEIVED, &ev);
    memset(ev.id, 1, CW_ID_MAX);
    memset(ev.source, 2, CW_SOURCE_MAX);
    memset(ev.subject, 3, CW_ID_MAX);
    memset(ev.unit, 4, CW_NAME_MAX);
    memset(ev.caseworker, 5, CW_NAME_MAX);
    memset(ev.report_id, 6, CW_REF_MAX);
    memset(ev.child, 7, CW_NAME_MAX);
    round_trip(&ev, "worst case");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_type_names, setup),
        cmocka_unit_test_setup(test_enum_names, setup),
        cmocka_unit_test_setup(test_event_clear, setup),
        cmocka_unit_test_setup(test_every_type_full, setup),
        cmocka_unit_test_setup(test_every_type_minimal, setup),
        cmocka_unit_test_setup(test_times, setup),
        cmocka_unit_test_setup(test_whitespace_and_size, setup),
        cmocka_unit_test_setup(test_rejection_codes, setup),
        cmocka_unit_test_setup(test_missing_required, setup),
        cmocka_unit_test_setup(test_any_of, setup),
        cmocka_unit_test_setup(test_enums, setup),
        cmocka_unit_test_setup(test_child_born, setup),
        cmocka_unit_test_setup(test_until, setup),
        cmocka_unit_test_setup(test_executed_at, setup),
        cmocka_unit_test_setup(test_bools, setup),
        cmocka_unit_test_setup(test_null_as_absent, setup),
        cmocka_unit_test_setup(test_unknown_ignored, setup),
        cmocka_unit_test_setup(test_municipality, setup),
        cmocka_unit_test_setup(test_length_limits, setup),
        cmocka_unit_test_setup(test_nul_in_string, setup),
        cmocka_unit_test_setup(test_truncated, setup),
        cmocka_unit_test_setup(test_random_garbage, setup),
        cmocka_unit_test_setup(test_deep_nesting, setup),
        cmocka_unit_test_setup(test_round_trip, setup),
        cmocka_unit_test_setup(test_encode_format, setup),
        cmocka_unit_test_setup(test_encode_escapes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
