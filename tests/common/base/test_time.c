/* Unit tests for base/time: civil dates, RFC 3339, Europe/Stockholm.
 *
 * Every expected value below was written down by hand and checked by a route
 * independent of the module while writing: GNU date (`date -d 2199-12-31
 * +%u`), `zdump -v -c 2025,2026 Europe/Stockholm` and Python's
 * datetime/zoneinfo (`datetime.datetime.fromisoformat(s).timestamp()`,
 * `datetime.date(y, m, d) - datetime.date(1970, 1, 1)`). Instants are
 * milliseconds since 1970-01-01T00:00:00Z. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/time.h"

/* ---- fixtures and helpers ---- */

static int setup(void **state)
{
    (void)state;
    char errstr[256] = "";
    assert_int_equal(cw_time_init(NULL, errstr, sizeof(errstr)), CW_OK);
    return 0;
}

#define YMD(y, m, d) cw_date_from_ymd((y), (m), (d))

static void check_date_str(cw_date_t date, const char *want, const char *file, int line)
{
    char buf[CW_DATE_STR_SIZE];
    const char *got = cw_date_format(date, buf);
    if (strcmp(got, want) != 0) {
        print_error("date %d formats as \"%s\", want \"%s\"\n", (int)date, got, want);
        _fail(file, line);
    }
}
#define assert_date_str(date, want) check_date_str((date), (want), __FILE__, __LINE__)

/* Parses s (whole string) and expects success. */
static cw_instant_t parse_ok(const char *s, int *offset, const char *file, int line)
{
    cw_instant_t t = 0;
    char errstr[256] = "";
    cw_err_t err = cw_time_parse(s, strlen(s), &t, offset, errstr, sizeof(errstr));
    if (err != CW_OK) {
        print_error("cw_time_parse(\"%s\") failed: %s (%s)\n", s, cw_err_name(err), errstr);
        _fail(file, line);
    }
    return t;
}
#define PARSE_OK(s, off) parse_ok((s), (off), __FILE__, __LINE__)

static void check_parse_fails(const char *s, size_t len, const char *file, int line)
{
    cw_instant_t t = 0;
    int off = 0;
    char errstr[256] = "";
    cw_err_t err = cw_time_parse(s, len, &t, &off, errstr, sizeof(errstr));
    if (err == CW_OK) {
        print_error("cw_time_parse(\"%.*s\", %zu) accepted it as %lld\n", (int)len, s, len,
                    (long long)t);
        _fail(file, line);
    }
    if (err != CW_ERR_PARSE) {
        print_error("cw_time_parse(\"%.*s\") returned %s, want CW_ERR_PARSE\n", (int)len, s,
                    cw_err_name(err));
        _fail(file, line);
    }
    if (errstr[0] == '\0') {
        print_error("cw_time_parse(\"%.*s\") left errstr empty\n", (int)len, s);
        _fail(file, line);
    }
}
#define assert_parse_fails(s)      check_parse_fails((s), strlen(s), __FILE__, __LINE__)
#define assert_parse_fails_n(s, n) check_parse_fails((s), (n), __FILE__, __LINE__)

static void check_fmt(cw_instant_t t, bool utc, const char *want, const char *file, int line)
{
    char buf[CW_TIME_STR_SIZE];
    const char *got = utc ? cw_time_format_utc(t, buf) : cw_time_format(t, buf);
    if (got != buf || strcmp(got, want) != 0) {
        print_error("%s(%lld) = \"%s\", want \"%s\"\n",
                    utc ? "cw_time_format_utc" : "cw_time_format", (long long)t, got, want);
        _fail(file, line);
    }
}
#define assert_fmt(t, want)     check_fmt((t), false, (want), __FILE__, __LINE__)
#define assert_fmt_utc(t, want) check_fmt((t), true, (want), __FILE__, __LINE__)

static void check_local(cw_instant_t t, int y, int m, int d, int sod, const char *file, int line)
{
    cw_date_t date = -1;
    int got_sod = -1;
    cw_time_to_local(t, &date, &got_sod);
    int gy, gm, gd;
    cw_date_to_ymd(date, &gy, &gm, &gd);
    if (gy != y || gm != m || gd != d || got_sod != sod) {
        print_error("instant %lld is local %04d-%02d-%02d + %ds, want %04d-%02d-%02d + %ds\n",
                    (long long)t, gy, gm, gd, got_sod, y, m, d, sod);
        _fail(file, line);
    }
    if (cw_time_local_date(t) != date) {
        print_error("cw_time_local_date(%lld) disagrees with cw_time_to_local\n", (long long)t);
        _fail(file, line);
    }
}
#define assert_local(t, y, m, d, sod) check_local((t), (y), (m), (d), (sod), __FILE__, __LINE__)

#define H(h, m, s) ((h)*3600 + (m)*60 + (s))

/* ---- init ---- */

static void test_init_rejects_bad_zones(void **state)
{
    (void)state;
    char errstr[256];

    errstr[0] = '\0';
    assert_int_equal(cw_time_init("Nowhere/Atlantis", errstr, sizeof(errstr)), CW_ERR_CONFIG);
    assert_non_null(strstr(errstr, "Nowhere/Atlantis"));

    errstr[0] = '\0';
    assert_int_equal(cw_time_init("../../etc/passwd", errstr, sizeof(errstr)), CW_ERR_CONFIG);
    assert_true(errstr[0] != '\0');

    errstr[0] = '\0';
    assert_int_equal(cw_time_init("/etc/localtime", errstr, sizeof(errstr)), CW_ERR_CONFIG);
    assert_true(errstr[0] != '\0');

    /* A failed init leaves the Stockholm zone in force. */
    assert_int_equal(cw_time_offset(1751364000000LL), 7200); /* 2025-07-01T10:00Z */
}

