/* test_physics.c: the simulated world of vleo-sim (sim/physics.h; issue 6 items 1 and 5):
 * decay against da/dt = -sqrt(mu a) rho B, thrust equal to drag, eclipse geometry, energy
 * drift, the station-keeping controller, propellant, power and determinism (reference
 * atmosphere.md "Constants"). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mon/atmos.h"
#include "mon/geo.h"
#include "sim/physics.h"
#include "sim/scenario.h"

/* Internal test hook of physics.c (not in the public header): delivered thrust = drag. */
void sim_world_test_hold_drag(sim_world_t *w, bool on);

#define NS 1000000000LL
#define DAY 86400.0
#define RE_M 6378137.0
#define MU 3.986004418e14
#define MAX_ORB 600

/* Per-orbit means between ascending-node crossings of the truth (inertial z from - to +). */
typedef struct {
    bool have_prev, started;
    double prev_z;
    double sum_t, sum_alt, sum_sma, sum_rho, sum_shadow, sum_r, cnt;
    int n;
    double t_mid[MAX_ORB], alt[MAX_ORB], sma[MAX_ORB], rho[MAX_ORB], shadow[MAX_ORB],
        radius[MAX_ORB];
} orb_t;

static void orb_add(orb_t *o, const sim_truth_t *t) {
    double z = t->r_eci[2];
    if (o->have_prev && o->prev_z < 0.0 && z >= 0.0) {
        if (o->started && o->cnt > 0.0 && o->n < MAX_ORB) {
            int k = o->n++;
            o->t_mid[k] = o->sum_t / o->cnt;
            o->alt[k] = o->sum_alt / o->cnt;
            o->sma[k] = o->sum_sma / o->cnt;
            o->rho[k] = o->sum_rho / o->cnt;
            o->shadow[k] = o->sum_shadow / o->cnt;
            o->radius[k] = o->sum_r / o->cnt;
        }
        o->started = true;
        o->sum_t = o->sum_alt = o->sum_sma = o->sum_rho = o->sum_shadow = o->sum_r = 0.0;
        o->cnt = 0.0;
    }
    o->prev_z = z;
    o->have_prev = true;
    if (!o->started)
        return;
    o->sum_t += (double)(t->t_ns / NS) + (double)(t->t_ns % NS) / 1e9;
    o->sum_alt += t->alt_km;
    o->sum_sma += t->sma_km;
    o->sum_rho += t->density_kg_m3;
    o->sum_shadow += t->in_shadow ? 1.0 : 0.0;
    o->sum_r +=
        sqrt(t->r_eci[0] * t->r_eci[0] + t->r_eci[1] * t->r_eci[1] + t->r_eci[2] * t->r_eci[2]);
    o->cnt += 1.0;
}

static orb_t *orb_new(void) {
    orb_t *o = calloc(1, sizeof *o);
    cr_assert_not_null(o);
    return o;
}

/* Least-squares slope of y over x. */
static double slope(const double *x, const double *y, int n) {
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    for (int i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
    }
    return sxy / sxx;
}

static sim_world_t *world(const sim_scenario_t *s) {
    sim_world_t *w = sim_world_new(s);
    cr_assert_not_null(w);
    return w;
}

static void add_event(sim_scenario_t *s, sim_event_kind_t k, double at_s, double until_s,
                      double value) {
    cr_assert_lt(s->n_events, (size_t)SIM_MAX_EVENTS);
    sim_event_t *e = &s->events[s->n_events++];
    memset(e, 0, sizeof *e);
    e->kind = k;
    e->at_ns = s->start_ns + (int64_t)llround(at_s * 1e9);
    e->until_ns = until_s > 0.0 ? s->start_ns + (int64_t)llround(until_s * 1e9) : 0;
    e->value = value;
    e->kp = e->f107 = e->f107a = e->density_factor = NAN;
}

/* ---- helpers ---- */

Test(physics, gravity_is_minus_gradient_of_the_potential) {
    /* sim_energy(r, 0) is the potential; central differences of it (1 m) give -a. */
    const double pts[3][3] = {
        {6628137.0, 0.0, 0.0}, {1.0e6, -2.0e6, 6.2e6}, {-3.1e6, 4.4e6, -3.9e6}};
    const double zero[3] = {0, 0, 0};
    for (int p = 0; p < 3; p++) {
        double a[3];
        sim_gravity(pts[p], a);
        double r = sqrt(pts[p][0] * pts[p][0] + pts[p][1] * pts[p][1] + pts[p][2] * pts[p][2]);
        for (int i = 0; i < 3; i++) {
            double rp[3] = {pts[p][0], pts[p][1], pts[p][2]}, rm[3] = {rp[0], rp[1], rp[2]};
            rp[i] += 1.0;
            rm[i] -= 1.0;
            double g = -(sim_energy(rp, zero) - sim_energy(rm, zero)) / 2.0;
            cr_assert_float_eq(a[i], g, 1e-6, "point %d axis %d: %.9f vs %.9f", p, i, a[i], g);
        }
        /* Two-body part dominates: |a| = mu/r^2 within J2's 3 J2 (R/r)^2. */
        double an = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
        cr_assert_lt(fabs(an / (MU / (r * r)) - 1.0), 3.5e-3);
    }
    /* J2 on the equator: a = mu/r^2 (1 + 1.5 J2 (R/r)^2) (hand value). */
    double a[3];
    sim_gravity(pts[0], a);
    double r = 6628137.0;
    double want = -MU / (r * r) * (1.0 + 1.5 * 1.08262668e-3 * (RE_M / r) * (RE_M / r));
    cr_assert_float_eq(a[0], want, 1e-12);
    /* Energy: v^2/2 - mu/r + mu J2 R^2 (3 z^2/r^2 - 1) / (2 r^3). */
    double v[3] = {0.0, 7000.0, 1000.0};
    double e = sim_energy(pts[0], v);
    double ew = 0.5 * (49e6 + 1e6) - MU / r - MU * 1.08262668e-3 * RE_M * RE_M / (2 * r * r * r);
    cr_assert_float_eq(e, ew, 1e-6);
}

