/* monitor.c: the station-keeping monitor core (DESIGN section 8; reference atmosphere.md
 * "Constants" for the drag and decay relations): per-spacecraft state, the checks, and the
 * alert life cycle of mon/alert.h. */
#include "mon/monitor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon/atmos.h"
#include "mon/geo.h"
#include "mon/state.h"
#include "mon/trend.h"
#include "vleo/timescale.h"

#define NS 1e9
#define DAY_S 86400.0
#define MAX_SLOTS 8192    /* averaging ring per spacecraft, evaluations */
#define FIT_STEP_S 30.0   /* altitude samples closer than this are averaged (decimation) */
#define FIT_EVERY_S 300.0 /* the decay fit is redone at most this often (it costs ~0.3 ms) */
#define BUCKET_S 60       /* orbit-long windows are kept in buckets of this many seconds */
#define STATION_KEEPING_FRACTION 0.9 /* of an orbit commanded, for the drag check */

/* Alert conditions, each its own life cycle (and id) under one kind. */
typedef enum {
    C_DECAY = 0,
    C_FLOOR,
    C_DRAG,
    C_COMMAND,
    C_SUPPLY,
    C_THRUSTER,
    C_LOAD,
    C_SOC,
    C_STALE,
    C_COUNT
} cond_t;

static const struct {
    const char *name;
    mon_kind_t kind;
    const char *unit;
} COND[C_COUNT] = {
    [C_DECAY] = {"decay", MON_KIND_ALTITUDE_LOSS, "km/day"},
    [C_FLOOR] = {"floor", MON_KIND_ALTITUDE_LOSS, "h"},
    [C_DRAG] = {"drag", MON_KIND_THRUST_SHORTFALL, "mN"},
    [C_COMMAND] = {"command", MON_KIND_THRUST_SHORTFALL, "mN"},
    [C_SUPPLY] = {"supply", MON_KIND_POWER_OVERDRAW, "W"},
    [C_THRUSTER] = {"thruster", MON_KIND_POWER_OVERDRAW, "W"},
    [C_LOAD] = {"load", MON_KIND_POWER_OVERDRAW, "W"},
    [C_SOC] = {"soc", MON_KIND_POWER_OVERDRAW, "h"},
    [C_STALE] = {"telemetry", MON_KIND_TELEMETRY_STALE, "s"},
};

/* Quantities averaged over windows. Short windows (minutes) keep one slot per evaluation;
 * orbit-long ones keep the first five quantities in BUCKET_S buckets, so memory per
 * spacecraft stays a few tens of kilobytes (DESIGN section 9: 10,000 in one process). */
enum { Q_THRUST = 0, Q_CMD, Q_ON, Q_DRAG, Q_SOC, Q_TPOWER, Q_SOLAR, Q_LOAD, Q_COUNT };
#define Q_ORBIT 5 /* Q_THRUST .. Q_SOC are also kept per bucket */

typedef struct {
    int64_t t_ns;
    uint16_t have; /* bit per quantity: a fresh value was there */
    float v[Q_COUNT];
} slot_t;

typedef struct {
    int64_t t0_ns; /* bucket start, a multiple of BUCKET_S */
    float sum[Q_ORBIT];
    uint16_t n[Q_ORBIT];
    float soc_min;              /* lowest state of charge seen in the bucket (NaN: none) */
    float kp_max;               /* highest Kp the evaluations in the bucket used */
    uint16_t n_known, n_active; /* evaluations that told whether the thruster was commanded
                                   (command, else on flag), and those where it was */
} bucket_t;

/* Samples of one role since the previous evaluation. */
typedef struct {
    double last;
    int64_t last_ns; /* 0: never */
    double sum;
    double min;
    uint32_t n;
} role_acc_t;

typedef struct {
    const mon_sc_cfg_t *cfg;
    role_acc_t role[MON_ROLE_COUNT];
    bool configured[MON_ROLE_COUNT];
    int64_t first_ns;     /* first sample of this spacecraft (staleness before any) */
    int64_t next_eval_ns; /* 0: at the next packet end */
    int64_t last_eval_ns;
    /* position from ECEF components: the fix forms when all three share one time */
    double alt_km, lat_deg, lon_deg, vrel_m_s;
    double alt_mean_km; /* orbit mean of the last fit, NaN before */
    int64_t alt_ns;
    bool have_latlon, have_vrel;
    mon_trend_t *alt_trend;
    mon_trend_est_t alt_est; /* the latest decay fit */
    int64_t next_fit_ns;
    slot_t *slots;
    size_t n_slots_cap, slot_head, slot_count;
    bucket_t *buckets;
    size_t n_buckets_cap, bucket_head, bucket_count;
    mon_alert_t alert[C_COUNT];
    /* last evaluation's context, for evidence */
    mon_sw_values_t sw;
    double density, drag_n;
} sc_t;

struct mon_monitor {
    const mon_config_t *cfg;
    const mon_sw_t *sw;
    char sw_source[MON_PATH_MAX];
    mon_sw_lookup_opts_t sw_opts;
    mon_event_fn fn;
    void *ctx;
    sc_t *sc;
    size_t n_sc;
    /* name hash tables (open addressing, power-of-two sizes) */
    int32_t *sc_tab;
    size_t sc_tab_mask;
    struct rkey {
        int32_t sc; /* -1 empty */
        int16_t role;
        uint32_t hash;
    } * role_tab;
    size_t role_tab_mask;
    int64_t now_ns;
    int64_t start_ns;
    int64_t last_tick_ns;
    uint64_t next_number;
    mon_monitor_stats_t st;
};

/* --- names --------------------------------------------------------------------------- */

