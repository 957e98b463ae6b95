/* vleo_decoder_main.c: vleo-decoder, CCSDS space packets from captures, interfaces, sockets
 * and files to vleo.v1 protobuf on ZeroMQ (DESIGN sections 2, 4, 6). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dec/capreader.h"
#include "dec/channel.h"
#include "dec/mdb.h"
#include "dec/output.h"
#include "dec/pipeline.h"
#include "vleo/cli.h"
#include "vleo/curve.h"
#include "vleo/log.h"
#include "vleo/timescale.h"
#include "vleo/zmqutil.h"

enum src_kind { SRC_NONE, SRC_PCAP, SRC_IFACE, SRC_UDP, SRC_TCP, SRC_FILE };

typedef struct {
    enum src_kind kind;
    const char *input; /* path, interface or HOST:PORT */
    const char *filter;
    const char *spacecraft;
    const char *source_name;
    const char *pub;
    bool json;
    bool no_drop;
    bool raw;
    bool publish_idle;
    bool insecure;
    bool exit_on_eof;
    const char *mdb_path;
    const char *time_param;
    bool list;
    bool json_raw;
    uint32_t batch;
    double speed; /* 0: as fast as possible */
    double wait_sub_s;
    int hwm;
    int linger_ms;
    double stats_interval_s;
    bool quiet;
    bool progress;
    dec_pipeline_opts_t popts;
    vleo_curve_opts_t curve; /* --curve-secret, --curve-allow */
} options_t;

static volatile int g_stop;
static volatile sig_atomic_t g_hup; /* SIGHUP: reload the CURVE allow list */

static void on_signal(int sig) {
    if (sig == SIGHUP) {
        g_hup = 1;
    } else {
        g_stop = 1;
    }
}

static const char usage_text[] =
    "usage: vleo-decoder (--pcap FILE | --iface NAME | --udp HOST:PORT | --tcp HOST:PORT |\n"
    "                     --file FILE|-) [options]\n"
    "\n"
    "Decode CCSDS space packets and publish them as vleo.v1 protobuf on ZeroMQ, two frames\n"
    "[topic, Packet] on tm/<spacecraft>/<packet-name>, DecoderStats on stats/decoder/<source>.\n"
    "\n"
    "Sources (exactly one):\n"
    "  --pcap FILE          a pcap or pcapng capture (UDP or TCP payloads, any supported link)\n"
    "  --iface NAME         live capture on a network interface (needs privileges)\n"
    "  --udp HOST:PORT      bind a UDP socket; each datagram holds whole packets\n"
    "  --tcp HOST:PORT      connect to a TCP server sending a packet stream; reconnects\n"
    "  --file FILE|-        a file (or stdin) holding a packet stream\n"
    "Options:\n"
    "  --filter BPF         capture filter for --pcap/--iface (e.g. 'udp port 1235')\n"
    "  --framing F          spp (space packets, default), tm or aos (transfer frames: one per\n"
    "                       datagram, back to back in streams), cadu (ASM + codeblock)\n"
    "  --frame-type tm|aos  the frames inside CADUs (default tm)\n"
    "  --frame-length N     frame octets without ASM and RS check symbols (default 1115)\n"
    "  --rs-interleave I    Reed-Solomon (255,223) interleave 1-5 or 8; 0 = none (default 5)\n"
    "  --no-derandomize     CADUs are not randomised\n"
    "  --fecf               frames end with a CRC-16 FECF (checked)\n"
    "  --ocf                AOS frames carry a 4-octet OCF (TM: from the header flag)\n"
    "  --fhec               AOS frames carry a 2-octet header error control field\n"
    "  --insert-zone N      AOS insert zone octets\n"
    "  --max-packet-length N  longer packets in frames are rejected (default 65542)\n"
    "  --channel FILE       the link's frame parameters from a file of key = value lines\n"
    "                       (framing, frame_type, frame_length, rs_interleave, derandomize,\n"
    "                       fecf, ocf, fhec, insert_zone, max_packet_length, asm_bit_errors,\n"
    "                       flywheel); options after it override it\n"
    "  --spacecraft NAME    spacecraft name in topics and messages (default SC)\n"
    "  --source-name NAME   name in stats/decoder/<NAME> (default from the input)\n"
    "  --pub ENDPOINT|none  ZeroMQ endpoint to bind (default " VLEO_DEFAULT_DECODER_PUB ")\n"
    "  --insecure           allow binding a non-loopback endpoint without CURVE\n"
    "  --curve-secret FILE  CURVE: the decoder's secret key (vleo-keygen NAME.key, mode 0600)\n"
    "  --curve-allow DIR    CURVE: admit only subscribers whose public key is a *.pub in DIR\n"
    "                       (re-read on SIGHUP); both options together encrypt and\n"
    "                       authenticate --pub, which may then bind any address\n"
    "  --json               one JSON line per packet on stdout\n"
    "  --no-drop            replay mode: block at the high-water mark, lose nothing\n"
    "  --wait-subscriber S  with --no-drop, wait up to S seconds for a first subscriber\n"
    "                       before sending (default 10; 0 = do not wait)\n"
    "  --batch N            publish PacketBatch messages of up to N packets on tmb/<spacecraft>\n"
    "  --no-raw             leave the packet octets out of Packet.raw\n"
    "  --mdb XTCE.xml       mission database: names packets after their XTCE container and\n"
    "                       decodes their parameters (raw and engineering values, units)\n"
    "  --list               with --mdb: print the packets and parameters it defines, exit\n"
    "  --raw                JSON params carry raw values instead of engineering values\n"
    "  --time-param NAME    with --mdb: the packet time is this AbsoluteTime parameter\n"
    "                       (qualified name) instead of --time-code\n"
    "  --publish-idle       publish idle packets (APID 0x7FF) too (default: count only)\n"
    "  --time-code SPEC     secondary-header time: none (default), cuc, cuc:C,F, cds, cds:D,S,\n"
    "                       each optionally @N octets after the primary header\n"
    "  --epoch E            time code epoch: 1958-01-01 (TAI, default), 1980-01-06 (GPS), or\n"
    "                       an ISO 8601 UTC time\n"
    "  --speed X            replay a capture at X times its recorded pace\n"
    "  --realtime           the same as --speed 1\n"
    "  --hwm N              ZeroMQ send high-water mark in packets (default 100000; with\n"
    "                       --batch, N/batch messages)\n"
    "  --linger MS          at exit, wait up to MS ms for queued messages (default 30000)\n"
    "  --stats-interval S   DecoderStats period in seconds (default 1)\n"
    "  --exit-on-eof        --tcp: exit when the server closes instead of reconnecting\n"
    "  --progress           progress line on stderr (default when stderr is a terminal)\n"
    "  --quiet              no summary on stderr\n"
    "  --help, --version\n"
    "Exit codes: 0 done, 1 runtime failure, 2 usage or configuration error, 3 input "
    "unreadable.\n";

