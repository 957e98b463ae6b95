/* test_output.c: the hand-written Packet encoder against protobuf-c's generic packer, octet
 * for octet, over varied packets; and its output unpacked field by field. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dec/output.h"
#include "netbuild.h"
#include "vleo.pb-c.h"

static dec_out_t *make_out(bool raw, const char *sc, const char *path) {
    char err[128];
    dec_out_opts_t o = {.spacecraft = sc, .source_name = "unit", .source_path = path, .raw = raw};
    dec_out_t *out = dec_out_new(&o, err, sizeof err);
    cr_assert_not_null(out, "%s", err);
    return out;
}

/* The reference: the same message through protobuf-c's generic packer. */
static size_t reference(const dec_out_t *out, const dec_packet_t *pk, bool raw, const char *sc,
                        const char *path, uint64_t msg_seq, uint8_t *buf) {
    Vleo__V1__Packet m = VLEO__V1__PACKET__INIT;
    Vleo__V1__Source src = VLEO__V1__SOURCE__INIT;
    Vleo__V1__Quality q = VLEO__V1__QUALITY__INIT;
    char name[16];
    snprintf(name, sizeof name, "APID%u", pk->hdr.apid);
    m.spacecraft = (char *)sc;
    m.has_apid = m.has_type = m.has_secondary_header = m.has_sequence_flags = 1;
    m.has_sequence_count = m.has_data_length = m.has_reception_time_utc_ns = 1;
    m.has_version = m.has_length = 1;
    m.apid = pk->hdr.apid;
    m.type = pk->hdr.type;
    m.secondary_header = pk->hdr.sec_hdr;
    m.sequence_flags = pk->hdr.seq_flags;
    m.sequence_count = pk->hdr.seq_count;
    m.data_length = pk->hdr.data_length;
    m.name = name;
    m.has_generation_time_utc_ns = m.has_generation_time_tai_ns = pk->time_valid;
    m.generation_time_utc_ns = pk->gen_utc_ns;
    m.generation_time_tai_ns = pk->gen_tai_ns;
    m.reception_time_utc_ns = pk->rx_utc_ns;
    src.name = (char *)path;
    src.has_record_number = src.has_byte_offset = 1;
    src.record_number = pk->record;
    src.byte_offset = pk->offset;
    m.source = &src;
    q.has_sequence_gap = pk->seq_gap != 0;
    q.sequence_gap = pk->seq_gap;
    q.has_duplicate = q.duplicate = pk->duplicate;
    q.has_reordered = q.reordered = pk->reordered;
    q.has_time_valid = 1;
    q.time_valid = pk->time_valid;
    if (pk->framed) {
        src.has_frame_number = src.has_virtual_channel = src.has_spacecraft_id = 1;
        src.frame_number = pk->vc_count;
        src.virtual_channel = pk->vcid;
        src.spacecraft_id = pk->scid;
        q.has_frame_check = q.has_rs_corrected_octets = 1;
        q.frame_check = pk->frame_check;
        q.rs_corrected_octets = pk->rs_corrected;
    }
    m.quality = &q;
    m.has_raw = raw;
    m.raw.data = (uint8_t *)pk->data;
    m.raw.len = pk->len;
    m.version = pk->hdr.version;
    m.length = (uint32_t)pk->len;
    if (msg_seq != 0) {
        m.has_session_id = m.has_message_seq = 1;
        m.session_id = dec_out_session(out);
        m.message_seq = msg_seq;
    }
    return vleo__v1__packet__pack(&m, buf);
}

