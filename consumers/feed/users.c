/* Users of the feed: who may see what (roles and scopes), read from
 * feed.users_file; bearer tokens stored as SHA-256 hashes.
 *
 * File format, one user a line ('#' comments, blank lines ignored):
 *
 *   name | role | scope | sha256:HEX
 *
 *   anna  | supervisor    | 0180/Barn och unga Syd, 0180/Barn och unga Norr | sha256:…
 *   ivar  | inspector     | 0180, 1480                                      | sha256:…
 *   admin | administrator | *                                               | sha256:…
 *
 * A supervisor sees (and acts on) the cases of the units listed
 * (municipality code / unit name); an inspector reads, never acts, every
 * unit of the municipalities listed; an administrator sees and does all.
 * Tokens are random (casewatch-feed --hash-token checks one and prints its
 * hash), so a plain SHA-256 suffices: there is nothing to brute-force
 * that a salt or a slow hash would protect. */
#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "internal.h"

static const char *const role_names[] = {"administrator", "inspector", "supervisor"};

const char *feed_role_name(feed_role_t r)
{
    return r < 3 ? role_names[r] : "?";
}

void feed_token_hash(const char *token, unsigned char out[32])
{
    unsigned int n = 32;
    EVP_Digest(token, strlen(token), out, &n, EVP_sha256(), NULL);
}

bool feed_token_strong(const char *token)
{
    size_t n = strlen(token), distinct = 0;
    bool seen[256] = {false}, printable = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)token[i];
        printable = printable && ch > 0x20 && ch < 0x7f;
        distinct += !seen[ch];
        seen[ch] = true;
    }
    return n >= FEED_TOKEN_MIN_LEN && distinct >= FEED_TOKEN_MIN_DISTINCT && printable;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static bool kommun_code(const char *s)
{
    if (strlen(s) != CW_KOMMUN_LEN)
        return false;
    for (int i = 0; i < CW_KOMMUN_LEN; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                 : -1;
}

/* One scope item of user u ("0180/Barn och unga Syd" or "0180"). */
static bool add_scope(feed_user_t *u, char *item, char *err, size_t err_size)
{
    item = trim(item);
    if (u->role == FEED_ROLE_ADMIN) {
        if (strcmp(item, "*") != 0) {
            snprintf(err, err_size, "an administrator's scope is *");
            return false;
        }
        return true;
    }
    char *slash = strchr(item, '/');
    if (u->role == FEED_ROLE_SUPERVISOR && !slash) {
        snprintf(err, err_size, "a supervisor's scope is MUNICIPALITY/UNIT, comma-separated");
        return false;
    }
    if (u->role == FEED_ROLE_INSPECTOR && slash) {
        snprintf(err, err_size, "an inspector's scope is municipality codes, comma-separated");
        return false;
    }
    if (slash)
        *slash = '\0';
    const char *muni = trim(item), *unit = slash ? trim(slash + 1) : "";
    if (!kommun_code(muni) || strlen(unit) > CW_NAME_MAX || (slash && !unit[0])) {
        snprintf(err, err_size, "bad scope item (a 4-digit municipality code%s)",
                 slash ? " / a unit name of at most 64 bytes" : "");
        return false;
    }
    u->scope = cw_reallocarray(u->scope, u->n_scope + 1, sizeof(*u->scope));
    feed_scope_t *sc = &u->scope[u->n_scope++];
    memcpy(sc->municipality, muni, CW_KOMMUN_LEN + 1);
    snprintf(sc->unit, sizeof(sc->unit), "%s", unit);
    return true;
}

static bool parse_user(char *line, feed_user_t *u, char *err, size_t err_size)
{
    char *f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = line;
        char *bar = strchr(line, '|');
        if (i < 3 && !bar) {
            snprintf(err, err_size, "NAME | ROLE | SCOPE | sha256:HEX expected");
            return false;
        }
        if (bar)
            *bar = '\0';
        if (i == 3 && bar) {
            snprintf(err, err_size, "NAME | ROLE | SCOPE | sha256:HEX expected");
            return false;
        }
        line = bar ? bar + 1 : line;
    }
    const char *name = trim(f[0]), *role = trim(f[1]), *hash = trim(f[3]);
    size_t nl = strlen(name);
    if (!nl || nl > FEED_USER_NAME_MAX || strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != nl) {
        snprintf(err, err_size, "a user name is 1 to %d letters, digits, '.', '_', '-'",
                 FEED_USER_NAME_MAX);
        return false;
    }
    memcpy(u->name, name, nl + 1);
    int r = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(role, role_names[i]) == 0)
            r = i;
    if (r < 0) {
        snprintf(err, err_size, "role: administrator, inspector or supervisor");
        return false;
    }
    u->role = (feed_role_t)r;
    if (strncmp(hash, "sha256:", 7) != 0 || strlen(hash) != 7 + 64) {
        snprintf(err, err_size, "the token hash is sha256: and 64 hex digits "
                                "(casewatch-feed --hash-token prints it)");
        return false;
    }
    for (int i = 0; i < 32; i++) {
        int hi = hexval(hash[7 + 2 * i]), lo = hexval(hash[8 + 2 * i]);
        if (hi < 0 || lo < 0) {
            snprintf(err, err_size, "the token hash is sha256: and 64 hex digits");
            return false;
        }
        u->hash[i] = (unsigned char)(hi << 4 | lo);
    }
    for (char *p = f[2]; p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (!add_scope(u, p, err, err_size))
            return false;
        p = comma ? comma + 1 : NULL;
    }
    if (u->role != FEED_ROLE_ADMIN && !u->n_scope) {
        snprintf(err, err_size, "empty scope");
        return false;
    }
    return true;
}

