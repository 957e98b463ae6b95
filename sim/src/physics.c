/* physics.c: the simulated world of a vleo-sim scenario (sim/physics.h, issue 6 item 1;
 * constants and drag/decay relations from reference atmosphere.md). */
#include "sim/physics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon/atmos.h"
#include "mon/geo.h"
#include "mon/spacewx.h"
#include "sim/swfile.h"

/* Design notes.
 * - Frames: the inertial frame is the mean equator and equinox of date; Earth-fixed is it
 *   rotated by GMST (mon_gmst_rad) about z. Gravity: two-body + J2. The atmosphere
 *   co-rotates with the Earth (v_rel = v - omega x r).
 * - Integrator: classic RK4 with the scenario's fixed step. Everything that changes slowly
 *   is evaluated ONCE per step, at its start (evaluate(), decide()): the Jacchia 1971
 *   density (x the density factor), the space weather, the Sun and the shadow, the events,
 *   the controller's command, the power balance and the mass. Within the step the drag and
 *   thrust directions and the drag's |v_rel|^2 follow the RK4 stages; rho, T and m are held.
 *   rho changes by well under 1 % in 5 s (scale height ~40 km; the day-night factor of ~2
 *   takes half an orbit).
 * - The truth at time t is the state at t and the decisions in force for the step that
 *   starts at t (command, firing, power, shadow; density and drag at t). `brownouts` counts
 *   the steps already flown in brownout.
 * - Power: per step, solar (0 in shadow) minus load (bus + extra loads + thruster at cmd /
 *   ratio) goes to or comes from the battery. Charging is limited to max_charge_w (the
 *   excess solar is shunted). A step whose deficit exceeds max_discharge_w, or more than the
 *   battery's remaining energy can carry for the whole step, is a brownout: the thruster is
 *   shed (not firing: no thrust, no power, no propellant; the command is still reported) and
 *   stays shed until the state of charge is 10 points above reserve_soc_pct (a latching
 *   protection, no step-by-step chatter), and if the bus alone still exceeds what the battery
 *   can give, the battery is emptied and the rest goes unserved. SoC stays in 0..100. The
 * station-keeping controller commands no more than the power budget allows (array after the bus,
 * plus the battery's allowed discharge (90 % of it, a margin) while SoC is above reserve_soc_pct;
 * at the reserve the battery is first given half of max_charge_w until SoC is 10 points above it),
 * as a power-aware thruster controller does, so it never browns out the bus itself; THRUSTER_FULL
 * ignores the budget.
 * - Propellant: the flow follows the command (mdot = cmd / (Isp g0)): a THRUST_FACTOR
 *   degradation lowers the thrust, not the flow or the power. A step that needs more than
 *   what is left burns what is left and delivers thrust for that fraction of the step; at 0
 *   the thruster no longer fires (no power; the command is still reported).
 * - Controller (station_keeping): measures the geodetic altitude (GNSS) and its own drag (an
 *   accelerometer; the truth drag stands for it), both averaged over the last orbit (the
 *   nodal period measured between ascending-node crossings; the Keplerian period of the
 *   osculating orbit until two crossings or for near-equatorial orbits). Command =
 *   orbit-mean drag + K (target - mean altitude), K = 1 / (c tau), c = 2 sqrt(a^3/mu) / m
 *   (da/dt per newton, reference) and tau = 3 h: the altitude error decays with a 3 h time
 *   constant, far slower than the half-orbit lag of the running mean, so no overshoot
 *   while the orbit drifts slowly; arriving from a fast descent (tens of km/day) the lag leaves
 *   it up to 1.5 km under the band for an orbit. Above
 *   the target the correction is at most 5 % of the drag (the orbit settles at a twentieth of
 *   the drag's decay rate: hours for a few hundred metres). In
 *   the first orbit (no full mean yet) it commands the mean drag measured so far. Above
 *   target + band it coasts (orbit lowering). A command at or above min_thrust fires at the
 *   command (clamped to max); between 0 and min_thrust it fires min_thrust pulses,
 *   duty-cycled by a sigma-delta modulator with +-150 s x min_thrust of hysteresis, so the
 *   mean thrust equals the command over pulses of minutes (well inside an orbit).
 * - Events: active for a step that starts at or after at_ns and before until_ns (0 = no
 *   end). THRUSTER_OFF beats THRUSTER_FULL beats the controller. The THRUST_FACTOR and
 *   TARGET_ALTITUDE in force are those of the active event with the latest at_ns (the later
 *   in the file on a tie); extra loads add up.
 * - Re-entry: below 90 km (Jacchia's floor) the orbit is no longer propagated (frozen);
 *   time, power and events go on; the truth says `reentered` and vleo-sim sends no more
 *   telemetry. */

