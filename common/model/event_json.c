#include "model/event_json.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"

#define PREFIX_LEN (sizeof(CW_TYPE_PREFIX) - 1)
#define LIT(s)     s, (sizeof(s) - 1)

/* Years accepted in `until` and `child_born` (the zone table's range). */
#define YEAR_MIN 1900
#define YEAR_MAX 2199

/* Instants must fall in 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z,
 * so that their UTC form (what the encoder writes) parses again. */
#define INSTANT_MIN (-62135596800000LL)
#define INSTANT_END (253402300800000LL)

/* ---- the data fields: one row per field, one bit per field ---- */

typedef enum {
    F_MUNICIPALITY,
    F_UNIT,
    F_CASEWORKER,
    F_REPORT_ID,
    F_INVESTIGATION_ID,
    F_PLACEMENT_ID,
    F_ORDER_ID,
    F_HOME_ID,
    F_CHILD,
    F_TO_MUNICIPALITY,
    F_REASON,     /* free text */
    F_END_REASON, /* "reason" of placement.ended: a closed set */
    F_VIOLENCE,
    F_IMMEDIATE_PROTECTION_NEEDED,
    F_PRIVATE_TALK,
    F_REPORTER,
    F_OUTCOME,
    F_BASIS,
    F_SETTING,
    F_UNTIL,
    F_EXECUTED_AT,
    F_CHILD_BORN,
    F__COUNT
} field_id_t;

_Static_assert(F__COUNT <= 32, "field masks are 32 bits");

typedef enum {
    K_STR,     /* non-empty string up to max bytes */
    K_KOMMUN,  /* exactly 4 ASCII digits */
    K_BOOL,    /* true/false into a cw_tri_t */
    K_ENUM,    /* a closed set's wire name into its enum */
    K_DATE,    /* "YYYY-MM-DD" into a cw_date_t */
    K_MONTH,   /* "YYYY-MM" into born_year/born_month */
    K_INSTANT, /* RFC 3339 with offset into a cw_instant_t */
} kind_t;

/* Enum members are written and read as int. */
_Static_assert(sizeof(cw_tri_t) == sizeof(int) && sizeof(cw_reporter_t) == sizeof(int) &&
                   sizeof(cw_outcome_t) == sizeof(int) && sizeof(cw_basis_t) == sizeof(int) &&
                   sizeof(cw_setting_t) == sizeof(int) && sizeof(cw_end_reason_t) == sizeof(int),
               "enums are int-sized");

typedef struct {
    const char *name; /* JSON key in data */
    unsigned char name_len;
    unsigned char kind;    /* kind_t */
    unsigned char flag;    /* CW_F_* set when present (K_DATE, K_MONTH, K_INSTANT) */
    unsigned short off;    /* offset of the member in cw_event_t */
    unsigned short max;    /* K_STR: limit in bytes */
    unsigned char enum_of; /* K_ENUM: cw_enum_t */
} field_t;

#define OFF(m) ((unsigned short)offsetof(cw_event_t, m))
#define STR(key, m, lim)                                                                           \
    {                                                                                              \
        LIT(key), K_STR, 0, OFF(m), lim, 0                                                         \
    }
#define KOMMUN(key, m)                                                                             \
    {                                                                                              \
        LIT(key), K_KOMMUN, 0, OFF(m), CW_KOMMUN_LEN, 0                                            \
    }
#define BOOL(key, m)                                                                               \
    {                                                                                              \
        LIT(key), K_BOOL, 0, OFF(m), 0, 0                                                          \
    }
#define ENUM(key, m, fn)                                                                           \
    {                                                                                              \
        LIT(key), K_ENUM, 0, OFF(m), 0, CW_ENUM_##fn                                               \
    }

