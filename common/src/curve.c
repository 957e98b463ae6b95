/* curve.c: CURVE key files, the allow-list ZAP handler (ZeroMQ RFC 27) and socket setup
 * (vleo/curve.h; DESIGN section 6). */
#include "vleo/curve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "vleo/log.h"

/* A draft option in libzmq 4.3 (zmq.h declares it only with ZMQ_BUILD_DRAFT_API), accepted by
 * Debian's library: with it a CURVE server whose ZAP handler is missing refuses every client
 * instead of admitting any key. Setting it fails loudly where unsupported. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

#define ZAP_ENDPOINT "inproc://zeromq.zap.01" /* fixed by RFC 27 */
#define KEY_OCTETS 32
#define KEY_FILE_MAX 128       /* a key file is 40 characters and a line end: more is not a key */
#define DIR_ENTRIES_MAX 100000 /* directory entries examined per load */
#define ZAP_FRAMES_MAX 8       /* RFC 27 request: 6 frames and 1 credential for CURVE */
#define ZAP_FIELD_MAX 256      /* domain, address and mechanism octets kept for logging */
#define MAX_WATCH 8            /* sockets whose handshake failures the thread reports */
#define RL_SLOTS 32            /* distinct refusals remembered for rate limiting */
#define RL_QUIET_MS 10000      /* one log line per refusal kind per 10 s; the rest counted */

/* Numbers the inproc endpoints of the control pipes and socket monitors, unique in the process
 * whatever the contexts and objects (an address could be reused after a free). */
static atomic_uint g_endpoint_seq;

static const char k_z85_chars[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

const char *vleo_curve_status_str(vleo_curve_status_t st) {
    static const char *const names[VLEO_CURVE_STATUS_COUNT] = {
        "ok",     "unreadable", "bad_mode",    "bad_format",
        "exists", "too_many",   "unsupported", "system"};
    return (unsigned)st < VLEO_CURVE_STATUS_COUNT ? names[st] : "unknown";
}

int vleo_curve_status_exit(vleo_curve_status_t st) {
    switch (st) {
    case VLEO_CURVE_OK:
        return VLEO_EXIT_OK;
    case VLEO_CURVE_UNREADABLE:
        return VLEO_EXIT_INPUT;
    case VLEO_CURVE_BAD_MODE:
    case VLEO_CURVE_BAD_FORMAT:
    case VLEO_CURVE_EXISTS:
    case VLEO_CURVE_TOO_MANY:
        return VLEO_EXIT_USAGE;
    default:
        return VLEO_EXIT_RUNTIME;
    }
}

bool vleo_curve_available(void) {
    return zmq_has("curve") != 0;
}

void vleo_curve_keypair_wipe(vleo_curve_keypair_t *kp) {
    explicit_bzero(kp->secret_z85, sizeof kp->secret_z85);
}

bool vleo_curve_z85_valid(const char *s) {
    if (s == NULL || strlen(s) != VLEO_CURVE_Z85_LEN) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (strchr(k_z85_chars, *p) == NULL) {
            return false;
        }
    }
    /* Every character is in the alphabet, but five of them may still exceed 2^32 - 1. */
    uint8_t key[KEY_OCTETS];
    bool ok = zmq_z85_decode(key, s) != NULL;
    explicit_bzero(key, sizeof key);
    return ok;
}

vleo_curve_status_t vleo_curve_keypair_new(vleo_curve_keypair_t *kp, char *err, size_t errlen) {
    memset(kp, 0, sizeof *kp);
    if (!vleo_curve_available()) {
        snprintf(err, errlen, "this libzmq has no CURVE support (built without libsodium)");
        return VLEO_CURVE_UNSUPPORTED;
    }
    if (zmq_curve_keypair(kp->public_z85, kp->secret_z85) != 0) {
        snprintf(err, errlen, "cannot make a key pair: %s", zmq_strerror(errno));
        vleo_curve_keypair_wipe(kp);
        return VLEO_CURVE_SYSTEM;
    }
    return VLEO_CURVE_OK;
}

/* ---- key files ---- */

/* Read a whole small file into buf (cap octets, NUL added) from an open fd. Returns the length, or
 * -1 (errno) on a read error, or -2 when the file holds cap or more octets. */
static ssize_t read_small(int fd, char *buf, size_t cap) {
    size_t n = 0;
    /* Bounded: each pass reads at least one octet or ends the loop, and n < cap. */
    while (n < cap - 1) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (r == 0) {
            buf[n] = '\0';
            return (ssize_t)n;
        }
        n += (size_t)r;
    }
    return -2;
}

/* Check that buf holds one key line (40 Z85 characters, then nothing, "\n" or "\r\n") and cut it to
 * the key. Returns true when it does. */
static bool key_line(char *buf, size_t len) {
    if (len < VLEO_CURVE_Z85_LEN) {
        return false;
    }
    const char *tail = buf + VLEO_CURVE_Z85_LEN;
    if (!(strcmp(tail, "") == 0 || strcmp(tail, "\n") == 0 || strcmp(tail, "\r\n") == 0)) {
        return false;
    }
    buf[VLEO_CURVE_Z85_LEN] = '\0';
    return vleo_curve_z85_valid(buf);
}

/* Open path for reading and fstat it as a regular file. Returns the fd, or -1 with err. */
static int open_regular(const char *path, struct stat *st, vleo_curve_status_t *status, char *err,
                        size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        *status = VLEO_CURVE_UNREADABLE;
        return -1;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        *status = VLEO_CURVE_UNREADABLE;
        return -1;
    }
    return fd;
}

