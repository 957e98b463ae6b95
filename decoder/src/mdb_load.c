/* mdb_load.c: XTCE 1.2 telemetry loader (OMG XTCE 1.2, CCSDS 660.0-B-2 sections on
 * SpaceSystem, TelemetryMetaData, ParameterTypeSet, ParameterSet, ContainerSet) into the
 * mission database model, through the builder of mdb_model.h only.
 *
 * Readings of our own where XTCE has no element:
 * - CCSDS CDS time (301.0-B-4 3.3): an AbsoluteTimeParameterType whose <Encoding> holds a
 *   <BinaryDataEncoding> of 48, 64 or 80 bits is an implicit CDS T-field (16-bit day, 32-bit
 *   ms of day, then no, 16-bit us or 32-bit ps submillisecond field) counting UTC days from
 *   the ReferenceTime Epoch's civil date; any other binary size is an error. Its scale and
 *   offset do not apply (listed when given).
 * - Fixed-size arrays (ArrayParameterType with a DimensionList of FixedValue indices, 1 to
 *   LD_MAX_DIMS dimensions, at most LD_MAX_ARRAY_ELEMS elements, starting at 0) are expanded
 *   at load time: a Parameter NAME of an array type becomes parameters NAME[i] (NAME[i][j] in
 *   row-major order, an array of arrays adds its own indices after) of the element type, and
 *   a ParameterRefEntry (or ArrayParameterRefEntry without a DimensionList) to it becomes one
 *   entry per element: the first placed as the entry says, the others right after each other.
 *   An array cannot be compared in RestrictionCriteria. Array sizes given by DynamicValue or
 *   DiscreteLookupList are errors; an array type without a DimensionList (XTCE 1.1
 *   numberOfDimensions) is listed and its parameters are not decoded. */
#include "mdb_model.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#define LD_MAX_NAME 1024                /* qualified names and references, NUL included */
#define LD_MAX_TEXT 256                 /* attribute values and element texts, NUL included */
#define LD_MAX_SS_DEPTH 32              /* SpaceSystem nesting */
#define LD_MAX_NEST 32                  /* inheritance plus ContainerRefEntry nesting */
#define LD_MAX_FILE (64u * 1024 * 1024) /* no mission database is larger */
#define LD_MAX_DIMS 3                   /* dimensions of one ArrayParameterType */
#define LD_MAX_ARRAY_ELEMS 4096         /* elements of one array parameter */
#define LD_MAX_ARRAY_NEST 4             /* arrays of arrays */
#define LD_MAX_ARRAY_TOTAL 65536u       /* element parameters of a whole file */
#define LD_MAX_ARRAY_ENTRIES 262144u    /* entries placing array elements, whole file */

/* Never load a DTD or any external entity, never touch the network; errors come back
 * through the parser context, not stderr. */
#define LD_XML_OPTS                                                                                \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES)

/* Qualified name -> index, open addressing; keys owned. */
typedef struct {
    char **keys;
    uint32_t *vals;
    size_t cap, n;
} smap_t;

/* Why parameters of a type are not decoded (values of the bad_types / bad_params maps). */
static const char *const bad_reason[] = {
    "ArrayParameterType without a DimensionList is not supported",
    "AggregateParameterType is not supported",
    "RelativeTimeParameterType is not supported",
    "its type has no data encoding",
    "its type is not a known parameter type",
};
enum { BAD_ARRAY = 0, BAD_AGGREGATE, BAD_RELTIME, BAD_NO_ENCODING, BAD_UNKNOWN };

/* An ArrayParameterType with fixed dimensions, expanded when a Parameter uses it. */
enum { ARR_ELEM_TYPE = 0, ARR_ELEM_ARRAY, ARR_ELEM_BAD };
typedef struct {
    xmlNodePtr node; /* the document outlives the load */
    char *ss;        /* the SpaceSystem it is defined in: its arrayTypeRef resolves there */
    char *elem_ref;  /* arrayTypeRef */
    uint8_t elem_kind;
    uint32_t elem; /* type index, array index or bad_reason index, per elem_kind */
    uint32_t dims[LD_MAX_DIMS];
    uint8_t n_dims;
} ld_array_t;

/* A parameter of an array type: its elements are parameters first..first+n-1. */
typedef struct {
    uint32_t first, n;
} ld_aparam_t;

typedef struct {
    dec_mdb_t *m;
    const char *path;
    char *err;
    size_t errlen;
    smap_t types, params, conts, bad_types, bad_params;
    smap_t arrays;  /* qualified array type name -> index into arr */
    smap_t aparams; /* qualified array parameter name -> index into ap */
    ld_array_t *arr;
    size_t n_arr, cap_arr;
    ld_aparam_t *ap;
    size_t n_ap, cap_ap;
    size_t n_elems;       /* element parameters made so far */
    size_t n_arr_entries; /* entries made for array elements so far */
    long *cont_line;      /* line of each container's element, by container index */
    size_t cap_cont_line;
    char ss[LD_MAX_NAME]; /* qualified name of the current SpaceSystem */
    size_t ss_len;
    int pass;
} ld_t;

enum { PASS_TYPES = 1, PASS_PARAMS, PASS_CONTAINERS, PASS_ENTRIES };

/* ---- small helpers ---- */

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s != '\0'; s++) {
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    }
    return h;
}

static bool smap_get(const smap_t *mp, const char *key, uint32_t *val) {
    if (mp->cap == 0) {
        return false;
    }
    size_t i = (size_t)(hash_str(key) & (mp->cap - 1));
    /* The table is never more than half full, so an empty slot ends every probe. */
    while (mp->keys[i] != NULL) {
        if (strcmp(mp->keys[i], key) == 0) {
            *val = mp->vals[i];
            return true;
        }
        i = (i + 1) & (mp->cap - 1);
    }
    return false;
}

static void smap_place(char **keys, uint32_t *vals, size_t cap, char *key, uint32_t val) {
    size_t i = (size_t)(hash_str(key) & (cap - 1));
    while (keys[i] != NULL) {
        i = (i + 1) & (cap - 1);
    }
    keys[i] = key;
    vals[i] = val;
}

/* Insert a key known to be absent. Returns 0, or -1 when out of memory. */
static int smap_put(smap_t *mp, const char *key, uint32_t val) {
    if ((mp->n + 1) * 2 > mp->cap) {
        size_t nc = mp->cap ? mp->cap * 2 : 64;
        char **nk = calloc(nc, sizeof *nk);
        uint32_t *nv = calloc(nc, sizeof *nv);
        if (nk == NULL || nv == NULL) {
            free(nk);
            free(nv);
            return -1;
        }
        for (size_t i = 0; i < mp->cap; i++) {
            if (mp->keys[i] != NULL) {
                smap_place(nk, nv, nc, mp->keys[i], mp->vals[i]);
            }
        }
        free(mp->keys);
        free(mp->vals);
        mp->keys = nk;
        mp->vals = nv;
        mp->cap = nc;
    }
    char *k = strdup(key);
    if (k == NULL) {
        return -1;
    }
    smap_place(mp->keys, mp->vals, mp->cap, k, val);
    mp->n++;
    return 0;
}

static void smap_free(smap_t *mp) {
    for (size_t i = 0; i < mp->cap; i++) {
        free(mp->keys[i]);
    }
    free(mp->keys);
    free(mp->vals);
    memset(mp, 0, sizeof *mp);
}

static bool is(xmlNodePtr n, const char *name) {
    return strcmp((const char *)n->name, name) == 0;
}

static const char *ename(xmlNodePtr n) {
    return (const char *)n->name;
}

static long line_of(xmlNodePtr n) {
    return xmlGetLineNo(n);
}

/* First element child, and the next element sibling. */
static xmlNodePtr first_el(xmlNodePtr n) {
    xmlNodePtr c = n->children;
    while (c != NULL && c->type != XML_ELEMENT_NODE) {
        c = c->next;
    }
    return c;
}

static xmlNodePtr next_el(xmlNodePtr n) {
    xmlNodePtr c = n->next;
    while (c != NULL && c->type != XML_ELEMENT_NODE) {
        c = c->next;
    }
    return c;
}

#define FOR_EACH_EL(c, parent) for (xmlNodePtr c = first_el(parent); c != NULL; c = next_el(c))

/* Write "PATH:LINE: Element: reason" into the caller's buffer. Always returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(ld_t *ld, xmlNodePtr n, const char *fmt,
                                                      ...) {
    if (ld->errlen == 0) {
        return -1;
    }
    int off = snprintf(ld->err, ld->errlen, "%s:%ld: %s: ", ld->path, n ? line_of(n) : 0L,
                       n ? ename(n) : "XTCE");
    if (off >= 0 && (size_t)off < ld->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ld->err + off, ld->errlen - (size_t)off, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* List an unsupported element once (mdb_add_unsupported keeps the first line). */
static int unsup(ld_t *ld, xmlNodePtr n, const char *what) {
    if (mdb_add_unsupported(ld->m, line_of(n), ename(n), what) != 0) {
        return fail(ld, n, "out of memory");
    }
    return 0;
}

/* Elements that only document: ignored without a word. */
static bool is_doc(xmlNodePtr n) {
    return is(n, "LongDescription") || is(n, "AliasSet") || is(n, "AncillaryDataSet") ||
           is(n, "Header");
}

static void trim_copy(const char *s, char *buf, size_t cap, bool *too_long) {
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) {
        n--;
    }
    *too_long = n >= cap;
    if (*too_long) {
        n = cap - 1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
}

/* Attribute `name` of n, trimmed, into buf. Returns 1 when present, 0 when absent, -1 with the
 * message set when too long. */
static int get_attr(ld_t *ld, xmlNodePtr n, const char *name, char *buf, size_t cap) {
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (v == NULL) {
        buf[0] = '\0';
        return 0;
    }
    bool too_long;
    trim_copy((const char *)v, buf, cap, &too_long);
    xmlFree(v);
    if (too_long) {
        return fail(ld, n, "attribute %s is longer than %zu characters", name, cap - 1);
    }
    return 1;
}

