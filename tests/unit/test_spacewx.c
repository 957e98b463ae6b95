/* test_spacewx.c: the CelesTrak space-weather CSV loader and its lookups (monitor/src/spacewx.c;
 * reference atmosphere.md "Space weather: CelesTrak CSV" and "Kp to ap"). Expected values are read
 * off the fixtures in tests/data/spacewx/ and the reference row by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "mon/spacewx.h"
#include "vleo/timescale.h"

#define SWDATA(f) VLEO_SOURCE_DIR "/tests/data/spacewx/" f

#define HDR                                                                                        \
    "DATE,BSRN,ND,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8,KP_SUM,AP1,AP2,AP3,AP4,AP5,AP6,AP7,AP8,AP_AVG,"  \
    "CP,C9,ISN,F10.7_OBS,F10.7_ADJ,F10.7_DATA_TYPE,F10.7_OBS_CENTER81,F10.7_OBS_LAST81,"           \
    "F10.7_ADJ_CENTER81,F10.7_ADJ_LAST81"
/* The real example row of the reference. */
#define ROW2000                                                                                    \
    "2000-01-01,2272,7,53,47,40,33,43,30,43,37,327,56,39,27,18,32,15,32,22,30,1.3,6,71,129.9,"     \
    "125.6,OBS,166.2,179.0,161.1,175.0"
/* A quiet OBS row with every value present (date replaced per use). */
#define QUIET(d)                                                                                   \
    d ",2599,4,20,17,13,10,13,20,23,27,143,7,6,5,4,5,7,9,12,7,0.6,3,118,152.3,"                    \
      "149.5,OBS,165.1,158.6,162.0,155.7"

static int64_t utc(const char *iso) {
    int64_t t = 0;
    cr_assert_eq(vleo_parse_iso8601(iso, &t), 0, "bad time %s", iso);
    return t;
}

/* Parse n octets of s placed against a guard page, as "t.csv". */
static mon_sw_t *parse_n(const char *s, size_t n, mon_sw_parse_status_t *st, char *err,
                         size_t errlen) {
    const uint8_t *p = guard_place(s, n);
    cr_assert_not_null(p);
    return mon_sw_parse((const char *)p, n, "t.csv", st, err, errlen);
}

static mon_sw_t *parse_ok(const char *s) {
    char err[256] = "";
    mon_sw_parse_status_t st = MON_SW_PARSE_STATUS_COUNT;
    mon_sw_t *sw = parse_n(s, strlen(s), &st, err, sizeof err);
    cr_assert_not_null(sw, "%s", err);
    cr_assert_eq(st, MON_SW_PARSE_OK);
    return sw;
}

/* Expect s to be refused with status want and a message starting with prefix. */
static void parse_bad(const char *s, size_t n, mon_sw_parse_status_t want, const char *prefix) {
    char err[256] = "";
    mon_sw_parse_status_t st = MON_SW_PARSE_OK;
    mon_sw_t *sw = parse_n(s, n, &st, err, sizeof err);
    cr_assert_null(sw);
    cr_assert_eq(st, want, "status %s, want %s (%s)", mon_sw_parse_status_str(st),
                 mon_sw_parse_status_str(want), err);
    cr_assert_eq(strncmp(err, prefix, strlen(prefix)), 0, "message \"%s\", want \"%s...\"", err,
                 prefix);
}

static char *read_all(const char *path, size_t *n) {
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "cannot open %s", path);
    static char buf[1 << 16];
    *n = fread(buf, 1, sizeof buf, fp);
    cr_assert(feof(fp));
    fclose(fp);
    return buf;
}

/* The sample fixture, parsed from a guarded copy. */
static mon_sw_t *sample(void) {
    size_t n = 0;
    const char *s = read_all(SWDATA("sample.csv"), &n);
    char err[256] = "";
    mon_sw_t *sw = parse_n(s, n, NULL, err, sizeof err);
    cr_assert_not_null(sw, "%s", err);
    return sw;
}

static mon_sw_lookup_opts_t opts(double lag_h, bool prev, bool trailing) {
    mon_sw_lookup_opts_t o = {lag_h, prev, trailing};
    return o;
}

