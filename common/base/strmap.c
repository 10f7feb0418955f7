#include "base/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* FNV-1a, then a final mix so low bits spread. Keys are ids, not attacker-
 * chosen at a scale where flooding matters; the table never degrades below
 * linear probing either way. */
uint64_t cw_strmap_hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

void cw_strmap_init(cw_strmap_t *m)
{
    m->slots = NULL;
    m->cap = m->n = 0;
}

void cw_strmap_free(cw_strmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    cw_strmap_init(m);
}

static cw_strmap_slot_t *find(const cw_strmap_t *m, const char *key, size_t len, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        cw_strmap_slot_t *s = &m->slots[i];
        if (!s->key)
            return s;
        if (s->hash == h && strncmp(s->key, key, len) == 0 && s->key[len] == '\0')
            return s;
    }
}

static void grow(cw_strmap_t *m)
{
    cw_strmap_slot_t *old = m->slots;
    size_t old_cap = m->cap;
    m->cap = m->cap ? m->cap * 2 : 64;
    m->slots = cw_calloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].key)
            continue;
        size_t mask = m->cap - 1, j = old[i].hash & mask;
        while (m->slots[j].key)
            j = (j + 1) & mask;
        m->slots[j] = old[i];
    }
    free(old);
}

void *cw_strmap_get(const cw_strmap_t *m, const char *key, size_t len)
{
    if (m->n == 0)
        return NULL;
    cw_strmap_slot_t *s = find(m, key, len, cw_strmap_hash(key, len));
    return s->key ? s->value : NULL;
}

const char *cw_strmap_put(cw_strmap_t *m, const char *key, size_t len, void *value)
{
    if ((m->n + 1) * 10 > m->cap * 7)
        grow(m);
    uint64_t h = cw_strmap_hash(key, len);
    cw_strmap_slot_t *s = find(m, key, len, h);
    if (!s->key) {
        s->key = cw_strndup(key, len);
        s->hash = h;
        m->n++;
    }
    s->value = value;
    return s->key;
}

void *cw_strmap_remove(cw_strmap_t *m, const char *key, size_t len)
{
    if (m->n == 0)
        return NULL;
    cw_strmap_slot_t *s = find(m, key, len, cw_strmap_hash(key, len));
    if (!s->key)
        return NULL;
    void *value = s->value;
    free(s->key);
    s->key = NULL;
    m->n--;
    /* Backward-shift deletion keeps probe chains intact without tombstones. */
    size_t mask = m->cap - 1, hole = (size_t)(s - m->slots);
    for (size_t i = (hole + 1) & mask; m->slots[i].key; i = (i + 1) & mask) {
        size_t home = m->slots[i].hash & mask;
        if (((i - home) & mask) >= ((i - hole) & mask)) {
            m->slots[hole] = m->slots[i];
            m->slots[i].key = NULL;
            hole = i;
        }
    }
    return value;
}
