/* test_geo.c: WGS-84 geodetic <-> ECEF, Julian dates, GMST and the Sun position (geo.c, sun.c;
 * reference atmosphere.md "Constants", Vallado examples 3-5 and 5-1). */
#include <criterion/criterion.h>
#include <math.h>
#include <time.h>

#include "mon/geo.h"

#define A_M (MON_WGS84_A_KM * 1000.0)
#define B_M (A_M * (1.0 - MON_WGS84_F)) /* polar radius */

/* Unix ns of a UTC date and time from libc (an independent oracle for the tests' times). */
static int64_t utc_ns(int y, int mo, int d, int h, int mi, int s) {
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (int64_t)timegm(&tm) * 1000000000LL;
}

/* Difference of two angles in degrees, into [-180, 180). */
static double ang_diff_deg(double a, double b) {
    double d = fmod(a - b, 360.0);
    if (d >= 180.0)
        d -= 360.0;
    if (d < -180.0)
        d += 360.0;
    return d;
}

Test(geo, equator_prime_meridian_is_semi_major_axis) {
    mon_geodetic_t g = {0.0, 0.0, 0.0};
    double r[3];
    mon_geodetic_to_ecef(&g, r);
    cr_assert_float_eq(r[0], 6378137.0, 1e-9);
    cr_assert_float_eq(r[1], 0.0, 1e-9);
    cr_assert_float_eq(r[2], 0.0, 1e-9);
    /* 90 deg east, 100 km up. */
    g = (mon_geodetic_t){0.0, 90.0, 100.0};
    mon_geodetic_to_ecef(&g, r);
    cr_assert_float_eq(r[0], 0.0, 1e-6);
    cr_assert_float_eq(r[1], 6478137.0, 1e-6);
    cr_assert_float_eq(r[2], 0.0, 1e-9);
}

Test(geo, poles) {
    /* b = a (1 - f) = 6356752.314245 m */
    double r[3];
    mon_geodetic_t g = {90.0, 0.0, 0.0};
    mon_geodetic_to_ecef(&g, r);
    cr_assert_float_eq(r[2], 6356752.314245, 1e-6);
    cr_assert_lt(hypot(r[0], r[1]), 1e-6);
    g = (mon_geodetic_t){-90.0, 45.0, 250.0};
    mon_geodetic_to_ecef(&g, r);
    cr_assert_float_eq(r[2], -(6356752.314245 + 250000.0), 1e-6);
    /* Back from exactly on the axis. */
    double north[3] = {0.0, 0.0, B_M + 400000.0};
    mon_ecef_to_geodetic(north, &g);
    cr_assert_float_eq(g.lat_deg, 90.0, 1e-9);
    cr_assert_float_eq(g.alt_km, 400.0, 1e-6);
    double south[3] = {0.0, 0.0, -(B_M + 160000.0)};
    mon_ecef_to_geodetic(south, &g);
    cr_assert_float_eq(g.lat_deg, -90.0, 1e-9);
    cr_assert_float_eq(g.alt_km, 160.0, 1e-6);
}

Test(geo, origin) {
    double r[3] = {0.0, 0.0, 0.0};
    mon_geodetic_t g;
    mon_ecef_to_geodetic(r, &g);
    cr_assert_eq(g.lat_deg, 0.0);
    cr_assert_float_eq(g.alt_km, -MON_WGS84_A_KM, 1e-12);
}

Test(geo, known_point_mid_latitude) {
    /* Hand calculation: lat 45, lon 0, h 0: N = a / sqrt(1 - e^2/2) = 6388838.290 m,
     * x = N cos 45 = 4517590.879 m, z = N (1 - e^2) sin 45 = 4487348.409 m. */
    mon_geodetic_t g = {45.0, 0.0, 0.0};
    double r[3];
    mon_geodetic_to_ecef(&g, r);
    cr_assert_float_eq(r[0], 4517590.879, 2e-3);
    cr_assert_float_eq(r[2], 4487348.409, 2e-3);
}

Test(geo, round_trip_all_latitudes_and_heights) {
    double worst_m = 0.0, worst_deg = 0.0;
    for (int ilat = -180; ilat <= 180; ilat++) { /* every 0.5 deg, poles included */
        for (int ialt = 0; ialt <= 20; ialt++) { /* 0 .. 1000 km by 50 */
            double lon = -179.0 + 37.0 * (ilat + 180) / 7.0;
            lon = fmod(lon + 180.0, 360.0) - 180.0;
            mon_geodetic_t g = {0.5 * ilat, lon, 50.0 * ialt};
            double r[3];
            mon_geodetic_to_ecef(&g, r);
            mon_geodetic_t back;
            mon_ecef_to_geodetic(r, &back);
            double dh = fabs(back.alt_km - g.alt_km) * 1000.0;
            double dlat = fabs(back.lat_deg - g.lat_deg);
            cr_assert_lt(dh, 1e-3, "height off by %g m at lat %g alt %g", dh, g.lat_deg, g.alt_km);
            cr_assert_lt(dlat, 1e-9, "latitude off by %g deg at lat %g alt %g", dlat, g.lat_deg,
                         g.alt_km);
            if (fabs(g.lat_deg) < 90.0) {
                double dlon = fabs(ang_diff_deg(back.lon_deg, g.lon_deg));
                cr_assert_lt(dlon, 1e-9, "longitude off by %g deg at lat %g", dlon, g.lat_deg);
            }
            /* And the position again, to the millimetre. */
            double r2[3];
            mon_geodetic_to_ecef(&back, r2);
            double d = sqrt((r2[0] - r[0]) * (r2[0] - r[0]) + (r2[1] - r[1]) * (r2[1] - r[1]) +
                            (r2[2] - r[2]) * (r2[2] - r[2]));
            cr_assert_lt(d, 1e-3, "position off by %g m at lat %g alt %g", d, g.lat_deg, g.alt_km);
            worst_m = fmax(worst_m, dh);
            worst_deg = fmax(worst_deg, dlat);
        }
    }
    cr_log_info("round trip: worst height %g m, worst latitude %g deg", worst_m, worst_deg);
}