/* Like get_attr, but the attribute must be there. Returns 0 or -1. */
static int need_attr(ld_t *ld, xmlNodePtr n, const char *name, char *buf, size_t cap) {
    int rc = get_attr(ld, n, name, buf, cap);
    if (rc == 0) {
        return fail(ld, n, "attribute %s is missing", name);
    }
    return rc < 0 ? -1 : 0;
}

/* The text content of n, trimmed, into buf. Returns 0, or -1 with the message set. */
static int get_text(ld_t *ld, xmlNodePtr n, char *buf, size_t cap) {
    xmlChar *v = xmlNodeGetContent(n);
    if (v == NULL) {
        buf[0] = '\0';
        return 0;
    }
    bool too_long;
    trim_copy((const char *)v, buf, cap, &too_long);
    xmlFree(v);
    if (too_long) {
        return fail(ld, n, "text is longer than %zu characters", cap - 1);
    }
    return 0;
}

static bool parse_f64(const char *s, double *out) {
    if (*s == '\0') {
        return false;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v) || errno == ERANGE) {
        return false;
    }
    *out = v;
    return true;
}

static bool parse_i64(const char *s, int64_t *out) {
    if (*s == '\0') {
        return false;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0' || errno == ERANGE) {
        return false;
    }
    *out = (int64_t)v;
    return true;
}

/* Numeric attributes: 1 present (value in *out), 0 absent (*out untouched), -1 error. */
static int attr_f64(ld_t *ld, xmlNodePtr n, const char *name, double *out) {
    char buf[LD_MAX_TEXT];
    int rc = get_attr(ld, n, name, buf, sizeof buf);
    if (rc <= 0) {
        return rc;
    }
    if (!parse_f64(buf, out)) {
        return fail(ld, n, "%s: bad number \"%s\"", name, buf);
    }
    return 1;
}

/* A required numeric attribute. Returns 0 or -1. */
static int need_f64(ld_t *ld, xmlNodePtr n, const char *name, double *out) {
    int rc = attr_f64(ld, n, name, out);
    if (rc == 0) {
        return fail(ld, n, "attribute %s is missing", name);
    }
    return rc < 0 ? -1 : 0;
}

static int attr_i64(ld_t *ld, xmlNodePtr n, const char *name, int64_t *out) {
    char buf[LD_MAX_TEXT];
    int rc = get_attr(ld, n, name, buf, sizeof buf);
    if (rc <= 0) {
        return rc;
    }
    if (!parse_i64(buf, out)) {
        return fail(ld, n, "%s: bad number \"%s\"", name, buf);
    }
    return 1;
}

static int attr_bool(ld_t *ld, xmlNodePtr n, const char *name, bool *out) {
    char buf[LD_MAX_TEXT];
    int rc = get_attr(ld, n, name, buf, sizeof buf);
    if (rc <= 0) {
        return rc;
    }
    if (strcmp(buf, "true") == 0 || strcmp(buf, "1") == 0) {
        *out = true;
    } else if (strcmp(buf, "false") == 0 || strcmp(buf, "0") == 0) {
        *out = false;
    } else {
        return fail(ld, n, "%s: \"%s\" is not true or false", name, buf);
    }
    return 1;
}

/* A FixedValue-like element: a size or location in bits. */
static int text_i64(ld_t *ld, xmlNodePtr n, int64_t *out) {
    char buf[LD_MAX_TEXT];
    if (get_text(ld, n, buf, sizeof buf) != 0) {
        return -1;
    }
    if (!parse_i64(buf, out)) {
        return fail(ld, n, "bad number \"%s\"", buf);
    }
    return 0;
}

/* A size in bits for strings and binaries: 1..MDB_MAX_SIZE_BITS, whole octets. */
static int text_size(ld_t *ld, xmlNodePtr n, uint32_t *out) {
    int64_t v;
    if (text_i64(ld, n, &v) != 0) {
        return -1;
    }
    if (v <= 0 || v > (int64_t)MDB_MAX_SIZE_BITS) {
        return fail(ld, n, "size of %lld bits is outside 1..%u", (long long)v, MDB_MAX_SIZE_BITS);
    }
    if (v % 8 != 0) {
        return fail(ld, n, "not supported: size of %lld bits is not whole octets", (long long)v);
    }
    *out = (uint32_t)v;
    return 0;
}

/* XTCE NameType: no path separators. */
static bool valid_name(const char *s) {
    return s[0] != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* The name attribute of n, checked, and its qualified name in the current SpaceSystem. */
static int qualify(ld_t *ld, xmlNodePtr n, char *name, size_t ncap, char *q, size_t qcap) {
    if (need_attr(ld, n, "name", name, ncap) != 0) {
        return -1;
    }
    if (!valid_name(name)) {
        return fail(ld, n, "bad name \"%s\"", name);
    }
    int w = snprintf(q, qcap, "%s/%s", ld->ss, name);
    if (w < 0 || (size_t)w >= qcap) {
        return fail(ld, n, "qualified name longer than %zu characters", qcap - 1);
    }
    return 0;
}

/* Resolve "." and ".." segments of an absolute path in place. False when malformed or when
 * ".." climbs above the root. */
static bool normalize(char *p) {
    char out[LD_MAX_NAME];
    size_t o = 0;
    const char *s = p;
    if (*s != '/') {
        return false;
    }
    while (*s == '/') {
        s++;
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0) {
            return false; /* "//" or a trailing '/' */
        }
        if (n == 1 && s[0] == '.') {
            /* stays */
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (o == 0) {
                return false;
            }
            while (o > 0 && out[o - 1] != '/') {
                o--;
            }
            o--; /* the '/' */
        } else {
            if (o + 1 + n >= sizeof out) {
                return false;
            }
            out[o++] = '/';
            memcpy(out + o, s, n);
            o += n;
        }
        s += n;
    }
    if (o == 0) {
        return false;
    }
    out[o] = '\0';
    memcpy(p, out, o + 1);
    return true;
}

/* Resolve a reference from the current SpaceSystem: "/A/B/N" absolute; "X/N" or "../X/N"
 * relative to the SpaceSystem; a bare "N" in the SpaceSystem, then in each ancestor. */
static bool resolve(const ld_t *ld, const smap_t *mp, const char *ref, uint32_t *out) {
    char buf[LD_MAX_NAME];
    int w;
    if (ref[0] == '/') {
        w = snprintf(buf, sizeof buf, "%s", ref);
        return w >= 0 && (size_t)w < sizeof buf && normalize(buf) && smap_get(mp, buf, out);
    }
    if (strchr(ref, '/') != NULL) {
        w = snprintf(buf, sizeof buf, "%s/%s", ld->ss, ref);
        return w >= 0 && (size_t)w < sizeof buf && normalize(buf) && smap_get(mp, buf, out);
    }
    size_t len = ld->ss_len;
    /* Each step drops one trailing SpaceSystem; the path is finite. */
    while (len > 0) {
        w = snprintf(buf, sizeof buf, "%.*s/%s", (int)len, ld->ss, ref);
        if (w >= 0 && (size_t)w < sizeof buf && smap_get(mp, buf, out)) {
            return true;
        }
        do {
            len--;
        } while (len > 0 && ld->ss[len] != '/');
    }
    return false;
}

/* ---- pass 1: types ---- */

static int parse_calibrator(ld_t *ld, xmlNodePtr dc, mdb_ptype_t *t) {
    FOR_EACH_EL(c, dc) {
        if (is(c, "PolynomialCalibrator")) {
            if (t->calib.kind != MDB_CAL_NONE) {
                return fail(ld, c, "a second calibrator");
            }
            uint32_t n = 0;
            FOR_EACH_EL(term, c) {
                if (!is(term, "Term")) {
                    if (!is_doc(term) && unsup(ld, term, "ignored") != 0) {
                        return -1;
                    }
                    continue;
                }
                double coef = 0, expo = 0;
                if (need_f64(ld, term, "coefficient", &coef) != 0 ||
                    need_f64(ld, term, "exponent", &expo) != 0) {
                    return -1;
                }
                if (expo < 0 || expo > 64) {
                    return fail(ld, term, "exponent %g is outside 0..64", expo);
                }
                if (++n > MDB_MAX_CALIB_TERMS) {
                    return fail(ld, term, "more than %d terms", MDB_MAX_CALIB_TERMS);
                }
                uint32_t k = mdb_add_term(ld->m, coef, expo);
                if (k == MDB_NONE) {
                    return fail(ld, term, "out of memory");
                }
                if (n == 1) {
                    t->calib.first = k;
                }
            }
            if (n == 0) {
                return fail(ld, c, "no Term");
            }
            t->calib.kind = MDB_CAL_POLY;
            t->calib.n = n;
        } else if (is(c, "SplineCalibrator")) {
            if (t->calib.kind != MDB_CAL_NONE) {
                return fail(ld, c, "a second calibrator");
            }
            int64_t order = 1;
            if (attr_i64(ld, c, "order", &order) < 0) {
                return -1;
            }
            if (order != 1 && unsup(ld, c, "order other than 1: linear interpolation used") != 0) {
                return -1;
            }
            uint32_t n = 0;
            double prev = 0;
            FOR_EACH_EL(pt, c) {
                if (!is(pt, "SplinePoint")) {
                    if (!is_doc(pt) && unsup(ld, pt, "ignored") != 0) {
                        return -1;
                    }
                    continue;
                }
                double raw = 0, cal = 0;
                if (need_f64(ld, pt, "raw", &raw) != 0 ||
                    need_f64(ld, pt, "calibrated", &cal) != 0) {
                    return -1;
                }
                if (n > 0 && !(raw > prev)) {
                    return fail(ld, pt, "raw values must increase (%g after %g)", raw, prev);
                }
                prev = raw;
                if (++n > MDB_MAX_SPLINE_POINTS) {
                    return fail(ld, pt, "more than %d points", MDB_MAX_SPLINE_POINTS);
                }
                uint32_t k = mdb_add_point(ld->m, raw, cal);
                if (k == MDB_NONE) {
                    return fail(ld, pt, "out of memory");
                }
                if (n == 1) {
                    t->calib.first = k;
                }
            }
            if (n < 2) {
                return fail(ld, c, "at least two SplinePoints needed");
            }
            t->calib.kind = MDB_CAL_SPLINE;
            t->calib.n = n;
        } else if (is(c, "MathOperationCalibrator")) {
            if (unsup(ld, c, "calibrator ignored: raw value used") != 0) {
                return -1;
            }
        } else if (!is_doc(c) && unsup(ld, c, "ignored") != 0) {
            return -1;
        }
    }
    return 0;
}

