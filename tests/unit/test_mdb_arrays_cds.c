/* test_mdb_arrays_cds.c: fixed-size XTCE 1.2 arrays (ArrayParameterType with a DimensionList,
 * expanded per element at load) and CCSDS CDS times (CCSDS 301.0-B-4 3.3, an AbsoluteTime with
 * a BinaryDataEncoding of 48/64/80 bits): tests/xtce/arrays_cds.xml, packets built byte by
 * byte against a guard page, and the load errors of both features. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../decoder/src/mdb_model.h"
#include "guard.h"

#define XTCE(f) VLEO_SOURCE_DIR "/tests/xtce/" f
#define MAXV 32
#define X_ "/X/"

/* 2018-01-01T00:00:00Z, day 21915 after 1958-01-01 */
#define Y2018_NS (1514764800LL * 1000000000LL)

static dec_mdb_t *load(void) {
    char err[512] = "";
    dec_mdb_t *m = dec_mdb_load(XTCE("arrays_cds.xml"), err, sizeof err);
    cr_assert_not_null(m, "%s", err);
    return m;
}

typedef struct {
    const dec_mdb_t *m;
    dec_pval_t out[MAXV];
    size_t n;
    int32_t c;
    dec_mdb_status_t st;
} dec_t;

static void decode(dec_t *d, const dec_mdb_t *m, const uint8_t *data, size_t len) {
    memset(d, 0, sizeof *d);
    d->m = m;
    const uint8_t *p = guard_place(data, len);
    cr_assert_not_null(p);
    d->st = dec_mdb_decode(m, p, len, d->out, MAXV, &d->n, &d->c);
}

static void expect_packet(const dec_t *d, dec_mdb_status_t st, const char *qname, size_t n) {
    cr_assert_eq(d->st, st, "status %s, want %s", dec_mdb_status_str(d->st),
                 dec_mdb_status_str(st));
    cr_assert_geq(d->c, 0);
    cr_assert_str_eq(dec_mdb_container_qname(d->m, (uint32_t)d->c), qname);
    cr_assert_eq(d->n, n, "%zu values, want %zu", d->n, n);
}

/* Value i must be parameter `name` with this validity. */
static const dec_pval_t *at(const dec_t *d, size_t i, const char *name, uint8_t validity) {
    cr_assert_lt(i, d->n);
    const dec_pval_t *v = &d->out[i];
    cr_assert_str_eq(dec_mdb_param_name(d->m, v->param), name, "value %zu", i);
    cr_assert_eq(v->validity, validity, "%s: validity %u, want %u", name, v->validity, validity);
    return v;
}

static void expect_u(const dec_t *d, size_t i, const char *name, uint64_t want) {
    const dec_pval_t *v = at(d, i, name, DEC_PV_VALID);
    cr_expect_eq(v->raw.kind, DEC_VAL_U64, "%s", name);
    cr_expect_eq(v->raw.v.u, want, "%s: %llu, want %llu", name, (unsigned long long)v->raw.v.u,
                 (unsigned long long)want);
    cr_expect_eq(v->eng.kind, DEC_VAL_U64, "%s", name);
    cr_expect_eq(v->eng.v.u, want, "%s", name);
}

static void expect_i(const dec_t *d, size_t i, const char *name, int64_t want) {
    const dec_pval_t *v = at(d, i, name, DEC_PV_VALID);
    cr_expect_eq(v->raw.kind, DEC_VAL_I64, "%s", name);
    cr_expect_eq(v->raw.v.i, want, "%s: %lld, want %lld", name, (long long)v->raw.v.i,
                 (long long)want);
    cr_expect_eq(v->eng.kind, DEC_VAL_I64, "%s", name);
    cr_expect_eq(v->eng.v.i, want, "%s", name);
}