Test(physics, cylindrical_shadow) {
    const double sun[3] = {1.0, 0.0, 0.0};
    double r1[3] = {-7e6, 0.0, 0.0}, r2[3] = {7e6, 0.0, 0.0}, r3[3] = {-7e6, 6.37e6, 0.0},
           r4[3] = {-7e6, 0.0, 6.39e6}, r5[3] = {-1e9, 0.0, 0.0};
    cr_assert(sim_in_shadow(r1, sun));
    cr_assert_not(sim_in_shadow(r2, sun));
    cr_assert(sim_in_shadow(r3, sun));     /* 6370 km off axis: inside the cylinder */
    cr_assert_not(sim_in_shadow(r4, sun)); /* 6390 km: outside */
    cr_assert(sim_in_shadow(r5, sun));     /* no umbra cone: a cylinder forever */
}

Test(physics, initial_orbit_and_truth_fields) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.raan_deg = 30.0;
    s.arg_lat_deg = 40.0;
    s.density_factor = 0.0; /* drag-free: the orbit-mean altitude stays put */
    s.station_keeping = false;
    sim_world_t *w = world(&s);
    sim_truth_t t, prev, next;
    sim_world_truth(w, &t);
    cr_assert_eq(t.t_ns, s.start_ns);
    double *r = t.r_eci, *v = t.v_eci;
    double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    double vn = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    cr_assert_float_eq(vn, sqrt(MU / rn), 1e-6, "circular speed");
    cr_assert_float_eq((r[0] * v[0] + r[1] * v[1] + r[2] * v[2]) / (rn * vn), 0.0, 1e-12);
    double h[3] = {r[1] * v[2] - r[2] * v[1], r[2] * v[0] - r[0] * v[2], r[0] * v[1] - r[1] * v[0]};
    double hn = sqrt(h[0] * h[0] + h[1] * h[1] + h[2] * h[2]);
    cr_assert_float_eq(acos(h[2] / hn) / MON_DEG, 97.4, 1e-9, "inclination");
    cr_assert_float_eq(atan2(h[0], -h[1]) / MON_DEG, 30.0, 1e-9, "RAAN");
    /* Argument of latitude: angle from the node line to r. */
    double node[3] = {cos(30.0 * MON_DEG), sin(30.0 * MON_DEG), 0.0};
    cr_assert_float_eq(acos((r[0] * node[0] + r[1] * node[1]) / rn) / MON_DEG, 40.0, 1e-9);
    /* Osculating sma of a circular orbit is its radius. */
    cr_assert_float_eq(t.sma_km, rn / 1000.0, 1e-6);
    /* ECEF = R3(GMST) r; geodetic from it. */
    double th = mon_gmst_rad(t.t_ns);
    cr_assert_float_eq(t.r_ecef[0], cos(th) * r[0] + sin(th) * r[1], 1e-6);
    cr_assert_float_eq(t.r_ecef[1], -sin(th) * r[0] + cos(th) * r[1], 1e-6);
    cr_assert_float_eq(t.r_ecef[2], r[2], 1e-9);
    mon_geodetic_t g;
    mon_ecef_to_geodetic(t.r_ecef, &g);
    cr_assert_float_eq(t.alt_km, g.alt_km, 1e-9);
    cr_assert_float_eq(t.lat_deg, g.lat_deg, 1e-9);
    cr_assert_float_eq(t.lon_deg, g.lon_deg, 1e-9);
    cr_assert_float_eq(t.soc_pct, 90.0, 1e-12);
    cr_assert_float_eq(t.propellant_kg, 2.0, 1e-12);
    cr_assert_float_eq(t.kp, 2.0, 0.0);
    cr_assert_float_eq(t.f107, 150.0, 0.0);
    cr_assert_float_eq(t.f107a, 150.0, 0.0);
    cr_assert_float_eq(t.density_factor, 0.0, 0.0);
    cr_assert_float_eq(t.load_w, 80.0, 0.0);
    cr_assert_not(t.firing);
    /* Ground-relative ECEF velocity against a central difference of the ECEF position. */
    orb_t *o = orb_new();
    prev = t;
    orb_add(o, &t);
    sim_world_step(w);
    sim_world_truth(w, &t);
    orb_add(o, &t);
    for (int i = 0; i < 2300; i++) {
        sim_world_step(w);
        sim_world_truth(w, &next);
        orb_add(o, &next);
        for (int k = 0; k < 3; k++) {
            double d = (next.r_ecef[k] - prev.r_ecef[k]) / (2.0 * s.step_s);
            cr_assert_float_eq(t.v_ecef[k], d, 0.1, "step %d axis %d: %.4f vs %.4f", i, k,
                               t.v_ecef[k], d);
        }
        prev = t;
        t = next;
    }
    /* The radius was chosen so the orbit-mean geodetic altitude is altitude_km. */
    cr_assert_geq(o->n, 1);
    cr_assert_float_eq(o->alt[0], 250.0, 0.05, "orbit-mean altitude %.4f km", o->alt[0]);
    free(o);
    sim_world_destroy(&w);
    cr_assert_null(w);
}

/* ---- orbit ---- */

/* Thrust off, constant space weather: the decay of the orbit-mean semi-major axis over two
 * days at 250 km against da/dt = -sqrt(mu a) rho B with rho the orbit-mean truth density. */
