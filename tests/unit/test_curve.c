/* test_curve.c: CURVE key files (writing, modes, reading, Z85 checks), option combinations,
 * and the allow-list ZAP handler in process over tcp://127.0.0.1: admission, refusal, the
 * fail-closed server without a handler, reload, and the client's report of a refusal. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "vleo/curve.h"
#include "vleo/log.h"
#include "vleo/zmqutil.h"

static char g_dir[128];

static void mk_dir(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/vleo-curve-unit-%d-XXXXXX", (int)getpid());
    cr_assert_not_null(mkdtemp(g_dir));
}

static void rm_dir(void) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    cr_assert_eq(system(cmd), 0);
}

static void path_in(char *buf, size_t cap, const char *name) {
    snprintf(buf, cap, "%s/%s", g_dir, name);
}

static void write_file(const char *path, const char *content, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
    size_t n = strlen(content);
    cr_assert_eq(write(fd, content, n), (ssize_t)n);
    cr_assert_eq(fchmod(fd, mode), 0);
    close(fd);
}

static char *slurp(const char *path) {
    static char buf[256];
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static mode_t mode_of(const char *path) {
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return st.st_mode & 07777;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
    struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

/* A known key pair (the CurveZMQ RFC's test client key) to check derivation exactly. */
static const char k_rfc_secret[] = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
static const char k_rfc_public[] = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";

Test(curve, z85_checks) {
    cr_assert(vleo_curve_z85_valid(k_rfc_secret));
    cr_assert(vleo_curve_z85_valid(k_rfc_public));
    cr_assert_not(vleo_curve_z85_valid(NULL));
    cr_assert_not(vleo_curve_z85_valid(""));
    char s[64];
    snprintf(s, sizeof s, "%.39s", k_rfc_public); /* 39 characters */
    cr_assert_not(vleo_curve_z85_valid(s));
    snprintf(s, sizeof s, "%sA", k_rfc_public); /* 41 */
    cr_assert_not(vleo_curve_z85_valid(s));
    snprintf(s, sizeof s, "%s", k_rfc_public);
    s[7] = '"'; /* not in the Z85 alphabet */
    cr_assert_not(vleo_curve_z85_valid(s));
    s[7] = '~';
    cr_assert_not(vleo_curve_z85_valid(s));
    /* "#####" is 85^5 - 1 > 2^32 - 1: every character valid, the group is not. */
    snprintf(s, sizeof s, "#####%.35s", k_rfc_public + 5);
    cr_assert_not(vleo_curve_z85_valid(s));
    cr_assert_str_eq(vleo_curve_status_str(VLEO_CURVE_BAD_MODE), "bad_mode");
    cr_assert_str_eq(vleo_curve_status_str(VLEO_CURVE_STATUS_COUNT), "unknown");
    cr_assert_eq(vleo_curve_status_exit(VLEO_CURVE_OK), 0);
    cr_assert_eq(vleo_curve_status_exit(VLEO_CURVE_UNREADABLE), 3);
    cr_assert_eq(vleo_curve_status_exit(VLEO_CURVE_BAD_MODE), 2);
    cr_assert_eq(vleo_curve_status_exit(VLEO_CURVE_BAD_FORMAT), 2);
    cr_assert_eq(vleo_curve_status_exit(VLEO_CURVE_SYSTEM), 1);
}