static void expect_volt(const dec_t *d, size_t i, const char *name, uint64_t raw, double eng) {
    const dec_pval_t *v = at(d, i, name, DEC_PV_VALID);
    cr_expect_eq(v->raw.kind, DEC_VAL_U64, "%s", name);
    cr_expect_eq(v->raw.v.u, raw, "%s", name);
    cr_expect_eq(v->eng.kind, DEC_VAL_F64, "%s", name);
    cr_expect_eq(v->eng.v.f, eng, "%s: %.17g, want %.17g", name, v->eng.v.f, eng);
    cr_expect_str_eq(dec_mdb_param_unit(d->m, v->param), "V");
}

static void expect_absent(const dec_t *d, size_t i, const char *name) {
    const dec_pval_t *v = at(d, i, name, DEC_PV_NOT_PRESENT);
    cr_expect_eq(v->raw.kind, DEC_VAL_NONE, "%s", name);
    cr_expect_eq(v->eng.kind, DEC_VAL_NONE, "%s", name);
}

/* A CDS time: raw the T-field octets data[off..off+n), eng UTC Unix ns. */
static void expect_cds(const dec_t *d, size_t i, const char *name, const uint8_t *data, size_t off,
                       uint32_t n, int64_t utc_ns) {
    const dec_pval_t *v = at(d, i, name, DEC_PV_VALID);
    cr_expect_eq(v->raw.kind, DEC_VAL_BYTES, "%s", name);
    cr_expect_eq(v->raw.len, n, "%s", name);
    cr_expect_eq(memcmp(v->raw.p, data + off, n), 0, "%s", name);
    cr_expect_eq(v->eng.kind, DEC_VAL_TIME, "%s", name);
    cr_expect_eq(v->eng.v.t, utc_ns, "%s: %lld, want %lld", name, (long long)v->eng.v.t,
                 (long long)utc_ns);
}

/* ---- the model -------------------------------------------------------------------- */

Test(mdb_arrays_cds, arrays_expand_to_element_parameters) {
    dec_mdb_t *m = load();
    const char *want[] = {
        X_ "ID",      X_ "ARR[0]",  X_ "ARR[1]",  X_ "ARR[2]",  X_ "ARR[3]",  X_ "M[0][0]",
        X_ "M[0][1]", X_ "M[0][2]", X_ "M[1][0]", X_ "M[1][1]", X_ "M[1][2]", X_ "V[0]",
        X_ "V[1]",    X_ "V[2]",    X_ "TAIL",    X_ "P[0][0]", X_ "P[0][1]", X_ "P[1][0]",
        X_ "P[1][1]", X_ "T48",     X_ "T64",     X_ "T80",     X_ "TMS",
    };
    size_t n = sizeof want / sizeof want[0];
    cr_assert_eq(dec_mdb_n_params(m), n);
    for (size_t i = 0; i < n; i++) {
        cr_expect_str_eq(dec_mdb_param_name(m, (uint32_t)i), want[i]);
    }
    cr_expect_str_eq(dec_mdb_param_type(m, 5), "integer");
    cr_expect_str_eq(dec_mdb_param_type(m, 12), "float");
    cr_expect_str_eq(dec_mdb_param_type(m, 19), "absolute_time");
    cr_expect_eq(dec_mdb_n_unsupported(m), 0);
    /* PLACED: ARR's first element at containerStart 24, the rest after it, then P */
    uint32_t c = mdb_find_container(m, X_ "PLACED");
    cr_assert_neq(c, MDB_NONE);
    const mdb_container_t *ct = &m->conts[c];
    cr_assert_eq(ct->entry_n, 8);
    const mdb_entry_t *e = &m->entries[ct->entry_first];
    cr_expect(e[0].from_start);
    cr_expect_eq(e[0].loc_bits, 24);
    cr_expect_eq(e[0].ref, 1);
    for (uint32_t k = 1; k < 8; k++) {
        cr_expect_not(e[k].from_start, "entry %u", k);
        cr_expect_eq(e[k].loc_bits, 0, "entry %u", k);
        cr_expect_eq(e[k].ref, k < 4 ? 1 + k : 15 + (k - 4), "entry %u", k);
    }
    const mdb_ptype_t *t = &m->types[m->params[20].type];
    cr_expect(t->time_cds);
    cr_expect_eq(t->cds_subms_octets, 2);
    cr_expect_eq(t->enc.kind, MDB_ENC_BINARY);
    cr_expect_eq(t->enc.size_bits, 64);
    dec_mdb_destroy(&m);
}

