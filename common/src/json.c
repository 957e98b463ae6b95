/* json.c: JSON text writer into a fixed buffer (RFC 8259), for one JSON line per packet. */
#include "vleo/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vleo/timescale.h"

/* Escape class per ASCII octet: 0 copied as is, 'u' as \u00XX, else the letter after the
 * backslash. Octets >= 0x80 are checked as UTF-8. */
static const char k_esc[128] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f',  ['\r'] = 'r', [0x00] = 'u',
    [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',  [0x05] = 'u', [0x06] = 'u',
    [0x07] = 'u', [0x0B] = 'u', [0x0E] = 'u', [0x0F] = 'u',  [0x10] = 'u', [0x11] = 'u',
    [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u',  [0x16] = 'u', [0x17] = 'u',
    [0x18] = 'u', [0x19] = 'u', [0x1A] = 'u', [0x1B] = 'u',  [0x1C] = 'u', [0x1D] = 'u',
    [0x1E] = 'u', [0x1F] = 'u', ['"'] = '"',  ['\\'] = '\\',
};

static const char k_hex[] = "0123456789abcdef";

/* Overflow path of put(): copy what fits, set the flag; nothing more is ever written. */
static void put_slow(vleo_jw_t *w, const char *s, size_t n) {
    if (w->overflow) {
        return;
    }
    size_t room = w->cap - 1 - w->len; /* len < cap always holds without overflow */
    if (n > room) {
        n = room;
        w->overflow = true;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

/* Append n octets. The text is NUL-terminated after every append: when overflow is false,
 * cap > 0 and len < cap, so cap - 1 - len does not wrap. */
static inline void put(vleo_jw_t *w, const char *s, size_t n) {
    if (!w->overflow && n <= w->cap - 1 - w->len) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
        w->buf[w->len] = '\0';
        return;
    }
    put_slow(w, s, n);
}

static inline void put_c(vleo_jw_t *w, char c) {
    if (!w->overflow && w->cap - 1 - w->len >= 1) {
        w->buf[w->len++] = c;
        w->buf[w->len] = '\0';
        return;
    }
    put_slow(w, &c, 1);
}

/* Before any value: a comma between array members (after a key, the colon is written). */
static void value_prefix(vleo_jw_t *w) {
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        if (!w->first[w->depth - 1]) {
            put_c(w, ',');
        }
        w->first[w->depth - 1] = false;
    }
}

/* Length of a valid UTF-8 sequence starting at s[0] (>= 0x80) within n octets, else 0:
 * rejects stray continuation octets, overlong forms, surrogates and code points past
 * U+10FFFF (RFC 3629 section 4). */
static size_t utf8_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second octet */
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) {
            lo = 0xA0;
        } else if (c == 0xED) {
            hi = 0x9F;
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) {
            lo = 0x90;
        } else if (c == 0xF4) {
            hi = 0x8F;
        }
    } else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return need;
}

/* Quoted, escaped string of n octets. Valid UTF-8 passes through; each octet of invalid
 * UTF-8 is written as \u00XX (its Latin-1 reading), so the output is always valid JSON. */
static void put_string(vleo_jw_t *w, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    put_c(w, '"');
    size_t run = 0; /* start of the pending run of octets copied as is */
    size_t i = 0;
    while (i < n) {
        char e;
        if (u[i] < 0x80) {
            e = k_esc[u[i]];
            if (e == 0) {
                i++;
                continue;
            }
        } else {
            size_t k = utf8_len(u + i, n - i);
            if (k > 0) {
                i += k;
                continue;
            }
            e = 'u';
        }
        put(w, s + run, i - run);
        if (e == 'u') {
            char esc[6] = {'\\', 'u', '0', '0', k_hex[u[i] >> 4], k_hex[u[i] & 0xF]};
            put(w, esc, sizeof esc);
        } else {
            char esc[2] = {'\\', e};
            put(w, esc, sizeof esc);
        }
        i++;
        run = i;
    }
    put(w, s + run, n - run);
    put_c(w, '"');
}

/* Decimal digits of v into the end of a 20-octet buffer; returns the first digit. */
static char *u64_digits(uint64_t v, char *end) {
    static const char k_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";
    char *p = end;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        p[0] = k_pairs[2 * r];
        p[1] = k_pairs[2 * r + 1];
    }
    if (v >= 10) {
        p -= 2;
        p[0] = k_pairs[2 * v];
        p[1] = k_pairs[2 * v + 1];
    } else {
        *--p = (char)('0' + v);
    }
    return p;
}

/* A zero cap, with no room even for the NUL, starts overflowed. */
void vleo_jw_init(vleo_jw_t *w, char *buf, size_t cap) {
    w->buf = buf;
    w->cap = cap;
    vleo_jw_reset(w);
}

