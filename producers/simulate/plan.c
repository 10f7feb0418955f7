/* The life of one case, planned at once.
 *
 * Margins. Every deadline step is planned either on time or late, never
 * near the due date: on time means at most (shortest length of the period
 * - 7) days after its start, late at least (longest length + 6) days. The
 * 7 days cover the shift of an action to the next working day (at most 4
 * days, at Easter or Christmas) and the 3 days between a period's shortest
 * and longest length (4 months are 120 to 123 days); the 6 cover
 * roll-forward (at most 5 days: julafton to the 29th) plus the deadline
 * expiring at the end of its day. So whether a step is late does not
 * depend on calendar details, and the expected alerts need no second rule
 * engine. A late step is planted only when its deadline passes at least
 * 10 days before the end of the simulation and nothing (the placement
 * ending, a home change) cancels it first; otherwise it is planned on time.
 *
 * Order. Steps that depend on each other are at least a day apart (or,
 * within a day, at explicit times), so a case's events are always valid in
 * the order of their times. */
#include <string.h>

#include "base/calendar.h"
#include "sim.h"

#define NO_DATE INT32_MIN

enum { PH_INTAKE, PH_INVESTIGATION, PH_PLACEMENT };

typedef struct {
    sim_t *s;
    uint32_t no;
    sim_case_t *c;
    rng_t rng;
    bool late_case; /* the case is handled late: some of its steps are */
    cw_date_t to;
    uint32_t seq;
    int n_report, n_inv, n_plac, n_order;
    cw_instant_t last; /* the latest planned event */
    int phase;
} plan_t;

/* Shortest and longest length in days of the periods the rules use. */
typedef struct {
    int min, max;
} span_t;
static const span_t D14 = {14, 14}, W1 = {7, 7}, W4 = {28, 28}, M1 = {28, 31}, M2 = {59, 62},
                    M3 = {89, 92}, M4 = {120, 123}, M6 = {181, 184}, Y1 = {365, 366},
                    Y2 = {730, 731}, Y3 = {1095, 1096};

static sim_event_t *ev_new(plan_t *p, sim_event_t *e, cw_instant_t t, cw_event_type_t type, int ref)
{
    memset(e, 0, sizeof(*e));
    e->t = t;
    e->case_no = p->no;
    e->seq = p->seq++;
    e->type = (uint8_t)type;
    e->ref = (uint8_t)ref;
    e->phase = (uint8_t)p->phase;
    e->date = NO_DATE;
    return e;
}

static void push(plan_t *p, const sim_event_t *e)
{
    sim_push(p->s, e);
    if (e->t > p->last)
        p->last = e->t;
    sim_counts(p->s)->events_planned++;
}

/* A plain event: type and its ref. */
static void emit(plan_t *p, cw_instant_t t, cw_event_type_t type, int ref)
{
    sim_event_t e;
    push(p, ev_new(p, &e, t, type, ref));
}

static cw_date_t date_of(cw_instant_t t)
{
    return cw_time_local_date(t);
}

/* An office-hours instant on the first working day at or after d. */
static cw_instant_t office(plan_t *p, cw_date_t d)
{
    while (!cw_cal_is_business_day(d))
        d++;
    return cw_time_from_local(d, 8 * 3600 + 15 * 60 + rng_int(&p->rng, 0, 8 * 3600));
}

static bool late_here(plan_t *p, double share)
{
    return p->late_case && rng_chance(&p->rng, share);
}

/* One deadline step starting on `start`, satisfied by an action planned
 * on time (lo days at the earliest) or, when chosen and possible, late.
 * limit: the action must come before this date (NO_DATE: no limit).
 * Returns the action's instant, or 0 when it cannot come before limit
 * (the obligation is then cancelled before its due date). */
