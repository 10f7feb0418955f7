/* Renders the report model: JSON, CSV tables, self-contained HTML with
 * inline SVG charts (no scripts, no external resources). */
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
    "open_not_due", "cancelled",   "violations", "share_on_time",
    "median_days",  "p90_days",    NULL};

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
    csv_header(f[1], "rule,municipality", COUNT_KEYS);
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
            csv_row(f[1], lead, 2, m, COUNT_KEYS);
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

/* ---- HTML ---- */

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void cell_value(FILE *f, const json_t *v)
{
    if (!v || json_is_null(v))
        fputs("–", f);
    else if (json_is_real(v))
        fprintf(f, "%.1f %%", 100.0 * json_real_value(v));
    else if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        fputs(json_is_true(v) ? "yes" : "no", f);
    else
        esc(f, json_string_value(v));
}

static const char *const COUNT_HEAD[] = {
    "Started",       "Met on time", "Met late",   "Open, overdue",
    "Open, not due", "Cancelled",   "Violations", "On time",
    "Median days",   "P90 days",    NULL};

static void counts_head(FILE *f, const char *first, const char *second)
{
    fprintf(f, "<tr><th>%s</th>", first);
    if (second)
        fprintf(f, "<th>%s</th>", second);
    for (int i = 0; COUNT_HEAD[i]; i++)
        fprintf(f, "<th>%s</th>", COUNT_HEAD[i]);
    fputs("</tr>\n", f);
}

static void counts_cells(FILE *f, const json_t *o)
{
    for (int i = 0; COUNT_KEYS[i]; i++) {
        fputs("<td class=n>", f);
        cell_value(f, json_object_get(o, COUNT_KEYS[i]));
        fputs("</td>", f);
    }
    fputs("</tr>\n", f);
}

static bool has_share(const json_t *totals)
{
    return json_is_real(json_object_get(totals, "share_on_time"));
}

/* Chart 1: on-time share per rule (horizontal bars). */
static void svg_shares(FILE *f, const json_t *rules)
{
    size_t i, n = 0;
    json_t *r;
    json_array_foreach(rules, i, r) n += has_share(json_object_get(r, "totals"));
    int row = 22, left = 290, w = 420, h = (int)n * row + 40;
    fprintf(f,
            "<svg class=chart role=img aria-label=\"On-time share per rule\" width=%d height=%d "
            "viewBox=\"0 0 %d %d\">\n",
            left + w + 70, h, left + w + 70, h);
    for (int p = 0; p <= 100; p += 25)
        fprintf(f,
                "<line x1=%d y1=8 x2=%d y2=%d class=grid /><text x=%d y=%d class=ax "
                "text-anchor=middle>%d %%</text>\n",
                left + w * p / 100, left + w * p / 100, h - 24, left + w * p / 100, h - 8, p);
    int y = 10;
    json_array_foreach(rules, i, r)
    {
        json_t *t = json_object_get(r, "totals");
        if (!has_share(t))
            continue;
        double s = json_real_value(json_object_get(t, "share_on_time"));
        fprintf(f, "<text x=%d y=%d class=lb text-anchor=end>", left - 6, y + 14);
        esc(f, str(r, "rule"));
        fprintf(f,
                "</text><rect x=%d y=%d width=%.1f height=%d class=\"%s\"><title>%.1f %% of "
                "%lld</title></rect><text x=%.1f y=%d class=lb>%.1f %%</text>\n",
                left, y + 3, w * s, row - 6,
                s >= 0.9    ? "ok"
                : s >= 0.75 ? "mid"
                            : "bad",
                100 * s, num(t, "met_on_time") + num(t, "met_late") + num(t, "open_overdue"),
                left + w * s + 4, y + 14, 100 * s);
        y += row;
    }
    fputs("</svg>\n", f);
}

/* Chart 2: monthly trend of the on-time share (all rules, by due month),
 * with the number due as light bars. */
