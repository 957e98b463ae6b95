/* test_yamldoc.c: the shared YAML document reader (common/src/yamldoc.c, vleo/yamldoc.h): the
 * tree with its lines, the exact message and line of each refusal (syntax, anchors, aliases,
 * tags, second documents, nesting, node, text and size limits), map walks (unknown and duplicate
 * keys), and every typed getter at its boundaries. Inputs are placed against a guard page. */
#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard.h"
#include "vleo/yamldoc.h"

#define NONE VLEO_YDOC_NONE

/* Generous limits, strtod numbers (as the monitor's configuration). */
static const vleo_ydoc_opts_t LOOSE = {
    .max_text = (size_t)1 << 20,
    .max_depth = 8,
    .max_nodes = 1000,
    .max_str = (size_t)1 << 20,
    .decimal_numbers = false,
    .one_doc = NULL,
};

/* The same with decimal numbers only (as vleo-sim scenarios). */
static const vleo_ydoc_opts_t DECIMAL = {
    .max_text = (size_t)1 << 20,
    .max_depth = 8,
    .max_nodes = 1000,
    .max_str = (size_t)1 << 20,
    .decimal_numbers = true,
    .one_doc = "one is enough",
};

static char err[512];

/* Parse yaml (placed against a guard page) as "t.yaml" with opts; NULL on failure (err says). */
static vleo_ydoc_t *parse_with(const char *yaml, const vleo_ydoc_opts_t *opts) {
    size_t len = strlen(yaml);
    const char *g = (const char *)guard_place(yaml, len);
    cr_assert_not_null(g);
    vleo_ydoc_t *d = (vleo_ydoc_t *)0x1; /* must be overwritten */
    int rc = vleo_ydoc_parse(g, len, "t.yaml", opts, err, sizeof err, &d);
    if (rc != 0) {
        cr_assert_eq(rc, -1);
        cr_assert_null(d);
        return NULL;
    }
    cr_assert_not_null(d);
    cr_assert_str_eq(err, "", "no message on success");
    return d;
}

static vleo_ydoc_t *parse_ok(const char *yaml, const vleo_ydoc_opts_t *opts) {
    vleo_ydoc_t *d = parse_with(yaml, opts);
    cr_assert_not_null(d, "unexpected error: %s\nfor:\n%s", err, yaml);
    return d;
}

/* The parse itself fails with exactly `want`. */
static void expect_parse_err(const char *yaml, const vleo_ydoc_opts_t *opts, const char *want) {
    vleo_ydoc_t *d = parse_with(yaml, opts);
    cr_expect_null(d, "accepted:\n%s", yaml);
    cr_expect_str_eq(err, want, "for:\n%s", yaml);
    vleo_ydoc_destroy(&d);
}

/* The value of `key` in the top mapping of d (which must have it). */
static uint32_t value_of(vleo_ydoc_t *d, const char *key) {
    uint32_t root = vleo_ydoc_root(d);
    for (uint32_t k = vleo_ydoc_first(d, root); k != NONE;
         k = vleo_ydoc_next(d, vleo_ydoc_next(d, k))) {
        if (strcmp(vleo_ydoc_text(d, k, NULL), key) == 0) {
            return vleo_ydoc_next(d, k);
        }
    }
    cr_assert_fail("no key %s", key);
    return NONE;
}

/* ---- the tree ---- */

