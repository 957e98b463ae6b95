/* mdb_decode.c: packet decoding against the mission database (XTCE 1.2, OMG XTCE / CCSDS
 * 660.0-B-2: SequenceContainer EntryList, BaseContainer with RestrictionCriteria, data
 * encodings, Polynomial/Spline calibrators, ValidRange) and its compiled decode plan.
 *
 * Semantics (choices where XTCE leaves room):
 * - A packet is decoded from each packet root (a container without a base that no
 *   ContainerRefEntry uses) in document order from bit 0; the first root whose descent reaches
 *   a concrete container wins. When none does, the first root's values are returned with
 *   DEC_MDB_NO_CONTAINER.
 * - containerStart of an entry of a derived container is the start of the whole inheritance
 *   chain (a derived container extends its base); previousEntry of its first entry is where
 *   the base's last entry ended. A ContainerRefEntry places the referenced container's own
 *   entries (not its base, not its children) at the entry's position, which is also that
 *   container's start.
 * - After a container's entries, the first child (document order) whose comparisons all hold
 *   is entered. A comparison reads the latest value of its parameter decoded so far in this
 *   packet; a parameter not decoded, or NOT_PRESENT, fails it. With useCalibratedValue a
 *   numeric comparison against an enumeration compares its raw value. Up to CRIT_SLOTS
 *   distinct criteria parameters are remembered even when the caller's array is full; others
 *   are searched among the values returned.
 * - An entry not lying wholly in the packet, or at a negative position, is NOT_PRESENT;
 *   entries placed after it by previousEntry are NOT_PRESENT too (containerStart ones are
 *   not). A terminated string without its terminator runs to its maximum size or the packet
 *   end. Strings and binaries must start on an octet boundary (else INVALID; a misaligned
 *   terminated string also leaves the next position unknown). Binary sizes must be whole
 *   octets (else INVALID). leastSignificantByteFirst applies to whole-octet sizes only.
 * - Spline (order 1) points must be in ascending raw order (checked by the plan); values
 *   beyond the end points are extrapolated along the end segments.
 * - A non-finite engineering value is INVALID with eng NONE (raw kept). ValidRange is
 *   checked on the engineering number, or on the raw number when eng is not a number.
 * - AbsoluteTime: an integer (or float) encoding is a count: raw * scale + offset seconds
 *   after the epoch. XTCE has no element for a CCSDS CDS time code; our reading is that an
 *   AbsoluteTime with a BinaryDataEncoding of 48, 64 or 80 bits is a CDS T-field (CCSDS
 *   301.0-B-4 3.3, implicit, no P-field: 16-bit day, 32-bit ms of day, then nothing, 16-bit
 *   microseconds or 32-bit picoseconds), counting UTC days from the epoch's civil date
 *   (epoch.utc_unix_ns). Its raw value is the octets (BYTES); it must start on an octet
 *   boundary, and an out-of-range field (ms of day >= 86401000, us >= 1000, ps >= 10^9) is
 *   INVALID with eng NONE.
 * - Status precedence: NO_CONTAINER, then TOO_MANY, then TRUNCATED. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dec/timecode.h"
#include "mdb_model.h"

#define CRIT_SLOTS 64 /* criteria parameters remembered per packet (one bit each) */
#define NO_SLOT 0xFF
#define MAX_VISITS 65536 /* entries one packet may visit (values + container entries) */
#define POS_NONE (-1)    /* position unknown (after an entry that was not present) */

enum {
    STEP_CONT = 0, /* ContainerRefEntry */
    STEP_INT,      /* integer encoding, integer type, no calibrator, no range: eng = raw */
    STEP_ANY       /* everything else: through the type */
};

/* One entry of the model, compiled (parallel to m->entries). */
typedef struct {
    int64_t loc;   /* LocationInContainerInBits */
    uint32_t ref;  /* parameter or container */
    uint32_t type; /* the parameter's type */
    uint32_t size; /* encoded size in bits (0 = variable) */
    uint8_t op;    /* STEP_* */
    uint8_t from_start;
    uint8_t slot;    /* criteria slot of the parameter, or NO_SLOT */
    uint8_t int_enc; /* mdb_int_enc_t */
    uint8_t le;      /* swap octets after reading */
} step_t;

struct mdb_dec_plan {
    step_t *steps;
    uint8_t *param_slot; /* by parameter */
    uint32_t *roots;     /* packet roots */
    size_t n_roots;
    size_t max_values;
};

/* ---- plan ---------------------------------------------------------------------------- */

void mdb_decode_release(dec_mdb_t *m) {
    if (m == NULL || m->plan == NULL) {
        return;
    }
    free(m->plan->steps);
    free(m->plan->param_slot);
    free(m->plan->roots);
    free(m->plan);
    m->plan = NULL;
}

size_t mdb_decode_max_values(const dec_mdb_t *m) {
    return m->plan != NULL ? m->plan->max_values : 0;
}

