/* Alerts as Avro (schemas/alert.avsc), written with avro-c's generic
 * values: one reused value per encoder, so encoding allocates only inside
 * avro-c's string handling. */
#ifndef CW_MODEL_ALERT_AVRO_H
#define CW_MODEL_ALERT_AVRO_H

#include <avro.h>

#include "base/jsonw.h"
#include "model/alert.h"

typedef struct cw_alert_avro_s cw_alert_avro_t;

cw_alert_avro_t *cw_alert_avro_new(void);
void cw_alert_avro_destroy(cw_alert_avro_t *enc);

/* The alert schema (owned by the encoder), e.g. for a container file. */
avro_schema_t cw_alert_avro_schema(cw_alert_avro_t *enc);

/* Fills the encoder's value from alert; the value stays valid until the
 * next call (for avro_file_writer_append_value). */
avro_value_t *cw_alert_avro_value(cw_alert_avro_t *enc, const cw_alert_t *alert);

/* Appends alert as one Avro binary datum to out. */
void cw_alert_write_avro(cw_alert_avro_t *enc, const cw_alert_t *alert, cw_jsonw_t *out);

#endif
