/* vleo/yamldoc.h: strict YAML documents for our configuration files (the monitor's
 * configuration, vleo-sim scenarios): libyaml's event API builds a small bounded tree (one
 * document; no anchors, aliases or tags; nesting, node and text limits), then a schema walks it
 * with the checked getters below. Every error is one message "NAME:LINE: key.path: what" in the
 * caller's buffer; lines are 1-based. */
#ifndef VLEO_YAMLDOC_H
#define VLEO_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VLEO_YDOC_NONE UINT32_MAX /* no node (an absent key, the end of a list) */
#define VLEO_YDOC_DEPTH_MAX 32    /* the deepest nesting any document may allow */
#define VLEO_YDOC_NUMS_MAX 16     /* keys in one vleo_ydoc_nums mapping */
#define VLEO_YDOC_DESCRIBE_CAP 48 /* a buffer for vleo_ydoc_describe */
#define VLEO_YDOC_PATH_CAP 256    /* key paths the getters build (longer ones are cut) */

typedef enum { VLEO_YDOC_SCALAR, VLEO_YDOC_SEQ, VLEO_YDOC_MAP } vleo_ydoc_kind_t;

/* What a file format allows. */
typedef struct {
    size_t max_text;      /* octets of YAML text */
    uint32_t max_depth;   /* nested mappings/sequences (0 or above VLEO_YDOC_DEPTH_MAX: that) */
    uint32_t max_nodes;   /* scalars, sequences and mappings together */
    size_t max_str;       /* all scalar text together (one NUL after each scalar counts) */
    bool decimal_numbers; /* numbers only as digits, sign, point, exponent: no 0x10, inf, nan */
    const char *one_doc;  /* ends "a second YAML document: ..." (NULL: "only one is allowed") */
} vleo_ydoc_opts_t;

/* A parsed document: the tree and where its messages go. */
typedef struct vleo_ydoc vleo_ydoc_t;

/* Parse text[0..len) (any octets; NULL with len 0 is an empty text) under the name `name` for
 * messages. Returns 0 and a new document in *out (free with vleo_ydoc_destroy) whose root may be
 * VLEO_YDOC_NONE for a text without a document; or -1, *out NULL, and the message in err:
 * "no text", "larger than N MiB", "YAML syntax: problem (context at line N)", "YAML anchors
 * (&name) are not supported", "... aliases ...", "... tags ...", "a second YAML document: ...",
 * "nesting deeper than N levels", "more than N YAML nodes", "too much scalar text",
 * "out of memory". err (cap errlen, may be NULL) is cleared first; it and name must outlive the
 * document, whose getters write their messages there too. */
int vleo_ydoc_parse(const char *text, size_t len, const char *name, const vleo_ydoc_opts_t *opts,
                    char *err, size_t errlen, vleo_ydoc_t **out);

/* Free a document and set *d_p to NULL; NULL and *d_p NULL are fine. */
void vleo_ydoc_destroy(vleo_ydoc_t **d_p);

/* Read the whole file `path` (at most opts->max_text octets) into a new buffer *text of *len
 * octets plus a NUL (free() it). Returns 0, or -1 with "PATH: cannot open: why", "PATH: cannot
 * read: why", "PATH: out of memory" or "PATH: larger than N MiB" in err (may be NULL). */
int vleo_ydoc_read_file(const char *path, const vleo_ydoc_opts_t *opts, char **text, size_t *len,
                        char *err, size_t errlen);

/* ---- the tree (node ids are valid until the document is destroyed) ---- */

/* The top node, VLEO_YDOC_NONE when the text holds no document (empty, or comments only). */
uint32_t vleo_ydoc_root(const vleo_ydoc_t *d);
/* The line where the document starts (its "---" or first token; 1 without a document). */
uint32_t vleo_ydoc_start_line(const vleo_ydoc_t *d);
vleo_ydoc_kind_t vleo_ydoc_kind(const vleo_ydoc_t *d, uint32_t n);
uint32_t vleo_ydoc_line(const vleo_ydoc_t *d, uint32_t n);
/* Children of a collection; a mapping counts its keys and values both. 0 for a scalar. */
uint32_t vleo_ydoc_count(const vleo_ydoc_t *d, uint32_t n);
/* First child (a mapping's: key, value, key, value ...) and next sibling, or VLEO_YDOC_NONE. */
uint32_t vleo_ydoc_first(const vleo_ydoc_t *d, uint32_t n);
uint32_t vleo_ydoc_next(const vleo_ydoc_t *d, uint32_t n);
/* A scalar's text, NUL-terminated but possibly holding NULs (its length in *len when not NULL);
 * "" for a collection. Valid until the document is destroyed. */
