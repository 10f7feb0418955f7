/* The deadline index: open obligations ordered by the instant they next
 * fire (warning or breach). A binary min-heap whose items remember their
 * position, so insert, remove and re-key are O(log n) and advancing the
 * clock costs O(fired · log n), never a scan of the cases. Ties fire in
 * insertion order (a sequence number), so output is deterministic. */
#ifndef CW_ENGINE_INDEX_H
#define CW_ENGINE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "base/time.h"

/* Embed in the indexed object. heap_pos is -1 while not indexed. */
typedef struct {
    cw_instant_t when;
    uint64_t seq;
    int32_t heap_pos;
} cw_index_item_t;

typedef struct {
    cw_index_item_t **items;
    size_t n, cap;
    uint64_t next_seq;
} cw_index_t;

void cw_index_init(cw_index_t *ix);
void cw_index_free(cw_index_t *ix); /* frees the array, not the items */
void cw_index_item_init(cw_index_item_t *it);

/* Inserts (or, if present, moves) it to fire at when. */
void cw_index_set(cw_index_t *ix, cw_index_item_t *it, cw_instant_t when);
/* Removes it if present. */
void cw_index_remove(cw_index_t *ix, cw_index_item_t *it);
/* The earliest item if it fires at or before now (not removed), else NULL. */
cw_index_item_t *cw_index_due(const cw_index_t *ix, cw_instant_t now);

#endif
