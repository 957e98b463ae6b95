/* test_json.c: the fixed-buffer JSON writer: structure, escaping, numbers, overflow. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vleo/json.h"

static char g_buf[4096];

static vleo_jw_t *fresh(void) {
    static vleo_jw_t w;
    memset(g_buf, 'x', sizeof g_buf);
    vleo_jw_init(&w, g_buf, sizeof g_buf);
    return &w;
}

static void expect(const vleo_jw_t *w, const char *want) {
    cr_assert_eq(w->overflow, false, "overflow writing %s", want);
    cr_assert_str_eq(w->buf, want);
    cr_assert_eq(w->len, strlen(want));
}

Test(json, empty_containers) {
    vleo_jw_t *w = fresh();
    cr_assert_str_eq(w->buf, "");
    vleo_jw_obj_begin(w);
    vleo_jw_obj_end(w);
    expect(w, "{}");
    w = fresh();
    vleo_jw_arr_begin(w);
    vleo_jw_arr_end(w);
    expect(w, "[]");
}

Test(json, nesting_and_commas) {
    vleo_jw_t *w = fresh();
    vleo_jw_obj_begin(w);
    vleo_jw_key(w, "a");
    vleo_jw_u64(w, 1);
    vleo_jw_key(w, "b");
    vleo_jw_arr_begin(w);
    vleo_jw_i64(w, 1);
    vleo_jw_i64(w, -2);
    vleo_jw_obj_begin(w);
    vleo_jw_key(w, "c");
    vleo_jw_null(w);
    vleo_jw_obj_end(w);
    vleo_jw_arr_begin(w);
    vleo_jw_arr_end(w);
    vleo_jw_bool(w, true);
    vleo_jw_arr_end(w);
    vleo_jw_key(w, "d");
    vleo_jw_obj_begin(w);
    vleo_jw_obj_end(w);
    vleo_jw_key(w, "e");
    vleo_jw_bool(w, false);
    vleo_jw_key(w, "f");
    vleo_jw_str(w, "x");
    vleo_jw_obj_end(w);
    expect(w, "{\"a\":1,\"b\":[1,-2,{\"c\":null},[],true],\"d\":{},\"e\":false,\"f\":\"x\"}");
    cr_assert_eq(w->depth, 0);
}

Test(json, reset_reuses_buffer) {
    vleo_jw_t *w = fresh();
    vleo_jw_arr_begin(w);
    vleo_jw_u64(w, 5);
    vleo_jw_reset(w);
    cr_assert_str_eq(w->buf, "");
    cr_assert_eq(w->len, 0);
    vleo_jw_obj_begin(w);
    vleo_jw_key(w, "k");
    vleo_jw_u64(w, 7);
    vleo_jw_obj_end(w);
    expect(w, "{\"k\":7}");
}

static void str_is(const char *in, size_t n, const char *want) {
    vleo_jw_t *w = fresh();
    vleo_jw_strn(w, in, n);
    expect(w, want);
}

Test(json, escaping) {
    str_is("", 0, "\"\"");
    str_is("plain text", 10, "\"plain text\"");
    str_is("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
    str_is("\n\t\r\b\f", 5, "\"\\n\\t\\r\\b\\f\"");
    str_is("\x01\x1f\x0b\x7f", 4, "\"\\u0001\\u001f\\u000b\x7f\"");
    str_is("a\0b", 3, "\"a\\u0000b\"");
    str_is("\"\"", 2, "\"\\\"\\\"\"");

    vleo_jw_t *w = fresh();
    vleo_jw_str(w, "tab\there");
    expect(w, "\"tab\\there\"");
    w = fresh();
    vleo_jw_str(w, NULL);
    expect(w, "null");
    w = fresh();
    vleo_jw_obj_begin(w);
    vleo_jw_key(w, "k\"\n");
    vleo_jw_str(w, "v");
    vleo_jw_obj_end(w);
    expect(w, "{\"k\\\"\\n\":\"v\"}");
}

/* Every octet 0..255 alone: ASCII controls escaped, printable ASCII as is, lone octets >= 0x80
 * (never valid UTF-8 alone) as \u00XX. */
