#include "replay.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "engine/engine.h"
#include "model/alert_avro.h"
#include "model/event_avro.h"
#include "model/event_json.h"
#include "model/ocf.h"

/* A line may be at most CW_EVENT_MAX_BYTES (without its newline). */
#define LINE_BUF (CW_EVENT_MAX_BYTES + 1)

struct cw_replay_s {
    cw_replay_opts_t opts;
    cw_engine_t *engine;
    cw_event_t ev;  /* reused for every line: no per-event allocation */
    cw_jsonw_t out; /* reused for every alert */
    cw_instant_t clock;
    int clock_set;
    char *line;
    cw_replay_stats_t stats;
    cw_alert_avro_t *avro;     /* --format avro */
    avro_file_writer_t writer; /* --format avro */
};

static void on_alert(const cw_alert_t *alert, void *opaque)
{
    cw_replay_t *r = opaque;
    r->stats.alerts++;
    if (r->writer) {
        if (avro_file_writer_append_value(r->writer, cw_alert_avro_value(r->avro, alert)))
            fprintf(stderr, "casewatch-replay: writing an alert: %s\n", avro_strerror());
        return;
    }
    cw_jsonw_reset(&r->out);
    cw_alert_write_json(alert, &r->out);
    fwrite(r->out.p, 1, r->out.len, r->opts.out);
    fputc('\n', r->opts.out);
}

cw_replay_t *cw_replay_new(const cw_replay_opts_t *opts, char *errstr, size_t errstr_size)
{
    cw_replay_t *r = cw_calloc(1, sizeof(*r));
    if (opts->avro_out) {
        r->avro = cw_alert_avro_new();
        if (avro_file_writer_create_with_codec_fp(opts->out, "-", 0, cw_alert_avro_schema(r->avro),
                                                  &r->writer, "deflate", 0)) {
            snprintf(errstr, errstr_size, "alert output: %s", avro_strerror());
            cw_alert_avro_destroy(r->avro);
            free(r);
            return NULL;
        }
    }
    r->opts = *opts;
    r->engine = cw_engine_new(opts->pack, on_alert, r);
    r->line = cw_malloc(LINE_BUF);
    cw_jsonw_init(&r->out);
    return r;
}

void cw_replay_destroy(cw_replay_t *r)
{
    if (!r)
        return;
    cw_engine_destroy(r->engine);
    if (r->writer)
        avro_file_writer_close(r->writer);
    cw_alert_avro_destroy(r->avro);
    free(r->line);
    cw_jsonw_free(&r->out);
    free(r);
}

static void reject(cw_replay_t *r, unsigned long long offset, const char *event_id,
                   const cw_reject_t *rej)
{
    json_t *o = json_object();
    json_object_set_new(o, "event_id", event_id && *event_id ? json_string(event_id) : json_null());
    json_object_set_new(o, "offset", json_integer((json_int_t)offset));
    json_object_set_new(o, "reason", json_string(cw_reject_code_name(rej->code)));
    json_object_set_new(o, "detail", json_string(rej->detail));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s) {
        fputs(s, r->opts.dlq);
        fputc('\n', r->opts.dlq);
        free(s);
    }
    r->stats.rejected++;
}

/* The decoded r->ev (or its rejection rc/rej) through the engine. */
static void handle_event(cw_replay_t *r, cw_reject_code_t rc, cw_reject_t *rej,
                         unsigned long long offset)
{
    if (rc != CW_REJ_NONE) {
        reject(r, offset, r->ev.id, rej);
        return;
    }
    r->stats.events++;
    /* Stream time: the greatest event time seen. */
    if (!r->clock_set || r->ev.time > r->clock) {
        r->clock = r->ev.time;
        r->clock_set = 1;
    }
    bool dup;
    if (cw_engine_apply(r->engine, &r->ev, r->clock, &dup, rej) != CW_REJ_NONE)
        reject(r, offset, r->ev.id, rej);
    else if (dup)
        r->stats.duplicates++;
}

static void handle_line(cw_replay_t *r, const char *line, size_t len, unsigned long long offset)
{
    cw_reject_t rej;
    cw_reject_code_t rc = cw_event_from_json(line, len, &r->ev, &rej);
    handle_event(r, rc, &rej, offset);
}

