/* test_tail.c: end-to-end tests of the vleo-tail program over real ZeroMQ sockets. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "vleo.pb-c.h"
#include "vleo/zmqutil.h"

#define TAIL VLEO_BIN_DIR "/vleo-tail"
#define LINE_MAX_OCTETS (1 << 20)

extern char **environ;

/* A running vleo-tail with its stdout and stderr on pipes. */
typedef struct {
    pid_t pid;
    int out_fd;
    int err_fd;
    char pending[LINE_MAX_OCTETS]; /* stdout read but not yet returned as lines */
    size_t len;
} tail_proc_t;

static tail_proc_t g_tail;

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void spawn_tail(tail_proc_t *t, char *const argv[]) {
    int out[2];
    int err[2];
    cr_assert_eq(pipe(out), 0);
    cr_assert_eq(pipe(err), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, err[0]);
    int rc = posix_spawn(&t->pid, TAIL, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0, "cannot run %s: %s", TAIL, strerror(rc));
    close(out[1]);
    close(err[1]);
    t->out_fd = out[0];
    t->err_fd = err[0];
    t->len = 0;
}

/* The next stdout line (without '\n') into line, within timeout_ms. Returns its length, -1 at
 * end of output, -2 on timeout. */
static long read_line(tail_proc_t *t, char *line, size_t cap, int timeout_ms) {
    int64_t deadline = mono_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(t->pending, '\n', t->len);
        if (nl != NULL) {
            size_t n = (size_t)(nl - t->pending);
            cr_assert_lt(n, cap);
            memcpy(line, t->pending, n);
            line[n] = '\0';
            t->len -= n + 1;
            memmove(t->pending, nl + 1, t->len);
            return (long)n;
        }
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            return -2;
        }
        struct pollfd p = {t->out_fd, POLLIN, 0};
        int pr = poll(&p, 1, (int)left);
        if (pr == 0) {
            return -2;
        }
        cr_assert_gt(pr, 0);
        cr_assert_lt(t->len, sizeof t->pending, "line too long");
        ssize_t r = read(t->out_fd, t->pending + t->len, sizeof t->pending - t->len);
        cr_assert_geq(r, 0);
        if (r == 0) {
            return -1;
        }
        t->len += (size_t)r;
    }
}

/* Everything the program wrote on stderr (call after it exited). */
static void read_stderr(tail_proc_t *t, char *buf, size_t cap) {
    size_t n = 0;
    for (int i = 0; i < 1000 && n + 1 < cap; i++) {
        ssize_t r = read(t->err_fd, buf + n, cap - 1 - n);
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
    }
    buf[n] = '\0';
}

