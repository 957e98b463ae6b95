/* test_pipeline.c: datagrams and byte streams to packets: several packets per datagram,
 * packets across read boundaries, rejects by reason, sequence gaps, time codes, accounting. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dec/pipeline.h"
#include "netbuild.h"
#include "vleo/timescale.h"

#define MAXP 4096

typedef struct {
    size_t n;
    uint16_t apid[MAXP];
    uint16_t seq[MAXP];
    uint32_t len[MAXP];
    uint32_t gap[MAXP];
    bool dup[MAXP], reord[MAXP], tvalid[MAXP];
    int64_t utc[MAXP], tai[MAXP], rx[MAXP];
    uint64_t offset[MAXP], record[MAXP];
    uint8_t first_data[MAXP]; /* first data octet, to check the right bytes came out */
} got_t;

static got_t *got;

static void collect(void *ctx, const dec_packet_t *pk) {
    got_t *g = ctx;
    cr_assert_lt(g->n, MAXP);
    size_t i = g->n++;
    g->apid[i] = pk->hdr.apid;
    g->seq[i] = pk->hdr.seq_count;
    g->len[i] = (uint32_t)pk->len;
    cr_assert_eq(pk->len, pk->hdr.total_len);
    g->gap[i] = pk->seq_gap;
    g->dup[i] = pk->duplicate;
    g->reord[i] = pk->reordered;
    g->tvalid[i] = pk->time_valid;
    g->utc[i] = pk->gen_utc_ns;
    g->tai[i] = pk->gen_tai_ns;
    g->rx[i] = pk->rx_utc_ns;
    g->offset[i] = pk->offset;
    g->record[i] = pk->record;
    g->first_data[i] = pk->data[6];
}

static dec_pipeline_t *make(const dec_pipeline_opts_t *o) {
    free(got);
    got = calloc(1, sizeof *got);
    char err[256];
    dec_pipeline_opts_t def;
    if (o == NULL) {
        /* Small tables: some tests make thousands of pipelines. */
        dec_pipeline_opts_default(&def);
        def.max_streams = 4;
        def.net.max_tcp_flows = 4;
        def.net.max_fragment_datagrams = 4;
        def.net.tcp_window = 65536;
        o = &def;
    }
    dec_pipeline_t *p = dec_pipeline_new(o, collect, got, err, sizeof err);
    cr_assert_not_null(p, "%s", err);
    return p;
}

static uint64_t sum_rejected_bytes(const dec_stats_t *s) {
    uint64_t t = 0;
    for (int r = 0; r < DEC_REJ_COUNT; r++) {
        t += s->rejected_bytes[r];
    }
    return t;
}

static void assert_accounting(const dec_stats_t *s) {
    cr_assert_eq(s->bytes, s->packet_bytes + sum_rejected_bytes(s) + s->held_bytes,
                 "bytes %llu = packets %llu + rejected %llu + held %llu",
                 (unsigned long long)s->bytes, (unsigned long long)s->packet_bytes,
                 (unsigned long long)sum_rejected_bytes(s), (unsigned long long)s->held_bytes);
}

/* Fill buf with packets of apid 100 + (i % 3), data lengths 1 + (i * 37) % 300, seq i. */
static size_t make_stream(uint8_t *buf, size_t cap, int count) {
    size_t off = 0;
    for (int i = 0; i < count; i++) {
        uint8_t data[400];
        size_t dl = 1 + (size_t)(i * 37) % 300;
        memset(data, i & 0xFF, dl);
        size_t n = nb_spp((uint16_t)(100 + i % 3), 0, false, 3, (uint16_t)(i / 3), data, dl,
                          buf + off, cap - off);
        cr_assert_neq(n, 0);
        off += n;
    }
    return off;
}

