/* Personal identity numbers in text (see pin.h). */
#include "pin.h"

#include <string.h>

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* ten: YYMMDDNNNC. */
static bool valid10(const char *ten)
{
    int month = two(ten + 2), day = two(ten + 4);
    if (month < 1 || month > 12 || !((day >= 1 && day <= 31) || (day >= 61 && day <= 91)))
        return false;
    int sum = 0;
    for (int i = 0; i < 10; i++) {
        int d = (ten[i] - '0') * (i % 2 == 0 ? 2 : 1);
        sum += d > 9 ? d - 9 : d;
    }
    return sum % 10 == 0;
}

/* The run of digits at s: its length. */
static size_t run(const char *s)
{
    size_t n = 0;
    while (digit(s[n]))
        n++;
    return n;
}

static bool alnum(char c)
{
    return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* s: a run of n digits; next: the byte after it. */
static bool candidate(const char *s, size_t n, const char *next)
{
    char ten[10];
    size_t century = 0;
    if (n == 8 || n == 12)
        century = 2;
    if (n == 6 || n == 8) { /* date part, then '-' or '+' and four digits */
        if ((*next != '-' && *next != '+') || run(next + 1) != 4)
            return false;
        memcpy(ten, s + century, 6);
        memcpy(ten + 6, next + 1, 4);
        next += 5;
    } else if (n == 10 || n == 12) {
        memcpy(ten, s + century, 10);
    } else {
        return false;
    }
    if (century && (two(s) < 18 || two(s) > 20))
        return false;
    if (alnum(*next)) /* glued to letters: part of an identifier */
        return false;
    return valid10(ten);
}

bool cw_pin_find(const char *s)
{
    for (const char *p = s; *p;) {
        if (!digit(*p)) {
            p++;
            continue;
        }
        size_t n = run(p);
        /* after a letter, or after "X-" / "X_": part of an identifier such
         * as the pseudonym B-7133220384, not a number of its own */
        bool glued = p > s && (alnum(p[-1]) || ((p[-1] == '-' || p[-1] == '_') && p - 1 > s &&
                                                 alnum(p[-2])));
        if (!glued && candidate(p, n, p + n))
            return true;
        p += n;
    }
    return false;
}
