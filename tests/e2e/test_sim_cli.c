/* test_sim_cli.c: end-to-end tests of the vleo-sim program (DESIGN section 6, issue 6): a
 * one-hour scenario to pcap, deterministic bytes, the capture through the real vleo-decoder
 * with sim/vleo-sim.xml, the same packets live over UDP and TCP, the same packets in TM and
 * AOS frames and CADUs (one channel file for the sim and the decoder), exit codes. */
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

typedef e2e_run_t run_t;

static run_t run(char *const argv[]) {
    run_t r = e2e_run(argv, RUN_TIMEOUT_MS);
    cr_assert(r.code != -1 && r.out && r.err, "cannot run %s", argv[0]);
    return r;
}

#define run_free e2e_run_free

/* Half an hour of the tiny scenario: 180 GNSS (62 octets), 60 PROP (30), 60 EPS (26) and 30
 * idle (22) packets. */
#define HALF_PACKETS 330
#define HALF_OCTETS (180 * 62 + 60 * 30 + 60 * 26 + 30 * 22)

/* vleo-sim into path for `hours` (NULL: the scenario's hour, or "0.5"), framed by the
 * channel file conf (NULL: bare); the summary must name the packets and `n_units` `units`
 * (NULL: bare). */
static void sim_capture(const char *path, const char *conf, const char *seed, const char *hours,
                        const char *units, size_t n_units) {
    char *argv[16] = {SIM, "--scenario", scn, "--out", (char *)path, "--no-progress"};
    int a = 6;
    const char *opt[3][2] = {{"--channel", conf}, {"--seed", seed}, {"--duration-h", hours}};
    for (int i = 0; i < 3; i++) {
        if (opt[i][1] != NULL) {
            argv[a++] = (char *)opt[i][0];
            argv[a++] = (char *)opt[i][1];
        }
    }
    argv[a] = NULL;
    run_t r = run(argv);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_eq(r.err[0], '\0', "stderr: %s", r.err);
    int packets = hours != NULL ? HALF_PACKETS : 2 * HALF_PACKETS;
    char want[96];
    if (units != NULL) {
        snprintf(want, sizeof want, "tiny: %d packets in %zu %s to ", packets, n_units, units);
    } else {
        snprintf(want, sizeof want, "tiny: %d packets to ", packets);
    }
    cr_assert_not_null(strstr(r.out, want), "want '%s' in %s", want, r.out);
    run_free(&r);
}

/* The payloads of a capture written by vleo-sim (packets, frames or CADUs: one per record),
 * concatenated. */
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

    sim_capture(b, NULL, NULL, NULL, NULL, 0);
    sim_capture(c, NULL, "7", NULL, NULL, 0);
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

/* Datagrams on fd until want_units came (or the deadline), into got[0..cap): each exactly
 * unit_len octets, or (unit_len 0) each one whole space packet. Returns the octets. */
static size_t recv_datagrams(int fd, uint8_t *got, size_t cap, size_t want_units, size_t unit_len) {
    size_t got_len = 0, datagrams = 0;
    int64_t deadline = e2e_mono_ms() + RUN_TIMEOUT_MS;
    while (e2e_mono_ms() < deadline && datagrams < want_units) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 200) <= 0) {
            continue;
        }
        uint8_t buf[2048];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        cr_assert_gt(n, 6);
        size_t want = unit_len > 0 ? unit_len : 7u + ((size_t)buf[4] << 8 | buf[5]);
        cr_assert_eq((size_t)n, want, "one %s per datagram", unit_len > 0 ? "unit" : "packet");
        cr_assert_leq((size_t)n, cap - got_len);
        memcpy(got + got_len, buf, (size_t)n);
        got_len += (size_t)n;
        datagrams++;
    }
    cr_assert_eq(datagrams, want_units);
    return got_len;
}

