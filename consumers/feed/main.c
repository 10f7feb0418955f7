/* casewatch-feed [--config FILE] [--print-config]
 * casewatch-feed --hash-token < TOKEN   (prints the sha256: line of feed.users_file)
 *
 * What a supervisor opens: reads the alert topic and the case-state
 * changelog from the beginning, keeps open alerts and the caseload in
 * memory, and serves them over HTTP (dashboard, JSON API, SSE, metrics).
 *
 * Configuration: FILE (key = value), then CASEWATCH_* environment
 * variables; kafka.* keys go to librdkafka verbatim. SIGTERM/SIGINT stop
 * it (stream clients are ended, the server closes). */
#include <getopt.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "internal.h"

static const char *const levels[] = {"error", "warn", "info", "debug", NULL};

const cw_conf_prop_t cw_feed_props[] = {
    {"feed.listen", CW_CONF_STRING, "127.0.0.1:8080", 0, 0, NULL, 0,
     "HOST:PORT to serve HTTP on (loopback by default; port 0 picks a free one, logged)"},
    {"feed.token", CW_CONF_STRING, NULL, 0, 0, NULL, CW_CONF_SECRET,
     "bearer token of an administrator named 'token' (with or without feed.users_file; "
     "neither: no authentication)"},
    {"feed.users_file", CW_CONF_STRING, NULL, 0, 0, NULL, 0,
     "users, one a line: NAME | administrator/inspector/supervisor | SCOPE | sha256:HEX "
     "(see the README; casewatch-feed --hash-token prints the hash)"},
    {"feed.tls_cert", CW_CONF_STRING, NULL, 0, 0, NULL, 0,
     "PEM certificate (chain) file: serve HTTPS (with feed.tls_key; unset: plain HTTP)"},
    {"feed.tls_key", CW_CONF_STRING, NULL, 0, 0, NULL, 0,
     "PEM private key file of feed.tls_cert (keep it mode 600)"},
    {"feed.tls_key_password", CW_CONF_STRING, NULL, 0, 0, NULL, CW_CONF_SECRET,
     "password of an encrypted feed.tls_key"},
    {"feed.alert_topic", CW_CONF_STRING, "case-alerts", 0, 0, NULL, 0,
     "the processor's alert topic (JSON alerts)"},
    {"feed.changelog_topic", CW_CONF_STRING, "casewatch-state", 0, 0, NULL, 0,
     "the processor's compacted case-state changelog"},
    {"feed.actions_topic", CW_CONF_STRING, "case-alert-actions", 0, 0, NULL, 0,
     "compacted topic of supervisors' actions on alerts (acknowledge, assign, note), keyed by "
     "alert id; missing: the feed is read-only"},
    {"feed.group_id", CW_CONF_STRING, "casewatch-feed", 0, 0, NULL, 0,
     "group.id librdkafka requires; the feed assigns partitions itself, never joins or commits"},
    {"feed.due_soon_days", CW_CONF_INT, "7", 0, 366, NULL, 0,
     "caseload: obligations due within this many days count as due soon"},
    {"feed.sse_keepalive", CW_CONF_DURATION, "15s", 100, 3600000, NULL, 0,
     "a comment line on idle alert streams this often"},
    {"feed.sse_queue", CW_CONF_INT, "256", 1, 100000, NULL, 0,
     "events queued per stream client; a client that falls further behind is dropped"},
    {"feed.sse_max_clients", CW_CONF_INT, "32", 1, 10000, NULL, 0, "concurrent stream clients"},
    {"feed.max_connections", CW_CONF_INT, "64", 2, 10000, NULL, 0,
     "concurrent HTTP connections (one thread each)"},
    {"feed.idle_timeout", CW_CONF_DURATION, "60s", 1000, 3600000, NULL, 0,
     "an HTTP connection idle (or not reading) this long is closed"},
    {"feed.header_timeout", CW_CONF_DURATION, "10s", 200, 600000, NULL, 0,
     "a connection must complete its request headers this long after it opens (or after its "
     "last response), however slowly bytes trickle in; else it is closed"},
    {"feed.max_connections_per_address", CW_CONF_INT, "16", 1, 10000, NULL, 0,
     "concurrent HTTP connections from one client address"},
    {"feed.allowed_hosts", CW_CONF_STRING, NULL, 0, 0, NULL, 0,
     "comma-separated host names the Host header may carry (any port); unset: localhost, "
     "127.0.0.1, [::1] and the feed.listen address. Others get 421 (DNS rebinding)"},
    {"feed.clock_file", CW_CONF_STRING, NULL, 0, 0, NULL, 0,
     "tests: read today's date as an RFC 3339 time from this file"},
    {"time.zone", CW_CONF_STRING, "Europe/Stockholm", 0, 0, NULL, 0, "the legal time zone"},
    {"log.level", CW_CONF_ENUM, "info", 0, 0, levels, 0, "log level"},
    {"log.hash_key", CW_CONF_STRING, NULL, 0, 0, NULL, CW_CONF_SECRET,
     "key for the hashes that stand for case ids in logs (random per run if unset)"},
};
const size_t cw_feed_n_props = sizeof(cw_feed_props) / sizeof(cw_feed_props[0]);