/* Read one key line from path into out (41 octets). */
static vleo_curve_status_t read_key_file(const char *path, bool secret, char *out, char *err,
                                         size_t errlen) {
    struct stat st;
    vleo_curve_status_t status = VLEO_CURVE_OK;
    int fd = open_regular(path, &st, &status, err, errlen);
    if (fd < 0) {
        return status;
    }
    /* Checked on the open file, so the file read is the file checked. */
    if (secret && (st.st_mode & 077) != 0) {
        snprintf(
            err, errlen,
            "%s: mode 0%03o: a secret key file must not be open to group or others (chmod 600 %s)",
            path, (unsigned)(st.st_mode & 0777), path);
        close(fd);
        return VLEO_CURVE_BAD_MODE;
    }
    char buf[KEY_FILE_MAX];
    ssize_t n = read_small(fd, buf, sizeof buf);
    int e = errno;
    close(fd);
    if (n == -1) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(e));
        status = VLEO_CURVE_UNREADABLE;
    } else if (n < 0 || !key_line(buf, (size_t)n)) {
        /* The content is never shown: it may be a secret. */
        snprintf(err, errlen, "%s:1: not a CURVE %s key: expected one line of 40 Z85 characters",
                 path, secret ? "secret" : "public");
        status = VLEO_CURVE_BAD_FORMAT;
    } else {
        memcpy(out, buf, VLEO_CURVE_Z85_LEN + 1);
    }
    explicit_bzero(buf, sizeof buf);
    return status;
}

vleo_curve_status_t vleo_curve_read_secret(const char *path, vleo_curve_keypair_t *kp, char *err,
                                           size_t errlen) {
    memset(kp, 0, sizeof *kp);
    vleo_curve_status_t st = read_key_file(path, true, kp->secret_z85, err, errlen);
    if (st != VLEO_CURVE_OK) {
        return st;
    }
    if (zmq_curve_public(kp->public_z85, kp->secret_z85) != 0) {
        snprintf(err, errlen, "%s: cannot derive the public key: %s", path,
                 errno == ENOTSUP ? "this libzmq has no CURVE support" : zmq_strerror(errno));
        vleo_curve_keypair_wipe(kp);
        return errno == ENOTSUP ? VLEO_CURVE_UNSUPPORTED : VLEO_CURVE_SYSTEM;
    }
    return VLEO_CURVE_OK;
}

vleo_curve_status_t vleo_curve_read_public(const char *path, char *public_z85, char *err,
                                           size_t errlen) {
    public_z85[0] = '\0';
    return read_key_file(path, false, public_z85, err, errlen);
}

/* Write line + '\n' to fd with mode; fsync. Returns 0 or -1 (errno). */
static int write_line_fd(int fd, const char *line, mode_t mode) {
    char buf[VLEO_CURVE_Z85_LEN + 2];
    size_t n = strlen(line);
    memcpy(buf, line, n);
    buf[n++] = '\n';
    int rc = fchmod(fd, mode); /* exact, whatever the umask */
    size_t off = 0;
    while (rc == 0 && off < n) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            rc = -1;
            break;
        }
        off += (size_t)w;
    }
    if (rc == 0) {
        rc = fsync(fd);
    }
    explicit_bzero(buf, sizeof buf);
    return rc;
}

/* Create path anew (never following or replacing anything) holding line. */
static vleo_curve_status_t create_new(const char *path, const char *line, mode_t mode, char *err,
                                      size_t errlen) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path,
                 errno == EEXIST ? "exists: not overwritten (--force replaces it)"
                                 : strerror(errno));
        return errno == EEXIST ? VLEO_CURVE_EXISTS : VLEO_CURVE_SYSTEM;
    }
    int rc = write_line_fd(fd, line, mode);
    int e = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0) {
        unlink(path);
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(e));
        return VLEO_CURVE_SYSTEM;
    }
    return VLEO_CURVE_OK;
}

/* Replace path atomically: write a temporary file beside it, then rename it over path. */
static vleo_curve_status_t replace(const char *path, const char *line, mode_t mode, char *err,
                                   size_t errlen) {
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "%s: name too long", path);
        return VLEO_CURVE_SYSTEM;
    }
    int fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 from the start */
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a file beside it: %s", path, strerror(errno));
        return VLEO_CURVE_SYSTEM;
    }
    int rc = write_line_fd(fd, line, mode);
    int e = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0) {
        unlink(tmp);
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(e));
        return VLEO_CURVE_SYSTEM;
    }
    return VLEO_CURVE_OK;
}

vleo_curve_status_t vleo_curve_write_keypair(const char *name, const vleo_curve_keypair_t *kp,
                                             bool force, char *err, size_t errlen) {
    char key_path[PATH_MAX], pub_path[PATH_MAX];
    if (name[0] == '\0' || snprintf(key_path, sizeof key_path, "%s.key", name) >= PATH_MAX ||
        snprintf(pub_path, sizeof pub_path, "%s.pub", name) >= PATH_MAX) {
        snprintf(err, errlen, "'%s': not a usable file name", name);
        return VLEO_CURVE_SYSTEM;
    }
    if (!vleo_curve_z85_valid(kp->secret_z85) || !vleo_curve_z85_valid(kp->public_z85)) {
        snprintf(err, errlen, "%s: the key pair to write is not valid Z85", name);
        return VLEO_CURVE_BAD_FORMAT;
    }
    if (force) {
        vleo_curve_status_t st = replace(key_path, kp->secret_z85, 0600, err, errlen);
        return st != VLEO_CURVE_OK ? st : replace(pub_path, kp->public_z85, 0644, err, errlen);
    }
    /* Refuse before writing anything when the public half exists, so a refusal leaves no new secret
     * behind; the secret itself is then created exclusively. */
    struct stat st;
    if (lstat(pub_path, &st) == 0) {
        snprintf(err, errlen, "%s: exists: not overwritten (--force replaces it)", pub_path);
        return VLEO_CURVE_EXISTS;
    }
    vleo_curve_status_t s = create_new(key_path, kp->secret_z85, 0600, err, errlen);
    if (s != VLEO_CURVE_OK) {
        return s;
    }
    s = create_new(pub_path, kp->public_z85, 0644, err, errlen);
    if (s != VLEO_CURVE_OK) {
        unlink(key_path); /* no secret without its public half */
    }
    return s;
}

