/* test_mdb_load.c: the XTCE 1.2 loader (decoder/src/mdb_load.c): the model built from the
 * files in tests/xtce/ and from inline documents, and its errors on hostile input. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../decoder/src/mdb_model.h"

#define XTCE(f) VLEO_SOURCE_DIR "/tests/xtce/" f

static dec_mdb_t *load_ok(const char *path) {
    char err[512] = "";
    dec_mdb_t *m = dec_mdb_load(path, err, sizeof err);
    cr_assert_not_null(m, "%s", err);
    return m;
}

/* Load an in-memory document named "mem.xml" and run mdb_finish. Returns 0 or -1 with err. */
static int load_mem(const char *xml, char *err, size_t errlen, dec_mdb_t **out) {
    dec_mdb_t *m = mdb_new();
    cr_assert_not_null(m);
    int rc = mdb_load_xtce_mem(m, xml, strlen(xml), "mem.xml", err, errlen);
    if (rc == 0) {
        rc = mdb_finish(m, err, errlen);
    }
    if (out != NULL && rc == 0) {
        *out = m;
    } else {
        dec_mdb_destroy(&m);
    }
    return rc;
}

static const mdb_ptype_t *type_of(const dec_mdb_t *m, const char *qname) {
    uint32_t i = mdb_find_type(m, qname);
    cr_assert_neq(i, MDB_NONE, "type %s missing", qname);
    return &m->types[i];
}

static uint32_t param(const dec_mdb_t *m, const char *qname) {
    uint32_t i = mdb_find_param(m, qname);
    cr_assert_neq(i, MDB_NONE, "parameter %s missing", qname);
    return i;
}

static const mdb_container_t *cont(const dec_mdb_t *m, const char *qname) {
    uint32_t i = mdb_find_container(m, qname);
    cr_assert_neq(i, MDB_NONE, "container %s missing", qname);
    return &m->conts[i];
}

static void check_int(const dec_mdb_t *m, const char *q, uint32_t bits, uint8_t enc, bool le) {
    const mdb_ptype_t *t = type_of(m, q);
    cr_expect_eq(t->kind, MDB_T_INTEGER, "%s", q);
    cr_expect_eq(t->enc.kind, MDB_ENC_INTEGER, "%s", q);
    cr_expect_eq(t->enc.size_bits, bits, "%s", q);
    cr_expect_eq(t->enc.int_enc, enc, "%s", q);
    cr_expect_eq(t->enc.little_endian, le, "%s", q);
    cr_expect_eq(t->calib.kind, MDB_CAL_NONE, "%s", q);
}

Test(mdb_load, full_integer_types) {
    dec_mdb_t *m = load_ok(XTCE("full.xml"));
    cr_expect_eq(m->n_types, 29);
    check_int(m, "/SC/U3", 3, MDB_INT_UNSIGNED, false);
    check_int(m, "/SC/U1", 1, MDB_INT_UNSIGNED, false);
    check_int(m, "/SC/U11", 11, MDB_INT_UNSIGNED, false);
    check_int(m, "/SC/U16", 16, MDB_INT_UNSIGNED, false);
    check_int(m, "/SC/U8", 8, MDB_INT_UNSIGNED, false); /* the schema's defaults */
    check_int(m, "/SC/S16LE", 16, MDB_INT_TWOS, true);
    check_int(m, "/SC/SM12", 12, MDB_INT_SIGNMAG, false);
    check_int(m, "/SC/OC8", 8, MDB_INT_ONES, false);
    check_int(m, "/SC/U64", 64, MDB_INT_UNSIGNED, false);
    check_int(m, "/SC/SUB/SUBTYPE_T", 8, MDB_INT_UNSIGNED, false);

    const mdb_ptype_t *t = type_of(m, "/SC/S16LE");
    cr_expect_str_eq(mdb_str(m, t->unit), "mA"); /* first unit, trimmed */
    cr_expect(t->has_range);
    cr_expect_eq(t->range_min, -1000.0);
    cr_expect_eq(t->range_max, 1000.0);
    cr_expect(t->range_min_incl);
    cr_expect_not(t->range_max_incl);
    cr_expect_not(type_of(m, "/SC/U8")->has_range);
    cr_expect_str_eq(mdb_str(m, type_of(m, "/SC/U8")->unit), "");
    dec_mdb_destroy(&m);
}

Test(mdb_load, full_float_types_and_calibrators) {
    dec_mdb_t *m = load_ok(XTCE("full.xml"));
    const mdb_ptype_t *t = type_of(m, "/SC/F32");
    cr_expect_eq(t->kind, MDB_T_FLOAT);
    cr_expect_eq(t->enc.kind, MDB_ENC_FLOAT);
    cr_expect_eq(t->enc.size_bits, 32);
    cr_expect_eq(t->float_bits, 32); /* FloatParameterType sizeInBits default */
    cr_expect_not(t->enc.little_endian);
    cr_expect_str_eq(mdb_str(m, t->unit), "degC");
    cr_expect(t->has_range);
    cr_expect_eq(t->range_min, -50.5);
    cr_expect_not(t->range_min_incl);
    cr_expect_eq(t->range_max, 120.0);
    cr_expect(t->range_max_incl);

    t = type_of(m, "/SC/F64LE");
    cr_expect_eq(t->enc.size_bits, 64);
    cr_expect_eq(t->float_bits, 64);
    cr_expect(t->enc.little_endian);

    t = type_of(m, "/SC/VOLT");
    cr_expect_eq(t->kind, MDB_T_FLOAT);
    cr_expect_eq(t->enc.kind, MDB_ENC_INTEGER);
    cr_expect_eq(t->enc.size_bits, 12);
    cr_expect_str_eq(mdb_str(m, t->unit), "V");
    cr_assert_eq(t->calib.kind, MDB_CAL_POLY);
    cr_assert_eq(t->calib.n, 3);
    const mdb_term_t *tm = &m->terms[t->calib.first];
    cr_expect_eq(tm[0].coefficient, -5.0);
    cr_expect_eq(tm[0].exponent, 0.0);
    cr_expect_eq(tm[1].coefficient, 0.01);
    cr_expect_eq(tm[1].exponent, 1.0);
    cr_expect_eq(tm[2].coefficient, 1e-6);
    cr_expect_eq(tm[2].exponent, 2.0);

    t = type_of(m, "/SC/TEMP");
    cr_expect_eq(t->enc.size_bits, 10);
    cr_assert_eq(t->calib.kind, MDB_CAL_SPLINE);
    cr_assert_eq(t->calib.n, 3);
    const mdb_point_t *p = &m->points[t->calib.first];
    cr_expect_eq(p[0].raw, 0.0);
    cr_expect_eq(p[0].eng, -40.0);
    cr_expect_eq(p[1].raw, 512.0);
    cr_expect_eq(p[1].eng, 25.0);
    cr_expect_eq(p[2].raw, 1023.0);
    cr_expect_eq(p[2].eng, 125.5);
    dec_mdb_destroy(&m);
}

