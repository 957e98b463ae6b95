/* test_state_e2e.c: --state with the real programs (issue 7 item 3). vleo-replay killed
 * part-way (SIGKILL) and started again on the same capture, and vleo-monitor fed by
 * vleo-decoder over tcp://127.0.0.1, killed (SIGKILL, or stopped with SIGTERM) in the middle
 * and restarted while the decoder replays the capture again from its start: the alert JSON
 * lines of the two runs together are exactly those of one uninterrupted run, no transition
 * twice, none lost. Refused snapshots stop the programs with exit 2 and a message naming
 * the file; --state-reset starts afresh. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

#define REPLAY VLEO_MON_BIN_DIR "/vleo-replay"
#define MON VLEO_MON_BIN_DIR "/vleo-monitor"
#define DEC VLEO_BIN_DIR "/vleo-decoder"
#define CAP VLEO_SOURCE_DIR "/captures/thruster-degradation.pcap"
#define CFG VLEO_SOURCE_DIR "/captures/sim-qk1.yaml"
#define MDB VLEO_SOURCE_DIR "/captures/vleo-sim.xml"
#define SW VLEO_SOURCE_DIR "/captures/thruster-degradation-spacewx.csv"
#define JOURNAL_HEADER 16
#define JOURNAL_RECORD 144

static char state_path[96], journal_path[112], ref_path[96], a1_path[96], a2_path[96],
    cfg2_path[96];

static void mk_paths(void) {
    int pid = (int)getpid();
    snprintf(state_path, sizeof state_path, "/tmp/vleo-state-e2e-%d.snap", pid);
    snprintf(journal_path, sizeof journal_path, "%s.journal", state_path);
    snprintf(ref_path, sizeof ref_path, "/tmp/vleo-state-e2e-%d-ref.jsonl", pid);
    snprintf(a1_path, sizeof a1_path, "/tmp/vleo-state-e2e-%d-a1.jsonl", pid);
    snprintf(a2_path, sizeof a2_path, "/tmp/vleo-state-e2e-%d-a2.jsonl", pid);
    snprintf(cfg2_path, sizeof cfg2_path, "/tmp/vleo-state-e2e-%d.yaml", pid);
    unlink(state_path);
    unlink(journal_path);
}

static void rm_paths(void) {
    const char *p[] = {state_path, journal_path, ref_path, a1_path, a2_path, cfg2_path};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        unlink(p[i]);
}

/* Run vleo-replay on the capture with extra arguments (NULL-terminated, at most 12); returns
 * the exit code (-2: a signal) and its stdout and stderr (caller frees). */
