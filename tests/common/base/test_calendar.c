/* Unit tests for base/calendar: Swedish public holidays (lag 1989:253), the
 * days lag 1930:173 2 § treats alike, period arithmetic (1930:173 1 §) and
 * roll-forward.
 *
 * Expected values are hand-written facts, checked while writing by routes
 * independent of the module: GNU date (`date -d 2025-06-21 +%a`), Python's
 * datetime for day counts, and a published Easter table (below). No test
 * recomputes an expected value with the module's own algorithm. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
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

static const char *kind_name(cw_day_kind_t k)
{
    switch (k) {
    case CW_DAY_BUSINESS:
        return "BUSINESS";
    case CW_DAY_SATURDAY:
        return "SATURDAY";
    case CW_DAY_SUNDAY:
        return "SUNDAY";
    case CW_DAY_HOLIDAY:
        return "HOLIDAY";
    case CW_DAY_EVE:
        return "EVE";
    }
    return "?";
}

/* Checks the kind of a date and, for holidays and eves, its name (NULL: the
 * name must be NULL). */
static void check_day(int y, int m, int d, cw_day_kind_t kind, const char *name, const char *file,
                      int line)
{
    const char *got_name = "(untouched)";
    cw_day_kind_t got = cw_cal_day_kind(YMD(y, m, d), &got_name);
    bool name_ok = name ? got_name && strcmp(got_name, name) == 0 : got_name == NULL;
    if (got != kind || !name_ok) {
        print_error("%04d-%02d-%02d is %s \"%s\", want %s \"%s\"\n", y, m, d, kind_name(got),
                    got_name ? got_name : "(null)", kind_name(kind), name ? name : "(null)");
        _fail(file, line);
    }
    /* Without a name pointer the answer is the same. */
    if (cw_cal_day_kind(YMD(y, m, d), NULL) != kind) {
        print_error("%04d-%02d-%02d: kind differs when name is NULL\n", y, m, d);
        _fail(file, line);
    }
    if (cw_cal_is_business_day(YMD(y, m, d)) != (kind == CW_DAY_BUSINESS)) {
        print_error("%04d-%02d-%02d: cw_cal_is_business_day disagrees with the kind\n", y, m, d);
        _fail(file, line);
    }
}
#define assert_day(y, m, d, kind, name) check_day((y), (m), (d), (kind), (name), __FILE__, __LINE__)
#define assert_holiday(y, m, d, name)   assert_day((y), (m), (d), CW_DAY_HOLIDAY, (name))
#define assert_eve(y, m, d, name)       assert_day((y), (m), (d), CW_DAY_EVE, (name))
#define assert_business(y, m, d)        assert_day((y), (m), (d), CW_DAY_BUSINESS, NULL)
#define assert_saturday(y, m, d)        assert_day((y), (m), (d), CW_DAY_SATURDAY, NULL)
#define assert_sunday(y, m, d)          assert_day((y), (m), (d), CW_DAY_SUNDAY, NULL)

static void check_date_eq(cw_date_t got, int y, int m, int d, const char *what, const char *file,
                          int line)
{
    if (got != YMD(y, m, d)) {
        char buf[CW_DATE_STR_SIZE];
        print_error("%s = %s, want %04d-%02d-%02d\n", what, cw_date_format(got, buf), y, m, d);
        _fail(file, line);
    }
}
#define assert_date(got, y, m, d) check_date_eq((got), (y), (m), (d), #got, __FILE__, __LINE__)

static cw_period_t period(int n, cw_period_unit_t unit)
{
    cw_period_t p = {n, unit};
    return p;
}

/* ---- Easter: a published table ----
 *
 * Western (Gregorian) Easter Sunday 1900–2199, transcribed from the table of
 * the Astronomical Society of South Australia, "Easter Dates 1700–2299"
 * (https://www.assa.org.au/edm), as reproduced in the test data of
 * github.com/maxmeffert/feiertage, tests/knownEasterSundays.php. Cross-checked
 * for 1990–2050 against the western_easter_dates list of python-dateutil,
 * dateutil/test/test_easter.py (all 61 agree), and every date was checked to
 * be a Sunday between 22 March and 25 April with GNU date. */