Test(mdb_load, full_enum_bool_string_binary) {
    dec_mdb_t *m = load_ok(XTCE("full.xml"));
    const mdb_ptype_t *t = type_of(m, "/SC/MODE");
    cr_expect_eq(t->kind, MDB_T_ENUM);
    cr_expect_eq(t->enc.size_bits, 4);
    cr_assert_eq(t->enum_n, 3);
    const mdb_enum_t *e = &m->enums[t->enum_first];
    cr_expect_eq(e[0].value, 0);
    cr_expect_eq(e[0].max_value, 0);
    cr_expect_str_eq(mdb_str(m, e[0].label), "OFF");
    cr_expect_eq(e[1].value, 1);
    cr_expect_str_eq(mdb_str(m, e[1].label), "SAFE");
    cr_expect_eq(e[2].value, 2);
    cr_expect_eq(e[2].max_value, 5);
    cr_expect_str_eq(mdb_str(m, e[2].label), "NOMINAL");

    t = type_of(m, "/SC/FLAG");
    cr_expect_eq(t->kind, MDB_T_BOOLEAN);
    cr_expect_eq(t->enc.size_bits, 1);
    cr_expect_str_eq(mdb_str(m, t->bool_one), "True");
    cr_expect_str_eq(mdb_str(m, t->bool_zero), "False");
    t = type_of(m, "/SC/ONOFF");
    cr_expect_str_eq(mdb_str(m, t->bool_one), "ON");
    cr_expect_str_eq(mdb_str(m, t->bool_zero), "OFF");

    t = type_of(m, "/SC/NAME8");
    cr_expect_eq(t->kind, MDB_T_STRING);
    cr_expect_eq(t->enc.kind, MDB_ENC_STRING);
    cr_expect_eq(t->enc.size_bits, 64);
    cr_expect_eq(t->enc.term_char, -1);
    t = type_of(m, "/SC/CSTR"); /* a fixed buffer holding a terminated string */
    cr_expect_eq(t->enc.size_bits, 128);
    cr_expect_eq(t->enc.term_char, 0);
    cr_expect_eq(t->enc.max_bits, 128);
    t = type_of(m, "/SC/YSTR");
    cr_expect_eq(t->enc.size_bits, 0);
    cr_expect_eq(t->enc.term_char, 0);
    cr_expect_eq(t->enc.max_bits, 48);
    t = type_of(m, "/SC/LINE");
    cr_expect_eq(t->enc.size_bits, 0);
    cr_expect_eq(t->enc.term_char, 0x0a);
    cr_expect_eq(t->enc.max_bits, 256);

    t = type_of(m, "/SC/BLOB");
    cr_expect_eq(t->kind, MDB_T_BINARY);
    cr_expect_eq(t->enc.kind, MDB_ENC_BINARY);
    cr_expect_eq(t->enc.size_bits, 32);
    dec_mdb_destroy(&m);
}

Test(mdb_load, full_absolute_times) {
    dec_mdb_t *m = load_ok(XTCE("full.xml"));
    const mdb_ptype_t *t = type_of(m, "/SC/CUC");
    cr_expect_eq(t->kind, MDB_T_ABSTIME);
    cr_expect_eq(t->enc.kind, MDB_ENC_INTEGER);
    cr_expect_eq(t->enc.size_bits, 48);
    cr_expect_eq(t->time_scale, 1.0 / 65536.0);
    cr_expect_eq(t->time_offset, 0.0);
    cr_expect_eq(t->epoch.tai_ns, 0); /* 1958-01-01 TAI */
    cr_expect_not(t->time_utc_based);

    t = type_of(m, "/SC/UNIXT");
    cr_expect_eq(t->time_scale, 1.0);
    cr_expect_eq(t->epoch.utc_unix_ns, 0);
    cr_expect(t->time_utc_based);

    t = type_of(m, "/SC/GPST");
    cr_expect_eq(t->enc.kind, MDB_ENC_FLOAT);
    cr_expect_eq(t->enc.size_bits, 64);
    cr_expect_eq(t->time_scale, 2.0);
    cr_expect_eq(t->time_offset, 10.0);
    cr_expect_eq(t->epoch.utc_unix_ns, 315964800LL * VLEO_NS_PER_S);
    cr_expect_eq(t->epoch.tai_ns, (315964800LL + VLEO_UNIX_MINUS_1958_S + 19) * VLEO_NS_PER_S);
    cr_expect_not(t->time_utc_based);

    t = type_of(m, "/SC/J2K");
    cr_expect_eq(t->epoch.utc_unix_ns, 946727935816000000LL);
    t = type_of(m, "/SC/MISSION");
    cr_expect_eq(t->epoch.utc_unix_ns, 1577836800LL * VLEO_NS_PER_S);
    cr_expect_eq(t->epoch.tai_ns, (1577836800LL + VLEO_UNIX_MINUS_1958_S + 37) * VLEO_NS_PER_S);
    dec_mdb_destroy(&m);
}