/* A name safe for topics: [A-Za-z0-9._-], others become '_', at most 64 octets. */
static void safe_name(const char *prefix, const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (const char *p = prefix; *p && n + 1 < cap; p++) {
        out[n++] = *p;
    }
    for (const char *p = s; *p && n + 1 < cap && n < DEC_OUT_MAX_NAME; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_';
        out[n++] = ok ? c : '_';
    }
    out[n] = '\0';
}

/* --channel FILE: the link's frame and channel-coding settings (dec/channel.h); errors
 * name the file, line and key (exit 2), an unreadable file exits 3. */
static void load_channel_file(const char *path, options_t *o) {
    char err[512];
    int rc = dec_channel_load(path, &o->popts, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "vleo-decoder: %s%s\n", rc == VLEO_EXIT_INPUT ? "--channel " : "", err);
        exit(rc);
    }
}

static void parse_options(int argc, char **argv, options_t *o) {
    enum {
        O_PCAP = 256,
        O_IFACE,
        O_UDP,
        O_TCP,
        O_FILE,
        O_FILTER,
        O_FRAMING,
        O_SC,
        O_SRCNAME,
        O_PUB,
        O_INSECURE,
        O_JSON,
        O_NODROP,
        O_WAITSUB,
        O_BATCH,
        O_NORAW,
        O_IDLE,
        O_TC,
        O_EPOCH,
        O_SPEED,
        O_REALTIME,
        O_HWM,
        O_LINGER,
        O_STATS,
        O_EOF,
        O_PROGRESS,
        O_QUIET,
        O_HELP,
        O_VERSION,
        O_MDB,
        O_LIST,
        O_RAW,
        O_TIME_PARAM,
        O_FRAME_TYPE,
        O_FRAME_LEN,
        O_RS,
        O_NODERAND,
        O_FECF,
        O_OCF,
        O_FHEC,
        O_IZ,
        O_MAXPKT,
        O_CHANNEL,
        O_CURVE_SECRET,
        O_CURVE_ALLOW
    };
    static const struct option longopts[] = {{"pcap", required_argument, 0, O_PCAP},
                                             {"iface", required_argument, 0, O_IFACE},
                                             {"udp", required_argument, 0, O_UDP},
                                             {"tcp", required_argument, 0, O_TCP},
                                             {"file", required_argument, 0, O_FILE},
                                             {"filter", required_argument, 0, O_FILTER},
                                             {"framing", required_argument, 0, O_FRAMING},
                                             {"spacecraft", required_argument, 0, O_SC},
                                             {"source-name", required_argument, 0, O_SRCNAME},
                                             {"pub", required_argument, 0, O_PUB},
                                             {"insecure", no_argument, 0, O_INSECURE},
                                             {"json", no_argument, 0, O_JSON},
                                             {"no-drop", no_argument, 0, O_NODROP},
                                             {"wait-subscriber", required_argument, 0, O_WAITSUB},
                                             {"batch", required_argument, 0, O_BATCH},
                                             {"no-raw", no_argument, 0, O_NORAW},
                                             {"publish-idle", no_argument, 0, O_IDLE},
                                             {"time-code", required_argument, 0, O_TC},
                                             {"epoch", required_argument, 0, O_EPOCH},
                                             {"speed", required_argument, 0, O_SPEED},
                                             {"realtime", no_argument, 0, O_REALTIME},
                                             {"hwm", required_argument, 0, O_HWM},
                                             {"linger", required_argument, 0, O_LINGER},
                                             {"stats-interval", required_argument, 0, O_STATS},
                                             {"exit-on-eof", no_argument, 0, O_EOF},
                                             {"progress", no_argument, 0, O_PROGRESS},
                                             {"quiet", no_argument, 0, O_QUIET},
                                             {"mdb", required_argument, 0, O_MDB},
                                             {"list", no_argument, 0, O_LIST},
                                             {"raw", no_argument, 0, O_RAW},
                                             {"time-param", required_argument, 0, O_TIME_PARAM},
                                             {"frame-type", required_argument, 0, O_FRAME_TYPE},
                                             {"frame-length", required_argument, 0, O_FRAME_LEN},
                                             {"rs-interleave", required_argument, 0, O_RS},
                                             {"no-derandomize", no_argument, 0, O_NODERAND},
                                             {"fecf", no_argument, 0, O_FECF},
                                             {"ocf", no_argument, 0, O_OCF},
                                             {"fhec", no_argument, 0, O_FHEC},
                                             {"insert-zone", required_argument, 0, O_IZ},
                                             {"max-packet-length", required_argument, 0, O_MAXPKT},
                                             {"channel", required_argument, 0, O_CHANNEL},
                                             {"curve-secret", required_argument, 0, O_CURVE_SECRET},
                                             {"curve-allow", required_argument, 0, O_CURVE_ALLOW},
                                             {"help", no_argument, 0, O_HELP},
                                             {"version", no_argument, 0, O_VERSION},
                                             {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->spacecraft = "SC";
    o->pub = VLEO_DEFAULT_DECODER_PUB;
    o->raw = true;
    o->wait_sub_s = 10;
    o->hwm = 100000;
    o->linger_ms = 30000;
    o->stats_interval_s = 1;
    o->progress = isatty(STDERR_FILENO);
    dec_pipeline_opts_default(&o->popts);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        enum src_kind k = SRC_NONE;
        switch (c) {
        case O_PCAP:
            k = SRC_PCAP;
            break;
        case O_IFACE:
            k = SRC_IFACE;
            break;
        case O_UDP:
            k = SRC_UDP;
            break;
        case O_TCP:
            k = SRC_TCP;
            break;
        case O_FILE:
            k = SRC_FILE;
            break;
        case O_FILTER:
            o->filter = optarg;
            break;
        case O_FRAMING:
            if (strcmp(optarg, "spp") == 0) {
                o->popts.framing = DEC_FRAMING_SPP;
            } else if (strcmp(optarg, "tm") == 0) {
                o->popts.framing = DEC_FRAMING_TM;
                o->popts.frame.kind = DEC_FRAME_TM;
            } else if (strcmp(optarg, "aos") == 0) {
                o->popts.framing = DEC_FRAMING_AOS;
                o->popts.frame.kind = DEC_FRAME_AOS;
            } else if (strcmp(optarg, "cadu") == 0) {
                o->popts.framing = DEC_FRAMING_CADU;
            } else {
                vleo_cli_usage_error("--framing '%s': spp, tm, aos or cadu", optarg);
            }
            break;
        case O_FRAME_TYPE:
            if (strcmp(optarg, "tm") == 0) {
                o->popts.frame.kind = DEC_FRAME_TM;
            } else if (strcmp(optarg, "aos") == 0) {
                o->popts.frame.kind = DEC_FRAME_AOS;
            } else {
                vleo_cli_usage_error("--frame-type '%s': tm or aos", optarg);
            }
            break;
        case O_FRAME_LEN:
            o->popts.frame.frame_len = (uint32_t)vleo_cli_long("--frame-length", optarg, 7, 65535);
            break;
        case O_RS:
            o->popts.cadu.rs_interleave = (uint32_t)vleo_cli_long("--rs-interleave", optarg, 0, 8);
            break;
        case O_NODERAND:
            o->popts.cadu.derandomize = false;
            break;
        case O_FECF:
            o->popts.frame.fecf = true;
            break;
        case O_OCF:
            o->popts.frame.ocf = true;
            break;
        case O_FHEC:
            o->popts.frame.fhec = true;
            break;
        case O_IZ:
            o->popts.frame.insert_zone = (uint32_t)vleo_cli_long("--insert-zone", optarg, 0, 1024);
            break;
        case O_CHANNEL:
            load_channel_file(optarg, o);
            break;
        case O_MAXPKT:
            o->popts.frame.max_packet_len =
                (uint32_t)vleo_cli_long("--max-packet-length", optarg, 7, 65542);
            break;
        case O_SC:
            if (optarg[0] == '\0' || strlen(optarg) > DEC_OUT_MAX_NAME ||
                strchr(optarg, '/') != NULL) {
                vleo_cli_usage_error("--spacecraft '%s': 1 to 64 octets without '/'", optarg);
            }
            o->spacecraft = optarg;
            break;
        case O_SRCNAME:
            if (optarg[0] == '\0' || strlen(optarg) > DEC_OUT_MAX_NAME) {
                vleo_cli_usage_error("--source-name '%s': 1 to 64 octets", optarg);
            }
            o->source_name = optarg;
            break;
        case O_PUB:
            o->pub = strcmp(optarg, "none") == 0 ? NULL : optarg;
            break;
        case O_INSECURE:
            o->insecure = true;
            break;
        case O_CURVE_SECRET:
            o->curve.secret = optarg;
            break;
        case O_CURVE_ALLOW:
            o->curve.allow = optarg;
            break;
        case O_JSON:
            o->json = true;
            break;
        case O_NODROP:
            o->no_drop = true;
            break;
        case O_WAITSUB:
            o->wait_sub_s = vleo_cli_double("--wait-subscriber", optarg, 0, 86400);
            break;
        case O_BATCH:
            o->batch = (uint32_t)vleo_cli_long("--batch", optarg, 1, 100000);
            break;
        case O_NORAW:
            o->raw = false;
            break;
        case O_IDLE:
            o->publish_idle = true;
            break;
        case O_TC: {
            char err[256];
            if (dec_tc_format_parse(optarg, &o->popts.time_code, err, sizeof err) != 0) {
                vleo_cli_usage_error("--time-code: %s", err);
            }
            break;
        }
        case O_EPOCH:
            if (vleo_epoch_parse(optarg, &o->popts.epoch) != 0) {
                vleo_cli_usage_error(
                    "--epoch '%s' is not 1958-01-01, 1980-01-06 or an ISO 8601 time", optarg);
            }
            break;
        case O_SPEED:
            o->speed = vleo_cli_double("--speed", optarg, 0.001, 1e6);
            break;
        case O_REALTIME:
            o->speed = 1;
            break;
        case O_HWM:
            o->hwm = (int)vleo_cli_long("--hwm", optarg, 1, 100000000);
            break;
        case O_LINGER:
            o->linger_ms = (int)vleo_cli_long("--linger", optarg, -1, 86400000);
            break;
        case O_STATS:
            o->stats_interval_s = vleo_cli_double("--stats-interval", optarg, 0.01, 86400);
            break;
        case O_EOF:
            o->exit_on_eof = true;
            break;
        case O_PROGRESS:
            o->progress = true;
            break;
        case O_QUIET:
            o->quiet = true;
            break;
        case O_MDB:
            o->mdb_path = optarg;
            break;
        case O_LIST:
            o->list = true;
            break;
        case O_RAW:
            o->json_raw = true;
            break;
        case O_TIME_PARAM:
            o->time_param = optarg;
            break;
        case O_HELP:
            fputs(usage_text, stdout);
            exit(VLEO_EXIT_OK);
        case O_VERSION:
            printf("vleo-decoder %s\n", VLEO_VERSION);
            exit(VLEO_EXIT_OK);
        default:
            vleo_cli_usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
        if (k != SRC_NONE) {
            if (o->kind != SRC_NONE) {
                vleo_cli_usage_error("give exactly one source (%s is a second one)",
                                     argv[optind - 2]);
            }
            o->kind = k;
            o->input = optarg;
        }
    }
    if (optind < argc) {
        vleo_cli_usage_error("unexpected argument '%s'", argv[optind]);
    }
    if (o->time_param != NULL && o->mdb_path == NULL) {
        vleo_cli_usage_error("--time-param %s needs --mdb FILE", o->time_param);
    }
    if (o->list) {
        if (o->mdb_path == NULL) {
            vleo_cli_usage_error("--list needs --mdb FILE");
        }
        return;
    }
    if (o->kind == SRC_NONE) {
        vleo_cli_usage_error("no source given");
    }
    if (o->filter != NULL && o->kind != SRC_PCAP && o->kind != SRC_IFACE) {
        vleo_cli_usage_error("--filter '%s' applies to --pcap and --iface only", o->filter);
    }
    if (o->speed > 0 && o->kind != SRC_PCAP) {
        vleo_cli_usage_error("--speed/--realtime apply to --pcap only");
    }
    const char *curve_err = vleo_curve_opts_check(&o->curve, o->pub != NULL, false);
    if (curve_err != NULL) {
        vleo_cli_usage_error("%s", curve_err);
    }
    if (o->pub != NULL && !vleo_endpoint_is_local(o->pub) && !o->insecure &&
        o->curve.allow == NULL) {
        vleo_cli_usage_error("--pub %s is reachable from other hosts: add --curve-secret and "
                             "--curve-allow to authenticate subscribers, or --insecure to "
                             "publish without authentication",
                             o->pub);
    }
    o->popts.deliver_idle = o->publish_idle;
    /* Frame and channel-coding settings are configuration: check them now (exit 2). */
    char err[256];
    if (dec_channel_check(&o->popts, err, sizeof err) != 0) {
        vleo_cli_usage_error("%s", err);
    }
}

/* Everything the run loop needs. */
typedef struct {
    options_t *o;
    dec_pipeline_t *pipe;
    dec_out_t *out;
    void *zsock;
    double next_stats;
    double next_progress;
    double start;
    uint64_t tcp_connects;
    uint64_t tcp_reconnects;
    uint64_t tcp_connect_failures;
    uint64_t socket_errors;
    uint64_t capture_truncated;
    uint64_t capture_dropped;  /* kernel drops reported by live capture */
    uint64_t capture_records;  /* records read from a capture file */
    uint64_t capture_filtered; /* ... of which --filter dropped */
    dec_capreader_t *cap;      /* open capture file (--pcap) */
    int in_fd;                 /* open input file or bound UDP socket (--file, --udp) */
    int warned_lt[8];
    unsigned n_warned_lt;
    int64_t size_total; /* input size for progress, or -1 */
    int64_t size_done;
    vleo_curve_t *curve; /* with --curve-*: keys, allow list, ZAP handler */
} run_t;

/* The program's own counters, beside the library's, and the frame layer's. */
#define N_EXTRA 14
#define MAX_EXTRA 64
static const char *const extra_names[N_EXTRA] = {
    "tcp_connects",      "tcp_reconnects",       "tcp_connect_failures", "socket_errors",
    "capture_truncated", "capture_kernel_drops", "capture_records",      "capture_filtered",
    "curve_admitted",    "curve_refused_key",    "curve_refused_other",  "curve_handshake_failed",
    "curve_reloads",     "curve_reload_failures"};

static size_t extra_counters(const run_t *r, const char **names, uint64_t *v) {
    const dec_cr_stats_t *cs = r->cap != NULL ? dec_capreader_stats(r->cap) : NULL;
    v[0] = r->tcp_connects;
    v[1] = r->tcp_reconnects;
    v[2] = r->tcp_connect_failures;
    v[3] = r->socket_errors;
    v[4] = r->capture_truncated;
    v[5] = r->capture_dropped;
    v[6] = cs != NULL ? cs->records : 0;
    v[7] = cs != NULL ? cs->filtered : 0;
    vleo_curve_stats_t cst = {0};
    if (r->curve != NULL) {
        vleo_curve_stats(r->curve, &cst);
    }
    v[8] = cst.admitted;
    v[9] = cst.refused_key;
    v[10] = cst.refused_other;
    v[11] = cst.handshake_failed;
    v[12] = cst.reloads;
    v[13] = cst.reload_failures;
    for (size_t i = 0; i < N_EXTRA; i++) {
        names[i] = extra_names[i];
    }
    return N_EXTRA +
           dec_pipeline_frame_counters(r->pipe, names + N_EXTRA, v + N_EXTRA, MAX_EXTRA - N_EXTRA);
}

static void publish_stats(run_t *r, bool final) {
    uint64_t extra[MAX_EXTRA];
    const char *enames[MAX_EXTRA];
    size_t ne = extra_counters(r, enames, extra);
    const dec_net_stats_t *ns = (r->o->kind == SRC_PCAP || r->o->kind == SRC_IFACE)
                                    ? dec_pipeline_net_stats(r->pipe)
                                    : NULL;
    dec_out_stats(r->out, dec_pipeline_stats(r->pipe), ns, extra, enames, ne, final,
                  vleo_now_utc_ns());
}

static void drain_subscriptions(run_t *r) {
    if (r->zsock == NULL) {
        return;
    }
    char buf[256];
    for (int i = 0; i < 1000 && zmq_recv(r->zsock, buf, sizeof buf, ZMQ_DONTWAIT) >= 0; i++) {
    }
}

static void show_progress(run_t *r, bool last) {
    const dec_stats_t *s = dec_pipeline_stats(r->pipe);
    double el = vleo_mono_s() - r->start;
    double rate = el > 0 ? (double)s->packets / el : 0;
    if (r->size_total > 0) {
        double pct = 100.0 * (double)r->size_done / (double)r->size_total;
        fprintf(stderr, "\r%5.1f%%  %llu packets  %.2f M packets/s  %llu rejected   ", pct,
                (unsigned long long)s->packets, rate / 1e6,
                (unsigned long long)(s->rejected[0] + s->rejected[1] + s->rejected[2] +
                                     s->rejected[3]));
    } else {
        fprintf(stderr, "\r%llu packets  %.2f M packets/s   ", (unsigned long long)s->packets,
                rate / 1e6);
    }
    if (last) {
        fputc('\n', stderr);
    }
}

/* SIGHUP: re-read the CURVE allow list (a broken one keeps the previous list). */
static void reload_if_asked(run_t *r) {
    if (g_hup) {
        g_hup = 0;
        if (r->curve != NULL) {
            vleo_curve_reload(r->curve);
        }
    }
}

/* Periodic work: stats, subscriptions, progress, batch flush in live mode, SIGHUP. */
static void tick(run_t *r, bool live) {
    reload_if_asked(r);
    /* JSON lines to a reader that went away (`| head`): stop as a filter would, but with
     * the summary and final stats rather than dying of SIGPIPE. */
    if (r->o->json && !g_stop && ferror(stdout)) {
        VLEO_INFO("stdout closed: stopping");
        g_stop = 1;
    }
    double t = vleo_mono_s();
    if (t >= r->next_stats) {
        r->next_stats = t + r->o->stats_interval_s;
        if (live) {
            dec_out_flush(r->out);
            if (r->o->json) {
                fflush(stdout); /* live JSON lines reach pipes within a tick */
            }
        }
        drain_subscriptions(r);
        publish_stats(r, false);
    }
    if (r->o->progress && t >= r->next_progress) {
        r->next_progress = t + 0.5;
        show_progress(r, false);
    }
}

static int set_filter(pcap_t *pc, const char *filter, const char *what) {
    if (filter == NULL) {
        return 0;
    }
    struct bpf_program prog;
    if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        VLEO_ERR("--filter '%s': %s", filter, pcap_geterr(pc));
        return VLEO_EXIT_USAGE;
    }
    int rc = pcap_setfilter(pc, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        VLEO_ERR("%s: cannot set the filter: %s", what, pcap_geterr(pc));
        return VLEO_EXIT_RUNTIME;
    }
    return 0;
}

/* Warn once per link type that the network layer does not walk (its records are counted as
 * unsupported_linktype). */
static void check_linktype(run_t *r, int lt) {
    static const int ok[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (ok[i] == lt) {
            return;
        }
    }
    for (unsigned i = 0; i < r->n_warned_lt; i++) {
        if (r->warned_lt[i] == lt) {
            return;
        }
    }
    if (r->n_warned_lt < sizeof r->warned_lt / sizeof r->warned_lt[0]) {
        r->warned_lt[r->n_warned_lt++] = lt;
    }
    const char *name = pcap_datalink_val_to_name(lt);
    VLEO_WARN("%s: link type %d (%s) is not supported: its records are rejected as "
              "unsupported_linktype",
              r->o->input, lt, name ? name : "unknown");
}

/* --pcap: a pcap or pcapng file (or stdin), records of any supported link type mixed. */
static int run_pcap(run_t *r) {
    dec_capreader_t *cr = r->cap;
    r->size_total = dec_capreader_size(cr);
    bool first = true;
    int64_t ts0 = 0;
    double wall0 = 0;
    int rc = 0;
    int last_lt = -1;
    for (uint64_t n = 1; !g_stop; n++) {
        dec_cap_record_t rec;
        dec_cr_status_t st = dec_capreader_next(cr, &rec);
        if (st == DEC_CR_EOF) {
            break;
        }
        if (st == DEC_CR_TRUNCATED) {
            r->capture_truncated++;
            VLEO_WARN("%s", dec_capreader_error(cr));
            break;
        }
        if (st == DEC_CR_ERROR) {
            VLEO_ERR("%s", dec_capreader_error(cr));
            rc = VLEO_EXIT_INPUT;
            break;
        }
        if (rec.linktype != last_lt) {
            check_linktype(r, rec.linktype);
            last_lt = rec.linktype;
        }
        if (r->o->speed > 0) {
            if (first) {
                ts0 = rec.ts_ns;
                wall0 = vleo_mono_s();
                first = false;
            }
            double wait = wall0 + (double)(rec.ts_ns - ts0) * 1e-9 / r->o->speed - vleo_mono_s();
            if (wait > 0) {
                struct timespec d = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
                nanosleep(&d, NULL);
            }
        }
        dec_pipeline_record(r->pipe, rec.linktype, rec.data, rec.caplen, rec.wirelen, rec.ts_ns);
        if ((n & 1023) == 0) {
            r->size_done = (int64_t)dec_capreader_offset(cr);
            tick(r, r->o->speed > 0);
        }
    }
    r->size_done = (int64_t)dec_capreader_offset(cr);
    return rc;
}

typedef struct {
    run_t *r;
    int dlt;
    int64_t ts_scale;
} live_ctx_t;

static void on_live_record(u_char *user, const struct pcap_pkthdr *h, const u_char *data) {
    live_ctx_t *lc = (live_ctx_t *)user;
    int64_t ts = (int64_t)h->ts.tv_sec * VLEO_NS_PER_S + (int64_t)h->ts.tv_usec * lc->ts_scale;
    dec_pipeline_record(lc->r->pipe, lc->dlt, data, h->caplen, h->len, ts);
}

static int run_iface(run_t *r) {
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_create(r->o->input, errbuf);
    if (pc == NULL) {
        VLEO_ERR("--iface %s: %s", r->o->input, errbuf);
        return VLEO_EXIT_INPUT;
    }
    pcap_set_snaplen(pc, 262144);
    pcap_set_timeout(pc, 100);
    pcap_set_immediate_mode(pc, 1);
    pcap_set_buffer_size(pc, 64 << 20);
    pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
    int act = pcap_activate(pc);
    if (act < 0) {
        VLEO_ERR("--iface %s: cannot start the capture: %s", r->o->input, pcap_geterr(pc));
        pcap_close(pc);
        return VLEO_EXIT_INPUT;
    }
    int rc = set_filter(pc, r->o->filter, r->o->input);
    int fd = -1;
    if (rc == 0 &&
        (pcap_setnonblock(pc, 1, errbuf) != 0 || (fd = pcap_get_selectable_fd(pc)) < 0)) {
        VLEO_ERR("--iface %s: cannot poll the capture: %s", r->o->input, errbuf);
        rc = VLEO_EXIT_RUNTIME;
    }
    if (rc == 0) {
        check_linktype(r, pcap_datalink(pc));
        VLEO_INFO("capturing on %s%s%s", r->o->input, r->o->filter ? " with filter " : "",
                  r->o->filter ? r->o->filter : "");
        /* Our own poll with a timeout, so signals and stats ticks are never held up by a
         * quiet interface (libpcap's blocking read may wait indefinitely in immediate mode). */
        live_ctx_t lc = {r, pcap_datalink(pc),
                         pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000};
        while (!g_stop) {
            struct pollfd pfd = {fd, POLLIN, 0};
            poll(&pfd, 1, 100);
            int n = pcap_dispatch(pc, 10000, on_live_record, (u_char *)&lc);
            if (n < 0 && n != PCAP_ERROR_BREAK) {
                VLEO_ERR("--iface %s: capture failed: %s", r->o->input, pcap_geterr(pc));
                rc = VLEO_EXIT_RUNTIME;
                break;
            }
            tick(r, true);
        }
        struct pcap_stat ps;
        if (pcap_stats(pc, &ps) == 0) {
            r->capture_dropped = ps.ps_drop + ps.ps_ifdrop;
        }
    }
    pcap_close(pc);
    return rc;
}

/* Split "HOST:PORT" ("[v6]:PORT" too) and resolve it. */
static int resolve(const char *hostport, int socktype, bool passive, struct addrinfo **res) {
    char host[256];
    const char *colon = strrchr(hostport, ':');
    if (colon == NULL || colon == hostport || colon[1] == '\0') {
        return -1;
    }
    size_t hl = (size_t)(colon - hostport);
    const char *h = hostport;
    if (hostport[0] == '[' && colon[-1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= sizeof host) {
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    return getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, res) == 0 ? 0 : -1;
}

static int run_udp(run_t *r) {
    int fd = r->in_fd;
    VLEO_INFO("listening for UDP on %s", r->o->input);
    enum { VLEN = 32, DGRAM_CAP = 65536 };
    static uint8_t bufs[VLEN][DGRAM_CAP];
    struct mmsghdr msgs[VLEN];
    struct iovec iov[VLEN];
    for (int i = 0; i < VLEN; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = DGRAM_CAP;
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    while (!g_stop) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, 100);
        tick(r, true);
        if (pr <= 0) {
            continue;
        }
        int n = recvmmsg(fd, msgs, VLEN, MSG_DONTWAIT, NULL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                r->socket_errors++;
            }
            continue;
        }
        int64_t t = vleo_now_utc_ns();
        for (int i = 0; i < n; i++) {
            dec_pipeline_datagram(r->pipe, bufs[i], msgs[i].msg_len, t);
        }
    }
    return 0;
}

