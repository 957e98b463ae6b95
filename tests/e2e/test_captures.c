/* test_captures.c: the vleo-sim captures bundled in captures/ (issue 6 items 4 and 5). Each is
 * exactly what vleo-sim writes today for its bundled scenario (capture and space-weather
 * file, byte for byte: same scenario and seed, same bytes), and vleo-replay makes of it
 * exactly the alerts captures/expected-alerts.tsv lists: the same ids, the same highest
 * severities, raised within 10 minutes and cleared within 20 minutes of the listed times;
 * the nominal capture none. Real programs, real files. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "vleo/timescale.h"

#define SIM VLEO_SIM_BIN_DIR "/vleo-sim"
#define REPLAY VLEO_MON_BIN_DIR "/vleo-replay"
#define CAPTURES VLEO_SOURCE_DIR "/captures"
#define SCENARIOS VLEO_SOURCE_DIR "/sim/scenarios"
#define RAISE_TOLERANCE_S 600
#define CLEAR_TOLERANCE_S 1200
#define MAX_ROWS 128
#define MAX_ALERTS 256
#define FIELD 96

typedef struct {
    char capture[FIELD], config[FIELD], id[FIELD], severity[FIELD], raised[FIELD], cleared[FIELD];
} row_t;

static size_t read_rows(row_t *rows) {
    char *text = e2e_slurp(CAPTURES "/expected-alerts.tsv", NULL);
    cr_assert_not_null(text, "captures/expected-alerts.tsv unreadable");
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        cr_assert_lt(n, (size_t)MAX_ROWS);
        row_t *r = &rows[n++];
        char *f[6] = {r->capture, r->config, r->id, r->severity, r->raised, r->cleared};
        const char *p = line;
        for (int k = 0; k < 6; k++) {
            size_t len = strcspn(p, "\t");
            cr_assert_lt(len, (size_t)FIELD, "field too long: %s", line);
            memcpy(f[k], p, len);
            f[k][len] = '\0';
            cr_assert(k == 5 || p[len] == '\t', "expected 6 tab-separated fields: %s", line);
            p += len + (p[len] == '\t');
        }
    }
    free(text);
    return n;
}

/* The distinct captures, in file order. */
static size_t captures_of(const row_t *rows, size_t n, const char **out) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t k = 0; k < m; k++)
            seen |= strcmp(out[k], rows[i].capture) == 0;
        if (!seen)
            out[m++] = rows[i].capture;
    }
    return m;
}

static int64_t iso_s(const char *s) {
    int64_t ns = 0;
    cr_assert_eq(vleo_parse_iso8601(s, &ns), 0, "bad time %s", s);
    return ns / 1000000000LL;
}

static bool same_file(const char *a, const char *b) {
    size_t la = 0, lb = 0;
    char *x = e2e_slurp(a, &la), *y = e2e_slurp(b, &lb);
    bool same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static int run(char *const argv[], int timeout_ms) {
    e2e_proc_t p = {0};
    cr_assert_eq(e2e_spawn(&p, argv), 0, "%s", argv[0]);
    int rc = e2e_wait(&p, timeout_ms);
    if (rc != 0) {
        char *err = e2e_slurp(p.err_path, NULL);
        cr_log_error("%s exited %d: %s", argv[0], rc, err ? err : "");
        free(err);
    }
    e2e_cleanup(&p);
    return rc;
}

/* Every bundled scenario has a capture, and every capture is listed. */
Test(captures, every_bundled_scenario_has_a_listed_capture) {
    static row_t rows[MAX_ROWS];
    size_t n = read_rows(rows);
    const char *caps[MAX_ROWS];
    size_t m = captures_of(rows, n, caps);
    DIR *d = opendir(SCENARIOS);
    cr_assert_not_null(d);
    size_t scenarios = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        scenarios++;
        bool listed = false;
        for (size_t k = 0; k < m; k++)
            listed |= strlen(caps[k]) == len - 5 && strncmp(caps[k], e->d_name, len - 5) == 0;
        cr_expect(listed, "sim/scenarios/%s has no row in captures/expected-alerts.tsv", e->d_name);
    }
    closedir(d);
    cr_expect_eq(scenarios, m, "%zu scenarios, %zu listed captures", scenarios, m);
    cr_expect_eq(m, 7);
}

Test(captures, are_what_vleo_sim_writes_today, .timeout = 240) {
    static row_t rows[MAX_ROWS];
    size_t n = read_rows(rows);
    const char *caps[MAX_ROWS];
    size_t m = captures_of(rows, n, caps);
    char pcap[96], csv[96];
    snprintf(pcap, sizeof pcap, "/tmp/vleo-captest-%d.pcap", (int)getpid());
    snprintf(csv, sizeof csv, "/tmp/vleo-captest-%d.csv", (int)getpid());
    for (size_t k = 0; k < m; k++) {
        char scen[256], want_pcap[256], want_csv[256];
        snprintf(scen, sizeof scen, SCENARIOS "/%s.yaml", caps[k]);
        snprintf(want_pcap, sizeof want_pcap, CAPTURES "/%s.pcap", caps[k]);
        snprintf(want_csv, sizeof want_csv, CAPTURES "/%s-spacewx.csv", caps[k]);
        char *argv[] = {SIM, "--scenario", scen, "--out", pcap, "--space-weather",
                        csv, "--quiet",    NULL};
        cr_assert_eq(run(argv, 120000), 0, "%s", caps[k]);
        cr_expect(same_file(pcap, want_pcap),
                  "captures/%s.pcap differs from what vleo-sim writes: rerun "
                  "captures/make_sim_captures.sh",
                  caps[k]);
        cr_expect(same_file(csv, want_csv), "captures/%s-spacewx.csv differs", caps[k]);
    }
    unlink(pcap);
    unlink(csv);
}

