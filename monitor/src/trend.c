/* trend.c: robust least-squares trend (offset, slope, orbit harmonics) of an
 * orbit-periodic series over a sliding window, in a fixed decimating ring
 * (DESIGN section 8; circular-orbit helpers from reference atmosphere.md
 * "Constants"). */
#include "mon/trend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mon/geo.h"

/* Unknowns: offset, slope, then a cos and a sin per harmonic. */
#define NP_MAX (2 + 2 * MON_TREND_MAX_HARMONICS)
/* Hard cap on the ring (32 bytes a slot: 128 MiB); larger requests are bad
 * options. */
#define RING_MAX ((size_t)1 << 22)
/* Sigma-clipping passes after the first fit. */
#define CLIP_PASSES 3
/* Largest 1-norm condition number of the equilibrated normal matrix we trust:
 * its solution then keeps about 6 significant digits in double. */
#define COND_MAX 1e10

/* One kept sample: the decimation bucket of every raw sample that arrived
 * within min_step_s of t0_ns. Its time is the mean time of those samples, its
 * value their mean. */
typedef struct {
    int64_t t0_ns;  /* time of the first raw sample in the bucket */
    double dt_mean; /* running mean of (t - t0) over the bucket, seconds */
    double y_mean;  /* running mean of y */
    uint32_t n;     /* raw samples in the bucket */
} slot_t;

struct mon_trend {
    mon_trend_opts_t o;
    size_t cap;
    size_t head;  /* index of the newest slot */
    size_t count; /* slots in use */
    int64_t newest_ns;
    slot_t *ring;
};

/* a - b in seconds; never overflows (falls back to double arithmetic at the
 * extremes). */
static double diff_s(int64_t a, int64_t b) {
    if ((b > 0 && a < INT64_MIN + b) || (b < 0 && a > INT64_MAX + b))
        return ((double)a - (double)b) * 1e-9;
    return (double)(a - b) * 1e-9;
}

static bool finite_ge0(double x) {
    return isfinite(x) && x >= 0.0;
}

mon_trend_t *mon_trend_new(const mon_trend_opts_t *o) {
    if (o == NULL || !isfinite(o->window_s) || o->window_s <= 0.0 || !finite_ge0(o->min_span_s) ||
        !finite_ge0(o->min_step_s) || !finite_ge0(o->clip_sigma) || o->harmonics < 0 ||
        o->harmonics > MON_TREND_MAX_HARMONICS)
        return NULL;
    size_t cap = o->capacity;
    if (cap == 0) {
        if (o->min_step_s <= 0.0)
            return NULL; /* no decimation: the window gives no bound on the samples */
        double c = ceil(o->window_s / o->min_step_s) + 16.0;
        if (!(c <= (double)RING_MAX))
            return NULL;
        cap = (size_t)c;
    }
    if (cap > RING_MAX)
        return NULL;
    mon_trend_t *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->ring = calloc(cap, sizeof *t->ring);
    if (t->ring == NULL) {
        free(t);
        return NULL;
    }
    t->o = *o;
    t->o.capacity = cap;
    t->cap = cap;
    mon_trend_reset(t);
    return t;
}

void mon_trend_destroy(mon_trend_t **t_p) {
    if (t_p == NULL || *t_p == NULL)
        return;
    free((*t_p)->ring);
    free(*t_p);
    *t_p = NULL;
}

void mon_trend_reset(mon_trend_t *t) {
    if (t == NULL)
        return;
    t->head = 0;
    t->count = 0;
    t->newest_ns = INT64_MIN;
}

/* Decimation: a sample less than min_step_s after the first sample of the
 * newest bucket is averaged into that bucket (running means of time and value);
 * otherwise it opens a new slot, overwriting the oldest when the ring is full.
 * O(1), no allocation. */
int mon_trend_add(mon_trend_t *t, int64_t t_ns, double y) {
    if (t == NULL || !isfinite(y))
        return -1;
    if (t->count > 0 && t_ns < t->newest_ns)
        return -1;
    t->newest_ns = t_ns;
    if (t->count > 0) {
        slot_t *s = &t->ring[t->head];
        double dt = diff_s(t_ns, s->t0_ns);
        if (dt < t->o.min_step_s && s->n < UINT32_MAX) {
            s->n++;
            double inv = 1.0 / (double)s->n;
            s->dt_mean += (dt - s->dt_mean) * inv;
            s->y_mean += (y - s->y_mean) * inv;
            return 0;
        }
        t->head = (t->head + 1) % t->cap;
    }
    if (t->count < t->cap)
        t->count++;
    slot_t *s = &t->ring[t->head];
    s->t0_ns = t_ns;
    s->dt_mean = 0.0;
    s->y_mean = y;
    s->n = 1;
    return 0;
}

