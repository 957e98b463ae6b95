/* vleo_loadbench.c: vleo-loadbench, vleo-decoder under load over tcp://127.0.0.1 (issue 7 item
 * 2, DESIGN section 9): (a) a sustained, paced TCP feed through the decoder to a subscriber,
 * (b) a capture replayed at full speed to a deliberately slow subscriber in live mode, the loss
 * counted from the publisher's session and message sequence numbers, (c) the same replay with
 * --no-drop, every packet exactly once. The subscriber is a child process of this program, so
 * its memory is sampled apart from the decoder's (VmRSS/VmHWM from /proc, once a second). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "vleo.pb-c.h"

#ifndef VLEO_DECODER_BIN
#define VLEO_DECODER_BIN "vleo-decoder"
#endif

#define SPACECRAFT "LOAD"
#define N_APIDS 16u
#define FIRST_APID 100u
#define SPP_LEN 105u /* octets of each space packet, primary header included */
#define ETH 14u
#define IPV4 20u
#define UDP 8u
#define FRAME (ETH + IPV4 + UDP + SPP_LEN)
#define REC_LEN (16u + FRAME) /* pcap record header + frame */
#define MAX_RUNS 9
#define MAX_SAMPLES 4096
#define MAX_PROBES 200    /* probe records fed one by one until the subscription is in place */
#define CHUNK 4096u       /* packets written per write() */
#define FLAT_MAX_MIB 4.0  /* (a): RSS may vary by at most this after the warm-up */
#define WARMUP_SAMPLES 3u /* (a): samples before the flatness window opens */
#define PEAK_PERIOD 0.02  /* (b), (c): sampling period for the peaks (VmHWM) */

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_s(double s) {
    if (s <= 0) {
        return;
    }
    struct timespec d = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&d, &d) != 0 && errno == EINTR) {
    }
}

