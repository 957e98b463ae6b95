/* test_timescale.c: leap seconds, UTC <-> TAI, ISO 8601 text and --epoch parsing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vleo/timescale.h"

#define NS VLEO_NS_PER_S
#define K VLEO_UNIX_MINUS_1958_S

/* The leap second table as dates, to check against the library's own (Unix seconds). */
static const struct {
    int year, month, offset;
} k_table[] = {
    {1972, 1, 10}, {1972, 7, 11}, {1973, 1, 12}, {1974, 1, 13}, {1975, 1, 14}, {1976, 1, 15},
    {1977, 1, 16}, {1978, 1, 17}, {1979, 1, 18}, {1980, 1, 19}, {1981, 7, 20}, {1982, 7, 21},
    {1983, 7, 22}, {1985, 7, 23}, {1988, 1, 24}, {1990, 1, 25}, {1991, 1, 26}, {1992, 7, 27},
    {1993, 7, 28}, {1994, 7, 29}, {1996, 1, 30}, {1997, 7, 31}, {1999, 1, 32}, {2006, 1, 33},
    {2009, 1, 34}, {2012, 7, 35}, {2015, 7, 36}, {2017, 1, 37},
};
#define N_TABLE (sizeof k_table / sizeof k_table[0])

/* Unix seconds of y-m-d 00:00:00 UTC from libc (an independent oracle). */
static int64_t oracle(int y, int m, int d, int hh, int mm, int ss) {
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = m - 1,
                    .tm_mday = d,
                    .tm_hour = hh,
                    .tm_min = mm,
                    .tm_sec = ss};
    return (int64_t)timegm(&tm);
}

static int64_t parse_ok(const char *s) {
    int64_t ns = 12345;
    cr_assert_eq(vleo_parse_iso8601(s, &ns), 0, "rejected \"%s\"", s);
    return ns;
}

Test(leap, table_offsets_and_edges) {
    cr_assert_eq(vleo_tai_minus_utc(0), 10);
    cr_assert_eq(vleo_tai_minus_utc(-K), 10);
    cr_assert_eq(vleo_tai_minus_utc(INT64_MIN), 10);
    cr_assert_eq(vleo_tai_minus_utc(INT64_MAX), 37);
    cr_assert_eq(vleo_tai_minus_utc(1483228799), 36);
    cr_assert_eq(vleo_tai_minus_utc(1483228800), 37);
    int prev = 10;
    for (size_t i = 0; i < N_TABLE; i++) {
        int64_t u = oracle(k_table[i].year, k_table[i].month, 1, 0, 0, 0);
        cr_assert_eq(vleo_tai_minus_utc(u), k_table[i].offset, "%d-%02d", k_table[i].year,
                     k_table[i].month);
        cr_assert_eq(vleo_tai_minus_utc(u - 1), prev, "%d-%02d minus 1 s", k_table[i].year,
                     k_table[i].month);
        prev = k_table[i].offset;
    }
}

Test(leap, utc_to_tai_exact) {
    /* 2017-01-01T00:00:00Z = Unix 1483228800. */
    cr_assert_eq(vleo_utc_to_tai(1483228800LL * NS), (1483228800LL + K + 37) * NS);
    cr_assert_eq(vleo_utc_to_tai(1483228800LL * NS - 1), (1483228800LL + K + 36) * NS - 1);
    cr_assert_eq(vleo_utc_to_tai(1483228799LL * NS), (1483228799LL + K + 36) * NS);
    /* 1958-01-01 UTC (civil) is 10 s after 1958-01-01 TAI on this table. */
    cr_assert_eq(vleo_utc_to_tai(-K * NS), 10 * NS);
    cr_assert_eq(vleo_utc_to_tai(0), (K + 10) * NS);
    cr_assert_eq(vleo_utc_to_tai(-1), (K + 10) * NS - 1);
    cr_assert_eq(vleo_utc_to_tai(INT64_MAX), INT64_MAX);
}

