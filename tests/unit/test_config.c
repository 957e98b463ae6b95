/* test_config.c: the monitor's YAML configuration (monitor/src/config.c, DESIGN section 7):
 * exact values and defaults of valid files, the exact message and line of each error class,
 * parameter names checked against a name list and against captures/sample-pass.xml. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dec/mdb.h"
#include "guard.h"
#include "mon/config.h"

#define CAPTURE(f) VLEO_SOURCE_DIR "/captures/" f

/* Parse yaml (placed against a guard page) under the name "t.yaml". */
static int parse(const char *yaml, size_t len, mon_config_t *cfg, char *err, size_t errlen) {
    const char *g = (const char *)guard_place(yaml, len);
    cr_assert_not_null(g);
    return mon_config_parse(g, len, "t.yaml", cfg, err, errlen);
}

static void parse_ok(const char *yaml, mon_config_t *cfg) {
    char err[512] = "";
    int rc = parse(yaml, strlen(yaml), cfg, err, sizeof err);
    cr_assert_eq(rc, 0, "unexpected error: %s", err);
}

/* The parse fails with exactly `want`, and leaves the configuration empty. */
static void expect_err(const char *yaml, const char *want) {
    mon_config_t cfg;
    char err[512] = "";
    int rc = parse(yaml, strlen(yaml), &cfg, err, sizeof err);
    cr_expect_eq(rc, -1, "accepted:\n%s", yaml);
    cr_expect_str_eq(err, want, "got  %s\nwant %s\nfor:\n%s", err, want, yaml);
    cr_expect_null(cfg.spacecraft);
    cr_expect_eq(cfg.n_spacecraft, 0);
    mon_config_free(&cfg);
}

/* A minimal valid file; tests append keys of the spacecraft (4 spaces) from line 8 on. */
#define MIN_SC                                                                                     \
    "spacecraft:\n"                                                                                \
    "  - name: QK1\n"                                                                              \
    "    mass_kg: 65\n"                                                                            \
    "    drag_area_m2: 0.45\n"                                                                     \
    "    parameters:\n"                                                                            \
    "      altitude_km: /QK1/GNSS/ALTITUDE\n"                                                      \
    "    limits: {min_altitude_km: 200}\n"

/* Same, with the parameters mapping open at line 5: tests append roles (6 spaces) at line 7. */
#define MIN_PARAMS                                                                                 \
    "spacecraft:\n"                                                                                \
    "  - name: QK1\n"                                                                              \
    "    mass_kg: 65\n"                                                                            \
    "    drag_area_m2: 0.45\n"                                                                     \
    "    limits: {min_altitude_km: 200}\n"                                                         \
    "    parameters:\n"

static void expect_checks_default(const mon_checks_cfg_t *c) {
    cr_expect_eq(c->alt_window_orbits, 2);
    cr_expect_eq(c->alt_band_pct, 30);
    cr_expect_eq(c->alt_band_per_kp_pct, 10);
    cr_expect_eq(c->alt_clear_band_pct, 20);
    cr_expect_eq(c->alt_sigma_k, 3);
    cr_expect_eq(c->alt_min_decay_km_day, 0.05);
    cr_expect_eq(c->alt_critical_factor, 2);
    cr_expect_eq(c->thrust_margin_pct, 15);
    cr_expect_eq(c->thrust_clear_margin_pct, 7);
    cr_expect_eq(c->thrust_cmd_margin_pct, 10);
    cr_expect_eq(c->thrust_cmd_clear_pct, 5);
    cr_expect_eq(c->thrust_critical_pct, 50);
    cr_expect_eq(c->thrust_average_s, 600);
    cr_expect_eq(c->power_margin_pct, 15);
    cr_expect_eq(c->power_clear_margin_pct, 7);
    cr_expect_eq(c->soc_window_orbits, 3);
    cr_expect_eq(c->power_average_s, 120);
    cr_expect_eq(c->min_duration_s, 120);
    cr_expect_eq(c->update_interval_s, 600);
    cr_expect_eq(c->update_change_pct, 10);
    cr_expect_eq(c->eval_interval_s, 10);
}

Test(config, defaults_of_a_minimal_file) {
    mon_checks_cfg_t d;
    memset(&d, 0xA5, sizeof d);
    mon_checks_cfg_default(&d);
    expect_checks_default(&d);

    mon_config_t cfg;
    parse_ok(MIN_SC, &cfg);
    cr_expect_str_eq(cfg.path, "t.yaml");
    cr_expect_eq(cfg.atmosphere.model, MON_ATMOS_JACCHIA71);
    cr_expect_str_eq(cfg.atmosphere.space_weather, "");
    cr_expect_eq(cfg.atmosphere.f107, 150);
    cr_expect_eq(cfg.atmosphere.f107a, 150);
    cr_expect_eq(cfg.atmosphere.kp, 3);
    cr_expect_eq(cfg.atmosphere.kp_lag_h, 6.7);
    cr_expect_eq(cfg.atmosphere.f107a_trailing, false);
    cr_expect_eq(cfg.atmosphere.hp_exponent, 4);
    expect_checks_default(&cfg.checks);
    cr_assert_eq(cfg.n_spacecraft, 1);
    const mon_sc_cfg_t *s = &cfg.spacecraft[0];
    cr_expect_str_eq(s->name, "QK1");
    cr_expect_eq(s->line, 2);
    cr_expect_eq(s->mass_kg, 65);
    cr_expect_eq(s->drag_area_m2, 0.45);
    cr_expect_eq(s->drag_coefficient, 2.2);
    cr_expect(isnan(s->inclination_deg));
    cr_expect_str_eq(s->param[MON_ROLE_ALTITUDE_KM], "/QK1/GNSS/ALTITUDE");
    cr_expect_eq(s->param_line[MON_ROLE_ALTITUDE_KM], 6);
    for (int r = 1; r < MON_ROLE_COUNT; r++) {
        cr_expect_str_eq(s->param[r], "", "role %d", r);
        cr_expect_eq(s->param_line[r], 0, "role %d", r);
    }
    /* not given, no default: NaN */
    cr_expect(isnan(s->max_thrust_mn));
    cr_expect_eq(s->min_thrust_mn, 0);
    cr_expect(isnan(s->thrust_to_power_mn_per_kw));
    cr_expect(isnan(s->max_load_w));
    cr_expect(isnan(s->battery_capacity_wh));
    cr_expect(isnan(s->max_discharge_w));
    cr_expect(isnan(s->min_soc_pct));
    cr_expect_eq(s->min_altitude_km, 200);
    cr_expect_eq(s->horizon_h, 24);
    cr_expect_eq(s->stale_after_s, 120);
    expect_checks_default(&s->checks);
    mon_config_free(&cfg);
    cr_expect_null(cfg.spacecraft);
    cr_expect_eq(cfg.n_spacecraft, 0);
    mon_config_free(&cfg); /* twice is harmless */
}