Test(yamldoc, tree_kinds_lines_and_text) {
    vleo_ydoc_t *d = parse_ok("# comment\n"    /* 1 */
                              "a: 1\n"         /* 2 */
                              "b: 'two'\n"     /* 3 */
                              "c:\n"           /* 4 */
                              "  - x\n"        /* 5 */
                              "  - {y: 3}\n"   /* 6 */
                              "d: |\n"         /* 7 */
                              "  block\n"      /* 8 */
                              "e: \"a\\0b\"\n" /* 9 */
                              "f:\n",          /* 10 */
                              &LOOSE);
    uint32_t root = vleo_ydoc_root(d);
    cr_assert_neq(root, NONE);
    cr_expect_eq(vleo_ydoc_kind(d, root), VLEO_YDOC_MAP);
    cr_expect_eq(vleo_ydoc_line(d, root), 2);
    cr_expect_eq(vleo_ydoc_start_line(d), 2);
    cr_expect_eq(vleo_ydoc_count(d, root), 12); /* 6 keys, 6 values */
    uint32_t k = vleo_ydoc_first(d, root);
    size_t len = 99;
    cr_expect_str_eq(vleo_ydoc_text(d, k, &len), "a");
    cr_expect_eq(len, 1);
    cr_expect_eq(vleo_ydoc_kind(d, k), VLEO_YDOC_SCALAR);
    cr_expect_eq(vleo_ydoc_count(d, k), 0);
    cr_expect_eq(vleo_ydoc_first(d, k), NONE);

    uint32_t a = value_of(d, "a");
    cr_expect_str_eq(vleo_ydoc_text(d, a, NULL), "1");
    cr_expect(vleo_ydoc_plain(d, a));
    cr_expect_eq(vleo_ydoc_line(d, a), 2);
    uint32_t b = value_of(d, "b");
    cr_expect_str_eq(vleo_ydoc_text(d, b, NULL), "two");
    cr_expect_not(vleo_ydoc_plain(d, b));
    cr_expect_eq(vleo_ydoc_line(d, b), 3);

    uint32_t c = value_of(d, "c");
    cr_expect_eq(vleo_ydoc_kind(d, c), VLEO_YDOC_SEQ);
    cr_expect_eq(vleo_ydoc_count(d, c), 2);
    cr_expect_eq(vleo_ydoc_line(d, c), 5);
    cr_expect_str_eq(vleo_ydoc_text(d, c, &len), "");
    cr_expect_eq(len, 0);
    cr_expect_not(vleo_ydoc_plain(d, c));
    uint32_t x = vleo_ydoc_first(d, c);
    cr_expect_str_eq(vleo_ydoc_text(d, x, NULL), "x");
    uint32_t m = vleo_ydoc_next(d, x);
    cr_expect_eq(vleo_ydoc_kind(d, m), VLEO_YDOC_MAP);
    cr_expect_eq(vleo_ydoc_line(d, m), 6);
    cr_expect_eq(vleo_ydoc_next(d, m), NONE);
    cr_expect_str_eq(vleo_ydoc_text(d, vleo_ydoc_next(d, vleo_ydoc_first(d, m)), NULL), "3");

    uint32_t blk = value_of(d, "d");
    cr_expect_str_eq(vleo_ydoc_text(d, blk, NULL), "block\n");
    cr_expect_not(vleo_ydoc_plain(d, blk));
    uint32_t e = value_of(d, "e");
    const char *t = vleo_ydoc_text(d, e, &len);
    cr_expect_eq(len, 3); /* a NUL inside, kept */
    cr_expect_eq(memcmp(t, "a\0b", 4), 0);
    uint32_t f = value_of(d, "f");
    cr_expect(vleo_ydoc_empty(d, f));
    cr_expect_not(vleo_ydoc_empty(d, a));
    cr_expect_not(vleo_ydoc_empty(d, c));
    vleo_ydoc_destroy(&d);
    cr_expect_null(d);
    vleo_ydoc_destroy(&d); /* twice is harmless */
    vleo_ydoc_destroy(NULL);
}

Test(yamldoc, empty_texts) {
    vleo_ydoc_t *d = parse_ok("", &LOOSE);
    cr_expect_eq(vleo_ydoc_root(d), NONE);
    cr_expect_eq(vleo_ydoc_start_line(d), 1);
    vleo_ydoc_destroy(&d);
    d = parse_ok("# only a comment\n\n", &LOOSE);
    cr_expect_eq(vleo_ydoc_root(d), NONE);
    vleo_ydoc_destroy(&d);
    /* "---" alone: a document holding one empty plain scalar, starting at its line */
    d = parse_ok("\n\n---\n", &LOOSE);
    cr_assert_neq(vleo_ydoc_root(d), NONE);
    cr_expect(vleo_ydoc_empty(d, vleo_ydoc_root(d)));
    cr_expect_eq(vleo_ydoc_start_line(d), 3);
    vleo_ydoc_destroy(&d);
    /* NULL text: fine when empty, refused otherwise */
    cr_expect_eq(vleo_ydoc_parse(NULL, 0, "t.yaml", &LOOSE, err, sizeof err, &d), 0);
    cr_expect_eq(vleo_ydoc_root(d), NONE);
    vleo_ydoc_destroy(&d);
    cr_expect_eq(vleo_ydoc_parse(NULL, 5, "t.yaml", &LOOSE, err, sizeof err, &d), -1);
    cr_expect_null(d);
    cr_expect_str_eq(err, "t.yaml:1: no text");
    /* without a name */
    cr_expect_eq(vleo_ydoc_parse(NULL, 5, NULL, &LOOSE, err, sizeof err, &d), -1);
    cr_expect_str_eq(err, "yaml:1: no text");
}

/* ---- refusals while parsing ---- */

Test(yamldoc, syntax_errors_name_their_line) {
    expect_parse_err("a: 1\nb:\n  c: 2\n d: 3\n", &LOOSE,
                     "t.yaml:4: YAML syntax: did not find expected key (while parsing a block "
                     "mapping at line 1)");
    expect_parse_err("a: [1, 2\nb: 3\n", &LOOSE,
                     "t.yaml:2: YAML syntax: did not find expected ',' or ']' (while parsing a "
                     "flow sequence at line 1)");
    expect_parse_err("a:\n\tb: 2\n", &LOOSE,
                     "t.yaml:2: YAML syntax: found character that cannot start any token (while "
                     "scanning for the next token at line 2)");
    /* reader errors carry an octet offset: lines counted over LF, CRLF and lone CR */
    expect_parse_err("a: 1\nb: \x01\n", &LOOSE,
                     "t.yaml:2: YAML syntax: control characters are not allowed (octet 0x01)");
    expect_parse_err("a: 1\r\nb: 2\rc: 3\n\x7f", &LOOSE,
                     "t.yaml:4: YAML syntax: control characters are not allowed (octet 0x7F)");
    expect_parse_err("a: \xff\n", &LOOSE,
                     "t.yaml:1: YAML syntax: invalid leading UTF-8 octet (octet 0xFF)");
}

