/* test_cadu.c: CADU streams (CCSDS 131.0-B-4): randomiser, ASM search with bit errors, lock
 * and flywheel, Reed-Solomon (255,223) at every interleave, chunking, flush. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cadubuild.h"
#include "dec/cadu.h"
#include "guard.h"
#include "sim/framer.h"

#define MAX_FRAMES 64
#define MAX_FLEN 2048

typedef struct {
    size_t n;
    size_t len[MAX_FRAMES];
    uint64_t off[MAX_FRAMES];
    uint32_t corr[MAX_FRAMES];
    uint32_t asm_err[MAX_FRAMES];
    bool checked[MAX_FRAMES];
    uint8_t data[MAX_FRAMES][MAX_FLEN];
} sink_t;

static sink_t sink_a, sink_b;

static void collect(void *ctx, const dec_cadu_frame_t *f) {
    sink_t *s = ctx;
    cr_assert_lt(s->n, MAX_FRAMES);
    cr_assert_leq(f->len, MAX_FLEN);
    s->len[s->n] = f->len;
    s->off[s->n] = f->stream_offset;
    s->corr[s->n] = f->rs_corrected;
    s->asm_err[s->n] = f->asm_bit_errors;
    s->checked[s->n] = f->rs_checked;
    memcpy(s->data[s->n], f->frame, f->len);
    s->n++;
}

static void make_frame(unsigned idx, size_t len, uint8_t *out) {
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(idx * 31u + i * 7u + (i >> 8));
    }
    out[0] = (uint8_t)idx;
}

static dec_cadu_t *mk(uint32_t frame_len, uint32_t il, bool derand) {
    dec_cadu_cfg_t cfg;
    dec_cadu_cfg_default(&cfg);
    cfg.frame_len = frame_len;
    cfg.rs_interleave = il;
    cfg.derandomize = derand;
    char err[128] = "";
    dec_cadu_t *c = dec_cadu_new(&cfg, err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    return c;
}

/* Builds n CADUs (frames 0..n-1) into out; returns the stream length. */
static size_t build_stream(unsigned n, size_t flen, unsigned il, bool rnd, uint8_t *out,
                           size_t cap) {
    size_t off = 0;
    uint8_t frame[MAX_FLEN];
    for (unsigned i = 0; i < n; i++) {
        make_frame(i, flen, frame);
        size_t k = sim_cadu_build(frame, flen, il, rnd, out + off, cap - off);
        cr_assert_gt(k, 0);
        off += k;
    }
    return off;
}

static void check_frame(const sink_t *s, size_t at, unsigned idx, size_t flen) {
    uint8_t want[MAX_FLEN];
    make_frame(idx, flen, want);
    cr_assert_eq(s->len[at], flen);
    cr_assert_eq(memcmp(s->data[at], want, flen), 0, "frame %zu is not frame %u", at, idx);
}

/* Independent bit-serial LFSR h(x) = x^8 + x^7 + x^5 + x^3 + 1 from all ones. */
static uint8_t lfsr_octet(uint8_t *reg) {
    uint8_t out = 0;
    for (int b = 0; b < 8; b++) {
        uint8_t r = *reg; /* bit 7 = oldest (next output) */
        uint8_t o = (uint8_t)(r >> 7);
        uint8_t fb = (uint8_t)(((r >> 7) ^ (r >> 4) ^ (r >> 2) ^ (r >> 0)) & 1u);
        *reg = (uint8_t)((r << 1) | fb);
        out = (uint8_t)((out << 1) | o);
    }
    return out;
}

