/* test_framer.c: the sim's production framer (sim/framer.h): TM (132.0-B-3) and AOS
 * (732.0-B-4) frames cut from a packet stream (first header pointers worked out by hand,
 * counters wrapping, idle fill, OCF, FECF against a CRC computed here), CADUs (131.0-B-4)
 * checked by the decoder's CADU layer, and framed sim_run output (idle fill before a gap and
 * when a paced frame waits too long). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cadubuild.h"
#include "dec/cadu.h"
#include "dec/frame.h"
#include "guard.h"
#include "netbuild.h"
#include "sim/framer.h"
#include "sim/telemetry.h"
#include "vleo/timescale.h"

#define UNITS_CAP (1u << 18)
#define MAX_UNITS 512

/* ---- helpers ---------------------------------------------------------------------------- */

/* What a framer handed out, back to back. */
typedef struct {
    uint8_t buf[UNITS_CAP];
    size_t used;
    size_t n;
    size_t len[MAX_UNITS];
    int fail_at; /* return 7 for unit number fail_at (from 1); 0 = never */
} units_t;

static int collect(void *ctx, const uint8_t *unit, size_t len) {
    units_t *u = ctx;
    cr_assert_lt(u->n, MAX_UNITS);
    cr_assert_leq(len, UNITS_CAP - u->used);
    memcpy(u->buf + u->used, unit, len);
    u->used += len;
    u->len[u->n++] = len;
    return u->fail_at != 0 && (int)u->n == u->fail_at ? 7 : 0;
}

static units_t *units_new(void) {
    units_t *u = calloc(1, sizeof *u);
    cr_assert_not_null(u);
    return u;
}

