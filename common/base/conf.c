#include "base/conf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/mem.h"

extern char **environ;

#define KAFKA_PREFIX     "kafka."
#define KAFKA_PREFIX_LEN (sizeof(KAFKA_PREFIX) - 1)

/* Error messages start with "origin: " when an origin is known. */
#define ORIGIN_FMT    "%s%s"
#define ORIGIN(o)     (o) ? (o) : "", (o) ? ": " : ""
#define EXPECTED_SIZE 256

typedef struct {
    char *value;     /* text as given; NULL = unset */
    char *origin;    /* NULL when set from the default or without origin */
    bool is_default; /* value comes from the table's default */
    int64_t num;     /* INT, DURATION: the number (ms); BOOL: 0/1; ENUM: index */
} slot_t;

typedef struct {
    char *key; /* without the "kafka." prefix */
    char *value;
    char *origin; /* may be NULL */
} kafka_entry_t;

struct cw_conf_s {
    const cw_conf_prop_t *props;
    size_t n_props;
    slot_t *slots;
    kafka_entry_t *kafka;
    size_t n_kafka;
};

/* ---- programming errors ---- */

static _Noreturn void bug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void bug(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("casewatch: conf: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* ---- value parsing, one parser and one description per type ---- */

/* Even index = true, odd index = false. */
static const char *const bool_names[] = {"true", "false", "yes", "no", "on", "off", "1", "0", NULL};

static const struct {
    const char *name;
    int64_t ms;
} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};

#define N_UNITS (sizeof(units) / sizeof(units[0]))

static bool has_limits(const cw_conf_prop_t *p)
{
    return p->min != 0 || p->max != 0;
}

static cw_err_t check_limits(const cw_conf_prop_t *p, int64_t v)
{
    return has_limits(p) && (v < p->min || v > p->max) ? CW_ERR_RANGE : CW_OK;
}

/* Parses an optionally '-'-signed decimal integer at *s and advances *s past
 * it. CW_ERR_INVALID without digits, CW_ERR_RANGE on int64 overflow. */
static cw_err_t scan_int(const char **s, int64_t *out)
{
    const char *p = *s;
    bool neg = *p == '-';
    p += neg;
    if (!isdigit((unsigned char)*p))
        return CW_ERR_INVALID;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10)
            return CW_ERR_RANGE;
        v = v * 10 + d;
    }
    *out = !neg ? (int64_t)v : v > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)v;
    *s = p;
    return CW_OK;
}

static int find_choice(const char *const *choices, const char *s)
{
    for (int i = 0; choices[i]; i++) {
        if (strcmp(choices[i], s) == 0)
            return i;
    }
    return -1;
}

static cw_err_t parse_string(const cw_conf_prop_t *p, const char *s, int64_t *out)
{
    *out = 0;
    return CW_OK;
}

static cw_err_t parse_int(const cw_conf_prop_t *p, const char *s, int64_t *out)
{
    cw_err_t err = scan_int(&s, out);
    if (err == CW_OK && *s != '\0')
        err = CW_ERR_INVALID;
    return err != CW_OK ? err : check_limits(p, *out);
}

static cw_err_t parse_bool(const cw_conf_prop_t *p, const char *s, int64_t *out)
{
    int i = find_choice(bool_names, s);
    *out = i % 2 == 0;
    return i < 0 ? CW_ERR_INVALID : CW_OK;
}

static cw_err_t parse_enum(const cw_conf_prop_t *p, const char *s, int64_t *out)
{
    *out = find_choice(p->choices, s);
    return *out < 0 ? CW_ERR_INVALID : CW_OK;
}

static cw_err_t parse_duration(const cw_conf_prop_t *p, const char *s, int64_t *out)
{
    int64_t n;
    if (*s == '-')
        return CW_ERR_INVALID;
    cw_err_t err = scan_int(&s, &n);
    if (err != CW_OK)
        return err;
    for (size_t i = 0; i < N_UNITS; i++) {
        if (strcmp(s, units[i].name) != 0)
            continue;
        if (n > INT64_MAX / units[i].ms)
            return CW_ERR_RANGE;
        *out = n * units[i].ms;
        return check_limits(p, *out);
    }
    return CW_ERR_INVALID;
}