Test(spacewx, reference_row_exact_values) {
    mon_sw_t *sw = parse_ok(HDR "\n" ROW2000 "\n");
    cr_assert_eq(mon_sw_rows(sw), 1);
    int64_t d = 946684800LL * 1000000000LL; /* 2000-01-01T00:00Z */
    cr_assert_eq(mon_sw_first_day(sw), d);
    cr_assert_eq(mon_sw_last_day(sw), d);
    cr_assert_eq(mon_sw_last_observed_day(sw), d);
    cr_assert_eq(mon_sw_rows_of_kind(sw, MON_SW_OBS), 1);
    cr_assert_eq(mon_sw_rows_of_kind(sw, MON_SW_PRD), 0);

    static const double kp[8] = {5.3, 4.7, 4.0, 3.3, 4.3, 3.0, 4.3, 3.7};
    static const double ap[8] = {56, 39, 27, 18, 32, 15, 32, 22};
    mon_sw_lookup_opts_t o = opts(0.0, false, false);
    for (int i = 0; i < 8; i++) {
        mon_sw_values_t v;
        int64_t t = d + (int64_t)(3 * i + 1) * 3600LL * 1000000000LL; /* inside interval i */
        cr_assert_eq(mon_sw_lookup(sw, t, &o, &v), 0);
        cr_assert_eq(v.kp, kp[i], "KP%d %.17g", i + 1, v.kp);
        cr_assert_eq(v.ap, ap[i]);
        cr_assert_eq(v.ap_daily, 30.0);
        cr_assert_eq(v.f107, 129.9);
        cr_assert_eq(v.f107a, 166.2);
        cr_assert_eq(v.f107_kind, MON_SW_OBS);
        cr_assert_eq(v.kp_kind, MON_SW_OBS);
        cr_assert_eq(v.f107_day_utc_ns, d);
        cr_assert_eq(v.kp_day_utc_ns, d);
        cr_assert(v.predicted); /* centred mean of the last observed day */
        cr_assert(!v.gap && !v.beyond);
    }
    o.f107a_trailing = true;
    mon_sw_values_t v;
    cr_assert_eq(mon_sw_lookup(sw, d + 1, &o, &v), 0);
    cr_assert_eq(v.f107a, 179.0);
    cr_assert(!v.predicted && !v.gap && !v.beyond);
    mon_sw_destroy(&sw);
    cr_assert_null(sw);
}

Test(spacewx, sample_table_facts) {
    mon_sw_t *sw = sample();
    cr_assert_eq(mon_sw_rows(sw), 18);
    cr_assert_eq(mon_sw_rows_of_kind(sw, MON_SW_OBS), 9);
    cr_assert_eq(mon_sw_rows_of_kind(sw, MON_SW_INT), 1);
    cr_assert_eq(mon_sw_rows_of_kind(sw, MON_SW_PRD), 5);
    cr_assert_eq(mon_sw_rows_of_kind(sw, MON_SW_PRM), 3);
    cr_assert_eq(mon_sw_rows_of_kind(sw, MON_SW_CONST), 0);
    cr_assert_eq(mon_sw_first_day(sw), utc("2024-03-01"));
    cr_assert_eq(mon_sw_last_day(sw), utc("2024-06-01"));
    cr_assert_eq(mon_sw_last_observed_day(sw), utc("2024-03-11"));
    mon_sw_destroy(&sw);
}

Test(spacewx, kp_lag_picks_the_interval) {
    mon_sw_t *sw = sample();
    mon_sw_lookup_opts_t o;
    mon_sw_lookup_opts_default(&o);
    cr_assert_eq(o.kp_lag_h, 6.7);
    cr_assert(o.f107_prev_day && !o.f107a_trailing);
    o.f107a_trailing = true;
    mon_sw_values_t v;
    /* 02:00 - 6.7 h = 19:18 the day before: 2024-03-03 KP7 = 23, AP7 = 9, Ap = 18. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-04T02:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 2.3);
    cr_assert_eq(v.ap, 9.0);
    cr_assert_eq(v.ap_daily, 18.0);
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-03-03"));
    cr_assert_eq(v.f107, 145.0); /* F10.7_OBS of 2024-03-03 */
    cr_assert_eq(v.f107_day_utc_ns, utc("2024-03-03"));
    cr_assert_eq(v.f107a, 159.8); /* LAST81 of 2024-03-04 */
    cr_assert(!v.predicted && !v.gap && !v.beyond);
    /* 12:00 - 6.7 h = 05:18: 2024-03-04 KP2 = 13, AP2 = 5, Ap = 5. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-04T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 1.3);
    cr_assert_eq(v.ap, 5.0);
    cr_assert_eq(v.ap_daily, 5.0);
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-03-04"));
    /* Interval edges: 06:42 - 6.7 h is 00:00 (KP1 = 17); 1 ns earlier is the day before's KP8 = 20.
     */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-04T06:42:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 1.7);
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-03-04"));
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-04T06:42:00Z") - 1, &o, &v), 0);
    cr_assert_eq(v.kp, 2.0);
    cr_assert_eq(v.ap, 7.0);
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-03-03"));
    mon_sw_destroy(&sw);
}

Test(spacewx, f107_previous_or_same_day) {
    mon_sw_t *sw = sample();
    mon_sw_lookup_opts_t o = opts(0.0, true, true);
    mon_sw_values_t v;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-06T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 139.9); /* 2024-03-05, an INT row */
    cr_assert_eq(v.f107_kind, MON_SW_INT);
    cr_assert_eq(v.f107_day_utc_ns, utc("2024-03-05"));
    cr_assert_eq(v.f107a, 160.6); /* LAST81 of 2024-03-06 */
    cr_assert_eq(v.kp, 0.7);      /* KP5 of 2024-03-06 */
    cr_assert_eq(v.kp_kind, MON_SW_OBS);
    cr_assert(!v.predicted && !v.gap && !v.beyond);
    o.f107_prev_day = false;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-06T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 143.2);
    cr_assert_eq(v.f107_kind, MON_SW_OBS);
    cr_assert_eq(v.f107_day_utc_ns, utc("2024-03-06"));
    mon_sw_destroy(&sw);
}

