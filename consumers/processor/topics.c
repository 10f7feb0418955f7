/* The start-up check of the processor's topics (issue 18 item 2), before any
 * client of the processor is made: one metadata request (all topics, so that
 * it never auto-creates one) and a DescribeConfigs of the changelog, within
 * processor.startup_timeout. Each failure is one line and an exit status
 * (CW_EXIT_*, processor.h; README "Connecting to your Kafka"):
 *   a missing input, alert, changelog or DLQ topic, input topics that are not
 *   co-partitioned, a changelog with another partition count than the input
 *   or not compacted                                  -> CW_EXIT_TOPICS
 *   no broker answered within the timeout             -> CW_EXIT_UNREACHABLE
 *   TLS or SASL authentication failed, or the principal may not Describe
 *   the cluster's topics                              -> CW_EXIT_AUTH
 * A changelog that is not compacted is an error, not a warning: its records
 * would be deleted after retention.ms, and a later restore would silently
 * miss those cases and their deadlines. A broker that cannot answer
 * DescribeConfigs (the embedded broker: librdkafka's mock cluster) or a
 * principal without DescribeConfigs skips that check with a log line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "internal.h"

typedef struct {
    rd_kafka_resp_err_t err; /* the first authentication/TLS error seen */
    char reason[256];
    char last[256]; /* the last error of any kind, for the unreachable line */
} auth_t;

/* This client's librdkafka lines at debug level: while the check runs,
 * "Connect to ... failed" would repeat every backoff; the one line at the
 * end carries the reason (the last error). */
static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)level;
    cw_log(CW_LOG_DEBUG, "librdkafka %s %s: %s", rd_kafka_name(rk), fac, buf);
}

static const char *kafka_value(const cw_conf_t *conf, const char *key)
{
    for (size_t i = 0; i < cw_conf_kafka_count(conf); i++) {
        const char *k, *v;
        cw_conf_kafka_at(conf, i, &k, &v, NULL);
        if (strcmp(k, key) == 0)
            return v;
    }
    return NULL;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The errors that no retry within the timeout can cure. */
static const rd_kafka_resp_err_t auth_errors[] = {
    RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR__SSL,
    RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED};

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    auth_t *a = opaque;
    snprintf(a->last, sizeof(a->last), "%s", reason);
    for (size_t i = 0; i < sizeof(auth_errors) / sizeof(auth_errors[0]); i++)
        if ((rd_kafka_resp_err_t)err == auth_errors[i] && !a->err) {
            a->err = (rd_kafka_resp_err_t)err;
            snprintf(a->reason, sizeof(a->reason), "%s", reason);
        }
}

/* Appends to errstr (cut at its size, never past it); returns the new length. */
static size_t append(char *errstr, size_t errstr_size, size_t len, const char *fmt, ...)
{
    if (len >= errstr_size)
        return len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(errstr + len, errstr_size - len, fmt, ap);
    va_end(ap);
    return n < 0 ? len : len + (size_t)n;
}

static const rd_kafka_metadata_topic_t *find(const rd_kafka_metadata_t *md, const char *name)
{
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, name) == 0 &&
            md->topics[i].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            return &md->topics[i];
    return NULL;
}

/* The metadata of all topics, or an exit status with errstr. */
static int fetch_metadata(rd_kafka_t *rk, const auth_t *auth, int64_t deadline,
                          const char *bootstrap, int64_t timeout_ms,
                          const rd_kafka_metadata_t **md, char *errstr, size_t errstr_size)
{
    rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR__TIMED_OUT;
    for (;;) {
        rd_kafka_poll(rk, 0); /* serves on_error */
        if (auth->err) {
            snprintf(errstr, errstr_size, "cannot authenticate to the Kafka cluster at %s: %s",
                     bootstrap, auth->reason);
            return CW_EXIT_AUTH;
        }
        int64_t left = deadline - now_ms();
        if (left <= 0)
            break;
        last = rd_kafka_metadata(rk, 1, NULL, md, (int)(left < 1000 ? left : 1000));
        if (last == RD_KAFKA_RESP_ERR_NO_ERROR)
            return CW_EXIT_OK;
        rd_kafka_poll(rk, 100);
    }
    snprintf(errstr, errstr_size,
             "no broker of the Kafka cluster at %s answered within processor.startup_timeout "
             "(%lld ms): %s",
             bootstrap, (long long)timeout_ms, auth->last[0] ? auth->last : rd_kafka_err2str(last));
    return CW_EXIT_UNREACHABLE;
}

/* The layout: every topic there, the input co-partitioned, the changelog's
 * count the input's. */