/* ---- arrays ----------------------------------------------------------------------- */

/* ID 1: ARR 4 x u16, M 2x3 i8, V 3 x 12-bit calibrated, TAIL u8 (V and TAIL unaligned). */
static const uint8_t arrays_pkt[] = {
    0x01, /* ID */
    0x01,
    0x02,
    0xA0,
    0xB0,
    0xFF,
    0xFF,
    0x00,
    0x00, /* ARR */
    0x01,
    0xFF,
    0x7F,
    0x80,
    0x05,
    0xFE, /* M, row-major */
    /* V: 000000000000 000000001010 111111111111, TAIL 01011010, 0000 padding */
    0x00,
    0x00,
    0x0A,
    0xFF,
    0xF5,
    0xA0,
};

static void expect_arrays_values(const dec_t *d) {
    expect_u(d, 0, X_ "ID", 1);
    expect_u(d, 1, X_ "ARR[0]", 0x0102);
    expect_u(d, 2, X_ "ARR[1]", 0xA0B0);
    expect_u(d, 3, X_ "ARR[2]", 0xFFFF);
    expect_u(d, 4, X_ "ARR[3]", 0);
    expect_i(d, 5, X_ "M[0][0]", 1);
    expect_i(d, 6, X_ "M[0][1]", -1);
    expect_i(d, 7, X_ "M[0][2]", 127);
    expect_i(d, 8, X_ "M[1][0]", -128);
    expect_i(d, 9, X_ "M[1][1]", 5);
    expect_i(d, 10, X_ "M[1][2]", -2);
    expect_volt(d, 11, X_ "V[0]", 0, -1.5);
    expect_volt(d, 12, X_ "V[1]", 10, 1.0);
    expect_volt(d, 13, X_ "V[2]", 4095, 1022.25);
    expect_u(d, 14, X_ "TAIL", 0x5A);
}

Test(mdb_arrays_cds, one_two_dimensional_and_calibrated_arrays) {
    dec_mdb_t *m = load();
    dec_t d;
    decode(&d, m, arrays_pkt, sizeof arrays_pkt);
    expect_packet(&d, DEC_MDB_OK, X_ "ARRAYS", 15);
    expect_arrays_values(&d);
    dec_mdb_destroy(&m);
}

Test(mdb_arrays_cds, truncated_inside_an_array) {
    dec_mdb_t *m = load();
    dec_t d;
    /* ID, ARR[0], ARR[1] and one octet of ARR[2] */
    decode(&d, m, arrays_pkt, 6);
    expect_packet(&d, DEC_MDB_TRUNCATED, X_ "ARRAYS", 15);
    expect_u(&d, 0, X_ "ID", 1);
    expect_u(&d, 1, X_ "ARR[0]", 0x0102);
    expect_u(&d, 2, X_ "ARR[1]", 0xA0B0);
    expect_absent(&d, 3, X_ "ARR[2]");
    expect_absent(&d, 4, X_ "ARR[3]");
    const char *rest[] = {X_ "M[0][0]", X_ "M[0][1]", X_ "M[0][2]", X_ "M[1][0]", X_ "M[1][1]",
                          X_ "M[1][2]", X_ "V[0]",    X_ "V[1]",    X_ "V[2]",    X_ "TAIL"};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
        expect_absent(&d, 5 + i, rest[i]);
    }
    /* one octet short of the whole packet: only TAIL is cut */
    decode(&d, m, arrays_pkt, sizeof arrays_pkt - 1);
    expect_packet(&d, DEC_MDB_TRUNCATED, X_ "ARRAYS", 15);
    expect_volt(&d, 13, X_ "V[2]", 4095, 1022.25);
    expect_absent(&d, 14, X_ "TAIL");
    dec_mdb_destroy(&m);
}

