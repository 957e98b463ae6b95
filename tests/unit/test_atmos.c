/* test_atmos.c: exponential, Harris-Priester and Jacchia 1971 densities against the published
 * test values of reference atmosphere.md (Vallado example 8-4, Montenbruck & Gill, GMAT). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "guard.h"
#include "mon/atmos.h"
#include "mon/geo.h"

static int64_t utc_ns(int y, int mo, int d, int h, int mi, int s) {
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (int64_t)timegm(&tm) * 1000000000LL;
}

static double rel(double got, double want) {
    return fabs(got / want - 1.0);
}

/* Density of a model that must succeed. */
static double rho_ok(mon_atmos_model_t m, const mon_atmos_in_t *in, mon_atmos_out_t *out) {
    mon_atmos_out_t tmp;
    if (out == NULL)
        out = &tmp;
    mon_atmos_status_t st = mon_atmos_eval(m, in, out);
    cr_assert_eq(st, MON_ATMOS_OK, "%s at %g km: %s", mon_atmos_model_name(m), in->alt_km,
                 mon_atmos_status_str(st));
    cr_assert(isfinite(out->density_kg_m3) && out->density_kg_m3 > 0.0);
    return out->density_kg_m3;
}

/* ---- Exponential ---- */

Test(exponential, vallado_example_8_4) {
    mon_atmos_in_t in = {.alt_km = 747.2119};
    double r = rho_ok(MON_ATMOS_EXPONENTIAL, &in, NULL);
    cr_assert_lt(rel(r, 2.1219854e-14), 1e-6, "rho %.8e", r);
}

Test(exponential, row_boundaries) {
    mon_atmos_in_t in = {.alt_km = 150.0};
    /* At a base height the row's own rho0, exactly. */
    cr_assert_eq(rho_ok(MON_ATMOS_EXPONENTIAL, &in, NULL), 2.070e-9);
    in.alt_km = 0.0;
    cr_assert_eq(rho_ok(MON_ATMOS_EXPONENTIAL, &in, NULL), 1.225);
    /* Just below: still the 140 km row. */
    in.alt_km = 149.999;
    cr_assert_lt(rel(rho_ok(MON_ATMOS_EXPONENTIAL, &in, NULL), 3.845e-9 * exp(-9.999 / 16.149)),
                 1e-12);
    /* Between rows: 180 km row at 199.5 km; 200 km row at 200.5. */
    in.alt_km = 199.5;
    cr_assert_lt(rel(rho_ok(MON_ATMOS_EXPONENTIAL, &in, NULL), 5.464e-10 * exp(-19.5 / 29.740)),
                 1e-12);
    in.alt_km = 200.5;
    cr_assert_lt(rel(rho_ok(MON_ATMOS_EXPONENTIAL, &in, NULL), 2.789e-10 * exp(-0.5 / 37.105)),
                 1e-12);
    /* Above the table: the 1000 km row goes on. */
    in.alt_km = 1500.0;
    cr_assert_lt(rel(rho_ok(MON_ATMOS_EXPONENTIAL, &in, NULL), 3.019e-15 * exp(-500.0 / 268.0)),
                 1e-12);
}

Test(exponential, below_range_and_bad_input) {
    mon_atmos_in_t in = {.alt_km = -0.001};
    mon_atmos_out_t out;
    memset(&out, 0x5a, sizeof out);
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_EXPONENTIAL, &in, &out), MON_ATMOS_BELOW_RANGE);
    cr_assert_eq(out.density_kg_m3, 0.0);
    in.alt_km = NAN;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_EXPONENTIAL, &in, &out), MON_ATMOS_BAD_INPUT);
    in.alt_km = INFINITY;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_EXPONENTIAL, &in, &out), MON_ATMOS_BAD_INPUT);
    /* Fields the model does not use are not checked. */
    in = (mon_atmos_in_t){.alt_km = 300.0, .lat_deg = NAN, .kp = -5.0, .hp_exponent = 99};
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_EXPONENTIAL, &in, &out), MON_ATMOS_OK);
}

/* ---- Harris-Priester ---- */

