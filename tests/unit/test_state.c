/* test_state.c: monitor snapshots (mon/state.h): a monitor saved, destroyed and restored at
 * any point (a raise or a clear pending, an alert active, the decay fit filling, a silence)
 * continues with exactly the events of an uninterrupted run; through the feed, the packets
 * replayed from the start are skipped up to the snapshot, equal times included; events sent
 * after the snapshot by a monitor that was then killed are not sent again; damaged, foreign
 * and mismatched snapshots are refused with exact messages; a failed write leaves the
 * previous snapshot as it was. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mon/atmos.h"
#include "mon/config.h"
#include "mon/feed.h"
#include "mon/geo.h"
#include "mon/monitor.h"
#include "mon/report.h"
#include "mon/state.h"
#include "mon/trend.h"
#include "monsynth.h"
#include "vleo.pb-c.h"
#include "vleo/timescale.h"

#define NS_S 1000000000LL
#define CONFIG_ID 0x1234567890ABCDEFull

/* --- a synthetic spacecraft ------------------------------------------------------------ */

static int64_t T0; /* 2026-03-01T00:00:00Z */

static void make_cfg(mon_config_t *cfg, mon_sc_cfg_t *sc, const char *name) {
    cr_assert_eq(vleo_parse_iso8601("2026-03-01T00:00:00Z", &T0), 0);
    ms_base_config(cfg, sc, name, "/S");
}

/* Faults of a run (times in seconds from T0; 1e30 = never). */
typedef struct {
    double thrust_factor, fault_from, fault_to; /* delivered / commanded in between */
    double decay_km_day, decay_from;            /* unmodelled decay */
    double silent_from, silent_to;              /* no telemetry */
} scen_t;

static scen_t scen_nominal(void) {
    scen_t s = {.thrust_factor = 1.0,
                .fault_from = 1e30,
                .fault_to = 1e30,
                .decay_from = 1e30,
                .silent_from = 1e30,
                .silent_to = 1e30};
    return s;
}

/* One telemetry time: every role's value, or silence. */
typedef struct {
    int64_t t;
    bool silent;
    double v[MON_ROLE_COUNT];
} step_t;

static uint64_t rng_state;
static double noise(void) {
    return ms_gauss(&rng_state);
}

static double drag_mn(const mon_sc_cfg_t *sc, double alt_km, int64_t t) {
    double d = ms_model_drag_mn(sc, alt_km, t);
    cr_assert(isfinite(d), "model drag at %.1f km", alt_km);
    return d;
}

/* Station keeping at 250 km: the command is the previous orbit's mean drag; eclipses drain
 * the battery; the faults of s on top. */
static step_t *generate(const mon_sc_cfg_t *sc, const scen_t *s, double hours, double step_s,
                        size_t *n_out) {
    rng_state = 0x243F6A8885A308D3ull;
    const double P = mon_orbit_period_s(250.0);
    size_t n = (size_t)(hours * 3600.0 / step_s);
    step_t *out = calloc(n, sizeof *out);
    cr_assert_not_null(out);
    double cmd = drag_mn(sc, 250.0, T0), drag_sum = 0, battery = sc->battery_capacity_wh;
    double lost_km = 0, next_orbit = P;
    int drag_n = 0;
    for (size_t i = 0; i < n; i++) {
        double ts = (double)i * step_s;
        step_t *o = &out[i];
        o->t = T0 + (int64_t)(ts * 1e9);
        double u = 2 * MON_PI * ts / P;
        if (ts >= s->decay_from)
            lost_km += s->decay_km_day * step_s / 86400.0;
        double h = 250.0 - lost_km;
        drag_sum += drag_mn(sc, h, o->t);
        drag_n++;
        if (ts >= next_orbit) {
            cmd = drag_sum / drag_n;
            drag_sum = 0;
            drag_n = 0;
            next_orbit += P;
        }
        double factor = ts >= s->fault_from && ts < s->fault_to ? s->thrust_factor : 1.0;
        double tpower = cmd / sc->thrust_to_power_mn_per_kw * 1e3 * (1.0 + 0.02 * noise());
        double solar = fmod(ts, P) < 0.65 * P ? 200.0 : 0.0;
        double load = 80.0 + tpower + 2.0 * noise();
        battery =
            fmin(sc->battery_capacity_wh, fmax(0.0, battery + (solar - load) * step_s / 3600));
        o->v[MON_ROLE_ALTITUDE_KM] = h + 8.0 * sin(u) + 12.0 * cos(2 * u + 0.7) + 0.03 * noise();
        o->v[MON_ROLE_THRUST_MN] = cmd * factor * (1.0 + 0.03 * noise());
        o->v[MON_ROLE_THRUST_CMD_MN] = cmd;
        o->v[MON_ROLE_THRUSTER_ON] = 1.0;
        o->v[MON_ROLE_THRUSTER_POWER_W] = tpower;
        o->v[MON_ROLE_SOLAR_POWER_W] = solar;
        o->v[MON_ROLE_LOAD_POWER_W] = load;
        o->v[MON_ROLE_BATTERY_SOC_PCT] = battery / sc->battery_capacity_wh * 100.0;
        o->silent = ts >= s->silent_from && ts < s->silent_to;
    }
    *n_out = n;
    return out;
}