Test(output, encoder_matches_protobuf_c_octet_for_octet) {
    static uint8_t data[DEC_SPP_MAX_LEN], mine[DEC_SPP_MAX_LEN + 4096], ref[DEC_SPP_MAX_LEN + 4096];
    srand(5);
    const char *paths[] = {"x", "/data/passes/2026-11-24/qk1-pass-0600.pcap"};
    int cases = 0;
    for (int raw = 0; raw < 2; raw++) {
        for (int pi = 0; pi < 2; pi++) {
            dec_out_t *out = make_out(raw != 0, pi ? "QK1" : "S", paths[pi]);
            for (int i = 0; i < 400; i++) {
                size_t dl = i == 7 ? 65536 : 1 + (size_t)rand() % (i % 3 ? 200 : 3000);
                uint16_t apid = (uint16_t)(rand() % 2048);
                size_t n = nb_spp(apid, (uint8_t)(rand() & 1), rand() & 1, (uint8_t)(rand() & 3),
                                  (uint16_t)(rand() % 16384), NULL, dl, data, sizeof data);
                dec_packet_t pk = {0};
                cr_assert_eq(dec_spp_parse(data, n, &pk.hdr), DEC_SPP_OK);
                pk.data = data;
                pk.len = n;
                pk.rx_utc_ns = i % 5 == 0 ? -123456789LL : (int64_t)rand() * 1000003LL;
                pk.time_valid = i % 2;
                pk.gen_utc_ns = i % 11 == 0 ? -1 : (int64_t)rand() << 28;
                pk.gen_tai_ns = pk.gen_utc_ns + 37000000000LL;
                pk.seq_gap = i % 4 == 0 ? (uint32_t)rand() % 20000 : 0;
                pk.duplicate = i % 6 == 1;
                pk.reordered = i % 9 == 2;
                pk.record = i % 13 == 0 ? UINT64_MAX : (uint64_t)i;
                pk.offset = (uint64_t)rand() * 977u;
                pk.framed = i % 4 == 3;
                pk.scid = (uint16_t)(rand() % 1024);
                pk.vcid = (uint8_t)(rand() % 64);
                pk.vc_count = (uint32_t)rand() % 0x1000000;
                pk.frame_check = (uint8_t)(rand() % 3);
                pk.rs_corrected = i % 8 == 3 ? (uint32_t)rand() % 80 : 0;
                uint64_t seq = i % 3 == 0 ? 0 : (i % 7 == 0 ? UINT64_MAX : (uint64_t)i + 1);
                size_t a = dec_out_encode(out, &pk, seq, mine, sizeof mine);
                size_t b = reference(out, &pk, raw != 0, pi ? "QK1" : "S", paths[pi], seq, ref);
                cr_assert_eq(a, b, "case %d: length %zu vs protobuf-c %zu", i, a, b);
                cr_assert_eq(memcmp(mine, ref, a), 0, "case %d differs", i);
                /* Too small a buffer: nothing written, 0 returned. */
                cr_assert_eq(dec_out_encode(out, &pk, seq, mine, a - 1), 0);
                cases++;
            }
            dec_out_destroy(&out);
        }
    }
    cr_assert_eq(cases, 1600);
}

Test(output, encoded_packet_unpacks_to_its_fields) {
    uint8_t data[64], buf[512];
    size_t n = nb_spp(0x155, 0, true, 1, 16383, NULL, 20, data, sizeof data);
    dec_out_t *out = make_out(true, "QK1", "/tmp/p.pcap");
    dec_packet_t pk = {0};
    dec_spp_parse(data, n, &pk.hdr);
    pk.data = data;
    pk.len = n;
    pk.rx_utc_ns = 1795500000123456789LL;
    pk.time_valid = true;
    pk.gen_utc_ns = 1795500000000000000LL;
    pk.gen_tai_ns = 2174191237000000000LL;
    pk.seq_gap = 3;
    pk.record = 42;
    pk.offset = 1234;
    size_t len = dec_out_encode(out, &pk, 9, buf, sizeof buf);
    cr_assert_gt(len, 0);
    Vleo__V1__Packet *m = vleo__v1__packet__unpack(NULL, len, buf);
    cr_assert_not_null(m);
    cr_assert_str_eq(m->spacecraft, "QK1");
    cr_assert_eq(m->apid, 0x155);
    cr_assert(m->secondary_header);
    cr_assert_eq(m->sequence_flags, 1);
    cr_assert_eq(m->sequence_count, 16383);
    cr_assert_eq(m->data_length, 19);
    cr_assert_eq(m->length, 26);
    cr_assert_str_eq(m->name, "APID341");
    cr_assert_eq(m->generation_time_utc_ns, 1795500000000000000LL);
    cr_assert_eq(m->generation_time_tai_ns, 2174191237000000000LL);
    cr_assert_eq(m->reception_time_utc_ns, 1795500000123456789LL);
    cr_assert_str_eq(m->source->name, "/tmp/p.pcap");
    cr_assert_eq(m->source->record_number, 42);
    cr_assert_eq(m->source->byte_offset, 1234);
    cr_assert_eq(m->quality->sequence_gap, 3);
    cr_assert(m->quality->time_valid);
    cr_assert_not(m->quality->has_duplicate);
    cr_assert_eq(m->raw.len, 26);
    cr_assert_eq(memcmp(m->raw.data, data, 26), 0);
    cr_assert_eq(m->message_seq, 9);
    cr_assert_eq(m->session_id, dec_out_session(out));
    cr_assert_neq(m->session_id, 0);
    vleo__v1__packet__free_unpacked(m, NULL);
    dec_out_destroy(&out);
}

