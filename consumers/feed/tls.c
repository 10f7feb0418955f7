/* The feed's TLS configuration: feed.tls_cert and feed.tls_key (PEM files,
 * both or neither), feed.tls_key_password for an encrypted key.
 *
 * Everything is checked at start-up, before anything listens, so that a
 * bad file is a configuration error naming its key and origin, not a
 * libmicrohttpd start failure without a reason: the files are read (a
 * regular file, at most 1 MiB), the certificate and the key are parsed
 * (OpenSSL), and the key must belong to the certificate. libmicrohttpd
 * (GnuTLS) then gets the same PEM text from memory. */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "internal.h"

#define PEM_MAX (1024 * 1024)

/* The value of a string property, NULL when unset or empty. */
static const char *value(const cw_conf_t *conf, const char *name)
{
    const char *v = cw_conf_get_str(conf, name);
    return v && v[0] ? v : NULL;
}

static const char *origin(const cw_conf_t *conf, const char *name)
{
    const char *o = cw_conf_origin(conf, name);
    return o ? o : "unset";
}

static void clear_free(char *p, size_t n)
{
    if (p) {
        OPENSSL_cleanse(p, n);
        free(p);
    }
}

/* The last OpenSSL error's reason, for messages; clears the queue. */
static const char *ssl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return r ? r : "no detail";
}

/* Reads the file named by property name into a NUL-terminated buffer. */
static char *read_pem(const cw_conf_t *conf, const char *name, mode_t *mode, char *errstr,
                      size_t errstr_size)
{
    const char *path = value(conf, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "%s: %s %s: cannot open: %s", origin(conf, name), name, path,
                 strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > PEM_MAX) {
        snprintf(errstr, errstr_size, "%s: %s %s: not a regular file of at most %d bytes",
                 origin(conf, name), name, path, PEM_MAX);
        close(fd);
        return NULL;
    }
    *mode = st.st_mode & 0777;
    char *buf = cw_malloc((size_t)st.st_size + 1);
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(errstr, errstr_size, "%s: %s %s: cannot read: %s", origin(conf, name), name,
                     path, strerror(errno));
            close(fd);
            clear_free(buf, (size_t)st.st_size + 1);
            return NULL;
        }
        if (n == 0 || (len += (size_t)n) == (size_t)st.st_size)
            break;
    }
    close(fd);
    buf[len] = '\0';
    if (strlen(buf) != len) {
        snprintf(errstr, errstr_size, "%s: %s %s: a NUL byte: not a PEM file", origin(conf, name),
                 name, path);
        clear_free(buf, (size_t)st.st_size + 1);
        return NULL;
    }
    return buf;
}

static int password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pw = u;
    if (!pw)
        return -1; /* encrypted, and no password: fail rather than prompt */
    size_t n = strlen(pw);
    if (n > (size_t)size)
        return -1;
    memcpy(buf, pw, n);
    return (int)n;
}

/* Parses both and checks that the key is the certificate's. */
static bool check_pair(const cw_conf_t *conf, const feed_tls_t *tls, char *errstr,
                       size_t errstr_size)
{
    bool ok = false;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    ERR_clear_error();
    BIO *b = BIO_new_mem_buf(tls->cert, -1);
    if (b)
        cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!cert) {
        snprintf(errstr, errstr_size, "%s: feed.tls_cert %s: no PEM certificate in it (%s)",
                 origin(conf, "feed.tls_cert"), value(conf, "feed.tls_cert"), ssl_reason());
        goto out;
    }
    b = BIO_new_mem_buf(tls->key, -1);
    if (b)
        key = PEM_read_bio_PrivateKey(b, NULL, password_cb, (void *)tls->password);
    BIO_free(b);
    if (!key) {
        bool encrypted = strstr(tls->key, "ENCRYPTED") != NULL;
        if (encrypted && !tls->password)
            snprintf(errstr, errstr_size,
                     "%s: feed.tls_key %s: the key is encrypted and feed.tls_key_password is "
                     "not set",
                     origin(conf, "feed.tls_key"), value(conf, "feed.tls_key"));
        else if (encrypted)
            snprintf(errstr, errstr_size,
                     "%s: feed.tls_key %s: cannot decrypt the key with feed.tls_key_password "
                     "(%s)",
                     origin(conf, "feed.tls_key"), value(conf, "feed.tls_key"), ssl_reason());
        else
            snprintf(errstr, errstr_size, "%s: feed.tls_key %s: no PEM private key in it (%s)",
                     origin(conf, "feed.tls_key"), value(conf, "feed.tls_key"), ssl_reason());
        goto out;
    }
    if (X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        snprintf(errstr, errstr_size,
                 "%s: feed.tls_key %s does not match the certificate in feed.tls_cert %s (%s)",
                 origin(conf, "feed.tls_key"), value(conf, "feed.tls_key"),
                 value(conf, "feed.tls_cert"), origin(conf, "feed.tls_cert"));
        goto out;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
        cw_log(CW_LOG_WARN, "feed.tls_cert %s: the certificate has expired",
               value(conf, "feed.tls_cert"));
    else if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
        cw_log(CW_LOG_WARN, "feed.tls_cert %s: the certificate is not valid yet",
               value(conf, "feed.tls_cert"));
    ok = true;
out:
    X509_free(cert);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ok;
}

bool tls_load(const cw_conf_t *conf, feed_tls_t *tls, char *errstr, size_t errstr_size)
{
    memset(tls, 0, sizeof(*tls));
    const char *cert = value(conf, "feed.tls_cert"), *key = value(conf, "feed.tls_key");
    tls->password = value(conf, "feed.tls_key_password");
    if (!cert != !key) {
        const char *set = cert ? "feed.tls_cert" : "feed.tls_key";
        snprintf(errstr, errstr_size,
                 "%s: %s is set but %s is not: set both (TLS) or neither (plain HTTP)",
                 origin(conf, set), set, cert ? "feed.tls_key" : "feed.tls_cert");
        return false;
    }
    if (!cert) {
        if (tls->password) {
            snprintf(errstr, errstr_size,
                     "%s: feed.tls_key_password is set but feed.tls_key is not",
                     origin(conf, "feed.tls_key_password"));
            return false;
        }
        return true;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(errstr, errstr_size,
                 "%s: feed.tls_cert: this libmicrohttpd was built without TLS support",
                 origin(conf, "feed.tls_cert"));
        return false;
    }
    if (tls->password && MHD_is_feature_supported(MHD_FEATURE_HTTPS_KEY_PASSWORD) != MHD_YES) {
        snprintf(errstr, errstr_size,
                 "%s: feed.tls_key_password: this libmicrohttpd cannot read encrypted keys",
                 origin(conf, "feed.tls_key_password"));
        return false;
    }
    mode_t mode;
    tls->cert = read_pem(conf, "feed.tls_cert", &mode, errstr, errstr_size);
    if (!tls->cert)
        return false;
    tls->key = read_pem(conf, "feed.tls_key", &mode, errstr, errstr_size);
    if (!tls->key) {
        tls_free(tls);
        return false;
    }
    if (mode & 044)
        cw_log(CW_LOG_WARN,
               "%s: feed.tls_key %s is readable by group or others (mode %04o); restrict it "
               "with chmod 600",
               origin(conf, "feed.tls_key"), key, (unsigned)mode);
    if (!check_pair(conf, tls, errstr, errstr_size)) {
        tls_free(tls);
        return false;
    }
    return true;
}

void tls_free(feed_tls_t *tls)
{
    if (tls->key)
        clear_free(tls->key, strlen(tls->key) + 1);
    free(tls->cert);
    tls->cert = tls->key = NULL;
}
