/* test_capfile.c: classic pcap and pcapng parsing: both byte orders, timestamp resolutions,
 * mixed link types, block kinds, corruption and truncation at every octet; and the reader
 * against libpcap on the same classic file. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dec/capfile.h"
#include "dec/capreader.h"
#include "guard.h"
#include "netbuild.h"

typedef struct {
    uint8_t b[8192];
    size_t n;
    bool be;
} fbuf_t;

static void put16(fbuf_t *f, uint16_t v) {
    if (f->be) {
        f->b[f->n++] = (uint8_t)(v >> 8);
        f->b[f->n++] = (uint8_t)v;
    } else {
        f->b[f->n++] = (uint8_t)v;
        f->b[f->n++] = (uint8_t)(v >> 8);
    }
}

static void put32(fbuf_t *f, uint32_t v) {
    if (f->be) {
        put16(f, (uint16_t)(v >> 16));
        put16(f, (uint16_t)v);
    } else {
        put16(f, (uint16_t)v);
        put16(f, (uint16_t)(v >> 16));
    }
}

static void put(fbuf_t *f, const void *p, size_t n) {
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void pad4(fbuf_t *f) {
    while (f->n % 4) {
        f->b[f->n++] = 0;
    }
}

/* Close a pcapng block opened at `start` (type already written, length placeholder). */
static void ng_end(fbuf_t *f, size_t start) {
    pad4(f);
    uint32_t total = (uint32_t)(f->n - start + 4);
    size_t save = f->n;
    f->n = start + 4;
    put32(f, total);
    f->n = save;
    put32(f, total);
}

static size_t ng_begin(fbuf_t *f, uint32_t type) {
    size_t s = f->n;
    put32(f, type);
    put32(f, 0);
    return s;
}

static void ng_shb(fbuf_t *f) {
    size_t s = ng_begin(f, 0x0A0D0D0A);
    put32(f, 0x1A2B3C4D);
    put16(f, 1);
    put16(f, 0);
    put32(f, 0xFFFFFFFF);
    put32(f, 0xFFFFFFFF);
    ng_end(f, s);
}

/* tsresol < 0: no option. */
static void ng_idb(fbuf_t *f, uint16_t lt, uint32_t snap, int tsresol, int64_t tsoff) {
    size_t s = ng_begin(f, 1);
    put16(f, lt);
    put16(f, 0);
    put32(f, snap);
    if (tsresol >= 0) {
        put16(f, 9);
        put16(f, 1);
        f->b[f->n++] = (uint8_t)tsresol;
        pad4(f);
    }
    if (tsoff != 0) {
        put16(f, 14);
        put16(f, 8);
        uint64_t u = (uint64_t)tsoff;
        if (f->be) {
            put32(f, (uint32_t)(u >> 32));
            put32(f, (uint32_t)u);
        } else {
            put32(f, (uint32_t)u);
            put32(f, (uint32_t)(u >> 32));
        }
    }
    put16(f, 0);
    put16(f, 0);
    ng_end(f, s);
}

static void ng_epb(fbuf_t *f, uint32_t ifc, uint64_t ts, const uint8_t *d, uint32_t n,
                   uint32_t wire) {
    size_t s = ng_begin(f, 6);
    put32(f, ifc);
    put32(f, (uint32_t)(ts >> 32));
    put32(f, (uint32_t)ts);
    put32(f, n);
    put32(f, wire);
    put(f, d, n);
    ng_end(f, s);
}

typedef struct {
    size_t n;
    dec_cap_record_t r[64];
    uint8_t first[64];
} recs_t;

/* Parse the whole buffer in one go (guard-placed); returns the final status. */
static dec_cap_status_t parse_all(const uint8_t *buf, size_t len, recs_t *out, dec_capfile_t *c) {
    const uint8_t *g = guard_place(buf, len);
    dec_cap_init(c);
    size_t off = 0;
    out->n = 0;
    for (;;) {
        size_t used, need;
        dec_cap_record_t rec;
        dec_cap_status_t st = dec_cap_next(c, g + off, len - off, &rec, &used, &need);
        if (st == DEC_CAP_RECORD) {
            out->r[out->n] = rec;
            out->first[out->n] = rec.caplen ? rec.data[0] : 0;
            out->n++;
        }
        if (st != DEC_CAP_RECORD && st != DEC_CAP_BLOCK) {
            return st;
        }
        cr_assert_gt(used, 0);
        off += used;
    }
}

