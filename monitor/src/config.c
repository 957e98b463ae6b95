/* config.c: the monitor's YAML configuration (DESIGN section 7, mon/config.h): the document is
 * read by vleo/yamldoc.h (bounded tree, no anchors, aliases or tags), then a schema walk fills
 * and checks mon_config_t, each error as "FILE:LINE: KEY.PATH: what". */
#include "mon/config.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vleo/yamldoc.h"

#define NONE VLEO_YDOC_NONE

/* What a configuration file may be: 4 MiB of YAML, nesting 16 deep; hex numbers (0x14) pass. */
static const vleo_ydoc_opts_t CFG_YAML = {
    .max_text = (size_t)4 << 20,
    .max_depth = 16,
    .max_nodes = (uint32_t)1 << 22,
    .max_str = (size_t)64 << 20, /* all scalar text (bounded by the input anyway) */
    .decimal_numbers = false,
    .one_doc = "the file must hold only one",
};

/* snprintf that may cut (paths in messages are bounded and informative only). */
__attribute__((format(printf, 3, 4))) static void put(char *out, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}

/* A mapping of numbers only (vleo_ydoc_nums): each given one is stored at base + off and its
 * key's line at lines[off / sizeof(double)] (when lines is not NULL). */
static int walk_nums(vleo_ydoc_t *d, uint32_t map, const char *path, const vleo_ydoc_num_t *specs,
                     size_t n, void *base, uint32_t *lines) {
    uint32_t kline[VLEO_YDOC_NUMS_MAX];
    if (vleo_ydoc_nums(d, map, path, specs, n, base, NULL, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < n && lines != NULL; k++) {
        if (kline[k] != 0) {
            lines[specs[k].off / sizeof(double)] = kline[k];
        }
    }
    return 0;
}

/* ---- checks ---- */

#define CK(k, f, lo, hi, open)                                                                     \
    { k, offsetof(mon_checks_cfg_t, f), lo, hi, (open) ? VLEO_YDOC_NUM_LO_OPEN : 0u }
static const vleo_ydoc_num_t CHK_ALT[] = {
    CK("window_orbits", alt_window_orbits, 1, 100, false),
    CK("band_pct", alt_band_pct, 0, 100, false),
    CK("band_per_kp_pct", alt_band_per_kp_pct, 0, 100, false),
    CK("clear_band_pct", alt_clear_band_pct, 0, 100, false),
    CK("sigma_k", alt_sigma_k, 0, 100, true),
    CK("min_decay_km_day", alt_min_decay_km_day, 0, 100, false),
    CK("critical_factor", alt_critical_factor, 1, 100, false),
};
static const vleo_ydoc_num_t CHK_THRUST[] = {
    CK("margin_pct", thrust_margin_pct, 0, 100, false),
    CK("clear_margin_pct", thrust_clear_margin_pct, 0, 100, false),
    CK("command_margin_pct", thrust_cmd_margin_pct, 0, 100, false),
    CK("command_clear_pct", thrust_cmd_clear_pct, 0, 100, false),
    CK("critical_pct", thrust_critical_pct, 0, 100, false),
    CK("average_s", thrust_average_s, 0, 86400, true),
};
static const vleo_ydoc_num_t CHK_POWER[] = {
    CK("margin_pct", power_margin_pct, 0, 100, false),
    CK("clear_margin_pct", power_clear_margin_pct, 0, 100, false),
    CK("soc_window_orbits", soc_window_orbits, 1, 100, false),
    CK("average_s", power_average_s, 0, 86400, true),
};
static const vleo_ydoc_num_t CHK_ALERTS[] = {
    CK("min_duration_s", min_duration_s, 0, 86400, false),
    CK("update_interval_s", update_interval_s, 0, 86400, false),
    CK("update_change_pct", update_change_pct, 0, 100, false),
    CK("eval_interval_s", eval_interval_s, 0, 3600, true),
};
#undef CK
#define NUMS(a) a, sizeof a / sizeof a[0]

#define CHK_NLINES (sizeof(mon_checks_cfg_t) / sizeof(double) + 1)

/* Clear levels must not lie beyond raise levels (hysteresis). */
static const struct {
    size_t clear, raise;
    const char *clear_key, *raise_key;
} HYST[] = {
    {offsetof(mon_checks_cfg_t, alt_clear_band_pct), offsetof(mon_checks_cfg_t, alt_band_pct),
     "altitude.clear_band_pct", "altitude.band_pct"},
    {offsetof(mon_checks_cfg_t, thrust_clear_margin_pct),
     offsetof(mon_checks_cfg_t, thrust_margin_pct), "thrust.clear_margin_pct", "thrust.margin_pct"},
    {offsetof(mon_checks_cfg_t, thrust_cmd_clear_pct),
     offsetof(mon_checks_cfg_t, thrust_cmd_margin_pct), "thrust.command_clear_pct",
     "thrust.command_margin_pct"},
    {offsetof(mon_checks_cfg_t, power_clear_margin_pct),
     offsetof(mon_checks_cfg_t, power_margin_pct), "power.clear_margin_pct", "power.margin_pct"},
};

/* Parse a `checks:` mapping over *ck (which holds the defaults or inherited
 * values). */
static int parse_checks(vleo_ydoc_t *d, uint32_t map, const char *path, mon_checks_cfg_t *ck) {
    static const char *const keys[] = {"altitude", "thrust", "power", "alerts"};
    static const struct {
        const vleo_ydoc_num_t *s;
        size_t n;
    } secs[] = {{NUMS(CHK_ALT)}, {NUMS(CHK_THRUST)}, {NUMS(CHK_POWER)}, {NUMS(CHK_ALERTS)}};
    uint32_t val[4], kline[4];
    uint32_t lines[CHK_NLINES] = {0};
    if (vleo_ydoc_map(d, map, path, keys, 4, val, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < 4; k++) {
        char kp[256];
        vleo_ydoc_join(kp, sizeof kp, path, keys[k]);
        if (val[k] != NONE && walk_nums(d, val[k], kp, secs[k].s, secs[k].n, ck, lines) != 0) {
            return -1;
        }
    }
    for (size_t h = 0; h < sizeof HYST / sizeof HYST[0]; h++) {
        double clear, raise;
        memcpy(&clear, (const char *)ck + HYST[h].clear, sizeof clear);
        memcpy(&raise, (const char *)ck + HYST[h].raise, sizeof raise);
        if (clear <= raise) {
            continue;
        }
        /* name whichever of the two this mapping set (values only inherited were
         * checked where they were set) */
        char kp[256];
        uint32_t lc = lines[HYST[h].clear / sizeof(double)];
        uint32_t lr = lines[HYST[h].raise / sizeof(double)];
        if (lc != 0) {
            vleo_ydoc_join(kp, sizeof kp, path, HYST[h].clear_key);
            return vleo_ydoc_fail(d, lc, kp, "must not exceed %s (%.10g), got %.10g",
                                  HYST[h].raise_key, raise, clear);
        }
        if (lr != 0) {
            vleo_ydoc_join(kp, sizeof kp, path, HYST[h].raise_key);
            return vleo_ydoc_fail(d, lr, kp, "must not be below %s (%.10g), got %.10g",
                                  HYST[h].clear_key, clear, raise);
        }
    }
    return 0;
}

void mon_checks_cfg_default(mon_checks_cfg_t *c) {
    memset(c, 0, sizeof *c);
    c->alt_window_orbits = 2;
    c->alt_band_pct = 30;
    c->alt_band_per_kp_pct = 10;
    c->alt_clear_band_pct = 20;
    c->alt_sigma_k = 3;
    c->alt_min_decay_km_day = 0.05;
    c->alt_critical_factor = 2;
    c->thrust_margin_pct = 15;
    c->thrust_clear_margin_pct = 7;
    c->thrust_cmd_margin_pct = 10;
    c->thrust_cmd_clear_pct = 5;
    c->thrust_critical_pct = 50;
    c->thrust_average_s = 600;
    c->power_margin_pct = 15;
    c->power_clear_margin_pct = 7;
    c->soc_window_orbits = 3;
    c->power_average_s = 120;
    c->min_duration_s = 120;
    c->update_interval_s = 600;
    c->update_change_pct = 10;
    c->eval_interval_s = 10;
}

/* ---- atmosphere ---- */

/* atmosphere: a relative space_weather path is taken from `dir` when not NULL. */
static int parse_atmosphere(vleo_ydoc_t *d, uint32_t map, const char *dir, mon_atmos_cfg_t *a) {
    enum { A_MODEL, A_SW, A_F107, A_F107A, A_KP, A_KPLAG, A_MEAN, A_HP, A_N };
    static const char *const keys[A_N] = {"model", "space_weather", "f107",       "f107a",
                                          "kp",    "kp_lag_h",      "f107a_mean", "hp_exponent"};
    static const vleo_ydoc_num_t nums[A_N] = {
        [A_F107] = {"f107", offsetof(mon_atmos_cfg_t, f107), 0, 1000, VLEO_YDOC_NUM_LO_OPEN},
        [A_F107A] = {"f107a", offsetof(mon_atmos_cfg_t, f107a), 0, 1000, VLEO_YDOC_NUM_LO_OPEN},
        [A_KP] = {"kp", offsetof(mon_atmos_cfg_t, kp), 0, 9, 0},
        [A_KPLAG] = {"kp_lag_h", offsetof(mon_atmos_cfg_t, kp_lag_h), 0, 72, 0},
        [A_HP] = {"hp_exponent", 0, 2, 6, VLEO_YDOC_NUM_WHOLE},
    };
    static const char *const MEANS[] = {"centred", "trailing"};
    uint32_t val[A_N], kline[A_N];
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    if (vleo_ydoc_map(d, map, "atmosphere", keys, A_N, val, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < A_N; k++) {
        if (val[k] == NONE) {
            continue;
        }
        char kp[64];
        vleo_ydoc_join(kp, sizeof kp, "atmosphere", keys[k]);
        uint32_t line = vleo_ydoc_line(d, val[k]);
        char s[MON_PATH_MAX];
        double x;
        size_t mean;
        switch (k) {
        case A_MODEL:
            if (vleo_ydoc_string(d, val[k], kp, 0, s, 64) != 0) {
                return -1;
            }
            if (mon_atmos_model_parse(s, &a->model) != 0) {
                return vleo_ydoc_fail(d, line, kp,
                                      "unknown model %s (exponential, harris-priester, jacchia71)",
                                      vleo_ydoc_describe(d, val[k], buf, sizeof buf));
            }
            break;
        case A_SW:
            if (vleo_ydoc_string(d, val[k], kp, 0, s, sizeof s) != 0) {
                return -1;
            }
            if (s[0] == '\0') {
                return vleo_ydoc_fail(d, line, kp, "expected a file name, got an empty value");
            }
            if (s[0] != '/' && dir != NULL) {
                int w = snprintf(a->space_weather, sizeof a->space_weather, "%s/%s", dir, s);
                if (w < 0 || (size_t)w >= sizeof a->space_weather) {
                    return vleo_ydoc_fail(d, line, kp, "path longer than %d characters",
                                          MON_PATH_MAX - 1);
                }
            } else {
                memcpy(a->space_weather, s, strlen(s) + 1);
            }
            break;
        case A_MEAN:
            if (vleo_ydoc_string(d, val[k], kp, 0, s, 64) != 0) {
                return -1;
            }
            if (vleo_ydoc_choice(d, val[k], kp, MEANS, 2, &mean) != 0) {
                return -1;
            }
            a->f107a_trailing = mean == 1;
            break;
        case A_HP:
            if (vleo_ydoc_number(d, val[k], kp, nums[k].lo, nums[k].hi, nums[k].flags, &x) != 0) {
                return -1;
            }
            a->hp_exponent = (int)x;
            break;
        default:
            if (vleo_ydoc_number(d, val[k], kp, nums[k].lo, nums[k].hi, nums[k].flags, &x) != 0) {
                return -1;
            }
            memcpy((char *)a + nums[k].off, &x, sizeof x);
            break;
        }
    }
    return 0;
}

/* ---- spacecraft ---- */

static const char *const ROLE_NAMES[MON_ROLE_COUNT] = {
    [MON_ROLE_ALTITUDE_KM] = "altitude_km",
    [MON_ROLE_POS_X_M] = "position_ecef_m[0]",
    [MON_ROLE_POS_Y_M] = "position_ecef_m[1]",
    [MON_ROLE_POS_Z_M] = "position_ecef_m[2]",
    [MON_ROLE_VEL_X_M_S] = "velocity_ecef_m_s[0]",
    [MON_ROLE_VEL_Y_M_S] = "velocity_ecef_m_s[1]",
    [MON_ROLE_VEL_Z_M_S] = "velocity_ecef_m_s[2]",
    [MON_ROLE_LATITUDE_DEG] = "latitude_deg",
    [MON_ROLE_LONGITUDE_DEG] = "longitude_deg",
    [MON_ROLE_THRUST_MN] = "thrust_mn",
    [MON_ROLE_THRUST_CMD_MN] = "thrust_command_mn",
    [MON_ROLE_THRUSTER_ON] = "thruster_on",
    [MON_ROLE_THRUSTER_POWER_W] = "thruster_power_w",
    [MON_ROLE_SOLAR_POWER_W] = "solar_power_w",
    [MON_ROLE_LOAD_POWER_W] = "load_power_w",
    [MON_ROLE_BATTERY_SOC_PCT] = "battery_soc_pct",
};

const char *mon_role_name(mon_role_t role) {
    if ((unsigned)role >= MON_ROLE_COUNT) {
        return "unknown";
    }
    return ROLE_NAMES[role];
}

/* Keys under `parameters:`: each one role, or a list of three (ECEF vectors).
 */
enum {
    P_ALT,
    P_POS,
    P_VEL,
    P_LAT,
    P_LON,
    P_THRUST,
    P_CMD,
    P_ON,
    P_TPOW,
    P_SOLAR,
    P_LOAD,
    P_SOC,
    P_N
};
static const char *const PARAM_KEYS[P_N] = {
    "altitude_km",      "position_ecef_m", "velocity_ecef_m_s", "latitude_deg",
    "longitude_deg",    "thrust_mn",       "thrust_command_mn", "thruster_on",
    "thruster_power_w", "solar_power_w",   "load_power_w",      "battery_soc_pct"};
static const mon_role_t PARAM_ROLE[P_N] = {
    MON_ROLE_ALTITUDE_KM,   MON_ROLE_POS_X_M,       MON_ROLE_VEL_X_M_S,
    MON_ROLE_LATITUDE_DEG,  MON_ROLE_LONGITUDE_DEG, MON_ROLE_THRUST_MN,
    MON_ROLE_THRUST_CMD_MN, MON_ROLE_THRUSTER_ON,   MON_ROLE_THRUSTER_POWER_W,
    MON_ROLE_SOLAR_POWER_W, MON_ROLE_LOAD_POWER_W,  MON_ROLE_BATTERY_SOC_PCT};

static int get_param(vleo_ydoc_t *d, uint32_t v, const char *path, mon_sc_cfg_t *sc,
                     mon_role_t role) {
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    size_t len;
    const char *s = vleo_ydoc_text(d, v, &len);
    uint32_t line = vleo_ydoc_line(d, v);
    if (vleo_ydoc_kind(d, v) != VLEO_YDOC_SCALAR || len == 0 || s[0] != '/') {
        return vleo_ydoc_fail(d, line, path,
                              "expected a qualified parameter name (/SYSTEM/NAME), got %s",
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] == 0x7f) {
            return vleo_ydoc_fail(d, line, path,
                                  "a parameter name has no spaces or control characters");
        }
    }
    if (vleo_ydoc_string(d, v, path, 0, sc->param[role], MON_PARAM_MAX) != 0) {
        return -1;
    }
    sc->param_line[role] = line;
    return 0;
}

static int parse_params(vleo_ydoc_t *d, uint32_t map, const char *path, mon_sc_cfg_t *sc,
                        uint32_t *kline) {
    uint32_t val[P_N];
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    if (vleo_ydoc_map(d, map, path, PARAM_KEYS, P_N, val, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < P_N; k++) {
        if (val[k] == NONE) {
            continue;
        }
        char kp[256];
        vleo_ydoc_join(kp, sizeof kp, path, PARAM_KEYS[k]);
        if (k != P_POS && k != P_VEL) {
            if (get_param(d, val[k], kp, sc, PARAM_ROLE[k]) != 0) {
                return -1;
            }
            continue;
        }
        uint32_t line = vleo_ydoc_line(d, val[k]);
        uint32_t count = vleo_ydoc_count(d, val[k]);
        bool seq = vleo_ydoc_kind(d, val[k]) == VLEO_YDOC_SEQ;
        if (!seq || count != 3) {
            if (seq) {
                return vleo_ydoc_fail(d, line, kp, "expected a list of 3 names [X, Y, Z], got %u",
                                      count);
            }
            return vleo_ydoc_fail(d, line, kp, "expected a list of 3 names [X, Y, Z], got %s",
                                  vleo_ydoc_describe(d, val[k], buf, sizeof buf));
        }
        uint32_t e = vleo_ydoc_first(d, val[k]);
        for (uint32_t i = 0; i < 3 && e != NONE; i++) {
            char ep[256];
            put(ep, sizeof ep, "%s[%u]", kp, i);
            if (get_param(d, e, ep, sc, (mon_role_t)(PARAM_ROLE[k] + i)) != 0) {
                return -1;
            }
            e = vleo_ydoc_next(d, e);
        }
    }
    return 0;
}

#define SC(k, f, lo, hi, open)                                                                     \
    { k, offsetof(mon_sc_cfg_t, f), lo, hi, (open) ? VLEO_YDOC_NUM_LO_OPEN : 0u }
static const vleo_ydoc_num_t SC_THRUSTER[] = {
    SC("max_thrust_mn", max_thrust_mn, 0, 1e6, true),
    SC("min_thrust_mn", min_thrust_mn, 0, 1e6, false),
    SC("thrust_to_power_mn_per_kw", thrust_to_power_mn_per_kw, 0, 1e4, true),
};
static const vleo_ydoc_num_t SC_POWER[] = {
    SC("max_load_w", max_load_w, 0, 1e7, true),
    SC("battery_capacity_wh", battery_capacity_wh, 0, 1e7, true),
    SC("max_discharge_w", max_discharge_w, 0, 1e7, true),
    SC("min_soc_pct", min_soc_pct, 0, 100, false),
};
static const vleo_ydoc_num_t SC_LIMITS[] = {
    SC("min_altitude_km", min_altitude_km, 100, 2000, false),
    SC("horizon_h", horizon_h, 0, 8760, true),
    SC("stale_after_s", stale_after_s, 0, 86400, true),
};
enum {
    S_NAME,
    S_MASS,
    S_AREA,
    S_CD,
    S_INC,
    S_PARAMS,
    S_THRUSTER,
    S_POWER,
    S_LIMITS,
    S_CHECKS,
    S_N
};
static const char *const SC_KEYS[S_N] = {
    "name",       "mass_kg",  "drag_area_m2", "drag_coefficient", "inclination_deg",
    "parameters", "thruster", "power",        "limits",           "checks"};
static const vleo_ydoc_num_t SC_TOP[S_N] = {
    [S_MASS] = SC("mass_kg", mass_kg, 0, 1e6, true),
    [S_AREA] = SC("drag_area_m2", drag_area_m2, 0, 1e4, true),
    [S_CD] = SC("drag_coefficient", drag_coefficient, 0, 5, true),
    [S_INC] = SC("inclination_deg", inclination_deg, 0, 180, false),
};
#undef SC

static bool name_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n >= MON_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-')) {
            return false;
        }
    }
    return true;
}

