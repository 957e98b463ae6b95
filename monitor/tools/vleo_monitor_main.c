/* vleo_monitor_main.c: vleo-monitor, the station-keeping monitor: subscribes to decoders'
 * telemetry on ZeroMQ and publishes alerts and MonitorStats (DESIGN sections 2, 4, 6-8). */
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

#include "dec/mdb.h"
#include "mon/config.h"
#include "mon/feed.h"
#include "mon/monitor.h"
#include "mon/report.h"
#include "mon/spacewx.h"
#include "mon/state.h"
#include "vleo.pb-c.h"
#include "vleo/cli.h"
#include "vleo/curve.h"
#include "vleo/log.h"
#include "vleo/timescale.h"
#include "vleo/zmqutil.h"

#define MAX_SUBS 16

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_hup;

static void on_signal(int sig) {
    if (sig == SIGHUP)
        g_hup = 1;
    else
        g_stop = 1;
}

static const char usage_text[] =
    "usage: vleo-monitor --config FILE.yaml [options]\n"
    "\n"
    "Watch spacecraft telemetry from vleo-decoder against the drag model and raise, update\n"
    "and clear alerts for altitude loss, thrust shortfall, power overdraw and stale telemetry.\n"
    "Alerts go out as vleo.v1.Alert on alert/<spacecraft>/<kind> and as JSON lines;\n"
    "MonitorStats on stats/monitor.\n"
    "\n"
    "Options:\n"
    "  --config FILE        monitor configuration (YAML; required)\n"
    "  --sub ENDPOINT       decoder endpoint to subscribe to (repeatable; "
    "default " VLEO_DEFAULT_DECODER_PUB ")\n"
    "  --mdb XTCE.xml       check that every configured parameter exists in this database\n"
    "  --space-weather CSV  CelesTrak space-weather file (overrides the configuration's); re-read\n"
    "                       when it changes and on SIGHUP\n"
    "  --pub ENDPOINT|none  where alerts and stats are published (default " VLEO_DEFAULT_MONITOR_PUB
    ")\n"
    "  --insecure           allow binding a non-loopback endpoint without CURVE\n"
    "  --curve-secret FILE  CURVE: the monitor's secret key (vleo-keygen NAME.key, mode 0600),\n"
    "                       for both its subscriptions and its --pub\n"
    "  --curve-server-key FILE  CURVE: the decoders' public key: --sub connections are\n"
    "                       encrypted and the decoders admit us if they allow our key\n"
    "  --curve-allow DIR    CURVE: --pub admits only subscribers whose public key is a *.pub\n"
    "                       in DIR (re-read on SIGHUP); --pub may then bind any address\n"
    "  --alerts FILE|-|none JSON lines of alert events (default -: stdout)\n"
    "  --packet-clock       run on packet time only: never advance the clock with wall time\n"
    "                       (replays fed faster than real time; no staleness while silent)\n"
    "  --exit-on-final      exit once every decoder subscribed to has sent its final stats\n"
    "  --state FILE         keep the monitor's state in FILE (and FILE.journal): resume from\n"
    "                       it when it exists, so a monitor restarted in a live feed, or fed\n"
    "                       the same capture again from its start, gives every alert event\n"
    "                       once (packets up to the snapshot are skipped); written every\n"
    "                       --state-interval, at exit and on SIGINT/SIGTERM (FILE.tmp, then\n"
    "                       renamed). A damaged or foreign FILE, or one of another\n"
    "                       configuration, stops the monitor (exit 2)\n"
    "  --state-interval S   seconds of monitor clock (packet time) between snapshots, at most\n"
    "                       one a second of wall time (default 60)\n"
    "  --state-reset        discard FILE and start afresh\n"
    "  --stats-interval S   MonitorStats period in seconds (default 1)\n"
    "  --hwm N              ZeroMQ high-water marks (default 100000)\n"
    "  --quiet              no summary on stderr\n"
    "  --help, --version\n"
    "Exit codes: 0 done, 1 runtime failure, 2 usage or configuration error, 3 input "
    "unreadable.\n";