static void put16(uint8_t *p, unsigned v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32le(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ---- packets and captures --------------------------------------------------------------- */

/* Space packet number `index`: APIDs FIRST_APID.. in turn, each with its own gap-free sequence
 * count; the data starts with the index (big-endian) so the subscriber can tell every packet
 * apart. */
static void make_spp(uint8_t *p, uint32_t index) {
    unsigned apid = FIRST_APID + index % N_APIDS;
    unsigned seq = (index / N_APIDS) & 0x3FFFu;
    p[0] = (uint8_t)(apid >> 8);
    p[1] = (uint8_t)apid;
    p[2] = (uint8_t)(0xC0u | seq >> 8); /* unsegmented */
    p[3] = (uint8_t)seq;
    put16(p + 4, SPP_LEN - 7);
    p[6] = (uint8_t)(index >> 24);
    p[7] = (uint8_t)(index >> 16);
    p[8] = (uint8_t)(index >> 8);
    p[9] = (uint8_t)index;
    for (unsigned i = 10; i < SPP_LEN; i++) {
        p[i] = (uint8_t)(i + index);
    }
}

/* Classic little-endian microsecond pcap header, DLT_EN10MB. */
static void make_pcap_header(uint8_t gh[24]) {
    memset(gh, 0, 24);
    put32le(gh, 0xa1b2c3d4u);
    gh[4] = 2; /* version 2.4 */
    gh[6] = 4;
    put32le(gh + 16, 65535); /* snaplen */
    put32le(gh + 20, 1);     /* DLT_EN10MB */
}

/* One pcap record: Ethernet/IPv4/UDP to port 1235 holding packet `index`, 10 us apart. */
static void make_record(uint8_t *rec, uint32_t index) {
    memset(rec, 0, REC_LEN);
    uint64_t us = (uint64_t)index * 10;
    put32le(rec, 1704067200u + (uint32_t)(us / 1000000)); /* 2024-01-01T00:00:00Z on */
    put32le(rec + 4, (uint32_t)(us % 1000000));
    put32le(rec + 8, FRAME);
    put32le(rec + 12, FRAME);
    uint8_t *f = rec + 16;
    static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
    memcpy(f, macs, sizeof macs);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + ETH;
    ip[0] = 0x45;
    put16(ip + 2, IPV4 + UDP + SPP_LEN);
    put16(ip + 4, index & 0xFFFFu);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 17;
    static const uint8_t lo[4] = {127, 0, 0, 1};
    memcpy(ip + 12, lo, 4);
    memcpy(ip + 16, lo, 4);
    uint32_t sum = 0;
    for (unsigned k = 0; k < IPV4; k += 2) {
        sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
    }
    while (sum >> 16) {
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    put16(ip + 10, ~sum & 0xFFFFu);
    uint8_t *udp = ip + IPV4;
    put16(udp, 40000);
    put16(udp + 2, 1235);
    put16(udp + 4, UDP + SPP_LEN); /* checksum 0: none, allowed over IPv4 */
    make_spp(udp + UDP, index);
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Records first..first+n-1 to fd in chunks. */
static int write_records(int fd, uint32_t first, uint32_t n) {
    static uint8_t buf[CHUNK * REC_LEN];
    for (uint32_t done = 0; done < n;) {
        uint32_t k = n - done < CHUNK ? n - done : CHUNK;
        for (uint32_t i = 0; i < k; i++) {
            make_record(buf + (size_t)i * REC_LEN, first + done + i);
        }
        if (write_all(fd, buf, (size_t)k * REC_LEN) != 0) {
            return -1;
        }
        done += k;
    }
    return 0;
}

/* ---- the subscriber (child process) ------------------------------------------------------ */

/* What a subscriber saw, reckoned from session ids and message sequence numbers. */
typedef struct {
    uint64_t messages;     /* messages received */
    uint64_t packets;      /* Packet messages received */
    uint64_t gaps;         /* message_seq numbers skipped, those before the first included */
    uint64_t out_of_order; /* message_seq not above the last one: duplicate or reordered */
    uint64_t dup_packets;  /* packet indices received twice */
    uint64_t distinct;     /* packet indices received */
    uint64_t bad;          /* undecodable messages, foreign sessions, indices out of range */
    uint64_t first_seq;
    uint64_t final_seq; /* the decoder's final DecoderStats ... */
    uint64_t dec_packets;
    uint64_t published;
    uint64_t dropped;
    uint64_t rejected;
    int got_final;
    double seconds; /* first message to the final stats */
} subres_t;

#define SUBRES_FMT                                                                                 \
    "result %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %d %.6f\n"

#define SUBRES_SCAN "result %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %d %lf"

/* Child "sub ENDPOINT RATE MAX_INDEX HWM TIMEOUT_S": a SUB on ENDPOINT, every topic, receive
 * high-water mark HWM; at most RATE messages/s (0: as fast as it can). Prints "ready" at the
 * first message, and one "result ..." line (SUBRES_FMT) at the final DecoderStats or the
 * timeout. */
static int child_sub(const char *ep, double rate, uint64_t max_index, int hwm, double timeout_s) {
    uint8_t *seen = calloc(max_index, 1);
    void *zctx = zmq_ctx_new();
    void *s = zmq_socket(zctx, ZMQ_SUB);
    int zero = 0, rcvto = 100, ivl = 10;
    if (seen == NULL || s == NULL || zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVTIMEO, &rcvto, sizeof rcvto) != 0 ||
        zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) != 0 ||
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0) != 0 || zmq_connect(s, ep) != 0) {
        fprintf(stderr, "vleo-loadbench: subscriber on %s: %s\n", ep, zmq_strerror(errno));
        return 1;
    }
    subres_t r;
    memset(&r, 0, sizeof r);
    uint64_t session = 0, last = 0;
    double t0 = 0, deadline = mono_s() + timeout_s;
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    while (!r.got_final && mono_s() < deadline) {
        if (zmq_msg_recv(&topic, s, 0) < 0) {
            continue; /* timeout: look at the deadline */
        }
        if (!zmq_msg_more(&topic) || zmq_msg_recv(&body, s, 0) < 0 || zmq_msg_more(&body)) {
            r.bad++;
            while (zmq_msg_more(&body) && zmq_msg_recv(&body, s, 0) >= 0) {
            }
            continue;
        }
        if (r.messages == 0) {
            t0 = mono_s();
            printf("ready\n");
            fflush(stdout);
        }
        const char *t = zmq_msg_data(&topic);
        size_t tl = zmq_msg_size(&topic);
        const uint8_t *d = zmq_msg_data(&body);
        size_t dl = zmq_msg_size(&body);
        uint64_t sid = 0, seq = 0;
        if (tl >= 14 && memcmp(t, "stats/decoder/", 14) == 0) {
            Vleo__V1__DecoderStats *st = vleo__v1__decoder_stats__unpack(NULL, dl, d);
            if (st == NULL) {
                r.bad++;
                continue;
            }
            sid = st->session_id;
            seq = st->message_seq;
            if (st->final) {
                r.got_final = 1;
                r.final_seq = st->message_seq;
                r.dec_packets = st->packets;
                r.published = st->published;
                r.dropped = st->dropped;
                r.rejected = st->rejected;
                r.seconds = mono_s() - t0;
            }
            vleo__v1__decoder_stats__free_unpacked(st, NULL);
        } else {
            Vleo__V1__Packet *p = vleo__v1__packet__unpack(NULL, dl, d);
            if (p == NULL || !p->has_raw || p->raw.len != SPP_LEN) {
                r.bad++;
                vleo__v1__packet__free_unpacked(p, NULL);
                continue;
            }
            sid = p->session_id;
            seq = p->message_seq;
            const uint8_t *x = p->raw.data + 6;
            uint64_t index =
                (uint64_t)x[0] << 24 | (uint64_t)x[1] << 16 | (uint64_t)x[2] << 8 | x[3];
            vleo__v1__packet__free_unpacked(p, NULL);
            r.packets++;
            if (index >= max_index) {
                r.bad++;
            } else if (seen[index]++) {
                r.dup_packets++;
            } else {
                r.distinct++;
            }
        }
        /* message_seq runs from 1 per session: a jump is messages lost on the way, and a
         * first number above 1 is what the session sent before the subscription reached it. */
        if (sid == 0 || seq == 0 || (session != 0 && sid != session)) {
            r.bad++;
        } else if (session == 0) {
            session = sid;
            r.first_seq = seq;
            r.gaps = seq - 1;
            last = seq;
        } else if (seq <= last) {
            r.out_of_order++;
        } else {
            r.gaps += seq - last - 1;
            last = seq;
        }
        r.messages++;
        if (rate > 0) {
            double ahead = t0 + (double)r.messages / rate - mono_s();
            if (ahead > 0.001) {
                sleep_s(ahead);
            }
        }
    }
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    printf(SUBRES_FMT, (unsigned long long)r.messages, (unsigned long long)r.packets,
           (unsigned long long)r.gaps, (unsigned long long)r.out_of_order,
           (unsigned long long)r.dup_packets, (unsigned long long)r.distinct,
           (unsigned long long)r.bad, (unsigned long long)r.first_seq,
           (unsigned long long)r.final_seq, (unsigned long long)r.dec_packets,
           (unsigned long long)r.published, (unsigned long long)r.dropped,
           (unsigned long long)r.rejected, r.got_final, r.seconds);
    fflush(stdout);
    zmq_close(s);
    zmq_ctx_term(zctx);
    free(seen);
    return r.got_final ? 0 : 1;
}

/* ---- processes ----------------------------------------------------------------------------- */

typedef struct {
    pid_t pid;
    int out_fd; /* the subscriber's stdout, or -1 */
    char line[512];
    size_t have;
    int status; /* exit status once reaped, 128 + signal when killed */
    bool reaped;
} proc_t;

/* Start argv with stdin /dev/null, stdout to a pipe (capture) or /dev/null, stderr appended to
 * errlog. Returns 0 or -1. */
static int proc_start(proc_t *p, char *const argv[], bool capture, const char *errlog) {
    memset(p, 0, sizeof *p);
    p->out_fd = -1;
    int out[2] = {-1, -1};
    if (capture && pipe2(out, O_CLOEXEC) != 0) {
        return -1;
    }
    p->pid = fork();
    if (p->pid < 0) {
        return -1;
    }
    if (p->pid == 0) {
        int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
        int e = open(errlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        dup2(nul, STDIN_FILENO);
        dup2(capture ? out[1] : nul, STDOUT_FILENO);
        dup2(e >= 0 ? e : nul, STDERR_FILENO);
        execv(argv[0], argv);
        _exit(127);
    }
    if (capture) {
        close(out[1]);
        p->out_fd = out[0];
    }
    return 0;
}

/* The next line of p's stdout (without '\n') into out, waiting until deadline. 0 or -1. */
static int proc_line(proc_t *p, char *out, size_t cap, double deadline) {
    for (;;) {
        char *nl = memchr(p->line, '\n', p->have);
        if (nl != NULL) {
            size_t n = (size_t)(nl - p->line);
            size_t k = n < cap - 1 ? n : cap - 1;
            memcpy(out, p->line, k);
            out[k] = '\0';
            memmove(p->line, nl + 1, p->have - n - 1);
            p->have -= n + 1;
            return 0;
        }
        double left = deadline - mono_s();
        if (left <= 0 || p->have == sizeof p->line) {
            return -1;
        }
        struct pollfd pf = {p->out_fd, POLLIN, 0};
        int pr = poll(&pf, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR) {
            continue;
        }
        if (pr <= 0) {
            return -1;
        }
        ssize_t n = read(p->out_fd, p->line + p->have, sizeof p->line - p->have);
        if (n <= 0) {
            return -1;
        }
        p->have += (size_t)n;
    }
}

/* Wait for p to end until deadline, then kill it. Returns its exit status (128 + signal). */
static int proc_wait(proc_t *p, double deadline) {
    if (p->reaped || p->pid <= 0) {
        return p->status;
    }
    int st = 0;
    for (;;) {
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid) {
            break;
        }
        if (r < 0 && errno != EINTR) {
            st = 0;
            break;
        }
        if (mono_s() > deadline) {
            kill(p->pid, SIGKILL);
            while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        sleep_s(0.01);
    }
    p->reaped = true;
    p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    if (p->out_fd >= 0) {
        close(p->out_fd);
        p->out_fd = -1;
    }
    return p->status;
}

static void proc_kill(proc_t *p) {
    if (!p->reaped && p->pid > 0) {
        kill(p->pid, SIGKILL);
        proc_wait(p, mono_s() + 5);
    }
}

/* ---- memory sampler (a thread): VmRSS and VmHWM of two processes every `period` s -------- */

typedef struct {
    pid_t pid[2];
    double rss_mib[2][MAX_SAMPLES];
    double hwm_mib[2]; /* peak as the kernel keeps it, at the last sample */
    unsigned n[2];
    double period;
    atomic_int stop;
    pthread_t th;
} sampler_t;

/* "VmRSS" or "VmHWM" of pid in MiB, or -1 when the process is gone. */
static double proc_mem(pid_t pid, const char *key) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        return -1;
    }
    double v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, fp) != NULL) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtod(line + kl + 1, NULL) / 1024.0;
            break;
        }
    }
    fclose(fp);
    return v;
}

