/* yamldoc.c: strict YAML documents for configuration files (vleo/yamldoc.h): libyaml's event API
 * into a bounded node table, then map walks and checked getters that write one
 * "NAME:LINE: key.path: what" message. */
#include "vleo/yamldoc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "vleo/timescale.h"

#define NONE VLEO_YDOC_NONE
#define SHOW_MAX 40 /* octets of a value quoted in a message */

typedef struct {
    uint8_t kind;   /* vleo_ydoc_kind_t */
    uint8_t plain;  /* scalar written plain (not quoted, not a block scalar) */
    uint32_t line;  /* 1-based */
    uint32_t first; /* first child; a mapping's children are key, value, key, value ... */
    uint32_t next;  /* next sibling */
    uint32_t count; /* children */
    uint32_t off;   /* scalar: text at str + off, NUL-terminated */
    uint32_t len;
} node_t;

struct vleo_ydoc {
    vleo_ydoc_opts_t opts;
    uint32_t max_depth; /* opts.max_depth within 1..VLEO_YDOC_DEPTH_MAX */
    const char *name;   /* for messages */
    char *err;
    size_t errlen;
    node_t *nodes;
    uint32_t n, cap;
    char *str;
    size_t str_n, str_cap;
    uint32_t root, start_line;
};

int vleo_ydoc_fail(vleo_ydoc_t *d, uint32_t line, const char *path, const char *fmt, ...) {
    if (d->err == NULL || d->errlen == 0) {
        return -1;
    }
    int k;
    if (path != NULL && path[0] != '\0') {
        k = snprintf(d->err, d->errlen, "%s:%u: %s: ", d->name, line, path);
    } else {
        k = snprintf(d->err, d->errlen, "%s:%u: ", d->name, line);
    }
    if (k >= 0 && (size_t)k < d->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->err + k, d->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* s[0..n) fit to quote: control and non-ASCII octets as '?', cut at SHOW_MAX with "...". */
static const char *show(const char *s, size_t n, char *buf, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n && i < SHOW_MAX && o + 1 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[o++] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
    }
    if (n > SHOW_MAX && o + 4 < cap) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

/* ---- building the tree ---- */

static int add_node(vleo_ydoc_t *d, uint8_t kind, uint32_t line, uint32_t *idx) {
    if (d->n >= d->opts.max_nodes) {
        return vleo_ydoc_fail(d, line, NULL, "more than %u YAML nodes", d->opts.max_nodes);
    }
    if (d->n == d->cap) {
        /* the table doubles, but never past max_nodes (so it always fits in uint32_t) */
        uint32_t ncap = d->cap ? d->cap : 128;
        ncap = ncap > d->opts.max_nodes / 2 ? d->opts.max_nodes : ncap * 2;
        node_t *p = realloc(d->nodes, (size_t)ncap * sizeof *p);
        if (p == NULL) {
            return vleo_ydoc_fail(d, line, NULL, "out of memory");
        }
        d->nodes = p;
        d->cap = ncap;
    }
    *idx = d->n++;
    d->nodes[*idx] = (node_t){.kind = kind, .line = line, .first = NONE, .next = NONE};
    return 0;
}

static int add_str(vleo_ydoc_t *d, uint32_t line, const yaml_char_t *s, size_t n, node_t *nd) {
    /* n + 1 cannot overflow: n is bounded by what libyaml read from at most max_text octets;
     * max_str < 4 GiB keeps off and len in uint32_t */
    size_t max = d->opts.max_str < UINT32_MAX ? d->opts.max_str : UINT32_MAX;
    if (n >= max || d->str_n > max - n - 1) {
        return vleo_ydoc_fail(d, line, NULL, "too much scalar text");
    }
    if (d->str_cap - d->str_n < n + 1) {
        size_t ncap = d->str_cap ? d->str_cap : 4096;
        while (ncap - d->str_n < n + 1) { /* ends: ncap doubles past max at most */
            ncap *= 2;
        }
        char *p = realloc(d->str, ncap);
        if (p == NULL) {
            return vleo_ydoc_fail(d, line, NULL, "out of memory");
        }
        d->str = p;
        d->str_cap = ncap;
    }
    if (n > 0) {
        memcpy(d->str + d->str_n, s, n);
    }
    d->str[d->str_n + n] = '\0';
    nd->off = (uint32_t)d->str_n;
    nd->len = (uint32_t)n;
    d->str_n += n + 1;
    return 0;
}

/* libyaml's error as "NAME:LINE: YAML syntax: problem (context at line N)". */
static int syntax_error(vleo_ydoc_t *d, const yaml_parser_t *p, const char *text, size_t len) {
    if (p->error == YAML_MEMORY_ERROR) {
        return vleo_ydoc_fail(d, 1, NULL, "out of memory reading YAML");
    }
    const char *problem = p->problem ? p->problem : "unknown error";
    if (p->error == YAML_READER_ERROR) {
        /* reader errors carry an octet offset, not a mark: count the line breaks before it */
        size_t end = p->problem_offset < len ? p->problem_offset : len;
        uint32_t line = 1;
        for (size_t i = 0; i < end; i++) {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
                line++;
            }
        }
        if (p->problem_value != -1) {
            return vleo_ydoc_fail(d, line, "YAML syntax", "%s (octet 0x%02X)", problem,
                                  (unsigned)p->problem_value & 0xFFu);
        }
        return vleo_ydoc_fail(d, line, "YAML syntax", "%s", problem);
    }
    uint32_t line = (uint32_t)p->problem_mark.line + 1;
    if (p->context != NULL) {
        return vleo_ydoc_fail(d, line, "YAML syntax", "%s (%s at line %zu)", problem, p->context,
                              p->context_mark.line + 1);
    }
    return vleo_ydoc_fail(d, line, "YAML syntax", "%s", problem);
}

/* Add the node of a scalar / collection-start event under the open collection. */
static int add_event_node(vleo_ydoc_t *d, const yaml_event_t *ev, uint32_t *open, uint32_t *last,
                          uint32_t *depth) {
    uint32_t line = (uint32_t)ev->start_mark.line + 1;
    uint8_t kind;
    const yaml_char_t *anchor, *tag;
    if (ev->type == YAML_SCALAR_EVENT) {
        kind = VLEO_YDOC_SCALAR;
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        kind = VLEO_YDOC_SEQ;
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
    } else {
        kind = VLEO_YDOC_MAP;
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
    }
    if (anchor != NULL) {
        return vleo_ydoc_fail(d, line, NULL, "YAML anchors (&name) are not supported");
    }
    if (tag != NULL) {
        return vleo_ydoc_fail(d, line, NULL, "YAML tags (!tag) are not supported");
    }
    if (kind != VLEO_YDOC_SCALAR && *depth == d->max_depth) {
        return vleo_ydoc_fail(d, line, NULL, "nesting deeper than %u levels", d->max_depth);
    }
    uint32_t idx = 0;
    if (add_node(d, kind, line, &idx) != 0) {
        return -1;
    }
    if (kind == VLEO_YDOC_SCALAR) {
        d->nodes[idx].plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (add_str(d, line, ev->data.scalar.value, ev->data.scalar.length, &d->nodes[idx]) != 0) {
            return -1;
        }
    }
    if (*depth == 0) {
        d->root = idx; /* one document has one top node */
    } else {
        node_t *parent = &d->nodes[open[*depth - 1]];
        if (parent->first == NONE) {
            parent->first = idx;
        } else {
            d->nodes[last[*depth - 1]].next = idx;
        }
        last[*depth - 1] = idx;
        parent->count++;
    }
    if (kind != VLEO_YDOC_SCALAR) {
        open[*depth] = idx;
        last[*depth] = NONE;
        (*depth)++;
    }
    return 0;
}

/* Build the tree of the one document in text[0..len). */
static int build_tree(vleo_ydoc_t *d, const char *text, size_t len) {
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        return vleo_ydoc_fail(d, 1, NULL, "out of memory");
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    uint32_t open[VLEO_YDOC_DEPTH_MAX]; /* collections being filled, outermost first */
    uint32_t last[VLEO_YDOC_DEPTH_MAX]; /* their last child so far */
    uint32_t depth = 0;
    int docs = 0, rc = 0;
    bool done = false;
    /* Every event but the stream/document ones adds or closes a node, so this many events always
     * suffice; the bound only guards against a parser that never ends. */
    uint64_t max_events = 2ull * d->opts.max_nodes + 8;
    for (uint64_t guard = 0; rc == 0 && !done && guard < max_events; guard++) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(d, &p, text, len);
            break;
        }
        uint32_t line = (uint32_t)ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (docs == 0) {
                d->start_line = line;
            }
            if (++docs > 1) {
                rc = vleo_ydoc_fail(d, line, NULL, "a second YAML document: %s",
                                    d->opts.one_doc ? d->opts.one_doc : "only one is allowed");
            }
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_ALIAS_EVENT:
            rc = vleo_ydoc_fail(d, line, NULL, "YAML aliases (*name) are not supported");
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0) { /* the parser balances start and end events */
                depth--;
            }
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            rc = add_event_node(d, &ev, open, last, &depth);
            break;
        default: /* stream start, document end */
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (rc == 0 && !done) {
        rc = vleo_ydoc_fail(d, 1, NULL, "YAML stream did not end");
    }
    return rc;
}