Test(spacewx, missing_fields_use_nearest_earlier) {
    mon_sw_t *sw = sample();
    mon_sw_lookup_opts_t o = opts(0.0, true, true);
    mon_sw_values_t v;
    /* 2024-03-07 has no Kp/ap: the nearest earlier is 2024-03-06 KP8 = 17, AP8 = 6, Ap = 4. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-07T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 1.7);
    cr_assert_eq(v.ap, 6.0);
    cr_assert_eq(v.ap_daily, 4.0);
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-03-06"));
    cr_assert_eq(v.f107, 143.2);  /* 2024-03-06 is present */
    cr_assert_eq(v.f107a, 161.0); /* the row itself has its means */
    cr_assert(v.gap && !v.predicted && !v.beyond);
    /* The same through the lag: 2024-03-08T02:00 - 6.7 h falls on 2024-03-07. */
    o.kp_lag_h = 6.7;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-08T02:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 1.7);
    cr_assert(v.gap);
    /* 2024-03-08 itself is complete: no gap. */
    o.kp_lag_h = 0.0;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-08T22:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 4.7);
    cr_assert_eq(v.ap, 39.0);
    cr_assert_eq(v.ap_daily, 19.0);
    cr_assert(!v.gap);
    mon_sw_destroy(&sw);
}

Test(spacewx, missing_day_is_a_gap) {
    mon_sw_t *sw = sample();
    mon_sw_lookup_opts_t o = opts(0.0, true, true);
    mon_sw_values_t v;
    /* No row for 2024-03-09: the previous day's flux comes from 2024-03-08. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-10T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 158.4);
    cr_assert_eq(v.f107_day_utc_ns, utc("2024-03-08"));
    cr_assert_eq(v.kp, 2.0); /* KP5 of 2024-03-10 */
    cr_assert_eq(v.f107a, 162.2);
    cr_assert(v.gap && !v.beyond && !v.predicted);
    /* On 2024-03-09 itself: Kp from 2024-03-08 KP8 (its last interval). */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-09T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 4.7);
    cr_assert_eq(v.ap, 39.0);
    cr_assert_eq(v.ap_daily, 19.0);
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-03-08"));
    cr_assert_eq(v.f107, 158.4);  /* the previous day, 2024-03-08, has a row */
    cr_assert_eq(v.f107a, 161.4); /* LAST81 walked back from 2024-03-09 to 03-08 */
    cr_assert(v.gap);
    mon_sw_destroy(&sw);
}

Test(spacewx, predictions_are_flagged) {
    mon_sw_t *sw = sample();
    mon_sw_lookup_opts_t o = opts(0.0, true, true);
    mon_sw_values_t v;
    /* All observed: the last OBS day with the trailing mean. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-11T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 171.5);
    cr_assert_eq(v.f107a, 162.6);
    cr_assert_eq(v.kp, 0.3);
    cr_assert_eq(v.ap, 2.0);
    cr_assert(!v.predicted && !v.gap && !v.beyond);
    /* PRD rows. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-13T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 174.3);
    cr_assert_eq(v.f107_kind, MON_SW_PRD);
    cr_assert_eq(v.kp, 2.0);
    cr_assert_eq(v.ap, 7.0);
    cr_assert_eq(v.kp_kind, MON_SW_PRD);
    cr_assert(v.predicted && !v.gap);
    /* Kp and F10.7 observed, but the 81-day mean of the day is a PRD row's. */
    o.kp_lag_h = 6.7;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-12T03:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 1.0); /* 2024-03-11 KP7 */
    cr_assert_eq(v.ap_daily, 3.0);
    cr_assert_eq(v.kp_kind, MON_SW_OBS);
    cr_assert_eq(v.f107, 176.2);
    cr_assert_eq(v.f107_kind, MON_SW_OBS);
    cr_assert_eq(v.f107a, 163.1);
    cr_assert(v.predicted);
    /* A PRM row speaks for its month (no gap); Kp walks back to the last PRD row. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-04-15T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 162.3);
    cr_assert_eq(v.f107_kind, MON_SW_PRM);
    cr_assert_eq(v.f107_day_utc_ns, utc("2024-04-01"));
    cr_assert_eq(v.f107a, 163.0);
    cr_assert_eq(v.kp, 2.3);
    cr_assert_eq(v.ap, 9.0);
    cr_assert_eq(v.ap_daily, 9.0);
    cr_assert_eq(v.kp_kind, MON_SW_PRD);
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-03-16"));
    cr_assert(v.predicted && v.gap && !v.beyond);
    /* In June no Kp within 60 days: NaN, -1; the flux is still there. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-06-20T12:00:00Z"), &o, &v), -1);
    cr_assert(isnan(v.kp) && isnan(v.ap) && isnan(v.ap_daily));
    cr_assert_eq(v.kp_kind, MON_SW_KIND_COUNT);
    cr_assert_eq(v.kp_day_utc_ns, INT64_MIN);
    cr_assert_eq(v.f107, 150.7);
    cr_assert_eq(v.f107_kind, MON_SW_PRM);
    cr_assert(v.predicted && v.gap && !v.beyond);
    mon_sw_destroy(&sw);
}

Test(spacewx, centred_mean_near_last_obs_is_predicted) {
    /* Last OBS 2024-02-10 = 2024-01-01 + 40 days: the centred window of 01-01 ends on it. */
    mon_sw_t *sw = parse_ok(
        HDR "\n" QUIET("2024-01-01") "\n" QUIET("2024-01-02") "\n" QUIET("2024-02-10") "\n");
    mon_sw_lookup_opts_t o = opts(0.0, false, false);
    mon_sw_values_t v;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-01-01T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107a, 165.1);
    cr_assert(!v.predicted && !v.gap);
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-01-02T12:00:00Z"), &o, &v), 0);
    cr_assert(v.predicted && !v.gap);
    o.f107a_trailing = true;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-01-02T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107a, 158.6);
    cr_assert(!v.predicted);
    /* 2024-01-20 has no row: nearest earlier (01-02), a gap. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-01-20T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107_day_utc_ns, utc("2024-01-02"));
    cr_assert(v.gap);
    /* Walks reach back 60 days: 2024-03-02 is 60 days after 01-02 (2024 is a leap year). */
    mon_sw_destroy(&sw);
    sw = parse_ok(HDR "\n" QUIET("2024-01-02") "\n" QUIET("2024-03-10") "\n");
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-02T12:00:00Z"), &o, &v), 0); /* 60 days */
    cr_assert_eq(v.f107_day_utc_ns, utc("2024-01-02"));
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-03T12:00:00Z"), &o, &v), -1); /* 61 days */
    cr_assert(isnan(v.f107) && isnan(v.kp) && v.gap);
    cr_assert_eq(v.f107_kind, MON_SW_KIND_COUNT);
    mon_sw_destroy(&sw);
    /* A file without any OBS row: every centred mean is a prediction. */
    sw = parse_ok(HDR "\n"
                      "2024-03-12,2599,15,27,27,27,27,27,27,27,27,216,12,12,12,12,12,12,12,12,12,"
                      "0.8,4,150,174.3,172.0,PRD,168.6,163.1,166.4,161.0\n");
    cr_assert_eq(mon_sw_last_observed_day(sw), INT64_MIN);
    o.f107a_trailing = false;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-12T12:00:00Z"), &o, &v), 0);
    cr_assert(v.predicted);
    mon_sw_destroy(&sw);
}

