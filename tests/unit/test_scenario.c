/* test_scenario.c: vleo-sim scenario files (sim/src/scenario_yaml.c, sim/scenario.h, issue 6
 * item 3): every field of a full file read exactly, the defaults, the exact message and line of
 * each error class, and every bundled scenario in sim/scenarios/ loading. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guard.h"
#include "sim/scenario.h"

#define SCENARIOS VLEO_SOURCE_DIR "/sim/scenarios"
#define NS 1000000000LL
#define H_NS (3600LL * NS)
#define T_2022_02_03 (1643846400LL * NS) /* 2022-02-03T00:00:00Z */
#define T_2026_03_01 (1772323200LL * NS) /* the default start */

/* Parse yaml (placed against a guard page) under the name "t.yaml". */
static int parse(const char *yaml, size_t len, sim_scenario_t *s, char *err, size_t errlen) {
    const char *g = (const char *)guard_place(yaml, len);
    cr_assert_not_null(g);
    return sim_scenario_parse(g, len, "t.yaml", s, err, errlen);
}

static void parse_ok(const char *yaml, sim_scenario_t *s) {
    char err[512] = "";
    int rc = parse(yaml, strlen(yaml), s, err, sizeof err);
    cr_assert_eq(rc, 0, "unexpected error: %s\nfor:\n%s", err, yaml);
    cr_assert_str_eq(err, "");
}

/* The parse fails with exactly `want` and leaves the defaults in the scenario. */
static void expect_err(const char *yaml, const char *want) {
    sim_scenario_t s;
    char err[512] = "";
    int rc = parse(yaml, strlen(yaml), &s, err, sizeof err);
    cr_expect_eq(rc, -1, "accepted:\n%s", yaml);
    cr_expect_str_eq(err, want, "got  %s\nwant %s\nfor:\n%s", err, want, yaml);
    cr_expect_eq(s.n_events, 0);
    cr_expect_eq(s.mass_kg, 65.0);
    cr_expect(isnan(s.target_altitude_km));
}

/* The example of the issue, every key given (line numbers on the right). */
static const char FULL[] =
    "name: storm-moderate            # default: file base name\n"                        /* 1 */
    "description: >\n"                                                                   /* 2 */
    "  Kp about 5 for a day;\n"                                                          /* 3 */
    "  drag up to 50 % above the quiet model.\n"                                         /* 4 */
    "start: 2022-02-03T00:00:00Z\n"                                                      /* 5 */
    "duration_h: 48\n"                                                                   /* 6 */
    "step_s: 2.5\n"                                                                      /* 7 */
    "seed: 18446744073709551615\n"                                                       /* 8 */
    "spacecraft: {name: QK7, mass_kg: 70.5, drag_area_m2: 0.5, drag_coefficient: 2.3}\n" /* 9 */
    "orbit: {altitude_km: 260, inclination_deg: 96.5, raan_deg: -45, arg_lat_deg: 30}\n" /* 10 */
    "thruster: {max_thrust_mn: 25, min_thrust_mn: 1.5, thrust_to_power_mn_per_kw: 60,\n" /* 11 */
    "           isp_s: 1600, propellant_kg: 3.25}\n"                                     /* 12 */
    "controller: {station_keeping: false, target_altitude_km: 255, band_km: 0.25}\n"     /* 13 */
    "power: {solar_array_w: 310, bus_load_w: 85, battery_capacity_wh: 250, max_charge_w: 120,\n"
    "        max_discharge_w: 140, initial_soc_pct: 75, reserve_soc_pct: 45}\n" /* 15 */
    "space_weather: {f107: 121.5, f107a: 110, kp: 2.33, density_factor: 1.1}\n" /* 16 */
    "telemetry: {gnss_period_s: 15, hk_period_s: 45, idle_period_s: 0, gnss_noise_m: 3,\n"
    "            thrust_noise_pct: 1.5, power_noise_w: 0.5}\n"                  /* 18 */
    "events:\n"                                                                 /* 19 */
    "  - {at_h: 12, thrust_factor: 0.6}\n"                                      /* 20 */
    "  - {at_h: 3, thruster: off}            # off | full\n"                    /* 21 */
    "  - {at_h: 24, target_altitude_km: 240}\n"                                 /* 22 */
    "  - {at_h: 5, until_h: 9, extra_load_w: 60}\n"                             /* 23 */
    "  - {at_h: 6, until_h: 30, space_weather: {kp: 5, density_factor: 1.5}}\n" /* 24 */
    "  - {at_h: 10, until_h: 10.5, telemetry_gap: true}\n"                      /* 25 */
    "  - at: 2022-02-04T01:30:00Z\n"                                            /* 26 */
    "    until: \"2022-02-05T00:00:00Z\"\n"                                     /* 27 */
    "    thruster: full\n"                                                      /* 28 */
    "  - {at_h: 0, space_weather: {f107: 140, f107a: 130}}\n";                  /* 29 */

