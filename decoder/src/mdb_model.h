/* mdb_model.h (private): the compiled mission database model shared by the XTCE loader
 * (mdb_load.c), the packet decoder (mdb_decode.c) and the builder (mdb_model.c). The loader
 * fills it through the builder functions only; tests may too. */
#ifndef DEC_MDB_MODEL_H
#define DEC_MDB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dec/mdb.h"
#include "vleo/timescale.h"

#define MDB_NONE UINT32_MAX
#define MDB_MAX_SIZE_BITS (65542u * 8u) /* nothing in a space packet is larger */
#define MDB_MAX_DEPTH 16                /* container inheritance levels */
#define MDB_MAX_CALIB_TERMS 32
#define MDB_MAX_SPLINE_POINTS 256

/* Engineering type of a parameter. */
typedef enum {
    MDB_T_INTEGER = 0,
    MDB_T_FLOAT,
    MDB_T_ENUM,
    MDB_T_BOOLEAN,
    MDB_T_STRING,
    MDB_T_BINARY,
    MDB_T_ABSTIME
} mdb_kind_t;

/* Raw data encoding. */
typedef enum {
    MDB_ENC_INTEGER = 0, /* IntegerDataEncoding */
    MDB_ENC_FLOAT,       /* FloatDataEncoding, IEEE754_1985 */
    MDB_ENC_STRING,      /* StringDataEncoding */
    MDB_ENC_BINARY       /* BinaryDataEncoding */
} mdb_enc_kind_t;

typedef enum {
    MDB_INT_UNSIGNED = 0,
    MDB_INT_TWOS,    /* twosComplement */
    MDB_INT_SIGNMAG, /* signMagnitude */
    MDB_INT_ONES     /* onesComplement */
} mdb_int_enc_t;

typedef enum { MDB_CAL_NONE = 0, MDB_CAL_POLY, MDB_CAL_SPLINE } mdb_cal_kind_t;

typedef struct {
    uint8_t kind;       /* mdb_enc_kind_t */
    uint8_t int_enc;    /* mdb_int_enc_t, for MDB_ENC_INTEGER */
    bool little_endian; /* byteOrder="leastSignificantByteFirst" (whole octets only) */
    uint32_t size_bits; /* integer 1..64, float 32|64, fixed string/binary size; 0 = not
                           fixed (terminated string) */
    int32_t term_char;  /* terminated string: the terminator octet, else -1 */
    uint32_t max_bits;  /* terminated string: the most it may take (0 = to packet end) */
} mdb_encoding_t;

typedef struct {
    uint8_t kind;   /* mdb_cal_kind_t */
    uint32_t first; /* index of the first term / point in the pools */
    uint32_t n;
} mdb_calib_t;

typedef struct {
    double coefficient;
    double exponent; /* whole numbers in practice; pow() for others */
} mdb_term_t;

typedef struct {
    double raw;
    double eng;
} mdb_point_t;

typedef struct {
    int64_t value;
    int64_t max_value; /* a range label covers value..max_value (== value otherwise) */
    uint32_t label;    /* string pool offset */
} mdb_enum_t;

typedef struct {
    char *name;   /* qualified name of the type */
    uint8_t kind; /* mdb_kind_t */
    mdb_encoding_t enc;
    mdb_calib_t calib;
    bool has_range;
    double range_min, range_max; /* in engineering units (applied to eng, or raw if no eng) */
    bool range_min_incl, range_max_incl;
    uint32_t unit; /* string pool offset, "" when none */
    uint32_t enum_first, enum_n;
    uint32_t bool_one, bool_zero; /* BooleanParameterType labels (string pool) */
    uint8_t float_bits;           /* FloatParameterType sizeInBits (32|64) for eng values */
    /* AbsoluteTime: raw count * scale + offset seconds after the epoch. */
    vleo_epoch_t epoch;
    double time_scale;
    double time_offset;
    bool time_utc_based; /* the count is UTC days/seconds (no leap seconds), else TAI-like */
    /* AbsoluteTime with a BinaryDataEncoding of 48, 64 or 80 bits: a CCSDS CDS T-field
     * (301.0-B-4 3.3, implicit: 16-bit day, 32-bit ms of day, then 0, 2 (us) or 4 (ps)
     * octets), UTC-based from epoch.utc_unix_ns; raw BYTES, scale/offset unused. */
    bool time_cds;
    uint8_t cds_subms_octets; /* 0, 2 or 4 */
} mdb_ptype_t;

typedef struct {
    char *name;    /* qualified name */
    uint32_t type; /* index into types */
} mdb_param_t;

typedef enum { MDB_OP_EQ = 0, MDB_OP_NE, MDB_OP_LT, MDB_OP_LE, MDB_OP_GT, MDB_OP_GE } mdb_op_t;

/* One comparison of a RestrictionCriteria (all of a container's comparisons must hold). */
typedef struct {
    uint32_t param;
    uint8_t op;          /* mdb_op_t */
    bool use_calibrated; /* useCalibratedValue (default true) */
    bool is_text;        /* compare as text (enumeration labels, strings, booleans) */
    double num;          /* the value as a number, when !is_text */
    uint32_t text;       /* string pool offset, when is_text */
} mdb_cmp_t;

typedef enum { MDB_E_PARAM = 0, MDB_E_CONTAINER } mdb_entry_kind_t;