Test(yamldoc, anchors_aliases_tags_and_documents_refused) {
    expect_parse_err("a: 1\nb: &x 2\n", &LOOSE, "t.yaml:2: YAML anchors (&name) are not supported");
    expect_parse_err("a: 1\nb: &x {c: 1}\n", &LOOSE,
                     "t.yaml:2: YAML anchors (&name) are not supported");
    expect_parse_err("a: 1\n\nb: *x\n", &LOOSE, "t.yaml:3: YAML aliases (*name) are not supported");
    expect_parse_err("a: !!str 1\n", &LOOSE, "t.yaml:1: YAML tags (!tag) are not supported");
    expect_parse_err("a: !local [1]\n", &LOOSE, "t.yaml:1: YAML tags (!tag) are not supported");
    expect_parse_err("a: 1\n---\nb: 2\n", &LOOSE,
                     "t.yaml:2: a second YAML document: only one is allowed");
    expect_parse_err("a: 1\n...\n---\nb: 2\n", &DECIMAL,
                     "t.yaml:3: a second YAML document: one is enough");
}

Test(yamldoc, nesting_limit) {
    vleo_ydoc_opts_t o = LOOSE;
    o.max_depth = 3;
    /* map, sequence, sequence: 3 levels */
    vleo_ydoc_t *d = parse_ok("a: [[1], [2]]\n", &o);
    vleo_ydoc_destroy(&d);
    expect_parse_err("a: 1\nb: [[[1]]]\n", &o, "t.yaml:2: nesting deeper than 3 levels");
    expect_parse_err("a:\n  b:\n    c:\n      d: 1\n", &o,
                     "t.yaml:4: nesting deeper than 3 levels");
    /* 0 (or too large) means the most any document may have */
    o.max_depth = 0;
    char deep[2 * VLEO_YDOC_DEPTH_MAX + 8];
    memset(deep, '[', VLEO_YDOC_DEPTH_MAX);
    memset(deep + VLEO_YDOC_DEPTH_MAX, ']', VLEO_YDOC_DEPTH_MAX);
    deep[2 * VLEO_YDOC_DEPTH_MAX] = '\0';
    d = parse_ok(deep, &o);
    vleo_ydoc_destroy(&d);
    memset(deep, '[', VLEO_YDOC_DEPTH_MAX + 1);
    memset(deep + VLEO_YDOC_DEPTH_MAX + 1, ']', VLEO_YDOC_DEPTH_MAX + 1);
    deep[2 * VLEO_YDOC_DEPTH_MAX + 2] = '\0';
    expect_parse_err(deep, &o, "t.yaml:1: nesting deeper than 32 levels");
}

Test(yamldoc, node_text_and_size_limits) {
    vleo_ydoc_opts_t o = LOOSE;
    o.max_nodes = 5; /* a mapping and 4 scalars */
    vleo_ydoc_t *d = parse_ok("a: 1\nb: 2\n", &o);
    vleo_ydoc_destroy(&d);
    expect_parse_err("a: 1\nb: 2\nc: 3\n", &o, "t.yaml:3: more than 5 YAML nodes");

    /* scalar text: each scalar's octets and a NUL */
    o = LOOSE;
    o.max_str = 10;
    d = parse_ok("a: 1234567\n", &o); /* 2 + 8 */
    vleo_ydoc_destroy(&d);
    expect_parse_err("a: 12345678\n", &o, "t.yaml:1: too much scalar text");
    expect_parse_err("a: 1\nb: 1234\n", &o, "t.yaml:2: too much scalar text");

    /* the text's length decides, before any parsing */
    o = LOOSE;
    o.max_text = 16;
    d = parse_ok("a: 123456789012\n", &o); /* 16 octets */
    vleo_ydoc_destroy(&d);
    expect_parse_err("a: 1234567890123\n", &o, "t.yaml:1: larger than 16 octets");
    o.max_text = (size_t)1 << 20;
    size_t big = o.max_text + 1;
    char *t = malloc(big);
    cr_assert_not_null(t);
    memset(t, '#', big);
    cr_expect_eq(vleo_ydoc_parse(t, big, "t.yaml", &o, err, sizeof err, &d), -1);
    cr_expect_str_eq(err, "t.yaml:1: larger than 1 MiB");
    cr_expect_eq(vleo_ydoc_parse(t, big - 1, "t.yaml", &o, err, sizeof err, &d), 0, "%s", err);
    cr_expect_eq(vleo_ydoc_root(d), NONE);
    vleo_ydoc_destroy(&d);
    free(t);
}

