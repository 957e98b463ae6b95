/* cadu.c: CADU stream decoder (CCSDS 131.0-B-4): ASM search and lock with flywheel (section
 * 9), pseudo-derandomisation (section 10), Reed-Solomon (255,223) with interleave (section 4,
 * libfec's decode_rs_ccsds, dual basis). */
#include "dec/cadu.h"

#include <fec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 131.0-B-4 10.4: the sequence of h(x) = x^8 + x^7 + x^5 + x^3 + 1 from all ones, one period
 * of 255 octets (255 * 8 bits is a whole number of 255-bit periods). */
static const uint8_t prn[255] = {
    0xFF, 0x48, 0x0E, 0xC0, 0x9A, 0x0D, 0x70, 0xBC, 0x8E, 0x2C, 0x93, 0xAD, 0xA7, 0xB7, 0x46, 0xCE,
    0x5A, 0x97, 0x7D, 0xCC, 0x32, 0xA2, 0xBF, 0x3E, 0x0A, 0x10, 0xF1, 0x88, 0x94, 0xCD, 0xEA, 0xB1,
    0xFE, 0x90, 0x1D, 0x81, 0x34, 0x1A, 0xE1, 0x79, 0x1C, 0x59, 0x27, 0x5B, 0x4F, 0x6E, 0x8D, 0x9C,
    0xB5, 0x2E, 0xFB, 0x98, 0x65, 0x45, 0x7E, 0x7C, 0x14, 0x21, 0xE3, 0x11, 0x29, 0x9B, 0xD5, 0x63,
    0xFD, 0x20, 0x3B, 0x02, 0x68, 0x35, 0xC2, 0xF2, 0x38, 0xB2, 0x4E, 0xB6, 0x9E, 0xDD, 0x1B, 0x39,
    0x6A, 0x5D, 0xF7, 0x30, 0xCA, 0x8A, 0xFC, 0xF8, 0x28, 0x43, 0xC6, 0x22, 0x53, 0x37, 0xAA, 0xC7,
    0xFA, 0x40, 0x76, 0x04, 0xD0, 0x6B, 0x85, 0xE4, 0x71, 0x64, 0x9D, 0x6D, 0x3D, 0xBA, 0x36, 0x72,
    0xD4, 0xBB, 0xEE, 0x61, 0x95, 0x15, 0xF9, 0xF0, 0x50, 0x87, 0x8C, 0x44, 0xA6, 0x6F, 0x55, 0x8F,
    0xF4, 0x80, 0xEC, 0x09, 0xA0, 0xD7, 0x0B, 0xC8, 0xE2, 0xC9, 0x3A, 0xDA, 0x7B, 0x74, 0x6C, 0xE5,
    0xA9, 0x77, 0xDC, 0xC3, 0x2A, 0x2B, 0xF3, 0xE0, 0xA1, 0x0F, 0x18, 0x89, 0x4C, 0xDE, 0xAB, 0x1F,
    0xE9, 0x01, 0xD8, 0x13, 0x41, 0xAE, 0x17, 0x91, 0xC5, 0x92, 0x75, 0xB4, 0xF6, 0xE8, 0xD9, 0xCB,
    0x52, 0xEF, 0xB9, 0x86, 0x54, 0x57, 0xE7, 0xC1, 0x42, 0x1E, 0x31, 0x12, 0x99, 0xBD, 0x56, 0x3F,
    0xD2, 0x03, 0xB0, 0x26, 0x83, 0x5C, 0x2F, 0x23, 0x8B, 0x24, 0xEB, 0x69, 0xED, 0xD1, 0xB3, 0x96,
    0xA5, 0xDF, 0x73, 0x0C, 0xA8, 0xAF, 0xCF, 0x82, 0x84, 0x3C, 0x62, 0x25, 0x33, 0x7A, 0xAC, 0x7F,
    0xA4, 0x07, 0x60, 0x4D, 0x06, 0xB8, 0x5E, 0x47, 0x16, 0x49, 0xD6, 0xD3, 0xDB, 0xA3, 0x67, 0x2D,
    0x4B, 0xBE, 0xE6, 0x19, 0x51, 0x5F, 0x9F, 0x05, 0x08, 0x78, 0xC4, 0x4A, 0x66, 0xF5, 0x58,
};

struct dec_cadu {
    dec_cadu_cfg_t cfg;
    size_t cadu_len; /* ASM + codeblock */
    size_t cb_len;   /* codeblock: frame_len + 32 * I */
    size_t cw_data;  /* data octets per codeword (frame_len / I) */
    int cw_pad;      /* libfec pad: 223 - cw_data */
    uint8_t *hist;   /* stream octets [hist_off, hist_off + hist_len) */
    size_t hist_cap;
    size_t hist_len;
    uint64_t hist_off;
    uint8_t *cb; /* codeblock work copy (derandomised); the frame without RS */
    uint8_t *frame;
    bool locked;
    uint64_t scan;      /* out of lock: next position to try */
    uint64_t pos;       /* in lock: where the next ASM is expected */
    uint64_t last_good; /* in lock: last ASM within the error limit */
    uint32_t misses;    /* consecutive bad ASMs accepted by the flywheel */
    uint64_t acct;      /* octets below this were part of a CADU (not counted as skipped) */
    dec_cadu_stats_t st;
};

