/* vleo_sim_main.c: vleo-sim, a scenario's telemetry as CCSDS space packets in a
 * pcap file or live over UDP / TCP (DESIGN section 6, issue 6; scenario files
 * per sim/scenario.h, packets per sim/telemetry.h and sim/vleo-sim.xml). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/physics.h"
#include "sim/scenario.h"
#include "sim/swfile.h"
#include "sim/telemetry.h"
#include "vleo/cli.h"
#include "vleo/log.h"
#include "vleo/timescale.h"

#ifndef VLEO_SIM_SCENARIO_DIR
#define VLEO_SIM_SCENARIO_DIR "sim/scenarios"
#endif

#define MAX_SPEED 1e9
#define MAX_DURATION_H (366.0 * 24.0)
#define MAX_LIST 256

static const char usage_text[] =
    "usage: vleo-sim --scenario NAME|FILE (--out FILE.pcap | --udp HOST:PORT | "
    "--tcp HOST:PORT)\n"
    "                [options]\n"
    "Simulate a VLEO spacecraft through a scenario (orbit with drag and "
    "thrust, power, faults)\n"
    "and write its telemetry as CCSDS space packets: GNSS navigation (APID "
    "100), propulsion\n"
    "(200) and power (300) housekeeping with CUC time (P-field 0x1E, TAI "
    "1958), idle packets\n"
    "(0x7FF). The mission database is sim/vleo-sim.xml; decode with\n"
    "  vleo-decoder --pcap FILE.pcap --mdb sim/vleo-sim.xml --time-code cuc\n"
    "  --scenario NAME|FILE   a bundled scenario (see --list) or a scenario "
    "YAML file (a name\n"
    "                         with '/' or ending in .yaml)\n"
    "  --out FILE.pcap        write a capture (Ethernet/IPv4/UDP "
    "10.7.0.2:50000 ->\n"
    "                         10.7.0.10:1235, capture time = packet time)\n"
    "  --udp HOST:PORT        send one UDP datagram per packet\n"
    "  --tcp HOST:PORT        connect and send the packets back to back\n"
    "  --speed X              X times the recorded pace, 0 = as fast as "
    "possible (default: 0\n"
    "                         for --out, 1 for --udp and --tcp)\n"
    "  --realtime             the same as --speed 1\n"
    "  --space-weather CSV    also write the scenario's space weather as "
    "CelesTrak's CSV (for\n"
    "                         vleo-monitor / vleo-replay --space-weather)\n"
    "  --seed N               noise seed, 0..18446744073709551615 (default: "
    "the scenario's)\n"
    "  --duration-h H         run H hours instead of the scenario's duration\n"
    "  --framing spp          space packets (the only framing so far: TM/AOS "
    "transfer frames\n"
    "                         and CADUs come with the frames issue)\n"
    "  --list                 list the bundled scenarios with what happens in "
    "each\n"
    "  --progress, --no-progress  simulated time, altitude, battery and "
    "packets on stderr\n"
    "                         (default: when stderr is a terminal)\n"
    "  --quiet                no progress and no summary\n"
    "  --help, --version\n"
    "Same scenario and seed, same bytes. Exit status: 0 success, 1 runtime "
    "failure (output,\n"
    "network), 2 usage or scenario error (FILE:LINE: key: what), 3 scenario "
    "file unreadable.\n";

typedef struct {
    const char *scenario;
    sim_out_kind_t out_kind;
    const char *target;
    bool have_speed;
    double speed;
    const char *sw_path;
    bool have_seed;
    uint64_t seed;
    bool have_duration;
    double duration_h;
    bool list;
    bool progress;
    bool quiet;
} opts_t;

enum {
    O_SCENARIO = 256,
    O_OUT,
    O_UDP,
    O_TCP,
    O_SPEED,
    O_REALTIME,
    O_SW,
    O_SEED,
    O_DURATION,
    O_FRAMING,
    O_LIST,
    O_PROGRESS,
    O_NOPROGRESS,
    O_QUIET,
    O_HELP,
    O_VERSION,
};

static const struct option long_opts[] = {
    {"scenario", required_argument, 0, O_SCENARIO},
    {"out", required_argument, 0, O_OUT},
    {"udp", required_argument, 0, O_UDP},
    {"tcp", required_argument, 0, O_TCP},
    {"speed", required_argument, 0, O_SPEED},
    {"realtime", no_argument, 0, O_REALTIME},
    {"space-weather", required_argument, 0, O_SW},
    {"seed", required_argument, 0, O_SEED},
    {"duration-h", required_argument, 0, O_DURATION},
    {"framing", required_argument, 0, O_FRAMING},
    {"list", no_argument, 0, O_LIST},
    {"progress", no_argument, 0, O_PROGRESS},
    {"no-progress", no_argument, 0, O_NOPROGRESS},
    {"quiet", no_argument, 0, O_QUIET},
    {"help", no_argument, 0, O_HELP},
    {"version", no_argument, 0, O_VERSION},
    {0, 0, 0, 0},
};

/* A whole number 0 .. 2^64 - 1, digits only. */
static uint64_t parse_seed(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || strspn(s, "0123456789") != n) {
        vleo_cli_usage_error("--seed wants a whole number from 0 to 18446744073709551615, not '%s'",
                             s);
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') {
        vleo_cli_usage_error("--seed wants a whole number from 0 to 18446744073709551615, not '%s'",
                             s);
    }
    return (uint64_t)v;
}

