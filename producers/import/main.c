/* casewatch-import: a case system's CSV export to case events.
 *
 *   casewatch-import --mapping FILE [--format json|avro] [--output FILE]
 *                    [--rejects FILE] [CSV ...]
 *
 * Reads CSV files (standard input without files) with a mapping file that
 * says which columns hold the case, the municipality and each event's
 * type, time and data (README.md; mappings/ has samples), and writes the
 * events in time order as JSON lines or an Avro container file (the
 * producers' sink) for casewatch-replay, casewatch-audit or
 * casewatch-produce. A row that cannot be imported (a missing column, a
 * bad date, an unknown code, a personal identity number, an event the
 * contract refuses) gives no event and one line in --rejects (default
 * standard error) with its file, line and reason; the cell's text is never
 * copied there.
 *
 * Exit status: 0 every row imported; 1 it could not run (bad mapping,
 * unreadable input, a mapped column missing from a header, a write
 * error); 2 bad usage; 3 the rest was written but rows were rejected. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/time.h"
#include "csv.h"
#include "import.h"
#include "mapping.h"
#include "sink.h"

#define NAME "casewatch-import"

typedef struct {
    const char *mapping, *output, *rejects;
    cw_sink_format_t format;
    char **files;
    int n_files;
} args_t;

static int usage(const char *why)
{
    fprintf(stderr,
            NAME ": %s\n"
                 "usage: " NAME " --mapping FILE [--format json|avro] [--output FILE]\n"
                 "                        [--rejects FILE] [CSV ...]\n",
            why);
    return 2;
}

static int parse_args(int argc, char **argv, args_t *a)
{
    static const struct option opts[] = {{"mapping", required_argument, NULL, 'm'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"rejects", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    memset(a, 0, sizeof(*a));
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            a->mapping = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'r':
            a->rejects = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "avro") != 0)
                return usage("--format: json or avro");
            a->format = strcmp(optarg, "avro") == 0 ? CW_SINK_AVRO : CW_SINK_JSON;
            break;
        case 'h':
            usage("help");
            return 1;
        default:
            return usage("unknown option or missing argument");
        }
    }
    if (!a->mapping)
        return usage("--mapping is required");
    a->files = argv + optind;
    a->n_files = argc - optind;
    return 0;
}

/* The whole file (new), *len its size; NULL with errno. */
static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0, got;
    char *buf = cw_reallocarray(NULL, cap, 1);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = cw_reallocarray(buf, cap *= 2, 1);
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int read_inputs(cw_import_t *im, const cw_mapping_t *m, const args_t *a)
{
    int n = a->n_files ? a->n_files : 1;
    char err[512];
    for (int i = 0; i < n; i++) {
        const char *path = a->n_files ? a->files[i] : "-";
        FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
        size_t len = 0;
        char *text = f ? slurp(f, &len) : NULL;
        if (!text) {
            fprintf(stderr, NAME ": %s: %s\n", path, strerror(errno));
            if (f && f != stdin)
                fclose(f);
            return -1;
        }
        if (f != stdin)
            fclose(f);
        const char *base = strrchr(path, '/');
        base = f == stdin ? "stdin" : base ? base + 1 : path;
        cw_csv_t *csv = cw_csv_new(text, len, m->delim, (cw_csv_encoding_t)m->encoding);
        int rc = cw_import_read(im, csv, base, err, sizeof(err));
        cw_csv_destroy(csv);
        if (rc != 0) {
            fprintf(stderr, NAME ": %s\n", err);
            return -1;
        }
    }
    return 0;
}

static void summary(const cw_import_t *im, const args_t *a)
{
    cw_import_stats_t st;
    cw_import_get_stats(im, &st);
    fprintf(stderr, NAME ": %llu rows, %llu events, %llu rows rejected", st.rows - st.empty_rows,
            st.events, st.rejected);
    if (st.empty_rows)
        fprintf(stderr, ", %llu empty rows skipped", st.empty_rows);
    for (int r = 0; r < CW_IMP__COUNT; r++)
        if (st.reasons[r])
            fprintf(stderr, "%s %llu %s", r ? "," : ":", st.reasons[r],
                    cw_import_reason_name((cw_import_reason_t)r));
    fprintf(stderr, "%s%s%s\n", st.rejected && a->rejects ? " (see " : "",
            st.rejected && a->rejects ? a->rejects : "", st.rejected && a->rejects ? ")" : "");
    if (st.reasons[CW_IMP_PERSONAL_NUMBER])
        fprintf(stderr,
                NAME ": error: %llu rows hold a personal identity number (personnummer or "
                     "samordningsnummer) and were not imported; remove such columns from the "
                     "export or replace the numbers with pseudonyms\n",
                st.reasons[CW_IMP_PERSONAL_NUMBER]);
}

int main(int argc, char **argv)
{
    args_t a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    char err[512];
    if (cw_time_init(getenv("CASEWATCH_TIME_ZONE"), err, sizeof(err)) != CW_OK) {
        fprintf(stderr, NAME ": %s\n", err);
        return 1;
    }
    cw_mapping_t *m = NULL;
    if (cw_mapping_load(a.mapping, &m, err, sizeof(err)) != 0) {
        fprintf(stderr, NAME ": mapping %s\n", err);
        return 1;
    }
    FILE *rej = a.rejects ? fopen(a.rejects, "w") : stderr;
    FILE *out = a.output ? fopen(a.output, "wb") : stdout;
    cw_import_t *im = NULL;
    cw_sink_t *sink = NULL;
    rc = 1;
    if (!rej || !out) {
        fprintf(stderr, NAME ": %s: %s\n", !rej ? a.rejects : a.output, strerror(errno));
        goto done;
    }
    im = cw_import_new(m, rej);
    if (read_inputs(im, m, &a) != 0)
        goto done;
    cw_sink_conf_t conf = {.out = out, .format = a.format, .schema_id = 1, .name = NAME};
    if (!(sink = cw_sink_new(&conf, err, sizeof(err))) ||
        !cw_import_write(im, sink, err, sizeof(err))) {
        fprintf(stderr, NAME ": %s\n", err);
        goto done;
    }
    cw_sink_stats_t st;
    bool ok = cw_sink_close(sink, 10000, &st);
    sink = NULL;
    if (!ok || fflush(out) != 0 || ferror(rej)) {
        fprintf(stderr, NAME ": %s: write error\n", a.output ? a.output : "standard output");
        goto done;
    }
    summary(im, &a);
    cw_import_stats_t is;
    cw_import_get_stats(im, &is);
    rc = is.rejected ? 3 : 0;
done:
    if (sink)
        cw_sink_close(sink, 0, NULL);
    cw_import_destroy(im);
    if (out && out != stdout && fclose(out) != 0 && rc != 1) {
        fprintf(stderr, NAME ": %s: write error\n", a.output);
        rc = 1;
    }
    if (rej && rej != stderr)
        fclose(rej);
    cw_mapping_destroy(m);
    return rc;
}
