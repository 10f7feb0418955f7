/* A CSV reader for what case systems export: RFC 4180 (fields in double
 * quotes may hold the delimiter, quotes doubled, and line breaks) and
 * Excel's Swedish dialect (';' between fields, so decimal commas need no
 * quotes; CRLF; a UTF-8 byte order mark, or Windows-1252 without one).
 *
 * Hand-written rather than a library: the project's runtime dependencies
 * are a fixed set of Debian packages (librdkafka, avro-c, jansson,
 * libmicrohttpd, libcurl, openssl) and none of them reads CSV; Debian's
 * libcsv would be one more runtime package for what is one small state
 * machine here, and it knows neither the byte order mark, nor Windows-1252,
 * nor the physical line a record starts on, which every rejection names. */
#ifndef CW_IMPORT_CSV_H
#define CW_IMPORT_CSV_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cw_csv_s cw_csv_t;

typedef enum { CW_CSV_AUTO, CW_CSV_UTF8, CW_CSV_CP1252 } cw_csv_encoding_t;

/* A reader over text (taken: freed by cw_csv_destroy, as text_take ends in
 * _take). delim: ';', ',' or '\t', or 0 to take the most frequent of the
 * three outside quotes on the first line (';' on a tie). Text without a
 * byte order mark that is not valid UTF-8 is read as Windows-1252 under
 * CW_CSV_AUTO. */
cw_csv_t *cw_csv_new(char *text_take, size_t len, char delim, cw_csv_encoding_t enc);

/* The next record. 1: *fields (borrowed until the next call) has *n
 * NUL-terminated fields and *line the physical line it starts on (1 for
 * the first); 0: end of input; -1: a record that cannot be read, with
 * errstr ("unterminated quoted field", "NUL byte in a field") and *line
 * set; after an unterminated quote the rest of the input is that record,
 * so the next call returns 0. */
int cw_csv_next(cw_csv_t *c, char ***fields, size_t *n, unsigned long *line, char *errstr,
                size_t errstr_size);

/* The delimiter in use and whether the text was converted from
 * Windows-1252. */
char cw_csv_delim(const cw_csv_t *c);
bool cw_csv_converted(const cw_csv_t *c);

void cw_csv_destroy(cw_csv_t *c);

#endif
