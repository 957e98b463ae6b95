/* test_mdb_decode.c: packet decoding against mission database models built in code (XTCE 1.2
 * containers, encodings, calibrators, ranges, inheritance with restriction criteria). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../decoder/src/mdb_model.h"
#include "guard.h"

/* ---- model building helpers -------------------------------------------------------- */

static mdb_ptype_t ty(uint8_t kind, uint8_t enc_kind, uint32_t bits) {
    mdb_ptype_t t;
    memset(&t, 0, sizeof t);
    t.name = "T";
    t.kind = kind;
    t.enc.kind = enc_kind;
    t.enc.size_bits = bits;
    t.enc.term_char = -1;
    t.float_bits = 64;
    t.time_scale = 1;
    return t;
}

static mdb_ptype_t ity(uint32_t bits, uint8_t int_enc, bool le) {
    mdb_ptype_t t = ty(MDB_T_INTEGER, MDB_ENC_INTEGER, bits);
    t.enc.int_enc = int_enc;
    t.enc.little_endian = le;
    return t;
}

static uint32_t par(dec_mdb_t *m, const char *name, const mdb_ptype_t *t) {
    uint32_t ti = mdb_add_type(m, t);
    cr_assert_neq(ti, MDB_NONE);
    uint32_t p = mdb_add_param(m, name, ti);
    cr_assert_neq(p, MDB_NONE);
    return p;
}

static uint32_t cont(dec_mdb_t *m, const char *name, bool abstract, uint32_t base) {
    char q[64];
    snprintf(q, sizeof q, "/SC/%s", name);
    uint32_t c = mdb_add_container(m, name, q, abstract, base);
    cr_assert_neq(c, MDB_NONE);
    return c;
}

static void ent(dec_mdb_t *m, uint32_t c, uint32_t param, bool from_start, int64_t loc) {
    mdb_entry_t e = {.kind = MDB_E_PARAM, .from_start = from_start, .ref = param, .loc_bits = loc};
    cr_assert_neq(mdb_add_entry(m, c, &e), MDB_NONE);
}

static void cent(dec_mdb_t *m, uint32_t c, uint32_t ref, bool from_start, int64_t loc) {
    mdb_entry_t e = {
        .kind = MDB_E_CONTAINER, .from_start = from_start, .ref = ref, .loc_bits = loc};
    cr_assert_neq(mdb_add_entry(m, c, &e), MDB_NONE);
}

static void crit(dec_mdb_t *m, uint32_t c, uint32_t param, uint8_t op, double num) {
    mdb_cmp_t k = {.param = param, .op = op, .use_calibrated = true, .num = num};
    cr_assert_neq(mdb_add_cmp(m, c, &k), MDB_NONE);
}

static void finish(dec_mdb_t *m) {
    char err[256] = "";
    cr_assert_eq(mdb_finish(m, err, sizeof err), 0, "%s", err);
    cr_assert_eq(mdb_decode_prepare(m, err, sizeof err), 0, "%s", err);
}

static void drop(dec_mdb_t **m) {
    mdb_decode_release(*m);
    dec_mdb_destroy(m);
}

/* Write n bits of v at bit position pos, most significant first. */
static void put_bits(uint8_t *buf, unsigned pos, unsigned n, uint64_t v) {
    for (unsigned i = 0; i < n; i++) {
        unsigned p = pos + i;
        uint8_t bit = (uint8_t)(0x80u >> (p % 8));
        if ((v >> (n - 1 - i)) & 1) {
            buf[p / 8] |= bit;
        } else {
            buf[p / 8] &= (uint8_t)~bit;
        }
    }
}

/* Decode data[0..len) placed against a guard page: any over-read faults. */
static dec_mdb_status_t decode(const dec_mdb_t *m, const uint8_t *data, size_t len, dec_pval_t *out,
                               size_t cap, size_t *n, int32_t *c) {
    const uint8_t *p = guard_place(data, len);
    cr_assert_not_null(p);
    return dec_mdb_decode(m, p, len, out, cap, n, c);
}

static void chk_u(const dec_pval_t *v, uint64_t want) {
    cr_assert_eq(v->validity, DEC_PV_VALID, "param %u validity %d", v->param, v->validity);
    cr_assert_eq(v->raw.kind, DEC_VAL_U64, "param %u raw kind %d", v->param, v->raw.kind);
    cr_assert_eq(v->raw.v.u, want, "param %u: %llx != %llx", v->param,
                 (unsigned long long)v->raw.v.u, (unsigned long long)want);
    cr_assert_eq(v->eng.kind, DEC_VAL_U64);
    cr_assert_eq(v->eng.v.u, want);
}

static void chk_i(const dec_pval_t *v, int64_t want) {
    cr_assert_eq(v->validity, DEC_PV_VALID, "param %u validity %d", v->param, v->validity);
    cr_assert_eq(v->raw.kind, DEC_VAL_I64, "param %u raw kind %d", v->param, v->raw.kind);
    cr_assert_eq(v->raw.v.i, want, "param %u: %lld != %lld", v->param, (long long)v->raw.v.i,
                 (long long)want);
    cr_assert_eq(v->eng.kind, DEC_VAL_I64);
    cr_assert_eq(v->eng.v.i, want);
}

static void chk_f(const dec_pval_t *v, double want) {
    cr_assert_eq(v->validity, DEC_PV_VALID, "param %u validity %d", v->param, v->validity);
    cr_assert_eq(v->eng.kind, DEC_VAL_F64, "param %u eng kind %d", v->param, v->eng.kind);
    cr_assert_eq(v->eng.v.f, want, "param %u: %.17g != %.17g", v->param, v->eng.v.f, want);
}

static void chk_str(const dec_val_t *v, uint8_t kind, const char *want, size_t n) {
    cr_assert_eq(v->kind, kind);
    cr_assert_eq(v->len, n, "len %u != %zu", v->len, n);
    cr_assert(n == 0 || memcmp(v->p, want, n) == 0, "%.*s != %s", (int)v->len, v->p, want);
}

/* ---- integers: every encoding, both byte orders, odd offsets ---------------------- */

typedef struct {
    const char *name;
    unsigned bits;
    uint8_t enc;
    bool le;
    int64_t loc;   /* after the previous entry */
    uint64_t wire; /* the bits as they stand in the packet */
    bool is_signed;
    uint64_t u;
    int64_t i;
} int_case_t;

