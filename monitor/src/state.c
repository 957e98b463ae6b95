/* state.c: the monitor's state snapshot and its journal of sent events (mon/state.h; issue 7
 * item 3): file format, atomic write, checked load, resume deduplication. */
#include "mon/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vleo/log.h"
#include "vleo/timescale.h"

static const uint8_t MAGIC[8] = {'V', 'L', 'E', 'O', 'S', 'N', 'A', 'P'};
static const uint8_t JMAGIC[8] = {'V', 'L', 'E', 'O', 'J', 'R', 'N', '1'};
#define JHEADER_LEN 16u  /* magic, generation */
#define JRECORD_LEN 144u /* id[128], time i64, state, severity, spacecraft length, 0, CRC */
#define JID_LEN 128u
#define OUT_BUF (64u << 10)
#define LOAD_MAX ((uint64_t)1 << 34) /* 16 GiB: far above 16,384 spacecraft of ~50 KB */
#define PENDING_MAX 65536u           /* journal records taken at load */

/* Payload sections. */
enum { SEC_MONITOR = 1, SEC_FEED = 2, SEC_PENDING = 3 };

/* One event sent since a snapshot, as journaled. */
typedef struct {
    char id[JID_LEN];
    int64_t time_ns;
    uint8_t state, severity, sc_len;
    bool matched; /* derived again since the load: neither sent again nor carried on */
} pending_t;

struct mon_state {
    char *path, *tmp, *jpath, *dir;
    uint64_t config_id;
    int64_t interval_ns;
    int64_t next_due_ns; /* 0: set by the next mon_state_due with a clock */
    uint64_t generation;
    int jfd;
    pending_t *pending;
    size_t n_pending;
    mon_state_stats_t st;
    uint8_t *buf; /* OUT_BUF octets for writing */
    uint32_t crc_table[256];
};

/* --- CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF) ---- */

static void crc_init(uint32_t t[256]) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
}

