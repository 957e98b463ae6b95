/* dec/counters.h: a bounded list of named counters, the form every stage reports its
 * counters in (DecoderStats.counters, the summary on stderr). */
#ifndef DEC_COUNTERS_H
#define DEC_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

/* names/vals are the caller's arrays of cap entries; n counts what was put. */
typedef struct {
    const char **names;
    uint64_t *vals;
    size_t n;
    size_t cap;
} dec_counters_t;

/* Append one counter (name must be a static string); ignored once cap is reached. */
static inline void dec_counter_put(dec_counters_t *c, const char *name, uint64_t v) {
    if (c->n < c->cap) {
        c->names[c->n] = name;
        c->vals[c->n] = v;
        c->n++;
    }
}

#endif
