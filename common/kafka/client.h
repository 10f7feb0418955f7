/* Kafka client set-up, shared by the processor, the feed and the producers.
 *
 * A client's configuration is built in one order: our defaults, then the
 * kafka.* keys of a cw_conf_t, then "key=value" properties (the producers'
 * -X), then overrides that hold whatever the user said. The pass-through
 * keys (kafka.* and -X) go only to the clients they are for, by
 * librdkafka's own property table (the C/P column of
 * rd_kafka_conf_properties_show, so it is right for the linked version):
 * a consumer-only key does not make a producer warn (CONFWARN), nor the
 * reverse. Keys for both, and keys librdkafka does not list, go to every
 * client (rd_kafka_conf_set then reports an unknown one).
 *
 * Two steps, so that the caller can set its callbacks in between:
 *   rd_kafka_conf_t *c = cw_kafka_conf_new(RD_KAFKA_PRODUCER, &spec, err, n);
 *   rd_kafka_conf_set_dr_msg_cb(c, ...);
 *   rd_kafka_t *rk = cw_kafka_client_new(RD_KAFKA_PRODUCER, c, "producer", err, n);
 * cw_kafka_client_new always takes the conf: on failure it destroys it
 * (rd_kafka_new takes it only on success), so no path leaks it. */
#ifndef CW_KAFKA_CLIENT_H
#define CW_KAFKA_CLIENT_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "base/conf.h"

/* What one client is made of. Everything is borrowed, only for the call. */
typedef struct {
    /* key, value, key, value, ..., NULL: set first (NULL: none). */
    const char *const *defaults;
    /* Its kafka.* keys (those for this type of client) after the defaults;
     * errors name the key's origin. NULL: none. */
    const cw_conf_t *conf;
    /* "key=value" strings after conf, NULL-terminated (NULL: none). */
    const char *const *props;
    /* key, value, ..., NULL: set last, whatever the user set (NULL: none). */
    const char *const *overrides;
    /* rd_kafka_opaque() of the client (callbacks); NULL: none. */
    void *opaque;
    /* The log callback; NULL: cw_kafka_log (into common/base/log). */
    void (*log_cb)(const rd_kafka_t *rk, int level, const char *fac, const char *buf);
} cw_kafka_spec_t;

/* A new configuration for a client of type (RD_KAFKA_CONSUMER or
 * RD_KAFKA_PRODUCER) from spec (borrowed); owned by the caller, who passes
 * it to cw_kafka_client_new (or rd_kafka_conf_destroy). NULL on a refused
 * property, errstr then says which ("ORIGIN: kafka.KEY: reason" for a
 * kafka.* key, "default: kafka.KEY: reason" for a default or override,
 * "KEY: reason" for a props entry, "-X KV: expected key=value" for a props
 * entry without '='); nothing is left allocated. */
rd_kafka_conf_t *cw_kafka_conf_new(rd_kafka_type_t type, const cw_kafka_spec_t *spec, char *errstr,
                                   size_t errstr_size);

/* rd_kafka_new(type, conf): the new client (owned by the caller; destroy
 * with rd_kafka_destroy), which owns conf. conf is taken in every case: on
 * failure it is destroyed here, errstr says "ROLE: reason" and NULL is
 * returned. role (borrowed) names the client in that message. */
rd_kafka_t *cw_kafka_client_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, const char *role,
                                char *errstr, size_t errstr_size);

/* The default log callback: librdkafka's own lines (broker addresses, topic
 * names, never message contents) into cw_log, "librdkafka NAME FAC: text",
 * syslog levels 0-3 as error, 4 warn, 5-6 info, 7 debug. */
void cw_kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf);

/* Which clients a librdkafka property is for: 'C' consumer, 'P' producer,
 * '*' both, 0 for a key librdkafka does not list. table is the text of
 * rd_kafka_conf_properties_show (borrowed). */
char cw_kafka_key_scope(const char *table, const char *key);

#endif
