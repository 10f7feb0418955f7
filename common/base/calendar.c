#include "base/calendar.h"

#include <stdio.h>
#include <string.h>

/* Anonymous Gregorian algorithm (Meeus/Jones/Butcher). The tests check it
 * against a published table, not against a second copy of this formula. */
cw_date_t cw_cal_easter(int y)
{
    int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31;
    int day = (h + l - 7 * m + 114) % 31 + 1;
    return cw_date_from_ymd(y, month, day);
}

typedef enum {
    FIXED,      /* month/day */
    EASTER,     /* Easter Sunday + offset days */
    WEEKDAY_IN, /* the given weekday in the 7 days starting month/day */
} anchor_t;

typedef struct {
    const char *name;
    cw_day_kind_t kind;
    anchor_t anchor;
    int month, day; /* FIXED, WEEKDAY_IN */
    int offset;     /* EASTER: days; WEEKDAY_IN: ISO weekday */
    int from, to;   /* years in force, inclusive */
} holiday_t;

#define H      CW_DAY_HOLIDAY
#define E      CW_DAY_EVE
#define ALWAYS 0, 9999

/* Sorted by their place in the year, so a year's list comes out in order. */
static const holiday_t holidays[] = {
    {"nyårsdagen", H, FIXED, 1, 1, 0, ALWAYS},
    {"trettondedag jul", H, FIXED, 1, 6, 0, ALWAYS},
    {"Marie bebådelsedag", H, FIXED, 3, 25, 0, 0, 1952},
    {"långfredagen", H, EASTER, 0, 0, -2, ALWAYS},
    {"påskdagen", H, EASTER, 0, 0, 0, ALWAYS},
    {"annandag påsk", H, EASTER, 0, 0, 1, ALWAYS},
    {"första maj", H, FIXED, 5, 1, 0, 1939, 9999},
    {"Kristi himmelsfärdsdag", H, EASTER, 0, 0, 39, ALWAYS},
    {"pingstdagen", H, EASTER, 0, 0, 49, ALWAYS},
    {"annandag pingst", H, EASTER, 0, 0, 50, 0, 2004},
    {"Sveriges nationaldag", H, FIXED, 6, 6, 0, 2005, 9999},
    {"midsommarafton", E, WEEKDAY_IN, 6, 19, 5, 1953, 9999},
    {"midsommarafton", E, FIXED, 6, 23, 0, 0, 1952},
    {"midsommardagen", H, WEEKDAY_IN, 6, 20, 6, 1953, 9999},
    {"midsommardagen", H, FIXED, 6, 24, 0, 0, 1952},
    {"alla helgons dag", H, WEEKDAY_IN, 10, 31, 6, 1953, 9999},
    {"alla helgons dag", H, FIXED, 11, 1, 0, 0, 1952},
    {"julafton", E, FIXED, 12, 24, 0, ALWAYS},
    {"juldagen", H, FIXED, 12, 25, 0, ALWAYS},
    {"annandag jul", H, FIXED, 12, 26, 0, ALWAYS},
    {"nyårsafton", E, FIXED, 12, 31, 0, ALWAYS},
};
#define N_HOLIDAYS (sizeof(holidays) / sizeof(holidays[0]))

static cw_date_t holiday_date(const holiday_t *h, int year, cw_date_t easter)
{
    switch (h->anchor) {
    case FIXED:
        return cw_date_from_ymd(year, h->month, h->day);
    case EASTER:
        return easter + h->offset;
    case WEEKDAY_IN: {
        cw_date_t first = cw_date_from_ymd(year, h->month, h->day);
        return first + ((h->offset - cw_date_weekday(first)) % 7 + 7) % 7;
    }
    }
    return 0;
}

