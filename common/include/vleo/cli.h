/* vleo/cli.h: what every program's command line does the same way: usage errors (exit 2
 * with the usage text), checked numeric options, and the two clocks programs read. */
#ifndef VLEO_CLI_H
#define VLEO_CLI_H

#include <stdint.h>

/* The program name and usage text that vleo_cli_usage_error prints. Call once from main. */
void vleo_cli_init(const char *prog, const char *usage);

/* Print "PROG: MESSAGE" and the usage text on stderr, exit VLEO_EXIT_USAGE (2). */
_Noreturn void vleo_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The value of option `opt`, a number in [lo, hi], or a usage error naming the option. */
double vleo_cli_double(const char *opt, const char *s, double lo, double hi);
long vleo_cli_long(const char *opt, const char *s, long lo, long hi);

/* UTC now in Unix nanoseconds, and monotonic seconds. */
int64_t vleo_now_utc_ns(void);
double vleo_mono_s(void);

#endif
