/* The feed's HTTP server (libmicrohttpd, one thread per connection).
 *
 *   GET /                 the dashboard (HTML, CSS, JS embedded in the binary)
 *   GET /api/alerts       open alerts; filters: municipality, unit, caseworker,
 *                         rule, severity, kind, case; sort; limit
 *   GET /api/caseload     open cases and obligations per municipality, unit, caseworker
 *   GET /api/cases/{id}   one case: its obligations and open alerts
 *   GET /api/stream       Server-Sent Events: each alert as it comes
 *   GET /metrics          Prometheus text format
 *   GET /healthz, /readyz liveness; caught up with both topics
 *
 * With feed.token set, /api/ and /metrics need "Authorization: Bearer
 * TOKEN"; the dashboard's files, /healthz and /readyz carry no data and
 * stay open (the dashboard asks for the token and sends it itself).
 *
 * SSE: the connection's thread waits in the content callback for its
 * queue (thread per connection allows blocking there); a comment line
 * keeps the connection alive every feed.sse_keepalive. The reader pushes
 * into each client's bounded queue without waiting: a client whose queue
 * is full is dropped (it reconnects and reloads /api/alerts). */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "internal.h"

extern const char cw_feed_index_html[], cw_feed_app_js[], cw_feed_app_css[];
extern const size_t cw_feed_index_html_len, cw_feed_app_js_len, cw_feed_app_css_len;
extern const char cw_feed_openapi_yaml[];
extern const size_t cw_feed_openapi_yaml_len;

static const int codes[] = {200, 400, 401, 403, 404, 405, 413, 415, 421, 429, 500, 503};
#define N_CODES ((int)(sizeof(codes) / sizeof(codes[0])))

/* Failed logins are remembered per client address (the oldest entry
 * makes room): each one delays the answer by FAIL_DELAY_MS doubled per
 * failure (at most FAIL_DELAY_MAX_MS), and after FAIL_LOCK failures within
 * FAIL_WINDOW_MS the address gets 429 without its credentials being
 * looked at, until the window has passed. */
#define FAIL_ADDRS        256
#define FAIL_WINDOW_MS    (5 * 60 * 1000)
#define FAIL_LOCK         10
#define FAIL_DELAY_MS     100
#define FAIL_DELAY_MAX_MS 2000

struct failure_s {
    char addr[INET6_ADDRSTRLEN];
    int n;
    int64_t first_ms;
};

/* One open connection, for the header timeout: deadline is when its
 * request's headers must be complete (0: a request is being served). */
typedef struct conn_s {
    struct conn_s *next;
    int fd;
    int64_t deadline;
    bool cut;
} conn_t;

typedef struct sse_client_s {
    struct sse_client_s *next;
    feed_http_t *h;
    pthread_cond_t cond;
    char **q; /* ring of SSE messages */
    size_t head, n;
    bool dropped;
    const feed_user_t *user; /* sees only its units' events; NULL: all */
    char *cur; /* the message being written */
    size_t cur_len, cur_off;
} sse_client_t;

struct feed_http_s {
    struct MHD_Daemon *d;
    const cw_conf_t *conf;
    feed_view_t *view;
    const feed_users_t *users; /* n == 0: no authentication */
    int64_t keepalive_ms;
    size_t queue_max, clients_max;
    int soon_days;
    pthread_mutex_t mu; /* clients, stopping */
    sse_client_t *clients;
    size_t n_clients;
    bool stopping;
    atomic_uint_fast64_t requests[N_CODES + 1]; /* last: any other code */
    /* guards (see "guards" below) */
    int64_t header_timeout_ms;
    char **hosts; /* Host header names served (lower case, no port) */
    size_t n_hosts;
    pthread_mutex_t conn_mu; /* conns, failures, watchdog_stop */
    pthread_cond_t conn_cond;
    struct conn_s *conns;
    bool watchdog_stop;
    pthread_t watchdog;
    struct failure_s failures[FAIL_ADDRS];
    atomic_uint_fast64_t header_timeouts, login_failures;
    feed_actions_t *actions; /* NULL: none */
    atomic_bool actions_on;  /* the actions topic exists (the reader found it) */
};

/* ---- responses ---- */

static __thread unsigned last_code; /* for the access log: one thread per connection */

static void count(feed_http_t *h, unsigned code)
{
    last_code = code;
    int i = 0;
    while (i < N_CODES && codes[i] != (int)code)
        i++;
    atomic_fetch_add(&h->requests[i], 1);
}

static enum MHD_Result send_response(feed_http_t *h, struct MHD_Connection *conn, unsigned code,
                                     struct MHD_Response *r, const char *type)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    if (strncmp(type, "text/html", 9) != 0 && strncmp(type, "text/css", 8) != 0 &&
        strncmp(type, "text/javascript", 15) != 0)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    count(h, code);
    return ret;
}

static enum MHD_Result send_static(feed_http_t *h, struct MHD_Connection *conn, unsigned code,
                                   const char *body, size_t len, const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    return send_response(h, conn, code, r, type);
}

static enum MHD_Result send_text(feed_http_t *h, struct MHD_Connection *conn, unsigned code,
                                 const char *text)
{
    return send_static(h, conn, code, text, strlen(text), "text/plain; charset=utf-8");
}

/* Sends w's buffer (handed over to MHD). */
static enum MHD_Result send_buffer(feed_http_t *h, struct MHD_Connection *conn, unsigned code,
                                   cw_jsonw_t *w, const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(w->len, w->p ? w->p : (char *)"", MHD_RESPMEM_MUST_COPY);
    cw_jsonw_free(w);
    if (!r)
        return MHD_NO;
    return send_response(h, conn, code, r, type);
}

#define JSON "application/json; charset=utf-8"

/* {"error": message}, with one extra header if name is not NULL. */
static enum MHD_Result send_error_with(feed_http_t *h, struct MHD_Connection *conn, unsigned code,
                                       const char *message, const char *name, const char *value)
{
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    cw_jsonw_begin_object(&w);
    cw_jsonw_kv_string(&w, "error", message);
    cw_jsonw_end_object(&w);
    struct MHD_Response *r = MHD_create_response_from_buffer(w.len, w.p, MHD_RESPMEM_MUST_COPY);
    cw_jsonw_free(&w);
    if (!r)
        return MHD_NO;
    if (name)
        MHD_add_response_header(r, name, value);
    return send_response(h, conn, code, r, JSON);
}

