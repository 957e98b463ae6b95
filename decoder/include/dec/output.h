/* dec/output.h: decoded packets out as vleo.v1 protobuf on ZeroMQ (two frames
 * [topic, protobuf], DESIGN section 4), as JSON lines (section 6), and DecoderStats. */
#ifndef DEC_OUTPUT_H
#define DEC_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dec/pipeline.h"

#define DEC_OUT_MAX_NAME 64     /* spacecraft and source names, octets */
#define DEC_OUT_MAX_PARAMS 4096 /* parameter values encoded per packet (more are dropped) */

typedef struct {
    const char *spacecraft;  /* topic and Packet.spacecraft (1..64 octets, no '/') */
    const char *source_name; /* stats topic suffix and Source.name (1..64 octets) */
    const char *source_path; /* Source.name in each packet: file or endpoint (<= 1024) */
    void *zsock;             /* a bound XPUB socket with ZMQ_XPUB_NODROP set, or NULL */
    bool no_drop;            /* block at the high-water mark instead of dropping */
    uint32_t batch;          /* 0: one message per packet; N: PacketBatch of up to N */
    bool raw;                /* put the packet octets in Packet.raw */
    FILE *json;              /* one JSON line per packet here, or NULL */
    volatile int *stop;      /* when set and a blocking send is interrupted, give up */
    const dec_mdb_t *mdb;    /* names packets and parameters, or NULL */
    bool json_raw;           /* JSON params carry raw values instead of engineering ones */
} dec_out_opts_t;

typedef struct {
    uint64_t published;   /* packets sent (in messages or batches) */
    uint64_t messages;    /* ZeroMQ messages sent (packets, batches, stats) */
    uint64_t dropped;     /* packets dropped at the high-water mark (live mode) */
    uint64_t send_errors; /* packets lost to other send errors */
    uint64_t json_lines;
    uint64_t json_errors; /* lines that did not fit or could not be written */
    uint64_t too_large;   /* packets whose message exceeded VLEO_MAX_MSG_SIZE (not sent) */
} dec_out_stats_t;

typedef struct dec_out dec_out_t;

/* Create the output stage; every buffer is allocated here. NULL with err on failure. */
dec_out_t *dec_out_new(const dec_out_opts_t *o, char *err, size_t errlen);
void dec_out_destroy(dec_out_t **out_p);

/* dec_packet_fn: publish one packet (ctx is the dec_out_t). */
void dec_out_packet(void *ctx, const dec_packet_t *pk);

/* Encode pk as a vleo.v1.Packet into buf[0..cap), as dec_out_packet publishes it: with
 * session_id and message_seq when msg_seq != 0 (one message per packet), without them when
 * 0 (inside a batch). Returns the length, or 0 if it does not fit. */
size_t dec_out_encode(dec_out_t *out, const dec_packet_t *pk, uint64_t msg_seq, uint8_t *buf,
                      size_t cap);

/* Send a partly filled batch now (at the end, and periodically in live mode). */
void dec_out_flush(dec_out_t *out);

#define DEC_OUT_MAX_COUNTERS 128

/* Every counter of the decode path by name (pipeline, network layer when ns != NULL, this
 * output stage) into names/vals (cap entries). *rejected gets the sum of reject reasons.
 * Returns the number written. Names are static strings. */
size_t dec_out_counters(const dec_out_t *out, const dec_stats_t *ps, const dec_net_stats_t *ns,
                        const char **names, uint64_t *vals, size_t cap, uint64_t *rejected);

/* Publish DecoderStats on stats/decoder/<source_name>; final marks the last report. */
void dec_out_stats(dec_out_t *out, const dec_stats_t *ps, const dec_net_stats_t *ns,
                   const uint64_t *extra_vals, const char *const *extra_names, size_t n_extra,
                   bool final, int64_t now_utc_ns);

const dec_out_stats_t *dec_out_get_stats(const dec_out_t *out);
uint64_t dec_out_session(const dec_out_t *out);

#endif