Test(json, every_single_octet) {
    for (int c = 0; c < 256; c++) {
        char in[1] = {(char)c};
        char want[16];
        switch (c) {
        case '\b':
            snprintf(want, sizeof want, "\"\\b\"");
            break;
        case '\t':
            snprintf(want, sizeof want, "\"\\t\"");
            break;
        case '\n':
            snprintf(want, sizeof want, "\"\\n\"");
            break;
        case '\f':
            snprintf(want, sizeof want, "\"\\f\"");
            break;
        case '\r':
            snprintf(want, sizeof want, "\"\\r\"");
            break;
        case '"':
            snprintf(want, sizeof want, "\"\\\"\"");
            break;
        case '\\':
            snprintf(want, sizeof want, "\"\\\\\"");
            break;
        default:
            if (c < 0x20 || c >= 0x80) {
                snprintf(want, sizeof want, "\"\\u00%02x\"", (unsigned)c);
            } else {
                snprintf(want, sizeof want, "\"%c\"", c);
            }
        }
        str_is(in, 1, want);
    }
}

Test(json, utf8) {
    /* Valid sequences pass through: e-acute, euro, U+FFFF, U+10000, U+10FFFF (emoji too). */
    str_is("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");
    str_is("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");
    str_is("\xef\xbf\xbf", 3, "\"\xef\xbf\xbf\"");
    str_is("\xf0\x90\x80\x80", 4, "\"\xf0\x90\x80\x80\"");
    str_is("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\"");
    str_is("\xf0\x9f\x98\x80!", 5, "\"\xf0\x9f\x98\x80!\"");
    str_is("\xed\x9f\xbf", 3, "\"\xed\x9f\xbf\""); /* U+D7FF, just below the surrogates */
    /* Invalid: each offending octet as \u00XX, the rest resynchronises. */
    str_is("\xff", 1, "\"\\u00ff\"");
    str_is("a\xc3", 2, "\"a\\u00c3\"");                                /* truncated at the end */
    str_is("\xc3(", 2, "\"\\u00c3(\"");                                /* bad continuation */
    str_is("\xc0\x80", 2, "\"\\u00c0\\u0080\"");                       /* overlong NUL */
    str_is("\xe0\x80\xaf", 3, "\"\\u00e0\\u0080\\u00af\"");            /* overlong '/' */
    str_is("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");            /* surrogate U+D800 */
    str_is("\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\""); /* past U+10FFFF */
    str_is("\xf5\x80\x80\x80", 4, "\"\\u00f5\\u0080\\u0080\\u0080\"");
    str_is("\xe2\x82", 2, "\"\\u00e2\\u0082\"");
    str_is("\xe2\x82\xc3\xa9", 4, "\"\\u00e2\\u0082\xc3\xa9\"");
    str_is("\xf0\x9f\x98", 3, "\"\\u00f0\\u009f\\u0098\"");
}

static void u64_is(uint64_t v, const char *want) {
    vleo_jw_t *w = fresh();
    vleo_jw_u64(w, v);
    expect(w, want);
}

static void i64_is(int64_t v, const char *want) {
    vleo_jw_t *w = fresh();
    vleo_jw_i64(w, v);
    expect(w, want);
}

