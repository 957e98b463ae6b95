/* framebuild.c (tests only): the sim's framer (sim/framer.h) adapted to the decoder's tests. */
#include "framebuild.h"

#include <string.h>

fb_chan_t fb_chan(dec_frame_kind_t k, uint32_t len) {
    return sim_frame_chan(k == DEC_FRAME_AOS ? SIM_FRAME_AOS : SIM_FRAME_TM, len);
}

dec_frame_cfg_t fb_cfg(const fb_chan_t *f) {
    dec_frame_cfg_t c;
    bool aos = f->kind == SIM_FRAME_AOS;
    dec_frame_cfg_default(&c, aos ? DEC_FRAME_AOS : DEC_FRAME_TM);
    c.frame_len = f->frame_len;
    c.fecf = f->fecf;
    if (aos) {
        c.ocf = f->ocf;
        c.fhec = f->fhec;
        c.insert_zone = f->insert_zone;
    }
    return c;
}

size_t fb_zone_len(const fb_chan_t *f) {
    return sim_frame_zone(f, NULL);
}

size_t fb_frame(const fb_chan_t *f, uint16_t fhp, const uint8_t *data, size_t n, uint8_t *out,
                size_t cap) {
    static uint8_t zone[1u << 16]; /* frame lengths are 16-bit */
    size_t zlen = sim_frame_zone(f, NULL);
    if (zlen == 0 || zlen > sizeof zone || n > zlen) {
        return 0;
    }
    if (n > 0) {
        memcpy(zone, data, n);
    }
    memset(zone + n, 0xAA, zlen - n);
    return sim_frame_build(f, fhp, zone, zlen, out, cap);
}

/* Where fb_pack's frames go. */
typedef struct {
    uint8_t *out;
    size_t cap;
    size_t used;
} pack_sink_t;

static int pack_unit(void *ctx, const uint8_t *unit, size_t len) {
    pack_sink_t *s = ctx;
    if (len > s->cap - s->used) {
        return -1;
    }
    memcpy(s->out + s->used, unit, len);
    s->used += len;
    return 0;
}

size_t fb_pack(fb_chan_t *f, const uint8_t *pkts, size_t len, uint8_t *out, size_t cap) {
    sim_framer_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.chan = *f;
    pack_sink_t sink = {out, cap, 0};
    char err[128];
    sim_framer_t *fr = sim_framer_new(&cfg, pack_unit, &sink, err, sizeof err);
    if (fr == NULL) {
        return 0;
    }
    int rc = 0;
    size_t off = 0;
    /* one whole packet per pass: at most len / 7 passes */
    while (rc == 0 && off < len) {
        size_t n = len - off < 6 ? 0 : 7u + ((size_t)pkts[off + 4] << 8 | pkts[off + 5]);
        if (n == 0 || n > len - off) {
            rc = -1;
            break;
        }
        rc = sim_framer_packet(fr, pkts + off, n);
        off += n;
    }
    if (rc == 0) {
        rc = sim_framer_flush(fr);
    }
    size_t frames = (size_t)sim_framer_units(fr);
    *f = *sim_framer_chan(fr);
    sim_framer_destroy(&fr);
    return rc == 0 ? frames : 0;
}
