/* test_mdb_xtce.c: XTCE files -> dec_mdb_load -> dec_mdb_decode (XTCE 1.2 / CCSDS 660.0-B-2)
 * on packets built octet by octet: tests/xtce/pus_mission.xml (CCSDS primary header, PUS-C
 * TM secondary header and service 3/5 packets described in the XTCE) and tests/xtce/full.xml. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dec/mdb.h"
#include "guard.h"

#define XTCE(f) VLEO_SOURCE_DIR "/tests/xtce/" f
#define MAXV 64

/* OBT of every PUS packet below: 2025-06-01T00:00:00.5Z. CUC 4+2 octets counting TAI seconds
 * since 1958-01-01: 1748736000 (Unix) + 378691200 (1958..1970) + 37 (TAI - UTC in 2025) =
 * 2127427237 = 0x7ECDF6A5 coarse, 0x8000 fine. */
#define OBT_RAW (0x7ECDF6A5ULL * 65536 + 0x8000)
#define OBT_UTC_NS (1748736000LL * 1000000000LL + 500000000LL)

/* ---- helpers ----------------------------------------------------------------------- */

static dec_mdb_t *load(const char *path) {
    char err[512] = "";
    dec_mdb_t *m = dec_mdb_load(path, err, sizeof err);
    cr_assert_not_null(m, "%s", err);
    return m;
}

/* One decoded packet; each value looked up is marked, so a test can require that it
 * checked every value the decoder returned. */
typedef struct {
    const dec_mdb_t *m;
    const uint8_t *pkt; /* the guarded copy */
    dec_pval_t out[MAXV];
    bool seen[MAXV];
    size_t n;
    int32_t c;
    dec_mdb_status_t st;
} dec_t;

/* Decode data[0..len) placed against a guard page, at most cap values. */
static void decode_cap(dec_t *d, const dec_mdb_t *m, const uint8_t *data, size_t len, size_t cap) {
    memset(d, 0, sizeof *d);
    d->m = m;
    d->pkt = guard_place(data, len);
    cr_assert_not_null(d->pkt);
    d->st = dec_mdb_decode(m, d->pkt, len, d->out, cap, &d->n, &d->c);
}

static void decode(dec_t *d, const dec_mdb_t *m, const uint8_t *data, size_t len) {
    decode_cap(d, m, data, len, MAXV);
}

static void expect_packet(const dec_t *d, dec_mdb_status_t st, const char *qname, size_t n) {
    cr_assert_eq(d->st, st, "status %s, want %s", dec_mdb_status_str(d->st),
                 dec_mdb_status_str(st));
    if (qname == NULL) {
        cr_assert_eq(d->c, -1, "named %s", dec_mdb_container_qname(d->m, (uint32_t)d->c));
    } else {
        cr_assert_geq(d->c, 0, "no container, want %s", qname);
        cr_assert_str_eq(dec_mdb_container_qname(d->m, (uint32_t)d->c), qname);
        const char *slash = strrchr(qname, '/');
        cr_assert_str_eq(dec_mdb_container_name(d->m, (uint32_t)d->c), slash + 1);
        cr_assert_not(dec_mdb_container_abstract(d->m, (uint32_t)d->c));
    }
    cr_assert_eq(d->n, n, "%zu values, want %zu", d->n, n);
}

/* The value of the parameter with this qualified name: exactly one in the packet. */
static const dec_pval_t *val(dec_t *d, const char *qname) {
    size_t at = SIZE_MAX;
    for (size_t i = 0; i < d->n; i++) {
        if (strcmp(dec_mdb_param_name(d->m, d->out[i].param), qname) == 0) {
            cr_assert_eq(at, SIZE_MAX, "%s twice", qname);
            at = i;
        }
    }
    cr_assert_neq(at, SIZE_MAX, "%s not decoded", qname);
    d->seen[at] = true;
    return &d->out[at];
}

static void all_checked(const dec_t *d) {
    for (size_t i = 0; i < d->n; i++) {
        cr_assert(d->seen[i], "value %zu (%s) not checked", i,
                  dec_mdb_param_name(d->m, d->out[i].param));
    }
}

static void chk_valid(const dec_pval_t *v, const char *q, uint8_t validity) {
    cr_assert_eq(v->validity, validity, "%s: validity %d, want %d", q, v->validity, validity);
}

/* Unsigned integer, eng = raw. */
static void u(dec_t *d, const char *q, uint64_t want) {
    const dec_pval_t *v = val(d, q);
    chk_valid(v, q, DEC_PV_VALID);
    cr_assert_eq(v->raw.kind, DEC_VAL_U64, "%s: raw kind %d", q, v->raw.kind);
    cr_assert_eq(v->raw.v.u, want, "%s: %llu != %llu", q, (unsigned long long)v->raw.v.u,
                 (unsigned long long)want);
    cr_assert_eq(v->eng.kind, DEC_VAL_U64, "%s: eng kind %d", q, v->eng.kind);
    cr_assert_eq(v->eng.v.u, want, "%s", q);
}

/* Signed integer, eng = raw, with its validity. */
static void iv(dec_t *d, const char *q, int64_t want, uint8_t validity) {
    const dec_pval_t *v = val(d, q);
    chk_valid(v, q, validity);
    cr_assert_eq(v->raw.kind, DEC_VAL_I64, "%s: raw kind %d", q, v->raw.kind);
    cr_assert_eq(v->raw.v.i, want, "%s: %lld != %lld", q, (long long)v->raw.v.i, (long long)want);
    cr_assert_eq(v->eng.kind, DEC_VAL_I64, "%s: eng kind %d", q, v->eng.kind);
    cr_assert_eq(v->eng.v.i, want, "%s", q);
}

static void sv(dec_t *d, const char *q, int64_t want) {
    iv(d, q, want, DEC_PV_VALID);
}