static cw_instant_t step(plan_t *p, cw_date_t start, int lo, span_t span, cw_date_t limit,
                         const char *rule, const char *kind, int ref, double late_p)
{
    if (late_here(p, late_p) && start + span.max + 10 < p->to) {
        cw_instant_t t = office(p, start + rng_int(&p->rng, span.max + 6, span.max + 30));
        if (limit == NO_DATE || date_of(t) < limit) {
            sim_plant(p->s, p->no, rule, kind, ref, "breach", 0, t);
            return t;
        }
    }
    int hi = span.min - 7 < lo ? lo : span.min - 7;
    cw_instant_t t = office(p, start + rng_int(&p->rng, lo, hi));
    return limit == NO_DATE || date_of(t) < limit ? t : 0;
}

/* A recurring duty from `start` until `end` (exclusive; NO_DATE: none):
 * each action restarts the count. */
static void chain(plan_t *p, cw_date_t start, cw_date_t end, span_t first, span_t next, int lo,
                  cw_event_type_t type, int ref, const char *rule, double late_p)
{
    cw_date_t cycle = start;
    span_t span = first;
    for (int guard = 0; guard < 200; guard++) {
        cw_instant_t t = step(p, cycle, lo, span, end, rule, "placement", ref, late_p);
        if (!t)
            return;
        sim_event_t e;
        ev_new(p, &e, t, type, ref);
        if (type == CW_EV_CHILD_VISITED)
            e.v1 = 1; /* private_talk */
        push(p, &e);
        cycle = date_of(t);
        span = next;
    }
}

static void violation(plan_t *p, const char *rule, const char *kind, int ref, cw_instant_t at)
{
    if (date_of(at) < p->to)
        sim_plant(p->s, p->no, rule, kind, ref, "violation", at, 0);
}

/* ---- intake ---- */

static const double reporter_w[] = {0, 0.22, 0.20, 0.06, 0.12, 0.12, 0.03, 0.10, 0.07, 0.08};

static int pick(rng_t *r, const double *w, int n)
{
    double u = rng_unit(r), acc = 0;
    for (int i = 0; i < n; i++) {
        acc += w[i];
        if (u < acc)
            return i;
    }
    return n - 1;
}

/* When a report comes in: most in office hours, a fifth in the evening or
 * at night (police). */
static cw_instant_t report_time(plan_t *p, cw_date_t d)
{
    int sec = rng_chance(&p->rng, 0.8)
                  ? 8 * 3600 + rng_int(&p->rng, 0, 8 * 3600 + 1800)
                  : (16 * 3600 + 1800 + rng_int(&p->rng, 0, 15 * 3600 + 1800)) % (24 * 3600);
    return cw_time_from_local(d, sec);
}

/* The day of a later report about the same child, `after` days on:
 * reports come mostly on working days, like first reports. */
static cw_instant_t later_report(plan_t *p, cw_date_t d)
{
    if (!cw_cal_is_business_day(d) && rng_chance(&p->rng, 0.7))
        while (!cw_cal_is_business_day(d))
            d++;
    return report_time(p, d);
}

/* report.received with its protection assessment ("genast": the same day,
 * or the next when it came at or after 16:00); returns the report's
 * ordinal. */