/* ---- socket setup ---- */

static int set_opt(void *sock, int opt, const void *val, size_t len, const char *name, char *err,
                   size_t errlen) {
    if (zmq_setsockopt(sock, opt, val, len) != 0) {
        snprintf(err, errlen, "cannot set %s: %s", name, zmq_strerror(errno));
        return -1;
    }
    return 0;
}

int vleo_curve_apply_server(void *sock, const vleo_curve_keypair_t *kp, char *err, size_t errlen) {
    int one = 1;
    if (!vleo_curve_available()) {
        snprintf(err, errlen, "this libzmq has no CURVE support (built without libsodium)");
        return -1;
    }
    if (set_opt(sock, ZMQ_CURVE_SERVER, &one, sizeof one, "ZMQ_CURVE_SERVER", err, errlen) != 0 ||
        set_opt(sock, ZMQ_CURVE_SECRETKEY, kp->secret_z85, VLEO_CURVE_Z85_LEN,
                "ZMQ_CURVE_SECRETKEY", err, errlen) != 0 ||
        set_opt(sock, ZMQ_ZAP_DOMAIN, VLEO_CURVE_ZAP_DOMAIN, strlen(VLEO_CURVE_ZAP_DOMAIN),
                "ZMQ_ZAP_DOMAIN", err, errlen) != 0 ||
        set_opt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one, "ZMQ_ZAP_ENFORCE_DOMAIN", err,
                errlen) != 0) {
        return -1;
    }
    return 0;
}

int vleo_curve_apply_client(void *sock, const vleo_curve_keypair_t *kp, const char *server_public,
                            char *err, size_t errlen) {
    if (!vleo_curve_available()) {
        snprintf(err, errlen, "this libzmq has no CURVE support (built without libsodium)");
        return -1;
    }
    if (set_opt(sock, ZMQ_CURVE_SERVERKEY, server_public, VLEO_CURVE_Z85_LEN, "ZMQ_CURVE_SERVERKEY",
                err, errlen) != 0 ||
        set_opt(sock, ZMQ_CURVE_PUBLICKEY, kp->public_z85, VLEO_CURVE_Z85_LEN,
                "ZMQ_CURVE_PUBLICKEY", err, errlen) != 0 ||
        set_opt(sock, ZMQ_CURVE_SECRETKEY, kp->secret_z85, VLEO_CURVE_Z85_LEN,
                "ZMQ_CURVE_SECRETKEY", err, errlen) != 0) {
        return -1;
    }
    return 0;
}

/* ---- options ---- */

bool vleo_curve_opts_any(const vleo_curve_opts_t *o) {
    return o->secret != NULL || o->allow != NULL || o->server_key != NULL;
}

const char *vleo_curve_opts_check(const vleo_curve_opts_t *o, bool binds, bool connects) {
    if (o->allow != NULL && !binds) {
        return "--curve-allow: this run binds no socket for it to protect";
    }
    if (o->server_key != NULL && !connects) {
        return "--curve-server-key: this run connects no socket that would use it";
    }
    if (o->secret != NULL && !binds && !connects) {
        return "--curve-secret: this run binds and connects no socket that would use it";
    }
    if (o->allow != NULL && o->secret == NULL) {
        return "--curve-allow needs --curve-secret FILE (the server's own key)";
    }
    if (o->server_key != NULL && o->secret == NULL) {
        return "--curve-server-key needs --curve-secret FILE (this client's own key pair)";
    }
    if (o->secret != NULL && o->allow == NULL && o->server_key == NULL) {
        if (binds && !connects) {
            return "--curve-secret needs --curve-allow DIR: CURVE without an allow list would "
                   "admit any key";
        }
        if (connects && !binds) {
            return "--curve-secret needs --curve-server-key FILE (the server's public key)";
        }
        return "--curve-secret needs --curve-allow DIR (to serve) and/or --curve-server-key FILE "
               "(to connect)";
    }
    if (o->server_key != NULL) {
        size_t n = strlen(o->server_key);
        if (n >= 4 && strcmp(o->server_key + n - 4, ".key") == 0) {
            return "--curve-server-key names a .key file: give the server's public key (NAME.pub), "
                   "never its secret";
        }
    }
    return NULL;
}

void vleo_curve_log_vleo(void *user, int level, const char *line) {
    (void)user;
    vleo_log((vleo_log_level_t)level, "%s", line);
}

/* ---- the allow list ---- */

typedef struct {
    uint8_t key[KEY_OCTETS];
    char name[VLEO_CURVE_NAME_MAX];
} allow_entry_t;

typedef struct {
    allow_entry_t *v;
    size_t n;
} allow_list_t;

static int entry_cmp(const void *a, const void *b) {
    return memcmp(((const allow_entry_t *)a)->key, ((const allow_entry_t *)b)->key, KEY_OCTETS);
}

static bool has_pub_suffix(const char *name) {
    size_t n = strlen(name);
    return n > 4 && name[0] != '.' && strcmp(name + n - 4, ".pub") == 0;
}

/* Read every *.pub in dir into out (sorted by key, duplicates dropped). On failure out is untouched
 * and err names the directory or the file. */