/* Feed fd to stream 0 until EOF or stop. Returns 1 at EOF, 0 when stopped, -1 on error. */
static int pump_stream(run_t *r, int fd, bool live) {
    static uint8_t buf[256 * 1024];
    while (!g_stop) {
        if (live) {
            struct pollfd pfd = {fd, POLLIN, 0};
            int pr = poll(&pfd, 1, 100);
            tick(r, true);
            if (pr <= 0) {
                continue;
            }
        }
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0) {
            return 1;
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return -1;
        }
        dec_pipeline_stream(r->pipe, 0, buf, (size_t)n, vleo_now_utc_ns());
        r->size_done += n;
        if (!live) {
            tick(r, false);
        }
    }
    return 0;
}

static int run_file(run_t *r) {
    int fd = r->in_fd;
    struct stat stt;
    r->size_total = (fstat(fd, &stt) == 0 && S_ISREG(stt.st_mode)) ? stt.st_size : -1;
    int rc = pump_stream(r, fd, false);
    if (rc < 0) {
        VLEO_ERR("%s: read error after %lld octets: %s", r->o->input, (long long)r->size_done,
                 strerror(errno));
    }
    dec_pipeline_stream_end(r->pipe, 0);
    return rc < 0 ? VLEO_EXIT_INPUT : 0;
}