Test(physics, decay_matches_the_circular_decay_relation) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.station_keeping = false;
    sim_world_t *w = world(&s);
    orb_t *o = orb_new();
    sim_truth_t t;
    int n = (int)(2.0 * DAY / s.step_s);
    for (int i = 0; i <= n; i++) {
        sim_world_truth(w, &t);
        cr_assert_float_eq(t.thrust_mn, 0.0, 0.0);
        orb_add(o, &t);
        sim_world_step(w);
    }
    cr_assert_geq(o->n, 30);
    double rate = slope(o->t_mid, o->sma, o->n) * 1000.0; /* m/s */
    double rho = 0.0, a = 0.0;
    for (int k = 0; k < o->n; k++) {
        rho += o->rho[k];
        a += o->sma[k];
    }
    rho /= o->n;
    a = a / o->n * 1000.0;
    double b = s.drag_coefficient * s.drag_area_m2 / s.mass_kg;
    double want = -sqrt(MU * a) * rho * b;
    double ratio = rate / want;
    printf("decay: %.4f km/day simulated, %.4f km/day from the relation (rho %.4e), ratio %.4f\n",
           rate * DAY / 1000.0, want * DAY / 1000.0, rho, ratio);
    cr_assert_lt(fabs(ratio - 1.0), 0.05, "ratio %.4f", ratio);
    /* The loss is real: kilometres a day at 250 km (reference: a few km/day). */
    cr_assert_gt(-rate * DAY, 2000.0);
    free(o);
    sim_world_destroy(&w);
}

/* The atmosphere turns with the Earth: on a prograde orbit of 5 deg inclination the air
 * meets the spacecraft at v - omega a cos i, and the decay is slower by (1 - omega a cos i /
 * v)^2 (about 0.88) than the relation with the inertial speed says. */
Test(physics, decay_in_a_corotating_atmosphere) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.station_keeping = false;
    s.inclination_deg = 5.0;
    sim_world_t *w = world(&s);
    orb_t *o = orb_new();
    sim_truth_t t;
    for (int i = 0; i <= (int)(DAY / s.step_s); i++) {
        sim_world_truth(w, &t);
        orb_add(o, &t);
        sim_world_step(w);
    }
    cr_assert_geq(o->n, 14);
    double rate = slope(o->t_mid, o->sma, o->n) * 1000.0;
    double rho = 0.0, a = 0.0;
    for (int k = 0; k < o->n; k++) {
        rho += o->rho[k];
        a += o->sma[k];
    }
    rho /= o->n;
    a = a / o->n * 1000.0;
    double f = 1.0 - MON_EARTH_OMEGA * a * cos(5.0 * MON_DEG) / sqrt(MU / a);
    double want = -sqrt(MU * a) * rho * (2.2 * 0.45 / 65.0) * f * f;
    printf("co-rotation: decay ratio %.4f to the relation x %.4f\n", rate / want, f * f);
    cr_assert_lt(fabs(rate / want - 1.0), 0.03, "ratio %.4f", rate / want);
    free(o);
    sim_world_destroy(&w);
}

/* Delivered thrust equal to the instantaneous drag (internal hook) holds the orbit-mean
 * altitude within 100 m over a day; the same world without it loses kilometres. */
Test(physics, thrust_equal_to_drag_holds_altitude) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.station_keeping = false;
    s.solar_array_w = 400.0; /* no brownout may shed the thruster */
    double loss[2];
    for (int hook = 1; hook >= 0; hook--) {
        sim_world_t *w = world(&s);
        sim_world_test_hold_drag(w, hook != 0);
        orb_t *o = orb_new();
        sim_truth_t t;
        int n = (int)(DAY / s.step_s);
        double worst = 0.0;
        for (int i = 0; i <= n; i++) {
            sim_world_truth(w, &t);
            if (hook) {
                cr_assert(t.firing);
                cr_assert_float_eq(t.thrust_mn, t.drag_mn, 1e-12);
            }
            orb_add(o, &t);
            sim_world_step(w);
        }
        cr_assert_eq(t.brownouts, 0);
        cr_assert_geq(o->n, 14);
        for (int k = 1; k < o->n; k++)
            if (fabs(o->alt[k] - o->alt[0]) > worst)
                worst = fabs(o->alt[k] - o->alt[0]);
        loss[hook] = o->alt[0] - o->alt[o->n - 1];
        if (hook) {
            printf("thrust = drag: orbit-mean altitude change %.1f m over %d orbits, worst %.1f "
                   "m\n",
                   -loss[1] * 1000.0, o->n, worst * 1000.0);
            cr_assert_lt(worst, 0.1, "worst %.4f km", worst);
        }
        free(o);
        sim_world_destroy(&w);
    }
    printf("without thrust: %.3f km lost\n", loss[0]);
    cr_assert_gt(loss[0], 2.0);
}

/* Eclipse fraction over three orbits against the cylindrical geometry for the orbit's beta
 * angle, at RAANs giving beta from about 0 to beyond the no-eclipse limit. */