int vleo_ydoc_parse(const char *text, size_t len, const char *name, const vleo_ydoc_opts_t *opts,
                    char *err, size_t errlen, vleo_ydoc_t **out) {
    *out = NULL;
    if (name == NULL) {
        name = "yaml";
    }
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    vleo_ydoc_t *d = calloc(1, sizeof *d);
    if (d == NULL) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s:1: out of memory", name);
        }
        return -1;
    }
    d->opts = *opts;
    d->max_depth = opts->max_depth == 0 || opts->max_depth > VLEO_YDOC_DEPTH_MAX
                       ? VLEO_YDOC_DEPTH_MAX
                       : opts->max_depth;
    d->name = name;
    d->err = err;
    d->errlen = errlen;
    d->root = NONE;
    d->start_line = 1;
    int rc;
    if (text == NULL && len > 0) {
        rc = vleo_ydoc_fail(d, 1, NULL, "no text");
    } else if (len > opts->max_text) {
        if ((opts->max_text & (((size_t)1 << 20) - 1)) == 0) {
            rc = vleo_ydoc_fail(d, 1, NULL, "larger than %zu MiB", opts->max_text >> 20);
        } else {
            rc = vleo_ydoc_fail(d, 1, NULL, "larger than %zu octets", opts->max_text);
        }
    } else {
        rc = build_tree(d, text != NULL ? text : "", len);
    }
    if (rc != 0) {
        vleo_ydoc_destroy(&d);
        return -1;
    }
    *out = d;
    return 0;
}