Test(spacewx, monthly_row_speaks_for_its_month) {
    /* A PRM row (here with Kp, to isolate the flags) covers its month: no gap; beyond after the
     * month's last day. */
    mon_sw_t *sw = parse_ok(HDR "\n" QUIET(
        "2024-03-31") "\n"
                      "2024-04-01,2600,8,20,20,20,20,20,20,20,20,160,7,7,7,7,7,7,7,7,7,"
                      "0.6,3,131,162.3,162.0,PRM,160.5,163.0,160.2,162.7\n");
    cr_assert_eq(mon_sw_last_day(sw), utc("2024-04-01"));
    mon_sw_lookup_opts_t o = opts(0.0, false, true);
    mon_sw_values_t v;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-04-30T23:59:59Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 162.3);
    cr_assert_eq(v.kp, 2.0);
    cr_assert_eq(v.f107_kind, MON_SW_PRM);
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-04-01"));
    cr_assert(v.predicted && !v.gap && !v.beyond);
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-05-01T00:00:00Z"), &o, &v), 0);
    cr_assert(v.predicted && !v.gap && v.beyond);
    /* An OBS row does not cover the next day. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-31T12:00:00Z"), &o, &v), 0);
    cr_assert(!v.predicted && !v.gap && !v.beyond);
    mon_sw_destroy(&sw);
}

Test(spacewx, beyond_the_file) {
    mon_sw_t *sw = sample();
    mon_sw_lookup_opts_t o = opts(0.0, false, true);
    mon_sw_values_t v;
    /* Before the first row: row 0, its first interval. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-02-20T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 152.3);
    cr_assert_eq(v.kp, 2.0);
    cr_assert_eq(v.ap, 7.0);
    cr_assert_eq(v.ap_daily, 7.0);
    cr_assert_eq(v.f107_day_utc_ns, utc("2024-03-01"));
    cr_assert(v.beyond && !v.gap && !v.predicted);
    /* The previous day of the first row is beyond too. */
    o.f107_prev_day = true;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-01T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 152.3);
    cr_assert(v.beyond);
    o.f107_prev_day = false;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-01T12:00:00Z"), &o, &v), 0);
    cr_assert(!v.beyond);
    /* The lag reaching before the file. */
    o.kp_lag_h = 6.7;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-01T02:00:00Z"), &o, &v), 0);
    cr_assert(v.beyond);
    /* After the last PRM month (June): the last row, no Kp. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-06-30T23:00:00Z"), &o, &v), -1);
    cr_assert(!v.beyond);
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-07-15T12:00:00Z"), &o, &v), -1);
    cr_assert_eq(v.f107, 150.7);
    cr_assert_eq(v.f107a, 160.0);
    cr_assert(v.beyond && v.predicted);
    cr_assert(isnan(v.kp));
    /* Extreme times do not overflow. */
    cr_assert_eq(mon_sw_lookup(sw, INT64_MIN, &o, &v), 0);
    cr_assert(v.beyond);
    cr_assert_eq(mon_sw_lookup(sw, INT64_MAX, &o, &v), -1);
    cr_assert(v.beyond);
    o.kp_lag_h = -1e300;
    cr_assert_eq(mon_sw_lookup(sw, INT64_MAX, &o, &v), -1);
    o.kp_lag_h = NAN;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-04T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 1.0); /* NaN lag counts as none: KP5 of 2024-03-04 */
    cr_assert_eq(mon_sw_lookup(NULL, 0, &o, &v), -1);
    cr_assert(isnan(v.f107));
    cr_assert_eq(mon_sw_lookup(sw, 0, NULL, NULL), -1);
    mon_sw_destroy(&sw);
}

