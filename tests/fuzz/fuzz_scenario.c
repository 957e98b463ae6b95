/* fuzz_scenario.c: libFuzzer target for the vleo-sim scenario reader (sim/src/scenario_yaml.c,
 * sim/scenario.h) and the space-weather writer it feeds (sim/src/swfile.c): any input either
 * parses into a scenario that keeps the reader's rules or fails with one "fuzz.yaml:LINE: ..."
 * message and the defaults; an accepted scenario's CelesTrak file is written; no leaks, no
 * over-reads. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"
#include "sim/swfile.h"

static bool terminated(const char *s, size_t cap) {
    return memchr(s, '\0', cap) != NULL;
}

static bool in(double x, double lo, double hi) {
    return x >= lo && x <= hi; /* false for NaN */
}

/* What every accepted scenario guarantees to the simulator. */
static void check(const sim_scenario_t *s) {
    if (!terminated(s->name, sizeof s->name) || s->name[0] == '\0' ||
        !terminated(s->description, sizeof s->description) ||
        !terminated(s->spacecraft, sizeof s->spacecraft) || s->spacecraft[0] == '\0') {
        abort();
    }
    if (s->start_ns < 0 || !(s->duration_s > 0) || s->duration_s > 366 * 86400.0 ||
        !(s->step_s > 0) || s->step_s > 60 || s->duration_s < s->step_s) {
        abort();
    }
    if (!(s->mass_kg > 0) || !(s->drag_area_m2 > 0) || !(s->drag_coefficient > 0) ||
        !in(s->altitude_km, 100, 2000) || !in(s->target_altitude_km, 100, 2000) ||
        !in(s->inclination_deg, 0, 180) || !(s->band_km > 0) ||
        !in(s->min_thrust_mn, 0, s->max_thrust_mn) || !(s->thrust_to_power_mn_per_kw > 0) ||
        !(s->isp_s > 0) || !(s->propellant_kg >= 0) || !(s->propellant_kg < s->mass_kg)) {
        abort();
    }
    if (!in(s->initial_soc_pct, 0, 100) || !(s->battery_capacity_wh > 0) || !in(s->kp, 0, 9) ||
        !(s->f107 > 0) || !(s->f107a > 0) || !(s->density_factor > 0) ||
        !(s->gnss_period_s >= 0.1) || !(s->hk_period_s >= 0.1) || !(s->idle_period_s >= 0)) {
        abort();
    }
    if (s->n_events > SIM_MAX_EVENTS) {
        abort();
    }
    int64_t end = s->start_ns + llround(s->duration_s * 1e9);
    for (size_t i = 0; i < s->n_events; i++) {
        const sim_event_t *e = &s->events[i];
        if ((int)e->kind < 0 || e->kind >= SIM_EV_KIND_COUNT || e->line < 1 ||
            e->at_ns < s->start_ns || e->at_ns >= end ||
            (e->until_ns != 0 && (e->until_ns <= e->at_ns || e->until_ns > end))) {
            abort();
        }
        bool sw = e->kind == SIM_EV_SPACE_WEATHER;
        bool any =
            !isnan(e->kp) || !isnan(e->f107) || !isnan(e->f107a) || !isnan(e->density_factor);
        if (sw != any || !isfinite(e->value)) {
            abort(); /* space weather changes something; other kinds carry none */
        }
        if (sw && ((!isnan(e->kp) && !in(e->kp, 0, 9)) || (!isnan(e->f107) && !(e->f107 > 0)) ||
                   (!isnan(e->density_factor) && !(e->density_factor > 0)))) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sim_scenario_t s;
    char err[512];
    err[0] = '\0';
    int rc = sim_scenario_parse((const char *)data, size, "fuzz.yaml", &s, err, sizeof err);
    if (rc != 0) {
        if (rc != -1 || strncmp(err, "fuzz.yaml:", 10) != 0 || s.n_events != 0 ||
            !isnan(s.target_altitude_km)) {
            fprintf(stderr, "bad failure: %s\n", err);
            abort();
        }
        return 0;
    }
    if (err[0] != '\0') {
        abort(); /* no message on success */
    }
    check(&s);
    /* the file the monitor would read (at most about 510 daily rows) */
    if (sim_write_space_weather(&s, "/dev/null", err, sizeof err) != 0) {
        fprintf(stderr, "cannot write the space weather of an accepted scenario: %s\n", err);
        abort();
    }
    return 0;
}
