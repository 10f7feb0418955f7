/* The actions producer: what supervisors do with alerts (acknowledge,
 * assign, note) goes to feed.actions_topic, a compacted topic keyed by
 * alert id whose every record is the alert's whole action state. Every
 * feed reads that topic from the beginning (reader.c), so a restarted or
 * a second feed shows the same.
 *
 * One action at a time (actions come at human pace): the record is built
 * from the view's current state under the producer's mutex, produced,
 * and waited for, so two actions on one alert in one feed never lose each
 * other. Two feeds acting on the same alert in the same instant: the
 * later record wins (documented). */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "internal.h"
#include "kafka/client.h"

struct feed_actions_s {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    pthread_mutex_t mu;
    rd_kafka_resp_err_t last_err; /* of the last delivery (under mu) */
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    feed_actions_t *a = opaque;
    a->last_err = m->err;
}

feed_actions_t *actions_start(const cw_conf_t *conf, char *errstr, size_t errstr_size)
{
    /* The kafka.* keys for a producer (the reader's consumer keys would
     * only make librdkafka warn), then ours, which win. */
    static const char *const overrides[] = {"acks", "all", "message.timeout.ms", "5000",
                                            "linger.ms", "0", NULL};
    feed_actions_t *a = cw_calloc(1, sizeof(*a));
    cw_kafka_spec_t spec = {.conf = conf, .overrides = overrides, .opaque = a};
    rd_kafka_conf_t *c = cw_kafka_conf_new(RD_KAFKA_PRODUCER, &spec, errstr, errstr_size);
    if (c)
        rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    a->rk = c ? cw_kafka_client_new(RD_KAFKA_PRODUCER, c, "actions producer", errstr, errstr_size)
              : NULL;
    if (!a->rk) {
        free(a);
        return NULL;
    }
    a->rkt = rd_kafka_topic_new(a->rk, cw_conf_get_str(conf, "feed.actions_topic"), NULL);
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void actions_lock(feed_actions_t *a)
{
    pthread_mutex_lock(&a->mu);
}

void actions_unlock(feed_actions_t *a)
{
    pthread_mutex_unlock(&a->mu);
}

bool actions_produce(feed_actions_t *a, const char *key, const char *value, char *errstr,
                     size_t errstr_size)
{
    a->last_err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (rd_kafka_produce(a->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)value,
                         strlen(value), key, strlen(key), NULL) != 0) {
        snprintf(errstr, errstr_size, "produce: %s", rd_kafka_err2str(rd_kafka_last_error()));
        return false;
    }
    rd_kafka_flush(a->rk, 6000);
    if (a->last_err) {
        snprintf(errstr, errstr_size, "delivery: %s", rd_kafka_err2str(a->last_err));
        return false;
    }
    return true;
}

void actions_stop(feed_actions_t *a)
{
    if (!a)
        return;
    rd_kafka_flush(a->rk, 5000);
    rd_kafka_topic_destroy(a->rkt);
    rd_kafka_destroy(a->rk);
    pthread_mutex_destroy(&a->mu);
    free(a);
}
