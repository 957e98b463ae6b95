/* mon/state.h: the monitor's state snapshot (--state FILE; issue 7 item 3): every piece of
 * per-spacecraft state the checks use, the feed's publisher tracking and resume marks, and the
 * alert events sent since the snapshot, so a monitor restarted in the middle of a replay or a
 * live feed resumes without duplicate or lost alert transitions.
 *
 * FILE: a 48-octet header (magic "VLEOSNAP", format version, the configuration's identity,
 * generation, payload length and CRC-32, header CRC-32), then the payload: tagged sections,
 * all integers little-endian, doubles and floats by their IEEE bit patterns. Written to
 * FILE.tmp, fsync'd, renamed over FILE, and the folder fsync'd: FILE is always the previous
 * snapshot or the new one, whole.
 *
 * FILE.journal: the alert events sent since that snapshot, one fixed 144-octet record each
 * (with its own CRC), appended as they are sent. After a crash the restarted monitor derives
 * the same events again from the same packets; those found in the journal are not sent a
 * second time. The journal is not fsync'd per event: it survives the process being killed,
 * not the machine losing power (then events since the snapshot may be sent twice, never
 * lost).
 *
 * No allocation per packet or per event: buffers are sized in mon_state_new and at load. */
#ifndef MON_STATE_H
#define MON_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mon/config.h"
#include "mon/feed.h"
#include "mon/monitor.h"

#define MON_STATE_VERSION 1u
#define MON_STATE_HEADER_LEN 48u
#define MON_STATE_JOURNAL_MAX 4096u /* events sent before a snapshot is due regardless */

typedef struct mon_state mon_state_t;

typedef enum {
    MON_STATE_OK = 0,
    MON_STATE_NO_FILE,      /* no snapshot yet (FILE does not exist): start fresh */
    MON_STATE_UNREADABLE,   /* FILE cannot be opened or read (permissions, a folder) */
    MON_STATE_NOT_SNAPSHOT, /* no "VLEOSNAP" magic: some other file */
    MON_STATE_BAD_VERSION,  /* written in another format version */
    MON_STATE_TRUNCATED,    /* shorter than its header (or its header's payload length) */
    MON_STATE_CORRUPT,      /* header or payload CRC mismatch, or octets after the payload */
    MON_STATE_WRONG_CONFIG, /* written under another configuration (file or spacecraft list) */
    MON_STATE_INCONSISTENT, /* intact, but its content does not fit this monitor */
    MON_STATE_WRITE_FAILED, /* FILE.tmp could not be written, synced or renamed */
    MON_STATE_STATUS_COUNT
} mon_state_status_t;

const char *mon_state_status_str(mon_state_status_t st); /* "ok", "no_file", ... */

typedef struct {
    uint64_t writes;           /* snapshots written */
    uint64_t write_errors;     /* snapshots that failed (FILE kept as it was) */
    uint64_t journal_errors;   /* journal records that could not be appended */
    uint64_t events_journaled; /* events appended to the journal since the snapshot */
    uint64_t events_replayed;  /* events derived again after a restart and not sent again */
    uint64_t events_pending;   /* journaled events still expected to be derived again */
} mon_state_stats_t;

/* The configuration's identity: FNV-1a 64 of the configuration file's octets, then of each
 * spacecraft name in order. A snapshot is only loaded under the same identity. */
uint64_t mon_state_config_id(const void *config_text, size_t len, const mon_config_t *cfg);
/* The same from the file cfg->path. Returns 0, or -1 with a message naming the file. */
int mon_state_config_id_file(const mon_config_t *cfg, uint64_t *id, char *err, size_t errlen);

/* A snapshot keeper for FILE (path) under configuration identity config_id, due every
 * interval_s seconds of the monitor's clock. Opens nothing yet. NULL with a message in err
 * on bad arguments or no memory. */
mon_state_t *mon_state_new(const char *path, uint64_t config_id, double interval_s, char *err,
                           size_t errlen);
/* Closes the journal. Never writes a snapshot (call mon_state_save first for a clean exit). */
void mon_state_destroy(mon_state_t **st_p);

/* Load FILE into a monitor (and its feed, which may be NULL) that has seen nothing yet, and
 * the journal next to it. MON_STATE_OK: both resume where the snapshot left off, and the
 * feed skips (and counts as MON_FEED_BEFORE_SNAPSHOT) packets of each spacecraft at or
 * before the last one it had processed. MON_STATE_NO_FILE: nothing changed. Any other
 * status: err names FILE and what is wrong; m and f may be partly overwritten and must be
 * destroyed. */
mon_state_status_t mon_state_load(mon_state_t *st, mon_monitor_t *m, mon_feed_t *f, char *err,
                                  size_t errlen);

/* Write a snapshot of m (and f when not NULL) atomically, then start a new journal. On
 * MON_STATE_WRITE_FAILED FILE is left as it was, err says why, and the journal goes on. */
mon_state_status_t mon_state_save(mon_state_t *st, const mon_monitor_t *m, const mon_feed_t *f,
                                  char *err, size_t errlen);

/* True when a snapshot is due: interval_s of monitor clock since the last one (the first
 * call with a clock starts the count), or MON_STATE_JOURNAL_MAX events journaled. */
