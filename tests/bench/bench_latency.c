/* Live latency probe for a running casewatch-processor whose wall clock is
 * processor.clock_file (the probe writes that file).
 *
 *   bench_latency BOOTSTRAP EVENTS_TOPIC ALERTS_TOPIC CLOCK_FILE
 *                 [EVENT_SAMPLES RATE_PER_S DEADLINE_STEPS CASES_PER_STEP]
 *
 * event -> alert: the clock stands at 2026-01-10T12:00Z; one report a
 *   sample, dated 30 days earlier (so both its obligations are past due),
 *   is produced at RATE_PER_S; latency = the first alert with the case's key
 *   arriving at our consumer - the moment the report was handed to
 *   rd_kafka_produce.
 * deadline -> alert: per step, CASES_PER_STEP reports dated that day 09:00
 *   (the clock at that instant) are produced and applied; then the clock
 *   file is moved to 00:30 the next day (the protection assessment of each
 *   report, due that day, is now breached); latency = each case's first
 *   alert arriving - the moment the clock file was renamed into place.
 *
 * 200 reports first warm the topics up (not measured). Our consumer reads the alert topic from its
 * high watermarks with fetch.wait.max.ms=5 (part of every figure). Prints one line per kind: "event
 * n=.. p50_ms=.. p95_ms=.. p99_ms=.. max_ms=.. lost=..". */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "bench_latency: %s: %s\n", k, err);
        exit(2);
    }
}

#define MAX_SAMPLES 100000
static double sent_ev[MAX_SAMPLES], got_ev[MAX_SAMPLES];
static double sent_dl[MAX_SAMPLES], got_dl[MAX_SAMPLES];
static double acked_ev[MAX_SAMPLES]; /* the sample's delivery report */
static atomic_int n_got_ev, n_got_dl;
static atomic_int stop;
static rd_kafka_t *cons;