bool feed_users_load(const char *path, feed_users_t *out, char *errstr, size_t errstr_size)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(errstr, errstr_size, "feed.users_file %s: %s", path, strerror(errno));
        return false;
    }
    char line[4096];
    unsigned no = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof(line), f)) {
        no++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(errstr, errstr_size, "%s:%u: line too long", path, no);
            ok = false;
            break;
        }
        char *s = trim(line);
        if (!s[0] || s[0] == '#')
            continue;
        feed_user_t u;
        memset(&u, 0, sizeof(u));
        char err[200];
        if (!parse_user(s, &u, err, sizeof(err))) {
            snprintf(errstr, errstr_size, "%s:%u: %s", path, no, err);
            free(u.scope);
            ok = false;
            break;
        }
        for (size_t i = 0; i < out->n; i++)
            if (strcmp(out->users[i].name, u.name) == 0 ||
                CRYPTO_memcmp(out->users[i].hash, u.hash, 32) == 0) {
                snprintf(errstr, errstr_size, "%s:%u: user %s: the same name or token as line "
                         "of user %s", path, no, u.name, out->users[i].name);
                free(u.scope);
                ok = false;
                break;
            }
        if (!ok)
            break;
        out->users = cw_reallocarray(out->users, out->n + 1, sizeof(*out->users));
        out->users[out->n++] = u;
    }
    fclose(f);
    if (ok && !out->n) {
        snprintf(errstr, errstr_size, "%s: no users", path);
        ok = false;
    }
    if (!ok)
        feed_users_free(out);
    return ok;
}

void feed_users_add_admin(feed_users_t *users, const char *name, const char *token)
{
    users->users = cw_reallocarray(users->users, users->n + 1, sizeof(*users->users));
    feed_user_t *u = &users->users[users->n++];
    memset(u, 0, sizeof(*u));
    snprintf(u->name, sizeof(u->name), "%s", name);
    u->role = FEED_ROLE_ADMIN;
    feed_token_hash(token, u->hash);
}

void feed_users_free(feed_users_t *users)
{
    for (size_t i = 0; i < users->n; i++)
        free(users->users[i].scope);
    free(users->users);
    memset(users, 0, sizeof(*users));
}

const feed_user_t *feed_users_find(const feed_users_t *users, const char *token)
{
    unsigned char h[32];
    feed_token_hash(token, h);
    const feed_user_t *found = NULL;
    for (size_t i = 0; i < users->n; i++) /* all compared: no early exit */
        if (CRYPTO_memcmp(users->users[i].hash, h, 32) == 0)
            found = &users->users[i];
    return found;
}

bool feed_user_sees(const feed_user_t *u, const char *municipality, const char *unit)
{
    if (!u || u->role == FEED_ROLE_ADMIN)
        return true;
    for (size_t i = 0; i < u->n_scope; i++) {
        const feed_scope_t *sc = &u->scope[i];
        if (strcmp(sc->municipality, municipality) == 0 &&
            (u->role == FEED_ROLE_INSPECTOR || strcmp(sc->unit, unit ? unit : "") == 0))
            return true;
    }
    return false;
}

bool feed_user_acts(const feed_user_t *u, const char *municipality, const char *unit)
{
    return !u || (u->role != FEED_ROLE_INSPECTOR && feed_user_sees(u, municipality, unit));
}