Test(leap, tai_to_utc_through_2016_leap_second) {
    /* The inserted second 2016-12-31T23:59:60 starts at this TAI instant. */
    int64_t leap = (1483228800LL + K + 36) * NS;
    cr_assert_eq(vleo_tai_to_utc(leap - NS), 1483228799LL * NS);
    cr_assert_eq(vleo_tai_to_utc(leap - 1), 1483228800LL * NS - 1);
    cr_assert_eq(vleo_tai_to_utc(leap), 1483228799LL * NS); /* 23:59:59 again */
    cr_assert_eq(vleo_tai_to_utc(leap + NS / 2), 1483228799LL * NS + NS / 2);
    cr_assert_eq(vleo_tai_to_utc(leap + NS - 1), 1483228800LL * NS - 1);
    cr_assert_eq(vleo_tai_to_utc(leap + NS), 1483228800LL * NS); /* 2017-01-01T00:00:00 */
    cr_assert_eq(vleo_tai_to_utc((1483228800LL + K + 37) * NS), 1483228800LL * NS);
}

Test(leap, round_trips_around_every_entry) {
    int prev = 10;
    for (size_t i = 0; i < N_TABLE; i++) {
        int64_t u = oracle(k_table[i].year, k_table[i].month, 1, 0, 0, 0);
        bool inserted = k_table[i].offset != prev;
        /* UTC -> TAI -> UTC is the identity for every UTC instant. */
        for (int64_t t = (u - 3) * NS; t < (u + 3) * NS; t += NS / 4) {
            cr_assert_eq(vleo_tai_to_utc(vleo_utc_to_tai(t)), t, "utc %lld", (long long)t);
        }
        /* TAI -> UTC -> TAI is the identity except inside an inserted second. */
        int64_t ls = (u + K + prev) * NS; /* start of the inserted second, if any */
        for (int64_t a = ls - 3 * NS; a < ls + 3 * NS; a += NS / 4) {
            int64_t back = vleo_utc_to_tai(vleo_tai_to_utc(a));
            if (inserted && a >= ls && a < ls + NS) {
                cr_assert_eq(back, a - NS, "tai %lld in the leap second", (long long)a);
                cr_assert_eq(vleo_tai_to_utc(a), (u - 1) * NS + (a - ls));
            } else {
                cr_assert_eq(back, a, "tai %lld", (long long)a);
            }
        }
        prev = k_table[i].offset;
    }
}

Test(leap, tai_to_utc_monotonic_except_leaps) {
    /* Over 1970..2030 in steps of 0.37 days: UTC only ever goes back by the leap seconds. */
    int64_t prev_tai = (K + 10) * NS;
    int64_t prev_utc = vleo_tai_to_utc(prev_tai);
    cr_assert_eq(prev_utc, 0);
    int64_t step = 86400LL * NS * 37 / 100;
    for (int i = 0; i < 60000; i++) {
        int64_t tai = prev_tai + step;
        int64_t utc = vleo_tai_to_utc(tai);
        int64_t drift = (tai - prev_tai) - (utc - prev_utc);
        cr_assert(drift == 0 || drift == NS, "at tai %lld drift %lld", (long long)tai,
                  (long long)drift);
        prev_tai = tai;
        prev_utc = utc;
    }
    cr_assert_eq(vleo_tai_to_utc(INT64_MIN), INT64_MIN);
}

