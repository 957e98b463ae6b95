/* vleo_bench.c: vleo-bench, throughput of the decode path, of the ZeroMQ bus end to end and
 * of tshark's CCSDS dissector, each next to a baseline measured in the same run (DESIGN
 * section 9). The capture is generated here; nothing it writes is meant to be kept. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include <fec.h>

#include "dec/cadu.h"
#include "dec/capreader.h"
#include "dec/mdb.h"
#include "dec/output.h"
#include "dec/pipeline.h"
#include "vleo.pb-c.h"

#ifndef VLEO_DECODER_BIN
#define VLEO_DECODER_BIN "vleo-decoder"
#endif

#define SPACECRAFT "BENCH-SAT" /* topics tm/BENCH-SAT/APID1nn: 20 octets */
#define N_APIDS 16u
#define FIRST_APID 100u
#define SPP_LEN 105u   /* octets of each space packet, primary header included */
#define UDP_PORT 1235u /* what tshark is told to dissect as CCSDS */
#define HWM 100000     /* send and receive high-water marks, as vleo-decoder's default */
#define TSHARK_PACKETS 100000u
#define MAX_RUNS 50
#define PACK_CAP 70000u

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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

/* ---- capture generator ------------------------------------------------------------------ */

/* Write a classic little-endian microsecond pcap (DLT_EN10MB) of n records, each one
 * Ethernet/IPv4/UDP datagram to port UDP_PORT holding one SPP_LEN-octet space packet; APIDs
 * cycle over N_APIDS values, each with its own gap-free sequence count. */
