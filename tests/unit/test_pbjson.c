/* test_pbjson.c: protobuf-c messages as JSON by reflection, and topic -> message type. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "vleo.pb-c.h"
#include "vleo/json.h"
#include "vleo/pbjson.h"

static char g_buf[8192];

/* msg as JSON text, checked for overflow. */
static const char *to_json(const void *msg) {
    vleo_jw_t w;
    vleo_jw_init(&w, g_buf, sizeof g_buf);
    vleo_pbjson_write(&w, (const ProtobufCMessage *)msg);
    cr_assert_not(w.overflow);
    cr_assert_eq(w.depth, 0);
    return g_buf;
}

static const uint8_t k_raw[] = {0x08, 0x64, 0xc0, 0x00, 0x00, 0x09, 0xde, 0xad};
static const uint8_t k_blob[] = {0xde, 0xad, 0x01};

/* The Packet of most tests: every field kind, nested Source/Quality, one Parameter per
 * Value case. Storage is static so the pointers stay valid after return. */
static Vleo__V1__Packet *make_packet(void) {
    static Vleo__V1__Source src;
    static Vleo__V1__Quality q;
    static Vleo__V1__Value vals[8];
    static Vleo__V1__Parameter params[5];
    static Vleo__V1__Parameter *pp[5];
    static Vleo__V1__Packet p;

    src = (Vleo__V1__Source)VLEO__V1__SOURCE__INIT;
    src.name = "pass.pcap";
    src.has_record_number = 1;
    src.record_number = 7;
    src.has_byte_offset = 1;
    src.byte_offset = 42;
    src.frame_number = 99; /* no has_ flag: absent */

    q = (Vleo__V1__Quality)VLEO__V1__QUALITY__INIT;
    q.has_sequence_gap = 1;
    q.sequence_gap = 3;
    q.has_duplicate = 1;
    q.duplicate = 0;
    q.has_frame_check = 1;
    q.frame_check = VLEO__V1__FRAME_CHECK__FRAME_CHECK_CORRECTED;
    q.has_rs_corrected_octets = 1;
    q.rs_corrected_octets = 2;

    for (size_t i = 0; i < 8; i++) {
        vals[i] = (Vleo__V1__Value)VLEO__V1__VALUE__INIT;
    }
    vals[0].v_case = VLEO__V1__VALUE__V_INT64_VALUE;
    vals[0].int64_value = INT64_MIN;
    vals[1].v_case = VLEO__V1__VALUE__V_UINT64_VALUE;
    vals[1].uint64_value = UINT64_MAX;
    vals[2].v_case = VLEO__V1__VALUE__V_DOUBLE_VALUE;
    vals[2].double_value = 1.5;
    vals[3].v_case = VLEO__V1__VALUE__V_BOOL_VALUE;
    vals[3].bool_value = 1;
    vals[4].v_case = VLEO__V1__VALUE__V_STRING_VALUE;
    vals[4].string_value = "on \"A\"\n";
    vals[5].v_case = VLEO__V1__VALUE__V_BYTES_VALUE;
    vals[5].bytes_value.len = sizeof k_blob;
    vals[5].bytes_value.data = (uint8_t *)k_blob;
    vals[6].v_case = VLEO__V1__VALUE__V_TIME_UTC_NS;
    vals[6].time_utc_ns = 1700000000123456789;
    /* vals[7]: no case set */

    for (size_t i = 0; i < 5; i++) {
        params[i] = (Vleo__V1__Parameter)VLEO__V1__PARAMETER__INIT;
        pp[i] = &params[i];
    }
    params[0].name = "/QK1/GNSS/ALT";
    params[0].raw = &vals[0];
    params[0].eng = &vals[2];
    params[0].unit = "km";
    params[0].has_validity = 1;
    params[0].validity = VLEO__V1__VALIDITY__VALIDITY_VALID;
    params[1].name = "/QK1/CNT";
    params[1].raw = &vals[1];
    params[1].eng = &vals[3];
    params[1].has_validity = 1;
    params[1].validity = VLEO__V1__VALIDITY__VALIDITY_OUT_OF_RANGE;
    params[2].name = "/QK1/MODE";
    params[2].raw = &vals[5];
    params[2].eng = &vals[4];
    params[3].name = "/QK1/T";
    params[3].eng = &vals[6];
    params[3].raw = &vals[7];
    params[3].validity = VLEO__V1__VALIDITY__VALIDITY_INVALID; /* has_validity 0: absent */
    /* params[4]: empty */

    p = (Vleo__V1__Packet)VLEO__V1__PACKET__INIT;
    p.spacecraft = "QK1";
    p.has_apid = 1;
    p.apid = 100;
    p.has_type = 1;
    p.type = VLEO__V1__PACKET_TYPE__PACKET_TYPE_TELEMETRY;
    p.has_secondary_header = 1;
    p.secondary_header = 1;
    p.has_sequence_flags = 1;
    p.sequence_flags = 3;
    p.has_sequence_count = 1;
    p.sequence_count = 16383;
    p.has_data_length = 1;
    p.data_length = 1;
    p.name = "HK";
    p.has_generation_time_utc_ns = 1;
    p.generation_time_utc_ns = -1;
    p.generation_time_tai_ns = 12345; /* has_ 0: absent */
    p.has_reception_time_utc_ns = 1;
    p.reception_time_utc_ns = 1700000000000000000;
    p.source = &src;
    p.quality = &q;
    p.has_raw = 1;
    p.raw.len = sizeof k_raw;
    p.raw.data = (uint8_t *)k_raw;
    p.n_parameters = 5;
    p.parameters = pp;
    p.has_version = 1;
    p.version = 0;
    p.has_length = 1;
    p.length = 8;
    p.has_session_id = 1;
    p.session_id = 0x8000000000000001ULL;
    p.has_message_seq = 1;
    p.message_seq = 1;
    return &p;
}