/* Every field set; the top-level checks and atmosphere come after the spacecraft. */
static const char FULL[] =
    "spacecraft:\n"                                                                /* 1 */
    "  - name: QK1\n"                                                              /* 2 */
    "    mass_kg: 65\n"                                                            /* 3 */
    "    drag_area_m2: 0.45\n"                                                     /* 4 */
    "    drag_coefficient: 2.3\n"                                                  /* 5 */
    "    inclination_deg: 97.4\n"                                                  /* 6 */
    "    parameters:\n"                                                            /* 7 */
    "      position_ecef_m: [/QK1/GNSS/POS_X, /QK1/GNSS/POS_Y, /QK1/GNSS/POS_Z]\n" /* 8 */
    "      velocity_ecef_m_s:\n"                                                   /* 9 */
    "        - /QK1/GNSS/VEL_X\n"                                                  /* 10 */
    "        - /QK1/GNSS/VEL_Y\n"                                                  /* 11 */
    "        - /QK1/GNSS/VEL_Z\n"                                                  /* 12 */
    "      thrust_mn: /QK1/PROP/THRUST\n"                                          /* 13 */
    "      thrust_command_mn: /QK1/PROP/THRUST_CMD\n"                              /* 14 */
    "      thruster_on: /QK1/PROP/FIRING\n"                                        /* 15 */
    "      thruster_power_w: /QK1/PROP/POWER\n"                                    /* 16 */
    "      solar_power_w: /QK1/EPS/SOLAR_POWER\n"                                  /* 17 */
    "      load_power_w: /QK1/EPS/LOAD_POWER\n"                                    /* 18 */
    "      battery_soc_pct: /QK1/EPS/SOC\n"                                        /* 19 */
    "    thruster: {max_thrust_mn: 20, min_thrust_mn: 1.5, thrust_to_power_mn_per_kw: 55}\n"
    "    power: {max_load_w: 300, battery_capacity_wh: 200, max_discharge_w: 80, " /* 21 */
    "min_soc_pct: 30}\n"
    "    limits: {min_altitude_km: 200, horizon_h: 12, stale_after_s: 60}\n" /* 22 */
    "    checks:\n"                                                          /* 23 */
    "      thrust: {margin_pct: 25, clear_margin_pct: 12}\n"                 /* 24 */
    "      alerts: {min_duration_s: 30}\n"                                   /* 25 */
    "  - name: QK-2.b\n"                                                     /* 26 */
    "    mass_kg: 1.5e2\n"                                                   /* 27 */
    "    drag_area_m2: 1\n"                                                  /* 28 */
    "    parameters: {altitude_km: \"/QK2/ALT\", latitude_deg: '/QK2/LAT', " /* 29 */
    "longitude_deg: /QK2/LON}\n"
    "    power: {battery_capacity_wh: 150}\n" /* 30 */
    "    limits:\n"                           /* 31 */
    "      min_altitude_km: 180.5\n"          /* 32 */
    "checks:\n"                               /* 33 */
    "  altitude: {window_orbits: 3, band_pct: 40, band_per_kp_pct: 12, clear_band_pct: 25,\n"
    "             sigma_k: 2.5, min_decay_km_day: 0.1, critical_factor: 3}\n"   /* 35 */
    "  thrust: {margin_pct: 20, clear_margin_pct: 8, command_margin_pct: 11,\n" /* 36 */
    "           command_clear_pct: 6, critical_pct: 40, average_s: 300}\n"      /* 37 */
    "  power: {margin_pct: 16, clear_margin_pct: 9, soc_window_orbits: 4, average_s: 60}\n"
    "  alerts: {min_duration_s: 90, update_interval_s: 300, update_change_pct: 5,\n" /* 39 */
    "           eval_interval_s: 0x14}\n"                                            /* 40 */
    "atmosphere:\n"                                                                  /* 41 */
    "  model: harris-priester\n"                                                     /* 42 */
    "  space_weather: data/sw.csv\n"                                                 /* 43 */
    "  f107: 120.5\n"                                                                /* 44 */
    "  f107a: 130\n"                                                                 /* 45 */
    "  kp: 4.3\n"                                                                    /* 46 */
    "  kp_lag_h: 3\n"                                                                /* 47 */
    "  f107a_mean: trailing\n"                                                       /* 48 */
    "  hp_exponent: 6\n";                                                            /* 49 */

/* The top-level checks of FULL. */
static void expect_checks_full_top(const mon_checks_cfg_t *c) {
    cr_expect_eq(c->alt_window_orbits, 3);
    cr_expect_eq(c->alt_band_pct, 40);
    cr_expect_eq(c->alt_band_per_kp_pct, 12);
    cr_expect_eq(c->alt_clear_band_pct, 25);
    cr_expect_eq(c->alt_sigma_k, 2.5);
    cr_expect_eq(c->alt_min_decay_km_day, 0.1);
    cr_expect_eq(c->alt_critical_factor, 3);
    cr_expect_eq(c->thrust_cmd_margin_pct, 11);
    cr_expect_eq(c->thrust_cmd_clear_pct, 6);
    cr_expect_eq(c->thrust_critical_pct, 40);
    cr_expect_eq(c->thrust_average_s, 300);
    cr_expect_eq(c->power_margin_pct, 16);
    cr_expect_eq(c->power_clear_margin_pct, 9);
    cr_expect_eq(c->soc_window_orbits, 4);
    cr_expect_eq(c->power_average_s, 60);
    cr_expect_eq(c->update_interval_s, 300);
    cr_expect_eq(c->update_change_pct, 5);
    cr_expect_eq(c->eval_interval_s, 20); /* 0x14 */
}