/* The constructed May 2024 storm file: Kp >= 8- for 30 h over 10-11 May, Ap 274 on 11 May. */
Test(spacewx, storm_2024_05) {
    char err[256] = "";
    mon_sw_t *sw = mon_sw_load(SWDATA("storm-2024-05.csv"), err, sizeof err);
    cr_assert_not_null(sw, "%s", err);
    cr_assert_eq(mon_sw_rows(sw), 20);
    mon_sw_lookup_opts_t o;
    mon_sw_lookup_opts_default(&o);
    mon_sw_values_t v;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-05-11T02:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 8.7); /* 10 May KP7 (18-21 UT) */
    cr_assert_eq(v.ap, 300.0);
    cr_assert_eq(v.ap_daily, 112.0);
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-05-10"));
    cr_assert_eq(v.f107, 214.0);
    cr_assert_eq(v.f107a, 184.7);
    cr_assert(v.predicted); /* centred, 9 days before the last OBS */
    cr_assert(!v.gap && !v.beyond);
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-05-11T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 9.0); /* 11 May KP2 (03-06 UT) */
    cr_assert_eq(v.ap, 400.0);
    cr_assert_eq(v.ap_daily, 274.0);
    cr_assert_eq(v.f107, 214.0);
    /* Sweep every interval with no lag. */
    o.kp_lag_h = 0.0;
    int strong = 0;
    double max_ap = 0.0;
    int64_t t0 = utc("2024-05-01T01:30:00Z");
    for (int i = 0; i < 20 * 8; i++) {
        cr_assert_eq(mon_sw_lookup(sw, t0 + i * 10800LL * 1000000000LL, &o, &v), 0);
        cr_assert_eq(v.ap, mon_kp_to_ap(v.kp), "interval %d", i);
        strong += v.kp >= 7.6;
        max_ap = fmax(max_ap, v.ap_daily);
    }
    cr_assert_eq(strong, 10);
    cr_assert_eq(max_ap, 274.0);
    mon_sw_destroy(&sw);
}

