/* geo.c: WGS-84 geodetic <-> ECEF, Julian dates and sidereal time (reference atmosphere.md
 * "Constants"; Vallado 4th ed. sections 3.2-3.5). */
#include "mon/geo.h"

#include <math.h>

void mon_geodetic_to_ecef(const mon_geodetic_t *g, double r_m[3]) {
    const double a = MON_WGS84_A_KM * 1000.0;
    const double e2 = MON_WGS84_F * (2.0 - MON_WGS84_F);
    double lat = g->lat_deg * MON_DEG, lon = g->lon_deg * MON_DEG;
    double s = sin(lat), c = cos(lat);
    double n = a / sqrt(1.0 - e2 * s * s); /* prime-vertical radius of curvature */
    double h = g->alt_km * 1000.0;
    r_m[0] = (n + h) * c * cos(lon);
    r_m[1] = (n + h) * c * sin(lon);
    r_m[2] = (n * (1.0 - e2) + h) * s;
}

void mon_ecef_to_geodetic(const double r_m[3], mon_geodetic_t *g) {
    const double a = MON_WGS84_A_KM * 1000.0;
    const double e2 = MON_WGS84_F * (2.0 - MON_WGS84_F);
    double p = hypot(r_m[0], r_m[1]);
    g->lon_deg = (p > 0.0) ? atan2(r_m[1], r_m[0]) / MON_DEG : 0.0;
    if (p == 0.0 && r_m[2] == 0.0) {
        g->lat_deg = 0.0;
        g->alt_km = -MON_WGS84_A_KM;
        return;
    }
    /* Fixed-point iteration on latitude; from a spherical first guess it converges to
     * below 1e-12 rad within a few steps at satellite heights. */
    double lat = atan2(r_m[2], p * (1.0 - e2));
    double h = 0.0;
    for (int i = 0; i < 8; i++) {
        double s = sin(lat);
        double n = a / sqrt(1.0 - e2 * s * s);
        double c = cos(lat);
        /* Near the poles p/cos(lat) loses precision: use the z form there. */
        if (fabs(c) > 1e-3)
            h = p / c - n;
        else
            h = r_m[2] / s - n * (1.0 - e2);
        double next = atan2(r_m[2], p * (1.0 - e2 * n / (n + h)));
        if (fabs(next - lat) < 1e-14) {
            lat = next;
            break;
        }
        lat = next;
    }
    g->lat_deg = lat / MON_DEG;
    g->alt_km = h / 1000.0;
}

double mon_julian_date(int64_t utc_unix_ns) {
    /* JD 2440587.5 is 1970-01-01T00:00 UTC. Split days and remainder to keep precision. */
    int64_t days = utc_unix_ns / MON_NS_PER_DAY;
    int64_t rem = utc_unix_ns % MON_NS_PER_DAY;
    if (rem < 0) {
        rem += MON_NS_PER_DAY;
        days--;
    }
    return 2440587.5 + (double)days + (double)rem / (double)MON_NS_PER_DAY;
}

double mon_gmst_rad(int64_t utc_unix_ns) {
    /* IAU 1982 GMST in seconds of time, T in Julian centuries of UT1 from J2000. */
    double t = (mon_julian_date(utc_unix_ns) - 2451545.0) / 36525.0;
    double sec = 67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * t + 0.093104 * t * t -
                 6.2e-6 * t * t * t;
    double rad = fmod(sec, 86400.0) / 240.0 * MON_DEG;
    if (rad < 0.0)
        rad += 2.0 * MON_PI;
    return rad;
}

void mon_sun_ecef_unit(int64_t utc_unix_ns, double u[3]) {
    double ra, dec;
    mon_sun_radec(utc_unix_ns, &ra, &dec);
    double lon = ra - mon_gmst_rad(utc_unix_ns); /* Greenwich hour angle, negated */
    u[0] = cos(dec) * cos(lon);
    u[1] = cos(dec) * sin(lon);
    u[2] = sin(dec);
}
