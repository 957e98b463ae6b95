/* vcr.c: virtual channel packet reassembly by first header pointer (CCSDS 132.0-B-3 4.1.2.7,
 * 732.0-B-4 4.1.4.2), frame count continuity (132.0-B-3 4.1.2.4-5, 732.0-B-4 4.1.2.4). */
#include "dec/frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec/spp.h"

#define TM_SCIDS 1024u /* 10-bit SCID: one master channel counter each */
#define TM_COUNT_MOD 256u
#define AOS_COUNT_MOD (1u << 24)

/* Where a channel stands relative to packet boundaries. */
typedef enum {
    CH_NEVER_SYNCED = 0, /* no packet start seen yet: octets before one are spill */
    CH_LOST,             /* a packet was lost: octets before the next start are discarded */
    CH_SYNCED            /* buf[0..have) is the start of the current packet (have may be 0) */
} ch_state_t;

typedef struct {
    bool used;
    uint16_t scid;
    uint8_t vcid;
    bool have_count;
    uint32_t last_count;
    uint64_t stamp; /* last use, for LRU eviction */
    ch_state_t state;
    size_t have; /* octets in buf */
    size_t need; /* declared packet length once the header is complete, else 0 */
    uint8_t *buf;
} channel_t;

struct dec_vcr {
    dec_frame_cfg_t cfg;
    dec_vcr_stats_t st;
    uint64_t clock;
    channel_t ch[DEC_VCR_CHANNELS];
    uint8_t *pool; /* DEC_VCR_CHANNELS * max_packet_len */
    bool mc_seen[TM_SCIDS];
    uint8_t mc_last[TM_SCIDS];
};

dec_vcr_t *dec_vcr_new(const dec_frame_cfg_t *cfg, char *err, size_t errlen) {
    if (dec_frame_cfg_check(cfg, err, errlen) != 0) {
        return NULL;
    }
    dec_vcr_t *v = calloc(1, sizeof *v);
    if (v != NULL) {
        v->pool = malloc((size_t)DEC_VCR_CHANNELS * cfg->max_packet_len);
    }
    if (v == NULL || v->pool == NULL) {
        free(v);
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "out of memory for %u channel buffers", DEC_VCR_CHANNELS);
        }
        return NULL;
    }
    v->cfg = *cfg;
    for (size_t i = 0; i < DEC_VCR_CHANNELS; i++) {
        v->ch[i].buf = v->pool + i * cfg->max_packet_len;
    }
    return v;
}

void dec_vcr_destroy(dec_vcr_t **vp) {
    if (vp == NULL || *vp == NULL) {
        return;
    }
    free((*vp)->pool);
    free(*vp);
    *vp = NULL;
}

const dec_vcr_stats_t *dec_vcr_stats(const dec_vcr_t *v) {
    return &v->st;
}

/* Set the partial packet length, keeping held_bytes equal to the sum over channels. */
static void set_have(dec_vcr_t *v, channel_t *c, size_t have) {
    v->st.held_bytes = v->st.held_bytes - c->have + have;
    c->have = have;
    if (have < DEC_SPP_HDR_LEN) {
        c->need = 0;
    }
}

/* Throw away the partial packet, if any (the caller bumps the reason counter), and lose
 * sync: octets until the next packet start are discarded. Returns whether one was held. */
static bool drop_partial(dec_vcr_t *v, channel_t *c) {
    bool had = c->state == CH_SYNCED && c->have > 0;
    if (had) {
        v->st.partial_discarded++;
        v->st.partial_discarded_bytes += c->have;
    }
    set_have(v, c, 0);
    if (c->state == CH_SYNCED) {
        c->state = CH_LOST;
    }
    return had;
}

