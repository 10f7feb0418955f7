/* libFuzzer target: one Kafka message value through the wire decoder
 * (JSON, or Avro framed with a local schema id: 4 = our event schema,
 * 1 = its first version (v1), 2 = the alert schema, which is refused;
 * seeds avro_* are v1, avro4_* the current one), then, when it decodes, through
 * the Avro encoder and back: the event must survive the round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/wire.h"
#include "model/event_avro.h"
#include "model/event_json.h"

static cw_registry_t *reg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    if (!reg) {
        cw_time_init(NULL, err, sizeof(err));
        cw_registry_conf_t conf = {0};
        reg = cw_registry_new(&conf, err, sizeof(err));
    }
    cw_event_t ev, back;
    cw_reject_t rej;
    if (cw_wire_decode_event(reg, NULL, data, size, &ev, &rej, err, sizeof(err)) != CW_WIRE_OK) {
        if (rej.code == CW_REJ_NONE || rej.detail[0] == '\0')
            abort(); /* a rejection always says why */
        return 0;
    }
    cw_jsonw_t out;
    cw_jsonw_init(&out);
    cw_event_write_avro(&ev, &out);
    if (cw_event_from_avro(cw_avro_event_plan(), out.p, out.len, &back, &rej) != CW_REJ_NONE)
        abort();
    char *a = cw_event_to_json(&ev), *b = cw_event_to_json(&back);
    if (strcmp(a, b) != 0)
        abort();
    free(a);
    free(b);
    cw_jsonw_free(&out);
    return 0;
}
