/* fuzz_link.c: fuzz target for the capture record walk with fragment and TCP reassembly
 * (dec/net.h). Input: one octet choosing the link type, then records, each as a 2-octet
 * big-endian header (bit 15: the capture cut the record; bits 14..0: length) and its octets. */
#include <stddef.h>
#include <stdint.h>

#include "dec/net.h"

static const int link_types[] = {1, 113, 276, 12, 228, 229, 0, 108, 101, 14, 147};

static volatile uint32_t sink_sum;

static void touch(void *ctx, const dec_net_chunk_t *c) {
    (void)ctx;
    uint32_t s = c->flags + c->flow + c->sport + c->dport + (uint32_t)c->gap_bytes;
    for (size_t i = 0; i < c->len; i++) {
        s += c->data[i];
    }
    sink_sum += s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static dec_net_t *net;
    if (size < 1) {
        return 0;
    }
    /* small limits so tables fill, windows overflow and fragments expire */
    dec_net_limits_t lim;
    dec_net_limits_default(&lim);
    lim.max_fragment_datagrams = 4;
    lim.fragment_timeout_ns = 5000000000LL;
    lim.max_tcp_flows = 4;
    lim.tcp_window = 4096;
    net = dec_net_new(&lim, NULL, 0);
    if (net == NULL) {
        return 0;
    }
    int lt = link_types[data[0] % (sizeof link_types / sizeof link_types[0])];
    size_t off = 1;
    int64_t ts = 0;
    while (size - off >= 2) {
        uint16_t h = (uint16_t)((uint16_t)data[off] << 8 | data[off + 1]);
        off += 2;
        size_t len = h & 0x7FFFu;
        if (len > size - off) {
            len = size - off;
        }
        size_t wire = (h & 0x8000u) ? len + 100 : len;
        dec_net_input(net, lt, data + off, len, wire, ts, touch, NULL);
        off += len;
        ts += 1000000000LL;
    }
    dec_net_flush(net, touch, NULL);
    const dec_net_stats_t *st = dec_net_stats(net);
    uint64_t sum = 0;
    for (int i = 0; i < DEC_NET_STATUS_COUNT; i++) {
        sum += st->by_status[i];
    }
    if (sum != st->records) {
        __builtin_trap(); /* every record counted exactly once */
    }
    dec_net_destroy(&net);
    return 0;
}
