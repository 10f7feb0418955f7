/* A rule's legal references and deadline arithmetic, told so that a
 * reader can check any due date by hand. */
#include <stdio.h>

#include "html.h"

static const char *anchor_text(const cw_html_ctx_t *c, const char *a)
{
    static const struct {
        const char *anchor, *sv, *en;
    } T[] = {
        {"executed_at", "dagen då det omedelbara omhändertagandet verkställdes (executed_at)",
         "the date the emergency custody was executed (executed_at)"},
        {"concluded", "dagen då utredningen avslutades", "the date the investigation was concluded"},
        {"ended", "dagen då placeringen upphörde", "the date the placement ended"},
        {"event",
         "den utlösande händelsens lokala datum (CASEWATCH_TIME_ZONE, annars Europe/Stockholm)",
         "the local date of the triggering event (CASEWATCH_TIME_ZONE, default "
         "Europe/Stockholm)"}};
    for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++)
        if (strcmp(a, T[i].anchor) == 0)
            return tr(c, T[i].sv, T[i].en);
    return a;
}

static void period_text(const cw_html_ctx_t *c, const char *p)
{
    static const struct {
        char u;
        const char *sv1, *svn, *en1, *enn;
    } U[] = {{'d', "dag", "dagar", "day", "days"},
             {'w', "vecka", "veckor", "week", "weeks"},
             {'m', "månad", "månader", "month", "months"},
             {'y', "år", "år", "year", "years"}};
    int n;
    char u;
    if (sscanf(p, "%d%c", &n, &u) == 2) {
        for (size_t i = 0; i < sizeof(U) / sizeof(U[0]); i++)
            if (U[i].u == u) {
                fprintf(c->f, "%d %s", n,
                        n == 1 ? tr(c, U[i].sv1, U[i].en1) : tr(c, U[i].svn, U[i].enn));
                return;
            }
    }
    esc(c->f, p);
}

static void in_force(const cw_html_ctx_t *c, const char *from, const char *to, const char *both_sv,
                     const char *both_en, const char *from_sv, const char *from_en,
                     const char *to_sv, const char *to_en)
{
    if (*from && *to)
        fprintf(c->f, tr(c, both_sv, both_en), from, to);
    else if (*from)
        fprintf(c->f, tr(c, from_sv, from_en), from);
    else if (*to)
        fprintf(c->f, tr(c, to_sv, to_en), to);
}

static void law_refs(const cw_html_ctx_t *c, const json_t *r)
{
    size_t i;
    json_t *x;
    fprintf(c->f, "<dt>%s</dt><dd>", tr(c, "Lagrum", "Legal reference"));
    json_array_foreach(json_object_get(r, "legal_refs"), i, x)
    {
        if (i)
            fputs("<br>", c->f);
        const char *url = str(x, "url");
        if (*url) {
            fputs("<a href=\"", c->f);
            esc(c->f, url);
            fputs("\">", c->f);
        }
        esc(c->f, str(x, "law"));
        if (*str(x, "ref")) {
            fputc(' ', c->f);
            esc(c->f, str(x, "ref"));
        }
        if (*url)
            fputs("</a>", c->f);
        in_force(c, str(x, "from"), str(x, "to"), " <span class=dim>(gäller %s till %s)</span>",
                 " <span class=dim>(in force %s to %s)</span>",
                 " <span class=dim>(gäller från %s)</span>",
                 " <span class=dim>(in force from %s)</span>",
                 " <span class=dim>(gäller till %s)</span>",
                 " <span class=dim>(in force until %s)</span>");
    }
    fputs("</dd>", c->f);
}

