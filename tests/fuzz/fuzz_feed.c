/* fuzz_feed.c: libFuzzer target for the monitor's input side (monitor/src/feed.c) and the
 * core behind it: a sequence of [topic, protobuf] messages, each unpacked into the arena,
 * routed by role and run through the checks. Input: repeated {u8 topic selector, u16 length
 * (big-endian), body}. Any input ends in counted outcomes, never a crash or a leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon/config.h"
#include "mon/feed.h"
#include "mon/monitor.h"
#include "mon/report.h"

static void on_event(void *ctx, const mon_event_t *e) {
    static char line[16384];
    static uint8_t pb[16384];
    (void)ctx;
    /* Every event must render in both published forms. */
    if (mon_event_json(e, line, sizeof line) == 0 || mon_event_pack(e, 1, 1, pb, sizeof pb) == 0)
        abort();
}

static void config(mon_config_t *cfg, mon_sc_cfg_t *sc) {
    memset(cfg, 0, sizeof *cfg);
    memset(sc, 0, sizeof *sc);
    cfg->atmosphere.model = MON_ATMOS_JACCHIA71;
    cfg->atmosphere.f107 = cfg->atmosphere.f107a = 150;
    cfg->atmosphere.kp = 3;
    cfg->atmosphere.kp_lag_h = 6.7;
    cfg->atmosphere.hp_exponent = 4;
    mon_checks_cfg_default(&cfg->checks);
    cfg->checks.min_duration_s = 0; /* events after few messages */
    cfg->checks.eval_interval_s = 1;
    snprintf(sc->name, sizeof sc->name, "QK1");
    sc->mass_kg = 65;
    sc->drag_area_m2 = 0.45;
    sc->drag_coefficient = 2.2;
    sc->inclination_deg = 97;
    sc->max_thrust_mn = 20;
    sc->thrust_to_power_mn_per_kw = 55;
    sc->max_load_w = 300;
    sc->battery_capacity_wh = 200;
    sc->max_discharge_w = 100;
    sc->min_soc_pct = 30;
    sc->min_altitude_km = 200;
    sc->horizon_h = 24;
    sc->stale_after_s = 120;
    sc->checks = cfg->checks;
    static const char *const names[MON_ROLE_COUNT] = {
        [MON_ROLE_POS_X_M] = "/QK1/X",        [MON_ROLE_POS_Y_M] = "/QK1/Y",
        [MON_ROLE_POS_Z_M] = "/QK1/Z",        [MON_ROLE_VEL_X_M_S] = "/QK1/VX",
        [MON_ROLE_VEL_Y_M_S] = "/QK1/VY",     [MON_ROLE_VEL_Z_M_S] = "/QK1/VZ",
        [MON_ROLE_THRUST_MN] = "/QK1/T",      [MON_ROLE_THRUST_CMD_MN] = "/QK1/C",
        [MON_ROLE_THRUSTER_ON] = "/QK1/ON",   [MON_ROLE_THRUSTER_POWER_W] = "/QK1/P",
        [MON_ROLE_SOLAR_POWER_W] = "/QK1/S",  [MON_ROLE_LOAD_POWER_W] = "/QK1/L",
        [MON_ROLE_BATTERY_SOC_PCT] = "/QK1/B"};
    for (int r = 0; r < MON_ROLE_COUNT; r++)
        if (names[r])
            snprintf(sc->param[r], MON_PARAM_MAX, "%s", names[r]);
    cfg->spacecraft = sc;
    cfg->n_spacecraft = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const topics[4] = {"tm/QK1/NAV", "tmb/QK1", "stats/decoder/x", "junk"};
    mon_config_t cfg;
    mon_sc_cfg_t sc;
    config(&cfg, &sc);
    char err[256];
    mon_monitor_t *m = mon_monitor_new(&cfg, NULL, NULL, on_event, NULL, err, sizeof err);
    mon_feed_t *f = m ? mon_feed_new(m, 1u << 20) : NULL;
    if (!f)
        abort();
    size_t off = 0;
    for (int k = 0; k < 256 && size - off >= 3; k++) {
        const char *topic = topics[data[off] & 3];
        size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (len > size - off)
            len = size - off;
        mon_feed_message(f, topic, strlen(topic), data + off, len);
        mon_monitor_tick(m, mon_monitor_now(m));
        off += len;
    }
    const mon_feed_stats_t *st = mon_feed_stats(f);
    uint64_t sum = 0;
    for (int i = 0; i < MON_FEED_STATUS_COUNT; i++)
        sum += st->by_status[i];
    if (sum != st->messages)
        abort(); /* every message accounted for */
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);
    return 0;
}
