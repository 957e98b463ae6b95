/* mdb_model.c: the mission database model: builder used by the XTCE loader, the checks run
 * once loading is done (inheritance, sizes), and the public accessors of dec/mdb.h. */
#include "mdb_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grow an array to hold one more element. Returns 0, or -1 when out of memory. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem) {
    if (n < *cap) {
        return 0;
    }
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, nc * elem);
    if (p == NULL) {
        return -1;
    }
    *arr = p;
    *cap = nc;
    return 0;
}

#define GROW(m, arr, n, cap) grow((void **)&(m)->arr, &(m)->cap, (m)->n, sizeof *(m)->arr)

dec_mdb_t *mdb_new(void) {
    dec_mdb_t *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return NULL;
    }
    if (mdb_add_string(m, "") != 0) {
        free(m);
        return NULL;
    }
    return m;
}

uint32_t mdb_add_string(dec_mdb_t *m, const char *s) {
    size_t n = strlen(s) + 1;
    if (m->n_strings + n > UINT32_MAX / 2) {
        return MDB_NONE;
    }
    if (m->n_strings + n > m->cap_strings) {
        size_t nc = m->cap_strings ? m->cap_strings : 1024;
        while (nc < m->n_strings + n) {
            nc *= 2;
        }
        char *p = realloc(m->strings, nc);
        if (p == NULL) {
            return MDB_NONE;
        }
        m->strings = p;
        m->cap_strings = nc;
    }
    uint32_t off = (uint32_t)m->n_strings;
    memcpy(m->strings + off, s, n);
    m->n_strings += n;
    return off;
}

const char *mdb_str(const dec_mdb_t *m, uint32_t off) {
    return off < m->n_strings ? m->strings + off : "";
}

uint32_t mdb_add_type(dec_mdb_t *m, const mdb_ptype_t *t) {
    if (GROW(m, types, n_types, cap_types) != 0) {
        return MDB_NONE;
    }
    mdb_ptype_t *d = &m->types[m->n_types];
    *d = *t;
    d->name = strdup(t->name ? t->name : "");
    if (d->name == NULL) {
        return MDB_NONE;
    }
    return (uint32_t)m->n_types++;
}

uint32_t mdb_add_term(dec_mdb_t *m, double coefficient, double exponent) {
    if (GROW(m, terms, n_terms, cap_terms) != 0) {
        return MDB_NONE;
    }
    m->terms[m->n_terms] = (mdb_term_t){coefficient, exponent};
    return (uint32_t)m->n_terms++;
}

uint32_t mdb_add_point(dec_mdb_t *m, double raw, double eng) {
    if (GROW(m, points, n_points, cap_points) != 0) {
        return MDB_NONE;
    }
    m->points[m->n_points] = (mdb_point_t){raw, eng};
    return (uint32_t)m->n_points++;
}

uint32_t mdb_add_enum(dec_mdb_t *m, int64_t value, int64_t max_value, const char *label) {
    uint32_t off = mdb_add_string(m, label);
    if (off == MDB_NONE || GROW(m, enums, n_enums, cap_enums) != 0) {
        return MDB_NONE;
    }
    m->enums[m->n_enums] = (mdb_enum_t){value, max_value, off};
    return (uint32_t)m->n_enums++;
}

uint32_t mdb_add_param(dec_mdb_t *m, const char *qname, uint32_t type) {
    if (GROW(m, params, n_params, cap_params) != 0) {
        return MDB_NONE;
    }
    char *n = strdup(qname);
    if (n == NULL) {
        return MDB_NONE;
    }
    m->params[m->n_params] = (mdb_param_t){n, type};
    return (uint32_t)m->n_params++;
}