Test(harris_priester, montenbruck_gill_test_values) {
    /* 2003-03-21 01:00 UTC, latitude 0, longitude 0, n = 4. */
    static const double h[5] = {150, 200, 300, 400, 500};
    static const double want[5] = {2.1220430e-09, 2.5572799e-10, 1.7088409e-11, 2.2514252e-12,
                                   3.9236342e-13};
    mon_atmos_in_t in = {.utc_unix_ns = utc_ns(2003, 3, 21, 1, 0, 0), .hp_exponent = 4};
    for (int i = 0; i < 5; i++) {
        in.alt_km = h[i];
        double r = rho_ok(MON_ATMOS_HARRIS_PRIESTER, &in, NULL);
        /* Measured agreement is 3e-6 or better (the Sun to about 0.004 deg). */
        cr_assert_lt(rel(r, want[i]), 2e-5, "%g km: %.8e vs %.8e (%.2e)", h[i], r, want[i],
                     rel(r, want[i]));
        cr_log_info("HP %g km: relative error %.2e", h[i], rel(r, want[i]));
    }
    /* Exponent 0 is the default 4. */
    in.hp_exponent = 0;
    in.alt_km = 300.0;
    cr_assert_lt(rel(rho_ok(MON_ATMOS_HARRIS_PRIESTER, &in, NULL), 1.7088409e-11), 2e-5);
}

/* Longitude of the bulge apex (Sun right ascension + 30 deg) at t, degrees east. */
static double apex_lon_deg(int64_t t) {
    double ra, dec;
    mon_sun_radec(t, &ra, &dec);
    return (ra - mon_gmst_rad(t)) / MON_DEG + 30.0;
}

Test(harris_priester, apex_antapex_and_exponents) {
    /* At the 2006 March equinox the Sun's declination is < 0.002 deg: the apex is on the
     * equator. */
    int64_t t = utc_ns(2006, 3, 20, 18, 26, 0);
    mon_atmos_in_t in = {.alt_km = 400.0, .lon_deg = apex_lon_deg(t), .utc_unix_ns = t};
    for (int n = 2; n <= 6; n++) {
        in.hp_exponent = n;
        cr_assert_lt(rel(rho_ok(MON_ATMOS_HARRIS_PRIESTER, &in, NULL), 7.492e-12), 1e-8);
    }
    in.lon_deg += 180.0;
    cr_assert_lt(rel(rho_ok(MON_ATMOS_HARRIS_PRIESTER, &in, NULL), 2.249e-12), 1e-8);
    /* 90 deg from the apex: cos(psi/2)^2 = 1/2, so the bulge term is 2^(-n/2). */
    in.lon_deg -= 90.0;
    for (int n = 2; n <= 6; n++) {
        in.hp_exponent = n;
        double want = 2.249e-12 + (7.492e-12 - 2.249e-12) * pow(0.5, 0.5 * n);
        cr_assert_lt(rel(rho_ok(MON_ATMOS_HARRIS_PRIESTER, &in, NULL), want), 1e-8, "n %d", n);
    }
    /* Exponential interpolation between rows on the night side: 410 km, rho_min only. */
    in.lon_deg += 90.0;
    in.alt_km = 410.0;
    in.hp_exponent = 4;
    cr_assert_lt(
        rel(rho_ok(MON_ATMOS_HARRIS_PRIESTER, &in, NULL), 2.249e-12 * sqrt(1.558e-12 / 2.249e-12)),
        1e-8);
}

Test(harris_priester, range_and_bad_input) {
    mon_atmos_in_t in = {.alt_km = 99.99, .utc_unix_ns = utc_ns(2003, 3, 21, 1, 0, 0)};
    mon_atmos_out_t out;
    memset(&out, 0x5a, sizeof out);
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_HARRIS_PRIESTER, &in, &out), MON_ATMOS_BELOW_RANGE);
    cr_assert_eq(out.density_kg_m3, 0.0);
    in.alt_km = 100.0; /* the table's first row: both columns equal */
    cr_assert_lt(rel(rho_ok(MON_ATMOS_HARRIS_PRIESTER, &in, NULL), 4.974e-07), 1e-12);
    in.alt_km = 1000.0;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_HARRIS_PRIESTER, &in, &out), MON_ATMOS_OK);
    cr_assert(out.density_kg_m3 >= 1.150e-15 && out.density_kg_m3 <= 1.810e-14);
    in.alt_km = 1000.5;
    memset(&out, 0x5a, sizeof out);
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_HARRIS_PRIESTER, &in, &out), MON_ATMOS_ABOVE_RANGE);
    cr_assert_eq(out.density_kg_m3, 0.0);
    in.alt_km = 400.0;
    static const int bad_n[] = {1, 7, -4, 100};
    for (size_t i = 0; i < sizeof bad_n / sizeof bad_n[0]; i++) {
        in.hp_exponent = bad_n[i];
        cr_assert_eq(mon_atmos_eval(MON_ATMOS_HARRIS_PRIESTER, &in, &out), MON_ATMOS_BAD_INPUT);
    }
    in.hp_exponent = 4;
    in.lat_deg = 90.5;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_HARRIS_PRIESTER, &in, &out), MON_ATMOS_BAD_INPUT);
    in.lat_deg = 0.0;
    in.lon_deg = NAN;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_HARRIS_PRIESTER, &in, &out), MON_ATMOS_BAD_INPUT);
}

