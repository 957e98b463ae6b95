/* swfile.c: a scenario's space weather written as CelesTrak's space-weather CSV (sim/swfile.h;
 * reference atmosphere.md "Space weather: CelesTrak CSV" and "Kp to ap"), for vleo-monitor and
 * vleo-atmos: daily OBS rows from 100 days before the start to 45 days after the end; events
 * still open at the end of the run end there. */
#include "sim/swfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon/spacewx.h"

#define SW_DAYS_BEFORE 100
#define SW_DAYS_AFTER 45
#define SW_C81_HALF 40 /* a centred 81-day mean spans its day +- 40 days */
#define SW_L81_BACK 80 /* a trailing 81-day mean spans its day and the 80 before */
#define SW_MAX_RUN_DAYS 3660
#define SW_NS_PER_DAY 86400000000000LL
#define SW_NS_PER_3H 10800000000000LL
#define SW_MIN_YEAR 1678 /* the years the monitor's reader accepts */
#define SW_MAX_YEAR 2261
/* Plausible fixed values for the fields no model here uses: planetary character figure,
 * its 0-9 form, sunspot number. */
#define SW_CP 0.5
#define SW_C9 2
#define SW_ISN 100

static const char SW_HEADER[] =
    "DATE,BSRN,ND,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8,KP_SUM,AP1,AP2,AP3,AP4,AP5,AP6,AP7,AP8,AP_AVG,"
    "CP,C9,ISN,F10.7_OBS,F10.7_ADJ,F10.7_DATA_TYPE,F10.7_OBS_CENTER81,F10.7_OBS_LAST81,"
    "F10.7_ADJ_CENTER81,F10.7_ADJ_LAST81";

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The scenario with every event still open at the end of the run ending there ("until 0" is
 * "for the rest of the run"): the days after the run carry the constants again. */
static void close_events(const sim_scenario_t *s, int64_t end_ns, sim_scenario_t *out) {
    *out = *s;
    for (size_t i = 0; i < out->n_events; i++) {
        if (out->events[i].until_ns == 0) {
            out->events[i].until_ns = end_ns;
        }
    }
}

/* ---- one day ---- */

typedef struct {
    int64_t day;
    int kp10[8];
    int ap[8];
    double f107; /* as written: 0.1 sfu */
} sw_day_t;

/* The Kp in force at the middle of each 3-hour interval, x10 rounded to the nearest third
 * (0, 3, 7, 10, 13, ... 90), and its ap from Bartels' table. -1 when a Kp is not finite. */
static int fill_kp(const sim_scenario_t *s, sw_day_t *r) {
    for (int i = 0; i < 8; i++) {
        int64_t t = r->day * SW_NS_PER_DAY + i * SW_NS_PER_3H + SW_NS_PER_3H / 2;
        double kp;
        sim_space_weather_at(s, t, &kp, NULL, NULL, NULL);
        if (!isfinite(kp)) {
            return -1;
        }
        double thirds = round(fmax(0.0, fmin(9.0, kp)) * 3.0); /* 0..27 */
        r->kp10[i] = (int)lround(thirds * 10.0 / 3.0);
        r->ap[i] = (int)mon_kp_to_ap(thirds / 3.0);
    }
    return 0;
}

static double tenth(double x) {
    return round(x * 10.0) / 10.0;
}

/* Mean of the written F10.7 over days [lo, hi] (indices, clipped to the table). */
static double mean_f107(const sw_day_t *rows, int64_t n, int64_t lo, int64_t hi) {
    lo = lo < 0 ? 0 : lo;
    hi = hi >= n ? n - 1 : hi;
    double sum = 0.0;
    for (int64_t i = lo; i <= hi; i++) {
        sum += rows[i].f107;
    }
    return sum / (double)(hi - lo + 1);
}

/* F10.7 of every day. Days from the one before the start (the models read the previous day's
 * flux) to the last day of the run carry the scenario's flux at noon. The other days carry one
 * value, chosen so that the centred 81-day mean of the first day equals the scenario's f107a
 * there: with a constant f107, every day of a run of up to 40 days then has that mean. */
