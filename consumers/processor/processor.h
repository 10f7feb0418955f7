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
 * what their snapshot already reflects, and alert ids are deterministic.
 *
 * Input that is rejected goes to the DLQ with its original headers plus
 * ours (cw_reason, cw_detail, cw_source_topic/partition/offset), its key,
 * value and headers cut to processor.dlq_max_bytes when larger
 * (cw_truncated=true, cw_original_size): a record of any size that the
 * consumer can fetch is dead-lettered, never a crash or a stall.
 *
 * An output the broker does not take is handled by the class of the error
 * (output.c) before the batch may commit:
 *   retriable  → produced again with backoff (librdkafka retries first);
 *   refused for that record (too large, invalid) →
 *     dead letter: sent again as a reference (our headers only,
 *       cw_truncated=reference, cw_dlq_error); if that is refused too, it
 *       is logged with its source coordinates and counted (dlq_lost): the
 *       input record itself is still in its topic at that offset;
 *     alert: dead-lettered whole (cw_reason=alert_undeliverable) and
 *       counted. An alert is never dropped: it is on the alert topic or in
 *       the DLQ before its input is committed; if the DLQ refuses it too,
 *       the processor exits (as for fatal errors);
 *     changelog record: the processor exits without committing. Dropping
 *       a snapshot would lose the case's state at the next restore, and
 *       with it alerts, so at-least-once needs the input applied again;
 *       a snapshot a broker refuses for good stops the member until the
 *       changelog topic's max.message.bytes is raised;
 *   fatal (authorization, the idempotent producer's fatal state, unknown
 *     codes) → exit with status 1 before committing; a restart re-applies.
 * In exactly_once mode any failed output aborts the transaction: exit. */
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

/* Exit statuses of casewatch-processor (README "Connecting to your Kafka",
 * --help). */
enum {
    CW_EXIT_OK = 0,
    CW_EXIT_FAILURE = 1,     /* a fatal error while running, or at start-up */
    CW_EXIT_CONFIG = 2,      /* bad command line or configuration */
    CW_EXIT_TOPICS = 3,      /* a topic missing, not co-partitioned, changelog wrong */
    CW_EXIT_UNREACHABLE = 4, /* no broker answered within processor.startup_timeout */
    CW_EXIT_AUTH = 5,        /* TLS/SASL authentication or authorization failed */
};

/* New processor from a checked configuration (borrowed for its lifetime)
 * and a borrowed rule pack; it first checks the topics (topics.c). NULL
 * with errstr and *status (a CW_EXIT_*) on failure. */
cw_processor_t *cw_processor_new(const cw_conf_t *conf, const cw_rulepack_t *pack, int *status,
                                 char *errstr, size_t errstr_size);
/* Runs until *stop is set; then finishes the batch, flushes, commits and
 * leaves the group. Returns 0, or 1 after a fatal error. */
int cw_processor_run(cw_processor_t *p, volatile sig_atomic_t *stop);
void cw_processor_destroy(cw_processor_t *p);

/* The configuration properties of the processor (for main and the docs). */
extern const cw_conf_prop_t cw_processor_props[];
extern const size_t cw_processor_n_props;

#endif