static sim_framer_t *framer(const sim_framer_cfg_t *cfg, units_t *u) {
    char err[256] = "";
    sim_framer_t *f = sim_framer_new(cfg, collect, u, err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    return f;
}

static sim_framer_cfg_t frames_of(sim_frame_kind_t k, uint32_t len) {
    sim_framer_cfg_t c;
    memset(&c, 0, sizeof c);
    c.chan = sim_frame_chan(k, len);
    return c;
}

/* A packet of total length plen whose data octets follow from its sequence count. */
static size_t packet(uint16_t apid, uint16_t seq, size_t plen, uint8_t *out, size_t cap) {
    uint8_t data[1024];
    cr_assert(plen >= 7 && plen - 6 <= sizeof data);
    for (size_t i = 0; i < plen - 6; i++) {
        data[i] = (uint8_t)(seq * 13u + i * 5u + 3u);
    }
    size_t n = nb_spp(apid, 0, false, 3, seq, data, plen - 6, out, cap);
    cr_assert_eq(n, plen);
    return n;
}

/* Hand one packet to the framer from a guard page (any read past its end faults). */
static int feed_packet(sim_framer_t *f, const uint8_t *pkt, size_t len) {
    const uint8_t *g = guard_place(pkt, len);
    cr_assert_not_null(g);
    return sim_framer_packet(f, g, len);
}

/* CRC-16-CCITT computed here, one message bit at a time against the register's top bit
 * (the framer's code shifts whole octets in). */
static uint16_t crc_here(const uint8_t *p, size_t n) {
    unsigned r = 0xFFFFu;
    for (size_t i = 0; i < 8 * n; i++) {
        unsigned bit = (p[i / 8] >> (7 - i % 8)) & 1u;
        unsigned top = (r >> 15) & 1u;
        r = (r << 1) & 0xFFFFu;
        if (bit != top) {
            r ^= 0x1021u;
        }
    }
    return (uint16_t)r;
}

static unsigned be16_at(const uint8_t *p) {
    return (unsigned)p[0] << 8 | p[1];
}

/* Packets out of the decoder's reassembly, back to back. */
typedef struct {
    uint8_t buf[UNITS_CAP];
    size_t used;
    size_t n;
    size_t idle;
} got_t;

static void got_packet(void *ctx, const uint8_t *pkt, size_t len, const dec_frame_t *fr) {
    (void)fr;
    got_t *g = ctx;
    if (((pkt[0] & 7u) << 8 | pkt[1]) == 0x7FFu) {
        g->idle++;
        return;
    }
    cr_assert_leq(len, UNITS_CAP - g->used);
    memcpy(g->buf + g->used, pkt, len);
    g->used += len;
    g->n++;
}

static dec_frame_cfg_t dec_cfg(const sim_frame_chan_t *c) {
    dec_frame_cfg_t d;
    dec_frame_cfg_default(&d, c->kind == SIM_FRAME_AOS ? DEC_FRAME_AOS : DEC_FRAME_TM);
    d.frame_len = c->frame_len;
    d.fecf = c->fecf;
    d.ocf = c->kind == SIM_FRAME_AOS && c->ocf;
    d.fhec = c->fhec;
    d.insert_zone = c->insert_zone;
    return d;
}

/* Parse frames[0..n * frame_len) with the decoder and reassemble them into *g; returns the
 * reassembler's counters (copied). */
static dec_vcr_stats_t decode_frames(const sim_frame_chan_t *c, const uint8_t *frames, size_t n,
                                     got_t *g) {
    dec_frame_cfg_t d = dec_cfg(c);
    char err[128] = "";
    dec_vcr_t *v = dec_vcr_new(&d, err, sizeof err);
    cr_assert_not_null(v, "%s", err);
    for (size_t k = 0; k < n; k++) {
        dec_frame_t fr;
        const uint8_t *p = frames + k * c->frame_len;
        cr_assert_eq(dec_frame_parse(&d, p, c->frame_len, &fr), DEC_FRAME_OK, "frame %zu", k);
        cr_assert_eq(fr.fecf_checked, c->fecf);
        cr_assert(!c->fecf || fr.fecf_ok);
        dec_vcr_frame(v, &fr, got_packet, g);
    }
    dec_vcr_stats_t s = *dec_vcr_stats(v);
    dec_vcr_destroy(&v);
    return s;
}

/* ---- frames ----------------------------------------------------------------------------- */

Test(framer, tm_first_header_pointers_by_hand) {
    /* Zone 40 - 6 = 34. Stream: A 0-19, B 20-49, C 50-99, D 100-106, E 107-206, idle from
     * 207 to the end of frame 6 (238 - 207 = 31 octets). */
    sim_framer_cfg_t cfg = frames_of(SIM_FRAME_TM, 40);
    cfg.chan.scid = 0x123;
    cfg.chan.vcid = 5;
    units_t *u = units_new();
    sim_framer_t *f = framer(&cfg, u);
    const size_t lens[] = {20, 30, 50, 7, 100};
    uint8_t stream[256];
    size_t off = 0;
    for (size_t i = 0; i < 5; i++) {
        size_t n = packet(40, (uint16_t)i, lens[i], stream + off, sizeof stream - off);
        cr_assert_eq(feed_packet(f, stream + off, n), 0);
        off += n;
    }
    cr_assert_eq(off, 207);
    cr_assert_eq(u->n, 6, "six frames full");
    cr_assert_eq(sim_framer_pending(f), 3);
    cr_assert_eq(sim_framer_flush(f), 0);
    cr_assert_eq(u->n, 7);
    cr_assert_eq(sim_framer_pending(f), 0);
    cr_assert_eq(sim_framer_units(f), 7);
    cr_assert_eq(sim_framer_idle_packets(f), 1);
    const unsigned fhp[7] = {0, 16, 32, 5, 0x7FF, 0x7FF, 3};
    for (size_t k = 0; k < 7; k++) {
        const uint8_t *fr = u->buf + 40 * k;
        cr_assert_eq(u->len[k], 40);
        cr_assert_eq(be16_at(fr), 0x123u << 4 | 5u << 1, "frame %zu id", k); /* version 00 */
        cr_assert_eq(fr[2], k, "MC count");
        cr_assert_eq(fr[3], k, "VC count");
        cr_assert_eq(be16_at(fr + 4), 0x1800u | fhp[k], "frame %zu FHP %03X", k,
                     be16_at(fr + 4) & 0x7FFu);
        cr_assert_eq(memcmp(fr + 6, stream + 34 * k, k < 6 ? 34 : 3), 0, "frame %zu zone", k);
    }
    /* the idle packet: APID 0x7FF, unsegmented, 31 octets, zero data */
    const uint8_t idle_hdr[6] = {0x07, 0xFF, 0xC0, 0x00, 0x00, 31 - 7};
    cr_assert_eq(memcmp(u->buf + 6 * 40 + 6 + 3, idle_hdr, 6), 0);
    for (size_t i = 6 + 3 + 6; i < 40; i++) {
        cr_assert_eq(u->buf[6 * 40 + i], 0);
    }
    cr_assert_eq(sim_framer_chan(f)->vc_count, 7);
    cr_assert_eq(sim_framer_chan(f)->mc_count, 7);
    /* the decoder gives back the five packets exactly */
    got_t *g = calloc(1, sizeof *g);
    cr_assert_not_null(g);
    dec_vcr_stats_t s = decode_frames(&cfg.chan, u->buf, 7, g);
    cr_assert_eq(g->n, 5);
    cr_assert_eq(g->idle, 1);
    cr_assert_eq(g->used, 207);
    cr_assert_eq(memcmp(g->buf, stream, 207), 0);
    cr_assert_eq(s.no_start_frames, 2);
    cr_assert_eq(s.fhp_mismatch + s.vc_gaps + s.mc_gaps + s.partial_discarded, 0);
    sim_framer_destroy(&f);
    cr_assert_null(f);
    sim_framer_destroy(&f);
    free(g);
    free(u);
}

Test(framer, aos_layout_ocf_fecf) {
    /* 60 = 6 header + 2 FHEC + 3 insert zone + 2 M_PDU header + 41 zone + 4 OCF + 2 FECF */
    sim_framer_cfg_t cfg = frames_of(SIM_FRAME_AOS, 60);
    cfg.chan.fhec = true;
    cfg.chan.insert_zone = 3;
    cfg.chan.ocf = true;
    cfg.chan.ocf_word = 0x01040000;
    cfg.chan.fecf = true;
    cfg.chan.scid = 0xAB;
    cfg.chan.vcid = 62;
    cfg.chan.vc_count = 0x123456;
    size_t zoff = 0;
    cr_assert_eq(sim_frame_zone(&cfg.chan, &zoff), 41);
    cr_assert_eq(zoff, 13);
    units_t *u = units_new();
    sim_framer_t *f = framer(&cfg, u);
    uint8_t pkt[64];
    size_t n = packet(300, 9, 30, pkt, sizeof pkt);
    cr_assert_eq(feed_packet(f, pkt, n), 0);
    cr_assert_eq(u->n, 0);
    cr_assert_eq(sim_framer_flush(f), 0);
    cr_assert_eq(u->n, 1);
    const uint8_t *fr = u->buf;
    const uint8_t head[13] = {0x6A, 0xFE, 0x12, 0x34, 0x56, 0x00, 0x00,
                              0x00, 0xC3, 0xC3, 0xC3, 0x00, 0x00};
    cr_assert_eq(memcmp(fr, head, sizeof head), 0, "%02X%02X", fr[0], fr[1]);
    cr_assert_eq(memcmp(fr + 13, pkt, 30), 0);
    const uint8_t idle_hdr[6] = {0x07, 0xFF, 0xC0, 0x00, 0x00, 11 - 7};
    cr_assert_eq(memcmp(fr + 43, idle_hdr, 6), 0);
    const uint8_t ocf[4] = {0x01, 0x04, 0x00, 0x00};
    cr_assert_eq(memcmp(fr + 54, ocf, 4), 0);
    cr_assert_eq(be16_at(fr + 58), crc_here(fr, 58));
    cr_assert_eq(sim_framer_chan(f)->vc_count, 0x123457);
    /* the decoder's view of it */
    dec_frame_cfg_t d = dec_cfg(&cfg.chan);
    dec_frame_t p;
    cr_assert_eq(dec_frame_parse(&d, guard_place(fr, 60), 60, &p), DEC_FRAME_OK);
    cr_assert_eq(p.version, 1);
    cr_assert_eq(p.scid, 0xAB);
    cr_assert_eq(p.vcid, 62);
    cr_assert_eq(p.vc_count, 0x123456);
    cr_assert_eq(p.fhp, 0);
    cr_assert(p.fecf_checked && p.fecf_ok);
    cr_assert(p.has_ocf && p.has_clcw);
    cr_assert_eq(p.ocf, 0x01040000);
    cr_assert_eq(p.data_len, 41);
    sim_framer_destroy(&f);
    free(u);
}

Test(framer, counters_wrap) {
    /* TM: MC and VC counts modulo 256 */
    sim_framer_cfg_t cfg = frames_of(SIM_FRAME_TM, 30); /* zone 24 */
    cfg.chan.mc_count = 254;
    cfg.chan.vc_count = 254;
    units_t *u = units_new();
    sim_framer_t *f = framer(&cfg, u);
    uint8_t pkt[128];
    size_t n = packet(7, 0, 96, pkt, sizeof pkt); /* exactly four zones */
    cr_assert_eq(feed_packet(f, pkt, n), 0);
    cr_assert_eq(u->n, 4);
    cr_assert_eq(sim_framer_pending(f), 0);
    cr_assert_eq(sim_framer_flush(f), 0, "nothing to fill");
    cr_assert_eq(u->n, 4);
    const uint8_t want[4] = {254, 255, 0, 1};
    for (size_t k = 0; k < 4; k++) {
        cr_assert_eq(u->buf[30 * k + 2], want[k], "MC of frame %zu", k);
        cr_assert_eq(u->buf[30 * k + 3], want[k], "VC of frame %zu", k);
    }
    cr_assert_eq(sim_framer_chan(f)->mc_count, 2);
    cr_assert_eq(sim_framer_chan(f)->vc_count, 2);
    got_t *g = calloc(1, sizeof *g);
    cr_assert_not_null(g);
    dec_vcr_stats_t s = decode_frames(&cfg.chan, u->buf, 4, g);
    cr_assert_eq(s.vc_gaps + s.mc_gaps, 0);
    cr_assert_eq(g->n, 1);
    sim_framer_destroy(&f);
    free(u);

    /* AOS: VC count modulo 2^24 */
    cfg = frames_of(SIM_FRAME_AOS, 32); /* zone 24 */
    cfg.chan.vc_count = 0xFFFFFE;
    u = units_new();
    f = framer(&cfg, u);
    cr_assert_eq(feed_packet(f, pkt, n), 0);
    cr_assert_eq(u->n, 4);
    const uint32_t vc[4] = {0xFFFFFE, 0xFFFFFF, 0, 1};
    for (size_t k = 0; k < 4; k++) {
        const uint8_t *fr = u->buf + 32 * k;
        uint32_t got = (uint32_t)fr[2] << 16 | (uint32_t)fr[3] << 8 | fr[4];
        cr_assert_eq(got, vc[k], "VC of frame %zu: %06X", k, got);
    }
    cr_assert_eq(sim_framer_chan(f)->vc_count, 2);
    memset(g, 0, sizeof *g);
    s = decode_frames(&cfg.chan, u->buf, 4, g);
    cr_assert_eq(s.vc_gaps, 0);
    cr_assert_eq(g->n, 1);
    sim_framer_destroy(&f);
    free(u);
    free(g);
}

Test(framer, idle_fill_shorter_than_a_packet_runs_into_the_next_frame) {
    sim_framer_cfg_t cfg = frames_of(SIM_FRAME_TM, 30); /* zone 24 */
    units_t *u = units_new();
    sim_framer_t *f = framer(&cfg, u);
    uint8_t pkt[64];
    size_t n = packet(8, 1, 20, pkt, sizeof pkt); /* 4 octets left: too few for an idle packet */
    cr_assert_eq(feed_packet(f, pkt, n), 0);
    cr_assert_eq(sim_framer_pending(f), 20);
    cr_assert_eq(sim_framer_flush(f), 0);
    cr_assert_eq(u->n, 2);
    /* idle of 4 + 24 = 28 octets: header at zone offset 20 of frame 0, ends with frame 1 */
    const uint8_t idle_hdr[6] = {0x07, 0xFF, 0xC0, 0x00, 0x00, 28 - 7};
    cr_assert_eq(be16_at(u->buf + 4), 0x1800u);
    cr_assert_eq(memcmp(u->buf + 6 + 20, idle_hdr, 4), 0);
    cr_assert_eq(memcmp(u->buf + 30 + 6, idle_hdr + 4, 2), 0);
    cr_assert_eq(be16_at(u->buf + 30 + 4), 0x1800u | 0x7FFu, "no packet starts in frame 1");
    cr_assert_eq(sim_framer_pending(f), 0);
    cr_assert_eq(sim_framer_flush(f), 0);
    cr_assert_eq(u->n, 2, "an empty frame is not sent");

    /* room for exactly 7: one frame; a packet filling the zone: sent at once, no fill */
    n = packet(8, 2, 17, pkt, sizeof pkt);
    cr_assert_eq(feed_packet(f, pkt, n), 0);
    cr_assert_eq(sim_framer_flush(f), 0);
    cr_assert_eq(u->n, 3);
    cr_assert_eq(u->buf[2 * 30 + 6 + 17 + 5], 0, "a 7-octet idle packet");
    n = packet(8, 3, 24, pkt, sizeof pkt);
    cr_assert_eq(feed_packet(f, pkt, n), 0);
    cr_assert_eq(u->n, 4);
    cr_assert_eq(sim_framer_flush(f), 0);
    cr_assert_eq(u->n, 4);
    cr_assert_eq(sim_framer_idle_packets(f), 2);
    got_t *g = calloc(1, sizeof *g);
    cr_assert_not_null(g);
    dec_vcr_stats_t s = decode_frames(&cfg.chan, u->buf, 4, g);
    cr_assert_eq(g->n, 3);
    cr_assert_eq(g->idle, 2);
    cr_assert_eq(s.fhp_mismatch + s.partial_discarded + s.held_bytes, 0);
    sim_framer_destroy(&f);
    free(u);
    free(g);
}

Test(framer, zone_of_three_octets) {
    /* TM 13 = 6 + 3 + 4 (OCF): a packet takes three frames; the idle fill (room 2) runs on
     * through two more frames (2 + 3 + 3 = 8 >= 7) */
    sim_framer_cfg_t cfg = frames_of(SIM_FRAME_TM, 13);
    cfg.chan.ocf = true;
    units_t *u = units_new();
    sim_framer_t *f = framer(&cfg, u);
    uint8_t pkt[16];
    size_t n = packet(9, 0, 7, pkt, sizeof pkt);
    cr_assert_eq(feed_packet(f, pkt, n), 0);
    cr_assert_eq(u->n, 2);
    cr_assert_eq(sim_framer_flush(f), 0);
    cr_assert_eq(u->n, 5);
    const unsigned fhp[5] = {0, 0x7FF, 1, 0x7FF, 0x7FF};
    for (size_t k = 0; k < 5; k++) {
        cr_assert_eq(be16_at(u->buf + 13 * k) & 1u, 1u, "OCF flag");
        cr_assert_eq(be16_at(u->buf + 13 * k + 4) & 0x7FFu, fhp[k], "frame %zu", k);
    }
    got_t *g = calloc(1, sizeof *g);
    cr_assert_not_null(g);
    decode_frames(&cfg.chan, u->buf, 5, g);
    cr_assert_eq(g->n, 1);
    cr_assert_eq(g->idle, 1);
    sim_framer_destroy(&f);
    free(u);
    free(g);
}

Test(framer, fecf_is_the_crc_computed_here) {
    cr_assert_eq(sim_crc16_ccitt((const uint8_t *)"123456789", 9), 0x29B1);
    cr_assert_eq(crc_here((const uint8_t *)"123456789", 9), 0x29B1);
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] = (uint8_t)(i * 151u + 11u);
    }
    for (size_t n = 0; n <= sizeof buf; n++) {
        cr_assert_eq(sim_crc16_ccitt(buf, n), crc_here(buf, n), "length %zu", n);
    }
    for (int kind = 0; kind < 2; kind++) {
        sim_framer_cfg_t cfg = frames_of((sim_frame_kind_t)kind, 223);
        cfg.chan.fecf = true;
        cfg.chan.ocf = kind == 1;
        units_t *u = units_new();
        sim_framer_t *f = framer(&cfg, u);
        uint8_t pkt[512];
        for (uint16_t i = 0; i < 12; i++) {
            size_t n = packet(100, i, 40u + 37u * i, pkt, sizeof pkt);
            cr_assert_eq(feed_packet(f, pkt, n), 0);
        }
        cr_assert_eq(sim_framer_flush(f), 0);
        cr_assert_geq(u->n, 10);
        for (size_t k = 0; k < u->n; k++) {
            const uint8_t *fr = u->buf + 223 * k;
            cr_assert_eq(be16_at(fr + 221), crc_here(fr, 221), "kind %d frame %zu", kind, k);
        }
        got_t *g = calloc(1, sizeof *g);
        cr_assert_not_null(g);
        decode_frames(&cfg.chan, u->buf, u->n, g); /* FECFs the decoder accepts too */
        cr_assert_eq(g->n, 12);
        /* one flipped bit: the decoder's FECF check fails */
        dec_frame_cfg_t d = dec_cfg(&cfg.chan);
        dec_frame_t p;
        u->buf[100] ^= 0x10;
        cr_assert_eq(dec_frame_parse(&d, u->buf, 223, &p), DEC_FRAME_BAD_CRC);
        sim_framer_destroy(&f);
        free(u);
        free(g);
    }
}