static const field_t fields[F__COUNT] = {
    [F_MUNICIPALITY] = KOMMUN("municipality", municipality),
    [F_UNIT] = STR("unit", unit, CW_NAME_MAX),
    [F_CASEWORKER] = STR("caseworker", caseworker, CW_NAME_MAX),
    [F_REPORT_ID] = STR("report_id", report_id, CW_REF_MAX),
    [F_INVESTIGATION_ID] = STR("investigation_id", investigation_id, CW_REF_MAX),
    [F_PLACEMENT_ID] = STR("placement_id", placement_id, CW_REF_MAX),
    [F_ORDER_ID] = STR("order_id", order_id, CW_REF_MAX),
    [F_HOME_ID] = STR("home_id", home_id, CW_REF_MAX),
    [F_CHILD] = STR("child", child, CW_NAME_MAX),
    [F_TO_MUNICIPALITY] = KOMMUN("to_municipality", to_municipality),
    [F_REASON] = STR("reason", reason, CW_REASON_MAX),
    [F_END_REASON] = ENUM("reason", end_reason, END_REASON),
    [F_VIOLENCE] = BOOL("violence", violence),
    [F_IMMEDIATE_PROTECTION_NEEDED] =
        BOOL("immediate_protection_needed", immediate_protection_needed),
    [F_PRIVATE_TALK] = BOOL("private_talk", private_talk),
    [F_REPORTER] = ENUM("reporter", reporter, REPORTER),
    [F_OUTCOME] = ENUM("outcome", outcome, OUTCOME),
    [F_BASIS] = ENUM("basis", basis, BASIS),
    [F_SETTING] = ENUM("setting", setting, SETTING),
    [F_UNTIL] = {LIT("until"), K_DATE, CW_F_UNTIL, OFF(until), 0, 0},
    [F_EXECUTED_AT] = {LIT("executed_at"), K_INSTANT, CW_F_EXECUTED_AT, OFF(executed_at), 0, 0},
    [F_CHILD_BORN] = {LIT("child_born"), K_MONTH, CW_F_CHILD_BORN, 0, 0, 0},
};

#undef STR
#undef KOMMUN
#undef BOOL
#undef ENUM

/* ---- the catalogue: which fields each type has ---- */

typedef struct {
    uint32_t req; /* required */
    uint32_t opt; /* optional */
    uint32_t any; /* optional, but at least one of them is required */
} type_fields_t;

#define B(f)       (1u << F_##f)
#define COMMON_REQ B(MUNICIPALITY)
#define COMMON_OPT (B(UNIT) | B(CASEWORKER))
#define T(r, o, a)                                                                                 \
    {                                                                                              \
        COMMON_REQ | (r), COMMON_OPT | (o), (a)                                                    \
    }
#define INV_OR_PLAC (B(INVESTIGATION_ID) | B(PLACEMENT_ID))

