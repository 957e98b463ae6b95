/* capfile.c: classic pcap and pcapng capture file parser (draft-ietf-opsawg-pcap sections
 * 4-5, draft-ietf-opsawg-pcapng sections 3-4), records of any link type mixed in one file. */
#include "dec/capfile.h"

#include <string.h>

/* Classic pcap magic numbers as read in the file's own byte order. */
#define PCAP_MAGIC_US 0xA1B2C3D4u
#define PCAP_MAGIC_NS 0xA1B23C4Du
#define PCAP_MAGIC_KUZNETZOV 0xA1B2CD34u /* "modified" pcap: 24-octet record headers */
#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u
#define PCAP_REC_HDR_KUZ 24u

/* pcapng block types and constants. */
#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 0x00000001u
#define NG_PB 0x00000002u /* obsolete packet block */
#define NG_SPB 0x00000003u
#define NG_EPB 0x00000006u
#define NG_BOM 0x1A2B3C4Du
#define NG_MIN_BLOCK 12u
#define NG_OPT_END 0
#define NG_OPT_TSRESOL 9
#define NG_OPT_TSOFFSET 14

#define NS_PER_S 1000000000LL

static uint16_t rd16(const uint8_t *p, bool be) {
    return (uint16_t)(be ? (p[0] << 8 | p[1]) : (p[1] << 8 | p[0]));
}

