#include "model/ocf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/jsonw.h"
#include "base/mem.h"
#include "model/event_avro.h"

#define SYNC_SIZE   16
#define MAX_META    (1u << 20) /* header metadata bytes */
#define MAX_ENTRIES 1024

struct cw_ocf_s {
    FILE *f;
    char *schema;
    size_t schema_len;
    bool deflate;
    uint8_t sync[SYNC_SIZE];
    uint8_t *raw, *plain; /* block as read, and inflated */
    size_t raw_cap, plain_cap;
};

static bool read_exact(FILE *f, void *buf, size_t n)
{
    return fread(buf, 1, n, f) == n;
}

/* A zig-zag varint; -1 on EOF or overlong. */
static int read_long(FILE *f, int64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        int c = getc(f);
        if (c == EOF || (shift == 63 && c > 1))
            return -1;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return 0;
        }
    }
    return -1;
}

/* Avro bytes/string of at most max bytes, NUL-terminated; NULL on error. */
static char *read_bytes(FILE *f, size_t max, size_t *len)
{
    int64_t n;
    if (read_long(f, &n) != 0 || n < 0 || (uint64_t)n > max)
        return NULL;
    char *s = cw_malloc((size_t)n + 1);
    if (!read_exact(f, s, (size_t)n)) {
        free(s);
        return NULL;
    }
    s[n] = '\0';
    *len = (size_t)n;
    return s;
}

static bool read_meta(cw_ocf_t *r, char *codec, size_t codec_size)
{
    size_t total = 0, entries = 0;
    for (;;) {
        int64_t count;
        if (read_long(r->f, &count) != 0)
            return false;
        if (count == 0)
            return true;
        if (count < 0) {
            int64_t size;
            if (count == INT64_MIN || read_long(r->f, &size) != 0)
                return false;
            count = -count;
        }
        for (int64_t i = 0; i < count; i++) {
            size_t klen, vlen;
            if (++entries > MAX_ENTRIES)
                return false;
            char *key = read_bytes(r->f, MAX_META - total, &klen);
            if (!key)
                return false;
            total += klen;
            char *val = read_bytes(r->f, MAX_META - total, &vlen);
            if (!val) {
                free(key);
                return false;
            }
            total += vlen;
            if (strcmp(key, "avro.schema") == 0 && !r->schema) {
                r->schema = val;
                r->schema_len = vlen;
                val = NULL;
            } else if (strcmp(key, "avro.codec") == 0) {
                snprintf(codec, codec_size, "%s", val);
            }
            free(key);
            free(val);
        }
    }
}

cw_ocf_t *cw_ocf_open(FILE *f, char *errstr, size_t errstr_size)
{
    uint8_t magic[4];
    if (!read_exact(f, magic, 4) || memcmp(magic, "Obj\x01", 4) != 0) {
        snprintf(errstr, errstr_size, "not an Avro container file (no \"Obj\\1\" magic)");
        return NULL;
    }
    cw_ocf_t *r = cw_calloc(1, sizeof(*r));
    r->f = f;
    char codec[32] = "null";
    if (!read_meta(r, codec, sizeof(codec)) || !read_exact(f, r->sync, SYNC_SIZE)) {
        snprintf(errstr, errstr_size, "Avro container file: a damaged header");
        cw_ocf_close(r);
        return NULL;
    }
    if (!r->schema) {
        snprintf(errstr, errstr_size, "Avro container file: no avro.schema in the header");
        cw_ocf_close(r);
        return NULL;
    }
    if (strcmp(codec, "deflate") == 0) {
        r->deflate = true;
    } else if (strcmp(codec, "null") != 0) {
        snprintf(errstr, errstr_size,
                 "Avro container file: codec \"%.20s\" not supported (null, deflate)", codec);
        cw_ocf_close(r);
        return NULL;
    }
    return r;
}

void cw_ocf_close(cw_ocf_t *r)
{
    if (!r)
        return;
    free(r->schema);
    free(r->raw);
    free(r->plain);
    free(r);
}

const char *cw_ocf_schema(const cw_ocf_t *r, size_t *len)
{
    *len = r->schema_len;
    return r->schema;
}

static void grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 65536;
    while (c < need)
        c *= 2;
    *buf = cw_realloc(*buf, c);
    *cap = c;
}