static const struct {
    short year, month, day;
} easter_table[] = {
    {1900, 4, 15},
    {1901, 4, 7},
    {1902, 3, 30},
    {1903, 4, 12},
    {1904, 4, 3},
    {1905, 4, 23},
    {1906, 4, 15},
    {1907, 3, 31},
    {1908, 4, 19},
    {1909, 4, 11},
    {1910, 3, 27},
    {1911, 4, 16},
    {1912, 4, 7},
    {1913, 3, 23},
    {1914, 4, 12},
    {1915, 4, 4},
    {1916, 4, 23},
    {1917, 4, 8},
    {1918, 3, 31},
    {1919, 4, 20},
    {1920, 4, 4},
    {1921, 3, 27},
    {1922, 4, 16},
    {1923, 4, 1},
    {1924, 4, 20},
    {1925, 4, 12},
    {1926, 4, 4},
    {1927, 4, 17},
    {1928, 4, 8},
    {1929, 3, 31},
    {1930, 4, 20},
    {1931, 4, 5},
    {1932, 3, 27},
    {1933, 4, 16},
    {1934, 4, 1},
    {1935, 4, 21},
    {1936, 4, 12},
    {1937, 3, 28},
    {1938, 4, 17},
    {1939, 4, 9},
    {1940, 3, 24},
    {1941, 4, 13},
    {1942, 4, 5},
    {1943, 4, 25},
    {1944, 4, 9},
    {1945, 4, 1},
    {1946, 4, 21},
    {1947, 4, 6},
    {1948, 3, 28},
    {1949, 4, 17},
    {1950, 4, 9},
    {1951, 3, 25},
    {1952, 4, 13},
    {1953, 4, 5},
    {1954, 4, 18},
    {1955, 4, 10},
    {1956, 4, 1},
    {1957, 4, 21},
    {1958, 4, 6},
    {1959, 3, 29},
    {1960, 4, 17},
    {1961, 4, 2},
    {1962, 4, 22},
    {1963, 4, 14},
    {1964, 3, 29},
    {1965, 4, 18},
    {1966, 4, 10},
    {1967, 3, 26},
    {1968, 4, 14},
    {1969, 4, 6},
    {1970, 3, 29},
    {1971, 4, 11},
    {1972, 4, 2},
    {1973, 4, 22},
    {1974, 4, 14},
    {1975, 3, 30},
    {1976, 4, 18},
    {1977, 4, 10},
    {1978, 3, 26},
    {1979, 4, 15},
    {1980, 4, 6},
    {1981, 4, 19},
    {1982, 4, 11},
    {1983, 4, 3},
    {1984, 4, 22},
    {1985, 4, 7},
    {1986, 3, 30},
    {1987, 4, 19},
    {1988, 4, 3},
    {1989, 3, 26},
    {1990, 4, 15},
    {1991, 3, 31},
    {1992, 4, 19},
    {1993, 4, 11},
    {1994, 4, 3},
    {1995, 4, 16},
    {1996, 4, 7},
    {1997, 3, 30},
    {1998, 4, 12},
    {1999, 4, 4},
    {2000, 4, 23},
    {2001, 4, 15},
    {2002, 3, 31},
    {2003, 4, 20},
    {2004, 4, 11},
    {2005, 3, 27},
    {2006, 4, 16},
    {2007, 4, 8},
    {2008, 3, 23},
    {2009, 4, 12},
    {2010, 4, 4},
    {2011, 4, 24},
    {2012, 4, 8},
    {2013, 3, 31},
    {2014, 4, 20},
    {2015, 4, 5},
    {2016, 3, 27},
    {2017, 4, 16},
    {2018, 4, 1},
    {2019, 4, 21},
    {2020, 4, 12},
    {2021, 4, 4},
    {2022, 4, 17},
    {2023, 4, 9},
    {2024, 3, 31},
    {2025, 4, 20},
    {2026, 4, 5},
    {2027, 3, 28},
    {2028, 4, 16},
    {2029, 4, 1},
    {2030, 4, 21},
    {2031, 4, 13},
    {2032, 3, 28},
    {2033, 4, 17},
    {2034, 4, 9},
    {2035, 3, 25},
    {2036, 4, 13},
    {2037, 4, 5},
    {2038, 4, 25},
    {2039, 4, 10},
    {2040, 4, 1},
    {2041, 4, 21},
    {2042, 4, 6},
    {2043, 3, 29},
    {2044, 4, 17},
    {2045, 4, 9},
    {2046, 3, 25},
    {2047, 4, 14},
    {2048, 4, 5},
    {2049, 4, 18},
    {2050, 4, 10},
    {2051, 4, 2},
    {2052, 4, 21},
    {2053, 4, 6},
    {2054, 3, 29},
    {2055, 4, 18},
    {2056, 4, 2},
    {2057, 4, 22},
    {2058, 4, 14},
    {2059, 3, 30},
    {2060, 4, 18},
    {2061, 4, 10},
    {2062, 3, 26},
    {2063, 4, 15},
    {2064, 4, 6},
    {2065, 3, 29},
    {2066, 4, 11},
    {2067, 4, 3},
    {2068, 4, 22},
    {2069, 4, 14},
    {2070, 3, 30},
    {2071, 4, 19},
    {2072, 4, 10},
    {2073, 3, 26},
    {2074, 4, 15},
    {2075, 4, 7},
    {2076, 4, 19},
    {2077, 4, 11},
    {2078, 4, 3},
    {2079, 4, 23},
    {2080, 4, 7},
    {2081, 3, 30},
    {2082, 4, 19},
    {2083, 4, 4},
    {2084, 3, 26},
    {2085, 4, 15},
    {2086, 3, 31},
    {2087, 4, 20},
    {2088, 4, 11},
    {2089, 4, 3},
    {2090, 4, 16},
    {2091, 4, 8},
    {2092, 3, 30},
    {2093, 4, 12},
    {2094, 4, 4},
    {2095, 4, 24},
    {2096, 4, 15},
    {2097, 3, 31},
    {2098, 4, 20},
    {2099, 4, 12},
    {2100, 3, 28},
    {2101, 4, 17},
    {2102, 4, 9},
    {2103, 3, 25},
    {2104, 4, 13},
    {2105, 4, 5},
    {2106, 4, 18},
    {2107, 4, 10},
    {2108, 4, 1},
    {2109, 4, 21},
    {2110, 4, 6},
    {2111, 3, 29},
    {2112, 4, 17},
    {2113, 4, 2},
    {2114, 4, 22},
    {2115, 4, 14},
    {2116, 3, 29},
    {2117, 4, 18},
    {2118, 4, 10},
    {2119, 3, 26},
    {2120, 4, 14},
    {2121, 4, 6},
    {2122, 3, 29},
    {2123, 4, 11},
    {2124, 4, 2},
    {2125, 4, 22},
    {2126, 4, 14},
    {2127, 3, 30},
    {2128, 4, 18},
    {2129, 4, 10},
    {2130, 3, 26},
    {2131, 4, 15},
    {2132, 4, 6},
    {2133, 4, 19},
    {2134, 4, 11},
    {2135, 4, 3},
    {2136, 4, 22},
    {2137, 4, 7},
    {2138, 3, 30},
    {2139, 4, 19},
    {2140, 4, 3},
    {2141, 3, 26},
    {2142, 4, 15},
    {2143, 3, 31},
    {2144, 4, 19},
    {2145, 4, 11},
    {2146, 4, 3},
    {2147, 4, 16},
    {2148, 4, 7},
    {2149, 3, 30},
    {2150, 4, 12},
    {2151, 4, 4},
    {2152, 4, 23},
    {2153, 4, 15},
    {2154, 3, 31},
    {2155, 4, 20},
    {2156, 4, 11},
    {2157, 3, 27},
    {2158, 4, 16},
    {2159, 4, 8},
    {2160, 3, 23},
    {2161, 4, 12},
    {2162, 4, 4},
    {2163, 4, 24},
    {2164, 4, 8},
    {2165, 3, 31},
    {2166, 4, 20},
    {2167, 4, 5},
    {2168, 3, 27},
    {2169, 4, 16},
    {2170, 4, 1},
    {2171, 4, 21},
    {2172, 4, 12},
    {2173, 4, 4},
    {2174, 4, 17},
    {2175, 4, 9},
    {2176, 3, 31},
    {2177, 4, 20},
    {2178, 4, 5},
    {2179, 3, 28},
    {2180, 4, 16},
    {2181, 4, 1},
    {2182, 4, 21},
    {2183, 4, 13},
    {2184, 3, 28},
    {2185, 4, 17},
    {2186, 4, 9},
    {2187, 3, 25},
    {2188, 4, 13},
    {2189, 4, 5},
    {2190, 4, 25},
    {2191, 4, 10},
    {2192, 4, 1},
    {2193, 4, 21},
    {2194, 4, 6},
    {2195, 3, 29},
    {2196, 4, 17},
    {2197, 4, 9},
    {2198, 3, 25},
    {2199, 4, 14},
    /* Outside 1900–2199, from the same ASSA table: the two 22 March Easters
     * nearest the tested range (the earliest possible date) and a 25 April. */
    {1818, 3, 22},
    {2285, 3, 22},
    {1886, 4, 25},
};
#define N_EASTER (sizeof(easter_table) / sizeof(easter_table[0]))

static void test_easter_against_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_EASTER; i++) {
        int y = easter_table[i].year, m = easter_table[i].month, d = easter_table[i].day;
        cw_date_t want = YMD(y, m, d);
        /* Guards the transcription: every entry is a Sunday. */
        if (cw_date_weekday(want) != 7)
            fail_msg("table entry %d-%02d-%02d is not a Sunday", y, m, d);
        cw_date_t got = cw_cal_easter(y);
        if (got != want) {
            char buf[CW_DATE_STR_SIZE];
            fail_msg("cw_cal_easter(%d) = %s, want %d-%02d-%02d", y, cw_date_format(got, buf), y, m,
                     d);
        }
    }
    /* The table covers every year 1900–2199, in order. */
    for (int i = 0; i < 300; i++)
        assert_int_equal(easter_table[i].year, 1900 + i);
    /* The extremes inside the tested range. */
    assert_date(cw_cal_easter(1913), 1913, 3, 23);
    assert_date(cw_cal_easter(2008), 2008, 3, 23);
    assert_date(cw_cal_easter(1943), 1943, 4, 25);
    assert_date(cw_cal_easter(2038), 2038, 4, 25);
    assert_date(cw_cal_easter(2190), 2190, 4, 25);
}

/* The fixed holiday on a date near Easter, if any: Marie bebådelsedag (25
 * March, until 1952), första maj (from 1939), Sveriges nationaldag (6 June,
 * from 2005). From the table, Easter days meet them in 1910, 1913, 1921,
 * 1932, 1937, 1940, 1948, 1951 (25 March), 2008, 2160 (1 May) and 2022,
 * 2049, 2071, … (6 June); several are checked by name in
 * test_coinciding_days and test_year_days_other_years. */
static const char *fixed_on(int y, int m, int d)
{
    if (m == 3 && d == 25 && y <= 1952)
        return "Marie bebådelsedag";
    if (m == 5 && d == 1 && y >= 1939)
        return "första maj";
    if (m == 6 && d == 6 && y >= 2005)
        return "Sveriges nationaldag";
    return NULL;
}

/* Checks the day Easter + offset in year y. kind/name: what the feast is on
 * its own. Where it meets a fixed holiday the day is a holiday and carries
 * the name that comes first in the year: the fixed one, except pingstdagen,
 * which comes before nationaldagen. */