static int replay(char *const *extra, char **out, char **err, int *status) {
    char *argv[40] = {REPLAY,        CAP,   "--config",        CFG,
                      "--mdb",       MDB,   "--space-weather", SW,
                      "--time-code", "cuc", "--no-progress"};
    size_t n = 11;
    for (size_t i = 0; extra[i]; i++) {
        cr_assert_lt(n, 38);
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    e2e_proc_t p = {0};
    cr_assert_eq(e2e_spawn(&p, argv), 0);
    int rc = e2e_wait(&p, 120000);
    if (status)
        *status = p.status;
    if (out)
        *out = e2e_slurp(p.out_path, NULL);
    if (err)
        *err = e2e_slurp(p.err_path, NULL);
    e2e_cleanup(&p);
    return rc;
}

/* The uninterrupted run's alert lines. */
static char *reference(void) {
    char *argv[] = {"--alerts", ref_path, "--quiet", NULL};
    cr_assert_eq(replay(argv, NULL, NULL, NULL), 0);
    size_t len;
    char *ref = e2e_slurp(ref_path, &len);
    cr_assert_not_null(ref);
    cr_assert_eq(e2e_count_lines(ref), 18, "the capture's 3 raises, 14 updates, 1 clear");
    return ref;
}

static long file_size(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

/* The number in out after `prefix` (e.g. "skipped as"): the first run of digits after it. */
static long number_before(const char *out, const char *suffix) {
    const char *s = strstr(out, suffix);
    cr_assert_not_null(s, "no '%s' in: %s", suffix, out);
    while (s > out && s[-1] == ' ')
        s--;
    const char *e = s;
    while (s > out && s[-1] >= '0' && s[-1] <= '9')
        s--;
    cr_assert_lt(s, e, "no number before '%s'", suffix);
    return strtol(s, NULL, 10);
}

Test(state_e2e, replay_killed_part_way_and_restarted_sends_each_transition_once, .timeout = 240) {
    mk_paths();
    char *ref = reference();

    /* Run 1: snapshots every hour of packet time; a crash after 3000 of 5904 packets. */
    char *a1_argv[] = {"--state", state_path, "--state-interval",      "3600", "--alerts",
                       a1_path,   "--quiet",  "--crash-after-packets", "3000", NULL};
    int status = 0;
    char *out = NULL, *err = NULL;
    cr_assert_eq(replay(a1_argv, &out, &err, &status), -2, "%s", err);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    free(out);
    free(err);
    char *a1 = e2e_slurp(a1_path, NULL);
    cr_assert_not_null(a1);
    size_t n1 = e2e_count_lines(a1);
    cr_assert(n1 >= 1 && n1 < 18, "killed part-way: %zu lines", n1);
    long jsize = file_size(journal_path);
    cr_assert_gt(jsize, JOURNAL_HEADER, "events sent after the last snapshot are journaled");
    cr_assert_eq((jsize - JOURNAL_HEADER) % JOURNAL_RECORD, 0);
    long journaled = (jsize - JOURNAL_HEADER) / JOURNAL_RECORD;

    /* Run 2: the same capture from its start, the same state. */
    char *a2_argv[] = {"--state", state_path, "--state-interval", "3600", "--alerts",
                       a2_path,   NULL};
    cr_assert_eq(replay(a2_argv, &out, &err, NULL), 0, "%s", err);
    cr_assert(strstr(err, "resumed at 2026-03-01T12:00:00Z") != NULL, "%s", err);
    cr_assert_eq(number_before(out, "alert events not sent again"), journaled, "%s", out);
    long skipped = number_before(out, "packets skipped as processed before it");
    cr_assert(skipped > 2000 && skipped < 3000, "%ld packets skipped", skipped);
    cr_assert(strstr(out, "alerts: 3 raised, 14 updated, 1 cleared, 2 active at the end") != NULL,
              "the counters go on from the snapshot: %s", out);
    free(out);
    free(err);
    char *a2 = e2e_slurp(a2_path, NULL);
    cr_assert_not_null(a2);
    size_t l1 = strlen(a1), l2 = strlen(a2);
    char *both = malloc(l1 + l2 + 1);
    memcpy(both, a1, l1);
    memcpy(both + l1, a2, l2 + 1);
    cr_assert_str_eq(both, ref, "the two runs' alert lines are the uninterrupted run's");

    /* Run 3: after a clean end, the capture again: nothing new, nothing repeated. */
    cr_assert_eq(replay(a2_argv, &out, &err, NULL), 0, "%s", err);
    free(a2);
    a2 = e2e_slurp(a2_path, NULL);
    cr_assert_str_eq(a2, "", "no alert twice");
    cr_assert(strstr(out, "alerts: 3 raised, 14 updated, 1 cleared, 2 active at the end") != NULL,
              "%s", out);
    free(out);
    free(err);
    free(both);
    free(a1);
    free(a2);
    free(ref);
    rm_paths();
}

Test(state_e2e, refused_snapshots_stop_with_exit_2_and_state_reset_starts_afresh, .timeout = 240) {
    mk_paths();
    char *ref = reference();
    char *argv[] = {"--state", state_path, "--alerts", a1_path, "--quiet", NULL};
    char *out = NULL, *err = NULL;
    cr_assert_eq(replay(argv, &out, &err, NULL), 0, "%s", err);
    char want[512];
    snprintf(want, sizeof want, "vleo-replay: info: state %s: no snapshot yet, starting afresh\n",
             state_path);
    cr_assert_str_eq(err, want);
    free(out);
    free(err);

    /* Another configuration (one more comment line): refused. */
    char *text = e2e_slurp(CFG, NULL);
    cr_assert_not_null(text);
    FILE *f = fopen(cfg2_path, "w");
    cr_assert_not_null(f);
    fprintf(f, "# edited\n%s", text);
    fclose(f);
    free(text);
    char *argv2[] = {
        REPLAY, CAP,           "--config", cfg2_path, "--mdb",    MDB,       "--space-weather",
        SW,     "--time-code", "cuc",      "--state", state_path, "--quiet", NULL};
    e2e_proc_t p = {0};
    cr_assert_eq(e2e_spawn(&p, argv2), 0);
    cr_assert_eq(e2e_wait(&p, 60000), 2);
    err = e2e_slurp(p.err_path, NULL);
    snprintf(want, sizeof want,
             "vleo-replay: error: --state %s: written under another configuration", state_path);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "%s", err);
    cr_assert(strstr(err, "(--state-reset discards it and starts afresh)\n") != NULL, "%s", err);
    free(err);
    e2e_cleanup(&p);

    /* A damaged snapshot: refused, and vleo-monitor refuses it the same way. */
    f = fopen(state_path, "r+b");
    cr_assert_not_null(f);
    fseek(f, 200, SEEK_SET);
    fputc(0x5a, f);
    fclose(f);
    cr_assert_eq(replay(argv, &out, &err, NULL), 2);
    snprintf(want, sizeof want,
             "vleo-replay: error: --state %s: corrupt: payload CRC mismatch (--state-reset "
             "discards it and starts afresh)\n",
             state_path);
    cr_assert_str_eq(err, want);
    free(out);
    free(err);
    char *margv[] = {MON, "--config", CFG, "--pub", "none", "--state", state_path, NULL};
    cr_assert_eq(e2e_spawn(&p, margv), 0);
    cr_assert_eq(e2e_wait(&p, 30000), 2);
    err = e2e_slurp(p.err_path, NULL);
    snprintf(want, sizeof want,
             "vleo-monitor: error: --state %s: corrupt: payload CRC mismatch (--state-reset "
             "discards it and starts afresh)\n",
             state_path);
    cr_assert_str_eq(err, want);
    free(err);
    e2e_cleanup(&p);

    /* --state-reset: from scratch, the whole run's alerts again. */
    char *argv3[] = {"--state", state_path, "--state-reset", "--alerts", a2_path, "--quiet", NULL};
    cr_assert_eq(replay(argv3, &out, &err, NULL), 0, "%s", err);
    snprintf(want, sizeof want,
             "vleo-replay: info: state %s: discarded (--state-reset), starting afresh\n",
             state_path);
    cr_assert_str_eq(err, want);
    char *a2 = e2e_slurp(a2_path, NULL);
    cr_assert_str_eq(a2, ref);
    free(a2);
    free(out);
    free(err);
    free(ref);
    rm_paths();
}

/* vleo-monitor on a live feed: the decoder replays the capture at 7200 times its pace; the
 * monitor is stopped with `sig` once it has sent five alert events, then started again with
 * the same state while a new decoder replays the capture from its start at full speed. */
static void live_restart(int sig) {
    mk_paths();
    char *ref = reference();
    int p1 = e2e_free_port(SOCK_STREAM), p2 = e2e_free_port(SOCK_STREAM);
    cr_assert(p1 > 0 && p2 > 0 && p1 != p2);
    char ep1[64], ep2[64];
    snprintf(ep1, sizeof ep1, "tcp://127.0.0.1:%d", p1);
    snprintf(ep2, sizeof ep2, "tcp://127.0.0.1:%d", p2);
    /* Both runs append to one alerts file. */
    char *m1argv[] = {MON,
                      "--config",
                      CFG,
                      "--space-weather",
                      SW,
                      "--sub",
                      ep1,
                      "--pub",
                      "none",
                      "--packet-clock",
                      "--state",
                      state_path,
                      "--state-interval",
                      "3600",
                      "--alerts",
                      a1_path,
                      NULL};
    e2e_proc_t mon = {0}, dec = {0};
    cr_assert_eq(e2e_spawn(&mon, m1argv), 0);
    char *d1argv[] = {DEC,       "--pcap",      CAP,       "--mdb", MDB, "--spacecraft",
                      "QK1",     "--time-code", "cuc",     "--pub", ep1, "--no-drop",
                      "--speed", "7200",        "--quiet", NULL};
    cr_assert_eq(e2e_spawn(&dec, d1argv), 0);
    size_t n1 = 0;
    int64_t deadline = e2e_mono_ms() + 60000;
    while (e2e_mono_ms() < deadline) {
        char *a = e2e_slurp(a1_path, NULL);
        n1 = a ? e2e_count_lines(a) : 0;
        free(a);
        if (n1 >= 5)
            break;
        e2e_sleep_ms(20);
    }
    cr_assert_geq(n1, 5, "the monitor sent %zu alert events within 60 s", n1);
    cr_assert_eq(e2e_signal(&mon, sig), 0);
    int mrc = e2e_wait(&mon, 30000);
    char *merr = e2e_slurp(mon.err_path, NULL);
    if (sig == SIGKILL)
        cr_assert(mrc == -2 && WTERMSIG(mon.status) == SIGKILL);
    else
        cr_assert_eq(mrc, 0, "vleo-monitor after SIGTERM: %s", merr ? merr : "");
    free(merr);
    e2e_cleanup(&dec);
    e2e_cleanup(&mon);
    char *a = e2e_slurp(a1_path, NULL);
    n1 = e2e_count_lines(a);
    free(a);
    cr_assert_lt(n1, 18, "stopped part-way (%zu lines)", n1);
    long jsize = file_size(journal_path);
    cr_assert_geq(jsize, JOURNAL_HEADER);
    long journaled = (jsize - JOURNAL_HEADER) / JOURNAL_RECORD;
    if (sig != SIGKILL)
        cr_assert_eq(journaled, 0, "a clean stop leaves nothing to hold back");

    char *m2argv[] = {MON,
                      "--config",
                      CFG,
                      "--space-weather",
                      SW,
                      "--sub",
                      ep2,
                      "--pub",
                      "none",
                      "--packet-clock",
                      "--state",
                      state_path,
                      "--state-interval",
                      "3600",
                      "--alerts",
                      a1_path,
                      "--exit-on-final",
                      NULL};
    cr_assert_eq(e2e_spawn(&mon, m2argv), 0);
    char *d2argv[] = {DEC,           "--pcap", CAP,     "--mdb", MDB,         "--spacecraft", "QK1",
                      "--time-code", "cuc",    "--pub", ep2,     "--no-drop", "--quiet",      NULL};
    cr_assert_eq(e2e_spawn(&dec, d2argv), 0);
    cr_assert_eq(e2e_wait(&dec, 60000), 0);
    mrc = e2e_wait(&mon, 30000);
    merr = e2e_slurp(mon.err_path, NULL);
    cr_assert_eq(mrc, 0, "vleo-monitor: %s", merr ? merr : "");
    cr_assert(strstr(merr, "resumed at 2026-03-01T") != NULL, "%s", merr);
    cr_assert_eq(number_before(merr, "alert events not sent again"), journaled, "%s", merr);
    cr_assert_gt(number_before(merr, "before the snapshot"), 1000, "%s", merr);
    cr_assert(strstr(merr, "alerts 3 raised, 14 updated, 1 cleared, 2 active") != NULL, "%s", merr);
    free(merr);
    a = e2e_slurp(a1_path, NULL);
    cr_assert_str_eq(a, ref, "the two runs' alert lines are the uninterrupted run's");
    free(a);
    free(ref);
    e2e_cleanup(&dec);
    e2e_cleanup(&mon);
    rm_paths();
}

Test(state_e2e, live_monitor_killed_and_restarted_sends_each_transition_once, .timeout = 240) {
    live_restart(SIGKILL);
}

Test(state_e2e, live_monitor_stopped_by_sigterm_saves_and_resumes, .timeout = 240) {
    live_restart(SIGTERM);
}
