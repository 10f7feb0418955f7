/* The CSV state machine (see csv.h). Fields are copied into one growing
 * buffer per record, so a record costs one allocation at most. */
#include "csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

struct cw_csv_s {
    char *text;
    size_t len, pos;
    unsigned long line; /* physical line at pos */
    char delim;
    bool converted;
    char *buf; /* the record's fields, NUL-separated */
    size_t buf_len, buf_cap;
    size_t *starts; /* offsets of the fields in buf */
    char **fields;
    size_t n_fields, cap_fields;
};

static bool valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char b = s[i];
        size_t k = b < 0x80 ? 0 : (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2
                                : (b & 0xF8) == 0xF0 ? 3 : 4;
        if (k == 4 || (k == 1 && b < 0xC2) || (k > 0 && i + k >= n))
            return false;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        i += k + 1;
    }
    return true;
}

/* Windows-1252 bytes 0x80–0x9F (0: undefined, kept as U+FFFD). */
static const uint16_t CP1252[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

static char *from_cp1252(const unsigned char *s, size_t n, size_t *out_len)
{
    char *out = cw_reallocarray(NULL, n * 3 + 1, 1), *p = out;
    for (size_t i = 0; i < n; i++) {
        unsigned cp = s[i] < 0x80 ? s[i] : s[i] < 0xA0 ? CP1252[s[i] - 0x80] : s[i];
        if (cp == 0)
            cp = 0xFFFD;
        if (cp < 0x80) {
            *p++ = (char)cp;
        } else if (cp < 0x800) {
            *p++ = (char)(0xC0 | cp >> 6);
            *p++ = (char)(0x80 | (cp & 0x3F));
        } else {
            *p++ = (char)(0xE0 | cp >> 12);
            *p++ = (char)(0x80 | (cp >> 6 & 0x3F));
            *p++ = (char)(0x80 | (cp & 0x3F));
        }
    }
    *p = '\0';
    *out_len = (size_t)(p - out);
    return out;
}

static char detect(const char *s, size_t n)
{
    static const char cand[] = {';', ',', '\t'};
    size_t count[3] = {0};
    bool quoted = false;
    for (size_t i = 0; i < n && (quoted || (s[i] != '\n' && s[i] != '\r')); i++) {
        if (s[i] == '"')
            quoted = !quoted;
        for (int k = 0; k < 3 && !quoted; k++)
            count[k] += s[i] == cand[k];
    }
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (count[k] > count[best])
            best = k;
    return cand[best];
}

cw_csv_t *cw_csv_new(char *text_take, size_t len, char delim, cw_csv_encoding_t enc)
{
    cw_csv_t *c = cw_calloc(1, sizeof(*c));
    c->text = text_take;
    c->len = len;
    c->line = 1;
    if (len >= 3 && memcmp(text_take, "\xEF\xBB\xBF", 3) == 0) {
        c->pos = 3; /* the byte order mark: UTF-8 */
    } else if (enc == CW_CSV_CP1252 ||
               (enc == CW_CSV_AUTO && !valid_utf8((const unsigned char *)text_take, len))) {
        c->text = from_cp1252((const unsigned char *)text_take, len, &c->len);
        c->converted = true;
        free(text_take);
    }
    c->delim = delim ? delim : detect(c->text + c->pos, c->len - c->pos);
    return c;
}

char cw_csv_delim(const cw_csv_t *c)
{
    return c->delim;
}

bool cw_csv_converted(const cw_csv_t *c)
{
    return c->converted;
}

static void put(cw_csv_t *c, char ch)
{
    if (c->buf_len == c->buf_cap) {
        c->buf_cap = c->buf_cap ? c->buf_cap * 2 : 256;
        c->buf = cw_reallocarray(c->buf, c->buf_cap, 1);
    }
    c->buf[c->buf_len++] = ch;
}

/* Ends the field that began at buf offset start. */
static void end_field(cw_csv_t *c, size_t start)
{
    put(c, '\0');
    if (c->n_fields == c->cap_fields) {
        c->cap_fields = c->cap_fields ? c->cap_fields * 2 : 16;
        c->starts = cw_reallocarray(c->starts, c->cap_fields, sizeof(*c->starts));
        c->fields = cw_reallocarray(c->fields, c->cap_fields, sizeof(*c->fields));
    }
    c->starts[c->n_fields++] = start;
}

int cw_csv_next(cw_csv_t *c, char ***fields, size_t *n, unsigned long *line, char *errstr,
                size_t errstr_size)
{
    if (c->pos >= c->len)
        return 0;
    c->buf_len = 0;
    c->n_fields = 0;
    *line = c->line;
    bool quoted = false, was_quoted = false, nul = false;
    size_t start = 0;
    for (;;) {
        if (c->pos >= c->len) {
            if (quoted) {
                snprintf(errstr, errstr_size, "unterminated quoted field");
                return -1;
            }
            break;
        }
        char ch = c->text[c->pos++];
        if (quoted) {
            if (ch == '"' && c->pos < c->len && c->text[c->pos] == '"') {
                put(c, '"');
                c->pos++;
            } else if (ch == '"') {
                quoted = false;
            } else {
                if (ch == '\n')
                    c->line++;
                nul |= ch == '\0';
                put(c, ch);
            }
            continue;
        }
        if (ch == '"' && c->buf_len == start && !was_quoted) {
            quoted = was_quoted = true; /* a quote opens only at a field's start */
        } else if (ch == c->delim) {
            end_field(c, start);
            start = c->buf_len;
            was_quoted = false;
        } else if (ch == '\n' || ch == '\r') {
            if (ch == '\r' && c->pos < c->len && c->text[c->pos] == '\n')
                c->pos++;
            c->line++;
            break;
        } else {
            nul |= ch == '\0';
            put(c, ch);
        }
    }
    end_field(c, start);
    for (size_t i = 0; i < c->n_fields; i++)
        c->fields[i] = c->buf + c->starts[i];
    *fields = c->fields;
    *n = c->n_fields;
    if (nul) {
        snprintf(errstr, errstr_size, "NUL byte in a field");
        return -1;
    }
    return 1;
}

void cw_csv_destroy(cw_csv_t *c)
{
    if (!c)
        return;
    free(c->text);
    free(c->buf);
    free(c->starts);
    free(c->fields);
    free(c);
}