Test(framer, sim_frame_build_with_chosen_fhp) {
    sim_frame_chan_t c = sim_frame_chan(SIM_FRAME_TM, 20);
    c.tm_sec_hdr = 3;
    c.vc_count = 300; /* only the low 8 bits go out */
    size_t zoff = 0;
    cr_assert_eq(sim_frame_zone(&c, &zoff), 11);
    cr_assert_eq(zoff, 9);
    uint8_t zone[11], out[20];
    memset(zone, 0x5C, sizeof zone);
    cr_assert_eq(sim_frame_build(&c, 0x7FE, zone, 11, out, sizeof out), 20);
    cr_assert_eq(be16_at(out + 4), 0x8000u | 0x1800u | 0x7FEu, "sec header flag, idle FHP");
    cr_assert_eq(out[3], 300 % 256);
    cr_assert_eq(out[6], 2, "secondary header length - 1");
    cr_assert_eq(memcmp(out + 9, zone, 11), 0);
    cr_assert_eq(sim_frame_build(&c, 0, zone, 10, out, sizeof out), 0, "zone too short");
    cr_assert_eq(sim_frame_build(&c, 0, zone, 11, out, 19), 0, "no room");
    /* AOS VC 63 (idle): no M_PDU header, the whole data field is zone */
    sim_frame_chan_t a = sim_frame_chan(SIM_FRAME_AOS, 20);
    a.vcid = 63;
    cr_assert_eq(sim_frame_zone(&a, &zoff), 14);
    cr_assert_eq(zoff, 6);
}