static const type_fields_t types[CW_EV__COUNT] = {
    [CW_EV_REPORT_RECEIVED] =
        T(B(REPORT_ID) | B(CHILD), B(VIOLENCE) | B(REPORTER) | B(CHILD_BORN), 0),
    [CW_EV_PROTECTION_ASSESSED] = T(B(REPORT_ID), B(IMMEDIATE_PROTECTION_NEEDED), 0),
    [CW_EV_PREASSESSMENT_EXTENDED] = T(B(REPORT_ID) | B(UNTIL) | B(REASON), 0, 0),
    [CW_EV_REPORT_JOINED] = T(B(REPORT_ID) | B(INVESTIGATION_ID), 0, 0),
    [CW_EV_INVESTIGATION_OPENED] = T(B(INVESTIGATION_ID), B(REPORT_ID) | B(VIOLENCE), 0),
    [CW_EV_INVESTIGATION_NOT_OPENED] = T(B(REPORT_ID), B(REASON), 0),
    [CW_EV_INVESTIGATION_EXTENDED] = T(B(INVESTIGATION_ID) | B(UNTIL) | B(REASON), 0, 0),
    [CW_EV_CHILD_HEARD] = T(0, 0, INV_OR_PLAC),
    [CW_EV_CHILD_NOT_HEARD] = T(B(INVESTIGATION_ID) | B(REASON), 0, 0),
    [CW_EV_VIOLENCE_RISK_ASSESSED] = T(B(INVESTIGATION_ID), 0, 0),
    [CW_EV_INVESTIGATION_CONCLUDED] = T(B(INVESTIGATION_ID) | B(OUTCOME), 0, 0),
    [CW_EV_FOLLOWUP_DECIDED] = T(0, 0, INV_OR_PLAC),
    [CW_EV_FOLLOWUP_CONCLUDED] = T(0, 0, INV_OR_PLAC),
    [CW_EV_PLACEMENT_STARTED] =
        T(B(PLACEMENT_ID) | B(BASIS) | B(SETTING), B(HOME_ID) | B(CHILD_BORN), 0),
    [CW_EV_PLACEMENT_HOME_CHANGED] = T(B(PLACEMENT_ID) | B(HOME_ID), B(SETTING), 0),
    [CW_EV_CARE_PLAN_ESTABLISHED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_CARE_PLAN_REVISED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_IMPLEMENTATION_PLAN_ESTABLISHED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_CHILD_VISITED] = T(B(PLACEMENT_ID), B(PRIVATE_TALK), 0),
    [CW_EV_CARE_RECONSIDERED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_CARE_REVIEWED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_CUSTODY_TRANSFER_CONSIDERED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_CONTACT_RESTRICTION_DECIDED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_CONTACT_RESTRICTION_RECONSIDERED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_CONTACT_RESTRICTION_LIFTED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_MOVING_BAN_CONSIDERED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_PLACEMENT_ENDED] = T(B(PLACEMENT_ID), B(END_REASON), 0),
    [CW_EV_POST_CARE_FOLLOWUP_STARTED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_POST_CARE_FOLLOWUP_CONCLUDED] = T(B(PLACEMENT_ID), 0, 0),
    [CW_EV_LVU_EMERGENCY_CUSTODY] = T(B(ORDER_ID), B(EXECUTED_AT), 0),
    [CW_EV_LVU_SUBMITTED_TO_COURT] = T(B(ORDER_ID), 0, 0),
    [CW_EV_LVU_CARE_APPLIED] = T(B(ORDER_ID), 0, 0),
    [CW_EV_LVU_APPLICATION_EXTENDED] = T(B(ORDER_ID) | B(UNTIL), 0, 0),
    [CW_EV_LVU_EMERGENCY_CUSTODY_ENDED] = T(B(ORDER_ID), 0, 0),
    [CW_EV_CASE_TRANSFERRED] = T(B(TO_MUNICIPALITY), 0, 0),
    [CW_EV_CASE_CLOSED] = T(0, 0, 0),
};

#undef T

/* ---- decoding ---- */

static inline void *member(cw_event_t *ev, const field_t *fd)
{
    return (char *)ev + fd->off;
}

static inline void set_int(cw_event_t *ev, const field_t *fd, int v)
{
    memcpy(member(ev, fd), &v, sizeof(v));
}

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A field's value as a string without NUL bytes. */
static cw_reject_code_t field_string(const field_t *fd, const json_t *v, const char **s,
                                     size_t *len, cw_reject_t *rej)
{
    if (!json_is_string(v))
        return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: not a string", fd->name);
    *s = json_string_value(v);
    *len = json_string_length(v);
    if (memchr(*s, '\0', *len))
        return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: contains a NUL byte", fd->name);
    return CW_REJ_NONE;
}

static cw_reject_code_t decode_str(const field_t *fd, const json_t *v, cw_event_t *ev,
                                   cw_reject_t *rej)
{
    const char *s;
    size_t len;
    cw_reject_code_t rc = field_string(fd, v, &s, &len, rej);
    if (rc)
        return rc;
    if (len == 0)
        return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: empty", fd->name);
    if (len > fd->max)
        return cw_reject_set(rej, CW_REJ_FIELD_TOO_LONG, "data.%s: longer than %u bytes", fd->name,
                             (unsigned)fd->max);
    char *dst = member(ev, fd);
    memcpy(dst, s, len);
    dst[len] = '\0';
    return CW_REJ_NONE;
}

static cw_reject_code_t decode_kommun(const field_t *fd, const json_t *v, cw_event_t *ev,
                                      cw_reject_t *rej)
{
    const char *s;
    size_t len;
    cw_reject_code_t rc = field_string(fd, v, &s, &len, rej);
    if (rc)
        return rc;
    if (len != CW_KOMMUN_LEN || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) ||
        !is_digit(s[3]))
        return cw_reject_set(rej, CW_REJ_BAD_MUNICIPALITY, "data.%s: not a 4-digit kommunkod",
                             fd->name);
    char *dst = member(ev, fd);
    memcpy(dst, s, CW_KOMMUN_LEN);
    dst[CW_KOMMUN_LEN] = '\0';
    return CW_REJ_NONE;
}