Test(yamldoc, message_buffers) {
    /* a small buffer holds the start; none at all is fine */
    char small[12];
    vleo_ydoc_t *d = NULL;
    cr_expect_eq(vleo_ydoc_parse("a: &x 1\n", 8, "t.yaml", &LOOSE, small, sizeof small, &d), -1);
    cr_expect_str_eq(small, "t.yaml:1: Y");
    cr_expect_eq(vleo_ydoc_parse("a: &x 1\n", 8, "t.yaml", &LOOSE, NULL, 0, &d), -1);
    cr_expect_null(d);
    /* vleo_ydoc_fail with and without a path; its return value */
    d = parse_ok("a: 1\n", &LOOSE);
    cr_expect_eq(vleo_ydoc_fail(d, 7, "x.y", "bad %d", 3), -1);
    cr_expect_str_eq(err, "t.yaml:7: x.y: bad 3");
    cr_expect_eq(vleo_ydoc_fail(d, 8, "", "plain"), -1);
    cr_expect_str_eq(err, "t.yaml:8: plain");
    cr_expect_eq(vleo_ydoc_fail(d, 9, NULL, "none"), -1);
    cr_expect_str_eq(err, "t.yaml:9: none");
    vleo_ydoc_destroy(&d);

    char out[16];
    vleo_ydoc_join(out, sizeof out, "", "key");
    cr_expect_str_eq(out, "key");
    vleo_ydoc_join(out, sizeof out, "a.b", "key");
    cr_expect_str_eq(out, "a.b.key");
    vleo_ydoc_join(out, sizeof out, "abcdefgh", "ijklmnop");
    cr_expect_str_eq(out, "abcdefgh.ijklmn"); /* cut to fit */
}

Test(yamldoc, describe) {
    vleo_ydoc_t *d = parse_ok("m: {}\ns: []\ne:\nq: ''\nt: \"a\\tb\\u00e9\"\n"
                              "l: 0123456789012345678901234567890123456789X\n"
                              "k: 0123456789012345678901234567890123456789\n",
                              &LOOSE);
    char buf[VLEO_YDOC_DESCRIBE_CAP];
    cr_expect_str_eq(vleo_ydoc_describe(d, value_of(d, "m"), buf, sizeof buf), "a mapping");
    cr_expect_str_eq(vleo_ydoc_describe(d, value_of(d, "s"), buf, sizeof buf), "a sequence");
    cr_expect_str_eq(vleo_ydoc_describe(d, value_of(d, "e"), buf, sizeof buf), "an empty value");
    cr_expect_str_eq(vleo_ydoc_describe(d, value_of(d, "q"), buf, sizeof buf), "''");
    /* control and non-ASCII octets (two of UTF-8) as '?' */
    cr_expect_str_eq(vleo_ydoc_describe(d, value_of(d, "t"), buf, sizeof buf),
                     "'a?b?"
                     "?'"); /* split: no trigraph */
    cr_expect_str_eq(vleo_ydoc_describe(d, value_of(d, "l"), buf, sizeof buf),
                     "'0123456789012345678901234567890123456789...'");
    cr_expect_str_eq(vleo_ydoc_describe(d, value_of(d, "k"), buf, sizeof buf),
                     "'0123456789012345678901234567890123456789'");
    vleo_ydoc_destroy(&d);
}

/* ---- map walks ---- */

static const char *const KEYS[] = {"alpha", "beta", "gamma"};

/* Walk the root of yaml against KEYS; -1 with err on failure. */
static int walk(const char *yaml, uint32_t *val, uint32_t *kline, vleo_ydoc_t **dp) {
    *dp = parse_ok(yaml, &LOOSE);
    return vleo_ydoc_map(*dp, vleo_ydoc_root(*dp), "", KEYS, 3, val, kline);
}

Test(yamldoc, map_walk_values_and_lines) {
    uint32_t val[3], kline[3];
    vleo_ydoc_t *d;
    cr_assert_eq(walk("gamma: 3\n\nalpha:\n  x\n", val, kline, &d), 0, "%s", err);
    cr_expect_str_eq(vleo_ydoc_text(d, val[0], NULL), "x");
    cr_expect_eq(kline[0], 3);
    cr_expect_eq(vleo_ydoc_line(d, val[0]), 4); /* a value on the next line keeps its own */
    cr_expect_eq(val[1], NONE);
    cr_expect_eq(kline[1], 0);
    cr_expect_str_eq(vleo_ydoc_text(d, val[2], NULL), "3");
    cr_expect_eq(kline[2], 1);
    vleo_ydoc_destroy(&d);
    /* "key:" alone takes the key's line (libyaml marks the next one in a flow mapping) */
    cr_assert_eq(walk("{alpha:\n, beta: 1}\n", val, kline, &d), 0, "%s", err);
    cr_expect(vleo_ydoc_empty(d, val[0]));
    cr_expect_eq(vleo_ydoc_line(d, val[0]), 1);
    cr_expect_eq(vleo_ydoc_line(d, val[1]), 2);
    vleo_ydoc_destroy(&d);
}

