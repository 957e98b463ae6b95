/* test_swfile.c: the space-weather file vleo-sim writes for a scenario (sim/src/swfile.c,
 * sim/swfile.h; reference atmosphere.md "Space weather: CelesTrak CSV" and "Kp to ap"), read
 * back as text and with the monitor's reader (mon_sw_load / mon_sw_lookup, 6.7 h Kp lag). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mon/spacewx.h"
#include "sim/scenario.h"
#include "sim/swfile.h"

#define NS 1000000000LL
#define H_NS (3600LL * NS)
#define DAY_NS (86400LL * NS)
#define T_2022_02_03 (1643846400LL * NS)
#define UNIX_DAY_2000_01_01 10957 /* days from 1970-01-01 */
#define HEADER                                                                                     \
    "DATE,BSRN,ND,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8,KP_SUM,AP1,AP2,AP3,AP4,AP5,AP6,AP7,AP8,AP_AVG,"  \
    "CP,C9,ISN,F10.7_OBS,F10.7_ADJ,F10.7_DATA_TYPE,F10.7_OBS_CENTER81,F10.7_OBS_LAST81,"           \
    "F10.7_ADJ_CENTER81,F10.7_ADJ_LAST81"

/* The written file: its lines, split into fields. */
#define MAX_ROWS 600
typedef struct {
    char *text;
    size_t n;              /* data rows */
    char *f[MAX_ROWS][31]; /* fields of each data row */
    char *header;
} csv_t;

static char path_buf[64];

static const char *tmp_path(void) {
    snprintf(path_buf, sizeof path_buf, "/tmp/test_swfile_%d.csv", (int)getpid());
    return path_buf;
}

static void write_ok(const sim_scenario_t *s, const char *path) {
    char err[256] = "";
    cr_assert_eq(sim_write_space_weather(s, path, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(err, "");
}

static void read_csv(const char *path, csv_t *c) {
    memset(c, 0, sizeof *c);
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp);
    c->text = calloc(1, 1 << 20);
    cr_assert_not_null(c->text);
    size_t len = fread(c->text, 1, (1 << 20) - 1, fp);
    fclose(fp);
    cr_assert_gt(len, 0);
    cr_assert_eq(c->text[len - 1], '\n', "the file ends with a line end");
    char *save = NULL;
    c->header = strtok_r(c->text, "\n", &save);
    char *line;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        cr_assert_lt(c->n, MAX_ROWS);
        size_t k = 0;
        char *p = line;
        for (; k < 31 && p != NULL; k++) { /* fields are never empty: strsep keeps them apart */
            c->f[c->n][k] = strsep(&p, ",");
        }
        cr_assert_eq(k, 31, "row %zu has %zu fields", c->n, k);
        cr_assert_null(p, "row %zu has more than 31 fields", c->n);
        c->n++;
    }
}

static int ival(const csv_t *c, size_t row, size_t field) {
    return (int)strtol(c->f[row][field - 1], NULL, 10);
}

static double dval(const csv_t *c, size_t row, size_t field) {
    return strtod(c->f[row][field - 1], NULL);
}

static sim_scenario_t storm_scenario(void) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.start_ns = T_2022_02_03;
    s.duration_s = 48 * 3600.0;
    s.kp = 2.0;
    s.f107 = 120.0;
    s.f107a = 120.0;
    s.events[0] = (sim_event_t){.kind = SIM_EV_SPACE_WEATHER,
                                .at_ns = T_2022_02_03 + 6 * H_NS,
                                .until_ns = T_2022_02_03 + 30 * H_NS,
                                .kp = 5.0,
                                .f107 = NAN,
                                .f107a = NAN,
                                .density_factor = 1.25};
    s.events[1] = (sim_event_t){.kind = SIM_EV_THRUSTER_OFF, /* not space weather: no effect */
                                .at_ns = T_2022_02_03 + 1 * H_NS,
                                .kp = 9.0,
                                .f107 = 300.0,
                                .f107a = 300.0,
                                .density_factor = 9.0};
    s.n_events = 2;
    return s;
}

