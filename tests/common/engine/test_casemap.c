/* The case table: lookups after random puts and removals (backward-shift
 * deletion must keep every probe chain whole), with forced hash collisions
 * and wrap-around at the end of the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

#define N 20000

static case_t *make(const char *id, uint32_t hash)
{
    case_t *c = calloc(1, sizeof(*c) + strlen(id) + 1);
    strcpy(c->id, id);
    c->hash = hash;
    return c;
}

/* present[i]: case i is in the map; checks every id against the map. */
static void check_all(const casemap_t *m, case_t **cs, const char *present, int n)
{
    size_t count = 0;
    for (int i = 0; i < n; i++) {
        case_t *got = casemap_get(m, cs[i]->id, strlen(cs[i]->id), cs[i]->hash);
        if (present[i]) {
            assert_ptr_equal(got, cs[i]);
            count++;
        } else {
            assert_null(got);
        }
    }
    assert_int_equal(m->n, count);
}

static void run(uint32_t (*hash_of)(const char *id, int i), unsigned seed)
{
    casemap_t m;
    casemap_init(&m);
    static case_t *cs[N];
    static char present[N];
    memset(present, 0, sizeof(present));
    char id[32];
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "C-%07d", i);
        cs[i] = make(id, hash_of(id, i));
    }
    srand(seed);
    for (int round = 0; round < 8; round++) {
        for (int k = 0; k < N; k++) {
            int i = rand() % N;
            if (present[i]) {
                casemap_remove(&m, cs[i]);
                present[i] = 0;
            } else {
                casemap_put(&m, cs[i]);
                present[i] = 1;
            }
        }
        check_all(&m, cs, present, N);
    }
    /* A prefix of an id, or an id with a suffix, is another key. */
    for (int i = 0; i < N; i++)
        if (present[i]) {
            assert_null(casemap_get(&m, cs[i]->id, strlen(cs[i]->id) - 1,
                                    casemap_hash(cs[i]->id, strlen(cs[i]->id) - 1)));
            break;
        }
    for (int i = 0; i < N; i++) {
        casemap_remove(&m, cs[i]);
        free(cs[i]);
    }
    assert_int_equal(m.n, 0);
    casemap_free(&m);
}

static uint32_t real_hash(const char *id, int i)
{
    (void)i;
    return casemap_hash(id, strlen(id));
}

/* 16 distinct hashes for 20 000 ids: long clusters that wrap the table. */
static uint32_t colliding_hash(const char *id, int i)
{
    (void)id;
    return (uint32_t)(i % 16) * 0x10000001u | 0xffffu;
}

static void test_random_put_remove(void **state)
{
    (void)state;
    run(real_hash, 1);
    run(real_hash, 2);
}

static void test_collisions_and_wrap(void **state)
{
    (void)state;
    run(colliding_hash, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_put_remove),
        cmocka_unit_test(test_collisions_and_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