Test(spacewx, errors_name_line_and_column) {
    /* Wrong header: "KPSUM" differs from "KP_SUM" at char column 48. */
    const char *h = "DATE,BSRN,ND,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8,KPSUM\n" ROW2000 "\n";
    parse_bad(h, strlen(h), MON_SW_PARSE_NO_HEADER, "t.csv:1:48: ");
    const char *h2 = ROW2000 "\n";
    parse_bad(h2, strlen(h2), MON_SW_PARSE_NO_HEADER, "t.csv:1:1: ");
    const char *h3 = HDR ",EXTRA\n" ROW2000 "\n";
    parse_bad(h3, strlen(h3), MON_SW_PARSE_NO_HEADER, "t.csv:1:209: ");
    /* Bad date on line 3 (30 February). */
    const char *d = HDR "\n" QUIET("2024-02-28") "\n" QUIET("2024-02-30") "\n";
    parse_bad(d, strlen(d), MON_SW_PARSE_BAD_FIELD, "t.csv:3:1: field 1 DATE");
    const char *d1 = HDR "\n" QUIET("1900-02-29") "\n"; /* 1900 is no leap year */
    parse_bad(d1, strlen(d1), MON_SW_PARSE_BAD_FIELD, "t.csv:2:1: field 1 DATE: not a");
    mon_sw_t *leap = parse_ok(HDR "\n" QUIET("2000-02-29") "\n" QUIET("2024-02-29") "\n");
    cr_assert_eq(mon_sw_first_day(leap), utc("2000-02-29"));
    mon_sw_destroy(&leap);
    const char *d2 = HDR "\n" QUIET("2024/02/28") "\n";
    parse_bad(d2, strlen(d2), MON_SW_PARSE_BAD_FIELD, "t.csv:2:1: field 1 DATE");
    const char *d3 = HDR "\n" QUIET("1600-01-01") "\n";
    parse_bad(d3, strlen(d3), MON_SW_PARSE_BAD_FIELD, "t.csv:2:1: field 1 DATE: year outside");
    /* Bad number: KP1 (field 4, char column 19) "5x". */
    const char *n = HDR "\n2000-01-01,2272,7,5x,47,40,33,43,30,43,37,327,56,39,27,18,32,15,32,22,"
                        "30,1.3,6,71,129.9,125.6,OBS,166.2,179.0,161.1,175.0\n";
    parse_bad(n, strlen(n), MON_SW_PARSE_BAD_FIELD,
              "t.csv:2:19: field 4 KP1: not an integer: \"5x\" (char column)");
    /* Kp x10 over 90, F10.7 as "inf", an exponent, a blank, a fraction in KP1. */
    static const char *bad_kp1[] = {"95", "5.3", " 53", "+", "-3", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad_kp1 / sizeof bad_kp1[0]; i++) {
        char buf[512];
        snprintf(buf, sizeof buf,
                 HDR "\n2000-01-01,2272,7,%s,47,40,33,43,30,43,37,327,56,39,27,18,32,15,32,22,"
                     "30,1.3,6,71,129.9,125.6,OBS,166.2,179.0,161.1,175.0\n",
                 bad_kp1[i]);
        parse_bad(buf, strlen(buf), MON_SW_PARSE_BAD_FIELD, "t.csv:2:19: field 4 KP1");
    }
    static const char *bad_f107[] = {"inf", "nan", "1.3e2", "12..9", "-5.0", "0x10"};
    for (size_t i = 0; i < sizeof bad_f107 / sizeof bad_f107[0]; i++) {
        char buf[512];
        snprintf(buf, sizeof buf,
                 HDR "\n2000-01-01,2272,7,53,47,40,33,43,30,43,37,327,56,39,27,18,32,15,32,22,"
                     "30,1.3,6,71,%s,125.6,OBS,166.2,179.0,161.1,175.0\n",
                 bad_f107[i]);
        /* F10.7_OBS is field 25 at char column 83 */
        parse_bad(buf, strlen(buf), MON_SW_PARSE_BAD_FIELD, "t.csv:2:83: field 25 F10.7_OBS");
    }
    /* Data type. */
    const char *ty = HDR "\n2000-01-01,2272,7,53,47,40,33,43,30,43,37,327,56,39,27,18,32,15,32,"
                         "22,30,1.3,6,71,129.9,125.6,obs,166.2,179.0,161.1,175.0\n";
    parse_bad(ty, strlen(ty), MON_SW_PARSE_BAD_FIELD, "t.csv:2:95: field 27 F10.7_DATA_TYPE");
    /* 30 fields on line 3 (the last dropped): char column of the line end. */
    const char *f = HDR "\n" ROW2000 "\n2000-01-02,2272,8,53,47,40,33,43,30,43,37,327,56,39,27,"
                        "18,32,15,32,22,30,1.3,6,71,129.9,125.6,OBS,166.2,179.0,161.1\n";
    parse_bad(f, strlen(f), MON_SW_PARSE_FIELD_COUNT, "t.csv:3:116: 30 fields, expected 31");
    const char *f2 = HDR "\n" ROW2000 ",1\n";
    parse_bad(f2, strlen(f2), MON_SW_PARSE_FIELD_COUNT, "t.csv:2:123: more than 31 fields");
    /* Out of order (line 4 before line 3's date), and a repeated date. */
    const char *o =
        HDR "\n" QUIET("2024-01-01") "\n" QUIET("2024-01-03") "\n" QUIET("2024-01-02") "\n";
    parse_bad(o, strlen(o), MON_SW_PARSE_ORDER,
              "t.csv:4:1: field 1 DATE: 2024-01-02 is not after the date of line 3");
    const char *o2 = HDR "\n" QUIET("2024-01-01") "\n" QUIET("2024-01-01") "\n";
    parse_bad(o2, strlen(o2), MON_SW_PARSE_ORDER, "t.csv:3:1: ");
    /* Empty file, blank-only file, header only. */
    parse_bad("", 0, MON_SW_PARSE_EMPTY, "t.csv:1:1: empty file");
    parse_bad("\r\n\n", 3, MON_SW_PARSE_EMPTY, "t.csv:1:1: empty file");
    parse_bad(HDR "\n", strlen(HDR) + 1, MON_SW_PARSE_EMPTY, "t.csv:2:1: no data rows");
    parse_bad(HDR "\r\n\r\n", strlen(HDR) + 4, MON_SW_PARSE_EMPTY, "t.csv:2:1: no data rows");
    /* A blank line inside the data. */
    const char *b = HDR "\n" QUIET("2024-01-01") "\n\n" QUIET("2024-01-02") "\n";
    parse_bad(b, strlen(b), MON_SW_PARSE_FIELD_COUNT, "t.csv:3:1: blank line");
    /* Line too long (1100 characters on line 3); 1024 exactly is only a bad row. */
    char lng[2048];
    int k = snprintf(lng, sizeof lng, "%s\n%s\n", HDR, ROW2000);
    memset(lng + k, '9', 1100);
    lng[k + 1100] = '\n';
    parse_bad(lng, (size_t)k + 1101, MON_SW_PARSE_BAD_FIELD, "t.csv:3:1025: line too long");
    parse_bad(lng, (size_t)k + 1024, MON_SW_PARSE_FIELD_COUNT, "t.csv:3:1025: 1 fields");
    parse_bad(lng, (size_t)k + 1025, MON_SW_PARSE_BAD_FIELD, "t.csv:3:1025: line too long");
    /* Truncated in the middle of a row (no newline). */
    const char *tr = HDR "\n" ROW2000 "\n2000-01-02,2272,8,53";
    parse_bad(tr, strlen(tr), MON_SW_PARSE_FIELD_COUNT, "t.csv:3:21: 4 fields");
    /* The status strings. */
    cr_assert_str_eq(mon_sw_parse_status_str(MON_SW_PARSE_ORDER), "date order");
    cr_assert_str_eq(mon_sw_parse_status_str(MON_SW_PARSE_STATUS_COUNT), "?");
    cr_assert_str_eq(mon_sw_kind_str(MON_SW_PRM), "PRM");
    cr_assert_str_eq(mon_sw_kind_str(MON_SW_CONST), "CONST");
    cr_assert_str_eq(mon_sw_kind_str(MON_SW_KIND_COUNT), "none");
}