Test(mdb_arrays_cds, array_at_container_start_and_array_of_arrays) {
    dec_mdb_t *m = load();
    const uint8_t pkt[] = {
        0x02, 0xEE, 0xEE,             /* ID, two octets skipped by containerStart 24 */
        0x00, 0x10, 0x00, 0x20, 0x00, /* ARR */
        0x30, 0x00, 0x40,             /* */
        0x0A, 0x0B, 0x0C, 0x0D,       /* P[0][0] P[0][1] P[1][0] P[1][1] */
    };
    dec_t d;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_OK, X_ "PLACED", 9);
    expect_u(&d, 0, X_ "ID", 2);
    expect_u(&d, 1, X_ "ARR[0]", 0x10);
    expect_u(&d, 2, X_ "ARR[1]", 0x20);
    expect_u(&d, 3, X_ "ARR[2]", 0x30);
    expect_u(&d, 4, X_ "ARR[3]", 0x40);
    expect_u(&d, 5, X_ "P[0][0]", 0x0A);
    expect_u(&d, 6, X_ "P[0][1]", 0x0B);
    expect_u(&d, 7, X_ "P[1][0]", 0x0C);
    expect_u(&d, 8, X_ "P[1][1]", 0x0D);
    uint32_t ps[16];
    cr_expect_eq(dec_mdb_container_params(m, (uint32_t)d.c, ps, 16), 8);
    cr_expect_eq(ps[0], 1);
    cr_expect_eq(ps[7], 18);
    dec_mdb_destroy(&m);
}

/* ---- CDS times -------------------------------------------------------------------- */

/* ID 3: T48 (day 21915, ms 3600001), T64 (day 21915, ms 1234, us 567), T80 from 2000-01-01
 * (day 1, ms 0, ps 123456789), TMS (UNIX ms, 48-bit integer). */
static const uint8_t times_pkt[] = {
    0x03,                                                       /* ID */
    0x55, 0x9B, 0x00, 0x36, 0xEE, 0x81,                         /* T48 at 1 */
    0x55, 0x9B, 0x00, 0x00, 0x04, 0xD2, 0x02, 0x37,             /* T64 at 7 */
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 0x5B, 0xCD, 0x15, /* T80 at 15 */
    0x01, 0x60, 0xAF, 0x04, 0x90, 0x7B,                         /* TMS 1514764800123 */
};

Test(mdb_arrays_cds, cds_48_64_80_bits) {
    dec_mdb_t *m = load();
    dec_t d;
    decode(&d, m, times_pkt, sizeof times_pkt);
    expect_packet(&d, DEC_MDB_OK, X_ "TIMES", 5);
    expect_u(&d, 0, X_ "ID", 3);
    expect_cds(&d, 1, X_ "T48", times_pkt, 1, 6, Y2018_NS + 3600001LL * 1000000);
    expect_cds(&d, 2, X_ "T64", times_pkt, 7, 8, Y2018_NS + 1234LL * 1000000 + 567000);
    expect_cds(&d, 3, X_ "T80", times_pkt, 15, 10,
               (946684800LL + 86400) * 1000000000LL + 123456); /* ps truncated to ns */
    const dec_pval_t *v = at(&d, 4, X_ "TMS", DEC_PV_VALID);
    cr_expect_eq(v->eng.kind, DEC_VAL_TIME);
    cr_expect_eq(v->eng.v.t, 1514764800123000000LL);
    dec_mdb_destroy(&m);
}