static int gen_capture(const char *path, uint64_t n) {
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) {
        fprintf(stderr, "vleo-bench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    static char iobuf[1 << 20];
    setvbuf(fp, iobuf, _IOFBF, sizeof iobuf);
    uint8_t gh[24] = {0};
    put32le(gh, 0xa1b2c3d4u);
    gh[4] = 2; /* version 2.4 */
    gh[6] = 4;
    put32le(gh + 16, 65535); /* snaplen */
    put32le(gh + 20, 1);     /* DLT_EN10MB */
    int bad = fwrite(gh, 1, sizeof gh, fp) != sizeof gh;

    enum { ETH = 14, IP = 20, UDP = 8, FRAME = ETH + IP + UDP + SPP_LEN };
    uint8_t rec[16 + FRAME];
    uint8_t *f = rec + 16;
    memset(rec, 0, sizeof rec);
    static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
    memcpy(f, macs, sizeof macs);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + ETH;
    ip[0] = 0x45;
    put16(ip + 2, IP + UDP + SPP_LEN);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 17;
    static const uint8_t lo[4] = {127, 0, 0, 1};
    memcpy(ip + 12, lo, 4);
    memcpy(ip + 16, lo, 4);
    uint8_t *udp = ip + IP;
    put16(udp, 40000);
    put16(udp + 2, UDP_PORT);
    put16(udp + 4, UDP + SPP_LEN); /* checksum 0: none, allowed over IPv4 */
    uint8_t *spp = udp + UDP;
    put32le(rec + 8, FRAME);
    put32le(rec + 12, FRAME);
    uint16_t seq[N_APIDS] = {0};
    const uint32_t t0 = 1704067200u; /* 2024-01-01T00:00:00Z */
    for (uint64_t i = 0; i < n && !bad; i++) {
        uint64_t us = i * 10; /* one packet every 10 us */
        put32le(rec, t0 + (uint32_t)(us / 1000000));
        put32le(rec + 4, (uint32_t)(us % 1000000));
        put16(ip + 4, (unsigned)(i & 0xffff)); /* IP identification */
        ip[10] = ip[11] = 0;
        uint32_t sum = 0;
        for (int k = 0; k < IP; k += 2) {
            sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
        }
        while (sum >> 16) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        put16(ip + 10, ~sum & 0xffff);
        unsigned a = (unsigned)(i % N_APIDS);
        put16(spp, FIRST_APID + a);                   /* version 0, TM, no sec. header */
        put16(spp + 2, 0xC000u | (seq[a] & 0x3fffu)); /* unsegmented */
        seq[a] = (uint16_t)((seq[a] + 1) & 0x3fff);
        put16(spp + 4, SPP_LEN - 7); /* data length field: data octets - 1 */
        for (unsigned k = 6; k < SPP_LEN; k++) {
            spp[k] = (uint8_t)(i + k);
        }
        bad = fwrite(rec, 1, sizeof rec, fp) != sizeof rec;
    }
    if (fclose(fp) != 0 || bad) {
        fprintf(stderr, "vleo-bench: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

/* ---- in-process children: libpcap loop, library decode path ------------------------------ */

/* What the decode path's packet callback does: count, or also encode each packet exactly as
 * vleo-decoder publishes it (dec_out_encode, the same encoder), without ZeroMQ. */
typedef struct {
    bool pack;
    size_t want_params; /* with a database: values every packet must carry */
    uint64_t param_errors;
    uint64_t packets;
    uint64_t packed_bytes;
    uint64_t seq;
    uint8_t *buf;
    dec_out_t *out;
} packer_t;

static void packer_init(packer_t *pk, const char *path, bool pack, const dec_mdb_t *mdb) {
    memset(pk, 0, sizeof *pk);
    pk->pack = pack;
    char err[256];
    dec_out_opts_t o = {.spacecraft = SPACECRAFT,
                        .source_name = "bench",
                        .source_path = path,
                        .raw = true,
                        .mdb = mdb};
    pk->out = dec_out_new(&o, err, sizeof err);
    if (pk->out == NULL) {
        fprintf(stderr, "vleo-bench: %s\n", err);
        exit(1);
    }
}

static void packer_cb(void *ctx, const dec_packet_t *p) {
    packer_t *pk = ctx;
    pk->packets++;
    if (pk->want_params != 0 && (p->n_params != pk->want_params || p->container < 0)) {
        pk->param_errors++;
    }
    if (!pk->pack) {
        return;
    }
    pk->packed_bytes += dec_out_encode(pk->out, p, ++pk->seq, pk->buf, PACK_CAP);
}

static void count_cb(void *ctx, const dec_packet_t *p) {
    (void)p;
    (*(uint64_t *)ctx)++;
}

/* Child "loop": read the capture with libpcap's pcap_next_ex, touching each record (time,
 * length, first and last octet). Prints "records seconds 0 sink". */
static int child_pcap_loop(const char *path) {
    char errbuf[PCAP_ERRBUF_SIZE];
    double t0 = mono_s();
    FILE *fp = fopen(path, "rb");
    pcap_t *pc =
        fp ? pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf)
           : NULL;
    if (pc == NULL) {
        fprintf(stderr, "vleo-bench: cannot read %s\n", path);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t records = 0;
    uint64_t touch = 0;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec;
        records++;
        touch += (uint64_t)ts + h->caplen + data[0] + data[h->caplen - 1];
    }
    double el = mono_s() - t0;
    pcap_close(pc);
    printf("%llu %.9f 0 %llu\n", (unsigned long long)records, el, (unsigned long long)(touch & 1));
    return 0;
}

/* Child "crloop", "decode", "pack", "mdb": read the capture with dec_capreader as
 * vleo-decoder does, and touch each record (crloop), or feed it to the decode path with
 * packets counted only (decode) or each encoded as a vleo.v1.Packet (pack), or decoded with
 * the XTCE file xtce (want values each) and encoded (mdb). Prints "packets seconds
 * mean_packed_size sink". */
static int child_read(const char *mode, const char *path, const char *xtce, size_t want) {
    bool loop = strcmp(mode, "crloop") == 0;
    packer_t *pk = malloc(sizeof *pk);
    uint8_t *buf = malloc(PACK_CAP);
    if (pk == NULL || buf == NULL) {
        return 1;
    }
    dec_mdb_t *mdb = NULL;
    if (xtce != NULL) {
        char e[1024];
        mdb = dec_mdb_load(xtce, e, sizeof e);
        if (mdb == NULL) {
            fprintf(stderr, "vleo-bench: %s\n", e);
            return 1;
        }
    }
    packer_init(pk, path, strcmp(mode, "pack") == 0 || mdb != NULL, mdb);
    pk->want_params = want;
    pk->buf = buf;
    dec_pipeline_t *pipe = NULL;
    char err[512];
    if (!loop) {
        dec_pipeline_opts_t o;
        dec_pipeline_opts_default(&o);
        o.mdb = mdb;
        pipe = dec_pipeline_new(&o, packer_cb, pk, err, sizeof err);
        if (pipe == NULL) {
            fprintf(stderr, "vleo-bench: %s\n", err);
            return 1;
        }
    }
    double t0 = mono_s();
    int code = 0;
    dec_capreader_t *cr = dec_capreader_open(path, NULL, err, sizeof err, &code);
    if (cr == NULL) {
        fprintf(stderr, "vleo-bench: %s\n", err);
        return 1;
    }
    dec_cap_record_t rec;
    uint64_t records = 0;
    uint64_t touch = 0;
    dec_cr_status_t st;
    while ((st = dec_capreader_next(cr, &rec)) == DEC_CR_RECORD) {
        records++;
        if (loop) {
            touch += (uint64_t)rec.ts_ns + rec.caplen + rec.data[0] + rec.data[rec.caplen - 1];
        } else {
            dec_pipeline_record(pipe, rec.linktype, rec.data, rec.caplen, rec.wirelen, rec.ts_ns);
        }
    }
    if (pipe != NULL) {
        dec_pipeline_flush(pipe);
    }
    double el = mono_s() - t0;
    if (st != DEC_CR_EOF) {
        fprintf(stderr, "vleo-bench: %s\n", dec_capreader_error(cr));
        return 1;
    }
    dec_capreader_close(&cr);
    uint64_t n = loop ? records : pk->packets;
    double avg = pk->packets ? (double)pk->packed_bytes / (double)pk->packets : 0;
    printf("%llu %.9f %.3f %llu\n", (unsigned long long)n, el, avg,
           (unsigned long long)(touch & 1));
    dec_pipeline_destroy(&pipe);
    dec_out_destroy(&pk->out);
    dec_mdb_destroy(&mdb);
    uint64_t bad = pk->param_errors;
    free(buf);
    free(pk);
    if (bad != 0) {
        fprintf(stderr, "vleo-bench: %llu packets without their %zu parameters\n",
                (unsigned long long)bad, want);
        return 1;
    }
    return 0;
}

/* ---- bare ZeroMQ publisher child ---------------------------------------------------------- */

/* Child: XPUB with NODROP bound at ep; once a subscriber shows up, send n two-frame messages
 * [topic of topic_len octets, body of body_len octets] with blocking sends, then an end
 * marker on "stats/bare". Prints "messages seconds". */
static int child_bare_pub(const char *ep, uint64_t n, size_t topic_len, size_t body_len) {
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_XPUB);
    int hwm = HWM, linger = -1, one = 1, rcvto = 30000;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_XPUB_NODROP, &one, sizeof one);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &rcvto, sizeof rcvto);
    if (zmq_bind(s, ep) != 0) {
        fprintf(stderr, "vleo-bench: bind %s: %s\n", ep, zmq_strerror(errno));
        return 1;
    }
    char sub[256];
    if (zmq_recv(s, sub, sizeof sub, 0) < 0) {
        fprintf(stderr, "vleo-bench: no subscriber on %s\n", ep);
        return 1;
    }
    char topics[N_APIDS][64];
    for (unsigned a = 0; a < N_APIDS; a++) {
        snprintf(topics[a], sizeof topics[a], "tm/%s/APID%u%s", SPACECRAFT, FIRST_APID + a,
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    }
    if (topic_len > 63) {
        topic_len = 63;
    }
    uint8_t *body = malloc(body_len ? body_len : 1);
    if (body == NULL) {
        return 1;
    }
    for (size_t i = 0; i < body_len; i++) {
        body[i] = (uint8_t)(i * 7);
    }
    double t0 = mono_s();
    for (uint64_t i = 0; i < n; i++) {
        if (zmq_send(s, topics[i % N_APIDS], topic_len, ZMQ_SNDMORE) < 0 ||
            zmq_send(s, body, body_len, 0) < 0) {
            fprintf(stderr, "vleo-bench: send: %s\n", zmq_strerror(errno));
            return 1;
        }
    }
    zmq_send(s, "stats/bare", 10, ZMQ_SNDMORE);
    zmq_send(s, "", 0, 0);
    double el = mono_s() - t0;
    zmq_close(s);
    zmq_ctx_term(ctx);
    free(body);
    printf("%llu %.9f\n", (unsigned long long)n, el);
    return 0;
}

/* ---- child processes ---------------------------------------------------------------------- */

typedef struct {
    pid_t pid;  /* the rusage wrapper (this program), parent of the measured process */
    int out_fd; /* read end of the measured process's stdout, or -1 */
    int rep_fd; /* read end of the wrapper's report */
} proc_t;

typedef struct {
    double wall_s;
    double rss_mib;
    int status; /* exit code, or 128 + signal */
    char out[512];
    uint64_t lines; /* non-empty stdout lines */
} proc_result_t;

#define REPORT_FD 3

static volatile pid_t g_measured;

static void forward_term(int sig) {
    if (g_measured > 0) {
        kill(g_measured, sig);
    }
}

/* Child "rusage": run argv as a child of this freshly started process and report on fd
 * REPORT_FD "wall_seconds maxrss_kib status". Linux carries a process's peak RSS across
 * fork and exec, so a process started straight from the (larger) bench would report the
 * bench's own peak; started from here it reports its own (this wrapper is ~3 MiB). */
static int child_rusage(char **argv) {
    fcntl(REPORT_FD, F_SETFD, FD_CLOEXEC);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_term;
    sigaction(SIGTERM, &sa, NULL);
    double t0 = mono_s();
    pid_t pid = fork();
    if (pid < 0) {
        return 1;
    }
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "vleo-bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    g_measured = pid;
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR) {
    }
    double wall = mono_s() - t0;
    int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    dprintf(REPORT_FD, "%.9f %ld %d\n", wall, ru.ru_maxrss, status);
    return 0;
}

/* Start argv (PATH searched) under the rusage wrapper `self`, with stdout to a pipe (capture)
 * or /dev/null and stderr to errlog (or /dev/null). Returns 0 or -1. */
