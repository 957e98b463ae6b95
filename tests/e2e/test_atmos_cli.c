/* test_atmos_cli.c: end-to-end tests of the vleo-atmos program (DESIGN section 6): its JSON
 * against the library for the same inputs, space-weather files, exit codes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "mon/atmos.h"
#include "mon/spacewx.h"
#include "vleo/timescale.h"

#define ATMOS VLEO_MON_BIN_DIR "/vleo-atmos"
#define RUN_TIMEOUT_MS 20000

typedef e2e_run_t run_t;

static run_t run(char *const argv[]) {
    run_t r = e2e_run(argv, RUN_TIMEOUT_MS);
    cr_assert(r.code != -1 && r.out && r.err, "cannot run %s", argv[0]);
    return r;
}

#define run_free e2e_run_free

/* The number after "key": in json (the first occurrence). */
static double json_num(const char *json, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    cr_assert_not_null(p, "no %s in %s", pat, json);
    char *end;
    double v = strtod(p + strlen(pat), &end);
    cr_assert_neq(end, p + strlen(pat), "%s is not a number in %s", key, json);
    return v;
}

static bool json_has(const char *json, const char *text) {
    return strstr(json, text) != NULL;
}

/* A successful run: stdout is one line holding one object, stderr is empty (under the
 * sanitizers a leak report would land there). */
static void check_one_object(const run_t *r) {
    cr_assert_eq(r->err[0], '\0', "stderr: %s", r->err);
    const char *out = r->out;
    size_t n = strlen(out);
    cr_assert_gt(n, 2);
    cr_assert_eq(out[0], '{', "%s", out);
    cr_assert_eq(out[n - 2], '}', "%s", out);
    cr_assert_eq(out[n - 1], '\n');
    cr_assert_eq(e2e_count_lines(out), 1);
}

Test(atmos_cli, jacchia_matches_library_and_gmat) {
    char *argv[] = {ATMOS,
                    "--model",
                    "jacchia71",
                    "--alt",
                    "300",
                    "--lat",
                    "45",
                    "--lon",
                    "0",
                    "--time",
                    "2017-01-01T00:00:00Z",
                    "--f107",
                    "100",
                    "--f107a",
                    "100",
                    "--kp",
                    "4",
                    NULL};
    run_t r = run(argv);
    cr_assert_eq(r.code, 0, "%s", r.err);
    check_one_object(&r);
    int64_t t;
    cr_assert_eq(vleo_parse_iso8601("2017-01-01T00:00:00Z", &t), 0);
    mon_atmos_in_t in = {.alt_km = 300,
                         .lat_deg = 45,
                         .lon_deg = 0,
                         .utc_unix_ns = t,
                         .f107 = 100,
                         .f107a = 100,
                         .kp = 4};
    mon_atmos_out_t o;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &o), MON_ATMOS_OK);
    /* The JSON number is the shortest round-trip form: exactly the library's double. */
    cr_assert_eq(json_num(r.out, "density_kg_m3"), o.density_kg_m3, "%s", r.out);
    cr_assert_eq(json_num(r.out, "exo_temp_k"), o.exo_temp_k);
    cr_assert_eq(json_num(r.out, "local_temp_k"), o.local_temp_k);
    /* GMAT's Jacchia-Roberts value, 1.30609e-14 g/cm^3. */
    cr_assert_lt(fabs(o.density_kg_m3 / 1.30609e-11 - 1.0), 1e-4);
    /* Every input used. */
    cr_assert(json_has(r.out, "\"model\":\"jacchia71\""), "%s", r.out);
    cr_assert_eq(json_num(r.out, "alt_km"), 300.0);
    cr_assert_eq(json_num(r.out, "lat_deg"), 45.0);
    cr_assert_eq(json_num(r.out, "lon_deg"), 0.0);
    cr_assert(json_has(r.out, "\"time\":\"2017-01-01T00:00:00"), "%s", r.out);
    cr_assert_eq(json_num(r.out, "f107"), 100.0);
    cr_assert_eq(json_num(r.out, "f107a"), 100.0);
    cr_assert_eq(json_num(r.out, "kp"), 4.0);
    cr_assert(json_has(r.out, "\"status\":\"ok\""));
    cr_assert(!json_has(r.out, "space_weather"));
    run_free(&r);
}