static void svg_monthly(FILE *f, const json_t *months)
{
    size_t n = json_array_size(months), i;
    if (n == 0) {
        fputs("<p>No obligation fell due.</p>\n", f);
        return;
    }
    int left = 50, top = 12, w = 660, h = 200;
    long long maxdue = 1;
    double lo = 1.0; /* the share axis starts at the lowest share, in tens */
    json_t *m;
    json_array_foreach(months, i, m)
    {
        long long d = num(m, "met_on_time") + num(m, "met_late") + num(m, "open_overdue");
        maxdue = d > maxdue ? d : maxdue;
        json_t *s = json_object_get(m, "share_on_time");
        if (json_is_real(s) && json_real_value(s) < lo)
            lo = json_real_value(s);
    }
    int lo10 = (int)floor(lo * 10.0);
    lo10 = lo10 > 9 ? 9 : lo10 < 0 ? 0 : lo10;
    double base = lo10 / 10.0, span = 1.0 - base;
#define SHARE_Y(v) (top + h - h * (((v)-base) / span))
    double step = (double)w / (double)n;
    fprintf(f,
            "<svg class=chart role=img aria-label=\"Monthly on-time share\" width=%d height=%d "
            "viewBox=\"0 0 %d %d\">\n",
            left + w + 20, top + h + 40, left + w + 20, top + h + 40);
    for (int k = 0; k <= 4; k++) {
        double v = base + span * k / 4.0;
        fprintf(f,
                "<line x1=%d y1=%.1f x2=%d y2=%.1f class=grid /><text x=%d y=%.1f class=ax "
                "text-anchor=end>%.1f %%</text>\n",
                left, SHARE_Y(v), left + w, SHARE_Y(v), left - 4, SHARE_Y(v) + 4, 100 * v);
    }
    json_array_foreach(months, i, m)
    {
        long long d = num(m, "met_on_time") + num(m, "met_late") + num(m, "open_overdue");
        double x = left + step * (double)i;
        double bh = (double)h * 0.35 * (double)d / (double)maxdue;
        fprintf(f, "<rect x=%.1f y=%.1f width=%.1f height=%.1f class=vol><title>", x + 1,
                top + h - bh, step - 2, bh);
        esc(f, str(m, "month"));
        fprintf(f, ": %lld due, %lld on time</title></rect>\n", d, num(m, "met_on_time"));
        if (n <= 24 || i % 3 == 0) {
            fprintf(f, "<text x=%.1f y=%d class=ax text-anchor=middle>", x + step / 2,
                    top + h + 16);
            esc(f, str(m, "month") + 2);
            fputs("</text>\n", f);
        }
    }
    fputs("<polyline class=line points=\"", f);
    json_array_foreach(months, i, m)
    {
        json_t *s = json_object_get(m, "share_on_time");
        if (json_is_real(s))
            fprintf(f, "%.1f,%.1f ", left + step * ((double)i + 0.5), SHARE_Y(json_real_value(s)));
    }
    fputs("\"/>\n", f);
    json_array_foreach(months, i, m)
    {
        json_t *s = json_object_get(m, "share_on_time");
        if (json_is_real(s))
            fprintf(f,
                    "<circle cx=%.1f cy=%.1f r=3 class=dot><title>%s: %.1f %%</title></circle>\n",
                    left + step * ((double)i + 0.5), SHARE_Y(json_real_value(s)), str(m, "month"),
                    100 * json_real_value(s));
    }
#undef SHARE_Y
    fprintf(f,
            "<text x=%d y=%d class=ax text-anchor=end>line: on-time share (left axis); bars: "
            "obligations due, highest %lld</text>\n",
            left + w, top + h + 34, maxdue);
    fputs("</svg>\n", f);
}

