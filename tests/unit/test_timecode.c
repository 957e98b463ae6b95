/* test_timecode.c: CUC and CDS time code decoding and --time-code specs (301.0-B-4 3.2, 3.3). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dec/timecode.h"
#include "guard.h"

static const dec_tc_format_t k_cuc_p = {.kind = DEC_TC_CUC_PFIELD};
static const dec_tc_format_t k_cds_p = {.kind = DEC_TC_CDS_PFIELD};

static dec_tc_format_t cuc_implicit(uint8_t c, uint8_t f) {
    dec_tc_format_t fmt = {.kind = DEC_TC_CUC_IMPLICIT, .coarse = c, .fine = f};
    return fmt;
}

static dec_tc_format_t cds_implicit(uint8_t d, uint8_t s) {
    dec_tc_format_t fmt = {.kind = DEC_TC_CDS_IMPLICIT, .day_octets = d, .subms_octets = s};
    return fmt;
}

/* Decode data[0..len) placed against a guard page: any over-read faults. */
static dec_tc_status_t decode(const dec_tc_format_t *fmt, const uint8_t *data, size_t len,
                              dec_tc_time_t *out, size_t *consumed) {
    const uint8_t *p = guard_place(data, len);
    cr_assert_not_null(p);
    return dec_tc_decode(fmt, p, len, out, consumed);
}

/* Every proper prefix of data must give NEED_MORE, the whole OK with `consumed` = len. */
static void check_truncations(const dec_tc_format_t *fmt, const uint8_t *data, size_t len) {
    for (size_t n = 0; n < len; n++) {
        dec_tc_time_t t = {.ns = -7};
        size_t used = 12345;
        dec_tc_status_t st = decode(fmt, data, n, &t, &used);
        cr_assert_eq(st, DEC_TC_NEED_MORE, "prefix of %zu/%zu octets: %s", n, len,
                     dec_tc_status_str(st));
        cr_assert_eq(t.ns, -7, "output touched on NEED_MORE");
        cr_assert_eq(used, 12345);
    }
    dec_tc_time_t t;
    size_t used = 0;
    cr_assert_eq(decode(fmt, data, len, &t, &used), DEC_TC_OK);
    cr_assert_eq(used, len);
}

