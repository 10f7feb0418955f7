/* Error codes shared by every casewatch module.
 *
 * Functions that can fail return cw_err_t and, where a human reason helps,
 * take a trailing (char *errstr, size_t errstr_size) buffer that they fill
 * on failure (librdkafka style). errstr may be NULL when errstr_size is 0. */
#ifndef CW_BASE_ERR_H
#define CW_BASE_ERR_H

#include <stddef.h>

typedef enum {
    CW_OK = 0,
    CW_ERR_INVALID,     /* bad argument or bad input value */
    CW_ERR_PARSE,       /* syntax error in input text */
    CW_ERR_RANGE,       /* value out of the supported range */
    CW_ERR_NOT_FOUND,   /* a named thing does not exist */
    CW_ERR_IO,          /* file or socket I/O failed */
    CW_ERR_CONFIG,      /* configuration rejected */
    CW_ERR_STATE,       /* operation not allowed in the current state */
    CW_ERR_DUPLICATE,   /* already applied / already present */
    CW_ERR_UNSUPPORTED, /* recognised but not supported */
    CW_ERR__COUNT
} cw_err_t;

/* Returns a static, borrowed string naming the error code. */
const char *cw_err_name(cw_err_t err);

/* Formats into errstr (if any) and returns err: `return cw_err_set(...)`. */
cw_err_t cw_err_set(char *errstr, size_t errstr_size, cw_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
