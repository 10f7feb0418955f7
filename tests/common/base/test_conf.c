#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"

extern char **environ;

/* ---- the property table under test ---- */

static const char *const formats[] = {"json", "avro", NULL};

static const cw_conf_prop_t props[] = {
    {"processor.input_topics", CW_CONF_STRING, NULL, 0, 0, NULL, CW_CONF_REQUIRED,
     "topics to read, comma-separated"},
    {"processor.group_id", CW_CONF_STRING, "casewatch", 0, 0, NULL, 0, "consumer group"},
    {"server.port", CW_CONF_INT, "8080", 1, 65535, NULL, 0, "HTTP port"},
    {"processor.batch", CW_CONF_INT, NULL, 0, 0, NULL, 0, "unlimited integer"},
    {"processor.min_batch", CW_CONF_INT, NULL, 10, INT64_MAX, NULL, 0, NULL},
    {"processor.dry_run", CW_CONF_BOOL, "false", 0, 0, NULL, 0, "do not produce"},
    {"processor.format", CW_CONF_ENUM, "json", 0, 0, formats, 0, "input format"},
    {"processor.poll_timeout", CW_CONF_DURATION, "500ms", 1, 3600000, NULL, 0, "poll timeout"},
    {"processor.retention", CW_CONF_DURATION, NULL, 0, 0, NULL, 0, "unlimited duration"},
    {"feed.token", CW_CONF_STRING, NULL, 0, 0, NULL, CW_CONF_SECRET, "feed bearer token"},
    {"feed.pin", CW_CONF_INT, NULL, 1000, 9999, NULL, CW_CONF_SECRET, "secret number"},
    {"schema_registry.url", CW_CONF_STRING, NULL, 0, 0, NULL, 0, "registry URL"},
};

#define N_PROPS (sizeof(props) / sizeof(props[0]))

static cw_conf_t *new_conf(void)
{
    return cw_conf_new(props, N_PROPS);
}

/* ---- helpers ---- */

static void check_contains(const char *hay, const char *needle, const char *file, int line)
{
    if (!hay || !strstr(hay, needle)) {
        print_error("\"%s\" does not contain \"%s\"\n", hay ? hay : "(null)", needle);
        _fail(file, line);
    }
}

static void check_lacks(const char *hay, const char *needle, const char *file, int line)
{
    if (strstr(hay, needle)) {
        print_error("\"%s\" contains \"%s\"\n", hay, needle);
        _fail(file, line);
    }
}

#define assert_contains(hay, needle) check_contains((hay), (needle), __FILE__, __LINE__)
#define assert_lacks(hay, needle)    check_lacks((hay), (needle), __FILE__, __LINE__)