static int proc_start(proc_t *p, const char *self, char *const argv[], bool capture,
                      const char *errlog) {
    int out[2] = {-1, -1}, rep[2] = {-1, -1};
    if ((capture && pipe2(out, O_CLOEXEC) != 0) || pipe2(rep, O_CLOEXEC) != 0) {
        return -1;
    }
    char *wargv[64];
    size_t n = 0;
    wargv[n++] = (char *)self;
    wargv[n++] = (char *)"--child";
    wargv[n++] = (char *)"rusage";
    for (size_t i = 0; argv[i] != NULL && n < 63; i++) {
        wargv[n++] = argv[i];
    }
    wargv[n] = NULL;
    p->pid = fork();
    if (p->pid < 0) {
        return -1;
    }
    if (p->pid == 0) {
        int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
        int e = errlog ? open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
        dup2(nul, STDIN_FILENO);
        dup2(capture ? out[1] : nul, STDOUT_FILENO);
        dup2(e >= 0 ? e : nul, STDERR_FILENO);
        if (rep[1] == REPORT_FD) {
            fcntl(REPORT_FD, F_SETFD, 0);
        } else {
            dup2(rep[1], REPORT_FD);
        }
        execv(self, wargv);
        _exit(127);
    }
    if (capture) {
        close(out[1]);
    }
    close(rep[1]);
    p->out_fd = out[0];
    p->rep_fd = rep[0];
    return 0;
}

/* True once the wrapper has ended (it stays waitable). */
static bool proc_ended(const proc_t *p) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0;
}

/* Read fd to its end: up to cap - 1 octets into out (NUL-terminated); non-empty lines
 * counted in *lines. */
static void read_all(int fd, char *out, size_t cap, uint64_t *lines) {
    size_t have = 0;
    bool in_line = false;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                *lines += in_line;
                in_line = false;
            } else {
                in_line = true;
            }
        }
        size_t room = cap - 1 - have;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(out + have, buf, take);
        have += take;
    }
    *lines += in_line;
    out[have] = '\0';
    close(fd);
}

/* Read the measured process's stdout to the end, then the wrapper's report; wall time of the
 * measured process, its peak RSS and exit status. */
static void proc_finish(proc_t *p, proc_result_t *r) {
    memset(r, 0, sizeof *r);
    if (p->out_fd >= 0) {
        read_all(p->out_fd, r->out, sizeof r->out, &r->lines);
    }
    char rep[128];
    uint64_t ignored = 0;
    read_all(p->rep_fd, rep, sizeof rep, &ignored);
    int st = 0;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR) {
    }
    long kib = 0;
    if (sscanf(rep, "%lf %ld %d", &r->wall_s, &kib, &r->status) != 3) {
        r->status = 127;
    }
    r->rss_mib = (double)kib / 1024.0;
}

static void proc_kill(proc_t *p) {
    kill(p->pid, SIGTERM); /* the wrapper passes it on to the measured process */
}

/* ---- the run ------------------------------------------------------------------------------ */

enum {
    F_LOOP,       /* baseline: bare libpcap loop */
    F_CR_LOOP,    /* dec_capreader loop (reference) */
    F_LIB_DECODE, /* library decode, no pack (reference) */
    F_LIB_PACK,   /* (a) library decode + pack */
    F_MDB10,      /* (e) + 10 XTCE parameters */
    F_MDB100,     /* (e) + 100 XTCE parameters */
    F_CLI_NONE,   /* vleo-decoder --pub none (reference) */
    F_CLI_IPC,    /* (a) vleo-decoder --pub ipc, no subscriber */
    F_E2E_IPC,    /* (b) */
    F_BARE_IPC,   /* baseline of (b) ipc */
    F_E2E_TCP,    /* (b) */
    F_BARE_TCP,   /* baseline of (b) tcp */
    F_BATCH_IPC,  /* (c) */
    F_BATCH_TCP,  /* (c) */
    F_TSHARK,     /* (d) */
    F_CADU_READ,  /* baseline of (f): plain read of the CADU file */
    F_CADU_RS,    /* (f) CADU decode, RS interleave 5 */
    F_CADU_NORS,  /* (f) CADU decode without RS */
    F_COUNT
};

typedef struct {
    const char *label;
    int baseline;     /* figure index or -1 */
    double min_rate;  /* packets/s target, 0 none */
    double min_ratio; /* ratio target, 0 none */
} figure_t;

static const figure_t figures[F_COUNT] = {
    [F_LOOP] = {"   libpcap pcap_next_ex loop (baseline)", -1, 0, 0},
    [F_CR_LOOP] = {"   dec_capreader loop (reference)", F_LOOP, 0, 0},
    [F_LIB_DECODE] = {"   library decode, no pack (reference)", F_LOOP, 0, 0},
    [F_LIB_PACK] = {"a  library decode + Packet encode", F_LOOP, 3.5e6, 0.5},
    [F_MDB10] = {"e  ... + 10 XTCE parameters", F_LIB_PACK, 2e6, 0},
    [F_MDB100] = {"e  ... + 100 XTCE parameters", F_LIB_PACK, 0, 0},
    [F_CLI_NONE] = {"   vleo-decoder --pub none (reference)", F_LOOP, 0, 0},
    [F_CLI_IPC] = {"a' vleo-decoder --pub ipc, no subscriber", F_LOOP, 0, 0},
    [F_E2E_IPC] = {"b  end to end ipc, 1 msg/packet", F_BARE_IPC, 0, 0.8},
    [F_BARE_IPC] = {"   bare ZeroMQ PUB->SUB ipc (baseline)", -1, 0, 0},
    [F_E2E_TCP] = {"b  end to end tcp, 1 msg/packet", F_BARE_TCP, 0, 0.8},
    [F_BARE_TCP] = {"   bare ZeroMQ PUB->SUB tcp (baseline)", -1, 0, 0},
    [F_BATCH_IPC] = {"c  end to end ipc, --batch 1000", -1, 2.5e6, 0},
    [F_BATCH_TCP] = {"c  end to end tcp, --batch 1000", -1, 2.5e6, 0},
    [F_TSHARK] = {"d  tshark CCSDS dissector (subset)", -1, 0, 0},
    [F_CADU_READ] = {"   read of the CADU file, CADUs/s (baseline)", -1, 0, 0},
    [F_CADU_RS] = {"f  CADU decode, RS I=5, frames/s", F_CADU_READ, 0, 0},
    [F_CADU_NORS] = {"f  CADU decode, no RS, frames/s", F_CADU_READ, 0, 0},
};

typedef struct {
    uint64_t packets;
    uint64_t tshark_packets;
    int runs;
    const char *dir;
    const char *decoder;
    const char *self;
    bool keep;
    bool no_tshark;
    bool verbose;
    char capture[1024];
    char subset[1024];
    char cadu_rs[1040];
    char cadu_nors[1040];
    uint64_t cadu_frames;
    uint64_t cadu_packets; /* packets in the RS file's frames */
    char xtce10[1040];
    char xtce100[1040];
    char errlog[1100];
    void *zctx;
    int ipc_seq;
    double rate[F_COUNT][MAX_RUNS];
    double rss[F_COUNT]; /* peak over runs, MiB */
    bool done[F_COUNT];
    int failures;
    double packed_size;   /* octets of one packed Packet, from the library run */
    double body_size_ipc; /* mean message body seen by the subscriber, per transport */
    double body_size_tcp;
    size_t topic_len;
} bench_t;