/* vleo-sim on the tiny scenario to a socket bound here, with `extra` options: --udp at
 * 7200 x pace (half a second for the hour; want_units datagrams of unit_len octets, see
 * recv_datagrams) or --tcp as fast as possible (until it closes). Returns what came, in
 * malloc'd memory of cap octets, *len used. vleo-sim must exit 0. */
static uint8_t *sim_live(int type, char *const extra[], size_t want_units, size_t unit_len,
                         size_t cap, size_t *len) {
    int port = 0;
    int fd = bind_loopback(type, &port);
    cr_assert(type == SOCK_DGRAM || listen(fd, 1) == 0);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    char *argv[16] = {SIM,
                      "--scenario",
                      scn,
                      type == SOCK_DGRAM ? "--udp" : "--tcp",
                      target,
                      "--speed",
                      type == SOCK_DGRAM ? "7200" : "0",
                      "--quiet"};
    size_t a = 8;
    for (size_t i = 0; extra[i] != NULL && a < 15; i++) {
        argv[a++] = extra[i];
    }
    argv[a] = NULL;
    e2e_proc_t p = {0};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    uint8_t *got = malloc(cap);
    cr_assert_not_null(got);
    *len = 0;
    if (type == SOCK_DGRAM) {
        *len = recv_datagrams(fd, got, cap, want_units, unit_len);
    } else {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        cr_assert_eq(poll(&pf, 1, RUN_TIMEOUT_MS), 1, "no connection");
        int c = accept(fd, NULL, NULL);
        cr_assert_geq(c, 0);
        int64_t deadline = e2e_mono_ms() + RUN_TIMEOUT_MS;
        while (e2e_mono_ms() < deadline) {
            ssize_t n = recv(c, got + *len, cap - *len, 0);
            if (n <= 0) {
                break;
            }
            *len += (size_t)n;
        }
        close(c);
    }
    int code = e2e_wait(&p, RUN_TIMEOUT_MS);
    cr_assert_eq(code, 0, "vleo-sim %s exit %d", argv[3], code);
    e2e_cleanup(&p);
    close(fd);
    return got;
}

Test(sim_cli, udp_and_tcp_carry_the_same_packets) {
    char ref[128];
    snprintf(ref, sizeof ref, "%s/ref.pcap", dir);
    sim_capture(ref, NULL, NULL, NULL, NULL, 0);
    size_t want_len = 0, records = 0;
    uint8_t *want = capture_payloads(ref, &want_len, &records);
    cr_assert_eq(records, N_ALL);
    char *none[] = {NULL};
    size_t got_len = 0;
    /* UDP: one datagram per packet */
    uint8_t *got = sim_live(SOCK_DGRAM, none, N_ALL, 0, want_len + 4096, &got_len);
    cr_assert_eq(got_len, want_len);
    cr_assert_eq(memcmp(got, want, want_len), 0, "UDP bytes differ from the capture's");
    free(got);
    /* TCP: the packets back to back */
    got = sim_live(SOCK_STREAM, none, 0, 0, want_len + 4096, &got_len);
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
    char *u3[] = {SIM, "--scenario", scn, "--out", out, "--framing", "hdlc", NULL};
    char *u4[] = {SIM, "--scenario", scn, "--udp", "127.0.0.1", NULL};
    char *u5[] = {SIM, "--scenario", scn, "--out", out, "--speed", "fast", NULL};
    char *u6[] = {SIM, "--scenario", scn, "--out", out, "--udp", "127.0.0.1:9", NULL};
    char *u7[] = {SIM, "--scenario", "no-such-bundled-scenario", "--out", out, NULL};
    char *u8[] = {SIM, "--scenario", scn, "--out", out, "--seed", "-1", NULL};
    /* frame settings: the decoder's checks (RS wants a multiple of the interleave), then the
     * framer's (AOS SCIDs are 8 bits, TM VCIDs 3) */
    char *u9[] = {SIM,    "--scenario",     scn,    "--out", out, "--framing",
                  "cadu", "--frame-length", "1001", NULL};
    char *u10[] = {SIM, "--scenario", scn, "--out", out, "--framing", "aos", "--scid", "300", NULL};
    char *u11[] = {SIM, "--scenario", scn, "--out", out, "--framing", "tm", "--vcid", "9", NULL};
    char *u12[] = {SIM, "--scenario", scn, "--out", out, "--rs-interleave", "6", NULL};
    char *const *usage[] = {u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12};
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        r = run(usage[i]);
        cr_assert_eq(r.code, 2, "case %zu: exit %d: %s", i + 1, r.code, r.err);
        cr_assert_neq(r.err[0], '\0');
        run_free(&r);
    }
    cr_assert_neq(access(out, F_OK), 0);

    /* channel files: a bad line is named (2), a missing file is unreadable input (3) */
    char conf[128];
    snprintf(conf, sizeof conf, "%s/bad.conf", dir);
    write_file(conf, "framing = tm\nframe_length = big\n");
    char *c1[] = {SIM, "--scenario", scn, "--out", out, "--channel", conf, NULL};
    r = run(c1);
    cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
    cr_assert_not_null(strstr(r.err, "bad.conf:2: frame_length: bad value"), "%s", r.err);
    run_free(&r);
    snprintf(conf, sizeof conf, "%s/missing.conf", dir);
    r = run(c1);
    cr_assert_eq(r.code, 3, "exit %d: %s", r.code, r.err);
    cr_assert_not_null(strstr(r.err, "missing.conf"), "%s", r.err);
    run_free(&r);
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

