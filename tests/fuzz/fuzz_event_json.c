/* libFuzzer target: one line through the CloudEvents JSON decoder. A
 * rejection must say why; an event that decodes must survive encoding to
 * JSON and decoding again unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/event_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    char err[256];
    if (!ready) {
        cw_time_init(NULL, err, sizeof(err));
        ready = 1;
    }
    cw_event_t ev, back;
    cw_reject_t rej;
    if (cw_event_from_json((const char *)data, size, &ev, &rej) != CW_REJ_NONE) {
        if (rej.code == CW_REJ_NONE || rej.detail[0] == '\0')
            abort();
        return 0;
    }
    char *a = cw_event_to_json(&ev);
    if (cw_event_from_json(a, strlen(a), &back, &rej) != CW_REJ_NONE)
        abort();
    char *b = cw_event_to_json(&back);
    if (strcmp(a, b) != 0)
        abort();
    free(a);
    free(b);
    return 0;
}
