/* dec/cadu.h: CADU streams (CCSDS 131.0-B-4 sections 4, 9, 10): attached sync marker search
 * with bit errors, lock and flywheel, pseudo-derandomisation, Reed-Solomon (255,223) with
 * interleave 1, 2, 3, 4, 5, 8 through libfec, transfer frames out. */
#ifndef DEC_CADU_H
#define DEC_CADU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEC_CADU_ASM 0x1ACFFC1Du
#define DEC_CADU_ASM_LEN 4u
#define DEC_CADU_RS_PARITY 32u        /* check symbols per RS(255,223) codeword, E = 16 */
#define DEC_CADU_RS_DATA 223u         /* data octets of an unshortened codeword */
#define DEC_CADU_MAX_FRAME_LEN 65536u /* without RS; with RS the limit is 223 * I */
#define DEC_CADU_MAX_ASM_ERRORS 8u
#define DEC_CADU_MAX_FLYWHEEL 16u

typedef struct {
    uint32_t frame_len; /* transfer frame octets (without ASM and RS check symbols), >= 1 */
    /* 0 = no Reed-Solomon (the codeblock is the frame); 1, 2, 3, 4, 5, 8: codeblock =
     * frame_len + 32 * I octets, octet k of the codeblock belonging to codeword k mod I.
     * frame_len must be a multiple of I and at most 223 * I. A shorter frame is a shortened
     * code: every codeword carries n = frame_len / I data octets and 223 - n virtual leading
     * zeros (libfec's pad argument, the same for every codeword), so the total shortening
     * 223 * I - frame_len is split evenly over the I codewords. */
    uint32_t rs_interleave;
    bool derandomize;            /* XOR the codeblock with the CCSDS sequence (default true) */
    uint32_t asm_max_bit_errors; /* tolerated in search and in lock (default 2, at most 8) */
    /* Consecutive bad ASMs at the expected place accepted once locked (default 3, at most 16):
     * the (flywheel + 1)-th consecutive bad one loses the lock. */
    uint32_t flywheel;
} dec_cadu_cfg_t;

/* Fill *c with the defaults: frame_len 1115, rs_interleave 5, derandomize true,
 * asm_max_bit_errors 2, flywheel 3 (CADUs of 1279 octets). */
void dec_cadu_cfg_default(dec_cadu_cfg_t *c);

/* One transfer frame out of a CADU. `frame` points into the decoder's own buffer and is valid
 * only during the callback. */
typedef struct {
    const uint8_t *frame;
    size_t len;              /* always cfg.frame_len */
    uint32_t rs_corrected;   /* octets corrected over all I codewords (0 without RS) */
    bool rs_checked;         /* true when Reed-Solomon decoding was applied */
    uint64_t stream_offset;  /* stream offset of the CADU's ASM (octets fed since creation) */
    uint32_t asm_bit_errors; /* bits of that ASM differing from 0x1ACFFC1D (may exceed the
                                maximum for a CADU accepted by the flywheel) */
} dec_cadu_frame_t;

typedef void (*dec_cadu_frame_fn)(void *ctx, const dec_cadu_frame_t *f);

typedef struct {
    uint64_t bytes;       /* octets fed */
    uint64_t cadus;       /* CADUs taken at a locked position (delivered or dropped) */
    uint64_t frames;      /* frames delivered = cadus - rs_uncorrectable */
    uint64_t sync_losses; /* locks lost after the flywheel ran out */
    uint64_t locks;       /* ASMs found by the search (lock acquired) */
    /* octets searched past while out of lock and never part of a CADU, plus the octets of a
     * partial CADU or search window at flush: bytes = octets covered by CADUs +
     * bytes_skipped (+ octets still held before the flush) */
    uint64_t bytes_skipped;
    uint64_t asm_bit_errors;      /* sum of the bit errors of every CADU's ASM */
    uint64_t flywheel_cadus;      /* accepted on position with a bad ASM */
    uint64_t rs_corrected_octets; /* over delivered frames */
    uint64_t rs_corrected_frames; /* delivered frames with at least one corrected octet */
    uint64_t rs_uncorrectable;    /* frames dropped: some codeword could not be corrected */
    uint64_t truncated_at_end;    /* partial CADUs at flush */
} dec_cadu_stats_t;

typedef struct dec_cadu dec_cadu_t;

/* Check the config and allocate every buffer once (the CADU, the codeblock, the frame and a
 * history of (flywheel + 2) CADUs for the search after a lost lock). Returns NULL with a
 * reason in err[0..errlen) on a bad config or when out of memory. */
dec_cadu_t *dec_cadu_new(const dec_cadu_cfg_t *cfg, char *err, size_t errlen);

/* Free the decoder and set *c to NULL; NULL and *c == NULL are accepted. */
void dec_cadu_destroy(dec_cadu_t **c);

/* Feed the next buf[0..len) of the stream; fn(ctx, frame) is called for every frame completed
 * (fn may be NULL). Out of lock the ASM is searched at every octet offset with at most
 * asm_max_bit_errors differing bits; once locked the next ASM is expected exactly one CADU
 * later; after the flywheel runs out the search restarts one octet after the last good ASM.
 * Frames with an uncorrectable codeword are dropped and counted. The result does not depend
 * on the chunking: a stream cut at every octet boundary gives the same frames and stats.
 * No allocation; buf is only read. */
void dec_cadu_feed(dec_cadu_t *c, const uint8_t *buf, size_t len, dec_cadu_frame_fn fn, void *ctx);

/* End of stream: a partial CADU held in lock counts one truncated_at_end and its octets go to
 * bytes_skipped, as do the octets of an unfinished search window. The decoder then searches
 * afresh; stream offsets keep counting. */
void dec_cadu_flush(dec_cadu_t *c);

/* The counters, valid until the decoder is destroyed. */
const dec_cadu_stats_t *dec_cadu_stats(const dec_cadu_t *c);

/* XOR buf[0..len) in place with the CCSDS pseudo-random sequence (h(x) = x^8 + x^7 + x^5 +
 * x^3 + 1, all ones at buf[0]) from its start: FF 48 0E C0 ..., period 255 octets. Applying
 * it twice restores the input. */
void dec_derandomize(uint8_t *buf, size_t len);

/* Hamming distance (0..32) between p[0..4) and the ASM 1A CF FC 1D. */
int dec_asm_bit_errors(const uint8_t p[4]);

#endif
