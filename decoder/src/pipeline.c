/* pipeline.c: records, datagrams and byte streams to space packets, with sequence tracking
 * and secondary-header time (CCSDS 133.0-B-2 section 4.1, 301.0-B-4). */
#include "dec/pipeline.h"

#include "dec/counters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec/seqtrack.h"

/* A byte stream's partial packet: at most one packet's worth is ever held. */
typedef struct {
    uint8_t *buf;    /* DEC_SPP_MAX_LEN octets */
    size_t have;     /* octets held */
    uint64_t offset; /* stream octets consumed before buf[0] */
    bool skipping;   /* inside a run of octets skipped for a bad version */
} stream_t;

struct dec_pipeline {
    dec_pipeline_opts_t o;
    dec_packet_fn fn;
    void *ctx;
    dec_net_t *net;
    stream_t *streams; /* o.max_streams for callers, then one per TCP flow slot */
    uint32_t nstreams;
    uint8_t *stream_mem;
    dec_seq_t seq;
    dec_stats_t st;
    vleo_epoch_t epoch1958;
    dec_pval_t *pvals;            /* o.max_params values, reused for every packet */
    dec_vcr_t *vcr;               /* framed: virtual channel reassembly */
    dec_cadu_t **cadus;           /* CADU: one per stream, plus one (last) for datagrams */
    const dec_frame_t *cur_frame; /* the frame being reassembled, for emit() */
    uint32_t cur_rs;              /* its Reed-Solomon corrected octets */
    bool cur_rs_checked;
    uint64_t record; /* number of the current record / datagram / read */
    int64_t rx_ns;   /* its reception time */
};

void dec_pipeline_opts_default(dec_pipeline_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->time_code.kind = DEC_TC_NONE;
    o->epoch.tai_ns = 0;
    o->epoch.utc_unix_ns = -VLEO_UNIX_MINUS_1958_S * VLEO_NS_PER_S;
    o->max_streams = 64;
    o->max_params = 4096;
    o->time_param = -1;
    dec_net_limits_default(&o->net);
    o->framing = DEC_FRAMING_SPP;
    dec_frame_cfg_default(&o->frame, DEC_FRAME_TM);
    dec_cadu_cfg_default(&o->cadu);
}

/* The frame layer: reassembly, and for CADUs one decoder per stream and one for datagrams. */
static int framing_new(dec_pipeline_t *p, char *err, size_t errlen) {
    if (p->o.frame.frame_len == 0 || p->o.frame.frame_len > DEC_SPP_MAX_LEN) {
        snprintf(err, errlen, "frame length must be 1..%u octets", DEC_SPP_MAX_LEN);
        return -1;
    }
    p->vcr = dec_vcr_new(&p->o.frame, err, errlen);
    if (p->vcr == NULL) {
        return -1;
    }
    if (p->o.framing != DEC_FRAMING_CADU) {
        return 0;
    }
    p->o.cadu.frame_len = p->o.frame.frame_len;
    p->cadus = calloc((size_t)p->nstreams + 1, sizeof *p->cadus);
    if (p->cadus == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i <= p->nstreams; i++) {
        p->cadus[i] = dec_cadu_new(&p->o.cadu, err, errlen);
        if (p->cadus[i] == NULL) {
            return -1;
        }
    }
    return 0;
}