Test(iso8601, parse_exact) {
    cr_assert_eq(parse_ok("2017-01-01T00:00:00Z"), 1483228800LL * NS);
    cr_assert_eq(parse_ok("2017-01-01T00:00:00"), 1483228800LL * NS);
    cr_assert_eq(parse_ok("2017-01-01 00:00:00Z"), 1483228800LL * NS);
    cr_assert_eq(parse_ok("2017-01-01"), 1483228800LL * NS);
    cr_assert_eq(parse_ok("1970-01-01T00:00:00.5Z"), NS / 2);
    cr_assert_eq(parse_ok("1970-01-01T00:00:00.000000001Z"), 1);
    cr_assert_eq(parse_ok("1969-12-31T23:59:59.999999999Z"), -1);
    cr_assert_eq(parse_ok("1958-01-01"), -K * NS);
    cr_assert_eq(parse_ok("1900-01-01T00:00:00Z"), oracle(1900, 1, 1, 0, 0, 0) * NS);
    cr_assert_eq(parse_ok("2200-12-31T23:59:59.999999999Z"),
                 oracle(2200, 12, 31, 23, 59, 59) * NS + 999999999);
    cr_assert_eq(parse_ok("2000-02-29T12:34:56.123456789"),
                 oracle(2000, 2, 29, 12, 34, 56) * NS + 123456789);
    cr_assert_eq(parse_ok("2024-02-29T01:02:03.12Z"),
                 oracle(2024, 2, 29, 1, 2, 3) * NS + 120000000);
    /* 23:59:60 only just before an inserted leap second; Unix style: 23:59:59 again. */
    cr_assert_eq(parse_ok("2016-12-31T23:59:60Z"), 1483228799LL * NS);
    cr_assert_eq(parse_ok("2016-12-31T23:59:60.25Z"), 1483228799LL * NS + NS / 4);
    cr_assert_eq(parse_ok("1972-06-30T23:59:60Z"), (78796800LL - 1) * NS);
}

Test(iso8601, parse_rejects) {
    static const char *const bad[] = {
        "",
        "2017",
        "2017-01",
        "2017-1-01",
        "2017-01-1",
        "2017-13-01",
        "2017-00-10",
        "2017-02-29",
        "1900-02-29",
        "2017-04-31",
        "2017-01-00",
        "2017-01-32",
        "1899-12-31",
        "2201-01-01",
        "2017-01-01T24:00:00",
        "2017-01-01T23:60:00",
        "2017-01-01T23:00:61",
        "2017-01-01T12:00:60Z",
        "2017-12-31T23:59:60Z",
        "2016-12-31T23:58:60Z",
        "2017-01-01T00:00:00.",
        "2017-01-01T00:00:00.Z",
        "2017-01-01T00:00:00.1234567890",
        "2017-01-01T00:00:00ZZ",
        "2017-01-01T00:00:00 ",
        " 2017-01-01",
        "2017-01-01x",
        "2017-01-01Z",
        "2017-01-01T",
        "2017-01-01T00:00",
        "2017-01-01T0:00:00",
        "2017-01-01T00:0:00",
        "2017-01-01t00:00:00",
        "2017/01/01",
        "+017-01-01",
        "2017-01-01T00:00:00+01:00",
        "2017-01-01T00:00:00,5",
        "abcd-ef-gh",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ns = 777;
        cr_assert_eq(vleo_parse_iso8601(bad[i], &ns), -1, "accepted \"%s\"", bad[i]);
        cr_assert_eq(ns, 777);
    }
    int64_t ns;
    cr_assert_eq(vleo_parse_iso8601(NULL, &ns), -1);
}

static void fmt_is(int64_t ns, int digits, const char *want) {
    char buf[64];
    memset(buf, 'x', sizeof buf);
    size_t n = vleo_format_iso8601(ns, digits, buf, sizeof buf);
    cr_assert_str_eq(buf, want, "ns %lld digits %d", (long long)ns, digits);
    cr_assert_eq(n, strlen(want));
}

Test(iso8601, format_exact) {
    fmt_is(0, 0, "1970-01-01T00:00:00Z");
    fmt_is(1483228800123456789LL, 0, "2017-01-01T00:00:00Z");
    fmt_is(1483228800123456789LL, 3, "2017-01-01T00:00:00.123Z");
    fmt_is(1483228800123456789LL, 6, "2017-01-01T00:00:00.123456Z");
    fmt_is(1483228800123456789LL, 9, "2017-01-01T00:00:00.123456789Z");
    fmt_is(1483228800999999999LL, 3, "2017-01-01T00:00:00.999Z"); /* truncated, not rounded */
    fmt_is(-1, 9, "1969-12-31T23:59:59.999999999Z");
    fmt_is(-1, 0, "1969-12-31T23:59:59Z");
    fmt_is(-NS, 3, "1969-12-31T23:59:59.000Z");
    fmt_is(-NS - 1, 9, "1969-12-31T23:59:58.999999999Z");
    fmt_is(-86400LL * NS, 0, "1969-12-31T00:00:00Z");
    fmt_is(-K * NS, 3, "1958-01-01T00:00:00.000Z");
    fmt_is(951782400LL * NS, 0, "2000-02-29T00:00:00Z");
    fmt_is(INT64_MIN, 9, "1677-09-21T00:12:43.145224192Z");
    fmt_is(INT64_MAX, 9, "2262-04-11T23:47:16.854775807Z");
    fmt_is(5 * NS + 120000000, 1, "1970-01-01T00:00:05.1Z");
    fmt_is(5 * NS, 12, "1970-01-01T00:00:05.000000000Z");
    fmt_is(5 * NS, -3, "1970-01-01T00:00:05Z");
}

