/* kafka/client.c: the property routing by librdkafka's table, the order
 * defaults < kafka.* < -X < overrides, and the conf's ownership when a
 * property or rd_kafka_new fails (no leak, no double destroy). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/conf.h"
#include "kafka/client.h"

/* kafka/client.c's calls of rd_kafka_conf_destroy, counted (see
 * CMakeLists.txt); librdkafka's own calls are not. */
void __real_rd_kafka_conf_destroy(rd_kafka_conf_t *conf);
void __wrap_rd_kafka_conf_destroy(rd_kafka_conf_t *conf);
static int destroyed;
void __wrap_rd_kafka_conf_destroy(rd_kafka_conf_t *conf)
{
    destroyed++;
    __real_rd_kafka_conf_destroy(conf);
}

static const cw_conf_prop_t props[] = {
    {"x", CW_CONF_STRING, NULL, 0, 0, NULL, 0, "unused"},
};

static cw_conf_t *conf_with(const char *const *kv)
{
    cw_conf_t *c = cw_conf_new(props, 1);
    char err[256];
    for (int i = 0; kv[i]; i += 2)
        assert_int_equal(cw_conf_set(c, kv[i], kv[i + 1], "test.conf:1", err, sizeof(err)), CW_OK);
    return c;
}

static void assert_prop(rd_kafka_conf_t *c, const char *k, const char *want)
{
    char v[256];
    size_t n = sizeof(v);
    assert_int_equal(rd_kafka_conf_get(c, k, v, &n), RD_KAFKA_CONF_OK);
    assert_string_equal(v, want);
}

static void test_scope(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    rd_kafka_conf_properties_show(f);
    fclose(f);
    assert_int_equal(cw_kafka_key_scope(buf, "fetch.wait.max.ms"), 'C');
    assert_int_equal(cw_kafka_key_scope(buf, "linger.ms"), 'P');
    assert_int_equal(cw_kafka_key_scope(buf, "bootstrap.servers"), '*');
    assert_int_equal(cw_kafka_key_scope(buf, "no.such.key"), 0);
    assert_int_equal(cw_kafka_key_scope(buf, "linger"), 0); /* a prefix is no match */
    free(buf);
}

/* A consumer key reaches only the consumer, a producer key only the
 * producer, a key for both reaches both. */
static void test_routing(void **state)
{
    (void)state;
    cw_conf_t *conf = conf_with((const char *const[]){"kafka.fetch.wait.max.ms", "77",
                                                      "kafka.linger.ms", "33",
                                                      "kafka.client.id", "both", NULL});
    char err[512];
    cw_kafka_spec_t spec = {.conf = conf};
    rd_kafka_conf_t *cc = cw_kafka_conf_new(RD_KAFKA_CONSUMER, &spec, err, sizeof(err));
    rd_kafka_conf_t *pc = cw_kafka_conf_new(RD_KAFKA_PRODUCER, &spec, err, sizeof(err));
    assert_non_null(cc);
    assert_non_null(pc);
    assert_prop(cc, "fetch.wait.max.ms", "77");
    assert_prop(cc, "linger.ms", "5"); /* librdkafka's default */
    assert_prop(cc, "client.id", "both");
    assert_prop(pc, "fetch.wait.max.ms", "500");
    assert_prop(pc, "linger.ms", "33");
    assert_prop(pc, "client.id", "both");
    rd_kafka_conf_destroy(cc);
    rd_kafka_conf_destroy(pc);
    cw_conf_destroy(conf);
}

/* defaults < kafka.* < -X < overrides; -X is routed like kafka.*. */
static void test_order(void **state)
{
    (void)state;
    cw_conf_t *conf = conf_with((const char *const[]){"kafka.linger.ms", "2",
                                                      "kafka.batch.num.messages", "200",
                                                      "kafka.message.timeout.ms", "3000", NULL});
    char err[512];
    cw_kafka_spec_t spec = {
        .defaults = (const char *const[]){"linger.ms", "1", "batch.num.messages", "100",
                                          "message.timeout.ms", "1000", "client.id", "d", NULL},
        .conf = conf,
        .props = (const char *const[]){"batch.num.messages=300", "message.timeout.ms=4000",
                                       "fetch.wait.max.ms=9", NULL},
        .overrides = (const char *const[]){"message.timeout.ms", "5000", NULL},
    };
    rd_kafka_conf_t *c = cw_kafka_conf_new(RD_KAFKA_PRODUCER, &spec, err, sizeof(err));
    assert_non_null(c);
    assert_prop(c, "client.id", "d");
    assert_prop(c, "linger.ms", "2");
    assert_prop(c, "batch.num.messages", "300");
    assert_prop(c, "message.timeout.ms", "5000");
    assert_prop(c, "fetch.wait.max.ms", "500"); /* a consumer key in -X: not for a producer */
    rd_kafka_conf_destroy(c);
    cw_conf_destroy(conf);
}

