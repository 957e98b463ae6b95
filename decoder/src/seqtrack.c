/* seqtrack.c: per-APID sequence count tracking, modulo 16384 (CCSDS 133.0-B-2 4.1.3.4.3). */
#include "dec/seqtrack.h"

#include <string.h>

#include "dec/spp.h"

void dec_seq_reset(dec_seq_t *s) {
    memset(s->seen, 0, sizeof s->seen);
}

dec_seq_result_t dec_seq_update(dec_seq_t *s, uint16_t apid, uint16_t count, uint32_t *missing) {
    apid &= 0x7FFu;
    count &= (uint16_t)(DEC_SPP_SEQ_MOD - 1u);
    *missing = 0;
    if (!s->seen[apid]) {
        s->seen[apid] = 1;
        s->last[apid] = count;
        return DEC_SEQ_FIRST;
    }
    /* Packets skipped between the last count and this one, modulo 16384. */
    uint32_t skipped = (count + DEC_SPP_SEQ_MOD - s->last[apid] - 1u) % DEC_SPP_SEQ_MOD;
    if (skipped == 0) {
        s->last[apid] = count;
        return DEC_SEQ_IN_ORDER;
    }
    if (skipped == DEC_SPP_SEQ_MOD - 1u) {
        return DEC_SEQ_DUPLICATE;
    }
    if (skipped >= DEC_SPP_SEQ_MOD - 1u - DEC_SEQ_REORDER_WINDOW) {
        return DEC_SEQ_REORDERED;
    }
    s->last[apid] = count;
    *missing = skipped;
    return DEC_SEQ_GAP;
}