/* --- events ---------------------------------------------------------------------------- */

#define MAX_LINES 4096

typedef struct {
    char *line[MAX_LINES]; /* each event as its JSON line */
    mon_event_t ev[MAX_LINES];
    size_t n;
    mon_state_t *st; /* when set: events replayed after a restart are not "sent" */
    size_t not_sent;
} log_t;

static void on_event(void *ctx, const mon_event_t *e) {
    log_t *x = ctx;
    if (x->st && mon_state_event_replayed(x->st, e)) {
        x->not_sent++;
        return;
    }
    char buf[16384];
    size_t len = mon_event_json(e, buf, sizeof buf);
    cr_assert_gt(len, 0);
    cr_assert_lt(x->n, MAX_LINES);
    x->ev[x->n] = *e;
    x->line[x->n++] = strndup(buf, len);
    if (x->st)
        mon_state_event_sent(x->st, e);
}

static void log_free(log_t *x) {
    for (size_t i = 0; i < x->n; i++)
        free(x->line[i]);
    x->n = 0;
}

static void assert_same_events(const log_t *ref, const log_t *got) {
    cr_assert_eq(got->n, ref->n, "%zu events, the uninterrupted run gave %zu", got->n, ref->n);
    for (size_t i = 0; i < ref->n; i++)
        cr_assert_str_eq(got->line[i], ref->line[i], "event %zu differs", i);
}

/* Index of the first event with this condition and state (or SIZE_MAX). */
static size_t find(const log_t *x, const char *cond, mon_ev_state_t state) {
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->ev[i].condition, cond) == 0 && x->ev[i].ev.state == state)
            return i;
    return SIZE_MAX;
}

/* --- driving the core ------------------------------------------------------------------ */

static void drive(mon_monitor_t *m, const mon_sc_cfg_t *sc, const step_t *s, size_t from,
                  size_t to) {
    for (size_t i = from; i < to; i++) {
        if (!s[i].silent) {
            for (int r = 0; r < MON_ROLE_COUNT; r++)
                if (sc->param[r][0])
                    mon_monitor_sample(m, 0, (mon_role_t)r, s[i].t, s[i].v[r]);
            mon_monitor_packet_end(m, 0, s[i].t);
        }
        mon_monitor_tick(m, s[i].t);
    }
}

static char path[128], tmp_path[160], journal_path[160];

static void paths(void) {
    snprintf(path, sizeof path, "/tmp/vleo-test-state-%d.snap", (int)getpid());
    snprintf(tmp_path, sizeof tmp_path, "%s.tmp", path);
    snprintf(journal_path, sizeof journal_path, "%s.journal", path);
    unlink(path);
    unlink(tmp_path);
    unlink(journal_path);
}

static void unpaths(void) {
    unlink(path);
    rmdir(tmp_path);
    unlink(tmp_path);
    unlink(journal_path);
}

static mon_monitor_t *new_monitor(const mon_config_t *cfg, log_t *x) {
    char err[256];
    mon_monitor_t *m = mon_monitor_new(cfg, NULL, NULL, on_event, x, err, sizeof err);
    cr_assert_not_null(m, "%s", err);
    return m;
}

static mon_state_t *new_state(uint64_t id) {
    char err[256];
    mon_state_t *st = mon_state_new(path, id, 60.0, err, sizeof err);
    cr_assert_not_null(st, "%s", err);
    return st;
}

/* Save, destroy everything, make a new monitor from the configuration and load. */
static void restart(mon_monitor_t **m, mon_feed_t **f, const mon_config_t *cfg, log_t *x) {
    char err[512];
    mon_state_t *st = new_state(CONFIG_ID);
    cr_assert_eq(mon_state_save(st, *m, f ? *f : NULL, err, sizeof err), MON_STATE_OK, "%s", err);
    mon_state_destroy(&st);
    mon_feed_destroy(f ? f : &(mon_feed_t *){NULL});
    mon_monitor_destroy(m);
    *m = new_monitor(cfg, x);
    if (f) {
        *f = mon_feed_new(*m, 1 << 20);
        cr_assert_not_null(*f);
    }
    st = new_state(CONFIG_ID);
    cr_assert_eq(mon_state_load(st, *m, f ? *f : NULL, err, sizeof err), MON_STATE_OK, "%s", err);
    mon_state_destroy(&st);
}

/* The run split at the given step indexes (ascending), restarting at each. */
static void run_split(const mon_config_t *cfg, const step_t *s, size_t n, const size_t *cuts,
                      size_t n_cuts, log_t *x, mon_monitor_stats_t *stats) {
    mon_monitor_t *m = new_monitor(cfg, x);
    size_t at = 0;
    for (size_t k = 0; k <= n_cuts; k++) {
        size_t to = k < n_cuts ? cuts[k] : n;
        drive(m, &cfg->spacecraft[0], s, at, to);
        at = to;
        if (k < n_cuts)
            restart(&m, NULL, cfg, x);
    }
    *stats = *mon_monitor_stats(m);
    mon_monitor_destroy(&m);
}

static size_t step_at(const step_t *s, size_t n, int64_t t) {
    size_t i = 0;
    while (i < n && s[i].t < t)
        i++;
    return i;
}