cw_day_kind_t cw_cal_day_kind(cw_date_t date, const char **name)
{
    int y, m, d;
    cw_date_to_ymd(date, &y, &m, &d);
    /* Only Easter-relative days (March 20 … June 14) need Easter. */
    cw_date_t easter = (m >= 3 && m <= 6) ? cw_cal_easter(y) : 0;
    cw_day_kind_t found = CW_DAY_BUSINESS;
    for (size_t i = 0; i < N_HOLIDAYS; i++) {
        const holiday_t *h = &holidays[i];
        if (y < h->from || y > h->to)
            continue;
        if (h->anchor == EASTER && !easter)
            continue;
        if (holiday_date(h, y, easter) != date)
            continue;
        if (found == CW_DAY_BUSINESS || (found == CW_DAY_EVE && h->kind == CW_DAY_HOLIDAY)) {
            found = h->kind;
            if (name)
                *name = h->name;
        }
    }
    if (found != CW_DAY_BUSINESS)
        return found;
    if (name)
        *name = NULL;
    int wd = cw_date_weekday(date);
    return wd == 6 ? CW_DAY_SATURDAY : wd == 7 ? CW_DAY_SUNDAY : CW_DAY_BUSINESS;
}

bool cw_cal_is_business_day(cw_date_t date)
{
    return cw_cal_day_kind(date, NULL) == CW_DAY_BUSINESS;
}

cw_date_t cw_cal_roll_forward(cw_date_t date)
{
    while (!cw_cal_is_business_day(date))
        date++;
    return date;
}

size_t cw_cal_year_days(int year, cw_cal_day_t *out, size_t cap)
{
    cw_date_t easter = cw_cal_easter(year);
    size_t n = 0;
    for (size_t i = 0; i < N_HOLIDAYS; i++) {
        const holiday_t *h = &holidays[i];
        if (year < h->from || year > h->to)
            continue;
        cw_date_t date = holiday_date(h, year, easter);
        size_t j = 0;
        while (j < n && out[j].date != date)
            j++;
        if (j < n) { /* two holidays on one date, e.g. första maj 2008 */
            size_t len = strlen(out[j].name);
            snprintf(out[j].name + len, sizeof(out[j].name) - len, ", %s", h->name);
            if (h->kind == CW_DAY_HOLIDAY)
                out[j].kind = CW_DAY_HOLIDAY;
            continue;
        }
        if (n == cap)
            break;
        /* insertion keeps the list sorted (Easter days move between fixed ones) */
        j = n;
        while (j > 0 && out[j - 1].date > date) {
            out[j] = out[j - 1];
            j--;
        }
        out[j].date = date;
        out[j].kind = h->kind;
        snprintf(out[j].name, sizeof(out[j].name), "%s", h->name);
        n++;
    }
    return n;
}

cw_err_t cw_period_parse(const char *s, size_t len, cw_period_t *out)
{
    if (len < 2 || len > 7)
        return CW_ERR_PARSE;
    int n = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return CW_ERR_PARSE;
        n = n * 10 + (s[i] - '0');
    }
    if (n > 100000)
        return CW_ERR_RANGE;
    switch (s[len - 1]) {
    case 'd':
        out->unit = CW_PERIOD_DAYS;
        break;
    case 'w':
        out->unit = CW_PERIOD_WEEKS;
        break;
    case 'm':
        out->unit = CW_PERIOD_MONTHS;
        break;
    case 'y':
        out->unit = CW_PERIOD_YEARS;
        break;
    default:
        return CW_ERR_PARSE;
    }
    out->n = n;
    return CW_OK;
}

const char *cw_period_format(cw_period_t p, char buf[CW_PERIOD_STR_SIZE])
{
    static const char units[] = "dwmy";
    snprintf(buf, CW_PERIOD_STR_SIZE, "%d%c", p.n, units[p.unit]);
    return buf;
}

static cw_date_t add_months(cw_date_t from, int months)
{
    int y, m, d;
    cw_date_to_ymd(from, &y, &m, &d);
    int total = y * 12 + (m - 1) + months;
    int ny = total / 12, nm = total % 12 + 1;
    int last = cw_days_in_month(ny, nm);
    return cw_date_from_ymd(ny, nm, d > last ? last : d);
}

cw_date_t cw_cal_add(cw_date_t from, cw_period_t p)
{
    switch (p.unit) {
    case CW_PERIOD_DAYS:
        return from + p.n;
    case CW_PERIOD_WEEKS:
        return from + 7 * p.n;
    case CW_PERIOD_MONTHS:
        return add_months(from, p.n);
    case CW_PERIOD_YEARS:
        return add_months(from, 12 * p.n);
    }
    return from;
}
