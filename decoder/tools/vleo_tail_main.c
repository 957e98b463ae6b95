/* vleo_tail_main.c: vleo-tail, print every message of a vleo ZeroMQ feed as a JSON line
 * (DESIGN sections 4 and 6). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "vleo/curve.h"
#include "vleo/json.h"
#include "vleo/log.h"
#include "vleo/pbjson.h"
#include "vleo/zmqutil.h"

#define TOPIC_MAX 256           /* longest topic frame we accept, octets */
#define IDLE_FLUSH_MS 100       /* buffered output reaches a pipe at least this often */
#define BURST_MAX 1024          /* messages handled per poll wake-up before checking time */
#define WARN_MAX 10             /* malformed-message warnings printed before going quiet */
#define TIMEOUT_MAX_S 3.15e7    /* about a year: keeps the millisecond count far from overflow */
#define UNPACK_CAP (256u << 20) /* octets protobuf-c may allocate to unpack one message */
/* JSON of one message: hex doubles the body, the rest is small; a protobuf that grows more
 * than that as JSON (long field names over tiny values) falls back to the hex form. */
#define OUT_CAP (3 * (size_t)VLEO_MAX_MSG_SIZE + 4096)

static const char usage_text[] =
    "usage: vleo-tail [options] ENDPOINT [TOPIC-PREFIX]\n"
    "Subscribe to ENDPOINT (any ZeroMQ endpoint, e.g. tcp://127.0.0.1:5556, ipc://PATH) and\n"
    "print each message as one JSON line on stdout:\n"
    "  {\"topic\":\"...\",\"message\":{...}}          topics tm/, tmb/, alert/, stats/decoder/,\n"
    "                                             stats/monitor, decoded field by field\n"
    "  {\"topic\":\"...\",\"size\":N,\"hex\":\"...\"}   any other topic, body as hex\n"
    "TOPIC-PREFIX keeps only the topics that start with it (default: every message).\n"
    "Options:\n"
    "  --count N        exit after printing N messages\n"
    "  --timeout SECS   limit on the total run time (decimals allowed), counted from start:\n"
    "                   exit 0 when it expires, or 1 if --count was given and fewer than N\n"
    "                   messages were printed by then\n"
    "  --bind           bind ENDPOINT instead of connecting to it\n"
    "  --hwm N          receive high-water mark in messages (default 100000)\n"
    "  --curve-secret FILE      CURVE: this program's secret key (vleo-keygen NAME.key, mode\n"
    "                           0600); its public key is derived from it\n"
    "  --curve-server-key FILE  CURVE: the publisher's public key (its NAME.pub); with\n"
    "                           --curve-secret, the connection is encrypted and the\n"
    "                           publisher admits us only if it allows our public key\n"
    "  --curve-allow DIR        with --bind: admit only publishers whose public key is a\n"
    "                           *.pub in DIR (re-read on SIGHUP)\n"
    "  --help           print this help and exit\n"
    "  --version        print the version and exit\n"
    "Malformed messages (not two frames, topic over 256 octets, undecodable body) are\n"
    "reported on stderr and counted, never printed. SIGINT and SIGTERM end it cleanly.\n"
    "Exit status: 0 success, 1 runtime failure, 2 usage error.\n";

/* Every message received is printed or lands in exactly one of the skip counters;
 * json_overflow counts printed messages that fell back to the hex form. */
typedef struct {
    uint64_t printed;
    uint64_t bad_frames;     /* not exactly two frames */
    uint64_t topic_too_long; /* topic frame over TOPIC_MAX */
    uint64_t body_too_large; /* body over VLEO_MAX_MSG_SIZE (ZMQ_MAXMSGSIZE should stop it) */
    uint64_t unpack_failed;  /* known topic, body not a valid message of its type */
    uint64_t json_overflow;  /* printed, but as hex: the JSON did not fit the buffer */
} tail_counters_t;

typedef struct {
    const char *endpoint;
    const char *prefix;
    uint64_t count;   /* 0: no limit */
    double timeout_s; /* 0: no limit */
    bool bind;
    int hwm;
    vleo_curve_opts_t curve; /* --curve-secret, --curve-server-key, --curve-allow */
} tail_opts_t;

/* protobuf-c allocator with a hard cap on the octets live at once. */
typedef struct {
    size_t used;
    size_t cap;
} capped_alloc_t;

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_hup; /* SIGHUP with --bind --curve-allow: reload the list */

static void on_signal(int sig) {
    if (sig == SIGHUP) {
        g_hup = 1;
    } else {
        g_stop = 1;
    }
}

