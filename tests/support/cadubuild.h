/* cadubuild.h (tests only): build CADUs from transfer frames (CCSDS 131.0-B-4: RS(255,223)
 * check symbols through libfec's encode_rs_ccsds, interleave, randomiser, ASM) and damage
 * them with bit and octet errors. */
#ifndef TEST_CADUBUILD_H
#define TEST_CADUBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CADU length for a frame of frame_len octets with interleave il (0 = no RS). */
size_t cb_cadu_len(size_t frame_len, unsigned il);

/* Build one CADU from frame[0..frame_len) into out[0..cap): ASM, then the codeblock (the
 * frame followed, with il > 0, by 32 * il check symbols, octet k in codeword k mod il, each
 * codeword shortened by 223 - frame_len / il virtual zeros), randomised when `randomize`.
 * Returns the CADU length, or 0 if it does not fit or frame_len is not valid for il. */
size_t cb_build(const uint8_t *frame, size_t frame_len, unsigned il, bool randomize, uint8_t *out,
                size_t cap);

/* Invert bit `bit` (0 = MSB of buf[0]). */
void cb_flip_bit(uint8_t *buf, size_t bit);

/* XOR `n` distinct octets of codeword j of a codeblock of cb_len octets (those at k with
 * k mod il == j) with nonzero values drawn from *seed. Returns the octets changed (n, or
 * fewer if the codeword is shorter). */
size_t cb_corrupt_codeword(uint8_t *codeblock, size_t cb_len, unsigned il, unsigned j, size_t n,
                           uint32_t *seed);

/* A small deterministic generator (xorshift32; *seed must not be 0). */
uint32_t cb_rand(uint32_t *seed);

#endif
