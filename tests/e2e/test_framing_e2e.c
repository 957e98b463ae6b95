/* test_framing_e2e.c: vleo-decoder --framing cadu on a CADU stream file (RS interleave 5,
 * randomised, garbage before the first ASM, octet errors corrected, one frame beyond repair),
 * and --framing tm on a pcap of one TM frame per UDP datagram with a frame lost: exactly the
 * packets that survive come out, with the frame counters to say why. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cadubuild.h"
#include "e2e.h"
#include "framebuild.h"
#include "netbuild.h"
#include "sim/framer.h"

#define DEC VLEO_BIN_DIR "/vleo-decoder"
#define NPKT 60

/* 60 packets of APID 100 + i % 3, lengths 20..2300 (some span several 1115-octet frames). */
static size_t make_packets(uint8_t *buf, size_t cap, uint32_t *lens) {
    size_t off = 0;
    for (int i = 0; i < NPKT; i++) {
        size_t dl = 14 + (size_t)(i * 389) % 2290;
        size_t n = nb_spp((uint16_t)(100 + i % 3), 0, false, 3, (uint16_t)(i / 3), NULL, dl,
                          buf + off, cap - off);
        cr_assert_gt(n, 0);
        lens[i] = (uint32_t)n;
        off += n;
    }
    return off;
}

/* Lines of out holding "apid":A,"seq":S,"length":L for packet i, in order; returns how many of
 * the wanted packets came out in sequence. */
static void check_lines(const char *out, const uint32_t *lens, const bool *want) {
    const char *p = out;
    for (int i = 0; i < NPKT; i++) {
        if (!want[i]) {
            continue;
        }
        char key[96];
        snprintf(key, sizeof key, "\"apid\":%d,\"seq\":%d,\"length\":%u,", 100 + i % 3, i / 3,
                 lens[i]);
        const char *q = strstr(p, key);
        cr_assert_not_null(q, "packet %d (%s) missing or out of order", i, key);
        p = q + 1;
    }
}