static int run_tcp(run_t *r) {
    struct addrinfo *ai;
    if (resolve(r->o->input, SOCK_STREAM, false, &ai) != 0) {
        VLEO_ERR("--tcp %s: not a HOST:PORT this machine can resolve", r->o->input);
        return VLEO_EXIT_USAGE;
    }
    double backoff = 0.1;
    while (!g_stop) {
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            if (r->tcp_connects++ > 0) {
                r->tcp_reconnects++;
            }
            VLEO_INFO("connected to %s", r->o->input);
            backoff = 0.1;
            int rc = pump_stream(r, fd, true);
            close(fd);
            dec_pipeline_stream_end(r->pipe, 0);
            if (rc > 0) {
                VLEO_INFO("%s closed the connection", r->o->input);
            } else if (rc < 0) {
                VLEO_WARN("%s: read error: %s", r->o->input, strerror(errno));
                r->socket_errors++;
            }
            if (r->o->exit_on_eof || rc == 0) {
                break;
            }
        } else {
            r->tcp_connect_failures++;
            if (r->tcp_connect_failures == 1 || r->tcp_connect_failures % 20 == 0) {
                VLEO_WARN("--tcp %s: cannot connect (%s), retrying with backoff", r->o->input,
                          strerror(errno));
            }
            if (fd >= 0) {
                close(fd);
            }
        }
        /* Back off 0.1 s doubling to 5 s, still ticking stats while waiting. */
        double until = vleo_mono_s() + backoff;
        while (!g_stop && vleo_mono_s() < until) {
            struct timespec d = {0, 50 * 1000 * 1000};
            nanosleep(&d, NULL);
            tick(r, true);
        }
        backoff = backoff * 2 > 5 ? 5 : backoff * 2;
    }
    freeaddrinfo(ai);
    return 0;
}

