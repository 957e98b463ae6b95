/* test_net.c: capture record walk, IP fragment and TCP stream reassembly (dec/net.h). */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dec/net.h"
#include "netbuild.h"

/* ---- a sink that records every chunk ---- */

#define MAX_CHUNKS 4096
#define DATA_CAP (1u << 21)

typedef struct {
    dec_net_chunk_t c; /* data points into cap.data */
    size_t off;        /* offset of the copy in cap.data */
} got_t;

static struct {
    size_t n;
    got_t chunks[MAX_CHUNKS];
    size_t used;
    uint8_t data[DATA_CAP];
} cap;

static void sink(void *ctx, const dec_net_chunk_t *c) {
    (void)ctx;
    cr_assert(cap.n < MAX_CHUNKS);
    cr_assert(c->len <= DATA_CAP - cap.used);
    cr_assert(c->data != NULL);
    got_t *g = &cap.chunks[cap.n++];
    g->c = *c;
    g->off = cap.used;
    if (c->len > 0) {
        memcpy(cap.data + cap.used, c->data, c->len);
    }
    g->c.data = cap.data + cap.used;
    cap.used += c->len;
}

static void cap_reset(void) {
    cap.n = 0;
    cap.used = 0;
}

static dec_net_t *net_new(uint32_t frags, uint32_t flows, uint32_t window) {
    dec_net_limits_t lim;
    dec_net_limits_default(&lim);
    if (frags) {
        lim.max_fragment_datagrams = frags;
    }
    if (flows) {
        lim.max_tcp_flows = flows;
    }
    if (window) {
        lim.tcp_window = window;
    }
    char err[128];
    dec_net_t *net = dec_net_new(&lim, err, sizeof err);
    cr_assert_not_null(net, "%s", err);
    cap_reset();
    return net;
}

/* records == sum(by_status), and the non-reject statuses add up as the header says. */
static void check_accounting(const dec_net_t *net) {
    const dec_net_stats_t *s = dec_net_stats(net);
    uint64_t sum = 0;
    for (int i = 0; i < DEC_NET_STATUS_COUNT; i++) {
        sum += s->by_status[i];
    }
    cr_assert_eq(s->records, sum, "records %llu != sum(by_status) %llu",
                 (unsigned long long)s->records, (unsigned long long)sum);
}

static dec_net_status_t feed_ts(dec_net_t *net, int dlt, const uint8_t *rec, size_t len,
                                int64_t ts) {
    return dec_net_input(net, dlt, rec, len, len, ts, sink, NULL);
}

static dec_net_status_t feed(dec_net_t *net, int dlt, const uint8_t *rec, size_t len) {
    return feed_ts(net, dlt, rec, len, 1000);
}

static void fill(uint8_t *p, size_t n, uint32_t seed) {
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
}

#define ST(x) dec_net_status_str(x)
#define ASSERT_ST(got, want) cr_assert_eq((got), (want), "status %s, want %s", ST(got), ST(want))

static uint8_t rec[70000];

/* ---- link types ---- */

typedef struct {
    int dlt;
    uint8_t ipv;
} link_case_t;

static const link_case_t link_cases[] = {
    {NB_DLT_EN10MB, 4},     {NB_DLT_EN10MB, 6},     {NB_DLT_LINUX_SLL, 4}, {NB_DLT_LINUX_SLL, 6},
    {NB_DLT_LINUX_SLL2, 4}, {NB_DLT_LINUX_SLL2, 6}, {NB_DLT_RAW, 4},       {NB_DLT_RAW, 6},
    {NB_DLT_IPV4, 4},       {NB_DLT_IPV6, 6},       {NB_DLT_NULL, 4},      {NB_DLT_NULL, 6},
    {NB_DLT_LOOP, 4},       {NB_DLT_LOOP, 6},
};

static void expect_udp(const got_t *g, const nb_flow_t *f, const uint8_t *payload, size_t len) {
    cr_assert_eq(g->c.proto, DEC_NET_UDP);
    cr_assert_eq(g->c.flags, 0u);
    cr_assert_eq(g->c.ip_version, f->ip_version);
    size_t alen = f->ip_version == 4 ? 4 : 16;
    cr_assert_eq(memcmp(g->c.src, f->src, alen), 0);
    cr_assert_eq(memcmp(g->c.dst, f->dst, alen), 0);
    cr_assert_eq(g->c.sport, f->sport);
    cr_assert_eq(g->c.dport, f->dport);
    cr_assert_eq(g->c.len, len, "len %zu want %zu", g->c.len, len);
    cr_assert_eq(memcmp(g->c.data, payload, len), 0);
}

Test(net_link, every_link_type_udp_end_to_end) {
    dec_net_t *net = net_new(0, 0, 0);
    for (size_t i = 0; i < sizeof link_cases / sizeof link_cases[0]; i++) {
        nb_flow_t f = nb_flow_local(link_cases[i].ipv, (uint16_t)(1000 + i), 5000);
        f.src[1] = (uint8_t)(i + 1); /* distinct source addresses */
        uint8_t payload[100];
        fill(payload, sizeof payload, (uint32_t)i);
        size_t plen = 1 + i * 7;
        size_t n = nb_udp(link_cases[i].dlt, &f, payload, plen, rec, sizeof rec);
        cr_assert_gt(n, 0u);
        cap_reset();
        ASSERT_ST(feed(net, link_cases[i].dlt, rec, n), DEC_NET_DELIVERED);
        cr_assert_eq(cap.n, 1u, "dlt %d v%u", link_cases[i].dlt, link_cases[i].ipv);
        expect_udp(&cap.chunks[0], &f, payload, plen);
    }
    const dec_net_stats_t *s = dec_net_stats(net);
    cr_assert_eq(s->records, 14u);
    cr_assert_eq(s->by_status[DEC_NET_DELIVERED], 14u);
    cr_assert_eq(s->udp_datagrams, 14u);
    check_accounting(net);
    dec_net_destroy(&net);
    cr_assert_null(net);
}

Test(net_link, every_link_type_tcp_end_to_end) {
    dec_net_t *net = net_new(0, 0, 0);
    for (size_t i = 0; i < sizeof link_cases / sizeof link_cases[0]; i++) {
        nb_flow_t f = nb_flow_local(link_cases[i].ipv, (uint16_t)(2000 + i), 6000);
        uint8_t payload[50];
        fill(payload, sizeof payload, (uint32_t)i);
        size_t n = nb_tcp(link_cases[i].dlt, &f, 77, NB_TCP_ACK | NB_TCP_PSH, payload, 50, rec,
                          sizeof rec);
        cap_reset();
        ASSERT_ST(feed(net, link_cases[i].dlt, rec, n), DEC_NET_DELIVERED);
        cr_assert_eq(cap.n, 1u);
        const dec_net_chunk_t *c = &cap.chunks[0].c;
        cr_assert_eq(c->proto, DEC_NET_TCP);
        cr_assert_eq(c->flags, DEC_NET_F_FLOW_START);
        cr_assert_eq(c->flow, (uint32_t)i);
        cr_assert_eq(c->sport, f.sport);
        cr_assert_eq(c->dport, 6000);
        cr_assert_eq(c->ip_version, f.ip_version);
        cr_assert_eq(c->len, 50u);
        cr_assert_eq(memcmp(c->data, payload, 50), 0);
    }
    cr_assert_eq(dec_net_stats(net)->tcp_flows, 14u);
    cap_reset();
    dec_net_flush(net, sink, NULL);
    cr_assert_eq(cap.n, 14u);
    for (size_t i = 0; i < cap.n; i++) {
        cr_assert_eq(cap.chunks[i].c.flags, DEC_NET_F_FLOW_END);
        cr_assert_eq(cap.chunks[i].c.len, 0u);
    }
    check_accounting(net);
    dec_net_destroy(&net);
}

