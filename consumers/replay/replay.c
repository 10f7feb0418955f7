#include "replay.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/lines.h"
#include "base/mem.h"
#include "engine/engine.h"
#include "model/alert_avro.h"
#include "model/event_avro.h"
#include "model/event_json.h"
#include "model/ocf.h"

struct cw_replay_s {
    cw_replay_opts_t opts;
    cw_engine_t *engine;
    cw_event_t ev;  /* reused for every line: no per-event allocation */
    cw_jsonw_t out; /* reused for every alert */
    cw_instant_t clock;
    int clock_set;
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

static void on_avro_event(cw_reject_code_t rc, cw_reject_t *rej, void *opaque)
{
    cw_replay_t *r = opaque;
    handle_event(r, rc, rej, r->stats.lines++);
}

int cw_replay_feed_avro(cw_replay_t *r, FILE *in, char *errstr, size_t errstr_size)
{
    return cw_ocf_read_events(in, &r->ev, on_avro_event, r, errstr, errstr_size);
}

static bool on_line(const char *line, size_t len, bool too_long, unsigned long long offset,
                    void *opaque)
{
    cw_replay_t *r = opaque;
    if (too_long) {
        cw_reject_t rej;
        cw_reject_set(&rej, CW_REJ_TOO_LARGE, "line longer than %d bytes", CW_EVENT_MAX_BYTES);
        reject(r, offset, NULL, &rej);
    } else {
        handle_line(r, line, len, offset);
    }
    return true;
}

int cw_replay_feed(cw_replay_t *r, FILE *in)
{
    return cw_lines_read(in, CW_EVENT_MAX_BYTES, on_line, r, &r->stats.lines);
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
