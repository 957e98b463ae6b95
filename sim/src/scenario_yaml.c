/* scenario_yaml.c: the vleo-sim scenario file (sim/scenario.h, issue 6 item 3): libyaml's event
 * API builds a small bounded tree (no anchors, aliases, tags; one document; nesting <= 8; text
 * <= 1 MiB), then a schema walk fills and checks sim_scenario_t over its defaults, each error as
 * "NAME:LINE: key.path: what". */
#include "sim/scenario.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "vleo/timescale.h"

#define SCN_MAX_TEXT ((size_t)1 << 20)    /* 1 MiB of YAML */
#define SCN_MAX_DEPTH 8                   /* nested mappings/sequences */
#define SCN_MAX_NODES ((uint32_t)1 << 20) /* a 1 MiB text holds fewer */
#define SCN_MAX_STR ((size_t)4 << 20)     /* all scalar text together */
#define NONE UINT32_MAX
#define SHOW_MAX 40 /* octets of a value quoted in a message */
#define NS_PER_H 3.6e12
/* Start times accepted: 1970-01-01 to 2100-12-31 (event times stay positive and far from the
 * int64 limit; the space-weather file's dates stay in its reader's range). */
#define SCN_START_MIN_NS 0LL
#define SCN_START_MAX_NS (4133980800LL * VLEO_NS_PER_S) /* 2101-01-01T00:00:00Z */
#define SCN_MAX_DURATION_S (366.0 * 86400.0)

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
} ynode_t;

typedef struct {
    const char *name; /* for messages */
    char *err;
    size_t errlen;
    ynode_t *nodes;
    uint32_t n, cap;
    char *str;
    size_t str_n, str_cap;
} yctx_t;

__attribute__((format(printf, 4, 5))) static int fail(yctx_t *c, uint32_t line, const char *path,
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

static int add_node(yctx_t *c, uint8_t kind, uint32_t line, uint32_t *idx) {
    if (c->n == c->cap) {
        if (c->cap >= SCN_MAX_NODES) {
            return fail(c, line, NULL, "more than %u YAML nodes", SCN_MAX_NODES);
        }
        uint32_t ncap = c->cap ? c->cap * 2 : 128;
        ynode_t *p = realloc(c->nodes, (size_t)ncap * sizeof *p);
        if (p == NULL) {
            return fail(c, line, NULL, "out of memory");
        }
        c->nodes = p;
        c->cap = ncap;
    }
    *idx = c->n++;
    c->nodes[*idx] = (ynode_t){.kind = kind, .line = line, .first = NONE, .next = NONE};
    return 0;
}

static int add_str(yctx_t *c, uint32_t line, const yaml_char_t *s, size_t n, ynode_t *nd) {
    /* n + 1 cannot overflow: n is bounded by what libyaml read from at most 1 MiB */
    if (n >= SCN_MAX_STR || c->str_n > SCN_MAX_STR - n - 1) {
        return fail(c, line, NULL, "too much scalar text");
    }
    if (c->str_cap - c->str_n < n + 1) {
        size_t ncap = c->str_cap ? c->str_cap : 4096;
        while (ncap - c->str_n < n + 1) { /* ends: ncap doubles past SCN_MAX_STR at most */
            ncap *= 2;
        }
        char *p = realloc(c->str, ncap);
        if (p == NULL) {
            return fail(c, line, NULL, "out of memory");
        }
        c->str = p;
        c->str_cap = ncap;
    }
    if (n > 0) {
        memcpy(c->str + c->str_n, s, n);
    }
    c->str[c->str_n + n] = '\0';
    nd->off = (uint32_t)c->str_n;
    nd->len = (uint32_t)n;
    c->str_n += n + 1;
    return 0;
}

/* libyaml's error as "NAME:LINE: YAML syntax: problem (context at line N)". */
static int syntax_error(yctx_t *c, const yaml_parser_t *p, const char *text, size_t len) {
    if (p->error == YAML_MEMORY_ERROR) {
        return fail(c, 1, NULL, "out of memory reading YAML");
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
            return fail(c, line, "YAML syntax", "%s (octet 0x%02X)", problem,
                        (unsigned)p->problem_value & 0xFFu);
        }
        return fail(c, line, "YAML syntax", "%s", problem);
    }
    uint32_t line = (uint32_t)p->problem_mark.line + 1;
    if (p->context != NULL) {
        return fail(c, line, "YAML syntax", "%s (%s at line %zu)", problem, p->context,
                    p->context_mark.line + 1);
    }
    return fail(c, line, "YAML syntax", "%s", problem);
}