/* Integer-encoded float through a calibrator: raw unsigned, eng double. */
static void cal(dec_t *d, const char *q, uint64_t raw, double eng, uint8_t validity) {
    const dec_pval_t *v = val(d, q);
    chk_valid(v, q, validity);
    cr_assert_eq(v->raw.kind, DEC_VAL_U64, "%s: raw kind %d", q, v->raw.kind);
    cr_assert_eq(v->raw.v.u, raw, "%s: raw %llu != %llu", q, (unsigned long long)v->raw.v.u,
                 (unsigned long long)raw);
    cr_assert_eq(v->eng.kind, DEC_VAL_F64, "%s: eng kind %d", q, v->eng.kind);
    cr_assert_eq(v->eng.v.f, eng, "%s: %.17g != %.17g", q, v->eng.v.f, eng);
}

/* IEEE float: raw and eng doubles. */
static void fl(dec_t *d, const char *q, double raw, double eng) {
    const dec_pval_t *v = val(d, q);
    chk_valid(v, q, DEC_PV_VALID);
    cr_assert_eq(v->raw.kind, DEC_VAL_F64, "%s: raw kind %d", q, v->raw.kind);
    cr_assert_eq(v->raw.v.f, raw, "%s: raw %.17g != %.17g", q, v->raw.v.f, raw);
    cr_assert_eq(v->eng.kind, DEC_VAL_F64, "%s: eng kind %d", q, v->eng.kind);
    cr_assert_eq(v->eng.v.f, eng, "%s: %.17g != %.17g", q, v->eng.v.f, eng);
}

/* Enumeration: raw unsigned, eng its label (NULL: no label, INVALID). */
static void en(dec_t *d, const char *q, uint64_t raw, const char *label) {
    const dec_pval_t *v = val(d, q);
    chk_valid(v, q, label != NULL ? DEC_PV_VALID : DEC_PV_INVALID);
    cr_assert_eq(v->raw.kind, DEC_VAL_U64, "%s", q);
    cr_assert_eq(v->raw.v.u, raw, "%s: raw %llu", q, (unsigned long long)v->raw.v.u);
    if (label == NULL) {
        cr_assert_eq(v->eng.kind, DEC_VAL_NONE, "%s: eng kind %d", q, v->eng.kind);
        return;
    }
    cr_assert_eq(v->eng.kind, DEC_VAL_STR, "%s: eng kind %d", q, v->eng.kind);
    cr_assert_eq(v->eng.len, strlen(label), "%s: %.*s", q, (int)v->eng.len, v->eng.p);
    cr_assert_eq(memcmp(v->eng.p, label, v->eng.len), 0, "%s: %.*s", q, (int)v->eng.len, v->eng.p);
}

static void bo(dec_t *d, const char *q, uint64_t raw, bool eng) {
    const dec_pval_t *v = val(d, q);
    chk_valid(v, q, DEC_PV_VALID);
    cr_assert_eq(v->raw.kind, DEC_VAL_U64, "%s", q);
    cr_assert_eq(v->raw.v.u, raw, "%s", q);
    cr_assert_eq(v->eng.kind, DEC_VAL_BOOL, "%s: eng kind %d", q, v->eng.kind);
    cr_assert_eq(v->eng.v.b, eng, "%s", q);
}

/* String or byte string at octet `at` of the packet; eng the same as raw. */
static void sb(dec_t *d, const char *q, uint8_t kind, size_t at, const char *want, size_t n) {
    const dec_pval_t *v = val(d, q);
    chk_valid(v, q, DEC_PV_VALID);
    const dec_val_t *vv[2] = {&v->raw, &v->eng};
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(vv[k]->kind, kind, "%s: kind %d", q, vv[k]->kind);
        cr_assert_eq(vv[k]->len, n, "%s: len %u != %zu", q, vv[k]->len, n);
        cr_assert_eq(vv[k]->p, d->pkt + at, "%s: not at octet %zu", q, at);
        cr_assert_eq(memcmp(vv[k]->p, want, n), 0, "%s", q);
    }
}

static void tm(dec_t *d, const char *q, uint64_t raw, int64_t utc_ns) {
    const dec_pval_t *v = val(d, q);
    chk_valid(v, q, DEC_PV_VALID);
    cr_assert_eq(v->raw.kind, DEC_VAL_U64, "%s", q);
    cr_assert_eq(v->raw.v.u, raw, "%s: raw %llx", q, (unsigned long long)v->raw.v.u);
    cr_assert_eq(v->eng.kind, DEC_VAL_TIME, "%s: eng kind %d", q, v->eng.kind);
    cr_assert_eq(v->eng.v.t, utc_ns, "%s: %lld != %lld", q, (long long)v->eng.v.t,
                 (long long)utc_ns);
}

static void gone(dec_t *d, const char *q) {
    const dec_pval_t *v = val(d, q);
    chk_valid(v, q, DEC_PV_NOT_PRESENT);
    cr_assert_eq(v->raw.kind, DEC_VAL_NONE, "%s", q);
    cr_assert_eq(v->eng.kind, DEC_VAL_NONE, "%s", q);
}

/* ---- pus_mission.xml --------------------------------------------------------------- */

#define TMTC_ "/VLEO1/TMTC/"

static void ccsds(dec_t *d, uint64_t sec, uint64_t apid, uint64_t flags, uint64_t count,
                  uint64_t length) {
    u(d, TMTC_ "VERSION", 0);
    u(d, TMTC_ "TYPE", 0);
    u(d, TMTC_ "SEC_HDR_FLAG", sec);
    u(d, TMTC_ "APID", apid);
    u(d, TMTC_ "SEQ_FLAGS", flags);
    u(d, TMTC_ "SEQ_COUNT", count);
    u(d, TMTC_ "PACKET_LENGTH", length);
}

static void pus(dec_t *d, uint64_t svc, uint64_t sub, uint64_t counter) {
    u(d, TMTC_ "PUS_VERSION", 2);
    u(d, TMTC_ "TIME_REF_STATUS", 0);
    u(d, TMTC_ "SERVICE_TYPE", svc);
    u(d, TMTC_ "SERVICE_SUBTYPE", sub);
    u(d, TMTC_ "MSG_TYPE_COUNTER", counter);
    u(d, TMTC_ "DESTINATION_ID", 7);
    tm(d, TMTC_ "OBT", OBT_RAW, OBT_UTC_NS);
}

