/* framer.c: TM (CCSDS 132.0-B-3 section 4.1) and AOS (732.0-B-4 section 4.1) transfer frames
 * of one virtual channel cut from a packet stream by first header pointer, and CADUs
 * (131.0-B-4 sections 4, 9, 10) (sim/framer.h). */
#include "sim/framer.h"

#include <fec.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TM_PRIMARY 6u
#define AOS_PRIMARY 6u
#define AOS_FHEC 2u
#define AOS_MPDU_HDR 2u
#define OCF_LEN 4u
#define FECF_LEN 2u
#define SPP_HDR 6u
#define SPP_MAX (SPP_HDR + 65536u)
#define SPP_IDLE_APID 0x7FFu
#define CRC_POLY 0x1021u
#define INSERT_ZONE_FILL 0xC3u
#define TM_SEC_HDR_FILL 0x5Au
#define TM_SEC_HDR_MAX 64u
#define RS_MAX_INTERLEAVE 8u

static const uint8_t CADU_ASM[SIM_CADU_ASM_LEN] = {0x1A, 0xCF, 0xFC, 0x1D};

/* Write the low n octets of v at p, most significant first. */
static void put_be(uint8_t *p, uint32_t v, unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8u * (n - 1u - i)));
    }
}

uint16_t sim_crc16_ccitt(const uint8_t *p, size_t n) {
    uint32_t reg = 0xFFFFu;
    for (size_t i = 0; i < n; i++) {
        reg ^= (uint32_t)p[i] << 8; /* the octet enters at the top, MSB first */
        for (int b = 0; b < 8; b++) {
            reg = (reg & 0x8000u) ? (reg << 1) ^ CRC_POLY : reg << 1;
        }
        reg &= 0xFFFFu;
    }
    return (uint16_t)reg;
}

sim_frame_chan_t sim_frame_chan(sim_frame_kind_t k, uint32_t len) {
    sim_frame_chan_t c;
    memset(&c, 0, sizeof c);
    c.kind = k;
    c.frame_len = len;
    return c;
}

size_t sim_frame_zone(const sim_frame_chan_t *c, size_t *zone_off) {
    size_t head, tail = (c->ocf ? OCF_LEN : 0u) + (c->fecf ? FECF_LEN : 0u);
    if (c->kind == SIM_FRAME_TM) {
        head = TM_PRIMARY + c->tm_sec_hdr;
    } else {
        head = AOS_PRIMARY + (c->fhec ? AOS_FHEC : 0u) + c->insert_zone +
               (c->vcid == SIM_FRAME_AOS_IDLE_VC ? 0u : AOS_MPDU_HDR);
    }
    if (zone_off != NULL) {
        *zone_off = head;
    }
    /* head and tail are small sums of configured sizes: no overflow */
    return c->frame_len > head + tail ? c->frame_len - head - tail : 0;
}

/* The headers (and TM secondary header, AOS FHEC, insert zone, M_PDU header) of a frame. */
static void frame_head(const sim_frame_chan_t *c, uint16_t fhp, uint8_t *out) {
    if (c->kind == SIM_FRAME_TM) {
        /* 132.0-B-3 4.1.2: version 00 | SCID 10 | VCID 3 | OCF flag; MC count; VC count */
        put_be(out,
               (uint32_t)(c->scid & 0x3FFu) << 4 | (uint32_t)(c->vcid & 0x7u) << 1 |
                   (c->ocf ? 1u : 0u),
               2);
        out[2] = c->mc_count;
        out[3] = (uint8_t)c->vc_count;
        /* data field status: sec hdr flag | sync 0 | packet order 0 | segment length id 11 |
         * first header pointer 11 bits */
        put_be(out + 4, (c->tm_sec_hdr ? 0x8000u : 0u) | 0x1800u | (fhp & 0x7FFu), 2);
        if (c->tm_sec_hdr > 0) {
            out[6] = (uint8_t)((c->tm_sec_hdr - 1u) & 0x3Fu); /* version 00, length - 1 */
            memset(out + 7, TM_SEC_HDR_FILL, c->tm_sec_hdr - 1u);
        }
        return;
    }
    /* 732.0-B-4 4.1.2: version 01 | SCID 8 | VCID 6; VC count 24; signalling field 0 */
    put_be(out, 0x4000u | (uint32_t)(c->scid & 0xFFu) << 6 | (c->vcid & 0x3Fu), 2);
    put_be(out + 2, c->vc_count & 0xFFFFFFu, 3);
    out[5] = 0;
    size_t o = AOS_PRIMARY;
    if (c->fhec) {
        memset(out + o, 0, AOS_FHEC);
        o += AOS_FHEC;
    }
    memset(out + o, INSERT_ZONE_FILL, c->insert_zone);
    o += c->insert_zone;
    if (c->vcid != SIM_FRAME_AOS_IDLE_VC) {
        put_be(out + o, fhp & 0x7FFu, 2); /* M_PDU header: 5 spare bits 0, FHP */
    }
}

