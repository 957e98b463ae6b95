/* net.c: capture records -> UDP datagrams / TCP streams (802.1Q, RFC 791, 8200, 768, 9293). */
#include "dec/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- limits and constants ---- */

#define NET_FRAG_MAX 65535u                        /* largest reassembled IP payload */
#define NET_FRAG_BLOCKS ((NET_FRAG_MAX + 7u) / 8u) /* 8-octet blocks: 8192 */
#define NET_FRAG_MAP_WORDS ((NET_FRAG_BLOCKS + 63u) / 64u)
#define NET_TCP_RANGES 32u  /* disjoint held ranges per flow */
#define NET_MAX_VLAN_TAGS 4 /* stacked 802.1Q / 802.1ad tags accepted */
#define NET_MAX_V6_EXT 8    /* IPv6 extension headers walked */
#define NET_KEY_LEN 40u     /* flow key: version, src, dst, ports, padding */
#define NET_NONE UINT32_MAX

/* Ethertypes (IEEE 802.3 / IANA). */
#define ETH_IPV4 0x0800u
#define ETH_IPV6 0x86DDu
#define ETH_VLAN 0x8100u /* 802.1Q C-tag */
#define ETH_QINQ 0x88A8u /* 802.1ad S-tag */
#define ETH_QINQ_OLD 0x9100u

/* DLT_ values (pcap/dlt.h); DLT_RAW is 14 on OpenBSD, LINKTYPE_RAW 101 in files. */
#define DLT_NULL_ 0
#define DLT_EN10MB_ 1
#define DLT_RAW_ 12
#define DLT_RAW_OBSD_ 14
#define DLT_LINKTYPE_RAW_ 101
#define DLT_LOOP_ 108
#define DLT_LINUX_SLL_ 113
#define DLT_IPV4_ 228
#define DLT_IPV6_ 229
#define DLT_LINUX_SLL2_ 276

/* IP protocol numbers / IPv6 next headers (IANA). */
#define IPP_HOPOPT 0
#define IPP_TCP 6
#define IPP_UDP 17
#define IPP_ROUTING 43
#define IPP_FRAGMENT 44
#define IPP_AH 51
#define IPP_DSTOPTS 60

/* IPv4 flags/fragment offset word (RFC 791 3.1): bit 13 MF, low 13 bits offset in 8 octets. */
#define IPV4_MF 0x2000u
#define IPV4_OFF_MASK 0x1FFFu
/* IPv6 fragment header offset word (RFC 8200 4.5): offset in bits 15..3, M flag bit 0. */
#define IPV6_FRAG_OFF_MASK 0xFFF8u
#define IPV6_FRAG_M 0x0001u

/* TCP flags (RFC 9293 3.1). */
#define TCPF_FIN 0x01u
#define TCPF_SYN 0x02u
#define TCPF_RST 0x04u

/* ---- state ---- */

/* One IP datagram under reassembly. */
typedef struct {
    bool used;
    uint8_t ip_version;
    uint8_t proto;
    bool total_known; /* the last fragment (MF=0) has been seen */
    uint32_t id;
    uint8_t src[16], dst[16];
    int64_t first_ts;
    uint32_t total;       /* reassembled payload length when total_known */
    uint32_t max_end;     /* highest octet end received */
    uint32_t blocks_have; /* 8-octet blocks present */
    uint32_t records;     /* fragment records held */
    uint64_t map[NET_FRAG_MAP_WORDS];
    uint8_t *buf; /* NET_FRAG_MAX octets */
} net_frag_t;

typedef struct {
    uint32_t start, end; /* absolute sequence numbers [start, end) */
} net_range_t;

/* One direction of a TCP connection. */
typedef struct {
    bool used;
    bool started; /* FLOW_START already delivered */
    bool fin;     /* FIN seen at fin_seq */
    uint8_t key[NET_KEY_LEN];
    uint32_t next_seq;  /* next in-order octet */
    uint32_t start_seq; /* first octet of the flow (SYN + 1, or first seen when joined) */
    uint32_t fin_seq;
    uint32_t ring_base; /* ring offset of next_seq */
    uint32_t hnext;     /* hash chain */
    uint64_t gap_pending;
    uint32_t nranges;
    net_range_t ranges[NET_TCP_RANGES]; /* sorted, disjoint, non-adjacent, after next_seq */
} net_flow_t;

struct dec_net {
    dec_net_limits_t lim;
    dec_net_stats_t stats;
    /* fragments */
    net_frag_t *frags;
    uint8_t *frag_mem;
    uint32_t frag_live;
    int64_t frag_oldest_ts;
    /* TCP */
    net_flow_t *flows;
    uint8_t *tcp_mem; /* max_tcp_flows * tcp_window */
    uint32_t *buckets;
    uint32_t bucket_mask;
    uint32_t *free_stack;
    uint32_t free_top;
};

/* Per-record context passed down the layers. */
typedef struct {
    dec_net_sink_fn sink;
    void *ctx;
    int64_t ts;
    bool cut; /* caplen < wirelen: the capture cut this record */
} net_rec_t;

static const uint8_t net_empty[1];

/* ---- readers ---- */