#define J2 1.08262668e-3
#define RE_M (MON_WGS84_A_KM * 1000.0)
#define TAU_S (3.0 * 3600.0)   /* controller time constant */
#define PULSE_HYST_S 150.0     /* sigma-delta hysteresis, seconds at min thrust */
#define REENTRY_KM 90.0        /* Jacchia 1971's floor */
#define RING_MAX 65536         /* running-mean samples kept at most */
#define RECHARGE_BAND_PCT 10.0 /* the reserve is left once SoC is this far above it */
#define BUDGET_DISCHARGE 0.9   /* the controller plans with 90 % of the allowed discharge */
#define RECHARGE_SHARE 0.5     /* at the reserve, half the charge limit goes to the battery */
#define LOWER_SHARE 0.05       /* inside the band the command stays within 5 % below drag */

struct sim_world {
    sim_scenario_t s;
    int64_t step_ns;
    double dt;  /* s */
    uint64_t n; /* steps taken */
    double r[3], v[3];
    double mass_kg, prop_kg, energy_wh;
    uint64_t brownouts;
    bool reentered;
    bool hold_drag; /* test hook: delivered thrust = instantaneous drag */

    /* controller: running means of altitude and drag from cumulative integrals */
    double *cum_alt, *cum_drag; /* cumulative integrals; sample k at index k mod cap */
    size_t cap;
    unsigned stride;      /* record every stride steps */
    uint64_t n_rec;       /* samples recorded */
    double last_node_s;   /* last ascending node, s from the start; NaN = none yet */
    double node_period_s; /* measured nodal period, NaN until two nodes */
    double prev_z;        /* inertial z at the previous step start */
    double pulse_acc;     /* sigma-delta, mN s */
    bool pulse_on;
    double mean_alt_km, mean_drag_mn;
    bool mean_valid;

    /* decisions and evaluations at the current step start */
    double alt_km, lat_deg, lon_deg;
    double rho, drag_mn;
    double kp, f107, f107a, dfac;
    mon_sw_t *sw; /* the scenario's space weather as the monitor reads it */
    mon_sw_lookup_opts_t swo;
    double cmd_mn, thrust_mn, thr_power_w, solar_w, load_w;
    bool firing, in_shadow;
    double batt_w;      /* battery power this step: + charge, - discharge */
    double prop_use;    /* kg this step */
    bool brown;         /* this step is a brownout (counted when flown) */
    bool recharging;    /* battery at the reserve: it charges before the thruster gets power */
    bool shed;          /* a brownout shed the thruster: off until the battery recovers */
    bool power_limited; /* the command was cut to the power budget this step */
};

/* Test hook, deliberately not in the public header (tests/unit/test_physics.c declares it):
 * with `on`, the delivered thrust of each step equals the drag magnitude at the step's start
 * (no clamps, no controller; propellant and power as usual). It checks that thrust equal to
 * drag holds the altitude. */
void sim_world_test_hold_drag(sim_world_t *w, bool on);

static double dot3(const double a[3], const double b[3]) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static double norm3(const double a[3]) {
    return sqrt(dot3(a, a));
}

void sim_gravity(const double r[3], double a[3]) {
    double r2 = dot3(r, r);
    double rn = sqrt(r2);
    double z2 = r[2] * r[2] / r2;
    double k = -MON_MU_M3_S2 / (r2 * rn);
    double j = 1.5 * J2 * RE_M * RE_M / r2;
    double kxy = k * (1.0 + j * (1.0 - 5.0 * z2));
    a[0] = kxy * r[0];
    a[1] = kxy * r[1];
    a[2] = k * (1.0 + j * (3.0 - 5.0 * z2)) * r[2];
}

