/* fuzz_spacewx.c: libFuzzer target for the CelesTrak space-weather CSV loader
 * (monitor/src/spacewx.c): any input either parses into a table whose lookups keep their
 * invariants, or fails with a status and a "fuzz.csv:LINE:COL: what" message, without leaks or
 * over-reads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon/spacewx.h"

#define NS_DAY 86400000000000LL

static int64_t add_sat(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        return b > 0 ? INT64_MAX : INT64_MIN;
    }
    return r;
}

/* A day stamp of a used row: a whole day within the table. */
static void check_day(const mon_sw_t *sw, int64_t d) {
    if (d < mon_sw_first_day(sw) || d > mon_sw_last_day(sw) || d % NS_DAY != 0) {
        abort();
    }
}

static void check_values(const mon_sw_t *sw, int rc, const mon_sw_values_t *v) {
    bool all = !isnan(v->f107) && !isnan(v->f107a) && !isnan(v->kp) && !isnan(v->ap) &&
               !isnan(v->ap_daily);
    if ((rc == 0) != all) {
        abort();
    }
    if (isnan(v->f107) != (v->f107_kind == MON_SW_KIND_COUNT)) {
        abort();
    }
    if (isnan(v->kp) != (v->kp_kind == MON_SW_KIND_COUNT)) {
        abort();
    }
    if (!isnan(v->f107)) {
        if (!(v->f107 >= 0.0) || v->f107_kind >= MON_SW_CONST) {
            abort();
        }
        check_day(sw, v->f107_day_utc_ns);
    }
    if (!isnan(v->kp)) {
        if (!(v->kp >= 0.0 && v->kp <= 9.0) || v->kp_kind >= MON_SW_CONST) {
            abort();
        }
        check_day(sw, v->kp_day_utc_ns);
        if (!(mon_kp_to_ap(v->kp) >= 0.0 && mon_kp_to_ap(v->kp) <= 400.0)) {
            abort();
        }
    }
    if ((!isnan(v->ap) && !(v->ap >= 0.0 && v->ap <= 400.0)) ||
        (!isnan(v->ap_daily) && !(v->ap_daily >= 0.0 && v->ap_daily <= 400.0)) ||
        (!isnan(v->f107a) && !(v->f107a >= 0.0))) {
        abort();
    }
    bool from_prediction = v->f107_kind == MON_SW_PRD || v->f107_kind == MON_SW_PRM ||
                           v->kp_kind == MON_SW_PRD || v->kp_kind == MON_SW_PRM;
    if (from_prediction && !v->predicted) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[256];
    err[0] = '\0';
    mon_sw_parse_status_t st = MON_SW_PARSE_STATUS_COUNT;
    mon_sw_t *sw = mon_sw_parse((const char *)data, size, "fuzz.csv", &st, err, sizeof err);
    if (sw == NULL) {
        if (st == MON_SW_PARSE_OK || st >= MON_SW_PARSE_STATUS_COUNT ||
            strncmp(err, "fuzz.csv:", 9) != 0) {
            fprintf(stderr, "bad failure: status %d, message \"%s\"\n", (int)st, err);
            abort();
        }
        return 0;
    }
    size_t n = mon_sw_rows(sw), kinds = 0;
    for (int k = 0; k < MON_SW_KIND_COUNT; k++) {
        kinds += mon_sw_rows_of_kind(sw, (mon_sw_kind_t)k);
    }
    int64_t first = mon_sw_first_day(sw), last = mon_sw_last_day(sw);
    if (st != MON_SW_PARSE_OK || err[0] != '\0' || n == 0 || n > MON_SW_MAX_ROWS || kinds != n ||
        first > last || (int64_t)(n - 1) > last / NS_DAY - first / NS_DAY) {
        abort();
    }
    /* Lookup times from the input: FNV-1a of the text picks days around the table's span. */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < size; i++) {
        h = (h ^ data[i]) * 1099511628211ULL;
    }
    /* the table may span 584 years, more than int64 ns: take the span unsigned */
    uint64_t span_ns = (uint64_t)last - (uint64_t)first + 120ULL * NS_DAY;
    int64_t fixed[6] = {first, last, first - 1, add_sat(last, 45 * NS_DAY), INT64_MIN, INT64_MAX};
    for (int i = 0; i < 14; i++) { /* bounded: 14 lookups per input */
        int64_t t;
        if (i < 6) {
            t = fixed[i];
        } else {
            h = h * 6364136223846793005ULL + 1442695040888963407ULL;
            t = add_sat(add_sat(first, -60 * NS_DAY), (int64_t)((h >> 1) % span_ns));
        }
        mon_sw_lookup_opts_t o;
        mon_sw_lookup_opts_default(&o);
        o.kp_lag_h = (double)(h % 4000) / 100.0 - 10.0;
        o.f107_prev_day = (h >> 20) & 1;
        o.f107a_trailing = (h >> 21) & 1;
        mon_sw_values_t v;
        int rc = mon_sw_lookup(sw, t, &o, &v);
        check_values(sw, rc, &v);
    }
    mon_sw_destroy(&sw);
    if (sw != NULL) {
        abort();
    }
    return 0;
}
