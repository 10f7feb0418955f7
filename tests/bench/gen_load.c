/* Fast caseload generator for the benchmark suite (C, so millions of cases
 * take seconds, not minutes). Writes JSON lines and/or an Avro container
 * file of the same events.
 *
 *   gen_load mix  CASES [--seed N] [--json FILE] [--avro FILE]
 *   gen_load open CASES [--json FILE] [--avro FILE]
 *
 * mix:  the caseload of gen_events.py (same shape, own random stream): a
 *       report per case (1 in 5 about violence), protection assessment,
 *       preassessment (38 % open an investigation, the child heard, a
 *       conclusion), 1 in 12 a placement with visits and reconsiderations
 *       (40 % still ongoing), ~10 % of steps late, half the cases closed;
 *       events in time order over 2025.
 * open: CASES open cases, each one report.received on 2025-03-03 between
 *       08:00 and 12:00 (+01:00): two open obligations per case (protection
 *       assessment, due that same day, and the 14-day preassessment), so
 *       every case stays open and the first obligations all fall due at
 *       once (the deadline-firing and memory benchmarks).
 *
 * Prints "events=N cases=N" on standard error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "base/time.h"
#include "model/event_avro.h"
#include "model/event_json.h"
#include "model/ocf.h"

enum {
    T_REPORT,
    T_PROTECTION,
    T_INV_OPENED,
    T_CHILD_HEARD,
    T_INV_CONCLUDED,
    T_PLACEMENT_STARTED,
    T_CARE_PLAN,
    T_VISITED,
    T_RECONSIDERED,
    T_PLACEMENT_ENDED,
    T_INV_NOT_OPENED,
    T_CLOSED,
};

static const char *type_names[] = {
    "report.received",         "protection.assessed", "investigation.opened",     "child.heard",
    "investigation.concluded", "placement.started",   "care_plan.established",    "child.visited",
    "care.reconsidered",       "placement.ended",     "investigation.not_opened", "case.closed",
};

typedef struct {
    int64_t t; /* Unix seconds */
    uint32_t seq;
    uint32_t case_i;
    uint8_t type, arg; /* arg: violence | reporter<<1, or the outcome */
} gev_t;

typedef struct {
    gev_t *v;
    size_t n, cap;
    uint32_t seq;
} evs_t;

static void add(evs_t *e, uint32_t case_i, int type, int64_t t, int arg)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 1 << 20;
        e->v = realloc(e->v, e->cap * sizeof(*e->v));
        if (!e->v) {
            fprintf(stderr, "gen_load: out of memory\n");
            exit(1);
        }
    }
    e->v[e->n++] = (gev_t){t, e->seq++, case_i, (uint8_t)type, (uint8_t)arg};
}

/* xoshiro256** seeded by splitmix64 */
static uint64_t rs[4];
static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}
static uint64_t next(void)
{
    uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;
    rs[2] ^= rs[0];
    rs[3] ^= rs[1];
    rs[1] ^= rs[2];
    rs[0] ^= rs[3];
    rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return r;
}
static void seed(uint64_t s)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        rs[i] = z ^ (z >> 31);
    }
}
static double uni(void)
{
    return (double)(next() >> 11) * 0x1.0p-53;
}
static int64_t range(int64_t lo, int64_t hi) /* inclusive */
{
    return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1));
}

#define DAY  86400
#define HOUR 3600
/* 2025-01-01T09:00:00+01:00 */
#define T2025 1735718400