Test(curve, write_read_round_trip_with_exact_modes) {
    cr_assert(vleo_curve_available(), "Debian's libzmq5 has CURVE");
    mk_dir();
    umask(077); /* the modes are set exactly, whatever the umask */
    vleo_curve_keypair_t kp, back;
    char err[512], name[160], key[192], pub[192];
    cr_assert_eq(vleo_curve_keypair_new(&kp, err, sizeof err), VLEO_CURVE_OK, "%s", err);
    path_in(name, sizeof name, "station");
    cr_assert_eq(vleo_curve_write_keypair(name, &kp, false, err, sizeof err), VLEO_CURVE_OK, "%s",
                 err);
    umask(022);
    path_in(key, sizeof key, "station.key");
    path_in(pub, sizeof pub, "station.pub");
    cr_assert_eq(mode_of(key), 0600);
    cr_assert_eq(mode_of(pub), 0644);
    char line[64];
    snprintf(line, sizeof line, "%s\n", kp.secret_z85);
    cr_assert_str_eq(slurp(key), line);
    snprintf(line, sizeof line, "%s\n", kp.public_z85);
    cr_assert_str_eq(slurp(pub), line);
    cr_assert_eq(vleo_curve_read_secret(key, &back, err, sizeof err), VLEO_CURVE_OK, "%s", err);
    cr_assert_str_eq(back.secret_z85, kp.secret_z85);
    cr_assert_str_eq(back.public_z85, kp.public_z85, "the public key derived from the secret");
    char p[VLEO_CURVE_Z85_LEN + 1];
    cr_assert_eq(vleo_curve_read_public(pub, p, err, sizeof err), VLEO_CURVE_OK, "%s", err);
    cr_assert_str_eq(p, kp.public_z85);
    vleo_curve_keypair_wipe(&back);
    cr_assert_eq(back.secret_z85[0], '\0');
    cr_assert_eq(back.secret_z85[VLEO_CURVE_Z85_LEN - 1], '\0');
    rm_dir();
}

Test(curve, derives_the_known_public_key) {
    mk_dir();
    char key[192], err[512];
    path_in(key, sizeof key, "rfc.key");
    char content[64];
    snprintf(content, sizeof content, "%s\r\n", k_rfc_secret); /* CRLF accepted */
    write_file(key, content, 0600);
    vleo_curve_keypair_t kp;
    cr_assert_eq(vleo_curve_read_secret(key, &kp, err, sizeof err), VLEO_CURVE_OK, "%s", err);
    cr_assert_str_eq(kp.public_z85, k_rfc_public);
    write_file(key, k_rfc_secret, 0400); /* no line end, owner read-only: accepted */
    cr_assert_eq(vleo_curve_read_secret(key, &kp, err, sizeof err), VLEO_CURVE_OK, "%s", err);
    cr_assert_str_eq(kp.public_z85, k_rfc_public);
    rm_dir();
}

Test(curve, never_overwrites_without_force) {
    mk_dir();
    vleo_curve_keypair_t a, b;
    char err[512], name[160], key[192], pub[192], first_key[64], first_pub[64];
    cr_assert_eq(vleo_curve_keypair_new(&a, err, sizeof err), VLEO_CURVE_OK);
    cr_assert_eq(vleo_curve_keypair_new(&b, err, sizeof err), VLEO_CURVE_OK);
    cr_assert_str_neq(a.secret_z85, b.secret_z85);
    path_in(name, sizeof name, "k");
    path_in(key, sizeof key, "k.key");
    path_in(pub, sizeof pub, "k.pub");
    cr_assert_eq(vleo_curve_write_keypair(name, &a, false, err, sizeof err), VLEO_CURVE_OK);
    snprintf(first_key, sizeof first_key, "%s", slurp(key));
    snprintf(first_pub, sizeof first_pub, "%s", slurp(pub));
    cr_assert_eq(vleo_curve_write_keypair(name, &b, false, err, sizeof err), VLEO_CURVE_EXISTS);
    cr_assert(strstr(err, "k.pub: exists") != NULL, "%s", err);
    cr_assert_str_eq(slurp(key), first_key, "the secret is untouched");
    cr_assert_str_eq(slurp(pub), first_pub);
    /* Only the secret there: refused by O_EXCL, and no stray public file is left. */
    cr_assert_eq(unlink(pub), 0);
    cr_assert_eq(vleo_curve_write_keypair(name, &b, false, err, sizeof err), VLEO_CURVE_EXISTS);
    cr_assert(strstr(err, "k.key: exists") != NULL, "%s", err);
    cr_assert_str_eq(slurp(key), first_key);
    cr_assert_eq(access(pub, F_OK), -1);
    /* Only the public key there: refused before any secret is written. */
    cr_assert_eq(unlink(key), 0);
    write_file(pub, first_pub, 0644);
    cr_assert_eq(vleo_curve_write_keypair(name, &b, false, err, sizeof err), VLEO_CURVE_EXISTS);
    cr_assert_eq(access(key, F_OK), -1);
    /* --force replaces both, modes exact. */
    write_file(key, first_key, 0644);
    cr_assert_eq(vleo_curve_write_keypair(name, &b, true, err, sizeof err), VLEO_CURVE_OK, "%s",
                 err);
    char line[64];
    snprintf(line, sizeof line, "%s\n", b.secret_z85);
    cr_assert_str_eq(slurp(key), line);
    snprintf(line, sizeof line, "%s\n", b.public_z85);
    cr_assert_str_eq(slurp(pub), line);
    cr_assert_eq(mode_of(key), 0600);
    cr_assert_eq(mode_of(pub), 0644);
    cr_assert_eq(vleo_curve_write_keypair("", &b, false, err, sizeof err), VLEO_CURVE_SYSTEM);
    rm_dir();
}

