/* test_frame.c: TM (132.0-B-3) and AOS (732.0-B-4) frame parser and virtual channel
 * reassembly, with frames from tests/support/framebuild and by hand, against a guard page. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dec/frame.h"
#include "dec/spp.h"
#include "framebuild.h"
#include "guard.h"
#include "netbuild.h"

/* ---- helpers ---------------------------------------------------------------------------- */

#define MAX_PKTS 512
#define STREAM_CAP (1u << 20)

/* Packets delivered by the reassembler, copied out. */
typedef struct {
    size_t n;
    size_t off[MAX_PKTS], len[MAX_PKTS];
    uint8_t vcid[MAX_PKTS];
    uint8_t *bytes;
    size_t used;
} sink_t;

static void sink_fn(void *ctx, const uint8_t *pkt, size_t len, const dec_frame_t *fr) {
    sink_t *s = ctx;
    cr_assert_lt(s->n, MAX_PKTS);
    cr_assert_leq(len, STREAM_CAP - s->used);
    memcpy(s->bytes + s->used, pkt, len);
    s->off[s->n] = s->used;
    s->len[s->n] = len;
    s->vcid[s->n] = fr->vcid;
    s->used += len;
    s->n++;
}

static sink_t *sink_new(void) {
    sink_t *s = calloc(1, sizeof *s);
    cr_assert_not_null(s);
    s->bytes = malloc(STREAM_CAP);
    cr_assert_not_null(s->bytes);
    return s;
}

static void sink_free(sink_t *s) {
    free(s->bytes);
    free(s);
}

/* A stream of packets: bytes back to back and where each starts. */
typedef struct {
    uint8_t *b;
    size_t len;
    size_t n;
    size_t start[MAX_PKTS], plen[MAX_PKTS];
} stream_t;

static stream_t *stream_new(void) {
    stream_t *s = calloc(1, sizeof *s);
    cr_assert_not_null(s);
    s->b = malloc(STREAM_CAP);
    cr_assert_not_null(s->b);
    return s;
}

static void stream_free(stream_t *s) {
    free(s->b);
    free(s);
}

/* Append a packet of total length plen (>= 7) with APID apid; its data is a pattern that
 * depends on its index so that no two packets are alike. */
static void stream_add(stream_t *s, uint16_t apid, size_t plen) {
    cr_assert_geq(plen, 7);
    cr_assert_lt(s->n, MAX_PKTS);
    static uint8_t data[DEC_SPP_MAX_LEN];
    for (size_t i = 0; i < plen - 6; i++) {
        data[i] = (uint8_t)(i * 7u + s->n * 31u + 1u);
    }
    size_t w = nb_spp(apid, 0, false, 3, (uint16_t)s->n, data, plen - 6, s->b + s->len,
                      STREAM_CAP - s->len);
    cr_assert_eq(w, plen);
    s->start[s->n] = s->len;
    s->plen[s->n] = plen;
    s->len += plen;
    s->n++;
}

/* Parse frame k of frames[] (each flen octets) from a guard page and feed it. */
static void feed(dec_vcr_t *v, const dec_frame_cfg_t *cfg, const uint8_t *frame, sink_t *sk) {
    const uint8_t *g = guard_place(frame, cfg->frame_len);
    cr_assert_not_null(g);
    dec_frame_t fr;
    cr_assert_eq(dec_frame_parse(cfg, g, cfg->frame_len, &fr), DEC_FRAME_OK);
    dec_vcr_frame(v, &fr, sink_fn, sk);
}

static void check_accounting(const dec_vcr_t *v) {
    const dec_vcr_stats_t *s = dec_vcr_stats(v);
    cr_assert_eq(s->data_bytes,
                 s->packet_bytes + s->idle_bytes + s->spill_bytes + s->partial_discarded_bytes +
                     s->held_bytes,
                 "data %llu packets %llu idle %llu spill %llu discarded %llu held %llu",
                 (unsigned long long)s->data_bytes, (unsigned long long)s->packet_bytes,
                 (unsigned long long)s->idle_bytes, (unsigned long long)s->spill_bytes,
                 (unsigned long long)s->partial_discarded_bytes, (unsigned long long)s->held_bytes);
}

/* Assert that the sink holds exactly packets `which` of stream st, in order, and at most
 * one idle packet after them (the builder's fill). */
static void expect_packets(const sink_t *sk, const stream_t *st, const size_t *which, size_t n) {
    cr_assert(sk->n == n || sk->n == n + 1, "delivered %zu packets, expected %zu", sk->n, n);
    if (sk->n == n + 1) {
        const uint8_t *last = sk->bytes + sk->off[n];
        cr_assert_eq((last[0] & 7u) << 8 | last[1], DEC_SPP_APID_IDLE, "extra packet not idle");
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = which[i];
        cr_assert_eq(sk->len[i], st->plen[k], "packet %zu", i);
        cr_assert_eq(memcmp(sk->bytes + sk->off[i], st->b + st->start[k], st->plen[k]), 0,
                     "packet %zu (stream %zu) differs", i, k);
    }
}

static dec_vcr_t *vcr_for(const dec_frame_cfg_t *cfg) {
    char err[128] = "";
    dec_vcr_t *v = dec_vcr_new(cfg, err, sizeof err);
    cr_assert_not_null(v, "%s", err);
    return v;
}

/* Pack the stream (plus idle fill) into frames, feed them all but those with skip[k], and
 * return how many frames there were. */