static void expect_feast(int y, int offset, cw_day_kind_t kind, const char *name)
{
    cw_date_t easter =
        YMD(easter_table[y - 1900].year, easter_table[y - 1900].month, easter_table[y - 1900].day);
    cw_date_t date = easter + offset;
    int yy, m, d;
    cw_date_to_ymd(date, &yy, &m, &d);
    const char *fixed = fixed_on(y, m, d);
    if (fixed && !(offset == 49 && m == 6)) {
        kind = CW_DAY_HOLIDAY;
        name = fixed;
    }
    const char *got_name = "(untouched)";
    cw_day_kind_t got = cw_cal_day_kind(date, &got_name);
    bool name_ok = name ? got_name && strcmp(got_name, name) == 0 : got_name == NULL;
    if (got != kind || !name_ok)
        fail_msg("%d-%02d-%02d (Easter %+d) is %s \"%s\", want %s \"%s\"", y, m, d, offset,
                 kind_name(got), got_name ? got_name : "(null)", kind_name(kind),
                 name ? name : "(null)");
}

/* Every Easter-dependent day of every year 1900–2199, from the published
 * Easter dates: långfredagen −2, påskdagen 0, annandag påsk +1, Kristi
 * himmelsfärdsdag +39, pingstdagen +49, annandag pingst +50 (until 2004).
 * Skärtorsdagen, påskafton, pingstafton and the days after the feasts are
 * ordinary days. */
static void test_easter_holidays_every_year(void **state)
{
    (void)state;
    for (int y = 1900; y <= 2199; y++) {
        expect_feast(y, -3, CW_DAY_BUSINESS, NULL); /* skärtorsdagen, a Thursday */
        expect_feast(y, -2, CW_DAY_HOLIDAY, "långfredagen");
        expect_feast(y, -1, CW_DAY_SATURDAY, NULL); /* påskafton */
        expect_feast(y, 0, CW_DAY_HOLIDAY, "påskdagen");
        expect_feast(y, 1, CW_DAY_HOLIDAY, "annandag påsk");
        expect_feast(y, 2, CW_DAY_BUSINESS, NULL); /* Tuesday after Easter */
        expect_feast(y, 39, CW_DAY_HOLIDAY, "Kristi himmelsfärdsdag");
        expect_feast(y, 40, CW_DAY_BUSINESS, NULL); /* Friday after */
        expect_feast(y, 48, CW_DAY_SATURDAY, NULL); /* pingstafton */
        expect_feast(y, 49, CW_DAY_HOLIDAY, "pingstdagen");
        if (y <= 2004)
            expect_feast(y, 50, CW_DAY_HOLIDAY, "annandag pingst");
        else
            expect_feast(y, 50, CW_DAY_BUSINESS, NULL); /* a plain Monday since 2005 */
        expect_feast(y, 51, CW_DAY_BUSINESS, NULL);
    }
}

static void test_easter_days_by_hand(void **state)
{
    (void)state;
    /* 2025: Easter 20 April. */
    assert_business(2025, 4, 17);
    assert_holiday(2025, 4, 18, "långfredagen");
    assert_saturday(2025, 4, 19);
    assert_holiday(2025, 4, 20, "påskdagen");
    assert_holiday(2025, 4, 21, "annandag påsk");
    assert_business(2025, 4, 22);
    assert_holiday(2025, 5, 29, "Kristi himmelsfärdsdag");
    assert_business(2025, 5, 30);
    assert_holiday(2025, 6, 8, "pingstdagen");
    assert_business(2025, 6, 9);
    /* 2026: Easter 5 April. */
    assert_holiday(2026, 4, 3, "långfredagen");
    assert_holiday(2026, 4, 5, "påskdagen");
    assert_holiday(2026, 4, 6, "annandag påsk");
    assert_holiday(2026, 5, 14, "Kristi himmelsfärdsdag");
    assert_holiday(2026, 5, 24, "pingstdagen");
    assert_business(2026, 5, 25);
    /* 2038: Easter 25 April, the latest possible. */
    assert_holiday(2038, 4, 23, "långfredagen");
    assert_holiday(2038, 4, 26, "annandag påsk");
    assert_holiday(2038, 6, 3, "Kristi himmelsfärdsdag");
    assert_holiday(2038, 6, 13, "pingstdagen");
    /* 1913: Easter 23 March. */
    assert_holiday(1913, 3, 21, "långfredagen");
    assert_holiday(1913, 3, 24, "annandag påsk");
    assert_holiday(1913, 5, 1, "Kristi himmelsfärdsdag"); /* before första maj existed */
    assert_holiday(1913, 5, 11, "pingstdagen");
    assert_holiday(1913, 5, 12, "annandag pingst");
}

/* ---- fixed holidays and eves ---- */

static void test_fixed_days_every_year(void **state)
{
    (void)state;
    for (int y = 1900; y <= 2199; y++) {
        assert_holiday(y, 1, 1, "nyårsdagen");
        assert_holiday(y, 1, 6, "trettondedag jul");
        assert_eve(y, 12, 24, "julafton");
        assert_holiday(y, 12, 25, "juldagen");
        assert_holiday(y, 12, 26, "annandag jul");
        assert_eve(y, 12, 31, "nyårsafton");
        /* Trettondedagsafton (5 January) is not a 2 § day (RÅ 2004 not 40),
         * nor are 23 and 30 December or Valborg (30 April). */
        const int plain[][2] = {{1, 5}, {12, 23}, {12, 27}, {12, 30}, {4, 30}, {1, 2}};
        for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
            cw_date_t date = YMD(y, plain[i][0], plain[i][1]);
            const char *name = "(untouched)";
            cw_day_kind_t k = cw_cal_day_kind(date, &name);
            /* (30 April would be Kristi himmelsfärdsdag after a 22 March
             * Easter: none in 1900–2199, the next is 2285.) */
            if (k == CW_DAY_HOLIDAY || k == CW_DAY_EVE || name != NULL)
                fail_msg("%d-%02d-%02d is %s \"%s\"", y, plain[i][0], plain[i][1], kind_name(k),
                         name ? name : "(null)");
        }
        const char *name = NULL;
        if (y >= 1939) {
            if (cw_cal_day_kind(YMD(y, 5, 1), &name) != CW_DAY_HOLIDAY ||
                strcmp(name, "första maj") != 0)
                fail_msg("%d-05-01 is not första maj", y);
        } else {
            cw_cal_day_kind(YMD(y, 5, 1), &name);
            if (name && strcmp(name, "första maj") == 0)
                fail_msg("%d-05-01 is första maj before 1939", y);
        }
        name = NULL;
        cw_day_kind_t k6 = cw_cal_day_kind(YMD(y, 6, 6), &name);
        if (y >= 2005) {
            /* pingstdagen comes first when both fall on 6 June (2049, …) */
            if (k6 != CW_DAY_HOLIDAY || !name ||
                (strcmp(name, "Sveriges nationaldag") != 0 && strcmp(name, "pingstdagen") != 0))
                fail_msg("%d-06-06 is not Sveriges nationaldag", y);
        } else if (name && strcmp(name, "Sveriges nationaldag") == 0) {
            fail_msg("%d-06-06 is Sveriges nationaldag before 2005", y);
        }
    }
}

