/* test_decoder.c: end-to-end tests of the vleo-decoder program: captures written here byte by
 * byte (every supported link type, fragments, TCP, junk), live UDP and TCP sources, JSON and
 * batch output, exit codes; received over real ZeroMQ sockets (DESIGN sections 2, 4-6). */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "e2e.h"
#include "netbuild.h"
#include "vleo.pb-c.h"

#define DECODER VLEO_BIN_DIR "/vleo-decoder"
#define MAXEXP 4096
#define MAXMSG 8192
#define POOL_CAP (8u << 20)
#define REC_CAP 70000

/* 2024-06-01T00:00:00Z as Unix seconds, and the same instant as TAI seconds since 1958
 * (378691200 s from 1958 to 1970 as civil dates, TAI - UTC = 37 s since 2017). */
#define T2024_UNIX 1717200000LL
#define T2024_TAI1958 (T2024_UNIX + 378691200LL + 37LL)
#define NS 1000000000LL

/* CUC P-field: no extension, level 1 (1958 TAI epoch), 4 coarse octets, 2 fine octets. */
#define CUC_PFIELD 0x1E

/* ---- expected packets ---- */

typedef struct {
    uint16_t apid;
    uint16_t seq;
    uint8_t type;
    uint8_t flags;
    bool sec;
    uint32_t len;
    size_t pool_off; /* the packet octets in g_exp->pool */
    int64_t rx_ns;
    bool tvalid;
    int64_t gen_utc_ns;
    int64_t gen_tai_ns;
    uint32_t gap;
    uint64_t record;
    uint64_t offset;
} exp_pk_t;

typedef struct {
    size_t n;
    exp_pk_t pk[MAXEXP];
    uint8_t *pool;
    size_t pool_len;
    uint16_t next_seq[2048];
    uint64_t packets; /* every packet written whole, idle included */
    uint64_t idle;
    /* context of the record being built */
    uint64_t record;
    int64_t rx_ns;
} expect_t;

static expect_t *g_exp;
static bool g_publish_idle; /* idle packets are expected in the output too */

/* ---- what a run received ---- */

typedef struct {
    size_t n;
    e2e_msg_t m[MAXMSG];
    int exit_code;
    char *out;
    char *err;
} run_t;

static run_t *g_run;
static e2e_proc_t g_proc;
static void *g_zctx;
static void *g_sock;
static char g_tmp[128];

static void setup(void) {
    g_exp = calloc(1, sizeof *g_exp);
    cr_assert_not_null(g_exp);
    g_exp->pool = malloc(POOL_CAP);
    cr_assert_not_null(g_exp->pool);
    g_run = calloc(1, sizeof *g_run);
    cr_assert_not_null(g_run);
    g_zctx = zmq_ctx_new();
    cr_assert_not_null(g_zctx);
    snprintf(g_tmp, sizeof g_tmp, "/tmp/vleo-e2e-%ld", (long)getpid());
}

/* Also runs after a failed assertion: no decoder may outlive its test. */
static void teardown(void) {
    e2e_cleanup(&g_proc);
    if (g_sock != NULL) {
        zmq_close(g_sock);
        g_sock = NULL;
    }
    if (g_zctx != NULL) {
        zmq_ctx_term(g_zctx);
        g_zctx = NULL;
    }
    if (g_run != NULL) {
        for (size_t i = 0; i < g_run->n; i++) {
            e2e_msg_free(&g_run->m[i]);
        }
        free(g_run->out);
        free(g_run->err);
        free(g_run);
        g_run = NULL;
    }
    if (g_exp != NULL) {
        free(g_exp->pool);
        free(g_exp);
        g_exp = NULL;
    }
    char path[192];
    static const char *const sfx[] = {".pcap", "-b.pcap", ".ipc", ".txt", "-cut.pcap"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(path, sizeof path, "%s%s", g_tmp, sfx[i]);
        unlink(path);
    }
}

TestSuite(decoder, .init = setup, .fini = teardown, .timeout = 60);