uint32_t mdb_add_container(dec_mdb_t *m, const char *name, const char *qname, bool abstract,
                           uint32_t base) {
    if (GROW(m, conts, n_conts, cap_conts) != 0) {
        return MDB_NONE;
    }
    mdb_container_t *c = &m->conts[m->n_conts];
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    c->qname = strdup(qname);
    if (c->name == NULL || c->qname == NULL) {
        free(c->name);
        free(c->qname);
        return MDB_NONE;
    }
    c->abstract = abstract;
    c->base = base;
    return (uint32_t)m->n_conts++;
}

void mdb_set_base(dec_mdb_t *m, uint32_t container, uint32_t base) {
    if (container < m->n_conts) {
        m->conts[container].base = base;
    }
}

uint32_t mdb_add_entry(dec_mdb_t *m, uint32_t container, const mdb_entry_t *e) {
    if (container >= m->n_conts || GROW(m, entries, n_entries, cap_entries) != 0) {
        return MDB_NONE;
    }
    mdb_container_t *c = &m->conts[container];
    if (c->entry_n == 0) {
        c->entry_first = (uint32_t)m->n_entries;
    } else if (c->entry_first + c->entry_n != m->n_entries) {
        return MDB_NONE; /* not contiguous */
    }
    m->entries[m->n_entries] = *e;
    c->entry_n++;
    return (uint32_t)m->n_entries++;
}

uint32_t mdb_add_cmp(dec_mdb_t *m, uint32_t container, const mdb_cmp_t *cmp) {
    if (container >= m->n_conts || GROW(m, cmps, n_cmps, cap_cmps) != 0) {
        return MDB_NONE;
    }
    mdb_container_t *c = &m->conts[container];
    if (c->cmp_n == 0) {
        c->cmp_first = (uint32_t)m->n_cmps;
    } else if (c->cmp_first + c->cmp_n != m->n_cmps) {
        return MDB_NONE;
    }
    m->cmps[m->n_cmps] = *cmp;
    c->cmp_n++;
    return (uint32_t)m->n_cmps++;
}

int mdb_add_unsupported(dec_mdb_t *m, long line, const char *element, const char *what) {
    char buf[512];
    snprintf(buf, sizeof buf, "line %ld: %s: %s", line, element, what);
    /* Each (element, what) pair is listed once, at its first line. */
    const char *tail = strchr(buf, ':');
    tail = tail != NULL ? tail + 1 : buf;
    for (size_t i = 0; i < m->n_unsupported; i++) {
        const char *t = strchr(m->unsupported[i], ':');
        if (t != NULL && strcmp(t + 1, tail) == 0) {
            return 0;
        }
    }
    if (GROW(m, unsupported, n_unsupported, cap_unsupported) != 0) {
        return -1;
    }
    m->unsupported[m->n_unsupported] = strdup(buf);
    if (m->unsupported[m->n_unsupported] == NULL) {
        return -1;
    }
    m->n_unsupported++;
    return 0;
}

uint32_t mdb_find_type(const dec_mdb_t *m, const char *qname) {
    for (size_t i = 0; i < m->n_types; i++) {
        if (strcmp(m->types[i].name, qname) == 0) {
            return (uint32_t)i;
        }
    }
    return MDB_NONE;
}

uint32_t mdb_find_param(const dec_mdb_t *m, const char *qname) {
    for (size_t i = 0; i < m->n_params; i++) {
        if (strcmp(m->params[i].name, qname) == 0) {
            return (uint32_t)i;
        }
    }
    return MDB_NONE;
}

uint32_t mdb_find_container(const dec_mdb_t *m, const char *qname) {
    for (size_t i = 0; i < m->n_conts; i++) {
        if (strcmp(m->conts[i].qname, qname) == 0) {
            return (uint32_t)i;
        }
    }
    return MDB_NONE;
}

