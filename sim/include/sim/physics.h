/* sim/physics.h: the simulated world of a scenario (issue 6 item 1): orbit propagation
 * (two-body + J2 + drag from the monitor's Jacchia 1971 with the scenario's space weather
 * and density factor + tangential thrust). Jacchia's inputs are read the way the model
 * defines them and the monitor reads them: from the scenario's CelesTrak file (written in
 * memory), F10.7 of the previous day and the 3-hourly Kp of 6.7 h earlier; the density
 * factor (what models do not know) applies at its own times, fixed-step RK4; cylindrical Earth
 * shadow; solar array, battery with capacity and charge/discharge limits, bus load and thruster
 * power; a thruster (thrust to power, throttle range, degradation, on/off, propellant) and a
 * station-keeping controller that holds the orbit-mean altitude in a band. Deterministic: no
 * randomness here (telemetry noise is added by the packetizer). */
#ifndef SIM_PHYSICS_H
#define SIM_PHYSICS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/scenario.h"

typedef struct sim_world sim_world_t;

/* The true state at one instant: what telemetry reports (before noise) and what tests
 * check against. */
typedef struct {
    int64_t t_ns;                /* UTC Unix ns */
    double r_eci[3], v_eci[3];   /* inertial (mean equator and equinox of date, GMST rotation) */
    double r_ecef[3], v_ecef[3]; /* Earth-fixed: m, m/s (velocity relative to the ground) */
    double alt_km, lat_deg, lon_deg; /* geodetic (WGS-84) */
    double sma_km;                   /* osculating semi-major axis */
    double mean_alt_km;              /* the controller's orbit-mean altitude estimate */
    double density_kg_m3;            /* truth (model x density_factor) */
    double drag_mn;                  /* truth drag */
    double thrust_cmd_mn;            /* what the controller commands (0 when off) */
    double thrust_mn; /* what the thruster delivers (cmd x degradation, 0 w/o fuel) */
    bool firing;
    double thruster_power_w; /* cmd / ratio (degradation does not lower power) */
    double solar_w;          /* array output (0 in shadow) */
    double load_w;           /* bus + thruster + extra load */
    double soc_pct;          /* battery state of charge */
    bool in_shadow;
    double propellant_kg;
    double kp, f107, f107a; /* Jacchia's inputs now (Kp of 6.7 h ago, F10.7 of yesterday) */
    double density_factor;  /* truth over the model, in force now */
    uint64_t brownouts;     /* steps where the load exceeded supply + max discharge */
    bool reentered;         /* fell below 90 km: the orbit is frozen and telemetry stops */
} sim_truth_t;

/* Build the world at the scenario's start. NULL without memory, or when the scenario's
 * space weather cannot be made into a CelesTrak table (message in err, may be NULL). */
sim_world_t *sim_world_create(const sim_scenario_t *s, char *err, size_t errlen);
/* The same without a message. */
sim_world_t *sim_world_new(const sim_scenario_t *s);
void sim_world_destroy(sim_world_t **w_p);

/* Advance by one integrator step (the scenario's step_s); events take effect at the first
 * step at or after their time. */
void sim_world_step(sim_world_t *w);

/* The true state now. */
void sim_world_truth(const sim_world_t *w, sim_truth_t *out);

/* Helpers, public for tests. */
/* Cylindrical shadow: true when r (inertial, m) is behind the Earth from the Sun (unit). */
bool sim_in_shadow(const double r[3], const double sun_unit[3]);
/* Acceleration (m/s^2) of two-body + J2 at inertial position r (m). */
void sim_gravity(const double r[3], double a[3]);
/* Specific orbital energy including the J2 potential (J/kg): conserved without drag and
 * thrust; the integrator's drift is tested against it. */
double sim_energy(const double r[3], const double v[3]);

#endif