Test(net_link, bsd_families_both_byte_orders) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f6 = nb_flow_local(6, 1, 2);
    uint8_t pl[3] = {1, 2, 3};
    static const uint32_t af6[] = {10, 24, 28, 30};
    for (size_t i = 0; i < 4; i++) {
        size_t n = nb_udp(NB_DLT_NULL, &f6, pl, 3, rec, sizeof rec);
        /* NULL: host order of the capturing machine, either byte order accepted */
        rec[0] = (uint8_t)af6[i];
        rec[1] = rec[2] = rec[3] = 0;
        ASSERT_ST(feed(net, NB_DLT_NULL, rec, n), DEC_NET_DELIVERED);
        rec[3] = (uint8_t)af6[i];
        rec[0] = 0;
        ASSERT_ST(feed(net, NB_DLT_NULL, rec, n), DEC_NET_DELIVERED);
        n = nb_udp(NB_DLT_LOOP, &f6, pl, 3, rec, sizeof rec);
        rec[3] = (uint8_t)af6[i];
        ASSERT_ST(feed(net, NB_DLT_LOOP, rec, n), DEC_NET_DELIVERED);
    }
    cr_assert_eq(dec_net_stats(net)->udp_datagrams, 12u);
    /* AF_INET6 value for an IPv4 packet: the version check catches it */
    nb_flow_t f4 = nb_flow_local(4, 1, 2);
    size_t n = nb_udp(NB_DLT_LOOP, &f4, pl, 3, rec, sizeof rec);
    rec[3] = 24;
    ASSERT_ST(feed(net, NB_DLT_LOOP, rec, n), DEC_NET_BAD_IP_HEADER);
    rec[3] = 17; /* AF_IPX or whatever: not IP */
    ASSERT_ST(feed(net, NB_DLT_LOOP, rec, n), DEC_NET_NOT_IP);
    check_accounting(net);
    dec_net_destroy(&net);
}

Test(net_link, vlan_and_qinq) {
    dec_net_t *net = net_new(0, 0, 0);
    uint8_t pl[200];
    fill(pl, sizeof pl, 9);
    for (int ipv = 4; ipv <= 6; ipv += 2) {
        nb_flow_t f = nb_flow_local((uint8_t)ipv, 10, 20);
        f.vlan = 42;
        size_t n = nb_udp(NB_DLT_EN10MB, &f, pl, 200, rec, sizeof rec);
        cr_assert_eq(rec[12], 0x81);
        cr_assert_eq(rec[13], 0x00);
        cap_reset();
        ASSERT_ST(feed(net, NB_DLT_EN10MB, rec, n), DEC_NET_DELIVERED);
        expect_udp(&cap.chunks[0], &f, pl, 200);
        f.qinq = true;
        n = nb_udp(NB_DLT_EN10MB, &f, pl, 5, rec, sizeof rec);
        cr_assert_eq(rec[12], 0x88);
        cr_assert_eq(rec[13], 0xA8);
        cap_reset();
        ASSERT_ST(feed(net, NB_DLT_EN10MB, rec, n), DEC_NET_DELIVERED);
        expect_udp(&cap.chunks[0], &f, pl, 5);
        /* a tag cut short */
        ASSERT_ST(feed(net, NB_DLT_EN10MB, rec, 16), DEC_NET_TRUNCATED_LINK);
    }
    check_accounting(net);
    dec_net_destroy(&net);
}

Test(net_link, rejects_per_reason) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f = nb_flow_local(4, 1, 2);
    uint8_t pl[4] = {9, 9, 9, 9};
    size_t n = nb_udp(NB_DLT_EN10MB, &f, pl, 4, rec, sizeof rec);
    ASSERT_ST(feed(net, 147, rec, n), DEC_NET_UNSUPPORTED_LINKTYPE);
    ASSERT_ST(feed(net, NB_DLT_EN10MB, rec, 13), DEC_NET_TRUNCATED_LINK);
    ASSERT_ST(feed(net, NB_DLT_LINUX_SLL, rec, 15), DEC_NET_TRUNCATED_LINK);
    ASSERT_ST(feed(net, NB_DLT_LINUX_SLL2, rec, 19), DEC_NET_TRUNCATED_LINK);
    ASSERT_ST(feed(net, NB_DLT_NULL, rec, 3), DEC_NET_TRUNCATED_LINK);
    rec[12] = 0x08;
    rec[13] = 0x06; /* ARP */
    ASSERT_ST(feed(net, NB_DLT_EN10MB, rec, n), DEC_NET_NOT_IP);
    rec[12] = 0x00;
    rec[13] = 0x40; /* 802.3 length field (LLC) */
    ASSERT_ST(feed(net, NB_DLT_EN10MB, rec, n), DEC_NET_NOT_IP);

    /* IP header faults on raw IPv4 */
    n = nb_udp(NB_DLT_IPV4, &f, pl, 4, rec, sizeof rec);
    cr_assert_eq(n, 32u);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, 19), DEC_NET_TRUNCATED_IP);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, 31), DEC_NET_TRUNCATED_IP); /* total 32 > 31 */
    ASSERT_ST(feed(net, NB_DLT_IPV6, rec, n), DEC_NET_BAD_IP_HEADER); /* v4 on an IPv6 link */
    rec[0] = 0x44;                                                    /* IHL 4 */
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_BAD_IP_HEADER);
    rec[0] = 0x45;
    rec[3] = 19; /* total length < header */
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_BAD_IP_HEADER);
    rec[3] = 32;
    rec[9] = 1; /* ICMP */
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_NOT_UDP_TCP);
    rec[0] = 0x75;
    ASSERT_ST(feed(net, NB_DLT_RAW, rec, n), DEC_NET_BAD_IP_HEADER);
    ASSERT_ST(feed(net, NB_DLT_RAW, rec, 0), DEC_NET_TRUNCATED_IP);

    nb_flow_t f6 = nb_flow_local(6, 1, 2);
    n = nb_udp(NB_DLT_IPV6, &f6, pl, 4, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV6, rec, 39), DEC_NET_TRUNCATED_IP);
    ASSERT_ST(feed(net, NB_DLT_IPV6, rec, n - 1), DEC_NET_TRUNCATED_IP);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_BAD_IP_HEADER);

    const dec_net_stats_t *s = dec_net_stats(net);
    cr_assert_eq(s->by_status[DEC_NET_DELIVERED], 0u);
    cr_assert_eq(s->by_status[DEC_NET_TRUNCATED_LINK], 4u);
    cr_assert_eq(s->by_status[DEC_NET_NOT_IP], 2u);
    cr_assert_eq(s->by_status[DEC_NET_BAD_IP_HEADER], 5u);
    cr_assert_eq(s->by_status[DEC_NET_TRUNCATED_IP], 5u);
    cr_assert_eq(s->by_status[DEC_NET_NOT_UDP_TCP], 1u);
    cr_assert_eq(s->by_status[DEC_NET_UNSUPPORTED_LINKTYPE], 1u);
    cr_assert_eq(s->records, 18u);
    check_accounting(net);
    cr_assert_str_eq(dec_net_status_str(DEC_NET_SNAPLEN_TRUNCATED), "snaplen_truncated");
    cr_assert_str_eq(dec_net_status_str(DEC_NET_TCP_FLOW_TABLE_FULL), "tcp_flow_table_full");
    cr_assert_str_eq(dec_net_status_str(DEC_NET_STATUS_COUNT), "unknown");
    dec_net_destroy(&net);
}