/* Exit status of the program, waiting up to timeout_ms (then it is killed: a failure). */
static int wait_exit(tail_proc_t *t, int timeout_ms) {
    int64_t deadline = mono_ms() + timeout_ms;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(t->pid, &status, WNOHANG);
        cr_assert_geq(r, 0);
        if (r == t->pid) {
            break;
        }
        if (mono_ms() > deadline) {
            kill(t->pid, SIGKILL);
            waitpid(t->pid, &status, 0);
            cr_assert_fail("vleo-tail did not exit within %d ms", timeout_ms);
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    cr_assert(WIFEXITED(status), "vleo-tail died (status %d)", status);
    return WEXITSTATUS(status);
}

static void finish(tail_proc_t *t) {
    close(t->out_fd);
    close(t->err_fd);
}

static void send2(void *pub, const char *topic, const void *body, size_t n) {
    cr_assert_eq(zmq_send(pub, topic, strlen(topic), ZMQ_SNDMORE), (int)strlen(topic));
    cr_assert_eq(zmq_send(pub, body, n, 0), (int)n);
}

static const char k_warm_line[] = "{\"topic\":\"warm/up\",\"size\":1,\"hex\":\"2a\"}";

/* Publish warm-up messages until the subscriber prints one (ZeroMQ's slow joiner), bounded
 * to about 10 s; then every further warm-up line is skipped by next_real_line(). */
static void warm_up(void *pub, tail_proc_t *t, const char *topic, const void *body, size_t n,
                    const char *expect) {
    static char line[LINE_MAX_OCTETS];
    for (int tries = 0; tries < 200; tries++) {
        send2(pub, topic, body, n);
        long r = read_line(t, line, sizeof line, 50);
        if (r >= 0) {
            cr_assert_str_eq(line, expect);
            return;
        }
        cr_assert_eq(r, -2, "vleo-tail ended early");
    }
    cr_assert_fail("vleo-tail printed nothing within 10 s");
}

static long next_real_line(tail_proc_t *t, char *line, size_t cap, const char *warm) {
    for (int i = 0; i < 1000; i++) {
        long r = read_line(t, line, cap, 5000);
        if (r < 0 || strcmp(line, warm) != 0) {
            return r;
        }
    }
    return -2;
}

static void *bind_pub(void *ctx, const char *endpoint, char *last, size_t lastcap) {
    char err[256];
    vleo_zsock_opts_t o;
    vleo_zsock_opts_default(&o);
    o.linger_ms = 0;
    void *pub = vleo_zsock_open(ctx, ZMQ_PUB, &o, endpoint, true, err, sizeof err);
    cr_assert_not_null(pub, "%s", err);
    cr_assert_eq(zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, last, &lastcap), 0);
    return pub;
}

static size_t pack_packet(uint8_t *buf, size_t cap) {
    Vleo__V1__Value raw = VLEO__V1__VALUE__INIT;
    raw.v_case = VLEO__V1__VALUE__V_UINT64_VALUE;
    raw.uint64_value = 4000;
    Vleo__V1__Value eng = VLEO__V1__VALUE__INIT;
    eng.v_case = VLEO__V1__VALUE__V_DOUBLE_VALUE;
    eng.double_value = 400.5;
    Vleo__V1__Parameter par = VLEO__V1__PARAMETER__INIT;
    par.name = "/QK1/GNSS/ALTITUDE";
    par.raw = &raw;
    par.eng = &eng;
    par.unit = "km";
    Vleo__V1__Parameter *pars[] = {&par};
    Vleo__V1__Source src = VLEO__V1__SOURCE__INIT;
    src.name = "udp";
    src.has_record_number = 1;
    src.record_number = 1;
    Vleo__V1__Packet p = VLEO__V1__PACKET__INIT;
    p.spacecraft = "QK1";
    p.has_apid = 1;
    p.apid = 100;
    p.has_type = 1;
    p.type = VLEO__V1__PACKET_TYPE__PACKET_TYPE_TELEMETRY;
    p.has_sequence_count = 1;
    p.sequence_count = 7;
    p.name = "HK";
    p.has_reception_time_utc_ns = 1;
    p.reception_time_utc_ns = 1700000000000000000;
    p.source = &src;
    p.n_parameters = 1;
    p.parameters = pars;
    size_t n = vleo__v1__packet__get_packed_size(&p);
    cr_assert_leq(n, cap);
    return vleo__v1__packet__pack(&p, buf);
}

static const char k_packet_line[] =
    "{\"topic\":\"tm/QK1/HK\",\"message\":{\"spacecraft\":\"QK1\",\"apid\":100,"
    "\"type\":\"PACKET_TYPE_TELEMETRY\",\"sequence_count\":7,\"name\":\"HK\","
    "\"reception_time_utc_ns\":1700000000000000000,\"source\":{\"name\":\"udp\","
    "\"record_number\":1},\"parameters\":[{\"name\":\"/QK1/GNSS/ALTITUDE\","
    "\"raw\":{\"uint64_value\":4000},\"eng\":{\"double_value\":400.5},\"unit\":\"km\"}]}}";

