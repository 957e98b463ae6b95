/* dec/spp.h: CCSDS Space Packet primary header parser (CCSDS 133.0-B-2 section 4.1.3). */
#ifndef DEC_SPP_H
#define DEC_SPP_H

#include <stddef.h>
#include <stdint.h>

#define DEC_SPP_HDR_LEN 6u
#define DEC_SPP_MIN_LEN 7u     /* header + one data octet */
#define DEC_SPP_MAX_LEN 65542u /* header + 65536 data octets */
#define DEC_SPP_APID_IDLE 0x7FFu
#define DEC_SPP_SEQ_MOD 16384u

/* Outcome of parsing one packet at the start of a buffer. */
typedef enum {
    DEC_SPP_OK = 0,      /* a whole packet is present */
    DEC_SPP_NEED_MORE,   /* fewer octets than the header or the declared length */
    DEC_SPP_BAD_VERSION, /* packet version number is not 000 */
    DEC_SPP_STATUS_COUNT
} dec_spp_status_t;

/* Every primary header field, host order. */
typedef struct {
    uint8_t version;      /* bits 0-2 */
    uint8_t type;         /* bit 3: 0 telemetry, 1 telecommand */
    uint8_t sec_hdr;      /* bit 4 */
    uint16_t apid;        /* bits 5-15 */
    uint8_t seq_flags;    /* bits 16-17 */
    uint16_t seq_count;   /* bits 18-31 */
    uint16_t data_length; /* bits 32-47: data field octets - 1 */
    uint32_t total_len;   /* 7 + data_length: the whole packet */
} dec_spp_hdr_t;

/* Parse the primary header at buf[0..len). On DEC_SPP_OK and DEC_SPP_NEED_MORE with
 * len >= 6, *hdr holds every field (so a caller can tell how many octets it lacks);
 * on DEC_SPP_NEED_MORE with len < 6, *hdr is untouched. Reads nothing past buf+len. */
dec_spp_status_t dec_spp_parse(const uint8_t *buf, size_t len, dec_spp_hdr_t *hdr);

/* Static name of a status, e.g. "need_more". */
const char *dec_spp_status_str(dec_spp_status_t st);

#endif
