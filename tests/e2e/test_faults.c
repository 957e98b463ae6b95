/* test_faults.c: end-to-end fault tests of vleo-decoder (issue 7 item 3): a TCP feed server that
 * goes away and comes back (reconnects with backoff), the decoder killed and restarted while
 * the feed server keeps listening, captures cut inside a record (every whole record decoded,
 * the cut reported at its exact byte offset), and TCP peers that send garbage, stall, close or
 * reset in the middle of a packet: survived, and counted with exact values. */
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
#define DATA_LEN 54u /* octets after the primary header */
#define PKT_LEN (6u + DATA_LEN)
#define MAX_INDEX 4096u
#define MAX_SESSIONS 4

static e2e_proc_t g_dec;
static void *g_zctx;
static void *g_sub;
static char g_tmp[128];
static char g_ep[64];

static void setup(void) {
    g_zctx = zmq_ctx_new();
    cr_assert_not_null(g_zctx);
    snprintf(g_tmp, sizeof g_tmp, "/tmp/vleo-faults-%ld", (long)getpid());
    int port = e2e_free_port(SOCK_STREAM);
    cr_assert_gt(port, 0);
    snprintf(g_ep, sizeof g_ep, "tcp://127.0.0.1:%d", port);
}

/* Also runs after a failed assertion: no decoder may outlive its test. */
static void teardown(void) {
    e2e_cleanup(&g_dec);
    if (g_sub != NULL) {
        zmq_close(g_sub);
        g_sub = NULL;
    }
    if (g_zctx != NULL) {
        zmq_ctx_term(g_zctx);
        g_zctx = NULL;
    }
    char path[192];
    static const char *const sfx[] = {".pcap", ".pcapng"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(path, sizeof path, "%s%s", g_tmp, sfx[i]);
        unlink(path);
    }
}

TestSuite(faults, .init = setup, .fini = teardown, .timeout = 90);

/* ---- packets and what the subscriber saw ---- */

/* Packet number `index`: APIDs 300..302 in turn, gap-free sequence counts per APID, the index
 * (big-endian) first in the data. */
static size_t make_packet(uint32_t index, uint8_t *out) {
    uint8_t data[DATA_LEN];
    nb_be32(data, index);
    for (size_t i = 4; i < DATA_LEN; i++) {
        data[i] = (uint8_t)(i * 3 + index);
    }
    size_t n = nb_spp((uint16_t)(300 + index % 3), 0, false, 3, (uint16_t)(index / 3), data,
                      DATA_LEN, out, PKT_LEN);
    cr_assert_eq(n, PKT_LEN);
    return n;
}

/* Packets first..first+n-1 back to back into buf (cap octets). Returns the length. */
static size_t make_packets(uint32_t first, uint32_t n, uint8_t *buf, size_t cap) {
    cr_assert_leq((size_t)n * PKT_LEN, cap);
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++) {
        len += make_packet(first + i, buf + len);
    }
    return len;
}

typedef struct {
    uint64_t id;
    uint64_t last_seq;
    uint64_t messages;
    uint64_t gaps;
    uint64_t packets;
} session_t;

typedef struct {
    session_t sess[MAX_SESSIONS];
    size_t n_sess;
    uint64_t packets;
    uint8_t seen[MAX_INDEX];
    Vleo__V1__DecoderStats *last;  /* the latest DecoderStats */
    Vleo__V1__DecoderStats *final; /* the final one, once received */
} rx_t;

static rx_t g_rx;

static uint64_t counter(const Vleo__V1__DecoderStats *s, const char *name) {
    for (size_t i = 0; i < s->n_counters; i++) {
        if (strcmp(s->counters[i]->name, name) == 0) {
            return s->counters[i]->value;
        }
    }
    cr_assert_fail("no counter %s in DecoderStats", name);
    return 0;
}

