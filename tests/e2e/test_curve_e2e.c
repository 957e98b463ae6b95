/* test_curve_e2e.c: CURVE end to end with the real programs over tcp://127.0.0.1: vleo-keygen's
 * files, vleo-decoder admitting only the subscribers its allow directory lists (vleo-tail and
 * test sockets), SIGHUP reloading that list, vleo-monitor as client of the decoder and server
 * of its alerts, and the errors for unsafe key files and inconsistent options. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "e2e.h"
#include "vleo.pb-c.h"
#include "vleo/curve.h"

#define DEC VLEO_BIN_DIR "/vleo-decoder"
#define TAIL VLEO_BIN_DIR "/vleo-tail"
#define KEYGEN VLEO_BIN_DIR "/../common/vleo-keygen"
#define MON VLEO_MON_BIN_DIR "/vleo-monitor"
#define REPLAY VLEO_MON_BIN_DIR "/vleo-replay"
#define PASS VLEO_SOURCE_DIR "/captures/sample-pass.pcap"
#define FAULT VLEO_SOURCE_DIR "/captures/thruster-fault.pcap"
#define XTCE VLEO_SOURCE_DIR "/captures/sample-pass.xml"
#define YAML VLEO_SOURCE_DIR "/captures/sample-pass.yaml"
#define PASS_PACKETS 835 /* sample-pass.pcap: 855 packets, 20 of them idle (not published) */

static char g_dir[128];

static void setup_dir(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/vleo-curve-e2e-%d-XXXXXX", (int)getpid());
    cr_assert_not_null(mkdtemp(g_dir));
}

static void remove_dir(void) {
    if (g_dir[0] != '\0') {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "cannot remove %s\n", g_dir);
        }
        g_dir[0] = '\0';
    }
}

/* The programs under test live at file scope so that the suite's fini stops them and removes
 * the keys even when an assertion ends a test early. */
static e2e_proc_t g_dec, g_mon, g_tail;

static void suite_fini(void) {
    e2e_cleanup(&g_dec);
    e2e_cleanup(&g_mon);
    e2e_cleanup(&g_tail);
    remove_dir();
}

TestSuite(curve_e2e, .fini = suite_fini);

/* g_dir/name into a static rotating buffer (several may be live in one call). */
static const char *in_dir(const char *name) {
    static char bufs[16][256];
    static unsigned next;
    char *b = bufs[next++ % 16];
    snprintf(b, sizeof bufs[0], "%s/%s", g_dir, name);
    return b;
}

static void mk_subdir(const char *name) {
    cr_assert_eq(mkdir(in_dir(name), 0755), 0);
}

/* Run a program to its end (bounded) and return its exit code; stderr into *err (malloc'd)
 * and stdout into *out when asked. */
static int run(char *const argv[], int timeout_ms, char **out, char **err) {
    e2e_proc_t p = {0};
    cr_assert_eq(e2e_spawn(&p, argv), 0, "cannot run %s", argv[0]);
    int rc = e2e_wait(&p, timeout_ms);
    if (out != NULL) {
        *out = e2e_slurp(p.out_path, NULL);
    }
    if (err != NULL) {
        *err = e2e_slurp(p.err_path, NULL);
    }
    e2e_cleanup(&p);
    return rc;
}

/* vleo-keygen DIR/NAME, which must succeed. */
static void keygen(const char *name) {
    char *argv[] = {KEYGEN, (char *)in_dir(name), NULL};
    char *err = NULL;
    int rc = run(argv, 20000, NULL, &err);
    cr_assert_eq(rc, 0, "vleo-keygen %s: %s", name, err ? err : "");
    free(err);
}

static void copy_file(const char *from, const char *to) {
    char *s = e2e_slurp(from, NULL);
    cr_assert_not_null(s, "%s", from);
    FILE *f = fopen(to, "wb");
    cr_assert_not_null(f, "%s", to);
    cr_assert_geq(fputs(s, f), 0);
    fclose(f);
    free(s);
}