Test(timecode, cuc_pfield_level1_4_2) {
    /* 0x1E: no extension, id 001, coarse 11 -> 4 octets, fine 10 -> 2 octets. */
    const uint8_t in[] = {0x1E, 0x00, 0x00, 0x00, 0x01, 0x80, 0x00};
    dec_tc_time_t t;
    size_t used = 0;
    cr_assert_eq(decode(&k_cuc_p, in, sizeof in, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 1500000000LL);
    cr_assert_eq(used, 7);
    cr_assert_eq(t.utc_based, false);
    cr_assert_eq(t.agency_epoch, false);
    check_truncations(&k_cuc_p, in, sizeof in);
}

Test(timecode, cuc_consumed_may_be_null_and_trailing_octets_ignored) {
    const uint8_t in[] = {0x1E, 0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0xAA, 0xBB};
    dec_tc_time_t t;
    cr_assert_eq(decode(&k_cuc_p, in, sizeof in, &t, NULL), DEC_TC_OK);
    cr_assert_eq(t.ns, 2250000000LL);
}

Test(timecode, cuc_pfield_level2_agency) {
    /* 0x2C: id 010 (agency epoch), 4 coarse, 0 fine. */
    const uint8_t in[] = {0x2C, 0x12, 0x34, 0x56, 0x78};
    dec_tc_time_t t;
    size_t used = 0;
    cr_assert_eq(decode(&k_cuc_p, in, sizeof in, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 0x12345678LL * 1000000000LL);
    cr_assert_eq(used, 5);
    cr_assert_eq(t.agency_epoch, true);
    cr_assert_eq(t.utc_based, false);
}

Test(timecode, cuc_pfield_1_coarse_3_fine) {
    /* 0x13: id 001, coarse 00 -> 1 octet, fine 11 -> 3 octets. 2^-24 s = 59.6 ns -> 59. */
    const uint8_t in[] = {0x13, 0x05, 0x00, 0x00, 0x01};
    dec_tc_time_t t;
    size_t used = 0;
    cr_assert_eq(decode(&k_cuc_p, in, sizeof in, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 5000000059LL);
    cr_assert_eq(used, 5);
    check_truncations(&k_cuc_p, in, sizeof in);
}

Test(timecode, cuc_implicit_4_2) {
    const uint8_t in[] = {0x00, 0x00, 0x00, 0x01, 0x80, 0x00};
    dec_tc_format_t fmt = cuc_implicit(4, 2);
    dec_tc_time_t t;
    size_t used = 0;
    cr_assert_eq(decode(&fmt, in, sizeof in, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 1500000000LL);
    cr_assert_eq(used, 6);
    cr_assert_eq(t.agency_epoch, false);
    cr_assert_eq(t.utc_based, false);
    check_truncations(&fmt, in, sizeof in);
}

Test(timecode, cuc_fine_rounds_down) {
    dec_tc_time_t t;
    dec_tc_format_t f12 = cuc_implicit(1, 2);
    const uint8_t a[] = {0x00, 0x00, 0x01}; /* 2^-16 s = 15258.789 ns */
    cr_assert_eq(decode(&f12, a, sizeof a, &t, NULL), DEC_TC_OK);
    cr_assert_eq(t.ns, 15258);
    const uint8_t b[] = {0x00, 0xFF, 0xFF}; /* 1 - 2^-16 s = 999984741.2 ns */
    cr_assert_eq(decode(&f12, b, sizeof b, &t, NULL), DEC_TC_OK);
    cr_assert_eq(t.ns, 999984741);
    dec_tc_format_t f18 = cuc_implicit(1, 8);
    const uint8_t c[] = {0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    cr_assert_eq(decode(&f18, c, sizeof c, &t, NULL), DEC_TC_OK);
    cr_assert_eq(t.ns, 999999999);
    dec_tc_format_t f10 = cuc_implicit(1, 0);
    const uint8_t d[] = {0xFF};
    cr_assert_eq(decode(&f10, d, sizeof d, &t, NULL), DEC_TC_OK);
    cr_assert_eq(t.ns, 255000000000LL);
}

Test(timecode, cuc_extension_7_coarse_10_fine) {
    /* 0x9F: extension, id 001, 4 coarse, 3 fine; 0x7C: no further extension, +3 coarse,
     * +7 fine -> 7 coarse and 10 fine octets. Fine 0x40.. = 0.25 s; octets 9-10 dropped. */
    const uint8_t in[] = {0x9F, 0x7C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x40,
                          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF};
    dec_tc_time_t t;
    size_t used = 0;
    cr_assert_eq(decode(&k_cuc_p, in, sizeof in, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 2250000000LL);
    cr_assert_eq(used, 19);
    check_truncations(&k_cuc_p, in, sizeof in);

    dec_tc_format_t imp = cuc_implicit(7, 10);
    cr_assert_eq(decode(&imp, in + 2, sizeof in - 2, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 2250000000LL);
    cr_assert_eq(used, 17);
}

Test(timecode, cuc_extension_one_more_coarse) {
    /* 0xAC: extension, id 010, 4 coarse, 0 fine; 0x20: +1 coarse, +0 fine; reserved bits 6-7
     * of the extension (0x03) are ignored. */
    const uint8_t in[] = {0xAC, 0x23, 0x01, 0x00, 0x00, 0x00, 0x00};
    dec_tc_time_t t;
    size_t used = 0;
    cr_assert_eq(decode(&k_cuc_p, in, sizeof in, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 4294967296LL * 1000000000LL);
    cr_assert_eq(used, 7);
    cr_assert_eq(t.agency_epoch, true);
    check_truncations(&k_cuc_p, in, sizeof in);
}

Test(timecode, cuc_out_of_range) {
    dec_tc_time_t t = {.ns = 1};
    /* 9223372036 s = 0x225C17D04: the largest whole second that fits in int64 ns. */
    dec_tc_format_t f = cuc_implicit(5, 1);
    const uint8_t max_ok[] = {0x02, 0x25, 0xC1, 0x7D, 0x04, 0xD0}; /* + 0.8125 s */
    cr_assert_eq(decode(&f, max_ok, sizeof max_ok, &t, NULL), DEC_TC_OK);
    cr_assert_eq(t.ns, 9223372036812500000LL);
    const uint8_t frac_over[] = {0x02, 0x25, 0xC1, 0x7D, 0x04, 0xE0}; /* + 0.875 s */
    cr_assert_eq(decode(&f, frac_over, sizeof frac_over, &t, NULL), DEC_TC_OUT_OF_RANGE);
    const uint8_t sec_over[] = {0x02, 0x25, 0xC1, 0x7D, 0x05, 0x00};
    cr_assert_eq(decode(&f, sec_over, sizeof sec_over, &t, NULL), DEC_TC_OUT_OF_RANGE);
    dec_tc_format_t f7 = cuc_implicit(7, 0);
    const uint8_t all[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    cr_assert_eq(decode(&f7, all, sizeof all, &t, NULL), DEC_TC_OUT_OF_RANGE);
    cr_assert_eq(t.ns, 9223372036812500000LL, "output touched on error");
}

Test(timecode, cuc_bad_pfields) {
    dec_tc_time_t t;
    const uint8_t ids[] = {0x0E, 0x3E, 0x4E, 0x5E, 0x6E, 0x7E, 0x8E};
    for (size_t i = 0; i < sizeof ids; i++) {
        uint8_t in[8] = {ids[i]};
        cr_assert_eq(decode(&k_cuc_p, in, sizeof in, &t, NULL), DEC_TC_BAD_PFIELD, "P 0x%02x",
                     ids[i]);
    }
    /* Further extension in the second octet is not supported. */
    const uint8_t ext2[] = {0x9C, 0x80, 0, 0, 0, 0, 0, 0, 0, 0};
    cr_assert_eq(decode(&k_cuc_p, ext2, sizeof ext2, &t, NULL), DEC_TC_BAD_PFIELD);
    /* A CDS P-field where a CUC one is configured. */
    const uint8_t cds[] = {0x40, 0, 1, 0, 0, 0, 0};
    cr_assert_eq(decode(&k_cuc_p, cds, sizeof cds, &t, NULL), DEC_TC_BAD_PFIELD);
}

Test(timecode, bad_formats) {
    dec_tc_time_t t;
    const uint8_t in[24] = {0};
    dec_tc_format_t none = {.kind = DEC_TC_NONE};
    cr_assert_eq(decode(&none, in, sizeof in, &t, NULL), DEC_TC_BAD_PFIELD);
    dec_tc_format_t c0 = cuc_implicit(0, 2);
    cr_assert_eq(decode(&c0, in, sizeof in, &t, NULL), DEC_TC_BAD_PFIELD);
    dec_tc_format_t c8 = cuc_implicit(8, 0);
    cr_assert_eq(decode(&c8, in, sizeof in, &t, NULL), DEC_TC_BAD_PFIELD);
    dec_tc_format_t f11 = cuc_implicit(1, 11);
    cr_assert_eq(decode(&f11, in, sizeof in, &t, NULL), DEC_TC_BAD_PFIELD);
    dec_tc_format_t d4 = cds_implicit(4, 0);
    cr_assert_eq(decode(&d4, in, sizeof in, &t, NULL), DEC_TC_BAD_PFIELD);
    dec_tc_format_t s1 = cds_implicit(2, 1);
    cr_assert_eq(decode(&s1, in, sizeof in, &t, NULL), DEC_TC_BAD_PFIELD);
}

Test(timecode, cds_16bit_day_microseconds) {
    /* 0x41: id 100, epoch 1958, 16-bit day, 16-bit microseconds. Day 1, 100 ms, 500 us. */
    const uint8_t in[] = {0x41, 0x00, 0x01, 0x00, 0x00, 0x00, 0x64, 0x01, 0xF4};
    dec_tc_time_t t;
    size_t used = 0;
    cr_assert_eq(decode(&k_cds_p, in, sizeof in, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 86400100500000LL);
    cr_assert_eq(used, 9);
    cr_assert_eq(t.utc_based, true);
    cr_assert_eq(t.agency_epoch, false);
    check_truncations(&k_cds_p, in, sizeof in);

    dec_tc_format_t imp = cds_implicit(2, 2);
    cr_assert_eq(decode(&imp, in + 1, sizeof in - 1, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 86400100500000LL);
    cr_assert_eq(used, 8);
    check_truncations(&imp, in + 1, sizeof in - 1);
}

Test(timecode, cds_24bit_day_picoseconds_agency) {
    /* 0x4E: id 100, agency epoch, 24-bit day, 32-bit picoseconds. Day 65536, ms 86399999,
     * ps 999999999 -> 999999 ns (rounded down). */
    const uint8_t in[] = {0x4E, 0x01, 0x00, 0x00, 0x05, 0x26, 0x5B, 0xFF, 0x3B, 0x9A, 0xC9, 0xFF};
    dec_tc_time_t t;
    size_t used = 0;
    cr_assert_eq(decode(&k_cds_p, in, sizeof in, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 5662396799999999999LL);
    cr_assert_eq(used, 12);
    cr_assert_eq(t.utc_based, true);
    cr_assert_eq(t.agency_epoch, true);
    check_truncations(&k_cds_p, in, sizeof in);

    dec_tc_format_t imp = cds_implicit(3, 4);
    cr_assert_eq(decode(&imp, in + 1, sizeof in - 1, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 5662396799999999999LL);
    cr_assert_eq(used, 11);
    cr_assert_eq(t.agency_epoch, false);
    check_truncations(&imp, in + 1, sizeof in - 1);
}

Test(timecode, cds_no_submillisecond) {
    /* 0x40: 16-bit day, no submillisecond field. Day 0xFFFF, 0 ms. */
    const uint8_t in[] = {0x40, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00};
    dec_tc_time_t t;
    size_t used = 0;
    cr_assert_eq(decode(&k_cds_p, in, sizeof in, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 65535LL * 86400000000000LL);
    cr_assert_eq(used, 7);
    check_truncations(&k_cds_p, in, sizeof in);
}

Test(timecode, cds_ranges) {
    dec_tc_time_t t;
    size_t used;
    dec_tc_format_t f = cds_implicit(2, 0);
    /* 86400999 ms: inside a leap second, allowed; counts into the next day. */
    const uint8_t leap[] = {0x00, 0x00, 0x05, 0x26, 0x5F, 0xE7};
    cr_assert_eq(decode(&f, leap, sizeof leap, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 86400999000000LL);
    const uint8_t over[] = {0x00, 0x00, 0x05, 0x26, 0x5F, 0xE8}; /* 86401000 */
    cr_assert_eq(decode(&f, over, sizeof over, &t, &used), DEC_TC_OUT_OF_RANGE);
    const uint8_t huge[] = {0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF};
    cr_assert_eq(decode(&f, huge, sizeof huge, &t, &used), DEC_TC_OUT_OF_RANGE);

    dec_tc_format_t fu = cds_implicit(2, 2);
    const uint8_t us999[] = {0, 0, 0, 0, 0, 0, 0x03, 0xE7};
    cr_assert_eq(decode(&fu, us999, sizeof us999, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 999000);
    const uint8_t us1000[] = {0, 0, 0, 0, 0, 0, 0x03, 0xE8};
    cr_assert_eq(decode(&fu, us1000, sizeof us1000, &t, &used), DEC_TC_OUT_OF_RANGE);

    dec_tc_format_t fp = cds_implicit(2, 4);
    const uint8_t ps1e9[] = {0, 0, 0, 0, 0, 0, 0x3B, 0x9A, 0xCA, 0x00};
    cr_assert_eq(decode(&fp, ps1e9, sizeof ps1e9, &t, &used), DEC_TC_OUT_OF_RANGE);
    const uint8_t ps1999[] = {0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x07, 0xCF};
    cr_assert_eq(decode(&fp, ps1999, sizeof ps1999, &t, &used), DEC_TC_OK);
    cr_assert_eq(t.ns, 1);
}

Test(timecode, cds_bad_pfields) {
    dec_tc_time_t t;
    /* extension bit, ids other than 100, reserved submillisecond 11 */
    const uint8_t bad[] = {0xC0, 0x80, 0x00, 0x10, 0x1E, 0x30, 0x50, 0x60, 0x70, 0x43, 0x4F};
    for (size_t i = 0; i < sizeof bad; i++) {
        uint8_t in[16] = {bad[i]};
        cr_assert_eq(decode(&k_cds_p, in, sizeof in, &t, NULL), DEC_TC_BAD_PFIELD, "P 0x%02x",
                     bad[i]);
    }
}

Test(timecode, empty_input_needs_more) {
    dec_tc_time_t t;
    const uint8_t none[1] = {0};
    cr_assert_eq(decode(&k_cuc_p, none, 0, &t, NULL), DEC_TC_NEED_MORE);
    cr_assert_eq(decode(&k_cds_p, none, 0, &t, NULL), DEC_TC_NEED_MORE);
    dec_tc_format_t f = cuc_implicit(1, 0);
    cr_assert_eq(decode(&f, none, 0, &t, NULL), DEC_TC_NEED_MORE);
}

/* Every one-octet P-field with every length up to 20 octets of 0xFF: never reads past len
 * (guard page), and the status is one of the four. */
Test(timecode, all_pfields_all_lengths) {
    uint8_t in[20];
    for (unsigned p = 0; p < 256; p++) {
        for (size_t n = 0; n <= sizeof in; n++) {
            memset(in, 0x00, sizeof in);
            in[0] = (uint8_t)p;
            dec_tc_time_t t;
            size_t used = 0;
            dec_tc_status_t a = decode(&k_cuc_p, in, n, &t, &used);
            cr_assert(a < DEC_TC_STATUS_COUNT);
            if (a == DEC_TC_OK) {
                cr_assert(used <= n);
            }
            dec_tc_status_t b = decode(&k_cds_p, in, n, &t, &used);
            cr_assert(b < DEC_TC_STATUS_COUNT);
            if (b == DEC_TC_OK) {
                cr_assert(used <= n);
            }
        }
    }
}

Test(timecode_spec, valid) {
    dec_tc_format_t f;
    char err[128] = "";
    cr_assert_eq(dec_tc_format_parse("none", &f, err, sizeof err), 0);
    cr_assert_eq(f.kind, DEC_TC_NONE);
    cr_assert_eq(f.offset, 0);

    cr_assert_eq(dec_tc_format_parse("cuc", &f, err, sizeof err), 0);
    cr_assert_eq(f.kind, DEC_TC_CUC_PFIELD);
    cr_assert_eq(f.coarse, 0);
    cr_assert_eq(f.offset, 0);

    cr_assert_eq(dec_tc_format_parse("cuc:4,2", &f, err, sizeof err), 0);
    cr_assert_eq(f.kind, DEC_TC_CUC_IMPLICIT);
    cr_assert_eq(f.coarse, 4);
    cr_assert_eq(f.fine, 2);
    cr_assert_eq(f.offset, 0);

    cr_assert_eq(dec_tc_format_parse("cuc:7,10@65535", &f, err, sizeof err), 0);
    cr_assert_eq(f.kind, DEC_TC_CUC_IMPLICIT);
    cr_assert_eq(f.coarse, 7);
    cr_assert_eq(f.fine, 10);
    cr_assert_eq(f.offset, 65535);

    cr_assert_eq(dec_tc_format_parse("cuc:1,0", &f, err, sizeof err), 0);
    cr_assert_eq(f.coarse, 1);
    cr_assert_eq(f.fine, 0);

    cr_assert_eq(dec_tc_format_parse("cds@10", &f, err, sizeof err), 0);
    cr_assert_eq(f.kind, DEC_TC_CDS_PFIELD);
    cr_assert_eq(f.offset, 10);

    cr_assert_eq(dec_tc_format_parse("cds:3,4", &f, err, sizeof err), 0);
    cr_assert_eq(f.kind, DEC_TC_CDS_IMPLICIT);
    cr_assert_eq(f.day_octets, 3);
    cr_assert_eq(f.subms_octets, 4);

    cr_assert_eq(dec_tc_format_parse("cds:2,0@0", &f, err, sizeof err), 0);
    cr_assert_eq(f.kind, DEC_TC_CDS_IMPLICIT);
    cr_assert_eq(f.day_octets, 2);
    cr_assert_eq(f.subms_octets, 0);
    cr_assert_eq(f.offset, 0);

    cr_assert_eq(dec_tc_format_parse("cds:2,2@4", &f, NULL, 0), 0);
    cr_assert_eq(f.subms_octets, 2);
    cr_assert_eq(f.offset, 4);
    cr_assert_str_empty(err);
}

Test(timecode_spec, invalid) {
    static const char *const bad[] = {
        "",         "CUC",      "cuc:",         "cuc:4",          "cuc:4,",  "cuc:0,2", "cuc:8,0",
        "cuc:4,11", "cuc:,2",   "cuc:+4,2",     "cuc:4,2,1",      "cuc4,2",  "cucx",    " cuc",
        "cuc ",     "cds:1,0",  "cds:4,0",      "cds:2,1",        "cds:2,3", "cds:2,8", "cds:2",
        "cds:",     "cuc@",     "cuc@65536",    "cuc@-1",         "cuc@1x",  "cuc@@1",  "nonex",
        "none ",    "cuc:4,2@", "cuc:000004,2", "cds:2,0@999999", "tai",     "cuc:4;2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dec_tc_format_t f = {.kind = DEC_TC_CDS_PFIELD, .offset = 77};
        char err[160] = "";
        cr_assert_eq(dec_tc_format_parse(bad[i], &f, err, sizeof err), -1, "accepted \"%s\"",
                     bad[i]);
        cr_assert_eq(f.kind, DEC_TC_CDS_PFIELD, "fmt changed for \"%s\"", bad[i]);
        cr_assert_eq(f.offset, 77);
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\"", bad[i]);
        cr_assert_not_null(strstr(err, quoted), "message \"%s\" does not name \"%s\"", err, bad[i]);
        cr_assert_eq(dec_tc_format_parse(bad[i], &f, NULL, 0), -1);
    }
    dec_tc_format_t f;
    char tiny[4];
    cr_assert_eq(dec_tc_format_parse("bogus", &f, tiny, sizeof tiny), -1);
    cr_assert_eq(strlen(tiny), 3);
    cr_assert_eq(dec_tc_format_parse(NULL, &f, NULL, 0), -1);
}

Test(timecode, status_strings) {
    cr_assert_str_eq(dec_tc_status_str(DEC_TC_OK), "ok");
    cr_assert_str_eq(dec_tc_status_str(DEC_TC_NEED_MORE), "need_more");
    cr_assert_str_eq(dec_tc_status_str(DEC_TC_BAD_PFIELD), "bad_pfield");
    cr_assert_str_eq(dec_tc_status_str(DEC_TC_OUT_OF_RANGE), "out_of_range");
    cr_assert_str_eq(dec_tc_status_str(DEC_TC_STATUS_COUNT), "unknown");
}

/* Regression (found by fuzz_spp): a 24-bit CDS day count can exceed int64 nanoseconds. */
Test(timecode, cds_24bit_day_count_beyond_int64_is_out_of_range) {
    dec_tc_format_t f;
    char err[64];
    cr_assert_eq(dec_tc_format_parse("cds:3,4", &f, err, sizeof err), 0);
    dec_tc_time_t t;
    const uint8_t max[11] = {0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0};
    cr_assert_eq(dec_tc_decode(&f, guard_place(max, 11), 11, &t, NULL), DEC_TC_OUT_OF_RANGE);
    /* 106750 days is the last day whose every instant fits: its last picosecond-rounded ns. */
    const uint8_t last[11] = {0x01, 0xA0, 0xFE, 0x05, 0x26, 0x5F, 0xE7, 0x3B, 0x9A, 0xC9, 0xFF};
    cr_assert_eq(dec_tc_decode(&f, guard_place(last, 11), 11, &t, NULL), DEC_TC_OK);
    cr_assert_eq(t.ns, 106750LL * 86400000000000LL + 86400999LL * 1000000LL + 999999LL);
    cr_assert(t.utc_based);
    const uint8_t next[11] = {0x01, 0xA0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0}; /* day 106751 */
    cr_assert_eq(dec_tc_decode(&f, guard_place(next, 11), 11, &t, NULL), DEC_TC_OUT_OF_RANGE);
}
