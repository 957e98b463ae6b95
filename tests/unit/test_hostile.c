/* test_hostile.c: hostile input under a memory limit (issue 7 item 6): length fields that claim
 * more than the datagram or the file, frames of the wrong size, XTCE with absurd sizes and
 * cyclic inheritance or inclusion, YAML, CSV and channel files of garbage, and loaders given
 * input that never ends. Each must end in a clear error or a counted rejection, never a crash,
 * never unbounded allocation: every test runs with its address space limited to what it had at
 * the start plus HOSTILE_BUDGET (RLIMIT_AS; under ASan this bounds its large allocations, which
 * are where an unbounded one would go). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../../decoder/src/mdb_model.h"
#include "dec/capreader.h"
#include "dec/channel.h"
#include "dec/pipeline.h"
#include "mon/config.h"
#include "mon/spacewx.h"
#include "netbuild.h"
#include "sim/scenario.h"

#define HOSTILE_BUDGET ((rlim_t)512 << 20) /* octets of address space a test may add */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static char g_path[128];

/* VmSize of this process in octets, from /proc/self/status. */
static rlim_t vm_size(void) {
    FILE *fp = fopen("/proc/self/status", "r");
    cr_assert_not_null(fp);
    char line[256];
    unsigned long long kib = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        if (sscanf(line, "VmSize: %llu kB", &kib) == 1) {
            break;
        }
    }
    fclose(fp);
    cr_assert_gt(kib, 0);
    return (rlim_t)kib * 1024;
}

/* Criterion runs every test in a process of its own: the limit ends with the test. */
static void setup(void) {
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_AS, &rl), 0);
    rl.rlim_cur = vm_size() + HOSTILE_BUDGET;
    cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0, "setrlimit: %s", strerror(errno));
    snprintf(g_path, sizeof g_path, "/tmp/vleo-hostile-%ld", (long)getpid());
}

static void teardown(void) {
    unlink(g_path);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 60);

Test(hostile, the_memory_limit_is_in_force) {
    if (UNDER_ASAN) {
        return; /* ASan reports a failed allocation as an error instead of returning NULL */
    }
    void *p = malloc((size_t)HOSTILE_BUDGET + ((size_t)16 << 20));
    cr_assert_null(p, "an allocation beyond the budget succeeded: the limit is not in force");
    p = malloc((size_t)1 << 20);
    cr_assert_not_null(p);
    free(p);
}

static void write_file(const void *data, size_t len) {
    FILE *fp = fopen(g_path, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(data, 1, len, fp), len);
    cr_assert_eq(fclose(fp), 0);
}