static vleo_curve_keypair_t read_pair(const char *key_name) {
    vleo_curve_keypair_t kp;
    char err[512];
    cr_assert_eq(vleo_curve_read_secret(in_dir(key_name), &kp, err, sizeof err), VLEO_CURVE_OK,
                 "%s", err);
    return kp;
}

static void read_pub(const char *name, char *out) {
    char err[512];
    cr_assert_eq(vleo_curve_read_public(in_dir(name), out, err, sizeof err), VLEO_CURVE_OK, "%s",
                 err);
}

/* Wait (bounded) until the file at path contains text. */
static bool wait_text(const char *path, const char *text, int timeout_ms) {
    int64_t end = e2e_mono_ms() + timeout_ms;
    for (int i = 0; i < 100000; i++) {
        char *s = e2e_slurp(path, NULL);
        bool yes = s != NULL && strstr(s, text) != NULL;
        free(s);
        if (yes) {
            return true;
        }
        if (e2e_mono_ms() > end) {
            return false;
        }
        e2e_sleep_ms(20);
    }
    return false;
}

/* The value of counter `name` in a decoder summary ("name=value"), or -1. */
static long long summary_counter(const char *summary, const char *name) {
    char pat[96];
    snprintf(pat, sizeof pat, " %s=", name);
    const char *p = strstr(summary, pat);
    if (p == NULL) {
        snprintf(pat, sizeof pat, "\n    %s=", name);
        p = strstr(summary, pat);
    }
    return p == NULL ? -1 : strtoll(p + strlen(pat), NULL, 10);
}

/* A SUB of ours: a CURVE client when kp is given, subscribed to everything, receive timeout
 * rcv_ms, connected to endpoint. */
static void *sub_socket(void *ctx, const char *endpoint, const vleo_curve_keypair_t *kp,
                        const char *server_public, int rcv_ms) {
    void *s = zmq_socket(ctx, ZMQ_SUB);
    cr_assert_not_null(s);
    int zero = 0, hwm = 1000000;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &rcv_ms, sizeof rcv_ms);
    if (kp != NULL) {
        char err[512];
        cr_assert_eq(vleo_curve_apply_client(s, kp, server_public, err, sizeof err), 0, "%s", err);
    }
    cr_assert_eq(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0), 0);
    cr_assert_eq(zmq_connect(s, endpoint), 0);
    return s;
}

/* Every message s still gets within its receive timeout (bounded count). */
static int drain(void *s) {
    int n = 0;
    e2e_msg_t m;
    while (n < 100000 && e2e_recv2(s, &m) == 0) {
        e2e_msg_free(&m);
        n++;
    }
    return n;
}

static void endpoint(char *buf, size_t cap) {
    int port = e2e_free_port(SOCK_STREAM);
    cr_assert_gt(port, 0);
    snprintf(buf, cap, "tcp://127.0.0.1:%d", port);
}

