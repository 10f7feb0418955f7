#include "model/fields.h"

#include <stdio.h>
#include <string.h>

#define LIT(s) s, (sizeof(s) - 1)

/* Enum members are written and read as int. */
_Static_assert(sizeof(cw_tri_t) == sizeof(int) && sizeof(cw_reporter_t) == sizeof(int) &&
                   sizeof(cw_outcome_t) == sizeof(int) && sizeof(cw_basis_t) == sizeof(int) &&
                   sizeof(cw_setting_t) == sizeof(int) && sizeof(cw_end_reason_t) == sizeof(int),
               "enums are int-sized");

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

const field_t cw_fields[F__COUNT] = {
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

#define B(f) FIELD_BIT(F_##f)
#define T(r, o, a)                                                                                 \
    {                                                                                              \
        COMMON_REQ | (r), COMMON_OPT | (o), (a)                                                    \
    }
#define INV_OR_PLAC (B(INVESTIGATION_ID) | B(PLACEMENT_ID))

const type_fields_t cw_type_fields[CW_EV__COUNT] = {
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
#undef B

int cw_field_lookup(cw_event_type_t t, const char *name, size_t len)
{
    if ((unsigned)t >= CW_EV__COUNT)
        return -1;
    const type_fields_t *tf = &cw_type_fields[t];
    for (uint32_t m = tf->req | tf->opt | tf->any; m; m &= m - 1) {
        int f = __builtin_ctz(m);
        if (cw_fields[f].name_len == len && memcmp(cw_fields[f].name, name, len) == 0)
            return f;
    }
    return -1;
}

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

static int year_of(const char *s)
{
    return (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
}

static cw_reject_code_t set_str(const field_t *fd, const char *s, size_t len, cw_event_t *ev,
                                cw_reject_t *rej)
{
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

static cw_reject_code_t set_kommun(const field_t *fd, const char *s, size_t len, cw_event_t *ev,
                                   cw_reject_t *rej)
{
    if (len != CW_KOMMUN_LEN || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) ||
        !is_digit(s[3]))
        return cw_reject_set(rej, CW_REJ_BAD_MUNICIPALITY, "data.%s: not a 4-digit kommunkod",
                             fd->name);
    char *dst = member(ev, fd);
    memcpy(dst, s, CW_KOMMUN_LEN);
    dst[CW_KOMMUN_LEN] = '\0';
    return CW_REJ_NONE;
}

static cw_reject_code_t set_date_string(const field_t *fd, const char *s, size_t len,
                                        cw_event_t *ev, cw_reject_t *rej)
{
    cw_date_t d;
    /* cw_date_parse checked the digits, so year_of() reads a number. */
    if (cw_date_parse(s, len, &d) != CW_OK || year_of(s) < YEAR_MIN || year_of(s) > YEAR_MAX)
        return cw_reject_set(rej, CW_REJ_BAD_DATE, "data.%s: not a YYYY-MM-DD date (years %d-%d)",
                             fd->name, YEAR_MIN, YEAR_MAX);
    memcpy(member(ev, fd), &d, sizeof(d));
    ev->present |= fd->flag;
    return CW_REJ_NONE;
}

static cw_reject_code_t set_month(const field_t *fd, const char *s, size_t len, cw_event_t *ev,
                                  cw_reject_t *rej)
{
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

static cw_reject_code_t set_instant_string(const field_t *fd, const char *s, size_t len,
                                           cw_event_t *ev, cw_reject_t *rej)
{
    cw_instant_t t;
    if (cw_time_parse(s, len, &t, NULL, NULL, 0) != CW_OK || t < INSTANT_MIN || t >= INSTANT_END)
        return cw_reject_set(rej, CW_REJ_BAD_DATE,
                             "data.%s: not an RFC 3339 date-time with an offset", fd->name);
    memcpy(member(ev, fd), &t, sizeof(t));
    ev->present |= fd->flag;
    return CW_REJ_NONE;
}

cw_reject_code_t cw_field_set_string(const field_t *fd, const char *s, size_t len, cw_event_t *ev,
                                     cw_reject_t *rej)
{
    if (memchr(s, '\0', len))
        return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: contains a NUL byte", fd->name);
    switch ((kind_t)fd->kind) {
    case K_STR:
        return set_str(fd, s, len, ev, rej);
    case K_KOMMUN:
        return set_kommun(fd, s, len, ev, rej);
    case K_ENUM:
        return cw_field_set_enum(fd, cw_enum_lookup((cw_enum_t)fd->enum_of, s, len), ev, rej);
    case K_DATE:
        return set_date_string(fd, s, len, ev, rej);
    case K_MONTH:
        return set_month(fd, s, len, ev, rej);
    case K_INSTANT:
        return set_instant_string(fd, s, len, ev, rej);
    case K_BOOL:
        break;
    }
    return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: not a boolean", fd->name);
}

void cw_field_set_bool(const field_t *fd, bool v, cw_event_t *ev)
{
    set_int(ev, fd, v ? CW_TRI_TRUE : CW_TRI_FALSE);
}

cw_reject_code_t cw_field_set_enum(const field_t *fd, int v, cw_event_t *ev, cw_reject_t *rej)
{
    if (v <= 0 || v >= cw_enum_count((cw_enum_t)fd->enum_of))
        return cw_reject_set(rej, CW_REJ_BAD_FIELD, "data.%s: not one of the allowed values",
                             fd->name);
    set_int(ev, fd, v);
    return CW_REJ_NONE;
}

cw_reject_code_t cw_field_set_date(const field_t *fd, cw_date_t d, cw_event_t *ev, cw_reject_t *rej)
{
    if (d < cw_date_from_ymd(YEAR_MIN, 1, 1) || d > cw_date_from_ymd(YEAR_MAX, 12, 31))
        return cw_reject_set(rej, CW_REJ_BAD_DATE, "data.%s: not a date in the years %d-%d",
                             fd->name, YEAR_MIN, YEAR_MAX);
    memcpy(member(ev, fd), &d, sizeof(d));
    ev->present |= fd->flag;
    return CW_REJ_NONE;
}

cw_reject_code_t cw_field_set_instant(const field_t *fd, cw_instant_t t, cw_event_t *ev,
                                      cw_reject_t *rej)
{
    if (t < INSTANT_MIN || t >= INSTANT_END)
        return cw_reject_set(rej, CW_REJ_BAD_DATE, "data.%s: out of the years 0001-9999", fd->name);
    memcpy(member(ev, fd), &t, sizeof(t));
    ev->present |= fd->flag;
    return CW_REJ_NONE;
}

cw_reject_code_t cw_fields_finish(cw_event_t *ev, uint32_t seen, cw_reject_t *rej)
{
    const type_fields_t *tf = &cw_type_fields[ev->type];
    uint32_t missing = tf->req & ~seen;
    if (missing)
        return cw_reject_set(rej, CW_REJ_MISSING_FIELD, "data.%s: missing",
                             cw_fields[__builtin_ctz(missing)].name);
    if (tf->any && !(seen & tf->any)) {
        /* "data.investigation_id or data.placement_id: one is required" */
        char names[CW_REJECT_DETAIL_SIZE] = "";
        size_t n = 0;
        for (uint32_t m = tf->any; m && n < sizeof(names); m &= m - 1)
            n += (size_t)snprintf(names + n, sizeof(names) - n, "%sdata.%s", n ? " or " : "",
                                  cw_fields[__builtin_ctz(m)].name);
        return cw_reject_set(rej, CW_REJ_MISSING_FIELD, "%s: one is required", names);
    }
    /* report.received: violence defaults to false (investigation.opened
     * keeps unset: it takes the report's). */
    if (ev->type == CW_EV_REPORT_RECEIVED && ev->violence == CW_TRI_UNSET)
        ev->violence = CW_TRI_FALSE;
    return CW_REJ_NONE;
}

cw_reject_code_t cw_attr_string(const char *name, const char *s, size_t len, size_t max, char *dst,
                                cw_reject_t *rej)
{
    if (len == 0)
        return cw_reject_set(rej, CW_REJ_BAD_ATTRIBUTE, "%s: empty", name);
    if (memchr(s, '\0', len))
        return cw_reject_set(rej, CW_REJ_BAD_ATTRIBUTE, "%s: contains a NUL byte", name);
    if (max && len > max)
        return cw_reject_set(rej, CW_REJ_FIELD_TOO_LONG, "%s: longer than %zu bytes", name, max);
    if (dst) {
        memcpy(dst, s, len);
        dst[len] = '\0';
    }
    return CW_REJ_NONE;
}

cw_reject_code_t cw_attr_specversion(const char *s, size_t len, cw_reject_t *rej)
{
    if (len != 3 || memcmp(s, "1.0", 3) != 0)
        return cw_reject_set(rej, CW_REJ_BAD_SPECVERSION, "specversion: not \"1.0\"");
    return CW_REJ_NONE;
}

#define PREFIX_LEN (sizeof(CW_TYPE_PREFIX) - 1)

cw_reject_code_t cw_attr_type(const char *s, size_t len, cw_event_t *ev, cw_reject_t *rej)
{
    int t = -1;
    if (len > PREFIX_LEN && memcmp(s, CW_TYPE_PREFIX, PREFIX_LEN) == 0)
        t = cw_event_type_lookup(s + PREFIX_LEN, len - PREFIX_LEN);
    if (t < 0)
        return cw_reject_set(rej, CW_REJ_UNKNOWN_TYPE, "type: not in the event catalogue");
    ev->type = (cw_event_type_t)t;
    return CW_REJ_NONE;
}

cw_reject_code_t cw_attr_time_ms(cw_instant_t t, cw_event_t *ev, cw_reject_t *rej)
{
    if (t < INSTANT_MIN || t >= INSTANT_END)
        return cw_reject_set(rej, CW_REJ_BAD_TIME, "time: out of the years 0001-9999");
    ev->time = t;
    return CW_REJ_NONE;
}