/* Samples at once, then every period until stopped; a process that has ended keeps its last
 * samples. */
static void *sampler_main(void *arg) {
    sampler_t *s = arg;
    double next = mono_s();
    while (!atomic_load(&s->stop)) {
        if (mono_s() < next) {
            sleep_s(0.01);
            continue;
        }
        next += s->period;
        for (int i = 0; i < 2; i++) {
            double v = proc_mem(s->pid[i], "VmRSS");
            double h = proc_mem(s->pid[i], "VmHWM");
            if (h > s->hwm_mib[i]) {
                s->hwm_mib[i] = h;
            }
            if (v >= 0 && s->n[i] < MAX_SAMPLES) {
                s->rss_mib[i][s->n[i]++] = v;
            }
        }
    }
    return NULL;
}

static int sampler_start(sampler_t *s, pid_t a, pid_t b, double period) {
    memset(s, 0, sizeof *s);
    s->period = period;
    s->pid[0] = a;
    s->pid[1] = b;
    atomic_init(&s->stop, 0);
    return pthread_create(&s->th, NULL, sampler_main, s) == 0 ? 0 : -1;
}

static void sampler_stop(sampler_t *s) {
    atomic_store(&s->stop, 1);
    pthread_join(s->th, NULL);
}

/* Min and max of process i's samples from `from` on. */
static void sampler_range(const sampler_t *s, int i, unsigned from, double *mn, double *mx) {
    *mn = *mx = 0;
    for (unsigned k = from; k < s->n[i]; k++) {
        double v = s->rss_mib[i][k];
        if (k == from || v < *mn) {
            *mn = v;
        }
        if (k == from || v > *mx) {
            *mx = v;
        }
    }
}

