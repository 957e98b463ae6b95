/* sun.c: low-precision apparent Sun position (Astronomical Almanac formula as given in Vallado
 * 4th ed. algorithm 29; reference atmosphere.md), about 0.01 deg from 1950 to 2050. */
#include "mon/geo.h"

#include <math.h>

void mon_sun_radec(int64_t utc_unix_ns, double *ra_rad, double *dec_rad) {
    /* Julian centuries from J2000. The formula wants UT1 for the mean longitude and TDB for
     * the mean anomaly; UTC serves for both: TT - UTC (about 70 s) moves the Sun by 0.0008
     * deg, well inside the formula's own error. */
    double t = (mon_julian_date(utc_unix_ns) - 2451545.0) / 36525.0;
    double mean_lon = (280.460 + 36000.771 * t) * MON_DEG;
    double mean_anom = (357.5291092 + 35999.05034 * t) * MON_DEG;
    double sm = sin(mean_anom), cm = cos(mean_anom);
    /* Ecliptic longitude (the mean longitude above already includes aberration). */
    double lambda = mean_lon + (1.914666471 * sm + 0.019994643 * 2.0 * sm * cm) * MON_DEG;
    double eps = (23.439291 - 0.0130042 * t) * MON_DEG; /* obliquity of the ecliptic */
    double sl = sin(lambda), cl = cos(lambda);
    double ra = atan2(cos(eps) * sl, cl);
    if (ra < 0.0)
        ra += 2.0 * MON_PI;
    *ra_rad = ra;
    *dec_rad = asin(sin(eps) * sl);
}