static void *capped_alloc(void *data, size_t size) {
    capped_alloc_t *a = data;
    /* used <= cap always holds, so cap - used cannot wrap. */
    if (size > a->cap - a->used) {
        return NULL;
    }
    max_align_t *block = malloc(sizeof(max_align_t) + size);
    if (block == NULL) {
        return NULL;
    }
    memcpy(block, &size, sizeof size);
    a->used += size;
    return block + 1;
}

static void capped_free(void *data, void *ptr) {
    capped_alloc_t *a = data;
    if (ptr == NULL) {
        return;
    }
    max_align_t *block = (max_align_t *)ptr - 1;
    size_t size;
    memcpy(&size, block, sizeof size);
    a->used -= size;
    free(block);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Unsigned decimal, digits only, within [min, max]. Returns 0 or -1. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out) {
    if (s[0] < '0' || s[0] > '9') {
        return -1; /* strtoull would accept "-1" and " 1" */
    }
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

/* Up to cap-1 octets of topic with anything unprintable as '?', for diagnostics. */
static const char *printable(const uint8_t *p, size_t n, char *buf, size_t cap) {
    size_t k = 0;
    for (; k < n && k + 1 < cap; k++) {
        buf[k] = (p[k] >= 0x20 && p[k] < 0x7f) ? (char)p[k] : '?';
    }
    buf[k] = '\0';
    return buf;
}

/* Warn about one malformed message, quietly after WARN_MAX of them. */
static void warn_malformed(uint64_t *nwarned, const char *what, const uint8_t *topic, size_t tlen) {
    char shown[65];
    (*nwarned)++;
    if (*nwarned <= WARN_MAX) {
        VLEO_WARN("skipped message on topic \"%s\": %s",
                  printable(topic, tlen, shown, sizeof shown), what);
    }
    if (*nwarned == WARN_MAX) {
        VLEO_WARN("further malformed messages are counted without a warning");
    }
}

/* The hex form: {"topic":..,"size":N,"hex":".."}. */
static void write_hex_line(vleo_jw_t *w, const uint8_t *topic, size_t tlen, const uint8_t *body,
                           size_t blen) {
    vleo_jw_reset(w);
    vleo_jw_obj_begin(w);
    vleo_jw_key(w, "topic");
    vleo_jw_strn(w, (const char *)topic, tlen);
    vleo_jw_key(w, "size");
    vleo_jw_u64(w, blen);
    vleo_jw_key(w, "hex");
    vleo_jw_hex(w, body, blen);
    vleo_jw_obj_end(w);
}

/* Format one well-framed message into w. Returns false (after counting it) when it must not
 * be printed. */
static bool format_message(vleo_jw_t *w, capped_alloc_t *ca, const uint8_t *topic, size_t tlen,
                           const uint8_t *body, size_t blen, tail_counters_t *c,
                           uint64_t *nwarned) {
    const ProtobufCMessageDescriptor *desc = vleo_topic_descriptor((const char *)topic, tlen);
    if (desc == NULL) {
        write_hex_line(w, topic, tlen, body, blen);
        return true;
    }
    ProtobufCAllocator alloc = {capped_alloc, capped_free, ca};
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &alloc, blen, body);
    if (m == NULL) {
        c->unpack_failed++;
        warn_malformed(nwarned, "body is not a valid protobuf message of its topic's type", topic,
                       tlen);
        return false;
    }
    vleo_jw_reset(w);
    vleo_jw_obj_begin(w);
    vleo_jw_key(w, "topic");
    vleo_jw_strn(w, (const char *)topic, tlen);
    vleo_jw_key(w, "message");
    vleo_pbjson_write(w, m);
    vleo_jw_obj_end(w);
    protobuf_c_message_free_unpacked(m, &alloc);
    if (w->overflow) {
        c->json_overflow++;
        warn_malformed(nwarned, "too large as JSON, printed as hex", topic, tlen);
        write_hex_line(w, topic, tlen, body, blen);
    }
    return true;
}

typedef enum { RECV_NONE, RECV_DONE, RECV_FAIL, RECV_WRITE_FAIL } recv_status_t;