/* ---- the mission databases of figure e --------------------------------------------------- */

/* Two XTCE files for the generated packets (6-octet header, 99 data octets): one root
 * container placing 10 parameters of mixed kinds (4 x uint32, 2 x float32, 2 x int16 with a
 * polynomial calibrator, 2 x 8-bit enumerations) from octet 6, and one placing 100 7-bit
 * unsigned parameters (odd bit offsets throughout). */
static int write_xtce(const char *path, bool hundred) {
    FILE *fp = fopen(path, "w");
    if (fp == NULL) {
        fprintf(stderr, "vleo-bench: cannot write %s\n", path);
        return -1;
    }
    fprintf(fp, "<?xml version=\"1.0\"?>\n<SpaceSystem name=\"B\" "
                "xmlns=\"http://www.omg.org/spec/XTCE/20180204\"><TelemetryMetaData>"
                "<ParameterTypeSet>\n");
    if (hundred) {
        fprintf(fp, "<IntegerParameterType name=\"U7\" signed=\"false\">"
                    "<IntegerDataEncoding sizeInBits=\"7\"/></IntegerParameterType>\n");
    } else {
        fprintf(fp, "<IntegerParameterType name=\"U32\" signed=\"false\"><UnitSet><Unit>count"
                    "</Unit></UnitSet><IntegerDataEncoding sizeInBits=\"32\"/>"
                    "</IntegerParameterType>\n"
                    "<FloatParameterType name=\"F32\" sizeInBits=\"32\"><UnitSet><Unit>W</Unit>"
                    "</UnitSet><FloatDataEncoding sizeInBits=\"32\"/></FloatParameterType>\n"
                    "<FloatParameterType name=\"CAL\" sizeInBits=\"64\"><UnitSet><Unit>degC"
                    "</Unit></UnitSet><IntegerDataEncoding sizeInBits=\"16\" "
                    "encoding=\"twosComplement\"><DefaultCalibrator><PolynomialCalibrator>"
                    "<Term coefficient=\"-40\" exponent=\"0\"/><Term coefficient=\"0.01\" "
                    "exponent=\"1\"/></PolynomialCalibrator></DefaultCalibrator>"
                    "</IntegerDataEncoding></FloatParameterType>\n"
                    "<EnumeratedParameterType name=\"MODE\"><IntegerDataEncoding "
                    "sizeInBits=\"8\"/><EnumerationList><Enumeration value=\"0\" label=\"OFF\"/>"
                    "<Enumeration value=\"1\" label=\"IDLE\"/><Enumeration value=\"2\" "
                    "label=\"FIRING\"/><Enumeration value=\"3\" label=\"SAFE\"/>"
                    "</EnumerationList></EnumeratedParameterType>\n");
    }
    fprintf(fp, "</ParameterTypeSet><ParameterSet>\n");
    static const char *const types10[10] = {"U32", "U32", "U32", "U32",  "F32",
                                            "F32", "CAL", "CAL", "MODE", "MODE"};
    int n = hundred ? 100 : 10;
    for (int i = 0; i < n; i++) {
        fprintf(fp, "<Parameter name=\"P%d\" parameterTypeRef=\"%s\"/>\n", i,
                hundred ? "U7" : types10[i]);
    }
    fprintf(fp, "</ParameterSet><ContainerSet><SequenceContainer name=\"PKT\"><EntryList>\n");
    for (int i = 0; i < n; i++) {
        if (i == 0) {
            fprintf(fp, "<ParameterRefEntry parameterRef=\"P0\"><LocationInContainerInBits "
                        "referenceLocation=\"containerStart\"><FixedValue>48</FixedValue>"
                        "</LocationInContainerInBits></ParameterRefEntry>\n");
        } else {
            fprintf(fp, "<ParameterRefEntry parameterRef=\"P%d\"/>\n", i);
        }
    }
    fprintf(fp, "</EntryList></SequenceContainer></ContainerSet></TelemetryMetaData>"
                "</SpaceSystem>\n");
    return fclose(fp) == 0 ? 0 : -1;
}

static int gen_xtce(bench_t *b) {
    snprintf(b->xtce10, sizeof b->xtce10, "%s.10.xml", b->capture);
    snprintf(b->xtce100, sizeof b->xtce100, "%s.100.xml", b->capture);
    return write_xtce(b->xtce10, false) == 0 && write_xtce(b->xtce100, true) == 0 ? 0 : -1;
}

/* ---- the CADU files of figure f ------------------------------------------------------------ */

#define CADU_LEN 1279u
#define CADU_PKT 105u

/* n CADUs of TM frames (SCID 42, VC 0, no FECF/OCF) carrying 105-octet packets back to back:
 * with RS, 1115-octet frames plus 5 interleaved RS(255,223) codewords' check symbols; without,
 * 1275-octet frames. Randomised, ASM first. Returns the packets that start in the frames. */
static uint64_t write_cadus(FILE *fp, uint64_t n, bool rs) {
    static const uint8_t asm_[4] = {0x1A, 0xCF, 0xFC, 0x1D};
    uint32_t flen = rs ? 1115u : 1275u;
    uint32_t zone = flen - 6u;
    uint8_t cb[1275], pkt[CADU_PKT];
    uint64_t stream_off = 0; /* octets of the packet stream written so far */
    uint64_t packets = 0;
    uint16_t seq = 0;
    for (uint64_t f = 0; f < n; f++) {
        /* Primary header: version 00, SCID 42, VC 0, no OCF; MC and VC counts; FHP. */
        uint32_t into = (uint32_t)(stream_off % CADU_PKT); /* offset inside the current packet */
        uint32_t fhp = into == 0 ? 0 : CADU_PKT - into;
        if (fhp >= zone) {
            fhp = 0x7FF;
        }
        cb[0] = 0x02;
        cb[1] = 0xA0;
        cb[2] = (uint8_t)f;
        cb[3] = (uint8_t)f;
        cb[4] = (uint8_t)(0x18 | (fhp >> 8));
        cb[5] = (uint8_t)fhp;
        for (uint32_t k = 0; k < zone; k++) {
            uint32_t at = (uint32_t)((stream_off + k) % CADU_PKT);
            if (at == 0) {
                /* A new packet: APID 100, unsegmented, its count, data length 98. */
                pkt[0] = 0x00;
                pkt[1] = 100;
                pkt[2] = (uint8_t)(0xC0 | ((seq >> 8) & 0x3F));
                pkt[3] = (uint8_t)seq;
                pkt[4] = 0;
                pkt[5] = (uint8_t)(CADU_PKT - 7);
                for (uint32_t i = 6; i < CADU_PKT; i++) {
                    pkt[i] = (uint8_t)(i + seq);
                }
                seq = (uint16_t)((seq + 1) & 0x3FFF);
                packets++;
            }
            cb[6 + k] = pkt[at];
        }
        stream_off += zone;
        if (rs) {
            for (unsigned j = 0; j < 5; j++) {
                uint8_t data[223], parity[32];
                for (unsigned i = 0; i < 223; i++) {
                    data[i] = cb[i * 5 + j];
                }
                encode_rs_ccsds(data, parity, 0);
                for (unsigned i = 0; i < 32; i++) {
                    cb[1115 + i * 5 + j] = parity[i];
                }
            }
        }
        dec_derandomize(cb, sizeof cb);
        if (fwrite(asm_, 1, 4, fp) != 4 || fwrite(cb, 1, sizeof cb, fp) != sizeof cb) {
            return 0;
        }
    }
    /* The last packet may run past the last frame: it is not counted as delivered. */
    if (stream_off % CADU_PKT != 0) {
        packets--;
    }
    return packets;
}

