/* scenario_yaml.c: the vleo-sim scenario file (sim/scenario.h, issue 6 item 3): the document is
 * read by vleo/yamldoc.h (bounded tree: no anchors, aliases, tags; one document; nesting <= 8;
 * text <= 1 MiB), then a schema walk fills and checks sim_scenario_t over its defaults, each
 * error as "NAME:LINE: key.path: what". */
#include "sim/scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vleo/timescale.h"
#include "vleo/yamldoc.h"

#define NONE VLEO_YDOC_NONE
#define NS_PER_H 3.6e12
/* Start times accepted: 1970-01-01 to 2100-12-31 (event times stay positive and far from the
 * int64 limit; the space-weather file's dates stay in its reader's range). */
#define SCN_START_MIN_NS 0LL
#define SCN_START_MAX_NS (4133980800LL * VLEO_NS_PER_S) /* 2101-01-01T00:00:00Z */
#define SCN_MAX_DURATION_S (366.0 * 86400.0)

/* What a scenario file may be: 1 MiB of YAML, nesting 8 deep, decimal numbers only. */
static const vleo_ydoc_opts_t SCN_YAML = {
    .max_text = (size_t)1 << 20,
    .max_depth = 8,
    .max_nodes = (uint32_t)1 << 20, /* a 1 MiB text holds fewer */
    .max_str = (size_t)4 << 20,     /* all scalar text together */
    .decimal_numbers = true,
    .one_doc = "a scenario is one document",
};

/* A mapping of numbers only (vleo_ydoc_nums), stored at base + off; lines[k] gets the line of
 * the value of specs[k] when given (0 when absent). */
static int walk_nums(vleo_ydoc_t *d, uint32_t map, const char *path, const vleo_ydoc_num_t *specs,
                     size_t n, void *base, uint32_t *lines) {
    uint32_t val[VLEO_YDOC_NUMS_MAX];
    if (vleo_ydoc_nums(d, map, path, specs, n, base, val, NULL) != 0) {
        return -1;
    }
    for (size_t k = 0; k < n && lines != NULL; k++) {
        lines[k] = val[k] == NONE ? 0 : vleo_ydoc_line(d, val[k]);
    }
    return 0;
}

/* ---- sections ---- */

#define F(k, f, lo, hi, open)                                                                      \
    { k, offsetof(sim_scenario_t, f), lo, hi, (open) ? VLEO_YDOC_NUM_LO_OPEN : 0u }
#define NUMS(a) a, sizeof a / sizeof a[0]