Test(pipeline, several_packets_in_one_datagram) {
    dec_pipeline_t *p = make(NULL);
    uint8_t buf[4096];
    size_t n = make_stream(buf, sizeof buf, 5);
    dec_pipeline_datagram(p, buf, n, 1234);
    const dec_stats_t *s = dec_pipeline_stats(p);
    cr_assert_eq(got->n, 5);
    cr_assert_eq(got->apid[0], 100);
    cr_assert_eq(got->apid[4], 101);
    cr_assert_eq(got->first_data[3], 3);
    cr_assert_eq(got->offset[0], 0);
    cr_assert_eq(got->offset[1], 7);
    cr_assert_eq(got->rx[2], 1234);
    cr_assert_eq(s->datagrams, 1);
    cr_assert_eq(s->datagrams_clean, 1);
    cr_assert_eq(s->packets, 5);
    cr_assert_eq(s->packet_bytes, n);
    assert_accounting(s);
    dec_pipeline_destroy(&p);
    cr_assert_null(p);
}

Test(pipeline, datagram_rejects_by_reason) {
    dec_pipeline_t *p = make(NULL);
    uint8_t buf[256];
    size_t a = nb_spp(1, 0, false, 3, 0, NULL, 10, buf, sizeof buf);
    /* A whole packet then 4 stray octets: truncated header. */
    dec_pipeline_datagram(p, buf, a + 4, 0);
    /* A header claiming 10 data octets with only 5 present: length beyond datagram. */
    dec_pipeline_datagram(p, buf, 11, 0);
    /* Version 3. */
    uint8_t bad[12];
    memcpy(bad, buf, sizeof bad);
    bad[0] |= 0x60;
    dec_pipeline_datagram(p, bad, sizeof bad, 0);
    const dec_stats_t *s = dec_pipeline_stats(p);
    cr_assert_eq(got->n, 1);
    cr_assert_eq(s->rejected[DEC_REJ_TRUNCATED_HEADER], 1);
    cr_assert_eq(s->rejected_bytes[DEC_REJ_TRUNCATED_HEADER], 4);
    cr_assert_eq(s->rejected[DEC_REJ_LENGTH_BEYOND_DATAGRAM], 1);
    cr_assert_eq(s->rejected_bytes[DEC_REJ_LENGTH_BEYOND_DATAGRAM], 11);
    cr_assert_eq(s->rejected[DEC_REJ_BAD_VERSION], 1);
    cr_assert_eq(s->rejected_bytes[DEC_REJ_BAD_VERSION], 12);
    cr_assert_eq(s->datagrams, 3);
    cr_assert_eq(s->datagrams_clean, 0);
    assert_accounting(s);
    cr_assert_str_eq(dec_reject_str(DEC_REJ_LENGTH_BEYOND_DATAGRAM), "length_beyond_datagram");
    dec_pipeline_destroy(&p);
}

Test(pipeline, stream_split_at_every_boundary) {
    static uint8_t buf[16384];
    size_t n = make_stream(buf, sizeof buf, 40);
    /* Two reads, split at every octet. */
    for (size_t cut = 0; cut <= n; cut++) {
        dec_pipeline_t *p = make(NULL);
        dec_pipeline_stream(p, 0, buf, cut, 0);
        dec_pipeline_stream(p, 0, buf + cut, n - cut, 0);
        cr_assert_eq(got->n, 40, "cut at %zu", cut);
        for (size_t i = 0; i < 40; i++) {
            cr_assert_eq(got->first_data[i], (uint8_t)i, "cut %zu packet %zu", cut, i);
            cr_assert_eq(got->len[i], 7 + (i * 37) % 300);
        }
        const dec_stats_t *s = dec_pipeline_stats(p);
        cr_assert_eq(s->held_bytes, 0);
        assert_accounting(s);
        dec_pipeline_destroy(&p);
    }
}

Test(pipeline, stream_in_random_small_reads_with_offsets) {
    static uint8_t buf[65536];
    size_t n = make_stream(buf, sizeof buf, 300);
    dec_pipeline_t *p = make(NULL);
    srand(7);
    size_t off = 0;
    while (off < n) {
        size_t k = 1 + (size_t)rand() % 97;
        if (k > n - off) {
            k = n - off;
        }
        dec_pipeline_stream(p, 3, buf + off, k, 0);
        off += k;
    }
    cr_assert_eq(got->n, 300);
    uint64_t expect = 0;
    for (size_t i = 0; i < 300; i++) {
        cr_assert_eq(got->offset[i], expect, "packet %zu offset", i);
        expect += got->len[i];
    }
    dec_pipeline_destroy(&p);
}