Test(mdb_load, full_parameters_and_references) {
    dec_mdb_t *m = load_ok(XTCE("full.xml"));
    cr_expect_eq(dec_mdb_n_params(m), 17);
    cr_expect_str_eq(dec_mdb_param_name(m, 0), "/SC/VERSION");
    cr_expect_str_eq(dec_mdb_param_name(m, 16), "/SC/SUB/LABEL");
    /* bare, absolute, child-relative ("SUB/SUBTYPE_T", forward) and "../" type references */
    cr_expect_eq(m->params[param(m, "/SC/SEC_HDR")].type, mdb_find_type(m, "/SC/U1"));
    cr_expect_eq(m->params[param(m, "/SC/SVC_SUBTYPE")].type,
                 mdb_find_type(m, "/SC/SUB/SUBTYPE_T"));
    cr_expect_eq(m->params[param(m, "/SC/SUB/BAT_V")].type, mdb_find_type(m, "/SC/VOLT"));
    cr_expect_eq(m->params[param(m, "/SC/SUB/BAT_T")].type, mdb_find_type(m, "/SC/TEMP"));
    cr_expect_str_eq(dec_mdb_param_unit(m, param(m, "/SC/SUB/BAT_V")), "V");
    cr_expect_str_eq(dec_mdb_param_type(m, param(m, "/SC/SUB/MODE")), "enumerated");
    cr_expect_str_eq(dec_mdb_param_type(m, param(m, "/SC/TIME")), "absolute_time");
    cr_expect_eq(dec_mdb_n_unsupported(m), 0, "%s", dec_mdb_unsupported(m, 0));
    dec_mdb_destroy(&m);
}

static void check_entry(const dec_mdb_t *m, const mdb_container_t *c, uint32_t k, uint8_t kind,
                        uint32_t ref, bool from_start, int64_t loc) {
    cr_assert_lt(k, c->entry_n);
    const mdb_entry_t *e = &m->entries[c->entry_first + k];
    cr_expect_eq(e->kind, kind, "%s entry %u", c->qname, k);
    cr_expect_eq(e->ref, ref, "%s entry %u", c->qname, k);
    cr_expect_eq(e->from_start, from_start, "%s entry %u", c->qname, k);
    cr_expect_eq(e->loc_bits, loc, "%s entry %u", c->qname, k);
}

static void check_num_cmp(const dec_mdb_t *m, const mdb_container_t *c, uint32_t k, uint32_t p,
                          uint8_t op, bool cal, double num) {
    cr_assert_lt(k, c->cmp_n);
    const mdb_cmp_t *x = &m->cmps[c->cmp_first + k];
    cr_expect_eq(x->param, p, "%s cmp %u", c->qname, k);
    cr_expect_eq(x->op, op, "%s cmp %u", c->qname, k);
    cr_expect_eq(x->use_calibrated, cal, "%s cmp %u", c->qname, k);
    cr_expect_not(x->is_text, "%s cmp %u", c->qname, k);
    cr_expect_eq(x->num, num, "%s cmp %u", c->qname, k);
}

static void check_text_cmp(const dec_mdb_t *m, const mdb_container_t *c, uint32_t k, uint32_t p,
                           uint8_t op, const char *text) {
    cr_assert_lt(k, c->cmp_n);
    const mdb_cmp_t *x = &m->cmps[c->cmp_first + k];
    cr_expect_eq(x->param, p, "%s cmp %u", c->qname, k);
    cr_expect_eq(x->op, op, "%s cmp %u", c->qname, k);
    cr_expect(x->use_calibrated, "%s cmp %u", c->qname, k);
    cr_expect(x->is_text, "%s cmp %u", c->qname, k);
    cr_expect_str_eq(mdb_str(m, x->text), text, "%s cmp %u", c->qname, k);
}

