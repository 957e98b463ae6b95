/* fuzz_spp.c: libFuzzer target for the packet layer: space packet headers, datagrams holding
 * several packets, byte streams cut at fuzzer-chosen points, and secondary-header time codes
 * (CCSDS 133.0-B-2, 301.0-B-4). Checks the byte accounting after every input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec/pipeline.h"
#include "dec/spp.h"
#include "dec/timecode.h"

static const char *const tc_specs[] = {"none", "cuc",     "cuc:4,2", "cuc:1,0", "cuc:7,3",
                                       "cds",  "cds:2,0", "cds:3,4", "cuc@2",   "cds:2,2@1"};
#define N_TC (sizeof tc_specs / sizeof tc_specs[0])

static dec_pipeline_t *pipes[N_TC];
static uint64_t sink_sum;

static void sink(void *ctx, const dec_packet_t *pk) {
    (void)ctx;
    /* Touch the first and last octet so an out-of-bounds packet view would be caught. */
    sink_sum += pk->data[0] + pk->data[pk->len - 1] + (uint64_t)pk->gen_utc_ns;
    if (pk->len != pk->hdr.total_len || pk->len < DEC_SPP_MIN_LEN) {
        abort();
    }
}

static void check_accounting(const dec_pipeline_t *p) {
    const dec_stats_t *s = dec_pipeline_stats(p);
    uint64_t rej = 0;
    for (int r = 0; r < DEC_REJ_COUNT; r++) {
        rej += s->rejected_bytes[r];
    }
    if (s->bytes != s->packet_bytes + rej + s->held_bytes) {
        fprintf(stderr, "accounting broken: %llu != %llu + %llu + %llu\n",
                (unsigned long long)s->bytes, (unsigned long long)s->packet_bytes,
                (unsigned long long)rej, (unsigned long long)s->held_bytes);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) {
        return 0;
    }
    unsigned which = data[0] % N_TC;
    unsigned mode = data[1];
    data += 2;
    size -= 2;
    if (pipes[which] == NULL) {
        dec_pipeline_opts_t o;
        dec_pipeline_opts_default(&o);
        o.deliver_idle = true;
        o.max_streams = 2;
        char err[128];
        if (dec_tc_format_parse(tc_specs[which], &o.time_code, err, sizeof err) != 0) {
            abort();
        }
        pipes[which] = dec_pipeline_new(&o, sink, NULL, err, sizeof err);
        if (pipes[which] == NULL) {
            abort();
        }
    }
    dec_pipeline_t *p = pipes[which];

    dec_spp_hdr_t h;
    (void)dec_spp_parse(data, size, &h);
    dec_tc_format_t f;
    char err[64];
    dec_tc_time_t t;
    size_t used;
    if (dec_tc_format_parse(tc_specs[which], &f, err, sizeof err) == 0 &&
        dec_tc_decode(&f, data, size, &t, &used) == DEC_TC_OK && used > size) {
        abort();
    }

    if (mode & 1) {
        dec_pipeline_datagram(p, data, size, 0);
    } else {
        /* Cut the stream at points taken from the mode octet. */
        size_t step = 1 + (mode >> 1);
        for (size_t off = 0; off < size; off += step) {
            size_t n = size - off < step ? size - off : step;
            dec_pipeline_stream(p, 1, data + off, n, 0);
        }
        check_accounting(p);
        dec_pipeline_stream_end(p, 1);
    }
    check_accounting(p);
    return 0;
}