/* "X: missing (WHAT at line N needs it)" at the spacecraft's line. */
static int need(vleo_ydoc_t *d, const mon_sc_cfg_t *sc, const char *base, const char *key,
                const char *by, uint32_t by_line) {
    char kp[256];
    vleo_ydoc_join(kp, sizeof kp, base, key);
    return vleo_ydoc_fail(d, (uint32_t)sc->line, kp, "missing (%s at line %u needs it)", by,
                          by_line);
}

/* The rules between roles and the settings they need (after everything is
 * parsed). */
static int check_roles(vleo_ydoc_t *d, const mon_sc_cfg_t *sc, const char *base,
                       const uint32_t *pl) {
    char kp[256];
    if (pl[P_ALT] && pl[P_POS]) {
        size_t later = pl[P_POS] > pl[P_ALT] ? P_POS : P_ALT;
        vleo_ydoc_join(kp, sizeof kp, base,
                       later == P_POS ? "parameters.position_ecef_m" : "parameters.altitude_km");
        return vleo_ydoc_fail(d, pl[later], kp, "give altitude_km or position_ecef_m, not both");
    }
    if (!pl[P_ALT] && !pl[P_POS]) {
        vleo_ydoc_join(kp, sizeof kp, base, "parameters.altitude_km");
        return vleo_ydoc_fail(d, (uint32_t)sc->line, kp,
                              "missing: an altitude source is required (altitude_km or "
                              "position_ecef_m)");
    }
    if (pl[P_VEL] && !pl[P_POS]) {
        vleo_ydoc_join(kp, sizeof kp, base, "parameters.velocity_ecef_m_s");
        return vleo_ydoc_fail(d, pl[P_VEL], kp, "only allowed with position_ecef_m");
    }
    for (size_t k = P_LAT; k <= P_LON; k++) {
        if (pl[k] && !pl[P_ALT]) {
            vleo_ydoc_join(kp, sizeof kp, base,
                           k == P_LAT ? "parameters.latitude_deg" : "parameters.longitude_deg");
            return vleo_ydoc_fail(d, pl[k], kp, "only allowed with altitude_km");
        }
    }
    if (pl[P_LAT] && !pl[P_LON]) {
        return need(d, sc, base, "parameters.longitude_deg", "parameters.latitude_deg", pl[P_LAT]);
    }
    if (pl[P_LON] && !pl[P_LAT]) {
        return need(d, sc, base, "parameters.latitude_deg", "parameters.longitude_deg", pl[P_LON]);
    }
    if (pl[P_THRUST] && isnan(sc->thrust_to_power_mn_per_kw)) {
        return need(d, sc, base, "thruster.thrust_to_power_mn_per_kw", "parameters.thrust_mn",
                    pl[P_THRUST]);
    }
    if (pl[P_THRUST] && isnan(sc->max_thrust_mn)) {
        return need(d, sc, base, "thruster.max_thrust_mn", "parameters.thrust_mn", pl[P_THRUST]);
    }
    if (pl[P_CMD] && !pl[P_THRUST]) {
        return need(d, sc, base, "parameters.thrust_mn", "parameters.thrust_command_mn", pl[P_CMD]);
    }
    if (pl[P_TPOW] && !pl[P_THRUST]) {
        return need(d, sc, base, "parameters.thrust_mn", "parameters.thruster_power_w", pl[P_TPOW]);
    }
    if (pl[P_SOLAR] && !pl[P_LOAD]) {
        return need(d, sc, base, "parameters.load_power_w", "parameters.solar_power_w",
                    pl[P_SOLAR]);
    }
    if (pl[P_LOAD] && !pl[P_SOLAR]) {
        return need(d, sc, base, "parameters.solar_power_w", "parameters.load_power_w", pl[P_LOAD]);
    }
    if (pl[P_SOLAR] && isnan(sc->max_discharge_w)) {
        vleo_ydoc_join(kp, sizeof kp, base, "power.battery_capacity_wh");
        return vleo_ydoc_fail(
            d, (uint32_t)sc->line, kp,
            "missing (parameters.solar_power_w at line %u needs it or power.max_discharge_w)",
            pl[P_SOLAR]);
    }
    if (pl[P_SOC] && isnan(sc->min_soc_pct)) {
        return need(d, sc, base, "power.min_soc_pct", "parameters.battery_soc_pct", pl[P_SOC]);
    }
    if (pl[P_SOC] && isnan(sc->battery_capacity_wh)) {
        return need(d, sc, base, "power.battery_capacity_wh", "parameters.battery_soc_pct",
                    pl[P_SOC]);
    }
    return 0;
}