static void deadline_text(const cw_html_ctx_t *c, const json_t *d)
{
    size_t i;
    json_t *x;
    fprintf(c->f, "<dt>%s</dt><dd>", tr(c, "Tidsfrist", "Deadline"));
    json_array_foreach(json_object_get(d, "versions"), i, x)
    {
        if (i)
            fputs("<br>", c->f);
        in_force(c, str(x, "from"), str(x, "to"), "Skyldigheter som startar %s till %s: ",
                 "Obligations starting %s to %s: ", "Skyldigheter som startar från %s: ",
                 "Obligations starting from %s: ", "Skyldigheter som startar till %s: ",
                 "Obligations starting until %s: ");
        if (strcmp(str(x, "period"), "genast") == 0) {
            fprintf(c->f,
                    tr(c,
                       "<b>genast</b>: sista dag är händelsens dag, eller nästa dag när händelsen "
                       "kom kl. %s lokal tid eller senare",
                       "<b>genast</b> (at once): due the same day as the event, or the next day "
                       "when the event came at or after %s local time"),
                    str(d, "genast_cutoff"));
            continue;
        }
        fputs(tr(c, "sista dag = startdatum + <b>", "due = start date + <b>"), c->f);
        period_text(c, str(x, "period"));
        fputs(tr(c,
                 "</b> (lag 1930:173 1 §: dagar räknas från dagen efter start; veckor landar på "
                 "samma veckodag, månader och år på samma dagnummer eller månadens sista dag)",
                 "</b> (lag 1930:173 1 §: days counted from the day after the start; weeks land "
                 "on the same weekday, months and years on the same day number or the month's "
                 "last day)"),
              c->f);
        if (json_is_string(json_object_get(x, "repeat"))) {
            fputs(tr(c, "; efter varje åtgärd är nästa omgång senast åtgärdsdagen + <b>",
                     "; after each action the next cycle is due action date + <b>"),
                  c->f);
            period_text(c, str(x, "repeat"));
            fputs("</b>", c->f);
        }
    }
    fprintf(c->f, "</dd><dt>%s</dt><dd>%s</dd>", tr(c, "Startdatum", "Start date (anchor)"),
            anchor_text(c, str(d, "anchor")));
    fprintf(c->f, "<dt>%s</dt><dd>%s</dd>", tr(c, "Förskjutning", "Roll forward"),
            json_is_true(json_object_get(d, "roll_forward"))
                ? tr(c,
                     "<b>ja</b>: en sista dag på lördag, söndag, allmän helgdag (lag 1989:253), "
                     "midsommarafton, julafton eller nyårsafton flyttas till nästa vardag "
                     "(lag 1930:173 2 §)",
                     "<b>yes</b>: a due date on a Saturday, Sunday, public holiday (lag "
                     "1989:253), midsommarafton, julafton or nyårsafton moves to the next "
                     "working day (lag 1930:173 2 §)")
                : tr(c, "<b>nej</b>: sista dagen gäller även på en helgdag",
                     "<b>no</b>: the due date stands even on a holiday"));
    fprintf(c->f, "<dt>%s</dt><dd>%s", tr(c, "Sent", "Late"),
            tr(c,
               "en åtgärd med ett lokalt datum efter sista dagen (fristen löper ut vid lokal "
               "midnatt efter den)",
               "an action on a local date after the due date (the deadline expires at the local "
               "midnight after it)"));
    if (json_is_string(json_object_get(d, "extended_by"))) {
        fputs(tr(c, "; ett beslut om förlängning (", "; an extension decision ("), c->f);
        esc(c->f, str(d, "extended_by"));
        fputs(tr(c, ") fattat innan fristen löpt ut flyttar sista dagen till beslutets <i>until</i>",
                 ") taken before the deadline expired moves the due date to its <i>until</i>"),
              c->f);
    }
    fputs("</dd>", c->f);
}

void cw_html_law_section(const cw_html_ctx_t *c, const json_t *r)
{
    fputs("<dl class=law>", c->f);
    law_refs(c, r);
    json_t *d = json_object_get(r, "deadline");
    if (d)
        deadline_text(c, d);
    else
        fprintf(c->f, "<dt>%s</dt><dd>%s</dd>", tr(c, "Slag", "Kind"),
                strcmp(str(r, "kind"), "forbidden") == 0
                    ? tr(c, "ett förbjudet utfall: varje förekomst är en överträdelse, genast",
                         "a forbidden outcome: each occurrence is a violation, at once")
                    : tr(c,
                         "ett steg som krävs före ett annat: varje gång det saknas är en "
                         "överträdelse, genast",
                         "a step required before another: each time it is missing is a "
                         "violation, at once"));
    fputs("</dl>\n", c->f);
}