static inline uint16_t rd16(const uint8_t *p) {
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t rd32le(const uint8_t *p) {
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Sequence-space comparison (RFC 9293 3.4): signed distance from b to a. */
static inline int32_t seq_diff(uint32_t a, uint32_t b) {
    return (int32_t)(a - b);
}

/* now - then > timeout, without signed overflow for any capture times */
static inline bool aged(int64_t now, int64_t then, int64_t timeout) {
    return now > then && (uint64_t)now - (uint64_t)then > (uint64_t)timeout;
}

/* ---- public: limits, creation ---- */

void dec_net_limits_default(dec_net_limits_t *lim) {
    lim->max_fragment_datagrams = 64;
    lim->fragment_timeout_ns = 30000000000LL;
    lim->max_tcp_flows = 64;
    lim->tcp_window = 1u << 20;
}

dec_net_t *dec_net_new(const dec_net_limits_t *lim, char *err, size_t errlen) {
    dec_net_limits_t l;
    if (lim != NULL) {
        l = *lim;
    } else {
        dec_net_limits_default(&l);
    }
    if (l.max_fragment_datagrams > 4096 || l.max_tcp_flows > (1u << 20) ||
        l.tcp_window > (1u << 30) || l.fragment_timeout_ns < 0) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen,
                     "net limits out of range (fragments <= 4096, flows <= 1048576, "
                     "tcp window <= 1 GiB, timeout >= 0)");
        }
        return NULL;
    }
    /* flows * window: both bounded above, product fits 2^50 */
    uint64_t tcp_bytes = (uint64_t)l.max_tcp_flows * l.tcp_window;
    if (tcp_bytes > SIZE_MAX / 2) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "net limits: TCP buffers too large");
        }
        return NULL;
    }
    dec_net_t *net = calloc(1, sizeof *net);
    if (net == NULL) {
        goto oom;
    }
    net->lim = l;
    uint32_t nb = 1;
    while (nb < 2u * l.max_tcp_flows) {
        nb <<= 1;
    }
    net->bucket_mask = nb - 1;
    net->frags =
        calloc(l.max_fragment_datagrams ? l.max_fragment_datagrams : 1, sizeof(net_frag_t));
    net->frag_mem =
        malloc((size_t)(l.max_fragment_datagrams ? l.max_fragment_datagrams : 1) * NET_FRAG_MAX);
    net->flows = calloc(l.max_tcp_flows ? l.max_tcp_flows : 1, sizeof(net_flow_t));
    net->tcp_mem = malloc(tcp_bytes ? (size_t)tcp_bytes : 1);
    net->buckets = malloc(nb * sizeof(uint32_t));
    net->free_stack = malloc((l.max_tcp_flows ? l.max_tcp_flows : 1) * sizeof(uint32_t));
    if (net->frags == NULL || net->frag_mem == NULL || net->flows == NULL || net->tcp_mem == NULL ||
        net->buckets == NULL || net->free_stack == NULL) {
        dec_net_destroy(&net);
        goto oom;
    }
    for (uint32_t i = 0; i < l.max_fragment_datagrams; i++) {
        net->frags[i].buf = net->frag_mem + (size_t)i * NET_FRAG_MAX;
    }
    for (uint32_t i = 0; i < nb; i++) {
        net->buckets[i] = NET_NONE;
    }
    /* pop order 0, 1, 2, ...: stack holds the highest index at the bottom */
    for (uint32_t i = 0; i < l.max_tcp_flows; i++) {
        net->free_stack[i] = l.max_tcp_flows - 1 - i;
    }
    net->free_top = l.max_tcp_flows;
    return net;
oom:
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "net: out of memory");
    }
    return NULL;
}

void dec_net_destroy(dec_net_t **net_p) {
    if (net_p == NULL || *net_p == NULL) {
        return;
    }
    dec_net_t *net = *net_p;
    free(net->frags);
    free(net->frag_mem);
    free(net->flows);
    free(net->tcp_mem);
    free(net->buckets);
    free(net->free_stack);
    free(net);
    *net_p = NULL;
}

const dec_net_stats_t *dec_net_stats(const dec_net_t *net) {
    return &net->stats;
}

const char *dec_net_status_str(dec_net_status_t st) {
    switch (st) {
    case DEC_NET_DELIVERED:
        return "delivered";
    case DEC_NET_HELD:
        return "held";
    case DEC_NET_NO_PAYLOAD:
        return "no_payload";
    case DEC_NET_DUPLICATE:
        return "duplicate";
    case DEC_NET_UNSUPPORTED_LINKTYPE:
        return "unsupported_linktype";
    case DEC_NET_TRUNCATED_LINK:
        return "truncated_link";
    case DEC_NET_NOT_IP:
        return "not_ip";
    case DEC_NET_TRUNCATED_IP:
        return "truncated_ip";
    case DEC_NET_BAD_IP_HEADER:
        return "bad_ip_header";
    case DEC_NET_SNAPLEN_TRUNCATED:
        return "snaplen_truncated";
    case DEC_NET_NOT_UDP_TCP:
        return "not_udp_tcp";
    case DEC_NET_TRUNCATED_UDP:
        return "truncated_udp";
    case DEC_NET_BAD_UDP_LENGTH:
        return "bad_udp_length";
    case DEC_NET_TRUNCATED_TCP:
        return "truncated_tcp";
    case DEC_NET_BAD_TCP_HEADER:
        return "bad_tcp_header";
    case DEC_NET_BAD_FRAGMENT:
        return "bad_fragment";
    case DEC_NET_FRAGMENT_TABLE_FULL:
        return "fragment_table_full";
    case DEC_NET_TCP_FLOW_TABLE_FULL:
        return "tcp_flow_table_full";
    case DEC_NET_STATUS_COUNT:
        break;
    }
    return "unknown";
}

/* ---- TCP streams ---- */

