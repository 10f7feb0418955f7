/* Avro decode benchmark: our decode + validation of case events against
 * avro-c's bare decode of the same bytes (avro_value_read into one reused
 * generic value, the fastest avro-c path), measured in the same run, per
 * event type of a mixed sample and over the mix. Prints events/s and the
 * ratio (target ≥ 0.8 of bare decode).
 *
 * usage: bench_avro [SECONDS_PER_MEASURE] */
#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/event_avro.h"
#include "model/event_json.h"

static const char *samples[] = {
    "{\"specversion\":\"1.0\",\"id\":\"4f1c2a9e-5b7d-4e0a-9c1e-2d3f4a5b6c7d\",\"source\":"
    "\"urn:kommun:0180:ifo\",\"type\":\"se.casewatch.report.received\",\"time\":"
    "\"2025-03-03T09:15:00+01:00\",\"subject\":\"0180-2025-000123\",\"data\":{\"municipality\":"
    "\"0180\",\"unit\":\"Barn och unga Syd\",\"caseworker\":\"hl-4471\",\"report_id\":"
    "\"R-2025-0456\",\"child\":\"p-9f2c81\",\"violence\":true,\"reporter\":\"school\","
    "\"child_born\":\"2014-05\"}}",
    "{\"specversion\":\"1.0\",\"id\":\"7a0e9c4d-1f2b-4c3d-8e5f-6a7b8c9d0e1f\",\"source\":"
    "\"urn:kommun:0180:ifo\",\"type\":\"se.casewatch.investigation.opened\",\"time\":"
    "\"2025-03-12T14:00:00+01:00\",\"subject\":\"0180-2025-000123\",\"data\":{\"municipality\":"
    "\"0180\",\"unit\":\"Barn och unga Syd\",\"caseworker\":\"hl-4471\",\"investigation_id\":"
    "\"U-2025-0077\",\"report_id\":\"R-2025-0456\"}}",
    "{\"specversion\":\"1.0\",\"id\":\"c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f\",\"source\":"
    "\"urn:kommun:0180:ifo\",\"type\":\"se.casewatch.child.visited\",\"time\":"
    "\"2025-06-18T10:30:00+02:00\",\"subject\":\"0180-2024-000981\",\"data\":{\"municipality\":"
    "\"0180\",\"caseworker\":\"hl-0912\",\"placement_id\":\"P-2024-0031\",\"private_talk\":true}}",
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    cw_jsonw_t bytes[N_SAMPLES];
    avro_value_t value;
    avro_reader_t reader;
} ctx_t;

/* Runs fn over the samples (one, or all in turn) for about secs seconds. */
static double rate(ctx_t *c, int which, double secs, int ours)
{
    unsigned long n = 0, bad = 0;
    double t0 = now(), t;
    cw_event_t ev;
    do {
        for (int k = 0; k < 10000; k++, n++) {
            size_t i = which >= 0 ? (size_t)which : n % N_SAMPLES;
            if (ours) {
                bad += cw_event_from_avro(cw_avro_event_plan(), c->bytes[i].p, c->bytes[i].len, &ev,
                                          NULL) != CW_REJ_NONE;
            } else {
                avro_reader_memory_set_source(c->reader, c->bytes[i].p, (int64_t)c->bytes[i].len);
                bad += avro_value_read(c->reader, &c->value) != 0;
            }
        }
        t = now();
    } while (t - t0 < secs);
    if (bad) {
        fprintf(stderr, "bench_avro: %lu decodes failed\n", bad);
        exit(1);
    }
    return (double)n / (t - t0);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    char err[256];
    if (cw_time_init(NULL, err, sizeof(err)) != CW_OK)
        return 1;
    ctx_t c;
    avro_schema_t schema;
    if (avro_schema_from_json_length(cw_schema_case_event, cw_schema_case_event_len, &schema)) {
        fprintf(stderr, "%s\n", avro_strerror());
        return 1;
    }
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_generic_value_new(iface, &c.value);
    c.reader = avro_reader_memory("", 0);
    for (size_t i = 0; i < N_SAMPLES; i++) {
        cw_event_t ev;
        if (cw_event_from_json(samples[i], strlen(samples[i]), &ev, NULL))
            return 1;
        cw_jsonw_init(&c.bytes[i]);
        cw_event_write_avro(&ev, &c.bytes[i]);
    }
    printf("%-28s %14s %14s %7s\n", "record", "bare avro-c/s", "casewatch/s", "ratio");
    for (int which = 0; which <= (int)N_SAMPLES; which++) {
        int w = which == (int)N_SAMPLES ? -1 : which;
        double bare = rate(&c, w, secs, 0), ours = rate(&c, w, secs, 1);
        char name[64];
        if (w < 0)
            snprintf(name, sizeof(name), "mix of the %zu", N_SAMPLES);
        else
            snprintf(name, sizeof(name), "%.28s",
                     strchr(strstr(samples[w], "casewatch."), '.') + 1);
        char *q = strchr(name, '"');
        if (q)
            *q = '\0';
        printf("%-28s %14.0f %14.0f %7.2f\n", name, bare, ours, ours / bare);
    }
    printf("(decode+validate into the event struct vs avro_value_read into a reused generic "
           "value; %zu-%zu bytes per record)\n",
           c.bytes[2].len, c.bytes[0].len);
    for (size_t i = 0; i < N_SAMPLES; i++)
        cw_jsonw_free(&c.bytes[i]);
    avro_reader_free(c.reader);
    avro_value_decref(&c.value);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return 0;
}