static cw_reject_code_t decode_bool(const field_t *fd, const json_t *v, cw_event_t *ev,
                                    cw_reject_t *rej)
{
    if (!json_is_boolean(v))
        return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: not a boolean", fd->name);
    set_int(ev, fd, json_is_true(v) ? CW_TRI_TRUE : CW_TRI_FALSE);
    return CW_REJ_NONE;
}

static cw_reject_code_t decode_enum(const field_t *fd, const json_t *v, cw_event_t *ev,
                                    cw_reject_t *rej)
{
    const char *s;
    size_t len;
    cw_reject_code_t rc = field_string(fd, v, &s, &len, rej);
    if (rc)
        return rc;
    int val = cw_enum_lookup((cw_enum_t)fd->enum_of, s, len);
    if (val == 0)
        return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: not one of the allowed values",
                             fd->name);
    set_int(ev, fd, val);
    return CW_REJ_NONE;
}

static int year_of(const char *s)
{
    return (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
}

static cw_reject_code_t decode_date(const field_t *fd, const json_t *v, cw_event_t *ev,
                                    cw_reject_t *rej)
{
    const char *s;
    size_t len;
    cw_reject_code_t rc = field_string(fd, v, &s, &len, rej);
    if (rc)
        return rc;
    cw_date_t d;
    /* cw_date_parse checked the digits, so year_of() reads a number. */
    if (cw_date_parse(s, len, &d) != CW_OK || year_of(s) < YEAR_MIN || year_of(s) > YEAR_MAX)
        return cw_reject_set(rej, CW_REJ_BAD_DATE, "data.%s: not a YYYY-MM-DD date (years %d-%d)",
                             fd->name, YEAR_MIN, YEAR_MAX);
    memcpy(member(ev, fd), &d, sizeof(d));
    ev->present |= fd->flag;
    return CW_REJ_NONE;
}

static cw_reject_code_t decode_month(const field_t *fd, const json_t *v, cw_event_t *ev,
                                     cw_reject_t *rej)
{
    const char *s;
    size_t len;
    cw_reject_code_t rc = field_string(fd, v, &s, &len, rej);
    if (rc)
        return rc;
    bool ok = len == 7 && s[4] == '-' && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) &&
              is_digit(s[3]) && is_digit(s[5]) && is_digit(s[6]);
    int y = 0, m = 0;
    if (ok) {
        y = year_of(s);
        m = (s[5] - '0') * 10 + (s[6] - '0');
        ok = y >= YEAR_MIN && y <= YEAR_MAX && m >= 1 && m <= 12;
    }
    if (!ok)
        return cw_reject_set(rej, CW_REJ_BAD_DATE, "data.%s: not a YYYY-MM month (years %d-%d)",
                             fd->name, YEAR_MIN, YEAR_MAX);
    ev->born_year = (int16_t)y;
    ev->born_month = (int8_t)m;
    ev->present |= fd->flag;
    return CW_REJ_NONE;
}

static cw_reject_code_t decode_instant(const field_t *fd, const json_t *v, cw_event_t *ev,
                                       cw_reject_t *rej)
{
    const char *s;
    size_t len;
    cw_reject_code_t rc = field_string(fd, v, &s, &len, rej);
    if (rc)
        return rc;
    cw_instant_t t;
    if (cw_time_parse(s, len, &t, NULL, NULL, 0) != CW_OK || t < INSTANT_MIN || t >= INSTANT_END)
        return cw_reject_set(rej, CW_REJ_BAD_DATE,
                             "data.%s: not an RFC 3339 date-time with an offset", fd->name);
    memcpy(member(ev, fd), &t, sizeof(t));
    ev->present |= fd->flag;
    return CW_REJ_NONE;
}

static cw_reject_code_t decode_field(const field_t *fd, const json_t *v, cw_event_t *ev,
                                     cw_reject_t *rej)
{
    switch ((kind_t)fd->kind) {
    case K_STR:
        return decode_str(fd, v, ev, rej);
    case K_KOMMUN:
        return decode_kommun(fd, v, ev, rej);
    case K_BOOL:
        return decode_bool(fd, v, ev, rej);
    case K_ENUM:
        return decode_enum(fd, v, ev, rej);
    case K_DATE:
        return decode_date(fd, v, ev, rej);
    case K_MONTH:
        return decode_month(fd, v, ev, rej);
    case K_INSTANT:
        return decode_instant(fd, v, ev, rej);
    }
    return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: unsupported", fd->name);
}