/* A thruster at 60 % of its command from 12 h to 16 h raises the command, power and drag
 * conditions and clears them. Snapshots: while the command raise waits out min_duration,
 * while all three are active, while a clear waits: each event must come exactly once, as
 * in the run without restarts, and the counters must end the same. */
Test(state, restore_continues_with_the_uninterrupted_events, .timeout = 240) {
    paths();
    mon_config_t cfg;
    mon_sc_cfg_t sc;
    make_cfg(&cfg, &sc, "S1");
    scen_t sn = scen_nominal();
    sn.thrust_factor = 0.6;
    sn.fault_from = 12 * 3600.0;
    sn.fault_to = 16 * 3600.0;
    size_t n;
    step_t *s = generate(&sc, &sn, 24.0, 10.0, &n);
    log_t ref = {0};
    mon_monitor_stats_t ref_stats, got_stats;
    run_split(&cfg, s, n, NULL, 0, &ref, &ref_stats);
    size_t rc = find(&ref, "command", MON_EV_RAISED), cc = find(&ref, "command", MON_EV_CLEARED);
    size_t rd = find(&ref, "drag", MON_EV_RAISED), cd = find(&ref, "drag", MON_EV_CLEARED);
    cr_assert(rc != SIZE_MAX && cc != SIZE_MAX && rd != SIZE_MAX && cd != SIZE_MAX);
    cr_assert_eq(ref_stats.alerts_raised, 3, "command, thruster power and drag");
    cr_assert_eq(ref_stats.alerts_cleared, 3);
    const mon_alert_event_t *r = &ref.ev[rc].ev, *c = &ref.ev[cc].ev;
    cr_assert_gt(r->time_ns - r->onset_ns, 60 * NS_S, "the raise waited min_duration");
    size_t cuts[] = {
        step_at(s, n, r->onset_ns + 30 * NS_S), /* command raise pending */
        step_at(s, n, r->time_ns + 20 * NS_S),  /* command raised */
        step_at(s, n, (ref.ev[rd].ev.time_ns + ref.ev[cc].ev.time_ns) / 2), /* all active */
        step_at(s, n, c->time_ns - 60 * NS_S),            /* command clear pending */
        step_at(s, n, ref.ev[cd].ev.time_ns - 30 * NS_S), /* drag clear pending */
    };
    for (size_t k = 1; k < 5; k++)
        cr_assert_gt(cuts[k], cuts[k - 1], "cut %zu", k);
    log_t got = {0};
    run_split(&cfg, s, n, cuts, 5, &got, &got_stats);
    assert_same_events(&ref, &got);
    cr_assert_eq(memcmp(&got_stats, &ref_stats, sizeof ref_stats), 0, "counters");
    log_free(&ref);
    log_free(&got);
    free(s);
    unpaths();
}

/* An unmodelled decay of 6 km/day from 20 h: the altitude-loss alert comes from the decay fit,
 * whose ring, last fit and orbit buckets must all survive restarts every 47 minutes. */
Test(state, restarts_every_47_minutes_keep_the_decay_fit, .timeout = 300) {
    paths();
    mon_config_t cfg;
    mon_sc_cfg_t sc;
    make_cfg(&cfg, &sc, "S1");
    scen_t sn = scen_nominal();
    sn.decay_km_day = 6.0;
    sn.decay_from = 20 * 3600.0;
    size_t n;
    step_t *s = generate(&sc, &sn, 36.0, 10.0, &n);
    log_t ref = {0}, got = {0};
    mon_monitor_stats_t ref_stats, got_stats;
    run_split(&cfg, s, n, NULL, 0, &ref, &ref_stats);
    cr_assert_neq(find(&ref, "decay", MON_EV_RAISED), SIZE_MAX, "the decay raises");
    size_t cuts[64], nc = 0;
    for (size_t i = 282; i < n && nc < 64; i += 282) /* 47 min of 10 s steps */
        cuts[nc++] = i;
    cr_assert_eq(nc, 45);
    run_split(&cfg, s, n, cuts, nc, &got, &got_stats);
    assert_same_events(&ref, &got);
    cr_assert_eq(memcmp(&got_stats, &ref_stats, sizeof ref_stats), 0, "counters");
    log_free(&ref);
    log_free(&got);
    free(s);
    unpaths();
}

/* A snapshot in a silence: staleness runs on the clock (ticks), raises and clears when data
 * come back. */
Test(state, a_restart_in_a_silence_keeps_the_stale_alert, .timeout = 120) {
    paths();
    mon_config_t cfg;
    mon_sc_cfg_t sc;
    make_cfg(&cfg, &sc, "S1");
    scen_t sn = scen_nominal();
    sn.silent_from = 3 * 3600.0;
    sn.silent_to = 3 * 3600.0 + 900.0;
    size_t n;
    step_t *s = generate(&sc, &sn, 5.0, 10.0, &n);
    log_t ref = {0}, got = {0};
    mon_monitor_stats_t ref_stats, got_stats;
    run_split(&cfg, s, n, NULL, 0, &ref, &ref_stats);
    size_t ri = find(&ref, "telemetry", MON_EV_RAISED);
    cr_assert_neq(ri, SIZE_MAX);
    cr_assert_neq(find(&ref, "telemetry", MON_EV_CLEARED), SIZE_MAX);
    size_t cuts[] = {step_at(s, n, T0 + (int64_t)(3 * 3600 + 60) * NS_S),
                     step_at(s, n, ref.ev[ri].ev.time_ns + 300 * NS_S)};
    run_split(&cfg, s, n, cuts, 2, &got, &got_stats);
    assert_same_events(&ref, &got);
    cr_assert_eq(memcmp(&got_stats, &ref_stats, sizeof ref_stats), 0, "counters");
    log_free(&ref);
    log_free(&got);
    free(s);
    unpaths();
}

