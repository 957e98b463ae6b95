/* timecode.c: CCSDS CUC and CDS time code decoding (CCSDS 301.0-B-4 sections 3.2, 3.3). */
#include "dec/timecode.h"

#include <stdio.h>
#include <string.h>

/* CUC P-field, first octet (301.0-B-4 table 3-1; bit 0 = MSB). */
#define CUC_P1_EXT 0x80u         /* bit 0: extension octet follows */
#define CUC_P1_ID_MASK 0x70u     /* bits 1-3: time code identification */
#define CUC_P1_ID_LEVEL1 0x10u   /* 001: level 1, epoch 1958-01-01 TAI */
#define CUC_P1_ID_LEVEL2 0x20u   /* 010: level 2, agency-defined epoch */
#define CUC_P1_COARSE_SHIFT 2u   /* bits 4-5: coarse octets - 1 */
#define CUC_P1_COARSE_MASK 0x03u /* after the shift */
#define CUC_P1_FINE_MASK 0x03u   /* bits 6-7: fine octets */
/* CUC P-field, extension octet (301.0-B-4 table 3-1). Bits 6-7 are reserved: ignored. */
#define CUC_P2_EXT 0x80u         /* bit 0: further extension (not supported) */
#define CUC_P2_COARSE_SHIFT 5u   /* bits 1-2: additional coarse octets */
#define CUC_P2_COARSE_MASK 0x03u /* after the shift */
#define CUC_P2_FINE_SHIFT 2u     /* bits 3-5: additional fine octets */
#define CUC_P2_FINE_MASK 0x07u   /* after the shift */

#define CUC_MAX_COARSE 7u /* 4 + 3 */
#define CUC_MAX_FINE 10u  /* 3 + 7 */
#define CUC_FINE_USED 8u  /* fine octets beyond 8 are below 2^-64 s: dropped */

/* CDS P-field (301.0-B-4 table 3-3; bit 0 = MSB). */
#define CDS_P_EXT 0x80u        /* bit 0: extension, must be 0 */
#define CDS_P_ID_MASK 0x70u    /* bits 1-3: time code identification */
#define CDS_P_ID 0x40u         /* 100: CDS */
#define CDS_P_EPOCH 0x08u      /* bit 4: 0 = 1958-01-01, 1 = agency-defined epoch */
#define CDS_P_DAY24 0x04u      /* bit 5: 0 = 16-bit day segment, 1 = 24-bit */
#define CDS_P_SUBMS_MASK 0x03u /* bits 6-7: 00 none, 01 16-bit us, 10 32-bit ps, 11 reserved */

#define CDS_MS_PER_DAY_LEAP 86401000u /* ms of day must stay below: a day with a leap second */
#define NS_PER_S 1000000000LL
#define NS_PER_DAY 86400000000000LL

__extension__ typedef unsigned __int128 tc_u128;