Test(framer, bad_settings_and_packets) {
    struct {
        sim_framer_cfg_t cfg;
        const char *why;
    } bad[9];
    for (size_t i = 0; i < 9; i++) {
        bad[i].cfg = frames_of(SIM_FRAME_TM, 100);
    }
    bad[0].cfg.chan.frame_len = 10; /* 6 + 4 OCF: no zone */
    bad[0].cfg.chan.ocf = true;
    bad[0].why = "no octet for packets";
    bad[1].cfg.chan.scid = 1024;
    bad[1].why = "spacecraft id 1024";
    bad[2].cfg.chan.kind = SIM_FRAME_AOS;
    bad[2].cfg.chan.scid = 256;
    bad[2].why = "spacecraft id 256";
    bad[3].cfg.chan.vcid = 8;
    bad[3].why = "virtual channel 8";
    bad[4].cfg.chan.kind = SIM_FRAME_AOS;
    bad[4].cfg.chan.vcid = 63;
    bad[4].why = "virtual channel 63";
    bad[5].cfg.chan.frame_len = 2049;
    bad[5].why = "at most 2048";
    bad[6].cfg.cadu = true;
    bad[6].cfg.rs_interleave = 6;
    bad[6].why = "RS interleave 6";
    bad[7].cfg.cadu = true;
    bad[7].cfg.rs_interleave = 3;
    bad[7].why = "multiple of 3";
    bad[8].cfg.chan.tm_sec_hdr = 1;
    bad[8].why = "secondary header";
    units_t *u = units_new();
    for (size_t i = 0; i < 9; i++) {
        char err[256] = "";
        cr_assert_eq(sim_framer_cfg_check(&bad[i].cfg, err, sizeof err), -1, "case %zu", i);
        cr_assert_not_null(strstr(err, bad[i].why), "case %zu: %s", i, err);
        cr_assert_null(sim_framer_new(&bad[i].cfg, collect, u, err, sizeof err));
    }
    sim_framer_cfg_t ok = frames_of(SIM_FRAME_TM, 100);
    char err[128];
    cr_assert_null(sim_framer_new(&ok, NULL, u, err, sizeof err), "no sink");
    sim_framer_t *f = framer(&ok, u);
    uint8_t pkt[64];
    size_t n = packet(5, 0, 30, pkt, sizeof pkt);
    cr_assert_eq(feed_packet(f, pkt, 6), -1, "shorter than a packet");
    cr_assert_eq(feed_packet(f, pkt, 29), -1, "shorter than declared");
    cr_assert_eq(sim_framer_packet(f, pkt, 31), -1, "longer than declared");
    cr_assert_eq(sim_framer_pending(f), 0, "nothing appended");
    cr_assert_eq(feed_packet(f, pkt, n), 0);
    cr_assert_eq(sim_framer_pending(f), 30);
    sim_framer_destroy(&f);
    free(u);
}