/* xorshift32: reproducible "random" split points. */
static uint32_t rnd(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

typedef struct {
    uint16_t apid;
    uint8_t type;    /* 0 telemetry, 1 telecommand */
    uint8_t flags;   /* sequence flags */
    size_t data_len; /* octets after the primary header */
    bool cuc;        /* secondary header starting with a CUC time code */
    uint32_t coarse;
    uint16_t fine;
    int skip; /* sequence counts skipped before this packet (a gap) */
    int seq;  /* >= 0: this sequence count instead of the APID's next one */
} pkspec_t;

/* Append one packet to buf[*off..cap) and record what the decoder must publish for it. */
static void put_packet(expect_t *e, uint8_t *buf, size_t cap, size_t *off, const pkspec_t *s) {
    uint8_t data[65536];
    cr_assert_leq(s->data_len, sizeof data);
    for (size_t i = 0; i < s->data_len; i++) {
        data[i] = (uint8_t)(i * 7 + s->apid + e->n);
    }
    if (s->cuc) {
        cr_assert_geq(s->data_len, 7);
        data[0] = CUC_PFIELD;
        nb_be32(data + 1, s->coarse);
        nb_be16(data + 5, s->fine);
    }
    bool idle = s->apid == 0x7FF;
    uint32_t gap = 0;
    uint16_t seq;
    if (s->seq >= 0) {
        seq = (uint16_t)s->seq;
    } else {
        e->next_seq[s->apid] = (uint16_t)((e->next_seq[s->apid] + s->skip) & 0x3FFF);
        gap = (uint32_t)s->skip;
        seq = e->next_seq[s->apid];
        e->next_seq[s->apid] = (uint16_t)((seq + 1) & 0x3FFF);
    }
    size_t n =
        nb_spp(s->apid, s->type, s->cuc, s->flags, seq, data, s->data_len, buf + *off, cap - *off);
    cr_assert_eq(n, 6 + s->data_len);
    e->packets++;
    if (idle) {
        e->idle++;
    }
    if (!idle || g_publish_idle) {
        cr_assert_lt(e->n, MAXEXP);
        cr_assert_leq(n, POOL_CAP - e->pool_len);
        exp_pk_t *x = &e->pk[e->n++];
        x->apid = s->apid;
        x->seq = seq;
        x->type = s->type;
        x->flags = s->flags;
        x->sec = s->cuc;
        x->len = (uint32_t)n;
        x->pool_off = e->pool_len;
        memcpy(e->pool + e->pool_len, buf + *off, n);
        e->pool_len += n;
        x->rx_ns = e->rx_ns;
        x->tvalid = s->cuc;
        /* fine / 2^16 s: the fine values used here are exact in nanoseconds */
        int64_t frac = (int64_t)s->fine * NS / 65536;
        x->gen_tai_ns = s->cuc ? (int64_t)s->coarse * NS + frac : 0;
        x->gen_utc_ns = s->cuc ? ((int64_t)s->coarse - 378691200LL - 37LL) * NS + frac : 0;
        x->gap = gap;
        x->record = e->record;
        x->offset = *off;
    }
    *off += n;
}

/* Telemetry packet on apid with data_len octets and no secondary header. */
static void put_tm(expect_t *e, uint8_t *buf, size_t cap, size_t *off, uint16_t apid,
                   size_t data_len) {
    pkspec_t s = {.apid = apid, .flags = 3, .data_len = data_len, .seq = -1};
    put_packet(e, buf, cap, off, &s);
}

/* ---- running the decoder ---- */

static int64_t rx_ts(int r, bool nanos) {
    int64_t t = T2024_UNIX * NS + (int64_t)r * 1000123456LL;
    return nanos ? t : t / 1000 * 1000;
}

/* The basic capture: nrec Ethernet/IPv4/UDP records to port 1235, three packets each (APIDs
 * 100 and 200 with a CUC secondary header, 300 without), a sequence gap of 2 on APID 100 in
 * record 4, an idle packet in record 6, a telecommand in record 8. */
static void write_basic(const char *path, int nrec, bool nanos) {
    expect_t *e = g_exp;
    nb_pcap_t w;
    cr_assert_eq(nb_pcap_open(&w, path, NB_DLT_EN10MB, nanos, 65535), 0, "%s", strerror(errno));
    nb_flow_t f = nb_flow_local(4, 40000, 1235);
    static uint8_t dgram[8192];
    static uint8_t rec[REC_CAP];
    for (int r = 1; r <= nrec; r++) {
        e->record = (uint64_t)r;
        e->rx_ns = rx_ts(r, nanos);
        size_t off = 0;
        for (int k = 0; k < 3; k++) {
            pkspec_t s = {.apid = (uint16_t)(100 * (k + 1)),
                          .flags = (uint8_t)((r + k) % 4),
                          .data_len = (size_t)(7 + (r * 13 + k * 29) % 200),
                          .cuc = k < 2,
                          .coarse = (uint32_t)(T2024_TAI1958 + r * 10 + k),
                          .fine = k == 0 ? 0x8000 : 0x4000,
                          .skip = (r == 4 && k == 0) ? 2 : 0,
                          .seq = -1};
            if (r == 6 && k == 2) {
                s.apid = 0x7FF;
                s.flags = 3;
                s.seq = 0;
            }
            if (r == 8 && k == 2) {
                s.apid = 50;
                s.type = 1;
                s.seq = 1234;
            }
            put_packet(e, dgram, sizeof dgram, &off, &s);
        }
        size_t n = nb_udp(NB_DLT_EN10MB, &f, dgram, off, rec, sizeof rec);
        cr_assert_gt(n, 0);
        cr_assert_eq(nb_pcap_write(&w, rx_ts(r, true), rec, n, n), 0);
    }
    cr_assert_eq(nb_pcap_close(&w), 0);
}

static void spawn(char *const argv[]) {
    int rc = e2e_spawn(&g_proc, argv);
    cr_assert_eq(rc, 0, "cannot run %s: %s", argv[0], strerror(rc));
}

static bool is_stats(const e2e_msg_t *m) {
    return strncmp(m->topic, "stats/decoder/", 14) == 0;
}

static Vleo__V1__DecoderStats *unpack_stats(const e2e_msg_t *m) {
    Vleo__V1__DecoderStats *s = vleo__v1__decoder_stats__unpack(NULL, m->len, m->body);
    cr_assert_not_null(s, "topic %s: not a DecoderStats", m->topic);
    return s;
}

/* Receive on g_sock until the final DecoderStats, within timeout_ms. skip_apid: packets of
 * this APID (probes) are not kept (-1: keep all). Returns true when the final stats came. */
static bool collect(int timeout_ms, int skip_apid) {
    int64_t deadline = e2e_mono_ms() + timeout_ms;
    char skip_topic[64];
    snprintf(skip_topic, sizeof skip_topic, "tm/SC/APID%d", skip_apid);
    while (e2e_mono_ms() < deadline) {
        cr_assert_lt(g_run->n, MAXMSG, "too many messages");
        e2e_msg_t *m = &g_run->m[g_run->n];
        if (e2e_recv2(g_sock, m) != 0) {
            continue;
        }
        cr_assert_eq(m->frames, 2, "topic %s: %d frames", m->topic, m->frames);
        cr_assert_not_null(m->body);
        if (skip_apid >= 0 && strcmp(m->topic, skip_topic) == 0) {
            e2e_msg_free(m);
            continue;
        }
        g_run->n++;
        if (is_stats(m)) {
            Vleo__V1__DecoderStats *s = unpack_stats(m);
            bool fin = s->has_final && s->final;
            vleo__v1__decoder_stats__free_unpacked(s, NULL);
            if (fin) {
                return true;
            }
        }
    }
    return false;
}

static void read_outputs(void) {
    g_run->out = e2e_slurp(g_proc.out_path, NULL);
    g_run->err = e2e_slurp(g_proc.err_path, NULL);
    cr_assert_not_null(g_run->out);
    cr_assert_not_null(g_run->err);
}

/* Run the decoder on a replay source with --no-drop, publishing on endpoint; receive every
 * message until the final DecoderStats and wait for the exit. extra: more arguments. */
static void run_replay(const char *endpoint, const char *const *extra, size_t n_extra) {
    char *argv[32];
    size_t a = 0;
    argv[a++] = DECODER;
    argv[a++] = "--no-drop";
    argv[a++] = "--wait-subscriber";
    argv[a++] = "10";
    argv[a++] = "--pub";
    argv[a++] = (char *)endpoint;
    cr_assert_lt(n_extra, 24);
    for (size_t i = 0; i < n_extra; i++) {
        argv[a++] = (char *)extra[i];
    }
    argv[a] = NULL;
    g_sock = e2e_sub(g_zctx, endpoint, 200);
    cr_assert_not_null(g_sock, "cannot connect to %s", endpoint);
    spawn(argv);
    bool fin = collect(20000, -1);
    g_run->exit_code = e2e_wait(&g_proc, 10000);
    read_outputs();
    cr_assert(fin, "no final DecoderStats within 20 s (got %zu messages); stderr:\n%s", g_run->n,
              g_run->err);
    cr_assert_eq(g_run->exit_code, 0, "exit %d; stderr:\n%s", g_run->exit_code, g_run->err);
}

/* The last message must be the final DecoderStats; returns it (freed by the caller). */
static Vleo__V1__DecoderStats *final_stats(void) {
    cr_assert_gt(g_run->n, 0);
    e2e_msg_t *m = &g_run->m[g_run->n - 1];
    cr_assert(is_stats(m), "last message on %s", m->topic);
    Vleo__V1__DecoderStats *s = unpack_stats(m);
    cr_assert(s->has_final && s->final);
    return s;
}

static uint64_t counter(const Vleo__V1__DecoderStats *s, const char *name) {
    for (size_t i = 0; i < s->n_counters; i++) {
        if (s->counters[i]->name != NULL && strcmp(s->counters[i]->name, name) == 0) {
            cr_assert(s->counters[i]->has_value, "counter %s without a value", name);
            return s->counters[i]->value;
        }
    }
    cr_assert_fail("no counter named %s in DecoderStats", name);
    return 0;
}

/* session_id is the same non-zero value on every message; message_seq counts from 1. */
static void check_session(void) {
    uint64_t session = 0;
    for (size_t i = 0; i < g_run->n; i++) {
        e2e_msg_t *m = &g_run->m[i];
        uint64_t sid = 0, seq = 0;
        if (is_stats(m)) {
            Vleo__V1__DecoderStats *s = unpack_stats(m);
            cr_assert(s->has_session_id && s->has_message_seq);
            sid = s->session_id;
            seq = s->message_seq;
            vleo__v1__decoder_stats__free_unpacked(s, NULL);
        } else if (strncmp(m->topic, "tmb/", 4) == 0) {
            Vleo__V1__PacketBatch *b = vleo__v1__packet_batch__unpack(NULL, m->len, m->body);
            cr_assert_not_null(b);
            cr_assert(b->has_session_id && b->has_message_seq);
            sid = b->session_id;
            seq = b->message_seq;
            vleo__v1__packet_batch__free_unpacked(b, NULL);
        } else {
            Vleo__V1__Packet *p = vleo__v1__packet__unpack(NULL, m->len, m->body);
            cr_assert_not_null(p, "topic %s: not a Packet", m->topic);
            cr_assert(p->has_session_id && p->has_message_seq);
            sid = p->session_id;
            seq = p->message_seq;
            vleo__v1__packet__free_unpacked(p, NULL);
        }
        if (i == 0) {
            session = sid;
            cr_assert_neq(session, 0);
        }
        cr_assert_eq(sid, session, "message %zu: session %" PRIu64 " != %" PRIu64, i, sid, session);
        cr_assert_eq(seq, i + 1, "message %zu (%s): message_seq %" PRIu64, i, m->topic, seq);
    }
}

/* One published packet against its expectation. full: times, record, offset, quality too. */
static void check_packet(const Vleo__V1__Packet *p, const exp_pk_t *x, size_t i, bool full,
                         const char *source) {
    cr_assert_eq(p->apid, x->apid, "packet %zu: apid %u, want %u", i, p->apid, x->apid);
    cr_assert_eq(p->sequence_count, x->seq, "packet %zu (APID %u): seq %u, want %u", i, x->apid,
                 p->sequence_count, x->seq);
    cr_assert(p->has_length);
    cr_assert_eq(p->length, x->len, "packet %zu: length %u, want %u", i, p->length, x->len);
    cr_assert(p->has_raw, "packet %zu: no raw octets", i);
    cr_assert_eq(p->raw.len, x->len);
    cr_assert_eq(memcmp(p->raw.data, g_exp->pool + x->pool_off, x->len), 0,
                 "packet %zu: raw octets differ", i);
    cr_assert_str_eq(p->spacecraft, "SC");
    if (!full) {
        return;
    }
    char name[16];
    snprintf(name, sizeof name, "APID%u", x->apid);
    cr_assert_str_eq(p->name, name);
    cr_assert(p->has_type);
    cr_assert_eq((int)p->type, x->type ? VLEO__V1__PACKET_TYPE__PACKET_TYPE_TELECOMMAND
                                       : VLEO__V1__PACKET_TYPE__PACKET_TYPE_TELEMETRY);
    cr_assert(p->has_sequence_flags && p->has_secondary_header && p->has_version &&
              p->has_data_length);
    cr_assert_eq(p->sequence_flags, x->flags, "packet %zu: flags %u want %u", i, p->sequence_flags,
                 x->flags);
    cr_assert_eq(p->secondary_header, x->sec);
    cr_assert_eq(p->version, 0);
    cr_assert_eq(p->data_length, x->len - 7);
    cr_assert(p->has_reception_time_utc_ns);
    cr_assert_eq(p->reception_time_utc_ns, x->rx_ns,
                 "packet %zu: reception %" PRId64 ", want %" PRId64, i, p->reception_time_utc_ns,
                 x->rx_ns);
    cr_assert_eq(p->has_generation_time_utc_ns, x->tvalid, "packet %zu", i);
    cr_assert_eq(p->has_generation_time_tai_ns, x->tvalid, "packet %zu", i);
    if (x->tvalid) {
        cr_assert_eq(p->generation_time_utc_ns, x->gen_utc_ns,
                     "packet %zu: generation %" PRId64 ", want %" PRId64, i,
                     p->generation_time_utc_ns, x->gen_utc_ns);
        cr_assert_eq(p->generation_time_tai_ns, x->gen_tai_ns);
    }
    cr_assert_not_null(p->quality);
    cr_assert_eq(p->quality->has_time_valid && p->quality->time_valid, x->tvalid);
    if (x->gap != 0) {
        cr_assert(p->quality->has_sequence_gap, "packet %zu: no sequence_gap", i);
        cr_assert_eq(p->quality->sequence_gap, x->gap);
    } else {
        cr_assert(!p->quality->has_sequence_gap || p->quality->sequence_gap == 0,
                  "packet %zu: unexpected gap %u", i, p->quality->sequence_gap);
    }
    cr_assert(!(p->quality->has_duplicate && p->quality->duplicate));
    cr_assert(!(p->quality->has_reordered && p->quality->reordered));
    cr_assert_not_null(p->source);
    cr_assert_str_eq(p->source->name, source);
    cr_assert(p->source->has_record_number && p->source->has_byte_offset);
    cr_assert_eq(p->source->record_number, x->record, "packet %zu: record %" PRIu64, i,
                 p->source->record_number);
    cr_assert_eq(p->source->byte_offset, x->offset, "packet %zu: offset %" PRIu64, i,
                 p->source->byte_offset);
}

/* Every non-stats message is a Packet on tm/SC/APID<n>, and they are exactly the expected
 * packets in order. Returns the number of packets. */
static size_t check_packets(bool full, const char *source) {
    size_t k = 0;
    for (size_t i = 0; i < g_run->n; i++) {
        e2e_msg_t *m = &g_run->m[i];
        if (is_stats(m)) {
            continue;
        }
        cr_assert_lt(k, g_exp->n, "more packets than written (topic %s)", m->topic);
        const exp_pk_t *x = &g_exp->pk[k];
        char topic[64];
        snprintf(topic, sizeof topic, "tm/SC/APID%u", x->apid);
        cr_assert_str_eq(m->topic, topic, "message %zu (packet %zu): topic %s, want %s (seq %u)", i,
                         k, m->topic, topic, x->seq);
        Vleo__V1__Packet *p = vleo__v1__packet__unpack(NULL, m->len, m->body);
        cr_assert_not_null(p, "message %zu on %s is not a Packet", i, m->topic);
        check_packet(p, x, k, full, source);
        vleo__v1__packet__free_unpacked(p, NULL);
        k++;
    }
    cr_assert_eq(k, g_exp->n, "received %zu packets, wrote %zu", k, g_exp->n);
    return k;
}

/* ---- 1. a capture through real sockets ---- */

static void basic_over(const char *endpoint, bool nanos) {
    char path[192];
    snprintf(path, sizeof path, "%s.pcap", g_tmp);
    write_basic(path, 10, nanos);
    const char *extra[] = {"--pcap", path, "--time-code", "cuc"};
    run_replay(endpoint, extra, 4);
    size_t got = check_packets(true, path);
    cr_assert_eq(got, 29);
    check_session();
    Vleo__V1__DecoderStats *s = final_stats();
    cr_assert_str_eq(s->source, strrchr(path, '/') + 1);
    cr_assert_eq(s->records, 10);
    cr_assert_eq(s->packets, 30);
    cr_assert_eq(s->idle, 1);
    cr_assert_eq(s->rejected, 0);
    cr_assert_eq(s->published, 29);
    cr_assert_eq(s->dropped, 0);
    cr_assert_eq(s->sequence_gaps, 1);
    cr_assert_eq(s->packets_missing, 2);
    cr_assert_eq(s->duplicates, 0);
    cr_assert_eq(s->reordered, 0);
    cr_assert_eq(counter(s, "time_ok"), 20);
    cr_assert_eq(counter(s, "telecommands"), 1);
    cr_assert_eq(counter(s, "udp_datagrams"), 10);
    cr_assert_eq(counter(s, "datagrams_clean"), 10);
    cr_assert_eq(counter(s, "delivered"), 10);
    cr_assert_eq(counter(s, "link_records"), 10);
    cr_assert_eq(counter(s, "send_errors"), 0);
    cr_assert_eq(counter(s, "capture_truncated"), 0);
    cr_assert_eq(counter(s, "bytes"), counter(s, "packet_bytes"));
    vleo__v1__decoder_stats__free_unpacked(s, NULL);
}

Test(decoder, pcap_over_tcp_loopback) {
    int port = e2e_free_port(SOCK_STREAM);
    cr_assert_gt(port, 0);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    basic_over(ep, true);
}

Test(decoder, pcap_over_ipc_microsecond_capture) {
    char ep[192];
    snprintf(ep, sizeof ep, "ipc://%s.ipc", g_tmp);
    basic_over(ep, false);
}

/* ---- 2. mixed captures: every link type, fragments, TCP, junk ---- */

typedef struct {
    nb_pcap_t w;
    int dlt; /* for the builders */
    int64_t ts;
    uint64_t records;
    uint64_t held;
    uint64_t no_payload;
    uint64_t duplicate;
    uint64_t frag_sets;
    uint64_t tcp_flows;
    uint32_t rng;
    uint16_t ip_id;
    uint16_t vlan;
} cap_t;

static void cap_write(cap_t *c, const uint8_t *rec, size_t caplen, size_t wirelen) {
    cr_assert_gt(caplen, 0);
    c->ts += 1000000; /* 1 ms apart */
    g_exp->rx_ns = c->ts;
    cr_assert_eq(nb_pcap_write(&c->w, c->ts, rec, caplen, wirelen), 0);
    c->records++;
}

static nb_flow_t cap_flow(const cap_t *c, uint8_t ipv, uint16_t sport) {
    nb_flow_t f = nb_flow_local(ipv, sport, 1235);
    f.vlan = c->vlan;
    return f;
}

/* A UDP datagram with 1..4 whole packets. */
static void cap_udp(cap_t *c, uint8_t ipv) {
    static uint8_t dgram[8192];
    static uint8_t rec[REC_CAP];
    size_t off = 0;
    int k = 1 + (int)(rnd(&c->rng) % 4);
    for (int i = 0; i < k; i++) {
        put_tm(g_exp, dgram, sizeof dgram, &off, (uint16_t)(10 + rnd(&c->rng) % 5),
               1 + rnd(&c->rng) % 600);
    }
    nb_flow_t f = cap_flow(c, ipv, 40000);
    size_t n = nb_udp(c->dlt, &f, dgram, off, rec, sizeof rec);
    cap_write(c, rec, n, n);
}

/* A UDP datagram of 3000+ octets of packets, sent as IP fragments of 1000 octets, in order
 * or shuffled. */
static void cap_fragments(cap_t *c, uint8_t ipv, bool shuffled) {
    static uint8_t dgram[8192];
    static uint8_t recs[8][2048];
    size_t lens[8];
    size_t off = 0;
    static const size_t sizes[] = {700, 900, 1100, 400};
    for (size_t i = 0; i < 4; i++) {
        put_tm(g_exp, dgram, sizeof dgram, &off, (uint16_t)(20 + i), sizes[i]);
    }
    cr_assert_gt(off, 3000);
    nb_flow_t f = cap_flow(c, ipv, 40001);
    size_t nf = 0;
    if (ipv == 4) {
        nf = nb_udp_fragments(c->dlt, &f, ++c->ip_id, dgram, off, 1000, &recs[0][0], sizeof recs[0],
                              lens, 8);
    } else {
        static uint8_t seg[8192];
        uint32_t id = 0x1000u + ++c->ip_id;
        size_t sn = nb_udp_segment(&f, dgram, off, seg, sizeof seg);
        cr_assert_gt(sn, 0);
        for (size_t o = 0; o < sn; o += 1000) {
            size_t piece = sn - o < 1000 ? sn - o : 1000;
            lens[nf] = nb_ipv6_fragment(c->dlt, &f, id, 17, o, o + piece < sn, seg + o, piece,
                                        recs[nf], sizeof recs[nf]);
            cr_assert_gt(lens[nf], 0);
            nf++;
        }
    }
    cr_assert_eq(nf, 4);
    static const size_t order_in[] = {0, 1, 2, 3};
    static const size_t order_shuf[] = {2, 0, 3, 1};
    const size_t *order = shuffled ? order_shuf : order_in;
    for (size_t i = 0; i < nf; i++) {
        cap_write(c, recs[order[i]], lens[order[i]], lens[order[i]]);
    }
    c->held += nf - 1;
    c->frag_sets++;
}

/* A TCP connection: SYN, a stream of 40 packets cut at random points into segments (one
 * retransmitted), FIN. */
static void cap_tcp(cap_t *c, uint8_t ipv) {
    static uint8_t stream[65536];
    static uint8_t rec[REC_CAP];
    size_t len = 0;
    for (int i = 0; i < 40; i++) {
        put_tm(g_exp, stream, sizeof stream, &len, (uint16_t)(30 + i % 3), 1 + rnd(&c->rng) % 500);
    }
    nb_flow_t f = cap_flow(c, ipv, 40002);
    uint32_t isn = 0xFFFFF000u; /* the stream's sequence numbers wrap past 2^32 */
    size_t n = nb_tcp(c->dlt, &f, isn, NB_TCP_SYN, NULL, 0, rec, sizeof rec);
    cap_write(c, rec, n, n);
    size_t off = 0;
    size_t seg = 0;
    size_t prev_off = 0, prev_len = 0;
    while (off < len) {
        size_t take = 1 + rnd(&c->rng) % 700;
        if (take > len - off) {
            take = len - off;
        }
        n = nb_tcp(c->dlt, &f, isn + 1 + (uint32_t)off, NB_TCP_ACK | NB_TCP_PSH, stream + off, take,
                   rec, sizeof rec);
        cap_write(c, rec, n, n);
        if (seg == 3) {
            /* retransmit the previous segment: already delivered, must change nothing */
            n = nb_tcp(c->dlt, &f, isn + 1 + (uint32_t)prev_off, NB_TCP_ACK | NB_TCP_PSH,
                       stream + prev_off, prev_len, rec, sizeof rec);
            cap_write(c, rec, n, n);
            c->duplicate++;
        }
        prev_off = off;
        prev_len = take;
        off += take;
        seg++;
    }
    n = nb_tcp(c->dlt, &f, isn + 1 + (uint32_t)len, NB_TCP_FIN | NB_TCP_ACK, NULL, 0, rec,
               sizeof rec);
    cap_write(c, rec, n, n);
    c->no_payload += 2;
    c->tcp_flows++;
}

/* Junk that must be rejected, each for its named reason; whole packets before a bad one in
 * the same datagram still decode. */
static void cap_junk_udp(cap_t *c, uint8_t ipv) {
    static uint8_t dgram[8192];
    static uint8_t rec[REC_CAP];
    nb_flow_t f = cap_flow(c, ipv, 40003);
    /* a whole packet, then one declaring 100 data octets with 20 present */
    size_t off = 0;
    put_tm(g_exp, dgram, sizeof dgram, &off, 40, 33);
    uint8_t tmp[200];
    size_t pn = nb_spp(41, 0, false, 3, 0, NULL, 100, tmp, sizeof tmp);
    memcpy(dgram + off, tmp, 26);
    size_t n = nb_udp(c->dlt, &f, dgram, off + 26, rec, sizeof rec);
    cr_assert_gt(pn, 0);
    cap_write(c, rec, n, n);
    /* a whole packet, then 3 stray octets: truncated_header */
    off = 0;
    put_tm(g_exp, dgram, sizeof dgram, &off, 40, 12);
    memset(dgram + off, 0x08, 3);
    n = nb_udp(c->dlt, &f, dgram, off + 3, rec, sizeof rec);
    cap_write(c, rec, n, n);
    /* version 7 in the first octet: bad_version */
    memset(dgram, 0xE5, 40);
    n = nb_udp(c->dlt, &f, dgram, 40, rec, sizeof rec);
    cap_write(c, rec, n, n);
    /* the capture cut the record inside the UDP payload (caplen < len): snaplen_truncated */
    uint8_t scratch[2000];
    size_t so = 0;
    size_t before = g_exp->n;
    put_tm(g_exp, scratch, sizeof scratch, &so, 42, 200);
    g_exp->n = before; /* this packet is lost with its record */
    g_exp->packets--;
    g_exp->next_seq[42] = (uint16_t)((g_exp->next_seq[42] - 1) & 0x3FFF);
    n = nb_udp(c->dlt, &f, scratch, so, rec, sizeof rec);
    cap_write(c, rec, n - 50, n);
    /* ICMP (v4) / ICMPv6 echo: not_udp_tcp */
    static const uint8_t echo[16] = {8, 0, 0, 0, 0, 1, 0, 1, 'v', 'l', 'e', 'o'};
    n = nb_ip(c->dlt, &f, ipv == 4 ? 1 : 58, echo, sizeof echo, rec, sizeof rec);
    cap_write(c, rec, n, n);
}

/* An ARP request (ethertype 0x0806) on the links that carry an ethertype: not_ip. */
static void cap_arp(cap_t *c, size_t ethertype_at) {
    static uint8_t rec[REC_CAP];
    nb_flow_t f = cap_flow(c, 4, 1);
    size_t l = nb_link(c->dlt, &f, 4, rec, sizeof rec);
    cr_assert_neq(l, NB_LINK_ERR);
    cr_assert_gt(l, ethertype_at + 1);
    nb_be16(rec + ethertype_at, 0x0806);
    memset(rec + l, 0, 28);
    nb_be16(rec + l, 1);          /* Ethernet */
    nb_be16(rec + l + 2, 0x0800); /* IPv4 */
    rec[l + 4] = 6;
    rec[l + 5] = 4;
    nb_be16(rec + l + 6, 1); /* request */
    size_t n = l + 28 < 60 ? 60 : l + 28;
    cap_write(c, rec, n, n);
}

/* A BSD loopback record of address family 7 (not IP): not_ip. */
static void cap_null_other_family(cap_t *c) {
    uint8_t rec[64];
    memset(rec, 0, sizeof rec);
    rec[0] = 7;
    cap_write(c, rec, sizeof rec, sizeof rec);
}

typedef struct {
    const char *name;
    int file_dlt;
    int build_dlt;
    bool v4, v6;
    uint16_t vlan;
    int arp_at; /* ethertype offset for an ARP record, -1: none */
    bool null_family;
} linkcase_t;

static void mixed(const linkcase_t *lc) {
    char path[192];
    snprintf(path, sizeof path, "%s.pcap", g_tmp);
    cap_t c;
    memset(&c, 0, sizeof c);
    c.dlt = lc->build_dlt;
    c.ts = T2024_UNIX * NS;
    c.rng = 0x9E3779B9u ^ (uint32_t)lc->file_dlt;
    c.vlan = lc->vlan;
    cr_assert_eq(nb_pcap_open(&c.w, path, lc->file_dlt, true, 65535), 0);
    uint64_t not_ip = 0, junk_sets = 0;
    for (uint8_t ipv = 4; ipv <= 6; ipv += 2) {
        if ((ipv == 4 && !lc->v4) || (ipv == 6 && !lc->v6)) {
            continue;
        }
        for (int i = 0; i < 5; i++) {
            cap_udp(&c, ipv);
        }
        cap_fragments(&c, ipv, false);
        cap_udp(&c, ipv);
        cap_fragments(&c, ipv, true);
        cap_tcp(&c, ipv);
        cap_udp(&c, ipv);
        cap_junk_udp(&c, ipv);
        junk_sets++;
        cap_udp(&c, ipv);
    }
    if (lc->arp_at >= 0) {
        cap_arp(&c, (size_t)lc->arp_at);
        not_ip++;
    }
    if (lc->null_family) {
        cap_null_other_family(&c);
        not_ip++;
    }
    cap_udp(&c, lc->v4 ? 4 : 6);
    cr_assert_eq(nb_pcap_close(&c.w), 0);

    int port = e2e_free_port(SOCK_STREAM);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    const char *extra[] = {"--pcap", path, "--source-name", lc->name};
    run_replay(ep, extra, 4);
    check_packets(false, path);
    check_session();
    Vleo__V1__DecoderStats *s = final_stats();
    cr_assert_str_eq(s->source, lc->name);
    /* every reject reason by name: only the junk written here, once per IP version */
    static const char *const reasons[] = {
        "unsupported_linktype", "truncated_link",      "not_ip",           "truncated_ip",
        "bad_ip_header",        "snaplen_truncated",   "not_udp_tcp",      "truncated_udp",
        "bad_udp_length",       "truncated_tcp",       "bad_tcp_header",   "bad_fragment",
        "fragment_table_full",  "tcp_flow_table_full", "truncated_header", "length_beyond_datagram",
        "bad_version",          "stream_truncated"};
    uint64_t want_sum = 0;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        uint64_t want = 0;
        if (strcmp(reasons[i], "not_ip") == 0) {
            want = not_ip;
        } else if (strcmp(reasons[i], "snaplen_truncated") == 0 ||
                   strcmp(reasons[i], "not_udp_tcp") == 0 ||
                   strcmp(reasons[i], "truncated_header") == 0 ||
                   strcmp(reasons[i], "length_beyond_datagram") == 0 ||
                   strcmp(reasons[i], "bad_version") == 0) {
            want = junk_sets;
        }
        cr_assert_eq(counter(s, reasons[i]), want, "%s: %s = %" PRIu64 ", want %" PRIu64, lc->name,
                     reasons[i], counter(s, reasons[i]), want);
        want_sum += want;
    }
    cr_assert_eq(s->rejected, want_sum);
    cr_assert_eq(s->records, c.records);
    cr_assert_eq(counter(s, "link_records"), c.records);
    cr_assert_eq(counter(s, "held"), c.held);
    cr_assert_eq(counter(s, "no_payload"), c.no_payload);
    cr_assert_eq(counter(s, "duplicate"), c.duplicate);
    uint64_t net_rejects = not_ip + 2 * junk_sets; /* not_ip, snaplen_truncated, not_udp_tcp */
    cr_assert_eq(counter(s, "delivered"),
                 c.records - c.held - c.no_payload - c.duplicate - net_rejects);
    cr_assert_eq(counter(s, "fragments_completed"), c.frag_sets);
    cr_assert_eq(counter(s, "fragments_expired"), 0);
    cr_assert_eq(counter(s, "tcp_flows"), c.tcp_flows);
    cr_assert_eq(counter(s, "tcp_holes"), 0);
    cr_assert_eq(s->packets, g_exp->packets);
    cr_assert_eq(s->published, g_exp->n);
    cr_assert_eq(s->sequence_gaps, 0);
    cr_assert_eq(s->duplicates, 0);
    cr_assert_eq(s->reordered, 0);
    vleo__v1__decoder_stats__free_unpacked(s, NULL);
}