static void test_fixed_days_by_hand(void **state)
{
    (void)state;
    assert_holiday(2025, 1, 1, "nyårsdagen");       /* Wednesday */
    assert_business(2025, 1, 2);                    /* Thursday */
    assert_business(2025, 1, 7);                    /* Tuesday */
    assert_holiday(2025, 1, 6, "trettondedag jul"); /* Monday */
    assert_holiday(2026, 1, 6, "trettondedag jul"); /* Tuesday */
    assert_business(2026, 1, 5);                    /* trettondedagsafton, Monday */
    assert_business(2024, 1, 5);                    /* trettondedagsafton, Friday */
    assert_holiday(2025, 5, 1, "första maj");       /* Thursday */
    assert_business(2025, 5, 2);
    assert_business(2025, 4, 30); /* Valborgsmässoafton */
    assert_holiday(2025, 6, 6, "Sveriges nationaldag");
    assert_holiday(2026, 6, 6, "Sveriges nationaldag"); /* a Saturday: still a holiday */
    assert_business(2025, 12, 23);
    assert_eve(2025, 12, 24, "julafton");
    assert_holiday(2025, 12, 25, "juldagen");
    assert_holiday(2025, 12, 26, "annandag jul");
    assert_saturday(2025, 12, 27);
    assert_sunday(2025, 12, 28);
    assert_business(2025, 12, 29);
    assert_business(2025, 12, 30);
    assert_eve(2025, 12, 31, "nyårsafton");
    assert_eve(2022, 12, 24, "julafton");     /* a Saturday: EVE, not SATURDAY */
    assert_holiday(2022, 12, 25, "juldagen"); /* a Sunday */
    assert_eve(2025, 6, 20, "midsommarafton");
    assert_holiday(2025, 6, 21, "midsommardagen");
    assert_sunday(2025, 6, 22);
    assert_holiday(2025, 11, 1, "alla helgons dag");
    assert_business(2025, 10, 31); /* alla helgons afton is not a 2 § day */
    assert_business(2025, 3, 25);  /* Marie bebådelsedag, not a holiday since 1953 */
    /* Plain weekdays and weekends. */
    assert_business(2025, 11, 24);
    assert_saturday(2025, 11, 22);
    assert_sunday(2025, 11, 23);
}

static void test_2005_changes(void **state)
{
    (void)state;
    /* Annandag pingst: a holiday until 2004. */
    assert_holiday(2004, 5, 31, "annandag pingst");
    assert_holiday(1990, 6, 4, "annandag pingst"); /* Easter 1990: 15 April */
    assert_business(2005, 5, 16);
    assert_business(2025, 6, 9);
    /* 2022: the Monday after pingst is 6 June, a holiday as nationaldagen. */
    assert_holiday(2022, 6, 6, "Sveriges nationaldag");
    /* 1927: the Monday after pingst was 6 June, before nationaldagen. */
    assert_holiday(1927, 6, 6, "annandag pingst");
    /* Nationaldagen from 2005. */
    assert_business(2003, 6, 6); /* Friday */
    assert_sunday(2004, 6, 6);
    assert_business(1983, 6, 6); /* Monday; Svenska flaggans dag, not a holiday */
    assert_holiday(2005, 6, 6, "Sveriges nationaldag"); /* Monday */
    assert_holiday(2006, 6, 6, "Sveriges nationaldag"); /* Tuesday */
}

static void test_first_of_may(void **state)
{
    (void)state;
    assert_business(1936, 5, 1); /* Friday, before 1939 */
    assert_sunday(1938, 5, 1);
    assert_business(1935, 5, 1);              /* Wednesday */
    assert_holiday(1939, 5, 1, "första maj"); /* Monday */
    assert_holiday(1940, 5, 1, "första maj"); /* Wednesday */
}

/* Midsommardagen: the Saturday in 20–26 June; midsommarafton the Friday
 * before; alla helgons dag the Saturday in 31 October–6 November (from
 * 1953). Weekdays checked with GNU date. */
static void test_midsommar_and_alla_helgon(void **state)
{
    (void)state;
    static const struct {
        short y, m, d;
    } midsommardagen[] = {
        {1953, 6, 20}, {2015, 6, 20}, {2020, 6, 20}, {2021, 6, 26}, {2022, 6, 25},
        {2023, 6, 24}, {2024, 6, 22}, {2025, 6, 21}, {2026, 6, 20}, {2027, 6, 26},
    };
    for (size_t i = 0; i < sizeof(midsommardagen) / sizeof(midsommardagen[0]); i++) {
        int y = midsommardagen[i].y, m = midsommardagen[i].m, d = midsommardagen[i].d;
        assert_holiday(y, m, d, "midsommardagen");
        assert_eve(y, m, d - 1, "midsommarafton");
        assert_sunday(y, m, d + 1);
        assert_business(y, m, d - 2); /* Thursday */
    }
    /* Ends of the range: 20 June (2026) and 26 June (2021) are covered
     * above; the Saturday a week either side is a plain Saturday. */
    assert_saturday(2026, 6, 27);
    assert_saturday(2021, 6, 19);
    assert_business(2021, 6, 18); /* Friday a week before midsommarafton */
    assert_business(2025, 6, 24); /* the old midsommardagen, Tuesday */

    static const struct {
        short y, m, d;
    } alla_helgon[] = {
        {1953, 10, 31}, {2020, 10, 31}, {2021, 11, 6}, {2022, 11, 5},
        {2023, 11, 4},  {2024, 11, 2},  {2025, 11, 1}, {2026, 10, 31},
    };
    for (size_t i = 0; i < sizeof(alla_helgon) / sizeof(alla_helgon[0]); i++)
        assert_holiday(alla_helgon[i].y, alla_helgon[i].m, alla_helgon[i].d, "alla helgons dag");
    assert_saturday(2021, 10, 30);
    assert_business(2021, 11, 5);
    assert_sunday(1953, 11, 1);
    assert_saturday(2026, 11, 7);

    /* Before 1953: fixed dates, whatever the weekday. */
    assert_eve(1952, 6, 23, "midsommarafton");     /* Monday */
    assert_holiday(1952, 6, 24, "midsommardagen"); /* Tuesday */
    assert_saturday(1952, 6, 21);
    assert_business(1952, 6, 20);
    assert_holiday(1950, 6, 24, "midsommardagen"); /* Saturday */
    assert_business(1951, 6, 22);                  /* Friday, not an eve */
    assert_holiday(1952, 11, 1, "alla helgons dag");
    assert_holiday(1950, 11, 1, "alla helgons dag");   /* Wednesday */
    assert_holiday(1951, 11, 1, "alla helgons dag");   /* Thursday */
    assert_holiday(1952, 3, 25, "Marie bebådelsedag"); /* Tuesday */
    /* 1953: the new rules. */
    assert_eve(1953, 6, 19, "midsommarafton");
    assert_holiday(1953, 6, 20, "midsommardagen");
    assert_business(1953, 6, 23);
    assert_business(1953, 6, 24);
    assert_business(1953, 3, 25);
}

/* Structure over every year (from the published rules, not the module's
 * table): one midsommarafton, a Friday 19–25 June, followed by midsommardagen;
 * one alla helgons dag, a Saturday 31 October–6 November. */
