/* atmos.c: upper-atmosphere density models (reference atmosphere.md): exponential (Vallado
 * table 8-4), Harris-Priester (Montenbruck & Gill 3.5.2) and Jacchia 1971 (SAO SR 332 with
 * Roberts' closed form above 125 km and the corrections of Vallado appendix B). */
#include "mon/atmos.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "mon/geo.h"

#define LN10 2.302585092994045684

/* ---- Exponential (Vallado table 8-4): base height km, base density kg/m^3, scale km ---- */

typedef struct {
    double h0;
    double rho0;
    double scale;
} exp_row_t;

static const exp_row_t exp_table[] = {
    {0, 1.225, 7.249},         {25, 3.899e-2, 6.349},    {30, 1.774e-2, 6.682},
    {40, 3.972e-3, 7.554},     {50, 1.057e-3, 8.382},    {60, 3.206e-4, 7.714},
    {70, 8.770e-5, 6.549},     {80, 1.905e-5, 5.799},    {90, 3.396e-6, 5.382},
    {100, 5.297e-7, 5.877},    {110, 9.661e-8, 7.263},   {120, 2.438e-8, 9.473},
    {130, 8.484e-9, 12.636},   {140, 3.845e-9, 16.149},  {150, 2.070e-9, 22.523},
    {180, 5.464e-10, 29.740},  {200, 2.789e-10, 37.105}, {250, 7.248e-11, 45.546},
    {300, 2.418e-11, 53.628},  {350, 9.518e-12, 53.298}, {400, 3.725e-12, 58.515},
    {450, 1.585e-12, 60.828},  {500, 6.967e-13, 63.822}, {600, 1.454e-13, 71.835},
    {700, 3.614e-14, 88.667},  {800, 1.170e-14, 124.64}, {900, 5.245e-15, 181.05},
    {1000, 3.019e-15, 268.00},
};
#define EXP_ROWS (sizeof exp_table / sizeof exp_table[0])

/* ---- Harris-Priester (Montenbruck & Gill table 3.8): height km, rho_min, rho_max kg/m^3 ---- */

typedef struct {
    double h;
    double rmin;
    double rmax;
} hp_row_t;

static const hp_row_t hp_table[] = {
    {100, 4.974e-07, 4.974e-07}, {120, 2.490e-08, 2.490e-08},  {130, 8.377e-09, 8.710e-09},
    {140, 3.899e-09, 4.059e-09}, {150, 2.122e-09, 2.215e-09},  {160, 1.263e-09, 1.344e-09},
    {170, 8.008e-10, 8.758e-10}, {180, 5.283e-10, 6.010e-10},  {190, 3.617e-10, 4.297e-10},
    {200, 2.557e-10, 3.162e-10}, {210, 1.839e-10, 2.396e-10},  {220, 1.341e-10, 1.853e-10},
    {230, 9.949e-11, 1.455e-10}, {240, 7.488e-11, 1.157e-10},  {250, 5.709e-11, 9.308e-11},
    {260, 4.403e-11, 7.555e-11}, {270, 3.430e-11, 6.182e-11},  {280, 2.697e-11, 5.095e-11},
    {290, 2.139e-11, 4.226e-11}, {300, 1.708e-11, 3.526e-11},  {320, 1.099e-11, 2.511e-11},
    {340, 7.214e-12, 1.819e-11}, {360, 4.824e-12, 1.337e-11},  {380, 3.274e-12, 9.955e-12},
    {400, 2.249e-12, 7.492e-12}, {420, 1.558e-12, 5.684e-12},  {440, 1.091e-12, 4.355e-12},
    {460, 7.701e-13, 3.362e-12}, {480, 5.474e-13, 2.612e-12},  {500, 3.916e-13, 2.042e-12},
    {520, 2.819e-13, 1.605e-12}, {540, 2.042e-13, 1.267e-12},  {560, 1.488e-13, 1.005e-12},
    {580, 1.092e-13, 7.997e-13}, {600, 8.070e-14, 6.390e-13},  {620, 6.012e-14, 5.123e-13},
    {640, 4.519e-14, 4.121e-13}, {660, 3.430e-14, 3.325e-13},  {680, 2.632e-14, 2.691e-13},
    {700, 2.043e-14, 2.185e-13}, {720, 1.607e-14, 1.779e-13},  {740, 1.281e-14, 1.452e-13},
    {760, 1.036e-14, 1.190e-13}, {780, 8.496e-15, 9.776e-14},  {800, 7.069e-15, 8.059e-14},
    {840, 4.680e-15, 5.741e-14}, {880, 3.200e-15, 4.210e-14},  {920, 2.210e-15, 3.130e-14},
    {960, 1.560e-15, 2.360e-14}, {1000, 1.150e-15, 1.810e-14},
};
#define HP_ROWS (sizeof hp_table / sizeof hp_table[0])
#define HP_LAG_RAD (30.0 * MON_DEG) /* bulge apex lags the Sun by 30 deg in right ascension */

