/* The simulator's engine room: the arrival of cases, the time-ordered heap
 * of planned events, emission (paced or as fast as possible), the expected
 * list and the counts. */
#include "simrun.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/calendar.h"
#include "base/mem.h"

/* Calibration (legal-rules.md §5, Socialstyrelsen 2018/2021): about 4 000
 * reports a year per 100 000 inhabitants; a case (a child) gets about 1.24
 * reports in the planner's flow (measured), so cases arrive at 4 000 / 1.24. About
 * 120 new placements a year per 100 000 make the history of running ones. */
#define REPORTS_PER_100K    4000.0
#define REPORTS_PER_CASE    1.24
#define PLACEMENTS_PER_100K 120.0

/* Caseworkers per 100 000 inhabitants, per phase (intake, investigation,
 * placement), and how much later than average each tends to be. */
static const double workers_per_100k[3] = {5, 12, 9};
static const double lateness[] = {0.3, 0.6, 1.0, 1.4, 1.7};

/* Monthly and weekly rhythm of reports (school terms, summer, Christmas). */
static const double month_w[12] = {0.95, 1.0,  1.05, 1.05, 1.1, 0.95,
                                   0.7,  0.85, 1.1,  1.1,  1.1, 0.95};
static const double weekday_w[8] = {0, 1.25, 1.2, 1.15, 1.15, 1.0, 0.35, 0.3};

static const char *const units[3] = {"Mottagning", "Utredning barn och unga",
                                     "Placering och familjehem"};
static const char unit_letter[3] = {'m', 'u', 'p'};

struct sim_s {
    sim_conf_t conf;
    sim_out_t out;
    cw_instant_t from_t, to_t;
    sim_case_t *cases;
    uint32_t n_cases, cap_cases;
    sim_event_t *heap;
    size_t n_heap, cap_heap;
    int serial[SIM_MAX_MUNIS]; /* case numbers per municipality */
    int muni_index[SIM_MAX_MUNIS];
    sim_counts_t counts;
    sim_stats_t st;
    cw_event_t ev;
    struct timespec real_start;
    double last_clock_write;
    bool failed;
    char err[256];
};

/* ---- the planner's view ---- */

const sim_conf_t *sim_conf(const sim_t *s)
{
    return &s->conf;
}

sim_counts_t *sim_counts(sim_t *s)
{
    return &s->counts;
}

sim_case_t *sim_case(sim_t *s, uint32_t no)
{
    return &s->cases[no];
}

static double scaled_pop(const sim_t *s, int muni)
{
    return sim_munis[muni].population * s->conf.scale;
}

int sim_workers(const sim_t *s, int muni, int phase)
{
    int n = (int)lround(scaled_pop(s, muni) / 100000.0 * workers_per_100k[phase]);
    return n < 2 ? 2 : n > 999 ? 999 : n;
}

double sim_worker_lateness(const sim_t *s, int muni, int phase, int worker)
{
    rng_t r;
    rng_seed(&r, s->conf.seed, (uint64_t)muni * 8 + (uint64_t)phase, (uint64_t)worker + 77);
    return lateness[rng_int(&r, 0, 4)];
}

/* Min-heap on (time, case, seq). */
static bool before(const sim_event_t *a, const sim_event_t *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    if (a->case_no != b->case_no)
        return a->case_no < b->case_no;
    return a->seq < b->seq;
}

void sim_push(sim_t *s, const sim_event_t *e)
{
    if (e->t >= s->to_t)
        return; /* after the simulated range: never emitted */
    if (s->n_heap == s->cap_heap) {
        s->cap_heap = s->cap_heap ? s->cap_heap * 2 : 4096;
        s->heap = cw_realloc(s->heap, s->cap_heap * sizeof(*s->heap));
    }
    size_t i = s->n_heap++;
    while (i > 0 && before(e, &s->heap[(i - 1) / 2])) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = *e;
    s->cases[e->case_no].n_events++;
}

static void pop(sim_t *s, sim_event_t *out)
{
    *out = s->heap[0];
    sim_event_t last = s->heap[--s->n_heap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->n_heap)
            break;
        if (c + 1 < s->n_heap && before(&s->heap[c + 1], &s->heap[c]))
            c++;
        if (!before(&s->heap[c], &last))
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->n_heap)
        s->heap[i] = last;
}