static int parse_sc(vleo_ydoc_t *d, uint32_t item, size_t idx, const mon_checks_cfg_t *top,
                    mon_sc_cfg_t *sc) {
    char base[48];
    snprintf(base, sizeof base, "spacecraft[%zu]", idx);
    memset(sc, 0, sizeof *sc);
    sc->line = (int)vleo_ydoc_line(d, item);
    sc->drag_coefficient = 2.2;
    sc->inclination_deg = NAN;
    sc->max_thrust_mn = NAN;
    sc->min_thrust_mn = 0;
    sc->thrust_to_power_mn_per_kw = NAN;
    sc->max_load_w = NAN;
    sc->battery_capacity_wh = NAN;
    sc->max_discharge_w = NAN;
    sc->min_soc_pct = NAN;
    sc->min_altitude_km = NAN;
    sc->horizon_h = 24;
    sc->stale_after_s = 120;
    sc->checks = *top;

    uint32_t val[S_N], kline[S_N];
    uint32_t pl[P_N] = {0};
    uint32_t lines[sizeof(mon_sc_cfg_t) / sizeof(double) + 1] = {0}; /* by offset / 8 */
    if (vleo_ydoc_map(d, item, base, SC_KEYS, S_N, val, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < S_N; k++) {
        if (val[k] == NONE) {
            continue;
        }
        char kp[256];
        vleo_ydoc_join(kp, sizeof kp, base, SC_KEYS[k]);
        double x;
        int rc = 0;
        switch (k) {
        case S_NAME:
            if (vleo_ydoc_string(d, val[k], kp, 0, sc->name, sizeof sc->name) != 0) {
                return -1;
            }
            if (!name_ok(sc->name)) {
                char buf[VLEO_YDOC_DESCRIBE_CAP];
                return vleo_ydoc_fail(d, vleo_ydoc_line(d, val[k]), kp,
                                      "expected 1-63 characters of A-Z a-z 0-9 _ . -, got %s",
                                      vleo_ydoc_describe(d, val[k], buf, sizeof buf));
            }
            break;
        case S_PARAMS:
            rc = parse_params(d, val[k], kp, sc, pl);
            break;
        case S_THRUSTER:
            rc = walk_nums(d, val[k], kp, NUMS(SC_THRUSTER), sc, lines);
            break;
        case S_POWER:
            rc = walk_nums(d, val[k], kp, NUMS(SC_POWER), sc, lines);
            break;
        case S_LIMITS:
            rc = walk_nums(d, val[k], kp, NUMS(SC_LIMITS), sc, lines);
            break;
        case S_CHECKS:
            rc = parse_checks(d, val[k], kp, &sc->checks);
            break;
        default:
            rc = vleo_ydoc_number(d, val[k], kp, SC_TOP[k].lo, SC_TOP[k].hi, SC_TOP[k].flags, &x);
            if (rc == 0) {
                memcpy((char *)sc + SC_TOP[k].off, &x, sizeof x);
            }
            break;
        }
        if (rc != 0) {
            return -1;
        }
    }
    static const size_t required[] = {S_NAME, S_MASS, S_AREA, S_PARAMS};
    for (size_t r = 0; r < sizeof required / sizeof required[0]; r++) {
        if (val[required[r]] == NONE) {
            char kp[256];
            vleo_ydoc_join(kp, sizeof kp, base, SC_KEYS[required[r]]);
            return vleo_ydoc_fail(d, (uint32_t)sc->line, kp, "missing (required)");
        }
    }
    if (isnan(sc->min_altitude_km)) {
        char kp[256];
        vleo_ydoc_join(kp, sizeof kp, base, "limits.min_altitude_km");
        return vleo_ydoc_fail(d, (uint32_t)sc->line, kp, "missing (required)");
    }
    if (!isnan(sc->max_thrust_mn) && sc->min_thrust_mn > sc->max_thrust_mn) {
        char kp[256];
        vleo_ydoc_join(kp, sizeof kp, base, "thruster.min_thrust_mn");
        return vleo_ydoc_fail(d, lines[offsetof(mon_sc_cfg_t, min_thrust_mn) / sizeof(double)], kp,
                              "must not exceed max_thrust_mn (%.10g), got %.10g", sc->max_thrust_mn,
                              sc->min_thrust_mn);
    }
    if (isnan(sc->max_discharge_w) && !isnan(sc->battery_capacity_wh)) {
        sc->max_discharge_w = sc->battery_capacity_wh / 2.0; /* a 2-hour discharge rate */
    }
    return check_roles(d, sc, base, pl);
}

/* Spacecraft names are unique: sort pointers by name (then position) and
 * compare neighbours; the message names the first entry in file order that
 * repeats a name. */
static int cmp_sc(const void *a, const void *b) {
    const mon_sc_cfg_t *x = *(const mon_sc_cfg_t *const *)a;
    const mon_sc_cfg_t *y = *(const mon_sc_cfg_t *const *)b;
    int r = strcmp(x->name, y->name);
    if (r != 0) {
        return r;
    }
    return (x > y) - (x < y);
}

static int check_unique(vleo_ydoc_t *d, const mon_config_t *cfg) {
    size_t n = cfg->n_spacecraft;
    const mon_sc_cfg_t **v = malloc(n * sizeof *v);
    if (v == NULL) {
        return vleo_ydoc_fail(d, 1, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = &cfg->spacecraft[i];
    }
    qsort(v, n, sizeof *v, cmp_sc);
    const mon_sc_cfg_t *dup = NULL, *first = NULL, *group = NULL;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(v[i]->name, v[i - 1]->name) != 0) {
            group = v[i];
        } else if (dup == NULL || v[i] < dup) {
            dup = v[i];
            first = group;
        }
    }
    free(v);
    if (dup == NULL) {
        return 0;
    }
    char kp[64];
    snprintf(kp, sizeof kp, "spacecraft[%td].name", dup - cfg->spacecraft);
    return vleo_ydoc_fail(d, (uint32_t)dup->line, kp,
                          "duplicate spacecraft name '%s' (first at line %d)", dup->name,
                          first->line);
}