Test(capfile, pcapng_mixed_link_types_and_resolutions) {
    for (int be = 0; be < 2; be++) {
        fbuf_t f = {.n = 0, .be = be != 0};
        const uint8_t eth[] = {0xE1, 2, 3, 4, 5, 6, 7};
        const uint8_t raw[] = {0x45, 0, 0, 20};
        ng_shb(&f);
        ng_idb(&f, 1, 65535, -1, 0);        /* Ethernet, microseconds */
        ng_idb(&f, 101, 65535, 9, 0);       /* raw IP, nanoseconds */
        ng_idb(&f, 113, 128, 0x80 | 20, 5); /* SLL, 2^-20 s, offset 5 s */
        /* a name resolution block: skipped */
        size_t s = ng_begin(&f, 4);
        put32(&f, 0);
        ng_end(&f, s);
        ng_epb(&f, 0, 1500000000123456ULL, eth, sizeof eth, 60);
        ng_epb(&f, 1, 1500000000123456789ULL, raw, sizeof raw, sizeof raw);
        ng_epb(&f, 2, (1ULL << 20) * 7 + (1ULL << 19), raw, 3, 3);
        recs_t r;
        dec_capfile_t c;
        cr_assert_eq(parse_all(f.b, f.n, &r, &c), DEC_CAP_NEED_MORE);
        cr_assert_eq(c.format, DEC_CAP_FMT_PCAPNG);
        cr_assert_eq(c.blocks_skipped, 1);
        cr_assert_eq(r.n, 3, "be=%d", be);
        cr_assert_eq(r.r[0].linktype, 1);
        cr_assert_eq(r.r[0].ts_ns, 1500000000123456000LL);
        cr_assert_eq(r.r[0].caplen, 7);
        cr_assert_eq(r.r[0].wirelen, 60);
        cr_assert_eq(r.first[0], 0xE1);
        cr_assert_eq(r.r[1].linktype, 101);
        cr_assert_eq(r.r[1].iface, 1);
        cr_assert_eq(r.r[1].ts_ns, 1500000000123456789LL);
        cr_assert_eq(r.r[2].linktype, 113);
        cr_assert_eq(r.r[2].ts_ns, 12500000000LL, "7.5 s + 5 s offset");
        cr_assert_eq(r.first[2], 0x45);
    }
}

Test(capfile, classic_pcap_all_magics) {
    const uint32_t magics[] = {0xA1B2C3D4u, 0xA1B23C4Du, 0xA1B2CD34u};
    for (int be = 0; be < 2; be++) {
        for (int m = 0; m < 3; m++) {
            fbuf_t f = {.n = 0, .be = be != 0};
            put32(&f, magics[m]);
            put16(&f, 2);
            put16(&f, 4);
            put32(&f, 0);
            put32(&f, 0);
            put32(&f, 65535);
            put32(&f, 0x04000000u | 228); /* FCS flag bits above the link type */
            for (uint32_t i = 0; i < 3; i++) {
                put32(&f, 1700000000 + i);
                put32(&f, 250 + i);
                put32(&f, 5);
                put32(&f, 9);
                if (m == 2) {
                    put32(&f, 0);
                    put32(&f, 0);
                }
                const uint8_t d[5] = {(uint8_t)(0x40 + i), 1, 2, 3, 4};
                put(&f, d, 5);
            }
            recs_t r;
            dec_capfile_t c;
            cr_assert_eq(parse_all(f.b, f.n, &r, &c), DEC_CAP_NEED_MORE);
            cr_assert_eq(c.format, DEC_CAP_FMT_PCAP);
            cr_assert_eq(r.n, 3, "be %d magic %d", be, m);
            cr_assert_eq(r.r[2].linktype, 228);
            int64_t frac = m == 1 ? 252 : 252000;
            cr_assert_eq(r.r[2].ts_ns, 1700000002LL * 1000000000LL + frac);
            cr_assert_eq(r.r[2].caplen, 5);
            cr_assert_eq(r.r[2].wirelen, 9);
            cr_assert_eq(r.first[2], 0x42);
        }
    }
}