Test(decoder, mixed_ethernet_vlan) {
    linkcase_t lc = {"eth-vlan", NB_DLT_EN10MB, NB_DLT_EN10MB, true, true, 42, 16, false};
    mixed(&lc);
}

Test(decoder, mixed_linux_sll) {
    linkcase_t lc = {"sll", NB_DLT_LINUX_SLL, NB_DLT_LINUX_SLL, true, true, 0, 14, false};
    mixed(&lc);
}

Test(decoder, mixed_linux_sll2) {
    linkcase_t lc = {"sll2", NB_DLT_LINUX_SLL2, NB_DLT_LINUX_SLL2, true, true, 0, 0, false};
    mixed(&lc);
}

/* LINKTYPE_RAW (101) is how tcpdump writes raw IP files; libpcap reports it as DLT_RAW. */
Test(decoder, mixed_raw_ipv4) {
    linkcase_t lc = {"raw4", 101, NB_DLT_RAW, true, false, 0, -1, false};
    mixed(&lc);
}

Test(decoder, mixed_raw_ipv6) {
    linkcase_t lc = {"raw6", 101, NB_DLT_RAW, false, true, 0, -1, false};
    mixed(&lc);
}

Test(decoder, mixed_bsd_null) {
    linkcase_t lc = {"null", NB_DLT_NULL, NB_DLT_NULL, true, true, 0, -1, true};
    mixed(&lc);
}