static cw_reject_code_t decode_data(const json_t *data, cw_event_t *ev, cw_reject_t *rej)
{
    const type_fields_t *tf = &types[ev->type];
    uint32_t todo = tf->req | tf->opt | tf->any, seen = 0;
    while (todo) {
        int f = __builtin_ctz(todo);
        todo &= todo - 1;
        const field_t *fd = &fields[f];
        const json_t *v = json_object_getn(data, fd->name, fd->name_len);
        if (!v || json_is_null(v)) {
            if (tf->req & (1u << f))
                return cw_reject_set(rej, CW_REJ_MISSING_FIELD, "data.%s: missing", fd->name);
            continue;
        }
        cw_reject_code_t rc = decode_field(fd, v, ev, rej);
        if (rc)
            return rc;
        seen |= 1u << f;
    }
    if (tf->any && !(seen & tf->any)) {
        /* "data.investigation_id or data.placement_id: one is required" */
        char names[CW_REJECT_DETAIL_SIZE] = "";
        size_t n = 0;
        for (uint32_t m = tf->any; m && n < sizeof(names); m &= m - 1)
            n += (size_t)snprintf(names + n, sizeof(names) - n, "%sdata.%s", n ? " or " : "",
                                  fields[__builtin_ctz(m)].name);
        return cw_reject_set(rej, CW_REJ_MISSING_FIELD, "%s: one is required", names);
    }
    /* report.received: violence defaults to false (investigation.opened
     * keeps unset: it takes the report's). */
    if (ev->type == CW_EV_REPORT_RECEIVED && ev->violence == CW_TRI_UNSET)
        ev->violence = CW_TRI_FALSE;
    return CW_REJ_NONE;
}

/* A required attribute: a non-empty string without NUL bytes, at most max
 * bytes (0: no limit here). */
static cw_reject_code_t attr_string(const json_t *root, const char *name, size_t name_len,
                                    size_t max, const char **s, size_t *len, cw_reject_t *rej)
{
    const json_t *v = json_object_getn(root, name, name_len);
    if (!v || json_is_null(v))
        return cw_reject_set(rej, CW_REJ_MISSING_ATTRIBUTE, "%s: missing", name);
    if (!json_is_string(v))
        return cw_reject_set(rej, CW_REJ_BAD_ATTRIBUTE, "%s: not a string", name);
    *s = json_string_value(v);
    *len = json_string_length(v);
    if (*len == 0)
        return cw_reject_set(rej, CW_REJ_BAD_ATTRIBUTE, "%s: empty", name);
    if (memchr(*s, '\0', *len))
        return cw_reject_set(rej, CW_REJ_BAD_ATTRIBUTE, "%s: contains a NUL byte", name);
    if (max && *len > max)
        return cw_reject_set(rej, CW_REJ_FIELD_TOO_LONG, "%s: longer than %zu bytes", name, max);
    return CW_REJ_NONE;
}

/* Copies an attribute checked by attr_string() into a member of size max + 1. */
static void copy_attr(char *dst, const char *s, size_t len)
{
    memcpy(dst, s, len);
    dst[len] = '\0';
}