/* ---- Jacchia 1971 ---- */

/* GMAT (Jacchia-Roberts) inputs: 2017-01-01 00:00 UTC, lat 45, lon 0, F10.7 = F81 = 100.
 * Kp is passed as it is: the model applies no lag (choosing the 3-hour interval at t - 6.7 h
 * or t - 3 h is the caller's job, mon/spacewx.h). */
static mon_atmos_in_t gmat_in(double alt_km, double kp) {
    return (mon_atmos_in_t){.alt_km = alt_km,
                            .lat_deg = 45.0,
                            .lon_deg = 0.0,
                            .utc_unix_ns = utc_ns(2017, 1, 1, 0, 0, 0),
                            .f107 = 100.0,
                            .f107a = 100.0,
                            .kp = kp};
}

Test(jacchia71, gmat_reference_values) {
    static const struct {
        double alt, kp, g_cm3;
    } ref[] = {
        {125.1, 1, 1.44428e-11}, {125.1, 4, 1.58997e-11}, {300, 1, 9.08858e-15},
        {300, 4, 1.30609e-14},   {700, 1, 8.51674e-18},   {700, 4, 1.34785e-17},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        mon_atmos_in_t in = gmat_in(ref[i].alt, ref[i].kp);
        double r = rho_ok(MON_ATMOS_JACCHIA71, &in, NULL);
        double want = ref[i].g_cm3 * 1000.0; /* g/cm^3 -> kg/m^3 */
        /* Measured: 1.1e-5 or better (the references have 6 digits). */
        cr_assert_lt(rel(r, want), 1e-4, "%g km Kp %g: %.6e vs %.6e (%.2e)", ref[i].alt, ref[i].kp,
                     r, want, rel(r, want));
        cr_log_info("J71 %g km Kp %g: relative error %.2e", ref[i].alt, ref[i].kp, rel(r, want));
    }
}

Test(jacchia71, exospheric_temperature_terms) {
    /* Geomagnetic term above 200 km: dT(4) - dT(1) = 28 * 3 + 0.03 (e^4 - e). */
    mon_atmos_in_t a = gmat_in(300, 1), b = gmat_in(300, 4);
    double d = mon_j71_exo_temp(&b) - mon_j71_exo_temp(&a);
    cr_assert_float_eq(d, 84.0 + 0.03 * (exp(4.0) - exp(1.0)), 1e-9);
    /* Below 200 km: 14 * 3 + 0.02 (e^4 - e). */
    a = gmat_in(150, 1);
    b = gmat_in(150, 4);
    d = mon_j71_exo_temp(&b) - mon_j71_exo_temp(&a);
    cr_assert_float_eq(d, 42.0 + 0.02 * (exp(4.0) - exp(1.0)), 1e-9);
    /* T_c = 379 + 3.24 F81 + 1.3 (F - F81), scaled by the diurnal factor D; at Kp 0 the
     * geomagnetic term is 0.03 K. F = F81 = 100: T_c = 703; F = F81 = 200: T_c = 1027. */
    a = gmat_in(300, 0);
    double t100 = mon_j71_exo_temp(&a) - 0.03;
    a.f107 = a.f107a = 200.0;
    double t200 = mon_j71_exo_temp(&a) - 0.03;
    cr_assert_float_eq(t200 / t100, 1027.0 / 703.0, 1e-12);
    double diurnal = t100 / 703.0;
    cr_assert(diurnal >= 1.0 && diurnal <= 1.3, "diurnal factor %g", diurnal);
    a.f107a = 100.0;
    a.f107 = 150.0; /* T_c = 703 + 1.3 * 50 */
    cr_assert_float_eq(mon_j71_exo_temp(&a) - 0.03, 768.0 * diurnal, 1e-9);
    /* Afternoon warmer than before dawn: local solar time 14 h vs 4 h at 2017-01-01 00 UT
     * (the Sun is over about 180 deg longitude). */
    a = gmat_in(400, 2);
    a.lat_deg = 0.0;
    a.lon_deg = 180.0 + 30.0; /* about 14 h */
    double day = mon_j71_exo_temp(&a);
    a.lon_deg = 180.0 - 120.0; /* about 4 h */
    double night = mon_j71_exo_temp(&a);
    cr_assert_gt(day, night * 1.2, "day %g night %g", day, night);
    /* Bad input gives NaN. */
    a.kp = 10.0;
    cr_assert(isnan(mon_j71_exo_temp(&a)));
    cr_assert(isnan(mon_j71_exo_temp(NULL)));
}