Test(mdb_arrays_cds, cds_out_of_range_is_invalid) {
    dec_mdb_t *m = load();
    uint8_t pkt[sizeof times_pkt];
    memcpy(pkt, times_pkt, sizeof pkt);
    /* T48 ms of day 86401000 (0x05265FE8): beyond a day with a leap second */
    pkt[3] = 0x05;
    pkt[4] = 0x26;
    pkt[5] = 0x5F;
    pkt[6] = 0xE8;
    /* T64 microseconds 1000 (0x03E8) */
    pkt[13] = 0x03;
    pkt[14] = 0xE8;
    dec_t d;
    decode(&d, m, pkt, sizeof pkt);
    expect_packet(&d, DEC_MDB_OK, X_ "TIMES", 5);
    const dec_pval_t *v = at(&d, 1, X_ "T48", DEC_PV_INVALID);
    cr_expect_eq(v->raw.kind, DEC_VAL_BYTES);
    cr_expect_eq(v->raw.len, 6);
    cr_expect_eq(v->raw.p[4], 0x5F);
    cr_expect_eq(v->eng.kind, DEC_VAL_NONE);
    v = at(&d, 2, X_ "T64", DEC_PV_INVALID);
    cr_expect_eq(v->raw.kind, DEC_VAL_BYTES);
    cr_expect_eq(v->eng.kind, DEC_VAL_NONE);
    /* the last valid ms of a leap-second day still decodes */
    pkt[3] = 0x05;
    pkt[4] = 0x26;
    pkt[5] = 0x5F;
    pkt[6] = 0xE7;
    decode(&d, m, pkt, sizeof pkt);
    expect_cds(&d, 1, X_ "T48", pkt, 1, 6, Y2018_NS + 86400999LL * 1000000);
    /* cut inside T80: it and TMS are missing */
    decode(&d, m, times_pkt, 20);
    expect_packet(&d, DEC_MDB_TRUNCATED, X_ "TIMES", 5);
    expect_cds(&d, 2, X_ "T64", times_pkt, 7, 8, Y2018_NS + 1234LL * 1000000 + 567000);
    expect_absent(&d, 3, X_ "T80");
    expect_absent(&d, 4, X_ "TMS");
    dec_mdb_destroy(&m);
}

/* ---- load errors ------------------------------------------------------------------ */

#define DOC(types, params, conts)                                                                  \
    "<SpaceSystem name=\"S\"><TelemetryMetaData>\n"    /* line 1 */                                \
    "<ParameterTypeSet>" types "</ParameterTypeSet>\n" /* line 2 */                                \
    "<ParameterSet>" params "</ParameterSet>\n"        /* line 3 */                                \
    "<ContainerSet>" conts "</ContainerSet>\n"         /* line 4 */                                \
    "</TelemetryMetaData></SpaceSystem>\n"

#define U8T "<IntegerParameterType name=\"U8\"><IntegerDataEncoding/></IntegerParameterType>"
#define DIM(end)                                                                                   \
    "<Dimension><StartingIndex><FixedValue>0</FixedValue></StartingIndex><EndingIndex>"            \
    "<FixedValue>" end "</FixedValue></EndingIndex></Dimension>"
#define ARRT(dims)                                                                                 \
    "<ArrayParameterType name=\"A\" arrayTypeRef=\"U8\"><DimensionList>" dims                      \
    "</DimensionList></ArrayParameterType>"

/* Load xml as "mem.xml" (load, finish, plan): 0, or -1 with err. */
static int load_mem(const char *xml, char *err, size_t errlen, dec_mdb_t **out) {
    dec_mdb_t *m = mdb_new();
    cr_assert_not_null(m);
    int rc = mdb_load_xtce_mem(m, xml, strlen(xml), "mem.xml", err, errlen);
    if (rc == 0) {
        rc = mdb_finish(m, err, errlen);
    }
    if (rc == 0) {
        rc = mdb_decode_prepare(m, err, errlen);
    }
    if (out != NULL && rc == 0) {
        *out = m;
    } else {
        dec_mdb_destroy(&m);
    }
    return rc;
}

static void expect_error(const char *xml, const char *want) {
    char err[512] = "";
    cr_expect_eq(load_mem(xml, err, sizeof err, NULL), -1, "%s loaded", want);
    cr_expect_str_eq(err, want);
}

