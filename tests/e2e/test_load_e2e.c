/* test_load_e2e.c: end-to-end counting facts of vleo-decoder under a slow
 * subscriber (issue 7 item 2): in live mode every message lost at the
 * high-water mark shows as a gap in the publisher's session/sequence numbers
 * (gaps == sent - received exactly); with --no-drop every packet arrives
 * exactly once. Counting only: the speed figures are bench/load.sh's. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "e2e.h"
#include "netbuild.h"
#include "vleo.pb-c.h"

#define DECODER VLEO_BIN_DIR "/vleo-decoder"
#define DATA_LEN 1000u /* octets after the primary header: ~1 KiB messages fill the queues */
#define PKT_LEN (6u + DATA_LEN)
#define HWM "100"          /* the decoder's send high-water mark, in messages */
#define SUB_HWM 100        /* the subscriber's receive high-water mark */
#define MAX_INDEX 65536u   /* packet indices tracked (probes + bulk) */
#define MAX_PROBES 100     /* probe packets sent while waiting for the subscription */
#define LIVE_PACKETS 20000 /* ~20 MB: far more than both queues and the kernel's buffers */
#define NODROP_PACKETS 5000

static e2e_proc_t g_proc;
static void *g_zctx;
static void *g_sub;
static char g_path[128];

static void setup(void) {
    g_zctx = zmq_ctx_new();
    cr_assert_not_null(g_zctx);
    snprintf(g_path, sizeof g_path, "/tmp/vleo-load-e2e-%ld.in", (long)getpid());
    unlink(g_path);
}

/* Also runs after a failed assertion: no decoder may outlive its test. */
static void teardown(void) {
    e2e_cleanup(&g_proc);
    if (g_sub != NULL) {
        zmq_close(g_sub);
        g_sub = NULL;
    }
    if (g_zctx != NULL) {
        zmq_ctx_term(g_zctx);
        g_zctx = NULL;
    }
    unlink(g_path);
}

TestSuite(load, .init = setup, .fini = teardown, .timeout = 120);

/* Packet number `index`: APIDs 100..103 in turn, each with its own gap-free
 * sequence count; the data starts with the index (big-endian) so the subscriber
 * can tell every packet apart. */
static size_t make_packet(uint32_t index, uint8_t *out) {
    uint8_t data[DATA_LEN];
    nb_be32(data, index);
    for (size_t i = 4; i < DATA_LEN; i++) {
        data[i] = (uint8_t)(i + index);
    }
    size_t n = nb_spp((uint16_t)(100 + index % 4), 0, false, 3, (uint16_t)((index / 4) & 0x3FFF),
                      data, DATA_LEN, out, PKT_LEN);
    cr_assert_eq(n, PKT_LEN);
    return n;
}

static void write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        cr_assert_gt(w, 0, "write: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
}

/* A SUB on endpoint with a small receive queue, every topic, receive timeout
 * 100 ms. */
static void *open_sub(const char *ep) {
    void *s = zmq_socket(g_zctx, ZMQ_SUB);
    cr_assert_not_null(s);
    int hwm = SUB_HWM, zero = 0, rcvto = 100, ivl = 10;
    cr_assert_eq(zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm), 0);
    cr_assert_eq(zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero), 0);
    cr_assert_eq(zmq_setsockopt(s, ZMQ_RCVTIMEO, &rcvto, sizeof rcvto), 0);
    cr_assert_eq(zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl), 0);
    cr_assert_eq(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0), 0);
    cr_assert_eq(zmq_connect(s, ep), 0);
    return s;
}

/* What the subscriber saw, reckoned from session ids and message sequence
 * numbers. */
typedef struct {
    uint64_t session;
    uint64_t messages;  /* messages received (packets and stats) */
    uint64_t packets;   /* Packet messages received */
    uint64_t first_seq; /* message_seq of the first message received */
    uint64_t last_seq;
    uint64_t gaps;         /* sequence numbers skipped, before the first message included */
    uint64_t out_of_order; /* a message_seq not above the last one (duplicate or
                              reordered) */
    uint64_t dup_packets;  /* packet indices seen twice */
    uint64_t distinct;     /* packet indices seen */
    uint8_t seen[MAX_INDEX];
    Vleo__V1__DecoderStats *final; /* the decoder's final stats, once received */
} tally_t;

static void tally_seq(tally_t *t, uint64_t session, uint64_t seq) {
    cr_assert_neq(session, 0);
    cr_assert_geq(seq, 1);
    if (t->messages == 0) {
        t->session = session;
        t->first_seq = seq;
        t->gaps = seq - 1; /* what the session sent before our subscription reached it */
    } else {
        cr_assert_eq(session, t->session, "a second publisher session");
        if (seq <= t->last_seq) {
            t->out_of_order++;
            return;
        }
        t->gaps += seq - t->last_seq - 1;
    }
    t->last_seq = seq;
}