/* ---- 3. JSON lines ---- */

/* The next line of *s into line (without '\n'); false at the end. */
static bool next_line(const char **s, char *line, size_t cap) {
    const char *nl = strchr(*s, '\n');
    if (nl == NULL) {
        return false;
    }
    size_t n = (size_t)(nl - *s);
    cr_assert_lt(n, cap);
    memcpy(line, *s, n);
    line[n] = '\0';
    *s = nl + 1;
    return true;
}

/* Run the decoder to completion without ZeroMQ (--pub none); stdout/stderr into g_run. */
static void run_plain(char *const argv[], int timeout_ms) {
    spawn(argv);
    g_run->exit_code = e2e_wait(&g_proc, timeout_ms);
    read_outputs();
}

Test(decoder, json_lines) {
    char path[192];
    snprintf(path, sizeof path, "%s.pcap", g_tmp);
    write_basic(path, 10, true);
    char *argv[] = {DECODER, "--pcap", path, "--pub", "none", "--json", "--time-code", "cuc", NULL};
    run_plain(argv, 10000);
    cr_assert_eq(g_run->exit_code, 0, "stderr:\n%s", g_run->err);
    cr_assert_eq(e2e_count_lines(g_run->out), 29, "stdout:\n%s", g_run->out);
    /* every line: the packets in order */
    const char *s = g_run->out;
    static char line[8192];
    for (size_t i = 0; i < g_exp->n; i++) {
        cr_assert(next_line(&s, line, sizeof line));
        const exp_pk_t *x = &g_exp->pk[i];
        char head[128];
        snprintf(head, sizeof head,
                 "{\"spacecraft\":\"SC\",\"apid\":%u,\"seq\":%u,\"length\":%u,\"name\":\"APID%u\","
                 "\"time\":\"",
                 x->apid, x->seq, x->len, x->apid);
        cr_assert_eq(strncmp(line, head, strlen(head)), 0, "line %zu: %s\nwant %s...", i, line,
                     head);
        cr_assert_eq(line[strlen(line) - 1], '}');
    }
    /* three lines in full: a first packet with CUC time, the one after the gap, the TC */
    s = g_run->out;
    cr_assert(next_line(&s, line, sizeof line));
    cr_assert_str_eq(line, "{\"spacecraft\":\"SC\",\"apid\":100,\"seq\":0,\"length\":26,"
                           "\"name\":\"APID100\",\"time\":\"2024-06-01T00:00:10.500000000Z\","
                           "\"received\":\"2024-06-01T00:00:01.000123456Z\",\"type\":\"tm\","
                           "\"seq_flags\":1,\"params\":{}}");
    cr_assert(next_line(&s, line, sizeof line));
    cr_assert(next_line(&s, line, sizeof line));
    /* APID 300 has no secondary header: time is the reception time */
    cr_assert_str_eq(line, "{\"spacecraft\":\"SC\",\"apid\":300,\"seq\":0,\"length\":84,"
                           "\"name\":\"APID300\",\"time\":\"2024-06-01T00:00:01.000123456Z\","
                           "\"received\":\"2024-06-01T00:00:01.000123456Z\",\"type\":\"tm\","
                           "\"seq_flags\":3,\"params\":{}}");
    for (int i = 0; i < 7; i++) {
        cr_assert(next_line(&s, line, sizeof line));
    }
    cr_assert_str_eq(line, "{\"spacecraft\":\"SC\",\"apid\":100,\"seq\":5,\"length\":65,"
                           "\"name\":\"APID100\",\"time\":\"2024-06-01T00:00:40.500000000Z\","
                           "\"received\":\"2024-06-01T00:00:04.000493824Z\",\"type\":\"tm\","
                           "\"seq_flags\":0,\"gap\":2,\"params\":{}}");
    for (int i = 0; i < 13; i++) {
        cr_assert(next_line(&s, line, sizeof line));
    }
    cr_assert_str_eq(line, "{\"spacecraft\":\"SC\",\"apid\":50,\"seq\":1234,\"length\":175,"
                           "\"name\":\"APID50\",\"time\":\"2024-06-01T00:00:08.000987648Z\","
                           "\"received\":\"2024-06-01T00:00:08.000987648Z\",\"type\":\"tc\","
                           "\"seq_flags\":2,\"params\":{}}");
}