dec_pipeline_t *dec_pipeline_new(const dec_pipeline_opts_t *o, dec_packet_fn fn, void *ctx,
                                 char *err, size_t errlen) {
    if (o->max_streams == 0 || o->max_streams > 4096) {
        snprintf(err, errlen, "max_streams must be 1..4096 (got %u)", o->max_streams);
        return NULL;
    }
    dec_pipeline_t *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->o = *o;
    p->fn = fn;
    p->ctx = ctx;
    p->net = dec_net_new(&o->net, err, errlen);
    p->nstreams = o->max_streams + o->net.max_tcp_flows;
    p->streams = calloc(p->nstreams, sizeof *p->streams);
    p->stream_mem = malloc((size_t)p->nstreams * DEC_SPP_MAX_LEN);
    if (o->mdb != NULL) {
        p->pvals = calloc(o->max_params ? o->max_params : 1, sizeof *p->pvals);
    }
    if (o->framing != DEC_FRAMING_SPP && p->net != NULL && p->streams != NULL &&
        p->stream_mem != NULL && framing_new(p, err, errlen) != 0) {
        dec_pipeline_destroy(&p);
        return NULL;
    }
    if (p->net == NULL || p->streams == NULL || p->stream_mem == NULL ||
        (o->mdb != NULL && p->pvals == NULL)) {
        if (p->net != NULL) {
            snprintf(err, errlen, "out of memory for %u stream buffers", p->nstreams);
        }
        dec_pipeline_destroy(&p);
        return NULL;
    }
    for (uint32_t i = 0; i < p->nstreams; i++) {
        p->streams[i].buf = p->stream_mem + (size_t)i * DEC_SPP_MAX_LEN;
    }
    vleo_epoch_parse("1958-01-01", &p->epoch1958);
    dec_seq_reset(&p->seq);
    return p;
}

void dec_pipeline_destroy(dec_pipeline_t **p_p) {
    dec_pipeline_t *p = *p_p;
    if (p == NULL) {
        return;
    }
    dec_net_destroy(&p->net);
    free(p->stream_mem);
    free(p->streams);
    free(p->pvals);
    dec_vcr_destroy(&p->vcr);
    if (p->cadus != NULL) {
        for (uint32_t i = 0; i <= p->nstreams; i++) {
            dec_cadu_destroy(&p->cadus[i]);
        }
        free(p->cadus);
    }
    free(p);
    *p_p = NULL;
}

/* Decode the secondary-header time code of a whole packet into pk. */
static void packet_time(dec_pipeline_t *p, dec_packet_t *pk) {
    const dec_tc_format_t *f = &p->o.time_code;
    if (f->kind == DEC_TC_NONE) {
        return;
    }
    if (!pk->hdr.sec_hdr) {
        p->st.time_no_sec_header++;
        return;
    }
    size_t avail = pk->len - DEC_SPP_HDR_LEN;
    if (avail < f->offset) {
        p->st.time_bad[DEC_TC_NEED_MORE]++;
        return;
    }
    dec_tc_time_t t;
    dec_tc_status_t ts =
        dec_tc_decode(f, pk->data + DEC_SPP_HDR_LEN + f->offset, avail - f->offset, &t, NULL);
    if (ts != DEC_TC_OK) {
        p->st.time_bad[ts]++;
        return;
    }
    /* A P-field naming level 1 (or the CDS 1958 epoch) fixes the epoch; implicit formats and
     * agency-defined epochs use the configured one. */
    bool pfield = f->kind == DEC_TC_CUC_PFIELD || f->kind == DEC_TC_CDS_PFIELD;
    const vleo_epoch_t *ep = (pfield && !t.agency_epoch) ? &p->epoch1958 : &p->o.epoch;
    /* Epoch + count may leave int64 nanoseconds (years beyond 2262): out of range. */
    if (t.utc_based) {
        if (__builtin_add_overflow(ep->utc_unix_ns, t.ns, &pk->gen_utc_ns)) {
            p->st.time_bad[DEC_TC_OUT_OF_RANGE]++;
            return;
        }
        pk->gen_tai_ns = vleo_utc_to_tai(pk->gen_utc_ns);
    } else {
        if (__builtin_add_overflow(ep->tai_ns, t.ns, &pk->gen_tai_ns)) {
            p->st.time_bad[DEC_TC_OUT_OF_RANGE]++;
            return;
        }
        pk->gen_utc_ns = vleo_tai_to_utc(pk->gen_tai_ns);
    }
    pk->time_valid = true;
    p->st.time_ok++;
}

