#include "base/time.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- civil calendar (H. Hinnant's days_from_civil / civil_from_days) ---- */

cw_date_t cw_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void cw_date_to_ymd(cw_date_t date, int *year, int *month, int *day)
{
    int z = date + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int m = mp < 10 ? mp + 3 : mp - 9;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = m;
    *year = yoe + era * 400 + (m <= 2);
}

int cw_date_weekday(cw_date_t date)
{
    return ((date % 7) + 7 + 3) % 7 + 1; /* 1970-01-01 was a Thursday */
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int cw_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* Reads exactly n decimal digits; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool ymd_valid(int y, int m, int d)
{
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= cw_days_in_month(y, m);
}

cw_err_t cw_date_parse(const char *s, size_t len, cw_date_t *out)
{
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return CW_ERR_PARSE;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 0 || d < 0 || !ymd_valid(y, m, d))
        return CW_ERR_PARSE;
    *out = cw_date_from_ymd(y, m, d);
    return CW_OK;
}

/* Writes v as n decimal digits (v in [0, 10^n)). The alert path formats
 * several dates and instants per alert; snprintf was a tenth of a replay's
 * instructions (callgrind). */
static char *put_digits(char *o, int v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        o[i] = (char)('0' + v % 10);
    return o + n;
}

/* "YYYY-MM-DD" at o for years 0..9999; returns the end, NULL otherwise. */
static char *ymd(char *o, int y, int m, int d)
{
    if (y < 0 || y > 9999)
        return NULL;
    o = put_digits(o, y, 4);
    *o++ = '-';
    o = put_digits(o, m, 2);
    *o++ = '-';
    return put_digits(o, d, 2);
}

const char *cw_date_format(cw_date_t date, char buf[CW_DATE_STR_SIZE])
{
    int y, m, d;
    cw_date_to_ymd(date, &y, &m, &d);
    char *end = ymd(buf, y, m, d);
    if (end)
        *end = '\0';
    else
        snprintf(buf, CW_DATE_STR_SIZE, "%04d-%02d-%02d", y, m, d);
    return buf;
}

/* ---- RFC 3339 ---- */

cw_err_t cw_time_parse(const char *s, size_t len, cw_instant_t *out, int *offset_sec, char *errstr,
                       size_t errstr_size)
{
    /* Shortest valid form: "YYYY-MM-DDThh:mm:ssZ" (20 bytes). */
    if (len < 20 || len > 64)
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "not an RFC 3339 date-time");
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "not an RFC 3339 date-time");
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || !ymd_valid(y, mo, d) || h > 23 ||
        mi > 59 || sec > 60)
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "date-time field out of range");
    size_t i = 19;
    int ms = 0;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        int scale = 100;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            ms += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start)
            return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "empty fraction of a second");
    }
    if (i >= len)
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE,
                          "missing UTC offset (Z or +hh:mm is required)");
    int off = 0;
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
        off = 0;
    } else if ((s[i] == '+' || s[i] == '-') && i + 6 == len && s[i + 3] == ':') {
        int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
        if (oh < 0 || om < 0 || oh > 23 || om > 59)
            return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "bad UTC offset");
        off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
    } else {
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE,
                          "missing or bad UTC offset (Z or +hh:mm is required)");
    }
    int64_t days = cw_date_from_ymd(y, mo, d);
    /* A leap second (:60) is taken as the first millisecond after :59.999. */
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off;
    *out = secs * 1000 + ms;
    if (offset_sec)
        *offset_sec = off;
    return CW_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static const char *format_with_offset(cw_instant_t t, int off, char buf[CW_TIME_STR_SIZE])
{
    int64_t local_ms = t + (int64_t)off * 1000;
    int64_t days = floor_div(local_ms, CW_MS_PER_DAY);
    int64_t rem = local_ms - days * CW_MS_PER_DAY;
    int y, mo, d;
    cw_date_to_ymd((cw_date_t)days, &y, &mo, &d);
    int sod = (int)(rem / 1000), ms = (int)(rem % 1000);
    char *o = off > -100 * 3600 && off < 100 * 3600 ? ymd(buf, y, mo, d) : NULL;
    if (o) {
        *o++ = 'T';
        o = put_digits(o, sod / 3600, 2);
        *o++ = ':';
        o = put_digits(o, sod / 60 % 60, 2);
        *o++ = ':';
        o = put_digits(o, sod % 60, 2);
        if (ms) {
            *o++ = '.';
            o = put_digits(o, ms, 3);
        }
        if (off) {
            int a = off < 0 ? -off : off;
            *o++ = off < 0 ? '-' : '+';
            o = put_digits(o, a / 3600, 2);
            *o++ = ':';
            o = put_digits(o, a / 60 % 60, 2);
        } else {
            *o++ = 'Z';
        }
        *o = '\0';
        return buf;
    }
    char frac[8] = "";
    if (ms)
        snprintf(frac, sizeof(frac), ".%03d", ms);
    char zone[16] = "Z";
    if (off) {
        int a = off < 0 ? -off : off;
        snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
    }
    snprintf(buf, CW_TIME_STR_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", y, mo, d, sod / 3600,
             sod / 60 % 60, sod % 60, frac, zone);
    return buf;
}

const char *cw_time_format_utc(cw_instant_t t, char buf[CW_TIME_STR_SIZE])
{
    return format_with_offset(t, 0, buf);
}

const char *cw_time_format(cw_instant_t t, char buf[CW_TIME_STR_SIZE])
{
    /* RFC 3339 offsets are whole minutes. An offset with seconds (local mean
     * time, e.g. Stockholm's +01:00:14 before 1900) is cut to the minute, and
     * the wall time shown with it, so that the text still denotes t. */
    int off = cw_time_offset(t);
    return format_with_offset(t, off - off % 60, buf);
}