static void fill_f107(const sim_scenario_t *s, sw_day_t *rows, int64_t n, int64_t core_lo,
                      int64_t core_hi, int64_t first_run) {
    double fa0;
    sim_space_weather_at(s, first_run * SW_NS_PER_DAY + SW_NS_PER_DAY / 2, NULL, NULL, &fa0, NULL);
    double core_sum = 0.0;
    int64_t core_n = 0, win_n = 0;
    for (int64_t i = first_run - SW_C81_HALF; i <= first_run + SW_C81_HALF; i++) {
        if (i < 0 || i >= n) {
            continue;
        }
        win_n++;
        if (i >= core_lo && i <= core_hi) {
            double f;
            sim_space_weather_at(s, rows[i].day * SW_NS_PER_DAY + SW_NS_PER_DAY / 2, NULL, &f, NULL,
                                 NULL);
            core_sum += tenth(f);
            core_n++;
        }
    }
    double fill = fa0;
    if (win_n > core_n) {
        fill = ((double)win_n * fa0 - core_sum) / (double)(win_n - core_n);
    }
    fill = tenth(fmax(1.0, fmin(999.0, fill))); /* a flux, whatever the scenario asks */
    for (int64_t i = 0; i < n; i++) {
        if (i >= core_lo && i <= core_hi) {
            double f;
            sim_space_weather_at(s, rows[i].day * SW_NS_PER_DAY + SW_NS_PER_DAY / 2, NULL, &f, NULL,
                                 NULL);
            rows[i].f107 = tenth(f);
        } else {
            rows[i].f107 = fill;
        }
    }
}

static int fail(char *err, size_t errlen, const char *path, const char *what) {
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "%s: %s", path != NULL ? path : "(null)", what);
    }
    return -1;
}

/* Whether every value the file is made from is a number in range. */
static bool inputs_ok(const sim_scenario_t *s) {
    if (!isfinite(s->kp) || !isfinite(s->f107) || !(s->f107 > 0) || !isfinite(s->f107a) ||
        !(s->f107a > 0)) {
        return false;
    }
    for (size_t i = 0; i < s->n_events && i < SIM_MAX_EVENTS; i++) {
        const sim_event_t *e = &s->events[i];
        if (e->kind == SIM_EV_SPACE_WEATHER &&
            (isinf(e->kp) || !(isnan(e->f107) || e->f107 > 0) || isinf(e->f107) ||
             !(isnan(e->f107a) || e->f107a > 0) || isinf(e->f107a))) {
            return false;
        }
    }
    return s->n_events <= SIM_MAX_EVENTS;
}

