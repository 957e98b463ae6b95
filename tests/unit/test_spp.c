/* test_spp.c: space packet primary header parser (CCSDS 133.0-B-2 4.1.3), every field and
 * the edges, inputs against a guard page. */
#include <criterion/criterion.h>
#include <string.h>

#include "dec/spp.h"
#include "guard.h"
#include "netbuild.h"

Test(spp, every_field_of_a_known_header) {
    /* 000 1 1 00101100111 | 01 10101010101010 | 0x0003 */
    const uint8_t raw[] = {0x19, 0x67, 0x6A, 0xAA, 0x00, 0x03, 1, 2, 3, 4};
    const uint8_t *b = guard_place(raw, sizeof raw);
    dec_spp_hdr_t h;
    cr_assert_eq(dec_spp_parse(b, sizeof raw, &h), DEC_SPP_OK);
    cr_assert_eq(h.version, 0);
    cr_assert_eq(h.type, 1);
    cr_assert_eq(h.sec_hdr, 1);
    cr_assert_eq(h.apid, 0x167);
    cr_assert_eq(h.seq_flags, 1);
    cr_assert_eq(h.seq_count, 0x2AAA);
    cr_assert_eq(h.data_length, 3);
    cr_assert_eq(h.total_len, 10);
}

Test(spp, smallest_and_largest_packets) {
    static uint8_t buf[DEC_SPP_MAX_LEN + 16];
    dec_spp_hdr_t h;
    size_t n = nb_spp(5, 0, false, 3, 1, NULL, 1, buf, sizeof buf);
    cr_assert_eq(n, 7);
    cr_assert_eq(dec_spp_parse(guard_place(buf, n), n, &h), DEC_SPP_OK);
    cr_assert_eq(h.total_len, 7);
    cr_assert_eq(h.data_length, 0);
    n = nb_spp(2047, 0, true, 3, 16383, NULL, 65536, buf, sizeof buf);
    cr_assert_eq(n, DEC_SPP_MAX_LEN);
    cr_assert_eq(dec_spp_parse(guard_place(buf, n), n, &h), DEC_SPP_OK);
    cr_assert_eq(h.total_len, 65542);
    cr_assert_eq(h.data_length, 65535);
    cr_assert_eq(h.apid, DEC_SPP_APID_IDLE);
    cr_assert_eq(h.seq_count, 16383);
    /* One octet short of the declared length: need more, fields still reported. */
    cr_assert_eq(dec_spp_parse(guard_place(buf, n - 1), n - 1, &h), DEC_SPP_NEED_MORE);
    cr_assert_eq(h.total_len, 65542);
}

Test(spp, truncation_at_every_octet) {
    uint8_t buf[64];
    size_t n = nb_spp(0x123, 0, true, 3, 77, NULL, 20, buf, sizeof buf);
    cr_assert_eq(n, 26);
    for (size_t len = 0; len < n; len++) {
        dec_spp_hdr_t h = {0};
        h.apid = 0xFFFF;
        cr_assert_eq(dec_spp_parse(guard_place(buf, len), len, &h), DEC_SPP_NEED_MORE, "len %zu",
                     len);
        if (len < DEC_SPP_HDR_LEN) {
            cr_assert_eq(h.apid, 0xFFFF, "header untouched at len %zu", len);
        } else {
            cr_assert_eq(h.apid, 0x123);
            cr_assert_eq(h.total_len, 26);
        }
    }
    dec_spp_hdr_t h;
    cr_assert_eq(dec_spp_parse(guard_place(buf, n), n, &h), DEC_SPP_OK);
}

Test(spp, bad_versions) {
    for (unsigned v = 1; v < 8; v++) {
        uint8_t raw[8] = {(uint8_t)(v << 5), 0x01, 0xC0, 0x00, 0x00, 0x01, 0xAA, 0xBB};
        dec_spp_hdr_t h;
        cr_assert_eq(dec_spp_parse(guard_place(raw, 8), 8, &h), DEC_SPP_BAD_VERSION);
        cr_assert_eq(h.version, v);
    }
    cr_assert_str_eq(dec_spp_status_str(DEC_SPP_BAD_VERSION), "bad_version");
    cr_assert_str_eq(dec_spp_status_str(DEC_SPP_NEED_MORE), "need_more");
}