static const int_case_t k_ints[] = {
    {"a", 3, MDB_INT_UNSIGNED, false, 0, 5, false, 5, 0},
    {"b13at3", 13, MDB_INT_UNSIGNED, false, 0, 0x1ABC, false, 0x1ABC, 0},
    {"c_le16", 16, MDB_INT_UNSIGNED, true, 0, 0x3412, false, 0x1234, 0},
    {"d_le16_at36", 16, MDB_INT_UNSIGNED, true, 4, 0xCDAB, false, 0xABCD, 0},
    {"e_twos12_min", 12, MDB_INT_TWOS, false, 0, 0x800, true, 0, -2048},
    {"f_signmag8", 8, MDB_INT_SIGNMAG, false, 0, 0x85, true, 0, -5},
    {"g_ones8", 8, MDB_INT_ONES, false, 0, 0xFA, true, 0, -5},
    {"h_u64max", 64, MDB_INT_UNSIGNED, false, 0, UINT64_MAX, false, UINT64_MAX, 0},
    {"i_s64min", 64, MDB_INT_TWOS, false, 0, 0x8000000000000000ULL, true, 0, INT64_MIN},
    {"j_signmag64", 64, MDB_INT_SIGNMAG, false, 0, UINT64_MAX, true, 0, -INT64_MAX},
    {"k_ones16_min", 16, MDB_INT_ONES, false, 0, 0x8000, true, 0, -32767},
    {"p5", 5, MDB_INT_UNSIGNED, false, 0, 21, false, 21, 0},
    {"l_twos64_at293", 64, MDB_INT_TWOS, false, 0, 0xFFFFFFFFFFFFFFFEULL, true, 0, -2},
    {"n_le32_twos_odd", 32, MDB_INT_TWOS, true, 0, 0xFEFFFFFF, true, 0, -2},
    {"q_le64_odd", 64, MDB_INT_UNSIGNED, true, 0, 0x0807060504030201ULL, false,
     0x0102030405060708ULL, 0},
    {"z_signmag_negzero", 8, MDB_INT_SIGNMAG, false, 0, 0x80, true, 0, 0},
    {"t1_twos1", 1, MDB_INT_TWOS, false, 0, 1, true, 0, -1},
    {"o1_ones1", 1, MDB_INT_ONES, false, 0, 1, true, 0, 0},
    {"le_s16_max", 16, MDB_INT_TWOS, true, 0, 0xFF7F, true, 0, 32767},
};
#define N_INTS (sizeof k_ints / sizeof k_ints[0])

/* Builds the integer model and packet; returns the packet length, ends[] the end bits. */
static size_t int_model(dec_mdb_t **mp, uint8_t *pkt, size_t cap, unsigned *ends) {
    dec_mdb_t *m = mdb_new();
    cr_assert_not_null(m);
    uint32_t params[N_INTS];
    for (size_t k = 0; k < N_INTS; k++) {
        mdb_ptype_t t = ity(k_ints[k].bits, k_ints[k].enc, k_ints[k].le);
        params[k] = par(m, k_ints[k].name, &t);
    }
    uint32_t c = cont(m, "Ints", false, MDB_NONE);
    for (size_t k = 0; k < N_INTS; k++) {
        ent(m, c, params[k], false, k_ints[k].loc);
    }
    finish(m);
    memset(pkt, 0, cap);
    unsigned pos = 0;
    for (size_t k = 0; k < N_INTS; k++) {
        pos += (unsigned)k_ints[k].loc;
        put_bits(pkt, pos, k_ints[k].bits, k_ints[k].wire);
        pos += k_ints[k].bits;
        ends[k] = pos;
    }
    *mp = m;
    return (pos + 7) / 8;
}

Test(mdb_decode, integers_all_encodings_offsets_byte_orders) {
    dec_mdb_t *m;
    uint8_t pkt[128];
    unsigned ends[N_INTS];
    size_t len = int_model(&m, pkt, sizeof pkt, ends);
    /* the writer agrees with a hand-made header: 101 1101010111100 = 0xBABC */
    cr_assert_eq(pkt[0], 0xBA);
    cr_assert_eq(pkt[1], 0xBC);
    cr_assert_eq(pkt[2], 0x34);
    cr_assert_eq(pkt[3], 0x12);
    cr_assert_eq(pkt[4], 0x0C);
    cr_assert_eq(pkt[5], 0xDA);
    cr_assert_eq(pkt[6], 0xB8);
    cr_assert_eq(len, 60);
    dec_pval_t out[32];
    size_t n = 0;
    int32_t c = 7;
    cr_assert_eq(decode(m, pkt, len, out, 32, &n, &c), DEC_MDB_OK);
    cr_assert_eq(c, 0);
    cr_assert_eq(n, N_INTS);
    for (size_t k = 0; k < N_INTS; k++) {
        cr_assert_eq(out[k].param, k);
        if (k_ints[k].is_signed) {
            chk_i(&out[k], k_ints[k].i);
        } else {
            chk_u(&out[k], k_ints[k].u);
        }
    }
    drop(&m);
}

Test(mdb_decode, integers_truncated_at_every_length) {
    dec_mdb_t *m;
    uint8_t pkt[128];
    unsigned ends[N_INTS];
    size_t len = int_model(&m, pkt, sizeof pkt, ends);
    for (size_t l = 0; l <= len; l++) {
        dec_pval_t out[32];
        size_t n = 0;
        int32_t c = -5;
        dec_mdb_status_t st = decode(m, pkt, l, out, 32, &n, &c);
        cr_assert_eq(n, N_INTS);
        cr_assert_eq(c, 0);
        size_t missing = 0;
        for (size_t k = 0; k < N_INTS; k++) {
            bool gone = ends[k] > l * 8;
            missing += gone;
            cr_assert_eq(out[k].validity == DEC_PV_NOT_PRESENT, gone, "len %zu entry %zu", l, k);
            if (gone) {
                cr_assert_eq(out[k].raw.kind, DEC_VAL_NONE);
                cr_assert_eq(out[k].eng.kind, DEC_VAL_NONE);
            } else if (k_ints[k].is_signed) {
                chk_i(&out[k], k_ints[k].i);
            } else {
                chk_u(&out[k], k_ints[k].u);
            }
        }
        cr_assert_eq(st, missing ? DEC_MDB_TRUNCATED : DEC_MDB_OK, "len %zu", l);
    }
    drop(&m);
}

/* ---- floats and calibrations ------------------------------------------------------- */