/* --- through the feed ------------------------------------------------------------------ */

/* Each step as two Packets with the same time (thruster, then power and altitude), packed as
 * the decoder would publish them. */
typedef struct {
    uint8_t *body;
    size_t len;
} msg_t;

static msg_t *pack_steps(const mon_sc_cfg_t *sc, const step_t *s, size_t n, size_t *n_msgs) {
    msg_t *out = calloc(2 * n, sizeof *out);
    cr_assert_not_null(out);
    size_t k = 0;
    static const int group[2][5] = {{MON_ROLE_THRUST_MN, MON_ROLE_THRUST_CMD_MN,
                                     MON_ROLE_THRUSTER_ON, MON_ROLE_THRUSTER_POWER_W, -1},
                                    {MON_ROLE_ALTITUDE_KM, MON_ROLE_SOLAR_POWER_W,
                                     MON_ROLE_LOAD_POWER_W, MON_ROLE_BATTERY_SOC_PCT, -1}};
    for (size_t i = 0; i < n; i++) {
        if (s[i].silent)
            continue;
        for (int g = 0; g < 2; g++) {
            Vleo__V1__Packet p = VLEO__V1__PACKET__INIT;
            Vleo__V1__Parameter par[5], *pp[5];
            Vleo__V1__Value val[5];
            size_t np = 0;
            for (int j = 0; group[g][j] >= 0; j++, np++) {
                vleo__v1__parameter__init(&par[np]);
                vleo__v1__value__init(&val[np]);
                val[np].v_case = VLEO__V1__VALUE__V_DOUBLE_VALUE;
                val[np].double_value = s[i].v[group[g][j]];
                par[np].name = (char *)sc->param[group[g][j]];
                par[np].eng = &val[np];
                pp[np] = &par[np];
            }
            p.spacecraft = (char *)sc->name;
            p.has_generation_time_utc_ns = 1;
            p.generation_time_utc_ns = s[i].t;
            p.n_parameters = np;
            p.parameters = pp;
            p.has_session_id = 1;
            p.session_id = 77;
            p.has_message_seq = 1;
            p.message_seq = k + 1;
            out[k].len = vleo__v1__packet__get_packed_size(&p);
            out[k].body = malloc(out[k].len);
            cr_assert_not_null(out[k].body);
            vleo__v1__packet__pack(&p, out[k].body);
            k++;
        }
    }
    *n_msgs = k;
    return out;
}

static void feed_range(mon_feed_t *f, mon_monitor_t *m, const msg_t *msgs, size_t from, size_t to) {
    for (size_t i = from; i < to; i++) {
        mon_feed_message(f, "tm/S1/P", 7, msgs[i].body, msgs[i].len);
        mon_monitor_tick(m, mon_monitor_now(m));
    }
}

/* Resuming a replay: the snapshot falls between the two packets of one time; the restarted
 * monitor is fed every packet again from the first: exactly those before the snapshot are
 * skipped (counted), the second packet of that time is not, and the events and counters end
 * as without the restart. */
Test(state, a_replay_from_the_start_skips_exactly_what_the_snapshot_holds, .timeout = 240) {
    paths();
    mon_config_t cfg;
    mon_sc_cfg_t sc;
    make_cfg(&cfg, &sc, "S1");
    scen_t sn = scen_nominal();
    sn.thrust_factor = 0.6;
    sn.fault_from = 4 * 3600.0;
    sn.fault_to = 6 * 3600.0;
    size_t n, nm;
    step_t *s = generate(&sc, &sn, 10.0, 10.0, &n);
    msg_t *msgs = pack_steps(&sc, s, n, &nm);
    cr_assert_eq(nm, 2 * n);
    log_t ref = {0}, got = {0};
    mon_monitor_t *m = new_monitor(&cfg, &ref);
    mon_feed_t *f = mon_feed_new(m, 1 << 20);
    feed_range(f, m, msgs, 0, nm);
    mon_monitor_stats_t ref_stats = *mon_monitor_stats(m);
    mon_feed_stats_t ref_feed = *mon_feed_stats(f);
    cr_assert_eq(ref_stats.alerts_raised, 3);
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);

    m = new_monitor(&cfg, &got);
    f = mon_feed_new(m, 1 << 20);
    size_t cut = 2 * (size_t)(4.5 * 360) + 1; /* 4 h 30 min: after the first of two packets */
    feed_range(f, m, msgs, 0, cut);
    restart(&m, &f, &cfg, &got);
    feed_range(f, m, msgs, 0, nm); /* the replay again from its start */
    const mon_feed_stats_t *fs = mon_feed_stats(f);
    cr_assert_eq(fs->packets_refused[MON_FEED_BEFORE_SNAPSHOT], cut);
    cr_assert_eq(fs->by_status[MON_FEED_BEFORE_SNAPSHOT], cut);
    cr_assert_eq(fs->packets, ref_feed.packets, "every packet processed once");
    cr_assert_eq(fs->params_used, ref_feed.params_used);
    cr_assert_eq(fs->messages, ref_feed.messages + cut);
    assert_same_events(&ref, &got);
    cr_assert_eq(memcmp(mon_monitor_stats(m), &ref_stats, sizeof ref_stats), 0, "counters");
    /* The publisher's session went on in the snapshot: the replay restarts its sequence. */
    cr_assert_eq(fs->sessions, 1);
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);
    for (size_t i = 0; i < nm; i++)
        free(msgs[i].body);
    free(msgs);
    log_free(&ref);
    log_free(&got);
    free(s);
    unpaths();
}

