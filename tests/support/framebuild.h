/* framebuild.h (tests only): TM (CCSDS 132.0-B-3) and AOS (732.0-B-4) transfer frames for the
 * decoder's tests, built by the sim's production framer (sim/framer.h, written from the Blue
 * Books independently of decoder/src/frame.c), plus what only tests want: zones given in
 * part, chosen first header pointers, the decoder configuration of a channel. */
#ifndef TEST_FRAMEBUILD_H
#define TEST_FRAMEBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dec/frame.h"
#include "sim/framer.h"

/* One virtual channel's frames: layout (managed parameters) and the next header values. */
typedef sim_frame_chan_t fb_chan_t;

/* A channel with kind k, frame length len, everything else zero. */
fb_chan_t fb_chan(dec_frame_kind_t k, uint32_t len);

/* The matching decoder configuration (ocf taken over for AOS). */
dec_frame_cfg_t fb_cfg(const fb_chan_t *f);

/* Octets of packet zone per frame of this channel (AOS VC 63: the whole data field). */
size_t fb_zone_len(const fb_chan_t *f);

/* Build one frame into out[0..cap) with the header values of *f (counters not advanced) and
 * the given FHP; the zone gets data[0..n) then 0xAA up to its end (n <= zone). Returns
 * frame_len, or 0 if it does not fit. */
size_t fb_frame(const fb_chan_t *f, uint16_t fhp, const uint8_t *data, size_t n, uint8_t *out,
                size_t cap);

/* Cut the packet stream pkts[0..len) (whole packets back to back, the first starting at 0)
 * into consecutive frames written to out (frame_len each), with the right FHPs; the last
 * frame is filled by an idle packet (spanning one more frame when fewer than 7 octets are
 * left). Counters advance per frame in *f (MC and VC mod 256 for TM, VC mod 2^24 for AOS).
 * Returns the number of frames, 0 if they do not fit cap or the stream is not whole
 * packets. */
size_t fb_pack(fb_chan_t *f, const uint8_t *pkts, size_t len, uint8_t *out, size_t cap);

#endif