/* Writes len bytes into a new file under /tmp with the given mode. */
static void write_file_len(char path[64], const char *text, size_t len, mode_t mode)
{
    snprintf(path, 64, "/tmp/cw_test_conf_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static void write_file(char path[64], const char *text)
{
    write_file_len(path, text, strlen(text), 0600);
}

/* Loads text from a temporary file; the file is removed again. */
static cw_err_t load_text(cw_conf_t *conf, const char *text, char path[64], char *errstr,
                          size_t size)
{
    write_file(path, text);
    cw_err_t err = cw_conf_load_file(conf, path, errstr, size);
    unlink(path);
    return err;
}

static char *dump(const cw_conf_t *conf)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    assert_non_null(f);
    cw_conf_dump(conf, f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

typedef struct {
    int n;
    char lines[8][1024];
    cw_log_level_t levels[8];
} captured_t;

static void capture(cw_log_level_t level, const char *line, void *opaque)
{
    captured_t *c = opaque;
    if (c->n < 8) {
        c->levels[c->n] = level;
        snprintf(c->lines[c->n++], sizeof(c->lines[0]), "%s", line);
    }
}

/* Removes every CASEWATCH_* variable so that tests see only their own. */
static void clear_env(void)
{
    char name[256];
    for (;;) {
        char **env = environ;
        while (env && *env && strncmp(*env, "CASEWATCH_", 10) != 0)
            env++;
        if (!env || !*env)
            return;
        size_t len = strcspn(*env, "=");
        assert_true(len < sizeof(name));
        memcpy(name, *env, len);
        name[len] = '\0';
        assert_int_equal(unsetenv(name), 0);
    }
}

static int setup(void **state)
{
    clear_env();
    return 0;
}

static int teardown(void **state)
{
    clear_env();
    cw_log_set_sink(NULL, NULL);
    return 0;
}

/* Runs fn in a child process and asserts that it aborted. */
static void assert_aborts(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, STDERR_FILENO);
        fn();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
    cw_conf_t *conf = new_conf();
    assert_string_equal(cw_conf_get_str(conf, "processor.group_id"), "casewatch");
    assert_null(cw_conf_get_str(conf, "processor.input_topics"));
    assert_false(cw_conf_is_set(conf, "processor.input_topics"));
    assert_true(cw_conf_is_set(conf, "processor.group_id"));
    assert_int_equal(cw_conf_get_int(conf, "server.port"), 8080);
    assert_false(cw_conf_is_set(conf, "processor.batch"));
    assert_int_equal(cw_conf_get_int(conf, "processor.batch"), 0);
    assert_false(cw_conf_get_bool(conf, "processor.dry_run"));
    assert_string_equal(cw_conf_get_str(conf, "processor.format"), "json");
    assert_int_equal(cw_conf_get_int(conf, "processor.poll_timeout"), 500);
    assert_false(cw_conf_is_set(conf, "processor.retention"));
    assert_null(cw_conf_get_str(conf, "feed.token"));
    assert_int_equal(cw_conf_kafka_count(conf), 0);
    cw_conf_destroy(conf);
    cw_conf_destroy(NULL);
}

/* ---- types ---- */

static cw_err_t set(cw_conf_t *conf, const char *name, const char *value, char *errstr)
{
    errstr[0] = '\0';
    return cw_conf_set(conf, name, value, "test:1", errstr, 256);
}

static void test_string(void **state)
{
    cw_conf_t *conf = new_conf();
    char errstr[256];
    assert_int_equal(set(conf, "processor.group_id", "g = 1 # not a comment", errstr), CW_OK);
    assert_string_equal(cw_conf_get_str(conf, "processor.group_id"), "g = 1 # not a comment");
    assert_int_equal(set(conf, "processor.group_id", "", errstr), CW_OK);
    assert_string_equal(cw_conf_get_str(conf, "processor.group_id"), "");
    assert_true(cw_conf_is_set(conf, "processor.group_id"));
    cw_conf_destroy(conf);
}

static void test_int_valid(void **state)
{
    static const struct {
        const char *name, *text;
        int64_t value;
    } cases[] = {
        {"server.port", "1", 1},
        {"server.port", "65535", 65535},
        {"server.port", "00443", 443},
        {"processor.batch", "0", 0},
        {"processor.batch", "-17", -17},
        {"processor.batch", "9223372036854775807", INT64_MAX},
        {"processor.batch", "-9223372036854775808", INT64_MIN},
        {"processor.min_batch", "10", 10},
        {"processor.min_batch", "9223372036854775807", INT64_MAX},
    };
    cw_conf_t *conf = new_conf();
    char errstr[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(set(conf, cases[i].name, cases[i].text, errstr), CW_OK);
        assert_true(cw_conf_get_int(conf, cases[i].name) == cases[i].value);
    }
    cw_conf_destroy(conf);
}

static void test_int_invalid(void **state)
{
    static const struct {
        const char *name, *text;
        cw_err_t err;
        const char *expected;
    } cases[] = {
        {"server.port", "0", CW_ERR_RANGE, "expected an integer between 1 and 65535"},
        {"server.port", "65536", CW_ERR_RANGE, "expected an integer between 1 and 65535"},
        {"server.port", "-1", CW_ERR_RANGE, "expected an integer between 1 and 65535"},
        {"server.port", "", CW_ERR_INVALID, "expected an integer between 1 and 65535"},
        {"server.port", "http", CW_ERR_INVALID, "expected an integer between 1 and 65535"},
        {"server.port", " 80", CW_ERR_INVALID, "expected an integer"},
        {"server.port", "80 ", CW_ERR_INVALID, "expected an integer"},
        {"server.port", "+80", CW_ERR_INVALID, "expected an integer"},
        {"server.port", "8e2", CW_ERR_INVALID, "expected an integer"},
        {"server.port", "0x50", CW_ERR_INVALID, "expected an integer"},
        {"server.port", "80.0", CW_ERR_INVALID, "expected an integer"},
        {"server.port", "-", CW_ERR_INVALID, "expected an integer"},
        {"processor.batch", "9223372036854775808", CW_ERR_RANGE, "expected an integer"},
        {"processor.batch", "-9223372036854775809", CW_ERR_RANGE, "expected an integer"},
        {"processor.batch", "99999999999999999999999", CW_ERR_RANGE, "expected an integer"},
        {"processor.min_batch", "9", CW_ERR_RANGE, "expected an integer of at least 10"},
    };
    cw_conf_t *conf = new_conf();
    char errstr[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(set(conf, cases[i].name, cases[i].text, errstr), cases[i].err);
        assert_contains(errstr, cases[i].expected);
    }
    /* The whole message, and a failed set leaves the value alone. */
    assert_int_equal(set(conf, "server.port", "70000", errstr), CW_ERR_RANGE);
    assert_string_equal(errstr, "test:1: invalid value \"70000\" for server.port: "
                                "expected an integer between 1 and 65535");
    assert_int_equal(set(conf, "processor.batch", "x", errstr), CW_ERR_INVALID);
    assert_string_equal(errstr, "test:1: invalid value \"x\" for processor.batch: "
                                "expected an integer");
    assert_int_equal(cw_conf_get_int(conf, "server.port"), 8080);
    cw_conf_destroy(conf);
}

static void test_bool(void **state)
{
    static const struct {
        const char *text;
        bool value;
    } valid[] = {{"true", true}, {"false", false}, {"yes", true}, {"no", false},
                 {"on", true},   {"off", false},   {"1", true},   {"0", false}};
    static const char *const invalid[] = {"", "TRUE", "True", "y", "n", "2", "01", " true", "t"};
    cw_conf_t *conf = new_conf();
    char errstr[256];
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        assert_int_equal(set(conf, "processor.dry_run", valid[i].text, errstr), CW_OK);
        assert_int_equal(cw_conf_get_bool(conf, "processor.dry_run"), valid[i].value);
    }
    assert_int_equal(set(conf, "processor.dry_run", "yes", errstr), CW_OK);
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        assert_int_equal(set(conf, "processor.dry_run", invalid[i], errstr), CW_ERR_INVALID);
        assert_contains(errstr, "expected one of: true, false, yes, no, on, off, 1, 0");
        assert_true(cw_conf_get_bool(conf, "processor.dry_run"));
    }
    cw_conf_destroy(conf);
}

