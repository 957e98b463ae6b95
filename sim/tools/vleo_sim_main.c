/* vleo_sim_main.c: vleo-sim, a scenario's telemetry as CCSDS space packets, bare or in
 * TM/AOS transfer frames or CADUs, in a pcap file or live over UDP / TCP (DESIGN section 6,
 * issue 6; scenario files per sim/scenario.h, packets per sim/telemetry.h and
 * sim/vleo-sim.xml, frames per sim/framer.h; frame settings named as vleo-decoder's,
 * dec/channel.h). */
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

#include "dec/channel.h"
#include "sim/framer.h"
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
#define DEFAULT_SCID 0x2A
#define DEFAULT_VCID 1
#define CLCW_COP1 (1u << 24) /* CLCW (232.0-B-4 4.2): COP in effect = 1; VCID in bits 8-13 */
#define CLCW_VCID_SHIFT 18

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
    "(0x7FF), bare or in TM/AOS transfer frames or CADUs. The mission database is\n"
    "sim/vleo-sim.xml; decode with the same frame options (or channel file):\n"
    "  vleo-decoder --pcap FILE.pcap --mdb sim/vleo-sim.xml --time-code cuc\n"
    "  --scenario NAME|FILE   a bundled scenario (see --list) or a scenario "
    "YAML file (a name\n"
    "                         with '/' or ending in .yaml)\n"
    "  --out FILE.pcap        write a capture (Ethernet/IPv4/UDP "
    "10.7.0.2:50000 ->\n"
    "                         10.7.0.10:1235, capture time = packet time)\n"
    "  --udp HOST:PORT        send one UDP datagram per packet (framed: per frame "
    "or CADU)\n"
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
    "  --framing F            spp (space packets, default), tm or aos (transfer "
    "frames of one\n"
    "                         virtual channel: one per pcap record or datagram, "
    "back to back\n"
    "                         on TCP), cadu (ASM + codeblock, likewise)\n"
    "  --frame-type tm|aos    the frames inside CADUs (default tm)\n"
    "  --frame-length N       frame octets without ASM and RS check symbols "
    "(default 1115)\n"
    "  --rs-interleave I      Reed-Solomon (255,223) interleave 1-5 or 8; 0 = "
    "none (default 5)\n"
    "  --no-derandomize       CADUs are not randomised\n"
    "  --fecf                 frames end with a CRC-16 FECF\n"
    "  --ocf                  frames carry a 4-octet OCF (a CLCW; TM: header "
    "flag set)\n"
    "  --fhec                 AOS frames carry a 2-octet header error control "
    "field (zero)\n"
    "  --insert-zone N        AOS insert zone octets\n"
    "  --channel FILE         the frame settings from a vleo-decoder channel file "
    "(key = value\n"
    "                         lines; receiver-only keys are accepted and unused); "
    "options\n"
    "                         after it override it\n"
    "  --scid N               spacecraft id in the frames: TM 0-1023, AOS 0-255 "
    "(default 42)\n"
    "  --vcid N               virtual channel of the packets: TM 0-7, AOS 0-62 "
    "(default 1)\n"
    "  --list                 list the bundled scenarios with what happens in "
    "each\n"
    "  --progress, --no-progress  simulated time, altitude, battery and "
    "packets on stderr\n"
    "                         (default: when stderr is a terminal)\n"
    "  --quiet                no progress and no summary\n"
    "  --help, --version\n"
    "Frames: the last one, one before a telemetry gap and, when paced, one "
    "waiting 1 s of\n"
    "wall time for a packet are completed with an idle packet.\n"
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
    dec_pipeline_opts_t link; /* framing and frame settings, as vleo-decoder holds them */
    uint32_t scid;
    uint32_t vcid;
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
    O_CHANNEL,
    O_SCID,
    O_VCID,
    O_LIST,
    O_PROGRESS,
    O_NOPROGRESS,
    O_QUIET,
    O_HELP,
    O_VERSION,
    O_LINK, /* O_LINK + i: LINK_OPTS[i] */
};

/* The frame options: vleo-decoder's names, each set through the channel-file key of the
 * same meaning (dec_channel_set), so options and files take the same values as there. */
static const struct {
    const char *name;  /* long option */
    const char *key;   /* channel-file key */
    const char *flag;  /* the value a flag sets; NULL: the option takes a value */
    const char *range; /* what the value must be, for messages */
} LINK_OPTS[] = {
    {"framing", "framing", NULL, "spp, tm, aos or cadu"},
    {"frame-type", "frame_type", NULL, "tm or aos"},
    {"frame-length", "frame_length", NULL, "a whole number 7-65535"},
    {"rs-interleave", "rs_interleave", NULL, "0-5 or 8"},
    {"no-derandomize", "derandomize", "false", ""},
    {"fecf", "fecf", "true", ""},
    {"ocf", "ocf", "true", ""},
    {"fhec", "fhec", "true", ""},
    {"insert-zone", "insert_zone", NULL, "a whole number 0-1024"},
};
#define N_LINK_OPTS (sizeof LINK_OPTS / sizeof LINK_OPTS[0])

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
    {"channel", required_argument, 0, O_CHANNEL},
    {"scid", required_argument, 0, O_SCID},
    {"vcid", required_argument, 0, O_VCID},
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

