/* test_mdb_e2e.c: vleo-decoder --mdb on the bundled sample pass: packets named after their
 * XTCE containers, parameters with engineering values and units, over ZeroMQ (ipc) and as
 * JSON lines; the packet time from an XTCE AbsoluteTime parameter. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "e2e.h"
#include "netbuild.h"
#include "vleo.pb-c.h"

#define CAP VLEO_SOURCE_DIR "/captures/sample-pass.pcap"
#define XTCE VLEO_SOURCE_DIR "/captures/sample-pass.xml"
#define DEC VLEO_BIN_DIR "/vleo-decoder"

Test(mdb_e2e, json_lines_carry_engineering_values, .timeout = 60) {
    e2e_proc_t p = {0};
    char *argv[] = {DEC,   "--pcap",       CAP,         "--mdb",  XTCE,    "--spacecraft",
                    "QK1", "--time-param", "/QK1/TIME", "--json", "--pub", "none",
                    NULL};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    cr_assert_eq(e2e_wait(&p, 30000), 0);
    char *out = e2e_slurp(p.out_path, NULL);
    cr_assert_not_null(out);
    cr_assert_eq(e2e_count_lines(out), 835, "every packet but the 20 idle ones");
    /* The first GNSS packet: t = 0 of make_sample.py: r = (6378.137 + 250) km on the x axis,
     * v = (-0, 3875, 6665) m/s, altitude 250 km; time from the CUC count (TAI -> UTC). */
    const char *first =
        "{\"spacecraft\":\"QK1\",\"apid\":100,\"seq\":0,\"length\":54,\"name\":\"GNSS_NAV\","
        "\"time\":\"2026-11-24T06:00:00.000000000Z\",\"received\":\"2026-11-24T06:00:00."
        "001234000Z\",\"type\":\"tm\",\"seq_flags\":3,\"params\":{\"/QK1/VERSION\":0,"
        "\"/QK1/TYPE\":\"TM\",\"/QK1/SEC_HDR\":1,\"/QK1/APID\":100,\"/QK1/SEQ_FLAGS\":3,"
        "\"/QK1/SEQ_COUNT\":0,\"/QK1/DATA_LENGTH\":47,\"/QK1/CUC_PFIELD\":30,\"/QK1/TIME\":"
        "\"2026-11-24T06:00:00.000000000Z\",\"/QK1/GNSS/POS_X\":6628137,\"/QK1/GNSS/POS_Y\":0,"
        "\"/QK1/GNSS/POS_Z\":0,\"/QK1/GNSS/VEL_X\":-0,\"/QK1/GNSS/VEL_Y\":3875,"
        "\"/QK1/GNSS/VEL_Z\":6665,\"/QK1/GNSS/ALTITUDE\":250}}\n";
    cr_assert_eq(strncmp(out, first, strlen(first)), 0, "got %.600s", out);
    /* The power packet in the same datagram: 180 + 60 cos 0 = 240 W, 210 W, 72.5 %. */
    cr_assert_not_null(
        strstr(out, "\"name\":\"EPS_HK\",\"time\":\"2026-11-24T06:00:00.000000000Z\""));
    cr_assert_not_null(strstr(out, "\"/QK1/EPS/SOLAR_POWER\":240,\"/QK1/EPS/LOAD_POWER\":210,"
                                   "\"/QK1/EPS/SOC\":72.5}}"));
    /* Propulsion, first at t = 2 s: float32 11.8 mN as it was sent. */
    cr_assert_not_null(strstr(out, "\"/QK1/PROP/THRUST\":11.800000190734863,"
                                   "\"/QK1/PROP/THRUST_CMD\":12,\"/QK1/PROP/POWER\":215}}"));
    free(out);
    char *err = e2e_slurp(p.err_path, NULL);
    cr_assert_not_null(strstr(err, "mdb_named=835"), "%s", err);
    cr_assert_not_null(strstr(err, "time_ok=835"), "%s", err);
    free(err);
    e2e_cleanup(&p);
}