static void test_init_other_zone_and_back(void **state)
{
    (void)state;
    char errstr[256] = "";
    assert_int_equal(cw_time_init("UTC", errstr, sizeof(errstr)), CW_OK);
    assert_int_equal(cw_time_offset(1751364000000LL), 0);
    assert_fmt(1751364000000LL, "2025-07-01T10:00:00Z");

    assert_int_equal(cw_time_init("America/New_York", errstr, sizeof(errstr)), CW_OK);
    assert_int_equal(cw_time_offset(1735725600000LL), -5 * 3600); /* 2025-01-01T10:00Z, EST */
    assert_int_equal(cw_time_offset(1751364000000LL), -4 * 3600); /* 2025-07-01T10:00Z, EDT */
    assert_fmt(1735725600000LL, "2025-01-01T05:00:00-05:00");

    /* "" and NULL both mean Europe/Stockholm. */
    assert_int_equal(cw_time_init("", errstr, sizeof(errstr)), CW_OK);
    assert_int_equal(cw_time_offset(1751364000000LL), 7200);
    assert_int_equal(cw_time_init(NULL, errstr, sizeof(errstr)), CW_OK);
    assert_int_equal(cw_time_offset(1735725600000LL), 3600);
}

/* ---- civil dates ---- */

static void test_date_anchors(void **state)
{
    (void)state;
    /* Day numbers from Python: (date(y, m, d) - date(1970, 1, 1)).days */
    assert_int_equal(YMD(1970, 1, 1), 0);
    assert_int_equal(YMD(1969, 12, 31), -1);
    assert_int_equal(YMD(1970, 1, 2), 1);
    assert_int_equal(YMD(1900, 1, 1), -25567);
    assert_int_equal(YMD(2000, 3, 1), 11017);
    assert_int_equal(YMD(2024, 2, 29), 19782);
    assert_int_equal(YMD(2025, 6, 7), 20246);
    assert_int_equal(YMD(2199, 12, 31), 84005);
    assert_int_equal(YMD(1, 1, 1), -719162);
    assert_int_equal(YMD(9999, 12, 31), 2932896);

    int y, m, d;
    cw_date_to_ymd(-25567, &y, &m, &d);
    assert_int_equal(y, 1900);
    assert_int_equal(m, 1);
    assert_int_equal(d, 1);
    cw_date_to_ymd(-1, &y, &m, &d);
    assert_int_equal(y, 1969);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
    cw_date_to_ymd(19782, &y, &m, &d);
    assert_int_equal(y, 2024);
    assert_int_equal(m, 2);
    assert_int_equal(d, 29);
    cw_date_to_ymd(2932896, &y, &m, &d);
    assert_int_equal(y, 9999);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
}

static void test_date_weekday(void **state)
{
    (void)state;
    /* Checked with GNU date: date -d YYYY-MM-DD +%u */
    assert_int_equal(cw_date_weekday(YMD(2025, 11, 23)), 7); /* Sunday */
    assert_int_equal(cw_date_weekday(YMD(1970, 1, 1)), 4);   /* Thursday */
    assert_int_equal(cw_date_weekday(YMD(1969, 12, 31)), 3); /* Wednesday */
    assert_int_equal(cw_date_weekday(YMD(1900, 1, 1)), 1);   /* Monday */
    assert_int_equal(cw_date_weekday(YMD(2199, 12, 31)), 2); /* Tuesday */
    assert_int_equal(cw_date_weekday(YMD(2000, 2, 29)), 2);  /* Tuesday */
    assert_int_equal(cw_date_weekday(YMD(2025, 6, 7)), 6);   /* Saturday */
    assert_int_equal(cw_date_weekday(YMD(2025, 12, 22)), 1); /* Monday */
    assert_int_equal(cw_date_weekday(YMD(2025, 12, 19)), 5); /* Friday */
    assert_int_equal(cw_date_weekday(YMD(2024, 10, 31)), 4); /* Thursday */
    assert_int_equal(cw_date_weekday(YMD(1, 1, 1)), 1);      /* Monday (proleptic) */
    assert_int_equal(cw_date_weekday(YMD(9999, 12, 31)), 5); /* Friday */
}

static void test_days_in_month(void **state)
{
    (void)state;
    static const int want2025[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++)
        assert_int_equal(cw_days_in_month(2025, m), want2025[m - 1]);
    assert_int_equal(cw_days_in_month(2024, 2), 29);
    assert_int_equal(cw_days_in_month(2000, 2), 29); /* divisible by 400 */
    assert_int_equal(cw_days_in_month(1900, 2), 28); /* divisible by 100 */
    assert_int_equal(cw_days_in_month(2100, 2), 28);
    assert_int_equal(cw_days_in_month(2400, 2), 29);
    assert_int_equal(cw_days_in_month(2023, 2), 28);
}

/* Walks every day of 1900–2199 with a plain y/m/d counter (month lengths
 * from a table, leap years by the Gregorian rule written out here) and
 * checks both directions and the weekday cycle. Anchors at both ends are
 * absolute numbers, so a consistent but shifted calendar would fail too. */
