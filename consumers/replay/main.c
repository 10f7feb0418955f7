/* casewatch-replay [--rules PACK] [--until TIME] [--dlq FILE] [--stats FILE]
 *                  [--input-format json|avro] [--format json|avro] [FILE ...]
 *
 * Reads JSON-lines case events (or Avro container files of them) from the
 * files (or standard input) in order, writes JSON-lines alerts (or one
 * Avro container file of alert.avsc) to standard output and rejected events as
 * {"event_id","offset","reason","detail"} to standard error (or --dlq).
 * Exit status 0 when the input was read, even if some events were rejected;
 * 1 when it could not run (bad rule pack, unreadable file); 2 on bad usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "replay.h"

static int usage(const char *why)
{
    fprintf(stderr,
            "casewatch-replay: %s\n"
            "usage: casewatch-replay [--rules PACK] [--until TIME] [--dlq FILE] "
            "[--stats FILE] [--format json|avro] [--input-format json|avro] [FILE ...]\n",
            why);
    return 2;
}

typedef struct {
    const char *rules, *until, *dlq, *stats;
    int avro_in, avro_out;
    char **files;
    int n_files;
} args_t;

static int parse_args(int argc, char **argv, args_t *a)
{
    static const struct option opts[] = {{"rules", required_argument, NULL, 'r'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"dlq", required_argument, NULL, 'd'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"input-format", required_argument, NULL, 'i'},
                                         {"stats", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    memset(a, 0, sizeof(*a));
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            a->rules = optarg;
            break;
        case 'u':
            a->until = optarg;
            break;
        case 'd':
            a->dlq = optarg;
            break;
        case 's':
            a->stats = optarg;
            break;
        case 'f':
        case 'i':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "avro") != 0)
                return usage("formats: json, avro");
            *(c == 'f' ? &a->avro_out : &a->avro_in) = strcmp(optarg, "avro") == 0;
            break;
        case 'h':
            usage("help");
            return 1;
        default:
            return usage("unknown option or missing argument");
        }
    }
    a->files = argv + optind;
    a->n_files = argc - optind;
    return 0;
}

/* Opens every input first, so an unreadable file stops the run before any
 * output. NULL entries stand for standard input. */
static FILE **open_inputs(const args_t *a, int *n)
{
    *n = a->n_files ? a->n_files : 1;
    FILE **in = calloc((size_t)*n, sizeof(*in));
    if (!in)
        return NULL;
    for (int i = 0; i < a->n_files; i++) {
        if (strcmp(a->files[i], "-") == 0)
            continue;
        if (!(in[i] = fopen(a->files[i], "rb"))) {
            fprintf(stderr, "casewatch-replay: %s: %s\n", a->files[i], strerror(errno));
            for (int k = 0; k < i; k++)
                if (in[k])
                    fclose(in[k]);
            free(in);
            return NULL;
        }
    }
    return in;
}

/* --stats FILE: the run's counts as one JSON object, for scripts. */
static int write_stats(const char *path, const cw_replay_stats_t *st)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "casewatch-replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f,
            "{\"lines\":%llu,\"events\":%llu,\"rejected\":%llu,\"duplicates\":%llu,"
            "\"alerts\":%llu,\"cases\":%llu,\"open_obligations\":%llu}\n",
            st->lines, st->events, st->rejected, st->duplicates, st->alerts, st->cases,
            st->open_obligations);
    return fclose(f) == 0 ? 0 : -1;
}

static int load_pack(const char *path, cw_rulepack_t **pack)
{
    char err[512];
    cw_err_t rc = path ? cw_rulepack_load_file(path, pack, err, sizeof(err))
                       : cw_rulepack_load_default(pack, err, sizeof(err));
    if (rc != CW_OK) {
        fprintf(stderr, "casewatch-replay: rule pack: %s\n", err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    args_t a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    char err[256];
    if (cw_time_init(getenv("CASEWATCH_TIME_ZONE"), err, sizeof(err)) != CW_OK) {
        fprintf(stderr, "casewatch-replay: %s\n", err);
        return 1;
    }
    cw_replay_opts_t opts = {.out = stdout, .dlq = stderr};
    if (a.until &&
        cw_time_parse(a.until, strlen(a.until), &opts.until, NULL, err, sizeof(err)) != CW_OK)
        return usage("--until must be an RFC 3339 time with offset");
    opts.has_until = a.until != NULL;
    cw_rulepack_t *pack = NULL;
    if (load_pack(a.rules, &pack) != 0)
        return 1;
    opts.pack = pack;
    int n_in;
    FILE **in = open_inputs(&a, &n_in);
    if (!in) {
        cw_rulepack_destroy(pack);
        return 1;
    }
    if (a.dlq && !(opts.dlq = fopen(a.dlq, "w"))) {
        fprintf(stderr, "casewatch-replay: %s: %s\n", a.dlq, strerror(errno));
        rc = 1;
        goto out;
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
    opts.avro_out = a.avro_out;
    cw_replay_t *r = cw_replay_new(&opts, err, sizeof(err));
    if (!r) {
        fprintf(stderr, "casewatch-replay: %s\n", err);
        rc = 1;
        goto out;
    }
    for (int i = 0; i < n_in && rc == 0; i++) {
        const char *name = a.n_files ? a.files[i] : "standard input";
        FILE *f = in[i] ? in[i] : stdin;
        if (a.avro_in ? cw_replay_feed_avro(r, f, err, sizeof(err)) != 0
                      : cw_replay_feed(r, f) != 0) {
            fprintf(stderr, "casewatch-replay: %s: %s\n", name, a.avro_in ? err : "read error");
            rc = 1;
        }
    }
    cw_replay_stats_t st;
    cw_replay_finish(r, &st);
    cw_replay_destroy(r);
    if (a.stats && write_stats(a.stats, &st) != 0)
        rc = 1;
    if (fflush(stdout) != 0)
        rc = 1;
out:
    for (int i = 0; i < n_in; i++)
        if (in[i])
            fclose(in[i]);
    free(in);
    if (opts.dlq && opts.dlq != stderr)
        fclose(opts.dlq);
    cw_rulepack_destroy(pack);
    return rc;
}
