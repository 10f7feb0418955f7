/* casewatch-processor [--config FILE] [--print-config] [--help]
 *
 * Configuration: FILE (key = value), then CASEWATCH_* environment variables;
 * kafka.* keys go to librdkafka verbatim (bootstrap.servers, TLS, SASL, ...).
 * SIGTERM/SIGINT: finish the batch, flush, commit, leave the group.
 * Exit statuses: CW_EXIT_* (processor.h), listed by --help. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "processor.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static const char usage[] =
    "usage: casewatch-processor [--config FILE] [--print-config] [--help]\n"
    "Configuration: FILE (key = value), then CASEWATCH_* environment variables.\n"
    "At start it checks the cluster and its topics (processor.startup_timeout).\n"
    "Exit status:\n"
    "  0  stopped by SIGTERM/SIGINT after a clean shutdown\n"
    "  1  a fatal error while running or at start-up\n"
    "  2  bad command line or configuration\n"
    "  3  a topic is missing, input topics are not co-partitioned, or the changelog\n"
    "     has another partition count than the input or is not compacted\n"
    "  4  no broker answered within processor.startup_timeout\n"
    "  5  TLS/SASL authentication (or authorization) failed\n";

static cw_conf_t *load_conf(int argc, char **argv, int *print)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"print-config", no_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'c')
            path = optarg;
        else if (c == 'p')
            *print = 1;
        else if (c == 'h') {
            fputs(usage, stdout);
            *print = 2;
            return NULL;
        } else {
            fputs(usage, stderr);
            return NULL;
        }
    }
    char err[512];
    cw_conf_t *conf = cw_conf_new(cw_processor_props, cw_processor_n_props);
    if ((path && cw_conf_load_file(conf, path, err, sizeof(err)) != CW_OK) ||
        cw_conf_load_env(conf, "CASEWATCH_", err, sizeof(err)) != CW_OK ||
        cw_conf_check(conf, err, sizeof(err)) != CW_OK) {
        fprintf(stderr, "casewatch-processor: %s\n", err);
        cw_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

int main(int argc, char **argv)
{
    int print = 0, rc = CW_EXIT_FAILURE;
    cw_conf_t *conf = load_conf(argc, argv, &print);
    if (!conf)
        return print == 2 ? CW_EXIT_OK : CW_EXIT_CONFIG;
    if (print) {
        cw_conf_dump(conf, stdout);
        cw_conf_destroy(conf);
        return 0;
    }
    cw_log_level_t level = CW_LOG_INFO;
    cw_log_level_parse(cw_conf_get_str(conf, "log.level"), &level);
    cw_log_init("processor", level);
    const char *key = cw_conf_get_str(conf, "log.hash_key");
    if (key)
        cw_log_set_hash_key(key, strlen(key));
    char err[512];
    cw_rulepack_t *pack = NULL;
    cw_processor_t *p = NULL;
    const char *rules = cw_conf_get_str(conf, "processor.rules");
    if (cw_time_init(cw_conf_get_str(conf, "time.zone"), err, sizeof(err)) != CW_OK ||
        (rules ? cw_rulepack_load_file(rules, &pack, err, sizeof(err))
               : cw_rulepack_load_default(&pack, err, sizeof(err))) != CW_OK ||
        !(p = cw_processor_new(conf, pack, &rc, err, sizeof(err)))) {
        cw_log(CW_LOG_ERROR, "start-up: %s", err);
        goto out;
    }
    cw_log(CW_LOG_INFO, "rule pack %s %s, %zu rules", pack->name, pack->version, pack->n_rules);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = cw_processor_run(p, &stop);
out:
    cw_processor_destroy(p);
    cw_rulepack_destroy(pack);
    cw_conf_destroy(conf);
    return rc;
}