static const char *subject_prefix(const char *kind)
{
    return strcmp(kind, "report") == 0          ? "R"
           : strcmp(kind, "investigation") == 0 ? "U"
           : strcmp(kind, "placement") == 0     ? "P"
                                                : "O";
}

void sim_plant(sim_t *s, uint32_t no, const char *rule, const char *kind, int ref,
               const char *alert, cw_instant_t at, cw_instant_t late_action)
{
    for (int i = 0; i < SIM_N_RULES; i++)
        if (strcmp(sim_rules[i], rule) == 0)
            s->st.planted[i]++;
    if (!s->out.expected)
        return;
    char buf[CW_TIME_STR_SIZE];
    fprintf(s->out.expected,
            "{\"case\":\"%s\",\"rule\":\"%s\",\"subject\":\"%s:%s%d\",\"kind\":\"%s\"",
            s->cases[no].id, rule, kind, subject_prefix(kind), ref, alert);
    if (at)
        fprintf(s->out.expected, ",\"at\":\"%s\"", cw_time_format(at, buf));
    if (late_action)
        fprintf(s->out.expected, ",\"action\":\"%s\",\"resolved\":%s",
                cw_time_format(late_action, buf), late_action < s->to_t ? "true" : "false");
    fputs("}\n", s->out.expected);
}

const char *const sim_rules[SIM_N_RULES] = {
    "protection_assessment_immediate",
    "preassessment_14d",
    "violence_report_investigation",
    "investigation_4_months",
    "child_heard_before_conclusion",
    "violence_risk_before_conclusion",
    "followup_closed_investigation",
    "followup_ended_placement",
    "care_plan_at_placement",
    "care_plan_revision_2_years",
    "placed_child_visits",
    "sol_reconsideration_6_months",
    "lvu2_reconsideration_6_months",
    "lvu3_review_6_months",
    "custody_transfer_consideration",
    "moving_ban_consideration",
    "contact_restriction_review_3_months",
    "post_lvu_care_followup_start",
    "post_lvu_care_followup_6_months",
    "lvu_emergency_court_submission_1_week",
    "lvu_care_application_4_weeks",
};

/* ---- cases ---- */

static uint32_t new_case(sim_t *s, int m, cw_date_t day)
{
    if (s->n_cases == s->cap_cases) {
        s->cap_cases = s->cap_cases ? s->cap_cases * 2 : 1024;
        s->cases = cw_realloc(s->cases, s->cap_cases * sizeof(*s->cases));
    }
    uint32_t no = s->n_cases++;
    sim_case_t *c = &s->cases[no];
    memset(c, 0, sizeof(*c));
    int mi = s->muni_index[m];
    c->muni = (uint16_t)mi;
    int y, mo, d;
    cw_date_to_ymd(day, &y, &mo, &d);
    snprintf(c->id, sizeof(c->id), "%s-%04d-%05d", sim_munis[mi].code, y, ++s->serial[m]);
    rng_t r;
    rng_seed(&r, s->conf.seed, no, 0xc41d);
    snprintf(c->child, sizeof(c->child), "B-%010llx",
             (unsigned long long)(rng_next(&r) & 0xffffffffffULL));
    return no;
}

/* ---- emission ---- */

static double real_now(const sim_t *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)(ts.tv_sec - s->real_start.tv_sec) +
           (double)(ts.tv_nsec - s->real_start.tv_nsec) / 1e9;
}

/* The simulated instant now, when paced. */
static cw_instant_t sim_now(const sim_t *s)
{
    return s->from_t + (cw_instant_t)(real_now(s) * s->out.speed * (double)CW_MS_PER_DAY);
}

/* The simulated clock for the processor (processor.clock_file): written
 * to a temporary file and renamed, so a reader never sees half of it. */
