/* mon/feed.h: the monitor's input side: two-frame ZeroMQ messages [topic, protobuf] of the
 * decoder (DESIGN section 4: tm/<sc>/<packet> Packet, tmb/<sc> PacketBatch) unpacked into an
 * arena that is reset per message, their parameters routed by role into mon/monitor.h.
 * Every message is accounted for: taken, or refused under a named reason. No I/O. */
#ifndef MON_FEED_H
#define MON_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "mon/monitor.h"

typedef struct mon_feed mon_feed_t;

typedef enum {
    MON_FEED_OK = 0,             /* a Packet or PacketBatch taken */
    MON_FEED_IGNORED_TOPIC,      /* a topic the monitor does not consume (stats/, alert/) */
    MON_FEED_UNKNOWN_TOPIC,      /* not a vleo topic at all */
    MON_FEED_BAD_PROTOBUF,       /* the body does not unpack as the topic's message */
    MON_FEED_TOO_BIG,            /* unpacking needs more than the arena */
    MON_FEED_UNKNOWN_SPACECRAFT, /* no such spacecraft in the configuration (per packet) */
    MON_FEED_NO_TIME,            /* neither generation nor reception time (per packet) */
    MON_FEED_BEFORE_SNAPSHOT,    /* resuming (mon/state.h): processed before the snapshot
                                    (per packet) */
    MON_FEED_STATUS_COUNT
} mon_feed_status_t;

typedef struct {
    uint64_t messages;                         /* offered: = ok + ignored + every refusal */
    uint64_t by_status[MON_FEED_STATUS_COUNT]; /* messages by outcome (per message) */
    uint64_t packets; /* packets taken (batches counted by their packets) */
    uint64_t packets_refused[MON_FEED_STATUS_COUNT]; /* per packet: spacecraft, time,
                                                        before the snapshot */
    uint64_t params_used;                            /* parameters that played a role */
    uint64_t params_other;                           /* parameters no role asks for */
    uint64_t sessions;                               /* publisher sessions seen */
    uint64_t messages_missing; /* gaps in a publisher's message_seq (lost on the bus) */
    uint64_t decoder_finals;   /* DecoderStats with final set (a decoder that finished) */
} mon_feed_stats_t;

/* arena_bytes: memory for one unpacked message (default 16 MiB when 0). */
mon_feed_t *mon_feed_new(mon_monitor_t *m, size_t arena_bytes);
void mon_feed_destroy(mon_feed_t **f_p);

/* Take one message. Returns its outcome (MON_FEED_OK also when some packets of a batch were
 * refused: see packets_refused). DecoderStats (stats/decoder/...) are not data for the checks
 * (MON_FEED_IGNORED_TOPIC) but carry the decoder's message numbering, shared with its
 * packets, so they are unpacked for it (and for decoder_finals). */
mon_feed_status_t mon_feed_message(mon_feed_t *f, const char *topic, size_t topic_len,
                                   const uint8_t *body, size_t len);

const mon_feed_stats_t *mon_feed_stats(const mon_feed_t *f);
const char *mon_feed_status_str(mon_feed_status_t st);

#endif