Test(cadu, randomiser_sequence_and_period) {
    static const uint8_t first[16] = {0xFF, 0x48, 0x0E, 0xC0, 0x9A, 0x0D, 0x70, 0xBC,
                                      0x8E, 0x2C, 0x93, 0xAD, 0xA7, 0xB7, 0x46, 0xCE};
    uint8_t buf[255 * 3];
    memset(buf, 0, sizeof buf);
    dec_derandomize(buf, sizeof buf);
    cr_assert_eq(memcmp(buf, first, sizeof first), 0);
    uint8_t reg = 0xFF;
    for (size_t i = 0; i < 255; i++) {
        cr_assert_eq(buf[i], lfsr_octet(&reg), "octet %zu", i);
    }
    cr_assert_eq(memcmp(buf, buf + 255, 255), 0, "period 255 octets");
    cr_assert_eq(memcmp(buf, buf + 510, 255), 0);
    bool shorter = false;
    for (size_t p = 1; p < 255; p++) {
        if (memcmp(buf, buf + p, 255) == 0) {
            shorter = true;
        }
    }
    cr_assert(!shorter, "no shorter period");
    /* Twice restores; a guard-placed input is never read past its end. */
    uint8_t x[300];
    for (size_t i = 0; i < sizeof x; i++) {
        x[i] = (uint8_t)(i * 3);
    }
    uint8_t y[300];
    memcpy(y, x, sizeof x);
    dec_derandomize(y, sizeof y);
    cr_assert_eq(y[0], (uint8_t)(x[0] ^ 0xFF));
    cr_assert_eq(y[256], (uint8_t)(x[256] ^ 0x48), "restarts after 255 octets");
    dec_derandomize(y, sizeof y);
    cr_assert_eq(memcmp(x, y, sizeof x), 0);
}

Test(cadu, asm_bit_errors) {
    uint8_t a[4] = {0x1A, 0xCF, 0xFC, 0x1D};
    cr_assert_eq(dec_asm_bit_errors(guard_place(a, 4)), 0);
    for (size_t b = 0; b < 32; b++) {
        uint8_t x[4];
        memcpy(x, a, 4);
        cb_flip_bit(x, b);
        cr_assert_eq(dec_asm_bit_errors(x), 1, "bit %zu", b);
        cb_flip_bit(x, (b + 9) % 32);
        cr_assert_eq(dec_asm_bit_errors(x), 2);
    }
    uint8_t z[4] = {0, 0, 0, 0};
    cr_assert_eq(dec_asm_bit_errors(z), 19);
    uint8_t inv[4] = {0xE5, 0x30, 0x03, 0xE2};
    cr_assert_eq(dec_asm_bit_errors(inv), 32);
}

Test(cadu, config_defaults_and_checks) {
    dec_cadu_cfg_t c;
    dec_cadu_cfg_default(&c);
    cr_assert_eq(c.frame_len, 1115);
    cr_assert_eq(c.rs_interleave, 5);
    cr_assert(c.derandomize);
    cr_assert_eq(c.asm_max_bit_errors, 2);
    cr_assert_eq(c.flywheel, 3);
    char err[128];
    dec_cadu_t *d = dec_cadu_new(&c, err, sizeof err);
    cr_assert_not_null(d);
    dec_cadu_destroy(&d);
    cr_assert_null(d);
    dec_cadu_destroy(&d);
    dec_cadu_destroy(NULL);
    static const struct {
        uint32_t fl, il, maxe, fly;
    } bad[] = {{1115, 6, 2, 3},  {1115, 7, 2, 3}, {1116, 5, 2, 3},  {1114, 5, 2, 3},
               {224, 1, 2, 3},   {0, 0, 2, 3},    {65537, 0, 2, 3}, {1115, 5, 9, 3},
               {1115, 5, 2, 17}, {1785, 8, 2, 3}, {0, 1, 2, 3}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c.frame_len = bad[i].fl;
        c.rs_interleave = bad[i].il;
        c.asm_max_bit_errors = bad[i].maxe;
        c.flywheel = bad[i].fly;
        err[0] = 0;
        cr_assert_null(dec_cadu_new(&c, err, sizeof err), "case %zu", i);
        cr_assert_neq(err[0], 0);
    }
    static const uint32_t good[][2] = {{223, 1}, {446, 2}, {669, 3}, {892, 4},  {1784, 8},
                                       {8, 8},   {1, 1},   {1, 0},   {65536, 0}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        c.frame_len = good[i][0];
        c.rs_interleave = good[i][1];
        c.asm_max_bit_errors = 8;
        c.flywheel = 16;
        d = dec_cadu_new(&c, err, sizeof err);
        cr_assert_not_null(d, "case %zu: %s", i, err);
        dec_cadu_destroy(&d);
    }
}