Test(curve, secret_key_mode_and_format_errors_name_the_file_not_the_key) {
    mk_dir();
    char key[192], err[512];
    vleo_curve_keypair_t kp;
    path_in(key, sizeof key, "s.key");
    char content[96];
    snprintf(content, sizeof content, "%s\n", k_rfc_secret);
    static const mode_t bad_modes[] = {0644, 0640, 0604, 0660, 0700 | 0004};
    for (size_t i = 0; i < sizeof bad_modes / sizeof bad_modes[0]; i++) {
        write_file(key, content, bad_modes[i]);
        cr_assert_eq(vleo_curve_read_secret(key, &kp, err, sizeof err), VLEO_CURVE_BAD_MODE,
                     "mode 0%o", (unsigned)bad_modes[i]);
        char want[256];
        snprintf(want, sizeof want, "%s: mode 0%03o: ", key, (unsigned)bad_modes[i]);
        cr_assert(strncmp(err, want, strlen(want)) == 0, "%s", err);
        cr_assert_eq(strstr(err, k_rfc_secret), NULL);
    }
    /* A public key file may be world-readable. */
    char p[VLEO_CURVE_Z85_LEN + 1];
    write_file(key, content, 0644);
    cr_assert_eq(vleo_curve_read_public(key, p, err, sizeof err), VLEO_CURVE_OK, "%s", err);
    static const struct {
        const char *content;
    } bad[] = {{""},
               {"\n"},
               {"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c\n"},   /* 39 */
               {"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%csX\n"}, /* 41 */
               {"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs\nsecond line\n"},
               {"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs \n"},
               {" D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs\n"},
               {"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs\n\n"},
               {"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c~\n"},
               {"#####IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs\n"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(key, bad[i].content, 0600);
        cr_assert_eq(vleo_curve_read_secret(key, &kp, err, sizeof err), VLEO_CURVE_BAD_FORMAT,
                     "case %zu", i);
        char want[256];
        snprintf(want, sizeof want, "%s:1: not a CURVE secret key", key);
        cr_assert(strncmp(err, want, strlen(want)) == 0, "%s", err);
        cr_assert_eq(strstr(err, "IlAW"), NULL, "the content is never shown: %s", err);
        cr_assert_eq(kp.secret_z85[0], '\0', "nothing half-read is left");
    }
    /* Too long to be a key at all. */
    char big[600];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    write_file(key, big, 0600);
    cr_assert_eq(vleo_curve_read_secret(key, &kp, err, sizeof err), VLEO_CURVE_BAD_FORMAT);
    /* Missing, or a directory. */
    char missing[192];
    path_in(missing, sizeof missing, "none.key");
    cr_assert_eq(vleo_curve_read_secret(missing, &kp, err, sizeof err), VLEO_CURVE_UNREADABLE);
    cr_assert(strstr(err, "none.key: cannot open: No such file") != NULL, "%s", err);
    cr_assert_eq(vleo_curve_read_secret(g_dir, &kp, err, sizeof err), VLEO_CURVE_UNREADABLE);
    cr_assert(strstr(err, "not a regular file") != NULL, "%s", err);
    rm_dir();
}

Test(curve, option_combinations) {
    static const struct {
        const char *secret, *allow, *server_key;
        bool binds, connects;
        const char *want; /* start of the message, NULL when consistent */
    } cases[] = {
        {NULL, NULL, NULL, true, true, NULL},
        {"s.key", "dir", NULL, true, false, NULL},
        {"s.key", NULL, "srv.pub", false, true, NULL},
        {"s.key", "dir", "srv.pub", true, true, NULL},
        {"s.key", "dir", NULL, true, true, NULL}, /* monitor: plain SUB, CURVE PUB */
        {"s.key", NULL, "srv.pub", true, true, NULL},
        {NULL, "dir", NULL, true, false, "--curve-allow needs --curve-secret"},
        {NULL, NULL, "srv.pub", false, true, "--curve-server-key needs --curve-secret"},
        {"s.key", NULL, NULL, true, false, "--curve-secret needs --curve-allow DIR"},
        {"s.key", NULL, NULL, false, true, "--curve-secret needs --curve-server-key"},
        {"s.key", NULL, NULL, true, true, "--curve-secret needs --curve-allow DIR (to serve)"},
        {"s.key", NULL, NULL, false, false, "--curve-secret: this run binds and connects no"},
        {"s.key", "dir", NULL, false, true, "--curve-allow: this run binds no socket"},
        {"s.key", NULL, "srv.pub", true, false, "--curve-server-key: this run connects no"},
        {"s.key", NULL, "srv.key", false, true, "--curve-server-key names a .key file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vleo_curve_opts_t o = {cases[i].secret, cases[i].allow, cases[i].server_key};
        const char *m = vleo_curve_opts_check(&o, cases[i].binds, cases[i].connects);
        if (cases[i].want == NULL) {
            cr_assert_null(m, "case %zu: %s", i, m);
        } else {
            cr_assert_not_null(m, "case %zu", i);
            cr_assert(strncmp(m, cases[i].want, strlen(cases[i].want)) == 0, "case %zu: %s", i, m);
        }
        cr_assert_eq(vleo_curve_opts_any(&o), i != 0);
    }
}

/* ---- the ZAP handler in process ---- */

/* Log lines from the handler's thread, kept for the assertions. */
static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_log[16384];
static size_t g_log_len;

static void capture_log(void *user, int level, const char *line) {
    (void)user;
    pthread_mutex_lock(&g_log_lock);
    int n = snprintf(g_log + g_log_len, sizeof g_log - g_log_len, "%d %s\n", level, line);
    if (n > 0 && (size_t)n < sizeof g_log - g_log_len) {
        g_log_len += (size_t)n;
    }
    pthread_mutex_unlock(&g_log_lock);
}

static bool log_has(const char *s) {
    pthread_mutex_lock(&g_log_lock);
    bool yes = strstr(g_log, s) != NULL;
    pthread_mutex_unlock(&g_log_lock);
    return yes;
}

static void log_clear(void) {
    pthread_mutex_lock(&g_log_lock);
    g_log[0] = '\0';
    g_log_len = 0;
    pthread_mutex_unlock(&g_log_lock);
}

/* Wait up to ms for a log line containing s. */
static bool wait_log(const char *s, int ms) {
    int64_t end = mono_ms() + ms;
    while (mono_ms() < end) {
        if (log_has(s)) {
            return true;
        }
        sleep_ms(10);
    }
    return log_has(s);
}

/* Write a key pair NAME.key/NAME.pub into g_dir/sub and return the pair. */
static vleo_curve_keypair_t new_keys(const char *sub, const char *name) {
    vleo_curve_keypair_t kp;
    char err[512], base[256];
    cr_assert_eq(vleo_curve_keypair_new(&kp, err, sizeof err), VLEO_CURVE_OK);
    snprintf(base, sizeof base, "%s/%s/%s", g_dir, sub, name);
    cr_assert_eq(vleo_curve_write_keypair(base, &kp, false, err, sizeof err), VLEO_CURVE_OK, "%s",
                 err);
    return kp;
}

static void mk_sub(const char *sub) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", g_dir, sub);
    cr_assert_eq(mkdir(p, 0755), 0, "%s", p);
}

/* An XPUB set up by the hook, bound on an ephemeral loopback port (written to ep). */
static void *bind_xpub(void *ctx, vleo_curve_t *cv, char *ep, size_t cap) {
    vleo_zsock_opts_t o;
    vleo_zsock_opts_default(&o);
    o.linger_ms = 0;
    o.setup = cv != NULL ? vleo_curve_setup_server : NULL;
    o.setup_arg = cv;
    char err[512];
    void *s = vleo_zsock_open(ctx, ZMQ_XPUB, &o, "tcp://127.0.0.1:*", true, err, sizeof err);
    cr_assert_not_null(s, "%s", err);
    int one = 1; /* every subscription reaches us, also one already made by another client */
    cr_assert_eq(zmq_setsockopt(s, ZMQ_XPUB_VERBOSE, &one, sizeof one), 0);
    cr_assert_eq(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &cap), 0);
    return s;
}

