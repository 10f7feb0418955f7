/* Case events as CloudEvents 1.0 JSON in structured mode (EVENTS.md).
 *
 * The decoder is the validating entry point of JSON input: everything the
 * event contract requires of a single event (attributes, the type catalogue,
 * required data fields, types, closed sets, dates, field limits) is checked
 * here; what needs the case's history (references, transitions) is the
 * engine's. Decoding allocates nothing beyond jansson's parse tree. */
#ifndef CW_MODEL_EVENT_JSON_H
#define CW_MODEL_EVENT_JSON_H

#include <stddef.h>

#include "model/event.h"
#include "model/reject.h"

#define CW_EVENT_MAX_BYTES 65536

/* Decodes one CloudEvents structured-mode JSON event of len bytes into ev
 * (cleared first). Returns CW_REJ_NONE, or a rejection code with rej filled
 * (rej->detail names the attribute/field, e.g. "data.until: not a YYYY-MM-DD date",
 * and never quotes the value). On rejection ev->id holds the event id if one
 * could be read (a valid string attribute), else "". On success rej->code is
 * CW_REJ_NONE and rej->detail "". rej may be NULL. */
cw_reject_code_t cw_event_from_json(const char *buf, size_t len, cw_event_t *ev, cw_reject_t *rej);

/* Encodes ev as one line of compact JSON (no newline) into a new string
 * (free with free()); fields that are absent are omitted, and so are data
 * fields the event's type does not list; time as written by
 * cw_time_format_utc. Round-trips with cw_event_from_json. Bytes that are
 * not valid UTF-8 are written as U+FFFD. */
char *cw_event_to_json(const cw_event_t *ev);

#endif