int sim_space_weather_write(const sim_scenario_t *scn, FILE *fp, const char *path, char *err,
                            size_t errlen) {
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (scn == NULL || fp == NULL) {
        return fail(err, errlen, path, "no scenario or no stream");
    }
    const sim_scenario_t *s = scn;
    if (!(s->duration_s > 0) || s->duration_s > SW_MAX_RUN_DAYS * 86400.0) {
        return fail(err, errlen, path, "scenario duration not in (0, 3660 days]");
    }
    if (!inputs_ok(s)) {
        return fail(err, errlen, path, "scenario space weather not finite or flux not positive");
    }
    int64_t end_ns = s->start_ns + llround(s->duration_s * 1e9);
    int64_t start_day = floor_div(s->start_ns, SW_NS_PER_DAY);
    int64_t end_day = floor_div(end_ns - 1, SW_NS_PER_DAY); /* the last day the run touches */
    int64_t first = start_day - SW_DAYS_BEFORE, last = end_day + SW_DAYS_AFTER;
    int y0, y1, mm, dd;
    civil_from_days(first, &y0, &mm, &dd);
    civil_from_days(last, &y1, &mm, &dd);
    if (y0 < SW_MIN_YEAR || y1 > SW_MAX_YEAR) {
        return fail(err, errlen, path, "dates outside the years 1678-2261");
    }
    int64_t n = last - first + 1; /* at most 100 + 3661 + 45 rows */
    sw_day_t *rows = calloc((size_t)n, sizeof *rows);
    sim_scenario_t *closed = malloc(sizeof *closed);
    if (rows == NULL || closed == NULL) {
        free(rows);
        free(closed);
        return fail(err, errlen, path, "out of memory");
    }
    close_events(scn, end_ns, closed);
    s = closed;
    for (int64_t i = 0; i < n; i++) {
        rows[i].day = first + i;
        if (fill_kp(s, &rows[i]) != 0) {
            free(rows);
            free(closed);
            return fail(err, errlen, path, "Kp not finite");
        }
    }
    fill_f107(s, rows, n, SW_DAYS_BEFORE - 1, end_day - first, SW_DAYS_BEFORE);
    free(closed);

    const int64_t bartels1 = days_from_civil(1832, 2, 8); /* day 1 of rotation 1 */
    fprintf(fp, "%s\n", SW_HEADER);
    for (int64_t i = 0; i < n; i++) {
        const sw_day_t *r = &rows[i];
        int y, m, d;
        civil_from_days(r->day, &y, &m, &d);
        int64_t since = r->day - bartels1; /* >= 0: years from 1678 are refused above */
        int kp_sum = 0, ap_sum = 0;
        for (int k = 0; k < 8; k++) {
            kp_sum += r->kp10[k];
            ap_sum += r->ap[k];
        }
        double c81 = mean_f107(rows, n, i - SW_C81_HALF, i + SW_C81_HALF);
        double l81 = mean_f107(rows, n, i - SW_L81_BACK, i);
        fprintf(fp, "%04d-%02d-%02d,%lld,%lld", y, m, d, (long long)(floor_div(since, 27) + 1),
                (long long)(since - floor_div(since, 27) * 27 + 1));
        for (int k = 0; k < 8; k++) {
            fprintf(fp, ",%d", r->kp10[k]);
        }
        fprintf(fp, ",%d", kp_sum);
        for (int k = 0; k < 8; k++) {
            fprintf(fp, ",%d", r->ap[k]);
        }
        fprintf(fp, ",%ld,%.1f,%d,%d,%.1f,%.1f,OBS,%.1f,%.1f,%.1f,%.1f\n", lround(ap_sum / 8.0),
                SW_CP, SW_C9, SW_ISN, r->f107, r->f107, c81, l81, c81, l81);
    }
    free(rows);
    if (fflush(fp) != 0 || ferror(fp) != 0) {
        char what[160];
        snprintf(what, sizeof what, "cannot write: %s", strerror(errno));
        return fail(err, errlen, path, what);
    }
    return 0;
}

int sim_write_space_weather(const sim_scenario_t *s, const char *path, char *err, size_t errlen) {
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (path == NULL) {
        return fail(err, errlen, path, "no path");
    }
    /* Made in memory first: a scenario that cannot be written leaves no file behind. */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        return fail(err, errlen, path, "out of memory");
    }
    int rc = sim_space_weather_write(s, mem, path, err, errlen);
    if (fclose(mem) != 0 && rc == 0) {
        rc = fail(err, errlen, path, "out of memory");
    }
    if (rc != 0) {
        free(text);
        return rc;
    }
    FILE *fp = fopen(path, "w");
    if (fp == NULL) {
        char what[160];
        snprintf(what, sizeof what, "cannot create: %s", strerror(errno));
        free(text);
        return fail(err, errlen, path, what);
    }
    bool bad = fwrite(text, 1, len, fp) != len;
    free(text);
    if (fclose(fp) != 0 || bad) {
        char what[160];
        snprintf(what, sizeof what, "cannot write: %s", strerror(errno));
        return fail(err, errlen, path, what);
    }
    return 0;
}
