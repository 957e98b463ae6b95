/* test_interop.c: vleo-decoder against an independent decoder, tshark's CCSDS dissector: the
 * same capture, and every space packet header field both report must agree (CCSDS 133.0-B-2
 * section 4.1.3). tshark is required: CI installs it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "netbuild.h"

#define DECODER VLEO_BIN_DIR "/vleo-decoder"
#define NPK 500

typedef struct {
    unsigned apid, seq, length, flags, type;
} row_t;

static row_t g_written[NPK];
static e2e_proc_t g_proc;
static char g_path[128];
static char *g_out;
static char *g_err;

static void setup(void) {
    snprintf(g_path, sizeof g_path, "/tmp/vleo-interop-%ld.pcap", (long)getpid());
}

static void teardown(void) {
    e2e_cleanup(&g_proc);
    unlink(g_path);
    free(g_out);
    free(g_err);
    g_out = g_err = NULL;
}

TestSuite(interop, .init = setup, .fini = teardown, .timeout = 60);

/* The tshark on PATH into buf, or false. */
static bool find_tshark(char *buf, size_t cap) {
    const char *path = getenv("PATH");
    if (path == NULL) {
        path = "/usr/local/bin:/usr/bin:/bin";
    }
    while (*path != '\0') {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        if (n > 0 && n + 8 < cap) {
            memcpy(buf, path, n);
            memcpy(buf + n, "/tshark", 8);
            if (access(buf, X_OK) == 0) {
                return true;
            }
        }
        path += n;
        if (*path == ':') {
            path++;
        }
    }
    return false;
}

/* 500 packets, one per UDP datagram to port 1235: seven APIDs (0 and 2046 included), whole
 * lengths 7..2000 (both ends included), sequence counts running past 16383 back to 0, all
 * four sequence flags, some telecommands and secondary header flags. */
static void write_capture(void) {
    static const unsigned apids[7] = {0, 1, 100, 0x3FF, 1234, 2000, 2046};
    unsigned next_seq[7];
    for (int a = 0; a < 7; a++) {
        next_seq[a] = 16300u + (unsigned)a * 5u;
    }
    nb_pcap_t w;
    cr_assert_eq(nb_pcap_open(&w, g_path, NB_DLT_EN10MB, false, 65535), 0, "%s", strerror(errno));
    nb_flow_t f = nb_flow_local(4, 50000, 1235);
    static uint8_t pkt[4096];
    static uint8_t rec[8192];
    for (int i = 0; i < NPK; i++) {
        int a = i % 7;
        size_t data_len = 1 + (size_t)(i * 389) % 1994;
        if (i == 1) {
            data_len = 1994; /* 2000 octets */
        }
        row_t *r = &g_written[i];
        r->apid = apids[a];
        r->seq = next_seq[a];
        next_seq[a] = (next_seq[a] + 1) & 0x3FFF;
        r->flags = (unsigned)(i / 7) % 4;
        r->type = i % 11 == 5 ? 1 : 0;
        r->length = (unsigned)(6 + data_len);
        bool sec = i % 5 == 3 && data_len >= 16;
        size_t n = nb_spp((uint16_t)r->apid, (uint8_t)r->type, sec, (uint8_t)r->flags,
                          (uint16_t)r->seq, NULL, data_len, pkt, sizeof pkt);
        cr_assert_eq(n, r->length);
        size_t rn = nb_udp(NB_DLT_EN10MB, &f, pkt, n, rec, sizeof rec);
        cr_assert_gt(rn, 0);
        cr_assert_eq(nb_pcap_write(&w, 1717200000000000000LL + (int64_t)i * 1000000, rec, rn, rn),
                     0);
    }
    cr_assert_eq(nb_pcap_close(&w), 0);
    cr_assert_eq(g_written[0].length, 7);
    cr_assert_eq(g_written[1].length, 2000);
}

/* Run argv to the end within timeout_ms; stdout and stderr into g_out / g_err. */
static int run(char *const argv[], int timeout_ms) {
    e2e_cleanup(&g_proc);
    free(g_out);
    free(g_err);
    int rc = e2e_spawn(&g_proc, argv);
    cr_assert_eq(rc, 0, "cannot run %s: %s", argv[0], strerror(rc));
    int code = e2e_wait(&g_proc, timeout_ms);
    g_out = e2e_slurp(g_proc.out_path, NULL);
    g_err = e2e_slurp(g_proc.err_path, NULL);
    cr_assert_not_null(g_out);
    cr_assert_not_null(g_err);
    return code;
}

