/* dec/pipeline.h: the decode path from capture records, datagrams or byte streams to space
 * packets with sequence tracking and time (CCSDS 133.0-B-2, 301.0-B-4). No I/O: the caller
 * feeds bytes in and receives packets through a callback. */
#ifndef DEC_PIPELINE_H
#define DEC_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dec/cadu.h"
#include "dec/frame.h"
#include "dec/mdb.h"
#include "dec/net.h"
#include "dec/spp.h"
#include "dec/timecode.h"
#include "vleo/timescale.h"

/* Why octets given to the packet layer did not become a packet. */
typedef enum {
    DEC_REJ_TRUNCATED_HEADER = 0,   /* datagram ends with fewer than 6 octets after its packets */
    DEC_REJ_LENGTH_BEYOND_DATAGRAM, /* declared packet length exceeds the datagram's rest */
    DEC_REJ_BAD_VERSION,      /* version not 000: rest of datagram, or stream octets skipped */
    DEC_REJ_STREAM_TRUNCATED, /* stream ended or lost bytes inside a packet */
    DEC_REJ_COUNT
} dec_reject_t;

/* One decoded packet, valid only during the callback. */
typedef struct {
    dec_spp_hdr_t hdr;
    const uint8_t *data; /* the whole packet, primary header included */
    size_t len;          /* == hdr.total_len */
    int64_t rx_utc_ns;   /* capture or socket time */
    bool time_valid;     /* generation time decoded from the packet */
    int64_t gen_tai_ns;  /* TAI ns since 1958, when time_valid */
    int64_t gen_utc_ns;  /* UTC Unix ns, when time_valid */
    uint32_t seq_gap;    /* packets missing just before this one (same APID) */
    bool duplicate;
    bool reordered;
    uint64_t record; /* capture record / datagram / stream read number, from 1 */
    uint64_t offset; /* octet offset in the datagram, or in the stream */
    bool framed;     /* cut from transfer frames: the fields below are set */
    uint16_t scid;   /* spacecraft id of the frame the packet ended in */
    uint8_t vcid;
    uint32_t vc_count;        /* its virtual channel frame count */
    uint8_t frame_check;      /* 0 none, 1 ok (FECF checked or RS clean), 2 RS corrected */
    uint32_t rs_corrected;    /* octets Reed-Solomon corrected in that frame */
    int32_t container;        /* mission database container naming the packet, or -1 */
    const dec_pval_t *params; /* its decoded parameters (none without a database) */
    size_t n_params;
} dec_packet_t;

typedef void (*dec_packet_fn)(void *ctx, const dec_packet_t *pkt);

/* What the datagrams and streams carry. */
typedef enum {
    DEC_FRAMING_SPP = 0, /* space packets back to back */
    DEC_FRAMING_TM,      /* TM transfer frames: one per datagram, or back to back in streams */
    DEC_FRAMING_AOS,     /* AOS transfer frames, likewise */
    DEC_FRAMING_CADU     /* CADU streams (ASM + codeblock) of TM or AOS frames */
} dec_framing_t;

typedef struct {
    dec_tc_format_t time_code; /* kind DEC_TC_NONE: reception time only */
    dec_framing_t framing;
    dec_frame_cfg_t frame; /* framing TM, AOS, CADU: the frames (kind TM or AOS) */
    dec_cadu_cfg_t cadu;   /* framing CADU: channel coding */
    vleo_epoch_t epoch;    /* for implicit and agency-epoch time codes */
    bool deliver_idle;     /* hand idle packets (APID 0x7FF) to the callback too */
    const dec_mdb_t *mdb;  /* mission database to name and decode packets, or NULL */
    uint32_t max_params;   /* parameter values held per packet (default 4096) */
    int64_t time_param;    /* database parameter (AbsoluteTime) giving the packet time
                              instead of time_code, or -1 */
    uint32_t max_streams;  /* byte streams held at once (TCP flows, sockets, files) */
    dec_net_limits_t net;
} dec_pipeline_opts_t;

/* Counters of the packet layer. Invariant, after dec_pipeline_flush():
 * bytes == packet_bytes + sum(rejected_bytes). Before it, held_bytes are still pending. */