/* ---- 4. batches ---- */

Test(decoder, batch_of_100) {
    char path[192];
    snprintf(path, sizeof path, "%s.pcap", g_tmp);
    write_basic(path, 83, true); /* 249 packets, one idle: 248 published */
    cr_assert_eq(g_exp->n, 248);
    int port = e2e_free_port(SOCK_STREAM);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    const char *extra[] = {"--pcap", path, "--time-code", "cuc", "--batch", "100"};
    run_replay(ep, extra, 6);
    check_session();
    size_t k = 0, batches = 0;
    static const size_t sizes[] = {100, 100, 48};
    for (size_t i = 0; i < g_run->n; i++) {
        e2e_msg_t *m = &g_run->m[i];
        if (is_stats(m)) {
            continue;
        }
        cr_assert_str_eq(m->topic, "tmb/SC");
        Vleo__V1__PacketBatch *b = vleo__v1__packet_batch__unpack(NULL, m->len, m->body);
        cr_assert_not_null(b);
        cr_assert_str_eq(b->spacecraft, "SC");
        cr_assert_lt(batches, 3);
        cr_assert_eq(b->n_packets, sizes[batches], "batch %zu holds %zu packets", batches,
                     b->n_packets);
        for (size_t j = 0; j < b->n_packets; j++) {
            cr_assert_lt(k, g_exp->n);
            check_packet(b->packets[j], &g_exp->pk[k], k, true, path);
            cr_assert(!b->packets[j]->has_message_seq);
            k++;
        }
        vleo__v1__packet_batch__free_unpacked(b, NULL);
        batches++;
    }
    cr_assert_eq(batches, 3);
    cr_assert_eq(k, 248);
    Vleo__V1__DecoderStats *s = final_stats();
    cr_assert_eq(s->published, 248);
    cr_assert_eq(s->packets, 249);
    cr_assert_eq(s->rejected, 0);
    vleo__v1__decoder_stats__free_unpacked(s, NULL);
}

