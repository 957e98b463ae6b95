/* mon/geo.h: Earth and Sun geometry for the monitor: WGS-84 geodetic <-> ECEF, Julian
 * dates, Greenwich mean sidereal time and a low-precision Sun position (reference
 * atmosphere.md "Constants"; Vallado ch. 3 and algorithm 29). */
#ifndef MON_GEO_H
#define MON_GEO_H

#include <stdint.h>

#define MON_MU_M3_S2 3.986004418e14 /* Earth's gravitational parameter */
#define MON_WGS84_A_KM 6378.137     /* WGS-84 semi-major axis */
#define MON_WGS84_F (1.0 / 298.257223563)
#define MON_EARTH_OMEGA 7.2921159e-5 /* Earth rotation, rad/s */
#define MON_G0 9.80665               /* standard gravity, m/s^2 */
#define MON_PI 3.14159265358979323846
#define MON_DEG (MON_PI / 180.0)
#define MON_NS_PER_DAY 86400000000000LL

/* Geodetic position: latitude and longitude in degrees, height above the ellipsoid in km. */
typedef struct {
    double lat_deg;
    double lon_deg;
    double alt_km;
} mon_geodetic_t;

/* ECEF (metres) from geodetic coordinates. */
void mon_geodetic_to_ecef(const mon_geodetic_t *g, double r_m[3]);

/* Geodetic coordinates from ECEF (metres); exact to well under a millimetre in 160-1000 km
 * (iterative, converges in 3-4 steps). The origin gives latitude 0, height -a. */
void mon_ecef_to_geodetic(const double r_m[3], mon_geodetic_t *g);

/* Julian date (UT1 taken as UTC) of a UTC Unix time in ns. */
double mon_julian_date(int64_t utc_unix_ns);

/* Greenwich mean sidereal time in radians, [0, 2 pi) (IAU 1982 expression). */
double mon_gmst_rad(int64_t utc_unix_ns);

/* Apparent Sun position: right ascension (rad, [0, 2 pi)) and declination (rad) in the
 * true-of-date equatorial frame, good to about 0.01 deg (Astronomical Almanac low-precision
 * formula). Implemented in sun.c. */
void mon_sun_radec(int64_t utc_unix_ns, double *ra_rad, double *dec_rad);

/* Sun unit vector in ECEF (from mon_sun_radec rotated by GMST). */
void mon_sun_ecef_unit(int64_t utc_unix_ns, double u[3]);

#endif