/* Key layout: [0] version, [1..16] src, [17..32] dst, [33..34] sport, [35..36] dport, zeros. */
static void flow_key(uint8_t key[NET_KEY_LEN], uint8_t ver, const uint8_t *src, const uint8_t *dst,
                     uint16_t sport, uint16_t dport) {
    memset(key, 0, NET_KEY_LEN);
    size_t alen = ver == 4 ? 4 : 16;
    key[0] = ver;
    memcpy(key + 1, src, alen);
    memcpy(key + 17, dst, alen);
    key[33] = (uint8_t)(sport >> 8);
    key[34] = (uint8_t)sport;
    key[35] = (uint8_t)(dport >> 8);
    key[36] = (uint8_t)dport;
}

static uint32_t flow_hash(const uint8_t key[NET_KEY_LEN]) {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < NET_KEY_LEN; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    return (uint32_t)(h ^ (h >> 32));
}

static uint32_t flow_find(const dec_net_t *net, const uint8_t key[NET_KEY_LEN], uint32_t h) {
    uint32_t i = net->buckets[h & net->bucket_mask];
    /* chain length bounded by max_tcp_flows: each slot is in at most one chain */
    for (uint32_t n = 0; i != NET_NONE && n < net->lim.max_tcp_flows; n++) {
        if (memcmp(net->flows[i].key, key, NET_KEY_LEN) == 0) {
            return i;
        }
        i = net->flows[i].hnext;
    }
    return NET_NONE;
}

static uint32_t flow_create(dec_net_t *net, const uint8_t key[NET_KEY_LEN], uint32_t h,
                            uint32_t next_seq) {
    if (net->free_top == 0) {
        return NET_NONE;
    }
    uint32_t i = net->free_stack[--net->free_top];
    net_flow_t *f = &net->flows[i];
    memcpy(f->key, key, NET_KEY_LEN);
    f->used = true;
    f->started = false;
    f->fin = false;
    f->fin_seq = 0;
    f->next_seq = next_seq;
    f->start_seq = next_seq;
    f->ring_base = 0;
    f->gap_pending = 0;
    f->nranges = 0;
    uint32_t b = h & net->bucket_mask;
    f->hnext = net->buckets[b];
    net->buckets[b] = i;
    net->stats.tcp_flows++;
    return i;
}

static void flow_free(dec_net_t *net, uint32_t i) {
    net_flow_t *f = &net->flows[i];
    uint32_t *pp = &net->buckets[flow_hash(f->key) & net->bucket_mask];
    for (uint32_t n = 0; *pp != NET_NONE && n < net->lim.max_tcp_flows; n++) {
        if (*pp == i) {
            *pp = f->hnext;
            break;
        }
        pp = &net->flows[*pp].hnext;
    }
    f->used = false;
    net->free_stack[net->free_top++] = i;
}

/* Deliver in-order bytes of flow i (advancing next_seq and the ring by len). */
static void flow_emit(dec_net_t *net, uint32_t i, const uint8_t *data, size_t len, uint32_t flags,
                      const net_rec_t *rec) {
    net_flow_t *f = &net->flows[i];
    dec_net_chunk_t c;
    c.proto = DEC_NET_TCP;
    c.flags = flags;
    if (!f->started) {
        c.flags |= DEC_NET_F_FLOW_START;
        f->started = true;
    }
    c.gap_bytes = 0;
    if (f->gap_pending != 0) {
        c.flags |= DEC_NET_F_GAP;
        c.gap_bytes = f->gap_pending;
        f->gap_pending = 0;
    }
    c.flow = i;
    c.ip_version = f->key[0];
    memcpy(c.src, f->key + 1, 16);
    memcpy(c.dst, f->key + 17, 16);
    c.sport = rd16(f->key + 33);
    c.dport = rd16(f->key + 35);
    c.data = data;
    c.len = len;
    net->stats.tcp_bytes += len;
    if (len > 0) {
        f->next_seq += (uint32_t)len;
        if (net->lim.tcp_window > 0) {
            f->ring_base = (uint32_t)(((uint64_t)f->ring_base + len) % net->lim.tcp_window);
        }
    }
    rec->sink(rec->ctx, &c);
}

/* Skip n octets never received: counted as one hole, flagged on the next chunk. */
static void flow_skip(dec_net_t *net, net_flow_t *f, uint32_t n) {
    if (n == 0) {
        return;
    }
    net->stats.tcp_holes++;
    net->stats.tcp_hole_bytes += n;
    f->gap_pending += n;
    f->next_seq += n;
    if (net->lim.tcp_window > 0) {
        f->ring_base = (uint32_t)(((uint64_t)f->ring_base + n) % net->lim.tcp_window);
    }
}

/* Deliver the first held range (skipping the hole before it, if any). */
static void flow_release_first(dec_net_t *net, uint32_t i, const net_rec_t *rec) {
    net_flow_t *f = &net->flows[i];
    net_range_t r = f->ranges[0];
    f->nranges--;
    memmove(f->ranges, f->ranges + 1, f->nranges * sizeof(net_range_t));
    if (seq_diff(r.start, f->next_seq) > 0) {
        flow_skip(net, f, r.start - f->next_seq);
    }
    if (seq_diff(r.end, f->next_seq) <= 0) {
        return; /* already covered by in-order data */
    }
    uint32_t len = r.end - f->next_seq;
    uint32_t w = net->lim.tcp_window;
    const uint8_t *ring = net->tcp_mem + (size_t)i * w;
    uint32_t first = w - f->ring_base;
    if (len <= first) {
        flow_emit(net, i, ring + f->ring_base, len, 0, rec);
    } else {
        flow_emit(net, i, ring + f->ring_base, first, 0, rec);
        flow_emit(net, i, ring, len - first, 0, rec); /* ring_base is 0 now */
    }
}