/* The packet time from a database AbsoluteTime parameter (--time-param). */
static void param_time(dec_pipeline_t *p, dec_packet_t *pk) {
    for (size_t i = 0; i < pk->n_params; i++) {
        const dec_pval_t *v = &pk->params[i];
        if ((int64_t)v->param == p->o.time_param && v->validity == DEC_PV_VALID &&
            v->eng.kind == DEC_VAL_TIME) {
            pk->gen_utc_ns = v->eng.v.t;
            pk->gen_tai_ns = vleo_utc_to_tai(v->eng.v.t);
            pk->time_valid = true;
            p->st.time_ok++;
            return;
        }
    }
    p->st.time_param_missing++;
}

/* A whole packet (hdr parsed, len == hdr->total_len) at data: account and deliver it. */
static void emit(dec_pipeline_t *p, const dec_spp_hdr_t *hdr, const uint8_t *data,
                 uint64_t offset) {
    p->st.packets++;
    p->st.packet_bytes += hdr->total_len;
    bool idle = hdr->apid == DEC_SPP_APID_IDLE;
    if (idle) {
        p->st.idle++;
        if (!p->o.deliver_idle) {
            return;
        }
    }
    dec_packet_t pk;
    pk.hdr = *hdr;
    pk.data = data;
    pk.len = hdr->total_len;
    pk.rx_utc_ns = p->rx_ns;
    pk.time_valid = false;
    pk.gen_tai_ns = 0;
    pk.gen_utc_ns = 0;
    pk.seq_gap = 0;
    pk.duplicate = false;
    pk.reordered = false;
    pk.record = p->record;
    pk.offset = offset;
    pk.framed = p->cur_frame != NULL;
    if (pk.framed) {
        pk.scid = p->cur_frame->scid;
        pk.vcid = p->cur_frame->vcid;
        pk.vc_count = p->cur_frame->vc_count;
        pk.rs_corrected = p->cur_rs;
        pk.frame_check = p->cur_rs > 0                                       ? 2
                         : (p->cur_frame->fecf_checked || p->cur_rs_checked) ? 1
                                                                             : 0;
    } else {
        pk.scid = 0;
        pk.vcid = 0;
        pk.vc_count = 0;
        pk.rs_corrected = 0;
        pk.frame_check = 0;
    }
    if (hdr->type) {
        /* Telecommands carry a packet name, not a count: nothing to track. */
        p->st.telecommands++;
    } else if (!idle) {
        switch (dec_seq_update(&p->seq, hdr->apid, hdr->seq_count, &pk.seq_gap)) {
        case DEC_SEQ_GAP:
            p->st.seq_gaps++;
            p->st.seq_missing += pk.seq_gap;
            break;
        case DEC_SEQ_DUPLICATE:
            pk.duplicate = true;
            p->st.seq_duplicates++;
            break;
        case DEC_SEQ_REORDERED:
            pk.reordered = true;
            p->st.seq_reordered++;
            break;
        case DEC_SEQ_FIRST:
        case DEC_SEQ_IN_ORDER:
            break;
        }
    }
    pk.container = -1;
    pk.params = NULL;
    pk.n_params = 0;
    if (p->o.mdb != NULL) {
        dec_mdb_status_t ms = dec_mdb_decode(p->o.mdb, data, hdr->total_len, p->pvals,
                                             p->o.max_params, &pk.n_params, &pk.container);
        p->st.mdb[ms]++;
        p->st.param_values += pk.n_params;
        if (pk.container >= 0) {
            p->st.mdb_named++;
        }
        pk.params = p->pvals;
    }
    if (p->o.time_param >= 0 && p->o.mdb != NULL) {
        param_time(p, &pk);
    } else {
        packet_time(p, &pk);
    }
    p->fn(p->ctx, &pk);
}

static void reject(dec_pipeline_t *p, dec_reject_t r, size_t bytes) {
    p->st.rejected[r]++;
    p->st.rejected_bytes[r] += bytes;
}