static void pus_gone(dec_t *d) {
    gone(d, TMTC_ "PUS_VERSION");
    gone(d, TMTC_ "TIME_REF_STATUS");
    gone(d, TMTC_ "SERVICE_TYPE");
    gone(d, TMTC_ "SERVICE_SUBTYPE");
    gone(d, TMTC_ "MSG_TYPE_COUNTER");
    gone(d, TMTC_ "DESTINATION_ID");
    gone(d, TMTC_ "OBT");
}

/* The PUS-C TM secondary header of every PUS packet: PUS version 2, time reference status 0,
 * service, subtype, message type counter (2 octets), destination 7 (2), OBT (4 + 2). */
#define PUS_HDR(svc, sub, ctr)                                                                     \
    0x20, svc, sub, 0x00, ctr, 0x00, 0x07, 0x7E, 0xCD, 0xF6, 0xA5, 0x80, 0x00

/* TM[3,25] structure 1 of the AOCS, 55 octets. */
static const uint8_t k_aocs[] = {
    /* version 0, type 0, sec hdr 1, APID 110 = 0 0 1 000 0110 1110; seq flags 3, count 1234
     * = 11 00 0100 1101 0010; length 55 - 7 = 48 */
    0x08, 0x6E, 0xC4, 0xD2, 0x00, 0x30,
    /* octets 6..18 */
    PUS_HDR(0x03, 0x19, 0x11),
    /* 19: structure id 1 */
    0x00, 0x01,
    /* 21: AOCS_MODE 4 (3 bits 100) and MTM_SAMPLES 0x1ABC (13 bits 1 1010 1011 1100):
     * 1001 1010 1011 1100 */
    0x9A, 0xBC,
    /* 23: RATE_X -1500 = 0xFA24 */
    0xFA, 0x24,
    /* 25: RW1_SPEED -3000 = 0xF448, least significant octet first */
    0x48, 0xF4,
    /* 27: SUN_ERROR -250 sign and magnitude: 0x8000 | 0x00FA */
    0x80, 0xFA,
    /* 29: ATT_Q1..Q4 0.5, -0.5, 0.25, 0.8f as IEEE single */
    0x3F, 0x00, 0x00, 0x00, 0xBF, 0x00, 0x00, 0x00, 0x3E, 0x80, 0x00, 0x00, 0x3F, 0x4C, 0xCC, 0xCD,
    /* 45: POS_ECI_X 6778137.5 m as IEEE double: exponent 1045 (0x415), mantissa
     * 6778137.5 / 2^22 - 1 = 0x9DB4660000000 / 2^52 */
    0x41, 0x59, 0xDB, 0x46, 0x60, 0x00, 0x00, 0x00,
    /* 53: GYRO_TEMP 29815 counts of 0.01 K */
    0x74, 0x77};

#define AOCS_ "/VLEO1/AOCS/"

static void aocs_body(dec_t *d) {
    en(d, AOCS_ "AOCS_MODE", 4, "NADIR_POINTING");
    u(d, AOCS_ "MTM_SAMPLES", 0x1ABC);
    sv(d, AOCS_ "RATE_X", -1500);
    sv(d, AOCS_ "RW1_SPEED", -3000);
    sv(d, AOCS_ "SUN_ERROR", -250);
    fl(d, AOCS_ "ATT_Q1", 0.5, 0.5);
    fl(d, AOCS_ "ATT_Q2", -0.5, -0.5);
    fl(d, AOCS_ "ATT_Q3", 0.25, 0.25);
    fl(d, AOCS_ "ATT_Q4", (double)0.8f, (double)0.8f);
}

Test(mdb_xtce, database_as_loaded) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    cr_expect_eq(dec_mdb_n_params(m), 42);
    cr_expect_eq(dec_mdb_n_containers(m), 8);
    /* the alarm is the one thing the file uses that the decoder does not */
    cr_assert_eq(dec_mdb_n_unsupported(m), 1);
    cr_expect_str_eq(dec_mdb_unsupported(m, 0), "line 39: DefaultAlarm: alarms ignored");
    dec_mdb_destroy(&m);
}

Test(mdb_xtce, aocs_hk_three_levels_below_the_root) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    dec_t d;
    decode(&d, m, k_aocs, sizeof k_aocs);
    expect_packet(&d, DEC_MDB_OK, "/VLEO1/AOCS/AOCS_HK", 26);
    /* three levels below the root */
    const char *chain[] = {"/VLEO1/TMTC/PUS_HK_REPORT", "/VLEO1/TMTC/PUS_TM",
                           "/VLEO1/TMTC/CCSDS_TM_PACKET"};
    int32_t c = d.c;
    for (size_t k = 0; k < 3; k++) {
        c = dec_mdb_container_base(m, (uint32_t)c);
        cr_assert_geq(c, 0);
        cr_assert_str_eq(dec_mdb_container_qname(m, (uint32_t)c), chain[k]);
        cr_assert(dec_mdb_container_abstract(m, (uint32_t)c));
    }
    cr_assert_eq(dec_mdb_container_base(m, (uint32_t)c), -1);
    ccsds(&d, 1, 110, 3, 1234, 48);
    pus(&d, 3, 25, 17);
    u(&d, TMTC_ "STRUCT_ID", 1);
    aocs_body(&d);
    fl(&d, AOCS_ "POS_ECI_X", 6778137.5, 6778137.5);
    /* -273.15 + 0.01 * raw in doubles (FloatParameterType sizeInBits 64): 25 degC */
    double t = -273.15 + 0.01 * 29815.0;
    cr_assert(fabs(t - 25.0) < 1e-9);
    cal(&d, AOCS_ "GYRO_TEMP", 29815, t, DEC_PV_VALID);
    all_checked(&d);
    /* units, by qualified name, from the UnitSet of each type */
    const char *units[][2] = {
        {AOCS_ "MTM_SAMPLES", "count"},
        {AOCS_ "RATE_X", "mdeg/s"},
        {AOCS_ "RW1_SPEED", "rpm"},
        {AOCS_ "SUN_ERROR", "cdeg"},
        {AOCS_ "ATT_Q1", ""},
        {AOCS_ "POS_ECI_X", "m"},
        {AOCS_ "GYRO_TEMP", "degC"},
        {AOCS_ "AOCS_MODE", ""},
        {TMTC_ "PACKET_LENGTH", "octets"},
    };
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        cr_expect_str_eq(dec_mdb_param_unit(m, val(&d, units[k][0])->param), units[k][1], "%s",
                         units[k][0]);
    }
    dec_mdb_destroy(&m);
}

