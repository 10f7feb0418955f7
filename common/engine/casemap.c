#include "engine/casemap.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/strmap.h"
#include "engine/internal.h"

void casemap_init(casemap_t *m)
{
    memset(m, 0, sizeof(*m));
}

void casemap_free(casemap_t *m)
{
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

uint32_t casemap_hash(const char *id, size_t len)
{
    return (uint32_t)cw_strmap_hash(id, len);
}

static size_t find(const casemap_t *m, const char *id, size_t len, uint32_t hash)
{
    size_t mask = m->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const case_t *c = m->slots[i];
        if (!c || (c->hash == hash && strncmp(c->id, id, len) == 0 && c->id[len] == '\0'))
            return i;
    }
}

case_t *casemap_get(const casemap_t *m, const char *id, size_t len, uint32_t hash)
{
    return m->cap ? m->slots[find(m, id, len, hash)] : NULL;
}

static void grow(casemap_t *m)
{
    size_t old_cap = m->cap;
    case_t **old = m->slots;
    m->cap = old_cap ? old_cap * 2 : 64;
    m->slots = cw_calloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i])
            continue;
        size_t j = old[i]->hash & (m->cap - 1);
        while (m->slots[j])
            j = (j + 1) & (m->cap - 1);
        m->slots[j] = old[i];
    }
    free(old);
}

void casemap_put(casemap_t *m, case_t *c)
{
    if ((m->n + 1) * 10 > m->cap * 7) /* load ≤ 0.7 */
        grow(m);
    size_t mask = m->cap - 1, i = c->hash & mask;
    while (m->slots[i])
        i = (i + 1) & mask;
    m->slots[i] = c;
    m->n++;
}

void casemap_remove(casemap_t *m, const case_t *c)
{
    if (!m->cap)
        return;
    size_t mask = m->cap - 1, i = c->hash & mask;
    while (m->slots[i] && m->slots[i] != c)
        i = (i + 1) & mask;
    if (!m->slots[i])
        return;
    m->slots[i] = NULL;
    m->n--;
    /* Backward-shift deletion: re-place the rest of the cluster so that
     * lookups (which stop at the first empty slot) still find it. */
    for (size_t j = (i + 1) & mask; m->slots[j]; j = (j + 1) & mask) {
        size_t home = m->slots[j]->hash & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) { /* the hole is on its probe path */
            m->slots[i] = m->slots[j];
            m->slots[j] = NULL;
            i = j;
        }
    }
}
