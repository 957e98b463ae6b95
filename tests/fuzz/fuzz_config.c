/* fuzz_config.c: libFuzzer target for the monitor's YAML configuration (monitor/src/config.c,
 * DESIGN section 7): any input either parses into a configuration that keeps the loader's rules
 * or fails with one "fuzz.yaml:LINE: ..." message and an empty configuration; no leaks, no
 * over-reads. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon/config.h"

static bool accept_all(void *ctx, const char *qname) {
    (void)ctx;
    return qname[0] == '/';
}

static bool reject_all(void *ctx, const char *qname) {
    (void)ctx;
    (void)qname;
    return false;
}

static bool terminated(const char *s, size_t cap) {
    return memchr(s, '\0', cap) != NULL;
}

/* What every accepted configuration guarantees to the monitor. */
static void check_sc(const mon_sc_cfg_t *s) {
    if (!terminated(s->name, sizeof s->name) || s->name[0] == '\0' || s->line < 1 ||
        !(s->mass_kg > 0) || !(s->drag_area_m2 > 0) || !(s->drag_coefficient > 0) ||
        !(s->min_altitude_km >= 100 && s->min_altitude_km <= 2000) || !(s->horizon_h > 0) ||
        !(s->stale_after_s > 0)) {
        abort();
    }
    bool alt = s->param[MON_ROLE_ALTITUDE_KM][0] != '\0';
    bool pos = s->param[MON_ROLE_POS_X_M][0] != '\0';
    if (alt == pos) {
        abort(); /* exactly one altitude source */
    }
    for (int r = 0; r < MON_ROLE_COUNT; r++) {
        const char *p = s->param[r];
        if (!terminated(p, MON_PARAM_MAX) || (p[0] != '\0' && p[0] != '/') ||
            ((p[0] != '\0') != (s->param_line[r] > 0))) {
            abort();
        }
    }
    if (s->param[MON_ROLE_THRUST_MN][0] != '\0' &&
        (!isfinite(s->max_thrust_mn) || !isfinite(s->thrust_to_power_mn_per_kw))) {
        abort();
    }
    if (s->param[MON_ROLE_SOLAR_POWER_W][0] != '\0' && !isfinite(s->max_discharge_w)) {
        abort();
    }
    const mon_checks_cfg_t *c = &s->checks;
    if (c->alt_clear_band_pct > c->alt_band_pct ||
        c->thrust_clear_margin_pct > c->thrust_margin_pct ||
        c->thrust_cmd_clear_pct > c->thrust_cmd_margin_pct ||
        c->power_clear_margin_pct > c->power_margin_pct || !(c->eval_interval_s > 0)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mon_config_t cfg;
    char err[512];
    err[0] = '\0';
    int rc = mon_config_parse((const char *)data, size, "fuzz.yaml", &cfg, err, sizeof err);
    if (rc != 0) {
        if (strncmp(err, "fuzz.yaml:", 10) != 0 || cfg.spacecraft != NULL ||
            cfg.n_spacecraft != 0) {
            fprintf(stderr, "bad failure: %s\n", err);
            abort();
        }
        mon_config_free(&cfg);
        return 0;
    }
    if (cfg.n_spacecraft < 1 || cfg.n_spacecraft > MON_MAX_SPACECRAFT || cfg.spacecraft == NULL ||
        cfg.atmosphere.hp_exponent < 2 || cfg.atmosphere.hp_exponent > 6 ||
        !terminated(cfg.atmosphere.space_weather, MON_PATH_MAX)) {
        abort();
    }
    for (size_t i = 0; i < cfg.n_spacecraft; i++) {
        check_sc(&cfg.spacecraft[i]);
        for (size_t j = 0; j < i && cfg.n_spacecraft <= 256; j++) {
            if (strcmp(cfg.spacecraft[i].name, cfg.spacecraft[j].name) == 0) {
                abort(); /* names are unique */
            }
        }
    }
    if (mon_config_check_params(&cfg, accept_all, NULL, err, sizeof err) != 0) {
        abort();
    }
    if (mon_config_check_params(&cfg, reject_all, NULL, err, sizeof err) != -1 ||
        strncmp(err, "fuzz.yaml:", 10) != 0) {
        abort(); /* every spacecraft has at least its altitude source */
    }
    mon_config_free(&cfg);
    mon_config_free(&cfg);
    return 0;
}