double sim_energy(const double r[3], const double v[3]) {
    double r2 = dot3(r, r);
    double rn = sqrt(r2);
    double z2 = r[2] * r[2] / r2;
    double u =
        -MON_MU_M3_S2 / rn + MON_MU_M3_S2 * J2 * RE_M * RE_M / (2.0 * r2 * rn) * (3.0 * z2 - 1.0);
    return 0.5 * dot3(v, v) + u;
}

bool sim_in_shadow(const double r[3], const double sun_unit[3]) {
    double p = dot3(r, sun_unit);
    if (p >= 0.0)
        return false;
    double perp2 = dot3(r, r) - p * p;
    return perp2 < RE_M * RE_M;
}

static void sun_unit_eci(int64_t t_ns, double u[3]) {
    double ra, dec;
    mon_sun_radec(t_ns, &ra, &dec);
    u[0] = cos(dec) * cos(ra);
    u[1] = cos(dec) * sin(ra);
    u[2] = sin(dec);
}

/* Earth-fixed position and ground-relative velocity at GMST angle th. */
static void to_ecef(double th, const double r[3], const double v[3], double re[3], double ve[3]) {
    double c = cos(th), s = sin(th);
    re[0] = c * r[0] + s * r[1];
    re[1] = -s * r[0] + c * r[1];
    re[2] = r[2];
    if (ve) {
        double vr0 = v[0] + MON_EARTH_OMEGA * r[1], vr1 = v[1] - MON_EARTH_OMEGA * r[0];
        ve[0] = c * vr0 + s * vr1;
        ve[1] = -s * vr0 + c * vr1;
        ve[2] = v[2];
    }
}

static double sma_m(const double r[3], const double v[3]) {
    return 1.0 / (2.0 / norm3(r) - dot3(v, v) / MON_MU_M3_S2);
}

static double kepler_period_s(double a_m) {
    if (!(a_m > 0.0))
        return 5400.0;
    return 2.0 * MON_PI * sqrt(a_m * a_m * a_m / MON_MU_M3_S2);
}

/* Derivative: drag and thrust with rho, thrust and mass held over the step. */
typedef struct {
    double kd;  /* 1/2 rho Cd A / m, 1/m */
    double acc; /* thrust / m, m/s^2 */
} forces_t;

static void deriv(const forces_t *f, const double r[3], const double v[3], double dr[3],
                  double dv[3]) {
    sim_gravity(r, dv);
    double vr[3] = {v[0] + MON_EARTH_OMEGA * r[1], v[1] - MON_EARTH_OMEGA * r[0], v[2]};
    double k = f->kd * norm3(vr);
    double vn = norm3(v);
    double t = vn > 0.0 ? f->acc / vn : 0.0;
    for (int i = 0; i < 3; i++) {
        dv[i] += -k * vr[i] + t * v[i];
        dr[i] = v[i];
    }
}

static void rk4(double r[3], double v[3], double h, const forces_t *f) {
    double k1r[3], k1v[3], k2r[3], k2v[3], k3r[3], k3v[3], k4r[3], k4v[3], rt[3], vt[3];
    deriv(f, r, v, k1r, k1v);
    for (int i = 0; i < 3; i++) {
        rt[i] = r[i] + 0.5 * h * k1r[i];
        vt[i] = v[i] + 0.5 * h * k1v[i];
    }
    deriv(f, rt, vt, k2r, k2v);
    for (int i = 0; i < 3; i++) {
        rt[i] = r[i] + 0.5 * h * k2r[i];
        vt[i] = v[i] + 0.5 * h * k2v[i];
    }
    deriv(f, rt, vt, k3r, k3v);
    for (int i = 0; i < 3; i++) {
        rt[i] = r[i] + h * k3r[i];
        vt[i] = v[i] + h * k3v[i];
    }
    deriv(f, rt, vt, k4r, k4v);
    for (int i = 0; i < 3; i++) {
        r[i] += h / 6.0 * (k1r[i] + 2.0 * k2r[i] + 2.0 * k3r[i] + k4r[i]);
        v[i] += h / 6.0 * (k1v[i] + 2.0 * k2v[i] + 2.0 * k3v[i] + k4v[i]);
    }
}

static int64_t now_ns(const sim_world_t *w) {
    return w->s.start_ns + (int64_t)w->n * w->step_ns;
}

static bool ev_active(const sim_event_t *e, int64_t t) {
    return t >= e->at_ns && (e->until_ns == 0 || t < e->until_ns);
}