static void round_trip(uint32_t flen, uint32_t il) {
    static uint8_t stream[8 * 2100];
    size_t clen = sim_cadu_len(flen, il);
    size_t n = build_stream(3, flen, il, true, stream, sizeof stream);
    cr_assert_eq(n, 3 * clen);
    dec_cadu_t *c = mk(flen, il, true);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, guard_place(stream, n), n, collect, &sink_a);
    cr_assert_eq(sink_a.n, 3, "I=%u flen=%u", il, flen);
    for (unsigned i = 0; i < 3; i++) {
        check_frame(&sink_a, i, i, flen);
        cr_assert_eq(sink_a.off[i], i * clen);
        cr_assert_eq(sink_a.corr[i], 0);
        cr_assert_eq(sink_a.checked[i], il != 0);
        cr_assert_eq(sink_a.asm_err[i], 0);
    }
    const dec_cadu_stats_t *s = dec_cadu_stats(c);
    cr_assert_eq(s->bytes, n);
    cr_assert_eq(s->cadus, 3);
    cr_assert_eq(s->frames, 3);
    cr_assert_eq(s->locks, 1);
    cr_assert_eq(s->bytes_skipped, 0);
    cr_assert_eq(s->rs_uncorrectable, 0);
    cr_assert_eq(s->rs_corrected_octets, 0);
    dec_cadu_flush(c);
    cr_assert_eq(s->truncated_at_end, 0);
    cr_assert_eq(s->bytes_skipped, 0);
    dec_cadu_destroy(&c);
}

Test(cadu, round_trip_every_interleave_full_and_shortened) {
    static const uint32_t ils[] = {1, 2, 3, 4, 5, 8};
    for (size_t i = 0; i < 6; i++) {
        round_trip(223 * ils[i], ils[i]);
        round_trip(100 * ils[i], ils[i]);
        round_trip(ils[i], ils[i]); /* one data octet per codeword: pad 222 */
    }
    round_trip(1115, 0);
    round_trip(7, 0);
}

/* Corrupt `errs[j]` octets of codeword j of CADU `which` in a 3-CADU stream and decode. */
static void rs_errors(uint32_t flen, uint32_t il, const unsigned *errs, uint32_t seed0) {
    static uint8_t stream[3 * 2100];
    size_t clen = sim_cadu_len(flen, il);
    size_t n = build_stream(3, flen, il, true, stream, sizeof stream);
    uint32_t seed = seed0;
    bool bad = false;
    unsigned total = 0;
    for (unsigned j = 0; j < il; j++) {
        size_t got = cb_corrupt_codeword(stream + clen + 4, clen - 4, il, j, errs[j], &seed);
        cr_assert_eq(got, errs[j]);
        bad = bad || errs[j] > 16;
        total += errs[j];
    }
    dec_cadu_t *c = mk(flen, il, true);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n, collect, &sink_a);
    const dec_cadu_stats_t *s = dec_cadu_stats(c);
    cr_assert_eq(s->cadus, 3);
    if (bad) {
        cr_assert_eq(sink_a.n, 2, "I=%u: frame with 17 errors in a codeword dropped", il);
        check_frame(&sink_a, 0, 0, flen);
        check_frame(&sink_a, 1, 2, flen);
        cr_assert_eq(s->rs_uncorrectable, 1);
        cr_assert_eq(s->frames, 2);
        cr_assert_eq(s->rs_corrected_octets, 0);
        cr_assert_eq(s->rs_corrected_frames, 0);
    } else {
        cr_assert_eq(sink_a.n, 3, "I=%u flen=%u seed=%u n=%zu unc=%llu", il, flen, seed0, sink_a.n,
                     (unsigned long long)s->rs_uncorrectable);
        for (unsigned i = 0; i < 3; i++) {
            check_frame(&sink_a, i, i, flen);
        }
        cr_assert_eq(sink_a.corr[1], total, "I=%u corrected %u, want %u", il, sink_a.corr[1],
                     total);
        cr_assert_eq(sink_a.corr[0], 0);
        cr_assert_eq(s->rs_uncorrectable, 0);
        cr_assert_eq(s->rs_corrected_octets, total);
        cr_assert_eq(s->rs_corrected_frames, total > 0 ? 1 : 0);
    }
    dec_cadu_destroy(&c);
}