/* message_seq runs from 1 per publisher session: a jump is messages lost on the way. */
static void track(rx_t *rx, uint64_t id, uint64_t seq, bool packet) {
    cr_assert_neq(id, 0);
    session_t *s = NULL;
    for (size_t i = 0; i < rx->n_sess; i++) {
        if (rx->sess[i].id == id) {
            s = &rx->sess[i];
        }
    }
    if (s == NULL) {
        cr_assert_lt(rx->n_sess, MAX_SESSIONS);
        s = &rx->sess[rx->n_sess++];
        s->id = id;
        s->gaps = seq - 1;
    } else {
        cr_assert_gt(seq, s->last_seq,
                     "session %" PRIu64 ": message_seq %" PRIu64 " after %" PRIu64, id, seq,
                     s->last_seq);
        s->gaps += seq - s->last_seq - 1;
    }
    s->last_seq = seq;
    s->messages++;
    s->packets += packet;
}

/* Receive and account one message within timeout_ms. Returns false on timeout. */
static bool rx_one(rx_t *rx, int timeout_ms) {
    zmq_setsockopt(g_sub, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    e2e_msg_t m;
    if (e2e_recv2(g_sub, &m) != 0) {
        return false;
    }
    cr_assert_eq(m.frames, 2);
    if (strncmp(m.topic, "stats/decoder/", 14) == 0) {
        Vleo__V1__DecoderStats *s = vleo__v1__decoder_stats__unpack(NULL, m.len, m.body);
        cr_assert_not_null(s);
        track(rx, s->session_id, s->message_seq, false);
        if (rx->last != NULL && rx->last != rx->final) {
            vleo__v1__decoder_stats__free_unpacked(rx->last, NULL);
        }
        rx->last = s;
        if (s->final) {
            if (rx->final != NULL) {
                vleo__v1__decoder_stats__free_unpacked(rx->final, NULL);
            }
            rx->final = s;
        }
    } else {
        Vleo__V1__Packet *p = vleo__v1__packet__unpack(NULL, m.len, m.body);
        cr_assert_not_null(p, "topic %s", m.topic);
        cr_assert(p->has_raw);
        cr_assert_eq(p->raw.len, PKT_LEN);
        track(rx, p->session_id, p->message_seq, true);
        const uint8_t *d = p->raw.data + 6;
        uint32_t index = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
        cr_assert_lt(index, MAX_INDEX);
        rx->seen[index]++;
        rx->packets++;
        vleo__v1__packet__free_unpacked(p, NULL);
    }
    e2e_msg_free(&m);
    return true;
}

/* Receive until `packets` packets have arrived, within timeout_ms. */
static void rx_packets(rx_t *rx, uint64_t packets, int timeout_ms) {
    int64_t deadline = e2e_mono_ms() + timeout_ms;
    while (rx->packets < packets && e2e_mono_ms() < deadline) {
        rx_one(rx, 50);
    }
    cr_assert_eq(rx->packets, packets, "received %" PRIu64 " of %" PRIu64 " packets", rx->packets,
                 packets);
}

/* Receive until a final DecoderStats, within timeout_ms. */
static const Vleo__V1__DecoderStats *rx_final(rx_t *rx, int timeout_ms) {
    int64_t deadline = e2e_mono_ms() + timeout_ms;
    while (rx->final == NULL && e2e_mono_ms() < deadline) {
        rx_one(rx, 50);
    }
    cr_assert_not_null(rx->final, "no final DecoderStats within %d ms", timeout_ms);
    return rx->final;
}

/* Receive until a DecoderStats newer than now arrives; returns it (valid until the next). */
static const Vleo__V1__DecoderStats *rx_fresh_stats(rx_t *rx, int timeout_ms) {
    int64_t deadline = e2e_mono_ms() + timeout_ms;
    const Vleo__V1__DecoderStats *before = rx->last;
    while (rx->last == before && e2e_mono_ms() < deadline) {
        rx_one(rx, 50);
    }
    cr_assert(rx->last != before, "no DecoderStats within %d ms", timeout_ms);
    return rx->last;
}

static void rx_free(rx_t *rx) {
    if (rx->last != NULL && rx->last != rx->final) {
        vleo__v1__decoder_stats__free_unpacked(rx->last, NULL);
    }
    if (rx->final != NULL) {
        vleo__v1__decoder_stats__free_unpacked(rx->final, NULL);
    }
    memset(rx, 0, sizeof *rx);
}

/* Packets 0..n-1 each arrived exactly once. */
static void assert_each_once(const rx_t *rx, uint32_t n) {
    for (uint32_t i = 0; i < MAX_INDEX; i++) {
        cr_assert_eq(rx->seen[i], i < n ? 1 : 0, "packet %u arrived %u times", i, rx->seen[i]);
    }
}

/* ---- the feed server ---- */

static int tcp_listen(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
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

/* Accept the decoder's connection within timeout_ms. The subscriber keeps receiving meanwhile:
 * a SUB resends its subscription to a restarted publisher only when its own thread calls into
 * it, and a --no-drop decoder waits for that subscription before it connects. */
static int tcp_accept(int lfd, int timeout_ms) {
    int64_t deadline = e2e_mono_ms() + timeout_ms;
    struct pollfd p = {lfd, POLLIN, 0};
    while (poll(&p, 1, 0) != 1) {
        cr_assert_lt(e2e_mono_ms(), deadline, "the decoder did not connect within %d ms",
                     timeout_ms);
        if (g_sub == NULL || !rx_one(&g_rx, 20)) {
            e2e_sleep_ms(5);
        }
    }
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    cr_assert_geq(fd, 0);
    return fd;
}

static void send_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        cr_assert_gt(w, 0, "send: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
}

/* Close with an RST instead of a FIN. */
static void tcp_reset(int fd) {
    struct linger l = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

/* Start the decoder on feed 127.0.0.1:port, publishing on g_ep with --no-drop (it waits for
 * our subscription, so nothing is lost to a slow joiner), stats every 50 ms. */
static void start_decoder(e2e_proc_t *p, int port, bool exit_on_eof) {
    static char src[64];
    snprintf(src, sizeof src, "127.0.0.1:%d", port);
    char *argv[] = {DECODER,
                    "--tcp",
                    src,
                    "--pub",
                    g_ep,
                    "--no-drop",
                    "--spacecraft",
                    "F",
                    "--source-name",
                    "faults",
                    "--stats-interval",
                    "0.05",
                    exit_on_eof ? "--exit-on-eof" : NULL,
                    NULL};
    cr_assert_eq(e2e_spawn(p, argv), 0);
}

static void open_sub(void) {
    g_sub = e2e_sub(g_zctx, g_ep, 50);
    cr_assert_not_null(g_sub);
    int ivl = 20;
    zmq_setsockopt(g_sub, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
}

/* End the decoder with SIGTERM: it publishes its final stats and exits 0. */
static const Vleo__V1__DecoderStats *stop_decoder(rx_t *rx) {
    cr_assert_eq(e2e_signal(&g_dec, SIGTERM), 0);
    const Vleo__V1__DecoderStats *f = rx_final(rx, 10000);
    int rc = e2e_wait(&g_dec, 10000);
    cr_assert_eq(rc, 0, "decoder exit %d", rc);
    return f;
}

/* ---- 1. the feed server goes away and comes back ---- */

/* The decoder is a TCP client: when the server closes and stops listening, the decoder retries
 * with a backoff that doubles from 0.1 s (0.1, 0.3, 0.7, 1.5, 3.1 s after the close), then
 * connects again once the server listens again; nothing is lost or duplicated. */
Test(faults, feed_server_gone_and_back_reconnects_with_backoff) {
    int port = e2e_free_port(SOCK_STREAM);
    int lfd = tcp_listen(port);
    open_sub();
    start_decoder(&g_dec, port, false);
    int fd = tcp_accept(lfd, 10000);
    static uint8_t buf[200 * PKT_LEN];
    send_all(fd, buf, make_packets(0, 100, buf, sizeof buf));
    rx_packets(&g_rx, 100, 10000);
    /* The server goes away: connection closed, nothing listening. */
    close(fd);
    close(lfd);
    int64_t t_close = e2e_mono_ms();
    /* Watch the refusals through the stats for 3.5 s: when each was first counted. */
    int64_t when[64];
    uint64_t failures = 0;
    while (e2e_mono_ms() - t_close < 3500) {
        const Vleo__V1__DecoderStats *s = rx_fresh_stats(&g_rx, 2000);
        uint64_t f = counter(s, "tcp_connect_failures");
        cr_assert_geq(f, failures);
        cr_assert_lt(f, 64);
        for (uint64_t k = failures; k < f; k++) {
            when[k] = e2e_mono_ms() - t_close;
        }
        failures = f;
    }
    /* A fixed 0.1 s retry would have made ~35 attempts; doubling makes 5 (at 0.1, 0.3, 0.7,
     * 1.5 and 3.1 s). Allow one either way for a loaded machine, and check the spacing. */
    cr_assert(failures >= 4 && failures <= 6, "%" PRIu64 " refused connects in 3.5 s", failures);
    for (uint64_t k = 2; k < failures; k++) {
        int64_t prev = when[k - 1] - when[k - 2], gap = when[k] - when[k - 1];
        cr_assert_gt(gap, prev,
                     "attempt %" PRIu64 ": %" PRId64 " ms after the one before, which "
                     "came %" PRId64 " ms after its own",
                     k + 1, gap, prev);
    }
    /* The server comes back: the next attempt (at most 5 s away) connects. */
    lfd = tcp_listen(port);
    fd = tcp_accept(lfd, 8000);
    send_all(fd, buf, make_packets(100, 100, buf, sizeof buf));
    rx_packets(&g_rx, 200, 10000);
    close(fd);
    close(lfd);
    const Vleo__V1__DecoderStats *f = stop_decoder(&g_rx);
    cr_assert_eq(f->packets, 200);
    cr_assert_eq(f->published, 200);
    cr_assert_eq(f->rejected, 0);
    cr_assert_eq(counter(f, "tcp_connects"), 2);
    cr_assert_eq(counter(f, "tcp_reconnects"), 1);
    cr_assert_geq(counter(f, "tcp_connect_failures"), failures);
    cr_assert_eq(counter(f, "stream_truncated"), 0);
    cr_assert_eq(counter(f, "seq_gaps"), 0);
    cr_assert_eq(g_rx.n_sess, 1);
    cr_assert_eq(g_rx.sess[0].gaps, 0);
    assert_each_once(&g_rx, 200);
    rx_free(&g_rx);
}

/* ---- 2. the decoder killed and restarted, the feed server listening throughout ---- */

Test(faults, decoder_killed_and_restarted_on_a_listening_feed) {
    int port = e2e_free_port(SOCK_STREAM);
    int lfd = tcp_listen(port);
    open_sub();
    start_decoder(&g_dec, port, true);
    int fd = tcp_accept(lfd, 10000);
    static uint8_t buf[200 * PKT_LEN];
    send_all(fd, buf, make_packets(0, 100, buf, sizeof buf));
    rx_packets(&g_rx, 100, 10000);
    /* Killed outright: no final stats, the connection dropped by the kernel. */
    cr_assert_eq(e2e_signal(&g_dec, SIGKILL), 0);
    cr_assert_eq(e2e_wait(&g_dec, 5000), -2);
    uint8_t junk[16];
    struct pollfd pf = {fd, POLLIN, 0};
    cr_assert_eq(poll(&pf, 1, 5000), 1);
    cr_assert_leq(recv(fd, junk, sizeof junk, 0), 0, "the feed saw the decoder go");
    close(fd);
    /* Restarted on the same endpoints: a new session, the subscriber reconnects by itself and
     * the feed server, still listening, accepts the new connection. */
    e2e_cleanup(&g_dec);
    start_decoder(&g_dec, port, true);
    fd = tcp_accept(lfd, 15000);
    send_all(fd, buf, make_packets(100, 100, buf, sizeof buf));
    close(fd);
    close(lfd);
    const Vleo__V1__DecoderStats *f = rx_final(&g_rx, 15000);
    cr_assert_eq(e2e_wait(&g_dec, 10000), 0);
    cr_assert_eq(g_rx.packets, 200);
    assert_each_once(&g_rx, 200);
    /* Two publisher sessions, each numbered from 1 without gaps. */
    cr_assert_eq(g_rx.n_sess, 2);
    cr_assert_neq(g_rx.sess[0].id, g_rx.sess[1].id);
    cr_assert_eq(g_rx.sess[0].packets, 100);
    cr_assert_eq(g_rx.sess[1].packets, 100);
    cr_assert_eq(g_rx.sess[0].gaps, 0);
    cr_assert_eq(g_rx.sess[1].gaps, 0);
    cr_assert_eq(f->session_id, g_rx.sess[1].id);
    cr_assert_eq(f->packets, 100);
    cr_assert_eq(f->published, 100);
    cr_assert_eq(counter(f, "tcp_connects"), 1);
    cr_assert_eq(counter(f, "tcp_connect_failures"), 0);
    cr_assert_eq(counter(f, "stream_truncated"), 0);
    rx_free(&g_rx);
}

/* ---- 3. TCP peers that misbehave ---- */

/* Garbage before and between packets: octets that cannot start a packet header (version 111)
 * are skipped one by one; each run of them is one bad_version event, every octet counted. A
 * tail shorter than a header waits for more, and the end of the stream rejects it as
 * stream_truncated. */
Test(faults, tcp_peer_garbage_is_skipped_and_counted) {
    int port = e2e_free_port(SOCK_STREAM);
    int lfd = tcp_listen(port);
    open_sub();
    start_decoder(&g_dec, port, true);
    int fd = tcp_accept(lfd, 10000);
    static uint8_t buf[64 * PKT_LEN + 4096];
    uint8_t garbage[1000];
    memset(garbage, 0xE5, sizeof garbage);
    size_t len = 0;
    memcpy(buf, garbage, 700); /* 700 before the first packet */
    len += 700;
    len += make_packets(0, 20, buf + len, sizeof buf - len);
    memcpy(buf + len, garbage, 333); /* 333 between packets 19 and 20 */
    len += 333;
    len += make_packets(20, 20, buf + len, sizeof buf - len);
    memcpy(buf + len, garbage, 5); /* 5 at the end: less than a header */
    len += 5;
    /* Sent in pieces of 97 octets, so runs and packets cross reads. */
    for (size_t off = 0; off < len; off += 97) {
        send_all(fd, buf + off, len - off < 97 ? len - off : 97);
        e2e_sleep_ms(1);
    }
    close(fd);
    close(lfd);
    const Vleo__V1__DecoderStats *f = rx_final(&g_rx, 10000);
    cr_assert_eq(e2e_wait(&g_dec, 10000), 0);
    cr_assert_eq(f->packets, 40);
    cr_assert_eq(f->published, 40);
    cr_assert_eq(counter(f, "bad_version"), 2);
    cr_assert_eq(counter(f, "bad_version_bytes"), 1033);
    cr_assert_eq(counter(f, "stream_truncated"), 1);
    cr_assert_eq(counter(f, "stream_truncated_bytes"), 5);
    cr_assert_eq(counter(f, "held_bytes"), 0);
    cr_assert_eq(f->rejected, 3);
    cr_assert_eq(counter(f, "bytes"), len);
    cr_assert_eq(counter(f, "packet_bytes"), 40 * PKT_LEN);
    assert_each_once(&g_rx, 40);
    rx_free(&g_rx);
}

/* A peer that stops half-way through a packet for 1.5 s: the decoder keeps publishing stats
 * (holding exactly the half packet), then completes the packet when the rest comes. */
Test(faults, tcp_peer_stall_mid_packet_is_survived) {
    int port = e2e_free_port(SOCK_STREAM);
    int lfd = tcp_listen(port);
    open_sub();
    start_decoder(&g_dec, port, true);
    int fd = tcp_accept(lfd, 10000);
    static uint8_t buf[32 * PKT_LEN];
    size_t len = make_packets(0, 11, buf, sizeof buf);
    size_t cut = 10 * PKT_LEN + 17; /* 17 octets into packet 10 */
    send_all(fd, buf, cut);
    rx_packets(&g_rx, 10, 10000);
    int64_t t0 = e2e_mono_ms();
    uint64_t stats_during = 0;
    while (e2e_mono_ms() - t0 < 1500) {
        const Vleo__V1__DecoderStats *s = rx_fresh_stats(&g_rx, 2000);
        stats_during++;
        if (s->packets == 10) {
            cr_assert_eq(counter(s, "held_bytes"), 17);
        }
    }
    cr_assert_geq(stats_during, 10, "the decoder went quiet during the stall");
    send_all(fd, buf + cut, len - cut);
    close(fd);
    close(lfd);
    const Vleo__V1__DecoderStats *f = rx_final(&g_rx, 10000);
    cr_assert_eq(e2e_wait(&g_dec, 10000), 0);
    cr_assert_eq(f->packets, 11);
    cr_assert_eq(f->rejected, 0);
    cr_assert_eq(counter(f, "stream_truncated"), 0);
    cr_assert_eq(counter(f, "held_bytes"), 0);
    assert_each_once(&g_rx, 11);
    rx_free(&g_rx);
}

/* A peer that closes (FIN) or resets (RST) 29 octets into a packet: the partial packet is
 * counted as stream_truncated with its octets, never glued to the next connection's bytes;
 * the decoder reconnects and decodes the next connection from its first octet. */
static void closes_mid_packet(bool reset) {
    int port = e2e_free_port(SOCK_STREAM);
    int lfd = tcp_listen(port);
    open_sub();
    start_decoder(&g_dec, port, false);
    int fd = tcp_accept(lfd, 10000);
    static uint8_t buf[64 * PKT_LEN];
    size_t len = make_packets(0, 21, buf, sizeof buf);
    send_all(fd, buf, len - PKT_LEN + 29);
    rx_packets(&g_rx, 20, 10000);
    if (reset) {
        /* Make sure the decoder has read the partial packet before the RST discards it. */
        int64_t t0 = e2e_mono_ms();
        while (counter(rx_fresh_stats(&g_rx, 2000), "held_bytes") != 29) {
            cr_assert_lt(e2e_mono_ms() - t0, 5000, "the partial packet never arrived");
        }
        tcp_reset(fd);
    } else {
        close(fd);
    }
    /* The next connection (0.1 s later) starts with whole packets. */
    fd = tcp_accept(lfd, 5000);
    send_all(fd, buf, make_packets(100, 30, buf, sizeof buf));
    rx_packets(&g_rx, 50, 10000);
    close(fd);
    close(lfd);
    const Vleo__V1__DecoderStats *f = stop_decoder(&g_rx);
    cr_assert_eq(f->packets, 50);
    cr_assert_eq(f->published, 50);
    cr_assert_eq(counter(f, "stream_truncated"), 1);
    cr_assert_eq(counter(f, "stream_truncated_bytes"), 29);
    cr_assert_eq(f->rejected, 1);
    cr_assert_eq(counter(f, "held_bytes"), 0);
    cr_assert_eq(counter(f, "bad_version"), 0);
    cr_assert_eq(counter(f, "tcp_connects"), 2);
    cr_assert_eq(counter(f, "tcp_reconnects"), 1);
    cr_assert_eq(counter(f, "socket_errors"), reset ? 1 : 0);
    cr_assert_eq(counter(f, "bytes"), 20 * PKT_LEN + 29 + 30 * PKT_LEN);
    for (uint32_t i = 0; i < MAX_INDEX; i++) {
        bool want = i < 20 || (i >= 100 && i < 130);
        cr_assert_eq(g_rx.seen[i], want ? 1 : 0, "packet %u arrived %u times", i, g_rx.seen[i]);
    }
    rx_free(&g_rx);
}

Test(faults, tcp_peer_closes_mid_packet_is_counted) {
    closes_mid_packet(false);
}

Test(faults, tcp_peer_resets_mid_packet_is_counted) {
    closes_mid_packet(true);
}

/* ---- 4. captures cut inside a record ---- */

/* Run the decoder on a capture, publishing on g_ep with --no-drop; its final stats. */
static const Vleo__V1__DecoderStats *decode_capture(char *path, char **err) {
    open_sub();
    char *argv[] = {DECODER, "--pcap",        path,     "--pub", g_ep, "--no-drop", "--spacecraft",
                    "F",     "--source-name", "faults", NULL};
    cr_assert_eq(e2e_spawn(&g_dec, argv), 0);
    const Vleo__V1__DecoderStats *f = rx_final(&g_rx, 15000);
    int rc = e2e_wait(&g_dec, 10000);
    *err = e2e_slurp(g_dec.err_path, NULL);
    cr_assert_not_null(*err);
    cr_assert_eq(rc, 0, "exit %d; stderr:\n%s", rc, *err);
    return f;
}

/* Records of one UDP datagram each holding packets 3r..3r+2; returns each record's start. */
static void write_pcap(const char *path, int nrec, size_t *starts) {
    nb_pcap_t w;
    cr_assert_eq(nb_pcap_open(&w, path, NB_DLT_EN10MB, false, 65535), 0);
    nb_flow_t fl = nb_flow_local(4, 40000, 1235);
    size_t off = 24;
    for (int r = 0; r < nrec; r++) {
        uint8_t dgram[3 * PKT_LEN], rec[512];
        size_t dl = make_packets((uint32_t)(3 * r), 3, dgram, sizeof dgram);
        size_t n = nb_udp(NB_DLT_EN10MB, &fl, dgram, dl, rec, sizeof rec);
        cr_assert_gt(n, 0);
        cr_assert_eq(nb_pcap_write(&w, 1717200000LL * 1000000000LL + r * 1000000LL, rec, n, n), 0);
        starts[r] = off;
        off += 16 + n;
    }
    starts[nrec] = off;
    cr_assert_eq(nb_pcap_close(&w), 0);
}

static void cut_file(const char *path, size_t len) {
    cr_assert_eq(truncate(path, (off_t)len), 0, "truncate: %s", strerror(errno));
}

/* Cut inside record 8's data, or inside its 16-octet header: records 1..7 are decoded and the
 * warning names byte offset where record 8 starts, and how much of it is there. */
static void truncated_pcap(bool in_header) {
    char path[192];
    snprintf(path, sizeof path, "%s.pcap", g_tmp);
    size_t starts[11];
    write_pcap(path, 10, starts);
    size_t cut = in_header ? starts[7] + 9 : starts[7] + 16 + 50;
    size_t need = in_header ? 16 : starts[8] - starts[7];
    cut_file(path, cut);
    char *err = NULL;
    const Vleo__V1__DecoderStats *f = decode_capture(path, &err);
    char want[512];
    snprintf(want, sizeof want,
             "%s: file ends inside the record at byte offset %zu (%zu of %zu octets present); "
             "every whole record before it was read",
             path, starts[7], cut - starts[7], need);
    cr_assert_not_null(strstr(err, want), "want \"%s\" in:\n%s", want, err);
    cr_assert_eq(f->packets, 21);
    cr_assert_eq(f->published, 21);
    cr_assert_eq(f->rejected, 0);
    cr_assert_eq(counter(f, "capture_truncated"), 1);
    cr_assert_eq(counter(f, "capture_records"), 7);
    assert_each_once(&g_rx, 21);
    free(err);
    rx_free(&g_rx);
}

Test(faults, truncated_pcap_cut_in_record_data) {
    truncated_pcap(false);
}

Test(faults, truncated_pcap_cut_in_record_header) {
    truncated_pcap(true);
}

static void le16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v) {
    le16(p, v & 0xFFFFu);
    le16(p + 2, v >> 16);
}

/* A pcapng file: section header, one Ethernet interface, then enhanced packet blocks each
 * holding one datagram of three packets; cut 40 octets into the fifth EPB. */
Test(faults, truncated_pcapng_cut_inside_a_block) {
    char path[192];
    snprintf(path, sizeof path, "%s.pcapng", g_tmp);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    uint8_t shb[28] = {0}, idb[20] = {0};
    le32(shb, 0x0A0D0D0A);
    le32(shb + 4, 28);
    le32(shb + 8, 0x1A2B3C4D);
    le16(shb + 12, 1);
    memset(shb + 16, 0xFF, 8); /* section length unknown */
    le32(shb + 24, 28);
    le32(idb, 1);
    le32(idb + 4, 20);
    le16(idb + 8, 1); /* LINKTYPE_ETHERNET */
    le32(idb + 12, 65535);
    le32(idb + 16, 20);
    cr_assert_eq(fwrite(shb, 1, sizeof shb, fp), sizeof shb);
    cr_assert_eq(fwrite(idb, 1, sizeof idb, fp), sizeof idb);
    nb_flow_t fl = nb_flow_local(4, 40000, 1235);
    size_t off = 48, start5 = 0, len5 = 0;
    for (uint32_t b = 0; b < 6; b++) {
        uint8_t dgram[3 * PKT_LEN], rec[512], epb[640] = {0};
        size_t dl = make_packets(3 * b, 3, dgram, sizeof dgram);
        size_t n = nb_udp(NB_DLT_EN10MB, &fl, dgram, dl, rec, sizeof rec);
        cr_assert_gt(n, 0);
        size_t padded = (n + 3) & ~(size_t)3;
        size_t total = 32 + padded;
        le32(epb, 6);
        le32(epb + 4, (uint32_t)total);
        le32(epb + 8, 0);            /* interface 0 */
        le32(epb + 12, 0x00061A80);  /* timestamp high */
        le32(epb + 16, b * 1000u);   /* timestamp low, microseconds */
        le32(epb + 20, (uint32_t)n); /* captured */
        le32(epb + 24, (uint32_t)n); /* original */
        memcpy(epb + 28, rec, n);
        le32(epb + 28 + padded, (uint32_t)total);
        cr_assert_eq(fwrite(epb, 1, total, fp), total);
        if (b == 4) {
            start5 = off;
            len5 = total;
        }
        off += total;
    }
    cr_assert_eq(fclose(fp), 0);
    cut_file(path, start5 + 40);
    char *err = NULL;
    const Vleo__V1__DecoderStats *f = decode_capture(path, &err);
    char want[512];
    snprintf(want, sizeof want,
             "%s: file ends inside the record at byte offset %zu (40 of %zu octets present)", path,
             start5, len5);
    cr_assert_not_null(strstr(err, want), "want \"%s\" in:\n%s", want, err);
    cr_assert_eq(f->packets, 12);
    cr_assert_eq(counter(f, "capture_truncated"), 1);
    cr_assert_eq(counter(f, "capture_records"), 4);
    assert_each_once(&g_rx, 12);
    free(err);
    rx_free(&g_rx);
}
