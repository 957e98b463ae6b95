/* vleo/timescale.h: UTC, TAI and GPS time scales, leap seconds, ISO 8601 text. */
#ifndef VLEO_TIMESCALE_H
#define VLEO_TIMESCALE_H

#include <stddef.h>
#include <stdint.h>

#define VLEO_NS_PER_S 1000000000LL
/* 1958-01-01T00:00:00 minus 1970-01-01T00:00:00 in seconds (both as civil dates). */
#define VLEO_UNIX_MINUS_1958_S 378691200LL

/* TAI - UTC in whole seconds at the UTC instant utc_unix_s (seconds since 1970, Unix count).
 * 10 before 1972 (the table starts then), 37 since 2017-01-01. */
int vleo_tai_minus_utc(int64_t utc_unix_s);

/* UTC Unix nanoseconds -> TAI nanoseconds since 1958-01-01 TAI, and back. During an
 * inserted leap second the UTC result repeats the last second of the day (Unix style). */
int64_t vleo_utc_to_tai(int64_t utc_unix_ns);
int64_t vleo_tai_to_utc(int64_t tai_ns);

/* Parse an ISO 8601 UTC time: "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ss[.f...][Z]" (also ' ' for
 * 'T'). Returns 0 and *utc_unix_ns, or -1 when malformed or out of range. */
int vleo_parse_iso8601(const char *s, int64_t *utc_unix_ns);

/* Format utc_unix_ns as "YYYY-MM-DDThh:mm:ss.fffffffffZ" with `digits` fraction digits
 * (0, 3, 6 or 9). Writes at most cap octets including the NUL; returns the length. */
size_t vleo_format_iso8601(int64_t utc_unix_ns, int digits, char *buf, size_t cap);

/* Epoch of a time code counter ("--epoch"): the same instant as a TAI count (for counters
 * of SI seconds, CUC) and as a civil UTC date (for day counts, CDS). */
typedef struct {
    int64_t tai_ns;      /* TAI ns since 1958-01-01 TAI */
    int64_t utc_unix_ns; /* the epoch's civil date/time as UTC Unix ns */
} vleo_epoch_t;

/* Parse "1958-01-01" (CCSDS level 1, TAI: tai_ns = 0, civil 1958-01-01), "1980-01-06" (GPS:
 * TAI = UTC + 19 s) or any ISO 8601 UTC instant (TAI from the leap second table).
 * Returns 0, or -1 when the text is not a time. */
int vleo_epoch_parse(const char *s, vleo_epoch_t *epoch);

#endif
