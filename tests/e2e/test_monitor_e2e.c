/* test_monitor_e2e.c: the real programs end to end: vleo-replay on constructed captures, and
 * vleo-decoder -> vleo-monitor as separate processes over ZeroMQ on tcp://127.0.0.1, which
 * must give the same alerts as the replay. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zmq.h>

#include "e2e.h"
#include "vleo.pb-c.h"
#include "telbuild.h"

#define DEC VLEO_BIN_DIR "/vleo-decoder"
#define MON VLEO_MON_BIN_DIR "/vleo-monitor"
#define REPLAY VLEO_MON_BIN_DIR "/vleo-replay"
#define XTCE VLEO_SOURCE_DIR "/captures/sample-pass.xml"
#define YAML VLEO_SOURCE_DIR "/captures/sample-pass.yaml"

static char cap_path[64], alerts_path[64], alerts2_path[64];

static void mk_paths(void) {
    snprintf(cap_path, sizeof cap_path, "/tmp/vleo-mone2e-%d.pcap", (int)getpid());
    snprintf(alerts_path, sizeof alerts_path, "/tmp/vleo-mone2e-%d.jsonl", (int)getpid());
    snprintf(alerts2_path, sizeof alerts2_path, "/tmp/vleo-mone2e-%d-2.jsonl", (int)getpid());
}

static void rm_paths(void) {
    unlink(cap_path);
    unlink(alerts_path);
    unlink(alerts2_path);
}

/* Run vleo-replay on cap_path with JSON alerts to alerts_path; returns stdout (malloc'd). */
static char *replay(int *rc) {
    char *argv[] = {REPLAY,        cap_path, "--mdb",    XTCE,        "--config",      YAML,
                    "--time-code", "cuc",    "--alerts", alerts_path, "--no-progress", NULL};
    e2e_proc_t p = {0};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    *rc = e2e_wait(&p, 60000);
    char *out = e2e_slurp(p.out_path, NULL);
    if (*rc != 0) {
        char *err = e2e_slurp(p.err_path, NULL);
        fprintf(stderr, "vleo-replay stderr: %s\n", err ? err : "");
        free(err);
    }
    e2e_cleanup(&p);
    return out;
}

Test(monitor_e2e, replay_thruster_degradation_gives_exactly_its_alerts, .timeout = 120) {
    mk_paths();
    tb_scenario_t s;
    tb_default(&s);
    s.thrust_factor = 0.6; /* 60 % of command at the same power */
    s.fault_s = 1200;
    cr_assert_gt(tb_write(cap_path, &s), 0);
    int rc;
    char *out = replay(&rc);
    cr_assert_eq(rc, 0);
    size_t len = 0;
    char *al = e2e_slurp(alerts_path, &len);
    cr_assert_not_null(al);
    fprintf(stderr, "%s", al);
    cr_assert_eq(e2e_count_lines(al), 3, "two alerts raised and one update, nothing else");
    char *l1 = al, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
    char b1[64], b2[64], b3[64];
    /* Thruster power 215 W for 7.08 mN (1.67x the rated 128.7 W, CRITICAL above 1.5x) in a
     * 120 s mean: the first evaluation over the 15 % margin is 06:20:50, raised 120 s later. */
    cr_assert_str_eq(e2e_json_str(l1, "id", b1, sizeof b1), "QK1/power_overdraw/thruster/1");
    cr_assert_str_eq(e2e_json_str(l1, "severity", b2, sizeof b2), "critical");
    cr_assert_str_eq(e2e_json_str(l1, "state", b3, sizeof b3), "raised");
    cr_assert_str_eq(e2e_json_str(l1, "onset", b2, sizeof b2), "2026-11-24T06:20:50.000000000Z");
    cr_assert_str_eq(e2e_json_str(l1, "time", b3, sizeof b3), "2026-11-24T06:22:50.000000000Z");
    /* The fault at 06:20:00; the 600 s thrust mean falls under 10.8 mN (90 % of 12) when a
     * fifth of the window is faulty (11.8 - 4.72 f < 10.8: f > 0.21, 06:22:10), raised
     * min_duration 120 s after that, WARNING (above the 50 % critical level). */
    cr_assert_str_eq(e2e_json_str(l2, "id", b1, sizeof b1), "QK1/thrust_shortfall/command/2");
    cr_assert_str_eq(e2e_json_str(l2, "severity", b2, sizeof b2), "warning");
    cr_assert_str_eq(e2e_json_str(l2, "unit", b3, sizeof b3), "mN");
    cr_assert_str_eq(e2e_json_str(l2, "onset", b1, sizeof b1), "2026-11-24T06:22:10.000000000Z");
    cr_assert_str_eq(e2e_json_str(l2, "time", b2, sizeof b2), "2026-11-24T06:24:10.000000000Z");
    /* Ten minutes later (the update interval) the mean has fallen to the full fault's 7.08 mN,
     * more than the 10 % change that warrants an update; same id. */
    cr_assert_str_eq(e2e_json_str(l3, "id", b1, sizeof b1), "QK1/thrust_shortfall/command/2");
    cr_assert_str_eq(e2e_json_str(l3, "state", b2, sizeof b2), "updated");
    cr_assert_str_eq(e2e_json_str(l3, "time", b3, sizeof b3), "2026-11-24T06:34:10.000000000Z");
    cr_assert(strstr(l3, "\"measured\":7.079999923706055") != NULL, "%s", l3);
    cr_assert(strstr(out, "QK1/thrust_shortfall/command/2") != NULL, "summary table: %s", out);
    cr_assert(strstr(out, "2 raised, 1 updated, 0 cleared, 2 active") != NULL, "%s", out);
    free(al);
    free(out);
    rm_paths();
}