/* OCF and FECF after the zone. */
static void frame_tail(const sim_frame_chan_t *c, uint8_t *out) {
    size_t end = c->frame_len - (c->fecf ? FECF_LEN : 0u);
    if (c->ocf) {
        put_be(out + end - OCF_LEN, c->ocf_word, 4);
    }
    if (c->fecf) {
        put_be(out + end, sim_crc16_ccitt(out, end), 2);
    }
}

size_t sim_frame_build(const sim_frame_chan_t *c, uint16_t fhp, const uint8_t *zone,
                       size_t zone_len, uint8_t *out, size_t cap) {
    size_t zoff = 0;
    size_t zlen = sim_frame_zone(c, &zoff);
    if (zlen == 0 || zone_len != zlen || cap < c->frame_len) {
        return 0;
    }
    frame_head(c, fhp, out);
    memcpy(out + zoff, zone, zlen);
    frame_tail(c, out);
    return c->frame_len;
}

void sim_frame_next(sim_frame_chan_t *c) {
    if (c->kind == SIM_FRAME_TM) {
        c->mc_count = (uint8_t)(c->mc_count + 1u);
        c->vc_count = (c->vc_count + 1u) & 0xFFu;
    } else {
        c->vc_count = (c->vc_count + 1u) & 0xFFFFFFu;
    }
}

/* ---- CADUs ---- */

void sim_randomize(uint8_t *buf, size_t len) {
    /* The sequence a[k] obeys a[k+8] = a[k] ^ a[k+3] ^ a[k+5] ^ a[k+7] (h(x) read as a
     * recurrence) with a[0..7] = 1. win holds a[k..k+7], a[k] in bit 7. Its period is 255
     * bits, so 255 octets hold a whole number of periods and no restart is needed. */
    unsigned win = 0xFFu;
    for (size_t i = 0; i < len; i++) {
        unsigned pn = 0;
        for (unsigned b = 0; b < 8; b++) {
            unsigned a_k = (win >> 7) & 1u;
            unsigned a_k8 = a_k ^ ((win >> 4) & 1u) ^ ((win >> 2) & 1u) ^ (win & 1u);
            pn |= a_k << (7u - b);
            win = ((win << 1) | a_k8) & 0xFFu;
        }
        buf[i] ^= (uint8_t)pn;
    }
}

static bool rs_interleave_ok(unsigned il) {
    return il <= 5u || il == RS_MAX_INTERLEAVE;
}

size_t sim_cadu_len(size_t frame_len, unsigned il) {
    return SIM_CADU_ASM_LEN + frame_len + (size_t)SIM_CADU_RS_PARITY * il;
}

size_t sim_cadu_build(const uint8_t *frame, size_t frame_len, unsigned il, bool randomize,
                      uint8_t *out, size_t cap) {
    if (frame_len == 0 || frame_len > SIZE_MAX / 2 || !rs_interleave_ok(il) ||
        (il != 0 && (frame_len % il != 0 || frame_len > (size_t)SIM_CADU_RS_DATA * il))) {
        return 0;
    }
    size_t len = sim_cadu_len(frame_len, il);
    if (cap < len) {
        return 0;
    }
    memcpy(out, CADU_ASM, SIM_CADU_ASM_LEN);
    uint8_t *block = out + SIM_CADU_ASM_LEN;
    memcpy(block, frame, frame_len);
    size_t per_word = il != 0 ? frame_len / il : 0; /* data octets of each codeword */
    for (size_t j = 0; j < il; j++) {
        /* codeword j: octets j, j + il, j + 2 il, ... then its check symbols likewise */
        uint8_t word[SIM_CADU_RS_DATA], check[SIM_CADU_RS_PARITY];
        for (size_t m = 0; m < per_word; m++) {
            word[m] = frame[m * il + j];
        }
        encode_rs_ccsds(word, check, (int)(SIM_CADU_RS_DATA - per_word));
        for (size_t m = 0; m < SIM_CADU_RS_PARITY; m++) {
            block[frame_len + m * il + j] = check[m];
        }
    }
    if (randomize) {
        sim_randomize(block, len - SIM_CADU_ASM_LEN);
    }
    return len;
}