const char *vleo_ydoc_text(const vleo_ydoc_t *d, uint32_t n, size_t *len);
/* A scalar written plain (not quoted, not a block scalar). */
bool vleo_ydoc_plain(const vleo_ydoc_t *d, uint32_t n);
/* A plain empty scalar: "key:" with nothing after it. */
bool vleo_ydoc_empty(const vleo_ydoc_t *d, uint32_t n);

/* ---- messages ---- */

/* Write "NAME:LINE: PATH: what" ("NAME:LINE: what" when path is NULL or "") into the document's
 * error buffer (cut to fit). Returns -1, for `return vleo_ydoc_fail(...)`. */
int vleo_ydoc_fail(vleo_ydoc_t *d, uint32_t line, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "a mapping", "a sequence", "an empty value" or the scalar quoted ('text', control and
 * non-ASCII octets as '?', cut at 40 octets with "..."), in buf or a constant. */
const char *vleo_ydoc_describe(const vleo_ydoc_t *d, uint32_t n, char *buf, size_t cap);

/* path + "." + key, or key alone when path is ""; cut to cap (messages only). */
void vleo_ydoc_join(char *out, size_t cap, const char *path, const char *key);

/* ---- the schema walk ---- */

/* Check that `map` is a mapping whose keys are all among keys[0..nkeys), each at most once
 * ("expected a mapping, got X", "expected a key name, got X", "PATH.KEY: unknown key (known:
 * a, b, ...)", "PATH.KEY: duplicate key (first at line N)"). val[k] receives the value of
 * keys[k] (VLEO_YDOC_NONE when absent), kline[k] its key's line (0 when absent). The value of
 * "key:" alone takes the key's line. */
int vleo_ydoc_map(vleo_ydoc_t *d, uint32_t map, const char *path, const char *const *keys,
                  size_t nkeys, uint32_t *val, uint32_t *kline);

/* Number flags. */
enum {
    VLEO_YDOC_NUM_LO_OPEN = 1u << 0, /* lo < x <= hi rather than lo <= x <= hi */
    VLEO_YDOC_NUM_WHOLE = 1u << 1,   /* a whole number */
};

/* A plain scalar that is wholly a finite number (strtod; with decimal_numbers digits, sign,
 * point and exponent only) in [lo, hi]: "expected a number, got X", "expected a number, got a
 * quoted string 'X'", "expected a finite number, got X", "expected a whole number, got X",
 * "must be between LO and HI, got X", "must be > LO and <= HI, got X". */
int vleo_ydoc_number(vleo_ydoc_t *d, uint32_t v, const char *path, double lo, double hi,
                     unsigned flags, double *out);

/* A number key of a mapping: stored as a double at base + off. */
typedef struct {
    const char *key;
    size_t off;
    double lo, hi;
    unsigned flags; /* VLEO_YDOC_NUM_* */
} vleo_ydoc_num_t;

/* A mapping of numbers only, specs[0..n) (n <= VLEO_YDOC_NUMS_MAX): vleo_ydoc_map, then each
 * given value checked in spec order by vleo_ydoc_number and stored at base + off. val and kline
 * (n entries each, may be NULL) receive what vleo_ydoc_map gives. */
int vleo_ydoc_nums(vleo_ydoc_t *d, uint32_t map, const char *path, const vleo_ydoc_num_t *specs,
                   size_t n, void *base, uint32_t *val, uint32_t *kline);

/* String flags: with neither, any octet but NUL ("contains a NUL character"). */
enum {
    VLEO_YDOC_STR_PRINTABLE = 1u << 0, /* no control octet: "contains a control character (0x09)" */
    VLEO_YDOC_STR_NEWLINES = 1u << 1,  /* with PRINTABLE: line feeds allowed */
};

/* A scalar of any style shorter than cap, copied NUL-terminated to out: "expected a string,
 * got X", "longer than N characters", then the flags' check. */
int vleo_ydoc_string(vleo_ydoc_t *d, uint32_t v, const char *path, unsigned flags, char *out,
                     size_t cap);

/* true or false, written plain: "expected true or false, got X". */
int vleo_ydoc_bool(vleo_ydoc_t *d, uint32_t v, const char *path, bool *out);

/* A scalar (any style) equal to one of names[0..n) (n >= 1): *idx its index, or "expected a, b
 * or c, got X". */
int vleo_ydoc_choice(vleo_ydoc_t *d, uint32_t v, const char *path, const char *const *names,
                     size_t n, size_t *idx);

/* An ISO 8601 UTC time (vleo_parse_iso8601) as Unix ns: "expected an ISO 8601 UTC time
 * (YYYY-MM-DDThh:mm:ssZ), got X". */
int vleo_ydoc_time(vleo_ydoc_t *d, uint32_t v, const char *path, int64_t *out);

/* A whole number 0 .. 2^64 - 1, plain digits only: "expected a whole number 0 to
 * 18446744073709551615, got X". */
int vleo_ydoc_u64(vleo_ydoc_t *d, uint32_t v, const char *path, uint64_t *out);

#endif