/* Raw deflate (RFC 1951), as the Avro spec has it. */
static cw_err_t inflate_block(cw_ocf_t *r, size_t in_len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, -15) != Z_OK)
        return CW_ERR_IO;
    z.next_in = r->raw;
    z.avail_in = (uInt)in_len;
    size_t out = 0;
    int zr = Z_OK;
    while (zr == Z_OK) {
        if (out == r->plain_cap) {
            if (r->plain_cap >= CW_OCF_MAX_BLOCK)
                break;
            grow(&r->plain, &r->plain_cap, out + 1);
        }
        size_t room = r->plain_cap - out;
        if (out + room > CW_OCF_MAX_BLOCK)
            room = CW_OCF_MAX_BLOCK - out;
        z.next_out = r->plain + out;
        z.avail_out = (uInt)room;
        zr = inflate(&z, Z_NO_FLUSH);
        out = room - z.avail_out + out;
        if (zr == Z_BUF_ERROR && z.avail_in == 0)
            break;
        if (zr == Z_BUF_ERROR)
            zr = Z_OK;
    }
    inflateEnd(&z);
    *out_len = out;
    return zr == Z_STREAM_END ? CW_OK : CW_ERR_PARSE;
}

cw_err_t cw_ocf_next_block(cw_ocf_t *r, const uint8_t **data, size_t *size, int64_t *count,
                           char *errstr, size_t errstr_size)
{
    *count = 0;
    *size = 0;
    int c = getc(r->f);
    if (c == EOF)
        return ferror(r->f) ? (snprintf(errstr, errstr_size, "read error"), CW_ERR_IO) : CW_OK;
    ungetc(c, r->f);
    int64_t n, len;
    if (read_long(r->f, &n) != 0 || read_long(r->f, &len) != 0 || n < 0 || len < 0 ||
        (uint64_t)len > CW_OCF_MAX_BLOCK) {
        snprintf(errstr, errstr_size, "Avro container file: a damaged block header");
        return CW_ERR_PARSE;
    }
    grow(&r->raw, &r->raw_cap, (size_t)len + 1);
    uint8_t sync[SYNC_SIZE];
    if (!read_exact(r->f, r->raw, (size_t)len) || !read_exact(r->f, sync, SYNC_SIZE)) {
        snprintf(errstr, errstr_size, "Avro container file: a truncated block");
        return CW_ERR_PARSE;
    }
    if (memcmp(sync, r->sync, SYNC_SIZE) != 0) {
        snprintf(errstr, errstr_size, "Avro container file: a wrong sync marker");
        return CW_ERR_PARSE;
    }
    if (!r->deflate) {
        *data = r->raw;
        *size = (size_t)len;
    } else {
        size_t out;
        if (inflate_block(r, (size_t)len, &out) != CW_OK) {
            snprintf(errstr, errstr_size,
                     "Avro container file: a block that does not inflate (or over %u bytes)",
                     CW_OCF_MAX_BLOCK);
            return CW_ERR_PARSE;
        }
        *data = r->plain;
        *size = out;
    }
    *count = n;
    return CW_OK;
}

/* ---- writing ---- */

#define WRITE_BLOCK (64u << 10)

struct cw_ocf_writer_s {
    FILE *f;
    uint8_t sync[SYNC_SIZE];
    cw_jsonw_t block, out;
    int64_t count;
    bool failed;
};

static void put_bytes(cw_jsonw_t *b, const void *p, size_t n)
{
    cw_avro_put_long(b, (int64_t)n);
    cw_jsonw_append(b, p, n);
}

static void put_string(cw_jsonw_t *b, const char *s)
{
    put_bytes(b, s, strlen(s));
}

static void write_out(cw_ocf_writer_t *w, const cw_jsonw_t *b)
{
    if (b->len && fwrite(b->p, 1, b->len, w->f) != b->len)
        w->failed = true;
}