/* Children of a data encoding: calibrators; the rest is listed. */
static int parse_enc_children(ld_t *ld, xmlNodePtr n, mdb_ptype_t *t) {
    FOR_EACH_EL(c, n) {
        if (is(c, "DefaultCalibrator")) {
            if (t->kind != MDB_T_INTEGER && t->kind != MDB_T_FLOAT) {
                if (unsup(ld, c, "calibrator of a non-numeric type ignored") != 0) {
                    return -1;
                }
                continue;
            }
            if (parse_calibrator(ld, c, t) != 0) {
                return -1;
            }
        } else if (is(c, "ContextCalibratorList")) {
            if (unsup(ld, c, "context calibrators ignored: the default calibrator is used") != 0) {
                return -1;
            }
        } else if (is(c, "SizeInBits") || is(c, "Variable")) {
            /* strings and binaries: read by their own parser */
        } else if (is(c, "ErrorDetectCorrect")) {
            if (unsup(ld, c, "error detection ignored") != 0) {
                return -1;
            }
        } else if (!is_doc(c) && unsup(ld, c, "ignored") != 0) {
            return -1;
        }
    }
    return 0;
}

static int parse_byte_order(ld_t *ld, xmlNodePtr n, mdb_encoding_t *e) {
    char buf[LD_MAX_TEXT];
    int rc = get_attr(ld, n, "byteOrder", buf, sizeof buf);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0 || strcmp(buf, "mostSignificantByteFirst") == 0) {
        e->little_endian = false;
    } else if (strcmp(buf, "leastSignificantByteFirst") == 0) {
        if (e->size_bits % 8 != 0) {
            return fail(ld, n, "leastSignificantByteFirst needs whole octets, not %u bits",
                        e->size_bits);
        }
        e->little_endian = e->size_bits > 8;
    } else {
        return fail(ld, n, "not supported: byteOrder \"%s\"", buf);
    }
    rc = get_attr(ld, n, "bitOrder", buf, sizeof buf);
    if (rc < 0) {
        return -1;
    }
    if (rc > 0 && strcmp(buf, "mostSignificantBitFirst") != 0) {
        return fail(ld, n, "not supported: bitOrder \"%s\"", buf);
    }
    return 0;
}

static int parse_int_enc(ld_t *ld, xmlNodePtr n, mdb_ptype_t *t) {
    mdb_encoding_t *e = &t->enc;
    int64_t size = 8;
    if (attr_i64(ld, n, "sizeInBits", &size) < 0) {
        return -1;
    }
    if (size < 1 || size > 64) {
        return fail(ld, n, "sizeInBits %lld: integers take 1 to 64 bits", (long long)size);
    }
    e->kind = MDB_ENC_INTEGER;
    e->size_bits = (uint32_t)size;
    char buf[LD_MAX_TEXT];
    int rc = get_attr(ld, n, "encoding", buf, sizeof buf);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0 || strcmp(buf, "unsigned") == 0) {
        e->int_enc = MDB_INT_UNSIGNED;
    } else if (strcmp(buf, "twosComplement") == 0 || strcmp(buf, "twosCompliment") == 0) {
        e->int_enc = MDB_INT_TWOS; /* XTCE 1.0 spelled it "twosCompliment" */
    } else if (strcmp(buf, "signMagnitude") == 0) {
        e->int_enc = MDB_INT_SIGNMAG;
    } else if (strcmp(buf, "onesComplement") == 0 || strcmp(buf, "onesCompliment") == 0) {
        e->int_enc = MDB_INT_ONES;
    } else {
        return fail(ld, n, "not supported: encoding \"%s\"", buf);
    }
    if (e->int_enc != MDB_INT_UNSIGNED && size < 2) {
        return fail(ld, n, "a signed integer needs at least 2 bits");
    }
    if (parse_byte_order(ld, n, e) != 0) {
        return -1;
    }
    return parse_enc_children(ld, n, t);
}

static int parse_float_enc(ld_t *ld, xmlNodePtr n, mdb_ptype_t *t) {
    mdb_encoding_t *e = &t->enc;
    int64_t size = 32;
    if (attr_i64(ld, n, "sizeInBits", &size) < 0) {
        return -1;
    }
    if (size != 32 && size != 64) {
        return fail(ld, n, "sizeInBits %lld: floats take 32 or 64 bits", (long long)size);
    }
    char buf[LD_MAX_TEXT];
    int rc = get_attr(ld, n, "encoding", buf, sizeof buf);
    if (rc < 0) {
        return -1;
    }
    if (rc > 0 && strcmp(buf, "IEEE754_1985") != 0 && strcmp(buf, "IEEE754") != 0) {
        return fail(ld, n, "not supported: encoding \"%s\"", buf);
    }
    e->kind = MDB_ENC_FLOAT;
    e->size_bits = (uint32_t)size;
    if (parse_byte_order(ld, n, e) != 0) {
        return -1;
    }
    return parse_enc_children(ld, n, t);
}

/* TerminationChar: one octet in hex. */
static int parse_term(ld_t *ld, xmlNodePtr n, int32_t *out) {
    char buf[LD_MAX_TEXT];
    if (get_text(ld, n, buf, sizeof buf) != 0) {
        return -1;
    }
    if (buf[0] == '\0') {
        *out = 0; /* the schema's default, 00 */
        return 0;
    }
    char *end;
    unsigned long v = strtoul(buf, &end, 16);
    if (*end != '\0' || strlen(buf) != 2) {
        return fail(ld, n, "not supported: \"%s\" is not one octet in hex", buf);
    }
    *out = (int32_t)v;
    return 0;
}

/* XTCE 1.2 requires a DynamicValue in <Variable>; files that end their strings with a
 * TerminationChar fill it with a reference to "_yamcs_ignore" (the convention of Yamcs). */
static bool ignored_dynamic(xmlNodePtr dv) {
    xmlNodePtr r = first_el(dv);
    if (r == NULL || !is(r, "ParameterInstanceRef") || next_el(r) != NULL) {
        return false;
    }
    xmlChar *v = xmlGetProp(r, (const xmlChar *)"parameterRef");
    bool ok = v != NULL && strcmp((const char *)v, "_yamcs_ignore") == 0;
    xmlFree(v);
    return ok;
}

static int parse_string_enc(ld_t *ld, xmlNodePtr n, mdb_ptype_t *t) {
    mdb_encoding_t *e = &t->enc;
    char buf[LD_MAX_TEXT];
    int rc = get_attr(ld, n, "encoding", buf, sizeof buf);
    if (rc < 0) {
        return -1;
    }
    if (rc > 0 && strcmp(buf, "UTF-8") != 0 && strcmp(buf, "US-ASCII") != 0 &&
        strcmp(buf, "ISO-8859-1") != 0) {
        return fail(ld, n, "not supported: encoding \"%s\"", buf);
    }
    e->kind = MDB_ENC_STRING;
    uint32_t fixed = 0;
    int32_t term = -1;
    bool sized = false, fixed_buf = false;
    FOR_EACH_EL(c, n) {
        if (is(c, "SizeInBits")) {
            sized = true;
            FOR_EACH_EL(s, c) {
                if (is(s, "Fixed")) {
                    xmlNodePtr fv = first_el(s);
                    if (fv == NULL || !is(fv, "FixedValue")) {
                        return fail(ld, fv ? fv : s, "not supported: string size not fixed");
                    }
                    if (text_size(ld, fv, &fixed) != 0) {
                        return -1;
                    }
                    fixed_buf = true;
                } else if (is(s, "TerminationChar")) {
                    if (parse_term(ld, s, &term) != 0) {
                        return -1;
                    }
                } else if (!is_doc(s)) {
                    return fail(ld, s, "not supported: string size by %s", ename(s));
                }
            }
        } else if (is(c, "Variable")) {
            sized = true;
            int64_t max = 0;
            rc = attr_i64(ld, c, "maxSizeInBits", &max);
            if (rc < 0) {
                return -1;
            }
            if (rc == 0 || max <= 0 || max > (int64_t)MDB_MAX_SIZE_BITS) {
                return fail(ld, c, "maxSizeInBits missing or outside 1..%u", MDB_MAX_SIZE_BITS);
            }
            FOR_EACH_EL(s, c) {
                if (is(s, "TerminationChar")) {
                    if (parse_term(ld, s, &term) != 0) {
                        return -1;
                    }
                } else if (is(s, "DynamicValue") && ignored_dynamic(s)) {
                    /* a placeholder: the TerminationChar ends the string */
                } else if (!is_doc(s)) {
                    return fail(ld, s, "not supported: Variable string size by %s", ename(s));
                }
            }
            if (term < 0) {
                return fail(ld, c, "not supported: <Variable> string size");
            }
            fixed = (uint32_t)max;
        }
    }
    if (!sized || (fixed == 0 && term < 0)) {
        return fail(ld, n, "string size not given");
    }
    /* <Fixed> with a TerminationChar is a fixed buffer (the entry always takes its size)
     * holding a string that ends at the terminator or at the buffer's end; <Variable> or a
     * TerminationChar alone takes the string and its terminator, at most max_bits. */
    e->term_char = term;
    if (fixed_buf) {
        e->size_bits = fixed;
        e->max_bits = term >= 0 ? fixed : 0;
    } else {
        e->size_bits = 0;
        e->max_bits = fixed; /* 0: up to the packet's end */
    }
    return parse_enc_children(ld, n, t);
}

