/* A minimal streaming JSON writer into a growable, reusable buffer.
 *
 * jansson builds a tree per document; for output with a fixed shape that
 * costs ~10x more than writing it directly (callgrind on the replay: alert
 * encoding took a third of all instructions). This writer only escapes
 * strings and places commas; the caller supplies the structure. Input
 * strings must be valid UTF-8 (everything the engine outputs is). */
#ifndef CW_BASE_JSONW_H
#define CW_BASE_JSONW_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *p;
    size_t len, cap;
    int need_comma; /* a value was written at the current level */
} cw_jsonw_t;

void cw_jsonw_init(cw_jsonw_t *w);
void cw_jsonw_free(cw_jsonw_t *w);
/* Empties the buffer, keeping its memory. */
void cw_jsonw_reset(cw_jsonw_t *w);

void cw_jsonw_begin_object(cw_jsonw_t *w);
void cw_jsonw_end_object(cw_jsonw_t *w);
void cw_jsonw_begin_array(cw_jsonw_t *w);
void cw_jsonw_end_array(cw_jsonw_t *w);
/* Writes "key": — the value must follow. */
void cw_jsonw_key(cw_jsonw_t *w, const char *key);
void cw_jsonw_string(cw_jsonw_t *w, const char *s); /* NULL writes null */
void cw_jsonw_int(cw_jsonw_t *w, int64_t v);
void cw_jsonw_null(cw_jsonw_t *w);

/* Appends n raw bytes (the buffer then serves binary output too). */
void cw_jsonw_append(cw_jsonw_t *w, const void *p, size_t n);
/* Grows the content by n bytes, to be written at the pointer returned
 * (valid until the next call on w). */
char *cw_jsonw_extend(cw_jsonw_t *w, size_t n);

/* Shorthands for "key": value. */
void cw_jsonw_kv_string(cw_jsonw_t *w, const char *key, const char *s);
void cw_jsonw_kv_int(cw_jsonw_t *w, const char *key, int64_t v);

#endif