/* Drop held ranges now behind next_seq (counted as retransmitted) and deliver the ones that
 * start at next_seq. */
static void flow_release_contiguous(dec_net_t *net, uint32_t i, const net_rec_t *rec) {
    net_flow_t *f = &net->flows[i];
    for (uint32_t n = 0; f->nranges > 0 && n <= NET_TCP_RANGES; n++) {
        net_range_t *r = &f->ranges[0];
        if (seq_diff(r->start, f->next_seq) > 0) {
            break;
        }
        if (seq_diff(r->end, f->next_seq) <= 0) {
            net->stats.tcp_retransmitted_bytes += r->end - r->start;
        } else {
            net->stats.tcp_retransmitted_bytes += f->next_seq - r->start;
        }
        flow_release_first(net, i, rec);
    }
}

/* Give up on everything before `target`: release held ranges starting before it (holes
 * skipped and counted), then skip to target if still short of it. */
static void flow_skip_to(dec_net_t *net, uint32_t i, uint32_t target, const net_rec_t *rec) {
    net_flow_t *f = &net->flows[i];
    for (uint32_t n = 0; f->nranges > 0 && n <= NET_TCP_RANGES; n++) {
        if (seq_diff(f->ranges[0].start, target) >= 0) {
            break;
        }
        flow_release_first(net, i, rec);
    }
    if (seq_diff(target, f->next_seq) > 0) {
        flow_skip(net, f, target - f->next_seq);
    }
    flow_release_contiguous(net, i, rec);
}

/* End flow i: release what is held past its holes, FLOW_END, free the slot. */
static void flow_end(dec_net_t *net, uint32_t i, const net_rec_t *rec) {
    net_flow_t *f = &net->flows[i];
    for (uint32_t n = 0; f->nranges > 0 && n <= NET_TCP_RANGES; n++) {
        flow_release_first(net, i, rec);
    }
    if (f->started) {
        flow_emit(net, i, net_empty, 0, DEC_NET_F_FLOW_END, rec);
    }
    flow_free(net, i);
}

/* Copy [s, s+n) into the ring of flow i and merge it into the held ranges. Requires
 * next_seq < s, s - next_seq + n <= window, and room for one more range. Returns the number
 * of octets not held before. */
static uint32_t flow_store(dec_net_t *net, uint32_t i, uint32_t s, const uint8_t *p, uint32_t n) {
    net_flow_t *f = &net->flows[i];
    uint32_t w = net->lim.tcp_window;
    uint8_t *ring = net->tcp_mem + (size_t)i * w;
    uint32_t rel = s - f->next_seq;
    uint32_t pos = (uint32_t)(((uint64_t)f->ring_base + rel) % w);
    uint32_t first = w - pos;
    if (n <= first) {
        memcpy(ring + pos, p, n);
    } else {
        memcpy(ring + pos, p, first);
        memcpy(ring, p + first, n - first);
    }
    /* merge: relative offsets keep the order monotonic within the window */
    uint32_t a = rel, b = rel + n;
    uint32_t overlap = 0;
    net_range_t out[NET_TCP_RANGES + 1];
    uint32_t k = 0;
    bool placed = false;
    for (uint32_t j = 0; j < f->nranges; j++) {
        uint32_t ra = f->ranges[j].start - f->next_seq;
        uint32_t rb = f->ranges[j].end - f->next_seq;
        if (rb < a) {
            out[k++] = f->ranges[j];
        } else if (ra > b) {
            if (!placed) {
                out[k].start = f->next_seq + a;
                out[k].end = f->next_seq + b;
                k++;
                placed = true;
            }
            out[k++] = f->ranges[j];
        } else {
            /* touching or overlapping: count the common octets, widen */
            uint32_t lo = ra > rel ? ra : rel;
            uint32_t hi = rb < rel + n ? rb : rel + n;
            if (hi > lo) {
                overlap += hi - lo;
            }
            if (ra < a) {
                a = ra;
            }
            if (rb > b) {
                b = rb;
            }
        }
    }
    if (!placed) {
        out[k].start = f->next_seq + a;
        out[k].end = f->next_seq + b;
        k++;
    }
    memcpy(f->ranges, out, k * sizeof(net_range_t));
    f->nranges = k;
    return n - overlap;
}

/* Would [s, s+n) merge with a held range (so it needs no new slot)? */
static bool flow_merges(const net_flow_t *f, uint32_t s, uint32_t n) {
    uint32_t a = s - f->next_seq, b = a + n;
    for (uint32_t j = 0; j < f->nranges; j++) {
        uint32_t ra = f->ranges[j].start - f->next_seq;
        uint32_t rb = f->ranges[j].end - f->next_seq;
        if (!(rb < a || ra > b)) {
            return true;
        }
    }
    return false;
}