/* Account one message. Returns true for the decoder's final stats. */
static bool tally_msg(tally_t *t, const e2e_msg_t *m) {
    cr_assert_eq(m->frames, 2, "topic %s: %d frames", m->topic, m->frames);
    if (strncmp(m->topic, "stats/decoder/", 14) == 0) {
        Vleo__V1__DecoderStats *s = vleo__v1__decoder_stats__unpack(NULL, m->len, m->body);
        cr_assert_not_null(s);
        cr_assert(s->has_session_id && s->has_message_seq);
        tally_seq(t, s->session_id, s->message_seq);
        t->messages++;
        if (s->final) {
            t->final = s;
            return true;
        }
        vleo__v1__decoder_stats__free_unpacked(s, NULL);
        return false;
    }
    cr_assert_eq(strncmp(m->topic, "tm/LOAD/APID10", 14), 0, "topic %s", m->topic);
    Vleo__V1__Packet *p = vleo__v1__packet__unpack(NULL, m->len, m->body);
    cr_assert_not_null(p);
    cr_assert(p->has_session_id && p->has_message_seq && p->has_raw);
    cr_assert_eq(p->raw.len, PKT_LEN);
    tally_seq(t, p->session_id, p->message_seq);
    t->messages++;
    t->packets++;
    const uint8_t *d = p->raw.data + 6;
    uint32_t index = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    cr_assert_lt(index, MAX_INDEX);
    if (t->seen[index]++) {
        t->dup_packets++;
    } else {
        t->distinct++;
    }
    vleo__v1__packet__free_unpacked(p, NULL);
    return false;
}

/* Receive until the final stats, at most timeout_ms; sleep 1 ms every `pace`
 * messages (a deliberately slow subscriber; 0: as fast as it can). */
static void drain(tally_t *t, int timeout_ms, unsigned pace) {
    int64_t deadline = e2e_mono_ms() + timeout_ms;
    while (t->final == NULL && e2e_mono_ms() < deadline) {
        e2e_msg_t m;
        if (e2e_recv2(g_sub, &m) != 0) {
            continue;
        }
        tally_msg(t, &m);
        e2e_msg_free(&m);
        if (pace != 0 && t->messages % pace == 0) {
            e2e_sleep_ms(1);
        }
    }
    cr_assert_not_null(t->final, "no final DecoderStats within %d ms", timeout_ms);
}

static void endpoint(char *ep, size_t cap) {
    int port = e2e_free_port(SOCK_STREAM);
    cr_assert_gt(port, 0);
    snprintf(ep, cap, "tcp://127.0.0.1:%d", port);
}

/* Live mode, subscriber that does not read while the decoder replays: messages
 * beyond the queues are dropped at the publisher, and each one leaves a hole in
 * message_seq. The input is a FIFO, so probe packets can be fed one at a time
 * until the subscription is in place and the loss counted is the high-water
 * mark's, not the slow joiner's. */
