/* mon/monitor.h: the station-keeping monitor core (DESIGN section 8): per-spacecraft state
 * fed with telemetry samples by role, orbit-mean altitude and decay, the atmosphere model
 * with space weather, the altitude-loss, thrust-shortfall, power-overdraw and staleness
 * checks, and the alert life cycle. Runs on the caller's clock (packet time), so the same
 * samples always give the same events. No I/O; no allocation after mon_monitor_new. */
#ifndef MON_MONITOR_H
#define MON_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mon/alert.h"
#include "mon/config.h"
#include "mon/spacewx.h"

typedef struct mon_monitor mon_monitor_t;

/* Evidence behind an alert event (proto vleo.v1.Evidence). */
typedef struct {
    const char *model;    /* atmosphere model name */
    double density_kg_m3; /* at the latest evaluation (orbit-mean drag uses every one) */
    double f107, f107a, kp, ap;
    bool sw_predicted, sw_gap, sw_beyond;
    const char *sw_source; /* file name, or "config" */
    char sw_rows[96];      /* e.g. "F10.7 OBS 2024-05-10, Kp PRD 2024-05-11" */
    double kp_lag_h;
    double altitude_km; /* orbit-mean altitude (or latest when no fit yet) */
    double band_pct;
    double decay_sigma_km_day;
    double drag_mn, thrust_mn;
    double window_s;
    char note[160];
} mon_evidence_t;

/* One alert event, valid during the callback. */
typedef struct {
    const char *spacecraft;
    mon_kind_t kind;
    const char *condition; /* "decay", "floor", "drag", "command", "supply", "thruster",
                              "load", "soc", "telemetry" */
    char id[128];          /* "<spacecraft>/<kind>/<condition>/<serial>", stable per alert */
    mon_alert_event_t ev;
    const char *unit;
    char message[256];
    mon_evidence_t evidence;
} mon_event_t;

typedef void (*mon_event_fn)(void *ctx, const mon_event_t *ev);

/* Counters (MonitorStats). */
typedef struct {
    uint64_t samples;            /* values taken by a role */
    uint64_t samples_stale_time; /* older than that role's newest sample: ignored */
    uint64_t samples_not_number; /* value of a kind that is not a number or bool */
    uint64_t samples_invalid;    /* NaN/inf, or marked invalid by the decoder */
    uint64_t evaluations;        /* check cycles run */
    uint64_t density_errors;     /* model evaluations refused (out of range, bad input) */
    uint64_t sw_predicted;       /* evaluations that used predicted space weather */
    uint64_t sw_gaps;            /* evaluations that met a missing row or field */
    uint64_t alerts_raised, alerts_updated, alerts_cleared;
} mon_monitor_stats_t;

/* cfg and sw must outlive the monitor (sw may be NULL: the config's constants are used, and
 * may be replaced with mon_monitor_set_space_weather). Returns NULL with a message in err. */
mon_monitor_t *mon_monitor_new(const mon_config_t *cfg, const mon_sw_t *sw, const char *sw_source,
                               mon_event_fn fn, void *ctx, char *err, size_t errlen);
void mon_monitor_destroy(mon_monitor_t **m_p);

/* Swap the space-weather table (after a reload); the old one may be freed on return. */
void mon_monitor_set_space_weather(mon_monitor_t *m, const mon_sw_t *sw, const char *sw_source);

/* The spacecraft index of a name, or -1 when the configuration has no such spacecraft. */
int mon_monitor_spacecraft(const mon_monitor_t *m, const char *name, size_t len);
/* The role of a qualified parameter name for spacecraft sc, or -1 when it plays none. */
int mon_monitor_role(const mon_monitor_t *m, int sc, const char *param, size_t len);

/* A sample of spacecraft sc's role at packet time t_ns (UTC Unix ns). Samples of one packet
 * are given together, then mon_monitor_packet_end() runs the checks when they are due. */
void mon_monitor_sample(mon_monitor_t *m, int sc, mon_role_t role, int64_t t_ns, double value);
void mon_monitor_packet_end(mon_monitor_t *m, int sc, int64_t t_ns);
/* Count a role's value that was not a number (string, bytes, time). */
void mon_monitor_note_not_number(mon_monitor_t *m);

/* Advance the clock (replay: to packet time; live mode: packet time plus the wall time since
 * the last packet) and evaluate every spacecraft that is due, so that silent ones raise
 * TELEMETRY_STALE. Never moves the clock back; work is done at most once per second of
 * clock. */
void mon_monitor_tick(mon_monitor_t *m, int64_t now_ns);

int64_t mon_monitor_now(const mon_monitor_t *m); /* the clock: newest time seen, or 0 */
const mon_monitor_stats_t *mon_monitor_stats(const mon_monitor_t *m);
size_t mon_monitor_active_alerts(const mon_monitor_t *m);
size_t mon_monitor_spacecraft_count(const mon_monitor_t *m);
/* When spacecraft sc was last evaluated (its events carry such times), or 0. */
int64_t mon_monitor_last_evaluation(const mon_monitor_t *m, int sc);

#endif