Test(framer, sink_error_comes_back) {
    sim_framer_cfg_t cfg = frames_of(SIM_FRAME_TM, 30); /* zone 24 */
    units_t *u = units_new();
    u->fail_at = 2;
    sim_framer_t *f = framer(&cfg, u);
    uint8_t pkt[128];
    size_t n = packet(5, 0, 100, pkt, sizeof pkt);
    cr_assert_eq(feed_packet(f, pkt, n), 7, "the second frame's sink result");
    cr_assert_eq(u->n, 2);
    cr_assert_eq(sim_framer_units(f), 2);
    sim_framer_destroy(&f);
    free(u);
}

/* ---- CADUs ------------------------------------------------------------------------------ */

Test(framer, randomiser_is_the_decoders) {
    uint8_t a[600], b[600];
    for (size_t i = 0; i < sizeof a; i++) {
        a[i] = b[i] = (uint8_t)(i * 7u);
    }
    sim_randomize(a, sizeof a);
    dec_derandomize(b, sizeof b);
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    cr_assert_eq(a[0], 0x00 ^ 0xFF);
    cr_assert_eq(a[1], (uint8_t)(7 ^ 0x48));
    sim_randomize(a, sizeof a);
    for (size_t i = 0; i < sizeof a; i++) {
        cr_assert_eq(a[i], (uint8_t)(i * 7u), "twice restores (%zu)", i);
    }
}