void vleo_ydoc_destroy(vleo_ydoc_t **d_p) {
    if (d_p == NULL || *d_p == NULL) {
        return;
    }
    free((*d_p)->nodes);
    free((*d_p)->str);
    free(*d_p);
    *d_p = NULL;
}

/* "PATH: larger than N MiB" (or octets), as vleo_ydoc_parse says it. */
static void too_large(const char *path, size_t max, char *err, size_t errlen) {
    if ((max & (((size_t)1 << 20) - 1)) == 0) {
        snprintf(err, errlen, "%s: larger than %zu MiB", path, max >> 20);
    } else {
        snprintf(err, errlen, "%s: larger than %zu octets", path, max);
    }
}

int vleo_ydoc_read_file(const char *path, const vleo_ydoc_opts_t *opts, char **text, size_t *len,
                        char *err, size_t errlen) {
    *text = NULL;
    *len = 0;
    bool say = err != NULL && errlen > 0;
    FILE *fp = path != NULL ? fopen(path, "rb") : NULL;
    if (fp == NULL) {
        if (say) {
            snprintf(err, errlen, "%s: cannot open: %s", path != NULL ? path : "(null)",
                     strerror(errno));
        }
        return -1;
    }
    /* read at most max + 1 octets: one more than allowed tells "too large"; the buffer doubles
     * from 64 KiB up to max + 2 (room for the NUL) */
    size_t max = opts->max_text;
    size_t cap = max + 2 < (size_t)64 << 10 ? max + 2 : (size_t)64 << 10;
    size_t n = 0;
    char *buf = malloc(cap);
    int read_errno = 0;
    while (buf != NULL && n <= max) { /* ends at EOF, on an error or past max */
        if (cap - n < 2) {
            size_t ncap = cap > (max + 2) / 2 ? max + 2 : cap * 2;
            char *p = realloc(buf, ncap);
            if (p == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp)) {
                read_errno = errno != 0 ? errno : EIO;
            }
            break;
        }
    }
    fclose(fp);
    int rc = -1;
    if (buf == NULL) {
        if (say) {
            snprintf(err, errlen, "%s: out of memory", path);
        }
    } else if (read_errno != 0) {
        if (say) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(read_errno));
        }
    } else if (n > max) {
        if (say) {
            too_large(path, max, err, errlen);
        }
    } else {
        buf[n] = '\0';
        *text = buf;
        *len = n;
        buf = NULL;
        rc = 0;
    }
    free(buf);
    return rc;
}