static uint32_t fnv1a(const char *s, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

static size_t pow2_at_least(size_t n) {
    size_t p = 16;
    while (p < n)
        p <<= 1;
    return p;
}

static bool name_eq(const char *stored, const char *s, size_t len) {
    return strncmp(stored, s, len) == 0 && stored[len] == '\0';
}

int mon_monitor_spacecraft(const mon_monitor_t *m, const char *name, size_t len) {
    size_t i = fnv1a(name, len) & m->sc_tab_mask;
    for (size_t probe = 0; probe <= m->sc_tab_mask; probe++) {
        int32_t k = m->sc_tab[i];
        if (k < 0)
            return -1;
        if (name_eq(m->sc[k].cfg->name, name, len))
            return k;
        i = (i + 1) & m->sc_tab_mask;
    }
    return -1;
}

int mon_monitor_role(const mon_monitor_t *m, int sc, const char *param, size_t len) {
    if (sc < 0 || (size_t)sc >= m->n_sc)
        return -1;
    uint32_t h = fnv1a(param, len) ^ ((uint32_t)sc * 2654435761u);
    size_t i = h & m->role_tab_mask;
    for (size_t probe = 0; probe <= m->role_tab_mask; probe++) {
        const struct rkey *k = &m->role_tab[i];
        if (k->sc < 0)
            return -1;
        if (k->hash == h && k->sc == sc && name_eq(m->sc[sc].cfg->param[k->role], param, len))
            return k->role;
        i = (i + 1) & m->role_tab_mask;
    }
    return -1;
}

/* --- set-up -------------------------------------------------------------------------- */

static mon_alert_opts_t alert_opts(const mon_checks_cfg_t *c, bool stale) {
    mon_alert_opts_t o = {
        .min_duration_s = stale ? 0.0 : c->min_duration_s,
        .update_interval_s = c->update_interval_s,
        .update_change_pct = c->update_change_pct,
    };
    return o;
}

static int sc_init(sc_t *s, const mon_sc_cfg_t *cfg) {
    const mon_checks_cfg_t *c = &cfg->checks;
    s->cfg = cfg;
    for (int r = 0; r < MON_ROLE_COUNT; r++)
        s->configured[r] = cfg->param[r][0] != '\0';
    s->alt_km = s->lat_deg = s->lon_deg = s->vrel_m_s = s->alt_mean_km = NAN;
    /* Windows are in orbits; size them for the longest period we could meet (1000 km). */
    double period_max = mon_orbit_period_s(1000.0);
    mon_trend_opts_t to = {
        .window_s = c->alt_window_orbits * mon_orbit_period_s(250.0),
        .min_span_s = c->alt_window_orbits * mon_orbit_period_s(250.0) * 0.98,
        .min_step_s = FIT_STEP_S,
        .harmonics = 2,
        .clip_sigma = 4.0,
        .capacity = (size_t)(c->alt_window_orbits * period_max / FIT_STEP_S) + 64,
    };
    s->alt_trend = mon_trend_new(&to);
    double longest = fmax(c->thrust_average_s, c->power_average_s);
    size_t n = (size_t)(longest / fmax(c->eval_interval_s, 1.0)) + 8;
    s->n_slots_cap = n > MAX_SLOTS ? MAX_SLOTS : n;
    s->slots = calloc(s->n_slots_cap, sizeof(slot_t));
    /* Orbit windows: the thrust/drag orbit (or the thrust average, if longer), the decay fit
     * window, and the state-of-charge orbits, plus one bucket of slack at each end. */
    double orbits = fmax(fmax(c->soc_window_orbits, c->alt_window_orbits), 1.0);
    double span = fmax(orbits * period_max, c->thrust_average_s);
    s->n_buckets_cap = (size_t)(span / BUCKET_S) + 3;
    s->buckets = calloc(s->n_buckets_cap, sizeof(bucket_t));
    if (!s->alt_trend || !s->slots || !s->buckets)
        return -1;
    for (int k = 0; k < C_COUNT; k++) {
        mon_alert_opts_t ao = alert_opts(c, k == C_STALE);
        mon_alert_init(&s->alert[k], &ao);
    }
    return 0;
}

mon_monitor_t *mon_monitor_new(const mon_config_t *cfg, const mon_sw_t *sw, const char *sw_source,
                               mon_event_fn fn, void *ctx, char *err, size_t errlen) {
    mon_monitor_t *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = cfg;
    m->fn = fn;
    m->ctx = ctx;
    m->next_number = 1;
    mon_sw_lookup_opts_default(&m->sw_opts);
    m->sw_opts.kp_lag_h = cfg->atmosphere.kp_lag_h;
    m->sw_opts.f107a_trailing = cfg->atmosphere.f107a_trailing;
    mon_monitor_set_space_weather(m, sw, sw_source);
    m->n_sc = cfg->n_spacecraft;
    m->sc = calloc(m->n_sc ? m->n_sc : 1, sizeof(sc_t));
    size_t sc_tab_n = pow2_at_least(m->n_sc * 2 + 1);
    size_t role_tab_n = pow2_at_least(m->n_sc * MON_ROLE_COUNT * 2 + 1);
    m->sc_tab = malloc(sc_tab_n * sizeof(int32_t));
    m->role_tab = malloc(role_tab_n * sizeof(struct rkey));
    if (!m->sc || !m->sc_tab || !m->role_tab) {
        snprintf(err, errlen, "out of memory for %zu spacecraft", m->n_sc);
        mon_monitor_destroy(&m);
        return NULL;
    }
    m->sc_tab_mask = sc_tab_n - 1;
    m->role_tab_mask = role_tab_n - 1;
    for (size_t i = 0; i < sc_tab_n; i++)
        m->sc_tab[i] = -1;
    for (size_t i = 0; i < role_tab_n; i++)
        m->role_tab[i].sc = -1;
    for (size_t k = 0; k < m->n_sc; k++) {
        const mon_sc_cfg_t *c = &cfg->spacecraft[k];
        if (sc_init(&m->sc[k], c) != 0) {
            snprintf(err, errlen, "out of memory for spacecraft %s", c->name);
            mon_monitor_destroy(&m);
            return NULL;
        }
        if (mon_monitor_spacecraft(m, c->name, strlen(c->name)) >= 0) {
            snprintf(err, errlen, "spacecraft %s configured twice", c->name);
            mon_monitor_destroy(&m);
            return NULL;
        }
        size_t i = fnv1a(c->name, strlen(c->name)) & m->sc_tab_mask;
        while (m->sc_tab[i] >= 0)
            i = (i + 1) & m->sc_tab_mask;
        m->sc_tab[i] = (int32_t)k;
        for (int r = 0; r < MON_ROLE_COUNT; r++) {
            if (!c->param[r][0])
                continue;
            if (mon_monitor_role(m, (int)k, c->param[r], strlen(c->param[r])) >= 0) {
                snprintf(err, errlen, "%s: parameter %s given two roles", c->name, c->param[r]);
                mon_monitor_destroy(&m);
                return NULL;
            }
            uint32_t h = fnv1a(c->param[r], strlen(c->param[r])) ^ ((uint32_t)k * 2654435761u);
            size_t j = h & m->role_tab_mask;
            while (m->role_tab[j].sc >= 0)
                j = (j + 1) & m->role_tab_mask;
            m->role_tab[j] = (struct rkey){.sc = (int32_t)k, .role = (int16_t)r, .hash = h};
        }
    }
    return m;
}

void mon_monitor_destroy(mon_monitor_t **m_p) {
    if (!m_p || !*m_p)
        return;
    mon_monitor_t *m = *m_p;
    if (m->sc) {
        for (size_t k = 0; k < m->n_sc; k++) {
            mon_trend_destroy(&m->sc[k].alt_trend);
            free(m->sc[k].slots);
            free(m->sc[k].buckets);
        }
    }
    free(m->sc);
    free(m->sc_tab);
    free(m->role_tab);
    free(m);
    *m_p = NULL;
}

void mon_monitor_set_space_weather(mon_monitor_t *m, const mon_sw_t *sw, const char *sw_source) {
    m->sw = sw;
    snprintf(m->sw_source, sizeof m->sw_source, "%s", sw && sw_source ? sw_source : "config");
}

int64_t mon_monitor_now(const mon_monitor_t *m) {
    return m->now_ns;
}

const mon_monitor_stats_t *mon_monitor_stats(const mon_monitor_t *m) {
    return &m->st;
}

size_t mon_monitor_active_alerts(const mon_monitor_t *m) {
    size_t n = 0;
    for (size_t k = 0; k < m->n_sc; k++)
        for (int c = 0; c < C_COUNT; c++)
            n += m->sc[k].alert[c].active;
    return n;
}

/* --- samples ------------------------------------------------------------------------- */

static void advance_clock(mon_monitor_t *m, int64_t t_ns) {
    if (m->start_ns == 0)
        m->start_ns = t_ns;
    if (t_ns > m->now_ns)
        m->now_ns = t_ns;
}

static void ecef_fix(sc_t *s, int64_t t_ns) {
    const role_acc_t *x = &s->role[MON_ROLE_POS_X_M], *y = &s->role[MON_ROLE_POS_Y_M],
                     *z = &s->role[MON_ROLE_POS_Z_M];
    if (x->last_ns != t_ns || y->last_ns != t_ns || z->last_ns != t_ns)
        return;
    double r[3] = {x->last, y->last, z->last};
    mon_geodetic_t g;
    mon_ecef_to_geodetic(r, &g);
    if (!(g.alt_km > 50.0 && g.alt_km < 5000.0))
        return; /* not an orbit: the checks would only mislead */
    s->alt_km = g.alt_km;
    s->lat_deg = g.lat_deg;
    s->lon_deg = g.lon_deg;
    s->alt_ns = t_ns;
    s->have_latlon = true;
    mon_trend_add(s->alt_trend, t_ns, g.alt_km);
    const role_acc_t *vx = &s->role[MON_ROLE_VEL_X_M_S], *vy = &s->role[MON_ROLE_VEL_Y_M_S],
                     *vz = &s->role[MON_ROLE_VEL_Z_M_S];
    if (vx->last_ns == t_ns && vy->last_ns == t_ns && vz->last_ns == t_ns) {
        /* Velocity in the Earth-fixed frame is the velocity relative to an atmosphere that
         * co-rotates with the Earth. */
        s->vrel_m_s = sqrt(vx->last * vx->last + vy->last * vy->last + vz->last * vz->last);
        s->have_vrel = true;
    }
}

void mon_monitor_sample(mon_monitor_t *m, int sc, mon_role_t role, int64_t t_ns, double value) {
    if (sc < 0 || (size_t)sc >= m->n_sc || role >= MON_ROLE_COUNT)
        return;
    if (!isfinite(value)) {
        m->st.samples_invalid++;
        return;
    }
    sc_t *s = &m->sc[sc];
    role_acc_t *a = &s->role[role];
    if (a->last_ns != 0 && t_ns < a->last_ns) {
        m->st.samples_stale_time++;
        return;
    }
    m->st.samples++;
    advance_clock(m, t_ns);
    if (s->first_ns == 0)
        s->first_ns = t_ns;
    a->last = value;
    a->last_ns = t_ns;
    a->sum += value;
    a->min = a->n ? fmin(a->min, value) : value;
    a->n++;
    switch (role) {
    case MON_ROLE_ALTITUDE_KM:
        s->alt_km = value;
        s->alt_ns = t_ns;
        mon_trend_add(s->alt_trend, t_ns, value);
        break;
    case MON_ROLE_LATITUDE_DEG:
        s->lat_deg = value;
        break;
    case MON_ROLE_LONGITUDE_DEG:
        s->lon_deg = value;
        s->have_latlon = isfinite(s->lat_deg);
        break;
    case MON_ROLE_POS_X_M:
    case MON_ROLE_POS_Y_M:
    case MON_ROLE_POS_Z_M:
    case MON_ROLE_VEL_X_M_S:
    case MON_ROLE_VEL_Y_M_S:
    case MON_ROLE_VEL_Z_M_S:
        ecef_fix(s, t_ns);
        break;
    default:
        break;
    }
}

/* --- physics ------------------------------------------------------------------------- */

static double or_const(double v, double c) {
    return isfinite(v) ? v : c;
}

/* Density at the spacecraft now; without latitude and longitude, the mean of four points
 * around the equator (the day-night bulge averaged as an orbit would). */
static double density_now(mon_monitor_t *m, sc_t *s, int64_t t_ns) {
    const mon_atmos_cfg_t *ac = &m->cfg->atmosphere;
    mon_sw_values_t *v = &s->sw;
    memset(v, 0, sizeof *v);
    if (m->sw) {
        mon_sw_lookup(m->sw, t_ns, &m->sw_opts, v);
        if (v->predicted)
            m->st.sw_predicted++;
        if (v->gap || v->beyond)
            m->st.sw_gaps++;
    } else {
        v->f107 = v->f107a = v->kp = v->ap = NAN;
        v->f107_kind = v->kp_kind = MON_SW_CONST;
    }
    v->f107 = or_const(v->f107, ac->f107);
    v->f107a = or_const(v->f107a, ac->f107a);
    v->kp = or_const(v->kp, ac->kp);
    v->ap = or_const(v->ap, mon_kp_to_ap(v->kp));
    mon_atmos_in_t in = {
        .alt_km = s->alt_km,
        .lat_deg = s->have_latlon ? s->lat_deg : 0.0,
        .lon_deg = s->have_latlon ? s->lon_deg : 0.0,
        .utc_unix_ns = t_ns,
        .f107 = v->f107,
        .f107a = v->f107a,
        .kp = v->kp,
        .hp_exponent = ac->hp_exponent,
    };
    mon_atmos_out_t out;
    double sum = 0.0;
    int n = s->have_latlon ? 1 : 4;
    for (int i = 0; i < n; i++) {
        if (!s->have_latlon)
            in.lon_deg = 90.0 * i;
        mon_atmos_status_t st = mon_atmos_eval(ac->model, &in, &out);
        if (st != MON_ATMOS_OK && st != MON_ATMOS_ABOVE_RANGE) {
            m->st.density_errors++;
            return NAN;
        }
        sum += out.density_kg_m3;
    }
    return sum / n;
}

/* Speed relative to the atmosphere: from ECEF velocity when there is one, else circular
 * speed less the co-rotation along track at the configured inclination. */
static double vrel_now(const sc_t *s) {
    if (s->have_vrel)
        return s->vrel_m_s;
    double r = (MON_WGS84_A_KM + s->alt_km) * 1000.0;
    double v = sqrt(MON_MU_M3_S2 / r);
    if (isfinite(s->cfg->inclination_deg))
        v -= MON_EARTH_OMEGA * r * cos(s->cfg->inclination_deg * MON_DEG);
    return v;
}

/* d(a)/dt in m/s per newton of tangential force on a circular orbit of height alt_km. */
static double dadt_per_newton(const sc_t *s, double alt_km) {
    double a = (MON_WGS84_A_KM + alt_km) * 1000.0;
    return 2.0 * sqrt(a * a * a / MON_MU_M3_S2) / s->cfg->mass_kg;
}

/* --- averaging ring ------------------------------------------------------------------ */

static slot_t *slot_push(sc_t *s, int64_t t_ns) {
    size_t i = (s->slot_head + s->slot_count) % s->n_slots_cap;
    if (s->slot_count == s->n_slots_cap)
        s->slot_head = (s->slot_head + 1) % s->n_slots_cap;
    else
        s->slot_count++;
    slot_t *sl = &s->slots[i];
    memset(sl, 0, sizeof *sl);
    sl->t_ns = t_ns;
    return sl;
}

/* Which slots a window takes. */
typedef enum {
    SLOTS_ALL = 0,
    SLOTS_FIRING,   /* the thruster on (by its flag; without one, commanded) */
    SLOTS_COMMANDED /* the thruster commanded (by its command; without one, the flag) */
} slots_t;

static bool slot_flag(const slot_t *sl, int q, bool *have) {
    *have = (sl->have & (1u << q)) != 0;
    return *have && (q == Q_ON ? sl->v[q] > 0.5 : sl->v[q] > 0.0);
}

static bool slot_taken(const slot_t *sl, slots_t which) {
    if (which == SLOTS_ALL)
        return true;
    int first = which == SLOTS_FIRING ? Q_ON : Q_CMD;
    int second = which == SLOTS_FIRING ? Q_CMD : Q_ON;
    bool have;
    bool v = slot_flag(sl, first, &have);
    return have ? v : slot_flag(sl, second, &have);
}

/* Add an evaluation's slot to the bucket of its time (a new bucket when it starts one). */
static void bucket_add(sc_t *s, const slot_t *sl, double soc_min, double kp) {
    int64_t w = (int64_t)BUCKET_S * 1000000000LL;
    int64_t t0 = sl->t_ns - (sl->t_ns % w + w) % w;
    bucket_t *b = s->bucket_count
                      ? &s->buckets[(s->bucket_head + s->bucket_count - 1) % s->n_buckets_cap]
                      : NULL;
    if (!b || b->t0_ns != t0) {
        size_t i = (s->bucket_head + s->bucket_count) % s->n_buckets_cap;
        if (s->bucket_count == s->n_buckets_cap)
            s->bucket_head = (s->bucket_head + 1) % s->n_buckets_cap;
        else
            s->bucket_count++;
        b = &s->buckets[i];
        memset(b, 0, sizeof *b);
        b->t0_ns = t0;
        b->soc_min = NAN;
        b->kp_max = NAN;
    }
    if (isfinite(kp))
        b->kp_max = isfinite(b->kp_max) ? fmaxf(b->kp_max, (float)kp) : (float)kp;
    for (int q = 0; q < Q_ORBIT; q++) {
        if (sl->have & (1u << q)) {
            b->sum[q] += sl->v[q];
            b->n[q]++;
        }
    }
    if (sl->have & ((1u << Q_CMD) | (1u << Q_ON))) {
        b->n_known++;
        b->n_active += slot_taken(sl, SLOTS_COMMANDED);
    }
    if (isfinite(soc_min))
        b->soc_min = isfinite(b->soc_min) ? fminf(b->soc_min, (float)soc_min) : (float)soc_min;
}

typedef struct {
    double mean[Q_COUNT];
    uint32_t n[Q_COUNT];
    uint32_t slots; /* slots (or buckets) in the window */
    double span_s;  /* time they cover */
    double soc_min; /* lowest state of charge in the window (buckets only) */
    double kp_max;  /* highest Kp used in the window (buckets only) */
    double active;  /* fraction of evaluations with the thruster commanded (buckets only;
                       NaN: never known) */
} window_t;

/* Means over the buckets that start in [now - offset - window, now - offset): orbit-long
 * windows. A quantity is averaged over the evaluations that had it. */
static void orbit_means(const sc_t *s, int64_t now_ns, double window_s, double offset_s,
                        window_t *w) {
    memset(w, 0, sizeof *w);
    w->soc_min = NAN;
    w->kp_max = NAN;
    double sum[Q_ORBIT] = {0};
    uint32_t known = 0, active = 0;
    int64_t end = now_ns - (int64_t)(offset_s * NS);
    int64_t start = end - (int64_t)(window_s * NS);
    for (size_t k = 0; k < s->bucket_count; k++) {
        const bucket_t *b =
            &s->buckets[(s->bucket_head + s->bucket_count - 1 - k) % s->n_buckets_cap];
        if (b->t0_ns >= end)
            continue;
        if (b->t0_ns < start)
            break;
        w->slots++;
        for (int q = 0; q < Q_ORBIT; q++) {
            sum[q] += b->sum[q];
            w->n[q] += b->n[q];
        }
        known += b->n_known;
        active += b->n_active;
        if (isfinite(b->soc_min))
            w->soc_min = isfinite(w->soc_min) ? fmin(w->soc_min, b->soc_min) : b->soc_min;
        if (isfinite(b->kp_max))
            w->kp_max = isfinite(w->kp_max) ? fmax(w->kp_max, b->kp_max) : b->kp_max;
    }
    for (int q = 0; q < Q_COUNT; q++)
        w->mean[q] = q < Q_ORBIT && w->n[q] ? sum[q] / w->n[q] : NAN;
    w->active = known ? (double)active / known : NAN;
    w->span_s = (double)w->slots * BUCKET_S;
}

/* Means over the slots of the last window_s seconds; a quantity only over slots that had it,
 * and only slots of the kind `which`. */
static void window_means(const sc_t *s, int64_t now_ns, double window_s, slots_t which,
                         window_t *w) {
    memset(w, 0, sizeof *w);
    w->soc_min = NAN;
    w->kp_max = NAN;
    w->active = NAN;
    double sum[Q_COUNT] = {0};
    int64_t oldest = now_ns;
    for (size_t k = 0; k < s->slot_count; k++) {
        const slot_t *sl = &s->slots[(s->slot_head + s->slot_count - 1 - k) % s->n_slots_cap];
        if ((double)(now_ns - sl->t_ns) / NS > window_s)
            break;
        if (!slot_taken(sl, which))
            continue;
        w->slots++;
        oldest = sl->t_ns;
        for (int q = 0; q < Q_COUNT; q++) {
            if (sl->have & (1u << q)) {
                sum[q] += sl->v[q];
                w->n[q]++;
            }
        }
    }
    for (int q = 0; q < Q_COUNT; q++)
        w->mean[q] = w->n[q] ? sum[q] / w->n[q] : NAN;
    w->span_s = (double)(now_ns - oldest) / NS;
}

/* --- events -------------------------------------------------------------------------- */

typedef struct {
    double alt_mean_km, decay_km_day, decay_sigma, band_pct, window_s, drag_mn, thrust_mn;
    char note[160];
} ctx_t;

static void emit(mon_monitor_t *m, sc_t *s, cond_t c, const mon_alert_event_t *ev, const ctx_t *x,
                 const char *msg) {
    mon_event_t e;
    memset(&e, 0, sizeof e);
    e.spacecraft = s->cfg->name;
    e.kind = COND[c].kind;
    e.condition = COND[c].name;
    e.unit = COND[c].unit;
    e.ev = *ev;
    snprintf(e.id, sizeof e.id, "%s/%s/%s/%llu", s->cfg->name, mon_kind_str(e.kind), COND[c].name,
             (unsigned long long)ev->number);
    if (ev->state == MON_EV_CLEARED)
        snprintf(e.message, sizeof e.message, "%s %s/%s cleared: %.4g %s against threshold %.4g %s",
                 s->cfg->name, mon_kind_str(e.kind), COND[c].name, ev->measured, e.unit,
                 ev->threshold, e.unit);
    else
        snprintf(e.message, sizeof e.message, "%s", msg);
    mon_evidence_t *d = &e.evidence;
    d->model = mon_atmos_model_name(m->cfg->atmosphere.model);
    d->density_kg_m3 = s->density;
    d->f107 = s->sw.f107;
    d->f107a = s->sw.f107a;
    d->kp = s->sw.kp;
    d->ap = s->sw.ap;
    d->sw_predicted = s->sw.predicted;
    d->sw_gap = s->sw.gap;
    d->sw_beyond = s->sw.beyond;
    d->sw_source = m->sw_source;
    if (m->sw) {
        char d1[40] = "none", d2[40] = "none";
        if (s->sw.f107_kind < MON_SW_KIND_COUNT && s->sw.f107_day_utc_ns != INT64_MIN)
            vleo_format_iso8601(s->sw.f107_day_utc_ns, 0, d1, sizeof d1);
        if (s->sw.kp_kind < MON_SW_KIND_COUNT && s->sw.kp_day_utc_ns != INT64_MIN)
            vleo_format_iso8601(s->sw.kp_day_utc_ns, 0, d2, sizeof d2);
        snprintf(d->sw_rows, sizeof d->sw_rows, "F10.7 %s %.10s, Kp %s %.10s",
                 mon_sw_kind_str(s->sw.f107_kind), d1, mon_sw_kind_str(s->sw.kp_kind), d2);
    } else {
        snprintf(d->sw_rows, sizeof d->sw_rows, "constants from the configuration");
    }
    d->kp_lag_h = m->sw_opts.kp_lag_h;
    d->altitude_km = x->alt_mean_km;
    d->band_pct = x->band_pct;
    d->decay_sigma_km_day = x->decay_sigma;
    d->drag_mn = x->drag_mn;
    d->thrust_mn = x->thrust_mn;
    d->window_s = x->window_s;
    snprintf(d->note, sizeof d->note, "%s", x->note);
    if (ev->state == MON_EV_RAISED)
        m->st.alerts_raised++;
    else if (ev->state == MON_EV_UPDATED)
        m->st.alerts_updated++;
    else
        m->st.alerts_cleared++;
    if (m->fn)
        m->fn(m->ctx, &e);
}

static void step(mon_monitor_t *m, sc_t *s, cond_t c, int64_t now_ns, const mon_alert_input_t *in,
                 const ctx_t *x, const char *msg) {
    mon_alert_event_t ev;
    if (mon_alert_step(&s->alert[c], now_ns, in, &m->next_number, &ev))
        emit(m, s, c, &ev, x, msg);
}

/* A condition that cannot be judged now (missing data): it neither raises nor clears. */
static const mon_alert_input_t UNKNOWN = {.level = MON_SEV_NONE, .clear = false};

/* --- the checks ---------------------------------------------------------------------- */

/* The orbital period (s) at a mean altitude; 250 km's when the altitude is unknown or not an
 * orbit's (a wild telemetry value or a damaged snapshot must not make windows of years). */
static double orbit_period_at(double alt_km) {
    return mon_orbit_period_s(isfinite(alt_km) && alt_km > 50.0 && alt_km < 50000.0 ? alt_km
                                                                                    : 250.0);
}

/* now + hours, saturated: a rate near zero projects a crossing centuries away, which must
 * not overflow the time (a crossing beyond ~50 years is reported as that). */
static int64_t after_hours(int64_t now_ns, double hours) {
    const double max_h = 50.0 * 365.25 * 24.0;
    double h = isfinite(hours) ? fmin(fmax(hours, 0.0), max_h) : max_h;
    return now_ns + (int64_t)(h * 3600.0 * NS);
}

/* Means of the modelled drag and the thrust over the decay fit's window, weighted by
 * 6u(1-u) (u = 0..1 across the window): a least-squares slope over a window estimates
 * exactly this weighted mean of the rate. NaN where a quantity never appeared. */
static void fit_weighted_means(const sc_t *s, const mon_trend_est_t *est, double *drag_mn,
                               double *thrust_mn) {
    double sw[2] = {0, 0}, sv[2] = {0, 0};
    /* in seconds as doubles: no time (even a restored one) can overflow the differences */
    double start_s = (double)est->t_ns / NS - est->span_s;
    for (size_t k = 0; k < s->bucket_count; k++) {
        const bucket_t *b =
            &s->buckets[(s->bucket_head + s->bucket_count - 1 - k) % s->n_buckets_cap];
        double mid = (double)b->t0_ns / NS - start_s + BUCKET_S / 2.0;
        if (mid < 0.0)
            break;
        double u = est->span_s > 0 ? mid / est->span_s : 0.0;
        if (u >= 1.0)
            continue;
        double w = u * (1.0 - u);
        const int q[2] = {Q_DRAG, Q_THRUST};
        for (int i = 0; i < 2; i++) {
            if (b->n[q[i]]) {
                sw[i] += w;
                sv[i] += w * b->sum[q[i]] / b->n[q[i]];
            }
        }
    }
    *drag_mn = sw[0] > 0 ? sv[0] / sw[0] : NAN;
    *thrust_mn = sw[1] > 0 ? sv[1] / sw[1] : NAN;
}

static void check_altitude(mon_monitor_t *m, sc_t *s, int64_t now_ns, const ctx_t *base) {
    const mon_checks_cfg_t *c = &s->cfg->checks;
    ctx_t x = *base;
    char msg[256];
    const mon_trend_est_t est = s->alt_est;
    if (!est.valid) {
        step(m, s, C_DECAY, now_ns, &UNKNOWN, &x, "");
        step(m, s, C_FLOOR, now_ns, &UNKNOWN, &x, "");
        return;
    }
    double rate = est.slope_per_s * DAY_S;  /* km/day, negative = losing height */
    double sigma = est.slope_sigma * DAY_S; /* km/day */
    /* The fit is up to FIT_EVERY_S old: carry its mean to now along its slope. */
    double mean = est.mean + est.slope_per_s * (double)(now_ns - est.t_ns) / NS;
    s->alt_mean_km = mean;
    x.alt_mean_km = mean;
    x.decay_km_day = -rate;
    x.decay_sigma = sigma;
    x.window_s = est.span_s;

    /* Expected: drag alone, and with the measured thrust, weighted over the fit's window the
     * way its slope weights the rate (so a thruster switched on or off inside the window is
     * counted as the fit sees it). */
    double k = dadt_per_newton(s, mean) * DAY_S / 1000.0; /* km/day per newton */
    double drag_mn, thrust_mn;
    fit_weighted_means(s, &est, &drag_mn, &thrust_mn);
    double drag_n = drag_mn / 1000.0;
    double thrust_n = isfinite(thrust_mn) ? thrust_mn / 1000.0 : 0.0;
    if (isfinite(drag_n)) {
        double exp_drag = -k * drag_n;
        double expected = k * (thrust_n - drag_n);
        /* The band widens with the highest Kp over the fit: a storm's decay stays in the
         * window after the storm. */
        window_t fw;
        orbit_means(s, now_ns, est.span_s, 0.0, &fw);
        double kp = isfinite(fw.kp_max) ? fmax(fw.kp_max, s->sw.kp) : s->sw.kp;
        double band_pct = c->alt_band_pct + c->alt_band_per_kp_pct * fmax(0.0, kp - 3.0);
        double band = band_pct / 100.0 * fabs(exp_drag);
        double clear_band = (c->alt_clear_band_pct + c->alt_band_per_kp_pct * fmax(0.0, kp - 3.0)) /
                            100.0 * fabs(exp_drag);
        double slack = c->alt_sigma_k * sigma;
        double thr = fmin(expected - band - slack, -c->alt_min_decay_km_day);
        double crit =
            fmin(expected - c->alt_critical_factor * band - slack, -c->alt_min_decay_km_day);
        x.band_pct = band_pct;
        mon_alert_input_t in = {
            .level = rate < crit  ? MON_SEV_CRITICAL
                     : rate < thr ? MON_SEV_WARNING
                                  : MON_SEV_NONE,
            .clear = rate > expected - clear_band - slack,
            .measured = -rate,
            .expected = -expected,
            .threshold = -thr,
        };
        snprintf(x.note, sizeof x.note, "orbit-mean drag %.3g mN, thrust %.3g mN, fit over %.0f s",
                 drag_n * 1e3, thrust_n * 1e3, est.span_s);
        snprintf(msg, sizeof msg,
                 "%s losing %.2f km/day (+-%.2f), model expects %.2f km/day, band %.0f %% "
                 "(Kp %.1f)",
                 s->cfg->name, -rate, sigma, -expected, band_pct, kp);
        step(m, s, C_DECAY, now_ns, &in, &x, msg);
    } else {
        step(m, s, C_DECAY, now_ns, &UNKNOWN, &x, "");
    }

    /* Floor: the orbit-mean height projected (with the fit's uncertainty in its favour) to
     * cross min_altitude_km within the horizon. */
    double floor_km = s->cfg->min_altitude_km;
    double horizon_h = s->cfg->horizon_h;
    double slow = rate + c->alt_sigma_k * sigma; /* km/day, the least alarming rate */
    mon_alert_input_t fin = {.expected = horizon_h, .threshold = horizon_h};
    if (mean <= floor_km) {
        fin.level = MON_SEV_CRITICAL;
        fin.measured = 0.0;
        fin.projected_ns = now_ns;
        snprintf(msg, sizeof msg, "%s mean altitude %.1f km is below the floor %.1f km",
                 s->cfg->name, mean, floor_km);
    } else if (slow < 0.0) {
        double hours = (mean - floor_km) / -rate * 24.0;
        double hours_slow = (mean - floor_km) / -slow * 24.0;
        fin.measured = hours;
        fin.projected_ns = after_hours(now_ns, hours);
        fin.level = hours_slow <= horizon_h / 4.0 ? MON_SEV_CRITICAL
                    : hours_slow <= horizon_h     ? MON_SEV_WARNING
                                                  : MON_SEV_NONE;
        fin.clear = hours_slow > horizon_h * 1.25;
        snprintf(msg, sizeof msg,
                 "%s projected to reach %.1f km in %.1f h (mean altitude %.1f km, losing %.2f "
                 "km/day)",
                 s->cfg->name, floor_km, hours, mean, -rate);
    } else {
        fin.level = MON_SEV_NONE;
        fin.clear = true;
        fin.measured = INFINITY;
        snprintf(msg, sizeof msg, "%s mean altitude %.1f km, not decaying toward %.1f km",
                 s->cfg->name, mean, floor_km);
    }
    step(m, s, C_FLOOR, now_ns, &fin, &x, msg);
}

/* Station-keeping over an orbit window: the thruster commanded (by its command when there is
 * one, else by its on flag) nearly all the time: an orbit that starts or ends a coast (orbit
 * lowering) is not held against the drag, nor is pulsing below the thruster's minimum. A thruster
 * commanded but not firing is the worst shortfall, not a thruster off on purpose. Without either
 * role: always. */
static bool station_keeping(const window_t *w) {
    return isnan(w->active) || w->active >= STATION_KEEPING_FRACTION;
}

static void check_thrust(mon_monitor_t *m, sc_t *s, int64_t now_ns, const ctx_t *base,
                         const window_t *orbit, double orbit_s) {
    const mon_checks_cfg_t *c = &s->cfg->checks;
    ctx_t x = *base;
    char msg[256];
    if (!s->configured[MON_ROLE_THRUST_MN])
        return;
    /* Against the drag: both averaged over at least one orbit (drag doubles from night to
     * day side; a thruster holding altitude delivers the orbit mean). */
    bool enough = orbit->span_s >= 0.9 * orbit_s && orbit->n[Q_THRUST] && orbit->n[Q_DRAG];
    if (enough && station_keeping(orbit)) {
        double t = orbit->mean[Q_THRUST], d = orbit->mean[Q_DRAG];
        double thr = d * (1.0 - c->thrust_margin_pct / 100.0);
        x.drag_mn = d;
        x.thrust_mn = t;
        x.window_s = orbit->span_s;
        mon_alert_input_t in = {
            .level = t < d * c->thrust_critical_pct / 100.0 ? MON_SEV_CRITICAL
                     : t < thr                              ? MON_SEV_WARNING
                                                            : MON_SEV_NONE,
            .clear = t >= d * (1.0 - c->thrust_clear_margin_pct / 100.0),
            .measured = t,
            .expected = d,
            .threshold = thr,
        };
        snprintf(x.note, sizeof x.note, "orbit means over %.0f s%s", orbit->span_s,
                 d > s->cfg->max_thrust_mn ? "; drag exceeds the thruster's maximum" : "");
        snprintf(msg, sizeof msg,
                 "%s thrust %.2f mN below orbit-mean drag %.2f mN (threshold %.2f mN)",
                 s->cfg->name, t, d, thr);
        step(m, s, C_DRAG, now_ns, &in, &x, msg);
    } else if (enough) {
        /* Thruster off on purpose: nothing to hold against the drag. */
        mon_alert_input_t in = {.level = MON_SEV_NONE, .clear = true};
        snprintf(msg, sizeof msg, "%s thruster off, not station-keeping", s->cfg->name);
        step(m, s, C_DRAG, now_ns, &in, &x, msg);
    } else {
        step(m, s, C_DRAG, now_ns, &UNKNOWN, &x, "");
    }

    if (!s->configured[MON_ROLE_THRUST_CMD_MN])
        return;
    window_t on;
    window_means(s, now_ns, c->thrust_average_s, SLOTS_COMMANDED, &on);
    if (on.n[Q_THRUST] >= 3 && on.n[Q_CMD] >= 3 && on.mean[Q_CMD] > 0.0) {
        double t = on.mean[Q_THRUST], cmd = on.mean[Q_CMD];
        double thr = cmd * (1.0 - c->thrust_cmd_margin_pct / 100.0);
        x.thrust_mn = t;
        x.window_s = on.span_s;
        mon_alert_input_t in = {
            .level = t < cmd * c->thrust_critical_pct / 100.0 ? MON_SEV_CRITICAL
                     : t < thr                                ? MON_SEV_WARNING
                                                              : MON_SEV_NONE,
            .clear = t >= cmd * (1.0 - c->thrust_cmd_clear_pct / 100.0),
            .measured = t,
            .expected = cmd,
            .threshold = thr,
        };
        snprintf(x.note, sizeof x.note, "means over %.0f s of firing", on.span_s);
        snprintf(msg, sizeof msg, "%s thrust %.2f mN below command %.2f mN (threshold %.2f mN)",
                 s->cfg->name, t, cmd, thr);
        step(m, s, C_COMMAND, now_ns, &in, &x, msg);
    } else {
        /* Not commanded (or too few samples): a shortfall seen while commanded is neither
         * confirmed nor refuted, so it stays raised until the thruster is commanded again. */
        step(m, s, C_COMMAND, now_ns, &UNKNOWN, &x, "");
    }
}

/* State of charge: the trend of whole-orbit means (the eclipse cycle cancels exactly over
 * an orbit, whatever its shape), projected from the orbit's lowest point, never from one
 * eclipse's slope. */
static void check_soc(mon_monitor_t *m, sc_t *s, int64_t now_ns, const ctx_t *base) {
    const mon_sc_cfg_t *sc = s->cfg;
    const mon_checks_cfg_t *c = &sc->checks;
    ctx_t x = *base;
    char msg[256];
    const role_acc_t *soc = &s->role[MON_ROLE_BATTERY_SOC_PCT];
    double min_soc = sc->min_soc_pct;
    double period = s->alt_est.valid ? s->alt_est.period_s : orbit_period_at(s->alt_km);
    mon_alert_input_t in = {.expected = sc->horizon_h, .threshold = sc->horizon_h};
    if (soc->last_ns && soc->last < min_soc) {
        in.level = MON_SEV_CRITICAL;
        in.measured = 0.0;
        in.projected_ns = now_ns;
        snprintf(msg, sizeof msg, "%s battery at %.1f %%, below the minimum %.1f %%", sc->name,
                 soc->last, min_soc);
        step(m, s, C_SOC, now_ns, &in, &x, msg);
        return;
    }
    /* Orbit means, newest first; each must cover 90 % of its orbit. */
    int n_orbits = (int)fmin(fmax(c->soc_window_orbits, 2.0), 8.0);
    double mean[8];
    double low = NAN;
    int have = 0;
    for (int k = 0; k < n_orbits; k++) {
        window_t w;
        orbit_means(s, now_ns, period, k * period, &w);
        if (w.span_s < 0.9 * period || w.n[Q_SOC] == 0)
            break;
        mean[have++] = w.mean[Q_SOC];
        if (k == 0)
            low = w.soc_min;
    }
    if (have < 2) {
        step(m, s, C_SOC, now_ns, &UNKNOWN, &x, "");
        return;
    }
    /* Least-squares slope of the orbit means against their centre times (0, -P, -2P...). */
    double st = 0, sy = 0, stt = 0, sty = 0;
    for (int k = 0; k < have; k++) {
        double t = -k * period;
        st += t;
        sy += mean[k];
        stt += t * t;
        sty += t * mean[k];
    }
    double den = have * stt - st * st;
    double slope_s = (have * sty - st * sy) / den; /* % per second */
    double icpt = (sy - slope_s * st) / have;
    double rss = 0;
    for (int k = 0; k < have; k++) {
        double r = mean[k] - (icpt - slope_s * k * period);
        rss += r * r;
    }
    /* With two orbits there are no residuals: take the uncertainty as half the change. */
    double sig_s = have > 2 ? sqrt(rss / (have - 2) * have / den) : 0.5 * fabs(slope_s);
    double slope_h = slope_s * 3600.0, sig_h = sig_s * 3600.0;
    /* The newest orbit mean is centred half an orbit back; its dip below the mean stays. */
    double now_mean = icpt + slope_s * period / 2.0;
    double dip = isfinite(low) ? fmax(0.0, mean[0] - low) : 0.0;
    double low_now = now_mean - dip;
    double slow = slope_h + c->alt_sigma_k * sig_h;
    x.window_s = have * period;
    if (slow < 0.0 && low_now > min_soc) {
        double hours = (low_now - min_soc) / -slope_h;
        double hours_slow = (low_now - min_soc) / -slow;
        in.measured = hours;
        in.projected_ns = after_hours(now_ns, hours);
        in.level = hours_slow <= sc->horizon_h / 4.0 ? MON_SEV_CRITICAL
                   : hours_slow <= sc->horizon_h     ? MON_SEV_WARNING
                                                     : MON_SEV_NONE;
        in.clear = hours_slow > sc->horizon_h * 1.25;
    } else {
        in.level = low_now <= min_soc ? MON_SEV_WARNING : MON_SEV_NONE;
        in.clear = low_now > min_soc && slow >= 0.0;
        in.measured = low_now <= min_soc ? 0.0 : INFINITY;
    }
    snprintf(x.note, sizeof x.note,
             "%d orbit means, newest %.1f %%, eclipse low %.1f %%, %+.2f %%/h (+-%.2f)", have,
             mean[0], low_now, slope_h, sig_h);
    snprintf(msg, sizeof msg,
             "%s battery projected below %.1f %% in %.1f h (orbit-mean %.1f %%, eclipse low "
             "%.1f %%, %+.2f %%/h)",
             sc->name, min_soc, in.measured, now_mean, low_now, slope_h);
    step(m, s, C_SOC, now_ns, &in, &x, msg);
}

static void check_power(mon_monitor_t *m, sc_t *s, int64_t now_ns, const ctx_t *base) {
    const mon_checks_cfg_t *c = &s->cfg->checks;
    const mon_sc_cfg_t *sc = s->cfg;
    ctx_t x = *base;
    char msg[256];
    window_t w;
    window_means(s, now_ns, c->power_average_s, SLOTS_ALL, &w);
    x.window_s = w.span_s;

    if (s->configured[MON_ROLE_LOAD_POWER_W] && s->configured[MON_ROLE_SOLAR_POWER_W]) {
        if (w.n[Q_LOAD] && w.n[Q_SOLAR]) {
            double load = w.mean[Q_LOAD], supply = w.mean[Q_SOLAR] + sc->max_discharge_w;
            mon_alert_input_t in = {
                .level = load > w.mean[Q_SOLAR] + 1.5 * sc->max_discharge_w ? MON_SEV_CRITICAL
                         : load > supply                                    ? MON_SEV_WARNING
                                                                            : MON_SEV_NONE,
                .clear = load <= w.mean[Q_SOLAR] + sc->max_discharge_w *
                                                       (1.0 - c->power_clear_margin_pct / 100.0),
                .measured = load,
                .expected = supply,
                .threshold = supply,
            };
            snprintf(x.note, sizeof x.note, "solar %.1f W, allowed discharge %.1f W",
                     w.mean[Q_SOLAR], sc->max_discharge_w);
            snprintf(msg, sizeof msg,
                     "%s load %.1f W exceeds solar %.1f W plus allowed discharge %.1f W", sc->name,
                     load, w.mean[Q_SOLAR], sc->max_discharge_w);
            step(m, s, C_SUPPLY, now_ns, &in, &x, msg);
        } else {
            step(m, s, C_SUPPLY, now_ns, &UNKNOWN, &x, "");
        }
        if (w.n[Q_LOAD] && sc->max_load_w > 0) {
            double load = w.mean[Q_LOAD];
            mon_alert_input_t in = {
                .level = load > sc->max_load_w * 1.25 ? MON_SEV_CRITICAL
                         : load > sc->max_load_w      ? MON_SEV_WARNING
                                                      : MON_SEV_NONE,
                .clear = load <= sc->max_load_w * (1.0 - c->power_clear_margin_pct / 100.0),
                .measured = load,
                .expected = sc->max_load_w,
                .threshold = sc->max_load_w,
            };
            x.note[0] = '\0';
            snprintf(msg, sizeof msg, "%s load %.1f W above the maximum %.1f W", sc->name, load,
                     sc->max_load_w);
            step(m, s, C_LOAD, now_ns, &in, &x, msg);
        }
    }

    if (s->configured[MON_ROLE_THRUSTER_POWER_W] && sc->thrust_to_power_mn_per_kw > 0) {
        window_t on;
        window_means(s, now_ns, c->power_average_s, SLOTS_FIRING, &on);
        double min_t = 0.05 * sc->max_thrust_mn; /* below, overheads swamp the ratio */
        if (on.n[Q_TPOWER] >= 3 && on.n[Q_THRUST] >= 3 && on.mean[Q_THRUST] > min_t) {
            double p = on.mean[Q_TPOWER];
            double need = on.mean[Q_THRUST] / sc->thrust_to_power_mn_per_kw * 1000.0;
            double thr = need * (1.0 + c->power_margin_pct / 100.0);
            mon_alert_input_t in = {
                .level = p > need * 1.5 ? MON_SEV_CRITICAL
                         : p > thr      ? MON_SEV_WARNING
                                        : MON_SEV_NONE,
                .clear = p <= need * (1.0 + c->power_clear_margin_pct / 100.0),
                .measured = p,
                .expected = need,
                .threshold = thr,
            };
            x.thrust_mn = on.mean[Q_THRUST];
            x.window_s = on.span_s;
            snprintf(x.note, sizeof x.note, "rated %.1f mN/kW", sc->thrust_to_power_mn_per_kw);
            snprintf(msg, sizeof msg,
                     "%s thruster draws %.1f W for %.2f mN; rated %.1f W (%.1f mN/kW)", sc->name, p,
                     on.mean[Q_THRUST], need, sc->thrust_to_power_mn_per_kw);
            step(m, s, C_THRUSTER, now_ns, &in, &x, msg);
        } else {
            /* Idle or barely firing: no judgement either way (as for the command check). */
            step(m, s, C_THRUSTER, now_ns, &UNKNOWN, &x, "");
        }
    }

    if (s->configured[MON_ROLE_BATTERY_SOC_PCT])
        check_soc(m, s, now_ns, &x);
}

static void check_stale(mon_monitor_t *m, sc_t *s, int64_t now_ns) {
    ctx_t x;
    memset(&x, 0, sizeof x);
    x.drag_mn = x.thrust_mn = NAN;
    x.alt_mean_km = s->alt_km;
    double limit = s->cfg->stale_after_s;
    double worst = 0.0;
    int worst_role = -1;
    size_t n_stale = 0;
    for (int r = 0; r < MON_ROLE_COUNT; r++) {
        if (!s->configured[r])
            continue;
        int64_t since = s->role[r].last_ns ? s->role[r].last_ns
                        : s->first_ns      ? s->first_ns
                                           : m->start_ns;
        double age = (double)(now_ns - since) / NS;
        if (age > limit)
            n_stale++;
        if (age > worst) {
            worst = age;
            worst_role = r;
        }
    }
    char msg[256];
    mon_alert_input_t in = {
        .level = worst > 5.0 * limit ? MON_SEV_CRITICAL
                 : worst > limit     ? MON_SEV_WARNING
                                     : MON_SEV_NONE,
        .clear = worst <= limit,
        .measured = worst,
        .expected = limit,
        .threshold = limit,
    };
    snprintf(x.note, sizeof x.note, "%zu role(s) stale", n_stale);
    snprintf(msg, sizeof msg, "%s no %s for %.0f s (limit %.0f s; %zu role(s) stale)", s->cfg->name,
             worst_role >= 0 ? mon_role_name((mon_role_t)worst_role) : "telemetry", worst, limit,
             n_stale);
    step(m, s, C_STALE, now_ns, &in, &x, msg);
}

/* One evaluation: fold the samples since the last one into a slot, then run every check. */
static void evaluate(mon_monitor_t *m, sc_t *s, int64_t now_ns) {
    const mon_checks_cfg_t *c = &s->cfg->checks;
    m->st.evaluations++;
    s->last_eval_ns = now_ns;
    s->next_eval_ns = now_ns + (int64_t)(c->eval_interval_s * NS);
    slot_t *sl = slot_push(s, now_ns);
    static const int qrole[Q_COUNT] = {
        [Q_THRUST] = MON_ROLE_THRUST_MN,    [Q_CMD] = MON_ROLE_THRUST_CMD_MN,
        [Q_ON] = MON_ROLE_THRUSTER_ON,      [Q_TPOWER] = MON_ROLE_THRUSTER_POWER_W,
        [Q_SOLAR] = MON_ROLE_SOLAR_POWER_W, [Q_LOAD] = MON_ROLE_LOAD_POWER_W,
        [Q_SOC] = MON_ROLE_BATTERY_SOC_PCT, [Q_DRAG] = -1,
    };
    double stale_ns = s->cfg->stale_after_s * NS;
    double soc_min = NAN;
    for (int q = 0; q < Q_COUNT; q++) {
        int r = qrole[q];
        if (r < 0)
            continue;
        role_acc_t *a = &s->role[r];
        if (a->n) {
            sl->v[q] = (float)(a->sum / a->n);
            sl->have |= (uint16_t)(1u << q);
            if (q == Q_SOC)
                soc_min = a->min;
        } else if (a->last_ns && (double)(now_ns - a->last_ns) <= stale_ns) {
            sl->v[q] = (float)a->last; /* held: no new sample since the previous evaluation */
            sl->have |= (uint16_t)(1u << q);
            if (q == Q_SOC)
                soc_min = a->last;
        }
        a->sum = 0.0;
        a->n = 0;
    }
    /* Modelled drag at this point of the orbit. */
    ctx_t x;
    memset(&x, 0, sizeof x);
    s->density = NAN;
    s->drag_n = NAN;
    if (isfinite(s->alt_km) && (double)(now_ns - s->alt_ns) <= stale_ns) {
        s->density = density_now(m, s, now_ns);
        if (isfinite(s->density)) {
            double v = vrel_now(s);
            s->drag_n = 0.5 * s->density * v * v * s->cfg->drag_coefficient * s->cfg->drag_area_m2;
            sl->v[Q_DRAG] = (float)(s->drag_n * 1000.0);
            sl->have |= (uint16_t)(1u << Q_DRAG);
        }
    }
    bucket_add(s, sl, soc_min, isfinite(s->density) ? s->sw.kp : NAN);
    x.alt_mean_km = s->alt_km;
    double orbit_s = orbit_period_at(isfinite(s->alt_mean_km) ? s->alt_mean_km : s->alt_km);
    window_t orbit;
    orbit_means(s, now_ns, fmax(orbit_s, c->thrust_average_s), 0.0, &orbit);
    x.drag_mn = orbit.mean[Q_DRAG];
    x.thrust_mn = orbit.mean[Q_THRUST];
    if (now_ns >= s->next_fit_ns) {
        /* The fits refine the period themselves; start from the last orbit mean. */
        double p0 = mon_orbit_period_s(isfinite(s->alt_mean_km) ? s->alt_mean_km
                                       : isfinite(s->alt_km)    ? s->alt_km
                                                                : 250.0);
        mon_trend_fit(s->alt_trend, p0, &s->alt_est);
        s->next_fit_ns = now_ns + (int64_t)(FIT_EVERY_S * NS);
    }
    check_altitude(m, s, now_ns, &x);
    check_thrust(m, s, now_ns, &x, &orbit, orbit_s);
    check_power(m, s, now_ns, &x);
    check_stale(m, s, now_ns);
}

void mon_monitor_packet_end(mon_monitor_t *m, int sc, int64_t t_ns) {
    if (sc < 0 || (size_t)sc >= m->n_sc)
        return;
    advance_clock(m, t_ns);
    sc_t *s = &m->sc[sc];
    if (s->first_ns == 0)
        s->first_ns = t_ns;
    if (t_ns >= s->next_eval_ns)
        evaluate(m, s, t_ns);
}

void mon_monitor_note_not_number(mon_monitor_t *m) {
    m->st.samples_not_number++;
}

void mon_monitor_tick(mon_monitor_t *m, int64_t now_ns) {
    if (now_ns > m->now_ns)
        m->now_ns = now_ns;
    if (m->start_ns == 0 || m->now_ns < m->last_tick_ns + (int64_t)NS)
        return;
    m->last_tick_ns = m->now_ns;
    now_ns = m->now_ns;
    for (size_t k = 0; k < m->n_sc; k++) {
        sc_t *s = &m->sc[k];
        if (now_ns >= s->next_eval_ns && s->first_ns != 0)
            evaluate(m, s, now_ns);
        else if (s->first_ns == 0 && m->start_ns != 0)
            check_stale(m, s, now_ns);
    }
}

size_t mon_monitor_spacecraft_count(const mon_monitor_t *m) {
    return m->n_sc;
}

int64_t mon_monitor_last_evaluation(const mon_monitor_t *m, int sc) {
    return sc >= 0 && (size_t)sc < m->n_sc ? m->sc[sc].last_eval_ns : 0;
}

/* --- snapshots (mon/state.h) --------------------------------------------------------- */

/* Everything the checks read, in a fixed order; the configuration (and what derives from it:
 * capacities, alert options, roles) is not saved but must be the same at load. */

static void put_stats(mon_state_out_t *o, const mon_monitor_stats_t *s) {
    const uint64_t v[] = {
        s->samples,       s->samples_stale_time, s->samples_not_number, s->samples_invalid,
        s->evaluations,   s->density_errors,     s->sw_predicted,       s->sw_gaps,
        s->alerts_raised, s->alerts_updated,     s->alerts_cleared};
    mon_state_put_u32(o, (uint32_t)(sizeof v / sizeof v[0]));
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        mon_state_put_u64(o, v[i]);
}

static void get_stats(mon_state_in_t *in, mon_monitor_stats_t *s) {
    uint64_t *v[] = {
        &s->samples,       &s->samples_stale_time, &s->samples_not_number, &s->samples_invalid,
        &s->evaluations,   &s->density_errors,     &s->sw_predicted,       &s->sw_gaps,
        &s->alerts_raised, &s->alerts_updated,     &s->alerts_cleared};
    uint32_t n = mon_state_get_u32(in);
    if (n != sizeof v / sizeof v[0]) {
        mon_state_in_fail(in, "%u monitor counters, this program keeps %zu", n,
                          sizeof v / sizeof v[0]);
        return;
    }
    for (size_t i = 0; i < n; i++)
        *v[i] = mon_state_get_u64(in);
}

static void put_alert(mon_state_out_t *o, const mon_alert_t *a) {
    mon_state_put_u8(o, a->active);
    mon_state_put_u8(o, (uint8_t)a->severity);
    mon_state_put_u64(o, a->number);
    mon_state_put_i64(o, a->onset_ns);
    mon_state_put_i64(o, a->pending_since_ns);
    mon_state_put_u8(o, (uint8_t)a->pending_level);
    mon_state_put_i64(o, a->last_event_ns);
    mon_state_put_f64(o, a->last_measured);
    mon_state_put_u8(o, (uint8_t)a->last_in.level);
    mon_state_put_u8(o, a->last_in.clear);
    mon_state_put_f64(o, a->last_in.measured);
    mon_state_put_f64(o, a->last_in.expected);
    mon_state_put_f64(o, a->last_in.threshold);
    mon_state_put_i64(o, a->last_in.projected_ns);
}

static mon_sev_t get_sev(mon_state_in_t *in) {
    uint8_t v = mon_state_get_u8(in);
    if (v > MON_SEV_CRITICAL)
        mon_state_in_fail(in, "severity %u", v);
    return (mon_sev_t)(v > MON_SEV_CRITICAL ? 0 : v);
}

static void get_alert(mon_state_in_t *in, mon_alert_t *a) {
    a->active = mon_state_get_bool(in);
    a->severity = get_sev(in);
    a->number = mon_state_get_u64(in);
    a->onset_ns = mon_state_get_time(in);
    a->pending_since_ns = mon_state_get_time(in);
    a->pending_level = get_sev(in);
    a->last_event_ns = mon_state_get_time(in);
    a->last_measured = mon_state_get_f64(in);
    a->last_in.level = get_sev(in);
    a->last_in.clear = mon_state_get_bool(in);
    a->last_in.measured = mon_state_get_f64(in);
    a->last_in.expected = mon_state_get_f64(in);
    a->last_in.threshold = mon_state_get_f64(in);
    a->last_in.projected_ns = mon_state_get_time(in);
}

static void put_sw(mon_state_out_t *o, const mon_sw_values_t *v) {
    mon_state_put_f64(o, v->f107);
    mon_state_put_f64(o, v->f107a);
    mon_state_put_f64(o, v->kp);
    mon_state_put_f64(o, v->ap);
    mon_state_put_f64(o, v->ap_daily);
    mon_state_put_u8(o, (uint8_t)v->f107_kind);
    mon_state_put_u8(o, (uint8_t)v->kp_kind);
    mon_state_put_u8(o, v->predicted);
    mon_state_put_u8(o, v->gap);
    mon_state_put_u8(o, v->beyond);
    mon_state_put_i64(o, v->f107_day_utc_ns);
    mon_state_put_i64(o, v->kp_day_utc_ns);
}

static mon_sw_kind_t get_sw_kind(mon_state_in_t *in) {
    uint8_t v = mon_state_get_u8(in);
    /* MON_SW_KIND_COUNT is how a lookup that found no row says so (zeroed values: OBS). */
    if (v > MON_SW_KIND_COUNT)
        mon_state_in_fail(in, "space-weather kind %u", v);
    return (mon_sw_kind_t)v;
}

static void get_sw(mon_state_in_t *in, mon_sw_values_t *v) {
    v->f107 = mon_state_get_f64(in);
    v->f107a = mon_state_get_f64(in);
    v->kp = mon_state_get_f64(in);
    v->ap = mon_state_get_f64(in);
    v->ap_daily = mon_state_get_f64(in);
    v->f107_kind = get_sw_kind(in);
    v->kp_kind = get_sw_kind(in);
    v->predicted = mon_state_get_bool(in);
    v->gap = mon_state_get_bool(in);
    v->beyond = mon_state_get_bool(in);
    v->f107_day_utc_ns = mon_state_get_time(in);
    v->kp_day_utc_ns = mon_state_get_time(in);
}

static void put_est(mon_state_out_t *o, const mon_trend_est_t *e) {
    mon_state_put_u8(o, e->valid);
    mon_state_put_i64(o, e->t_ns);
    mon_state_put_f64(o, e->mean);
    mon_state_put_f64(o, e->slope_per_s);
    mon_state_put_f64(o, e->slope_sigma);
    mon_state_put_f64(o, e->rms);
    mon_state_put_u64(o, e->n_used);
    mon_state_put_u64(o, e->n_clipped);
    mon_state_put_f64(o, e->span_s);
    mon_state_put_f64(o, e->period_s);
}

static void get_est(mon_state_in_t *in, mon_trend_est_t *e) {
    e->valid = mon_state_get_bool(in);
    e->t_ns = mon_state_get_time(in);
    e->mean = mon_state_get_f64(in);
    e->slope_per_s = mon_state_get_f64(in);
    e->slope_sigma = mon_state_get_f64(in);
    e->rms = mon_state_get_f64(in);
    e->n_used = (size_t)mon_state_get_u64(in);
    e->n_clipped = (size_t)mon_state_get_u64(in);
    e->span_s = mon_state_get_f64(in);
    e->period_s = mon_state_get_f64(in);
    /* a fit the monitor could have made: finite, a window and a period of at most ~4 months */
    if (e->valid && !(isfinite(e->mean) && isfinite(e->slope_per_s) && isfinite(e->slope_sigma) &&
                      isfinite(e->rms) && e->span_s >= 0.0 && e->span_s <= 1e7 &&
                      e->period_s > 0.0 && e->period_s <= 1e7))
        mon_state_in_fail(in, "a decay fit out of range (window %g s, period %g s)", e->span_s,
                          e->period_s);
}

static void put_sc(mon_state_out_t *o, const sc_t *s) {
    mon_state_put_str(o, s->cfg->name);
    mon_state_put_u32(o, MON_ROLE_COUNT);
    for (int r = 0; r < MON_ROLE_COUNT; r++) {
        const role_acc_t *a = &s->role[r];
        mon_state_put_f64(o, a->last);
        mon_state_put_i64(o, a->last_ns);
        mon_state_put_f64(o, a->sum);
        mon_state_put_f64(o, a->min);
        mon_state_put_u32(o, a->n);
    }
    mon_state_put_i64(o, s->first_ns);
    mon_state_put_i64(o, s->next_eval_ns);
    mon_state_put_i64(o, s->last_eval_ns);
    mon_state_put_f64(o, s->alt_km);
    mon_state_put_f64(o, s->lat_deg);
    mon_state_put_f64(o, s->lon_deg);
    mon_state_put_f64(o, s->vrel_m_s);
    mon_state_put_f64(o, s->alt_mean_km);
    mon_state_put_i64(o, s->alt_ns);
    mon_state_put_u8(o, s->have_latlon);
    mon_state_put_u8(o, s->have_vrel);
    /* the decay trend: its ring, oldest first, and the last fit */
    mon_state_put_u64(o, mon_trend_capacity(s->alt_trend));
    mon_state_put_i64(o, mon_trend_newest(s->alt_trend));
    size_t nt = mon_trend_count(s->alt_trend);
    mon_state_put_u64(o, nt);
    for (size_t k = 0; k < nt; k++) {
        mon_trend_slot_t ts;
        mon_trend_slot_get(s->alt_trend, k, &ts);
        mon_state_put_i64(o, ts.t0_ns);
        mon_state_put_f64(o, ts.dt_mean);
        mon_state_put_f64(o, ts.y_mean);
        mon_state_put_u32(o, ts.n);
    }
    put_est(o, &s->alt_est);
    mon_state_put_i64(o, s->next_fit_ns);
    /* evaluation slots, oldest first */
    mon_state_put_u64(o, s->n_slots_cap);
    mon_state_put_u64(o, s->slot_count);
    mon_state_put_u32(o, Q_COUNT);
    for (size_t k = 0; k < s->slot_count; k++) {
        const slot_t *sl = &s->slots[(s->slot_head + k) % s->n_slots_cap];
        mon_state_put_i64(o, sl->t_ns);
        mon_state_put_u16(o, sl->have);
        for (int q = 0; q < Q_COUNT; q++)
            mon_state_put_f32(o, sl->v[q]);
    }
    /* 60 s buckets, oldest first */
    mon_state_put_u64(o, s->n_buckets_cap);
    mon_state_put_u64(o, s->bucket_count);
    mon_state_put_u32(o, Q_ORBIT);
    for (size_t k = 0; k < s->bucket_count; k++) {
        const bucket_t *b = &s->buckets[(s->bucket_head + k) % s->n_buckets_cap];
        mon_state_put_i64(o, b->t0_ns);
        for (int q = 0; q < Q_ORBIT; q++) {
            mon_state_put_f32(o, b->sum[q]);
            mon_state_put_u16(o, b->n[q]);
        }
        mon_state_put_f32(o, b->soc_min);
        mon_state_put_f32(o, b->kp_max);
        mon_state_put_u16(o, b->n_known);
        mon_state_put_u16(o, b->n_active);
    }
    mon_state_put_u32(o, C_COUNT);
    for (int c = 0; c < C_COUNT; c++)
        put_alert(o, &s->alert[c]);
    put_sw(o, &s->sw);
    mon_state_put_f64(o, s->density);
    mon_state_put_f64(o, s->drag_n);
}

/* A count written by the snapshot that must equal this build's. */
static bool get_same(mon_state_in_t *in, uint64_t want, const char *what) {
    uint64_t v = mon_state_get_u64(in);
    if (!in->why && v != want)
        mon_state_in_fail(in, "%s %llu, this monitor has %llu", what, (unsigned long long)v,
                          (unsigned long long)want);
    return !in->why;
}

static bool get_same32(mon_state_in_t *in, uint32_t want, const char *what) {
    uint32_t v = mon_state_get_u32(in);
    if (!in->why && v != want)
        mon_state_in_fail(in, "%s %u, this monitor has %u", what, v, want);
    return !in->why;
}

static int get_sc(mon_state_in_t *in, sc_t *s) {
    char name[MON_NAME_MAX];
    mon_state_get_str(in, name, sizeof name);
    if (!in->why && strcmp(name, s->cfg->name) != 0)
        mon_state_in_fail(in, "spacecraft '%s' where the configuration has '%s'", name,
                          s->cfg->name);
    if (mon_state_get_u32(in) != MON_ROLE_COUNT)
        mon_state_in_fail(in, "%s: another number of roles", s->cfg->name);
    if (in->why)
        return -1;
    for (int r = 0; r < MON_ROLE_COUNT; r++) {
        role_acc_t *a = &s->role[r];
        a->last = mon_state_get_f64(in);
        a->last_ns = mon_state_get_time(in);
        a->sum = mon_state_get_f64(in);
        a->min = mon_state_get_f64(in);
        a->n = mon_state_get_u32(in);
    }
    s->first_ns = mon_state_get_time(in);
    s->next_eval_ns = mon_state_get_time(in);
    s->last_eval_ns = mon_state_get_time(in);
    s->alt_km = mon_state_get_f64(in);
    s->lat_deg = mon_state_get_f64(in);
    s->lon_deg = mon_state_get_f64(in);
    s->vrel_m_s = mon_state_get_f64(in);
    s->alt_mean_km = mon_state_get_f64(in);
    s->alt_ns = mon_state_get_time(in);
    s->have_latlon = mon_state_get_bool(in);
    s->have_vrel = mon_state_get_bool(in);
    if (!get_same(in, mon_trend_capacity(s->alt_trend), "trend capacity"))
        return -1;
    int64_t newest = mon_state_get_time(in);
    uint64_t nt = mon_state_get_u64(in);
    if (nt > mon_trend_capacity(s->alt_trend)) {
        mon_state_in_fail(in, "%s: %llu trend samples in a ring of %zu", s->cfg->name,
                          (unsigned long long)nt, mon_trend_capacity(s->alt_trend));
        return -1;
    }
    mon_trend_reset(s->alt_trend);
    for (uint64_t k = 0; k < nt && !in->why; k++) {
        mon_trend_slot_t ts;
        ts.t0_ns = mon_state_get_time(in);
        ts.dt_mean = mon_state_get_f64(in);
        ts.y_mean = mon_state_get_f64(in);
        ts.n = mon_state_get_u32(in);
        if (!in->why && mon_trend_slot_put(s->alt_trend, &ts) != 0)
            mon_state_in_fail(in, "%s: trend sample %llu out of order", s->cfg->name,
                              (unsigned long long)k);
    }
    mon_trend_set_newest(s->alt_trend, newest);
    get_est(in, &s->alt_est);
    s->next_fit_ns = mon_state_get_time(in);

    if (!get_same(in, s->n_slots_cap, "slot capacity"))
        return -1;
    uint64_t ns = mon_state_get_u64(in);
    if (ns > s->n_slots_cap || !get_same32(in, Q_COUNT, "slot quantities")) {
        mon_state_in_fail(in, "%s: %llu slots in a ring of %zu", s->cfg->name,
                          (unsigned long long)ns, s->n_slots_cap);
        return -1;
    }
    s->slot_head = 0;
    s->slot_count = (size_t)ns;
    for (size_t k = 0; k < s->slot_count; k++) {
        slot_t *sl = &s->slots[k];
        sl->t_ns = mon_state_get_time(in);
        sl->have = mon_state_get_u16(in);
        for (int q = 0; q < Q_COUNT; q++)
            sl->v[q] = mon_state_get_f32(in);
    }
    if (!get_same(in, s->n_buckets_cap, "bucket capacity"))
        return -1;
    uint64_t nb = mon_state_get_u64(in);
    if (nb > s->n_buckets_cap || !get_same32(in, Q_ORBIT, "bucket quantities")) {
        mon_state_in_fail(in, "%s: %llu buckets in a ring of %zu", s->cfg->name,
                          (unsigned long long)nb, s->n_buckets_cap);
        return -1;
    }
    s->bucket_head = 0;
    s->bucket_count = (size_t)nb;
    for (size_t k = 0; k < s->bucket_count; k++) {
        bucket_t *b = &s->buckets[k];
        b->t0_ns = mon_state_get_time(in);
        for (int q = 0; q < Q_ORBIT; q++) {
            b->sum[q] = mon_state_get_f32(in);
            b->n[q] = mon_state_get_u16(in);
        }
        b->soc_min = mon_state_get_f32(in);
        b->kp_max = mon_state_get_f32(in);
        b->n_known = mon_state_get_u16(in);
        b->n_active = mon_state_get_u16(in);
    }
    if (mon_state_get_u32(in) != C_COUNT) {
        mon_state_in_fail(in, "%s: another number of alert conditions", s->cfg->name);
        return -1;
    }
    for (int c = 0; c < C_COUNT; c++)
        get_alert(in, &s->alert[c]);
    get_sw(in, &s->sw);
    s->density = mon_state_get_f64(in);
    s->drag_n = mon_state_get_f64(in);
    return in->why ? -1 : 0;
}

void mon_monitor_state_save(const mon_monitor_t *m, mon_state_out_t *o) {
    mon_state_put_i64(o, m->now_ns);
    mon_state_put_i64(o, m->start_ns);
    mon_state_put_i64(o, m->last_tick_ns);
    mon_state_put_u64(o, m->next_number);
    put_stats(o, &m->st);
    mon_state_put_u64(o, m->n_sc);
    for (size_t k = 0; k < m->n_sc; k++)
        put_sc(o, &m->sc[k]);
}

int mon_monitor_state_load(mon_monitor_t *m, mon_state_in_t *in) {
    m->now_ns = mon_state_get_time(in);
    m->start_ns = mon_state_get_time(in);
    m->last_tick_ns = mon_state_get_time(in);
    m->next_number = mon_state_get_u64(in);
    get_stats(in, &m->st);
    if (!get_same(in, m->n_sc, "spacecraft"))
        return -1;
    for (size_t k = 0; k < m->n_sc; k++)
        if (get_sc(in, &m->sc[k]) != 0)
            return -1;
    return in->why ? -1 : 0;
}
