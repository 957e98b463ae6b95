/* dec/timecode.h: CCSDS time codes in the packet secondary header, CUC and CDS
 * (CCSDS 301.0-B-4 sections 3.2 and 3.3), with the P-field or implicit. */
#ifndef DEC_TIMECODE_H
#define DEC_TIMECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    DEC_TC_NONE = 0,     /* no time code: packets carry reception time only */
    DEC_TC_CUC_PFIELD,   /* CUC preceded by its P-field (1 or 2 octets) */
    DEC_TC_CUC_IMPLICIT, /* CUC T-field only, coarse/fine octets known a priori */
    DEC_TC_CDS_PFIELD,   /* CDS preceded by its P-field */
    DEC_TC_CDS_IMPLICIT  /* CDS T-field only, day/submillisecond octets a priori */
} dec_tc_kind_t;

/* A configured time code format ("--time-code"). */
typedef struct {
    dec_tc_kind_t kind;
    uint8_t coarse;       /* CUC implicit: coarse octets 1-7 */
    uint8_t fine;         /* CUC implicit: fine octets 0-10 */
    uint8_t day_octets;   /* CDS implicit: 2 or 3 */
    uint8_t subms_octets; /* CDS implicit: 0, 2 (microseconds) or 4 (picoseconds) */
    uint32_t offset;      /* octets after the primary header where the time code starts */
} dec_tc_format_t;

typedef enum {
    DEC_TC_OK = 0,
    DEC_TC_NEED_MORE,    /* the packet ends inside the time code */
    DEC_TC_BAD_PFIELD,   /* P-field not CUC/CDS, reserved values, or unsupported extension */
    DEC_TC_OUT_OF_RANGE, /* time beyond what int64 nanoseconds hold, or ms-of-day > a day */
    DEC_TC_STATUS_COUNT
} dec_tc_status_t;

/* A decoded time: elapsed nanoseconds since the format's epoch, and which time scale
 * the count is in: CUC counts SI seconds (TAI scale); CDS counts UTC days and ms-of-day. */
typedef struct {
    int64_t ns;        /* since the epoch */
    bool utc_based;    /* true for CDS (day count + ms of day), false for CUC */
    bool agency_epoch; /* P-field said agency-defined epoch (level 2 / epoch bit 1) */
} dec_tc_time_t;

/* Parse a "--time-code" spec: "none", "cuc", "cuc:C,F", "cds", "cds:D,S" (D day octets 2|3,
 * S submillisecond octets 0|2|4), optionally "@OFFSET" for octets to skip after the primary
 * header (default 0). Returns 0, or -1 with a message in err. */
int dec_tc_format_parse(const char *spec, dec_tc_format_t *fmt, char *err, size_t errlen);

/* Decode the time code at buf[0..len) (buf points at the time code itself, i.e. already
 * past fmt->offset). On DEC_TC_OK fills *out and, if consumed is not NULL, *consumed with the
 * octets used. Pure: no I/O, no allocation, reads nothing past buf+len. */
dec_tc_status_t dec_tc_decode(const dec_tc_format_t *fmt, const uint8_t *buf, size_t len,
                              dec_tc_time_t *out, size_t *consumed);

const char *dec_tc_status_str(dec_tc_status_t st);

#endif