Test(swfile, header_rows_dates_kp_ap) {
    sim_scenario_t s = storm_scenario();
    const char *path = tmp_path();
    write_ok(&s, path);
    csv_t c;
    read_csv(path, &c);
    cr_expect_str_eq(c.header, HEADER);
    /* 100 days before the start (2021-10-26) to 45 days after the last day (2022-02-04) */
    cr_assert_eq(c.n, 100 + 2 + 45);
    cr_expect_str_eq(c.f[0][0], "2021-10-26");
    cr_expect_str_eq(c.f[99][0], "2022-02-02");
    cr_expect_str_eq(c.f[100][0], "2022-02-03");
    cr_expect_str_eq(c.f[101][0], "2022-02-04");
    cr_expect_str_eq(c.f[c.n - 1][0], "2022-03-21");
    for (size_t i = 0; i < c.n; i++) {
        /* Bartels rotation and day from the reference row 2000-01-01 = 2272 / 7 */
        int64_t dd = (s.start_ns / DAY_NS) - 100 + (int64_t)i - UNIX_DAY_2000_01_01;
        cr_expect_eq(ival(&c, i, 2), 2272 + (6 + dd) / 27, "row %zu BSRN", i);
        cr_expect_eq(ival(&c, i, 3), (6 + dd) % 27 + 1, "row %zu ND", i);
        cr_expect_str_eq(c.f[i][26], "OBS");
        cr_expect_str_eq(c.f[i][21], "0.5"); /* CP, C9, ISN: fixed */
        cr_expect_str_eq(c.f[i][22], "2");
        cr_expect_str_eq(c.f[i][23], "100");
        cr_expect_str_eq(c.f[i][24], "120.0");
        cr_expect_str_eq(c.f[i][25], "120.0");
        int kp_sum = 0, ap_sum = 0;
        for (size_t k = 0; k < 8; k++) {
            kp_sum += ival(&c, i, 4 + k);
            ap_sum += ival(&c, i, 13 + k);
        }
        cr_expect_eq(ival(&c, i, 12), kp_sum);
        cr_expect_eq(ival(&c, i, 21), (int)lround(ap_sum / 8.0));
    }
    /* 2022-02-03: intervals 00-03 and 03-06 quiet (Kp 2o = 20, ap 7), 06-24 storm (5o = 50,
     * ap 48): KP_SUM 340, Ap (14 + 288) / 8 = 37.75 -> 38. Bartels 2571 day 3. */
    cr_expect_eq(strcmp(c.f[100][1], "2571"), 0);
    cr_expect_eq(strcmp(c.f[100][2], "3"), 0);
    const int kp_d1[8] = {20, 20, 50, 50, 50, 50, 50, 50};
    const int kp_d2[8] = {50, 50, 20, 20, 20, 20, 20, 20}; /* 24-30 h storm, then quiet */
    for (size_t k = 0; k < 8; k++) {
        cr_expect_eq(ival(&c, 100, 4 + k), kp_d1[k]);
        cr_expect_eq(ival(&c, 100, 13 + k), kp_d1[k] == 50 ? 48 : 7);
        cr_expect_eq(ival(&c, 101, 4 + k), kp_d2[k]);
        cr_expect_eq(ival(&c, 101, 13 + k), kp_d2[k] == 50 ? 48 : 7);
        cr_expect_eq(ival(&c, 99, 4 + k), 20);
        cr_expect_eq(ival(&c, 102, 4 + k), 20);
    }
    cr_expect_eq(ival(&c, 100, 12), 340);
    cr_expect_eq(ival(&c, 100, 21), 38);
    cr_expect_eq(ival(&c, 101, 12), 220);
    cr_expect_eq(ival(&c, 101, 21), 17); /* (96 + 42) / 8 = 17.25 */
    cr_expect_eq(ival(&c, 102, 21), 7);
    free(c.text);
    cr_expect_eq(unlink(path), 0);
}

/* Kp x10 is rounded to the nearest third (0o 0+ 1- ... = 0 3 7 10 13 17 ...) and ap follows
 * Bartels' table; an event off the 3-hour boundaries counts for the intervals whose middle it
 * covers. */
