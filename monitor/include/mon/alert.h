/* mon/alert.h: the life of one alert (DESIGN section 8): a condition must hold for a
 * minimum duration to raise and its clear condition as long to clear (hysteresis comes from
 * the caller's separate raise and clear levels); RAISED, UPDATED and CLEARED are separate
 * events under one id; no duplicate events. Runs on the caller's clock (packet time in
 * replay), so the same inputs always give the same events. No allocation. */
#ifndef MON_ALERT_H
#define MON_ALERT_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    MON_KIND_ALTITUDE_LOSS = 1, /* numbering as proto vleo.v1.AlertKind */
    MON_KIND_THRUST_SHORTFALL = 2,
    MON_KIND_POWER_OVERDRAW = 3,
    MON_KIND_TELEMETRY_STALE = 4,
} mon_kind_t;

typedef enum { MON_SEV_NONE = 0, MON_SEV_WARNING = 1, MON_SEV_CRITICAL = 2 } mon_sev_t;
typedef enum { MON_EV_RAISED = 1, MON_EV_UPDATED = 2, MON_EV_CLEARED = 3 } mon_ev_state_t;

/* One evaluation of a condition, made by a check. */
typedef struct {
    mon_sev_t level; /* severity the raise levels call for now (NONE: below them) */
    bool clear;      /* the clear level is met (only consulted when level is NONE; between
                        the two levels an alert keeps its state) */
    double measured, expected, threshold; /* the numbers behind it, in `unit` */
    int64_t projected_ns;                 /* projected crossing time (UTC ns), 0 = none */
} mon_alert_input_t;

/* An event to publish. */
typedef struct {
    mon_ev_state_t state;
    mon_sev_t severity;
    uint64_t number;  /* per-alert serial, the same from RAISED to CLEARED */
    int64_t onset_ns; /* when the condition first held (start of the minimum duration) */
    int64_t time_ns;  /* when this event happened */
    double measured, expected, threshold;
    int64_t projected_ns;
} mon_alert_event_t;

typedef struct {
    double min_duration_s;    /* raise and clear only after the condition held this long */
    double update_interval_s; /* at most one UPDATED per interval ... */
    double update_change_pct; /* ... and only when measured moved this much since the last
                                 event, or the severity changed (severity changes are sent
                                 at once, after min_duration for a downgrade) */
} mon_alert_opts_t;

/* State of one (spacecraft, kind) alert. Zero-initialise, then mon_alert_init. */
typedef struct {
    mon_alert_opts_t o;
    bool active;        /* raised and not yet cleared */
    mon_sev_t severity; /* current severity while active */
    uint64_t number;    /* of the active (or last) alert */
    int64_t onset_ns;
    int64_t pending_since_ns; /* raise (or clear, or downgrade) condition holding since; -1 none */
    mon_sev_t pending_level;
    int64_t last_event_ns;
    double last_measured;
    mon_alert_input_t last_in;
} mon_alert_t;

void mon_alert_init(mon_alert_t *a, const mon_alert_opts_t *o);

/* Feed one evaluation at time now_ns (non-decreasing). *next_number supplies serials for
 * new alerts (incremented when one is raised). Returns true and fills *ev when an event is
 * due. */
bool mon_alert_step(mon_alert_t *a, int64_t now_ns, const mon_alert_input_t *in,
                    uint64_t *next_number, mon_alert_event_t *ev);

/* "altitude_loss", "thrust_shortfall", "power_overdraw", "telemetry_stale". */
const char *mon_kind_str(mon_kind_t k);
const char *mon_sev_str(mon_sev_t s);           /* "warning", "critical" */
const char *mon_ev_state_str(mon_ev_state_t s); /* "raised", "updated", "cleared" */

#endif