/* The channel of (scid, vcid), created (evicting the least recently used) if new. */
static channel_t *channel_for(dec_vcr_t *v, uint16_t scid, uint8_t vcid) {
    channel_t *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < DEC_VCR_CHANNELS; i++) {
        channel_t *c = &v->ch[i];
        if (!c->used) {
            if (free_slot == NULL) {
                free_slot = c;
            }
            continue;
        }
        if (c->scid == scid && c->vcid == vcid) {
            c->stamp = ++v->clock;
            return c;
        }
        if (oldest == NULL || c->stamp < oldest->stamp) {
            oldest = c;
        }
    }
    channel_t *c = free_slot;
    if (c == NULL) {
        c = oldest; /* table full: DEC_VCR_CHANNELS > 0, so oldest is set */
        v->st.evictions++;
        (void)drop_partial(v, c); /* evictions is the reason */
    }
    uint8_t *buf = c->buf;
    memset(c, 0, sizeof *c);
    c->buf = buf;
    c->used = true;
    c->scid = scid;
    c->vcid = vcid;
    c->state = CH_NEVER_SYNCED;
    c->stamp = ++v->clock;
    return c;
}

/* Octets d[0..n) lost because the channel is not at a known packet position. */
static void skip_octets(dec_vcr_t *v, const channel_t *c, size_t n) {
    if (c->state == CH_NEVER_SYNCED) {
        v->st.spill_bytes += n;
    } else {
        v->st.partial_discarded_bytes += n;
    }
}

static void deliver(dec_vcr_t *v, const uint8_t *pkt, size_t len, const dec_frame_t *fr,
                    dec_vcr_packet_fn fn, void *ctx) {
    v->st.packets++;
    v->st.packet_bytes += len;
    if (fn != NULL) {
        fn(ctx, pkt, len, fr);
    }
}

/* Check a complete header at p[0..6): returns the declared length, or 0 if the packet is
 * rejected (too long or bad version, counted). */
static size_t header_len(dec_vcr_t *v, const uint8_t *p) {
    dec_spp_hdr_t h;
    if (dec_spp_parse(p, DEC_SPP_HDR_LEN, &h) == DEC_SPP_BAD_VERSION) {
        v->st.bad_packet_version++;
        return 0;
    }
    if (h.total_len > v->cfg.max_packet_len) {
        v->st.too_long++;
        return 0;
    }
    return h.total_len;
}

/* Give the continuation octets d[0..n) (those before the FHP, or the whole zone for 0x7FF) to
 * the partial packet of a synced channel. at_start: a packet header follows d[n) in this
 * frame, so the partial packet must end exactly at n. */
static void continue_partial(dec_vcr_t *v, channel_t *c, const uint8_t *d, size_t n, bool at_start,
                             const dec_frame_t *fr, dec_vcr_packet_fn fn, void *ctx) {
    size_t off = 0;
    if (c->have == 0 && n > 0) {
        /* The last packet ended with the previous frame, so a packet must start at 0. */
        v->st.fhp_mismatch++;
        c->state = CH_LOST;
        v->st.partial_discarded_bytes += n;
        return;
    }
    while (off < n) {
        if (c->have < DEC_SPP_HDR_LEN) {
            size_t t = DEC_SPP_HDR_LEN - c->have;
            t = t < n - off ? t : n - off;
            memcpy(c->buf + c->have, d + off, t);
            set_have(v, c, c->have + t);
            off += t;
            if (c->have < DEC_SPP_HDR_LEN) {
                break; /* off == n: header still incomplete */
            }
            c->need = header_len(v, c->buf);
            if (c->need == 0) {
                /* Rejected header: its octets and the rest up to the next start are lost. */
                v->st.partial_discarded_bytes += c->have + (n - off);
                set_have(v, c, 0);
                c->state = CH_LOST;
                return;
            }
        }
        size_t t = c->need - c->have; /* have < need: a complete packet is never kept */
        t = t < n - off ? t : n - off;
        memcpy(c->buf + c->have, d + off, t);
        set_have(v, c, c->have + t);
        off += t;
        if (c->have == c->need) {
            if (off != n) {
                /* Ends before the next header (or inside a 0x7FF zone, n being the whole zone
                 * then): pointers and lengths disagree, so nothing here can be trusted. */
                v->st.fhp_mismatch++;
                v->st.partial_discarded++;
                v->st.partial_discarded_bytes += c->have + (n - off);
                set_have(v, c, 0);
                c->state = CH_LOST;
                return;
            }
            deliver(v, c->buf, c->need, fr, fn, ctx);
            set_have(v, c, 0);
        }
    }
    if (at_start && c->have > 0) {
        /* A new packet starts while this one is incomplete: it was cut short. */
        v->st.fhp_mismatch++;
        drop_partial(v, c);
    }
}

