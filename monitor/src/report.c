/* report.c: alert events and monitor counters as vleo.v1 protobuf and JSON lines (DESIGN
 * sections 4-6). */
#include "mon/report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vleo.pb-c.h"
#include "vleo/json.h"

size_t mon_event_topic(const mon_event_t *e, char *buf, size_t cap) {
    int n = snprintf(buf, cap, "alert/%s/%s", e->spacecraft, mon_kind_str(e->kind));
    return (n > 0 && (size_t)n < cap) ? (size_t)n : 0;
}

static void evidence_fill(const mon_evidence_t *d, Vleo__V1__Evidence *ev) {
#define SETD(field, v)                                                                             \
    do {                                                                                           \
        if (isfinite(v)) {                                                                         \
            ev->has_##field = 1;                                                                   \
            ev->field = (v);                                                                       \
        }                                                                                          \
    } while (0)
    ev->model = (char *)d->model;
    SETD(density_kg_m3, d->density_kg_m3);
    SETD(f107, d->f107);
    SETD(f107a, d->f107a);
    SETD(kp, d->kp);
    SETD(ap, d->ap);
    ev->has_space_weather_predicted = 1;
    ev->space_weather_predicted = d->sw_predicted;
    ev->space_weather_source = (char *)d->sw_source;
    SETD(altitude_km, d->altitude_km);
    if (d->note[0])
        ev->note = (char *)d->note;
    if (d->band_pct > 0)
        SETD(band_pct, d->band_pct);
    if (d->decay_sigma_km_day > 0)
        SETD(decay_sigma_km_day, d->decay_sigma_km_day);
    SETD(drag_mn, d->drag_mn);
    SETD(thrust_mn, d->thrust_mn);
    ev->has_space_weather_gap = 1;
    ev->space_weather_gap = d->sw_gap || d->sw_beyond;
    if (d->sw_rows[0])
        ev->space_weather_rows = (char *)d->sw_rows;
    SETD(kp_lag_h, d->kp_lag_h);
    if (d->window_s > 0)
        SETD(window_s, d->window_s);
#undef SETD
}

size_t mon_event_pack(const mon_event_t *e, uint64_t session_id, uint64_t message_seq, uint8_t *buf,
                      size_t cap) {
    Vleo__V1__Alert a = VLEO__V1__ALERT__INIT;
    Vleo__V1__Evidence ev = VLEO__V1__EVIDENCE__INIT;
    a.id = (char *)e->id;
    a.spacecraft = (char *)e->spacecraft;
    a.has_kind = 1;
    a.kind = (Vleo__V1__AlertKind)e->kind;
    a.has_severity = 1;
    a.severity = (Vleo__V1__Severity)e->ev.severity;
    a.has_state = 1;
    a.state = (Vleo__V1__AlertState)e->ev.state;
    a.has_onset_utc_ns = 1;
    a.onset_utc_ns = e->ev.onset_ns;
    a.has_time_utc_ns = 1;
    a.time_utc_ns = e->ev.time_ns;
    if (isfinite(e->ev.measured)) {
        a.has_measured = 1;
        a.measured = e->ev.measured;
    }
    if (isfinite(e->ev.expected)) {
        a.has_expected = 1;
        a.expected = e->ev.expected;
    }
    if (isfinite(e->ev.threshold)) {
        a.has_threshold = 1;
        a.threshold = e->ev.threshold;
    }
    a.unit = (char *)e->unit;
    a.message = (char *)e->message;
    evidence_fill(&e->evidence, &ev);
    a.evidence = &ev;
    if (e->ev.projected_ns != 0) {
        a.has_projected_crossing_utc_ns = 1;
        a.projected_crossing_utc_ns = e->ev.projected_ns;
    }
    a.has_session_id = 1;
    a.session_id = session_id;
    a.has_message_seq = 1;
    a.message_seq = message_seq;
    a.condition = (char *)e->condition;
    size_t need = vleo__v1__alert__get_packed_size(&a);
    if (need > cap)
        return 0;
    return vleo__v1__alert__pack(&a, buf);
}

static void jw_num(vleo_jw_t *w, const char *key, double v) {
    vleo_jw_key(w, key);
    vleo_jw_f64(w, v); /* NaN and infinities as null */
}