/* Add the node of a scalar / collection-start event under the open collection. */
static int add_event_node(yctx_t *c, const yaml_event_t *ev, uint32_t *open, uint32_t *last,
                          int *depth, uint32_t *root) {
    uint32_t line = (uint32_t)ev->start_mark.line + 1;
    uint8_t kind;
    const yaml_char_t *anchor, *tag;
    if (ev->type == YAML_SCALAR_EVENT) {
        kind = N_SCALAR;
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        kind = N_SEQ;
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
    } else {
        kind = N_MAP;
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
    }
    if (anchor != NULL) {
        return fail(c, line, NULL, "YAML anchors (&name) are not supported");
    }
    if (tag != NULL) {
        return fail(c, line, NULL, "YAML tags (!tag) are not supported");
    }
    if (kind != N_SCALAR && *depth == SCN_MAX_DEPTH) {
        return fail(c, line, NULL, "nesting deeper than %d levels", SCN_MAX_DEPTH);
    }
    uint32_t idx = 0;
    if (add_node(c, kind, line, &idx) != 0) {
        return -1;
    }
    if (kind == N_SCALAR) {
        c->nodes[idx].plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (add_str(c, line, ev->data.scalar.value, ev->data.scalar.length, &c->nodes[idx]) != 0) {
            return -1;
        }
    }
    if (*depth == 0) {
        *root = idx; /* one document has one top node */
    } else {
        ynode_t *parent = &c->nodes[open[*depth - 1]];
        if (parent->first == NONE) {
            parent->first = idx;
        } else {
            c->nodes[last[*depth - 1]].next = idx;
        }
        last[*depth - 1] = idx;
        parent->count++;
    }
    if (kind != N_SCALAR) {
        open[*depth] = idx;
        last[*depth] = NONE;
        (*depth)++;
    }
    return 0;
}

/* Build the tree of the one document in text[0..len); *root is its top node (NONE for an empty
 * stream). */
static int build_tree(yctx_t *c, const char *text, size_t len, uint32_t *root) {
    yaml_parser_t p;
    *root = NONE;
    if (!yaml_parser_initialize(&p)) {
        return fail(c, 1, NULL, "out of memory");
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    uint32_t open[SCN_MAX_DEPTH], last[SCN_MAX_DEPTH];
    int depth = 0, docs = 0, rc = 0;
    bool done = false;
    /* Every event but the stream/document ones adds or closes a node, so this many events always
     * suffice; the bound only guards against a parser that never ends. */
    for (uint64_t guard = 0; rc == 0 && !done && guard < 2ull * SCN_MAX_NODES + 8; guard++) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(c, &p, text, len);
            break;
        }
        uint32_t line = (uint32_t)ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                rc = fail(c, line, NULL, "a second YAML document: a scenario is one document");
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
            rc = add_event_node(c, &ev, open, last, &depth, root);
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

static const ynode_t *nd(const yctx_t *c, uint32_t i) {
    return &c->nodes[i];
}

static const char *sval(const yctx_t *c, uint32_t i) {
    return c->str + c->nodes[i].off;
}

/* "a mapping", "a sequence", "an empty value" or 'text' for messages. */
static const char *describe(const yctx_t *c, uint32_t i, char *buf, size_t cap) {
    const ynode_t *n = nd(c, i);
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

/* path + "." + key (or key alone at the top); cut when too long (messages only). */
static void join(char *out, size_t cap, const char *path, const char *key) {
    snprintf(out, cap, "%s%s%s", path, path[0] ? "." : "", key);
}

/* Check that `map` is a mapping whose keys are all among keys[0..nkeys), each at most once.
 * val[k] receives the value node of keys[k] (NONE when absent), kline[k] its key's line. */
static int walk_map(yctx_t *c, uint32_t map, const char *path, const char *const *keys,
                    size_t nkeys, uint32_t *val, uint32_t *kline) {
    char buf[SHOW_MAX + 8];
    const ynode_t *m = nd(c, map);
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
        const ynode_t *kn = nd(c, key);
        uint32_t v = kn->next; /* a mapping always has a value after its key */
        char kp[160];
        if (kn->kind != N_SCALAR) {
            return fail(c, kn->line, path, "expected a key name, got %s",
                        describe(c, key, buf, sizeof buf));
        }
        size_t k = 0;
        while (k < nkeys &&
               !(strlen(keys[k]) == kn->len && memcmp(keys[k], sval(c, key), kn->len) == 0)) {
            k++;
        }
        if (k == nkeys) {
            join(kp, sizeof kp, path, show(sval(c, key), kn->len, buf, sizeof buf));
            char known[400];
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
            c->nodes[v].line = kn->line; /* "key:" alone: libyaml marks the next line */
        }
        val[k] = v;
        kline[k] = kn->line;
        key = nd(c, v)->next;
    }
    return 0;
}

/* A number field: key, where it goes in sim_scenario_t (or an event), range [lo, hi] with lo
 * excluded when lo_open. */
typedef struct {
    const char *key;
    size_t off;
    double lo, hi;
    bool lo_open;
} numspec_t;

/* A plain scalar that is a finite decimal number, the whole scalar: digits, sign, point and
 * exponent only (no hex, inf, nan), strtod with an end check. */
static int get_number(yctx_t *c, uint32_t v, const char *path, double lo, double hi, bool lo_open,
                      double *out) {
    char buf[SHOW_MAX + 8];
    const ynode_t *n = nd(c, v);
    if (n->kind != N_SCALAR || n->len == 0) {
        return fail(c, n->line, path, "expected a number, got %s", describe(c, v, buf, sizeof buf));
    }
    if (!n->plain) {
        return fail(c, n->line, path, "expected a number, got a quoted string %s",
                    describe(c, v, buf, sizeof buf));
    }
    const char *s = sval(c, v);
    if (strspn(s, "0123456789+-.eE") != n->len) {
        return fail(c, n->line, path, "expected a number, got %s", describe(c, v, buf, sizeof buf));
    }
    char *end = NULL;
    errno = 0;
    double d = strtod(s, &end);
    if (end != s + n->len) {
        return fail(c, n->line, path, "expected a number, got %s", describe(c, v, buf, sizeof buf));
    }
    if (!isfinite(d)) {
        return fail(c, n->line, path, "expected a finite number, got %s",
                    describe(c, v, buf, sizeof buf));
    }
    if ((lo_open ? !(d > lo) : !(d >= lo)) || !(d <= hi)) {
        if (lo_open) {
            return fail(c, n->line, path, "must be > %.10g and <= %.10g, got %s", lo, hi,
                        describe(c, v, buf, sizeof buf));
        }
        return fail(c, n->line, path, "must be between %.10g and %.10g, got %s", lo, hi,
                    describe(c, v, buf, sizeof buf));
    }
    *out = d;
    return 0;
}

/* A string scalar (any style) shorter than cap, without control characters. */
static int get_string(yctx_t *c, uint32_t v, const char *path, char *out, size_t cap,
                      bool allow_newline) {
    char buf[SHOW_MAX + 8];
    const ynode_t *n = nd(c, v);
    if (n->kind != N_SCALAR) {
        return fail(c, n->line, path, "expected a string, got %s", describe(c, v, buf, sizeof buf));
    }
    if (n->len >= cap) {
        return fail(c, n->line, path, "longer than %zu characters", cap - 1);
    }
    const char *s = sval(c, v);
    for (size_t i = 0; i < n->len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && !(allow_newline && ch == '\n')) || ch == 0x7f) {
            return fail(c, n->line, path, "contains a control character (0x%02X)", ch);
        }
    }
    memcpy(out, s, n->len);
    out[n->len] = '\0';
    return 0;
}

