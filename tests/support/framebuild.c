/* framebuild.c (tests only): TM (132.0-B-3 4.1) and AOS (732.0-B-4 4.1) frame builder. */
#include "framebuild.h"

#include <stdlib.h>
#include <string.h>

static void put16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

uint16_t fb_crc16(const uint8_t *p, size_t n) {
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        for (int b = 7; b >= 0; b--) {
            unsigned in = (p[i] >> b) & 1u;
            unsigned top = (crc >> 15) & 1u;
            crc = (uint16_t)(crc << 1);
            if (in ^ top) {
                crc ^= 0x1021;
            }
        }
    }
    return crc;
}

fb_chan_t fb_chan(dec_frame_kind_t k, uint32_t len) {
    fb_chan_t f;
    memset(&f, 0, sizeof f);
    f.kind = k;
    f.frame_len = len;
    return f;
}

dec_frame_cfg_t fb_cfg(const fb_chan_t *f) {
    dec_frame_cfg_t c;
    dec_frame_cfg_default(&c, f->kind);
    c.frame_len = f->frame_len;
    c.fecf = f->fecf;
    if (f->kind == DEC_FRAME_AOS) {
        c.ocf = f->ocf;
        c.fhec = f->fhec;
        c.insert_zone = f->insert_zone;
    }
    return c;
}

/* Offset of the packet zone and its length. */
static void layout(const fb_chan_t *f, size_t *zone_off, size_t *zone_len) {
    size_t head = 6, tail = (f->fecf ? 2u : 0u) + (f->ocf ? 4u : 0u);
    if (f->kind == DEC_FRAME_TM) {
        head += f->tm_sec_hdr;
    } else {
        head += (f->fhec ? 2u : 0u) + f->insert_zone + (f->vcid == 63 ? 0u : 2u);
    }
    *zone_off = head;
    *zone_len = f->frame_len > head + tail ? f->frame_len - head - tail : 0;
}

size_t fb_zone_len(const fb_chan_t *f) {
    size_t off, n;
    layout(f, &off, &n);
    return n;
}

size_t fb_frame(const fb_chan_t *f, uint16_t fhp, const uint8_t *data, size_t n, uint8_t *out,
                size_t cap) {
    size_t zoff, zlen;
    layout(f, &zoff, &zlen);
    if (cap < f->frame_len || zlen == 0 || n > zlen) {
        return 0;
    }
    memset(out, 0, f->frame_len);
    if (f->kind == DEC_FRAME_TM) {
        /* version 00 | SCID 10 | VCID 3 | OCF flag */
        put16(out, (uint32_t)(f->scid & 0x3FFu) << 4 | (uint32_t)(f->vcid & 7u) << 1 |
                       (f->ocf ? 1u : 0u));
        out[2] = f->mc_count;
        out[3] = (uint8_t)f->vc_count;
        /* sec hdr flag | sync 0 | order 0 | segment length id 11 | FHP */
        put16(out + 4, (f->tm_sec_hdr ? 0x8000u : 0u) | 0x1800u | (fhp & 0x7FFu));
        if (f->tm_sec_hdr) {
            out[6] = (uint8_t)((f->tm_sec_hdr - 1u) & 0x3Fu); /* version 00, length - 1 */
            for (size_t i = 1; i < f->tm_sec_hdr; i++) {
                out[6 + i] = 0x5A;
            }
        }
    } else {
        /* version 01 | SCID 8 | VCID 6 */
        put16(out, 0x4000u | (uint32_t)(f->scid & 0xFFu) << 6 | (f->vcid & 0x3Fu));
        out[2] = (uint8_t)(f->vc_count >> 16);
        out[3] = (uint8_t)(f->vc_count >> 8);
        out[4] = (uint8_t)f->vc_count;
        out[5] = 0;
        size_t o = 6 + (f->fhec ? 2u : 0u);
        memset(out + o, 0xC3, f->insert_zone);
        o += f->insert_zone;
        if (f->vcid != 63) {
            put16(out + o, fhp & 0x7FFu); /* M_PDU header: 5 spare bits zero */
        }
    }
    if (n > 0) {
        memcpy(out + zoff, data, n);
    }
    memset(out + zoff + n, 0xAA, zlen - n);
    size_t end = f->frame_len - (f->fecf ? 2u : 0u);
    if (f->ocf) {
        put32(out + end - 4, f->ocf_word);
    }
    if (f->fecf) {
        put16(out + end, fb_crc16(out, end));
    }
    return f->frame_len;
}

/* Length of the packet whose header is at p. */
static size_t pkt_len(const uint8_t *p) {
    return 7u + ((size_t)p[4] << 8 | p[5]);
}

size_t fb_pack(fb_chan_t *f, const uint8_t *pkts, size_t len, uint8_t *out, size_t cap) {
    size_t zlen = fb_zone_len(f);
    if (zlen == 0) {
        return 0;
    }
    size_t r = (zlen - len % zlen) % zlen;
    size_t pad = r;
    while (pad > 0 && pad < 7) {
        pad += zlen; /* an idle packet is at least 7 octets: let it span more frames */
    }
    size_t total = len + pad;
    size_t frames = total / zlen;
    if (frames > cap / f->frame_len) {
        return 0;
    }
    uint8_t *s = malloc(total ? total : 1);
    if (s == NULL) {
        return 0;
    }
    memcpy(s, pkts, len);
    if (pad > 0) {
        /* Idle packet: APID 0x7FF, unsegmented, data octets 0x00. */
        put16(s + len, 0x07FF);
        put16(s + len + 2, 0xC000);
        put16(s + len + 4, (uint32_t)(pad - 7));
        memset(s + len + 6, 0, pad - 6);
    }
    size_t next = 0; /* start of the next packet in the stream */
    for (size_t k = 0; k < frames; k++) {
        size_t lo = k * zlen, hi = lo + zlen;
        uint16_t fhp = 0x7FF;
        while (next < lo) {
            next += pkt_len(s + next); /* header whole: starts before lo */
        }
        if (next < hi) {
            fhp = (uint16_t)(next - lo);
        }
        fb_frame(f, fhp, s + lo, zlen, out + k * f->frame_len, f->frame_len);
        if (f->kind == DEC_FRAME_TM) {
            f->mc_count = (uint8_t)(f->mc_count + 1u);
            f->vc_count = (f->vc_count + 1u) & 0xFFu;
        } else {
            f->vc_count = (f->vc_count + 1u) & 0xFFFFFFu;
        }
    }
    free(s);
    return frames;
}