/* Kept slots in the ring (after decimation), including any older than the
 * window that have not been overwritten yet. */
size_t mon_trend_count(const mon_trend_t *t) {
    return t == NULL ? 0 : t->count;
}

size_t mon_trend_capacity(const mon_trend_t *t) {
    return t == NULL ? 0 : t->cap;
}

int64_t mon_trend_newest(const mon_trend_t *t) {
    return t == NULL ? INT64_MIN : t->newest_ns;
}

bool mon_trend_slot_get(const mon_trend_t *t, size_t k, mon_trend_slot_t *out) {
    if (t == NULL || k >= t->count)
        return false;
    const slot_t *s = &t->ring[(t->head + t->cap - (t->count - 1 - k)) % t->cap];
    out->t0_ns = s->t0_ns;
    out->dt_mean = s->dt_mean;
    out->y_mean = s->y_mean;
    out->n = s->n;
    return true;
}

int mon_trend_slot_put(mon_trend_t *t, const mon_trend_slot_t *in) {
    if (t == NULL || in == NULL || t->count == t->cap || in->n == 0)
        return -1;
    if (t->count > 0) {
        if (in->t0_ns < t->ring[t->head].t0_ns)
            return -1;
        t->head = (t->head + 1) % t->cap;
    }
    t->count++;
    slot_t *s = &t->ring[t->head];
    s->t0_ns = in->t0_ns;
    s->dt_mean = in->dt_mean;
    s->y_mean = in->y_mean;
    s->n = in->n;
    return 0;
}

void mon_trend_set_newest(mon_trend_t *t, int64_t newest_ns) {
    if (t != NULL)
        t->newest_ns = newest_ns;
}

/* The design of one fit: sample k back from the newest slot has age (newest
 * time minus its mean time) in seconds; the linear columns use u = (tau -
 * centre) / half with tau = -age, which lies in [-1, 1] over the window, and
 * the harmonic phase is w tau (a time shift of the header's w t: the same
 * column space, so the same c0 and c1). */
typedef struct {
    const mon_trend_t *t;
    size_t n_win;  /* slots inside the window, newest first */
    double centre; /* tau of the middle of the window's samples */
    double half;   /* half their span (> 0) */
    int h;         /* harmonics */
    int np;        /* unknowns of the linear model */
} design_t;

/* Samples kept by a pass: |y - model(c, w)| <= thr, with the model of an
 * earlier fit. */
typedef struct {
    bool on;
    double w;
    double c[NP_MAX];
    double thr;
} mask_t;

/* Result of one least-squares solve. */
typedef struct {
    double c[NP_MAX + 1]; /* coefficients; with the period column, c[np] is the
                             step in w */
    double var11;         /* [1][1] of (X^T X)^-1 in the scaled columns */
    size_t n;             /* samples used */
    double ssr;           /* residual sum of squares (plain fits only) */
} fit_t;

static const slot_t *slot_back(const mon_trend_t *t, size_t k) {
    return &t->ring[(t->head + t->cap - k) % t->cap];
}

static double slot_age(const mon_trend_t *t, const slot_t *s) {
    return diff_s(t->newest_ns, s->t0_ns) - s->dt_mean;
}

/* Columns at angular frequency w: 1, u, then cos and sin of k w tau for k
 * = 1..h. */
static void basis(const design_t *d, double w, double age, double x[NP_MAX]) {
    double tau = -age;
    x[0] = 1.0;
    x[1] = (tau - d->centre) / d->half;
    if (d->h == 0)
        return;
    double c1 = cos(w * tau), s1 = sin(w * tau);
    double c = c1, s = s1;
    for (int k = 0; k < d->h; k++) {
        x[2 + 2 * k] = c;
        x[3 + 2 * k] = s;
        double cn = c * c1 - s * s1; /* angle addition: cos, sin of (k + 2) w tau */
        s = s * c1 + c * s1;
        c = cn;
    }
}