/* ---- the streaming framer ---- */

struct sim_framer {
    sim_framer_cfg_t cfg; /* cfg.chan holds the next frame's counters */
    sim_frame_sink_fn sink;
    void *ctx;
    size_t zone_off, zone_len;
    size_t fill;  /* octets in the open frame's zone */
    uint16_t fhp; /* of the open frame: where the first packet starting in it starts */
    uint8_t *frame;
    uint8_t *cadu; /* NULL for bare frames */
    size_t cadu_len;
    uint64_t units;
    uint64_t idle_packets;
};

int sim_framer_cfg_check(const sim_framer_cfg_t *cfg, char *err, size_t errlen) {
    const sim_frame_chan_t *c = &cfg->chan;
    bool tm = c->kind == SIM_FRAME_TM;
    if (c->kind != SIM_FRAME_TM && c->kind != SIM_FRAME_AOS) {
        snprintf(err, errlen, "frame kind %d: not TM or AOS", (int)c->kind);
    } else if (c->frame_len > SIM_FRAME_MAX_LEN) {
        snprintf(err, errlen, "frame length %u: at most %u", c->frame_len, SIM_FRAME_MAX_LEN);
    } else if (tm ? c->scid > 0x3FFu : c->scid > 0xFFu) {
        snprintf(err, errlen, "spacecraft id %u: %s frames take 0..%u", c->scid, tm ? "TM" : "AOS",
                 tm ? 0x3FFu : 0xFFu);
    } else if (tm ? c->vcid > 7u : c->vcid >= SIM_FRAME_AOS_IDLE_VC) {
        snprintf(err, errlen, "virtual channel %u: %s packets go on 0..%u", c->vcid,
                 tm ? "TM" : "AOS", tm ? 7u : SIM_FRAME_AOS_IDLE_VC - 1u);
    } else if (tm && c->tm_sec_hdr != 0 && (c->tm_sec_hdr < 2u || c->tm_sec_hdr > TM_SEC_HDR_MAX)) {
        snprintf(err, errlen, "TM secondary header of %u octets: 0 or 2..%u", c->tm_sec_hdr,
                 TM_SEC_HDR_MAX);
    } else if (sim_frame_zone(c, NULL) == 0) {
        snprintf(err, errlen, "frame length %u leaves no octet for packets", c->frame_len);
    } else if (cfg->cadu && !rs_interleave_ok(cfg->rs_interleave)) {
        snprintf(err, errlen, "RS interleave %u: 0..5 or 8", cfg->rs_interleave);
    } else if (cfg->cadu && cfg->rs_interleave != 0 &&
               (c->frame_len % cfg->rs_interleave != 0 ||
                c->frame_len > SIM_CADU_RS_DATA * cfg->rs_interleave)) {
        snprintf(err, errlen, "frame length %u: with RS interleave %u a multiple of %u up to %u",
                 c->frame_len, cfg->rs_interleave, cfg->rs_interleave,
                 SIM_CADU_RS_DATA * cfg->rs_interleave);
    } else {
        return 0;
    }
    return -1;
}

sim_framer_t *sim_framer_new(const sim_framer_cfg_t *cfg, sim_frame_sink_fn sink, void *ctx,
                             char *err, size_t errlen) {
    if (cfg == NULL || sink == NULL) {
        snprintf(err, errlen, "framer without configuration or sink");
        return NULL;
    }
    if (sim_framer_cfg_check(cfg, err, errlen) != 0) {
        return NULL;
    }
    sim_framer_t *f = calloc(1, sizeof *f);
    if (f == NULL) {
        snprintf(err, errlen, "out of memory for the framer");
        return NULL;
    }
    f->cfg = *cfg;
    f->sink = sink;
    f->ctx = ctx;
    f->zone_len = sim_frame_zone(&cfg->chan, &f->zone_off);
    f->fhp = SIM_FRAME_FHP_NO_START;
    f->frame = calloc(1, cfg->chan.frame_len);
    if (cfg->cadu) {
        f->cadu_len = sim_cadu_len(cfg->chan.frame_len, cfg->rs_interleave);
        f->cadu = malloc(f->cadu_len);
    }
    if (f->frame == NULL || (cfg->cadu && f->cadu == NULL)) {
        snprintf(err, errlen, "out of memory for the framer");
        sim_framer_destroy(&f);
        return NULL;
    }
    return f;
}

