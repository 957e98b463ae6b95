/* cadubuild.c (tests only): CADU builder and error injection (CCSDS 131.0-B-4). */
#include "cadubuild.h"

#include <fec.h>
#include <string.h>

#include "dec/cadu.h"

size_t cb_cadu_len(size_t frame_len, unsigned il) {
    return DEC_CADU_ASM_LEN + frame_len + (size_t)DEC_CADU_RS_PARITY * il;
}

size_t cb_build(const uint8_t *frame, size_t frame_len, unsigned il, bool randomize, uint8_t *out,
                size_t cap) {
    if (frame_len == 0 || (il != 0 && (frame_len % il != 0 || frame_len > 223u * il))) {
        return 0;
    }
    size_t len = cb_cadu_len(frame_len, il);
    if (cap < len) {
        return 0;
    }
    out[0] = 0x1A;
    out[1] = 0xCF;
    out[2] = 0xFC;
    out[3] = 0x1D;
    uint8_t *cbk = out + DEC_CADU_ASM_LEN;
    memcpy(cbk, frame, frame_len);
    if (il != 0) {
        size_t n = frame_len / il;
        for (size_t j = 0; j < il; j++) {
            uint8_t data[223];
            uint8_t parity[32];
            for (size_t m = 0; m < n; m++) {
                data[m] = frame[j + il * m];
            }
            encode_rs_ccsds(data, parity, (int)(223 - n));
            for (size_t m = 0; m < 32; m++) {
                cbk[frame_len + j + il * m] = parity[m];
            }
        }
    }
    if (randomize) {
        dec_derandomize(cbk, len - DEC_CADU_ASM_LEN);
    }
    return len;
}

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