static void datagram(dec_pipeline_t *p, const uint8_t *buf, size_t len) {
    p->st.datagrams++;
    p->st.bytes += len;
    size_t off = 0;
    while (off < len) {
        dec_spp_hdr_t h;
        size_t rest = len - off;
        dec_spp_status_t s = dec_spp_parse(buf + off, rest, &h);
        if (s == DEC_SPP_OK) {
            emit(p, &h, buf + off, off);
            off += h.total_len;
            continue;
        }
        /* Without a packet boundary the rest of the datagram cannot be parsed. */
        if (s == DEC_SPP_BAD_VERSION) {
            reject(p, DEC_REJ_BAD_VERSION, rest);
        } else if (rest < DEC_SPP_HDR_LEN) {
            reject(p, DEC_REJ_TRUNCATED_HEADER, rest);
        } else {
            reject(p, DEC_REJ_LENGTH_BEYOND_DATAGRAM, rest);
        }
        return;
    }
    p->st.datagrams_clean++;
}

/* Skip one octet of a stream that does not start a valid packet header. */
static void stream_skip(dec_pipeline_t *p, stream_t *s) {
    if (!s->skipping) {
        s->skipping = true;
        p->st.rejected[DEC_REJ_BAD_VERSION]++;
    }
    p->st.rejected_bytes[DEC_REJ_BAD_VERSION]++;
}

static void stream_feed(dec_pipeline_t *p, stream_t *s, const uint8_t *buf, size_t len) {
    p->st.stream_reads++;
    p->st.bytes += len;
    size_t off = 0;
    /* First complete a packet held from earlier reads, copying only what it lacks. */
    while (s->have > 0 && off < len) {
        size_t want = DEC_SPP_HDR_LEN;
        dec_spp_hdr_t h = {0};
        dec_spp_status_t st = DEC_SPP_NEED_MORE;
        if (s->have >= DEC_SPP_HDR_LEN) {
            st = dec_spp_parse(s->buf, s->have, &h);
            want = h.total_len;
        }
        if (st == DEC_SPP_BAD_VERSION) {
            /* have is exactly 6 here: headers are completed before bodies are copied. */
            stream_skip(p, s);
            memmove(s->buf, s->buf + 1, s->have - 1);
            s->have--;
            s->offset++;
            p->st.held_bytes--;
            continue;
        }
        size_t take = want - s->have;
        if (take > len - off) {
            take = len - off;
        }
        memcpy(s->buf + s->have, buf + off, take);
        s->have += take;
        off += take;
        p->st.held_bytes += take;
        if (s->have < want || want == DEC_SPP_HDR_LEN) {
            continue; /* need more, or the header is complete: parse it on the next turn */
        }
        s->skipping = false;
        emit(p, &h, s->buf, s->offset);
        p->st.held_bytes -= s->have;
        s->offset += s->have;
        s->have = 0;
    }
    if (s->have > 0) {
        /* The held header may now be complete and bad: settle it before leaving. */
        dec_spp_hdr_t h;
        while (s->have >= DEC_SPP_HDR_LEN &&
               dec_spp_parse(s->buf, s->have, &h) == DEC_SPP_BAD_VERSION) {
            stream_skip(p, s);
            memmove(s->buf, s->buf + 1, s->have - 1);
            s->have--;
            s->offset++;
            p->st.held_bytes--;
        }
        return;
    }
    /* Then parse in place; keep only a trailing partial packet. */
    while (off < len) {
        dec_spp_hdr_t h;
        size_t rest = len - off;
        dec_spp_status_t st = dec_spp_parse(buf + off, rest, &h);
        if (st == DEC_SPP_OK) {
            s->skipping = false;
            emit(p, &h, buf + off, s->offset);
            off += h.total_len;
            s->offset += h.total_len;
        } else if (st == DEC_SPP_BAD_VERSION) {
            stream_skip(p, s);
            off++;
            s->offset++;
        } else {
            /* rest < total_len <= DEC_SPP_MAX_LEN: fits the stream buffer. */
            memcpy(s->buf, buf + off, rest);
            s->have = rest;
            p->st.held_bytes += rest;
            return;
        }
    }
}