static void test_date_roundtrip_1900_2199(void **state)
{
    (void)state;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 1900, m = 1, d = 1;
    cw_date_t date = -25567; /* 1900-01-01, a Monday */
    int wd = 1;
    long days = 0;
    while (y < 2200) {
        if (cw_date_from_ymd(y, m, d) != date) {
            fail_msg("cw_date_from_ymd(%d, %d, %d) = %d, want %d", y, m, d,
                     (int)cw_date_from_ymd(y, m, d), (int)date);
        }
        int gy, gm, gd;
        cw_date_to_ymd(date, &gy, &gm, &gd);
        if (gy != y || gm != m || gd != d)
            fail_msg("cw_date_to_ymd(%d) = %d-%d-%d, want %d-%d-%d", (int)date, gy, gm, gd, y, m,
                     d);
        if (cw_date_weekday(date) != wd)
            fail_msg("weekday of %d-%d-%d = %d, want %d", y, m, d, cw_date_weekday(date), wd);
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int len = m == 2 && leap ? 29 : mdays[m - 1];
        if (d == 1 && cw_days_in_month(y, m) != len)
            fail_msg("cw_days_in_month(%d, %d) = %d, want %d", y, m, cw_days_in_month(y, m), len);
        date++;
        days++;
        wd = wd % 7 + 1;
        if (++d > len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    /* 300 years with 73 leap years (75 multiples of 4, less 1900 and 2100). */
    assert_int_equal(days, 300 * 365 + 73);
    assert_int_equal(date - 1, 84005); /* 2199-12-31 */
}

static void test_date_parse_valid(void **state)
{
    (void)state;
    cw_date_t d = 12345;
    assert_int_equal(cw_date_parse("2025-11-23", 10, &d), CW_OK);
    assert_int_equal(d, 20415); /* Python: (date(2025,11,23) - date(1970,1,1)).days */
    assert_int_equal(cw_date_parse("1970-01-01", 10, &d), CW_OK);
    assert_int_equal(d, 0);
    assert_int_equal(cw_date_parse("1900-01-01", 10, &d), CW_OK);
    assert_int_equal(d, -25567);
    assert_int_equal(cw_date_parse("2024-02-29", 10, &d), CW_OK);
    assert_int_equal(d, 19782);
    assert_int_equal(cw_date_parse("2000-02-29", 10, &d), CW_OK);
    assert_int_equal(d, 11016);
    assert_int_equal(cw_date_parse("0001-01-01", 10, &d), CW_OK);
    assert_int_equal(d, -719162);
    assert_int_equal(cw_date_parse("9999-12-31", 10, &d), CW_OK);
    assert_int_equal(d, 2932896);
    /* Exactly len bytes: what follows is not looked at. */
    assert_int_equal(cw_date_parse("2025-06-07T10:00:00Z", 10, &d), CW_OK);
    assert_int_equal(d, 20246);
}

static void test_date_parse_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",           "2025-02-29", "1900-02-29", "2100-02-29", "2024-13-01",  "2024-00-10",
        "2024-01-00", "2024-04-31", "2024-01-32", "0000-01-01", "2025-1-01",   "2025-01-1",
        "25-01-01",   "2025/01/01", "2025.01.01", "20250101",   "2025-01-01T", "+025-01-01",
        " 025-01-01", "2025-01-0a", "2025-0x-01", "2025--1-01", "2025-01-01 ", "abcd-ef-gh",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cw_date_t d = 777;
        cw_err_t err = cw_date_parse(bad[i], strlen(bad[i]), &d);
        if (err == CW_OK)
            fail_msg("cw_date_parse(\"%s\") accepted it as %d", bad[i], (int)d);
        assert_int_equal(d, 777); /* untouched on failure */
    }
    cw_date_t d = 777;
    /* A NUL inside the counted bytes. */
    assert_int_not_equal(cw_date_parse("2025-01-\0001", 10, &d), CW_OK);
    /* Length must be exactly 10. */
    assert_int_not_equal(cw_date_parse("2025-01-01", 9, &d), CW_OK);
    assert_int_not_equal(cw_date_parse("2025-01-011", 11, &d), CW_OK);
    assert_int_equal(d, 777);
}

static void test_date_format(void **state)
{
    (void)state;
    assert_date_str(0, "1970-01-01");
    assert_date_str(-1, "1969-12-31");
    assert_date_str(-25567, "1900-01-01");
    assert_date_str(84005, "2199-12-31");
    assert_date_str(19782, "2024-02-29");
    assert_date_str(20246, "2025-06-07");
    assert_date_str(-719162, "0001-01-01");
    assert_date_str(2932896, "9999-12-31");

    char buf[CW_DATE_STR_SIZE];
    assert_ptr_equal(cw_date_format(0, buf), buf);

    /* Round trip through the text form. */
    for (cw_date_t d = YMD(1899, 12, 1); d <= YMD(2200, 1, 31); d += 37) {
        cw_date_t back = -999999;
        cw_date_format(d, buf);
        assert_int_equal(strlen(buf), 10);
        assert_int_equal(cw_date_parse(buf, 10, &back), CW_OK);
        assert_int_equal(back, d);
    }
}

/* ---- RFC 3339 parsing ---- */

static void test_parse_offsets(void **state)
{
    (void)state;
    int off = 12345;
    assert_int_equal(PARSE_OK("2025-01-01T10:00:00Z", &off), 1735725600000LL);
    assert_int_equal(off, 0);

    off = 12345;
    assert_int_equal(PARSE_OK("2025-07-01T12:00:00+02:00", &off), 1751364000000LL); /* 10:00Z */
    assert_int_equal(off, 7200);

    off = 12345;
    assert_int_equal(PARSE_OK("2025-01-01T10:00:00-05:30", &off), 1735745400000LL); /* 15:30Z */
    assert_int_equal(off, -19800);

    off = 12345;
    assert_int_equal(PARSE_OK("2025-01-01T11:00:00+01:00", &off), 1735725600000LL);
    assert_int_equal(off, 3600);

    off = 12345;
    assert_int_equal(PARSE_OK("2025-01-01T10:00:00+00:00", &off), 1735725600000LL);
    assert_int_equal(off, 0);

    /* Lower-case t and z are allowed by RFC 3339 5.6. */
    assert_int_equal(PARSE_OK("2025-01-01t10:00:00z", NULL), 1735725600000LL);
    assert_int_equal(PARSE_OK("2025-07-01t12:00:00+02:00", NULL), 1751364000000LL);

    /* Offsets cross the date line. */
    assert_int_equal(PARSE_OK("2025-01-02T09:00:00+23:00", NULL), 1735725600000LL);
    assert_int_equal(PARSE_OK("2024-12-31T10:01:00-23:59", NULL), 1735725600000LL);

    assert_int_equal(PARSE_OK("1970-01-01T00:00:00Z", NULL), 0);
    assert_int_equal(PARSE_OK("1970-01-01T01:00:00+01:00", NULL), 0);
    assert_int_equal(PARSE_OK("1969-12-31T23:59:59.999Z", NULL), -1);
    assert_int_equal(PARSE_OK("2025-03-30T03:30:00+02:00", NULL), 1743298200000LL);
    assert_int_equal(PARSE_OK("2250-07-01T12:00:00Z", NULL), 8851636800000LL);
    assert_int_equal(PARSE_OK("1850-07-01T12:00:00Z", NULL), -3771144000000LL);
    /* A leap second reads as the first instant after :59.999. */
    assert_int_equal(PARSE_OK("2016-12-31T23:59:60Z", NULL), 1483228800000LL);
}