Test(jacchia71, temperature_profile) {
    mon_atmos_in_t in = gmat_in(90.0, 3);
    mon_atmos_out_t out;
    rho_ok(MON_ATMOS_JACCHIA71, &in, &out);
    cr_assert_float_eq(out.local_temp_k, 183.0, 1e-9);
    double tinf = out.exo_temp_k;
    /* At 125 km T = Tx (updated Jacchia 1971 expression). */
    in.alt_km = 125.0;
    rho_ok(MON_ATMOS_JACCHIA71, &in, &out);
    double tx =
        371.6678 + 0.0518806 * out.exo_temp_k - 294.3505 * exp(-0.00216222 * out.exo_temp_k);
    cr_assert_float_eq(out.local_temp_k, tx, 1e-9);
    cr_assert_eq(out.exo_temp_k, tinf); /* same geomagnetic form below 200 km */
    /* High up T reaches T_inf; the profile rises monotonically. */
    in.alt_km = 900.0;
    rho_ok(MON_ATMOS_JACCHIA71, &in, &out);
    cr_assert_lt(out.exo_temp_k - out.local_temp_k, 0.01);
    double prev = 0.0;
    for (int z = 90; z <= 1000; z += 5) {
        in.alt_km = z;
        rho_ok(MON_ATMOS_JACCHIA71, &in, &out);
        cr_assert_gt(out.local_temp_k, prev - 1e-9, "T falls at %d km", z);
        cr_assert_leq(out.local_temp_k, out.exo_temp_k + 1e-9);
        prev = out.local_temp_k;
    }
}

Test(jacchia71, decreases_with_height_and_joins) {
    mon_atmos_in_t in = gmat_in(90.0, 3);
    double prev = INFINITY;
    for (int i = 0; i <= 2 * (1500 - 90); i++) { /* every 0.5 km, 90 .. 1500 km */
        in.alt_km = 90.0 + 0.5 * i;
        double r = rho_ok(MON_ATMOS_JACCHIA71, &in, NULL);
        cr_assert_lt(r, prev, "rho does not fall at %g km", in.alt_km);
        prev = r;
    }
    /* The pieces join: integration from 90 km vs Roberts' fit at 100 km, quadrature from 100 km
     * vs the closed form (its own fit) at 125 km. */
    static const double joins[] = {100.0, 125.0};
    for (int k = 0; k < 2; k++) {
        for (int kp = 0; kp <= 9; kp += 3) {
            for (int f = 70; f <= 270; f += 100) {
                in = gmat_in(joins[k] - 1e-6, kp);
                in.f107 = in.f107a = f;
                double lo = rho_ok(MON_ATMOS_JACCHIA71, &in, NULL);
                in.alt_km = joins[k] + 1e-6;
                double hi = rho_ok(MON_ATMOS_JACCHIA71, &in, NULL);
                cr_assert_lt(rel(hi, lo), 2e-3, "step at %g km (Kp %d F %d): %.3e", joins[k], kp, f,
                             rel(hi, lo));
            }
        }
    }
}

