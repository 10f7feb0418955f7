/* casewatch-produce: JSON-lines case events (files or standard input) to a
 * Kafka topic keyed by the case id, as CloudEvents JSON or Avro.
 *
 *   casewatch-produce --bootstrap SERVERS --topic TOPIC [--format json|avro]
 *                     [--binary] [--schema-registry URL] [--schema-id ID] [--dlq FILE]
 *                     [-X KEY=VALUE ...] [--quiet] [FILE ...]
 *   casewatch-produce --output FILE [--format json|avro] [FILE ...]
 *
 * Every line is validated against the event contract first (the same
 * decoder the processor uses); a line that fails is not sent but written
 * to standard error (or --dlq) as {"event_id","offset","reason","detail"}
 * and counted. JSON is sent as the line's own bytes; Avro is encoded from
 * the decoded event, with the schema id registered under "<topic>-value"
 * (--schema-registry) or the local id (default 1). --binary sends JSON in
 * CloudEvents binary content mode instead: the attributes as ce_* headers,
 * the data object (encoded from the decoded event) as the value. With --output the
 * events go to a file instead: JSON lines, or an Avro container file.
 *
 * Exit status: 0 all lines valid and delivered; 1 a message was not
 * delivered, or the producer could not run; 2 bad usage; 3 everything
 * valid was delivered but some lines were rejected. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/lines.h"
#include "base/time.h"
#include "model/event_json.h"
#include "sink.h"

#define NAME      "casewatch-produce"
#define MAX_PROPS 64

typedef struct {
    cw_sink_conf_t sink;
    const char *dlq_path, *output;
    const char *props[MAX_PROPS + 1];
    int n_props;
    char **files;
    int n_files;
    bool progress;
} args_t;

typedef struct {
    const args_t *a;
    cw_sink_t *sink;
    FILE *dlq;
    cw_event_t ev;
    unsigned long long lines, valid, rejected;
    unsigned long long reasons[CW_REJ__COUNT];
    bool fatal;
    char err[256];
    struct timespec last_progress, start;
} run_t;

static int usage(const char *why)
{
    fprintf(stderr,
            NAME ": %s\n"
                 "usage: " NAME " --bootstrap SERVERS --topic TOPIC [--format json|avro]\n"
                 "           [--binary] [--schema-registry URL] [--schema-id ID] [--dlq FILE]\n"
                 "           [-X KEY=VALUE ...] [--quiet] [FILE ...]\n"
                 "       " NAME " --output FILE [--format json|avro] [FILE ...]\n",
            why);
    return 2;
}

static int parse_args(int argc, char **argv, args_t *a)
{
    static const struct option opts[] = {{"bootstrap", required_argument, NULL, 'b'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"schema-registry", required_argument, NULL, 'r'},
                                         {"schema-id", required_argument, NULL, 'i'},
                                         {"dlq", required_argument, NULL, 'd'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"binary", no_argument, NULL, 'B'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof(*a));
    a->sink.name = NAME;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "X:", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            a->sink.bootstrap = optarg;
            break;
        case 't':
            a->sink.topic = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "avro") != 0)
                return usage("formats: json, avro");
            a->sink.format = strcmp(optarg, "avro") == 0 ? CW_SINK_AVRO : CW_SINK_JSON;
            break;
        case 'r':
            a->sink.registry_url = optarg;
            break;
        case 'i': {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || end == optarg || v > 0x7fffffffUL)
                return usage("--schema-id takes a schema id (a non-negative integer)");
            a->sink.schema_id = (uint32_t)v;
            break;
        }
        case 'd':
            a->dlq_path = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'q':
            a->sink.quiet = true;
            break;
        case 'B':
            a->sink.binary = true;
            break;
        case 'X':
            if (a->n_props == MAX_PROPS)
                return usage("too many -X properties");
            if (!strchr(optarg, '='))
                return usage("-X takes KEY=VALUE");
            a->props[a->n_props++] = optarg;
            break;
        case 'h':
            usage("help");
            return 1;
        default:
            return usage("unknown option or missing argument");
        }
    }
    if (!a->output == !a->sink.bootstrap)
        return usage("give either --bootstrap (with --topic) or --output");
    if (a->sink.bootstrap && !a->sink.topic)
        return usage("--topic is required with --bootstrap");
    if (a->sink.binary && (!a->sink.bootstrap || a->sink.format != CW_SINK_JSON))
        return usage("--binary (CloudEvents binary mode) needs --bootstrap and JSON");
    if (a->output && (a->sink.registry_url || a->n_props))
        return usage("--schema-registry and -X need --bootstrap");
    /* The registry password is a secret: from the environment (the variable
     * the processor reads too), never argv. */
    a->sink.registry_auth = getenv("CASEWATCH_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO");
    a->sink.props = a->props;
    a->files = argv + optind;
    a->n_files = argc - optind;
    a->progress = isatty(STDERR_FILENO);
    return 0;
}