static void print_summary(run_t *r) {
    const char *names[DEC_OUT_MAX_COUNTERS];
    uint64_t vals[DEC_OUT_MAX_COUNTERS];
    uint64_t rejected = 0;
    const dec_net_stats_t *ns = (r->o->kind == SRC_PCAP || r->o->kind == SRC_IFACE)
                                    ? dec_pipeline_net_stats(r->pipe)
                                    : NULL;
    const dec_stats_t *s = dec_pipeline_stats(r->pipe);
    size_t n = dec_out_counters(r->out, s, ns, names, vals, DEC_OUT_MAX_COUNTERS, &rejected);
    double el = vleo_mono_s() - r->start;
    fprintf(stderr,
            "vleo-decoder: %s: %llu records, %llu octets -> %llu packets (%llu idle), %llu "
            "published, %llu dropped, %llu rejected, in %.2f s\n",
            r->o->input, (unsigned long long)(ns ? ns->records : s->datagrams + s->stream_reads),
            (unsigned long long)s->bytes, (unsigned long long)s->packets,
            (unsigned long long)s->idle, (unsigned long long)dec_out_get_stats(r->out)->published,
            (unsigned long long)dec_out_get_stats(r->out)->dropped, (unsigned long long)rejected,
            el);
    fprintf(stderr, "  counters (non-zero):");
    int col = 0;
    for (size_t i = 0; i < n; i++) {
        if (vals[i] == 0) {
            continue;
        }
        fprintf(stderr, "%s%s=%llu", col % 4 == 0 ? "\n    " : "  ", names[i],
                (unsigned long long)vals[i]);
        col++;
    }
    uint64_t extra[MAX_EXTRA];
    const char *enames[MAX_EXTRA];
    size_t ne = extra_counters(r, enames, extra);
    for (size_t i = 0; i < ne; i++) {
        if (extra[i] != 0) {
            fprintf(stderr, "%s%s=%llu", col % 4 == 0 ? "\n    " : "  ", enames[i],
                    (unsigned long long)extra[i]);
            col++;
        }
    }
    fprintf(stderr, "%s\n", col == 0 ? " none" : "");
}

