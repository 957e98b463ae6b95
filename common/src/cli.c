/* cli.c: the programs' shared command-line helpers (vleo/cli.h). */
#include "vleo/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vleo/log.h"

static const char *g_prog = "vleo";
static const char *g_usage = "";

void vleo_cli_init(const char *prog, const char *usage) {
    g_prog = prog;
    g_usage = usage;
}

void vleo_cli_usage_error(const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n%s", g_prog, msg, g_usage);
    exit(VLEO_EXIT_USAGE);
}

double vleo_cli_double(const char *opt, const char *s, double lo, double hi) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
        vleo_cli_usage_error("%s wants a number from %g to %g, not '%s'", opt, lo, hi, s);
    return v;
}

long vleo_cli_long(const char *opt, const char *s, long lo, long hi) {
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        vleo_cli_usage_error("%s wants a whole number from %ld to %ld, not '%s'", opt, lo, hi, s);
    return v;
}

int64_t vleo_now_utc_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

double vleo_mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