/* A SUB on its own context, CURVE client when kp is given, subscribed to everything. */
static void *client(void *ctx, const char *ep, const vleo_curve_keypair_t *kp,
                    const char *server_public) {
    void *s = zmq_socket(ctx, ZMQ_SUB);
    cr_assert_not_null(s);
    int zero = 0, timeout = 200;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    char err[512];
    if (kp != NULL) {
        cr_assert_eq(vleo_curve_apply_client(s, kp, server_public, err, sizeof err), 0, "%s", err);
    }
    cr_assert_eq(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0), 0);
    cr_assert_eq(zmq_connect(s, ep), 0);
    return s;
}

/* Subscriptions the XPUB receives within ms (each one a message). */
static int subscriptions(void *xpub, int ms) {
    int n = 0;
    int64_t end = mono_ms() + ms;
    for (int i = 0; i < 1000 && mono_ms() < end; i++) {
        zmq_pollitem_t pi = {xpub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&pi, 1, 20) > 0) {
            char b[64];
            if (zmq_recv(xpub, b, sizeof b, ZMQ_DONTWAIT) >= 1 && b[0] == 1) {
                n++;
            }
        }
    }
    return n;
}

/* Messages s receives (within its 200 ms timeout each), at most max. */
static int received(void *s, int max) {
    int n = 0;
    char b[64];
    while (n < max && zmq_recv(s, b, sizeof b, 0) >= 0) {
        n++;
    }
    return n;
}

