/* config.c: the monitor's YAML configuration (DESIGN section 7, mon/config.h):
 * libyaml's event API builds a small bounded tree (no anchors, aliases or
 * tags), then a schema walk fills and checks mon_config_t, each error as
 * "FILE:LINE: KEY.PATH: what". */
#include "mon/config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define CFG_MAX_TEXT ((size_t)4 << 20) /* 4 MiB of YAML */
#define CFG_MAX_DEPTH 16               /* nested mappings/sequences */
#define CFG_MAX_NODES ((uint32_t)1 << 22)
#define CFG_MAX_STR ((size_t)64 << 20) /* all scalar text (bounded by the input anyway) */
#define NONE UINT32_MAX
#define SHOW_MAX 40 /* octets of a value quoted in a message */

/* ---- the tree ---- */

enum { N_SCALAR, N_SEQ, N_MAP };

typedef struct {
    uint8_t kind;
    uint8_t plain;  /* scalar written plain (not quoted, not a block scalar) */
    uint32_t line;  /* 1-based */
    uint32_t first; /* first child; a mapping's children are key, value, key,
                       value ... */
    uint32_t next;  /* next sibling */
    uint32_t count; /* children */
    uint32_t off;   /* scalar: text at str + off, NUL-terminated */
    uint32_t len;
} node_t;

typedef struct {
    node_t *nodes;
    uint32_t n, cap;
    char *str;
    size_t str_n, str_cap;
} tree_t;

typedef struct {
    const char *name; /* file name for messages */
    char *err;
    size_t errlen;
    tree_t t;
    const char *dir; /* folder that relative paths are resolved against, or NULL */
} ctx_t;