static void test_parse_fractions(void **state)
{
    (void)state;
    const cw_instant_t base = 1735725600000LL; /* 2025-01-01T10:00:00Z */
    assert_int_equal(PARSE_OK("2025-01-01T10:00:00.5Z", NULL), base + 500);
    assert_int_equal(PARSE_OK("2025-01-01T10:00:00.05Z", NULL), base + 50);
    assert_int_equal(PARSE_OK("2025-01-01T10:00:00.005Z", NULL), base + 5);
    assert_int_equal(PARSE_OK("2025-01-01T10:00:00.123Z", NULL), base + 123);
    assert_int_equal(PARSE_OK("2025-01-01T10:00:00.123456Z", NULL), base + 123); /* truncated */
    assert_int_equal(PARSE_OK("2025-01-01T10:00:00.999999999Z", NULL), base + 999);
    assert_int_equal(PARSE_OK("2025-01-01T10:00:00.0Z", NULL), base);
    assert_int_equal(PARSE_OK("2025-01-01T11:00:00.250+01:00", NULL), base + 250);
    assert_int_equal(PARSE_OK("2025-01-01T04:30:00.75-05:30", NULL), base + 750);
}

static void test_parse_length(void **state)
{
    (void)state;
    /* Exactly len bytes are parsed: a longer buffer is fine. */
    cw_instant_t t = 0;
    const char *s = "2025-01-01T10:00:00Zjunk";
    assert_int_equal(cw_time_parse(s, 20, &t, NULL, NULL, 0), CW_OK);
    assert_int_equal(t, 1735725600000LL);

    /* 64 bytes is the longest accepted; 43 fraction digits make exactly 64. */
    char buf[128];
    snprintf(buf, sizeof(buf), "2025-01-01T10:00:00.%s%sZ",
             "1234567890123456789012345678901234567890", "123");
    assert_int_equal(strlen(buf), 64);
    assert_int_equal(PARSE_OK(buf, NULL), 1735725600000LL + 123);

    snprintf(buf, sizeof(buf), "2025-01-01T10:00:00.%s%sZ",
             "1234567890123456789012345678901234567890", "1234");
    assert_int_equal(strlen(buf), 65);
    assert_parse_fails(buf);

    /* errstr may be NULL with size 0 on failure too. */
    assert_int_equal(cw_time_parse("nope", 4, &t, NULL, NULL, 0), CW_ERR_PARSE);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    assert_parse_fails("2025-01-01T10:00:00");        /* no offset */
    assert_parse_fails("2025-01-01T10:00:00.123");    /* no offset after fraction */
    assert_parse_fails("2025-01-01");                 /* date only */
    assert_parse_fails("2025-01-01T10:00Z");          /* no seconds */
    assert_parse_fails("2025-01-01 10:00:00Z");       /* space separator */
    assert_parse_fails("2025-01-01X10:00:00Z");       /* wrong separator */
    assert_parse_fails("2025-02-29T10:00:00Z");       /* not a leap year */
    assert_parse_fails("2024-13-01T10:00:00Z");       /* month 13 */
    assert_parse_fails("2024-00-01T10:00:00Z");       /* month 0 */
    assert_parse_fails("2024-04-31T10:00:00Z");       /* 31 April */
    assert_parse_fails("2024-01-00T10:00:00Z");       /* day 0 */
    assert_parse_fails("0000-01-01T10:00:00Z");       /* year 0 */
    assert_parse_fails("2025-01-01T24:00:00Z");       /* hour 24 */
    assert_parse_fails("2025-01-01T10:60:00Z");       /* minute 60 */
    assert_parse_fails("2025-01-01T10:00:61Z");       /* second 61 */
    assert_parse_fails("2025-01-01T10:00:00+25:00");  /* offset hour 25 */
    assert_parse_fails("2025-01-01T10:00:00+24:00");  /* offset hour 24 */
    assert_parse_fails("2025-01-01T10:00:00+02:60");  /* offset minute 60 */
    assert_parse_fails("2025-01-01T10:00:00+0200");   /* offset without colon */
    assert_parse_fails("2025-01-01T10:00:00+02");     /* offset without minutes */
    assert_parse_fails("2025-01-01T10:00:00+2:00");   /* one-digit offset hour */
    assert_parse_fails("2025-01-01T10:00:00 +02:00"); /* space before offset */
    assert_parse_fails("2025-01-01T10:00:00UTC");     /* zone name */
    assert_parse_fails("2025-01-01T10:00:00ZZ");      /* trailing garbage */
    assert_parse_fails("2025-01-01T10:00:00Z ");      /* trailing space */
    assert_parse_fails("2025-01-01T10:00:00+02:00x"); /* trailing garbage */
    assert_parse_fails("2025-01-01T10:00:00.Z");      /* empty fraction */
    assert_parse_fails("2025-01-01T10:00:00,5Z");     /* comma fraction */
    assert_parse_fails("2025-01-01T1a:00:00Z");       /* non-digit */
    assert_parse_fails("2025-1-01T10:00:00Z");        /* short month */
    assert_parse_fails(" 2025-01-01T10:00:00Z");      /* leading space */
    assert_parse_fails("");                           /* empty */
    assert_parse_fails("Z");
    /* Embedded NUL within len, at several places. */
    assert_parse_fails_n("2025-01-01T10:00:00\0Z", 21);
    assert_parse_fails_n("2025-01-01T1\0:00:00Z", 20);
    assert_parse_fails_n("2025-01-01T10:00:00.\0Z", 22);
    assert_parse_fails_n("2025-01-01T10:00:00+02:\0\0", 25);
    /* Truncated by len. */
    assert_parse_fails_n("2025-01-01T10:00:00Z", 19);
    assert_parse_fails_n("2025-01-01T10:00:00+02:00", 24);
    /* Overlong (more than 64 bytes). */
    char buf[200];
    memset(buf, '0', sizeof(buf));
    memcpy(buf, "2025-01-01T10:00:00.", 20);
    buf[150] = 'Z';
    buf[151] = '\0';
    assert_parse_fails(buf);
}