static void test_midsommar_every_year(void **state)
{
    (void)state;
    for (int y = 1953; y <= 2199; y++) {
        int eves = 0, days = 0;
        for (int d = 19; d <= 26; d++) {
            const char *name = NULL;
            cw_day_kind_t k = cw_cal_day_kind(YMD(y, 6, d), &name);
            int wd = cw_date_weekday(YMD(y, 6, d));
            if (k == CW_DAY_EVE) {
                eves++;
                if (wd != 5 || d > 25 || strcmp(name, "midsommarafton") != 0)
                    fail_msg("%d-06-%02d: bad midsommarafton", y, d);
            } else if (k == CW_DAY_HOLIDAY) {
                days++;
                if (wd != 6 || d < 20 || strcmp(name, "midsommardagen") != 0)
                    fail_msg("%d-06-%02d: bad midsommardagen", y, d);
                if (cw_cal_day_kind(YMD(y, 6, d - 1), NULL) != CW_DAY_EVE)
                    fail_msg("%d-06-%02d: no eve before midsommardagen", y, d);
            } else if (wd == 6 && d >= 20) {
                fail_msg("%d-06-%02d: a Saturday in 20–26 June is not midsommardagen", y, d);
            }
        }
        if (eves != 1 || days != 1)
            fail_msg("%d: %d midsommarafton, %d midsommardagen", y, eves, days);
        int saints = 0;
        for (cw_date_t date = YMD(y, 10, 31); date <= YMD(y, 11, 6); date++) {
            const char *name = NULL;
            if (cw_cal_day_kind(date, &name) == CW_DAY_HOLIDAY) {
                saints++;
                if (cw_date_weekday(date) != 6 || strcmp(name, "alla helgons dag") != 0)
                    fail_msg("%d: bad alla helgons dag", y);
            } else if (cw_date_weekday(date) == 6) {
                fail_msg("%d: the Saturday in 31 Oct–6 Nov is not alla helgons dag", y);
            }
        }
        if (saints != 1)
            fail_msg("%d: %d alla helgons dag", y, saints);
    }
    for (int y = 1900; y <= 1952; y++) {
        const char *name = NULL;
        if (cw_cal_day_kind(YMD(y, 6, 24), &name) != CW_DAY_HOLIDAY ||
            strcmp(name, "midsommardagen") != 0)
            fail_msg("%d-06-24 is not midsommardagen", y);
        if (cw_cal_day_kind(YMD(y, 6, 23), &name) != CW_DAY_EVE ||
            strcmp(name, "midsommarafton") != 0)
            fail_msg("%d-06-23 is not midsommarafton", y);
        if (cw_cal_day_kind(YMD(y, 11, 1), &name) != CW_DAY_HOLIDAY ||
            strcmp(name, "alla helgons dag") != 0)
            fail_msg("%d-11-01 is not alla helgons dag", y);
    }
}

/* ---- coinciding days and the year list ---- */

static void test_coinciding_days(void **state)
{
    (void)state;
    /* The name is the first of the two in the year's order. */
    assert_holiday(2008, 5, 1, "första maj"); /* and Kristi himmelsfärdsdag */
    assert_holiday(2160, 5, 1, "första maj");
    assert_holiday(1921, 3, 25, "Marie bebådelsedag"); /* and långfredagen */
    assert_holiday(1910, 3, 25, "Marie bebådelsedag");
    assert_holiday(1951, 3, 25, "Marie bebådelsedag"); /* and påskdagen */
    assert_holiday(1940, 3, 25, "Marie bebådelsedag"); /* and annandag påsk */
    assert_holiday(2049, 6, 6, "pingstdagen");         /* and Sveriges nationaldag */
}

typedef struct {
    int y, m, d;
    cw_day_kind_t kind;
    const char *name;
} want_day_t;

static void check_year(int year, const want_day_t *want, size_t n_want, const char *file, int line)
{
    cw_cal_day_t out[40];
    memset(out, 0x5a, sizeof(out));
    size_t n = cw_cal_year_days(year, out, 40);
    for (size_t i = 0; i < n && i < n_want; i++) {
        char buf[CW_DATE_STR_SIZE];
        if (out[i].date != YMD(want[i].y, want[i].m, want[i].d) || out[i].kind != want[i].kind ||
            strcmp(out[i].name, want[i].name) != 0) {
            print_error("%d entry %zu: %s %s \"%s\", want %04d-%02d-%02d %s \"%s\"\n", year, i,
                        cw_date_format(out[i].date, buf), kind_name(out[i].kind), out[i].name,
                        want[i].y, want[i].m, want[i].d, kind_name(want[i].kind), want[i].name);
            _fail(file, line);
        }
    }
    if (n != n_want) {
        print_error("%d: %zu entries, want %zu\n", year, n, n_want);
        _fail(file, line);
    }
}
#define assert_year(year, want)                                                                    \
    check_year((year), (want), sizeof(want) / sizeof((want)[0]), __FILE__, __LINE__)

#define HOL CW_DAY_HOLIDAY
#define EVE CW_DAY_EVE

static void test_year_days_2025_2026(void **state)
{
    (void)state;
    static const want_day_t y2025[] = {
        {2025, 1, 1, HOL, "nyårsdagen"},
        {2025, 1, 6, HOL, "trettondedag jul"},
        {2025, 4, 18, HOL, "långfredagen"},
        {2025, 4, 20, HOL, "påskdagen"},
        {2025, 4, 21, HOL, "annandag påsk"},
        {2025, 5, 1, HOL, "första maj"},
        {2025, 5, 29, HOL, "Kristi himmelsfärdsdag"},
        {2025, 6, 6, HOL, "Sveriges nationaldag"},
        {2025, 6, 8, HOL, "pingstdagen"},
        {2025, 6, 20, EVE, "midsommarafton"},
        {2025, 6, 21, HOL, "midsommardagen"},
        {2025, 11, 1, HOL, "alla helgons dag"},
        {2025, 12, 24, EVE, "julafton"},
        {2025, 12, 25, HOL, "juldagen"},
        {2025, 12, 26, HOL, "annandag jul"},
        {2025, 12, 31, EVE, "nyårsafton"},
    };
    assert_year(2025, y2025);

    static const want_day_t y2026[] = {
        {2026, 1, 1, HOL, "nyårsdagen"},
        {2026, 1, 6, HOL, "trettondedag jul"},
        {2026, 4, 3, HOL, "långfredagen"},
        {2026, 4, 5, HOL, "påskdagen"},
        {2026, 4, 6, HOL, "annandag påsk"},
        {2026, 5, 1, HOL, "första maj"},
        {2026, 5, 14, HOL, "Kristi himmelsfärdsdag"},
        {2026, 5, 24, HOL, "pingstdagen"},
        {2026, 6, 6, HOL, "Sveriges nationaldag"},
        {2026, 6, 19, EVE, "midsommarafton"},
        {2026, 6, 20, HOL, "midsommardagen"},
        {2026, 10, 31, HOL, "alla helgons dag"},
        {2026, 12, 24, EVE, "julafton"},
        {2026, 12, 25, HOL, "juldagen"},
        {2026, 12, 26, HOL, "annandag jul"},
        {2026, 12, 31, EVE, "nyårsafton"},
    };
    assert_year(2026, y2026);
}