typedef struct {
    bool off, full;
    double factor, target_km, extra_w;
} ev_state_t;

static void events_at(const sim_world_t *w, int64_t t, ev_state_t *es) {
    const sim_scenario_t *s = &w->s;
    es->off = es->full = false;
    es->factor = 1.0;
    es->target_km = isfinite(s->target_altitude_km) ? s->target_altitude_km : s->altitude_km;
    es->extra_w = 0.0;
    int64_t f_at = INT64_MIN, t_at = INT64_MIN;
    for (size_t i = 0; i < s->n_events && i < SIM_MAX_EVENTS; i++) {
        const sim_event_t *e = &s->events[i];
        if (!ev_active(e, t))
            continue;
        switch (e->kind) {
        case SIM_EV_THRUST_FACTOR:
            if (e->at_ns >= f_at && isfinite(e->value)) {
                es->factor = e->value;
                f_at = e->at_ns;
            }
            break;
        case SIM_EV_THRUSTER_OFF:
            es->off = true;
            break;
        case SIM_EV_THRUSTER_FULL:
            es->full = true;
            break;
        case SIM_EV_TARGET_ALTITUDE:
            if (e->at_ns >= t_at && isfinite(e->value)) {
                es->target_km = e->value;
                t_at = e->at_ns;
            }
            break;
        case SIM_EV_LOAD_W:
            if (isfinite(e->value))
                es->extra_w += e->value;
            break;
        case SIM_EV_SPACE_WEATHER:
        case SIM_EV_TELEMETRY_GAP:
        case SIM_EV_KIND_COUNT:
            break;
        }
    }
    if (es->factor < 0.0)
        es->factor = 0.0;
}

/* Cumulative integral at fractional sample position p (0 <= p <= n_rec), interpolated
 * linearly: exact for samples held over their interval. */
static double cum_at(const double *cum, size_t cap, double p) {
    double fl = floor(p);
    uint64_t i = (uint64_t)fl;
    double f = p - fl;
    double c0 = cum[i % cap];
    if (f <= 0.0)
        return c0;
    return c0 + f * (cum[(i + 1) % cap] - c0);
}

/* Record this step's altitude and drag (when due) and update the orbit means. */
static void controller_measure(sim_world_t *w, double t_s) {
    /* Ascending node from the inertial z (interpolated between step starts). */
    double z = w->r[2];
    if (w->n > 0 && w->prev_z < 0.0 && z >= 0.0 && w->v[2] > 0.0) {
        double tn = t_s - w->dt + w->dt * (-w->prev_z) / (z - w->prev_z);
        if (isfinite(w->last_node_s)) {
            double p = tn - w->last_node_s;
            double pk = kepler_period_s(sma_m(w->r, w->v));
            if (p > 0.5 * pk && p < 1.5 * pk)
                w->node_period_s = p;
        }
        w->last_node_s = tn;
    }
    w->prev_z = z;
    if (w->n % w->stride != 0)
        return;
    double ds = w->dt * w->stride;
    size_t k = (size_t)(w->n_rec % w->cap), k1 = (size_t)((w->n_rec + 1) % w->cap);
    w->cum_alt[k1] = w->cum_alt[k] + w->alt_km * ds;
    w->cum_drag[k1] = w->cum_drag[k] + w->drag_mn * ds;
    w->n_rec++;

    double period = w->node_period_s;
    if (!isfinite(period) || !isfinite(w->last_node_s) || t_s - w->last_node_s > 1.5 * period)
        period = kepler_period_s(sma_m(w->r, w->v));
    double m = period / ds;
    double mmax = (double)(w->cap - 2);
    if (m > mmax)
        m = mmax;
    double p = (double)w->n_rec - m;
    if (p >= 0.0) {
        w->mean_alt_km = (w->cum_alt[k1] - cum_at(w->cum_alt, w->cap, p)) / (m * ds);
        w->mean_drag_mn = (w->cum_drag[k1] - cum_at(w->cum_drag, w->cap, p)) / (m * ds);
        w->mean_valid = true;
    } else {
        double span = (double)w->n_rec * ds;
        w->mean_alt_km = w->cum_alt[k1] / span;
        w->mean_drag_mn = w->cum_drag[k1] / span;
        w->mean_valid = false;
    }
}