static int parse_binary_enc(ld_t *ld, xmlNodePtr n, mdb_ptype_t *t) {
    t->enc.kind = MDB_ENC_BINARY;
    xmlNodePtr sz = NULL;
    FOR_EACH_EL(c, n) {
        if (is(c, "SizeInBits")) {
            sz = c;
        }
    }
    if (sz == NULL) {
        return fail(ld, n, "SizeInBits missing");
    }
    xmlNodePtr fv = first_el(sz);
    if (fv != NULL && is(fv, "Fixed")) {
        fv = first_el(fv); /* XTCE 1.1 style */
    }
    if (fv == NULL || !is(fv, "FixedValue")) {
        return fail(ld, fv ? fv : sz, "not supported: binary size not fixed");
    }
    if (text_size(ld, fv, &t->enc.size_bits) != 0) {
        return -1;
    }
    return parse_enc_children(ld, n, t);
}

/* An AbsoluteTime with a BinaryDataEncoding: a CCSDS CDS T-field (our reading, see the file
 * comment): 48, 64 or 80 bits. */
static int parse_cds(ld_t *ld, xmlNodePtr n, mdb_ptype_t *t) {
    uint32_t bits = t->enc.size_bits;
    if (bits != 48 && bits != 64 && bits != 80) {
        return fail(ld, n, "AbsoluteTime binary encoding of %u bits: only CDS 48, 64 or 80", bits);
    }
    t->time_cds = true;
    t->cds_subms_octets = (uint8_t)((bits - 48) / 8);
    return 0;
}

/* A data encoding element inside a type (or its <Encoding>). */
static int parse_encoding(ld_t *ld, xmlNodePtr c, mdb_ptype_t *t, bool *have) {
    static const struct {
        const char *el;
        uint8_t enc;
        uint8_t kinds; /* bit per mdb_kind_t */
    } allowed[] = {
        {"IntegerDataEncoding", MDB_ENC_INTEGER,
         1u << MDB_T_INTEGER | 1u << MDB_T_FLOAT | 1u << MDB_T_ENUM | 1u << MDB_T_BOOLEAN |
             1u << MDB_T_ABSTIME},
        {"FloatDataEncoding", MDB_ENC_FLOAT,
         1u << MDB_T_INTEGER | 1u << MDB_T_FLOAT | 1u << MDB_T_ABSTIME},
        {"StringDataEncoding", MDB_ENC_STRING, 1u << MDB_T_STRING},
        {"BinaryDataEncoding", MDB_ENC_BINARY, 1u << MDB_T_BINARY | 1u << MDB_T_ABSTIME},
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        if (!is(c, allowed[i].el)) {
            continue;
        }
        if (*have) {
            return fail(ld, c, "a second data encoding");
        }
        if ((allowed[i].kinds & (1u << t->kind)) == 0) {
            return fail(ld, c, "not supported in %s", ename(c->parent));
        }
        *have = true;
        switch (allowed[i].enc) {
        case MDB_ENC_INTEGER:
            return parse_int_enc(ld, c, t);
        case MDB_ENC_FLOAT:
            return parse_float_enc(ld, c, t);
        case MDB_ENC_STRING:
            return parse_string_enc(ld, c, t);
        default:
            if (parse_binary_enc(ld, c, t) != 0) {
                return -1;
            }
            return t->kind == MDB_T_ABSTIME ? parse_cds(ld, c, t) : 0;
        }
    }
    return 1; /* not an encoding */
}

static int parse_range(ld_t *ld, xmlNodePtr n, mdb_ptype_t *t) {
    double lo = -INFINITY, hi = INFINITY, v;
    bool lo_incl = true, hi_incl = true, any = false;
    int a = attr_f64(ld, n, "minInclusive", &v);
    if (a < 0) {
        return -1;
    }
    if (a > 0) {
        lo = v;
        any = true;
    }
    int b = attr_f64(ld, n, "minExclusive", &v);
    if (b < 0) {
        return -1;
    }
    if (b > 0) {
        if (a > 0) {
            return fail(ld, n, "both minInclusive and minExclusive");
        }
        lo = v;
        lo_incl = false;
        any = true;
    }
    a = attr_f64(ld, n, "maxInclusive", &v);
    if (a < 0) {
        return -1;
    }
    if (a > 0) {
        hi = v;
        any = true;
    }
    b = attr_f64(ld, n, "maxExclusive", &v);
    if (b < 0) {
        return -1;
    }
    if (b > 0) {
        if (a > 0) {
            return fail(ld, n, "both maxInclusive and maxExclusive");
        }
        hi = v;
        hi_incl = false;
        any = true;
    }
    if (!any) {
        return fail(ld, n, "no bound");
    }
    if (lo > hi) {
        return fail(ld, n, "minimum %g above maximum %g", lo, hi);
    }
    bool on_cal = true;
    if (attr_bool(ld, n, "validRangeAppliesToCalibrated", &on_cal) < 0) {
        return -1;
    }
    if (!on_cal && unsup(ld, n,
                         "validRangeAppliesToCalibrated=\"false\": the range is "
                         "applied to the engineering value") != 0) {
        return -1;
    }
    t->has_range = true;
    t->range_min = lo;
    t->range_max = hi;
    t->range_min_incl = lo_incl;
    t->range_max_incl = hi_incl;
    return 0;
}

static int parse_enums(ld_t *ld, xmlNodePtr n, mdb_ptype_t *t) {
    FOR_EACH_EL(c, n) {
        if (!is(c, "Enumeration")) {
            if (!is_doc(c) && unsup(ld, c, "ignored") != 0) {
                return -1;
            }
            continue;
        }
        int64_t value = 0, max = 0;
        char label[LD_MAX_TEXT];
        int rc = attr_i64(ld, c, "value", &value);
        if (rc <= 0) {
            return rc < 0 ? -1 : fail(ld, c, "attribute value is missing");
        }
        if (need_attr(ld, c, "label", label, sizeof label) != 0) {
            return -1;
        }
        max = value;
        if (attr_i64(ld, c, "maxValue", &max) < 0) {
            return -1;
        }
        if (max < value) {
            return fail(ld, c, "maxValue %lld below value %lld", (long long)max, (long long)value);
        }
        uint32_t k = mdb_add_enum(ld->m, value, max, label);
        if (k == MDB_NONE) {
            return fail(ld, c, "out of memory");
        }
        if (t->enum_n == 0) {
            t->enum_first = k;
        }
        t->enum_n++;
    }
    return 0;
}

static int parse_epoch(ld_t *ld, xmlNodePtr rt, mdb_ptype_t *t, bool *have, bool *offset_from) {
    FOR_EACH_EL(c, rt) {
        if (is(c, "Epoch")) {
            char buf[LD_MAX_TEXT];
            if (get_text(ld, c, buf, sizeof buf) != 0) {
                return -1;
            }
            const char *iso = buf;
            t->time_utc_based = false;
            if (strcmp(buf, "TAI") == 0) {
                iso = "1958-01-01";
            } else if (strcmp(buf, "GPS") == 0) {
                iso = "1980-01-06";
            } else if (strcmp(buf, "J2000") == 0) {
                iso = "2000-01-01T11:58:55.816Z";
            } else if (strcmp(buf, "UNIX") == 0 || strcmp(buf, "POSIX") == 0) {
                iso = "1970-01-01T00:00:00Z";
                t->time_utc_based = true;
            }
            if (vleo_epoch_parse(iso, &t->epoch) != 0) {
                return fail(ld, c, "bad epoch \"%s\"", buf);
            }
            *have = true;
        } else if (is(c, "OffsetFrom")) {
            /* The field's layout is known, only its meaning is not: keep the entries after it
             * in place and give the value as a number of seconds. */
            if (unsup(ld, c,
                      "time relative to another parameter: decoded as seconds "
                      "(offset + scale * raw)") != 0) {
                return -1;
            }
            *offset_from = true;
        } else if (!is_doc(c) && unsup(ld, c, "ignored") != 0) {
            return -1;
        }
    }
    return 0;
}

/* AbsoluteTimeParameterType <Encoding scale= offset= units=> holding the data encoding. */
static int parse_time_encoding(ld_t *ld, xmlNodePtr n, mdb_ptype_t *t, bool *have) {
    if (attr_f64(ld, n, "scale", &t->time_scale) < 0 ||
        attr_f64(ld, n, "offset", &t->time_offset) < 0) {
        return -1;
    }
    char buf[LD_MAX_TEXT];
    int rc = get_attr(ld, n, "units", buf, sizeof buf);
    if (rc < 0) {
        return -1;
    }
    if (rc > 0 && strcmp(buf, "seconds") != 0) {
        return fail(ld, n, "not supported: units \"%s\"", buf);
    }
    FOR_EACH_EL(c, n) {
        rc = parse_encoding(ld, c, t, have);
        if (rc < 0) {
            return -1;
        }
        if (rc > 0 && !is_doc(c) && unsup(ld, c, "ignored") != 0) {
            return -1;
        }
    }
    return 0;
}

static int bad_type(ld_t *ld, xmlNodePtr n, const char *q, uint32_t why, const char *what) {
    if (smap_put(&ld->bad_types, q, why) != 0) {
        return fail(ld, n, "out of memory");
    }
    return unsup(ld, n, what);
}

/* StartingIndex / EndingIndex of a Dimension: a FixedValue. */
static int parse_index(ld_t *ld, xmlNodePtr n, int64_t *out) {
    bool have = false;
    FOR_EACH_EL(c, n) {
        if (is(c, "FixedValue")) {
            if (have) {
                return fail(ld, c, "a second FixedValue");
            }
            if (text_i64(ld, c, out) != 0) {
                return -1;
            }
            have = true;
        } else if (!is_doc(c)) {
            return fail(ld, c, "not supported: array size by %s", ename(c));
        }
    }
    if (!have) {
        return fail(ld, n, "FixedValue missing");
    }
    return 0;
}