static size_t pack_feed(fb_chan_t *ch, const stream_t *st, dec_vcr_t *v, sink_t *sk,
                        const bool *skip) {
    dec_frame_cfg_t cfg = fb_cfg(ch);
    size_t cap = STREAM_CAP * 2;
    uint8_t *frames = malloc(cap);
    cr_assert_not_null(frames);
    size_t nf = fb_pack(ch, st->b, st->len, frames, cap);
    cr_assert_gt(nf, 0);
    for (size_t k = 0; k < nf; k++) {
        if (skip == NULL || !skip[k]) {
            feed(v, &cfg, frames + k * cfg.frame_len, sk);
        }
    }
    free(frames);
    return nf;
}

/* ---- CRC and frame parser ------------------------------------------------------------- */

Test(frame, crc16_check_value) {
    const uint8_t *g = guard_place("123456789", 9);
    cr_assert_eq(dec_crc16_ccitt(g, 9), 0x29B1);
    cr_assert_eq(sim_crc16_ccitt((const uint8_t *)"123456789", 9), 0x29B1);
    cr_assert_eq(dec_crc16_ccitt(g, 0), 0xFFFF);
    /* Same as the sim framer's own CRC over every length up to 300. */
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] = (uint8_t)(i * 131u + 7u);
    }
    for (size_t n = 0; n <= sizeof buf; n++) {
        cr_assert_eq(dec_crc16_ccitt(buf, n), sim_crc16_ccitt(buf, n), "length %zu", n);
    }
}

Test(frame, tm_header_fields_by_hand) {
    /* 00 1010101011 101 1 | MC 0x12 | VC 0x34 | 1 0 1 11 00100100011 */
    uint8_t f[24] = {0x2A, 0xBB, 0x12, 0x34, 0xB9, 0x23, 0x03, 0xE1,
                     0xE2, 0xE3, /* secondary header: version 00, 4 octets */
                     1,    2,    3,    4,    5,    6,    7,    8, /* data */
                     0x29, 0xA8, 0xAC, 0x9C,                      /* OCF: a CLCW */
                     0,    0};
    uint16_t crc = sim_crc16_ccitt(f, 22);
    f[22] = (uint8_t)(crc >> 8);
    f[23] = (uint8_t)crc;
    dec_frame_cfg_t cfg;
    dec_frame_cfg_default(&cfg, DEC_FRAME_TM);
    cfg.frame_len = 24;
    cfg.fecf = true;
    const uint8_t *g = guard_place(f, sizeof f);
    dec_frame_t fr;
    cr_assert_eq(dec_frame_parse(&cfg, g, sizeof f, &fr), DEC_FRAME_OK);
    cr_assert_eq(fr.version, 0);
    cr_assert_eq(fr.scid, 0x2AB);
    cr_assert_eq(fr.vcid, 5);
    cr_assert(fr.ocf_flag);
    cr_assert_eq(fr.mc_count, 0x12);
    cr_assert_eq(fr.vc_count, 0x34);
    cr_assert(fr.sec_hdr);
    cr_assert(!fr.sync);
    cr_assert(fr.order);
    cr_assert_eq(fr.seg_len_id, 3);
    cr_assert_eq(fr.fhp, 0x123);
    cr_assert_eq(fr.data, g + 10);
    cr_assert_eq(fr.data_len, 8);
    cr_assert(fr.has_ocf);
    cr_assert_eq(fr.ocf, 0x29A8AC9Cu);
    cr_assert(fr.has_clcw);
    cr_assert_eq(fr.clcw, 0x29A8AC9Cu);
    cr_assert(fr.fecf_checked);
    cr_assert(fr.fecf_ok);
    cr_assert(!fr.idle);
    cr_assert(!fr.replay);

    dec_clcw_t c;
    dec_clcw_decode(fr.clcw, &c);
    cr_assert_eq(c.type, 0);
    cr_assert_eq(c.version, 1);
    cr_assert_eq(c.status, 2);
    cr_assert_eq(c.cop, 1);
    cr_assert_eq(c.vcid, 0x2A);
    cr_assert(c.no_rf);
    cr_assert(!c.no_bitlock);
    cr_assert(c.lockout);
    cr_assert(!c.wait);
    cr_assert(c.retransmit);
    cr_assert_eq(c.farm_b, 2);
    cr_assert_eq(c.report, 0x9C);

    /* Without the secondary header flag the data zone starts right after the header. */
    f[4] = 0x39; /* 0 0 1 11 001... */
    crc = sim_crc16_ccitt(f, 22);
    f[22] = (uint8_t)(crc >> 8);
    f[23] = (uint8_t)crc;
    g = guard_place(f, sizeof f);
    cr_assert_eq(dec_frame_parse(&cfg, g, sizeof f, &fr), DEC_FRAME_OK);
    cr_assert(!fr.sec_hdr);
    cr_assert_eq(fr.data, g + 6);
    cr_assert_eq(fr.data_len, 12);

    /* Without FECF, the last two octets are data. */
    cfg.fecf = false;
    cr_assert_eq(dec_frame_parse(&cfg, g, sizeof f, &fr), DEC_FRAME_OK);
    cr_assert(!fr.fecf_checked);
    cr_assert_eq(fr.data_len, 14);
    cr_assert_eq(fr.ocf,
                 (uint32_t)f[20] << 24 | (uint32_t)f[21] << 16 | (uint32_t)f[22] << 8 | f[23]);
}

