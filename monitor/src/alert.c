/* alert.c: the life of one alert - minimum duration to raise, escalate,
 * downgrade and clear, rate-limited updates, one serial from RAISED to CLEARED
 * (DESIGN section 8). */
#include "mon/alert.h"

#include <math.h>
#include <string.h>

#define NO_PENDING (-1)

/* Options that are negative or NaN act as 0 (raise and clear at the first
 * sample, updates limited only by the change). */
void mon_alert_init(mon_alert_t *a, const mon_alert_opts_t *o) {
    if (a == NULL)
        return;
    memset(a, 0, sizeof *a);
    if (o != NULL)
        a->o = *o;
    if (!(a->o.min_duration_s >= 0.0))
        a->o.min_duration_s = 0.0;
    if (!(a->o.update_interval_s >= 0.0))
        a->o.update_interval_s = 0.0;
    if (!(a->o.update_change_pct >= 0.0))
        a->o.update_change_pct = 0.0;
    a->severity = MON_SEV_NONE;
    a->pending_since_ns = NO_PENDING;
    a->pending_level = MON_SEV_NONE;
}

/* True when now - since >= secs (in ns, without overflow). */
static bool held(int64_t now, int64_t since, double secs) {
    double d;
    if ((since > 0 && now < INT64_MIN + since) || (since < 0 && now > INT64_MAX + since))
        d = (double)now - (double)since;
    else
        d = (double)(now - since);
    return d >= secs * 1e9;
}

static void pending_reset(mon_alert_t *a) {
    a->pending_since_ns = NO_PENDING;
    a->pending_level = MON_SEV_NONE;
}

/* Start (or keep) a pending condition for target level lv: it restarts when the
 * target changes, so a downgrade and a clear never share a start time. */
static void pending_hold(mon_alert_t *a, int64_t now, mon_sev_t lv) {
    if (a->pending_since_ns == NO_PENDING || a->pending_level != lv) {
        a->pending_since_ns = now;
        a->pending_level = lv;
    }
}

static void emit(mon_alert_t *a, mon_ev_state_t st, int64_t now, const mon_alert_input_t *in,
                 mon_alert_event_t *ev) {
    ev->state = st;
    ev->severity = a->severity;
    ev->number = a->number;
    ev->onset_ns = a->onset_ns;
    ev->time_ns = now;
    ev->measured = in->measured;
    ev->expected = in->expected;
    ev->threshold = in->threshold;
    ev->projected_ns = in->projected_ns;
    a->last_event_ns = now;
    a->last_measured = in->measured;
    a->last_in = *in;
}

/* Same severity: has measured moved by update_change_pct % of the last event's
 * value (of |threshold| when that value is 0)? An unchanged value never counts,
 * so a 0 % option means "any change" and never repeats an identical event; NaN
 * never counts. */
static bool moved_enough(const mon_alert_t *a, const mon_alert_input_t *in) {
    double ref = fabs(a->last_measured);
    if (ref == 0.0)
        ref = fabs(in->threshold);
    double d = fabs(in->measured - a->last_measured);
    return d > 0.0 && d * 100.0 >= a->o.update_change_pct * ref; /* exact for round figures */
}

/* Semantics (every rule needs its condition at consecutive steps; one step that
 * breaks it restarts the wait):
 * - inactive: a level other than NONE held for min_duration raises, with the
 * severity of the level at that step, onset = the first step of the run, number
 * = (*next_number)++; pending_level records the highest level seen while
 * waiting;
 * - active, level above the severity: UPDATED at once (escalation);
 * - active, level below the severity but not NONE, held for min_duration:
 * UPDATED (downgrade);
 * - active, level equal: UPDATED when update_interval has passed since the last
 * event and measured moved enough (moved_enough);
 * - active, level NONE and clear held for min_duration: CLEARED with the
 * severity it had; level NONE without clear (the hysteresis band) keeps the
 * alert and stops any wait. The pending_since value -1 means "none", so a
 * condition starting exactly at now_ns == -1 starts one step later. */
bool mon_alert_step(mon_alert_t *a, int64_t now_ns, const mon_alert_input_t *in,
                    uint64_t *next_number, mon_alert_event_t *ev) {
    if (a == NULL || in == NULL || ev == NULL)
        return false;
    mon_sev_t lv = in->level;
    if (lv != MON_SEV_WARNING && lv != MON_SEV_CRITICAL)
        lv = MON_SEV_NONE; /* out-of-range values count as "below the raise levels"
                            */
    double dur = a->o.min_duration_s;

    if (!a->active) {
        if (lv == MON_SEV_NONE) {
            pending_reset(a);
            return false;
        }
        if (a->pending_since_ns == NO_PENDING) {
            a->pending_since_ns = now_ns;
            a->pending_level = lv;
        } else if (lv > a->pending_level) {
            a->pending_level = lv;
        }
        if (!held(now_ns, a->pending_since_ns, dur))
            return false;
        a->active = true;
        a->severity = lv;
        a->onset_ns = a->pending_since_ns;
        a->number = next_number != NULL ? (*next_number)++ : a->number + 1;
        pending_reset(a);
        emit(a, MON_EV_RAISED, now_ns, in, ev);
        return true;
    }

    if (lv > a->severity) {
        pending_reset(a);
        a->severity = lv;
        emit(a, MON_EV_UPDATED, now_ns, in, ev);
        return true;
    }
    if (lv == a->severity) {
        pending_reset(a);
        if (!held(now_ns, a->last_event_ns, a->o.update_interval_s) || !moved_enough(a, in))
            return false;
        emit(a, MON_EV_UPDATED, now_ns, in, ev);
        return true;
    }
    if (lv != MON_SEV_NONE) {
        pending_hold(a, now_ns, lv);
        if (!held(now_ns, a->pending_since_ns, dur))
            return false;
        pending_reset(a);
        a->severity = lv;
        emit(a, MON_EV_UPDATED, now_ns, in, ev);
        return true;
    }
    if (!in->clear) {
        pending_reset(a);
        return false;
    }
    pending_hold(a, now_ns, MON_SEV_NONE);
    if (!held(now_ns, a->pending_since_ns, dur))
        return false;
    pending_reset(a);
    a->active = false;
    emit(a, MON_EV_CLEARED, now_ns, in, ev);
    return true;
}

const char *mon_kind_str(mon_kind_t k) {
    switch (k) {
    case MON_KIND_ALTITUDE_LOSS:
        return "altitude_loss";
    case MON_KIND_THRUST_SHORTFALL:
        return "thrust_shortfall";
    case MON_KIND_POWER_OVERDRAW:
        return "power_overdraw";
    case MON_KIND_TELEMETRY_STALE:
        return "telemetry_stale";
    }
    return "unknown";
}

const char *mon_sev_str(mon_sev_t s) {
    switch (s) {
    case MON_SEV_NONE:
        return "none";
    case MON_SEV_WARNING:
        return "warning";
    case MON_SEV_CRITICAL:
        return "critical";
    }
    return "unknown";
}

const char *mon_ev_state_str(mon_ev_state_t s) {
    switch (s) {
    case MON_EV_RAISED:
        return "raised";
    case MON_EV_UPDATED:
        return "updated";
    case MON_EV_CLEARED:
        return "cleared";
    }
    return "unknown";
}