Test(framing_e2e, cadu_stream_with_rs_and_garbage, .timeout = 60) {
    static uint8_t pkts[200000], frames[200000], stream[300000];
    uint32_t lens[NPKT];
    size_t plen = make_packets(pkts, sizeof pkts, lens);
    fb_chan_t ch = fb_chan(DEC_FRAME_TM, 1115);
    ch.fecf = true;
    ch.scid = 0x1AB;
    ch.vcid = 2;
    size_t nf = fb_pack(&ch, pkts, plen, frames, sizeof frames);
    cr_assert_gt(nf, 10);
    size_t cl = sim_cadu_len(1115, 5);
    cr_assert_eq(cl, 1279);
    size_t off = 0;
    for (size_t g = 0; g < 333; g++) {
        stream[off++] = (uint8_t)(g * 7 + 1); /* garbage before the first ASM */
    }
    uint32_t seed = 99;
    size_t bad_frame = 5;
    for (size_t f = 0; f < nf; f++) {
        size_t n =
            sim_cadu_build(frames + f * 1115, 1115, 5, true, stream + off, sizeof stream - off);
        cr_assert_eq(n, cl);
        if (f == 2) { /* 10 octet errors in codeword 1: corrected */
            cb_corrupt_codeword(stream + off + 4, cl - 4, 5, 1, 10, &seed);
        }
        if (f == bad_frame) { /* 17 in codeword 3: beyond repair, the frame is dropped */
            cb_corrupt_codeword(stream + off + 4, cl - 4, 5, 3, 17, &seed);
        }
        off += n;
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/vleo-cadu-%d.bin", (int)getpid());
    FILE *fp = fopen(path, "wb");
    cr_assert_eq(fwrite(stream, 1, off, fp), off);
    fclose(fp);

    e2e_proc_t p = {0};
    char *argv[] = {DEC,      "--file",
                    path,     "--framing",
                    "cadu",   "--frame-length",
                    "1115",   "--rs-interleave",
                    "5",      "--fecf",
                    "--json", "--pub",
                    "none",   NULL};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    cr_assert_eq(e2e_wait(&p, 30000), 0);
    char *out = e2e_slurp(p.out_path, NULL);
    char *err = e2e_slurp(p.err_path, NULL);
    /* Packets touching the dropped frame are lost; every other one is exact and in order. */
    bool want[NPKT];
    size_t start = 0;
    size_t zone = fb_zone_len(&ch);
    int expect = 0;
    for (int i = 0; i < NPKT; i++) {
        size_t first = start / zone, last = (start + lens[i] - 1) / zone;
        want[i] = !(first <= bad_frame && bad_frame <= last);
        expect += want[i];
        start += lens[i];
    }
    check_lines(out, lens, want);
    cr_assert_eq((int)e2e_count_lines(out), expect, "%s", err);
    cr_assert_not_null(strstr(out, "\"frame\":{\"scid\":427,\"vc\":2,\"count\":"), "%.300s", out);
    cr_assert_not_null(strstr(out, "\"check\":\"corrected\",\"rs_corrected\":10}"), "%s", err);
    cr_assert_not_null(strstr(err, "rs_corrected_octets=10"), "%s", err);
    cr_assert_not_null(strstr(err, "rs_uncorrectable=1"), "%s", err);
    cr_assert_not_null(strstr(err, "cadu_bytes_skipped=333"), "%s", err);
    cr_assert_not_null(strstr(err, "vc_gaps=1"), "%s", err);
    free(out);
    free(err);
    e2e_cleanup(&p);
    unlink(path);
}

Test(framing_e2e, tm_frames_in_udp_with_a_frame_lost, .timeout = 60) {
    static uint8_t pkts[200000], frames[200000], rec[4096];
    uint32_t lens[NPKT];
    size_t plen = make_packets(pkts, sizeof pkts, lens);
    fb_chan_t ch = fb_chan(DEC_FRAME_TM, 1115);
    ch.scid = 77;
    ch.vcid = 1;
    ch.mc_count = 250; /* counters wrap on the way */
    ch.vc_count = 250;
    size_t nf = fb_pack(&ch, pkts, plen, frames, sizeof frames);
    char path[64];
    snprintf(path, sizeof path, "/tmp/vleo-tm-%d.pcap", (int)getpid());
    nb_pcap_t w;
    cr_assert_eq(nb_pcap_open(&w, path, NB_DLT_EN10MB, false, 65535), 0);
    nb_flow_t fl = nb_flow_local(4, 6000, 10025);
    size_t lost = 8;
    for (size_t f = 0; f < nf; f++) {
        if (f == lost) {
            continue;
        }
        size_t r = nb_udp(NB_DLT_EN10MB, &fl, frames + f * 1115, 1115, rec, sizeof rec);
        cr_assert_eq(nb_pcap_write(&w, (int64_t)(1000 + f) * 1000000000LL, rec, r, r), 0);
    }
    nb_pcap_close(&w);
    e2e_proc_t p = {0};
    char *argv[] = {DEC,    "--pcap", path,    "--framing", "tm", "--frame-length",
                    "1115", "--json", "--pub", "none",      NULL};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    cr_assert_eq(e2e_wait(&p, 30000), 0);
    char *out = e2e_slurp(p.out_path, NULL);
    char *err = e2e_slurp(p.err_path, NULL);
    bool want[NPKT];
    size_t start = 0, zone = fb_zone_len(&ch);
    int expect = 0;
    for (int i = 0; i < NPKT; i++) {
        size_t first = start / zone, last = (start + lens[i] - 1) / zone;
        want[i] = !(first <= lost && lost <= last);
        expect += want[i];
        start += lens[i];
    }
    check_lines(out, lens, want);
    cr_assert_eq((int)e2e_count_lines(out), expect, "%s", err);
    cr_assert_not_null(strstr(err, "vc_gaps=1"), "%s", err);
    cr_assert_not_null(strstr(err, "vc_frames_missing=1"), "%s", err);
    cr_assert_not_null(strstr(err, "mc_gaps=1"), "%s", err);
    free(out);
    free(err);
    e2e_cleanup(&p);
    unlink(path);
}

/* The same link described by a channel file; its errors name file, line and key. */
Test(framing_e2e, channel_file, .timeout = 60) {
    static uint8_t pkts[200000], frames[200000], stream[300000];
    uint32_t lens[NPKT];
    size_t plen = make_packets(pkts, sizeof pkts, lens);
    fb_chan_t ch = fb_chan(DEC_FRAME_AOS, 892);
    ch.fecf = true;
    ch.fhec = true;
    ch.insert_zone = 4;
    ch.scid = 0xC1;
    ch.vcid = 5;
    size_t nf = fb_pack(&ch, pkts, plen, frames, sizeof frames);
    size_t off = 0;
    for (size_t f = 0; f < nf; f++) {
        off += sim_cadu_build(frames + f * 892, 892, 4, true, stream + off, sizeof stream - off);
    }
    char bin[64], chan[64];
    snprintf(bin, sizeof bin, "/tmp/vleo-chan-%d.bin", (int)getpid());
    snprintf(chan, sizeof chan, "/tmp/vleo-chan-%d.conf", (int)getpid());
    FILE *fp = fopen(bin, "wb");
    cr_assert_eq(fwrite(stream, 1, off, fp), off);
    fclose(fp);
    fp = fopen(chan, "w");
    fprintf(fp, "# downlink of the test spacecraft\nframing = cadu\nframe_type = aos\n"
                "frame_length = 892   # octets\nrs_interleave = 4\nfecf = true\nfhec = yes\n"
                "insert_zone = 4\n");
    fclose(fp);
    e2e_proc_t p = {0};
    char *argv[] = {DEC, "--file", bin, "--channel", chan, "--json", "--pub", "none", NULL};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    cr_assert_eq(e2e_wait(&p, 30000), 0);
    char *out = e2e_slurp(p.out_path, NULL);
    bool want[NPKT];
    for (int i = 0; i < NPKT; i++) {
        want[i] = true;
    }
    check_lines(out, lens, want);
    cr_assert_eq(e2e_count_lines(out), NPKT);
    cr_assert_not_null(strstr(out, "\"frame\":{\"scid\":193,\"vc\":5,"), "%.300s", out);
    free(out);
    e2e_cleanup(&p);

    fp = fopen(chan, "w");
    fprintf(fp, "framing = cadu\n\nrs_interleave = 6\n");
    fclose(fp);
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    cr_assert_eq(e2e_wait(&p, 30000), 2);
    char *err = e2e_slurp(p.err_path, NULL);
    char want_err[128];
    snprintf(want_err, sizeof want_err, "%s:3: rs_interleave: bad value", chan);
    cr_assert_not_null(strstr(err, want_err), "%s", err);
    free(err);
    e2e_cleanup(&p);
    fp = fopen(chan, "w");
    fprintf(fp, "framing = tm\nbogus = 1\n");
    fclose(fp);
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    cr_assert_eq(e2e_wait(&p, 30000), 2);
    err = e2e_slurp(p.err_path, NULL);
    snprintf(want_err, sizeof want_err, "%s:2: bogus: unknown key", chan);
    cr_assert_not_null(strstr(err, want_err), "%s", err);
    free(err);
    e2e_cleanup(&p);
    unlink(bin);
    unlink(chan);
}