Test(mdb_arrays_cds, array_load_errors) {
    expect_error(DOC(U8T "<ArrayParameterType name=\"A\" arrayTypeRef=\"U8\"><DimensionList>"
                         "<Dimension><StartingIndex><FixedValue>0</FixedValue></StartingIndex>"
                         "<EndingIndex><DynamicValue><ParameterInstanceRef parameterRef=\"N\"/>"
                         "</DynamicValue></EndingIndex></Dimension></DimensionList>"
                         "</ArrayParameterType>",
                     "", ""),
                 "mem.xml:2: DynamicValue: not supported: array size by DynamicValue");
    expect_error(DOC(U8T ARRT(DIM("3")), "<Parameter name=\"V\" parameterTypeRef=\"A\"/>",
                     "<SequenceContainer name=\"R\"><EntryList><ParameterRefEntry "
                     "parameterRef=\"V\"/></EntryList></SequenceContainer>"
                     "<SequenceContainer name=\"C\"><BaseContainer containerRef=\"R\">"
                     "<RestrictionCriteria><Comparison parameterRef=\"V\" value=\"1\"/>"
                     "</RestrictionCriteria></BaseContainer></SequenceContainer>"),
                 "mem.xml:4: Comparison: not supported: parameter \"V\" is an array");
    expect_error(DOC(U8T ARRT(DIM("4096")), "", ""),
                 "mem.xml:2: Dimension: EndingIndex 4096 outside 0..4095");
    expect_error(DOC(U8T ARRT(DIM("63") DIM("64")), "", ""),
                 "mem.xml:2: Dimension: not supported: an array of more than 4096 elements");
    expect_error(DOC(U8T ARRT(DIM("1") DIM("1") DIM("1") DIM("1")), "", ""),
                 "mem.xml:2: Dimension: not supported: more than 3 dimensions");
    expect_error(DOC(U8T "<ArrayParameterType name=\"A\" arrayTypeRef=\"U8\"><DimensionList>"
                         "<Dimension><StartingIndex><FixedValue>1</FixedValue></StartingIndex>"
                         "<EndingIndex><FixedValue>3</FixedValue></EndingIndex></Dimension>"
                         "</DimensionList></ArrayParameterType>",
                     "", ""),
                 "mem.xml:2: Dimension: not supported: StartingIndex other than 0 (or missing)");
    expect_error(DOC("<ArrayParameterType name=\"A\" arrayTypeRef=\"NOPE\"><DimensionList>" DIM(
                         "1") "</DimensionList></ArrayParameterType>",
                     "", ""),
                 "mem.xml:2: ArrayParameterType: unknown arrayTypeRef \"NOPE\"");
    /* arrays of arrays that refer to each other */
    expect_error(
        DOC("<ArrayParameterType name=\"A\" arrayTypeRef=\"B\"><DimensionList>" DIM(
                "1") "</DimensionList></ArrayParameterType>"
                     "<ArrayParameterType name=\"B\" arrayTypeRef=\"A\"><DimensionList>" DIM(
                         "1") "</DimensionList></ArrayParameterType>",
            "<Parameter name=\"V\" parameterTypeRef=\"A\"/>", ""),
        "mem.xml:3: Parameter: not supported: arrays of arrays nested more than 4 "
        "deep (or cyclic)");
    /* an element name taken by another parameter */
    expect_error(DOC(U8T ARRT(DIM("1")),
                     "<Parameter name=\"V[1]\" parameterTypeRef=\"U8\"/>"
                     "<Parameter name=\"V\" parameterTypeRef=\"A\"/>",
                     ""),
                 "mem.xml:3: Parameter: duplicate parameter name /S/V[1]");
}

Test(mdb_arrays_cds, array_without_dimension_list_is_listed) {
    dec_mdb_t *m = NULL;
    char err[512] = "";
    cr_assert_eq(load_mem(DOC(U8T "<ArrayParameterType name=\"A\" arrayTypeRef=\"U8\" "
                                  "numberOfDimensions=\"1\"/>",
                              "<Parameter name=\"V\" parameterTypeRef=\"A\"/>", ""),
                          err, sizeof err, &m),
                 0, "%s", err);
    cr_expect_eq(dec_mdb_n_params(m), 0);
    cr_assert_eq(dec_mdb_n_unsupported(m), 1);
    cr_expect_str_eq(dec_mdb_unsupported(m, 0),
                     "line 2: ArrayParameterType: not supported without a DimensionList (size "
                     "unknown): its parameters are not decoded");
    dec_mdb_destroy(&m);
    expect_error(DOC(U8T "<ArrayParameterType name=\"A\" arrayTypeRef=\"U8\"/>",
                     "<Parameter name=\"V\" parameterTypeRef=\"A\"/>",
                     "<SequenceContainer name=\"R\"><EntryList><ParameterRefEntry "
                     "parameterRef=\"V\"/></EntryList></SequenceContainer>"),
                 "mem.xml:4: ParameterRefEntry: parameter \"V\" cannot be decoded: "
                 "ArrayParameterType without a DimensionList is not supported");
}

