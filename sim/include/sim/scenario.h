/* sim/scenario.h: a vleo-sim scenario (issue 6): the spacecraft, its orbit, thruster, power
 * system and station-keeping controller, the space weather it flies through, the faults
 * that happen, and what telemetry it sends. Read from a YAML file (libyaml), validated with
 * "FILE:LINE: key.path: what" errors; every field has a default so a scenario file says
 * only what differs. */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_NAME_MAX 64
#define SIM_TEXT_MAX 512
#define SIM_MAX_EVENTS 64

/* What a fault or a schedule entry does from `at` on (until `until`, when set). */
typedef enum {
    SIM_EV_THRUST_FACTOR = 0, /* thrust delivered = factor x commanded, same power */
    SIM_EV_THRUSTER_OFF,      /* thruster commanded off (no station-keeping) */
    SIM_EV_THRUSTER_FULL,     /* thruster at maximum thrust and power regardless of need */
    SIM_EV_TARGET_ALTITUDE,   /* controller target altitude changes to value (km): lowering */
    SIM_EV_LOAD_W,            /* extra bus load of value watts */
    SIM_EV_SPACE_WEATHER,     /* kp / f107 / density_factor replaced while active */
    SIM_EV_TELEMETRY_GAP,     /* no telemetry sent while active */
    SIM_EV_KIND_COUNT
} sim_event_kind_t;

typedef struct {
    sim_event_kind_t kind;
    int64_t at_ns;    /* UTC Unix ns */
    int64_t until_ns; /* 0 = for the rest of the run */
    double value;     /* factor, km or W by kind */
    /* SIM_EV_SPACE_WEATHER: NaN = unchanged */
    double kp, f107, f107a, density_factor;
    int line; /* where it is in the file */
} sim_event_t;

typedef struct {
    char name[SIM_NAME_MAX];        /* scenario name (file name without .yaml by default) */
    char description[SIM_TEXT_MAX]; /* one paragraph: what happens */
    int64_t start_ns;               /* UTC Unix ns [2026-03-01T00:00:00Z] */
    double duration_s;              /* [86400] */
    double step_s;                  /* integrator step [5] */
    uint64_t seed;                  /* noise [1]: same seed, same bytes */

    /* spacecraft */
    char spacecraft[SIM_NAME_MAX]; /* [QK1] */
    double mass_kg;                /* dry + propellant at start [65] */
    double drag_area_m2;           /* [0.45] */
    double drag_coefficient;       /* [2.2] */

    /* initial orbit: circular, radius chosen so that the orbit-mean geodetic altitude is
     * altitude_km (what GNSS will show) */
    double altitude_km;     /* [250] */
    double inclination_deg; /* [97.4] */
    double raan_deg;        /* [0] */
    double arg_lat_deg;     /* argument of latitude at start [0] */

    /* thruster (Hall by default) */
    double max_thrust_mn;             /* [20] */
    double min_thrust_mn;             /* throttle floor when firing [2] */
    double thrust_to_power_mn_per_kw; /* [55] */
    double isp_s;                     /* [1500]: propellant use */
    double propellant_kg;             /* [2]; at 0 the thruster stops */

    /* station-keeping controller: holds the orbit-mean altitude at target +- band */
    bool station_keeping;      /* [true] */
    double target_altitude_km; /* [altitude_km] */
    double band_km;            /* [0.5] */

    /* power */
    double solar_array_w;       /* array output in full sun [200] */
    double bus_load_w;          /* everything but the thruster [80] */
    double battery_capacity_wh; /* [200] */
    double max_charge_w;        /* [150] */
    double max_discharge_w;     /* [150]: beyond it the bus browns out (load shed, counted) */
    double initial_soc_pct;     /* [90] */
    double reserve_soc_pct;     /* [50]: the controller does not discharge below it for thrust */

    /* space weather (truth and what the written CelesTrak file says) */
    double f107, f107a, kp; /* quiet constants [150, 150, 2] */
    double density_factor;  /* truth density = model x factor [1] */

    /* telemetry */
    double gnss_period_s;    /* [10] */
    double hk_period_s;      /* propulsion and power housekeeping [30] */
    double idle_period_s;    /* idle packets [60]; 0 = none */
    double gnss_noise_m;     /* position noise, 1 sigma [5] */
    double thrust_noise_pct; /* [2] */
    double power_noise_w;    /* [1] */

    sim_event_t events[SIM_MAX_EVENTS];
    size_t n_events;
} sim_scenario_t;

/* Defaults for every field (name "scenario"). */
void sim_scenario_default(sim_scenario_t *s);

/* Parse YAML text; `name` is used in messages and as the default scenario name. Returns 0,
 * or -1 with one message "NAME:LINE: key.path: what" in err. */
int sim_scenario_parse(const char *text, size_t len, const char *name, sim_scenario_t *s, char *err,
                       size_t errlen);
/* Read a file (bounded, 1 MiB). The scenario name defaults to the file's base name. */
int sim_scenario_load(const char *path, sim_scenario_t *s, char *err, size_t errlen);

const char *sim_event_kind_str(sim_event_kind_t k); /* as written in files */

#endif