/* true / false, written plain. */
static int get_bool(yctx_t *c, uint32_t v, const char *path, bool *out) {
    char buf[SHOW_MAX + 8];
    const ynode_t *n = nd(c, v);
    if (n->kind == N_SCALAR && n->plain && strcmp(sval(c, v), "true") == 0) {
        *out = true;
        return 0;
    }
    if (n->kind == N_SCALAR && n->plain && strcmp(sval(c, v), "false") == 0) {
        *out = false;
        return 0;
    }
    return fail(c, n->line, path, "expected true or false, got %s",
                describe(c, v, buf, sizeof buf));
}

/* An ISO 8601 UTC time (vleo_parse_iso8601). */
static int get_time(yctx_t *c, uint32_t v, const char *path, int64_t *out) {
    char buf[SHOW_MAX + 8];
    const ynode_t *n = nd(c, v);
    int64_t t = 0;
    if (n->kind != N_SCALAR || n->len == 0 || memchr(sval(c, v), '\0', n->len) != NULL ||
        vleo_parse_iso8601(sval(c, v), &t) != 0) {
        return fail(c, n->line, path,
                    "expected an ISO 8601 UTC time (YYYY-MM-DDThh:mm:ssZ), got %s",
                    describe(c, v, buf, sizeof buf));
    }
    *out = t;
    return 0;
}

/* The mapping `map` of numbers only (specs[0..n), n <= 8), stored at base + off; lines[k] gets
 * the line of specs[k] when given (0 when absent). */
static int walk_nums(yctx_t *c, uint32_t map, const char *path, const numspec_t *specs, size_t n,
                     void *base, uint32_t *lines) {
    const char *keys[8] = {0};
    uint32_t val[8], kline[8];
    if (n > 8) {
        return fail(c, nd(c, map)->line, path, "internal: too many keys");
    }
    for (size_t k = 0; k < n; k++) {
        keys[k] = specs[k].key;
    }
    if (walk_map(c, map, path, keys, n, val, kline) != 0) {
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        if (lines != NULL) {
            lines[k] = val[k] == NONE ? 0 : nd(c, val[k])->line;
        }
        if (val[k] == NONE) {
            continue;
        }
        char kp[160];
        join(kp, sizeof kp, path, specs[k].key);
        double d;
        if (get_number(c, val[k], kp, specs[k].lo, specs[k].hi, specs[k].lo_open, &d) != 0) {
            return -1;
        }
        memcpy((char *)base + specs[k].off, &d, sizeof d);
    }
    return 0;
}

/* ---- sections ---- */

#define F(k, f, lo, hi, open)                                                                      \
    { k, offsetof(sim_scenario_t, f), lo, hi, open }
