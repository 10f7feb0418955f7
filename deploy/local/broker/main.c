/* casewatch-broker: librdkafka's mock cluster as a standalone program, for
 * the demo and the tests. Real Kafka protocol on loopback, no JVM; data in
 * memory only. Limits (librdkafka 2.0.2): each partition keeps only its
 * newest ~5 MiB; no compaction; transactions accepted but not enforced.
 *
 *   casewatch-broker [--brokers N] [--topic NAME:PARTITIONS]... [--bootstrap-file FILE]
 *
 * Prints "bootstrap=HOST:PORT,..." on standard output once ready and runs
 * until SIGINT/SIGTERM. Fault commands, one per line on standard input
 * (answers "ok" or "error: ..." on standard output):
 *   down BROKER|-1          up BROKER|-1          rtt BROKER|-1 MS
 *   errors APIKEY CNT ERR   (push CNT request errors ERR for Kafka API APIKEY)
 *   berrors BROKER APIKEY CNT ERR
 *                           (the same on one broker's own stack, which goes first)
 *   pending BROKER APIKEY   (answers "ok N": errors of that broker's stack not yet
 *                           returned, so a test knows its faults were hit)
 *   topic NAME PARTITIONS   (create a topic)
 * End of standard input leaves the broker running. */
#include <errno.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <dirent.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int usage(const char *why)
{
    fprintf(stderr,
            "casewatch-broker: %s\nusage: casewatch-broker [--brokers N] "
            "[--topic NAME:PARTITIONS]... [--bootstrap-file FILE]\n",
            why);
    return 2;
}

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *spec)
{
    char name[256];
    int parts;
    char extra;
    if (sscanf(spec, "%255[^:]:%d%c", name, &parts, &extra) != 2 || parts < 1 || parts > 10000)
        return -1;
    return rd_kafka_mock_topic_create(mc, name, parts, 1) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

/* One fault command; returns a static answer. */
static const char *command(rd_kafka_mock_cluster_t *mc, char *line)
{
    static char answer[64];
    char verb[32], arg1[256];
    long a = 0, b = 0, c = 0, d = 0;
    int n = sscanf(line, "%31s %255s %ld %ld %ld", verb, arg1, &b, &c, &d);
    if (n < 1)
        return "error: empty command";
    if (n >= 2)
        a = strtol(arg1, NULL, 10);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (strcmp(verb, "down") == 0 && n == 2)
        err = rd_kafka_mock_broker_set_down(mc, (int32_t)a);
    else if (strcmp(verb, "up") == 0 && n == 2)
        err = rd_kafka_mock_broker_set_up(mc, (int32_t)a);
    else if (strcmp(verb, "rtt") == 0 && n == 3)
        err = rd_kafka_mock_broker_set_rtt(mc, (int32_t)a, (int)b);
    else if (strcmp(verb, "errors") == 0 && n == 4 && b > 0 && b <= 1000) {
        rd_kafka_resp_err_t errs[1000];
        for (long i = 0; i < b; i++)
            errs[i] = (rd_kafka_resp_err_t)c;
        rd_kafka_mock_push_request_errors_array(mc, (int16_t)a, (size_t)b, errs);
    } else if (strcmp(verb, "berrors") == 0 && n == 5 && c > 0 && c <= 1000) {
        /* The broker stack takes (error, rtt) pairs, pushed in groups of 8. */
        for (long i = 0; i < c && !err; i += 8) {
            long k = c - i < 8 ? c - i : 8;
            rd_kafka_resp_err_t e = (rd_kafka_resp_err_t)d;
            err = rd_kafka_mock_broker_push_request_error_rtts(mc, (int32_t)a, (int16_t)b,
                                                               (size_t)k, e, 0, e, 0, e, 0, e, 0, e,
                                                               0, e, 0, e, 0, e, 0);
        }
    } else if (strcmp(verb, "pending") == 0 && n == 3) {
        size_t cnt = 0;
        err = rd_kafka_mock_broker_error_stack_cnt(mc, (int32_t)a, (int16_t)b, &cnt);
        if (!err) {
            snprintf(answer, sizeof(answer), "ok %zu", cnt);
            return answer;
        }
    } else if (strcmp(verb, "topic") == 0 && n == 3) {
        char spec[300];
        snprintf(spec, sizeof(spec), "%s:%ld", arg1, b);
        if (create_topic(mc, spec) != 0)
            return "error: cannot create topic";
    } else
        return "error: unknown command or wrong arguments";
    return err ? "error: rejected by the mock cluster" : "ok";
}

/* Reads commands from standard input until a signal; EOF only stops reading. */
static void serve(rd_kafka_mock_cluster_t *mc)
{
    char line[512];
    size_t have = 0;
    int stdin_open = 1;
    while (!stop) {
        struct pollfd pfd = {.fd = 0, .events = POLLIN};
        int r = stdin_open ? poll(&pfd, 1, 200) : (usleep(200000), 0);
        if (r <= 0)
            continue;
        ssize_t got = read(0, line + have, sizeof(line) - 1 - have);
        if (got <= 0) {
            stdin_open = 0;
            continue;
        }
        have += (size_t)got;
        line[have] = '\0';
        char *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = '\0';
            printf("%s\n", command(mc, line));
            fflush(stdout);
            memmove(line, nl + 1, have - (size_t)(nl + 1 - line) + 1);
            have -= (size_t)(nl + 1 - line);
        }
        if (have == sizeof(line) - 1)
            have = 0; /* an overlong line is dropped */
    }
}

