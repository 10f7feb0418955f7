/* The JSON writer's string escaping (copied in runs, eight bytes at a time):
 * against a byte-at-a-time reference for random strings with every byte
 * that needs escaping at every position, and read back by jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"

static size_t reference(const char *s, char *out)
{
    size_t o = 0;
    out[o++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)*c;
        } else if (*c == '\n') {
            memcpy(out + o, "\\n", 2), o += 2;
        } else if (*c == '\t') {
            memcpy(out + o, "\\t", 2), o += 2;
        } else if (*c == '\r') {
            memcpy(out + o, "\\r", 2), o += 2;
        } else if (*c < 0x20) {
            o += (size_t)sprintf(out + o, "\\u%04x", *c);
        } else {
            out[o++] = (char)*c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    return o;
}

/* Pieces of valid UTF-8: plain, needing escape, and multi-byte. */
static const char *const pieces[] = {"a",    "Z",    " ", "\"", "\\", "\n", "\t", "\r", "\x01",
                                     "\x1f", "\x7f", "ä", "Ö",  "§",  "€",  "/",  "{",  "~"};

static void test_escape_matches_reference(void **state)
{
    (void)state;
    srand(7);
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    char s[256], want[256 * 6 + 3];
    for (int round = 0; round < 20000; round++) {
        size_t len = 0;
        int n = rand() % 40;
        for (int i = 0; i < n; i++) {
            const char *p = pieces[rand() % (int)(sizeof(pieces) / sizeof(pieces[0]))];
            /* Mostly plain letters, as in alert texts. */
            if (rand() % 4)
                p = "x";
            size_t l = strlen(p);
            memcpy(s + len, p, l);
            len += l;
        }
        s[len] = '\0';
        cw_jsonw_reset(&w);
        cw_jsonw_string(&w, s);
        size_t wl = reference(s, want);
        assert_int_equal(w.len, wl);
        assert_memory_equal(w.p, want, wl);
        json_error_t err;
        json_t *j = json_loadb(w.p, w.len, JSON_DECODE_ANY, &err);
        assert_non_null(j);
        assert_string_equal(json_string_value(j), s);
        json_decref(j);
    }
    cw_jsonw_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
