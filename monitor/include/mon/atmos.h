/* mon/atmos.h: upper-atmosphere density models (reference atmosphere.md): exponential
 * (Vallado table 8-4), Harris-Priester (Montenbruck & Gill 3.5.2) and Jacchia 1971
 * (SAO SR 332, Roberts 1971 closed form above 125 km, Vallado appendix B corrections).
 * Pure functions: no allocation, no I/O, no global state. */
#ifndef MON_ATMOS_H
#define MON_ATMOS_H

#include <stdint.h>

typedef enum {
    MON_ATMOS_EXPONENTIAL = 0,
    MON_ATMOS_HARRIS_PRIESTER,
    MON_ATMOS_JACCHIA71,
    MON_ATMOS_MODEL_COUNT
} mon_atmos_model_t;

/* Inputs of one evaluation. Space weather is given as already looked up (the caller applies
 * the lags: see mon/spacewx.h); models that do not use a field ignore it. */
typedef struct {
    double alt_km;       /* height above the WGS-84 ellipsoid */
    double lat_deg;      /* geodetic latitude */
    double lon_deg;      /* east longitude */
    int64_t utc_unix_ns; /* time (Sun position, semi-annual and seasonal terms) */
    double f107;         /* daily observed F10.7 of the previous day, sfu */
    double f107a;        /* 81-day mean F10.7, sfu */
    double kp;           /* planetary Kp (0..9, real number), already lagged */
    int hp_exponent;     /* Harris-Priester cos^n exponent: 2..6 (0 = default 4) */
} mon_atmos_in_t;

/* Results. temperatures are 0 for models without them. */
typedef struct {
    double density_kg_m3;
    double exo_temp_k;   /* Jacchia: exospheric temperature T_inf */
    double local_temp_k; /* Jacchia: temperature at the height */
} mon_atmos_out_t;

typedef enum {
    MON_ATMOS_OK = 0,
    MON_ATMOS_BELOW_RANGE, /* below the model's lowest height (exp 0, HP 100, J71 90 km) */
    MON_ATMOS_ABOVE_RANGE, /* HP above 1000 km: density reported as 0 */
    MON_ATMOS_BAD_INPUT,   /* NaN/inf input, negative flux, Kp outside 0..9, bad exponent */
    MON_ATMOS_STATUS_COUNT
} mon_atmos_status_t;

/* Evaluate `model` at `in`. On MON_ATMOS_OK (and ABOVE_RANGE, density 0) *out is filled;
 * on other statuses *out is zeroed. */
mon_atmos_status_t mon_atmos_eval(mon_atmos_model_t model, const mon_atmos_in_t *in,
                                  mon_atmos_out_t *out);

/* "exponential", "harris-priester", "jacchia71". */
const char *mon_atmos_model_name(mon_atmos_model_t model);
/* Parse a model name (those above; also "hp", "j71"). Returns 0, or -1 when unknown. */
int mon_atmos_model_parse(const char *s, mon_atmos_model_t *model);
const char *mon_atmos_status_str(mon_atmos_status_t st);

/* Jacchia 1971 pieces, public for tests and for the evidence of alerts. */
/* Exospheric temperature T_inf (K) at the position and time (eqs. 14-18/20). */
double mon_j71_exo_temp(const mon_atmos_in_t *in);

#endif