typedef struct {
    size_t n;
    uint8_t frames[8][2048];
    uint32_t corrected[8];
    bool checked[8];
} cadu_out_t;

static void cadu_frame(void *ctx, const dec_cadu_frame_t *fr) {
    cadu_out_t *o = ctx;
    cr_assert_lt(o->n, 8);
    memcpy(o->frames[o->n], fr->frame, fr->len);
    o->corrected[o->n] = fr->rs_corrected;
    o->checked[o->n] = fr->rs_checked;
    o->n++;
}

/* Two CADUs of frames of flen octets at interleave il through the decoder's CADU layer; the
 * second with 16 octet errors in every codeword (the most RS(255,223) corrects). */
static void cadu_case(uint32_t flen, unsigned il, bool rnd) {
    static uint8_t frame[2][2048], stream[2 * 2400];
    size_t clen = sim_cadu_len(flen, il);
    cr_assert_eq(clen, 4 + flen + 32 * il);
    size_t off = 0;
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < flen; i++) {
            frame[k][i] = (uint8_t)(k * 101u + i * 29u + (i >> 7));
        }
        cr_assert_eq(sim_cadu_build(frame[k], flen, il, rnd, stream + off, sizeof stream - off),
                     clen);
        const uint8_t asm_octets[4] = {0x1A, 0xCF, 0xFC, 0x1D};
        cr_assert_eq(memcmp(stream + off, asm_octets, 4), 0);
        off += clen;
    }
    uint32_t seed = 12345u + flen + il;
    for (unsigned j = 0; j < il; j++) {
        cr_assert_eq(cb_corrupt_codeword(stream + clen + 4, clen - 4, il, j, 16, &seed), 16);
    }
    dec_cadu_cfg_t cfg;
    dec_cadu_cfg_default(&cfg);
    cfg.frame_len = flen;
    cfg.rs_interleave = il;
    cfg.derandomize = rnd;
    char err[128] = "";
    dec_cadu_t *c = dec_cadu_new(&cfg, err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    cadu_out_t *o = calloc(1, sizeof *o);
    cr_assert_not_null(o);
    dec_cadu_feed(c, stream, off, cadu_frame, o);
    dec_cadu_flush(c);
    cr_assert_eq(o->n, 2, "flen %u il %u: %zu frames", flen, il, o->n);
    for (size_t k = 0; k < 2; k++) {
        cr_assert_eq(memcmp(o->frames[k], frame[k], flen), 0, "flen %u il %u frame %zu", flen, il,
                     k);
        cr_assert_eq(o->checked[k], il > 0);
    }
    cr_assert_eq(o->corrected[0], 0, "clean check symbols: nothing to correct");
    cr_assert_eq(o->corrected[1], il > 0 ? 16 * il : 0);
    const dec_cadu_stats_t *s = dec_cadu_stats(c);
    cr_assert_eq(s->rs_uncorrectable, 0);
    cr_assert_eq(s->cadus, 2);
    dec_cadu_destroy(&c);
    free(o);
}