static int report(plan_t *p, cw_instant_t t, bool violence, bool immediate)
{
    int r = ++p->n_report;
    int saved = p->phase;
    p->phase = PH_INTAKE;
    sim_event_t e;
    ev_new(p, &e, t, CW_EV_REPORT_RECEIVED, r);
    e.v1 = violence;
    int rep = pick(&p->rng, reporter_w, 10);
    e.v2 = (uint8_t)(rep ? rep : 1);
    if (violence && rng_chance(&p->rng, 0.4))
        e.v2 = CW_REPORTER_POLICE;
    e.date = p->c->born_year * 12 + p->c->born_month - 1;
    push(p, &e);

    cw_date_t d;
    int sec;
    cw_time_to_local(t, &d, &sec);
    cw_instant_t at;
    if (immediate) { /* the on-call service acts at once */
        at = t + rng_int(&p->rng, 10, 40) * 60000LL;
    } else if (late_here(p, 0.25) && d + 10 < p->to) {
        at = office(p, d + rng_int(&p->rng, 3, 6));
        sim_plant(p->s, p->no, "protection_assessment_immediate", "report", r, "breach", 0, at);
    } else if (sec >= 16 * 3600) { /* due the next day */
        at = cw_time_from_local(d + 1, 8 * 3600 + rng_int(&p->rng, 0, 4 * 3600));
    } else {
        int from = sec < 8 * 3600 ? 8 * 3600 + rng_int(&p->rng, 0, 3600) : sec;
        at = cw_time_from_local(d, from + rng_int(&p->rng, 15 * 60, 90 * 60));
    }
    ev_new(p, &e, at, CW_EV_PROTECTION_ASSESSED, r);
    e.v1 = immediate ? 2 : 1; /* immediate_protection_needed true / false */
    push(p, &e);
    p->phase = saved;
    return r;
}

/* ---- investigation ---- */

typedef struct {
    cw_instant_t concluded;
    cw_outcome_t outcome;
} inquiry_t;

/* An investigation opened at `opened` for report r (0: none). concluded
 * (NO_DATE: plan it) is forced for the LVU path. */
static inquiry_t investigate(plan_t *p, cw_instant_t opened, int r, bool violence, int young,
                             cw_instant_t forced_end, cw_outcome_t forced_outcome)
{
    int u = ++p->n_inv;
    p->phase = PH_INVESTIGATION;
    sim_event_t e;
    ev_new(p, &e, opened, CW_EV_INVESTIGATION_OPENED, u);
    e.ref2 = (uint8_t)r;
    e.v1 = violence;
    push(p, &e);
    cw_date_t o = date_of(opened);

    cw_instant_t end = forced_end;
    if (!end) {
        if (rng_chance(&p->rng, 0.05)) { /* extended to six months */
            cw_instant_t x = office(p, o + rng_int(&p->rng, 85, 105));
            cw_date_t until = o + 182;
            ev_new(p, &e, x, CW_EV_INVESTIGATION_EXTENDED, u);
            e.date = until;
            push(p, &e);
            /* The new due date counts from the decision, not the report. */
            span_t to_until = {until - o, until - o};
            end = step(p, o, (int)(date_of(x) - o) + 2, to_until, NO_DATE, "investigation_4_months",
                       "investigation", u, 0.4);
        } else {
            end = step(p, o, 45, M4, NO_DATE, "investigation_4_months", "investigation", u, 0.4);
        }
    }
    cw_date_t c = date_of(end);
    int room = (int)(c - o) - 2; /* heard and assessed between o+1 and c-1 */
    if (room < 1)
        room = 1;
    if (late_here(p, 0.3)) {
        violation(p, "child_heard_before_conclusion", "investigation", u, end);
    } else {
        cw_instant_t h = cw_time_from_local(o + rng_int(&p->rng, 1, room), 10 * 3600);
        emit(p, h, young && rng_chance(&p->rng, 0.7) ? CW_EV_CHILD_NOT_HEARD : CW_EV_CHILD_HEARD,
             u);
    }
    if (violence) {
        if (late_here(p, 0.3))
            violation(p, "violence_risk_before_conclusion", "investigation", u, end);
        else
            emit(p, cw_time_from_local(o + rng_int(&p->rng, 1, room), 13 * 3600),
                 CW_EV_VIOLENCE_RISK_ASSESSED, u);
    }
    cw_outcome_t out = forced_outcome;
    if (!out) {
        double x = rng_unit(&p->rng);
        out = x < 0.50   ? CW_OUTCOME_NO_MEASURES
              : x < 0.98 ? CW_OUTCOME_MEASURES
              : x < 0.99 ? CW_OUTCOME_LVU_APPLICATION
                         : CW_OUTCOME_TRANSFERRED;
    }
    ev_new(p, &e, end, CW_EV_INVESTIGATION_CONCLUDED, u);
    e.v1 = (uint8_t)out;
    push(p, &e);
    return (inquiry_t){end, out};
}