Test(frame, aos_header_fields_by_hand) {
    uint8_t f[29] = {0x6D, 0xD5, 0xAB, 0xCD, 0xEF, 0xC9, /* 01 10110111 010101, VC count, sig */
                     0xEE, 0xEE,                         /* FHEC */
                     0x11, 0x22, 0x33,                   /* insert zone */
                     0xF8, 0x05,                         /* M_PDU: spare 11111, FHP 5 */
                     10,   11,   12,   13,   14,   15,   16, 17, 18, 19, /* data */
                     0x80, 0x00, 0x00, 0x01,                             /* OCF, not a CLCW */
                     0,    0};
    uint16_t crc = sim_crc16_ccitt(f, 27);
    f[27] = (uint8_t)(crc >> 8);
    f[28] = (uint8_t)crc;
    dec_frame_cfg_t cfg;
    dec_frame_cfg_default(&cfg, DEC_FRAME_AOS);
    cfg.frame_len = 29;
    cfg.fecf = true;
    cfg.ocf = true;
    cfg.fhec = true;
    cfg.insert_zone = 3;
    const uint8_t *g = guard_place(f, sizeof f);
    dec_frame_t fr;
    cr_assert_eq(dec_frame_parse(&cfg, g, sizeof f, &fr), DEC_FRAME_OK);
    cr_assert_eq(fr.version, 1);
    cr_assert_eq(fr.scid, 0xB7);
    cr_assert_eq(fr.vcid, 0x15);
    cr_assert_eq(fr.vc_count, 0xABCDEF);
    cr_assert(fr.replay);
    cr_assert(fr.vc_count_usage);
    cr_assert_eq(fr.vc_count_cycle, 9);
    cr_assert_eq(fr.mc_count, 0);
    cr_assert_eq(fr.fhp, 5);
    cr_assert_eq(fr.data, g + 13);
    cr_assert_eq(fr.data_len, 10);
    cr_assert_eq(fr.data[0], 10);
    cr_assert(fr.ocf_flag);
    cr_assert(fr.has_ocf);
    cr_assert_eq(fr.ocf, 0x80000001u);
    cr_assert(!fr.has_clcw);
    cr_assert(fr.fecf_ok);
    cr_assert(!fr.idle);

    /* Without FHEC and insert zone configured, the same octets are read differently. */
    cfg.fhec = false;
    cfg.insert_zone = 0;
    cr_assert_eq(dec_frame_parse(&cfg, g, sizeof f, &fr), DEC_FRAME_OK);
    cr_assert_eq(fr.fhp, 0x6EE);
    cr_assert_eq(fr.data, g + 8);
    cr_assert_eq(fr.data_len, 15);
}

Test(frame, fecf_corrupted_at_every_bit) {
    fb_chan_t ch = fb_chan(DEC_FRAME_TM, 64);
    ch.fecf = true;
    ch.ocf = true;
    ch.ocf_word = 0x01000000;
    uint8_t f[64];
    cr_assert_eq(fb_frame(&ch, 0x7FE, NULL, 0, f, sizeof f), 64);
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    dec_frame_t fr;
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(f, 64), 64, &fr), DEC_FRAME_OK);
    cr_assert(fr.idle);
    for (size_t bit = 0; bit < 64 * 8; bit++) {
        f[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
        dec_frame_status_t st = dec_frame_parse(&cfg, guard_place(f, 64), 64, &fr);
        cr_assert_eq(st, DEC_FRAME_BAD_CRC, "bit %zu: %s", bit, dec_frame_status_str(st));
        cr_assert(fr.fecf_checked);
        cr_assert(!fr.fecf_ok);
        cr_assert_null(fr.data);
        cr_assert_eq(fr.data_len, 0);
        f[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
    }
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(f, 64), 64, &fr), DEC_FRAME_OK);
}

Test(frame, wrong_length_version_and_header) {
    fb_chan_t ch = fb_chan(DEC_FRAME_TM, 40);
    uint8_t f[64];
    cr_assert_eq(fb_frame(&ch, 0, NULL, 0, f, sizeof f), 40);
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    dec_frame_t fr;
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(f, 39), 39, &fr), DEC_FRAME_WRONG_LENGTH);
    cr_assert_eq(fr.scid, 0);
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(f, 41), 41, &fr), DEC_FRAME_WRONG_LENGTH);
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(f, 0), 0, &fr), DEC_FRAME_WRONG_LENGTH);
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(f, 40), 40, &fr), DEC_FRAME_OK);

    /* An AOS frame under a TM configuration and the reverse. */
    fb_chan_t ach = fb_chan(DEC_FRAME_AOS, 40);
    ach.vcid = 3;
    uint8_t a[40];
    cr_assert_eq(fb_frame(&ach, 0, NULL, 0, a, sizeof a), 40);
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(a, 40), 40, &fr), DEC_FRAME_BAD_VERSION);
    cr_assert_eq(fr.version, 1);
    dec_frame_cfg_t acfg = fb_cfg(&ach);
    cr_assert_eq(dec_frame_parse(&acfg, guard_place(f, 40), 40, &fr), DEC_FRAME_BAD_VERSION);
    cr_assert_eq(dec_frame_parse(&acfg, guard_place(a, 40), 40, &fr), DEC_FRAME_OK);

    /* TM secondary header of 64 octets in a 40-octet frame. */
    f[4] |= 0x80;
    f[6] = 0x3F;
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(f, 40), 40, &fr), DEC_FRAME_BAD_HEADER);
    cr_assert_null(fr.data);
    /* 33 octets leave exactly one data octet: accepted; 34 leave none. */
    f[6] = 32;
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(f, 40), 40, &fr), DEC_FRAME_OK);
    cr_assert_eq(fr.data_len, 1);
    cr_assert_eq(fr.data, guard_place(f, 40) + 39);
    f[6] = 33;
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(f, 40), 40, &fr), DEC_FRAME_BAD_HEADER);

    for (int s = 0; s <= DEC_FRAME_STATUS_COUNT; s++) {
        cr_assert_not_null(dec_frame_status_str((dec_frame_status_t)s));
    }
    cr_assert_str_eq(dec_frame_status_str(DEC_FRAME_BAD_CRC), "bad_crc");
}