static int check_layout(const cw_processor_t *p, const rd_kafka_metadata_t *md, char *errstr,
                        size_t errstr_size)
{
    const char *names[CW_MAX_INPUT_TOPICS + 3];
    int n = 0;
    for (int i = 0; i < p->n_topics; i++)
        names[n++] = p->topics[i];
    names[n++] = p->alert_topic;
    names[n++] = p->changelog_topic;
    names[n++] = p->dlq_topic;
    size_t len = 0;
    int missing = 0;
    for (int i = 0; i < n; i++)
        if (!find(md, names[i]))
            len = append(errstr, errstr_size, len, "%s%s", missing++ ? ", " : "missing topic(s): ",
                         names[i]);
    if (missing) {
        append(errstr, errstr_size, len,
               " (create them, or grant Describe on them: README \"Connecting to your Kafka\")");
        return CW_EXIT_TOPICS;
    }
    int parts = find(md, p->topics[0])->partition_cnt;
    bool same = true;
    for (int i = 1; i < p->n_topics; i++)
        same = same && find(md, p->topics[i])->partition_cnt == parts;
    if (!same) {
        len = append(errstr, errstr_size, 0,
                     "input topics are not co-partitioned (they need the same partition "
                     "count):");
        for (int i = 0; i < p->n_topics; i++)
            len = append(errstr, errstr_size, len, "%s %s has %d", i ? "," : "", p->topics[i],
                         find(md, p->topics[i])->partition_cnt);
        return CW_EXIT_TOPICS;
    }
    int cl = find(md, p->changelog_topic)->partition_cnt;
    if (cl != parts) {
        snprintf(errstr, errstr_size,
                 "changelog %s has %d partitions, input %s has %d: they must be equal",
                 p->changelog_topic, cl, p->topics[0], parts);
        return CW_EXIT_TOPICS;
    }
    return CW_EXIT_OK;
}

/* The changelog's cleanup.policy must include compact. */
static int check_compacted(const cw_processor_t *p, rd_kafka_t *rk, int64_t deadline,
                           char *errstr, size_t errstr_size)
{
    int64_t left = deadline - now_ms();
    if (left < 100)
        left = 100;
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_ConfigResource_t *res =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, p->changelog_topic);
    rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(opt, (int)left, NULL, 0);
    rd_kafka_DescribeConfigs(rk, &res, 1, opt, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)left + 1000);
    int rc = CW_EXIT_OK;
    const char *skip = NULL;
    char why[300] = "";
    const rd_kafka_DescribeConfigs_result_t *r = ev ? rd_kafka_event_DescribeConfigs_result(ev) : NULL;
    size_t cnt = 0;
    const rd_kafka_ConfigResource_t **rs = r ? rd_kafka_DescribeConfigs_result_resources(r, &cnt) : NULL;
    if (!ev || rd_kafka_event_error(ev) || cnt != 1 || rd_kafka_ConfigResource_error(rs[0])) {
        rd_kafka_resp_err_t e = !ev                        ? RD_KAFKA_RESP_ERR__TIMED_OUT
                                : rd_kafka_event_error(ev) ? rd_kafka_event_error(ev)
                                : cnt == 1                 ? rd_kafka_ConfigResource_error(rs[0])
                                                           : RD_KAFKA_RESP_ERR__BAD_MSG;
        snprintf(why, sizeof(why), "%s", rd_kafka_err2str(e));
        skip = why;
    } else {
        size_t nc = 0;
        const rd_kafka_ConfigEntry_t **ce = rd_kafka_ConfigResource_configs(rs[0], &nc);
        const char *policy = NULL;
        for (size_t i = 0; i < nc; i++)
            if (strcmp(rd_kafka_ConfigEntry_name(ce[i]), "cleanup.policy") == 0)
                policy = rd_kafka_ConfigEntry_value(ce[i]);
        if (!policy)
            skip = "the broker did not report cleanup.policy";
        else if (!strstr(policy, "compact")) {
            snprintf(errstr, errstr_size,
                     "changelog %s has cleanup.policy=%s: it must be compact (else case state "
                     "is deleted after retention.ms)",
                     p->changelog_topic, policy);
            rc = CW_EXIT_TOPICS;
        }
    }
    if (skip)
        cw_log(CW_LOG_INFO, "changelog %s: cleanup.policy not checked: %s", p->changelog_topic,
               skip);
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_ConfigResource_destroy(res);
    rd_kafka_queue_destroy(q);
    return rc;
}

int topics_check(const cw_processor_t *p, rd_kafka_conf_t *c, char *errstr, size_t errstr_size)
{
    auth_t auth = {0};
    int64_t timeout = cw_conf_get_int(p->conf, "processor.startup_timeout");
    int64_t deadline = now_ms() + timeout;
    const char *bootstrap = kafka_value(p->conf, "bootstrap.servers");
    rd_kafka_conf_set_opaque(c, &auth);
    rd_kafka_conf_set_error_cb(c, on_error);
    rd_kafka_conf_set_log_cb(c, quiet_log);
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
    if (!rk) {
        rd_kafka_conf_destroy(c);
        snprintf(errstr, errstr_size, "kafka client: %s", err);
        return CW_EXIT_CONFIG;
    }
    const rd_kafka_metadata_t *md = NULL;
    int rc = fetch_metadata(rk, &auth, deadline, bootstrap ? bootstrap : "(unset)", timeout, &md,
                            errstr, errstr_size);
    if (rc == CW_EXIT_OK)
        rc = check_layout(p, md, errstr, errstr_size);
    /* The embedded broker (librdkafka's mock cluster, id "mockCluster...")
     * never answers DescribeConfigs: the request would wait out the timeout. */
    char *cluster = rc == CW_EXIT_OK ? rd_kafka_clusterid(rk, 0) : NULL;
    if (rc == CW_EXIT_OK && cluster && strncmp(cluster, "mockCluster", 11) == 0)
        cw_log(CW_LOG_DEBUG, "changelog %s: cleanup.policy not checked: the embedded broker has "
                             "no DescribeConfigs",
               p->changelog_topic);
    else if (rc == CW_EXIT_OK)
        rc = check_compacted(p, rk, deadline, errstr, errstr_size);
    if (cluster)
        rd_kafka_mem_free(rk, cluster);
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_destroy(rk);
    return rc;
}