/* ---- placement ---- */

static const double setting_w[] = {0, 0.50, 0.14, 0.08, 0.18, 0.07, 0.03};

static bool family(int setting)
{
    return setting == CW_SETTING_FAMILY_HOME || setting == CW_SETTING_KINSHIP_HOME;
}

/* The first day the child is surely 18 (as the engine counts it). */
static cw_date_t adult_on(const sim_case_t *c)
{
    return c->born_month == 12 ? cw_date_from_ymd(c->born_year + 19, 1, 1)
                               : cw_date_from_ymd(c->born_year + 18, c->born_month + 1, 1);
}

/* A placement from `start`; returns the last planned instant, or 0 when
 * the child is too close to 18 for care as a child (no placement). */
static cw_instant_t place(plan_t *p, cw_instant_t start, cw_basis_t basis)
{
    cw_date_t s = date_of(start);
    if (s + 120 >= adult_on(p->c))
        return 0;
    int pl = ++p->n_plac;
    p->phase = PH_PLACEMENT;
    int setting = pick(&p->rng, setting_w, 7);
    if (setting == 0)
        setting = CW_SETTING_FAMILY_HOME;
    if (basis == CW_BASIS_SOL && setting == CW_SETTING_SPECIAL_YOUTH_HOME)
        setting = CW_SETTING_HVB;

    /* How long: SoL care shorter than LVU care; emergency homes are a
     * first stop before a family home. */
    double median = basis == CW_BASIS_SOL ? 260 : 420;
    cw_date_t e = s + 20 + (int)rng_lognormal(&p->rng, median, 0.8);
    cw_end_reason_t why = CW_END_CARE_ENDED;
    cw_date_t adult = adult_on(p->c);
    if (e >= adult - 60) {
        e = adult + rng_int(&p->rng, 5, 40);
        why = CW_END_TURNED_18;
    }

    sim_event_t ev;
    ev_new(p, &ev, start, CW_EV_PLACEMENT_STARTED, pl);
    ev.v1 = (uint8_t)basis;
    ev.v2 = (uint8_t)setting;
    ev.v3 = (uint8_t)rng_int(&p->rng, 1, 250); /* home */
    ev.date = p->c->born_year * 12 + p->c->born_month - 1;
    push(p, &ev);

    /* Home changes: an emergency home is left within weeks; others move
     * now and then. Each segment [from, to) has one setting. */
    cw_date_t seg_from[4] = {s}, seg_to[4];
    int seg_setting[4] = {setting}, n_seg = 1;
    while (n_seg < 4) {
        int cur = seg_setting[n_seg - 1];
        cw_date_t at;
        if (cur == CW_SETTING_EMERGENCY_HOME)
            at = seg_from[n_seg - 1] + rng_int(&p->rng, 30, 100);
        else if (rng_chance(&p->rng, 0.2))
            at = seg_from[n_seg - 1] + rng_int(&p->rng, 90, 600);
        else
            break;
        if (at >= e - 20)
            break;
        int next = family(cur) || cur == CW_SETTING_EMERGENCY_HOME
                       ? (rng_chance(&p->rng, 0.8) ? CW_SETTING_FAMILY_HOME : CW_SETTING_HVB)
                       : cur;
        if (basis == CW_BASIS_SOL && next == CW_SETTING_SPECIAL_YOUTH_HOME)
            next = CW_SETTING_HVB;
        seg_to[n_seg - 1] = at;
        seg_from[n_seg] = at;
        seg_setting[n_seg++] = next;
    }
    seg_to[n_seg - 1] = e;
    for (int i = 1; i < n_seg; i++) {
        ev_new(p, &ev, office(p, seg_from[i]), CW_EV_PLACEMENT_HOME_CHANGED, pl);
        ev.v2 = (uint8_t)seg_setting[i];
        ev.v3 = (uint8_t)rng_int(&p->rng, 1, 250);
        push(p, &ev);
        seg_from[i] = date_of(ev.t); /* the shift to a working day moves it */
        seg_to[i - 1] = seg_from[i];
    }

    /* The placement ends at e: a guardian's request (SoL, family home) may
     * end it early; then a moving ban must have been considered. */
    int last_setting = seg_setting[n_seg - 1];
    if (why == CW_END_CARE_ENDED && basis == CW_BASIS_SOL && family(last_setting) &&
        rng_chance(&p->rng, 0.15))
        why = CW_END_GUARDIAN_REQUEST;
    cw_instant_t end = office(p, e);
    e = date_of(end);
    seg_to[n_seg - 1] = e;

    cw_instant_t t = step(p, s, 1, D14, e, "care_plan_at_placement", "placement", pl, 0.3);
    if (t)
        emit(p, t, CW_EV_CARE_PLAN_ESTABLISHED, pl);
    cw_instant_t ip = office(p, s + rng_int(&p->rng, 10, 40));
    if (date_of(ip) < e)
        emit(p, ip, CW_EV_IMPLEMENTATION_PLAN_ESTABLISHED, pl);
    t = step(p, s, 500, Y2, e, "care_plan_revision_2_years", "placement", pl, 0.3);
    if (t)
        emit(p, t, CW_EV_CARE_PLAN_REVISED, pl);

    chain(p, s, e, M3, M3, 25, CW_EV_CHILD_VISITED, pl, "placed_child_visits", 0.25);
    /* Visits without a private talk do not count, but happen. */
    for (int k = rng_int(&p->rng, 0, 3); k > 0; k--) {
        cw_date_t d = s + rng_int(&p->rng, 5, 400);
        if (d < e - 1) {
            sim_event_t v;
            ev_new(p, &v, office(p, d), CW_EV_CHILD_VISITED, pl);
            v.v1 = 2; /* private_talk false */
            if (date_of(v.t) < e)
                push(p, &v);
        }
    }
    const char *recon = basis == CW_BASIS_SOL     ? "sol_reconsideration_6_months"
                        : basis == CW_BASIS_LVU_2 ? "lvu2_reconsideration_6_months"
                                                  : "lvu3_review_6_months";
    chain(p, s, e, M6, M6, 100,
          basis == CW_BASIS_LVU_3 ? CW_EV_CARE_REVIEWED : CW_EV_CARE_RECONSIDERED, pl, recon, 0.3);
    for (int i = 0; i < n_seg; i++)
        if (family(seg_setting[i]))
            chain(p, seg_from[i], seg_to[i], seg_from[i] < cw_date_from_ymd(2022, 7, 1) ? Y3 : Y2,
                  Y1, 300, CW_EV_CUSTODY_TRANSFER_CONSIDERED, pl, "custody_transfer_consideration",
                  0.3);
    if (basis != CW_BASIS_SOL && rng_chance(&p->rng, 0.12)) {
        cw_instant_t d = office(p, s + rng_int(&p->rng, 20, 150));
        if (date_of(d) + 2 < e) {
            emit(p, d, CW_EV_CONTACT_RESTRICTION_DECIDED, pl);
            cw_date_t stop = e;
            if (rng_chance(&p->rng, 0.5)) {
                cw_instant_t lift = office(p, date_of(d) + rng_int(&p->rng, 40, 300));
                if (date_of(lift) < e) {
                    emit(p, lift, CW_EV_CONTACT_RESTRICTION_LIFTED, pl);
                    stop = date_of(lift);
                }
            }
            chain(p, date_of(d), stop, M3, M3, 30, CW_EV_CONTACT_RESTRICTION_RECONSIDERED, pl,
                  "contact_restriction_review_3_months", 0.3);
        }
    }
    if (why == CW_END_GUARDIAN_REQUEST) {
        if (late_here(p, 0.5))
            violation(p, "moving_ban_consideration", "placement", pl, end);
        else
            emit(p, office(p, e - rng_int(&p->rng, 6, 12)), CW_EV_MOVING_BAN_CONSIDERED, pl);
    }
    ev_new(p, &ev, end, CW_EV_PLACEMENT_ENDED, pl);
    ev.v1 = (uint8_t)why;
    push(p, &ev);

    /* After care: the follow-up duties that start at its end. */
    cw_instant_t last = end;
    /* The duty to follow up LVU care exists from 2022-07-01 (2022 LVU
     * reform); before it the simulated municipalities did not. */
    if (basis != CW_BASIS_SOL && why != CW_END_TURNED_18 && e >= cw_date_from_ymd(2022, 7, 1)) {
        cw_instant_t st =
            step(p, e, 3, M1, NO_DATE, "post_lvu_care_followup_start", "placement", pl, 0.3);
        emit(p, st, CW_EV_POST_CARE_FOLLOWUP_STARTED, pl);
        cw_instant_t fin = step(p, date_of(st), 60, M6, NO_DATE, "post_lvu_care_followup_6_months",
                                "placement", pl, 0.3);
        emit(p, fin, CW_EV_POST_CARE_FOLLOWUP_CONCLUDED, pl);
        last = fin;
    } else if (basis == CW_BASIS_SOL && why == CW_END_CARE_ENDED && rng_chance(&p->rng, 0.35)) {
        emit(p, office(p, e + rng_int(&p->rng, 1, 10)), CW_EV_FOLLOWUP_DECIDED, pl);
        cw_instant_t fin =
            step(p, e, 30, M6, NO_DATE, "followup_ended_placement", "placement", pl, 0.3);
        emit(p, fin, CW_EV_FOLLOWUP_CONCLUDED, pl);
        last = fin;
    }
    return last;
}