/* Receive one whole message (all its frames) without waiting and print it or count it. */
static recv_status_t handle_one(void *sock, vleo_jw_t *w, capped_alloc_t *ca, tail_counters_t *c,
                                uint64_t *nwarned, bool *dirty, int *write_errno) {
    zmq_msg_t topic, body;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    recv_status_t st = RECV_DONE;
    if (zmq_msg_recv(&topic, sock, ZMQ_DONTWAIT) < 0) {
        int e = errno;
        zmq_msg_close(&topic);
        zmq_msg_close(&body);
        if (e == EAGAIN || e == EINTR) {
            return RECV_NONE;
        }
        VLEO_ERR("receive failed: %s", zmq_strerror(e));
        return RECV_FAIL;
    }
    size_t frames = 1;
    bool more = zmq_msg_more(&topic) != 0;
    if (more) {
        /* ZeroMQ delivers the parts of a message together: the rest is already here. */
        if (zmq_msg_recv(&body, sock, ZMQ_DONTWAIT) < 0) {
            VLEO_ERR("receive failed: %s", zmq_strerror(errno));
            st = RECV_FAIL;
            goto out;
        }
        frames = 2;
        more = zmq_msg_more(&body) != 0;
    }
    /* Drain extra frames so the next receive starts on a message boundary; the loop ends at
     * the message's last part, which is already in memory. */
    while (more) {
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        if (zmq_msg_recv(&extra, sock, ZMQ_DONTWAIT) < 0) {
            VLEO_ERR("receive failed: %s", zmq_strerror(errno));
            zmq_msg_close(&extra);
            st = RECV_FAIL;
            goto out;
        }
        more = zmq_msg_more(&extra) != 0;
        zmq_msg_close(&extra);
        frames++;
    }

    const uint8_t *tp = zmq_msg_data(&topic);
    size_t tlen = zmq_msg_size(&topic);
    const uint8_t *bp = zmq_msg_data(&body);
    size_t blen = zmq_msg_size(&body);
    if (frames != 2) {
        c->bad_frames++;
        char what[64];
        snprintf(what, sizeof what, "%zu frames instead of 2", frames);
        warn_malformed(nwarned, what, tp, tlen < TOPIC_MAX ? tlen : TOPIC_MAX);
        goto out;
    }
    if (tlen > TOPIC_MAX) {
        c->topic_too_long++;
        warn_malformed(nwarned, "topic longer than 256 octets", tp, TOPIC_MAX);
        goto out;
    }
    if (blen > VLEO_MAX_MSG_SIZE) {
        c->body_too_large++;
        warn_malformed(nwarned, "body larger than the maximum message size", tp, tlen);
        goto out;
    }
    if (!format_message(w, ca, tp, tlen, bp, blen, c, nwarned)) {
        goto out;
    }
    if (fwrite(w->buf, 1, w->len, stdout) != w->len || putchar('\n') == EOF) {
        *write_errno = errno;
        st = RECV_WRITE_FAIL;
        goto out;
    }
    c->printed++;
    *dirty = true;
out:
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    return st;
}