/* Open the input before anything waits on it, so a missing file or a port in use is reported
 * at once (exit 3), even with --no-drop. */
static int open_input(run_t *r) {
    const char *in = r->o->input;
    if (r->o->kind == SRC_PCAP) {
        char err[512];
        int code = 0;
        r->cap = dec_capreader_open(in, r->o->filter, err, sizeof err, &code);
        if (r->cap == NULL) {
            VLEO_ERR("%s", err);
            return code;
        }
    } else if (r->o->kind == SRC_FILE) {
        r->in_fd = strcmp(in, "-") == 0 ? STDIN_FILENO : open(in, O_RDONLY | O_CLOEXEC);
        if (r->in_fd < 0) {
            VLEO_ERR("%s: cannot open: %s", in, strerror(errno));
            return VLEO_EXIT_INPUT;
        }
    } else if (r->o->kind == SRC_UDP) {
        struct addrinfo *ai;
        if (resolve(in, SOCK_DGRAM, true, &ai) != 0) {
            VLEO_ERR("--udp %s: not a HOST:PORT this machine can resolve", in);
            return VLEO_EXIT_USAGE;
        }
        int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int rcvbuf = 8 << 20;
        if (fd >= 0) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        }
        if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            VLEO_ERR("--udp %s: cannot bind: %s", in, strerror(errno));
            freeaddrinfo(ai);
            if (fd >= 0) {
                close(fd);
            }
            return VLEO_EXIT_INPUT;
        }
        freeaddrinfo(ai);
        r->in_fd = fd;
    }
    return 0;
}