/* ---- frames and CADUs ---- */

typedef struct {
    const char *name;
    const char *conf; /* the channel file, read by both programs */
    const char *units;
    size_t unit_len; /* pcap payload per record */
    size_t zone;     /* packet zone per frame */
} framing_t;

static const framing_t FRAMINGS[] = {
    {"tm", "framing = tm\nframe_length = 1115\nfecf = true\nocf = true\n", "TM frames", 1115,
     1115 - 6 - 4 - 2},
    {"aos",
     "# AOS with every optional field\nframing = aos\nframe_length = 892\nfecf = yes\n"
     "ocf = 1\nfhec = true\ninsert_zone = 4\n",
     "AOS frames", 892, 892 - 6 - 2 - 4 - 2 - 4 - 2},
    {"cadu",
     "framing = cadu\nframe_type = tm\nframe_length = 1115\nrs_interleave = 5\n"
     "derandomize = true\nfecf = true\nasm_bit_errors = 2   # receiver only\n",
     "CADUs", 1279, 1115 - 6 - 2},
};

/* Frames for `octets` of packets in zones of `zone`: the last one idle-filled, one more when
 * fewer than 7 octets would be left for the idle packet. */
static size_t frames_for(size_t octets, size_t zone) {
    size_t n = (octets + zone - 1) / zone;
    size_t left = n * zone - octets;
    return left > 0 && left < 7 ? n + 1 : n;
}

/* Decoder JSON lines without what depends on the carrier: the reception time and the frame
 * object. */