/* HOST:PORT with a port 1..65535 after the last ':' (the library resolves the
 * host). */
static void check_hostport(const char *opt, const char *s) {
    const char *c = strrchr(s, ':');
    size_t pn = c != NULL ? strlen(c + 1) : 0;
    if (c == NULL || c == s || pn == 0 || pn > 5 || strspn(c + 1, "0123456789") != pn ||
        strtol(c + 1, NULL, 10) < 1 || strtol(c + 1, NULL, 10) > 65535) {
        vleo_cli_usage_error("%s wants HOST:PORT with a port from 1 to 65535, not '%s'", opt, s);
    }
}

static void set_target(opts_t *o, sim_out_kind_t kind, const char *opt, const char *arg) {
    if (o->target != NULL) {
        vleo_cli_usage_error("give one of --out, --udp, --tcp (%s after another)", opt);
    }
    if (arg[0] == '\0') {
        vleo_cli_usage_error("%s wants a target", opt);
    }
    if (kind != SIM_OUT_PCAP) {
        check_hostport(opt, arg);
    }
    o->out_kind = kind;
    o->target = arg;
}

/* Parse the command line. Returns -1 to go on, or an exit code (0 after
 * --help/--version). */
static int parse_args(int argc, char **argv, opts_t *o) {
    memset(o, 0, sizeof *o);
    o->progress = isatty(STDERR_FILENO) != 0;
    opterr = 0;
    for (int guard = 0; guard <= argc; guard++) {
        int prev = optind;
        int c = getopt_long(argc, argv, ":", long_opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case O_SCENARIO:
            o->scenario = optarg;
            break;
        case O_OUT:
            set_target(o, SIM_OUT_PCAP, "--out", optarg);
            break;
        case O_UDP:
            set_target(o, SIM_OUT_UDP, "--udp", optarg);
            break;
        case O_TCP:
            set_target(o, SIM_OUT_TCP, "--tcp", optarg);
            break;
        case O_SPEED:
            o->speed = vleo_cli_double("--speed", optarg, 0.0, MAX_SPEED);
            o->have_speed = true;
            break;
        case O_REALTIME:
            o->speed = 1.0;
            o->have_speed = true;
            break;
        case O_SW:
            o->sw_path = optarg;
            break;
        case O_SEED:
            o->seed = parse_seed(optarg);
            o->have_seed = true;
            break;
        case O_DURATION:
            o->duration_h = vleo_cli_double("--duration-h", optarg, 0.0, MAX_DURATION_H);
            if (!(o->duration_h > 0.0)) {
                vleo_cli_usage_error("--duration-h wants more than 0 hours, not '%s'", optarg);
            }
            o->have_duration = true;
            break;
        case O_FRAMING:
            if (strcmp(optarg, "spp") != 0) {
                vleo_cli_usage_error("--framing %s: only spp (space packets) so far; TM/AOS "
                                     "frames and CADUs come with the frames issue",
                                     optarg);
            }
            break;
        case O_LIST:
            o->list = true;
            break;
        case O_PROGRESS:
            o->progress = true;
            break;
        case O_NOPROGRESS:
            o->progress = false;
            break;
        case O_QUIET:
            o->quiet = true;
            break;
        case O_HELP:
            fputs(usage_text, stdout);
            return VLEO_EXIT_OK;
        case O_VERSION:
            printf("vleo-sim %s\n", VLEO_VERSION);
            return VLEO_EXIT_OK;
        case ':':
            vleo_cli_usage_error("%s needs a value", argv[prev]);
        default:
            vleo_cli_usage_error("unknown option '%s'", argv[prev]);
        }
    }
    if (optind < argc) {
        vleo_cli_usage_error("unexpected argument '%s'", argv[optind]);
    }
    if (o->quiet) {
        o->progress = false;
    }
    if (o->list) {
        return -1;
    }
    if (o->scenario == NULL || o->scenario[0] == '\0') {
        vleo_cli_usage_error("--scenario NAME|FILE is required");
    }
    if (o->target == NULL) {
        vleo_cli_usage_error("give --out FILE.pcap, --udp HOST:PORT or --tcp HOST:PORT");
    }
    if (!o->have_speed) {
        o->speed = o->out_kind == SIM_OUT_PCAP ? 0.0 : 1.0;
    }
    return -1;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int yaml_file(const struct dirent *d) {
    return d->d_name[0] != '.' && ends_with(d->d_name, ".yaml");
}

/* Load the scenario named on the command line. Returns -1 or the exit code of a
 * failure (the message printed). */
static int load_scenario(const char *arg, sim_scenario_t *s) {
    char path[4096];
    bool named = strchr(arg, '/') == NULL && !ends_with(arg, ".yaml") && !ends_with(arg, ".yml");
    int n = named ? snprintf(path, sizeof path, "%s/%s.yaml", VLEO_SIM_SCENARIO_DIR, arg)
                  : snprintf(path, sizeof path, "%s", arg);
    if (n < 0 || (size_t)n >= sizeof path) {
        VLEO_ERR("%s: scenario path too long", arg);
        return VLEO_EXIT_USAGE;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        int e = errno;
        if (named && e == ENOENT) {
            VLEO_ERR("no bundled scenario '%s' (in %s; see --list, or give a FILE.yaml)", arg,
                     VLEO_SIM_SCENARIO_DIR);
            return VLEO_EXIT_USAGE;
        }
        VLEO_ERR("%s: cannot read: %s", path, strerror(e));
        return VLEO_EXIT_INPUT;
    }
    fclose(f);
    char err[1024];
    if (sim_scenario_load(path, s, err, sizeof err) != 0) {
        VLEO_ERR("%s", err);
        return VLEO_EXIT_USAGE;
    }
    return -1;
}

/* --list: every bundled scenario with its description, wrapped. */
static int list_scenarios(void) {
    struct dirent **ents = NULL;
    int n = scandir(VLEO_SIM_SCENARIO_DIR, &ents, yaml_file, alphasort);
    if (n < 0) {
        VLEO_ERR("%s: cannot list: %s", VLEO_SIM_SCENARIO_DIR, strerror(errno));
        return VLEO_EXIT_RUNTIME;
    }
    int rc = VLEO_EXIT_OK;
    sim_scenario_t *s = malloc(sizeof *s);
    if (s == NULL) {
        VLEO_ERR("out of memory");
        rc = VLEO_EXIT_RUNTIME;
    }
    for (int i = 0; i < n && i < MAX_LIST && s != NULL; i++) {
        char path[4096], err[1024];
        snprintf(path, sizeof path, "%s/%s", VLEO_SIM_SCENARIO_DIR, ents[i]->d_name);
        size_t len = strlen(ents[i]->d_name) - strlen(".yaml");
        printf("%.*s\n", (int)len, ents[i]->d_name);
        if (sim_scenario_load(path, s, err, sizeof err) != 0) {
            printf("    (does not load: %s)\n", err);
            rc = VLEO_EXIT_USAGE;
            continue;
        }
        printf("    %.1f h from ", s->duration_s / 3600.0);
        char t[40];
        vleo_format_iso8601(s->start_ns, 0, t, sizeof t);
        printf("%s, %zu event(s)\n", t, s->n_events);
        /* the description, wrapped at 76 columns */
        const char *p = s->description;
        for (int lines = 0; *p != '\0' && lines < 64; lines++) {
            while (*p == ' ' || *p == '\n') {
                p++;
            }
            size_t rest = strlen(p), cut = rest;
            if (rest > 72) {
                cut = 72;
                while (cut > 0 && p[cut] != ' ') {
                    cut--;
                }
                if (cut == 0) {
                    cut = 72;
                }
            }
            if (cut > 0) {
                printf("    %.*s\n", (int)cut, p);
            }
            p += cut;
        }
    }
    for (int i = 0; i < n; i++) {
        free(ents[i]);
    }
    free(ents);
    free(s);
    return rc;
}

typedef struct {
    bool show;
    const sim_out_t *out;
    sim_truth_t last;
    bool have_last;
} progress_t;

static void on_progress(void *ctx, const sim_truth_t *t) {
    progress_t *p = ctx;
    p->last = *t;
    p->have_last = true;
    if (p->show) {
        char ts[40];
        vleo_format_iso8601(t->t_ns, 0, ts, sizeof ts);
        fprintf(stderr,
                "\r\033[K%s  alt %.2f km  SoC %.1f %%  propellant %.3f kg  %llu "
                "packets",
                ts, t->alt_km, t->soc_pct, t->propellant_kg,
                (unsigned long long)sim_out_packets(p->out));
        fflush(stderr);
    }
}

int main(int argc, char **argv) {
    vleo_log_init("vleo-sim", VLEO_LOG_INFO);
    vleo_cli_init("vleo-sim", usage_text);
    opts_t o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) {
        return rc;
    }
    if (o.list) {
        return list_scenarios();
    }
    sim_scenario_t *s = malloc(sizeof *s);
    if (s == NULL) {
        VLEO_ERR("out of memory");
        return VLEO_EXIT_RUNTIME;
    }
    rc = load_scenario(o.scenario, s);
    if (rc >= 0) {
        free(s);
        return rc;
    }
    if (o.have_seed) {
        s->seed = o.seed;
    }
    if (o.have_duration) {
        s->duration_s = o.duration_h * 3600.0;
        if (s->duration_s < s->step_s) {
            double step = s->step_s;
            free(s);
            vleo_cli_usage_error("--duration-h %g is shorter than one step (%g s)", o.duration_h,
                                 step);
        }
    }
    char err[1024];
    if (o.sw_path != NULL && sim_write_space_weather(s, o.sw_path, err, sizeof err) != 0) {
        VLEO_ERR("%s", err);
        free(s);
        return VLEO_EXIT_RUNTIME;
    }
    sim_out_t *out = sim_out_open(o.out_kind, o.target, err, sizeof err);
    if (out == NULL) {
        VLEO_ERR("%s", err);
        free(s);
        return VLEO_EXIT_RUNTIME;
    }
    progress_t pr = {.show = o.progress, .out = out};
    int64_t n = sim_run(s, out, o.speed, on_progress, &pr, err, sizeof err);
    if (o.progress && pr.have_last) {
        fputc('\n', stderr);
    }
    rc = VLEO_EXIT_OK;
    if (n < 0) {
        VLEO_ERR("%s: %s", s->name, err);
        rc = VLEO_EXIT_RUNTIME;
    }
    if (sim_out_close(&out) != 0 && rc == VLEO_EXIT_OK) {
        VLEO_ERR("%s: write failed", o.target);
        rc = VLEO_EXIT_RUNTIME;
    }
    if (rc == VLEO_EXIT_OK && !o.quiet && pr.have_last) {
        char t0[40], t1[40];
        vleo_format_iso8601(s->start_ns, 0, t0, sizeof t0);
        vleo_format_iso8601(s->start_ns + llround(s->duration_s * 1e9), 0, t1, sizeof t1);
        printf("vleo-sim: %s: %lld packets to %s, %.2f h simulated (%s to %s, seed "
               "%llu); final "
               "altitude %.3f km, SoC %.1f %%, propellant %.3f kg, %llu brownouts\n",
               s->name, (long long)n, o.target, s->duration_s / 3600.0, t0, t1,
               (unsigned long long)s->seed, pr.last.alt_km, pr.last.soc_pct, pr.last.propellant_kg,
               (unsigned long long)pr.last.brownouts);
    }
    free(s);
    return rc;
}