#define ATTR(key, max, s, len)                                                                     \
    do {                                                                                           \
        cw_reject_code_t rc_ = attr_string(root, LIT(key), max, s, len, rej);                      \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

static cw_reject_code_t decode_root(const json_t *root, cw_event_t *ev, cw_reject_t *rej)
{
    if (!json_is_object(root))
        return cw_reject_set(rej, CW_REJ_NOT_OBJECT, "event: not a JSON object");

    const char *s;
    size_t len;
    /* id first, so that a rejection can name the event. */
    ATTR("id", CW_ID_MAX, &s, &len);
    copy_attr(ev->id, s, len);

    ATTR("specversion", 0, &s, &len);
    if (len != 3 || memcmp(s, "1.0", 3) != 0)
        return cw_reject_set(rej, CW_REJ_BAD_SPECVERSION, "specversion: not \"1.0\"");

    ATTR("source", CW_SOURCE_MAX, &s, &len);
    copy_attr(ev->source, s, len);

    const char *type, *time;
    size_t type_len, time_len;
    ATTR("type", 0, &type, &type_len);
    ATTR("subject", CW_ID_MAX, &s, &len);
    copy_attr(ev->subject, s, len);
    ATTR("time", 0, &time, &time_len);

    int t = -1;
    if (type_len > PREFIX_LEN && memcmp(type, CW_TYPE_PREFIX, PREFIX_LEN) == 0)
        t = cw_event_type_lookup(type + PREFIX_LEN, type_len - PREFIX_LEN);
    if (t < 0)
        return cw_reject_set(rej, CW_REJ_UNKNOWN_TYPE, "type: not in the event catalogue");
    ev->type = (cw_event_type_t)t;

    if (cw_time_parse(time, time_len, &ev->time, NULL, NULL, 0) != CW_OK ||
        ev->time < INSTANT_MIN || ev->time >= INSTANT_END)
        return cw_reject_set(rej, CW_REJ_BAD_TIME,
                             "time: not an RFC 3339 date-time with an offset");

    const json_t *data = json_object_getn(root, LIT("data"));
    if (!data || json_is_null(data))
        return cw_reject_set(rej, CW_REJ_MISSING_DATA, "data: missing");
    if (!json_is_object(data))
        return cw_reject_set(rej, CW_REJ_MISSING_DATA, "data: not an object");
    return decode_data(data, ev, rej);
}

#undef ATTR

cw_reject_code_t cw_event_from_json(const char *buf, size_t len, cw_event_t *ev, cw_reject_t *rej)
{
    cw_reject_t scratch;
    if (!rej)
        rej = &scratch;
    rej->code = CW_REJ_NONE;
    rej->detail[0] = '\0';
    cw_event_clear(ev);

    if (len > CW_EVENT_MAX_BYTES)
        return cw_reject_set(rej, CW_REJ_TOO_LARGE, "event: %zu bytes, over the limit of %d", len,
                             CW_EVENT_MAX_BYTES);
    if (!buf || len == 0)
        return cw_reject_set(rej, CW_REJ_BAD_JSON, "event: empty");

    /* DECODE_ANY so that a scalar is not_object rather than bad_json;
     * ALLOW_NUL so that "\u0000" in a string is reported on its field. */
    json_error_t jerr;
    json_t *root =
        json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!root) /* jerr.text may quote the input: not in the detail */
        return cw_reject_set(rej, CW_REJ_BAD_JSON, "event: not valid JSON (line %d, column %d)",
                             jerr.line, jerr.column);
    cw_reject_code_t rc = decode_root(root, ev, rej);
    json_decref(root);
    return rc;
}

/* ---- encoding ---- */

typedef struct {
    char *p; /* next byte; the buffer is sized for the worst case */
} out_t;

static void put(out_t *o, const char *s, size_t n)
{
    memcpy(o->p, s, n);
    o->p += n;
}

#define PUT(o, lit) put(o, LIT(lit))

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        k = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlongs */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; /* up to U+10FFFF */
    } else
        return 0;
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return k;
}

/* A JSON string of the first n bytes of s (stops at a NUL). At most 6
 * output bytes per input byte, plus the quotes. */
static void put_string(out_t *o, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    n = strnlen(str, n);
    *o->p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o->p++ = (char)c;
        } else if (c == '"' || c == '\\') {
            *o->p++ = '\\';
            *o->p++ = (char)c;
        } else if (c == '\n') {
            PUT(o, "\\n");
        } else if (c == '\t') {
            PUT(o, "\\t");
        } else if (c == '\r') {
            PUT(o, "\\r");
        } else if (c < 0x20) {
            PUT(o, "\\u00");
            *o->p++ = hex[c >> 4];
            *o->p++ = hex[c & 15];
        } else {
            size_t k = utf8_len(s + i, n - i);
            if (k == 0) {
                PUT(o, "\\ufffd");
            } else {
                put(o, str + i, k);
                i += k - 1;
            }
        }
    }
    *o->p++ = '"';
}