Test(mdb_load, full_containers) {
    dec_mdb_t *m = load_ok(XTCE("full.xml"));
    cr_assert_eq(dec_mdb_n_containers(m), 6);
    const char *qn[] = {"/SC/CCSDS",  "/SC/PUS",     "/SC/ALL",
                        "/SC/SUB/HK", "/SC/SUB/EVT", "/SC/SUB/BLOCK"};
    const char *sn[] = {"CCSDS", "PUS", "ALL", "HK", "EVT", "BLOCK"};
    const bool abs[] = {true, true, false, false, false, false};
    const int32_t base[] = {-1, 0, -1, 1, 3, -1};
    const uint32_t depth[] = {0, 1, 0, 2, 3, 0};
    for (uint32_t i = 0; i < 6; i++) {
        cr_expect_str_eq(dec_mdb_container_qname(m, i), qn[i]);
        cr_expect_str_eq(dec_mdb_container_name(m, i), sn[i]);
        cr_expect_eq(dec_mdb_container_abstract(m, i), abs[i], "%s", qn[i]);
        cr_expect_eq(dec_mdb_container_base(m, i), base[i], "%s", qn[i]);
        cr_expect_eq(m->conts[i].depth, depth[i], "%s", qn[i]);
    }

    const mdb_container_t *c = cont(m, "/SC/CCSDS");
    cr_assert_eq(c->entry_n, 7);
    cr_expect_eq(c->cmp_n, 0);
    const char *hdr[] = {"VERSION", "TYPE", "SEC_HDR", "APID", "SEQ_FLAGS", "SEQ_COUNT", "LENGTH"};
    for (uint32_t k = 0; k < 7; k++) {
        char q[64];
        snprintf(q, sizeof q, "/SC/%s", hdr[k]);
        check_entry(m, c, k, MDB_E_PARAM, param(m, q), false, 0);
    }

    c = cont(m, "/SC/PUS");
    cr_assert_eq(c->entry_n, 3);
    check_entry(m, c, 0, MDB_E_PARAM, param(m, "/SC/SVC_TYPE"), true, 56);
    check_entry(m, c, 1, MDB_E_PARAM, param(m, "/SC/SVC_SUBTYPE"), false, 0);
    check_entry(m, c, 2, MDB_E_PARAM, param(m, "/SC/TIME"), false, 8);
    cr_assert_eq(c->cmp_n, 1);
    check_num_cmp(m, c, 0, param(m, "/SC/SEC_HDR"), MDB_OP_EQ, true, 1.0);

    c = cont(m, "/SC/ALL");
    cr_assert_eq(c->entry_n, 2);
    check_entry(m, c, 0, MDB_E_PARAM, param(m, "/SC/SUB/BAT_V"), false, 0);
    check_entry(m, c, 1, MDB_E_PARAM, param(m, "/SC/SUB/BAT_T"), false, -4);

    c = cont(m, "/SC/SUB/HK");
    cr_assert_eq(c->entry_n, 5);
    check_entry(m, c, 0, MDB_E_PARAM, param(m, "/SC/SUB/BAT_V"), false, 0);
    check_entry(m, c, 1, MDB_E_PARAM, param(m, "/SC/SUB/BAT_T"), false, 0);
    check_entry(m, c, 2, MDB_E_PARAM, param(m, "/SC/SUB/MODE"), false, 0);
    check_entry(m, c, 3, MDB_E_PARAM, param(m, "/SC/SUB/FLAG"), false, 0);
    check_entry(m, c, 4, MDB_E_CONTAINER, mdb_find_container(m, "/SC/SUB/BLOCK"), false, 3);
    cr_assert_eq(c->cmp_n, 3);
    check_num_cmp(m, c, 0, param(m, "/SC/APID"), MDB_OP_EQ, true, 100.0);
    check_num_cmp(m, c, 1, param(m, "/SC/SVC_TYPE"), MDB_OP_EQ, true, 3.0);
    check_num_cmp(m, c, 2, param(m, "/SC/SVC_SUBTYPE"), MDB_OP_GE, true, 25.0);

    c = cont(m, "/SC/SUB/EVT");
    cr_assert_eq(c->entry_n, 1);
    check_entry(m, c, 0, MDB_E_PARAM, param(m, "/SC/SUB/LABEL"), false, 0);
    cr_assert_eq(c->cmp_n, 6);
    check_text_cmp(m, c, 0, param(m, "/SC/SUB/MODE"), MDB_OP_NE, "SAFE");
    check_num_cmp(m, c, 1, param(m, "/SC/SUB/FLAG"), MDB_OP_EQ, false, 1.0);
    check_text_cmp(m, c, 2, param(m, "/SC/SUB/STATUS"), MDB_OP_EQ, "ON");
    check_num_cmp(m, c, 3, param(m, "/SC/SUB/BAT_V"), MDB_OP_LT, true, -25.0);
    check_num_cmp(m, c, 4, param(m, "/SC/SUB/MODE"), MDB_OP_LE, false, 2.0);
    check_text_cmp(m, c, 5, param(m, "/SC/SUB/LABEL"), MDB_OP_GT, "ABC");

    c = cont(m, "/SC/SUB/BLOCK");
    cr_assert_eq(c->entry_n, 2);
    check_entry(m, c, 0, MDB_E_PARAM, param(m, "/SC/SUB/CURRENT"), false, 0);
    check_entry(m, c, 1, MDB_E_PARAM, param(m, "/SC/SUB/STATUS"), false, 0);

    uint32_t ps[8];
    cr_expect_eq(dec_mdb_container_params(m, 3, ps, 8), 4);
    cr_expect_eq(ps[3], param(m, "/SC/SUB/FLAG"));
    dec_mdb_destroy(&m);
}

Test(mdb_load, prefixed_namespace) {
    dec_mdb_t *m = load_ok(XTCE("prefixed.xml"));
    cr_assert_eq(dec_mdb_n_params(m), 2);
    cr_expect_str_eq(dec_mdb_param_name(m, 0), "/MISSION/APID");
    cr_expect_str_eq(dec_mdb_param_name(m, 1), "/MISSION/PAYLOAD/TEMP");
    cr_expect_str_eq(dec_mdb_param_unit(m, 1), "K");
    cr_expect_eq(type_of(m, "/MISSION/APID_T")->enc.size_bits, 11);
    cr_assert_eq(dec_mdb_n_containers(m), 2);
    const mdb_container_t *c = cont(m, "/MISSION/PAYLOAD/Science");
    cr_expect_str_eq(c->name, "Science");
    cr_expect_eq(c->base, mdb_find_container(m, "/MISSION/Header"));
    cr_expect_not(c->abstract);
    check_entry(m, c, 0, MDB_E_PARAM, 1, true, 48);
    cr_assert_eq(c->cmp_n, 1);
    check_num_cmp(m, c, 0, 0, MDB_OP_EQ, true, 16.0);
    c = cont(m, "/MISSION/Header");
    cr_expect(c->abstract);
    check_entry(m, c, 0, MDB_E_PARAM, 0, true, 5);
    cr_expect_eq(dec_mdb_n_unsupported(m), 0);
    dec_mdb_destroy(&m);
}

Test(mdb_load, unsupported_listed_once_with_lines) {
    dec_mdb_t *m = load_ok(XTCE("unsupported.xml"));
    const char *want[] = {
        "line 7: ContextCalibratorList: context calibrators ignored: the default calibrator "
        "is used",
        "line 9: DefaultAlarm: alarms ignored",
        "line 11: ArrayParameterType: not supported without a DimensionList (size unknown): "
        "its parameters are not decoded",
        "line 12: IntegerParameterType: no data encoding: its parameters are not decoded",
        "line 38: AlgorithmSet: ignored",
        "line 40: CommandMetaData: telecommand definitions ignored",
        "line 23: IncludeCondition: ignored: the entry is always included",
        "line 26: RepeatEntry: ignored: the entry is decoded once",
        "line 27: DynamicValue: location ignored: the entry follows the previous one",
        "line 29: ArrayParameterRefEntry: entry ignored: the entries after it may be misplaced",
        "line 34: BooleanExpression: restriction criteria ignored: the container matches "
        "without them",
    };
    size_t n = sizeof want / sizeof want[0];
    cr_assert_eq(dec_mdb_n_unsupported(m), n);
    for (size_t i = 0; i < n; i++) {
        cr_expect_str_eq(dec_mdb_unsupported(m, i), want[i]);
    }
    /* Parameters of unsupported types are not in the model. */
    cr_expect_eq(dec_mdb_n_params(m), 1);
    cr_expect_eq(cont(m, "/SC/ROOT")->entry_n, 2);
    dec_mdb_destroy(&m);
}