typedef struct {
    uint64_t records;         /* capture records fed (dec_pipeline_record) */
    uint64_t datagrams;       /* datagrams given to the packet layer (UDP, sockets) */
    uint64_t datagrams_clean; /* ... of which every octet became a packet */
    uint64_t stream_reads;    /* byte-stream chunks given to the packet layer */
    uint64_t bytes;           /* octets given to the packet layer */
    uint64_t packet_bytes;    /* octets in decoded packets */
    uint64_t held_bytes;      /* octets waiting in stream buffers for the rest of a packet */
    uint64_t packets;         /* decoded packets, idle included */
    uint64_t idle;            /* idle packets (APID 0x7FF) */
    uint64_t telecommands;    /* packets with the type bit set */
    uint64_t rejected[DEC_REJ_COUNT];       /* reject events */
    uint64_t rejected_bytes[DEC_REJ_COUNT]; /* octets lost to each reason */
    uint64_t seq_gaps;                      /* gaps seen */
    uint64_t seq_missing;                   /* packets missing in those gaps */
    uint64_t seq_duplicates;
    uint64_t seq_reordered;
    uint64_t time_ok;
    uint64_t time_no_sec_header; /* time code configured but the packet has no secondary hdr */
    uint64_t time_bad[DEC_TC_STATUS_COUNT]; /* by time code status (packet still decoded) */
    uint64_t stream_resets;                 /* streams restarted (new TCP connection, flow start) */
    uint64_t mdb_named;                     /* packets a database container named */
    uint64_t mdb[DEC_MDB_STATUS_COUNT];     /* by dec_mdb_decode status (packet delivered) */
    uint64_t param_values;                  /* parameter values decoded */
    uint64_t time_param_missing;            /* --time-param absent or invalid in a packet */
    uint64_t frames;                        /* transfer frames given to the frame layer */
    uint64_t frame_status[DEC_FRAME_STATUS_COUNT]; /* by dec_frame_parse status */
    uint64_t frame_bytes_held;                     /* stream octets waiting for a whole frame */
    uint64_t frame_bytes_truncated; /* stream octets of a frame cut by the stream end */
} dec_stats_t;

typedef struct dec_pipeline dec_pipeline_t;

/* Defaults: no time code, epoch 1958 TAI, idle not delivered, 64 streams, net defaults. */
void dec_pipeline_opts_default(dec_pipeline_opts_t *o);

/* Create a pipeline calling fn(ctx, packet) for each packet. All memory is allocated here.
 * Returns NULL with a message in err on failure. */
dec_pipeline_t *dec_pipeline_new(const dec_pipeline_opts_t *o, dec_packet_fn fn, void *ctx,
                                 char *err, size_t errlen);
void dec_pipeline_destroy(dec_pipeline_t **p_p);

/* A capture record of link type `linktype` (pcap DLT): link layer, IP, UDP/TCP, packets. */
void dec_pipeline_record(dec_pipeline_t *p, int linktype, const uint8_t *buf, size_t caplen,
                         size_t wirelen, int64_t ts_utc_ns);

/* One datagram holding whole packets back to back (a UDP socket read). */
void dec_pipeline_datagram(dec_pipeline_t *p, const uint8_t *buf, size_t len, int64_t rx_utc_ns);

/* The next bytes of byte stream `stream` (0..max_streams-1; TCP socket, file, stdin): packets
 * may cross chunk boundaries. */
void dec_pipeline_stream(dec_pipeline_t *p, uint32_t stream, const uint8_t *buf, size_t len,
                         int64_t rx_utc_ns);

/* Stream `stream` ended or lost bytes: a partial packet held for it is rejected (counted as
 * stream_truncated) and the stream starts afresh. */
void dec_pipeline_stream_end(dec_pipeline_t *p, uint32_t stream);

/* End of input: flush the network layer (fragments, TCP holes) and every stream. */
void dec_pipeline_flush(dec_pipeline_t *p);

const dec_stats_t *dec_pipeline_stats(const dec_pipeline_t *p);
const dec_net_stats_t *dec_pipeline_net_stats(const dec_pipeline_t *p);
/* Frame layer counters: NULL unless framing is TM, AOS or CADU (CADU stats: CADU only,
 * summed over every stream). */
const dec_vcr_stats_t *dec_pipeline_vcr_stats(const dec_pipeline_t *p);
void dec_pipeline_cadu_stats(const dec_pipeline_t *p, dec_cadu_stats_t *out);

/* Every frame-layer counter by name (frames by status, reassembly, CADU) into names/vals;
 * returns the number written (0 for space-packet framing). Names are static strings. */
size_t dec_pipeline_frame_counters(const dec_pipeline_t *p, const char **names, uint64_t *vals,
                                   size_t cap);

/* Static snake_case name of a reject reason, e.g. "length_beyond_datagram". */
const char *dec_reject_str(dec_reject_t r);

#endif