__attribute__((format(printf, 4, 5))) static int fail(ctx_t *c, uint32_t line, const char *path,
                                                      const char *fmt, ...) {
    if (c->err == NULL || c->errlen == 0) {
        return -1;
    }
    int k;
    if (path != NULL && path[0] != '\0') {
        k = snprintf(c->err, c->errlen, "%s:%u: %s: ", c->name, line, path);
    } else {
        k = snprintf(c->err, c->errlen, "%s:%u: ", c->name, line);
    }
    if (k >= 0 && (size_t)k < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A printable excerpt of s[0..n) for messages: control and non-ASCII octets as
 * '?', cut at SHOW_MAX with "...". */
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

static int add_node(ctx_t *c, uint8_t kind, uint32_t line, uint32_t *idx) {
    tree_t *t = &c->t;
    if (t->n == t->cap) {
        if (t->cap >= CFG_MAX_NODES) {
            return fail(c, line, NULL, "more than %u YAML nodes", CFG_MAX_NODES);
        }
        uint32_t ncap = t->cap ? t->cap * 2 : 256;
        node_t *p = realloc(t->nodes, (size_t)ncap * sizeof *p);
        if (p == NULL) {
            return fail(c, line, NULL, "out of memory");
        }
        t->nodes = p;
        t->cap = ncap;
    }
    *idx = t->n++;
    node_t *nd = &t->nodes[*idx];
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    nd->line = line;
    nd->first = NONE;
    nd->next = NONE;
    return 0;
}

static int add_str(ctx_t *c, uint32_t line, const yaml_char_t *s, size_t n, node_t *nd) {
    tree_t *t = &c->t;
    /* n + 1 cannot overflow: n is at most the input's 4 MiB (scalars never grow)
     */
    if (n >= CFG_MAX_STR || t->str_n > CFG_MAX_STR - n - 1) {
        return fail(c, line, NULL, "too much scalar text");
    }
    if (t->str_cap - t->str_n < n + 1) {
        size_t ncap = t->str_cap ? t->str_cap : 4096;
        while (ncap - t->str_n < n + 1) { /* ends: ncap doubles up to >= CFG_MAX_STR */
            ncap *= 2;
        }
        char *p = realloc(t->str, ncap);
        if (p == NULL) {
            return fail(c, line, NULL, "out of memory");
        }
        t->str = p;
        t->str_cap = ncap;
    }
    if (n > 0) {
        memcpy(t->str + t->str_n, s, n);
    }
    t->str[t->str_n + n] = '\0';
    nd->off = (uint32_t)t->str_n;
    nd->len = (uint32_t)n;
    t->str_n += n + 1;
    return 0;
}

/* libyaml's error as "FILE:LINE: YAML syntax: problem (context at line N)". */
static int syntax_error(ctx_t *c, const yaml_parser_t *p, const char *text, size_t len) {
    if (p->error == YAML_MEMORY_ERROR) {
        return fail(c, 1, NULL, "out of memory reading YAML");
    }
    const char *problem = p->problem ? p->problem : "unknown error";
    size_t line;
    if (p->error == YAML_READER_ERROR) {
        /* reader errors carry an octet offset, not a mark: count the line breaks
         * before it */
        size_t end = p->problem_offset < len ? p->problem_offset : len;
        line = 1;
        for (size_t i = 0; i < end; i++) {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
                line++;
            }
        }
        if (p->problem_value != -1) {
            return fail(c, (uint32_t)line, "YAML syntax", "%s (octet 0x%02X)", problem,
                        (unsigned)p->problem_value & 0xFFu);
        }
        return fail(c, (uint32_t)line, "YAML syntax", "%s", problem);
    }
    line = p->problem_mark.line + 1;
    if (p->context != NULL) {
        return fail(c, (uint32_t)line, "YAML syntax", "%s (%s at line %zu)", problem, p->context,
                    p->context_mark.line + 1);
    }
    return fail(c, (uint32_t)line, "YAML syntax", "%s", problem);
}

/* Build the tree of the one document in text[0..len). *root is its top node (NONE for an
 * empty stream), *doc_line the line where the document starts. */
static int build_tree(ctx_t *c, const char *text, size_t len, uint32_t *root, uint32_t *doc_line) {
    yaml_parser_t p;
    *root = NONE;
    if (!yaml_parser_initialize(&p)) {
        return fail(c, 1, NULL, "out of memory");
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    uint32_t open[CFG_MAX_DEPTH]; /* collections being filled, outermost first */
    uint32_t last[CFG_MAX_DEPTH]; /* their last child so far */
    int depth = 0;
    int docs = 0;
    int rc = 0;
    bool done = false;
    /* Every event but the stream/document ones adds a node or closes one, so this
     * many events always suffice; the bound only guards against a parser that
     * never ends. */
    for (uint64_t guard = 0; rc == 0 && !done && guard < 2ull * CFG_MAX_NODES + 8; guard++) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(c, &p, text, len);
            break;
        }
        uint32_t line = (uint32_t)ev.start_mark.line + 1;
        uint8_t kind = N_SCALAR;
        const yaml_char_t *anchor = NULL, *tag = NULL;
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (docs == 0) {
                *doc_line = line;
            }
            if (++docs > 1) {
                rc = fail(c, line, NULL, "a second YAML document: the file must hold only one");
            }
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_ALIAS_EVENT:
            rc = fail(c, line, NULL, "YAML aliases (*name) are not supported");
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
            if (ev.type == YAML_SCALAR_EVENT) {
                anchor = ev.data.scalar.anchor;
                tag = ev.data.scalar.tag;
            } else if (ev.type == YAML_SEQUENCE_START_EVENT) {
                kind = N_SEQ;
                anchor = ev.data.sequence_start.anchor;
                tag = ev.data.sequence_start.tag;
            } else {
                kind = N_MAP;
                anchor = ev.data.mapping_start.anchor;
                tag = ev.data.mapping_start.tag;
            }
            if (anchor != NULL) {
                rc = fail(c, line, NULL, "YAML anchors (&name) are not supported");
                break;
            }
            if (tag != NULL) {
                rc = fail(c, line, NULL, "YAML tags (!tag) are not supported");
                break;
            }
            if (kind != N_SCALAR && depth == CFG_MAX_DEPTH) {
                rc = fail(c, line, NULL, "nesting deeper than %d levels", CFG_MAX_DEPTH);
                break;
            }
            uint32_t idx = 0;
            if ((rc = add_node(c, kind, line, &idx)) != 0) {
                break;
            }
            node_t *node = &c->t.nodes[idx];
            if (kind == N_SCALAR) {
                node->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                if ((rc = add_str(c, line, ev.data.scalar.value, ev.data.scalar.length, node)) !=
                    0) {
                    break;
                }
            }
            if (depth == 0) {
                *root = idx; /* one document has one top node */
            } else {
                node_t *parent = &c->t.nodes[open[depth - 1]];
                if (parent->first == NONE) {
                    parent->first = idx;
                } else {
                    c->t.nodes[last[depth - 1]].next = idx;
                }
                last[depth - 1] = idx;
                parent->count++;
            }
            if (kind != N_SCALAR) {
                open[depth] = idx;
                last[depth] = NONE;
                depth++;
            }
            break;
        default: /* stream start, document end */
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (rc == 0 && !done) {
        rc = fail(c, 1, NULL, "YAML stream did not end");
    }
    return rc;
}

/* ---- schema helpers ---- */

static const node_t *nd(const ctx_t *c, uint32_t i) {
    return &c->t.nodes[i];
}

static const char *sval(const ctx_t *c, uint32_t i) {
    return c->t.str + c->t.nodes[i].off;
}

/* "a mapping", "a sequence" or 'text' for messages. */
static const char *describe(const ctx_t *c, uint32_t i, char *buf, size_t cap) {
    const node_t *n = nd(c, i);
    if (n->kind == N_MAP) {
        return "a mapping";
    }
    if (n->kind == N_SEQ) {
        return "a sequence";
    }
    if (n->len == 0 && n->plain) {
        return "an empty value";
    }
    char tmp[SHOW_MAX + 8];
    snprintf(buf, cap, "'%s'", show(sval(c, i), n->len, tmp, sizeof tmp));
    return buf;
}

/* snprintf that may cut (paths in messages are bounded and informative only). */
__attribute__((format(printf, 3, 4))) static void put(char *out, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}

static void join(char *out, size_t cap, const char *path, const char *key) {
    put(out, cap, "%s%s%s", path, path[0] ? "." : "", key);
}

/* Check that node map is a mapping whose keys are all among keys[0..nkeys),
 * each at most once. val[k] receives the value node of keys[k] (NONE when
 * absent), kline[k] its key's line. */
static int walk_map(ctx_t *c, uint32_t map, const char *path, const char *const *keys, size_t nkeys,
                    uint32_t *val, uint32_t *kline) {
    char buf[SHOW_MAX + 8];
    const node_t *m = nd(c, map);
    if (m->kind != N_MAP) {
        return fail(c, m->line, path, "expected a mapping, got %s",
                    describe(c, map, buf, sizeof buf));
    }
    for (size_t k = 0; k < nkeys; k++) {
        val[k] = NONE;
        kline[k] = 0;
    }
    uint32_t key = m->first;
    for (uint32_t i = 0; i + 1 < m->count && key != NONE; i += 2) {
        const node_t *kn = nd(c, key);
        uint32_t v = kn->next; /* a mapping always has a value after its key */
        if (kn->kind != N_SCALAR) {
            return fail(c, kn->line, path, "expected a key name, got %s",
                        describe(c, key, buf, sizeof buf));
        }
        size_t k = 0;
        while (k < nkeys &&
               !(strlen(keys[k]) == kn->len && memcmp(keys[k], sval(c, key), kn->len) == 0)) {
            k++;
        }
        char kp[256];
        if (k == nkeys) {
            join(kp, sizeof kp, path, show(sval(c, key), kn->len, buf, sizeof buf));
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
            return fail(c, kn->line, kp, "unknown key (known: %s)", known);
        }
        if (val[k] != NONE) {
            join(kp, sizeof kp, path, keys[k]);
            return fail(c, kn->line, kp, "duplicate key (first at line %u)", kline[k]);
        }
        if (nd(c, v)->kind == N_SCALAR && nd(c, v)->len == 0 && nd(c, v)->plain) {
            c->t.nodes[v].line = kn->line; /* "key:" alone: libyaml marks the next line */
        }
        val[k] = v;
        kline[k] = kn->line;
        key = nd(c, v)->next;
    }
    return 0;
}

/* A number field: key, where it goes, and its range [lo, hi] (lo excluded when
 * lo_open). */
typedef struct {
    const char *key;
    size_t off;
    double lo, hi;
    bool lo_open;
    bool integer;
} numspec_t;

static int get_number(ctx_t *c, uint32_t v, const char *path, const numspec_t *s, double *out) {
    char buf[SHOW_MAX + 8];
    const node_t *n = nd(c, v);
    if (n->kind != N_SCALAR || n->len == 0) {
        return fail(c, n->line, path, "expected a number, got %s", describe(c, v, buf, sizeof buf));
    }
    if (!n->plain) {
        return fail(c, n->line, path, "expected a number, got a quoted string %s",
                    describe(c, v, buf, sizeof buf));
    }
    const char *str = sval(c, v);
    char *end = NULL;
    errno = 0;
    double d = strtod(str, &end);
    /* the whole scalar must be the number (it is NUL-terminated, but may hold a
     * NUL) */
    if (end != str + n->len) {
        return fail(c, n->line, path, "expected a number, got %s", describe(c, v, buf, sizeof buf));
    }
    if (!isfinite(d)) {
        return fail(c, n->line, path, "expected a finite number, got %s",
                    describe(c, v, buf, sizeof buf));
    }
    if (s->integer && d != floor(d)) {
        return fail(c, n->line, path, "expected a whole number, got %s",
                    describe(c, v, buf, sizeof buf));
    }
    if ((s->lo_open ? !(d > s->lo) : !(d >= s->lo)) || !(d <= s->hi)) {
        if (s->lo_open) {
            return fail(c, n->line, path, "must be > %.10g and <= %.10g, got %s", s->lo, s->hi,
                        describe(c, v, buf, sizeof buf));
        }
        return fail(c, n->line, path, "must be between %.10g and %.10g, got %s", s->lo, s->hi,
                    describe(c, v, buf, sizeof buf));
    }
    *out = d;
    return 0;
}

/* A mapping of numbers only (specs[0..n), n <= 16): each given one is stored at
 * base + off and its line at lines[off / sizeof(double)] (when lines is not
 * NULL). */
static int walk_nums(ctx_t *c, uint32_t map, const char *path, const numspec_t *specs, size_t n,
                     void *base, uint32_t *lines) {
    const char *keys[16] = {0};
    uint32_t val[16], kline[16];
    for (size_t k = 0; k < n && k < 16; k++) {
        keys[k] = specs[k].key;
    }
    if (walk_map(c, map, path, keys, n, val, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        if (val[k] == NONE) {
            continue;
        }
        char kp[256];
        join(kp, sizeof kp, path, specs[k].key);
        double d;
        if (get_number(c, val[k], kp, &specs[k], &d) != 0) {
            return -1;
        }
        memcpy((char *)base + specs[k].off, &d, sizeof d);
        if (lines != NULL) {
            lines[specs[k].off / sizeof(double)] = kline[k];
        }
    }
    return 0;
}

/* A string scalar (any style) shorter than cap, with no NUL inside. */
static int get_string(ctx_t *c, uint32_t v, const char *path, char *out, size_t cap) {
    char buf[SHOW_MAX + 8];
    const node_t *n = nd(c, v);
    if (n->kind != N_SCALAR) {
        return fail(c, n->line, path, "expected a string, got %s", describe(c, v, buf, sizeof buf));
    }
    if (n->len >= cap) {
        return fail(c, n->line, path, "longer than %zu characters", cap - 1);
    }
    if (memchr(sval(c, v), '\0', n->len) != NULL) {
        return fail(c, n->line, path, "contains a NUL character");
    }
    memcpy(out, sval(c, v), n->len);
    out[n->len] = '\0';
    return 0;
}

/* ---- checks ---- */

#define CK(k, f, lo, hi, open)                                                                     \
    { k, offsetof(mon_checks_cfg_t, f), lo, hi, open, false }
static const numspec_t CHK_ALT[] = {
    CK("window_orbits", alt_window_orbits, 1, 100, false),
    CK("band_pct", alt_band_pct, 0, 100, false),
    CK("band_per_kp_pct", alt_band_per_kp_pct, 0, 100, false),
    CK("clear_band_pct", alt_clear_band_pct, 0, 100, false),
    CK("sigma_k", alt_sigma_k, 0, 100, true),
    CK("min_decay_km_day", alt_min_decay_km_day, 0, 100, false),
    CK("critical_factor", alt_critical_factor, 1, 100, false),
};
static const numspec_t CHK_THRUST[] = {
    CK("margin_pct", thrust_margin_pct, 0, 100, false),
    CK("clear_margin_pct", thrust_clear_margin_pct, 0, 100, false),
    CK("command_margin_pct", thrust_cmd_margin_pct, 0, 100, false),
    CK("command_clear_pct", thrust_cmd_clear_pct, 0, 100, false),
    CK("critical_pct", thrust_critical_pct, 0, 100, false),
    CK("average_s", thrust_average_s, 0, 86400, true),
};
static const numspec_t CHK_POWER[] = {
    CK("margin_pct", power_margin_pct, 0, 100, false),
    CK("clear_margin_pct", power_clear_margin_pct, 0, 100, false),
    CK("soc_window_orbits", soc_window_orbits, 1, 100, false),
    CK("average_s", power_average_s, 0, 86400, true),
};
static const numspec_t CHK_ALERTS[] = {
    CK("min_duration_s", min_duration_s, 0, 86400, false),
    CK("update_interval_s", update_interval_s, 0, 86400, false),
    CK("update_change_pct", update_change_pct, 0, 100, false),
    CK("eval_interval_s", eval_interval_s, 0, 3600, true),
};
#undef CK
#define NUMS(a) a, sizeof a / sizeof a[0]

#define CHK_NLINES (sizeof(mon_checks_cfg_t) / sizeof(double) + 1)

/* Clear levels must not lie beyond raise levels (hysteresis). */
static const struct {
    size_t clear, raise;
    const char *clear_key, *raise_key;
} HYST[] = {
    {offsetof(mon_checks_cfg_t, alt_clear_band_pct), offsetof(mon_checks_cfg_t, alt_band_pct),
     "altitude.clear_band_pct", "altitude.band_pct"},
    {offsetof(mon_checks_cfg_t, thrust_clear_margin_pct),
     offsetof(mon_checks_cfg_t, thrust_margin_pct), "thrust.clear_margin_pct", "thrust.margin_pct"},
    {offsetof(mon_checks_cfg_t, thrust_cmd_clear_pct),
     offsetof(mon_checks_cfg_t, thrust_cmd_margin_pct), "thrust.command_clear_pct",
     "thrust.command_margin_pct"},
    {offsetof(mon_checks_cfg_t, power_clear_margin_pct),
     offsetof(mon_checks_cfg_t, power_margin_pct), "power.clear_margin_pct", "power.margin_pct"},
};

/* Parse a `checks:` mapping over *ck (which holds the defaults or inherited
 * values). */
static int parse_checks(ctx_t *c, uint32_t map, const char *path, mon_checks_cfg_t *ck) {
    static const char *const keys[] = {"altitude", "thrust", "power", "alerts"};
    static const struct {
        const numspec_t *s;
        size_t n;
    } secs[] = {{NUMS(CHK_ALT)}, {NUMS(CHK_THRUST)}, {NUMS(CHK_POWER)}, {NUMS(CHK_ALERTS)}};
    uint32_t val[4], kline[4];
    uint32_t lines[CHK_NLINES] = {0};
    if (walk_map(c, map, path, keys, 4, val, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < 4; k++) {
        char kp[256];
        join(kp, sizeof kp, path, keys[k]);
        if (val[k] != NONE && walk_nums(c, val[k], kp, secs[k].s, secs[k].n, ck, lines) != 0) {
            return -1;
        }
    }
    for (size_t h = 0; h < sizeof HYST / sizeof HYST[0]; h++) {
        double clear, raise;
        memcpy(&clear, (const char *)ck + HYST[h].clear, sizeof clear);
        memcpy(&raise, (const char *)ck + HYST[h].raise, sizeof raise);
        if (clear <= raise) {
            continue;
        }
        /* name whichever of the two this mapping set (values only inherited were
         * checked where they were set) */
        char kp[256];
        uint32_t lc = lines[HYST[h].clear / sizeof(double)];
        uint32_t lr = lines[HYST[h].raise / sizeof(double)];
        if (lc != 0) {
            join(kp, sizeof kp, path, HYST[h].clear_key);
            return fail(c, lc, kp, "must not exceed %s (%.10g), got %.10g", HYST[h].raise_key,
                        raise, clear);
        }
        if (lr != 0) {
            join(kp, sizeof kp, path, HYST[h].raise_key);
            return fail(c, lr, kp, "must not be below %s (%.10g), got %.10g", HYST[h].clear_key,
                        clear, raise);
        }
    }
    return 0;
}

void mon_checks_cfg_default(mon_checks_cfg_t *c) {
    memset(c, 0, sizeof *c);
    c->alt_window_orbits = 2;
    c->alt_band_pct = 30;
    c->alt_band_per_kp_pct = 10;
    c->alt_clear_band_pct = 20;
    c->alt_sigma_k = 3;
    c->alt_min_decay_km_day = 0.05;
    c->alt_critical_factor = 2;
    c->thrust_margin_pct = 15;
    c->thrust_clear_margin_pct = 7;
    c->thrust_cmd_margin_pct = 10;
    c->thrust_cmd_clear_pct = 5;
    c->thrust_critical_pct = 50;
    c->thrust_average_s = 600;
    c->power_margin_pct = 15;
    c->power_clear_margin_pct = 7;
    c->soc_window_orbits = 3;
    c->power_average_s = 120;
    c->min_duration_s = 120;
    c->update_interval_s = 600;
    c->update_change_pct = 10;
    c->eval_interval_s = 10;
}

/* ---- atmosphere ---- */

static int parse_atmosphere(ctx_t *c, uint32_t map, mon_atmos_cfg_t *a) {
    enum { A_MODEL, A_SW, A_F107, A_F107A, A_KP, A_KPLAG, A_MEAN, A_HP, A_N };
    static const char *const keys[A_N] = {"model", "space_weather", "f107",       "f107a",
                                          "kp",    "kp_lag_h",      "f107a_mean", "hp_exponent"};
    static const numspec_t nums[A_N] = {
        [A_F107] = {"f107", offsetof(mon_atmos_cfg_t, f107), 0, 1000, true, false},
        [A_F107A] = {"f107a", offsetof(mon_atmos_cfg_t, f107a), 0, 1000, true, false},
        [A_KP] = {"kp", offsetof(mon_atmos_cfg_t, kp), 0, 9, false, false},
        [A_KPLAG] = {"kp_lag_h", offsetof(mon_atmos_cfg_t, kp_lag_h), 0, 72, false, false},
        [A_HP] = {"hp_exponent", 0, 2, 6, false, true},
    };
    uint32_t val[A_N], kline[A_N];
    char buf[SHOW_MAX + 8];
    if (walk_map(c, map, "atmosphere", keys, A_N, val, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < A_N; k++) {
        if (val[k] == NONE) {
            continue;
        }
        char kp[64];
        join(kp, sizeof kp, "atmosphere", keys[k]);
        uint32_t line = nd(c, val[k])->line;
        char s[MON_PATH_MAX];
        double d;
        switch (k) {
        case A_MODEL:
            if (get_string(c, val[k], kp, s, 64) != 0) {
                return -1;
            }
            if (mon_atmos_model_parse(s, &a->model) != 0) {
                return fail(c, line, kp,
                            "unknown model %s (exponential, harris-priester, jacchia71)",
                            describe(c, val[k], buf, sizeof buf));
            }
            break;
        case A_SW:
            if (get_string(c, val[k], kp, s, sizeof s) != 0) {
                return -1;
            }
            if (s[0] == '\0') {
                return fail(c, line, kp, "expected a file name, got an empty value");
            }
            if (s[0] != '/' && c->dir != NULL) {
                int w = snprintf(a->space_weather, sizeof a->space_weather, "%s/%s", c->dir, s);
                if (w < 0 || (size_t)w >= sizeof a->space_weather) {
                    return fail(c, line, kp, "path longer than %d characters", MON_PATH_MAX - 1);
                }
            } else {
                memcpy(a->space_weather, s, strlen(s) + 1);
            }
            break;
        case A_MEAN:
            if (get_string(c, val[k], kp, s, 64) != 0) {
                return -1;
            }
            if (strcmp(s, "centred") == 0) {
                a->f107a_trailing = false;
            } else if (strcmp(s, "trailing") == 0) {
                a->f107a_trailing = true;
            } else {
                return fail(c, line, kp, "expected centred or trailing, got %s",
                            describe(c, val[k], buf, sizeof buf));
            }
            break;
        case A_HP:
            if (get_number(c, val[k], kp, &nums[k], &d) != 0) {
                return -1;
            }
            a->hp_exponent = (int)d;
            break;
        default:
            if (get_number(c, val[k], kp, &nums[k], &d) != 0) {
                return -1;
            }
            memcpy((char *)a + nums[k].off, &d, sizeof d);
            break;
        }
    }
    return 0;
}

/* ---- spacecraft ---- */

static const char *const ROLE_NAMES[MON_ROLE_COUNT] = {
    [MON_ROLE_ALTITUDE_KM] = "altitude_km",
    [MON_ROLE_POS_X_M] = "position_ecef_m[0]",
    [MON_ROLE_POS_Y_M] = "position_ecef_m[1]",
    [MON_ROLE_POS_Z_M] = "position_ecef_m[2]",
    [MON_ROLE_VEL_X_M_S] = "velocity_ecef_m_s[0]",
    [MON_ROLE_VEL_Y_M_S] = "velocity_ecef_m_s[1]",
    [MON_ROLE_VEL_Z_M_S] = "velocity_ecef_m_s[2]",
    [MON_ROLE_LATITUDE_DEG] = "latitude_deg",
    [MON_ROLE_LONGITUDE_DEG] = "longitude_deg",
    [MON_ROLE_THRUST_MN] = "thrust_mn",
    [MON_ROLE_THRUST_CMD_MN] = "thrust_command_mn",
    [MON_ROLE_THRUSTER_ON] = "thruster_on",
    [MON_ROLE_THRUSTER_POWER_W] = "thruster_power_w",
    [MON_ROLE_SOLAR_POWER_W] = "solar_power_w",
    [MON_ROLE_LOAD_POWER_W] = "load_power_w",
    [MON_ROLE_BATTERY_SOC_PCT] = "battery_soc_pct",
};

const char *mon_role_name(mon_role_t role) {
    if ((unsigned)role >= MON_ROLE_COUNT) {
        return "unknown";
    }
    return ROLE_NAMES[role];
}

/* Keys under `parameters:`: each one role, or a list of three (ECEF vectors).
 */
enum {
    P_ALT,
    P_POS,
    P_VEL,
    P_LAT,
    P_LON,
    P_THRUST,
    P_CMD,
    P_ON,
    P_TPOW,
    P_SOLAR,
    P_LOAD,
    P_SOC,
    P_N
};
static const char *const PARAM_KEYS[P_N] = {
    "altitude_km",      "position_ecef_m", "velocity_ecef_m_s", "latitude_deg",
    "longitude_deg",    "thrust_mn",       "thrust_command_mn", "thruster_on",
    "thruster_power_w", "solar_power_w",   "load_power_w",      "battery_soc_pct"};
static const mon_role_t PARAM_ROLE[P_N] = {
    MON_ROLE_ALTITUDE_KM,   MON_ROLE_POS_X_M,       MON_ROLE_VEL_X_M_S,
    MON_ROLE_LATITUDE_DEG,  MON_ROLE_LONGITUDE_DEG, MON_ROLE_THRUST_MN,
    MON_ROLE_THRUST_CMD_MN, MON_ROLE_THRUSTER_ON,   MON_ROLE_THRUSTER_POWER_W,
    MON_ROLE_SOLAR_POWER_W, MON_ROLE_LOAD_POWER_W,  MON_ROLE_BATTERY_SOC_PCT};

static int get_param(ctx_t *c, uint32_t v, const char *path, mon_sc_cfg_t *sc, mon_role_t role) {
    char buf[SHOW_MAX + 8];
    const node_t *n = nd(c, v);
    if (n->kind != N_SCALAR || n->len == 0 || sval(c, v)[0] != '/') {
        return fail(c, n->line, path, "expected a qualified parameter name (/SYSTEM/NAME), got %s",
                    describe(c, v, buf, sizeof buf));
    }
    const char *s = sval(c, v);
    for (uint32_t i = 0; i < n->len; i++) {
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] == 0x7f) {
            return fail(c, n->line, path, "a parameter name has no spaces or control characters");
        }
    }
    if (get_string(c, v, path, sc->param[role], MON_PARAM_MAX) != 0) {
        return -1;
    }
    sc->param_line[role] = n->line;
    return 0;
}

static int parse_params(ctx_t *c, uint32_t map, const char *path, mon_sc_cfg_t *sc,
                        uint32_t *kline) {
    uint32_t val[P_N];
    char buf[SHOW_MAX + 8];
    if (walk_map(c, map, path, PARAM_KEYS, P_N, val, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < P_N; k++) {
        if (val[k] == NONE) {
            continue;
        }
        char kp[256];
        join(kp, sizeof kp, path, PARAM_KEYS[k]);
        if (k != P_POS && k != P_VEL) {
            if (get_param(c, val[k], kp, sc, PARAM_ROLE[k]) != 0) {
                return -1;
            }
            continue;
        }
        const node_t *n = nd(c, val[k]);
        if (n->kind != N_SEQ || n->count != 3) {
            if (n->kind == N_SEQ) {
                return fail(c, n->line, kp, "expected a list of 3 names [X, Y, Z], got %u",
                            n->count);
            }
            return fail(c, n->line, kp, "expected a list of 3 names [X, Y, Z], got %s",
                        describe(c, val[k], buf, sizeof buf));
        }
        uint32_t e = n->first;
        for (uint32_t i = 0; i < 3 && e != NONE; i++) {
            char ep[256];
            put(ep, sizeof ep, "%s[%u]", kp, i);
            if (get_param(c, e, ep, sc, (mon_role_t)(PARAM_ROLE[k] + i)) != 0) {
                return -1;
            }
            e = nd(c, e)->next;
        }
    }
    return 0;
}

#define SC(k, f, lo, hi, open)                                                                     \
    { k, offsetof(mon_sc_cfg_t, f), lo, hi, open, false }
static const numspec_t SC_THRUSTER[] = {
    SC("max_thrust_mn", max_thrust_mn, 0, 1e6, true),
    SC("min_thrust_mn", min_thrust_mn, 0, 1e6, false),
    SC("thrust_to_power_mn_per_kw", thrust_to_power_mn_per_kw, 0, 1e4, true),
};
static const numspec_t SC_POWER[] = {
    SC("max_load_w", max_load_w, 0, 1e7, true),
    SC("battery_capacity_wh", battery_capacity_wh, 0, 1e7, true),
    SC("max_discharge_w", max_discharge_w, 0, 1e7, true),
    SC("min_soc_pct", min_soc_pct, 0, 100, false),
};
static const numspec_t SC_LIMITS[] = {
    SC("min_altitude_km", min_altitude_km, 100, 2000, false),
    SC("horizon_h", horizon_h, 0, 8760, true),
    SC("stale_after_s", stale_after_s, 0, 86400, true),
};
enum {
    S_NAME,
    S_MASS,
    S_AREA,
    S_CD,
    S_INC,
    S_PARAMS,
    S_THRUSTER,
    S_POWER,
    S_LIMITS,
    S_CHECKS,
    S_N
};
static const char *const SC_KEYS[S_N] = {
    "name",       "mass_kg",  "drag_area_m2", "drag_coefficient", "inclination_deg",
    "parameters", "thruster", "power",        "limits",           "checks"};
static const numspec_t SC_TOP[S_N] = {
    [S_MASS] = SC("mass_kg", mass_kg, 0, 1e6, true),
    [S_AREA] = SC("drag_area_m2", drag_area_m2, 0, 1e4, true),
    [S_CD] = SC("drag_coefficient", drag_coefficient, 0, 5, true),
    [S_INC] = SC("inclination_deg", inclination_deg, 0, 180, false),
};
#undef SC

static bool name_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n >= MON_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-')) {
            return false;
        }
    }
    return true;
}