static int gen_cadus(bench_t *b) {
    snprintf(b->cadu_rs, sizeof b->cadu_rs, "%s.rs.cadu", b->capture);
    snprintf(b->cadu_nors, sizeof b->cadu_nors, "%s.nors.cadu", b->capture);
    b->cadu_frames = b->packets / 10 < 1000 ? 1000 : b->packets / 10;
    FILE *a = fopen(b->cadu_rs, "wb"), *c = fopen(b->cadu_nors, "wb");
    uint64_t pa = a ? write_cadus(a, b->cadu_frames, true) : 0;
    uint64_t pc = c ? write_cadus(c, b->cadu_frames, false) : 0;
    bool ok = a != NULL && c != NULL && pa > 0 && pc > 0;
    ok = (a == NULL || fclose(a) == 0) && ok;
    ok = (c == NULL || fclose(c) == 0) && ok;
    b->cadu_packets = pa;
    if (!ok) {
        fprintf(stderr, "vleo-bench: cannot write the CADU files\n");
        return -1;
    }
    return 0;
}

/* Child "cadu PATH RS" / "cread PATH": decode a CADU file through the pipeline as
 * vleo-decoder --file --framing cadu does (RS: 1 or 0), or just read it. Prints "frames
 * seconds packets 0". */
static int child_cadu(const char *path, int rs, bool read_only) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return 1;
    }
    static uint8_t buf[65536];
    dec_pipeline_t *pipe = NULL;
    char err[256];
    uint64_t packets = 0;
    if (!read_only) {
        dec_pipeline_opts_t o;
        dec_pipeline_opts_default(&o);
        o.framing = DEC_FRAMING_CADU;
        o.frame.kind = DEC_FRAME_TM;
        o.frame.frame_len = rs ? 1115 : 1275;
        o.cadu.rs_interleave = rs ? 5 : 0;
        o.max_streams = 1;
        pipe = dec_pipeline_new(&o, count_cb, &packets, err, sizeof err);
        if (pipe == NULL) {
            fprintf(stderr, "vleo-bench: %s\n", err);
            return 1;
        }
    }
    double t0 = mono_s();
    uint64_t total = 0, touch = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        total += (uint64_t)n;
        if (read_only) {
            touch += buf[0] + buf[n - 1];
        } else {
            dec_pipeline_stream(pipe, 0, buf, (size_t)n, 0);
        }
    }
    uint64_t frames = total / CADU_LEN;
    if (pipe != NULL) {
        dec_pipeline_stream_end(pipe, 0);
        dec_pipeline_flush(pipe);
        frames = dec_pipeline_stats(pipe)->frame_status[DEC_FRAME_OK];
    }
    double el = mono_s() - t0;
    close(fd);
    dec_pipeline_destroy(&pipe);
    printf("%llu %.9f %llu %llu\n", (unsigned long long)frames, el, (unsigned long long)packets,
           (unsigned long long)(touch & 1));
    return 0;
}

static void record(bench_t *b, int f, int run, double rate, double rss) {
    b->rate[f][run] = rate;
    if (rss > b->rss[f]) {
        b->rss[f] = rss;
    }
    b->done[f] = true;
    if (b->verbose) {
        fprintf(stderr, "  run %d %-44s %8.3f M/s  %6.1f MiB\n", run + 1, figures[f].label,
                rate / 1e6, rss);
    }
}

static void fail(bench_t *b, int f, const char *why, const proc_result_t *r) {
    b->failures++;
    fprintf(stderr, "vleo-bench: %s: %s", figures[f].label, why);
    if (r != NULL) {
        fprintf(stderr, " (exit %d; stderr in %s)", r->status, b->errlog);
    }
    fputc('\n', stderr);
}

static void run_child_cadu(bench_t *b, int f, int run) {
    char *argv[] = {(char *)b->self,
                    (char *)"--child",
                    (char *)(f == F_CADU_READ ? "cread" : "cadu"),
                    f == F_CADU_NORS ? b->cadu_nors : b->cadu_rs,
                    (char *)(f == F_CADU_RS ? "1" : "0"),
                    NULL};
    proc_t p;
    proc_result_t r;
    if (proc_start(&p, b->self, argv, true, b->errlog) != 0) {
        fail(b, f, "cannot start", NULL);
        return;
    }
    proc_finish(&p, &r);
    unsigned long long frames = 0, packets = 0;
    double el = 0;
    if (r.status != 0 || sscanf(r.out, "%llu %lf %llu", &frames, &el, &packets) != 3 || el <= 0) {
        fail(b, f, "child failed", &r);
        return;
    }
    if (frames != b->cadu_frames || (f == F_CADU_RS && packets != b->cadu_packets)) {
        fail(b, f, "frame or packet count differs from the file", &r);
        return;
    }
    record(b, f, run, (double)frames / el, r.rss_mib);
}

/* One in-process measurement run in a child of this program. */
static void run_child_read(bench_t *b, int f, int run, const char *mode) {
    char *argv[] = {(char *)b->self, (char *)"--child", (char *)mode, b->capture, NULL, NULL, NULL};
    if (f == F_MDB10 || f == F_MDB100) {
        argv[2] = (char *)"mdb";
        argv[4] = f == F_MDB10 ? b->xtce10 : b->xtce100;
        argv[5] = (char *)(f == F_MDB10 ? "10" : "100");
    }
    proc_t p;
    proc_result_t r;
    if (proc_start(&p, b->self, argv, true, b->errlog) != 0) {
        fail(b, f, "cannot start", NULL);
        return;
    }
    proc_finish(&p, &r);
    unsigned long long n = 0;
    double el = 0, avg = 0;
    if (r.status != 0 || sscanf(r.out, "%llu %lf %lf", &n, &el, &avg) != 3 || el <= 0) {
        fail(b, f, "child failed", &r);
        return;
    }
    if (n != b->packets) {
        fail(b, f, "packet count differs from the capture", &r);
        return;
    }
    if (f == F_LIB_PACK) {
        b->packed_size = avg;
    }
    record(b, f, run, (double)n / el, r.rss_mib);
}

/* The N of "-> N packets" in vleo-decoder's summary on stderr, or -1. */
static long long summary_packets(const char *log) {
    FILE *fp = fopen(log, "r");
    if (fp == NULL) {
        return -1;
    }
    char line[1024];
    long long n = -1;
    while (n < 0 && fgets(line, sizeof line, fp) != NULL) {
        const char *arrow = strstr(line, "-> ");
        char *end = NULL;
        if (arrow != NULL) {
            long long v = strtoll(arrow + 3, &end, 10);
            if (end != arrow + 3 && strncmp(end, " packets", 8) == 0) {
                n = v;
            }
        }
    }
    fclose(fp);
    return n;
}

