/* The reader: every partition of the alert topic and of the changelog,
 * assigned (no group membership, no commits) at the beginning.
 *
 * Why no consumer group: the feed's state is in memory only, so a restart
 * must see everything again, and any number of feeds may run side by side,
 * each with the whole picture. Committed offsets would only be wrong for
 * it. Reading from the beginning costs a read of the alert topic's
 * retention and of the compacted changelog, both far smaller than the
 * input.
 *
 * Ready: when every partition has been read up to the high watermark it
 * had at start (queried once the partitions are assigned). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "internal.h"
#include "kafka/client.h"

/* Alerts of cases the changelog never mentioned, older than this before
 * start, are dropped once caught up: their case's tombstone was compacted
 * away. Younger ones may just be ahead of their snapshot. */
#define ORPHAN_GRACE_MS (60 * 1000)
/* Ended cases are remembered this long after their end once caught up:
 * the two topics are read side by side, never this far apart. */
#define ENDED_KEEP_MS (60 * 60 * 1000)

typedef struct {
    const char *name;
    int n;               /* partitions; 0 = not known yet */
    int64_t *start_high; /* high watermark at start */
    int64_t *pos;        /* next offset to read */
} topic_t;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

cw_instant_t feed_now(const cw_conf_t *conf)
{
    const char *path = cw_conf_get_str(conf, "feed.clock_file");
    if (!path)
        return wall_ms();
    char buf[80];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        n--;
    cw_instant_t t;
    if (n == 0 || cw_time_parse(buf, n, &t, NULL, NULL, 0) != CW_OK)
        return wall_ms();
    return t;
}

static rd_kafka_t *make_consumer(const cw_conf_t *conf)
{
    const char *defaults[] = {"group.id",
                              cw_conf_get_str(conf, "feed.group_id"),
                              "enable.auto.commit",
                              "false",
                              "enable.auto.offset.store",
                              "false",
                              "enable.partition.eof",
                              "true",
                              "auto.offset.reset",
                              "earliest",
                              "allow.auto.create.topics",
                              "false",
                              NULL};
    /* The kafka.* keys for a consumer (the actions producer takes the
     * others): kafka/client.h. */
    cw_kafka_spec_t spec = {.defaults = defaults, .conf = conf};
    char err[512];
    rd_kafka_conf_t *c = cw_kafka_conf_new(RD_KAFKA_CONSUMER, &spec, err, sizeof(err));
    rd_kafka_t *rk = c ? cw_kafka_client_new(RD_KAFKA_CONSUMER, c, "kafka client", err, sizeof(err))
                       : NULL;
    if (!rk) {
        cw_log(CW_LOG_ERROR, "%s", err);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* The partition count of a topic, 0 while it does not exist (or the
 * cluster cannot be reached). */
static int partitions_of(rd_kafka_t *rk, const char *name)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, name, NULL);
    const struct rd_kafka_metadata *md = NULL;
    int n = 0;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
            n = md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(rkt);
    return n;
}

#define NT 3 /* alerts, changelog, actions (optional) */

/* Assigns every partition of the topics at the beginning, once the two
 * required ones exist (the actions topic if it exists then too). */
static bool assign_all(rd_kafka_t *rk, topic_t *t)
{
    for (int i = 0; i < 2; i++)
        if (!t[i].n && !(t[i].n = partitions_of(rk, t[i].name)))
            return false;
    t[2].n = partitions_of(rk, t[2].name);
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new(t[0].n + t[1].n + t[2].n + 1);
    for (int i = 0; i < NT; i++) {
        t[i].start_high = cw_calloc((size_t)t[i].n + 1, sizeof(int64_t));
        t[i].pos = cw_calloc((size_t)t[i].n + 1, sizeof(int64_t));
        for (int p = 0; p < t[i].n; p++) {
            int64_t lo = 0, hi = 0;
            rd_kafka_resp_err_t err =
                rd_kafka_query_watermark_offsets(rk, t[i].name, p, &lo, &hi, 10000);
            if (err)
                cw_log(CW_LOG_WARN, "watermarks of %s [%d]: %s (ready once read to the end)",
                       t[i].name, p, rd_kafka_err2str(err));
            t[i].start_high[p] = err ? INT64_MAX : hi;
            t[i].pos[p] = lo;
            rd_kafka_topic_partition_list_add(l, t[i].name, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
        }
    }
    rd_kafka_resp_err_t err = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err) {
        cw_log(CW_LOG_ERROR, "assign: %s", rd_kafka_err2str(err));
        return false;
    }
    cw_log(CW_LOG_INFO,
           "reading %s (%d partitions), %s (%d partitions) and %s (%d partitions) from the "
           "beginning",
           t[0].name, t[0].n, t[1].name, t[1].n, t[2].name, t[2].n);
    if (!t[2].n)
        cw_log(CW_LOG_WARN,
               "actions topic %s does not exist: read-only (no acknowledge, assign or note) "
               "until it is created and the feed restarted",
               t[2].name);
    return true;
}