Test(mdb_e2e, packets_over_zeromq_carry_parameters, .timeout = 60) {
    char ep[96];
    snprintf(ep, sizeof ep, "ipc:///tmp/vleo-mdb-e2e-%d.ipc", (int)getpid());
    e2e_proc_t p = {0};
    char *argv[] = {DEC,   "--pcap",      CAP,   "--mdb",     XTCE,    "--spacecraft",
                    "QK1", "--time-code", "cuc", "--no-drop", "--pub", ep,
                    NULL};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    void *ctx = zmq_ctx_new();
    void *sub = e2e_sub(ctx, ep, 10000);
    cr_assert_not_null(sub);
    int named[3] = {0};
    int total = 0;
    bool final = false;
    while (!final) {
        e2e_msg_t m;
        cr_assert_eq(e2e_recv2(sub, &m), 0, "timed out after %d messages", total);
        if (strncmp(m.topic, "stats/", 6) == 0) {
            Vleo__V1__DecoderStats *st = vleo__v1__decoder_stats__unpack(NULL, m.len, m.body);
            cr_assert_not_null(st);
            final = st->final;
            vleo__v1__decoder_stats__free_unpacked(st, NULL);
            e2e_msg_free(&m);
            continue;
        }
        total++;
        Vleo__V1__Packet *pk = vleo__v1__packet__unpack(NULL, m.len, m.body);
        cr_assert_not_null(pk);
        char want[64];
        snprintf(want, sizeof want, "tm/QK1/%s", pk->name);
        cr_assert_str_eq(m.topic, want);
        if (strcmp(pk->name, "EPS_HK") == 0 && named[2]++ == 0) {
            /* Header 7 + time 2 + EPS 3 values, engineering values with units. */
            cr_assert_eq(pk->n_parameters, 12);
            Vleo__V1__Parameter *soc = pk->parameters[11];
            cr_assert_str_eq(soc->name, "/QK1/EPS/SOC");
            cr_assert_str_eq(soc->unit, "%");
            cr_assert_eq(soc->eng->v_case, VLEO__V1__VALUE__V_DOUBLE_VALUE);
            cr_assert_eq(soc->eng->double_value, 72.5);
            cr_assert_eq(soc->raw->v_case, VLEO__V1__VALUE__V_DOUBLE_VALUE);
            cr_assert_not(soc->has_validity, "valid values carry no validity field");
            Vleo__V1__Parameter *type = pk->parameters[1];
            cr_assert_str_eq(type->eng->string_value, "TM");
            cr_assert_eq(type->raw->uint64_value, 0);
        } else if (strcmp(pk->name, "GNSS_NAV") == 0) {
            named[0]++;
            cr_assert_eq(pk->n_parameters, 16);
            cr_assert_str_eq(pk->parameters[15]->unit, "km");
        } else if (strcmp(pk->name, "PROP_HK") == 0) {
            named[1]++;
        }
        vleo__v1__packet__free_unpacked(pk, NULL);
        e2e_msg_free(&m);
    }
    cr_assert_eq(total, 835);
    cr_assert_eq(named[0], 595, "GNSS packets: 600 less the 5 lost");
    cr_assert_eq(named[1], 120);
    cr_assert_eq(named[2], 120);
    cr_assert_eq(e2e_wait(&p, 20000), 0);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    e2e_cleanup(&p);
}

Test(mdb_e2e, bad_database_is_a_configuration_error, .timeout = 30) {
    e2e_proc_t p = {0};
    char *argv[] = {DEC,     "--pcap", CAP, "--mdb", VLEO_SOURCE_DIR "/tests/xtce/bad_ref.xml",
                    "--pub", "none",   NULL};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    cr_assert_eq(e2e_wait(&p, 20000), 2);
    char *err = e2e_slurp(p.err_path, NULL);
    cr_assert_not_null(strstr(err, "bad_ref.xml:"), "%s", err);
    cr_assert_eq(e2e_count_lines(err), 1, "one clear line: %s", err);
    free(err);
    e2e_cleanup(&p);
    char *argv2[] = {DEC, "--mdb", VLEO_SOURCE_DIR "/captures/sample-pass.xml", "--list", NULL};
    cr_assert_eq(e2e_spawn(&p, argv2), 0);
    cr_assert_eq(e2e_wait(&p, 20000), 0);
    char *out = e2e_slurp(p.out_path, NULL);
    cr_assert_not_null(strstr(out, "5 containers, 22 parameters"), "%s", out);
    cr_assert_not_null(strstr(out, "packet   /QK1/EPS/EPS_HK : /QK1/TimedPacket"), "%s", out);
    cr_assert_not_null(strstr(out, "/QK1/GNSS/ALTITUDE"), "%s", out);
    free(out);
    e2e_cleanup(&p);
}

/* A value outside its ValidRange keeps its number in params and is named in "validity". */
Test(mdb_e2e, json_names_values_that_are_not_valid, .timeout = 30) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/vleo-mdb-oor-%d.pcap", (int)getpid());
    /* EPS_HK: CUC P-field 0x1E + 4 + 2 octets, then SOLAR 240 W, LOAD 210 W, SOC 150 %
     * (ValidRange 0..100); float32 150 = 0x43160000. */
    uint8_t data[23] = {0x1E, 0x81, 0x97, 0x1E, 0x85, 0x00, 0x00, 0x43, 0x70, 0x00, 0x00, 0x43,
                        0x52, 0x00, 0x00, 0x43, 0x16, 0x00, 0x00, 0,    0,    0,    0};
    uint8_t pkt[64], rec[256];
    size_t n = nb_spp(300, 0, true, 3, 0, data, sizeof data, pkt, sizeof pkt);
    nb_flow_t f = nb_flow_local(4, 5000, 1235);
    size_t r = nb_udp(NB_DLT_EN10MB, &f, pkt, n, rec, sizeof rec);
    nb_pcap_t w;
    cr_assert_eq(nb_pcap_open(&w, path, NB_DLT_EN10MB, false, 65535), 0);
    cr_assert_eq(nb_pcap_write(&w, 1000000000LL, rec, r, r), 0);
    nb_pcap_close(&w);
    e2e_proc_t p = {0};
    char *argv[] = {DEC, "--pcap", path, "--mdb", XTCE, "--json", "--pub", "none", NULL};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    cr_assert_eq(e2e_wait(&p, 20000), 0);
    char *out = e2e_slurp(p.out_path, NULL);
    cr_assert_not_null(strstr(out, "\"/QK1/EPS/SOLAR_POWER\":240,\"/QK1/EPS/LOAD_POWER\":210,"
                                   "\"/QK1/EPS/SOC\":150},\"validity\":{\"/QK1/EPS/SOC\":"
                                   "\"out_of_range\"}}\n"),
                       "%s", out);
    free(out);
    e2e_cleanup(&p);
    unlink(path);
}