Test(physics, eclipse_fraction_matches_geometry) {
    const double raans[] = {0.0, 60.0, 100.0, 150.0, 200.0, 250.0, 300.0};
    double worst = 0.0;
    int with_eclipse = 0, without = 0;
    for (size_t q = 0; q < sizeof raans / sizeof raans[0]; q++) {
        sim_scenario_t s;
        sim_scenario_default(&s);
        s.station_keeping = false;
        s.density_factor = 0.0;
        s.raan_deg = raans[q];
        sim_world_t *w = world(&s);
        orb_t *o = orb_new();
        sim_truth_t t, mid;
        memset(&mid, 0, sizeof mid);
        int n = (int)(4.2 * 5400.0 / s.step_s);
        for (int i = 0; i <= n && o->n < 3; i++) {
            sim_world_truth(w, &t);
            orb_add(o, &t);
            if (i == n / 2)
                mid = t;
            sim_world_step(w);
        }
        cr_assert_eq(o->n, 3);
        double frac = (o->shadow[0] + o->shadow[1] + o->shadow[2]) / 3.0;
        double h = (o->radius[0] + o->radius[1] + o->radius[2]) / 3.0 - RE_M;
        /* beta from the Sun and the orbit normal at mid-run */
        double *r = mid.r_eci, *v = mid.v_eci;
        double hv[3] = {r[1] * v[2] - r[2] * v[1], r[2] * v[0] - r[0] * v[2],
                        r[0] * v[1] - r[1] * v[0]};
        double hn = sqrt(hv[0] * hv[0] + hv[1] * hv[1] + hv[2] * hv[2]);
        double ra, dec;
        mon_sun_radec(mid.t_ns, &ra, &dec);
        double su[3] = {cos(dec) * cos(ra), cos(dec) * sin(ra), sin(dec)};
        double beta = asin((hv[0] * su[0] + hv[1] * su[1] + hv[2] * su[2]) / hn);
        double arg = sqrt(h * h + 2.0 * RE_M * h) / ((RE_M + h) * cos(beta));
        double want = arg >= 1.0 ? 0.0 : acos(arg) / MON_PI;
        printf("eclipse: RAAN %5.1f beta %6.2f deg: fraction %.4f, geometry %.4f\n", raans[q],
               beta / MON_DEG, frac, want);
        cr_assert_lt(fabs(frac - want), 0.01, "RAAN %.0f: %.4f vs %.4f", raans[q], frac, want);
        if (fabs(frac - want) > worst)
            worst = fabs(frac - want);
        if (want > 0.3)
            with_eclipse++;
        if (want == 0.0)
            without++;
        free(o);
        sim_world_destroy(&w);
    }
    printf("eclipse: worst |error| %.4f\n", worst);
    cr_assert_geq(with_eclipse, 2);
    cr_assert_geq(without, 1);
}

/* Drag and thrust off for 30 days (step 5 s): the energy drift of the integrator against the
 * energy a day of drag removes at 250 km (measured on the same orbit with drag). */
Test(physics, energy_drift_far_below_a_day_of_drag, .timeout = 120) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.station_keeping = false;
    sim_world_t *w = world(&s);
    sim_truth_t t;
    sim_world_truth(w, &t);
    double e0 = sim_energy(t.r_eci, t.v_eci);
    for (int i = 0; i < (int)(DAY / s.step_s); i++)
        sim_world_step(w);
    sim_world_truth(w, &t);
    double drag_day = e0 - sim_energy(t.r_eci, t.v_eci);
    sim_world_destroy(&w);
    cr_assert_gt(drag_day, 1e4, "a day of drag removes %.1f J/kg", drag_day);

    s.density_factor = 0.0;
    w = world(&s);
    sim_world_truth(w, &t);
    e0 = sim_energy(t.r_eci, t.v_eci);
    double worst = 0.0;
    int n = (int)(30.0 * DAY / s.step_s);
    struct timespec c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &c0);
    for (int i = 0; i < n; i++) {
        sim_world_step(w);
        if (i % 1000 == 999 || i == n - 1) {
            sim_world_truth(w, &t);
            double d = fabs(sim_energy(t.r_eci, t.v_eci) - e0);
            if (d > worst)
                worst = d;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &c1);
    double ns_step =
        ((double)(c1.tv_sec - c0.tv_sec) * 1e9 + (double)(c1.tv_nsec - c0.tv_nsec)) / (double)n;
    printf("energy: %d steps, %.0f ns per step (with truth every 1000)\n", n, ns_step);
    cr_assert_float_eq(t.density_kg_m3, 0.0, 0.0);
    double drift = sim_energy(t.r_eci, t.v_eci) - e0;
    printf("energy: a day of drag removes %.1f J/kg; 30-day drift %.3e J/kg (worst %.3e, "
           "%.2e of the day's drag, %.2e of |E|)\n",
           drag_day, drift, worst, worst / drag_day, worst / fabs(e0));
    cr_assert_lt(worst, 0.01 * drag_day);
    sim_world_destroy(&w);
}

/* ---- controller, thruster, propellant ---- */

/* Nominal: the controller holds the orbit-mean altitude at 250 km within the band for three
 * days (its own estimate and an independent per-orbit mean of the truth). The solar array is
 * 260 W here: the default 200 W cannot carry bus + thruster through ~40 % eclipse (see the
 * power tests). */
Test(physics, controller_holds_the_band) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.solar_array_w = 260.0;
    sim_world_t *w = world(&s);
    orb_t *o = orb_new();
    sim_truth_t t;
    int n = (int)(3.0 * DAY / s.step_s), fire = 0, switches = 0;
    bool was = false;
    double lo = 1e9, hi = -1e9, thrust = 0.0, drag = 0.0;
    for (int i = 0; i <= n; i++) {
        sim_world_truth(w, &t);
        orb_add(o, &t);
        if ((double)i * s.step_s > 5400.0) {
            lo = fmin(lo, t.mean_alt_km);
            hi = fmax(hi, t.mean_alt_km);
        }
        fire += t.firing;
        switches += t.firing != was;
        was = t.firing;
        thrust += t.thrust_mn;
        drag += t.drag_mn;
        if (t.firing) {
            cr_assert_geq(t.thrust_cmd_mn, s.min_thrust_mn);
            cr_assert_leq(t.thrust_cmd_mn, s.max_thrust_mn);
            cr_assert_float_eq(t.thrust_mn, t.thrust_cmd_mn, 1e-12);
            cr_assert_float_eq(t.thruster_power_w, t.thrust_cmd_mn / 55.0 * 1000.0, 1e-9);
        }
        sim_world_step(w);
    }
    double olo = 1e9, ohi = -1e9;
    for (int k = 0; k < o->n; k++) {
        olo = fmin(olo, o->alt[k]);
        ohi = fmax(ohi, o->alt[k]);
    }
    printf("controller: estimate %.4f..%.4f km, per-orbit truth %.4f..%.4f km, firing %.3f, "
           "%d switches, mean thrust %.3f mN vs drag %.3f mN, %llu brownouts\n",
           lo, hi, olo, ohi, (double)fire / (n + 1), switches, thrust / (n + 1), drag / (n + 1),
           (unsigned long long)t.brownouts);
    cr_assert_geq(lo, 249.5);
    cr_assert_leq(hi, 250.5);
    cr_assert_geq(olo, 249.5);
    cr_assert_leq(ohi, 250.5);
    cr_assert_eq(t.brownouts, 0);
    /* Orbit-mean thrust matches the drag it holds against (within 5 %). */
    cr_assert_lt(fabs(thrust / drag - 1.0), 0.05, "thrust/drag %.4f", thrust / drag);
    free(o);
    sim_world_destroy(&w);
}