static const char k_packet_json[] =
    "{\"spacecraft\":\"QK1\",\"apid\":100,\"type\":\"PACKET_TYPE_TELEMETRY\","
    "\"secondary_header\":true,\"sequence_flags\":3,\"sequence_count\":16383,"
    "\"data_length\":1,\"name\":\"HK\",\"generation_time_utc_ns\":-1,"
    "\"reception_time_utc_ns\":1700000000000000000,"
    "\"source\":{\"name\":\"pass.pcap\",\"record_number\":7,\"byte_offset\":42},"
    "\"quality\":{\"sequence_gap\":3,\"duplicate\":false,\"frame_check\":\"FRAME_CHECK_CORRECTED\","
    "\"rs_corrected_octets\":2},"
    "\"raw\":\"0864c0000009dead\","
    "\"parameters\":["
    "{\"name\":\"/QK1/GNSS/ALT\",\"raw\":{\"int64_value\":-9223372036854775808},"
    "\"eng\":{\"double_value\":1.5},\"unit\":\"km\",\"validity\":\"VALIDITY_VALID\"},"
    "{\"name\":\"/QK1/CNT\",\"raw\":{\"uint64_value\":18446744073709551615},"
    "\"eng\":{\"bool_value\":true},\"validity\":\"VALIDITY_OUT_OF_RANGE\"},"
    "{\"name\":\"/QK1/MODE\",\"raw\":{\"bytes_value\":\"dead01\"},"
    "\"eng\":{\"string_value\":\"on \\\"A\\\"\\n\"}},"
    "{\"name\":\"/QK1/T\",\"raw\":{},\"eng\":{\"time_utc_ns\":1700000000123456789}},"
    "{}],"
    "\"version\":0,\"length\":8,\"session_id\":9223372036854775809,\"message_seq\":1}";

Test(pbjson, packet_every_field_kind) {
    cr_assert_str_eq(to_json(make_packet()), k_packet_json);
}

Test(pbjson, packet_survives_pack_and_unpack) {
    const Vleo__V1__Packet *p = make_packet();
    static uint8_t wire[4096];
    size_t n = vleo__v1__packet__get_packed_size(p);
    cr_assert_lt(n, sizeof wire);
    cr_assert_eq(vleo__v1__packet__pack(p, wire), n);
    const ProtobufCMessageDescriptor *d = vleo_topic_descriptor("tm/QK1/HK", 9);
    cr_assert_eq(d, &vleo__v1__packet__descriptor);
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, n, wire);
    cr_assert_not_null(m);
    cr_assert_str_eq(to_json(m), k_packet_json);
    protobuf_c_message_free_unpacked(m, NULL);
}

Test(pbjson, empty_packet_is_empty_object) {
    Vleo__V1__Packet p = VLEO__V1__PACKET__INIT;
    p.apid = 5;         /* values without their has_ flag are absent */
    p.n_parameters = 0; /* an empty repeated field is absent */
    cr_assert_str_eq(to_json(&p), "{}");
}

