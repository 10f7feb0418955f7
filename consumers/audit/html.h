/* Private to the HTML renderer (html.c, html_charts.c, html_law.c): the
 * page's language and the small readers of the report model they share. */
#ifndef CW_AUDIT_HTML_H
#define CW_AUDIT_HTML_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    FILE *f;
    bool en;
} cw_html_ctx_t;

/* The text in the page's language; sv and en take the same printf
 * arguments in the same order. */
static inline const char *tr(const cw_html_ctx_t *c, const char *sv, const char *en)
{
    return c->en ? en : sv;
}

static inline void esc(FILE *f, const char *s)
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

static inline const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static inline long long num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* A percentage with one decimal: "92,9 %" in Swedish, "92.9 %" in English. */
static inline void pct(const cw_html_ctx_t *c, double v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%.1f", 100.0 * v);
    if (!c->en) {
        char *dot = strchr(buf, '.');
        if (dot)
            *dot = ',';
    }
    fprintf(c->f, "%s %%", buf);
}

static inline const char *rule_title(const cw_html_ctx_t *c, const json_t *r)
{
    const char *t = str(r, c->en ? "title_en" : "title_sv");
    return *t ? t : str(r, "rule");
}

static inline const char *muni_name(const json_t *m)
{
    const char *n = str(m, "municipality_name");
    return *n ? n : str(m, "municipality");
}

static inline bool is_violation_rule(const json_t *r)
{
    return json_object_get(r, "deadline") == NULL;
}

static inline bool has_share(const json_t *counts)
{
    return json_is_real(json_object_get(counts, "share_on_time"));
}

static inline double share_of(const json_t *counts)
{
    return json_real_value(json_object_get(counts, "share_on_time"));
}

/* The colour class of a share in the heat table and charts. */
static inline const char *heat(double s)
{
    return s >= 0.95 ? "h5" : s >= 0.9 ? "h4" : s >= 0.8 ? "h3" : s >= 0.6 ? "h2" : "h1";
}

/* html_charts.c: the inline SVG charts. */
void cw_html_chart_dots(const cw_html_ctx_t *c, const json_t *rules);
void cw_html_chart_monthly(const cw_html_ctx_t *c, const json_t *months);
void cw_html_chart_days(const cw_html_ctx_t *c, const json_t *days);
/* html_law.c: a rule's legal references and deadline arithmetic. */
void cw_html_law_section(const cw_html_ctx_t *c, const json_t *r);

#endif
