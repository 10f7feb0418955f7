/* casewatch-feed internals: the view (view.c: open alerts and caseload in
 * memory, their JSON), the reader (reader.c: both topics from the start),
 * the HTTP server (http.c: API, SSE, metrics, the embedded dashboard).
 *
 * Threads: the main thread runs the reader and is the only writer of the
 * view; libmicrohttpd runs one thread per connection, which read the view
 * under its read lock. SSE clients have their own queues and lock. */
#ifndef CW_FEED_INTERNAL_H
#define CW_FEED_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/conf.h"
#include "base/jsonw.h"
#include "base/strmap.h"
#include "base/time.h"
#include "engine/snapshot_view.h"
#include "model/alert.h"

extern const cw_conf_prop_t cw_feed_props[];
extern const size_t cw_feed_n_props;

/* ---- users (users.c) ---- */

#define FEED_USER_NAME_MAX     64
#define FEED_TOKEN_MIN_LEN     16
#define FEED_TOKEN_MIN_DISTINCT 8

typedef enum { FEED_ROLE_ADMIN, FEED_ROLE_INSPECTOR, FEED_ROLE_SUPERVISOR } feed_role_t;

typedef struct {
    char municipality[CW_KOMMUN_LEN + 1];
    char unit[CW_NAME_MAX + 1]; /* "" for an inspector's whole municipality */
} feed_scope_t;

typedef struct {
    char name[FEED_USER_NAME_MAX + 1];
    feed_role_t role;
    unsigned char hash[32]; /* SHA-256 of the bearer token */
    feed_scope_t *scope;    /* owned */
    size_t n_scope;
} feed_user_t;

typedef struct {
    feed_user_t *users; /* owned */
    size_t n;
} feed_users_t;

const char *feed_role_name(feed_role_t r);
void feed_token_hash(const char *token, unsigned char out[32]);
/* At least FEED_TOKEN_MIN_LEN printable characters without spaces,
 * FEED_TOKEN_MIN_DISTINCT of them different. */
bool feed_token_strong(const char *token);
/* Reads feed.users_file (format: users.c). false with errstr (path:line:
 * what) on any bad line, a repeated name or token, or no users. */
bool feed_users_load(const char *path, feed_users_t *out, char *errstr, size_t errstr_size);
/* feed.token: an administrator of that name. */
void feed_users_add_admin(feed_users_t *users, const char *name, const char *token);
void feed_users_free(feed_users_t *users);
/* The user with this token (compared as hashes, in constant time), or
 * NULL. Borrowed from users. */
const feed_user_t *feed_users_find(const feed_users_t *users, const char *token);
/* Whether u may see a case of this municipality and unit (u NULL: no
 * authentication configured, everything); feed_user_acts: and act on it
 * (not an inspector). */
bool feed_user_sees(const feed_user_t *u, const char *municipality, const char *unit);
bool feed_user_acts(const feed_user_t *u, const char *municipality, const char *unit);

/* ---- the view ---- */

#define FEED_RULE_MAX 128

typedef struct feed_case_s feed_case_t;

/* One open alert (warning, breach, violation) as read from the topic. */
typedef struct feed_alert_s {
    struct feed_alert_s *next; /* in its case */
    feed_case_t *c;
    char id[CW_ALERT_ID_SIZE * 2];
    cw_alert_kind_t kind;
    cw_severity_t severity;
    char rule[FEED_RULE_MAX + 1];
    char subject[CW_SUBJECT_MAX + 1];
    char municipality[CW_KOMMUN_LEN + 1];
    char unit[CW_NAME_MAX + 1];
    char caseworker[CW_NAME_MAX + 1];
    cw_date_t due;
    cw_instant_t at;
    int64_t ts;   /* Kafka timestamp (ms): orders it against the case's snapshots */
    uint64_t seq; /* arrival order */
    char *json;   /* the alert, re-serialised compact, without days_overdue (computed
                   * live on output: see view_write_alert) */
} feed_alert_t;

struct feed_case_s {
    const char *id; /* owned by the case map */
    bool have_snap; /* snap holds the latest snapshot */
    bool ended;     /* closed or transferred (closed flag or tombstone) */
    int64_t snap_ts, ended_ts;
    cw_snapshot_summary_t snap;
    feed_alert_t *alerts;
    uint64_t *seen; /* hashes of the alert ids applied (duplicates are dropped) */
    size_t n_seen, cap_seen;
};