/* Propellant falls at cmd / (Isp g0) (the flow follows the command: with a THRUST_FACTOR of
 * 0.6 the thrust falls, not the flow or the power). */
Test(physics, propellant_flow_follows_the_command) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.solar_array_w = 260.0;
    add_event(&s, SIM_EV_THRUST_FACTOR, 0.5 * DAY, 0.0, 0.6);
    sim_world_t *w = world(&s);
    sim_truth_t t;
    sim_world_truth(w, &t);
    double p0 = t.propellant_kg, want = 0.0;
    int degraded = 0;
    for (int i = 0; i < (int)(DAY / s.step_s); i++) {
        if (t.firing) {
            want += t.thrust_cmd_mn * 1e-3 / (1500.0 * 9.80665) * s.step_s;
            double f = (double)t.t_ns >= (double)s.start_ns + 0.5 * DAY * 1e9 ? 0.6 : 1.0;
            cr_assert_float_eq(t.thrust_mn, f * t.thrust_cmd_mn, 1e-12);
            cr_assert_float_eq(t.thruster_power_w, t.thrust_cmd_mn / 55.0 * 1000.0, 1e-9);
            degraded += f < 1.0;
        }
        sim_world_step(w);
        sim_world_truth(w, &t);
    }
    double used = p0 - t.propellant_kg;
    printf("propellant: used %.6f g, expected %.6f g\n", used * 1e3, want * 1e3);
    cr_assert_gt(degraded, 1000);
    cr_assert_gt(want, 1e-4);
    cr_assert_float_eq(used, want, 1e-12 + 1e-9 * want);
    sim_world_destroy(&w);
}

/* Propellant runs out in the first orbit: the thruster stops and the orbit decays, faster on
 * the second day than on the first (as GOCE's did). */
Test(physics, exhaustion_decay_accelerates) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.solar_array_w = 260.0;
    s.propellant_kg = 0.0005; /* ~40 min at ~3 mN */
    sim_world_t *w = world(&s);
    orb_t *o = orb_new();
    sim_truth_t t;
    int n = (int)(2.4 * DAY / s.step_s);
    double empty_at = -1.0;
    for (int i = 0; i <= n; i++) {
        sim_world_truth(w, &t);
        orb_add(o, &t);
        if (empty_at < 0.0 && t.propellant_kg == 0.0)
            empty_at = (double)i * s.step_s;
        if (empty_at >= 0.0) {
            cr_assert_not(t.firing);
            cr_assert_float_eq(t.thrust_mn, 0.0, 0.0);
            cr_assert_float_eq(t.thruster_power_w, 0.0, 0.0);
        }
        cr_assert_geq(t.propellant_kg, 0.0);
        sim_world_step(w);
    }
    cr_assert(empty_at > 0.0 && empty_at < 5400.0, "empty at %.0f s", empty_at);
    /* Orbit means at the start (2nd orbit, after exhaustion), after one day and after two. */
    int k0 = 1, k1 = -1, k2 = -1;
    for (int k = 0; k < o->n; k++) {
        if (k1 < 0 && o->t_mid[k] >= o->t_mid[k0] + DAY)
            k1 = k;
        if (k2 < 0 && o->t_mid[k] >= o->t_mid[k0] + 2.0 * DAY)
            k2 = k;
    }
    cr_assert(k1 > 0 && k2 > 0);
    double d1 = (o->alt[k0] - o->alt[k1]) / (o->t_mid[k1] - o->t_mid[k0]) * DAY;
    double d2 = (o->alt[k1] - o->alt[k2]) / (o->t_mid[k2] - o->t_mid[k1]) * DAY;
    printf("exhaustion: empty after %.0f s; decay %.3f km/day, then %.3f km/day\n", empty_at, d1,
           d2);
    cr_assert_gt(d1, 2.0);
    cr_assert_gt(d2, d1 * 1.03);
    free(o);
    sim_world_destroy(&w);
}

/* Orbit lowering: a TARGET_ALTITUDE step down stops the thrust until the new target is
 * reached, then the controller holds it. */
Test(physics, target_step_down_coasts_then_holds) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.solar_array_w = 260.0;
    add_event(&s, SIM_EV_TARGET_ALTITUDE, 0.25 * DAY, 0.0, 246.0);
    sim_world_t *w = world(&s);
    sim_truth_t t;
    int n = (int)(2.5 * DAY / s.step_s);
    double reached = -1.0, lo = 1e9, hi = -1e9;
    for (int i = 0; i <= n; i++) {
        sim_world_truth(w, &t);
        double ts = (double)i * s.step_s;
        if (ts >= 0.25 * DAY && t.mean_alt_km > 246.0 + s.band_km)
            cr_assert_not(t.firing, "firing at %.0f s with mean %.3f km", ts, t.mean_alt_km);
        if (ts >= 0.25 * DAY && reached < 0.0 && t.mean_alt_km <= 246.0 + s.band_km)
            reached = ts;
        if (reached > 0.0 && ts > reached + 0.25 * DAY) {
            lo = fmin(lo, t.mean_alt_km);
            hi = fmax(hi, t.mean_alt_km);
        }
        sim_world_step(w);
    }
    printf("lowering: 250 -> 246 km band reached after %.2f days; then %.4f..%.4f km\n",
           (reached - 0.25 * DAY) / DAY, lo, hi);
    cr_assert_gt(reached, 0.0);
    cr_assert_geq(lo, 246.0 - s.band_km);
    cr_assert_leq(hi, 246.0 + s.band_km);
    sim_world_destroy(&w);
}