/* Running form: start with 0, feed pieces, the value is the CRC of all of them. */
static uint32_t crc_update(const uint32_t t[256], uint32_t crc, const uint8_t *p, size_t n) {
    uint32_t c = ~crc;
    for (size_t i = 0; i < n; i++)
        c = t[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
    return ~c;
}

/* --- little-endian helpers ------------------------------------------------------------- */

static void le_put(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le_get(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* --- output ---------------------------------------------------------------------------- */

/* Write all of buf, through short writes and EINTR. Returns 0 or an errno value. */
static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (w == 0)
            return EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void out_flush(mon_state_out_t *o) {
    if (o->buf == NULL || o->len == 0)
        return;
    if (o->err_no == 0) {
        o->crc = crc_update(o->crc_table, o->crc, o->buf, o->len);
        o->err_no = write_all(o->fd, o->buf, o->len);
    }
    o->len = 0;
}

/* A measuring output (buf NULL) only counts. */
static void out_bytes(mon_state_out_t *o, const uint8_t *p, size_t n) {
    o->total += n;
    if (o->buf == NULL)
        return;
    while (n > 0) {
        if (o->len == o->cap)
            out_flush(o);
        size_t k = o->cap - o->len < n ? o->cap - o->len : n;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p += k;
        n -= k;
    }
}

static void out_le(mon_state_out_t *o, uint64_t v, int n) {
    uint8_t b[8];
    le_put(b, v, n);
    out_bytes(o, b, (size_t)n);
}

void mon_state_put_u8(mon_state_out_t *o, uint8_t v) {
    out_le(o, v, 1);
}
void mon_state_put_u16(mon_state_out_t *o, uint16_t v) {
    out_le(o, v, 2);
}
void mon_state_put_u32(mon_state_out_t *o, uint32_t v) {
    out_le(o, v, 4);
}
void mon_state_put_u64(mon_state_out_t *o, uint64_t v) {
    out_le(o, v, 8);
}
void mon_state_put_i64(mon_state_out_t *o, int64_t v) {
    out_le(o, (uint64_t)v, 8);
}
void mon_state_put_f32(mon_state_out_t *o, float v) {
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    out_le(o, u, 4);
}
void mon_state_put_f64(mon_state_out_t *o, double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    out_le(o, u, 8);
}
void mon_state_put_str(mon_state_out_t *o, const char *s) {
    size_t n = strlen(s);
    if (n > UINT16_MAX)
        n = UINT16_MAX;
    out_le(o, n, 2);
    out_bytes(o, (const uint8_t *)s, n);
}

/* --- input ----------------------------------------------------------------------------- */

void mon_state_in_fail(mon_state_in_t *in, const char *fmt, ...) {
    if (in->why)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->why_buf, sizeof in->why_buf, fmt, ap);
    va_end(ap);
    in->why = in->why_buf;
}

/* The next n octets, or NULL (and the reason recorded) when fewer remain. */
static const uint8_t *in_take(mon_state_in_t *in, size_t n) {
    if (in->why)
        return NULL;
    if ((size_t)(in->end - in->p) < n) {
        mon_state_in_fail(in, "a field runs past the end of its section");
        return NULL;
    }
    const uint8_t *p = in->p;
    in->p += n;
    return p;
}

static uint64_t in_le(mon_state_in_t *in, int n) {
    const uint8_t *p = in_take(in, (size_t)n);
    return p ? le_get(p, n) : 0;
}

uint8_t mon_state_get_u8(mon_state_in_t *in) {
    return (uint8_t)in_le(in, 1);
}
uint16_t mon_state_get_u16(mon_state_in_t *in) {
    return (uint16_t)in_le(in, 2);
}
uint32_t mon_state_get_u32(mon_state_in_t *in) {
    return (uint32_t)in_le(in, 4);
}
uint64_t mon_state_get_u64(mon_state_in_t *in) {
    return in_le(in, 8);
}
int64_t mon_state_get_i64(mon_state_in_t *in) {
    return (int64_t)in_le(in, 8);
}
int64_t mon_state_get_time(mon_state_in_t *in) {
    int64_t t = mon_state_get_i64(in);
    if (t != INT64_MIN && (t < -MON_STATE_TIME_MAX || t > MON_STATE_TIME_MAX)) {
        mon_state_in_fail(in, "time %lld ns out of range", (long long)t);
        return 0;
    }
    return t;
}
float mon_state_get_f32(mon_state_in_t *in) {
    uint32_t u = (uint32_t)in_le(in, 4);
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}
double mon_state_get_f64(mon_state_in_t *in) {
    uint64_t u = in_le(in, 8);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}
bool mon_state_get_bool(mon_state_in_t *in) {
    uint8_t v = mon_state_get_u8(in);
    if (v > 1)
        mon_state_in_fail(in, "a flag holds %u", v);
    return v == 1;
}
void mon_state_get_str(mon_state_in_t *in, char *buf, size_t cap) {
    buf[0] = '\0';
    uint16_t n = mon_state_get_u16(in);
    const uint8_t *p = in_take(in, n);
    if (!p)
        return;
    if (n >= cap) {
        mon_state_in_fail(in, "a name of %u octets (at most %zu)", n, cap - 1);
        return;
    }
    memcpy(buf, p, n);
    buf[n] = '\0';
}

/* --- identity and set-up --------------------------------------------------------------- */

static uint64_t fnv64(uint64_t h, const void *data, size_t len) {
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t mon_state_config_id(const void *config_text, size_t len, const mon_config_t *cfg) {
    uint64_t h = fnv64(14695981039346656037ull, config_text, len);
    h = fnv64(h, "\xff", 1); /* the text ends here: names cannot shift into it */
    for (size_t i = 0; cfg && i < cfg->n_spacecraft; i++)
        h = fnv64(h, cfg->spacecraft[i].name, strlen(cfg->spacecraft[i].name) + 1);
    return h;
}

/* The whole file into malloc'd memory (at most max octets). Returns 0 or an errno value
 * (EFBIG above max, EISDIR/EINVAL for what is not a regular file). */
static int slurp(const char *path, uint64_t max, uint8_t **data, size_t *len) {
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
    }
    if ((uint64_t)sb.st_size > max) {
        close(fd);
        return EFBIG;
    }
    size_t n = (size_t)sb.st_size;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) {
        close(fd);
        return ENOMEM;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            close(fd);
            return e;
        }
        if (r == 0)
            break; /* shrank while read: what there is */
        got += (size_t)r;
    }
    close(fd);
    *data = b;
    *len = got;
    return 0;
}