/* Killed after the snapshot: the events it sent since are in the journal. The restarted
 * monitor derives them again from the same packets and does not send them twice; what the
 * two runs sent together is exactly the uninterrupted run's events. A record torn by the kill
 * is ignored and later records stay readable. */
Test(state, events_sent_after_the_snapshot_are_not_sent_again, .timeout = 240) {
    paths();
    mon_config_t cfg;
    mon_sc_cfg_t sc;
    make_cfg(&cfg, &sc, "S1");
    scen_t sn = scen_nominal();
    sn.thrust_factor = 0.6;
    sn.fault_from = 4 * 3600.0;
    sn.fault_to = 6 * 3600.0;
    size_t n, nm;
    step_t *s = generate(&sc, &sn, 10.0, 10.0, &n);
    msg_t *msgs = pack_steps(&sc, s, n, &nm);
    log_t ref = {0}, sent = {0};
    mon_monitor_t *m = new_monitor(&cfg, &ref);
    mon_feed_t *f = mon_feed_new(m, 1 << 20);
    feed_range(f, m, msgs, 0, nm);
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);
    cr_assert_eq(ref.n, find(&ref, "drag", MON_EV_CLEARED) + 1, "the drag clear comes last");

    /* Run 1: a snapshot at 3 h, then killed at 5 h 30 min (after 3 raises). */
    char err[512];
    sent.st = new_state(CONFIG_ID);
    m = new_monitor(&cfg, &sent);
    f = mon_feed_new(m, 1 << 20);
    cr_assert_eq(mon_state_save(sent.st, m, f, err, sizeof err), MON_STATE_OK, "%s", err);
    feed_range(f, m, msgs, 0, 2 * 3 * 360);
    cr_assert_eq(mon_state_save(sent.st, m, f, err, sizeof err), MON_STATE_OK, "%s", err);
    cr_assert_eq(mon_state_generation(sent.st), 2);
    cr_assert_eq(sent.n, 0, "nothing before 3 h");
    feed_range(f, m, msgs, 2 * 3 * 360, 2 * 5 * 360 + 2 * 180);
    size_t after_snapshot = sent.n;
    cr_assert_geq(after_snapshot, 3, "%zu events sent after the snapshot", after_snapshot);
    cr_assert_eq(mon_state_stats(sent.st)->events_journaled, after_snapshot);
    mon_state_destroy(&sent.st); /* killed: nothing more written */
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);
    FILE *jf = fopen(journal_path, "ab"); /* a record torn by the kill */
    cr_assert_not_null(jf);
    char torn[70] = "S1/thrust_shortfall/drag/99";
    cr_assert_eq(fwrite(torn, 1, sizeof torn, jf), sizeof torn);
    fclose(jf);

    /* Run 2: from the snapshot, the capture again from the start; killed again at 7 h. */
    sent.st = new_state(CONFIG_ID);
    m = new_monitor(&cfg, &sent);
    f = mon_feed_new(m, 1 << 20);
    cr_assert_eq(mon_state_load(sent.st, m, f, err, sizeof err), MON_STATE_OK, "%s", err);
    cr_assert_eq(mon_state_stats(sent.st)->events_pending, after_snapshot);
    feed_range(f, m, msgs, 0, 2 * 7 * 360);
    cr_assert_eq(sent.not_sent, after_snapshot, "each event already sent is held back once");
    cr_assert_eq(mon_state_stats(sent.st)->events_replayed, after_snapshot);
    cr_assert_eq(mon_state_stats(sent.st)->events_pending, 0);
    size_t sent_by_2 = sent.n - after_snapshot;
    cr_assert_gt(sent_by_2, 0);
    mon_state_destroy(&sent.st);
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);

    /* Run 3: the same snapshot; the journal now holds both runs' events. To the end. */
    sent.not_sent = 0;
    sent.st = new_state(CONFIG_ID);
    m = new_monitor(&cfg, &sent);
    f = mon_feed_new(m, 1 << 20);
    cr_assert_eq(mon_state_load(sent.st, m, f, err, sizeof err), MON_STATE_OK, "%s", err);
    cr_assert_eq(mon_state_stats(sent.st)->events_pending, after_snapshot + sent_by_2);
    feed_range(f, m, msgs, 0, nm);
    cr_assert_eq(sent.not_sent, after_snapshot + sent_by_2);
    cr_assert_eq(mon_state_save(sent.st, m, f, err, sizeof err), MON_STATE_OK, "%s", err);
    mon_state_destroy(&sent.st);
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);
    assert_same_events(&ref, &sent);

    for (size_t i = 0; i < nm; i++)
        free(msgs[i].body);
    free(msgs);
    log_free(&ref);
    log_free(&sent);
    free(s);
    unpaths();
}

