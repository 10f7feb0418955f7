#include "model/event.h"

#include <string.h>

/* A wire name with its length, so lookups compare lengths before bytes. */
typedef struct {
    const char *s;
    unsigned char len;
} name_t;

#define NAME(wire) {wire, sizeof(wire) - 1},

static const name_t type_names[CW_EV__COUNT] = {
#define X(name, wire) NAME(wire)
    CW_EVENT_TYPES(X)
#undef X
};

/* Index 0 is the "absent" value of each closed set. */
static const name_t reporter_names[CW_REPORTER__COUNT] = {{NULL, 0},
#define X(name, wire) NAME(wire)
                                                          CW_REPORTERS(X)
#undef X
};
static const name_t outcome_names[CW_OUTCOME__COUNT] = {{NULL, 0},
#define X(name, wire) NAME(wire)
                                                        CW_OUTCOMES(X)
#undef X
};
static const name_t basis_names[CW_BASIS__COUNT] = {{NULL, 0},
#define X(name, wire) NAME(wire)
                                                    CW_BASES(X)
#undef X
};
static const name_t setting_names[CW_SETTING__COUNT] = {{NULL, 0},
#define X(name, wire) NAME(wire)
                                                        CW_SETTINGS(X)
#undef X
};
static const name_t end_reason_names[CW_END__COUNT] = {{NULL, 0},
#define X(name, wire) NAME(wire)
                                                       CW_END_REASONS(X)
#undef X
};

#undef NAME

/* Linear search from `from`: length and first byte first, then the rest. */
static int lookup(const name_t *t, int from, int n, const char *s, size_t len)
{
    if (!s || len == 0 || len > 255)
        return -1;
    for (int i = from; i < n; i++) {
        if (t[i].len == len && t[i].s[0] == s[0] && memcmp(t[i].s, s, len) == 0)
            return i;
    }
    return -1;
}

static const char *name_of(const name_t *t, int from, int n, int v)
{
    return v >= from && v < n ? t[v].s : NULL;
}

const char *cw_event_type_name(cw_event_type_t t)
{
    return name_of(type_names, 0, CW_EV__COUNT, (int)t);
}

int cw_event_type_lookup(const char *name, size_t len)
{
    return lookup(type_names, 0, CW_EV__COUNT, name, len);
}

#define ENUM_FUNCS(prefix, table, count)                                                           \
    const char *cw_##prefix##_name(cw_##prefix##_t v)                                              \
    {                                                                                              \
        return name_of(table, 1, count, (int)v);                                                   \
    }                                                                                              \
    int cw_##prefix##_lookup(const char *s, size_t len)                                            \
    {                                                                                              \
        int i = lookup(table, 1, count, s, len);                                                   \
        return i < 0 ? 0 : i;                                                                      \
    }

ENUM_FUNCS(reporter, reporter_names, CW_REPORTER__COUNT)
ENUM_FUNCS(outcome, outcome_names, CW_OUTCOME__COUNT)
ENUM_FUNCS(basis, basis_names, CW_BASIS__COUNT)
ENUM_FUNCS(setting, setting_names, CW_SETTING__COUNT)
ENUM_FUNCS(end_reason, end_reason_names, CW_END__COUNT)

#undef ENUM_FUNCS

void cw_event_clear(cw_event_t *ev)
{
    memset(ev, 0, sizeof(*ev));
}

static const struct {
    const name_t *names;
    int count;
} enums[CW_ENUM__COUNT] = {
    [CW_ENUM_REPORTER] = {reporter_names, CW_REPORTER__COUNT},
    [CW_ENUM_OUTCOME] = {outcome_names, CW_OUTCOME__COUNT},
    [CW_ENUM_BASIS] = {basis_names, CW_BASIS__COUNT},
    [CW_ENUM_SETTING] = {setting_names, CW_SETTING__COUNT},
    [CW_ENUM_END_REASON] = {end_reason_names, CW_END__COUNT},
};

const char *cw_enum_name(cw_enum_t which, int v)
{
    return (unsigned)which < CW_ENUM__COUNT ? name_of(enums[which].names, 1, enums[which].count, v)
                                            : NULL;
}

int cw_enum_lookup(cw_enum_t which, const char *s, size_t len)
{
    if ((unsigned)which >= CW_ENUM__COUNT)
        return 0;
    int v = lookup(enums[which].names, 1, enums[which].count, s, len);
    return v < 0 ? 0 : v;
}

int cw_enum_count(cw_enum_t which)
{
    return (unsigned)which < CW_ENUM__COUNT ? enums[which].count : 0;
}