static dec_net_status_t tcp_input(dec_net_t *net, uint8_t ver, const uint8_t *src,
                                  const uint8_t *dst, const uint8_t *buf, size_t len,
                                  const net_rec_t *rec) {
    if (len < 20) {
        return DEC_NET_TRUNCATED_TCP;
    }
    size_t doff = (size_t)(buf[12] >> 4) * 4;
    if (doff < 20) {
        return DEC_NET_BAD_TCP_HEADER;
    }
    if (len < doff) {
        return DEC_NET_TRUNCATED_TCP;
    }
    uint16_t sport = rd16(buf), dport = rd16(buf + 2);
    uint32_t seq = rd32(buf + 4);
    uint8_t fl = buf[13];
    const uint8_t *p = buf + doff;
    /* an IP payload is at most 65535 octets, so n fits 32 bits */
    uint32_t n = (uint32_t)(len - doff);
    if (fl & TCPF_SYN) {
        seq += 1; /* the SYN occupies one sequence number */
    }
    uint32_t fin_seq = seq + n;

    uint8_t key[NET_KEY_LEN];
    flow_key(key, ver, src, dst, sport, dport);
    uint32_t h = flow_hash(key);
    uint32_t i = flow_find(net, key, h);
    if (i != NET_NONE && (fl & TCPF_SYN) && net->flows[i].start_seq != seq) {
        /* a new connection on the same ports (not a retransmitted SYN): end the old one */
        flow_end(net, i, rec);
        i = NET_NONE;
    }
    if (i == NET_NONE) {
        if (n == 0 && !(fl & TCPF_SYN)) {
            return DEC_NET_NO_PAYLOAD; /* ACK/FIN/RST of an unknown flow: nothing to track */
        }
        if ((fl & TCPF_RST) && n == 0) {
            return DEC_NET_NO_PAYLOAD;
        }
        i = flow_create(net, key, h, seq); /* mid-stream join: first seen seq is the start */
        if (i == NET_NONE) {
            return DEC_NET_TCP_FLOW_TABLE_FULL;
        }
    }
    net_flow_t *f = &net->flows[i];
    if (fl & TCPF_FIN) {
        f->fin = true;
        f->fin_seq = fin_seq;
    }

    dec_net_status_t st = n == 0 ? DEC_NET_NO_PAYLOAD : DEC_NET_DUPLICATE;
    /* at most: trim, make room (skip), deliver or store; the skip guarantees progress */
    for (int round = 0; round < 3 && n > 0; round++) {
        int32_t d = seq_diff(seq, f->next_seq);
        if (d < 0) {
            uint32_t old = (uint32_t)(-(int64_t)d);
            if (old >= n) {
                net->stats.tcp_retransmitted_bytes += n;
                n = 0;
                break;
            }
            net->stats.tcp_retransmitted_bytes += old;
            p += old;
            n -= old;
            seq += old;
            d = 0;
        }
        if (d == 0) {
            net->stats.tcp_segments++;
            flow_emit(net, i, p, n, 0, rec);
            n = 0;
            flow_release_contiguous(net, i, rec);
            st = DEC_NET_DELIVERED;
            break;
        }
        uint32_t rel = (uint32_t)d;
        uint64_t w = net->lim.tcp_window;
        if ((uint64_t)rel + n > w) {
            /* window full: give up the oldest missing octets so this segment fits */
            uint32_t target = n >= w ? seq : seq + n - (uint32_t)w;
            flow_skip_to(net, i, target, rec);
            continue;
        }
        if (f->nranges == NET_TCP_RANGES && !flow_merges(f, seq, n)) {
            /* no range slot left: give up the hole before the earliest held data */
            uint32_t target = seq_diff(seq, f->ranges[0].start) < 0 ? seq : f->ranges[0].end;
            flow_skip_to(net, i, target, rec);
            continue;
        }
        uint32_t fresh = flow_store(net, i, seq, p, n);
        net->stats.tcp_retransmitted_bytes += n - fresh;
        if (fresh > 0) {
            net->stats.tcp_segments++;
            st = DEC_NET_HELD;
        }
        n = 0;
        break;
    }
    if ((fl & TCPF_RST) || (f->fin && seq_diff(f->next_seq, f->fin_seq) >= 0)) {
        flow_end(net, i, rec);
    }
    return st;
}

/* ---- UDP ---- */

static dec_net_status_t udp_input(dec_net_t *net, uint8_t ver, const uint8_t *src,
                                  const uint8_t *dst, const uint8_t *buf, size_t len,
                                  const net_rec_t *rec) {
    if (len < 8) {
        return DEC_NET_TRUNCATED_UDP;
    }
    size_t ulen = rd16(buf + 4);
    if (ulen < 8 || ulen > len) {
        return DEC_NET_BAD_UDP_LENGTH;
    }
    dec_net_chunk_t c;
    c.proto = DEC_NET_UDP;
    c.flags = 0;
    c.flow = 0;
    c.ip_version = ver;
    if (ver == 4) {
        memset(c.src, 0, sizeof c.src);
        memset(c.dst, 0, sizeof c.dst);
        memcpy(c.src, src, 4);
        memcpy(c.dst, dst, 4);
    } else {
        memcpy(c.src, src, 16);
        memcpy(c.dst, dst, 16);
    }
    c.sport = rd16(buf);
    c.dport = rd16(buf + 2);
    c.gap_bytes = 0;
    c.data = buf + 8;
    c.len = ulen - 8;
    net->stats.udp_datagrams++;
    net->stats.udp_bytes += c.len;
    rec->sink(rec->ctx, &c);
    return DEC_NET_DELIVERED;
}

static dec_net_status_t ipv6_walk(dec_net_t *net, const uint8_t *src, const uint8_t *dst,
                                  uint8_t nh, const uint8_t *buf, size_t len, bool allow_frag,
                                  const net_rec_t *rec);

/* Transport of a complete IP payload (also of a reassembled datagram). */
static dec_net_status_t transport(dec_net_t *net, uint8_t ver, const uint8_t *src,
                                  const uint8_t *dst, uint8_t proto, const uint8_t *buf, size_t len,
                                  const net_rec_t *rec) {
    if (proto == IPP_UDP) {
        return udp_input(net, ver, src, dst, buf, len, rec);
    }
    if (proto == IPP_TCP) {
        return tcp_input(net, ver, src, dst, buf, len, rec);
    }
    if (ver == 6) {
        /* a reassembled IPv6 payload may start with destination options */
        return ipv6_walk(net, src, dst, proto, buf, len, false, rec);
    }
    return DEC_NET_NOT_UDP_TCP;
}