/* ---- the scenarios ------------------------------------------------------------------------- */

typedef struct {
    const char *decoder;
    const char *self;
    const char *dir;
    char errlog[256];
    int runs;
    bool smoke;
    bool verbose;
    double rate;             /* (a) packets/s */
    double seconds;          /* (a) */
    uint32_t replay_packets; /* (b) */
    uint32_t nodrop_packets; /* (c) */
    double slow_rate;        /* (b), (c): the subscriber's messages/s */
    int hwm;                 /* (a) */
    int replay_hwm;          /* (b), (c) */
    int failures;
} lb_t;

/* One run's figures of a scenario. */
typedef struct {
    double sent, received, gaps, dropped, before_sub, rate, seconds;
    double dec_min, dec_max, sub_min, sub_max; /* (a): RSS after the warm-up */
    double dec_peak, sub_peak;                 /* VmHWM */
    double samples;
    double warmup_s; /* (a): seconds left out of the RSS range */
} fig_t;

static void fail(lb_t *b, const char *scenario, int run, const char *why) {
    fprintf(stderr, "vleo-loadbench: %s, run %d: FAILED: %s (decoder and subscriber stderr: %s)\n",
            scenario, run + 1, why, b->errlog);
    b->failures++;
}

static unsigned free_port(void) {
    unsigned port = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0) {
        port = ntohs(sa.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

static int start_sub(lb_t *b, proc_t *p, const char *ep, double rate, uint64_t max_index, int hwm,
                     double timeout_s) {
    char r[32], m[32], h[32], t[32];
    snprintf(r, sizeof r, "%.0f", rate);
    snprintf(m, sizeof m, "%llu", (unsigned long long)max_index);
    snprintf(h, sizeof h, "%d", hwm);
    snprintf(t, sizeof t, "%.0f", timeout_s);
    char *argv[] = {(char *)b->self, "--child", "sub", (char *)ep, r, m, h, t, NULL};
    return proc_start(p, argv, true, b->errlog);
}

/* The subscriber's result line, waiting until deadline. */
static int read_result(proc_t *p, subres_t *r, double deadline) {
    char line[512];
    memset(r, 0, sizeof *r);
    while (proc_line(p, line, sizeof line, deadline) == 0) {
        unsigned long long v[13];
        if (sscanf(line, SUBRES_SCAN, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
                   &v[9], &v[10], &v[11], &v[12], &r->got_final, &r->seconds) == 15) {
            r->messages = v[0];
            r->packets = v[1];
            r->gaps = v[2];
            r->out_of_order = v[3];
            r->dup_packets = v[4];
            r->distinct = v[5];
            r->bad = v[6];
            r->first_seq = v[7];
            r->final_seq = v[8];
            r->dec_packets = v[9];
            r->published = v[10];
            r->dropped = v[11];
            r->rejected = v[12];
            return 0;
        }
    }
    return -1;
}

/* Counting checks shared by the scenarios; returns a reason or NULL. */
static const char *check_counts(const subres_t *r, uint64_t sent, char *why, size_t cap) {
    if (!r->got_final) {
        return "the subscriber never got the final DecoderStats";
    }
    if (r->bad != 0 || r->out_of_order != 0 || r->dup_packets != 0) {
        snprintf(why, cap, "%llu bad, %llu out of order, %llu duplicate packets",
                 (unsigned long long)r->bad, (unsigned long long)r->out_of_order,
                 (unsigned long long)r->dup_packets);
        return why;
    }
    if (r->dec_packets != sent || r->published + r->dropped != sent || r->rejected != 0) {
        snprintf(why, cap,
                 "decoder: %llu packets, %llu published + %llu dropped, %llu rejected "
                 "for %llu sent",
                 (unsigned long long)r->dec_packets, (unsigned long long)r->published,
                 (unsigned long long)r->dropped, (unsigned long long)r->rejected,
                 (unsigned long long)sent);
        return why;
    }
    /* Every message numbered is received or a gap: nothing is lost unseen. */
    if (r->messages + r->gaps != r->final_seq) {
        snprintf(why, cap, "%llu received + %llu gaps != %llu numbered",
                 (unsigned long long)r->messages, (unsigned long long)r->gaps,
                 (unsigned long long)r->final_seq);
        return why;
    }
    return NULL;
}

/* (a) The decoder as a TCP client of our feed server: rate packets/s for `seconds`, live mode,
 * to a subscriber that keeps up. Everything must arrive; memory must stay flat. */
static void run_sustained(lb_t *b, int run, fig_t *fg) {
    const char *name = "a sustained feed";
    memset(fg, 0, sizeof *fg);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0) {
        fail(b, name, run, "cannot listen on 127.0.0.1");
        if (lfd >= 0) {
            close(lfd);
        }
        return;
    }
    char feed[64], ep[64], hwm[32];
    snprintf(feed, sizeof feed, "127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%u", free_port());
    snprintf(hwm, sizeof hwm, "%d", b->hwm);
    uint64_t total = (uint64_t)(b->rate * b->seconds);
    proc_t sub, dec;
    memset(&dec, 0, sizeof dec);
    if (start_sub(b, &sub, ep, 0, total + 1, b->hwm, b->seconds + 60) != 0) {
        fail(b, name, run, "cannot start the subscriber");
        close(lfd);
        return;
    }
    char *argv[] = {(char *)b->decoder,
                    "--tcp",
                    feed,
                    "--exit-on-eof",
                    "--pub",
                    ep,
                    "--hwm",
                    hwm,
                    "--spacecraft",
                    SPACECRAFT,
                    "--source-name",
                    "load",
                    "--quiet",
                    NULL};
    int cfd = -1;
    char line[64];
    struct pollfd pf = {lfd, POLLIN, 0};
    if (proc_start(&dec, argv, false, b->errlog) != 0 || poll(&pf, 1, 10000) != 1 ||
        (cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
        fail(b, name, run, "the decoder did not connect to the feed");
        goto out;
    }
    /* The decoder publishes DecoderStats every second: the first one at the subscriber says
     * the subscription is in place, so nothing is lost to a slow joiner. */
    if (proc_line(&sub, line, sizeof line, mono_s() + 10) != 0 || strcmp(line, "ready") != 0) {
        fail(b, name, run, "the subscriber received nothing");
        goto out;
    }
    sampler_t sm;
    if (sampler_start(&sm, dec.pid, sub.pid, 1.0) != 0) {
        fail(b, name, run, "cannot start the sampler");
        goto out;
    }
    static uint8_t buf[CHUNK * SPP_LEN];
    uint64_t sent = 0;
    double t0 = mono_s();
    bool broken = false;
    while (sent < total && !broken) {
        /* Paced by the clock, not by sleeps: packets due so far, sent in one write. */
        double el = mono_s() - t0;
        uint64_t due = (uint64_t)(el * b->rate) + 1;
        due = due < total ? due : total;
        if (due <= sent) {
            sleep_s(0.0005);
            continue;
        }
        uint64_t k = due - sent < CHUNK ? due - sent : CHUNK;
        for (uint64_t i = 0; i < k; i++) {
            make_spp(buf + i * SPP_LEN, (uint32_t)(sent + i));
        }
        broken = write_all(cfd, buf, (size_t)k * SPP_LEN) != 0;
        sent += k;
    }
    double took = mono_s() - t0;
    close(cfd);
    cfd = -1;
    subres_t r;
    int rc = read_result(&sub, &r, mono_s() + 60);
    int drc = proc_wait(&dec, mono_s() + 30);
    sampler_stop(&sm);
    char why[256];
    const char *bad = broken     ? "the feed connection broke"
                      : rc != 0  ? "no result from the subscriber"
                      : drc != 0 ? "the decoder failed"
                                 : check_counts(&r, sent, why, sizeof why);
    /* Gaps before the first message can only be DecoderStats published before the
     * subscription arrived: no packet is sent before it. */
    if (bad == NULL && (r.packets != sent || r.gaps != r.first_seq - 1 || r.dropped != 0)) {
        snprintf(why, sizeof why, "received %llu of %llu, %llu gaps, %llu dropped",
                 (unsigned long long)r.packets, (unsigned long long)sent,
                 (unsigned long long)r.gaps, (unsigned long long)r.dropped);
        bad = why;
    }
    fg->sent = (double)sent;
    fg->received = (double)r.packets;
    fg->gaps = r.first_seq > 0 ? (double)(r.gaps - (r.first_seq - 1)) : (double)r.gaps;
    fg->dropped = (double)r.dropped;
    fg->rate = (double)sent / took;
    fg->seconds = took;
    /* The first sample is taken at the start, then one a second: skip the warm-up ones. */
    unsigned from = sm.n[0] > WARMUP_SAMPLES + 2 ? WARMUP_SAMPLES + 1 : 0;
    fg->samples = (double)(sm.n[0] - from);
    fg->warmup_s = from > 0 ? WARMUP_SAMPLES : 0;
    sampler_range(&sm, 0, from, &fg->dec_min, &fg->dec_max);
    sampler_range(&sm, 1, from, &fg->sub_min, &fg->sub_max);
    fg->dec_peak = sm.hwm_mib[0];
    fg->sub_peak = sm.hwm_mib[1];
    if (bad == NULL && fg->rate < 0.99 * b->rate) {
        snprintf(why, sizeof why, "fed %.0f packets/s, wanted %.0f", fg->rate, b->rate);
        bad = why;
    }
    if (bad == NULL && from > 0 &&
        (fg->dec_max - fg->dec_min > FLAT_MAX_MIB || fg->sub_max - fg->sub_min > FLAT_MAX_MIB)) {
        snprintf(why, sizeof why,
                 "memory not flat: decoder %.1f..%.1f MiB, subscriber "
                 "%.1f..%.1f MiB",
                 fg->dec_min, fg->dec_max, fg->sub_min, fg->sub_max);
        bad = why;
    }
    if (bad != NULL) {
        fail(b, name, run, bad);
    }
    if (b->verbose) {
        fprintf(stderr,
                "  a: sent %.0f received %.0f gaps %.0f in %.2f s; RSS decoder %.1f..%.1f, "
                "subscriber %.1f..%.1f MiB (%.0f samples)\n",
                fg->sent, fg->received, fg->gaps, took, fg->dec_min, fg->dec_max, fg->sub_min,
                fg->sub_max, fg->samples);
    }
out:
    if (cfd >= 0) {
        close(cfd);
    }
    close(lfd);
    proc_kill(&dec);
    proc_kill(&sub);
}

/* Open the FIFO for writing once the decoder has opened it for reading (bounded wait). */
static int open_fifo_writer(const char *path, const proc_t *dec) {
    for (int i = 0; i < 1000; i++) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            fcntl(fd, F_SETFL, 0); /* blocking from here on */
            return fd;
        }
        if (errno != ENXIO || waitpid(dec->pid, NULL, WNOHANG) != 0) {
            return -1;
        }
        sleep_s(0.01);
    }
    return -1;
}