#define TIMET(bits, extra)                                                                         \
    "<AbsoluteTimeParameterType name=\"T\"><Encoding" extra "><BinaryDataEncoding><SizeInBits>"    \
    "<FixedValue>" bits "</FixedValue></SizeInBits></BinaryDataEncoding></Encoding>"               \
    "<ReferenceTime><Epoch>TAI</Epoch></ReferenceTime></AbsoluteTimeParameterType>"

Test(mdb_arrays_cds, cds_load_errors) {
    expect_error(DOC(TIMET("40", ""), "", ""),
                 "mem.xml:2: BinaryDataEncoding: AbsoluteTime binary encoding of 40 bits: only "
                 "CDS 48, 64 or 80");
    expect_error(DOC(TIMET("44", ""), "", ""),
                 "mem.xml:2: FixedValue: not supported: size of 44 bits is not whole octets");
    expect_error(DOC(TIMET("48", "") U8T,
                     "<Parameter name=\"A\" parameterTypeRef=\"U8\"/>"
                     "<Parameter name=\"P\" parameterTypeRef=\"T\"/>",
                     "<SequenceContainer name=\"R\"><EntryList><ParameterRefEntry "
                     "parameterRef=\"P\"/></EntryList></SequenceContainer>"
                     "<SequenceContainer name=\"C\"><BaseContainer containerRef=\"R\">"
                     "<RestrictionCriteria><Comparison parameterRef=\"P\" value=\"1\" "
                     "useCalibratedValue=\"false\"/></RestrictionCriteria></BaseContainer>"
                     "</SequenceContainer>"),
                 "mem.xml:4: Comparison: not supported: comparison with a CDS time");
    /* scale and offset do not apply to a CDS time: listed */
    dec_mdb_t *m = NULL;
    char err[512] = "";
    cr_assert_eq(load_mem(DOC(TIMET("80", " scale=\"2\""), "", ""), err, sizeof err, &m), 0, "%s",
                 err);
    cr_assert_eq(dec_mdb_n_unsupported(m), 1);
    cr_expect_str_eq(dec_mdb_unsupported(m, 0),
                     "line 2: AbsoluteTimeParameterType: scale and offset of a CDS time ignored");
    cr_expect_eq(m->types[0].cds_subms_octets, 4);
    dec_mdb_destroy(&m);
}

/* The plan refuses a binary-encoded time that is not a CDS time (models built in code). */
Test(mdb_arrays_cds, plan_checks_cds_types) {
    dec_mdb_t *m = mdb_new();
    cr_assert_not_null(m);
    mdb_ptype_t t;
    memset(&t, 0, sizeof t);
    t.name = "/S/T";
    t.kind = MDB_T_ABSTIME;
    t.enc.kind = MDB_ENC_BINARY;
    t.enc.size_bits = 56;
    t.enc.term_char = -1;
    t.time_scale = 1;
    t.time_cds = true;
    t.cds_subms_octets = 1;
    cr_assert_neq(mdb_add_type(m, &t), MDB_NONE);
    char err[256] = "";
    cr_assert_eq(mdb_finish(m, err, sizeof err), 0, "%s", err);
    cr_expect_eq(mdb_decode_prepare(m, err, sizeof err), -1);
    cr_expect_str_eq(err, "type /S/T: a binary-encoded time is not a CDS time of 48, 64 or 80 "
                          "bits");
    dec_mdb_destroy(&m);
}