/* ---- the zone ----
 *
 * glibc's localtime_r is correct (it reads the zone's TZif file and its POSIX
 * footer rule) but slow and serialised by a lock, and it is the only zone API
 * in the C library. So at init we ask it once for every offset change between
 * TABLE_FROM and TABLE_TO and keep them in a sorted table. Changes are found
 * by probing every PROBE_STEP seconds and bisecting where the offset differs;
 * this assumes two changes are never closer than PROBE_STEP apart, which
 * holds for Europe/Stockholm (and for every zone with ordinary DST). */

#define TABLE_FROM (-2211667200LL) /* 1899-12-01T00:00:00Z */
#define TABLE_TO   (7289654400LL)  /* 2201-01-01T00:00:00Z */
#define PROBE_STEP (7 * 86400LL)
#define MAX_TRANS  1024

static struct {
    bool ready;
    unsigned gen;             /* bumped when the table is rebuilt */
    int off_before;           /* offset before the first change in the table */
    int n;                    /* number of changes */
    int64_t at[MAX_TRANS];    /* instant (s) of each change, ascending */
    int off_after[MAX_TRANS]; /* offset from that instant on */
} zone;

static int glibc_offset(int64_t secs)
{
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return 0;
    return (int)tm.tm_gmtoff;
}

cw_err_t cw_time_init(const char *name, char *errstr, size_t errstr_size)
{
    if (!name || !*name)
        name = CW_DEFAULT_ZONE;
    if (strstr(name, "..") || name[0] == '/')
        return cw_err_set(errstr, errstr_size, CW_ERR_CONFIG, "bad time zone name \"%s\"", name);
    /* glibc falls back to UTC silently when the zone file is missing, so
     * check that tzdata has it first. */
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    if (access(path, R_OK) != 0)
        return cw_err_set(
            errstr, errstr_size, CW_ERR_CONFIG,
            "time zone \"%s\" not found in the tz database (%s); is tzdata installed?", name, path);
    setenv("TZ", name, 1);
    tzset();

    zone.gen++;
    zone.n = 0;
    zone.off_before = glibc_offset(TABLE_FROM);
    int prev = zone.off_before;
    for (int64_t t = TABLE_FROM; t < TABLE_TO; t += PROBE_STEP) {
        int64_t next = t + PROBE_STEP;
        int o = glibc_offset(next);
        if (o == prev)
            continue;
        int64_t lo = t, hi = next; /* offset(lo) == prev, offset(hi) == o */
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            if (glibc_offset(mid) == prev)
                lo = mid;
            else
                hi = mid;
        }
        if (zone.n == MAX_TRANS)
            return cw_err_set(errstr, errstr_size, CW_ERR_RANGE,
                              "time zone \"%s\" has too many offset changes", name);
        zone.at[zone.n] = hi;
        zone.off_after[zone.n] = o;
        zone.n++;
        prev = o;
    }
    zone.ready = true;
    return CW_OK;
}

static int offset_secs(int64_t secs)
{
    if (!zone.ready || secs < TABLE_FROM || secs >= TABLE_TO)
        return glibc_offset(secs);
    /* The interval of the last lookup (per thread): the engine asks about
     * the same few days again and again, and the bisection was 5 % of a
     * replay. [from, to) has one offset. */
    static _Thread_local int64_t from = 1, to = 0;
    static _Thread_local int cached;
    static _Thread_local unsigned gen;
    if (secs >= from && secs < to && gen == zone.gen)
        return cached;
    /* last change at or before secs */
    int lo = 0, hi = zone.n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (zone.at[mid] <= secs)
            lo = mid + 1;
        else
            hi = mid;
    }
    from = lo == 0 ? TABLE_FROM : zone.at[lo - 1];
    to = lo == zone.n ? TABLE_TO : zone.at[lo];
    cached = lo == 0 ? zone.off_before : zone.off_after[lo - 1];
    gen = zone.gen;
    return cached;
}

int cw_time_offset(cw_instant_t t)
{
    return offset_secs(floor_div(t, 1000));
}

void cw_time_to_local(cw_instant_t t, cw_date_t *date, int *sec_of_day)
{
    int64_t secs = floor_div(t, 1000);
    int64_t local = secs + offset_secs(secs);
    int64_t days = floor_div(local, 86400);
    if (date)
        *date = (cw_date_t)days;
    if (sec_of_day)
        *sec_of_day = (int)(local - days * 86400);
}

cw_date_t cw_time_local_date(cw_instant_t t)
{
    cw_date_t d;
    cw_time_to_local(t, &d, NULL);
    return d;
}

cw_instant_t cw_time_from_local(cw_date_t date, int sec_of_day)
{
    int64_t local = (int64_t)date * 86400 + sec_of_day;
    /* Offsets a day either side; at most one change lies between them. */
    int before = offset_secs(local - 86400), after = offset_secs(local + 86400);
    int64_t t_before = local - before, t_after = local - after;
    bool ok_before = offset_secs(t_before) == before;
    bool ok_after = offset_secs(t_after) == after;
    int64_t secs;
    if (ok_before && ok_after)
        secs = t_before < t_after ? t_before : t_after; /* repeated hour: first */
    else if (ok_before)
        secs = t_before;
    else if (ok_after)
        secs = t_after;
    else
        secs = t_before; /* skipped hour: read with the old offset, lands after the gap */
    return secs * 1000;
}

cw_instant_t cw_time_day_start(cw_date_t date)
{
    return cw_time_from_local(date, 0);
}