/* "X: missing (WHAT at line N needs it)" at the spacecraft's line. */
static int need(ctx_t *c, const mon_sc_cfg_t *sc, const char *base, const char *key, const char *by,
                uint32_t by_line) {
    char kp[256];
    join(kp, sizeof kp, base, key);
    return fail(c, (uint32_t)sc->line, kp, "missing (%s at line %u needs it)", by, by_line);
}

/* The rules between roles and the settings they need (after everything is
 * parsed). */
static int check_roles(ctx_t *c, const mon_sc_cfg_t *sc, const char *base, const uint32_t *pl) {
    char kp[256];
    if (pl[P_ALT] && pl[P_POS]) {
        size_t later = pl[P_POS] > pl[P_ALT] ? P_POS : P_ALT;
        join(kp, sizeof kp, base,
             later == P_POS ? "parameters.position_ecef_m" : "parameters.altitude_km");
        return fail(c, pl[later], kp, "give altitude_km or position_ecef_m, not both");
    }
    if (!pl[P_ALT] && !pl[P_POS]) {
        join(kp, sizeof kp, base, "parameters.altitude_km");
        return fail(c, (uint32_t)sc->line, kp,
                    "missing: an altitude source is required (altitude_km or "
                    "position_ecef_m)");
    }
    if (pl[P_VEL] && !pl[P_POS]) {
        join(kp, sizeof kp, base, "parameters.velocity_ecef_m_s");
        return fail(c, pl[P_VEL], kp, "only allowed with position_ecef_m");
    }
    for (size_t k = P_LAT; k <= P_LON; k++) {
        if (pl[k] && !pl[P_ALT]) {
            join(kp, sizeof kp, base,
                 k == P_LAT ? "parameters.latitude_deg" : "parameters.longitude_deg");
            return fail(c, pl[k], kp, "only allowed with altitude_km");
        }
    }
    if (pl[P_LAT] && !pl[P_LON]) {
        return need(c, sc, base, "parameters.longitude_deg", "parameters.latitude_deg", pl[P_LAT]);
    }
    if (pl[P_LON] && !pl[P_LAT]) {
        return need(c, sc, base, "parameters.latitude_deg", "parameters.longitude_deg", pl[P_LON]);
    }
    if (pl[P_THRUST] && isnan(sc->thrust_to_power_mn_per_kw)) {
        return need(c, sc, base, "thruster.thrust_to_power_mn_per_kw", "parameters.thrust_mn",
                    pl[P_THRUST]);
    }
    if (pl[P_THRUST] && isnan(sc->max_thrust_mn)) {
        return need(c, sc, base, "thruster.max_thrust_mn", "parameters.thrust_mn", pl[P_THRUST]);
    }
    if (pl[P_CMD] && !pl[P_THRUST]) {
        return need(c, sc, base, "parameters.thrust_mn", "parameters.thrust_command_mn", pl[P_CMD]);
    }
    if (pl[P_TPOW] && !pl[P_THRUST]) {
        return need(c, sc, base, "parameters.thrust_mn", "parameters.thruster_power_w", pl[P_TPOW]);
    }
    if (pl[P_SOLAR] && !pl[P_LOAD]) {
        return need(c, sc, base, "parameters.load_power_w", "parameters.solar_power_w",
                    pl[P_SOLAR]);
    }
    if (pl[P_LOAD] && !pl[P_SOLAR]) {
        return need(c, sc, base, "parameters.solar_power_w", "parameters.load_power_w", pl[P_LOAD]);
    }
    if (pl[P_SOLAR] && isnan(sc->max_discharge_w)) {
        join(kp, sizeof kp, base, "power.battery_capacity_wh");
        return fail(
            c, (uint32_t)sc->line, kp,
            "missing (parameters.solar_power_w at line %u needs it or power.max_discharge_w)",
            pl[P_SOLAR]);
    }
    if (pl[P_SOC] && isnan(sc->min_soc_pct)) {
        return need(c, sc, base, "power.min_soc_pct", "parameters.battery_soc_pct", pl[P_SOC]);
    }
    if (pl[P_SOC] && isnan(sc->battery_capacity_wh)) {
        return need(c, sc, base, "power.battery_capacity_wh", "parameters.battery_soc_pct",
                    pl[P_SOC]);
    }
    return 0;
}