Test(curve_e2e, keygen_writes_0600_and_0644_and_never_overwrites, .timeout = 60) {
    setup_dir();
    keygen("op");
    struct stat st;
    cr_assert_eq(stat(in_dir("op.key"), &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600);
    cr_assert_eq(st.st_size, 41, "40 Z85 characters and a newline");
    cr_assert_eq(stat(in_dir("op.pub"), &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0644);
    cr_assert_eq(st.st_size, 41);
    /* The public key is the one the secret gives. */
    vleo_curve_keypair_t kp = read_pair("op.key");
    char pub[VLEO_CURVE_Z85_LEN + 1];
    read_pub("op.pub", pub);
    cr_assert_str_eq(kp.public_z85, pub);
    char *key_before = e2e_slurp(in_dir("op.key"), NULL);
    /* A second run refuses (exit 1) and changes nothing. */
    char *argv[] = {KEYGEN, (char *)in_dir("op"), NULL};
    char *err = NULL;
    cr_assert_eq(run(argv, 20000, NULL, &err), 1);
    cr_assert(strstr(err, "op.pub: exists: not overwritten (--force replaces it)") != NULL, "%s",
              err);
    free(err);
    char *key_after = e2e_slurp(in_dir("op.key"), NULL);
    cr_assert_str_eq(key_after, key_before);
    free(key_after);
    /* --force replaces both with a new pair. */
    char *fargv[] = {KEYGEN, "--force", (char *)in_dir("op"), NULL};
    char *out = NULL;
    cr_assert_eq(run(fargv, 20000, &out, NULL), 0);
    key_after = e2e_slurp(in_dir("op.key"), NULL);
    cr_assert_str_neq(key_after, key_before);
    vleo_curve_keypair_t kp2 = read_pair("op.key");
    read_pub("op.pub", pub);
    cr_assert_str_eq(kp2.public_z85, pub);
    cr_assert(strstr(out, pub) != NULL, "the public key is shown: %s", out);
    cr_assert(strstr(out, kp2.secret_z85) == NULL, "the secret never is: %s", out);
    cr_assert_eq(stat(in_dir("op.key"), &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600);
    free(out);
    free(key_before);
    free(key_after);
    /* Usage: no NAME, two NAMEs, unknown option: exit 2; --help: exit 0. */
    char *u1[] = {KEYGEN, NULL};
    char *u2[] = {KEYGEN, "a", "b", NULL};
    char *u3[] = {KEYGEN, "--bogus", "a", NULL};
    char *h[] = {KEYGEN, "--help", NULL};
    cr_assert_eq(run(u1, 20000, NULL, NULL), 2);
    cr_assert_eq(run(u2, 20000, NULL, NULL), 2);
    cr_assert_eq(run(u3, 20000, NULL, NULL), 2);
    cr_assert_eq(run(h, 20000, &out, NULL), 0);
    cr_assert(strstr(out, "usage: vleo-keygen") != NULL);
    free(out);
    vleo_curve_keypair_wipe(&kp);
    vleo_curve_keypair_wipe(&kp2);
    remove_dir();
}

/* The decoder's keys, an allow directory with the tail's public key, and a stranger's pair
 * that nobody allows. */
static void station_keys(void) {
    keygen("decoder");
    keygen("tail");
    keygen("stranger");
    mk_subdir("allow");
    copy_file(in_dir("tail.pub"), in_dir("allow/tail.pub"));
}

Test(curve_e2e, decoder_publishes_to_allowed_subscribers_only, .timeout = 180) {
    setup_dir();
    station_keys();
    char ep[64];
    endpoint(ep, sizeof ep);
    char *dargv[] = {DEC,
                     "--pcap",
                     PASS,
                     "--time-code",
                     "cuc",
                     "--pub",
                     ep,
                     "--no-drop",
                     "--wait-subscriber",
                     "60",
                     "--curve-secret",
                     (char *)in_dir("decoder.key"),
                     "--curve-allow",
                     (char *)in_dir("allow"),
                     NULL};
    e2e_proc_t *dec = &g_dec;
    cr_assert_eq(e2e_spawn(dec, dargv), 0);
    /* First an unknown key and a plain-text subscriber: both refused, and logged. */
    char server_pub[VLEO_CURVE_Z85_LEN + 1];
    read_pub("decoder.pub", server_pub);
    vleo_curve_keypair_t stranger = read_pair("stranger.key");
    void *zctx = zmq_ctx_new();
    void *s_stranger = sub_socket(zctx, ep, &stranger, server_pub, 300);
    void *s_plain = sub_socket(zctx, ep, NULL, NULL, 300);
    char want[200];
    snprintf(want, sizeof want, "refused key %s from 127.0.0.1: not in the allow list",
             stranger.public_z85);
    cr_assert(wait_text(dec->err_path, want, 30000), "decoder log: %s",
              e2e_slurp(dec->err_path, NULL));
    cr_assert(wait_text(dec->err_path, "a client without CURVE", 30000), "decoder log: %s",
              e2e_slurp(dec->err_path, NULL));
    /* Then vleo-tail with its allowed key: it receives every packet. */
    char *targv[] = {TAIL,
                     "--curve-secret",
                     (char *)in_dir("tail.key"),
                     "--curve-server-key",
                     (char *)in_dir("decoder.pub"),
                     "--count",
                     "835",
                     "--timeout",
                     "90",
                     ep,
                     "tm/",
                     NULL};
    char *out = NULL, *terr = NULL;
    int trc = run(targv, 120000, &out, &terr);
    cr_assert_eq(trc, 0, "vleo-tail: %s", terr ? terr : "");
    cr_assert_eq(e2e_count_lines(out), PASS_PACKETS);
    cr_assert(strstr(terr, "CURVE handshake done") != NULL, "%s", terr);
    free(out);
    free(terr);
    cr_assert_eq(e2e_wait(dec, 60000), 0);
    char *derr = e2e_slurp(dec->err_path, NULL);
    cr_assert_not_null(derr);
    char tail_pub[VLEO_CURVE_Z85_LEN + 1];
    read_pub("tail.pub", tail_pub);
    snprintf(want, sizeof want, "admitted key %s (tail.pub) from 127.0.0.1", tail_pub);
    cr_assert(strstr(derr, want) != NULL, "%s", derr);
    cr_assert_eq(summary_counter(derr, "published"), PASS_PACKETS, "%s", derr);
    cr_assert_eq(summary_counter(derr, "curve_admitted"), 1, "%s", derr);
    cr_assert_eq(summary_counter(derr, "curve_refused_key"), 1, "%s", derr);
    cr_assert_geq(summary_counter(derr, "curve_handshake_failed"), 1, "%s", derr);
    /* The secret never reaches the log. */
    char *secret = e2e_slurp(in_dir("decoder.key"), NULL);
    secret[VLEO_CURVE_Z85_LEN] = '\0';
    cr_assert_null(strstr(derr, secret));
    free(secret);
    free(derr);
    /* The refused subscribers got nothing at all. */
    cr_assert_eq(drain(s_stranger), 0);
    cr_assert_eq(drain(s_plain), 0);
    zmq_close(s_stranger);
    zmq_close(s_plain);
    zmq_ctx_term(zctx);
    e2e_cleanup(dec);
    vleo_curve_keypair_wipe(&stranger);
    remove_dir();
}

Test(curve_e2e, sighup_admits_a_newly_allowed_key, .timeout = 180) {
    setup_dir();
    station_keys();
    char ep[64];
    endpoint(ep, sizeof ep);
    char *dargv[] = {DEC,
                     "--pcap",
                     PASS,
                     "--time-code",
                     "cuc",
                     "--pub",
                     ep,
                     "--no-drop",
                     "--wait-subscriber",
                     "90",
                     "--curve-secret",
                     (char *)in_dir("decoder.key"),
                     "--curve-allow",
                     (char *)in_dir("allow"),
                     NULL};
    e2e_proc_t *dec = &g_dec;
    cr_assert_eq(e2e_spawn(dec, dargv), 0);
    char server_pub[VLEO_CURVE_Z85_LEN + 1];
    read_pub("decoder.pub", server_pub);
    vleo_curve_keypair_t stranger = read_pair("stranger.key");
    void *zctx = zmq_ctx_new();
    void *s1 = sub_socket(zctx, ep, &stranger, server_pub, 300);
    char want[200];
    snprintf(want, sizeof want, "refused key %s", stranger.public_z85);
    cr_assert(wait_text(dec->err_path, want, 30000), "%s", e2e_slurp(dec->err_path, NULL));
    zmq_close(s1);
    /* The operator allows the key and sends SIGHUP. */
    copy_file(in_dir("stranger.pub"), in_dir("allow/stranger.pub"));
    cr_assert_eq(e2e_signal(dec, SIGHUP), 0);
    cr_assert(wait_text(dec->err_path, "reloaded: 2 keys (1 before)", 30000), "%s",
              e2e_slurp(dec->err_path, NULL));
    /* The same key, connecting again, is admitted and receives every packet. */
    void *s2 = sub_socket(zctx, ep, &stranger, server_pub, 5000);
    int packets = 0;
    for (int i = 0; i < 100000; i++) {
        e2e_msg_t m;
        if (e2e_recv2(s2, &m) != 0) {
            break;
        }
        packets += strncmp(m.topic, "tm/", 3) == 0;
        bool final = false;
        if (strncmp(m.topic, "stats/decoder/", 14) == 0) {
            Vleo__V1__DecoderStats *ds = vleo__v1__decoder_stats__unpack(NULL, m.len, m.body);
            cr_assert_not_null(ds);
            final = ds->has_final && ds->final;
            vleo__v1__decoder_stats__free_unpacked(ds, NULL);
        }
        e2e_msg_free(&m);
        if (final) {
            break;
        }
    }
    cr_assert_eq(packets, PASS_PACKETS);
    cr_assert_eq(e2e_wait(dec, 60000), 0);
    char *derr = e2e_slurp(dec->err_path, NULL);
    snprintf(want, sizeof want, "admitted key %s (stranger.pub)", stranger.public_z85);
    cr_assert(strstr(derr, want) != NULL, "%s", derr);
    cr_assert_eq(summary_counter(derr, "curve_admitted"), 1, "%s", derr);
    cr_assert_eq(summary_counter(derr, "curve_refused_key"), 1, "%s", derr);
    cr_assert_eq(summary_counter(derr, "curve_reloads"), 1, "%s", derr);
    free(derr);
    zmq_close(s2);
    zmq_ctx_term(zctx);
    e2e_cleanup(dec);
    vleo_curve_keypair_wipe(&stranger);
    remove_dir();
}

Test(curve_e2e, monitor_subscribes_and_publishes_alerts_with_curve, .timeout = 240) {
    setup_dir();
    keygen("decoder");
    keygen("monitor");
    keygen("operator");
    keygen("stranger");
    mk_subdir("decoder-allow");
    mk_subdir("monitor-allow");
    copy_file(in_dir("monitor.pub"), in_dir("decoder-allow/monitor.pub"));
    copy_file(in_dir("operator.pub"), in_dir("monitor-allow/operator.pub"));
    char dep[64], mep[64];
    endpoint(dep, sizeof dep);
    endpoint(mep, sizeof mep);
    char *margv[] = {MON,
                     "--config",
                     YAML,
                     "--sub",
                     dep,
                     "--pub",
                     mep,
                     "--alerts",
                     "none",
                     "--exit-on-final",
                     "--packet-clock",
                     "--curve-secret",
                     (char *)in_dir("monitor.key"),
                     "--curve-server-key",
                     (char *)in_dir("decoder.pub"),
                     "--curve-allow",
                     (char *)in_dir("monitor-allow"),
                     NULL};
    e2e_proc_t *mon = &g_mon, *dec = &g_dec;
    cr_assert_eq(e2e_spawn(mon, margv), 0);
    char mon_pub[VLEO_CURVE_Z85_LEN + 1];
    read_pub("monitor.pub", mon_pub);
    vleo_curve_keypair_t op = read_pair("operator.key");
    vleo_curve_keypair_t stranger = read_pair("stranger.key");
    void *zctx = zmq_ctx_new();
    void *s_op = sub_socket(zctx, mep, &op, mon_pub, 5000);
    void *s_stranger = sub_socket(zctx, mep, &stranger, mon_pub, 300);
    void *s_plain = sub_socket(zctx, mep, NULL, NULL, 300);
    char want[200];
    snprintf(want, sizeof want, "admitted key %s (operator.pub)", op.public_z85);
    cr_assert(wait_text(mon->err_path, want, 30000), "%s", e2e_slurp(mon->err_path, NULL));
    snprintf(want, sizeof want, "refused key %s from 127.0.0.1", stranger.public_z85);
    cr_assert(wait_text(mon->err_path, want, 30000), "%s", e2e_slurp(mon->err_path, NULL));
    e2e_sleep_ms(300); /* the admitted subscription reaches the monitor's PUB */
    char *dargv[] = {DEC,
                     "--pcap",
                     FAULT,
                     "--mdb",
                     XTCE,
                     "--spacecraft",
                     "QK1",
                     "--time-code",
                     "cuc",
                     "--pub",
                     dep,
                     "--no-drop",
                     "--wait-subscriber",
                     "60",
                     "--curve-secret",
                     (char *)in_dir("decoder.key"),
                     "--curve-allow",
                     (char *)in_dir("decoder-allow"),
                     NULL};
    cr_assert_eq(e2e_spawn(dec, dargv), 0);
    cr_assert_eq(e2e_wait(dec, 120000), 0, "%s", e2e_slurp(dec->err_path, NULL));
    int mrc = e2e_wait(mon, 60000);
    char *merr = e2e_slurp(mon->err_path, NULL);
    cr_assert_eq(mrc, 0, "vleo-monitor: %s", merr);
    cr_assert(strstr(merr, "tcp://127.0.0.1") != NULL && strstr(merr, "CURVE handshake done"),
              "the monitor's SUB is a CURVE client: %s", merr);
    cr_assert(strstr(merr, " 0 missing on the bus") != NULL, "%s", merr);
    free(merr);
    char *derr = e2e_slurp(dec->err_path, NULL);
    snprintf(want, sizeof want, "admitted key %s (monitor.pub)", mon_pub);
    cr_assert(strstr(derr, want) != NULL, "%s", derr);
    free(derr);
    /* The operator gets the three alerts of thruster-fault.pcap and the monitor's stats. */
    int alerts = 0;
    bool final = false;
    for (int i = 0; i < 10000 && !final; i++) {
        e2e_msg_t m;
        if (e2e_recv2(s_op, &m) != 0) {
            break;
        }
        if (strncmp(m.topic, "alert/QK1/", 10) == 0) {
            alerts++;
        }
        if (strcmp(m.topic, "stats/monitor") == 0) {
            Vleo__V1__MonitorStats *ms = vleo__v1__monitor_stats__unpack(NULL, m.len, m.body);
            cr_assert_not_null(ms);
            final = ms->has_final && ms->final;
            vleo__v1__monitor_stats__free_unpacked(ms, NULL);
        }
        e2e_msg_free(&m);
    }
    cr_assert(final, "the final MonitorStats arrived");
    cr_assert_eq(alerts, 3);
    cr_assert_eq(drain(s_stranger), 0);
    cr_assert_eq(drain(s_plain), 0);
    zmq_close(s_op);
    zmq_close(s_stranger);
    zmq_close(s_plain);
    zmq_ctx_term(zctx);
    e2e_cleanup(dec);
    e2e_cleanup(mon);
    vleo_curve_keypair_wipe(&op);
    vleo_curve_keypair_wipe(&stranger);
    remove_dir();
}

/* Exit code and stderr of a program expected to stop before doing anything. */
static int quick(char *const argv[], char **err) {
    return run(argv, 30000, NULL, err);
}

Test(curve_e2e, unsafe_key_files_and_inconsistent_options_are_refused, .timeout = 180) {
    setup_dir();
    station_keys();
    cr_assert_eq(chmod(in_dir("decoder.key"), 0644), 0);
    char ep[64];
    endpoint(ep, sizeof ep);
    char *key = (char *)in_dir("decoder.key");
    char *allow = (char *)in_dir("allow");
    char *server = (char *)in_dir("decoder.pub");
    char want[320];
    snprintf(want, sizeof want,
             "--curve-secret %s: mode 0644: a secret key file must not be "
             "open to group or others",
             key);
    /* A secret key readable by others: exit 2 naming the file, in every program. */
    char *d[] = {DEC, "--pcap",        PASS,  "--pub", ep, "--curve-secret",
                 key, "--curve-allow", allow, NULL};
    char *t[] = {TAIL, "--curve-secret", key, "--curve-server-key", server, ep, NULL};
    char *m[] = {MON, "--config",           YAML,   "--sub", ep, "--pub", "none", "--curve-secret",
                 key, "--curve-server-key", server, NULL};
    char *r[] = {REPLAY,          PASS,  "--mdb",   XTCE, "--config",       YAML,
                 "--time-code",   "cuc", "--pub",   ep,   "--curve-secret", key,
                 "--curve-allow", allow, "--quiet", NULL};
    char *const *progs[] = {d, t, m, r};
    for (size_t i = 0; i < 4; i++) {
        char *err = NULL;
        int rc = quick(progs[i], &err);
        cr_assert_eq(rc, 2, "%s: %s", progs[i][0], err);
        cr_assert(strstr(err, want) != NULL, "%s: %s", progs[i][0], err);
        free(err);
    }
    cr_assert_eq(chmod(in_dir("decoder.key"), 0600), 0);
    /* A missing key file: exit 3. */
    char *d3[] = {DEC,
                  "--pcap",
                  PASS,
                  "--pub",
                  ep,
                  "--curve-secret",
                  (char *)in_dir("none.key"),
                  "--curve-allow",
                  allow,
                  NULL};
    char *err = NULL;
    cr_assert_eq(quick(d3, &err), 3, "%s", err);
    cr_assert(strstr(err, "none.key: cannot open") != NULL, "%s", err);
    free(err);
    /* Inconsistent combinations: usage errors naming the option. */
    static const struct {
        const char *argv[16];
        const char *want;
    } cases[] = {
        {{DEC, "--pcap", PASS, "--curve-allow", "DIR", NULL}, "--curve-allow needs --curve-secret"},
        {{DEC, "--pcap", PASS, "--curve-secret", "K", NULL}, "--curve-secret needs --curve-allow"},
        {{DEC, "--pcap", PASS, "--pub", "none", "--curve-secret", "K", "--curve-allow", "D", NULL},
         "--curve-allow: this run binds no socket"},
        {{DEC, "--pcap", PASS, "--pub", "none", "--curve-secret", "K", NULL},
         "--curve-secret: this run binds and connects no socket"},
        {{DEC, "--pcap", PASS, "--pub", "tcp://0.0.0.0:5556", NULL},
         "add --curve-secret and --curve-allow to authenticate subscribers, or --insecure"},
        {{TAIL, "--curve-secret", "K", "tcp://127.0.0.1:1", NULL},
         "--curve-secret needs --curve-server-key"},
        {{TAIL, "--curve-allow", "D", "--curve-secret", "K", "tcp://127.0.0.1:1", NULL},
         "--curve-allow: this run binds no socket"},
        {{TAIL, "--bind", "--curve-secret", "K", "--curve-server-key", "S", "tcp://127.0.0.1:1",
          NULL},
         "--curve-server-key: this run connects no socket"},
        {{TAIL, "--curve-secret", "K", "--curve-server-key", "srv.key", "tcp://127.0.0.1:1", NULL},
         "--curve-server-key names a .key file"},
        {{MON, "--config", YAML, "--curve-server-key", "S", NULL},
         "--curve-server-key needs --curve-secret"},
        {{MON, "--config", YAML, "--pub", "none", "--curve-secret", "K", "--curve-allow", "D",
          NULL},
         "--curve-allow: this run binds no socket"},
        {{REPLAY, PASS, "--mdb", XTCE, "--config", YAML, "--curve-secret", "K", "--curve-allow",
          "D", NULL},
         "--curve-allow: this run binds no socket"},
        {{REPLAY, PASS, "--mdb", XTCE, "--config", YAML, "--pub", "tcp://0.0.0.0:5557", NULL},
         "or --insecure"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err = NULL;
        int rc = quick((char *const *)cases[i].argv, &err);
        cr_assert_eq(rc, 2, "case %zu: %s", i, err);
        cr_assert(strstr(err, cases[i].want) != NULL, "case %zu: %s", i, err);
        free(err);
    }
    /* With CURVE a non-loopback --pub needs no --insecure: the options pass, and the bind of
     * an address this host does not have (TEST-NET-1) is what fails, at run time (exit 1). */
    char *nl[] = {DEC, "--pcap",        PASS,  "--pub", "tcp://192.0.2.1:5556", "--curve-secret",
                  key, "--curve-allow", allow, NULL};
    err = NULL;
    cr_assert_eq(quick(nl, &err), 1, "%s", err);
    cr_assert(strstr(err, "cannot bind tcp://192.0.2.1:5556") != NULL, "%s", err);
    free(err);
    remove_dir();
}

/* vleo-tail --bind is the CURVE server: only publishers with an allowed key get through. */
Test(curve_e2e, tail_bound_admits_allowed_publishers_only, .timeout = 120) {
    setup_dir();
    station_keys(); /* allow/ holds tail.pub: here the tail serves, "tail" is the publisher */
    keygen("listener");
    char ep[64];
    endpoint(ep, sizeof ep);
    char *targv[] = {TAIL,
                     "--bind",
                     "--curve-secret",
                     (char *)in_dir("listener.key"),
                     "--curve-allow",
                     (char *)in_dir("allow"),
                     "--count",
                     "1",
                     "--timeout",
                     "60",
                     ep,
                     NULL};
    e2e_proc_t *tail = &g_tail;
    cr_assert_eq(e2e_spawn(tail, targv), 0);
    char listener_pub[VLEO_CURVE_Z85_LEN + 1];
    read_pub("listener.pub", listener_pub);
    vleo_curve_keypair_t good = read_pair("tail.key");
    vleo_curve_keypair_t bad = read_pair("stranger.key");
    void *zctx = zmq_ctx_new();
    void *pubs[2];
    const vleo_curve_keypair_t *keys[2] = {&bad, &good};
    for (int i = 0; i < 2; i++) {
        pubs[i] = zmq_socket(zctx, ZMQ_PUB);
        int zero = 0;
        zmq_setsockopt(pubs[i], ZMQ_LINGER, &zero, sizeof zero);
        char err[512];
        cr_assert_eq(vleo_curve_apply_client(pubs[i], keys[i], listener_pub, err, sizeof err), 0);
        cr_assert_eq(zmq_connect(pubs[i], ep), 0);
    }
    /* The stranger publishes first and keeps publishing: nothing of it is printed. */
    char want[200];
    snprintf(want, sizeof want, "refused key %s", bad.public_z85);
    int rc = -1;
    for (int i = 0; i < 1200 && rc == -1; i++) {
        zmq_send(pubs[0], "bad/x", 5, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send(pubs[0], "B", 1, ZMQ_DONTWAIT);
        if (wait_text(tail->err_path, want, 0)) {
            zmq_send(pubs[1], "good/x", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_send(pubs[1], "G", 1, ZMQ_DONTWAIT);
        }
        e2e_sleep_ms(50);
        int status;
        if (waitpid(tail->pid, &status, WNOHANG) == tail->pid) {
            tail->pid = 0;
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : -2;
        }
    }
    cr_assert_eq(rc, 0, "%s", e2e_slurp(tail->err_path, NULL));
    char *out = e2e_slurp(tail->out_path, NULL);
    cr_assert_str_eq(out, "{\"topic\":\"good/x\",\"size\":1,\"hex\":\"47\"}\n");
    free(out);
    for (int i = 0; i < 2; i++) {
        zmq_close(pubs[i]);
    }
    zmq_ctx_term(zctx);
    e2e_cleanup(tail);
    vleo_curve_keypair_wipe(&good);
    vleo_curve_keypair_wipe(&bad);
    remove_dir();
}