/* The controller's command (mN), before clamps; also runs the pulse modulator. */
static double controller_command(sim_world_t *w, double target_km) {
    const sim_scenario_t *s = &w->s;
    double law;
    if (!w->mean_valid) {
        law = w->mean_drag_mn; /* first orbit: the drag measured so far */
    } else {
        double e = target_km - w->mean_alt_km;
        if (e < -s->band_km) {
            law = 0.0;
        } else {
            double a = RE_M + w->mean_alt_km * 1000.0;
            double c = 2.0 * sqrt(a * a * a / MON_MU_M3_S2) / w->mass_kg; /* m/s per N */
            double k_mn_per_km = 1e6 / (c * TAU_S);
            /* Below the drag by at most LOWER_SHARE of it: inside the band the orbit settles
             * slowly rather than coasting (a thrust far below the drag is left to coasts). */
            law = w->mean_drag_mn + fmax(k_mn_per_km * e, -LOWER_SHARE * w->mean_drag_mn);
        }
    }
    if (!(law > 0.0)) {
        w->pulse_acc = 0.0;
        w->pulse_on = false;
        return 0.0;
    }
    if (law >= s->min_thrust_mn) {
        w->pulse_acc = 0.0;
        w->pulse_on = true;
        return law;
    }
    /* Sigma-delta pulses at min thrust: the mean equals `law`. */
    double h = s->min_thrust_mn * PULSE_HYST_S;
    if (w->pulse_on && w->pulse_acc <= -h)
        w->pulse_on = false;
    else if (!w->pulse_on && w->pulse_acc >= h)
        w->pulse_on = true;
    w->pulse_acc += (law - (w->pulse_on ? s->min_thrust_mn : 0.0)) * w->dt;
    return w->pulse_on ? s->min_thrust_mn : 0.0;
}

/* Evaluate the state at the step start: space weather, geodetic position, density, drag,
 * shadow; and feed the controller's running means. */
static void evaluate(sim_world_t *w) {
    const sim_scenario_t *s = &w->s;
    int64_t t = now_ns(w);
    double t_s = (double)w->n * w->dt;

    sim_space_weather_at(s, t, NULL, NULL, NULL, &w->dfac);
    mon_sw_values_t swv;
    if (mon_sw_lookup(w->sw, t, &w->swo, &swv) == 0) {
        w->kp = swv.kp;
        w->f107 = swv.f107;
        w->f107a = swv.f107a;
    } /* else (never for a table built from the scenario): keep the previous values */
    double th = mon_gmst_rad(t);
    double re[3];
    to_ecef(th, w->r, w->v, re, NULL);
    mon_geodetic_t g;
    mon_ecef_to_geodetic(re, &g);
    w->alt_km = g.alt_km;
    w->lat_deg = g.lat_deg;
    w->lon_deg = g.lon_deg;
    if (w->alt_km < REENTRY_KM)
        w->reentered = true;
    if (!w->reentered) {
        mon_atmos_in_t in = {.alt_km = g.alt_km,
                             .lat_deg = g.lat_deg,
                             .lon_deg = g.lon_deg,
                             .utc_unix_ns = t,
                             .f107 = w->f107,
                             .f107a = w->f107a,
                             .kp = w->kp};
        mon_atmos_out_t out;
        if (mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out) == MON_ATMOS_OK)
            w->rho = out.density_kg_m3 * (w->dfac > 0.0 ? w->dfac : 0.0);
        /* else: keep the previous step's density (bad space-weather input) */
    }
    double vr[3] = {w->v[0] + MON_EARTH_OMEGA * w->r[1], w->v[1] - MON_EARTH_OMEGA * w->r[0],
                    w->v[2]};
    double vr2 = dot3(vr, vr);
    w->drag_mn = 0.5 * w->rho * vr2 * s->drag_coefficient * s->drag_area_m2 * 1000.0;

    double sun[3];
    sun_unit_eci(t, sun);
    w->in_shadow = sim_in_shadow(w->r, sun);

    controller_measure(w, t_s);
}

/* Decide the step's command, thrust, power and propellant use (no side effect but the
 * controller's pulse modulator). */