/* Big-endian unsigned integer of n octets (n <= 8); the caller has checked the bounds. */
static uint64_t rd_be(const uint8_t *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

/* CUC T-field of `coarse` + `fine` octets at buf[0..len) into nanoseconds. */
static dec_tc_status_t cuc_tfield(const uint8_t *buf, size_t len, unsigned coarse, unsigned fine,
                                  int64_t *ns) {
    if (len < (size_t)coarse + fine) {
        return DEC_TC_NEED_MORE;
    }
    uint64_t secs = rd_be(buf, coarse);
    unsigned used = fine < CUC_FINE_USED ? fine : CUC_FINE_USED;
    uint64_t frac = rd_be(buf + coarse, used);
    /* frac / 2^(8*used) of a second, rounded down to ns: frac < 2^64, 1e9 < 2^30, so the
     * product fits 94 bits. */
    uint64_t frac_ns = 0;
    if (used > 0) {
        frac_ns = (uint64_t)(((tc_u128)frac * (uint64_t)NS_PER_S) >> (8u * used));
    }
    /* frac_ns < 1e9, so INT64_MAX - frac_ns is positive: secs * 1e9 + frac_ns fits int64
     * exactly when secs <= (INT64_MAX - frac_ns) / 1e9. */
    if (secs > ((uint64_t)INT64_MAX - frac_ns) / (uint64_t)NS_PER_S) {
        return DEC_TC_OUT_OF_RANGE;
    }
    *ns = (int64_t)(secs * (uint64_t)NS_PER_S + frac_ns);
    return DEC_TC_OK;
}

/* CDS T-field with day_octets (2|3) and subms_octets (0|2|4) at buf[0..len). */
static dec_tc_status_t cds_tfield(const uint8_t *buf, size_t len, unsigned day_octets,
                                  unsigned subms_octets, int64_t *ns) {
    if (len < (size_t)day_octets + 4u + subms_octets) {
        return DEC_TC_NEED_MORE;
    }
    uint64_t days = rd_be(buf, day_octets);
    uint64_t ms = rd_be(buf + day_octets, 4);
    if (ms >= CDS_MS_PER_DAY_LEAP) {
        return DEC_TC_OUT_OF_RANGE;
    }
    uint64_t sub_ns = 0;
    if (subms_octets == 2) {
        uint64_t us = rd_be(buf + day_octets + 4, 2);
        if (us >= 1000u) {
            return DEC_TC_OUT_OF_RANGE;
        }
        sub_ns = us * 1000u;
    } else if (subms_octets == 4) {
        uint64_t ps = rd_be(buf + day_octets + 4, 4);
        if (ps >= 1000000000u) {
            return DEC_TC_OUT_OF_RANGE;
        }
        sub_ns = ps / 1000u;
    }
    /* A 24-bit day count reaches 2^24 days = 1.4e21 ns, beyond int64: such times (more than
     * ~292 years after the epoch) are out of range. The rest of the day adds < 86401e9. */
    if (days > ((uint64_t)INT64_MAX - 86401000000000ULL) / (uint64_t)NS_PER_DAY) {
        return DEC_TC_OUT_OF_RANGE;
    }
    *ns = (int64_t)(days * (uint64_t)NS_PER_DAY + ms * 1000000u + sub_ns);
    return DEC_TC_OK;
}

static bool cds_sizes_ok(unsigned day_octets, unsigned subms_octets) {
    return (day_octets == 2 || day_octets == 3) &&
           (subms_octets == 0 || subms_octets == 2 || subms_octets == 4);
}

/* Decode per fmt. Formats are strict: a CUC format accepts only a CUC P-field and a CDS
 * format only a CDS P-field (anything else is DEC_TC_BAD_PFIELD). DEC_TC_NONE, or an implicit
 * format with sizes out of range, also gives DEC_TC_BAD_PFIELD: check fmt->kind first.
 * CDS: ns = days * 86400 s + ms of day + submilliseconds, so a leap second (ms of day
 * 86400000-86400999) counts as the first second of the next day. */
dec_tc_status_t dec_tc_decode(const dec_tc_format_t *fmt, const uint8_t *buf, size_t len,
                              dec_tc_time_t *out, size_t *consumed) {
    unsigned pfield = 0, coarse = 0, fine = 0, day_octets = 0, subms_octets = 0;
    bool agency = false;
    bool cuc;
    switch (fmt->kind) {
    case DEC_TC_CUC_PFIELD: {
        cuc = true;
        if (len < 1) {
            return DEC_TC_NEED_MORE;
        }
        uint8_t p1 = buf[0];
        unsigned id = p1 & CUC_P1_ID_MASK;
        if (id != CUC_P1_ID_LEVEL1 && id != CUC_P1_ID_LEVEL2) {
            return DEC_TC_BAD_PFIELD;
        }
        agency = id == CUC_P1_ID_LEVEL2;
        coarse = ((p1 >> CUC_P1_COARSE_SHIFT) & CUC_P1_COARSE_MASK) + 1u;
        fine = p1 & CUC_P1_FINE_MASK;
        pfield = 1;
        if (p1 & CUC_P1_EXT) {
            if (len < 2) {
                return DEC_TC_NEED_MORE;
            }
            uint8_t p2 = buf[1];
            if (p2 & CUC_P2_EXT) {
                return DEC_TC_BAD_PFIELD;
            }
            coarse += (p2 >> CUC_P2_COARSE_SHIFT) & CUC_P2_COARSE_MASK;
            fine += (p2 >> CUC_P2_FINE_SHIFT) & CUC_P2_FINE_MASK;
            pfield = 2;
        }
        break;
    }
    case DEC_TC_CUC_IMPLICIT:
        cuc = true;
        coarse = fmt->coarse;
        fine = fmt->fine;
        if (coarse < 1 || coarse > CUC_MAX_COARSE || fine > CUC_MAX_FINE) {
            return DEC_TC_BAD_PFIELD;
        }
        break;
    case DEC_TC_CDS_PFIELD: {
        cuc = false;
        if (len < 1) {
            return DEC_TC_NEED_MORE;
        }
        uint8_t p = buf[0];
        if ((p & CDS_P_EXT) || (p & CDS_P_ID_MASK) != CDS_P_ID ||
            (p & CDS_P_SUBMS_MASK) == CDS_P_SUBMS_MASK) {
            return DEC_TC_BAD_PFIELD;
        }
        agency = (p & CDS_P_EPOCH) != 0;
        day_octets = (p & CDS_P_DAY24) ? 3u : 2u;
        subms_octets = 2u * (p & CDS_P_SUBMS_MASK); /* 01 -> 2 octets, 10 -> 4 octets */
        pfield = 1;
        break;
    }
    case DEC_TC_CDS_IMPLICIT:
        cuc = false;
        day_octets = fmt->day_octets;
        subms_octets = fmt->subms_octets;
        if (!cds_sizes_ok(day_octets, subms_octets)) {
            return DEC_TC_BAD_PFIELD;
        }
        break;
    case DEC_TC_NONE:
    default:
        return DEC_TC_BAD_PFIELD;
    }

    /* pfield <= 2 <= len here. */
    int64_t ns = 0;
    dec_tc_status_t st;
    size_t tlen;
    if (cuc) {
        st = cuc_tfield(buf + pfield, len - pfield, coarse, fine, &ns);
        tlen = (size_t)coarse + fine;
    } else {
        st = cds_tfield(buf + pfield, len - pfield, day_octets, subms_octets, &ns);
        tlen = (size_t)day_octets + 4u + subms_octets;
    }
    if (st != DEC_TC_OK) {
        return st;
    }
    out->ns = ns;
    out->utc_based = !cuc;
    out->agency_epoch = agency;
    if (consumed != NULL) {
        *consumed = pfield + tlen;
    }
    return DEC_TC_OK;
}

static void tc_err(char *err, size_t errlen, const char *spec, const char *why) {
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "bad time code \"%s\": %s", spec, why);
    }
}