static void mix_case(evs_t *e, uint32_t i)
{
    int64_t t = T2025 + 60 * range(0, 365 * 24 * 60 - 1);
    int violence = uni() < 0.2;
    add(e, i, T_REPORT, t, violence | (int)(range(0, 2) << 1));
    add(e, i, T_PROTECTION, t + 2 * HOUR, 0);
    int64_t t2 = t + DAY * (uni() < 0.1 ? range(15, 30) : range(3, 13));
    if (uni() < 0.38) {
        add(e, i, T_INV_OPENED, t2, 0);
        add(e, i, T_CHILD_HEARD, t2 + 20 * DAY, 0);
        int64_t t3 = t2 + DAY * (uni() < 0.1 ? range(125, 160) : range(40, 110));
        add(e, i, T_INV_CONCLUDED, t3, (int)range(0, 1));
        t2 = t3;
        if (uni() < 0.22) {
            add(e, i, T_PLACEMENT_STARTED, t3 + DAY, 0);
            add(e, i, T_CARE_PLAN, t3 + 5 * DAY, 0);
            int64_t tv = t3;
            for (int k = (int)range(1, 4); k > 0; k--) {
                tv += DAY * range(60, 100);
                add(e, i, T_VISITED, tv, 0);
                add(e, i, T_RECONSIDERED, tv + DAY, 0);
            }
            if (uni() < 0.4)
                return; /* an ongoing placement: the case stays open */
            add(e, i, T_PLACEMENT_ENDED, tv + 10 * DAY, 0);
            t2 = tv + 10 * DAY;
        }
    } else {
        add(e, i, T_INV_NOT_OPENED, t2, 0);
    }
    if (uni() < 0.5)
        add(e, i, T_CLOSED, t2 + DAY, 0);
}

