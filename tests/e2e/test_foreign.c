/* test_foreign.c: a capture written by Wireshark's own tools, not by us: text2pcap wraps
 * datagrams (several packets each) in Ethernet/IPv4/UDP, raw IPv6/UDP and a TCP stream cut
 * across segments; mergecap merges them into one pcapng with mixed link types. vleo-decoder
 * must give exactly the packets it holds, and its counters must add up. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    unsigned apid, seq, len;
} pk_t;

static size_t spp(uint8_t *out, unsigned apid, unsigned seq, unsigned n) {
    out[0] = (uint8_t)(apid >> 8);
    out[1] = (uint8_t)apid;
    out[2] = (uint8_t)(0xC0 | seq >> 8);
    out[3] = (uint8_t)seq;
    out[4] = (uint8_t)((n - 1) >> 8);
    out[5] = (uint8_t)(n - 1);
    for (unsigned i = 0; i < n; i++) {
        out[6 + i] = (uint8_t)(i * 7 + apid);
    }
    return 6 + n;
}

/* One text2pcap hex dump block per packet. */
static void hexdump(FILE *fp, const uint8_t *p, size_t n) {
    for (size_t off = 0; off < n; off += 16) {
        fprintf(fp, "%06zx ", off);
        for (size_t i = off; i < n && i < off + 16; i++) {
            fprintf(fp, " %02x", p[i]);
        }
        fputc('\n', fp);
    }
    fputc('\n', fp);
}

static char dir[64];

static void run(const char *cmd) {
    char full[1024];
    snprintf(full, sizeof full, "cd %s && %s >/dev/null", dir, cmd);
    int rc = system(full);
    cr_assert_eq(rc, 0,
                 "'%s' failed (%d): Wireshark's text2pcap/mergecap are needed "
                 "(Debian package wireshark-common, installed with tshark)",
                 cmd, rc);
}

Test(foreign, wireshark_written_mixed_linktype_pcapng, .timeout = 60) {
    snprintf(dir, sizeof dir, "/tmp/vleo-foreign-%d", (int)getpid());
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    cr_assert_eq(system(cmd), 0);

    pk_t expect[64];
    size_t ne = 0;
    uint8_t buf[4096];
    char path[128];
    /* Datagrams: 2 packets, then 3, then 1. Sent once over IPv4/Ethernet, once over IPv6/raw. */
    snprintf(path, sizeof path, "%s/u.txt", dir);
    FILE *fp = fopen(path, "w");
    const unsigned dg[3][3] = {{100, 101, 0}, {102, 100, 101}, {100, 0, 0}};
    unsigned seq[4] = {5, 5, 5, 0};
    pk_t udp_order[16];
    size_t nu = 0;
    for (int d = 0; d < 3; d++) {
        size_t n = 0;
        for (int k = 0; k < 3 && dg[d][k]; k++) {
            unsigned a = dg[d][k];
            unsigned len = 10 + 13 * (unsigned)(d + k);
            n += spp(buf + n, a, seq[a - 100]++, len);
            udp_order[nu++] = (pk_t){a, seq[a - 100] - 1, 6 + len};
        }
        hexdump(fp, buf, n);
    }
    fclose(fp);
    /* A TCP stream of 12 packets cut at odd points across 5 segments. */
    size_t sn = 0;
    for (unsigned i = 0; i < 12; i++) {
        sn += spp(buf + sn, 300, 16380 + i, 40 + i * 9);
    }
    const size_t cuts[] = {0, 37, 200, 201, 555, sn};
    snprintf(path, sizeof path, "%s/t.txt", dir);
    fp = fopen(path, "w");
    for (int c = 0; c < 5; c++) {
        hexdump(fp, buf + cuts[c], cuts[c + 1] - cuts[c]);
    }
    fclose(fp);

    run("text2pcap -q -u 5000,1235 -4 10.0.0.1,10.0.0.2 -e 0x800 u.txt u.pcap");
    run("text2pcap -q -l 101 -u 5001,1235 -6 fd00::1,fd00::2 u.txt r.pcap");
    run("text2pcap -q -T 6000,7000 -4 10.0.0.3,10.0.0.4 -e 0x800 t.txt t.pcap");
    /* -a: concatenate in this order (the files' times are all "now"). */
    run("mergecap -a -F pcapng -w m.pcapng u.pcap r.pcap t.pcap");
    for (size_t i = 0; i < nu; i++) {
        expect[ne++] = udp_order[i];
    }
    for (size_t i = 0; i < nu; i++) {
        expect[ne++] = udp_order[i];
    }
    for (unsigned i = 0; i < 12; i++) {
        expect[ne++] = (pk_t){300, (16380 + i) % 16384, 46 + i * 9};
    }

    snprintf(cmd, sizeof cmd,
             "cd %s && %s/vleo-decoder --pcap m.pcapng --pub none --json >out.jsonl 2>err.txt", dir,
             VLEO_BIN_DIR);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/out.jsonl", dir);
    fp = fopen(path, "r");
    cr_assert_not_null(fp);
    char line[4096];
    size_t got = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        cr_assert_lt(got, ne, "more packets than the capture holds: %s", line);
        char want[128];
        snprintf(want, sizeof want, "{\"spacecraft\":\"SC\",\"apid\":%u,\"seq\":%u,\"length\":%u,",
                 expect[got].apid, expect[got].seq, expect[got].len);
        cr_assert_eq(strncmp(line, want, strlen(want)), 0, "packet %zu: want %s got %s", got, want,
                     line);
        got++;
    }
    fclose(fp);
    cr_assert_eq(got, ne, "decoded %zu of %zu packets", got, ne);

    /* The summary: 6 UDP records (3 per link type) and the TCP segments (with the handshake
     * text2pcap writes none), nothing rejected, every octet in a packet. */
    snprintf(path, sizeof path, "%s/err.txt", dir);
    fp = fopen(path, "r");
    char all[8192];
    size_t n = fread(all, 1, sizeof all - 1, fp);
    all[n] = '\0';
    fclose(fp);
    char want[128];
    snprintf(want, sizeof want, "-> %zu packets (0 idle)", ne);
    cr_assert_not_null(strstr(all, want), "summary: %s", all);
    cr_assert_not_null(strstr(all, " 0 rejected"), "%s", all);
    cr_assert_not_null(strstr(all, "datagrams_clean=6"), "%s", all);
    cr_assert_not_null(strstr(all, "tcp_segments=5"), "%s", all);
    cr_assert_null(strstr(all, "stream_truncated"), "%s", all);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