/* Keys: "LE-%06d" (event samples), "LD-%06d" (deadline samples). */
static void *consume(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(cons, 50);
        if (!m)
            continue;
        double t = now();
        if (!m->err && m->key_len == 9 && ((char *)m->key)[0] == 'L') {
            char k[10];
            memcpy(k, m->key, 9);
            k[9] = '\0';
            int i = atoi(k + 3);
            if (i >= 0 && i < MAX_SAMPLES) {
                if (k[1] == 'E' && got_ev[i] == 0) {
                    got_ev[i] = t;
                    atomic_fetch_add(&n_got_ev, 1);
                } else if (k[1] == 'D' && got_dl[i] == 0) {
                    got_dl[i] = t;
                    atomic_fetch_add(&n_got_dl, 1);
                }
            }
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

static void write_clock(const char *path, time_t t)
{
    char tmp[4096], buf[64];
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ\n", &tm);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fputs(buf, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        perror(path);
        exit(1);
    }
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    intptr_t i = (intptr_t)m->_private;
    if (!m->err && i >= 0 && i < MAX_SAMPLES)
        acked_ev[i] = now();
}

static void produce_report(rd_kafka_t *prod, const char *topic, const char *key, time_t when,
                           intptr_t sample)
{
    char ts[32], msg[512];
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(msg, sizeof(msg),
                     "{\"specversion\":\"1.0\",\"id\":\"%s-1\",\"source\":\"urn:kommun:0180:ifo\","
                     "\"type\":\"se.casewatch.report.received\",\"time\":\"%s\",\"subject\":\"%s\","
                     "\"data\":{\"report_id\":\"R1\",\"child\":\"B-%s\",\"violence\":false,"
                     "\"reporter\":\"police\",\"municipality\":\"0180\"}}",
                     key, ts, key, key);
    while (rd_kafka_producev(
               prod, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
               RD_KAFKA_V_VALUE(msg, (size_t)n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
               RD_KAFKA_V_OPAQUE((void *)sample), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(prod, 10);
    rd_kafka_poll(prod, 0);
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void summary(const char *name, const double *sent, const double *got, int n)
{
    double *ms = malloc(sizeof(double) * (size_t)(n ? n : 1));
    int k = 0;
    for (int i = 0; i < n; i++)
        if (got[i] > 0)
            ms[k++] = (got[i] - sent[i]) * 1000;
    qsort(ms, (size_t)k, sizeof(double), cmpd);
#define PCT(p) (k ? ms[(int)((double)(k - 1) * (p))] : -1.0)
    printf("%s n=%d p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f lost=%d\n", name, k, PCT(0.50),
           PCT(0.95), PCT(0.99), k ? ms[k - 1] : -1.0, n - k);
    free(ms);
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 9) {
        fprintf(stderr, "usage: bench_latency BOOTSTRAP EVENTS_TOPIC ALERTS_TOPIC CLOCK_FILE "
                        "[EVENT_SAMPLES RATE DEADLINE_STEPS CASES_PER_STEP]\n");
        return 2;
    }
    const char *bootstrap = argv[1], *ev_topic = argv[2], *al_topic = argv[3],
               *clock_file = argv[4];
    int n_ev = argc > 5 ? atoi(argv[5]) : 1000, rate = argc > 5 ? atoi(argv[6]) : 200,
        steps = argc > 5 ? atoi(argv[7]) : 10, per_step = argc > 5 ? atoi(argv[8]) : 100;
    if (n_ev > MAX_SAMPLES || steps * per_step > MAX_SAMPLES || rate <= 0)
        return 2;
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    set(c, "bootstrap.servers", bootstrap);
    set(c, "group.id", "bench-latency");
    set(c, "enable.auto.commit", "false");
    set(c, "fetch.wait.max.ms", "5");
    if (!(cons = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err)))) {
        fprintf(stderr, "bench_latency: %s\n", err);
        return 1;
    }
    rd_kafka_poll_set_consumer(cons);
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(cons, al_topic, NULL);
    if (rd_kafka_metadata(cons, 0, t, &md, 10000) || md->topic_cnt != 1) {
        fprintf(stderr, "bench_latency: no topic %s\n", al_topic);
        return 1;
    }
    int parts = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; p++) {
        int64_t lo, hi;
        if (rd_kafka_query_watermark_offsets(cons, al_topic, p, &lo, &hi, 10000))
            return 1;
        rd_kafka_topic_partition_list_add(l, al_topic, p)->offset = hi;
    }
    rd_kafka_assign(cons, l);
    rd_kafka_topic_partition_list_destroy(l);
    pthread_t th;
    pthread_create(&th, NULL, consume, NULL);

    c = rd_kafka_conf_new();
    set(c, "bootstrap.servers", bootstrap);
    set(c, "enable.idempotence", "true");
    set(c, "linger.ms", "0");
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_t *prod = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    if (!prod) {
        fprintf(stderr, "bench_latency: %s\n", err);
        return 1;
    }

    /* event -> alert */
    time_t w_a = 1768046400; /* 2026-01-10T12:00:00Z */
    write_clock(clock_file, w_a);
    usleep(300000);
    /* Warm-up, not measured: the first records to each partition of a fresh
     * topic take up to a second on the embedded broker (the producers'
     * first acknowledgements), which a live system has long behind it. */
    for (int i = 0; i < 200; i++) {
        char key[16];
        snprintf(key, sizeof(key), "LW-%06d", i);
        produce_report(prod, ev_topic, key, w_a - 30 * 86400, -1);
        usleep(10000);
    }
    rd_kafka_flush(prod, 10000);
    usleep(2000000);
    double t0 = now();
    for (int i = 0; i < n_ev; i++) {
        double due = t0 + (double)i / rate;
        while (now() < due) {
            rd_kafka_poll(prod, 0);
            usleep(200);
        }
        char key[16];
        snprintf(key, sizeof(key), "LE-%06d", i);
        sent_ev[i] = now();
        produce_report(prod, ev_topic, key, w_a - 30 * 86400, i);
    }
    rd_kafka_flush(prod, 10000);
    for (double end = now() + 10; now() < end && atomic_load(&n_got_ev) < n_ev;)
        usleep(10000);

    /* deadline -> alert */
    time_t day0 = 1768176000; /* 2026-01-12T00:00:00Z (01:00 in Stockholm) */
    for (int s = 0; s < steps; s++) {
        time_t morning = day0 + (time_t)s * 86400 + 8 * 3600; /* 09:00 local */
        write_clock(clock_file, morning);
        for (int k = 0; k < per_step; k++) {
            char key[16];
            snprintf(key, sizeof(key), "LD-%06d", s * per_step + k);
            produce_report(prod, ev_topic, key, morning, -1);
        }
        rd_kafka_flush(prod, 10000);
        usleep(500000); /* applied: the processor's batches end well within this */
        double moved = now();
        write_clock(clock_file, morning + 15 * 3600 + 1800); /* 00:30 local, the next day */
        for (int k = 0; k < per_step; k++)
            sent_dl[s * per_step + k] = moved;
        for (double end = now() + 10; now() < end && atomic_load(&n_got_dl) < (s + 1) * per_step;)
            usleep(2000);
    }
    atomic_store(&stop, 1);
    pthread_join(th, NULL);
    summary("event", sent_ev, got_ev, n_ev);
    summary("event_ack", sent_ev, acked_ev, n_ev);
    summary("deadline", sent_dl, got_dl, steps * per_step);
    rd_kafka_destroy(prod);
    rd_kafka_consumer_close(cons);
    rd_kafka_destroy(cons);
    return 0;
}