Test(swfile, kp_thirds_and_ap) {
    static const struct {
        double kp;
        int kp10, ap;
    } cases[] = {{0.0, 0, 0},    {0.2, 3, 2},     {0.45, 3, 2},     {0.6, 7, 3},
                 {1.0, 10, 4},   {2.33, 23, 9},   {3.67, 37, 22},   {4.8, 47, 39},
                 {5.0, 50, 48},  {6.333, 63, 94}, {6.667, 67, 111}, {7.333, 73, 154},
                 {8.0, 80, 207}, {8.4, 83, 236},  {8.9, 90, 400},   {9.0, 90, 400}};
    const char *path = tmp_path();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_scenario_t s;
        sim_scenario_default(&s);
        s.start_ns = T_2022_02_03;
        s.kp = 1.0;
        /* 16:00 to 20:00 UT: covers the middles of 15-18 (16:30) and 18-21 (19:30) only */
        s.events[0] = (sim_event_t){.kind = SIM_EV_SPACE_WEATHER,
                                    .at_ns = T_2022_02_03 + 16 * H_NS,
                                    .until_ns = T_2022_02_03 + 20 * H_NS,
                                    .kp = cases[i].kp,
                                    .f107 = NAN,
                                    .f107a = NAN,
                                    .density_factor = NAN};
        /* from 23:00 to the end of the run, and no further: 21-24 UT (22:30) is before it */
        s.events[1] = s.events[0];
        s.events[1].at_ns = T_2022_02_03 + 23 * H_NS;
        s.events[1].until_ns = 0;
        s.n_events = 2;
        write_ok(&s, path);
        csv_t c;
        read_csv(path, &c);
        cr_assert_eq(c.n, 100 + 1 + 45);
        for (size_t k = 0; k < 8; k++) {
            bool in = k == 5 || k == 6;
            cr_expect_eq(ival(&c, 100, 4 + k), in ? cases[i].kp10 : 10, "Kp %g, KP%zu", cases[i].kp,
                         k + 1);
            cr_expect_eq(ival(&c, 100, 13 + k), in ? cases[i].ap : 4, "Kp %g, AP%zu", cases[i].kp,
                         k + 1);
            cr_expect_eq(ival(&c, 101, 4 + k), 10); /* after the run: the constant */
        }
        free(c.text);
    }
    cr_expect_eq(unlink(path), 0);
}

/* The monitor reads the file; Kp lookups inside the storm give the event's Kp with Jacchia's
 * 6.7 h lag, F10.7 (previous day) and its centred mean are the scenario's. */
Test(swfile, monitor_reads_it_with_the_lag) {
    sim_scenario_t s = storm_scenario();
    const char *path = tmp_path();
    write_ok(&s, path);
    char err[256] = "";
    mon_sw_t *sw = mon_sw_load(path, err, sizeof err);
    cr_assert_not_null(sw, "%s", err);
    cr_expect_eq(mon_sw_rows(sw), 147);
    cr_expect_eq(mon_sw_rows_of_kind(sw, MON_SW_OBS), 147);
    cr_expect_eq(mon_sw_first_day(sw), T_2022_02_03 - 100 * DAY_NS);
    cr_expect_eq(mon_sw_last_day(sw), T_2022_02_03 + 46 * DAY_NS);
    cr_expect_eq(mon_sw_last_observed_day(sw), T_2022_02_03 + 46 * DAY_NS);

    mon_sw_lookup_opts_t o;
    mon_sw_lookup_opts_default(&o);
    cr_assert_eq(o.kp_lag_h, 6.7);
    const int64_t lag = 6 * H_NS + 42 * 60 * NS; /* 6.7 h */
    const int64_t t0 = T_2022_02_03;
    static const struct {
        int64_t t;
        double kp, ap;
    } at[] = {
        {6 * H_NS - NS, 2.0, 7},   /* the lagged time is the last second before the storm */
        {6 * H_NS, 5.0, 48},       /* first second of the storm */
        {18 * H_NS, 5.0, 48},      /* the middle */
        {30 * H_NS - NS, 5.0, 48}, /* last second */
        {30 * H_NS, 2.0, 7},       /* over */
        {47 * H_NS, 2.0, 7},       /* the end of the run */
        {-30 * DAY_NS, 2.0, 7},    /* a month before */
    };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        mon_sw_values_t v;
        cr_assert_eq(mon_sw_lookup(sw, t0 + at[i].t + lag, &o, &v), 0);
        cr_expect_eq(v.kp, at[i].kp, "lagged time %+.3f h: Kp %g", (double)at[i].t / 3.6e12, v.kp);
        cr_expect_eq(v.ap, at[i].ap, "lagged time %+.3f h: ap %g", (double)at[i].t / 3.6e12, v.ap);
        cr_expect_eq(v.f107, 120.0);
        cr_expect_eq(v.f107a, 120.0);
        cr_expect_eq(v.kp_kind, MON_SW_OBS);
        cr_expect_eq(v.f107_kind, MON_SW_OBS);
        cr_expect(!v.predicted && !v.gap && !v.beyond);
    }
    /* without the lag the storm is seen 6.7 h earlier */
    mon_sw_values_t v;
    o.kp_lag_h = 0.0;
    cr_assert_eq(mon_sw_lookup(sw, t0 + 6 * H_NS, &o, &v), 0);
    cr_expect_eq(v.kp, 5.0);
    cr_assert_eq(mon_sw_lookup(sw, t0 + 6 * H_NS - NS, &o, &v), 0);
    cr_expect_eq(v.kp, 2.0);
    cr_assert_eq(mon_sw_lookup(sw, t0 - NS, &o, &v), 0);
    cr_expect_eq(v.ap_daily, 7.0); /* 2022-02-02, quiet */
    cr_assert_eq(mon_sw_lookup(sw, t0 + 12 * H_NS, &o, &v), 0);
    cr_expect_eq(v.ap_daily, 38.0);
    mon_sw_destroy(&sw);
    cr_expect_eq(unlink(path), 0);
}

