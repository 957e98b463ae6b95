/* e2e.c (tests only): start programs under test (posix_spawn, output into files), bounded
 * waits, free loopback ports and two-frame ZeroMQ receive for end-to-end tests. */
#include "e2e.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

extern char **environ;

#define E2E_MAX_BODY (64u * 1024u * 1024u) /* larger messages are a test failure anyway */

int64_t e2e_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void e2e_sleep_ms(int ms) {
    struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&d, &d) != 0 && errno == EINTR) {
    }
}

/* VLEO_VALGRIND="valgrind --opt ..." (scripts/valgrind.sh): the words of the variable go in
 * front of every program of ours (vleo-*) started, so each runs under the tool; other programs
 * (tshark) run as they are. Returns false when nothing is put in front. */
#define E2E_MAX_ARGS 128
static bool wrap_argv(char *const argv[], char **out) {
    static char words[1024];
    const char *env = getenv("VLEO_VALGRIND");
    const char *base = strrchr(argv[0], '/');
    base = base != NULL ? base + 1 : argv[0];
    if (env == NULL || env[0] == '\0' || strlen(env) >= sizeof words ||
        strncmp(base, "vleo-", 5) != 0) {
        return false;
    }
    memcpy(words, env, strlen(env) + 1);
    size_t n = 0;
    char *save = NULL;
    for (char *w = strtok_r(words, " ", &save); w != NULL && n < E2E_MAX_ARGS / 2;
         w = strtok_r(NULL, " ", &save)) {
        out[n++] = w;
    }
    for (size_t i = 0; argv[i] != NULL; i++) {
        if (n + 1 >= E2E_MAX_ARGS) {
            return false;
        }
        out[n++] = argv[i];
    }
    out[n] = NULL;
    return true;
}

int e2e_spawn(e2e_proc_t *p, char *const argv[]) {
    static unsigned counter;
    counter++;
    p->pid = 0;
    p->status = 0;
    snprintf(p->out_path, sizeof p->out_path, "/tmp/vleo-e2e-%ld-%u.out", (long)getpid(), counter);
    snprintf(p->err_path, sizeof p->err_path, "/tmp/vleo-e2e-%ld-%u.err", (long)getpid(), counter);
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0) {
        return rc;
    }
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, p->out_path, O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, p->err_path, O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid;
    char *wrapped[E2E_MAX_ARGS];
    if (wrap_argv(argv, wrapped)) {
        rc = posix_spawnp(&pid, wrapped[0], &fa, NULL, wrapped, environ);
    } else {
        rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    }
    posix_spawn_file_actions_destroy(&fa);
    if (rc == 0) {
        p->pid = pid;
    }
    return rc;
}

int e2e_wait(e2e_proc_t *p, int timeout_ms) {
    if (p->pid == 0) {
        return -1;
    }
    int64_t deadline = e2e_mono_ms() + timeout_ms;
    for (;;) {
        int status = 0;
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            p->pid = 0;
            p->status = status;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
        }
        if (r < 0 && errno != EINTR) {
            p->pid = 0;
            return -1;
        }
        if (e2e_mono_ms() > deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            p->pid = 0;
            p->status = status;
            return -1;
        }
        e2e_sleep_ms(5);
    }
}

int e2e_signal(e2e_proc_t *p, int sig) {
    if (p->pid == 0) {
        return -1;
    }
    return kill(p->pid, sig);
}

void e2e_cleanup(e2e_proc_t *p) {
    if (p->pid != 0) {
        int status;
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
        p->pid = 0;
    }
    if (p->out_path[0] != '\0') {
        unlink(p->out_path);
        p->out_path[0] = '\0';
    }
    if (p->err_path[0] != '\0') {
        unlink(p->err_path);
        p->err_path[0] = '\0';
    }
}

char *e2e_slurp(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        if (cap - n < 2) {
            char *nb = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - 1 - n, fp);
        n += r;
        if (r == 0) {
            buf[n] = '\0';
            break;
        }
    }
    fclose(fp);
    if (buf != NULL && len != NULL) {
        *len = n;
    }
    return buf;
}

size_t e2e_count_lines(const char *s) {
    size_t n = 0;
    for (; *s != '\0'; s++) {
        n += *s == '\n';
    }
    return n;
}

int e2e_free_port(int socktype) {
    int fd = socket(AF_INET, socktype, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t al = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &al) == 0) {
        port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
}

void *e2e_sub(void *zctx, const char *endpoint, int rcv_timeout_ms) {
    void *s = zmq_socket(zctx, ZMQ_SUB);
    if (s == NULL) {
        return NULL;
    }
    int zero = 0;
    int hwm = 1000000;
    if (zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVTIMEO, &rcv_timeout_ms, sizeof rcv_timeout_ms) != 0 ||
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0) != 0 || zmq_connect(s, endpoint) != 0) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

int e2e_recv2(void *sock, e2e_msg_t *m) {
    memset(m, 0, sizeof *m);
    for (int frame = 0; frame < 64; frame++) {
        zmq_msg_t z;
        zmq_msg_init(&z);
        if (zmq_msg_recv(&z, sock, 0) < 0) {
            zmq_msg_close(&z);
            e2e_msg_free(m);
            return -1;
        }
        size_t n = zmq_msg_size(&z);
        if (frame == 0) {
            size_t t = n < sizeof m->topic - 1 ? n : sizeof m->topic - 1;
            memcpy(m->topic, zmq_msg_data(&z), t);
            m->topic[t] = '\0';
        } else if (frame == 1 && n <= E2E_MAX_BODY) {
            m->body = malloc(n ? n : 1);
            if (m->body != NULL) {
                memcpy(m->body, zmq_msg_data(&z), n);
                m->len = n;
            }
        }
        m->frames++;
        int more = zmq_msg_more(&z);
        zmq_msg_close(&z);
        if (!more) {
            return 0;
        }
    }
    e2e_msg_free(m);
    return -1;
}

void e2e_msg_free(e2e_msg_t *m) {
    free(m->body);
    m->body = NULL;
    m->len = 0;
}

const char *e2e_json_str(const char *line, const char *key, char *buf, size_t cap) {
    char pat[96];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(line, pat);
    buf[0] = '\0';
    if (!p)
        return buf;
    p += strlen(pat);
    size_t n = 0;
    while (p[n] && p[n] != '"' && n + 1 < cap)
        n++;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

e2e_run_t e2e_run(char *const argv[], int timeout_ms) {
    e2e_run_t r = {.code = -1};
    e2e_proc_t p = {0};
    if (e2e_spawn(&p, argv) != 0)
        return r;
    r.code = e2e_wait(&p, timeout_ms);
    r.out = e2e_slurp(p.out_path, NULL);
    r.err = e2e_slurp(p.err_path, NULL);
    e2e_cleanup(&p);
    return r;
}

void e2e_run_free(e2e_run_t *r) {
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}