static enum MHD_Result send_error(feed_http_t *h, struct MHD_Connection *conn, unsigned code,
                                  const char *message)
{
    return send_error_with(h, conn, code, message, NULL, NULL);
}

/* ---- SSE ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void http_publish(const char *data, size_t len, uint64_t seq, const char *municipality,
                  const char *unit, void *opaque)
{
    feed_http_t *h = opaque;
    char head[64];
    int hl =
        snprintf(head, sizeof(head), "id: %llu\nevent: alert\ndata: ", (unsigned long long)seq);
    pthread_mutex_lock(&h->mu);
    for (sse_client_t *c = h->clients; c; c = c->next) {
        if (c->dropped || !feed_user_sees(c->user, municipality, unit))
            continue;
        if (c->n == h->queue_max) {
            c->dropped = true; /* slow: it reconnects and reloads */
            atomic_fetch_add(&h->view->n.sse_dropped, 1);
            cw_log(CW_LOG_INFO, "an SSE client fell %zu events behind: dropped", h->queue_max);
        } else {
            char *m = cw_malloc((size_t)hl + len + 3);
            memcpy(m, head, (size_t)hl);
            memcpy(m + hl, data, len);
            memcpy(m + hl + len, "\n\n", 3);
            c->q[(c->head + c->n) % h->queue_max] = m;
            c->n++;
        }
        pthread_cond_signal(&c->cond);
    }
    pthread_mutex_unlock(&h->mu);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    sse_client_t *c = cls;
    feed_http_t *h = c->h;
    (void)pos;
    pthread_mutex_lock(&h->mu);
    int64_t deadline = mono_ms() + h->keepalive_ms;
    for (;;) {
        if (c->cur) {
            size_t n = c->cur_len - c->cur_off < max ? c->cur_len - c->cur_off : max;
            memcpy(buf, c->cur + c->cur_off, n);
            c->cur_off += n;
            if (c->cur_off == c->cur_len) {
                free(c->cur);
                c->cur = NULL;
            }
            pthread_mutex_unlock(&h->mu);
            return (ssize_t)n;
        }
        if (h->stopping || c->dropped) {
            pthread_mutex_unlock(&h->mu);
            return c->dropped ? MHD_CONTENT_READER_END_WITH_ERROR
                              : MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (c->n > 0) {
            c->cur = c->q[c->head];
            c->head = (c->head + 1) % h->queue_max;
            c->n--;
            c->cur_len = strlen(c->cur);
            c->cur_off = 0;
            atomic_fetch_add(&h->view->n.sse_sent, 1);
            continue;
        }
        int64_t now = mono_ms();
        if (now >= deadline) {
            c->cur = cw_strdup(": keep-alive\n\n");
            c->cur_len = strlen(c->cur);
            c->cur_off = 0;
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t wait = deadline - now;
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (wait % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&c->cond, &h->mu, &ts);
    }
}

static void sse_free(void *cls)
{
    sse_client_t *c = cls;
    feed_http_t *h = c->h;
    pthread_mutex_lock(&h->mu);
    for (sse_client_t **pp = &h->clients; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    h->n_clients--;
    pthread_mutex_unlock(&h->mu);
    for (size_t i = 0; i < c->n; i++)
        free(c->q[(c->head + i) % h->queue_max]);
    free(c->q);
    free(c->cur);
    pthread_cond_destroy(&c->cond);
    free(c);
}

static enum MHD_Result serve_stream(feed_http_t *h, struct MHD_Connection *conn,
                                    const feed_user_t *user)
{
    pthread_mutex_lock(&h->mu);
    if (h->stopping || h->n_clients >= h->clients_max) {
        pthread_mutex_unlock(&h->mu);
        return send_error(h, conn, 503, "too many stream clients");
    }
    sse_client_t *c = cw_calloc(1, sizeof(*c));
    c->h = h;
    c->user = user;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &ca);
    pthread_condattr_destroy(&ca);
    c->q = cw_calloc(h->queue_max, sizeof(char *));
    /* something at once, so the client sees the stream open */
    c->cur = cw_strdup("retry: 3000\n: casewatch-feed alert stream\n\n");
    c->cur_len = strlen(c->cur);
    c->next = h->clients;
    h->clients = c;
    h->n_clients++;
    pthread_mutex_unlock(&h->mu);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, c, sse_free);
    if (!r) {
        sse_free(c);
        return MHD_NO;
    }
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    return send_response(h, conn, 200, r, "text/event-stream; charset=utf-8");
}

/* ---- guards ----
 *
 * Slow clients: libmicrohttpd's idle timeout restarts with every byte, so
 * a client trickling a header line every few seconds would hold its
 * connection (and thread) for ever; enough of them fill
 * feed.max_connections and lock everyone out. Each connection therefore
 * has feed.header_timeout from its opening (and from the end of each
 * response, for the next request on it) to complete its request's
 * headers; a watchdog thread shuts down the socket of one that has not.
 * feed.max_connections_per_address keeps one address from taking every
 * slot. The Host header must name this server (DNS rebinding), and failed
 * logins are logged, slowed and, repeated, refused. */

static void client_addr(struct MHD_Connection *conn, char out[INET6_ADDRSTRLEN])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, INET6_ADDRSTRLEN, "?");
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  INET6_ADDRSTRLEN);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  INET6_ADDRSTRLEN);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    feed_http_t *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn_t *c = cw_calloc(1, sizeof(*c));
        c->fd = ci ? ci->connect_fd : -1;
        pthread_mutex_lock(&h->conn_mu);
        c->deadline = mono_ms() + h->header_timeout_ms;
        c->next = h->conns;
        h->conns = c;
        pthread_mutex_unlock(&h->conn_mu);
        *socket_context = c;
        return;
    }
    conn_t *c = *socket_context; /* closed: called before libmicrohttpd closes the socket */
    if (!c)
        return;
    pthread_mutex_lock(&h->conn_mu);
    for (conn_t **pp = &h->conns; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    pthread_mutex_unlock(&h->conn_mu);
    free(c);
    *socket_context = NULL;
}