Test(config, full_file_in_any_key_order) {
    mon_config_t cfg;
    parse_ok(FULL, &cfg);
    const mon_atmos_cfg_t *a = &cfg.atmosphere;
    cr_expect_eq(a->model, MON_ATMOS_HARRIS_PRIESTER);
    cr_expect_str_eq(a->space_weather, "data/sw.csv"); /* parse keeps it as written */
    cr_expect_eq(a->f107, 120.5);
    cr_expect_eq(a->f107a, 130);
    cr_expect_eq(a->kp, 4.3);
    cr_expect_eq(a->kp_lag_h, 3);
    cr_expect_eq(a->f107a_trailing, true);
    cr_expect_eq(a->hp_exponent, 6);

    expect_checks_full_top(&cfg.checks);
    cr_expect_eq(cfg.checks.thrust_margin_pct, 20);
    cr_expect_eq(cfg.checks.thrust_clear_margin_pct, 8);
    cr_expect_eq(cfg.checks.min_duration_s, 90);

    cr_assert_eq(cfg.n_spacecraft, 2);
    const mon_sc_cfg_t *s = &cfg.spacecraft[0];
    cr_expect_str_eq(s->name, "QK1");
    cr_expect_eq(s->line, 2);
    cr_expect_eq(s->mass_kg, 65);
    cr_expect_eq(s->drag_area_m2, 0.45);
    cr_expect_eq(s->drag_coefficient, 2.3);
    cr_expect_eq(s->inclination_deg, 97.4);
    static const struct {
        mon_role_t role;
        const char *name;
        int line;
    } want[] = {
        {MON_ROLE_ALTITUDE_KM, "", 0},
        {MON_ROLE_POS_X_M, "/QK1/GNSS/POS_X", 8},
        {MON_ROLE_POS_Y_M, "/QK1/GNSS/POS_Y", 8},
        {MON_ROLE_POS_Z_M, "/QK1/GNSS/POS_Z", 8},
        {MON_ROLE_VEL_X_M_S, "/QK1/GNSS/VEL_X", 10},
        {MON_ROLE_VEL_Y_M_S, "/QK1/GNSS/VEL_Y", 11},
        {MON_ROLE_VEL_Z_M_S, "/QK1/GNSS/VEL_Z", 12},
        {MON_ROLE_LATITUDE_DEG, "", 0},
        {MON_ROLE_LONGITUDE_DEG, "", 0},
        {MON_ROLE_THRUST_MN, "/QK1/PROP/THRUST", 13},
        {MON_ROLE_THRUST_CMD_MN, "/QK1/PROP/THRUST_CMD", 14},
        {MON_ROLE_THRUSTER_ON, "/QK1/PROP/FIRING", 15},
        {MON_ROLE_THRUSTER_POWER_W, "/QK1/PROP/POWER", 16},
        {MON_ROLE_SOLAR_POWER_W, "/QK1/EPS/SOLAR_POWER", 17},
        {MON_ROLE_LOAD_POWER_W, "/QK1/EPS/LOAD_POWER", 18},
        {MON_ROLE_BATTERY_SOC_PCT, "/QK1/EPS/SOC", 19},
    };
    cr_assert_eq(sizeof want / sizeof want[0], MON_ROLE_COUNT);
    for (size_t i = 0; i < MON_ROLE_COUNT; i++) {
        cr_expect_str_eq(s->param[want[i].role], want[i].name, "%s", mon_role_name(want[i].role));
        cr_expect_eq(s->param_line[want[i].role], want[i].line, "%s", mon_role_name(want[i].role));
    }
    cr_expect_eq(s->max_thrust_mn, 20);
    cr_expect_eq(s->min_thrust_mn, 1.5);
    cr_expect_eq(s->thrust_to_power_mn_per_kw, 55);
    cr_expect_eq(s->max_load_w, 300);
    cr_expect_eq(s->battery_capacity_wh, 200);
    cr_expect_eq(s->max_discharge_w, 80);
    cr_expect_eq(s->min_soc_pct, 30);
    cr_expect_eq(s->min_altitude_km, 200);
    cr_expect_eq(s->horizon_h, 12);
    cr_expect_eq(s->stale_after_s, 60);
    /* the top-level checks (written later in the file), then this spacecraft's overrides */
    expect_checks_full_top(&s->checks);
    cr_expect_eq(s->checks.thrust_margin_pct, 25);
    cr_expect_eq(s->checks.thrust_clear_margin_pct, 12);
    cr_expect_eq(s->checks.min_duration_s, 30);

    s = &cfg.spacecraft[1];
    cr_expect_str_eq(s->name, "QK-2.b");
    cr_expect_eq(s->line, 26);
    cr_expect_eq(s->mass_kg, 150);
    cr_expect_eq(s->drag_area_m2, 1);
    cr_expect_eq(s->drag_coefficient, 2.2);
    cr_expect(isnan(s->inclination_deg));
    cr_expect_str_eq(s->param[MON_ROLE_ALTITUDE_KM], "/QK2/ALT");
    cr_expect_str_eq(s->param[MON_ROLE_LATITUDE_DEG], "/QK2/LAT");
    cr_expect_str_eq(s->param[MON_ROLE_LONGITUDE_DEG], "/QK2/LON");
    cr_expect_eq(s->param_line[MON_ROLE_LONGITUDE_DEG], 29);
    cr_expect_str_eq(s->param[MON_ROLE_THRUST_MN], "");
    cr_expect(isnan(s->max_thrust_mn));
    cr_expect_eq(s->battery_capacity_wh, 150);
    cr_expect_eq(s->max_discharge_w, 75); /* capacity / 2 h */
    cr_expect(isnan(s->min_soc_pct));
    cr_expect_eq(s->min_altitude_km, 180.5);
    cr_expect_eq(s->horizon_h, 24);
    cr_expect_eq(s->stale_after_s, 120);
    cr_expect_eq(memcmp(&s->checks, &cfg.checks, sizeof s->checks), 0);
    mon_config_free(&cfg);
}

Test(config, role_names) {
    static const char *const names[MON_ROLE_COUNT] = {
        "altitude_km",          "position_ecef_m[0]",
        "position_ecef_m[1]",   "position_ecef_m[2]",
        "velocity_ecef_m_s[0]", "velocity_ecef_m_s[1]",
        "velocity_ecef_m_s[2]", "latitude_deg",
        "longitude_deg",        "thrust_mn",
        "thrust_command_mn",    "thruster_on",
        "thruster_power_w",     "solar_power_w",
        "load_power_w",         "battery_soc_pct"};
    for (int r = 0; r < MON_ROLE_COUNT; r++) {
        cr_expect_str_eq(mon_role_name((mon_role_t)r), names[r]);
    }
    cr_expect_str_eq(mon_role_name(MON_ROLE_COUNT), "unknown");
}