/* ---- power ---- */

/* No thruster: in shadow the SoC falls by load / capacity x time; in sun it rises at the
 * charge limit (50 W here, below the 120 W surplus) and stops at 100 %. */
Test(physics, battery_in_shadow_and_sun) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.station_keeping = false;
    s.initial_soc_pct = 95.0;
    s.max_charge_w = 50.0;
    sim_world_t *w = world(&s);
    sim_truth_t t, next;
    sim_world_truth(w, &t);
    const double per_s = 100.0 / 200.0 / 3600.0; /* % per W s */
    int shadow = 0, sun = 0, full = 0;
    double stretch = 0.0, stretch_start = t.soc_pct, longest = 0.0;
    for (int i = 0; i < (int)(3.0 * 5400.0 / s.step_s); i++) {
        sim_world_step(w);
        sim_world_truth(w, &next);
        double d = next.soc_pct - t.soc_pct;
        cr_assert_float_eq(t.load_w, 80.0, 0.0);
        if (t.in_shadow) {
            cr_assert_float_eq(t.solar_w, 0.0, 0.0);
            cr_assert_float_eq(d, -80.0 * s.step_s * per_s, 1e-9);
            shadow++;
        } else {
            cr_assert_float_eq(t.solar_w, 200.0, 0.0);
            double want = fmin(50.0 * s.step_s * per_s, 100.0 - t.soc_pct);
            cr_assert_float_eq(d, want, 1e-9);
            sun++;
            full += next.soc_pct == 100.0;
        }
        cr_assert_leq(next.soc_pct, 100.0);
        /* Whole shadow stretches: load x duration / capacity. */
        if (t.in_shadow && !next.in_shadow) {
            stretch += s.step_s;
            double drop = stretch_start - next.soc_pct;
            cr_assert_float_eq(drop, 80.0 * stretch * per_s, 1e-9);
            longest = fmax(longest, stretch);
            stretch = 0.0;
        } else if (t.in_shadow) {
            stretch += s.step_s;
        } else if (next.in_shadow) {
            stretch_start = next.soc_pct;
        }
        t = next;
    }
    printf("battery: %d shadow and %d sun steps, longest eclipse %.0f s (%.2f %% drop)\n", shadow,
           sun, longest, 80.0 * longest * per_s);
    cr_assert_gt(shadow, 500);
    cr_assert_gt(full, 10);
    cr_assert_eq(t.brownouts, 0);
    sim_world_destroy(&w);
}

/* Drag above what the power system can feed (density x 5: about 11.5 mN, 210 W): the
 * controller commands no more than the budget (array after the bus, plus 90 % of the allowed
 * discharge above the reserve; at the reserve half the charge limit goes first to the
 * battery), so there is never a brownout, the SoC stays near the reserve (the bus alone
 * drains it in eclipse), and the command is below the drag. */
Test(physics, controller_keeps_to_the_power_budget) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.density_factor = 5.0;
    s.solar_array_w = 300.0;
    s.battery_capacity_wh = 300.0;
    s.max_discharge_w = 200.0;
    s.initial_soc_pct = 80.0;
    sim_world_t *w = world(&s);
    sim_truth_t t;
    double min_soc = 100.0, worst_over = -1e9;
    int limited = 0, n = (int)(86400.0 / s.step_s);
    for (int i = 0; i < n; i++) {
        sim_world_truth(w, &t);
        double cap = t.soc_pct > s.reserve_soc_pct ? 0.9 * s.max_discharge_w : 0.0;
        double budget_w = t.solar_w - s.bus_load_w + cap;
        if (t.thrust_cmd_mn > 0.0) {
            double p_w = t.thrust_cmd_mn / s.thrust_to_power_mn_per_kw * 1000.0;
            worst_over = fmax(worst_over, p_w - fmax(budget_w, 0.0));
        }
        limited += t.thrust_cmd_mn < 0.95 * t.drag_mn;
        if (i > n / 4)
            min_soc = fmin(min_soc, t.soc_pct);
        sim_world_step(w);
    }
    sim_world_truth(w, &t);
    sim_world_destroy(&w);
    printf("power budget: command at most %.3g W over the budget, below the drag in %d of %d "
           "steps, lowest SoC %.1f %% (reserve %.0f %%), %llu brownouts\n",
           worst_over, limited, n, min_soc, s.reserve_soc_pct, (unsigned long long)t.brownouts);
    cr_assert_eq(t.brownouts, 0);
    cr_assert_leq(worst_over, 1e-9);
    cr_assert_gt(limited, n / 4, "the budget must bind in this run");
    /* a 35 min eclipse of 80 W bus is 15.6 % of 300 Wh below the reserve at most */
    cr_assert_gt(min_soc, s.reserve_soc_pct - 17.0);
}

/* THRUSTER_FULL through eclipses: with a battery allowed to deliver it (600 W, 3 kWh), the
 * SoC falls at (bus + max thrust / ratio) in eclipse, faster than the nominal controller's; with
 * the default 150 W limit every step is a brownout and the thruster is shed. */