static conn_t *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* A request's headers are complete (its handler runs): no deadline. */
static void conn_serving(feed_http_t *h, struct MHD_Connection *conn)
{
    conn_t *c = conn_of(conn);
    if (!c)
        return;
    pthread_mutex_lock(&h->conn_mu);
    c->deadline = 0;
    pthread_mutex_unlock(&h->conn_mu);
}

/* A response is done: the next request on the connection has its own
 * header timeout. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    feed_http_t *h = cls;
    (void)toe;
    if (con_cls && *con_cls) { /* an action's body */
        free(*con_cls);
        *con_cls = NULL;
    }
    conn_t *c = conn_of(conn);
    if (!c)
        return;
    pthread_mutex_lock(&h->conn_mu);
    c->deadline = mono_ms() + h->header_timeout_ms;
    pthread_mutex_unlock(&h->conn_mu);
}

static void *watchdog_main(void *arg)
{
    feed_http_t *h = arg;
    pthread_mutex_lock(&h->conn_mu);
    while (!h->watchdog_stop) {
        int64_t now = mono_ms();
        size_t cut = 0;
        for (conn_t *c = h->conns; c; c = c->next)
            if (c->deadline && now >= c->deadline && !c->cut && c->fd >= 0) {
                /* the connection's thread sees end of file and closes it */
                shutdown(c->fd, SHUT_RDWR);
                c->cut = true;
                cut++;
            }
        if (cut) {
            atomic_fetch_add(&h->header_timeouts, cut);
            cw_log(CW_LOG_INFO,
                   "%zu connection(s) sent no complete request headers within %lld ms: closed",
                   cut, (long long)h->header_timeout_ms);
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&h->conn_cond, &h->conn_mu, &ts);
    }
    pthread_mutex_unlock(&h->conn_mu);
    return NULL;
}

/* The Host header names this server: one of feed.allowed_hosts (or, by
 * default, the loopback names and the listen address), any port. No Host
 * (HTTP/1.0) passes: browsers, the rebinding attackers' tool, always send
 * it. */
static bool host_ok(const feed_http_t *h, struct MHD_Connection *conn)
{
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!host)
        return true;
    size_t n;
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        if (!end)
            return false;
        n = (size_t)(end - host) + 1;
    } else {
        n = strcspn(host, ":");
    }
    if (host[n] && (host[n] != ':' || strspn(host + n + 1, "0123456789") != strlen(host + n + 1)))
        return false;
    for (size_t i = 0; i < h->n_hosts; i++)
        if (strlen(h->hosts[i]) == n && strncasecmp(h->hosts[i], host, n) == 0)
            return true;
    return false;
}

static void add_host(feed_http_t *h, const char *name, size_t len)
{
    while (len && (*name == ' ' || *name == '\t')) {
        name++;
        len--;
    }
    while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
        len--;
    if (!len)
        return;
    h->hosts = cw_reallocarray(h->hosts, h->n_hosts + 1, sizeof(*h->hosts));
    h->hosts[h->n_hosts++] = cw_strndup(name, len);
}

static void set_hosts(feed_http_t *h, const cw_conf_t *conf, const struct sockaddr_storage *ss)
{
    const char *list = cw_conf_get_str(conf, "feed.allowed_hosts");
    if (list && list[0]) {
        for (const char *p = list; *p;) {
            size_t n = strcspn(p, ",");
            add_host(h, p, n);
            p += n + (p[n] == ',');
        }
        return;
    }
    static const char *const loopback[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < 3; i++)
        add_host(h, loopback[i], strlen(loopback[i]));
    char addr[INET6_ADDRSTRLEN + 2] = "";
    if (ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, addr, sizeof(addr));
    else if (inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, addr + 1,
                       sizeof(addr) - 2)) {
        addr[0] = '[';
        strcat(addr, "]");
    }
    add_host(h, addr, strlen(addr));
}

/* ---- failed logins ---- */

static struct failure_s *failure_slot(feed_http_t *h, const char *addr, int64_t now, bool create)
{
    struct failure_s *oldest = &h->failures[0];
    for (size_t i = 0; i < FAIL_ADDRS; i++) {
        struct failure_s *f = &h->failures[i];
        if (f->addr[0] && now - f->first_ms >= FAIL_WINDOW_MS)
            f->addr[0] = '\0'; /* the window has passed */
        if (f->addr[0] && strcmp(f->addr, addr) == 0)
            return f;
        if (!f->addr[0] || (oldest->addr[0] && f->first_ms < oldest->first_ms))
            oldest = f;
    }
    if (!create)
        return NULL;
    snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
    oldest->n = 0;
    oldest->first_ms = now;
    return oldest;
}

/* Seconds until addr may try again, 0 if it may now. */
static int64_t login_locked(feed_http_t *h, const char *addr)
{
    int64_t now = mono_ms(), wait = 0;
    pthread_mutex_lock(&h->conn_mu);
    struct failure_s *f = failure_slot(h, addr, now, false);
    if (f && f->n >= FAIL_LOCK)
        wait = (f->first_ms + FAIL_WINDOW_MS - now + 999) / 1000;
    pthread_mutex_unlock(&h->conn_mu);
    return wait;
}

/* Records a failed login (logged with the address, never what was sent)
 * and waits the delay it earns. */
static void login_failed(feed_http_t *h, const char *addr)
{
    int64_t now = mono_ms();
    pthread_mutex_lock(&h->conn_mu);
    struct failure_s *f = failure_slot(h, addr, now, true);
    int n = ++f->n;
    pthread_mutex_unlock(&h->conn_mu);
    atomic_fetch_add(&h->login_failures, 1);
    cw_log(CW_LOG_INFO, "failed login from %s (%d in the last %d min%s)", addr, n,
           FAIL_WINDOW_MS / 60000, n >= FAIL_LOCK ? "; refused until the window has passed" : "");
    int64_t delay = FAIL_DELAY_MS;
    for (int i = 1; i < n && delay < FAIL_DELAY_MAX_MS; i++)
        delay *= 2;
    if (delay > FAIL_DELAY_MAX_MS)
        delay = FAIL_DELAY_MAX_MS;
    struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- API ---- */

static const char *arg(struct MHD_Connection *conn, const char *name)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
    return v && v[0] ? v : NULL;
}