Test(curve, zap_admits_allowed_keys_only_and_reloads, .timeout = 60) {
    mk_dir();
    log_clear();
    mk_sub("allow");
    mk_sub("keys");
    vleo_curve_keypair_t srv = new_keys("keys", "server");
    vleo_curve_keypair_t alice = new_keys("allow", "alice");
    vleo_curve_keypair_t bob = new_keys("keys", "bob");
    char secret[256], allow[256], err[512];
    snprintf(secret, sizeof secret, "%s/keys/server.key", g_dir);
    snprintf(allow, sizeof allow, "%s/allow", g_dir);
    /* alice.key in the allow directory is no public key: only *.pub files count. */
    vleo_curve_opts_t o = {secret, allow, NULL};
    int code = -1;
    vleo_curve_t *cv = vleo_curve_new(&o, capture_log, NULL, err, sizeof err, &code);
    cr_assert_not_null(cv, "%s", err);
    cr_assert_str_eq(vleo_curve_public(cv), srv.public_z85);
    void *ctx = zmq_ctx_new();
    cr_assert_eq(vleo_curve_start(cv, ctx, err, sizeof err), 0, "%s", err);
    char ep[128];
    void *xpub = bind_xpub(ctx, cv, ep, sizeof ep);
    void *cctx = zmq_ctx_new();

    /* bob and a plain-text client first: neither gets a subscription through. */
    void *c_bob = client(cctx, ep, &bob, srv.public_z85);
    void *c_plain = client(cctx, ep, NULL, NULL);
    char want[160];
    snprintf(want, sizeof want, "refused key %s from 127.0.0.1: not in the allow list",
             bob.public_z85);
    cr_assert(wait_log(want, 5000), "log: %s", g_log);
    cr_assert(wait_log("a client without CURVE", 5000) || wait_log("does not use CURVE", 1),
              "log: %s", g_log);
    cr_assert_eq(subscriptions(xpub, 300), 0);

    /* alice is admitted, subscribes, and receives every message; the others none. */
    void *c_alice = client(cctx, ep, &alice, srv.public_z85);
    cr_assert_eq(subscriptions(xpub, 3000), 1);
    snprintf(want, sizeof want, "admitted key %s (alice.pub) from 127.0.0.1", alice.public_z85);
    cr_assert(log_has(want), "log: %s", g_log);
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(zmq_send(xpub, "tm/x", 4, 0), 4);
    }
    cr_assert_eq(received(c_alice, 100), 20);
    cr_assert_eq(received(c_bob, 100), 0);
    cr_assert_eq(received(c_plain, 100), 0);
    vleo_curve_stats_t st;
    vleo_curve_stats(cv, &st);
    cr_assert_eq(st.admitted, 1);
    cr_assert_eq(st.refused_key, 1, "a refused CURVE client does not retry");
    cr_assert_eq(st.refused_other, 0);
    cr_assert_geq(st.handshake_failed, 1, "the plain-text client's attempts");
    cr_assert_eq(st.keys, 1);
    cr_assert_eq(st.reloads, 0);

    /* bob's public key is added: after a reload a new connection of his is admitted. */
    char from[256], to[256];
    snprintf(from, sizeof from, "%s/keys/bob.pub", g_dir);
    snprintf(to, sizeof to, "%s/allow/bob.pub", g_dir);
    cr_assert_eq(rename(from, to), 0);
    cr_assert_eq(vleo_curve_reload(cv), 0);
    cr_assert(log_has("reloaded: 2 keys (1 before)"), "log: %s", g_log);
    zmq_close(c_bob);
    c_bob = client(cctx, ep, &bob, srv.public_z85);
    cr_assert_eq(subscriptions(xpub, 3000), 1);
    cr_assert_eq(zmq_send(xpub, "tm/y", 4, 0), 4);
    cr_assert_eq(received(c_bob, 10), 1);
    cr_assert_eq(received(c_alice, 10), 1);
    vleo_curve_stats(cv, &st);
    cr_assert_eq(st.admitted, 2);
    cr_assert_eq(st.refused_key, 1);
    cr_assert_eq(st.keys, 2);
    cr_assert_eq(st.reloads, 1);

    /* A broken key file keeps the previous list, and says which file. */
    char broken[256];
    snprintf(broken, sizeof broken, "%s/allow/carol.pub", g_dir);
    write_file(broken, "not a key\n", 0644);
    cr_assert_eq(vleo_curve_reload(cv), -1);
    cr_assert(log_has("carol.pub:1: not a CURVE public key"), "log: %s", g_log);
    cr_assert(log_has("(keeping the previous 2 keys)"), "log: %s", g_log);
    /* An unreadable directory likewise. */
    char moved[256];
    snprintf(moved, sizeof moved, "%s/allow-gone", g_dir);
    cr_assert_eq(rename(allow, moved), 0);
    cr_assert_eq(vleo_curve_reload(cv), -1);
    cr_assert(log_has("cannot open the directory: No such file or directory"), "log: %s", g_log);
    vleo_curve_stats(cv, &st);
    cr_assert_eq(st.keys, 2);
    cr_assert_eq(st.reloads, 1);
    cr_assert_eq(st.reload_failures, 2);
    zmq_close(c_bob);
    zmq_close(c_alice);
    /* The list still admits alice after the failed reloads. */
    c_alice = client(cctx, ep, &alice, srv.public_z85);
    cr_assert_eq(subscriptions(xpub, 3000), 1);
    vleo_curve_stats(cv, &st);
    cr_assert_eq(st.admitted, 3);

    zmq_close(c_alice);
    zmq_close(c_plain);
    zmq_ctx_term(cctx);
    zmq_close(xpub);
    vleo_curve_destroy(&cv);
    cr_assert_null(cv);
    zmq_ctx_term(ctx);
    vleo_curve_keypair_wipe(&srv);
    rm_dir();
}