/* Chart 3: days from the due date (all met and overdue obligations). */
static void svg_days(FILE *f, const json_t *days)
{
    static const struct {
        int lo, hi;
        const char *label;
    } B[] = {{-100000, -61, "≤ −61"}, {-60, -31, "−60…−31"}, {-30, -15, "−30…−15"},
             {-14, -8, "−14…−8"},     {-7, -1, "−7…−1"},     {0, 0, "0"},
             {1, 7, "1…7"},           {8, 14, "8…14"},       {15, 30, "15…30"},
             {31, 60, "31…60"},       {61, 100000, "≥ 61"}};
    enum { NB = sizeof(B) / sizeof(B[0]) };
    long long c[NB] = {0}, max = 1;
    size_t i;
    json_t *d;
    json_array_foreach(days, i, d)
    {
        long long v = num(d, "days");
        for (int b = 0; b < NB; b++)
            if (v >= B[b].lo && v <= B[b].hi)
                c[b] += num(d, "count");
    }
    for (int b = 0; b < NB; b++)
        max = c[b] > max ? c[b] : max;
    int left = 50, top = 16, bw = 60, h = 180, w = bw * NB;
    double scale = log10((double)max + 1);
    fprintf(f,
            "<svg class=chart role=img aria-label=\"Days from the due date\" width=%d height=%d "
            "viewBox=\"0 0 %d %d\">\n",
            left + w + 20, top + h + 50, left + w + 20, top + h + 50);
    for (int b = 0; b < NB; b++) {
        double bh = c[b] ? (double)h * log10((double)c[b] + 1) / scale : 0;
        fprintf(f,
                "<rect x=%d y=%.1f width=%d height=%.1f class=\"%s\"><title>%s days: "
                "%lld</title></rect>\n",
                left + b * bw + 4, top + h - bh, bw - 8, bh, B[b].hi <= 0 ? "ok" : "bad",
                B[b].label, c[b]);
        fprintf(f, "<text x=%d y=%.1f class=lb text-anchor=middle>%lld</text>\n",
                left + b * bw + bw / 2, top + h - bh - 3, c[b]);
        fprintf(f, "<text x=%d y=%d class=ax text-anchor=middle>%s</text>\n",
                left + b * bw + bw / 2, top + h + 16, B[b].label);
    }
    int x0 = left + 6 * bw;
    fprintf(f,
            "<line x1=%d y1=%d x2=%d y2=%d class=due /><text x=%d y=%d class=ax>deadline</text>\n"
            "<text x=%d y=%d class=ax text-anchor=middle>days after the due date (log scale; "
            "green: on time, red: late)</text>\n",
            x0, top - 6, x0, top + h, x0 + 4, top + 4, left + w / 2, top + h + 36);
    fputs("</svg>\n", f);
}

static const char *anchor_text(const char *a)
{
    if (strcmp(a, "executed_at") == 0)
        return "the date the emergency custody was executed (executed_at)";
    if (strcmp(a, "concluded") == 0)
        return "the date the investigation was concluded";
    if (strcmp(a, "ended") == 0)
        return "the date the placement ended";
    return "the local date of the triggering event (CASEWATCH_TIME_ZONE, default Europe/Stockholm)";
}

static void period_text(FILE *f, const char *p)
{
    static const struct {
        char u;
        const char *one, *many;
    } U[] = {{'d', "day", "days"},
             {'w', "week", "weeks"},
             {'m', "month", "months"},
             {'y', "year", "years"}};
    int n;
    char u;
    if (sscanf(p, "%d%c", &n, &u) == 2) {
        for (size_t i = 0; i < 4; i++)
            if (U[i].u == u) {
                fprintf(f, "%d %s", n, n == 1 ? U[i].one : U[i].many);
                return;
            }
    }
    esc(f, p);
}

