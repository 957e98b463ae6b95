/* monsynth.c (tests only): see monsynth.h. */
#include "monsynth.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mon/atmos.h"
#include "mon/geo.h"

void ms_base_config(mon_config_t *cfg, mon_sc_cfg_t *sc, const char *name, const char *prefix) {
    memset(cfg, 0, sizeof *cfg);
    memset(sc, 0, sizeof *sc);
    cfg->atmosphere.model = MON_ATMOS_JACCHIA71;
    cfg->atmosphere.f107 = 150;
    cfg->atmosphere.f107a = 150;
    cfg->atmosphere.kp = 3;
    cfg->atmosphere.kp_lag_h = 6.7;
    cfg->atmosphere.hp_exponent = 4;
    mon_checks_cfg_default(&cfg->checks);
    snprintf(sc->name, sizeof sc->name, "%s", name);
    sc->mass_kg = 65;
    sc->drag_area_m2 = 0.45;
    sc->drag_coefficient = 2.2;
    sc->inclination_deg = 97.4;
    sc->max_thrust_mn = 20;
    sc->thrust_to_power_mn_per_kw = 55;
    sc->max_load_w = 300;
    sc->battery_capacity_wh = 200;
    sc->max_discharge_w = 150;
    sc->min_soc_pct = 30;
    sc->min_altitude_km = 200;
    sc->horizon_h = 24;
    sc->stale_after_s = 120;
    sc->checks = cfg->checks;
    static const struct {
        mon_role_t r;
        const char *n;
    } roles[] = {
        {MON_ROLE_ALTITUDE_KM, "ALT"},         {MON_ROLE_THRUST_MN, "THRUST"},
        {MON_ROLE_THRUST_CMD_MN, "CMD"},       {MON_ROLE_THRUSTER_ON, "ON"},
        {MON_ROLE_THRUSTER_POWER_W, "TPOWER"}, {MON_ROLE_SOLAR_POWER_W, "SOLAR"},
        {MON_ROLE_LOAD_POWER_W, "LOAD"},       {MON_ROLE_BATTERY_SOC_PCT, "SOC"},
    };
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        snprintf(sc->param[roles[i].r], MON_PARAM_MAX, "%s/%s", prefix, roles[i].n);
    cfg->spacecraft = sc;
    cfg->n_spacecraft = 1;
}

double ms_gauss(uint64_t *state) {
    double u[2];
    for (int i = 0; i < 2; i++) {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        u[i] = ((double)((*state * 2685821657736338717ull) >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(2.0 * MON_PI * u[1]);
}

double ms_model_drag_mn(const mon_sc_cfg_t *sc, double alt_km, int64_t utc_unix_ns) {
    double rho = 0;
    for (int i = 0; i < 4; i++) {
        mon_atmos_in_t in = {.alt_km = alt_km,
                             .lon_deg = 90.0 * i,
                             .utc_unix_ns = utc_unix_ns,
                             .f107 = 150,
                             .f107a = 150,
                             .kp = 3,
                             .hp_exponent = 4};
        mon_atmos_out_t out;
        if (mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out) != MON_ATMOS_OK)
            return NAN;
        rho += out.density_kg_m3 / 4;
    }
    double r = (MON_WGS84_A_KM + alt_km) * 1e3;
    double v = sqrt(MON_MU_M3_S2 / r) - MON_EARTH_OMEGA * r * cos(sc->inclination_deg * MON_DEG);
    return 0.5 * rho * v * v * sc->drag_coefficient * sc->drag_area_m2 * 1e3;
}
