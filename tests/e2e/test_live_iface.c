/* test_live_iface.c: vleo-decoder --iface lo with a BPF --filter, live capture end to end
 * (packets sent over real UDP on 127.0.0.1, decoded JSON lines read back). Needs root. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netbuild.h"

extern char **environ;

static void sleep_ms(long ms) {
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

/* Count lines of path holding "\"apid\":321,\"seq\":<seq>," for each seq below n. */
static int seen(const char *path, int *hits, int n) {
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        return 0;
    }
    char line[2048];
    int lines = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        for (int s = 0; s < n; s++) {
            char key[64];
            snprintf(key, sizeof key, "\"apid\":321,\"seq\":%d,", s);
            if (strstr(line, key) != NULL) {
                hits[s]++;
            }
        }
        lines++;
    }
    fclose(fp);
    return lines;
}

Test(live_iface, capture_on_loopback_with_filter, .timeout = 60) {
    if (geteuid() != 0) {
        cr_skip_test("live capture needs root (CI runs as root)");
    }
    /* A free UDP port: bind to 0, read it back, keep the socket so nobody else takes it. */
    int rx = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(rx, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(rx, (struct sockaddr *)&a, &al);
    int port = ntohs(a.sin_port);

    char out[64], errp[64], filter[64];
    snprintf(out, sizeof out, "/tmp/vleo-iface-%d.out", (int)getpid());
    snprintf(errp, sizeof errp, "/tmp/vleo-iface-%d.err", (int)getpid());
    snprintf(filter, sizeof filter, "udp dst port %d", port);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char *argv[] = {VLEO_BIN_DIR "/vleo-decoder",
                    "--iface",
                    "lo",
                    "--filter",
                    filter,
                    "--pub",
                    "none",
                    "--json",
                    "--stats-interval",
                    "0.1",
                    NULL};
    pid_t pid;
    cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);

    int tx = socket(AF_INET, SOCK_DGRAM, 0);
    uint8_t pkt[64];
    /* Warm up: send a probe (APID 320) until the capture shows it, at most 10 s. */
    int hits[50] = {0};
    bool up = false;
    for (int i = 0; i < 200 && !up; i++) {
        size_t n = nb_spp(320, 0, false, 3, (uint16_t)i, NULL, 8, pkt, sizeof pkt);
        sendto(tx, pkt, n, 0, (struct sockaddr *)&a, sizeof a);
        sleep_ms(50);
        up = seen(out, hits, 0) > 0;
    }
    cr_assert(up, "the live capture never showed a packet");
    /* Datagrams to another port must be filtered out. */
    struct sockaddr_in other = a;
    other.sin_port = htons((uint16_t)(port == 65535 ? port - 1 : port + 1));
    for (int s = 0; s < 50; s++) {
        size_t n = nb_spp(321, 0, false, 3, (uint16_t)s, NULL, 12, pkt, sizeof pkt);
        cr_assert_eq(sendto(tx, pkt, n, 0, (struct sockaddr *)&a, sizeof a), (ssize_t)n);
        size_t m = nb_spp(999, 0, false, 3, (uint16_t)s, NULL, 12, pkt, sizeof pkt);
        sendto(tx, pkt, m, 0, (struct sockaddr *)&other, sizeof other);
        sleep_ms(2);
    }
    sleep_ms(500);
    kill(pid, SIGTERM);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "decoder exit status %d", st);
    memset(hits, 0, sizeof hits);
    seen(out, hits, 50);
    for (int s = 0; s < 50; s++) {
        cr_assert_eq(hits[s], 1, "seq %d seen %d times", s, hits[s]);
    }
    FILE *fp = fopen(out, "r");
    char line[2048];
    while (fgets(line, sizeof line, fp) != NULL) {
        cr_assert_null(strstr(line, "\"apid\":999"), "filtered port leaked: %s", line);
    }
    fclose(fp);
    close(tx);
    close(rx);
    unlink(out);
    unlink(errp);
}