Test(atmos_cli, defaults_harris_priester_and_exponential) {
    /* Defaults: lat 0, lon 0, F10.7 = mean = 150, Kp 3 (time: now, so not compared). */
    char *j71[] = {ATMOS, "--model", "j71", "--alt", "250", NULL};
    run_t r = run(j71);
    cr_assert_eq(r.code, 0, "%s", r.err);
    check_one_object(&r);
    cr_assert_eq(json_num(r.out, "lat_deg"), 0.0);
    cr_assert_eq(json_num(r.out, "lon_deg"), 0.0);
    cr_assert_eq(json_num(r.out, "f107"), 150.0);
    cr_assert_eq(json_num(r.out, "f107a"), 150.0);
    cr_assert_eq(json_num(r.out, "kp"), 3.0);
    run_free(&r);

    char *hp[] = {
        ATMOS,   "--model", "harris-priester",      "--alt",         "400", "--lat", "-30", "--lon",
        "120.5", "--time",  "2003-03-21T01:00:00Z", "--hp-exponent", "6",   NULL};
    r = run(hp);
    cr_assert_eq(r.code, 0, "%s", r.err);
    check_one_object(&r);
    int64_t t;
    cr_assert_eq(vleo_parse_iso8601("2003-03-21T01:00:00Z", &t), 0);
    mon_atmos_in_t in = {
        .alt_km = 400, .lat_deg = -30, .lon_deg = 120.5, .utc_unix_ns = t, .hp_exponent = 6};
    mon_atmos_out_t o;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_HARRIS_PRIESTER, &in, &o), MON_ATMOS_OK);
    cr_assert_eq(json_num(r.out, "density_kg_m3"), o.density_kg_m3, "%s", r.out);
    cr_assert_eq(json_num(r.out, "hp_exponent"), 6.0);
    cr_assert(json_has(r.out, "\"model\":\"harris-priester\""));
    cr_assert(!json_has(r.out, "\"kp\""), "HP uses no Kp: %s", r.out);
    run_free(&r);

    /* Above 1000 km Harris-Priester gives 0 with its status. */
    char *hp_high[] = {ATMOS, "--model", "hp", "--alt", "1200", NULL};
    r = run(hp_high);
    cr_assert_eq(r.code, 0, "%s", r.err);
    check_one_object(&r);
    cr_assert_eq(json_num(r.out, "density_kg_m3"), 0.0);
    cr_assert(json_has(r.out, "\"status\":\"above_range\""), "%s", r.out);
    run_free(&r);

    char *ex[] = {ATMOS, "--model", "exponential", "--alt", "747.2119", NULL};
    r = run(ex);
    cr_assert_eq(r.code, 0, "%s", r.err);
    check_one_object(&r);
    cr_assert_lt(fabs(json_num(r.out, "density_kg_m3") / 2.1219854e-14 - 1.0), 1e-6, "%s", r.out);
    cr_assert_eq(json_num(r.out, "alt_km"), 747.2119);
    run_free(&r);
}

/* A small CelesTrak file: four days around 2017-01-01 with distinct values per day. */
static const char sw_csv[] =
    "DATE,BSRN,ND,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8,KP_SUM,AP1,AP2,AP3,AP4,AP5,AP6,AP7,AP8,"
    "AP_AVG,CP,C9,ISN,F10.7_OBS,F10.7_ADJ,F10.7_DATA_TYPE,F10.7_OBS_CENTER81,F10.7_OBS_LAST81,"
    "F10.7_ADJ_CENTER81,F10.7_ADJ_LAST81\n"
    "2016-12-30,2502,5,3,7,10,13,17,20,23,27,120,2,3,4,5,6,7,9,12,6,0.3,1,15,72.1,69.9,OBS,80.1,"
    "79.0,77.8,76.9\n"
    "2016-12-31,2502,6,13,17,20,23,27,30,33,37,200,5,6,7,9,12,15,18,22,12,0.5,2,20,73.2,71.0,"
    "OBS,80.2,79.1,77.9,77.0\n"
    "2017-01-01,2502,7,40,43,47,50,53,57,60,63,413,27,32,39,48,56,67,80,94,55,1.5,6,25,74.3,72.1,"
    "OBS,80.3,79.2,78.0,77.1\n"
    "2017-01-02,2502,8,7,10,13,17,20,23,27,30,147,3,4,5,6,7,9,12,15,8,0.4,2,22,75.4,73.1,OBS,"
    "80.4,79.3,78.1,77.2\n";

