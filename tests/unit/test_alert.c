/* test_alert.c: alert life cycle (mon/alert.h): minimum duration, hysteresis,
 * escalation, downgrade, rate-limited updates, serial numbers, no duplicate
 * events. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "mon/alert.h"

#define S(x) ((int64_t)(x)*1000000000LL)

static mon_alert_t a;
static uint64_t next_no;
static mon_alert_event_t ev;

static void setup(double min_dur, double interval, double pct) {
    mon_alert_opts_t o = {
        .min_duration_s = min_dur, .update_interval_s = interval, .update_change_pct = pct};
    mon_alert_init(&a, &o);
    next_no = 1;
    memset(&ev, 0, sizeof ev);
}

static mon_alert_input_t input(mon_sev_t lv, bool clear, double measured) {
    return (mon_alert_input_t){.level = lv,
                               .clear = clear,
                               .measured = measured,
                               .expected = 2.0,
                               .threshold = 50.0,
                               .projected_ns = S(123456)};
}

/* One step at t seconds on alert x; true when an event came out (in ev). */
static bool stepx(mon_alert_t *x, int64_t t, mon_sev_t lv, bool clear, double m) {
    mon_alert_input_t in = input(lv, clear, m);
    memset(&ev, 0, sizeof ev);
    return mon_alert_step(x, S(t), &in, &next_no, &ev);
}

static bool step(int64_t t, mon_sev_t lv, bool clear, double m) {
    return stepx(&a, t, lv, clear, m);
}

/* Steps every 10 s from t0 to t1 inclusive at one level; asserts that none
 * gives an event. */
static void quiet(int64_t t0, int64_t t1, mon_sev_t lv, bool clear, double m) {
    for (int64_t t = t0; t <= t1; t += 10)
        cr_assert_not(step(t, lv, clear, m), "unexpected %s at t=%lld s",
                      mon_ev_state_str(ev.state), (long long)t);
}

/* Raise a WARNING at 0..60 s (measured 100); the RAISED event is at t=60. */
static void raise_warning(void) {
    quiet(0, 50, MON_SEV_WARNING, false, 100.0);
    cr_assert(step(60, MON_SEV_WARNING, false, 100.0));
    cr_assert_eq(ev.state, MON_EV_RAISED);
}

Test(alert, raises_exactly_when_min_duration_has_elapsed) {
    setup(60, 300, 10);
    quiet(0, 0, MON_SEV_WARNING, false, 70.0);
    quiet(10, 10, MON_SEV_CRITICAL, false, 90.0);
    quiet(20, 50, MON_SEV_WARNING, false, 80.0);
    cr_assert_eq(a.pending_level, MON_SEV_CRITICAL, "the highest level seen while pending");
    cr_assert_eq(a.pending_since_ns, S(0));
    cr_assert(step(60, MON_SEV_WARNING, false, 81.0));
    cr_assert_eq(ev.state, MON_EV_RAISED);
    cr_assert_eq(ev.severity, MON_SEV_WARNING, "severity of the level at the raise");
    cr_assert_eq(ev.number, 1);
    cr_assert_eq(next_no, 2);
    cr_assert_eq(ev.onset_ns, S(0));
    cr_assert_eq(ev.time_ns, S(60));
    cr_assert_float_eq(ev.measured, 81.0, 0.0);
    cr_assert_float_eq(ev.expected, 2.0, 0.0);
    cr_assert_float_eq(ev.threshold, 50.0, 0.0);
    cr_assert_eq(ev.projected_ns, S(123456));
    cr_assert(a.active);
    cr_assert_eq(a.pending_since_ns, -1);
}

Test(alert, unaligned_samples_raise_at_the_first_one_past_min_duration) {
    setup(60, 300, 10);
    cr_assert_not(step(5, MON_SEV_WARNING, false, 1.0));
    cr_assert_not(step(37, MON_SEV_WARNING, false, 1.0));
    cr_assert_not(step(64, MON_SEV_WARNING, false, 1.0), "59 s held");
    cr_assert(step(66, MON_SEV_WARNING, false, 1.0), "61 s held");
    cr_assert_eq(ev.onset_ns, S(5));
    /* Nanosecond exactness: 60 s minus 1 ns is not enough. */
    setup(60, 300, 10);
    mon_alert_input_t in = input(MON_SEV_CRITICAL, false, 1.0);
    cr_assert_not(mon_alert_step(&a, S(1000), &in, &next_no, &ev));
    cr_assert_not(mon_alert_step(&a, S(1060) - 1, &in, &next_no, &ev));
    cr_assert(mon_alert_step(&a, S(1060), &in, &next_no, &ev));
    cr_assert_eq(ev.severity, MON_SEV_CRITICAL);
}