Test(yamldoc, map_walk_errors) {
    uint32_t val[3], kline[3];
    vleo_ydoc_t *d;
    cr_expect_eq(walk("alpha: 1\ndelta: 2\n", val, kline, &d), -1);
    cr_expect_str_eq(err, "t.yaml:2: delta: unknown key (known: alpha, beta, gamma)");
    vleo_ydoc_destroy(&d);
    cr_expect_eq(walk("beta: 1\nalpha: 2\n\nbeta: 3\n", val, kline, &d), -1);
    cr_expect_str_eq(err, "t.yaml:4: beta: duplicate key (first at line 1)");
    vleo_ydoc_destroy(&d);
    cr_expect_eq(walk("[alpha]\n", val, kline, &d), -1);
    cr_expect_str_eq(err, "t.yaml:1: expected a mapping, got a sequence");
    vleo_ydoc_destroy(&d);
    cr_expect_eq(walk("alpha\n", val, kline, &d), -1);
    cr_expect_str_eq(err, "t.yaml:1: expected a mapping, got 'alpha'");
    vleo_ydoc_destroy(&d);
    cr_expect_eq(walk("{[alpha]: 1}\n", val, kline, &d), -1);
    cr_expect_str_eq(err, "t.yaml:1: expected a key name, got a sequence");
    vleo_ydoc_destroy(&d);
    /* under a path; an odd key shown as '?' octets, cut at 40 */
    d = parse_ok("sec:\n  \"k\\te\": 1\n", &LOOSE);
    uint32_t sec = value_of(d, "sec");
    cr_expect_eq(vleo_ydoc_map(d, sec, "top.sec", KEYS, 3, val, kline), -1);
    cr_expect_str_eq(err, "t.yaml:2: top.sec.k?e: unknown key (known: alpha, beta, gamma)");
    cr_expect_eq(vleo_ydoc_map(d, value_of(d, "sec"), "top.sec", KEYS, 0, val, kline), -1);
    cr_expect_str_eq(err, "t.yaml:2: top.sec.k?e: unknown key (known: )");
    vleo_ydoc_destroy(&d);
    /* an empty mapping is fine */
    cr_expect_eq(walk("{}\n", val, kline, &d), 0);
    cr_expect_eq(val[0], NONE);
    cr_expect_eq(val[2], NONE);
    vleo_ydoc_destroy(&d);
}

/* ---- numbers ---- */

/* The number under key "n" of yaml, in [lo, hi] with flags; -1 with err on failure. */
static int num(const char *yaml, const vleo_ydoc_opts_t *o, double lo, double hi, unsigned flags,
               double *out) {
    vleo_ydoc_t *d = parse_ok(yaml, o);
    *out = -12345;
    int rc = vleo_ydoc_number(d, value_of(d, "n"), "sec.n", lo, hi, flags, out);
    vleo_ydoc_destroy(&d);
    return rc;
}