/* ---- formatting ---- */

static void test_format(void **state)
{
    (void)state;
    /* Winter: +01:00; summer: +02:00; ".sss" only when ms != 0. */
    assert_fmt(1735725600000LL, "2025-01-01T11:00:00+01:00");
    assert_fmt(1751364000000LL, "2025-07-01T12:00:00+02:00");
    assert_fmt(1751364000123LL, "2025-07-01T12:00:00.123+02:00");
    assert_fmt(1751364000005LL, "2025-07-01T12:00:00.005+02:00");
    assert_fmt(1751364000500LL, "2025-07-01T12:00:00.500+02:00");
    assert_fmt(1743298200000LL, "2025-03-30T03:30:00+02:00");
    assert_fmt(1743294600000LL, "2025-03-30T01:30:00+01:00");
    assert_fmt(1761438600000LL, "2025-10-26T02:30:00+02:00"); /* first 02:30 */
    assert_fmt(1761442200000LL, "2025-10-26T02:30:00+01:00"); /* second 02:30 */
    assert_fmt(0, "1970-01-01T01:00:00+01:00");
    assert_fmt(-1, "1970-01-01T00:59:59.999+01:00");
    assert_fmt(-3600001LL, "1969-12-31T23:59:59.999+01:00");
    assert_fmt(5695963200000LL, "2150-07-01T14:00:00+02:00");
    /* Before 1900 Stockholm's offset had seconds (LMT +01:12:12 until 1879,
     * then +01:00:14); RFC 3339 has whole minutes only, and the text must
     * still denote the instant. */
    assert_int_equal(cw_time_offset(-3771144000000LL), 4332); /* 1850-07-01T12:00Z */
    assert_int_equal(cw_time_offset(-2210414400000LL), 3614); /* 1899-12-15T12:00Z */
    assert_int_equal(cw_time_offset(-2208945600000LL), 3600); /* 1900-01-01T12:00Z */
    assert_fmt(-3771144000000LL, "1850-07-01T13:12:00+01:12");
    assert_fmt(-2210414400000LL, "1899-12-15T13:00:00+01:00");
    assert_fmt(-2208945600000LL, "1900-01-01T13:00:00+01:00");

    assert_fmt_utc(1735725600000LL, "2025-01-01T10:00:00Z");
    assert_fmt_utc(1751364000000LL, "2025-07-01T10:00:00Z");
    assert_fmt_utc(1751364000500LL, "2025-07-01T10:00:00.500Z");
    assert_fmt_utc(0, "1970-01-01T00:00:00Z");
    assert_fmt_utc(-1, "1969-12-31T23:59:59.999Z");
    assert_fmt_utc(-3771144000000LL, "1850-07-01T12:00:00Z");
    assert_fmt_utc(8851636800000LL, "2250-07-01T12:00:00Z");
}