static void stream_end(dec_pipeline_t *p, stream_t *s) {
    if (s->have > 0) {
        reject(p, DEC_REJ_STREAM_TRUNCATED, s->have);
        p->st.held_bytes -= s->have;
    }
    s->have = 0;
    s->offset = 0;
    s->skipping = false;
}

/* ---- framed input (TM/AOS frames, CADUs) ---- */

/* A packet reassembled from frames. */
static void vcr_packet(void *ctx, const uint8_t *pkt, size_t len, const dec_frame_t *fr) {
    dec_pipeline_t *p = ctx;
    dec_spp_hdr_t h;
    (void)fr;
    if (dec_spp_parse(pkt, len, &h) != DEC_SPP_OK || h.total_len != len) {
        return; /* the reassembler hands over whole packets only */
    }
    emit(p, &h, pkt, 0);
}

/* One whole transfer frame. */
static void frame_in(dec_pipeline_t *p, const uint8_t *buf, size_t len, uint32_t rs,
                     bool rs_checked) {
    p->st.frames++;
    dec_frame_t fr;
    dec_frame_status_t st = dec_frame_parse(&p->o.frame, buf, len, &fr);
    p->st.frame_status[st]++;
    if (st != DEC_FRAME_OK) {
        return;
    }
    p->cur_frame = &fr;
    p->cur_rs = rs;
    p->cur_rs_checked = rs_checked;
    dec_vcr_frame(p->vcr, &fr, vcr_packet, p);
    p->cur_frame = NULL;
}

static void cadu_frame(void *ctx, const dec_cadu_frame_t *f) {
    frame_in(ctx, f->frame, f->len, f->rs_corrected, f->rs_checked);
}

/* Frames back to back in a stream: gather each whole frame in the stream buffer. */
static void frames_from_stream(dec_pipeline_t *p, stream_t *s, const uint8_t *buf, size_t len) {
    size_t fl = p->o.frame.frame_len;
    size_t off = 0;
    while (off < len) {
        if (s->have == 0 && len - off >= fl) {
            frame_in(p, buf + off, fl, 0, false);
            off += fl;
            continue;
        }
        size_t take = fl - s->have < len - off ? fl - s->have : len - off;
        memcpy(s->buf + s->have, buf + off, take);
        s->have += take;
        off += take;
        p->st.frame_bytes_held += take;
        if (s->have == fl) {
            p->st.frame_bytes_held -= fl;
            s->have = 0;
            frame_in(p, s->buf, fl, 0, false);
        }
    }
}

/* Input routing by framing: a datagram, or the next bytes of stream index si. */
static void in_datagram(dec_pipeline_t *p, const uint8_t *buf, size_t len) {
    switch (p->o.framing) {
    case DEC_FRAMING_SPP:
        datagram(p, buf, len);
        break;
    case DEC_FRAMING_TM:
    case DEC_FRAMING_AOS:
        p->st.datagrams++;
        p->st.bytes += len;
        frame_in(p, buf, len, 0, false);
        break;
    case DEC_FRAMING_CADU:
        p->st.datagrams++;
        p->st.bytes += len;
        dec_cadu_feed(p->cadus[p->nstreams], buf, len, cadu_frame, p);
        break;
    }
}

static void in_stream(dec_pipeline_t *p, uint32_t si, const uint8_t *buf, size_t len) {
    stream_t *s = &p->streams[si];
    switch (p->o.framing) {
    case DEC_FRAMING_SPP:
        stream_feed(p, s, buf, len);
        break;
    case DEC_FRAMING_TM:
    case DEC_FRAMING_AOS:
        p->st.stream_reads++;
        p->st.bytes += len;
        frames_from_stream(p, s, buf, len);
        break;
    case DEC_FRAMING_CADU:
        p->st.stream_reads++;
        p->st.bytes += len;
        dec_cadu_feed(p->cadus[si], buf, len, cadu_frame, p);
        break;
    }
}

