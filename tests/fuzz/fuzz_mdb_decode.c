/* fuzz_mdb_decode.c: libFuzzer target for packet decoding against a fixed mission database
 * (XTCE 1.2 containers and encodings) built in code: the input is the packet. Checks that every
 * value stays inside the packet or the database, and that a small output array gives the same
 * first values and the same container. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../decoder/src/mdb_model.h"

static dec_mdb_t *g_mdb;

static mdb_ptype_t ty(uint8_t kind, uint8_t enc_kind, uint32_t bits, uint8_t int_enc) {
    mdb_ptype_t t;
    memset(&t, 0, sizeof t);
    t.name = "T";
    t.kind = kind;
    t.enc.kind = enc_kind;
    t.enc.size_bits = bits;
    t.enc.int_enc = int_enc;
    t.enc.term_char = -1;
    t.float_bits = 64;
    t.time_scale = 1;
    return t;
}

static uint32_t par(dec_mdb_t *m, const char *name, const mdb_ptype_t *t) {
    return mdb_add_param(m, name, mdb_add_type(m, t));
}

static void ent(dec_mdb_t *m, uint32_t c, uint32_t ref, uint8_t kind, bool from_start,
                int64_t loc) {
    mdb_entry_t e = {.kind = kind, .from_start = from_start, .ref = ref, .loc_bits = loc};
    if (mdb_add_entry(m, c, &e) == MDB_NONE) {
        abort();
    }
}

static void crit(dec_mdb_t *m, uint32_t c, uint32_t param, uint8_t op, double num) {
    mdb_cmp_t k = {.param = param, .op = op, .use_calibrated = true, .num = num};
    if (mdb_add_cmp(m, c, &k) == MDB_NONE) {
        abort();
    }
}

/* CCSDS header in an abstract root; APID 1: PUS service 3 / 5 with mixed types; APID 2: a
 * block placed twice by ContainerRefEntry; APID 3: strings, binary, times. */