int mon_state_config_id_file(const mon_config_t *cfg, uint64_t *id, char *err, size_t errlen) {
    uint8_t *text;
    size_t len;
    int e = slurp(cfg->path, (uint64_t)64 << 20, &text, &len);
    if (e != 0) {
        snprintf(err, errlen, "%s: cannot read: %s", cfg->path, strerror(e));
        return -1;
    }
    *id = mon_state_config_id(text, len, cfg);
    free(text);
    return 0;
}

static char *dup_cat(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

mon_state_t *mon_state_new(const char *path, uint64_t config_id, double interval_s, char *err,
                           size_t errlen) {
    if (!path || !path[0] || !(interval_s > 0.0) || interval_s > 1e9) {
        snprintf(err, errlen, "state: a file name and an interval above 0 are needed");
        return NULL;
    }
    mon_state_t *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    st->jfd = -1;
    st->config_id = config_id;
    st->interval_ns = (int64_t)(interval_s * 1e9);
    st->path = dup_cat(path, "");
    st->tmp = dup_cat(path, ".tmp");
    st->jpath = dup_cat(path, ".journal");
    st->dir = dup_cat(path, "");
    st->buf = malloc(OUT_BUF);
    if (!st->path || !st->tmp || !st->jpath || !st->dir || !st->buf) {
        snprintf(err, errlen, "out of memory");
        mon_state_destroy(&st);
        return NULL;
    }
    char *slash = strrchr(st->dir, '/');
    if (!slash)
        snprintf(st->dir, strlen(path) + 1, ".");
    else if (slash == st->dir)
        slash[1] = '\0'; /* "/" */
    else
        *slash = '\0';
    crc_init(st->crc_table);
    return st;
}

void mon_state_destroy(mon_state_t **st_p) {
    if (!st_p || !*st_p)
        return;
    mon_state_t *st = *st_p;
    if (st->jfd >= 0)
        close(st->jfd);
    free(st->path);
    free(st->tmp);
    free(st->jpath);
    free(st->dir);
    free(st->buf);
    free(st->pending);
    free(st);
    *st_p = NULL;
}

const char *mon_state_status_str(mon_state_status_t s) {
    switch (s) {
    case MON_STATE_OK:
        return "ok";
    case MON_STATE_NO_FILE:
        return "no_file";
    case MON_STATE_UNREADABLE:
        return "unreadable";
    case MON_STATE_NOT_SNAPSHOT:
        return "not_snapshot";
    case MON_STATE_BAD_VERSION:
        return "bad_version";
    case MON_STATE_TRUNCATED:
        return "truncated";
    case MON_STATE_CORRUPT:
        return "corrupt";
    case MON_STATE_WRONG_CONFIG:
        return "wrong_config";
    case MON_STATE_INCONSISTENT:
        return "inconsistent";
    case MON_STATE_WRITE_FAILED:
        return "write_failed";
    case MON_STATE_STATUS_COUNT:
        break;
    }
    return "?";
}

uint64_t mon_state_generation(const mon_state_t *st) {
    return st->generation;
}

const mon_state_stats_t *mon_state_stats(const mon_state_t *st) {
    return &st->st;
}

bool mon_state_due(mon_state_t *st, int64_t now_ns) {
    if (st->st.events_journaled >= MON_STATE_JOURNAL_MAX)
        return true;
    if (now_ns == 0)
        return false;
    if (st->next_due_ns == 0) {
        st->next_due_ns = now_ns + st->interval_ns;
        return false;
    }
    return now_ns >= st->next_due_ns;
}

/* --- the journal ----------------------------------------------------------------------- */

static void record_pack(const mon_state_t *st, const pending_t *p, uint8_t r[JRECORD_LEN]) {
    memset(r, 0, JRECORD_LEN);
    memcpy(r, p->id, strnlen(p->id, JID_LEN - 1));
    le_put(r + 128, (uint64_t)p->time_ns, 8);
    r[136] = p->state;
    r[137] = p->severity;
    r[138] = p->sc_len;
    le_put(r + 140, crc_update(st->crc_table, 0, r, 140), 4);
}

/* False when the record is torn or not one of ours. */
static bool record_unpack(const mon_state_t *st, const uint8_t r[JRECORD_LEN], pending_t *p) {
    if (crc_update(st->crc_table, 0, r, 140) != (uint32_t)le_get(r + 140, 4))
        return false;
    if (memchr(r, '\0', JID_LEN) == NULL || r[139] != 0)
        return false;
    memset(p, 0, sizeof *p);
    memcpy(p->id, r, JID_LEN);
    p->time_ns = (int64_t)le_get(r + 128, 8);
    p->state = r[136];
    p->severity = r[137];
    p->sc_len = r[138];
    return p->sc_len < strlen(p->id);
}

static void pending_from_event(const mon_event_t *e, pending_t *p) {
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", e->id);
    p->time_ns = e->ev.time_ns;
    p->state = (uint8_t)e->ev.state;
    p->severity = (uint8_t)e->ev.severity;
    size_t n = strlen(e->spacecraft);
    p->sc_len = (uint8_t)(n < 255 ? n : 255);
}

/* A fresh journal for generation gen. Returns 0 or an errno value (then no journal). */
static int journal_start(mon_state_t *st, uint64_t gen) {
    if (st->jfd >= 0)
        close(st->jfd);
    st->jfd = open(st->jpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (st->jfd < 0)
        return errno;
    uint8_t h[JHEADER_LEN];
    memcpy(h, JMAGIC, 8);
    le_put(h + 8, gen, 8);
    int e = write_all(st->jfd, h, sizeof h);
    if (e != 0) {
        close(st->jfd);
        st->jfd = -1;
    }
    return e;
}

bool mon_state_event_replayed(mon_state_t *st, const mon_event_t *e) {
    if (st->st.events_pending == 0)
        return false;
    for (size_t i = 0; i < st->n_pending; i++) {
        pending_t *p = &st->pending[i];
        if (!p->matched && p->time_ns == e->ev.time_ns && p->state == (uint8_t)e->ev.state &&
            p->severity == (uint8_t)e->ev.severity && strcmp(p->id, e->id) == 0) {
            p->matched = true;
            st->st.events_pending--;
            st->st.events_replayed++;
            return true;
        }
    }
    return false;
}

void mon_state_event_sent(mon_state_t *st, const mon_event_t *e) {
    st->st.events_journaled++;
    if (st->jfd < 0) {
        st->st.journal_errors++;
        return;
    }
    pending_t p;
    uint8_t r[JRECORD_LEN];
    pending_from_event(e, &p);
    record_pack(st, &p, r);
    if (write_all(st->jfd, r, sizeof r) != 0)
        st->st.journal_errors++;
}

/* --- save ------------------------------------------------------------------------------ */

/* Is pending entry p still to come? Not when its spacecraft has been evaluated at or after
 * its time: events are made at evaluations, whose times never go back. */
static bool pending_alive(const pending_t *p, const mon_monitor_t *m) {
    if (p->matched)
        return false;
    int sc = mon_monitor_spacecraft(m, p->id, p->sc_len);
    return sc < 0 || p->time_ns > mon_monitor_last_evaluation(m, sc);
}

static void put_sections(mon_state_t *st, const mon_monitor_t *m, const mon_feed_t *f,
                         mon_state_out_t *o) {
    for (int sec = SEC_MONITOR; sec <= SEC_PENDING; sec++) {
        if (sec == SEC_FEED && !f)
            continue;
        /* Measure first: the section's length comes before it. */
        mon_state_out_t meas = {0};
        for (int pass = 0; pass < 2; pass++) {
            mon_state_out_t *w = pass == 0 ? &meas : o;
            if (pass == 1) {
                mon_state_put_u32(o, (uint32_t)sec);
                mon_state_put_u64(o, meas.total);
            }
            if (sec == SEC_MONITOR) {
                mon_monitor_state_save(m, w);
            } else if (sec == SEC_FEED) {
                mon_feed_state_save(f, w);
            } else {
                uint32_t n = 0;
                for (size_t i = 0; i < st->n_pending && n < PENDING_MAX; i++)
                    n += pending_alive(&st->pending[i], m);
                mon_state_put_u32(w, n);
                uint32_t k = 0;
                for (size_t i = 0; i < st->n_pending && k < n; i++) {
                    if (!pending_alive(&st->pending[i], m))
                        continue;
                    uint8_t r[JRECORD_LEN];
                    record_pack(st, &st->pending[i], r);
                    out_bytes(w, r, sizeof r);
                    k++;
                }
            }
        }
    }
}

static int fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int e = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return e;
}

mon_state_status_t mon_state_save(mon_state_t *st, const mon_monitor_t *m, const mon_feed_t *f,
                                  char *err, size_t errlen) {
    /* A stale FILE.tmp (a crash inside a write) is removed; a fresh one is made with O_EXCL
     * so that a link planted there is never followed (what cannot be removed is reported by
     * the open). */
    (void)unlink(st->tmp);
    int fd = open(st->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", st->tmp, strerror(errno));
        st->st.write_errors++;
        return MON_STATE_WRITE_FAILED;
    }
    uint8_t h[MON_STATE_HEADER_LEN] = {0};
    mon_state_out_t o = {.buf = st->buf, .cap = OUT_BUF, .fd = fd, .crc_table = st->crc_table};
    o.err_no = write_all(fd, h, sizeof h); /* the header is written last, over this */
    put_sections(st, m, f, &o);
    out_flush(&o);
    uint64_t gen = st->generation + 1;
    const char *what = "write";
    if (o.err_no == 0) {
        memcpy(h, MAGIC, 8);
        le_put(h + 8, MON_STATE_VERSION, 4);
        le_put(h + 12, MON_STATE_HEADER_LEN, 4);
        le_put(h + 16, st->config_id, 8);
        le_put(h + 24, gen, 8);
        le_put(h + 32, o.total, 8);
        le_put(h + 40, o.crc, 4);
        le_put(h + 44, crc_update(st->crc_table, 0, h, 44), 4);
        ssize_t w;
        do
            w = pwrite(fd, h, sizeof h, 0);
        while (w < 0 && errno == EINTR);
        o.err_no = w == (ssize_t)sizeof h ? 0 : w < 0 ? errno : EIO;
    }
    if (o.err_no == 0 && fsync(fd) != 0) {
        o.err_no = errno;
        what = "sync";
    }
    if (close(fd) != 0 && o.err_no == 0)
        o.err_no = errno;
    bool renaming = false;
    if (o.err_no == 0 && rename(st->tmp, st->path) != 0) {
        o.err_no = errno;
        what = "rename";
        renaming = true;
    }
    if (o.err_no != 0) {
        snprintf(err, errlen, "%s: cannot %s%s: %s (%s kept as it was)", st->tmp, what,
                 renaming ? " it" : "", strerror(o.err_no), st->path);
        unlink(st->tmp);
        st->st.write_errors++;
        return MON_STATE_WRITE_FAILED;
    }
    int de = fsync_dir(st->dir);
    st->generation = gen;
    st->st.writes++;
    st->st.events_journaled = 0;
    /* Entries not carried on can never come again. */
    st->st.events_pending = 0;
    for (size_t i = 0; i < st->n_pending; i++) {
        if (pending_alive(&st->pending[i], m))
            st->st.events_pending++;
        else
            st->pending[i].matched = true;
    }
    int je = journal_start(st, gen);
    if (je != 0)
        st->st.journal_errors++;
    int64_t now = mon_monitor_now(m);
    st->next_due_ns = now ? now + st->interval_ns : 0;
    if (de != 0 || je != 0) {
        /* The snapshot is in place; say what is weaker than it should be. */
        snprintf(err, errlen, "%s: %s: %s", de ? st->dir : st->jpath,
                 de ? "cannot sync the folder" : "cannot start the journal",
                 strerror(de ? de : je));
    } else if (errlen) {
        err[0] = '\0';
    }
    return MON_STATE_OK;
}

/* --- load ------------------------------------------------------------------------------ */

/* The journal next to a snapshot of generation gen: its whole records join the pending set
 * and it is kept for appending (cut after the last whole record); one of another generation,
 * or none, is started afresh. */
static void journal_load(mon_state_t *st, uint64_t gen) {
    uint8_t *data = NULL;
    size_t len = 0;
    size_t good = 0;
    if (slurp(st->jpath, (uint64_t)PENDING_MAX * JRECORD_LEN + JHEADER_LEN, &data, &len) == 0 &&
        len >= JHEADER_LEN && memcmp(data, JMAGIC, 8) == 0 && le_get(data + 8, 8) == gen) {
        good = JHEADER_LEN;
        size_t n = (len - JHEADER_LEN) / JRECORD_LEN;
        pending_t *grown = n ? realloc(st->pending, (st->n_pending + n) * sizeof(pending_t)) : NULL;
        if (grown)
            st->pending = grown;
        for (size_t i = 0; grown && i < n; i++) {
            pending_t p;
            if (!record_unpack(st, data + JHEADER_LEN + i * JRECORD_LEN, &p))
                break; /* torn by the crash: this and anything after it were never sent */
            st->pending[st->n_pending++] = p;
            good += JRECORD_LEN;
        }
    }
    free(data);
    if (good == 0) {
        if (journal_start(st, gen) != 0)
            st->st.journal_errors++;
        return;
    }
    st->jfd = open(st->jpath, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (st->jfd < 0 || ftruncate(st->jfd, (off_t)good) != 0) {
        st->st.journal_errors++;
        if (journal_start(st, gen) != 0)
            st->st.journal_errors++;
    }
}

static mon_state_status_t load_payload(mon_state_t *st, mon_monitor_t *m, mon_feed_t *f,
                                       const uint8_t *p, size_t n, char *err, size_t errlen) {
    mon_state_in_t in = {.base = p, .p = p, .end = p + n};
    bool have_monitor = false;
    while (in.p < in.end) {
        size_t at = (size_t)(in.p - in.base);
        uint32_t tag = mon_state_get_u32(&in);
        uint64_t len = mon_state_get_u64(&in);
        if (in.why || len > (uint64_t)(in.end - in.p)) {
            snprintf(err, errlen, "%s: payload octet %zu: a section header runs past the end",
                     st->path, at);
            return MON_STATE_INCONSISTENT;
        }
        mon_state_in_t sub = {.base = in.p, .p = in.p, .end = in.p + len};
        in.p += len;
        if (tag == SEC_MONITOR) {
            mon_monitor_state_load(m, &sub);
            have_monitor = true;
        } else if (tag == SEC_FEED) {
            if (f)
                mon_feed_state_load(f, &sub);
            else
                sub.p = sub.end;
        } else if (tag == SEC_PENDING) {
            uint32_t k = mon_state_get_u32(&sub);
            if (k > PENDING_MAX || (uint64_t)k * JRECORD_LEN != (uint64_t)(sub.end - sub.p)) {
                mon_state_in_fail(&sub, "%u journaled events in %zu octets", k,
                                  (size_t)(sub.end - sub.p));
            } else if (k) {
                st->pending = calloc(k, sizeof(pending_t));
                if (!st->pending) {
                    mon_state_in_fail(&sub, "no memory for %u journaled events", k);
                } else {
                    for (uint32_t i = 0; i < k && !sub.why; i++) {
                        if (!record_unpack(st, sub.p, &st->pending[st->n_pending++]))
                            mon_state_in_fail(&sub, "journaled event %u is damaged", i);
                        sub.p += JRECORD_LEN;
                    }
                }
            }
        } else {
            mon_state_in_fail(&sub, "unknown section %u", tag);
        }
        if (!sub.why && sub.p != sub.end)
            mon_state_in_fail(&sub, "%zu octets left over", (size_t)(sub.end - sub.p));
        if (sub.why) {
            snprintf(err, errlen, "%s: section %u at payload octet %zu, octet %zu: %s", st->path,
                     tag, at, (size_t)(sub.p - sub.base), sub.why);
            return MON_STATE_INCONSISTENT;
        }
    }
    if (!have_monitor) {
        snprintf(err, errlen, "%s: no monitor section", st->path);
        return MON_STATE_INCONSISTENT;
    }
    return MON_STATE_OK;
}

mon_state_status_t mon_state_load(mon_state_t *st, mon_monitor_t *m, mon_feed_t *f, char *err,
                                  size_t errlen) {
    uint8_t *d;
    size_t n;
    int e = slurp(st->path, LOAD_MAX, &d, &n);
    if (e == ENOENT) {
        snprintf(err, errlen, "%s: no snapshot yet", st->path);
        return MON_STATE_NO_FILE;
    }
    if (e != 0) {
        snprintf(err, errlen, "%s: cannot read: %s", st->path,
                 e == EINVAL ? "not a regular file" : strerror(e));
        return MON_STATE_UNREADABLE;
    }
    mon_state_status_t rc = MON_STATE_OK;
    size_t magic_n = n < 8 ? n : 8;
    uint64_t plen = n >= MON_STATE_HEADER_LEN ? le_get(d + 32, 8) : 0;
    if (n == 0 || memcmp(d, MAGIC, magic_n) != 0) {
        snprintf(err, errlen, "%s: not a vleo-monitor state snapshot", st->path);
        rc = MON_STATE_NOT_SNAPSHOT;
    } else if (n < 12) {
        snprintf(err, errlen, "%s: truncated: %zu octets, shorter than the %u-octet header",
                 st->path, n, MON_STATE_HEADER_LEN);
        rc = MON_STATE_TRUNCATED;
    } else if (le_get(d + 8, 4) != MON_STATE_VERSION) {
        snprintf(err, errlen, "%s: snapshot format version %u; this program reads version %u",
                 st->path, (unsigned)le_get(d + 8, 4), MON_STATE_VERSION);
        rc = MON_STATE_BAD_VERSION;
    } else if (n < MON_STATE_HEADER_LEN) {
        snprintf(err, errlen, "%s: truncated: %zu octets, shorter than the %u-octet header",
                 st->path, n, MON_STATE_HEADER_LEN);
        rc = MON_STATE_TRUNCATED;
    } else if (crc_update(st->crc_table, 0, d, 44) != (uint32_t)le_get(d + 44, 4) ||
               le_get(d + 12, 4) != MON_STATE_HEADER_LEN) {
        snprintf(err, errlen, "%s: corrupt: header CRC mismatch", st->path);
        rc = MON_STATE_CORRUPT;
    } else if (le_get(d + 16, 8) != st->config_id) {
        snprintf(err, errlen,
                 "%s: written under another configuration (identity %016llx; this one is "
                 "%016llx)",
                 st->path, (unsigned long long)le_get(d + 16, 8),
                 (unsigned long long)st->config_id);
        rc = MON_STATE_WRONG_CONFIG;
    } else if (plen > n - MON_STATE_HEADER_LEN) {
        snprintf(err, errlen, "%s: truncated: %zu octets, the header announces %llu", st->path, n,
                 (unsigned long long)(plen + MON_STATE_HEADER_LEN));
        rc = MON_STATE_TRUNCATED;
    } else if (plen < n - MON_STATE_HEADER_LEN) {
        snprintf(err, errlen, "%s: corrupt: %llu octets after the payload", st->path,
                 (unsigned long long)(n - MON_STATE_HEADER_LEN - plen));
        rc = MON_STATE_CORRUPT;
    } else if (crc_update(st->crc_table, 0, d + MON_STATE_HEADER_LEN, (size_t)plen) !=
               (uint32_t)le_get(d + 40, 4)) {
        snprintf(err, errlen, "%s: corrupt: payload CRC mismatch", st->path);
        rc = MON_STATE_CORRUPT;
    } else {
        free(st->pending);
        st->pending = NULL;
        st->n_pending = 0;
        rc = load_payload(st, m, f, d + MON_STATE_HEADER_LEN, (size_t)plen, err, errlen);
    }
    if (rc == MON_STATE_OK) {
        st->generation = le_get(d + 24, 8);
        journal_load(st, st->generation);
        st->st.events_pending = st->n_pending;
        st->st.events_journaled = 0;
        int64_t now = mon_monitor_now(m);
        st->next_due_ns = now ? now + st->interval_ns : 0;
    }
    free(d);
    return rc;
}

mon_state_t *mon_state_open(const char *path, const mon_config_t *cfg, double interval_s,
                            bool reset, mon_monitor_t *m, mon_feed_t *f, int *code, char *msg,
                            size_t msglen) {
    char err[900];
    uint64_t id = 0;
    *code = VLEO_EXIT_OK;
    mon_state_t *st = NULL;
    if (mon_state_config_id_file(cfg, &id, err, sizeof err) != 0) {
        *code = VLEO_EXIT_INPUT;
    } else if ((st = mon_state_new(path, id, interval_s, err, sizeof err)) == NULL) {
        *code = VLEO_EXIT_RUNTIME;
    } else {
        *code = mon_state_start(st, m, f, reset, err, sizeof err);
    }
    snprintf(msg, msglen, "%s%s", err,
             *code == VLEO_EXIT_USAGE ? " (--state-reset discards it and starts afresh)" : "");
    if (*code != VLEO_EXIT_OK)
        mon_state_destroy(&st);
    return st;
}

bool mon_state_checkpoint(mon_state_t *st, const mon_monitor_t *m, const mon_feed_t *f, char *msg,
                          size_t msglen) {
    char err[900];
    if (mon_state_save(st, m, f, err, sizeof err) != MON_STATE_OK) {
        uint64_t n = st->st.write_errors;
        snprintf(msg, msglen, "%s (%llu failed snapshot(s))", err, (unsigned long long)n);
        return (n & (n - 1)) == 0; /* the 1st, 2nd, 4th, 8th... */
    }
    snprintf(msg, msglen, "%s", err);
    return err[0] != '\0';
}

int mon_state_start(mon_state_t *st, mon_monitor_t *m, mon_feed_t *f, bool reset, char *msg,
                    size_t msglen) {
    char err[768];
    mon_state_status_t rc = MON_STATE_NO_FILE;
    if (!reset)
        rc = mon_state_load(st, m, f, err, sizeof err);
    if (rc == MON_STATE_OK) {
        char t[40] = "-";
        if (mon_monitor_now(m))
            vleo_format_iso8601(mon_monitor_now(m), 0, t, sizeof t);
        snprintf(msg, msglen,
                 "%s: resumed at %s (snapshot %llu), %zu alert(s) active, %llu event(s) "
                 "sent after it",
                 st->path, t, (unsigned long long)st->generation, mon_monitor_active_alerts(m),
                 (unsigned long long)st->st.events_pending);
        return 0;
    }
    if (rc != MON_STATE_NO_FILE) {
        snprintf(msg, msglen, "%s", err);
        return rc == MON_STATE_UNREADABLE ? VLEO_EXIT_INPUT : VLEO_EXIT_USAGE;
    }
    if (mon_state_save(st, m, f, err, sizeof err) != MON_STATE_OK) {
        snprintf(msg, msglen, "%s", err);
        return VLEO_EXIT_RUNTIME;
    }
    snprintf(msg, msglen, "%s: %s, starting afresh", st->path,
             reset ? "discarded (--state-reset)" : "no snapshot yet");
    return 0;
}