/* ArrayParameterType name= arrayTypeRef= with a DimensionList of fixed Dimensions. */
static int parse_array_type(ld_t *ld, xmlNodePtr n, const char *q) {
    ld_array_t a;
    memset(&a, 0, sizeof a);
    a.node = n;
    char ref[LD_MAX_NAME];
    if (need_attr(ld, n, "arrayTypeRef", ref, sizeof ref) != 0) {
        return -1;
    }
    xmlNodePtr dl = NULL;
    FOR_EACH_EL(c, n) {
        if (is(c, "DimensionList")) {
            if (dl != NULL) {
                return fail(ld, c, "a second DimensionList");
            }
            dl = c;
        } else if (!is_doc(c) && unsup(ld, c, "ignored") != 0) {
            return -1;
        }
    }
    if (dl == NULL) {
        /* XTCE 1.1 numberOfDimensions= says how many, not how large */
        return bad_type(ld, n, q, BAD_ARRAY,
                        "not supported without a DimensionList (size unknown): its "
                        "parameters are not decoded");
    }
    uint64_t total = 1;
    FOR_EACH_EL(d, dl) {
        if (is_doc(d)) {
            continue;
        }
        if (!is(d, "Dimension")) {
            return fail(ld, d, "not supported in a DimensionList");
        }
        if (a.n_dims == LD_MAX_DIMS) {
            return fail(ld, d, "not supported: more than %d dimensions", LD_MAX_DIMS);
        }
        int64_t start = -1, end = -1;
        FOR_EACH_EL(x, d) {
            if (is(x, "StartingIndex")) {
                if (parse_index(ld, x, &start) != 0) {
                    return -1;
                }
            } else if (is(x, "EndingIndex")) {
                if (parse_index(ld, x, &end) != 0) {
                    return -1;
                }
            } else if (!is_doc(x)) {
                return fail(ld, x, "not supported in a Dimension");
            }
        }
        if (start != 0) {
            return fail(ld, d, "not supported: StartingIndex other than 0 (or missing)");
        }
        if (end < 0 || end >= LD_MAX_ARRAY_ELEMS) {
            return fail(ld, d, "EndingIndex %lld outside 0..%d", (long long)end,
                        LD_MAX_ARRAY_ELEMS - 1);
        }
        /* both factors <= 4096 here, the product stays far below 2^64 */
        total *= (uint64_t)end + 1;
        if (total > LD_MAX_ARRAY_ELEMS) {
            return fail(ld, d, "not supported: an array of more than %d elements",
                        LD_MAX_ARRAY_ELEMS);
        }
        a.dims[a.n_dims++] = (uint32_t)end + 1;
    }
    if (a.n_dims == 0) {
        return fail(ld, dl, "no Dimension");
    }
    if (ld->n_arr == ld->cap_arr) {
        size_t nc = ld->cap_arr ? ld->cap_arr * 2 : 16;
        ld_array_t *p = realloc(ld->arr, nc * sizeof *p);
        if (p == NULL) {
            return fail(ld, n, "out of memory");
        }
        ld->arr = p;
        ld->cap_arr = nc;
    }
    a.ss = strdup(ld->ss);
    a.elem_ref = strdup(ref);
    if (a.ss == NULL || a.elem_ref == NULL || smap_put(&ld->arrays, q, (uint32_t)ld->n_arr) != 0) {
        free(a.ss);
        free(a.elem_ref);
        return fail(ld, n, "out of memory");
    }
    ld->arr[ld->n_arr++] = a;
    return 0;
}

static int parse_type(ld_t *ld, xmlNodePtr n) {
    static const struct {
        const char *el;
        uint8_t kind;
    } kinds[] = {
        {"IntegerParameterType", MDB_T_INTEGER},      {"FloatParameterType", MDB_T_FLOAT},
        {"EnumeratedParameterType", MDB_T_ENUM},      {"BooleanParameterType", MDB_T_BOOLEAN},
        {"StringParameterType", MDB_T_STRING},        {"BinaryParameterType", MDB_T_BINARY},
        {"AbsoluteTimeParameterType", MDB_T_ABSTIME},
    };
    if (is_doc(n)) {
        return 0;
    }
    char name[LD_MAX_TEXT], q[LD_MAX_NAME];
    if (qualify(ld, n, name, sizeof name, q, sizeof q) != 0) {
        return -1;
    }
    uint32_t dummy;
    if (smap_get(&ld->types, q, &dummy) || smap_get(&ld->bad_types, q, &dummy) ||
        smap_get(&ld->arrays, q, &dummy)) {
        return fail(ld, n, "duplicate type name %s", q);
    }
    int kind = -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (is(n, kinds[i].el)) {
            kind = kinds[i].kind;
        }
    }
    if (kind < 0) {
        if (is(n, "ArrayParameterType")) {
            return parse_array_type(ld, n, q);
        }
        if (is(n, "AggregateParameterType")) {
            return bad_type(ld, n, q, BAD_AGGREGATE,
                            "not supported: its parameters are not decoded");
        }
        if (is(n, "RelativeTimeParameterType")) {
            return bad_type(ld, n, q, BAD_RELTIME, "not supported: its parameters are not decoded");
        }
        return bad_type(ld, n, q, BAD_UNKNOWN,
                        "unknown parameter type: its parameters are "
                        "not decoded");
    }

    mdb_ptype_t t;
    memset(&t, 0, sizeof t);
    t.name = q;
    t.kind = (uint8_t)kind;
    t.enc.term_char = -1;
    t.float_bits = 64;
    t.time_scale = 1.0;
    t.time_offset = 0.0;
    char buf[LD_MAX_TEXT];
    int rc = get_attr(ld, n, "baseType", buf, sizeof buf);
    if (rc < 0 || (rc > 0 && unsup(ld, n, "baseType (type inheritance) ignored") != 0)) {
        return -1;
    }
    if (kind == MDB_T_FLOAT) {
        int64_t fb = 32;
        if (attr_i64(ld, n, "sizeInBits", &fb) < 0) {
            return -1;
        }
        if (fb != 32 && fb != 64) {
            return fail(ld, n, "sizeInBits %lld: floats take 32 or 64 bits", (long long)fb);
        }
        t.float_bits = (uint8_t)fb;
    }
    if (kind == MDB_T_BOOLEAN) {
        char one[LD_MAX_TEXT], zero[LD_MAX_TEXT];
        if (get_attr(ld, n, "oneStringValue", one, sizeof one) < 0 ||
            get_attr(ld, n, "zeroStringValue", zero, sizeof zero) < 0) {
            return -1;
        }
        t.bool_one = mdb_add_string(ld->m, one[0] ? one : "True");
        t.bool_zero = mdb_add_string(ld->m, zero[0] ? zero : "False");
        if (t.bool_one == MDB_NONE || t.bool_zero == MDB_NONE) {
            return fail(ld, n, "out of memory");
        }
    }
    bool have_enc = false, have_epoch = false, have_unit = false, offset_from = false;
    FOR_EACH_EL(c, n) {
        if (kind != MDB_T_ABSTIME) {
            rc = parse_encoding(ld, c, &t, &have_enc);
            if (rc <= 0) {
                if (rc < 0) {
                    return -1;
                }
                continue;
            }
        }
        if (is(c, "UnitSet")) {
            xmlNodePtr u = first_el(c);
            if (u != NULL && is(u, "Unit") && !have_unit) {
                if (get_text(ld, u, buf, sizeof buf) != 0) {
                    return -1;
                }
                t.unit = mdb_add_string(ld->m, buf);
                if (t.unit == MDB_NONE) {
                    return fail(ld, u, "out of memory");
                }
                have_unit = true;
            }
        } else if (kind == MDB_T_ABSTIME && is(c, "Encoding")) {
            if (parse_time_encoding(ld, c, &t, &have_enc) != 0) {
                return -1;
            }
        } else if (kind == MDB_T_ABSTIME && is(c, "ReferenceTime")) {
            if (parse_epoch(ld, c, &t, &have_epoch, &offset_from) != 0) {
                return -1;
            }
        } else if ((kind == MDB_T_INTEGER || kind == MDB_T_FLOAT) && is(c, "ValidRange")) {
            if (parse_range(ld, c, &t) != 0) {
                return -1;
            }
        } else if (kind == MDB_T_ENUM && is(c, "EnumerationList")) {
            if (parse_enums(ld, c, &t) != 0) {
                return -1;
            }
        } else if (is(c, "DefaultAlarm") || is(c, "ContextAlarmList")) {
            if (unsup(ld, c, "alarms ignored") != 0) {
                return -1;
            }
        } else if (is(c, "ToString")) {
            /* display formatting only */
        } else if (!is_doc(c) && unsup(ld, c, "ignored") != 0) {
            return -1;
        }
    }
    if (!have_enc) {
        return bad_type(ld, n, q, BAD_NO_ENCODING,
                        "no data encoding: its parameters are not decoded");
    }
    if (t.time_cds) {
        if (offset_from) {
            return fail(ld, n, "not supported: a CDS time relative to another parameter");
        }
        if ((t.time_scale != 1.0 || t.time_offset != 0.0) &&
            unsup(ld, n, "scale and offset of a CDS time ignored") != 0) {
            return -1;
        }
    }
    if (offset_from) {
        uint32_t k0 = mdb_add_term(ld->m, t.time_offset, 0);
        uint32_t k1 = mdb_add_term(ld->m, t.time_scale, 1);
        if (k0 == MDB_NONE || k1 == MDB_NONE) {
            return fail(ld, n, "out of memory");
        }
        t.kind = MDB_T_FLOAT;
        t.calib = (mdb_calib_t){MDB_CAL_POLY, k0, 2};
        if (!have_unit && (t.unit = mdb_add_string(ld->m, "s")) == MDB_NONE) {
            return fail(ld, n, "out of memory");
        }
    } else if (kind == MDB_T_ABSTIME && !have_epoch) {
        if (vleo_epoch_parse("1958-01-01", &t.epoch) != 0 ||
            unsup(ld, n, "no ReferenceTime/Epoch: 1958-01-01 TAI assumed") != 0) {
            return -1;
        }
    }
    uint32_t idx = mdb_add_type(ld->m, &t);
    if (idx == MDB_NONE || smap_put(&ld->types, q, idx) != 0) {
        return fail(ld, n, "out of memory");
    }
    return 0;
}

