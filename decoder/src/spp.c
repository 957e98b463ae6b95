/* spp.c: CCSDS Space Packet primary header parser (CCSDS 133.0-B-2 section 4.1.3). */
#include "dec/spp.h"

/* Primary header masks, Blue Book figure 4-2 (bits numbered from the MSB of octet 0). */
#define SPP_VERSION_SHIFT 13u   /* bits 0-2 of the first 16-bit word */
#define SPP_TYPE_MASK 0x1000u   /* bit 3 */
#define SPP_SECHDR_MASK 0x0800u /* bit 4 */
#define SPP_APID_MASK 0x07FFu   /* bits 5-15 */
#define SPP_FLAGS_SHIFT 14u     /* bits 16-17 */
#define SPP_COUNT_MASK 0x3FFFu  /* bits 18-31 */

static inline uint16_t rd16(const uint8_t *p) {
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

dec_spp_status_t dec_spp_parse(const uint8_t *buf, size_t len, dec_spp_hdr_t *hdr) {
    if (len < DEC_SPP_HDR_LEN) {
        return DEC_SPP_NEED_MORE;
    }
    uint16_t w0 = rd16(buf);
    uint16_t w1 = rd16(buf + 2);
    uint16_t w2 = rd16(buf + 4);
    hdr->version = (uint8_t)(w0 >> SPP_VERSION_SHIFT);
    hdr->type = (w0 & SPP_TYPE_MASK) != 0;
    hdr->sec_hdr = (w0 & SPP_SECHDR_MASK) != 0;
    hdr->apid = w0 & SPP_APID_MASK;
    hdr->seq_flags = (uint8_t)(w1 >> SPP_FLAGS_SHIFT);
    hdr->seq_count = w1 & SPP_COUNT_MASK;
    hdr->data_length = w2;
    /* data_length <= 65535, so the sum is at most 65542: no overflow in 32 bits. */
    hdr->total_len = (uint32_t)DEC_SPP_MIN_LEN + w2;
    if (hdr->version != 0) {
        return DEC_SPP_BAD_VERSION;
    }
    if (len < hdr->total_len) {
        return DEC_SPP_NEED_MORE;
    }
    return DEC_SPP_OK;
}

const char *dec_spp_status_str(dec_spp_status_t st) {
    switch (st) {
    case DEC_SPP_OK:
        return "ok";
    case DEC_SPP_NEED_MORE:
        return "need_more";
    case DEC_SPP_BAD_VERSION:
        return "bad_version";
    case DEC_SPP_STATUS_COUNT:
        break;
    }
    return "unknown";
}