/* ---- the document ---- */

static int parse_root(vleo_ydoc_t *d, uint32_t root, const char *dir, mon_config_t *cfg) {
    enum { T_ATMOS, T_CHECKS, T_SC, T_N };
    static const char *const keys[T_N] = {"atmosphere", "checks", "spacecraft"};
    uint32_t val[T_N], kline[T_N];
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    if (vleo_ydoc_empty(d, root)) {
        return vleo_ydoc_fail(d, vleo_ydoc_start_line(d), NULL,
                              "empty document: expected a mapping with spacecraft:");
    }
    if (vleo_ydoc_kind(d, root) != VLEO_YDOC_MAP) {
        return vleo_ydoc_fail(d, vleo_ydoc_line(d, root), NULL,
                              "expected a mapping at the top level, got %s",
                              vleo_ydoc_describe(d, root, buf, sizeof buf));
    }
    if (vleo_ydoc_map(d, root, "", keys, T_N, val, kline) != 0) {
        return -1;
    }
    if (val[T_ATMOS] != NONE && parse_atmosphere(d, val[T_ATMOS], dir, &cfg->atmosphere) != 0) {
        return -1;
    }
    /* the top-level checks first, whatever the key order: spacecraft inherit them */
    if (val[T_CHECKS] != NONE && parse_checks(d, val[T_CHECKS], "checks", &cfg->checks) != 0) {
        return -1;
    }
    if (val[T_SC] == NONE) {
        return vleo_ydoc_fail(d, vleo_ydoc_line(d, root), "spacecraft", "missing (required)");
    }
    uint32_t s = val[T_SC];
    uint32_t line = vleo_ydoc_line(d, s), count = vleo_ydoc_count(d, s);
    bool seq = vleo_ydoc_kind(d, s) == VLEO_YDOC_SEQ;
    if (!seq || count == 0) {
        return vleo_ydoc_fail(d, line, "spacecraft", "expected a non-empty sequence, got %s",
                              seq ? "an empty one" : vleo_ydoc_describe(d, s, buf, sizeof buf));
    }
    if (count > MON_MAX_SPACECRAFT) {
        return vleo_ydoc_fail(d, line, "spacecraft", "more than %d entries", MON_MAX_SPACECRAFT);
    }
    cfg->spacecraft = calloc(count, sizeof *cfg->spacecraft);
    if (cfg->spacecraft == NULL) {
        return vleo_ydoc_fail(d, line, "spacecraft", "out of memory for %u entries", count);
    }
    cfg->n_spacecraft = count;
    uint32_t e = vleo_ydoc_first(d, s);
    for (size_t i = 0; i < cfg->n_spacecraft && e != NONE; i++) {
        if (parse_sc(d, e, i, &cfg->checks, &cfg->spacecraft[i]) != 0) {
            return -1;
        }
        e = vleo_ydoc_next(d, e);
    }
    return check_unique(d, cfg);
}