size_t mon_event_json(const mon_event_t *e, char *buf, size_t cap) {
    vleo_jw_t w;
    vleo_jw_init(&w, buf, cap);
    vleo_jw_obj_begin(&w);
    vleo_jw_key(&w, "id");
    vleo_jw_str(&w, e->id);
    vleo_jw_key(&w, "spacecraft");
    vleo_jw_str(&w, e->spacecraft);
    vleo_jw_key(&w, "kind");
    vleo_jw_str(&w, mon_kind_str(e->kind));
    vleo_jw_key(&w, "condition");
    vleo_jw_str(&w, e->condition);
    vleo_jw_key(&w, "severity");
    vleo_jw_str(&w, mon_sev_str(e->ev.severity));
    vleo_jw_key(&w, "state");
    vleo_jw_str(&w, mon_ev_state_str(e->ev.state));
    vleo_jw_key(&w, "onset");
    vleo_jw_time(&w, e->ev.onset_ns);
    vleo_jw_key(&w, "time");
    vleo_jw_time(&w, e->ev.time_ns);
    jw_num(&w, "measured", e->ev.measured);
    jw_num(&w, "expected", e->ev.expected);
    jw_num(&w, "threshold", e->ev.threshold);
    vleo_jw_key(&w, "unit");
    vleo_jw_str(&w, e->unit);
    if (e->ev.projected_ns != 0) {
        vleo_jw_key(&w, "projected");
        vleo_jw_time(&w, e->ev.projected_ns);
    }
    vleo_jw_key(&w, "message");
    vleo_jw_str(&w, e->message);
    const mon_evidence_t *d = &e->evidence;
    vleo_jw_key(&w, "evidence");
    vleo_jw_obj_begin(&w);
    vleo_jw_key(&w, "model");
    vleo_jw_str(&w, d->model);
    jw_num(&w, "density_kg_m3", d->density_kg_m3);
    jw_num(&w, "f107", d->f107);
    jw_num(&w, "f107a", d->f107a);
    jw_num(&w, "kp", d->kp);
    jw_num(&w, "ap", d->ap);
    jw_num(&w, "kp_lag_h", d->kp_lag_h);
    vleo_jw_key(&w, "space_weather");
    vleo_jw_str(&w, d->sw_source);
    vleo_jw_key(&w, "space_weather_rows");
    vleo_jw_str(&w, d->sw_rows);
    vleo_jw_key(&w, "space_weather_predicted");
    vleo_jw_bool(&w, d->sw_predicted);
    vleo_jw_key(&w, "space_weather_gap");
    vleo_jw_bool(&w, d->sw_gap || d->sw_beyond);
    jw_num(&w, "altitude_km", d->altitude_km);
    if (d->band_pct > 0)
        jw_num(&w, "band_pct", d->band_pct);
    if (d->decay_sigma_km_day > 0)
        jw_num(&w, "decay_sigma_km_day", d->decay_sigma_km_day);
    if (isfinite(d->drag_mn))
        jw_num(&w, "drag_mn", d->drag_mn);
    if (isfinite(d->thrust_mn))
        jw_num(&w, "thrust_mn", d->thrust_mn);
    if (d->window_s > 0)
        jw_num(&w, "window_s", d->window_s);
    if (d->note[0]) {
        vleo_jw_key(&w, "note");
        vleo_jw_str(&w, d->note);
    }
    vleo_jw_obj_end(&w);
    vleo_jw_obj_end(&w);
    return w.overflow ? 0 : w.len;
}