Test(jacchia71, hydrogen_from_500_km) {
    /* Jacchia 1971 adds hydrogen above 500 km only: the density steps up there by
     * log10 n_H(500) = 73.13 - (39.4 - 5.5 log10 T500) log10 T500 times m_H / Av (with the
     * corrections), a larger share when the thermosphere is cold. */
    for (int f = 70; f <= 270; f += 100) {
        mon_atmos_in_t in = gmat_in(500.0 - 1e-9, 0);
        in.f107 = in.f107a = f;
        mon_atmos_out_t lo, hi;
        rho_ok(MON_ATMOS_JACCHIA71, &in, &lo);
        in.alt_km = 500.0 + 1e-9;
        rho_ok(MON_ATMOS_JACCHIA71, &in, &hi);
        double lg = log10(hi.local_temp_k);
        double nh = pow(10.0, 73.13 - (39.4 - 5.5 * lg) * lg);
        /* The density corrections (semi-annual, seasonal-latitudinal; within +-30 % at 500 km)
         * scale the hydrogen as they scale the rest. */
        double step_g_cm3 = (hi.density_kg_m3 - lo.density_kg_m3) / 1000.0;
        double want = nh * 1.00797 / 6.022045e23;
        cr_assert(step_g_cm3 > 0.7 * want && step_g_cm3 < 1.3 * want, "F %d: step %g vs %g", f,
                  step_g_cm3, want);
        cr_assert_lt(step_g_cm3 * 1000.0 / lo.density_kg_m3, 0.06);
    }
    /* Far up (T within rounding of T_inf) the density stays positive: hydrogen. */
    mon_atmos_in_t in = gmat_in(5000.0, 3);
    double r = rho_ok(MON_ATMOS_JACCHIA71, &in, NULL);
    in.alt_km = 4000.0;
    cr_assert_lt(r, rho_ok(MON_ATMOS_JACCHIA71, &in, NULL));
}

Test(jacchia71, boundary_density_and_geomagnetic_correction) {
    /* At 90 km: rho = 3.46e-9 g/cm^3 times the corrections; only the geomagnetic one depends
     * on Kp: ratio 10^(0.012 dKp + 1.2e-5 (e^Kp2 - e^Kp1)). */
    mon_atmos_in_t a = gmat_in(90.0, 1), b = gmat_in(90.0, 4);
    double ra = rho_ok(MON_ATMOS_JACCHIA71, &a, NULL);
    double rb = rho_ok(MON_ATMOS_JACCHIA71, &b, NULL);
    cr_assert_float_eq(rb / ra, pow(10.0, 0.012 * 3.0 + 1.2e-5 * (exp(4.0) - exp(1.0))), 1e-12);
    /* The semi-annual term at 90 km is within +-0.05 in log10. */
    cr_assert_lt(fabs(log10(ra / (3.46e-6 * pow(10.0, 0.012 + 1.2e-5 * exp(1.0))))), 0.05);
}

Test(jacchia71, increases_with_kp_and_flux) {
    static const double heights[] = {95, 110, 150, 250, 400, 600, 900};
    for (size_t h = 0; h < sizeof heights / sizeof heights[0]; h++) {
        double prev = 0.0;
        for (int k = 0; k <= 90; k += 3) {
            mon_atmos_in_t in = gmat_in(heights[h], k / 10.0);
            double r = rho_ok(MON_ATMOS_JACCHIA71, &in, NULL);
            cr_assert_gt(r, prev, "%g km: Kp %g", heights[h], k / 10.0);
            prev = r;
        }
        prev = 0.0;
        for (int f = 65; f <= 300; f += 5) {
            mon_atmos_in_t in = gmat_in(heights[h], 3.0);
            in.f107 = in.f107a = f;
            double r = rho_ok(MON_ATMOS_JACCHIA71, &in, NULL);
            if (heights[h] >= 150.0) /* below, T_inf hardly matters */
                cr_assert_gt(r, prev, "%g km: F10.7 %d", heights[h], f);
            prev = r;
        }
    }
    /* Storm vs quiet at 400 km: Kp 8 about doubles (or more) the quiet Kp 1 density. */
    mon_atmos_in_t q = gmat_in(400, 1), s = gmat_in(400, 8);
    cr_assert_gt(rho_ok(MON_ATMOS_JACCHIA71, &s, NULL),
                 2.0 * rho_ok(MON_ATMOS_JACCHIA71, &q, NULL));
}