static size_t pack_stats(uint8_t *buf, size_t cap) {
    Vleo__V1__Counter c = VLEO__V1__COUNTER__INIT;
    c.name = "spp_truncated";
    c.has_value = 1;
    c.value = 3;
    Vleo__V1__Counter *cs[] = {&c};
    Vleo__V1__DecoderStats s = VLEO__V1__DECODER_STATS__INIT;
    s.source = "udp";
    s.has_final = 1;
    s.final = 0;
    s.has_packets = 1;
    s.packets = 12;
    s.has_rejected = 1;
    s.rejected = 3;
    s.n_counters = 1;
    s.counters = cs;
    size_t n = vleo__v1__decoder_stats__get_packed_size(&s);
    cr_assert_leq(n, cap);
    return vleo__v1__decoder_stats__pack(&s, buf);
}

static const char k_stats_line[] =
    "{\"topic\":\"stats/decoder/udp\",\"message\":{\"source\":\"udp\",\"final\":false,"
    "\"packets\":12,\"rejected\":3,\"counters\":[{\"name\":\"spp_truncated\",\"value\":3}]}}";

/* The whole feed over one endpoint: warm-up, a Packet, malformed messages (one frame, three
 * frames, a body that is not a Packet), a large unknown-topic message, DecoderStats; then
 * SIGTERM ends the program with status 0 and a summary of what it skipped. */
static void feed_over(const char *endpoint) {
    void *ctx = zmq_ctx_new();
    char ep[256];
    void *pub = bind_pub(ctx, endpoint, ep, sizeof ep);
    char *argv[] = {"vleo-tail", "--timeout", "60", ep, NULL};
    spawn_tail(&g_tail, argv);
    warm_up(pub, &g_tail, "warm/up", "*", 1, k_warm_line);

    static uint8_t body[200000];
    size_t n = pack_packet(body, sizeof body);
    send2(pub, "tm/QK1/HK", body, n);
    cr_assert_eq(zmq_send(pub, "garbage", 7, 0), 7);
    cr_assert_eq(zmq_send(pub, "three", 5, ZMQ_SNDMORE), 5);
    cr_assert_eq(zmq_send(pub, "a", 1, ZMQ_SNDMORE), 1);
    cr_assert_eq(zmq_send(pub, "b", 1, 0), 1);
    send2(pub, "tm/QK1/BAD", "\xff\xff\xff", 3);
    for (size_t i = 0; i < 100000; i++) {
        body[i] = (uint8_t)i;
    }
    send2(pub, "blob/big", body, 100000);
    n = pack_stats(body, sizeof body);
    send2(pub, "stats/decoder/udp", body, n);

    static char line[LINE_MAX_OCTETS];
    cr_assert_geq(next_real_line(&g_tail, line, sizeof line, k_warm_line), 0);
    cr_assert_str_eq(line, k_packet_line);
    static char want[LINE_MAX_OCTETS];
    int k = snprintf(want, sizeof want, "{\"topic\":\"blob/big\",\"size\":100000,\"hex\":\"");
    for (size_t i = 0; i < 100000; i++) {
        k += snprintf(want + k, sizeof want - (size_t)k, "%02x", (unsigned)(i & 0xff));
    }
    snprintf(want + k, sizeof want - (size_t)k, "\"}");
    cr_assert_eq(next_real_line(&g_tail, line, sizeof line, k_warm_line), (long)strlen(want));
    cr_assert_eq(strcmp(line, want), 0);
    cr_assert_geq(next_real_line(&g_tail, line, sizeof line, k_warm_line), 0);
    cr_assert_str_eq(line, k_stats_line);

    cr_assert_eq(kill(g_tail.pid, SIGTERM), 0);
    cr_assert_eq(wait_exit(&g_tail, 5000), 0);
    cr_assert_eq(read_line(&g_tail, line, sizeof line, 1000), -1, "unexpected line: %s", line);
    static char err[8192];
    read_stderr(&g_tail, err, sizeof err);
    cr_assert_not_null(strstr(err, "skipped message on topic \"garbage\": 1 frames instead of 2"),
                       "%s", err);
    cr_assert_not_null(strstr(err, "skipped message on topic \"three\": 3 frames instead of 2"),
                       "%s", err);
    cr_assert_not_null(strstr(err, "skipped message on topic \"tm/QK1/BAD\": body is not a valid"),
                       "%s", err);
    cr_assert_not_null(strstr(err, "3 skipped: 2 not two frames, 0 topic too long, "
                                   "0 body too large, 1 undecodable"),
                       "%s", err);
    finish(&g_tail);
    zmq_close(pub);
    zmq_ctx_term(ctx);
}

