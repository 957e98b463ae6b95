/* dec/capfile.h: capture file reader, classic pcap and pcapng (draft-ietf-opsawg-pcap,
 * draft-ietf-opsawg-pcapng), as a pure parser over a caller's buffer. Unlike libpcap it
 * reads pcapng files whose interfaces have different link types, each record carrying its
 * own link type. */
#ifndef DEC_CAPFILE_H
#define DEC_CAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEC_CAP_MAX_INTERFACES 64
#define DEC_CAP_MAX_BLOCK (16u * 1024u * 1024u) /* larger blocks/records are rejected */

typedef enum {
    DEC_CAP_RECORD = 0, /* *rec holds one captured packet */
    DEC_CAP_BLOCK,      /* a header or non-packet block was consumed: call again */
    DEC_CAP_NEED_MORE,  /* the next block is not wholly in the buffer (*need says how
                           many octets from buf[0] it takes, when known, else 0) */
    /* errors: the file cannot be read further */
    DEC_CAP_BAD_MAGIC,     /* neither pcap nor pcapng */
    DEC_CAP_BAD_HEADER,    /* file header or section header inconsistent */
    DEC_CAP_BAD_BLOCK,     /* pcapng block length < 12, not a multiple of 4, trailer differs,
                              or fields beyond the block */
    DEC_CAP_TOO_LARGE,     /* record or block over DEC_CAP_MAX_BLOCK */
    DEC_CAP_BAD_INTERFACE, /* packet names an interface not described (or too many) */
    DEC_CAP_STATUS_COUNT
} dec_cap_status_t;

typedef enum { DEC_CAP_FMT_UNKNOWN = 0, DEC_CAP_FMT_PCAP, DEC_CAP_FMT_PCAPNG } dec_cap_format_t;

typedef struct {
    int linktype;        /* LINKTYPE_ value of the record's interface (FCS bits removed) */
    uint32_t iface;      /* pcapng interface id (0 for classic pcap) */
    int64_t ts_ns;       /* capture time, UTC Unix nanoseconds */
    const uint8_t *data; /* points into the caller's buffer */
    uint32_t caplen;
    uint32_t wirelen;
} dec_cap_record_t;

typedef struct {
    int linktype;
    uint32_t snaplen;
    bool ts_pow2; /* resolution 2^-ts_exp s, else 10^-ts_exp s */
    uint8_t ts_exp;
    int64_t ts_offset_s;
} dec_cap_iface_t;

/* Reader state; all fixed size, no allocation. Initialise with dec_cap_init. */
typedef struct {
    dec_cap_format_t format;
    bool swapped;    /* file byte order differs from little-endian host reading */
    bool big_endian; /* the current section/file is big-endian */
    bool nanos;      /* classic: nanosecond timestamps */
    bool kuznetzov;  /* classic: the modified format with 24-octet record headers */
    uint32_t n_ifaces;
    dec_cap_iface_t ifaces[DEC_CAP_MAX_INTERFACES];
    int64_t last_ts_ns; /* for simple packet blocks, which carry no time */
    uint64_t records;
    uint64_t blocks_skipped; /* pcapng blocks of other types (name resolution, stats, ...) */
    uint32_t sections;
} dec_capfile_t;

void dec_cap_init(dec_capfile_t *c);

/* Parse the next unit at buf[0..len) (the file's octets from where the last call stopped).
 * On DEC_CAP_RECORD and DEC_CAP_BLOCK, *consumed is the octets used; the caller advances by
 * it. On DEC_CAP_NEED_MORE, *need (if known) is the total octets the unit takes from buf[0].
 * Errors leave the state unchanged. Reads nothing past buf+len; no allocation. */
dec_cap_status_t dec_cap_next(dec_capfile_t *c, const uint8_t *buf, size_t len,
                              dec_cap_record_t *rec, size_t *consumed, size_t *need);

const char *dec_cap_status_str(dec_cap_status_t st);

#endif
