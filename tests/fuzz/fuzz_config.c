/* libFuzzer target: a configuration file through the loader, with a
 * property table of every type. It loads or fails with a reason naming
 * the place; nothing else. The input is handed over as a memfd, so the
 * loader reads it the way it reads real files. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/conf.h"

static const char *const modes[] = {"a", "b", NULL};
static const cw_conf_prop_t props[] = {
    {"x.string", CW_CONF_STRING, NULL, 0, 0, NULL, 0, "a string"},
    {"x.int", CW_CONF_INT, "5", 1, 1000, NULL, 0, "an int"},
    {"x.bool", CW_CONF_BOOL, "false", 0, 0, NULL, 0, "a bool"},
    {"x.mode", CW_CONF_ENUM, "a", 0, 0, modes, 0, "an enum"},
    {"x.wait", CW_CONF_DURATION, "1s", 1, 86400000, NULL, 0, "a duration"},
    {"x.secret", CW_CONF_STRING, NULL, 0, 0, NULL, CW_CONF_SECRET, "a secret"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("conf", 0);
    if (fd < 0 || fchmod(fd, 0600) != 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64], err[512];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    cw_conf_t *conf = cw_conf_new(props, sizeof(props) / sizeof(props[0]));
    err[0] = '\0';
    if (cw_conf_load_file(conf, path, err, sizeof(err)) != CW_OK) {
        if (err[0] == '\0')
            abort();
    } else {
        FILE *devnull = fopen("/dev/null", "w");
        cw_conf_dump(conf, devnull); /* every value can be read back */
        fclose(devnull);
    }
    cw_conf_destroy(conf);
    close(fd);
    return 0;
}