Test(alert, one_noisy_sample_or_a_short_run_does_not_raise) {
    setup(60, 300, 10);
    quiet(0, 90, MON_SEV_NONE, false, 10.0);
    quiet(100, 100, MON_SEV_CRITICAL, false, 500.0);
    quiet(110, 190, MON_SEV_NONE, true, 10.0);
    quiet(200, 250, MON_SEV_WARNING, false, 60.0); /* 50 s: one step short */
    quiet(260, 260, MON_SEV_NONE, false, 10.0);
    cr_assert_eq(a.pending_since_ns, -1, "the run was forgotten");
    quiet(270, 320, MON_SEV_WARNING, false, 60.0);
    cr_assert(step(330, MON_SEV_WARNING, false, 60.0));
    cr_assert_eq(ev.state, MON_EV_RAISED);
    cr_assert_eq(ev.onset_ns, S(270), "onset is the start of the run that raised");
    cr_assert_eq(next_no, 2, "no number spent on the runs that did not raise");
}

Test(alert, a_noisy_dip_does_not_clear_and_clear_takes_min_duration) {
    setup(60, 300, 10);
    raise_warning();
    quiet(70, 70, MON_SEV_NONE, true, 5.0); /* one clear sample */
    quiet(80, 100, MON_SEV_WARNING, false, 100.0);
    quiet(110, 160, MON_SEV_NONE, true, 5.0); /* 50 s of clear */
    quiet(170, 170, MON_SEV_WARNING, false, 100.0);
    quiet(180, 230, MON_SEV_NONE, true, 5.0);
    cr_assert_eq(a.pending_since_ns, S(180));
    cr_assert(step(240, MON_SEV_NONE, true, 4.0));
    cr_assert_eq(ev.state, MON_EV_CLEARED);
    cr_assert_eq(ev.number, 1, "same number as the RAISED event");
    cr_assert_eq(ev.onset_ns, S(0), "onset kept");
    cr_assert_eq(ev.time_ns, S(240));
    cr_assert_eq(ev.severity, MON_SEV_WARNING, "the severity it had");
    cr_assert_float_eq(ev.measured, 4.0, 0.0);
    cr_assert_not(a.active);
    quiet(250, 1000, MON_SEV_NONE, true, 4.0); /* nothing more */
}

Test(alert, hysteresis_band_keeps_the_alert_and_restarts_the_clear_wait) {
    setup(60, 300, 10);
    raise_warning();
    /* Below the raise level, above the clear level: stays raised, however long.
     */
    quiet(70, 5000, MON_SEV_NONE, false, 40.0);
    cr_assert(a.active);
    cr_assert_eq(a.severity, MON_SEV_WARNING);
    /* A clear run broken by one in-band sample starts over. */
    quiet(5010, 5050, MON_SEV_NONE, true, 5.0);
    quiet(5060, 5060, MON_SEV_NONE, false, 40.0);
    quiet(5070, 5120, MON_SEV_NONE, true, 5.0);
    cr_assert(step(5130, MON_SEV_NONE, true, 5.0));
    cr_assert_eq(ev.state, MON_EV_CLEARED);
    cr_assert_eq(ev.time_ns, S(5130));
}

Test(alert, escalation_is_immediate) {
    setup(60, 300, 10);
    raise_warning();
    cr_assert(step(70, MON_SEV_CRITICAL, false, 300.0));
    cr_assert_eq(ev.state, MON_EV_UPDATED);
    cr_assert_eq(ev.severity, MON_SEV_CRITICAL);
    cr_assert_eq(ev.number, 1);
    cr_assert_eq(ev.onset_ns, S(0));
    cr_assert_eq(ev.time_ns, S(70));
    cr_assert_float_eq(ev.measured, 300.0, 0.0);
    quiet(80, 200, MON_SEV_CRITICAL, false, 300.0);
}

Test(alert, escalation_during_a_pending_clear_is_immediate_too) {
    setup(60, 300, 10);
    raise_warning();
    quiet(70, 100, MON_SEV_NONE, true, 5.0);
    cr_assert(step(110, MON_SEV_CRITICAL, false, 300.0));
    cr_assert_eq(ev.severity, MON_SEV_CRITICAL);
    cr_assert_eq(a.pending_since_ns, -1, "the clear wait ended");
}