void sim_framer_destroy(sim_framer_t **f) {
    if (f == NULL || *f == NULL) {
        return;
    }
    free((*f)->frame);
    free((*f)->cadu);
    free(*f);
    *f = NULL;
}

/* The open frame is full: headers and trailer around the zone, channel coding, out. */
static int send_frame(sim_framer_t *f) {
    sim_frame_chan_t *c = &f->cfg.chan;
    frame_head(c, f->fhp, f->frame);
    frame_tail(c, f->frame);
    const uint8_t *unit = f->frame;
    size_t len = c->frame_len;
    if (f->cadu != NULL) {
        len = sim_cadu_build(f->frame, c->frame_len, f->cfg.rs_interleave, f->cfg.randomize,
                             f->cadu, f->cadu_len);
        unit = f->cadu; /* len == cadu_len: the configuration was checked at creation */
    }
    sim_frame_next(c);
    f->fill = 0;
    f->fhp = SIM_FRAME_FHP_NO_START;
    f->units++;
    return f->sink(f->ctx, unit, len);
}

/* Put n octets of the stream into frames: src[0..n), or zeros when src is NULL. A packet
 * starts at the first octet when `starts`. */
static int put(sim_framer_t *f, const uint8_t *src, size_t n, bool starts) {
    size_t done = 0;
    /* each pass fills the zone or uses up the octets: at most n / zone_len + 1 passes */
    while (done < n) {
        if (starts && done == 0 && f->fhp == SIM_FRAME_FHP_NO_START) {
            f->fhp = (uint16_t)f->fill; /* fill < zone_len <= 65535; FHP keeps 11 bits */
        }
        size_t room = f->zone_len - f->fill;
        size_t k = n - done < room ? n - done : room;
        uint8_t *dst = f->frame + f->zone_off + f->fill;
        if (src != NULL) {
            memcpy(dst, src + done, k);
        } else {
            memset(dst, 0, k);
        }
        f->fill += k;
        done += k;
        if (f->fill == f->zone_len) {
            int rc = send_frame(f);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

int sim_framer_packet(sim_framer_t *f, const uint8_t *pkt, size_t len) {
    if (f == NULL || pkt == NULL || len < SIM_PKT_MIN_LEN || len > SPP_MAX ||
        len != SIM_PKT_MIN_LEN + ((size_t)pkt[4] << 8 | pkt[5])) {
        return -1;
    }
    return put(f, pkt, len, true);
}

int sim_framer_flush(sim_framer_t *f) {
    if (f == NULL || f->fill == 0) {
        return 0;
    }
    size_t len = f->zone_len - f->fill;
    /* an idle packet has at least 7 octets: with less room it runs through more frames (at
     * most 7 passes, zone_len >= 1); len stays below 7 + 65535 = SPP_MAX */
    while (len < SIM_PKT_MIN_LEN) {
        len += f->zone_len;
    }
    uint8_t hdr[SPP_HDR];
    put_be(hdr, SPP_IDLE_APID, 2); /* version 0, TM, no secondary header */
    put_be(hdr + 2, 0xC000u, 2);   /* unsegmented, sequence count 0 */
    put_be(hdr + 4, (uint32_t)(len - SIM_PKT_MIN_LEN), 2);
    f->idle_packets++;
    int rc = put(f, hdr, SPP_HDR, true);
    return rc != 0 ? rc : put(f, NULL, len - SPP_HDR, false);
}

size_t sim_framer_pending(const sim_framer_t *f) {
    return f != NULL ? f->fill : 0;
}

const sim_frame_chan_t *sim_framer_chan(const sim_framer_t *f) {
    return &f->cfg.chan;
}

uint64_t sim_framer_units(const sim_framer_t *f) {
    return f != NULL ? f->units : 0;
}

uint64_t sim_framer_idle_packets(const sim_framer_t *f) {
    return f != NULL ? f->idle_packets : 0;
}
