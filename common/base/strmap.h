/* A string-keyed hash map (open addressing, linear probing, power-of-two
 * table, load ≤ 0.7). C has no standard map and the engine's case table is
 * its hottest structure; GLib's GHashTable would work but brings a large
 * dependency for 150 lines. Keys are copied; values are borrowed pointers. */
#ifndef CW_BASE_STRMAP_H
#define CW_BASE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *key;
    void *value;
    uint64_t hash;
} cw_strmap_slot_t;

typedef struct {
    cw_strmap_slot_t *slots;
    size_t cap, n;
} cw_strmap_t;

void cw_strmap_init(cw_strmap_t *m);
/* Frees keys and the table, not the values. */
void cw_strmap_free(cw_strmap_t *m);
/* The value for key, or NULL. */
void *cw_strmap_get(const cw_strmap_t *m, const char *key, size_t len);
/* Sets key → value (value not NULL); returns the stored copy of the key
 * (borrowed, valid until the entry is removed). */
const char *cw_strmap_put(cw_strmap_t *m, const char *key, size_t len, void *value);
/* Removes key; returns its value or NULL. */
void *cw_strmap_remove(cw_strmap_t *m, const char *key, size_t len);
uint64_t cw_strmap_hash(const char *key, size_t len);

#endif