Test(physics, thruster_full_drains_the_battery) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.max_discharge_w = 600.0;
    s.battery_capacity_wh = 3000.0;
    s.initial_soc_pct = 100.0;
    double min_soc[2];
    for (int full = 0; full < 2; full++) {
        sim_scenario_t sc = s;
        if (full)
            add_event(&sc, SIM_EV_THRUSTER_FULL, 0.0, 0.0, 0.0);
        sim_world_t *w = world(&sc);
        sim_truth_t t, next;
        sim_world_truth(w, &t);
        min_soc[full] = t.soc_pct;
        for (int i = 0; i < (int)(3.0 * 5400.0 / s.step_s); i++) {
            sim_world_step(w);
            sim_world_truth(w, &next);
            if (full) {
                cr_assert(t.firing);
                cr_assert_float_eq(t.thrust_cmd_mn, 20.0, 0.0);
                cr_assert_float_eq(t.load_w, 80.0 + 20.0 / 55.0 * 1000.0, 1e-9);
                if (t.in_shadow)
                    cr_assert_float_eq(next.soc_pct - t.soc_pct,
                                       -t.load_w * s.step_s / 3600.0 / 3000.0 * 100.0, 1e-9);
            }
            min_soc[full] = fmin(min_soc[full], next.soc_pct);
            t = next;
        }
        cr_assert_eq(t.brownouts, 0);
        sim_world_destroy(&w);
    }
    printf("thruster full: lowest SoC %.2f %% (nominal %.2f %%) over three orbits\n", min_soc[1],
           min_soc[0]);
    cr_assert_lt(min_soc[1], min_soc[0] - 10.0);

    /* Default discharge limit: 80 + 363.6 W exceeds 200 W solar + 150 W battery. */
    sim_scenario_t d;
    sim_scenario_default(&d);
    add_event(&d, SIM_EV_THRUSTER_FULL, 0.0, 0.0, 0.0);
    sim_world_t *w = world(&d);
    sim_truth_t t;
    for (int i = 0; i < 100; i++) {
        sim_world_truth(w, &t);
        cr_assert_not(t.firing);
        cr_assert_float_eq(t.thrust_cmd_mn, 20.0, 0.0);
        cr_assert_float_eq(t.thrust_mn, 0.0, 0.0);
        cr_assert_float_eq(t.load_w, 80.0, 0.0);
        sim_world_step(w);
    }
    sim_world_truth(w, &t);
    cr_assert_eq(t.brownouts, 100);
    cr_assert_float_eq(t.propellant_kg, 2.0, 0.0);
    sim_world_destroy(&w);
}

/* THRUSTER_OFF wins over the controller; an extra load adds to the bus; events end. */
Test(physics, events_take_effect_and_end) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.solar_array_w = 260.0;
    s.max_discharge_w = 300.0; /* no brownout sheds the thruster in eclipse */
    add_event(&s, SIM_EV_THRUSTER_OFF, 1000.0, 2000.0, 0.0);
    add_event(&s, SIM_EV_LOAD_W, 1002.5, 3000.0, 25.0);
    sim_world_t *w = world(&s);
    sim_truth_t t;
    for (int i = 0; i < 800; i++) {
        sim_world_truth(w, &t);
        double ts = (double)i * s.step_s;
        bool off = ts >= 1000.0 && ts < 2000.0;
        bool load = ts >= 1002.5 && ts < 3000.0; /* first step at or after 1002.5 s: 1005 s */
        if (off) {
            cr_assert_not(t.firing);
            cr_assert_float_eq(t.thrust_cmd_mn, 0.0, 0.0);
        } else {
            cr_assert(t.firing, "step at %.0f s", ts);
        }
        cr_assert_float_eq(t.load_w, 80.0 + (load ? 25.0 : 0.0) + t.thruster_power_w, 1e-9,
                           "at %.0f s", ts);
        sim_world_step(w);
    }
    sim_world_destroy(&w);
}

/* ---- determinism ---- */

Test(physics, same_scenario_same_truth) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    add_event(&s, SIM_EV_THRUST_FACTOR, 3000.0, 9000.0, 0.6);
    add_event(&s, SIM_EV_SPACE_WEATHER, 5000.0, 20000.0, 0.0);
    s.events[1].kp = 5.0;
    s.events[1].density_factor = 1.5;
    add_event(&s, SIM_EV_LOAD_W, 100.0, 0.0, 30.0);
    sim_world_t *a = world(&s), *b = world(&s);
    sim_truth_t ta, tb;
    double kp5_first = NAN, kp5_last = NAN, df_first = NAN, df_last = NAN;
    for (int i = 0; i < 20000; i++) {
        sim_world_step(a);
        sim_world_step(b);
        sim_world_truth(a, &ta);
        sim_world_truth(b, &tb);
        cr_assert_eq(memcmp(&ta, &tb, sizeof ta), 0, "step %d", i);
        double ts = (double)(ta.t_ns - s.start_ns) / 1e9;
        if (ta.kp == 5.0) {
            kp5_first = isnan(kp5_first) ? ts : kp5_first;
            kp5_last = ts;
        }
        if (ta.density_factor == 1.5) {
            df_first = isnan(df_first) ? ts : df_first;
            df_last = ts;
        }
    }
    /* The density factor applies at its own times; Jacchia's Kp is the 3-hourly value of the
     * file (the event covers the midpoints of 00-03 and 03-06 UT) 6.7 h later. */
    cr_expect_eq(df_first, 5000.0);
    cr_expect_eq(df_last, 19995.0);
    cr_expect_eq(kp5_first, 6.7 * 3600.0);
    cr_expect_eq(kp5_last, 6.0 * 3600.0 + 6.7 * 3600.0 - 5.0);
    sim_world_destroy(&a);
    sim_world_destroy(&b);
}

/* Low solar activity: the drag (about 1 mN) is below the 2 mN throttle floor; the controller
 * fires 2 mN pulses whose mean matches the drag orbit by orbit, and holds the band. */