static void write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
    cr_assert_eq(fclose(fp), 0);
}

/* Run with the file at time `iso` and Kp lag `lag` (NULL: default), compare with the library's
 * lookup of the same file. Returns the run (caller frees). */
static run_t run_sw(const char *path, const char *iso, const char *lag, mon_sw_values_t *v) {
    char *argv[] = {ATMOS,    "--model",   "jacchia71",       "--alt",      "400", "--lat", "10",
                    "--time", (char *)iso, "--space-weather", (char *)path, NULL,  NULL,    NULL};
    if (lag != NULL) {
        argv[11] = "--kp-lag-h";
        argv[12] = (char *)lag;
    }
    run_t r = run(argv);
    cr_assert_eq(r.code, 0, "%s", r.err);
    check_one_object(&r);

    char err[256];
    mon_sw_t *sw = mon_sw_load(path, err, sizeof err);
    cr_assert_not_null(sw, "%s", err);
    mon_sw_lookup_opts_t lo;
    mon_sw_lookup_opts_default(&lo);
    if (lag != NULL)
        lo.kp_lag_h = strtod(lag, NULL);
    int64_t t;
    cr_assert_eq(vleo_parse_iso8601(iso, &t), 0);
    cr_assert_eq(mon_sw_lookup(sw, t, &lo, v), 0);
    mon_sw_destroy(&sw);
    cr_assert_eq(json_num(r.out, "f107"), v->f107, "%s", r.out);
    cr_assert_eq(json_num(r.out, "f107a"), v->f107a, "%s", r.out);
    cr_assert_eq(json_num(r.out, "kp"), v->kp, "%s", r.out);
    mon_atmos_in_t in = {.alt_km = 400,
                         .lat_deg = 10,
                         .utc_unix_ns = t,
                         .f107 = v->f107,
                         .f107a = v->f107a,
                         .kp = v->kp};
    mon_atmos_out_t o;
    cr_assert_eq(mon_atmos_eval(MON_ATMOS_JACCHIA71, &in, &o), MON_ATMOS_OK);
    cr_assert_eq(json_num(r.out, "density_kg_m3"), o.density_kg_m3, "%s", r.out);
    cr_assert(json_has(r.out, "\"space_weather\":{\"file\":"), "%s", r.out);
    cr_assert(json_has(r.out, path), "%s", r.out);
    cr_assert(json_has(r.out, v->predicted ? "\"predicted\":true" : "\"predicted\":false"));
    cr_assert(json_has(r.out, v->gap ? "\"gap\":true" : "\"gap\":false"));
    cr_assert(json_has(r.out, v->beyond ? "\"beyond\":true" : "\"beyond\":false"));
    return r;
}

Test(atmos_cli, space_weather_file) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/vleo-atmos-sw-%d.csv", (int)getpid());
    write_file(path, sw_csv);
    mon_sw_values_t v;
    /* 2017-01-01 12:00: F10.7 of the previous day (73.2); Kp of the 3-hour interval at
     * t - 6.7 h = 05:18, i.e. KP2 of 2017-01-01 = 43 -> 4.3. */
    run_t r = run_sw(path, "2017-01-01T12:00:00Z", NULL, &v);
    cr_assert_eq(json_num(r.out, "f107"), 73.2);
    cr_assert_eq(json_num(r.out, "kp"), 4.3);
    cr_assert_eq(json_num(r.out, "kp_lag_h"), 6.7);
    cr_assert(json_has(r.out, "\"f107_type\":\"OBS\""), "%s", r.out);
    cr_assert(json_has(r.out, "\"kp_type\":\"OBS\""), "%s", r.out);
    cr_assert(json_has(r.out, "\"beyond\":false"), "%s", r.out);
    run_free(&r);
    /* No lag: 12:00 is in KP5 (12-15 UT) = 53 -> 5.3. */
    r = run_sw(path, "2017-01-01T12:00:00Z", "0", &v);
    cr_assert_eq(json_num(r.out, "kp"), 5.3);
    cr_assert_eq(json_num(r.out, "kp_lag_h"), 0.0);
    run_free(&r);
    /* Outside the file's dates: the nearest row, flagged. */
    r = run_sw(path, "2019-06-01T00:00:00Z", NULL, &v);
    cr_assert(json_has(r.out, "\"beyond\":true"), "%s", r.out);
    run_free(&r);

    /* --kp and --space-weather exclude each other. */
    char *both[] = {ATMOS, "--model", "j71", "--alt", "400", "--space-weather",
                    path,  "--kp",    "2",   NULL};
    r = run(both);
    cr_assert_eq(r.code, 2);
    cr_assert(json_has(r.err, "--kp"), "%s", r.err);
    run_free(&r);

    /* A file that is not CelesTrak's CSV: exit 3 naming it. */
    write_file(path, "hello,world\n1,2\n");
    char *bad[] = {ATMOS, "--model", "j71", "--alt", "400", "--space-weather", path, NULL};
    r = run(bad);
    cr_assert_eq(r.code, 3, "%s", r.err);
    cr_assert(json_has(r.err, path), "%s", r.err);
    cr_assert_eq(r.out[0], '\0');
    run_free(&r);
    unlink(path);
}