/* The mock cluster writes each response in more than one send() on sockets
 * with Nagle's algorithm on, so the client's delayed ACK holds every
 * multi-part response for ~40 ms: a produce or fetch round trip of any
 * size took 44 ms (measured), which made the processor look 3x slower than
 * it is. librdkafka has no option for the mock's sockets, so set
 * TCP_NODELAY on this process's listening TCP sockets (the mock brokers'
 * only ones at this point); Linux copies it to every accepted connection.
 * Returns how many were set. */
static int no_delay_listeners(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long fd = strtol(de->d_name, &end, 10);
        if (*end || end == de->d_name || fd == dirfd(d))
            continue;
        int listening = 0, domain = 0, one = 1;
        socklen_t len = sizeof(int);
        if (getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
            continue;
        len = sizeof(int);
        if (getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
            (domain != AF_INET && domain != AF_INET6))
            continue;
        if (setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
            n++;
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"brokers", required_argument, NULL, 'b'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"bootstrap-file", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    int brokers = 1, c;
    const char *bootstrap_file = NULL;
    char *topics[64];
    int n_topics = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'b' && (brokers = atoi(optarg)) >= 1 && brokers <= 16)
            continue;
        if (c == 't' && n_topics < 64) {
            topics[n_topics++] = optarg;
            continue;
        }
        if (c == 'f') {
            bootstrap_file = optarg;
            continue;
        }
        return usage("bad option");
    }
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "casewatch-broker: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    int rc = 0;
    for (int i = 0; i < n_topics && mc; i++) {
        if (create_topic(mc, topics[i]) != 0) {
            fprintf(stderr, "casewatch-broker: bad topic \"%s\" (want NAME:PARTITIONS)\n",
                    topics[i]);
            rc = 2;
            goto out;
        }
    }
    if (!mc) {
        fprintf(stderr, "casewatch-broker: could not start the mock cluster\n");
        rc = 1;
        goto out;
    }
    if (no_delay_listeners() == 0)
        fprintf(stderr, "casewatch-broker: warning: no listening socket found to set "
                        "TCP_NODELAY on: responses may wait ~40 ms for delayed ACKs\n");
    const char *bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
    if (bootstrap_file) {
        FILE *f = fopen(bootstrap_file, "w");
        if (!f || fprintf(f, "%s\n", bootstraps) < 0 || fclose(f) != 0) {
            fprintf(stderr, "casewatch-broker: %s: %s\n", bootstrap_file, strerror(errno));
            rc = 1;
            goto out;
        }
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    printf("bootstrap=%s\n", bootstraps);
    fflush(stdout);
    serve(mc);
out:
    if (mc)
        rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return rc;
}