/* CURVE with a ZAP domain but no handler in the context: ZMQ_ZAP_ENFORCE_DOMAIN makes the
 * server refuse every client (without it libzmq 4.3 admits any key). */
Test(curve, server_without_handler_fails_closed, .timeout = 30) {
    vleo_curve_keypair_t srv, cli;
    char err[512];
    cr_assert_eq(vleo_curve_keypair_new(&srv, err, sizeof err), VLEO_CURVE_OK);
    cr_assert_eq(vleo_curve_keypair_new(&cli, err, sizeof err), VLEO_CURVE_OK);
    void *ctx = zmq_ctx_new();
    void *xpub = zmq_socket(ctx, ZMQ_XPUB);
    int zero = 0;
    zmq_setsockopt(xpub, ZMQ_LINGER, &zero, sizeof zero);
    cr_assert_eq(vleo_curve_apply_server(xpub, &srv, err, sizeof err), 0, "%s", err);
    cr_assert_eq(zmq_bind(xpub, "tcp://127.0.0.1:*"), 0);
    char ep[128];
    size_t cap = sizeof ep;
    cr_assert_eq(zmq_getsockopt(xpub, ZMQ_LAST_ENDPOINT, ep, &cap), 0);
    void *cctx = zmq_ctx_new();
    void *c = client(cctx, ep, &cli, srv.public_z85);
    cr_assert_eq(subscriptions(xpub, 1500), 0, "no handler: nobody is admitted");
    zmq_close(c);
    zmq_ctx_term(cctx);
    zmq_close(xpub);
    zmq_ctx_term(ctx);
}