static const vleo_ydoc_num_t SEC_SPACECRAFT[] = {
    /* name is a string: handled apart, kept here for the key list */
    {"name", 0, 0, 0, 0},
    F("mass_kg", mass_kg, 0, 1e5, true),
    F("drag_area_m2", drag_area_m2, 0, 1e3, true),
    F("drag_coefficient", drag_coefficient, 0, 10, true),
};
static const vleo_ydoc_num_t SEC_ORBIT[] = {
    F("altitude_km", altitude_km, 100, 2000, false),
    F("inclination_deg", inclination_deg, 0, 180, false),
    F("raan_deg", raan_deg, -360, 360, false),
    F("arg_lat_deg", arg_lat_deg, -360, 360, false),
};
enum { TH_MAX, TH_MIN, TH_RATIO, TH_ISP, TH_PROP };
static const vleo_ydoc_num_t SEC_THRUSTER[] = {
    [TH_MAX] = F("max_thrust_mn", max_thrust_mn, 0, 1e4, false),
    [TH_MIN] = F("min_thrust_mn", min_thrust_mn, 0, 1e4, false),
    [TH_RATIO] = F("thrust_to_power_mn_per_kw", thrust_to_power_mn_per_kw, 0, 1e3, true),
    [TH_ISP] = F("isp_s", isp_s, 0, 1e5, true),
    [TH_PROP] = F("propellant_kg", propellant_kg, 0, 1e5, false),
};
static const vleo_ydoc_num_t SEC_CONTROLLER[] = {
    {"station_keeping", 0, 0, 0, 0}, /* a boolean: handled apart */
    F("target_altitude_km", target_altitude_km, 100, 2000, false),
    F("band_km", band_km, 0, 100, true),
};
static const vleo_ydoc_num_t SEC_POWER[] = {
    F("solar_array_w", solar_array_w, 0, 1e6, false),
    F("bus_load_w", bus_load_w, 0, 1e6, false),
    F("battery_capacity_wh", battery_capacity_wh, 0, 1e6, true),
    F("max_charge_w", max_charge_w, 0, 1e6, false),
    F("max_discharge_w", max_discharge_w, 0, 1e6, false),
    F("initial_soc_pct", initial_soc_pct, 0, 100, false),
    F("reserve_soc_pct", reserve_soc_pct, 0, 100, false),
};
static const vleo_ydoc_num_t SEC_SW[] = {
    F("f107", f107, 0, 1000, true),
    F("f107a", f107a, 0, 1000, true),
    F("kp", kp, 0, 9, false),
    F("density_factor", density_factor, 0, 100, true),
};
static const vleo_ydoc_num_t SEC_TELEMETRY[] = {
    F("gnss_period_s", gnss_period_s, 0.1, 86400, false),
    F("hk_period_s", hk_period_s, 0.1, 86400, false),
    F("idle_period_s", idle_period_s, 0, 86400, false),
    F("gnss_noise_m", gnss_noise_m, 0, 1e4, false),
    F("thrust_noise_pct", thrust_noise_pct, 0, 100, false),
    F("power_noise_w", power_noise_w, 0, 1e4, false),
};
#undef F

/* The same space-weather keys inside an event (NaN = unchanged). */
#define E(k, f, lo, hi, open)                                                                      \
    { k, offsetof(sim_event_t, f), lo, hi, (open) ? VLEO_YDOC_NUM_LO_OPEN : 0u }
static const vleo_ydoc_num_t EV_SW[] = {
    E("f107", f107, 0, 1000, true),
    E("f107a", f107a, 0, 1000, true),
    E("kp", kp, 0, 9, false),
    E("density_factor", density_factor, 0, 100, true),
};
#undef E

/* spacecraft: {name, mass_kg, ...} */
static int parse_spacecraft(vleo_ydoc_t *d, uint32_t map, sim_scenario_t *s, uint32_t *mass_line) {
    const size_t n = sizeof SEC_SPACECRAFT / sizeof SEC_SPACECRAFT[0];
    const char *keys[8];
    uint32_t val[8], kline[8];
    for (size_t k = 0; k < n; k++) {
        keys[k] = SEC_SPACECRAFT[k].key;
    }
    if (vleo_ydoc_map(d, map, "spacecraft", keys, n, val, kline) != 0) {
        return -1;
    }
    if (val[0] != NONE) {
        if (vleo_ydoc_string(d, val[0], "spacecraft.name", VLEO_YDOC_STR_PRINTABLE, s->spacecraft,
                             sizeof s->spacecraft) != 0) {
            return -1;
        }
        if (s->spacecraft[0] == '\0') {
            return vleo_ydoc_fail(d, vleo_ydoc_line(d, val[0]), "spacecraft.name",
                                  "must not be empty");
        }
    }
    for (size_t k = 1; k < n; k++) {
        if (val[k] == NONE) {
            continue;
        }
        char kp[64];
        vleo_ydoc_join(kp, sizeof kp, "spacecraft", keys[k]);
        double x;
        const vleo_ydoc_num_t *sp = &SEC_SPACECRAFT[k];
        if (vleo_ydoc_number(d, val[k], kp, sp->lo, sp->hi, sp->flags, &x) != 0) {
            return -1;
        }
        memcpy((char *)s + sp->off, &x, sizeof x);
        if (sp->off == offsetof(sim_scenario_t, mass_kg)) {
            *mass_line = vleo_ydoc_line(d, val[k]);
        }
    }
    return 0;
}