Test(tail, feed_over_tcp_loopback) {
    feed_over("tcp://127.0.0.1:*");
}

Test(tail, feed_over_ipc) {
    char ep[128];
    snprintf(ep, sizeof ep, "ipc:///tmp/vleo-test-%ld.ipc", (long)getpid());
    feed_over(ep);
    unlink(ep + 6);
}

/* A topic prefix filters: with "stats/", tm/ and "statsX" are never printed. */
Test(tail, prefix_filter) {
    void *ctx = zmq_ctx_new();
    char ep[256];
    void *pub = bind_pub(ctx, "tcp://127.0.0.1:*", ep, sizeof ep);
    char *argv[] = {"vleo-tail", "--timeout", "60", ep, "stats/", NULL};
    spawn_tail(&g_tail, argv);
    static uint8_t body[4096];
    size_t n = pack_stats(body, sizeof body);
    warm_up(pub, &g_tail, "stats/decoder/udp", body, n, k_stats_line);
    size_t pn = pack_packet(body, sizeof body);
    send2(pub, "tm/QK1/HK", body, pn);
    send2(pub, "statsX", "x", 1);
    Vleo__V1__MonitorStats ms = VLEO__V1__MONITOR_STATS__INIT;
    ms.has_alerts_raised = 1;
    ms.alerts_raised = 2;
    pn = vleo__v1__monitor_stats__pack(&ms, body);
    send2(pub, "stats/monitor", body, pn);
    static char line[LINE_MAX_OCTETS];
    cr_assert_geq(next_real_line(&g_tail, line, sizeof line, k_stats_line), 0);
    cr_assert_str_eq(line, "{\"topic\":\"stats/monitor\",\"message\":{\"alerts_raised\":2}}");
    cr_assert_eq(kill(g_tail.pid, SIGTERM), 0);
    cr_assert_eq(wait_exit(&g_tail, 5000), 0);
    cr_assert_eq(read_line(&g_tail, line, sizeof line, 1000), -1, "unexpected line: %s", line);
    finish(&g_tail);
    zmq_close(pub);
    zmq_ctx_term(ctx);
}

/* --count N: the program stops by itself after exactly N lines, with status 0. */
Test(tail, count_stops_after_n_lines) {
    void *ctx = zmq_ctx_new();
    char ep[256];
    void *pub = bind_pub(ctx, "tcp://127.0.0.1:*", ep, sizeof ep);
    char *argv[] = {"vleo-tail", "--count", "3", "--timeout", "60", ep, NULL};
    spawn_tail(&g_tail, argv);
    warm_up(pub, &g_tail, "warm/up", "*", 1, k_warm_line);
    /* More than enough messages: the program must stop on its count, not run out. */
    for (int i = 0; i < 10; i++) {
        send2(pub, "warm/up", "*", 1);
    }
    static char line[256];
    cr_assert_geq(read_line(&g_tail, line, sizeof line, 5000), 0);
    cr_assert_str_eq(line, k_warm_line);
    cr_assert_geq(read_line(&g_tail, line, sizeof line, 5000), 0);
    cr_assert_str_eq(line, k_warm_line);
    cr_assert_eq(wait_exit(&g_tail, 5000), 0);
    cr_assert_eq(read_line(&g_tail, line, sizeof line, 1000), -1);
    finish(&g_tail);
    zmq_close(pub);
    zmq_ctx_term(ctx);
}