static double dot(const double *a, const double *b, int n) {
    double r = 0.0;
    for (int i = 0; i < n; i++)
        r += a[i] * b[i];
    return r;
}

/* x holds the columns at frequency xw; the mask's model may use another w. */
static bool masked_in(const design_t *d, const mask_t *m, double xw, double age, const double *x,
                      double y) {
    if (!m->on)
        return true;
    double xm[NP_MAX];
    if (m->w != xw) {
        basis(d, m->w, age, xm);
        x = xm;
    }
    return fabs(y - dot(m->c, x, d->np)) <= m->thr;
}

/* In-place Cholesky of the (equilibrated, unit-diagonal) matrix a: lower
 * triangle becomes L. False when a pivot is not safely positive. */
static bool cholesky(double a[NP_MAX + 1][NP_MAX + 1], int n) {
    for (int j = 0; j < n; j++) {
        double d = a[j][j];
        for (int k = 0; k < j; k++)
            d -= a[j][k] * a[j][k];
        if (!(d > 1e-14))
            return false;
        a[j][j] = sqrt(d);
        for (int i = j + 1; i < n; i++) {
            double v = a[i][j];
            for (int k = 0; k < j; k++)
                v -= a[i][k] * a[j][k];
            a[i][j] = v / a[j][j];
        }
    }
    return true;
}

/* Solve L L^T x = b in place. */
static void chol_solve(const double l[NP_MAX + 1][NP_MAX + 1], int n, double b[NP_MAX + 1]) {
    for (int i = 0; i < n; i++) {
        double v = b[i];
        for (int k = 0; k < i; k++)
            v -= l[i][k] * b[k];
        b[i] = v / l[i][i];
    }
    for (int i = n - 1; i >= 0; i--) {
        double v = b[i];
        for (int k = i + 1; k < n; k++)
            v -= l[k][i] * b[k];
        b[i] = v / l[i][i];
    }
}

static double norm1(const double a[NP_MAX + 1][NP_MAX + 1], int n) {
    double r = 0.0;
    for (int j = 0; j < n; j++) {
        double col = 0.0;
        for (int i = 0; i < n; i++)
            col += fabs(a[i][j]);
        r = fmax(r, col);
    }
    return r;
}

/* Solve the normal equations A c = b (lower triangle of A filled) of n columns:
 * equilibrate to a unit diagonal (E = D A D, D = diag(A_ii^-1/2)), Cholesky,
 * invert for the condition number and the [1][1] variance factor. False when
 * singular or ill-conditioned. */
static bool solve_normal(double a[NP_MAX + 1][NP_MAX + 1], const double b[NP_MAX + 1], int n,
                         fit_t *f) {
    double dsc[NP_MAX + 1] = {0}, e[NP_MAX + 1][NP_MAX + 1] = {{0}};
    double inv[NP_MAX + 1][NP_MAX + 1] = {{0}};
    for (int i = 0; i < n; i++) {
        if (!(a[i][i] > 0.0))
            return false; /* a column is all zero (e.g. every phase the same) */
        dsc[i] = 1.0 / sqrt(a[i][i]);
    }
    for (int i = 0; i < n; i++) {
        for (int j = 0; j <= i; j++)
            e[i][j] = e[j][i] = a[i][j] * dsc[i] * dsc[j];
    }
    double en = norm1(e, n);
    if (!cholesky(e, n))
        return false;
    for (int j = 0; j < n; j++) {
        double col[NP_MAX + 1] = {0};
        col[j] = 1.0;
        chol_solve(e, n, col);
        for (int i = 0; i < n; i++)
            inv[i][j] = col[i];
    }
    if (!(en * norm1(inv, n) <= COND_MAX))
        return false;
    double sol[NP_MAX + 1];
    for (int i = 0; i < n; i++)
        sol[i] = b[i] * dsc[i];
    chol_solve(e, n, sol);
    for (int i = 0; i < n; i++)
        f->c[i] = sol[i] * dsc[i];
    f->var11 = inv[1][1] * dsc[1] * dsc[1];
    return true;
}

/* One least-squares fit at frequency w over the window samples that pass mask
 * m. With jw (the current coefficients), adds the Gauss-Newton column
 * d(model)/dw = sum_k k tau (b_k cos k w tau - a_k sin k w tau), whose
 * coefficient is the step in w; the SSR is then not computed. False when too
 * few samples or ill-conditioned. */