static int parse_sc(ctx_t *c, uint32_t item, size_t idx, const mon_checks_cfg_t *top,
                    mon_sc_cfg_t *sc) {
    char base[48];
    snprintf(base, sizeof base, "spacecraft[%zu]", idx);
    memset(sc, 0, sizeof *sc);
    sc->line = (int)nd(c, item)->line;
    sc->drag_coefficient = 2.2;
    sc->inclination_deg = NAN;
    sc->max_thrust_mn = NAN;
    sc->min_thrust_mn = 0;
    sc->thrust_to_power_mn_per_kw = NAN;
    sc->max_load_w = NAN;
    sc->battery_capacity_wh = NAN;
    sc->max_discharge_w = NAN;
    sc->min_soc_pct = NAN;
    sc->min_altitude_km = NAN;
    sc->horizon_h = 24;
    sc->stale_after_s = 120;
    sc->checks = *top;

    uint32_t val[S_N], kline[S_N];
    uint32_t pl[P_N] = {0};
    uint32_t lines[sizeof(mon_sc_cfg_t) / sizeof(double) + 1] = {0}; /* by offset / 8 */
    if (walk_map(c, item, base, SC_KEYS, S_N, val, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < S_N; k++) {
        if (val[k] == NONE) {
            continue;
        }
        char kp[256];
        join(kp, sizeof kp, base, SC_KEYS[k]);
        double d;
        int rc = 0;
        switch (k) {
        case S_NAME:
            if (get_string(c, val[k], kp, sc->name, sizeof sc->name) != 0) {
                return -1;
            }
            if (!name_ok(sc->name)) {
                char buf[SHOW_MAX + 8];
                return fail(c, nd(c, val[k])->line, kp,
                            "expected 1-63 characters of A-Z a-z 0-9 _ . -, got %s",
                            describe(c, val[k], buf, sizeof buf));
            }
            break;
        case S_PARAMS:
            rc = parse_params(c, val[k], kp, sc, pl);
            break;
        case S_THRUSTER:
            rc = walk_nums(c, val[k], kp, NUMS(SC_THRUSTER), sc, lines);
            break;
        case S_POWER:
            rc = walk_nums(c, val[k], kp, NUMS(SC_POWER), sc, lines);
            break;
        case S_LIMITS:
            rc = walk_nums(c, val[k], kp, NUMS(SC_LIMITS), sc, lines);
            break;
        case S_CHECKS:
            rc = parse_checks(c, val[k], kp, &sc->checks);
            break;
        default:
            rc = get_number(c, val[k], kp, &SC_TOP[k], &d);
            if (rc == 0) {
                memcpy((char *)sc + SC_TOP[k].off, &d, sizeof d);
            }
            break;
        }
        if (rc != 0) {
            return -1;
        }
    }
    static const size_t required[] = {S_NAME, S_MASS, S_AREA, S_PARAMS};
    for (size_t r = 0; r < sizeof required / sizeof required[0]; r++) {
        if (val[required[r]] == NONE) {
            char kp[256];
            join(kp, sizeof kp, base, SC_KEYS[required[r]]);
            return fail(c, (uint32_t)sc->line, kp, "missing (required)");
        }
    }
    if (isnan(sc->min_altitude_km)) {
        char kp[256];
        join(kp, sizeof kp, base, "limits.min_altitude_km");
        return fail(c, (uint32_t)sc->line, kp, "missing (required)");
    }
    if (!isnan(sc->max_thrust_mn) && sc->min_thrust_mn > sc->max_thrust_mn) {
        char kp[256];
        join(kp, sizeof kp, base, "thruster.min_thrust_mn");
        return fail(c, lines[offsetof(mon_sc_cfg_t, min_thrust_mn) / sizeof(double)], kp,
                    "must not exceed max_thrust_mn (%.10g), got %.10g", sc->max_thrust_mn,
                    sc->min_thrust_mn);
    }
    if (isnan(sc->max_discharge_w) && !isnan(sc->battery_capacity_wh)) {
        sc->max_discharge_w = sc->battery_capacity_wh / 2.0; /* a 2-hour discharge rate */
    }
    return check_roles(c, sc, base, pl);
}

/* Spacecraft names are unique: sort pointers by name (then position) and
 * compare neighbours; the message names the first entry in file order that
 * repeats a name. */
static int cmp_sc(const void *a, const void *b) {
    const mon_sc_cfg_t *x = *(const mon_sc_cfg_t *const *)a;
    const mon_sc_cfg_t *y = *(const mon_sc_cfg_t *const *)b;
    int r = strcmp(x->name, y->name);
    if (r != 0) {
        return r;
    }
    return (x > y) - (x < y);
}

static int check_unique(ctx_t *c, const mon_config_t *cfg) {
    size_t n = cfg->n_spacecraft;
    const mon_sc_cfg_t **v = malloc(n * sizeof *v);
    if (v == NULL) {
        return fail(c, 1, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = &cfg->spacecraft[i];
    }
    qsort(v, n, sizeof *v, cmp_sc);
    const mon_sc_cfg_t *dup = NULL, *first = NULL, *group = NULL;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(v[i]->name, v[i - 1]->name) != 0) {
            group = v[i];
        } else if (dup == NULL || v[i] < dup) {
            dup = v[i];
            first = group;
        }
    }
    free(v);
    if (dup == NULL) {
        return 0;
    }
    char kp[64];
    snprintf(kp, sizeof kp, "spacecraft[%td].name", dup - cfg->spacecraft);
    return fail(c, (uint32_t)dup->line, kp, "duplicate spacecraft name '%s' (first at line %d)",
                dup->name, first->line);
}

