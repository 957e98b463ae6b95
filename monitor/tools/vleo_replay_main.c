/* vleo_replay_main.c: vleo-replay, the offline job: a capture through the
 * decoder and the monitor in one process, on packet time, with alerts as they
 * happen and a summary table (DESIGN sections 2 and 6). Packets cross from
 * decoder to monitor as the same vleo.v1 protobuf messages the bus carries,
 * handed over in memory. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dec/capreader.h"
#include "dec/channel.h"
#include "dec/mdb.h"
#include "dec/output.h"
#include "dec/pipeline.h"
#include "mon/config.h"
#include "mon/feed.h"
#include "mon/monitor.h"
#include "mon/report.h"
#include "mon/spacewx.h"
#include "mon/state.h"
#include "vleo/cli.h"
#include "vleo/curve.h"
#include "vleo/log.h"
#include "vleo/timescale.h"
#include "vleo/zmqutil.h"

#define MAX_ROWS 4096 /* alerts remembered for the summary table */

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static const char usage_text[] =
    "usage: vleo-replay CAPTURE --mdb XTCE.xml --config FILE.yaml [options]\n"
    "\n"
    "Replay a capture (pcap or pcapng) through the decoder and the monitor in "
    "one process, on\n"
    "packet time: the same capture always gives the same alerts. Alerts are "
    "printed as they\n"
    "happen, and a summary table at the end.\n"
    "\n"
    "Options:\n"
    "  --mdb XTCE.xml       mission database (required)\n"
    "  --config FILE        monitor configuration (YAML; required)\n"
    "  --space-weather CSV  CelesTrak space-weather file (overrides the "
    "configuration's)\n"
    "  --spacecraft NAME    the capture's spacecraft (default: the "
    "configuration's only one)\n"
    "  --time-code SPEC     secondary-header time: none, cuc, cuc:C,F, cds, "
    "cds:D,S[@N]\n"
    "                       (default none: capture time)\n"
    "  --epoch E            time code epoch: 1958-01-01 (default), 1980-01-06 "
    "or ISO 8601\n"
    "  --time-param NAME    the packet time is this AbsoluteTime parameter\n"
    "  --framing F          spp (default), tm, aos or cadu\n"
    "  --channel FILE       frame and channel-coding settings (as vleo-decoder "
    "--channel)\n"
    "  --filter BPF         capture filter (e.g. 'udp port 1235')\n"
    "  --alerts FILE|-      JSON lines of alert events to FILE (-: to stdout "
    "instead of the\n"
    "                       readable lines)\n"
    "  --json-packets FILE  JSON lines of every decoded packet to FILE\n"
    "  --pub ENDPOINT       also publish alerts (vleo.v1.Alert) on this "
    "endpoint\n"
    "  --insecure           allow a non-loopback --pub without CURVE\n"
    "  --curve-secret FILE  CURVE for --pub: the secret key (vleo-keygen NAME.key, mode 0600)\n"
    "  --curve-allow DIR    CURVE for --pub: admit only subscribers whose public key is a\n"
    "                       *.pub in DIR; --pub may then bind any address\n"
    "  --progress, --no-progress  progress bar on stderr (default: when it is "
    "a terminal)\n"
    "  --quiet              no summary table\n"
    "  --state FILE         keep the monitor's state in FILE (and FILE.journal): resume from\n"
    "                       it when it exists, skipping the packets it had processed, so a\n"
    "                       run killed part-way and started again gives every alert event\n"
    "                       once; written every --state-interval, at the end and on\n"
    "                       SIGINT/SIGTERM (FILE.tmp, then renamed). A damaged or foreign\n"
    "                       FILE, or one of another configuration, stops the run (exit 2)\n"
    "  --state-interval S   seconds of packet time between snapshots (default 3600: a replay\n"
    "                       runs hours of packets a second, and each snapshot is synced)\n"
    "  --state-reset        discard FILE and start afresh\n"
    "  --crash-after-packets N  kill this process (SIGKILL) after N packets, as a crash\n"
    "                       would: nothing saved or flushed then (to test --state)\n"
    "  --help, --version\n"
    "Exit codes: 0 done, 1 runtime failure, 2 usage or configuration error, 3 "
    "input "
    "unreadable.\n";