static void expect_event(const sim_event_t *e, sim_event_kind_t kind, int64_t at, int64_t until,
                         double value, int line) {
    cr_expect_eq(e->kind, kind, "line %d: kind %d", line, (int)e->kind);
    cr_expect_eq(e->at_ns, at, "line %d: at %lld", line, (long long)e->at_ns);
    cr_expect_eq(e->until_ns, until, "line %d: until %lld", line, (long long)e->until_ns);
    cr_expect_eq(e->value, value, "line %d: value %g", line, e->value);
    cr_expect_eq(e->line, line);
}

Test(scenario, full_file_every_field) {
    sim_scenario_t s;
    parse_ok(FULL, &s);
    cr_expect_str_eq(s.name, "storm-moderate");
    cr_expect_str_eq(s.description, "Kp about 5 for a day; drag up to 50 % above the quiet model.");
    cr_expect_eq(s.start_ns, T_2022_02_03);
    cr_expect_eq(s.duration_s, 172800.0);
    cr_expect_eq(s.step_s, 2.5);
    cr_expect_eq(s.seed, UINT64_MAX);
    cr_expect_str_eq(s.spacecraft, "QK7");
    cr_expect_eq(s.mass_kg, 70.5);
    cr_expect_eq(s.drag_area_m2, 0.5);
    cr_expect_eq(s.drag_coefficient, 2.3);
    cr_expect_eq(s.altitude_km, 260.0);
    cr_expect_eq(s.inclination_deg, 96.5);
    cr_expect_eq(s.raan_deg, -45.0);
    cr_expect_eq(s.arg_lat_deg, 30.0);
    cr_expect_eq(s.max_thrust_mn, 25.0);
    cr_expect_eq(s.min_thrust_mn, 1.5);
    cr_expect_eq(s.thrust_to_power_mn_per_kw, 60.0);
    cr_expect_eq(s.isp_s, 1600.0);
    cr_expect_eq(s.propellant_kg, 3.25);
    cr_expect_eq(s.station_keeping, false);
    cr_expect_eq(s.target_altitude_km, 255.0);
    cr_expect_eq(s.band_km, 0.25);
    cr_expect_eq(s.solar_array_w, 310.0);
    cr_expect_eq(s.bus_load_w, 85.0);
    cr_expect_eq(s.battery_capacity_wh, 250.0);
    cr_expect_eq(s.max_charge_w, 120.0);
    cr_expect_eq(s.max_discharge_w, 140.0);
    cr_expect_eq(s.initial_soc_pct, 75.0);
    cr_expect_eq(s.reserve_soc_pct, 45.0);
    cr_expect_eq(s.f107, 121.5);
    cr_expect_eq(s.f107a, 110.0);
    cr_expect_eq(s.kp, 2.33);
    cr_expect_eq(s.density_factor, 1.1);
    cr_expect_eq(s.gnss_period_s, 15.0);
    cr_expect_eq(s.hk_period_s, 45.0);
    cr_expect_eq(s.idle_period_s, 0.0);
    cr_expect_eq(s.gnss_noise_m, 3.0);
    cr_expect_eq(s.thrust_noise_pct, 1.5);
    cr_expect_eq(s.power_noise_w, 0.5);

    cr_assert_eq(s.n_events, 8);
    const int64_t t0 = T_2022_02_03;
    expect_event(&s.events[0], SIM_EV_THRUST_FACTOR, t0 + 12 * H_NS, 0, 0.6, 20);
    expect_event(&s.events[1], SIM_EV_THRUSTER_OFF, t0 + 3 * H_NS, 0, 0.0, 21);
    expect_event(&s.events[2], SIM_EV_TARGET_ALTITUDE, t0 + 24 * H_NS, 0, 240.0, 22);
    expect_event(&s.events[3], SIM_EV_LOAD_W, t0 + 5 * H_NS, t0 + 9 * H_NS, 60.0, 23);
    expect_event(&s.events[4], SIM_EV_SPACE_WEATHER, t0 + 6 * H_NS, t0 + 30 * H_NS, 0.0, 24);
    expect_event(&s.events[5], SIM_EV_TELEMETRY_GAP, t0 + 10 * H_NS, t0 + 10 * H_NS + H_NS / 2, 0.0,
                 25);
    expect_event(&s.events[6], SIM_EV_THRUSTER_FULL, t0 + 25 * H_NS + H_NS / 2, t0 + 48 * H_NS, 0.0,
                 26);
    expect_event(&s.events[7], SIM_EV_SPACE_WEATHER, t0, 0, 0.0, 29);
    /* space weather: given values, NaN for the rest (and for other kinds) */
    cr_expect_eq(s.events[4].kp, 5.0);
    cr_expect_eq(s.events[4].density_factor, 1.5);
    cr_expect(isnan(s.events[4].f107) && isnan(s.events[4].f107a));
    cr_expect_eq(s.events[7].f107, 140.0);
    cr_expect_eq(s.events[7].f107a, 130.0);
    cr_expect(isnan(s.events[7].kp) && isnan(s.events[7].density_factor));
    cr_expect(isnan(s.events[0].kp) && isnan(s.events[0].f107) && isnan(s.events[0].f107a) &&
              isnan(s.events[0].density_factor));
}