Test(frame, config_check) {
    dec_frame_cfg_t c;
    dec_frame_cfg_default(&c, DEC_FRAME_TM);
    cr_assert_eq(c.frame_len, 1115);
    cr_assert_eq(c.max_packet_len, 65542);
    cr_assert(!c.fecf);
    char err[64];
    cr_assert_eq(dec_frame_cfg_check(&c, err, sizeof err), 0);
    c.frame_len = 2049;
    cr_assert_eq(dec_frame_cfg_check(&c, err, sizeof err), -1);
    cr_assert_null(dec_vcr_new(&c, err, sizeof err));
    cr_assert_str_eq(err, "frame length above 2048 octets");
    c.frame_len = 12; /* 6 + OCF 4 + FECF 2: no data octet */
    c.fecf = true;
    cr_assert_eq(dec_frame_cfg_check(&c, err, sizeof err), -1);
    c.frame_len = 13;
    cr_assert_eq(dec_frame_cfg_check(&c, err, sizeof err), 0);
    c.max_packet_len = 6;
    cr_assert_eq(dec_frame_cfg_check(&c, NULL, 0), -1);
    dec_frame_cfg_default(&c, DEC_FRAME_AOS);
    c.frame_len = 20;
    c.insert_zone = 10; /* 6 + 10 + 2 M_PDU + 2 FHEC = 20 */
    c.fhec = true;
    cr_assert_eq(dec_frame_cfg_check(&c, err, sizeof err), -1);
    c.fhec = false;
    cr_assert_eq(dec_frame_cfg_check(&c, err, sizeof err), 0);
}

/* ---- reassembly -------------------------------------------------------------------------- */

Test(vcr, packets_spanning_one_to_five_frames) {
    for (int kind = 0; kind < 2; kind++) {
        fb_chan_t ch = fb_chan((dec_frame_kind_t)kind, 120);
        ch.fecf = true;
        ch.vcid = 2;
        size_t z = fb_zone_len(&ch);
        stream_t *st = stream_new();
        /* A packet spanning exactly k frames for k = 1..5 (starting at a frame start, since the
         * one before ends at a boundary), then packets straddling boundaries. */
        stream_add(st, 1, z);
        for (size_t k = 2; k <= 5; k++) {
            stream_add(st, 1, k * z);
        }
        stream_add(st, 2, 3 * z + 17);
        stream_add(st, 2, 4 * z - 3);
        stream_add(st, 2, z + 1);
        stream_add(st, 2, 7);
        dec_frame_cfg_t cfg = fb_cfg(&ch);
        dec_vcr_t *v = vcr_for(&cfg);
        sink_t *sk = sink_new();
        size_t nf = pack_feed(&ch, st, v, sk, NULL);
        size_t all[MAX_PKTS];
        for (size_t i = 0; i < st->n; i++) {
            all[i] = i;
        }
        cr_assert_eq(sk->n, st->n + 1, "idle fill packet delivered too");
        expect_packets(sk, st, all, st->n);
        const dec_vcr_stats_t *s = dec_vcr_stats(v);
        cr_assert_eq(s->frames, nf);
        cr_assert_eq(s->packets, st->n + 1);
        cr_assert_eq(s->vc_gaps, 0);
        cr_assert_eq(s->partial_discarded, 0);
        cr_assert_eq(s->held_bytes, 0);
        cr_assert_eq(s->spill_bytes, 0);
        cr_assert_eq(s->no_start_frames, 1 + 2 + 3 + 4 + 2 + 3);
        cr_assert_eq(s->data_bytes, nf * z);
        check_accounting(v);
        dec_vcr_destroy(&v);
        cr_assert_null(v);
        dec_vcr_destroy(&v);
        sink_free(sk);
        stream_free(st);
    }
}

Test(vcr, packet_starting_at_every_offset) {
    for (int kind = 0; kind < 2; kind++) {
        fb_chan_t ch0 = fb_chan((dec_frame_kind_t)kind, 60);
        ch0.ocf = true;
        size_t z = fb_zone_len(&ch0);
        for (size_t o = 0; o < z; o++) {
            fb_chan_t ch = ch0;
            stream_t *st = stream_new();
            /* The second packet starts at offset o of the second frame: its header is split
             * across frames for o > z - 6. */
            stream_add(st, 5, z + o >= 7 ? z + o : z + o + z);
            stream_add(st, 6, 9);
            stream_add(st, 6, 2 * z + 1);
            stream_add(st, 7, 8);
            dec_frame_cfg_t cfg = fb_cfg(&ch);
            dec_vcr_t *v = vcr_for(&cfg);
            sink_t *sk = sink_new();
            pack_feed(&ch, st, v, sk, NULL);
            const size_t all[] = {0, 1, 2, 3};
            cr_assert_geq(sk->n, 4);
            expect_packets(sk, st, all, 4);
            cr_assert_eq(dec_vcr_stats(v)->fhp_mismatch, 0);
            cr_assert_eq(dec_vcr_stats(v)->partial_discarded, 0);
            check_accounting(v);
            dec_vcr_destroy(&v);
            sink_free(sk);
            stream_free(st);
        }
    }
}

