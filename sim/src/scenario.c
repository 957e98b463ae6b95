/* scenario.c: scenario defaults, names and the space weather in force at a time
 * (sim/scenario.h, sim/swfile.h); the YAML reader is scenario_yaml.c, the CSV writer swfile.c. */
#include "sim/scenario.h"
#include "sim/swfile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void sim_scenario_default(sim_scenario_t *s) {
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "scenario");
    s->start_ns = 1772323200LL * 1000000000LL; /* 2026-03-01T00:00:00Z */
    s->duration_s = 86400.0;
    s->step_s = 5.0;
    s->seed = 1;
    snprintf(s->spacecraft, sizeof s->spacecraft, "QK1");
    s->mass_kg = 65.0;
    s->drag_area_m2 = 0.45;
    s->drag_coefficient = 2.2;
    s->altitude_km = 250.0;
    s->inclination_deg = 97.4;
    s->raan_deg = 0.0;
    s->arg_lat_deg = 0.0;
    s->max_thrust_mn = 20.0;
    s->min_thrust_mn = 2.0;
    s->thrust_to_power_mn_per_kw = 55.0;
    s->isp_s = 1500.0;
    s->propellant_kg = 2.0;
    s->station_keeping = true;
    s->target_altitude_km = NAN; /* = altitude_km */
    s->band_km = 0.5;
    s->solar_array_w = 200.0;
    s->bus_load_w = 80.0;
    s->battery_capacity_wh = 200.0;
    s->max_charge_w = 150.0;
    s->max_discharge_w = 150.0;
    s->initial_soc_pct = 90.0;
    s->reserve_soc_pct = 50.0;
    s->f107 = 150.0;
    s->f107a = 150.0;
    s->kp = 2.0;
    s->density_factor = 1.0;
    s->gnss_period_s = 10.0;
    s->hk_period_s = 30.0;
    s->idle_period_s = 60.0;
    s->gnss_noise_m = 5.0;
    s->thrust_noise_pct = 2.0;
    s->power_noise_w = 1.0;
}

const char *sim_event_kind_str(sim_event_kind_t k) {
    switch (k) {
    case SIM_EV_THRUST_FACTOR:
        return "thrust_factor";
    case SIM_EV_THRUSTER_OFF:
        return "thruster_off";
    case SIM_EV_THRUSTER_FULL:
        return "thruster_full";
    case SIM_EV_TARGET_ALTITUDE:
        return "target_altitude";
    case SIM_EV_LOAD_W:
        return "extra_load";
    case SIM_EV_SPACE_WEATHER:
        return "space_weather";
    case SIM_EV_TELEMETRY_GAP:
        return "telemetry_gap";
    case SIM_EV_KIND_COUNT:
        break;
    }
    return "?";
}

/* The constants, overridden in file order by every SPACE_WEATHER event active at t. */
void sim_space_weather_at(const sim_scenario_t *s, int64_t t_ns, double *kp, double *f107,
                          double *f107a, double *density_factor) {
    double k = s->kp, f = s->f107, fa = s->f107a, d = s->density_factor;
    for (size_t i = 0; i < s->n_events; i++) {
        const sim_event_t *e = &s->events[i];
        if (e->kind != SIM_EV_SPACE_WEATHER || t_ns < e->at_ns ||
            (e->until_ns != 0 && t_ns >= e->until_ns))
            continue;
        if (isfinite(e->kp))
            k = e->kp;
        if (isfinite(e->f107))
            f = e->f107;
        if (isfinite(e->f107a))
            fa = e->f107a;
        if (isfinite(e->density_factor))
            d = e->density_factor;
    }
    if (kp)
        *kp = k;
    if (f107)
        *f107 = f;
    if (f107a)
        *f107a = fa;
    if (density_factor)
        *density_factor = d;
}
