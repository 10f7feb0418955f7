/* Instants, local dates and RFC 3339.
 *
 * An instant is milliseconds since the Unix epoch (UTC). A date is a local
 * calendar date in the configured zone (Europe/Stockholm by default), as a
 * day number: days since 1970-01-01 in the proleptic Gregorian calendar.
 * Deadlines are dates; the instant a date ends is the local midnight that
 * begins the next date (cw_time_day_start(d + 1)), DST included.
 *
 * The zone comes from the system tz database (tzdata) through glibc. The
 * module owns the process's TZ: cw_time_init() sets it once. Conversions use
 * a table of UTC-offset changes built from glibc at init for 1899–2200, so
 * the hot path is a binary search with no lock and no environment lookup;
 * instants outside that range ask glibc directly. */
#ifndef CW_BASE_TIME_H
#define CW_BASE_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef int64_t cw_instant_t; /* ms since 1970-01-01T00:00:00Z */
typedef int32_t cw_date_t;    /* local days since 1970-01-01 */

#define CW_DEFAULT_ZONE  "Europe/Stockholm"
#define CW_DATE_STR_SIZE 11 /* "YYYY-MM-DD" + NUL */
#define CW_TIME_STR_SIZE 64 /* "YYYY-MM-DDThh:mm:ss.sss+hh:mm" + NUL, with room for any int */
#define CW_MS_PER_DAY    86400000LL

/* Sets the process time zone (NULL: Europe/Stockholm) and builds the
 * offset table. Fails if the zone is not in the tz database. Call once at
 * start-up before any other cw_time or cw_cal call; not thread-safe. */
cw_err_t cw_time_init(const char *zone, char *errstr, size_t errstr_size);

/* Civil dates (no zone involved). Months 1–12, weekday 1 = Monday … 7 = Sunday. */
cw_date_t cw_date_from_ymd(int year, int month, int day);
void cw_date_to_ymd(cw_date_t date, int *year, int *month, int *day);
int cw_date_weekday(cw_date_t date);
int cw_days_in_month(int year, int month);
/* Strict "YYYY-MM-DD" (exactly len bytes, years 0001–9999). */
cw_err_t cw_date_parse(const char *s, size_t len, cw_date_t *out);
/* Writes "YYYY-MM-DD"; returns buf (borrowed). */
const char *cw_date_format(cw_date_t date, char buf[CW_DATE_STR_SIZE]);

/* RFC 3339 date-time with a mandatory offset ("Z" or ±hh:mm), optional
 * fraction (kept to the millisecond). Parses exactly len bytes. If
 * offset_sec is not NULL it receives the offset written in the text. */
cw_err_t cw_time_parse(const char *s, size_t len, cw_instant_t *out, int *offset_sec, char *errstr,
                       size_t errstr_size);
/* RFC 3339 in the configured zone's local offset, e.g.
 * "2025-03-30T03:30:00+02:00" (".sss" only when the milliseconds are not 0).
 * Returns buf (borrowed). */
const char *cw_time_format(cw_instant_t t, char buf[CW_TIME_STR_SIZE]);
/* The same in UTC with "Z". */
const char *cw_time_format_utc(cw_instant_t t, char buf[CW_TIME_STR_SIZE]);

/* Zone conversions. */
int cw_time_offset(cw_instant_t t); /* seconds east of UTC in force at t */
cw_date_t cw_time_local_date(cw_instant_t t);
/* Local date and seconds since local midnight (wall-clock, 0–86399). */
void cw_time_to_local(cw_instant_t t, cw_date_t *date, int *sec_of_day);
/* The instant a local wall-clock time denotes. A time that does not exist
 * (skipped at a spring change) is moved forward by the gap, like mktime();
 * a time that occurs twice (autumn) gives the first occurrence. */
cw_instant_t cw_time_from_local(cw_date_t date, int sec_of_day);
/* The instant the local date begins (local midnight). */
cw_instant_t cw_time_day_start(cw_date_t date);

#endif