/* controller: {station_keeping, target_altitude_km, band_km} */
static int parse_controller(vleo_ydoc_t *d, uint32_t map, sim_scenario_t *s) {
    const char *keys[3] = {"station_keeping", "target_altitude_km", "band_km"};
    uint32_t val[3], kline[3];
    if (vleo_ydoc_map(d, map, "controller", keys, 3, val, kline) != 0) {
        return -1;
    }
    if (val[0] != NONE &&
        vleo_ydoc_bool(d, val[0], "controller.station_keeping", &s->station_keeping)) {
        return -1;
    }
    for (size_t k = 1; k < 3; k++) {
        char kp[64];
        vleo_ydoc_join(kp, sizeof kp, "controller", keys[k]);
        const vleo_ydoc_num_t *sp = &SEC_CONTROLLER[k];
        double x;
        if (val[k] != NONE) {
            if (vleo_ydoc_number(d, val[k], kp, sp->lo, sp->hi, sp->flags, &x) != 0) {
                return -1;
            }
            memcpy((char *)s + sp->off, &x, sizeof x);
        }
    }
    return 0;
}

/* ---- events ---- */

/* Where the run is, for event times: start and end (UTC ns) and the duration in hours. */
typedef struct {
    int64_t start_ns, end_ns;
    double hours;
} run_t;

/* at / at_h (or until / until_h) of an event: at most one of the pair, exactly one when
 * `required`. *out gets the time (UTC ns), checked to lie in [start, end] of the run, *line its
 * line and *key the key used; *given whether one was there. */
static int event_time(vleo_ydoc_t *d, const char *path, const char *abs_key, const char *rel_key,
                      uint32_t v_abs, uint32_t v_rel, const run_t *run, uint32_t ev_line,
                      bool required, int64_t *out, uint32_t *line, const char **key, bool *given) {
    char kp[96];
    *given = false;
    if (v_abs != NONE && v_rel != NONE) {
        vleo_ydoc_join(kp, sizeof kp, path, rel_key);
        return vleo_ydoc_fail(d, vleo_ydoc_line(d, v_rel), kp, "give %s or %s, not both", abs_key,
                              rel_key);
    }
    if (v_abs == NONE && v_rel == NONE) {
        if (required) {
            return vleo_ydoc_fail(d, ev_line, path, "needs %s (UTC) or %s (hours from start)",
                                  abs_key, rel_key);
        }
        return 0;
    }
    *given = true;
    if (v_rel != NONE) {
        *key = rel_key;
        *line = vleo_ydoc_line(d, v_rel);
        vleo_ydoc_join(kp, sizeof kp, path, rel_key);
        double h;
        if (vleo_ydoc_number(d, v_rel, kp, -1e300, 1e300, 0, &h) != 0) {
            return -1;
        }
        if (!(h >= 0 && h <= run->hours)) {
            return vleo_ydoc_fail(d, *line, kp, "must lie inside the run (0 to %.10g h), got %.10g",
                                  run->hours, h);
        }
        *out = run->start_ns + llround(h * NS_PER_H);
        return 0;
    }
    *key = abs_key;
    *line = vleo_ydoc_line(d, v_abs);
    vleo_ydoc_join(kp, sizeof kp, path, abs_key);
    int64_t t;
    if (vleo_ydoc_time(d, v_abs, kp, &t) != 0) {
        return -1;
    }
    if (t < run->start_ns || t > run->end_ns) {
        char a[40], b[40];
        vleo_format_iso8601(run->start_ns, 0, a, sizeof a);
        vleo_format_iso8601(run->end_ns, 0, b, sizeof b);
        return vleo_ydoc_fail(d, *line, kp, "must lie inside the run (%s to %s)", a, b);
    }
    *out = t;
    return 0;
}