Test(net_link, snaplen_and_padding) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f = nb_flow_local(4, 1, 2);
    uint8_t pl[100];
    fill(pl, sizeof pl, 3);
    size_t n = nb_udp(NB_DLT_EN10MB, &f, pl, 100, rec, sizeof rec);
    cr_assert_eq(n, 142u);
    /* cut inside the UDP payload */
    ASSERT_ST(dec_net_input(net, NB_DLT_EN10MB, rec, 130, 142, 0, sink, NULL),
              DEC_NET_SNAPLEN_TRUNCATED);
    ASSERT_ST(dec_net_input(net, NB_DLT_EN10MB, rec, 30, 142, 0, sink, NULL),
              DEC_NET_SNAPLEN_TRUNCATED);
    cr_assert_eq(cap.n, 0u);

    /* 4-octet payload: 46 octets padded to 60 on the wire */
    n = nb_udp(NB_DLT_EN10MB, &f, pl, 4, rec, sizeof rec);
    cr_assert_eq(n, 60u);
    for (size_t i = 46; i < 60; i++) {
        rec[i] = 0xEE; /* non-zero padding must not leak into the payload */
    }
    ASSERT_ST(feed(net, NB_DLT_EN10MB, rec, n), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 1u);
    expect_udp(&cap.chunks[0], &f, pl, 4);
    /* cut only in the padding: still delivered */
    cap_reset();
    ASSERT_ST(dec_net_input(net, NB_DLT_EN10MB, rec, 50, 60, 0, sink, NULL), DEC_NET_DELIVERED);
    ASSERT_ST(dec_net_input(net, NB_DLT_EN10MB, rec, 46, 60, 0, sink, NULL), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 2u);
    expect_udp(&cap.chunks[1], &f, pl, 4);
    ASSERT_ST(dec_net_input(net, NB_DLT_EN10MB, rec, 45, 60, 0, sink, NULL),
              DEC_NET_SNAPLEN_TRUNCATED);
    /* a UDP length reaching into the padding is beyond the IP payload */
    rec[38] = 0;
    rec[39] = 20;
    ASSERT_ST(feed(net, NB_DLT_EN10MB, rec, n), DEC_NET_BAD_UDP_LENGTH);
    /* TCP takes its payload length from the IP total length, not the frame */
    cap_reset();
    n = nb_tcp(NB_DLT_EN10MB, &f, 9, NB_TCP_ACK, pl, 2, rec, sizeof rec);
    cr_assert_eq(n, 60u);
    memset(rec + 56, 0xEE, 4);
    ASSERT_ST(feed(net, NB_DLT_EN10MB, rec, n), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 1u);
    cr_assert_eq(cap.chunks[0].c.len, 2u);
    cr_assert_eq(memcmp(cap.chunks[0].c.data, pl, 2), 0);
    const dec_net_stats_t *s = dec_net_stats(net);
    cr_assert_eq(s->by_status[DEC_NET_SNAPLEN_TRUNCATED], 3u);
    cr_assert_eq(s->udp_bytes, 12u);
    check_accounting(net);
    dec_net_destroy(&net);
}

/* ---- UDP ---- */

Test(net_udp, bad_lengths) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f = nb_flow_local(4, 1, 2);
    uint8_t seg[64];
    uint8_t pl[20];
    fill(pl, 20, 1);
    size_t sn = nb_udp_segment(&f, pl, 20, seg, sizeof seg);
    cr_assert_eq(sn, 28u);
    size_t n = nb_ip(NB_DLT_IPV4, &f, 17, seg, 5, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_TRUNCATED_UDP);
    seg[4] = 0;
    seg[5] = 7; /* UDP length < 8 */
    n = nb_ip(NB_DLT_IPV4, &f, 17, seg, 28, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_BAD_UDP_LENGTH);
    seg[5] = 29; /* beyond the IP payload */
    n = nb_ip(NB_DLT_IPV4, &f, 17, seg, 28, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_BAD_UDP_LENGTH);
    seg[5] = 18; /* shorter than the IP payload: trailing octets dropped */
    n = nb_ip(NB_DLT_IPV4, &f, 17, seg, 28, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 1u);
    expect_udp(&cap.chunks[0], &f, pl, 10);
    seg[5] = 8; /* empty datagram */
    n = nb_ip(NB_DLT_IPV4, &f, 17, seg, 28, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_DELIVERED);
    cr_assert_eq(cap.chunks[1].c.len, 0u);
    const dec_net_stats_t *s = dec_net_stats(net);
    cr_assert_eq(s->by_status[DEC_NET_BAD_UDP_LENGTH], 2u);
    cr_assert_eq(s->by_status[DEC_NET_TRUNCATED_UDP], 1u);
    cr_assert_eq(s->udp_datagrams, 2u);
    cr_assert_eq(s->udp_bytes, 10u);
    check_accounting(net);
    dec_net_destroy(&net);
}

/* ---- IPv4 fragments ---- */

#define FRAG_REC 1600
static uint8_t frecs[64][FRAG_REC];
static size_t flens[64];

static size_t make_frags(int dlt, const nb_flow_t *f, uint16_t id, const uint8_t *pl, size_t len,
                         size_t piece) {
    size_t k = nb_udp_fragments(dlt, f, id, pl, len, piece, &frecs[0][0], FRAG_REC, flens, 64);
    cr_assert_gt(k, 0u);
    return k;
}

static uint8_t big[3000];

Test(net_frag, in_order) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f = nb_flow_local(4, 7, 8);
    fill(big, sizeof big, 5);
    size_t k = make_frags(NB_DLT_EN10MB, &f, 0x1234, big, 3000, 1000);
    cr_assert_eq(k, 4u); /* 3008 octets of UDP: 1000 + 1000 + 1000 + 8 */
    for (size_t i = 0; i + 1 < k; i++) {
        ASSERT_ST(feed(net, NB_DLT_EN10MB, frecs[i], flens[i]), DEC_NET_HELD);
        cr_assert_eq(cap.n, 0u);
    }
    ASSERT_ST(feed(net, NB_DLT_EN10MB, frecs[k - 1], flens[k - 1]), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 1u);
    expect_udp(&cap.chunks[0], &f, big, 3000);
    const dec_net_stats_t *s = dec_net_stats(net);
    cr_assert_eq(s->fragments, 3u);
    cr_assert_eq(s->fragments_completed, 1u);
    cr_assert_eq(s->fragments_expired, 0u);
    cr_assert_eq(s->udp_datagrams, 1u);
    check_accounting(net);
    dec_net_destroy(&net);
}

Test(net_frag, out_of_order_and_duplicated) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f = nb_flow_local(4, 7, 8);
    fill(big, sizeof big, 6);
    size_t k = make_frags(NB_DLT_RAW, &f, 99, big, 2990, 504);
    cr_assert_eq(k, 6u);
    static const size_t order[] = {5, 3, 3, 0, 4, 0, 2, 1};
    for (size_t i = 0; i < 8; i++) {
        dec_net_status_t st = feed(net, NB_DLT_RAW, frecs[order[i]], flens[order[i]]);
        ASSERT_ST(st, i == 7 ? DEC_NET_DELIVERED : DEC_NET_HELD);
    }
    cr_assert_eq(cap.n, 1u);
    expect_udp(&cap.chunks[0], &f, big, 2990);
    const dec_net_stats_t *s = dec_net_stats(net);
    cr_assert_eq(s->fragments, 7u);
    cr_assert_eq(s->fragments_completed, 1u);
    /* a late duplicate opens a new datagram that never completes */
    ASSERT_ST(feed(net, NB_DLT_RAW, frecs[1], flens[1]), DEC_NET_HELD);
    dec_net_flush(net, sink, NULL);
    cr_assert_eq(s->fragments_expired, 1u);
    cr_assert_eq(s->fragments_expired_records, 1u);
    cr_assert_eq(cap.n, 1u);
    check_accounting(net);
    dec_net_destroy(&net);
}