static void expect_defaults(const sim_scenario_t *s, const char *name) {
    cr_expect_str_eq(s->name, name);
    cr_expect_str_eq(s->description, "");
    cr_expect_eq(s->start_ns, T_2026_03_01);
    cr_expect_eq(s->duration_s, 86400.0);
    cr_expect_eq(s->step_s, 5.0);
    cr_expect_eq(s->seed, 1);
    cr_expect_str_eq(s->spacecraft, "QK1");
    cr_expect_eq(s->mass_kg, 65.0);
    cr_expect_eq(s->drag_area_m2, 0.45);
    cr_expect_eq(s->drag_coefficient, 2.2);
    cr_expect_eq(s->altitude_km, 250.0);
    cr_expect_eq(s->inclination_deg, 97.4);
    cr_expect_eq(s->raan_deg, 0.0);
    cr_expect_eq(s->arg_lat_deg, 0.0);
    cr_expect_eq(s->max_thrust_mn, 20.0);
    cr_expect_eq(s->min_thrust_mn, 2.0);
    cr_expect_eq(s->thrust_to_power_mn_per_kw, 55.0);
    cr_expect_eq(s->isp_s, 1500.0);
    cr_expect_eq(s->propellant_kg, 2.0);
    cr_expect_eq(s->station_keeping, true);
    cr_expect_eq(s->target_altitude_km, 250.0); /* resolved: same as altitude_km */
    cr_expect_eq(s->band_km, 0.5);
    cr_expect_eq(s->solar_array_w, 200.0);
    cr_expect_eq(s->bus_load_w, 80.0);
    cr_expect_eq(s->battery_capacity_wh, 200.0);
    cr_expect_eq(s->max_charge_w, 150.0);
    cr_expect_eq(s->max_discharge_w, 150.0);
    cr_expect_eq(s->initial_soc_pct, 90.0);
    cr_expect_eq(s->reserve_soc_pct, 50.0);
    cr_expect_eq(s->f107, 150.0);
    cr_expect_eq(s->f107a, 150.0);
    cr_expect_eq(s->kp, 2.0);
    cr_expect_eq(s->density_factor, 1.0);
    cr_expect_eq(s->gnss_period_s, 10.0);
    cr_expect_eq(s->hk_period_s, 30.0);
    cr_expect_eq(s->idle_period_s, 60.0);
    cr_expect_eq(s->gnss_noise_m, 5.0);
    cr_expect_eq(s->thrust_noise_pct, 2.0);
    cr_expect_eq(s->power_noise_w, 1.0);
    cr_expect_eq(s->n_events, 0);
}