static cw_date_t today(const feed_http_t *h)
{
    return cw_time_local_date(feed_now(h->conf));
}

static enum MHD_Result serve_alerts(feed_http_t *h, struct MHD_Connection *conn,
                                    const feed_user_t *user)
{
    /* the enumerated parameters have no empty value ("" is not "not given") */
    static const char *const enums[] = {"severity", "kind", "sort", "limit", "unacknowledged"};
    for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
        const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, enums[i]);
        if (v && !v[0]) {
            char msg[64];
            snprintf(msg, sizeof(msg), "%s: empty", enums[i]);
            return send_error(h, conn, 400, msg);
        }
    }
    feed_filter_t f = {
        .municipality = arg(conn, "municipality"),
        .unit = arg(conn, "unit"),
        .caseworker = arg(conn, "caseworker"),
        .rule = arg(conn, "rule"),
        .severity = arg(conn, "severity"),
        .kind = arg(conn, "kind"),
        .case_id = arg(conn, "case"),
        .sort = arg(conn, "sort"),
        .limit = 1000,
        .today = today(h),
        .user = user,
    };
    const char *unack = arg(conn, "unacknowledged");
    if (unack && strcmp(unack, "true") != 0 && strcmp(unack, "false") != 0)
        return send_error(h, conn, 400, "unacknowledged: true or false");
    f.unacknowledged = unack && strcmp(unack, "true") == 0;
    const char *limit = arg(conn, "limit");
    if (limit) {
        char *end;
        errno = 0;
        long n = strtol(limit, &end, 10);
        if (errno || *end || n < 1 || n > 100000)
            return send_error(h, conn, 400, "limit: a number from 1 to 100000");
        f.limit = (size_t)n;
    }
    if (f.severity && cw_severity_lookup(f.severity) < 0)
        return send_error(h, conn, 400, "severity: critical, high, medium or low");
    if (f.kind && cw_alert_kind_lookup(f.kind) < 0)
        return send_error(h, conn, 400, "kind: warning, breach or violation");
    static const char *const sorts[] = {"severity", "due",  "at",     "municipality",
                                        "unit",     "rule", "overdue"};
    bool sort_ok = !f.sort;
    for (int i = 0; !sort_ok && i < 7; i++)
        sort_ok = strcmp(f.sort, sorts[i]) == 0;
    if (!sort_ok)
        return send_error(h, conn, 400,
                          "sort: severity, due, at, municipality, unit, rule or overdue");
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    view_alerts_json(h->view, &f, &w);
    return send_buffer(h, conn, 200, &w, JSON);
}

static enum MHD_Result serve_caseload(feed_http_t *h, struct MHD_Connection *conn,
                                      const feed_user_t *user)
{
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    view_caseload_json(h->view, today(h), h->soon_days, user, &w);
    return send_buffer(h, conn, 200, &w, JSON);
}

static enum MHD_Result serve_case(feed_http_t *h, struct MHD_Connection *conn, const char *id,
                                  const feed_user_t *user)
{
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    view_case_t r = !id[0] || strlen(id) > CW_ID_MAX
                        ? VIEW_CASE_NOT_FOUND
                        : view_case_json(h->view, id, today(h), user, &w);
    if (r != VIEW_CASE_OK) {
        cw_jsonw_free(&w);
        return r == VIEW_CASE_FORBIDDEN ? send_error(h, conn, 403, "another unit's case")
                                        : send_error(h, conn, 404, "no such case");
    }
    return send_buffer(h, conn, 200, &w, JSON);
}

/* Who is asking: {"user", "role", "scope": [{"municipality", "unit"}]}
 * ({"user": null} without authentication), so the page can say it. */
static enum MHD_Result serve_me(feed_http_t *h, struct MHD_Connection *conn,
                                const feed_user_t *user)
{
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    cw_jsonw_begin_object(&w);
    if (!user) {
        cw_jsonw_key(&w, "user");
        cw_jsonw_append(&w, "null", 4);
        w.need_comma = 1;
        cw_jsonw_kv_string(&w, "role", "administrator");
    } else {
        cw_jsonw_kv_string(&w, "user", user->name);
        cw_jsonw_kv_string(&w, "role", feed_role_name(user->role));
    }
    cw_jsonw_key(&w, "scope");
    cw_jsonw_begin_array(&w);
    for (size_t i = 0; user && i < user->n_scope; i++) {
        cw_jsonw_begin_object(&w);
        cw_jsonw_kv_string(&w, "municipality", user->scope[i].municipality);
        if (user->scope[i].unit[0])
            cw_jsonw_kv_string(&w, "unit", user->scope[i].unit);
        cw_jsonw_end_object(&w);
    }
    cw_jsonw_end_array(&w);
    cw_jsonw_end_object(&w);
    return send_buffer(h, conn, 200, &w, JSON);
}