/* ---- fragments ---- */

static void frag_drop(dec_net_t *net, net_frag_t *fr) {
    net->stats.fragments_expired++;
    net->stats.fragments_expired_records += fr->records;
    fr->used = false;
    net->frag_live--;
}

/* Expire every datagram older than the timeout at capture time now; recompute the oldest. */
static void frag_expire(dec_net_t *net, int64_t now) {
    int64_t oldest = INT64_MAX;
    for (uint32_t k = 0; k < net->lim.max_fragment_datagrams; k++) {
        net_frag_t *fr = &net->frags[k];
        if (!fr->used) {
            continue;
        }
        if (aged(now, fr->first_ts, net->lim.fragment_timeout_ns)) {
            frag_drop(net, fr);
        } else if (fr->first_ts < oldest) {
            oldest = fr->first_ts;
        }
    }
    net->frag_oldest_ts = oldest;
}

static inline bool map_get(const uint64_t *m, uint32_t b) {
    return (m[b >> 6] >> (b & 63)) & 1u;
}

/* One fragment: data [off, off+n) of the datagram keyed (ver, src, dst, id, proto). */
static dec_net_status_t frag_input(dec_net_t *net, uint8_t ver, const uint8_t *src,
                                   const uint8_t *dst, uint32_t id, uint8_t proto, uint32_t off,
                                   bool more, const uint8_t *p, size_t n, const net_rec_t *rec) {
    size_t alen = ver == 4 ? 4 : 16;
    /* off < 65536 (13-bit or 16-bit field * 8 rounded), n <= 65535: the sum fits */
    if ((size_t)off + n > NET_FRAG_MAX || (more && (n == 0 || n % 8 != 0))) {
        return DEC_NET_BAD_FRAGMENT;
    }
    uint32_t end = off + (uint32_t)n;
    net_frag_t *fr = NULL;
    net_frag_t *free_slot = NULL;
    for (uint32_t k = 0; k < net->lim.max_fragment_datagrams; k++) {
        net_frag_t *c = &net->frags[k];
        if (!c->used) {
            if (free_slot == NULL) {
                free_slot = c;
            }
            continue;
        }
        if (c->id == id && c->proto == proto && c->ip_version == ver &&
            memcmp(c->src, src, alen) == 0 && memcmp(c->dst, dst, alen) == 0) {
            fr = c;
            break;
        }
    }
    if (fr == NULL) {
        if (free_slot == NULL) {
            return DEC_NET_FRAGMENT_TABLE_FULL;
        }
        fr = free_slot;
        fr->used = true;
        fr->ip_version = ver;
        fr->proto = proto;
        fr->id = id;
        memset(fr->src, 0, sizeof fr->src);
        memset(fr->dst, 0, sizeof fr->dst);
        memcpy(fr->src, src, alen);
        memcpy(fr->dst, dst, alen);
        fr->first_ts = rec->ts;
        fr->total_known = false;
        fr->total = 0;
        fr->max_end = 0;
        fr->blocks_have = 0;
        fr->records = 0;
        memset(fr->map, 0, sizeof fr->map);
        if (net->frag_live == 0 || rec->ts < net->frag_oldest_ts) {
            net->frag_oldest_ts = rec->ts;
        }
        net->frag_live++;
    }
    /* consistency with what is known of the end */
    bool bad = false;
    if (!more) {
        bad = (fr->total_known && fr->total != end) || fr->max_end > end;
    } else {
        bad = fr->total_known && end > fr->total;
    }
    /* octets already present must match (RFC 5722 forbids overlaps for IPv6; identical
     * duplicates are tolerated) */
    uint32_t b0 = off / 8, b1 = (end + 7) / 8;
    for (uint32_t b = b0; !bad && b < b1; b++) {
        if (map_get(fr->map, b)) {
            uint32_t lo = b * 8;
            uint32_t hi = lo + 8 < end ? lo + 8 : end;
            if (fr->total_known && hi > fr->total) {
                hi = fr->total;
            }
            if (hi > lo && memcmp(fr->buf + lo, p + (lo - off), hi - lo) != 0) {
                bad = true;
            }
        }
    }
    if (bad) {
        frag_drop(net, fr);
        return DEC_NET_BAD_FRAGMENT;
    }
    if (n > 0) {
        memcpy(fr->buf + off, p, n);
    }
    for (uint32_t b = b0; b < b1; b++) {
        if (!map_get(fr->map, b)) {
            fr->map[b >> 6] |= (uint64_t)1 << (b & 63);
            fr->blocks_have++;
        }
    }
    if (end > fr->max_end) {
        fr->max_end = end;
    }
    if (!more) {
        fr->total_known = true;
        fr->total = end;
    }
    if (!(fr->total_known && fr->blocks_have == (fr->total + 7) / 8)) {
        fr->records++;
        net->stats.fragments++;
        return DEC_NET_HELD;
    }
    /* complete: this record delivers the datagram */
    net->stats.fragments_completed++;
    dec_net_status_t st = transport(net, ver, fr->src, fr->dst, fr->proto, fr->buf, fr->total, rec);
    fr->used = false;
    net->frag_live--;
    return st;
}

/* ---- IP ---- */