/* vleo-decoder over the capture with no subscriber: wall time of the whole process. */
static void run_cli_nosub(bench_t *b, int f, int run, bool ipc) {
    char ep[128];
    snprintf(ep, sizeof ep, "ipc:///tmp/vleo-bench-%d-%d.ipc", (int)getpid(), b->ipc_seq++);
    char *argv[] = {
        (char *)b->decoder,        (char *)"--pcap",       b->capture,         (char *)"--pub",
        ipc ? ep : (char *)"none", (char *)"--spacecraft", (char *)SPACECRAFT, NULL};
    proc_t p;
    proc_result_t r;
    if (proc_start(&p, b->self, argv, false, b->errlog) != 0) {
        fail(b, f, "cannot start vleo-decoder", NULL);
        return;
    }
    proc_finish(&p, &r);
    unlink(ep + 6);
    if (r.status != 0) {
        fail(b, f, "vleo-decoder failed", &r);
        return;
    }
    /* With no subscriber nothing can be counted here: take the count from the decoder's
     * summary line ("... -> N packets ..."), so a decoder that decodes nothing cannot
     * look fast. */
    long long decoded = summary_packets(b->errlog);
    if (decoded < 0) {
        fprintf(stderr, "vleo-bench: %s: no packet count in %s; rate not verified\n",
                figures[f].label, b->errlog);
    } else if ((uint64_t)decoded != b->packets) {
        fail(b, f, "the decoder's summary gives another packet count", &r);
        return;
    }
    record(b, f, run, (double)b->packets / r.wall_s, r.rss_mib);
}

/* Count field-2 entries (packets) of a PacketBatch by walking its top-level fields. Returns
 * the count, or -1 if the message is malformed. */
static long batch_count(const uint8_t *p, size_t len) {
    size_t off = 0;
    long count = 0;
    while (off < len) {
        uint64_t v[2] = {0, 0};
        int nv = 0;
        uint64_t tag = 0;
        /* the tag, then a varint value or a length */
        for (int k = 0; k < 2; k++) {
            uint64_t x = 0;
            unsigned shift = 0;
            for (;;) {
                if (off >= len || shift > 63) {
                    return -1;
                }
                uint8_t c = p[off++];
                x |= (uint64_t)(c & 0x7f) << shift;
                shift += 7;
                if (!(c & 0x80)) {
                    break;
                }
            }
            v[nv++] = x;
            if (k == 0) {
                tag = x;
                if ((tag & 7) != 0 && (tag & 7) != 2) {
                    return -1;
                }
            }
        }
        if ((tag & 7) == 2) {
            if (len - off < v[1]) {
                return -1;
            }
            off += (size_t)v[1];
            count += (tag >> 3) == 2;
        }
    }
    return count;
}

typedef struct {
    uint64_t packets;
    uint64_t messages;
    uint64_t body_bytes;
    uint64_t first_packets; /* carried by the first message */
    double t_first;
    double t_last;
    bool got_end;
    bool final_ok; /* final DecoderStats: published == packets, nothing rejected */
} sub_result_t;