Test(vcr, header_split_across_three_frames) {
    /* Data zone of 3 octets: a 6-octet header needs three frames (the builder's FHP list). */
    fb_chan_t ch = fb_chan(DEC_FRAME_TM, 13);
    ch.ocf = true;
    cr_assert_eq(fb_zone_len(&ch), 3);
    stream_t *st = stream_new();
    stream_add(st, 9, 7);
    stream_add(st, 9, 8);
    stream_add(st, 9, 10);
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    pack_feed(&ch, st, v, sk, NULL);
    const size_t all[] = {0, 1, 2};
    expect_packets(sk, st, all, 3);
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
    stream_free(st);
}

/* A varied stream for loss tests. */
static void varied_stream(stream_t *st, size_t z) {
    const size_t lens[] = {7, 30, 250, 100, 13, 600, 8, 1200, 50, 11, 12, 190, 191, 192, 400, 9};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        stream_add(st, (uint16_t)(100 + i % 3), lens[i]);
    }
    stream_add(st, 99, z); /* exactly one zone long */
    stream_add(st, 99, 33);
}

/* Feed all frames but lost[k], check the delivered packets are exactly those that touch no
 * lost frame, and the counters. */
static void loss_case(dec_frame_kind_t kind, size_t first_lost, size_t nlost) {
    fb_chan_t ch = fb_chan(kind, 200);
    ch.fecf = kind == DEC_FRAME_AOS;
    ch.scid = 0x55;
    ch.vcid = 1;
    ch.vc_count = kind == DEC_FRAME_TM ? 250 : 0xFFFFFA; /* wrap inside the run */
    ch.mc_count = 253;
    size_t z = fb_zone_len(&ch);
    stream_t *st = stream_new();
    varied_stream(st, z);
    bool skip[64] = {false};
    for (size_t k = first_lost; k < first_lost + nlost; k++) {
        skip[k] = true;
    }
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    size_t nf = pack_feed(&ch, st, v, sk, skip);
    cr_assert_lt(nf, 64);
    if (first_lost >= nf) {
        dec_vcr_destroy(&v);
        sink_free(sk);
        stream_free(st);
        return;
    }
    size_t lo = first_lost * z, hi = (first_lost + nlost) * z;
    size_t want[MAX_PKTS], nw = 0;
    bool straddle = false;
    for (size_t i = 0; i < st->n; i++) {
        size_t a = st->start[i], b = a + st->plen[i];
        if (b <= lo || a >= hi) {
            want[nw++] = i;
        }
        if (a < lo && b > lo) {
            straddle = true;
        }
    }
    /* The idle fill packet after the stream is delivered when it is not lost. */
    size_t extra = sk->n > nw ? 1 : 0;
    cr_assert_eq(sk->n, nw + extra, "lost %zu+%zu: delivered %zu, expected %zu(+1)", first_lost,
                 nlost, sk->n, nw);
    expect_packets(sk, st, want, nw);
    const dec_vcr_stats_t *s = dec_vcr_stats(v);
    bool seen_before = first_lost > 0;
    bool seen_after = first_lost + nlost < nf;
    bool detected = seen_before && seen_after;
    cr_assert_eq(s->vc_gaps, detected ? 1 : 0, "lost %zu", first_lost);
    cr_assert_eq(s->vc_missing, detected ? nlost : 0);
    if (kind == DEC_FRAME_TM) {
        cr_assert_eq(s->mc_gaps, detected ? 1 : 0);
        cr_assert_eq(s->mc_missing, detected ? nlost : 0);
    }
    cr_assert_eq(s->partial_discarded, detected && straddle ? 1 : 0, "lost %zu", first_lost);
    cr_assert_eq(s->fhp_mismatch, 0);
    cr_assert_eq(s->spill_bytes > 0, first_lost == 0 && seen_after && (st->start[want[0]] % z) > 0);
    size_t fed = first_lost + nlost < nf ? nf - nlost : first_lost;
    cr_assert_eq(s->frames, fed);
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
    stream_free(st);
}

Test(vcr, frame_lost_at_every_position) {
    for (size_t k = 0; k < 25; k++) {
        loss_case(DEC_FRAME_TM, k, 1);
        loss_case(DEC_FRAME_AOS, k, 1);
        loss_case(DEC_FRAME_TM, k, 2);
        loss_case(DEC_FRAME_AOS, k, 3);
    }
}

Test(vcr, counter_wrap_is_no_gap) {
    for (int kind = 0; kind < 2; kind++) {
        fb_chan_t ch = fb_chan((dec_frame_kind_t)kind, 50);
        ch.vc_count = kind == 0 ? 254 : 0xFFFFFE;
        ch.mc_count = 254;
        stream_t *st = stream_new();
        stream_add(st, 1, 200); /* five frames: counts wrap to 0 */
        dec_frame_cfg_t cfg = fb_cfg(&ch);
        dec_vcr_t *v = vcr_for(&cfg);
        sink_t *sk = sink_new();
        size_t nf = pack_feed(&ch, st, v, sk, NULL);
        cr_assert_geq(nf, 4);
        cr_assert_eq(ch.vc_count, kind == 0 ? (254 + nf) % 256 : (0xFFFFFE + nf) % 0x1000000);
        const dec_vcr_stats_t *s = dec_vcr_stats(v);
        cr_assert_eq(s->vc_gaps, 0);
        cr_assert_eq(s->mc_gaps, 0);
        const size_t all[] = {0};
        expect_packets(sk, st, all, 1);
        dec_vcr_destroy(&v);
        sink_free(sk);
        stream_free(st);
    }
}

