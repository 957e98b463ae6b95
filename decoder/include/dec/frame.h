/* dec/frame.h: TM (CCSDS 132.0-B-3 section 4.1) and AOS (CCSDS 732.0-B-4 section 4.1) transfer
 * frame parser, and virtual-channel packet reassembly by first header pointer. */
#ifndef DEC_FRAME_H
#define DEC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEC_FRAME_MAX_LEN 2048u       /* largest fixed frame length accepted by the config check */
#define DEC_FRAME_FHP_NO_START 0x7FFu /* no packet header starts in this frame */
#define DEC_FRAME_FHP_IDLE 0x7FEu     /* the data field holds idle data only */
#define DEC_FRAME_AOS_IDLE_VC 63u     /* AOS virtual channel of idle frames */
#define DEC_VCR_CHANNELS 64u          /* (SCID, VCID) pairs tracked at once, LRU evicted */

typedef enum { DEC_FRAME_TM = 0, DEC_FRAME_AOS } dec_frame_kind_t;

/* Managed parameters of one physical channel (they are not in the frames themselves). */
typedef struct {
    dec_frame_kind_t kind;
    uint32_t frame_len;      /* fixed frame length, octets (managed parameter) */
    bool fecf;               /* 2-octet CRC-16 FECF at the end, checked */
    bool ocf;                /* AOS only: 4-octet OCF present (TM: taken from the header flag) */
    bool fhec;               /* AOS only: 2-octet frame header error control after the header
                                (skipped, not corrected) */
    uint32_t insert_zone;    /* AOS only: insert zone octets */
    uint32_t max_packet_len; /* packets declaring more are rejected (default 65542) */
} dec_frame_cfg_t;

/* Fill *c with the defaults for kind k: frame_len 1115, no FECF, no OCF, no FHEC, no insert
 * zone, max_packet_len 65542. */
void dec_frame_cfg_default(dec_frame_cfg_t *c, dec_frame_kind_t k);

/* Check a configuration: frame_len at most DEC_FRAME_MAX_LEN and large enough for the headers,
 * trailers and at least one data octet (TM: counted without a secondary header and with an
 * OCF, the largest frame-independent overhead), max_packet_len in 7..65542. Returns 0, or -1
 * with a message in err[0..errlen) (err may be NULL). */
int dec_frame_cfg_check(const dec_frame_cfg_t *c, char *err, size_t errlen);

/* One parsed frame. Every header field, host order; pointers point into the parsed buffer. */
typedef struct {
    uint8_t version;
    uint16_t scid;
    uint8_t vcid;
    bool ocf_flag;      /* TM: header flag; AOS: cfg->ocf */
    uint8_t mc_count;   /* TM only (AOS: 0) */
    uint32_t vc_count;  /* TM 8 bits, AOS 24 bits */
    bool sec_hdr;       /* TM data field status (AOS: false) */
    bool sync;          /* TM: 1 = data field is not packets (VCA_SDU); AOS: false */
    bool order;         /* TM */
    uint8_t seg_len_id; /* TM */
    uint16_t fhp;       /* TM: from the data field status; AOS: from the M_PDU header (VC 63,
                           which has no M_PDU header: DEC_FRAME_FHP_IDLE) */
    bool replay;        /* AOS signalling field */
    bool vc_count_usage;
    uint8_t vc_count_cycle;
    const uint8_t *data; /* packet zone: after headers/secondary header/insert zone/M_PDU
                            header, before OCF/FECF (AOS VC 63: the whole data field) */
    size_t data_len;
    bool has_ocf; /* an OCF is present; ocf holds it */
    uint32_t ocf;
    bool has_clcw; /* the OCF is a CLCW (its type bit 0 is 0); clcw holds it */
    uint32_t clcw;
    bool fecf_checked;
    bool fecf_ok;
    bool idle; /* AOS VC 63, or TM/AOS FHP 0x7FE */
} dec_frame_t;

typedef enum {
    DEC_FRAME_OK = 0,
    DEC_FRAME_WRONG_LENGTH, /* len differs from cfg->frame_len */
    DEC_FRAME_BAD_VERSION,  /* transfer frame version not 00 (TM) or 01 (AOS) */
    DEC_FRAME_BAD_CRC,      /* FECF configured and wrong */
    DEC_FRAME_BAD_HEADER,   /* e.g. TM secondary header longer than the frame, or the
                               configured overhead leaves no data octet */
    DEC_FRAME_STATUS_COUNT
} dec_frame_status_t;

/* Parse one frame buf[0..len) under cfg. Checks, in order: length (len == cfg->frame_len),
 * FECF when configured (a corrupted frame is BAD_CRC whatever else it holds), version, then
 * the header layout. On OK every field of *out is set and out->data points into buf (valid
 * as long as buf). On BAD_CRC, BAD_VERSION and BAD_HEADER the primary header fields are set
 * (for statistics) but data is NULL and data_len 0; on WRONG_LENGTH *out is zeroed. Reads
 * nothing outside buf[0..len); no allocation. */
dec_frame_status_t dec_frame_parse(const dec_frame_cfg_t *cfg, const uint8_t *buf, size_t len,
                                   dec_frame_t *out);

/* Static name of a status, e.g. "bad_crc". */
const char *dec_frame_status_str(dec_frame_status_t st);

/* CRC-16-CCITT over buf[0..len): polynomial 0x1021, initial 0xFFFF, no reflection, no final
 * XOR ("123456789" gives 0x29B1). */
