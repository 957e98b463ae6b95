/* capreader.c: capture file I/O for dec_capfile: a reused read buffer, grown only for
 * blocks larger than it (up to DEC_CAP_MAX_BLOCK), and BPF filters compiled per link type. */
#include "dec/capreader.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CR_BUF_INITIAL (1u << 20)
#define CR_MAX_FILTERS 16

typedef struct {
    int linktype;
    bool ok;
    struct bpf_program prog;
} cr_filter_t;

struct dec_capreader {
    int fd;
    bool own_fd;
    char *path;
    uint8_t *buf;
    size_t cap;
    size_t pos;  /* start of unconsumed octets in buf */
    size_t have; /* octets in buf */
    bool eof;
    uint64_t offset; /* file offset of buf[pos] */
    int64_t size;
    dec_capfile_t cf;
    dec_cr_stats_t st;
    const char *filter;
    cr_filter_t filters[CR_MAX_FILTERS];
    unsigned n_filters;
    char err[512];
};

void dec_capreader_close(dec_capreader_t **r_p) {
    dec_capreader_t *r = *r_p;
    if (r == NULL) {
        return;
    }
    for (unsigned i = 0; i < r->n_filters; i++) {
        if (r->filters[i].ok) {
            pcap_freecode(&r->filters[i].prog);
        }
    }
    if (r->own_fd && r->fd >= 0) {
        close(r->fd);
    }
    free(r->buf);
    free(r->path);
    free(r);
    *r_p = NULL;
}

/* Read more octets after the unconsumed ones; grow the buffer to hold `need` if asked. */
static int fill(dec_capreader_t *r, size_t need) {
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->have - r->pos);
        r->have -= r->pos;
        r->pos = 0;
    }
    if (need > r->cap) {
        uint8_t *nb = realloc(r->buf, need);
        if (nb == NULL) {
            snprintf(r->err, sizeof r->err, "%s: out of memory for a %zu-octet block", r->path,
                     need);
            return -1;
        }
        r->buf = nb;
        r->cap = need;
    }
    while (r->have < r->cap) {
        ssize_t n = read(r->fd, r->buf + r->have, r->cap - r->have);
        if (n == 0) {
            r->eof = true;
            break;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            snprintf(r->err, sizeof r->err, "%s: read error at byte offset %llu: %s", r->path,
                     (unsigned long long)(r->offset + r->have), strerror(errno));
            return -1;
        }
        r->have += (size_t)n;
        if (r->have >= need && need > 0) {
            break;
        }
    }
    return 0;
}