enum {
    EK_AT,
    EK_AT_H,
    EK_UNTIL,
    EK_UNTIL_H,
    EK_THRUST_FACTOR, /* first action */
    EK_THRUSTER,
    EK_TARGET,
    EK_LOAD,
    EK_SW,
    EK_GAP,
    EK_N
};
static const char *const EV_KEYS[EK_N] = {"at",
                                          "at_h",
                                          "until",
                                          "until_h",
                                          "thrust_factor",
                                          "thruster",
                                          "target_altitude_km",
                                          "extra_load_w",
                                          "space_weather",
                                          "telemetry_gap"};

static int parse_event(vleo_ydoc_t *d, uint32_t map, size_t i, const run_t *run, sim_event_t *e) {
    char path[32], kp[96];
    snprintf(path, sizeof path, "events[%zu]", i);
    uint32_t val[EK_N], kline[EK_N];
    if (vleo_ydoc_map(d, map, path, EV_KEYS, EK_N, val, kline) != 0) {
        return -1;
    }
    *e = (sim_event_t){.kind = SIM_EV_KIND_COUNT,
                       .value = 0.0,
                       .kp = NAN,
                       .f107 = NAN,
                       .f107a = NAN,
                       .density_factor = NAN,
                       .line = (int)vleo_ydoc_line(d, map)};
    uint32_t at_line = 0, until_line = 0;
    const char *at_key = "at", *until_key = "until";
    bool given;
    if (event_time(d, path, "at", "at_h", val[EK_AT], val[EK_AT_H], run, vleo_ydoc_line(d, map),
                   true, &e->at_ns, &at_line, &at_key, &given) != 0) {
        return -1;
    }
    if (e->at_ns >= run->end_ns) {
        vleo_ydoc_join(kp, sizeof kp, path, at_key);
        return vleo_ydoc_fail(d, at_line, kp, "must be before the end of the run (%.10g h)",
                              run->hours);
    }
    if (event_time(d, path, "until", "until_h", val[EK_UNTIL], val[EK_UNTIL_H], run,
                   vleo_ydoc_line(d, map), false, &e->until_ns, &until_line, &until_key,
                   &given) != 0) {
        return -1;
    }
    if (given && e->until_ns <= e->at_ns) {
        vleo_ydoc_join(kp, sizeof kp, path, until_key);
        return vleo_ydoc_fail(d, until_line, kp, "must be after %s (%.10g h from start)", at_key,
                              (double)(e->at_ns - run->start_ns) / NS_PER_H);
    }
    /* exactly one action: a second one is reported where it stands, naming the first */
    size_t action = EK_N;
    for (size_t k = EK_THRUST_FACTOR; k < EK_N; k++) {
        if (val[k] == NONE) {
            continue;
        }
        if (action != EK_N) {
            size_t later = kline[k] >= kline[action] ? k : action;
            size_t earlier = later == k ? action : k;
            vleo_ydoc_join(kp, sizeof kp, path, EV_KEYS[later]);
            return vleo_ydoc_fail(d, kline[later], kp,
                                  "an event has one action: %s is already given (line %u)",
                                  EV_KEYS[earlier], kline[earlier]);
        }
        action = k;
    }
    if (action == EK_N) {
        return vleo_ydoc_fail(d, vleo_ydoc_line(d, map), path,
                              "no action (one of thrust_factor, thruster, target_altitude_km, "
                              "extra_load_w, space_weather, telemetry_gap)");
    }
    uint32_t v = val[action];
    vleo_ydoc_join(kp, sizeof kp, path, EV_KEYS[action]);
    switch (action) {
    case EK_THRUST_FACTOR:
        e->kind = SIM_EV_THRUST_FACTOR;
        return vleo_ydoc_number(d, v, kp, 0, 2, 0, &e->value);
    case EK_THRUSTER: {
        static const char *const MODES[] = {"off", "full"};
        size_t mode;
        if (vleo_ydoc_choice(d, v, kp, MODES, 2, &mode) != 0) {
            return -1;
        }
        e->kind = mode == 0 ? SIM_EV_THRUSTER_OFF : SIM_EV_THRUSTER_FULL;
        return 0;
    }
    case EK_TARGET:
        e->kind = SIM_EV_TARGET_ALTITUDE;
        return vleo_ydoc_number(d, v, kp, 100, 2000, 0, &e->value);
    case EK_LOAD:
        e->kind = SIM_EV_LOAD_W;
        return vleo_ydoc_number(d, v, kp, 0, 1e6, 0, &e->value);
    case EK_SW:
        e->kind = SIM_EV_SPACE_WEATHER;
        if (walk_nums(d, v, kp, NUMS(EV_SW), e, NULL) != 0) {
            return -1;
        }
        if (isnan(e->kp) && isnan(e->f107) && isnan(e->f107a) && isnan(e->density_factor)) {
            return vleo_ydoc_fail(d, vleo_ydoc_line(d, v), kp,
                                  "changes nothing (give f107, f107a, kp or density_factor)");
        }
        return 0;
    default: { /* EK_GAP */
        bool b = false;
        if (vleo_ydoc_bool(d, v, kp, &b) != 0) {
            return -1;
        }
        if (!b) {
            return vleo_ydoc_fail(d, vleo_ydoc_line(d, v), kp,
                                  "must be true (leave the event out for no gap)");
        }
        e->kind = SIM_EV_TELEMETRY_GAP;
        return 0;
    }
    }
}