Test(cadu, rs_corrects_16_per_codeword_and_drops_17) {
    static const uint32_t ils[] = {1, 2, 3, 4, 5, 8};
    for (size_t i = 0; i < 6; i++) {
        uint32_t il = ils[i];
        unsigned errs[8];
        for (unsigned j = 0; j < 8; j++) {
            errs[j] = 16;
        }
        for (uint32_t seed = 1; seed < 4; seed++) {
            rs_errors(223 * il, il, errs, seed * 7919u);
            rs_errors(150 * il, il, errs, seed * 104729u); /* shortened */
        }
        for (unsigned j = 0; j < 8; j++) {
            errs[j] = j % 3 == 0 ? 1 : 16 - j;
        }
        rs_errors(223 * il, il, errs, 12345u);
        /* 17 in the last codeword only, 16 in the others: the frame is dropped. */
        for (unsigned j = 0; j < 8; j++) {
            errs[j] = 16;
        }
        errs[il - 1] = 17;
        for (uint32_t seed = 1; seed < 4; seed++) {
            rs_errors(223 * il, il, errs, seed * 2654435761u);
            rs_errors(150 * il, il, errs, seed * 40503u);
        }
        for (unsigned j = 0; j < 8; j++) {
            errs[j] = 0;
        }
        errs[0] = 17;
        rs_errors(223 * il, il, errs, 99u);
    }
}

Test(cadu, asm_found_at_every_offset_after_garbage) {
    const uint32_t flen = 223, il = 1;
    size_t clen = sim_cadu_len(flen, il);
    static uint8_t stream[1600 + 3 * 300];
    uint32_t seed = 77;
    for (size_t g = 0; g <= 1300; g++) {
        /* Garbage with no window within 2 bits of the ASM (nor across into the ASM). */
        for (size_t i = 0; i < g; i++) {
            stream[i] = (uint8_t)cb_rand(&seed);
        }
        size_t n = g + build_stream(3, flen, il, true, stream + g, sizeof stream - g);
        bool clean = true;
        for (size_t i = 0; i < g; i++) {
            if (dec_asm_bit_errors(stream + i) <= 2) {
                clean = false;
            }
        }
        if (!clean) {
            continue; /* a real near-ASM in the garbage: not this test's case */
        }
        dec_cadu_t *c = mk(flen, il, true);
        memset(&sink_a, 0, sizeof sink_a);
        dec_cadu_feed(c, stream, n, collect, &sink_a);
        cr_assert_eq(sink_a.n, 3, "garbage %zu", g);
        cr_assert_eq(sink_a.off[0], g);
        cr_assert_eq(sink_a.off[2], g + 2 * clen);
        check_frame(&sink_a, 2, 2, flen);
        const dec_cadu_stats_t *s = dec_cadu_stats(c);
        cr_assert_eq(s->bytes_skipped, g);
        cr_assert_eq(s->locks, 1);
        cr_assert_eq(s->bytes, n);
        dec_cadu_destroy(&c);
    }
}