Test(pipeline, stream_resyncs_after_garbage_and_counts_it) {
    uint8_t buf[512];
    size_t a = nb_spp(10, 0, false, 3, 0, NULL, 20, buf, sizeof buf);
    /* Five octets whose top 3 bits are not 000, then a good packet. */
    memset(buf + a, 0xE5, 5);
    size_t b = nb_spp(10, 0, false, 3, 1, NULL, 30, buf + a + 5, sizeof buf - a - 5);
    size_t n = a + 5 + b;
    for (size_t cut = 0; cut <= n; cut++) {
        dec_pipeline_t *p = make(NULL);
        dec_pipeline_stream(p, 0, buf, cut, 0);
        dec_pipeline_stream(p, 0, buf + cut, n - cut, 0);
        dec_pipeline_flush(p);
        const dec_stats_t *s = dec_pipeline_stats(p);
        cr_assert_eq(got->n, 2, "cut %zu", cut);
        cr_assert_eq(got->offset[1], a + 5);
        cr_assert_eq(s->rejected[DEC_REJ_BAD_VERSION], 1, "one run of garbage, cut %zu", cut);
        cr_assert_eq(s->rejected_bytes[DEC_REJ_BAD_VERSION], 5);
        assert_accounting(s);
        dec_pipeline_destroy(&p);
    }
}

Test(pipeline, stream_end_rejects_the_partial_packet) {
    uint8_t buf[128];
    size_t a = nb_spp(10, 0, false, 3, 0, NULL, 40, buf, sizeof buf);
    dec_pipeline_t *p = make(NULL);
    dec_pipeline_stream(p, 1, buf, a - 3, 0);
    cr_assert_eq(dec_pipeline_stats(p)->held_bytes, a - 3);
    dec_pipeline_stream_end(p, 1);
    const dec_stats_t *s = dec_pipeline_stats(p);
    cr_assert_eq(got->n, 0);
    cr_assert_eq(s->rejected[DEC_REJ_STREAM_TRUNCATED], 1);
    cr_assert_eq(s->rejected_bytes[DEC_REJ_STREAM_TRUNCATED], a - 3);
    cr_assert_eq(s->held_bytes, 0);
    assert_accounting(s);
    /* The stream starts afresh: a whole packet decodes at offset 0. */
    dec_pipeline_stream(p, 1, buf, a, 0);
    cr_assert_eq(got->n, 1);
    cr_assert_eq(got->offset[0], 0);
    dec_pipeline_destroy(&p);
}

Test(pipeline, idle_counted_not_delivered_unless_asked) {
    uint8_t buf[64];
    size_t a = nb_spp(DEC_SPP_APID_IDLE, 0, false, 3, 0, NULL, 10, buf, sizeof buf);
    dec_pipeline_t *p = make(NULL);
    dec_pipeline_datagram(p, buf, a, 0);
    cr_assert_eq(got->n, 0);
    cr_assert_eq(dec_pipeline_stats(p)->idle, 1);
    cr_assert_eq(dec_pipeline_stats(p)->packets, 1);
    dec_pipeline_destroy(&p);
    dec_pipeline_opts_t o;
    dec_pipeline_opts_default(&o);
    o.deliver_idle = true;
    p = make(&o);
    dec_pipeline_datagram(p, buf, a, 0);
    cr_assert_eq(got->n, 1);
    cr_assert_eq(got->apid[0], 0x7FF);
    dec_pipeline_destroy(&p);
}