Test(monitor_e2e, replay_nominal_gives_no_alert, .timeout = 120) {
    mk_paths();
    tb_scenario_t s;
    tb_default(&s);
    cr_assert_gt(tb_write(cap_path, &s), 0);
    int rc;
    char *out = replay(&rc);
    cr_assert_eq(rc, 0);
    char *al = e2e_slurp(alerts_path, NULL);
    cr_assert_not_null(al);
    cr_assert_eq(e2e_count_lines(al), 0, "nominal: %s", al);
    cr_assert(strstr(out, "0 raised, 0 updated, 0 cleared, 0 active") != NULL, "%s", out);
    free(al);
    free(out);
    rm_paths();
}

Test(monitor_e2e, replay_silence_raises_and_clears_stale, .timeout = 120) {
    mk_paths();
    tb_scenario_t s;
    tb_default(&s);
    s.duration_s = 1800;
    s.silent_from_s = 600;
    s.silent_to_s = 1000;
    cr_assert_gt(tb_write(cap_path, &s), 0);
    int rc;
    char *out = replay(&rc);
    cr_assert_eq(rc, 0);
    char *al = e2e_slurp(alerts_path, NULL);
    cr_assert_not_null(al);
    fprintf(stderr, "%s", al);
    /* In a replay the clock is packet time: the silence is only seen when packets resume. The
     * first packet after it (06:16:40) is evaluated with every role 401 s old, raising
     * at once; the same packets then clear it once every role is fresh again (5 s later). */
    cr_assert_eq(e2e_count_lines(al), 2, "%s", al);
    char b[64];
    cr_assert_str_eq(e2e_json_str(al, "id", b, sizeof b), "QK1/telemetry_stale/telemetry/1");
    cr_assert_str_eq(e2e_json_str(al, "state", b, sizeof b), "raised");
    char *l2 = strchr(al, '\n') + 1;
    cr_assert_str_eq(e2e_json_str(l2, "state", b, sizeof b), "cleared");
    free(al);
    free(out);
    rm_paths();
}