typedef struct {
    const char *capture, *mdb_path, *config_path, *sw_path, *spacecraft, *time_param;
    const char *filter, *alerts, *json_packets, *pub;
    bool insecure, progress, quiet;
    dec_pipeline_opts_t popts;
    const char *state_path; /* --state */
    double state_interval_s;
    bool state_reset;
    long crash_after;
    vleo_curve_opts_t curve; /* --curve-secret, --curve-allow */
} options_t;

static void parse_options(int argc, char **argv, options_t *o) {
    enum {
        O_MDB = 256,
        O_CONFIG,
        O_SW,
        O_SC,
        O_TC,
        O_EPOCH,
        O_TPARAM,
        O_FRAMING,
        O_CHANNEL,
        O_FILTER,
        O_ALERTS,
        O_JSONP,
        O_PUB,
        O_INSECURE,
        O_PROGRESS,
        O_NOPROGRESS,
        O_QUIET,
        O_STATE,
        O_SINT,
        O_STATE_RESET,
        O_CRASH,
        O_HELP,
        O_VERSION,
        O_CSECRET,
        O_CALLOW
    };
    static const struct option longopts[] = {{"mdb", required_argument, 0, O_MDB},
                                             {"config", required_argument, 0, O_CONFIG},
                                             {"space-weather", required_argument, 0, O_SW},
                                             {"spacecraft", required_argument, 0, O_SC},
                                             {"time-code", required_argument, 0, O_TC},
                                             {"epoch", required_argument, 0, O_EPOCH},
                                             {"time-param", required_argument, 0, O_TPARAM},
                                             {"framing", required_argument, 0, O_FRAMING},
                                             {"channel", required_argument, 0, O_CHANNEL},
                                             {"filter", required_argument, 0, O_FILTER},
                                             {"alerts", required_argument, 0, O_ALERTS},
                                             {"json-packets", required_argument, 0, O_JSONP},
                                             {"pub", required_argument, 0, O_PUB},
                                             {"insecure", no_argument, 0, O_INSECURE},
                                             {"progress", no_argument, 0, O_PROGRESS},
                                             {"no-progress", no_argument, 0, O_NOPROGRESS},
                                             {"quiet", no_argument, 0, O_QUIET},
                                             {"state", required_argument, 0, O_STATE},
                                             {"state-interval", required_argument, 0, O_SINT},
                                             {"state-reset", no_argument, 0, O_STATE_RESET},
                                             {"crash-after-packets", required_argument, 0, O_CRASH},
                                             {"curve-secret", required_argument, 0, O_CSECRET},
                                             {"curve-allow", required_argument, 0, O_CALLOW},
                                             {"help", no_argument, 0, O_HELP},
                                             {"version", no_argument, 0, O_VERSION},
                                             {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    dec_pipeline_opts_default(&o->popts);
    o->state_interval_s = 3600.0;
    o->progress = isatty(STDERR_FILENO);
    opterr = 0;
    int c;
    char err[512];
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_MDB:
            o->mdb_path = optarg;
            break;
        case O_CONFIG:
            o->config_path = optarg;
            break;
        case O_SW:
            o->sw_path = optarg;
            break;
        case O_SC:
            o->spacecraft = optarg;
            break;
        case O_TC:
            if (dec_tc_format_parse(optarg, &o->popts.time_code, err, sizeof err) != 0)
                vleo_cli_usage_error("--time-code: %s", err);
            break;
        case O_EPOCH:
            if (vleo_epoch_parse(optarg, &o->popts.epoch) != 0)
                vleo_cli_usage_error(
                    "--epoch '%s' is not 1958-01-01, 1980-01-06 or an ISO 8601 time", optarg);
            break;
        case O_TPARAM:
            o->time_param = optarg;
            break;
        case O_FRAMING:
            if (dec_channel_set(&o->popts, "framing", optarg) != DEC_CH_OK)
                vleo_cli_usage_error("--framing '%s': spp, tm, aos or cadu", optarg);
            break;
        case O_CHANNEL: {
            int rc = dec_channel_load(optarg, &o->popts, err, sizeof err);
            if (rc != 0) {
                fprintf(stderr, "vleo-replay: %s%s\n", rc == VLEO_EXIT_INPUT ? "--channel " : "",
                        err);
                exit(rc);
            }
            break;
        }
        case O_FILTER:
            o->filter = optarg;
            break;
        case O_ALERTS:
            o->alerts = optarg;
            break;
        case O_JSONP:
            o->json_packets = optarg;
            break;
        case O_PUB:
            o->pub = optarg;
            break;
        case O_INSECURE:
            o->insecure = true;
            break;
        case O_CSECRET:
            o->curve.secret = optarg;
            break;
        case O_CALLOW:
            o->curve.allow = optarg;
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
        case O_STATE:
            o->state_path = optarg;
            break;
        case O_SINT:
            o->state_interval_s = vleo_cli_double("--state-interval", optarg, 1, 1e7);
            break;
        case O_STATE_RESET:
            o->state_reset = true;
            break;
        case O_CRASH:
            o->crash_after = vleo_cli_long("--crash-after-packets", optarg, 1, 1L << 62);
            break;
        case O_HELP:
            fputs(usage_text, stdout);
            exit(VLEO_EXIT_OK);
        case O_VERSION:
            printf("vleo-replay %s\n", VLEO_VERSION);
            exit(VLEO_EXIT_OK);
        default:
            vleo_cli_usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        o->capture = argv[optind++];
    if (optind < argc)
        vleo_cli_usage_error("unexpected argument '%s' (one capture per run)", argv[optind]);
    if (!o->capture)
        vleo_cli_usage_error("no capture given");
    if (!o->mdb_path)
        vleo_cli_usage_error("--mdb XTCE.xml is required");
    if (!o->config_path)
        vleo_cli_usage_error("--config FILE is required");
    if (o->state_reset && !o->state_path)
        vleo_cli_usage_error("--state-reset needs --state FILE");
    const char *curve_err = vleo_curve_opts_check(&o->curve, o->pub != NULL, false);
    if (curve_err)
        vleo_cli_usage_error("%s", curve_err);
    if (o->pub && !vleo_endpoint_is_local(o->pub) && !o->insecure && !o->curve.allow)
        vleo_cli_usage_error("--pub %s is reachable from other hosts: add --curve-secret and "
                             "--curve-allow to authenticate subscribers, or --insecure to "
                             "publish without authentication",
                             o->pub);
    if (dec_channel_check(&o->popts, err, sizeof err) != 0)
        vleo_cli_usage_error("%s", err);
}

/* One line of the summary table. */
typedef struct {
    char id[128];
    char kind[24];
    mon_sev_t max_sev;
    int64_t raised_ns, cleared_ns;
    double worst;
    char unit[12];
    uint32_t updates;
} row_t;

typedef struct {
    options_t *o;
    dec_out_t *out;
    mon_monitor_t *mon;
    mon_feed_t *feed;
    FILE *alerts_json;
    bool human;
    void *pub;
    vleo_curve_t *curve; /* with --curve-*: keys, allow list, ZAP handler */
    uint64_t session, seq;
    row_t *rows;
    size_t n_rows;
    uint64_t rows_lost, encode_errors;
    uint8_t *buf;
    size_t buf_cap;
    uint64_t msg_seq;
    mon_state_t *state; /* --state */
    long packets_fed;
} run_t;

static void on_event(void *ctx, const mon_event_t *e) {
    run_t *r = ctx;
    static char line[16384];
    static uint8_t pb[16384];
    if (r->state && mon_state_event_replayed(r->state, e))
        return; /* sent before a restart, after the snapshot: not again */
    char t[40];
    vleo_format_iso8601(e->ev.time_ns, 0, t, sizeof t);
    if (r->human) {
        if (r->o->progress)
            fputs("\r\033[K", stderr);
        printf("%s  %-7s %-8s %s: %s\n", t, mon_ev_state_str(e->ev.state),
               mon_sev_str(e->ev.severity), e->id, e->message);
        fflush(stdout);
    }
    if (r->alerts_json) {
        size_t n = mon_event_json(e, line, sizeof line - 1);
        if (n) {
            line[n++] = '\n';
            fwrite(line, 1, n, r->alerts_json);
            fflush(r->alerts_json); /* written before it is journaled as sent */
        }
    }
    if (r->pub) {
        char topic[160];
        size_t tl = mon_event_topic(e, topic, sizeof topic);
        size_t n = mon_event_pack(e, r->session, ++r->seq, pb, sizeof pb);
        if (tl && n && zmq_send(r->pub, topic, tl, ZMQ_SNDMORE) == (int)tl)
            zmq_send(r->pub, pb, n, 0);
    }
    if (r->state)
        mon_state_event_sent(r->state, e);
    row_t *row = NULL;
    for (size_t i = r->n_rows; i-- > 0;) {
        if (strcmp(r->rows[i].id, e->id) == 0) {
            row = &r->rows[i];
            break;
        }
    }
    if (!row) {
        if (r->n_rows == MAX_ROWS) {
            r->rows_lost++;
            return;
        }
        row = &r->rows[r->n_rows++];
        memset(row, 0, sizeof *row);
        snprintf(row->id, sizeof row->id, "%s", e->id);
        snprintf(row->kind, sizeof row->kind, "%s", mon_kind_str(e->kind));
        snprintf(row->unit, sizeof row->unit, "%s", e->unit);
        row->raised_ns = e->ev.time_ns;
        row->worst = e->ev.measured;
    }
    if (e->ev.severity > row->max_sev)
        row->max_sev = e->ev.severity;
    if (e->ev.state == MON_EV_UPDATED)
        row->updates++;
    if (e->ev.state == MON_EV_CLEARED)
        row->cleared_ns = e->ev.time_ns;
}

static void save_state(run_t *r) {
    char msg[1024];
    if (mon_state_checkpoint(r->state, r->mon, r->feed, msg, sizeof msg))
        VLEO_WARN("%s", msg);
}

static void on_packet(void *ctx, const dec_packet_t *pk) {
    run_t *r = ctx;
    if (r->o->json_packets)
        dec_out_packet(r->out, pk);
    size_t n = dec_out_encode(r->out, pk, ++r->msg_seq, r->buf, r->buf_cap);
    if (n == 0) {
        r->encode_errors++;
        return;
    }
    mon_feed_message(r->feed, "tm/", 3, r->buf, n);
    mon_monitor_tick(r->mon, mon_monitor_now(r->mon));
    if (r->state && mon_state_due(r->state, mon_monitor_now(r->mon)))
        save_state(r);
    if (r->o->crash_after && ++r->packets_fed >= r->o->crash_after)
        raise(SIGKILL);
}

static void show_progress(const run_t *r, int64_t done, int64_t total, bool last) {
    const mon_feed_stats_t *fs = mon_feed_stats(r->feed);
    const mon_monitor_stats_t *ms = mon_monitor_stats(r->mon);
    char t[40] = "-";
    if (mon_monitor_now(r->mon))
        vleo_format_iso8601(mon_monitor_now(r->mon), 0, t, sizeof t);
    if (total > 0) {
        double f = (double)done / (double)total;
        int w = (int)(f * 30.0);
        fprintf(stderr, "\r\033[K[%.*s%*s] %3.0f%%  %s  %llu packets  %llu alerts", w,
                "##############################", 30 - w, "", f * 100.0, t,
                (unsigned long long)fs->packets, (unsigned long long)ms->alerts_raised);
    } else {
        fprintf(stderr, "\r\033[K%s  %llu packets  %llu alerts", t, (unsigned long long)fs->packets,
                (unsigned long long)ms->alerts_raised);
    }
    if (last)
        fputc('\n', stderr);
}

static void print_summary(const run_t *r, dec_pipeline_t *pipe, dec_capreader_t *cap) {
    const dec_stats_t *ps = dec_pipeline_stats(pipe);
    const mon_feed_stats_t *fs = mon_feed_stats(r->feed);
    const mon_monitor_stats_t *ms = mon_monitor_stats(r->mon);
    uint64_t rejected = 0;
    for (int i = 0; i < DEC_REJ_COUNT; i++)
        rejected += ps->rejected[i];
    printf("\n%s: %llu records, %llu packets (%llu idle, %llu rejected, %llu "
           "missing in %llu "
           "sequence gaps), %llu to the monitor (%llu refused), %llu samples, %llu "
           "evaluations\n",
           r->o->capture, (unsigned long long)dec_capreader_stats(cap)->records,
           (unsigned long long)ps->packets, (unsigned long long)ps->idle,
           (unsigned long long)rejected, (unsigned long long)ps->seq_missing,
           (unsigned long long)ps->seq_gaps, (unsigned long long)fs->packets,
           (unsigned long long)(fs->packets_refused[MON_FEED_UNKNOWN_SPACECRAFT] +
                                fs->packets_refused[MON_FEED_NO_TIME]),
           (unsigned long long)ms->samples, (unsigned long long)ms->evaluations);
    printf("alerts: %llu raised, %llu updated, %llu cleared, %zu active at the "
           "end\n",
           (unsigned long long)ms->alerts_raised, (unsigned long long)ms->alerts_updated,
           (unsigned long long)ms->alerts_cleared, mon_monitor_active_alerts(r->mon));
    if (r->n_rows == 0)
        return;
    printf("%-44s %-9s %-20s %-20s %8s %s\n", "ALERT", "SEVERITY", "RAISED", "CLEARED", "UPDATES",
           "FIRST MEASURED");
    for (size_t i = 0; i < r->n_rows; i++) {
        const row_t *w = &r->rows[i];
        char a[40], b[40] = "active";
        vleo_format_iso8601(w->raised_ns, 0, a, sizeof a);
        if (w->cleared_ns)
            vleo_format_iso8601(w->cleared_ns, 0, b, sizeof b);
        printf("%-44s %-9s %-20s %-20s %8u %.4g %s\n", w->id, mon_sev_str(w->max_sev), a, b,
               w->updates, w->worst, w->unit);
    }
    if (r->rows_lost)
        printf("(%llu more alerts not listed)\n", (unsigned long long)r->rows_lost);
}

static bool mdb_has(void *ctx, const char *qname) {
    return dec_mdb_find_param(ctx, qname) >= 0;
}

int main(int argc, char **argv) {
    options_t o;
    vleo_log_init("vleo-replay", VLEO_LOG_INFO);
    vleo_cli_init("vleo-replay", usage_text);
    parse_options(argc, argv, &o);
    char err[1024];
    int rc = VLEO_EXIT_OK;
    struct stat st;
    if (stat(o.mdb_path, &st) != 0) {
        VLEO_ERR("--mdb %s: cannot open: %s", o.mdb_path, strerror(errno));
        return VLEO_EXIT_INPUT;
    }
    if (stat(o.config_path, &st) != 0) {
        VLEO_ERR("--config %s: cannot open: %s", o.config_path, strerror(errno));
        return VLEO_EXIT_INPUT;
    }
    dec_mdb_t *mdb = dec_mdb_load(o.mdb_path, err, sizeof err);
    if (!mdb) {
        VLEO_ERR("--mdb %s", err);
        return VLEO_EXIT_USAGE;
    }
    mon_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    mon_sw_t *sw = NULL;
    dec_capreader_t *cap = NULL;
    dec_pipeline_t *pipe = NULL;
    void *zctx = NULL;
    FILE *jp = NULL;
    run_t r;
    memset(&r, 0, sizeof r);
    r.o = &o;
    if (mon_config_load(o.config_path, &cfg, err, sizeof err) != 0 ||
        mon_config_check_params(&cfg, mdb_has, mdb, err, sizeof err) != 0) {
        VLEO_ERR("%s", err);
        rc = VLEO_EXIT_USAGE;
        goto done;
    }
    if (!o.spacecraft) {
        if (cfg.n_spacecraft != 1) {
            VLEO_ERR("%s configures %zu spacecraft: say which one the capture is with "
                     "--spacecraft NAME",
                     o.config_path, cfg.n_spacecraft);
            rc = VLEO_EXIT_USAGE;
            goto done;
        }
        o.spacecraft = cfg.spacecraft[0].name;
    }
    const char *sw_path = o.sw_path                         ? o.sw_path
                          : cfg.atmosphere.space_weather[0] ? cfg.atmosphere.space_weather
                                                            : NULL;
    if (sw_path) {
        if (stat(sw_path, &st) != 0) {
            VLEO_ERR("space weather %s: cannot open: %s", sw_path, strerror(errno));
            rc = VLEO_EXIT_INPUT;
            goto done;
        }
        sw = mon_sw_load(sw_path, err, sizeof err);
        if (!sw) {
            VLEO_ERR("%s", err);
            rc = VLEO_EXIT_USAGE;
            goto done;
        }
    }
    if (o.time_param) {
        o.popts.time_param = dec_mdb_find_param(mdb, o.time_param);
        if (o.popts.time_param < 0) {
            VLEO_ERR("--time-param %s: no such parameter in %s", o.time_param, o.mdb_path);
            rc = VLEO_EXIT_USAGE;
            goto done;
        }
    }
    int code = 0;
    cap = dec_capreader_open(o.capture, o.filter, err, sizeof err, &code);
    if (!cap) {
        VLEO_ERR("%s", err);
        rc = code;
        goto done;
    }
    r.human = !(o.alerts && strcmp(o.alerts, "-") == 0);
    if (o.alerts) {
        r.alerts_json = strcmp(o.alerts, "-") == 0 ? stdout : fopen(o.alerts, "w");
        if (!r.alerts_json) {
            VLEO_ERR("--alerts %s: cannot open: %s", o.alerts, strerror(errno));
            rc = VLEO_EXIT_INPUT;
            goto done;
        }
    }
    if (o.json_packets) {
        jp = fopen(o.json_packets, "w");
        if (!jp) {
            VLEO_ERR("--json-packets %s: cannot open: %s", o.json_packets, strerror(errno));
            rc = VLEO_EXIT_INPUT;
            goto done;
        }
    }
    if (vleo_curve_opts_any(&o.curve)) {
        r.curve = vleo_curve_new(&o.curve, vleo_curve_log_vleo, NULL, err, sizeof err, &rc);
        if (!r.curve) {
            VLEO_ERR("%s", err);
            goto done;
        }
    }
    if (o.pub) {
        zctx = zmq_ctx_new();
        vleo_zsock_opts_t zo;
        vleo_zsock_opts_default(&zo);
        if (r.curve) {
            if (vleo_curve_start(r.curve, zctx, err, sizeof err) != 0) {
                VLEO_ERR("%s", err);
                rc = VLEO_EXIT_RUNTIME;
                goto done;
            }
            zo.setup = vleo_curve_setup_server;
            zo.setup_arg = r.curve;
        }
        r.pub = vleo_zsock_open(zctx, ZMQ_PUB, &zo, o.pub, true, err, sizeof err);
        if (!r.pub) {
            VLEO_ERR("--pub %s", err);
            rc = VLEO_EXIT_RUNTIME;
            goto done;
        }
        r.session = vleo_session_id();
    }
    r.rows = calloc(MAX_ROWS, sizeof(row_t));
    r.buf_cap = VLEO_MAX_MSG_SIZE;
    r.buf = malloc(r.buf_cap);
    o.popts.mdb = mdb;
    o.popts.max_params = DEC_OUT_MAX_PARAMS;
    dec_out_opts_t oo = {.spacecraft = o.spacecraft,
                         .source_name = "replay",
                         .source_path = o.capture,
                         .json = jp,
                         .mdb = mdb,
                         .raw = false};
    r.out = dec_out_new(&oo, err, sizeof err);
    r.mon = r.out ? mon_monitor_new(&cfg, sw, sw_path, on_event, &r, err, sizeof err) : NULL;
    r.feed = r.mon ? mon_feed_new(r.mon, 0) : NULL;
    pipe = r.feed ? dec_pipeline_new(&o.popts, on_packet, &r, err, sizeof err) : NULL;
    if (!pipe || !r.rows || !r.buf) {
        VLEO_ERR("%s", err);
        rc = VLEO_EXIT_RUNTIME;
        goto done;
    }
    if (o.state_path) {
        r.state = mon_state_open(o.state_path, &cfg, o.state_interval_s, o.state_reset, r.mon,
                                 r.feed, &rc, err, sizeof err);
        if (!r.state) {
            VLEO_ERR("--state %s", err);
            goto done;
        }
        VLEO_INFO("state %s", err);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int64_t total = dec_capreader_size(cap);
    double next_progress = vleo_mono_s() + 0.2;
    for (uint64_t n = 1; !g_stop; n++) {
        dec_cap_record_t rec;
        dec_cr_status_t cs = dec_capreader_next(cap, &rec);
        if (cs == DEC_CR_EOF)
            break;
        if (cs == DEC_CR_TRUNCATED) {
            VLEO_WARN("%s", dec_capreader_error(cap));
            break;
        }
        if (cs == DEC_CR_ERROR) {
            VLEO_ERR("%s", dec_capreader_error(cap));
            rc = VLEO_EXIT_INPUT;
            break;
        }
        dec_pipeline_record(pipe, rec.linktype, rec.data, rec.caplen, rec.wirelen, rec.ts_ns);
        if (o.progress && (n & 255) == 0 && vleo_mono_s() >= next_progress) {
            show_progress(&r, (int64_t)dec_capreader_offset(cap), total, false);
            next_progress = vleo_mono_s() + 0.2;
        }
    }
    dec_pipeline_flush(pipe);
    if (r.state)
        save_state(&r); /* what was processed, also after a read error or a signal */
    if (o.progress)
        show_progress(&r, (int64_t)dec_capreader_offset(cap), total, true);
    if (g_stop)
        VLEO_WARN("interrupted: the summary covers what was read");
    if (!o.quiet && rc == VLEO_EXIT_OK)
        print_summary(&r, pipe, cap);
    if (!o.quiet && r.state) {
        const mon_state_stats_t *ss = mon_state_stats(r.state);
        printf(
            "state %s: snapshot %llu (%llu written, %llu failed), %llu packets skipped as "
            "processed before it, %llu alert events not sent again\n",
            o.state_path, (unsigned long long)mon_state_generation(r.state),
            (unsigned long long)ss->writes, (unsigned long long)ss->write_errors,
            (unsigned long long)mon_feed_stats(r.feed)->packets_refused[MON_FEED_BEFORE_SNAPSHOT],
            (unsigned long long)ss->events_replayed);
    }
    if (r.encode_errors)
        VLEO_WARN("%llu packets could not be encoded for the monitor",
                  (unsigned long long)r.encode_errors);
    if (jp)
        fclose(jp);
done:
    if (r.alerts_json && r.alerts_json != stdout)
        fclose(r.alerts_json);
    dec_pipeline_destroy(&pipe);
    mon_state_destroy(&r.state);
    mon_feed_destroy(&r.feed);
    mon_monitor_destroy(&r.mon);
    dec_out_destroy(&r.out);
    dec_capreader_close(&cap);
    if (r.pub)
        zmq_close(r.pub);
    vleo_curve_destroy(&r.curve); /* its sockets close before the context ends */
    if (zctx)
        zmq_ctx_term(zctx);
    free(r.rows);
    free(r.buf);
    mon_sw_destroy(&sw);
    mon_config_free(&cfg);
    dec_mdb_destroy(&mdb);
    return rc;
}