/* ---- the whole file ---- */

enum {
    K_NAME,
    K_DESC,
    K_START,
    K_DUR_H,
    K_DUR_S,
    K_STEP,
    K_SEED,
    K_SC,
    K_ORBIT,
    K_THRUSTER,
    K_CONTROLLER,
    K_POWER,
    K_SW,
    K_TELEMETRY,
    K_EVENTS,
    K_N
};
static const char *const TOP_KEYS[K_N] = {
    "name",       "description", "start",         "duration_h", "duration_s",
    "step_s",     "seed",        "spacecraft",    "orbit",      "thruster",
    "controller", "power",       "space_weather", "telemetry",  "events"};

static int parse_root(vleo_ydoc_t *d, uint32_t root, sim_scenario_t *s) {
    uint32_t val[K_N], kline[K_N];
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    if (vleo_ydoc_map(d, root, "", TOP_KEYS, K_N, val, kline) != 0) {
        return -1;
    }
    if (val[K_NAME] != NONE) {
        if (vleo_ydoc_string(d, val[K_NAME], "name", VLEO_YDOC_STR_PRINTABLE, s->name,
                             sizeof s->name) != 0) {
            return -1;
        }
        if (s->name[0] == '\0') {
            return vleo_ydoc_fail(d, vleo_ydoc_line(d, val[K_NAME]), "name", "must not be empty");
        }
    }
    if (val[K_DESC] != NONE) {
        if (vleo_ydoc_string(d, val[K_DESC], "description",
                             VLEO_YDOC_STR_PRINTABLE | VLEO_YDOC_STR_NEWLINES, s->description,
                             sizeof s->description) != 0) {
            return -1;
        }
        /* a block scalar (description: >) ends with a line break: drop it */
        size_t n = strlen(s->description);
        while (n > 0 && (s->description[n - 1] == '\n' || s->description[n - 1] == ' ')) {
            s->description[--n] = '\0';
        }
    }
    if (val[K_START] != NONE) {
        if (vleo_ydoc_time(d, val[K_START], "start", &s->start_ns) != 0) {
            return -1;
        }
        if (s->start_ns < SCN_START_MIN_NS || s->start_ns >= SCN_START_MAX_NS) {
            return vleo_ydoc_fail(d, vleo_ydoc_line(d, val[K_START]), "start",
                                  "must be between 1970-01-01 and 2100-12-31, got %s",
                                  vleo_ydoc_describe(d, val[K_START], buf, sizeof buf));
        }
    }
    uint32_t dur_line = 0;
    const char *dur_key = "duration_s";
    if (val[K_DUR_H] != NONE && val[K_DUR_S] != NONE) {
        uint32_t later = kline[K_DUR_H] > kline[K_DUR_S] ? K_DUR_H : K_DUR_S;
        return vleo_ydoc_fail(d, kline[later], TOP_KEYS[later],
                              "give duration_h or duration_s, not both (%s at line %u)",
                              TOP_KEYS[later == K_DUR_H ? K_DUR_S : K_DUR_H],
                              kline[later == K_DUR_H ? K_DUR_S : K_DUR_H]);
    }
    if (val[K_DUR_H] != NONE) {
        double h;
        if (vleo_ydoc_number(d, val[K_DUR_H], "duration_h", 0, SCN_MAX_DURATION_S / 3600.0,
                             VLEO_YDOC_NUM_LO_OPEN, &h)) {
            return -1;
        }
        s->duration_s = h * 3600.0;
        dur_line = vleo_ydoc_line(d, val[K_DUR_H]);
        dur_key = "duration_h";
    } else if (val[K_DUR_S] != NONE) {
        if (vleo_ydoc_number(d, val[K_DUR_S], "duration_s", 0, SCN_MAX_DURATION_S,
                             VLEO_YDOC_NUM_LO_OPEN, &s->duration_s) != 0) {
            return -1;
        }
        dur_line = vleo_ydoc_line(d, val[K_DUR_S]);
    }
    if (val[K_STEP] != NONE &&
        vleo_ydoc_number(d, val[K_STEP], "step_s", 0, 60, VLEO_YDOC_NUM_LO_OPEN, &s->step_s) != 0) {
        return -1;
    }
    if (s->duration_s < s->step_s) {
        if (dur_line != 0) {
            return vleo_ydoc_fail(d, dur_line, dur_key,
                                  "must be at least one step (step_s %.10g s)", s->step_s);
        }
        return vleo_ydoc_fail(d, val[K_STEP] != NONE ? vleo_ydoc_line(d, val[K_STEP]) : 1, "step_s",
                              "must not exceed the duration (%.10g s)", s->duration_s);
    }
    if (val[K_SEED] != NONE && vleo_ydoc_u64(d, val[K_SEED], "seed", &s->seed) != 0) {
        return -1;
    }
    uint32_t mass_line = 1;
    if (val[K_SC] != NONE && parse_spacecraft(d, val[K_SC], s, &mass_line) != 0) {
        return -1;
    }
    if (val[K_ORBIT] != NONE && walk_nums(d, val[K_ORBIT], "orbit", NUMS(SEC_ORBIT), s, NULL)) {
        return -1;
    }
    uint32_t th_lines[8] = {0};
    if (val[K_THRUSTER] != NONE &&
        walk_nums(d, val[K_THRUSTER], "thruster", NUMS(SEC_THRUSTER), s, th_lines) != 0) {
        return -1;
    }
    if (s->min_thrust_mn > s->max_thrust_mn) {
        if (th_lines[TH_MIN] != 0) {
            return vleo_ydoc_fail(d, th_lines[TH_MIN], "thruster.min_thrust_mn",
                                  "must not exceed max_thrust_mn (%.10g), got %.10g",
                                  s->max_thrust_mn, s->min_thrust_mn);
        }
        return vleo_ydoc_fail(d, th_lines[TH_MAX], "thruster.max_thrust_mn",
                              "must not be below min_thrust_mn (%.10g), got %.10g",
                              s->min_thrust_mn, s->max_thrust_mn);
    }
    if (s->propellant_kg >= s->mass_kg) {
        if (th_lines[TH_PROP] != 0) {
            return vleo_ydoc_fail(d, th_lines[TH_PROP], "thruster.propellant_kg",
                                  "must be less than spacecraft.mass_kg (%.10g), got %.10g",
                                  s->mass_kg, s->propellant_kg);
        }
        /* the default propellant, with a mass set too small for it */
        return vleo_ydoc_fail(d, mass_line, "spacecraft.mass_kg",
                              "must exceed thruster.propellant_kg (%.10g), got %.10g",
                              s->propellant_kg, s->mass_kg);
    }
    if (val[K_CONTROLLER] != NONE && parse_controller(d, val[K_CONTROLLER], s) != 0) {
        return -1;
    }
    if (val[K_POWER] != NONE && walk_nums(d, val[K_POWER], "power", NUMS(SEC_POWER), s, NULL)) {
        return -1;
    }
    if (val[K_SW] != NONE && walk_nums(d, val[K_SW], "space_weather", NUMS(SEC_SW), s, NULL)) {
        return -1;
    }
    if (val[K_TELEMETRY] != NONE &&
        walk_nums(d, val[K_TELEMETRY], "telemetry", NUMS(SEC_TELEMETRY), s, NULL) != 0) {
        return -1;
    }
    if (val[K_EVENTS] != NONE) {
        uint32_t seq = val[K_EVENTS];
        if (vleo_ydoc_kind(d, seq) != VLEO_YDOC_SEQ) {
            return vleo_ydoc_fail(d, vleo_ydoc_line(d, seq), "events",
                                  "expected a sequence, got %s",
                                  vleo_ydoc_describe(d, seq, buf, sizeof buf));
        }
        run_t run = {s->start_ns, s->start_ns + llround(s->duration_s * 1e9),
                     s->duration_s / 3600.0};
        uint32_t it = vleo_ydoc_first(d, seq);
        for (size_t i = 0; i < vleo_ydoc_count(d, seq) && it != NONE; i++) {
            if (i >= SIM_MAX_EVENTS) {
                return vleo_ydoc_fail(d, vleo_ydoc_line(d, it), "events", "more than %d events",
                                      SIM_MAX_EVENTS);
            }
            if (parse_event(d, it, i, &run, &s->events[i]) != 0) {
                return -1;
            }
            s->n_events = i + 1;
            it = vleo_ydoc_next(d, it);
        }
    }
    return 0;
}

