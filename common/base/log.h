/* Structured logging without personal data.
 *
 * One line per record on stderr (or a sink set by the caller):
 *   2026-11-23T10:00:00.123Z INFO processor: message text
 * Rules (STYLE.md): a log line carries topic/partition/offset/event type/rule
 * id, never a payload field. A case id or pseudonym may appear only as the
 * keyed hash from cw_log_id(). */
#ifndef CW_BASE_LOG_H
#define CW_BASE_LOG_H

#include <stddef.h>

typedef enum {
    CW_LOG_ERROR = 0,
    CW_LOG_WARN,
    CW_LOG_INFO,
    CW_LOG_DEBUG,
} cw_log_level_t;

/* Called with one formatted line (no trailing newline); opaque is borrowed. */
typedef void(cw_log_sink_t)(cw_log_level_t level, const char *line, void *opaque);

/* facility is copied (truncated to 31 bytes). Not thread-safe against
 * concurrent cw_log calls: call at start-up. */
void cw_log_init(const char *facility, cw_log_level_t level);
void cw_log_set_level(cw_log_level_t level);
cw_log_level_t cw_log_get_level(void);
/* Parses "error|warn|info|debug". Returns 0 and sets *out, or -1. */
int cw_log_level_parse(const char *s, cw_log_level_t *out);
/* NULL sink restores stderr. */
void cw_log_set_sink(cw_log_sink_t *sink, void *opaque);
/* Key for cw_log_id (copied, up to 64 bytes). Without one, a random
 * per-process key is used: hashes then correlate only within one run. */
void cw_log_set_hash_key(const void *key, size_t len);

void cw_log(cw_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Keyed hash (HMAC-SHA256, first 8 bytes, hex) of an identifier, for logs.
 * Writes 16 hex digits + NUL into buf and returns buf (borrowed). */
const char *cw_log_id(const char *id, char buf[17]);

#define CW_LOG_ENABLED(lvl) ((lvl) <= cw_log_get_level())

#endif
