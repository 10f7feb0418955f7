#include "kafka/client.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"

void cw_kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    cw_log_level_t l = level <= 3   ? CW_LOG_ERROR
                       : level <= 4 ? CW_LOG_WARN
                       : level <= 6 ? CW_LOG_INFO
                                    : CW_LOG_DEBUG;
    cw_log(l, "librdkafka %s %s: %s", rd_kafka_name(rk), fac, buf);
}

char cw_kafka_key_scope(const char *table, const char *key)
{
    size_t n = strlen(key);
    for (const char *l = table; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, n) != 0 || l[n] != ' ')
            continue;
        const char *bar = strchr(l, '|');
        const char *eol = strchr(l, '\n');
        if (!bar || (eol && bar > eol))
            return 0;
        for (bar++; *bar == ' '; bar++)
            ;
        return *bar == 'C' || *bar == 'P' || *bar == '*' ? *bar : 0;
    }
    return 0;
}

/* librdkafka's property table as text (new; free it), NULL if it cannot be
 * had (every key then goes to every client). */
static char *property_table(void)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;
    rd_kafka_conf_properties_show(f);
    fclose(f);
    return buf;
}

/* Sets k=v; else errstr "PREFIXk: reason" (prefix "ORIGIN: kafka." or ""). */
static bool set(rd_kafka_conf_t *c, const char *k, const char *v, const char *prefix_origin,
                const char *prefix, char *errstr, size_t errstr_size)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) == RD_KAFKA_CONF_OK)
        return true;
    if (prefix_origin)
        snprintf(errstr, errstr_size, "%s: %s%s: %s", prefix_origin, prefix, k, err);
    else
        snprintf(errstr, errstr_size, "%s%s: %s", prefix, k, err);
    return false;
}

/* Whether a pass-through key is for this type of client. */
static bool for_type(const char *table, const char *key, char scope)
{
    char s = cw_kafka_key_scope(table, key);
    return !s || s == '*' || s == scope;
}

static bool set_pairs(rd_kafka_conf_t *c, const char *const *kv, char *errstr, size_t errstr_size)
{
    bool ok = true;
    for (int i = 0; ok && kv && kv[i]; i += 2)
        ok = set(c, kv[i], kv[i + 1], "default", "kafka.", errstr, errstr_size);
    return ok;
}

rd_kafka_conf_t *cw_kafka_conf_new(rd_kafka_type_t type, const cw_kafka_spec_t *spec, char *errstr,
                                   size_t errstr_size)
{
    char scope = type == RD_KAFKA_CONSUMER ? 'C' : 'P';
    char *table = property_table();
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    bool ok = set_pairs(c, spec->defaults, errstr, errstr_size);
    for (size_t i = 0; ok && spec->conf && i < cw_conf_kafka_count(spec->conf); i++) {
        const char *k, *v, *origin;
        cw_conf_kafka_at(spec->conf, i, &k, &v, &origin);
        if (for_type(table, k, scope))
            ok = set(c, k, v, origin ? origin : "config", "kafka.", errstr, errstr_size);
    }
    for (int i = 0; ok && spec->props && spec->props[i]; i++) {
        const char *kv = spec->props[i];
        const char *eq = strchr(kv, '=');
        if (!eq) {
            snprintf(errstr, errstr_size, "-X %s: expected key=value", kv);
            ok = false;
            break;
        }
        char *k = cw_strndup(kv, (size_t)(eq - kv));
        if (for_type(table, k, scope))
            ok = set(c, k, eq + 1, NULL, "", errstr, errstr_size);
        free(k);
    }
    ok = ok && set_pairs(c, spec->overrides, errstr, errstr_size);
    free(table);
    if (!ok) {
        rd_kafka_conf_destroy(c);
        return NULL;
    }
    rd_kafka_conf_set_opaque(c, spec->opaque);
    rd_kafka_conf_set_log_cb(c, spec->log_cb ? spec->log_cb : cw_kafka_log);
    return c;
}

rd_kafka_t *cw_kafka_client_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, const char *role,
                                char *errstr, size_t errstr_size)
{
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (rk)
        return rk;
    rd_kafka_conf_destroy(conf); /* rd_kafka_new took it only on success */
    snprintf(errstr, errstr_size, "%s: %s", role, err);
    return NULL;
}