static void *sub_open(bench_t *b, const char *ep) {
    if (b->zctx == NULL) {
        b->zctx = zmq_ctx_new();
    }
    void *s = zmq_socket(b->zctx, ZMQ_SUB);
    int hwm = HWM, linger = 0, ivl = 10, rcvto = 200;
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &rcvto, sizeof rcvto);
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_connect(s, ep) != 0) {
        fprintf(stderr, "vleo-bench: connect %s: %s\n", ep, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* Drain sub until the final DecoderStats or the bare end marker, the child's end, or the
 * deadline. Returns 0 when the end was seen. */
static int sub_drain(void *s, const proc_t *p, double deadline, sub_result_t *r) {
    memset(r, 0, sizeof *r);
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    int rc = -1;
    for (;;) {
        if (zmq_msg_recv(&topic, s, 0) < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                if (mono_s() > deadline || proc_ended(p)) {
                    break;
                }
                continue;
            }
            break;
        }
        if (!zmq_msg_more(&topic)) {
            continue;
        }
        if (zmq_msg_recv(&body, s, 0) < 0) {
            break;
        }
        while (zmq_msg_more(&body)) { /* not ours: more than two frames */
            zmq_msg_recv(&body, s, 0);
        }
        double now = mono_s();
        const char *t = zmq_msg_data(&topic);
        size_t tl = zmq_msg_size(&topic);
        const uint8_t *d = zmq_msg_data(&body);
        size_t dl = zmq_msg_size(&body);
        long n = 0;
        if (tl >= 3 && memcmp(t, "tm/", 3) == 0) {
            n = 1;
        } else if (tl >= 4 && memcmp(t, "tmb/", 4) == 0) {
            n = batch_count(d, dl);
            if (n < 0) {
                break;
            }
        } else if (tl >= 14 && memcmp(t, "stats/decoder/", 14) == 0) {
            Vleo__V1__DecoderStats *st = vleo__v1__decoder_stats__unpack(NULL, dl, d);
            bool fin = st != NULL && st->final;
            if (fin) {
                r->final_ok = st->published == r->packets && st->rejected == 0;
                r->got_end = true;
            }
            vleo__v1__decoder_stats__free_unpacked(st, NULL);
            if (fin) {
                rc = 0;
                break;
            }
            continue;
        } else if (tl == 10 && memcmp(t, "stats/bare", 10) == 0) {
            r->got_end = r->final_ok = true;
            rc = 0;
            break;
        }
        if (n > 0) {
            if (r->messages == 0) {
                r->t_first = now;
                r->first_packets = (uint64_t)n;
            }
            r->t_last = now;
            r->messages++;
            r->packets += (uint64_t)n;
            r->body_bytes += dl;
        }
    }
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    return rc;
}

static void endpoint(bench_t *b, bool ipc, char *ep, size_t cap) {
    if (ipc) {
        snprintf(ep, cap, "ipc:///tmp/vleo-bench-%d-%d.ipc", (int)getpid(), b->ipc_seq++);
        return;
    }
    /* A free loopback port: bind to port 0, read it back, release it. */
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
    snprintf(ep, cap, "tcp://127.0.0.1:%u", port ? port : 15556u);
}

/* An end-to-end figure: a publisher child (vleo-decoder, or this program's bare publisher)
 * drained by a SUB here. The rate is the packets after the first data message over the time
 * from its arrival to the last one's, both as the subscriber sees them. */
static void run_e2e(bench_t *b, int f, int run, bool ipc, bool bare, uint32_t batch) {
    char ep[128];
    endpoint(b, ipc, ep, sizeof ep);
    void *s = sub_open(b, ep);
    if (s == NULL) {
        fail(b, f, "cannot open the subscriber", NULL);
        return;
    }
    char nbuf[32], tbuf[32], sbuf[32], bbuf[32];
    snprintf(nbuf, sizeof nbuf, "%llu", (unsigned long long)b->packets);
    snprintf(tbuf, sizeof tbuf, "%zu", b->topic_len);
    double body = ipc ? b->body_size_ipc : b->body_size_tcp;
    snprintf(sbuf, sizeof sbuf, "%.0f", body > 0 ? body : b->packed_size);
    snprintf(bbuf, sizeof bbuf, "%u", batch);
    char *dec_argv[] = {(char *)b->decoder,
                        (char *)"--pcap",
                        b->capture,
                        (char *)"--no-drop",
                        (char *)"--pub",
                        ep,
                        (char *)"--spacecraft",
                        (char *)SPACECRAFT,
                        (char *)"--quiet",
                        batch ? (char *)"--batch" : NULL,
                        bbuf,
                        NULL};
    char *bare_argv[] = {
        (char *)b->self, (char *)"--child", (char *)"bare-pub", ep, nbuf, tbuf, sbuf, NULL};
    proc_t p;
    proc_result_t r;
    if (proc_start(&p, b->self, bare ? bare_argv : dec_argv, bare, b->errlog) != 0) {
        zmq_close(s);
        fail(b, f, "cannot start the publisher", NULL);
        return;
    }
    sub_result_t sr;
    double deadline = mono_s() + 60 + (double)b->packets * 20e-6;
    int rc = sub_drain(s, &p, deadline, &sr);
    if (rc != 0) {
        proc_kill(&p);
    }
    proc_finish(&p, &r);
    zmq_close(s);
    if (ipc) {
        unlink(ep + 6);
    }
    if (rc != 0 || r.status != 0) {
        fail(b, f, rc != 0 ? "the end of the stream never came" : "publisher failed", &r);
        return;
    }
    if (sr.packets != b->packets || !sr.final_ok) {
        char why[160];
        snprintf(why, sizeof why, "received %llu of %llu packets%s", (unsigned long long)sr.packets,
                 (unsigned long long)b->packets, sr.final_ok ? "" : "; final stats disagree");
        fail(b, f, why, &r);
        return;
    }
    if (!bare && batch == 0 && sr.messages > 0) {
        double mean = (double)sr.body_bytes / (double)sr.messages;
        if (ipc) {
            b->body_size_ipc = mean;
        } else {
            b->body_size_tcp = mean;
        }
    }
    /* The packets that came after the first message, over the time since it arrived. */
    double dt = sr.t_last - sr.t_first;
    double rate = sr.messages >= 2 && dt > 0 ? (double)(sr.packets - sr.first_packets) / dt
                                             : (double)sr.packets / r.wall_s;
    record(b, f, run, rate, r.rss_mib);
}

static void run_tshark(bench_t *b, int run) {
    char *argv[] = {(char *)"tshark",
                    (char *)"-r",
                    b->subset,
                    (char *)"-d",
                    (char *)"udp.port==1235,ccsds",
                    (char *)"-T",
                    (char *)"fields",
                    (char *)"-e",
                    (char *)"ccsds.apid",
                    NULL};
    proc_t p;
    proc_result_t r;
    if (proc_start(&p, b->self, argv, true, b->errlog) != 0) {
        fail(b, F_TSHARK, "cannot start tshark", NULL);
        return;
    }
    proc_finish(&p, &r);
    if (r.status != 0 || r.lines != b->tshark_packets) {
        char why[128];
        snprintf(why, sizeof why, "tshark printed %llu APIDs for %llu packets",
                 (unsigned long long)r.lines, (unsigned long long)b->tshark_packets);
        fail(b, F_TSHARK, why, &r);
        return;
    }
    record(b, F_TSHARK, run, (double)b->tshark_packets / r.wall_s, r.rss_mib);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n) {
    double s[MAX_RUNS];
    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static void fmt_rate(char *out, size_t cap, double r) {
    if (r <= 0) {
        snprintf(out, cap, "-");
    } else if (r >= 1e6) {
        snprintf(out, cap, "%.2f M", r / 1e6);
    } else {
        snprintf(out, cap, "%.1f k", r / 1e3);
    }
}

/* The table; returns the number of targets missed. */
static int print_table(bench_t *b) {
    printf("\nvleo-bench: %llu packets of %u octets (Ethernet/IPv4/UDP, one per datagram, %u "
           "APIDs), median of %d run%s\n",
           (unsigned long long)b->packets, SPP_LEN, N_APIDS, b->runs, b->runs == 1 ? "" : "s");
    printf("packed Packet %.0f octets (library), message body %.0f (ipc) / %.0f (tcp) octets, "
           "topic %zu octets; tshark on %llu packets\n\n",
           b->packed_size, b->body_size_ipc, b->body_size_tcp, b->topic_len,
           (unsigned long long)b->tshark_packets);
    printf("%-42s %11s %11s %7s %-18s %-6s %8s\n", "figure", "packets/s", "baseline", "ratio",
           "target", "ok", "RSS MiB");
    int missed = 0;
    for (int f = 0; f < F_COUNT; f++) {
        if (!b->done[f]) {
            continue;
        }
        const figure_t *fg = &figures[f];
        double rate = median(b->rate[f], b->runs);
        char rs[32], bs[32] = "-", ratio[32] = "-", target[64] = "-";
        fmt_rate(rs, sizeof rs, rate);
        double rmed = 0;
        if (fg->baseline >= 0 && b->done[fg->baseline]) {
            /* The ratio pairs each run's figure with its own run's baseline. */
            double rr[MAX_RUNS];
            for (int i = 0; i < b->runs; i++) {
                double base = b->rate[fg->baseline][i];
                rr[i] = base > 0 ? b->rate[f][i] / base : 0;
            }
            rmed = median(rr, b->runs);
            fmt_rate(bs, sizeof bs, median(b->rate[fg->baseline], b->runs));
            snprintf(ratio, sizeof ratio, "%.3f", rmed);
        }
        if (fg->min_rate > 0 && fg->min_ratio > 0) {
            snprintf(target, sizeof target, ">=%.1fM,>=%.2fx", fg->min_rate / 1e6, fg->min_ratio);
        } else if (fg->min_rate > 0) {
            snprintf(target, sizeof target, ">=%.1fM", fg->min_rate / 1e6);
        } else if (fg->min_ratio > 0) {
            snprintf(target, sizeof target, ">=%.2fx", fg->min_ratio);
        }
        const char *ok = "";
        if (fg->min_rate > 0 || fg->min_ratio > 0) {
            bool rate_ok = rate >= fg->min_rate;
            bool ratio_ok = fg->min_ratio == 0 || rmed >= fg->min_ratio;
            ok = rate_ok && ratio_ok ? "yes" : rate_ok ? "NO(x)" : ratio_ok ? "NO(M)" : "NO";
            missed += !(rate_ok && ratio_ok);
        }
        printf("%-42s %11s %11s %7s %-18s %-6s %8.1f\n", fg->label, rs, bs, ratio, target, ok,
               b->rss[f]);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\n%d target%s missed. ok: NO(x) ratio missed, NO(M) packets/s missed. ratio = "
           "median of each run's figure / that run's baseline.\nRSS: peak of the measured "
           "process (publisher for b, c); the subscriber (this process) peaked at %.1f MiB.\n",
           missed, missed == 1 ? "" : "s", (double)ru.ru_maxrss / 1024.0);
    if (b->done[F_CADU_RS] && b->done[F_CADU_NORS] && b->done[F_CADU_READ]) {
        double rd = median(b->rate[F_CADU_READ], b->runs) * CADU_LEN / 1e6;
        double rs = median(b->rate[F_CADU_RS], b->runs) * CADU_LEN / 1e6;
        double nr = median(b->rate[F_CADU_NORS], b->runs) * CADU_LEN / 1e6;
        printf("f: %llu CADUs of %u octets (TM frames of 105-octet packets): read %.0f MB/s, "
               "decode with RS I=5 %.1f MB/s, without RS %.0f MB/s (sync, derandomise, frames, "
               "VC reassembly, packets).\n",
               (unsigned long long)b->cadu_frames, CADU_LEN, rd, rs, nr);
    }
    return missed;
}

static const char usage_text[] =
    "usage: vleo-bench [--packets N] [--runs N] [--dir DIR] [--decoder PATH] [--no-tshark]\n"
    "                  [--keep] [--verbose]\n"
    "Generate a capture of N (default 1000000) 105-octet space packets, one per UDP datagram,\n"
    "and measure the decode path, end-to-end ZeroMQ delivery and tshark, each next to a\n"
    "baseline measured in the same run; print the medians of --runs (default 3) runs.\n"
    "The capture goes to DIR (default /tmp) and is removed at the end unless --keep.\n"
    "Exit: 0 done (targets may be missed: see the table), 1 a measurement failed, 2 usage.\n";

static long parse_num(const char *opt, const char *s, long lo, long hi) {
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "vleo-bench: %s wants a number from %ld to %ld\n%s", opt, lo, hi,
                usage_text);
        exit(2);
    }
    return v;
}