int mdb_finish(dec_mdb_t *m, char *err, size_t errlen) {
    /* Inheritance: every chain must end at a root within MDB_MAX_DEPTH steps (a cycle never
     * does). */
    for (size_t i = 0; i < m->n_conts; i++) {
        uint32_t c = (uint32_t)i;
        uint32_t depth = 0;
        while (m->conts[c].base != MDB_NONE) {
            if (m->conts[c].base >= m->n_conts) {
                snprintf(err, errlen, "container %s: base container index out of range",
                         m->conts[i].qname);
                return -1;
            }
            c = m->conts[c].base;
            if (++depth > MDB_MAX_DEPTH || c == i) {
                snprintf(err, errlen,
                         "container %s: inheritance %s (BaseContainer chain of more than %d)",
                         m->conts[i].qname, c == i ? "is cyclic" : "is too deep", MDB_MAX_DEPTH);
                return -1;
            }
        }
        m->conts[i].depth = depth;
    }
    /* Entries: references in range, container entries not recursive into themselves. */
    for (size_t i = 0; i < m->n_conts; i++) {
        const mdb_container_t *c = &m->conts[i];
        for (uint32_t k = 0; k < c->entry_n; k++) {
            const mdb_entry_t *e = &m->entries[c->entry_first + k];
            size_t lim = e->kind == MDB_E_PARAM ? m->n_params : m->n_conts;
            if (e->ref >= lim || (e->kind == MDB_E_CONTAINER && e->ref == i)) {
                snprintf(err, errlen, "container %s: entry %u refers to %s", c->qname, k,
                         e->ref == i ? "its own container" : "nothing");
                return -1;
            }
            if (e->loc_bits < -(int64_t)MDB_MAX_SIZE_BITS ||
                e->loc_bits > (int64_t)MDB_MAX_SIZE_BITS) {
                snprintf(err, errlen, "container %s: entry %u location %lld bits is absurd",
                         c->qname, k, (long long)e->loc_bits);
                return -1;
            }
        }
        for (uint32_t k = 0; k < c->cmp_n; k++) {
            if (m->cmps[c->cmp_first + k].param >= m->n_params) {
                snprintf(err, errlen, "container %s: restriction criteria refer to nothing",
                         c->qname);
                return -1;
            }
        }
    }
    for (size_t i = 0; i < m->n_types; i++) {
        const mdb_ptype_t *t = &m->types[i];
        if (t->enc.size_bits > MDB_MAX_SIZE_BITS || t->enc.max_bits > MDB_MAX_SIZE_BITS) {
            snprintf(err, errlen, "type %s: size of %u bits is larger than any packet", t->name,
                     t->enc.size_bits > t->enc.max_bits ? t->enc.size_bits : t->enc.max_bits);
            return -1;
        }
    }
    /* Children lists and roots, in document order. */
    free(m->children);
    free(m->roots);
    m->children = calloc(m->n_conts ? m->n_conts : 1, sizeof *m->children);
    m->roots = calloc(m->n_conts ? m->n_conts : 1, sizeof *m->roots);
    if (m->children == NULL || m->roots == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    m->n_roots = 0;
    uint32_t next = 0;
    for (size_t i = 0; i < m->n_conts; i++) {
        m->conts[i].child_first = next;
        m->conts[i].child_n = 0;
        for (size_t j = 0; j < m->n_conts; j++) {
            if (m->conts[j].base == i) {
                m->children[next++] = (uint32_t)j;
                m->conts[i].child_n++;
            }
        }
        if (m->conts[i].base == MDB_NONE) {
            m->roots[m->n_roots++] = (uint32_t)i;
        }
    }
    return 0;
}

dec_mdb_t *dec_mdb_load(const char *path, char *err, size_t errlen) {
    dec_mdb_t *m = mdb_new();
    if (m == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (mdb_load_xtce(m, path, err, errlen) != 0) {
        dec_mdb_destroy(&m);
        return NULL;
    }
    char why[400];
    if (mdb_finish(m, why, sizeof why) != 0 || mdb_decode_prepare(m, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        dec_mdb_destroy(&m);
        return NULL;
    }
    return m;
}

void dec_mdb_destroy(dec_mdb_t **mdb_p) {
    dec_mdb_t *m = *mdb_p;
    if (m == NULL) {
        return;
    }
    mdb_decode_release(m);
    for (size_t i = 0; i < m->n_types; i++) {
        free(m->types[i].name);
    }
    for (size_t i = 0; i < m->n_params; i++) {
        free(m->params[i].name);
    }
    for (size_t i = 0; i < m->n_conts; i++) {
        free(m->conts[i].name);
        free(m->conts[i].qname);
    }
    for (size_t i = 0; i < m->n_unsupported; i++) {
        free(m->unsupported[i]);
    }
    free(m->types);
    free(m->params);
    free(m->conts);
    free(m->entries);
    free(m->cmps);
    free(m->terms);
    free(m->points);
    free(m->enums);
    free(m->children);
    free(m->roots);
    free(m->strings);
    free(m->unsupported);
    free(m);
    *mdb_p = NULL;
}

size_t dec_mdb_n_params(const dec_mdb_t *m) {
    return m->n_params;
}

const char *dec_mdb_param_name(const dec_mdb_t *m, uint32_t p) {
    return p < m->n_params ? m->params[p].name : "";
}

int64_t dec_mdb_find_param(const dec_mdb_t *m, const char *qname) {
    for (size_t i = 0; i < m->n_params; i++) {
        if (strcmp(m->params[i].name, qname) == 0)
            return (int64_t)i;
    }
    return -1;
}

const char *dec_mdb_param_unit(const dec_mdb_t *m, uint32_t p) {
    return p < m->n_params ? mdb_str(m, m->types[m->params[p].type].unit) : "";
}

const char *dec_mdb_param_type(const dec_mdb_t *m, uint32_t p) {
    static const char *const names[] = {"integer", "float",  "enumerated",   "boolean",
                                        "string",  "binary", "absolute_time"};
    if (p >= m->n_params) {
        return "";
    }
    uint8_t k = m->types[m->params[p].type].kind;
    return k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

size_t dec_mdb_n_containers(const dec_mdb_t *m) {
    return m->n_conts;
}

const char *dec_mdb_container_name(const dec_mdb_t *m, uint32_t c) {
    return c < m->n_conts ? m->conts[c].name : "";
}

const char *dec_mdb_container_qname(const dec_mdb_t *m, uint32_t c) {
    return c < m->n_conts ? m->conts[c].qname : "";
}

bool dec_mdb_container_abstract(const dec_mdb_t *m, uint32_t c) {
    return c < m->n_conts && m->conts[c].abstract;
}

int32_t dec_mdb_container_base(const dec_mdb_t *m, uint32_t c) {
    return c < m->n_conts && m->conts[c].base != MDB_NONE ? (int32_t)m->conts[c].base : -1;
}

size_t dec_mdb_container_params(const dec_mdb_t *m, uint32_t c, uint32_t *params, size_t cap) {
    if (c >= m->n_conts) {
        return 0;
    }
    size_t n = 0;
    const mdb_container_t *ct = &m->conts[c];
    for (uint32_t k = 0; k < ct->entry_n; k++) {
        const mdb_entry_t *e = &m->entries[ct->entry_first + k];
        if (e->kind == MDB_E_PARAM) {
            if (n < cap) {
                params[n] = e->ref;
            }
            n++;
        }
    }
    return n;
}

size_t dec_mdb_n_unsupported(const dec_mdb_t *m) {
    return m->n_unsupported;
}

const char *dec_mdb_unsupported(const dec_mdb_t *m, size_t i) {
    return i < m->n_unsupported ? m->unsupported[i] : "";
}

const char *dec_mdb_status_str(dec_mdb_status_t st) {
    switch (st) {
    case DEC_MDB_OK:
        return "ok";
    case DEC_MDB_TRUNCATED:
        return "mdb_entry_beyond_packet";
    case DEC_MDB_NO_CONTAINER:
        return "mdb_no_container";
    case DEC_MDB_TOO_MANY:
        return "mdb_too_many_values";
    case DEC_MDB_STATUS_COUNT:
        break;
    }
    return "unknown";
}
