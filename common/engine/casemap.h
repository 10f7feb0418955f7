/* The engine's case table: open addressing over case pointers, keyed by the
 * id the case holds inline. cw_strmap would copy each key and spend 24 bytes
 * a slot; here a slot is one pointer (the hash lives in the case), which
 * with the inline id saves about 60 bytes per case — the table is the one
 * structure that grows with every case ever seen. */
#ifndef CW_ENGINE_CASEMAP_H
#define CW_ENGINE_CASEMAP_H

#include <stddef.h>
#include <stdint.h>

struct case_s;

typedef struct {
    struct case_s **slots; /* NULL: empty */
    size_t cap, n;         /* cap a power of two (0 before the first put) */
} casemap_t;

void casemap_init(casemap_t *m);
void casemap_free(casemap_t *m); /* the table, not the cases */
uint32_t casemap_hash(const char *id, size_t len);
/* The case with this id (hash = casemap_hash(id, len)), or NULL. */
struct case_s *casemap_get(const casemap_t *m, const char *id, size_t len, uint32_t hash);
/* Adds c (its id and hash set; no case with that id present). */
void casemap_put(casemap_t *m, struct case_s *c);
/* Removes c if present. */
void casemap_remove(casemap_t *m, const struct case_s *c);

#endif