/* A 4-CADU stream whose first ASM has `bits` bit errors. */
static void search_with_errors(unsigned bits, unsigned want_frames) {
    const uint32_t flen = 892, il = 4;
    size_t clen = sim_cadu_len(flen, il);
    static uint8_t stream[4 * 1100];
    size_t n = build_stream(4, flen, il, true, stream, sizeof stream);
    for (unsigned b = 0; b < bits; b++) {
        cb_flip_bit(stream, 3 + 11 * b);
    }
    dec_cadu_t *c = mk(flen, il, true);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n, collect, &sink_a);
    const dec_cadu_stats_t *s = dec_cadu_stats(c);
    cr_assert_eq(sink_a.n, want_frames, "%u bit errors", bits);
    if (want_frames == 4) {
        cr_assert_eq(sink_a.off[0], 0);
        cr_assert_eq(sink_a.asm_err[0], bits);
        cr_assert_eq(s->asm_bit_errors, bits);
        cr_assert_eq(s->bytes_skipped, 0);
    } else {
        cr_assert_eq(sink_a.off[0], clen, "found the second ASM");
        check_frame(&sink_a, 0, 1, flen);
        cr_assert_eq(s->bytes_skipped, clen);
        cr_assert_eq(s->asm_bit_errors, 0);
    }
    cr_assert_eq(s->locks, 1);
    cr_assert_eq(s->sync_losses, 0);
    dec_cadu_destroy(&c);
}

Test(cadu, asm_with_bit_errors_in_search) {
    search_with_errors(0, 4);
    search_with_errors(1, 4);
    search_with_errors(2, 4);
    search_with_errors(3, 3);
}

Test(cadu, flywheel_keeps_and_loses_lock) {
    const uint32_t flen = 1115, il = 5;
    size_t clen = sim_cadu_len(flen, il);
    static uint8_t stream[10 * 1279];
    /* One corrupted ASM (32 bit errors) in lock: accepted by the flywheel. */
    size_t n = build_stream(10, flen, il, true, stream, sizeof stream);
    for (size_t b = 0; b < 32; b++) {
        cb_flip_bit(stream + 3 * clen, b);
    }
    dec_cadu_t *c = mk(flen, il, true);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n, collect, &sink_a);
    const dec_cadu_stats_t *s = dec_cadu_stats(c);
    cr_assert_eq(sink_a.n, 10);
    for (unsigned i = 0; i < 10; i++) {
        check_frame(&sink_a, i, i, flen);
    }
    cr_assert_eq(sink_a.asm_err[3], 32);
    cr_assert_eq(s->flywheel_cadus, 1);
    cr_assert_eq(s->sync_losses, 0);
    cr_assert_eq(s->locks, 1);
    cr_assert_eq(s->asm_bit_errors, 32);
    dec_cadu_destroy(&c);

    /* Three in a row (= flywheel) still held; the fourth loses the lock; the search restarts
     * after ASM 2 and finds ASM 7 (3..6 are unrecognisable). */
    for (size_t k = 4; k <= 6; k++) {
        for (size_t b = 0; b < 3; b++) {
            cb_flip_bit(stream + k * clen, b * 10);
        }
    }
    c = mk(flen, il, true);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n, collect, &sink_a);
    s = dec_cadu_stats(c);
    cr_assert_eq(sink_a.n, 9);
    static const unsigned want[] = {0, 1, 2, 3, 4, 5, 7, 8, 9};
    for (unsigned i = 0; i < 9; i++) {
        check_frame(&sink_a, i, want[i], flen);
        cr_assert_eq(sink_a.off[i], want[i] * clen);
    }
    cr_assert_eq(s->flywheel_cadus, 3);
    cr_assert_eq(s->sync_losses, 1);
    cr_assert_eq(s->locks, 2);
    cr_assert_eq(s->cadus, 9);
    cr_assert_eq(s->bytes_skipped, clen, "only CADU 6 was never part of a CADU");
    dec_cadu_destroy(&c);

    /* flywheel 0: the first bad ASM loses the lock at once. */
    dec_cadu_cfg_t cfg;
    dec_cadu_cfg_default(&cfg);
    cfg.flywheel = 0;
    char err[64];
    n = build_stream(10, flen, il, true, stream, sizeof stream);
    for (size_t b = 0; b < 3; b++) {
        cb_flip_bit(stream + 5 * clen, b);
    }
    c = dec_cadu_new(&cfg, err, sizeof err);
    cr_assert_not_null(c);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n, collect, &sink_a);
    s = dec_cadu_stats(c);
    cr_assert_eq(sink_a.n, 9);
    cr_assert_eq(sink_a.off[5], 6 * clen);
    cr_assert_eq(s->sync_losses, 1);
    cr_assert_eq(s->flywheel_cadus, 0);
    cr_assert_eq(s->bytes_skipped, clen);
    dec_cadu_destroy(&c);
}

