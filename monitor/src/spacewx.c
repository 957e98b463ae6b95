/* spacewx.c: CelesTrak space-weather CSV (SW-All.csv, SW-Last5Years.csv) parsed into a daily table
 * and looked up with the models' lags (reference atmosphere.md "Space weather: CelesTrak CSV" and
 * "Kp to ap"; DESIGN.md section 8). */
#include "mon/spacewx.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SW_NFIELDS 31
#define SW_MAX_LINE 1024        /* characters of one line, without its line end */
#define SW_MAX_NUM 32           /* characters of one numeric field */
#define SW_WALK_BACK_DAYS 60    /* how far back a lookup looks for a missing value */
#define SW_C81_HALF 40          /* a centred 81-day mean spans its day +- 40 days */
#define SW_MAX_FILE (64u << 20) /* SW-All.csv is about 3 MB */
#define SW_MAX_LAG_H 1.0e6      /* |kp_lag_h| beyond this is clamped (keeps ns in int64) */
#define SW_MIN_YEAR 1678        /* dates outside these years are refused, so that */
#define SW_MAX_YEAR 2261        /* day stamps in ns always fit in int64 */
#define SW_NS_PER_DAY 86400000000000LL
#define SW_NS_PER_3H 10800000000000LL
#define SW_NONE16 INT16_MIN /* a missing Kp or ap */
#define SW_NO_DAY INT32_MIN /* no such day (e.g. no OBS row) */

static const char SW_HEADER[] =
    "DATE,BSRN,ND,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8,KP_SUM,AP1,AP2,AP3,AP4,AP5,AP6,AP7,AP8,AP_AVG,"
    "CP,C9,ISN,F10.7_OBS,F10.7_ADJ,F10.7_DATA_TYPE,F10.7_OBS_CENTER81,F10.7_OBS_LAST81,"
    "F10.7_ADJ_CENTER81,F10.7_ADJ_LAST81";

/* Field numbers (1-based, as in the reference table). */
enum {
    F_DATE = 1,
    F_KP1 = 4,
    F_AP1 = 13,
    F_AP_AVG = 21,
    F_F107_OBS = 25,
    F_TYPE = 27,
    F_OBS_C81 = 28,
    F_OBS_L81 = 29,
};

/* Each numeric field: integer or real, and its documented range (reference table). */
typedef struct {
    const char *name;
    bool integer;
    double lo, hi;
} sw_spec_t;

static const sw_spec_t SW_SPEC[SW_NFIELDS + 1] = {
    [1] = {"DATE", false, 0, 0},
    [2] = {"BSRN", true, 1, 99999},
    [3] = {"ND", true, 1, 27},
    [4] = {"KP1", true, 0, 90},
    [5] = {"KP2", true, 0, 90},
    [6] = {"KP3", true, 0, 90},
    [7] = {"KP4", true, 0, 90},
    [8] = {"KP5", true, 0, 90},
    [9] = {"KP6", true, 0, 90},
    [10] = {"KP7", true, 0, 90},
    [11] = {"KP8", true, 0, 90},
    [12] = {"KP_SUM", true, 0, 720},
    [13] = {"AP1", true, 0, 400},
    [14] = {"AP2", true, 0, 400},
    [15] = {"AP3", true, 0, 400},
    [16] = {"AP4", true, 0, 400},
    [17] = {"AP5", true, 0, 400},
    [18] = {"AP6", true, 0, 400},
    [19] = {"AP7", true, 0, 400},
    [20] = {"AP8", true, 0, 400},
    [21] = {"AP_AVG", true, 0, 400},
    [22] = {"CP", false, 0, 2.5},
    [23] = {"C9", true, 0, 9},
    [24] = {"ISN", true, 0, 9999},
    [25] = {"F10.7_OBS", false, 0, 9999},
    [26] = {"F10.7_ADJ", false, 0, 9999},
    [27] = {"F10.7_DATA_TYPE", false, 0, 0},
    [28] = {"F10.7_OBS_CENTER81", false, 0, 9999},
    [29] = {"F10.7_OBS_LAST81", false, 0, 9999},
    [30] = {"F10.7_ADJ_CENTER81", false, 0, 9999},
    [31] = {"F10.7_ADJ_LAST81", false, 0, 9999},
};

