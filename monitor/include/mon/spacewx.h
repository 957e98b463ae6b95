/* mon/spacewx.h: space weather from CelesTrak's CSV (SW-All.csv, SW-Last5Years.csv;
 * reference atmosphere.md "Space weather"), looked up at any time with the model's lags.
 * The table is parsed once into memory; lookups allocate nothing. */
#ifndef MON_SPACEWX_H
#define MON_SPACEWX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mon_sw mon_sw_t;

/* F10.7_DATA_TYPE of a row, and CONST for values from the configuration. */
typedef enum {
    MON_SW_OBS = 0, /* observed */
    MON_SW_INT,     /* CelesTrak interpolation of missing data */
    MON_SW_PRD,     /* 45-day prediction */
    MON_SW_PRM,     /* monthly prediction (no Kp/Ap) */
    MON_SW_CONST,   /* constants from the configuration, no file */
    MON_SW_KIND_COUNT
} mon_sw_kind_t;

/* Why a file was refused. Line numbers are 1-based; errors name the line and column. */
typedef enum {
    MON_SW_PARSE_OK = 0,
    MON_SW_PARSE_NO_HEADER,   /* first line is not CelesTrak's header */
    MON_SW_PARSE_BAD_FIELD,   /* a field that is not a number, date or data type */
    MON_SW_PARSE_FIELD_COUNT, /* a row without 31 fields */
    MON_SW_PARSE_ORDER,       /* dates not strictly increasing */
    MON_SW_PARSE_TOO_BIG,     /* more rows than MON_SW_MAX_ROWS */
    MON_SW_PARSE_EMPTY,       /* no data rows */
    MON_SW_PARSE_STATUS_COUNT
} mon_sw_parse_status_t;

#define MON_SW_MAX_ROWS 200000 /* SW-All.csv since 1957 is about 25,000 rows */

/* How lookups are made (the lags and which mean is used). */
typedef struct {
    double kp_lag_h;     /* Kp/ap taken at t - lag (default 6.7 h, Jacchia's) */
    bool f107_prev_day;  /* F10.7 of the previous day (default true, Jacchia and MSIS) */
    bool f107a_trailing; /* trailing 81-day mean instead of the centred one (default false) */
} mon_sw_lookup_opts_t;

void mon_sw_lookup_opts_default(mon_sw_lookup_opts_t *o);

/* What a lookup yields, with what an alert's evidence must say about it. */
typedef struct {
    double f107;             /* sfu; NaN when no row had it */
    double f107a;            /* sfu */
    double kp;               /* real Kp (CSV value / 10) of the 3-hour interval at t - kp_lag */
    double ap;               /* 3-hourly ap of that interval */
    double ap_daily;         /* Ap of that day */
    mon_sw_kind_t f107_kind; /* data type of the row the F10.7 came from */
    mon_sw_kind_t kp_kind;   /* data type of the row the Kp came from */
    bool predicted;          /* any value above came from a PRD/PRM row, or a centred mean whose
                                window reaches past the last observed row */
    bool gap;                /* a wanted row or field was missing: the nearest earlier value with
                                data was used instead */
    bool beyond;             /* t (or t - lag) outside the file's dates: the nearest row used */
    int64_t f107_day_utc_ns; /* date (00:00 UTC) of the row the F10.7 came from */
    int64_t kp_day_utc_ns;   /* date of the row the Kp came from */
} mon_sw_values_t;

/* Parse CSV text (need not be NUL-terminated). Returns the table, or NULL with the status in
 * *st (may be NULL) and a message naming `name`, line and column in err. */
mon_sw_t *mon_sw_parse(const char *text, size_t len, const char *name, mon_sw_parse_status_t *st,
                       char *err, size_t errlen);
/* Read and parse a file. NULL with a message naming the file when unreadable or invalid. */
mon_sw_t *mon_sw_load(const char *path, char *err, size_t errlen);
void mon_sw_destroy(mon_sw_t **sw_p);

/* Values at UTC time t. Returns 0, or -1 when the table holds no usable value at all for
 * some field (out is then filled with what there is, NaN elsewhere). */
int mon_sw_lookup(const mon_sw_t *sw, int64_t utc_unix_ns, const mon_sw_lookup_opts_t *o,
                  mon_sw_values_t *out);

/* Table facts: rows, first and last date, last observed (OBS) date, rows of each kind. */
size_t mon_sw_rows(const mon_sw_t *sw);
int64_t mon_sw_first_day(const mon_sw_t *sw);
int64_t mon_sw_last_day(const mon_sw_t *sw);
int64_t mon_sw_last_observed_day(const mon_sw_t *sw);
size_t mon_sw_rows_of_kind(const mon_sw_t *sw, mon_sw_kind_t kind);

const char *mon_sw_kind_str(mon_sw_kind_t kind); /* "OBS", "INT", "PRD", "PRM", "CONST" */
const char *mon_sw_parse_status_str(mon_sw_parse_status_t st);

/* Bartels' Kp -> ap table (reference "Kp to ap"); Kp as a real number, rounded to the
 * nearest third. */
double mon_kp_to_ap(double kp);

#endif