static vleo_curve_status_t allow_load(const char *dir, allow_list_t *out, char *err,
                                      size_t errlen) {
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: cannot open the directory: %s", dir, strerror(errno));
        return VLEO_CURVE_UNREADABLE;
    }
    struct stat dst;
    if (fstat(dirfd(d), &dst) != 0) {
        snprintf(err, errlen, "%s: cannot examine the directory: %s", dir, strerror(errno));
        closedir(d);
        return VLEO_CURVE_UNREADABLE;
    }
    if ((dst.st_mode & S_IWOTH) != 0) {
        snprintf(err, errlen,
                 "%s: writable by every user, so anyone could admit a key (chmod o-w %s)", dir,
                 dir);
        closedir(d);
        return VLEO_CURVE_BAD_MODE;
    }
    allow_list_t l = {calloc(VLEO_CURVE_MAX_KEYS, sizeof(allow_entry_t)), 0};
    if (l.v == NULL) {
        closedir(d);
        snprintf(err, errlen, "%s: out of memory", dir);
        return VLEO_CURVE_SYSTEM;
    }
    vleo_curve_status_t st = VLEO_CURVE_OK;
    errno = 0;
    struct dirent *de;
    for (size_t seen = 0; st == VLEO_CURVE_OK && (de = readdir(d)) != NULL; seen++) {
        if (seen >= DIR_ENTRIES_MAX) {
            snprintf(err, errlen, "%s: more than %d entries", dir, DIR_ENTRIES_MAX);
            st = VLEO_CURVE_TOO_MANY;
            break;
        }
        if (!has_pub_suffix(de->d_name)) {
            continue;
        }
        if (l.n == VLEO_CURVE_MAX_KEYS) {
            snprintf(err, errlen, "%s: more than %d keys", dir, VLEO_CURVE_MAX_KEYS);
            st = VLEO_CURVE_TOO_MANY;
            break;
        }
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path) {
            snprintf(err, errlen, "%s/%s: name too long", dir, de->d_name);
            st = VLEO_CURVE_UNREADABLE;
            break;
        }
        char z85[VLEO_CURVE_Z85_LEN + 1];
        st = vleo_curve_read_public(path, z85, err, errlen);
        if (st != VLEO_CURVE_OK) {
            break;
        }
        allow_entry_t *e = &l.v[l.n++];
        zmq_z85_decode(e->key, z85); /* valid: checked by the reader */
        size_t nl = strlen(de->d_name) - 4;
        if (nl >= sizeof e->name) {
            nl = sizeof e->name - 1;
        }
        memcpy(e->name, de->d_name, nl);
        e->name[nl] = '\0';
        errno = 0;
    }
    if (st == VLEO_CURVE_OK && errno != 0) {
        snprintf(err, errlen, "%s: cannot list: %s", dir, strerror(errno));
        st = VLEO_CURVE_UNREADABLE;
    }
    closedir(d);
    if (st != VLEO_CURVE_OK) {
        free(l.v);
        return st;
    }
    qsort(l.v, l.n, sizeof l.v[0], entry_cmp);
    size_t w = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (w == 0 || entry_cmp(&l.v[w - 1], &l.v[i]) != 0) {
            l.v[w++] = l.v[i];
        }
    }
    l.n = w;
    *out = l;
    return VLEO_CURVE_OK;
}

/* ---- the handler ---- */

/* Rate limiting of repeated log lines (a plain-text client retries every 100 ms). */
typedef struct {
    uint8_t tag[KEY_OCTETS];
    int64_t last_ms;
    uint64_t suppressed;
    bool used;
} rl_slot_t;

typedef struct {
    void *pair;  /* our end of the socket monitor */
    bool server; /* the watched socket binds and serves */
} watch_t;

struct vleo_curve {
    vleo_curve_keypair_t own;
    bool have_own;
    char server_public[VLEO_CURVE_Z85_LEN + 1];
    bool have_server;
    char allow_dir[PATH_MAX];
    bool have_allow;
    vleo_curve_log_fn log;
    void *user;

    pthread_mutex_t lock; /* guards allow and stats */
    allow_list_t allow;
    vleo_curve_stats_t stats;

    void *zctx;
    void *ctl_main;   /* the caller's end of the control pipe */
    void *ctl_thread; /* the thread's end */
    void *zap;        /* REP on inproc://zeromq.zap.01, owned by the thread */
    pthread_t thread;
    bool started;
    unsigned watches_made; /* caller side: names monitor endpoints */

    /* Thread-owned. */
    watch_t watch[MAX_WATCH];
    size_t n_watch;
    rl_slot_t rl[RL_SLOTS];
};