static void test_year_days_other_years(void **state)
{
    (void)state;
    /* 2008: första maj and Kristi himmelsfärdsdag share 1 May. */
    static const want_day_t y2008[] = {
        {2008, 1, 1, HOL, "nyårsdagen"},
        {2008, 1, 6, HOL, "trettondedag jul"},
        {2008, 3, 21, HOL, "långfredagen"},
        {2008, 3, 23, HOL, "påskdagen"},
        {2008, 3, 24, HOL, "annandag påsk"},
        {2008, 5, 1, HOL, "första maj, Kristi himmelsfärdsdag"},
        {2008, 5, 11, HOL, "pingstdagen"},
        {2008, 6, 6, HOL, "Sveriges nationaldag"},
        {2008, 6, 20, EVE, "midsommarafton"},
        {2008, 6, 21, HOL, "midsommardagen"},
        {2008, 11, 1, HOL, "alla helgons dag"},
        {2008, 12, 24, EVE, "julafton"},
        {2008, 12, 25, HOL, "juldagen"},
        {2008, 12, 26, HOL, "annandag jul"},
        {2008, 12, 31, EVE, "nyårsafton"},
    };
    assert_year(2008, y2008);

    /* 2004: annandag pingst, no nationaldag. Easter 11 April. */
    static const want_day_t y2004[] = {
        {2004, 1, 1, HOL, "nyårsdagen"},
        {2004, 1, 6, HOL, "trettondedag jul"},
        {2004, 4, 9, HOL, "långfredagen"},
        {2004, 4, 11, HOL, "påskdagen"},
        {2004, 4, 12, HOL, "annandag påsk"},
        {2004, 5, 1, HOL, "första maj"},
        {2004, 5, 20, HOL, "Kristi himmelsfärdsdag"},
        {2004, 5, 30, HOL, "pingstdagen"},
        {2004, 5, 31, HOL, "annandag pingst"},
        {2004, 6, 25, EVE, "midsommarafton"},
        {2004, 6, 26, HOL, "midsommardagen"},
        {2004, 11, 6, HOL, "alla helgons dag"},
        {2004, 12, 24, EVE, "julafton"},
        {2004, 12, 25, HOL, "juldagen"},
        {2004, 12, 26, HOL, "annandag jul"},
        {2004, 12, 31, EVE, "nyårsafton"},
    };
    assert_year(2004, y2004);

    /* 1952: the last year of the old rules. Easter 13 April. */
    static const want_day_t y1952[] = {
        {1952, 1, 1, HOL, "nyårsdagen"},          {1952, 1, 6, HOL, "trettondedag jul"},
        {1952, 3, 25, HOL, "Marie bebådelsedag"}, {1952, 4, 11, HOL, "långfredagen"},
        {1952, 4, 13, HOL, "påskdagen"},          {1952, 4, 14, HOL, "annandag påsk"},
        {1952, 5, 1, HOL, "första maj"},          {1952, 5, 22, HOL, "Kristi himmelsfärdsdag"},
        {1952, 6, 1, HOL, "pingstdagen"},         {1952, 6, 2, HOL, "annandag pingst"},
        {1952, 6, 23, EVE, "midsommarafton"},     {1952, 6, 24, HOL, "midsommardagen"},
        {1952, 11, 1, HOL, "alla helgons dag"},   {1952, 12, 24, EVE, "julafton"},
        {1952, 12, 25, HOL, "juldagen"},          {1952, 12, 26, HOL, "annandag jul"},
        {1952, 12, 31, EVE, "nyårsafton"},
    };
    assert_year(1952, y1952);

    /* 1921: Marie bebådelsedag was långfredagen (Easter 27 March); no
     * första maj yet. Only the spring part is checked by entry. */
    cw_cal_day_t out[40];
    size_t n = cw_cal_year_days(1921, out, 40);
    assert_int_equal(n, 15);
    assert_int_equal(out[2].date, YMD(1921, 3, 25));
    assert_int_equal(out[2].kind, CW_DAY_HOLIDAY);
    assert_string_equal(out[2].name, "Marie bebådelsedag, långfredagen");
    assert_int_equal(out[3].date, YMD(1921, 3, 27));
    assert_string_equal(out[3].name, "påskdagen");

    /* 1951: Marie bebådelsedag was påskdagen; långfredagen came first. */
    n = cw_cal_year_days(1951, out, 40);
    assert_int_equal(n, 16);
    assert_int_equal(out[2].date, YMD(1951, 3, 23));
    assert_string_equal(out[2].name, "långfredagen");
    assert_int_equal(out[3].date, YMD(1951, 3, 25));
    assert_string_equal(out[3].name, "Marie bebådelsedag, påskdagen");

    /* 2049: pingstdagen on nationaldagen (Easter 18 April). */
    n = cw_cal_year_days(2049, out, 40);
    assert_int_equal(n, 15);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        if (out[i].date == YMD(2049, 6, 6)) {
            found = true;
            assert_int_equal(out[i].kind, CW_DAY_HOLIDAY);
            assert_string_equal(out[i].name, "pingstdagen, Sveriges nationaldag");
        }
    }
    assert_true(found);

    /* 2022: annandag pingst is gone, 6 June is just nationaldagen. */
    n = cw_cal_year_days(2022, out, 40);
    assert_int_equal(n, 16);
    assert_int_equal(out[8].date, YMD(2022, 6, 6));
    assert_string_equal(out[8].name, "Sveriges nationaldag");
    assert_int_equal(out[7].date, YMD(2022, 6, 5));
    assert_string_equal(out[7].name, "pingstdagen");
}

static void test_year_days_cap(void **state)
{
    (void)state;
    cw_cal_day_t out[4];
    memset(out, 0, sizeof(out));
    assert_int_equal(cw_cal_year_days(2025, out, 0), 0);
    assert_int_equal(cw_cal_year_days(2025, out, 3), 3);
    assert_int_equal(out[0].date, YMD(2025, 1, 1));
    assert_int_equal(out[1].date, YMD(2025, 1, 6));
    assert_int_equal(out[2].date, YMD(2025, 4, 18));
    assert_int_equal(out[3].date, 0); /* not written */
}

/* For every year 1900–2199 the list and cw_cal_day_kind agree both ways:
 * every entry is sorted, a HOLIDAY or EVE of that kind, named with the
 * day's first name; and every day of the year that cw_cal_day_kind calls a
 * holiday or eve is in the list. */
static void test_year_days_agree_with_day_kind(void **state)
{
    (void)state;
    for (int y = 1900; y <= 2199; y++) {
        cw_cal_day_t out[32];
        size_t n = cw_cal_year_days(y, out, 32);
        if (n < 14 || n > 17)
            fail_msg("%d: %zu entries", y, n);
        for (size_t i = 0; i < n; i++) {
            int yy, m, d;
            cw_date_to_ymd(out[i].date, &yy, &m, &d);
            if (yy != y)
                fail_msg("%d: entry %zu is in %d", y, i, yy);
            if (i > 0 && out[i].date <= out[i - 1].date)
                fail_msg("%d: entry %zu out of order", y, i);
            if (out[i].kind != CW_DAY_HOLIDAY && out[i].kind != CW_DAY_EVE)
                fail_msg("%d: entry %zu has kind %s", y, i, kind_name(out[i].kind));
            const char *name = NULL;
            cw_day_kind_t k = cw_cal_day_kind(out[i].date, &name);
            size_t len = name ? strlen(name) : 0;
            if (k != out[i].kind || !name || strncmp(out[i].name, name, len) != 0 ||
                (out[i].name[len] != '\0' && out[i].name[len] != ','))
                fail_msg("%d-%02d-%02d: list says %s \"%s\", day kind %s \"%s\"", y, m, d,
                         kind_name(out[i].kind), out[i].name, kind_name(k), name ? name : "");
        }
        size_t seen = 0;
        for (cw_date_t date = YMD(y, 1, 1); date < YMD(y + 1, 1, 1); date++) {
            cw_day_kind_t k = cw_cal_day_kind(date, NULL);
            if (k != CW_DAY_HOLIDAY && k != CW_DAY_EVE)
                continue;
            if (seen >= n || out[seen].date != date)
                fail_msg("%d: day %d (a %s) missing from the list", y, (int)date, kind_name(k));
            seen++;
        }
        assert_int_equal(seen, n);
    }
}

/* ---- periods (1930:173 1 §) ---- */

static void test_period_parse_valid(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int n;
        cw_period_unit_t unit;
    } ok[] = {
        {"14d", 14, CW_PERIOD_DAYS},   {"1w", 1, CW_PERIOD_WEEKS},
        {"4m", 4, CW_PERIOD_MONTHS},   {"2y", 2, CW_PERIOD_YEARS},
        {"0d", 0, CW_PERIOD_DAYS},     {"100000d", 100000, CW_PERIOD_DAYS},
        {"12m", 12, CW_PERIOD_MONTHS}, {"52w", 52, CW_PERIOD_WEEKS},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        cw_period_t p = {-1, CW_PERIOD_YEARS};
        if (cw_period_parse(ok[i].s, strlen(ok[i].s), &p) != CW_OK)
            fail_msg("cw_period_parse(\"%s\") failed", ok[i].s);
        assert_int_equal(p.n, ok[i].n);
        assert_int_equal(p.unit, ok[i].unit);
        char buf[CW_PERIOD_STR_SIZE];
        assert_string_equal(cw_period_format(p, buf), ok[i].s);
    }
    /* Exactly len bytes. */
    cw_period_t p;
    assert_int_equal(cw_period_parse("14dxyz", 3, &p), CW_OK);
    assert_int_equal(p.n, 14);
    assert_int_equal(p.unit, CW_PERIOD_DAYS);
}