/* The default scenario name: the base name of `name` without ".yaml" / ".yml". */
static void default_name(const char *name, char *out, size_t cap) {
    const char *b = strrchr(name, '/');
    b = b != NULL ? b + 1 : name;
    size_t n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".yaml") == 0) {
        n -= 5;
    } else if (n > 4 && strcmp(b + n - 4, ".yml") == 0) {
        n -= 4;
    }
    if (n == 0) {
        return; /* keep the default "scenario" */
    }
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(out, b, n);
    out[n] = '\0';
}

int sim_scenario_parse(const char *text, size_t len, const char *name, sim_scenario_t *s, char *err,
                       size_t errlen) {
    sim_scenario_default(s);
    if (name != NULL) {
        default_name(name, s->name, sizeof s->name);
    }
    vleo_ydoc_t *d = NULL;
    int rc =
        vleo_ydoc_parse(text, len, name != NULL ? name : "scenario", &SCN_YAML, err, errlen, &d);
    if (rc == 0 && vleo_ydoc_root(d) != NONE) {
        rc = parse_root(d, vleo_ydoc_root(d), s); /* an empty file is the defaults */
    }
    vleo_ydoc_destroy(&d);
    if (rc != 0) {
        sim_scenario_default(s);
        return -1;
    }
    if (isnan(s->target_altitude_km)) {
        s->target_altitude_km = s->altitude_km; /* "same as altitude_km" */
    }
    return 0;
}

int sim_scenario_load(const char *path, sim_scenario_t *s, char *err, size_t errlen) {
    sim_scenario_default(s);
    char *buf = NULL;
    size_t n = 0;
    if (vleo_ydoc_read_file(path, &SCN_YAML, &buf, &n, err, errlen) != 0) {
        return -1;
    }
    int rc = sim_scenario_parse(buf, n, path, s, err, errlen);
    free(buf);
    return rc;
}