/* F10.7 above its 81-day mean (May 2024: 214 and 185): the days of the run and the day before
 * carry 214, the others one value chosen so that the centred mean of every day of the run is
 * 185; the written means agree with the written daily values. */
Test(swfile, f107_and_its_means) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.start_ns = 1715212800LL * NS; /* 2024-05-09 */
    s.duration_s = 96 * 3600.0;
    s.f107 = 214.0;
    s.f107a = 185.0;
    s.events[0] = (sim_event_t){.kind = SIM_EV_SPACE_WEATHER,
                                .at_ns = s.start_ns + 41 * H_NS,
                                .until_ns = s.start_ns + 71 * H_NS,
                                .kp = 9.0,
                                .f107 = NAN,
                                .f107a = NAN,
                                .density_factor = 6.5};
    s.n_events = 1;
    const char *path = tmp_path();
    write_ok(&s, path);
    csv_t c;
    read_csv(path, &c);
    cr_assert_eq(c.n, 100 + 4 + 45);
    cr_expect_str_eq(c.f[100][0], "2024-05-09");
    /* the 5 core days at 214; the other 76 of the window at (81 x 185 - 5 x 214) / 76 */
    double fill = round((81 * 185.0 - 5 * 214.0) / 76 * 10) / 10;
    cr_expect_eq(fill, 183.1);
    for (size_t i = 0; i < c.n; i++) {
        bool core = i >= 99 && i <= 103;
        cr_expect_eq(dval(&c, i, 25), core ? 214.0 : fill, "row %zu %s", i, c.f[i][0]);
        cr_expect_eq(dval(&c, i, 26), dval(&c, i, 25));
        /* means from the written values, each clipped to the file's rows */
        double sc = 0, sl = 0;
        int nc = 0, nl = 0;
        for (long j = (long)i - 80; j <= (long)i + 40; j++) {
            if (j < 0 || j >= (long)c.n) {
                continue;
            }
            if (j >= (long)i - 40) {
                sc += dval(&c, (size_t)j, 25);
                nc++;
            }
            if (j <= (long)i) {
                sl += dval(&c, (size_t)j, 25);
                nl++;
            }
        }
        cr_expect_float_eq(dval(&c, i, 28), sc / nc, 0.05 + 1e-9, "row %zu", i);
        cr_expect_float_eq(dval(&c, i, 29), sl / nl, 0.05 + 1e-9, "row %zu", i);
        cr_expect_eq(dval(&c, i, 30), dval(&c, i, 28));
        cr_expect_eq(dval(&c, i, 31), dval(&c, i, 29));
        if (i >= 100 && i <= 103) {
            cr_expect_str_eq(c.f[i][27], "185.0", "row %zu", i);
        }
    }
    /* 11 May 2024: Kp 9 all day long in this scenario (41-71 h = 10 May 17 UT to 11 May 23 UT):
     * intervals 00-21 UT at Kp 9o (90, ap 400), 21-24 UT (middle 22:30) too */
    for (size_t k = 0; k < 8; k++) {
        cr_expect_eq(ival(&c, 102, 4 + k), 90);
    }
    cr_expect_eq(ival(&c, 102, 21), 400);
    free(c.text);

    char err[256] = "";
    mon_sw_t *sw = mon_sw_load(path, err, sizeof err);
    cr_assert_not_null(sw, "%s", err);
    mon_sw_lookup_opts_t o;
    mon_sw_lookup_opts_default(&o);
    for (int64_t h = 0; h < 96; h += 6) {
        mon_sw_values_t v;
        cr_assert_eq(mon_sw_lookup(sw, s.start_ns + h * H_NS, &o, &v), 0);
        cr_expect_eq(v.f107, 214.0, "%lld h", (long long)h); /* the previous day's */
        cr_expect_eq(v.f107a, 185.0, "%lld h", (long long)h);
        cr_expect(!v.predicted);
    }
    mon_sw_destroy(&sw);
    cr_expect_eq(unlink(path), 0);
}

