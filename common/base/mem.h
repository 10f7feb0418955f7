/* Allocation wrappers. They abort the process on out-of-memory: a processor
 * that cannot allocate cannot keep its guarantees, and half-handled OOM paths
 * are where the bugs live. Everything else in the code base may assume
 * allocation succeeds. */
#ifndef CW_BASE_MEM_H
#define CW_BASE_MEM_H

#include <stddef.h>

/* All return new memory owned by the caller (free with free()). */
void *cw_malloc(size_t size);
void *cw_calloc(size_t n, size_t size);
void *cw_realloc(void *ptr, size_t size);
/* Overflow-checked n * size realloc (aborts on overflow, like on OOM). */
void *cw_reallocarray(void *ptr, size_t n, size_t size);
char *cw_strdup(const char *s);
char *cw_strndup(const char *s, size_t n);

#endif
