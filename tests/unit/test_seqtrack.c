/* test_seqtrack.c: per-APID sequence tracking: gaps with counts, wrap, duplicates, late. */
#include <criterion/criterion.h>

#include "dec/seqtrack.h"

static dec_seq_t s;

static dec_seq_result_t upd(uint16_t apid, uint16_t c, uint32_t *miss) {
    return dec_seq_update(&s, apid, c, miss);
}

Test(seqtrack, in_order_wrap_and_gap_counts) {
    uint32_t m = 99;
    dec_seq_reset(&s);
    cr_assert_eq(upd(7, 16382, &m), DEC_SEQ_FIRST);
    cr_assert_eq(m, 0);
    cr_assert_eq(upd(7, 16383, &m), DEC_SEQ_IN_ORDER);
    cr_assert_eq(upd(7, 0, &m), DEC_SEQ_IN_ORDER, "16383 -> 0 wraps without a gap");
    cr_assert_eq(upd(7, 4, &m), DEC_SEQ_GAP);
    cr_assert_eq(m, 3);
    cr_assert_eq(upd(7, 16380, &m), DEC_SEQ_REORDERED, "8 behind 4 across the wrap is late");
    cr_assert_eq(m, 0);
    cr_assert_eq(upd(7, 10000, &m), DEC_SEQ_GAP);
    cr_assert_eq(m, 9995);
    cr_assert_eq(upd(7, 2, &m), DEC_SEQ_GAP, "gap across the wrap");
    cr_assert_eq(m, 6385);
}

Test(seqtrack, duplicates_and_reordering_do_not_move_the_count) {
    uint32_t m;
    dec_seq_reset(&s);
    upd(1, 10, &m);
    cr_assert_eq(upd(1, 10, &m), DEC_SEQ_DUPLICATE);
    cr_assert_eq(upd(1, 13, &m), DEC_SEQ_GAP);
    cr_assert_eq(m, 2);
    cr_assert_eq(upd(1, 11, &m), DEC_SEQ_REORDERED);
    cr_assert_eq(upd(1, 12, &m), DEC_SEQ_REORDERED);
    cr_assert_eq(upd(1, 14, &m), DEC_SEQ_IN_ORDER, "last count stayed at 13");
    /* Late by the whole window still counts as reordered; one more is a forward gap. */
    cr_assert_eq(upd(1, (uint16_t)(14 + 16384 - DEC_SEQ_REORDER_WINDOW), &m), DEC_SEQ_REORDERED);
    cr_assert_eq(upd(1, (uint16_t)(14 + 16384 - 1 - DEC_SEQ_REORDER_WINDOW), &m), DEC_SEQ_GAP);
    cr_assert_eq(m, 16384 - 2 - DEC_SEQ_REORDER_WINDOW);
}

Test(seqtrack, apids_are_independent) {
    uint32_t m;
    dec_seq_reset(&s);
    cr_assert_eq(upd(100, 5, &m), DEC_SEQ_FIRST);
    cr_assert_eq(upd(200, 9, &m), DEC_SEQ_FIRST);
    cr_assert_eq(upd(100, 6, &m), DEC_SEQ_IN_ORDER);
    cr_assert_eq(upd(200, 10, &m), DEC_SEQ_IN_ORDER);
    cr_assert_eq(upd(2047, 0, &m), DEC_SEQ_FIRST);
}