Test(pipeline, sequence_gap_is_flagged_on_the_next_packet) {
    uint8_t buf[64];
    dec_pipeline_t *p = make(NULL);
    const uint16_t counts[] = {16382, 16383, 0, 3, 3, 2, 4};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        size_t a = nb_spp(42, 0, false, 3, counts[i], NULL, 4, buf, sizeof buf);
        dec_pipeline_datagram(p, buf, a, 0);
    }
    cr_assert_eq(got->n, 7);
    cr_assert_eq(got->gap[2], 0, "wrap is no gap");
    cr_assert_eq(got->gap[3], 2, "0 -> 3 misses 1 and 2");
    cr_assert(got->dup[4]);
    cr_assert(got->reord[5]);
    cr_assert_eq(got->gap[6], 0);
    const dec_stats_t *s = dec_pipeline_stats(p);
    cr_assert_eq(s->seq_gaps, 1);
    cr_assert_eq(s->seq_missing, 2);
    cr_assert_eq(s->seq_duplicates, 1);
    cr_assert_eq(s->seq_reordered, 1);
    dec_pipeline_destroy(&p);
}

Test(pipeline, cuc_with_pfield_gives_utc_and_tai) {
    /* 2017-01-01T00:00:00.5Z: TAI since 1958 = Unix + 378691200 + 37 s. */
    uint64_t tai_s = 1483228800ULL + 378691200ULL + 37ULL;
    uint8_t data[16] = {0x1E,
                        (uint8_t)(tai_s >> 24),
                        (uint8_t)(tai_s >> 16),
                        (uint8_t)(tai_s >> 8),
                        (uint8_t)tai_s,
                        0x80,
                        0x00,
                        0xAB};
    uint8_t buf[64];
    size_t a = nb_spp(3, 0, true, 3, 0, data, 8, buf, sizeof buf);
    dec_pipeline_opts_t o;
    dec_pipeline_opts_default(&o);
    char err[128];
    cr_assert_eq(dec_tc_format_parse("cuc", &o.time_code, err, sizeof err), 0, "%s", err);
    dec_pipeline_t *p = make(&o);
    dec_pipeline_datagram(p, buf, a, 0);
    cr_assert_eq(got->n, 1);
    cr_assert(got->tvalid[0]);
    cr_assert_eq(got->utc[0], 1483228800LL * VLEO_NS_PER_S + 500000000LL);
    cr_assert_eq(got->tai[0], (int64_t)tai_s * VLEO_NS_PER_S + 500000000LL);
    /* Without the secondary header flag the time is not read. */
    a = nb_spp(3, 0, false, 3, 1, data, 8, buf, sizeof buf);
    dec_pipeline_datagram(p, buf, a, 0);
    cr_assert_not(got->tvalid[1]);
    cr_assert_eq(dec_pipeline_stats(p)->time_no_sec_header, 1);
    cr_assert_eq(dec_pipeline_stats(p)->time_ok, 1);
    dec_pipeline_destroy(&p);
}

Test(pipeline, implicit_cuc_with_gps_epoch) {
    /* GPS seconds 1167264018 = 2017-01-01T00:00:00Z (GPS - UTC = 18 s then). */
    uint32_t gps = 1167264018u;
    uint8_t data[6] = {
        (uint8_t)(gps >> 24), (uint8_t)(gps >> 16), (uint8_t)(gps >> 8), (uint8_t)gps, 0x40, 0x00};
    uint8_t buf[64];
    size_t a = nb_spp(3, 0, true, 3, 0, data, 6, buf, sizeof buf);
    dec_pipeline_opts_t o;
    dec_pipeline_opts_default(&o);
    char err[128];
    cr_assert_eq(dec_tc_format_parse("cuc:4,2", &o.time_code, err, sizeof err), 0, "%s", err);
    cr_assert_eq(vleo_epoch_parse("1980-01-06", &o.epoch), 0);
    dec_pipeline_t *p = make(&o);
    dec_pipeline_datagram(p, buf, a, 0);
    cr_assert_eq(got->n, 1);
    cr_assert(got->tvalid[0]);
    cr_assert_eq(got->utc[0], 1483228800LL * VLEO_NS_PER_S + 250000000LL);
    /* A packet too short for its time code still decodes, without a time. */
    a = nb_spp(3, 0, true, 3, 1, data, 3, buf, sizeof buf);
    dec_pipeline_datagram(p, buf, a, 0);
    cr_assert_eq(got->n, 2);
    cr_assert_not(got->tvalid[1]);
    cr_assert_eq(dec_pipeline_stats(p)->time_bad[DEC_TC_NEED_MORE], 1);
    dec_pipeline_destroy(&p);
}

