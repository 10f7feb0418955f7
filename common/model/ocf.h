/* Reading Avro Object Container Files block by block.
 *
 * By hand because avro-c's file reader hands out only decoded generic
 * values (allocating per string, trusting lengths): this reader hands out
 * each block's raw datums, which the bounded event decoder then reads.
 * Codecs: null and deflate (what avro-c, python3-avro and Java write by
 * default).
 *
 * Writing is by hand too: avro-c's file writer re-serialises the schema
 * and drops its logical types (avro-c 1.11: "time" becomes a bare long),
 * so a reader could no longer tell an instant from a number. This writer
 * stores the schema text as given, with deflate blocks. */
#ifndef CW_MODEL_OCF_H
#define CW_MODEL_OCF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "model/event.h"
#include "model/reject.h"

#define CW_OCF_MAX_BLOCK (64u << 20) /* decompressed bytes per block */

typedef struct cw_ocf_s cw_ocf_t;

/* Reads the header of the container file f (borrowed). NULL with errstr
 * set when it is not one, or uses a codec not supported. */
cw_ocf_t *cw_ocf_open(FILE *f, char *errstr, size_t errstr_size);
void cw_ocf_close(cw_ocf_t *r);

/* The writer schema (JSON text, NUL-terminated). */
const char *cw_ocf_schema(const cw_ocf_t *r, size_t *len);

/* The next block: *count datums in *data (*size bytes, valid until the next
 * call). CW_OK with *count 0 at the end of the file; CW_ERR_PARSE or
 * CW_ERR_IO with errstr set when the file is damaged (a wrong sync marker,
 * a truncated block, a block larger than CW_OCF_MAX_BLOCK). */
cw_err_t cw_ocf_next_block(cw_ocf_t *r, const uint8_t **data, size_t *size, int64_t *count,
                           char *errstr, size_t errstr_size);

/* Called for each datum of a container file of case events: rc is the
 * decoder's verdict (CW_REJ_NONE: *ev holds the event), rej its detail. */
typedef void(cw_ocf_event_cb_t)(cw_reject_code_t rc, cw_reject_t *rej, void *opaque);

/* Reads the container file f (borrowed) of case events, written with any
 * schema that reads as case_event.avsc, decoding each datum into *ev and
 * calling fn once per datum. A datum that cannot be decoded leaves the
 * start of the next one unknown: every later datum of its block is reported
 * as CW_REJ_BAD_AVRO too (with ev->id empty), so each datum is accounted.
 * 0 at the end; -1 with errstr set when the file itself is bad (header,
 * schema, a damaged block). The replay and the audit read exports so. */
int cw_ocf_read_events(FILE *f, cw_event_t *ev, cw_ocf_event_cb_t *fn, void *opaque, char *errstr,
                       size_t errstr_size);

typedef struct cw_ocf_writer_s cw_ocf_writer_t;

/* Writes the header (schema as given, codec deflate) to f (borrowed). */
cw_ocf_writer_t *cw_ocf_writer_new(FILE *f, const char *schema, size_t schema_len);
/* Appends one encoded datum (buffered; a block is written per ~64 KiB). */
cw_err_t cw_ocf_writer_append(cw_ocf_writer_t *w, const void *datum, size_t len);
/* Writes the last block and frees w (f stays open). */
cw_err_t cw_ocf_writer_close(cw_ocf_writer_t *w);

#endif