Test(net_frag, missing_one_expires_at_flush_and_timeout) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f = nb_flow_local(4, 7, 8);
    fill(big, sizeof big, 7);
    size_t k = make_frags(NB_DLT_EN10MB, &f, 1, big, 2000, 512);
    cr_assert_eq(k, 4u);
    for (size_t i = 0; i < k; i++) {
        if (i != 2) {
            ASSERT_ST(feed_ts(net, NB_DLT_EN10MB, frecs[i], flens[i], 0), DEC_NET_HELD);
        }
    }
    const dec_net_stats_t *s = dec_net_stats(net);
    /* 30 s later: not yet expired; a record after 30 s + 1 ns expires it */
    uint8_t pl[4] = {1, 2, 3, 4};
    size_t n = nb_udp(NB_DLT_EN10MB, &f, pl, 4, rec, sizeof rec);
    ASSERT_ST(feed_ts(net, NB_DLT_EN10MB, rec, n, 30000000000LL), DEC_NET_DELIVERED);
    cr_assert_eq(s->fragments_expired, 0u);
    ASSERT_ST(feed_ts(net, NB_DLT_EN10MB, rec, n, 30000000001LL), DEC_NET_DELIVERED);
    cr_assert_eq(s->fragments_expired, 1u);
    cr_assert_eq(s->fragments_expired_records, 3u);
    /* the missing one alone now starts a new datagram, lost at flush */
    ASSERT_ST(feed_ts(net, NB_DLT_EN10MB, frecs[2], flens[2], 30000000002LL), DEC_NET_HELD);
    ASSERT_ST(feed_ts(net, NB_DLT_EN10MB, frecs[0], flens[0], 30000000003LL), DEC_NET_HELD);
    dec_net_flush(net, sink, NULL);
    cr_assert_eq(s->fragments_expired, 2u);
    cr_assert_eq(s->fragments_expired_records, 5u);
    cr_assert_eq(s->fragments_completed, 0u);
    cr_assert_eq(cap.n, 2u); /* only the two small datagrams */
    check_accounting(net);
    dec_net_destroy(&net);
}

Test(net_frag, overlaps_and_bad_fragments) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f = nb_flow_local(4, 7, 8);
    uint8_t d[1000];
    fill(d, sizeof d, 8);
    /* [0, 800) then a consistent overlap [400, 1000) last: accepted, complete */
    nb_udp_segment(&f, d + 8, 992, d, sizeof d); /* the datagram starts with a UDP header */
    size_t n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 5, 0x2000, d, 800, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_HELD);
    n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 5, 400 / 8, d + 400, 600, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 1u);
    expect_udp(&cap.chunks[0], &f, d + 8, 992);

    /* an overlap with different octets: bad, the datagram is dropped */
    n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 6, 0x2000, d, 800, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_HELD);
    uint8_t other[600];
    memcpy(other, d + 400, 600);
    other[10] ^= 0xFF;
    n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 6, 400 / 8, other, 600, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_BAD_FRAGMENT);
    const dec_net_stats_t *s = dec_net_stats(net);
    cr_assert_eq(s->fragments_expired, 1u);
    cr_assert_eq(s->fragments_expired_records, 1u);

    /* a middle fragment not a multiple of 8 */
    n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 7, 0x2000, d, 801, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_BAD_FRAGMENT);
    /* beyond 65535 */
    n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 8, 8189, d, 100, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_BAD_FRAGMENT);
    /* two different ends */
    n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 9, 100, d, 16, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_HELD);
    n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 9, 100, d, 24, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_BAD_FRAGMENT);
    /* data past a known end */
    n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 10, 10, d, 16, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_HELD);
    n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 10, 0x2000 | 11, d, 16, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_BAD_FRAGMENT);
    /* ICMP fragments are not reassembled */
    n = nb_ip_frag(NB_DLT_IPV4, &f, 1, 11, 0x2000, d, 16, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_NOT_UDP_TCP);
    cr_assert_eq(s->by_status[DEC_NET_BAD_FRAGMENT], 5u);
    cr_assert_eq(s->fragments_expired, 3u);
    dec_net_flush(net, sink, NULL);
    cr_assert_eq(s->fragments_expired, 3u);
    check_accounting(net);
    dec_net_destroy(&net);
}

Test(net_frag, table_full) {
    dec_net_t *net = net_new(2, 0, 0);
    nb_flow_t f = nb_flow_local(4, 7, 8);
    uint8_t d[16] = {0};
    for (uint16_t id = 1; id <= 3; id++) {
        size_t n = nb_ip_frag(NB_DLT_IPV4, &f, 17, id, 0x2000, d, 16, rec, sizeof rec);
        ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n),
                  id <= 2 ? DEC_NET_HELD : DEC_NET_FRAGMENT_TABLE_FULL);
    }
    /* the same datagram from another source is another key */
    f.src[3] = 2;
    size_t n = nb_ip_frag(NB_DLT_IPV4, &f, 17, 1, 0x2000, d, 16, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_FRAGMENT_TABLE_FULL);
    dec_net_flush(net, sink, NULL);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, n), DEC_NET_HELD);
    check_accounting(net);
    dec_net_destroy(&net);
}

Test(net_frag, fragmented_tcp_goes_through_the_stream) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f = nb_flow_local(4, 7, 8);
    uint8_t pl[1500];
    fill(pl, sizeof pl, 2);
    static uint8_t whole[2000];
    size_t n = nb_tcp(NB_DLT_IPV4, &f, 500, NB_TCP_ACK, pl, 1500, whole, sizeof whole);
    cr_assert_eq(n, 1540u);
    /* split its IP payload (1520) as 1000 + 520 */
    size_t a = nb_ip_frag(NB_DLT_IPV4, &f, 6, 3, 0x2000, whole + 20, 1000, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, a), DEC_NET_HELD);
    a = nb_ip_frag(NB_DLT_IPV4, &f, 6, 3, 125, whole + 1020, 520, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_IPV4, rec, a), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 1u);
    cr_assert_eq(cap.chunks[0].c.proto, DEC_NET_TCP);
    cr_assert_eq(cap.chunks[0].c.flags, DEC_NET_F_FLOW_START);
    cr_assert_eq(cap.chunks[0].c.len, 1500u);
    cr_assert_eq(memcmp(cap.chunks[0].c.data, pl, 1500), 0);
    check_accounting(net);
    dec_net_destroy(&net);
}

/* ---- IPv6 ---- */

Test(net_ipv6, extension_headers) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f = nb_flow_local(6, 11, 12);
    uint8_t pl[40];
    fill(pl, sizeof pl, 4);
    uint8_t p[200];
    memset(p, 0, sizeof p);
    /* hop-by-hop (8 octets, PadN) -> destination options (16 octets) -> UDP */
    p[0] = 60;
    p[1] = 0;
    p[2] = 1;
    p[3] = 4;
    p[8] = 17;
    p[9] = 1;
    p[10] = 1;
    p[11] = 12;
    size_t u = nb_udp_segment(&f, pl, 40, p + 24, sizeof p - 24);
    size_t n = nb_ip(NB_DLT_EN10MB, &f, 0, p, 24 + u, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_EN10MB, rec, n), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 1u);
    expect_udp(&cap.chunks[0], &f, pl, 40);
    /* routing header then no-next-header */
    p[0] = 43;
    p[8] = 59;
    n = nb_ip(NB_DLT_RAW, &f, 0, p, 24 + u, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_RAW, rec, n), DEC_NET_NOT_UDP_TCP);
    /* an extension header longer than the payload */
    p[0] = 17;
    p[1] = 200;
    n = nb_ip(NB_DLT_RAW, &f, 60, p, 24 + u, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_RAW, rec, n), DEC_NET_BAD_IP_HEADER);
    n = nb_ip(NB_DLT_RAW, &f, 0, p, 4, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_RAW, rec, n), DEC_NET_BAD_IP_HEADER);
    /* ICMPv6 */
    n = nb_ip(NB_DLT_RAW, &f, 58, p, 24, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_RAW, rec, n), DEC_NET_NOT_UDP_TCP);
    /* a chain of nine hop-by-hop headers: more than the walk follows */
    memset(p, 0, sizeof p);
    for (int i = 0; i < 9; i++) {
        p[i * 8] = i == 8 ? 17 : 0;
    }
    n = nb_ip(NB_DLT_RAW, &f, 0, p, 72 + 8, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_RAW, rec, n), DEC_NET_NOT_UDP_TCP);
    check_accounting(net);
    dec_net_destroy(&net);
}