/* An F10.7 event changes the flux of the days whose noon it covers. */
Test(swfile, f107_event_by_day) {
    sim_scenario_t s = storm_scenario();
    s.events[1] = (sim_event_t){.kind = SIM_EV_SPACE_WEATHER,
                                .at_ns = T_2022_02_03 + 24 * H_NS,
                                .until_ns = 0,
                                .kp = NAN,
                                .f107 = 200.0,
                                .f107a = NAN,
                                .density_factor = NAN};
    const char *path = tmp_path();
    write_ok(&s, path);
    csv_t c;
    read_csv(path, &c);
    cr_expect_str_eq(c.f[99][24], "120.0");
    cr_expect_str_eq(c.f[100][24], "120.0");
    cr_expect_str_eq(c.f[101][24], "200.0");
    /* the others: (81 x 120 - (120 + 120 + 200)) / 78 */
    char want[16];
    snprintf(want, sizeof want, "%.1f", (81 * 120.0 - 440.0) / 78);
    cr_expect_str_eq(c.f[102][24], want);
    cr_expect_str_eq(c.f[0][24], want);
    cr_expect_str_eq(c.f[100][27], "120.0");
    free(c.text);
    cr_expect_eq(unlink(path), 0);
}

Test(swfile, the_reference_row_2000_01_01) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.start_ns = (int64_t)UNIX_DAY_2000_01_01 * DAY_NS + 6 * H_NS;
    s.duration_s = 3600.0;
    const char *path = tmp_path();
    write_ok(&s, path);
    csv_t c;
    read_csv(path, &c);
    cr_assert_eq(c.n, 146);
    cr_expect_str_eq(c.f[100][0], "2000-01-01");
    cr_expect_str_eq(c.f[100][1], "2272");
    cr_expect_str_eq(c.f[100][2], "7");
    cr_expect_str_eq(c.f[0][0], "1999-09-23");
    cr_expect_str_eq(c.f[145][0], "2000-02-15");
    free(c.text);
    cr_expect_eq(unlink(path), 0);
}

Test(swfile, errors) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    char err[256] = "";
    cr_expect_eq(sim_write_space_weather(&s, "/nonexistent-dir/sw.csv", err, sizeof err), -1);
    cr_expect_str_eq(err, "/nonexistent-dir/sw.csv: cannot create: No such file or directory");
    s.kp = NAN;
    cr_expect_eq(sim_write_space_weather(&s, "/tmp/never.csv", err, sizeof err), -1);
    cr_expect_str_eq(err, "/tmp/never.csv: scenario space weather not finite or flux not positive");
    sim_scenario_default(&s);
    s.duration_s = 0;
    cr_expect_eq(sim_write_space_weather(&s, "/tmp/never.csv", err, sizeof err), -1);
    cr_expect_str_eq(err, "/tmp/never.csv: scenario duration not in (0, 3660 days]");
    cr_expect_eq(access("/tmp/never.csv", F_OK), -1);
}