static void test_enum(void **state)
{
    cw_conf_t *conf = new_conf();
    char errstr[256];
    assert_int_equal(set(conf, "processor.format", "avro", errstr), CW_OK);
    assert_string_equal(cw_conf_get_str(conf, "processor.format"), "avro");
    assert_int_equal(set(conf, "processor.format", "xml", errstr), CW_ERR_INVALID);
    assert_string_equal(errstr,
                        "test:1: invalid value \"xml\" for processor.format: expected one of: "
                        "json, avro");
    assert_int_equal(set(conf, "processor.format", "JSON", errstr), CW_ERR_INVALID);
    assert_int_equal(set(conf, "processor.format", "", errstr), CW_ERR_INVALID);
    assert_string_equal(cw_conf_get_str(conf, "processor.format"), "avro");
    cw_conf_destroy(conf);
}

static void test_duration_valid(void **state)
{
    static const struct {
        const char *name, *text;
        int64_t ms;
    } cases[] = {
        {"processor.poll_timeout", "1ms", 1},
        {"processor.poll_timeout", "250ms", 250},
        {"processor.poll_timeout", "2s", 2000},
        {"processor.poll_timeout", "3m", 180000},
        {"processor.poll_timeout", "1h", 3600000},
        {"processor.poll_timeout", "60m", 3600000},
        {"processor.retention", "7d", 604800000},
        {"processor.retention", "0s", 0},
        {"processor.retention", "106751991167d", INT64_C(106751991167) * 86400000},
        {"processor.retention", "9223372036854775807ms", INT64_MAX},
    };
    cw_conf_t *conf = new_conf();
    char errstr[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(set(conf, cases[i].name, cases[i].text, errstr), CW_OK);
        assert_true(cw_conf_get_int(conf, cases[i].name) == cases[i].ms);
    }
    cw_conf_destroy(conf);
}

static void test_duration_invalid(void **state)
{
    static const struct {
        const char *name, *text;
        cw_err_t err;
    } cases[] = {
        {"processor.retention", "5", CW_ERR_INVALID},
        {"processor.retention", "5x", CW_ERR_INVALID},
        {"processor.retention", "5S", CW_ERR_INVALID},
        {"processor.retention", "5 s", CW_ERR_INVALID},
        {"processor.retention", "5sec", CW_ERR_INVALID},
        {"processor.retention", "1.5s", CW_ERR_INVALID},
        {"processor.retention", "-5s", CW_ERR_INVALID},
        {"processor.retention", "+5s", CW_ERR_INVALID},
        {"processor.retention", "ms", CW_ERR_INVALID},
        {"processor.retention", "", CW_ERR_INVALID},
        {"processor.retention", "106751991168d", CW_ERR_RANGE},
        {"processor.retention", "2562047788016h", CW_ERR_RANGE},
        {"processor.retention", "9223372036854775808ms", CW_ERR_RANGE},
        {"processor.poll_timeout", "0ms", CW_ERR_RANGE},
        {"processor.poll_timeout", "3601s", CW_ERR_RANGE},
        {"processor.poll_timeout", "1d", CW_ERR_RANGE},
    };
    cw_conf_t *conf = new_conf();
    char errstr[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(set(conf, cases[i].name, cases[i].text, errstr), cases[i].err);
        assert_contains(errstr, "expected a duration (an integer followed by ms, s, m, h or d)");
    }
    assert_int_equal(set(conf, "processor.poll_timeout", "2h", errstr), CW_ERR_RANGE);
    assert_string_equal(errstr, "test:1: invalid value \"2h\" for processor.poll_timeout: expected "
                                "a duration (an integer followed by ms, s, m, h or d) between "
                                "1ms and 1h");
    assert_int_equal(cw_conf_get_int(conf, "processor.poll_timeout"), 500);
    assert_false(cw_conf_is_set(conf, "processor.retention"));
    cw_conf_destroy(conf);
}

static void test_set_unknown_key(void **state)
{
    cw_conf_t *conf = new_conf();
    char errstr[256];
    assert_int_equal(set(conf, "procesor.topics", "x", errstr), CW_ERR_NOT_FOUND);
    assert_string_equal(errstr, "test:1: unknown key \"procesor.topics\"");
    assert_int_equal(set(conf, "Server.Port", "80", errstr), CW_ERR_NOT_FOUND);
    assert_int_equal(set(conf, "server_port", "80", errstr), CW_ERR_NOT_FOUND);
    /* Without origin the message has no prefix; errstr may be absent. */
    assert_int_equal(cw_conf_set(conf, "nope", "x", NULL, errstr, sizeof(errstr)),
                     CW_ERR_NOT_FOUND);
    assert_string_equal(errstr, "unknown key \"nope\"");
    assert_int_equal(cw_conf_set(conf, "nope", "x", NULL, NULL, 0), CW_ERR_NOT_FOUND);
    /* A short buffer is truncated, never overrun. */
    char small[8];
    assert_int_equal(cw_conf_set(conf, "nope", "x", "origin", small, sizeof(small)),
                     CW_ERR_NOT_FOUND);
    assert_string_equal(small, "origin:");
    cw_conf_destroy(conf);
}