static void close_input(run_t *r) {
    dec_capreader_close(&r->cap);
    if (r->in_fd > STDIN_FILENO) {
        close(r->in_fd);
    }
    r->in_fd = -1;
}

/* Load the mission database; XTCE problems are configuration errors (exit 2), an unreadable
 * file exit 3. What the file uses that is not supported is listed on stderr. */
static int load_mdb(const char *path, dec_mdb_t **mdb) {
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        VLEO_ERR("--mdb %s: cannot open: %s", path, strerror(errno));
        return VLEO_EXIT_INPUT;
    }
    fclose(fp);
    char err[1024];
    *mdb = dec_mdb_load(path, err, sizeof err);
    if (*mdb == NULL) {
        VLEO_ERR("--mdb %s", err);
        return VLEO_EXIT_USAGE;
    }
    size_t nu = dec_mdb_n_unsupported(*mdb);
    for (size_t i = 0; i < nu; i++) {
        VLEO_WARN("--mdb %s: %s: not supported, ignored", path, dec_mdb_unsupported(*mdb, i));
    }
    return 0;
}

/* --list: every container (packet) with its base and the parameters its entries place. */
static void print_list(const dec_mdb_t *mdb, const char *path) {
    size_t nc = dec_mdb_n_containers(mdb);
    printf("%s: %zu containers, %zu parameters\n", path, nc, dec_mdb_n_params(mdb));
    static uint32_t params[4096];
    for (uint32_t c = 0; c < nc; c++) {
        int32_t base = dec_mdb_container_base(mdb, c);
        printf("%s %s%s%s\n", dec_mdb_container_abstract(mdb, c) ? "abstract" : "packet  ",
               dec_mdb_container_qname(mdb, c), base >= 0 ? " : " : "",
               base >= 0 ? dec_mdb_container_qname(mdb, (uint32_t)base) : "");
        size_t n = dec_mdb_container_params(mdb, c, params, sizeof params / sizeof params[0]);
        for (size_t i = 0; i < n && i < sizeof params / sizeof params[0]; i++) {
            const char *unit = dec_mdb_param_unit(mdb, params[i]);
            printf("    %-40s %-13s %s\n", dec_mdb_param_name(mdb, params[i]),
                   dec_mdb_param_type(mdb, params[i]), unit);
        }
    }
    size_t nu = dec_mdb_n_unsupported(mdb);
    if (nu > 0) {
        printf("not supported (ignored):\n");
        for (size_t i = 0; i < nu; i++) {
            printf("    %s\n", dec_mdb_unsupported(mdb, i));
        }
    }
}

static void *open_publisher(options_t *o, void *zctx, vleo_curve_t *curve, int *rc) {
    vleo_zsock_opts_t zo;
    vleo_zsock_opts_default(&zo);
    if (curve != NULL) {
        zo.setup = vleo_curve_setup_server;
        zo.setup_arg = curve;
    }
    /* --hwm counts packets: with --batch the queue holds batches, so it is scaled down to
     * keep memory bounded the same way. */
    zo.sndhwm = o->batch ? (o->hwm / (int)o->batch > 2 ? o->hwm / (int)o->batch : 2) : o->hwm;
    zo.linger_ms = o->linger_ms;
    char err[512];
    void *s = vleo_zsock_open(zctx, ZMQ_XPUB, &zo, o->pub, true, err, sizeof err);
    if (s == NULL) {
        VLEO_ERR("--pub: %s", err);
        *rc = VLEO_EXIT_RUNTIME;
        return NULL;
    }
    /* NODROP: at the HWM a send fails with EAGAIN (live: counted as dropped) or blocks
     * (--no-drop) instead of dropping silently as PUB does. */
    int one = 1;
    if (zmq_setsockopt(s, ZMQ_XPUB_NODROP, &one, sizeof one) != 0) {
        VLEO_ERR("cannot set ZMQ_XPUB_NODROP: %s", zmq_strerror(errno));
        zmq_close(s);
        *rc = VLEO_EXIT_RUNTIME;
        return NULL;
    }
    return s;
}