static void expect_file_error(const char *file, const char *prefix, const char *rest) {
    char err[512] = "";
    char path[400];
    snprintf(path, sizeof path, "%s", XTCE(""));
    size_t pl = strlen(path);
    snprintf(path + pl, sizeof path - pl, "%s", file);
    dec_mdb_t *m = dec_mdb_load(path, err, sizeof err);
    cr_assert_null(m);
    char want[600];
    snprintf(want, sizeof want, "%s%s", path, prefix);
    cr_expect_eq(strncmp(err, want, strlen(want)), 0, "got: %s\nwant prefix: %s", err, want);
    cr_expect_not_null(strstr(err, rest), "got: %s", err);
}

Test(mdb_load, hostile_files) {
    expect_file_error("bad_ref.xml", ":9: Parameter: ", "unknown parameterTypeRef \"U16\"");
    expect_file_error("cycle.xml", ":18: SequenceContainer: ", "/SC/THREE is part of a cycle");
    expect_file_error("huge_size.xml",
                      ":7: FixedValue: ", "size of 1000000000 bits is outside 1..524336");
    expect_file_error("bad_xml.xml", ":5: XML: ", "mismatch");
    expect_file_error("no_such_file.xml", ": cannot open: ", "No such file");
}

#define DOC(types, params, conts)                                                                  \
    "<SpaceSystem name=\"S\"><TelemetryMetaData>\n"    /* line 1 */                                \
    "<ParameterTypeSet>" types "</ParameterTypeSet>\n" /* line 2 */                                \
    "<ParameterSet>" params "</ParameterSet>\n"        /* line 3 */                                \
    "<ContainerSet>" conts "</ContainerSet>\n"         /* line 4 */                                \
    "</TelemetryMetaData></SpaceSystem>\n"

#define U8T "<IntegerParameterType name=\"U8\"><IntegerDataEncoding/></IntegerParameterType>"
#define P_A "<Parameter name=\"A\" parameterTypeRef=\"U8\"/>"

static void expect_mem_error(const char *xml, const char *want) {
    char err[512] = "";
    cr_expect_eq(load_mem(xml, err, sizeof err, NULL), -1, "%s loaded", want);
    cr_expect_str_eq(err, want);
}