static void test_secret_value_not_echoed(void **state)
{
    cw_conf_t *conf = new_conf();
    char errstr[256];
    assert_int_equal(set(conf, "feed.pin", "12345678", errstr), CW_ERR_RANGE);
    assert_string_equal(errstr, "test:1: invalid value for feed.pin: "
                                "expected an integer between 1000 and 9999");
    assert_int_equal(set(conf, "feed.pin", "4321", errstr), CW_OK);
    assert_int_equal(cw_conf_get_int(conf, "feed.pin"), 4321);
    cw_conf_destroy(conf);
}

/* ---- the file ---- */

static void test_file_syntax(void **state)
{
    static const char text[] = "# casewatch test configuration\n"
                               "\n"
                               "   # indented comment\n"
                               "processor.input_topics=a,b\n"
                               "  server.port   =\t9090  \n"
                               "\t\n"
                               "processor.group_id = g=1 # kept\r\n"
                               "processor.format = avro\r\n"
                               "processor.dry_run = on\n"
                               "processor.poll_timeout = 2s\n"
                               "feed.token =\n"
                               "kafka.bootstrap.servers = b1:9092,b2:9092\n"
                               "kafka.sasl.jaas = a=b; c=\"d\"\n"
                               "processor.retention = 7d"; /* no final newline */
    cw_conf_t *conf = new_conf();
    char path[64], errstr[256] = "";
    assert_int_equal(load_text(conf, text, path, errstr, sizeof(errstr)), CW_OK);
    assert_string_equal(errstr, "");
    assert_string_equal(cw_conf_get_str(conf, "processor.input_topics"), "a,b");
    assert_int_equal(cw_conf_get_int(conf, "server.port"), 9090);
    assert_string_equal(cw_conf_get_str(conf, "processor.group_id"), "g=1 # kept");
    assert_string_equal(cw_conf_get_str(conf, "processor.format"), "avro");
    assert_true(cw_conf_get_bool(conf, "processor.dry_run"));
    assert_int_equal(cw_conf_get_int(conf, "processor.poll_timeout"), 2000);
    assert_string_equal(cw_conf_get_str(conf, "feed.token"), "");
    assert_int_equal(cw_conf_get_int(conf, "processor.retention"), 7 * 86400000);
    assert_int_equal(cw_conf_check(conf, errstr, sizeof(errstr)), CW_OK);

    assert_int_equal(cw_conf_kafka_count(conf), 2);
    const char *key, *value, *origin;
    char want[256];
    cw_conf_kafka_at(conf, 0, &key, &value, &origin);
    assert_string_equal(key, "bootstrap.servers");
    assert_string_equal(value, "b1:9092,b2:9092");
    snprintf(want, sizeof(want), "%s:12", path);
    assert_string_equal(origin, want);
    cw_conf_kafka_at(conf, 1, &key, &value, &origin);
    assert_string_equal(key, "sasl.jaas");
    assert_string_equal(value, "a=b; c=\"d\"");

    char *out = dump(conf);
    snprintf(want, sizeof(want), "server.port = 9090  # %s:5\n", path);
    assert_contains(out, want);
    snprintf(want, sizeof(want), "processor.retention = 7d  # %s:14\n", path);
    assert_contains(out, want);
    free(out);
    cw_conf_destroy(conf);
}

static void test_file_empty(void **state)
{
    cw_conf_t *conf = new_conf();
    char path[64], errstr[256];
    assert_int_equal(load_text(conf, "", path, errstr, sizeof(errstr)), CW_OK);
    assert_int_equal(load_text(conf, "\n\n# only comments\n", path, errstr, sizeof(errstr)), CW_OK);
    assert_int_equal(cw_conf_get_int(conf, "server.port"), 8080);
    cw_conf_destroy(conf);
}

/* Loads text and asserts the error code and the exact "path:..." message. */
static void check_file_error(const char *text, cw_err_t err, const char *message)
{
    cw_conf_t *conf = new_conf();
    char path[64], errstr[256] = "", want[256];
    assert_int_equal(load_text(conf, text, path, errstr, sizeof(errstr)), err);
    snprintf(want, sizeof(want), "%s:%s", path, message);
    assert_string_equal(errstr, want);
    cw_conf_destroy(conf);
}