Test(mdb_xtce, trailing_octets_are_ignored) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    uint8_t pkt[sizeof k_aocs + 3];
    memcpy(pkt, k_aocs, sizeof k_aocs);
    memcpy(pkt + sizeof k_aocs, "\xAA\xBB\xCC", 3);
    dec_t d;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_OK, "/VLEO1/AOCS/AOCS_HK", 26);
    ccsds(&d, 1, 110, 3, 1234, 48);
    cal(&d, AOCS_ "GYRO_TEMP", 29815, -273.15 + 0.01 * 29815.0, DEC_PV_VALID);
    dec_mdb_destroy(&m);
}

/* An enumeration value without a label (5 was retired) and the range label TEST (6..7). */
Test(mdb_xtce, aocs_mode_unlabelled_and_range_label) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    uint8_t pkt[sizeof k_aocs];
    memcpy(pkt, k_aocs, sizeof pkt);
    pkt[21] = 0xBA; /* 101 1 1010: mode 5, samples unchanged */
    dec_t d;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_OK, "/VLEO1/AOCS/AOCS_HK", 26);
    en(&d, AOCS_ "AOCS_MODE", 5, NULL);
    u(&d, AOCS_ "MTM_SAMPLES", 0x1ABC);
    pkt[21] = 0xFA; /* 111 1 1010: mode 7 */
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_OK, "/VLEO1/AOCS/AOCS_HK", 26);
    en(&d, AOCS_ "AOCS_MODE", 7, "TEST");
    u(&d, AOCS_ "MTM_SAMPLES", 0x1ABC);
    pkt[21] = 0xDA; /* 110 1 1010: mode 6 */
    decode(&d, m, pkt, sizeof pkt);
    en(&d, AOCS_ "AOCS_MODE", 6, "TEST");
    dec_mdb_destroy(&m);
}

/* Cut inside POS_ECI_X (octets 45..52): it and GYRO_TEMP are not present. */
Test(mdb_xtce, aocs_hk_truncated) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    dec_t d;
    decode(&d, m, k_aocs, 49);
    expect_packet(&d, DEC_MDB_TRUNCATED, "/VLEO1/AOCS/AOCS_HK", 26);
    ccsds(&d, 1, 110, 3, 1234, 48);
    pus(&d, 3, 25, 17);
    u(&d, TMTC_ "STRUCT_ID", 1);
    aocs_body(&d);
    gone(&d, AOCS_ "POS_ECI_X");
    gone(&d, AOCS_ "GYRO_TEMP");
    all_checked(&d);
    /* one octet short: only GYRO_TEMP is missing */
    decode(&d, m, k_aocs, sizeof k_aocs - 1);
    expect_packet(&d, DEC_MDB_TRUNCATED, "/VLEO1/AOCS/AOCS_HK", 26);
    fl(&d, AOCS_ "POS_ECI_X", 6778137.5, 6778137.5);
    gone(&d, AOCS_ "GYRO_TEMP");
    dec_mdb_destroy(&m);
}

/* Cut inside the structure id: the HK packet cannot be told, the headers are returned. */
Test(mdb_xtce, truncated_before_the_structure_id) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    dec_t d;
    decode(&d, m, k_aocs, 20);
    expect_packet(&d, DEC_MDB_NO_CONTAINER, NULL, 15);
    ccsds(&d, 1, 110, 3, 1234, 48);
    pus(&d, 3, 25, 17);
    gone(&d, TMTC_ "STRUCT_ID");
    all_checked(&d);
    dec_mdb_destroy(&m);
}

/* Cut inside the primary header: the length and the whole secondary header are missing. */
Test(mdb_xtce, truncated_in_the_primary_header) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    dec_t d;
    decode(&d, m, k_aocs, 4);
    expect_packet(&d, DEC_MDB_NO_CONTAINER, NULL, 14);
    u(&d, TMTC_ "VERSION", 0);
    u(&d, TMTC_ "TYPE", 0);
    u(&d, TMTC_ "SEC_HDR_FLAG", 1);
    u(&d, TMTC_ "APID", 110);
    u(&d, TMTC_ "SEQ_FLAGS", 3);
    u(&d, TMTC_ "SEQ_COUNT", 1234);
    gone(&d, TMTC_ "PACKET_LENGTH");
    pus_gone(&d);
    all_checked(&d);
    /* nothing: the flag is not there, so no secondary header is looked for */
    decode(&d, m, k_aocs, 0);
    expect_packet(&d, DEC_MDB_NO_CONTAINER, NULL, 7);
    gone(&d, TMTC_ "VERSION");
    gone(&d, TMTC_ "TYPE");
    gone(&d, TMTC_ "SEC_HDR_FLAG");
    gone(&d, TMTC_ "APID");
    gone(&d, TMTC_ "SEQ_FLAGS");
    gone(&d, TMTC_ "SEQ_COUNT");
    gone(&d, TMTC_ "PACKET_LENGTH");
    all_checked(&d);
    dec_mdb_destroy(&m);
}

/* An APID no concrete container names: only the abstract PUS_HK_REPORT matches. */
Test(mdb_xtce, unknown_apid_keeps_the_headers) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    uint8_t pkt[sizeof k_aocs];
    memcpy(pkt, k_aocs, sizeof pkt);
    pkt[0] = 0x0B; /* 000 0 1 011 1110 0111: APID 999 */
    pkt[1] = 0xE7;
    dec_t d;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_NO_CONTAINER, NULL, 15);
    ccsds(&d, 1, 999, 3, 1234, 48);
    pus(&d, 3, 25, 17);
    u(&d, TMTC_ "STRUCT_ID", 1);
    all_checked(&d);
    dec_mdb_destroy(&m);
}

