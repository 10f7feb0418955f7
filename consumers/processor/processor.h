/* casewatch-processor: the engine on Kafka. A consumer-group member that
 * owns partitions of the case-event topic(s), keeps their cases in memory,
 * mirrors them to a compacted changelog and emits alerts.
 *
 * Per batch: consume up to batch_max messages → apply → produce alerts and
 * DLQ records → wait for their acknowledgements → produce the changelog
 * records of the changed cases → wait → commit the input offsets. So an
 * offset is committed only after everything derived from it is durable,
 * and a changelog record never claims an alert that was not delivered.
 * After a crash, input after the last commit is applied again: cases skip
 * what their snapshot already reflects, and alert ids are deterministic. */
#ifndef CW_PROCESSOR_H
#define CW_PROCESSOR_H

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/conf.h"
#include "engine/engine.h"

#define CW_MAX_INPUT_TOPICS 8

typedef struct cw_processor_s cw_processor_t;

/* New processor from a checked configuration (borrowed for its lifetime)
 * and a borrowed rule pack. NULL with errstr on failure. */
cw_processor_t *cw_processor_new(const cw_conf_t *conf, const cw_rulepack_t *pack, char *errstr,
                                 size_t errstr_size);
/* Runs until *stop is set; then finishes the batch, flushes, commits and
 * leaves the group. Returns 0, or 1 after a fatal error. */
int cw_processor_run(cw_processor_t *p, volatile sig_atomic_t *stop);
void cw_processor_destroy(cw_processor_t *p);

/* The configuration properties of the processor (for main and the docs). */
extern const cw_conf_prop_t cw_processor_props[];
extern const size_t cw_processor_n_props;

#endif