static void put_key(out_t *o, bool *first, const char *key, size_t key_len)
{
    if (!*first)
        *o->p++ = ',';
    *first = false;
    *o->p++ = '"';
    put(o, key, key_len);
    PUT(o, "\":");
}

static void put_field(out_t *o, bool *first, const field_t *fd, const cw_event_t *ev)
{
    const char *m = (const char *)ev + fd->off;
    int iv;
    char buf[CW_TIME_STR_SIZE];
    switch ((kind_t)fd->kind) {
    case K_STR:
    case K_KOMMUN:
        if (!m[0])
            return;
        put_key(o, first, fd->name, fd->name_len);
        put_string(o, m, fd->max);
        return;
    case K_BOOL:
        memcpy(&iv, m, sizeof(iv));
        if (iv != CW_TRI_TRUE && iv != CW_TRI_FALSE)
            return;
        put_key(o, first, fd->name, fd->name_len);
        if (iv == CW_TRI_TRUE)
            PUT(o, "true");
        else
            PUT(o, "false");
        return;
    case K_ENUM: {
        memcpy(&iv, m, sizeof(iv));
        const char *name = cw_enum_name((cw_enum_t)fd->enum_of, iv);
        if (!name)
            return;
        put_key(o, first, fd->name, fd->name_len);
        put_string(o, name, strlen(name));
        return;
    }
    case K_DATE: {
        if (!(ev->present & fd->flag))
            return;
        cw_date_t d;
        memcpy(&d, m, sizeof(d));
        put_key(o, first, fd->name, fd->name_len);
        put_string(o, cw_date_format(d, buf), CW_DATE_STR_SIZE);
        return;
    }
    case K_MONTH:
        if (!(ev->present & fd->flag))
            return;
        snprintf(buf, sizeof(buf), "%04d-%02d", ev->born_year, ev->born_month);
        put_key(o, first, fd->name, fd->name_len);
        put_string(o, buf, sizeof(buf));
        return;
    case K_INSTANT: {
        if (!(ev->present & fd->flag))
            return;
        cw_instant_t t;
        memcpy(&t, m, sizeof(t));
        put_key(o, first, fd->name, fd->name_len);
        put_string(o, cw_time_format_utc(t, buf), sizeof(buf));
        return;
    }
    }
}

/* Worst case: every byte of the struct escaped to 6 bytes, plus keys,
 * punctuation and formatted values. */
#define ENCODE_BOUND (6 * sizeof(cw_event_t) + 2048)

char *cw_event_to_json(const cw_event_t *ev)
{
    char *buf = cw_malloc(ENCODE_BOUND);
    out_t o = {buf};
    char tbuf[CW_TIME_STR_SIZE];

    PUT(&o, "{\"specversion\":\"1.0\"");
    bool first = false;
    if (ev->id[0]) {
        put_key(&o, &first, LIT("id"));
        put_string(&o, ev->id, CW_ID_MAX);
    }
    if (ev->source[0]) {
        put_key(&o, &first, LIT("source"));
        put_string(&o, ev->source, CW_SOURCE_MAX);
    }
    const char *tname = cw_event_type_name(ev->type);
    if (tname) {
        put_key(&o, &first, LIT("type"));
        PUT(&o, "\"" CW_TYPE_PREFIX);
        put(&o, tname, strlen(tname));
        *o.p++ = '"';
    }
    put_key(&o, &first, LIT("time"));
    put_string(&o, cw_time_format_utc(ev->time, tbuf), sizeof(tbuf));
    if (ev->subject[0]) {
        put_key(&o, &first, LIT("subject"));
        put_string(&o, ev->subject, CW_ID_MAX);
    }
    put_key(&o, &first, LIT("datacontenttype"));
    PUT(&o, "\"application/json\"");
    put_key(&o, &first, LIT("data"));
    *o.p++ = '{';
    first = true;
    uint32_t todo = COMMON_REQ | COMMON_OPT;
    if (tname) {
        const type_fields_t *tf = &types[ev->type];
        todo = tf->req | tf->opt | tf->any;
    }
    for (; todo; todo &= todo - 1)
        put_field(&o, &first, &fields[__builtin_ctz(todo)], ev);
    PUT(&o, "}}");
    *o.p = '\0';
    return cw_realloc(buf, (size_t)(o.p - buf) + 1);
}