Test(capfile, simple_and_obsolete_packet_blocks_and_sections) {
    fbuf_t f = {.n = 0, .be = false};
    const uint8_t d[10] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    ng_shb(&f);
    ng_idb(&f, 1, 6, -1, 0); /* snaplen 6 */
    ng_epb(&f, 0, 2000000, d, 4, 4);
    size_t s = ng_begin(&f, 3); /* SPB, original length 10, cut by the snaplen to 6 */
    put32(&f, 10);
    put(&f, d, 10);
    ng_end(&f, s);
    s = ng_begin(&f, 2); /* obsolete PB */
    put16(&f, 0);
    put16(&f, 0);
    put32(&f, 0);
    put32(&f, 3000000);
    put32(&f, 2);
    put32(&f, 2);
    put(&f, d + 5, 2);
    ng_end(&f, s);
    ng_shb(&f); /* a new section forgets the interfaces */
    ng_epb(&f, 0, 1, d, 1, 1);
    recs_t r;
    dec_capfile_t c;
    cr_assert_eq(parse_all(f.b, f.n, &r, &c), DEC_CAP_BAD_INTERFACE);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.r[1].caplen, 6);
    cr_assert_eq(r.r[1].wirelen, 10);
    cr_assert_eq(r.r[1].ts_ns, 2000000000LL, "SPB takes the last time");
    cr_assert_eq(r.r[2].ts_ns, 3000000000LL);
    cr_assert_eq(r.first[2], 4);
    cr_assert_eq(c.sections, 2);
}

Test(capfile, corruption_is_an_error_not_a_crash) {
    fbuf_t f = {.n = 0, .be = false};
    const uint8_t d[4] = {1, 2, 3, 4};
    ng_shb(&f);
    ng_idb(&f, 1, 0, -1, 0);
    size_t good = f.n;
    ng_epb(&f, 0, 0, d, 4, 4);
    recs_t r;
    dec_capfile_t c;
    fbuf_t g = f;
    g.b[g.n - 4] ^= 4; /* trailer length differs */
    cr_assert_eq(parse_all(g.b, g.n, &r, &c), DEC_CAP_BAD_BLOCK);
    cr_assert_eq(r.n, 0);
    g = f;
    g.b[good + 4] = 10; /* block length not a multiple of 4 */
    cr_assert_eq(parse_all(g.b, g.n, &r, &c), DEC_CAP_BAD_BLOCK);
    g = f;
    g.b[good + 20] = 0xFF; /* caplen beyond the block */
    cr_assert_eq(parse_all(g.b, g.n, &r, &c), DEC_CAP_BAD_BLOCK);
    g = f;
    g.b[good + 8] = 3; /* undescribed interface */
    cr_assert_eq(parse_all(g.b, g.n, &r, &c), DEC_CAP_BAD_INTERFACE);
    g = f;
    g.b[good + 7] = 0x7F; /* huge block */
    cr_assert_eq(parse_all(g.b, g.n, &r, &c), DEC_CAP_TOO_LARGE);
    const char text[] = "hello, this is not a capture";
    cr_assert_eq(parse_all((const uint8_t *)text, sizeof text, &r, &c), DEC_CAP_BAD_MAGIC);
    cr_assert_str_eq(dec_cap_status_str(DEC_CAP_BAD_MAGIC), "not a pcap or pcapng file");
}

Test(capfile, truncation_at_every_octet_asks_for_the_rest) {
    fbuf_t f = {.n = 0, .be = true};
    const uint8_t d[13] = {0};
    ng_shb(&f);
    ng_idb(&f, 1, 0, 6, 0);
    ng_epb(&f, 0, 77, d, 13, 13);
    for (size_t len = 0; len < f.n; len++) {
        recs_t r;
        dec_capfile_t c;
        cr_assert_eq(parse_all(f.b, len, &r, &c), DEC_CAP_NEED_MORE, "len %zu", len);
        cr_assert_eq(r.n, 0);
    }
    recs_t r;
    dec_capfile_t c;
    parse_all(f.b, f.n, &r, &c);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.r[0].ts_ns, 77000);
}