/* ---- Jacchia 1971 constants (reference "Jacchia 1971"; Roberts 1971) ---- */

#define J71_Z1 90.0                       /* lower boundary, km */
#define J71_T1 183.0                      /* temperature there, K */
#define J71_ZX 125.0                      /* inflection point, km */
#define J71_RA 6356.766                   /* Earth radius of the model, km */
#define J71_RSTAR 8.31432                 /* gas constant, J/(K mol) */
#define J71_AV 6.022045e23                /* Avogadro's number */
#define J71_RHO90 3.46e-9                 /* density at 90 km, g/cm^3 */
#define J71_M90 28.82678                  /* mean molecular mass at 90 km, g/mol */
#define J71_DZ4 1500625.0                 /* (zx - z1)^4 = 35^4 */
#define J71_HE_ALPHA (-0.38)              /* thermal diffusion factor of helium */
#define J71_EPS_RAD (23.439291 * MON_DEG) /* obliquity in the helium correction */

/* Temperature polynomial 90-125 km: T = Tx + (Tx - T1) / 35^4 * sum(C_k z^k); -35^4 at 90 km,
 * 0 at 125 km. */
static const double j71_c[5] = {-89284375.0, 3542400.0, -52687.5, 340.5, -0.8};
/* l(T_inf) of Roberts' profile above 125 km. */
static const double j71_l[5] = {0.1031445e5, 0.2341230e1, 0.1579202e-2, -0.1252487e-5,
                                0.2462708e-9};
/* Mean molecular mass 90-100 km (Jacchia 1971 eq. 1) in powers of (z - 90). */
static const double j71_m[7] = {J71_M90,     -7.40066e-2, -1.19407e-2, 4.51103e-4,
                                -8.21895e-6, 1.07561e-5,  -6.97444e-7};
/* Roberts: moles (per cm^3) of the gas at 100 km as a polynomial in T_inf, and moles of each
 * species per mole of it (O2 partly dissociated). */
static const double j71_zeta[7] = {0.1985549e-10, -0.1833490e-14, 0.1711735e-17, -0.1021474e-20,
                                   0.3727894e-24, -0.7734110e-28, 0.7026942e-32};

enum { SP_N2 = 0, SP_O2, SP_O, SP_AR, SP_HE, SP_COUNT };
static const double j71_mass[SP_COUNT] = {28.0134, 31.9988, 15.9994, 39.9480, 4.0026};
#define J71_MASS_H 1.00797
static const double j71_q100[SP_COUNT] = {0.78110, 0.161778, 0.95544e-1, 0.93432e-2, 0.61471e-5};
/* log10 of the number density at 125 km (cm^-3), polynomial in T_inf (Roberts). */
static const double j71_delta[SP_COUNT][7] = {
    {0.1093155e2, 0.1186783e-2, -0.1677341e-5, 0.1420228e-8, -0.7139785e-12, 0.1969715e-15,
     -0.2296182e-19},
    {0.9924237e1, 0.1600311e-2, -0.2274761e-5, 0.1938454e-8, -0.9782183e-12, 0.2698450e-15,
     -0.3131808e-19},
    {0.1097083e2, 0.6118742e-4, -0.1165003e-6, 0.9239354e-10, -0.3490739e-13, 0.5116298e-17, 0.0},
    {0.8049405e1, 0.2382822e-2, -0.3391366e-5, 0.2909714e-8, -0.1481702e-11, 0.4127600e-15,
     -0.4837461e-19},
    {0.7646886e1, -0.4383486e-3, 0.4694319e-6, -0.2894886e-9, 0.9451989e-13, -0.1270838e-16, 0.0},
};