static void test_period_parse_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",     "d",    "14",  "14x", "-1d", "1.5m", "99999999d", "100001d",
        "14D",  " 1d",  "1d ", "+1d", "1 d", "dd",   "1dd",       "w",
        "1e3d", "0x1d", "1/d", "14h", "1M",  "2Y",   "1000000d",  "9999999m",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cw_period_t p = {0, CW_PERIOD_DAYS};
        if (cw_period_parse(bad[i], strlen(bad[i]), &p) == CW_OK)
            fail_msg("cw_period_parse(\"%s\") accepted it as %d/%d", bad[i], p.n, (int)p.unit);
    }
    cw_period_t p;
    assert_int_not_equal(cw_period_parse("1\0d", 3, &p), CW_OK);
    assert_int_not_equal(cw_period_parse("14d", 2, &p), CW_OK); /* "14" */
}

static void test_add_days_weeks(void **state)
{
    (void)state;
    /* Days are counted from the day after the start. */
    assert_date(cw_cal_add(YMD(2025, 6, 7), period(14, CW_PERIOD_DAYS)), 2025, 6, 21);
    assert_date(cw_cal_add(YMD(2025, 12, 22), period(14, CW_PERIOD_DAYS)), 2026, 1, 5);
    assert_date(cw_cal_add(YMD(2024, 2, 28), period(1, CW_PERIOD_DAYS)), 2024, 2, 29);
    assert_date(cw_cal_add(YMD(2024, 2, 28), period(2, CW_PERIOD_DAYS)), 2024, 3, 1);
    assert_date(cw_cal_add(YMD(2025, 2, 28), period(1, CW_PERIOD_DAYS)), 2025, 3, 1);
    assert_date(cw_cal_add(YMD(2025, 12, 31), period(1, CW_PERIOD_DAYS)), 2026, 1, 1);
    assert_date(cw_cal_add(YMD(2025, 1, 1), period(365, CW_PERIOD_DAYS)), 2026, 1, 1);
    assert_date(cw_cal_add(YMD(2024, 1, 1), period(365, CW_PERIOD_DAYS)), 2024, 12, 31);
    assert_date(cw_cal_add(YMD(2025, 1, 1), period(100000, CW_PERIOD_DAYS)), 2298, 10, 17);
    /* Weeks land on the same weekday. */
    assert_date(cw_cal_add(YMD(2025, 12, 19), period(1, CW_PERIOD_WEEKS)), 2025, 12, 26);
    assert_date(cw_cal_add(YMD(2025, 6, 7), period(2, CW_PERIOD_WEEKS)), 2025, 6, 21);
    assert_date(cw_cal_add(YMD(2024, 12, 30), period(1, CW_PERIOD_WEEKS)), 2025, 1, 6);
    assert_date(cw_cal_add(YMD(2024, 2, 26), period(1, CW_PERIOD_WEEKS)), 2024, 3, 4);
    assert_date(cw_cal_add(YMD(2025, 1, 1), period(52, CW_PERIOD_WEEKS)), 2025, 12, 31);
    for (int n = 0; n <= 600; n += 7) {
        cw_date_t from = YMD(2025, 11, 23); /* a Sunday */
        cw_date_t to = cw_cal_add(from, period(n, CW_PERIOD_WEEKS));
        assert_int_equal(cw_date_weekday(to), 7);
        assert_int_equal(to - from, 7 * n);
    }
}

static void test_add_months_years(void **state)
{
    (void)state;
    /* Same day number, or the last day of a shorter month. */
    assert_date(cw_cal_add(YMD(2024, 10, 31), period(4, CW_PERIOD_MONTHS)), 2025, 2, 28);
    assert_date(cw_cal_add(YMD(2023, 10, 31), period(4, CW_PERIOD_MONTHS)), 2024, 2, 29);
    assert_date(cw_cal_add(YMD(2024, 1, 31), period(1, CW_PERIOD_MONTHS)), 2024, 2, 29);
    assert_date(cw_cal_add(YMD(2025, 1, 31), period(1, CW_PERIOD_MONTHS)), 2025, 2, 28);
    assert_date(cw_cal_add(YMD(2025, 1, 31), period(2, CW_PERIOD_MONTHS)), 2025, 3, 31);
    assert_date(cw_cal_add(YMD(2025, 1, 31), period(3, CW_PERIOD_MONTHS)), 2025, 4, 30);
    assert_date(cw_cal_add(YMD(2025, 3, 31), period(1, CW_PERIOD_MONTHS)), 2025, 4, 30);
    assert_date(cw_cal_add(YMD(2025, 5, 31), period(1, CW_PERIOD_MONTHS)), 2025, 6, 30);
    assert_date(cw_cal_add(YMD(2025, 8, 31), period(6, CW_PERIOD_MONTHS)), 2026, 2, 28);
    assert_date(cw_cal_add(YMD(2025, 8, 30), period(6, CW_PERIOD_MONTHS)), 2026, 2, 28);
    assert_date(cw_cal_add(YMD(2025, 8, 28), period(6, CW_PERIOD_MONTHS)), 2026, 2, 28);
    assert_date(cw_cal_add(YMD(2025, 8, 27), period(6, CW_PERIOD_MONTHS)), 2026, 2, 27);
    assert_date(cw_cal_add(YMD(2025, 12, 15), period(1, CW_PERIOD_MONTHS)), 2026, 1, 15);
    assert_date(cw_cal_add(YMD(2025, 11, 30), period(3, CW_PERIOD_MONTHS)), 2026, 2, 28);
    assert_date(cw_cal_add(YMD(2025, 2, 28), period(1, CW_PERIOD_MONTHS)), 2025, 3, 28);
    assert_date(cw_cal_add(YMD(1900, 1, 31), period(1, CW_PERIOD_MONTHS)), 1900, 2, 28);
    assert_date(cw_cal_add(YMD(2000, 1, 31), period(1, CW_PERIOD_MONTHS)), 2000, 2, 29);
    assert_date(cw_cal_add(YMD(2099, 11, 30), period(3, CW_PERIOD_MONTHS)), 2100, 2, 28);
    assert_date(cw_cal_add(YMD(2025, 1, 31), period(1200, CW_PERIOD_MONTHS)), 2125, 1, 31);
    assert_date(cw_cal_add(YMD(2025, 5, 15), period(12, CW_PERIOD_MONTHS)), 2026, 5, 15);
    /* Years. */
    assert_date(cw_cal_add(YMD(2024, 2, 29), period(1, CW_PERIOD_YEARS)), 2025, 2, 28);
    assert_date(cw_cal_add(YMD(2024, 2, 29), period(4, CW_PERIOD_YEARS)), 2028, 2, 29);
    assert_date(cw_cal_add(YMD(2096, 2, 29), period(4, CW_PERIOD_YEARS)), 2100, 2, 28);
    assert_date(cw_cal_add(YMD(2024, 2, 29), period(12, CW_PERIOD_MONTHS)), 2025, 2, 28);
    assert_date(cw_cal_add(YMD(2025, 5, 15), period(1, CW_PERIOD_YEARS)), 2026, 5, 15);
    assert_date(cw_cal_add(YMD(2025, 12, 31), period(2, CW_PERIOD_YEARS)), 2027, 12, 31);
    assert_date(cw_cal_add(YMD(1999, 7, 1), period(200, CW_PERIOD_YEARS)), 2199, 7, 1);
}

