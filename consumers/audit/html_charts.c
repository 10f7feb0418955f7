/* The report's inline SVG charts: the on-time share per rule and
 * municipality on a zoomed axis, the monthly trend, days from the due
 * date. */
#include <math.h>

#include "html.h"

/* On-time share per rule as a dot chart on a zoomed axis: one dot per
 * municipality, a bar mark for all. The axis starts at the lowest share
 * rounded down to 5 %, so 92.9 % and 99.2 % stand apart. */
void cw_html_chart_dots(const cw_html_ctx_t *c, const json_t *rules)
{
    size_t i, k, n = 0;
    json_t *r, *m;
    double lo = 1.0;
    json_array_foreach(rules, i, r)
    {
        if (!has_share(json_object_get(r, "totals")))
            continue;
        n++;
        lo = fmin(lo, share_of(json_object_get(r, "totals")));
        json_array_foreach(json_object_get(r, "municipalities"), k, m) if (has_share(m)) lo =
            fmin(lo, share_of(m));
    }
    int lo5 = (int)floor(lo * 20.0);
    lo5 = lo5 > 19 ? 19 : lo5 < 0 ? 0 : lo5;
    double base = lo5 / 20.0, span = 1.0 - base;
    int row = 24, left = 430, w = 400, h = (int)n * row + 44;
    fprintf(c->f,
            "<svg class=chart id=dots role=img aria-label=\"%s\" width=%d height=%d "
            "viewBox=\"0 0 %d %d\">\n",
            tr(c, "Andel i tid per regel och kommun", "On-time share per rule and municipality"),
            left + w + 70, h, left + w + 70, h);
#define X(v) (left + w * (((v)-base) / span))
    for (int t = 0; t <= 4; t++) {
        double v = base + span * t / 4.0;
        fprintf(c->f, "<line x1=%.1f y1=8 x2=%.1f y2=%d class=grid /><text x=%.1f y=%d class=ax "
                      "text-anchor=middle>",
                X(v), X(v), h - 28, X(v), h - 14);
        pct(c, v);
        fputs("</text>\n", c->f);
    }
    fprintf(c->f, "<text x=%d y=%d class=ax>", left, h - 2);
    fputs(tr(c, "axeln börjar vid ", "the axis starts at "), c->f);
    pct(c, base);
    fputs(tr(c, "; prick: en kommun, streck: alla", "; dot: a municipality, bar: all"), c->f);
    fputs("</text>\n", c->f);
    int y = 10;
    json_array_foreach(rules, i, r)
    {
        json_t *t = json_object_get(r, "totals");
        if (!has_share(t))
            continue;
        fprintf(c->f, "<text x=%d y=%d class=lb text-anchor=end>", left - 8, y + 15);
        esc(c->f, rule_title(c, r));
        fprintf(c->f, "</text><line x1=%d y1=%d x2=%d y2=%d class=grid />\n", left, y + 11,
                left + w, y + 11);
        json_array_foreach(json_object_get(r, "municipalities"), k, m)
        {
            if (!has_share(m))
                continue;
            fprintf(c->f, "<circle cx=%.1f cy=%d r=4 class=\"mu %s\"><title>", X(share_of(m)),
                    y + 11, heat(share_of(m)));
            esc(c->f, muni_name(m));
            fputs(": ", c->f);
            pct(c, share_of(m));
            fputs("</title></circle>\n", c->f);
        }
        double s = share_of(t);
        fprintf(c->f, "<rect x=%.1f y=%d width=3 height=16 class=total><title>", X(s) - 1.5, y + 3);
        pct(c, s);
        fprintf(c->f, "</title></rect><text x=%d y=%d class=lb>", left + w + 6, y + 15);
        pct(c, s);
        fputs("</text>\n", c->f);
        y += row;
    }
#undef X
    fputs("</svg>\n", c->f);
}

/* The monthly trend of the on-time share (all rules, by due month), with
 * the number due as light bars; the share axis starts at the lowest share
 * in tens. */
