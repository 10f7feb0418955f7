#include "kafka/wire.h"

#include <stdio.h>
#include <string.h>

#include "model/event_avro.h"
#include "model/event_json.h"

/* The whole event in the value: structured JSON or Avro. */
static cw_wire_status_t decode_value(cw_registry_t *reg, const void *buf, size_t len,
                                     cw_event_t *ev, cw_reject_t *rej, char *errstr,
                                     size_t errstr_size)
{
    const unsigned char *b = buf;
    if (errstr_size)
        errstr[0] = '\0';
    if (len > 0 && b[0] == '{')
        return cw_event_from_json(buf, len, ev, rej) ? CW_WIRE_REJECTED : CW_WIRE_OK;

    cw_event_clear(ev);
    rej->code = CW_REJ_NONE;
    rej->detail[0] = '\0';
    if (len > CW_EVENT_MAX_BYTES) {
        cw_reject_set(rej, CW_REJ_TOO_LARGE, "event: %zu bytes, over the limit of %d", len,
                      CW_EVENT_MAX_BYTES);
        return CW_WIRE_REJECTED;
    }
    if (len < CW_WIRE_HEADER_SIZE || b[0] != CW_WIRE_MAGIC) {
        cw_reject_set(rej, CW_REJ_BAD_ENCODING,
                      len == 0 ? "message: empty"
                               : "message: first byte is neither '{' (JSON) nor magic byte 0 "
                                 "(Avro) with a 4-byte schema id");
        return CW_WIRE_REJECTED;
    }
    uint32_t id = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
    const cw_avro_plan_t *plan = NULL;
    char why[256];
    switch (cw_registry_event_plan(reg, id, &plan, why, sizeof(why))) {
    case CW_SCHEMA_OK:
        break;
    case CW_SCHEMA_UNKNOWN:
        cw_reject_set(rej, CW_REJ_UNKNOWN_SCHEMA, "schema id %u: %s", id, why);
        return CW_WIRE_REJECTED;
    case CW_SCHEMA_INCOMPATIBLE:
        cw_reject_set(rej, CW_REJ_INCOMPATIBLE_SCHEMA, "schema id %u: %s", id, why);
        return CW_WIRE_REJECTED;
    case CW_SCHEMA_UNAVAILABLE:
        if (errstr_size)
            snprintf(errstr, errstr_size, "schema id %u: %s", id, why);
        return CW_WIRE_RETRY;
    }
    return cw_event_from_avro(plan, b + CW_WIRE_HEADER_SIZE, len - CW_WIRE_HEADER_SIZE, ev, rej)
               ? CW_WIRE_REJECTED
               : CW_WIRE_OK;
}

cw_wire_status_t cw_wire_decode_event(cw_registry_t *reg, const cw_ce_headers_t *hdrs,
                                      const void *buf, size_t len, cw_event_t *ev,
                                      cw_reject_t *rej, char *errstr, size_t errstr_size)
{
    if (errstr_size)
        errstr[0] = '\0';
    if (hdrs) {
        cw_ce_content_t ct = cw_ce_content_type(hdrs);
        if (ct == CW_CT_CE_OTHER) {
            cw_event_clear(ev);
            cw_reject_set(rej, CW_REJ_BAD_CONTENT_TYPE,
                          "content-type: a CloudEvents format other than JSON (or a batch)");
            return CW_WIRE_REJECTED;
        }
        if (hdrs->attr[CW_CE_SPECVERSION].s && ct != CW_CT_CE_JSON)
            return cw_event_from_json_binary(hdrs, buf, len, ev, rej) ? CW_WIRE_REJECTED
                                                                      : CW_WIRE_OK;
    }
    cw_wire_status_t st = decode_value(reg, buf, len, ev, rej, errstr, errstr_size);
    if (!hdrs || !hdrs->any)
        return st;
    if (st == CW_WIRE_OK && cw_event_check_headers(hdrs, ev, rej))
        return CW_WIRE_REJECTED;
    if (st == CW_WIRE_REJECTED && rej->code == CW_REJ_MISSING_ATTRIBUTE &&
        !hdrs->attr[CW_CE_SPECVERSION].s) {
        /* Most likely binary mode without its mode marker: say so. */
        size_t n = strlen(rej->detail);
        snprintf(rej->detail + n, sizeof(rej->detail) - n,
                 " (ce_* headers without ce_specversion: read as structured mode)");
    }
    return st;
}

void cw_wire_header(uint32_t id, cw_jsonw_t *out)
{
    unsigned char h[CW_WIRE_HEADER_SIZE] = {CW_WIRE_MAGIC, (unsigned char)(id >> 24),
                                            (unsigned char)(id >> 16), (unsigned char)(id >> 8),
                                            (unsigned char)id};
    cw_jsonw_append(out, h, sizeof(h));
}