static void in_stream_end(dec_pipeline_t *p, uint32_t si) {
    stream_t *s = &p->streams[si];
    if (p->o.framing == DEC_FRAMING_SPP) {
        stream_end(p, s);
        return;
    }
    if (p->o.framing == DEC_FRAMING_CADU) {
        dec_cadu_flush(p->cadus[si]);
    } else if (s->have > 0) {
        p->st.frame_bytes_truncated += s->have;
        p->st.frame_bytes_held -= s->have;
    }
    s->have = 0;
    s->offset = 0;
}

/* Sink for the network layer: UDP datagrams and in-order TCP bytes of flow slots. */
static void net_sink(void *ctx, const dec_net_chunk_t *c) {
    dec_pipeline_t *p = ctx;
    if (c->proto == DEC_NET_UDP) {
        in_datagram(p, c->data, c->len);
        return;
    }
    if (c->flow >= p->o.net.max_tcp_flows) {
        return; /* cannot happen: the net layer hands out slots below its limit */
    }
    uint32_t si = p->o.max_streams + c->flow;
    if (c->flags & (DEC_NET_F_FLOW_START | DEC_NET_F_GAP)) {
        if (c->flags & DEC_NET_F_FLOW_START) {
            p->st.stream_resets++;
        }
        in_stream_end(p, si);
    }
    if (c->len > 0) {
        in_stream(p, si, c->data, c->len);
    }
    if (c->flags & DEC_NET_F_FLOW_END) {
        in_stream_end(p, si);
    }
}

void dec_pipeline_record(dec_pipeline_t *p, int linktype, const uint8_t *buf, size_t caplen,
                         size_t wirelen, int64_t ts_utc_ns) {
    p->st.records++;
    p->record = p->st.records;
    p->rx_ns = ts_utc_ns;
    dec_net_input(p->net, linktype, buf, caplen, wirelen, ts_utc_ns, net_sink, p);
}

void dec_pipeline_datagram(dec_pipeline_t *p, const uint8_t *buf, size_t len, int64_t rx_utc_ns) {
    p->record = p->st.datagrams + 1;
    p->rx_ns = rx_utc_ns;
    in_datagram(p, buf, len);
}

void dec_pipeline_stream(dec_pipeline_t *p, uint32_t stream, const uint8_t *buf, size_t len,
                         int64_t rx_utc_ns) {
    if (stream >= p->o.max_streams) {
        return;
    }
    p->record = p->st.stream_reads + 1;
    p->rx_ns = rx_utc_ns;
    in_stream(p, stream, buf, len);
}

void dec_pipeline_stream_end(dec_pipeline_t *p, uint32_t stream) {
    if (stream < p->o.max_streams) {
        in_stream_end(p, stream);
    }
}

void dec_pipeline_flush(dec_pipeline_t *p) {
    dec_net_flush(p->net, net_sink, p);
    for (uint32_t i = 0; i < p->nstreams; i++) {
        in_stream_end(p, i);
    }
    if (p->cadus != NULL) {
        dec_cadu_flush(p->cadus[p->nstreams]);
    }
}

const dec_stats_t *dec_pipeline_stats(const dec_pipeline_t *p) {
    return &p->st;
}

const dec_net_stats_t *dec_pipeline_net_stats(const dec_pipeline_t *p) {
    return dec_net_stats(p->net);
}

const dec_vcr_stats_t *dec_pipeline_vcr_stats(const dec_pipeline_t *p) {
    return p->vcr != NULL ? dec_vcr_stats(p->vcr) : NULL;
}

