/* fuzz_cadu.c: libFuzzer target for the CADU stream layer (CCSDS 131.0-B-4): a config octet
 * pair, three chunk sizes, then a stream fed in those chunks; checks every frame's length and
 * the counters after a flush. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec/cadu.h"

static const uint32_t interleaves[7] = {0, 1, 2, 3, 4, 5, 8};
static const uint32_t per_codeword[4] = {1, 8, 64, 223};
static const uint32_t plain_len[4] = {1, 16, 100, 1115};

typedef struct {
    uint32_t frame_len;
    size_t cadu_len;
    uint64_t frames;
    uint64_t covered; /* octets of delivered CADUs, each counted once */
    uint64_t covered_end;
    uint64_t sum;
} fz_t;

static void sink(void *ctx, const dec_cadu_frame_t *f) {
    fz_t *z = ctx;
    if (f->len != z->frame_len || f->frame == NULL) {
        abort();
    }
    /* Touch the first and last octet so an out-of-bounds view would be caught. */
    z->sum += f->frame[0] + f->frame[f->len - 1];
    if (f->rs_corrected > 16u * 8u) {
        abort();
    }
    uint64_t from = f->stream_offset > z->covered_end ? f->stream_offset : z->covered_end;
    uint64_t to = f->stream_offset + z->cadu_len;
    if (to > from) {
        z->covered += to - from;
        z->covered_end = to;
    }
    z->frames++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 5) {
        return 0;
    }
    dec_cadu_cfg_t cfg;
    dec_cadu_cfg_default(&cfg);
    cfg.rs_interleave = interleaves[data[0] % 7];
    unsigned sel = (data[0] / 7u) % 4u;
    cfg.frame_len = cfg.rs_interleave ? per_codeword[sel] * cfg.rs_interleave : plain_len[sel];
    cfg.derandomize = (data[1] & 1u) != 0;
    cfg.asm_max_bit_errors = (data[1] >> 1) & 3u;
    cfg.flywheel = (uint32_t)(data[1] >> 3) % (DEC_CADU_MAX_FLYWHEEL + 1u);
    size_t steps[3] = {data[2], data[3], data[4]};
    if (steps[0] + steps[1] + steps[2] == 0) {
        steps[0] = 1;
    }
    data += 5;
    size -= 5;

    char err[128];
    dec_cadu_t *c = dec_cadu_new(&cfg, err, sizeof err);
    if (c == NULL) {
        fprintf(stderr, "fuzz_cadu: %s\n", err);
        abort();
    }
    fz_t z;
    memset(&z, 0, sizeof z);
    z.frame_len = cfg.frame_len;
    z.cadu_len = DEC_CADU_ASM_LEN + cfg.frame_len + DEC_CADU_RS_PARITY * cfg.rs_interleave;
    size_t off = 0;
    for (unsigned i = 0; off < size; i++) {
        size_t n = steps[i % 3];
        if (n > size - off) {
            n = size - off;
        }
        dec_cadu_feed(c, data + off, n, sink, &z);
        off += n;
    }
    dec_cadu_flush(c);
    const dec_cadu_stats_t *s = dec_cadu_stats(c);
    if (s->bytes != size || s->frames != z.frames || s->frames + s->rs_uncorrectable != s->cadus ||
        s->bytes_skipped > size || s->flywheel_cadus > s->cadus || s->locks < s->sync_losses) {
        abort();
    }
    /* Without RS every CADU is delivered: each octet is in a CADU or skipped, exactly once. */
    if (cfg.rs_interleave == 0 && z.covered + s->bytes_skipped != s->bytes) {
        fprintf(stderr, "fuzz_cadu: covered %llu + skipped %llu != %llu\n",
                (unsigned long long)z.covered, (unsigned long long)s->bytes_skipped,
                (unsigned long long)s->bytes);
        abort();
    }
    dec_cadu_destroy(&c);
    return 0;
}