static void printw(cw_jsonw_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printw(cw_jsonw_t *w, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        cw_jsonw_append(w, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void metric(cw_jsonw_t *w, const char *name, const char *type, const char *help)
{
    printw(w, "# HELP casewatch_feed_%s %s\n# TYPE casewatch_feed_%s %s\n", name, help, name, type);
}

#define U(x) ((unsigned long long)atomic_load(&(x)))

static enum MHD_Result serve_metrics(feed_http_t *h, struct MHD_Connection *conn)
{
    feed_view_t *v = h->view;
    uint64_t open_alerts, open_cases;
    view_gauges(v, &open_alerts, &open_cases);
    pthread_mutex_lock(&h->mu);
    size_t clients = h->n_clients;
    pthread_mutex_unlock(&h->mu);
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    metric(&w, "alerts_consumed_total", "counter", "Valid alerts read from the alert topic.");
    for (int k = 0; k < CW_ALERT__COUNT; k++)
        printw(&w, "casewatch_feed_alerts_consumed_total{kind=\"%s\"} %llu\n",
               cw_alert_kind_name(k), U(v->n.alerts_by_kind[k]));
    metric(&w, "alerts_duplicate_total", "counter",
           "Alerts dropped as exact duplicates (an id already applied to the case).");
    printw(&w, "casewatch_feed_alerts_duplicate_total %llu\n", U(v->n.alerts_duplicate));
    metric(&w, "alerts_stale_total", "counter",
           "Alerts dropped as older than what is known (from before their case ended).");
    printw(&w, "casewatch_feed_alerts_stale_total %llu\n", U(v->n.alerts_stale));
    metric(&w, "changelog_records_total", "counter", "Changelog records read.");
    printw(&w, "casewatch_feed_changelog_records_total{type=\"snapshot\"} %llu\n",
           U(v->n.snapshots));
    printw(&w, "casewatch_feed_changelog_records_total{type=\"tombstone\"} %llu\n",
           U(v->n.tombstones));
    metric(&w, "bad_records_total", "counter", "Records that could not be read, by reason.");
    for (int t = 0; t < 3; t++)
        for (int r = 0; r < BAD__COUNT; r++)
            if (feed_bad_possible[t][r])
                printw(&w,
                       "casewatch_feed_bad_records_total{topic=\"%s\",reason=\"%s\"} %llu\n",
                       feed_topic_names[t], feed_bad_names[r], U(v->n.bad[t][r]));
    metric(&w, "actions_total", "counter",
           "Action records applied (read from the actions topic or made here).");
    printw(&w, "casewatch_feed_actions_total %llu\n", U(v->n.actions));
    metric(&w, "open_alerts", "gauge", "Alerts open now (warnings, breaches, violations).");
    printw(&w, "casewatch_feed_open_alerts %llu\n", (unsigned long long)open_alerts);
    metric(&w, "open_cases", "gauge", "Open cases known from the changelog.");
    printw(&w, "casewatch_feed_open_cases %llu\n", (unsigned long long)open_cases);
    metric(&w, "sse_clients", "gauge", "Connected alert stream clients.");
    printw(&w, "casewatch_feed_sse_clients %zu\n", clients);
    metric(&w, "sse_events_total", "counter", "Events handed to stream clients.");
    printw(&w, "casewatch_feed_sse_events_total %llu\n", U(v->n.sse_sent));
    metric(&w, "sse_clients_dropped_total", "counter",
           "Stream clients dropped for falling behind.");
    printw(&w, "casewatch_feed_sse_clients_dropped_total %llu\n", U(v->n.sse_dropped));
    metric(&w, "http_requests_total", "counter",
           "HTTP requests answered by the feed, by status (protocol errors that "
           "libmicrohttpd answers itself are not counted).");
    for (int i = 0; i <= N_CODES; i++) {
        if (i < N_CODES)
            printw(&w, "casewatch_feed_http_requests_total{code=\"%d\"} %llu\n", codes[i],
                   U(h->requests[i]));
        else
            printw(&w, "casewatch_feed_http_requests_total{code=\"other\"} %llu\n",
                   U(h->requests[i]));
    }
    metric(&w, "http_header_timeouts_total", "counter",
           "Connections closed for not completing their request headers within "
           "feed.header_timeout.");
    printw(&w, "casewatch_feed_http_header_timeouts_total %llu\n", U(h->header_timeouts));
    metric(&w, "login_failures_total", "counter", "Requests with wrong credentials.");
    printw(&w, "casewatch_feed_login_failures_total %llu\n", U(h->login_failures));
    metric(&w, "ready", "gauge", "1 once both topics were read up to their end at start.");
    printw(&w, "casewatch_feed_ready %d\n", atomic_load(&v->ready) ? 1 : 0);
    return send_buffer(h, conn, 200, &w, "text/plain; version=0.0.4; charset=utf-8");
}

/* ---- actions: POST /api/alerts/{id}/actions ---- */

#define ACTION_BODY_MAX 4096

typedef struct {
    char buf[ACTION_BODY_MAX + 1];
    size_t len;
    bool too_large;
} body_t;

/* Whether url is an actions URL ("/api/alerts/ID/actions"); id: the alert
 * id, "" when longer than any alert id (no such alert: 404). */
static bool action_url(const char *url, char id[64 + 1])
{
    static const char prefix[] = "/api/alerts/", suffix[] = "/actions";
    size_t n = strlen(url), pl = sizeof(prefix) - 1, sl = sizeof(suffix) - 1;
    if (n <= pl + sl || strncmp(url, prefix, pl) != 0 || strcmp(url + n - sl, suffix) != 0)
        return false;
    size_t idl = n - pl - sl;
    if (memchr(url + pl, '/', idl))
        return false;
    if (idl > 64)
        idl = 0;
    memcpy(id, url + pl, idl);
    id[idl] = '\0';
    return true;
}

/* A pseudonym, not a name: letters, digits, '.', '_', '-'. */
static bool pseudonym(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= CW_NAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static bool note_ok(const char *s)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return false; /* one line: no control characters */
        chars += (*p & 0xC0) != 0x80;
    }
    return chars > 0 && chars <= FEED_NOTE_MAX_CHARS;
}

static json_t *stamp(const char *by)
{
    char at[CW_TIME_STR_SIZE];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cw_time_format((cw_instant_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, at);
    json_t *o = json_object();
    json_object_set_new(o, "by", json_string(by));
    json_object_set_new(o, "at", json_string(at));
    return o;
}

static enum MHD_Result serve_action(feed_http_t *h, struct MHD_Connection *conn, const char *id,
                                    const body_t *body, const feed_user_t *user)
{
    if (!h->actions || !atomic_load(&h->actions_on))
        return send_error(h, conn, 503, "actions are off: the actions topic does not exist");
    if (user && user->role == FEED_ROLE_INSPECTOR)
        return send_error(h, conn, 403, "inspectors read, they do not act");
    const char *type =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!type || strncasecmp(type, "application/json", 16) != 0)
        return send_error(h, conn, 415, "Content-Type: application/json expected");
    if (!body || body->too_large)
        return send_error(h, conn, 413, "an action is at most 4 KiB");
    json_error_t jerr;
    json_t *req = json_loadb(body->buf, body->len, JSON_REJECT_DUPLICATES, &jerr);
    const char *action = json_string_value(json_object_get(req, "action"));
    const char *to = json_string_value(json_object_get(req, "to"));
    const char *text = json_string_value(json_object_get(req, "text"));
    const char *err = NULL;
    if (!json_is_object(req) || !action)
        err = "{\"action\": \"acknowledge\" | \"assign\" | \"note\", ...} expected";
    else if (strcmp(action, "acknowledge") == 0)
        err = json_object_size(req) == 1 ? NULL : "acknowledge takes nothing else";
    else if (strcmp(action, "assign") == 0)
        err = to && pseudonym(to) && json_object_size(req) == 2
                  ? NULL
                  : "assign: \"to\" is a caseworker's pseudonym (letters, digits, . _ -)";
    else if (strcmp(action, "note") == 0)
        err = text && note_ok(text) && json_object_size(req) == 2
                  ? NULL
                  : "note: \"text\" is one line of 1 to 280 characters";
    else
        err = "action: acknowledge, assign or note";
    if (err) {
        json_decref(req);
        return send_error(h, conn, 400, err);
    }
    /* the request's strings die with req: the action's name for the log */
    static const char *const names[] = {"acknowledge", "assign", "note"};
    const char *what = names[strcmp(action, "acknowledge") == 0 ? 0
                             : strcmp(action, "assign") == 0    ? 1
                                                                : 2];
    const char *by = user ? user->name : "local";
    char case_id[CW_ID_MAX + 1], muni[CW_KOMMUN_LEN + 1], unit[CW_NAME_MAX + 1];
    char *current = NULL;
    actions_lock(h->actions);
    if (!id[0] || !view_action_base(h->view, id, case_id, muni, unit, &current)) {
        actions_unlock(h->actions);
        json_decref(req);
        return send_error(h, conn, 404, "no such open alert");
    }
    if (!feed_user_acts(user, muni, unit)) {
        actions_unlock(h->actions);
        free(current);
        json_decref(req);
        return send_error(h, conn, 403, "another unit's alert");
    }
    json_t *st = current ? json_loads(current, 0, &jerr) : NULL;
    free(current);
    if (!json_is_object(st)) {
        json_decref(st);
        st = json_object();
        json_object_set_new(st, "v", json_integer(1));
        json_object_set_new(st, "alert", json_string(id));
        json_object_set_new(st, "case", json_string(case_id));
        json_object_set_new(st, "municipality", json_string(muni));
        if (unit[0])
            json_object_set_new(st, "unit", json_string(unit));
    }
    if (strcmp(action, "acknowledge") == 0) {
        if (!json_object_get(st, "acknowledged"))
            json_object_set_new(st, "acknowledged", stamp(by));
    } else if (strcmp(action, "assign") == 0) {
        json_t *s = stamp(by);
        json_object_set_new(s, "to", json_string(to));
        json_object_set_new(st, "assigned", s);
    } else {
        json_t *notes = json_object_get(st, "notes");
        if (!json_is_array(notes)) {
            notes = json_array();
            json_object_set_new(st, "notes", notes);
        }
        json_t *s = stamp(by);
        json_object_set_new(s, "text", json_string(text));
        json_array_append_new(notes, s);
        while (json_array_size(notes) > FEED_NOTES_MAX)
            json_array_remove(notes, 0);
    }
    json_decref(req);
    char *value = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    char perr[256];
    bool ok = value && actions_produce(h->actions, id, value, perr, sizeof(perr));
    if (ok) /* shown at once; reading it back from the topic changes nothing */
        view_on_action(h->view, id, strlen(id), value, strlen(value), -1, -1);
    actions_unlock(h->actions);
    if (!ok) {
        free(value);
        cw_log(CW_LOG_WARN, "an action could not be written to the actions topic: %s", perr);
        return send_error(h, conn, 503, "the action could not be written; try again");
    }
    cw_log(CW_LOG_INFO, "%s (role %s): written to the actions topic", what,
           user ? feed_role_name(user->role) : "none, no authentication");
    cw_jsonw_t w;
    cw_jsonw_init(&w);
    cw_jsonw_begin_object(&w);
    cw_jsonw_kv_string(&w, "alert", id);
    cw_jsonw_key(&w, "actions");
    cw_jsonw_append(&w, value, strlen(value));
    w.need_comma = 1;
    cw_jsonw_end_object(&w);
    free(value);
    return send_buffer(h, conn, 200, &w, JSON);
}

/* ---- routing ---- */

typedef enum { AUTH_OK, AUTH_NONE, AUTH_BAD } auth_t;

/* AUTH_NONE: no credentials sent (the dashboard's first call: not a
 * failed login); AUTH_BAD: wrong ones. *user: who (NULL with no
 * authentication configured). */
static auth_t authorized(const feed_http_t *h, struct MHD_Connection *conn,
                         const feed_user_t **user)
{
    *user = NULL;
    if (!h->users->n)
        return AUTH_OK;
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (!auth)
        return AUTH_NONE;
    if (strncasecmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) > 1024)
        return AUTH_BAD;
    *user = feed_users_find(h->users, auth + 7);
    return *user ? AUTH_OK : AUTH_BAD;
}

static enum MHD_Result dispatch(feed_http_t *h, struct MHD_Connection *conn, const char *url,
                                const char *method, const body_t *body)
{
    char action_id[64 + 1];
    bool is_action = action_url(url, action_id);
    if (is_action && strcmp(method, "POST") != 0)
        return send_error_with(h, conn, 405, "method not allowed", MHD_HTTP_HEADER_ALLOW, "POST");
    if (!is_action && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_error_with(h, conn, 405, "method not allowed", MHD_HTTP_HEADER_ALLOW,
                               "GET, HEAD");
    if (strcmp(url, "/healthz") == 0)
        return send_text(h, conn, 200, "ok\n");
    if (strcmp(url, "/readyz") == 0)
        return atomic_load(&h->view->ready) ? send_text(h, conn, 200, "ready\n")
                                            : send_text(h, conn, 503, "catching up\n");
    if (!host_ok(h, conn))
        return send_error(h, conn, 421, "misdirected request: the Host header names another server");
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
        return send_static(h, conn, 200, cw_feed_index_html, cw_feed_index_html_len,
                           "text/html; charset=utf-8");
    if (strcmp(url, "/app.js") == 0)
        return send_static(h, conn, 200, cw_feed_app_js, cw_feed_app_js_len,
                           "text/javascript; charset=utf-8");
    if (strcmp(url, "/app.css") == 0)
        return send_static(h, conn, 200, cw_feed_app_css, cw_feed_app_css_len,
                           "text/css; charset=utf-8");
    if (strcmp(url, "/openapi.yaml") == 0)
        return send_static(h, conn, 200, cw_feed_openapi_yaml, cw_feed_openapi_yaml_len,
                           "application/yaml; charset=utf-8");
    bool api = strncmp(url, "/api/", 5) == 0 || strcmp(url, "/metrics") == 0;
    if (!api)
        return send_error(h, conn, 404, "not found");
    char addr[INET6_ADDRSTRLEN];
    client_addr(conn, addr);
    int64_t locked = h->users->n ? login_locked(h, addr) : 0;
    if (locked) {
        char retry[24];
        snprintf(retry, sizeof(retry), "%lld", (long long)locked);
        return send_error_with(h, conn, 429, "too many failed logins from this address",
                               MHD_HTTP_HEADER_RETRY_AFTER, retry);
    }
    const feed_user_t *user;
    auth_t auth = authorized(h, conn, &user);
    if (auth == AUTH_BAD)
        login_failed(h, addr);
    if (auth != AUTH_OK)
        return send_error_with(h, conn, 401, "unauthorized", MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                               "Bearer realm=\"casewatch\"");
    if (is_action)
        return serve_action(h, conn, action_id, body, user);
    if (strcmp(url, "/api/alerts") == 0)
        return serve_alerts(h, conn, user);
    if (strcmp(url, "/api/caseload") == 0)
        return serve_caseload(h, conn, user);
    if (strncmp(url, "/api/cases/", 11) == 0)
        return serve_case(h, conn, url + 11, user);
    if (strcmp(url, "/api/stream") == 0)
        return serve_stream(h, conn, user);
    if (strcmp(url, "/api/me") == 0)
        return serve_me(h, conn, user);
    if (strcmp(url, "/metrics") == 0)
        return user && user->role != FEED_ROLE_ADMIN
                   ? send_error(h, conn, 403, "metrics: administrators only")
                   : serve_metrics(h, conn);
    return send_error(h, conn, 404, "not found");
}

/* The route a URL took, for the access log: never the URL itself (case
 * ids are in paths, filter values in queries). */
static const char *route(const char *url)
{
    static const char *const fixed[] = {
        "/",       "/index.html", "/app.js",       "/app.css",    "/healthz",
        "/readyz", "/api/alerts", "/api/caseload", "/api/stream", "/metrics", "/api/me",
        "/openapi.yaml"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (strcmp(url, fixed[i]) == 0)
            return fixed[i];
    char id[64 + 1];
    if (action_url(url, id))
        return "/api/alerts/{id}/actions";
    return strncmp(url, "/api/cases/", 11) == 0 ? "/api/cases/{id}" : "(other)";
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_size, void **con_cls)
{
    feed_http_t *h = cls;
    (void)version;
    char id[64 + 1];
    body_t *body = *con_cls;
    if (strcmp(method, "POST") == 0 && action_url(url, id)) {
        if (!body) { /* headers only: collect the body first */
            conn_serving(h, conn);
            *con_cls = cw_calloc(1, sizeof(body_t));
            return MHD_YES;
        }
        if (*upload_size) {
            size_t n = *upload_size;
            if (body->len + n > ACTION_BODY_MAX)
                body->too_large = true;
            else {
                memcpy(body->buf + body->len, upload_data, n);
                body->len += n;
            }
            *upload_size = 0;
            return MHD_YES;
        }
    } else if (*upload_size) { /* a body after a refusal: dropped */
        *upload_size = 0;
    }
    last_code = 0;
    conn_serving(h, conn);
    enum MHD_Result r = dispatch(h, conn, url, method, body);
    if (CW_LOG_ENABLED(CW_LOG_DEBUG)) {
        static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};
        const char *m = "(other)";
        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
            if (strcmp(method, methods[i]) == 0)
                m = methods[i];
        cw_log(CW_LOG_DEBUG, "%s %s %u", m, route(url), last_code);
    }
    return r;
}

/* ---- start, stop ---- */

static bool parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
                         char *errstr, size_t errstr_size)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    size_t hl = colon ? (size_t)(colon - listen) : 0;
    if (!colon || hl == 0 || hl >= sizeof(host) || !colon[1]) {
        snprintf(errstr, errstr_size, "feed.listen: HOST:PORT expected");
        return false;
    }
    memcpy(host, listen, hl);
    host[hl] = '\0';
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') { /* [::1]:8080 */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICSERV | AI_PASSIVE,
                             .ai_socktype = SOCK_STREAM,
                             .ai_family = AF_UNSPEC},
                    *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(errstr, errstr_size, "feed.listen: %s", gai_strerror(rc));
        return false;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return true;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