/* (b) live and (c) --no-drop: a capture replayed at full speed to a subscriber that takes
 * slow_rate messages/s. (b) feeds the capture through a FIFO: probe records one by one until
 * the subscriber has one, so the loss measured is the high-water mark's, not the slow
 * joiner's; (c) replays a file, the decoder waiting for the subscription itself. */
static void run_replay(lb_t *b, int run, bool no_drop, fig_t *fg) {
    const char *name = no_drop ? "c replay --no-drop" : "b replay live";
    memset(fg, 0, sizeof *fg);
    uint32_t n = no_drop ? b->nodrop_packets : b->replay_packets;
    char path[300], ep[64], hwm[32];
    snprintf(path, sizeof path, "%s/vleo-loadbench-%d.%s", b->dir, (int)getpid(),
             no_drop ? "pcap" : "fifo");
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%u", free_port());
    snprintf(hwm, sizeof hwm, "%d", b->replay_hwm);
    unlink(path);
    uint8_t gh[24];
    make_pcap_header(gh);
    if (no_drop) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        bool ok = fd >= 0 && write_all(fd, gh, sizeof gh) == 0 && write_records(fd, 0, n) == 0;
        if (fd >= 0) {
            ok = close(fd) == 0 && ok;
        }
        if (!ok) {
            fail(b, name, run, "cannot write the capture");
            unlink(path);
            return;
        }
    } else if (mkfifo(path, 0600) != 0) {
        fail(b, name, run, "cannot make the FIFO");
        return;
    }
    /* The queues hold 2 x HWM messages at most: draining them takes 2 x HWM / slow_rate. */
    double drain_s = 2.0 * b->replay_hwm / b->slow_rate;
    double timeout = 60 + drain_s + (no_drop ? (double)n / b->slow_rate : 0);
    proc_t sub, dec;
    memset(&dec, 0, sizeof dec);
    if (start_sub(b, &sub, ep, b->slow_rate, (uint64_t)n + MAX_PROBES, b->replay_hwm, timeout) !=
        0) {
        fail(b, name, run, "cannot start the subscriber");
        unlink(path);
        return;
    }
    char *argv[] = {(char *)b->decoder,
                    "--pcap",
                    path,
                    "--pub",
                    ep,
                    "--hwm",
                    hwm,
                    "--spacecraft",
                    SPACECRAFT,
                    "--source-name",
                    "load",
                    "--quiet",
                    "--stats-interval",
                    "86400",
                    no_drop ? "--no-drop" : NULL,
                    "--wait-subscriber",
                    "10",
                    NULL};
    sampler_t sm;
    bool sampling = false;
    int fd = -1;
    uint64_t sent = 0;
    double t0 = mono_s();
    if (proc_start(&dec, argv, false, b->errlog) != 0 ||
        sampler_start(&sm, dec.pid, sub.pid, PEAK_PERIOD) != 0) {
        fail(b, name, run, "cannot start the decoder");
        goto out;
    }
    sampling = true;
    if (no_drop) {
        sent = n;
    } else {
        fd = open_fifo_writer(path, &dec);
        if (fd < 0 || write_all(fd, gh, sizeof gh) != 0) {
            fail(b, name, run, "the decoder did not open its input");
            goto out;
        }
        char line[64];
        bool ready = false;
        while (!ready && sent < MAX_PROBES) {
            if (write_records(fd, (uint32_t)sent++, 1) != 0) {
                break;
            }
            ready = proc_line(&sub, line, sizeof line, mono_s() + 0.05) == 0 &&
                    strcmp(line, "ready") == 0;
        }
        if (!ready) {
            fail(b, name, run, "no probe reached the subscriber");
            goto out;
        }
        t0 = mono_s();
        if (write_records(fd, (uint32_t)sent, n) != 0) {
            fail(b, name, run, "the decoder stopped reading its input");
            goto out;
        }
        sent += n;
        close(fd);
        fd = -1;
    }
    double fed = mono_s() - t0;
    subres_t r;
    int rc = read_result(&sub, &r, mono_s() + timeout);
    int drc = proc_wait(&dec, mono_s() + 30);
    sampler_stop(&sm);
    sampling = false;
    char why[256];
    const char *bad = rc != 0    ? "no result from the subscriber"
                      : drc != 0 ? "the decoder failed"
                                 : check_counts(&r, sent, why, sizeof why);
    /* The counting fact: the subscriber's gaps are exactly what was sent and did not arrive;
     * in live mode those after its first message are exactly the decoder's drops. */
    if (bad == NULL && (r.packets > sent || r.gaps != sent - r.packets)) {
        snprintf(why, sizeof why, "gaps %llu != sent %llu - received %llu",
                 (unsigned long long)r.gaps, (unsigned long long)sent,
                 (unsigned long long)r.packets);
        bad = why;
    }
    if (bad == NULL && r.gaps - (r.first_seq - 1) != r.dropped) {
        snprintf(why, sizeof why, "gaps after the first message %llu != dropped %llu",
                 (unsigned long long)(r.gaps - (r.first_seq - 1)), (unsigned long long)r.dropped);
        bad = why;
    }
    if (bad == NULL && no_drop &&
        (r.packets != sent || r.distinct != sent || r.gaps != 0 || r.first_seq != 1)) {
        snprintf(why, sizeof why, "--no-drop: received %llu (%llu distinct) of %llu, %llu gaps",
                 (unsigned long long)r.packets, (unsigned long long)r.distinct,
                 (unsigned long long)sent, (unsigned long long)r.gaps);
        bad = why;
    }
    if (bad == NULL && !no_drop && r.dropped == 0) {
        bad = "nothing was dropped: the subscriber was not slow enough to show anything";
    }
    fg->sent = (double)sent;
    fg->received = (double)r.packets;
    fg->gaps = (double)r.gaps;
    fg->dropped = (double)r.dropped;
    fg->before_sub = r.first_seq > 0 ? (double)(r.first_seq - 1) : 0;
    fg->seconds = r.seconds;
    fg->rate = no_drop ? (r.seconds > 0 ? (double)r.packets / r.seconds : 0)
                       : (fed > 0 ? (double)n / fed : 0);
    fg->samples = (double)sm.n[0];
    fg->dec_peak = sm.hwm_mib[0];
    fg->sub_peak = sm.hwm_mib[1];
    sampler_range(&sm, 0, 0, &fg->dec_min, &fg->dec_max);
    sampler_range(&sm, 1, 0, &fg->sub_min, &fg->sub_max);
    if (bad != NULL) {
        fail(b, name, run, bad);
    }
    if (b->verbose) {
        fprintf(stderr,
                "  %c: sent %.0f received %.0f gaps %.0f dropped %.0f first_seq %llu in "
                "%.2f s; peak RSS decoder %.1f, subscriber %.1f MiB\n",
                no_drop ? 'c' : 'b', fg->sent, fg->received, fg->gaps, fg->dropped,
                (unsigned long long)r.first_seq, r.seconds, fg->dec_peak, fg->sub_peak);
    }