/* ---- --file, --spacecraft, --no-raw, --publish-idle ---- */

Test(decoder, file_stream_options) {
    char path[192];
    snprintf(path, sizeof path, "%s-b.pcap", g_tmp); /* a plain packet stream, not a pcap */
    g_publish_idle = true;
    static uint8_t stream[700000];
    size_t len = 0;
    uint32_t rng = 99;
    for (int i = 0; i < 400; i++) {
        uint16_t apid = (uint16_t)(i == 200 ? 0x7FF : 70 + i % 3);
        put_tm(g_exp, stream, sizeof stream, &len, apid, 1 + rnd(&rng) % 1500);
    }
    cr_assert_gt(len, 256 * 1024); /* more than one read: packets cross read boundaries */
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(stream, 1, len, fp), len);
    fclose(fp);
    int port = e2e_free_port(SOCK_STREAM);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    const char *extra[] = {"--file", path, "--spacecraft", "QK1", "--no-raw", "--publish-idle"};
    run_replay(ep, extra, 6);
    check_session();
    size_t k = 0;
    for (size_t i = 0; i < g_run->n; i++) {
        e2e_msg_t *m = &g_run->m[i];
        if (is_stats(m)) {
            continue;
        }
        cr_assert_lt(k, g_exp->n);
        const exp_pk_t *x = &g_exp->pk[k];
        char topic[64];
        snprintf(topic, sizeof topic, "tm/QK1/APID%u", x->apid);
        cr_assert_str_eq(m->topic, topic);
        Vleo__V1__Packet *p = vleo__v1__packet__unpack(NULL, m->len, m->body);
        cr_assert_not_null(p);
        cr_assert_str_eq(p->spacecraft, "QK1");
        cr_assert_eq(p->apid, x->apid);
        cr_assert_eq(p->sequence_count, x->seq);
        cr_assert_eq(p->length, x->len);
        cr_assert(!p->has_raw, "packet %zu carries raw octets", k);
        cr_assert_not_null(p->source);
        cr_assert_str_eq(p->source->name, path);
        vleo__v1__packet__free_unpacked(p, NULL);
        k++;
    }
    cr_assert_eq(k, 400);
    Vleo__V1__DecoderStats *s = final_stats();
    cr_assert_eq(s->packets, 400);
    cr_assert_eq(s->idle, 1);
    cr_assert_eq(s->published, 400);
    cr_assert_eq(s->rejected, 0);
    cr_assert_eq(counter(s, "bytes"), len);
    cr_assert_eq(counter(s, "packet_bytes"), len);
    cr_assert_eq(counter(s, "held_bytes"), 0);
    vleo__v1__decoder_stats__free_unpacked(s, NULL);
}

/* ---- 5. live UDP ---- */

static int udp_sender(void) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    cr_assert_geq(fd, 0);
    return fd;
}

