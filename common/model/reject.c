#include "model/reject.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const codes[CW_REJ__COUNT] = {[CW_REJ_NONE] = "none",
#define X(name, code, text) [CW_REJ_##name] = code,
                                                 CW_REJECT_CODES(X)
#undef X
};

static const char *const texts[CW_REJ__COUNT] = {[CW_REJ_NONE] = "accepted",
#define X(name, code, text) [CW_REJ_##name] = text,
                                                 CW_REJECT_CODES(X)
#undef X
};

const char *cw_reject_code_name(cw_reject_code_t code)
{
    return (unsigned)code < CW_REJ__COUNT ? codes[code] : "unknown";
}

const char *cw_reject_code_text(cw_reject_code_t code)
{
    return (unsigned)code < CW_REJ__COUNT ? texts[code] : "unknown";
}

cw_reject_code_t cw_reject_set(cw_reject_t *rej, cw_reject_code_t code, const char *fmt, ...)
{
    rej->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rej->detail, sizeof(rej->detail), fmt, ap);
    va_end(ap);
    return code;
}