/* A refused kafka.* value: NULL, the key and its origin named, the conf
 * destroyed once. */
static void test_bad_value(void **state)
{
    (void)state;
    cw_conf_t *conf = conf_with((const char *const[]){"kafka.linger.ms", "soon", NULL});
    char err[512] = "";
    cw_kafka_spec_t spec = {.defaults = (const char *const[]){"client.id", "x", NULL},
                            .conf = conf};
    destroyed = 0;
    assert_null(cw_kafka_conf_new(RD_KAFKA_PRODUCER, &spec, err, sizeof(err)));
    assert_int_equal(destroyed, 1);
    assert_non_null(strstr(err, "test.conf:1: kafka.linger.ms: "));
    cw_conf_destroy(conf);

    const char *const bad_x[] = {"linger.ms", NULL};
    spec = (cw_kafka_spec_t){.props = bad_x};
    destroyed = 0;
    assert_null(cw_kafka_conf_new(RD_KAFKA_PRODUCER, &spec, err, sizeof(err)));
    assert_int_equal(destroyed, 1);
    assert_string_equal(err, "-X linger.ms: expected key=value");
}

/* rd_kafka_new refuses a conf whose every property was accepted (settings
 * that conflict): cw_kafka_client_new destroys it, names the role. */
static void test_new_fails(void **state)
{
    (void)state;
    char err[512] = "";
    cw_kafka_spec_t spec = {.defaults = (const char *const[]){"enable.idempotence", "true",
                                                              "acks", "1", NULL}};
    rd_kafka_conf_t *c = cw_kafka_conf_new(RD_KAFKA_PRODUCER, &spec, err, sizeof(err));
    assert_non_null(c);
    destroyed = 0;
    assert_null(cw_kafka_client_new(RD_KAFKA_PRODUCER, c, "the producer", err, sizeof(err)));
    assert_int_equal(destroyed, 1);
    assert_non_null(strstr(err, "the producer: "));
    assert_non_null(strstr(err, "acks"));

    spec = (cw_kafka_spec_t){.defaults = (const char *const[]){"fetch.max.bytes", "1000",
                                                               "message.max.bytes", "100000",
                                                               NULL}};
    c = cw_kafka_conf_new(RD_KAFKA_CONSUMER, &spec, err, sizeof(err));
    assert_non_null(c);
    destroyed = 0;
    assert_null(cw_kafka_client_new(RD_KAFKA_CONSUMER, c, "kafka client", err, sizeof(err)));
    assert_int_equal(destroyed, 1);
    assert_non_null(strstr(err, "kafka client: "));
}

/* On success the client owns the conf: not destroyed here. */
static void test_new_ok(void **state)
{
    (void)state;
    char err[512];
    cw_kafka_spec_t spec = {.defaults = (const char *const[]){"client.id", "t", NULL}};
    rd_kafka_conf_t *c = cw_kafka_conf_new(RD_KAFKA_PRODUCER, &spec, err, sizeof(err));
    assert_non_null(c);
    destroyed = 0;
    rd_kafka_t *rk = cw_kafka_client_new(RD_KAFKA_PRODUCER, c, "producer", err, sizeof(err));
    assert_non_null(rk);
    assert_int_equal(destroyed, 0);
    assert_non_null(rd_kafka_conf(rk));
    rd_kafka_destroy(rk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope),    cmocka_unit_test(test_routing),
        cmocka_unit_test(test_order),    cmocka_unit_test(test_bad_value),
        cmocka_unit_test(test_new_fails), cmocka_unit_test(test_new_ok),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