/* ---- LVU emergency custody (LVU 6 §) ---- */

/* From a report needing immediate protection: the order, the court, the
 * application for care, then care. Returns the last planned instant. */
static cw_instant_t emergency(plan_t *p, cw_instant_t reported, int r, bool violence, bool young)
{
    int o = ++p->n_order;
    p->phase = PH_INVESTIGATION;
    cw_instant_t decided = reported + rng_int(&p->rng, 60, 240) * 60000LL;
    sim_event_t e;
    ev_new(p, &e, decided, CW_EV_LVU_EMERGENCY_CUSTODY, o);
    e.t2 = decided + rng_int(&p->rng, 0, 120) * 60000LL;
    push(p, &e);
    cw_date_t d = date_of(decided), x = date_of(e.t2);
    cw_instant_t opened = office(p, date_of(reported) + rng_int(&p->rng, 1, 2));

    cw_instant_t court =
        step(p, d, 1, W1, NO_DATE, "lvu_emergency_court_submission_1_week", "order", o, 0.3);
    emit(p, court, CW_EV_LVU_SUBMITTED_TO_COURT, o);
    cw_instant_t applied =
        step(p, x, 8, W4, NO_DATE, "lvu_care_application_4_weeks", "order", o, 0.3);
    if (date_of(applied) < date_of(opened) + 4)
        applied = office(p, date_of(opened) + 4);
    /* The investigation ends with the application, two hours before it. */
    investigate(p, opened, r, violence, young, applied - 2 * 3600 * 1000LL,
                CW_OUTCOME_LVU_APPLICATION);
    p->phase = PH_INVESTIGATION;
    emit(p, applied, CW_EV_LVU_CARE_APPLIED, o);
    cw_instant_t later = applied > court ? applied : court;
    cw_instant_t ended = office(p, date_of(later) + rng_int(&p->rng, 7, 21));
    emit(p, ended, CW_EV_LVU_EMERGENCY_CUSTODY_ENDED, o);
    cw_instant_t last =
        place(p, ended + 3600 * 1000LL, rng_chance(&p->rng, 0.6) ? CW_BASIS_LVU_2 : CW_BASIS_LVU_3);
    return last ? last : ended;
}