static void law_section(FILE *f, const json_t *r, const json_t *model)
{
    (void)model;
    fputs("<dl class=law>", f);
    fputs("<dt>Legal reference</dt><dd>", f);
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(r, "legal_refs"), i, x)
    {
        if (i)
            fputs("<br>", f);
        const char *url = str(x, "url");
        if (*url) {
            fputs("<a href=\"", f);
            esc(f, url);
            fputs("\">", f);
        }
        esc(f, str(x, "law"));
        if (*str(x, "ref")) {
            fputc(' ', f);
            esc(f, str(x, "ref"));
        }
        if (*url)
            fputs("</a>", f);
        const char *from = str(x, "from"), *to = str(x, "to");
        if (*from && *to)
            fprintf(f, " <span class=dim>(in force %s to %s)</span>", from, to);
        else if (*from || *to)
            fprintf(f, " <span class=dim>(in force %s %s)</span>", *from ? "from" : "until",
                    *from ? from : to);
    }
    fputs("</dd>", f);
    json_t *d = json_object_get(r, "deadline");
    if (d) {
        fputs("<dt>Deadline</dt><dd>", f);
        json_array_foreach(json_object_get(d, "versions"), i, x)
        {
            const char *from = str(x, "from"), *to = str(x, "to");
            if (i)
                fputs("<br>", f);
            if (*from && *to)
                fprintf(f, "Obligations starting %s to %s: ", from, to);
            else if (*from || *to)
                fprintf(f, "Obligations starting %s %s: ", *from ? "from" : "until",
                        *from ? from : to);
            if (strcmp(str(x, "period"), "genast") == 0) {
                fprintf(f,
                        "<b>genast</b> (at once): due the same day as the event, or the next "
                        "day when the event came at or after %s local time",
                        str(d, "genast_cutoff"));
            } else {
                fputs("due = start date + <b>", f);
                period_text(f, str(x, "period"));
                fputs("</b> (lag 1930:173 1 §: days counted from the day after the start; weeks "
                      "land on the same weekday, months and years on the same day number or the "
                      "month's last day)",
                      f);
                if (json_is_string(json_object_get(x, "repeat"))) {
                    fputs("; after each action the next cycle is due action date + <b>", f);
                    period_text(f, str(x, "repeat"));
                    fputs("</b>", f);
                }
            }
        }
        fprintf(f, "</dd><dt>Start date (anchor)</dt><dd>%s</dd>", anchor_text(str(d, "anchor")));
        fprintf(
            f, "<dt>Roll forward</dt><dd>%s</dd>",
            json_is_true(json_object_get(d, "roll_forward"))
                ? "<b>yes</b>: a due date on a Saturday, Sunday, public holiday (lag 1989:253), "
                  "midsommarafton, julafton or nyårsafton moves to the next working day "
                  "(lag 1930:173 2 §)"
                : "<b>no</b>: the due date stands even on a holiday");
        fputs("<dt>Late</dt><dd>an action on a local date after the due date (the deadline "
              "expires at the local midnight after it)",
              f);
        if (json_is_string(json_object_get(d, "extended_by"))) {
            fputs("; an extension decision (", f);
            esc(f, str(d, "extended_by"));
            fputs(") taken before the deadline expired moves the due date to its "
                  "<i>until</i>",
                  f);
        }
        fputs("</dd>", f);
    } else {
        fprintf(f, "<dt>Kind</dt><dd>%s: each occurrence is a violation, at once</dd>",
                strcmp(str(r, "kind"), "forbidden") == 0 ? "a forbidden outcome"
                                                         : "a step required before another");
    }
    fputs("</dl>\n", f);
}