Test(vcr, fhp_7ff_and_7fe_by_hand) {
    fb_chan_t ch = fb_chan(DEC_FRAME_TM, 26); /* zone 20 */
    ch.vcid = 3;
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    uint8_t pkt[64], f[26];
    cr_assert_eq(nb_spp(0x42, 0, false, 3, 1, NULL, 44, pkt, sizeof pkt), 50);
    /* Frame 0: packet starts at 0 (20 octets); frame 1: idle (0x7FE), nothing continues;
     * frame 2: 0x7FF, 20 more; frame 3: last 10 then an idle packet of 10 at FHP 10. */
    uint8_t tail[20];
    memcpy(tail, pkt + 40, 10);
    cr_assert_eq(nb_spp(DEC_SPP_APID_IDLE, 0, false, 3, 0, NULL, 4, tail + 10, 10), 10);
    const struct {
        uint16_t fhp;
        const uint8_t *d;
    } fr[] = {{0, pkt}, {0x7FE, NULL}, {0x7FF, pkt + 20}, {10, tail}};
    for (size_t k = 0; k < 4; k++) {
        cr_assert_eq(fb_frame(&ch, fr[k].fhp, fr[k].d, fr[k].d ? 20 : 0, f, sizeof f), 26);
        ch.vc_count++;
        ch.mc_count++;
        feed(v, &cfg, f, sk);
        cr_assert_eq(sk->n, k < 3 ? 0 : 2, "frame %zu", k);
    }
    cr_assert_eq(sk->len[0], 50);
    cr_assert_eq(memcmp(sk->bytes, pkt, 50), 0);
    cr_assert_eq(sk->len[1], 10, "idle packets are delivered");
    const dec_vcr_stats_t *s = dec_vcr_stats(v);
    cr_assert_eq(s->idle_frames, 1);
    cr_assert_eq(s->idle_bytes, 20);
    cr_assert_eq(s->no_start_frames, 1);
    cr_assert_eq(s->packets, 2);
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
}

Test(vcr, aos_idle_vc63) {
    fb_chan_t ch = fb_chan(DEC_FRAME_AOS, 40);
    ch.vcid = 63;
    ch.fecf = true;
    cr_assert_eq(fb_zone_len(&ch), 32);
    uint8_t f[40];
    cr_assert_eq(fb_frame(&ch, 0, NULL, 0, f, sizeof f), 40);
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    dec_frame_t fr;
    cr_assert_eq(dec_frame_parse(&cfg, guard_place(f, 40), 40, &fr), DEC_FRAME_OK);
    cr_assert(fr.idle);
    cr_assert_eq(fr.vcid, 63);
    cr_assert_eq(fr.fhp, DEC_FRAME_FHP_IDLE);
    cr_assert_eq(fr.data_len, 32);
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    for (int i = 0; i < 3; i++) {
        ch.vc_count += 5; /* the idle VC's count is not tracked */
        fb_frame(&ch, 0, NULL, 0, f, sizeof f);
        feed(v, &cfg, f, sk);
    }
    const dec_vcr_stats_t *s = dec_vcr_stats(v);
    cr_assert_eq(s->idle_frames, 3);
    cr_assert_eq(s->idle_bytes, 96);
    cr_assert_eq(s->vc_gaps, 0);
    cr_assert_eq(sk->n, 0);
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
}

Test(vcr, fhec_insert_zone_ocf_round_trip) {
    fb_chan_t ch = fb_chan(DEC_FRAME_AOS, 300);
    ch.fhec = true;
    ch.insert_zone = 7;
    ch.ocf = true;
    ch.ocf_word = 0x00FF0012;
    ch.fecf = true;
    ch.scid = 0xAB;
    ch.vcid = 62;
    cr_assert_eq(fb_zone_len(&ch), 300 - 6 - 2 - 7 - 2 - 4 - 2);
    stream_t *st = stream_new();
    varied_stream(st, fb_zone_len(&ch));
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    /* One frame checked field by field first. */
    uint8_t f[300];
    cr_assert_eq(fb_frame(&ch, 0, st->b, fb_zone_len(&ch), f, sizeof f), 300);
    dec_frame_t fr;
    const uint8_t *g = guard_place(f, 300);
    cr_assert_eq(dec_frame_parse(&cfg, g, 300, &fr), DEC_FRAME_OK);
    cr_assert_eq(fr.data, g + 6 + 2 + 7 + 2);
    cr_assert(fr.has_clcw);
    cr_assert_eq(fr.clcw, 0x00FF0012u);
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    pack_feed(&ch, st, v, sk, NULL);
    size_t all[MAX_PKTS];
    for (size_t i = 0; i < st->n; i++) {
        all[i] = i;
    }
    expect_packets(sk, st, all, st->n);
    cr_assert_eq(sk->vcid[0], 62);
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
    stream_free(st);
}

