/* --pdf: the HTML report printed by headless Chromium (--print-to-pdf),
 * the page's own print stylesheet deciding the layout. Chromium runs with a
 * throw-away profile directory, its output to /dev/null. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* file:// and the path, percent-encoded but for unreserved bytes and '/'. */
static void file_url(const char *path, char *url, size_t size)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t n = snprintf(url, size, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p && n + 4 < size; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p)) {
            url[n++] = (char)*p;
        } else {
            url[n++] = '%';
            url[n++] = HEX[*p >> 4];
            url[n++] = HEX[*p & 15];
        }
    }
    url[n] = '\0';
}

int cw_report_print_pdf(const char *html_path, const char *pdf_path, char *errstr,
                        size_t errstr_size)
{
    char html[PATH_MAX], url[3 * PATH_MAX + 16], out[PATH_MAX + 32], profile[PATH_MAX + 32];
    char tmp[] = "/tmp/casewatch-pdf.XXXXXX";
    const char *exe = getenv("CASEWATCH_CHROMIUM");
    if (!exe || !*exe)
        exe = "chromium";
    if (!realpath(html_path, html)) {
        snprintf(errstr, errstr_size, "%s: %s", html_path, strerror(errno));
        return -1;
    }
    if (!mkdtemp(tmp)) {
        snprintf(errstr, errstr_size, "temporary directory: %s", strerror(errno));
        return -1;
    }
    unlink(pdf_path); /* so a stale file is never taken for the result */
    file_url(html, url, sizeof(url));
    snprintf(out, sizeof(out), "--print-to-pdf=%s", pdf_path);
    snprintf(profile, sizeof(profile), "--user-data-dir=%s", tmp);
    char *const argv[] = {(char *)exe,        "--headless",          "--no-sandbox",
                          "--disable-gpu",    "--no-first-run",      "--no-pdf-header-footer",
                          profile,            out,                   url,
                          NULL};
    int rc = -1;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execvp(exe, argv);
        _exit(127);
    }
    int status = 0;
    struct stat st;
    if (pid < 0)
        snprintf(errstr, errstr_size, "fork: %s", strerror(errno));
    else if (waitpid(pid, &status, 0) < 0)
        snprintf(errstr, errstr_size, "waitpid: %s", strerror(errno));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
        snprintf(errstr, errstr_size, "%s could not be run (install chromium)", exe);
    else if (WEXITSTATUS(status) != 0 || stat(pdf_path, &st) != 0 || st.st_size == 0)
        snprintf(errstr, errstr_size, "%s did not print %s (exit %d)", exe, pdf_path,
                 WEXITSTATUS(status));
    else
        rc = 0;
    nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