Test(alert, downgrade_after_min_duration_and_restarts_when_broken) {
    setup(60, 300, 10);
    raise_warning();
    cr_assert(step(70, MON_SEV_CRITICAL, false, 300.0));
    quiet(80, 120, MON_SEV_WARNING, false, 100.0);   /* 40 s lower */
    quiet(130, 130, MON_SEV_CRITICAL, false, 300.0); /* breaks it */
    quiet(140, 180, MON_SEV_WARNING, false, 100.0);
    quiet(190, 190, MON_SEV_NONE, false, 40.0); /* in-band: also breaks a downgrade */
    quiet(200, 250, MON_SEV_WARNING, false, 100.0);
    cr_assert(step(260, MON_SEV_WARNING, false, 99.0));
    cr_assert_eq(ev.state, MON_EV_UPDATED);
    cr_assert_eq(ev.severity, MON_SEV_WARNING);
    cr_assert_eq(ev.time_ns, S(260));
    cr_assert_eq(ev.onset_ns, S(0));
    cr_assert_eq(ev.number, 1);
    cr_assert_float_eq(ev.measured, 99.0, 0.0);
    quiet(270, 400, MON_SEV_WARNING, false, 99.0);
}

Test(alert, a_downgrade_wait_then_a_clear_wait_each_take_the_full_duration) {
    setup(60, 300, 10);
    quiet(0, 50, MON_SEV_CRITICAL, false, 300.0);
    cr_assert(step(60, MON_SEV_CRITICAL, false, 300.0));
    cr_assert_eq(ev.severity, MON_SEV_CRITICAL);
    quiet(70, 100, MON_SEV_WARNING, false, 100.0);
    quiet(110, 160, MON_SEV_NONE, true, 5.0); /* the clear wait starts at 110, not 70 */
    cr_assert(step(170, MON_SEV_NONE, true, 5.0));
    cr_assert_eq(ev.state, MON_EV_CLEARED);
    cr_assert_eq(ev.severity, MON_SEV_CRITICAL);
}

Test(alert, updates_are_rate_limited_and_need_a_real_change) {
    setup(60, 300, 10);
    raise_warning();                                /* at 60 s, measured 100 */
    quiet(70, 1000, MON_SEV_WARNING, false, 109.0); /* 9 %: never enough */
    setup(60, 300, 10);
    raise_warning();
    quiet(70, 350, MON_SEV_WARNING, false, 120.0); /* enough, but within 300 s */
    cr_assert(step(360, MON_SEV_WARNING, false, 120.0));
    cr_assert_eq(ev.state, MON_EV_UPDATED);
    cr_assert_eq(ev.severity, MON_SEV_WARNING);
    cr_assert_float_eq(ev.measured, 120.0, 0.0);
    /* Now relative to 120 and to 360 s: 131 is 9.2 %, 132 is exactly 10 %. */
    quiet(370, 700, MON_SEV_WARNING, false, 131.0);
    cr_assert(step(710, MON_SEV_WARNING, false, 132.0));
    cr_assert_eq(ev.time_ns, S(710));
    quiet(720, 1000, MON_SEV_WARNING, false, 500.0); /* the interval counts from 710 */
    cr_assert(step(1010, MON_SEV_WARNING, false, 500.0));
}

Test(alert, update_change_relative_to_the_threshold_when_the_last_value_was_zero) {
    setup(0, 0, 10);
    cr_assert(step(0, MON_SEV_WARNING, false, 0.0));
    cr_assert_eq(ev.state, MON_EV_RAISED, "min_duration 0 raises at once");
    cr_assert_not(step(10, MON_SEV_WARNING, false, 4.9), "9.8 %% of the threshold 50");
    cr_assert(step(20, MON_SEV_WARNING, false, -5.0), "10 %% of the threshold, either sign");
    cr_assert_not(step(30, MON_SEV_WARNING, false, -5.0), "no change, no event");
}

Test(alert, clear_then_a_new_raise_gets_a_new_number) {
    setup(60, 300, 10);
    raise_warning();
    quiet(70, 120, MON_SEV_NONE, true, 5.0);
    cr_assert(step(130, MON_SEV_NONE, true, 5.0));
    cr_assert_eq(ev.state, MON_EV_CLEARED);
    quiet(140, 190, MON_SEV_CRITICAL, false, 300.0);
    cr_assert(step(200, MON_SEV_CRITICAL, false, 300.0));
    cr_assert_eq(ev.state, MON_EV_RAISED);
    cr_assert_eq(ev.number, 2);
    cr_assert_eq(ev.onset_ns, S(140), "a fresh onset");
    cr_assert_eq(ev.severity, MON_SEV_CRITICAL);
}