size_t mon_counters(const mon_monitor_t *m, const mon_feed_t *f, const char **names,
                    uint64_t *values, size_t cap) {
    size_t n = 0;
#define PUT(nm, v)                                                                                 \
    do {                                                                                           \
        if (n < cap) {                                                                             \
            names[n] = (nm);                                                                       \
            values[n] = (v);                                                                       \
            n++;                                                                                   \
        }                                                                                          \
    } while (0)
    const mon_monitor_stats_t *s = mon_monitor_stats(m);
    PUT("samples", s->samples);
    PUT("samples_stale_time", s->samples_stale_time);
    PUT("samples_not_number", s->samples_not_number);
    PUT("samples_invalid", s->samples_invalid);
    PUT("evaluations", s->evaluations);
    PUT("density_errors", s->density_errors);
    PUT("space_weather_predicted", s->sw_predicted);
    PUT("space_weather_gaps", s->sw_gaps);
    PUT("alerts_raised", s->alerts_raised);
    PUT("alerts_updated", s->alerts_updated);
    PUT("alerts_cleared", s->alerts_cleared);
    PUT("alerts_active", mon_monitor_active_alerts(m));
    if (f) {
        const mon_feed_stats_t *fs = mon_feed_stats(f);
        static const char *const msg_names[MON_FEED_STATUS_COUNT] = {
            [MON_FEED_OK] = "messages_ok",
            [MON_FEED_IGNORED_TOPIC] = "messages_ignored_topic",
            [MON_FEED_UNKNOWN_TOPIC] = "messages_unknown_topic",
            [MON_FEED_BAD_PROTOBUF] = "messages_bad_protobuf",
            [MON_FEED_TOO_BIG] = "messages_too_big",
            [MON_FEED_UNKNOWN_SPACECRAFT] = "messages_unknown_spacecraft",
            [MON_FEED_NO_TIME] = "messages_no_time",
            [MON_FEED_BEFORE_SNAPSHOT] = "messages_before_snapshot"};
        static const char *const pkt_names[MON_FEED_STATUS_COUNT] = {
            [MON_FEED_UNKNOWN_SPACECRAFT] = "packets_unknown_spacecraft",
            [MON_FEED_NO_TIME] = "packets_no_time",
            [MON_FEED_BEFORE_SNAPSHOT] = "packets_before_snapshot"};
        PUT("messages", fs->messages);
        for (int i = 0; i < MON_FEED_STATUS_COUNT; i++)
            PUT(msg_names[i], fs->by_status[i]);
        PUT("packets", fs->packets);
        for (int i = 0; i < MON_FEED_STATUS_COUNT; i++)
            if (pkt_names[i])
                PUT(pkt_names[i], fs->packets_refused[i]);
        PUT("params_used", fs->params_used);
        PUT("params_other", fs->params_other);
        PUT("publisher_sessions", fs->sessions);
        PUT("messages_missing", fs->messages_missing);
    }
#undef PUT
    return n;
}

size_t mon_stats_pack(const mon_monitor_t *m, const mon_feed_t *f, const char *const *xnames,
                      const uint64_t *xvalues, size_t nx, int64_t time_utc_ns, uint64_t session_id,
                      uint64_t message_seq, bool final, uint8_t *buf, size_t cap) {
    const char *names[MON_MAX_COUNTERS + 16];
    uint64_t values[MON_MAX_COUNTERS + 16];
    size_t n = mon_counters(m, f, names, values, MON_MAX_COUNTERS);
    for (size_t i = 0; i < nx && n < MON_MAX_COUNTERS + 16; i++) {
        names[n] = xnames[i];
        values[n++] = xvalues[i];
    }
    Vleo__V1__Counter cs[MON_MAX_COUNTERS + 16];
    Vleo__V1__Counter *cp[MON_MAX_COUNTERS + 16];
    for (size_t i = 0; i < n; i++) {
        vleo__v1__counter__init(&cs[i]);
        cs[i].name = (char *)names[i];
        cs[i].has_value = 1;
        cs[i].value = values[i];
        cp[i] = &cs[i];
    }
    const mon_monitor_stats_t *s = mon_monitor_stats(m);
    Vleo__V1__MonitorStats st = VLEO__V1__MONITOR_STATS__INIT;
    st.has_time_utc_ns = 1;
    st.time_utc_ns = time_utc_ns;
    st.has_messages = 1;
    st.messages = f ? mon_feed_stats(f)->messages : 0;
    st.has_samples = 1;
    st.samples = s->samples;
    st.has_alerts_raised = 1;
    st.alerts_raised = s->alerts_raised;
    st.has_alerts_updated = 1;
    st.alerts_updated = s->alerts_updated;
    st.has_alerts_cleared = 1;
    st.alerts_cleared = s->alerts_cleared;
    st.n_counters = n;
    st.counters = cp;
    st.has_session_id = 1;
    st.session_id = session_id;
    st.has_message_seq = 1;
    st.message_seq = message_seq;
    st.has_final = 1;
    st.final = final;
    if (vleo__v1__monitor_stats__get_packed_size(&st) > cap)
        return 0;
    return vleo__v1__monitor_stats__pack(&st, buf);
}