Test(net_ipv6, fragments_reassembled) {
    dec_net_t *net = net_new(0, 0, 0);
    nb_flow_t f = nb_flow_local(6, 11, 12);
    static uint8_t pl[2500];
    fill(pl, sizeof pl, 10);
    static uint8_t seg[2600];
    size_t sn = nb_udp_segment(&f, pl, 2500, seg, sizeof seg);
    cr_assert_eq(sn, 2508u);
    size_t n = nb_ipv6_fragment(NB_DLT_LINUX_SLL, &f, 0xABCDEF01u, 17, 1248, false, seg + 1248,
                                sn - 1248, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_LINUX_SLL, rec, n), DEC_NET_HELD);
    n = nb_ipv6_fragment(NB_DLT_LINUX_SLL, &f, 0xABCDEF01u, 17, 0, true, seg, 1248, rec,
                         sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_LINUX_SLL, rec, n), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 1u);
    expect_udp(&cap.chunks[0], &f, pl, 2500);
    /* an atomic fragment (offset 0, M 0) is processed at once */
    seg[4] = 0;
    seg[5] = 108;
    n = nb_ipv6_fragment(NB_DLT_RAW, &f, 5, 17, 0, false, seg, 108, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_RAW, rec, n), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 2u);
    expect_udp(&cap.chunks[1], &f, pl, 100);
    /* reassembled payload starting with destination options */
    uint8_t dp[8 + 16] = {17, 0, 1, 4, 0, 0, 0, 0};
    nb_udp_segment(&f, pl, 8, dp + 8, 16);
    n = nb_ipv6_fragment(NB_DLT_RAW, &f, 6, 60, 0, true, dp, 16, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_RAW, rec, n), DEC_NET_HELD);
    n = nb_ipv6_fragment(NB_DLT_RAW, &f, 6, 60, 16, false, dp + 16, 8, rec, sizeof rec);
    ASSERT_ST(feed(net, NB_DLT_RAW, rec, n), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 3u);
    expect_udp(&cap.chunks[2], &f, pl, 8);
    const dec_net_stats_t *s = dec_net_stats(net);
    cr_assert_eq(s->fragments_completed, 2u);
    check_accounting(net);
    dec_net_destroy(&net);
}

/* ---- TCP ---- */

static nb_flow_t tf;
static dec_net_t *tnet;
static int tdlt = NB_DLT_EN10MB;

static dec_net_status_t seg(uint32_t seq, uint8_t flags, const uint8_t *d, size_t n) {
    size_t r = nb_tcp(tdlt, &tf, seq, flags, d, n, rec, sizeof rec);
    cr_assert_gt(r, 0u);
    dec_net_status_t st = feed(tnet, tdlt, rec, r);
    check_accounting(tnet);
    return st;
}

static void tcp_setup(uint32_t window, uint32_t flows) {
    tnet = net_new(0, flows, window);
    tf = nb_flow_local(4, 40000, 5555);
}

static void tcp_teardown(void) {
    dec_net_destroy(&tnet);
}

/* The concatenation of all chunk data. */
static const uint8_t *stream(size_t *len) {
    *len = cap.used;
    return cap.data;
}

static uint8_t S[70000];

TestSuite(net_tcp, .fini = tcp_teardown);

Test(net_tcp, in_order_syn_fin) {
    tcp_setup(0, 0);
    fill(S, 300, 1);
    ASSERT_ST(seg(1000, NB_TCP_SYN, NULL, 0), DEC_NET_NO_PAYLOAD);
    ASSERT_ST(seg(1001, NB_TCP_ACK, S, 100), DEC_NET_DELIVERED);
    ASSERT_ST(seg(1101, NB_TCP_ACK | NB_TCP_PSH, S + 100, 200), DEC_NET_DELIVERED);
    ASSERT_ST(seg(1301, NB_TCP_ACK, NULL, 0), DEC_NET_NO_PAYLOAD);
    ASSERT_ST(seg(1301, NB_TCP_FIN | NB_TCP_ACK, NULL, 0), DEC_NET_NO_PAYLOAD);
    cr_assert_eq(cap.n, 3u);
    cr_assert_eq(cap.chunks[0].c.flags, DEC_NET_F_FLOW_START);
    cr_assert_eq(cap.chunks[1].c.flags, 0u);
    cr_assert_eq(cap.chunks[2].c.flags, DEC_NET_F_FLOW_END);
    cr_assert_eq(cap.chunks[2].c.len, 0u);
    size_t len;
    const uint8_t *s = stream(&len);
    cr_assert_eq(len, 300u);
    cr_assert_eq(memcmp(s, S, 300), 0);
    const dec_net_stats_t *st = dec_net_stats(tnet);
    cr_assert_eq(st->tcp_flows, 1u);
    cr_assert_eq(st->tcp_segments, 2u);
    cr_assert_eq(st->tcp_bytes, 300u);
    cr_assert_eq(st->tcp_holes, 0u);
    /* the slot is free again: a retransmitted FIN is just no payload, nothing at flush */
    ASSERT_ST(seg(1301, NB_TCP_FIN | NB_TCP_ACK, NULL, 0), DEC_NET_NO_PAYLOAD);
    dec_net_flush(tnet, sink, NULL);
    cr_assert_eq(cap.n, 3u);
}

Test(net_tcp, data_with_fin) {
    tcp_setup(0, 0);
    fill(S, 10, 2);
    ASSERT_ST(seg(5, NB_TCP_ACK | NB_TCP_FIN, S, 10), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 2u);
    cr_assert_eq(cap.chunks[0].c.flags, DEC_NET_F_FLOW_START);
    cr_assert_eq(cap.chunks[1].c.flags, DEC_NET_F_FLOW_END);
}

Test(net_tcp, out_of_order_held_then_released) {
    tcp_setup(0, 0);
    fill(S, 400, 3);
    ASSERT_ST(seg(0, NB_TCP_SYN, NULL, 0), DEC_NET_NO_PAYLOAD);
    ASSERT_ST(seg(301, NB_TCP_ACK, S + 300, 100), DEC_NET_HELD);
    ASSERT_ST(seg(101, NB_TCP_ACK, S + 100, 100), DEC_NET_HELD);
    cr_assert_eq(cap.n, 0u);
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 100), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 2u); /* [0,100) direct, [100,200) from the ring */
    ASSERT_ST(seg(201, NB_TCP_ACK, S + 200, 100), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 4u);
    size_t len;
    const uint8_t *s = stream(&len);
    cr_assert_eq(len, 400u);
    cr_assert_eq(memcmp(s, S, 400), 0);
    for (size_t i = 0; i < cap.n; i++) {
        cr_assert_eq(cap.chunks[i].c.flags, i == 0 ? DEC_NET_F_FLOW_START : 0u);
    }
    cr_assert_eq(dec_net_stats(tnet)->tcp_segments, 4u);
    cr_assert_eq(dec_net_stats(tnet)->tcp_retransmitted_bytes, 0u);
}

Test(net_tcp, retransmission_and_partial_overlap) {
    tcp_setup(0, 0);
    fill(S, 200, 4);
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 50), DEC_NET_DELIVERED);
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 50), DEC_NET_DUPLICATE);
    ASSERT_ST(seg(11, NB_TCP_ACK, S + 10, 20), DEC_NET_DUPLICATE);
    ASSERT_ST(seg(41, NB_TCP_ACK, S + 40, 30), DEC_NET_DELIVERED); /* 10 old, 20 new */
    /* held then retransmitted while held, then overlapped partly */
    ASSERT_ST(seg(101, NB_TCP_ACK, S + 100, 20), DEC_NET_HELD);
    ASSERT_ST(seg(101, NB_TCP_ACK, S + 100, 20), DEC_NET_DUPLICATE);
    ASSERT_ST(seg(111, NB_TCP_ACK, S + 110, 20), DEC_NET_HELD); /* 10 new */
    ASSERT_ST(seg(61, NB_TCP_ACK, S + 60, 45), DEC_NET_DELIVERED);
    size_t len;
    const uint8_t *s = stream(&len);
    cr_assert_eq(len, 130u);
    cr_assert_eq(memcmp(s, S, 130), 0);
    const dec_net_stats_t *st = dec_net_stats(tnet);
    /* 50 + 20 + 10 + 20 + 10 + 10 + 5 (the held [100,105) overlapped by the last segment) */
    cr_assert_eq(st->tcp_retransmitted_bytes, 125u);
    cr_assert_eq(st->tcp_bytes, 130u);
    cr_assert_eq(st->by_status[DEC_NET_DUPLICATE], 3u);
}