Test(pipeline, cds_day_count_is_utc) {
    /* CDS P-field 0x40 (1958 epoch, 16-bit day, no submillisecond): day 21915 = 2018-01-01,
     * 3600000 ms = 01:00:00 UTC. */
    uint8_t data[8] = {0x40, 0x55, 0x9B, 0x00, 0x36, 0xEE, 0x80, 0x00};
    uint8_t buf[64];
    size_t a = nb_spp(3, 0, true, 3, 0, data, 8, buf, sizeof buf);
    dec_pipeline_opts_t o;
    dec_pipeline_opts_default(&o);
    char err[128];
    cr_assert_eq(dec_tc_format_parse("cds", &o.time_code, err, sizeof err), 0, "%s", err);
    dec_pipeline_t *p = make(&o);
    dec_pipeline_datagram(p, buf, a, 0);
    cr_assert_eq(got->n, 1);
    cr_assert(got->tvalid[0]);
    cr_assert_eq(got->utc[0], (1514764800LL + 3600) * VLEO_NS_PER_S);
    cr_assert_eq(got->tai[0], (1514764800LL + 3600 + 378691200LL + 37) * VLEO_NS_PER_S);
    dec_pipeline_destroy(&p);
}

Test(pipeline, capture_records_through_the_network_layer) {
    uint8_t pkts[512], rec[2048];
    size_t n = make_stream(pkts, sizeof pkts, 4);
    nb_flow_t f = nb_flow_local(4, 40000, 1235);
    size_t r = nb_udp(NB_DLT_EN10MB, &f, pkts, n, rec, sizeof rec);
    cr_assert_gt(r, 0);
    dec_pipeline_t *p = make(NULL);
    dec_pipeline_record(p, NB_DLT_EN10MB, rec, r, r, 777);
    dec_pipeline_record(p, NB_DLT_EN10MB, rec, r, r, 778);
    dec_pipeline_flush(p);
    const dec_stats_t *s = dec_pipeline_stats(p);
    cr_assert_eq(got->n, 8);
    cr_assert_eq(got->record[0], 1);
    cr_assert_eq(got->record[7], 2);
    cr_assert_eq(got->rx[7], 778);
    cr_assert_eq(s->records, 2);
    cr_assert_eq(s->datagrams, 2);
    cr_assert_eq(dec_pipeline_net_stats(p)->udp_datagrams, 2);
    assert_accounting(s);
    dec_pipeline_destroy(&p);
}

Test(pipeline, tcp_stream_in_capture_records_split_anywhere) {
    static uint8_t pkts[8192];
    static uint8_t rec[8192];
    size_t n = make_stream(pkts, sizeof pkts, 30);
    nb_flow_t f = nb_flow_local(4, 40001, 5000);
    dec_pipeline_t *p = make(NULL);
    uint32_t seq = 1000;
    size_t r = nb_tcp(NB_DLT_EN10MB, &f, seq++, NB_TCP_SYN, NULL, 0, rec, sizeof rec);
    dec_pipeline_record(p, NB_DLT_EN10MB, rec, r, r, 0);
    srand(11);
    size_t off = 0;
    while (off < n) {
        size_t k = 1 + (size_t)rand() % 700;
        if (k > n - off) {
            k = n - off;
        }
        r = nb_tcp(NB_DLT_EN10MB, &f, seq, NB_TCP_ACK | NB_TCP_PSH, pkts + off, k, rec, sizeof rec);
        cr_assert_gt(r, 0);
        dec_pipeline_record(p, NB_DLT_EN10MB, rec, r, r, 0);
        seq += (uint32_t)k;
        off += k;
    }
    dec_pipeline_flush(p);
    cr_assert_eq(got->n, 30);
    for (size_t i = 0; i < 30; i++) {
        cr_assert_eq(got->first_data[i], (uint8_t)i);
    }
    assert_accounting(dec_pipeline_stats(p));
    cr_assert_eq(dec_pipeline_stats(p)->held_bytes, 0);
    dec_pipeline_destroy(&p);
}