static dec_mdb_t *build(void) {
    dec_mdb_t *m = mdb_new();
    if (m == NULL) {
        abort();
    }
    const uint32_t hb[] = {3, 1, 1, 11, 2, 14, 16};
    uint32_t hdr[7];
    for (int k = 0; k < 7; k++) {
        mdb_ptype_t t = ty(MDB_T_INTEGER, MDB_ENC_INTEGER, hb[k], MDB_INT_UNSIGNED);
        hdr[k] = par(m, "/FZ/HDR", &t);
    }
    mdb_ptype_t u8 = ty(MDB_T_INTEGER, MDB_ENC_INTEGER, 8, MDB_INT_UNSIGNED);
    mdb_ptype_t s13 = ty(MDB_T_INTEGER, MDB_ENC_INTEGER, 13, MDB_INT_SIGNMAG);
    mdb_ptype_t le64 = ty(MDB_T_INTEGER, MDB_ENC_INTEGER, 64, MDB_INT_TWOS);
    le64.enc.little_endian = true;
    mdb_ptype_t f32 = ty(MDB_T_FLOAT, MDB_ENC_FLOAT, 32, 0);
    f32.float_bits = 32;
    f32.has_range = true;
    f32.range_min = -1000;
    f32.range_max = 1000;
    f32.range_min_incl = f32.range_max_incl = true;
    mdb_ptype_t poly = ty(MDB_T_FLOAT, MDB_ENC_INTEGER, 16, MDB_INT_ONES);
    poly.calib = (mdb_calib_t){MDB_CAL_POLY, mdb_add_term(m, 1.5, 0), 3};
    mdb_add_term(m, -0.5, 1);
    mdb_add_term(m, 0.25, 2.5);
    mdb_ptype_t spl = ty(MDB_T_FLOAT, MDB_ENC_INTEGER, 7, MDB_INT_TWOS);
    spl.calib = (mdb_calib_t){MDB_CAL_SPLINE, mdb_add_point(m, -10, 5), 3};
    mdb_add_point(m, 0, 0);
    mdb_add_point(m, 10, 50);
    mdb_ptype_t en = ty(MDB_T_ENUM, MDB_ENC_INTEGER, 4, MDB_INT_UNSIGNED);
    en.enum_first = mdb_add_enum(m, 0, 0, "ZERO");
    mdb_add_enum(m, 3, 9, "SOME");
    en.enum_n = 2;
    mdb_ptype_t bo = ty(MDB_T_BOOLEAN, MDB_ENC_INTEGER, 1, MDB_INT_UNSIGNED);
    mdb_ptype_t term = ty(MDB_T_STRING, MDB_ENC_STRING, 0, 0);
    term.enc.term_char = 0;
    term.enc.max_bits = 64;
    mdb_ptype_t tail = term;
    tail.enc.max_bits = 0;
    mdb_ptype_t fixed = ty(MDB_T_STRING, MDB_ENC_STRING, 24, 0);
    fixed.enc.term_char = ' ';
    mdb_ptype_t bin = ty(MDB_T_BINARY, MDB_ENC_BINARY, 40, 0);
    mdb_ptype_t tgps = ty(MDB_T_ABSTIME, MDB_ENC_INTEGER, 48, MDB_INT_UNSIGNED);
    tgps.time_scale = 1.0 / 65536;
    if (vleo_epoch_parse("1980-01-06", &tgps.epoch) != 0) {
        abort();
    }
    mdb_ptype_t tutc = ty(MDB_T_ABSTIME, MDB_ENC_FLOAT, 64, 0);
    tutc.time_utc_based = true;
    tutc.time_scale = 86400;
    mdb_ptype_t tcds = ty(MDB_T_ABSTIME, MDB_ENC_BINARY, 64, 0); /* CDS day + ms + us */
    tcds.time_cds = true;
    tcds.cds_subms_octets = 2;
    tcds.time_utc_based = true;
    if (vleo_epoch_parse("1958-01-01", &tcds.epoch) != 0) {
        abort();
    }

    uint32_t p_svc = par(m, "/FZ/SVC", &u8), p_sub = par(m, "/FZ/SUB", &u8);
    uint32_t p_s13 = par(m, "/FZ/S13", &s13), p_le64 = par(m, "/FZ/LE64", &le64),
             p_f32 = par(m, "/FZ/F32", &f32), p_poly = par(m, "/FZ/POLY", &poly),
             p_spl = par(m, "/FZ/SPL", &spl), p_en = par(m, "/FZ/EN", &en),
             p_bo = par(m, "/FZ/BO", &bo), p_term = par(m, "/FZ/TERM", &term),
             p_tail = par(m, "/FZ/TAIL", &tail), p_fixed = par(m, "/FZ/FIXED", &fixed),
             p_bin = par(m, "/FZ/BIN", &bin), p_tgps = par(m, "/FZ/TGPS", &tgps),
             p_tutc = par(m, "/FZ/TUTC", &tutc), p_u8 = par(m, "/FZ/U8", &u8),
             p_tcds = par(m, "/FZ/TCDS", &tcds);

    uint32_t block = mdb_add_container(m, "Block", "/FZ/Block", false, MDB_NONE);
    ent(m, block, p_en, MDB_E_PARAM, false, 0);
    ent(m, block, p_bo, MDB_E_PARAM, false, 3);
    ent(m, block, p_spl, MDB_E_PARAM, true, 16);

    uint32_t root = mdb_add_container(m, "Packet", "/FZ/Packet", true, MDB_NONE);
    for (int k = 0; k < 7; k++) {
        ent(m, root, hdr[k], MDB_E_PARAM, false, 0);
    }
    uint32_t a1 = mdb_add_container(m, "Apid1", "/FZ/Apid1", true, root);
    crit(m, a1, hdr[3], MDB_OP_EQ, 1);
    ent(m, a1, p_svc, MDB_E_PARAM, false, 8);
    ent(m, a1, p_sub, MDB_E_PARAM, false, 0);
    uint32_t hk = mdb_add_container(m, "Hk", "/FZ/Hk", false, a1);
    crit(m, hk, p_svc, MDB_OP_EQ, 3);
    crit(m, hk, p_sub, MDB_OP_LE, 25);
    ent(m, hk, p_s13, MDB_E_PARAM, false, 0);
    ent(m, hk, p_le64, MDB_E_PARAM, false, 0);
    ent(m, hk, p_f32, MDB_E_PARAM, false, 0);
    ent(m, hk, p_poly, MDB_E_PARAM, false, 0);
    ent(m, hk, p_u8, MDB_E_PARAM, true, 40);
    uint32_t ev = mdb_add_container(m, "Ev", "/FZ/Ev", false, a1);
    crit(m, ev, p_svc, MDB_OP_NE, 3);
    ent(m, ev, block, MDB_E_CONTAINER, false, 0);
    ent(m, ev, p_term, MDB_E_PARAM, false, 0);
    uint32_t a2 = mdb_add_container(m, "Apid2", "/FZ/Apid2", false, root);
    crit(m, a2, hdr[3], MDB_OP_EQ, 2);
    ent(m, a2, block, MDB_E_CONTAINER, false, 0);
    ent(m, a2, block, MDB_E_CONTAINER, false, -5);
    ent(m, a2, p_u8, MDB_E_PARAM, false, 0);
    uint32_t a3 = mdb_add_container(m, "Apid3", "/FZ/Apid3", false, root);
    crit(m, a3, hdr[3], MDB_OP_GE, 3);
    ent(m, a3, p_fixed, MDB_E_PARAM, false, 0);
    ent(m, a3, p_bin, MDB_E_PARAM, false, 0);
    ent(m, a3, p_tgps, MDB_E_PARAM, false, 0);
    ent(m, a3, p_tutc, MDB_E_PARAM, false, 1);
    ent(m, a3, p_tcds, MDB_E_PARAM, false, 7);
    ent(m, a3, p_term, MDB_E_PARAM, false, 0);
    ent(m, a3, p_tail, MDB_E_PARAM, false, 0);

    char err[256];
    if (mdb_finish(m, err, sizeof err) != 0 || mdb_decode_prepare(m, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_mdb_decode: model: %s\n", err);
        abort();
    }
    return m;
}

static bool inside(const uint8_t *p, uint32_t len, const uint8_t *lo, size_t n) {
    return p >= lo && p <= lo + n && len <= (size_t)(lo + n - p);
}

static void check_val(const dec_val_t *v, const uint8_t *data, size_t size, bool eng) {
    if (v->kind > DEC_VAL_TIME) {
        abort();
    }
    if (v->kind == DEC_VAL_STR || v->kind == DEC_VAL_BYTES) {
        bool in_pool =
            eng && inside(v->p, v->len, (const uint8_t *)g_mdb->strings, g_mdb->n_strings);
        if (!inside(v->p, v->len, data, size) && !in_pool) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (g_mdb == NULL) {
        g_mdb = build();
    }
    dec_pval_t out[64], few[3];
    size_t n = 0, n3 = 0;
    int32_t c = -2, c3 = -2;
    dec_mdb_status_t st = dec_mdb_decode(g_mdb, data, size, out, 64, &n, &c);
    if (n > mdb_decode_max_values(g_mdb) || (c < 0) != (st == DEC_MDB_NO_CONTAINER) ||
        st == DEC_MDB_TOO_MANY || c >= (int32_t)dec_mdb_n_containers(g_mdb) ||
        (c >= 0 && dec_mdb_container_abstract(g_mdb, (uint32_t)c))) {
        abort();
    }
    bool missing = false;
    for (size_t i = 0; i < n; i++) {
        const dec_pval_t *v = &out[i];
        if (v->param >= dec_mdb_n_params(g_mdb) || v->validity > DEC_PV_NOT_PRESENT) {
            abort();
        }
        if (v->validity == DEC_PV_NOT_PRESENT) {
            missing = true;
            if (v->raw.kind != DEC_VAL_NONE || v->eng.kind != DEC_VAL_NONE) {
                abort();
            }
        }
        check_val(&v->raw, data, size, false);
        check_val(&v->eng, data, size, true);
    }
    if (c >= 0 && missing != (st == DEC_MDB_TRUNCATED)) {
        abort();
    }
    dec_mdb_status_t st3 = dec_mdb_decode(g_mdb, data, size, few, 3, &n3, &c3);
    if (c3 != c || n3 != (n < 3 ? n : 3) || (n > 3 && c >= 0 && st3 != DEC_MDB_TOO_MANY)) {
        abort();
    }
    for (size_t i = 0; i < n3; i++) {
        if (few[i].param != out[i].param || few[i].validity != out[i].validity ||
            few[i].raw.kind != out[i].raw.kind || few[i].raw.v.u != out[i].raw.v.u) {
            abort();
        }
    }
    return 0;
}