static double since(const struct timespec *t0, const struct timespec *t1)
{
    return (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
}

/* A progress line on a terminal, at most twice a second. */
static void progress(run_t *r, bool last)
{
    if (!r->a->progress)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!last && since(&r->last_progress, &now) < 0.5)
        return;
    r->last_progress = now;
    cw_sink_stats_t st;
    cw_sink_get_stats(r->sink, &st);
    double s = since(&r->start, &now);
    fprintf(stderr, "\r%s: %llu lines, %llu sent, %llu delivered, %llu rejected, %.0f/s%s", NAME,
            r->lines, (unsigned long long)st.sent, (unsigned long long)st.delivered, r->rejected,
            s > 0 ? (double)r->lines / s : 0.0, last ? "\n" : "");
}

static void reject(run_t *r, unsigned long long offset, const char *file, const cw_reject_t *rej)
{
    r->rejected++;
    r->reasons[rej->code]++;
    json_t *o = json_pack("{s:s?,s:I,s:s,s:s}", "event_id", r->ev.id[0] ? r->ev.id : NULL, "offset",
                          (json_int_t)offset, "reason", cw_reject_code_name(rej->code), "detail",
                          rej->detail);
    if (r->a->n_files > 1)
        json_object_set_new(o, "file", json_string(file));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s) {
        fprintf(r->dlq, "%s\n", s);
        free(s);
    }
}

typedef struct {
    run_t *r;
    const char *file;
} line_ctx_t;

static bool on_line(const char *line, size_t len, bool too_long, unsigned long long offset,
                    void *opaque)
{
    line_ctx_t *lc = opaque;
    run_t *r = lc->r;
    r->lines++;
    cw_reject_t rej;
    if (too_long) {
        r->ev.id[0] = '\0';
        cw_reject_set(&rej, CW_REJ_TOO_LARGE, "line longer than %d bytes", CW_EVENT_MAX_BYTES);
        reject(r, offset, lc->file, &rej);
    } else if (cw_event_from_json(line, len, &r->ev, &rej) != CW_REJ_NONE) {
        reject(r, offset, lc->file, &rej);
    } else if (!cw_sink_send(r->sink, &r->ev, line, len, r->err, sizeof(r->err))) {
        r->fatal = true;
        return false;
    } else {
        r->valid++;
    }
    progress(r, false);
    return true;
}

static void summary(const run_t *r, const cw_sink_stats_t *st, double secs)
{
    fprintf(stderr,
            "%s: %llu lines: %llu valid, %llu rejected; %llu sent, %llu delivered, %llu failed "
            "(%.1f s)\n",
            NAME, r->lines, r->valid, r->rejected, (unsigned long long)st->sent,
            (unsigned long long)st->delivered, (unsigned long long)st->failed, secs);
    for (int c = 1; c < CW_REJ__COUNT; c++)
        if (r->reasons[c])
            fprintf(stderr, "%s:   rejected %s: %llu\n", NAME,
                    cw_reject_code_name((cw_reject_code_t)c), r->reasons[c]);
}

int main(int argc, char **argv)
{
    args_t a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    run_t r = {.a = &a, .dlq = stderr};
    char err[256];
    if (cw_time_init(getenv("CASEWATCH_TIME_ZONE"), err, sizeof(err)) != CW_OK) {
        fprintf(stderr, NAME ": %s\n", err);
        return 1;
    }
    FILE *out = NULL;
    if (a.output && !(out = strcmp(a.output, "-") == 0 ? stdout : fopen(a.output, "wb"))) {
        fprintf(stderr, NAME ": %s: %s\n", a.output, strerror(errno));
        return 1;
    }
    a.sink.out = out;
    if (a.dlq_path && !(r.dlq = fopen(a.dlq_path, "w"))) {
        fprintf(stderr, NAME ": %s: %s\n", a.dlq_path, strerror(errno));
        return 1;
    }
    if (!(r.sink = cw_sink_new(&a.sink, err, sizeof(err)))) {
        fprintf(stderr, NAME ": %s\n", err);
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &r.start);
    int n = a.n_files ? a.n_files : 1;
    for (int i = 0; i < n && !r.fatal; i++) {
        const char *name = a.n_files ? a.files[i] : "-";
        FILE *in = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
        if (!in) {
            fprintf(stderr, NAME ": %s: %s\n", name, strerror(errno));
            rc = 1;
            break;
        }
        line_ctx_t lc = {&r, name};
        unsigned long long offset = 0; /* lines numbered per file */
        if (cw_lines_read(in, CW_EVENT_MAX_BYTES, on_line, &lc, &offset) != 0) {
            fprintf(stderr, NAME ": %s: read error\n", name);
            rc = 1;
        }
        if (in != stdin)
            fclose(in);
    }
    if (r.fatal) {
        fprintf(stderr, NAME ": %s\n", r.err);
        rc = 1;
    }
    progress(&r, true);
    cw_sink_stats_t st;
    bool delivered = cw_sink_close(r.sink, 60000, &st);
    if (out && out != stdout && fclose(out) != 0)
        delivered = false;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    summary(&r, &st, since(&r.start, &end));
    if (r.dlq != stderr && fclose(r.dlq) != 0)
        rc = 1;
    if (!delivered)
        rc = 1;
    if (rc == 0 && r.rejected)
        rc = 3;
    return rc;
}