/* Walk IPv6 extension headers from next header nh over buf[0..len) to UDP/TCP. */
static dec_net_status_t ipv6_walk(dec_net_t *net, const uint8_t *src, const uint8_t *dst,
                                  uint8_t nh, const uint8_t *buf, size_t len, bool allow_frag,
                                  const net_rec_t *rec) {
    size_t off = 0;
    for (int k = 0; k < NET_MAX_V6_EXT; k++) {
        if (nh == IPP_UDP || nh == IPP_TCP) {
            return transport(net, 6, src, dst, nh, buf + off, len - off, rec);
        }
        size_t hl;
        if (nh == IPP_HOPOPT || nh == IPP_ROUTING || nh == IPP_DSTOPTS) {
            if (len - off < 8) {
                return DEC_NET_BAD_IP_HEADER;
            }
            hl = ((size_t)buf[off + 1] + 1) * 8;
        } else if (nh == IPP_AH) {
            if (len - off < 8) {
                return DEC_NET_BAD_IP_HEADER;
            }
            hl = ((size_t)buf[off + 1] + 2) * 4;
        } else if (nh == IPP_FRAGMENT) {
            if (!allow_frag) {
                return DEC_NET_BAD_FRAGMENT; /* a fragment inside a reassembled datagram */
            }
            if (len - off < 8) {
                return DEC_NET_BAD_IP_HEADER;
            }
            const uint8_t *fh = buf + off;
            uint16_t ow = rd16(fh + 2);
            uint32_t foff = ow & IPV6_FRAG_OFF_MASK; /* already octets: offset << 3 */
            bool more = (ow & IPV6_FRAG_M) != 0;
            const uint8_t *data = fh + 8;
            size_t dn = len - off - 8;
            if (foff == 0 && !more) {
                /* atomic fragment (RFC 6946): process in place */
                nh = fh[0];
                off += 8;
                allow_frag = false;
                continue;
            }
            return frag_input(net, 6, src, dst, rd32(fh + 4), fh[0], foff, more, data, dn, rec);
        } else {
            return DEC_NET_NOT_UDP_TCP;
        }
        if (len - off < hl) {
            return DEC_NET_BAD_IP_HEADER;
        }
        nh = buf[off];
        off += hl;
    }
    return DEC_NET_NOT_UDP_TCP;
}

static dec_net_status_t ipv4_input(dec_net_t *net, const uint8_t *buf, size_t len,
                                   const net_rec_t *rec) {
    if (len < 1) {
        return rec->cut ? DEC_NET_SNAPLEN_TRUNCATED : DEC_NET_TRUNCATED_IP;
    }
    if ((buf[0] >> 4) != 4) {
        return DEC_NET_BAD_IP_HEADER;
    }
    if (len < 20) {
        return rec->cut ? DEC_NET_SNAPLEN_TRUNCATED : DEC_NET_TRUNCATED_IP;
    }
    size_t hl = (size_t)(buf[0] & 0x0F) * 4;
    if (hl < 20) {
        return DEC_NET_BAD_IP_HEADER;
    }
    size_t total = rd16(buf + 2);
    if (total < hl) {
        return DEC_NET_BAD_IP_HEADER;
    }
    if (total > len) {
        return rec->cut ? DEC_NET_SNAPLEN_TRUNCATED : DEC_NET_TRUNCATED_IP;
    }
    /* total <= len: anything after it is link padding (Ethernet minimum frame) or trailer */
    uint16_t fw = rd16(buf + 6);
    uint8_t proto = buf[9];
    if ((fw & (IPV4_MF | IPV4_OFF_MASK)) != 0) {
        if (proto != IPP_UDP && proto != IPP_TCP) {
            return DEC_NET_NOT_UDP_TCP;
        }
        return frag_input(net, 4, buf + 12, buf + 16, rd16(buf + 4), proto,
                          (uint32_t)(fw & IPV4_OFF_MASK) * 8, (fw & IPV4_MF) != 0, buf + hl,
                          total - hl, rec);
    }
    if (proto == IPP_UDP) {
        return udp_input(net, 4, buf + 12, buf + 16, buf + hl, total - hl, rec);
    }
    if (proto == IPP_TCP) {
        return tcp_input(net, 4, buf + 12, buf + 16, buf + hl, total - hl, rec);
    }
    return DEC_NET_NOT_UDP_TCP;
}

static dec_net_status_t ipv6_input(dec_net_t *net, const uint8_t *buf, size_t len,
                                   const net_rec_t *rec) {
    if (len < 1) {
        return rec->cut ? DEC_NET_SNAPLEN_TRUNCATED : DEC_NET_TRUNCATED_IP;
    }
    if ((buf[0] >> 4) != 6) {
        return DEC_NET_BAD_IP_HEADER;
    }
    if (len < 40) {
        return rec->cut ? DEC_NET_SNAPLEN_TRUNCATED : DEC_NET_TRUNCATED_IP;
    }
    size_t plen = rd16(buf + 4);
    if (plen > len - 40) {
        return rec->cut ? DEC_NET_SNAPLEN_TRUNCATED : DEC_NET_TRUNCATED_IP;
    }
    return ipv6_walk(net, buf + 8, buf + 24, buf[6], buf + 40, plen, true, rec);
}

static dec_net_status_t ip_by_ethertype(dec_net_t *net, uint16_t et, const uint8_t *buf, size_t len,
                                        const net_rec_t *rec) {
    if (et == ETH_IPV4) {
        return ipv4_input(net, buf, len, rec);
    }
    if (et == ETH_IPV6) {
        return ipv6_input(net, buf, len, rec);
    }
    return DEC_NET_NOT_IP;
}