/* xorshift32: reproducible garbage. */
static void garbage(uint8_t *p, size_t n, uint32_t seed) {
    uint32_t x = seed;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

/* ---- length fields that claim more than there is ---- */

static uint64_t g_delivered;

static void count_packet(void *ctx, const dec_packet_t *pk) {
    (void)ctx;
    cr_assert_eq(pk->len, pk->hdr.total_len);
    g_delivered++;
}

static dec_pipeline_t *pipeline(dec_framing_t framing, uint32_t frame_len) {
    dec_pipeline_opts_t o;
    dec_pipeline_opts_default(&o);
    o.framing = framing;
    if (framing == DEC_FRAMING_TM) {
        o.frame.kind = DEC_FRAME_TM;
        o.frame.frame_len = frame_len;
    }
    char err[256];
    dec_pipeline_t *p = dec_pipeline_new(&o, count_packet, NULL, err, sizeof err);
    cr_assert_not_null(p, "%s", err);
    g_delivered = 0;
    return p;
}

/* A primary header claiming 65536 data octets in datagrams of 7 and 1000 octets, and after a
 * whole packet: each the rest of its datagram rejected as length_beyond_datagram. */
Test(hostile, packet_length_beyond_the_datagram) {
    dec_pipeline_t *p = pipeline(DEC_FRAMING_SPP, 0);
    uint8_t d[1000];
    memset(d, 0xA5, sizeof d);
    nb_be16(d, 0x0064); /* version 0, APID 100 */
    nb_be16(d + 2, 0xC000);
    nb_be16(d + 4, 0xFFFF); /* 65536 data octets */
    dec_pipeline_datagram(p, d, 7, 0);
    dec_pipeline_datagram(p, d, sizeof d, 0);
    uint8_t two[20 + 7];
    cr_assert_eq(nb_spp(5, 0, false, 3, 0, NULL, 14, two, sizeof two), 20);
    memcpy(two + 20, d, 7);
    dec_pipeline_datagram(p, two, sizeof two, 0);
    const dec_stats_t *s = dec_pipeline_stats(p);
    cr_assert_eq(g_delivered, 1);
    cr_assert_eq(s->rejected[DEC_REJ_LENGTH_BEYOND_DATAGRAM], 3);
    cr_assert_eq(s->rejected_bytes[DEC_REJ_LENGTH_BEYOND_DATAGRAM], 7 + 1000 + 7);
    cr_assert_eq(s->bytes, s->packet_bytes + 7 + 1000 + 7);
    dec_pipeline_destroy(&p);
}

/* In a stream the same header waits for its 65542 octets in the stream's own fixed buffer;
 * the end of the stream rejects what came. */
Test(hostile, packet_length_beyond_the_stream) {
    dec_pipeline_t *p = pipeline(DEC_FRAMING_SPP, 0);
    uint8_t d[1000];
    memset(d, 0xA5, sizeof d);
    nb_be16(d, 0x0064);
    nb_be16(d + 2, 0xC000);
    nb_be16(d + 4, 0xFFFF);
    for (int i = 0; i < 60; i++) {
        dec_pipeline_stream(p, 0, d + (i == 0 ? 0 : 6), i == 0 ? sizeof d : sizeof d - 6, 0);
    }
    const dec_stats_t *s = dec_pipeline_stats(p);
    uint64_t sent = 1000 + 59 * 994;
    cr_assert_eq(s->held_bytes, sent);
    dec_pipeline_stream_end(p, 0);
    cr_assert_eq(g_delivered, 0);
    cr_assert_eq(s->held_bytes, 0);
    cr_assert_eq(s->rejected[DEC_REJ_STREAM_TRUNCATED], 1);
    cr_assert_eq(s->rejected_bytes[DEC_REJ_STREAM_TRUNCATED], sent);
    dec_pipeline_destroy(&p);
}

/* TM frames of 64 octets configured; datagrams of 1, 63, 65 and 65535 octets are frames of the
 * wrong size: counted by status, nothing parsed out of them. */
Test(hostile, frames_of_the_wrong_size) {
    dec_pipeline_t *p = pipeline(DEC_FRAMING_TM, 64);
    static uint8_t d[65535];
    garbage(d, sizeof d, 7);
    static const size_t sizes[] = {1, 63, 65, 65535};
    for (size_t i = 0; i < 4; i++) {
        dec_pipeline_datagram(p, d, sizes[i], 0);
    }
    const dec_stats_t *s = dec_pipeline_stats(p);
    cr_assert_eq(s->frames, 4);
    cr_assert_eq(s->frame_status[DEC_FRAME_WRONG_LENGTH], 4);
    cr_assert_eq(s->frame_status[DEC_FRAME_OK], 0);
    cr_assert_eq(g_delivered, 0);
    cr_assert_eq(s->packets, 0);
    dec_pipeline_destroy(&p);
}

/* Capture files whose record or block lengths claim 4 GiB, or 15 MiB with 100 octets there:
 * an error or a truncation at the exact byte offset, with at most 16 MiB of buffer. */
static void expect_capture(const char *want_err, dec_cr_status_t want) {
    char err[512];
    int code = 0;
    dec_capreader_t *r = dec_capreader_open(g_path, NULL, err, sizeof err, &code);
    cr_assert_not_null(r, "%s", err);
    dec_cap_record_t rec;
    dec_cr_status_t st = dec_capreader_next(r, &rec);
    cr_assert_eq(st, want, "status %d: %s", st, dec_capreader_error(r));
    char full[512];
    snprintf(full, sizeof full, "%s: %s", g_path, want_err);
    cr_assert_str_eq(dec_capreader_error(r), full);
    dec_capreader_close(&r);
}

static void le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

Test(hostile, capture_lengths_beyond_the_file) {
    /* classic pcap, one record header claiming 0xFFFFFFF0 captured octets */
    uint8_t f[24 + 16 + 100] = {0};
    le32(f, 0xa1b2c3d4u);
    f[4] = 2;
    f[6] = 4;
    le32(f + 16, 0xFFFFFFFFu); /* snaplen */
    le32(f + 20, 1);
    le32(f + 24 + 8, 0xFFFFFFF0u);
    le32(f + 24 + 12, 0xFFFFFFF0u);
    write_file(f, sizeof f);
    expect_capture("byte offset 24: record larger than 16 MiB", DEC_CR_ERROR);
    /* 15 MiB claimed, allowed, but only 100 octets follow */
    le32(f + 24 + 8, 15u << 20);
    le32(f + 24 + 12, 15u << 20);
    write_file(f, sizeof f);
    expect_capture("file ends inside the record at byte offset 24 (116 of 15728656 octets "
                   "present); every whole record before it was read",
                   DEC_CR_TRUNCATED);

    /* pcapng: section header, interface, then a block claiming 0xFFFFFFF0 octets */
    uint8_t g[28 + 20 + 32] = {0};
    le32(g, 0x0A0D0D0A);
    le32(g + 4, 28);
    le32(g + 8, 0x1A2B3C4D);
    g[12] = 1;
    memset(g + 16, 0xFF, 8);
    le32(g + 24, 28);
    le32(g + 28, 1);
    le32(g + 32, 20);
    g[36] = 1;
    le32(g + 44, 20);
    le32(g + 48, 6);
    le32(g + 52, 0xFFFFFFF0u);
    write_file(g, sizeof g);
    expect_capture("byte offset 48: record larger than 16 MiB", DEC_CR_ERROR);
}

/* ---- XTCE ---- */

#define DOC(types, params, conts)                                                                  \
    "<SpaceSystem name=\"S\"><TelemetryMetaData>\n"    /* line 1 */                                \
    "<ParameterTypeSet>" types "</ParameterTypeSet>\n" /* line 2 */                                \
    "<ParameterSet>" params "</ParameterSet>\n"        /* line 3 */                                \
    "<ContainerSet>" conts "</ContainerSet>\n"         /* line 4 */                                \
    "</TelemetryMetaData></SpaceSystem>\n"

#define U8T "<IntegerParameterType name=\"U8\"><IntegerDataEncoding/></IntegerParameterType>"
#define P_A "<Parameter name=\"A\" parameterTypeRef=\"U8\"/>"
#define DIM(end)                                                                                   \
    "<Dimension><StartingIndex><FixedValue>0</FixedValue></StartingIndex><EndingIndex>"            \
    "<FixedValue>" end "</FixedValue></EndingIndex></Dimension>"
#define ARRT(dims)                                                                                 \
    "<ArrayParameterType name=\"ARR\" arrayTypeRef=\"U8\"><DimensionList>" dims                    \
    "</DimensionList></ArrayParameterType>"
#define CONT(name, inner) "<SequenceContainer name=\"" name "\">" inner "</SequenceContainer>"
#define BASE(name) "<BaseContainer containerRef=\"" name "\"/>"
#define ENTRIES(e) "<EntryList>" e "</EntryList>"
#define PREF(p) "<ParameterRefEntry parameterRef=\"" p "\"/>"
#define CREF(c) "<ContainerRefEntry containerRef=\"" c "\"/>"

/* The document is refused with exactly `want`. */
static void xtce_error(const char *xml, const char *want) {
    dec_mdb_t *m = mdb_new();
    cr_assert_not_null(m);
    char err[1024] = "";
    int rc = mdb_load_xtce_mem(m, xml, strlen(xml), "mem.xml", err, sizeof err);
    if (rc == 0) {
        rc = mdb_finish(m, err, sizeof err);
    }
    dec_mdb_destroy(&m);
    cr_expect_eq(rc, -1, "accepted: %s", xml);
    cr_expect_str_eq(err, want, "got  %s\nwant %s", err, want);
}

Test(hostile, xtce_absurd_sizes) {
    xtce_error(
        DOC("<IntegerParameterType name=\"T\"><IntegerDataEncoding sizeInBits=\"2147483648\"/>"
            "</IntegerParameterType>",
            "", ""),
        "mem.xml:2: IntegerDataEncoding: sizeInBits 2147483648: integers take 1 to 64 bits");
    xtce_error(DOC("<IntegerParameterType name=\"T\"><IntegerDataEncoding "
                   "sizeInBits=\"18446744073709551617\"/></IntegerParameterType>",
                   "", ""),
               "mem.xml:2: IntegerDataEncoding: sizeInBits: bad number \"18446744073709551617\"");
    xtce_error(DOC("<FloatParameterType name=\"T\"><FloatDataEncoding sizeInBits=\"2147483648\"/>"
                   "</FloatParameterType>",
                   "", ""),
               "mem.xml:2: FloatDataEncoding: sizeInBits 2147483648: floats take 32 or 64 bits");
    xtce_error(DOC("<BinaryParameterType name=\"T\"><BinaryDataEncoding><SizeInBits><FixedValue>"
                   "2147483648</FixedValue></SizeInBits></BinaryDataEncoding>"
                   "</BinaryParameterType>",
                   "", ""),
               "mem.xml:2: FixedValue: size of 2147483648 bits is outside 1..524336");
    xtce_error(DOC("<StringParameterType name=\"T\"><StringDataEncoding><SizeInBits><Fixed>"
                   "<FixedValue>2147483648</FixedValue></Fixed></SizeInBits></StringDataEncoding>"
                   "</StringParameterType>",
                   "", ""),
               "mem.xml:2: FixedValue: size of 2147483648 bits is outside 1..524336");
    /* arrays of 10^9 elements, in one dimension and as a product that overflows 32 bits */
    xtce_error(DOC(U8T ARRT(DIM("999999999")), "", ""),
               "mem.xml:2: Dimension: EndingIndex 999999999 outside 0..4095");
    xtce_error(DOC(U8T ARRT(DIM("4095") DIM("4095") DIM("4095")), "", ""),
               "mem.xml:2: Dimension: not supported: an array of more than 4096 elements");
    xtce_error(DOC(U8T ARRT(DIM("65535") DIM("65535")), "", ""),
               "mem.xml:2: Dimension: EndingIndex 65535 outside 0..4095");
}

Test(hostile, xtce_cyclic_inheritance_and_inclusion) {
    /* a container its own base */
    xtce_error(DOC(U8T, P_A, CONT("A", BASE("A") ENTRIES(PREF("A")))),
               "mem.xml:4: BaseContainer: container /S/A is its own base");
    /* two and three containers in a loop */
    xtce_error(DOC(U8T, P_A, CONT("A", BASE("B") ENTRIES(PREF("A"))) CONT("B", BASE("A"))),
               "mem.xml:4: SequenceContainer: /S/B is part of a cycle of "
               "BaseContainer/ContainerRefEntry references");
    /* a chain of 17 bases without a loop: deeper than 16 */
    xtce_error(
        DOC(U8T, P_A,
            CONT("C0", ENTRIES(PREF("A"))) CONT("C1", BASE("C0")) CONT("C2", BASE("C1"))
                CONT("C3", BASE("C2")) CONT("C4", BASE("C3")) CONT("C5", BASE("C4"))
                    CONT("C6", BASE("C5")) CONT("C7", BASE("C6")) CONT("C8", BASE("C7"))
                        CONT("C9", BASE("C8")) CONT("C10", BASE("C9")) CONT("C11", BASE("C10"))
                            CONT("C12", BASE("C11")) CONT("C13", BASE("C12"))
                                CONT("C14", BASE("C13")) CONT("C15", BASE("C14"))
                                    CONT("C16", BASE("C15")) CONT("C17", BASE("C16"))),
        "mem.xml:4: SequenceContainer: /S/C17 inherits through more than 16 BaseContainer levels");
    /* a container that includes itself, and two that include each other */
    xtce_error(DOC(U8T, P_A, CONT("A", ENTRIES(PREF("A") CREF("A")))),
               "mem.xml:4: SequenceContainer: /S/A is part of a cycle of "
               "BaseContainer/ContainerRefEntry references");
    xtce_error(DOC(U8T, P_A, CONT("A", ENTRIES(PREF("A") CREF("B"))) CONT("B", ENTRIES(CREF("A")))),
               "mem.xml:4: SequenceContainer: /S/B is part of a cycle of "
               "BaseContainer/ContainerRefEntry references");
}

/* Entity expansion is off: a "billion laughs" document loads no entity and stays small. */
Test(hostile, xtce_entity_bomb_and_deep_nesting) {
    static const char bomb[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE SpaceSystem [\n"
        "<!ENTITY a "
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
        "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
        "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
        "]>\n"
        "<SpaceSystem name=\"&g;\"><TelemetryMetaData/></SpaceSystem>\n";
    xtce_error(bomb, "mem.xml:11: XML: Detected an entity reference loop");
    /* 100000 nested elements */
    size_t depth = 100000;
    const char *open = "<SpaceSystem name=\"S\">";
    size_t n = strlen(open) * depth + 1;
    char *deep = malloc(n);
    cr_assert_not_null(deep);
    for (size_t i = 0; i < depth; i++) {
        memcpy(deep + i * strlen(open), open, strlen(open));
    }
    deep[n - 1] = '\0';
    xtce_error(deep, "mem.xml:1: XML: Excessive depth in document: 256 use XML_PARSE_HUGE option");
    free(deep);
}

/* ---- YAML, CSV and channel files of garbage ---- */

static void config_error(const char *text, size_t len, const char *want) {
    mon_config_t cfg;
    char err[512] = "";
    int rc = mon_config_parse(text, len, "hostile.yaml", &cfg, err, sizeof err);
    cr_expect_eq(rc, -1, "accepted");
    cr_expect_str_eq(err, want, "got  %s\nwant %s", err, want);
    mon_config_free(&cfg);
    sim_scenario_t sc;
    err[0] = '\0';
    rc = sim_scenario_parse(text, len, "hostile.yaml", &sc, err, sizeof err);
    cr_expect_eq(rc, -1, "scenario accepted");
    cr_expect_eq(strncmp(err, "hostile.yaml:", 13), 0, "scenario: %s", err);
}

Test(hostile, yaml_garbage) {
    static uint8_t g[65536];
    garbage(g, sizeof g, 12345);
    config_error((const char *)g, sizeof g,
                 "hostile.yaml:1: YAML syntax: invalid leading UTF-8 octet (octet 0xAF)");
    /* a billion laughs by aliases */
    static const char laughs[] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                                 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                                 "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
    config_error(laughs, strlen(laughs), "hostile.yaml:1: YAML anchors (&name) are not supported");
    /* 100000 nested sequences */
    static char deep[200001];
    memset(deep, '[', 100000);
    memset(deep + 100000, ']', 100000);
    config_error(deep, 200000, "hostile.yaml:1: nesting deeper than 16 levels");
    /* one scalar of 8 MiB */
    size_t big = 8u << 20;
    char *s = malloc(big);
    cr_assert_not_null(s);
    memcpy(s, "name: ", 6);
    memset(s + 6, 'x', big - 6);
    config_error(s, big, "hostile.yaml:1: larger than 4 MiB");
    /* 1000000 nodes */
    size_t nk = 1000000, cap = nk * 2 + 32;
    char *keys = malloc(cap);
    cr_assert_not_null(keys);
    size_t len = (size_t)snprintf(keys, cap, "spacecraft: [");
    for (size_t i = 0; i < nk; i++) {
        keys[len++] = '1';
        keys[len++] = i + 1 < nk ? ',' : ']';
    }
    config_error(keys, len, "hostile.yaml:1: spacecraft: more than 16384 entries");
    free(keys);
    free(s);
}

static void csv_error(const char *text, size_t len, const char *want) {
    char err[512] = "";
    mon_sw_parse_status_t st;
    mon_sw_t *sw = mon_sw_parse(text, len, "hostile.csv", &st, err, sizeof err);
    cr_expect_null(sw, "accepted");
    mon_sw_destroy(&sw);
    cr_expect_str_eq(err, want, "got  %s\nwant %s", err, want);
}

#define SW_HEADER                                                                                  \
    "DATE,BSRN,ND,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8,KP_SUM,AP1,AP2,AP3,AP4,AP5,AP6,AP7,AP8,AP_AVG,"  \
    "CP,C9,ISN,F10.7_OBS,F10.7_ADJ,F10.7_DATA_TYPE,F10.7_OBS_CENTER81,F10.7_OBS_LAST81,"           \
    "F10.7_ADJ_CENTER81,F10.7_ADJ_LAST81\n"

Test(hostile, csv_garbage) {
    static uint8_t g[65536];
    garbage(g, sizeof g, 999);
    csv_error((const char *)g, sizeof g,
              "hostile.csv:1:1: not CelesTrak's space-weather CSV header (char column of the "
              "difference)");
    /* the header, then one line of 1000000 commas */
    size_t hl = strlen(SW_HEADER), n = hl + 1000000;
    char *t = malloc(n);
    cr_assert_not_null(t);
    memcpy(t, SW_HEADER, hl);
    memset(t + hl, ',', n - hl);
    csv_error(t, n, "hostile.csv:2:1025: line too long (over 1024 chars; char column)");
    /* the header, then 8 MiB without a line end */
    n = hl + (8u << 20);
    char *u = realloc(t, n);
    cr_assert_not_null(u);
    t = u;
    memset(t + hl, '7', n - hl);
    csv_error(t, n, "hostile.csv:2:1025: line too long (over 1024 chars; char column)");
    free(t);
    /* numbers out of every range */
    static const char bad[] = SW_HEADER
        "2024-05-10,2600,1,1e999,nan,inf,-0x10,33,37,40,43,240,4,5,6,7,8,9,10,11,7,1.0,5,118,"
        "200.0,199.0,OBS,180.0,170.0,179.0,169.0\n";
    csv_error(bad, strlen(bad),
              "hostile.csv:2:19: field 4 KP1: not an integer: \"1e999\" (char column)");
    static const char nan_row[] =
        SW_HEADER "2024-05-10,2600,1,33,37,40,43,33,37,40,43,240,4,5,6,7,8,9,10,11,7,1.0,5,118,"
                  "nan,199.0,OBS,180.0,170.0,179.0,169.0\n";
    csv_error(nan_row, strlen(nan_row),
              "hostile.csv:2:77: field 25 F10.7_OBS: not a decimal number: \"nan\" (char column)");
}

/* Channel files: binary garbage, a line longer than any key = value, a NUL inside a line. */
static void channel_error(const void *data, size_t len, const char *want) {
    write_file(data, len);
    dec_pipeline_opts_t o;
    dec_pipeline_opts_default(&o);
    char err[512] = "";
    int rc = dec_channel_load(g_path, &o, err, sizeof err);
    cr_expect_eq(rc, 2, "rc %d: %s", rc, err);
    char full[600];
    snprintf(full, sizeof full, "%s:%s", g_path, want);
    cr_expect_str_eq(err, full, "got  %s\nwant %s", err, full);
}

Test(hostile, channel_file_garbage) {
    static uint8_t g[4096];
    garbage(g, sizeof g, 4242);
    channel_error(g, sizeof g, "1: control octet 0x03: not a text file");
    static char longline[2048];
    memset(longline, ' ', sizeof longline);
    memcpy(longline, "framing = tm", 12);
    memcpy(longline + sizeof longline - 7, "x = 1\n", 6);
    channel_error(longline, sizeof longline - 1, "1: line longer than 510 octets");
    static const char nul[] = "framing = tm\nframe_length = 64\0garbage\n";
    channel_error(nul, sizeof nul - 1, "2: control octet 0x00: not a text file");
}

/* ---- input that never ends ---- */

/* Every loader given /dev/zero stops with an error, within its own size bound (one test each:
 * under ASan the freed buffers stay in quarantine and would add up). */
Test(hostile, endless_xtce) {
    char err[512] = "";
    dec_mdb_t *m = dec_mdb_load("/dev/zero", err, sizeof err);
    cr_expect_null(m);
    cr_expect_str_eq(err, "/dev/zero: larger than 67108864 octets");
}

Test(hostile, endless_config) {
    char err[512] = "";
    mon_config_t cfg;
    cr_expect_eq(mon_config_load("/dev/zero", &cfg, err, sizeof err), -1);
    cr_expect_str_eq(err, "/dev/zero: larger than 4 MiB");
    mon_config_free(&cfg);
}

Test(hostile, endless_scenario) {
    char err[512] = "";
    sim_scenario_t sc;
    cr_expect_eq(sim_scenario_load("/dev/zero", &sc, err, sizeof err), -1);
    cr_expect_str_eq(err, "/dev/zero: larger than 1 MiB");
}

Test(hostile, endless_space_weather) {
    char err[512] = "";
    mon_sw_t *sw = mon_sw_load("/dev/zero", err, sizeof err);
    cr_expect_null(sw);
    cr_expect_str_eq(err, "/dev/zero: file of 64 MiB or more");
}

Test(hostile, endless_channel_file) {
    char err[512] = "";
    dec_pipeline_opts_t o;
    dec_pipeline_opts_default(&o);
    cr_expect_eq(dec_channel_load("/dev/zero", &o, err, sizeof err), 2);
    cr_expect_str_eq(err, "/dev/zero:1: control octet 0x00: not a text file");
}

Test(hostile, endless_capture) {
    char err[512] = "";
    int code = 0;
    dec_capreader_t *r = dec_capreader_open("/dev/zero", NULL, err, sizeof err, &code);
    cr_expect_null(r);
    cr_expect_eq(code, 3);
    cr_expect_str_eq(err, "/dev/zero: not a pcap or pcapng file");
}