Test(pbjson, packet_batch) {
    Vleo__V1__Packet a = VLEO__V1__PACKET__INIT;
    Vleo__V1__Packet b = VLEO__V1__PACKET__INIT;
    a.has_apid = 1;
    a.apid = 1;
    b.has_apid = 1;
    b.apid = 2047;
    b.has_type = 1;
    b.type = VLEO__V1__PACKET_TYPE__PACKET_TYPE_TELECOMMAND;
    Vleo__V1__Packet *pk[] = {&a, &b};
    Vleo__V1__PacketBatch batch = VLEO__V1__PACKET_BATCH__INIT;
    batch.spacecraft = "QK2";
    batch.n_packets = 2;
    batch.packets = pk;
    batch.has_session_id = 1;
    batch.session_id = 77;
    batch.has_message_seq = 1;
    batch.message_seq = 0;
    cr_assert_str_eq(to_json(&batch),
                     "{\"spacecraft\":\"QK2\",\"packets\":[{\"apid\":1},{\"apid\":2047,"
                     "\"type\":\"PACKET_TYPE_TELECOMMAND\"}],\"session_id\":77,\"message_seq\":0}");

    batch.n_packets = 0;
    batch.spacecraft = NULL;
    cr_assert_str_eq(to_json(&batch), "{\"session_id\":77,\"message_seq\":0}");
}

Test(pbjson, decoder_stats_with_counters) {
    Vleo__V1__Counter c1 = VLEO__V1__COUNTER__INIT;
    Vleo__V1__Counter c2 = VLEO__V1__COUNTER__INIT;
    Vleo__V1__Counter c3 = VLEO__V1__COUNTER__INIT;
    c1.name = "spp_bad_version";
    c1.has_value = 1;
    c1.value = 2;
    c2.name = "spp_truncated";
    c2.has_value = 1;
    c2.value = 0;
    c3.name = "no_value";
    Vleo__V1__Counter *cs[] = {&c1, &c2, &c3};
    Vleo__V1__DecoderStats s = VLEO__V1__DECODER_STATS__INIT;
    s.source = "udp:127.0.0.1:5000";
    s.has_time_utc_ns = 1;
    s.time_utc_ns = 1700000001000000000;
    s.has_final = 1;
    s.final = 1;
    s.has_records = 1;
    s.records = 10;
    s.has_packets = 1;
    s.packets = 8;
    s.has_rejected = 1;
    s.rejected = 2;
    s.n_counters = 3;
    s.counters = cs;
    s.has_duplicates = 1;
    s.duplicates = 4;
    cr_assert_str_eq(to_json(&s),
                     "{\"source\":\"udp:127.0.0.1:5000\",\"time_utc_ns\":1700000001000000000,"
                     "\"final\":true,\"records\":10,\"packets\":8,\"rejected\":2,"
                     "\"counters\":[{\"name\":\"spp_bad_version\",\"value\":2},"
                     "{\"name\":\"spp_truncated\",\"value\":0},{\"name\":\"no_value\"}],"
                     "\"duplicates\":4}");
}

Test(pbjson, alert_with_enums_and_evidence) {
    Vleo__V1__Evidence ev = VLEO__V1__EVIDENCE__INIT;
    ev.model = "jacchia71";
    ev.has_density_kg_m3 = 1;
    ev.density_kg_m3 = 3.5e-12;
    ev.has_kp = 1;
    ev.kp = 2.25;
    ev.has_space_weather_predicted = 1;
    ev.space_weather_predicted = 0;
    Vleo__V1__Alert a = VLEO__V1__ALERT__INIT;
    a.id = "QK1-thrust-1";
    a.spacecraft = "QK1";
    a.has_kind = 1;
    a.kind = VLEO__V1__ALERT_KIND__THRUST_SHORTFALL;
    a.has_severity = 1;
    a.severity = VLEO__V1__SEVERITY__CRITICAL;
    a.has_state = 1;
    a.state = VLEO__V1__ALERT_STATE__CLEARED;
    a.has_onset_utc_ns = 1;
    a.onset_utc_ns = 1000;
    a.has_measured = 1;
    a.measured = 12.25;
    a.has_expected = 1;
    a.expected = -0.1;
    a.unit = "mN";
    a.message = "thrust 12.25 mN < drag";
    a.evidence = &ev;
    cr_assert_str_eq(
        to_json(&a),
        "{\"id\":\"QK1-thrust-1\",\"spacecraft\":\"QK1\",\"kind\":\"THRUST_SHORTFALL\","
        "\"severity\":\"CRITICAL\",\"state\":\"CLEARED\",\"onset_utc_ns\":1000,"
        "\"measured\":12.25,\"expected\":-0.1,\"unit\":\"mN\","
        "\"message\":\"thrust 12.25 mN < drag\",\"evidence\":{\"model\":\"jacchia71\","
        "\"density_kg_m3\":3.5e-12,\"kp\":2.25,\"space_weather_predicted\":false}}");
}