Test(spacewx, empty_fields_are_missing_not_zero) {
    /* A row with empty F10.7_OBS, KP1/AP1 and KP8/AP8 after a full row. */
    mon_sw_t *sw = parse_ok(HDR "\n" QUIET(
        "2024-01-01") "\n"
                      "2024-01-02,2599,5,,17,13,10,13,20,23,,143,,6,5,4,5,7,9,,7,0.6,3,"
                      "118,,149.5,OBS,165.1,158.6,162.0,155.7\n");
    mon_sw_lookup_opts_t o = opts(0.0, false, true);
    mon_sw_values_t v;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-01-02T01:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 152.3); /* from 2024-01-01 */
    cr_assert_eq(v.kp, 2.7);     /* 2024-01-01 KP8 */
    cr_assert_eq(v.ap, 12.0);
    cr_assert_eq(v.ap_daily, 7.0); /* the row's own Ap */
    cr_assert(v.gap);
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-01-02T04:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 1.7); /* KP2 of 2024-01-02 itself */
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-01-02"));
    cr_assert(v.gap); /* F10.7 still walked back */
    /* KP8/AP8 empty (a day still in progress): 22:00 takes KP7 of the same day. */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-01-02T22:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 2.3);
    cr_assert_eq(v.ap, 9.0);
    cr_assert_eq(v.kp_day_utc_ns, utc("2024-01-02"));
    cr_assert(v.gap);
    o.f107_prev_day = true; /* 2024-01-01's flux: now only the Kp interval is missing */
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-01-02T22:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 2.3);
    cr_assert(v.gap);
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-01-02T19:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.kp, 2.3);
    cr_assert(!v.gap);
    /* Months after the file: from the last row, walking back from it (not from the wanted day). */
    o.f107_prev_day = false;
    cr_assert_eq(mon_sw_lookup(sw, utc("2024-06-01T12:00:00Z"), &o, &v), 0);
    cr_assert_eq(v.f107, 152.3);
    cr_assert_eq(v.f107_day_utc_ns, utc("2024-01-01"));
    cr_assert_eq(v.kp, 2.3); /* the last row's last interval with a value, KP7 */
    cr_assert(v.gap && v.beyond);
    mon_sw_destroy(&sw);
}

Test(spacewx, crlf_bom_and_file_ends) {
    size_t n = 0;
    const char *s = read_all(SWDATA("sample.csv"), &n);
    /* BOM, CRLF everywhere, no final line end, then the same with blank lines at the end. */
    static char crlf[1 << 17];
    size_t m = 0;
    memcpy(crlf, "\xEF\xBB\xBF", 3);
    m = 3;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            crlf[m++] = '\r';
        }
        crlf[m++] = s[i];
    }
    cr_assert_eq(crlf[m - 1], '\n');
    size_t variants[3] = {m - 2, m, m};
    for (int vi = 0; vi < 3; vi++) {
        size_t len = variants[vi];
        if (vi == 2) {
            memcpy(crlf + m, "\r\n\n\r\n", 5);
            len = m + 5;
        }
        char err[256] = "";
        mon_sw_t *sw = parse_n(crlf, len, NULL, err, sizeof err);
        cr_assert_not_null(sw, "variant %d: %s", vi, err);
        cr_assert_eq(mon_sw_rows(sw), 18);
        mon_sw_lookup_opts_t o = opts(0.0, true, true);
        mon_sw_values_t v;
        cr_assert_eq(mon_sw_lookup(sw, utc("2024-03-04T12:00:00Z"), &o, &v), 0);
        cr_assert_eq(v.f107, 145.0);
        cr_assert_eq(v.kp, 1.0);
        /* the last row (PRM 2024-06-01) ends in ".5" then "\r" or nothing */
        cr_assert_eq(mon_sw_lookup(sw, utc("2024-06-02T12:00:00Z"), &o, &v), -1);
        cr_assert_eq(v.f107a, 160.0);
        mon_sw_destroy(&sw);
    }
    /* A lone '\r' inside a line is not a line end. */
    const char *cr = HDR "\r\n" QUIET("2024-01-01") "\r\r\n";
    parse_bad(cr, strlen(cr), MON_SW_PARSE_BAD_FIELD, "t.csv:2:");
}

