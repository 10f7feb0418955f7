/* The municipality table: exactly SCB's 290 codes, each four digits and
 * unique, in the county its first two digits name, and known names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/kommun.h"

static void test_count_and_codes(void **state)
{
    (void)state;
    size_t n = cw_kommun_count();
    assert_int_equal(n, 290);
    assert_null(cw_kommun_at(n));
    size_t counties = 0;
    for (size_t i = 0; i < n; i++) {
        const cw_kommun_t *k = cw_kommun_at(i);
        assert_non_null(k);
        assert_int_equal(strlen(k->code), 4);
        for (int d = 0; d < 4; d++)
            assert_true(k->code[d] >= '0' && k->code[d] <= '9');
        /* the county code is the municipality code's prefix */
        assert_memory_equal(k->code, k->county_code, 2);
        assert_int_equal(strlen(k->county_code), 2);
        assert_non_null(strstr(k->county_name, " län"));
        assert_true(k->name[0] != '\0');
        if (i > 0) {
            const cw_kommun_t *prev = cw_kommun_at(i - 1);
            /* strictly increasing: unique codes */
            assert_true(strcmp(prev->code, k->code) < 0);
            if (strcmp(prev->county_code, k->county_code) != 0)
                counties++;
            else
                assert_string_equal(prev->county_name, k->county_name);
        } else {
            counties++;
        }
        /* the lookup finds every entry */
        assert_ptr_equal(cw_kommun_name(k->code), k->name);
    }
    assert_int_equal(counties, 21);
}

static void test_known_pairs(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"0180", "Stockholm"}, {"1480", "Göteborg"},  {"1280", "Malmö"},
        {"0380", "Uppsala"},   {"2584", "Kiruna"},    {"0188", "Norrtälje"},
        {"0330", "Knivsta"},   {"1880", "Örebro"},    {"0580", "Linköping"},
        {"2180", "Gävle"},     {"0114", "Upplands Väsby"}, {"1256", "Östra Göinge"},
        {"2023", "Malung-Sälen"}, {"0331", "Heby"},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const char *name = cw_kommun_name(pairs[i][0]);
        assert_non_null(name);
        assert_string_equal(name, pairs[i][1]);
    }
    assert_string_equal(cw_kommun_county_name("0580"), "Östergötlands län");
    assert_string_equal(cw_kommun_county_name("0331"), "Uppsala län");
    assert_string_equal(cw_kommun_county_name("2584"), "Norrbottens län");
}

static void test_unknown(void **state)
{
    (void)state;
    assert_null(cw_kommun_name(NULL));
    assert_null(cw_kommun_name(""));
    assert_null(cw_kommun_name("0000"));
    assert_null(cw_kommun_name("1917")); /* Heby's code before 2007 */
    assert_null(cw_kommun_name("018"));
    assert_null(cw_kommun_name("01800"));
    assert_null(cw_kommun_county_name("9999"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_and_codes),
        cmocka_unit_test(test_known_pairs),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