/* The framer configuration of the options; false for bare packets. */
static bool framer_cfg(const opts_t *o, sim_framer_cfg_t *fc) {
    const dec_pipeline_opts_t *l = &o->link;
    if (l->framing == DEC_FRAMING_SPP) {
        return false;
    }
    bool aos = l->frame.kind == DEC_FRAME_AOS;
    memset(fc, 0, sizeof *fc);
    fc->chan = sim_frame_chan(aos ? SIM_FRAME_AOS : SIM_FRAME_TM, l->frame.frame_len);
    fc->chan.fecf = l->frame.fecf;
    fc->chan.ocf = l->frame.ocf;
    fc->chan.fhec = aos && l->frame.fhec;
    fc->chan.insert_zone = aos ? l->frame.insert_zone : 0;
    fc->chan.scid = (uint16_t)o->scid;
    fc->chan.vcid = (uint8_t)o->vcid;
    fc->chan.ocf_word = CLCW_COP1 | (o->vcid & 0x3Fu) << CLCW_VCID_SHIFT;
    fc->cadu = l->framing == DEC_FRAMING_CADU;
    fc->rs_interleave = l->cadu.rs_interleave;
    fc->randomize = l->cadu.derandomize;
    return true;
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

/* LINK_OPTS[i], with its value arg. */
static void set_link(opts_t *o, size_t i, const char *arg) {
    const char *value = LINK_OPTS[i].flag != NULL ? LINK_OPTS[i].flag : arg;
    if (dec_channel_set(&o->link, LINK_OPTS[i].key, value) != DEC_CH_OK) {
        vleo_cli_usage_error("--%s '%s': %s", LINK_OPTS[i].name, value, LINK_OPTS[i].range);
    }
}

/* --channel FILE: vleo-decoder's channel file (dec/channel.h). */
static void load_channel(opts_t *o, const char *path) {
    char err[600];
    int rc = dec_channel_load(path, &o->link, err, sizeof err);
    if (rc == VLEO_EXIT_INPUT) {
        VLEO_ERR("--channel %s", err);
        exit(VLEO_EXIT_INPUT);
    }
    if (rc != 0) {
        vleo_cli_usage_error("%s", err);
    }
}

/* Parse the command line. Returns -1 to go on, or an exit code (0 after
 * --help/--version). */
static int parse_args(int argc, char **argv, opts_t *o) {
    memset(o, 0, sizeof *o);
    o->progress = isatty(STDERR_FILENO) != 0;
    dec_pipeline_opts_default(&o->link);
    o->scid = DEFAULT_SCID;
    o->vcid = DEFAULT_VCID;
    /* the options: long_opts (without its terminator), LINK_OPTS, the terminator */
    const size_t n_base = sizeof long_opts / sizeof long_opts[0] - 1;
    struct option all_opts[sizeof long_opts / sizeof long_opts[0] + N_LINK_OPTS];
    memcpy(all_opts, long_opts, n_base * sizeof all_opts[0]);
    for (size_t i = 0; i < N_LINK_OPTS; i++) {
        all_opts[n_base + i] = (struct option){
            LINK_OPTS[i].name, LINK_OPTS[i].flag != NULL ? no_argument : required_argument, NULL,
            O_LINK + (int)i};
    }
    memset(&all_opts[n_base + N_LINK_OPTS], 0, sizeof all_opts[0]);
    opterr = 0;
    for (int guard = 0; guard <= argc; guard++) {
        int prev = optind;
        int c = getopt_long(argc, argv, ":", all_opts, NULL);
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
        case O_CHANNEL:
            load_channel(o, optarg);
            break;
        case O_SCID:
            o->scid = (uint32_t)vleo_cli_long("--scid", optarg, 0, 1023);
            break;
        case O_VCID:
            o->vcid = (uint32_t)vleo_cli_long("--vcid", optarg, 0, 62);
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
            if (c >= O_LINK && c < O_LINK + (int)N_LINK_OPTS) {
                set_link(o, (size_t)(c - O_LINK), optarg);
                break;
            }
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
    /* Frame settings are configuration: the decoder's checks, then the framer's own. */
    char err[256];
    sim_framer_cfg_t fc;
    if (dec_channel_check(&o->link, err, sizeof err) != 0 ||
        (framer_cfg(o, &fc) && sim_framer_cfg_check(&fc, err, sizeof err) != 0)) {
        vleo_cli_usage_error("%s", err);
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
    sim_framer_cfg_t fc;
    bool framed = framer_cfg(&o, &fc);
    if (framed && sim_out_set_framing(out, &fc, err, sizeof err) != 0) {
        VLEO_ERR("%s", err); /* checked with the options: out of memory */
        sim_out_close(&out);
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
    uint64_t units = sim_out_units(out); /* sim_run sent the last frame */
    if (sim_out_close(&out) != 0 && rc == VLEO_EXIT_OK) {
        VLEO_ERR("%s: write failed", o.target);
        rc = VLEO_EXIT_RUNTIME;
    }
    if (rc == VLEO_EXIT_OK && !o.quiet && pr.have_last) {
        char t0[40], t1[40];
        vleo_format_iso8601(s->start_ns, 0, t0, sizeof t0);
        vleo_format_iso8601(s->start_ns + llround(s->duration_s * 1e9), 0, t1, sizeof t1);
        char framing[64] = "";
        if (framed) {
            const char *what = fc.cadu                         ? "CADUs"
                               : fc.chan.kind == SIM_FRAME_AOS ? "AOS frames"
                                                               : "TM frames";
            snprintf(framing, sizeof framing, " in %llu %s", (unsigned long long)units, what);
        }
        printf("vleo-sim: %s: %lld packets%s to %s, %.2f h simulated (%s to %s, seed "
               "%llu); final "
               "altitude %.3f km, SoC %.1f %%, propellant %.3f kg, %llu brownouts\n",
               s->name, (long long)n, framing, o.target, s->duration_s / 3600.0, t0, t1,
               (unsigned long long)s->seed, pr.last.alt_km, pr.last.soc_pct, pr.last.propellant_kg,
               (unsigned long long)pr.last.brownouts);
    }
    free(s);
    return rc;
}