Test(cadu, slip_recovered_by_search_from_last_good_asm) {
    /* Three octets lost inside CADU 2: CADUs 3.. sit 3 octets early. With RS the flywheel's
     * misplaced CADUs are dropped; after the lock is lost the search goes back and finds
     * CADU 3 at its shifted place. */
    const uint32_t flen = 1115, il = 5;
    size_t clen = sim_cadu_len(flen, il);
    static uint8_t stream[10 * 1279];
    size_t n = build_stream(10, flen, il, true, stream, sizeof stream);
    size_t cut = 2 * clen + 100;
    memmove(stream + cut, stream + cut + 3, n - cut - 3);
    n -= 3;
    dec_cadu_t *c = mk(flen, il, true);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n, collect, &sink_a);
    const dec_cadu_stats_t *s = dec_cadu_stats(c);
    cr_assert_eq(sink_a.n, 9, "frames 0, 1, 3..9");
    check_frame(&sink_a, 1, 1, flen);
    check_frame(&sink_a, 2, 3, flen);
    cr_assert_eq(sink_a.off[2], 3 * clen - 3);
    check_frame(&sink_a, 8, 9, flen);
    cr_assert_eq(s->sync_losses, 1);
    cr_assert_eq(s->locks, 2);
    cr_assert_eq(s->rs_uncorrectable, 1 + 3, "CADU 2 (cut) and three flywheel CADUs");
    dec_cadu_destroy(&c);
}

static void feed_chunks(dec_cadu_t *c, const uint8_t *p, size_t n, size_t (*step)(uint32_t *),
                        uint32_t *seed, sink_t *s) {
    size_t off = 0;
    while (off < n) {
        size_t k = step(seed);
        if (k > n - off) {
            k = n - off;
        }
        dec_cadu_feed(c, p + off, k, collect, s);
        off += k;
    }
}

static size_t one(uint32_t *seed) {
    (void)seed;
    return 1;
}

static size_t random_step(uint32_t *seed) {
    uint32_t r = cb_rand(seed);
    return r % 4 == 0 ? r % 7 : r % 3000;
}

static void same_sinks(const sink_t *a, const sink_t *b) {
    cr_assert_eq(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        cr_assert_eq(a->off[i], b->off[i]);
        cr_assert_eq(a->corr[i], b->corr[i]);
        cr_assert_eq(a->asm_err[i], b->asm_err[i]);
        cr_assert_eq(memcmp(a->data[i], b->data[i], a->len[i]), 0);
    }
}