/* ---- the document ---- */

static int parse_root(ctx_t *c, uint32_t root, uint32_t doc_line, mon_config_t *cfg) {
    enum { T_ATMOS, T_CHECKS, T_SC, T_N };
    static const char *const keys[T_N] = {"atmosphere", "checks", "spacecraft"};
    uint32_t val[T_N], kline[T_N];
    char buf[SHOW_MAX + 8];
    const node_t *r = nd(c, root);
    if (r->kind == N_SCALAR && r->len == 0 && r->plain) {
        return fail(c, doc_line, NULL, "empty document: expected a mapping with spacecraft:");
    }
    if (r->kind != N_MAP) {
        return fail(c, r->line, NULL, "expected a mapping at the top level, got %s",
                    describe(c, root, buf, sizeof buf));
    }
    if (walk_map(c, root, "", keys, T_N, val, kline) != 0) {
        return -1;
    }
    if (val[T_ATMOS] != NONE && parse_atmosphere(c, val[T_ATMOS], &cfg->atmosphere) != 0) {
        return -1;
    }
    /* the top-level checks first, whatever the key order: spacecraft inherit them
     */
    if (val[T_CHECKS] != NONE && parse_checks(c, val[T_CHECKS], "checks", &cfg->checks) != 0) {
        return -1;
    }
    if (val[T_SC] == NONE) {
        return fail(c, r->line, "spacecraft", "missing (required)");
    }
    const node_t *s = nd(c, val[T_SC]);
    if (s->kind != N_SEQ || s->count == 0) {
        return fail(c, s->line, "spacecraft", "expected a non-empty sequence, got %s",
                    s->kind == N_SEQ ? "an empty one" : describe(c, val[T_SC], buf, sizeof buf));
    }
    if (s->count > MON_MAX_SPACECRAFT) {
        return fail(c, s->line, "spacecraft", "more than %d entries", MON_MAX_SPACECRAFT);
    }
    cfg->spacecraft = calloc(s->count, sizeof *cfg->spacecraft);
    if (cfg->spacecraft == NULL) {
        return fail(c, s->line, "spacecraft", "out of memory for %u entries", s->count);
    }
    cfg->n_spacecraft = s->count;
    uint32_t e = s->first;
    for (size_t i = 0; i < cfg->n_spacecraft && e != NONE; i++) {
        if (parse_sc(c, e, i, &cfg->checks, &cfg->spacecraft[i]) != 0) {
            return -1;
        }
        e = nd(c, e)->next;
    }
    return check_unique(c, cfg);
}

