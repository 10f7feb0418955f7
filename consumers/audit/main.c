/* casewatch-audit [--rules PACK] [--as-of TIME] [--from DATE] [--to DATE]
 *                 [--input-format json|avro] [--format html|json] [--lang sv|en]
 *                 [--output FILE] [--csv DIR] [--pdf FILE] [FILE ...]
 *
 * Reads a case-event export (JSON lines, or Avro container files with
 * --input-format avro; standard input without files), replays it through
 * the engine up to --as-of (default: the last event's time) and writes a
 * compliance report of the obligations due from --from to --to (default:
 * the export's own range): self-contained HTML (default; Swedish, or
 * English with --lang en) or JSON to standard output (or --output), with
 * --csv DIR the same tables as CSV files, with --pdf FILE the HTML printed
 * by headless Chromium. A warning goes to standard error (and into the
 * report) when --as-of lies past the export's last event.
 * Progress goes to standard error when it is a terminal.
 * Exit 0 on success; 1 when it could not run; 2 on bad usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"

static int usage(const char *why)
{
    fprintf(stderr,
            "casewatch-audit: %s\n"
            "usage: casewatch-audit [--rules PACK] [--as-of TIME] [--from DATE] [--to DATE]\n"
            "                       [--input-format json|avro] [--format html|json] [--lang sv|en]\n"
            "                       [--output FILE] [--csv DIR] [--pdf FILE] [FILE ...]\n",
            why);
    return 2;
}

typedef struct {
    const char *rules, *as_of, *output, *csv, *pdf, *lang;
    const char *from, *to;
    int avro_in, json_out;
    char **files;
    int n_files;
} args_t;

static int parse_args(int argc, char **argv, args_t *a)
{
    static const struct option opts[] = {{"rules", required_argument, NULL, 'r'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"input-format", required_argument, NULL, 'i'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"csv", required_argument, NULL, 'c'},
                                         {"from", required_argument, NULL, 'F'},
                                         {"to", required_argument, NULL, 'T'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"pdf", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    memset(a, 0, sizeof(*a));
    a->lang = "sv";
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            a->rules = optarg;
            break;
        case 'a':
            a->as_of = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'c':
            a->csv = optarg;
            break;
        case 'F':
            a->from = optarg;
            break;
        case 'T':
            a->to = optarg;
            break;
        case 'p':
            a->pdf = optarg;
            break;
        case 'l':
            if (strcmp(optarg, "sv") != 0 && strcmp(optarg, "en") != 0)
                return usage("--lang: sv or en");
            a->lang = optarg;
            break;
        case 'i':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "avro") != 0)
                return usage("--input-format: json or avro");
            a->avro_in = strcmp(optarg, "avro") == 0;
            break;
        case 'f':
            if (strcmp(optarg, "html") != 0 && strcmp(optarg, "json") != 0)
                return usage("--format: html or json");
            a->json_out = strcmp(optarg, "json") == 0;
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

/* ---- progress on a terminal ---- */

typedef struct {
    FILE *in;
    long long size; /* of the current input, 0 if not a regular file */
    const char *name;
    double last;
    bool shown;
} progress_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_progress(unsigned long long records, void *opaque)
{
    progress_t *p = opaque;
    double t = now_s();
    if (t - p->last < 0.2)
        return;
    p->last = t;
    p->shown = true;
    long pos = p->size > 0 ? ftell(p->in) : -1;
    if (pos >= 0)
        fprintf(stderr, "\rcasewatch-audit: %s: %llu records, %3.0f %% ", p->name, records,
                100.0 * (double)pos / (double)p->size);
    else
        fprintf(stderr, "\rcasewatch-audit: %s: %llu records ", p->name, records);
}

static int feed(cw_audit_t *au, const args_t *a, progress_t *pr)
{
    int n = a->n_files ? a->n_files : 1;
    char err[256];
    for (int i = 0; i < n; i++) {
        const char *name = a->n_files ? a->files[i] : "-";
        FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
        if (!f) {
            fprintf(stderr, "casewatch-audit: %s: %s\n", name, strerror(errno));
            return -1;
        }
        struct stat st;
        pr->in = f;
        pr->name = f == stdin ? "standard input" : name;
        pr->size = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) ? (long long)st.st_size : 0;
        int rc =
            a->avro_in ? cw_audit_feed_avro(au, f, err, sizeof(err)) : cw_audit_feed_json(au, f);
        if (rc != 0)
            fprintf(stderr, "casewatch-audit: %s: %s\n", pr->name, a->avro_in ? err : "read error");
        if (f != stdin)
            fclose(f);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* The model's warnings, on standard error too (in English, as every
 * message of the program). */
