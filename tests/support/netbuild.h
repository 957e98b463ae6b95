/* netbuild.h (tests only): build capture records (link + IP + UDP/TCP) and write pcap files,
 * so tests make their own captures byte by byte. */
#ifndef TEST_NETBUILD_H
#define TEST_NETBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Link types as pcap's DLT_ values (the ones libpcap reports on Linux). */
enum {
    NB_DLT_NULL = 0,
    NB_DLT_EN10MB = 1,
    NB_DLT_RAW = 12, /* raw IP, v4 or v6 by the version nibble */
    NB_DLT_LOOP = 108,
    NB_DLT_LINUX_SLL = 113,
    NB_DLT_IPV4 = 228,
    NB_DLT_IPV6 = 229,
    NB_DLT_LINUX_SLL2 = 276
};

/* Addresses and ports of one flow; ip_version 4 or 6. IPv4 addresses in the first 4 octets. */
typedef struct {
    uint8_t ip_version;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint16_t vlan; /* 0: no tag; else one 802.1Q tag with this VLAN id */
    bool qinq;     /* with vlan: an 802.1ad outer tag too */
} nb_flow_t;

/* A flow 127.0.0.1:sport -> 127.0.0.1:dport (or ::1 for ip_version 6). */
nb_flow_t nb_flow_local(uint8_t ip_version, uint16_t sport, uint16_t dport);

/* Build one record into out[0..cap): link header for `dlt`, then IP, then UDP carrying
 * payload[0..len). Returns the record length, or 0 if it does not fit. */
size_t nb_udp(int dlt, const nb_flow_t *f, const uint8_t *payload, size_t len, uint8_t *out,
              size_t cap);

/* The same for TCP with sequence number `seq` and flags (NB_TCP_*). */
#define NB_TCP_FIN 0x01
#define NB_TCP_SYN 0x02
#define NB_TCP_RST 0x04
#define NB_TCP_PSH 0x08
#define NB_TCP_ACK 0x10
size_t nb_tcp(int dlt, const nb_flow_t *f, uint32_t seq, uint8_t flags, const uint8_t *payload,
              size_t len, uint8_t *out, size_t cap);

/* IPv4 fragments of one UDP datagram: splits the IP payload (UDP header + payload) into pieces
 * of at most frag_payload octets (rounded down to a multiple of 8), with IP id `ip_id`.
 * Writes up to max_records records, each into out + i * rec_cap, lengths into lens[i].
 * Returns the number of fragments, or 0 if they do not fit. */
size_t nb_udp_fragments(int dlt, const nb_flow_t *f, uint16_t ip_id, const uint8_t *payload,
                        size_t len, size_t frag_payload, uint8_t *out, size_t rec_cap, size_t *lens,
                        size_t max_records);

/* Lower-level builders (for tests that craft odd records). */

/* Link header for dlt carrying IP version ipv into out; returns its length (0 for raw IP
 * link types), or NB_LINK_ERR if it does not fit or dlt/ipv do not go together. DLT_NULL
 * writes AF_INET6 as 30 (macOS, little-endian), DLT_LOOP as 24 (OpenBSD, big-endian). */
#define NB_LINK_ERR ((size_t)-1)
size_t nb_link(int dlt, const nb_flow_t *f, uint8_t ipv, uint8_t *out, size_t cap);

/* Link + IP header (protocol / next header `proto`, IPv4 header checksum set) + the given IP
 * payload; Ethernet frames are padded to 60 octets. Returns the record length or 0. */
size_t nb_ip(int dlt, const nb_flow_t *f, uint8_t proto, const uint8_t *ip_payload, size_t len,
             uint8_t *out, size_t cap);
/* The same with an IPv4 identification and flags/fragment-offset word (ignored for IPv6). */
size_t nb_ip_frag(int dlt, const nb_flow_t *f, uint8_t proto, uint16_t id, uint16_t fragword,
                  const uint8_t *ip_payload, size_t len, uint8_t *out, size_t cap);
/* A UDP header (ports of f, checksum set) + payload into out; returns 8 + len or 0. */
size_t nb_udp_segment(const nb_flow_t *f, const uint8_t *payload, size_t len, uint8_t *out,
                      size_t cap);
/* One IPv6 fragment: fragment header (next header, offset in octets, M flag, id) + data. */
size_t nb_ipv6_fragment(int dlt, const nb_flow_t *f, uint32_t id, uint8_t next_header,
                        size_t offset, bool more, const uint8_t *data, size_t len, uint8_t *out,
                        size_t cap);

/* A pcap file writer (classic libpcap format, microsecond or nanosecond timestamps). */
typedef struct {
    FILE *fp;
    int dlt;
    bool nanos;
    uint32_t snaplen;
} nb_pcap_t;

/* Open path for writing with link type dlt. Returns 0, or -1 (errno set). */
int nb_pcap_open(nb_pcap_t *w, const char *path, int dlt, bool nanos, uint32_t snaplen);
/* Write one record with timestamp ts_ns (Unix ns), caplen octets of data, original length
 * wirelen (>= caplen; pass caplen when not truncated). Returns 0 or -1. */
int nb_pcap_write(nb_pcap_t *w, int64_t ts_ns, const uint8_t *data, size_t caplen, size_t wirelen);
int nb_pcap_close(nb_pcap_t *w);

/* Build a space packet into out: primary header with the given fields, then data_len octets
 * of data (copied from data, or a counting pattern when data is NULL). Returns 6 + data_len,
 * or 0 if data_len is 0 or > 65536 or it does not fit cap. */
size_t nb_spp(uint16_t apid, uint8_t type, bool sec_hdr, uint8_t seq_flags, uint16_t seq_count,
              const uint8_t *data, size_t data_len, uint8_t *out, size_t cap);

/* Big-endian writers, for tests that lay out octets by hand. */
void nb_be16(uint8_t *p, uint32_t v);
void nb_be32(uint8_t *p, uint32_t v);

#endif