Test(alert, numbers_are_shared_through_next_number) {
    mon_alert_t b;
    setup(60, 300, 10);
    mon_alert_init(&b, &a.o);
    next_no = 41;
    for (int64_t t = 0; t < 60; t += 10) {
        cr_assert_not(stepx(&a, t, MON_SEV_WARNING, false, 1.0));
        cr_assert_not(stepx(&b, t + 5, MON_SEV_WARNING, false, 1.0));
    }
    cr_assert(stepx(&a, 60, MON_SEV_WARNING, false, 1.0));
    cr_assert_eq(ev.number, 41);
    cr_assert(stepx(&b, 65, MON_SEV_WARNING, false, 1.0));
    cr_assert_eq(ev.number, 42);
    cr_assert_not(stepx(&a, 70, MON_SEV_NONE, true, 0.0));
    for (int64_t t = 80; t < 130; t += 10)
        cr_assert_not(stepx(&a, t, MON_SEV_NONE, true, 0.0));
    cr_assert(stepx(&a, 130, MON_SEV_NONE, true, 0.0));
    cr_assert_eq(ev.state, MON_EV_CLEARED);
    cr_assert_eq(ev.number, 41);
    for (int64_t t = 140; t < 200; t += 10)
        cr_assert_not(stepx(&a, t, MON_SEV_WARNING, false, 1.0));
    cr_assert(stepx(&a, 200, MON_SEV_WARNING, false, 1.0));
    cr_assert_eq(ev.number, 43);
    cr_assert_eq(next_no, 44);
    cr_assert_eq(b.number, 42);
}

Test(alert, a_long_steady_condition_gives_exactly_one_event) {
    int n_ev[4] = {0};
    /* Zero options are the worst case for duplicates: no wait, no interval, no
     * change. */
    const mon_alert_opts_t zero = {0};
    mon_alert_opts_t with = {
        .min_duration_s = 60, .update_interval_s = 300, .update_change_pct = 10};
    const mon_alert_opts_t *os[2] = {&zero, &with};
    for (int k = 0; k < 2; k++) {
        memset(n_ev, 0, sizeof n_ev);
        mon_alert_init(&a, os[k]);
        next_no = 1;
        for (int64_t i = 0; i < 100000; i++) {
            /* measured wanders within +-4 % around 100 */
            double m = 100.0 + 4.0 * (double)((i * 7919) % 200 - 100) / 100.0;
            if (step(i * 10, MON_SEV_CRITICAL, false, k == 0 ? 100.0 : m))
                n_ev[ev.state]++;
        }
        cr_assert_eq(n_ev[MON_EV_RAISED], 1, "opts %d", k);
        cr_assert_eq(n_ev[MON_EV_UPDATED], 0, "opts %d", k);
        cr_assert_eq(n_ev[MON_EV_CLEARED], 0, "opts %d", k);
        cr_assert_eq(next_no, 2);
    }
}

Test(alert, min_duration_zero_raises_and_clears_at_the_first_sample) {
    setup(0, 300, 10);
    cr_assert_not(step(0, MON_SEV_NONE, true, 0.0));
    cr_assert(step(10, MON_SEV_WARNING, false, 60.0));
    cr_assert_eq(ev.state, MON_EV_RAISED);
    cr_assert_eq(ev.onset_ns, S(10));
    cr_assert(step(20, MON_SEV_NONE, true, 1.0));
    cr_assert_eq(ev.state, MON_EV_CLEARED);
    cr_assert_not(step(30, MON_SEV_NONE, true, 1.0));
}

Test(alert, negative_or_nan_options_act_as_zero) {
    mon_alert_opts_t o = {.min_duration_s = -5, .update_interval_s = NAN, .update_change_pct = -1};
    mon_alert_init(&a, &o);
    cr_assert_float_eq(a.o.min_duration_s, 0.0, 0.0);
    cr_assert_float_eq(a.o.update_interval_s, 0.0, 0.0);
    cr_assert_float_eq(a.o.update_change_pct, 0.0, 0.0);
    next_no = 7;
    cr_assert(step(0, MON_SEV_WARNING, false, 1.0));
    cr_assert_eq(ev.number, 7);
}

Test(alert, names) {
    cr_assert_str_eq(mon_kind_str(MON_KIND_ALTITUDE_LOSS), "altitude_loss");
    cr_assert_str_eq(mon_kind_str(MON_KIND_THRUST_SHORTFALL), "thrust_shortfall");
    cr_assert_str_eq(mon_kind_str(MON_KIND_POWER_OVERDRAW), "power_overdraw");
    cr_assert_str_eq(mon_kind_str(MON_KIND_TELEMETRY_STALE), "telemetry_stale");
    cr_assert_str_eq(mon_kind_str((mon_kind_t)99), "unknown");
    cr_assert_str_eq(mon_sev_str(MON_SEV_WARNING), "warning");
    cr_assert_str_eq(mon_sev_str(MON_SEV_CRITICAL), "critical");
    cr_assert_str_eq(mon_sev_str(MON_SEV_NONE), "none");
    cr_assert_str_eq(mon_ev_state_str(MON_EV_RAISED), "raised");
    cr_assert_str_eq(mon_ev_state_str(MON_EV_UPDATED), "updated");
    cr_assert_str_eq(mon_ev_state_str(MON_EV_CLEARED), "cleared");
    cr_assert_str_eq(mon_ev_state_str((mon_ev_state_t)0), "unknown");
}