Test(mdb_xtce, unknown_structure_id) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    uint8_t pkt[sizeof k_aocs];
    memcpy(pkt, k_aocs, sizeof pkt);
    pkt[20] = 0x02; /* EPS's structure on the AOCS APID */
    dec_t d;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_NO_CONTAINER, NULL, 15);
    ccsds(&d, 1, 110, 3, 1234, 48);
    pus(&d, 3, 25, 17);
    u(&d, TMTC_ "STRUCT_ID", 2);
    all_checked(&d);
    pkt[19] = 0x01; /* 0x0101 */
    pkt[20] = 0x01;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_NO_CONTAINER, NULL, 15);
    u(&d, TMTC_ "STRUCT_ID", 0x0101);
    dec_mdb_destroy(&m);
}

/* The same octets with the secondary header flag cleared: neither PUS_TM nor BEACON. */
Test(mdb_xtce, sec_hdr_flag_zero_is_not_pus) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    uint8_t pkt[sizeof k_aocs];
    memcpy(pkt, k_aocs, sizeof pkt);
    pkt[0] = 0x00;
    dec_t d;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_NO_CONTAINER, NULL, 7);
    ccsds(&d, 0, 110, 3, 1234, 48);
    all_checked(&d);
    dec_mdb_destroy(&m);
}

/* More values than the caller holds: the name is still found (criteria are remembered). */
Test(mdb_xtce, too_many_for_the_callers_array) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    dec_t d;
    decode_cap(&d, m, k_aocs, sizeof k_aocs, 10);
    expect_packet(&d, DEC_MDB_TOO_MANY, "/VLEO1/AOCS/AOCS_HK", 10);
    ccsds(&d, 1, 110, 3, 1234, 48);
    u(&d, TMTC_ "PUS_VERSION", 2);
    u(&d, TMTC_ "TIME_REF_STATUS", 0);
    u(&d, TMTC_ "SERVICE_TYPE", 3);
    all_checked(&d);
    dec_mdb_destroy(&m);
}

/* TM[3,25] structure 2 of the EPS, 37 octets. */
static const uint8_t k_eps[] = {
    /* APID 120 = 000 0111 1000; seq flags 3, count 42; length 30 */
    0x08, 0x78, 0xC0, 0x2A, 0x00, 0x1E,
    /* 6 */
    PUS_HDR(0x03, 0x19, 0x12),
    /* 19: structure id 2 */
    0x00, 0x02,
    /* 21: BATT_VOLTAGE 2560 (12 bits 1010 0000 0000), BATT_HEATER 1, 3 spare bits 000 */
    0xA0, 0x08,
    /* 23: BATT_CURRENT -420 = 0xFE5C */
    0xFE, 0x5C,
    /* 25: PCDU_UPTIME 123456789 = 0x075BCD15, least significant octet first */
    0x15, 0xCD, 0x5B, 0x07,
    /* 29: ENERGY_COUNTER 0xF123456789ABCDEF */
    0xF1, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};

#define EPS_ "/VLEO1/EPS/"

Test(mdb_xtce, eps_hk_spline_boolean_spare_bits_le32_u64) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    dec_t d;
    decode(&d, m, k_eps, sizeof k_eps);
    expect_packet(&d, DEC_MDB_OK, "/VLEO1/EPS/EPS_HK", 20);
    ccsds(&d, 1, 120, 3, 42, 30);
    pus(&d, 3, 25, 18);
    u(&d, TMTC_ "STRUCT_ID", 2);
    /* 2560 lies between the points 2048 -> 7.25 and 3072 -> 7.875: 7.25 + 512 * 0.625 / 1024 */
    cal(&d, EPS_ "BATT_VOLTAGE", 2560, 7.5625, DEC_PV_VALID);
    bo(&d, EPS_ "BATT_HEATER", 1, true);
    sv(&d, EPS_ "BATT_CURRENT", -420);
    u(&d, EPS_ "PCDU_UPTIME", 123456789);
    u(&d, EPS_ "ENERGY_COUNTER", 0xF123456789ABCDEFULL);
    all_checked(&d);
    cr_expect_str_eq(dec_mdb_param_unit(m, val(&d, EPS_ "BATT_VOLTAGE")->param), "V");
    cr_expect_str_eq(dec_mdb_param_unit(m, val(&d, EPS_ "ENERGY_COUNTER")->param), "mJ");
    cr_expect_str_eq(dec_mdb_param_unit(m, val(&d, EPS_ "PCDU_UPTIME")->param), "s");
    cr_expect_str_eq(dec_mdb_param_unit(m, val(&d, EPS_ "BATT_CURRENT")->param), "mA");
    dec_mdb_destroy(&m);
}

/* Under-voltage: 256 -> 6.0 + 256 * 0.5 / 1024 = 6.125 V, below ValidRange 6.4 V. The spare
 * bits set to ones change nothing. */
Test(mdb_xtce, eps_battery_out_of_range) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    uint8_t pkt[sizeof k_eps];
    memcpy(pkt, k_eps, sizeof pkt);
    pkt[21] = 0x10; /* 0001 0000 | 0000 0 111: voltage 256, heater 0, spare 111 */
    pkt[22] = 0x07;
    dec_t d;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_OK, "/VLEO1/EPS/EPS_HK", 20);
    ccsds(&d, 1, 120, 3, 42, 30);
    pus(&d, 3, 25, 18);
    u(&d, TMTC_ "STRUCT_ID", 2);
    cal(&d, EPS_ "BATT_VOLTAGE", 256, 6.125, DEC_PV_OUT_OF_RANGE);
    bo(&d, EPS_ "BATT_HEATER", 0, false);
    sv(&d, EPS_ "BATT_CURRENT", -420);
    u(&d, EPS_ "PCDU_UPTIME", 123456789);
    u(&d, EPS_ "ENERGY_COUNTER", 0xF123456789ABCDEFULL);
    all_checked(&d);
    /* 4095, the ADC's top: 7.875 + 1023 * 0.625 / 1024 = 8.499..., beyond 8.4 V; rounded to
     * float (FloatParameterType sizeInBits defaults to 32) */
    pkt[21] = 0xFF; /* 1111 1111 | 1111 1 000 */
    pkt[22] = 0xF8;
    decode(&d, m, pkt, sizeof pkt);
    cal(&d, EPS_ "BATT_VOLTAGE", 4095, (double)(float)(7.875 + 1023.0 * 0.625 / 1024.0),
        DEC_PV_OUT_OF_RANGE);
    bo(&d, EPS_ "BATT_HEATER", 1, true);
    dec_mdb_destroy(&m);
}

