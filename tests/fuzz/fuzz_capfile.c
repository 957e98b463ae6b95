/* fuzz_capfile.c: libFuzzer target for the capture file parser (pcap, pcapng) feeding the
 * whole decode path (link walk, reassembly, packets), as a --pcap run does. */
#include <stdlib.h>

#include "dec/capfile.h"
#include "dec/pipeline.h"

static uint64_t touched;

static void sink(void *ctx, const dec_packet_t *pk) {
    (void)ctx;
    touched += pk->data[0] + pk->data[pk->len - 1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static dec_pipeline_t *p;
    if (p == NULL) {
        dec_pipeline_opts_t o;
        dec_pipeline_opts_default(&o);
        o.max_streams = 1;
        o.net.max_tcp_flows = 8;
        o.net.max_fragment_datagrams = 4;
        o.net.tcp_window = 65536;
        char err[128];
        p = dec_pipeline_new(&o, sink, NULL, err, sizeof err);
        if (p == NULL) {
            abort();
        }
    }
    dec_capfile_t c;
    dec_cap_init(&c);
    size_t off = 0;
    for (int guard = 0; guard < 100000; guard++) {
        dec_cap_record_t rec;
        size_t used, need;
        dec_cap_status_t st = dec_cap_next(&c, data + off, size - off, &rec, &used, &need);
        if (st == DEC_CAP_RECORD) {
            if (rec.data < data || rec.caplen > size || rec.data + rec.caplen > data + size) {
                abort(); /* the record must lie inside the input */
            }
            dec_pipeline_record(p, rec.linktype, rec.data, rec.caplen, rec.wirelen, rec.ts_ns);
        } else if (st != DEC_CAP_BLOCK) {
            if (st == DEC_CAP_NEED_MORE && need != 0 && need <= size - off) {
                abort(); /* it asked for octets it already had */
            }
            break;
        }
        if (used == 0 || used > size - off) {
            abort();
        }
        off += used;
    }
    dec_pipeline_flush(p);
    return 0;
}