static char *carrier_free(const char *json) {
    size_t n = strlen(json);
    char *out = malloc(n + 1);
    cr_assert_not_null(out);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (strncmp(json + i, "\"received\":\"", 12) == 0) {
            const char *end = strchr(json + i + 12, '"');
            cr_assert_not_null(end);
            i = (size_t)(end - json) + 2; /* the closing quote and the comma */
        } else if (strncmp(json + i, "\"frame\":{", 9) == 0) {
            const char *end = strchr(json + i, '}');
            cr_assert_not_null(end);
            i = (size_t)(end - json) + 2;
        } else {
            out[o++] = json[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* vleo-decoder on a capture (with the channel file conf, or bare) to JSON lines. */
static run_t decode(const char *pcap, const char *conf) {
    char *argv[16] = {DECODER,       "--pcap", (char *)pcap, "--mdb", MDB,
                      "--time-code", "cuc",    "--json",     "--pub", "none"};
    int a = 10;
    if (conf != NULL) {
        argv[a++] = "--channel";
        argv[a++] = (char *)conf;
    }
    argv[a] = NULL;
    run_t r = run(argv);
    cr_assert_eq(r.code, 0, "decoder exit %d: %s", r.code, r.err);
    return r;
}

Test(sim_cli, framings_carry_the_same_packets) {
    char bare[128];
    snprintf(bare, sizeof bare, "%s/spp.pcap", dir);
    char *argv[] = {SIM,   "--scenario", scn,   "--out",   bare, "--duration-h",
                    "0.5", "--framing",  "spp", "--quiet", NULL};
    run_t r = run(argv);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    run_free(&r);
    r = decode(bare, NULL);
    cr_assert_eq(e2e_count_lines(r.out), HALF_PACKETS - 30);
    char *want = carrier_free(r.out);
    run_free(&r);

    for (size_t i = 0; i < sizeof FRAMINGS / sizeof FRAMINGS[0]; i++) {
        const framing_t *fm = &FRAMINGS[i];
        char conf[128], pcap[128], again[128];
        snprintf(conf, sizeof conf, "%s/%s.conf", dir, fm->name);
        snprintf(pcap, sizeof pcap, "%s/%s.pcap", dir, fm->name);
        snprintf(again, sizeof again, "%s/%s-again.pcap", dir, fm->name);
        write_file(conf, fm->conf);
        size_t nf = frames_for(HALF_OCTETS, fm->zone);
        sim_capture(pcap, conf, NULL, "0.5", fm->units, nf);

        /* one frame or CADU per record */
        size_t len = 0, records = 0;
        uint8_t *p = capture_payloads(pcap, &len, &records);
        cr_assert_eq(records, nf, "%s", fm->name);
        cr_assert_eq(len, nf * fm->unit_len, "%s", fm->name);
        if (strcmp(fm->name, "cadu") == 0) {
            for (size_t k = 0; k < nf; k++) {
                const uint8_t asm_octets[4] = {0x1A, 0xCF, 0xFC, 0x1D};
                cr_assert_eq(memcmp(p + k * fm->unit_len, asm_octets, 4), 0, "CADU %zu", k);
            }
        }
        free(p);

        /* the same packets, parameters and sequence counts, from clean frames */
        r = decode(pcap, conf);
        char *got = carrier_free(r.out);
        cr_assert_str_eq(got, want, "%s: decoded packets differ from the bare ones", fm->name);
        free(got);
        cr_assert_eq(count(r.out, "\"frame\":{\"scid\":42,\"vc\":1,\"count\":"), HALF_PACKETS - 30,
                     "%s", fm->name);
        cr_assert_eq(count(r.out, "\"check\":\"ok\"}"), HALF_PACKETS - 30, "%s", fm->name);
        char line[96];
        snprintf(line, sizeof line, " frames_ok=%zu ", nf);
        cr_assert_not_null(strstr(r.err, line), "%s: want%s in %s", fm->name, line, r.err);
        snprintf(line, sizeof line, " vc_packets=%d", HALF_PACKETS + 1); /* + the idle fill */
        cr_assert_not_null(strstr(r.err, line), "%s: %s", fm->name, r.err);
        cr_assert_not_null(strstr(r.err, " 0 rejected"), "%s: %s", fm->name, r.err);
        /* non-zero counters only are listed: no error of any layer */
        const char *errors[] = {"frame_bad",  "frame_wrong",   "vc_gaps",         "mc_gaps",
                                "vc_partial", "vc_bad_fhp",    "vc_spill",        "rs_",
                                "sync_loss",  "skipped",       "cadu_truncated",  "seq_",
                                "truncated",  "cadu_flywheel", "frame_bytes_held"};
        for (size_t e = 0; e < sizeof errors / sizeof errors[0]; e++) {
            cr_assert_null(strstr(r.err, errors[e]), "%s: %s in %s", fm->name, errors[e], r.err);
        }
        if (strcmp(fm->name, "cadu") == 0) {
            snprintf(line, sizeof line, " cadu_frames=%zu ", nf);
            cr_assert_not_null(strstr(r.err, line), "%s", r.err);
        }
        run_free(&r);

        /* same seed, same bytes; another seed, other bytes */
        sim_capture(again, conf, NULL, "0.5", fm->units, nf);
        size_t la = 0, lb = 0;
        char *fa = e2e_slurp(pcap, &la), *fb = e2e_slurp(again, &lb);
        cr_assert(fa != NULL && fb != NULL);
        cr_assert_eq(la, lb);
        cr_assert_eq(memcmp(fa, fb, la), 0, "%s: same seed, different bytes", fm->name);
        free(fb);
        sim_capture(again, conf, "7", "0.5", fm->units, nf);
        fb = e2e_slurp(again, &lb);
        cr_assert_not_null(fb);
        cr_assert_eq(la, lb);
        cr_assert_neq(memcmp(fa, fb, la), 0, "%s: another seed, the same bytes", fm->name);
        free(fa);
        free(fb);
    }
    free(want);
}

Test(sim_cli, frames_live_over_udp_and_cadus_over_tcp) {
    /* the references: the hour's TM frames and CADUs in captures */
    char tm_conf[128], cadu_conf[128], tm_pcap[128], cadu_pcap[128];
    snprintf(tm_conf, sizeof tm_conf, "%s/tm.conf", dir);
    snprintf(cadu_conf, sizeof cadu_conf, "%s/cadu.conf", dir);
    snprintf(tm_pcap, sizeof tm_pcap, "%s/tm.pcap", dir);
    snprintf(cadu_pcap, sizeof cadu_pcap, "%s/cadu.pcap", dir);
    write_file(tm_conf, FRAMINGS[0].conf);
    write_file(cadu_conf, FRAMINGS[2].conf);
    size_t tm_n = frames_for(2 * HALF_OCTETS, FRAMINGS[0].zone);
    size_t cadu_n = frames_for(2 * HALF_OCTETS, FRAMINGS[2].zone);
    sim_capture(tm_pcap, tm_conf, NULL, NULL, FRAMINGS[0].units, tm_n);
    sim_capture(cadu_pcap, cadu_conf, NULL, NULL, FRAMINGS[2].units, cadu_n);
    size_t tm_len = 0, cadu_len = 0, records = 0;
    uint8_t *tm = capture_payloads(tm_pcap, &tm_len, &records);
    uint8_t *cadu = capture_payloads(cadu_pcap, &cadu_len, &records);
    cr_assert_eq(cadu_len, cadu_n * 1279);

    /* UDP: one frame per datagram (at 7200 x pace a frame never waits 7200 s here), the
     * settings as options this time */
    char *tm_opts[] = {"--framing", "tm", "--fecf", "--ocf", NULL};
    size_t got_len = 0;
    uint8_t *got = sim_live(SOCK_DGRAM, tm_opts, tm_n, 1115, tm_len, &got_len);
    cr_assert_eq(got_len, tm_len);
    cr_assert_eq(memcmp(got, tm, tm_len), 0, "UDP frames differ from the capture's");
    free(got);
    /* TCP: the CADUs back to back */
    char *cadu_opts[] = {"--channel", cadu_conf, NULL};
    got = sim_live(SOCK_STREAM, cadu_opts, 0, 0, cadu_len + 4096, &got_len);
    cr_assert_eq(got_len, cadu_len);
    cr_assert_eq(memcmp(got, cadu, cadu_len), 0, "TCP CADUs differ from the capture's");
    free(got);
    free(tm);
    free(cadu);
}