static void write_clock(sim_t *s, cw_instant_t t)
{
    if (!s->out.clock_file)
        return;
    /* Everything before t is delivered before the clock says t, so a
     * reader caught up with the topic has seen it (give the reader some
     * grace too: processor.live_grace). */
    cw_sink_flush(s->out.sink, 5000);
    char tmp[4096], buf[CW_TIME_STR_SIZE];
    snprintf(tmp, sizeof(tmp), "%s.tmp", s->out.clock_file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%s\n", cw_time_format(t, buf));
    if (fclose(f) == 0)
        rename(tmp, s->out.clock_file);
}

/* Waits until simulated time reaches t (paced runs only). */
static void pace(sim_t *s, cw_instant_t t)
{
    if (s->out.speed <= 0 || t < s->from_t)
        return;
    for (;;) {
        cw_instant_t now = sim_now(s);
        double r = real_now(s);
        if (r - s->last_clock_write >= 0.2) {
            write_clock(s, now < t ? now : t);
            s->last_clock_write = r;
        }
        if (now >= t)
            return;
        if (s->out.sink)
            cw_sink_poll(s->out.sink);
        double wait = (double)(t - now) / ((double)CW_MS_PER_DAY * s->out.speed);
        if (wait > 0.1)
            wait = 0.1;
        struct timespec ts = {0, (long)(wait * 1e9) + 1000};
        nanosleep(&ts, NULL);
        if (s->out.stop && *s->out.stop)
            return;
    }
}

static void ref(char *dst, char letter, int n)
{
    snprintf(dst, CW_REF_MAX + 1, "%c%d", letter, n);
}

static const char *const no_investigation_reasons[] = {"no_need", "other_support", "already_known",
                                                       "moved"};

/* The planned event as a case event. */
static void render(sim_t *s, const sim_event_t *e, cw_event_t *ev)
{
    const sim_case_t *c = &s->cases[e->case_no];
    const sim_muni_t *m = &sim_munis[c->muni];
    cw_event_clear(ev);
    ev->type = (cw_event_type_t)e->type;
    ev->time = e->t;
    rng_t r;
    rng_seed(&r, s->conf.seed ^ 0xe7e47, e->case_no, e->seq);
    uint64_t a = rng_next(&r), b = rng_next(&r);
    snprintf(ev->id, sizeof(ev->id), "%08llx-%04llx-4%03llx-%04llx-%012llx",
             (unsigned long long)(a >> 32), (unsigned long long)((a >> 16) & 0xffff),
             (unsigned long long)(a & 0xfff), (unsigned long long)(0x8000 | (b >> 50)),
             (unsigned long long)(b & 0xffffffffffffULL));
    snprintf(ev->source, sizeof(ev->source), "urn:kommun:%s:ifo", m->code);
    snprintf(ev->subject, sizeof(ev->subject), "%s", c->id);
    memcpy(ev->municipality, m->code, CW_KOMMUN_LEN);
    snprintf(ev->unit, sizeof(ev->unit), "%s", units[e->phase]);
    snprintf(ev->caseworker, sizeof(ev->caseworker), "hs-%s-%c%02d", m->code, unit_letter[e->phase],
             c->worker[e->phase] + 1);
    if (e->date != INT32_MIN &&
        (e->type == CW_EV_REPORT_RECEIVED || e->type == CW_EV_PLACEMENT_STARTED)) {
        ev->present |= CW_F_CHILD_BORN;
        ev->born_year = (int16_t)(e->date / 12);
        ev->born_month = (int8_t)(e->date % 12 + 1);
    }
    switch (ev->type) {
    case CW_EV_REPORT_RECEIVED:
        ref(ev->report_id, 'R', e->ref);
        snprintf(ev->child, sizeof(ev->child), "%s", c->child);
        ev->violence = e->v1 ? CW_TRI_TRUE : CW_TRI_FALSE;
        ev->reporter = (cw_reporter_t)e->v2;
        break;
    case CW_EV_PROTECTION_ASSESSED:
        ref(ev->report_id, 'R', e->ref);
        ev->immediate_protection_needed = e->v1 == 2 ? CW_TRI_TRUE : CW_TRI_FALSE;
        break;
    case CW_EV_PREASSESSMENT_EXTENDED:
        ref(ev->report_id, 'R', e->ref);
        ev->present |= CW_F_UNTIL;
        ev->until = e->date;
        snprintf(ev->reason, sizeof(ev->reason), "awaiting_information");
        break;
    case CW_EV_REPORT_JOINED:
        ref(ev->report_id, 'R', e->ref);
        ref(ev->investigation_id, 'U', e->ref2);
        break;
    case CW_EV_INVESTIGATION_OPENED:
        ref(ev->investigation_id, 'U', e->ref);
        if (e->ref2)
            ref(ev->report_id, 'R', e->ref2);
        ev->violence = e->v1 ? CW_TRI_TRUE : CW_TRI_FALSE;
        break;
    case CW_EV_INVESTIGATION_NOT_OPENED:
        ref(ev->report_id, 'R', e->ref);
        snprintf(ev->reason, sizeof(ev->reason), "%s",
                 no_investigation_reasons[(e->case_no + e->seq) % 4]);
        break;
    case CW_EV_INVESTIGATION_EXTENDED:
        ref(ev->investigation_id, 'U', e->ref);
        ev->present |= CW_F_UNTIL;
        ev->until = e->date;
        snprintf(ev->reason, sizeof(ev->reason), "special_reasons");
        break;
    case CW_EV_CHILD_NOT_HEARD:
        snprintf(ev->reason, sizeof(ev->reason), "age_and_maturity");
        /* fall through */
    case CW_EV_CHILD_HEARD:
    case CW_EV_VIOLENCE_RISK_ASSESSED:
        ref(ev->investigation_id, 'U', e->ref);
        break;
    case CW_EV_INVESTIGATION_CONCLUDED:
        ref(ev->investigation_id, 'U', e->ref);
        ev->outcome = (cw_outcome_t)e->v1;
        break;
    case CW_EV_FOLLOWUP_DECIDED:
    case CW_EV_FOLLOWUP_CONCLUDED:
        if (e->phase == 2)
            ref(ev->placement_id, 'P', e->ref);
        else
            ref(ev->investigation_id, 'U', e->ref);
        break;
    case CW_EV_PLACEMENT_STARTED:
        ev->basis = (cw_basis_t)e->v1;
        /* fall through */
    case CW_EV_PLACEMENT_HOME_CHANGED:
        ref(ev->placement_id, 'P', e->ref);
        ev->setting = (cw_setting_t)e->v2;
        snprintf(ev->home_id, sizeof(ev->home_id), "H-%s-%03d", m->code, e->v3);
        break;
    case CW_EV_CHILD_VISITED:
        ref(ev->placement_id, 'P', e->ref);
        ev->private_talk = e->v1 == 2 ? CW_TRI_FALSE : CW_TRI_TRUE;
        break;
    case CW_EV_PLACEMENT_ENDED:
        ref(ev->placement_id, 'P', e->ref);
        ev->end_reason = (cw_end_reason_t)e->v1;
        break;
    case CW_EV_LVU_EMERGENCY_CUSTODY:
        ref(ev->order_id, 'O', e->ref);
        ev->present |= CW_F_EXECUTED_AT;
        ev->executed_at = e->t2;
        break;
    case CW_EV_LVU_SUBMITTED_TO_COURT:
    case CW_EV_LVU_CARE_APPLIED:
    case CW_EV_LVU_APPLICATION_EXTENDED:
    case CW_EV_LVU_EMERGENCY_CUSTODY_ENDED:
        ref(ev->order_id, 'O', e->ref);
        break;
    case CW_EV_CASE_TRANSFERRED:
        memcpy(ev->to_municipality, sim_munis[e->v1].code, CW_KOMMUN_LEN);
        break;
    case CW_EV_CASE_CLOSED:
        break;
    default: /* the other placement events carry the placement only */
        ref(ev->placement_id, 'P', e->ref);
        break;
    }
}

static void count(sim_t *s, const sim_event_t *e)
{
    if (e->t < s->from_t) {
        s->st.history_events++;
        return;
    }
    sim_stats_t *st = &s->st;
    st->events++;
    st->by_type[e->type]++;
    if (e->type == CW_EV_REPORT_RECEIVED)
        st->violence_reports += e->v1 != 0;
    if ((e->type == CW_EV_INVESTIGATION_OPENED && e->ref2) || e->type == CW_EV_REPORT_JOINED)
        st->reports_investigated++;
    if (e->type == CW_EV_PLACEMENT_STARTED && e->v1 != CW_BASIS_SOL)
        st->lvu_placements++;
}

/* Emits every planned event before `limit`. */
static bool emit_until(sim_t *s, cw_instant_t limit)
{
    sim_event_t e;
    while (s->n_heap && s->heap[0].t < limit && !s->failed) {
        if (s->out.stop && *s->out.stop)
            return false;
        pop(s, &e);
        pace(s, e.t);
        render(s, &e, &s->ev);
        if (!cw_sink_send(s->out.sink, &s->ev, NULL, 0, s->err, sizeof(s->err))) {
            s->failed = true;
            return false;
        }
        count(s, &e);
    }
    return !s->failed;
}

/* ---- the run ---- */

static double day_weight(cw_date_t d)
{
    int y, m, day;
    cw_date_to_ymd(d, &y, &m, &day);
    double w = month_w[m - 1] * weekday_w[cw_date_weekday(d)];
    if (cw_cal_day_kind(d, NULL) != CW_DAY_BUSINESS && cw_date_weekday(d) < 6)
        w *= 0.35; /* a holiday on a weekday */
    return w;
}

bool sim_run(const sim_conf_t *conf, const sim_out_t *out, sim_stats_t *stats, char *errstr,
             size_t errstr_size)
{
    sim_t *s = cw_calloc(1, sizeof(*s));
    s->conf = *conf;
    s->out = *out;
    s->from_t = cw_time_day_start(conf->from);
    s->to_t = cw_time_day_start(conf->to);
    for (int m = 0; m < conf->n_munis; m++)
        s->muni_index[m] = (int)(conf->munis[m] - sim_munis);
    clock_gettime(CLOCK_MONOTONIC, &s->real_start);
    s->last_clock_write = -1;

    /* Placements already running: cases that began up to history_years
     * before `from`, emitted first. */
    for (int m = 0; m < conf->n_munis; m++) {
        rng_t r;
        rng_seed(&r, conf->seed, (uint64_t)s->muni_index[m], 0x4157);
        double lambda =
            PLACEMENTS_PER_100K * conf->history_years * scaled_pop(s, s->muni_index[m]) / 100000.0;
        int n = rng_poisson(&r, lambda);
        for (int k = 0; k < n; k++) {
            cw_date_t day = conf->from - rng_int(&r, 60, conf->history_years * 365);
            plan_case(s, new_case(s, m, day), day, true);
        }
    }

    double mean = 0;
    for (cw_date_t d = conf->from; d < conf->to; d++)
        mean += day_weight(d);
    mean /= (double)(conf->to - conf->from);
    bool ok = true;
    for (cw_date_t d = conf->from; d < conf->to && ok; d++) {
        for (int m = 0; m < conf->n_munis; m++) {
            rng_t r;
            rng_seed(&r, conf->seed, (uint64_t)s->muni_index[m] << 32 | 0xa77, (uint64_t)d);
            double per_day = REPORTS_PER_100K / REPORTS_PER_CASE / 365.25 *
                             scaled_pop(s, s->muni_index[m]) / 100000.0;
            int n = rng_poisson(&r, per_day * day_weight(d) / mean);
            for (int k = 0; k < n; k++)
                plan_case(s, new_case(s, m, d), d, false);
        }
        ok = emit_until(s, cw_time_day_start(d + 1));
        if (s->out.sink)
            cw_sink_poll(s->out.sink);
    }
    if (ok && s->out.speed > 0) { /* let the clock run to the end */
        pace(s, s->to_t);
        write_clock(s, s->to_t);
    }
    if (s->failed)
        snprintf(errstr, errstr_size, "%s", s->err);
    s->st.cases = s->counts.cases;
    s->st.stock_cases = s->counts.stock_cases;
    double pop = 0;
    for (int m = 0; m < conf->n_munis; m++)
        pop += scaled_pop(s, s->muni_index[m]);
    s->st.population = pop;
    s->st.years = (double)(conf->to - conf->from) / 365.25;
    s->st.interrupted = !ok && !s->failed;
    *stats = s->st;
    ok = !s->failed;
    free(s->cases);
    free(s->heap);
    free(s);
    return ok;
}