/* Journaled events still to come are carried into the next snapshot: a snapshot taken while
 * the restarted monitor has not yet derived them again (here at once, at load) keeps them. */
Test(state, a_snapshot_before_the_replayed_events_carries_them_on, .timeout = 240) {
    paths();
    mon_config_t cfg;
    mon_sc_cfg_t sc;
    make_cfg(&cfg, &sc, "S1");
    scen_t sn = scen_nominal();
    sn.thrust_factor = 0.6;
    sn.fault_from = 4 * 3600.0;
    sn.fault_to = 6 * 3600.0;
    size_t n, nm;
    step_t *s = generate(&sc, &sn, 8.0, 10.0, &n);
    msg_t *msgs = pack_steps(&sc, s, n, &nm);
    log_t ref = {0}, sent = {0};
    mon_monitor_t *m = new_monitor(&cfg, &ref);
    mon_feed_t *f = mon_feed_new(m, 1 << 20);
    feed_range(f, m, msgs, 0, nm);
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);

    char err[512];
    sent.st = new_state(CONFIG_ID);
    m = new_monitor(&cfg, &sent);
    f = mon_feed_new(m, 1 << 20);
    feed_range(f, m, msgs, 0, 2 * 3 * 360);
    cr_assert_eq(mon_state_save(sent.st, m, f, err, sizeof err), MON_STATE_OK, "%s", err);
    feed_range(f, m, msgs, 2 * 3 * 360, 2 * 5 * 360);
    size_t k1 = sent.n;
    cr_assert_geq(k1, 2);
    mon_state_destroy(&sent.st);
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);

    /* Restarted, it saves at once (a clean stop before any packet), then is restarted again. */
    for (int round = 0; round < 2; round++) {
        sent.st = new_state(CONFIG_ID);
        m = new_monitor(&cfg, &sent);
        f = mon_feed_new(m, 1 << 20);
        cr_assert_eq(mon_state_load(sent.st, m, f, err, sizeof err), MON_STATE_OK, "%s", err);
        cr_assert_eq(mon_state_stats(sent.st)->events_pending, k1);
        if (round == 1)
            break;
        cr_assert_eq(mon_state_save(sent.st, m, f, err, sizeof err), MON_STATE_OK, "%s", err);
        mon_state_destroy(&sent.st);
        mon_feed_destroy(&f);
        mon_monitor_destroy(&m);
    }
    feed_range(f, m, msgs, 0, nm);
    cr_assert_eq(sent.not_sent, k1);
    mon_state_destroy(&sent.st);
    mon_feed_destroy(&f);
    mon_monitor_destroy(&m);
    assert_same_events(&ref, &sent);
    for (size_t i = 0; i < nm; i++)
        free(msgs[i].body);
    free(msgs);
    log_free(&ref);
    log_free(&sent);
    free(s);
    unpaths();
}

/* --- refusals -------------------------------------------------------------------------- */

static uint8_t *read_file(const char *p, size_t *len) {
    FILE *fp = fopen(p, "rb");
    cr_assert_not_null(fp, "%s", p);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return b;
}

static void write_file(const char *p, const void *b, size_t len) {
    FILE *fp = fopen(p, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(b, 1, len, fp), len);
    fclose(fp);
}

/* A snapshot of a monitor that has seen a few hours of telemetry. */
static uint8_t *good_snapshot(const mon_config_t *cfg, size_t *len) {
    mon_sc_cfg_t *sc = &cfg->spacecraft[0];
    scen_t sn = scen_nominal();
    size_t n;
    step_t *s = generate(sc, &sn, 2.0, 10.0, &n);
    log_t x = {0};
    mon_monitor_t *m = new_monitor(cfg, &x);
    drive(m, sc, s, 0, n);
    char err[256];
    mon_state_t *st = new_state(CONFIG_ID);
    cr_assert_eq(mon_state_save(st, m, NULL, err, sizeof err), MON_STATE_OK, "%s", err);
    cr_assert_str_eq(err, "");
    mon_state_destroy(&st);
    mon_monitor_destroy(&m);
    free(s);
    return read_file(path, len);
}

/* Load the file at `path` into a fresh monitor; returns the status, message in err. */
static mon_state_status_t try_load(const mon_config_t *cfg, uint64_t id, char *err, size_t cap) {
    log_t x = {0};
    mon_monitor_t *m = new_monitor(cfg, &x);
    mon_state_t *st = new_state(id);
    mon_state_status_t rc = mon_state_load(st, m, NULL, err, cap);
    mon_state_destroy(&st);
    mon_monitor_destroy(&m);
    return rc;
}