void dec_cadu_cfg_default(dec_cadu_cfg_t *c) {
    memset(c, 0, sizeof *c);
    c->frame_len = 1115;
    c->rs_interleave = 5;
    c->derandomize = true;
    c->asm_max_bit_errors = 2;
    c->flywheel = 3;
}

void dec_derandomize(uint8_t *buf, size_t len) {
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= prn[k];
        k = k == sizeof prn - 1 ? 0 : k + 1;
    }
}

int dec_asm_bit_errors(const uint8_t p[4]) {
    uint32_t w = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    return __builtin_popcount(w ^ DEC_CADU_ASM);
}

static void set_err(char *err, size_t errlen, const char *msg) {
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "%s", msg);
    }
}

dec_cadu_t *dec_cadu_new(const dec_cadu_cfg_t *cfg, char *err, size_t errlen) {
    uint32_t il = cfg->rs_interleave;
    if (il != 0 && il != 1 && il != 2 && il != 3 && il != 4 && il != 5 && il != 8) {
        set_err(err, errlen, "rs_interleave must be 0 (no RS), 1, 2, 3, 4, 5 or 8");
        return NULL;
    }
    if (cfg->frame_len == 0 || cfg->frame_len > DEC_CADU_MAX_FRAME_LEN) {
        set_err(err, errlen, "frame_len must be 1..65536");
        return NULL;
    }
    if (il != 0 && (cfg->frame_len > DEC_CADU_RS_DATA * il || cfg->frame_len % il != 0)) {
        set_err(err, errlen, "with RS, frame_len must be a multiple of I and at most 223 * I");
        return NULL;
    }
    if (cfg->asm_max_bit_errors > DEC_CADU_MAX_ASM_ERRORS) {
        set_err(err, errlen, "asm_max_bit_errors must be 0..8");
        return NULL;
    }
    if (cfg->flywheel > DEC_CADU_MAX_FLYWHEEL) {
        set_err(err, errlen, "flywheel must be 0..16");
        return NULL;
    }
    dec_cadu_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    c->cb_len = (size_t)cfg->frame_len + (size_t)DEC_CADU_RS_PARITY * il;
    c->cadu_len = DEC_CADU_ASM_LEN + c->cb_len;
    if (il != 0) {
        c->cw_data = cfg->frame_len / il;
        c->cw_pad = (int)(DEC_CADU_RS_DATA - c->cw_data);
    }
    /* In lock the decoder needs the octets from one after the last good ASM up to the end of
     * the CADU being judged, which lies at most flywheel + 1 CADUs after it: fewer than
     * (flywheel + 2) CADUs. */
    c->hist_cap = (cfg->flywheel + 2u) * c->cadu_len;
    c->hist = malloc(c->hist_cap);
    c->cb = malloc(c->cb_len);
    c->frame = malloc(cfg->frame_len);
    if (c->hist == NULL || c->cb == NULL || c->frame == NULL) {
        dec_cadu_destroy(&c);
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    return c;
}

void dec_cadu_destroy(dec_cadu_t **c) {
    if (c == NULL || *c == NULL) {
        return;
    }
    free((*c)->hist);
    free((*c)->cb);
    free((*c)->frame);
    free(*c);
    *c = NULL;
}

const dec_cadu_stats_t *dec_cadu_stats(const dec_cadu_t *c) {
    return &c->st;
}

/* Reed-Solomon over the derandomised codeblock c->cb into c->frame. Returns the octets
 * corrected, or -1 if a codeword is uncorrectable. */
static int rs_decode(dec_cadu_t *c) {
    size_t il = c->cfg.rs_interleave;
    size_t fl = c->cfg.frame_len;
    int total = 0;
    for (size_t j = 0; j < il; j++) {
        uint8_t cw[255];
        for (size_t m = 0; m < c->cw_data; m++) {
            cw[m] = c->cb[j + il * m];
        }
        for (size_t m = 0; m < DEC_CADU_RS_PARITY; m++) {
            cw[c->cw_data + m] = c->cb[fl + j + il * m];
        }
        int r = decode_rs_ccsds(cw, NULL, 0, c->cw_pad);
        if (r < 0 || r > (int)(DEC_CADU_RS_PARITY / 2)) {
            return -1;
        }
        /* A corrected word must be a valid (shortened) codeword: some libfec versions skip
         * a "correction" located in the virtual zeros of a shortened code instead of failing.
         * Re-encoding costs one encode, only for words that had errors. */
        if (r > 0) {
            uint8_t parity[DEC_CADU_RS_PARITY];
            encode_rs_ccsds(cw, parity, c->cw_pad);
            if (memcmp(parity, cw + c->cw_data, sizeof parity) != 0) {
                return -1;
            }
        }
        for (size_t m = 0; m < c->cw_data; m++) {
            c->frame[j + il * m] = cw[m];
        }
        total += r;
    }
    return total;
}

/* One CADU at stream offset `at`, its octets at p[0..cadu_len). */
static void take_cadu(dec_cadu_t *c, const uint8_t *p, uint64_t at, int asm_err,
                      dec_cadu_frame_fn fn, void *ctx) {
    c->st.cadus++;
    c->st.asm_bit_errors += (uint64_t)asm_err;
    memcpy(c->cb, p + DEC_CADU_ASM_LEN, c->cb_len);
    if (c->cfg.derandomize) {
        dec_derandomize(c->cb, c->cb_len);
    }
    dec_cadu_frame_t f;
    memset(&f, 0, sizeof f);
    f.len = c->cfg.frame_len;
    f.stream_offset = at;
    f.asm_bit_errors = (uint32_t)asm_err;
    if (c->cfg.rs_interleave == 0) {
        f.frame = c->cb;
    } else {
        int r = rs_decode(c);
        if (r < 0) {
            c->st.rs_uncorrectable++;
            return;
        }
        f.frame = c->frame;
        f.rs_checked = true;
        f.rs_corrected = (uint32_t)r;
        c->st.rs_corrected_octets += (uint64_t)r;
        if (r > 0) {
            c->st.rs_corrected_frames++;
        }
    }
    c->st.frames++;
    if (fn != NULL) {
        fn(ctx, &f);
    }
}

/* Run the search / lock state machine over the octets held. Positions are stream offsets;
 * every one used here lies within [hist_off, hist_off + hist_len]. */
static void process(dec_cadu_t *c, dec_cadu_frame_fn fn, void *ctx) {
    const uint64_t end = c->hist_off + c->hist_len;
    const int max_err = (int)c->cfg.asm_max_bit_errors;
    for (;;) {
        if (!c->locked) {
            /* end - scan >= 4: a whole ASM window is held. */
            while (c->scan <= end && end - c->scan >= DEC_CADU_ASM_LEN) {
                if (dec_asm_bit_errors(c->hist + (c->scan - c->hist_off)) <= max_err) {
                    c->locked = true;
                    c->pos = c->scan;
                    c->last_good = c->scan;
                    c->misses = 0;
                    c->st.locks++;
                    break;
                }
                if (c->scan >= c->acct) {
                    c->st.bytes_skipped++;
                }
                c->scan++;
            }
            if (!c->locked) {
                return;
            }
        }
        if (end - c->pos < c->cadu_len) {
            return; /* the CADU is not complete yet */
        }
        const uint8_t *p = c->hist + (c->pos - c->hist_off);
        int e = dec_asm_bit_errors(p);
        if (e <= max_err) {
            c->misses = 0;
            c->last_good = c->pos;
        } else if (c->misses < c->cfg.flywheel) {
            c->misses++;
            c->st.flywheel_cadus++;
        } else {
            c->locked = false;
            c->st.sync_losses++;
            c->scan = c->last_good + 1;
            continue;
        }
        take_cadu(c, p, c->pos, e, fn, ctx);
        c->pos += c->cadu_len;
        c->acct = c->pos;
    }
}

/* Drop the held octets no longer needed: before the scan position out of lock; in lock, before
 * one after the last good ASM (the restart point of a search) or the pending CADU. */
static void compact(dec_cadu_t *c) {
    uint64_t keep = c->scan;
    if (c->locked) {
        /* Right after the lock is acquired the pending CADU starts at the last good ASM. */
        keep = c->pos < c->last_good + 1 ? c->pos : c->last_good + 1;
    }
    if (keep <= c->hist_off) {
        return;
    }
    size_t drop = (size_t)(keep - c->hist_off);
    if (drop > c->hist_len) {
        drop = c->hist_len; /* not reached: keep never passes the end held */
    }
    memmove(c->hist, c->hist + drop, c->hist_len - drop);
    c->hist_len -= drop;
    c->hist_off += drop;
}

void dec_cadu_feed(dec_cadu_t *c, const uint8_t *buf, size_t len, dec_cadu_frame_fn fn, void *ctx) {
    while (len > 0) {
        compact(c);
        size_t room = c->hist_cap - c->hist_len;
        size_t n = len < room ? len : room;
        if (n == 0) {
            return; /* not reached: hist_cap guarantees room after compact (see dec_cadu_new) */
        }
        memcpy(c->hist + c->hist_len, buf, n);
        c->hist_len += n;
        c->st.bytes += n;
        buf += n;
        len -= n;
        process(c, fn, ctx);
    }
}

void dec_cadu_flush(dec_cadu_t *c) {
    uint64_t end = c->hist_off + c->hist_len;
    uint64_t from = c->locked ? c->pos : c->scan;
    if (from < c->acct) {
        from = c->acct;
    }
    if (c->locked && end > c->pos) {
        c->st.truncated_at_end++;
    }
    if (end > from) {
        c->st.bytes_skipped += end - from;
    }
    c->locked = false;
    c->hist_off = end;
    c->hist_len = 0;
    c->scan = end;
    c->acct = end;
    c->misses = 0;
}