dec_capreader_t *dec_capreader_open(const char *path, const char *filter, char *err, size_t errlen,
                                    int *exit_code) {
    *exit_code = 1;
    dec_capreader_t *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    r->path = strdup(path);
    r->buf = malloc(CR_BUF_INITIAL);
    r->cap = CR_BUF_INITIAL;
    r->filter = filter;
    r->size = -1;
    dec_cap_init(&r->cf);
    if (r->path == NULL || r->buf == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        dec_capreader_close(&r);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        r->own_fd = true;
    }
    struct stat st;
    if (r->fd < 0 || fstat(r->fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        *exit_code = 3;
        dec_capreader_close(&r);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not a capture file", path);
        *exit_code = 3;
        dec_capreader_close(&r);
        return NULL;
    }
    if (S_ISREG(st.st_mode)) {
        r->size = st.st_size;
    }
    /* The file header must parse before anything else happens. */
    dec_cap_record_t rec;
    size_t used, need = 0;
    for (;;) {
        dec_cap_status_t cs =
            dec_cap_next(&r->cf, r->buf + r->pos, r->have - r->pos, &rec, &used, &need);
        if (cs == DEC_CAP_BLOCK) {
            r->pos += used;
            r->offset += used;
            r->st.blocks++;
            break;
        }
        if (cs == DEC_CAP_NEED_MORE && !r->eof) {
            if (fill(r, need) != 0) {
                snprintf(err, errlen, "%s", r->err);
                *exit_code = 3;
                dec_capreader_close(&r);
                return NULL;
            }
            continue;
        }
        if (cs == DEC_CAP_NEED_MORE) {
            snprintf(err, errlen, "%s: %s (%zu octets)", path,
                     r->have == 0 ? "empty file, not a capture" : "too short for a capture header",
                     r->have);
        } else {
            snprintf(err, errlen, "%s: %s", path, dec_cap_status_str(cs));
        }
        *exit_code = 3;
        dec_capreader_close(&r);
        return NULL;
    }
    return r;
}

/* Link type numbers in files (LINKTYPE_) that differ from the DLT_ libpcap compiles for. */
static int linktype_to_dlt(int lt) {
    switch (lt) {
    case 101:
        return DLT_RAW;
    default:
        return lt;
    }
}

/* The compiled filter for a link type (compiled on first use). NULL: error set. */
static const cr_filter_t *filter_for(dec_capreader_t *r, int linktype) {
    for (unsigned i = 0; i < r->n_filters; i++) {
        if (r->filters[i].linktype == linktype) {
            return &r->filters[i];
        }
    }
    if (r->n_filters == CR_MAX_FILTERS) {
        snprintf(r->err, sizeof r->err, "%s: more than %d link types to filter", r->path,
                 CR_MAX_FILTERS);
        return NULL;
    }
    cr_filter_t *f = &r->filters[r->n_filters];
    f->linktype = linktype;
    pcap_t *dead = pcap_open_dead(linktype_to_dlt(linktype), 262144);
    if (dead == NULL || pcap_compile(dead, &f->prog, r->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(r->err, sizeof r->err, "--filter '%s' does not compile for link type %d: %s",
                 r->filter, linktype, dead ? pcap_geterr(dead) : "no memory");
        if (dead != NULL) {
            pcap_close(dead);
        }
        return NULL;
    }
    pcap_close(dead);
    f->ok = true;
    r->n_filters++;
    return f;
}

dec_cr_status_t dec_capreader_next(dec_capreader_t *r, dec_cap_record_t *rec) {
    for (;;) {
        size_t used, need = 0;
        dec_cap_status_t cs =
            dec_cap_next(&r->cf, r->buf + r->pos, r->have - r->pos, rec, &used, &need);
        if (cs == DEC_CAP_RECORD || cs == DEC_CAP_BLOCK) {
            r->pos += used;
            r->offset += used;
            if (cs == DEC_CAP_BLOCK) {
                r->st.blocks++;
                continue;
            }
            r->st.records++;
            if (r->filter != NULL) {
                const cr_filter_t *f = filter_for(r, rec->linktype);
                if (f == NULL) {
                    return DEC_CR_ERROR;
                }
                struct pcap_pkthdr h = {.caplen = rec->caplen, .len = rec->wirelen};
                if (pcap_offline_filter(&f->prog, &h, rec->data) == 0) {
                    r->st.filtered++;
                    continue;
                }
            }
            return DEC_CR_RECORD;
        }
        if (cs == DEC_CAP_NEED_MORE) {
            if (!r->eof) {
                if (fill(r, need) != 0) {
                    return DEC_CR_ERROR;
                }
                continue;
            }
            if (r->have == r->pos) {
                return DEC_CR_EOF;
            }
            snprintf(r->err, sizeof r->err,
                     "%s: file ends inside the record at byte offset %llu (%zu of %zu octets "
                     "present); every whole record before it was read",
                     r->path, (unsigned long long)r->offset, r->have - r->pos, need);
            return DEC_CR_TRUNCATED;
        }
        snprintf(r->err, sizeof r->err, "%s: byte offset %llu: %s", r->path,
                 (unsigned long long)r->offset, dec_cap_status_str(cs));
        return DEC_CR_ERROR;
    }
}

uint64_t dec_capreader_offset(const dec_capreader_t *r) {
    return r->offset;
}

int64_t dec_capreader_size(const dec_capreader_t *r) {
    return r->size;
}

const char *dec_capreader_error(const dec_capreader_t *r) {
    return r->err;
}

const dec_cr_stats_t *dec_capreader_stats(const dec_capreader_t *r) {
    return &r->st;
}

const dec_capfile_t *dec_capreader_file(const dec_capreader_t *r) {
    return &r->cf;
}
