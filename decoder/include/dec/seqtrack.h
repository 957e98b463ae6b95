/* dec/seqtrack.h: per-APID packet sequence count tracking (CCSDS 133.0-B-2 4.1.3.4.3):
 * gaps with the number of missing packets, duplicates and late (reordered) packets. */
#ifndef DEC_SEQTRACK_H
#define DEC_SEQTRACK_H

#include <stdint.h>

/* A count that lags the last one by up to this many is taken as reordered, not as a gap of
 * nearly 16384. */
#define DEC_SEQ_REORDER_WINDOW 64u

typedef enum {
    DEC_SEQ_FIRST = 0, /* first packet of this APID */
    DEC_SEQ_IN_ORDER,
    DEC_SEQ_GAP,       /* *missing packets were skipped just before this one */
    DEC_SEQ_DUPLICATE, /* same count as the last packet */
    DEC_SEQ_REORDERED  /* older than the last packet (within the window) */
} dec_seq_result_t;

typedef struct {
    uint16_t last[2048];
    uint8_t seen[2048];
} dec_seq_t;

/* Forget everything (all APIDs unseen). */
void dec_seq_reset(dec_seq_t *s);

/* Account for a packet of `apid` (0..2047) with sequence count `count` (0..16383). On
 * DEC_SEQ_GAP, *missing holds the number of packets skipped; otherwise it is 0. The last count
 * moves forward on FIRST, IN_ORDER and GAP only. */
dec_seq_result_t dec_seq_update(dec_seq_t *s, uint16_t apid, uint16_t count, uint32_t *missing);

#endif
