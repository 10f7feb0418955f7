/* The report model as one self-contained HTML page: inline CSS (with a
 * print stylesheet) and SVG, no scripts, no external resources. Every text
 * of the page is in Swedish (the default) or English: the pairs stand side
 * by side in tr() calls; rule titles come from the rule pack. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "base/mem.h"
#include "html.h"

/* An id usable in a fragment: the case id with anything but [A-Za-z0-9-_]
 * as '_' (case ids are printable; the text shown is the id itself). */
static void case_anchor(FILE *f, const char *id)
{
    fputs("case-", f);
    for (; *id; id++)
        fputc((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') ||
                      (*id >= '0' && *id <= '9') || *id == '-' || *id == '_'
                  ? *id
                  : '_',
              f);
}

/* ---- the count tables ---- */

typedef struct {
    const char *key, *sv, *en;
} column_t;

static const column_t OBLIGATION_COLS[] = {
    {"started", "Startade", "Started"},
    {"met_on_time", "I tid", "Met on time"},
    {"met_late", "Sent", "Met late"},
    {"open_overdue", "Öppna, försenade", "Open, overdue"},
    {"open_not_due", "Öppna, ej förfallna", "Open, not due"},
    {"cancelled", "Upphörda", "Cancelled"},
    {"share_on_time", "Andel i tid", "On time"},
    {"median_days", "Median dagar", "Median days"},
    {"p90_days", "P90 dagar", "P90 days"},
    {NULL, NULL, NULL}};

static const column_t VIOLATION_COLS[] = {
    {"triggered", "Tillfällen", "Occasions"},
    {"violations", "Överträdelser", "Violations"},
    {"violation_rate", "Andel överträdelser", "Violation rate"},
    {NULL, NULL, NULL}};

static void cell_value(const cw_html_ctx_t *c, const json_t *v)
{
    if (!v || json_is_null(v))
        fputs("–", c->f);
    else if (json_is_real(v))
        pct(c, json_real_value(v));
    else if (json_is_integer(v))
        fprintf(c->f, "%lld", (long long)json_integer_value(v));
    else
        esc(c->f, json_string_value(v));
}

static void head_row(const cw_html_ctx_t *c, const column_t *cols, const char *first, const char *second)
{
    fprintf(c->f, "<thead><tr><th>%s</th>", first);
    if (second)
        fprintf(c->f, "<th>%s</th>", second);
    for (int i = 0; cols[i].key; i++)
        fprintf(c->f, "<th>%s</th>", tr(c, cols[i].sv, cols[i].en));
    fputs("</tr></thead>\n", c->f);
}

static void cells(const cw_html_ctx_t *c, const column_t *cols, const json_t *o)
{
    for (int i = 0; cols[i].key; i++) {
        fputs("<td class=n>", c->f);
        cell_value(c, json_object_get(o, cols[i].key));
        fputs("</td>", c->f);
    }
    fputs("</tr>\n", c->f);
}

/* ---- at a glance: the municipality × rule heat table ---- */

typedef struct {
    const char *code, *name;
    long long on_time, due, violations, triggered;
} muni_t;

/* The municipalities of every rule, in code order, with their sums. */
static muni_t *municipalities(const json_t *rules, size_t *n_out)
{
    size_t n = 0, cap = 8, i, k;
    muni_t *v = cw_reallocarray(NULL, cap, sizeof(*v));
    json_t *r, *m;
    json_array_foreach(rules, i, r) json_array_foreach(json_object_get(r, "municipalities"), k, m)
    {
        size_t j = 0;
        while (j < n && strcmp(v[j].code, str(m, "municipality")) != 0)
            j++;
        if (j == n) {
            if (n == cap)
                v = cw_reallocarray(v, cap *= 2, sizeof(*v));
            v[n++] = (muni_t){str(m, "municipality"), muni_name(m), 0, 0, 0, 0};
        }
        v[j].on_time += num(m, "met_on_time");
        v[j].due += num(m, "met_on_time") + num(m, "met_late") + num(m, "open_overdue");
        v[j].violations += num(m, "violations");
        v[j].triggered += num(m, "triggered");
    }
    for (size_t a = 1; a < n; a++) /* insertion sort by code: few rows */
        for (size_t b = a; b > 0 && strcmp(v[b - 1].code, v[b].code) > 0; b--) {
            muni_t t = v[b];
            v[b] = v[b - 1];
            v[b - 1] = t;
        }
    *n_out = n;
    return v;
}

static const json_t *muni_row(const json_t *r, const char *code)
{
    size_t k;
    json_t *m;
    json_array_foreach(json_object_get(r, "municipalities"), k, m) if (strcmp(str(m, "municipality"),
                                                                              code) == 0) return m;
    return NULL;
}

static void heat_cell(const cw_html_ctx_t *c, const json_t *counts)
{
    if (!counts || !has_share(counts)) {
        fputs("<td class=\"n h0\">–</td>", c->f);
        return;
    }
    double s = share_of(counts);
    long long due =
        num(counts, "met_on_time") + num(counts, "met_late") + num(counts, "open_overdue");
    fprintf(c->f, "<td class=\"n %s\" title=\"", heat(s));
    fprintf(c->f, tr(c, "%lld i tid av %lld förfallna", "%lld on time of %lld due"),
            num(counts, "met_on_time"), due);
    fputs("\">", c->f);
    pct(c, s);
    fputs("</td>", c->f);
}

static bool in_heat(const json_t *r)
{
    return !is_violation_rule(r) && has_share(json_object_get(r, "totals"));
}

static void rule_link(const cw_html_ctx_t *c, const json_t *r)
{
    fputs("<a href=\"#", c->f);
    esc(c->f, str(r, "rule"));
    fputs("\">", c->f);
    esc(c->f, rule_title(c, r));
    fputs("</a>", c->f);
}

/* The counts of all deadlines of one municipality (new). */
static json_t *muni_all(const muni_t *m)
{
    json_t *all = json_object();
    json_object_set_new(all, "met_on_time", json_integer(m->on_time));
    json_object_set_new(all, "met_late", json_integer(m->due - m->on_time));
    json_object_set_new(all, "share_on_time",
                        m->due ? json_real((double)m->on_time / (double)m->due) : json_null());
    return all;
}

/* Rules as rows and municipalities as columns; with more municipalities
 * than fit across a page, the other way round. */
#define HEAT_MAX_COLUMNS 10

/* totals: of every rule (the violations in it do not enter the share). */
static void heat_table(const cw_html_ctx_t *c, const json_t *rules, const json_t *totals,
                       const muni_t *mu, size_t n_mu)
{
    size_t i, k;
    json_t *r;
    FILE *f = c->f;
    fputs("<table class=heat id=heat><thead><tr>", f);
    if (n_mu <= HEAT_MAX_COLUMNS) {
        fprintf(f, "<th>%s</th>", tr(c, "Tidsfrist", "Deadline"));
        for (k = 0; k < n_mu; k++) {
            fputs("<th>", f);
            esc(f, mu[k].name);
            fprintf(f, " <span class=dim>%s</span></th>", mu[k].code);
        }
        fprintf(f, "<th>%s</th></tr></thead>\n", tr(c, "Alla kommuner", "All municipalities"));
        json_array_foreach(rules, i, r) if (in_heat(r))
        {
            fputs("<tr><th class=l>", f);
            rule_link(c, r);
            fputs("</th>", f);
            for (k = 0; k < n_mu; k++)
                heat_cell(c, muni_row(r, mu[k].code));
            heat_cell(c, json_object_get(r, "totals"));
            fputs("</tr>\n", f);
        }
        fprintf(f, "<tr><th class=l>%s</th>", tr(c, "Alla tidsfrister", "All deadlines"));
        for (k = 0; k < n_mu; k++) {
            json_t *all = muni_all(&mu[k]);
            heat_cell(c, all);
            json_decref(all);
        }
        heat_cell(c, totals);
        fputs("</tr>\n", f);
    } else {
        fprintf(f, "<th>%s</th>", tr(c, "Kommun", "Municipality"));
        json_array_foreach(rules, i, r) if (in_heat(r))
        {
            fputs("<th>", f);
            rule_link(c, r);
            fputs("</th>", f);
        }
        fprintf(f, "<th>%s</th></tr></thead>\n", tr(c, "Alla tidsfrister", "All deadlines"));
        for (k = 0; k < n_mu; k++) {
            fputs("<tr><th class=l>", f);
            esc(f, mu[k].name);
            fprintf(f, " <span class=dim>%s</span></th>", mu[k].code);
            json_array_foreach(rules, i, r) if (in_heat(r)) heat_cell(c, muni_row(r, mu[k].code));
            json_t *all = muni_all(&mu[k]);
            heat_cell(c, all);
            json_decref(all);
            fputs("</tr>\n", f);
        }
        fprintf(f, "<tr><th class=l>%s</th>", tr(c, "Alla kommuner", "All municipalities"));
        json_array_foreach(rules, i, r) if (in_heat(r)) heat_cell(c, json_object_get(r, "totals"));
        heat_cell(c, totals);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    fprintf(f, "<p class=legend>%s <span class=\"key h5\">≥ 95 %%</span> <span class=\"key "
               "h4\">90–95 %%</span> <span class=\"key h3\">80–90 %%</span> <span class=\"key "
               "h2\">60–80 %%</span> <span class=\"key h1\">&lt; 60 %%</span></p>\n",
            tr(c, "Andel i tid:", "On-time share:"));
}

/* Violations as a rate: per rule and municipality, violations of the
 * occasions (trigger events of the rule's type: e.g. concluded
 * investigations, ended placements). */
static void violation_table(const cw_html_ctx_t *c, const json_t *rules, const muni_t *mu, size_t n_mu)
{
    size_t i;
    json_t *r;
    fprintf(c->f, "<table class=heat id=violations><thead><tr><th>%s</th>",
            tr(c, "Regel", "Rule"));
    for (size_t k = 0; k < n_mu; k++) {
        fputs("<th>", c->f);
        esc(c->f, mu[k].name);
        fputs("</th>", c->f);
    }
    fprintf(c->f, "<th>%s</th></tr></thead>\n", tr(c, "Alla kommuner", "All municipalities"));
    json_array_foreach(rules, i, r)
    {
        if (!is_violation_rule(r))
            continue;
        fputs("<tr><th class=l>", c->f);
        rule_link(c, r);
        fputs("</th>", c->f);
        for (size_t k = 0; k <= n_mu; k++) {
            const json_t *m = k < n_mu ? muni_row(r, mu[k].code) : json_object_get(r, "totals");
            const json_t *rate = json_object_get(m, "violation_rate");
            if (!json_is_real(rate)) {
                fputs("<td class=\"n h0\">–</td>", c->f);
                continue;
            }
            double v = json_real_value(rate);
            fprintf(c->f, "<td class=\"n %s\">", heat(1.0 - v));
            pct(c, v);
            fprintf(c->f, " <span class=dim>(%lld %s %lld)</span></td>", num(m, "violations"),
                    tr(c, "av", "of"), num(m, "triggered"));
        }
        fputs("</tr>\n", c->f);
    }
    fputs("</table>\n", c->f);
}

/* ---- the page ---- */

static const char *status_text(const cw_html_ctx_t *c, const char *s)
{
    static const struct {
        const char *key, *sv, *en;
    } T[] = {{"met_on_time", "i tid", "on time"},
             {"met_late", "sent", "late"},
             {"open_overdue", "öppen, försenad", "open, overdue"},
             {"open_not_due", "öppen, ej förfallen", "open, not due"},
             {"cancelled", "upphörd", "cancelled"},
             {"violation", "överträdelse", "violation"},
             {"open", "öppen", "open"}};
    for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++)
        if (strcmp(s, T[i].key) == 0)
            return tr(c, T[i].sv, T[i].en);
    return s;
}

static const char CSS[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;"
    "padding:0 16px}h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid "
    "#ccc}h3{font-size:15px;margin:24px 0 4px}table{border-collapse:collapse;margin:8px 0}"
    "td,th{border:1px solid #ddd;padding:2px 6px}th{background:#f3f3f3;font-weight:600}"
    "th.l{text-align:left;font-weight:normal}td.n{text-align:right;font-variant-numeric:"
    "tabular-nums;white-space:nowrap}.dim{color:#777}.warn{border:2px solid #c8433a;"
    "background:#fbeaea;padding:6px 10px}"
    ".chart{display:block;margin:8px 0}.chart .grid{stroke:#e4e4e4}.chart .ax{font-size:11px;"
    "fill:#555}.chart .lb{font-size:12px;fill:#222}.ok{fill:#3a9a5b}.bad{fill:#c8433a}"
    ".vol{fill:#c9d7ea}.line{fill:none;stroke:#1f5fa8;stroke-width:2}.dot{fill:#1f5fa8}"
    ".total{fill:#222}.mu{stroke:#222;stroke-width:.5}.due{stroke:#222;stroke-dasharray:4 3}"
    "td.h5,.key.h5{background:#cfe8d6}td.h4,.key.h4{background:#e6f0c8}td.h3,.key.h3{background:"
    "#fbe6b0}td.h2,.key.h2{background:#f7c9a0}td.h1,.key.h1{background:#ec9c94}td.h0{color:#aaa}"
    "circle.h5{fill:#3a9a5b}circle.h4{fill:#9bbf4a}circle.h3{fill:#e0a030}circle.h2{fill:"
    "#e07a30}circle.h1{fill:#c8433a}.key{padding:0 6px;border:1px solid #ddd}"
    "dl.law{display:grid;grid-template-columns:160px 1fr;gap:2px 12px;margin:4px 0}"
    "dl.law dt{color:#555}dl.law dd{margin:0}.defs dt{font-weight:600}.defs dd{margin:0 0 4px 16px}"
    "section.case{border-top:1px solid #ddd;margin-top:16px}"
    "@media print{@page{size:A4;margin:14mm}body{font-size:9.5pt;max-width:none;margin:0;"
    "padding:0}h2{break-before:page}h1+p+h2,.first{break-before:auto}table,svg,dl.law,"
    "h3{break-inside:avoid}h3{break-after:avoid}thead{display:table-header-group}"
    "section.case table{break-inside:auto;font-size:8pt}section.case{break-inside:auto}"
    "a{color:inherit;text-decoration:none}.noprint{display:none}"
    "td.h5,td.h4,td.h3,td.h2,td.h1,.key,.warn{print-color-adjust:exact;-webkit-print-color-"
    "adjust:exact}.chart{max-width:100%;height:auto}}";

static void header(const cw_html_ctx_t *c, const json_t *model)
{
    const json_t *in = json_object_get(model, "input");
    const json_t *pack = json_object_get(model, "rule_pack");
    const json_t *period = json_object_get(model, "period");
    fprintf(c->f, "<!DOCTYPE html>\n<html lang=%s><head><meta charset=utf-8>\n<title>%s ",
            c->en ? "en" : "sv", tr(c, "Uppföljningsrapport", "Compliance report"));
    esc(c->f, str(period, "from"));
    fputs("–", c->f);
    esc(c->f, str(period, "to"));
    fprintf(c->f, "</title>\n<style>%s</style></head><body>\n", CSS);
    fprintf(c->f, "<h1>%s</h1>\n<p id=period>",
            tr(c, "Lagstadgade tidsfrister: uppföljningsrapport",
               "Statutory timelines: compliance report"));
    fprintf(c->f,
            tr(c, "Period (sista dagar som räknas): <b>%s till %s</b>",
               "Period (due dates counted): <b>%s to %s</b>"),
            str(period, "from"), str(period, "to"));
    if (!json_is_true(json_object_get(period, "from_given")) ||
        !json_is_true(json_object_get(period, "to_given")))
        fputs(tr(c, " (utan --from/--to: exportens egna datum)",
                 " (without --from/--to: the export's own dates)"),
              c->f);
    fprintf(c->f, tr(c, ". Lägesdag: <b>%s</b>. Regelpaket ", ". As of <b>%s</b>. Rule pack "),
            str(model, "as_of"));
    esc(c->f, str(pack, "name"));
    fputc(' ', c->f);
    esc(c->f, str(pack, "version"));
    fprintf(c->f,
            tr(c,
               ". Indata: %lld händelser (%s till %s), %lld avvisade, %lld dubbletter, %lld efter "
               "lägesdagen (räknas inte); %lld skyldigheter och överträdelser utanför perioden.</p>\n",
               ". Input: %lld events (%s to %s), %lld rejected, %lld duplicates, %lld after the "
               "as-of time (not counted); %lld obligations and violations outside the period.</p>\n"),
            num(in, "events"), str(in, "first_event"), str(in, "last_event"), num(in, "rejected"),
            num(in, "duplicates"), num(in, "after_as_of"), num(period, "outside"));
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(model, "warnings"), i, w)
    {
        if (strcmp(json_string_value(w), "as_of_after_last_event") != 0)
            continue;
        fputs("<p class=warn id=warning><b>", c->f);
        fputs(tr(c, "Varning:", "Warning:"), c->f);
        fprintf(c->f,
                tr(c,
                   "</b> lägesdagen %s ligger efter exportens sista händelse (%s). Skyldigheter "
                   "som förfaller däremellan räknas som försenade fast exporten inte kan visa om "
                   "de fullgjordes.</p>\n",
                   "</b> the as-of time %s lies past the export's last event (%s). Obligations "
                   "falling due in between count as overdue although the export cannot show "
                   "whether they were met.</p>\n"),
                str(model, "as_of"), str(in, "export_last_event"));
    }
}

static void definitions(const cw_html_ctx_t *c)
{
    fprintf(c->f, "<dl class=defs>%s</dl>\n",
            tr(c,
               "<dt>Skyldighet</dt><dd>en lagstadgad åtgärd med en sista dag (en förhandsbedömning, "
               "en utredning, ett besök …); en återkommande skyldighet räknas en gång per "
               "omgång.</dd><dt>I tid</dt><dd>åtgärden senast sista dagen (även när en varning "
               "drogs tillbaka för att åtgärden var daterad i tid men rapporterades sent).</dd>"
               "<dt>Sent</dt><dd>åtgärden efter sista dagen.</dd><dt>Öppen, försenad</dt><dd>ingen "
               "åtgärd vid lägesdagen och sista dagen passerad.</dd><dt>Upphörd</dt><dd>avslutad "
               "utan åtgärd för att skyldigheten upphörde (ärendet avslutat eller flyttat, "
               "placeringen upphörd, ersatt av en ny händelse); ingår inte i andelen.</dd>"
               "<dt>Andel i tid</dt><dd>i tid / (i tid + sent + öppna försenade).</dd>"
               "<dt>Överträdelse</dt><dd>ett steg som saknades eller ett förbjudet utfall; "
               "andelen räknas per tillfälle: händelser av den typ som regeln prövar (t.ex. "
               "avslutade utredningar, upphörda placeringar).</dd><dt>Dagar</dt><dd>till "
               "fullgörande = åtgärdens lokala datum − startdatum; median och 90:e percentil "
               "(närmaste rang).</dd><dt>Period</dt><dd>skyldigheter räknas när deras sista dag "
               "ligger i perioden, överträdelser när händelsen gör det.</dd>",
               "<dt>Obligation</dt><dd>a statutory action with a due date (a pre-assessment, an "
               "investigation, a visit …); a recurring duty counts once per cycle.</dd><dt>Met on "
               "time</dt><dd>the action on or before the due date (also when a breach was "
               "withdrawn because the action was dated in time but reported late).</dd><dt>Met "
               "late</dt><dd>the action after the due date.</dd><dt>Open, overdue</dt><dd>no "
               "action by the as-of time, past the due date.</dd><dt>Cancelled</dt><dd>ended "
               "without the action because the duty ceased (case closed or transferred, "
               "placement ended, replaced by a new trigger); not in the share.</dd><dt>On-time "
               "share</dt><dd>met on time / (met on time + met late + open overdue).</dd>"
               "<dt>Violation</dt><dd>a missing step or a forbidden outcome; the rate is per "
               "occasion: events of the type the rule checks (e.g. concluded investigations, "
               "ended placements).</dd><dt>Days</dt><dd>to completion = local date of the action "
               "− start date; median and 90th percentile (nearest rank).</dd><dt>Period</dt><dd>"
               "obligations count when their due date lies in the period, violations when their "
               "event does.</dd>"));
}

static void rule_table(const cw_html_ctx_t *c, const json_t *rules, const json_t *totals)
{
    size_t i;
    json_t *r;
    fputs("<table id=rules>\n", c->f);
    head_row(c, OBLIGATION_COLS, tr(c, "Tidsfrist", "Deadline"), NULL);
    json_array_foreach(rules, i, r)
    {
        if (is_violation_rule(r))
            continue;
        fputs("<tr><td><a href=\"#", c->f);
        esc(c->f, str(r, "rule"));
        fputs("\">", c->f);
        esc(c->f, rule_title(c, r));
        fputs("</a></td>", c->f);
        cells(c, OBLIGATION_COLS, json_object_get(r, "totals"));
    }
    fprintf(c->f, "<tr><th class=l>%s</th>", tr(c, "Alla tidsfrister", "All deadlines"));
    cells(c, OBLIGATION_COLS, totals);
    fputs("</table>\n", c->f);
}

static void worst_list(const cw_html_ctx_t *c, const json_t *w)
{
    size_t k;
    json_t *x;
    if (!json_array_size(w))
        return;
    fprintf(c->f, "<p>%s ",
            tr(c, "Mest försenade ärenden (dagar efter sista dagen):",
               "Worst cases (days past the due date):"));
    json_array_foreach(w, k, x)
    {
        fputs(k ? ", <a class=case href=\"#" : "<a class=case href=\"#", c->f);
        case_anchor(c->f, str(x, "case"));
        fputs("\">", c->f);
        esc(c->f, str(x, "case"));
        fprintf(c->f, "</a> (%lld%s%s)", num(x, "days_overdue"),
                strcmp(str(x, "status"), "open") == 0 ? ", " : "",
                strcmp(str(x, "status"), "open") == 0 ? status_text(c, "open") : "");
    }
    fputs("</p>\n", c->f);
}

static void rule_section(const cw_html_ctx_t *c, const json_t *r)
{
    bool viol = is_violation_rule(r);
    const column_t *cols = viol ? VIOLATION_COLS : OBLIGATION_COLS;
    fputs("<h3 id=\"", c->f);
    esc(c->f, str(r, "rule"));
    fputs("\">", c->f);
    esc(c->f, rule_title(c, r));
    fputs(" <span class=dim>(", c->f);
    esc(c->f, str(r, "rule"));
    fputs(")</span></h3>\n", c->f);
    cw_html_law_section(c, r);
    fputs("<table>\n", c->f);
    head_row(c, cols, tr(c, "Kommun", "Municipality"), tr(c, "Enhet", "Unit"));
    size_t k, u;
    json_t *m, *x;
    json_array_foreach(json_object_get(r, "municipalities"), k, m)
    {
        fputs("<tr><td>", c->f);
        esc(c->f, muni_name(m));
        fprintf(c->f, " <span class=dim>%s</span></td><td><i>%s</i></td>", str(m, "municipality"),
                tr(c, "alla", "all"));
        cells(c, cols, m);
        json_array_foreach(json_object_get(m, "units"), u, x)
        {
            fputs("<tr><td></td><td>", c->f);
            esc(c->f, *str(x, "unit") ? str(x, "unit") : tr(c, "(okänd)", "(unknown)"));
            fputs("</td>", c->f);
            cells(c, cols, x);
        }
    }
    fprintf(c->f, "<tr><th class=l>%s</th><th></th>", tr(c, "Alla", "All"));
    cells(c, cols, json_object_get(r, "totals"));
    fputs("</table>\n", c->f);
    worst_list(c, json_object_get(r, "worst"));
}

/* The drill-down: each listed case's events and obligations. */
static void case_sections(const cw_html_ctx_t *c, const json_t *model)
{
    const json_t *cases = json_object_get(model, "cases");
    const json_t *rules = json_object_get(model, "rules");
    if (!json_object_size(cases))
        return;
    fprintf(c->f, "<h2 id=cases>%s</h2>\n",
            tr(c, "Ärenden: tidslinjer", "Cases: timelines"));
    const char *id;
    json_t *cs;
    json_object_foreach((json_t *)cases, id, cs)
    {
        fputs("<section class=case id=\"", c->f);
        case_anchor(c->f, id);
        fprintf(c->f, "\"><h3>%s ", tr(c, "Ärende", "Case"));
        esc(c->f, id);
        fprintf(c->f, "</h3>\n<table class=obl>");
        fprintf(c->f, "<thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
                      "</thead>\n",
                tr(c, "Skyldighet", "Obligation"), tr(c, "Start", "Start"),
                tr(c, "Sista dag", "Due"), tr(c, "Åtgärd / slut", "Action / end"),
                tr(c, "Utfall", "Outcome"));
        size_t k, i;
        json_t *o, *r;
        json_array_foreach(json_object_get(cs, "obligations"), k, o)
        {
            const char *title = str(o, "rule");
            json_array_foreach(rules, i, r) if (strcmp(str(r, "rule"), title) == 0) title =
                rule_title(c, r);
            fputs("<tr><td>", c->f);
            esc(c->f, title);
            fprintf(c->f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                    str(o, "start"), str(o, "due"), str(o, "end"),
                    status_text(c, str(o, "status")));
        }
        fprintf(c->f, "</table>\n<table class=events><thead><tr><th>%s</th><th>%s</th></tr>"
                      "</thead>\n",
                tr(c, "Tid (lokal, med UTC-förskjutning)", "Time (local, with UTC offset)"), tr(c, "Händelse", "Event"));
        json_array_foreach(json_object_get(cs, "events"), k, o)
            fprintf(c->f, "<tr><td>%s</td><td><code>%s</code></td></tr>\n", str(o, "time"),
                    str(o, "type"));
        fprintf(c->f, "</table>\n<p class=noprint><a href=\"#heat\">%s</a></p></section>\n",
                tr(c, "↑ till översikten", "↑ back to the overview"));
    }
}

int cw_report_write_html(const json_t *model, const char *lang, FILE *f)
{
    cw_html_ctx_t c = {f, lang && strcmp(lang, "en") == 0};
    const json_t *rules = json_object_get(model, "rules");
    header(&c, model);
    definitions(&c);
    size_t n_mu;
    muni_t *mu = municipalities(rules, &n_mu);
    fprintf(f, "<h2 class=first>%s</h2>\n<h3>%s</h3>\n", tr(&c, "Översikt", "At a glance"),
            tr(&c, "Andel i tid per kommun och tidsfrist", "On-time share per municipality and deadline"));
    heat_table(&c, rules, json_object_get(model, "totals"), mu, n_mu);
    fprintf(f, "<h3>%s</h3>\n",
            tr(&c, "Överträdelser per tillfälle", "Violations per occasion"));
    violation_table(&c, rules, mu, n_mu);
    free(mu);
    fprintf(f, "<h3>%s</h3>\n",
            tr(&c, "Andel i tid per tidsfrist (förstorad axel)", "On-time share per deadline (zoomed axis)"));
    cw_html_chart_dots(&c, rules);
    fprintf(f, "<h3>%s</h3>\n",
            tr(&c, "Månad för månad: andel i tid av skyldigheterna som förföll (alla tidsfrister)",
               "Month by month: on-time share of the obligations that fell due (all deadlines)"));
    cw_html_chart_monthly(&c, json_object_get(model, "monthly"));
    fprintf(f, "<h3>%s</h3>\n",
            tr(&c, "Dagar från sista dagen vid fullgörande (eller lägesdagen, när öppen)",
               "Days from the due date at completion (or as of, when still open)"));
    cw_html_chart_days(&c, json_object_get(model, "days_from_due"));
    fprintf(f, "<h3>%s</h3>\n", tr(&c, "Per tidsfrist", "Per deadline"));
    rule_table(&c, rules, json_object_get(model, "totals"));
    fprintf(f, "<h2>%s</h2>\n", tr(&c, "Regler", "Rules"));
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) rule_section(&c, r);
    case_sections(&c, model);
    fputs("</body></html>\n", f);
    return ferror(f) ? -1 : 0;
}