typedef struct {
    char id[FIELD], severity[16];
    int64_t raised_s, cleared_s; /* cleared_s 0: active at the end */
    int raises;
} got_t;

static size_t collect(const char *jsonl, got_t *got) {
    size_t n = 0;
    for (const char *line = jsonl; line && *line;) {
        const char *nl = strchr(line, '\n');
        char id[FIELD], state[16], sev[16], t[64];
        e2e_json_str(line, "id", id, sizeof id);
        e2e_json_str(line, "state", state, sizeof state);
        e2e_json_str(line, "severity", sev, sizeof sev);
        e2e_json_str(line, "time", t, sizeof t);
        got_t *g = NULL;
        for (size_t k = 0; k < n; k++)
            if (strcmp(got[k].id, id) == 0)
                g = &got[k];
        if (!g) {
            cr_assert_lt(n, (size_t)MAX_ALERTS);
            g = &got[n++];
            memset(g, 0, sizeof *g);
            snprintf(g->id, sizeof g->id, "%s", id);
            snprintf(g->severity, sizeof g->severity, "%s", sev);
        }
        if (strcmp(sev, "critical") == 0)
            snprintf(g->severity, sizeof g->severity, "critical");
        if (strcmp(state, "raised") == 0) {
            g->raised_s = iso_s(t);
            g->raises++;
        } else if (strcmp(state, "cleared") == 0) {
            g->cleared_s = iso_s(t);
        }
        line = nl ? nl + 1 : NULL;
    }
    return n;
}

Test(captures, replay_gives_exactly_the_listed_alerts, .timeout = 240) {
    static row_t rows[MAX_ROWS];
    static got_t got[MAX_ALERTS];
    size_t n = read_rows(rows);
    const char *caps[MAX_ROWS];
    size_t m = captures_of(rows, n, caps);
    char alerts[96];
    snprintf(alerts, sizeof alerts, "/tmp/vleo-captest-%d.jsonl", (int)getpid());
    size_t checked = 0;
    for (size_t k = 0; k < m; k++) {
        const row_t *first = NULL;
        size_t want = 0;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(rows[i].capture, caps[k]) != 0)
                continue;
            first = first ? first : &rows[i];
            want += strcmp(rows[i].id, "-") != 0;
        }
        char pcap[256], cfg[256], sw[256];
        snprintf(pcap, sizeof pcap, CAPTURES "/%s.pcap", caps[k]);
        snprintf(cfg, sizeof cfg, CAPTURES "/%s", first->config);
        snprintf(sw, sizeof sw, CAPTURES "/%s-spacewx.csv", caps[k]);
        char *argv[] = {REPLAY,        pcap,  "--mdb",           CAPTURES "/vleo-sim.xml",
                        "--config",    cfg,   "--space-weather", sw,
                        "--time-code", "cuc", "--alerts",        alerts,
                        "--quiet",     NULL};
        cr_assert_eq(run(argv, 120000), 0, "%s", caps[k]);
        char *jsonl = e2e_slurp(alerts, NULL);
        cr_assert_not_null(jsonl);
        size_t have = collect(jsonl, got);
        free(jsonl);
        cr_expect_eq(have, want, "%s: %zu alerts, %zu listed", caps[k], have, want);
        for (size_t i = 0; i < n; i++) {
            const row_t *r = &rows[i];
            if (strcmp(r->capture, caps[k]) != 0 || strcmp(r->id, "-") == 0)
                continue;
            const got_t *g = NULL;
            for (size_t j = 0; j < have; j++)
                if (strcmp(got[j].id, r->id) == 0)
                    g = &got[j];
            cr_expect_not_null(g, "%s: %s not raised", caps[k], r->id);
            if (!g)
                continue;
            checked++;
            cr_expect_eq(g->raises, 1, "%s: %s", caps[k], r->id);
            cr_expect_str_eq(g->severity, r->severity, "%s: %s", caps[k], r->id);
            int64_t dr = g->raised_s - iso_s(r->raised);
            cr_expect(dr >= -RAISE_TOLERANCE_S && dr <= RAISE_TOLERANCE_S,
                      "%s: %s raised %+lld s from %s", caps[k], r->id, (long long)dr, r->raised);
            if (strcmp(r->cleared, "active") == 0) {
                cr_expect_eq(g->cleared_s, 0, "%s: %s should be active at the end", caps[k], r->id);
            } else {
                cr_expect_neq(g->cleared_s, 0, "%s: %s never cleared", caps[k], r->id);
                int64_t dc = g->cleared_s - iso_s(r->cleared);
                cr_expect(dc >= -CLEAR_TOLERANCE_S && dc <= CLEAR_TOLERANCE_S,
                          "%s: %s cleared %+lld s from %s", caps[k], r->id, (long long)dc,
                          r->cleared);
            }
        }
    }
    cr_expect_eq(checked, 20);
    unlink(alerts);
}