/* One day of the file: what lookups use. Missing values are NaN or SW_NONE16. */
typedef struct {
    int32_t day; /* days since 1970-01-01 */
    uint8_t kind;
    int16_t kp10[8]; /* Kp x10 as in the file */
    int16_t ap[8];
    int16_t ap_avg;
    double f107; /* F10.7_OBS */
    double c81;  /* F10.7_OBS_CENTER81 */
    double l81;  /* F10.7_OBS_LAST81 */
} sw_row_t;

struct mon_sw {
    size_t n;
    size_t n_kind[MON_SW_KIND_COUNT];
    int32_t last_obs;     /* day of the last OBS row, or SW_NO_DAY */
    int32_t last_covered; /* last day the table speaks for (a PRM row speaks for
                             its month) */
    sw_row_t rows[];      /* the one allocation holds the rows too */
};

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Year * 12 + month - 1 of a day number. */
static int64_t month_key(int64_t z) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    return y * 12 + m - 1;
}

static int days_in_month(int y, int m) {
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return (m == 2 && leap) ? 29 : dim[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- parsing ---- */

typedef struct {
    const char *name;
    mon_sw_parse_status_t *st;
    char *err;
    size_t errlen;
} sw_ctx_t;

/* Store status and "NAME:LINE:COL: what" in the caller's buffers. */
static void sw_fail(const sw_ctx_t *c, mon_sw_parse_status_t st, size_t line, size_t col,
                    const char *fmt, ...) {
    if (c->st != NULL) {
        *c->st = st;
    }
    if (c->err == NULL || c->errlen == 0) {
        return;
    }
    int k = snprintf(c->err, c->errlen, "%s:%zu:%zu: ", c->name, line, col);
    if (k < 0 || (size_t)k >= c->errlen) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
    va_end(ap);
}

/* A field's text fit to quote in a message: printable ASCII, at most 20 characters. */
static void quote(const char *s, size_t n, char out[32]) {
    size_t k = 0;
    for (size_t i = 0; i < n && i < 20; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    if (n > 20) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* YYYY-MM-DD -> day number. 0, or -1 when not such a date, -2 when the year is out of range. */
static int parse_date(const char *s, size_t n, int32_t *day) {
    if (n != 10 || s[4] != '-' || s[7] != '-') {
        return -1;
    }
    int v[3] = {0, 0, 0};
    static const size_t pos[3] = {0, 5, 8}, len[3] = {4, 2, 2};
    for (size_t p = 0; p < 3; p++) {
        for (size_t i = pos[p]; i < pos[p] + len[p]; i++) {
            if (s[i] < '0' || s[i] > '9') {
                return -1;
            }
            v[p] = v[p] * 10 + (s[i] - '0');
        }
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > days_in_month(v[0], v[1])) {
        return -1;
    }
    if (v[0] < SW_MIN_YEAR || v[0] > SW_MAX_YEAR) {
        return -2;
    }
    *day = (int32_t)days_from_civil(v[0], v[1], v[2]);
    return 0;
}

/* A plain decimal number (optional sign, digits, for reals one optional '.'; no exponent, no
 * blanks, no inf/nan) -> *v. 0 or -1. */
static int parse_number(const char *s, size_t n, bool integer, double *v) {
    if (n == 0 || n >= SW_MAX_NUM) {
        return -1;
    }
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    size_t digits = 0, dots = 0;
    for (size_t k = i; k < n; k++) {
        if (s[k] >= '0' && s[k] <= '9') {
            digits++;
        } else if (s[k] == '.' && !integer) {
            dots++;
        } else {
            return -1;
        }
    }
    if (digits == 0 || dots > 1) {
        return -1;
    }
    char buf[SW_MAX_NUM];
    memcpy(buf, s, n); /* the field is not NUL-terminated: strto* need a terminated copy */
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    if (integer) {
        long x = strtol(buf, &end, 10);
        *v = (double)x;
    } else {
        *v = strtod(buf, &end);
    }
    if (end != buf + n || errno != 0 || !isfinite(*v)) {
        return -1;
    }
    return 0;
}

static int parse_kind(const char *s, size_t n, uint8_t *kind) {
    static const char *names[4] = {"OBS", "INT", "PRD", "PRM"};
    for (size_t k = 0; k < 4; k++) {
        if (n == 3 && memcmp(s, names[k], 3) == 0) {
            *kind = (uint8_t)k;
            return 0;
        }
    }
    return -1;
}

/* Parse data line `line` (ll characters, no line end) into *r. 0, or -1 after sw_fail. */
static int parse_row(const sw_ctx_t *c, const char *line, size_t ll, size_t lineno, sw_row_t *r) {
    size_t start[SW_NFIELDS + 1], flen[SW_NFIELDS + 1];
    size_t nf = 1, fs = 0;
    for (size_t i = 0; i <= ll; i++) {
        if (i < ll && line[i] != ',') {
            continue;
        }
        if (nf <= SW_NFIELDS) {
            start[nf] = fs;
            flen[nf] = i - fs;
        } else if (nf == SW_NFIELDS + 1) {
            sw_fail(c, MON_SW_PARSE_FIELD_COUNT, lineno, fs + 1,
                    "more than %d fields (char column of field %d)", SW_NFIELDS, SW_NFIELDS + 1);
            return -1;
        }
        nf++;
        fs = i + 1;
    }
    nf--;
    if (nf != SW_NFIELDS) {
        sw_fail(c, MON_SW_PARSE_FIELD_COUNT, lineno, ll + 1,
                "%zu fields, expected %d (char column of the line end)", nf, SW_NFIELDS);
        return -1;
    }
    char q[32];
    int dr = parse_date(line + start[F_DATE], flen[F_DATE], &r->day);
    if (dr != 0) {
        quote(line + start[F_DATE], flen[F_DATE], q);
        sw_fail(c, MON_SW_PARSE_BAD_FIELD, lineno, start[F_DATE] + 1,
                dr == -2 ? "field 1 DATE: year outside %d-%d: \"%s\" (char column)"
                         : "field 1 DATE: not a YYYY-MM-DD date in %d-%d: \"%s\" (char column)",
                SW_MIN_YEAR, SW_MAX_YEAR, q);
        return -1;
    }
    if (parse_kind(line + start[F_TYPE], flen[F_TYPE], &r->kind) != 0) {
        quote(line + start[F_TYPE], flen[F_TYPE], q);
        sw_fail(c, MON_SW_PARSE_BAD_FIELD, lineno, start[F_TYPE] + 1,
                "field %d F10.7_DATA_TYPE: not OBS, INT, PRD or PRM: \"%s\" (char column)", F_TYPE,
                q);
        return -1;
    }
    double val[SW_NFIELDS + 1];
    for (size_t f = 2; f <= SW_NFIELDS; f++) {
        val[f] = NAN;
        if (f == F_TYPE || flen[f] == 0) {
            continue; /* empty means missing, never zero */
        }
        const sw_spec_t *sp = &SW_SPEC[f];
        const char *s = line + start[f];
        if (parse_number(s, flen[f], sp->integer, &val[f]) != 0) {
            quote(s, flen[f], q);
            sw_fail(c, MON_SW_PARSE_BAD_FIELD, lineno, start[f] + 1,
                    "field %zu %s: not %s: \"%s\" (char column)", f, sp->name,
                    sp->integer ? "an integer" : "a decimal number", q);
            return -1;
        }
        if (val[f] < sp->lo || val[f] > sp->hi) {
            quote(s, flen[f], q);
            sw_fail(c, MON_SW_PARSE_BAD_FIELD, lineno, start[f] + 1,
                    "field %zu %s: %s outside %g-%g (char column)", f, sp->name, q, sp->lo, sp->hi);
            return -1;
        }
    }
    for (size_t k = 0; k < 8; k++) {
        double kp = val[F_KP1 + k], ap = val[F_AP1 + k];
        r->kp10[k] = isnan(kp) ? SW_NONE16 : (int16_t)kp; /* ranges checked above */
        r->ap[k] = isnan(ap) ? SW_NONE16 : (int16_t)ap;
    }
    r->ap_avg = isnan(val[F_AP_AVG]) ? SW_NONE16 : (int16_t)val[F_AP_AVG];
    r->f107 = val[F_F107_OBS];
    r->c81 = val[F_OBS_C81];
    r->l81 = val[F_OBS_L81];
    return 0;
}

/* Next line from off: its text [*ls, *ls + *ll) without "\n" or "\r\n"; returns the offset after
 * it. */
static size_t next_line(const char *text, size_t len, size_t off, size_t *ls, size_t *ll) {
    const char *nl = memchr(text + off, '\n', len - off);
    size_t end = nl != NULL ? (size_t)(nl - text) : len;
    *ls = off;
    *ll = end - off;
    if (*ll > 0 && text[end - 1] == '\r') {
        (*ll)--;
    }
    return nl != NULL ? end + 1 : len;
}

mon_sw_t *mon_sw_parse(const char *text, size_t len, const char *name, mon_sw_parse_status_t *st,
                       char *err, size_t errlen) {
    sw_ctx_t c = {name != NULL ? name : "(space weather)", st, err, errlen};
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (st != NULL) {
        *st = MON_SW_PARSE_OK;
    }
    if (text == NULL) {
        len = 0;
    }
    size_t off = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        off = 3; /* UTF-8 byte order mark */
    }
    /* One pass for the size of the one allocation, and to tell an empty file. */
    size_t newlines = 0, blank = 0;
    for (size_t i = off; i < len; i++) {
        newlines += text[i] == '\n';
        blank += text[i] == '\n' || text[i] == '\r';
    }
    if (blank == len - off) {
        sw_fail(&c, MON_SW_PARSE_EMPTY, 1, 1, "empty file");
        return NULL;
    }
    size_t ls, ll, lineno = 1;
    off = next_line(text, len, off, &ls, &ll);
    if (ll > SW_MAX_LINE) {
        sw_fail(&c, MON_SW_PARSE_BAD_FIELD, 1, SW_MAX_LINE + 1,
                "line too long (over %d chars; char column)", SW_MAX_LINE);
        return NULL;
    }
    size_t hl = sizeof SW_HEADER - 1, col = 0;
    while (col < ll && col < hl && text[ls + col] == SW_HEADER[col]) {
        col++;
    }
    if (col != hl || ll != hl) {
        sw_fail(&c, MON_SW_PARSE_NO_HEADER, 1, col + 1,
                "not CelesTrak's space-weather CSV header (char column of the difference)");
        return NULL;
    }
    size_t cap = newlines < MON_SW_MAX_ROWS ? newlines : MON_SW_MAX_ROWS;
    mon_sw_t *sw = calloc(1, sizeof *sw + (cap > 0 ? cap : 1) * sizeof(sw_row_t));
    if (sw == NULL) {
        sw_fail(&c, MON_SW_PARSE_TOO_BIG, 1, 1, "out of memory for %zu rows", cap);
        return NULL;
    }
    size_t blank_line = 0, prev_line = 0;
    while (off < len) { /* each turn consumes at least one character */
        off = next_line(text, len, off, &ls, &ll);
        lineno++;
        if (ll > SW_MAX_LINE) {
            sw_fail(&c, MON_SW_PARSE_BAD_FIELD, lineno, SW_MAX_LINE + 1,
                    "line too long (over %d chars; char column)", SW_MAX_LINE);
            goto fail;
        }
        if (ll == 0) {
            blank_line = blank_line != 0 ? blank_line : lineno;
            continue; /* blank lines are allowed at the end only */
        }
        if (blank_line != 0) {
            sw_fail(&c, MON_SW_PARSE_FIELD_COUNT, blank_line, 1,
                    "blank line before more rows (line %zu)", lineno);
            goto fail;
        }
        if (sw->n >= cap) { /* cap <= newlines, so only MON_SW_MAX_ROWS ends here */
            sw_fail(&c, MON_SW_PARSE_TOO_BIG, lineno, 1, "more than %d rows", MON_SW_MAX_ROWS);
            goto fail;
        }
        sw_row_t *r = &sw->rows[sw->n];
        if (parse_row(&c, text + ls, ll, lineno, r) != 0) {
            goto fail;
        }
        if (sw->n > 0 && r->day <= sw->rows[sw->n - 1].day) {
            char q[32];
            quote(text + ls, 10, q);
            sw_fail(&c, MON_SW_PARSE_ORDER, lineno, 1,
                    "field 1 DATE: %s is not after the date of line %zu (char column)", q,
                    prev_line);
            goto fail;
        }
        prev_line = lineno;
        sw->n++;
    }
    if (sw->n == 0) {
        sw_fail(&c, MON_SW_PARSE_EMPTY, 2, 1, "no data rows after the header");
        goto fail;
    }
    sw->last_obs = SW_NO_DAY;
    for (size_t i = 0; i < sw->n; i++) {
        sw->n_kind[sw->rows[i].kind]++;
        if (sw->rows[i].kind == MON_SW_OBS) {
            sw->last_obs = sw->rows[i].day;
        }
    }
    const sw_row_t *last = &sw->rows[sw->n - 1];
    sw->last_covered = last->day;
    if (last->kind == MON_SW_PRM) {
        int64_t mk = month_key(last->day) + 1;
        sw->last_covered = (int32_t)(days_from_civil(mk / 12, mk % 12 + 1, 1) - 1);
    }
    return sw;
fail:
    free(sw);
    return NULL;
}

mon_sw_t *mon_sw_load(const char *path, char *err, size_t errlen) {
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    FILE *fp = path != NULL ? fopen(path, "rb") : NULL;
    if (fp == NULL) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s: cannot open: %s", path != NULL ? path : "(null)",
                     strerror(errno));
        }
        return NULL;
    }
    size_t cap = 1u << 16, used = 0;
    char *buf = malloc(cap);
    const char *why = buf == NULL ? "out of memory" : NULL;
    while (why == NULL) { /* ends at EOF, or when SW_MAX_FILE is reached */
        if (used == cap) {
            if (cap >= SW_MAX_FILE) {
                why = "file of 64 MiB or more";
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                why = "out of memory";
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t k = fread(buf + used, 1, cap - used, fp);
        used += k;
        if (k == 0) {
            why = ferror(fp) ? "read error" : NULL;
            break;
        }
    }
    fclose(fp);
    if (why != NULL) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s: %s", path, why);
        }
        free(buf);
        return NULL;
    }
    mon_sw_t *sw = mon_sw_parse(buf, used, path, NULL, err, errlen);
    free(buf);
    return sw;
}