static volatile sig_atomic_t stop;

/* The view's clock for lateness in published events: the feed's own. */
static cw_date_t feed_today(void *conf)
{
    return cw_time_local_date(feed_now(conf));
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Reads a token from stdin, checks its strength, prints its hash. */
static int hash_token(void)
{
    char buf[1100];
    size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
    buf[n] = '\0';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n > 1024 || !feed_token_strong(buf)) {
        fprintf(stderr, "casewatch-feed: the token is too weak: at least %d printable characters "
                        "(no spaces), %d of them different (openssl rand -base64 32 makes one)\n",
                FEED_TOKEN_MIN_LEN, FEED_TOKEN_MIN_DISTINCT);
        return 2;
    }
    unsigned char h[32];
    feed_token_hash(buf, h);
    OPENSSL_cleanse(buf, sizeof(buf));
    printf("sha256:");
    for (int i = 0; i < 32; i++)
        printf("%02x", h[i]);
    printf("\n");
    return 0;
}

static cw_conf_t *load_conf(int argc, char **argv, int *print)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"print-config", no_argument, NULL, 'p'},
                                         {"hash-token", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'c')
            path = optarg;
        else if (c == 'p')
            *print = 1;
        else if (c == 'h')
            *print = 2;
        else
            return NULL;
    }
    if (optind < argc) {
        fprintf(stderr, "casewatch-feed: unexpected argument\n");
        return NULL;
    }
    char err[512];
    cw_conf_t *conf = cw_conf_new(cw_feed_props, cw_feed_n_props);
    if ((path && cw_conf_load_file(conf, path, err, sizeof(err)) != CW_OK) ||
        cw_conf_load_env(conf, "CASEWATCH_", err, sizeof(err)) != CW_OK ||
        cw_conf_check(conf, err, sizeof(err)) != CW_OK) {
        fprintf(stderr, "casewatch-feed: %s\n", err);
        cw_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

int main(int argc, char **argv)
{
    int print = 0, rc = 1;
    cw_conf_t *conf = load_conf(argc, argv, &print);
    if (!conf)
        return 2;
    if (print == 2) {
        cw_conf_destroy(conf);
        return hash_token();
    }
    if (print) {
        cw_conf_dump(conf, stdout);
        cw_conf_destroy(conf);
        return 0;
    }
    cw_log_level_t level = CW_LOG_INFO;
    cw_log_level_parse(cw_conf_get_str(conf, "log.level"), &level);
    cw_log_init("feed", level);
    const char *key = cw_conf_get_str(conf, "log.hash_key");
    if (key)
        cw_log_set_hash_key(key, strlen(key));
    char err[512];
    if (cw_time_init(cw_conf_get_str(conf, "time.zone"), err, sizeof(err)) != CW_OK) {
        cw_log(CW_LOG_ERROR, "start-up: %s", err);
        cw_conf_destroy(conf);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    feed_tls_t tls;
    if (!tls_load(conf, &tls, err, sizeof(err))) {
        fprintf(stderr, "casewatch-feed: %s\n", err); /* as the other configuration errors */
        cw_conf_destroy(conf);
        return 2;
    }
    feed_users_t users = {0};
    const char *users_file = cw_conf_get_str(conf, "feed.users_file");
    const char *token = cw_conf_get_str(conf, "feed.token");
    if ((users_file && users_file[0] && !feed_users_load(users_file, &users, err, sizeof(err))) ||
        !http_check_conf(conf, tls.cert != NULL, (users_file && users_file[0]) || (token && token[0]),
                         err, sizeof(err))) {
        fprintf(stderr, "casewatch-feed: %s\n", err);
        tls_free(&tls);
        cw_conf_destroy(conf);
        return 2;
    }
    if (token && token[0])
        feed_users_add_admin(&users, "token", token);
    feed_view_t view;
    view_init(&view);
    feed_http_t *http = http_start(conf, &tls, &users, &view, err, sizeof(err));
    if (!http) {
        cw_log(CW_LOG_ERROR, "start-up: %s", err);
    } else {
        pthread_rwlock_wrlock(&view.lock);
        view.publish = http_publish;
        view.publish_opaque = http;
        view.today = feed_today;
        view.today_opaque = conf;
        pthread_rwlock_unlock(&view.lock);
        char aerr[512];
        feed_actions_t *actions = actions_start(conf, aerr, sizeof(aerr));
        if (!actions)
            cw_log(CW_LOG_WARN, "actions are off: %s", aerr);
        http_set_actions(http, actions);
        rc = reader_run(conf, &view, &stop, http_actions_on(http));
        pthread_rwlock_wrlock(&view.lock);
        view.publish = NULL;
        pthread_rwlock_unlock(&view.lock);
        http_stop(http);
        actions_stop(actions);
        cw_log(CW_LOG_INFO, "stopped");
    }
    view_free(&view);
    feed_users_free(&users);
    tls_free(&tls);
    cw_conf_destroy(conf);
    return rc;
}