static void test_add_zero(void **state)
{
    (void)state;
    static const cw_period_unit_t units[] = {CW_PERIOD_DAYS, CW_PERIOD_WEEKS, CW_PERIOD_MONTHS,
                                             CW_PERIOD_YEARS};
    static const cw_date_t froms[] = {0, -25567, 84005, 19782 /* 2024-02-29 */,
                                      20253 /* 2025-06-14 */};
    for (size_t u = 0; u < 4; u++)
        for (size_t i = 0; i < sizeof(froms) / sizeof(froms[0]); i++)
            assert_int_equal(cw_cal_add(froms[i], period(0, units[u])), froms[i]);
}

/* ---- roll-forward (1930:173 2 §) ---- */

static void test_roll_forward_chains(void **state)
{
    (void)state;
    /* Business days stay put. */
    assert_date(cw_cal_roll_forward(YMD(2025, 12, 29)), 2025, 12, 29);
    assert_date(cw_cal_roll_forward(YMD(2026, 1, 5)), 2026, 1, 5);
    assert_date(cw_cal_roll_forward(YMD(2025, 5, 30)), 2025, 5, 30);
    assert_date(cw_cal_roll_forward(YMD(2025, 12, 23)), 2025, 12, 23);
    /* Jul 2025: julafton Wed, juldagen Thu, annandag jul Fri, Sat, Sun. */
    for (int d = 24; d <= 28; d++)
        assert_date(cw_cal_roll_forward(YMD(2025, 12, d)), 2025, 12, 29);
    /* Jul 2021: julafton Fri, Sat, Sun. Jul 2022: Sat, Sun, annandag Mon. */
    assert_date(cw_cal_roll_forward(YMD(2021, 12, 24)), 2021, 12, 27);
    assert_date(cw_cal_roll_forward(YMD(2022, 12, 24)), 2022, 12, 27);
    /* Nyår: 2025-12-31 Wed, 2026-01-01 Thu -> Fri 2 January. */
    assert_date(cw_cal_roll_forward(YMD(2025, 12, 31)), 2026, 1, 2);
    assert_date(cw_cal_roll_forward(YMD(2026, 1, 1)), 2026, 1, 2);
    /* 2021-12-31 Fri, nyårsdagen Sat, Sun -> Mon 3 January. */
    assert_date(cw_cal_roll_forward(YMD(2021, 12, 31)), 2022, 1, 3);
    /* 2026-12-31 Thu, nyårsdagen Fri, Sat, Sun -> Mon 4 January. */
    assert_date(cw_cal_roll_forward(YMD(2026, 12, 31)), 2027, 1, 4);
    /* 2199-12-31 Tue, 2200-01-01 Wed -> Thu, past the tested range. */
    assert_date(cw_cal_roll_forward(YMD(2199, 12, 31)), 2200, 1, 2);
    /* Påsk 2025: långfredagen … annandag påsk -> Tuesday. */
    for (int d = 18; d <= 21; d++)
        assert_date(cw_cal_roll_forward(YMD(2025, 4, d)), 2025, 4, 22);
    assert_date(cw_cal_roll_forward(YMD(2038, 4, 23)), 2038, 4, 27);
    /* Midsommar 2025: Fri, Sat, Sun -> Mon. */
    for (int d = 20; d <= 22; d++)
        assert_date(cw_cal_roll_forward(YMD(2025, 6, d)), 2025, 6, 23);
    /* 1952: midsommarafton Mon, midsommardagen Tue -> Wed. */
    assert_date(cw_cal_roll_forward(YMD(1952, 6, 23)), 1952, 6, 25);
    /* Nationaldagen Fri 2025, Sat, pingstdagen Sun -> Mon 9 June. */
    assert_date(cw_cal_roll_forward(YMD(2025, 6, 6)), 2025, 6, 9);
    /* Pingst 2004 (annandag pingst a holiday) and 2005 (not). */
    assert_date(cw_cal_roll_forward(YMD(2004, 5, 29)), 2004, 6, 1);
    assert_date(cw_cal_roll_forward(YMD(2005, 5, 14)), 2005, 5, 16);
    /* Single days. */
    assert_date(cw_cal_roll_forward(YMD(2025, 1, 6)), 2025, 1, 7);
    assert_date(cw_cal_roll_forward(YMD(2025, 5, 29)), 2025, 5, 30);
    assert_date(cw_cal_roll_forward(YMD(2025, 5, 1)), 2025, 5, 2);
    assert_date(cw_cal_roll_forward(YMD(2025, 11, 1)), 2025, 11, 3);
    assert_date(cw_cal_roll_forward(YMD(2025, 11, 22)), 2025, 11, 24);
}

/* The examples of the legal note, exactly. */
static void test_legal_note_examples(void **state)
{
    (void)state;
    cw_period_t p;

    /* Report received Sat 2025-06-07, 14 days: Sat 2025-06-21 is
     * midsommardagen, so the period ends Mon 2025-06-23. */
    assert_int_equal(cw_period_parse("14d", 3, &p), CW_OK);
    cw_date_t nominal = cw_cal_add(YMD(2025, 6, 7), p);
    assert_date(nominal, 2025, 6, 21);
    assert_holiday(2025, 6, 21, "midsommardagen");
    assert_date(cw_cal_roll_forward(nominal), 2025, 6, 23);

    /* Report received Mon 2025-12-22, 14 days: Mon 2026-01-05,
     * trettondedagsafton, a working day: no roll. */
    nominal = cw_cal_add(YMD(2025, 12, 22), p);
    assert_date(nominal, 2026, 1, 5);
    assert_business(2026, 1, 5);
    assert_date(cw_cal_roll_forward(nominal), 2026, 1, 5);

    /* LVU decision Fri 2025-12-19, 1 week: Fri 2025-12-26 is annandag jul,
     * then Sat and Sun: Mon 2025-12-29. */
    assert_int_equal(cw_period_parse("1w", 2, &p), CW_OK);
    nominal = cw_cal_add(YMD(2025, 12, 19), p);
    assert_date(nominal, 2025, 12, 26);
    assert_holiday(2025, 12, 26, "annandag jul");
    assert_date(cw_cal_roll_forward(nominal), 2025, 12, 29);

    /* Utredning opened Thu 2024-10-31, 4 months: Fri 2025-02-28. */
    assert_int_equal(cw_period_parse("4m", 2, &p), CW_OK);
    nominal = cw_cal_add(YMD(2024, 10, 31), p);
    assert_date(nominal, 2025, 2, 28);
    assert_business(2025, 2, 28);
    assert_date(cw_cal_roll_forward(nominal), 2025, 2, 28);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_easter_against_table, setup),
        cmocka_unit_test_setup(test_easter_holidays_every_year, setup),
        cmocka_unit_test_setup(test_easter_days_by_hand, setup),
        cmocka_unit_test_setup(test_fixed_days_every_year, setup),
        cmocka_unit_test_setup(test_fixed_days_by_hand, setup),
        cmocka_unit_test_setup(test_2005_changes, setup),
        cmocka_unit_test_setup(test_first_of_may, setup),
        cmocka_unit_test_setup(test_midsommar_and_alla_helgon, setup),
        cmocka_unit_test_setup(test_midsommar_every_year, setup),
        cmocka_unit_test_setup(test_coinciding_days, setup),
        cmocka_unit_test_setup(test_year_days_2025_2026, setup),
        cmocka_unit_test_setup(test_year_days_other_years, setup),
        cmocka_unit_test_setup(test_year_days_cap, setup),
        cmocka_unit_test_setup(test_year_days_agree_with_day_kind, setup),
        cmocka_unit_test_setup(test_period_parse_valid, setup),
        cmocka_unit_test_setup(test_period_parse_invalid, setup),
        cmocka_unit_test_setup(test_add_days_weeks, setup),
        cmocka_unit_test_setup(test_add_months_years, setup),
        cmocka_unit_test_setup(test_add_zero, setup),
        cmocka_unit_test_setup(test_roll_forward_chains, setup),
        cmocka_unit_test_setup(test_legal_note_examples, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