Test(state, damaged_foreign_and_mismatched_snapshots_are_refused_with_exact_messages,
     .timeout = 120) {
    paths();
    mon_config_t cfg;
    mon_sc_cfg_t sc;
    make_cfg(&cfg, &sc, "S1");
    size_t len;
    uint8_t *good = good_snapshot(&cfg, &len);
    cr_assert_gt(len, 4000, "%zu octets", len);
    char err[512], want[512];

    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_OK, "%s", err);

    unlink(path);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_NO_FILE);
    snprintf(want, sizeof want, "%s: no snapshot yet", path);
    cr_assert_str_eq(err, want);

    uint8_t *b = malloc(len + 8);
    memcpy(b, good, len);
    b[len / 2] ^= 0x10; /* one bit in the payload */
    write_file(path, b, len);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_CORRUPT);
    snprintf(want, sizeof want, "%s: corrupt: payload CRC mismatch", path);
    cr_assert_str_eq(err, want);

    memcpy(b, good, len);
    b[24] ^= 0x01; /* the generation, in the header */
    write_file(path, b, len);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_CORRUPT);
    snprintf(want, sizeof want, "%s: corrupt: header CRC mismatch", path);
    cr_assert_str_eq(err, want);

    write_file(path, good, len - 10);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_TRUNCATED);
    snprintf(want, sizeof want, "%s: truncated: %zu octets, the header announces %zu", path,
             len - 10, len);
    cr_assert_str_eq(err, want);

    write_file(path, good, 20);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_TRUNCATED);
    snprintf(want, sizeof want, "%s: truncated: 20 octets, shorter than the 48-octet header", path);
    cr_assert_str_eq(err, want);

    write_file(path, good, 5);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_TRUNCATED);

    memcpy(b, good, len);
    memcpy(b + len, "abc", 3);
    write_file(path, b, len + 3);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_CORRUPT);
    snprintf(want, sizeof want, "%s: corrupt: 3 octets after the payload", path);
    cr_assert_str_eq(err, want);

    memcpy(b, good, len);
    b[8] = 2; /* format version 2 */
    write_file(path, b, len);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_BAD_VERSION);
    snprintf(want, sizeof want, "%s: snapshot format version 2; this program reads version 1",
             path);
    cr_assert_str_eq(err, want);

    write_file(path, good, len);
    cr_assert_eq(try_load(&cfg, 0xFEDCBA0987654321ull, err, sizeof err), MON_STATE_WRONG_CONFIG);
    snprintf(want, sizeof want,
             "%s: written under another configuration (identity 1234567890abcdef; this one is "
             "fedcba0987654321)",
             path);
    cr_assert_str_eq(err, want);

    const char *csv = "DATE,BSRN,ND,KP1\n2026-03-01,1,1,1\n";
    write_file(path, csv, strlen(csv));
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_NOT_SNAPSHOT);
    snprintf(want, sizeof want, "%s: not a vleo-monitor state snapshot", path);
    cr_assert_str_eq(err, want);
    write_file(path, "", 0);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_NOT_SNAPSHOT);

    unlink(path);
    cr_assert_eq(mkdir(path, 0700), 0);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_UNREADABLE);
    snprintf(want, sizeof want, "%s: cannot read: Is a directory", path);
    cr_assert_str_eq(err, want);
    rmdir(path);

    /* Intact, but of another spacecraft list under the same identity (a caller's mistake): the
     * content is checked as it is read. */
    write_file(path, good, len);
    mon_config_t cfg2;
    mon_sc_cfg_t sc2;
    make_cfg(&cfg2, &sc2, "S2");
    cr_assert_eq(try_load(&cfg2, CONFIG_ID, err, sizeof err), MON_STATE_INCONSISTENT);
    snprintf(want, sizeof want,
             "%s: section 1 at payload octet 0, octet 136: spacecraft 'S1' where the "
             "configuration has 'S2'",
             path);
    cr_assert_str_eq(err, want);

    free(b);
    free(good);
    unpaths();
}

Test(state, the_configuration_identity_covers_text_and_spacecraft) {
    mon_config_t a, b;
    mon_sc_cfg_t sa, sb;
    make_cfg(&a, &sa, "S1");
    make_cfg(&b, &sb, "S2");
    const char *t1 = "spacecraft: [...]\n", *t2 = "spacecraft: [..]\n";
    uint64_t id = mon_state_config_id(t1, strlen(t1), &a);
    cr_assert_eq(id, mon_state_config_id(t1, strlen(t1), &a));
    cr_assert_neq(id, mon_state_config_id(t2, strlen(t2), &a));
    cr_assert_neq(id, mon_state_config_id(t1, strlen(t1), &b));
    /* FNV-1a 64 of the empty text, the 0xff separator and "S1\0", by hand. */
    uint64_t h = 14695981039346656037ull;
    const uint8_t tail[] = {0xff, 'S', '1', 0};
    for (size_t i = 0; i < sizeof tail; i++)
        h = (h ^ tail[i]) * 1099511628211ull;
    cr_assert_eq(mon_state_config_id("", 0, &a), h);
}