/* 8-point Gauss-Legendre nodes (positive half) and weights on [-1, 1]. */
static const double gl_x[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                               0.9602898564975363};
static const double gl_w[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                               0.1012285362903763};

static double poly(const double *c, int n, double x) {
    double s = c[n - 1];
    for (int k = n - 2; k >= 0; k--)
        s = s * x + c[k];
    return s;
}

/* Angle into (-pi, pi]. */
static double wrap_pi(double a) {
    double r = remainder(a, 2.0 * MON_PI);
    return (r <= -MON_PI) ? r + 2.0 * MON_PI : r;
}

static bool finite3(double a, double b, double c) {
    return isfinite(a) && isfinite(b) && isfinite(c);
}

static bool position_ok(const mon_atmos_in_t *in) {
    return finite3(in->alt_km, in->lat_deg, in->lon_deg) && fabs(in->lat_deg) <= 90.0;
}

/* ---- Exponential ---- */

static mon_atmos_status_t eval_exponential(const mon_atmos_in_t *in, mon_atmos_out_t *out) {
    if (!isfinite(in->alt_km))
        return MON_ATMOS_BAD_INPUT;
    double h = in->alt_km;
    if (h < 0.0)
        return MON_ATMOS_BELOW_RANGE;
    size_t i = EXP_ROWS - 1;
    while (i > 0 && exp_table[i].h0 > h)
        i--;
    out->density_kg_m3 = exp_table[i].rho0 * exp(-(h - exp_table[i].h0) / exp_table[i].scale);
    return MON_ATMOS_OK;
}

/* ---- Harris-Priester ---- */

static mon_atmos_status_t eval_harris_priester(const mon_atmos_in_t *in, mon_atmos_out_t *out) {
    if (!position_ok(in))
        return MON_ATMOS_BAD_INPUT;
    int n = in->hp_exponent == 0 ? 4 : in->hp_exponent;
    if (n < 2 || n > 6)
        return MON_ATMOS_BAD_INPUT;
    double h = in->alt_km;
    if (h < hp_table[0].h)
        return MON_ATMOS_BELOW_RANGE;
    if (h > hp_table[HP_ROWS - 1].h) {
        out->density_kg_m3 = 0.0;
        return MON_ATMOS_ABOVE_RANGE;
    }
    /* Row i with h_i <= h < h_i+1 (the last interval includes 1000 km). */
    size_t lo = 0, hi = HP_ROWS - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (hp_table[mid].h <= h)
            lo = mid;
        else
            hi = mid;
    }
    const hp_row_t *a = &hp_table[lo], *b = &hp_table[lo + 1];
    double frac = (h - a->h) / (b->h - a->h);
    double rmin = a->rmin * exp(frac * log(b->rmin / a->rmin));
    double rmax = a->rmax * exp(frac * log(b->rmax / a->rmax));

    /* Satellite and bulge apex in the Earth-fixed frame. */
    double r[3];
    mon_geodetic_t g = {in->lat_deg, in->lon_deg, in->alt_km};
    mon_geodetic_to_ecef(&g, r);
    double ra, dec;
    mon_sun_radec(in->utc_unix_ns, &ra, &dec);
    double apex_lon = ra + HP_LAG_RAD - mon_gmst_rad(in->utc_unix_ns);
    double cd = cos(dec);
    double u[3] = {cd * cos(apex_lon), cd * sin(apex_lon), sin(dec)};
    double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    double cos_psi = (r[0] * u[0] + r[1] * u[1] + r[2] * u[2]) / rn;
    double c2 = 0.5 * (1.0 + cos_psi); /* cos^2(psi/2) */
    if (c2 < 0.0)
        c2 = 0.0;
    double f = (n & 1) ? sqrt(c2) : 1.0; /* cos^n(psi/2) = c2^(n/2) */
    for (int k = 0; k < n / 2; k++)
        f *= c2;
    out->density_kg_m3 = rmin + (rmax - rmin) * f;
    return MON_ATMOS_OK;
}