Test(physics, controller_duty_cycles_below_min_thrust) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.f107 = s.f107a = 70.0;
    s.kp = 1.0;
    sim_world_t *w = world(&s);
    sim_truth_t t;
    int n = (int)(3.0 * DAY / s.step_s), switches = 0;
    bool was = false;
    double lo = 1e9, hi = -1e9, thr = 0.0, drag = 0.0, fire = 0.0, cnt = 0.0;
    double worst_lo = 1e9, worst_hi = 0.0, fire_lo = 1.0, fire_hi = 0.0;
    double prev_z = 0.0;
    for (int i = 0; i <= n; i++) {
        sim_world_truth(w, &t);
        double ts = (double)i * s.step_s;
        if (ts > 5400.0) {
            lo = fmin(lo, t.mean_alt_km);
            hi = fmax(hi, t.mean_alt_km);
        }
        if (t.firing)
            cr_assert_float_eq(t.thrust_cmd_mn, s.min_thrust_mn, 0.0);
        switches += t.firing != was;
        was = t.firing;
        /* per-orbit means from node to node, after the first half day */
        if (i > 0 && prev_z < 0.0 && t.r_eci[2] >= 0.0) {
            if (cnt > 0.0 && ts > 0.5 * DAY) {
                worst_lo = fmin(worst_lo, thr / drag);
                worst_hi = fmax(worst_hi, thr / drag);
                fire_lo = fmin(fire_lo, fire / cnt);
                fire_hi = fmax(fire_hi, fire / cnt);
            }
            thr = drag = fire = cnt = 0.0;
        }
        prev_z = t.r_eci[2];
        thr += t.thrust_mn;
        drag += t.drag_mn;
        fire += t.firing;
        cnt += 1.0;
        sim_world_step(w);
    }
    printf("duty cycle: mean %.4f..%.4f km, %d switches, per-orbit thrust/drag %.3f..%.3f, "
           "firing %.3f..%.3f\n",
           lo, hi, switches, worst_lo, worst_hi, fire_lo, fire_hi);
    cr_assert_geq(lo, 249.5);
    cr_assert_leq(hi, 250.5);
    cr_assert_gt(switches, 40);
    cr_assert_lt(fire_hi, 0.9);
    cr_assert_gt(worst_lo, 0.8);
    cr_assert_lt(worst_hi, 1.2);
    sim_world_destroy(&w);
}

/* Truth density = Jacchia 1971 at the truth's geodetic position and space weather x the
 * density factor; drag = 1/2 rho |v_rel|^2 Cd A with v_rel the ground-relative velocity. */
Test(physics, density_and_drag_from_the_truth) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.density_factor = 1.7;
    s.kp = 3.0;
    s.f107 = 180.0;
    s.f107a = 160.0;
    s.station_keeping = false;
    sim_world_t *w = world(&s);
    sim_truth_t t;
    for (int i = 0; i < 600; i++) {
        sim_world_truth(w, &t);
        if (i % 37 == 0) {
            mon_atmos_in_t in = {.alt_km = t.alt_km,
                                 .lat_deg = t.lat_deg,
                                 .lon_deg = t.lon_deg,
                                 .utc_unix_ns = t.t_ns,
                                 .f107 = 180.0,
                                 .f107a = 160.0,
                                 .kp = 3.0};
            mon_atmos_out_t out;
            cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_OK);
            cr_assert_float_eq(t.density_kg_m3, 1.7 * out.density_kg_m3, 1e-12 * out.density_kg_m3);
            double v2 =
                t.v_ecef[0] * t.v_ecef[0] + t.v_ecef[1] * t.v_ecef[1] + t.v_ecef[2] * t.v_ecef[2];
            double d = 0.5 * t.density_kg_m3 * v2 * 2.2 * 0.45 * 1000.0;
            cr_assert_float_eq(t.drag_mn, d, 1e-9 * d);
            cr_assert_gt(t.drag_mn, 1.0);
        }
        sim_world_step(w);
    }
    sim_world_destroy(&w);
}

/* A battery too small for the eclipse empties: SoC stops at 0 and the steps that follow are
 * brownouts; it recharges in the sun. */
Test(physics, empty_battery_browns_out) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.station_keeping = false;
    s.battery_capacity_wh = 10.0;
    s.initial_soc_pct = 50.0;
    sim_world_t *w = world(&s);
    sim_truth_t t;
    double lo = 100.0, hi = 0.0;
    for (int i = 0; i < (int)(2.0 * 5400.0 / s.step_s); i++) {
        sim_world_truth(w, &t);
        lo = fmin(lo, t.soc_pct);
        hi = fmax(hi, t.soc_pct);
        sim_world_step(w);
    }
    cr_assert_float_eq(lo, 0.0, 0.0);
    cr_assert_float_eq(hi, 100.0, 0.0);
    /* 5 Wh at 80 W lasts 225 s of a ~2200 s eclipse: most eclipse steps brown out. */
    cr_assert_gt(t.brownouts, 300);
    sim_world_destroy(&w);
}

/* From 130 km the orbit decays within hours; below 90 km the world freezes the orbit and
 * stays finite. */
Test(physics, reentry_freezes_the_orbit) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.station_keeping = false;
    s.altitude_km = 130.0;
    sim_world_t *w = world(&s);
    sim_truth_t t, u;
    for (int i = 0; i < (int)(DAY / s.step_s); i++)
        sim_world_step(w);
    sim_world_truth(w, &t);
    sim_world_step(w);
    sim_world_truth(w, &u);
    cr_assert_lt(t.alt_km, 90.0);
    cr_assert_gt(t.alt_km, 60.0);
    cr_assert(isfinite(t.density_kg_m3) && isfinite(t.sma_km) && isfinite(t.mean_alt_km));
    cr_assert_eq(memcmp(t.r_eci, u.r_eci, sizeof t.r_eci), 0);
    cr_assert_eq(u.t_ns - t.t_ns, 5 * NS);
    sim_world_destroy(&w);
}
