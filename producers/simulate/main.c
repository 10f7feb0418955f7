/* casewatch-simulate: a realistic, deterministic caseload as case events.
 *
 *   casewatch-simulate [--seed N] [--from DATE] [--to DATE | --days N]
 *       [--municipalities N | --municipality CODE ...] [--scale F]
 *       [--late-share F] [--history-years N] [--expected FILE] [--stats FILE]
 *       [--speed DAYS_PER_SECOND | --as-fast-as-possible] [--clock-file FILE]
 *       [--format json|avro] [--output FILE |
 *        --bootstrap SERVERS --topic TOPIC [--schema-registry URL] [-X KEY=VALUE ...]]
 *
 * Without --bootstrap, JSON lines (or an Avro container file) go to
 * standard output or --output. Exit status 0 on success, 1 when events
 * could not be written or delivered, 2 on bad usage, 130 when interrupted. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simrun.h"

#define NAME      "casewatch-simulate"
#define MAX_PROPS 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int usage(const char *why)
{
    fprintf(stderr,
            NAME ": %s\n"
                 "usage: " NAME " [--seed N] [--from DATE] [--to DATE | --days N]\n"
                 "    [--municipalities N | --municipality CODE ...] [--scale F] [--late-share F]\n"
                 "    [--history-years N] [--expected FILE] [--stats FILE]\n"
                 "    [--speed DAYS_PER_SECOND | --as-fast-as-possible] [--clock-file FILE]\n"
                 "    [--format json|avro] [--output FILE | --bootstrap SERVERS --topic TOPIC\n"
                 "     [--schema-registry URL] [-X KEY=VALUE ...]]\n",
            why);
    return 2;
}

typedef struct {
    sim_conf_t conf;
    cw_sink_conf_t sink;
    const char *output, *expected, *stats, *clock_file;
    double speed;
    int days;
    const char *props[MAX_PROPS + 1];
    int n_props;
} args_t;

static bool number(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

static bool date(const char *s, cw_date_t *out)
{
    return cw_date_parse(s, strlen(s), out) == CW_OK;
}

static const sim_muni_t *find_muni(const char *code)
{
    for (int i = 0; i < sim_n_munis; i++)
        if (strcmp(sim_munis[i].code, code) == 0)
            return &sim_munis[i];
    return NULL;
}

static int parse_args(int argc, char **argv, args_t *a)
{
    static const struct option opts[] = {{"seed", required_argument, NULL, 's'},
                                         {"from", required_argument, NULL, 'F'},
                                         {"to", required_argument, NULL, 'T'},
                                         {"days", required_argument, NULL, 'D'},
                                         {"municipalities", required_argument, NULL, 'n'},
                                         {"municipality", required_argument, NULL, 'm'},
                                         {"scale", required_argument, NULL, 'c'},
                                         {"late-share", required_argument, NULL, 'l'},
                                         {"history-years", required_argument, NULL, 'H'},
                                         {"expected", required_argument, NULL, 'e'},
                                         {"stats", required_argument, NULL, 'S'},
                                         {"speed", required_argument, NULL, 'p'},
                                         {"as-fast-as-possible", no_argument, NULL, 'a'},
                                         {"clock-file", required_argument, NULL, 'k'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"bootstrap", required_argument, NULL, 'b'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"schema-registry", required_argument, NULL, 'r'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof(*a));
    a->conf.seed = 1;
    a->conf.from = cw_date_from_ymd(2025, 1, 1);
    a->conf.to = cw_date_from_ymd(2026, 1, 1);
    a->conf.scale = 1.0;
    a->conf.late_share = 0.12;
    a->conf.history_years = 2;
    a->sink.name = NAME;
    int n_munis = 1, c;
    bool to_set = false;
    double v;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "X:", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (!number(optarg, 0, 9007199254740992.0, &v))
                return usage("--seed takes a non-negative integer");
            a->conf.seed = (uint64_t)v;
            break;
        case 'F':
            if (!date(optarg, &a->conf.from))
                return usage("--from takes a date YYYY-MM-DD");
            break;
        case 'T':
            if (!date(optarg, &a->conf.to))
                return usage("--to takes a date YYYY-MM-DD");
            to_set = true;
            break;
        case 'D':
            if (!number(optarg, 1, 36600, &v))
                return usage("--days takes 1 to 36600");
            a->days = (int)v;
            break;
        case 'n':
            if (!number(optarg, 1, sim_n_munis, &v))
                return usage("--municipalities takes 1 to 20");
            n_munis = (int)v;
            break;
        case 'm':
            if (a->conf.n_munis == SIM_MAX_MUNIS)
                return usage("too many --municipality");
            if (!(a->conf.munis[a->conf.n_munis++] = find_muni(optarg)))
                return usage("--municipality: not a kommunkod the simulator knows (see --help)");
            break;
        case 'c':
            if (!number(optarg, 0.001, 100, &v))
                return usage("--scale takes 0.001 to 100");
            a->conf.scale = v;
            break;
        case 'l':
            if (!number(optarg, 0, 1, &v))
                return usage("--late-share takes 0 to 1");
            a->conf.late_share = v;
            break;
        case 'H':
            if (!number(optarg, 0, 10, &v))
                return usage("--history-years takes 0 to 10");
            a->conf.history_years = (int)v;
            break;
        case 'e':
            a->expected = optarg;
            break;
        case 'S':
            a->stats = optarg;
            break;
        case 'p':
            if (!number(optarg, 0.001, 1e6, &v))
                return usage("--speed takes simulated days per second (0.001 to 1e6)");
            a->speed = v;
            break;
        case 'a':
            a->speed = 0;
            break;
        case 'k':
            a->clock_file = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "avro") != 0)
                return usage("formats: json, avro");
            a->sink.format = strcmp(optarg, "avro") == 0 ? CW_SINK_AVRO : CW_SINK_JSON;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'b':
            a->sink.bootstrap = optarg;
            break;
        case 't':
            a->sink.topic = optarg;
            break;
        case 'r':
            a->sink.registry_url = optarg;
            break;
        case 'q':
            a->sink.quiet = true;
            break;
        case 'X':
            if (a->n_props == MAX_PROPS || !strchr(optarg, '='))
                return usage("-X takes KEY=VALUE (at most 64)");
            a->props[a->n_props++] = optarg;
            break;
        case 'h':
            usage("help");
            fprintf(stderr, "municipalities (kommunkod name population):\n");
            for (int i = 0; i < sim_n_munis; i++)
                fprintf(stderr, "  %s %s %d\n", sim_munis[i].code, sim_munis[i].name,
                        sim_munis[i].population);
            return 1;
        default:
            return usage("unknown option or missing argument");
        }
    }
    if (optind < argc)
        return usage("no positional arguments");
    if (a->days)
        a->conf.to = a->conf.from + a->days;
    else if (!to_set)
        a->conf.to = a->conf.from + 365;
    if (a->conf.to <= a->conf.from)
        return usage("--to must be after --from");
    if (a->conf.n_munis == 0) {
        for (int i = 0; i < n_munis; i++)
            a->conf.munis[i] = &sim_munis[i];
        a->conf.n_munis = n_munis;
    }
    if (a->sink.bootstrap && !a->sink.topic)
        return usage("--topic is required with --bootstrap");
    if (a->sink.bootstrap && a->output)
        return usage("--output or --bootstrap, not both");
    a->props[a->n_props] = NULL;
    a->sink.props = a->props;
    a->sink.registry_auth = getenv("CASEWATCH_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO");
    return 0;
}

static void print_stats(FILE *f, const sim_stats_t *st, bool json)
{
    double per = st->population > 0 && st->years > 0 ? 100000.0 / st->population / st->years : 0;
    uint64_t reports = st->by_type[CW_EV_REPORT_RECEIVED];
    if (json) {
        fprintf(f,
                "{\"population\":%.0f,\"years\":%.4f,\"cases\":%llu,\"history_cases\":%llu,"
                "\"events\":%llu,\"history_events\":%llu,\"reports\":%llu,"
                "\"violence_reports\":%llu,\"reports_investigated\":%llu,"
                "\"investigations\":%llu,\"placements\":%llu,\"lvu_placements\":%llu,"
                "\"emergency_custodies\":%llu,\"by_type\":{",
                st->population, st->years, (unsigned long long)st->cases,
                (unsigned long long)st->stock_cases, (unsigned long long)st->events,
                (unsigned long long)st->history_events, (unsigned long long)reports,
                (unsigned long long)st->violence_reports,
                (unsigned long long)st->reports_investigated,
                (unsigned long long)st->by_type[CW_EV_INVESTIGATION_OPENED],
                (unsigned long long)st->by_type[CW_EV_PLACEMENT_STARTED],
                (unsigned long long)st->lvu_placements,
                (unsigned long long)st->by_type[CW_EV_LVU_EMERGENCY_CUSTODY]);
        for (int t = 0; t < CW_EV__COUNT; t++)
            fprintf(f, "%s\"%s\":%llu", t ? "," : "", cw_event_type_name((cw_event_type_t)t),
                    (unsigned long long)st->by_type[t]);
        fprintf(f, "},\"planted\":{");
        for (int i = 0; i < SIM_N_RULES; i++)
            fprintf(f, "%s\"%s\":%llu", i ? "," : "", sim_rules[i],
                    (unsigned long long)st->planted[i]);
        fprintf(f, "}}\n");
        return;
    }
    fprintf(f,
            NAME ": %llu cases (%llu begun before the range), %llu events (+%llu before it)\n" NAME
                 ": per 100 000 inhabitants a year: %.0f reports (%.0f%% about violence, %.0f%% "
                 "investigated), %.0f placements (%.0f%% LVU), %.0f LVU emergency custodies\n",
            (unsigned long long)st->cases, (unsigned long long)st->stock_cases,
            (unsigned long long)st->events, (unsigned long long)st->history_events,
            (double)reports * per,
            reports ? 100.0 * (double)st->violence_reports / (double)reports : 0,
            reports ? 100.0 * (double)st->reports_investigated / (double)reports : 0,
            (double)st->by_type[CW_EV_PLACEMENT_STARTED] * per,
            st->by_type[CW_EV_PLACEMENT_STARTED]
                ? 100.0 * (double)st->lvu_placements / (double)st->by_type[CW_EV_PLACEMENT_STARTED]
                : 0,
            (double)st->by_type[CW_EV_LVU_EMERGENCY_CUSTODY] * per);
    uint64_t planted = 0;
    for (int i = 0; i < SIM_N_RULES; i++)
        planted += st->planted[i];
    fprintf(f, NAME ": %llu late steps planted\n", (unsigned long long)planted);
}

int main(int argc, char **argv)
{
    char err[256];
    if (cw_time_init(getenv("CASEWATCH_TIME_ZONE"), err, sizeof(err)) != CW_OK) {
        fprintf(stderr, NAME ": %s\n", err);
        return 1;
    }
    args_t a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    FILE *out = NULL, *expected = NULL;
    if (!a.sink.bootstrap) {
        out = a.output && strcmp(a.output, "-") != 0 ? fopen(a.output, "wb") : stdout;
        if (!out) {
            fprintf(stderr, NAME ": %s: %s\n", a.output, strerror(errno));
            return 1;
        }
        static char buf[1 << 16];
        if (out == stdout)
            setvbuf(stdout, buf, _IOFBF, sizeof(buf));
    }
    a.sink.out = out;
    if (a.expected && !(expected = fopen(a.expected, "w"))) {
        fprintf(stderr, NAME ": %s: %s\n", a.expected, strerror(errno));
        return 1;
    }
    cw_sink_t *sink = cw_sink_new(&a.sink, err, sizeof(err));
    if (!sink) {
        fprintf(stderr, NAME ": %s\n", err);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    sim_out_t so = {.sink = sink,
                    .expected = expected,
                    .speed = a.speed,
                    .clock_file = a.clock_file,
                    .stop = &stop};
    sim_stats_t st;
    bool ok = sim_run(&a.conf, &so, &st, err, sizeof(err));
    if (!ok)
        fprintf(stderr, NAME ": %s\n", err);
    cw_sink_stats_t ss;
    /* Interrupted: what is in flight gets a few seconds, not a minute. */
    if (!cw_sink_close(sink, stop ? 5000 : 60000, &ss))
        ok = false;
    if (out && out != stdout && fclose(out) != 0)
        ok = false;
    if (expected && fclose(expected) != 0)
        ok = false;
    print_stats(stderr, &st, false);
    if (a.sink.bootstrap)
        fprintf(stderr, NAME ": %llu sent, %llu delivered, %llu failed\n",
                (unsigned long long)ss.sent, (unsigned long long)ss.delivered,
                (unsigned long long)ss.failed);
    if (a.stats) {
        FILE *f = fopen(a.stats, "w");
        if (!f) {
            fprintf(stderr, NAME ": %s: %s\n", a.stats, strerror(errno));
            return 1;
        }
        print_stats(f, &st, true);
        if (fclose(f) != 0)
            ok = false;
    }
    if (!ok)
        return 1;
    return st.interrupted ? 130 : 0;
}