static void decide(sim_world_t *w) {
    const sim_scenario_t *s = &w->s;
    int64_t t = now_ns(w);
    ev_state_t es;
    events_at(w, t, &es);
    double cmd = 0.0;
    if (w->hold_drag) {
        cmd = w->drag_mn;
    } else if (es.off) {
        cmd = 0.0;
        w->pulse_acc = 0.0;
        w->pulse_on = false;
    } else if (es.full) {
        cmd = s->max_thrust_mn;
    } else if (s->station_keeping) {
        cmd = controller_command(w, es.target_km);
    }
    if (!w->hold_drag && cmd > 0.0) {
        if (cmd < s->min_thrust_mn)
            cmd = s->min_thrust_mn;
        if (cmd > s->max_thrust_mn)
            cmd = s->max_thrust_mn;
    }
    if (!(cmd > 0.0))
        cmd = 0.0;
    double ratio = s->thrust_to_power_mn_per_kw > 0.0 ? s->thrust_to_power_mn_per_kw : 1.0;

    /* Power. */
    double cap = s->battery_capacity_wh > 0.0 ? s->battery_capacity_wh : 0.0;
    w->solar_w = w->in_shadow ? 0.0 : s->solar_array_w;
    double base = s->bus_load_w + es.extra_w;
    double avail_w = w->energy_wh * 3600.0 / w->dt; /* what the battery holds, per step */
    double dis_lim = s->max_discharge_w < avail_w ? s->max_discharge_w : avail_w;

    /* The controller's command within the power budget: the array after the bus, plus the
     * battery down to the reserve; at the reserve the battery charges first until it is
     * RECHARGE_BAND_PCT above it. THRUSTER_FULL ignores the budget (and may brown out). */
    double soc = cap > 0.0 ? 100.0 * w->energy_wh / cap : 0.0;
    if (soc <= s->reserve_soc_pct)
        w->recharging = true;
    else if (soc >= s->reserve_soc_pct + RECHARGE_BAND_PCT)
        w->recharging = false;
    w->power_limited = false;
    if (!w->hold_drag && !es.off && !es.full && cmd > 0.0) {
        double budget =
            w->solar_w - base +
            (w->recharging ? -RECHARGE_SHARE * s->max_charge_w : BUDGET_DISCHARGE * dis_lim);
        double cmd_max = budget > 0.0 ? budget / 1000.0 * ratio : 0.0;
        if (cmd > cmd_max) {
            cmd = cmd_max >= s->min_thrust_mn ? cmd_max : 0.0;
            w->power_limited = true;
        }
    }
    w->cmd_mn = cmd;
    /* A shed thruster stays shed until the battery is back RECHARGE_BAND_PCT above the
     * reserve (as a latching power protection does), rather than chattering step by step. */
    if (w->shed && soc >= s->reserve_soc_pct + RECHARGE_BAND_PCT)
        w->shed = false;
    bool fire = cmd > 0.0 && w->prop_kg > 0.0 && !w->reentered && !w->shed;
    double p_thr = fire ? cmd / ratio * 1000.0 : 0.0;
    double deficit = base + p_thr - w->solar_w;
    w->brown = deficit > 0.0 && deficit > dis_lim;
    if (w->brown) {
        if (fire)
            w->shed = true; /* the thruster is shed */
        fire = false;
        p_thr = 0.0;
        deficit = base - w->solar_w;
    }
    w->firing = fire;
    w->thr_power_w = p_thr;
    w->load_w = base + p_thr;
    if (deficit > 0.0)
        w->batt_w = -(deficit < dis_lim ? deficit : dis_lim);
    else
        w->batt_w = -deficit < s->max_charge_w ? -deficit : s->max_charge_w;
    if (w->batt_w > 0.0 && w->energy_wh >= cap)
        w->batt_w = 0.0;

    /* Thrust and propellant (the flow follows the command). */
    w->thrust_mn = 0.0;
    w->prop_use = 0.0;
    if (fire) {
        double isp = s->isp_s > 0.0 ? s->isp_s : 1.0;
        double need = cmd * 1e-3 / (isp * MON_G0) * w->dt;
        double frac = 1.0;
        if (need > w->prop_kg) {
            frac = w->prop_kg / need;
            need = w->prop_kg;
        }
        w->prop_use = need;
        w->thrust_mn = cmd * (w->hold_drag ? 1.0 : es.factor) * frac;
    }
}

/* Circular orbit state of radius a (m) at the scenario's inclination, RAAN and argument of
 * latitude. */