/* ---- Jacchia 1971 ---- */

/* Solar and geomagnetic quantities shared by the temperature and the density. */
typedef struct {
    double lat;     /* geodetic latitude, rad */
    double sun_dec; /* rad */
    double ekp;     /* e^Kp */
    double t_inf;   /* exospheric temperature, K */
} j71_ctx_t;

static bool j71_input_ok(const mon_atmos_in_t *in) {
    return position_ok(in) && finite3(in->f107, in->f107a, in->kp) && in->f107 > 0.0 &&
           in->f107 <= 1000.0 && in->f107a > 0.0 && in->f107a <= 1000.0 && in->kp >= 0.0 &&
           in->kp <= 9.0;
}

/* Exospheric temperature (eqs. 14-18/20) into c. */
static void j71_temp(const mon_atmos_in_t *in, j71_ctx_t *c) {
    double sun_ra, sun_dec;
    mon_sun_radec(in->utc_unix_ns, &sun_ra, &sun_dec);
    c->lat = in->lat_deg * MON_DEG;
    c->sun_dec = sun_dec;
    c->ekp = exp(in->kp);
    /* Nighttime minimum at Kp 0. */
    double tc = 379.0 + 3.24 * in->f107a + 1.3 * (in->f107 - in->f107a);
    /* Diurnal and latitude variation. */
    double eta = 0.5 * fabs(c->lat - sun_dec);
    double theta = 0.5 * fabs(c->lat + sun_dec);
    double hour = wrap_pi(mon_gmst_rad(in->utc_unix_ns) + in->lon_deg * MON_DEG - sun_ra);
    double tau = wrap_pi(hour - 37.0 * MON_DEG + 6.0 * MON_DEG * sin(hour + 43.0 * MON_DEG));
    double s = pow(sin(theta), 2.2); /* theta, eta in [0, 57 deg]: bases >= 0 */
    double ce = pow(cos(eta), 2.2);
    double ct = cos(0.5 * tau); /* >= 0 for tau in (-pi, pi] */
    double tl = tc * (1.0 + 0.3 * (s + (ce - s) * ct * ct * ct));
    /* Geomagnetic heating, GTDS form (Kp taken as given: the caller lags it). */
    double dt =
        (in->alt_km >= 200.0) ? 28.0 * in->kp + 0.03 * c->ekp : 14.0 * in->kp + 0.02 * c->ekp;
    c->t_inf = tl + dt;
}

static double j71_tx(double t_inf) {
    return 371.6678 + 0.0518806 * t_inf - 294.3505 * exp(-0.00216222 * t_inf);
}

/* Temperature 90-125 km (polynomial profile). */
static double j71_t_low(double tx, double z) {
    return tx + (tx - J71_T1) * poly(j71_c, 5, z) / J71_DZ4;
}

/* Integral of g(z)/T(z) * w(z) dz over [a, b] (km; g in units of g0), 8-point Gauss-Legendre,
 * where w is the mean molecular mass (with_mass) or 1. */
static double j71_integral(double tx, double a, double b, bool with_mass) {
    double half = 0.5 * (b - a), mid = 0.5 * (a + b);
    double sum = 0.0;
    for (int k = 0; k < 8; k++) {
        double z = mid + ((k & 1) ? -gl_x[k / 2] : gl_x[k / 2]) * half;
        double gr = J71_RA / (J71_RA + z);
        double f = gr * gr / j71_t_low(tx, z);
        if (with_mass)
            f *= poly(j71_m, 7, z - J71_Z1);
        sum += gl_w[k / 2] * f;
    }
    return sum * half;
}

/* Density (g/cm^3) 90-125 km before the corrections. Roberts' integrals done by quadrature:
 * mixing (mean mass M(z)) to 100 km, diffusion of each species above. */