static void test_file_errors(void **state)
{
    check_file_error("# header\n\nprocesor.topics = a\n", CW_ERR_NOT_FOUND,
                     "3: unknown key \"procesor.topics\"");
    check_file_error("server.port = 80\nprocessor.format = json\nserver.port = 81\n",
                     CW_ERR_DUPLICATE, "3: duplicate key \"server.port\" (first set on line 1)");
    check_file_error("kafka.acks = 1\n\nkafka.acks = all\n", CW_ERR_DUPLICATE,
                     "3: duplicate key \"kafka.acks\" (first set on line 1)");
    check_file_error("server.port = 80\nserver.port 81\n", CW_ERR_PARSE,
                     "2: expected \"key = value\"");
    check_file_error("  = 5\n", CW_ERR_PARSE, "1: empty key");
    check_file_error("=\n", CW_ERR_PARSE, "1: empty key");
    check_file_error("\n\nserver.port = http\n", CW_ERR_INVALID,
                     "3: invalid value \"http\" for server.port: "
                     "expected an integer between 1 and 65535");
    /* '#' after a value is not a comment. */
    check_file_error("server.port = 8080  # http\n", CW_ERR_INVALID,
                     "1: invalid value \"8080  # http\" for server.port: "
                     "expected an integer between 1 and 65535");
    check_file_error("processor.format = xml\n", CW_ERR_INVALID,
                     "1: invalid value \"xml\" for processor.format: expected one of: json, avro");
    check_file_error("kafka. = x\n", CW_ERR_INVALID, "1: empty key after \"kafka.\"");
    check_file_error("Server.Port = 80\n", CW_ERR_NOT_FOUND, "1: unknown key \"Server.Port\"");
}

static void test_file_nul_byte(void **state)
{
    cw_conf_t *conf = new_conf();
    char path[64], errstr[256], want[256];
    static const char text[] = "server.port = 80\nprocessor.group_id = a\0b\n";
    write_file_len(path, text, sizeof(text) - 1, 0600);
    assert_int_equal(cw_conf_load_file(conf, path, errstr, sizeof(errstr)), CW_ERR_PARSE);
    unlink(path);
    snprintf(want, sizeof(want), "%s:2: NUL byte in line", path);
    assert_string_equal(errstr, want);
    cw_conf_destroy(conf);
}

static void test_file_missing(void **state)
{
    cw_conf_t *conf = new_conf();
    char path[64], errstr[256], want[256];
    write_file(path, "");
    unlink(path);
    assert_int_equal(cw_conf_load_file(conf, path, errstr, sizeof(errstr)), CW_ERR_IO);
    snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
    assert_string_equal(errstr, want);
    assert_int_equal(cw_conf_load_file(conf, "/tmp", errstr, sizeof(errstr)), CW_ERR_IO);
    assert_contains(errstr, "/tmp: ");
    cw_conf_destroy(conf);
}

static void test_file_same_key_in_two_files(void **state)
{
    cw_conf_t *conf = new_conf();
    char path[64], errstr[256];
    assert_int_equal(load_text(conf, "server.port = 80\n", path, errstr, sizeof(errstr)), CW_OK);
    assert_int_equal(load_text(conf, "server.port = 81\n", path, errstr, sizeof(errstr)), CW_OK);
    assert_int_equal(cw_conf_get_int(conf, "server.port"), 81);
    cw_conf_destroy(conf);
}

/* ---- the environment ---- */

static void test_env_overrides_file(void **state)
{
    cw_conf_t *conf = new_conf();
    char path[64], errstr[256] = "";
    assert_int_equal(load_text(conf, "server.port = 8000\nprocessor.format = avro\n", path, errstr,
                               sizeof(errstr)),
                     CW_OK);
    setenv("CASEWATCH_SERVER_PORT", "9000", 1);
    setenv("CASEWATCH_PROCESSOR_INPUT_TOPICS", "cases", 1);
    setenv("CASEWATCH_PROCESSOR_POLL_TIMEOUT", "1m", 1);
    setenv("CASEWATCHX_SERVER_PORT", "1", 1); /* another prefix */
    setenv("OTHER_CASEWATCH_SERVER_PORT", "1", 1);
    assert_int_equal(cw_conf_load_env(conf, "CASEWATCH_", errstr, sizeof(errstr)), CW_OK);
    unsetenv("CASEWATCHX_SERVER_PORT");
    unsetenv("OTHER_CASEWATCH_SERVER_PORT");
    assert_int_equal(cw_conf_get_int(conf, "server.port"), 9000);
    assert_string_equal(cw_conf_get_str(conf, "processor.format"), "avro");
    assert_string_equal(cw_conf_get_str(conf, "processor.input_topics"), "cases");
    assert_int_equal(cw_conf_get_int(conf, "processor.poll_timeout"), 60000);
    assert_int_equal(cw_conf_check(conf, errstr, sizeof(errstr)), CW_OK);

    char *out = dump(conf), want[256];
    assert_contains(out, "server.port = 9000  # environment CASEWATCH_SERVER_PORT\n");
    snprintf(want, sizeof(want), "processor.format = avro  # %s:2\n", path);
    assert_contains(out, want);
    assert_contains(out, "processor.group_id = casewatch  # default\n");
    free(out);
    assert_string_equal(cw_conf_origin(conf, "server.port"), "environment CASEWATCH_SERVER_PORT");
    snprintf(want, sizeof(want), "%s:2", path);
    assert_string_equal(cw_conf_origin(conf, "processor.format"), want);
    assert_string_equal(cw_conf_origin(conf, "processor.group_id"), "default");
    assert_null(cw_conf_origin(conf, "processor.batch"));
    cw_conf_destroy(conf);
}

static void check_env_error(const char *var, const char *value, cw_err_t err, const char *message)
{
    cw_conf_t *conf = new_conf();
    char errstr[256] = "";
    clear_env();
    setenv(var, value, 1);
    assert_int_equal(cw_conf_load_env(conf, "CASEWATCH_", errstr, sizeof(errstr)), err);
    assert_string_equal(errstr, message);
    unsetenv(var);
    cw_conf_destroy(conf);
}