static void udp_send(int fd, int port, const uint8_t *buf, size_t len) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    ssize_t r = sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof a);
    cr_assert_eq(r, (ssize_t)len, "sendto: %s", strerror(errno));
}

Test(decoder, live_udp) {
    int uport = e2e_free_port(SOCK_DGRAM);
    int zport = e2e_free_port(SOCK_STREAM);
    cr_assert_gt(uport, 0);
    cr_assert_gt(zport, 0);
    char src[64], ep[64];
    snprintf(src, sizeof src, "127.0.0.1:%d", uport);
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", zport);
    g_sock = e2e_sub(g_zctx, ep, 50);
    cr_assert_not_null(g_sock);
    char *argv[] = {DECODER, "--udp", src, "--pub", ep, "--stats-interval", "0.2", NULL};
    spawn(argv);
    int fd = udp_sender();
    /* Probe with APID 1 until a probe comes back: the decoder is up and we are subscribed. */
    uint8_t probe[16];
    size_t pn = nb_spp(1, 0, false, 3, 0, NULL, 4, probe, sizeof probe);
    bool up = false;
    int probes = 0;
    for (int i = 0; i < 100 && !up; i++) {
        udp_send(fd, uport, probe, pn);
        probes++;
        e2e_msg_t m;
        if (e2e_recv2(g_sock, &m) == 0) {
            up = strcmp(m.topic, "tm/SC/APID1") == 0;
            e2e_msg_free(&m);
        }
    }
    cr_assert(up, "no probe came back within 5 s");
    int rt = 200;
    cr_assert_eq(zmq_setsockopt(g_sock, ZMQ_RCVTIMEO, &rt, sizeof rt), 0);
    /* 200 datagrams of 4 packets, in bursts of 10 with a pause */
    static uint8_t dgram[4096];
    for (int d = 0; d < 200; d++) {
        size_t off = 0;
        for (int k = 0; k < 4; k++) {
            put_tm(g_exp, dgram, sizeof dgram, &off, (uint16_t)(10 + k),
                   (size_t)(1 + (d * 31 + k * 97) % 400));
        }
        udp_send(fd, uport, dgram, off);
        if (d % 10 == 9) {
            e2e_sleep_ms(2);
        }
    }
    close(fd);
    /* every packet, then SIGTERM and the final stats */
    int64_t deadline = e2e_mono_ms() + 10000;
    size_t pk = 0;
    while (pk < g_exp->n && e2e_mono_ms() < deadline) {
        cr_assert_lt(g_run->n, MAXMSG);
        e2e_msg_t *m = &g_run->m[g_run->n];
        if (e2e_recv2(g_sock, m) != 0) {
            continue;
        }
        if (strcmp(m->topic, "tm/SC/APID1") == 0) {
            e2e_msg_free(m); /* a late probe */
            continue;
        }
        if (is_stats(m)) {
            Vleo__V1__DecoderStats *st = unpack_stats(m);
            bool early = st->has_final && st->final;
            vleo__v1__decoder_stats__free_unpacked(st, NULL);
            cr_assert(!early, "final stats before the end");
        } else {
            pk++;
        }
        g_run->n++;
    }
    cr_assert_eq(pk, g_exp->n, "received %zu of %zu packets", pk, g_exp->n);
    cr_assert_eq(e2e_signal(&g_proc, SIGTERM), 0);
    bool fin = collect(5000, 1);
    g_run->exit_code = e2e_wait(&g_proc, 5000);
    read_outputs();
    cr_assert(fin, "no final DecoderStats after SIGTERM; stderr:\n%s", g_run->err);
    cr_assert_eq(g_run->exit_code, 0, "stderr:\n%s", g_run->err);
    check_packets(false, src);
    Vleo__V1__DecoderStats *s = final_stats();
    char want_src[64]; /* ':' is not a topic character */
    snprintf(want_src, sizeof want_src, "udp-127.0.0.1_%d", uport);
    cr_assert_str_eq(s->source, want_src);
    cr_assert_geq(s->packets, 800);
    cr_assert_leq(s->packets, 800 + (uint64_t)probes);
    cr_assert_eq(s->rejected, 0);
    cr_assert_eq(s->dropped, 0);
    cr_assert_eq(counter(s, "datagrams"), s->packets - 600); /* 200 datagrams + probes */
    cr_assert_eq(counter(s, "socket_errors"), 0);
    vleo__v1__decoder_stats__free_unpacked(s, NULL);
}

/* ---- 6. live TCP ---- */

static int tcp_listen(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0, "bind: %s", strerror(errno));
    cr_assert_eq(listen(fd, 4), 0);
    return fd;
}

static int tcp_accept(int lfd, int timeout_ms) {
    struct pollfd p = {lfd, POLLIN, 0};
    int pr = poll(&p, 1, timeout_ms);
    cr_assert_eq(pr, 1, "the decoder did not connect within %d ms", timeout_ms);
    int fd = accept(lfd, NULL, NULL);
    cr_assert_geq(fd, 0);
    return fd;
}

/* Send 300 packets over fd cut at random points, with small pauses. */
static void tcp_feed(int fd, uint32_t seed) {
    static uint8_t stream[200000];
    size_t len = 0;
    for (int i = 0; i < 300; i++) {
        put_tm(g_exp, stream, sizeof stream, &len, (uint16_t)(60 + i % 4),
               (size_t)(1 + (i * 211) % 600));
    }
    uint32_t rng = seed;
    size_t off = 0;
    for (int i = 0; off < len && i < 100000; i++) {
        size_t take = 1 + rnd(&rng) % 900;
        if (take > len - off) {
            take = len - off;
        }
        ssize_t w = send(fd, stream + off, take, MSG_NOSIGNAL);
        cr_assert_gt(w, 0, "send: %s", strerror(errno));
        off += (size_t)w;
        if (i % 8 == 7) {
            e2e_sleep_ms(1);
        }
    }
    cr_assert_eq(off, len);
}

static void live_tcp(bool listen_late) {
    int tport = e2e_free_port(SOCK_STREAM);
    int zport = e2e_free_port(SOCK_STREAM);
    cr_assert_gt(tport, 0);
    cr_assert_gt(zport, 0);
    cr_assert_neq(tport, zport);
    char src[64], ep[64];
    snprintf(src, sizeof src, "127.0.0.1:%d", tport);
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", zport);
    int lfd = listen_late ? -1 : tcp_listen(tport);
    g_sock = e2e_sub(g_zctx, ep, 200);
    cr_assert_not_null(g_sock);
    /* --no-drop: the decoder waits for our subscription before it connects, loses nothing */
    char *argv[] = {DECODER, "--tcp", src, "--exit-on-eof", "--no-drop", "--pub", ep, NULL};
    spawn(argv);
    if (listen_late) {
        e2e_sleep_ms(700); /* the decoder is refused and backs off meanwhile */
        lfd = tcp_listen(tport);
    }
    int fd = tcp_accept(lfd, 10000);
    tcp_feed(fd, listen_late ? 7u : 12345u);
    close(fd);
    close(lfd);
    bool fin = collect(15000, -1);
    g_run->exit_code = e2e_wait(&g_proc, 5000);
    read_outputs();
    cr_assert(fin, "no final DecoderStats; stderr:\n%s", g_run->err);
    cr_assert_eq(g_run->exit_code, 0, "stderr:\n%s", g_run->err);
    check_packets(false, src);
    check_session();
    Vleo__V1__DecoderStats *s = final_stats();
    cr_assert_eq(s->packets, 300);
    cr_assert_eq(s->published, 300);
    cr_assert_eq(s->rejected, 0);
    cr_assert_eq(counter(s, "tcp_connects"), 1);
    cr_assert_eq(counter(s, "tcp_reconnects"), 0);
    if (listen_late) {
        cr_assert_geq(counter(s, "tcp_connect_failures"), 1);
    } else {
        cr_assert_eq(counter(s, "tcp_connect_failures"), 0);
    }
    cr_assert_eq(counter(s, "stream_truncated"), 0);
    cr_assert_eq(counter(s, "held_bytes"), 0);
    vleo__v1__decoder_stats__free_unpacked(s, NULL);
}

