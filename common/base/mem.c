#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t size)
{
    fprintf(stderr, "casewatch: out of memory allocating %zu bytes\n", size);
    abort();
}

void *cw_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *cw_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *cw_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *cw_reallocarray(void *ptr, size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        oom((size_t)-1);
    return cw_realloc(ptr, n * size);
}

char *cw_strdup(const char *s)
{
    size_t n = strlen(s);
    char *p = cw_malloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

char *cw_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = cw_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