/* Unsigned decimal of 1 to 5 digits at *p (no sign, no spaces); advances *p. -1 if none or
 * too long. */
static long tc_number(const char **p) {
    const char *s = *p;
    long v = 0;
    int n = 0;
    while (*s >= '0' && *s <= '9') {
        if (++n > 5) {
            return -1;
        }
        v = v * 10 + (*s - '0');
        s++;
    }
    if (n == 0) {
        return -1;
    }
    *p = s;
    return v;
}

/* Parse "none" | "cuc" | "cuc:C,F" | "cds" | "cds:D,S", then optional "@N" (0..65535).
 * On success fills *fmt (unused fields 0) and returns 0; else -1 with a message in err naming
 * the spec (err may be NULL). */
int dec_tc_format_parse(const char *spec, dec_tc_format_t *fmt, char *err, size_t errlen) {
    if (spec == NULL) {
        tc_err(err, errlen, "(null)", "missing");
        return -1;
    }
    dec_tc_format_t f;
    memset(&f, 0, sizeof f);
    const char *p = spec;
    if (strncmp(p, "none", 4) == 0) {
        f.kind = DEC_TC_NONE;
        p += 4;
    } else if (strncmp(p, "cuc", 3) == 0 || strncmp(p, "cds", 3) == 0) {
        bool is_cuc = p[1] == 'u';
        p += 3;
        if (*p == ':') {
            p++;
            long a = tc_number(&p);
            if (a < 0 || *p != ',') {
                tc_err(err, errlen, spec,
                       is_cuc ? "expected cuc:C,F (coarse and fine octets)"
                              : "expected cds:D,S (day and submillisecond octets)");
                return -1;
            }
            p++;
            long b = tc_number(&p);
            if (b < 0) {
                tc_err(err, errlen, spec,
                       is_cuc ? "expected cuc:C,F (coarse and fine octets)"
                              : "expected cds:D,S (day and submillisecond octets)");
                return -1;
            }
            if (is_cuc) {
                if (a < 1 || a > (long)CUC_MAX_COARSE || b > (long)CUC_MAX_FINE) {
                    tc_err(err, errlen, spec, "coarse octets must be 1-7, fine octets 0-10");
                    return -1;
                }
                f.kind = DEC_TC_CUC_IMPLICIT;
                f.coarse = (uint8_t)a;
                f.fine = (uint8_t)b;
            } else {
                if (!cds_sizes_ok((unsigned)a, (unsigned)b)) {
                    tc_err(err, errlen, spec,
                           "day octets must be 2 or 3, submillisecond octets 0, 2 or 4");
                    return -1;
                }
                f.kind = DEC_TC_CDS_IMPLICIT;
                f.day_octets = (uint8_t)a;
                f.subms_octets = (uint8_t)b;
            }
        } else {
            f.kind = is_cuc ? DEC_TC_CUC_PFIELD : DEC_TC_CDS_PFIELD;
        }
    } else {
        tc_err(err, errlen, spec, "expected none, cuc, cuc:C,F, cds or cds:D,S");
        return -1;
    }
    if (*p == '@') {
        p++;
        long off = tc_number(&p);
        if (off < 0 || off > 65535) {
            tc_err(err, errlen, spec, "offset after '@' must be 0-65535");
            return -1;
        }
        f.offset = (uint32_t)off;
    }
    if (*p != '\0') {
        tc_err(err, errlen, spec, "unexpected text after the format");
        return -1;
    }
    *fmt = f;
    return 0;
}

const char *dec_tc_status_str(dec_tc_status_t st) {
    switch (st) {
    case DEC_TC_OK:
        return "ok";
    case DEC_TC_NEED_MORE:
        return "need_more";
    case DEC_TC_BAD_PFIELD:
        return "bad_pfield";
    case DEC_TC_OUT_OF_RANGE:
        return "out_of_range";
    case DEC_TC_STATUS_COUNT:
        break;
    }
    return "unknown";
}