static void logf_(vleo_curve_t *cv, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void logf_(vleo_curve_t *cv, int level, const char *fmt, ...) {
    if (cv->log == NULL) {
        return;
    }
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    cv->log(cv->user, level, line);
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True when a line about tag may be logged now; *suppressed gets how many were not since. */
static bool rl_allow(vleo_curve_t *cv, const uint8_t *tag, uint64_t *suppressed) {
    int64_t now = mono_ms();
    rl_slot_t *slot = NULL, *oldest = &cv->rl[0];
    for (size_t i = 0; i < RL_SLOTS; i++) {
        rl_slot_t *s = &cv->rl[i];
        if (s->used && memcmp(s->tag, tag, KEY_OCTETS) == 0) {
            slot = s;
            break;
        }
        if (!s->used || (oldest->used && s->last_ms < oldest->last_ms)) {
            oldest = s;
        }
    }
    if (slot == NULL) {
        slot = oldest;
        memcpy(slot->tag, tag, KEY_OCTETS);
        slot->used = true;
        slot->suppressed = 0;
        slot->last_ms = now;
        *suppressed = 0;
        return true;
    }
    if (now - slot->last_ms < RL_QUIET_MS) {
        slot->suppressed++;
        return false;
    }
    *suppressed = slot->suppressed;
    slot->suppressed = 0;
    slot->last_ms = now;
    return true;
}

/* " (N more since, not logged)" when N > 0, else "". */
static void quiet_note(uint64_t quiet, char *buf, size_t cap) {
    buf[0] = '\0';
    if (quiet > 0) {
        snprintf(buf, cap, " (%llu more since, not logged)", (unsigned long long)quiet);
    }
}

/* Copy a frame into buf as printable text (others as '?'), cut to cap - 1. */
static void frame_text(zmq_msg_t *m, char *buf, size_t cap) {
    const unsigned char *p = zmq_msg_data(m);
    size_t n = zmq_msg_size(m);
    size_t k = 0;
    for (; k < n && k + 1 < cap; k++) {
        buf[k] = (p[k] >= 0x20 && p[k] < 0x7f) ? (char)p[k] : '?';
    }
    buf[k] = '\0';
}

static bool frame_is(zmq_msg_t *m, const char *s) {
    size_t n = strlen(s);
    return zmq_msg_size(m) == n && memcmp(zmq_msg_data(m), s, n) == 0;
}

/* Send the RFC 27 reply: version, request id, status, text, user id, empty metadata. */
static void zap_reply(void *zap, zmq_msg_t *request_id, const char *code, const char *text,
                      const char *user_id) {
    zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
    if (request_id != NULL) {
        zmq_send(zap, zmq_msg_data(request_id), zmq_msg_size(request_id), ZMQ_SNDMORE);
    } else {
        zmq_send(zap, "", 0, ZMQ_SNDMORE);
    }
    zmq_send(zap, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(zap, user_id, strlen(user_id), ZMQ_SNDMORE);
    zmq_send(zap, "", 0, 0);
}

/* Answer one ZAP request. Frames: 0 version "1.0", 1 request id, 2 domain, 3 address, 4 routing id,
 * 5 mechanism, 6.. credentials (CURVE: the client's 32-octet public key). */
static void zap_serve(vleo_curve_t *cv) {
    zmq_msg_t f[ZAP_FRAMES_MAX];
    size_t n = 0;
    bool more = true;
    bool too_many = false;
    /* The parts of a message arrive together, so no receive below waits; the loop ends at the last
     * part, or at an error (the context ending). Surplus parts are dropped. */
    while (more) {
        zmq_msg_t surplus;
        zmq_msg_t *m = n < ZAP_FRAMES_MAX ? &f[n] : &surplus;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, cv->zap, 0) < 0) {
            zmq_msg_close(m);
            for (size_t i = 0; i < n; i++) {
                zmq_msg_close(&f[i]);
            }
            return;
        }
        more = zmq_msg_more(m) != 0;
        if (m == &surplus) {
            zmq_msg_close(m);
            too_many = true;
        } else {
            n++;
        }
    }
    char addr[ZAP_FIELD_MAX] = "?";
    if (n > 3) {
        frame_text(&f[3], addr, sizeof addr);
    }
    bool well_formed = !too_many && n >= 6 && frame_is(&f[0], "1.0");
    if (!well_formed) {
        pthread_mutex_lock(&cv->lock);
        cv->stats.refused_other++;
        pthread_mutex_unlock(&cv->lock);
        logf_(cv, VLEO_LOG_WARN, "ZAP: refused a malformed request (%zu frames) from %s", n, addr);
        zap_reply(cv->zap, n > 1 ? &f[1] : NULL, "500", "malformed request", "");
    } else if (!frame_is(&f[2], VLEO_CURVE_ZAP_DOMAIN) || !frame_is(&f[5], "CURVE") || n != 7 ||
               zmq_msg_size(&f[6]) != KEY_OCTETS) {
        char dom[ZAP_FIELD_MAX], mech[ZAP_FIELD_MAX];
        frame_text(&f[2], dom, sizeof dom);
        frame_text(&f[5], mech, sizeof mech);
        pthread_mutex_lock(&cv->lock);
        cv->stats.refused_other++;
        pthread_mutex_unlock(&cv->lock);
        logf_(cv, VLEO_LOG_WARN,
              "ZAP: refused %s in domain \"%s\" from %s: only CURVE keys in domain "
              "\"" VLEO_CURVE_ZAP_DOMAIN "\" are admitted",
              mech, dom, addr);
        zap_reply(cv->zap, &f[1], "400", "CURVE only", "");
    } else {
        allow_entry_t probe;
        memcpy(probe.key, zmq_msg_data(&f[6]), KEY_OCTETS);
        char user_id[VLEO_CURVE_NAME_MAX] = "";
        pthread_mutex_lock(&cv->lock);
        const allow_entry_t *hit =
            cv->allow.n == 0 ? NULL
                             : bsearch(&probe, cv->allow.v, cv->allow.n, sizeof probe, entry_cmp);
        if (hit != NULL) {
            memcpy(user_id, hit->name, sizeof user_id);
            cv->stats.admitted++;
        } else {
            cv->stats.refused_key++;
        }
        pthread_mutex_unlock(&cv->lock);
        char z85[VLEO_CURVE_Z85_LEN + 1];
        zmq_z85_encode(z85, probe.key, KEY_OCTETS); /* a public key: fine to show */
        if (hit != NULL) {
            logf_(cv, VLEO_LOG_INFO, "admitted key %s (%s.pub) from %s", z85, user_id, addr);
            zap_reply(cv->zap, &f[1], "200", "OK", user_id);
        } else {
            uint64_t quiet = 0;
            if (rl_allow(cv, probe.key, &quiet)) {
                char more_txt[64];
                quiet_note(quiet, more_txt, sizeof more_txt);
                logf_(cv, VLEO_LOG_WARN, "refused key %s from %s: not in the allow list %s%s", z85,
                      addr, cv->allow_dir, more_txt);
            }
            zap_reply(cv->zap, &f[1], "400", "key not allowed", "");
        }
    }
    for (size_t i = 0; i < n; i++) {
        zmq_msg_close(&f[i]);
    }
}

/* What a handshake failure event means, for the log. */
static const char *protocol_error_text(uint32_t v, bool server) {
    switch (v) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
        return server ? "refused a peer that does not use CURVE (plain text?)"
                      : "the server does not use CURVE, or uses it while we do not";
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
        return server ? "refused a CURVE peer whose handshake does not decrypt (it holds another "
                        "server key?)"
                      : "the CURVE handshake does not decrypt: wrong --curve-server-key?";
    case ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE:
        return "CURVE key exchange failed";
    default:
        return NULL;
    }
}