int main(int argc, char **argv) {
    options_t o;
    vleo_log_init("vleo-decoder", VLEO_LOG_INFO);
    vleo_cli_init("vleo-decoder", usage_text);
    parse_options(argc, argv, &o);
    dec_mdb_t *mdb = NULL;
    if (o.mdb_path != NULL) {
        int lrc = load_mdb(o.mdb_path, &mdb);
        if (lrc != 0) {
            return lrc;
        }
        o.popts.mdb = mdb;
        o.popts.max_params = DEC_OUT_MAX_PARAMS;
        if (o.time_param != NULL) {
            o.popts.time_param = dec_mdb_find_param(mdb, o.time_param);
            if (o.popts.time_param < 0 ||
                strcmp(dec_mdb_param_type(mdb, (uint32_t)o.popts.time_param), "absolute_time")) {
                VLEO_ERR("--time-param %s: no AbsoluteTime parameter of that name in %s",
                         o.time_param, o.mdb_path);
                dec_mdb_destroy(&mdb);
                return VLEO_EXIT_USAGE;
            }
        }
        if (o.list) {
            print_list(mdb, o.mdb_path);
            dec_mdb_destroy(&mdb);
            return VLEO_EXIT_OK;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (o.curve.allow != NULL) {
        sigaction(SIGHUP, &sa, NULL); /* reloads the allow list instead of ending the run */
    }
    signal(SIGPIPE, SIG_IGN);

    char name[DEC_OUT_MAX_NAME + 8];
    if (o.source_name == NULL) {
        const char *base = strrchr(o.input, '/');
        base = base ? base + 1 : o.input;
        static const char *const prefix[] = {"", "", "iface-", "udp-", "tcp-", ""};
        safe_name(prefix[o.kind], strcmp(o.input, "-") == 0 ? "stdin" : base, name, sizeof name);
        o.source_name = name;
    }

    int rc = 0;
    void *zctx = NULL;
    run_t r;
    memset(&r, 0, sizeof r);
    r.o = &o;
    r.size_total = -1;
    r.in_fd = -1;
    char err[512];
    if (vleo_curve_opts_any(&o.curve)) {
        /* Key files and the allow list are configuration: checked before any input. */
        r.curve = vleo_curve_new(&o.curve, vleo_curve_log_vleo, NULL, err, sizeof err, &rc);
        if (r.curve == NULL) {
            VLEO_ERR("%s", err);
            dec_mdb_destroy(&mdb);
            return rc;
        }
    }
    rc = open_input(&r);
    if (rc != 0) {
        vleo_curve_destroy(&r.curve);
        dec_mdb_destroy(&mdb);
        return rc;
    }
    if (o.pub != NULL) {
        zctx = zmq_ctx_new();
        if (r.curve != NULL && vleo_curve_start(r.curve, zctx, err, sizeof err) != 0) {
            VLEO_ERR("%s", err);
            rc = VLEO_EXIT_RUNTIME;
        } else {
            r.zsock = open_publisher(&o, zctx, r.curve, &rc);
        }
        if (r.zsock == NULL) {
            vleo_curve_destroy(&r.curve);
            zmq_ctx_term(zctx);
            close_input(&r);
            dec_mdb_destroy(&mdb);
            return rc;
        }
    }
    dec_out_opts_t oo = {.spacecraft = o.spacecraft,
                         .source_name = o.source_name,
                         .source_path = o.input,
                         .zsock = r.zsock,
                         .no_drop = o.no_drop,
                         .batch = o.batch,
                         .raw = o.raw,
                         .json = o.json ? stdout : NULL,
                         .stop = &g_stop,
                         .mdb = mdb,
                         .json_raw = o.json_raw};
    r.out = dec_out_new(&oo, err, sizeof err);
    r.pipe = r.out ? dec_pipeline_new(&o.popts, dec_out_packet, r.out, err, sizeof err) : NULL;
    if (r.pipe == NULL) {
        VLEO_ERR("%s", err);
        rc = VLEO_EXIT_RUNTIME;
        goto done;
    }
    if (r.zsock != NULL && o.no_drop && o.wait_sub_s > 0) {
        VLEO_INFO("waiting up to %g s for a subscriber on %s", o.wait_sub_s, o.pub);
        zmq_pollitem_t pi = {r.zsock, 0, ZMQ_POLLIN, 0};
        double until = vleo_mono_s() + o.wait_sub_s;
        while (!g_stop && vleo_mono_s() < until && zmq_poll(&pi, 1, 100) <= 0) {
            reload_if_asked(&r); /* a refused subscriber may be allowed meanwhile */
        }
        if (!(pi.revents & ZMQ_POLLIN)) {
            VLEO_ERR("no subscriber on %s within %g s: with --no-drop nothing may be lost", o.pub,
                     o.wait_sub_s);
            rc = VLEO_EXIT_RUNTIME;
            goto done;
        }
    }
    r.start = vleo_mono_s();
    r.next_stats = r.start + o.stats_interval_s;
    r.next_progress = r.start + 0.5;
    switch (o.kind) {
    case SRC_PCAP:
        rc = run_pcap(&r);
        break;
    case SRC_IFACE:
        rc = run_iface(&r);
        break;
    case SRC_UDP:
        rc = run_udp(&r);
        break;
    case SRC_TCP:
        rc = run_tcp(&r);
        break;
    case SRC_FILE:
        rc = run_file(&r);
        break;
    case SRC_NONE:
        break;
    }
    if (rc == VLEO_EXIT_INPUT || rc == VLEO_EXIT_USAGE) {
        goto done; /* nothing was read: the one error line says it all */
    }
    dec_pipeline_flush(r.pipe);
    dec_out_flush(r.out);
    if (o.json) {
        fflush(stdout);
    }
    if (o.progress) {
        show_progress(&r, true);
    }
    publish_stats(&r, true);
    if (!o.quiet) {
        print_summary(&r);
    }
done:
    close_input(&r);
    dec_pipeline_destroy(&r.pipe);
    dec_out_destroy(&r.out);
    dec_mdb_destroy(&mdb);
    if (r.zsock != NULL) {
        zmq_close(r.zsock);
    }
    vleo_curve_destroy(&r.curve); /* its sockets close before the context ends */
    if (zctx != NULL) {
        zmq_ctx_term(zctx);
    }
    return rc;
}