/* TM[3,25] structure 3 of the propulsion, 40 octets; octet 21 is reserved. */
static const uint8_t k_prop[] = {
    /* APID 130 = 000 1000 0010; seq flags 3, count 16383 (the largest); length 33 */
    0x08, 0x82, 0xFF, 0xFF, 0x00, 0x21,
    /* 6 */
    PUS_HDR(0x03, 0x19, 0x13),
    /* 19: structure id 3 */
    0x00, 0x03,
    /* 21: reserved */
    0xAA,
    /* 22 (bit 176 from the packet start): TANK_PRESSURE 18.25 bar = 1.140625 * 2^4 */
    0x41, 0x92, 0x00, 0x00,
    /* 26: TANK_TEMP 36315 = 0x8DDB counts of 0.01 K: 90 degC */
    0x8D, 0xDB,
    /* 30 - 2: DELTA_V_ACCUM -1234567890123 = 2^64 - 0x11F71FB04CB */
    0xFF, 0xFF, 0xFE, 0xE0, 0x8E, 0x04, 0xFB, 0x35,
    /* 36: VALVE_CYCLES 4000000000 = 0xEE6B2800 */
    0xEE, 0x6B, 0x28, 0x00};

#define PROP_ "/VLEO1/PROP/"

Test(mdb_xtce, prop_hk_container_start_s64_and_hot_tank) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    dec_t d;
    decode(&d, m, k_prop, sizeof k_prop);
    expect_packet(&d, DEC_MDB_OK, "/VLEO1/PROP/PROP_HK", 19);
    ccsds(&d, 1, 130, 3, 16383, 33);
    pus(&d, 3, 25, 19);
    u(&d, TMTC_ "STRUCT_ID", 3);
    fl(&d, PROP_ "TANK_PRESSURE", 18.25, 18.25);
    double t = -273.15 + 0.01 * 36315.0; /* 90 degC, above ValidRange 85 */
    cr_assert(fabs(t - 90.0) < 1e-9);
    cal(&d, PROP_ "TANK_TEMP", 36315, t, DEC_PV_OUT_OF_RANGE);
    sv(&d, PROP_ "DELTA_V_ACCUM", -1234567890123LL);
    u(&d, PROP_ "VALVE_CYCLES", 4000000000u);
    all_checked(&d);
    cr_expect_str_eq(dec_mdb_param_unit(m, val(&d, PROP_ "VALVE_CYCLES")->param), "count");
    cr_expect_str_eq(dec_mdb_param_unit(m, val(&d, PROP_ "TANK_TEMP")->param), "degC");
    cr_expect_str_eq(dec_mdb_param_unit(m, val(&d, PROP_ "DELTA_V_ACCUM")->param), "um/s");
    /* -40 degC at the lower bound: 23315 counts = 0x5B13; in doubles -273.15 + 233.15 is
     * -39.99999999999997, inside the range */
    uint8_t pkt[sizeof k_prop];
    memcpy(pkt, k_prop, sizeof pkt);
    pkt[26] = 0x5B;
    pkt[27] = 0x13;
    decode(&d, m, pkt, sizeof pkt);
    t = -273.15 + 0.01 * 23315.0;
    cr_assert(fabs(t + 40.0) < 1e-9);
    cal(&d, PROP_ "TANK_TEMP", 23315, t, DEC_PV_VALID);
    dec_mdb_destroy(&m);
}

/* TM[5,2] event report, 42 octets. */
static const uint8_t k_event[] = {
    /* APID 101 = 000 0110 0101; seq flags 3, count 7; length 35 */
    0x08, 0x65, 0xC0, 0x07, 0x00, 0x23,
    /* 6 */
    PUS_HDR(0x05, 0x02, 0x14),
    /* 19: EVENT_ID 0x4202 */
    0x42, 0x02,
    /* 21: EVENT_SOURCE "EPS_PCDU" (8 octets) */
    'E', 'P', 'S', '_', 'P', 'C', 'D', 'U',
    /* 29: EVENT_TEXT "BATT LOW" and its terminator */
    'B', 'A', 'T', 'T', ' ', 'L', 'O', 'W', 0x00,
    /* 38: EVENT_AUX */
    0xDE, 0xAD, 0xBE, 0xEF};

Test(mdb_xtce, event_report_strings_and_binary) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    dec_t d;
    decode(&d, m, k_event, sizeof k_event);
    expect_packet(&d, DEC_MDB_OK, "/VLEO1/TMTC/EVENT_REPORT", 18);
    ccsds(&d, 1, 101, 3, 7, 35);
    pus(&d, 5, 2, 20);
    u(&d, TMTC_ "EVENT_ID", 0x4202);
    sb(&d, TMTC_ "EVENT_SOURCE", DEC_VAL_STR, 21, "EPS_PCDU", 8);
    sb(&d, TMTC_ "EVENT_TEXT", DEC_VAL_STR, 29, "BATT LOW", 8);
    sb(&d, TMTC_ "EVENT_AUX", DEC_VAL_BYTES, 38, "\xDE\xAD\xBE\xEF", 4);
    all_checked(&d);
    dec_mdb_destroy(&m);
}

/* Subtypes 1..4 only (ComparisonList with >= and <=); 5,5 is not an event report. */
Test(mdb_xtce, event_subtype_outside_the_list) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    uint8_t pkt[sizeof k_event];
    memcpy(pkt, k_event, sizeof pkt);
    dec_t d;
    const uint8_t subs[] = {0, 5, 1, 4};
    for (size_t k = 0; k < sizeof subs; k++) {
        pkt[8] = subs[k];
        decode(&d, m, pkt, sizeof pkt);
        bool named = subs[k] >= 1 && subs[k] <= 4;
        expect_packet(&d, named ? DEC_MDB_OK : DEC_MDB_NO_CONTAINER,
                      named ? "/VLEO1/TMTC/EVENT_REPORT" : NULL, named ? 18 : 14);
        ccsds(&d, 1, 101, 3, 7, 35);
        pus(&d, 5, subs[k], 20);
        if (!named) {
            all_checked(&d);
        }
    }
    dec_mdb_destroy(&m);
}