/* Report one event from a watched socket. Frames: [event u16 + value u32 native], endpoint. */
static void watch_event(vleo_curve_t *cv, size_t w) {
    zmq_msg_t ev, ep;
    zmq_msg_init(&ev);
    zmq_msg_init(&ep);
    if (zmq_msg_recv(&ev, cv->watch[w].pair, 0) < 0) {
        zmq_msg_close(&ev);
        zmq_msg_close(&ep);
        return;
    }
    bool ok = zmq_msg_more(&ev) && zmq_msg_recv(&ep, cv->watch[w].pair, 0) >= 0;
    /* A further part would be a libzmq of another monitor version: drain it, bounded. */
    for (int i = 0; i < 16 && ok && zmq_msg_more(&ep); i++) {
        zmq_msg_close(&ep);
        zmq_msg_init(&ep);
        ok = zmq_msg_recv(&ep, cv->watch[w].pair, 0) >= 0;
    }
    uint16_t event = 0;
    uint32_t value = 0;
    if (ok && zmq_msg_size(&ev) == 6) {
        memcpy(&event, zmq_msg_data(&ev), 2);
        memcpy(&value, (const uint8_t *)zmq_msg_data(&ev) + 2, 4);
    }
    char endpoint[ZAP_FIELD_MAX];
    frame_text(&ep, endpoint, sizeof endpoint);
    zmq_msg_close(&ev);
    zmq_msg_close(&ep);
    bool server = cv->watch[w].server;
    if (event == ZMQ_EVENT_MONITOR_STOPPED) {
        zmq_close(cv->watch[w].pair);
        cv->watch[w] = cv->watch[--cv->n_watch];
        return;
    }
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        logf_(cv, VLEO_LOG_INFO, "%s: CURVE handshake done", endpoint);
        return;
    }
    char what[256];
    int level = VLEO_LOG_WARN;
    pthread_mutex_lock(&cv->lock);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        cv->stats.refused_by_server++;
        level = VLEO_LOG_ERROR;
        snprintf(what, sizeof what,
                 "the server refused this client's key %s (status %u): not retrying; add its .pub "
                 "to the server's allow directory, then restart",
                 cv->own.public_z85, (unsigned)value);
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
        cv->stats.handshake_failed++;
        const char *t = protocol_error_text(value, server);
        if (t != NULL) {
            snprintf(what, sizeof what, "%s", t);
        } else {
            snprintf(what, sizeof what, "handshake failed: protocol error 0x%08x", (unsigned)value);
        }
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        cv->stats.handshake_failed++;
        snprintf(what, sizeof what, "handshake failed (%s)%s", zmq_strerror((int)value),
                 server ? ": a client without CURVE, or with another server key?" : "");
    } else {
        pthread_mutex_unlock(&cv->lock);
        return;
    }
    pthread_mutex_unlock(&cv->lock);
    /* Rate-limited per (socket, event, value); the tag shares the table with refused keys,
     * which a tag of 24 zero octets will not meet in practice. */
    uint8_t tag[KEY_OCTETS] = {0};
    tag[0] = (uint8_t)w;
    memcpy(tag + 1, &event, sizeof event);
    memcpy(tag + 3, &value, sizeof value);
    tag[7] = 0xA5;
    uint64_t quiet = 0;
    if (rl_allow(cv, tag, &quiet)) {
        char more_txt[64];
        quiet_note(quiet, more_txt, sizeof more_txt);
        logf_(cv, level, "%s: %s%s", endpoint, what, more_txt);
    }
}

/* Control messages: "stop", or "watch" followed by a watch_t (the pair changes owner). */
static bool ctl_serve(vleo_curve_t *cv) {
    char buf[16 + sizeof(watch_t)];
    int n = zmq_recv(cv->ctl_thread, buf, sizeof buf, 0);
    if (n == 5 + (int)sizeof(watch_t) && memcmp(buf, "watch", 5) == 0) {
        watch_t w;
        memcpy(&w, buf + 5, sizeof w);
        if (cv->n_watch < MAX_WATCH) {
            cv->watch[cv->n_watch++] = w;
        } else {
            zmq_close(w.pair); /* checked by the caller: cannot happen */
        }
        return true;
    }
    return false; /* "stop", or the context is ending */
}