Test(net_tcp, hole_skipped_when_window_fills) {
    tcp_setup(100, 0);
    fill(S, 300, 5);
    ASSERT_ST(seg(0, NB_TCP_SYN, NULL, 0), DEC_NET_NO_PAYLOAD);
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 10), DEC_NET_DELIVERED);
    ASSERT_ST(seg(21, NB_TCP_ACK, S + 20, 40), DEC_NET_HELD);      /* [20,60) */
    ASSERT_ST(seg(61, NB_TCP_ACK, S + 60, 70), DEC_NET_DELIVERED); /* [60,130) does not fit */
    cr_assert_eq(cap.n, 3u);
    cr_assert_eq(cap.chunks[1].c.flags, DEC_NET_F_GAP);
    cr_assert_eq(cap.chunks[1].c.gap_bytes, 10u);
    cr_assert_eq(cap.chunks[1].c.len, 40u);
    cr_assert_eq(memcmp(cap.chunks[1].c.data, S + 20, 40), 0);
    cr_assert_eq(cap.chunks[2].c.flags, 0u);
    cr_assert_eq(cap.chunks[2].c.len, 70u);
    cr_assert_eq(memcmp(cap.chunks[2].c.data, S + 60, 70), 0);
    /* the late bytes of the hole are old now */
    ASSERT_ST(seg(11, NB_TCP_ACK, S + 10, 10), DEC_NET_DUPLICATE);
    /* a segment far beyond the window: skipped to at once */
    ASSERT_ST(seg(1001, NB_TCP_ACK, S + 200, 100), DEC_NET_DELIVERED);
    cr_assert_eq(cap.chunks[3].c.flags, DEC_NET_F_GAP);
    cr_assert_eq(cap.chunks[3].c.gap_bytes, 870u);
    const dec_net_stats_t *st = dec_net_stats(tnet);
    cr_assert_eq(st->tcp_holes, 2u);
    cr_assert_eq(st->tcp_hole_bytes, 880u);
    cr_assert_eq(st->tcp_bytes, 220u);
}

Test(net_tcp, window_fill_partial_skip_keeps_later_data) {
    tcp_setup(100, 0);
    fill(S, 300, 6);
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 10), DEC_NET_DELIVERED);
    ASSERT_ST(seg(31, NB_TCP_ACK, S + 30, 10), DEC_NET_HELD);   /* [30,40) */
    ASSERT_ST(seg(71, NB_TCP_ACK, S + 70, 10), DEC_NET_HELD);   /* [70,80) */
    ASSERT_ST(seg(101, NB_TCP_ACK, S + 100, 20), DEC_NET_HELD); /* [100,120): target 20 */
    /* window [10,110) is exceeded by 10: the hole [10,20) is given up only up to 20 */
    cr_assert_eq(cap.n, 1u);
    cr_assert_eq(dec_net_stats(tnet)->tcp_hole_bytes, 10u);
    ASSERT_ST(seg(21, NB_TCP_ACK, S + 20, 10), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 3u);
    cr_assert_eq(cap.chunks[1].c.flags, DEC_NET_F_GAP);
    cr_assert_eq(cap.chunks[1].c.gap_bytes, 10u);
    cr_assert_eq(cap.chunks[2].c.len, 10u);
    cr_assert_eq(memcmp(cap.chunks[2].c.data, S + 30, 10), 0);
    cap_reset();
    dec_net_flush(tnet, sink, NULL);
    /* [70,80) after a 30-octet hole, [100,120) after 20, then the end */
    cr_assert_eq(cap.n, 3u);
    cr_assert_eq(cap.chunks[0].c.flags, DEC_NET_F_GAP);
    cr_assert_eq(cap.chunks[0].c.gap_bytes, 30u);
    cr_assert_eq(memcmp(cap.chunks[0].c.data, S + 70, 10), 0);
    cr_assert_eq(cap.chunks[1].c.gap_bytes, 20u);
    cr_assert_eq(memcmp(cap.chunks[1].c.data, S + 100, 20), 0);
    cr_assert_eq(cap.chunks[2].c.flags, DEC_NET_F_FLOW_END);
    cr_assert_eq(dec_net_stats(tnet)->tcp_holes, 3u);
    cr_assert_eq(dec_net_stats(tnet)->tcp_hole_bytes, 60u);
}

Test(net_tcp, hole_at_flush) {
    tcp_setup(0, 0);
    fill(S, 100, 7);
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 10), DEC_NET_DELIVERED);
    ASSERT_ST(seg(21, NB_TCP_ACK, S + 20, 10), DEC_NET_HELD);
    cap_reset();
    dec_net_flush(tnet, sink, NULL);
    cr_assert_eq(cap.n, 2u);
    cr_assert_eq(cap.chunks[0].c.flags, DEC_NET_F_GAP);
    cr_assert_eq(cap.chunks[0].c.gap_bytes, 10u);
    cr_assert_eq(cap.chunks[0].c.len, 10u);
    cr_assert_eq(memcmp(cap.chunks[0].c.data, S + 20, 10), 0);
    cr_assert_eq(cap.chunks[1].c.flags, DEC_NET_F_FLOW_END);
    cr_assert_eq(dec_net_stats(tnet)->tcp_holes, 1u);
    /* flushed twice: nothing more */
    dec_net_flush(tnet, sink, NULL);
    cr_assert_eq(cap.n, 2u);
}

Test(net_tcp, rst_ends_and_new_syn_restarts) {
    tcp_setup(0, 0);
    fill(S, 100, 8);
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 10), DEC_NET_DELIVERED);
    ASSERT_ST(seg(21, NB_TCP_ACK, S + 20, 10), DEC_NET_HELD);
    ASSERT_ST(seg(11, NB_TCP_RST, NULL, 0), DEC_NET_NO_PAYLOAD);
    cr_assert_eq(cap.n, 3u);
    cr_assert_eq(cap.chunks[1].c.flags, DEC_NET_F_GAP);
    cr_assert_eq(cap.chunks[2].c.flags, DEC_NET_F_FLOW_END);
    /* same ports again after the RST: a new flow */
    ASSERT_ST(seg(500, NB_TCP_SYN, NULL, 0), DEC_NET_NO_PAYLOAD);
    ASSERT_ST(seg(500, NB_TCP_SYN, NULL, 0), DEC_NET_NO_PAYLOAD); /* retransmitted SYN */
    ASSERT_ST(seg(501, NB_TCP_ACK, S, 5), DEC_NET_DELIVERED);
    ASSERT_ST(seg(500, NB_TCP_SYN, NULL, 0), DEC_NET_NO_PAYLOAD); /* late copy: same flow */
    cr_assert_eq(cap.n, 4u);
    cr_assert_eq(cap.chunks[3].c.flags, DEC_NET_F_FLOW_START);
    /* a SYN with another sequence number: the old flow ends, a new one starts */
    ASSERT_ST(seg(9000, NB_TCP_SYN, NULL, 0), DEC_NET_NO_PAYLOAD);
    cr_assert_eq(cap.n, 5u);
    cr_assert_eq(cap.chunks[4].c.flags, DEC_NET_F_FLOW_END);
    ASSERT_ST(seg(9001, NB_TCP_ACK, S, 5), DEC_NET_DELIVERED);
    cr_assert_eq(cap.chunks[5].c.flags, DEC_NET_F_FLOW_START);
    cr_assert_eq(dec_net_stats(tnet)->tcp_flows, 3u);
}

