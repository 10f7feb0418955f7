#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const names[CW_ERR__COUNT] = {
    [CW_OK] = "ok",
    [CW_ERR_INVALID] = "invalid",
    [CW_ERR_PARSE] = "parse error",
    [CW_ERR_RANGE] = "out of range",
    [CW_ERR_NOT_FOUND] = "not found",
    [CW_ERR_IO] = "I/O error",
    [CW_ERR_CONFIG] = "configuration error",
    [CW_ERR_STATE] = "invalid state",
    [CW_ERR_DUPLICATE] = "duplicate",
    [CW_ERR_UNSUPPORTED] = "unsupported",
};

const char *cw_err_name(cw_err_t err)
{
    if ((unsigned)err >= CW_ERR__COUNT)
        return "unknown error";
    return names[err];
}

cw_err_t cw_err_set(char *errstr, size_t errstr_size, cw_err_t err, const char *fmt, ...)
{
    if (errstr && errstr_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
    }
    return err;
}