Test(config, unknown_keys) {
    expect_err(MIN_SC "colour: red\n",
               "t.yaml:8: colour: unknown key (known: atmosphere, checks, spacecraft)");
    expect_err(MIN_SC "    thruster: {max_thrust_mn: 20, thrust: 5}\n",
               "t.yaml:8: spacecraft[0].thruster.thrust: unknown key (known: max_thrust_mn, "
               "min_thrust_mn, thrust_to_power_mn_per_kw)");
    expect_err(MIN_SC "    checks:\n      thrust:\n        margin: 5\n",
               "t.yaml:10: spacecraft[0].checks.thrust.margin: unknown key (known: margin_pct, "
               "clear_margin_pct, command_margin_pct, command_clear_pct, critical_pct, "
               "average_s)");
    expect_err("atmosphere:\n  model: jacchia71\n  f10.7: 150\n" MIN_SC,
               "t.yaml:3: atmosphere.f10.7: unknown key (known: model, space_weather, f107, "
               "f107a, kp, kp_lag_h, f107a_mean, hp_exponent)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      drag_mn: /B\n",
               "t.yaml:8: spacecraft[0].parameters.drag_mn: unknown key (known: altitude_km, "
               "position_ecef_m, velocity_ecef_m_s, latitude_deg, longitude_deg, thrust_mn, "
               "thrust_command_mn, thruster_on, thruster_power_w, solar_power_w, load_power_w, "
               "battery_soc_pct)");
    /* control characters in a key are shown as '?' */
    expect_err(MIN_SC "\"a\\tb\": 1\n",
               "t.yaml:8: a?b: unknown key (known: atmosphere, checks, spacecraft)");
    expect_err(MIN_SC "[a]: 1\n", "t.yaml:8: expected a key name, got a sequence");
}

