/* e2e.h (tests only): run a program under test with its stdout and stderr in files, wait for
 * it with a deadline, pick free loopback ports, receive two-frame ZeroMQ messages. */
#ifndef TEST_E2E_H
#define TEST_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A started program. out_path/err_path hold what it wrote on stdout/stderr. */
typedef struct {
    pid_t pid;  /* 0 when not running (never started, or reaped) */
    int status; /* wait status once reaped */
    char out_path[96];
    char err_path[96];
} e2e_proc_t;

/* Monotonic milliseconds. */
int64_t e2e_mono_ms(void);
void e2e_sleep_ms(int ms);

/* Start argv[0] (a path) with argv, stdin from /dev/null, stdout and stderr into fresh files
 * under /tmp. Returns 0, or an errno value (nothing is left running then). With the
 * environment variable VLEO_VALGRIND set (scripts/valgrind.sh), its space-separated words are
 * put in front of argv when argv[0] is one of ours (vleo-*): the program runs under that tool
 * (same process, so p->pid and signals reach the program). */
int e2e_spawn(e2e_proc_t *p, char *const argv[]);

/* Wait up to timeout_ms for the program to end. Returns its exit code (0..255), -1 if it was
 * still running at the deadline (it is then killed with SIGKILL and reaped), or -2 if a
 * signal ended it (the wait status stays in p->status). */
int e2e_wait(e2e_proc_t *p, int timeout_ms);

/* Send sig to the program if it is running. Returns 0 or -1. */
int e2e_signal(e2e_proc_t *p, int sig);

/* Kill (SIGKILL) and reap the program if still running, and remove its output files. Safe to
 * call more than once and on a never-started e2e_proc_t that was zeroed. */
void e2e_cleanup(e2e_proc_t *p);

/* The whole content of a file, NUL-terminated, in malloc'd memory (caller frees); *len gets
 * its length when len is not NULL. NULL if unreadable. */
char *e2e_slurp(const char *path, size_t *len);

/* Number of '\n'-terminated lines in s. */
size_t e2e_count_lines(const char *s);

/* A program run to its end: exit code (as e2e_wait; -1 when it could not be started),
 * stdout and stderr (malloc'd, NUL-terminated; NULL when unreadable). */
typedef struct {
    int code;
    char *out;
    char *err;
} e2e_run_t;

e2e_run_t e2e_run(char *const argv[], int timeout_ms);
void e2e_run_free(e2e_run_t *r);

/* The string value of "key":"..." in a JSON line (its first occurrence, no unescaping) into
 * buf (cap > 0); "" when absent. Returns buf. */
const char *e2e_json_str(const char *line, const char *key, char *buf, size_t cap);

/* A port on 127.0.0.1 that was free a moment ago for socktype (SOCK_STREAM or SOCK_DGRAM),
 * found by binding port 0. Returns the port or -1. */
int e2e_free_port(int socktype);

/* A ZeroMQ SUB socket connected to endpoint, subscribed to every topic, with ZMQ_RCVTIMEO
 * rcv_timeout_ms and linger 0. NULL on failure. */
void *e2e_sub(void *zctx, const char *endpoint, int rcv_timeout_ms);

/* One received two-frame message: the topic (NUL-terminated, cut to fit) and the body. */
typedef struct {
    char topic[256];
    uint8_t *body; /* malloc'd by e2e_recv2, freed by e2e_msg_free */
    size_t len;
    int frames; /* frames in the message (2 expected) */
} e2e_msg_t;

/* Receive one whole message (all its frames) into m. Returns 0, or -1 on timeout / error. */
int e2e_recv2(void *sock, e2e_msg_t *m);
void e2e_msg_free(e2e_msg_t *m);

#endif