static double j71_rho_low(double t_inf, double z, double *temp) {
    double tx = j71_tx(t_inf);
    double t = j71_t_low(tx, z);
    *temp = t;
    if (z < 100.0) {
        double i = j71_integral(tx, J71_Z1, z, true) * MON_G0 / J71_RSTAR;
        return J71_RHO90 * (J71_T1 / t) * (poly(j71_m, 7, z - J71_Z1) / J71_M90) * exp(-i);
    }
    double t100 = j71_t_low(tx, 100.0);
    double j = j71_integral(tx, 100.0, z, false) * MON_G0 / J71_RSTAR;
    double sum = 0.0;
    for (int s = 0; s < SP_COUNT; s++) {
        double r = j71_mass[s] * j71_q100[s] * exp(-j71_mass[s] * j);
        if (s == SP_HE)
            r *= pow(t100 / t, J71_HE_ALPHA);
        sum += r;
    }
    return poly(j71_zeta, 7, t_inf) * (t100 / t) * sum;
}

/* Exponent of Roberts' profile: T(z) = T_inf - (T_inf - Tx) e^E(z), E(125 km) = 0. */
static double j71_expo(double rx, double l, double z) {
    return -rx * (z - J71_ZX) / (J71_ZX - J71_Z1) * l / (J71_RA + z);
}

/* Density (g/cm^3) above 125 km before the corrections Delta rho_c (Roberts' closed form).
 * ((T_inf - T)/(T_inf - Tx))^gamma_i is taken as e^(gamma_i E(z)): no cancellation where T
 * comes within rounding of T_inf (above about 2000 km). */
static double j71_rho_high(const j71_ctx_t *c, double z, double *temp) {
    double t_inf = c->t_inf;
    double tx = j71_tx(t_inf);
    double l = poly(j71_l, 5, t_inf);
    double rx = (tx - J71_T1) / (t_inf - tx);
    double e = j71_expo(rx, l, z);
    double t = t_inf - (t_inf - tx) * exp(e);
    *temp = t;
    double gamma = MON_G0 * J71_RA * J71_RA / (J71_RSTAR * l * t_inf) / rx * (J71_ZX - J71_Z1) /
                   (J71_RA + J71_ZX);
    double ln_a = log(tx / t);
    /* Helium seasonal-latitudinal variation (Vallado eq. 4-101), log10. */
    double dhe = 0.0;
    if (c->sun_dec != 0.0) {
        double s = sin(0.25 * MON_PI - 0.5 * c->lat * copysign(1.0, c->sun_dec));
        dhe = 0.65 / J71_EPS_RAD * fabs(c->sun_dec) * (s * s * s - 0.35355);
    }
    double sum = 0.0;
    for (int s = 0; s < SP_COUNT; s++) {
        double gi = gamma * j71_mass[s];
        double ln = LN10 * poly(j71_delta[s], 7, t_inf) + (1.0 + gi) * ln_a + gi * e;
        if (s == SP_HE)
            ln += J71_HE_ALPHA * ln_a + LN10 * dhe;
        sum += j71_mass[s] * exp(ln);
    }
    /* Hydrogen above 500 km only, as in Jacchia 1971 (the density steps up there by the
     * hydrogen at 500 km: 0.1 % to 5 % of the total, most at low T_inf). */
    if (z > 500.0) {
        double e500 = j71_expo(rx, l, 500.0);
        double t500 = t_inf - (t_inf - tx) * exp(e500);
        double lg = log10(t500);
        double gh = gamma * J71_MASS_H;
        double ln =
            LN10 * (73.13 - (39.4 - 5.5 * lg) * lg) + (1.0 + gh) * log(t500 / t) + gh * (e - e500);
        sum += J71_MASS_H * exp(ln);
    }
    return sum / J71_AV;
}

/* log10 of the density corrections: geomagnetic below 200 km, semi-annual, seasonal-latitudinal
 * (Vallado B.1.3). */