/* The reader of stdout goes away (as with `vleo-tail ... | head -1`): the program notices
 * at its next write or flush and ends with status 0. */
Test(tail, closed_stdout_ends_cleanly) {
    void *ctx = zmq_ctx_new();
    char ep[256];
    void *pub = bind_pub(ctx, "tcp://127.0.0.1:*", ep, sizeof ep);
    char *argv[] = {"vleo-tail", "--timeout", "60", ep, NULL};
    spawn_tail(&g_tail, argv);
    warm_up(pub, &g_tail, "warm/up", "*", 1, k_warm_line);
    close(g_tail.out_fd);
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 250 && r == 0; i++) {
        send2(pub, "warm/up", "*", 1);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        r = waitpid(g_tail.pid, &status, WNOHANG);
    }
    if (r == 0) {
        kill(g_tail.pid, SIGKILL);
        waitpid(g_tail.pid, &status, 0);
        cr_assert_fail("vleo-tail kept running with its stdout closed");
    }
    cr_assert(WIFEXITED(status), "status %d", status);
    cr_assert_eq(WEXITSTATUS(status), 0);
    close(g_tail.err_fd);
    zmq_close(pub);
    zmq_ctx_term(ctx);
}

/* --timeout is a total time limit: status 0 without --count, 1 when --count is not reached. */
Test(tail, timeout_exit_status) {
    void *ctx = zmq_ctx_new();
    char ep[256];
    void *pub = bind_pub(ctx, "tcp://127.0.0.1:*", ep, sizeof ep);
    char *argv0[] = {"vleo-tail", "--timeout", "0.3", ep, NULL};
    int64_t t0 = mono_ms();
    spawn_tail(&g_tail, argv0);
    cr_assert_eq(wait_exit(&g_tail, 5000), 0);
    cr_assert_geq(mono_ms() - t0, 300);
    static char line[256];
    cr_assert_eq(read_line(&g_tail, line, sizeof line, 1000), -1);
    finish(&g_tail);

    char *argv1[] = {"vleo-tail", "--count", "1", "--timeout", "0.3", ep, NULL};
    spawn_tail(&g_tail, argv1);
    cr_assert_eq(wait_exit(&g_tail, 5000), 1);
    static char err[4096];
    read_stderr(&g_tail, err, sizeof err);
    cr_assert_not_null(strstr(err, "after 0 of 1 messages"), "%s", err);
    finish(&g_tail);
    zmq_close(pub);
    zmq_ctx_term(ctx);
}

/* --bind on a port the test already holds: runtime failure naming the endpoint. */
Test(tail, bind_clash_is_runtime_failure) {
    void *ctx = zmq_ctx_new();
    char ep[256];
    void *pub = bind_pub(ctx, "tcp://127.0.0.1:*", ep, sizeof ep);
    char *argv[] = {"vleo-tail", "--bind", "--timeout", "5", ep, NULL};
    spawn_tail(&g_tail, argv);
    cr_assert_eq(wait_exit(&g_tail, 5000), 1);
    static char err[4096];
    read_stderr(&g_tail, err, sizeof err);
    char want[320];
    snprintf(want, sizeof want, "vleo-tail: error: cannot bind %s: Address already in use\n", ep);
    cr_assert_str_eq(err, want);
    finish(&g_tail);
    zmq_close(pub);
    zmq_ctx_term(ctx);
}

/* vleo-tail --bind with a publisher that connects (the other way round). */
Test(tail, bind_mode_receives) {
    char ep[128];
    snprintf(ep, sizeof ep, "ipc:///tmp/vleo-test-%ld-bind.ipc", (long)getpid());
    char *argv[] = {"vleo-tail", "--bind", "--hwm", "10", "--timeout", "60", ep, NULL};
    spawn_tail(&g_tail, argv);
    void *ctx = zmq_ctx_new();
    char err[256];
    vleo_zsock_opts_t o;
    vleo_zsock_opts_default(&o);
    o.linger_ms = 0;
    void *pub = vleo_zsock_open(ctx, ZMQ_PUB, &o, ep, false, err, sizeof err);
    cr_assert_not_null(pub, "%s", err);
    warm_up(pub, &g_tail, "warm/up", "*", 1, k_warm_line);
    cr_assert_eq(kill(g_tail.pid, SIGINT), 0);
    cr_assert_eq(wait_exit(&g_tail, 5000), 0);
    finish(&g_tail);
    zmq_close(pub);
    zmq_ctx_term(ctx);
    unlink(ep + 6);
}