bool http_check_conf(const cw_conf_t *conf, bool https, bool users, char *errstr,
                     size_t errstr_size)
{
    const char *token = cw_conf_get_str(conf, "feed.token");
    if (token && token[0] && !feed_token_strong(token)) {
        snprintf(errstr, errstr_size,
                 "%s: feed.token is too weak: at least %d printable characters (no spaces), "
                 "%d of them different (openssl rand -base64 32 makes one)",
                 cw_conf_origin(conf, "feed.token"), FEED_TOKEN_MIN_LEN,
                 FEED_TOKEN_MIN_DISTINCT);
        return false;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    const char *listen = cw_conf_get_str(conf, "feed.listen");
    if (!parse_listen(listen, &ss, &sl, errstr, errstr_size))
        return false;
    if (!is_loopback(&ss) && (!users || !https)) {
        snprintf(errstr, errstr_size,
                 "feed.listen %s is not a loopback address: serving beyond this machine needs "
                 "users (feed.users_file or feed.token) and TLS (feed.tls_cert, feed.tls_key); "
                 "refused",
                 listen);
        return false;
    }
    return true;
}

/* libmicrohttpd's own messages, kept only while the daemon starts (for
 * the start-up error); later ones (a client's failed TLS handshake, …)
 * are dropped, as before TLS: the feed logs requests itself. */
static pthread_mutex_t mhd_log_mu = PTHREAD_MUTEX_INITIALIZER;
static char *mhd_log_buf;
static size_t mhd_log_size;

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    pthread_mutex_lock(&mhd_log_mu);
    if (mhd_log_buf) {
        size_t used = strlen(mhd_log_buf);
        if (used + 3 < mhd_log_size) {
            if (used) {
                memcpy(mhd_log_buf + used, "; ", 2);
                used += 2;
            }
            vsnprintf(mhd_log_buf + used, mhd_log_size - used, fmt, ap);
            size_t n = strlen(mhd_log_buf);
            while (n && (mhd_log_buf[n - 1] == '\n' || mhd_log_buf[n - 1] == ' '))
                mhd_log_buf[--n] = '\0';
        }
    }
    pthread_mutex_unlock(&mhd_log_mu);
}