/* Parse the command line into o. Returns -1 to exit with `*code` (help, version, usage). */
static int parse_args(int argc, char **argv, tail_opts_t *o, int *code) {
    enum {
        OPT_COUNT = 1,
        OPT_TIMEOUT,
        OPT_BIND,
        OPT_HWM,
        OPT_HELP,
        OPT_VERSION,
        OPT_CURVE_SECRET,
        OPT_CURVE_SERVER,
        OPT_CURVE_ALLOW
    };
    static const struct option longopts[] = {
        {"count", required_argument, NULL, OPT_COUNT},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"bind", no_argument, NULL, OPT_BIND},
        {"hwm", required_argument, NULL, OPT_HWM},
        {"curve-secret", required_argument, NULL, OPT_CURVE_SECRET},
        {"curve-server-key", required_argument, NULL, OPT_CURVE_SERVER},
        {"curve-allow", required_argument, NULL, OPT_CURVE_ALLOW},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    for (;;) {
        int longindex = 0;
        int ch = getopt_long(argc, argv, ":h", longopts, &longindex);
        if (ch == -1) {
            break;
        }
        uint64_t v;
        char *end;
        switch (ch) {
        case OPT_COUNT:
            if (parse_u64(optarg, 1, UINT64_MAX, &v) != 0) {
                VLEO_ERR("--count: expected a whole number >= 1, got \"%s\"", optarg);
                goto usage;
            }
            o->count = v;
            break;
        case OPT_TIMEOUT:
            errno = 0;
            o->timeout_s = strtod(optarg, &end);
            if (errno != 0 || end == optarg || *end != '\0' || !(o->timeout_s > 0.0) ||
                o->timeout_s > TIMEOUT_MAX_S) {
                VLEO_ERR("--timeout: expected seconds > 0, got \"%s\"", optarg);
                goto usage;
            }
            break;
        case OPT_BIND:
            o->bind = true;
            break;
        case OPT_CURVE_SECRET:
            o->curve.secret = optarg;
            break;
        case OPT_CURVE_SERVER:
            o->curve.server_key = optarg;
            break;
        case OPT_CURVE_ALLOW:
            o->curve.allow = optarg;
            break;
        case OPT_HWM:
            if (parse_u64(optarg, 1, INT_MAX, &v) != 0) {
                VLEO_ERR("--hwm: expected a whole number from 1 to %d, got \"%s\"", INT_MAX,
                         optarg);
                goto usage;
            }
            o->hwm = (int)v;
            break;
        case 'h':
        case OPT_HELP:
            fputs(usage_text, stdout);
            *code = VLEO_EXIT_OK;
            return -1;
        case OPT_VERSION:
            printf("vleo-tail %s\n", VLEO_VERSION);
            *code = VLEO_EXIT_OK;
            return -1;
        case ':':
            VLEO_ERR("option %s needs a value", argv[optind - 1]);
            goto usage;
        default:
            VLEO_ERR("unknown option %s", argv[optind - 1]);
            goto usage;
        }
    }
    if (optind >= argc) {
        VLEO_ERR("missing ENDPOINT");
        goto usage;
    }
    if (argc - optind > 2) {
        VLEO_ERR("too many arguments (starting at \"%s\")", argv[optind + 2]);
        goto usage;
    }
    o->endpoint = argv[optind];
    o->prefix = argc - optind == 2 ? argv[optind + 1] : "";
    /* Connecting, we are the CURVE client; with --bind, the server. */
    const char *curve_err = vleo_curve_opts_check(&o->curve, o->bind, !o->bind);
    if (curve_err != NULL) {
        VLEO_ERR("%s", curve_err);
        goto usage;
    }
    return 0;
usage:
    fputs(usage_text, stderr);
    *code = VLEO_EXIT_USAGE;
    return -1;
}

/* Exit code after stdout failed with error e: a reader that went away (EPIPE, as in
 * `vleo-tail ... | head`) is a normal end, anything else a runtime failure. */
static int write_failed(int e) {
    if (e == EPIPE) {
        return VLEO_EXIT_OK;
    }
    VLEO_ERR("cannot write to stdout: %s", strerror(e));
    return VLEO_EXIT_RUNTIME;
}

/* Receive and print until the count, the time limit or a signal. Returns the exit code. */
static int run(void *sock, const tail_opts_t *o, vleo_jw_t *w, tail_counters_t *c,
               vleo_curve_t *curve) {
    capped_alloc_t ca = {0, UNPACK_CAP};
    uint64_t nwarned = 0;
    bool dirty = false;
    int64_t start = now_ms();
    int64_t deadline = o->timeout_s > 0 ? start + (int64_t)llround(o->timeout_s * 1000.0) : -1;
    int64_t last_flush = start;
    for (;;) {
        if (g_stop) {
            return VLEO_EXIT_OK;
        }
        if (g_hup) {
            g_hup = 0;
            if (curve != NULL) {
                vleo_curve_reload(curve);
            }
        }
        if (o->count != 0 && c->printed >= o->count) {
            return VLEO_EXIT_OK;
        }
        int64_t now = now_ms();
        if (dirty && now - last_flush >= IDLE_FLUSH_MS) {
            if (fflush(stdout) != 0) {
                return write_failed(errno);
            }
            dirty = false;
            last_flush = now;
        }
        long wait = IDLE_FLUSH_MS;
        if (deadline >= 0) {
            if (now >= deadline) {
                if (o->count != 0) {
                    VLEO_ERR("time limit of %g s reached after %llu of %llu messages", o->timeout_s,
                             (unsigned long long)c->printed, (unsigned long long)o->count);
                    return VLEO_EXIT_RUNTIME;
                }
                return VLEO_EXIT_OK;
            }
            if (deadline - now < wait) {
                wait = (long)(deadline - now);
            }
        }
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&item, 1, wait);
        if (n < 0) {
            if (errno == EINTR) {
                continue; /* a signal: g_stop is checked at the top */
            }
            VLEO_ERR("poll failed: %s", zmq_strerror(errno));
            return VLEO_EXIT_RUNTIME;
        }
        if (n == 0) {
            if (dirty) { /* idle: let a pipeline see what we have */
                if (fflush(stdout) != 0) {
                    return write_failed(errno);
                }
                dirty = false;
                last_flush = now_ms();
            }
            continue;
        }
        for (int k = 0; k < BURST_MAX && !g_stop; k++) {
            if (o->count != 0 && c->printed >= o->count) {
                break;
            }
            int werr = 0;
            recv_status_t st = handle_one(sock, w, &ca, c, &nwarned, &dirty, &werr);
            if (st == RECV_NONE) {
                break;
            }
            if (st == RECV_WRITE_FAIL) {
                return write_failed(werr);
            }
            if (st == RECV_FAIL) {
                return VLEO_EXIT_RUNTIME;
            }
        }
    }
}