static void format_int(int64_t v, bool duration, char *buf, size_t size)
{
    size_t i = 0;
    while (duration && v != 0 && i < N_UNITS - 1 && v % units[i].ms != 0)
        i++;
    if (duration)
        snprintf(buf, size, "%" PRId64 "%s", v / units[i].ms, v == 0 ? "ms" : units[i].name);
    else
        snprintf(buf, size, "%" PRId64, v);
}

/* Appends " between MIN and MAX", " of at least MIN" or " of at most MAX". */
static void describe_limits(const cw_conf_prop_t *p, bool duration, char *buf, size_t size)
{
    char lo[32], hi[32];
    format_int(p->min, duration, lo, sizeof(lo));
    format_int(p->max, duration, hi, sizeof(hi));
    size_t len = strlen(buf);
    if (!has_limits(p) || len >= size)
        return;
    if (p->max == INT64_MAX)
        snprintf(buf + len, size - len, " of at least %s", lo);
    else if (p->min == INT64_MIN)
        snprintf(buf + len, size - len, " of at most %s", hi);
    else
        snprintf(buf + len, size - len, " between %s and %s", lo, hi);
}

static void describe_choices(const char *const *choices, char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "one of:");
    for (size_t i = 0; choices[i] && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s %s", i ? "," : "", choices[i]);
}

static void describe_string(const cw_conf_prop_t *p, char *buf, size_t size)
{
    snprintf(buf, size, "a string");
}

static void describe_int(const cw_conf_prop_t *p, char *buf, size_t size)
{
    snprintf(buf, size, "an integer");
    describe_limits(p, false, buf, size);
}

static void describe_bool(const cw_conf_prop_t *p, char *buf, size_t size)
{
    describe_choices(bool_names, buf, size);
}

static void describe_enum(const cw_conf_prop_t *p, char *buf, size_t size)
{
    describe_choices(p->choices, buf, size);
}

static void describe_duration(const cw_conf_prop_t *p, char *buf, size_t size)
{
    snprintf(buf, size, "a duration (an integer followed by ms, s, m, h or d)");
    describe_limits(p, true, buf, size);
}

static const struct {
    const char *name;
    cw_err_t (*parse)(const cw_conf_prop_t *p, const char *s, int64_t *out);
    void (*describe)(const cw_conf_prop_t *p, char *buf, size_t size);
} types[] = {
    [CW_CONF_STRING] = {"string", parse_string, describe_string},
    [CW_CONF_INT] = {"int", parse_int, describe_int},
    [CW_CONF_BOOL] = {"bool", parse_bool, describe_bool},
    [CW_CONF_ENUM] = {"enum", parse_enum, describe_enum},
    [CW_CONF_DURATION] = {"duration", parse_duration, describe_duration},
};

#define N_TYPES (sizeof(types) / sizeof(types[0]))

/* ---- the table ---- */

/* ssl.key.pem holds a private key inline; ssl.key.location only a path.
 * sasl.oauthbearer.config carries client secrets (clientSecret=…). */
static const char *const kafka_secret_words[] = {"password", "secret", "key.pem",
                                                 "oauthbearer.config", NULL};
static const char *const kafka_masked_words[] = {"password", "secret", ".key",
                                                 "oauthbearer.config", "token", NULL};

static bool contains_any(const char *s, const char *const *words)
{
    for (size_t i = 0; words[i]; i++) {
        if (strcasestr(s, words[i]))
            return true;
    }
    return false;
}

/* True when a and b have the same environment form ('.' and '_' alike). */
static bool same_env_form(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = *a == '.' ? '_' : *a, cb = *b == '.' ? '_' : *b;
        if (ca != cb)
            return false;
    }
    return *a == *b;
}

/* True when the variable name (after the prefix, len bytes) reads name. */
static bool env_reads(const char *var, size_t len, const char *name)
{
    size_t i = 0;
    for (; i < len && name[i]; i++) {
        char c = name[i] == '.' ? '_' : (char)toupper((unsigned char)name[i]);
        if (var[i] != c)
            return false;
    }
    return i == len && name[i] == '\0';
}