static void mhd_capture(char *buf, size_t size)
{
    pthread_mutex_lock(&mhd_log_mu);
    mhd_log_buf = buf;
    mhd_log_size = size;
    if (buf)
        buf[0] = '\0';
    pthread_mutex_unlock(&mhd_log_mu);
}

/* TLS 1.2 and 1.3 only (GnuTLS priority string). */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

static void free_http(feed_http_t *h)
{
    pthread_mutex_destroy(&h->mu);
    pthread_mutex_destroy(&h->conn_mu);
    pthread_cond_destroy(&h->conn_cond);
    for (size_t i = 0; i < h->n_hosts; i++)
        free(h->hosts[i]);
    free(h->hosts);
    free(h);
}

feed_http_t *http_start(const cw_conf_t *conf, const feed_tls_t *tls, const feed_users_t *users,
                        feed_view_t *view, char *errstr, size_t errstr_size)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (!parse_listen(cw_conf_get_str(conf, "feed.listen"), &ss, &sl, errstr, errstr_size))
        return NULL;
    feed_http_t *h = cw_calloc(1, sizeof(*h));
    h->conf = conf;
    h->view = view;
    h->users = users;
    h->keepalive_ms = cw_conf_get_int(conf, "feed.sse_keepalive");
    h->queue_max = (size_t)cw_conf_get_int(conf, "feed.sse_queue");
    h->clients_max = (size_t)cw_conf_get_int(conf, "feed.sse_max_clients");
    h->soon_days = (int)cw_conf_get_int(conf, "feed.due_soon_days");
    h->header_timeout_ms = cw_conf_get_int(conf, "feed.header_timeout");
    set_hosts(h, conf, &ss);
    pthread_mutex_init(&h->mu, NULL);
    pthread_mutex_init(&h->conn_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->conn_cond, &ca);
    pthread_condattr_destroy(&ca);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG |
                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    bool https = tls && tls->cert;
    /* the options of both; TLS's appended, then MHD_OPTION_END */
    struct MHD_OptionItem opts[16] = {
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cw_conf_get_int(conf, "feed.max_connections"),
         NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT,
         (intptr_t)(cw_conf_get_int(conf, "feed.idle_timeout") / 1000), NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 64, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT,
         (intptr_t)cw_conf_get_int(conf, "feed.max_connections_per_address"), NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, h},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h},
    };
    size_t n_opts = 8;
    if (https) {
        flags |= MHD_USE_TLS;
        opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, tls->cert};
        opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, tls->key};
        opts[n_opts++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES};
        if (tls->password)
            opts[n_opts++] =
                (struct MHD_OptionItem){MHD_OPTION_HTTPS_KEY_PASSWORD, 0, (void *)tls->password};
    }
    opts[n_opts] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    char mhd_msg[256];
    mhd_capture(mhd_msg, sizeof(mhd_msg));
    errno = 0;
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger,
                            NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    int start_errno = errno;
    mhd_capture(NULL, 0);
    if (!h->d) {
        snprintf(errstr, errstr_size, "feed.listen %s: cannot listen%s (%s%s%s)",
                 cw_conf_get_str(conf, "feed.listen"), https ? " with TLS" : "", mhd_msg,
                 mhd_msg[0] && start_errno ? "; " : "",
                 start_errno || !mhd_msg[0] ? strerror(start_errno) : "");
        free_http(h);
        return NULL;
    }
    if (pthread_create(&h->watchdog, NULL, watchdog_main, h) != 0) {
        snprintf(errstr, errstr_size, "cannot start the connection watchdog thread");
        MHD_stop_daemon(h->d);
        free_http(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    char addr[INET6_ADDRSTRLEN] = "?";
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof(addr));
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof(addr));
    cw_log(CW_LOG_INFO, "listening on %s://%s%s%s:%u/ (%s, %s)", https ? "https" : "http",
           ss.ss_family == AF_INET6 ? "[" : "", addr, ss.ss_family == AF_INET6 ? "]" : "",
           info ? (unsigned)info->port : 0, https ? "TLS 1.2/1.3" : "no TLS",
           users->n ? "bearer token required for /api and /metrics" : "no authentication");
    if (users->n) {
        size_t by_role[3] = {0};
        for (size_t i = 0; i < users->n; i++)
            by_role[users->users[i].role]++;
        cw_log(CW_LOG_INFO, "users: %zu administrator(s), %zu inspector(s), %zu supervisor(s)",
               by_role[FEED_ROLE_ADMIN], by_role[FEED_ROLE_INSPECTOR],
               by_role[FEED_ROLE_SUPERVISOR]);
    }
    cw_log(CW_LOG_INFO,
           "guards: request headers within %lld ms, %lld connections per address, "
           "%zu Host name(s) served",
           (long long)h->header_timeout_ms,
           (long long)cw_conf_get_int(conf, "feed.max_connections_per_address"), h->n_hosts);
    return h;
}

void http_set_actions(feed_http_t *h, feed_actions_t *actions)
{
    h->actions = actions;
}

atomic_bool *http_actions_on(feed_http_t *h)
{
    return &h->actions_on;
}

void http_stop(feed_http_t *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    for (sse_client_t *c = h->clients; c; c = c->next)
        pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&h->mu);
    pthread_mutex_lock(&h->conn_mu);
    h->watchdog_stop = true;
    pthread_cond_signal(&h->conn_cond);
    pthread_mutex_unlock(&h->conn_mu);
    pthread_join(h->watchdog, NULL);
    MHD_stop_daemon(h->d);
    free_http(h);
}