void cw_html_chart_monthly(const cw_html_ctx_t *c, const json_t *months)
{
    size_t n = json_array_size(months), i;
    if (n == 0) {
        fprintf(c->f, "<p>%s</p>\n",
                tr(c, "Ingen skyldighet förföll under perioden.", "No obligation fell due in the period."));
        return;
    }
    int left = 56, top = 12, w = 660, h = 200;
    long long maxdue = 1;
    double lo = 1.0;
    json_t *m;
    json_array_foreach(months, i, m)
    {
        long long d = num(m, "met_on_time") + num(m, "met_late") + num(m, "open_overdue");
        maxdue = d > maxdue ? d : maxdue;
        if (has_share(m))
            lo = fmin(lo, share_of(m));
    }
    int lo10 = (int)floor(lo * 10.0);
    lo10 = lo10 > 9 ? 9 : lo10 < 0 ? 0 : lo10;
    double base = lo10 / 10.0, span = 1.0 - base;
#define SHARE_Y(v) (top + h - h * (((v)-base) / span))
    double step = (double)w / (double)n;
    fprintf(c->f,
            "<svg class=chart id=monthly role=img aria-label=\"%s\" width=%d height=%d "
            "viewBox=\"0 0 %d %d\">\n",
            tr(c, "Andel i tid per månad", "Monthly on-time share"), left + w + 20, top + h + 40,
            left + w + 20, top + h + 40);
    for (int k = 0; k <= 4; k++) {
        double v = base + span * k / 4.0;
        fprintf(c->f,
                "<line x1=%d y1=%.1f x2=%d y2=%.1f class=grid /><text x=%d y=%.1f class=ax "
                "text-anchor=end>",
                left, SHARE_Y(v), left + w, SHARE_Y(v), left - 4, SHARE_Y(v) + 4);
        pct(c, v);
        fputs("</text>\n", c->f);
    }
    json_array_foreach(months, i, m)
    {
        long long d = num(m, "met_on_time") + num(m, "met_late") + num(m, "open_overdue");
        double x = left + step * (double)i;
        double bh = (double)h * 0.35 * (double)d / (double)maxdue;
        fprintf(c->f, "<rect x=%.1f y=%.1f width=%.1f height=%.1f class=vol><title>", x + 1,
                top + h - bh, step - 2, bh);
        esc(c->f, str(m, "month"));
        fprintf(c->f, tr(c, ": %lld förfallna, %lld i tid", ": %lld due, %lld on time"), d,
                num(m, "met_on_time"));
        fputs("</title></rect>\n", c->f);
        if (n <= 24 || i % 3 == 0) {
            fprintf(c->f, "<text x=%.1f y=%d class=ax text-anchor=middle>", x + step / 2,
                    top + h + 16);
            esc(c->f, str(m, "month") + 2);
            fputs("</text>\n", c->f);
        }
    }
    fputs("<polyline class=line points=\"", c->f);
    json_array_foreach(months, i, m) if (has_share(m))
        fprintf(c->f, "%.1f,%.1f ", left + step * ((double)i + 0.5), SHARE_Y(share_of(m)));
    fputs("\"/>\n", c->f);
    json_array_foreach(months, i, m)
    {
        if (!has_share(m))
            continue;
        fprintf(c->f, "<circle cx=%.1f cy=%.1f r=3 class=dot><title>%s: ",
                left + step * ((double)i + 0.5), SHARE_Y(share_of(m)), str(m, "month"));
        pct(c, share_of(m));
        fputs("</title></circle>\n", c->f);
    }
#undef SHARE_Y
    fprintf(c->f, "<text x=%d y=%d class=ax text-anchor=end>", left + w, top + h + 34);
    fprintf(c->f,
            tr(c, "linje: andel i tid (vänster axel); staplar: förfallna skyldigheter, som mest %lld",
               "line: on-time share (left axis); bars: obligations due, highest %lld"),
            maxdue);
    fputs("</text>\n</svg>\n", c->f);
}

/* Days from the due date (all met and overdue obligations), log scale. */
void cw_html_chart_days(const cw_html_ctx_t *c, const json_t *days)
{
    static const struct {
        int lo, hi;
        const char *label;
    } B[] = {{-100000, -61, "≤ −61"}, {-60, -31, "−60…−31"}, {-30, -15, "−30…−15"},
             {-14, -8, "−14…−8"},     {-7, -1, "−7…−1"},     {0, 0, "0"},
             {1, 7, "1…7"},           {8, 14, "8…14"},       {15, 30, "15…30"},
             {31, 60, "31…60"},       {61, 100000, "≥ 61"}};
    enum { NB = sizeof(B) / sizeof(B[0]) };
    long long cnt[NB] = {0}, max = 1;
    size_t i;
    json_t *d;
    json_array_foreach(days, i, d)
    {
        long long v = num(d, "days");
        for (int b = 0; b < NB; b++)
            if (v >= B[b].lo && v <= B[b].hi)
                cnt[b] += num(d, "count");
    }
    for (int b = 0; b < NB; b++)
        max = cnt[b] > max ? cnt[b] : max;
    int left = 50, top = 16, bw = 60, h = 180, w = bw * NB;
    double scale = log10((double)max + 1);
    fprintf(c->f,
            "<svg class=chart id=days role=img aria-label=\"%s\" width=%d height=%d "
            "viewBox=\"0 0 %d %d\">\n",
            tr(c, "Dagar från sista dagen", "Days from the due date"), left + w + 20,
            top + h + 50, left + w + 20, top + h + 50);
    for (int b = 0; b < NB; b++) {
        double bh = cnt[b] ? (double)h * log10((double)cnt[b] + 1) / scale : 0;
        fprintf(c->f,
                "<rect x=%d y=%.1f width=%d height=%.1f class=\"%s\"><title>%s %s: "
                "%lld</title></rect>\n",
                left + b * bw + 4, top + h - bh, bw - 8, bh, B[b].hi <= 0 ? "ok" : "bad",
                B[b].label, tr(c, "dagar", "days"), cnt[b]);
        fprintf(c->f, "<text x=%d y=%.1f class=lb text-anchor=middle>%lld</text>\n",
                left + b * bw + bw / 2, top + h - bh - 3, cnt[b]);
        fprintf(c->f, "<text x=%d y=%d class=ax text-anchor=middle>%s</text>\n",
                left + b * bw + bw / 2, top + h + 16, B[b].label);
    }
    int x0 = left + 6 * bw;
    fprintf(c->f,
            "<line x1=%d y1=%d x2=%d y2=%d class=due /><text x=%d y=%d class=ax>%s</text>\n"
            "<text x=%d y=%d class=ax text-anchor=middle>%s</text>\n",
            x0, top - 6, x0, top + h, x0 + 4, top + 4, tr(c, "sista dag", "deadline"),
            left + w / 2, top + h + 36,
            tr(c, "dagar efter sista dagen (logaritmisk skala; grönt: i tid, rött: sent)",
               "days after the due date (log scale; green: on time, red: late)"));
    fputs("</svg>\n", c->f);
}