void mon_sw_destroy(mon_sw_t **sw_p) {
    if (sw_p != NULL) {
        free(*sw_p);
        *sw_p = NULL;
    }
}

/* ---- lookups ---- */

void mon_sw_lookup_opts_default(mon_sw_lookup_opts_t *o) {
    if (o != NULL) {
        o->kp_lag_h = 6.7;
        o->f107_prev_day = true;
        o->f107a_trailing = false;
    }
}

/* Index of the last row dated on or before `day` (row 0 when day is before the table); *where is -1
 * before the first row, +1 after the last covered day, else 0. */
static size_t sw_find(const mon_sw_t *sw, int64_t day, int *where) {
    *where = 0;
    if (day < sw->rows[0].day) {
        *where = -1;
        return 0;
    }
    if (day > sw->last_covered) {
        *where = 1;
        return sw->n - 1;
    }
    int64_t guess = day - sw->rows[0].day; /* rows are daily: try the direct offset first */
    if (guess < (int64_t)sw->n && sw->rows[guess].day == day) {
        return (size_t)guess;
    }
    size_t lo = 0, hi = sw->n; /* rows[lo].day <= day < rows[hi].day (hi = n: none) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (sw->rows[mid].day <= day) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Row r speaks for `day`: its own date, or a monthly prediction's month. */
static bool covers(const sw_row_t *r, int64_t day) {
    return r->day == day ||
           (r->kind == MON_SW_PRM && day > r->day && month_key(day) == month_key(r->day));
}

typedef enum { SW_D_F107, SW_D_C81, SW_D_L81, SW_D_AP_AVG } sw_daily_t;

static double daily_value(const sw_row_t *r, sw_daily_t f) {
    switch (f) {
    case SW_D_F107:
        return r->f107;
    case SW_D_C81:
        return r->c81;
    case SW_D_L81:
        return r->l81;
    case SW_D_AP_AVG:
        return r->ap_avg == SW_NONE16 ? NAN : (double)r->ap_avg;
    }
    return NAN;
}

/* Where a lookup starts: the row, whether it speaks for the wanted day (else the value is a gap
 * even when found at once), and the day from which the walk back is bounded. */
typedef struct {
    size_t row;
    bool row_ok;
    int64_t from_day;
    int where;
} sw_start_t;

static sw_start_t sw_start(const mon_sw_t *sw, int64_t day, mon_sw_values_t *out) {
    sw_start_t s;
    s.row = sw_find(sw, day, &s.where);
    if (s.where != 0) {
        out->beyond = true; /* nearest row: the first or the last */
        s.row_ok = true;
        s.from_day = sw->rows[s.row].day;
    } else {
        s.row_ok = covers(&sw->rows[s.row], day);
        s.from_day = day;
    }
    return s;
}

static void note_row(const sw_row_t *r, mon_sw_values_t *out) {
    if (r->kind == MON_SW_PRD || r->kind == MON_SW_PRM) {
        out->predicted = true;
    }
}

/* Daily field f for `day`: from the row of that day, else from the nearest earlier row with it
 * within SW_WALK_BACK_DAYS (gap); before the first row only row 0 is tried. NaN when none; *used
 * the row, or SIZE_MAX. */
static double walk_daily(const mon_sw_t *sw, int64_t day, sw_daily_t f, mon_sw_values_t *out,
                         size_t *used) {
    sw_start_t s = sw_start(sw, day, out);
    *used = SIZE_MAX;
    /* Rows are strictly increasing: at most SW_WALK_BACK_DAYS + 1 turns (one before row 0). */
    for (size_t k = s.row + 1; k-- > 0;) {
        const sw_row_t *r = &sw->rows[k];
        if (r->day < s.from_day - SW_WALK_BACK_DAYS) {
            break;
        }
        double v = daily_value(r, f);
        if (!isnan(v)) {
            if (k != s.row || !s.row_ok) {
                out->gap = true;
            }
            note_row(r, out);
            *used = k;
            return v;
        }
    }
    out->gap = true;
    return NAN;
}

/* 3-hourly Kp (want_ap false) or ap of interval `iv` of `day`, walking back interval by interval
 * like walk_daily. Outside the table: the nearest interval (first of row 0, last of the last row).
 */
static double walk_3h(const mon_sw_t *sw, int64_t day, int64_t iv, bool want_ap,
                      mon_sw_values_t *out, size_t *used) {
    sw_start_t s = sw_start(sw, day, out);
    *used = SIZE_MAX;
    int64_t k0 = iv;
    if (s.where < 0) {
        k0 = 0;
    } else if (s.where > 0 || sw->rows[s.row].day != day) {
        k0 = 7; /* a later day than the row's: its last interval is the nearest */
    }
    for (size_t k = s.row + 1; k-- > 0;) { /* at most SW_WALK_BACK_DAYS + 1 rows */
        const sw_row_t *r = &sw->rows[k];
        if (r->day < s.from_day - SW_WALK_BACK_DAYS) {
            break;
        }
        for (int64_t j = (k == s.row) ? k0 : 7; j >= 0; j--) {
            int16_t v = want_ap ? r->ap[j] : r->kp10[j];
            if (v != SW_NONE16) {
                if (k != s.row || j != k0 || !s.row_ok) {
                    out->gap = true;
                }
                note_row(r, out);
                *used = k;
                return want_ap ? (double)v : v / 10.0;
            }
        }
    }
    out->gap = true;
    return NAN;
}

int mon_sw_lookup(const mon_sw_t *sw, int64_t utc_unix_ns, const mon_sw_lookup_opts_t *o,
                  mon_sw_values_t *out) {
    if (out == NULL) {
        return -1;
    }
    *out = (mon_sw_values_t){.f107 = NAN,
                             .f107a = NAN,
                             .kp = NAN,
                             .ap = NAN,
                             .ap_daily = NAN,
                             .f107_kind = MON_SW_KIND_COUNT,
                             .kp_kind = MON_SW_KIND_COUNT,
                             .f107_day_utc_ns = INT64_MIN,
                             .kp_day_utc_ns = INT64_MIN};
    if (sw == NULL || sw->n == 0) {
        return -1;
    }
    mon_sw_lookup_opts_t def;
    if (o == NULL) {
        mon_sw_lookup_opts_default(&def);
        o = &def;
    }
    int64_t day = floor_div(utc_unix_ns, SW_NS_PER_DAY);
    size_t r;

    out->f107 = walk_daily(sw, o->f107_prev_day ? day - 1 : day, SW_D_F107, out, &r);
    if (r != SIZE_MAX) {
        out->f107_kind = (mon_sw_kind_t)sw->rows[r].kind;
        out->f107_day_utc_ns = (int64_t)sw->rows[r].day * SW_NS_PER_DAY;
    }
    out->f107a = walk_daily(sw, day, o->f107a_trailing ? SW_D_L81 : SW_D_C81, out, &r);
    /* A centred mean of day D averages D-40..D+40: past the last observed day it holds predictions.
     */
    if (r != SIZE_MAX && !o->f107a_trailing &&
        (sw->last_obs == SW_NO_DAY || (int64_t)sw->rows[r].day + SW_C81_HALF > sw->last_obs)) {
        out->predicted = true;
    }

    double lag_h = isfinite(o->kp_lag_h) ? o->kp_lag_h : 0.0;
    lag_h = fmax(-SW_MAX_LAG_H, fmin(SW_MAX_LAG_H, lag_h));
    int64_t lag_ns = llround(lag_h * 3.6e12), tl;
    if (__builtin_sub_overflow(utc_unix_ns, lag_ns, &tl)) {
        tl = lag_ns > 0 ? INT64_MIN : INT64_MAX;
    }
    int64_t lday = floor_div(tl, SW_NS_PER_DAY);
    int64_t tod = tl % SW_NS_PER_DAY; /* not tl - lday * day: that overflows near INT64_MIN */
    int64_t iv = (tod < 0 ? tod + SW_NS_PER_DAY : tod) / SW_NS_PER_3H; /* 0..7 */
    out->kp = walk_3h(sw, lday, iv, false, out, &r);
    if (r != SIZE_MAX) {
        out->kp_kind = (mon_sw_kind_t)sw->rows[r].kind;
        out->kp_day_utc_ns = (int64_t)sw->rows[r].day * SW_NS_PER_DAY;
    }
    out->ap = walk_3h(sw, lday, iv, true, out, &r);
    out->ap_daily = walk_daily(sw, lday, SW_D_AP_AVG, out, &r);

    bool all = !isnan(out->f107) && !isnan(out->f107a) && !isnan(out->kp) && !isnan(out->ap) &&
               !isnan(out->ap_daily);
    return all ? 0 : -1;
}

/* ---- table facts ---- */

size_t mon_sw_rows(const mon_sw_t *sw) {
    return sw != NULL ? sw->n : 0;
}

int64_t mon_sw_first_day(const mon_sw_t *sw) {
    return sw != NULL ? (int64_t)sw->rows[0].day * SW_NS_PER_DAY : INT64_MIN;
}

int64_t mon_sw_last_day(const mon_sw_t *sw) {
    return sw != NULL ? (int64_t)sw->rows[sw->n - 1].day * SW_NS_PER_DAY : INT64_MIN;
}

int64_t mon_sw_last_observed_day(const mon_sw_t *sw) {
    if (sw == NULL || sw->last_obs == SW_NO_DAY) {
        return INT64_MIN;
    }
    return (int64_t)sw->last_obs * SW_NS_PER_DAY;
}

size_t mon_sw_rows_of_kind(const mon_sw_t *sw, mon_sw_kind_t kind) {
    if (sw == NULL || (int)kind < 0 || kind >= MON_SW_KIND_COUNT) {
        return 0;
    }
    return sw->n_kind[kind];
}

const char *mon_sw_kind_str(mon_sw_kind_t kind) {
    static const char *names[MON_SW_KIND_COUNT] = {"OBS", "INT", "PRD", "PRM", "CONST"};
    if (kind == MON_SW_KIND_COUNT) {
        return "none"; /* what a lookup reports when no row had the value */
    }
    return ((int)kind >= 0 && kind < MON_SW_KIND_COUNT) ? names[kind] : "?";
}

const char *mon_sw_parse_status_str(mon_sw_parse_status_t st) {
    static const char *names[MON_SW_PARSE_STATUS_COUNT] = {
        "ok", "no header", "bad field", "field count", "date order", "too big", "empty"};
    return ((int)st >= 0 && st < MON_SW_PARSE_STATUS_COUNT) ? names[st] : "?";
}

/* ---- Kp -> ap ---- */

double mon_kp_to_ap(double kp) {
    /* Bartels' table by thirds: 0o 0+ 1- 1o 1+ ... 9- 9o (reference "Kp to ap"). */
    static const double ap[28] = {0,  2,  3,  4,  5,  6,  7,   9,   12,  15,  18,  22,  27,  32,
                                  39, 48, 56, 67, 80, 94, 111, 132, 154, 179, 207, 236, 300, 400};
    if (isnan(kp)) {
        return NAN;
    }
    double thirds = round(fmax(0.0, fmin(9.0, kp)) * 3.0); /* outside 0-9: clamped */
    return ap[(size_t)thirds];
}
