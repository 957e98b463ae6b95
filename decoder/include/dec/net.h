/* dec/net.h: capture records -> UDP datagrams and in-order TCP stream bytes.
 * Link layers: Ethernet II (802.1Q / 802.1ad tags), Linux cooked SLL and SLL2, raw IPv4/IPv6,
 * BSD loopback (NULL and LOOP). IPv4 (and IPv6) fragments reassembled; TCP payload
 * reassembled per flow in sequence order, holes counted. */
#ifndef DEC_NET_H
#define DEC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Outcome of one capture record. Every record ends in exactly one of these. */
typedef enum {
    DEC_NET_DELIVERED = 0, /* payload handed to the sink (maybe with reassembled data) */
    DEC_NET_HELD,          /* kept for reassembly (fragment, out-of-order TCP segment) */
    DEC_NET_NO_PAYLOAD,    /* TCP segment without payload (SYN, ACK, FIN): not a reject */
    DEC_NET_DUPLICATE,     /* TCP retransmission of bytes already delivered */
    /* rejects, one per reason: */
    DEC_NET_UNSUPPORTED_LINKTYPE, /* the capture's link type is none of the above */
    DEC_NET_TRUNCATED_LINK,       /* record shorter than its link-layer header */
    DEC_NET_NOT_IP,               /* ethertype/family not IPv4 or IPv6 (ARP, LLDP, ...) */
    DEC_NET_TRUNCATED_IP,         /* record shorter than the IP header or its total length */
    DEC_NET_BAD_IP_HEADER,        /* version, IHL or total length inconsistent */
    DEC_NET_SNAPLEN_TRUNCATED,    /* capture cut the record (caplen < wire length) inside data */
    DEC_NET_NOT_UDP_TCP,          /* ICMP, SCTP, unknown IPv6 extension, ... */
    DEC_NET_TRUNCATED_UDP,        /* fewer than 8 octets of UDP header */
    DEC_NET_BAD_UDP_LENGTH,       /* UDP length < 8 or beyond the IP payload */
    DEC_NET_TRUNCATED_TCP,        /* fewer octets than the TCP header (data offset) */
    DEC_NET_BAD_TCP_HEADER,       /* data offset < 5 */
    DEC_NET_BAD_FRAGMENT,         /* fragment overlapping inconsistently or beyond 65535 */
    DEC_NET_FRAGMENT_TABLE_FULL,  /* too many datagrams under reassembly: this one dropped */
    DEC_NET_TCP_FLOW_TABLE_FULL,  /* too many TCP flows: segment dropped */
    DEC_NET_STATUS_COUNT
} dec_net_status_t;

/* The first reject reason; statuses below it are not rejects. */
#define DEC_NET_FIRST_REJECT DEC_NET_UNSUPPORTED_LINKTYPE

typedef enum { DEC_NET_UDP = 17, DEC_NET_TCP = 6 } dec_net_proto_t;

/* Flags of a delivered chunk. */
#define DEC_NET_F_FLOW_START 0x1u /* first bytes of a (new) TCP flow in this slot: reset state */
#define DEC_NET_F_GAP 0x2u        /* TCP bytes lost just before this chunk (hole skipped) */
#define DEC_NET_F_FLOW_END 0x4u   /* TCP flow finished (FIN/RST or flush); data may be empty */

/* One delivery to the sink: a whole UDP datagram, or the next in-order bytes of a TCP flow. */
typedef struct {
    dec_net_proto_t proto;
    uint32_t flags;     /* DEC_NET_F_* */
    uint32_t flow;      /* TCP: flow slot, 0..max_tcp_flows-1, stable while the flow lives */
    uint8_t ip_version; /* 4 or 6 */
    uint8_t src[16];    /* IPv4 in the first 4 octets */
    uint8_t dst[16];
    uint16_t sport, dport;
    uint64_t gap_bytes;  /* with DEC_NET_F_GAP: octets known to be missing (0 if unknown) */
    const uint8_t *data; /* valid only during the sink call */
    size_t len;
} dec_net_chunk_t;

typedef void (*dec_net_sink_fn)(void *ctx, const dec_net_chunk_t *chunk);

/* Limits, fixed at creation; all memory is allocated then (no allocation per record). */
typedef struct {
    uint32_t max_fragment_datagrams; /* datagrams under reassembly at once (default 64) */
    int64_t fragment_timeout_ns;     /* capture-time age after which a partial datagram expires
                                        (default 30 s) */
    uint32_t max_tcp_flows;          /* default 64 */
    uint32_t tcp_window;             /* octets of out-of-order data held per flow (default 1 MiB);
                                        past it the hole is skipped and counted */
} dec_net_limits_t;

/* Counters. records = delivered + held + no_payload + duplicate + sum(rejected); what is held
 * ends later as fragments_completed / fragments_expired (datagrams) or TCP bytes. */
typedef struct {
    uint64_t records;
    uint64_t by_status[DEC_NET_STATUS_COUNT];
    uint64_t udp_datagrams; /* UDP payloads delivered (reassembled ones included) */
    uint64_t udp_bytes;
    uint64_t tcp_segments;   /* segments that carried new payload */
    uint64_t tcp_bytes;      /* in-order octets delivered */
    uint64_t tcp_flows;      /* flows seen */
    uint64_t tcp_holes;      /* holes skipped */
    uint64_t tcp_hole_bytes; /* octets known lost in those holes */
    uint64_t tcp_retransmitted_bytes;
    uint64_t fragments;           /* fragment records held */
    uint64_t fragments_completed; /* datagrams reassembled */
    uint64_t fragments_expired;   /* datagrams never completed (timeout, table eviction, end) */
    uint64_t fragments_expired_records; /* fragment records lost with them */
} dec_net_stats_t;

typedef struct dec_net dec_net_t;

/* Fill *lim with the defaults above. */
void dec_net_limits_default(dec_net_limits_t *lim);

/* Create the walker. Returns NULL and a message in err on failure. */
dec_net_t *dec_net_new(const dec_net_limits_t *lim, char *err, size_t errlen);
void dec_net_destroy(dec_net_t **net_p);

/* Walk one capture record of link type `linktype` (a DLT_ value as pcap_datalink() returns:
 * DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP).
 * caplen octets are at buf; wirelen is the original length. ts_ns is the capture time, used
 * for fragment expiry only. Calls sink zero or more times (a reassembled datagram or TCP bytes
 * released by this record) and returns this record's status; bumps exactly one by_status. */
dec_net_status_t dec_net_input(dec_net_t *net, int linktype, const uint8_t *buf, size_t caplen,
                               size_t wirelen, int64_t ts_ns, dec_net_sink_fn sink, void *ctx);

/* End of input: expire every partial datagram (counted), release buffered TCP data past its
 * holes (counted) and end every flow (DEC_NET_F_FLOW_END). */
void dec_net_flush(dec_net_t *net, dec_net_sink_fn sink, void *ctx);

const dec_net_stats_t *dec_net_stats(const dec_net_t *net);

/* Static snake_case name of a status, e.g. "snaplen_truncated". */
const char *dec_net_status_str(dec_net_status_t st);

#endif
