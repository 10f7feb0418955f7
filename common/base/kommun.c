/* The municipality table: the embedded kommuner.tsv parsed once into a
 * sorted array, looked up by binary search. */
#include "base/kommun.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const char cw_kommuner_tsv[];
extern const size_t cw_kommuner_tsv_len;

/* Sweden has had 290 municipalities since 2003; room for a few more keeps a
 * future list from being cut silently (the unit test checks the count). */
#define KOMMUN_MAX 320

static cw_kommun_t table[KOMMUN_MAX];
static size_t table_n;
static char *text; /* a private copy of the TSV the names point into */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[n] == '\0';
}

/* Splits one line into its four tab-separated fields in place; 0 on a
 * malformed line. */
static int parse_line(char *line, cw_kommun_t *k)
{
    char *f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = line;
        char *tab = strchr(line, '\t');
        if (i < 3) {
            if (!tab)
                return 0;
            *tab = '\0';
            line = tab + 1;
        } else if (tab) {
            return 0;
        }
    }
    if (strlen(f[0]) != 4 || !all_digits(f[0], 4) || strlen(f[2]) != 2 || !all_digits(f[2], 2) ||
        !f[1][0] || !f[3][0])
        return 0;
    memcpy(k->code, f[0], 5);
    memcpy(k->county_code, f[2], 3);
    k->name = f[1];
    k->county_name = f[3];
    return 1;
}

static void load(void)
{
    text = malloc(cw_kommuner_tsv_len + 1);
    if (!text)
        return;
    memcpy(text, cw_kommuner_tsv, cw_kommuner_tsv_len + 1);
    size_t n = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (line[0] != '#' && line[0] != '\0') {
            /* a malformed line, too many lines or codes out of order make the
             * whole table empty: lookups fail loudly rather than half-work */
            if (n == KOMMUN_MAX || !parse_line(line, &table[n]) ||
                (n > 0 && strcmp(table[n - 1].code, table[n].code) >= 0))
                return;
            n++;
        }
        line = nl ? nl + 1 : NULL;
    }
    table_n = n;
}

static const cw_kommun_t *find(const char *code)
{
    pthread_once(&once, load);
    if (!code)
        return NULL;
    size_t lo = 0, hi = table_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(table[mid].code, code);
        if (c == 0)
            return &table[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *cw_kommun_name(const char *code)
{
    const cw_kommun_t *k = find(code);
    return k ? k->name : NULL;
}

const char *cw_kommun_county_name(const char *code)
{
    const cw_kommun_t *k = find(code);
    return k ? k->county_name : NULL;
}

size_t cw_kommun_count(void)
{
    pthread_once(&once, load);
    return table_n;
}

const cw_kommun_t *cw_kommun_at(size_t i)
{
    pthread_once(&once, load);
    return i < table_n ? &table[i] : NULL;
}