#define NUMS(a) a, sizeof a / sizeof a[0]

static const numspec_t SEC_SPACECRAFT[] = {
    /* name is a string: handled apart, kept here for the key list */
    {"name", 0, 0, 0, false},
    F("mass_kg", mass_kg, 0, 1e5, true),
    F("drag_area_m2", drag_area_m2, 0, 1e3, true),
    F("drag_coefficient", drag_coefficient, 0, 10, true),
};
static const numspec_t SEC_ORBIT[] = {
    F("altitude_km", altitude_km, 100, 2000, false),
    F("inclination_deg", inclination_deg, 0, 180, false),
    F("raan_deg", raan_deg, -360, 360, false),
    F("arg_lat_deg", arg_lat_deg, -360, 360, false),
};
enum { TH_MAX, TH_MIN, TH_RATIO, TH_ISP, TH_PROP };
static const numspec_t SEC_THRUSTER[] = {
    [TH_MAX] = F("max_thrust_mn", max_thrust_mn, 0, 1e4, false),
    [TH_MIN] = F("min_thrust_mn", min_thrust_mn, 0, 1e4, false),
    [TH_RATIO] = F("thrust_to_power_mn_per_kw", thrust_to_power_mn_per_kw, 0, 1e3, true),
    [TH_ISP] = F("isp_s", isp_s, 0, 1e5, true),
    [TH_PROP] = F("propellant_kg", propellant_kg, 0, 1e5, false),
};
static const numspec_t SEC_CONTROLLER[] = {
    {"station_keeping", 0, 0, 0, false}, /* a boolean: handled apart */
    F("target_altitude_km", target_altitude_km, 100, 2000, false),
    F("band_km", band_km, 0, 100, true),
};
static const numspec_t SEC_POWER[] = {
    F("solar_array_w", solar_array_w, 0, 1e6, false),
    F("bus_load_w", bus_load_w, 0, 1e6, false),
    F("battery_capacity_wh", battery_capacity_wh, 0, 1e6, true),
    F("max_charge_w", max_charge_w, 0, 1e6, false),
    F("max_discharge_w", max_discharge_w, 0, 1e6, false),
    F("initial_soc_pct", initial_soc_pct, 0, 100, false),
};
static const numspec_t SEC_SW[] = {
    F("f107", f107, 0, 1000, true),
    F("f107a", f107a, 0, 1000, true),
    F("kp", kp, 0, 9, false),
    F("density_factor", density_factor, 0, 100, true),
};
static const numspec_t SEC_TELEMETRY[] = {
    F("gnss_period_s", gnss_period_s, 0.1, 86400, false),
    F("hk_period_s", hk_period_s, 0.1, 86400, false),
    F("idle_period_s", idle_period_s, 0, 86400, false),
    F("gnss_noise_m", gnss_noise_m, 0, 1e4, false),
    F("thrust_noise_pct", thrust_noise_pct, 0, 100, false),
    F("power_noise_w", power_noise_w, 0, 1e4, false),
};
#undef F

/* The same space-weather keys inside an event (NaN = unchanged). */
#define E(k, f, lo, hi, open)                                                                      \
    { k, offsetof(sim_event_t, f), lo, hi, open }
static const numspec_t EV_SW[] = {
    E("f107", f107, 0, 1000, true),
    E("f107a", f107a, 0, 1000, true),
    E("kp", kp, 0, 9, false),
    E("density_factor", density_factor, 0, 100, true),
};
#undef E

/* spacecraft: {name, mass_kg, ...} */
static int parse_spacecraft(yctx_t *c, uint32_t map, sim_scenario_t *s, uint32_t *mass_line) {
    const size_t n = sizeof SEC_SPACECRAFT / sizeof SEC_SPACECRAFT[0];
    const char *keys[8];
    uint32_t val[8], kline[8];
    for (size_t k = 0; k < n; k++) {
        keys[k] = SEC_SPACECRAFT[k].key;
    }
    if (walk_map(c, map, "spacecraft", keys, n, val, kline) != 0) {
        return -1;
    }
    if (val[0] != NONE) {
        if (get_string(c, val[0], "spacecraft.name", s->spacecraft, sizeof s->spacecraft, false) !=
            0) {
            return -1;
        }
        if (s->spacecraft[0] == '\0') {
            return fail(c, nd(c, val[0])->line, "spacecraft.name", "must not be empty");
        }
    }
    for (size_t k = 1; k < n; k++) {
        if (val[k] == NONE) {
            continue;
        }
        char kp[64];
        join(kp, sizeof kp, "spacecraft", keys[k]);
        double d;
        const numspec_t *sp = &SEC_SPACECRAFT[k];
        if (get_number(c, val[k], kp, sp->lo, sp->hi, sp->lo_open, &d) != 0) {
            return -1;
        }
        memcpy((char *)s + sp->off, &d, sizeof d);
        if (sp->off == offsetof(sim_scenario_t, mass_kg)) {
            *mass_line = nd(c, val[k])->line;
        }
    }
    return 0;
}