static int check_type(const dec_mdb_t *m, const mdb_ptype_t *t, char *err, size_t errlen) {
    const mdb_encoding_t *e = &t->enc;
    const char *why = NULL;
    if (t->kind > MDB_T_ABSTIME || e->kind > MDB_ENC_BINARY || e->int_enc > MDB_INT_ONES) {
        why = "unknown type, encoding or integer encoding";
    } else if (e->kind == MDB_ENC_INTEGER && (e->size_bits < 1 || e->size_bits > 64)) {
        why = "integer encoding size is not 1..64 bits";
    } else if (e->kind == MDB_ENC_FLOAT && e->size_bits != 32 && e->size_bits != 64) {
        why = "float encoding size is not 32 or 64 bits";
    } else if (e->kind == MDB_ENC_STRING && (e->term_char < -1 || e->term_char > 255)) {
        why = "string termination character is not an octet";
    } else if (t->time_cds != (t->kind == MDB_T_ABSTIME && e->kind == MDB_ENC_BINARY) ||
               (t->time_cds && (e->size_bits != 48u + 8u * t->cds_subms_octets ||
                                (t->cds_subms_octets != 0 && t->cds_subms_octets != 2 &&
                                 t->cds_subms_octets != 4)))) {
        why = "a binary-encoded time is not a CDS time of 48, 64 or 80 bits";
    } else if (t->calib.kind > MDB_CAL_SPLINE) {
        why = "unknown calibrator";
    } else if (t->calib.kind == MDB_CAL_POLY &&
               (t->calib.n < 1 || t->calib.n > MDB_MAX_CALIB_TERMS || t->calib.first > m->n_terms ||
                m->n_terms - t->calib.first < t->calib.n)) {
        why = "polynomial terms missing or out of range";
    } else if (t->calib.kind == MDB_CAL_SPLINE &&
               (t->calib.n < 1 || t->calib.n > MDB_MAX_SPLINE_POINTS ||
                t->calib.first > m->n_points || m->n_points - t->calib.first < t->calib.n)) {
        why = "spline points missing or out of range";
    } else if (t->kind == MDB_T_ENUM &&
               (t->enum_first > m->n_enums || m->n_enums - t->enum_first < t->enum_n)) {
        why = "enumeration out of range";
    }
    if (why == NULL && t->calib.kind == MDB_CAL_SPLINE) {
        const mdb_point_t *p = &m->points[t->calib.first];
        for (uint32_t i = 1; i < t->calib.n; i++) {
            /* written so that a NaN point fails too */
            if (!(p[i].raw >= p[i - 1].raw)) {
                why = "spline points are not in ascending raw order";
                break;
            }
        }
    }
    if (why != NULL) {
        snprintf(err, errlen, "type %s: %s", t->name, why);
        return -1;
    }
    return 0;
}

typedef struct {
    const dec_mdb_t *m;
    uint8_t *state;   /* by container: 0 new, 1 being expanded, 2 done */
    uint64_t *visits; /* by container: entries one expansion visits (saturated) */
    uint64_t *values;
} expand_t;