Test(cadu, chunking_does_not_matter) {
    const uint32_t flen = 1115, il = 5;
    size_t clen = sim_cadu_len(flen, il);
    static uint8_t stream[100 + 20 * 1279 + 600];
    uint32_t seed = 4242;
    for (size_t i = 0; i < 100; i++) {
        stream[i] = (uint8_t)cb_rand(&seed);
    }
    size_t n = 100 + build_stream(20, flen, il, true, stream + 100, sizeof stream - 100);
    /* Errors: corrected octets in CADU 1, an uncorrectable CADU 4, a flywheel ASM at 5, a lost
     * lock (8..11 bad ASMs), a 2-bit ASM at 12, and a partial CADU at the end. */
    cb_corrupt_codeword(stream + 100 + clen + 4, clen - 4, il, 2, 9, &seed);
    cb_corrupt_codeword(stream + 100 + 4 * clen + 4, clen - 4, il, 0, 20, &seed);
    stream[100 + 5 * clen] ^= 0xFF;
    for (size_t k = 8; k <= 11; k++) {
        stream[100 + k * clen + 1] ^= 0x0F;
    }
    cb_flip_bit(stream + 100 + 12 * clen, 0);
    cb_flip_bit(stream + 100 + 12 * clen, 31);
    memcpy(stream + n, stream + 100, 600);
    n += 600;

    dec_cadu_t *c = mk(flen, il, true);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n, collect, &sink_a);
    dec_cadu_flush(c);
    dec_cadu_stats_t ref = *dec_cadu_stats(c);
    dec_cadu_destroy(&c);
    cr_assert_eq(ref.frames, sink_a.n);
    cr_assert_eq(ref.sync_losses, 1);
    cr_assert_eq(ref.rs_uncorrectable, 1);
    cr_assert_eq(ref.rs_corrected_octets, 9);
    cr_assert_eq(ref.truncated_at_end, 1);
    cr_assert_eq(ref.flywheel_cadus, 1 + 3);
    cr_assert_eq(ref.asm_bit_errors, 8 + 3 * 4 + 2);
    cr_assert_eq(ref.bytes_skipped, 100 + clen + 600);
    cr_assert_eq(sink_a.n, 20 - 1 - 1);
    cr_assert_eq(ref.locks, 2);
    cr_assert_eq(ref.cadus, 19);
    check_frame(&sink_a, 9, 10, flen);
    check_frame(&sink_a, 10, 12, flen);
    cr_assert_eq(sink_a.off[10], 100 + 12 * clen);
    cr_assert_eq(sink_a.asm_err[10], 2);

    for (int round = 0; round < 12; round++) {
        c = mk(flen, il, true);
        memset(&sink_b, 0, sizeof sink_b);
        uint32_t s2 = (uint32_t)round * 977u + 1u;
        feed_chunks(c, stream, n, round == 0 ? one : random_step, &s2, &sink_b);
        dec_cadu_flush(c);
        same_sinks(&sink_a, &sink_b);
        cr_assert_eq(memcmp(&ref, dec_cadu_stats(c), sizeof ref), 0, "round %d", round);
        dec_cadu_destroy(&c);
    }
}

Test(cadu, two_piece_cut_at_every_boundary) {
    const uint32_t flen = 40, il = 0;
    size_t clen = sim_cadu_len(flen, il);
    static uint8_t stream[5 * 44 + 10];
    memset(stream, 0x55, 7);
    size_t n = 7 + build_stream(5, flen, il, true, stream + 7, sizeof stream - 7);
    stream[7 + 2 * clen + 2] ^= 0x3C;
    dec_cadu_t *c = mk(flen, il, true);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n - 5, collect, &sink_a);
    dec_cadu_flush(c);
    dec_cadu_stats_t ref = *dec_cadu_stats(c);
    dec_cadu_destroy(&c);
    cr_assert_eq(sink_a.n, 4);
    cr_assert_eq(ref.flywheel_cadus, 1);
    cr_assert_eq(ref.truncated_at_end, 1);
    cr_assert_eq(ref.bytes_skipped, 7 + clen - 5);
    for (size_t cut = 0; cut <= n - 5; cut++) {
        c = mk(flen, il, true);
        memset(&sink_b, 0, sizeof sink_b);
        dec_cadu_feed(c, stream, cut, collect, &sink_b);
        dec_cadu_feed(c, stream + cut, n - 5 - cut, collect, &sink_b);
        dec_cadu_flush(c);
        same_sinks(&sink_a, &sink_b);
        cr_assert_eq(memcmp(&ref, dec_cadu_stats(c), sizeof ref), 0, "cut %zu", cut);
        dec_cadu_destroy(&c);
    }
}