Test(mdb_decode, floats_and_polynomials) {
    dec_mdb_t *m = mdb_new();
    mdb_ptype_t f32 = ty(MDB_T_FLOAT, MDB_ENC_FLOAT, 32);
    f32.float_bits = 32;
    mdb_ptype_t f64le = ty(MDB_T_FLOAT, MDB_ENC_FLOAT, 64);
    f64le.enc.little_endian = true;
    mdb_ptype_t f64to32 = ty(MDB_T_FLOAT, MDB_ENC_FLOAT, 64);
    f64to32.float_bits = 32;
    mdb_ptype_t ipoly = ity(16, MDB_INT_UNSIGNED, false);
    ipoly.kind = MDB_T_FLOAT;
    ipoly.calib = (mdb_calib_t){MDB_CAL_POLY, mdb_add_term(m, 0.5, 0), 3};
    mdb_add_term(m, 0.25, 1);
    mdb_add_term(m, 0.125, 2);
    mdb_ptype_t isqrt = ity(8, MDB_INT_UNSIGNED, false);
    isqrt.kind = MDB_T_FLOAT;
    isqrt.calib = (mdb_calib_t){MDB_CAL_POLY, mdb_add_term(m, 4, 0.5), 1};
    mdb_ptype_t intcal = ity(8, MDB_INT_TWOS, false); /* integer type, calibrated: F64 */
    intcal.calib = (mdb_calib_t){MDB_CAL_POLY, mdb_add_term(m, -1, 0), 2};
    mdb_add_term(m, 3, 1);
    mdb_ptype_t ffl = ity(8, MDB_INT_TWOS, false); /* float type, integer, no calibrator */
    ffl.kind = MDB_T_FLOAT;
    uint32_t p[9];
    p[0] = par(m, "f32", &f32);
    p[1] = par(m, "f64le", &f64le);
    p[2] = par(m, "f32odd", &f32);
    p[3] = par(m, "f64to32", &f64to32);
    p[4] = par(m, "ipoly", &ipoly);
    p[5] = par(m, "isqrt", &isqrt);
    p[6] = par(m, "intcal", &intcal);
    p[7] = par(m, "nan", &f32);
    p[8] = par(m, "ffl", &ffl);
    uint32_t c = cont(m, "F", false, MDB_NONE);
    for (int k = 0; k < 9; k++) {
        ent(m, c, p[k], false, k == 2 ? 4 : 0);
    }
    finish(m);
    uint8_t pkt[64] = {0};
    put_bits(pkt, 0, 32, 0x3FC00000);              /* 1.5 */
    put_bits(pkt, 32, 64, 0x00000000000002C0ULL);  /* -2.25 LE */
    put_bits(pkt, 100, 32, 0x40490FDB);            /* pi as float, at bit 100 */
    put_bits(pkt, 132, 64, 0x3FB999999999999AULL); /* 0.1 */
    put_bits(pkt, 196, 16, 100);
    put_bits(pkt, 212, 8, 16);
    put_bits(pkt, 220, 8, 7);
    put_bits(pkt, 228, 32, 0x7FC00000); /* NaN */
    put_bits(pkt, 260, 8, 0xFE);        /* -2 */
    size_t len = (268 + 7) / 8;
    dec_pval_t out[16];
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(m, pkt, len, out, 16, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(n, 9);
    chk_f(&out[0], 1.5);
    cr_assert_eq(out[0].raw.kind, DEC_VAL_F64);
    cr_assert_eq(out[0].raw.v.f, 1.5);
    chk_f(&out[1], -2.25);
    cr_assert_eq(out[1].raw.v.f, -2.25);
    chk_f(&out[2], 3.1415927410125732421875);
    cr_assert_eq(out[3].raw.v.f, 0.1);
    chk_f(&out[3], 0.100000001490116119384765625);
    cr_assert_eq(out[4].raw.kind, DEC_VAL_U64);
    cr_assert_eq(out[4].raw.v.u, 100);
    chk_f(&out[4], 1275.5); /* 0.5 + 0.25 * 100 + 0.125 * 100^2 */
    chk_f(&out[5], 16.0);   /* 4 * 16^0.5 */
    cr_assert_eq(out[6].raw.kind, DEC_VAL_I64);
    cr_assert_eq(out[6].raw.v.i, 7);
    chk_f(&out[6], 20.0);
    cr_assert_eq(out[7].validity, DEC_PV_INVALID);
    cr_assert_eq(out[7].raw.kind, DEC_VAL_F64);
    cr_assert(isnan(out[7].raw.v.f));
    cr_assert_eq(out[7].eng.kind, DEC_VAL_NONE);
    chk_f(&out[8], -2.0);
    drop(&m);
}

Test(mdb_decode, spline_interpolates_and_extrapolates) {
    dec_mdb_t *m = mdb_new();
    mdb_ptype_t t = ity(8, MDB_INT_TWOS, false);
    t.kind = MDB_T_FLOAT;
    t.calib = (mdb_calib_t){MDB_CAL_SPLINE, mdb_add_point(m, 0, 0), 3};
    mdb_add_point(m, 10, 100);
    mdb_add_point(m, 20, 150);
    uint32_t p = par(m, "s", &t);
    uint32_t c = cont(m, "S", false, MDB_NONE);
    const int8_t raws[] = {5, 15, 25, -10, 10, 0, 20};
    const double want[] = {50, 125, 175, -100, 100, 0, 150};
    for (size_t k = 0; k < sizeof raws; k++) {
        ent(m, c, p, false, 0);
    }
    finish(m);
    uint8_t pkt[sizeof raws];
    memcpy(pkt, raws, sizeof raws);
    dec_pval_t out[8];
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(m, pkt, sizeof pkt, out, 8, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(n, sizeof raws);
    for (size_t k = 0; k < n; k++) {
        chk_f(&out[k], want[k]);
        cr_assert_eq(out[k].raw.v.i, raws[k]);
    }
    drop(&m);
}

/* ---- enumerations, booleans, strings, binary --------------------------------------- */

Test(mdb_decode, enums_and_booleans) {
    dec_mdb_t *m = mdb_new();
    mdb_ptype_t e = ity(8, MDB_INT_UNSIGNED, false);
    e.kind = MDB_T_ENUM;
    e.enum_first = mdb_add_enum(m, 0, 0, "OFF");
    mdb_add_enum(m, 1, 1, "ON");
    mdb_add_enum(m, 10, 20, "MID");
    e.enum_n = 3;
    mdb_ptype_t es = ity(8, MDB_INT_TWOS, false);
    es.kind = MDB_T_ENUM;
    es.enum_first = mdb_add_enum(m, -1, -1, "NEG");
    es.enum_n = 1;
    mdb_ptype_t b1 = ity(1, MDB_INT_UNSIGNED, false);
    b1.kind = MDB_T_BOOLEAN;
    mdb_ptype_t b8 = ity(8, MDB_INT_UNSIGNED, false);
    b8.kind = MDB_T_BOOLEAN;
    uint32_t pe = par(m, "e", &e), pes = par(m, "es", &es), pb1 = par(m, "b1", &b1),
             pb8 = par(m, "b8", &b8);
    uint32_t c = cont(m, "E", false, MDB_NONE);
    for (int k = 0; k < 4; k++) {
        ent(m, c, pe, false, 0);
    }
    ent(m, c, pes, false, 0);
    ent(m, c, pb1, false, 0);
    ent(m, c, pb1, false, 0);
    ent(m, c, pb8, false, 6);
    finish(m);
    const uint8_t pkt[] = {1, 15, 5, 20, 0xFF, 0x80, 2};
    dec_pval_t out[16];
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(m, pkt, sizeof pkt, out, 16, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(n, 8);
    cr_assert_eq(out[0].validity, DEC_PV_VALID);
    cr_assert_eq(out[0].raw.kind, DEC_VAL_U64);
    cr_assert_eq(out[0].raw.v.u, 1);
    chk_str(&out[0].eng, DEC_VAL_STR, "ON", 2);
    /* labels point into the database's string pool */
    cr_assert(out[0].eng.p >= (const uint8_t *)m->strings &&
              out[0].eng.p < (const uint8_t *)m->strings + m->n_strings);
    chk_str(&out[1].eng, DEC_VAL_STR, "MID", 3);
    cr_assert_eq(out[2].validity, DEC_PV_INVALID);
    cr_assert_eq(out[2].raw.v.u, 5);
    cr_assert_eq(out[2].eng.kind, DEC_VAL_NONE);
    chk_str(&out[3].eng, DEC_VAL_STR, "MID", 3); /* maxValue inclusive */
    cr_assert_eq(out[4].raw.kind, DEC_VAL_I64);
    cr_assert_eq(out[4].raw.v.i, -1);
    chk_str(&out[4].eng, DEC_VAL_STR, "NEG", 3);
    cr_assert_eq(out[5].eng.kind, DEC_VAL_BOOL);
    cr_assert_eq(out[5].eng.v.b, true);
    cr_assert_eq(out[5].raw.v.u, 1);
    cr_assert_eq(out[6].eng.kind, DEC_VAL_BOOL);
    cr_assert_eq(out[6].eng.v.b, false);
    cr_assert_eq(out[7].eng.v.b, true); /* raw 2 */
    cr_assert_eq(out[7].raw.v.u, 2);
    drop(&m);
}

static mdb_ptype_t sty(uint32_t bits, int term, uint32_t max_bits) {
    mdb_ptype_t t = ty(MDB_T_STRING, MDB_ENC_STRING, bits);
    t.enc.term_char = term;
    t.enc.max_bits = max_bits;
    return t;
}

Test(mdb_decode, strings_fixed_terminated_and_binary) {
    dec_mdb_t *m = mdb_new();
    mdb_ptype_t fixed = sty(32, -1, 0), fixedz = sty(32, 0, 0), term = sty(0, 0, 0),
                termmax = sty(0, 0, 32), u8 = ity(8, MDB_INT_UNSIGNED, false),
                bin = ty(MDB_T_BINARY, MDB_ENC_BINARY, 24);
    uint32_t p1 = par(m, "fixed", &fixed), p2 = par(m, "fixedz", &fixedz),
             p3 = par(m, "term", &term), p4 = par(m, "u1", &u8), p5 = par(m, "termmax", &termmax),
             p6 = par(m, "u2", &u8), p7 = par(m, "bin", &bin), p8 = par(m, "tail", &term);
    uint32_t c = cont(m, "S", false, MDB_NONE);
    const uint32_t order[] = {p1, p2, p3, p4, p5, p6, p7, p8};
    for (size_t k = 0; k < 8; k++) {
        ent(m, c, order[k], false, 0);
    }
    finish(m);
    const uint8_t pkt[] = {'A',  'B', 'C', 'D', 'A', 'B',  0,    'Z',  'h',  'e', 'l', 'l', 'o', 0,
                           0x7E, 'w', 'x', 'y', 'z', 0x42, 0xDE, 0xAD, 0xBE, 't', 'a', 'i', 'l'};
    dec_pval_t out[16];
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(m, pkt, sizeof pkt, out, 16, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(n, 8);
    for (size_t k = 0; k < n; k++) {
        cr_assert_eq(out[k].validity, DEC_PV_VALID, "entry %zu", k);
    }
    chk_str(&out[0].raw, DEC_VAL_STR, "ABCD", 4);
    chk_str(&out[0].eng, DEC_VAL_STR, "ABCD", 4);
    chk_str(&out[1].eng, DEC_VAL_STR, "AB", 2);
    chk_str(&out[2].eng, DEC_VAL_STR, "hello", 5);
    cr_assert_eq(out[3].eng.v.u, 0x7E);           /* after the terminator */
    chk_str(&out[4].eng, DEC_VAL_STR, "wxyz", 4); /* no terminator within 32 bits */
    cr_assert_eq(out[5].eng.v.u, 0x42);
    chk_str(&out[6].raw, DEC_VAL_BYTES, "\xDE\xAD\xBE", 3);
    chk_str(&out[6].eng, DEC_VAL_BYTES, "\xDE\xAD\xBE", 3);
    chk_str(&out[7].eng, DEC_VAL_STR, "tail", 4); /* terminator missing: to the end */
    /* values point into the packet */
    const uint8_t *g = guard_place(pkt, sizeof pkt);
    cr_assert_eq(dec_mdb_decode(m, g, sizeof pkt, out, 16, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(out[2].raw.p, g + 8);

    /* every truncation: values never reach past the packet; the tail string needs one octet */
    for (size_t l = 0; l < sizeof pkt; l++) {
        const uint8_t *gl = guard_place(pkt, l);
        dec_mdb_status_t st = dec_mdb_decode(m, gl, l, out, 16, &n, &ct);
        cr_assert_eq(st, l < 24 ? DEC_MDB_TRUNCATED : DEC_MDB_OK, "len %zu", l);
        cr_assert_eq(n, 8);
        for (size_t k = 0; k < n; k++) {
            if (out[k].raw.kind == DEC_VAL_STR || out[k].raw.kind == DEC_VAL_BYTES) {
                cr_assert(out[k].raw.p >= gl && out[k].raw.len <= (size_t)(gl + l - out[k].raw.p),
                          "len %zu value %zu", l, k);
            }
        }
        cr_assert_eq(out[7].validity == DEC_PV_NOT_PRESENT, l < 24, "len %zu", l);
    }
    /* 24 octets: the tail is "t" */
    cr_assert_eq(decode(m, pkt, 24, out, 16, &n, &ct), DEC_MDB_OK);
    chk_str(&out[7].eng, DEC_VAL_STR, "t", 1);
    /* 17 octets: termmax ("wx", no terminator, packet end) present, the rest not */
    cr_assert_eq(decode(m, pkt, 17, out, 16, &n, &ct), DEC_MDB_TRUNCATED);
    chk_str(&out[4].eng, DEC_VAL_STR, "wx", 2);
    cr_assert_eq(out[5].validity, DEC_PV_NOT_PRESENT);
    drop(&m);
}

Test(mdb_decode, misaligned_strings_and_binaries_are_invalid) {
    dec_mdb_t *m = mdb_new();
    mdb_ptype_t u4 = ity(4, MDB_INT_UNSIGNED, false), fixed = sty(16, -1, 0),
                u8 = ity(8, MDB_INT_UNSIGNED, false), term = sty(0, 0, 0),
                bin = ty(MDB_T_BINARY, MDB_ENC_BINARY, 12);
    uint32_t pu4 = par(m, "u4", &u4), pf = par(m, "f", &fixed), pu8 = par(m, "u8", &u8),
             pt = par(m, "t", &term), pb = par(m, "b", &bin);
    uint32_t c = cont(m, "M", false, MDB_NONE);
    ent(m, c, pu4, false, 0);
    ent(m, c, pf, false, 0);  /* bit 4: misaligned */
    ent(m, c, pu8, false, 0); /* bit 20 */
    ent(m, c, pb, false, 4);  /* bit 32, 12 bits: not whole octets */
    ent(m, c, pu8, true, 44); /* bit 44 */
    ent(m, c, pt, false, 0);  /* bit 52: misaligned terminated string */
    ent(m, c, pu8, false, 0); /* after it: unknown */
    ent(m, c, pu8, true, 0);  /* from the start: fine */
    finish(m);
    const uint8_t pkt[] = {0x5A, 0xBC, 0xDE, 0xF1, 0x23, 0x45, 0x67, 0x00, 0x00};
    dec_pval_t out[16];
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(m, pkt, sizeof pkt, out, 16, &n, &ct), DEC_MDB_TRUNCATED);
    cr_assert_eq(n, 8);
    chk_u(&out[0], 5);
    cr_assert_eq(out[1].validity, DEC_PV_INVALID);
    cr_assert_eq(out[1].raw.kind, DEC_VAL_NONE);
    chk_u(&out[2], 0xEF); /* bits 20..27 */
    cr_assert_eq(out[3].validity, DEC_PV_INVALID);
    chk_u(&out[4], 0x56); /* bits 44..51 */
    cr_assert_eq(out[5].validity, DEC_PV_INVALID);
    cr_assert_eq(out[6].validity, DEC_PV_NOT_PRESENT);
    chk_u(&out[7], 0x5A);
    drop(&m);
}

/* ---- absolute times ---------------------------------------------------------------- */

Test(mdb_decode, absolute_times) {
    dec_mdb_t *m = mdb_new();
    mdb_ptype_t gps = ity(48, MDB_INT_UNSIGNED, false);
    gps.kind = MDB_T_ABSTIME;
    gps.time_scale = 1.0 / 65536;
    cr_assert_eq(vleo_epoch_parse("1980-01-06", &gps.epoch), 0);
    mdb_ptype_t unx = ity(32, MDB_INT_UNSIGNED, true);
    unx.kind = MDB_T_ABSTIME;
    unx.time_offset = 0.25;
    unx.time_utc_based = true;
    cr_assert_eq(vleo_epoch_parse("1970-01-01", &unx.epoch), 0);
    mdb_ptype_t huge = ity(32, MDB_INT_UNSIGNED, false);
    huge.kind = MDB_T_ABSTIME;
    huge.time_scale = 1e12;
    mdb_ptype_t tai = ity(8, MDB_INT_TWOS, false);
    tai.kind = MDB_T_ABSTIME;
    cr_assert_eq(vleo_epoch_parse("1958-01-01", &tai.epoch), 0);
    uint32_t p1 = par(m, "gps", &gps), p2 = par(m, "unix", &unx), p3 = par(m, "huge", &huge),
             p4 = par(m, "tai", &tai);
    uint32_t c = cont(m, "T", false, MDB_NONE);
    ent(m, c, p1, false, 0);
    ent(m, c, p2, false, 0);
    ent(m, c, p3, false, 0);
    ent(m, c, p4, false, 0);
    finish(m);
    uint8_t pkt[15] = {0};
    put_bits(pkt, 0, 48, 1000000000ULL * 65536 + 32768);
    put_bits(pkt, 48, 32, 0x80510100); /* 86400 = 0x00015180, LSB first */
    put_bits(pkt, 80, 32, 0xFFFFFFFF);
    put_bits(pkt, 112, 8, 0xFF); /* -1 s */
    dec_pval_t out[8];
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(m, pkt, sizeof pkt, out, 8, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(n, 4);
    /* GPS 1e9 + 0.5 s = 2011-09-14T01:46:40.5 GPS; GPS - UTC was 15 s then */
    cr_assert_eq(out[0].validity, DEC_PV_VALID);
    cr_assert_eq(out[0].raw.kind, DEC_VAL_U64);
    cr_assert_eq(out[0].eng.kind, DEC_VAL_TIME);
    cr_assert_eq(out[0].eng.v.t, (315964800LL + 1000000000LL - 15) * 1000000000LL + 500000000LL,
                 "%lld", (long long)out[0].eng.v.t);
    cr_assert_eq(out[1].eng.kind, DEC_VAL_TIME);
    cr_assert_eq(out[1].raw.v.u, 86400);
    cr_assert_eq(out[1].eng.v.t, 86400250000000LL);
    cr_assert_eq(out[2].validity, DEC_PV_INVALID);
    cr_assert_eq(out[2].raw.v.u, 0xFFFFFFFF);
    cr_assert_eq(out[2].eng.kind, DEC_VAL_NONE);
    /* 1957-12-31T23:59:59 TAI, TAI - UTC taken as 10 s before 1972 */
    cr_assert_eq(out[3].eng.kind, DEC_VAL_TIME);
    cr_assert_eq(out[3].eng.v.t, -(378691200LL + 11) * 1000000000LL);
    drop(&m);
}

/* ---- valid ranges ------------------------------------------------------------------ */

Test(mdb_decode, valid_ranges) {
    dec_mdb_t *m = mdb_new();
    mdb_ptype_t r = ity(8, MDB_INT_UNSIGNED, false);
    r.has_range = true;
    r.range_min = 0;
    r.range_max = 100;
    r.range_min_incl = r.range_max_incl = true;
    mdb_ptype_t rx = r;
    rx.range_max_incl = false;
    mdb_ptype_t rc = r;
    rc.kind = MDB_T_FLOAT;
    rc.calib = (mdb_calib_t){MDB_CAL_POLY, mdb_add_term(m, 2, 1), 1};
    mdb_ptype_t re = r;
    re.kind = MDB_T_ENUM;
    re.range_max = 1;
    re.enum_first = mdb_add_enum(m, 1, 1, "ONE");
    mdb_add_enum(m, 2, 2, "TWO");
    re.enum_n = 2;
    mdb_ptype_t rs = ity(8, MDB_INT_TWOS, false);
    rs.has_range = true;
    rs.range_min = -10;
    rs.range_max = INFINITY;
    rs.range_min_incl = true;
    mdb_ptype_t rn = r; /* minExclusive */
    rn.range_min_incl = false;
    uint32_t p1 = par(m, "r", &r), p2 = par(m, "rx", &rx), p3 = par(m, "rc", &rc),
             p4 = par(m, "re", &re), p5 = par(m, "rs", &rs), p6 = par(m, "rn", &rn);
    uint32_t c = cont(m, "R", false, MDB_NONE);
    const uint32_t order[] = {p1, p1, p2, p2, p3, p3, p4, p4, p5, p5, p6, p6};
    for (size_t k = 0; k < 12; k++) {
        ent(m, c, order[k], false, 0);
    }
    finish(m);
    const uint8_t pkt[] = {100, 101, 99, 100, 40, 60, 1, 2, 0xF6, 0xF5, 1, 0};
    const uint8_t want[] = {DEC_PV_VALID, DEC_PV_OUT_OF_RANGE, DEC_PV_VALID, DEC_PV_OUT_OF_RANGE,
                            DEC_PV_VALID, DEC_PV_OUT_OF_RANGE, DEC_PV_VALID, DEC_PV_OUT_OF_RANGE,
                            DEC_PV_VALID, DEC_PV_OUT_OF_RANGE, DEC_PV_VALID, DEC_PV_OUT_OF_RANGE};
    dec_pval_t out[16];
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(m, pkt, sizeof pkt, out, 16, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(n, 12);
    for (size_t k = 0; k < n; k++) {
        cr_assert_eq(out[k].validity, want[k], "entry %zu: %d", k, out[k].validity);
    }
    cr_assert_eq(out[1].eng.v.u, 101); /* out of range values are still given */
    cr_assert_eq(out[5].eng.v.f, 120.0);
    chk_str(&out[7].eng, DEC_VAL_STR, "TWO", 3);
    cr_assert_eq(out[9].eng.v.i, -11);
    drop(&m);
}

/* ---- containers: CCSDS header root, APID, PUS service / subtype ------------------- */

typedef struct {
    dec_mdb_t *m;
    uint32_t root, apid100, hk, hkrep, hkother, event, apid200, weird;
    uint32_t p_apid, p_type, p_svc, p_sub, p_temp, p_volt;
} pus_model_t;

/* CCSDS primary header as entries of an abstract root; APID at level 1, PUS service at level
 * 2, subtype at level 3. */
static pus_model_t pus_model(void) {
    pus_model_t pm;
    dec_mdb_t *m = mdb_new();
    cr_assert_not_null(m);
    pm.m = m;
    mdb_ptype_t u1 = ity(1, 0, false), u2 = ity(2, 0, false), u3 = ity(3, 0, false),
                u4 = ity(4, 0, false), u8 = ity(8, 0, false), u11 = ity(11, 0, false),
                u14 = ity(14, 0, false), u16 = ity(16, 0, false),
                s16 = ity(16, MDB_INT_TWOS, false);
    mdb_ptype_t volt = u16;
    volt.kind = MDB_T_FLOAT;
    volt.calib = (mdb_calib_t){MDB_CAL_POLY, mdb_add_term(m, 0.001, 1), 1};
    uint32_t p_ver = par(m, "/SC/VERSION", &u3);
    pm.p_type = par(m, "/SC/TYPE", &u1);
    uint32_t p_shf = par(m, "/SC/SEC_HDR_FLAG", &u1);
    pm.p_apid = par(m, "/SC/APID", &u11);
    uint32_t p_sf = par(m, "/SC/SEQ_FLAGS", &u2);
    uint32_t p_sc = par(m, "/SC/SEQ_COUNT", &u14);
    uint32_t p_len = par(m, "/SC/LENGTH", &u16);
    uint32_t p_pv = par(m, "/SC/PUS_VERSION", &u4);
    uint32_t p_spare = par(m, "/SC/SPARE", &u4);
    pm.p_svc = par(m, "/SC/SERVICE", &u8);
    pm.p_sub = par(m, "/SC/SUBTYPE", &u8);
    uint32_t p_sid = par(m, "/SC/SID", &u16);
    pm.p_temp = par(m, "/SC/TEMP", &s16);
    pm.p_volt = par(m, "/SC/VOLT", &volt);
    uint32_t p_apid_again = par(m, "/SC/APID_AGAIN", &u11);
    uint32_t p_evid = par(m, "/SC/EVENT_ID", &u16);

    pm.root = cont(m, "CCSDSPacket", true, MDB_NONE);
    ent(m, pm.root, p_ver, false, 0);
    ent(m, pm.root, pm.p_type, false, 0);
    ent(m, pm.root, p_shf, false, 0);
    ent(m, pm.root, pm.p_apid, false, 0);
    ent(m, pm.root, p_sf, false, 0);
    ent(m, pm.root, p_sc, false, 0);
    ent(m, pm.root, p_len, false, 0);
    /* first child of the root: its criterion is on a parameter not decoded at that point */
    pm.weird = cont(m, "Weird", false, pm.root);
    crit(m, pm.weird, pm.p_temp, MDB_OP_GE, -100000);
    pm.apid100 = cont(m, "Apid100", false, pm.root);
    crit(m, pm.apid100, pm.p_apid, MDB_OP_EQ, 100);
    ent(m, pm.apid100, p_pv, false, 0);
    ent(m, pm.apid100, p_spare, false, 0);
    ent(m, pm.apid100, pm.p_svc, false, 0);
    ent(m, pm.apid100, pm.p_sub, false, 0);
    pm.hk = cont(m, "Hk", true, pm.apid100);
    crit(m, pm.hk, pm.p_svc, MDB_OP_EQ, 3);
    ent(m, pm.hk, p_sid, false, 0);
    pm.hkrep = cont(m, "HkReport", false, pm.hk);
    crit(m, pm.hkrep, pm.p_sub, MDB_OP_EQ, 25);
    ent(m, pm.hkrep, pm.p_temp, false, 0);
    ent(m, pm.hkrep, pm.p_volt, false, 0);
    ent(m, pm.hkrep, p_apid_again, true, 5); /* containerStart: the packet's first bit */
    pm.hkother = cont(m, "HkOther", false, pm.hk);
    crit(m, pm.hkother, pm.p_sub, MDB_OP_EQ, 26);
    pm.event = cont(m, "Event", false, pm.apid100);
    crit(m, pm.event, pm.p_svc, MDB_OP_EQ, 5);
    crit(m, pm.event, pm.p_sub, MDB_OP_GE, 1);
    ent(m, pm.event, p_evid, false, 0);
    pm.apid200 = cont(m, "Apid200", false, pm.root);
    crit(m, pm.apid200, pm.p_apid, MDB_OP_EQ, 200);
    crit(m, pm.apid200, pm.p_type, MDB_OP_EQ, 0);
    finish(m);
    return pm;
}

/* A PUS TM packet: version 0, type 0, sec hdr 1, apid, seq flags 3, count 42. */
static size_t pus_packet(uint8_t *buf, unsigned type, unsigned apid, unsigned svc, unsigned sub,
                         size_t data_len) {
    memset(buf, 0, 64);
    put_bits(buf, 0, 3, 0);
    put_bits(buf, 3, 1, type);
    put_bits(buf, 4, 1, 1);
    put_bits(buf, 5, 11, apid);
    put_bits(buf, 16, 2, 3);
    put_bits(buf, 18, 14, 42);
    put_bits(buf, 32, 16, data_len - 1);
    put_bits(buf, 48, 4, 2);
    put_bits(buf, 56, 8, svc);
    put_bits(buf, 64, 8, sub);
    put_bits(buf, 72, 16, 7);      /* SID */
    put_bits(buf, 88, 16, 0xFF38); /* TEMP -200 */
    put_bits(buf, 104, 16, 12345); /* VOLT raw -> 12.345 */
    return 6 + data_len;
}

Test(mdb_decode, three_level_inheritance_pus) {
    pus_model_t pm = pus_model();
    uint8_t pkt[64];
    size_t len = pus_packet(pkt, 0, 100, 3, 25, 9);
    dec_pval_t out[32];
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(pm.m, pkt, len, out, 32, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)pm.hkrep);
    cr_assert_str_eq(dec_mdb_container_name(pm.m, (uint32_t)ct), "HkReport");
    cr_assert_eq(n, 15);
    const uint64_t hdr[] = {0, 0, 1, 100, 3, 42, 8, 2, 0, 3, 25, 7};
    for (size_t k = 0; k < 12; k++) {
        chk_u(&out[k], hdr[k]);
    }
    cr_assert_eq(out[3].param, pm.p_apid);
    chk_i(&out[12], -200);
    cr_assert_eq(out[12].param, pm.p_temp);
    chk_f(&out[13], 12345 * 0.001);
    chk_u(&out[14], 100); /* APID_AGAIN from the container start */
    cr_assert_eq(mdb_decode_max_values(pm.m), 15);

    /* subtype without a child: the deepest reached (Hk) is abstract -> Apid100 */
    len = pus_packet(pkt, 0, 100, 3, 99, 9);
    cr_assert_eq(decode(pm.m, pkt, len, out, 32, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)pm.apid100);
    cr_assert_eq(n, 12);
    chk_u(&out[11], 7);

    len = pus_packet(pkt, 0, 100, 3, 26, 9);
    cr_assert_eq(decode(pm.m, pkt, len, out, 32, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)pm.hkother);

    len = pus_packet(pkt, 0, 100, 5, 1, 9);
    cr_assert_eq(decode(pm.m, pkt, len, out, 32, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)pm.event);
    cr_assert_eq(n, 12);
    chk_u(&out[11], 7); /* EVENT_ID at the same place as SID */

    len = pus_packet(pkt, 0, 100, 5, 0, 9); /* subtype >= 1 fails */
    cr_assert_eq(decode(pm.m, pkt, len, out, 32, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)pm.apid100);

    /* ComparisonList: APID 200 and type 0 */
    len = pus_packet(pkt, 0, 200, 3, 25, 9);
    cr_assert_eq(decode(pm.m, pkt, len, out, 32, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)pm.apid200);
    cr_assert_eq(n, 7);
    len = pus_packet(pkt, 1, 200, 3, 25, 9);
    cr_assert_eq(decode(pm.m, pkt, len, out, 32, &n, &ct), DEC_MDB_NO_CONTAINER);
    cr_assert_eq(ct, -1);
    cr_assert_eq(n, 7); /* the header values are still given */
    chk_u(&out[3], 200);

    /* no child matches: only the abstract root */
    len = pus_packet(pkt, 0, 300, 3, 25, 9);
    cr_assert_eq(decode(pm.m, pkt, len, out, 32, &n, &ct), DEC_MDB_NO_CONTAINER);
    cr_assert_eq(ct, -1);
    cr_assert_eq(n, 7);
    drop(&pm.m);
}

Test(mdb_decode, inheritance_truncated_at_every_length) {
    pus_model_t pm = pus_model();
    uint8_t pkt[64];
    size_t len = pus_packet(pkt, 0, 100, 3, 25, 9);
    cr_assert_eq(len, 15);
    /* end bits of the values in order; APID_AGAIN (last) ends at 16 */
    const unsigned ends[] = {3, 4, 5, 16, 18, 32, 48, 52, 56, 64, 72, 88, 104, 120, 16};
    for (size_t l = 0; l <= len; l++) {
        dec_pval_t out[32];
        size_t n;
        int32_t ct;
        dec_mdb_status_t st = decode(pm.m, pkt, l, out, 32, &n, &ct);
        size_t want_n = l < 2 ? 7 : l < 8 ? 11 : l < 9 ? 12 : 15;
        int32_t want_c = l < 2 ? -1 : l < 9 ? (int32_t)pm.apid100 : (int32_t)pm.hkrep;
        cr_assert_eq(n, want_n, "len %zu: %zu values", l, n);
        cr_assert_eq(ct, want_c, "len %zu", l);
        size_t missing = 0;
        for (size_t k = 0; k < n; k++) {
            bool gone = ends[k] > l * 8;
            missing += gone;
            cr_assert_eq(out[k].validity == DEC_PV_NOT_PRESENT, gone, "len %zu value %zu", l, k);
        }
        dec_mdb_status_t want = want_c < 0 ? DEC_MDB_NO_CONTAINER
                                : missing  ? DEC_MDB_TRUNCATED
                                           : DEC_MDB_OK;
        cr_assert_eq(st, want, "len %zu: %s", l, dec_mdb_status_str(st));
    }
    drop(&pm.m);
}

Test(mdb_decode, cap_too_small_keeps_the_name) {
    pus_model_t pm = pus_model();
    uint8_t pkt[64];
    size_t len = pus_packet(pkt, 0, 100, 3, 25, 9);
    dec_pval_t out[4];
    memset(out, 0xA5, sizeof out);
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(pm.m, pkt, len, out, 3, &n, &ct), DEC_MDB_TOO_MANY);
    cr_assert_eq(n, 3);
    cr_assert_eq(ct, (int32_t)pm.hkrep); /* criteria read values that were dropped */
    chk_u(&out[2], 1);
    cr_assert_eq(out[3].param, 0xA5A5A5A5u); /* nothing written past cap */
    cr_assert_eq(decode(pm.m, pkt, len, NULL, 0, &n, &ct), DEC_MDB_TOO_MANY);
    cr_assert_eq(n, 0);
    cr_assert_eq(ct, (int32_t)pm.hkrep);
    dec_pval_t full[15];
    cr_assert_eq(decode(pm.m, pkt, len, full, 15, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(n, 15);
    drop(&pm.m);
}

Test(mdb_decode, text_and_raw_criteria) {
    dec_mdb_t *m = mdb_new();
    mdb_ptype_t e = ity(8, MDB_INT_UNSIGNED, false);
    e.kind = MDB_T_ENUM;
    e.enum_first = mdb_add_enum(m, 1, 1, "NOMINAL");
    mdb_add_enum(m, 2, 2, "SAFE");
    e.enum_n = 2;
    mdb_ptype_t b = ity(8, MDB_INT_UNSIGNED, false);
    b.kind = MDB_T_BOOLEAN;
    mdb_ptype_t s = sty(16, -1, 0);
    uint32_t pmode = par(m, "MODE", &e), pflag = par(m, "FLAG", &b), pname = par(m, "NAME", &s);
    uint32_t root = cont(m, "Root", true, MDB_NONE);
    ent(m, root, pmode, false, 0);
    ent(m, root, pflag, false, 0);
    ent(m, root, pname, false, 0);
    uint32_t nominal = cont(m, "Nominal", false, root);
    mdb_cmp_t k1 = {.param = pmode,
                    .op = MDB_OP_EQ,
                    .use_calibrated = true,
                    .is_text = true,
                    .text = mdb_add_string(m, "NOMINAL")};
    mdb_add_cmp(m, nominal, &k1);
    uint32_t safe = cont(m, "Safe", false, root);
    mdb_cmp_t k2 = {.param = pmode, .op = MDB_OP_EQ, .use_calibrated = false, .num = 2};
    mdb_cmp_t k3 = {.param = pflag,
                    .op = MDB_OP_EQ,
                    .use_calibrated = true,
                    .is_text = true,
                    .text = mdb_add_string(m, "True")};
    mdb_add_cmp(m, safe, &k2);
    mdb_add_cmp(m, safe, &k3);
    uint32_t named = cont(m, "Named", false, root);
    mdb_cmp_t k4 = {.param = pname,
                    .op = MDB_OP_EQ,
                    .use_calibrated = true,
                    .is_text = true,
                    .text = mdb_add_string(m, "OK")};
    mdb_cmp_t k5 = {.param = pmode, .op = MDB_OP_NE, .use_calibrated = true, .num = 1};
    mdb_add_cmp(m, named, &k4);
    mdb_add_cmp(m, named, &k5);
    finish(m);
    dec_pval_t out[8];
    size_t n;
    int32_t ct;
    const uint8_t p1[] = {1, 0, 'O', 'K'};
    cr_assert_eq(decode(m, p1, sizeof p1, out, 8, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)nominal);
    const uint8_t p2[] = {2, 1, 'O', 'K'};
    cr_assert_eq(decode(m, p2, sizeof p2, out, 8, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)safe);
    const uint8_t p3[] = {2, 0, 'O', 'K'}; /* flag false; an enumeration NE 1: its raw 2 */
    cr_assert_eq(decode(m, p3, sizeof p3, out, 8, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)named);
    const uint8_t p4[] = {3, 0, 'O', 'K'}; /* no label: calibrated comparisons fail */
    cr_assert_eq(decode(m, p4, sizeof p4, out, 8, &n, &ct), DEC_MDB_NO_CONTAINER);
    cr_assert_eq(out[0].validity, DEC_PV_INVALID);
    cr_assert_eq(n, 3);
    const uint8_t p5[] = {2, 0, 'O', 'X'};
    cr_assert_eq(decode(m, p5, sizeof p5, out, 8, &n, &ct), DEC_MDB_NO_CONTAINER);
    const uint8_t p6[] = {1, 1, 'O', 'K'}; /* document order: Nominal first */
    cr_assert_eq(decode(m, p6, sizeof p6, out, 8, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)nominal);
    drop(&m);
}

/* ---- container references, positions ---------------------------------------------- */

Test(mdb_decode, container_ref_entries_inline) {
    dec_mdb_t *m = mdb_new();
    mdb_ptype_t u8 = ity(8, 0, false);
    uint32_t pa = par(m, "a", &u8), px = par(m, "x", &u8), py = par(m, "y", &u8),
             pb = par(m, "b", &u8);
    /* the block comes first in the document: it is a root, but not a packet root */
    uint32_t block = cont(m, "Block", false, MDB_NONE);
    ent(m, block, px, false, 0);
    ent(m, block, py, true, 16); /* 16 bits after the block's own start */
    uint32_t pkt_c = cont(m, "Pkt", false, MDB_NONE);
    ent(m, pkt_c, pa, false, 0);
    cent(m, pkt_c, block, false, 8); /* at bit 16 */
    ent(m, pkt_c, pb, false, 0);     /* after the block's last entry */
    cent(m, pkt_c, block, true, 48); /* again, at bit 48 */
    finish(m);
    const uint8_t pkt[] = {1, 0xEE, 2, 0xEE, 3, 4, 5, 0xEE, 6};
    dec_pval_t out[8];
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(m, pkt, sizeof pkt, out, 8, &n, &ct), DEC_MDB_OK);
    cr_assert_eq(ct, (int32_t)pkt_c);
    cr_assert_eq(n, 6);
    const uint32_t params[] = {pa, px, py, pb, px, py};
    const uint64_t vals[] = {1, 2, 3, 4, 5, 6};
    for (size_t k = 0; k < n; k++) {
        cr_assert_eq(out[k].param, params[k]);
        chk_u(&out[k], vals[k]);
    }
    cr_assert_eq(mdb_decode_max_values(m), 6);
    /* cut inside the second block: its y is missing */
    cr_assert_eq(decode(m, pkt, 8, out, 8, &n, &ct), DEC_MDB_TRUNCATED);
    cr_assert_eq(n, 6);
    chk_u(&out[4], 5);
    cr_assert_eq(out[5].validity, DEC_PV_NOT_PRESENT);
    drop(&m);
}

Test(mdb_decode, negative_positions_are_not_present) {
    dec_mdb_t *m = mdb_new();
    mdb_ptype_t u8 = ity(8, 0, false);
    uint32_t p = par(m, "p", &u8);
    uint32_t c = cont(m, "N", false, MDB_NONE);
    ent(m, c, p, false, 0);   /* 0..7 */
    ent(m, c, p, false, -16); /* -8: not present */
    ent(m, c, p, false, 16);  /* after a missing entry: not present */
    ent(m, c, p, true, 16);   /* 16..23 */
    ent(m, c, p, false, -16); /* 8..15 */
    ent(m, c, p, true, -1);   /* negative */
    finish(m);
    const uint8_t pkt[] = {10, 20, 30};
    dec_pval_t out[8];
    size_t n;
    int32_t ct;
    cr_assert_eq(decode(m, pkt, sizeof pkt, out, 8, &n, &ct), DEC_MDB_TRUNCATED);
    cr_assert_eq(n, 6);
    chk_u(&out[0], 10);
    cr_assert_eq(out[1].validity, DEC_PV_NOT_PRESENT);
    cr_assert_eq(out[2].validity, DEC_PV_NOT_PRESENT);
    chk_u(&out[3], 30);
    chk_u(&out[4], 20);
    cr_assert_eq(out[5].validity, DEC_PV_NOT_PRESENT);
    drop(&m);
}

Test(mdb_decode, plan_rejects_what_the_decoder_cannot_run) {
    char err[256];
    /* ContainerRefEntry cycle A -> B -> A */
    dec_mdb_t *m = mdb_new();
    uint32_t a = cont(m, "A", false, MDB_NONE), b = cont(m, "B", false, MDB_NONE);
    cent(m, a, b, false, 0);
    cent(m, b, a, false, 0);
    cr_assert_eq(mdb_finish(m, err, sizeof err), 0);
    cr_assert_eq(mdb_decode_prepare(m, err, sizeof err), -1);
    cr_assert(strstr(err, "cyclic") != NULL, "%s", err);
    /* decoding without a plan names nothing and reads nothing */
    dec_pval_t out[4];
    size_t n = 9;
    int32_t ct = 9;
    cr_assert_eq(dec_mdb_decode(m, (const uint8_t *)"xx", 2, out, 4, &n, &ct),
                 DEC_MDB_NO_CONTAINER);
    cr_assert_eq(n, 0);
    cr_assert_eq(ct, -1);
    drop(&m);

    /* spline points out of order */
    m = mdb_new();
    mdb_ptype_t t = ity(8, 0, false);
    t.calib = (mdb_calib_t){MDB_CAL_SPLINE, mdb_add_point(m, 10, 0), 2};
    mdb_add_point(m, 0, 1);
    par(m, "s", &t);
    cr_assert_eq(mdb_finish(m, err, sizeof err), 0);
    cr_assert_eq(mdb_decode_prepare(m, err, sizeof err), -1);
    cr_assert(strstr(err, "ascending") != NULL, "%s", err);
    drop(&m);

    /* 65-bit integer, 16-bit float */
    m = mdb_new();
    mdb_ptype_t i65 = ity(65, 0, false);
    par(m, "i", &i65);
    cr_assert_eq(mdb_finish(m, err, sizeof err), 0);
    cr_assert_eq(mdb_decode_prepare(m, err, sizeof err), -1);
    drop(&m);
    m = mdb_new();
    mdb_ptype_t f16 = ty(MDB_T_FLOAT, MDB_ENC_FLOAT, 16);
    par(m, "f", &f16);
    cr_assert_eq(mdb_finish(m, err, sizeof err), 0);
    cr_assert_eq(mdb_decode_prepare(m, err, sizeof err), -1);
    drop(&m);

    /* fan-out: 16 references to a container of 16 references... to 16 values */
    m = mdb_new();
    mdb_ptype_t u8 = ity(8, 0, false);
    uint32_t p = par(m, "p", &u8);
    uint32_t leaf = cont(m, "L0", false, MDB_NONE);
    for (int k = 0; k < 16; k++) {
        ent(m, leaf, p, false, 0);
    }
    uint32_t prev = leaf;
    for (int lvl = 1; lvl <= 4; lvl++) {
        char name[8];
        snprintf(name, sizeof name, "L%d", lvl);
        uint32_t c = cont(m, name, false, MDB_NONE);
        for (int k = 0; k < 16; k++) {
            cent(m, c, prev, false, 0);
        }
        prev = c;
    }
    cr_assert_eq(mdb_finish(m, err, sizeof err), 0);
    cr_assert_eq(mdb_decode_prepare(m, err, sizeof err), -1); /* 16^5 values */
    cr_assert(strstr(err, "more than") != NULL, "%s", err);
    drop(&m);
}

Test(mdb_decode, empty_model_and_empty_packet) {
    dec_mdb_t *m = mdb_new();
    finish(m);
    dec_pval_t out[2];
    size_t n = 5;
    int32_t ct = 5;
    const uint8_t none[1] = {0};
    cr_assert_eq(decode(m, none, 0, out, 2, &n, &ct), DEC_MDB_NO_CONTAINER);
    cr_assert_eq(n, 0);
    cr_assert_eq(ct, -1);
    drop(&m);
}
