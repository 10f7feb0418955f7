/* Test tool: decodes case events the way the processor does, printing each
 * as normalized JSON (cw_event_to_json) so tests can compare decoders.
 *
 *   avro_tool json                 JSON lines in
 *   avro_tool wire [--local L] [--registry URL] [--user-info U:P]
 *                                  hex lines in: whole Kafka message values
 *   avro_tool encode               JSON lines in, hex of framed Avro (id 1) out
 *
 * One output line per input line: the event, "REJECT <code> <detail>", or
 * "RETRY <why>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/wire.h"
#include "model/event_avro.h"
#include "model/event_json.h"

static size_t unhex(char *s)
{
    size_t n = 0;
    for (char *p = s; p[0] && p[1] && p[0] != '\n'; p += 2) {
        unsigned v;
        sscanf(p, "%2x", &v);
        s[n++] = (char)v;
    }
    return n;
}

static void print_event(const cw_event_t *ev)
{
    char *j = cw_event_to_json(ev);
    puts(j);
    free(j);
}

int main(int argc, char **argv)
{
    char err[256];
    if (argc < 2 || cw_time_init(NULL, err, sizeof(err)) != CW_OK)
        return 2;
    const char *mode = argv[1];
    cw_registry_conf_t rc = {0};
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--local") == 0)
            rc.local = argv[i + 1];
        else if (strcmp(argv[i], "--registry") == 0)
            rc.url = argv[i + 1];
        else if (strcmp(argv[i], "--user-info") == 0)
            rc.user_info = argv[i + 1];
        else
            return 2;
    }
    rc.timeout_ms = 2000;
    cw_registry_t *reg = NULL;
    if (strcmp(mode, "wire") == 0 && !(reg = cw_registry_new(&rc, err, sizeof(err)))) {
        fprintf(stderr, "avro_tool: %s\n", err);
        return 1;
    }
    static char line[1 << 20];
    cw_event_t ev;
    cw_reject_t rej;
    cw_jsonw_t out;
    cw_jsonw_init(&out);
    while (fgets(line, sizeof(line), stdin)) {
        size_t len = strcspn(line, "\n");
        line[len] = '\0';
        if (strcmp(mode, "json") == 0 || strcmp(mode, "encode") == 0) {
            if (cw_event_from_json(line, len, &ev, &rej)) {
                printf("REJECT %s %s\n", cw_reject_code_name(rej.code), rej.detail);
            } else if (mode[0] == 'j') {
                print_event(&ev);
            } else {
                cw_jsonw_reset(&out);
                cw_wire_header(CW_SCHEMA_ID_EVENT, &out);
                cw_event_write_avro(&ev, &out);
                for (size_t i = 0; i < out.len; i++)
                    printf("%02x", (unsigned char)out.p[i]);
                putchar('\n');
            }
        } else {
            size_t n = unhex(line);
            switch (cw_wire_decode_event(reg, NULL, line, n, &ev, &rej, err, sizeof(err))) {
            case CW_WIRE_OK:
                print_event(&ev);
                break;
            case CW_WIRE_REJECTED:
                printf("REJECT %s %s\n", cw_reject_code_name(rej.code), rej.detail);
                break;
            case CW_WIRE_RETRY:
                printf("RETRY %s\n", err);
                break;
            }
        }
        fflush(stdout);
    }
    cw_jsonw_free(&out);
    cw_registry_destroy(reg);
    return 0;
}
