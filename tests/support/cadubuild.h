/* cadubuild.h (tests only): damage for CADUs (CCSDS 131.0-B-4): bit and octet errors. The
 * CADUs themselves come from the sim's production framer (sim_cadu_build, sim/framer.h),
 * written independently of decoder/src/cadu.c. */
#ifndef TEST_CADUBUILD_H
#define TEST_CADUBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