static void cfg_init(mon_config_t *cfg, const char *name) {
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", name);
    cfg->atmosphere.model = MON_ATMOS_JACCHIA71;
    cfg->atmosphere.f107 = 150;
    cfg->atmosphere.f107a = 150;
    cfg->atmosphere.kp = 3;
    cfg->atmosphere.kp_lag_h = 6.7;
    cfg->atmosphere.f107a_trailing = false;
    cfg->atmosphere.hp_exponent = 4;
    mon_checks_cfg_default(&cfg->checks);
}

static int parse_in(const char *text, size_t len, const char *name, const char *dir,
                    mon_config_t *cfg, char *err, size_t errlen) {
    if (name == NULL) {
        name = "config";
    }
    cfg_init(cfg, name);
    vleo_ydoc_t *d = NULL;
    int rc = vleo_ydoc_parse(text, len, name, &CFG_YAML, err, errlen, &d);
    if (rc == 0) {
        uint32_t root = vleo_ydoc_root(d);
        if (root == NONE) {
            rc = vleo_ydoc_fail(d, 1, NULL, "empty document: expected a mapping with spacecraft:");
        } else {
            rc = parse_root(d, root, dir, cfg);
        }
    }
    vleo_ydoc_destroy(&d);
    if (rc != 0) {
        mon_config_free(cfg);
    }
    return rc;
}