/* controller: {station_keeping, target_altitude_km, band_km} */
static int parse_controller(yctx_t *c, uint32_t map, sim_scenario_t *s) {
    const char *keys[3] = {"station_keeping", "target_altitude_km", "band_km"};
    uint32_t val[3], kline[3];
    if (walk_map(c, map, "controller", keys, 3, val, kline) != 0) {
        return -1;
    }
    if (val[0] != NONE && get_bool(c, val[0], "controller.station_keeping", &s->station_keeping)) {
        return -1;
    }
    for (size_t k = 1; k < 3; k++) {
        char kp[64];
        join(kp, sizeof kp, "controller", keys[k]);
        const numspec_t *sp = &SEC_CONTROLLER[k];
        double d;
        if (val[k] != NONE) {
            if (get_number(c, val[k], kp, sp->lo, sp->hi, sp->lo_open, &d) != 0) {
                return -1;
            }
            memcpy((char *)s + sp->off, &d, sizeof d);
        }
    }
    return 0;
}

/* ---- events ---- */

/* Where the run is, for event times: start and end (UTC ns) and the duration in hours. */
typedef struct {
    int64_t start_ns, end_ns;
    double hours;
} run_t;

/* at / at_h (or until / until_h) of an event: at most one of the pair, exactly one when
 * `required`. *out gets the time (UTC ns), checked to lie in [start, end] of the run, *line its
 * line and *key the key used; *given whether one was there. */
static int event_time(yctx_t *c, const char *path, const char *abs_key, const char *rel_key,
                      uint32_t v_abs, uint32_t v_rel, const run_t *run, uint32_t ev_line,
                      bool required, int64_t *out, uint32_t *line, const char **key, bool *given) {
    char kp[96];
    *given = false;
    if (v_abs != NONE && v_rel != NONE) {
        join(kp, sizeof kp, path, rel_key);
        return fail(c, nd(c, v_rel)->line, kp, "give %s or %s, not both", abs_key, rel_key);
    }
    if (v_abs == NONE && v_rel == NONE) {
        if (required) {
            return fail(c, ev_line, path, "needs %s (UTC) or %s (hours from start)", abs_key,
                        rel_key);
        }
        return 0;
    }
    *given = true;
    if (v_rel != NONE) {
        *key = rel_key;
        *line = nd(c, v_rel)->line;
        join(kp, sizeof kp, path, rel_key);
        double h;
        if (get_number(c, v_rel, kp, -1e300, 1e300, false, &h) != 0) {
            return -1;
        }
        if (!(h >= 0 && h <= run->hours)) {
            return fail(c, *line, kp, "must lie inside the run (0 to %.10g h), got %.10g",
                        run->hours, h);
        }
        *out = run->start_ns + llround(h * NS_PER_H);
        return 0;
    }
    *key = abs_key;
    *line = nd(c, v_abs)->line;
    join(kp, sizeof kp, path, abs_key);
    int64_t t;
    if (get_time(c, v_abs, kp, &t) != 0) {
        return -1;
    }
    if (t < run->start_ns || t > run->end_ns) {
        char a[40], b[40];
        vleo_format_iso8601(run->start_ns, 0, a, sizeof a);
        vleo_format_iso8601(run->end_ns, 0, b, sizeof b);
        return fail(c, *line, kp, "must lie inside the run (%s to %s)", a, b);
    }
    *out = t;
    return 0;
}

enum {
    EK_AT,
    EK_AT_H,
    EK_UNTIL,
    EK_UNTIL_H,
    EK_THRUST_FACTOR, /* first action */
    EK_THRUSTER,
    EK_TARGET,
    EK_LOAD,
    EK_SW,
    EK_GAP,
    EK_N
};
static const char *const EV_KEYS[EK_N] = {"at",
                                          "at_h",
                                          "until",
                                          "until_h",
                                          "thrust_factor",
                                          "thruster",
                                          "target_altitude_km",
                                          "extra_load_w",
                                          "space_weather",
                                          "telemetry_gap"};