static void cfg_init(mon_config_t *cfg, const char *name) {
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", name);
    cfg->atmosphere.model = MON_ATMOS_JACCHIA71;
    cfg->atmosphere.f107 = 150;
    cfg->atmosphere.f107a = 150;
    cfg->atmosphere.kp = 3;
    cfg->atmosphere.kp_lag_h = 6.7;
    cfg->atmosphere.f107a_trailing = false;
    cfg->atmosphere.hp_exponent = 4;
    mon_checks_cfg_default(&cfg->checks);
}

static int parse_in(const char *text, size_t len, const char *name, const char *dir,
                    mon_config_t *cfg, char *err, size_t errlen) {
    if (name == NULL) {
        name = "config";
    }
    ctx_t c = {.name = name, .err = err, .errlen = errlen, .dir = dir};
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    cfg_init(cfg, name);
    int rc;
    uint32_t root = NONE, doc_line = 1;
    if (text == NULL && len > 0) {
        rc = fail(&c, 1, NULL, "no text");
    } else if (len > CFG_MAX_TEXT) {
        rc = fail(&c, 1, NULL, "larger than %zu MiB", CFG_MAX_TEXT >> 20);
    } else if ((rc = build_tree(&c, text ? text : "", len, &root, &doc_line)) == 0) {
        if (root == NONE) {
            rc = fail(&c, 1, NULL, "empty document: expected a mapping with spacecraft:");
        } else {
            rc = parse_root(&c, root, doc_line, cfg);
        }
    }
    free(c.t.nodes);
    free(c.t.str);
    if (rc != 0) {
        mon_config_free(cfg);
    }
    return rc;
}

