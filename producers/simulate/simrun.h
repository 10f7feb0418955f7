/* Running the simulator: output, pacing, counts. */
#ifndef CW_SIMULATE_SIMRUN_H
#define CW_SIMULATE_SIMRUN_H

#include <signal.h>

#include "sim.h"
#include "sink.h"

#define SIM_N_RULES 21
extern const char *const sim_rules[SIM_N_RULES];

typedef struct {
    cw_sink_t *sink;
    FILE *expected;         /* planted alerts as JSON lines, or NULL */
    double speed;           /* simulated days per real second; 0: as fast as possible */
    const char *clock_file; /* paced: the simulated clock, for processor.clock_file */
    volatile sig_atomic_t *stop;
} sim_out_t;

typedef struct {
    double population, years;
    uint64_t cases, stock_cases, events, history_events;
    uint64_t by_type[CW_EV__COUNT];
    uint64_t violence_reports, reports_investigated, lvu_placements;
    uint64_t planted[SIM_N_RULES];
    bool interrupted;
} sim_stats_t;

bool sim_run(const sim_conf_t *conf, const sim_out_t *out, sim_stats_t *stats, char *errstr,
             size_t errstr_size);

#endif