cw_ocf_writer_t *cw_ocf_writer_new(FILE *f, const char *schema, size_t schema_len)
{
    cw_ocf_writer_t *w = cw_calloc(1, sizeof(*w));
    w->f = f;
    cw_jsonw_init(&w->block);
    cw_jsonw_init(&w->out);
    /* The sync marker only has to be unlikely inside the data; derived from
     * the schema (FNV-1a), so the same input gives the same bytes. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < SYNC_SIZE; i++) {
        for (size_t k = 0; k < schema_len; k += 1 + schema_len / 64)
            h = (h ^ (uint8_t)schema[k]) * 0x100000001b3ULL;
        h = (h ^ i) * 0x100000001b3ULL;
        w->sync[i] = (uint8_t)(h >> 56);
    }
    cw_jsonw_t *o = &w->out;
    cw_jsonw_append(o, "Obj\x01", 4);
    cw_avro_put_long(o, 2); /* metadata map: one block of two entries */
    put_string(o, "avro.schema");
    put_bytes(o, schema, schema_len);
    put_string(o, "avro.codec");
    put_string(o, "deflate");
    cw_avro_put_long(o, 0);
    cw_jsonw_append(o, w->sync, SYNC_SIZE);
    write_out(w, o);
    return w;
}

static void flush_block(cw_ocf_writer_t *w)
{
    if (w->count == 0)
        return;
    uLongf cap = compressBound((uLong)w->block.len);
    uint8_t *z = cw_malloc(cap);
    z_stream s = {0};
    /* Raw deflate (no zlib header), as the Avro spec requires. */
    if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        w->failed = true;
        free(z);
        return;
    }
    s.next_in = (Bytef *)w->block.p;
    s.avail_in = (uInt)w->block.len;
    s.next_out = z;
    s.avail_out = (uInt)cap;
    if (deflate(&s, Z_FINISH) != Z_STREAM_END)
        w->failed = true;
    size_t zlen = cap - s.avail_out;
    deflateEnd(&s);
    cw_jsonw_reset(&w->out);
    cw_avro_put_long(&w->out, w->count);
    put_bytes(&w->out, z, zlen);
    cw_jsonw_append(&w->out, w->sync, SYNC_SIZE);
    write_out(w, &w->out);
    free(z);
    cw_jsonw_reset(&w->block);
    w->count = 0;
}

cw_err_t cw_ocf_writer_append(cw_ocf_writer_t *w, const void *datum, size_t len)
{
    cw_jsonw_append(&w->block, datum, len);
    w->count++;
    if (w->block.len >= WRITE_BLOCK)
        flush_block(w);
    return w->failed ? CW_ERR_IO : CW_OK;
}

cw_err_t cw_ocf_writer_close(cw_ocf_writer_t *w)
{
    flush_block(w);
    bool failed = w->failed || fflush(w->f) != 0;
    cw_jsonw_free(&w->block);
    cw_jsonw_free(&w->out);
    free(w);
    return failed ? CW_ERR_IO : CW_OK;
}

int cw_ocf_read_events(FILE *f, cw_event_t *ev, cw_ocf_event_cb_t *fn, void *opaque, char *errstr,
                       size_t errstr_size)
{
    cw_ocf_t *r = cw_ocf_open(f, errstr, errstr_size);
    if (!r)
        return -1;
    size_t slen;
    const char *schema = cw_ocf_schema(r, &slen);
    cw_avro_plan_t *plan = cw_avro_plan_compile(schema, slen, errstr, errstr_size);
    if (!plan) {
        cw_ocf_close(r);
        return -1;
    }
    int rc = 0;
    for (;;) {
        const uint8_t *data;
        size_t size, used;
        int64_t count;
        if (cw_ocf_next_block(r, &data, &size, &count, errstr, errstr_size) != CW_OK) {
            rc = -1;
            break;
        }
        if (count == 0)
            break;
        for (int64_t i = 0; i < count; i++) {
            cw_reject_t rej;
            cw_reject_code_t c = cw_event_from_avro_prefix(plan, data, size, &used, ev, &rej);
            fn(c, &rej, opaque);
            if (c == CW_REJ_BAD_AVRO) { /* where the next datum starts is unknown */
                for (i++; i < count; i++) {
                    cw_reject_set(&rej, CW_REJ_BAD_AVRO,
                                  "avro: after a broken datum in the same block");
                    ev->id[0] = '\0';
                    fn(CW_REJ_BAD_AVRO, &rej, opaque);
                }
                break;
            }
            data += used;
            size -= used;
        }
    }
    cw_avro_plan_free(plan);
    cw_ocf_close(r);
    return rc;
}
