/* sim/framer.h: the sim's packets in TM (CCSDS 132.0-B-3 section 4.1) or AOS (732.0-B-4
 * section 4.1) transfer frames of one virtual channel, and those frames as CADUs (131.0-B-4:
 * attached sync marker, Reed-Solomon (255,223) check symbols, pseudo-randomiser). Written
 * from the Blue Books independently of the decoder (own layout code, CRC and randomiser), so
 * the decoder's tests keep an independent reference. */
#ifndef SIM_FRAMER_H
#define SIM_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_FRAME_FHP_NO_START 0x7FFu /* no packet header starts in the frame */
#define SIM_FRAME_AOS_IDLE_VC 63u     /* AOS idle virtual channel: no M_PDU header */
#define SIM_FRAME_MAX_LEN 2048u       /* TM and AOS frames are at most 2048 octets */
#define SIM_CADU_ASM_LEN 4u
#define SIM_CADU_RS_PARITY 32u /* check symbols per RS(255,223) codeword */
#define SIM_CADU_RS_DATA 223u  /* data octets of a full-length codeword */
#define SIM_PKT_MIN_LEN 7u     /* the shortest space packet: header and one octet */

typedef enum { SIM_FRAME_TM = 0, SIM_FRAME_AOS } sim_frame_kind_t;

/* One virtual channel's frames: the layout (managed parameters) and the header values of the
 * next frame. */
typedef struct {
    sim_frame_kind_t kind;
    uint32_t frame_len;   /* fixed frame length in octets */
    bool fecf;            /* 2-octet CRC-16-CCITT frame error control field at the end */
    bool ocf;             /* TM: header flag set and OCF present; AOS: OCF present */
    bool fhec;            /* AOS: 2 octets after the primary header (written as zero) */
    uint32_t insert_zone; /* AOS: insert zone octets (filled with 0xC3) */
    uint32_t tm_sec_hdr;  /* TM: secondary header total octets, 0 (none) or 2..64 */
    uint16_t scid;        /* TM 10 bits, AOS 8 bits */
    uint8_t vcid;         /* TM 3 bits, AOS 6 bits */
    uint8_t mc_count;     /* TM: next master channel frame count */
    uint32_t vc_count;    /* next virtual channel frame count (TM 8 bits, AOS 24 bits) */
    uint32_t ocf_word;    /* the OCF's 32 bits (e.g. a CLCW) */
} sim_frame_chan_t;

/* A channel of kind k and frame length len with everything else zero (no FECF, no OCF, SCID
 * and VCID 0, counters at 0). */
sim_frame_chan_t sim_frame_chan(sim_frame_kind_t k, uint32_t len);

/* Offset and length of the packet zone of c's frames: after the primary header, TM
 * secondary header or AOS FHEC, insert zone and M_PDU header; before OCF and FECF (AOS VC
 * 63: the whole data field). Returns the zone length, 0 when the frame has no room. */
size_t sim_frame_zone(const sim_frame_chan_t *c, size_t *zone_off);

/* Build one frame into out[0..cap) with the header values of *c (counters not advanced),
 * first header pointer fhp (TM 11 bits; AOS: the M_PDU header's) and packet zone
 * zone[0..zone_len) (zone_len == the zone length). OCF and FECF written as configured.
 * Returns frame_len, or 0 when cap is short or zone_len is not the zone length. */
size_t sim_frame_build(const sim_frame_chan_t *c, uint16_t fhp, const uint8_t *zone,
                       size_t zone_len, uint8_t *out, size_t cap);

/* Advance c's counters by one frame: TM MC and VC modulo 256, AOS VC modulo 2^24. */
void sim_frame_next(sim_frame_chan_t *c);

/* CRC-16-CCITT over p[0..n): polynomial 0x1021, register preset to all ones, no reflection,
 * no final XOR ("123456789" gives 0x29B1). */
uint16_t sim_crc16_ccitt(const uint8_t *p, size_t n);

/* CADU length for frames of frame_len octets at RS interleave il (0 = no Reed-Solomon). */
size_t sim_cadu_len(size_t frame_len, unsigned il);

