/* casewatch-import's handler: CSV rows to case events through a mapping
 * (mapping.h). Each row gives the events of its specs (an empty time cell
 * of an optional spec gives none); a row with any fault gives none and is
 * written to the rejection stream as one JSON line {"file", "line",
 * "reason", "column", "detail"}: never a cell's text, so no personal data
 * is copied there. Events are kept until cw_import_write, which sends them
 * in time order (rows and specs in file order within the same time). */
#ifndef CW_IMPORT_IMPORT_H
#define CW_IMPORT_IMPORT_H

#include <stdio.h>

#include "csv.h"
#include "mapping.h"
#include "sink.h"

typedef enum {
    CW_IMP_MISSING_COLUMN,   /* the row has fewer fields than the header */
    CW_IMP_EXTRA_FIELDS,     /* more fields than the header */
    CW_IMP_BAD_CSV,          /* unterminated quote, NUL byte */
    CW_IMP_MISSING_VALUE,    /* an empty cell that is required */
    CW_IMP_BAD_DATE,         /* a date or time that cannot be read */
    CW_IMP_UNKNOWN_CODE,     /* a municipality code or a mapped value not known */
    CW_IMP_PERSONAL_NUMBER,  /* a personnummer or samordningsnummer in any cell */
    CW_IMP_BAD_EVENT,        /* the event fails the contract (EVENTS.md) */
    CW_IMP__COUNT
} cw_import_reason_t;

typedef struct {
    unsigned long long rows, empty_rows, events, rejected;
    unsigned long long reasons[CW_IMP__COUNT];
} cw_import_stats_t;

typedef struct cw_import_s cw_import_t;

/* mapping borrowed for the importer's life; rejects borrowed (JSON lines). */
cw_import_t *cw_import_new(cw_mapping_t *mapping, FILE *rejects);

/* Reads every record of csv (borrowed); name (borrowed for the call) is
 * the file's name for ids and rejections. -1 with errstr when the input
 * cannot be imported at all (no header, a mapped column missing from the
 * header); bad rows are rejected and counted, not errors. */
int cw_import_read(cw_import_t *im, cw_csv_t *csv, const char *name, char *errstr,
                   size_t errstr_size);

/* Sends every event kept, in time order; false on a fatal sink error. */
bool cw_import_write(cw_import_t *im, cw_sink_t *sink, char *errstr, size_t errstr_size);

void cw_import_get_stats(const cw_import_t *im, cw_import_stats_t *out);
/* Stable reason code ("personal_identity_number"), borrowed. */
const char *cw_import_reason_name(cw_import_reason_t r);

void cw_import_destroy(cw_import_t *im);

#endif
