/* The deadline index: heap order under random inserts, moves and removals,
 * ties in insertion order, and due() never returning a future item. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "engine/index.h"

#define N 5000

static void test_orders_by_time_then_insertion(void **state)
{
    (void)state;
    cw_index_t ix;
    cw_index_init(&ix);
    cw_index_item_t a, b, c;
    cw_index_item_init(&a);
    cw_index_item_init(&b);
    cw_index_item_init(&c);
    cw_index_set(&ix, &a, 100);
    cw_index_set(&ix, &b, 50);
    cw_index_set(&ix, &c, 50); /* same instant as b, inserted later */
    assert_null(cw_index_due(&ix, 49));
    assert_ptr_equal(cw_index_due(&ix, 50), &b);
    cw_index_remove(&ix, &b);
    assert_ptr_equal(cw_index_due(&ix, 50), &c);
    cw_index_remove(&ix, &c);
    assert_null(cw_index_due(&ix, 99));
    assert_ptr_equal(cw_index_due(&ix, 1000), &a);
    cw_index_set(&ix, &a, 10); /* move earlier */
    assert_ptr_equal(cw_index_due(&ix, 10), &a);
    cw_index_remove(&ix, &a);
    cw_index_remove(&ix, &a); /* removing twice is harmless */
    assert_int_equal(ix.n, 0);
    assert_int_equal(a.heap_pos, -1);
    cw_index_free(&ix);
}

static int cmp_when(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static void test_random_operations_drain_sorted(void **state)
{
    (void)state;
    static cw_index_item_t items[N];
    static int64_t expect[N];
    cw_index_t ix;
    cw_index_init(&ix);
    srand(42);
    for (int i = 0; i < N; i++) {
        cw_index_item_init(&items[i]);
        cw_index_set(&ix, &items[i], rand() % 100000);
    }
    /* move a third, remove a third */
    for (int i = 0; i < N; i += 3)
        cw_index_set(&ix, &items[i], rand() % 100000);
    for (int i = 1; i < N; i += 3)
        cw_index_remove(&ix, &items[i]);
    size_t n = 0;
    for (int i = 0; i < N; i++)
        if (items[i].heap_pos >= 0)
            expect[n++] = items[i].when;
    assert_int_equal(n, ix.n);
    qsort(expect, n, sizeof(expect[0]), cmp_when);
    for (size_t k = 0; k < n; k++) {
        cw_index_item_t *it = cw_index_due(&ix, INT64_MAX);
        assert_non_null(it);
        assert_int_equal(it->when, expect[k]);
        cw_index_remove(&ix, it);
    }
    assert_null(cw_index_due(&ix, INT64_MAX));
    cw_index_free(&ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orders_by_time_then_insertion),
        cmocka_unit_test(test_random_operations_drain_sorted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