typedef struct {
    uint8_t kind;     /* mdb_entry_kind_t */
    bool from_start;  /* referenceLocation="containerStart", else "previousEntry" */
    uint32_t ref;     /* parameter or container index */
    int64_t loc_bits; /* LocationInContainerInBits FixedValue (0 when absent) */
} mdb_entry_t;

typedef struct {
    char *name;  /* short name */
    char *qname; /* qualified name */
    bool abstract;
    uint32_t base; /* base container index or MDB_NONE */
    uint32_t entry_first, entry_n;
    uint32_t cmp_first, cmp_n;     /* restriction criteria, ANDed */
    uint32_t child_first, child_n; /* derived containers (filled by mdb_finish) */
    uint32_t depth;                /* inheritance depth, root 0 (filled by mdb_finish) */
} mdb_container_t;

struct mdb_dec_plan; /* the decoder's compiled plan (mdb_decode.c) */

struct dec_mdb {
    mdb_ptype_t *types;
    size_t n_types, cap_types;
    mdb_param_t *params;
    size_t n_params, cap_params;
    mdb_container_t *conts;
    size_t n_conts, cap_conts;
    mdb_entry_t *entries;
    size_t n_entries, cap_entries;
    mdb_cmp_t *cmps;
    size_t n_cmps, cap_cmps;
    mdb_term_t *terms;
    size_t n_terms, cap_terms;
    mdb_point_t *points;
    size_t n_points, cap_points;
    mdb_enum_t *enums;
    size_t n_enums, cap_enums;
    uint32_t *children; /* child lists, by container (filled by mdb_finish) */
    uint32_t *roots;    /* containers without a base, in document order */
    size_t n_roots;
    char *strings; /* string pool: NUL-terminated strings, offset 0 is "" */
    size_t n_strings, cap_strings;
    char **unsupported; /* "LINE: Element: what" */
    size_t n_unsupported, cap_unsupported;
    struct mdb_dec_plan *plan; /* mdb_decode_prepare; freed by mdb_decode_release */
};

/* ---- builder: every function returns the new index, or MDB_NONE when out of memory (or,
 * for entries and comparisons, when they are not added contiguously). A container's entries
 * must be added one after the other with nothing in between for another container; the
 * same for its comparisons. */
dec_mdb_t *mdb_new(void);
uint32_t mdb_add_string(dec_mdb_t *m, const char *s); /* pool offset */
const char *mdb_str(const dec_mdb_t *m, uint32_t off);
uint32_t mdb_add_type(dec_mdb_t *m, const mdb_ptype_t *t); /* name copied; t's pools set */
uint32_t mdb_add_term(dec_mdb_t *m, double coefficient, double exponent);
uint32_t mdb_add_point(dec_mdb_t *m, double raw, double eng);
uint32_t mdb_add_enum(dec_mdb_t *m, int64_t value, int64_t max_value, const char *label);
uint32_t mdb_add_param(dec_mdb_t *m, const char *qname, uint32_t type);
uint32_t mdb_add_container(dec_mdb_t *m, const char *name, const char *qname, bool abstract,
                           uint32_t base);
/* The base of a container, once the loader has resolved its reference. */
void mdb_set_base(dec_mdb_t *m, uint32_t container, uint32_t base);
uint32_t mdb_add_entry(dec_mdb_t *m, uint32_t container, const mdb_entry_t *e);
uint32_t mdb_add_cmp(dec_mdb_t *m, uint32_t container, const mdb_cmp_t *c);
int mdb_add_unsupported(dec_mdb_t *m, long line, const char *element, const char *what);

/* After loading: link children to bases, find roots, check inheritance for cycles and depth,
 * check every entry's sizes. Returns 0, or -1 with a message in err. */
int mdb_finish(dec_mdb_t *m, char *err, size_t errlen);

/* Lookups by qualified name (linear; load time only). MDB_NONE when absent. */
uint32_t mdb_find_type(const dec_mdb_t *m, const char *qname);
uint32_t mdb_find_param(const dec_mdb_t *m, const char *qname);
uint32_t mdb_find_container(const dec_mdb_t *m, const char *qname);

/* Compile the decode plan of a finished model (after mdb_finish; again after any change).
 * Checks what the decoder relies on that mdb_finish does not (type references, pools,
 * encodings, ContainerRefEntry nesting and cycles, values per packet). Returns 0, or -1 with
 * a message in err. dec_mdb_decode decodes nothing until this succeeded (mdb_decode.c). */
int mdb_decode_prepare(dec_mdb_t *m, char *err, size_t errlen);
/* Free the plan (idempotent; dec_mdb_destroy must call it). */
void mdb_decode_release(dec_mdb_t *m);
/* The most values one packet can produce (an out array this large never overflows); 0
 * before mdb_decode_prepare. */
size_t mdb_decode_max_values(const dec_mdb_t *m);

/* Load the XTCE file at path into m (mdb_load.c). Returns 0, or -1 with "PATH:LINE:
 * <Element>: reason" in err. */
int mdb_load_xtce(dec_mdb_t *m, const char *path, char *err, size_t errlen);
/* The same for an XTCE document in memory, buf[0..len); name stands for PATH in messages. */
int mdb_load_xtce_mem(dec_mdb_t *m, const char *buf, size_t len, const char *name, char *err,
                      size_t errlen);

#endif