/* ---- pass 2: parameters ---- */

/* Resolve every arrayTypeRef in the SpaceSystem of its array (after pass 1). */
static int resolve_arrays(ld_t *ld) {
    char save[LD_MAX_NAME];
    size_t save_len = ld->ss_len;
    memcpy(save, ld->ss, save_len + 1);
    int rc = 0;
    for (size_t i = 0; i < ld->n_arr && rc == 0; i++) {
        ld_array_t *a = &ld->arr[i];
        size_t l = strlen(a->ss); /* copied from ld->ss: shorter than it */
        memcpy(ld->ss, a->ss, l + 1);
        ld->ss_len = l;
        if (resolve(ld, &ld->types, a->elem_ref, &a->elem)) {
            a->elem_kind = ARR_ELEM_TYPE;
        } else if (resolve(ld, &ld->arrays, a->elem_ref, &a->elem)) {
            a->elem_kind = ARR_ELEM_ARRAY;
        } else if (resolve(ld, &ld->bad_types, a->elem_ref, &a->elem)) {
            a->elem_kind = ARR_ELEM_BAD;
        } else {
            rc = fail(ld, a->node, "unknown arrayTypeRef \"%s\"", a->elem_ref);
        }
    }
    memcpy(ld->ss, save, save_len + 1);
    ld->ss_len = save_len;
    return rc;
}

/* Parameter q of array type ai: one parameter per element, "q[i]" ("q[i][j]"...), row-major,
 * an element array's indices after its container's. */
static int expand_array_param(ld_t *ld, xmlNodePtr n, const char *q, uint32_t ai) {
    uint32_t dims[LD_MAX_DIMS * LD_MAX_ARRAY_NEST];
    unsigned nd = 0;
    uint64_t total = 1;
    uint32_t type = MDB_NONE;
    for (unsigned depth = 0; type == MDB_NONE; depth++) {
        if (depth == LD_MAX_ARRAY_NEST) {
            return fail(ld, n,
                        "not supported: arrays of arrays nested more than %d deep (or "
                        "cyclic)",
                        LD_MAX_ARRAY_NEST);
        }
        const ld_array_t *a = &ld->arr[ai];
        for (unsigned d = 0; d < a->n_dims; d++) {
            dims[nd++] = a->dims[d];
            total *= a->dims[d]; /* each step <= 4096 * 4096 */
            if (total > LD_MAX_ARRAY_ELEMS) {
                return fail(ld, n, "not supported: an array of more than %d elements",
                            LD_MAX_ARRAY_ELEMS);
            }
        }
        if (a->elem_kind == ARR_ELEM_BAD) {
            if (smap_put(&ld->bad_params, q, a->elem) != 0) {
                return fail(ld, n, "out of memory");
            }
            return 0;
        }
        if (a->elem_kind == ARR_ELEM_TYPE) {
            type = a->elem;
        } else {
            ai = a->elem;
        }
    }
    if (total > LD_MAX_ARRAY_TOTAL - ld->n_elems) {
        return fail(ld, n, "not supported: more than %u array elements in the file",
                    LD_MAX_ARRAY_TOTAL);
    }
    if (ld->n_ap == ld->cap_ap) {
        size_t nc = ld->cap_ap ? ld->cap_ap * 2 : 16;
        ld_aparam_t *p = realloc(ld->ap, nc * sizeof *p);
        if (p == NULL) {
            return fail(ld, n, "out of memory");
        }
        ld->ap = p;
        ld->cap_ap = nc;
    }
    ld_aparam_t ap = {(uint32_t)ld->m->n_params, (uint32_t)total};
    for (uint64_t k = 0; k < total; k++) {
        char name[LD_MAX_NAME];
        size_t len = strlen(q); /* q fits in LD_MAX_NAME */
        memcpy(name, q, len + 1);
        /* indices of element k, last dimension fastest */
        uint32_t idx[LD_MAX_DIMS * LD_MAX_ARRAY_NEST];
        uint64_t r = k;
        for (unsigned d = nd; d > 0; d--) {
            idx[d - 1] = (uint32_t)(r % dims[d - 1]);
            r /= dims[d - 1];
        }
        for (unsigned d = 0; d < nd; d++) {
            int w = snprintf(name + len, sizeof name - len, "[%u]", idx[d]);
            if (w < 0 || (size_t)w >= sizeof name - len) {
                return fail(ld, n, "qualified name longer than %zu characters", sizeof name - 1);
            }
            len += (size_t)w;
        }
        uint32_t v;
        if (smap_get(&ld->params, name, &v) || smap_get(&ld->bad_params, name, &v) ||
            smap_get(&ld->aparams, name, &v)) {
            return fail(ld, n, "duplicate parameter name %s", name);
        }
        uint32_t pi = mdb_add_param(ld->m, name, type);
        if (pi == MDB_NONE || pi != ap.first + k || smap_put(&ld->params, name, pi) != 0) {
            return fail(ld, n, "out of memory");
        }
    }
    ld->n_elems += (size_t)total;
    if (smap_put(&ld->aparams, q, (uint32_t)ld->n_ap) != 0) {
        return fail(ld, n, "out of memory");
    }
    ld->ap[ld->n_ap++] = ap;
    return 0;
}

static int parse_param(ld_t *ld, xmlNodePtr n) {
    if (is_doc(n)) {
        return 0;
    }
    if (!is(n, "Parameter")) {
        return unsup(ld, n, "ignored");
    }
    char name[LD_MAX_TEXT], q[LD_MAX_NAME], ref[LD_MAX_NAME];
    if (qualify(ld, n, name, sizeof name, q, sizeof q) != 0 ||
        need_attr(ld, n, "parameterTypeRef", ref, sizeof ref) != 0) {
        return -1;
    }
    uint32_t v;
    if (smap_get(&ld->params, q, &v) || smap_get(&ld->bad_params, q, &v) ||
        smap_get(&ld->aparams, q, &v)) {
        return fail(ld, n, "duplicate parameter name %s", q);
    }
    FOR_EACH_EL(c, n) {
        if (is(c, "ParameterProperties")) {
            FOR_EACH_EL(pp, c) {
                if ((is(pp, "ValidityCondition") || is(pp, "TimeAssociation")) &&
                    unsup(ld, pp, "ignored") != 0) {
                    return -1;
                }
            }
        } else if (!is_doc(c) && unsup(ld, c, "ignored") != 0) {
            return -1;
        }
    }
    uint32_t type;
    if (resolve(ld, &ld->types, ref, &type)) {
        uint32_t idx = mdb_add_param(ld->m, q, type);
        if (idx == MDB_NONE || smap_put(&ld->params, q, idx) != 0) {
            return fail(ld, n, "out of memory");
        }
        return 0;
    }
    if (resolve(ld, &ld->arrays, ref, &v)) {
        return expand_array_param(ld, n, q, v);
    }
    if (resolve(ld, &ld->bad_types, ref, &v)) {
        if (smap_put(&ld->bad_params, q, v) != 0) {
            return fail(ld, n, "out of memory");
        }
        return 0;
    }
    return fail(ld, n, "unknown parameterTypeRef \"%s\"", ref);
}

/* ---- passes 3 and 4: containers ---- */

static int register_container(ld_t *ld, xmlNodePtr n) {
    if (is_doc(n)) {
        return 0;
    }
    if (!is(n, "SequenceContainer")) {
        return unsup(ld, n, "ignored");
    }
    char name[LD_MAX_TEXT], q[LD_MAX_NAME];
    if (qualify(ld, n, name, sizeof name, q, sizeof q) != 0) {
        return -1;
    }
    uint32_t v;
    if (smap_get(&ld->conts, q, &v)) {
        return fail(ld, n, "duplicate container name %s", q);
    }
    bool abstract = false;
    if (attr_bool(ld, n, "abstract", &abstract) < 0) {
        return -1;
    }
    uint32_t idx = mdb_add_container(ld->m, name, q, abstract, MDB_NONE);
    if (idx == MDB_NONE || smap_put(&ld->conts, q, idx) != 0) {
        return fail(ld, n, "out of memory");
    }
    if (idx >= ld->cap_cont_line) {
        size_t nc = ld->cap_cont_line ? ld->cap_cont_line * 2 : 64;
        long *p = realloc(ld->cont_line, nc * sizeof *p);
        if (p == NULL) {
            return fail(ld, n, "out of memory");
        }
        ld->cont_line = p;
        ld->cap_cont_line = nc;
    }
    ld->cont_line[idx] = line_of(n);
    return 0;
}

/* A parameter reference that must be decodable. */
static int param_ref(ld_t *ld, xmlNodePtr n, uint32_t *out) {
    char ref[LD_MAX_NAME];
    if (need_attr(ld, n, "parameterRef", ref, sizeof ref) != 0) {
        return -1;
    }
    if (resolve(ld, &ld->params, ref, out)) {
        return 0;
    }
    uint32_t why;
    if (resolve(ld, &ld->aparams, ref, &why)) {
        return fail(ld, n, "not supported: parameter \"%s\" is an array", ref);
    }
    if (resolve(ld, &ld->bad_params, ref, &why)) {
        return fail(ld, n, "parameter \"%s\" cannot be decoded: %s", ref, bad_reason[why]);
    }
    return fail(ld, n, "unknown parameterRef \"%s\"", ref);
}

static int container_ref(ld_t *ld, xmlNodePtr n, uint32_t *out) {
    char ref[LD_MAX_NAME];
    if (need_attr(ld, n, "containerRef", ref, sizeof ref) != 0) {
        return -1;
    }
    if (!resolve(ld, &ld->conts, ref, out)) {
        return fail(ld, n, "unknown containerRef \"%s\"", ref);
    }
    return 0;
}

