/* mon/report.h: alert events and monitor counters in their published forms: vleo.v1.Alert
 * on alert/<spacecraft>/<kind> and MonitorStats on stats/monitor (DESIGN sections 4-5), and
 * the operators' JSON lines (section 6). Writes into caller buffers; no I/O. */
#ifndef MON_REPORT_H
#define MON_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mon/feed.h"
#include "mon/monitor.h"

/* "alert/<spacecraft>/<kind>". Returns the length (0 when it does not fit). */
size_t mon_event_topic(const mon_event_t *e, char *buf, size_t cap);

/* The event as a packed vleo.v1.Alert. Returns the length, or 0 when it does not fit. */
size_t mon_event_pack(const mon_event_t *e, uint64_t session_id, uint64_t message_seq, uint8_t *buf,
                      size_t cap);

/* The event as one JSON object (no newline): id, spacecraft, kind, condition, severity,
 * state, onset, time, measured, expected, threshold, unit, projected (when there is one),
 * message, evidence{...}. Returns the length, or 0 when it does not fit. */
size_t mon_event_json(const mon_event_t *e, char *buf, size_t cap);

/* Every counter by name: the monitor's, the feed's (when f is not NULL), then `extra`. */
#define MON_MAX_COUNTERS 64
size_t mon_counters(const mon_monitor_t *m, const mon_feed_t *f, const char **names,
                    uint64_t *values, size_t cap);

/* MonitorStats packed (final: the last one, at exit). messages = messages the feed was
 * offered (or 0 without one). */
size_t mon_stats_pack(const mon_monitor_t *m, const mon_feed_t *f, const char *const *xnames,
                      const uint64_t *xvalues, size_t nx, int64_t time_utc_ns, uint64_t session_id,
                      uint64_t message_seq, bool final, uint8_t *buf, size_t cap);

#endif