static bool fit_once(const design_t *d, double w, const mask_t *m, const double *jw, fit_t *f) {
    int np = d->np, nc = np + (jw != NULL);
    double a[NP_MAX + 1][NP_MAX + 1] = {{0}}, b[NP_MAX + 1] = {0}, x[NP_MAX + 1];
    size_t n = 0;
    for (size_t k = 0; k < d->n_win; k++) {
        const slot_t *s = slot_back(d->t, k);
        double age = slot_age(d->t, s);
        basis(d, w, age, x);
        if (!masked_in(d, m, w, age, x, s->y_mean))
            continue;
        if (jw != NULL) {
            double g = 0.0;
            for (int j = 0; j < d->h; j++)
                g +=
                    (double)(j + 1) * (jw[3 + 2 * j] * x[2 + 2 * j] - jw[2 + 2 * j] * x[3 + 2 * j]);
            x[np] = -age * g;
        }
        n++;
        for (int i = 0; i < nc; i++) {
            for (int j = 0; j <= i; j++)
                a[i][j] += x[i] * x[j];
            b[i] += x[i] * s->y_mean;
        }
    }
    if (n < (size_t)nc + 1 || !solve_normal(a, b, nc, f))
        return false;
    f->n = n;
    f->ssr = 0.0;
    if (jw != NULL)
        return true;
    /* Residuals from the samples themselves (not from the normal equations, which
     * would cancel catastrophically against a large mean level). */
    double ssr = 0.0;
    for (size_t k = 0; k < d->n_win; k++) {
        const slot_t *s = slot_back(d->t, k);
        double age = slot_age(d->t, s);
        basis(d, w, age, x);
        if (!masked_in(d, m, w, age, x, s->y_mean))
            continue;
        double r = s->y_mean - dot(f->c, x, np);
        ssr += r * r;
    }
    f->ssr = ssr;
    return true;
}

/* Refine the harmonic frequency *w (fit f is the plain fit at *w under mask m)
 * by Gauss-Newton steps, each halved until the plain fit's SSR drops; stays
 * within REFINE_RANGE of w0. A misjudged period otherwise leaks the large 2/rev
 * swing into the slope: 1 % off over three orbits biases it by about 20 % at 12
 * km amplitude. */
#define REFINE_ITERS 8
#define REFINE_HALVINGS 4
#define REFINE_RANGE 0.10
#define REFINE_STEP 0.02
#define REFINE_TOL 1e-7
static void refine(const design_t *d, const mask_t *m, double w0, double *w, fit_t *f) {
    for (int it = 0; it < REFINE_ITERS; it++) {
        fit_t g;
        if (!fit_once(d, *w, m, f->c, &g))
            return; /* no period information (harmonics too weak): keep w */
        double dw = fmax(-REFINE_STEP * *w, fmin(REFINE_STEP * *w, g.c[d->np]));
        if (!(fabs(dw) >= REFINE_TOL * *w))
            return; /* converged (or NaN) */
        bool taken = false;
        for (int hv = 0; hv < REFINE_HALVINGS && !taken; hv++, dw *= 0.5) {
            double wn = *w + dw;
            fit_t fn;
            if (!(fabs(wn / w0 - 1.0) <= REFINE_RANGE) || !fit_once(d, wn, m, NULL, &fn) ||
                !(fn.ssr < f->ssr))
                continue;
            *w = wn;
            *f = fn;
            taken = true;
        }
        if (!taken)
            return;
    }
}

/* Count of window samples whose membership differs between masks m1 and m2. */
static size_t mask_changes(const design_t *d, const mask_t *m1, const mask_t *m2) {
    double x[NP_MAX];
    size_t changed = 0;
    for (size_t k = 0; k < d->n_win; k++) {
        const slot_t *s = slot_back(d->t, k);
        double age = slot_age(d->t, s);
        basis(d, m1->w, age, x);
        if (masked_in(d, m1, m1->w, age, x, s->y_mean) !=
            masked_in(d, m2, m1->w, age, x, s->y_mean))
            changed++;
    }
    return changed;
}

