/* dec/mdb.h: the mission database: XTCE 1.2 telemetry definitions (OMG XTCE / CCSDS
 * 660.0-B-2) loaded once, compiled, and used to name packets and decode their parameters. */
#ifndef DEC_MDB_H
#define DEC_MDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dec_mdb dec_mdb_t;

/* A decoded value. Strings and byte strings point into the packet (or, for enumeration
 * labels, into the database) and are valid while both are. */
typedef enum {
    DEC_VAL_NONE = 0,
    DEC_VAL_I64,
    DEC_VAL_U64,
    DEC_VAL_F64,
    DEC_VAL_BOOL,
    DEC_VAL_STR,
    DEC_VAL_BYTES,
    DEC_VAL_TIME /* UTC Unix nanoseconds */
} dec_val_kind_t;

typedef struct {
    uint8_t kind; /* dec_val_kind_t */
    union {
        int64_t i;
        uint64_t u;
        double f;
        bool b;
        int64_t t;
    } v;
    const uint8_t *p; /* DEC_VAL_STR / DEC_VAL_BYTES */
    uint32_t len;
} dec_val_t;

typedef enum {
    DEC_PV_VALID = 0,
    DEC_PV_INVALID,      /* e.g. enumeration value with no label, NaN */
    DEC_PV_OUT_OF_RANGE, /* outside the type's ValidRange */
    DEC_PV_NOT_PRESENT   /* the entry lies beyond the packet's end: raw/eng are NONE */
} dec_pv_validity_t;

/* One parameter value of a packet. */
typedef struct {
    uint32_t param; /* index: dec_mdb_param_name(), dec_mdb_param_unit() */
    uint8_t validity;
    dec_val_t raw;
    dec_val_t eng;
} dec_pval_t;

typedef enum {
    DEC_MDB_OK = 0,       /* named and decoded */
    DEC_MDB_TRUNCATED,    /* named; some entries lay beyond the packet (NOT_PRESENT) */
    DEC_MDB_NO_CONTAINER, /* no concrete container matched: name unknown, params may be */
    DEC_MDB_TOO_MANY,     /* more values than the caller's array holds: the rest dropped */
    DEC_MDB_STATUS_COUNT
} dec_mdb_status_t;

/* Load and compile an XTCE file. On failure returns NULL and writes "FILE:LINE: <Element>:
 * reason" into err. Elements and attributes the loader does not support are not errors:
 * each is listed once (see dec_mdb_unsupported). */
dec_mdb_t *dec_mdb_load(const char *path, char *err, size_t errlen);
void dec_mdb_destroy(dec_mdb_t **mdb_p);

/* Decode the whole packet pkt[0..len) (primary header included: the root container starts at
 * its first octet). Writes at most cap values into out, *n_out the number written, *container
 * the index of the most derived concrete container that matched (or -1). Never reads past
 * pkt+len; allocates nothing. */
dec_mdb_status_t dec_mdb_decode(const dec_mdb_t *mdb, const uint8_t *pkt, size_t len,
                                dec_pval_t *out, size_t cap, size_t *n_out, int32_t *container);

/* Names: qualified (/SC/SUB/NAME) for parameters; for containers the qualified name and the
 * short name (used in topics). Units may be "" . */
size_t dec_mdb_n_params(const dec_mdb_t *mdb);
const char *dec_mdb_param_name(const dec_mdb_t *mdb, uint32_t param);
/* The index of the parameter with qualified name qname ("/SC/SUB/NAME"), or -1. A linear
 * search: for start-up checks, not per packet. */
int64_t dec_mdb_find_param(const dec_mdb_t *mdb, const char *qname);
const char *dec_mdb_param_unit(const dec_mdb_t *mdb, uint32_t param);
const char *dec_mdb_param_type(const dec_mdb_t *mdb, uint32_t param); /* e.g. "integer" */
size_t dec_mdb_n_containers(const dec_mdb_t *mdb);
const char *dec_mdb_container_name(const dec_mdb_t *mdb, uint32_t c);
const char *dec_mdb_container_qname(const dec_mdb_t *mdb, uint32_t c);
bool dec_mdb_container_abstract(const dec_mdb_t *mdb, uint32_t c);
int32_t dec_mdb_container_base(const dec_mdb_t *mdb, uint32_t c);
/* The parameters a container's own entries place, in order (for --list). Returns the count
 * and up to cap indices. */
size_t dec_mdb_container_params(const dec_mdb_t *mdb, uint32_t c, uint32_t *params, size_t cap);

/* What the file uses that is not supported, one line each ("LINE: Element: what"). */
size_t dec_mdb_n_unsupported(const dec_mdb_t *mdb);
const char *dec_mdb_unsupported(const dec_mdb_t *mdb, size_t i);

const char *dec_mdb_status_str(dec_mdb_status_t st);

#endif