static void test_env_errors(void **state)
{
    check_env_error("CASEWATCH_PROCESOR_TOPICS", "x", CW_ERR_NOT_FOUND,
                    "environment CASEWATCH_PROCESOR_TOPICS: unknown key "
                    "(no property is read from this variable)");
    check_env_error("CASEWATCH_server_port", "80", CW_ERR_NOT_FOUND,
                    "environment CASEWATCH_server_port: unknown key "
                    "(no property is read from this variable)");
    check_env_error("CASEWATCH_SERVER_PORT_", "80", CW_ERR_NOT_FOUND,
                    "environment CASEWATCH_SERVER_PORT_: unknown key "
                    "(no property is read from this variable)");
    check_env_error("CASEWATCH_", "80", CW_ERR_NOT_FOUND,
                    "environment CASEWATCH_: unknown key "
                    "(no property is read from this variable)");
    check_env_error("CASEWATCH_SERVER_PORT", "0", CW_ERR_RANGE,
                    "environment CASEWATCH_SERVER_PORT: invalid value \"0\" for server.port: "
                    "expected an integer between 1 and 65535");
    check_env_error("CASEWATCH_PROCESSOR_DRY_RUN", "maybe", CW_ERR_INVALID,
                    "environment CASEWATCH_PROCESSOR_DRY_RUN: invalid value \"maybe\" for "
                    "processor.dry_run: expected one of: true, false, yes, no, on, off, 1, 0");
    check_env_error("CASEWATCH_KAFKA_", "x", CW_ERR_INVALID,
                    "environment CASEWATCH_KAFKA_: empty key after \"kafka.\"");
}

static void test_env_values_verbatim(void **state)
{
    cw_conf_t *conf = new_conf();
    char errstr[256];
    setenv("CASEWATCH_PROCESSOR_GROUP_ID", " padded ", 1);
    setenv("CASEWATCH_FEED_TOKEN", "", 1);
    assert_int_equal(cw_conf_load_env(conf, "CASEWATCH_", errstr, sizeof(errstr)), CW_OK);
    assert_string_equal(cw_conf_get_str(conf, "processor.group_id"), " padded ");
    assert_string_equal(cw_conf_get_str(conf, "feed.token"), "");
    assert_int_equal(cw_conf_load_env(conf, "NOTHING_HAS_THIS_PREFIX_", errstr, sizeof(errstr)),
                     CW_OK);
    cw_conf_destroy(conf);
}

/* ---- kafka keys ---- */

static void check_kafka(const cw_conf_t *conf, size_t i, const char *key, const char *value,
                        const char *origin)
{
    const char *k = NULL, *v = NULL, *o = NULL;
    cw_conf_kafka_at(conf, i, &k, &v, &o);
    assert_string_equal(k, key);
    assert_string_equal(v, value);
    if (origin)
        assert_string_equal(o, origin);
    else
        assert_null(o);
}

static void test_kafka_keys(void **state)
{
    cw_conf_t *conf = new_conf();
    char path[64], errstr[256], origin[80];
    static const char text[] = "kafka.bootstrap.servers = b1:9092\n"
                               "# comment\n"
                               "kafka.sasl.username = fileuser\n"
                               "kafka.acks = all\n";
    assert_int_equal(load_text(conf, text, path, errstr, sizeof(errstr)), CW_OK);
    setenv("CASEWATCH_KAFKA_SASL_USERNAME", "envuser", 1);
    setenv("CASEWATCH_KAFKA_CLIENT_ID", "cw-1", 1);
    assert_int_equal(cw_conf_load_env(conf, "CASEWATCH_", errstr, sizeof(errstr)), CW_OK);
    assert_int_equal(cw_conf_set(conf, "kafka.acks", "1", NULL, errstr, sizeof(errstr)), CW_OK);
    assert_int_equal(cw_conf_set(conf, "kafka.Linger.MS", "5", "api", errstr, sizeof(errstr)),
                     CW_OK);

    assert_int_equal(cw_conf_kafka_count(conf), 5);
    snprintf(origin, sizeof(origin), "%s:1", path);
    check_kafka(conf, 0, "bootstrap.servers", "b1:9092", origin);
    check_kafka(conf, 1, "sasl.username", "envuser", "environment CASEWATCH_KAFKA_SASL_USERNAME");
    check_kafka(conf, 2, "acks", "1", NULL);
    check_kafka(conf, 3, "client.id", "cw-1", "environment CASEWATCH_KAFKA_CLIENT_ID");
    check_kafka(conf, 4, "Linger.MS", "5", "api");
    /* Every out-pointer may be NULL. */
    const char *value = NULL;
    cw_conf_kafka_at(conf, 0, NULL, &value, NULL);
    assert_string_equal(value, "b1:9092");

    char *out = dump(conf);
    assert_contains(out, "kafka.sasl.username = envuser  "
                         "# environment CASEWATCH_KAFKA_SASL_USERNAME\n");
    assert_true(strstr(out, "kafka.bootstrap.servers") < strstr(out, "kafka.sasl.username"));
    assert_true(strstr(out, "kafka.acks") < strstr(out, "kafka.client.id"));
    free(out);
    cw_conf_destroy(conf);
}

