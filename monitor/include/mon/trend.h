/* mon/trend.h: trend of an orbit-periodic series (orbit-mean altitude, state of charge):
 * a robust least-squares fit of y(t) = c0 + c1 (t - t_ref) + sum_k (a_k cos k w t +
 * b_k sin k w t) over a sliding window of whole orbits (DESIGN section 8). The harmonics
 * absorb the +-10-20 km swing of GNSS altitude and the eclipse cycle of a battery, so the
 * slope c1 is the decay (or drain) of the orbit mean, never of one orbit's phase.
 * Storage is a fixed ring sized at creation: adding samples never allocates. */
#ifndef MON_TREND_H
#define MON_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mon_trend mon_trend_t;

#define MON_TREND_MAX_HARMONICS 4

typedef struct {
    double window_s;   /* fit window (e.g. 2 orbits); older samples fall out */
    double min_span_s; /* no estimate until the samples span this (>= one period) */
    double min_step_s; /* samples closer than this to the previous kept one are averaged
                          into it (decimation: bounds memory at any telemetry rate) */
    int harmonics;     /* 0..MON_TREND_MAX_HARMONICS (altitude 2, state of charge 3) */
    double clip_sigma; /* robust fit: samples beyond clip_sigma x RMS residual are dropped
                          and the fit repeated (up to 3 passes); 0 = plain least squares */
    size_t capacity;   /* ring size; 0 = ceil(window_s / min_step_s) + 16 */
} mon_trend_opts_t;

/* One estimate. Times are the series' own (ns, any epoch, e.g. UTC Unix). */
typedef struct {
    bool valid;         /* false until min_span_s is covered with >= 2 h + 3 samples */
    int64_t t_ns;       /* time of the newest sample: mean and slope refer to it */
    double mean;        /* fitted mean level (harmonics removed) at t_ns */
    double slope_per_s; /* c1 */
    double slope_sigma; /* 1-sigma of c1 from the residuals */
    double rms;         /* RMS residual of the kept samples */
    size_t n_used;      /* samples in the final fit */
    size_t n_clipped;   /* samples dropped as outliers */
    double span_s;      /* time covered by the samples in the window */
    double period_s;    /* the period used for the harmonics */
} mon_trend_est_t;

/* Returns NULL only on bad options (window <= 0, harmonics out of range) or no memory. */
mon_trend_t *mon_trend_new(const mon_trend_opts_t *o);
void mon_trend_destroy(mon_trend_t **t_p);
void mon_trend_reset(mon_trend_t *t);

/* Add a sample. Samples older than the newest are ignored (returns -1); NaN/inf are
 * ignored (-1). Returns 0 when taken. */
int mon_trend_add(mon_trend_t *t, int64_t t_ns, double y);

/* Fit over the window with harmonics of period_s (> 0; e.g. the orbital period from the
 * mean altitude). Costs O(samples in window); call at the evaluation cadence, not per
 * sample. Allocates nothing. */
void mon_trend_fit(const mon_trend_t *t, double period_s, mon_trend_est_t *est);

size_t mon_trend_count(const mon_trend_t *t);

/* Snapshots (mon/state.h): the ring's kept samples, oldest first, read and put back as they
 * are (a put never merges). */
typedef struct {
    int64_t t0_ns;  /* first raw sample of the kept one */
    double dt_mean; /* mean time after t0_ns of its raw samples, s */
    double y_mean;  /* their mean value */
    uint32_t n;     /* raw samples averaged */
} mon_trend_slot_t;
size_t mon_trend_capacity(const mon_trend_t *t);
int64_t mon_trend_newest(const mon_trend_t *t); /* the newest raw sample's time */
/* Kept sample k (0 = oldest). Returns false when k >= mon_trend_count. */
bool mon_trend_slot_get(const mon_trend_t *t, size_t k, mon_trend_slot_t *out);
/* After mon_trend_reset: append a kept sample as the newest. Returns -1 when the ring is full,
 * s->n is 0 or s->t0_ns is older than the previous one; 0 when taken. */
int mon_trend_slot_put(mon_trend_t *t, const mon_trend_slot_t *s);
void mon_trend_set_newest(mon_trend_t *t, int64_t newest_ns);

/* Circular-orbit helpers (reference atmosphere.md "Constants"). */
/* Period in seconds of a circular orbit at mean height alt_km above the equatorial radius. */
double mon_orbit_period_s(double alt_km);
/* Circular speed (m/s) at alt_km. */
double mon_orbit_speed_m_s(double alt_km);

#endif