bool mon_state_due(mon_state_t *st, int64_t now_ns);

/* Call for every event before sending it: true when a monitor killed after the snapshot had
 * already sent this very event (same id, state, severity and time); do not send it again. */
bool mon_state_event_replayed(mon_state_t *st, const mon_event_t *e);
/* Call after an event was sent: appends it to the journal (one write, no allocation). */
void mon_state_event_sent(mon_state_t *st, const mon_event_t *e);

/* What --state does at start-up in the programs: with reset, or when FILE does not exist,
 * start afresh and write a first snapshot at once (so that a crash before the first periodic
 * one still leaves a journal to resume with); otherwise load it. Returns 0 with a line for
 * the log in msg (resumed or afresh), or an exit code with the error in msg:
 * VLEO_EXIT_USAGE (2) for a snapshot refused (damaged, foreign, another version or
 * configuration), VLEO_EXIT_INPUT (3) when FILE cannot be read, VLEO_EXIT_RUNTIME (1) when
 * the first snapshot cannot be written. */
int mon_state_start(mon_state_t *st, mon_monitor_t *m, mon_feed_t *f, bool reset, char *msg,
                    size_t msglen);

/* --state FILE at start-up, whole: the configuration's identity from cfg->path, the keeper
 * (interval_s), then mon_state_start. Returns the keeper with the log line in msg, or NULL
 * with the exit code in *code and the error in msg (a refused snapshot's ends with how
 * --state-reset gets past it). */
mon_state_t *mon_state_open(const char *path, const mon_config_t *cfg, double interval_s,
                            bool reset, mon_monitor_t *m, mon_feed_t *f, int *code, char *msg,
                            size_t msglen);

/* mon_state_save for the programs' periodic and final snapshots: returns true when msg is
 * worth a log line (a note on a snapshot written, or the 1st, 2nd, 4th, 8th... failure, with
 * the count of failures so far), false when there is nothing to say. */
bool mon_state_checkpoint(mon_state_t *st, const mon_monitor_t *m, const mon_feed_t *f, char *msg,
                          size_t msglen);

/* Facts of the snapshot loaded or last written. */
uint64_t mon_state_generation(const mon_state_t *st);
const mon_state_stats_t *mon_state_stats(const mon_state_t *st);

/* --- for the modules that own state (monitor.c, feed.c); not for programs --------------- */

/* Output: a fixed buffer flushed to the file as it fills, with the payload CRC. */
typedef struct {
    uint8_t *buf;
    size_t cap, len;
    int fd;
    uint32_t crc;
    uint64_t total; /* payload octets so far */
    int err_no;     /* first write error (0: none); later puts are dropped */
    const uint32_t *crc_table;
} mon_state_out_t;

/* Input: the payload in memory; the first read past its end (or a bad value reported with
 * mon_state_in_fail) sets why, and every later read returns 0. */
typedef struct {
    const uint8_t *base, *p, *end;
    const char *why; /* NULL while all is well */
    char why_buf[160];
} mon_state_in_t;

void mon_state_put_u8(mon_state_out_t *o, uint8_t v);
void mon_state_put_u16(mon_state_out_t *o, uint16_t v);
void mon_state_put_u32(mon_state_out_t *o, uint32_t v);
void mon_state_put_u64(mon_state_out_t *o, uint64_t v);
void mon_state_put_i64(mon_state_out_t *o, int64_t v);
void mon_state_put_f32(mon_state_out_t *o, float v);
void mon_state_put_f64(mon_state_out_t *o, double v);
void mon_state_put_str(mon_state_out_t *o, const char *s); /* u16 length, then the octets */

uint8_t mon_state_get_u8(mon_state_in_t *in);
uint16_t mon_state_get_u16(mon_state_in_t *in);
uint32_t mon_state_get_u32(mon_state_in_t *in);
uint64_t mon_state_get_u64(mon_state_in_t *in);
int64_t mon_state_get_i64(mon_state_in_t *in);
/* A time (UTC Unix ns): 0 and INT64_MIN (unset) or within +-MON_STATE_TIME_MAX; anything
 * else fails the load (no restored time can overflow the monitor's differences). */
#define MON_STATE_TIME_MAX 4000000000000000000LL /* ns: years 1843-2096 */
int64_t mon_state_get_time(mon_state_in_t *in);
float mon_state_get_f32(mon_state_in_t *in);
double mon_state_get_f64(mon_state_in_t *in);
bool mon_state_get_bool(mon_state_in_t *in); /* a u8 that must be 0 or 1 */
/* A string written by mon_state_put_str into buf (cap > 0, NUL-terminated); too long fails. */
void mon_state_get_str(mon_state_in_t *in, char *buf, size_t cap);
/* Record why the content does not fit (the first reason is kept). */
void mon_state_in_fail(mon_state_in_t *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Implemented by monitor.c and feed.c beside their private state. Loads return 0, or -1 with
 * the reason recorded in `in`. */
void mon_monitor_state_save(const mon_monitor_t *m, mon_state_out_t *o);
int mon_monitor_state_load(mon_monitor_t *m, mon_state_in_t *in);
void mon_feed_state_save(const mon_feed_t *f, mon_state_out_t *o);
int mon_feed_state_load(mon_feed_t *f, mon_state_in_t *in);

#endif
