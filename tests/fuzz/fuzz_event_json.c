/* libFuzzer target: one event through the CloudEvents JSON decoder, in
 * structured mode or (input starting with byte 0x01) binary mode: then
 * "name:value" header lines up to an empty line, the rest the data value.
 * A rejection must say why; an event that decodes must survive encoding to
 * JSON and decoding again unchanged; in binary mode the headers it was made
 * of must agree with it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/event_json.h"

/* Binary mode: headers, then the value. false when a header is rejected
 * (repeated), with rej set. */
static bool binary(const char *p, size_t n, cw_ce_headers_t *h, const char **value, size_t *len,
                   cw_reject_t *rej)
{
    memset(h, 0, sizeof(*h));
    char name[64];
    for (;;) {
        const char *nl = memchr(p, '\n', n);
        size_t line = nl ? (size_t)(nl - p) : n;
        if (line == 0 || !nl) { /* the empty line, or the end */
            *value = nl ? p + 1 : p + n;
            *len = nl ? n - 1 : 0;
            return true;
        }
        const char *colon = memchr(p, ':', line);
        size_t nlen = colon ? (size_t)(colon - p) : line;
        if (nlen < sizeof(name)) {
            memcpy(name, p, nlen);
            name[nlen] = '\0';
            const char *v = colon ? colon + 1 : NULL;
            if (cw_ce_headers_add(h, name, v, v ? line - nlen - 1 : 0, rej) != CW_REJ_NONE)
                return false;
        }
        p += line + 1;
        n -= line + 1;
    }
}

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
    cw_ce_headers_t h;
    bool bin = size > 0 && data[0] == 1;
    cw_reject_code_t rc;
    if (bin) {
        const char *value;
        size_t len;
        if (!binary((const char *)data + 1, size - 1, &h, &value, &len, &rej)) {
            if (rej.code == CW_REJ_NONE || rej.detail[0] == '\0')
                abort();
            return 0;
        }
        rc = cw_event_from_json_binary(&h, value, len, &ev, &rej);
    } else {
        rc = cw_event_from_json((const char *)data, size, &ev, &rej);
    }
    if (rc != CW_REJ_NONE) {
        if (rej.code == CW_REJ_NONE || rej.detail[0] == '\0')
            abort();
        return 0;
    }
    if (bin && cw_event_check_headers(&h, &ev, &rej) != CW_REJ_NONE)
        abort();
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