static int child_main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[2], "loop") == 0) {
        return child_pcap_loop(argv[3]);
    }
    if (argc == 4 && (strcmp(argv[2], "crloop") == 0 || strcmp(argv[2], "decode") == 0 ||
                      strcmp(argv[2], "pack") == 0)) {
        return child_read(argv[2], argv[3], NULL, 0);
    }
    if (argc == 5 && strcmp(argv[2], "cadu") == 0) {
        return child_cadu(argv[3], (int)parse_num("rs", argv[4], 0, 1), false);
    }
    if (argc == 5 && strcmp(argv[2], "cread") == 0) {
        return child_cadu(argv[3], 0, true);
    }
    if (argc == 6 && strcmp(argv[2], "mdb") == 0) {
        return child_read(argv[2], argv[3], argv[4], (size_t)parse_num("n", argv[5], 1, 4096));
    }
    if (argc >= 4 && strcmp(argv[2], "rusage") == 0) {
        return child_rusage(argv + 3);
    }
    if (argc == 7 && strcmp(argv[2], "bare-pub") == 0) {
        return child_bare_pub(argv[3], (uint64_t)parse_num("n", argv[4], 1, 1000000000),
                              (size_t)parse_num("topic", argv[5], 1, 63),
                              (size_t)parse_num("size", argv[6], 0, 1 << 20));
    }
    fprintf(stderr, "vleo-bench: bad --child arguments\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--child") == 0) {
        return child_main(argc, argv);
    }
    static bench_t bench;
    bench_t *b = &bench;
    b->packets = 1000000;
    b->runs = 3;
    b->dir = "/tmp";
    b->decoder = VLEO_DECODER_BIN;
    b->topic_len = strlen("tm/" SPACECRAFT "/APID100");
    static const struct option longopts[] = {{"packets", required_argument, 0, 'n'},
                                             {"runs", required_argument, 0, 'r'},
                                             {"dir", required_argument, 0, 'd'},
                                             {"decoder", required_argument, 0, 'D'},
                                             {"no-tshark", no_argument, 0, 'T'},
                                             {"keep", no_argument, 0, 'k'},
                                             {"verbose", no_argument, 0, 'v'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            b->packets = (uint64_t)parse_num("--packets", optarg, 1000, 100000000);
            break;
        case 'r':
            b->runs = (int)parse_num("--runs", optarg, 1, MAX_RUNS);
            break;
        case 'd':
            b->dir = optarg;
            break;
        case 'D':
            b->decoder = optarg;
            break;
        case 'T':
            b->no_tshark = true;
            break;
        case 'k':
            b->keep = true;
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
        fprintf(stderr, "vleo-bench: cannot find its own executable\n");
        return 1;
    }
    self[sl] = '\0';
    b->self = self;
    signal(SIGPIPE, SIG_IGN);
    b->tshark_packets = b->packets < TSHARK_PACKETS ? b->packets : TSHARK_PACKETS;
    snprintf(b->capture, sizeof b->capture, "%s/vleo-bench-%llu.pcap", b->dir,
             (unsigned long long)b->packets);
    snprintf(b->subset, sizeof b->subset, "%s/vleo-bench-%llu.pcap", b->dir,
             (unsigned long long)b->tshark_packets);
    snprintf(b->errlog, sizeof b->errlog, "%s/vleo-bench-child.log", b->dir);
    if (!b->no_tshark && access("/usr/bin/tshark", X_OK) != 0 &&
        access("/usr/local/bin/tshark", X_OK) != 0) {
        fprintf(stderr, "vleo-bench: tshark not found: figure d skipped\n");
        b->no_tshark = true;
    }

    fprintf(stderr, "vleo-bench: generating %s\n", b->capture);
    if (gen_capture(b->capture, b->packets) != 0) {
        return 1;
    }
    if (gen_xtce(b) != 0 || gen_cadus(b) != 0) {
        return 1;
    }
    bool own_subset = !b->no_tshark && strcmp(b->subset, b->capture) != 0;
    if (own_subset && gen_capture(b->subset, b->tshark_packets) != 0) {
        return 1;
    }
    for (int run = 0; run < b->runs; run++) {
        fprintf(stderr, "vleo-bench: run %d of %d\n", run + 1, b->runs);
        run_child_read(b, F_LOOP, run, "loop");
        run_child_read(b, F_CR_LOOP, run, "crloop");
        run_child_read(b, F_LIB_DECODE, run, "decode");
        run_child_read(b, F_LIB_PACK, run, "pack");
        run_child_read(b, F_MDB10, run, "mdb");
        run_child_read(b, F_MDB100, run, "mdb");
        run_cli_nosub(b, F_CLI_NONE, run, false);
        run_cli_nosub(b, F_CLI_IPC, run, true);
        run_e2e(b, F_E2E_IPC, run, true, false, 0);
        run_e2e(b, F_BARE_IPC, run, true, true, 0);
        run_e2e(b, F_E2E_TCP, run, false, false, 0);
        run_e2e(b, F_BARE_TCP, run, false, true, 0);
        run_e2e(b, F_BATCH_IPC, run, true, false, 1000);
        run_e2e(b, F_BATCH_TCP, run, false, false, 1000);
        if (!b->no_tshark) {
            run_tshark(b, run);
        }
        run_child_cadu(b, F_CADU_READ, run);
        run_child_cadu(b, F_CADU_RS, run);
        run_child_cadu(b, F_CADU_NORS, run);
        if (b->failures > 0) {
            break;
        }
    }
    if (b->failures == 0) {
        print_table(b);
    }
    if (b->zctx != NULL) {
        zmq_ctx_term(b->zctx);
    }
    if (!b->keep) {
        unlink(b->capture);
        unlink(b->xtce10);
        unlink(b->xtce100);
        unlink(b->cadu_rs);
        unlink(b->cadu_nors);
        if (own_subset) {
            unlink(b->subset);
        }
        if (b->failures == 0) {
            unlink(b->errlog);
        }
    }
    return b->failures > 0 ? 1 : 0;
}
