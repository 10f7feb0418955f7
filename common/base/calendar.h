/* The Swedish legal calendar.
 *
 * Public holidays per lag (1989:253) om allmänna helgdagar, with its history
 * (annandag pingst until 2004, nationaldagen from 2005; before 1953
 * midsommardagen was 24 June, alla helgons dag 1 November and Marie
 * bebådelsedag 25 March; första maj from 1939), and the days that lag
 * (1930:173) om beräkning av lagstadgad tid 2 § treats alike: Saturdays,
 * Sundays, midsommarafton, julafton and nyårsafton. The 2 § list in force
 * today is applied to every year.
 *
 * Period arithmetic follows 1930:173 1 §: days are counted from the day
 * after the start; weeks land on the same weekday; months and years on the
 * same day number, or the last day of the month where that number does not
 * exist. Supported years: 1583–9999 (Gregorian Easter); tested 1900–2199. */
#ifndef CW_BASE_CALENDAR_H
#define CW_BASE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/time.h"

typedef enum {
    CW_DAY_BUSINESS = 0, /* a vardag under 1930:173 2 § */
    CW_DAY_SATURDAY,     /* a plain Saturday */
    CW_DAY_SUNDAY,       /* a plain Sunday */
    CW_DAY_HOLIDAY,      /* an allmän helgdag (lag 1989:253) */
    CW_DAY_EVE,          /* midsommarafton, julafton or nyårsafton */
} cw_day_kind_t;

typedef enum {
    CW_PERIOD_DAYS,
    CW_PERIOD_WEEKS,
    CW_PERIOD_MONTHS,
    CW_PERIOD_YEARS,
} cw_period_unit_t;

typedef struct {
    int n; /* 0 … 100000 */
    cw_period_unit_t unit;
} cw_period_t;

#define CW_PERIOD_STR_SIZE   16
#define CW_HOLIDAY_NAME_SIZE 64

typedef struct {
    cw_date_t date;
    cw_day_kind_t kind;              /* CW_DAY_HOLIDAY or CW_DAY_EVE */
    char name[CW_HOLIDAY_NAME_SIZE]; /* Swedish; ", "-joined when two coincide */
} cw_cal_day_t;

/* Gregorian Easter Sunday of the year. */
cw_date_t cw_cal_easter(int year);

/* Classifies a date. If name is not NULL it receives a static, borrowed
 * Swedish name for holidays and eves (the first if two coincide), else NULL. */
cw_day_kind_t cw_cal_day_kind(cw_date_t date, const char **name);
bool cw_cal_is_business_day(cw_date_t date);
/* The date itself if it is a business day, else the next one (2 §). */
cw_date_t cw_cal_roll_forward(cw_date_t date);

/* Every non-business day of the year that is not a plain Saturday or
 * Sunday, sorted. Returns the number written (at most cap). 32 is enough. */
size_t cw_cal_year_days(int year, cw_cal_day_t *out, size_t cap);

/* "14d", "1w", "4m", "2y" (exactly len bytes). */
cw_err_t cw_period_parse(const char *s, size_t len, cw_period_t *out);
const char *cw_period_format(cw_period_t p, char buf[CW_PERIOD_STR_SIZE]);
/* from + period under 1930:173 1 §. */
cw_date_t cw_cal_add(cw_date_t from, cw_period_t period);

#endif