/* ---- the tree ---- */

uint32_t vleo_ydoc_root(const vleo_ydoc_t *d) {
    return d->root;
}

uint32_t vleo_ydoc_start_line(const vleo_ydoc_t *d) {
    return d->start_line;
}

vleo_ydoc_kind_t vleo_ydoc_kind(const vleo_ydoc_t *d, uint32_t n) {
    return (vleo_ydoc_kind_t)d->nodes[n].kind;
}

uint32_t vleo_ydoc_line(const vleo_ydoc_t *d, uint32_t n) {
    return d->nodes[n].line;
}

uint32_t vleo_ydoc_count(const vleo_ydoc_t *d, uint32_t n) {
    return d->nodes[n].count;
}

uint32_t vleo_ydoc_first(const vleo_ydoc_t *d, uint32_t n) {
    return d->nodes[n].first;
}

uint32_t vleo_ydoc_next(const vleo_ydoc_t *d, uint32_t n) {
    return d->nodes[n].next;
}

const char *vleo_ydoc_text(const vleo_ydoc_t *d, uint32_t n, size_t *len) {
    const node_t *nd = &d->nodes[n];
    if (len != NULL) {
        *len = nd->kind == VLEO_YDOC_SCALAR ? nd->len : 0;
    }
    return nd->kind == VLEO_YDOC_SCALAR ? d->str + nd->off : "";
}

bool vleo_ydoc_plain(const vleo_ydoc_t *d, uint32_t n) {
    return d->nodes[n].kind == VLEO_YDOC_SCALAR && d->nodes[n].plain;
}

bool vleo_ydoc_empty(const vleo_ydoc_t *d, uint32_t n) {
    const node_t *nd = &d->nodes[n];
    return nd->kind == VLEO_YDOC_SCALAR && nd->len == 0 && nd->plain;
}

/* ---- messages ---- */

const char *vleo_ydoc_describe(const vleo_ydoc_t *d, uint32_t n, char *buf, size_t cap) {
    const node_t *nd = &d->nodes[n];
    if (nd->kind == VLEO_YDOC_MAP) {
        return "a mapping";
    }
    if (nd->kind == VLEO_YDOC_SEQ) {
        return "a sequence";
    }
    if (nd->len == 0 && nd->plain) {
        return "an empty value";
    }
    char tmp[SHOW_MAX + 8];
    snprintf(buf, cap, "'%s'", show(d->str + nd->off, nd->len, tmp, sizeof tmp));
    return buf;
}

void vleo_ydoc_join(char *out, size_t cap, const char *path, const char *key) {
    snprintf(out, cap, "%s%s%s", path, path[0] ? "." : "", key);
}

/* ---- the schema walk ---- */

int vleo_ydoc_map(vleo_ydoc_t *d, uint32_t map, const char *path, const char *const *keys,
                  size_t nkeys, uint32_t *val, uint32_t *kline) {
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    const node_t *m = &d->nodes[map];
    if (m->kind != VLEO_YDOC_MAP) {
        return vleo_ydoc_fail(d, m->line, path, "expected a mapping, got %s",
                              vleo_ydoc_describe(d, map, buf, sizeof buf));
    }
    for (size_t k = 0; k < nkeys; k++) {
        val[k] = NONE;
        kline[k] = 0;
    }
    uint32_t key = m->first;
    for (uint32_t i = 0; i + 1 < m->count && key != NONE; i += 2) {
        const node_t *kn = &d->nodes[key];
        uint32_t v = kn->next; /* a mapping always has a value after its key */
        if (kn->kind != VLEO_YDOC_SCALAR) {
            return vleo_ydoc_fail(d, kn->line, path, "expected a key name, got %s",
                                  vleo_ydoc_describe(d, key, buf, sizeof buf));
        }
        const char *name = d->str + kn->off;
        size_t k = 0;
        while (k < nkeys && !(strlen(keys[k]) == kn->len && memcmp(keys[k], name, kn->len) == 0)) {
            k++;
        }
        char kp[VLEO_YDOC_PATH_CAP];
        if (k == nkeys) {
            vleo_ydoc_join(kp, sizeof kp, path, show(name, kn->len, buf, sizeof buf));
            char known[512];
            size_t o = 0;
            known[0] = '\0';
            for (size_t j = 0; j < nkeys && o < sizeof known; j++) {
                int w = snprintf(known + o, sizeof known - o, "%s%s", j ? ", " : "", keys[j]);
                if (w < 0) {
                    break;
                }
                o += (size_t)w;
            }
            return vleo_ydoc_fail(d, kn->line, kp, "unknown key (known: %s)", known);
        }
        if (val[k] != NONE) {
            vleo_ydoc_join(kp, sizeof kp, path, keys[k]);
            return vleo_ydoc_fail(d, kn->line, kp, "duplicate key (first at line %u)", kline[k]);
        }
        if (vleo_ydoc_empty(d, v)) {
            d->nodes[v].line = kn->line; /* "key:" alone: libyaml marks the next line */
        }
        val[k] = v;
        kline[k] = kn->line;
        key = d->nodes[v].next;
    }
    return 0;
}