/* Runs vleo-tail with argv to completion; returns its status, stdout and stderr. */
static int run_to_end(char *const argv[], char *out, size_t outcap, char *err, size_t errcap) {
    spawn_tail(&g_tail, argv);
    int status = wait_exit(&g_tail, 5000);
    size_t n = 0;
    for (int i = 0; i < 1000 && n + 1 < outcap; i++) {
        ssize_t r = read(g_tail.out_fd, out + n, outcap - 1 - n);
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
    }
    out[n] = '\0';
    read_stderr(&g_tail, err, errcap);
    finish(&g_tail);
    return status;
}

Test(tail, usage_and_version) {
    static char out[8192];
    static char err[8192];
    char *noargs[] = {"vleo-tail", NULL};
    cr_assert_eq(run_to_end(noargs, out, sizeof out, err, sizeof err), 2);
    cr_assert_str_eq(out, "");
    cr_assert_not_null(strstr(err, "missing ENDPOINT"), "%s", err);
    cr_assert_not_null(strstr(err, "usage: vleo-tail [options] ENDPOINT [TOPIC-PREFIX]"));

    char *help[] = {"vleo-tail", "--help", NULL};
    cr_assert_eq(run_to_end(help, out, sizeof out, err, sizeof err), 0);
    cr_assert_eq(strncmp(out, "usage: vleo-tail [options] ENDPOINT [TOPIC-PREFIX]\n", 51), 0);
    cr_assert_not_null(strstr(out, "--timeout SECS"));
    cr_assert_str_eq(err, "");

    char *version[] = {"vleo-tail", "--version", NULL};
    cr_assert_eq(run_to_end(version, out, sizeof out, err, sizeof err), 0);
    cr_assert_str_eq(out, "vleo-tail " VLEO_VERSION "\n");

    static char *const bad[][6] = {
        {"vleo-tail", "--bogus", "tcp://127.0.0.1:1", NULL},
        {"vleo-tail", "--count", "0", "tcp://127.0.0.1:1", NULL},
        {"vleo-tail", "--count", "-1", "tcp://127.0.0.1:1", NULL},
        {"vleo-tail", "--count", "3x", "tcp://127.0.0.1:1", NULL},
        {"vleo-tail", "--timeout", "0", "tcp://127.0.0.1:1", NULL},
        {"vleo-tail", "--timeout", "nan", "tcp://127.0.0.1:1", NULL},
        {"vleo-tail", "--hwm", "0", "tcp://127.0.0.1:1", NULL},
        {"vleo-tail", "--hwm", "3000000000", "tcp://127.0.0.1:1", NULL},
        {"vleo-tail", "tcp://127.0.0.1:1", "tm/", "extra", NULL},
        {"vleo-tail", "--count", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(run_to_end(bad[i], out, sizeof out, err, sizeof err), 2, "case %zu", i);
        cr_assert_str_eq(out, "", "case %zu", i);
        cr_assert_not_null(strstr(err, "usage: vleo-tail"), "case %zu", i);
    }
}

Test(tail, bad_endpoint_is_runtime_failure) {
    static char out[8192];
    static char err[8192];
    char *argv[] = {"vleo-tail", "nonsense://x", NULL};
    cr_assert_eq(run_to_end(argv, out, sizeof out, err, sizeof err), 1);
    cr_assert_not_null(strstr(err, "cannot connect nonsense://x: "), "%s", err);
}
