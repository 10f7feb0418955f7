/* Baseline for the replay benchmark: jansson parsing each line of a
 * JSON-lines file and freeing it, nothing else. Reads the whole file first
 * so only parsing is measured. Prints lines parsed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_json_parse FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "read failed\n");
        return 1;
    }
    fclose(f);
    unsigned long n = 0, bad = 0;
    for (char *p = buf, *end = buf + size; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        json_t *j = json_loadb(p, len, JSON_REJECT_DUPLICATES, NULL);
        if (j)
            n++;
        else
            bad++;
        json_decref(j);
        p += len + 1;
    }
    printf("%lu parsed, %lu bad\n", n, bad);
    free(buf);
    return bad ? 1 : 0;
}
