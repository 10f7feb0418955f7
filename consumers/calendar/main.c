/* casewatch-calendar: the Swedish legal calendar from the command line.
 *
 *   casewatch-calendar holidays YEAR
 *   casewatch-calendar due FROM PERIOD [--roll]
 *
 * A thin main over common/base/calendar: what it prints is what the engine
 * computes deadlines with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "base/time.h"

static int usage(const char *why)
{
    fprintf(stderr, "casewatch-calendar: %s (usage: holidays YEAR | due FROM PERIOD [--roll])\n",
            why);
    return 2;
}

static int cmd_holidays(int argc, char **argv)
{
    if (argc != 1)
        return usage("holidays takes one YEAR");
    char *end;
    long year = strtol(argv[0], &end, 10);
    if (*argv[0] == '\0' || *end != '\0' || year < 1583 || year > 9999)
        return usage("YEAR must be a number from 1583 to 9999");
    cw_cal_day_t days[32];
    size_t n = cw_cal_year_days((int)year, days, 32);
    char buf[CW_DATE_STR_SIZE];
    for (size_t i = 0; i < n; i++)
        printf("%s\t%s\n", cw_date_format(days[i].date, buf), days[i].name);
    return 0;
}

/* FROM is a date, or an RFC 3339 time taken as its local date. */
static int parse_from(const char *s, cw_date_t *out)
{
    size_t len = strlen(s);
    if (cw_date_parse(s, len, out) == CW_OK)
        return 0;
    cw_instant_t t;
    char err[128];
    if (cw_time_parse(s, len, &t, NULL, err, sizeof(err)) != CW_OK) {
        char msg[256];
        snprintf(msg, sizeof(msg), "FROM \"%.40s\": not a YYYY-MM-DD date, and %s", s, err);
        return usage(msg);
    }
    *out = cw_time_local_date(t);
    return 0;
}

static int cmd_due(int argc, char **argv)
{
    int roll = 0;
    if (argc == 3 && strcmp(argv[2], "--roll") == 0)
        roll = 1;
    else if (argc != 2)
        return usage("due takes FROM PERIOD [--roll]");
    cw_date_t from;
    if (parse_from(argv[0], &from) != 0)
        return 2;
    cw_period_t p;
    if (cw_period_parse(argv[1], strlen(argv[1]), &p) != CW_OK)
        return usage("PERIOD must be a count and a unit: 14d, 1w, 4m, 2y");
    cw_date_t due = cw_cal_add(from, p);
    int y, m, d;
    cw_date_to_ymd(due, &y, &m, &d);
    if (y < 1583 || y > 9999)
        return usage("the due date is outside the supported years 1583–9999");
    if (roll)
        due = cw_cal_roll_forward(due);
    char buf[CW_DATE_STR_SIZE];
    printf("%s\n", cw_date_format(due, buf));
    return 0;
}

int main(int argc, char **argv)
{
    char err[256];
    if (cw_time_init(getenv("CASEWATCH_TIME_ZONE"), err, sizeof(err)) != CW_OK) {
        fprintf(stderr, "casewatch-calendar: %s\n", err);
        return 1;
    }
    if (argc < 2)
        return usage("missing command");
    if (strcmp(argv[1], "holidays") == 0)
        return cmd_holidays(argc - 2, argv + 2);
    if (strcmp(argv[1], "due") == 0)
        return cmd_due(argc - 2, argv + 2);
    return usage("unknown command");
}