/* ---- required ---- */

static void test_required(void **state)
{
    cw_conf_t *conf = new_conf();
    char errstr[256];
    assert_int_equal(cw_conf_check(conf, errstr, sizeof(errstr)), CW_ERR_CONFIG);
    assert_string_equal(errstr, "required key \"processor.input_topics\" is not set");
    assert_int_equal(cw_conf_check(conf, NULL, 0), CW_ERR_CONFIG);
    /* "key =" with nothing after it does not satisfy a required key */
    assert_int_equal(set(conf, "processor.input_topics", "", errstr), CW_OK);
    assert_int_equal(cw_conf_check(conf, errstr, sizeof(errstr)), CW_ERR_CONFIG);
    assert_int_equal(set(conf, "processor.input_topics", "cases", errstr), CW_OK);
    assert_int_equal(cw_conf_check(conf, errstr, sizeof(errstr)), CW_OK);
    cw_conf_destroy(conf);
}

/* ---- dump ---- */

static void test_dump_masks_secrets(void **state)
{
    cw_conf_t *conf = new_conf();
    char errstr[256];
    assert_int_equal(set(conf, "feed.token", "tok-s3cr3t", errstr), CW_OK);
    assert_int_equal(set(conf, "feed.pin", "4321", errstr), CW_OK);
    static const char *const kafka[][2] = {
        {"kafka.sasl.password", "hunter2"},  {"kafka.sasl.oauthbearer.client.secret", "oauth-xyz"},
        {"kafka.ssl.key.pem", "PEMDATA"},    {"kafka.ssl.keystore.password", "store-pw"},
        {"kafka.SASL.PASSWORD", "upper-pw"}, {"kafka.bootstrap.servers", "b1:9092"},
        {"kafka.sasl.oauthbearer.config", "clientId=cw clientSecret=oauth-cfg"},
        {"kafka.sasl.oauthbearer.token.endpoint.url", "https://tok-user:tok-pw@idp.example/t"},
    };
    for (size_t i = 0; i < sizeof(kafka) / sizeof(kafka[0]); i++)
        assert_int_equal(set(conf, kafka[i][0], kafka[i][1], errstr), CW_OK);

    /* a password in a URL's user info, in any setting */
    assert_int_equal(set(conf, "schema_registry.url",
                         "https://reg-user:reg-pw@registry.example:8081/x,http://h2/", errstr),
                     CW_OK);

    char *out = dump(conf);
    static const char *const hidden[] = {"tok-s3cr3t", "4321",     "hunter2",   "oauth-xyz",
                                         "PEMDATA",    "store-pw", "upper-pw",  "oauth-cfg",
                                         "reg-pw",     "reg-user", "tok-pw"};
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        assert_lacks(out, hidden[i]);
    assert_contains(out, "feed.token = ***  # test:1\n");
    assert_contains(out, "feed.pin = ***  # test:1\n");
    assert_contains(out, "kafka.sasl.password = ***  # test:1\n");
    assert_contains(out, "kafka.sasl.oauthbearer.client.secret = ***  # test:1\n");
    assert_contains(out, "kafka.ssl.key.pem = ***  # test:1\n");
    assert_contains(out, "kafka.bootstrap.servers = b1:9092  # test:1\n");
    assert_contains(out, "kafka.sasl.oauthbearer.config = ***  # test:1\n");
    assert_contains(out, "schema_registry.url = https://***@registry.example:8081/x,http://h2/"
                         "  # test:1\n");
    /* Every property, with its help; defaults and unset ones too. */
    assert_contains(out, "# topics to read, comma-separated\n# processor.input_topics = (unset)\n");
    assert_contains(out, "# HTTP port\nserver.port = 8080  # default\n");
    assert_contains(out, "processor.poll_timeout = 500ms  # default\n");
    assert_contains(out, "processor.dry_run = false  # default\n");
    assert_contains(out, "processor.min_batch = (unset)\n");
    free(out);
    cw_conf_destroy(conf);
}

/* ---- file permissions ---- */

static const char secret_text[] = "server.port = 80\n"
                                  "feed.token = tok-s3cr3t\n"
                                  "kafka.sasl.password = hunter2\n"
                                  "kafka.ssl.key.location = /etc/cw/key.pem\n"
                                  "kafka.sasl.username = user\n"
                                  "kafka.ssl.key.pem = PEMDATA\n";

static void load_with_mode(mode_t mode, captured_t *logs, char path[64])
{
    cw_conf_t *conf = new_conf();
    char errstr[256];
    memset(logs, 0, sizeof(*logs));
    cw_log_set_sink(capture, logs);
    write_file_len(path, secret_text, strlen(secret_text), mode);
    assert_int_equal(cw_conf_load_file(conf, path, errstr, sizeof(errstr)), CW_OK);
    unlink(path);
    cw_log_set_sink(NULL, NULL);
    assert_string_equal(cw_conf_get_str(conf, "feed.token"), "tok-s3cr3t");
    cw_conf_destroy(conf);
}