/* Packets from d[0) on (d points at the FHP): deliver the whole ones, keep the tail. */
static void start_packets(dec_vcr_t *v, channel_t *c, const uint8_t *d, size_t n,
                          const dec_frame_t *fr, dec_vcr_packet_fn fn, void *ctx) {
    c->state = CH_SYNCED;
    size_t off = 0;
    while (off < n) {
        size_t rem = n - off;
        if (rem < DEC_SPP_HDR_LEN) {
            memcpy(c->buf, d + off, rem); /* header split across frames */
            set_have(v, c, rem);
            return;
        }
        size_t plen = header_len(v, d + off);
        if (plen == 0) {
            v->st.partial_discarded_bytes += rem;
            c->state = CH_LOST;
            return;
        }
        if (plen > rem) {
            memcpy(c->buf, d + off, rem); /* rem < plen <= max_packet_len */
            set_have(v, c, rem);
            c->need = plen;
            return;
        }
        deliver(v, d + off, plen, fr, fn, ctx);
        off += plen;
    }
}

/* Frame count continuity: returns frames missing before this one (0 if none or unknown). */
static uint32_t count_gap(bool *seen, uint32_t *last, uint32_t now, uint32_t mod) {
    uint32_t missing = *seen ? (now + mod - *last - 1u) % mod : 0u;
    *seen = true;
    *last = now;
    return missing;
}

void dec_vcr_frame(dec_vcr_t *v, const dec_frame_t *fr, dec_vcr_packet_fn fn, void *ctx) {
    dec_vcr_stats_t *s = &v->st;
    bool tm = v->cfg.kind == DEC_FRAME_TM;
    s->frames++;
    if (tm) {
        uint16_t scid = (uint16_t)(fr->scid % TM_SCIDS);
        bool seen = v->mc_seen[scid];
        uint32_t last = v->mc_last[scid];
        uint32_t miss = count_gap(&seen, &last, fr->mc_count, TM_COUNT_MOD);
        v->mc_seen[scid] = seen;
        v->mc_last[scid] = (uint8_t)last;
        if (miss > 0) {
            /* Counted only: the VC count decides whether this channel lost a frame. */
            s->mc_gaps++;
            s->mc_missing += miss;
        }
    }
    if (!tm && fr->vcid == DEC_FRAME_AOS_IDLE_VC) {
        s->idle_frames++;
        s->idle_bytes += fr->data_len;
        s->data_bytes += fr->data_len;
        return;
    }
    channel_t *c = channel_for(v, fr->scid, fr->vcid);
    uint32_t miss =
        count_gap(&c->have_count, &c->last_count, fr->vc_count, tm ? TM_COUNT_MOD : AOS_COUNT_MOD);
    if (miss > 0) {
        s->vc_gaps++;
        s->vc_missing += miss;
        drop_partial(v, c);
    }
    if (tm && fr->sync) {
        s->vca_frames++;
        return;
    }
    const uint8_t *d = fr->data;
    size_t n = fr->data_len;
    s->data_bytes += n;
    if (fr->idle) {
        /* Idle data only: the partial packet (if any) is neither continued nor broken. */
        s->idle_frames++;
        s->idle_bytes += n;
        return;
    }
    size_t cont = n;
    if (fr->fhp == DEC_FRAME_FHP_NO_START) {
        s->no_start_frames++;
    } else if (fr->fhp >= n) {
        s->bad_fhp++;
        drop_partial(v, c);
        skip_octets(v, c, n);
        return;
    } else {
        cont = fr->fhp;
    }
    bool at_start = fr->fhp != DEC_FRAME_FHP_NO_START;
    if (c->state == CH_SYNCED) {
        continue_partial(v, c, d, cont, at_start, fr, fn, ctx);
    } else {
        skip_octets(v, c, cont);
    }
    if (at_start) {
        start_packets(v, c, d + cont, n - cont, fr, fn, ctx);
    }
}

void dec_vcr_reset(dec_vcr_t *v) {
    for (size_t i = 0; i < DEC_VCR_CHANNELS; i++) {
        channel_t *c = &v->ch[i];
        if (!c->used) {
            continue;
        }
        if (drop_partial(v, c)) {
            v->st.resets++;
        }
        c->have_count = false;
    }
    memset(v->mc_seen, 0, sizeof v->mc_seen);
}
