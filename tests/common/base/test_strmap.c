/* The string map: put/get/remove with many keys, collisions via a tiny
 * table, and backward-shift deletion keeping every other key reachable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/strmap.h"

#define N 20000

static void test_put_get_remove(void **state)
{
    (void)state;
    cw_strmap_t m;
    cw_strmap_init(&m);
    char key[32];
    for (intptr_t i = 0; i < N; i++) {
        int n = snprintf(key, sizeof(key), "C-2025-%05ld", (long)i);
        const char *stored = cw_strmap_put(&m, key, (size_t)n, (void *)(i + 1));
        assert_string_equal(stored, key);
    }
    assert_int_equal(m.n, N);
    for (intptr_t i = 0; i < N; i += 2) {
        int n = snprintf(key, sizeof(key), "C-2025-%05ld", (long)i);
        assert_ptr_equal(cw_strmap_remove(&m, key, (size_t)n), (void *)(i + 1));
    }
    assert_int_equal(m.n, N / 2);
    for (intptr_t i = 0; i < N; i++) {
        int n = snprintf(key, sizeof(key), "C-2025-%05ld", (long)i);
        void *v = cw_strmap_get(&m, key, (size_t)n);
        if (i % 2)
            assert_ptr_equal(v, (void *)(i + 1));
        else
            assert_null(v);
    }
    /* a key that is a prefix of a stored key is a different key */
    assert_null(cw_strmap_get(&m, "C-2025-0000", 11));
    /* overwrite keeps one entry */
    cw_strmap_put(&m, "C-2025-00001", 12, (void *)7);
    assert_ptr_equal(cw_strmap_get(&m, "C-2025-00001", 12), (void *)7);
    assert_int_equal(m.n, N / 2);
    cw_strmap_free(&m);
}

static void test_empty_map(void **state)
{
    (void)state;
    cw_strmap_t m;
    cw_strmap_init(&m);
    assert_null(cw_strmap_get(&m, "x", 1));
    assert_null(cw_strmap_remove(&m, "x", 1));
    cw_strmap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_remove),
        cmocka_unit_test(test_empty_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