/* Expect exit `code` and a one-line message on stderr containing `needle`. */
static void expect_exit(char *const argv[], int code, const char *needle) {
    run_t r = run(argv);
    cr_assert_eq(r.code, code, "exit %d, stderr: %s", r.code, r.err);
    cr_assert_eq(r.out[0], '\0', "stdout: %s", r.out);
    cr_assert_eq(e2e_count_lines(r.err), 1, "%s", r.err);
    cr_assert(json_has(r.err, needle), "\"%s\" not in: %s", needle, r.err);
    run_free(&r);
}

Test(atmos_cli, usage_errors) {
    char *a1[] = {ATMOS, "--model", "msis", "--alt", "300", NULL};
    expect_exit(a1, 2, "--model");
    char *a2[] = {ATMOS, "--model", "jacchia71", NULL};
    expect_exit(a2, 2, "--alt");
    char *a3[] = {ATMOS, "--alt", "300", NULL};
    expect_exit(a3, 2, "--model");
    char *a4[] = {ATMOS, "--model", "j71", "--alt", "3OO", NULL};
    expect_exit(a4, 2, "--alt");
    char *a5[] = {ATMOS, "--model", "j71", "--alt", "300", "--kp", "9.5", NULL};
    expect_exit(a5, 2, "--kp");
    char *a6[] = {ATMOS, "--model", "j71", "--alt", "300", "--f107", "0", NULL};
    expect_exit(a6, 2, "--f107");
    char *a7[] = {ATMOS, "--model", "j71", "--alt", "300", "--time", "yesterday", NULL};
    expect_exit(a7, 2, "--time");
    char *a8[] = {ATMOS, "--model", "hp", "--alt", "300", "--hp-exponent", "7", NULL};
    expect_exit(a8, 2, "--hp-exponent");
    char *a9[] = {ATMOS, "--model", "hp", "--alt", "300", "--lat", "91", NULL};
    expect_exit(a9, 2, "--lat");
    char *a10[] = {ATMOS, "--model", "hp", "--alt", "50", NULL};
    expect_exit(a10, 2, "--alt");
    char *a11[] = {ATMOS, "--model", "j71", "--alt", "300", "--frobnicate", NULL};
    expect_exit(a11, 2, "--frobnicate");
    char *a12[] = {ATMOS, "--model", "j71", "--alt", NULL};
    expect_exit(a12, 2, "--alt");
    char *a13[] = {ATMOS, "--model", "j71", "--alt", "300", "--kp-lag-h", "3", NULL};
    expect_exit(a13, 2, "--kp-lag-h");
    char *a14[] = {ATMOS, "--model", "j71", "--alt", "300", "extra", NULL};
    expect_exit(a14, 2, "extra");
}

Test(atmos_cli, missing_space_weather_file) {
    char *argv[] = {
        ATMOS, "--model", "j71", "--alt", "300", "--space-weather", "/nonexistent/SW-All.csv",
        NULL};
    expect_exit(argv, 3, "/nonexistent/SW-All.csv");
}

Test(atmos_cli, help_and_version) {
    char *h[] = {ATMOS, "--help", NULL};
    run_t r = run(h);
    cr_assert_eq(r.code, 0);
    cr_assert(json_has(r.out, "usage: vleo-atmos"), "%s", r.out);
    cr_assert(json_has(r.out, "--space-weather"));
    run_free(&r);
    char *v[] = {ATMOS, "--version", NULL};
    r = run(v);
    cr_assert_eq(r.code, 0);
    cr_assert_str_eq(r.out, "vleo-atmos " VLEO_VERSION "\n");
    run_free(&r);
}