/* Next calendar day of y-m-d (Gregorian). */
static void next_day(int *y, int *m, int *d) {
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    int n = (*m == 2 && leap) ? 29 : dim[*m - 1];
    if (++*d > n) {
        *d = 1;
        if (++*m > 12) {
            *m = 1;
            ++*y;
        }
    }
}

Test(spacewx, row_count_bound) {
    /* MON_SW_MAX_ROWS rows from 1700-01-01 load; one more is TOO_BIG (minimal rows). */
    size_t rows = MON_SW_MAX_ROWS + 1, cap = strlen(HDR) + 2 + rows * 48;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    size_t m = (size_t)snprintf(buf, cap, "%s\n", HDR);
    size_t end_max = 0;
    int y = 1700, mo = 1, d = 1;
    for (size_t i = 0; i < rows; i++) {
        m += (size_t)snprintf(buf + m, cap - m, "%04d-%02d-%02d,,,,,,,,,,,,,,,,,,,,,,,,,,OBS,,,,\n",
                              y, mo, d);
        next_day(&y, &mo, &d);
        if (i + 1 == MON_SW_MAX_ROWS) {
            end_max = m;
        }
    }
    char err[256] = "";
    mon_sw_parse_status_t st;
    mon_sw_t *sw = parse_n(buf, end_max, &st, err, sizeof err);
    cr_assert_not_null(sw, "%s", err);
    cr_assert_eq(mon_sw_rows(sw), MON_SW_MAX_ROWS);
    /* 1700-01-01 is 98,615 days before 1970-01-01; the last row 199,999 days after it. */
    cr_assert_eq(mon_sw_first_day(sw), -98615LL * 86400LL * 1000000000LL);
    cr_assert_eq(mon_sw_last_day(sw), (199999LL - 98615LL) * 86400LL * 1000000000LL);
    mon_sw_values_t v;
    cr_assert_eq(mon_sw_lookup(sw, utc("2000-06-01T12:00:00Z"), NULL, &v), -1); /* all empty */
    cr_assert(v.gap && isnan(v.f107) && isnan(v.kp) && !v.beyond);
    mon_sw_destroy(&sw);
    char want[64];
    snprintf(want, sizeof want, "t.csv:%d:1: more than %d rows", MON_SW_MAX_ROWS + 2,
             MON_SW_MAX_ROWS);
    parse_bad(buf, m, MON_SW_PARSE_TOO_BIG, want);
    free(buf);
}

Test(spacewx, load_errors_name_the_file) {
    char err[256] = "";
    cr_assert_null(mon_sw_load(SWDATA("no-such-file.csv"), err, sizeof err));
    cr_assert(strstr(err, "no-such-file.csv: cannot open") != NULL, "%s", err);
    /* Parse errors name the path too: README.txt is no CSV. */
    cr_assert_null(mon_sw_load(SWDATA("README.txt"), err, sizeof err));
    cr_assert(strstr(err, "README.txt:1:1: not CelesTrak") != NULL, "%s", err);
    mon_sw_t *sw = mon_sw_load(SWDATA("sample.csv"), err, sizeof err);
    cr_assert_not_null(sw, "%s", err);
    cr_assert_eq(mon_sw_rows(sw), 18);
    mon_sw_destroy(&sw);
    mon_sw_destroy(&sw); /* twice is harmless */
    mon_sw_destroy(NULL);
}

Test(spacewx, kp_to_ap_all_thirds) {
    /* Reference "Kp to ap" (Bartels), 0o .. 9o by thirds, and the CSV x10 codes. */
    static const double ap[28] = {0,  2,  3,  4,  5,  6,  7,   9,   12,  15,  18,  22,  27,  32,
                                  39, 48, 56, 67, 80, 94, 111, 132, 154, 179, 207, 236, 300, 400};
    static const int kp10[28] = {0,  3,  7,  10, 13, 17, 20, 23, 27, 30, 33, 37, 40, 43,
                                 47, 50, 53, 57, 60, 63, 67, 70, 73, 77, 80, 83, 87, 90};
    for (int i = 0; i < 28; i++) {
        cr_assert_eq(mon_kp_to_ap(i / 3.0), ap[i], "third %d", i);
        cr_assert_eq(mon_kp_to_ap(kp10[i] / 10.0), ap[i], "Kp x10 %d", kp10[i]);
        cr_assert_eq(mon_kp_to_ap(i / 3.0 + 0.16), ap[i], "third %d + 0.16", i);
        if (i > 0) {
            cr_assert_eq(mon_kp_to_ap(i / 3.0 - 0.16), ap[i]);
            cr_assert_lt(ap[i - 1], ap[i]); /* strictly increasing */
        }
        /* round trip: the ap of a third maps back to the same third only */
        int back = -1;
        for (int j = 0; j < 28; j++) {
            if (mon_kp_to_ap(j / 3.0) == ap[i]) {
                cr_assert_eq(back, -1);
                back = j;
            }
        }
        cr_assert_eq(back, i);
    }
    cr_assert_eq(mon_kp_to_ap(-1.0), 0.0);
    cr_assert_eq(mon_kp_to_ap(12.0), 400.0);
    cr_assert(isnan(mon_kp_to_ap(NAN)));
}