void vleo_jw_reset(vleo_jw_t *w) {
    w->len = 0;
    w->depth = 0;
    w->after_key = false;
    w->overflow = w->cap == 0;
    if (w->cap > 0) {
        w->buf[0] = '\0';
    }
}

/* Nesting deeper than VLEO_JW_MAX_DEPTH sets overflow (the text is unusable). */
static void jw_open(vleo_jw_t *w, char c) {
    value_prefix(w);
    if (w->depth >= VLEO_JW_MAX_DEPTH) {
        w->overflow = true;
        return;
    }
    put_c(w, c);
    w->first[w->depth] = true;
    w->depth++;
}

/* Closing with nothing open sets overflow (unbalanced use: the text is unusable). */
static void jw_close(vleo_jw_t *w, char c) {
    if (w->depth <= 0) {
        w->overflow = true;
        return;
    }
    w->depth--;
    w->after_key = false;
    put_c(w, c);
}

void vleo_jw_obj_begin(vleo_jw_t *w) {
    jw_open(w, '{');
}

void vleo_jw_obj_end(vleo_jw_t *w) {
    jw_close(w, '}');
}

void vleo_jw_arr_begin(vleo_jw_t *w) {
    jw_open(w, '[');
}

void vleo_jw_arr_end(vleo_jw_t *w) {
    jw_close(w, ']');
}

/* Writes the key (escaped) and its colon; the next call writes the value. */
void vleo_jw_key(vleo_jw_t *w, const char *key) {
    value_prefix(w);
    put_string(w, key, strlen(key));
    put_c(w, ':');
    w->after_key = true;
}

void vleo_jw_str(vleo_jw_t *w, const char *s) {
    if (s == NULL) {
        vleo_jw_null(w);
        return;
    }
    value_prefix(w);
    put_string(w, s, strlen(s));
}

void vleo_jw_strn(vleo_jw_t *w, const char *s, size_t n) {
    value_prefix(w);
    put_string(w, s, n);
}

void vleo_jw_u64(vleo_jw_t *w, uint64_t v) {
    char tmp[20];
    char *p = u64_digits(v, tmp + sizeof tmp);
    value_prefix(w);
    put(w, p, (size_t)(tmp + sizeof tmp - p));
}

void vleo_jw_i64(vleo_jw_t *w, int64_t v) {
    char tmp[21];
    /* Negate in unsigned arithmetic: INT64_MIN has no positive int64. */
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char *p = u64_digits(m, tmp + sizeof tmp);
    if (v < 0) {
        *--p = '-';
    }
    value_prefix(w);
    put(w, p, (size_t)(tmp + sizeof tmp - p));
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v (%.17g always does). Integral
 * values print without a fraction ("3"), -0.0 as "-0"; all are valid JSON numbers. */
void vleo_jw_f64(vleo_jw_t *w, double v) {
    if (!isfinite(v)) {
        vleo_jw_null(w);
        return;
    }
    char tmp[32];
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (prec == 17 || strtod(tmp, NULL) == v) {
            break;
        }
    }
    if (n < 0 || (size_t)n >= sizeof tmp) {
        vleo_jw_null(w); /* cannot happen for %.17g of a finite double */
        return;
    }
    /* A locale with a decimal comma would make invalid JSON. */
    for (int i = 0; i < n; i++) {
        if (tmp[i] == ',') {
            tmp[i] = '.';
        }
    }
    value_prefix(w);
    put(w, tmp, (size_t)n);
}

void vleo_jw_bool(vleo_jw_t *w, bool v) {
    value_prefix(w);
    if (v) {
        put(w, "true", 4);
    } else {
        put(w, "false", 5);
    }
}

void vleo_jw_null(vleo_jw_t *w) {
    value_prefix(w);
    put(w, "null", 4);
}

void vleo_jw_time(vleo_jw_t *w, int64_t utc_unix_ns) {
    char tmp[40];
    tmp[0] = '"';
    size_t n = vleo_format_iso8601(utc_unix_ns, 9, tmp + 1, sizeof tmp - 2);
    tmp[n + 1] = '"';
    value_prefix(w);
    put(w, tmp, n + 2);
}

void vleo_jw_hex(vleo_jw_t *w, const uint8_t *p, size_t n) {
    char tmp[128];
    value_prefix(w);
    put_c(w, '"');
    size_t i = 0;
    while (i < n) {
        size_t k = 0;
        for (; i < n && k + 2 <= sizeof tmp; i++) {
            tmp[k++] = k_hex[p[i] >> 4];
            tmp[k++] = k_hex[p[i] & 0xF];
        }
        put(w, tmp, k);
    }
    put_c(w, '"');
}

void vleo_jw_raw(vleo_jw_t *w, const char *text, size_t n) {
    value_prefix(w);
    put(w, text, n);
}
