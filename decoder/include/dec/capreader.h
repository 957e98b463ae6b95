/* dec/capreader.h: reads a capture file (pcap or pcapng, or stdin) through small reused
 * buffers with dec_capfile, applying an optional BPF filter per link type (libpcap's
 * compiler). The file I/O of the decoder's --pcap source. */
#ifndef DEC_CAPREADER_H
#define DEC_CAPREADER_H

#include <stdint.h>

#include "dec/capfile.h"

typedef enum {
    DEC_CR_RECORD = 0, /* *rec holds the next record that passed the filter */
    DEC_CR_EOF,        /* clean end of file */
    DEC_CR_TRUNCATED,  /* the file ends inside a record or block (see offset) */
    DEC_CR_ERROR       /* unreadable or corrupt: dec_capreader_error() says why and where */
} dec_cr_status_t;

typedef struct {
    uint64_t records;  /* records read */
    uint64_t filtered; /* ... of which the filter dropped */
    uint64_t blocks;   /* headers and other non-record blocks */
} dec_cr_stats_t;

typedef struct dec_capreader dec_capreader_t;

/* Open path ("-" for stdin) and read its header. filter may be NULL. On failure returns NULL,
 * writes "PATH: reason" into err and sets *exit_code: 3 unreadable, 2 bad filter. */
dec_capreader_t *dec_capreader_open(const char *path, const char *filter, char *err, size_t errlen,
                                    int *exit_code);
void dec_capreader_close(dec_capreader_t **r_p);

/* Next record. rec->data stays valid until the next call. On DEC_CR_TRUNCATED and
 * DEC_CR_ERROR, dec_capreader_error() holds a message naming the byte offset. */
dec_cr_status_t dec_capreader_next(dec_capreader_t *r, dec_cap_record_t *rec);

/* File offset of the next unread unit, and the file size (-1 when not a regular file). */
uint64_t dec_capreader_offset(const dec_capreader_t *r);
int64_t dec_capreader_size(const dec_capreader_t *r);
const char *dec_capreader_error(const dec_capreader_t *r);
const dec_cr_stats_t *dec_capreader_stats(const dec_capreader_t *r);
const dec_capfile_t *dec_capreader_file(const dec_capreader_t *r);

#endif