static double j71_log_corr(const mon_atmos_in_t *in, const j71_ctx_t *c) {
    double z = in->alt_km;
    double d = 0.0;
    if (z < 200.0)
        d += 0.012 * in->kp + 1.2e-5 * c->ekp;
    double phi = (mon_julian_date(in->utc_unix_ns) - 2436204.5) / 365.2422; /* years from 1958 */
    phi -= floor(phi); /* only the phase of the year matters below */
    double tau = phi + 0.09544 * (pow(0.5 * (1.0 + sin(2.0 * MON_PI * phi + 6.035)), 1.65) - 0.5);
    double f = (5.876e-7 * pow(z, 2.331) + 0.06328) * exp(-0.002868 * z);
    double g = 0.02835 + (0.3817 + 0.17829 * sin(2.0 * MON_PI * tau + 4.137)) *
                             sin(4.0 * MON_PI * tau + 4.259);
    d += f * g;
    double sl = sin(c->lat);
    double dz = z - J71_Z1;
    d += 0.014 * dz * exp(-0.0013 * dz * dz) * sin(2.0 * MON_PI * phi + 1.72) * sl * fabs(sl);
    return d;
}

static mon_atmos_status_t eval_jacchia(const mon_atmos_in_t *in, mon_atmos_out_t *out) {
    if (!j71_input_ok(in))
        return MON_ATMOS_BAD_INPUT;
    double z = in->alt_km;
    if (z < J71_Z1)
        return MON_ATMOS_BELOW_RANGE;
    j71_ctx_t c;
    j71_temp(in, &c);
    double t;
    double rho = (z < J71_ZX) ? j71_rho_low(c.t_inf, z, &t) : j71_rho_high(&c, z, &t);
    /* g/cm^3 -> kg/m^3 */
    out->density_kg_m3 = rho * 1000.0 * exp(LN10 * j71_log_corr(in, &c));
    out->exo_temp_k = c.t_inf;
    out->local_temp_k = t;
    return MON_ATMOS_OK;
}

double mon_j71_exo_temp(const mon_atmos_in_t *in) {
    if (in == NULL || !j71_input_ok(in))
        return NAN;
    j71_ctx_t c;
    j71_temp(in, &c);
    return c.t_inf;
}

mon_atmos_status_t mon_atmos_eval(mon_atmos_model_t model, const mon_atmos_in_t *in,
                                  mon_atmos_out_t *out) {
    if (out == NULL)
        return MON_ATMOS_BAD_INPUT;
    memset(out, 0, sizeof *out);
    if (in == NULL)
        return MON_ATMOS_BAD_INPUT;
    mon_atmos_status_t st;
    switch (model) {
    case MON_ATMOS_EXPONENTIAL:
        st = eval_exponential(in, out);
        break;
    case MON_ATMOS_HARRIS_PRIESTER:
        st = eval_harris_priester(in, out);
        break;
    case MON_ATMOS_JACCHIA71:
        st = eval_jacchia(in, out);
        break;
    default:
        st = MON_ATMOS_BAD_INPUT;
        break;
    }
    if (st != MON_ATMOS_OK && st != MON_ATMOS_ABOVE_RANGE)
        memset(out, 0, sizeof *out);
    return st;
}

static const char *const model_names[MON_ATMOS_MODEL_COUNT] = {"exponential", "harris-priester",
                                                               "jacchia71"};

const char *mon_atmos_model_name(mon_atmos_model_t model) {
    if ((unsigned)model >= MON_ATMOS_MODEL_COUNT)
        return "unknown";
    return model_names[model];
}

int mon_atmos_model_parse(const char *s, mon_atmos_model_t *model) {
    if (s == NULL || model == NULL)
        return -1;
    for (int m = 0; m < MON_ATMOS_MODEL_COUNT; m++) {
        if (strcmp(s, model_names[m]) == 0) {
            *model = (mon_atmos_model_t)m;
            return 0;
        }
    }
    if (strcmp(s, "hp") == 0) {
        *model = MON_ATMOS_HARRIS_PRIESTER;
        return 0;
    }
    if (strcmp(s, "j71") == 0) {
        *model = MON_ATMOS_JACCHIA71;
        return 0;
    }
    return -1;
}

const char *mon_atmos_status_str(mon_atmos_status_t st) {
    switch (st) {
    case MON_ATMOS_OK:
        return "ok";
    case MON_ATMOS_BELOW_RANGE:
        return "below_range";
    case MON_ATMOS_ABOVE_RANGE:
        return "above_range";
    case MON_ATMOS_BAD_INPUT:
        return "bad_input";
    default:
        return "unknown";
    }
}