/* Parameters (field 15) too: every value kind, units and validity, against protobuf-c. */
#include "../../decoder/src/mdb_model.h"

static void ref_value(Vleo__V1__Value *pv, const dec_val_t *v) {
    vleo__v1__value__init(pv);
    switch (v->kind) {
    case DEC_VAL_I64:
        pv->v_case = VLEO__V1__VALUE__V_INT64_VALUE;
        pv->int64_value = v->v.i;
        break;
    case DEC_VAL_U64:
        pv->v_case = VLEO__V1__VALUE__V_UINT64_VALUE;
        pv->uint64_value = v->v.u;
        break;
    case DEC_VAL_F64:
        pv->v_case = VLEO__V1__VALUE__V_DOUBLE_VALUE;
        pv->double_value = v->v.f;
        break;
    case DEC_VAL_BOOL:
        pv->v_case = VLEO__V1__VALUE__V_BOOL_VALUE;
        pv->bool_value = v->v.b;
        break;
    case DEC_VAL_STR: {
        static char sbuf[8][64];
        static int k;
        char *d = sbuf[k++ % 8];
        memcpy(d, v->p, v->len);
        d[v->len] = '\0';
        pv->v_case = VLEO__V1__VALUE__V_STRING_VALUE;
        pv->string_value = d;
        break;
    }
    case DEC_VAL_BYTES:
        pv->v_case = VLEO__V1__VALUE__V_BYTES_VALUE;
        pv->bytes_value.data = (uint8_t *)v->p;
        pv->bytes_value.len = v->len;
        break;
    case DEC_VAL_TIME:
        pv->v_case = VLEO__V1__VALUE__V_TIME_UTC_NS;
        pv->time_utc_ns = v->v.t;
        break;
    default:
        break;
    }
}

