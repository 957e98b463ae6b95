/* frame.c: TM (CCSDS 132.0-B-3 4.1) and AOS (CCSDS 732.0-B-4 4.1) transfer frame parser, FECF
 * CRC-16-CCITT (132.0-B-3 4.1.6), CLCW fields (232.0-B-4 4.2). */
#include "dec/frame.h"

#include <stdio.h>
#include <string.h>

#include "dec/spp.h"

#define PRIMARY_LEN 6u
#define FECF_LEN 2u
#define OCF_LEN 4u
#define FHEC_LEN 2u
#define MPDU_HDR_LEN 2u

/* TM primary header (132.0-B-3 table 4-2), word 0 = octets 0-1, word 1 = octets 4-5. */
#define TM_VERSION_SHIFT 14 /* bits 0-1 */
#define TM_SCID_SHIFT 4     /* bits 2-11 */
#define TM_SCID_MASK 0x3FFu
#define TM_VCID_SHIFT 1 /* bits 12-14 */
#define TM_VCID_MASK 0x7u
#define TM_OCF_FLAG 0x1u     /* bit 15 */
#define TM_SEC_HDR 0x8000u   /* bit 32 */
#define TM_SYNC 0x4000u      /* bit 33 */
#define TM_ORDER 0x2000u     /* bit 34 */
#define TM_SEGLEN_SHIFT 11   /* bits 35-36 */
#define TM_FHP_MASK 0x7FFu   /* bits 37-47 */
#define TM_SH_LEN_MASK 0x3Fu /* secondary header id: bits 2-7 = total length - 1 */

/* AOS primary header (732.0-B-4 table 4-1). */
#define AOS_VERSION_SHIFT 14 /* bits 0-1 */
#define AOS_SCID_SHIFT 6     /* bits 2-9 */
#define AOS_SCID_MASK 0xFFu
#define AOS_VCID_MASK 0x3Fu /* bits 10-15 */
#define AOS_REPLAY 0x80u    /* bit 40 */
#define AOS_VCC_USAGE 0x40u /* bit 41 */
#define AOS_VCC_CYCLE 0x0Fu /* bits 44-47 */
#define MPDU_FHP_MASK 0x7FFu

#define CLCW_TYPE_BIT 0x80000000u

static uint16_t rd16(const uint8_t *p) {
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t rd24(const uint8_t *p) {
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void dec_frame_cfg_default(dec_frame_cfg_t *c, dec_frame_kind_t k) {
    memset(c, 0, sizeof *c);
    c->kind = k;
    c->frame_len = 1115;
    c->max_packet_len = DEC_SPP_MAX_LEN;
}

/* Octets of the frame outside the packet zone that do not depend on the frame itself. */
static uint32_t fixed_overhead(const dec_frame_cfg_t *c) {
    uint32_t n = PRIMARY_LEN + (c->fecf ? FECF_LEN : 0u);
    if (c->kind == DEC_FRAME_TM) {
        return n; /* OCF from the header flag, secondary header from its own length */
    }
    return n + (c->fhec ? FHEC_LEN : 0u) + (c->ocf ? OCF_LEN : 0u) + MPDU_HDR_LEN;
}

int dec_frame_cfg_check(const dec_frame_cfg_t *c, char *err, size_t errlen) {
    const char *msg = NULL;
    if (c->kind != DEC_FRAME_TM && c->kind != DEC_FRAME_AOS) {
        msg = "unknown frame kind";
    } else if (c->frame_len > DEC_FRAME_MAX_LEN) {
        msg = "frame length above 2048 octets";
    } else if (c->kind == DEC_FRAME_AOS && c->insert_zone > DEC_FRAME_MAX_LEN) {
        msg = "insert zone longer than the frame";
    } else if (c->kind == DEC_FRAME_TM && c->frame_len < fixed_overhead(c) + OCF_LEN + 1u) {
        msg = "frame length leaves no data octet";
    } else if (c->kind == DEC_FRAME_AOS && c->frame_len < fixed_overhead(c) + c->insert_zone + 1u) {
        msg = "frame length leaves no data octet";
    } else if (c->max_packet_len < DEC_SPP_MIN_LEN || c->max_packet_len > DEC_SPP_MAX_LEN) {
        msg = "maximum packet length outside 7..65542";
    }
    if (msg == NULL) {
        return 0;
    }
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "%s", msg);
    }
    return -1;
}