static uint32_t rd32(const uint8_t *p, bool be) {
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t rd64(const uint8_t *p, bool be) {
    uint64_t a = rd32(p, be), b = rd32(p + 4, be);
    return be ? a << 32 | b : b << 32 | a;
}

void dec_cap_init(dec_capfile_t *c) {
    memset(c, 0, sizeof *c);
}

/* Saturating conversion of a pcapng timestamp to nanoseconds. */
static int64_t ng_ts_ns(const dec_cap_iface_t *f, uint64_t ts) {
    __int128 ns;
    if (f->ts_pow2) {
        /* ts_exp < 64 is checked where the option is read. */
        uint64_t whole = f->ts_exp == 0 ? ts : ts >> f->ts_exp;
        uint64_t frac = f->ts_exp == 0 ? 0 : ts & ((UINT64_C(1) << f->ts_exp) - 1);
        ns = (__int128)whole * NS_PER_S + (((__int128)frac * NS_PER_S) >> f->ts_exp);
    } else if (f->ts_exp <= 9) {
        __int128 mul = 1;
        for (unsigned i = f->ts_exp; i < 9; i++) {
            mul *= 10;
        }
        ns = (__int128)ts * mul;
    } else {
        __int128 v = ts;
        for (unsigned i = 9; i < f->ts_exp && v != 0; i++) {
            v /= 10;
        }
        ns = v;
    }
    ns += (__int128)f->ts_offset_s * NS_PER_S;
    if (ns > INT64_MAX) {
        return INT64_MAX;
    }
    if (ns < INT64_MIN) {
        return INT64_MIN;
    }
    return (int64_t)ns;
}

static dec_cap_status_t classic_header(dec_capfile_t *c, const uint8_t *buf, size_t len,
                                       size_t *consumed, size_t *need) {
    if (len < PCAP_FILE_HDR) {
        *need = PCAP_FILE_HDR;
        return DEC_CAP_NEED_MORE;
    }
    uint16_t major = rd16(buf + 4, c->big_endian);
    if (major != 2) {
        return DEC_CAP_BAD_HEADER;
    }
    uint32_t snaplen = rd32(buf + 16, c->big_endian);
    uint32_t network = rd32(buf + 20, c->big_endian);
    c->n_ifaces = 1;
    c->ifaces[0].linktype = (int)(network & 0xFFFFu); /* upper bits: FCS length, flags */
    c->ifaces[0].snaplen = snaplen;
    c->ifaces[0].ts_pow2 = false;
    c->ifaces[0].ts_exp = c->nanos ? 9 : 6;
    c->ifaces[0].ts_offset_s = 0;
    c->format = DEC_CAP_FMT_PCAP;
    *consumed = PCAP_FILE_HDR;
    return DEC_CAP_BLOCK;
}

static dec_cap_status_t classic_record(dec_capfile_t *c, const uint8_t *buf, size_t len,
                                       dec_cap_record_t *rec, size_t *consumed, size_t *need) {
    size_t hdr = c->kuznetzov ? PCAP_REC_HDR_KUZ : PCAP_REC_HDR;
    if (len < hdr) {
        *need = hdr;
        return DEC_CAP_NEED_MORE;
    }
    bool be = c->big_endian;
    uint32_t sec = rd32(buf, be);
    uint32_t frac = rd32(buf + 4, be);
    uint32_t caplen = rd32(buf + 8, be);
    uint32_t wirelen = rd32(buf + 12, be);
    if (caplen > DEC_CAP_MAX_BLOCK) {
        return DEC_CAP_TOO_LARGE;
    }
    /* caplen <= 16 MiB, so hdr + caplen cannot overflow size_t. */
    if (len - hdr < caplen) {
        *need = hdr + caplen;
        return DEC_CAP_NEED_MORE;
    }
    rec->linktype = c->ifaces[0].linktype;
    rec->iface = 0;
    rec->ts_ns = (int64_t)sec * NS_PER_S + (int64_t)frac * (c->nanos ? 1 : 1000);
    rec->data = buf + hdr;
    rec->caplen = caplen;
    rec->wirelen = wirelen;
    *consumed = hdr + caplen;
    c->records++;
    c->last_ts_ns = rec->ts_ns;
    return DEC_CAP_RECORD;
}

/* Interface options: if_tsresol and if_tsoffset; others skipped. opt[0..len) is the option
 * area of the block (it may be empty). */
static dec_cap_status_t idb_options(dec_cap_iface_t *f, const uint8_t *opt, size_t len, bool be) {
    size_t off = 0;
    while (len - off >= 4) {
        uint16_t code = rd16(opt + off, be);
        uint16_t olen = rd16(opt + off + 2, be);
        off += 4;
        if (code == NG_OPT_END) {
            break;
        }
        size_t padded = ((size_t)olen + 3u) & ~(size_t)3u;
        if (len - off < padded) {
            return DEC_CAP_BAD_BLOCK;
        }
        if (code == NG_OPT_TSRESOL && olen >= 1) {
            uint8_t v = opt[off];
            f->ts_pow2 = (v & 0x80u) != 0;
            f->ts_exp = v & 0x7Fu;
            if (f->ts_pow2 && f->ts_exp >= 64) {
                return DEC_CAP_BAD_BLOCK;
            }
        } else if (code == NG_OPT_TSOFFSET && olen >= 8) {
            f->ts_offset_s = (int64_t)rd64(opt + off, be);
        }
        off += padded;
    }
    return DEC_CAP_BLOCK;
}

static dec_cap_status_t ng_block(dec_capfile_t *c, const uint8_t *buf, size_t len,
                                 dec_cap_record_t *rec, size_t *consumed, size_t *need) {
    if (len < 12) {
        *need = 12;
        return DEC_CAP_NEED_MORE;
    }
    uint32_t type = rd32(buf, false); /* SHB's type reads the same in both orders */
    bool be = c->big_endian;
    if (type == NG_SHB) {
        uint32_t bom = rd32(buf + 8, false);
        if (bom == NG_BOM) {
            be = false;
        } else if (rd32(buf + 8, true) == NG_BOM) {
            be = true;
        } else {
            return c->format == DEC_CAP_FMT_UNKNOWN ? DEC_CAP_BAD_MAGIC : DEC_CAP_BAD_HEADER;
        }
    } else {
        type = rd32(buf, be);
    }
    uint32_t total = rd32(buf + 4, be);
    if (total < NG_MIN_BLOCK || total % 4 != 0) {
        return DEC_CAP_BAD_BLOCK;
    }
    if (total > DEC_CAP_MAX_BLOCK) {
        return DEC_CAP_TOO_LARGE;
    }
    if (len < total) {
        *need = total;
        return DEC_CAP_NEED_MORE;
    }
    if (rd32(buf + total - 4, be) != total) {
        return DEC_CAP_BAD_BLOCK;
    }
    const uint8_t *body = buf + 8;
    size_t blen = total - 12; /* body octets between the lengths */
    *consumed = total;
    switch (type) {
    case NG_SHB:
        /* BOM(4) major(2) minor(2) section length(8). */
        if (blen < 16 || rd16(body + 4, be) != 1) {
            return DEC_CAP_BAD_HEADER;
        }
        c->format = DEC_CAP_FMT_PCAPNG;
        c->big_endian = be;
        c->n_ifaces = 0; /* interfaces are per section */
        c->sections++;
        return DEC_CAP_BLOCK;
    case NG_IDB: {
        if (blen < 8) {
            return DEC_CAP_BAD_BLOCK;
        }
        if (c->n_ifaces >= DEC_CAP_MAX_INTERFACES) {
            return DEC_CAP_BAD_INTERFACE;
        }
        dec_cap_iface_t f = {.linktype = rd16(body, be),
                             .snaplen = rd32(body + 4, be),
                             .ts_pow2 = false,
                             .ts_exp = 6,
                             .ts_offset_s = 0};
        dec_cap_status_t st = idb_options(&f, body + 8, blen - 8, be);
        if (st != DEC_CAP_BLOCK) {
            return st;
        }
        c->ifaces[c->n_ifaces++] = f;
        return DEC_CAP_BLOCK;
    }
    case NG_EPB:
    case NG_PB: {
        if (blen < 20) {
            return DEC_CAP_BAD_BLOCK;
        }
        uint32_t ifc = type == NG_EPB ? rd32(body, be) : rd16(body, be);
        uint32_t caplen = rd32(body + 12, be);
        if (caplen > blen - 20) {
            return DEC_CAP_BAD_BLOCK;
        }
        if (ifc >= c->n_ifaces) {
            return DEC_CAP_BAD_INTERFACE;
        }
        uint64_t ts = (uint64_t)rd32(body + 4, be) << 32 | rd32(body + 8, be);
        rec->iface = ifc;
        rec->linktype = c->ifaces[ifc].linktype;
        rec->ts_ns = ng_ts_ns(&c->ifaces[ifc], ts);
        rec->caplen = caplen;
        rec->wirelen = rd32(body + 16, be);
        rec->data = body + 20;
        c->last_ts_ns = rec->ts_ns;
        c->records++;
        return DEC_CAP_RECORD;
    }
    case NG_SPB: {
        if (blen < 4) {
            return DEC_CAP_BAD_BLOCK;
        }
        if (c->n_ifaces == 0) {
            return DEC_CAP_BAD_INTERFACE;
        }
        uint32_t wire = rd32(body, be);
        /* Captured length: the original length cut by the snaplen and by the block. */
        uint32_t caplen = wire;
        if (c->ifaces[0].snaplen != 0 && caplen > c->ifaces[0].snaplen) {
            caplen = c->ifaces[0].snaplen;
        }
        if (caplen > blen - 4) {
            caplen = (uint32_t)(blen - 4);
        }
        rec->iface = 0;
        rec->linktype = c->ifaces[0].linktype;
        rec->ts_ns = c->last_ts_ns; /* simple packet blocks carry no time */
        rec->caplen = caplen;
        rec->wirelen = wire;
        rec->data = body + 4;
        c->records++;
        return DEC_CAP_RECORD;
    }
    default:
        if (c->format != DEC_CAP_FMT_PCAPNG) {
            return DEC_CAP_BAD_HEADER; /* a file must open with a section header */
        }
        c->blocks_skipped++;
        return DEC_CAP_BLOCK;
    }
}

dec_cap_status_t dec_cap_next(dec_capfile_t *c, const uint8_t *buf, size_t len,
                              dec_cap_record_t *rec, size_t *consumed, size_t *need) {
    *consumed = 0;
    *need = 0;
    if (c->format == DEC_CAP_FMT_UNKNOWN) {
        if (len < 4) {
            *need = 4;
            return DEC_CAP_NEED_MORE;
        }
        if (rd32(buf, false) == NG_SHB) {
            dec_capfile_t probe = *c;
            dec_cap_status_t st = ng_block(&probe, buf, len, rec, consumed, need);
            if (st == DEC_CAP_BLOCK) {
                *c = probe;
            }
            return st == DEC_CAP_BAD_HEADER ? DEC_CAP_BAD_MAGIC : st;
        }
        for (int be = 0; be < 2; be++) {
            uint32_t m = rd32(buf, be != 0);
            if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS || m == PCAP_MAGIC_KUZNETZOV) {
                dec_capfile_t probe = *c;
                probe.big_endian = be != 0;
                probe.nanos = m == PCAP_MAGIC_NS;
                probe.kuznetzov = m == PCAP_MAGIC_KUZNETZOV;
                dec_cap_status_t st = classic_header(&probe, buf, len, consumed, need);
                if (st == DEC_CAP_BLOCK) {
                    *c = probe;
                }
                return st;
            }
        }
        return DEC_CAP_BAD_MAGIC;
    }
    if (c->format == DEC_CAP_FMT_PCAP) {
        return classic_record(c, buf, len, rec, consumed, need);
    }
    /* pcapng: a state change (new SHB) is applied only once the whole block is valid. */
    dec_capfile_t probe;
    if (len >= 4 && rd32(buf, false) == NG_SHB) {
        probe = *c;
        dec_cap_status_t st = ng_block(&probe, buf, len, rec, consumed, need);
        if (st == DEC_CAP_BLOCK) {
            *c = probe;
        }
        return st;
    }
    return ng_block(c, buf, len, rec, consumed, need);
}

const char *dec_cap_status_str(dec_cap_status_t st) {
    switch (st) {
    case DEC_CAP_RECORD:
        return "record";
    case DEC_CAP_BLOCK:
        return "block";
    case DEC_CAP_NEED_MORE:
        return "need_more";
    case DEC_CAP_BAD_MAGIC:
        return "not a pcap or pcapng file";
    case DEC_CAP_BAD_HEADER:
        return "bad file or section header";
    case DEC_CAP_BAD_BLOCK:
        return "corrupt pcapng block";
    case DEC_CAP_TOO_LARGE:
        return "record larger than 16 MiB";
    case DEC_CAP_BAD_INTERFACE:
        return "packet of an undescribed interface";
    case DEC_CAP_STATUS_COUNT:
        break;
    }
    return "unknown";
}
