#include "base/log.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static struct {
    char facility[32];
    cw_log_level_t level;
    cw_log_sink_t *sink;
    void *opaque;
    unsigned char key[64];
    size_t key_len;
} g = {.facility = "casewatch", .level = CW_LOG_INFO};

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void cw_log_init(const char *facility, cw_log_level_t level)
{
    snprintf(g.facility, sizeof(g.facility), "%s", facility);
    g.level = level;
}

void cw_log_set_level(cw_log_level_t level)
{
    g.level = level;
}

cw_log_level_t cw_log_get_level(void)
{
    return g.level;
}

int cw_log_level_parse(const char *s, cw_log_level_t *out)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (cw_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

void cw_log_set_sink(cw_log_sink_t *sink, void *opaque)
{
    g.sink = sink;
    g.opaque = opaque;
}

void cw_log_set_hash_key(const void *key, size_t len)
{
    if (len > sizeof(g.key))
        len = sizeof(g.key);
    memcpy(g.key, key, len);
    g.key_len = len;
}

void cw_log(cw_log_level_t level, const char *fmt, ...)
{
    if (level > g.level)
        return;
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line),
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level], g.facility);
    if (n < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    if ((size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (g.sink)
        g.sink(level, line, g.opaque);
    else
        fprintf(stderr, "%s\n", line);
}

const char *cw_log_id(const char *id, char buf[17])
{
    if (g.key_len == 0) {
        if (getrandom(g.key, 32, 0) != 32)
            memset(g.key, 0x5a, 32); /* still keyed, only predictable */
        g.key_len = 32;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    HMAC(EVP_sha256(), g.key, (int)g.key_len, (const unsigned char *)id, strlen(id), md, &md_len);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        buf[2 * i] = hex[md[i] >> 4];
        buf[2 * i + 1] = hex[md[i] & 15];
    }
    buf[16] = '\0';
    return buf;
}