static uint64_t sat_add(uint64_t a, uint64_t b) {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Count what expanding container c's own entries inline visits and yields. */
static int expand(expand_t *x, uint32_t c, unsigned depth, char *err, size_t errlen) {
    const dec_mdb_t *m = x->m;
    if (x->state[c] == 2) {
        return 0;
    }
    if (x->state[c] == 1 || depth > MDB_MAX_DEPTH) {
        snprintf(err, errlen, "container %s: ContainerRefEntry nesting is cyclic or deeper than %d",
                 m->conts[c].qname, MDB_MAX_DEPTH);
        return -1;
    }
    x->state[c] = 1;
    uint64_t visits = 0, values = 0;
    const mdb_container_t *ct = &m->conts[c];
    for (uint32_t k = 0; k < ct->entry_n; k++) {
        const mdb_entry_t *e = &m->entries[ct->entry_first + k];
        visits = sat_add(visits, 1);
        if (e->kind == MDB_E_CONTAINER) {
            if (expand(x, e->ref, depth + 1, err, errlen) != 0) {
                return -1;
            }
            visits = sat_add(visits, x->visits[e->ref]);
            values = sat_add(values, x->values[e->ref]);
        } else {
            values = sat_add(values, 1);
        }
    }
    x->visits[c] = visits;
    x->values[c] = values;
    x->state[c] = 2;
    return 0;
}

/* Most visits / values along any descent from c (children depth bounded by mdb_finish). */
static void path_max(const expand_t *x, uint32_t c, unsigned depth, uint64_t *visits,
                     uint64_t *values) {
    const dec_mdb_t *m = x->m;
    uint64_t bv = 0, bn = 0;
    const mdb_container_t *ct = &m->conts[c];
    for (uint32_t k = 0; k < ct->child_n && depth < MDB_MAX_DEPTH; k++) {
        uint64_t v, n;
        path_max(x, m->children[ct->child_first + k], depth + 1, &v, &n);
        bv = v > bv ? v : bv;
        bn = n > bn ? n : bn;
    }
    *visits = sat_add(x->visits[c], bv);
    *values = sat_add(x->values[c], bn);
}

int mdb_decode_prepare(dec_mdb_t *m, char *err, size_t errlen) {
    mdb_decode_release(m);
    if (m->children == NULL || m->roots == NULL) {
        snprintf(err, errlen, "the model is not finished (mdb_finish)");
        return -1;
    }
    for (size_t i = 0; i < m->n_types; i++) {
        if (check_type(m, &m->types[i], err, errlen) != 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < m->n_params; i++) {
        if (m->params[i].type >= m->n_types) {
            snprintf(err, errlen, "parameter %s: type index out of range", m->params[i].name);
            return -1;
        }
    }
    struct mdb_dec_plan *pl = calloc(1, sizeof *pl);
    expand_t x = {.m = m};
    uint8_t *used = NULL;
    int rc = -1;
    if (pl == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t nc = m->n_conts ? m->n_conts : 1;
    pl->steps = calloc(m->n_entries ? m->n_entries : 1, sizeof *pl->steps);
    pl->param_slot = malloc(m->n_params ? m->n_params : 1);
    pl->roots = calloc(nc, sizeof *pl->roots);
    x.state = calloc(nc, 1);
    x.visits = calloc(nc, sizeof *x.visits);
    x.values = calloc(nc, sizeof *x.values);
    used = calloc(nc, 1);
    if (pl->steps == NULL || pl->param_slot == NULL || pl->roots == NULL || x.state == NULL ||
        x.visits == NULL || x.values == NULL || used == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* Criteria slots: the first CRIT_SLOTS distinct parameters compared. */
    memset(pl->param_slot, NO_SLOT, m->n_params ? m->n_params : 1);
    unsigned slots = 0;
    for (size_t i = 0; i < m->n_cmps && slots < CRIT_SLOTS; i++) {
        uint32_t p = m->cmps[i].param;
        if (p < m->n_params && pl->param_slot[p] == NO_SLOT) {
            pl->param_slot[p] = (uint8_t)slots++;
        }
    }
    for (size_t i = 0; i < m->n_entries; i++) {
        const mdb_entry_t *e = &m->entries[i];
        step_t *st = &pl->steps[i];
        st->loc = e->loc_bits;
        st->ref = e->ref;
        st->from_start = e->from_start;
        st->slot = NO_SLOT;
        if (e->kind == MDB_E_CONTAINER) {
            st->op = STEP_CONT;
            if (e->ref < m->n_conts) {
                used[e->ref] = 1;
            }
            continue;
        }
        if (e->ref >= m->n_params) {
            snprintf(err, errlen, "entry %zu refers to no parameter", i);
            goto out;
        }
        const mdb_ptype_t *t = &m->types[m->params[e->ref].type];
        st->type = m->params[e->ref].type;
        st->size = t->enc.size_bits;
        st->slot = pl->param_slot[e->ref];
        st->int_enc = t->enc.int_enc;
        st->le = t->enc.little_endian && t->enc.size_bits % 8 == 0 && t->enc.size_bits > 8;
        st->op = t->enc.kind == MDB_ENC_INTEGER && t->kind == MDB_T_INTEGER &&
                         t->calib.kind == MDB_CAL_NONE && !t->has_range
                     ? STEP_INT
                     : STEP_ANY;
    }
    for (size_t c = 0; c < m->n_conts; c++) {
        if (expand(&x, (uint32_t)c, 0, err, errlen) != 0) {
            goto out;
        }
    }
    /* Packet roots: roots that are not only pieces placed by ContainerRefEntry. */
    for (size_t i = 0; i < m->n_roots; i++) {
        if (!used[m->roots[i]]) {
            pl->roots[pl->n_roots++] = m->roots[i];
        }
    }
    if (pl->n_roots == 0) {
        for (size_t i = 0; i < m->n_roots; i++) {
            pl->roots[pl->n_roots++] = m->roots[i];
        }
    }
    for (size_t i = 0; i < pl->n_roots; i++) {
        uint64_t visits, values;
        path_max(&x, pl->roots[i], 0, &visits, &values);
        if (visits > MAX_VISITS) {
            snprintf(err, errlen, "container %s: a packet would hold more than %d entries",
                     m->conts[pl->roots[i]].qname, MAX_VISITS);
            goto out;
        }
        pl->max_values = values > pl->max_values ? (size_t)values : pl->max_values;
    }
    m->plan = pl;
    pl = NULL;
    rc = 0;
out:
    if (pl != NULL) {
        free(pl->steps);
        free(pl->param_slot);
        free(pl->roots);
        free(pl);
    }
    free(x.state);
    free(x.visits);
    free(x.values);
    free(used);
    return rc;
}

/* ---- bit reading --------------------------------------------------------------------- */

static inline uint64_t load_be64(const uint8_t *p) {
    return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
           (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
           (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/* n (1..64) bits at bit position pos, most significant first. The caller has checked that
 * pos + n <= len * 8: every octet read below lies in pkt[0..len). */
static inline uint64_t get_bits(const uint8_t *pkt, size_t len, uint64_t pos, unsigned n) {
    size_t byte = (size_t)(pos >> 3);
    unsigned sh = (unsigned)(pos & 7);
    uint64_t v;
    if (len - byte >= 8) {
        v = load_be64(pkt + byte);
    } else {
        /* fewer than 8 octets left: take them all, zeros after */
        v = 0;
        for (size_t i = 0; i < len - byte; i++) {
            v |= (uint64_t)pkt[byte + i] << (56 - 8 * i);
        }
    }
    v <<= sh;
    if (sh + n > 64) {
        /* a 9th octet: it exists, since the field ends in it */
        v |= (uint64_t)(pkt[byte + 8] >> (8 - sh));
    }
    return v >> (64 - n);
}

/* Reverse the n/8 octets of an n-bit value (n a multiple of 8, 16..64). */
static inline uint64_t swap_octets(uint64_t v, unsigned n) {
    uint64_t r = 0;
    for (unsigned i = 0; i < n / 8; i++) {
        r = r << 8 | (v & 0xFF);
        v >>= 8;
    }
    return r;
}

static inline int64_t to_signed(uint64_t u, unsigned n, unsigned enc) {
    uint64_t sign = 1ULL << (n - 1);
    if ((u & sign) == 0) {
        return (int64_t)u;
    }
    uint64_t mask = n == 64 ? UINT64_MAX : (sign << 1) - 1;
    switch (enc) {
    case MDB_INT_SIGNMAG:
        return -(int64_t)(u & (mask >> 1));
    case MDB_INT_ONES:
        return -(int64_t)(~u & mask);
    default:
        /* twos complement: -(2^n - u) = -(~u & mask) - 1, which never overflows */
        return -(int64_t)(~u & mask) - 1;
    }
}

/* ---- values -------------------------------------------------------------------------- */

static bool val_number(const dec_val_t *v, double *x) {
    switch (v->kind) {
    case DEC_VAL_I64:
        *x = (double)v->v.i;
        return true;
    case DEC_VAL_U64:
        *x = (double)v->v.u;
        return true;
    case DEC_VAL_F64:
        *x = v->v.f;
        return true;
    default:
        return false;
    }
}

#define CMP_UNORDERED 2
#define TWO63 9223372036854775808.0
#define TWO64 18446744073709551616.0

/* Compare a value with the number x exactly (no rounding of 64-bit integers): -1, 0, 1, or
 * CMP_UNORDERED when either is not a number. */
static int cmp_num(const dec_val_t *v, double x) {
    if (isnan(x)) {
        return CMP_UNORDERED;
    }
    double fl = floor(x);
    switch (v->kind) {
    case DEC_VAL_BOOL:
    case DEC_VAL_I64: {
        int64_t i = v->kind == DEC_VAL_BOOL ? (int64_t)v->v.b : v->v.i;
        if (x >= TWO63) {
            return -1;
        }
        if (x < -TWO63) {
            return 1;
        }
        int64_t xi = (int64_t)fl;
        return i < xi ? -1 : i > xi ? 1 : x > fl ? -1 : 0;
    }
    case DEC_VAL_U64: {
        if (x >= TWO64) {
            return -1;
        }
        if (x < 0) {
            return 1;
        }
        uint64_t xu = (uint64_t)fl;
        return v->v.u < xu ? -1 : v->v.u > xu ? 1 : x > fl ? -1 : 0;
    }
    case DEC_VAL_F64:
        if (isnan(v->v.f)) {
            return CMP_UNORDERED;
        }
        return v->v.f < x ? -1 : v->v.f > x ? 1 : 0;
    default:
        return CMP_UNORDERED;
    }
}

static double calibrate(const dec_mdb_t *m, const mdb_calib_t *c, double x) {
    if (c->kind == MDB_CAL_POLY) {
        double sum = 0;
        for (uint32_t i = 0; i < c->n; i++) {
            const mdb_term_t *t = &m->terms[c->first + i];
            double e = t->exponent, p = 1;
            if (e >= 0 && e <= 64 && e == (double)(unsigned)e) {
                for (unsigned k = 0; k < (unsigned)e; k++) {
                    p *= x;
                }
            } else {
                p = pow(x, e);
            }
            sum += t->coefficient * p;
        }
        return sum;
    }
    /* spline, order 1, points ascending by raw (checked by the plan) */
    const mdb_point_t *p = &m->points[c->first];
    uint32_t n = c->n;
    if (n == 1) {
        return p[0].eng;
    }
    uint32_t i = 0; /* segment p[i]..p[i+1]; the end segments extrapolate */
    while (i + 2 < n && x > p[i + 1].raw) {
        i++;
    }
    double dx = p[i + 1].raw - p[i].raw;
    if (dx == 0) {
        return p[i].eng;
    }
    return p[i].eng + (x - p[i].raw) * (p[i + 1].eng - p[i].eng) / dx;
}

#define NS_LIMIT 9.2e18 /* below 2^63: a double this size converts to int64_t */

/* AbsoluteTime CDS: the T-field octets of r, UTC days from the epoch's civil date. */
static bool cds_time(const mdb_ptype_t *t, const dec_val_t *r, int64_t *utc) {
    if (r->kind != DEC_VAL_BYTES) {
        return false;
    }
    dec_tc_format_t fmt = {
        .kind = DEC_TC_CDS_IMPLICIT, .day_octets = 2, .subms_octets = t->cds_subms_octets};
    dec_tc_time_t tc;
    if (dec_tc_decode(&fmt, r->p, r->len, &tc, NULL) != DEC_TC_OK) {
        return false;
    }
    return !__builtin_add_overflow(t->epoch.utc_unix_ns, tc.ns, utc);
}

/* AbsoluteTime: raw count * scale + offset seconds after the epoch, as UTC Unix ns. */
static bool abs_time(const mdb_ptype_t *t, const dec_val_t *r, int64_t *utc) {
    if (t->time_cds) {
        return cds_time(t, r, utc);
    }
    double sns = t->time_scale * 1e9;
    int64_t ns = 0;
    bool done = false;
    if ((r->kind == DEC_VAL_I64 || (r->kind == DEC_VAL_U64 && r->v.u <= INT64_MAX)) &&
        fabs(sns) < NS_LIMIT) {
        /* count * whole ns exactly, plus count * the fraction of a ns rounded once */
        int64_t q = r->kind == DEC_VAL_I64 ? r->v.i : (int64_t)r->v.u;
        double hi = trunc(sns);
        double b = (double)q * (sns - hi);
        int64_t a;
        if (fabs(b) < NS_LIMIT && !__builtin_mul_overflow(q, (int64_t)hi, &a) &&
            !__builtin_add_overflow(a, (int64_t)llround(b), &ns)) {
            done = true;
        }
    }
    if (!done) {
        double x;
        if (!val_number(r, &x)) {
            return false;
        }
        double d = x * sns;
        if (!(fabs(d) < NS_LIMIT)) {
            return false;
        }
        ns = (int64_t)llround(d);
    }
    double off = t->time_offset * 1e9;
    if (!(fabs(off) < NS_LIMIT) || __builtin_add_overflow(ns, (int64_t)llround(off), &ns)) {
        return false;
    }
    if (t->time_utc_based) {
        return !__builtin_add_overflow(t->epoch.utc_unix_ns, ns, utc);
    }
    int64_t tai;
    if (__builtin_add_overflow(t->epoch.tai_ns, ns, &tai)) {
        return false;
    }
    *utc = vleo_tai_to_utc(tai);
    return *utc != INT64_MAX && *utc != INT64_MIN; /* saturated */
}

/* Text of a boolean: its label (XTCE defaults "True" / "False"). */
static const char *bool_label(const dec_mdb_t *m, const mdb_ptype_t *t, bool b) {
    uint32_t off = b ? t->bool_one : t->bool_zero;
    return off != 0 ? mdb_str(m, off) : b ? "True" : "False";
}

static bool bytes_are(const dec_val_t *v, const char *s) {
    size_t n = strlen(s);
    return v->len == n && (n == 0 || memcmp(v->p, s, n) == 0);
}

/* Engineering value, validity and range from pv->raw (already set). */
static void eng_value(const dec_mdb_t *m, const mdb_ptype_t *t, dec_pval_t *pv) {
    const dec_val_t *r = &pv->raw;
    dec_val_t *e = &pv->eng;
    double x;
    bool num = val_number(r, &x);
    if (r->kind == DEC_VAL_NONE) {
        pv->validity = DEC_PV_INVALID;
        return;
    }
    switch (t->kind) {
    case MDB_T_INTEGER:
        if (num && t->calib.kind != MDB_CAL_NONE) {
            e->kind = DEC_VAL_F64;
            e->v.f = calibrate(m, &t->calib, x);
        } else {
            *e = *r;
        }
        break;
    case MDB_T_FLOAT:
        if (!num) {
            break;
        }
        e->kind = DEC_VAL_F64;
        e->v.f = t->calib.kind != MDB_CAL_NONE ? calibrate(m, &t->calib, x) : x;
        if (t->float_bits == 32 && isfinite(e->v.f)) {
            /* beyond float's range the conversion is undefined: such a value is no float */
            e->v.f = fabs(e->v.f) <= FLT_MAX ? (double)(float)e->v.f : NAN;
        }
        break;
    case MDB_T_ENUM: {
        int64_t v;
        if (r->kind == DEC_VAL_I64) {
            v = r->v.i;
        } else if (r->kind == DEC_VAL_U64 && r->v.u <= INT64_MAX) {
            v = (int64_t)r->v.u;
        } else {
            break;
        }
        for (uint32_t i = 0; i < t->enum_n; i++) {
            const mdb_enum_t *en = &m->enums[t->enum_first + i];
            if (v >= en->value && v <= en->max_value) {
                const char *label = mdb_str(m, en->label);
                e->kind = DEC_VAL_STR;
                e->p = (const uint8_t *)label;
                e->len = (uint32_t)strlen(label);
                break;
            }
        }
        break;
    }
    case MDB_T_BOOLEAN:
        if (num) {
            e->kind = DEC_VAL_BOOL;
            e->v.b = x != 0;
        } else if (r->kind == DEC_VAL_STR && (bytes_are(r, bool_label(m, t, true)) ||
                                              bytes_are(r, bool_label(m, t, false)))) {
            e->kind = DEC_VAL_BOOL;
            e->v.b = bytes_are(r, bool_label(m, t, true));
        }
        break;
    case MDB_T_ABSTIME:
        if (abs_time(t, r, &e->v.t)) {
            e->kind = DEC_VAL_TIME;
        }
        break;
    default: /* string, binary */
        *e = *r;
        break;
    }
    if (e->kind == DEC_VAL_NONE || (e->kind == DEC_VAL_F64 && !isfinite(e->v.f))) {
        *e = (dec_val_t){0};
        pv->validity = DEC_PV_INVALID;
        return;
    }
    if (t->has_range) {
        const dec_val_t *rv =
            e->kind == DEC_VAL_I64 || e->kind == DEC_VAL_U64 || e->kind == DEC_VAL_F64 ? e : r;
        int lo = isnan(t->range_min) ? 1 : cmp_num(rv, t->range_min);
        int hi = isnan(t->range_max) ? -1 : cmp_num(rv, t->range_max);
        if (lo == CMP_UNORDERED || hi == CMP_UNORDERED) {
            return; /* not a number: no range applies */
        }
        if (lo < 0 || (lo == 0 && !t->range_min_incl) || hi > 0 ||
            (hi == 0 && !t->range_max_incl)) {
            pv->validity = DEC_PV_OUT_OF_RANGE;
        }
    }
}

/* ---- decoding ------------------------------------------------------------------------ */

typedef struct {
    const dec_mdb_t *m;
    const struct mdb_dec_plan *pl;
    const uint8_t *pkt;
    size_t len;
    int64_t bits; /* packet length in bits */
    dec_pval_t *out;
    size_t cap, n;
    uint32_t budget; /* entries left to visit */
    bool truncated, dropped;
    uint64_t have; /* slots holding a value */
    dec_pval_t scratch;
    dec_pval_t slot[CRIT_SLOTS];
} dstate_t;

/* A parameter of a type that is not a fast integer at bit position pos >= 0. Returns the end
 * position, or POS_NONE when the value is not present or its end cannot be known. */
static int64_t decode_any(dstate_t *s, const step_t *st, int64_t pos, dec_pval_t *pv) {
    const mdb_ptype_t *t = &s->m->types[st->type];
    const mdb_encoding_t *enc = &t->enc;
    int64_t end = pos + st->size;
    *pv = (dec_pval_t){.param = st->ref, .validity = DEC_PV_VALID};
    if (pos > s->bits - st->size) {
        goto not_present; /* fixed part beyond the packet (0 for terminated strings) */
    }
    bool aligned = (pos & 7) == 0;
    size_t byte = (size_t)(pos >> 3);
    switch (enc->kind) {
    case MDB_ENC_INTEGER:
    case MDB_ENC_FLOAT: {
        uint64_t u = get_bits(s->pkt, s->len, (uint64_t)pos, st->size);
        if (st->le) {
            u = swap_octets(u, st->size);
        }
        if (enc->kind == MDB_ENC_FLOAT) {
            pv->raw.kind = DEC_VAL_F64;
            if (st->size == 32) {
                uint32_t w = (uint32_t)u;
                float f;
                memcpy(&f, &w, sizeof f);
                pv->raw.v.f = (double)f;
            } else {
                memcpy(&pv->raw.v.f, &u, sizeof pv->raw.v.f);
            }
        } else if (st->int_enc == MDB_INT_UNSIGNED) {
            pv->raw.kind = DEC_VAL_U64;
            pv->raw.v.u = u;
        } else {
            pv->raw.kind = DEC_VAL_I64;
            pv->raw.v.i = to_signed(u, st->size, st->int_enc);
        }
        break;
    }
    case MDB_ENC_STRING:
        if (st->size > 0) {
            /* fixed size; a terminator, if any, ends the value early */
            if (aligned) {
                size_t n = st->size / 8;
                const uint8_t *p = s->pkt + byte;
                const uint8_t *z = enc->term_char >= 0 ? memchr(p, enc->term_char, n) : NULL;
                pv->raw = (dec_val_t){.kind = DEC_VAL_STR,
                                      .p = p,
                                      .len = (uint32_t)(z != NULL ? (size_t)(z - p) : n)};
            }
            break;
        }
        /* terminated: at least one octet must be present */
        if (byte >= s->len) {
            goto not_present;
        }
        if (!aligned) {
            end = POS_NONE;
            break;
        }
        {
            size_t lim = s->len - byte;
            if (enc->max_bits > 0 && enc->max_bits / 8 < lim) {
                lim = enc->max_bits / 8;
            }
            const uint8_t *p = s->pkt + byte;
            const uint8_t *z = enc->term_char >= 0 ? memchr(p, enc->term_char, lim) : NULL;
            size_t n = z != NULL ? (size_t)(z - p) : lim;
            /* n < lim <= 65542 octets in any real packet; a model limits it further */
            pv->raw = (dec_val_t){
                .kind = DEC_VAL_STR, .p = p, .len = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n};
            end = pos + (int64_t)(z != NULL ? n + 1 : lim) * 8;
        }
        break;
    default: /* binary, fixed size */
        if (aligned && st->size % 8 == 0) {
            pv->raw = (dec_val_t){.kind = DEC_VAL_BYTES, .p = s->pkt + byte, .len = st->size / 8};
        }
        break;
    }
    eng_value(s->m, t, pv);
    return end;
not_present:
    pv->validity = DEC_PV_NOT_PRESENT;
    s->truncated = true;
    return POS_NONE;
}

/* Place container c's own entries: containerStart is `start`, the first previousEntry is
 * `prev` (either POS_NONE when unknown). Returns where the last entry ended (or POS_NONE). */
static int64_t run(dstate_t *s, uint32_t c, int64_t start, int64_t prev, unsigned depth) {
    const mdb_container_t *ct = &s->m->conts[c];
    if (s->budget < ct->entry_n) {
        return POS_NONE; /* the plan bounds every packet below MAX_VISITS */
    }
    s->budget -= ct->entry_n;
    /* the hot state in locals: stores into out[] could alias s */
    const step_t *st = s->pl->steps + ct->entry_first;
    const step_t *const st_end = st + ct->entry_n;
    const uint8_t *const pkt = s->pkt;
    const size_t len = s->len;
    const int64_t bits = s->bits;
    dec_pval_t *const out = s->out;
    const size_t cap = s->cap;
    size_t n = s->n;
    for (; st < st_end; st++) {
        int64_t base = st->from_start ? start : prev;
        int64_t pos = base < 0 ? POS_NONE : base + st->loc;
        if (st->op == STEP_CONT) {
            /* depth is bounded by the plan too; a container's start is its position */
            s->n = n;
            prev = depth < MDB_MAX_DEPTH ? run(s, st->ref, pos, pos, depth + 1) : POS_NONE;
            n = s->n;
            continue;
        }
        dec_pval_t *pv = n < cap ? &out[n] : &s->scratch;
        if (st->op == STEP_INT && pos >= 0 && pos <= bits - st->size) {
            uint64_t u = get_bits(pkt, len, (uint64_t)pos, st->size);
            if (st->le) {
                u = swap_octets(u, st->size);
            }
            /* field by field: a small struct built on the stack and copied whole costs a
             * store-forwarding stall per value */
            uint8_t kind = DEC_VAL_U64;
            if (st->int_enc != MDB_INT_UNSIGNED) {
                kind = DEC_VAL_I64;
                u = (uint64_t)to_signed(u, st->size, st->int_enc);
            }
            pv->param = st->ref;
            pv->validity = DEC_PV_VALID;
            pv->raw.kind = kind;
            pv->raw.v.u = u;
            pv->raw.p = NULL;
            pv->raw.len = 0;
            pv->eng.kind = kind;
            pv->eng.v.u = u;
            pv->eng.p = NULL;
            pv->eng.len = 0;
            prev = pos + st->size;
        } else if (pos < 0 || st->op == STEP_INT) {
            *pv = (dec_pval_t){.param = st->ref, .validity = DEC_PV_NOT_PRESENT};
            s->truncated = true;
            prev = POS_NONE;
        } else {
            prev = decode_any(s, st, pos, pv);
        }
        if (st->slot != NO_SLOT) {
            s->slot[st->slot] = *pv;
            s->have |= 1ULL << st->slot;
        }
        if (pv == &s->scratch) {
            s->dropped = true;
        } else {
            n++;
        }
    }
    s->n = n;
    return prev;
}

/* The latest value of param decoded so far in this packet, or NULL. */
static const dec_pval_t *latest(const dstate_t *s, uint32_t param) {
    uint8_t sl = s->pl->param_slot[param];
    if (sl != NO_SLOT) {
        return (s->have >> sl & 1) != 0 ? &s->slot[sl] : NULL;
    }
    for (size_t i = s->n; i > 0; i--) {
        if (s->out[i - 1].param == param) {
            return &s->out[i - 1];
        }
    }
    return NULL;
}

static int cmp_text(const dec_mdb_t *m, const mdb_ptype_t *t, const dec_val_t *v,
                    const char *text) {
    if (v->kind == DEC_VAL_STR || v->kind == DEC_VAL_BYTES) {
        size_t n = strlen(text);
        size_t k = v->len < n ? v->len : n;
        int r = k > 0 ? memcmp(v->p, text, k) : 0;
        if (r == 0) {
            r = v->len < n ? -1 : v->len > n ? 1 : 0;
        }
        return r < 0 ? -1 : r > 0 ? 1 : 0;
    }
    if (v->kind == DEC_VAL_BOOL) {
        const char *label = bool_label(m, t, v->v.b);
        if (strcmp(label, text) == 0 || strcasecmp(text, v->v.b ? "true" : "false") == 0) {
            return 0;
        }
        return strcmp(label, text) < 0 ? -1 : 1;
    }
    return CMP_UNORDERED;
}

static bool criteria_hold(const dstate_t *s, const mdb_container_t *c) {
    const dec_mdb_t *m = s->m;
    for (uint32_t k = 0; k < c->cmp_n; k++) {
        const mdb_cmp_t *cmp = &m->cmps[c->cmp_first + k];
        const dec_pval_t *pv = latest(s, cmp->param);
        if (pv == NULL || pv->validity == DEC_PV_NOT_PRESENT) {
            return false;
        }
        const dec_val_t *v = cmp->use_calibrated ? &pv->eng : &pv->raw;
        int r;
        if (cmp->is_text) {
            const mdb_ptype_t *t = &m->types[m->params[cmp->param].type];
            r = cmp_text(m, t, v, mdb_str(m, cmp->text));
        } else {
            if (v->kind == DEC_VAL_STR && cmp->use_calibrated) {
                v = &pv->raw; /* an enumeration compared with a number: its raw value */
            }
            r = cmp_num(v, cmp->num);
        }
        bool ok;
        switch (cmp->op) {
        case MDB_OP_EQ:
            ok = r == 0;
            break;
        case MDB_OP_NE:
            ok = r == -1 || r == 1;
            break;
        case MDB_OP_LT:
            ok = r == -1;
            break;
        case MDB_OP_LE:
            ok = r == -1 || r == 0;
            break;
        case MDB_OP_GT:
            ok = r == 1;
            break;
        case MDB_OP_GE:
            ok = r == 1 || r == 0;
            break;
        default:
            ok = false;
            break;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Decode from root down its inheritance; returns the most derived concrete container. */
static int32_t decode_root(dstate_t *s, uint32_t root) {
    const dec_mdb_t *m = s->m;
    s->n = 0;
    s->have = 0;
    s->budget = MAX_VISITS;
    s->truncated = false;
    s->dropped = false;
    uint32_t c = root;
    int64_t pos = 0;
    int32_t best = -1;
    for (unsigned level = 0; level <= MDB_MAX_DEPTH; level++) {
        pos = run(s, c, 0, pos, 0);
        const mdb_container_t *ct = &m->conts[c];
        if (!ct->abstract) {
            best = (int32_t)c;
        }
        uint32_t next = MDB_NONE;
        for (uint32_t k = 0; k < ct->child_n; k++) {
            uint32_t ch = m->children[ct->child_first + k];
            if (criteria_hold(s, &m->conts[ch])) {
                next = ch;
                break;
            }
        }
        if (next == MDB_NONE) {
            break;
        }
        c = next;
    }
    return best;
}

dec_mdb_status_t dec_mdb_decode(const dec_mdb_t *m, const uint8_t *pkt, size_t len, dec_pval_t *out,
                                size_t cap, size_t *n_out, int32_t *container) {
    *n_out = 0;
    *container = -1;
    if (m->plan == NULL || m->plan->n_roots == 0) {
        return DEC_MDB_NO_CONTAINER;
    }
    dstate_t s;
    s.m = m;
    s.pl = m->plan;
    s.pkt = pkt;
    s.len = len;
    /* far beyond any packet; keeps positions + sizes free of overflow */
    s.bits = len > ((size_t)1 << 40) ? (int64_t)1 << 43 : (int64_t)len * 8;
    s.out = out;
    s.cap = out != NULL ? cap : 0;
    int32_t best = -1;
    for (size_t i = 0; i < s.pl->n_roots && best < 0; i++) {
        best = decode_root(&s, s.pl->roots[i]);
    }
    if (best < 0 && s.pl->n_roots > 1) {
        (void)decode_root(&s, s.pl->roots[0]);
    }
    *n_out = s.n;
    *container = best;
    if (best < 0) {
        return DEC_MDB_NO_CONTAINER;
    }
    if (s.dropped) {
        return DEC_MDB_TOO_MANY;
    }
    return s.truncated ? DEC_MDB_TRUNCATED : DEC_MDB_OK;
}