Test(cadu, without_derandomisation) {
    const uint32_t flen = 446, il = 2;
    static uint8_t stream[3 * 600];
    size_t n = build_stream(3, flen, il, false, stream, sizeof stream);
    dec_cadu_t *c = mk(flen, il, false);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n, collect, &sink_a);
    cr_assert_eq(sink_a.n, 3);
    check_frame(&sink_a, 2, 2, flen);
    dec_cadu_destroy(&c);
    /* Derandomising a stream that was not randomised is invisible to a full-length RS code:
     * each interleaved slice of the CCSDS sequence is itself a codeword (a geometric
     * sequence in the dual basis), so the frames come out XORed with the sequence. */
    c = mk(flen, il, true);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n, collect, &sink_a);
    cr_assert_eq(sink_a.n, 3);
    cr_assert_eq(sink_a.corr[0], 0);
    uint8_t want[446];
    make_frame(1, flen, want);
    dec_derandomize(want, flen);
    cr_assert_eq(memcmp(sink_a.data[1], want, flen), 0);
    dec_cadu_destroy(&c);
    /* Without RS the frame is the codeblock, derandomised or not as configured. */
    n = build_stream(2, 100, 0, false, stream, sizeof stream);
    c = mk(100, 0, false);
    memset(&sink_a, 0, sizeof sink_a);
    dec_cadu_feed(c, stream, n, collect, &sink_a);
    cr_assert_eq(sink_a.n, 2);
    check_frame(&sink_a, 1, 1, 100);
    cr_assert(!sink_a.checked[1]);
    dec_cadu_destroy(&c);
}

Test(cadu, flush_mid_cadu_and_out_of_lock) {
    const uint32_t flen = 1115, il = 5;
    size_t clen = sim_cadu_len(flen, il);
    static uint8_t stream[3 * 1279];
    cr_assert_eq(build_stream(3, flen, il, true, stream, sizeof stream), 3 * clen);
    dec_cadu_t *c = mk(flen, il, true);
    memset(&sink_a, 0, sizeof sink_a);
    size_t part = 2 * clen + 600;
    dec_cadu_feed(c, guard_place(stream, part), part, collect, &sink_a);
    const dec_cadu_stats_t *s = dec_cadu_stats(c);
    cr_assert_eq(sink_a.n, 2);
    cr_assert_eq(s->bytes_skipped, 0);
    dec_cadu_flush(c);
    cr_assert_eq(s->truncated_at_end, 1);
    cr_assert_eq(s->bytes_skipped, 600);
    cr_assert_eq(s->bytes, part);
    /* After the flush a new stream is searched afresh; offsets keep counting. */
    dec_cadu_feed(c, stream, clen, collect, &sink_a);
    cr_assert_eq(sink_a.n, 3);
    cr_assert_eq(sink_a.off[2], part);
    cr_assert_eq(s->locks, 2);
    /* Out of lock, a partial window: its octets are skipped, nothing truncated. */
    dec_cadu_flush(c);
    cr_assert_eq(s->truncated_at_end, 1);
    dec_cadu_feed(c, stream, 2, collect, &sink_a);
    dec_cadu_flush(c);
    cr_assert_eq(s->truncated_at_end, 1);
    cr_assert_eq(s->bytes_skipped, 602);
    cr_assert_eq(s->bytes, part + clen + 2);
    dec_cadu_flush(c);
    cr_assert_eq(s->bytes_skipped, 602, "flush twice counts nothing more");
    dec_cadu_destroy(&c);
}