Test(pbjson, unknown_enum_value_as_number) {
    Vleo__V1__Alert a = VLEO__V1__ALERT__INIT;
    a.has_kind = 1;
    a.kind = (Vleo__V1__AlertKind)99;
    a.has_state = 1;
    a.state = VLEO__V1__ALERT_STATE__ALERT_STATE_UNSPECIFIED;
    cr_assert_str_eq(to_json(&a), "{\"kind\":99,\"state\":\"ALERT_STATE_UNSPECIFIED\"}");
}

Test(pbjson, inside_an_outer_object) {
    Vleo__V1__MonitorStats s = VLEO__V1__MONITOR_STATS__INIT;
    s.has_messages = 1;
    s.messages = 3;
    vleo_jw_t w;
    vleo_jw_init(&w, g_buf, sizeof g_buf);
    vleo_jw_obj_begin(&w);
    vleo_jw_key(&w, "topic");
    vleo_jw_str(&w, "stats/monitor");
    vleo_jw_key(&w, "message");
    vleo_pbjson_write(&w, &s.base);
    vleo_jw_key(&w, "after");
    vleo_jw_u64(&w, 1);
    vleo_jw_obj_end(&w);
    cr_assert_not(w.overflow);
    cr_assert_str_eq(g_buf,
                     "{\"topic\":\"stats/monitor\",\"message\":{\"messages\":3},\"after\":1}");
}

Test(pbjson, null_message_is_null) {
    vleo_jw_t w;
    vleo_jw_init(&w, g_buf, sizeof g_buf);
    vleo_pbjson_write(&w, NULL);
    cr_assert_str_eq(g_buf, "null");
}

Test(pbjson, small_buffer_overflows) {
    char small[32];
    vleo_jw_t w;
    vleo_jw_init(&w, small, sizeof small);
    vleo_pbjson_write(&w, &make_packet()->base);
    cr_assert(w.overflow);
    cr_assert_eq(strlen(small), sizeof small - 1);
    cr_assert_eq(memcmp(small, k_packet_json, sizeof small - 1), 0);
}

Test(pbjson, topic_descriptors) {
    static const struct {
        const char *topic;
        const ProtobufCMessageDescriptor *want;
    } cases[] = {
        {"tm/QK1/HK", &vleo__v1__packet__descriptor},
        {"tm/", &vleo__v1__packet__descriptor},
        {"tmb/QK1", &vleo__v1__packet_batch__descriptor},
        {"alert/QK1/thrust_shortfall", &vleo__v1__alert__descriptor},
        {"stats/decoder/udp", &vleo__v1__decoder_stats__descriptor},
        {"stats/monitor", &vleo__v1__monitor_stats__descriptor},
        {"stats/monitor/x", &vleo__v1__monitor_stats__descriptor},
        {"stats/monitors", NULL},
        {"stats/decoder", NULL},
        {"tm", NULL},
        {"tmx/QK1", NULL},
        {"spaceweather", NULL},
        {"", NULL},
        {"TM/QK1", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ProtobufCMessageDescriptor *got =
            vleo_topic_descriptor(cases[i].topic, strlen(cases[i].topic));
        cr_assert_eq(got, cases[i].want, "topic \"%s\"", cases[i].topic);
    }
    /* Only len octets count: "tm/" cut to "tm" is unknown, and no NUL is needed. */
    cr_assert_null(vleo_topic_descriptor("tm/QK1", 2));
    const char nonul[4] = {'t', 'm', 'b', '/'};
    cr_assert_eq(vleo_topic_descriptor(nonul, sizeof nonul), &vleo__v1__packet_batch__descriptor);
    cr_assert_null(vleo_topic_descriptor(NULL, 0));
}
