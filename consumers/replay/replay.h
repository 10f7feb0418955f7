/* casewatch-replay: JSON-lines case events in, JSON-lines alerts out, with
 * the clock at stream time (EVENTS.md §5). */
#ifndef CW_REPLAY_H
#define CW_REPLAY_H

#include <stdio.h>

#include "base/time.h"
#include "engine/rulepack.h"

typedef struct {
    const cw_rulepack_t *pack;
    FILE *out;          /* alerts */
    FILE *dlq;          /* rejected lines */
    cw_instant_t until; /* final clock */
    int has_until;
    int avro_out; /* alerts as an Avro container file (alert.avsc) */
} cw_replay_opts_t;

typedef struct {
    unsigned long long lines, events, rejected, duplicates, alerts;
    unsigned long long cases, open_obligations; /* held at the end */
} cw_replay_stats_t;

typedef struct cw_replay_s cw_replay_t;

/* NULL with errstr set when the alert output cannot be started. */
cw_replay_t *cw_replay_new(const cw_replay_opts_t *opts, char *errstr, size_t errstr_size);
/* Reads every line of in (borrowed); returns 0, or -1 on a read error. */
int cw_replay_feed(cw_replay_t *r, FILE *in);
/* Reads an Avro container file of case events (any writer schema that
 * reads as case_event.avsc); offsets continue the line count. Returns 0,
 * or -1 with errstr set when the file is not one or is damaged (events
 * before the damage were applied). */
int cw_replay_feed_avro(cw_replay_t *r, FILE *in, char *errstr, size_t errstr_size);
/* Advances the clock to --until and fires what is due; fills stats. */
void cw_replay_finish(cw_replay_t *r, cw_replay_stats_t *stats);
void cw_replay_destroy(cw_replay_t *r);

#endif