/* A client through the hook reports the server's refusal of its key and counts it. */
Test(curve, client_reports_refusal, .timeout = 30) {
    mk_dir();
    log_clear();
    mk_sub("srv");
    mk_sub("cli");
    new_keys("srv", "server");
    vleo_curve_keypair_t cli = new_keys("cli", "client");
    char ssec[256], sallow[256], csec[256], cserver[256], err[512];
    snprintf(ssec, sizeof ssec, "%s/srv/server.key", g_dir);
    snprintf(sallow, sizeof sallow, "%s/srv", g_dir); /* holds server.pub only */
    snprintf(csec, sizeof csec, "%s/cli/client.key", g_dir);
    snprintf(cserver, sizeof cserver, "%s/srv/server.pub", g_dir);
    int code = -1;
    vleo_curve_opts_t so = {ssec, sallow, NULL};
    vleo_curve_t *scv = vleo_curve_new(&so, NULL, NULL, err, sizeof err, &code);
    cr_assert_not_null(scv, "%s", err);
    vleo_curve_opts_t co = {csec, NULL, cserver};
    vleo_curve_t *ccv = vleo_curve_new(&co, capture_log, NULL, err, sizeof err, &code);
    cr_assert_not_null(ccv, "%s", err);
    void *sctx = zmq_ctx_new(), *cctx = zmq_ctx_new();
    cr_assert_eq(vleo_curve_start(scv, sctx, err, sizeof err), 0, "%s", err);
    cr_assert_eq(vleo_curve_start(ccv, cctx, err, sizeof err), 0, "%s", err);
    char ep[128];
    void *xpub = bind_xpub(sctx, scv, ep, sizeof ep);
    vleo_zsock_opts_t o;
    vleo_zsock_opts_default(&o);
    o.linger_ms = 0;
    o.setup = vleo_curve_setup_client;
    o.setup_arg = ccv;
    void *sub = vleo_zsock_open(cctx, ZMQ_SUB, &o, ep, false, err, sizeof err);
    cr_assert_not_null(sub, "%s", err);
    char want[200];
    snprintf(want, sizeof want, "the server refused this client's key %s (status 400)",
             cli.public_z85);
    cr_assert(wait_log(want, 5000), "log: %s", g_log);
    vleo_curve_stats_t st;
    vleo_curve_stats(ccv, &st);
    cr_assert_eq(st.refused_by_server, 1);
    vleo_curve_stats(scv, &st);
    cr_assert_eq(st.refused_key, 1);
    cr_assert_eq(st.admitted, 0);
    /* A server hook without an allow list, or a client hook without a server key, refuse. */
    o.setup = vleo_curve_setup_server;
    cr_assert_null(vleo_zsock_open(cctx, ZMQ_XPUB, &o, "tcp://127.0.0.1:*", true, err, sizeof err));
    cr_assert(strstr(err, "a CURVE server needs --curve-secret and --curve-allow") != NULL, "%s",
              err);
    zmq_close(sub);
    zmq_close(xpub);
    vleo_curve_destroy(&ccv);
    vleo_curve_destroy(&scv);
    zmq_ctx_term(cctx);
    zmq_ctx_term(sctx);
    rm_dir();
}

