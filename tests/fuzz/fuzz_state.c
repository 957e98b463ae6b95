/* fuzz_state.c: libFuzzer target for the monitor's state snapshot loader (monitor/src/state.c,
 * --state FILE). The input is a snapshot's payload: the target puts a valid header in front
 * of it (magic, version, this configuration's identity, the payload's length and CRC-32), so
 * the fuzzer reaches the payload parser instead of stopping at the CRC. Loading must end in a
 * status and a message, never a crash, a leak or an out-of-range write into the monitor; a
 * monitor that loaded must then run its checks on more samples. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon/config.h"
#include "mon/feed.h"
#include "mon/monitor.h"
#include "mon/state.h"

static const char CONFIG[] = "atmosphere: {model: jacchia71, f107: 150, f107a: 150, kp: 3}\n"
                             "spacecraft:\n"
                             "  - name: QK1\n"
                             "    mass_kg: 65\n"
                             "    drag_area_m2: 0.45\n"
                             "    inclination_deg: 97\n"
                             "    parameters:\n"
                             "      altitude_km: /QK1/ALT\n"
                             "      thrust_mn: /QK1/T\n"
                             "      thrust_command_mn: /QK1/C\n"
                             "      thruster_on: /QK1/ON\n"
                             "      thruster_power_w: /QK1/P\n"
                             "      solar_power_w: /QK1/S\n"
                             "      load_power_w: /QK1/L\n"
                             "      battery_soc_pct: /QK1/B\n"
                             "    thruster: {max_thrust_mn: 20, thrust_to_power_mn_per_kw: 55}\n"
                             "    power: {max_load_w: 300, battery_capacity_wh: 200,\n"
                             "            max_discharge_w: 100, min_soc_pct: 30}\n"
                             "    limits: {min_altitude_km: 200, horizon_h: 24,\n"
                             "             stale_after_s: 120}\n";

static uint32_t crc32_ieee(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

static void le(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void on_event(void *ctx, const mon_event_t *e) {
    (void)ctx;
    (void)e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static mon_config_t cfg;
    static uint64_t id;
    static char path[64];
    static int ready;
    char err[1024];
    if (!ready) {
        if (mon_config_parse(CONFIG, sizeof CONFIG - 1, "fuzz.yaml", &cfg, err, sizeof err) != 0) {
            fprintf(stderr, "fuzz_state: %s\n", err);
            abort();
        }
        id = mon_state_config_id(CONFIG, sizeof CONFIG - 1, &cfg);
        snprintf(path, sizeof path, "/tmp/vleo-fuzz-state-%d.snap", (int)getpid());
        ready = 1;
    }
    uint8_t h[MON_STATE_HEADER_LEN];
    memcpy(h, "VLEOSNAP", 8);
    le(h + 8, MON_STATE_VERSION, 4);
    le(h + 12, MON_STATE_HEADER_LEN, 4);
    le(h + 16, id, 8);
    le(h + 24, 1, 8);
    le(h + 32, size, 8);
    le(h + 40, crc32_ieee(data, size), 4);
    le(h + 44, crc32_ieee(h, 44), 4);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        abort();
    if (fwrite(h, 1, sizeof h, fp) != sizeof h || (size && fwrite(data, 1, size, fp) != size))
        abort();
    fclose(fp);

    mon_monitor_t *m = mon_monitor_new(&cfg, NULL, NULL, on_event, NULL, err, sizeof err);
    mon_feed_t *f = m ? mon_feed_new(m, 1 << 16) : NULL;
    mon_state_t *st = mon_state_new(path, id, 60.0, err, sizeof err);
    if (!m || !f || !st)
        abort();
    mon_state_status_t rc = mon_state_load(st, m, f, err, sizeof err);
    if (rc != MON_STATE_OK && err[0] == '\0')
        abort(); /* every refusal says why */
    if (rc == MON_STATE_OK) {
        /* a loaded monitor goes on: a minute of samples through every role */
        int64_t t = mon_monitor_now(m);
        if (t <= 0 || t > INT64_MAX / 2)
            t = 1700000000000000000LL;
        for (int i = 1; i <= 60; i++) {
            int64_t ti = t + (int64_t)i * 1000000000LL;
            for (int r = 0; r < MON_ROLE_COUNT; r++)
                mon_monitor_sample(m, 0, (mon_role_t)r, ti,
                                   r == MON_ROLE_ALTITUDE_KM ? 250.0 : 1.0);
            mon_monitor_packet_end(m, 0, ti);
            mon_monitor_tick(m, ti);
        }
    }
    mon_state_destroy(&st);
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);
    unlink(path);
    char journal[80];
    snprintf(journal, sizeof journal, "%s.journal", path);
    unlink(journal);
    return 0;
}