/* Build one CADU from frame[0..frame_len) into out[0..cap): ASM 1A CF FC 1D, then the
 * codeblock: the frame and, for il > 0, 32 * il check symbols (octet k of the codeblock in
 * codeword k mod il; each codeword shortened by 223 - frame_len / il virtual leading zeros;
 * libfec's dual-basis encoder), randomised when `randomize`. Returns the CADU length, or 0
 * if it does not fit cap or frame_len is not valid for il (il in 0..5 or 8, frame_len a
 * multiple of il and at most 223 * il). */
size_t sim_cadu_build(const uint8_t *frame, size_t frame_len, unsigned il, bool randomize,
                      uint8_t *out, size_t cap);

/* XOR buf[0..len) with the CCSDS pseudo-random sequence (h(x) = x^8 + x^7 + x^5 + x^3 + 1,
 * all ones at buf[0]: FF 48 0E C0 ...). Applying it twice restores buf. */
void sim_randomize(uint8_t *buf, size_t len);

/* ---- the streaming framer ---- */

/* What a framer makes: the channel (its counters are the first frame's), and with `cadu`
 * the channel coding. */
typedef struct {
    sim_frame_chan_t chan;
    bool cadu;              /* hand out CADUs instead of bare frames */
    uint32_t rs_interleave; /* CADU: 0 (none), 1..5 or 8 */
    bool randomize;         /* CADU: apply the pseudo-randomiser */
} sim_framer_cfg_t;

/* Called with each finished unit (a frame, or a CADU), valid only during the call. A
 * nonzero return is an error the framer passes back to its caller. */
typedef int (*sim_frame_sink_fn)(void *ctx, const uint8_t *unit, size_t len);

typedef struct sim_framer sim_framer_t;

/* Check a framer configuration: frame length at most SIM_FRAME_MAX_LEN with a zone of at
 * least one octet, SCID and VCID in range for the kind (no packets on the AOS idle VC 63), TM
 * secondary header 0 or 2..64, RS interleave 0..5 or 8 with the frame length a multiple of
 * it and at most 223 x it. Returns 0, or -1 with a reason in err[0..errlen). */
int sim_framer_cfg_check(const sim_framer_cfg_t *cfg, char *err, size_t errlen);

/* Check cfg (sim_framer_cfg_check) and allocate the frame and CADU buffers once. Returns
 * NULL with a reason in err[0..errlen) on a bad configuration or out of memory. */
sim_framer_t *sim_framer_new(const sim_framer_cfg_t *cfg, sim_frame_sink_fn sink, void *ctx,
                             char *err, size_t errlen);

/* Free *f and set it to NULL (NULL and *f == NULL accepted). Octets still pending are
 * dropped: call sim_framer_flush first. */
void sim_framer_destroy(sim_framer_t **f);

/* Append the whole space packet pkt[0..len) (len == 7 + its packet data length field) to
 * the channel's packet stream; every frame it fills goes to the sink at once. Nothing is
 * allocated. Returns 0; -1 when the packet is malformed (len < 7, > 65542 or not its
 * declared length; nothing appended); or the sink's nonzero value (the frame counts as
 * sent). */
int sim_framer_packet(sim_framer_t *f, const uint8_t *pkt, size_t len);

/* Complete the open frame, if any octet is in it, with an idle packet (APID 0x7FF, data
 * zero; when fewer than 7 octets are left it runs on through the next frame) and send it.
 * Returns 0 (nothing to do included) or the sink's nonzero value. */
int sim_framer_flush(sim_framer_t *f);

/* Octets waiting in the open frame's packet zone (0: no frame started). */
size_t sim_framer_pending(const sim_framer_t *f);

/* The channel with the header values of the next frame. */
const sim_frame_chan_t *sim_framer_chan(const sim_framer_t *f);

/* Units handed to the sink, and idle packets written, since creation. */
uint64_t sim_framer_units(const sim_framer_t *f);
uint64_t sim_framer_idle_packets(const sim_framer_t *f);

#endif
