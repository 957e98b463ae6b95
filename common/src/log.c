/* log.c: one-line diagnostics on stderr, "prog: level: message". */
#include "vleo/log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *g_prog = "vleo";
static vleo_log_level_t g_level = VLEO_LOG_INFO;

void vleo_log_init(const char *prog, vleo_log_level_t level) {
    g_prog = prog;
    g_level = level;
}

void vleo_log(vleo_log_level_t level, const char *fmt, ...) {
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (level > g_level) {
        return;
    }
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s: %s\n", g_prog, names[level], line);
}