static void circular_state(const sim_scenario_t *s, double a, double r[3], double v[3]) {
    double inc = s->inclination_deg * MON_DEG, raan = s->raan_deg * MON_DEG;
    double u = s->arg_lat_deg * MON_DEG;
    double vc = sqrt(MON_MU_M3_S2 / a);
    double cu = cos(u), su = sin(u), co = cos(raan), so = sin(raan), ci = cos(inc), si = sin(inc);
    r[0] = a * (cu * co - su * ci * so);
    r[1] = a * (cu * so + su * ci * co);
    r[2] = a * su * si;
    v[0] = vc * (-su * co - cu * ci * so);
    v[1] = vc * (-su * so + cu * ci * co);
    v[2] = vc * cu * si;
}

/* Mean geodetic altitude (km) over one Keplerian period of a drag-free orbit from r0, v0,
 * steps of at most dt (and 10 s). Height and latitude do not depend on the rotation about z,
 * so the inertial position serves as Earth-fixed here. */
static double mean_geodetic_alt_km(const double r0[3], const double v0[3], double dt) {
    double r[3] = {r0[0], r0[1], r0[2]}, v[3] = {v0[0], v0[1], v0[2]};
    double period = kepler_period_s(sma_m(r, v));
    double hmax = dt < 10.0 ? dt : 10.0;
    double steps = ceil(period / hmax);
    if (!(steps >= 1.0 && steps <= 1e6))
        steps = steps > 1e6 ? 1e6 : 1.0;
    long n = (long)steps;
    double h = period / steps, sum = 0.0;
    forces_t f = {0.0, 0.0};
    for (long i = 0; i < n; i++) {
        mon_geodetic_t g;
        mon_ecef_to_geodetic(r, &g);
        sum += g.alt_km;
        rk4(r, v, h, &f);
    }
    return sum / steps;
}

/* The scenario's CelesTrak file, written to memory and parsed back. */
static mon_sw_t *space_weather_table(const sim_scenario_t *s, char *err, size_t errlen) {
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    if (fp == NULL) {
        snprintf(err, errlen, "out of memory for the space-weather table");
        return NULL;
    }
    int rc = sim_space_weather_write(s, fp, s->name, err, errlen);
    if (fclose(fp) != 0 && rc == 0) {
        snprintf(err, errlen, "out of memory for the space-weather table");
        rc = -1;
    }
    mon_sw_t *sw = NULL;
    if (rc == 0)
        sw = mon_sw_parse(text, len, s->name, NULL, err, errlen);
    free(text);
    return sw;
}

sim_world_t *sim_world_new(const sim_scenario_t *s) {
    return sim_world_create(s, NULL, 0);
}

sim_world_t *sim_world_create(const sim_scenario_t *s, char *err, size_t errlen) {
    char scratch[256];
    if (err == NULL || errlen == 0) {
        err = scratch;
        errlen = sizeof scratch;
    }
    err[0] = '\0';
    sim_world_t *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory for the simulated world");
        return NULL;
    }
    w->s = *s;
    mon_sw_lookup_opts_default(&w->swo);
    w->sw = space_weather_table(s, err, errlen);
    if (w->sw == NULL) {
        free(w);
        return NULL;
    }
    double step = s->step_s;
    if (!isfinite(step) || step < 1e-3 || step > 3600.0)
        step = 5.0; /* the scenario reader validates; never divide by nothing here */
    w->step_ns = llround(step * 1e9);
    w->dt = (double)w->step_ns * 1e-9;

    /* The radius whose orbit-mean geodetic altitude is altitude_km: start from the
     * equatorial radius + altitude_km and correct by the mean measured over one drag-free
     * orbit (3 passes; the correction is ~10 km at 97 deg, converged to < 1 mm). */
    double a = RE_M + s->altitude_km * 1000.0;
    for (int it = 0; it < 3; it++) {
        circular_state(s, a, w->r, w->v);
        a += (s->altitude_km - mean_geodetic_alt_km(w->r, w->v, w->dt)) * 1000.0;
    }
    circular_state(s, a, w->r, w->v);
    w->mass_kg = s->mass_kg > 1e-3 ? s->mass_kg : 1e-3;
    w->prop_kg = s->propellant_kg > 0.0 ? s->propellant_kg : 0.0;
    double cap = s->battery_capacity_wh > 0.0 ? s->battery_capacity_wh : 0.0;
    double soc = s->initial_soc_pct < 0.0     ? 0.0
                 : s->initial_soc_pct > 100.0 ? 100.0
                                              : s->initial_soc_pct;
    w->energy_wh = soc / 100.0 * cap;

    double samples = 2.0 * kepler_period_s(a) / w->dt;
    if (!(samples < 1e12))
        samples = 1e12;
    w->stride = (unsigned)ceil(samples / (double)(RING_MAX - 8));
    if (w->stride < 1)
        w->stride = 1;
    w->cap = (size_t)ceil(samples / w->stride) + 8;
    if (w->cap > RING_MAX)
        w->cap = RING_MAX;
    w->cum_alt = calloc(w->cap, sizeof *w->cum_alt);
    w->cum_drag = calloc(w->cap, sizeof *w->cum_drag);
    if (!w->cum_alt || !w->cum_drag) {
        snprintf(err, errlen, "out of memory for the simulated world");
        sim_world_destroy(&w);
        return NULL;
    }
    w->last_node_s = NAN;
    w->node_period_s = NAN;
    w->prev_z = w->r[2];
    evaluate(w);
    decide(w);
    return w;
}