Test(framer, cadus_pass_the_decoders_reed_solomon) {
    const unsigned ils[6] = {1, 2, 3, 4, 5, 8};
    for (size_t i = 0; i < 6; i++) {
        cadu_case(223 * ils[i], ils[i], true);       /* full length */
        cadu_case(100 * ils[i], ils[i], i % 2 == 1); /* shortened */
    }
    cadu_case(1115, 5, false);
    uint8_t frame[600] = {0}, out[600];
    cr_assert_eq(sim_cadu_build(frame, 300, 0, true, out, sizeof out), 304, "no RS");
    uint8_t zero[300] = {0};
    sim_randomize(zero, sizeof zero);
    cr_assert_eq(memcmp(out + 4, zero, 300), 0, "no RS: the frame, randomised");
    cr_assert_eq(sim_cadu_build(frame, 448, 2, true, out, sizeof out), 0, "more than 223 x 2");
    cr_assert_eq(sim_cadu_build(frame, 224, 1, true, out, sizeof out), 0, "more than 223");
    cr_assert_eq(sim_cadu_build(frame, 200, 3, true, out, sizeof out), 0, "not a multiple");
    cr_assert_eq(sim_cadu_build(frame, 200, 6, true, out, sizeof out), 0, "interleave 6");
    cr_assert_eq(sim_cadu_build(frame, 200, 1, true, out, 200 + 36 - 1), 0, "no room");
}

/* Packets delivered by the decoder's whole frame path (CADU -> frame -> reassembly). */
typedef struct {
    dec_frame_cfg_t fcfg;
    dec_vcr_t *vcr;
    got_t *got;
    uint64_t frames;
} chain_t;

static void chain_frame(void *ctx, const dec_cadu_frame_t *fr) {
    chain_t *ch = ctx;
    dec_frame_t p;
    cr_assert_eq(dec_frame_parse(&ch->fcfg, fr->frame, fr->len, &p), DEC_FRAME_OK);
    cr_assert(p.fecf_ok);
    cr_assert_eq(p.vc_count, ch->frames % 256);
    ch->frames++;
    dec_vcr_frame(ch->vcr, &p, got_packet, ch->got);
}

