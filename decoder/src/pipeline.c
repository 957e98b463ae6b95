/* pipeline.c: records, datagrams and byte streams to space packets, with sequence tracking
 * and secondary-header time (CCSDS 133.0-B-2 section 4.1, 301.0-B-4). */
#include "dec/pipeline.h"

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
    dec_pval_t *pvals; /* o.max_params values, reused for every packet */
    uint64_t record;   /* number of the current record / datagram / read */
    int64_t rx_ns;     /* its reception time */
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

/* Sink for the network layer: UDP datagrams and in-order TCP bytes of flow slots. */
static void net_sink(void *ctx, const dec_net_chunk_t *c) {
    dec_pipeline_t *p = ctx;
    if (c->proto == DEC_NET_UDP) {
        datagram(p, c->data, c->len);
        return;
    }
    if (c->flow >= p->o.net.max_tcp_flows) {
        return; /* cannot happen: the net layer hands out slots below its limit */
    }
    stream_t *s = &p->streams[p->o.max_streams + c->flow];
    if (c->flags & (DEC_NET_F_FLOW_START | DEC_NET_F_GAP)) {
        if (c->flags & DEC_NET_F_FLOW_START) {
            p->st.stream_resets++;
        }
        stream_end(p, s);
    }
    if (c->len > 0) {
        stream_feed(p, s, c->data, c->len);
    }
    if (c->flags & DEC_NET_F_FLOW_END) {
        stream_end(p, s);
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
    datagram(p, buf, len);
}

void dec_pipeline_stream(dec_pipeline_t *p, uint32_t stream, const uint8_t *buf, size_t len,
                         int64_t rx_utc_ns) {
    if (stream >= p->o.max_streams) {
        return;
    }
    p->record = p->st.stream_reads + 1;
    p->rx_ns = rx_utc_ns;
    stream_feed(p, &p->streams[stream], buf, len);
}

void dec_pipeline_stream_end(dec_pipeline_t *p, uint32_t stream) {
    if (stream < p->o.max_streams) {
        stream_end(p, &p->streams[stream]);
    }
}

void dec_pipeline_flush(dec_pipeline_t *p) {
    dec_net_flush(p->net, net_sink, p);
    for (uint32_t i = 0; i < p->nstreams; i++) {
        stream_end(p, &p->streams[i]);
    }
}

const dec_stats_t *dec_pipeline_stats(const dec_pipeline_t *p) {
    return &p->st;
}

const dec_net_stats_t *dec_pipeline_net_stats(const dec_pipeline_t *p) {
    return dec_net_stats(p->net);
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