static const char CSS[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;"
    "padding:0 16px}h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid "
    "#ccc}h3{font-size:15px;margin:24px 0 4px}table{border-collapse:collapse;margin:8px 0}"
    "td,th{border:1px solid #ddd;padding:2px 6px}th{background:#f3f3f3;font-weight:600}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.dim{color:#777}"
    ".chart{display:block;margin:8px 0}.chart .grid{stroke:#e4e4e4}.chart .ax{font-size:11px;"
    "fill:#555}.chart .lb{font-size:12px;fill:#222}.ok{fill:#3a9a5b}.mid{fill:#e0a030}"
    ".bad{fill:#c8433a}.vol{fill:#c9d7ea}.line{fill:none;stroke:#1f5fa8;stroke-width:2}"
    ".dot{fill:#1f5fa8}.due{stroke:#222;stroke-dasharray:4 3}dl.law{display:grid;"
    "grid-template-columns:160px 1fr;gap:2px 12px;margin:4px 0}dl.law dt{color:#555}"
    "dl.law dd{margin:0}.defs li{margin:2px 0}";

int cw_report_write_html(const json_t *model, FILE *f)
{
    const json_t *rules = json_object_get(model, "rules");
    const json_t *in = json_object_get(model, "input");
    const json_t *pack = json_object_get(model, "rule_pack");
    fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n<title>Compliance report "
          "as of ",
          f);
    esc(f, str(model, "as_of_date"));
    fprintf(f, "</title>\n<style>%s</style></head><body>\n", CSS);
    fputs("<h1>Statutory timelines: compliance report</h1>\n<p>As of <b>", f);
    esc(f, str(model, "as_of"));
    fputs("</b>. Rule pack ", f);
    esc(f, str(pack, "name"));
    fputc(' ', f);
    esc(f, str(pack, "version"));
    fprintf(f,
            ". Input: %lld events applied (from %s to %s), %lld rejected, %lld duplicates, "
            "%lld after the as-of time (not counted).</p>\n",
            num(in, "events"), str(in, "first_event"), str(in, "last_event"), num(in, "rejected"),
            num(in, "duplicates"), num(in, "after_as_of"));
    fputs("<ul class=defs><li><b>Met on time</b>: the action on or before the due date "
          "(including a breach withdrawn because the action was dated in time). <b>Met "
          "late</b>: after it. <b>Open, overdue</b>: no action by the as-of time, past the "
          "due date. <b>Cancelled</b>: ended without the action because the duty ceased "
          "(case closed or transferred, placement ended, replaced by a new trigger); not in "
          "the share.</li><li><b>On time</b> = met on time / (met on time + met late + open "
          "overdue). <b>Days</b> to completion = local date of the action − start date; median "
          "and 90th percentile by nearest rank. A recurring duty counts each cycle.</li></ul>\n",
          f);
    fputs("<h2>Summary</h2>\n<h3>On-time share per rule</h3>\n", f);
    svg_shares(f, rules);
    fputs("<h3>Monthly trend: on-time share of the obligations that fell due in the month "
          "(all rules; bars: how many)</h3>\n",
          f);
    svg_monthly(f, json_object_get(model, "monthly"));
    fputs("<h3>Days from the due date at completion (or as of, when still open)</h3>\n", f);
    svg_days(f, json_object_get(model, "days_from_due"));
    fputs("<h3>Per rule</h3>\n<table>\n", f);
    counts_head(f, "Rule", NULL);
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        fputs("<tr><td><a href=\"#", f);
        esc(f, str(r, "rule"));
        fputs("\">", f);
        esc(f, str(r, "rule"));
        fputs("</a></td>", f);
        counts_cells(f, json_object_get(r, "totals"));
    }
    fputs("<tr><th>All rules</th>", f);
    counts_cells(f, json_object_get(model, "totals"));
    fputs("</table>\n<h2>Rules</h2>\n", f);
    json_array_foreach(rules, i, r)
    {
        fputs("<h3 id=\"", f);
        esc(f, str(r, "rule"));
        fputs("\">", f);
        esc(f, str(r, "title_en"));
        fputs(" <span class=dim>(", f);
        esc(f, str(r, "rule"));
        fputs("; ", f);
        esc(f, str(r, "title_sv"));
        fputs(")</span></h3>\n", f);
        law_section(f, r, model);
        fputs("<table>\n", f);
        counts_head(f, "Municipality", "Unit");
        size_t k, u;
        json_t *m, *x;
        json_array_foreach(json_object_get(r, "municipalities"), k, m)
        {
            fputs("<tr><td>", f);
            esc(f, str(m, "municipality"));
            fputs("</td><td><i>all</i></td>", f);
            counts_cells(f, m);
            json_array_foreach(json_object_get(m, "units"), u, x)
            {
                fputs("<tr><td></td><td>", f);
                esc(f, *str(x, "unit") ? str(x, "unit") : "(unknown)");
                fputs("</td>", f);
                counts_cells(f, x);
            }
        }
        fputs("<tr><th>All</th><th></th>", f);
        counts_cells(f, json_object_get(r, "totals"));
        fputs("</table>\n", f);
        const json_t *w = json_object_get(r, "worst");
        if (json_array_size(w)) {
            fputs("<p>Worst cases by days overdue: ", f);
            json_array_foreach(w, k, x)
            {
                fputs(k ? ", " : "", f);
                esc(f, str(x, "case"));
                fprintf(f, " (%lld%s)", num(x, "days_overdue"),
                        strcmp(str(x, "status"), "open") == 0 ? ", open" : "");
            }
            fputs("</p>\n", f);
        }
    }
    fputs("</body></html>\n", f);
    return ferror(f) ? -1 : 0;
}