void sim_world_destroy(sim_world_t **w_p) {
    if (!w_p || !*w_p)
        return;
    free((*w_p)->cum_alt);
    free((*w_p)->cum_drag);
    mon_sw_destroy(&(*w_p)->sw);
    free(*w_p);
    *w_p = NULL;
}

void sim_world_test_hold_drag(sim_world_t *w, bool on) {
    w->hold_drag = on;
    decide(w); /* the step about to start follows the hook too */
}

void sim_world_step(sim_world_t *w) {
    const sim_scenario_t *s = &w->s;
    if (!w->reentered) {
        forces_t f = {.kd = 0.5 * w->rho * s->drag_coefficient * s->drag_area_m2 / w->mass_kg,
                      .acc = w->thrust_mn * 1e-3 / w->mass_kg};
        rk4(w->r, w->v, w->dt, &f);
    }
    w->prop_kg -= w->prop_use;
    w->mass_kg -= w->prop_use;
    if (!(w->mass_kg > 1e-3))
        w->mass_kg = 1e-3; /* the scenario reader keeps it above the propellant */
    if (w->prop_kg < 0.0)
        w->prop_kg = 0.0;
    double cap = s->battery_capacity_wh > 0.0 ? s->battery_capacity_wh : 0.0;
    w->energy_wh += w->batt_w * w->dt / 3600.0;
    if (w->energy_wh > cap)
        w->energy_wh = cap;
    if (w->energy_wh < 0.0)
        w->energy_wh = 0.0;
    if (w->brown)
        w->brownouts++;
    w->n++;
    evaluate(w);
    decide(w);
}

void sim_world_truth(const sim_world_t *w, sim_truth_t *out) {
    memset(out, 0, sizeof *out);
    int64_t t = now_ns(w);
    out->t_ns = t;
    memcpy(out->r_eci, w->r, sizeof w->r);
    memcpy(out->v_eci, w->v, sizeof w->v);
    to_ecef(mon_gmst_rad(t), w->r, w->v, out->r_ecef, out->v_ecef);
    out->alt_km = w->alt_km;
    out->lat_deg = w->lat_deg;
    out->lon_deg = w->lon_deg;
    out->sma_km = sma_m(w->r, w->v) / 1000.0;
    out->mean_alt_km = w->mean_alt_km;
    out->density_kg_m3 = w->rho;
    out->drag_mn = w->drag_mn;
    out->thrust_cmd_mn = w->cmd_mn;
    out->thrust_mn = w->thrust_mn;
    out->firing = w->firing;
    out->thruster_power_w = w->thr_power_w;
    out->solar_w = w->solar_w;
    out->load_w = w->load_w;
    double cap = w->s.battery_capacity_wh;
    out->soc_pct = cap > 0.0 ? w->energy_wh / cap * 100.0 : 0.0;
    out->in_shadow = w->in_shadow;
    out->propellant_kg = w->prop_kg;
    out->kp = w->kp;
    out->f107 = w->f107;
    out->f107a = w->f107a;
    out->density_factor = w->dfac;
    out->reentered = w->reentered;
    out->brownouts = w->brownouts;
}