enum {
    BAD_TOO_LARGE,
    BAD_EMPTY,
    BAD_ENCODING, /* not JSON (e.g. Avro alerts) */
    BAD_JSON,
    BAD_FIELD, /* a required field missing or invalid */
    BAD_SNAPSHOT,
    BAD_KEY, /* changelog key missing or not the snapshot's case */
    BAD__COUNT
};
extern const char *const feed_bad_names[BAD__COUNT];
/* Which reasons can occur on which topic ([topic][reason]): the only
 * pairs /metrics exports. */
extern const bool feed_bad_possible[3][BAD__COUNT];
extern const char *const feed_topic_names[3];

/* Limits of a supervisor's actions on an alert. */
#define FEED_NOTE_MAX_CHARS 280 /* a note, in characters */
#define FEED_NOTES_MAX      20  /* notes kept per alert (the oldest go) */

typedef struct {
    atomic_uint_fast64_t alerts_consumed, alerts_duplicate, alerts_stale;
    atomic_uint_fast64_t alerts_by_kind[CW_ALERT__COUNT];
    atomic_uint_fast64_t snapshots, tombstones;
    atomic_uint_fast64_t bad[3][BAD__COUNT]; /* [0] alert topic, [1] changelog, [2] actions */
    atomic_uint_fast64_t actions;
    atomic_uint_fast64_t sse_sent, sse_dropped;
} feed_counters_t;

/* Called under the view's write lock for every alert applied once the view
 * is ready: the SSE event's data ({"open":bool,"alert":{...}}). */
typedef void(feed_publish_cb_t)(const char *data, size_t len, uint64_t seq,
                                const char *municipality, const char *unit, void *opaque);

typedef struct {
    pthread_rwlock_t lock;
    cw_strmap_t cases;
    size_t n_open_cases; /* with a snapshot, not ended */
    uint64_t seq;
    atomic_bool ready;
    feed_counters_t n;
    feed_publish_cb_t *publish;
    void *publish_opaque;
    /* Today's local date for lateness in published events (the feed's
     * clock: feed.clock_file or the wall clock); NULL: the wall clock. */
    cw_date_t (*today)(void *opaque);
    void *today_opaque;
    cw_jsonw_t scratch; /* SSE event building (writer only) */
    cw_strmap_t actions; /* alert id -> char * (its actions record, compact JSON) */
} feed_view_t;

void view_init(feed_view_t *v);
void view_free(feed_view_t *v);

/* Writer side (the reader thread); each takes the write lock. ts: the
 * record's Kafka timestamp in ms. */
void view_on_alert(feed_view_t *v, const void *value, size_t len, int64_t ts, int partition,
                   int64_t offset);
void view_on_changelog(feed_view_t *v, const void *key, size_t key_len, const void *value,
                       size_t len, int64_t ts, int partition, int64_t offset);
/* A record of the actions topic (key: the alert id; value: the alert's
 * whole action state, see actions.c; NULL: forget it). */
void view_on_action(feed_view_t *v, const void *key, size_t key_len, const void *value,
                    size_t len, int partition, int64_t offset);
/* For acting on alert id: whether it is open and shown, with its case's
 * place and a copy of its current action record (NULL: none yet; the
 * caller frees). */
bool view_action_base(feed_view_t *v, const char *id, char case_id[CW_ID_MAX + 1],
                      char municipality[CW_KOMMUN_LEN + 1], char unit[CW_NAME_MAX + 1],
                      char **current);
/* Drops the open alerts of cases the changelog never mentioned, older
 * than before_ts (their case ended and its tombstone was compacted away). */
size_t view_drop_orphans(feed_view_t *v, int64_t before_ts);
/* Forgets ended cases (kept so that their older alerts, read late, are not
 * shown) whose end is older than before_ts. */
size_t view_forget_ended(feed_view_t *v, int64_t before_ts);

typedef struct {
    const char *municipality, *unit, *caseworker, *rule, *severity, *kind, *case_id;
    const char *sort; /* severity (default), due, at, municipality, unit, rule, overdue */
    size_t limit;
    cw_date_t today;          /* days_overdue is counted to this date */
    const feed_user_t *user;  /* only what this user sees; NULL: all */
    bool unacknowledged;      /* only alerts nobody has acknowledged */
} feed_filter_t;

/* Whole days an open breach or violation is past its due date on today
 * (0 for warnings and before the due date): live, unlike the alert's own
 * days_overdue, which is frozen at the moment the alert fired. */