Test(jacchia71, range_and_bad_input) {
    mon_atmos_out_t out;
    mon_atmos_in_t in = gmat_in(89.99, 3);
    memset(&out, 0x5a, sizeof out);
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_BELOW_RANGE);
    cr_assert_eq(out.density_kg_m3, 0.0);
    cr_assert_eq(out.exo_temp_k, 0.0);
    cr_assert_eq(out.local_temp_k, 0.0);
    /* Far up is fine (no upper limit): hydrogen only. */
    in.alt_km = 3000.0;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_OK);
    cr_assert_gt(out.density_kg_m3, 0.0);
    struct {
        const char *what;
        mon_atmos_in_t in;
    } bad[] = {
        {"kp < 0", gmat_in(300, -0.01)},   {"kp > 9", gmat_in(300, 9.01)},
        {"kp NaN", gmat_in(300, NAN)},     {"alt NaN", gmat_in(NAN, 3)},
        {"alt inf", gmat_in(INFINITY, 3)},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&out, 0x5a, sizeof out);
        cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &bad[i].in, &out), MON_ATMOS_BAD_INPUT,
                     "%s", bad[i].what);
        cr_assert_eq(out.density_kg_m3, 0.0);
    }
    in = gmat_in(300, 3);
    in.f107 = 0.0;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_BAD_INPUT);
    in.f107 = 100.0;
    in.f107a = -1.0;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_BAD_INPUT);
    in.f107a = NAN;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_BAD_INPUT);
    in.f107a = 1e6; /* beyond the 1000 sfu accepted */
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_BAD_INPUT);
    in.f107a = 100.0;
    in.lat_deg = -90.01;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_BAD_INPUT);
    in.lat_deg = -90.0; /* the poles themselves are fine */
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_OK);
    /* Kp at the ends of the range. */
    in.kp = 0.0;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_OK);
    in.kp = 9.0;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out), MON_ATMOS_OK);
}

/* ---- Common ---- */

Test(atmos, null_and_unknown_model) {
    mon_atmos_in_t in = gmat_in(300, 3);
    mon_atmos_out_t out;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, NULL, &out), MON_ATMOS_BAD_INPUT);
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, NULL), MON_ATMOS_BAD_INPUT);
    memset(&out, 0x5a, sizeof out);
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_MODEL_COUNT, &in, &out), MON_ATMOS_BAD_INPUT);
    cr_assert_eq(out.density_kg_m3, 0.0);
    cr_assert_eq(mon_atmos_eval((mon_atmos_model_t)-1, &in, &out), MON_ATMOS_BAD_INPUT);
}

static int parse_placed(const char *s, mon_atmos_model_t *m) {
    const char *p = (const char *)guard_place(s, strlen(s) + 1);
    cr_assert_not_null(p);
    return mon_atmos_model_parse(p, m);
}

Test(atmos, model_names) {
    for (int i = 0; i < MON_ATMOS_MODEL_COUNT; i++) {
        mon_atmos_model_t m = MON_ATMOS_MODEL_COUNT;
        cr_assert_eq(parse_placed(mon_atmos_model_name((mon_atmos_model_t)i), &m), 0);
        cr_assert_eq(m, (mon_atmos_model_t)i);
    }
    cr_assert_str_eq(mon_atmos_model_name(MON_ATMOS_EXPONENTIAL), "exponential");
    cr_assert_str_eq(mon_atmos_model_name(MON_ATMOS_HARRIS_PRIESTER), "harris-priester");
    cr_assert_str_eq(mon_atmos_model_name(MON_ATMOS_JACCHIA71), "jacchia71");
    mon_atmos_model_t m;
    cr_assert_eq(parse_placed("hp", &m), 0);
    cr_assert_eq(m, MON_ATMOS_HARRIS_PRIESTER);
    cr_assert_eq(parse_placed("j71", &m), 0);
    cr_assert_eq(m, MON_ATMOS_JACCHIA71);
    m = MON_ATMOS_EXPONENTIAL;
    static const char *const bad[] = {"", "msis", "Jacchia71", "jacchia7", "jacchia711", "hp "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(parse_placed(bad[i], &m), -1, "\"%s\"", bad[i]);
        cr_assert_eq(m, MON_ATMOS_EXPONENTIAL); /* untouched */
    }
    cr_assert_eq(mon_atmos_model_parse(NULL, &m), -1);
    cr_assert_str_eq(mon_atmos_model_name(MON_ATMOS_MODEL_COUNT), "unknown");
}

Test(atmos, status_strings) {
    const char *seen[MON_ATMOS_STATUS_COUNT];
    for (int i = 0; i < MON_ATMOS_STATUS_COUNT; i++) {
        seen[i] = mon_atmos_status_str((mon_atmos_status_t)i);
        cr_assert_not_null(seen[i]);
        cr_assert_str_neq(seen[i], "unknown");
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(seen[i], seen[j]);
    }
    cr_assert_str_eq(mon_atmos_status_str(MON_ATMOS_STATUS_COUNT), "unknown");
}