Test(config, wrong_types) {
    expect_err(MIN_SC "    thruster:\n      max_thrust_mn: fast\n",
               "t.yaml:9: spacecraft[0].thruster.max_thrust_mn: expected a number, got 'fast'");
    static const struct {
        const char *value, *what;
    } bad[] = {
        {"abc", "expected a number, got 'abc'"},
        {"1e", "expected a number, got '1e'"},
        {"", "expected a number, got an empty value"},
        {"~", "expected a number, got '~'"},
        {"true", "expected a number, got 'true'"},
        {"\"20\"", "expected a number, got a quoted string '20'"},
        {"''", "expected a number, got ''"},
        {"1_000", "expected a number, got '1_000'"},
        {".nan", "expected a number, got '.nan'"},
        {"nan", "expected a finite number, got 'nan'"},
        {"inf", "expected a finite number, got 'inf'"},
        {"-Infinity", "expected a finite number, got '-Infinity'"},
        {"1e999", "expected a finite number, got '1e999'"},
        {"[20]", "expected a number, got a sequence"},
        {"{a: 1}", "expected a number, got a mapping"},
        {"20 mN", "expected a number, got '20 mN'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char yaml[512], want[256];
        snprintf(yaml, sizeof yaml, MIN_SC "    thruster:\n      max_thrust_mn: %s\n",
                 bad[i].value);
        snprintf(want, sizeof want, "t.yaml:9: spacecraft[0].thruster.max_thrust_mn: %s",
                 bad[i].what);
        expect_err(yaml, want);
    }
    expect_err(MIN_SC "    thruster: 20\n",
               "t.yaml:8: spacecraft[0].thruster: expected a mapping, got '20'");
    expect_err(MIN_SC "    checks:\n", "t.yaml:8: spacecraft[0].checks: expected a mapping, got "
                                       "an empty value");
    expect_err("spacecraft: {name: QK1}\n",
               "t.yaml:1: spacecraft: expected a non-empty sequence, got a mapping");
    expect_err("spacecraft:\n  - QK1\n", "t.yaml:2: spacecraft[0]: expected a mapping, got 'QK1'");
    expect_err("- a\n", "t.yaml:1: expected a mapping at the top level, got a sequence");
    expect_err("spacecraft:\n  - name: [QK1]\n",
               "t.yaml:2: spacecraft[0].name: expected a string, got a sequence");
    expect_err("atmosphere: {model: 71}\n" MIN_SC,
               "t.yaml:1: atmosphere.model: unknown model '71' (exponential, harris-priester, "
               "jacchia71)");
    expect_err("atmosphere: {f107a_mean: centered}\n" MIN_SC,
               "t.yaml:1: atmosphere.f107a_mean: expected centred or trailing, got 'centered'");
    expect_err("atmosphere: {space_weather: ''}\n" MIN_SC,
               "t.yaml:1: atmosphere.space_weather: expected a file name, got an empty value");
    expect_err("atmosphere: {hp_exponent: 4.5}\n" MIN_SC,
               "t.yaml:1: atmosphere.hp_exponent: expected a whole number, got '4.5'");
    expect_err(MIN_PARAMS "      altitude_km: QK1/GNSS/ALTITUDE\n",
               "t.yaml:7: spacecraft[0].parameters.altitude_km: expected a qualified parameter "
               "name (/SYSTEM/NAME), got 'QK1/GNSS/ALTITUDE'");
    expect_err(MIN_PARAMS "      altitude_km: 7\n",
               "t.yaml:7: spacecraft[0].parameters.altitude_km: expected a qualified parameter "
               "name (/SYSTEM/NAME), got '7'");
    expect_err(MIN_PARAMS "      altitude_km: \"/QK1/GNSS ALT\"\n",
               "t.yaml:7: spacecraft[0].parameters.altitude_km: a parameter name has no spaces "
               "or control characters");
}

Test(config, out_of_range) {
    expect_err("spacecraft:\n  - name: QK1\n    mass_kg: -1\n",
               "t.yaml:3: spacecraft[0].mass_kg: must be > 0 and <= 1000000, got '-1'");
    expect_err("spacecraft:\n  - name: QK1\n    mass_kg: 0\n",
               "t.yaml:3: spacecraft[0].mass_kg: must be > 0 and <= 1000000, got '0'");
    expect_err(MIN_SC "    drag_coefficient: 5.01\n",
               "t.yaml:8: spacecraft[0].drag_coefficient: must be > 0 and <= 5, got '5.01'");
    expect_err(MIN_SC "    inclination_deg: 180.5\n",
               "t.yaml:8: spacecraft[0].inclination_deg: must be between 0 and 180, got "
               "'180.5'");
    expect_err("spacecraft:\n  - name: QK1\n    limits: {min_altitude_km: 99.9}\n",
               "t.yaml:3: spacecraft[0].limits.min_altitude_km: must be between 100 and 2000, "
               "got '99.9'");
    expect_err(MIN_SC "    power: {min_soc_pct: 101}\n",
               "t.yaml:8: spacecraft[0].power.min_soc_pct: must be between 0 and 100, got "
               "'101'");
    expect_err(MIN_SC "checks:\n  thrust: {margin_pct: 150}\n",
               "t.yaml:9: checks.thrust.margin_pct: must be between 0 and 100, got '150'");
    expect_err(MIN_SC "checks:\n  alerts: {eval_interval_s: 0}\n",
               "t.yaml:9: checks.alerts.eval_interval_s: must be > 0 and <= 3600, got '0'");
    expect_err(MIN_SC "checks:\n  altitude: {window_orbits: 0.5}\n",
               "t.yaml:9: checks.altitude.window_orbits: must be between 1 and 100, got '0.5'");
    expect_err("atmosphere: {kp: 9.5}\n" MIN_SC,
               "t.yaml:1: atmosphere.kp: must be between 0 and 9, got '9.5'");
    expect_err("atmosphere: {f107: -5}\n" MIN_SC,
               "t.yaml:1: atmosphere.f107: must be > 0 and <= 1000, got '-5'");
    expect_err("atmosphere: {hp_exponent: 7}\n" MIN_SC,
               "t.yaml:1: atmosphere.hp_exponent: must be between 2 and 6, got '7'");
    /* clear levels beyond raise levels: named where set */
    expect_err(MIN_SC "checks:\n  thrust: {clear_margin_pct: 20}\n",
               "t.yaml:9: checks.thrust.clear_margin_pct: must not exceed thrust.margin_pct (15), "
               "got 20");
    expect_err(MIN_SC "    checks:\n      altitude:\n        band_pct: 10\n",
               "t.yaml:10: spacecraft[0].checks.altitude.band_pct: must not be below "
               "altitude.clear_band_pct (20), got 10");
    expect_err(MIN_SC "    thruster: {max_thrust_mn: 20,\n      min_thrust_mn: 25}\n",
               "t.yaml:9: spacecraft[0].thruster.min_thrust_mn: must not exceed max_thrust_mn "
               "(20), got 25");
    /* bounds themselves are accepted */
    mon_config_t cfg;
    parse_ok(MIN_SC "    drag_coefficient: 5\n    inclination_deg: 0\n"
                    "    power: {min_soc_pct: 100}\n"
                    "checks: {thrust: {margin_pct: 0, clear_margin_pct: 0}}\n",
             &cfg);
    cr_expect_eq(cfg.spacecraft[0].drag_coefficient, 5);
    cr_expect_eq(cfg.spacecraft[0].inclination_deg, 0);
    cr_expect_eq(cfg.spacecraft[0].min_soc_pct, 100);
    cr_expect_eq(cfg.spacecraft[0].checks.thrust_margin_pct, 0);
    mon_config_free(&cfg);
}

Test(config, duplicates) {
    expect_err("atmosphere:\n  f107: 150\n  f107a: 150\n  f107a: 140\n" MIN_SC,
               "t.yaml:4: atmosphere.f107a: duplicate key (first at line 3)");
    expect_err(MIN_SC "    mass_kg: 70\n",
               "t.yaml:8: spacecraft[0].mass_kg: duplicate key (first at line 3)");
    expect_err(MIN_SC "spacecraft: []\n", "t.yaml:8: spacecraft: duplicate key (first at line 1)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      altitude_km: /B\n",
               "t.yaml:8: spacecraft[0].parameters.altitude_km: duplicate key (first at line 7)");
    /* names: the first repeat in file order, with the line of the first use */
    expect_err(MIN_SC "  - name: QK2\n    mass_kg: 1\n    drag_area_m2: 1\n"
                      "    parameters: {altitude_km: /B}\n    limits: {min_altitude_km: 200}\n"
                      "  - {name: QK1, mass_kg: 1, drag_area_m2: 1, parameters: {altitude_km: /C},"
                      " limits: {min_altitude_km: 200}}\n"
                      "  - {name: QK2, mass_kg: 1, drag_area_m2: 1, parameters: {altitude_km: /D},"
                      " limits: {min_altitude_km: 200}}\n",
               "t.yaml:13: spacecraft[2].name: duplicate spacecraft name 'QK1' (first at line 2)");
}

Test(config, missing_required) {
    expect_err("atmosphere: {kp: 3}\n", "t.yaml:1: spacecraft: missing (required)");
    expect_err("spacecraft: []\n",
               "t.yaml:1: spacecraft: expected a non-empty sequence, got an empty one");
    expect_err("spacecraft:\n  - mass_kg: 65\n",
               "t.yaml:2: spacecraft[0].name: missing (required)");
    expect_err("spacecraft:\n  - name: QK1\n    drag_area_m2: 1\n",
               "t.yaml:2: spacecraft[0].mass_kg: missing (required)");
    expect_err("spacecraft:\n  - name: QK1\n    mass_kg: 1\n",
               "t.yaml:2: spacecraft[0].drag_area_m2: missing (required)");
    expect_err("spacecraft:\n  - name: QK1\n    mass_kg: 1\n    drag_area_m2: 1\n",
               "t.yaml:2: spacecraft[0].parameters: missing (required)");
    expect_err("spacecraft:\n  - name: QK1\n    mass_kg: 1\n    drag_area_m2: 1\n"
               "    parameters: {altitude_km: /A}\n    limits: {horizon_h: 2}\n",
               "t.yaml:2: spacecraft[0].limits.min_altitude_km: missing (required)");
    expect_err("spacecraft:\n  - name: Q K1\n",
               "t.yaml:2: spacecraft[0].name: expected 1-63 characters of A-Z a-z 0-9 _ . -, got "
               "'Q K1'");
    expect_err("spacecraft:\n  - name: ''\n",
               "t.yaml:2: spacecraft[0].name: expected 1-63 characters of A-Z a-z 0-9 _ . -, got "
               "''");
}

Test(config, missing_roles) {
    expect_err(MIN_PARAMS "      thruster_on: /P/ON\n",
               "t.yaml:2: spacecraft[0].parameters.altitude_km: missing: an altitude source is "
               "required (altitude_km or position_ecef_m)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      position_ecef_m: [/X, /Y, /Z]\n",
               "t.yaml:8: spacecraft[0].parameters.position_ecef_m: give altitude_km or "
               "position_ecef_m, not both");
    expect_err(MIN_PARAMS "      position_ecef_m: [/X, /Y, /Z]\n      altitude_km: /A\n",
               "t.yaml:8: spacecraft[0].parameters.altitude_km: give altitude_km or "
               "position_ecef_m, not both");
    expect_err(MIN_PARAMS "      position_ecef_m: [/X, /Y]\n",
               "t.yaml:7: spacecraft[0].parameters.position_ecef_m: expected a list of 3 names "
               "[X, Y, Z], got 2");
    expect_err(MIN_PARAMS "      position_ecef_m: /X\n",
               "t.yaml:7: spacecraft[0].parameters.position_ecef_m: expected a list of 3 names "
               "[X, Y, Z], got '/X'");
    expect_err(MIN_PARAMS "      position_ecef_m:\n        - /X\n        - Y\n        - /Z\n",
               "t.yaml:9: spacecraft[0].parameters.position_ecef_m[1]: expected a qualified "
               "parameter name (/SYSTEM/NAME), got 'Y'");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      velocity_ecef_m_s: [/X, /Y, /Z]\n",
               "t.yaml:8: spacecraft[0].parameters.velocity_ecef_m_s: only allowed with "
               "position_ecef_m");
    expect_err(MIN_PARAMS "      position_ecef_m: [/X, /Y, /Z]\n      latitude_deg: /LAT\n",
               "t.yaml:8: spacecraft[0].parameters.latitude_deg: only allowed with altitude_km");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      latitude_deg: /LAT\n",
               "t.yaml:2: spacecraft[0].parameters.longitude_deg: missing (parameters.latitude_deg "
               "at line 8 needs it)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      longitude_deg: /LON\n",
               "t.yaml:2: spacecraft[0].parameters.latitude_deg: missing "
               "(parameters.longitude_deg at line 8 needs it)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      thrust_mn: /T\n",
               "t.yaml:2: spacecraft[0].thruster.thrust_to_power_mn_per_kw: missing "
               "(parameters.thrust_mn at line 8 needs it)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      thrust_mn: /T\n"
                          "    thruster: {thrust_to_power_mn_per_kw: 55}\n",
               "t.yaml:2: spacecraft[0].thruster.max_thrust_mn: missing (parameters.thrust_mn at "
               "line 8 needs it)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      thruster_power_w: /P\n",
               "t.yaml:2: spacecraft[0].parameters.thrust_mn: missing "
               "(parameters.thruster_power_w at line 8 needs it)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      thrust_command_mn: /C\n",
               "t.yaml:2: spacecraft[0].parameters.thrust_mn: missing "
               "(parameters.thrust_command_mn at line 8 needs it)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      solar_power_w: /S\n",
               "t.yaml:2: spacecraft[0].parameters.load_power_w: missing "
               "(parameters.solar_power_w at line 8 needs it)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      load_power_w: /L\n",
               "t.yaml:2: spacecraft[0].parameters.solar_power_w: missing "
               "(parameters.load_power_w at line 8 needs it)");
    expect_err(MIN_PARAMS
               "      altitude_km: /A\n      solar_power_w: /S\n      load_power_w: /L\n",
               "t.yaml:2: spacecraft[0].power.battery_capacity_wh: missing "
               "(parameters.solar_power_w at line 8 needs it or power.max_discharge_w)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      battery_soc_pct: /SOC\n"
                          "    power: {battery_capacity_wh: 100}\n",
               "t.yaml:2: spacecraft[0].power.min_soc_pct: missing "
               "(parameters.battery_soc_pct at line 8 needs it)");
    expect_err(MIN_PARAMS "      altitude_km: /A\n      battery_soc_pct: /SOC\n"
                          "    power: {min_soc_pct: 20}\n",
               "t.yaml:2: spacecraft[0].power.battery_capacity_wh: missing "
               "(parameters.battery_soc_pct at line 8 needs it)");
    /* each rule satisfied */
    mon_config_t cfg;
    parse_ok(MIN_PARAMS "      altitude_km: /A\n      solar_power_w: /S\n      load_power_w: /L\n"
                        "    power: {max_discharge_w: 40}\n",
             &cfg);
    cr_expect_eq(cfg.spacecraft[0].max_discharge_w, 40);
    cr_expect(isnan(cfg.spacecraft[0].battery_capacity_wh));
    mon_config_free(&cfg);
}