uint16_t dec_crc16_ccitt(const uint8_t *buf, size_t len);

/* CLCW fields (CCSDS 232.0-B-4 section 4.2), from the 32-bit OCF word. */
typedef struct {
    uint8_t type;    /* bit 0: 0 for a CLCW */
    uint8_t version; /* bits 1-2 */
    uint8_t status;  /* bits 3-5 */
    uint8_t cop;     /* bits 6-7: COP in effect */
    uint8_t vcid;    /* bits 8-13 */
    bool no_rf;      /* bit 16 */
    bool no_bitlock; /* bit 17 */
    bool lockout;    /* bit 18 */
    bool wait;       /* bit 19 */
    bool retransmit; /* bit 20 */
    uint8_t farm_b;  /* bits 21-22: FARM-B counter */
    uint8_t report;  /* bits 24-31: report value, N(R) */
} dec_clcw_t;

/* Decode the fields of a CLCW word. Pure. */
void dec_clcw_decode(uint32_t word, dec_clcw_t *out);

/* Virtual channel reassembly (first header pointer), state per (SCID, VCID), fixed tables
 * allocated at creation (DEC_VCR_CHANNELS partial buffers of max_packet_len octets). */
typedef struct dec_vcr dec_vcr_t;

/* Counters. Octet accounting, always true between calls:
 *   data_bytes = packet_bytes + idle_bytes + spill_bytes + partial_discarded_bytes + held_bytes
 * partial_discarded counts partial packets thrown away; the reason is one of: a VC count gap
 * (vc_gaps), a first header pointer disagreeing with the packet lengths (fhp_mismatch), an
 * FHP beyond the zone (bad_fhp), eviction from the channel table (evictions), dec_vcr_reset
 * (resets). vc_gaps, fhp_mismatch, bad_fhp and evictions count events, with or without a
 * partial packet at the time; resets counts partials only. A packet whose header is rejected
 * bumps too_long or bad_packet_version instead (its octets go to partial_discarded_bytes).
 * A master channel (TM) gap is counted only: the VC count decides whether a VC lost frames. */
typedef struct {
    uint64_t frames;            /* frames handed in */
    uint64_t idle_frames;       /* AOS VC 63 or FHP 0x7FE */
    uint64_t vca_frames;        /* TM sync flag 1: not packets, data not reassembled nor counted */
    uint64_t mc_gaps;           /* TM master channel count discontinuities (per SCID) */
    uint64_t mc_missing;        /* frames missing by the MC count, modulo 256 */
    uint64_t vc_gaps;           /* VC frame count discontinuities (per SCID, VCID) */
    uint64_t vc_missing;        /* frames missing by the VC count (modulo 256 TM, 2^24 AOS) */
    uint64_t packets;           /* packets delivered */
    uint64_t packet_bytes;      /* octets of delivered packets */
    uint64_t partial_discarded; /* partial packets discarded */
    uint64_t partial_discarded_bytes; /* octets lost: discarded partials, octets skipped until
                                         the next packet start, data of bad-FHP frames */
    uint64_t too_long;                /* packets declaring more than max_packet_len */
    uint64_t bad_packet_version;      /* packet headers with a version other than 000 */
    uint64_t bad_fhp;                 /* FHP beyond the data zone (not 0x7FE/0x7FF) */
    uint64_t fhp_mismatch;    /* a partial packet did not end where the next FHP says (or the
                                 packet zone of a 0x7FF frame held a packet end) */
    uint64_t no_start_frames; /* FHP 0x7FF */
    uint64_t spill_bytes;     /* data before the first header in a VC never synced */
    uint64_t evictions;       /* channels evicted from the table (LRU) */
    uint64_t resets;          /* partials discarded by dec_vcr_reset */
    uint64_t data_bytes;      /* packet-zone octets of frames handed in (not VCA frames) */
    uint64_t idle_bytes;      /* data octets of idle frames */
    uint64_t held_bytes;      /* octets in partial packets now */
} dec_vcr_stats_t;

/* Called once per whole packet: pkt[0..len) is the packet (len == its declared length, idle
 * packets included), valid only during the call; last_frame is the frame holding its last
 * octet. */
typedef void (*dec_vcr_packet_fn)(void *ctx, const uint8_t *pkt, size_t len,
                                  const dec_frame_t *last_frame);

/* Create a reassembler for frames parsed under *cfg (copied; must pass dec_frame_cfg_check).
 * Allocates everything it will ever use. Returns NULL with a message in err on failure. */
dec_vcr_t *dec_vcr_new(const dec_frame_cfg_t *cfg, char *err, size_t errlen);

/* Free *v and set *v to NULL. Accepts NULL and *v == NULL. */
void dec_vcr_destroy(dec_vcr_t **v);

/* Feed one frame fr (from dec_frame_parse == DEC_FRAME_OK under the same cfg, in reception
 * order). Calls fn for each packet completed by this frame, in order. No allocation. */
void dec_vcr_frame(dec_vcr_t *v, const dec_frame_t *fr, dec_vcr_packet_fn fn, void *ctx);

/* Drop every partial packet (each counted in partial_discarded and resets) and forget frame
 * counters, e.g. after a loss of sync upstream. Octets before the next packet start of each
 * channel then count as partial_discarded_bytes. */
void dec_vcr_reset(dec_vcr_t *v);

/* Current counters; the pointer stays valid until dec_vcr_destroy. */
const dec_vcr_stats_t *dec_vcr_stats(const dec_vcr_t *v);

#endif
