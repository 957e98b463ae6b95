/* dec/channel.h: a link's frame and channel-coding settings by name: the keys of a channel
 * file (--channel FILE: "key = value" lines, '#' comments) and the checks every program
 * makes before it reads a byte. */
#ifndef DEC_CHANNEL_H
#define DEC_CHANNEL_H

#include <stddef.h>

#include "dec/pipeline.h"

typedef enum {
    DEC_CH_OK = 0,
    DEC_CH_UNKNOWN_KEY, /* not one of the keys below */
    DEC_CH_BAD_VALUE    /* wrong type or out of range */
} dec_ch_status_t;

/* Set one setting. Keys: framing (spp|tm|aos|cadu), frame_type (tm|aos), frame_length,
 * rs_interleave, derandomize, fecf, ocf, fhec (booleans: true/false, yes/no, 1/0),
 * insert_zone, max_packet_length, asm_bit_errors, flywheel. */
dec_ch_status_t dec_channel_set(dec_pipeline_opts_t *po, const char *key, const char *value);

/* The comma-separated list of keys, for messages. */
const char *dec_channel_keys(void);

/* Read a channel file into po. Returns 0; VLEO_EXIT_INPUT (3) when it cannot be read; or
 * VLEO_EXIT_USAGE (2) with "PATH:LINE: KEY: unknown key|bad value|expected key = value" in
 * err. */
int dec_channel_load(const char *path, dec_pipeline_opts_t *po, char *err, size_t errlen);

/* Check the frame and channel-coding settings of a framed pipeline (none for spp). Returns
 * 0, or -1 with "frame settings: ..." or "channel coding settings: ..." in err. */
int dec_channel_check(const dec_pipeline_opts_t *po, char *err, size_t errlen);

#endif