static size_t find_prop(const cw_conf_t *conf, const char *name)
{
    for (size_t i = 0; i < conf->n_props; i++) {
        if (strcmp(conf->props[i].name, name) == 0)
            return i;
    }
    return conf->n_props;
}

static void check_prop(const cw_conf_prop_t *props, size_t i)
{
    const cw_conf_prop_t *p = &props[i];
    if (!p->name || !p->name[0] ||
        strspn(p->name, "abcdefghijklmnopqrstuvwxyz0123456789_.") != strlen(p->name))
        bug("property %zu: name must be non-empty lower case [a-z0-9_.]", i);
    if (strncmp(p->name, "kafka", 5) == 0 && (p->name[5] == '.' || p->name[5] == '_'))
        bug("property \"%s\": the kafka namespace is reserved for librdkafka", p->name);
    if ((unsigned)p->type >= N_TYPES)
        bug("property \"%s\": bad type %d", p->name, (int)p->type);
    if (p->type == CW_CONF_ENUM && (!p->choices || !p->choices[0]))
        bug("property \"%s\": an enum needs choices", p->name);
    if (has_limits(p) && p->min > p->max)
        bug("property \"%s\": min > max", p->name);
    for (size_t j = 0; j < i; j++) {
        if (same_env_form(p->name, props[j].name))
            bug("property \"%s\": same name or environment form as \"%s\"", p->name, props[j].name);
    }
}

cw_conf_t *cw_conf_new(const cw_conf_prop_t *props, size_t n_props)
{
    cw_conf_t *conf = cw_calloc(1, sizeof(*conf));
    conf->props = props;
    conf->n_props = n_props;
    conf->slots = cw_calloc(n_props, sizeof(*conf->slots));
    for (size_t i = 0; i < n_props; i++) {
        check_prop(props, i);
        if (!props[i].default_value)
            continue;
        char errstr[512];
        if (cw_conf_set(conf, props[i].name, props[i].default_value, NULL, errstr,
                        sizeof(errstr)) != CW_OK)
            bug("bad default: %s", errstr);
        conf->slots[i].is_default = true;
    }
    return conf;
}

void cw_conf_destroy(cw_conf_t *conf)
{
    if (!conf)
        return;
    for (size_t i = 0; i < conf->n_props; i++) {
        free(conf->slots[i].value);
        free(conf->slots[i].origin);
    }
    for (size_t i = 0; i < conf->n_kafka; i++) {
        free(conf->kafka[i].key);
        free(conf->kafka[i].value);
        free(conf->kafka[i].origin);
    }
    free(conf->slots);
    free(conf->kafka);
    free(conf);
}

/* ---- setting ---- */

static void replace(char **dst, const char *src)
{
    free(*dst);
    *dst = src ? cw_strdup(src) : NULL;
}

static cw_err_t set_kafka(cw_conf_t *conf, const char *key, const char *value, const char *origin,
                          char *errstr, size_t errstr_size)
{
    if (!*key)
        return cw_err_set(errstr, errstr_size, CW_ERR_INVALID,
                          ORIGIN_FMT "empty key after \"" KAFKA_PREFIX "\"", ORIGIN(origin));
    size_t i = 0;
    while (i < conf->n_kafka && strcmp(conf->kafka[i].key, key) != 0)
        i++;
    if (i == conf->n_kafka) {
        conf->kafka = cw_reallocarray(conf->kafka, conf->n_kafka + 1, sizeof(*conf->kafka));
        conf->kafka[i] = (kafka_entry_t){.key = cw_strdup(key)};
        conf->n_kafka++;
    }
    replace(&conf->kafka[i].value, value);
    replace(&conf->kafka[i].origin, origin);
    return CW_OK;
}