int main(int argc, char **argv) {
    vleo_log_init("vleo-tail", VLEO_LOG_INFO);
    tail_opts_t o = {
        .endpoint = NULL, .prefix = "", .count = 0, .timeout_s = 0, .bind = false, .hwm = 100000};
    int code = VLEO_EXIT_OK;
    if (parse_args(argc, argv, &o, &code) != 0) {
        return code;
    }
    vleo_curve_t *curve = NULL;
    if (vleo_curve_opts_any(&o.curve)) {
        char cerr[512];
        curve = vleo_curve_new(&o.curve, vleo_curve_log_vleo, NULL, cerr, sizeof cerr, &code);
        if (curve == NULL) {
            VLEO_ERR("%s", cerr);
            return code;
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: zmq_poll returns EINTR at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (o.curve.allow != NULL) {
        sigaction(SIGHUP, &sa, NULL);
    }
    sa.sa_handler = SIG_IGN; /* a closed stdout shows up as EPIPE on write */
    sigaction(SIGPIPE, &sa, NULL);

    static char stdout_buf[1 << 16];
    setvbuf(stdout, stdout_buf, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, sizeof stdout_buf);

    if (o.bind && !vleo_endpoint_is_local(o.endpoint) && o.curve.allow == NULL) {
        VLEO_WARN("binding %s: reachable from other machines, without encryption", o.endpoint);
    }
    char *out = malloc(OUT_CAP);
    void *ctx = zmq_ctx_new();
    if (out == NULL || ctx == NULL) {
        VLEO_ERR("out of memory");
        free(out);
        vleo_curve_destroy(&curve);
        if (ctx != NULL) {
            zmq_ctx_term(ctx);
        }
        return VLEO_EXIT_RUNTIME;
    }
    vleo_zsock_opts_t zo;
    vleo_zsock_opts_default(&zo);
    zo.rcvhwm = o.hwm;
    zo.linger_ms = 0; /* a subscriber has nothing to deliver on close */
    char err[512];
    void *sock = NULL;
    if (curve != NULL) {
        zo.setup = o.bind ? vleo_curve_setup_server : vleo_curve_setup_client;
        zo.setup_arg = curve;
    }
    if (curve == NULL || vleo_curve_start(curve, ctx, err, sizeof err) == 0) {
        sock = vleo_zsock_open(ctx, ZMQ_SUB, &zo, o.endpoint, o.bind, err, sizeof err);
    }
    int rc;
    if (sock == NULL) {
        VLEO_ERR("%s", err);
        rc = VLEO_EXIT_RUNTIME;
    } else if (zmq_setsockopt(sock, ZMQ_SUBSCRIBE, o.prefix, strlen(o.prefix)) != 0) {
        VLEO_ERR("cannot subscribe to \"%s\": %s", o.prefix, zmq_strerror(errno));
        rc = VLEO_EXIT_RUNTIME;
    } else {
        vleo_jw_t w;
        vleo_jw_init(&w, out, OUT_CAP);
        tail_counters_t c = {0};
        rc = run(sock, &o, &w, &c, curve);
        uint64_t skipped = c.bad_frames + c.topic_too_long + c.body_too_large + c.unpack_failed;
        if (skipped != 0 || c.json_overflow != 0) {
            VLEO_WARN("%llu printed, %llu skipped: %llu not two frames, %llu topic too long, "
                      "%llu body too large, %llu undecodable; %llu printed as hex (JSON too large)",
                      (unsigned long long)c.printed, (unsigned long long)skipped,
                      (unsigned long long)c.bad_frames, (unsigned long long)c.topic_too_long,
                      (unsigned long long)c.body_too_large, (unsigned long long)c.unpack_failed,
                      (unsigned long long)c.json_overflow);
        }
    }
    if (fflush(stdout) != 0 && rc == VLEO_EXIT_OK) {
        rc = write_failed(errno);
    }
    if (sock != NULL) {
        zmq_close(sock);
    }
    vleo_curve_destroy(&curve);
    zmq_ctx_term(ctx);
    free(out);
    return rc;
}
