/* vleo/json.h: JSON text written into a caller's fixed buffer (no allocation). */
#ifndef VLEO_JSON_H
#define VLEO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VLEO_JW_MAX_DEPTH 32

/* A writer over buf[0..cap). Commas and colons are placed by the writer: call key() then
 * one value inside objects, values alone inside arrays. When the text does not fit,
 * `overflow` is set and the output stays NUL-terminated and truncated: check it. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
    int depth;
    bool first[VLEO_JW_MAX_DEPTH]; /* no member written yet at this depth */
    bool after_key;
} vleo_jw_t;

void vleo_jw_init(vleo_jw_t *w, char *buf, size_t cap);
void vleo_jw_reset(vleo_jw_t *w); /* empty again, same buffer */
void vleo_jw_obj_begin(vleo_jw_t *w);
void vleo_jw_obj_end(vleo_jw_t *w);
void vleo_jw_arr_begin(vleo_jw_t *w);
void vleo_jw_arr_end(vleo_jw_t *w);
void vleo_jw_key(vleo_jw_t *w, const char *key);
void vleo_jw_str(vleo_jw_t *w, const char *s);            /* escaped; NULL writes null */
void vleo_jw_strn(vleo_jw_t *w, const char *s, size_t n); /* n octets, escaped */
void vleo_jw_u64(vleo_jw_t *w, uint64_t v);
void vleo_jw_i64(vleo_jw_t *w, int64_t v);
void vleo_jw_f64(vleo_jw_t *w, double v); /* shortest round-trip form; NaN/Inf as null */
void vleo_jw_bool(vleo_jw_t *w, bool v);
void vleo_jw_null(vleo_jw_t *w);
void vleo_jw_time(vleo_jw_t *w, int64_t utc_unix_ns);       /* ISO 8601 string, ns digits */
void vleo_jw_hex(vleo_jw_t *w, const uint8_t *p, size_t n); /* lower-case hex string */
void vleo_jw_raw(vleo_jw_t *w, const char *text, size_t n); /* pre-formatted JSON value */

#endif