Test(interop, tshark_ccsds_agrees) {
    char tshark[512];
    cr_assert(find_tshark(tshark, sizeof tshark),
              "tshark is not installed (not on PATH): this test compares vleo-decoder with "
              "tshark's CCSDS dissector and needs it (Debian/Ubuntu: apt-get install tshark)");
    write_capture();

    /* tshark: the CCSDS dissector on UDP port 1235 (no heuristic claims it by itself).
     * ccsds.length is the packet data length field: whole octets - 7. */
    char *targv[] = {tshark, "-n",           "-r", g_path,          "-d", "udp.port==1235,ccsds",
                     "-T",   "fields",       "-e", "ccsds.apid",    "-e", "ccsds.seqnum",
                     "-e",   "ccsds.length", "-e", "ccsds.seqflag", "-e", "ccsds.type",
                     NULL};
    int rc = run(targv, 40000);
    cr_assert_eq(rc, 0, "tshark exit %d:\n%s", rc, g_err);
    static row_t ts[NPK];
    size_t nts = 0;
    const char *s = g_out;
    while (*s != '\0') {
        const char *nl = strchr(s, '\n');
        cr_assert_not_null(nl);
        cr_assert_lt(nts, NPK, "tshark printed more than %d lines", NPK);
        unsigned apid, seq, dl, fl, ty;
        int k = sscanf(s, "%u\t%u\t%u\t%u\t%u", &apid, &seq, &dl, &fl, &ty);
        cr_assert_eq(k, 5, "tshark line %zu not understood: %.*s", nts + 1, (int)(nl - s), s);
        ts[nts].apid = apid;
        ts[nts].seq = seq;
        ts[nts].length = dl + 7;
        ts[nts].flags = fl;
        ts[nts].type = ty;
        nts++;
        s = nl + 1;
    }
    cr_assert_eq(nts, NPK, "tshark reported %zu packets", nts);

    /* vleo-decoder, JSON lines */
    char *dargv[] = {DECODER, "--pcap", g_path, "--pub", "none", "--json", "--quiet", NULL};
    rc = run(dargv, 20000);
    cr_assert_eq(rc, 0, "vleo-decoder exit %d:\n%s", rc, g_err);
    size_t nd = 0;
    s = g_out;
    while (*s != '\0') {
        const char *nl = strchr(s, '\n');
        cr_assert_not_null(nl);
        cr_assert_lt(nd, NPK, "vleo-decoder printed more than %d lines", NPK);
        unsigned apid, seq, len;
        int k = sscanf(s, "{\"spacecraft\":\"SC\",\"apid\":%u,\"seq\":%u,\"length\":%u,", &apid,
                       &seq, &len);
        cr_assert_eq(k, 3, "vleo-decoder line %zu not understood: %.*s", nd + 1, (int)(nl - s), s);
        const char *tf = strstr(s, "\"seq_flags\":");
        cr_assert(tf != NULL && tf < nl);
        unsigned fl = (unsigned)strtoul(tf + 12, NULL, 10);
        const char *ty = strstr(s, "\"type\":\"");
        cr_assert(ty != NULL && ty < nl);
        const row_t *t = &ts[nd];
        const row_t *w = &g_written[nd];
        cr_assert_eq(t->apid, w->apid, "packet %zu: tshark apid %u, written %u", nd, t->apid,
                     w->apid);
        cr_assert_eq(apid, t->apid, "packet %zu: apid vleo %u, tshark %u", nd, apid, t->apid);
        cr_assert_eq(seq, t->seq, "packet %zu: seq vleo %u, tshark %u", nd, seq, t->seq);
        cr_assert_eq(t->seq, w->seq);
        cr_assert_eq(len, t->length, "packet %zu: length vleo %u, tshark %u (+7)", nd, len,
                     t->length);
        cr_assert_eq(t->length, w->length);
        cr_assert_eq(fl, t->flags, "packet %zu: sequence flags vleo %u, tshark %u", nd, fl,
                     t->flags);
        cr_assert_eq(t->flags, w->flags);
        cr_assert_eq(t->type, w->type);
        cr_assert_eq(strncmp(ty + 8, t->type ? "tc\"" : "tm\"", 3), 0, "packet %zu: type", nd);
        nd++;
        s = nl + 1;
    }
    cr_assert_eq(nd, NPK, "vleo-decoder reported %zu packets", nd);
}