typedef struct {
    const char *config_path;
    const char *subs[MAX_SUBS];
    size_t n_subs;
    const char *mdb_path;
    const char *sw_path;
    const char *pub;
    const char *alerts;
    bool insecure, packet_clock, exit_on_final, quiet;
    double stats_interval_s;
    int hwm;
    const char *state_path; /* --state */
    double state_interval_s;
    bool state_reset;
    vleo_curve_opts_t curve; /* --curve-secret, --curve-server-key, --curve-allow */
} options_t;

static void parse_options(int argc, char **argv, options_t *o) {
    enum {
        O_CONFIG = 256,
        O_SUB,
        O_MDB,
        O_SW,
        O_PUB,
        O_INSECURE,
        O_ALERTS,
        O_PCLOCK,
        O_FINAL,
        O_STATS,
        O_HWM,
        O_QUIET,
        O_STATE,
        O_SINT,
        O_STATE_RESET,
        O_HELP,
        O_VERSION,
        O_CSECRET,
        O_CSKEY,
        O_CALLOW
    };
    static const struct option longopts[] = {{"config", required_argument, 0, O_CONFIG},
                                             {"sub", required_argument, 0, O_SUB},
                                             {"mdb", required_argument, 0, O_MDB},
                                             {"space-weather", required_argument, 0, O_SW},
                                             {"pub", required_argument, 0, O_PUB},
                                             {"insecure", no_argument, 0, O_INSECURE},
                                             {"alerts", required_argument, 0, O_ALERTS},
                                             {"packet-clock", no_argument, 0, O_PCLOCK},
                                             {"exit-on-final", no_argument, 0, O_FINAL},
                                             {"stats-interval", required_argument, 0, O_STATS},
                                             {"hwm", required_argument, 0, O_HWM},
                                             {"quiet", no_argument, 0, O_QUIET},
                                             {"state", required_argument, 0, O_STATE},
                                             {"state-interval", required_argument, 0, O_SINT},
                                             {"state-reset", no_argument, 0, O_STATE_RESET},
                                             {"curve-secret", required_argument, 0, O_CSECRET},
                                             {"curve-server-key", required_argument, 0, O_CSKEY},
                                             {"curve-allow", required_argument, 0, O_CALLOW},
                                             {"help", no_argument, 0, O_HELP},
                                             {"version", no_argument, 0, O_VERSION},
                                             {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->pub = VLEO_DEFAULT_MONITOR_PUB;
    o->alerts = "-";
    o->stats_interval_s = 1.0;
    o->hwm = 100000;
    o->state_interval_s = 60.0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_CONFIG:
            o->config_path = optarg;
            break;
        case O_SUB:
            if (o->n_subs == MAX_SUBS)
                vleo_cli_usage_error("at most 16 --sub endpoints (%s is one more)", optarg);
            o->subs[o->n_subs++] = optarg;
            break;
        case O_MDB:
            o->mdb_path = optarg;
            break;
        case O_SW:
            o->sw_path = optarg;
            break;
        case O_PUB:
            o->pub = strcmp(optarg, "none") == 0 ? NULL : optarg;
            break;
        case O_INSECURE:
            o->insecure = true;
            break;
        case O_CSECRET:
            o->curve.secret = optarg;
            break;
        case O_CSKEY:
            o->curve.server_key = optarg;
            break;
        case O_CALLOW:
            o->curve.allow = optarg;
            break;
        case O_ALERTS:
            o->alerts = strcmp(optarg, "none") == 0 ? NULL : optarg;
            break;
        case O_PCLOCK:
            o->packet_clock = true;
            break;
        case O_FINAL:
            o->exit_on_final = true;
            break;
        case O_STATS:
            o->stats_interval_s = vleo_cli_double("--stats-interval", optarg, 0.01, 86400);
            break;
        case O_HWM:
            o->hwm = (int)vleo_cli_double("--hwm", optarg, 1, 1e8);
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
        case O_HELP:
            fputs(usage_text, stdout);
            exit(VLEO_EXIT_OK);
        case O_VERSION:
            printf("vleo-monitor %s\n", VLEO_VERSION);
            exit(VLEO_EXIT_OK);
        default:
            vleo_cli_usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        vleo_cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!o->config_path)
        vleo_cli_usage_error("--config FILE is required");
    if (o->state_reset && !o->state_path)
        vleo_cli_usage_error("--state-reset needs --state FILE");
    if (o->n_subs == 0)
        o->subs[o->n_subs++] = VLEO_DEFAULT_DECODER_PUB;
    /* The monitor is both: its SUB connects to decoders, its PUB binds. */
    const char *curve_err = vleo_curve_opts_check(&o->curve, o->pub != NULL, true);
    if (curve_err)
        vleo_cli_usage_error("%s", curve_err);
    if (o->pub && !vleo_endpoint_is_local(o->pub) && !o->insecure && !o->curve.allow)
        vleo_cli_usage_error("--pub %s is reachable from other hosts: add --curve-secret and "
                             "--curve-allow to authenticate subscribers, or --insecure to "
                             "publish without authentication",
                             o->pub);
}

typedef struct {
    options_t *o;
    void *pub;
    FILE *alerts;
    uint64_t session;
    uint64_t seq;
    uint64_t alerts_sent, alerts_dropped, json_errors;
    mon_monitor_t *mon;
    mon_feed_t *feed;
    mon_state_t *state;  /* --state */
    vleo_curve_t *curve; /* with --curve-*: keys, allow list, ZAP handler */
} run_t;

static bool send2(void *sock, const char *topic, size_t tlen, const void *body, size_t blen) {
    if (zmq_send(sock, topic, tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) != (int)tlen)
        return false;
    return zmq_send(sock, body, blen, ZMQ_DONTWAIT) == (int)blen;
}

static void on_event(void *ctx, const mon_event_t *e) {
    run_t *r = ctx;
    static uint8_t buf[16384];
    static char line[16384];
    if (r->state && mon_state_event_replayed(r->state, e))
        return; /* sent before a restart, after the snapshot: not again */
    if (r->pub) {
        char topic[160];
        size_t tl = mon_event_topic(e, topic, sizeof topic);
        size_t n = mon_event_pack(e, r->session, ++r->seq, buf, sizeof buf);
        if (tl && n && send2(r->pub, topic, tl, buf, n))
            r->alerts_sent++;
        else
            r->alerts_dropped++;
    }
    if (r->alerts) {
        size_t n = mon_event_json(e, line, sizeof line - 1);
        if (n == 0) {
            r->json_errors++;
        } else {
            line[n++] = '\n';
            if (fwrite(line, 1, n, r->alerts) != n || fflush(r->alerts) != 0)
                r->json_errors++;
        }
    }
    if (r->state)
        mon_state_event_sent(r->state, e);
}

static void save_state(run_t *r) {
    char msg[1024];
    if (mon_state_checkpoint(r->state, r->mon, r->feed, msg, sizeof msg))
        VLEO_WARN("%s", msg);
}

static void publish_stats(run_t *r, bool final) {
    if (!r->pub)
        return;
    static uint8_t buf[16384];
    vleo_curve_stats_t cs = {0};
    if (r->curve)
        vleo_curve_stats(r->curve, &cs);
    mon_state_stats_t ss = {0};
    if (r->state)
        ss = *mon_state_stats(r->state);
    const char *xn[] = {"alerts_published",       "alerts_dropped",
                        "alert_json_errors",      "curve_admitted",
                        "curve_refused_key",      "curve_refused_other",
                        "curve_handshake_failed", "curve_refused_by_server",
                        "curve_reloads",          "curve_reload_failures",
                        "state_writes",           "state_write_errors",
                        "state_journal_errors",   "state_events_not_resent"};
    uint64_t xv[] = {
        r->alerts_sent,    r->alerts_dropped,  r->json_errors,      cs.admitted,
        cs.refused_key,    cs.refused_other,   cs.handshake_failed, cs.refused_by_server,
        cs.reloads,        cs.reload_failures, ss.writes,           ss.write_errors,
        ss.journal_errors, ss.events_replayed};
    size_t n = mon_stats_pack(r->mon, r->feed, xn, xv, sizeof xv / sizeof xv[0], vleo_now_utc_ns(),
                              r->session, ++r->seq, final, buf, sizeof buf);
    if (n)
        send2(r->pub, "stats/monitor", 13, buf, n);
}

/* The space-weather file: read at start, again when its size or time changes. */
typedef struct {
    const char *path;
    mon_sw_t *sw;
    struct stat st;
    double next_check;
} swfile_t;

static int sw_reload(swfile_t *f, mon_monitor_t *m, bool first) {
    struct stat st;
    if (stat(f->path, &st) != 0) {
        if (first) {
            VLEO_ERR("space weather %s: cannot open: %s", f->path, strerror(errno));
            return VLEO_EXIT_INPUT;
        }
        VLEO_WARN("space weather %s: cannot open: %s (keeping the table read before)", f->path,
                  strerror(errno));
        return 0;
    }
    if (!first && st.st_mtim.tv_sec == f->st.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == f->st.st_mtim.tv_nsec && st.st_size == f->st.st_size)
        return 0;
    f->st = st;
    char err[512];
    mon_sw_t *sw = mon_sw_load(f->path, err, sizeof err);
    if (!sw) {
        VLEO_ERR("%s%s", err, first ? "" : " (keeping the table read before)");
        return first ? VLEO_EXIT_USAGE : 0;
    }
    if (m)
        mon_monitor_set_space_weather(m, sw, f->path);
    mon_sw_destroy(&f->sw);
    f->sw = sw;
    if (!first)
        VLEO_INFO("space weather %s re-read: %zu rows", f->path, mon_sw_rows(sw));
    return 0;
}

static bool mdb_has(void *ctx, const char *qname) {
    return dec_mdb_find_param(ctx, qname) >= 0;
}

int main(int argc, char **argv) {
    options_t o;
    vleo_log_init("vleo-monitor", VLEO_LOG_INFO);
    vleo_cli_init("vleo-monitor", usage_text);
    parse_options(argc, argv, &o);
    char err[1024];
    mon_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    struct stat cst;
    if (stat(o.config_path, &cst) != 0) {
        VLEO_ERR("--config %s: cannot open: %s", o.config_path, strerror(errno));
        return VLEO_EXIT_INPUT;
    }
    if (mon_config_load(o.config_path, &cfg, err, sizeof err) != 0) {
        VLEO_ERR("%s", err);
        return VLEO_EXIT_USAGE;
    }
    if (o.mdb_path) {
        dec_mdb_t *mdb = dec_mdb_load(o.mdb_path, err, sizeof err);
        if (!mdb) {
            VLEO_ERR("--mdb %s", err);
            mon_config_free(&cfg);
            return VLEO_EXIT_USAGE;
        }
        int bad = mon_config_check_params(&cfg, mdb_has, mdb, err, sizeof err);
        dec_mdb_destroy(&mdb);
        if (bad) {
            VLEO_ERR("%s", err);
            mon_config_free(&cfg);
            return VLEO_EXIT_USAGE;
        }
    }
    swfile_t swf = {.path = o.sw_path                         ? o.sw_path
                            : cfg.atmosphere.space_weather[0] ? cfg.atmosphere.space_weather
                                                              : NULL};
    if (swf.path) {
        int rc = sw_reload(&swf, NULL, true);
        if (rc) {
            mon_config_free(&cfg);
            return rc;
        }
    }
    run_t r;
    memset(&r, 0, sizeof r);
    r.o = &o;
    r.session = vleo_session_id();
    int rc = VLEO_EXIT_OK;
    if (vleo_curve_opts_any(&o.curve)) {
        r.curve = vleo_curve_new(&o.curve, vleo_curve_log_vleo, NULL, err, sizeof err, &rc);
        if (!r.curve) {
            VLEO_ERR("%s", err);
            mon_sw_destroy(&swf.sw);
            mon_config_free(&cfg);
            return rc;
        }
    }
    void *zctx = zmq_ctx_new();
    void *sub = NULL;
    r.mon = mon_monitor_new(&cfg, swf.sw, swf.path, on_event, &r, err, sizeof err);
    r.feed = r.mon ? mon_feed_new(r.mon, 0) : NULL;
    if (!r.mon || !r.feed) {
        VLEO_ERR("%s", r.mon ? "out of memory" : err);
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
    if (o.alerts) {
        r.alerts = strcmp(o.alerts, "-") == 0 ? stdout : fopen(o.alerts, "a");
        if (!r.alerts) {
            VLEO_ERR("--alerts %s: cannot open: %s", o.alerts, strerror(errno));
            rc = VLEO_EXIT_INPUT;
            goto done;
        }
    }
    vleo_zsock_opts_t zo;
    vleo_zsock_opts_default(&zo);
    zo.sndhwm = zo.rcvhwm = o.hwm;
    if (r.curve && vleo_curve_start(r.curve, zctx, err, sizeof err) != 0) {
        VLEO_ERR("%s", err);
        rc = VLEO_EXIT_RUNTIME;
        goto done;
    }
    if (o.pub) {
        zo.setup = o.curve.allow ? vleo_curve_setup_server : NULL;
        zo.setup_arg = r.curve;
        r.pub = vleo_zsock_open(zctx, ZMQ_PUB, &zo, o.pub, true, err, sizeof err);
        if (!r.pub) {
            VLEO_ERR("--pub %s", err);
            rc = VLEO_EXIT_RUNTIME;
            goto done;
        }
    }
    /* The options (CURVE keys among them) hold for every --sub connected below. */
    zo.setup = o.curve.server_key ? vleo_curve_setup_client : NULL;
    zo.setup_arg = r.curve;
    sub = vleo_zsock_open(zctx, ZMQ_SUB, &zo, o.subs[0], false, err, sizeof err);
    if (!sub) {
        VLEO_ERR("--sub %s", err);
        rc = VLEO_EXIT_RUNTIME;
        goto done;
    }
    for (size_t i = 1; i < o.n_subs; i++) {
        if (zmq_connect(sub, o.subs[i]) != 0) {
            VLEO_ERR("--sub %s: %s", o.subs[i], zmq_strerror(zmq_errno()));
            rc = VLEO_EXIT_RUNTIME;
            goto done;
        }
    }
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "tm", 2); /* tm/ and tmb/ */
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "stats/decoder/", 14);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    double next_stats = vleo_mono_s() + o.stats_interval_s;
    double wall_at_packet = vleo_mono_s();
    int64_t clock_at_packet = mon_monitor_now(r.mon); /* 0, or where a snapshot left off */
    double next_state = 0.0;
    swf.next_check = vleo_mono_s() + 5.0;
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    uint64_t bad_framing = 0;
    while (!g_stop) {
        zmq_pollitem_t pi = {sub, 0, ZMQ_POLLIN, 0};
        int np = zmq_poll(&pi, 1, 100);
        if (np < 0 && zmq_errno() != EINTR) {
            VLEO_ERR("poll: %s", zmq_strerror(zmq_errno()));
            rc = VLEO_EXIT_RUNTIME;
            break;
        }
        /* Drain what is there (bounded, so the clock and stats still run under load). */
        for (int k = 0; np > 0 && k < 10000; k++) {
            if (zmq_msg_recv(&topic, sub, ZMQ_DONTWAIT) < 0)
                break;
            bool more = zmq_msg_more(&topic);
            if (!more || zmq_msg_recv(&body, sub, ZMQ_DONTWAIT) < 0) {
                bad_framing++;
                continue;
            }
            while (zmq_msg_more(&body)) { /* a third frame: not ours; count and skip */
                bad_framing++;
                if (zmq_msg_recv(&body, sub, ZMQ_DONTWAIT) < 0)
                    break;
            }
            const char *t = zmq_msg_data(&topic);
            size_t tl = zmq_msg_size(&topic);
            mon_feed_message(r.feed, t, tl, zmq_msg_data(&body), zmq_msg_size(&body));
            if (mon_monitor_now(r.mon) != clock_at_packet) {
                clock_at_packet = mon_monitor_now(r.mon);
                wall_at_packet = vleo_mono_s();
            }
            mon_monitor_tick(r.mon, clock_at_packet);
        }
        double now = vleo_mono_s();
        if (!o.packet_clock && clock_at_packet != 0)
            mon_monitor_tick(r.mon, clock_at_packet + (int64_t)((now - wall_at_packet) * 1e9));
        if (g_hup && r.curve)
            vleo_curve_reload(r.curve); /* a broken allow list keeps the previous one */
        if (g_hup || (swf.path && now >= swf.next_check)) {
            if (swf.path)
                sw_reload(&swf, r.mon, false);
            g_hup = 0;
            swf.next_check = now + 5.0;
        }
        /* Catching up (a capture replayed at full speed), at most one synced write a second. */
        if (r.state && now >= next_state && mon_state_due(r.state, mon_monitor_now(r.mon))) {
            save_state(&r);
            next_state = now + 1.0;
        }
        if (now >= next_stats) {
            publish_stats(&r, false);
            next_stats = now + o.stats_interval_s;
        }
        if (o.exit_on_final && mon_feed_stats(r.feed)->decoder_finals >= o.n_subs)
            break;
    }
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    if (r.state)
        save_state(&r);
    publish_stats(&r, true);
    if (!o.quiet) {
        const mon_feed_stats_t *fs = mon_feed_stats(r.feed);
        const mon_monitor_stats_t *ms = mon_monitor_stats(r.mon);
        fprintf(stderr,
                "vleo-monitor: %llu messages (%llu packets, %llu refused, %llu before the "
                "snapshot, %llu bad framing, %llu "
                "missing on the bus), %llu samples, %llu evaluations; alerts %llu raised, %llu "
                "updated, %llu cleared, %zu active\n",
                (unsigned long long)fs->messages, (unsigned long long)fs->packets,
                (unsigned long long)(fs->messages - fs->by_status[MON_FEED_OK] -
                                     fs->by_status[MON_FEED_IGNORED_TOPIC] -
                                     fs->by_status[MON_FEED_BEFORE_SNAPSHOT]),
                (unsigned long long)fs->packets_refused[MON_FEED_BEFORE_SNAPSHOT],
                (unsigned long long)bad_framing, (unsigned long long)fs->messages_missing,
                (unsigned long long)ms->samples, (unsigned long long)ms->evaluations,
                (unsigned long long)ms->alerts_raised, (unsigned long long)ms->alerts_updated,
                (unsigned long long)ms->alerts_cleared, mon_monitor_active_alerts(r.mon));
        if (r.state) {
            const mon_state_stats_t *ss = mon_state_stats(r.state);
            fprintf(stderr,
                    "vleo-monitor: state %s: snapshot %llu (%llu written, %llu failed), %llu alert "
                    "events not sent again\n",
                    o.state_path, (unsigned long long)mon_state_generation(r.state),
                    (unsigned long long)ss->writes, (unsigned long long)ss->write_errors,
                    (unsigned long long)ss->events_replayed);
        }
    }
done:
    if (sub)
        zmq_close(sub);
    if (r.pub)
        zmq_close(r.pub);
    vleo_curve_destroy(&r.curve); /* its sockets close before the context ends */
    zmq_ctx_term(zctx);
    if (r.alerts && r.alerts != stdout)
        fclose(r.alerts);
    mon_state_destroy(&r.state);
    mon_feed_destroy(&r.feed);
    mon_monitor_destroy(&r.mon);
    mon_sw_destroy(&swf.sw);
    mon_config_free(&cfg);
    return rc;
}