cw_err_t cw_conf_set(cw_conf_t *conf, const char *name, const char *value, const char *origin,
                     char *errstr, size_t errstr_size)
{
    if (!value)
        bug("cw_conf_set(\"%s\"): NULL value", name);
    if (strncmp(name, KAFKA_PREFIX, KAFKA_PREFIX_LEN) == 0)
        return set_kafka(conf, name + KAFKA_PREFIX_LEN, value, origin, errstr, errstr_size);
    size_t i = find_prop(conf, name);
    if (i == conf->n_props)
        return cw_err_set(errstr, errstr_size, CW_ERR_NOT_FOUND, ORIGIN_FMT "unknown key \"%s\"",
                          ORIGIN(origin), name);
    const cw_conf_prop_t *p = &conf->props[i];
    int64_t num;
    cw_err_t err = types[p->type].parse(p, value, &num);
    if (err != CW_OK) {
        char expected[EXPECTED_SIZE];
        types[p->type].describe(p, expected, sizeof(expected));
        if (p->flags & CW_CONF_SECRET)
            return cw_err_set(errstr, errstr_size, err,
                              ORIGIN_FMT "invalid value for %s: expected %s", ORIGIN(origin), name,
                              expected);
        return cw_err_set(errstr, errstr_size, err,
                          ORIGIN_FMT "invalid value \"%s\" for %s: expected %s", ORIGIN(origin),
                          value, name, expected);
    }
    slot_t *slot = &conf->slots[i];
    replace(&slot->value, value);
    replace(&slot->origin, origin);
    slot->num = num;
    slot->is_default = false;
    return CW_OK;
}

/* ---- the file ---- */

typedef struct {
    char **keys;
    unsigned *lines;
    size_t n;
} seen_t;

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static bool is_secret_key(const cw_conf_t *conf, const char *key)
{
    if (strncmp(key, KAFKA_PREFIX, KAFKA_PREFIX_LEN) == 0)
        return contains_any(key + KAFKA_PREFIX_LEN, kafka_secret_words);
    size_t i = find_prop(conf, key);
    return i < conf->n_props && (conf->props[i].flags & CW_CONF_SECRET);
}

/* Fails if key was already seen in this file, else remembers it. */
static cw_err_t see_key(seen_t *seen, const char *key, const char *path, unsigned line,
                        char *errstr, size_t errstr_size)
{
    for (size_t i = 0; i < seen->n; i++) {
        if (strcmp(seen->keys[i], key) == 0)
            return cw_err_set(errstr, errstr_size, CW_ERR_DUPLICATE,
                              "%s:%u: duplicate key \"%s\" (first set on line %u)", path, line, key,
                              seen->lines[i]);
    }
    seen->keys = cw_reallocarray(seen->keys, seen->n + 1, sizeof(*seen->keys));
    seen->lines = cw_reallocarray(seen->lines, seen->n + 1, sizeof(*seen->lines));
    seen->keys[seen->n] = cw_strdup(key);
    seen->lines[seen->n++] = line;
    return CW_OK;
}

typedef struct {
    cw_conf_t *conf;
    const char *path;
    mode_t exposed; /* file mode bits readable by group or others */
    seen_t seen;
} file_ctx_t;

static cw_err_t load_line(file_ctx_t *ctx, unsigned line, char *text, char *errstr,
                          size_t errstr_size)
{
    char *s = trim(text);
    if (*s == '\0' || *s == '#')
        return CW_OK;
    char *eq = strchr(s, '=');
    if (!eq)
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "%s:%u: expected \"key = value\"",
                          ctx->path, line);
    *eq = '\0';
    char *key = trim(s), *value = trim(eq + 1);
    if (!*key)
        return cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "%s:%u: empty key", ctx->path, line);
    cw_err_t err = see_key(&ctx->seen, key, ctx->path, line, errstr, errstr_size);
    if (err != CW_OK)
        return err;
    size_t size = strlen(ctx->path) + 16;
    char *origin = cw_malloc(size);
    snprintf(origin, size, "%s:%u", ctx->path, line);
    err = cw_conf_set(ctx->conf, key, value, origin, errstr, errstr_size);
    if (err == CW_OK && ctx->exposed && is_secret_key(ctx->conf, key))
        cw_log(CW_LOG_WARN,
               "%s: secret key \"%s\" is in a file readable by group or others (mode %04o); "
               "restrict it with chmod 600",
               origin, key, (unsigned)ctx->exposed);
    free(origin);
    return err;
}