Test(json, integers) {
    u64_is(0, "0");
    u64_is(7, "7");
    u64_is(10, "10");
    u64_is(99, "99");
    u64_is(100, "100");
    u64_is(101, "101");
    u64_is(1000000, "1000000");
    u64_is(UINT64_MAX, "18446744073709551615");
    i64_is(0, "0");
    i64_is(-1, "-1");
    i64_is(-10, "-10");
    i64_is(INT64_MAX, "9223372036854775807");
    i64_is(INT64_MIN, "-9223372036854775808");
    i64_is(INT64_MIN + 1, "-9223372036854775807");
    /* Against printf for powers of ten and neighbours, and a pseudo-random walk. */
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        uint64_t v;
        if (i < 60) {
            uint64_t p = 1;
            for (int k = 0; k < i / 3; k++) {
                p *= 10;
            }
            v = p + (uint64_t)(i % 3) - 1;
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v = x >> (x % 64);
        }
        char want[32];
        snprintf(want, sizeof want, "%llu", (unsigned long long)v);
        u64_is(v, want);
        snprintf(want, sizeof want, "%lld", (long long)(int64_t)v);
        i64_is((int64_t)v, want);
    }
}

static void f64_is(double v, const char *want) {
    vleo_jw_t *w = fresh();
    vleo_jw_f64(w, v);
    expect(w, want);
}

Test(json, doubles) {
    f64_is(0.0, "0");
    f64_is(-0.0, "-0");
    f64_is(3.0, "3");
    f64_is(0.1, "0.1");
    f64_is(-2.5, "-2.5");
    f64_is(1e300, "1e+300");
    f64_is(1e-7, "1e-07");
    f64_is(0.1 + 0.2, "0.30000000000000004");
    f64_is(1.0 / 3.0, "0.3333333333333333");
    f64_is(DBL_MAX, "1.7976931348623157e+308");
    f64_is(5e-324, "4.94065645841247e-324");
    f64_is(123456789012345678.0, "1.2345678901234568e+17");
    f64_is(NAN, "null");
    f64_is(-NAN, "null");
    f64_is(INFINITY, "null");
    f64_is(-INFINITY, "null");
}

/* Random bit patterns: every finite double reads back exactly and is a JSON number. */
Test(json, doubles_round_trip) {
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v;
        memcpy(&v, &x, sizeof v);
        vleo_jw_t *w = fresh();
        vleo_jw_f64(w, v);
        cr_assert_eq(w->overflow, false);
        if (!isfinite(v)) {
            cr_assert_str_eq(w->buf, "null");
            continue;
        }
        char *end = NULL;
        double back = strtod(w->buf, &end);
        cr_assert_eq(*end, '\0', "%s", w->buf);
        cr_assert(memcmp(&back, &v, sizeof v) == 0, "%s does not round-trip", w->buf);
        cr_assert(w->len <= 24, "%s", w->buf);
        /* JSON number grammar: no leading '+', no "inf"/"nan", digits around '.'. */
        cr_assert(strpbrk(w->buf, "inaINA,") == NULL, "%s", w->buf);
        cr_assert(w->buf[0] == '-' || (w->buf[0] >= '0' && w->buf[0] <= '9'), "%s", w->buf);
    }
}

Test(json, time_hex_raw) {
    vleo_jw_t *w = fresh();
    vleo_jw_arr_begin(w);
    vleo_jw_time(w, 1483228800123456789LL);
    vleo_jw_time(w, -1);
    vleo_jw_hex(w, (const uint8_t *)"\x00\xab\xff\x10", 4);
    vleo_jw_hex(w, NULL, 0);
    vleo_jw_raw(w, "{\"x\":1}", 7);
    vleo_jw_f64(w, 2.5);
    vleo_jw_arr_end(w);
    expect(w, "[\"2017-01-01T00:00:00.123456789Z\",\"1969-12-31T23:59:59.999999999Z\","
              "\"00abff10\",\"\",{\"x\":1},2.5]");
}

Test(json, long_hex) {
    uint8_t data[300];
    char want[2 * sizeof data + 3];
    want[0] = '"';
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i * 7 + 3);
        snprintf(want + 1 + 2 * i, 3, "%02x", data[i]);
    }
    want[1 + 2 * sizeof data] = '"';
    want[2 + 2 * sizeof data] = '\0';
    vleo_jw_t *w = fresh();
    vleo_jw_hex(w, data, sizeof data);
    expect(w, want);
}