Test(framer, streamed_cadus_decode_to_the_packets) {
    sim_framer_cfg_t cfg = frames_of(SIM_FRAME_TM, 1115);
    cfg.chan.fecf = true;
    cfg.chan.scid = 0x2A;
    cfg.chan.vcid = 1;
    cfg.cadu = true;
    cfg.rs_interleave = 5;
    cfg.randomize = true;
    units_t *u = units_new();
    sim_framer_t *f = framer(&cfg, u);
    static uint8_t stream[40000];
    size_t off = 0;
    for (uint16_t i = 0; i < 120; i++) {
        size_t n = packet((uint16_t)(100 + i % 3), i, 7u + (i * 53u) % 240u, stream + off,
                          sizeof stream - off);
        cr_assert_eq(feed_packet(f, stream + off, n), 0);
        off += n;
    }
    cr_assert_eq(sim_framer_flush(f), 0);
    size_t zone = 1115 - 6 - 2;
    size_t nf = (off + zone - 1) / zone; /* the fill leaves at least 7 octets here */
    cr_assert_geq(nf * zone - off, 7);
    cr_assert_eq(u->n, nf);
    for (size_t k = 0; k < u->n; k++) {
        cr_assert_eq(u->len[k], 1279);
    }
    chain_t ch = {.fcfg = dec_cfg(&cfg.chan)};
    char err[128] = "";
    ch.vcr = dec_vcr_new(&ch.fcfg, err, sizeof err);
    cr_assert_not_null(ch.vcr, "%s", err);
    ch.got = calloc(1, sizeof *ch.got);
    cr_assert_not_null(ch.got);
    dec_cadu_cfg_t cc;
    dec_cadu_cfg_default(&cc); /* 1115 octets, interleave 5, randomised */
    dec_cadu_t *c = dec_cadu_new(&cc, err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    /* fed in odd chunks, as a socket would */
    for (size_t at = 0; at < u->used; at += 777) {
        dec_cadu_feed(c, u->buf + at, u->used - at < 777 ? u->used - at : 777, chain_frame, &ch);
    }
    dec_cadu_flush(c);
    cr_assert_eq(ch.frames, nf);
    cr_assert_eq(ch.got->n, 120);
    cr_assert_eq(ch.got->used, off);
    cr_assert_eq(memcmp(ch.got->buf, stream, off), 0);
    const dec_cadu_stats_t *cs = dec_cadu_stats(c);
    cr_assert_eq(cs->rs_corrected_octets + cs->rs_uncorrectable + cs->sync_losses, 0);
    cr_assert_eq(cs->bytes_skipped, 0);
    dec_cadu_destroy(&c);
    dec_vcr_destroy(&ch.vcr);
    sim_framer_destroy(&f);
    free(ch.got);
    free(u);
}

/* ---- framed sim_run --------------------------------------------------------------------- */

/* The records of a pcap written by sim_out: times (ns) and payloads. */
typedef struct {
    size_t n;
    int64_t t_ns[64];
    size_t len[64];
    uint8_t data[64][1300];
} records_t;

static void read_records(const char *path, records_t *r) {
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "%s", path);
    uint8_t h[24 + 16 + 42];
    cr_assert_eq(fread(h, 1, 24, fp), 24);
    memset(r, 0, sizeof *r);
    while (r->n < 64 && fread(h, 1, 16 + 42, fp) == 16 + 42) {
        uint32_t sec =
            (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        uint32_t usec =
            (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
        uint32_t incl = (uint32_t)h[8] | (uint32_t)h[9] << 8;
        cr_assert(incl > 42 && incl - 42 <= sizeof r->data[0]);
        r->t_ns[r->n] = (int64_t)sec * VLEO_NS_PER_S + (int64_t)usec * 1000;
        r->len[r->n] = incl - 42;
        cr_assert_eq(fread(r->data[r->n], 1, r->len[r->n], fp), r->len[r->n]);
        r->n++;
    }
    fclose(fp);
}

static sim_scenario_t short_scenario(double duration_s, double gnss_s) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.duration_s = duration_s;
    s.gnss_period_s = gnss_s;
    s.hk_period_s = 1000.0; /* PROP at 2 s, EPS at 4 s, then not again */
    s.idle_period_s = 0.0;
    return s;
}

static int64_t framed_run(const sim_scenario_t *s, double speed, records_t *r) {
    char path[64], err[256] = "";
    snprintf(path, sizeof path, "/tmp/simframer_%d.pcap", (int)getpid());
    sim_out_t *o = sim_out_open(SIM_OUT_PCAP, path, err, sizeof err);
    cr_assert_not_null(o, "%s", err);
    sim_framer_cfg_t cfg = frames_of(SIM_FRAME_TM, 256);
    cr_assert_eq(sim_out_set_framing(o, &cfg, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sim_out_set_framing(o, &cfg, err, sizeof err), -1, "set once");
    int64_t n = sim_run(s, o, speed, NULL, NULL, err, sizeof err);
    cr_assert_geq(n, 0, "%s", err);
    cr_assert_eq(sim_out_pending(o), 0, "the run sent its last frame");
    cr_assert_eq(sim_out_close(&o), 0);
    read_records(path, r);
    unlink(path);
    return n;
}

Test(framed_run, gap_and_end_complete_the_frame) {
    /* GNSS every 5 s, PROP at 2, EPS at 4; telemetry gap from 10 s to 14 s. Sent: 0, 2, 4, 5
     * (frame 1, completed when the gap begins, stamped 5 s), 15 (frame 2, at the end) */
    sim_scenario_t s = short_scenario(20.0, 5.0);
    s.events[0] = (sim_event_t){.kind = SIM_EV_TELEMETRY_GAP,
                                .at_ns = s.start_ns + 10 * VLEO_NS_PER_S,
                                .until_ns = s.start_ns + 14 * VLEO_NS_PER_S,
                                .kp = NAN,
                                .f107 = NAN,
                                .f107a = NAN,
                                .density_factor = NAN,
                                .line = 1};
    s.n_events = 1;
    records_t *r = malloc(sizeof *r);
    cr_assert_not_null(r);
    cr_assert_eq(framed_run(&s, 0.0, r), 5);
    cr_assert_eq(r->n, 2);
    cr_assert_eq(r->t_ns[0], s.start_ns + 5 * VLEO_NS_PER_S);
    cr_assert_eq(r->t_ns[1], s.start_ns + 15 * VLEO_NS_PER_S);
    for (size_t k = 0; k < 2; k++) {
        cr_assert_eq(r->len[k], 256);
        cr_assert_eq(be16_at(r->data[k] + 4) & 0x7FFu, 0, "a packet at the start");
        cr_assert_eq(r->data[k][3], k, "VC count");
    }
    /* frame 1: GNSS 62 + PROP 30 + EPS 26 + GNSS 62 = 180 octets, then the idle packet */
    cr_assert_eq(be16_at(r->data[0] + 6 + 180) & 0x7FFu, 0x7FF);
    cr_assert_eq(be16_at(r->data[1] + 6 + 62) & 0x7FFu, 0x7FF);
    free(r);
}

Test(framed_run, paced_frame_waits_at_most_a_second) {
    /* at 10 x pace a frame waits at most 10 s of packet time: 0, 2, 4 then nothing until
     * 15 s, so the first frame goes at 14 s with idle fill; 15 s closes the run */
    sim_scenario_t s = short_scenario(16.0, 15.0);
    records_t *r = malloc(sizeof *r);
    cr_assert_not_null(r);
    cr_assert_eq(framed_run(&s, 10.0, r), 4);
    cr_assert_eq(r->n, 2);
    cr_assert_eq(r->t_ns[0], s.start_ns + 14 * VLEO_NS_PER_S);
    cr_assert_eq(r->t_ns[1], s.start_ns + 15 * VLEO_NS_PER_S);
    cr_assert_eq(be16_at(r->data[0] + 6 + 62 + 30 + 26) & 0x7FFu, 0x7FF, "idle after EPS");
    /* as fast as possible: one frame for all four */
    cr_assert_eq(framed_run(&s, 0.0, r), 4);
    cr_assert_eq(r->n, 1);
    cr_assert_eq(r->t_ns[0], s.start_ns + 15 * VLEO_NS_PER_S);
    free(r);
}