/* A write that fails leaves FILE as it was and no FILE.tmp behind. */
Test(state, a_failed_write_leaves_the_previous_snapshot_intact, .timeout = 120) {
    paths();
    mon_config_t cfg;
    mon_sc_cfg_t sc;
    make_cfg(&cfg, &sc, "S1");
    size_t len;
    uint8_t *good = good_snapshot(&cfg, &len);

    scen_t sn = scen_nominal();
    size_t n;
    step_t *s = generate(&sc, &sn, 3.0, 10.0, &n);
    log_t x = {0};
    mon_monitor_t *m = new_monitor(&cfg, &x);
    drive(m, &sc, s, 0, n);
    mon_state_t *st = new_state(CONFIG_ID);
    char err[512], want[512];

    /* FILE.tmp cannot be made (here: a folder is in its way). */
    cr_assert_eq(mkdir(tmp_path, 0700), 0);
    cr_assert_eq(mon_state_save(st, m, NULL, err, sizeof err), MON_STATE_WRITE_FAILED);
    snprintf(want, sizeof want, "%s: cannot create: File exists", tmp_path);
    cr_assert_str_eq(err, want);
    cr_assert_eq(rmdir(tmp_path), 0);

    /* The file system refuses the data half-way (a file size limit). */
    struct rlimit old, lim;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 1000;
    signal(SIGXFSZ, SIG_IGN);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    mon_state_status_t rc = mon_state_save(st, m, NULL, err, sizeof err);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    cr_assert_eq(rc, MON_STATE_WRITE_FAILED);
    snprintf(want, sizeof want, "%s: cannot write: File too large (%s kept as it was)", tmp_path,
             path);
    cr_assert_str_eq(err, want);
    cr_assert_eq(access(tmp_path, F_OK), -1, "no FILE.tmp left behind");

    /* A folder the monitor may not write in (not for root, who may). */
    if (geteuid() != 0) {
        char dir[128], p2[200];
        snprintf(dir, sizeof dir, "/tmp/vleo-test-state-ro-%d", (int)getpid());
        cr_assert_eq(mkdir(dir, 0700), 0);
        snprintf(p2, sizeof p2, "%s/s.snap", dir);
        mon_state_t *st2 = mon_state_new(p2, CONFIG_ID, 60, err, sizeof err);
        cr_assert_eq(mon_state_save(st2, m, NULL, err, sizeof err), MON_STATE_OK, "%s", err);
        size_t l1;
        uint8_t *before = read_file(p2, &l1);
        chmod(dir, 0500);
        cr_assert_eq(mon_state_save(st2, m, NULL, err, sizeof err), MON_STATE_WRITE_FAILED);
        snprintf(want, sizeof want, "%s.tmp: cannot create: Permission denied", p2);
        cr_assert_str_eq(err, want);
        chmod(dir, 0700);
        size_t l2;
        uint8_t *after = read_file(p2, &l2);
        cr_assert(l1 == l2 && memcmp(before, after, l1) == 0);
        free(before);
        free(after);
        mon_state_destroy(&st2);
        char jp[220];
        snprintf(jp, sizeof jp, "%s.journal", p2);
        unlink(jp);
        unlink(p2);
        rmdir(dir);
    }

    size_t len2;
    uint8_t *now = read_file(path, &len2);
    cr_assert(len2 == len && memcmp(now, good, len) == 0, "the snapshot is the old one");
    cr_assert_eq(mon_state_stats(st)->write_errors, 2);
    cr_assert_eq(mon_state_stats(st)->writes, 0);
    cr_assert_eq(try_load(&cfg, CONFIG_ID, err, sizeof err), MON_STATE_OK, "%s", err);

    /* And the next write that can, does. */
    cr_assert_eq(mon_state_save(st, m, NULL, err, sizeof err), MON_STATE_OK, "%s", err);
    size_t len3;
    uint8_t *newer = read_file(path, &len3);
    cr_assert(len3 != len || memcmp(newer, good, len) != 0);
    free(newer);
    free(now);
    mon_state_destroy(&st);
    mon_monitor_destroy(&m);
    free(s);
    free(good);
    unpaths();
}

/* The snapshot is due every interval of monitor clock, and after MON_STATE_JOURNAL_MAX
 * journaled events whatever the clock. */
Test(state, snapshots_are_due_by_clock_and_by_journal) {
    paths();
    char err[256];
    mon_state_t *st = mon_state_new(path, 1, 60.0, err, sizeof err);
    cr_assert_not_null(st);
    cr_assert_not(mon_state_due(st, 0));
    cr_assert_not(mon_state_due(st, 1000 * NS_S)); /* the count starts */
    cr_assert_not(mon_state_due(st, 1059 * NS_S));
    cr_assert(mon_state_due(st, 1060 * NS_S));
    mon_state_destroy(&st);
    st = mon_state_new(path, 1, 60.0, err, sizeof err);
    mon_event_t e;
    memset(&e, 0, sizeof e);
    e.spacecraft = "S1";
    snprintf(e.id, sizeof e.id, "S1/telemetry_stale/telemetry/1");
    for (unsigned i = 0; i < MON_STATE_JOURNAL_MAX; i++) {
        cr_assert_not(mon_state_due(st, 0));
        mon_state_event_sent(st, &e);
    }
    cr_assert(mon_state_due(st, 0));
    cr_assert_eq(mon_state_stats(st)->journal_errors, MON_STATE_JOURNAL_MAX, "no journal yet");
    cr_assert_null(mon_state_new(path, 1, 0.0, err, sizeof err));
    cr_assert_str_eq(err, "state: a file name and an interval above 0 are needed");
    mon_state_destroy(&st);
    unpaths();
}