/* Writes one fixed document with every kind of value. */
static void write_doc(vleo_jw_t *w) {
    vleo_jw_obj_begin(w);
    vleo_jw_key(w, "apid");
    vleo_jw_u64(w, 2047);
    vleo_jw_key(w, "name");
    vleo_jw_str(w, "he said \"hi\"\n");
    vleo_jw_key(w, "t");
    vleo_jw_time(w, 0);
    vleo_jw_key(w, "v");
    vleo_jw_arr_begin(w);
    vleo_jw_f64(w, 0.1);
    vleo_jw_i64(w, INT64_MIN);
    vleo_jw_hex(w, (const uint8_t *)"\x01\x02", 2);
    vleo_jw_arr_end(w);
    vleo_jw_obj_end(w);
}

Test(json, overflow_at_every_capacity) {
    char full[512];
    vleo_jw_t w;
    vleo_jw_init(&w, full, sizeof full);
    write_doc(&w);
    cr_assert_eq(w.overflow, false);
    size_t n = w.len;
    cr_assert_str_eq(full, "{\"apid\":2047,\"name\":\"he said \\\"hi\\\"\\n\","
                           "\"t\":\"1970-01-01T00:00:00.000000000Z\","
                           "\"v\":[0.1,-9223372036854775808,\"0102\"]}");
    for (size_t cap = 1; cap <= n + 1; cap++) {
        char buf[520];
        memset(buf, 'x', sizeof buf);
        vleo_jw_init(&w, buf, cap);
        write_doc(&w);
        cr_assert_eq(w.overflow, cap <= n, "cap %zu", cap);
        size_t got = strlen(buf);
        cr_assert_eq(got, cap <= n ? cap - 1 : n, "cap %zu", cap);
        cr_assert_eq(w.len, got);
        cr_assert(memcmp(buf, full, got) == 0, "cap %zu: not a prefix", cap);
        cr_assert_eq(buf[cap], 'x', "cap %zu: wrote past the buffer", cap);
    }
    /* A zero-capacity writer touches nothing and reports overflow. */
    vleo_jw_init(&w, NULL, 0);
    cr_assert_eq(w.overflow, true);
    write_doc(&w);
    cr_assert_eq(w.len, 0);
    /* reset clears the flag. */
    char small[4];
    vleo_jw_init(&w, small, sizeof small);
    vleo_jw_str(&w, "abcdef");
    cr_assert_eq(w.overflow, true);
    cr_assert_str_eq(small, "\"ab");
    vleo_jw_reset(&w);
    cr_assert_eq(w.overflow, false);
    vleo_jw_u64(&w, 123);
    cr_assert_eq(w.overflow, false);
    cr_assert_str_eq(small, "123");
}

Test(json, depth_limit_and_unbalanced) {
    vleo_jw_t *w = fresh();
    for (int i = 0; i < VLEO_JW_MAX_DEPTH; i++) {
        vleo_jw_arr_begin(w);
    }
    cr_assert_eq(w->overflow, false);
    for (int i = 0; i < VLEO_JW_MAX_DEPTH; i++) {
        vleo_jw_arr_end(w);
    }
    cr_assert_eq(w->overflow, false);
    cr_assert_eq(w->len, 2 * VLEO_JW_MAX_DEPTH);
    w = fresh();
    for (int i = 0; i <= VLEO_JW_MAX_DEPTH; i++) {
        vleo_jw_obj_begin(w);
    }
    cr_assert_eq(w->overflow, true);
    w = fresh();
    vleo_jw_arr_begin(w);
    vleo_jw_arr_end(w);
    vleo_jw_arr_end(w);
    cr_assert_eq(w->overflow, true);
    cr_assert_str_eq(w->buf, "[]");
}