Test(net_tcp, out_of_order_fin) {
    tcp_setup(0, 0);
    fill(S, 30, 9);
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 10), DEC_NET_DELIVERED);
    ASSERT_ST(seg(21, NB_TCP_ACK | NB_TCP_FIN, S + 20, 10), DEC_NET_HELD);
    cr_assert_eq(cap.n, 1u);
    ASSERT_ST(seg(11, NB_TCP_ACK, S + 10, 10), DEC_NET_DELIVERED);
    cr_assert_eq(cap.n, 4u);
    cr_assert_eq(cap.chunks[3].c.flags, DEC_NET_F_FLOW_END);
    size_t len;
    const uint8_t *s = stream(&len);
    cr_assert_eq(len, 30u);
    cr_assert_eq(memcmp(s, S, 30), 0);
}

Test(net_tcp, sequence_wrap) {
    tcp_setup(0, 0);
    fill(S, 100, 10);
    ASSERT_ST(seg(0xFFFFFFF0u, NB_TCP_SYN, NULL, 0), DEC_NET_NO_PAYLOAD);
    /* [0xFFFFFFF1, +40) crosses 2^32; send the second half first */
    ASSERT_ST(seg(0xFFFFFFF1u + 40u, NB_TCP_ACK, S + 40, 60), DEC_NET_HELD);
    ASSERT_ST(seg(0xFFFFFFF1u, NB_TCP_ACK, S, 40), DEC_NET_DELIVERED);
    ASSERT_ST(seg(0xFFFFFFF1u + 10u, NB_TCP_ACK, S + 10, 10), DEC_NET_DUPLICATE);
    size_t len;
    const uint8_t *s = stream(&len);
    cr_assert_eq(len, 100u);
    cr_assert_eq(memcmp(s, S, 100), 0);
    ASSERT_ST(seg(0xFFFFFFF1u + 100u, NB_TCP_FIN, NULL, 0), DEC_NET_NO_PAYLOAD);
    cr_assert_eq(cap.chunks[cap.n - 1].c.flags, DEC_NET_F_FLOW_END);
}

Test(net_tcp, join_mid_stream) {
    tcp_setup(0, 0);
    fill(S, 100, 11);
    ASSERT_ST(seg(123456, NB_TCP_ACK, NULL, 0), DEC_NET_NO_PAYLOAD); /* pure ACK: no flow */
    cr_assert_eq(dec_net_stats(tnet)->tcp_flows, 0u);
    ASSERT_ST(seg(123456, NB_TCP_ACK, S + 50, 50), DEC_NET_DELIVERED);
    cr_assert_eq(cap.chunks[0].c.flags, DEC_NET_F_FLOW_START);
    ASSERT_ST(seg(123406, NB_TCP_ACK, S, 50), DEC_NET_DUPLICATE); /* before the start */
    cr_assert_eq(cap.n, 1u);
    cr_assert_eq(dec_net_stats(tnet)->tcp_flows, 1u);
}

Test(net_tcp, flows_are_per_direction_and_table_full) {
    tcp_setup(0, 2);
    fill(S, 10, 12);
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 5), DEC_NET_DELIVERED);
    nb_flow_t a = tf;
    tf.sport = a.dport; /* the reverse direction is another flow */
    tf.dport = a.sport;
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 5), DEC_NET_DELIVERED);
    cr_assert_eq(cap.chunks[0].c.flow, 0u);
    cr_assert_eq(cap.chunks[1].c.flow, 1u);
    cr_assert_eq(cap.chunks[1].c.sport, 5555);
    tf.sport = 1;
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 5), DEC_NET_TCP_FLOW_TABLE_FULL);
    ASSERT_ST(seg(1, NB_TCP_SYN, NULL, 0), DEC_NET_TCP_FLOW_TABLE_FULL);
    /* end the first flow: its slot serves the new one */
    nb_flow_t keep = tf;
    tf = a;
    ASSERT_ST(seg(6, NB_TCP_FIN, NULL, 0), DEC_NET_NO_PAYLOAD);
    tf = keep;
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 5), DEC_NET_DELIVERED);
    cr_assert_eq(cap.chunks[cap.n - 1].c.flow, 0u);
    cr_assert_eq(cap.chunks[cap.n - 1].c.sport, 1);
    cr_assert_eq(dec_net_stats(tnet)->by_status[DEC_NET_TCP_FLOW_TABLE_FULL], 2u);
}

Test(net_tcp, bad_headers) {
    tcp_setup(0, 0);
    uint8_t t[80];
    memset(t, 0, sizeof t);
    size_t n = nb_ip(NB_DLT_IPV4, &tf, 6, t, 19, rec, sizeof rec);
    ASSERT_ST(feed(tnet, NB_DLT_IPV4, rec, n), DEC_NET_TRUNCATED_TCP);
    t[12] = 4 << 4;
    n = nb_ip(NB_DLT_IPV4, &tf, 6, t, 40, rec, sizeof rec);
    ASSERT_ST(feed(tnet, NB_DLT_IPV4, rec, n), DEC_NET_BAD_TCP_HEADER);
    t[12] = 15 << 4; /* 60-octet header in a 40-octet payload */
    n = nb_ip(NB_DLT_IPV4, &tf, 6, t, 40, rec, sizeof rec);
    ASSERT_ST(feed(tnet, NB_DLT_IPV4, rec, n), DEC_NET_TRUNCATED_TCP);
    n = nb_ip(NB_DLT_IPV4, &tf, 6, t, 64, rec, sizeof rec); /* with options, 4 octets of data */
    ASSERT_ST(feed(tnet, NB_DLT_IPV4, rec, n), DEC_NET_DELIVERED);
    cr_assert_eq(cap.chunks[0].c.len, 4u);
    check_accounting(tnet);
}

Test(net_tcp, range_slots_exhausted) {
    tcp_setup(0, 0);
    fill(S, 1000, 13);
    ASSERT_ST(seg(1, NB_TCP_ACK, S, 1), DEC_NET_DELIVERED);
    /* 33 disjoint held pieces [10k, 10k+5) for k = 1..33: the 33rd forces a skip */
    for (uint32_t k = 1; k <= 33; k++) {
        ASSERT_ST(seg(1 + 10 * k, NB_TCP_ACK, S + 10 * k, 5), DEC_NET_HELD);
    }
    cr_assert_eq(dec_net_stats(tnet)->tcp_holes, 1u);
    cr_assert_eq(dec_net_stats(tnet)->tcp_hole_bytes, 9u);
    cap_reset();
    dec_net_flush(tnet, sink, NULL);
    const dec_net_stats_t *st = dec_net_stats(tnet);
    cr_assert_eq(st->tcp_bytes, 1u + 33u * 5u);
    cr_assert_eq(st->tcp_holes, 33u);
    cr_assert_eq(st->tcp_hole_bytes, 9u + 32u * 5u);
}

