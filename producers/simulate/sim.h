/* casewatch-simulate: a deterministic, calibrated caseload of Swedish
 * child-welfare cases as case events, with planted lateness.
 *
 * Each case's whole life is planned when its first report arrives (plan.c),
 * from its own random stream, so a case is the same whatever else is
 * simulated; the planned events wait in one time-ordered heap and are
 * emitted in time order (sim.c). Steps are planned either on time, with a
 * margin wide enough that the calendar's finer points (month lengths,
 * roll-forward over holidays) cannot make them late, or late by at least
 * as much: so which alerts must follow is known without reimplementing the
 * rule engine, and every planted late step is written to the expected
 * list. */
#ifndef CW_SIMULATE_SIM_H
#define CW_SIMULATE_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/time.h"
#include "model/event.h"

#define SIM_MAX_MUNIS 64

typedef struct {
    const char *code; /* kommunkod */
    const char *name;
    int population; /* rounded, approximate (SCB, 2024) */
} sim_muni_t;

/* The built-in municipalities, in the order --municipalities N takes them. */
extern const sim_muni_t sim_munis[];
extern const int sim_n_munis;

typedef struct {
    uint64_t seed;
    cw_date_t from, to; /* events in [from, to), local dates */
    const sim_muni_t *munis[SIM_MAX_MUNIS];
    int n_munis;
    double scale;      /* population multiplier */
    double late_share; /* share of cases handled late */
    int history_years; /* placements already running at `from` started this far back */
} sim_conf_t;

/* One planned event, compact: rendered into a cw_event_t when emitted. */
typedef struct {
    cw_instant_t t;
    uint32_t case_no;
    uint32_t seq;       /* planning order within the case: ties keep it */
    uint8_t type;       /* cw_event_type_t */
    uint8_t ref;        /* ordinal of the report / investigation / placement / order */
    uint8_t ref2;       /* investigation.opened: its report; report.joined: the investigation */
    uint8_t phase;      /* 0 intake, 1 investigation, 2 placement: the unit and caseworker */
    uint8_t v1, v2, v3; /* per type: violence/reporter/..., see render() */
    int32_t date;       /* until, or child_born as year*12+month-1 */
    cw_instant_t t2;    /* executed_at */
} sim_event_t;

typedef struct {
    char id[24];
    char child[16];
    uint16_t muni;
    uint16_t worker[3]; /* caseworker per phase */
    int16_t born_year;
    int8_t born_month;
    uint32_t n_events;
} sim_case_t;

typedef struct {
    uint64_t cases, stock_cases, reports, violence_reports, reports_investigated, investigations,
        placements, lvu_placements, emergency_custodies, events_planned;
} sim_counts_t;

typedef struct sim_s sim_t;

/* The planner's view of the simulator. */
void sim_push(sim_t *s, const sim_event_t *e);
sim_case_t *sim_case(sim_t *s, uint32_t case_no);
void sim_plant(sim_t *s, uint32_t case_no, const char *rule, const char *subject_kind, int ref,
               const char *kind, cw_instant_t at, cw_instant_t late_action);
const sim_conf_t *sim_conf(const sim_t *s);
sim_counts_t *sim_counts(sim_t *s);
double sim_worker_lateness(const sim_t *s, int muni, int phase, int worker);
int sim_workers(const sim_t *s, int muni, int phase);

/* plan.c: plans case case_no (already allocated, id set) whose first
 * report comes on day `day` (stock: a placement already running at from). */
void plan_case(sim_t *s, uint32_t case_no, cw_date_t day, bool stock);

/* Deterministic random numbers: xoshiro256** seeded by splitmix64. */
typedef struct {
    uint64_t s[4];
} rng_t;
void rng_seed(rng_t *r, uint64_t a, uint64_t b, uint64_t c);
uint64_t rng_next(rng_t *r);
double rng_unit(rng_t *r);             /* [0, 1) */
int rng_int(rng_t *r, int lo, int hi); /* [lo, hi] */
bool rng_chance(rng_t *r, double p);
double rng_lognormal(rng_t *r, double median, double sigma);
int rng_poisson(rng_t *r, double lambda);

#endif