static void *curve_thread(void *arg) {
    vleo_curve_t *cv = arg;
    for (;;) {
        zmq_pollitem_t items[2 + MAX_WATCH];
        size_t k = 0;
        items[k++] = (zmq_pollitem_t){cv->ctl_thread, 0, ZMQ_POLLIN, 0};
        size_t zap_at = k;
        if (cv->zap != NULL) {
            items[k++] = (zmq_pollitem_t){cv->zap, 0, ZMQ_POLLIN, 0};
        }
        size_t watch_at = k;
        for (size_t i = 0; i < cv->n_watch; i++) {
            items[k++] = (zmq_pollitem_t){cv->watch[i].pair, 0, ZMQ_POLLIN, 0};
        }
        int rc = zmq_poll(items, (int)k, -1);
        if (rc < 0) {
            if (errno == EINTR) {
                continue;
            }
            break; /* ETERM: the context is ending */
        }
        if (cv->zap != NULL && (items[zap_at].revents & ZMQ_POLLIN)) {
            zap_serve(cv);
        }
        /* Backwards: watch_event may remove entry i by moving the last one into it. */
        for (size_t i = cv->n_watch; i-- > 0;) {
            if (watch_at + i < k && (items[watch_at + i].revents & ZMQ_POLLIN)) {
                watch_event(cv, i);
            }
        }
        if ((items[0].revents & ZMQ_POLLIN) && !ctl_serve(cv)) {
            break;
        }
    }
    for (size_t i = 0; i < cv->n_watch; i++) {
        zmq_close(cv->watch[i].pair);
    }
    cv->n_watch = 0;
    if (cv->zap != NULL) {
        zmq_close(cv->zap);
        cv->zap = NULL;
    }
    zmq_close(cv->ctl_thread);
    cv->ctl_thread = NULL;
    return NULL;
}

/* ---- the program's CURVE state ---- */

vleo_curve_t *vleo_curve_new(const vleo_curve_opts_t *o, vleo_curve_log_fn log, void *user,
                             char *err, size_t errlen, int *code) {
    *code = VLEO_EXIT_OK;
    if (!vleo_curve_available()) {
        snprintf(err, errlen,
                 "--curve-*: this libzmq has no CURVE support (built without libsodium)");
        *code = VLEO_EXIT_RUNTIME;
        return NULL;
    }
    vleo_curve_t *cv = calloc(1, sizeof *cv);
    if (cv == NULL) {
        snprintf(err, errlen, "out of memory");
        *code = VLEO_EXIT_RUNTIME;
        return NULL;
    }
    cv->log = log;
    cv->user = user;
    pthread_mutex_init(&cv->lock, NULL);
    char msg[PATH_MAX + 256];
    vleo_curve_status_t st = VLEO_CURVE_OK;
    const char *opt = "";
    if (o->secret != NULL) {
        opt = "--curve-secret ";
        st = vleo_curve_read_secret(o->secret, &cv->own, msg, sizeof msg);
        cv->have_own = st == VLEO_CURVE_OK;
    }
    if (st == VLEO_CURVE_OK && o->server_key != NULL) {
        opt = "--curve-server-key ";
        st = vleo_curve_read_public(o->server_key, cv->server_public, msg, sizeof msg);
        cv->have_server = st == VLEO_CURVE_OK;
    }
    if (st == VLEO_CURVE_OK && o->allow != NULL) {
        opt = "--curve-allow ";
        if (snprintf(cv->allow_dir, sizeof cv->allow_dir, "%s", o->allow) >= PATH_MAX) {
            snprintf(msg, sizeof msg, "%s: name too long", o->allow);
            st = VLEO_CURVE_UNREADABLE;
        } else {
            st = allow_load(o->allow, &cv->allow, msg, sizeof msg);
            cv->have_allow = st == VLEO_CURVE_OK;
            cv->stats.keys = cv->allow.n;
        }
    }
    if (st != VLEO_CURVE_OK) {
        snprintf(err, errlen, "%s%s", opt, msg);
        *code = vleo_curve_status_exit(st);
        vleo_curve_destroy(&cv);
        return NULL;
    }
    return cv;
}

