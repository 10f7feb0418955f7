/* Names of Sweden's 290 municipalities by their SCB kommunkod ("0180" →
 * "Stockholm"), and of the county (län) each belongs to. The table is
 * common/base/kommuner.tsv (source and date in its header), compiled in, so
 * no component needs a path at run time. Read-only after the first call;
 * safe from any thread. */
#ifndef CW_BASE_KOMMUN_H
#define CW_BASE_KOMMUN_H

#include <stddef.h>

typedef struct {
    char code[5];            /* four digits, NUL-terminated */
    char county_code[3];     /* two digits: the code's first two */
    const char *name;        /* "Linköping" */
    const char *county_name; /* "Östergötlands län" */
} cw_kommun_t;

/* The municipality's name for a four-digit code, or NULL for an unknown
 * code or NULL. Borrowed from the compiled-in table: valid for the whole
 * run, never freed by the caller. */
const char *cw_kommun_name(const char *code);
/* The county's name ("Östergötlands län") for a municipality code, or NULL.
 * Borrowed as above. */
const char *cw_kommun_county_name(const char *code);
/* The number of municipalities in the table (290), 0 if it failed to parse;
 * cw_kommun_at(i) for i < count is the i-th by code (borrowed). */
size_t cw_kommun_count(void);
const cw_kommun_t *cw_kommun_at(size_t i);

#endif
