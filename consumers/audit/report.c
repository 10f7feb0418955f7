/* Renders the report model as JSON and as CSV tables (the HTML page is
 * html.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"

int cw_report_write_json(const json_t *model, FILE *out)
{
    if (json_dumpf(model, out, JSON_INDENT(1) | JSON_REAL_PRECISION(6)) != 0)
        return -1;
    fputc('\n', out);
    return ferror(out) ? -1 : 0;
}

/* ---- CSV ---- */

static void csv_field(FILE *f, const json_t *v)
{
    if (!v || json_is_null(v))
        return;
    if (json_is_integer(v)) {
        fprintf(f, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        fprintf(f, "%.6f", json_real_value(v));
    } else if (json_is_boolean(v)) {
        fputs(json_is_true(v) ? "yes" : "no", f);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!strpbrk(s, ",\"\n\r")) {
            fputs(s, f);
            return;
        }
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    }
}

/* One row: the named keys of o, after the given leading values. */
static void csv_row(FILE *f, const json_t *const *lead, int n_lead, const json_t *o,
                    const char *const *keys)
{
    int col = 0;
    for (int i = 0; i < n_lead; i++, col++) {
        if (col)
            fputc(',', f);
        csv_field(f, lead[i]);
    }
    for (int i = 0; keys && keys[i]; i++, col++) {
        if (col)
            fputc(',', f);
        csv_field(f, json_object_get(o, keys[i]));
    }
    fputs("\r\n", f);
}

static const char *const COUNT_KEYS[] = {
    "started",      "met_on_time", "met_late",   "open_overdue",
    "open_not_due", "cancelled",   "violations", "triggered",
    "violation_rate", "share_on_time", "median_days",  "p90_days",    NULL};

static void csv_header(FILE *f, const char *lead, const char *const *keys)
{
    fputs(lead, f);
    for (int i = 0; keys && keys[i]; i++)
        fprintf(f, ",%s", keys[i]);
    fputs("\r\n", f);
}

static FILE *csv_open(const char *dir, const char *name, char *errstr, size_t errstr_size)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
    return f;
}

int cw_report_write_csv(const json_t *model, const char *dir, char *errstr, size_t errstr_size)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(errstr, errstr_size, "%s: %s", dir, strerror(errno));
        return -1;
    }
    static const char *const names[] = {"rules.csv",     "municipalities.csv", "units.csv",
                                        "worst.csv",     "monthly.csv",        "days_from_due.csv",
                                        "deadlines.csv", "legal_refs.csv"};
    enum { N = 8 };
    FILE *f[N] = {0};
    int rc = 0;
    for (int i = 0; i < N; i++)
        if (!(f[i] = csv_open(dir, names[i], errstr, errstr_size)))
            rc = -1;
    if (rc)
        goto out;
    static const char *const WORST[] = {"case", "days_overdue", "status", NULL};
    static const char *const MONTH[] = {"month",        "met_on_time",   "met_late",
                                        "open_overdue", "share_on_time", NULL};
    static const char *const DAYS[] = {"days", "count", NULL};
    static const char *const DL[] = {
        "from",         "to",        "period",      "repeat",        "anchor",
        "roll_forward", "warn_days", "extended_by", "genast_cutoff", NULL};
    static const char *const REF[] = {"law", "ref", "url", "from", "to", NULL};
    csv_header(f[0], "rule,kind,subject", COUNT_KEYS);
    csv_header(f[1], "rule,municipality,municipality_name", COUNT_KEYS);
    csv_header(f[2], "rule,municipality,unit", COUNT_KEYS);
    csv_header(f[3], "rule,rank", WORST);
    csv_header(f[4], "rule", MONTH);
    csv_header(f[5], "rule", DAYS);
    csv_header(f[6], "rule", DL);
    csv_header(f[7], "rule", REF);
    json_t *all = json_string("all");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(model, "rules"), i, r)
    {
        json_t *id = json_object_get(r, "rule");
        const json_t *lead[3] = {id, json_object_get(r, "kind"), json_object_get(r, "subject")};
        csv_row(f[0], lead, 3, json_object_get(r, "totals"), COUNT_KEYS);
        size_t k, u;
        json_t *m, *x;
        json_array_foreach(json_object_get(r, "municipalities"), k, m)
        {
            lead[1] = json_object_get(m, "municipality");
            lead[2] = json_object_get(m, "municipality_name");
            csv_row(f[1], lead, 3, m, COUNT_KEYS);
            json_array_foreach(json_object_get(m, "units"), u, x)
            {
                lead[2] = json_object_get(x, "unit");
                csv_row(f[2], lead, 3, x, COUNT_KEYS);
            }
        }
        json_array_foreach(json_object_get(r, "worst"), k, x)
        {
            json_t *rank = json_integer((json_int_t)k + 1);
            lead[1] = rank;
            csv_row(f[3], lead, 2, x, WORST);
            json_decref(rank);
        }
        json_array_foreach(json_object_get(r, "monthly"), k, x) csv_row(f[4], lead, 1, x, MONTH);
        json_array_foreach(json_object_get(r, "days_from_due"), k, x)
            csv_row(f[5], lead, 1, x, DAYS);
        json_t *d = json_object_get(r, "deadline");
        json_array_foreach(json_object_get(d, "versions"), k, x)
        {
            json_t *row = json_copy(x);
            json_object_update(row, d); /* the rule-wide columns too */
            csv_row(f[6], lead, 1, row, DL);
            json_decref(row);
        }
        json_array_foreach(json_object_get(r, "legal_refs"), k, x) csv_row(f[7], lead, 1, x, REF);
    }
    const json_t *lead[1] = {all};
    json_array_foreach(json_object_get(model, "monthly"), i, r) csv_row(f[4], lead, 1, r, MONTH);
    json_array_foreach(json_object_get(model, "days_from_due"), i, r)
        csv_row(f[5], lead, 1, r, DAYS);
    const json_t *tl[3] = {all, NULL, NULL};
    csv_row(f[0], tl, 3, json_object_get(model, "totals"), COUNT_KEYS);
    json_decref(all);
out:
    for (int k = 0; k < N; k++) {
        if (f[k] && (ferror(f[k]) | fclose(f[k])) && !rc) {
            snprintf(errstr, errstr_size, "%s/%s: write error", dir, names[k]);
            rc = -1;
        }
    }
    return rc;
}