int mon_config_parse(const char *text, size_t len, const char *name, mon_config_t *cfg, char *err,
                     size_t errlen) {
    return parse_in(text, len, name, NULL, cfg, err, errlen);
}

int mon_config_load(const char *path, mon_config_t *cfg, char *err, size_t errlen) {
    memset(cfg, 0, sizeof *cfg);
    char *buf = NULL;
    size_t n = 0;
    if (vleo_ydoc_read_file(path, &CFG_YAML, &buf, &n, err, errlen) != 0) {
        return -1;
    }
    char dir[MON_PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *dp = NULL;
    int rc = 0;
    if (slash != NULL && (size_t)(slash - path) < sizeof dir) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
        dp = dir; /* "" for a file in "/": "/" + name */
    } else if (slash != NULL) {
        snprintf(err, errlen, "%s: folder name longer than %d characters", path, MON_PATH_MAX - 1);
        rc = -1;
    }
    if (rc == 0) {
        rc = parse_in(buf, n, path, dp, cfg, err, errlen);
    }
    free(buf);
    return rc;
}

int mon_config_check_params(const mon_config_t *cfg, mon_param_exists_fn exists, void *ctx,
                            char *err, size_t errlen) {
    for (size_t i = 0; i < cfg->n_spacecraft; i++) {
        const mon_sc_cfg_t *sc = &cfg->spacecraft[i];
        for (int r = 0; r < MON_ROLE_COUNT; r++) {
            if (sc->param[r][0] != '\0' && !exists(ctx, sc->param[r])) {
                snprintf(err, errlen,
                         "%s:%d: spacecraft[%zu](%s).parameters.%s: '%s' is not a "
                         "parameter of "
                         "the mission database",
                         cfg->path, sc->param_line[r], i, sc->name, ROLE_NAMES[r], sc->param[r]);
                return -1;
            }
        }
    }
    return 0;
}

void mon_config_free(mon_config_t *cfg) {
    if (cfg == NULL) {
        return;
    }
    free(cfg->spacecraft);
    memset(cfg, 0, sizeof *cfg);
}