int cw_replay_feed_avro(cw_replay_t *r, FILE *in, char *errstr, size_t errstr_size)
{
    cw_ocf_t *f = cw_ocf_open(in, errstr, errstr_size);
    if (!f)
        return -1;
    size_t slen;
    const char *schema = cw_ocf_schema(f, &slen);
    cw_avro_plan_t *plan = cw_avro_plan_compile(schema, slen, errstr, errstr_size);
    if (!plan) {
        cw_ocf_close(f);
        return -1;
    }
    int rc = 0;
    for (;;) {
        const uint8_t *data;
        size_t size, used;
        int64_t count;
        if (cw_ocf_next_block(f, &data, &size, &count, errstr, errstr_size) != CW_OK) {
            rc = -1;
            break;
        }
        if (count == 0)
            break;
        for (int64_t i = 0; i < count; i++) {
            cw_reject_t rej;
            cw_reject_code_t c = cw_event_from_avro_prefix(plan, data, size, &used, &r->ev, &rej);
            handle_event(r, c, &rej, r->stats.lines++);
            if (c == CW_REJ_BAD_AVRO) { /* where the next datum starts is unknown */
                for (i++; i < count; i++) {
                    cw_reject_set(&rej, CW_REJ_BAD_AVRO,
                                  "avro: after a broken datum in the same block");
                    r->ev.id[0] = '\0';
                    reject(r, r->stats.lines++, NULL, &rej);
                }
                break;
            }
            data += used;
            size -= used;
        }
    }
    cw_avro_plan_free(plan);
    cw_ocf_close(f);
    return rc;
}

static int blank(const char *s, size_t len);

static void end_line(cw_replay_t *r, size_t len, int too_long)
{
    unsigned long long offset = r->stats.lines++;
    if (too_long) {
        cw_reject_t rej;
        cw_reject_set(&rej, CW_REJ_TOO_LARGE, "line longer than %d bytes", CW_EVENT_MAX_BYTES);
        reject(r, offset, NULL, &rej);
        return;
    }
    if (len > 0 && r->line[len - 1] == '\r')
        len--;
    if (!blank(r->line, len))
        handle_line(r, r->line, len, offset);
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* Lines are split with memchr over fread blocks rather than fgets, so a NUL
 * byte inside a line is kept (and rejected by the decoder) instead of
 * silently cutting the line short. */
int cw_replay_feed(cw_replay_t *r, FILE *in)
{
    size_t have = 0;  /* bytes of the current line in r->line */
    int skipping = 0; /* inside a line that is already too long */
    char block[1 << 16];
    size_t n;
    while ((n = fread(block, 1, sizeof(block), in)) > 0) {
        const char *p = block, *end = block + n;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t chunk = (size_t)((nl ? nl : end) - p);
            if (!skipping && have + chunk > CW_EVENT_MAX_BYTES) {
                skipping = 1;
            } else if (!skipping) {
                memcpy(r->line + have, p, chunk);
                have += chunk;
            }
            p += chunk;
            if (!nl)
                break;
            p++; /* the newline */
            end_line(r, have, skipping);
            have = 0;
            skipping = 0;
        }
    }
    if (have > 0 || skipping)
        end_line(r, have, skipping); /* last line without a newline */
    return ferror(in) ? -1 : 0;
}

void cw_replay_finish(cw_replay_t *r, cw_replay_stats_t *stats)
{
    if (r->opts.has_until && (!r->clock_set || r->opts.until > r->clock)) {
        r->clock = r->opts.until;
        r->clock_set = 1;
    }
    if (r->clock_set)
        cw_engine_advance(r->engine, r->clock);
    if (r->writer)
        avro_file_writer_flush(r->writer);
    fflush(r->opts.out);
    fflush(r->opts.dlq);
    cw_engine_stats_t es;
    cw_engine_get_stats(r->engine, &es);
    r->stats.cases = es.cases;
    r->stats.open_obligations = es.obligations;
    if (stats)
        *stats = r->stats;
}
