/* fuzz_frame.c: libFuzzer target for TM/AOS transfer frames (CCSDS 132.0-B-3, 732.0-B-4) and
 * virtual channel reassembly: input = config octet + frames back to back. Checks the octet
 * accounting after every frame and that each delivered packet is whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec/frame.h"
#include "dec/spp.h"

/* Config octet: bit 0 kind, bit 1 FECF, bit 2 OCF (AOS), bit 3 FHEC (AOS), bits 4-5 insert
 * zone 0/1/5/13, bits 6-7 frame length 16/37/64/300 and (with 3) a small maximum packet. */
#define N_CFG 256

static dec_vcr_t *vcrs[N_CFG];
static uint64_t sink_sum;

static void sink(void *ctx, const uint8_t *pkt, size_t len, const dec_frame_t *fr) {
    const dec_frame_cfg_t *cfg = ctx;
    dec_spp_hdr_t h;
    /* A delivered packet is exactly one whole packet, within the maximum. */
    if (dec_spp_parse(pkt, len, &h) != DEC_SPP_OK || h.total_len != len ||
        len > cfg->max_packet_len) {
        abort();
    }
    sink_sum += pkt[0] + pkt[len - 1] + fr->vcid;
}

static void check(const dec_vcr_t *v) {
    const dec_vcr_stats_t *s = dec_vcr_stats(v);
    uint64_t out = s->packet_bytes + s->idle_bytes + s->spill_bytes + s->partial_discarded_bytes +
                   s->held_bytes;
    if (s->data_bytes != out) {
        fprintf(stderr, "accounting broken: data %llu != %llu\n", (unsigned long long)s->data_bytes,
                (unsigned long long)out);
        abort();
    }
    if (s->held_bytes > (uint64_t)DEC_VCR_CHANNELS * DEC_SPP_MAX_LEN) {
        abort();
    }
}

static void make_cfg(uint8_t c, dec_frame_cfg_t *cfg) {
    static const uint32_t lens[] = {16, 37, 64, 300};
    static const uint32_t zones[] = {0, 1, 5, 13};
    dec_frame_cfg_default(cfg, (c & 1u) ? DEC_FRAME_AOS : DEC_FRAME_TM);
    cfg->fecf = (c & 2u) != 0;
    if (cfg->kind == DEC_FRAME_AOS) {
        cfg->ocf = (c & 4u) != 0;
        cfg->fhec = (c & 8u) != 0;
        cfg->insert_zone = zones[c >> 4 & 3u];
    }
    cfg->frame_len = lens[c >> 6 & 3u];
    if ((c >> 6) == 3 && (c & 4u) && cfg->kind == DEC_FRAME_TM) {
        cfg->max_packet_len = 40;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    static dec_frame_cfg_t cfgs[N_CFG];
    uint8_t c = data[0];
    data++;
    size--;
    if (vcrs[c] == NULL) {
        make_cfg(c, &cfgs[c]);
        char err[128];
        vcrs[c] = dec_vcr_new(&cfgs[c], err, sizeof err);
        if (vcrs[c] == NULL) {
            return 0; /* configurations with no data octet are refused: fine */
        }
    }
    const dec_frame_cfg_t *cfg = &cfgs[c];
    dec_vcr_t *v = vcrs[c];
    dec_vcr_reset(v); /* inputs independent of each other, tables reused */
    check(v);
    size_t fl = cfg->frame_len;
    for (size_t off = 0; size - off >= fl; off += fl) {
        dec_frame_t fr;
        dec_frame_status_t st = dec_frame_parse(cfg, data + off, fl, &fr);
        if (st != DEC_FRAME_OK) {
            if (fr.data != NULL || fr.data_len != 0) {
                abort();
            }
            continue;
        }
        /* The packet zone lies inside the frame. */
        if (fr.data < data + off || fr.data_len == 0 ||
            (size_t)(fr.data - (data + off)) > fl - fr.data_len) {
            abort();
        }
        dec_vcr_frame(v, &fr, sink, (void *)cfg);
        check(v);
    }
    /* A short tail: the parser must refuse it without reading past it. */
    if (size % fl != 0) {
        dec_frame_t fr;
        size_t tail = size % fl;
        if (dec_frame_parse(cfg, data + size - tail, tail, &fr) != DEC_FRAME_WRONG_LENGTH) {
            abort();
        }
    }
    return 0;
}