Test(iso8601, format_truncates_to_cap) {
    char buf[8];
    memset(buf, 'x', sizeof buf);
    cr_assert_eq(vleo_format_iso8601(0, 9, buf, 5), 30);
    cr_assert_str_eq(buf, "1970");
    cr_assert_eq(buf[5], 'x');
    cr_assert_eq(vleo_format_iso8601(0, 0, buf, 1), 20);
    cr_assert_str_eq(buf, "");
    cr_assert_eq(vleo_format_iso8601(0, 0, NULL, 0), 20);
    char exact[21];
    cr_assert_eq(vleo_format_iso8601(0, 0, exact, sizeof exact), 20);
    cr_assert_str_eq(exact, "1970-01-01T00:00:00Z");
}

/* Every day from 1900 to 2200 at a varying time of day: the text equals libc's gmtime_r, and
 * parsing it back gives the same count. */
Test(iso8601, against_gmtime_and_round_trip) {
    int64_t start = oracle(1900, 1, 1, 0, 0, 0);
    int64_t end = oracle(2201, 1, 1, 0, 0, 0);
    int64_t frac = 0;
    int64_t tod = 0;
    for (int64_t day = start; day < end; day += 86400) {
        tod = (tod * 7 + 12345) % 86400;
        frac = (frac * 31 + 987654321) % NS;
        int64_t s = day + tod;
        int64_t ns = s * NS + frac;
        time_t tt = (time_t)s;
        struct tm tm;
        cr_assert_not_null(gmtime_r(&tt, &tm));
        char want[64];
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac);
        char got[64];
        size_t n = vleo_format_iso8601(ns, 9, got, sizeof got);
        cr_assert_eq(n, 30);
        cr_assert_str_eq(got, want);
        int64_t back = 0;
        cr_assert_eq(vleo_parse_iso8601(got, &back), 0, "%s", got);
        cr_assert_eq(back, ns, "%s", got);
    }
}

Test(epoch, parse) {
    vleo_epoch_t e;
    cr_assert_eq(vleo_epoch_parse("1958-01-01", &e), 0);
    cr_assert_eq(e.tai_ns, 0);
    cr_assert_eq(e.utc_unix_ns, -K * NS);

    cr_assert_eq(vleo_epoch_parse("1980-01-06", &e), 0);
    cr_assert_eq(e.utc_unix_ns, 315964800LL * NS);
    cr_assert_eq(e.tai_ns, (315964800LL + K + 19) * NS);

    cr_assert_eq(vleo_epoch_parse("2017-01-01T00:00:00Z", &e), 0);
    cr_assert_eq(e.utc_unix_ns, 1483228800LL * NS);
    cr_assert_eq(e.tai_ns, (1483228800LL + K + 37) * NS);

    /* cFE's default mission epoch: TAI - UTC was 19 s then too. */
    cr_assert_eq(vleo_epoch_parse("1980-01-01T00:00:00.5", &e), 0);
    cr_assert_eq(e.utc_unix_ns, 315532800LL * NS + NS / 2);
    cr_assert_eq(e.tai_ns, (315532800LL + K + 19) * NS + NS / 2);

    e.tai_ns = 99;
    cr_assert_eq(vleo_epoch_parse("gps", &e), -1);
    cr_assert_eq(vleo_epoch_parse("", &e), -1);
    cr_assert_eq(vleo_epoch_parse("1958-01-01T00:00:00Zjunk", &e), -1);
    cr_assert_eq(e.tai_ns, 99);
}
