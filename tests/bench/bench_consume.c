/* Baseline for the processor benchmarks: a plain librdkafka consumer that
 * reads a topic to its end and does nothing with the messages.
 *
 *   bench_consume BOOTSTRAP TOPIC group [--expect N] [-X KEY=VALUE]...
 *       joins a fresh consumer group with the processor's consumer settings
 *       (enable.auto.commit=false, enable.partition.eof=true,
 *       auto.offset.reset=earliest, cooperative-sticky) and reads until N
 *       messages (or every partition at its end). Timed from the first
 *       message to the last, as the processor's figure is.
 *   bench_consume BOOTSTRAP TOPIC together [-X KEY=VALUE]...
 *       reads every partition from its low to its high watermark, all
 *       assigned at once (assign()-only), as the processor's restore does
 *       (its "restorer" settings). Timed from the first watermark query to
 *       the end.
 *   bench_consume BOOTSTRAP TOPIC watermarks
 *       prints the sum of high watermarks and the greatest low watermark: a
 *       low watermark above 0 means the broker dropped old messages.
 *
 * -X properties are applied after ours (they win), as the processor's
 * kafka.* keys are. Prints one line of key=value. */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "bench_consume: %s=%s: %s\n", k, v, err);
        exit(2);
    }
}

static rd_kafka_t *consumer(const char *bootstrap, const char *group, const char *strategy,
                            char **props, int n_props)
{
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    set(c, "bootstrap.servers", bootstrap);
    set(c, "group.id", group);
    set(c, "enable.auto.commit", "false");
    set(c, "enable.partition.eof", "true");
    set(c, "auto.offset.reset", "earliest");
    if (strategy)
        set(c, "partition.assignment.strategy", strategy);
    for (int i = 0; i < n_props; i++) {
        char *eq = strchr(props[i], '=');
        if (!eq) {
            fprintf(stderr, "bench_consume: -X %s: KEY=VALUE\n", props[i]);
            exit(2);
        }
        *eq = '\0';
        set(c, props[i], eq + 1);
        *eq = '=';
    }
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "bench_consume: %s\n", err);
        exit(1);
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

static int partitions(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    if (rd_kafka_metadata(rk, 0, t, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "bench_consume: metadata of %s failed\n", topic);
        exit(1);
    }
    int n = md->topic_cnt == 1 && !md->topics[0].err ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    if (n <= 0) {
        fprintf(stderr, "bench_consume: no topic %s\n", topic);
        exit(1);
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_consume BOOTSTRAP TOPIC group|together|watermarks "
                        "[--expect N] [-X KEY=VALUE]...\n");
        return 2;
    }
    const char *bootstrap = argv[1], *topic = argv[2], *mode = argv[3];
    long long expect = -1;
    char *props[64];
    int n_props = 0;
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--expect") == 0)
            expect = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "-X") == 0 && n_props < 64)
            props[n_props++] = argv[i + 1];
        else
            return 2;
    }
    char group[128];
    snprintf(group, sizeof(group), "bench-consume-%d", (int)getpid());
    long long msgs = 0, bytes = 0;
    double t_first = 0, t_end = 0, t_start = now(), c0 = cpu();

    if (strcmp(mode, "watermarks") == 0) {
        rd_kafka_t *rk = consumer(bootstrap, group, NULL, props, n_props);
        int n = partitions(rk, topic);
        int64_t total = 0, lo_max = 0;
        for (int p = 0; p < n; p++) {
            int64_t lo, hi;
            if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000)) {
                fprintf(stderr, "bench_consume: watermarks of %s [%d] failed\n", topic, p);
                return 1;
            }
            total += hi;
            if (lo > lo_max)
                lo_max = lo;
        }
        printf("partitions=%d high_sum=%lld low_max=%lld\n", n, (long long)total,
               (long long)lo_max);
        rd_kafka_destroy(rk);
        return 0;
    }

    if (strcmp(mode, "together") == 0) {
        rd_kafka_t *rk = consumer(bootstrap, group, NULL, props, n_props);
        int n = partitions(rk, topic);
        t_start = now();
        c0 = cpu();
        int64_t *his = calloc((size_t)n, sizeof(*his)), *last = calloc((size_t)n, sizeof(*last));
        int pending = 0;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
        for (int p = 0; p < n; p++) {
            int64_t lo, hi;
            if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000)) {
                fprintf(stderr, "bench_consume: watermarks of %s [%d] failed\n", topic, p);
                return 1;
            }
            his[p] = hi;
            last[p] = lo - 1;
            if (hi > lo) {
                rd_kafka_topic_partition_list_add(l, topic, p)->offset = lo;
                pending++;
            }
        }
        rd_kafka_assign(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
        while (pending > 0) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
            if (!m)
                continue;
            if (!m->err && m->partition >= 0 && m->partition < n &&
                m->offset > last[m->partition] && m->offset < his[m->partition]) {
                last[m->partition] = m->offset;
                msgs++;
                bytes += (long long)m->len;
                if (m->offset == his[m->partition] - 1)
                    pending--;
            }
            rd_kafka_message_destroy(m);
        }
        rd_kafka_assign(rk, NULL);
        t_end = now();
        double c = cpu() - c0;
        printf("messages=%lld bytes=%lld seconds=%.4f cpu=%.4f rate=%.0f\n", msgs, bytes,
               t_end - t_start, c, (double)msgs / (t_end - t_start));
        free(his);
        free(last);
        rd_kafka_destroy(rk);
        return 0;
    }

    if (strcmp(mode, "group") != 0)
        return 2;
    rd_kafka_t *rk = consumer(bootstrap, group, "cooperative-sticky", props, n_props);
    int n = partitions(rk, topic);
    char *eof = calloc((size_t)n, 1);
    int n_eof = 0;
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    while (expect >= 0 ? msgs < expect : (n_eof < n || msgs == 0)) {
        if (now() - t_start > 600) {
            fprintf(stderr, "bench_consume: timed out at %lld messages\n", msgs);
            return 1;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition < n && !eof[m->partition]) {
                eof[m->partition] = 1;
                n_eof++;
            }
        } else if (!m->err) {
            if (msgs++ == 0) {
                t_first = now();
                c0 = cpu();
            }
            bytes += (long long)m->len;
            if (m->partition < n && eof[m->partition]) {
                eof[m->partition] = 0;
                n_eof--;
            }
        }
        rd_kafka_message_destroy(m);
    }
    t_end = now();
    double c = cpu() - c0;
    printf("messages=%lld bytes=%lld seconds=%.4f cpu=%.4f rate=%.0f join_seconds=%.3f\n", msgs,
           bytes, t_end - t_first, c, (double)msgs / (t_end - t_first), t_first - t_start);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    free(eof);
    return 0;
}