uint16_t dec_crc16_ccitt(const uint8_t *buf, size_t len) {
    /* Byte-at-a-time form of the shift register for x^16 + x^12 + x^5 + 1 (no table). */
    uint16_t crc = 0xFFFFu;
    for (size_t i = 0; i < len; i++) {
        unsigned x = (unsigned)(crc >> 8 ^ buf[i]) & 0xFFu;
        x ^= x >> 4;
        crc = (uint16_t)(crc << 8 ^ x << 12 ^ x << 5 ^ x);
    }
    return crc;
}

void dec_clcw_decode(uint32_t w, dec_clcw_t *o) {
    o->type = (uint8_t)(w >> 31 & 1u);
    o->version = (uint8_t)(w >> 29 & 3u);
    o->status = (uint8_t)(w >> 26 & 7u);
    o->cop = (uint8_t)(w >> 24 & 3u);
    o->vcid = (uint8_t)(w >> 18 & 0x3Fu);
    o->no_rf = (w >> 15 & 1u) != 0;
    o->no_bitlock = (w >> 14 & 1u) != 0;
    o->lockout = (w >> 13 & 1u) != 0;
    o->wait = (w >> 12 & 1u) != 0;
    o->retransmit = (w >> 11 & 1u) != 0;
    o->farm_b = (uint8_t)(w >> 9 & 3u);
    o->report = (uint8_t)(w & 0xFFu);
}

/* Set the OCF fields from the 4 octets at p. */
static void take_ocf(dec_frame_t *out, const uint8_t *p) {
    out->has_ocf = true;
    out->ocf = rd32(p);
    if ((out->ocf & CLCW_TYPE_BIT) == 0) {
        out->has_clcw = true;
        out->clcw = out->ocf;
    }
}

static dec_frame_status_t parse_tm(const dec_frame_cfg_t *cfg, const uint8_t *buf, size_t len,
                                   dec_frame_t *out) {
    uint16_t w0 = rd16(buf);
    uint16_t dfs = rd16(buf + 4);
    out->version = (uint8_t)(w0 >> TM_VERSION_SHIFT);
    out->scid = (uint16_t)(w0 >> TM_SCID_SHIFT & TM_SCID_MASK);
    out->vcid = (uint8_t)(w0 >> TM_VCID_SHIFT & TM_VCID_MASK);
    out->ocf_flag = (w0 & TM_OCF_FLAG) != 0;
    out->mc_count = buf[2];
    out->vc_count = buf[3];
    out->sec_hdr = (dfs & TM_SEC_HDR) != 0;
    out->sync = (dfs & TM_SYNC) != 0;
    out->order = (dfs & TM_ORDER) != 0;
    out->seg_len_id = (uint8_t)(dfs >> TM_SEGLEN_SHIFT & 3u);
    out->fhp = (uint16_t)(dfs & TM_FHP_MASK);
    out->idle = out->fhp == DEC_FRAME_FHP_IDLE;
    if (out->version != 0) {
        return DEC_FRAME_BAD_VERSION;
    }
    /* Trailer first: len >= PRIMARY_LEN + trailer is checked below before any subtraction. */
    size_t trailer = (cfg->fecf ? FECF_LEN : 0u) + (out->ocf_flag ? OCF_LEN : 0u);
    size_t off = PRIMARY_LEN;
    if (len - off < trailer + 1u) {
        return DEC_FRAME_BAD_HEADER;
    }
    size_t end = len - trailer; /* end > off */
    if (out->sec_hdr) {
        size_t sh_len = (size_t)(buf[off] & TM_SH_LEN_MASK) + 1u; /* off < end: readable */
        /* The secondary header and at least one data octet must fit before the trailer. */
        if (end - off < sh_len + 1u) {
            return DEC_FRAME_BAD_HEADER;
        }
        off += sh_len;
    }
    if (out->ocf_flag) {
        take_ocf(out, buf + end);
    }
    out->data = buf + off;
    out->data_len = end - off;
    return DEC_FRAME_OK;
}