Test(mdb_load, encoding_errors) {
    expect_mem_error(DOC("<IntegerParameterType name=\"T\"><IntegerDataEncoding sizeInBits=\"0\"/>"
                         "</IntegerParameterType>",
                         "", ""),
                     "mem.xml:2: IntegerDataEncoding: sizeInBits 0: integers take 1 to 64 bits");
    expect_mem_error(DOC("<IntegerParameterType name=\"T\"><IntegerDataEncoding sizeInBits=\"65\"/>"
                         "</IntegerParameterType>",
                         "", ""),
                     "mem.xml:2: IntegerDataEncoding: sizeInBits 65: integers take 1 to 64 bits");
    expect_mem_error(
        DOC("<IntegerParameterType name=\"T\"><IntegerDataEncoding sizeInBits=\"1000000000\"/>"
            "</IntegerParameterType>",
            "", ""),
        "mem.xml:2: IntegerDataEncoding: sizeInBits 1000000000: integers take 1 to 64 bits");
    expect_mem_error(DOC("<IntegerParameterType name=\"T\"><IntegerDataEncoding sizeInBits=\"8x\"/>"
                         "</IntegerParameterType>",
                         "", ""),
                     "mem.xml:2: IntegerDataEncoding: sizeInBits: bad number \"8x\"");
    expect_mem_error(DOC("<IntegerParameterType name=\"T\"><IntegerDataEncoding "
                         "sizeInBits=\"12\" byteOrder=\"leastSignificantByteFirst\"/>"
                         "</IntegerParameterType>",
                         "", ""),
                     "mem.xml:2: IntegerDataEncoding: leastSignificantByteFirst needs whole "
                     "octets, not 12 bits");
    expect_mem_error(DOC("<IntegerParameterType name=\"T\"><IntegerDataEncoding "
                         "encoding=\"BCD\"/></IntegerParameterType>",
                         "", ""),
                     "mem.xml:2: IntegerDataEncoding: not supported: encoding \"BCD\"");
    expect_mem_error(DOC("<FloatParameterType name=\"T\"><FloatDataEncoding sizeInBits=\"16\"/>"
                         "</FloatParameterType>",
                         "", ""),
                     "mem.xml:2: FloatDataEncoding: sizeInBits 16: floats take 32 or 64 bits");
    expect_mem_error(DOC("<FloatParameterType name=\"T\" sizeInBits=\"128\"><FloatDataEncoding/>"
                         "</FloatParameterType>",
                         "", ""),
                     "mem.xml:2: FloatParameterType: sizeInBits 128: floats take 32 or 64 bits");
    expect_mem_error(DOC("<FloatParameterType name=\"T\"><FloatDataEncoding "
                         "encoding=\"MILSTD_1750A\"/></FloatParameterType>",
                         "", ""),
                     "mem.xml:2: FloatDataEncoding: not supported: encoding \"MILSTD_1750A\"");
    expect_mem_error(DOC("<StringParameterType name=\"T\"><StringDataEncoding><Variable "
                         "maxSizeInBits=\"64\"><DynamicValue/></Variable></StringDataEncoding>"
                         "</StringParameterType>",
                         "", ""),
                     "mem.xml:2: DynamicValue: not supported: Variable string size by "
                     "DynamicValue");
    expect_mem_error(DOC("<StringParameterType name=\"T\"><StringDataEncoding><Variable "
                         "maxSizeInBits=\"64\"><DynamicValue><ParameterInstanceRef "
                         "parameterRef=\"LEN\"/></DynamicValue><TerminationChar>00"
                         "</TerminationChar></Variable></StringDataEncoding>"
                         "</StringParameterType>",
                         "", ""),
                     "mem.xml:2: DynamicValue: not supported: Variable string size by "
                     "DynamicValue");
    expect_mem_error(DOC("<StringParameterType name=\"T\"><StringDataEncoding><Variable "
                         "maxSizeInBits=\"64\"/></StringDataEncoding></StringParameterType>",
                         "", ""),
                     "mem.xml:2: Variable: not supported: <Variable> string size");
    expect_mem_error(DOC("<StringParameterType name=\"T\"><StringDataEncoding><SizeInBits>"
                         "<LeadingSize sizeInBitsOfSizeTag=\"8\"/></SizeInBits>"
                         "</StringDataEncoding></StringParameterType>",
                         "", ""),
                     "mem.xml:2: LeadingSize: not supported: string size by LeadingSize");
    expect_mem_error(DOC("<StringParameterType name=\"T\"><StringDataEncoding><SizeInBits>"
                         "<Fixed><FixedValue>12</FixedValue></Fixed></SizeInBits>"
                         "</StringDataEncoding></StringParameterType>",
                         "", ""),
                     "mem.xml:2: FixedValue: not supported: size of 12 bits is not whole octets");
    expect_mem_error(DOC("<StringParameterType name=\"T\"><StringDataEncoding><SizeInBits>"
                         "<TerminationChar>0000</TerminationChar></SizeInBits>"
                         "</StringDataEncoding></StringParameterType>",
                         "", ""),
                     "mem.xml:2: TerminationChar: not supported: \"0000\" is not one octet in "
                     "hex");
    expect_mem_error(DOC("<StringParameterType name=\"T\"><StringDataEncoding "
                         "encoding=\"UTF-16\"/></StringParameterType>",
                         "", ""),
                     "mem.xml:2: StringDataEncoding: not supported: encoding \"UTF-16\"");
    expect_mem_error(DOC("<BinaryParameterType name=\"T\"><BinaryDataEncoding><SizeInBits>"
                         "<DynamicValue/></SizeInBits></BinaryDataEncoding>"
                         "</BinaryParameterType>",
                         "", ""),
                     "mem.xml:2: DynamicValue: not supported: binary size not fixed");
    expect_mem_error(DOC("<BinaryParameterType name=\"T\"><BinaryDataEncoding><SizeInBits>"
                         "<FixedValue>-8</FixedValue></SizeInBits></BinaryDataEncoding>"
                         "</BinaryParameterType>",
                         "", ""),
                     "mem.xml:2: FixedValue: size of -8 bits is outside 1..524336");
    expect_mem_error(DOC("<BooleanParameterType name=\"T\"><StringDataEncoding/>"
                         "</BooleanParameterType>",
                         "", ""),
                     "mem.xml:2: StringDataEncoding: not supported in BooleanParameterType");
    expect_mem_error(DOC("<IntegerParameterType name=\"T\"><IntegerDataEncoding/>"
                         "<FloatDataEncoding/></IntegerParameterType>",
                         "", ""),
                     "mem.xml:2: FloatDataEncoding: a second data encoding");
}

Test(mdb_load, type_content_errors) {
    expect_mem_error(DOC("<FloatParameterType name=\"T\"><IntegerDataEncoding><DefaultCalibrator>"
                         "<PolynomialCalibrator><Term coefficient=\"1,5\" exponent=\"1\"/>"
                         "</PolynomialCalibrator></DefaultCalibrator></IntegerDataEncoding>"
                         "</FloatParameterType>",
                         "", ""),
                     "mem.xml:2: Term: coefficient: bad number \"1,5\"");
    expect_mem_error(DOC("<FloatParameterType name=\"T\"><IntegerDataEncoding><DefaultCalibrator>"
                         "<PolynomialCalibrator><Term coefficient=\"1\"/>"
                         "</PolynomialCalibrator></DefaultCalibrator></IntegerDataEncoding>"
                         "</FloatParameterType>",
                         "", ""),
                     "mem.xml:2: Term: attribute exponent is missing");
    expect_mem_error(DOC("<FloatParameterType name=\"T\"><IntegerDataEncoding><DefaultCalibrator>"
                         "<SplineCalibrator><SplinePoint raw=\"2\" calibrated=\"0\"/>"
                         "<SplinePoint raw=\"1\" calibrated=\"1\"/></SplineCalibrator>"
                         "</DefaultCalibrator></IntegerDataEncoding></FloatParameterType>",
                         "", ""),
                     "mem.xml:2: SplinePoint: raw values must increase (1 after 2)");
    expect_mem_error(DOC("<EnumeratedParameterType name=\"T\"><IntegerDataEncoding/>"
                         "<EnumerationList><Enumeration value=\"5\" maxValue=\"4\" label=\"X\"/>"
                         "</EnumerationList></EnumeratedParameterType>",
                         "", ""),
                     "mem.xml:2: Enumeration: maxValue 4 below value 5");
    expect_mem_error(DOC("<IntegerParameterType name=\"T\"><IntegerDataEncoding/>"
                         "<ValidRange minInclusive=\"5\" maxInclusive=\"4\"/>"
                         "</IntegerParameterType>",
                         "", ""),
                     "mem.xml:2: ValidRange: minimum 5 above maximum 4");
    expect_mem_error(DOC("<AbsoluteTimeParameterType name=\"T\"><Encoding><IntegerDataEncoding/>"
                         "</Encoding><ReferenceTime><Epoch>yesterday</Epoch></ReferenceTime>"
                         "</AbsoluteTimeParameterType>",
                         "", ""),
                     "mem.xml:2: Epoch: bad epoch \"yesterday\"");
    expect_mem_error(DOC(U8T U8T, "", ""), "mem.xml:2: IntegerParameterType: duplicate type "
                                           "name /S/U8");
    expect_mem_error(
        DOC("<IntegerParameterType><IntegerDataEncoding/></IntegerParameterType>", "", ""),
        "mem.xml:2: IntegerParameterType: attribute name is missing");
    expect_mem_error(DOC("<IntegerParameterType name=\"a/b\"><IntegerDataEncoding/>"
                         "</IntegerParameterType>",
                         "", ""),
                     "mem.xml:2: IntegerParameterType: bad name \"a/b\"");
}