int vleo_curve_start(vleo_curve_t *cv, void *zctx, char *err, size_t errlen) {
    if (cv->started) {
        snprintf(err, errlen, "CURVE handler already started");
        return -1;
    }
    cv->zctx = zctx;
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://vleo-curve-ctl-%u", atomic_fetch_add(&g_endpoint_seq, 1));
    int zero = 0;
    cv->ctl_thread = zmq_socket(zctx, ZMQ_PAIR);
    cv->ctl_main = zmq_socket(zctx, ZMQ_PAIR);
    if (cv->ctl_thread == NULL || cv->ctl_main == NULL ||
        zmq_setsockopt(cv->ctl_thread, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(cv->ctl_main, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_bind(cv->ctl_thread, ep) != 0 || zmq_connect(cv->ctl_main, ep) != 0) {
        snprintf(err, errlen, "cannot make the CURVE handler's control pipe: %s",
                 zmq_strerror(errno));
        goto fail;
    }
    if (cv->have_allow) {
        /* Bound here, before any server socket exists, so no handshake can find it missing. */
        cv->zap = zmq_socket(zctx, ZMQ_REP);
        if (cv->zap == NULL || zmq_setsockopt(cv->zap, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
            zmq_bind(cv->zap, ZAP_ENDPOINT) != 0) {
            snprintf(err, errlen, "cannot bind the ZAP handler on " ZAP_ENDPOINT ": %s",
                     errno == EADDRINUSE ? "another handler runs in this context"
                                         : zmq_strerror(errno));
            goto fail;
        }
        if (cv->allow.n == 0) {
            logf_(cv, VLEO_LOG_WARN,
                  "--curve-allow %s holds no *.pub key: every client is refused until keys are "
                  "added (SIGHUP reloads)",
                  cv->allow_dir);
        }
    }
    /* The thread takes no signals: they stay with the program's own threads. Sockets change owner
     * here; pthread_create is the full memory barrier that requires. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&cv->thread, NULL, curve_thread, cv);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the CURVE handler thread: %s", strerror(rc));
        goto fail;
    }
    cv->started = true;
    return 0;
fail:
    if (cv->zap != NULL) {
        zmq_close(cv->zap);
        cv->zap = NULL;
    }
    if (cv->ctl_thread != NULL) {
        zmq_close(cv->ctl_thread);
        cv->ctl_thread = NULL;
    }
    if (cv->ctl_main != NULL) {
        zmq_close(cv->ctl_main);
        cv->ctl_main = NULL;
    }
    return -1;
}

/* Have the thread report the handshake events of sock (on the caller's thread). */
static int watch(vleo_curve_t *cv, void *sock, bool server, char *err, size_t errlen) {
    if (cv->watches_made >= MAX_WATCH) {
        snprintf(err, errlen, "more than %d CURVE sockets", MAX_WATCH);
        return -1;
    }
    char ep[80];
    snprintf(ep, sizeof ep, "inproc://vleo-curve-mon-%u", atomic_fetch_add(&g_endpoint_seq, 1));
    int events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
    if (!server) {
        /* A server's refusals are the ZAP handler's own: only clients report these. */
        events |= ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
    }
    if (zmq_socket_monitor(sock, ep, events) != 0) {
        snprintf(err, errlen, "cannot watch the socket's handshakes: %s", zmq_strerror(errno));
        return -1;
    }
    watch_t w = {zmq_socket(cv->zctx, ZMQ_PAIR), server};
    int zero = 0;
    if (w.pair == NULL || zmq_setsockopt(w.pair, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_connect(w.pair, ep) != 0) {
        snprintf(err, errlen, "cannot watch the socket's handshakes: %s", zmq_strerror(errno));
        if (w.pair != NULL) {
            zmq_close(w.pair);
        }
        zmq_socket_monitor(sock, NULL, 0);
        return -1;
    }
    char msg[5 + sizeof(watch_t)];
    memcpy(msg, "watch", 5);
    memcpy(msg + 5, &w, sizeof w);
    if (zmq_send(cv->ctl_main, msg, sizeof msg, 0) != (int)sizeof msg) {
        snprintf(err, errlen, "cannot hand the socket monitor over: %s", zmq_strerror(errno));
        zmq_close(w.pair);
        zmq_socket_monitor(sock, NULL, 0);
        return -1;
    }
    cv->watches_made++;
    return 0;
}

int vleo_curve_setup_server(void *sock, void *arg, char *err, size_t errlen) {
    vleo_curve_t *cv = arg;
    if (!cv->have_own || !cv->have_allow || !cv->started) {
        snprintf(err, errlen, "a CURVE server needs --curve-secret and --curve-allow");
        return -1;
    }
    if (vleo_curve_apply_server(sock, &cv->own, err, errlen) != 0) {
        return -1;
    }
    return watch(cv, sock, true, err, errlen);
}

int vleo_curve_setup_client(void *sock, void *arg, char *err, size_t errlen) {
    vleo_curve_t *cv = arg;
    if (!cv->have_own || !cv->have_server || !cv->started) {
        snprintf(err, errlen, "a CURVE client needs --curve-secret and --curve-server-key");
        return -1;
    }
    if (vleo_curve_apply_client(sock, &cv->own, cv->server_public, err, errlen) != 0) {
        return -1;
    }
    return watch(cv, sock, false, err, errlen);
}

int vleo_curve_reload(vleo_curve_t *cv) {
    if (!cv->have_allow) {
        return 0;
    }
    allow_list_t fresh = {NULL, 0};
    char msg[PATH_MAX + 256];
    vleo_curve_status_t st = allow_load(cv->allow_dir, &fresh, msg, sizeof msg);
    pthread_mutex_lock(&cv->lock);
    size_t before = cv->allow.n;
    allow_list_t old = {NULL, 0};
    if (st == VLEO_CURVE_OK) {
        old = cv->allow;
        cv->allow = fresh;
        cv->stats.reloads++;
        cv->stats.keys = fresh.n;
    } else {
        cv->stats.reload_failures++;
    }
    pthread_mutex_unlock(&cv->lock);
    free(old.v);
    if (st != VLEO_CURVE_OK) {
        logf_(cv, VLEO_LOG_ERROR, "--curve-allow %s (keeping the previous %zu keys)", msg, before);
        return -1;
    }
    logf_(cv, VLEO_LOG_INFO, "--curve-allow %s reloaded: %zu keys (%zu before)", cv->allow_dir,
          fresh.n, before);
    return 0;
}

void vleo_curve_stats(vleo_curve_t *cv, vleo_curve_stats_t *st) {
    pthread_mutex_lock(&cv->lock);
    *st = cv->stats;
    pthread_mutex_unlock(&cv->lock);
}

const char *vleo_curve_public(const vleo_curve_t *cv) {
    return cv->have_own ? cv->own.public_z85 : "";
}

void vleo_curve_destroy(vleo_curve_t **cvp) {
    vleo_curve_t *cv = cvp != NULL ? *cvp : NULL;
    if (cv == NULL) {
        return;
    }
    if (cv->started) {
        /* The pipe is inproc with room to spare: the send does not wait. */
        zmq_send(cv->ctl_main, "stop", 4, 0);
        pthread_join(cv->thread, NULL);
        cv->started = false;
    }
    if (cv->ctl_main != NULL) {
        zmq_close(cv->ctl_main);
    }
    free(cv->allow.v);
    pthread_mutex_destroy(&cv->lock);
    vleo_curve_keypair_wipe(&cv->own);
    explicit_bzero(cv, sizeof *cv);
    free(cv);
    *cvp = NULL;
}