void dec_pipeline_cadu_stats(const dec_pipeline_t *p, dec_cadu_stats_t *out) {
    memset(out, 0, sizeof *out);
    if (p->cadus == NULL) {
        return;
    }
    for (uint32_t i = 0; i <= p->nstreams; i++) {
        const dec_cadu_stats_t *c = dec_cadu_stats(p->cadus[i]);
        out->bytes += c->bytes;
        out->cadus += c->cadus;
        out->frames += c->frames;
        out->sync_losses += c->sync_losses;
        out->locks += c->locks;
        out->bytes_skipped += c->bytes_skipped;
        out->asm_bit_errors += c->asm_bit_errors;
        out->flywheel_cadus += c->flywheel_cadus;
        out->rs_corrected_octets += c->rs_corrected_octets;
        out->rs_corrected_frames += c->rs_corrected_frames;
        out->rs_uncorrectable += c->rs_uncorrectable;
        out->truncated_at_end += c->truncated_at_end;
    }
}

size_t dec_pipeline_frame_counters(const dec_pipeline_t *p, const char **names, uint64_t *vals,
                                   size_t cap) {
    dec_counters_t cl = {names, vals, 0, cap};
#define PUT(nm, v) dec_counter_put(&cl, (nm), (v))
    if (p->vcr == NULL) {
        return 0;
    }
    static const char *const fnames[DEC_FRAME_STATUS_COUNT] = {"frames_ok", "frame_wrong_length",
                                                               "frame_bad_version", "frame_bad_crc",
                                                               "frame_bad_header"};
    PUT("frames", p->st.frames);
    for (int i = 0; i < DEC_FRAME_STATUS_COUNT; i++) {
        PUT(fnames[i], p->st.frame_status[i]);
    }
    PUT("frame_bytes_held", p->st.frame_bytes_held);
    PUT("frame_bytes_truncated", p->st.frame_bytes_truncated);
    const dec_vcr_stats_t *v = dec_vcr_stats(p->vcr);
    PUT("vc_idle_frames", v->idle_frames);
    PUT("mc_gaps", v->mc_gaps);
    PUT("mc_frames_missing", v->mc_missing);
    PUT("vc_gaps", v->vc_gaps);
    PUT("vc_frames_missing", v->vc_missing);
    PUT("vc_packets", v->packets);
    PUT("vc_partial_discarded", v->partial_discarded);
    PUT("vc_partial_discarded_bytes", v->partial_discarded_bytes);
    PUT("vc_packet_too_long", v->too_long);
    PUT("vc_bad_fhp", v->bad_fhp);
    PUT("vc_no_packet_start_frames", v->no_start_frames);
    PUT("vc_spill_bytes", v->spill_bytes);
    if (p->cadus != NULL) {
        dec_cadu_stats_t c;
        dec_pipeline_cadu_stats(p, &c);
        PUT("cadu_bytes", c.bytes);
        PUT("cadus", c.cadus);
        PUT("cadu_frames", c.frames);
        PUT("cadu_locks", c.locks);
        PUT("cadu_sync_losses", c.sync_losses);
        PUT("cadu_bytes_skipped", c.bytes_skipped);
        PUT("cadu_asm_bit_errors", c.asm_bit_errors);
        PUT("cadu_flywheel", c.flywheel_cadus);
        PUT("rs_corrected_octets", c.rs_corrected_octets);
        PUT("rs_corrected_frames", c.rs_corrected_frames);
        PUT("rs_uncorrectable", c.rs_uncorrectable);
        PUT("cadu_truncated_at_end", c.truncated_at_end);
    }
#undef PUT
    return cl.n;
}

const char *dec_reject_str(dec_reject_t r) {
    switch (r) {
    case DEC_REJ_TRUNCATED_HEADER:
        return "truncated_header";
    case DEC_REJ_LENGTH_BEYOND_DATAGRAM:
        return "length_beyond_datagram";
    case DEC_REJ_BAD_VERSION:
        return "bad_version";
    case DEC_REJ_STREAM_TRUNCATED:
        return "stream_truncated";
    case DEC_REJ_COUNT:
        break;
    }
    return "unknown";
}