static void warn(const json_t *model)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(model, "warnings"), i, w)
    {
        if (strcmp(json_string_value(w), "as_of_after_last_event") == 0)
            fprintf(stderr,
                    "casewatch-audit: warning: --as-of %s is past the export's last event (%s): "
                    "obligations due after it are counted as overdue although the export cannot "
                    "show whether they were met\n",
                    json_string_value(json_object_get(model, "as_of")),
                    json_string_value(
                        json_object_get(json_object_get(model, "input"), "export_last_event")));
    }
}

static int write_file(const json_t *model, const args_t *a, const char *path, bool json)
{
    FILE *out = path ? fopen(path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "casewatch-audit: %s: %s\n", path, strerror(errno));
        return 1;
    }
    int w = json ? cw_report_write_json(model, out) : cw_report_write_html(model, a->lang, out);
    if ((out != stdout ? fclose(out) : fflush(out)) != 0 || w != 0) {
        fprintf(stderr, "casewatch-audit: %s: write error\n", path ? path : "standard output");
        return 1;
    }
    return 0;
}

/* The report (HTML or JSON), the CSV tables, the PDF (from the HTML: the
 * --output file when it is HTML, else a temporary copy). */
static int write_outputs(const json_t *model, const args_t *a)
{
    char err[512];
    int rc = write_file(model, a, a->output, a->json_out);
    if (a->csv && cw_report_write_csv(model, a->csv, err, sizeof(err)) != 0) {
        fprintf(stderr, "casewatch-audit: %s\n", err);
        rc = 1;
    }
    if (!a->pdf || rc)
        return rc;
    char tmpdir[] = "/tmp/casewatch-audit.XXXXXX", html[64];
    bool own = a->json_out || !a->output;
    if (own && !mkdtemp(tmpdir)) {
        fprintf(stderr, "casewatch-audit: temporary directory: %s\n", strerror(errno));
        return 1;
    }
    snprintf(html, sizeof(html), "%s/report.html", tmpdir);
    if (own && write_file(model, &(args_t){.lang = a->lang}, html, false) != 0)
        rc = 1;
    if (rc == 0 && cw_report_print_pdf(own ? html : a->output, a->pdf, err, sizeof(err)) != 0) {
        fprintf(stderr, "casewatch-audit: --pdf: %s\n", err);
        rc = 1;
    }
    if (own) {
        unlink(html);
        rmdir(tmpdir);
    }
    return rc;
}

int main(int argc, char **argv)
{
    args_t a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    char err[512];
    if (cw_time_init(getenv("CASEWATCH_TIME_ZONE"), err, sizeof(err)) != CW_OK) {
        fprintf(stderr, "casewatch-audit: %s\n", err);
        return 1;
    }
    cw_instant_t as_of;
    if (a.as_of && cw_time_parse(a.as_of, strlen(a.as_of), &as_of, NULL, err, sizeof(err)) != CW_OK)
        return usage("--as-of must be an RFC 3339 time with offset");
    cw_date_t from = 0, to = 0;
    if (a.from && cw_date_parse(a.from, strlen(a.from), &from) != CW_OK)
        return usage("--from must be a date YYYY-MM-DD");
    if (a.to && cw_date_parse(a.to, strlen(a.to), &to) != CW_OK)
        return usage("--to must be a date YYYY-MM-DD");
    if (a.from && a.to && to < from)
        return usage("--to is before --from");
    cw_rulepack_t *pack = NULL;
    if ((a.rules ? cw_rulepack_load_file(a.rules, &pack, err, sizeof(err))
                 : cw_rulepack_load_default(&pack, err, sizeof(err))) != CW_OK) {
        fprintf(stderr, "casewatch-audit: rule pack: %s\n", err);
        return 1;
    }
    cw_audit_t *au = cw_audit_new(pack, a.as_of ? &as_of : NULL);
    cw_audit_set_period(au, a.from ? &from : NULL, a.to ? &to : NULL);
    progress_t pr = {0};
    if (isatty(STDERR_FILENO))
        cw_audit_set_progress(au, on_progress, &pr);
    rc = feed(au, &a, &pr) == 0 ? 0 : 1;
    if (pr.shown)
        fputs("\rcasewatch-audit: input read; building the report\x1b[K\n", stderr);
    json_t *model = rc == 0 ? cw_audit_finish(au) : NULL;
    if (model) {
        warn(model);
        rc = write_outputs(model, &a);
        json_decref(model);
    }
    cw_audit_destroy(au);
    cw_rulepack_destroy(pack);
    return rc;
}
