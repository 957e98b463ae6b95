/* monsynth.c (tests only): see monsynth.h. */
#include "monsynth.h"

#include <math.h>

#include "mon/atmos.h"
#include "mon/geo.h"

double ms_gauss(uint64_t *state) {
    double u[2];
    for (int i = 0; i < 2; i++) {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        u[i] = ((double)((*state * 2685821657736338717ull) >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(2.0 * MON_PI * u[1]);
}

double ms_model_drag_mn(const mon_sc_cfg_t *sc, double alt_km, int64_t utc_unix_ns) {
    double rho = 0;
    for (int i = 0; i < 4; i++) {
        mon_atmos_in_t in = {.alt_km = alt_km,
                             .lon_deg = 90.0 * i,
                             .utc_unix_ns = utc_unix_ns,
                             .f107 = 150,
                             .f107a = 150,
                             .kp = 3,
                             .hp_exponent = 4};
        mon_atmos_out_t out;
        if (mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &out) != MON_ATMOS_OK)
            return NAN;
        rho += out.density_kg_m3 / 4;
    }
    double r = (MON_WGS84_A_KM + alt_km) * 1e3;
    double v = sqrt(MON_MU_M3_S2 / r) - MON_EARTH_OMEGA * r * cos(sc->inclination_deg * MON_DEG);
    return 0.5 * rho * v * v * sc->drag_coefficient * sc->drag_area_m2 * 1e3;
}