Test(decoder, live_tcp_stream) {
    live_tcp(false);
}

Test(decoder, live_tcp_connects_after_refusals) {
    live_tcp(true);
}

/* ---- 7. errors and exit codes ---- */

Test(decoder, missing_file_is_exit_3) {
    char *argv[] = {DECODER, "--pcap", "/nonexistent/vleo-e2e.pcap", "--pub", "none", NULL};
    run_plain(argv, 5000);
    cr_assert_eq(g_run->exit_code, 3, "stderr:\n%s", g_run->err);
    cr_assert_not_null(strstr(g_run->err, "/nonexistent/vleo-e2e.pcap"), "%s", g_run->err);
    cr_assert_eq(e2e_count_lines(g_run->err), 1, "want one line on stderr, got:\n%s", g_run->err);
    cr_assert_str_eq(g_run->out, "");
}

Test(decoder, text_file_is_exit_3) {
    char path[192];
    snprintf(path, sizeof path, "%s.txt", g_tmp);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs("this is not a capture\nbut it is long enough to hold a pcap header\n", fp);
    fclose(fp);
    char *argv[] = {DECODER, "--pcap", path, "--pub", "none", NULL};
    run_plain(argv, 5000);
    cr_assert_eq(g_run->exit_code, 3, "stderr:\n%s", g_run->err);
    cr_assert_not_null(strstr(g_run->err, path), "%s", g_run->err);
    cr_assert_not_null(strstr(g_run->err, "pcap"), "%s", g_run->err);
    cr_assert_eq(e2e_count_lines(g_run->err), 1, "want one line on stderr, got:\n%s", g_run->err);
}

/* Run argv to completion and return its exit code; its stderr in g_run->err. */
static int run_again(char *const argv[]) {
    e2e_cleanup(&g_proc);
    free(g_run->out);
    free(g_run->err);
    g_run->out = g_run->err = NULL;
    run_plain(argv, 5000);
    return g_run->exit_code;
}

Test(decoder, usage_errors_are_exit_2) {
    char *bad_opt[] = {DECODER, "--pcap", "x.pcap", "--no-such-option", NULL};
    cr_assert_eq(run_again(bad_opt), 2, "stderr:\n%s", g_run->err);
    cr_assert_not_null(strstr(g_run->err, "--no-such-option"), "%s", g_run->err);
    cr_assert_not_null(strstr(g_run->err, "usage: vleo-decoder"), "%s", g_run->err);

    char *no_source[] = {DECODER, "--pub", "none", NULL};
    cr_assert_eq(run_again(no_source), 2, "stderr:\n%s", g_run->err);
    cr_assert_not_null(strstr(g_run->err, "no source"), "%s", g_run->err);
    cr_assert_not_null(strstr(g_run->err, "usage: vleo-decoder"), "%s", g_run->err);

    char *two_sources[] = {DECODER, "--pcap", "a", "--file", "b", NULL};
    cr_assert_eq(run_again(two_sources), 2, "stderr:\n%s", g_run->err);
    cr_assert_not_null(strstr(g_run->err, "exactly one source"), "%s", g_run->err);

    char *open_pub[] = {DECODER, "--pcap", "x.pcap", "--pub", "tcp://0.0.0.0:5999", NULL};
    cr_assert_eq(run_again(open_pub), 2, "stderr:\n%s", g_run->err);
    cr_assert_not_null(strstr(g_run->err, "--insecure"), "%s", g_run->err);

    char *bad_batch[] = {DECODER, "--pcap", "x.pcap", "--batch", "0", NULL};
    cr_assert_eq(run_again(bad_batch), 2, "stderr:\n%s", g_run->err);

    char *bad_tc[] = {DECODER, "--pcap", "x.pcap", "--time-code", "xyz", NULL};
    cr_assert_eq(run_again(bad_tc), 2, "stderr:\n%s", g_run->err);
}

Test(decoder, help_is_exit_0) {
    char *argv[] = {DECODER, "--help", NULL};
    run_plain(argv, 5000);
    cr_assert_eq(g_run->exit_code, 0);
    cr_assert_eq(strncmp(g_run->out, "usage: vleo-decoder", 19), 0, "%s", g_run->out);
    cr_assert_not_null(strstr(g_run->out, "Exit codes:"));
    cr_assert_str_eq(g_run->err, "");
}

Test(decoder, truncated_capture_decodes_whole_records) {
    char path[192];
    snprintf(path, sizeof path, "%s.pcap", g_tmp);
    write_basic(path, 10, true);
    size_t len = 0;
    char *all = e2e_slurp(path, &len);
    cr_assert_not_null(all);
    /* Cut inside the last record: 24-octet file header, then each record is a 16-octet
     * header plus caplen octets; find where record 10 starts. */
    size_t off = 24;
    size_t starts[10];
    for (int r = 0; r < 10; r++) {
        starts[r] = off;
        uint32_t caplen;
        memcpy(&caplen, all + off + 8, 4); /* written in host order by nb_pcap_write */
        off += 16 + caplen;
    }
    cr_assert_eq(off, len);
    size_t cut = starts[9] + 16 + 20; /* inside record 10's data */
    char cpath[192];
    snprintf(cpath, sizeof cpath, "%s-cut.pcap", g_tmp);
    FILE *fp = fopen(cpath, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(all, 1, cut, fp), cut);
    fclose(fp);
    free(all);
    char *argv[] = {DECODER, "--pcap", cpath, "--pub", "none", "--json", NULL};
    run_plain(argv, 10000);
    cr_assert_eq(g_run->exit_code, 0, "stderr:\n%s", g_run->err);
    /* records 1..9: 27 packets, one of them idle */
    cr_assert_eq(e2e_count_lines(g_run->out), 26, "stdout:\n%s", g_run->out);
    const char *s = g_run->out;
    static char line[8192];
    for (size_t i = 0; i < 26; i++) {
        cr_assert(next_line(&s, line, sizeof line));
        char head[96];
        snprintf(head, sizeof head, "{\"spacecraft\":\"SC\",\"apid\":%u,\"seq\":%u,",
                 g_exp->pk[i].apid, g_exp->pk[i].seq);
        cr_assert_eq(strncmp(line, head, strlen(head)), 0, "line %zu: %s", i, line);
    }
    /* the warning names the byte offset of the cut: where record 10 starts, or where the
     * file ends inside it */
    char at_start[64], at_end[64];
    snprintf(at_start, sizeof at_start, "offset %zu", starts[9]);
    snprintf(at_end, sizeof at_end, "offset %zu", cut);
    cr_assert(strstr(g_run->err, at_start) != NULL || strstr(g_run->err, at_end) != NULL,
              "stderr should name byte %s or %s:\n%s", at_start, at_end, g_run->err);
}

/* The input is checked before waiting for a subscriber: a missing file is reported at once
 * with exit 3, not after --wait-subscriber seconds as "no subscriber" (exit 1). */
Test(decoder, missing_file_with_no_drop_is_exit_3_at_once) {
    int port = e2e_free_port(SOCK_STREAM);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    char *argv[] = {DECODER,
                    "--pcap",
                    "/nonexistent/vleo-e2e.pcap",
                    "--no-drop",
                    "--wait-subscriber",
                    "3",
                    "--pub",
                    ep,
                    NULL};
    int64_t t0 = e2e_mono_ms();
    run_plain(argv, 10000);
    int64_t took = e2e_mono_ms() - t0;
    cr_assert_eq(g_run->exit_code, 3, "exit %d after %lld ms; stderr:\n%s", g_run->exit_code,
                 (long long)took, g_run->err);
    cr_assert_lt(took, 1500, "took %lld ms", (long long)took);
    cr_assert_not_null(strstr(g_run->err, "/nonexistent/vleo-e2e.pcap"), "%s", g_run->err);
}