Test(config, yaml_syntax_and_structure) {
    expect_err("spacecraft:\n  - name: QK1\n   mass_kg: 65\n",
               "t.yaml:3: YAML syntax: did not find expected '-' indicator (while parsing a "
               "block collection at line 2)");
    expect_err("atmosphere: {kp: 3\nspacecraft: []\n",
               "t.yaml:2: YAML syntax: did not find expected ',' or '}' (while parsing a flow "
               "mapping at line 1)");
    expect_err("atmosphere:\n\tkp: 3\n",
               "t.yaml:2: YAML syntax: found character that cannot start any token (while "
               "scanning for the next token at line 2)");
    expect_err("a: 1\nb: \x01\n", "t.yaml:2: YAML syntax: control characters are not allowed "
                                  "(octet 0x01)");
    expect_err("a: 1\r\nb: 2\rc: \x02\n", "t.yaml:3: YAML syntax: control characters are not "
                                          "allowed (octet 0x02)");
    expect_err("atmosphere: &a {kp: 3}\n" MIN_SC,
               "t.yaml:1: YAML anchors (&name) are not supported");
    expect_err(MIN_SC "atmosphere: *a\n", "t.yaml:8: YAML aliases (*name) are not supported");
    expect_err("atmosphere: {kp: !!float 3}\n" MIN_SC,
               "t.yaml:1: YAML tags (!tag) are not supported");
    expect_err("", "t.yaml:1: empty document: expected a mapping with spacecraft:");
    expect_err("# nothing\n\n", "t.yaml:1: empty document: expected a mapping with spacecraft:");
    expect_err("\n---\n", "t.yaml:2: empty document: expected a mapping with spacecraft:");
    expect_err(MIN_SC "---\n" MIN_SC,
               "t.yaml:8: a second YAML document: the file must hold only one");
    expect_err("QK1\n", "t.yaml:1: expected a mapping at the top level, got 'QK1'");
    /* 15 nested sequences under the top mapping are 16 levels; 16 are too many */
    expect_err("a: [[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]\n",
               "t.yaml:1: a: unknown key (known: atmosphere, checks, spacecraft)");
    expect_err("a: [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]\n", "t.yaml:1: nesting deeper than 16 levels");
}