Test(load, live_slow_subscriber_gaps_equal_sent_minus_received) {
    tally_t *t = calloc(1, sizeof *t);
    cr_assert_not_null(t);
    cr_assert_eq(mkfifo(g_path, 0600), 0, "mkfifo: %s", strerror(errno));
    char ep[64];
    endpoint(ep, sizeof ep);
    g_sub = open_sub(ep);
    char *argv[] = {
        DECODER, "--file",           g_path, "--pub",         ep,     "--hwm", HWM, "--spacecraft",
        "LOAD",  "--stats-interval", "3600", "--source-name", "load", NULL};
    cr_assert_eq(e2e_spawn(&g_proc, argv), 0);
    /* The decoder opens the FIFO for reading first thing; wait for it (bounded).
     */
    int fd = -1;
    for (int i = 0; i < 500 && fd < 0; i++) {
        fd = open(g_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            cr_assert_eq(errno, ENXIO, "open fifo: %s", strerror(errno));
            e2e_sleep_ms(10);
        }
    }
    cr_assert_geq(fd, 0, "the decoder never opened its input");
    cr_assert_eq(fcntl(fd, F_SETFL, 0), 0); /* blocking writes from here on */

    /* Probes, one at a time, until one arrives: the subscription has reached the
     * decoder. */
    static uint8_t buf[PKT_LEN * 256];
    uint32_t sent = 0;
    while (t->messages == 0 && sent < MAX_PROBES) {
        write_all(fd, buf, make_packet(sent++, buf));
        e2e_msg_t m;
        if (e2e_recv2(g_sub, &m) == 0) {
            tally_msg(t, &m);
            e2e_msg_free(&m);
        }
    }
    cr_assert_eq(t->messages, 1, "no probe arrived after %u", sent);
    uint32_t probes = sent;
    /* The bulk at full speed while the subscriber reads nothing. */
    while (sent < probes + LIVE_PACKETS) {
        size_t n = 0;
        for (int k = 0; k < 256 && sent < probes + LIVE_PACKETS; k++) {
            n += make_packet(sent++, buf + n);
        }
        write_all(fd, buf, n);
    }
    close(fd);
    drain(t, 60000, 50);
    int rc = e2e_wait(&g_proc, 30000);
    cr_assert_eq(rc, 0, "decoder exit %d", rc);

    const Vleo__V1__DecoderStats *f = t->final;
    cr_assert_eq(f->session_id, t->session);
    cr_assert_eq(f->packets, sent, "the decoder decoded every packet sent");
    cr_assert_eq(f->rejected, 0);
    cr_assert_eq(f->published + f->dropped, sent);
    cr_assert_gt(f->dropped, 0, "the queues were never full: the test proves nothing");
    cr_assert_gt(t->packets, 1, "nothing arrived after the probe");
    /* Every message the decoder numbered: the packets, then the final stats. */
    cr_assert_eq(f->message_seq, (uint64_t)sent + 1,
                 "message_seq %" PRIu64 " sent %u dropped %" PRIu64 " published %" PRIu64
                 " received %" PRIu64 " gaps %" PRIu64,
                 f->message_seq, sent, f->dropped, f->published, t->packets, t->gaps);
    cr_assert_eq(t->out_of_order, 0);
    cr_assert_eq(t->dup_packets, 0);
    /* The counting fact: the subscriber's gaps are exactly what was sent and did
     * not arrive, and after the first message they are exactly the decoder's
     * drops. */
    cr_assert_eq(t->gaps, (uint64_t)sent - t->packets,
                 "gaps %" PRIu64 ", sent %u, received %" PRIu64, t->gaps, sent, t->packets);
    cr_assert_eq(t->gaps - (t->first_seq - 1), f->dropped);
    cr_assert_eq(t->messages + t->gaps, f->message_seq);
    vleo__v1__decoder_stats__free_unpacked(t->final, NULL);
    free(t);
}

/* --no-drop: the decoder waits for the subscription, then blocks at the
 * high-water mark instead of dropping; a slow subscriber receives every packet
 * exactly once. */
Test(load, no_drop_slow_subscriber_gets_each_packet_once) {
    tally_t *t = calloc(1, sizeof *t);
    cr_assert_not_null(t);
    FILE *fp = fopen(g_path, "wb");
    cr_assert_not_null(fp);
    static uint8_t pkt[PKT_LEN];
    for (uint32_t i = 0; i < NODROP_PACKETS; i++) {
        cr_assert_eq(fwrite(pkt, 1, make_packet(i, pkt), fp), PKT_LEN);
    }
    cr_assert_eq(fclose(fp), 0);
    char ep[64];
    endpoint(ep, sizeof ep);
    g_sub = open_sub(ep);
    char *argv[] = {DECODER,
                    "--file",
                    g_path,
                    "--pub",
                    ep,
                    "--no-drop",
                    "--wait-subscriber",
                    "10",
                    "--hwm",
                    HWM,
                    "--spacecraft",
                    "LOAD",
                    "--stats-interval",
                    "3600",
                    "--source-name",
                    "load",
                    NULL};
    cr_assert_eq(e2e_spawn(&g_proc, argv), 0);
    drain(t, 60000, 10);
    int rc = e2e_wait(&g_proc, 30000);
    cr_assert_eq(rc, 0, "decoder exit %d", rc);

    const Vleo__V1__DecoderStats *f = t->final;
    cr_assert_eq(f->packets, NODROP_PACKETS);
    cr_assert_eq(f->published, NODROP_PACKETS);
    cr_assert_eq(f->dropped, 0);
    cr_assert_eq(f->message_seq, NODROP_PACKETS + 1);
    cr_assert_eq(t->first_seq, 1);
    cr_assert_eq(t->gaps, 0);
    cr_assert_eq(t->out_of_order, 0);
    cr_assert_eq(t->packets, NODROP_PACKETS, "received %" PRIu64, t->packets);
    cr_assert_eq(t->distinct, NODROP_PACKETS);
    cr_assert_eq(t->dup_packets, 0);
    for (uint32_t i = 0; i < NODROP_PACKETS; i++) {
        cr_assert_eq(t->seen[i], 1, "packet %u arrived %u times", i, t->seen[i]);
    }
    vleo__v1__decoder_stats__free_unpacked(t->final, NULL);
    free(t);
}