int mon_config_parse(const char *text, size_t len, const char *name, mon_config_t *cfg, char *err,
                     size_t errlen) {
    return parse_in(text, len, name, NULL, cfg, err, errlen);
}

int mon_config_load(const char *path, mon_config_t *cfg, char *err, size_t errlen) {
    memset(cfg, 0, sizeof *cfg);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);
    int rc = 0;
    /* read at most CFG_MAX_TEXT + 1 octets: one more than allowed tells "too
     * large" */
    while (buf != NULL && n <= CFG_MAX_TEXT) {
        if (n == cap) {
            size_t ncap = cap * 2 > CFG_MAX_TEXT + 1 ? CFG_MAX_TEXT + 1 : cap * 2;
            char *p = realloc(buf, ncap);
            if (p == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) {
            break;
        }
    }
    if (buf == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = -1;
    } else if (ferror(fp)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        rc = -1;
    } else if (n > CFG_MAX_TEXT) {
        snprintf(err, errlen, "%s: larger than %zu MiB", path, CFG_MAX_TEXT >> 20);
        rc = -1;
    }
    fclose(fp);
    if (rc == 0) {
        char dir[MON_PATH_MAX];
        const char *slash = strrchr(path, '/');
        const char *d = NULL;
        if (slash != NULL && (size_t)(slash - path) < sizeof dir) {
            memcpy(dir, path, (size_t)(slash - path));
            dir[slash - path] = '\0';
            d = dir; /* "" for a file in "/": "/" + name */
        } else if (slash != NULL) {
            snprintf(err, errlen, "%s: folder name longer than %d characters", path,
                     MON_PATH_MAX - 1);
            rc = -1;
        }
        if (rc == 0) {
            rc = parse_in(buf, n, path, d, cfg, err, errlen);
        }
    }
    free(buf);
    return rc;
}

int mon_config_check_params(const mon_config_t *cfg, mon_param_exists_fn exists, void *ctx,
                            char *err, size_t errlen) {
    for (size_t i = 0; i < cfg->n_spacecraft; i++) {
        const mon_sc_cfg_t *sc = &cfg->spacecraft[i];
        for (int r = 0; r < MON_ROLE_COUNT; r++) {
            if (sc->param[r][0] != '\0' && !exists(ctx, sc->param[r])) {
                snprintf(err, errlen,
                         "%s:%d: spacecraft[%zu](%s).parameters.%s: '%s' is not a "
                         "parameter of "
                         "the mission database",
                         cfg->path, sc->param_line[r], i, sc->name, ROLE_NAMES[r], sc->param[r]);
                return -1;
            }
        }
    }
    return 0;
}

void mon_config_free(mon_config_t *cfg) {
    if (cfg == NULL) {
        return;
    }
    free(cfg->spacecraft);
    memset(cfg, 0, sizeof *cfg);
}