Test(monitor_e2e, decoder_to_monitor_over_tcp_matches_replay, .timeout = 120) {
    mk_paths();
    tb_scenario_t s;
    tb_default(&s);
    s.thrust_factor = 0.6;
    s.fault_s = 1200;
    cr_assert_gt(tb_write(cap_path, &s), 0);
    int rc;
    free(replay(&rc));
    cr_assert_eq(rc, 0);
    int port = e2e_free_port(SOCK_STREAM);
    cr_assert_gt(port, 0);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    /* The monitor publishes on ipc:// here; a SUB of ours takes its Alert and MonitorStats. */
    char pub[80];
    snprintf(pub, sizeof pub, "ipc:///tmp/vleo-mone2e-%d.ipc", (int)getpid());
    char *margv[] = {MON,
                     "--config",
                     YAML,
                     "--sub",
                     ep,
                     "--pub",
                     pub,
                     "--alerts",
                     alerts2_path,
                     "--exit-on-final",
                     "--packet-clock",
                     NULL};
    e2e_proc_t mon = {0}, dec = {0};
    cr_assert_eq(e2e_spawn(&mon, margv), 0);
    void *zctx = zmq_ctx_new();
    e2e_sleep_ms(200);
    void *sub = e2e_sub(zctx, pub, 5000);
    cr_assert_not_null(sub);
    e2e_sleep_ms(300); /* the subscription reaches the monitor before any alert */
    /* Periodic DecoderStats share the packets' message numbering: counted, not missing (a
     * monitor that skipped them saw each as one message lost on the bus). */
    char *dargv[] = {
        DEC,           "--pcap", cap_path,  "--mdb", XTCE,        "--spacecraft",     "QK1",
        "--time-code", "cuc",    "--pub",   ep,      "--no-drop", "--stats-interval", "0.01",
        "--speed",     "600",    "--quiet", NULL};
    cr_assert_eq(e2e_spawn(&dec, dargv), 0);
    cr_assert_eq(e2e_wait(&dec, 60000), 0);
    int mrc = e2e_wait(&mon, 30000);
    char *merr = e2e_slurp(mon.err_path, NULL);
    cr_assert_eq(mrc, 0, "vleo-monitor: %s", merr ? merr : "");
    /* Every packet the decoder sent was taken: none missing on the bus. */
    cr_assert(strstr(merr, " 0 missing on the bus") != NULL, "%s", merr);
    free(merr);
    char *a1 = e2e_slurp(alerts_path, NULL), *a2 = e2e_slurp(alerts2_path, NULL);
    cr_assert_not_null(a1);
    cr_assert_not_null(a2);
    cr_assert_eq(e2e_count_lines(a2), 3);
    cr_assert_str_eq(a1, a2, "the same capture gives the same alerts both ways");
    /* On the bus: the three events as vleo.v1.Alert on alert/QK1/<kind>, then the final
     * MonitorStats accounting for every packet. */
    static const struct {
        const char *topic, *id, *condition;
        Vleo__V1__AlertState state;
        Vleo__V1__Severity severity;
    } want[3] = {
        {"alert/QK1/power_overdraw", "QK1/power_overdraw/thruster/1", "thruster",
         VLEO__V1__ALERT_STATE__RAISED, VLEO__V1__SEVERITY__CRITICAL},
        {"alert/QK1/thrust_shortfall", "QK1/thrust_shortfall/command/2", "command",
         VLEO__V1__ALERT_STATE__RAISED, VLEO__V1__SEVERITY__WARNING},
        {"alert/QK1/thrust_shortfall", "QK1/thrust_shortfall/command/2", "command",
         VLEO__V1__ALERT_STATE__UPDATED, VLEO__V1__SEVERITY__WARNING},
    };
    int n_alerts = 0;
    bool final = false;
    uint64_t last_seq = 0;
    for (int k = 0; k < 1000 && !final; k++) {
        e2e_msg_t msg;
        if (e2e_recv2(sub, &msg) != 0)
            break;
        cr_assert_eq(msg.frames, 2);
        if (strncmp(msg.topic, "alert/", 6) == 0) {
            cr_assert_lt(n_alerts, 3);
            Vleo__V1__Alert *a = vleo__v1__alert__unpack(NULL, msg.len, msg.body);
            cr_assert_not_null(a);
            cr_assert_str_eq(msg.topic, want[n_alerts].topic);
            cr_assert_str_eq(a->id, want[n_alerts].id);
            cr_assert_str_eq(a->condition, want[n_alerts].condition);
            cr_assert_eq(a->state, want[n_alerts].state);
            cr_assert_eq(a->severity, want[n_alerts].severity);
            cr_assert_str_eq(a->spacecraft, "QK1");
            cr_assert(a->has_measured && a->has_expected && a->has_threshold);
            cr_assert_not_null(a->evidence);
            cr_assert_str_eq(a->evidence->model, "jacchia71");
            cr_assert_gt(a->message_seq, last_seq, "message_seq increases");
            last_seq = a->message_seq;
            vleo__v1__alert__free_unpacked(a, NULL);
            n_alerts++;
        } else if (strcmp(msg.topic, "stats/monitor") == 0) {
            Vleo__V1__MonitorStats *ms = vleo__v1__monitor_stats__unpack(NULL, msg.len, msg.body);
            cr_assert_not_null(ms);
            if (ms->final) {
                final = true;
                cr_assert_eq(ms->alerts_raised, 2);
                cr_assert_eq(ms->alerts_updated, 1);
                cr_assert_eq(ms->alerts_cleared, 0);
                uint64_t packets = 0, missing = 1;
                for (size_t i = 0; i < ms->n_counters; i++) {
                    if (strcmp(ms->counters[i]->name, "packets") == 0)
                        packets = ms->counters[i]->value;
                    if (strcmp(ms->counters[i]->name, "messages_missing") == 0)
                        missing = ms->counters[i]->value;
                }
                /* every Packet the decoder published, and its DecoderStats (periodic ones
                 * during the ~6 s replay, and the final one) */
                cr_assert_eq(packets, 5040);
                cr_assert_gt(ms->messages, 5041, "%llu", (unsigned long long)ms->messages);
                cr_assert_eq(missing, 0);
            }
            vleo__v1__monitor_stats__free_unpacked(ms, NULL);
        }
        e2e_msg_free(&msg);
    }
    cr_assert_eq(n_alerts, 3);
    cr_assert(final, "no final MonitorStats");
    zmq_close(sub);
    zmq_ctx_term(zctx);
    free(a1);
    free(a2);
    e2e_cleanup(&dec);
    e2e_cleanup(&mon);
    rm_paths();
}