cw_err_t cw_conf_load_file(cw_conf_t *conf, const char *path, char *errstr, size_t errstr_size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return cw_err_set(errstr, errstr_size, CW_ERR_IO, "%s: cannot open: %s", path,
                          strerror(errno));
    file_ctx_t ctx = {.conf = conf, .path = path};
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 044))
        ctx.exposed = st.st_mode & 0777;
    char *text = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned line = 0;
    cw_err_t err = CW_OK;
    while (err == CW_OK && (len = getline(&text, &cap, f)) != -1) {
        line++;
        if (strlen(text) != (size_t)len)
            err = cw_err_set(errstr, errstr_size, CW_ERR_PARSE, "%s:%u: NUL byte in line", path,
                             line);
        else
            err = load_line(&ctx, line, text, errstr, errstr_size);
    }
    if (err == CW_OK && ferror(f))
        err = cw_err_set(errstr, errstr_size, CW_ERR_IO, "%s: cannot read: %s", path,
                         strerror(errno));
    for (size_t i = 0; i < ctx.seen.n; i++)
        free(ctx.seen.keys[i]);
    free(ctx.seen.keys);
    free(ctx.seen.lines);
    free(text);
    fclose(f);
    return err;
}

/* ---- the environment ---- */

/* Sets one variable "PREFIX...=value" whose name starts with the prefix. */
static cw_err_t load_var(cw_conf_t *conf, const char *var, size_t prefix_len, const char *origin,
                         char *errstr, size_t errstr_size)
{
    const char *rest = var + prefix_len, *eq = strchr(rest, '=');
    size_t len = (size_t)(eq - rest);
    if (len >= 6 && strncmp(rest, "KAFKA_", 6) == 0) {
        char *name = cw_malloc(len - 5);
        size_t n = 0;
        for (const char *c = rest + 6; c < eq; c++)
            name[n++] = *c == '_' ? '.' : (char)tolower((unsigned char)*c);
        name[n] = '\0';
        cw_err_t err = set_kafka(conf, name, eq + 1, origin, errstr, errstr_size);
        free(name);
        return err;
    }
    for (size_t i = 0; i < conf->n_props; i++) {
        if (env_reads(rest, len, conf->props[i].name))
            return cw_conf_set(conf, conf->props[i].name, eq + 1, origin, errstr, errstr_size);
    }
    return cw_err_set(errstr, errstr_size, CW_ERR_NOT_FOUND,
                      "%s: unknown key (no property is read from this variable)", origin);
}

cw_err_t cw_conf_load_env(cw_conf_t *conf, const char *prefix, char *errstr, size_t errstr_size)
{
    size_t prefix_len = strlen(prefix);
    for (char **env = environ; env && *env; env++) {
        const char *eq = strchr(*env, '=');
        if (!eq || strncmp(*env, prefix, prefix_len) != 0 || eq - *env < (ptrdiff_t)prefix_len)
            continue;
        size_t size = sizeof("environment ") + (size_t)(eq - *env);
        char *origin = cw_malloc(size);
        snprintf(origin, size, "environment %.*s", (int)(eq - *env), *env);
        cw_err_t err = load_var(conf, *env, prefix_len, origin, errstr, errstr_size);
        free(origin);
        if (err != CW_OK)
            return err;
    }
    return CW_OK;
}

cw_err_t cw_conf_check(const cw_conf_t *conf, char *errstr, size_t errstr_size)
{
    for (size_t i = 0; i < conf->n_props; i++) {
        const char *v = conf->slots[i].value; /* an empty value is no value */
        if ((conf->props[i].flags & CW_CONF_REQUIRED) && (!v || !*v))
            return cw_err_set(errstr, errstr_size, CW_ERR_CONFIG, "required key \"%s\" is not set",
                              conf->props[i].name);
    }
    return CW_OK;
}

/* ---- getters ---- */