Test(mdb_load, reference_errors) {
    expect_mem_error(DOC(U8T, "<Parameter name=\"A\" parameterTypeRef=\"../U8\"/>", ""),
                     "mem.xml:3: Parameter: unknown parameterTypeRef \"../U8\"");
    expect_mem_error(DOC(U8T, P_A P_A, ""), "mem.xml:3: Parameter: duplicate parameter name /S/A");
    expect_mem_error(DOC(U8T, P_A,
                         "<SequenceContainer name=\"C\"><EntryList>"
                         "<ParameterRefEntry parameterRef=\"B\"/></EntryList></SequenceContainer>"),
                     "mem.xml:4: ParameterRefEntry: unknown parameterRef \"B\"");
    expect_mem_error(DOC(U8T, P_A,
                         "<SequenceContainer name=\"C\"><EntryList>"
                         "<ContainerRefEntry containerRef=\"/S/D\"/></EntryList>"
                         "</SequenceContainer>"),
                     "mem.xml:4: ContainerRefEntry: unknown containerRef \"/S/D\"");
    expect_mem_error(DOC(U8T "<ArrayParameterType name=\"AT\" arrayTypeRef=\"U8\"/>",
                         "<Parameter name=\"V\" parameterTypeRef=\"AT\"/>",
                         "<SequenceContainer name=\"C\"><EntryList>"
                         "<ParameterRefEntry parameterRef=\"V\"/></EntryList></SequenceContainer>"),
                     "mem.xml:4: ParameterRefEntry: parameter \"V\" cannot be decoded: "
                     "ArrayParameterType without a DimensionList is not supported");
    expect_mem_error(DOC("<IntegerParameterType name=\"N\"/>",
                         "<Parameter name=\"V\" parameterTypeRef=\"N\"/>",
                         "<SequenceContainer name=\"R\"/><SequenceContainer name=\"C\">"
                         "<BaseContainer containerRef=\"R\"><RestrictionCriteria>"
                         "<Comparison parameterRef=\"V\" value=\"1\"/></RestrictionCriteria>"
                         "</BaseContainer></SequenceContainer>"),
                     "mem.xml:4: Comparison: parameter \"V\" cannot be decoded: its type has no "
                     "data encoding");
    expect_mem_error(DOC(U8T, P_A,
                         "<SequenceContainer name=\"C\"><BaseContainer containerRef=\"C\"/>"
                         "</SequenceContainer>"),
                     "mem.xml:4: BaseContainer: container /S/C is its own base");
    expect_mem_error(DOC(U8T, P_A,
                         "<SequenceContainer name=\"C\"><EntryList>"
                         "<ContainerRefEntry containerRef=\"D\"/></EntryList></SequenceContainer>"
                         "<SequenceContainer name=\"D\"><EntryList>"
                         "<ContainerRefEntry containerRef=\"C\"/></EntryList></SequenceContainer>"),
                     "mem.xml:4: SequenceContainer: /S/D is part of a cycle of "
                     "BaseContainer/ContainerRefEntry references");
    expect_mem_error(DOC(U8T, P_A,
                         "<SequenceContainer name=\"C\"><EntryList><ParameterRefEntry "
                         "parameterRef=\"A\"><LocationInContainerInBits "
                         "referenceLocation=\"containerEnd\"><FixedValue>8</FixedValue>"
                         "</LocationInContainerInBits></ParameterRefEntry></EntryList>"
                         "</SequenceContainer>"),
                     "mem.xml:4: LocationInContainerInBits: not supported: referenceLocation "
                     "\"containerEnd\"");
    expect_mem_error(DOC(U8T, P_A,
                         "<SequenceContainer name=\"C\"><EntryList><ParameterRefEntry "
                         "parameterRef=\"A\"><LocationInContainerInBits><FixedValue>99999999"
                         "</FixedValue></LocationInContainerInBits></ParameterRefEntry>"
                         "</EntryList></SequenceContainer>"),
                     "mem.xml:4: FixedValue: location of 99999999 bits is larger than any "
                     "packet");
}

#define CRIT(cmp)                                                                                  \
    DOC(U8T "<EnumeratedParameterType name=\"E\"><IntegerDataEncoding/><EnumerationList>"          \
            "<Enumeration value=\"1\" label=\"ON\"/></EnumerationList>"                            \
            "</EnumeratedParameterType>",                                                          \
        P_A "<Parameter name=\"M\" parameterTypeRef=\"E\"/>",                                      \
        "<SequenceContainer name=\"R\"/><SequenceContainer name=\"C\">"                            \
        "<BaseContainer containerRef=\"R\"><RestrictionCriteria>" cmp                              \
        "</RestrictionCriteria></BaseContainer></SequenceContainer>")