/* Cut inside the text: it runs to the packet's end, the binary after it is missing. */
Test(mdb_xtce, event_truncated_in_the_text) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    dec_t d;
    decode(&d, m, k_event, 33);
    expect_packet(&d, DEC_MDB_TRUNCATED, "/VLEO1/TMTC/EVENT_REPORT", 18);
    ccsds(&d, 1, 101, 3, 7, 35);
    pus(&d, 5, 2, 20);
    u(&d, TMTC_ "EVENT_ID", 0x4202);
    sb(&d, TMTC_ "EVENT_SOURCE", DEC_VAL_STR, 21, "EPS_PCDU", 8);
    sb(&d, TMTC_ "EVENT_TEXT", DEC_VAL_STR, 29, "BATT", 4);
    gone(&d, TMTC_ "EVENT_AUX");
    all_checked(&d);
    /* cut right after the terminator: the text is whole, the binary missing */
    decode(&d, m, k_event, 38);
    expect_packet(&d, DEC_MDB_TRUNCATED, "/VLEO1/TMTC/EVENT_REPORT", 18);
    sb(&d, TMTC_ "EVENT_TEXT", DEC_VAL_STR, 29, "BATT LOW", 8);
    gone(&d, TMTC_ "EVENT_AUX");
    /* cut inside the fixed string: it and everything after are missing */
    decode(&d, m, k_event, 25);
    expect_packet(&d, DEC_MDB_TRUNCATED, "/VLEO1/TMTC/EVENT_REPORT", 18);
    u(&d, TMTC_ "EVENT_ID", 0x4202);
    gone(&d, TMTC_ "EVENT_SOURCE");
    gone(&d, TMTC_ "EVENT_TEXT");
    gone(&d, TMTC_ "EVENT_AUX");
    dec_mdb_destroy(&m);
}

/* A packet without secondary header, 24 octets. */
static const uint8_t k_beacon[] = {
    /* version 0, type 0, sec hdr 0, APID 200 = 000 1100 1000; seq flags 3, count 0; length 17 */
    0x00, 0xC8, 0xC0, 0x00, 0x00, 0x11,
    /* 6: CALLSIGN "VLEO1-01" */
    'V', 'L', 'E', 'O', '1', '-', '0', '1',
    /* 14: CLOCK_OFFSET -987654321012 ns = 2^64 - 0xE5F4C8F374 */
    0xFF, 0xFF, 0xFF, 0x1A, 0x0B, 0x37, 0x0C, 0x8C,
    /* 22: BOOT_COUNT 515 = 0x0203, least significant octet first */
    0x03, 0x02};

Test(mdb_xtce, beacon_without_secondary_header) {
    dec_mdb_t *m = load(XTCE("pus_mission.xml"));
    dec_t d;
    decode(&d, m, k_beacon, sizeof k_beacon);
    expect_packet(&d, DEC_MDB_OK, "/VLEO1/TMTC/BEACON", 10);
    ccsds(&d, 0, 200, 3, 0, 17);
    sb(&d, TMTC_ "CALLSIGN", DEC_VAL_STR, 6, "VLEO1-01", 8);
    sv(&d, TMTC_ "CLOCK_OFFSET", -987654321012LL);
    u(&d, TMTC_ "BOOT_COUNT", 515);
    all_checked(&d);
    /* the secondary header flag set: it would be PUS, and no PUS container matches */
    uint8_t pkt[sizeof k_beacon];
    memcpy(pkt, k_beacon, sizeof pkt);
    pkt[0] = 0x08;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_NO_CONTAINER, NULL, 14);
    /* truncated inside the clock offset */
    decode(&d, m, k_beacon, 20);
    expect_packet(&d, DEC_MDB_TRUNCATED, "/VLEO1/TMTC/BEACON", 10);
    sb(&d, TMTC_ "CALLSIGN", DEC_VAL_STR, 6, "VLEO1-01", 8);
    gone(&d, TMTC_ "CLOCK_OFFSET");
    gone(&d, TMTC_ "BOOT_COUNT");
    dec_mdb_destroy(&m);
}

/* ---- full.xml (default namespace) -------------------------------------------------- */

/* HK of full.xml, 23 octets: SVC_TYPE at bit 56 from containerStart, TIME 8 bits after the
 * subtype; BLOCK (CURRENT, STATUS, by ContainerRefEntry) 3 bits after FLAG. */
static const uint8_t k_full_hk[] = {
    /* APID 100 = 000 0110 0100, sec hdr 1; seq flags 3, count 5; length 16 */
    0x08, 0x64, 0xC0, 0x05, 0x00, 0x10,
    /* 6: not described; 7: SVC_TYPE 3; 8: SVC_SUBTYPE 25; 9: gap */
    0x20, 0x03, 0x19, 0xEE,
    /* 10: TIME, 48-bit count of 2^-16 s since 1958 TAI */
    0x7E, 0xCD, 0xF6, 0xA5, 0x80, 0x00,
    /* bit 128: BAT_V 0x3E9 (0011 1110 1001); bit 140: BAT_T 600 (10 0101 1000); bit 150:
     * MODE 3 (0011); bit 154: FLAG 1; 3 bits gap (101); bit 158: CURRENT -1000 = 0xFC18
     * least significant octet first (0001 1000 1111 1100); bit 174: STATUS 1; 2 bits pad.
     * 0011 1110 | 1001 1001 | 0110 00 00 | 11 1 101 00 | 0110 0011 | 1111 00 00 | 0000 01 00 */
    0x3E, 0x99, 0x60, 0xF4, 0x63, 0xF0, 0x04};

#define SC_ "/SC/"

static void full_header(dec_t *d, uint64_t subtype) {
    u(d, SC_ "VERSION", 0);
    u(d, SC_ "TYPE", 0);
    u(d, SC_ "SEC_HDR", 1);
    u(d, SC_ "APID", 100);
    u(d, SC_ "SEQ_FLAGS", 3);
    u(d, SC_ "SEQ_COUNT", 5);
    u(d, SC_ "LENGTH", 16);
    u(d, SC_ "SVC_TYPE", 3);
    u(d, SC_ "SVC_SUBTYPE", subtype);
    tm(d, SC_ "TIME", OBT_RAW, OBT_UTC_NS);
}