/* Ethertype at buf[off..off+2) possibly followed by VLAN tags; then IP. */
static dec_net_status_t ether_payload(dec_net_t *net, const uint8_t *buf, size_t len, size_t off,
                                      const net_rec_t *rec) {
    uint16_t et = rd16(buf + off - 2);
    for (int k = 0; k < NET_MAX_VLAN_TAGS; k++) {
        if (et != ETH_VLAN && et != ETH_QINQ && et != ETH_QINQ_OLD) {
            break;
        }
        /* tag: TCI (2) then the inner ethertype (2) */
        if (len - off < 4) {
            return DEC_NET_TRUNCATED_LINK;
        }
        et = rd16(buf + off + 2);
        off += 4;
    }
    return ip_by_ethertype(net, et, buf + off, len - off, rec);
}

/* BSD address family of DLT_NULL / DLT_LOOP to an IP version (0: not IP). AF_INET6 is 24
 * (NetBSD, OpenBSD), 28 (FreeBSD, DragonFly), 30 (macOS), 10 (Linux). */
static int bsd_family(uint32_t af) {
    if (af == 2) {
        return 4;
    }
    if (af == 24 || af == 28 || af == 30 || af == 10) {
        return 6;
    }
    return 0;
}

static dec_net_status_t ip_by_family(dec_net_t *net, uint32_t af, const uint8_t *buf, size_t len,
                                     const net_rec_t *rec) {
    int v = bsd_family(af);
    if (v == 4) {
        return ipv4_input(net, buf, len, rec);
    }
    if (v == 6) {
        return ipv6_input(net, buf, len, rec);
    }
    return DEC_NET_NOT_IP;
}

static dec_net_status_t link_walk(dec_net_t *net, int linktype, const uint8_t *buf, size_t len,
                                  const net_rec_t *rec) {
    switch (linktype) {
    case DLT_EN10MB_:
        if (len < 14) {
            return DEC_NET_TRUNCATED_LINK;
        }
        return ether_payload(net, buf, len, 14, rec);
    case DLT_LINUX_SLL_:
        /* packet type, ARPHRD, address length, address (8), protocol */
        if (len < 16) {
            return DEC_NET_TRUNCATED_LINK;
        }
        return ether_payload(net, buf, len, 16, rec);
    case DLT_LINUX_SLL2_: {
        /* protocol, reserved, ifindex, ARPHRD, packet type, address length, address (8) */
        if (len < 20) {
            return DEC_NET_TRUNCATED_LINK;
        }
        uint16_t et = rd16(buf);
        if (et == ETH_VLAN || et == ETH_QINQ || et == ETH_QINQ_OLD) {
            /* tags follow the SLL2 header; the walk reads the type at off - 2 */
            if (len - 20 < 4) {
                return DEC_NET_TRUNCATED_LINK;
            }
            return ether_payload(net, buf, len, 24, rec);
        }
        return ip_by_ethertype(net, et, buf + 20, len - 20, rec);
    }
    case DLT_RAW_:
    case DLT_RAW_OBSD_:
    case DLT_LINKTYPE_RAW_:
        if (len < 1) {
            return DEC_NET_TRUNCATED_IP;
        }
        if ((buf[0] >> 4) == 4) {
            return ipv4_input(net, buf, len, rec);
        }
        if ((buf[0] >> 4) == 6) {
            return ipv6_input(net, buf, len, rec);
        }
        return DEC_NET_BAD_IP_HEADER;
    case DLT_IPV4_:
        return ipv4_input(net, buf, len, rec);
    case DLT_IPV6_:
        return ipv6_input(net, buf, len, rec);
    case DLT_NULL_: {
        if (len < 4) {
            return DEC_NET_TRUNCATED_LINK;
        }
        /* host byte order of the capturing machine, not ours: families are small, so the
         * byte order that gives a value below 256 is the right one */
        uint32_t af = rd32le(buf);
        if (af > 0xFF) {
            af = rd32(buf);
        }
        return ip_by_family(net, af, buf + 4, len - 4, rec);
    }
    case DLT_LOOP_:
        if (len < 4) {
            return DEC_NET_TRUNCATED_LINK;
        }
        return ip_by_family(net, rd32(buf), buf + 4, len - 4, rec);
    default:
        return DEC_NET_UNSUPPORTED_LINKTYPE;
    }
}

dec_net_status_t dec_net_input(dec_net_t *net, int linktype, const uint8_t *buf, size_t caplen,
                               size_t wirelen, int64_t ts_ns, dec_net_sink_fn sink, void *ctx) {
    net_rec_t rec = {sink, ctx, ts_ns, caplen < wirelen};
    net->stats.records++;
    if (net->frag_live != 0 && aged(ts_ns, net->frag_oldest_ts, net->lim.fragment_timeout_ns)) {
        frag_expire(net, ts_ns);
    }
    dec_net_status_t st = link_walk(net, linktype, buf, caplen, &rec);
    net->stats.by_status[st]++;
    return st;
}

void dec_net_flush(dec_net_t *net, dec_net_sink_fn sink, void *ctx) {
    net_rec_t rec = {sink, ctx, 0, false};
    for (uint32_t k = 0; k < net->lim.max_fragment_datagrams; k++) {
        if (net->frags[k].used) {
            frag_drop(net, &net->frags[k]);
        }
    }
    for (uint32_t i = 0; i < net->lim.max_tcp_flows; i++) {
        if (net->flows[i].used) {
            flow_end(net, i, &rec);
        }
    }
}
