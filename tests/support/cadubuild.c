/* cadubuild.c (tests only): error injection into CADUs (CCSDS 131.0-B-4). */
#include "cadubuild.h"

#include <string.h>

void cb_flip_bit(uint8_t *buf, size_t bit) {
    buf[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
}

uint32_t cb_rand(uint32_t *seed) {
    uint32_t x = *seed;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *seed = x;
    return x;
}

size_t cb_corrupt_codeword(uint8_t *codeblock, size_t cb_len, unsigned il, unsigned j, size_t n,
                           uint32_t *seed) {
    size_t step = il == 0 ? 1 : il;
    size_t words = j < cb_len ? (cb_len - j + step - 1) / step : 0;
    if (n > words) {
        n = words;
    }
    uint8_t hit[255 * 8 + 64];
    if (words > sizeof hit) {
        return 0;
    }
    memset(hit, 0, words);
    size_t done = 0;
    for (int guard = 0; done < n && guard < 1000000; guard++) {
        size_t m = cb_rand(seed) % words;
        if (hit[m]) {
            continue;
        }
        hit[m] = 1;
        uint8_t v = (uint8_t)(1 + cb_rand(seed) % 255);
        codeblock[j + step * m] ^= v;
        done++;
    }
    return done;
}