Test(vcr, tm_secondary_header_round_trip) {
    fb_chan_t ch = fb_chan(DEC_FRAME_TM, 128);
    ch.tm_sec_hdr = 9;
    ch.ocf = true;
    ch.fecf = true;
    stream_t *st = stream_new();
    varied_stream(st, fb_zone_len(&ch));
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    pack_feed(&ch, st, v, sk, NULL);
    size_t all[MAX_PKTS];
    for (size_t i = 0; i < st->n; i++) {
        all[i] = i;
    }
    expect_packets(sk, st, all, st->n);
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
    stream_free(st);
}

Test(vcr, two_vcs_interleaved_and_mc_gap_on_other_vc) {
    fb_chan_t a = fb_chan(DEC_FRAME_TM, 100), b = fb_chan(DEC_FRAME_TM, 100);
    a.vcid = 1;
    b.vcid = 2;
    size_t z = fb_zone_len(&a);
    stream_t *sa = stream_new(), *sb = stream_new();
    varied_stream(sa, z);
    for (size_t i = 0; i < 20; i++) {
        stream_add(sb, 200, 17 + i * 23);
    }
    static uint8_t fa[1 << 16], fbuf[1 << 16];
    size_t na = fb_pack(&a, sa->b, sa->len, fa, sizeof fa);
    size_t nbf = fb_pack(&b, sb->b, sb->len, fbuf, sizeof fbuf);
    cr_assert_gt(na, 0);
    cr_assert_gt(nbf, 0);
    /* Interleave with one master channel count; drop frame 3 of VC 2 (MC gap seen by a VC 1
     * frame whose own count is continuous, then a VC gap on VC 2). */
    dec_frame_cfg_t cfg = fb_cfg(&a);
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    uint8_t mc = 0;
    size_t ia = 0, ib = 0;
    for (size_t step = 0; ia < na || ib < nbf; step++) {
        bool take_a = ib >= nbf || (ia < na && step % 2 == 0);
        uint8_t *f = take_a ? fa + ia * 100 : fbuf + ib * 100;
        f[2] = mc++;
        bool drop = !take_a && ib == 3;
        take_a ? ia++ : ib++;
        if (!drop) {
            feed(v, &cfg, f, sk);
        }
    }
    /* Split the delivered packets per VC and compare each in order. */
    size_t got_a = 0, got_b = 0;
    for (size_t i = 0; i < sk->n; i++) {
        if (sk->vcid[i] == 1) {
            if (got_a < sa->n) {
                cr_assert_eq(sk->len[i], sa->plen[got_a]);
                cr_assert_eq(memcmp(sk->bytes + sk->off[i], sa->b + sa->start[got_a], sk->len[i]),
                             0);
            }
            got_a++;
        } else {
            cr_assert_eq(sk->vcid[i], 2);
            got_b++;
        }
    }
    cr_assert_eq(got_a, sa->n + 1, "VC 1 complete despite the MC gap");
    const dec_vcr_stats_t *s = dec_vcr_stats(v);
    cr_assert_eq(s->mc_gaps, 1);
    cr_assert_eq(s->mc_missing, 1);
    cr_assert_eq(s->vc_gaps, 1);
    cr_assert_eq(s->vc_missing, 1);
    /* VC 2 lost exactly the packets touching its frame 3. */
    size_t lo = 3 * z, hi = 4 * z, want_b = 0;
    for (size_t i = 0; i < sb->n; i++) {
        size_t x = sb->start[i], y = x + sb->plen[i];
        want_b += y <= lo || x >= hi;
    }
    cr_assert_eq(got_b, want_b + 1);
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
    stream_free(sa);
    stream_free(sb);
}

Test(vcr, too_long_packet_resyncs_at_next_fhp) {
    fb_chan_t ch = fb_chan(DEC_FRAME_AOS, 60);
    size_t z = fb_zone_len(&ch);
    stream_t *st = stream_new();
    stream_add(st, 1, 100); /* exactly the maximum: accepted */
    stream_add(st, 2, 101); /* one above: rejected */
    stream_add(st, 3, 10);
    stream_add(st, 4, 3 * z);
    stream_add(st, 5, 20);
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    cfg.max_packet_len = 100;
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    pack_feed(&ch, st, v, sk, NULL);
    /* Packet 2 starts inside the frame where packet 1 (too long) started at offset 100 - z.. -
     * the first FHP after the rejection is that of the frame holding packet 3 or later. */
    const dec_vcr_stats_t *s = dec_vcr_stats(v);
    cr_assert_eq(s->too_long, 2, "the 101-octet and the 3z-octet packets");
    cr_assert_eq(sk->len[0], 100);
    cr_assert_eq(memcmp(sk->bytes, st->b, 100), 0);
    cr_assert_eq(sk->len[sk->n - 2], 20);
    cr_assert_eq(memcmp(sk->bytes + sk->off[sk->n - 2], st->b + st->start[4], 20), 0);
    for (size_t i = 0; i < sk->n; i++) {
        cr_assert_leq(sk->len[i], 100);
    }
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
    stream_free(st);
}