/* Fit: least squares over every sample in the window with the harmonic period
 * refined from period_s (see refine(); est->period_s reports the period used);
 * then, with clip_sigma > 0, up to three passes that keep only the samples
 * within clip_sigma x RMS of the previous fit (membership recomputed from all
 * samples each pass; stops when it no longer changes), each refitted and
 * refined. rms is sqrt(SSR / n); slope_sigma uses the unbiased SSR / (n - p)
 * and, when the period was estimable, includes its uncertainty. Decimated slots
 * count as one sample each (unweighted). When not valid, mean, slope,
 * slope_sigma and rms are 0. */
void mon_trend_fit(const mon_trend_t *t, double period_s, mon_trend_est_t *est) {
    if (est == NULL)
        return;
    memset(est, 0, sizeof *est);
    est->period_s = period_s;
    if (t == NULL || t->count == 0)
        return;
    est->t_ns = t->newest_ns;
    int h = t->o.harmonics;
    design_t d = {.t = t, .h = h, .np = 2 + 2 * h};
    /* Window: slots from the newest back while their mean time is within
     * window_s. */
    double oldest_age = 0.0;
    for (size_t k = 0; k < t->count; k++) {
        const slot_t *s = slot_back(t, k);
        double age = slot_age(t, s);
        if (!(age <= t->o.window_s))
            break;
        d.n_win = k + 1;
        oldest_age = age;
        est->span_s = diff_s(t->newest_ns, s->t0_ns);
    }
    double newest_age = slot_age(t, slot_back(t, 0));
    est->n_used = d.n_win;
    if (h > 0 && !(isfinite(period_s) && period_s > 0.0))
        return;
    if (!(est->span_s >= t->o.min_span_s) || d.n_win < (size_t)(2 * h + 3) ||
        !(oldest_age > newest_age))
        return;
    double w0 = h > 0 ? 2.0 * MON_PI / period_s : 0.0, w = w0;
    d.centre = -0.5 * (oldest_age + newest_age);
    d.half = 0.5 * (oldest_age - newest_age);

    mask_t prev = {.on = false}, cur = {.on = false};
    fit_t f;
    if (!fit_once(&d, w, &cur, NULL, &f))
        return;
    if (h > 0)
        refine(&d, &cur, w0, &w, &f);
    for (int pass = 0; pass < CLIP_PASSES && t->o.clip_sigma > 0.0; pass++) {
        prev = cur;
        cur.on = true;
        cur.w = w;
        memcpy(cur.c, f.c, sizeof cur.c);
        double rms = sqrt(f.ssr / (double)f.n);
        if (!(rms > 1e-12 * fabs(f.c[0])))
            break; /* an exact fit: only rounding is left, nothing to clip */
        cur.thr = t->o.clip_sigma * rms;
        if (mask_changes(&d, &prev, &cur) == 0)
            break;
        if (!fit_once(&d, w, &cur, NULL, &f))
            return;
        if (h > 0)
            refine(&d, &cur, w0, &w, &f);
    }
    /* The slope variance with the period as a free parameter, when it is
     * estimable. */
    fit_t g;
    if (h > 0 && fit_once(&d, w, &cur, f.c, &g))
        f.var11 = fmax(f.var11, g.var11);
    double dof = (double)(f.n - (size_t)d.np);
    est->period_s = h > 0 ? 2.0 * MON_PI / w : period_s;
    est->mean = f.c[0] + f.c[1] * (0.0 - d.centre) / d.half;
    est->slope_per_s = f.c[1] / d.half;
    est->slope_sigma = sqrt(f.ssr / dof * f.var11) / d.half;
    est->rms = sqrt(f.ssr / (double)f.n);
    est->n_used = f.n;
    est->n_clipped = d.n_win - f.n;
    if (!(isfinite(est->mean) && isfinite(est->slope_per_s) && isfinite(est->slope_sigma) &&
          isfinite(est->rms))) {
        est->mean = est->slope_per_s = est->slope_sigma = est->rms = 0.0;
        return;
    }
    est->valid = true;
}

/* Both helpers return NaN for a height at or below the Earth's centre (or NaN).
 */
double mon_orbit_period_s(double alt_km) {
    double a = (MON_WGS84_A_KM + alt_km) * 1000.0;
    if (!(a > 0.0))
        return NAN;
    return 2.0 * MON_PI * sqrt(a * a * a / MON_MU_M3_S2);
}

double mon_orbit_speed_m_s(double alt_km) {
    double a = (MON_WGS84_A_KM + alt_km) * 1000.0;
    if (!(a > 0.0))
        return NAN;
    return sqrt(MON_MU_M3_S2 / a);
}