/* VOLT: -5 + 0.01 x + 1e-6 x^2, summed in that order; TEMP: spline (0,-40) (512,25)
 * (1023,125.5); both FloatParameterType of the default 32 bits. */
static double volt(double x) {
    return (double)(float)(-5.0 + 0.01 * x + 1e-6 * (x * x));
}

static double temp(double x) {
    return x <= 512 ? (double)(float)(-40.0 + (x - 0.0) * (25.0 - -40.0) / 512.0)
                    : (double)(float)(25.0 + (x - 512.0) * (125.5 - 25.0) / 511.0);
}

Test(mdb_xtce, full_hk_container_ref_and_misaligned_le) {
    dec_mdb_t *m = load(XTCE("full.xml"));
    dec_t d;
    decode(&d, m, k_full_hk, sizeof k_full_hk);
    expect_packet(&d, DEC_MDB_OK, "/SC/SUB/HK", 16);
    full_header(&d, 25);
    double v = volt(1001.0);
    cr_assert(fabs(v - 6.012001) < 1e-6);
    cal(&d, SC_ "SUB/BAT_V", 1001, v, DEC_PV_VALID);
    cal(&d, SC_ "SUB/BAT_T", 600, temp(600.0), DEC_PV_VALID);
    cr_assert(fabs(temp(600.0) - 42.30724) < 1e-5);
    en(&d, SC_ "SUB/MODE", 3, "NOMINAL");
    bo(&d, SC_ "SUB/FLAG", 1, true);
    sv(&d, SC_ "SUB/CURRENT", -1000); /* minInclusive -1000 */
    bo(&d, SC_ "SUB/STATUS", 1, true);
    all_checked(&d);
    cr_expect_str_eq(dec_mdb_param_unit(m, val(&d, SC_ "SUB/CURRENT")->param), "mA");
    cr_expect_str_eq(dec_mdb_param_unit(m, val(&d, SC_ "SUB/BAT_V")->param), "V");
    dec_mdb_destroy(&m);
}

/* CURRENT 1000 is outside [-1000, 1000); MODE 6 has no label. */
Test(mdb_xtce, full_hk_current_at_the_exclusive_bound) {
    dec_mdb_t *m = load(XTCE("full.xml"));
    uint8_t pkt[sizeof k_full_hk];
    memcpy(pkt, k_full_hk, sizeof pkt);
    /* MODE 6 (0110) at bit 150; 1000 = 0x03E8, LSB first 1110 1000 0000 0011 at bit 158:
     * 0110 00 01 | 10 1 101 11 | 1010 0000 | 0000 11 00 */
    pkt[18] = 0x61;
    pkt[19] = 0xB7;
    pkt[20] = 0xA0;
    pkt[21] = 0x0C;
    dec_t d;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_OK, "/SC/SUB/HK", 16);
    full_header(&d, 25);
    cal(&d, SC_ "SUB/BAT_V", 1001, volt(1001.0), DEC_PV_VALID);
    cal(&d, SC_ "SUB/BAT_T", 600, temp(600.0), DEC_PV_VALID);
    en(&d, SC_ "SUB/MODE", 6, NULL);
    bo(&d, SC_ "SUB/FLAG", 1, true);
    iv(&d, SC_ "SUB/CURRENT", 1000, DEC_PV_OUT_OF_RANGE);
    bo(&d, SC_ "SUB/STATUS", 1, true);
    all_checked(&d);
    dec_mdb_destroy(&m);
}

/* HK wants SVC_SUBTYPE >= 25: with 24 the CCSDS root names nothing and the second packet
 * root, ALL, decodes the packet from its first bit. */
Test(mdb_xtce, full_other_packets_fall_to_the_second_root) {
    dec_mdb_t *m = load(XTCE("full.xml"));
    uint8_t pkt[sizeof k_full_hk];
    memcpy(pkt, k_full_hk, sizeof pkt);
    pkt[8] = 24;
    dec_t d;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_OK, "/SC/ALL", 2);
    /* BAT_V: bits 0..11 = 0000 1000 0110 = 134; BAT_T 4 bits back (previousEntry -4): bits
     * 8..17 = 0110 0100 11 = 403 */
    cal(&d, SC_ "SUB/BAT_V", 134, volt(134.0), DEC_PV_VALID);
    cal(&d, SC_ "SUB/BAT_T", 403, temp(403.0), DEC_PV_VALID);
    all_checked(&d);
    /* APID 101 instead of 100: BAT_T = 0110 0101 11 = 407 */
    memcpy(pkt, k_full_hk, sizeof pkt);
    pkt[1] = 0x65;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_OK, "/SC/ALL", 2);
    cal(&d, SC_ "SUB/BAT_V", 134, volt(134.0), DEC_PV_VALID);
    cal(&d, SC_ "SUB/BAT_T", 407, temp(407.0), DEC_PV_VALID);
    all_checked(&d);
    /* one octet: BAT_V needs 12 bits */
    decode(&d, m, pkt, 1);
    expect_packet(&d, DEC_MDB_TRUNCATED, "/SC/ALL", 2);
    gone(&d, SC_ "SUB/BAT_V");
    gone(&d, SC_ "SUB/BAT_T");
    dec_mdb_destroy(&m);
}

/* Cut at 20 octets (160 bits): CURRENT (bits 158..173) and STATUS are missing. */
Test(mdb_xtce, full_hk_truncated_in_the_block) {
    dec_mdb_t *m = load(XTCE("full.xml"));
    dec_t d;
    decode(&d, m, k_full_hk, 20);
    expect_packet(&d, DEC_MDB_TRUNCATED, "/SC/SUB/HK", 16);
    full_header(&d, 25);
    cal(&d, SC_ "SUB/BAT_V", 1001, volt(1001.0), DEC_PV_VALID);
    cal(&d, SC_ "SUB/BAT_T", 600, temp(600.0), DEC_PV_VALID);
    en(&d, SC_ "SUB/MODE", 3, "NOMINAL");
    bo(&d, SC_ "SUB/FLAG", 1, true);
    gone(&d, SC_ "SUB/CURRENT");
    gone(&d, SC_ "SUB/STATUS");
    all_checked(&d);
    dec_mdb_destroy(&m);
}
