#include "engine/index.h"

#include <stdlib.h>

#include "base/mem.h"

void cw_index_init(cw_index_t *ix)
{
    ix->items = NULL;
    ix->n = ix->cap = 0;
    ix->next_seq = 0;
}

void cw_index_free(cw_index_t *ix)
{
    free(ix->items);
    cw_index_init(ix);
}

void cw_index_item_init(cw_index_item_t *it)
{
    it->when = 0;
    it->seq = 0;
    it->heap_pos = -1;
}

static int before(const cw_index_item_t *a, const cw_index_item_t *b)
{
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void place(cw_index_t *ix, size_t pos, cw_index_item_t *it)
{
    ix->items[pos] = it;
    it->heap_pos = (int32_t)pos;
}

static void sift_up(cw_index_t *ix, size_t pos)
{
    cw_index_item_t *it = ix->items[pos];
    while (pos > 0) {
        size_t parent = (pos - 1) / 2;
        if (!before(it, ix->items[parent]))
            break;
        place(ix, pos, ix->items[parent]);
        pos = parent;
    }
    place(ix, pos, it);
}

static void sift_down(cw_index_t *ix, size_t pos)
{
    cw_index_item_t *it = ix->items[pos];
    for (;;) {
        size_t child = 2 * pos + 1;
        if (child >= ix->n)
            break;
        if (child + 1 < ix->n && before(ix->items[child + 1], ix->items[child]))
            child++;
        if (!before(ix->items[child], it))
            break;
        place(ix, pos, ix->items[child]);
        pos = child;
    }
    place(ix, pos, it);
}

void cw_index_set(cw_index_t *ix, cw_index_item_t *it, cw_instant_t when)
{
    if (it->heap_pos >= 0)
        cw_index_remove(ix, it);
    it->when = when;
    it->seq = ix->next_seq++;
    if (ix->n == ix->cap) {
        ix->cap = ix->cap ? ix->cap * 2 : 1024;
        ix->items = cw_reallocarray(ix->items, ix->cap, sizeof(*ix->items));
    }
    place(ix, ix->n++, it);
    sift_up(ix, ix->n - 1);
}

void cw_index_remove(cw_index_t *ix, cw_index_item_t *it)
{
    if (it->heap_pos < 0)
        return;
    size_t pos = (size_t)it->heap_pos;
    it->heap_pos = -1;
    ix->n--;
    if (pos == ix->n)
        return;
    cw_index_item_t *moved = ix->items[ix->n];
    place(ix, pos, moved);
    sift_down(ix, pos);
    if ((size_t)moved->heap_pos == pos)
        sift_up(ix, pos);
}

cw_index_item_t *cw_index_due(const cw_index_t *ix, cw_instant_t now)
{
    if (ix->n == 0 || ix->items[0]->when > now)
        return NULL;
    return ix->items[0];
}