out:
    if (fd >= 0) {
        close(fd);
    }
    if (sampling) {
        sampler_stop(&sm);
    }
    proc_kill(&dec);
    proc_kill(&sub);
    unlink(path);
}

/* ---- the table ----------------------------------------------------------------------------- */

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, c = *(const double *)y;
    return (a > c) - (a < c);
}

/* Median over runs of the field at `off` in fg[0..n). */
static double med(const fig_t *fg, int n, size_t off) {
    double v[MAX_RUNS];
    for (int i = 0; i < n; i++) {
        memcpy(&v[i], (const char *)&fg[i] + off, sizeof v[i]);
    }
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define MED(fg, n, field) med(fg, n, offsetof(fig_t, field))

static void print_table(const lb_t *b, const fig_t *a, const fig_t *bl, const fig_t *c) {
    int n = b->runs;
    printf("\nvleo-loadbench: vleo-decoder over tcp://127.0.0.1, %u-octet packets, median of %d "
           "run%s%s\n",
           SPP_LEN, n, n == 1 ? "" : "s", b->smoke ? " (smoke run)" : "");
    printf("\na  sustained feed, live mode: decoder --tcp client of our feed server, %.0f "
           "packets/s for %.0f s, HWM %d both ends\n",
           b->rate, b->seconds, b->hwm);
    printf("   sent %.0f, received %.0f (received/sent %.6f), gaps %.0f, dropped %.0f; fed at %.0f "
           "packets/s\n",
           MED(a, n, sent), MED(a, n, received), MED(a, n, received) / MED(a, n, sent),
           MED(a, n, gaps), MED(a, n, dropped), MED(a, n, rate));
    printf(
        "   RSS once a second after the first %.0f s: decoder min %.1f / max %.1f MiB, subscriber "
        "min %.1f / max %.1f MiB (%.0f samples); peaks %.1f / %.1f MiB\n",
        MED(a, n, warmup_s), MED(a, n, dec_min), MED(a, n, dec_max), MED(a, n, sub_min),
        MED(a, n, sub_max), MED(a, n, samples), MED(a, n, dec_peak), MED(a, n, sub_peak));
    printf("\nb  replay at full speed, live mode, subscriber slowed to %.0f messages/s, HWM %d "
           "both ends\n",
           b->slow_rate, b->replay_hwm);
    printf("   sent %.0f, received %.0f, subscriber's gaps %.0f = sent - received; decoder "
           "dropped %.0f + %.0f sent before the subscription\n",
           MED(bl, n, sent), MED(bl, n, received), MED(bl, n, gaps), MED(bl, n, dropped),
           MED(bl, n, before_sub));
    printf("   replay fed at %.0f packets/s; peak RSS decoder %.1f MiB, subscriber %.1f MiB\n",
           MED(bl, n, rate), MED(bl, n, dec_peak), MED(bl, n, sub_peak));
    printf("\nc  replay --no-drop, subscriber slowed to %.0f messages/s, HWM %d both ends\n",
           b->slow_rate, b->replay_hwm);
    printf("   sent %.0f, received %.0f, each exactly once, gaps %.0f, dropped %.0f, in %.1f s "
           "(%.0f packets/s)\n",
           MED(c, n, sent), MED(c, n, received), MED(c, n, gaps), MED(c, n, dropped),
           MED(c, n, seconds), MED(c, n, rate));
    printf("   peak RSS decoder %.1f MiB, subscriber %.1f MiB\n", MED(c, n, dec_peak),
           MED(c, n, sub_peak));
    printf("\nEvery counting check held in every run.\n");
}

static const char usage_text[] =
    "usage: vleo-loadbench [--smoke] [--runs N] [--rate PPS] [--seconds S]\n"
    "                      [--replay-packets N] [--nodrop-packets N] [--slow-rate MPS]\n"
    "                      [--dir DIR] [--decoder PATH] [--verbose]\n"
    "vleo-decoder under load over tcp://127.0.0.1, HWM 100000 both ends:\n"
    "  a  a TCP feed of --rate (20000) packets/s for --seconds (30) s, live mode: all must\n"
    "     arrive, no gaps, memory flat (RSS sampled once a second);\n"
    "  b  --replay-packets (1000000) replayed at full speed in live mode to a subscriber slowed\n"
    "     to --slow-rate (20000) messages/s: its gaps from session/sequence must equal sent\n"
    "     minus received exactly;\n"
    "  c  --nodrop-packets (400000) replayed with --no-drop to the same slow subscriber: each\n"
    "     packet exactly once, memory bounded.\n"
    "Medians of --runs (3) runs. --smoke: one short run of each (3 s, 100000 and 20000\n"
    "packets, HWM 1000 in b and c so the queues fill at once).\n"
    "Exit: 0 every check held, 1 a check failed, 2 usage.\n";

static double parse_num(const char *opt, const char *s, double lo, double hi) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
        fprintf(stderr, "vleo-loadbench: %s wants a number from %g to %g\n%s", opt, lo, hi,
                usage_text);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc == 8 && strcmp(argv[1], "--child") == 0 && strcmp(argv[2], "sub") == 0) {
        return child_sub(argv[3], parse_num("rate", argv[4], 0, 1e9),
                         (uint64_t)parse_num("max", argv[5], 1, 1e9),
                         (int)parse_num("hwm", argv[6], 1, 1e8), parse_num("t", argv[7], 1, 1e6));
    }
    static lb_t lb;
    lb_t *b = &lb;
    b->decoder = VLEO_DECODER_BIN;
    b->dir = "/tmp";
    b->runs = 3;
    b->rate = 20000;
    b->seconds = 30;
    b->replay_packets = 1000000;
    b->nodrop_packets = 400000;
    b->slow_rate = 20000;
    b->hwm = b->replay_hwm = 100000;
    static const struct option longopts[] = {{"smoke", no_argument, 0, 'S'},
                                             {"runs", required_argument, 0, 'r'},
                                             {"rate", required_argument, 0, 'R'},
                                             {"seconds", required_argument, 0, 's'},
                                             {"replay-packets", required_argument, 0, 'b'},
                                             {"nodrop-packets", required_argument, 0, 'c'},
                                             {"slow-rate", required_argument, 0, 'w'},
                                             {"dir", required_argument, 0, 'd'},
                                             {"decoder", required_argument, 0, 'D'},
                                             {"verbose", no_argument, 0, 'v'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'S':
            b->smoke = true;
            b->runs = 1;
            b->seconds = 3;
            b->replay_packets = 100000;
            b->nodrop_packets = 20000;
            b->replay_hwm = 1000;
            break;
        case 'r':
            b->runs = (int)parse_num("--runs", optarg, 1, MAX_RUNS);
            break;
        case 'R':
            b->rate = parse_num("--rate", optarg, 1, 1e7);
            break;
        case 's':
            b->seconds = parse_num("--seconds", optarg, 1, 3600);
            break;
        case 'b':
            b->replay_packets = (uint32_t)parse_num("--replay-packets", optarg, 1000, 1e8);
            break;
        case 'c':
            b->nodrop_packets = (uint32_t)parse_num("--nodrop-packets", optarg, 1000, 1e8);
            break;
        case 'w':
            b->slow_rate = parse_num("--slow-rate", optarg, 100, 1e7);
            break;
        case 'd':
            b->dir = optarg;
            break;
        case 'D':
            b->decoder = optarg;
            break;
        case 'v':
            b->verbose = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fputs(usage_text, stderr);
        return 2;
    }
    static char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) {
        fprintf(stderr, "vleo-loadbench: cannot find its own executable\n");
        return 1;
    }
    self[sl] = '\0';
    b->self = self;
    snprintf(b->errlog, sizeof b->errlog, "%s/vleo-loadbench-%d.log", b->dir, (int)getpid());
    unlink(b->errlog);
    signal(SIGPIPE, SIG_IGN);
    static fig_t fa[MAX_RUNS], fb[MAX_RUNS], fc[MAX_RUNS];
    for (int run = 0; run < b->runs && b->failures == 0; run++) {
        fprintf(stderr, "vleo-loadbench: run %d of %d\n", run + 1, b->runs);
        run_sustained(b, run, &fa[run]);
        run_replay(b, run, false, &fb[run]);
        run_replay(b, run, true, &fc[run]);
    }
    if (b->failures > 0) {
        return 1;
    }
    print_table(b, fa, fb, fc);
    unlink(b->errlog);
    return 0;
}