static int parse_location(ld_t *ld, xmlNodePtr n, mdb_entry_t *e) {
    char buf[LD_MAX_TEXT];
    int rc = get_attr(ld, n, "referenceLocation", buf, sizeof buf);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0 || strcmp(buf, "previousEntry") == 0) {
        e->from_start = false;
    } else if (strcmp(buf, "containerStart") == 0) {
        e->from_start = true;
    } else {
        return fail(ld, n, "not supported: referenceLocation \"%s\"", buf);
    }
    FOR_EACH_EL(c, n) {
        if (is(c, "FixedValue")) {
            if (text_i64(ld, c, &e->loc_bits) != 0) {
                return -1;
            }
            if (e->loc_bits < -(int64_t)MDB_MAX_SIZE_BITS ||
                e->loc_bits > (int64_t)MDB_MAX_SIZE_BITS) {
                return fail(ld, c, "location of %lld bits is larger than any packet",
                            (long long)e->loc_bits);
            }
        } else if (is(c, "DynamicValue") || is(c, "DiscreteLookupList")) {
            if (unsup(ld, c, "location ignored: the entry follows the previous one") != 0) {
                return -1;
            }
        } else if (!is_doc(c) && unsup(ld, c, "ignored") != 0) {
            return -1;
        }
    }
    return 0;
}

/* Whether n's parameterRef names a parameter of an array type: 1 (with its elements in *ap),
 * 0 when not (or absent), -1 on error. */
static int array_ref(ld_t *ld, xmlNodePtr n, ld_aparam_t *ap) {
    char ref[LD_MAX_NAME];
    int rc = get_attr(ld, n, "parameterRef", ref, sizeof ref);
    if (rc <= 0) {
        return rc;
    }
    uint32_t i;
    if (!resolve(ld, &ld->aparams, ref, &i)) {
        return 0;
    }
    *ap = ld->ap[i];
    return 1;
}

static bool has_child(xmlNodePtr n, const char *name) {
    FOR_EACH_EL(c, n) {
        if (is(c, name)) {
            return true;
        }
    }
    return false;
}

static int parse_entries(ld_t *ld, xmlNodePtr list, uint32_t ci) {
    FOR_EACH_EL(c, list) {
        mdb_entry_t e;
        memset(&e, 0, sizeof e);
        ld_aparam_t arr = {0, 0}; /* an array parameter: its elements */
        int rc = 0;
        if (is(c, "ParameterRefEntry") || is(c, "ArrayParameterRefEntry")) {
            rc = array_ref(ld, c, &arr);
            if (rc < 0) {
                return -1;
            }
        }
        if (rc > 0 && is(c, "ArrayParameterRefEntry") && has_child(c, "DimensionList")) {
            rc = 0; /* a slice: listed below */
        }
        if (rc > 0) {
            e.kind = MDB_E_PARAM;
            if (arr.n > LD_MAX_ARRAY_ENTRIES - ld->n_arr_entries) {
                return fail(ld, c, "not supported: more than %u array element entries in the file",
                            LD_MAX_ARRAY_ENTRIES);
            }
            ld->n_arr_entries += arr.n;
        } else if (is(c, "ParameterRefEntry")) {
            e.kind = MDB_E_PARAM;
            if (param_ref(ld, c, &e.ref) != 0) {
                return -1;
            }
        } else if (is(c, "ContainerRefEntry")) {
            e.kind = MDB_E_CONTAINER;
            if (container_ref(ld, c, &e.ref) != 0) {
                return -1;
            }
        } else {
            if (!is_doc(c) &&
                unsup(ld, c, "entry ignored: the entries after it may be misplaced") != 0) {
                return -1;
            }
            continue;
        }
        FOR_EACH_EL(x, c) {
            if (is(x, "LocationInContainerInBits")) {
                if (parse_location(ld, x, &e) != 0) {
                    return -1;
                }
            } else if (is(x, "IncludeCondition")) {
                if (unsup(ld, x, "ignored: the entry is always included") != 0) {
                    return -1;
                }
            } else if (is(x, "RepeatEntry")) {
                if (unsup(ld, x, "ignored: the entry is decoded once") != 0) {
                    return -1;
                }
            } else if (!is_doc(x) && unsup(ld, x, "ignored") != 0) {
                return -1;
            }
        }
        if (arr.n == 0) {
            if (mdb_add_entry(ld->m, ci, &e) == MDB_NONE) {
                return fail(ld, c, "out of memory");
            }
            continue;
        }
        /* the first element where the entry says, the others right after it */
        for (uint32_t k = 0; k < arr.n; k++) {
            e.ref = arr.first + k;
            if (mdb_add_entry(ld->m, ci, &e) == MDB_NONE) {
                return fail(ld, c, "out of memory");
            }
            e.from_start = false;
            e.loc_bits = 0;
        }
    }
    return 0;
}

static int parse_comparison(ld_t *ld, xmlNodePtr n, uint32_t ci) {
    mdb_cmp_t c;
    memset(&c, 0, sizeof c);
    if (param_ref(ld, n, &c.param) != 0) {
        return -1;
    }
    char value[LD_MAX_TEXT], op[LD_MAX_TEXT];
    if (need_attr(ld, n, "value", value, sizeof value) != 0) {
        return -1;
    }
    int rc = get_attr(ld, n, "comparisonOperator", op, sizeof op);
    if (rc < 0) {
        return -1;
    }
    static const struct {
        const char *s;
        uint8_t op;
    } ops[] = {{"==", MDB_OP_EQ}, {"!=", MDB_OP_NE}, {"<", MDB_OP_LT},
               {"<=", MDB_OP_LE}, {">", MDB_OP_GT},  {">=", MDB_OP_GE}};
    c.op = MDB_OP_EQ;
    if (rc > 0) {
        size_t i = 0;
        while (i < sizeof ops / sizeof ops[0] && strcmp(ops[i].s, op) != 0) {
            i++;
        }
        if (i == sizeof ops / sizeof ops[0]) {
            return fail(ld, n, "unknown comparisonOperator \"%s\"", op);
        }
        c.op = ops[i].op;
    }
    c.use_calibrated = true;
    if (attr_bool(ld, n, "useCalibratedValue", &c.use_calibrated) < 0) {
        return -1;
    }
    const dec_mdb_t *m = ld->m;
    const mdb_ptype_t *t = &m->types[m->params[c.param].type];
    switch (t->kind) {
    case MDB_T_INTEGER:
    case MDB_T_FLOAT:
        c.is_text = false;
        break;
    case MDB_T_ENUM:
    case MDB_T_BOOLEAN:
    case MDB_T_ABSTIME:
        c.is_text = c.use_calibrated; /* raw values are integers */
        break;
    default:
        c.is_text = true;
        break;
    }
    if (t->kind == MDB_T_ABSTIME && t->time_cds) {
        return fail(ld, n, "not supported: comparison with a CDS time");
    }
    if (c.is_text && t->kind == MDB_T_ABSTIME) {
        return fail(ld, n, "not supported: comparison with a calibrated time");
    }
    if (c.is_text && t->kind == MDB_T_ENUM) {
        bool found = false;
        for (uint32_t k = 0; k < t->enum_n && !found; k++) {
            found = strcmp(mdb_str(m, m->enums[t->enum_first + k].label), value) == 0;
        }
        if (!found) {
            return fail(ld, n, "value \"%s\" is not a label of %s", value, t->name);
        }
    }
    if (c.is_text) {
        c.text = mdb_add_string(ld->m, value);
        if (c.text == MDB_NONE) {
            return fail(ld, n, "out of memory");
        }
    } else if (!parse_f64(value, &c.num)) {
        return fail(ld, n, "bad number \"%s\"", value);
    }
    if (mdb_add_cmp(ld->m, ci, &c) == MDB_NONE) {
        return fail(ld, n, "out of memory");
    }
    return 0;
}

static int parse_criteria(ld_t *ld, xmlNodePtr rc, uint32_t ci) {
    FOR_EACH_EL(c, rc) {
        if (is(c, "Comparison")) {
            if (parse_comparison(ld, c, ci) != 0) {
                return -1;
            }
        } else if (is(c, "ComparisonList")) {
            FOR_EACH_EL(k, c) {
                if (is(k, "Comparison")) {
                    if (parse_comparison(ld, k, ci) != 0) {
                        return -1;
                    }
                } else if (!is_doc(k) && unsup(ld, k, "ignored") != 0) {
                    return -1;
                }
            }
        } else if (!is_doc(c) &&
                   unsup(ld, c,
                         "restriction criteria ignored: the container matches without "
                         "them") != 0) {
            return -1;
        }
    }
    return 0;
}

static int parse_container(ld_t *ld, xmlNodePtr n) {
    if (!is(n, "SequenceContainer")) {
        return 0; /* listed in pass 3 */
    }
    char name[LD_MAX_TEXT], q[LD_MAX_NAME];
    if (qualify(ld, n, name, sizeof name, q, sizeof q) != 0) {
        return -1;
    }
    uint32_t ci;
    if (!smap_get(&ld->conts, q, &ci)) {
        return fail(ld, n, "container lost between passes");
    }
    bool have_list = false, have_base = false;
    FOR_EACH_EL(c, n) {
        if (is(c, "EntryList")) {
            if (have_list) {
                return fail(ld, c, "a second EntryList");
            }
            have_list = true;
            if (parse_entries(ld, c, ci) != 0) {
                return -1;
            }
        } else if (is(c, "BaseContainer")) {
            if (have_base) {
                return fail(ld, c, "a second BaseContainer");
            }
            have_base = true;
            uint32_t base;
            if (container_ref(ld, c, &base) != 0) {
                return -1;
            }
            if (base == ci) {
                return fail(ld, c, "container %s is its own base", q);
            }
            mdb_set_base(ld->m, ci, base);
            FOR_EACH_EL(r, c) {
                if (is(r, "RestrictionCriteria")) {
                    if (parse_criteria(ld, r, ci) != 0) {
                        return -1;
                    }
                } else if (!is_doc(r) && unsup(ld, r, "ignored") != 0) {
                    return -1;
                }
            }
        } else if (is(c, "DefaultRateInStream") || is(c, "RateInStreamSet")) {
            /* expected rates: monitoring only */
        } else if (is(c, "BinaryEncoding")) {
            if (unsup(ld, c, "container size ignored") != 0) {
                return -1;
            }
        } else if (!is_doc(c) && unsup(ld, c, "ignored") != 0) {
            return -1;
        }
    }
    return 0;
}

