/* netbuild.c (tests only): capture records, pcap files, space packets (CCSDS 133.0-B-2 4.1.3). */
#include "netbuild.h"

#include <string.h>

/* ---- writers ---- */

static void wr16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void wr32le(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Internet checksum (RFC 1071) over a sum already accumulated plus buf[0..len). */
static uint32_t csum_add(uint32_t sum, const uint8_t *buf, size_t len) {
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)buf[i] << 8 | buf[i + 1];
    }
    if (len % 2 != 0) {
        sum += (uint32_t)buf[len - 1] << 8;
    }
    return sum;
}

static uint16_t csum_fold(uint32_t sum) {
    while (sum >> 16) {
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

nb_flow_t nb_flow_local(uint8_t ip_version, uint16_t sport, uint16_t dport) {
    nb_flow_t f;
    memset(&f, 0, sizeof f);
    f.ip_version = ip_version;
    if (ip_version == 4) {
        f.src[0] = 127;
        f.src[3] = 1;
        f.dst[0] = 127;
        f.dst[3] = 1;
    } else {
        f.src[15] = 1;
        f.dst[15] = 1;
    }
    f.sport = sport;
    f.dport = dport;
    return f;
}

size_t nb_link(int dlt, const nb_flow_t *f, uint8_t ipv, uint8_t *out, size_t cap) {
    uint16_t et = ipv == 4 ? 0x0800 : 0x86DD;
    switch (dlt) {
    case NB_DLT_EN10MB: {
        size_t n = 14 + (f->vlan ? 4 : 0) + (f->vlan && f->qinq ? 4 : 0);
        if (cap < n) {
            return NB_LINK_ERR;
        }
        static const uint8_t macs[12] = {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1};
        memcpy(out, macs, 12);
        size_t off = 12;
        if (f->vlan && f->qinq) {
            wr16(out + off, 0x88A8);
            wr16(out + off + 2, 100); /* outer S-VLAN 100 */
            off += 4;
        }
        if (f->vlan) {
            wr16(out + off, 0x8100);
            wr16(out + off + 2, f->vlan & 0x0FFFu);
            off += 4;
        }
        wr16(out + off, et);
        return n;
    }
    case NB_DLT_LINUX_SLL:
        if (cap < 16) {
            return NB_LINK_ERR;
        }
        memset(out, 0, 16);
        wr16(out, 0);       /* packet type: to us */
        wr16(out + 2, 772); /* ARPHRD_LOOPBACK */
        wr16(out + 4, 6);
        out[11] = 1;
        wr16(out + 14, et);
        return 16;
    case NB_DLT_LINUX_SLL2:
        if (cap < 20) {
            return NB_LINK_ERR;
        }
        memset(out, 0, 20);
        wr16(out, et);
        wr32(out + 4, 1);   /* ifindex */
        wr16(out + 8, 772); /* ARPHRD_LOOPBACK */
        out[10] = 0;        /* packet type */
        out[11] = 6;
        out[17] = 1;
        return 20;
    case NB_DLT_RAW:
        return 0;
    case NB_DLT_IPV4:
        return ipv == 4 ? 0 : NB_LINK_ERR;
    case NB_DLT_IPV6:
        return ipv == 6 ? 0 : NB_LINK_ERR;
    case NB_DLT_NULL:
        if (cap < 4) {
            return NB_LINK_ERR;
        }
        wr32le(out, ipv == 4 ? 2u : 30u); /* host order (little-endian here); macOS AF_INET6 */
        return 4;
    case NB_DLT_LOOP:
        if (cap < 4) {
            return NB_LINK_ERR;
        }
        wr32(out, ipv == 4 ? 2u : 24u); /* network order; OpenBSD AF_INET6 */
        return 4;
    default:
        return NB_LINK_ERR;
    }
}

/* IP header for f with protocol proto and payload length plen (v4: id, fragment word). */
static size_t ip_header(const nb_flow_t *f, uint8_t proto, size_t plen, uint16_t id,
                        uint16_t fragword, uint8_t *out, size_t cap) {
    if (f->ip_version == 4) {
        if (cap < 20 || plen > 65535 - 20) {
            return 0;
        }
        out[0] = 0x45;
        out[1] = 0;
        wr16(out + 2, (uint32_t)(20 + plen));
        wr16(out + 4, id);
        wr16(out + 6, fragword);
        out[8] = 64;
        out[9] = proto;
        wr16(out + 10, 0);
        memcpy(out + 12, f->src, 4);
        memcpy(out + 16, f->dst, 4);
        wr16(out + 10, csum_fold(csum_add(0, out, 20)));
        return 20;
    }
    if (cap < 40 || plen > 65535) {
        return 0;
    }
    wr32(out, 0x60000000u);
    wr16(out + 4, (uint32_t)plen);
    out[6] = proto;
    out[7] = 64;
    memcpy(out + 8, f->src, 16);
    memcpy(out + 24, f->dst, 16);
    return 40;
}

/* Pseudo-header sum for UDP/TCP checksums (RFC 768, RFC 8200 8.1). */
static uint32_t pseudo_sum(const nb_flow_t *f, uint8_t proto, size_t len) {
    uint32_t sum = 0;
    size_t alen = f->ip_version == 4 ? 4 : 16;
    sum = csum_add(sum, f->src, alen);
    sum = csum_add(sum, f->dst, alen);
    sum += proto;
    sum += (uint32_t)(len & 0xFFFF) + (uint32_t)(len >> 16);
    return sum;
}

/* Finish a record: pad Ethernet frames to the 60-octet minimum as on the wire. */
static size_t finish(int dlt, size_t n, uint8_t *out, size_t cap) {
    if (dlt == NB_DLT_EN10MB && n < 60) {
        if (cap < 60) {
            return 0;
        }
        memset(out + n, 0, 60 - n);
        return 60;
    }
    return n;
}

size_t nb_ip(int dlt, const nb_flow_t *f, uint8_t proto, const uint8_t *ip_payload, size_t len,
             uint8_t *out, size_t cap) {
    return nb_ip_frag(dlt, f, proto, 0, 0, ip_payload, len, out, cap);
}

size_t nb_ip_frag(int dlt, const nb_flow_t *f, uint8_t proto, uint16_t id, uint16_t fragword,
                  const uint8_t *ip_payload, size_t len, uint8_t *out, size_t cap) {
    size_t l = nb_link(dlt, f, f->ip_version, out, cap);
    if (l == NB_LINK_ERR) {
        return 0;
    }
    size_t h = ip_header(f, proto, len, id, fragword, out + l, cap - l);
    if (h == 0 || cap - l - h < len) {
        return 0;
    }
    if (len > 0) {
        memcpy(out + l + h, ip_payload, len);
    }
    return finish(dlt, l + h + len, out, cap);
}

/* UDP header + payload into out (the IP payload); returns 8 + len or 0. */
size_t nb_udp_segment(const nb_flow_t *f, const uint8_t *payload, size_t len, uint8_t *out,
                      size_t cap) {
    if (cap < 8 || cap - 8 < len || len > 65535 - 8) {
        return 0;
    }
    wr16(out, f->sport);
    wr16(out + 2, f->dport);
    wr16(out + 4, (uint32_t)(8 + len));
    wr16(out + 6, 0);
    if (len > 0) {
        memcpy(out + 8, payload, len);
    }
    uint16_t c = csum_fold(csum_add(pseudo_sum(f, 17, 8 + len), out, 8 + len));
    wr16(out + 6, c == 0 ? 0xFFFF : c);
    return 8 + len;
}

size_t nb_udp(int dlt, const nb_flow_t *f, const uint8_t *payload, size_t len, uint8_t *out,
              size_t cap) {
    static uint8_t seg[65536];
    size_t n = nb_udp_segment(f, payload, len, seg, sizeof seg);
    if (n == 0) {
        return 0;
    }
    return nb_ip(dlt, f, 17, seg, n, out, cap);
}

size_t nb_tcp(int dlt, const nb_flow_t *f, uint32_t seq, uint8_t flags, const uint8_t *payload,
              size_t len, uint8_t *out, size_t cap) {
    static uint8_t seg[65536];
    if (len > sizeof seg - 20) {
        return 0;
    }
    wr16(seg, f->sport);
    wr16(seg + 2, f->dport);
    wr32(seg + 4, seq);
    wr32(seg + 8, (flags & NB_TCP_ACK) ? 1u : 0u);
    seg[12] = 5 << 4;
    seg[13] = flags;
    wr16(seg + 14, 65535);
    wr16(seg + 16, 0);
    wr16(seg + 18, 0);
    if (len > 0) {
        memcpy(seg + 20, payload, len);
    }
    wr16(seg + 16, csum_fold(csum_add(pseudo_sum(f, 6, 20 + len), seg, 20 + len)));
    return nb_ip(dlt, f, 6, seg, 20 + len, out, cap);
}

size_t nb_udp_fragments(int dlt, const nb_flow_t *f, uint16_t ip_id, const uint8_t *payload,
                        size_t len, size_t frag_payload, uint8_t *out, size_t rec_cap, size_t *lens,
                        size_t max_records) {
    static uint8_t seg[65536];
    if (f->ip_version != 4) {
        return 0;
    }
    size_t n = nb_udp_segment(f, payload, len, seg, sizeof seg);
    size_t step = frag_payload / 8 * 8;
    if (n == 0 || step == 0) {
        return 0;
    }
    size_t count = 0;
    for (size_t off = 0; off < n; off += step) {
        if (count == max_records) {
            return 0;
        }
        size_t piece = n - off < step ? n - off : step;
        bool more = off + piece < n;
        uint16_t fw = (uint16_t)((more ? 0x2000u : 0u) | (uint16_t)(off / 8));
        size_t r =
            nb_ip_frag(dlt, f, 17, ip_id, fw, seg + off, piece, out + count * rec_cap, rec_cap);
        if (r == 0) {
            return 0;
        }
        lens[count++] = r;
    }
    return count;
}

size_t nb_ipv6_fragment(int dlt, const nb_flow_t *f, uint32_t id, uint8_t next_header,
                        size_t offset, bool more, const uint8_t *data, size_t len, uint8_t *out,
                        size_t cap) {
    static uint8_t seg[65536];
    if (f->ip_version != 6 || len > sizeof seg - 8 || offset > 0xFFF8 || offset % 8 != 0) {
        return 0;
    }
    seg[0] = next_header;
    seg[1] = 0;
    wr16(seg + 2, (uint32_t)(offset | (more ? 1u : 0u)));
    wr32(seg + 4, id);
    if (len > 0) {
        memcpy(seg + 8, data, len);
    }
    return nb_ip(dlt, f, 44, seg, 8 + len, out, cap);
}

/* ---- pcap writer ---- */

int nb_pcap_open(nb_pcap_t *w, const char *path, int dlt, bool nanos, uint32_t snaplen) {
    w->fp = fopen(path, "wb");
    if (w->fp == NULL) {
        return -1;
    }
    w->dlt = dlt;
    w->nanos = nanos;
    w->snaplen = snaplen;
    /* file header in host byte order; the magic tells readers which */
    uint32_t magic = nanos ? 0xA1B23C4Du : 0xA1B2C3D4u;
    uint16_t vmaj = 2, vmin = 4;
    int32_t zone = 0;
    uint32_t sigfigs = 0, lt = (uint32_t)dlt;
    if (fwrite(&magic, 4, 1, w->fp) != 1 || fwrite(&vmaj, 2, 1, w->fp) != 1 ||
        fwrite(&vmin, 2, 1, w->fp) != 1 || fwrite(&zone, 4, 1, w->fp) != 1 ||
        fwrite(&sigfigs, 4, 1, w->fp) != 1 || fwrite(&snaplen, 4, 1, w->fp) != 1 ||
        fwrite(&lt, 4, 1, w->fp) != 1) {
        fclose(w->fp);
        w->fp = NULL;
        return -1;
    }
    return 0;
}

int nb_pcap_write(nb_pcap_t *w, int64_t ts_ns, const uint8_t *data, size_t caplen, size_t wirelen) {
    if (w->fp == NULL || caplen > UINT32_MAX || wirelen > UINT32_MAX) {
        return -1;
    }
    if (ts_ns < 0) {
        ts_ns = 0;
    }
    uint32_t hdr[4];
    hdr[0] = (uint32_t)(ts_ns / 1000000000);
    hdr[1] = (uint32_t)(w->nanos ? ts_ns % 1000000000 : ts_ns % 1000000000 / 1000);
    hdr[2] = (uint32_t)caplen;
    hdr[3] = (uint32_t)(wirelen < caplen ? caplen : wirelen);
    if (fwrite(hdr, sizeof hdr, 1, w->fp) != 1) {
        return -1;
    }
    if (caplen > 0 && fwrite(data, caplen, 1, w->fp) != 1) {
        return -1;
    }
    return 0;
}

int nb_pcap_close(nb_pcap_t *w) {
    if (w->fp == NULL) {
        return -1;
    }
    int rc = fclose(w->fp);
    w->fp = NULL;
    return rc == 0 ? 0 : -1;
}

/* ---- space packets ---- */

size_t nb_spp(uint16_t apid, uint8_t type, bool sec_hdr, uint8_t seq_flags, uint16_t seq_count,
              const uint8_t *data, size_t data_len, uint8_t *out, size_t cap) {
    if (data_len == 0 || data_len > 65536 || cap < 6 || cap - 6 < data_len) {
        return 0;
    }
    /* word 0: version 000 (3 bits), type (1), secondary header flag (1), APID (11) */
    wr16(out, (uint32_t)((type & 1u) << 12 | (sec_hdr ? 1u : 0u) << 11 | (apid & 0x7FFu)));
    /* word 1: sequence flags (2), sequence count (14) */
    wr16(out + 2, (uint32_t)((seq_flags & 3u) << 14 | (seq_count & 0x3FFFu)));
    /* word 2: data length - 1 */
    wr16(out + 4, (uint32_t)(data_len - 1));
    for (size_t i = 0; i < data_len; i++) {
        out[6 + i] = data != NULL ? data[i] : (uint8_t)i;
    }
    return 6 + data_len;
}

void nb_be16(uint8_t *p, uint32_t v) {
    wr16(p, v);
}

void nb_be32(uint8_t *p, uint32_t v) {
    wr32(p, v);
}