static const slot_t *get(const cw_conf_t *conf, const char *name, unsigned type_mask,
                         const char *caller)
{
    size_t i = find_prop(conf, name);
    if (i == conf->n_props)
        bug("%s(\"%s\"): no such property", caller, name);
    if (!(type_mask & (1u << conf->props[i].type)))
        bug("%s(\"%s\"): property is of type %s", caller, name, types[conf->props[i].type].name);
    return &conf->slots[i];
}

#define ANY_TYPE ((1u << N_TYPES) - 1)

const char *cw_conf_get_str(const cw_conf_t *conf, const char *name)
{
    return get(conf, name, 1u << CW_CONF_STRING | 1u << CW_CONF_ENUM, __func__)->value;
}

int64_t cw_conf_get_int(const cw_conf_t *conf, const char *name)
{
    return get(conf, name, 1u << CW_CONF_INT | 1u << CW_CONF_DURATION, __func__)->num;
}

bool cw_conf_get_bool(const cw_conf_t *conf, const char *name)
{
    return get(conf, name, 1u << CW_CONF_BOOL, __func__)->num != 0;
}

bool cw_conf_is_set(const cw_conf_t *conf, const char *name)
{
    return get(conf, name, ANY_TYPE, __func__)->value != NULL;
}

static const char *slot_origin(const slot_t *slot);

const char *cw_conf_origin(const cw_conf_t *conf, const char *name)
{
    const slot_t *slot = get(conf, name, ANY_TYPE, __func__);
    return slot->value ? slot_origin(slot) : NULL;
}

size_t cw_conf_kafka_count(const cw_conf_t *conf)
{
    return conf->n_kafka;
}

void cw_conf_kafka_at(const cw_conf_t *conf, size_t i, const char **key, const char **value,
                      const char **origin)
{
    if (i >= conf->n_kafka)
        bug("cw_conf_kafka_at(%zu): only %zu kafka keys", i, conf->n_kafka);
    if (key)
        *key = conf->kafka[i].key;
    if (value)
        *value = conf->kafka[i].value;
    if (origin)
        *origin = conf->kafka[i].origin;
}

/* ---- dump ---- */

static const char *slot_origin(const slot_t *slot)
{
    return slot->is_default ? "default" : slot->origin ? slot->origin : "unknown origin";
}

/* Writes value with the user info of a URL in it ("https://user:pw@host")
 * masked: a password may ride in any URL-valued setting
 * (schema_registry.url, …), not only in keys named secret. */
static void put_value(FILE *out, const char *value)
{
    for (const char *p = value; *p;) {
        const char *scheme = strstr(p, "://");
        if (!scheme) {
            fputs(p, out);
            return;
        }
        const char *auth = scheme + 3;
        size_t n = strcspn(auth, "/?#@ ,;");
        fwrite(p, 1, (size_t)(auth - p), out);
        if (auth[n] == '@') {
            fputs("***@", out);
            p = auth + n + 1;
        } else {
            p = auth;
        }
    }
}

void cw_conf_dump(const cw_conf_t *conf, FILE *out)
{
    for (size_t i = 0; i < conf->n_props; i++) {
        const cw_conf_prop_t *p = &conf->props[i];
        const slot_t *slot = &conf->slots[i];
        if (p->help)
            fprintf(out, "# %s\n", p->help);
        if (!slot->value)
            fprintf(out, "# %s = (unset)\n", p->name);
        else {
            fprintf(out, "%s = ", p->name);
            if (p->flags & CW_CONF_SECRET)
                fputs("***", out);
            else
                put_value(out, slot->value);
            fprintf(out, "  # %s\n", slot_origin(slot));
        }
    }
    for (size_t i = 0; i < conf->n_kafka; i++) {
        const kafka_entry_t *k = &conf->kafka[i];
        fprintf(out, KAFKA_PREFIX "%s = ", k->key);
        if (contains_any(k->key, kafka_masked_words))
            fputs("***", out);
        else
            put_value(out, k->value);
        fprintf(out, "  # %s\n", k->origin ? k->origin : "unknown origin");
    }
}