static void test_format_parse_roundtrip(void **state)
{
    (void)state;
    /* Instant and the offset its local text must carry. */
    static const struct {
        cw_instant_t t;
        int off;
    } cases[] = {
        {0, 3600},
        {-1, 3600},
        {1735725600000LL, 3600},
        {1751364000123LL, 7200},
        {1743296399999LL, 3600}, /* last ms of CET before the spring change */
        {1743296400000LL, 7200}, /* first ms of CEST */
        {1761438600000LL, 7200}, /* first 02:30 on 2025-10-26 */
        {1761442200000LL, 3600}, /* second 02:30 */
        {1761440399999LL, 7200},
        {1761440400000LL, 3600},
        {323830800000LL, 7200},   /* 1980-04-06T01:00Z */
        {5695963200001LL, 7200},  /* 2150-07-01 */
        {5681534400000LL, 3600},  /* 2150-01-15 */
        {-3771144000000LL, 4320}, /* 1850: +01:12:12 written as +01:12 */
        {-2210414400000LL, 3600}, /* 1899-12-15: +01:00:14 written as +01:00 */
        {8851636800000LL, 7200},  /* 2250-07-01 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[CW_TIME_STR_SIZE];
        int off = 99999;
        cw_time_format(cases[i].t, buf);
        assert_int_equal(PARSE_OK(buf, &off), cases[i].t);
        assert_int_equal(off, cases[i].off);
        cw_time_format_utc(cases[i].t, buf);
        assert_int_equal(PARSE_OK(buf, &off), cases[i].t);
        assert_int_equal(off, 0);
    }
    /* Text in the local offset comes back unchanged. */
    static const char *const texts[] = {
        "2025-01-01T11:00:00+01:00",     "2025-07-01T12:00:00.123+02:00",
        "2025-10-26T02:30:00+02:00",     "2025-10-26T02:30:00+01:00",
        "2025-03-30T03:00:00+02:00",     "1980-07-01T14:00:00+02:00",
        "2199-12-31T23:59:59.999+01:00",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char buf[CW_TIME_STR_SIZE];
        assert_string_equal(cw_time_format(PARSE_OK(texts[i], NULL), buf), texts[i]);
    }
}

/* ---- zone: DST in Europe/Stockholm ---- */

static void test_offsets_around_changes(void **state)
{
    (void)state;
    /* 2025: 2025-03-30T01:00:00Z (02:00 CET -> 03:00 CEST) and
     * 2025-10-26T01:00:00Z (03:00 CEST -> 02:00 CET), per zdump. */
    assert_int_equal(cw_time_offset(1743296399999LL), 3600);
    assert_int_equal(cw_time_offset(1743296400000LL), 7200);
    assert_int_equal(cw_time_offset(1761440399999LL), 7200);
    assert_int_equal(cw_time_offset(1761440400000LL), 3600);
    assert_int_equal(cw_time_offset(1735725600000LL), 3600); /* January */
    assert_int_equal(cw_time_offset(1751364000000LL), 7200); /* July */

    /* 1979: no DST in Sweden. 1980: first modern DST, 1980-04-06T01:00Z. */
    assert_int_equal(cw_time_offset(299678400000LL), 3600); /* 1979-07-01T12:00Z */
    assert_int_equal(cw_time_offset(316785600000LL), 3600); /* 1980-01-15T12:00Z */
    assert_int_equal(cw_time_offset(323830799000LL), 3600); /* 1980-04-06T00:59:59Z */
    assert_int_equal(cw_time_offset(323830800000LL), 7200); /* 1980-04-06T01:00:00Z */
    assert_int_equal(cw_time_offset(331300800000LL), 7200); /* 1980-07-01T12:00Z */
    assert_int_equal(cw_time_offset(338950799999LL), 7200); /* 1980-09-28T00:59:59.999Z */
    assert_int_equal(cw_time_offset(338950800000LL), 3600); /* 1980-09-28T01:00Z */

    /* 2150: beyond the explicit transitions of slim TZif files (the POSIX
     * rule applies): change on 2150-03-29T01:00Z and 2150-10-25T01:00Z. */
    assert_int_equal(cw_time_offset(5681534400000LL), 3600); /* 2150-01-15T12:00Z */
    assert_int_equal(cw_time_offset(5695963200000LL), 7200); /* 2150-07-01T12:00Z */
    assert_int_equal(cw_time_offset(5687801999000LL), 3600); /* 2150-03-29T00:59:59Z */
    assert_int_equal(cw_time_offset(5687802000000LL), 7200); /* 2150-03-29T01:00:00Z */
    assert_int_equal(cw_time_offset(5705945999999LL), 7200);
    assert_int_equal(cw_time_offset(5705946000000LL), 3600); /* 2150-10-25T01:00Z */

    /* 2250: outside the module's table, glibc answers directly. */
    assert_int_equal(cw_time_offset(8851636800000LL), 7200); /* 2250-07-01T12:00Z */
    assert_int_equal(cw_time_offset(8837208000000LL), 3600); /* 2250-01-15T12:00Z */
}

static void test_to_local_spring_2025(void **state)
{
    (void)state;
    /* 01:30 CET = 00:30Z */
    assert_local(1743294600000LL, 2025, 3, 30, H(1, 30, 0));
    assert_local(1743296399000LL, 2025, 3, 30, H(1, 59, 59));
    /* 01:00Z is 03:00 CEST: 02:xx never shows. */
    assert_local(1743296400000LL, 2025, 3, 30, H(3, 0, 0));
    assert_local(1743298200000LL, 2025, 3, 30, H(3, 30, 0));
    /* Local midnight at either end of the 23-hour day. */
    assert_local(1743289199999LL, 2025, 3, 29, H(23, 59, 59)); /* 2025-03-29T22:59:59.999Z */
    assert_local(1743289200000LL, 2025, 3, 30, 0);             /* 2025-03-29T23:00Z */
    assert_local(1743371999999LL, 2025, 3, 30, H(23, 59, 59)); /* 2025-03-30T21:59:59.999Z */
    assert_local(1743372000000LL, 2025, 3, 31, 0);             /* 2025-03-30T22:00Z */
}

static void test_to_local_autumn_2025(void **state)
{
    (void)state;
    /* 01:30 CEST = 2025-10-25T23:30Z */
    assert_local(1761435000000LL, 2025, 10, 26, H(1, 30, 0));
    /* 02:30 happens twice: 00:30Z (+02:00) and 01:30Z (+01:00). */
    assert_local(1761438600000LL, 2025, 10, 26, H(2, 30, 0));
    assert_local(1761442200000LL, 2025, 10, 26, H(2, 30, 0));
    assert_local(1761440399000LL, 2025, 10, 26, H(2, 59, 59)); /* 00:59:59Z, CEST */
    assert_local(1761440400000LL, 2025, 10, 26, H(2, 0, 0));   /* 01:00Z, CET */
    assert_local(1761444000000LL, 2025, 10, 26, H(3, 0, 0));   /* 02:00Z */
    /* Local midnight at either end of the 25-hour day. */
    assert_local(1761429599999LL, 2025, 10, 25, H(23, 59, 59)); /* 2025-10-25T21:59:59.999Z */
    assert_local(1761429600000LL, 2025, 10, 26, 0);             /* 2025-10-25T22:00Z */
    assert_local(1761519599999LL, 2025, 10, 26, H(23, 59, 59)); /* 2025-10-26T22:59:59.999Z */
    assert_local(1761519600000LL, 2025, 10, 27, 0);             /* 2025-10-26T23:00Z */
}

static void test_to_local_plain_days(void **state)
{
    (void)state;
    assert_local(1736938800000LL, 2025, 1, 15, H(12, 0, 0));   /* 11:00Z */
    assert_local(1736981999999LL, 2025, 1, 15, H(23, 59, 59)); /* 22:59:59.999Z */
    assert_local(1736982000000LL, 2025, 1, 16, 0);             /* 23:00Z */
    assert_local(1751364000000LL, 2025, 7, 1, H(12, 0, 0));
    /* Negative instants floor, not truncate. */
    assert_local(0, 1970, 1, 1, H(1, 0, 0));
    assert_local(-1, 1970, 1, 1, H(0, 59, 59));
    assert_local(-3600000LL, 1970, 1, 1, 0);
    assert_local(-3600001LL, 1969, 12, 31, H(23, 59, 59));
    /* 1980, 2150, 2250 */
    assert_local(331300800000LL, 1980, 7, 1, H(14, 0, 0));
    assert_local(316785600000LL, 1980, 1, 15, H(13, 0, 0));
    assert_local(5695963200000LL, 2150, 7, 1, H(14, 0, 0));
    assert_local(5681534400000LL, 2150, 1, 15, H(13, 0, 0));
    assert_local(8851636800000LL, 2250, 7, 1, H(14, 0, 0));

    /* NULL outputs are allowed. */
    cw_date_t d = -1;
    cw_time_to_local(1751364000000LL, &d, NULL);
    assert_int_equal(d, YMD(2025, 7, 1));
    int sod = -1;
    cw_time_to_local(1751364000000LL, NULL, &sod);
    assert_int_equal(sod, H(12, 0, 0));
}

static void test_from_local(void **state)
{
    (void)state;
    const cw_date_t spring = YMD(2025, 3, 30), autumn = YMD(2025, 10, 26);

    /* Spring: 02:00–02:59:59 does not exist and moves forward by the hour. */
    assert_int_equal(cw_time_from_local(spring, H(1, 30, 0)), 1743294600000LL);  /* 00:30Z */
    assert_int_equal(cw_time_from_local(spring, H(1, 59, 59)), 1743296399000LL); /* 00:59:59Z */
    assert_int_equal(cw_time_from_local(spring, H(2, 0, 0)), 1743296400000LL);   /* 01:00Z */
    assert_int_equal(cw_time_from_local(spring, H(2, 30, 0)), 1743298200000LL);  /* 01:30Z */
    assert_int_equal(cw_time_from_local(spring, H(3, 0, 0)), 1743296400000LL);   /* 01:00Z */
    assert_int_equal(cw_time_from_local(spring, H(3, 30, 0)), 1743298200000LL);  /* 01:30Z */
    assert_fmt(cw_time_from_local(spring, H(2, 30, 0)), "2025-03-30T03:30:00+02:00");

    /* Autumn: 02:00–02:59:59 happens twice; the first (CEST) is taken. */
    assert_int_equal(cw_time_from_local(autumn, H(1, 30, 0)), 1761435000000LL);  /* 23:30Z -1d */
    assert_int_equal(cw_time_from_local(autumn, H(1, 59, 59)), 1761436799000LL); /* 23:59:59Z */
    assert_int_equal(cw_time_from_local(autumn, H(2, 0, 0)), 1761436800000LL);   /* 00:00Z */
    assert_int_equal(cw_time_from_local(autumn, H(2, 30, 0)), 1761438600000LL);  /* 00:30Z */
    assert_int_equal(cw_time_from_local(autumn, H(3, 0, 0)), 1761444000000LL);   /* 02:00Z */
    assert_fmt(cw_time_from_local(autumn, H(2, 30, 0)), "2025-10-26T02:30:00+02:00");

    /* Ordinary days, both seasons, and the day before/after the changes. */
    assert_int_equal(cw_time_from_local(YMD(2025, 1, 15), H(12, 0, 0)), 1736938800000LL);
    assert_int_equal(cw_time_from_local(YMD(2025, 1, 15), H(23, 59, 59)), 1736981999000LL);
    assert_int_equal(cw_time_from_local(YMD(2025, 7, 1), H(12, 0, 0)), 1751364000000LL);
    assert_int_equal(cw_time_from_local(YMD(2025, 3, 29), H(23, 30, 0)),
                     1743289200000LL - 1800000LL); /* 2025-03-29T22:30Z */
    assert_int_equal(cw_time_from_local(YMD(2025, 3, 31), H(0, 30, 0)),
                     1743372000000LL + 1800000LL); /* 2025-03-30T22:30Z */
    assert_int_equal(cw_time_from_local(YMD(2025, 10, 25), H(23, 30, 0)),
                     1761429600000LL - 1800000LL); /* 2025-10-25T21:30Z */
    assert_int_equal(cw_time_from_local(YMD(2025, 10, 27), H(0, 30, 0)),
                     1761519600000LL + 1800000LL); /* 2025-10-26T23:30Z */

    /* 1980-04-06 02:30 did not exist either: 03:30 CEST = 01:30Z. */
    assert_int_equal(cw_time_from_local(YMD(1980, 4, 6), H(2, 30, 0)), 323832600000LL);
    assert_int_equal(cw_time_from_local(YMD(1980, 7, 1), H(14, 0, 0)), 331300800000LL);
    assert_int_equal(cw_time_from_local(YMD(1980, 1, 15), H(13, 0, 0)), 316785600000LL);
    /* 2150 summer and winter. */
    assert_int_equal(cw_time_from_local(YMD(2150, 7, 1), H(14, 0, 0)), 5695963200000LL);
    assert_int_equal(cw_time_from_local(YMD(2150, 1, 15), H(13, 0, 0)), 5681534400000LL);
    /* 2250 (outside the table). */
    assert_int_equal(cw_time_from_local(YMD(2250, 7, 1), H(14, 0, 0)), 8851636800000LL);
}

static void test_day_start(void **state)
{
    (void)state;
    /* Start of the change days and of the days after them (= their ends). */
    assert_int_equal(cw_time_day_start(YMD(2025, 3, 30)), 1743289200000LL);  /* 03-29T23:00Z */
    assert_int_equal(cw_time_day_start(YMD(2025, 3, 31)), 1743372000000LL);  /* 03-30T22:00Z */
    assert_int_equal(cw_time_day_start(YMD(2025, 10, 26)), 1761429600000LL); /* 10-25T22:00Z */
    assert_int_equal(cw_time_day_start(YMD(2025, 10, 27)), 1761519600000LL); /* 10-26T23:00Z */
    assert_int_equal(cw_time_day_start(YMD(1970, 1, 1)), -3600000LL);
    assert_int_equal(cw_time_day_start(YMD(2150, 3, 29)), 5687794800000LL); /* 03-28T23:00Z */
    assert_int_equal(cw_time_day_start(YMD(2150, 3, 30)), 5687877600000LL); /* 03-29T22:00Z */

    /* Day lengths: 23 h in spring, 25 h in autumn, 24 h otherwise. */
    const int64_t hour = 3600000;
    assert_int_equal(cw_time_day_start(YMD(2025, 3, 31)) - cw_time_day_start(YMD(2025, 3, 30)),
                     23 * hour);
    assert_int_equal(cw_time_day_start(YMD(2025, 10, 27)) - cw_time_day_start(YMD(2025, 10, 26)),
                     25 * hour);
    assert_int_equal(cw_time_day_start(YMD(2025, 3, 30)) - cw_time_day_start(YMD(2025, 3, 29)),
                     24 * hour);
    assert_int_equal(cw_time_day_start(YMD(2025, 10, 28)) - cw_time_day_start(YMD(2025, 10, 27)),
                     24 * hour);
    assert_int_equal(cw_time_day_start(YMD(1980, 4, 7)) - cw_time_day_start(YMD(1980, 4, 6)),
                     23 * hour);
    assert_int_equal(cw_time_day_start(YMD(1980, 9, 29)) - cw_time_day_start(YMD(1980, 9, 28)),
                     25 * hour);
}

/* Per year, the 23- and 25-hour days, checked with Python zoneinfo for
 * every year 1970–2199: none before 1980; from 1980 exactly one of each.
 * Spot dates fix which days they are. */
static void test_dst_days_every_year(void **state)
{
    (void)state;
    const int64_t hour = 3600000;
    cw_date_t d = YMD(1970, 1, 1);
    cw_instant_t start = cw_time_day_start(d);
    for (int year = 1970; year <= 2199; year++) {
        int n23 = 0, n25 = 0;
        cw_date_t short_day = 0, long_day = 0;
        for (; d < YMD(year + 1, 1, 1); d++) {
            cw_instant_t next = cw_time_day_start(d + 1);
            int64_t len = next - start;
            if (len == 23 * hour) {
                n23++;
                short_day = d;
            } else if (len == 25 * hour) {
                n25++;
                long_day = d;
            } else if (len != 24 * hour) {
                fail_msg("day %d of %d is %lld ms long", (int)d, year, (long long)len);
            }
            /* The start maps back to the date at 00:00:00. */
            cw_date_t back;
            int sod;
            cw_time_to_local(start, &back, &sod);
            if (back != d || sod != 0)
                fail_msg("day_start(%d) maps back to %d + %ds", (int)d, (int)back, sod);
            start = next;
        }
        if (year < 1980) {
            if (n23 || n25)
                fail_msg("%d: DST days found in a year without DST", year);
            continue;
        }
        if (n23 != 1 || n25 != 1)
            fail_msg("%d: %d short and %d long days, want 1 and 1", year, n23, n25);
        if (cw_date_weekday(short_day) != 7 || cw_date_weekday(long_day) != 7)
            fail_msg("%d: DST changes not on a Sunday", year);
        int y, m, dd;
        if (year == 1980) {
            cw_date_to_ymd(short_day, &y, &m, &dd);
            assert_true(m == 4 && dd == 6);
            cw_date_to_ymd(long_day, &y, &m, &dd);
            assert_true(m == 9 && dd == 28);
        } else if (year == 1995) {
            cw_date_to_ymd(short_day, &y, &m, &dd);
            assert_true(m == 3 && dd == 26);
            cw_date_to_ymd(long_day, &y, &m, &dd);
            assert_true(m == 9 && dd == 24);
        } else if (year == 1996) {
            cw_date_to_ymd(long_day, &y, &m, &dd);
            assert_true(m == 10 && dd == 27);
        } else if (year == 2025) {
            assert_int_equal(short_day, YMD(2025, 3, 30));
            assert_int_equal(long_day, YMD(2025, 10, 26));
        } else if (year == 2150) {
            assert_int_equal(short_day, YMD(2150, 3, 29));
            assert_int_equal(long_day, YMD(2150, 10, 25));
        } else if (year == 2199) {
            assert_int_equal(short_day, YMD(2199, 3, 31));
            assert_int_equal(long_day, YMD(2199, 10, 27));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_init_rejects_bad_zones, setup),
        cmocka_unit_test_setup(test_init_other_zone_and_back, setup),
        cmocka_unit_test_setup(test_date_anchors, setup),
        cmocka_unit_test_setup(test_date_weekday, setup),
        cmocka_unit_test_setup(test_days_in_month, setup),
        cmocka_unit_test_setup(test_date_roundtrip_1900_2199, setup),
        cmocka_unit_test_setup(test_date_parse_valid, setup),
        cmocka_unit_test_setup(test_date_parse_invalid, setup),
        cmocka_unit_test_setup(test_date_format, setup),
        cmocka_unit_test_setup(test_parse_offsets, setup),
        cmocka_unit_test_setup(test_parse_fractions, setup),
        cmocka_unit_test_setup(test_parse_length, setup),
        cmocka_unit_test_setup(test_parse_rejects, setup),
        cmocka_unit_test_setup(test_format, setup),
        cmocka_unit_test_setup(test_format_parse_roundtrip, setup),
        cmocka_unit_test_setup(test_offsets_around_changes, setup),
        cmocka_unit_test_setup(test_to_local_spring_2025, setup),
        cmocka_unit_test_setup(test_to_local_autumn_2025, setup),
        cmocka_unit_test_setup(test_to_local_plain_days, setup),
        cmocka_unit_test_setup(test_from_local, setup),
        cmocka_unit_test_setup(test_day_start, setup),
        cmocka_unit_test_setup(test_dst_days_every_year, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
