/* casewatch-audit: a compliance report from an event export. The export is
 * replayed through the engine (stream time, as casewatch-replay does) up to
 * an as-of instant; an engine observer (cw_engine_observe) records how each
 * obligation ended and violation alerts are counted. The result is one
 * report model (a JSON object, see README.md) that report.c renders as
 * JSON, CSV tables and a self-contained HTML page. */
#ifndef CW_AUDIT_H
#define CW_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/time.h"
#include "engine/rulepack.h"

typedef struct cw_audit_s cw_audit_t;

/* Called every few thousand input records (lines or Avro data). */
typedef void(cw_audit_progress_t)(unsigned long long records, void *opaque);

/* as_of: NULL for "the last event's time". pack borrowed. */
cw_audit_t *cw_audit_new(const cw_rulepack_t *pack, const cw_instant_t *as_of);
/* The period whose due dates are counted (inclusive local dates; a
 * violation counts by its event's date). NULL: the export's first (from) or
 * last (to) event date. Obligations outside it are left out of every table
 * and counted in the model's period.outside. Pointers borrowed for the call. */
void cw_audit_set_period(cw_audit_t *a, const cw_date_t *from, const cw_date_t *to);
void cw_audit_set_progress(cw_audit_t *a, cw_audit_progress_t *cb, void *opaque);
/* JSON lines; 0, or -1 on a read error. Rejected lines are counted. */
int cw_audit_feed_json(cw_audit_t *a, FILE *in);
/* An Avro container file of case events; 0, or -1 with errstr set. */
int cw_audit_feed_avro(cw_audit_t *a, FILE *in, char *errstr, size_t errstr_size);
/* Advances to the as-of instant and builds the report model (new reference).
 * Its "warnings" lists codes such as "as_of_after_last_event". */
json_t *cw_audit_finish(cw_audit_t *a);
void cw_audit_destroy(cw_audit_t *a);

/* report.c: renderers of the model. 0, or -1 with errno-style failure. */
int cw_report_write_json(const json_t *model, FILE *out);
int cw_report_write_csv(const json_t *model, const char *dir, char *errstr, size_t errstr_size);
/* lang: "sv" or "en" (the whole page in that language). */
int cw_report_write_html(const json_t *model, const char *lang, FILE *out);
/* pdf.c: prints an HTML file to a PDF with headless Chromium (the program
 * in CASEWATCH_CHROMIUM, else "chromium" on the PATH); 0, or -1 with errstr. */
int cw_report_print_pdf(const char *html_path, const char *pdf_path, char *errstr,
                        size_t errstr_size);

#endif