Test(monitor_e2e, bad_configuration_exits_2_naming_file_line_key, .timeout = 60) {
    mk_paths();
    char yaml[64];
    snprintf(yaml, sizeof yaml, "/tmp/vleo-mone2e-%d.yaml", (int)getpid());
    FILE *fp = fopen(yaml, "w");
    cr_assert_not_null(fp);
    fputs("spacecraft:\n"
          "  - name: QK1\n"
          "    mass_kg: 65\n"
          "    drag_area_m2: 0.45\n"
          "    parameters:\n"
          "      altitude_km: /QK1/GNSS/NOT_THERE\n"
          "    limits: {min_altitude_km: 200}\n",
          fp);
    fclose(fp);
    tb_scenario_t s;
    tb_default(&s);
    s.duration_s = 10;
    cr_assert_gt(tb_write(cap_path, &s), 0);
    char *argv[] = {REPLAY, cap_path, "--mdb", XTCE, "--config", yaml, NULL};
    e2e_proc_t p = {0};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    cr_assert_eq(e2e_wait(&p, 30000), 2);
    char *err = e2e_slurp(p.err_path, NULL);
    char want[128];
    snprintf(want, sizeof want, "%s:6:", yaml);
    cr_assert(strstr(err, want) != NULL, "%s", err);
    cr_assert(strstr(err, "/QK1/GNSS/NOT_THERE") != NULL, "%s", err);
    free(err);
    e2e_cleanup(&p);
    char *margv[] = {MON, "--sub", "tcp://127.0.0.1:1", NULL};
    cr_assert_eq(e2e_spawn(&p, margv), 0);
    cr_assert_eq(e2e_wait(&p, 30000), 2, "--config is required");
    e2e_cleanup(&p);
    char *hargv[] = {MON, "--help", NULL};
    cr_assert_eq(e2e_spawn(&p, hargv), 0);
    cr_assert_eq(e2e_wait(&p, 30000), 0);
    e2e_cleanup(&p);
    unlink(yaml);
    rm_paths();
}