/* ---- the case ---- */

static void born(plan_t *p, cw_date_t d)
{
    int y, m, day;
    cw_date_to_ymd(d, &y, &m, &day);
    double u = rng_unit(&p->rng);
    int age = u < 0.30   ? rng_int(&p->rng, 0, 5)
              : u < 0.65 ? rng_int(&p->rng, 6, 12)
                         : rng_int(&p->rng, 13, 17);
    int months = y * 12 + (m - 1) - age * 12 - rng_int(&p->rng, 0, 11);
    p->c->born_year = (int16_t)(months / 12);
    p->c->born_month = (int8_t)(months % 12 + 1);
}

static int age_on(const sim_case_t *c, cw_date_t d)
{
    int y, m, day;
    cw_date_to_ymd(d, &y, &m, &day);
    return (y * 12 + m - (c->born_year * 12 + c->born_month)) / 12;
}

void plan_case(sim_t *s, uint32_t no, cw_date_t day, bool stock)
{
    const sim_conf_t *conf = sim_conf(s);
    plan_t p = {.s = s, .no = no, .c = sim_case(s, no), .to = conf->to};
    rng_seed(&p.rng, conf->seed, no, stock ? 0x5704c : 0xca5e);
    born(&p, day);
    for (int ph = 0; ph < 3; ph++)
        p.c->worker[ph] = (uint16_t)rng_int(&p.rng, 0, sim_workers(s, p.c->muni, ph) - 1);
    double factor = sim_worker_lateness(s, p.c->muni, PH_INVESTIGATION, p.c->worker[1]);
    p.late_case = rng_chance(&p.rng, conf->late_share * factor);
    sim_counts_t *n = sim_counts(s);
    n->cases++;
    n->stock_cases += stock;

    /* Reports about the child, each decided on; a case lives on while one
     * leads somewhere, and closes some weeks after the last step. */
    cw_instant_t t = report_time(&p, day);
    bool closing = true;
    for (int round = 0; round < 4; round++) {
        bool violence = rng_chance(&p.rng, 0.2);
        bool young = age_on(p.c, date_of(t)) < 4;
        if (!stock && age_on(p.c, date_of(t)) < 17 &&
            rng_chance(&p.rng, 0.0075)) { /* LVU 6 §: about 30 per 100 000 a year */
            int r = report(&p, t, violence, true);
            p.last = emergency(&p, t, r, violence, young);
            break;
        }
        int r = report(&p, t, violence, false);
        cw_date_t d = date_of(t);
        bool open = stock || (violence ? !late_here(&p, 0.3) : rng_chance(&p.rng, 0.19));
        p.phase = PH_INTAKE;
        if (rng_chance(&p.rng, 0.03)) { /* more time for the preassessment */
            cw_instant_t x = office(&p, d + rng_int(&p.rng, 4, 8));
            cw_date_t until = d + 35;
            sim_event_t e;
            ev_new(&p, &e, x, CW_EV_PREASSESSMENT_EXTENDED, r);
            e.date = until;
            push(&p, &e);
            span_t to_until = {until - d, until - d};
            t = step(&p, d, (int)(date_of(x) - d) + 1, to_until, NO_DATE, "preassessment_14d",
                     "report", r, 0.4);
        } else {
            t = step(&p, d, 1, D14, NO_DATE, "preassessment_14d", "report", r, 0.4);
        }
        if (!open) {
            emit(&p, t, CW_EV_INVESTIGATION_NOT_OPENED, r);
            if (violence)
                violation(&p, "violence_report_investigation", "report", r, t);
            if (!rng_chance(&p.rng, 0.25))
                break;
            t = later_report(&p, date_of(t) + rng_int(&p.rng, 20, 200));
            continue;
        }
        inquiry_t q = investigate(&p, t, r, violence, young, 0, stock ? CW_OUTCOME_MEASURES : 0);
        cw_date_t o = date_of(t), c = date_of(q.concluded);
        /* A new report while the investigation runs joins it. */
        if (c - o >= 40 && rng_chance(&p.rng, 0.2)) {
            cw_instant_t t2 = later_report(&p, o + rng_int(&p.rng, 5, (int)(c - o) - 25));
            /* A report about violence makes the investigation one (its risk
             * assessment is planned by then): only those already are get one. */
            int r2 = report(&p, t2, violence && rng_chance(&p.rng, 0.5), false);
            p.phase = PH_INTAKE;
            sim_event_t e;
            ev_new(&p, &e, office(&p, date_of(t2) + rng_int(&p.rng, 1, 7)), CW_EV_REPORT_JOINED,
                   r2);
            e.ref2 = (uint8_t)p.n_inv;
            if (date_of(e.t) < c)
                push(&p, &e);
        }
        int u = p.n_inv;
        if (q.outcome == CW_OUTCOME_TRANSFERRED) {
            sim_event_t e;
            ev_new(&p, &e, office(&p, c + rng_int(&p.rng, 1, 10)), CW_EV_CASE_TRANSFERRED, 0);
            int to = rng_int(&p.rng, 0, sim_n_munis - 2);
            e.v1 = (uint8_t)(to >= p.c->muni ? to + 1 : to); /* another municipality */
            push(&p, &e);
            closing = false;
            break;
        }
        if (q.outcome == CW_OUTCOME_LVU_APPLICATION) {
            cw_instant_t end = place(&p, office(&p, c + rng_int(&p.rng, 20, 40)),
                                     rng_chance(&p.rng, 0.6) ? CW_BASIS_LVU_2 : CW_BASIS_LVU_3);
            if (end) {
                p.last = end;
                break;
            }
        }
        if (q.outcome == CW_OUTCOME_MEASURES && (stock || rng_chance(&p.rng, 0.14))) {
            cw_basis_t b = !stock || rng_chance(&p.rng, 0.68) ? CW_BASIS_SOL
                           : rng_chance(&p.rng, 0.6)          ? CW_BASIS_LVU_2
                                                              : CW_BASIS_LVU_3;
            cw_instant_t end = place(&p, office(&p, c + rng_int(&p.rng, 3, 20)), b);
            if (end) {
                p.last = end;
                break;
            }
        }
        if (q.outcome != CW_OUTCOME_NO_MEASURES) { /* measures at home, for months */
            p.last = office(&p, c + rng_int(&p.rng, 60, 360));
            break;
        }
        /* No measures: sometimes a follow-up (SoL 2001:453 11:4 a, 2025:400 23:5). */
        if (rng_chance(&p.rng, 0.25)) {
            p.phase = PH_INVESTIGATION;
            cw_instant_t fd = office(&p, c + rng_int(&p.rng, 1, 5));
            emit(&p, fd, CW_EV_FOLLOWUP_DECIDED, u);
            cw_date_t decided = date_of(fd);
            span_t span = decided < cw_date_from_ymd(2025, 7, 1) ? M2 : M6;
            emit(&p,
                 step(&p, c, 20, span, NO_DATE, "followup_closed_investigation", "investigation", u,
                      0.4),
                 CW_EV_FOLLOWUP_CONCLUDED, u);
        }
        if (!rng_chance(&p.rng, 0.2))
            break;
        t = later_report(&p, date_of(p.last) + rng_int(&p.rng, 20, 200));
    }
    if (closing) {
        p.phase = PH_INTAKE;
        emit(&p, office(&p, date_of(p.last) + rng_int(&p.rng, 3, 30)), CW_EV_CASE_CLOSED, 0);
    }
}