static bool caught_up(const topic_t *t)
{
    for (int i = 0; i < NT; i++)
        for (int p = 0; p < t[i].n; p++)
            if (t[i].pos[p] < t[i].start_high[p])
                return false;
    return true;
}

static void handle(feed_view_t *v, topic_t *t, rd_kafka_message_t *m)
{
    const char *name = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    int i = -1;
    for (int k = 0; k < NT && i < 0; k++)
        if (strcmp(name, t[k].name) == 0)
            i = k;
    bool ours = i >= 0 && m->partition >= 0 && m->partition < t[i].n;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (ours && m->offset > t[i].pos[m->partition])
            t[i].pos[m->partition] = m->offset;
        /* an EOF at the start watermark or later: that partition is read */
        if (ours && t[i].start_high[m->partition] == INT64_MAX)
            t[i].start_high[m->partition] = m->offset;
        return;
    }
    if (m->err) {
        cw_log(CW_LOG_WARN, "consume %s [%d]: %s", name, (int)m->partition,
               rd_kafka_message_errstr(m));
        return;
    }
    if (!ours)
        return;
    t[i].pos[m->partition] = m->offset + 1;
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    if (ts < 0)
        ts = wall_ms();
    if (i == 0)
        view_on_alert(v, m->payload, m->len, ts, m->partition, m->offset);
    else if (i == 1)
        view_on_changelog(v, m->key, m->key_len, m->payload, m->len, ts, m->partition, m->offset);
    else
        view_on_action(v, m->key, m->key_len, m->payload, m->len, m->partition, m->offset);
}

int reader_run(const cw_conf_t *conf, feed_view_t *v, volatile sig_atomic_t *stop,
               atomic_bool *actions_on)
{
    rd_kafka_t *rk = make_consumer(conf);
    if (!rk)
        return 1;
    topic_t t[NT] = {{.name = cw_conf_get_str(conf, "feed.alert_topic")},
                     {.name = cw_conf_get_str(conf, "feed.changelog_topic")},
                     {.name = cw_conf_get_str(conf, "feed.actions_topic")}};
    bool assigned = false;
    int64_t started = mono_ms(), start_wall = wall_ms(), last_try = 0, last_warn = started;
    int64_t last_forget = started;
    while (!*stop) {
        if (!assigned) {
            int64_t now = mono_ms();
            if (now - last_try >= 1000) {
                last_try = now;
                assigned = assign_all(rk, t);
                if (assigned)
                    atomic_store(actions_on, t[2].n > 0);
                if (!assigned && now - last_warn >= 10000) {
                    last_warn = now;
                    cw_log(CW_LOG_WARN, "waiting for topics %s and %s to exist", t[0].name,
                           t[1].name);
                }
            }
            if (!assigned) {
                rd_kafka_poll(rk, 100);
                continue;
            }
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        for (int n = 0; m && n < 1000; n++) {
            handle(v, t, m);
            rd_kafka_message_destroy(m);
            m = n + 1 < 1000 ? rd_kafka_consumer_poll(rk, 0) : NULL;
        }
        if (atomic_load(&v->ready) && mono_ms() - last_forget >= 60000) {
            last_forget = mono_ms();
            view_forget_ended(v, wall_ms() - ENDED_KEEP_MS);
        }
        if (!atomic_load(&v->ready) && caught_up(t)) {
            size_t orphans = view_drop_orphans(v, start_wall - ORPHAN_GRACE_MS);
            atomic_store(&v->ready, true);
            uint64_t open_alerts, open_cases;
            view_gauges(v, &open_alerts, &open_cases);
            cw_log(
                CW_LOG_INFO,
                "caught up in %lld ms: %llu alerts and %llu changelog records read; "
                "%llu open alerts, %llu open cases (%zu alerts of ended cases dropped)",
                (long long)(mono_ms() - started),
                (unsigned long long)atomic_load(&v->n.alerts_consumed),
                (unsigned long long)(atomic_load(&v->n.snapshots) + atomic_load(&v->n.tombstones)),
                (unsigned long long)open_alerts, (unsigned long long)open_cases, orphans);
        }
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    for (int i = 0; i < NT; i++) {
        free(t[i].start_high);
        free(t[i].pos);
    }
    return 0;
}