static dec_frame_status_t parse_aos(const dec_frame_cfg_t *cfg, const uint8_t *buf, size_t len,
                                    dec_frame_t *out) {
    uint16_t w0 = rd16(buf);
    out->version = (uint8_t)(w0 >> AOS_VERSION_SHIFT);
    out->scid = (uint16_t)(w0 >> AOS_SCID_SHIFT & AOS_SCID_MASK);
    out->vcid = (uint8_t)(w0 & AOS_VCID_MASK);
    out->ocf_flag = cfg->ocf;
    out->vc_count = rd24(buf + 2);
    out->replay = (buf[5] & AOS_REPLAY) != 0;
    out->vc_count_usage = (buf[5] & AOS_VCC_USAGE) != 0;
    out->vc_count_cycle = (uint8_t)(buf[5] & AOS_VCC_CYCLE);
    if (out->version != 1) {
        return DEC_FRAME_BAD_VERSION;
    }
    bool idle_vc = out->vcid == DEC_FRAME_AOS_IDLE_VC;
    size_t head = PRIMARY_LEN + (cfg->fhec ? FHEC_LEN : 0u);
    size_t trailer = (cfg->fecf ? FECF_LEN : 0u) + (cfg->ocf ? OCF_LEN : 0u);
    size_t mpdu = idle_vc ? 0u : MPDU_HDR_LEN; /* the idle VC carries no M_PDU */
    /* Each term is at most 2048 + 10 (insert zone capped below), so the sum cannot wrap. */
    if (cfg->insert_zone > DEC_FRAME_MAX_LEN ||
        len < head + cfg->insert_zone + mpdu + trailer + 1u) {
        return DEC_FRAME_BAD_HEADER;
    }
    size_t off = head + cfg->insert_zone;
    size_t end = len - trailer;
    if (idle_vc) {
        out->fhp = DEC_FRAME_FHP_IDLE;
    } else {
        out->fhp = (uint16_t)(rd16(buf + off) & MPDU_FHP_MASK);
        off += MPDU_HDR_LEN;
    }
    out->idle = idle_vc || out->fhp == DEC_FRAME_FHP_IDLE;
    if (cfg->ocf) {
        take_ocf(out, buf + end);
    }
    out->data = buf + off;
    out->data_len = end - off;
    return DEC_FRAME_OK;
}

dec_frame_status_t dec_frame_parse(const dec_frame_cfg_t *cfg, const uint8_t *buf, size_t len,
                                   dec_frame_t *out) {
    memset(out, 0, sizeof *out);
    if (len != cfg->frame_len || len < PRIMARY_LEN + FECF_LEN) {
        return len != cfg->frame_len ? DEC_FRAME_WRONG_LENGTH : DEC_FRAME_BAD_HEADER;
    }
    dec_frame_status_t st = DEC_FRAME_OK;
    if (cfg->fecf) {
        /* The FECF covers every octet before it (132.0-B-3 4.1.6.2). */
        out->fecf_checked = true;
        out->fecf_ok = dec_crc16_ccitt(buf, len - FECF_LEN) == rd16(buf + len - FECF_LEN);
    }
    if (cfg->kind == DEC_FRAME_TM) {
        st = parse_tm(cfg, buf, len, out);
    } else if (cfg->kind == DEC_FRAME_AOS) {
        st = parse_aos(cfg, buf, len, out);
    } else {
        st = DEC_FRAME_BAD_HEADER;
    }
    if (cfg->fecf && !out->fecf_ok) {
        st = DEC_FRAME_BAD_CRC;
    }
    if (st != DEC_FRAME_OK) {
        out->data = NULL;
        out->data_len = 0;
        out->has_ocf = out->has_clcw = false;
        out->ocf = out->clcw = 0;
    }
    return st;
}

const char *dec_frame_status_str(dec_frame_status_t st) {
    switch (st) {
    case DEC_FRAME_OK:
        return "ok";
    case DEC_FRAME_WRONG_LENGTH:
        return "wrong_length";
    case DEC_FRAME_BAD_VERSION:
        return "bad_version";
    case DEC_FRAME_BAD_CRC:
        return "bad_crc";
    case DEC_FRAME_BAD_HEADER:
        return "bad_header";
    case DEC_FRAME_STATUS_COUNT:
        break;
    }
    return "unknown";
}