static int parse_event(yctx_t *c, uint32_t map, size_t i, const run_t *run, sim_event_t *e) {
    char path[32], kp[96];
    snprintf(path, sizeof path, "events[%zu]", i);
    uint32_t val[EK_N], kline[EK_N];
    if (walk_map(c, map, path, EV_KEYS, EK_N, val, kline) != 0) {
        return -1;
    }
    *e = (sim_event_t){.kind = SIM_EV_KIND_COUNT,
                       .value = 0.0,
                       .kp = NAN,
                       .f107 = NAN,
                       .f107a = NAN,
                       .density_factor = NAN,
                       .line = (int)nd(c, map)->line};
    uint32_t at_line = 0, until_line = 0;
    const char *at_key = "at", *until_key = "until";
    bool given;
    if (event_time(c, path, "at", "at_h", val[EK_AT], val[EK_AT_H], run, nd(c, map)->line, true,
                   &e->at_ns, &at_line, &at_key, &given) != 0) {
        return -1;
    }
    if (e->at_ns >= run->end_ns) {
        join(kp, sizeof kp, path, at_key);
        return fail(c, at_line, kp, "must be before the end of the run (%.10g h)", run->hours);
    }
    if (event_time(c, path, "until", "until_h", val[EK_UNTIL], val[EK_UNTIL_H], run,
                   nd(c, map)->line, false, &e->until_ns, &until_line, &until_key, &given) != 0) {
        return -1;
    }
    if (given && e->until_ns <= e->at_ns) {
        join(kp, sizeof kp, path, until_key);
        return fail(c, until_line, kp, "must be after %s (%.10g h from start)", at_key,
                    (double)(e->at_ns - run->start_ns) / NS_PER_H);
    }
    /* exactly one action: a second one is reported where it stands, naming the first */
    size_t action = EK_N;
    for (size_t k = EK_THRUST_FACTOR; k < EK_N; k++) {
        if (val[k] == NONE) {
            continue;
        }
        if (action != EK_N) {
            size_t later = kline[k] >= kline[action] ? k : action;
            size_t earlier = later == k ? action : k;
            join(kp, sizeof kp, path, EV_KEYS[later]);
            return fail(c, kline[later], kp,
                        "an event has one action: %s is already given (line %u)", EV_KEYS[earlier],
                        kline[earlier]);
        }
        action = k;
    }
    if (action == EK_N) {
        return fail(c, nd(c, map)->line, path,
                    "no action (one of thrust_factor, thruster, target_altitude_km, "
                    "extra_load_w, space_weather, telemetry_gap)");
    }
    uint32_t v = val[action];
    join(kp, sizeof kp, path, EV_KEYS[action]);
    char buf[SHOW_MAX + 8];
    switch (action) {
    case EK_THRUST_FACTOR:
        e->kind = SIM_EV_THRUST_FACTOR;
        return get_number(c, v, kp, 0, 2, false, &e->value);
    case EK_THRUSTER:
        if (nd(c, v)->kind == N_SCALAR && strcmp(sval(c, v), "off") == 0 && nd(c, v)->len == 3) {
            e->kind = SIM_EV_THRUSTER_OFF;
            return 0;
        }
        if (nd(c, v)->kind == N_SCALAR && strcmp(sval(c, v), "full") == 0 && nd(c, v)->len == 4) {
            e->kind = SIM_EV_THRUSTER_FULL;
            return 0;
        }
        return fail(c, nd(c, v)->line, kp, "expected off or full, got %s",
                    describe(c, v, buf, sizeof buf));
    case EK_TARGET:
        e->kind = SIM_EV_TARGET_ALTITUDE;
        return get_number(c, v, kp, 100, 2000, false, &e->value);
    case EK_LOAD:
        e->kind = SIM_EV_LOAD_W;
        return get_number(c, v, kp, 0, 1e6, false, &e->value);
    case EK_SW:
        e->kind = SIM_EV_SPACE_WEATHER;
        if (walk_nums(c, v, kp, NUMS(EV_SW), e, NULL) != 0) {
            return -1;
        }
        if (isnan(e->kp) && isnan(e->f107) && isnan(e->f107a) && isnan(e->density_factor)) {
            return fail(c, nd(c, v)->line, kp,
                        "changes nothing (give f107, f107a, kp or density_factor)");
        }
        return 0;
    default: { /* EK_GAP */
        bool b = false;
        if (get_bool(c, v, kp, &b) != 0) {
            return -1;
        }
        if (!b) {
            return fail(c, nd(c, v)->line, kp, "must be true (leave the event out for no gap)");
        }
        e->kind = SIM_EV_TELEMETRY_GAP;
        return 0;
    }
    }
}

/* ---- the whole file ---- */

enum {
    K_NAME,
    K_DESC,
    K_START,
    K_DUR_H,
    K_DUR_S,
    K_STEP,
    K_SEED,
    K_SC,
    K_ORBIT,
    K_THRUSTER,
    K_CONTROLLER,
    K_POWER,
    K_SW,
    K_TELEMETRY,
    K_EVENTS,
    K_N
};
static const char *const TOP_KEYS[K_N] = {
    "name",       "description", "start",         "duration_h", "duration_s",
    "step_s",     "seed",        "spacecraft",    "orbit",      "thruster",
    "controller", "power",       "space_weather", "telemetry",  "events"};

/* seed: a whole number 0 .. 2^64 - 1, digits only. */
static int get_seed(yctx_t *c, uint32_t v, uint64_t *out) {
    char buf[SHOW_MAX + 8];
    const ynode_t *n = nd(c, v);
    const char *s = sval(c, v);
    if (n->kind != N_SCALAR || !n->plain || n->len == 0 || strspn(s, "0123456789") != n->len) {
        return fail(c, n->line, "seed", "expected a whole number 0 to 18446744073709551615, got %s",
                    describe(c, v, buf, sizeof buf));
    }
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno == ERANGE || end != s + n->len) {
        return fail(c, n->line, "seed", "expected a whole number 0 to 18446744073709551615, got %s",
                    describe(c, v, buf, sizeof buf));
    }
    *out = (uint64_t)x;
    return 0;
}