Test(vcr, bad_fhp_and_mismatch) {
    fb_chan_t ch = fb_chan(DEC_FRAME_TM, 26); /* zone 20 */
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    uint8_t pkt[64], f[26], zone[20];
    cr_assert_eq(nb_spp(0x10, 0, false, 3, 0, NULL, 24, pkt, sizeof pkt), 30);
    /* Frame 0: packet starts (20 of 30). Frame 1: FHP 20 = beyond the zone -> bad_fhp. */
    fb_frame(&ch, 0, pkt, 20, f, sizeof f);
    feed(v, &cfg, f, sk);
    ch.vc_count++;
    ch.mc_count++;
    fb_frame(&ch, 20, pkt + 20, 10, f, sizeof f);
    feed(v, &cfg, f, sk);
    const dec_vcr_stats_t *s = dec_vcr_stats(v);
    cr_assert_eq(s->bad_fhp, 1);
    cr_assert_eq(s->partial_discarded, 1);
    cr_assert_eq(s->partial_discarded_bytes, 40);
    check_accounting(v);
    /* Frame 2: 0x7FF while lost: all skipped. Frame 3: FHP 0 resyncs; packet 20 of 30. */
    ch.vc_count++;
    ch.mc_count++;
    fb_frame(&ch, 0x7FF, NULL, 0, f, sizeof f);
    feed(v, &cfg, f, sk);
    cr_assert_eq(s->partial_discarded_bytes, 60);
    ch.vc_count++;
    ch.mc_count++;
    fb_frame(&ch, 0, pkt, 20, f, sizeof f);
    feed(v, &cfg, f, sk);
    cr_assert_eq(s->held_bytes, 20);
    /* Frame 4: FHP 5 but 10 octets are missing: the partial was cut short (mismatch). The
     * packet at 5 (15 octets of a 30-octet one) is then held. */
    memcpy(zone, pkt + 20, 5);
    memcpy(zone + 5, pkt, 15);
    ch.vc_count++;
    ch.mc_count++;
    fb_frame(&ch, 5, zone, 20, f, sizeof f);
    feed(v, &cfg, f, sk);
    cr_assert_eq(s->fhp_mismatch, 1);
    cr_assert_eq(s->partial_discarded, 2);
    cr_assert_eq(s->held_bytes, 15);
    /* Frame 5: the packet ends at 15 but the FHP says 18: mismatch, nothing delivered. */
    memcpy(zone, pkt + 15, 15);
    zone[18] = 0x00; /* first two octets of a header: APID 0x010 */
    zone[19] = 0x10;
    ch.vc_count++;
    ch.mc_count++;
    fb_frame(&ch, 18, zone, 20, f, sizeof f);
    feed(v, &cfg, f, sk);
    cr_assert_eq(s->fhp_mismatch, 2);
    cr_assert_eq(s->partial_discarded, 3);
    cr_assert_eq(sk->n, 0);
    check_accounting(v);
    /* Frame 6: after the header at 18 (2 octets held): the packet ends inside a 0x7FF zone. */
    memset(zone, 0, sizeof zone); /* rest of the header: data length 0, packet ends at 5 */
    zone[0] = 0xC0;
    ch.vc_count++;
    ch.mc_count++;
    fb_frame(&ch, 0x7FF, zone, 20, f, sizeof f);
    feed(v, &cfg, f, sk);
    cr_assert_eq(s->fhp_mismatch, 3);
    cr_assert_eq(sk->n, 0);
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
}

Test(vcr, bad_packet_version_resyncs) {
    fb_chan_t ch = fb_chan(DEC_FRAME_TM, 26);
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    uint8_t zone[20], f[26];
    cr_assert_eq(nb_spp(0x10, 0, false, 3, 0, NULL, 1, zone, sizeof zone), 7);
    memset(zone + 7, 0xE0, 13); /* version 111 */
    fb_frame(&ch, 0, zone, 20, f, sizeof f);
    feed(v, &cfg, f, sk);
    const dec_vcr_stats_t *s = dec_vcr_stats(v);
    cr_assert_eq(sk->n, 1);
    cr_assert_eq(s->bad_packet_version, 1);
    cr_assert_eq(s->partial_discarded_bytes, 13);
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
}

Test(vcr, eviction_and_reset) {
    fb_chan_t ch = fb_chan(DEC_FRAME_AOS, 30);
    dec_frame_cfg_t cfg = fb_cfg(&ch);
    cfg.max_packet_len = 200;
    dec_vcr_t *v = vcr_for(&cfg);
    sink_t *sk = sink_new();
    uint8_t pkt[64], f[30];
    cr_assert_eq(nb_spp(0x10, 0, false, 3, 0, NULL, 30, pkt, sizeof pkt), 36);
    size_t z = fb_zone_len(&ch);
    /* 65 channels each holding a partial packet: the first is evicted. */
    for (unsigned i = 0; i <= DEC_VCR_CHANNELS; i++) {
        ch.scid = (uint16_t)(i / 60);
        ch.vcid = (uint8_t)(i % 60);
        fb_frame(&ch, 0, pkt, z, f, sizeof f);
        feed(v, &cfg, f, sk);
    }
    const dec_vcr_stats_t *s = dec_vcr_stats(v);
    cr_assert_eq(s->evictions, 1);
    cr_assert_eq(s->partial_discarded, 1);
    cr_assert_eq(s->held_bytes, DEC_VCR_CHANNELS * z);
    check_accounting(v);
    dec_vcr_reset(v);
    cr_assert_eq(s->resets, DEC_VCR_CHANNELS);
    cr_assert_eq(s->partial_discarded, 1 + DEC_VCR_CHANNELS);
    cr_assert_eq(s->held_bytes, 0);
    check_accounting(v);
    /* After the reset counters are forgotten: a jump is no gap. */
    ch.vc_count = 1000;
    fb_frame(&ch, 0x7FF, pkt, z, f, sizeof f);
    feed(v, &cfg, f, sk);
    cr_assert_eq(s->vc_gaps, 0);
    cr_assert_eq(sk->n, 0);
    check_accounting(v);
    dec_vcr_destroy(&v);
    sink_free(sk);
}