Test(scenario, defaults) {
    sim_scenario_t s;
    parse_ok("", &s); /* every key is optional: an empty file is the defaults */
    expect_defaults(&s, "t");
    parse_ok("# only a comment\n", &s);
    expect_defaults(&s, "t");
    parse_ok("---\n{}\n...\n", &s);
    expect_defaults(&s, "t");
    /* the name defaults to the base name without .yaml or .yml */
    const char *names[][2] = {
        {"dir/sub/storm.yaml", "storm"}, {"/a/b.yml", "b"},      {"plain", "plain"},
        {"x.yaml.bak", "x.yaml.bak"},    {"dir/.yaml", ".yaml"}, {"dir/", "scenario"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char err[256] = "";
        cr_assert_eq(sim_scenario_parse("", 0, names[i][0], &s, err, sizeof err), 0, "%s", err);
        cr_expect_str_eq(s.name, names[i][1]);
    }
    cr_assert_eq(sim_scenario_parse("", 0, NULL, &s, NULL, 0), 0);
    cr_expect_str_eq(s.name, "scenario");
    /* a long base name is cut to SIM_NAME_MAX - 1 */
    char longname[100];
    memset(longname, 'n', 80);
    memcpy(longname + 80, ".yaml", 6);
    cr_assert_eq(sim_scenario_parse("", 0, longname, &s, NULL, 0), 0);
    cr_expect_eq(strlen(s.name), SIM_NAME_MAX - 1);
    /* target_altitude_km follows altitude_km unless given */
    parse_ok("orbit: {altitude_km: 227}\n", &s);
    cr_expect_eq(s.altitude_km, 227.0);
    cr_expect_eq(s.target_altitude_km, 227.0);
    parse_ok("orbit: {altitude_km: 227}\ncontroller: {target_altitude_km: 230}\n", &s);
    cr_expect_eq(s.target_altitude_km, 230.0);
    /* duration_s instead of duration_h; block style; numbers in any plain notation */
    parse_ok("duration_s: 5400\nstep_s: .5\nspace_weather:\n  kp: 5e0\n  f107: +1.2e2\n", &s);
    cr_expect_eq(s.duration_s, 5400.0);
    cr_expect_eq(s.step_s, 0.5);
    cr_expect_eq(s.kp, 5.0);
    cr_expect_eq(s.f107, 120.0);
    parse_ok("seed: 0\nstart: 2024-05-09\nname: \"quoted name\"\n", &s);
    cr_expect_eq(s.seed, 0);
    cr_expect_eq(s.start_ns, 1715212800LL * NS);
    cr_expect_str_eq(s.name, "quoted name");
}

Test(scenario, event_times) {
    sim_scenario_t s;
    /* at the start and until the very end; at_h and until mixed */
    parse_ok("start: 2022-02-03T00:00:00Z\nduration_h: 10\nevents:\n"
             "  - {at_h: 0, until: 2022-02-03T10:00:00Z, thruster: off}\n"
             "  - {at: 2022-02-03T09:59:59.5Z, until_h: 10, telemetry_gap: true}\n"
             "  - {at_h: 1e-3, extra_load_w: 0}\n",
             &s);
    cr_assert_eq(s.n_events, 3);
    cr_expect_eq(s.events[0].at_ns, T_2022_02_03);
    cr_expect_eq(s.events[0].until_ns, T_2022_02_03 + 10 * H_NS);
    cr_expect_eq(s.events[1].at_ns, T_2022_02_03 + 10 * H_NS - NS / 2);
    cr_expect_eq(s.events[1].until_ns, T_2022_02_03 + 10 * H_NS);
    cr_expect_eq(s.events[2].at_ns, T_2022_02_03 + 3600LL * 1000000LL);
    cr_expect_eq(s.events[2].until_ns, 0);
    /* SIM_MAX_EVENTS events are fine; one more is not */
    char yaml[8192];
    size_t o = (size_t)snprintf(yaml, sizeof yaml, "events:\n");
    for (int i = 0; i < SIM_MAX_EVENTS; i++) {
        o += (size_t)snprintf(yaml + o, sizeof yaml - o, "- {at_h: %d, extra_load_w: %d}\n", i % 24,
                              i);
    }
    parse_ok(yaml, &s);
    cr_expect_eq(s.n_events, SIM_MAX_EVENTS);
    cr_expect_eq(s.events[SIM_MAX_EVENTS - 1].value, SIM_MAX_EVENTS - 1);
    cr_expect_eq(s.events[SIM_MAX_EVENTS - 1].line, SIM_MAX_EVENTS + 1);
    snprintf(yaml + o, sizeof yaml - o, "- {at_h: 1, thruster: off}\n");
    expect_err(yaml, "t.yaml:66: events: more than 64 events");
}

Test(scenario, unknown_and_duplicate_keys) {
    expect_err("nmae: x\n",
               "t.yaml:1: nmae: unknown key (known: name, description, start, duration_h, "
               "duration_s, step_s, seed, spacecraft, orbit, thruster, controller, power, "
               "space_weather, telemetry, events)");
    expect_err("orbit:\n  altitude_km: 250\n  inclination: 97\n",
               "t.yaml:3: orbit.inclination: unknown key (known: altitude_km, inclination_deg, "
               "raan_deg, arg_lat_deg)");
    expect_err("events:\n  - {at_h: 1, kp: 5}\n",
               "t.yaml:2: events[0].kp: unknown key (known: at, at_h, until, until_h, "
               "thrust_factor, thruster, target_altitude_km, extra_load_w, space_weather, "
               "telemetry_gap)");
    expect_err("events:\n  - {at_h: 1, space_weather: {ap: 5}}\n",
               "t.yaml:2: events[0].space_weather.ap: unknown key (known: f107, f107a, kp, "
               "density_factor)");
    expect_err("seed: 1\nstep_s: 5\nseed: 2\n", "t.yaml:3: seed: duplicate key (first at line 1)");
    expect_err("power:\n  bus_load_w: 80\n  bus_load_w: 90\n",
               "t.yaml:3: power.bus_load_w: duplicate key (first at line 2)");
    expect_err("events:\n- at_h: 1\n  thruster: off\n  at_h: 2\n",
               "t.yaml:4: events[0].at_h: duplicate key (first at line 2)");
    expect_err("{[1]: 2}\n", "t.yaml:1: expected a key name, got a sequence");
}

Test(scenario, numbers_strict) {
    expect_err("step_s: 5 s\n", "t.yaml:1: step_s: expected a number, got '5 s'");
    expect_err("step_s: 12abc\n", "t.yaml:1: step_s: expected a number, got '12abc'");
    expect_err("step_s: 0x10\n", "t.yaml:1: step_s: expected a number, got '0x10'");
    expect_err("step_s: .nan\n", "t.yaml:1: step_s: expected a number, got '.nan'");
    expect_err("step_s: nan\n", "t.yaml:1: step_s: expected a number, got 'nan'");
    expect_err("step_s: inf\n", "t.yaml:1: step_s: expected a number, got 'inf'");
    expect_err("step_s: 1e999\n", "t.yaml:1: step_s: expected a finite number, got '1e999'");
    expect_err("step_s: 1..2\n", "t.yaml:1: step_s: expected a number, got '1..2'");
    expect_err("step_s: \"5\"\n", "t.yaml:1: step_s: expected a number, got a quoted string '5'");
    expect_err("step_s:\nseed: 1\n", "t.yaml:1: step_s: expected a number, got an empty value");
    expect_err("step_s: [5]\n", "t.yaml:1: step_s: expected a number, got a sequence");
    expect_err("orbit: {altitude_km: {}}\n",
               "t.yaml:1: orbit.altitude_km: expected a number, got a mapping");
    expect_err("seed: -1\n",
               "t.yaml:1: seed: expected a whole number 0 to 18446744073709551615, got '-1'");
    expect_err("seed: 1.5\n",
               "t.yaml:1: seed: expected a whole number 0 to 18446744073709551615, got '1.5'");
    expect_err("seed: 18446744073709551616\n",
               "t.yaml:1: seed: expected a whole number 0 to 18446744073709551615, got "
               "'18446744073709551616'");
    expect_err("controller: {station_keeping: yes}\n",
               "t.yaml:1: controller.station_keeping: expected true or false, got 'yes'");
    expect_err("controller: {station_keeping: \"true\"}\n",
               "t.yaml:1: controller.station_keeping: expected true or false, got 'true'");
}

Test(scenario, ranges) {
    expect_err("step_s: 0\n", "t.yaml:1: step_s: must be > 0 and <= 60, got '0'");
    expect_err("step_s: 61\n", "t.yaml:1: step_s: must be > 0 and <= 60, got '61'");
    expect_err("duration_h: 0\n", "t.yaml:1: duration_h: must be > 0 and <= 8784, got '0'");
    expect_err("duration_s: 31622401\n",
               "t.yaml:1: duration_s: must be > 0 and <= 31622400, got '31622401'");
    expect_err("\n\nspacecraft:\n  mass_kg: -65\n",
               "t.yaml:4: spacecraft.mass_kg: must be > 0 and <= 100000, got '-65'");
    expect_err("orbit: {altitude_km: 99.9}\n",
               "t.yaml:1: orbit.altitude_km: must be between 100 and 2000, got '99.9'");
    expect_err("orbit: {inclination_deg: 180.5}\n",
               "t.yaml:1: orbit.inclination_deg: must be between 0 and 180, got '180.5'");
    expect_err("controller: {band_km: 0}\n",
               "t.yaml:1: controller.band_km: must be > 0 and <= 100, got '0'");
    expect_err("power: {initial_soc_pct: 101}\n",
               "t.yaml:1: power.initial_soc_pct: must be between 0 and 100, got '101'");
    expect_err("power: {reserve_soc_pct: -1}\n",
               "t.yaml:1: power.reserve_soc_pct: must be between 0 and 100, got '-1'");
    expect_err("space_weather: {kp: 9.1}\n",
               "t.yaml:1: space_weather.kp: must be between 0 and 9, got '9.1'");
    expect_err("space_weather: {f107: 0}\n",
               "t.yaml:1: space_weather.f107: must be > 0 and <= 1000, got '0'");
    expect_err("space_weather: {density_factor: 0}\n",
               "t.yaml:1: space_weather.density_factor: must be > 0 and <= 100, got '0'");
    expect_err("telemetry: {gnss_period_s: 0.05}\n",
               "t.yaml:1: telemetry.gnss_period_s: must be between 0.1 and 86400, got '0.05'");
    expect_err("thruster: {thrust_to_power_mn_per_kw: 0}\n",
               "t.yaml:1: thruster.thrust_to_power_mn_per_kw: must be > 0 and <= 1000, got '0'");
    /* checks across keys, at the line of the key that was set */
    expect_err("thruster:\n  min_thrust_mn: 21\n",
               "t.yaml:2: thruster.min_thrust_mn: must not exceed max_thrust_mn (20), got 21");
    expect_err("thruster:\n  max_thrust_mn: 1\n",
               "t.yaml:2: thruster.max_thrust_mn: must not be below min_thrust_mn (2), got 1");
    expect_err("spacecraft: {mass_kg: 10}\nthruster: {propellant_kg: 10}\n",
               "t.yaml:2: thruster.propellant_kg: must be less than spacecraft.mass_kg (10), "
               "got 10");
    expect_err("spacecraft:\n  mass_kg: 1.5\n",
               "t.yaml:2: spacecraft.mass_kg: must exceed thruster.propellant_kg (2), got 1.5");
    expect_err("duration_s: 4\n", "t.yaml:1: duration_s: must be at least one step (step_s 5 s)");
    expect_err("duration_h: 1\nduration_s: 3600\n",
               "t.yaml:2: duration_s: give duration_h or duration_s, not both (duration_h at "
               "line 1)");
    expect_err("start: 1969-12-31T23:59:59Z\n",
               "t.yaml:1: start: must be between 1970-01-01 and 2100-12-31, got "
               "'1969-12-31T23:59:59Z'");
    expect_err("start: 2101-01-01\n",
               "t.yaml:1: start: must be between 1970-01-01 and 2100-12-31, got '2101-01-01'");
    expect_err("start: 2022-02-30\n",
               "t.yaml:1: start: expected an ISO 8601 UTC time (YYYY-MM-DDThh:mm:ssZ), got "
               "'2022-02-30'");
    expect_err("start: yesterday\n",
               "t.yaml:1: start: expected an ISO 8601 UTC time (YYYY-MM-DDThh:mm:ssZ), got "
               "'yesterday'");
    sim_scenario_t s;
    parse_ok("start: 2100-12-31T23:59:59Z\nstep_s: 60\nduration_s: 60\n", &s);
    cr_expect_eq(s.duration_s, 60.0);
}

Test(scenario, event_errors) {
    expect_err("events: {at_h: 1}\n", "t.yaml:1: events: expected a sequence, got a mapping");
    expect_err("events:\n  - 5\n", "t.yaml:2: events[0]: expected a mapping, got '5'");
    expect_err("events:\n  - {thruster: off}\n",
               "t.yaml:2: events[0]: needs at (UTC) or at_h (hours from start)");
    expect_err("events:\n  - {at: 2026-03-01T01:00:00Z, at_h: 1, thruster: off}\n",
               "t.yaml:2: events[0].at_h: give at or at_h, not both");
    expect_err("duration_h: 48\nevents:\n  - {at_h: 48.5, thruster: off}\n",
               "t.yaml:3: events[0].at_h: must lie inside the run (0 to 48 h), got 48.5");
    expect_err("events:\n  - {at_h: -1, thruster: off}\n",
               "t.yaml:2: events[0].at_h: must lie inside the run (0 to 24 h), got -1");
    expect_err("events:\n  - {at_h: 24, thruster: off}\n",
               "t.yaml:2: events[0].at_h: must be before the end of the run (24 h)");
    expect_err("events:\n  - {at: 2026-02-28T23:59:59Z, thruster: off}\n",
               "t.yaml:2: events[0].at: must lie inside the run (2026-03-01T00:00:00Z to "
               "2026-03-02T00:00:00Z)");
    expect_err("events:\n  - {at: soon, thruster: off}\n",
               "t.yaml:2: events[0].at: expected an ISO 8601 UTC time (YYYY-MM-DDThh:mm:ssZ), "
               "got 'soon'");
    expect_err("events:\n  - at_h: 5\n    until_h: 5\n    thruster: off\n",
               "t.yaml:3: events[0].until_h: must be after at_h (5 h from start)");
    expect_err("events:\n  - {at: 2026-03-01T05:00:00Z, until: 2026-03-01T04:00:00Z, "
               "thruster: off}\n",
               "t.yaml:2: events[0].until: must be after at (5 h from start)");
    expect_err("events:\n  - {at_h: 5, until_h: 25, thruster: off}\n",
               "t.yaml:2: events[0].until_h: must lie inside the run (0 to 24 h), got 25");
    expect_err("events:\n  - {at_h: 1, until: 1, until_h: 2, thruster: off}\n",
               "t.yaml:2: events[0].until_h: give until or until_h, not both");
    expect_err("events:\n  - {at_h: 1}\n",
               "t.yaml:2: events[0]: no action (one of thrust_factor, thruster, "
               "target_altitude_km, extra_load_w, space_weather, telemetry_gap)");
    expect_err("events:\n  - at_h: 1\n    thruster: off\n    thrust_factor: 0.5\n",
               "t.yaml:4: events[0].thrust_factor: an event has one action: thruster is already "
               "given (line 3)");
    expect_err("events:\n  - at_h: 1\n    extra_load_w: 5\n    telemetry_gap: true\n",
               "t.yaml:4: events[0].telemetry_gap: an event has one action: extra_load_w is "
               "already given (line 3)");
    expect_err("events:\n  - {at_h: 1, thruster: on}\n",
               "t.yaml:2: events[0].thruster: expected off or full, got 'on'");
    expect_err("events:\n  - {at_h: 1, thrust_factor: 2.5}\n",
               "t.yaml:2: events[0].thrust_factor: must be between 0 and 2, got '2.5'");
    expect_err("events:\n  - {at_h: 1, target_altitude_km: 50}\n",
               "t.yaml:2: events[0].target_altitude_km: must be between 100 and 2000, got '50'");
    expect_err("events:\n  - {at_h: 1, space_weather: {}}\n",
               "t.yaml:2: events[0].space_weather: changes nothing (give f107, f107a, kp or "
               "density_factor)");
    expect_err("events:\n  - {at_h: 1, space_weather: {kp: 10}}\n",
               "t.yaml:2: events[0].space_weather.kp: must be between 0 and 9, got '10'");
    expect_err("events:\n  - {at_h: 1, telemetry_gap: false}\n",
               "t.yaml:2: events[0].telemetry_gap: must be true (leave the event out for no "
               "gap)");
    expect_err("events:\n  - {at_h: 1, thruster: off}\n  - {at_h: x, thruster: off}\n",
               "t.yaml:3: events[1].at_h: expected a number, got 'x'");
}

Test(scenario, strings) {
    char yaml[1200], want[600], d512[513];
    memset(d512, 'd', 512);
    d512[512] = '\0';
    snprintf(yaml, sizeof yaml, "description: %s\n", d512);
    expect_err(yaml, "t.yaml:1: description: longer than 511 characters");
    snprintf(yaml, sizeof yaml, "description: %.511s\n", d512);
    sim_scenario_t s;
    parse_ok(yaml, &s);
    cr_expect_eq(strlen(s.description), 511);
    expect_err("name: \"\"\n", "t.yaml:1: name: must not be empty");
    expect_err("name: \"a\\tb\"\n", "t.yaml:1: name: contains a control character (0x09)");
    expect_err("name: \"a\\0b\"\n", "t.yaml:1: name: contains a control character (0x00)");
    expect_err("name: [a]\n", "t.yaml:1: name: expected a string, got a sequence");
    expect_err("spacecraft: {name: \"\"}\n", "t.yaml:1: spacecraft.name: must not be empty");
    snprintf(yaml, sizeof yaml, "spacecraft: {name: %.64s}\n", d512);
    expect_err(yaml, "t.yaml:1: spacecraft.name: longer than 63 characters");
    /* values in messages are cut at 40 octets */
    snprintf(yaml, sizeof yaml, "step_s: %.50s\n", d512);
    snprintf(want, sizeof want, "t.yaml:1: step_s: expected a number, got '%.40s...'", d512);
    expect_err(yaml, want);
    /* a block description keeps its inner line breaks, not the last one */
    parse_ok("description: |\n  one\n  two\n", &s);
    cr_expect_str_eq(s.description, "one\ntwo");
}

Test(scenario, yaml_structure) {
    expect_err("orbit:\n  altitude_km: 250\n inclination_deg: 97\n",
               "t.yaml:3: YAML syntax: did not find expected key (while parsing a block mapping "
               "at line 1)");
    expect_err("orbit: {altitude_km: 250\nseed: 1\n",
               "t.yaml:2: YAML syntax: did not find expected ',' or '}' (while parsing a flow "
               "mapping at line 1)");
    expect_err("seed: 1\nstep_s: \x01\n",
               "t.yaml:2: YAML syntax: control characters are not allowed (octet 0x01)");
    expect_err("orbit: &o {altitude_km: 250}\n",
               "t.yaml:1: YAML anchors (&name) are not supported");
    expect_err("seed: 1\norbit: *o\n", "t.yaml:2: YAML aliases (*name) are not supported");
    expect_err("step_s: !!float 5\n", "t.yaml:1: YAML tags (!tag) are not supported");
    expect_err("seed: 1\n---\nseed: 2\n",
               "t.yaml:2: a second YAML document: a scenario is one document");
    expect_err("storm\n", "t.yaml:1: expected a mapping, got 'storm'");
    expect_err("- seed: 1\n", "t.yaml:1: expected a mapping, got a sequence");
    /* 7 nested sequences under the top mapping are 8 levels; 8 are too many */
    expect_err("x: [[[[[[[1]]]]]]]\n",
               "t.yaml:1: x: unknown key (known: name, description, start, duration_h, "
               "duration_s, step_s, seed, spacecraft, orbit, thruster, controller, power, "
               "space_weather, telemetry, events)");
    expect_err("x: [[[[[[[[1]]]]]]]]\n", "t.yaml:1: nesting deeper than 8 levels");
    /* the line of "key:" with its value on the next line is the key's */
    expect_err("orbit:\n  altitude_km:\n    5000\n",
               "t.yaml:3: orbit.altitude_km: must be between 100 and 2000, got '5000'");
    /* CRLF line ends count as one line */
    expect_err("seed: 1\r\nstep_s: 0\r\n", "t.yaml:2: step_s: must be > 0 and <= 60, got '0'");
}

Test(scenario, size_limits) {
    /* 1 MiB of text is the most accepted (the length decides, before any parsing) */
    size_t big = (size_t)1 << 20;
    char *t = malloc(big + 1);
    cr_assert_not_null(t);
    memset(t, '#', big + 1);
    sim_scenario_t s;
    char err[256] = "";
    cr_expect_eq(parse(t, big + 1, &s, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.yaml:1: larger than 1 MiB");
    cr_expect_eq(parse(t, big, &s, err, sizeof err), 0, "%s", err);
    free(t);
    /* a small error buffer holds the start of the message; none at all is fine */
    char small[12];
    cr_expect_eq(parse("x: 1\n", 5, &s, small, sizeof small), -1);
    cr_expect_str_eq(small, "t.yaml:1: x");
    cr_expect_eq(parse("x: 1\n", 5, &s, NULL, 0), -1);
    cr_expect_eq(sim_scenario_parse(NULL, 3, "t.yaml", &s, err, sizeof err), -1);
    cr_expect_str_eq(err, "t.yaml:1: no text");
}

static void write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    cr_assert_eq(fputs(text, fp) >= 0, true);
    cr_assert_eq(fclose(fp), 0);
}

Test(scenario, load_files) {
    char dir[] = "/tmp/test_scenario_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[128], want[512], err[512] = "";
    snprintf(path, sizeof path, "%s/my-storm.yaml", dir);
    sim_scenario_t s;
    write_file(path, "duration_h: 2\n");
    cr_assert_eq(sim_scenario_load(path, &s, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(s.name, "my-storm");
    cr_expect_eq(s.duration_s, 7200.0);
    /* errors name the file as given */
    write_file(path, "duration_h: 2\nseed: x\n");
    cr_expect_eq(sim_scenario_load(path, &s, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "%s:2: seed: expected a whole number 0 to 18446744073709551615, got 'x'", path);
    cr_expect_str_eq(err, want);
    /* more than 1 MiB; exactly 1 MiB of comments is the defaults */
    size_t big = (size_t)1 << 20;
    char *text = malloc(big + 1);
    cr_assert_not_null(text);
    memset(text, '#', big + 1);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(text, 1, big, fp), big);
    cr_assert_eq(fclose(fp), 0);
    cr_expect_eq(sim_scenario_load(path, &s, err, sizeof err), 0, "%s", err);
    fp = fopen(path, "w");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(text, 1, big + 1, fp), big + 1);
    cr_assert_eq(fclose(fp), 0);
    free(text);
    cr_expect_eq(sim_scenario_load(path, &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: larger than 1 MiB", path);
    cr_expect_str_eq(err, want);
    cr_expect_eq(unlink(path), 0);
    cr_expect_eq(sim_scenario_load(path, &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    cr_expect_str_eq(err, want);
    cr_expect_eq(sim_scenario_load(dir, &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: cannot read: Is a directory", dir);
    cr_expect_str_eq(err, want);
    cr_expect_eq(rmdir(dir), 0);
}

/* Every file in sim/scenarios/ loads, is named after its file, says what happens, and its
 * events lie in the run. */
Test(scenario, bundled_scenarios_load) {
    DIR *d = opendir(SCENARIOS);
    cr_assert_not_null(d);
    const char *expected[] = {
        "nominal",        "storm-moderate",        "storm-severe",  "thruster-degradation",
        "power-overdraw", "propellant-exhaustion", "orbit-lowering"};
    bool seen[7] = {false};
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0) {
            continue;
        }
        char path[512], err[512] = "";
        snprintf(path, sizeof path, "%s/%s", SCENARIOS, de->d_name);
        sim_scenario_t s;
        cr_assert_eq(sim_scenario_load(path, &s, err, sizeof err), 0, "%s", err);
        cr_expect_eq(strncmp(s.name, de->d_name, len - 5), 0, "%s: name %s", path, s.name);
        cr_expect_eq(strlen(s.name), len - 5);
        cr_expect_gt(strlen(s.description), 100, "%s: no description", path);
        int64_t end = s.start_ns + (int64_t)llround(s.duration_s * 1e9);
        for (size_t i = 0; i < s.n_events; i++) {
            cr_expect(s.events[i].at_ns >= s.start_ns && s.events[i].at_ns < end);
            cr_expect(s.events[i].until_ns == 0 || s.events[i].until_ns <= end);
        }
        /* captures stay a few MB: at most about 40,000 GNSS and 20,000 of each housekeeping */
        cr_expect_leq(s.duration_s / s.gnss_period_s, 40000.0, "%s", path);
        cr_expect_leq(s.duration_s / s.hk_period_s, 20000.0, "%s", path);
        for (size_t k = 0; k < 7; k++) {
            seen[k] |= strcmp(s.name, expected[k]) == 0;
        }
        n++;
    }
    closedir(d);
    cr_expect_geq(n, 7);
    for (size_t k = 0; k < 7; k++) {
        cr_expect(seen[k], "no %s.yaml", expected[k]);
    }
}

/* The numbers the bundled scenarios promise (issue 6 item 3, reference mission figures). */
Test(scenario, bundled_scenario_figures) {
    sim_scenario_t s;
    char err[512] = "";
    cr_assert_eq(sim_scenario_load(SCENARIOS "/storm-moderate.yaml", &s, err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(s.start_ns, T_2022_02_03);
    cr_assert_eq(s.n_events, 1);
    cr_expect_eq(s.events[0].kp, 5.0);
    cr_expect_eq(s.events[0].until_ns - s.events[0].at_ns, 24 * H_NS); /* a day */

    cr_assert_eq(sim_scenario_load(SCENARIOS "/storm-severe.yaml", &s, err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(s.start_ns, 1715212800LL * NS); /* 2024-05-09 */
    cr_expect_eq(s.f107, 214.0);
    int64_t kp8 = 0, first = INT64_MAX;
    for (size_t i = 0; i < s.n_events; i++) {
        if (s.events[i].kp >= 8) {
            kp8 += s.events[i].until_ns - s.events[i].at_ns;
            first = s.events[i].at_ns < first ? s.events[i].at_ns : first;
        }
    }
    cr_expect_eq(kp8, 30 * H_NS);                         /* Kp 8-9 for 30 hours */
    cr_expect_eq(first, (1715212800LL + 41 * 3600) * NS); /* from 2024-05-10 17 UT */

    cr_assert_eq(sim_scenario_load(SCENARIOS "/thruster-degradation.yaml", &s, err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(s.n_events, 1);
    cr_expect_eq(s.events[0].kind, SIM_EV_THRUST_FACTOR);
    cr_expect_eq(s.events[0].value, 0.6);
    cr_expect_eq(s.events[0].at_ns - s.start_ns, 12 * H_NS);

    cr_assert_eq(sim_scenario_load(SCENARIOS "/propellant-exhaustion.yaml", &s, err, sizeof err), 0,
                 "%s", err);
    cr_expect_eq(s.altitude_km, 227.0);
    cr_expect_geq(s.duration_s, 3 * 86400.0);

    cr_assert_eq(sim_scenario_load(SCENARIOS "/orbit-lowering.yaml", &s, err, sizeof err), 0, "%s",
                 err);
    cr_expect_eq(s.altitude_km, 270.0);
    cr_assert_eq(s.n_events, 7); /* seven steps, as Tsubame */
    cr_expect_eq(s.events[6].kind, SIM_EV_TARGET_ALTITUDE);
    cr_expect_eq(s.events[6].value, 170.0);
}
