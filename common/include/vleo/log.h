/* vleo/log.h: one-line diagnostics on stderr for the programs (libraries never log). */
#ifndef VLEO_LOG_H
#define VLEO_LOG_H

typedef enum { VLEO_LOG_ERROR = 0, VLEO_LOG_WARN, VLEO_LOG_INFO, VLEO_LOG_DEBUG } vleo_log_level_t;

/* Program name shown before each line, and the most verbose level printed (default INFO). */
void vleo_log_init(const char *prog, vleo_log_level_t level);
void vleo_log(vleo_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define VLEO_ERR(...) vleo_log(VLEO_LOG_ERROR, __VA_ARGS__)
#define VLEO_WARN(...) vleo_log(VLEO_LOG_WARN, __VA_ARGS__)
#define VLEO_INFO(...) vleo_log(VLEO_LOG_INFO, __VA_ARGS__)
#define VLEO_DEBUG(...) vleo_log(VLEO_LOG_DEBUG, __VA_ARGS__)

/* Exit codes shared by every program (DESIGN section 6). */
enum { VLEO_EXIT_OK = 0, VLEO_EXIT_RUNTIME = 1, VLEO_EXIT_USAGE = 2, VLEO_EXIT_INPUT = 3 };

#endif