int view_days_overdue(const feed_alert_t *a, cw_date_t today);
/* Appends the alert's JSON with days_overdue as of today,
 * municipality_name (when the code is known) and its actions (when any)
 * added. Under the view's lock. */
void view_write_alert(feed_view_t *v, cw_jsonw_t *w, const feed_alert_t *a, cw_date_t today);

/* Readers (HTTP threads); each takes the read lock. */
void view_alerts_json(feed_view_t *v, const feed_filter_t *f, cw_jsonw_t *out);
void view_caseload_json(feed_view_t *v, cw_date_t today, int soon_days, const feed_user_t *user,
                        cw_jsonw_t *out);
typedef enum { VIEW_CASE_OK, VIEW_CASE_NOT_FOUND, VIEW_CASE_FORBIDDEN } view_case_t;
/* VIEW_CASE_FORBIDDEN: the case is another unit's than user's (out holds
 * nothing then). */
view_case_t view_case_json(feed_view_t *v, const char *id, cw_date_t today,
                           const feed_user_t *user, cw_jsonw_t *out);
/* The municipality and unit of an alert's case: its snapshot's, else the
 * alert's own (borrowed; valid under the view's lock). */
void view_alert_place(const feed_alert_t *a, const char **municipality, const char **unit);
/* Gauges: open (visible) alerts, open cases. */
void view_gauges(feed_view_t *v, uint64_t *open_alerts, uint64_t *open_cases);

/* ---- TLS ---- */

typedef struct {
    char *cert, *key;     /* PEM text (owned); both NULL: plain HTTP */
    const char *password; /* of an encrypted key (borrowed from the conf); NULL: none */
} feed_tls_t;

/* Reads and checks feed.tls_cert, feed.tls_key and feed.tls_key_password:
 * both files or neither, each parsed, the key the certificate's. false
 * with errstr ("origin: key …") on a configuration error. */
bool tls_load(const cw_conf_t *conf, feed_tls_t *tls, char *errstr, size_t errstr_size);
/* Frees (and wipes the key). */
void tls_free(feed_tls_t *tls);

/* ---- HTTP ---- */

typedef struct feed_http_s feed_http_t;
typedef struct feed_actions_s feed_actions_t;

/* The start-up checks of the HTTP settings: feed.token strong enough; a
 * listener beyond loopback only with a token and TLS (https). false with
 * errstr on a configuration error. */
bool http_check_conf(const cw_conf_t *conf, bool https, bool users, char *errstr,
                     size_t errstr_size);
/* tls (borrowed, must outlive the server): TLS when tls->cert is set.
 * users (borrowed, must outlive the server): n == 0: no authentication. */
feed_http_t *http_start(const cw_conf_t *conf, const feed_tls_t *tls, const feed_users_t *users,
                        feed_view_t *view, char *errstr, size_t errstr_size);
void http_stop(feed_http_t *h);
/* The actions producer (borrowed; NULL: read-only), and the flag the
 * reader sets once it knows whether the actions topic exists. */
void http_set_actions(feed_http_t *h, feed_actions_t *actions);
atomic_bool *http_actions_on(feed_http_t *h);
/* The SSE publisher for view->publish (opaque: the server). */
void http_publish(const char *data, size_t len, uint64_t seq, const char *municipality,
                  const char *unit, void *opaque);

/* ---- the actions producer (actions.c) ---- */

feed_actions_t *actions_start(const cw_conf_t *conf, char *errstr, size_t errstr_size);
/* One action at a time: lock, read the view's state, produce, unlock. */
void actions_lock(feed_actions_t *a);
void actions_unlock(feed_actions_t *a);
/* Produces key -> value to feed.actions_topic and waits for it to be
 * written (up to ~6 s); false with errstr if it was not. */
bool actions_produce(feed_actions_t *a, const char *key, const char *value, char *errstr,
                     size_t errstr_size);
void actions_stop(feed_actions_t *a);

/* ---- the reader ---- */

/* Reads the topics from the beginning until *stop; 0 on a clean stop.
 * The actions topic is optional: without it the feed serves read-only
 * (*actions_on stays false). */
int reader_run(const cw_conf_t *conf, feed_view_t *view, volatile sig_atomic_t *stop,
               atomic_bool *actions_on);

/* The wall clock (ms), or the instant in feed.clock_file (tests). */
cw_instant_t feed_now(const cw_conf_t *conf);

#endif