static int parse_root(yctx_t *c, uint32_t root, sim_scenario_t *s) {
    uint32_t val[K_N], kline[K_N];
    char buf[SHOW_MAX + 8];
    if (walk_map(c, root, "", TOP_KEYS, K_N, val, kline) != 0) {
        return -1;
    }
    if (val[K_NAME] != NONE) {
        if (get_string(c, val[K_NAME], "name", s->name, sizeof s->name, false) != 0) {
            return -1;
        }
        if (s->name[0] == '\0') {
            return fail(c, nd(c, val[K_NAME])->line, "name", "must not be empty");
        }
    }
    if (val[K_DESC] != NONE) {
        if (get_string(c, val[K_DESC], "description", s->description, sizeof s->description,
                       true) != 0) {
            return -1;
        }
        /* a block scalar (description: >) ends with a line break: drop it */
        size_t n = strlen(s->description);
        while (n > 0 && (s->description[n - 1] == '\n' || s->description[n - 1] == ' ')) {
            s->description[--n] = '\0';
        }
    }
    if (val[K_START] != NONE) {
        if (get_time(c, val[K_START], "start", &s->start_ns) != 0) {
            return -1;
        }
        if (s->start_ns < SCN_START_MIN_NS || s->start_ns >= SCN_START_MAX_NS) {
            return fail(c, nd(c, val[K_START])->line, "start",
                        "must be between 1970-01-01 and 2100-12-31, got %s",
                        describe(c, val[K_START], buf, sizeof buf));
        }
    }
    uint32_t dur_line = 0;
    const char *dur_key = "duration_s";
    if (val[K_DUR_H] != NONE && val[K_DUR_S] != NONE) {
        uint32_t later = kline[K_DUR_H] > kline[K_DUR_S] ? K_DUR_H : K_DUR_S;
        return fail(c, kline[later], TOP_KEYS[later],
                    "give duration_h or duration_s, not both (%s at line %u)",
                    TOP_KEYS[later == K_DUR_H ? K_DUR_S : K_DUR_H],
                    kline[later == K_DUR_H ? K_DUR_S : K_DUR_H]);
    }
    if (val[K_DUR_H] != NONE) {
        double h;
        if (get_number(c, val[K_DUR_H], "duration_h", 0, SCN_MAX_DURATION_S / 3600.0, true, &h)) {
            return -1;
        }
        s->duration_s = h * 3600.0;
        dur_line = nd(c, val[K_DUR_H])->line;
        dur_key = "duration_h";
    } else if (val[K_DUR_S] != NONE) {
        if (get_number(c, val[K_DUR_S], "duration_s", 0, SCN_MAX_DURATION_S, true,
                       &s->duration_s) != 0) {
            return -1;
        }
        dur_line = nd(c, val[K_DUR_S])->line;
    }
    if (val[K_STEP] != NONE && get_number(c, val[K_STEP], "step_s", 0, 60, true, &s->step_s) != 0) {
        return -1;
    }
    if (s->duration_s < s->step_s) {
        if (dur_line != 0) {
            return fail(c, dur_line, dur_key, "must be at least one step (step_s %.10g s)",
                        s->step_s);
        }
        return fail(c, val[K_STEP] != NONE ? nd(c, val[K_STEP])->line : 1, "step_s",
                    "must not exceed the duration (%.10g s)", s->duration_s);
    }
    if (val[K_SEED] != NONE && get_seed(c, val[K_SEED], &s->seed) != 0) {
        return -1;
    }
    uint32_t mass_line = 1;
    if (val[K_SC] != NONE && parse_spacecraft(c, val[K_SC], s, &mass_line) != 0) {
        return -1;
    }
    if (val[K_ORBIT] != NONE && walk_nums(c, val[K_ORBIT], "orbit", NUMS(SEC_ORBIT), s, NULL)) {
        return -1;
    }
    uint32_t th_lines[8] = {0};
    if (val[K_THRUSTER] != NONE &&
        walk_nums(c, val[K_THRUSTER], "thruster", NUMS(SEC_THRUSTER), s, th_lines) != 0) {
        return -1;
    }
    if (s->min_thrust_mn > s->max_thrust_mn) {
        if (th_lines[TH_MIN] != 0) {
            return fail(c, th_lines[TH_MIN], "thruster.min_thrust_mn",
                        "must not exceed max_thrust_mn (%.10g), got %.10g", s->max_thrust_mn,
                        s->min_thrust_mn);
        }
        return fail(c, th_lines[TH_MAX], "thruster.max_thrust_mn",
                    "must not be below min_thrust_mn (%.10g), got %.10g", s->min_thrust_mn,
                    s->max_thrust_mn);
    }
    if (s->propellant_kg >= s->mass_kg) {
        if (th_lines[TH_PROP] != 0) {
            return fail(c, th_lines[TH_PROP], "thruster.propellant_kg",
                        "must be less than spacecraft.mass_kg (%.10g), got %.10g", s->mass_kg,
                        s->propellant_kg);
        }
        /* the default propellant, with a mass set too small for it */
        return fail(c, mass_line, "spacecraft.mass_kg",
                    "must exceed thruster.propellant_kg (%.10g), got %.10g", s->propellant_kg,
                    s->mass_kg);
    }
    if (val[K_CONTROLLER] != NONE && parse_controller(c, val[K_CONTROLLER], s) != 0) {
        return -1;
    }
    if (val[K_POWER] != NONE && walk_nums(c, val[K_POWER], "power", NUMS(SEC_POWER), s, NULL)) {
        return -1;
    }
    if (val[K_SW] != NONE && walk_nums(c, val[K_SW], "space_weather", NUMS(SEC_SW), s, NULL)) {
        return -1;
    }
    if (val[K_TELEMETRY] != NONE &&
        walk_nums(c, val[K_TELEMETRY], "telemetry", NUMS(SEC_TELEMETRY), s, NULL) != 0) {
        return -1;
    }
    if (val[K_EVENTS] != NONE) {
        uint32_t seq = val[K_EVENTS];
        const ynode_t *sq = nd(c, seq);
        if (sq->kind != N_SEQ) {
            return fail(c, sq->line, "events", "expected a sequence, got %s",
                        describe(c, seq, buf, sizeof buf));
        }
        run_t run = {s->start_ns, s->start_ns + llround(s->duration_s * 1e9),
                     s->duration_s / 3600.0};
        uint32_t it = sq->first;
        for (size_t i = 0; i < sq->count && it != NONE; i++) {
            if (i >= SIM_MAX_EVENTS) {
                return fail(c, nd(c, it)->line, "events", "more than %d events", SIM_MAX_EVENTS);
            }
            if (parse_event(c, it, i, &run, &s->events[i]) != 0) {
                return -1;
            }
            s->n_events = i + 1;
            it = nd(c, it)->next;
        }
    }
    return 0;
}