Test(config, strings_and_long_values) {
    char yaml[1024], want[512];
    char x50[51], n64[65], p256[257];
    memset(x50, 'x', 50);
    x50[50] = '\0';
    memset(n64, 'N', 64);
    n64[64] = '\0';
    p256[0] = '/';
    memset(p256 + 1, 'P', 255);
    p256[256] = '\0';
    /* values in messages are cut at 40 octets */
    snprintf(yaml, sizeof yaml, "spacecraft:\n  - name: QK1\n    mass_kg: %s\n", x50);
    snprintf(want, sizeof want,
             "t.yaml:3: spacecraft[0].mass_kg: expected a number, got '%.40s...'", x50);
    expect_err(yaml, want);
    snprintf(yaml, sizeof yaml, "spacecraft:\n  - name: %s\n", n64);
    expect_err(yaml, "t.yaml:2: spacecraft[0].name: longer than 63 characters");
    snprintf(yaml, sizeof yaml, "spacecraft:\n  - name: %.63s\n    mass_kg: x\n", n64);
    expect_err(yaml, "t.yaml:3: spacecraft[0].mass_kg: expected a number, got 'x'");
    snprintf(yaml, sizeof yaml, MIN_PARAMS "      altitude_km: %s\n", p256);
    expect_err(yaml, "t.yaml:7: spacecraft[0].parameters.altitude_km: longer than 255 characters");
    snprintf(yaml, sizeof yaml, MIN_PARAMS "      altitude_km: %.255s\n", p256);
    mon_config_t cfg;
    parse_ok(yaml, &cfg);
    cr_expect_eq(strlen(cfg.spacecraft[0].param[MON_ROLE_ALTITUDE_KM]), 255);
    mon_config_free(&cfg);
    expect_err("spacecraft:\n  - name: \"Q\\0K\"\n",
               "t.yaml:2: spacecraft[0].name: contains a NUL character");
    expect_err("spacecraft:\n  - name: QK1\n    mass_kg: \"6\\05\"\n",
               "t.yaml:3: spacecraft[0].mass_kg: expected a number, got a quoted string '6?5'");
    parse_ok("atmosphere: {f107a_mean: centred, model: exponential}\n" MIN_SC, &cfg);
    cr_expect_eq(cfg.atmosphere.f107a_trailing, false);
    cr_expect_eq(cfg.atmosphere.model, MON_ATMOS_EXPONENTIAL);
    mon_config_free(&cfg);
}

/* n spacecraft entries "S00000".."S<n-1>" (one line each, from line 2). */
static char *many(size_t n, size_t *len) {
    size_t cap = 64 + n * 128;
    char *t = malloc(cap);
    cr_assert_not_null(t);
    size_t o = (size_t)snprintf(t, cap, "spacecraft:\n");
    for (size_t i = 0; i < n; i++) {
        o += (size_t)snprintf(t + o, cap - o,
                              "- {name: S%05zu, mass_kg: 1, drag_area_m2: 1, parameters: "
                              "{altitude_km: /A}, limits: {min_altitude_km: 200}}\n",
                              i);
    }
    *len = o;
    return t;
}