/* captures/README.md lists what each bundled capture must raise. */
Test(monitor_e2e, bundled_captures_give_their_listed_alerts, .timeout = 120) {
    mk_paths();
    static const struct {
        const char *capture;
        int lines;
        const char *want[3][3]; /* id, state, time */
    } cases[] = {
        {VLEO_SOURCE_DIR "/captures/sample-pass.pcap", 0, {{0}}},
        {VLEO_SOURCE_DIR "/captures/thruster-fault.pcap",
         3,
         {{"QK1/power_overdraw/thruster/1", "raised", "2026-11-24T06:22:50.000000000Z"},
          {"QK1/thrust_shortfall/command/2", "raised", "2026-11-24T06:24:10.000000000Z"},
          {"QK1/thrust_shortfall/command/2", "updated", "2026-11-24T06:34:10.000000000Z"}}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {REPLAY,        (char *)cases[i].capture,
                        "--mdb",       XTCE,
                        "--config",    YAML,
                        "--time-code", "cuc",
                        "--alerts",    alerts_path,
                        "--quiet",     NULL};
        e2e_proc_t p = {0};
        cr_assert_eq(e2e_spawn(&p, argv), 0);
        cr_assert_eq(e2e_wait(&p, 60000), 0, "%s", cases[i].capture);
        e2e_cleanup(&p);
        char *al = e2e_slurp(alerts_path, NULL);
        cr_assert_not_null(al);
        cr_assert_eq(e2e_count_lines(al), (size_t)cases[i].lines, "%s: %s", cases[i].capture, al);
        char *line = al;
        for (int k = 0; k < cases[i].lines; k++) {
            char b[64];
            cr_assert_str_eq(e2e_json_str(line, "id", b, sizeof b), cases[i].want[k][0]);
            cr_assert_str_eq(e2e_json_str(line, "state", b, sizeof b), cases[i].want[k][1]);
            cr_assert_str_eq(e2e_json_str(line, "time", b, sizeof b), cases[i].want[k][2]);
            line = strchr(line, '\n') + 1;
        }
        free(al);
    }
    rm_paths();
}

static bool wait_for_text(const char *path, const char *text, int timeout_ms) {
    int64_t until = e2e_mono_ms() + timeout_ms;
    while (e2e_mono_ms() < until) {
        char *s = e2e_slurp(path, NULL);
        bool found = s && strstr(s, text) != NULL;
        free(s);
        if (found)
            return true;
        e2e_sleep_ms(50);
    }
    return false;
}

/* The space-weather file is re-read on SIGHUP (and when it changes); a broken file keeps the
 * table read before. */
Test(monitor_e2e, space_weather_reloads_on_sighup_and_survives_a_broken_file, .timeout = 60) {
    mk_paths();
    char sw[64];
    snprintf(sw, sizeof sw, "/tmp/vleo-mone2e-%d.csv", (int)getpid());
    size_t len = 0;
    char *text = e2e_slurp(VLEO_SOURCE_DIR "/tests/data/spacewx/sample.csv", &len);
    cr_assert_not_null(text);
    FILE *fp = fopen(sw, "w");
    cr_assert_not_null(fp);
    fwrite(text, 1, len, fp);
    fclose(fp);
    int port = e2e_free_port(SOCK_STREAM);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    char *argv[] = {MON, "--config", YAML,   "--space-weather", sw,     "--sub",
                    ep,  "--pub",    "none", "--alerts",        "none", NULL};
    e2e_proc_t p = {0};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    e2e_sleep_ms(300);
    /* The same rows with one more line appended: a valid, changed file. */
    fp = fopen(sw, "a");
    cr_assert_not_null(fp);
    fputs("2099-01-01,2272,7,53,47,40,33,43,30,43,37,327,56,39,27,18,32,15,32,22,30,1.3,6,71,"
          "129.9,125.6,OBS,166.2,179.0,161.1,175.0\n",
          fp);
    fclose(fp);
    e2e_signal(&p, SIGHUP);
    cr_assert(wait_for_text(p.err_path, "re-read", 5000), "no reload reported");
    /* Broken: the old table stays, and the monitor says so. */
    fp = fopen(sw, "w");
    cr_assert_not_null(fp);
    fputs("not,a,space,weather,file\n", fp);
    fclose(fp);
    e2e_signal(&p, SIGHUP);
    cr_assert(wait_for_text(p.err_path, "keeping the table read before", 5000));
    e2e_signal(&p, SIGTERM);
    cr_assert_eq(e2e_wait(&p, 10000), 0);
    e2e_cleanup(&p);
    free(text);
    unlink(sw);
    rm_paths();
}

/* Bulk replay: the decoder's PacketBatch messages (--batch) give the monitor the same alerts. */
Test(monitor_e2e, batches_give_the_same_alerts, .timeout = 120) {
    mk_paths();
    tb_scenario_t s;
    tb_default(&s);
    s.thrust_factor = 0.6;
    s.fault_s = 1200;
    cr_assert_gt(tb_write(cap_path, &s), 0);
    int rc;
    free(replay(&rc));
    cr_assert_eq(rc, 0);
    char ep[80];
    snprintf(ep, sizeof ep, "ipc:///tmp/vleo-mone2e-%d-tm.ipc", (int)getpid());
    char *margv[] = {MON,
                     "--config",
                     YAML,
                     "--sub",
                     ep,
                     "--pub",
                     "none",
                     "--alerts",
                     alerts2_path,
                     "--exit-on-final",
                     "--packet-clock",
                     "--quiet",
                     NULL};
    e2e_proc_t mon = {0}, dec = {0};
    cr_assert_eq(e2e_spawn(&mon, margv), 0);
    char *dargv[] = {DEC,       "--pcap",      cap_path,  "--mdb", XTCE, "--spacecraft",
                     "QK1",     "--time-code", "cuc",     "--pub", ep,   "--no-drop",
                     "--batch", "50",          "--quiet", NULL};
    cr_assert_eq(e2e_spawn(&dec, dargv), 0);
    cr_assert_eq(e2e_wait(&dec, 60000), 0);
    cr_assert_eq(e2e_wait(&mon, 30000), 0);
    char *a1 = e2e_slurp(alerts_path, NULL), *a2 = e2e_slurp(alerts2_path, NULL);
    cr_assert_not_null(a1);
    cr_assert_not_null(a2);
    cr_assert_eq(e2e_count_lines(a2), 3);
    cr_assert_str_eq(a1, a2);
    free(a1);
    free(a2);
    e2e_cleanup(&dec);
    e2e_cleanup(&mon);
    rm_paths();
}