Test(yamldoc, numbers_and_ranges) {
    double x;
    cr_expect_eq(num("n: 2.5\n", &LOOSE, 0, 10, 0, &x), 0);
    cr_expect_eq(x, 2.5);
    cr_expect_eq(num("n: -1.5e2\n", &DECIMAL, -1000, 0, 0, &x), 0);
    cr_expect_eq(x, -150);
    /* closed range: both ends in */
    cr_expect_eq(num("n: 0\n", &LOOSE, 0, 10, 0, &x), 0);
    cr_expect_eq(x, 0);
    cr_expect_eq(num("n: 10\n", &LOOSE, 0, 10, 0, &x), 0);
    cr_expect_eq(x, 10);
    cr_expect_eq(num("n: 10.000001\n", &LOOSE, 0, 10, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: must be between 0 and 10, got '10.000001'");
    cr_expect_eq(x, -12345); /* untouched on failure */
    cr_expect_eq(num("n: -0.5\n", &LOOSE, 0, 10, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: must be between 0 and 10, got '-0.5'");
    /* open low end */
    cr_expect_eq(num("n: 0\n", &LOOSE, 0, 10, VLEO_YDOC_NUM_LO_OPEN, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: must be > 0 and <= 10, got '0'");
    cr_expect_eq(num("n: 1e-300\n", &LOOSE, 0, 10, VLEO_YDOC_NUM_LO_OPEN, &x), 0);
    cr_expect_eq(x, 1e-300);
    cr_expect_eq(num("n: 10.5\n", &LOOSE, 0.25, 10, VLEO_YDOC_NUM_LO_OPEN, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: must be > 0.25 and <= 10, got '10.5'");
    /* whole numbers */
    cr_expect_eq(num("n: 4\n", &LOOSE, 2, 6, VLEO_YDOC_NUM_WHOLE, &x), 0);
    cr_expect_eq(x, 4);
    cr_expect_eq(num("n: 4.5\n", &LOOSE, 2, 6, VLEO_YDOC_NUM_WHOLE, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a whole number, got '4.5'");
    cr_expect_eq(num("n: 7\n", &LOOSE, 2, 6, VLEO_YDOC_NUM_WHOLE, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: must be between 2 and 6, got '7'");
}

Test(yamldoc, number_syntax) {
    double x;
    /* strtod numbers: hex passes; decimal numbers refuse it */
    cr_expect_eq(num("n: 0x14\n", &LOOSE, 0, 100, 0, &x), 0);
    cr_expect_eq(x, 20);
    cr_expect_eq(num("n: 0x14\n", &DECIMAL, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a number, got '0x14'");
    cr_expect_eq(num("n: inf\n", &LOOSE, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a finite number, got 'inf'");
    cr_expect_eq(num("n: nan\n", &LOOSE, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a finite number, got 'nan'");
    cr_expect_eq(num("n: nan\n", &DECIMAL, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a number, got 'nan'");
    cr_expect_eq(num("n: 1e999\n", &DECIMAL, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a finite number, got '1e999'");
    cr_expect_eq(num("n: 5 km\n", &LOOSE, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a number, got '5 km'");
    cr_expect_eq(num("n: 1..2\n", &DECIMAL, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a number, got '1..2'");
    cr_expect_eq(num("n: \"5\"\n", &LOOSE, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a number, got a quoted string '5'");
    cr_expect_eq(num("n: \"\"\n", &LOOSE, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a number, got ''");
    cr_expect_eq(num("n:\n", &LOOSE, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a number, got an empty value");
    cr_expect_eq(num("n: [5]\n", &LOOSE, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a number, got a sequence");
    cr_expect_eq(num("n: {a: 5}\n", &DECIMAL, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a number, got a mapping");
    cr_expect_eq(num("n: 0123456789012345678901234567890123456789x\n", &LOOSE, 0, 100, 0, &x), -1);
    cr_expect_str_eq(err, "t.yaml:1: sec.n: expected a number, got "
                          "'0123456789012345678901234567890123456789...'");
}

typedef struct {
    double a, b, c;
} abc_t;

static const vleo_ydoc_num_t ABC[] = {
    {"a", offsetof(abc_t, a), 0, 10, 0},
    {"b", offsetof(abc_t, b), 0, 10, VLEO_YDOC_NUM_LO_OPEN},
    {"c", offsetof(abc_t, c), 1, 3, VLEO_YDOC_NUM_WHOLE},
};

Test(yamldoc, number_mappings) {
    vleo_ydoc_t *d = parse_ok("s:\n  c: 2\n  a: 0.5\n", &DECIMAL);
    abc_t v = {-1, -1, -1};
    uint32_t val[3], kline[3];
    cr_assert_eq(vleo_ydoc_nums(d, value_of(d, "s"), "s", ABC, 3, &v, val, kline), 0, "%s", err);
    cr_expect_eq(v.a, 0.5);
    cr_expect_eq(v.b, -1); /* absent: left as it was */
    cr_expect_eq(v.c, 2);
    cr_expect_eq(kline[0], 3);
    cr_expect_eq(kline[1], 0);
    cr_expect_eq(kline[2], 2);
    cr_expect_str_eq(vleo_ydoc_text(d, val[0], NULL), "0.5");
    cr_expect_eq(val[1], NONE);
    /* without the optional outputs */
    v = (abc_t){-1, -1, -1};
    cr_expect_eq(vleo_ydoc_nums(d, value_of(d, "s"), "s", ABC, 3, &v, NULL, NULL), 0);
    cr_expect_eq(v.c, 2);
    vleo_ydoc_destroy(&d);

    /* errors in spec order (a before c, whatever the file order), under the path */
    d = parse_ok("s: {c: 5, a: 11}\n", &DECIMAL);
    cr_expect_eq(vleo_ydoc_nums(d, value_of(d, "s"), "top.s", ABC, 3, &v, NULL, NULL), -1);
    cr_expect_str_eq(err, "t.yaml:1: top.s.a: must be between 0 and 10, got '11'");
    vleo_ydoc_destroy(&d);
    d = parse_ok("s: {b: 0}\n", &DECIMAL);
    cr_expect_eq(vleo_ydoc_nums(d, value_of(d, "s"), "s", ABC, 3, &v, NULL, NULL), -1);
    cr_expect_str_eq(err, "t.yaml:1: s.b: must be > 0 and <= 10, got '0'");
    vleo_ydoc_destroy(&d);
    d = parse_ok("s: {d: 1}\n", &DECIMAL);
    cr_expect_eq(vleo_ydoc_nums(d, value_of(d, "s"), "s", ABC, 3, &v, NULL, NULL), -1);
    cr_expect_str_eq(err, "t.yaml:1: s.d: unknown key (known: a, b, c)");
    vleo_ydoc_destroy(&d);
    d = parse_ok("s: 5\n", &DECIMAL);
    cr_expect_eq(vleo_ydoc_nums(d, value_of(d, "s"), "s", ABC, 3, &v, NULL, NULL), -1);
    cr_expect_str_eq(err, "t.yaml:1: s: expected a mapping, got '5'");
    cr_expect_eq(
        vleo_ydoc_nums(d, value_of(d, "s"), "s", ABC, VLEO_YDOC_NUMS_MAX + 1, &v, NULL, NULL), -1);
    cr_expect_str_eq(err, "t.yaml:1: s: internal: too many keys");
    vleo_ydoc_destroy(&d);
}

/* ---- strings, booleans, choices, times, whole numbers ---- */

Test(yamldoc, strings) {
    vleo_ydoc_t *d = parse_ok("p: plain\nq: 'quoted'\nn: \"a\\0b\"\nt: \"a\\tb\"\n"
                              "l: |\n  one\n  two\nm: [x]\ne:\nx: \"\\x7f\"\n",
                              &LOOSE);
    char out[16];
    cr_expect_eq(vleo_ydoc_string(d, value_of(d, "p"), "p", 0, out, sizeof out), 0);
    cr_expect_str_eq(out, "plain");
    cr_expect_eq(vleo_ydoc_string(d, value_of(d, "q"), "q", VLEO_YDOC_STR_PRINTABLE, out, 7), 0);
    cr_expect_str_eq(out, "quoted"); /* 6 characters fit a cap of 7 */
    cr_expect_eq(vleo_ydoc_string(d, value_of(d, "q"), "q", 0, out, 6), -1);
    cr_expect_str_eq(err, "t.yaml:2: q: longer than 5 characters");
    cr_expect_eq(vleo_ydoc_string(d, value_of(d, "e"), "e", 0, out, sizeof out), 0);
    cr_expect_str_eq(out, "");
    /* NUL: its own message without PRINTABLE, a control character with it */
    cr_expect_eq(vleo_ydoc_string(d, value_of(d, "n"), "n", 0, out, sizeof out), -1);
    cr_expect_str_eq(err, "t.yaml:3: n: contains a NUL character");
    cr_expect_eq(
        vleo_ydoc_string(d, value_of(d, "n"), "n", VLEO_YDOC_STR_PRINTABLE, out, sizeof out), -1);
    cr_expect_str_eq(err, "t.yaml:3: n: contains a control character (0x00)");
    cr_expect_eq(vleo_ydoc_string(d, value_of(d, "t"), "t", 0, out, sizeof out), 0);
    cr_expect_str_eq(out, "a\tb");
    cr_expect_eq(
        vleo_ydoc_string(d, value_of(d, "t"), "t", VLEO_YDOC_STR_PRINTABLE, out, sizeof out), -1);
    cr_expect_str_eq(err, "t.yaml:4: t: contains a control character (0x09)");
    cr_expect_eq(
        vleo_ydoc_string(d, value_of(d, "x"), "x", VLEO_YDOC_STR_PRINTABLE, out, sizeof out), -1);
    cr_expect_str_eq(err, "t.yaml:10: x: contains a control character (0x7F)");
    /* line feeds only with NEWLINES */
    cr_expect_eq(
        vleo_ydoc_string(d, value_of(d, "l"), "l", VLEO_YDOC_STR_PRINTABLE, out, sizeof out), -1);
    cr_expect_str_eq(err, "t.yaml:5: l: contains a control character (0x0A)");
    cr_expect_eq(vleo_ydoc_string(d, value_of(d, "l"), "l",
                                  VLEO_YDOC_STR_PRINTABLE | VLEO_YDOC_STR_NEWLINES, out,
                                  sizeof out),
                 0);
    cr_expect_str_eq(out, "one\ntwo\n");
    cr_expect_eq(vleo_ydoc_string(d, value_of(d, "m"), "m", 0, out, sizeof out), -1);
    cr_expect_str_eq(err, "t.yaml:8: m: expected a string, got a sequence");
    vleo_ydoc_destroy(&d);
}

Test(yamldoc, booleans) {
    vleo_ydoc_t *d = parse_ok("t: true\nf: false\ny: yes\nq: \"true\"\nc: True\ne:\n", &LOOSE);
    bool b = false;
    cr_expect_eq(vleo_ydoc_bool(d, value_of(d, "t"), "t", &b), 0);
    cr_expect_eq(b, true);
    cr_expect_eq(vleo_ydoc_bool(d, value_of(d, "f"), "f", &b), 0);
    cr_expect_eq(b, false);
    b = true;
    cr_expect_eq(vleo_ydoc_bool(d, value_of(d, "y"), "k.y", &b), -1);
    cr_expect_str_eq(err, "t.yaml:3: k.y: expected true or false, got 'yes'");
    cr_expect_eq(b, true);
    cr_expect_eq(vleo_ydoc_bool(d, value_of(d, "q"), "q", &b), -1);
    cr_expect_str_eq(err, "t.yaml:4: q: expected true or false, got 'true'");
    cr_expect_eq(vleo_ydoc_bool(d, value_of(d, "c"), "c", &b), -1);
    cr_expect_str_eq(err, "t.yaml:5: c: expected true or false, got 'True'");
    cr_expect_eq(vleo_ydoc_bool(d, value_of(d, "e"), "e", &b), -1);
    cr_expect_str_eq(err, "t.yaml:6: e: expected true or false, got an empty value");
    vleo_ydoc_destroy(&d);
}

Test(yamldoc, choices) {
    static const char *const TWO[] = {"off", "full"};
    static const char *const THREE[] = {"low", "mid", "high"};
    vleo_ydoc_t *d = parse_ok("a: full\nb: 'off'\nc: of\nd: [off]\ne: offf\n", &LOOSE);
    size_t i = 99;
    cr_expect_eq(vleo_ydoc_choice(d, value_of(d, "a"), "a", TWO, 2, &i), 0);
    cr_expect_eq(i, 1);
    cr_expect_eq(vleo_ydoc_choice(d, value_of(d, "b"), "b", TWO, 2, &i), 0); /* any style */
    cr_expect_eq(i, 0);
    cr_expect_eq(vleo_ydoc_choice(d, value_of(d, "c"), "c", TWO, 2, &i), -1);
    cr_expect_str_eq(err, "t.yaml:3: c: expected off or full, got 'of'");
    cr_expect_eq(vleo_ydoc_choice(d, value_of(d, "e"), "e", TWO, 2, &i), -1);
    cr_expect_str_eq(err, "t.yaml:5: e: expected off or full, got 'offf'");
    cr_expect_eq(vleo_ydoc_choice(d, value_of(d, "d"), "d", THREE, 3, &i), -1);
    cr_expect_str_eq(err, "t.yaml:4: d: expected low, mid or high, got a sequence");
    cr_expect_eq(vleo_ydoc_choice(d, value_of(d, "c"), "c", THREE, 1, &i), -1);
    cr_expect_str_eq(err, "t.yaml:3: c: expected low, got 'of'");
    vleo_ydoc_destroy(&d);
}

Test(yamldoc, times) {
    vleo_ydoc_t *d = parse_ok("a: 2026-03-01T00:00:00Z\nb: '2022-02-03T12:00:00.5Z'\n"
                              "c: 2022-02-30\nd: soon\ne:\nf: [1]\n",
                              &LOOSE);
    int64_t t = 0;
    cr_expect_eq(vleo_ydoc_time(d, value_of(d, "a"), "a", &t), 0, "%s", err);
    cr_expect_eq(t, 1772323200LL * 1000000000LL);
    cr_expect_eq(vleo_ydoc_time(d, value_of(d, "b"), "b", &t), 0, "%s", err);
    cr_expect_eq(t, 1643889600LL * 1000000000LL + 500000000LL);
    static const char *const bad[][2] = {{"c", "t.yaml:3: c: expected an ISO 8601 UTC time "
                                               "(YYYY-MM-DDThh:mm:ssZ), got '2022-02-30'"},
                                         {"d", "t.yaml:4: d: expected an ISO 8601 UTC time "
                                               "(YYYY-MM-DDThh:mm:ssZ), got 'soon'"},
                                         {"e", "t.yaml:5: e: expected an ISO 8601 UTC time "
                                               "(YYYY-MM-DDThh:mm:ssZ), got an empty value"},
                                         {"f", "t.yaml:6: f: expected an ISO 8601 UTC time "
                                               "(YYYY-MM-DDThh:mm:ssZ), got a sequence"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = 7;
        cr_expect_eq(vleo_ydoc_time(d, value_of(d, bad[i][0]), bad[i][0], &t), -1);
        cr_expect_str_eq(err, bad[i][1]);
        cr_expect_eq(t, 7);
    }
    vleo_ydoc_destroy(&d);
}

Test(yamldoc, whole_numbers_u64) {
    vleo_ydoc_t *d = parse_ok("a: 18446744073709551615\nb: 0\nc: 18446744073709551616\nd: -1\n"
                              "e: 1.5\nf: '7'\ng: +1\n",
                              &LOOSE);
    uint64_t u = 1;
    cr_expect_eq(vleo_ydoc_u64(d, value_of(d, "a"), "a", &u), 0);
    cr_expect_eq(u, UINT64_MAX);
    cr_expect_eq(vleo_ydoc_u64(d, value_of(d, "b"), "b", &u), 0);
    cr_expect_eq(u, 0);
    static const char *const bad[] = {"c", "d", "e", "f", "g"};
    static const char *const got[] = {"'18446744073709551616'", "'-1'", "'1.5'", "'7'", "'+1'"};
    for (size_t i = 0; i < 5; i++) {
        char want[160];
        snprintf(want, sizeof want,
                 "t.yaml:%zu: %s: expected a whole number 0 to 18446744073709551615, got %s", i + 3,
                 bad[i], got[i]);
        u = 9;
        cr_expect_eq(vleo_ydoc_u64(d, value_of(d, bad[i]), bad[i], &u), -1);
        cr_expect_str_eq(err, want);
        cr_expect_eq(u, 9);
    }
    vleo_ydoc_destroy(&d);
}

/* ---- files ---- */

Test(yamldoc, read_file) {
    char dir[] = "/tmp/test_yamldoc_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64], want[160];
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    vleo_ydoc_opts_t o = LOOSE;
    o.max_text = 10;
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite("a: 123456\n", 1, 10, fp), 10); /* exactly the most */
    fclose(fp);
    char *text = NULL;
    size_t len = 0;
    cr_expect_eq(vleo_ydoc_read_file(path, &o, &text, &len, err, sizeof err), 0, "%s", err);
    cr_expect_eq(len, 10);
    cr_expect_str_eq(text, "a: 123456\n"); /* NUL-terminated */
    free(text);
    o.max_text = 9;
    cr_expect_eq(vleo_ydoc_read_file(path, &o, &text, &len, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: larger than 9 octets", path);
    cr_expect_str_eq(err, want);
    cr_expect_null(text);
    cr_expect_eq(len, 0);
    /* a larger file read through several buffer sizes */
    o.max_text = (size_t)1 << 20;
    fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    for (int i = 0; i < 30000; i++) {
        fprintf(fp, "k%05d: %d\n", i, i); /* 30000 lines of 13 or fewer octets */
    }
    long size = ftell(fp);
    fclose(fp);
    cr_expect_eq(vleo_ydoc_read_file(path, &o, &text, &len, err, sizeof err), 0, "%s", err);
    cr_expect_eq(len, (size_t)size);
    cr_expect_str_eq(text + len - 14, "k29999: 29999\n");
    free(text);
    o.max_text = (size_t)size - 1;
    cr_expect_eq(vleo_ydoc_read_file(path, &o, &text, &len, NULL, 0), -1);
    /* what cannot be read */
    cr_expect_eq(vleo_ydoc_read_file(dir, &o, &text, &len, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: cannot read: Is a directory", dir);
    cr_expect_str_eq(err, want);
    unlink(path);
    cr_expect_eq(vleo_ydoc_read_file(path, &o, &text, &len, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    cr_expect_str_eq(err, want);
    rmdir(dir);
}