Test(geo, julian_date) {
    cr_assert_eq(mon_julian_date(utc_ns(2000, 1, 1, 12, 0, 0)), 2451545.0);
    cr_assert_eq(mon_julian_date(0), 2440587.5);
    /* Before 1970: the negative remainder branch. */
    cr_assert_eq(mon_julian_date(utc_ns(1969, 12, 31, 0, 0, 0)), 2440586.5);
    cr_assert_float_eq(mon_julian_date(utc_ns(1969, 12, 31, 18, 0, 0)), 2440587.25, 1e-9);
    /* Vallado example 3-4 date: 1996-10-26 14:20:00 UT -> JD 2450383.09722222 */
    cr_assert_float_eq(mon_julian_date(utc_ns(1996, 10, 26, 14, 20, 0)), 2450383.0972222222, 1e-8);
}

Test(geo, gmst) {
    /* Vallado example 3-5: 1992-08-20 12:14 UT1 -> GMST 152.578787886 deg. */
    double g = mon_gmst_rad(utc_ns(1992, 8, 20, 12, 14, 0)) / MON_DEG;
    cr_assert_float_eq(g, 152.578787886, 1e-6, "GMST %.9f", g);
    /* At J2000.0 (2000-01-01 12:00 UT1): 18.697374558 h = 280.46061837 deg. */
    g = mon_gmst_rad(utc_ns(2000, 1, 1, 12, 0, 0)) / MON_DEG;
    cr_assert_float_eq(g, 280.46061837, 1e-6, "GMST %.9f", g);
    /* Range [0, 2 pi) before 2000 too. */
    for (int d = 0; d < 400; d++) {
        double r = mon_gmst_rad(utc_ns(1990, 1, 1, 0, 0, 0) + (int64_t)d * 3700000000000LL);
        cr_assert(r >= 0.0 && r < 2.0 * MON_PI);
    }
}

/* Apparent Sun RA/dec within 0.01 deg of values from the IAU 2006/2000A models (ERFA:
 * geometric direction from epv00, annual aberration, precession-nutation pnm06a). */
static void check_sun(int64_t t, double ra_deg, double dec_deg) {
    double ra, dec;
    mon_sun_radec(t, &ra, &dec);
    cr_assert(ra >= 0.0 && ra < 2.0 * MON_PI);
    double dra = ang_diff_deg(ra / MON_DEG, ra_deg);
    cr_assert_lt(fabs(dra), 0.01, "RA %.5f, expected %.5f", ra / MON_DEG, ra_deg);
    cr_assert_float_eq(dec / MON_DEG, dec_deg, 0.01, "dec %.5f, expected %.5f", dec / MON_DEG,
                       dec_deg);
}

Test(sun, vallado_example_5_1) {
    /* 2006-04-02 00:00 UTC (Vallado example 5-1 date): RA 11.13994, dec 4.78871 deg. */
    check_sun(utc_ns(2006, 4, 2, 0, 0, 0), 11.13994, 4.78871);
}

Test(sun, equinox_and_solstice) {
    /* March equinox 2006-03-20 18:26 UT: RA 0, dec 0. June solstice 2006-06-21 12:26 UT: RA
     * 90 deg, dec = true obliquity 23.4409 deg. */
    check_sun(utc_ns(2006, 3, 20, 18, 26, 0), 0.0, 0.0);
    check_sun(utc_ns(2006, 6, 21, 12, 26, 0), 90.0, 23.44089);
}

Test(sun, other_dates) {
    check_sun(utc_ns(2017, 1, 1, 0, 0, 0), 281.69661, -22.99900);
    check_sun(utc_ns(2024, 5, 11, 12, 0, 0), 48.85592, 18.08083);
    check_sun(utc_ns(2003, 3, 21, 1, 0, 0), 0.00010, 0.00017);
}

Test(sun, ecef_unit_vector) {
    /* At 2006-03-20 18:26 UT (equinox) the Sun is over the equator at longitude RA - GMST,
     * with GMST = 94.644 deg: about -94.64 deg. */
    int64_t t = utc_ns(2006, 3, 20, 18, 26, 0);
    double u[3];
    mon_sun_ecef_unit(t, u);
    cr_assert_float_eq(u[0] * u[0] + u[1] * u[1] + u[2] * u[2], 1.0, 1e-12);
    cr_assert_lt(fabs(u[2]), 0.01 * MON_DEG);
    double ra, dec;
    mon_sun_radec(t, &ra, &dec);
    double lon = atan2(u[1], u[0]) / MON_DEG;
    double expect = ang_diff_deg(ra / MON_DEG, mon_gmst_rad(t) / MON_DEG);
    cr_assert_lt(fabs(ang_diff_deg(lon, expect)), 1e-9);
    cr_assert_lt(fabs(lon + 94.644), 0.01, "subsolar longitude %.4f", lon);
    /* Subsolar point at local noon: 12:00 UT near 0 longitude (equation of time within
     * 17 min, i.e. 4.3 deg). */
    mon_sun_ecef_unit(utc_ns(2006, 3, 20, 12, 0, 0), u);
    cr_assert_lt(fabs(atan2(u[1], u[0]) / MON_DEG), 4.5);
}