/* Random segmentation, local reordering and duplicates: the stream comes out exactly. */
Test(net_tcp, shuffled_stream_is_exact) {
    tcp_setup(0, 0);
    tdlt = NB_DLT_RAW;
    tf = nb_flow_local(6, 1, 2);
    size_t total = 60000;
    fill(S, total, 14);
    size_t starts[2000], lens[2000], k = 0;
    uint32_t x = 77;
    for (size_t off = 0; off < total && k < 2000; k++) {
        x = x * 1103515245u + 12345u;
        size_t l = 1 + (x >> 16) % 300;
        if (l > total - off) {
            l = total - off;
        }
        starts[k] = off;
        lens[k] = l;
        off += l;
    }
    size_t order[2000];
    for (size_t i = 0; i < k; i++) {
        order[i] = i;
    }
    for (size_t i = 0; i + 1 < k; i++) {
        x = x * 1103515245u + 12345u;
        size_t j = i + (x >> 16) % 6;
        if (j < k) {
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
    uint32_t isn = 0xFFFF0000u; /* wraps within the stream */
    ASSERT_ST(seg(isn, NB_TCP_SYN, NULL, 0), DEC_NET_NO_PAYLOAD);
    for (size_t i = 0; i < k; i++) {
        size_t j = order[i];
        seg(isn + 1 + (uint32_t)starts[j], NB_TCP_ACK, S + starts[j], lens[j]);
        if (i % 7 == 0) {
            seg(isn + 1 + (uint32_t)starts[j], NB_TCP_ACK, S + starts[j], lens[j]);
        }
    }
    size_t len;
    const uint8_t *s = stream(&len);
    cr_assert_eq(len, total);
    cr_assert_eq(memcmp(s, S, total), 0);
    const dec_net_stats_t *st = dec_net_stats(tnet);
    cr_assert_eq(st->tcp_holes, 0u);
    cr_assert_eq(st->tcp_bytes, total);
    cr_assert_eq(cap.chunks[0].c.flags, DEC_NET_F_FLOW_START);
    tdlt = NB_DLT_EN10MB;
}

/* ---- truncation at every length, against a guard page ---- */

typedef struct {
    uint8_t *page; /* two pages, the second PROT_NONE */
    size_t psz;
} guard_t;

static guard_t guard_new(void) {
    guard_t g;
    g.psz = (size_t)sysconf(_SC_PAGESIZE);
    size_t need = g.psz;
    while (need < 70000) {
        need += g.psz;
    }
    g.page = mmap(NULL, need + g.psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(g.page, MAP_FAILED);
    cr_assert_eq(mprotect(g.page + need, g.psz, PROT_NONE), 0);
    g.psz = need; /* usable octets before the guard */
    return g;
}

/* Copy r[0..n) so it ends exactly at the guard page; return where it starts. */
static const uint8_t *guarded(guard_t *g, const uint8_t *r, size_t n) {
    uint8_t *p = g->page + g->psz - n;
    if (n > 0) {
        memcpy(p, r, n);
    }
    return p;
}

Test(net_trunc, every_record_at_every_length) {
    guard_t g = guard_new();
    dec_net_t *net = net_new(4, 4, 256);
    static uint8_t recs[40][2000];
    size_t lens[40];
    int dlts[40];
    size_t nr = 0;
    uint8_t pl[300];
    fill(pl, sizeof pl, 15);
    for (size_t i = 0; i < sizeof link_cases / sizeof link_cases[0]; i++) {
        nb_flow_t f = nb_flow_local(link_cases[i].ipv, 3, 4);
        f.vlan = (uint16_t)(i % 3 == 0 ? 5 : 0);
        f.qinq = i % 6 == 0;
        dlts[nr] = link_cases[i].dlt;
        lens[nr] = nb_udp(dlts[nr], &f, pl, 30, recs[nr], sizeof recs[nr]);
        nr++;
        dlts[nr] = link_cases[i].dlt;
        lens[nr] = nb_tcp(dlts[nr], &f, 1, NB_TCP_ACK, pl, 200, recs[nr], sizeof recs[nr]);
        nr++;
    }
    nb_flow_t f4 = nb_flow_local(4, 3, 4);
    size_t k = nb_udp_fragments(NB_DLT_EN10MB, &f4, 3, pl, 300, 128, &recs[nr][0], 2000, &lens[nr],
                                40 - nr);
    for (size_t i = 0; i < k; i++) {
        dlts[nr++] = NB_DLT_EN10MB;
    }
    nb_flow_t f6 = nb_flow_local(6, 3, 4);
    dlts[nr] = NB_DLT_RAW;
    lens[nr] = nb_ipv6_fragment(NB_DLT_RAW, &f6, 1, 17, 0, true, pl, 64, recs[nr], 2000);
    nr++;
    for (size_t i = 0; i < nr; i++) {
        cr_assert_gt(lens[i], 0u);
    }
    uint64_t count = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < nr; i++) {
            for (size_t c = 0; c <= lens[i]; c++) {
                /* pass 0: not cut (the record is just short); pass 1: snaplen cut */
                size_t wire = pass == 0 ? c : lens[i];
                const uint8_t *p = guarded(&g, recs[i], c);
                cap_reset();
                dec_net_status_t st =
                    dec_net_input(net, dlts[i], p, c, wire, (int64_t)count, sink, NULL);
                cr_assert_lt(st, DEC_NET_STATUS_COUNT);
                count++;
                cr_assert_eq(dec_net_stats(net)->records, count);
                check_accounting(net);
            }
        }
    }
    dec_net_flush(net, sink, NULL);
    check_accounting(net);
    dec_net_destroy(&net);
}

Test(net_misc, limits_checked) {
    dec_net_limits_t lim;
    dec_net_limits_default(&lim);
    cr_assert_eq(lim.max_fragment_datagrams, 64u);
    cr_assert_eq(lim.fragment_timeout_ns, 30000000000LL);
    cr_assert_eq(lim.max_tcp_flows, 64u);
    cr_assert_eq(lim.tcp_window, 1u << 20);
    lim.tcp_window = (1u << 30) + 1;
    char err[128] = "";
    cr_assert_null(dec_net_new(&lim, err, sizeof err));
    cr_assert_neq(err[0], '\0');
    dec_net_t *net = dec_net_new(NULL, err, sizeof err);
    cr_assert_not_null(net);
    dec_net_destroy(&net);
    dec_net_destroy(&net); /* idempotent */
}

/* netbuild: the space packet builder and the pcap writer produce the documented octets. */
Test(net_misc, netbuild_spp_and_pcap) {
    uint8_t o[16];
    size_t n = nb_spp(0x123, 1, true, 3, 0x3FFF, NULL, 4, o, sizeof o);
    cr_assert_eq(n, 10u);
    cr_assert_eq(o[0], 0x19); /* 000 1 1 001 */
    cr_assert_eq(o[1], 0x23);
    cr_assert_eq(o[2], 0xFF);
    cr_assert_eq(o[3], 0xFF);
    cr_assert_eq(o[4], 0x00);
    cr_assert_eq(o[5], 0x03);
    cr_assert_eq(o[9], 3);
    cr_assert_eq(nb_spp(1, 0, false, 0, 0, NULL, 0, o, sizeof o), 0u);
    cr_assert_eq(nb_spp(1, 0, false, 0, 0, NULL, 11, o, sizeof o), 0u);

    char path[] = "/tmp/test_net_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    nb_pcap_t w;
    cr_assert_eq(nb_pcap_open(&w, path, NB_DLT_EN10MB, true, 65535), 0);
    cr_assert_eq(nb_pcap_write(&w, 1500000000123456789LL, o, 10, 60), 0);
    cr_assert_eq(nb_pcap_close(&w), 0);
    FILE *fp = fopen(path, "rb");
    uint8_t b[64];
    size_t got = fread(b, 1, sizeof b, fp);
    fclose(fp);
    unlink(path);
    cr_assert_eq(got, 24u + 16u + 10u);
    uint32_t v[4];
    memcpy(v, b, 4);
    cr_assert_eq(v[0], 0xA1B23C4Du);
    memcpy(v, b + 20, 4);
    cr_assert_eq(v[0], 1u);
    memcpy(v, b + 24, 16);
    cr_assert_eq(v[0], 1500000000u);
    cr_assert_eq(v[1], 123456789u);
    cr_assert_eq(v[2], 10u);
    cr_assert_eq(v[3], 60u);

    /* IPv4 header checksum verifies to zero */
    nb_flow_t f = nb_flow_local(4, 1, 2);
    size_t r = nb_udp(NB_DLT_IPV4, &f, o, 10, rec, sizeof rec);
    cr_assert_eq(r, 38u);
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2) {
        sum += (uint32_t)rec[i] << 8 | rec[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    cr_assert_eq(sum, 0xFFFFu);
}