static void test_permissions_warning(void **state)
{
    static const mode_t exposed[] = {0644, 0640, 0604, 0444};
    captured_t logs;
    char path[64], want[256];
    for (size_t i = 0; i < sizeof(exposed) / sizeof(exposed[0]); i++) {
        load_with_mode(exposed[i], &logs, path);
        assert_int_equal(logs.n, 3);
        for (int j = 0; j < logs.n; j++) {
            assert_int_equal(logs.levels[j], CW_LOG_WARN);
            assert_contains(logs.lines[j], path);
            assert_contains(logs.lines[j], "readable by group or others");
            assert_lacks(logs.lines[j], "tok-s3cr3t");
            assert_lacks(logs.lines[j], "hunter2");
            assert_lacks(logs.lines[j], "PEMDATA");
        }
        snprintf(want, sizeof(want), "%s:2: secret key \"feed.token\"", path);
        assert_contains(logs.lines[0], want);
        snprintf(want, sizeof(want), "%s:3: secret key \"kafka.sasl.password\"", path);
        assert_contains(logs.lines[1], want);
        /* an inline private key is a secret; ssl.key.location (a path) is not */
        snprintf(want, sizeof(want), "%s:6: secret key \"kafka.ssl.key.pem\"", path);
        assert_contains(logs.lines[2], want);
    }
    load_with_mode(0600, &logs, path);
    assert_int_equal(logs.n, 0);
    load_with_mode(0400, &logs, path);
    assert_int_equal(logs.n, 0);
}

static void test_permissions_no_secret(void **state)
{
    cw_conf_t *conf = new_conf();
    captured_t logs = {0};
    char path[64], errstr[256];
    cw_log_set_sink(capture, &logs);
    static const char text[] = "server.port = 80\nkafka.sasl.username = u\n";
    write_file_len(path, text, strlen(text), 0644);
    assert_int_equal(cw_conf_load_file(conf, path, errstr, sizeof(errstr)), CW_OK);
    unlink(path);
    assert_int_equal(logs.n, 0);
    cw_conf_destroy(conf);
}

/* ---- programming errors abort ---- */

static void get_undeclared(void)
{
    cw_conf_t *conf = new_conf();
    cw_conf_get_int(conf, "no.such.key");
}

static void get_int_of_enum(void)
{
    cw_conf_get_int(new_conf(), "processor.format");
}

static void get_str_of_int(void)
{
    cw_conf_get_str(new_conf(), "server.port");
}

static void get_bool_of_string(void)
{
    cw_conf_get_bool(new_conf(), "processor.group_id");
}

static void get_int_of_bool(void)
{
    cw_conf_get_int(new_conf(), "processor.dry_run");
}

static void is_set_kafka(void)
{
    cw_conf_is_set(new_conf(), "kafka.acks");
}

static void kafka_at_out_of_range(void)
{
    cw_conf_kafka_at(new_conf(), 0, NULL, NULL, NULL);
}

static void new_with_bad_default(void)
{
    static const cw_conf_prop_t bad[] = {
        {"a.port", CW_CONF_INT, "0", 1, 10, NULL, 0, NULL},
    };
    cw_conf_new(bad, 1);
}

static void new_with_kafka_name(void)
{
    static const cw_conf_prop_t bad[] = {
        {"kafka_brokers", CW_CONF_STRING, NULL, 0, 0, NULL, 0, NULL},
    };
    cw_conf_new(bad, 1);
}

static void new_with_same_env_form(void)
{
    static const cw_conf_prop_t bad[] = {
        {"a.b", CW_CONF_STRING, NULL, 0, 0, NULL, 0, NULL},
        {"a_b", CW_CONF_STRING, NULL, 0, 0, NULL, 0, NULL},
    };
    cw_conf_new(bad, 2);
}

static void new_with_upper_case_name(void)
{
    static const cw_conf_prop_t bad[] = {
        {"A.b", CW_CONF_STRING, NULL, 0, 0, NULL, 0, NULL},
    };
    cw_conf_new(bad, 1);
}

static void new_enum_without_choices(void)
{
    static const cw_conf_prop_t bad[] = {
        {"a.mode", CW_CONF_ENUM, NULL, 0, 0, NULL, 0, NULL},
    };
    cw_conf_new(bad, 1);
}

static void test_programming_errors_abort(void **state)
{
    assert_aborts(get_undeclared);
    assert_aborts(get_int_of_enum);
    assert_aborts(get_str_of_int);
    assert_aborts(get_bool_of_string);
    assert_aborts(get_int_of_bool);
    assert_aborts(is_set_kafka);
    assert_aborts(kafka_at_out_of_range);
    assert_aborts(new_with_bad_default);
    assert_aborts(new_with_kafka_name);
    assert_aborts(new_with_same_env_form);
    assert_aborts(new_with_upper_case_name);
    assert_aborts(new_enum_without_choices);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_string),
        T(test_int_valid),
        T(test_int_invalid),
        T(test_bool),
        T(test_enum),
        T(test_duration_valid),
        T(test_duration_invalid),
        T(test_set_unknown_key),
        T(test_secret_value_not_echoed),
        T(test_file_syntax),
        T(test_file_empty),
        T(test_file_errors),
        T(test_file_nul_byte),
        T(test_file_missing),
        T(test_file_same_key_in_two_files),
        T(test_env_overrides_file),
        T(test_env_errors),
        T(test_env_values_verbatim),
        T(test_kafka_keys),
        T(test_required),
        T(test_dump_masks_secrets),
        T(test_permissions_warning),
        T(test_permissions_no_secret),
        T(test_programming_errors_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