Test(mdb_load, criteria_errors) {
    expect_mem_error(CRIT("<Comparison parameterRef=\"A\" value=\"abc\"/>"),
                     "mem.xml:4: Comparison: bad number \"abc\"");
    expect_mem_error(CRIT("<Comparison parameterRef=\"A\" value=\"1\" comparisonOperator=\"=\"/>"),
                     "mem.xml:4: Comparison: unknown comparisonOperator \"=\"");
    expect_mem_error(CRIT("<Comparison parameterRef=\"M\" value=\"OFF\"/>"),
                     "mem.xml:4: Comparison: value \"OFF\" is not a label of /S/E");
    expect_mem_error(CRIT("<Comparison parameterRef=\"M\" value=\"ON\" "
                          "useCalibratedValue=\"false\"/>"),
                     "mem.xml:4: Comparison: bad number \"ON\"");
    expect_mem_error(
        CRIT("<Comparison parameterRef=\"A\" value=\"1\" useCalibratedValue=\"yes\"/>"),
        "mem.xml:4: Comparison: useCalibratedValue: \"yes\" is not true or false");
    expect_mem_error(CRIT("<Comparison value=\"1\"/>"),
                     "mem.xml:4: Comparison: attribute parameterRef is missing");
    dec_mdb_t *m = NULL;
    char err[256] = "";
    cr_assert_eq(
        load_mem(CRIT("<Comparison parameterRef=\"M\" value=\"ON\"/>"), err, sizeof err, &m), 0,
        "%s", err);
    dec_mdb_destroy(&m);
}

Test(mdb_load, document_errors) {
    expect_mem_error("<Foo name=\"S\"/>", "mem.xml:1: Foo: the root element must be a SpaceSystem");
    expect_mem_error("<SpaceSystem/>", "mem.xml:1: SpaceSystem: attribute name is missing");
    expect_mem_error("", "mem.xml:1: XML: Document is empty");
    /* An external entity is never loaded (no file content, no network). */
    char err[512] = "";
    const char *xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE SpaceSystem [<!ENTITY e SYSTEM "
                      "\"/etc/hostname\">]>\n<SpaceSystem name=\"S\"><TelemetryMetaData>"
                      "<ParameterTypeSet><IntegerParameterType name=\"T\"><UnitSet>"
                      "<Unit>&e;</Unit></UnitSet><IntegerDataEncoding/></IntegerParameterType>"
                      "</ParameterTypeSet></TelemetryMetaData></SpaceSystem>";
    dec_mdb_t *m = NULL;
    cr_assert_eq(load_mem(xxe, err, sizeof err, &m), 0, "%s", err);
    cr_expect_str_eq(mdb_str(m, type_of(m, "/S/T")->unit), "");
    dec_mdb_destroy(&m);
}

Test(mdb_load, time_offset_from_parameter_is_seconds) {
    const char *xml = DOC("<AbsoluteTimeParameterType name=\"T\"><Encoding scale=\"0.001\" "
                          "offset=\"2\"><IntegerDataEncoding sizeInBits=\"16\"/></Encoding>"
                          "<ReferenceTime><OffsetFrom parameterRef=\"X\"/></ReferenceTime>"
                          "</AbsoluteTimeParameterType>",
                          "", "");
    dec_mdb_t *m = NULL;
    char err[256] = "";
    cr_assert_eq(load_mem(xml, err, sizeof err, &m), 0, "%s", err);
    const mdb_ptype_t *t = type_of(m, "/S/T");
    cr_expect_eq(t->kind, MDB_T_FLOAT);
    cr_expect_eq(t->enc.size_bits, 16);
    cr_expect_str_eq(mdb_str(m, t->unit), "s");
    cr_assert_eq(t->calib.kind, MDB_CAL_POLY);
    cr_assert_eq(t->calib.n, 2);
    cr_expect_eq(m->terms[t->calib.first].coefficient, 2.0);
    cr_expect_eq(m->terms[t->calib.first].exponent, 0.0);
    cr_expect_eq(m->terms[t->calib.first + 1].coefficient, 0.001);
    cr_expect_eq(m->terms[t->calib.first + 1].exponent, 1.0);
    cr_assert_eq(dec_mdb_n_unsupported(m), 1);
    cr_expect_str_eq(dec_mdb_unsupported(m, 0), "line 2: OffsetFrom: time relative to another "
                                                "parameter: decoded as seconds (offset + scale "
                                                "* raw)");
    dec_mdb_destroy(&m);
}

Test(mdb_load, nearest_spacesystem_wins) {
    const char *xml =
        "<SpaceSystem name=\"S\"><TelemetryMetaData><ParameterTypeSet>"
        "<IntegerParameterType name=\"T\"><IntegerDataEncoding sizeInBits=\"8\"/>"
        "</IntegerParameterType></ParameterTypeSet></TelemetryMetaData>"
        "<SpaceSystem name=\"A\"><TelemetryMetaData><ParameterTypeSet>"
        "<IntegerParameterType name=\"T\"><IntegerDataEncoding sizeInBits=\"9\"/>"
        "</IntegerParameterType></ParameterTypeSet><ParameterSet>"
        "<Parameter name=\"P\" parameterTypeRef=\"T\"/>"
        "<Parameter name=\"Q\" parameterTypeRef=\"../T\"/>"
        "<Parameter name=\"R\" parameterTypeRef=\"./../A/./T\"/>"
        "</ParameterSet></TelemetryMetaData>"
        "<SpaceSystem name=\"B\"><TelemetryMetaData><ParameterSet>"
        "<Parameter name=\"P\" parameterTypeRef=\"T\"/>"
        "</ParameterSet></TelemetryMetaData></SpaceSystem></SpaceSystem></SpaceSystem>";
    dec_mdb_t *m = NULL;
    char err[256] = "";
    cr_assert_eq(load_mem(xml, err, sizeof err, &m), 0, "%s", err);
    cr_expect_eq(m->params[param(m, "/S/A/P")].type, mdb_find_type(m, "/S/A/T"));
    cr_expect_eq(m->params[param(m, "/S/A/Q")].type, mdb_find_type(m, "/S/T"));
    cr_expect_eq(m->params[param(m, "/S/A/R")].type, mdb_find_type(m, "/S/A/T"));
    cr_expect_eq(m->params[param(m, "/S/A/B/P")].type, mdb_find_type(m, "/S/A/T"));
    dec_mdb_destroy(&m);
}