Test(curve, allow_directory_errors) {
    mk_dir();
    mk_sub("keys");
    new_keys("keys", "server");
    char secret[256], allow[256], err[512];
    snprintf(secret, sizeof secret, "%s/keys/server.key", g_dir);
    snprintf(allow, sizeof allow, "%s/allow", g_dir);
    vleo_curve_opts_t o = {secret, allow, NULL};
    int code = -1;
    /* Missing: exit 3, naming the option and the directory. */
    cr_assert_null(vleo_curve_new(&o, NULL, NULL, err, sizeof err, &code));
    cr_assert_eq(code, 3);
    cr_assert(strstr(err, "--curve-allow ") == err && strstr(err, "/allow: cannot open") != NULL,
              "%s", err);
    /* Writable by everyone: refused (exit 2). */
    cr_assert_eq(mkdir(allow, 0755), 0);
    cr_assert_eq(chmod(allow, 0777), 0);
    cr_assert_null(vleo_curve_new(&o, NULL, NULL, err, sizeof err, &code));
    cr_assert_eq(code, 2);
    cr_assert(strstr(err, "writable by every user") != NULL, "%s", err);
    cr_assert_eq(chmod(allow, 0755), 0);
    /* Empty: accepted (every client refused), with hidden and non-.pub files ignored. */
    char p[300];
    snprintf(p, sizeof p, "%s/.hidden.pub", allow);
    write_file(p, "garbage", 0644);
    snprintf(p, sizeof p, "%s/notes.txt", allow);
    write_file(p, "garbage", 0644);
    vleo_curve_t *cv = vleo_curve_new(&o, NULL, NULL, err, sizeof err, &code);
    cr_assert_not_null(cv, "%s", err);
    vleo_curve_stats_t st;
    vleo_curve_stats(cv, &st);
    cr_assert_eq(st.keys, 0);
    vleo_curve_destroy(&cv);
    /* The same key under two names counts once; a broken .pub refuses the whole list. */
    vleo_curve_keypair_t a = new_keys("allow", "a");
    char line[64];
    snprintf(line, sizeof line, "%s\n", a.public_z85);
    snprintf(p, sizeof p, "%s/a-again.pub", allow);
    write_file(p, line, 0644);
    cv = vleo_curve_new(&o, NULL, NULL, err, sizeof err, &code);
    cr_assert_not_null(cv, "%s", err);
    vleo_curve_stats(cv, &st);
    cr_assert_eq(st.keys, 1);
    vleo_curve_destroy(&cv);
    snprintf(p, sizeof p, "%s/b.pub", allow);
    write_file(p, "short\n", 0644);
    cr_assert_null(vleo_curve_new(&o, NULL, NULL, err, sizeof err, &code));
    cr_assert_eq(code, 2);
    cr_assert(strstr(err, "/allow/b.pub:1: not a CURVE public key") != NULL, "%s", err);
    /* A secret key with a bad mode: exit 2 naming --curve-secret and the file. */
    cr_assert_eq(unlink(p), 0);
    cr_assert_eq(chmod(secret, 0644), 0);
    cr_assert_null(vleo_curve_new(&o, NULL, NULL, err, sizeof err, &code));
    cr_assert_eq(code, 2);
    char want[300];
    snprintf(want, sizeof want, "--curve-secret %s: mode 0644: ", secret);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "%s", err);
    rm_dir();
}