static int cmp(const void *a, const void *b)
{
    const gev_t *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Days since 1970-01-01 to y-m-d (Howard Hinnant's civil_from_days). */
static void civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static int format(char *buf, size_t size, const gev_t *g)
{
    static const char *reporters[] = {"police", "school", "health"};
    static const char *outcomes[] = {"measures", "no_measures"};
    int64_t local = g->t + HOUR; /* written with a fixed +01:00 offset */
    int y, mo, d;
    civil(local / DAY, &y, &mo, &d);
    int s = (int)(local % DAY);
    char data[160];
    switch (g->type) {
    case T_REPORT:
        snprintf(data, sizeof(data),
                 "\"report_id\":\"R1\",\"child\":\"B%u\",\"violence\":%s,\"reporter\":\"%s\",",
                 g->case_i, g->arg & 1 ? "true" : "false", reporters[g->arg >> 1]);
        break;
    case T_PROTECTION:
    case T_INV_NOT_OPENED:
        snprintf(data, sizeof(data), "\"report_id\":\"R1\",");
        break;
    case T_INV_OPENED:
        snprintf(data, sizeof(data), "\"investigation_id\":\"U1\",\"report_id\":\"R1\",");
        break;
    case T_CHILD_HEARD:
        snprintf(data, sizeof(data), "\"investigation_id\":\"U1\",");
        break;
    case T_INV_CONCLUDED:
        snprintf(data, sizeof(data), "\"investigation_id\":\"U1\",\"outcome\":\"%s\",",
                 outcomes[g->arg & 1]);
        break;
    case T_PLACEMENT_STARTED:
        snprintf(data, sizeof(data),
                 "\"placement_id\":\"P1\",\"basis\":\"sol\",\"setting\":\"family_home\",");
        break;
    case T_PLACEMENT_ENDED:
        snprintf(data, sizeof(data), "\"placement_id\":\"P1\",\"reason\":\"care_ended\",");
        break;
    case T_CARE_PLAN:
    case T_VISITED:
    case T_RECONSIDERED:
        snprintf(data, sizeof(data), "\"placement_id\":\"P1\",");
        break;
    default:
        data[0] = '\0';
    }
    return snprintf(buf, size,
                    "{\"specversion\":\"1.0\",\"id\":\"C-%07u-%u\",\"source\":\"urn:kommun:0180:"
                    "ifo\",\"type\":\"se.casewatch.%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d+"
                    "01:00\",\"subject\":\"C-%07u\",\"data\":{%s\"municipality\":\"0180\"}}",
                    g->case_i, g->seq, type_names[g->type], y, mo, d, s / 3600, s / 60 % 60, s % 60,
                    g->case_i, data);
}

static int usage(void)
{
    fprintf(stderr, "usage: gen_load mix|open CASES [--seed N] [--json FILE] [--avro FILE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    int mix = strcmp(argv[1], "mix") == 0;
    if (!mix && strcmp(argv[1], "open") != 0)
        return usage();
    uint32_t cases = (uint32_t)strtoul(argv[2], NULL, 10);
    const char *json_path = NULL, *avro_path = NULL;
    uint64_t sd = 1;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seed") == 0)
            sd = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--json") == 0)
            json_path = argv[i + 1];
        else if (strcmp(argv[i], "--avro") == 0)
            avro_path = argv[i + 1];
        else
            return usage();
    }
    if ((argc - 3) % 2 || cases == 0 || cases > 9999999)
        return usage();
    char err[256];
    if (cw_time_init(NULL, err, sizeof(err)) != CW_OK) {
        fprintf(stderr, "gen_load: %s\n", err);
        return 1;
    }
    evs_t e = {0};
    seed(sd);
    if (mix) {
        for (uint32_t i = 0; i < cases; i++)
            mix_case(&e, i);
        qsort(e.v, e.n, sizeof(*e.v), cmp);
    } else {
        /* 2025-03-03T08:00:00+01:00 plus up to four hours, in case order */
        for (uint32_t i = 0; i < cases; i++)
            add(&e, i, T_REPORT, 1740985200 + (int64_t)i * 4 * HOUR / cases, 0);
    }
    FILE *jf = NULL, *af = NULL;
    if (json_path && !(jf = fopen(json_path, "w"))) {
        perror(json_path);
        return 1;
    }
    if (avro_path && !(af = fopen(avro_path, "wb"))) {
        perror(avro_path);
        return 1;
    }
    static char jbuf[1 << 20];
    if (jf)
        setvbuf(jf, jbuf, _IOFBF, sizeof(jbuf));
    cw_ocf_writer_t *w =
        af ? cw_ocf_writer_new(af, cw_schema_case_event, cw_schema_case_event_len) : NULL;
    cw_jsonw_t ab, check;
    cw_jsonw_init(&ab);
    cw_jsonw_init(&check);
    /* Avro: each (type, arg) is decoded from its JSON once; later events
     * copy that template and set their own id, subject, time and child
     * (what differs between events of one kind), which makes millions of
     * records take seconds. The first 1000 events and every 65 536th are
     * also decoded in full and must encode to the same bytes. */
    static cw_event_t tmpl[T_CLOSED + 1][8], full;
    static char have[T_CLOSED + 1][8];
    cw_event_t ev;
    char line[1024];
    for (size_t k = 0; k < e.n; k++) {
        const gev_t *g = &e.v[k];
        int len = format(line, sizeof(line), g);
        if (jf) {
            line[len] = '\n';
            fwrite(line, 1, (size_t)len + 1, jf);
        }
        if (!w)
            continue;
        cw_reject_t rej;
        if (!have[g->type][g->arg]) {
            if (cw_event_from_json(line, (size_t)len, &tmpl[g->type][g->arg], &rej) !=
                CW_REJ_NONE) {
                fprintf(stderr, "gen_load: generated event rejected: %.*s\n", len, line);
                return 1;
            }
            have[g->type][g->arg] = 1;
        }
        ev = tmpl[g->type][g->arg];
        snprintf(ev.id, sizeof(ev.id), "C-%07u-%u", g->case_i, g->seq);
        snprintf(ev.subject, sizeof(ev.subject), "C-%07u", g->case_i);
        if (g->type == T_REPORT)
            snprintf(ev.child, sizeof(ev.child), "B%u", g->case_i);
        ev.time = (cw_instant_t)g->t * 1000;
        cw_jsonw_reset(&ab);
        cw_event_write_avro(&ev, &ab);
        if (k < 1000 || k % 65536 == 0) {
            if (cw_event_from_json(line, (size_t)len, &full, &rej) != CW_REJ_NONE) {
                fprintf(stderr, "gen_load: generated event rejected: %.*s\n", len, line);
                return 1;
            }
            cw_jsonw_reset(&check);
            cw_event_write_avro(&full, &check);
            if (check.len != ab.len || memcmp(check.p, ab.p, ab.len) != 0) {
                fprintf(stderr, "gen_load: template encoding differs for %.*s\n", len, line);
                return 1;
            }
        }
        if (cw_ocf_writer_append(w, ab.p, ab.len) != CW_OK) {
            fprintf(stderr, "gen_load: %s: write error\n", avro_path);
            return 1;
        }
    }
    if ((w && cw_ocf_writer_close(w) != CW_OK) || (af && fclose(af) != 0) ||
        (jf && fclose(jf) != 0)) {
        fprintf(stderr, "gen_load: write error\n");
        return 1;
    }
    cw_jsonw_free(&ab);
    cw_jsonw_free(&check);
    free(e.v);
    fprintf(stderr, "events=%zu cases=%u\n", e.n, cases);
    return 0;
}