/* Container k's e-th outgoing edge in the "decoding needs" graph: its base, then the
 * containers its entries include. */
static bool cont_edge(const dec_mdb_t *m, uint32_t c, uint32_t *k, uint32_t *to) {
    const mdb_container_t *ct = &m->conts[c];
    while (*k <= ct->entry_n) {
        uint32_t i = (*k)++;
        if (i == 0) {
            if (ct->base != MDB_NONE) {
                *to = ct->base;
                return true;
            }
        } else if (m->entries[ct->entry_first + i - 1].kind == MDB_E_CONTAINER) {
            *to = m->entries[ct->entry_first + i - 1].ref;
            return true;
        }
    }
    return false;
}

/* Reject cycles through BaseContainer and ContainerRefEntry, and nesting deeper than
 * LD_MAX_NEST, so the decoder's recursion always ends. Iterative depth-first search. */
static int check_nesting(ld_t *ld) {
    const dec_mdb_t *m = ld->m;
    size_t n = m->n_conts;
    if (n == 0) {
        return 0;
    }
    uint8_t *color = calloc(n, 1); /* 0 new, 1 on the stack, 2 done */
    uint32_t *depth = calloc(n, sizeof *depth);
    struct {
        uint32_t c, k;
    } *st = malloc(n * sizeof *st);
    int rc = 0;
    if (color == NULL || depth == NULL || st == NULL) {
        rc = fail(ld, NULL, "out of memory");
        goto out;
    }
    for (uint32_t s = 0; s < n && rc == 0; s++) {
        if (color[s] != 0) {
            continue;
        }
        size_t sp = 0;
        st[sp].c = s;
        st[sp++].k = 0;
        color[s] = 1;
        /* Each container is pushed once (only when new), so sp <= n. */
        while (sp > 0) {
            uint32_t c = st[sp - 1].c, to;
            if (cont_edge(m, c, &st[sp - 1].k, &to)) {
                if (color[to] == 1) {
                    snprintf(ld->err, ld->errlen,
                             "%s:%ld: SequenceContainer: %s is part of a cycle of "
                             "BaseContainer/ContainerRefEntry references",
                             ld->path, ld->cont_line[c], m->conts[c].qname);
                    rc = -1;
                    break;
                }
                if (color[to] == 0) {
                    color[to] = 1;
                    st[sp].c = to;
                    st[sp++].k = 0;
                } else if (depth[to] + 1 > depth[c]) {
                    depth[c] = depth[to] + 1;
                }
                continue;
            }
            color[c] = 2;
            sp--;
            if (depth[c] > LD_MAX_NEST) {
                snprintf(ld->err, ld->errlen,
                         "%s:%ld: SequenceContainer: %s nests more than %d containers deep",
                         ld->path, ld->cont_line[c], m->conts[c].qname, LD_MAX_NEST);
                rc = -1;
                break;
            }
            if (sp > 0 && depth[c] + 1 > depth[st[sp - 1].c]) {
                depth[st[sp - 1].c] = depth[c] + 1;
            }
        }
    }
out:
    free(color);
    free(depth);
    free(st);
    return rc;
}

/* A BaseContainer chain longer than the model takes (mdb_finish would refuse it too, but
 * without a file and line): refused here at the line of the container that inherits too deep.
 * Runs after check_nesting, so no chain loops; the walk stops past MDB_MAX_DEPTH anyway. */
static int check_base_depth(ld_t *ld) {
    const dec_mdb_t *m = ld->m;
    for (uint32_t i = 0; i < m->n_conts; i++) {
        uint32_t c = i, depth = 0;
        while (m->conts[c].base < m->n_conts && depth <= MDB_MAX_DEPTH) {
            c = m->conts[c].base;
            depth++;
        }
        if (depth > MDB_MAX_DEPTH) {
            snprintf(ld->err, ld->errlen,
                     "%s:%ld: SequenceContainer: %s inherits through more than %d BaseContainer "
                     "levels",
                     ld->path, ld->cont_line[i], m->conts[i].qname, MDB_MAX_DEPTH);
            return -1;
        }
    }
    return 0;
}

/* ---- the tree walk ---- */

static int walk_tm(ld_t *ld, xmlNodePtr tm) {
    FOR_EACH_EL(c, tm) {
        int rc = 0;
        if (is(c, "ParameterTypeSet")) {
            if (ld->pass == PASS_TYPES) {
                FOR_EACH_EL(t, c) {
                    if ((rc = parse_type(ld, t)) != 0) {
                        break;
                    }
                }
            }
        } else if (is(c, "ParameterSet")) {
            if (ld->pass == PASS_PARAMS) {
                FOR_EACH_EL(p, c) {
                    if ((rc = parse_param(ld, p)) != 0) {
                        break;
                    }
                }
            }
        } else if (is(c, "ContainerSet")) {
            if (ld->pass == PASS_CONTAINERS || ld->pass == PASS_ENTRIES) {
                FOR_EACH_EL(k, c) {
                    rc = ld->pass == PASS_CONTAINERS ? register_container(ld, k)
                                                     : parse_container(ld, k);
                    if (rc != 0) {
                        break;
                    }
                }
            }
        } else if (ld->pass == PASS_TYPES && !is_doc(c)) {
            rc = unsup(ld, c, "ignored");
        }
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

static int walk_ss(ld_t *ld, xmlNodePtr ss, int depth) {
    char name[LD_MAX_TEXT];
    if (need_attr(ld, ss, "name", name, sizeof name) != 0) {
        return -1;
    }
    if (!valid_name(name)) {
        return fail(ld, ss, "bad name \"%s\"", name);
    }
    size_t save = ld->ss_len;
    int w = snprintf(ld->ss + save, sizeof ld->ss - save, "/%s", name);
    if (w < 0 || (size_t)w >= sizeof ld->ss - save) {
        ld->ss[save] = '\0';
        return fail(ld, ss, "qualified name longer than %zu characters", sizeof ld->ss - 1);
    }
    ld->ss_len += (size_t)w;
    int rc = 0;
    FOR_EACH_EL(c, ss) {
        if (is(c, "SpaceSystem")) {
            rc = depth + 1 >= LD_MAX_SS_DEPTH
                     ? fail(ld, c, "SpaceSystems nested more than %d deep", LD_MAX_SS_DEPTH)
                     : walk_ss(ld, c, depth + 1);
        } else if (is(c, "TelemetryMetaData")) {
            rc = walk_tm(ld, c);
        } else if (ld->pass != PASS_TYPES || is_doc(c)) {
            /* listed once, in the first pass */
        } else if (is(c, "CommandMetaData")) {
            rc = unsup(ld, c, "telecommand definitions ignored");
        } else {
            rc = unsup(ld, c, "ignored");
        }
        if (rc != 0) {
            break;
        }
    }
    ld->ss_len = save;
    ld->ss[save] = '\0';
    return rc;
}

static int load_doc(ld_t *ld, xmlDocPtr doc) {
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root == NULL) {
        return fail(ld, NULL, "no root element");
    }
    if (!is(root, "SpaceSystem")) {
        return fail(ld, root, "the root element must be a SpaceSystem");
    }
    for (int pass = PASS_TYPES; pass <= PASS_ENTRIES; pass++) {
        ld->pass = pass;
        if (walk_ss(ld, root, 0) != 0) {
            return -1;
        }
        if (pass == PASS_TYPES && resolve_arrays(ld) != 0) {
            return -1;
        }
    }
    return check_nesting(ld) != 0 ? -1 : check_base_depth(ld);
}

int mdb_load_xtce_mem(dec_mdb_t *m, const char *buf, size_t len, const char *name, char *err,
                      size_t errlen) {
    if (errlen > 0) {
        err[0] = '\0';
    }
    if (len > INT_MAX) {
        snprintf(err, errlen, "%s: file too large", name);
        return -1;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL, LD_XML_OPTS);
    if (doc == NULL) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[256] = "not well-formed";
        if (e != NULL && e->message != NULL) {
            bool too_long;
            trim_copy(e->message, msg, sizeof msg, &too_long);
        }
        snprintf(err, errlen, "%s:%d: XML: %s", name, e != NULL ? e->line : 0, msg);
        xmlFreeParserCtxt(ctxt);
        return -1;
    }
    xmlFreeParserCtxt(ctxt);

    ld_t *ld = calloc(1, sizeof *ld);
    if (ld == NULL) {
        xmlFreeDoc(doc);
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    ld->m = m;
    ld->path = name;
    ld->err = err;
    ld->errlen = errlen;
    int rc = load_doc(ld, doc);
    smap_free(&ld->types);
    smap_free(&ld->params);
    smap_free(&ld->conts);
    smap_free(&ld->bad_types);
    smap_free(&ld->bad_params);
    smap_free(&ld->arrays);
    smap_free(&ld->aparams);
    for (size_t i = 0; i < ld->n_arr; i++) {
        free(ld->arr[i].ss);
        free(ld->arr[i].elem_ref);
    }
    free(ld->arr);
    free(ld->ap);
    free(ld->cont_line);
    free(ld);
    xmlFreeDoc(doc);
    return rc;
}

int mdb_load_xtce(dec_mdb_t *m, const char *path, char *err, size_t errlen) {
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    /* Read in growing chunks up to LD_MAX_FILE. */
    for (;;) {
        if (n == cap) {
            if (cap >= LD_MAX_FILE) {
                snprintf(err, errlen, "%s: larger than %u octets", path, LD_MAX_FILE);
                rc = -1;
                break;
            }
            size_t nc = cap ? cap * 2 : 65536;
            char *p = realloc(buf, nc);
            if (p == NULL) {
                snprintf(err, errlen, "%s: out of memory", path);
                rc = -1;
                break;
            }
            buf = p;
            cap = nc;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp)) {
                snprintf(err, errlen, "%s: read error", path);
                rc = -1;
            }
            break;
        }
    }
    fclose(fp);
    if (rc == 0) {
        rc = mdb_load_xtce_mem(m, buf, n, path, err, errlen);
    }
    free(buf);
    return rc;
}
