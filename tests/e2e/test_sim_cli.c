/* test_sim_cli.c: end-to-end tests of the vleo-sim program (DESIGN section 6, issue 6): a
 * one-hour scenario to pcap, deterministic bytes, the capture through the real vleo-decoder
 * with sim/vleo-sim.xml, the same packets live over UDP and TCP, exit codes. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e.h"

#define SIM VLEO_SIM_BIN_DIR "/vleo-sim"
#define DECODER VLEO_BIN_DIR "/vleo-decoder"
#define MDB VLEO_SOURCE_DIR "/sim/vleo-sim.xml"
#define RUN_TIMEOUT_MS 20000
/* One hour at the default rates: GNSS every 10 s, PROP and EPS every 30 s, idle every 60 s. */
#define N_GNSS 360
#define N_PROP 120
#define N_EPS 120
#define N_IDLE 60
#define N_ALL (N_GNSS + N_PROP + N_EPS + N_IDLE)
#define NET_HDRS 42 /* Ethernet + IPv4 + UDP in the capture */

static char dir[64];
static char scn[128];

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fputs(text, f) >= 0, true);
    cr_assert_eq(fclose(f), 0);
}

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/simtm_e2e_%d", (int)getpid());
    cr_assert_eq(mkdir(dir, 0700) == 0 || errno == EEXIST, true);
    snprintf(scn, sizeof scn, "%s/tiny.yaml", dir);
    write_file(scn, "# one quiet hour with the default physics\n"
                    "name: tiny\n"
                    "description: One quiet hour at 250 km.\n"
                    "duration_h: 1\n");
}