/* The reader on a classic file gives what libpcap gives, record by record. */
Test(capfile, reader_agrees_with_libpcap) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/vleo-capfile-%d.pcap", (int)getpid());
    nb_pcap_t w;
    cr_assert_eq(nb_pcap_open(&w, path, NB_DLT_EN10MB, true, 262144), 0);
    static uint8_t rec[70000], pkt[70000];
    nb_flow_t fl = nb_flow_local(4, 1000, 1235);
    srand(3);
    for (int i = 0; i < 300; i++) {
        size_t dl = 1 + (size_t)rand() % (i == 7 ? 60000 : 1500);
        size_t pn = nb_spp((uint16_t)(i % 50), 0, false, 3, (uint16_t)i, NULL, dl, pkt, sizeof pkt);
        size_t rn = nb_udp(NB_DLT_EN10MB, &fl, pkt, pn, rec, sizeof rec);
        cr_assert_gt(rn, 0);
        cr_assert_eq(nb_pcap_write(&w, 1700000000LL * 1000000000LL + i * 1234567LL, rec, rn, rn),
                     0);
    }
    nb_pcap_close(&w);
    char err[256], eb[PCAP_ERRBUF_SIZE];
    int code;
    dec_capreader_t *cr = dec_capreader_open(path, NULL, err, sizeof err, &code);
    cr_assert_not_null(cr, "%s", err);
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
    cr_assert_not_null(pc, "%s", eb);
    int n = 0;
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int prc = pcap_next_ex(pc, &h, &data);
        dec_cap_record_t r;
        dec_cr_status_t st = dec_capreader_next(cr, &r);
        if (prc != 1) {
            cr_assert_eq(st, DEC_CR_EOF);
            break;
        }
        cr_assert_eq(st, DEC_CR_RECORD);
        cr_assert_eq(r.caplen, h->caplen);
        cr_assert_eq(r.wirelen, h->len);
        cr_assert_eq(r.ts_ns, (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec);
        cr_assert_eq(r.linktype, pcap_datalink(pc));
        cr_assert_eq(memcmp(r.data, data, r.caplen), 0, "record %d", n);
        n++;
    }
    cr_assert_eq(n, 300);
    cr_assert_eq(dec_capreader_stats(cr)->records, 300);
    pcap_close(pc);
    dec_capreader_close(&cr);

    /* With a filter: only UDP port 9 passes, so every record is counted as filtered. */
    cr = dec_capreader_open(path, "udp port 9", err, sizeof err, &code);
    cr_assert_not_null(cr);
    dec_cap_record_t r;
    cr_assert_eq(dec_capreader_next(cr, &r), DEC_CR_EOF);
    cr_assert_eq(dec_capreader_stats(cr)->filtered, 300);
    dec_capreader_close(&cr);

    /* Cut inside the last record: truncated, with the record's byte offset. */
    FILE *fp = fopen(path, "r+");
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    cr_assert_eq(truncate(path, size - 3), 0);
    cr = dec_capreader_open(path, NULL, err, sizeof err, &code);
    int whole = 0;
    dec_cr_status_t st;
    while ((st = dec_capreader_next(cr, &r)) == DEC_CR_RECORD) {
        whole++;
    }
    cr_assert_eq(whole, 299);
    cr_assert_eq(st, DEC_CR_TRUNCATED);
    cr_assert_not_null(strstr(dec_capreader_error(cr), "byte offset"));
    dec_capreader_close(&cr);
    unlink(path);

    cr_assert_null(dec_capreader_open("/nonexistent/x.pcap", NULL, err, sizeof err, &code));
    cr_assert_eq(code, 3);
    cr_assert_not_null(strstr(err, "/nonexistent/x.pcap"));
}