Test(config, size_limits) {
    size_t len;
    char *t = many(MON_MAX_SPACECRAFT, &len);
    mon_config_t cfg;
    char err[512] = "";
    cr_assert_eq(parse(t, len, &cfg, err, sizeof err), 0, "%s", err);
    cr_expect_eq(cfg.n_spacecraft, MON_MAX_SPACECRAFT);
    cr_expect_str_eq(cfg.spacecraft[MON_MAX_SPACECRAFT - 1].name, "S16383");
    cr_expect_eq(cfg.spacecraft[MON_MAX_SPACECRAFT - 1].line, MON_MAX_SPACECRAFT + 1);
    mon_config_free(&cfg);
    free(t);

    t = many(MON_MAX_SPACECRAFT + 1, &len);
    cr_expect_eq(parse(t, len, &cfg, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.yaml:2: spacecraft: more than 16384 entries");
    mon_config_free(&cfg);
    free(t);

    /* 4 MiB of text is the most accepted (the length decides, before any parsing) */
    size_t big = (size_t)4 << 20;
    t = malloc(big + 1);
    cr_assert_not_null(t);
    memset(t, '#', big + 1);
    cr_expect_eq(parse(t, big + 1, &cfg, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.yaml:1: larger than 4 MiB");
    cr_expect_eq(parse(t, big, &cfg, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.yaml:1: empty document: expected a mapping with spacecraft:");
    free(t);

    /* a small error buffer holds the start of the message */
    char small[12];
    cr_expect_eq(parse("x: 1\n", 5, &cfg, small, sizeof small), -1);
    cr_expect_str_eq(small, "t.yaml:1: x");
}

/* ---- parameter names against a mission database ---- */

typedef struct {
    const char *const *names;
    size_t n;
    size_t calls;
} name_list_t;

static bool in_list(void *ctx, const char *qname) {
    name_list_t *l = ctx;
    l->calls++;
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->names[i], qname) == 0) {
            return true;
        }
    }
    return false;
}

static const char TWO_SC[] =
    "spacecraft:\n"                                                   /* 1 */
    "  - name: QK1\n"                                                 /* 2 */
    "    mass_kg: 65\n"                                               /* 3 */
    "    drag_area_m2: 0.45\n"                                        /* 4 */
    "    parameters: {altitude_km: /QK1/ALT, thruster_on: /QK1/ON}\n" /* 5 */
    "    limits: {min_altitude_km: 200}\n"                            /* 6 */
    "  - name: QK2\n"                                                 /* 7 */
    "    mass_kg: 65\n"                                               /* 8 */
    "    drag_area_m2: 0.45\n"                                        /* 9 */
    "    parameters:\n"                                               /* 10 */
    "      position_ecef_m:\n"                                        /* 11 */
    "        - /QK2/X\n"                                              /* 12 */
    "        - /QK2/Y\n"                                              /* 13 */
    "        - /QK2/Z\n"                                              /* 14 */
    "    limits: {min_altitude_km: 200}\n";                           /* 15 */

Test(config, check_params_against_a_list) {
    mon_config_t cfg;
    parse_ok(TWO_SC, &cfg);
    static const char *const all[] = {"/QK1/ALT", "/QK1/ON", "/QK2/X", "/QK2/Y", "/QK2/Z"};
    name_list_t l = {all, 5, 0};
    char err[512] = "";
    cr_expect_eq(mon_config_check_params(&cfg, in_list, &l, err, sizeof err), 0, "%s", err);
    cr_expect_eq(l.calls, 5); /* every configured name, once */

    static const char *const no_y[] = {"/QK1/ALT", "/QK1/ON", "/QK2/X", "/QK2/Z"};
    l = (name_list_t){no_y, 4, 0};
    cr_expect_eq(mon_config_check_params(&cfg, in_list, &l, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.yaml:13: spacecraft[1](QK2).parameters.position_ecef_m[1]: '/QK2/Y' "
                          "is not a parameter of the mission database");

    static const char *const no_on[] = {"/QK1/ALT", "/QK2/X", "/QK2/Y", "/QK2/Z"};
    l = (name_list_t){no_on, 4, 0};
    cr_expect_eq(mon_config_check_params(&cfg, in_list, &l, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.yaml:5: spacecraft[0](QK1).parameters.thruster_on: '/QK1/ON' is "
                          "not a parameter of the mission database");
    mon_config_free(&cfg);
}

static bool in_mdb(void *ctx, const char *qname) {
    const dec_mdb_t *m = ctx;
    for (size_t i = 0; i < dec_mdb_n_params(m); i++) {
        if (strcmp(dec_mdb_param_name(m, (uint32_t)i), qname) == 0) {
            return true;
        }
    }
    return false;
}

Test(config, sample_config_matches_the_sample_database) {
    char err[512] = "";
    dec_mdb_t *m = dec_mdb_load(CAPTURE("sample-pass.xml"), err, sizeof err);
    cr_assert_not_null(m, "%s", err);
    /* the database names parameters by their qualified names */
    cr_expect_eq(in_mdb(m, "/QK1/GNSS/ALTITUDE"), true);
    cr_expect_eq(in_mdb(m, "ALTITUDE"), false);

    mon_config_t cfg;
    cr_assert_eq(mon_config_load(CAPTURE("sample-pass.yaml"), &cfg, err, sizeof err), 0, "%s", err);
    cr_expect_eq(mon_config_check_params(&cfg, in_mdb, m, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(cfg.path, CAPTURE("sample-pass.yaml"));
    cr_expect_eq(cfg.atmosphere.model, MON_ATMOS_JACCHIA71);
    cr_expect_str_eq(cfg.atmosphere.space_weather, "");
    cr_assert_eq(cfg.n_spacecraft, 1);
    const mon_sc_cfg_t *s = &cfg.spacecraft[0];
    cr_expect_str_eq(s->name, "QK1");
    cr_expect_eq(s->mass_kg, 65);
    cr_expect_eq(s->drag_area_m2, 0.45);
    cr_expect_eq(s->drag_coefficient, 2.2);
    cr_expect_str_eq(s->param[MON_ROLE_ALTITUDE_KM], "/QK1/GNSS/ALTITUDE");
    cr_expect_str_eq(s->param[MON_ROLE_THRUST_MN], "/QK1/PROP/THRUST");
    cr_expect_str_eq(s->param[MON_ROLE_THRUST_CMD_MN], "/QK1/PROP/THRUST_CMD");
    cr_expect_str_eq(s->param[MON_ROLE_THRUSTER_POWER_W], "/QK1/PROP/POWER");
    cr_expect_str_eq(s->param[MON_ROLE_SOLAR_POWER_W], "/QK1/EPS/SOLAR_POWER");
    cr_expect_str_eq(s->param[MON_ROLE_LOAD_POWER_W], "/QK1/EPS/LOAD_POWER");
    cr_expect_str_eq(s->param[MON_ROLE_BATTERY_SOC_PCT], "/QK1/EPS/SOC");
    cr_expect_str_eq(s->param[MON_ROLE_THRUSTER_ON], ""); /* no such parameter in the XML */
    /* the sample's 11.8 mN for 215 W sits within the power margin of the rated ratio */
    double need_w = 11.8 / s->thrust_to_power_mn_per_kw * 1000.0;
    cr_expect(fabs(215.0 - need_w) / need_w * 100.0 < s->checks.power_margin_pct);
    cr_expect_eq(s->max_thrust_mn, 20);
    cr_expect_eq(s->min_altitude_km, 200);
    mon_config_free(&cfg);

    /* a name the database lacks is reported with its line */
    parse_ok(MIN_PARAMS
             "      altitude_km: /QK1/GNSS/ALTITUDE\n      thruster_on: /QK1/PROP/FIRING\n",
             &cfg);
    cr_expect_eq(mon_config_check_params(&cfg, in_mdb, m, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.yaml:8: spacecraft[0](QK1).parameters.thruster_on: "
                          "'/QK1/PROP/FIRING' is not a parameter of the mission database");
    mon_config_free(&cfg);
    dec_mdb_destroy(&m);
}

/* ---- files ---- */

static void write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    cr_assert_eq(fputs(text, fp) >= 0, true);
    cr_assert_eq(fclose(fp), 0);
}

Test(config, load_resolves_space_weather) {
    char dir[] = "/tmp/test_config_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64], want[512], err[512] = "";
    snprintf(path, sizeof path, "%s/m.yaml", dir);
    mon_config_t cfg;

    write_file(path, "atmosphere: {space_weather: sw/indices.csv}\n" MIN_SC);
    cr_assert_eq(mon_config_load(path, &cfg, err, sizeof err), 0, "%s", err);
    snprintf(want, sizeof want, "%s/sw/indices.csv", dir);
    cr_expect_str_eq(cfg.atmosphere.space_weather, want);
    cr_expect_str_eq(cfg.path, path);
    mon_config_free(&cfg);

    write_file(path, "atmosphere: {space_weather: /data/sw.csv}\n" MIN_SC);
    cr_assert_eq(mon_config_load(path, &cfg, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(cfg.atmosphere.space_weather, "/data/sw.csv");
    mon_config_free(&cfg);

    /* errors name the file as given */
    write_file(path, MIN_SC "    mass_kg: 2\n");
    cr_expect_eq(mon_config_load(path, &cfg, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:8: spacecraft[0].mass_kg: duplicate key (first at line 3)",
             path);
    cr_expect_str_eq(err, want);
    cr_expect_null(cfg.spacecraft);

    cr_expect_eq(unlink(path), 0);
    cr_expect_eq(mon_config_load(path, &cfg, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    cr_expect_str_eq(err, want);
    cr_expect_eq(mon_config_load(dir, &cfg, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: cannot read: Is a directory", dir);
    cr_expect_str_eq(err, want);
    cr_expect_eq(rmdir(dir), 0);
}