/* The default scenario name: the base name of `name` without ".yaml" / ".yml". */
static void default_name(const char *name, char *out, size_t cap) {
    const char *b = strrchr(name, '/');
    b = b != NULL ? b + 1 : name;
    size_t n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".yaml") == 0) {
        n -= 5;
    } else if (n > 4 && strcmp(b + n - 4, ".yml") == 0) {
        n -= 4;
    }
    if (n == 0) {
        return; /* keep the default "scenario" */
    }
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(out, b, n);
    out[n] = '\0';
}

int sim_scenario_parse(const char *text, size_t len, const char *name, sim_scenario_t *s, char *err,
                       size_t errlen) {
    yctx_t c = {.name = name != NULL ? name : "scenario", .err = err, .errlen = errlen};
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    sim_scenario_default(s);
    if (name != NULL) {
        default_name(name, s->name, sizeof s->name);
    }
    int rc;
    uint32_t root = NONE;
    if (text == NULL && len > 0) {
        rc = fail(&c, 1, NULL, "no text");
    } else if (len > SCN_MAX_TEXT) {
        rc = fail(&c, 1, NULL, "larger than %zu MiB", SCN_MAX_TEXT >> 20);
    } else if ((rc = build_tree(&c, text != NULL ? text : "", len, &root)) == 0 && root != NONE) {
        rc = parse_root(&c, root, s); /* an empty file is the defaults */
    }
    free(c.nodes);
    free(c.str);
    if (rc != 0) {
        sim_scenario_default(s);
        return -1;
    }
    if (isnan(s->target_altitude_km)) {
        s->target_altitude_km = s->altitude_km; /* "same as altitude_km" */
    }
    return 0;
}

int sim_scenario_load(const char *path, sim_scenario_t *s, char *err, size_t errlen) {
    sim_scenario_default(s);
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    FILE *fp = path != NULL ? fopen(path, "rb") : NULL;
    if (fp == NULL) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s: cannot open: %s", path != NULL ? path : "(null)",
                     strerror(errno));
        }
        return -1;
    }
    /* at most SCN_MAX_TEXT + 1 octets: one more than allowed tells "too large" */
    size_t cap = SCN_MAX_TEXT + 1, n = 0;
    char *buf = malloc(cap);
    char why[128] = "";
    if (buf == NULL) {
        snprintf(why, sizeof why, "out of memory");
    }
    while (buf != NULL && n < cap) { /* ends at EOF, on an error or when cap octets are read */
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp)) {
                snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
            }
            break;
        }
    }
    fclose(fp);
    if (why[0] == '\0' && n > SCN_MAX_TEXT) {
        snprintf(why, sizeof why, "larger than %zu MiB", SCN_MAX_TEXT >> 20);
    }
    if (why[0] != '\0') {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s: %s", path, why);
        }
        free(buf);
        return -1;
    }
    int rc = sim_scenario_parse(buf, n, path, s, err, errlen);
    free(buf);
    return rc;
}