int vleo_ydoc_number(vleo_ydoc_t *d, uint32_t v, const char *path, double lo, double hi,
                     unsigned flags, double *out) {
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    const node_t *n = &d->nodes[v];
    if (n->kind != VLEO_YDOC_SCALAR || n->len == 0) {
        return vleo_ydoc_fail(d, n->line, path, "expected a number, got %s",
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    if (!n->plain) {
        return vleo_ydoc_fail(d, n->line, path, "expected a number, got a quoted string %s",
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    const char *s = d->str + n->off;
    if (d->opts.decimal_numbers && strspn(s, "0123456789+-.eE") != n->len) {
        return vleo_ydoc_fail(d, n->line, path, "expected a number, got %s",
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    char *end = NULL;
    errno = 0;
    double x = strtod(s, &end);
    /* the whole scalar must be the number (it is NUL-terminated, but may hold a NUL) */
    if (end != s + n->len) {
        return vleo_ydoc_fail(d, n->line, path, "expected a number, got %s",
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    if (!isfinite(x)) {
        return vleo_ydoc_fail(d, n->line, path, "expected a finite number, got %s",
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    if ((flags & VLEO_YDOC_NUM_WHOLE) && x != floor(x)) {
        return vleo_ydoc_fail(d, n->line, path, "expected a whole number, got %s",
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    bool lo_open = (flags & VLEO_YDOC_NUM_LO_OPEN) != 0;
    if ((lo_open ? !(x > lo) : !(x >= lo)) || !(x <= hi)) {
        if (lo_open) {
            return vleo_ydoc_fail(d, n->line, path, "must be > %.10g and <= %.10g, got %s", lo, hi,
                                  vleo_ydoc_describe(d, v, buf, sizeof buf));
        }
        return vleo_ydoc_fail(d, n->line, path, "must be between %.10g and %.10g, got %s", lo, hi,
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    *out = x;
    return 0;
}

int vleo_ydoc_nums(vleo_ydoc_t *d, uint32_t map, const char *path, const vleo_ydoc_num_t *specs,
                   size_t n, void *base, uint32_t *val, uint32_t *kline) {
    const char *keys[VLEO_YDOC_NUMS_MAX] = {0};
    uint32_t v[VLEO_YDOC_NUMS_MAX], kl[VLEO_YDOC_NUMS_MAX];
    if (n > VLEO_YDOC_NUMS_MAX) {
        return vleo_ydoc_fail(d, d->nodes[map].line, path, "internal: too many keys");
    }
    for (size_t k = 0; k < n; k++) {
        keys[k] = specs[k].key;
    }
    if (vleo_ydoc_map(d, map, path, keys, n, v, kl) != 0) {
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        if (val != NULL) {
            val[k] = v[k];
        }
        if (kline != NULL) {
            kline[k] = kl[k];
        }
        if (v[k] == NONE) {
            continue;
        }
        char kp[VLEO_YDOC_PATH_CAP];
        vleo_ydoc_join(kp, sizeof kp, path, specs[k].key);
        double x;
        if (vleo_ydoc_number(d, v[k], kp, specs[k].lo, specs[k].hi, specs[k].flags, &x) != 0) {
            return -1;
        }
        memcpy((char *)base + specs[k].off, &x, sizeof x);
    }
    return 0;
}

int vleo_ydoc_string(vleo_ydoc_t *d, uint32_t v, const char *path, unsigned flags, char *out,
                     size_t cap) {
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    const node_t *n = &d->nodes[v];
    if (n->kind != VLEO_YDOC_SCALAR) {
        return vleo_ydoc_fail(d, n->line, path, "expected a string, got %s",
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    if (n->len >= cap) {
        return vleo_ydoc_fail(d, n->line, path, "longer than %zu characters", cap - 1);
    }
    const char *s = d->str + n->off;
    if (flags & VLEO_YDOC_STR_PRINTABLE) {
        bool newlines = (flags & VLEO_YDOC_STR_NEWLINES) != 0;
        for (size_t i = 0; i < n->len; i++) {
            unsigned char ch = (unsigned char)s[i];
            if ((ch < 0x20 && !(newlines && ch == '\n')) || ch == 0x7f) {
                return vleo_ydoc_fail(d, n->line, path, "contains a control character (0x%02X)",
                                      ch);
            }
        }
    } else if (memchr(s, '\0', n->len) != NULL) {
        return vleo_ydoc_fail(d, n->line, path, "contains a NUL character");
    }
    memcpy(out, s, n->len);
    out[n->len] = '\0';
    return 0;
}

/* Whether node v is a scalar holding exactly `word`. */
static bool is_word(const vleo_ydoc_t *d, uint32_t v, const char *word) {
    const node_t *n = &d->nodes[v];
    return n->kind == VLEO_YDOC_SCALAR && strlen(word) == n->len &&
           memcmp(d->str + n->off, word, n->len) == 0;
}

int vleo_ydoc_bool(vleo_ydoc_t *d, uint32_t v, const char *path, bool *out) {
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    if (vleo_ydoc_plain(d, v) && is_word(d, v, "true")) {
        *out = true;
        return 0;
    }
    if (vleo_ydoc_plain(d, v) && is_word(d, v, "false")) {
        *out = false;
        return 0;
    }
    return vleo_ydoc_fail(d, d->nodes[v].line, path, "expected true or false, got %s",
                          vleo_ydoc_describe(d, v, buf, sizeof buf));
}

int vleo_ydoc_choice(vleo_ydoc_t *d, uint32_t v, const char *path, const char *const *names,
                     size_t n, size_t *idx) {
    for (size_t i = 0; i < n; i++) {
        if (is_word(d, v, names[i])) {
            *idx = i;
            return 0;
        }
    }
    /* "a, b or c" (cut to fit: messages only) */
    char list[256];
    size_t o = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && o < sizeof list; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(list + o, sizeof list - o, "%s%s", sep, names[i]);
        if (w < 0) {
            break;
        }
        o += (size_t)w;
    }
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    return vleo_ydoc_fail(d, d->nodes[v].line, path, "expected %s, got %s", list,
                          vleo_ydoc_describe(d, v, buf, sizeof buf));
}

int vleo_ydoc_time(vleo_ydoc_t *d, uint32_t v, const char *path, int64_t *out) {
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    const node_t *n = &d->nodes[v];
    const char *s = vleo_ydoc_text(d, v, NULL);
    int64_t t = 0;
    if (n->kind != VLEO_YDOC_SCALAR || n->len == 0 || memchr(s, '\0', n->len) != NULL ||
        vleo_parse_iso8601(s, &t) != 0) {
        return vleo_ydoc_fail(d, n->line, path,
                              "expected an ISO 8601 UTC time (YYYY-MM-DDThh:mm:ssZ), got %s",
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    *out = t;
    return 0;
}

int vleo_ydoc_u64(vleo_ydoc_t *d, uint32_t v, const char *path, uint64_t *out) {
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    const node_t *n = &d->nodes[v];
    const char *s = vleo_ydoc_text(d, v, NULL);
    char *end = NULL;
    unsigned long long x = 0;
    bool ok =
        n->kind == VLEO_YDOC_SCALAR && n->plain && n->len > 0 && strspn(s, "0123456789") == n->len;
    if (ok) {
        errno = 0;
        x = strtoull(s, &end, 10);
        ok = errno != ERANGE && end == s + n->len;
    }
    if (!ok) {
        return vleo_ydoc_fail(d, n->line, path,
                              "expected a whole number 0 to 18446744073709551615, got %s",
                              vleo_ydoc_describe(d, v, buf, sizeof buf));
    }
    *out = (uint64_t)x;
    return 0;
}