Test(output, parameters_match_protobuf_c) {
    dec_mdb_t *m = mdb_new();
    cr_assert_not_null(m);
    mdb_ptype_t t = {.name = "/T/int", .kind = MDB_T_INTEGER};
    t.unit = mdb_add_string(m, "m");
    uint32_t ti = mdb_add_type(m, &t);
    mdb_ptype_t t2 = {.name = "/T/plain", .kind = MDB_T_STRING};
    uint32_t ts = mdb_add_type(m, &t2);
    const char *names[] = {"/QK1/GNSS/ALTITUDE", "/QK1/X", "/QK1/MODE_NAME_LONGER"};
    for (int i = 0; i < 3; i++) {
        cr_assert_neq(mdb_add_param(m, names[i], i == 2 ? ts : ti), MDB_NONE);
    }
    uint32_t c = mdb_add_container(m, "HK", "/QK1/HK", false, MDB_NONE);
    cr_assert_neq(c, MDB_NONE);
    char err[128];
    cr_assert_eq(mdb_finish(m, err, sizeof err), 0, "%s", err);

    char e2[128];
    dec_out_opts_t o = {.spacecraft = "QK1", .source_name = "u", .source_path = "p", .mdb = m};
    dec_out_t *out = dec_out_new(&o, e2, sizeof e2);
    cr_assert_not_null(out, "%s", e2);
    uint8_t data[16];
    size_t n = nb_spp(100, 0, false, 3, 1, NULL, 10, data, sizeof data);
    const uint8_t bytes[3] = {0xDE, 0xAD, 0x01};
    dec_pval_t pv[8] = {
        {.param = 0,
         .validity = DEC_PV_VALID,
         .raw = {.kind = DEC_VAL_U64, .v.u = 250123},
         .eng = {.kind = DEC_VAL_F64, .v.f = 250.123}},
        {.param = 1,
         .validity = DEC_PV_OUT_OF_RANGE,
         .raw = {.kind = DEC_VAL_I64, .v.i = -5},
         .eng = {.kind = DEC_VAL_I64, .v.i = -5}},
        {.param = 2,
         .validity = DEC_PV_VALID,
         .raw = {.kind = DEC_VAL_STR, .p = (const uint8_t *)"ON", .len = 2},
         .eng = {.kind = DEC_VAL_STR, .p = (const uint8_t *)"SAFE", .len = 4}},
        {.param = 1, .validity = DEC_PV_NOT_PRESENT},
        {.param = 0,
         .validity = DEC_PV_INVALID,
         .raw = {.kind = DEC_VAL_BYTES, .p = bytes, .len = 3}},
        {.param = 1,
         .validity = DEC_PV_VALID,
         .raw = {.kind = DEC_VAL_BOOL, .v.b = true},
         .eng = {.kind = DEC_VAL_TIME, .v.t = -1000}},
        {.param = 1,
         .validity = DEC_PV_VALID,
         .raw = {.kind = DEC_VAL_I64, .v.i = INT64_MIN},
         .eng = {.kind = DEC_VAL_U64, .v.u = UINT64_MAX}},
        {.param = 2,
         .validity = DEC_PV_VALID,
         .raw = {.kind = DEC_VAL_F64, .v.f = -0.0},
         .eng = {.kind = DEC_VAL_BOOL, .v.b = false}},
    };
    dec_packet_t pk = {0};
    dec_spp_parse(data, n, &pk.hdr);
    pk.data = data;
    pk.len = n;
    pk.container = (int32_t)c;
    pk.params = pv;
    pk.n_params = 8;
    static uint8_t mine[4096], ref[4096];
    size_t a = dec_out_encode(out, &pk, 3, mine, sizeof mine);

    Vleo__V1__Packet rm = VLEO__V1__PACKET__INIT;
    Vleo__V1__Source src = VLEO__V1__SOURCE__INIT;
    Vleo__V1__Quality q = VLEO__V1__QUALITY__INIT;
    rm.spacecraft = "QK1";
    rm.has_apid = rm.has_type = rm.has_secondary_header = rm.has_sequence_flags = 1;
    rm.has_sequence_count = rm.has_data_length = rm.has_reception_time_utc_ns = 1;
    rm.has_version = rm.has_length = 1;
    rm.apid = 100;
    rm.sequence_flags = 3;
    rm.sequence_count = 1;
    rm.data_length = 9;
    rm.length = (uint32_t)n;
    rm.name = "HK";
    src.name = "p";
    src.has_record_number = src.has_byte_offset = 1;
    rm.source = &src;
    q.has_time_valid = 1;
    rm.quality = &q;
    rm.has_session_id = rm.has_message_seq = 1;
    rm.session_id = dec_out_session(out);
    rm.message_seq = 3;
    Vleo__V1__Parameter P[8], *pp[8];
    Vleo__V1__Value R[8], E[8];
    for (int i = 0; i < 8; i++) {
        vleo__v1__parameter__init(&P[i]);
        P[i].name = (char *)names[pv[i].param];
        if (pv[i].raw.kind != DEC_VAL_NONE) {
            ref_value(&R[i], &pv[i].raw);
            P[i].raw = &R[i];
        }
        if (pv[i].eng.kind != DEC_VAL_NONE) {
            ref_value(&E[i], &pv[i].eng);
            P[i].eng = &E[i];
        }
        if (pv[i].param != 2) {
            P[i].unit = "m";
        }
        P[i].has_validity = pv[i].validity != DEC_PV_VALID;
        P[i].validity = pv[i].validity;
        pp[i] = &P[i];
    }
    rm.n_parameters = 8;
    rm.parameters = pp;
    size_t b = vleo__v1__packet__pack(&rm, ref);
    cr_assert_eq(a, b, "length %zu vs protobuf-c %zu", a, b);
    cr_assert_eq(memcmp(mine, ref, a), 0);
    /* And it unpacks to the right values. */
    Vleo__V1__Packet *u = vleo__v1__packet__unpack(NULL, a, mine);
    cr_assert_not_null(u);
    cr_assert_eq(u->n_parameters, 8);
    cr_assert_str_eq(u->parameters[0]->name, "/QK1/GNSS/ALTITUDE");
    cr_assert_eq(u->parameters[0]->eng->double_value, 250.123);
    cr_assert_str_eq(u->parameters[0]->unit, "m");
    cr_assert_eq(u->parameters[1]->validity, VLEO__V1__VALIDITY__VALIDITY_OUT_OF_RANGE);
    cr_assert_str_eq(u->parameters[2]->eng->string_value, "SAFE");
    cr_assert_null(u->parameters[3]->raw);
    cr_assert_eq(u->parameters[6]->raw->int64_value, INT64_MIN);
    vleo__v1__packet__free_unpacked(u, NULL);
    dec_out_destroy(&out);
    dec_mdb_destroy(&m);
}