static void teardown(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(sim_cli, .init = setup, .fini = teardown, .timeout = 60);

typedef struct {
    int code;
    char *out;
    char *err;
} run_t;

static run_t run(char *const argv[]) {
    e2e_proc_t p = {0};
    cr_assert_eq(e2e_spawn(&p, argv), 0, "cannot start %s", argv[0]);
    run_t r;
    r.code = e2e_wait(&p, RUN_TIMEOUT_MS);
    r.out = e2e_slurp(p.out_path, NULL);
    r.err = e2e_slurp(p.err_path, NULL);
    e2e_cleanup(&p);
    cr_assert_not_null(r.out);
    cr_assert_not_null(r.err);
    return r;
}

static void run_free(run_t *r) {
    free(r->out);
    free(r->err);
}

/* vleo-sim on the tiny scenario into path with extra options; must succeed quietly. */
static void sim_to_pcap(const char *path, const char *seed) {
    char *argv[12] = {SIM, "--scenario", scn, "--out", (char *)path, "--no-progress"};
    int a = 6;
    if (seed != NULL) {
        argv[a++] = "--seed";
        argv[a++] = (char *)seed;
    }
    argv[a] = NULL;
    run_t r = run(argv);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_eq(r.err[0], '\0', "stderr: %s", r.err);
    cr_assert_not_null(strstr(r.out, "tiny: 660 packets"), "%s", r.out);
    run_free(&r);
}

/* The space packets of a capture written by vleo-sim, concatenated (one per record). */
static uint8_t *capture_payloads(const char *path, size_t *len, size_t *records) {
    size_t n = 0;
    uint8_t *f = (uint8_t *)e2e_slurp(path, &n);
    cr_assert_not_null(f, "%s", path);
    uint8_t *out = malloc(n);
    cr_assert_not_null(out);
    size_t off = 24, o = 0, k = 0;
    while (off + 16 <= n) {
        uint32_t incl = (uint32_t)f[off + 8] | (uint32_t)f[off + 9] << 8 |
                        (uint32_t)f[off + 10] << 16 | (uint32_t)f[off + 11] << 24;
        cr_assert(off + 16 + incl <= n && incl > NET_HDRS);
        memcpy(out + o, f + off + 16 + NET_HDRS, incl - NET_HDRS);
        o += incl - NET_HDRS;
        off += 16 + incl;
        k++;
    }
    cr_assert_eq(off, n);
    free(f);
    *len = o;
    *records = k;
    return out;
}

static size_t count(const char *s, const char *needle) {
    size_t n = 0;
    for (const char *p = strstr(s, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

Test(sim_cli, pcap_is_deterministic_and_decodes) {
    char a[128], b[128], c[128], sw[128];
    snprintf(a, sizeof a, "%s/a.pcap", dir);
    snprintf(b, sizeof b, "%s/b.pcap", dir);
    snprintf(c, sizeof c, "%s/c.pcap", dir);
    snprintf(sw, sizeof sw, "%s/sw.csv", dir);
    char *argv[] = {SIM, "--scenario", scn, "--out", a, "--no-progress", "--space-weather",
                    sw,  NULL};
    run_t r = run(argv);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_eq(r.err[0], '\0', "stderr: %s", r.err);
    cr_assert_not_null(strstr(r.out, "660 packets"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "1.00 h simulated"), "%s", r.out);
    run_free(&r);
    size_t swlen = 0;
    char *swtext = e2e_slurp(sw, &swlen);
    cr_assert_not_null(swtext);
    cr_assert_eq(strncmp(swtext, "DATE,", 5), 0);
    /* daily rows from 100 days before to 45 days after the hour: 147 rows and the header */
    cr_assert_geq(e2e_count_lines(swtext), 140);
    free(swtext);

    sim_to_pcap(b, NULL);
    sim_to_pcap(c, "7");
    size_t la = 0, lb = 0, lc = 0;
    char *fa = e2e_slurp(a, &la), *fb = e2e_slurp(b, &lb), *fc = e2e_slurp(c, &lc);
    cr_assert(fa && fb && fc);
    /* 24-octet header; per packet 16 record + 42 network octets + the packet */
    size_t want = 24 + (size_t)N_GNSS * (58 + 62) + (size_t)N_PROP * (58 + 30) +
                  (size_t)N_EPS * (58 + 26) + (size_t)N_IDLE * (58 + 22);
    cr_assert_eq(la, want);
    cr_assert_eq(lb, la);
    cr_assert_eq(memcmp(fa, fb, la), 0, "same seed, different bytes");
    cr_assert_eq(lc, la);
    cr_assert_neq(memcmp(fa, fc, la), 0, "another seed, the same bytes");
    free(fa);
    free(fb);
    free(fc);

    char *dargv[] = {DECODER, "--pcap", a,       "--mdb", MDB, "--time-code",
                     "cuc",   "--json", "--pub", "none",  NULL};
    r = run(dargv);
    cr_assert_eq(r.code, 0, "decoder exit %d: %s", r.code, r.err);
    cr_assert_eq(e2e_count_lines(r.out), N_GNSS + N_PROP + N_EPS); /* idle not printed */
    cr_assert_eq(count(r.out, "\"apid\":100,"), N_GNSS);
    cr_assert_eq(count(r.out, "\"apid\":200,"), N_PROP);
    cr_assert_eq(count(r.out, "\"apid\":300,"), N_EPS);
    cr_assert_eq(count(r.out, "\"name\":\"GNSS_NAV\""), N_GNSS);
    cr_assert_eq(count(r.out, "\"name\":\"PROP_HK\""), N_PROP);
    cr_assert_eq(count(r.out, "\"name\":\"EPS_HK\""), N_EPS);
    cr_assert_eq(count(r.out, "\"/SIM/GNSS/ALTITUDE\":"), N_GNSS);
    cr_assert_eq(count(r.out, "\"/SIM/PROP/FIRING\":"), N_PROP);
    cr_assert_eq(count(r.out, "\"/SIM/EPS/IN_ECLIPSE\":"), N_EPS);
    /* the first and last packet times: the start and the last GNSS fix 10 s before the end */
    cr_assert_not_null(strstr(r.out, "\"time\":\"2026-03-01T00:00:00.000000000Z\""));
    cr_assert_not_null(strstr(r.out, "\"time\":\"2026-03-01T00:59:50.000000000Z\""));
    cr_assert_not_null(strstr(r.err, "-> 660 packets (60 idle)"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, " 0 rejected"), "%s", r.err);
    cr_assert_null(strstr(r.err, "seq_"), "%s", r.err); /* no gaps, duplicates */
    cr_assert_not_null(strstr(r.err, "time_ok=600"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "mdb_named=600"), "%s", r.err);
    run_free(&r);
}

/* Bind a socket of `type` on 127.0.0.1 at a free port. */
static int bind_loopback(int type, int *port) {
    int fd = socket(AF_INET, type, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t sl = sizeof sa;
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

Test(sim_cli, udp_and_tcp_carry_the_same_packets) {
    char ref[128];
    snprintf(ref, sizeof ref, "%s/ref.pcap", dir);
    sim_to_pcap(ref, NULL);
    size_t want_len = 0, records = 0;
    uint8_t *want = capture_payloads(ref, &want_len, &records);
    cr_assert_eq(records, N_ALL);

    /* UDP: one datagram per packet, at 7200 x pace (half a second for the hour) */
    int port = 0;
    int fd = bind_loopback(SOCK_DGRAM, &port);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    char *argv[] = {SIM, "--scenario", scn, "--udp", target, "--speed", "7200", "--quiet", NULL};
    e2e_proc_t p = {0};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    uint8_t *got = malloc(want_len + 4096);
    cr_assert_not_null(got);
    size_t got_len = 0, datagrams = 0;
    int64_t deadline = e2e_mono_ms() + RUN_TIMEOUT_MS;
    while (e2e_mono_ms() < deadline && datagrams < N_ALL) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 200) <= 0) {
            continue;
        }
        uint8_t buf[2048];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        cr_assert_gt(n, 6);
        cr_assert_eq((size_t)n, 7u + ((size_t)buf[4] << 8 | buf[5]), "one packet per datagram");
        cr_assert_leq(got_len + (size_t)n, want_len);
        memcpy(got + got_len, buf, (size_t)n);
        got_len += (size_t)n;
        datagrams++;
    }
    int code = e2e_wait(&p, RUN_TIMEOUT_MS);
    cr_assert_eq(code, 0, "vleo-sim --udp exit %d", code);
    e2e_cleanup(&p);
    close(fd);
    cr_assert_eq(datagrams, N_ALL);
    cr_assert_eq(got_len, want_len);
    cr_assert_eq(memcmp(got, want, want_len), 0, "UDP bytes differ from the capture's");

    /* TCP: the packets back to back, as fast as possible */
    fd = bind_loopback(SOCK_STREAM, &port);
    cr_assert_eq(listen(fd, 1), 0);
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    char *targv[] = {SIM, "--scenario", scn, "--tcp", target, "--speed", "0", "--quiet", NULL};
    e2e_proc_t q = {0};
    cr_assert_eq(e2e_spawn(&q, targv), 0);
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    cr_assert_eq(poll(&pf, 1, RUN_TIMEOUT_MS), 1, "no connection");
    int c = accept(fd, NULL, NULL);
    cr_assert_geq(c, 0);
    got_len = 0;
    deadline = e2e_mono_ms() + RUN_TIMEOUT_MS;
    while (e2e_mono_ms() < deadline) {
        ssize_t n = recv(c, got + got_len, want_len + 4096 - got_len, 0);
        if (n <= 0) {
            break;
        }
        got_len += (size_t)n;
    }
    code = e2e_wait(&q, RUN_TIMEOUT_MS);
    cr_assert_eq(code, 0, "vleo-sim --tcp exit %d", code);
    e2e_cleanup(&q);
    close(c);
    close(fd);
    cr_assert_eq(got_len, want_len);
    cr_assert_eq(memcmp(got, want, want_len), 0, "TCP bytes differ from the capture's");
    free(got);
    free(want);
}

Test(sim_cli, exit_codes) {
    char bad[128], out[128], missing[128];
    snprintf(bad, sizeof bad, "%s/bad.yaml", dir);
    snprintf(out, sizeof out, "%s/never.pcap", dir);
    snprintf(missing, sizeof missing, "%s/missing.yaml", dir);
    write_file(bad, "name: bad\n"
                    "duration_h: 1\n"
                    "telemetry:\n"
                    "  gnss_period_s: -3\n");
    /* a scenario error names the file, the line and the key */
    char *a1[] = {SIM, "--scenario", bad, "--out", out, NULL};
    run_t r = run(a1);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    cr_assert_not_null(strstr(r.err, "bad.yaml:4:"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "telemetry.gnss_period_s"), "%s", r.err);
    run_free(&r);
    cr_assert_neq(access(out, F_OK), 0, "an output for a bad scenario");

    char *a2[] = {SIM, "--scenario", missing, "--out", out, NULL};
    r = run(a2);
    cr_assert_eq(r.code, 3, "exit %d: %s", r.code, r.err);
    cr_assert_not_null(strstr(r.err, "missing.yaml"), "%s", r.err);
    run_free(&r);

    char *a3[] = {SIM, "--help", NULL};
    r = run(a3);
    cr_assert_eq(r.code, 0);
    cr_assert_not_null(strstr(r.out, "usage: vleo-sim"));
    cr_assert_not_null(strstr(r.out, "--framing"));
    run_free(&r);

    char *a4[] = {SIM, "--version", NULL};
    r = run(a4);
    cr_assert_eq(r.code, 0);
    cr_assert_eq(strncmp(r.out, "vleo-sim ", 9), 0, "%s", r.out);
    run_free(&r);

    /* usage errors */
    char *u1[] = {SIM, "--out", out, NULL};
    char *u2[] = {SIM, "--scenario", scn, NULL};
    char *u3[] = {SIM, "--scenario", scn, "--out", out, "--framing", "tm", NULL};
    char *u4[] = {SIM, "--scenario", scn, "--udp", "127.0.0.1", NULL};
    char *u5[] = {SIM, "--scenario", scn, "--out", out, "--speed", "fast", NULL};
    char *u6[] = {SIM, "--scenario", scn, "--out", out, "--udp", "127.0.0.1:9", NULL};
    char *u7[] = {SIM, "--scenario", "no-such-bundled-scenario", "--out", out, NULL};
    char *u8[] = {SIM, "--scenario", scn, "--out", out, "--seed", "-1", NULL};
    char *const *usage[] = {u1, u2, u3, u4, u5, u6, u7, u8};
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        r = run(usage[i]);
        cr_assert_eq(r.code, 2, "case %zu: exit %d: %s", i + 1, r.code, r.err);
        cr_assert_neq(r.err[0], '\0');
        run_free(&r);
    }
    cr_assert_neq(access(out, F_OK), 0);

    /* an output that cannot be created: runtime failure naming it */
    char *a5[] = {SIM, "--scenario", scn, "--out", "/nonexistent-dir/x.pcap", NULL};
    r = run(a5);
    cr_assert_eq(r.code, 1, "exit %d: %s", r.code, r.err);
    cr_assert_not_null(strstr(r.err, "/nonexistent-dir/x.pcap"), "%s", r.err);
    run_free(&r);
}

Test(sim_cli, duration_override_and_list) {
    char path[128];
    snprintf(path, sizeof path, "%s/half.pcap", dir);
    char *argv[] = {SIM, "--scenario", scn, "--out", path, "--duration-h", "0.5", "--quiet", NULL};
    run_t r = run(argv);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_eq(r.out[0], '\0', "--quiet printed: %s", r.out);
    run_free(&r);
    size_t len = 0, records = 0;
    uint8_t *p = capture_payloads(path, &len, &records);
    cr_assert_eq(records, N_ALL / 2);
    free(p);

    char *largv[] = {SIM, "--list", NULL};
    r = run(largv);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    run_free(&r);
}
