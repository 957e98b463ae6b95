/* telemetry.c: the scenario's telemetry as CCSDS space packets (CCSDS
 * 133.0-B-2, CUC time per 301.0-B-4) laid out as sim/vleo-sim.xml describes,
 * written as classic pcap or sent over UDP / TCP, bare or in transfer frames or
 * CADUs (sim/telemetry.h, issue 6 item 2). */
#include "sim/telemetry.h"

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mon/geo.h"
#include "vleo/timescale.h"

#define PRI_HDR 6
#define SEC_HDR 7 /* P-field + 4 coarse + 2 fine */
#define CUC_PFIELD 0x1E
#define GNSS_LEN 62
#define PROP_LEN 30
#define EPS_LEN 26
#define IDLE_DATA 16
#define IDLE_FILL 0x55
#define GNSS_FIX_3D 1
#define GNSS_VEL_NOISE_PER_M 0.01 /* velocity sigma (m/s) per metre of position sigma */
#define PROP_OFFSET_S 2.0         /* housekeeping streams start a little apart */
#define EPS_OFFSET_S 4.0
#define IDLE_OFFSET_S 6.0
#define HOUR_NS 3600000000000LL

/* pcap / network framing of the written capture */
#define ETH_LEN 14
#define IP_LEN 20
#define UDP_LEN 8
#define NET_HDRS (ETH_LEN + IP_LEN + UDP_LEN)
#define MAX_DATAGRAM (65535 - IP_LEN - UDP_LEN)
#define SRC_PORT 50000
#define DST_PORT 1235
#define PCAP_SNAPLEN 65535
#define DLT_EN10MB 1

static const uint8_t SRC_IP[4] = {10, 7, 0, 2};
static const uint8_t DST_IP[4] = {10, 7, 0, 10};
static const uint8_t DST_MAC[6] = {0x02, 0, 0, 0, 0, 0x10};
static const uint8_t SRC_MAC[6] = {0x02, 0, 0, 0, 0, 0x02};

/* ---- octets ---- */

static void be16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void le16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void be_f32(uint8_t *p, double v) {
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    be32(p, u);
}

static void be_f64(uint8_t *p, double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    be32(p, (uint32_t)(u >> 32));
    be32(p + 4, (uint32_t)u);
}

/* ---- noise: xorshift64* and Box-Muller ---- */

static uint64_t rng_next(uint64_t *s) {
    if (*s == 0) {
        *s = 0x9E3779B97F4A7C15ULL; /* the all-zero state is a fixed point */
    }
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A standard normal deviate (one of the Box-Muller pair; the other is dropped
 * so the state stays one word). */
static double gauss(uint64_t *s) {
    double u1 = (double)((rng_next(s) >> 11) + 1) * 0x1.0p-53; /* (0, 1] */
    double u2 = (double)(rng_next(s) >> 11) * 0x1.0p-53;       /* [0, 1) */
    return sqrt(-2.0 * log(u1)) * cos(2.0 * MON_PI * u2);
}

/* A measured power: truth plus noise, never negative; 0 stays 0 (nothing flows,
 * nothing is measured). The draw is made either way so the noise sequence does
 * not depend on values. */
static double power_reading(double truth_w, double sigma_w, uint64_t *rng) {
    double z = gauss(rng);
    if (truth_w == 0.0) {
        return 0.0;
    }
    return fmax(0.0, truth_w + sigma_w * z);
}

/* ---- packets ---- */

static void put_primary(uint8_t *out, uint16_t apid, bool sec, uint16_t seq, size_t total) {
    be16(out, (uint32_t)((sec ? 1u : 0u) << 11 | (apid & 0x7FFu))); /* version 0, TM */
    be16(out + 2, 0xC000u | (seq & 0x3FFFu));                       /* unsegmented */
    be16(out + 4, (uint32_t)(total - PRI_HDR - 1));
}

/* CUC level 1: TAI seconds since 1958 (4 octets) and 2^-16 fractions (2 octets,
 * truncated). */
static void put_cuc(uint8_t *p, int64_t t_ns) {
    int64_t tai = vleo_utc_to_tai(t_ns);
    int64_t coarse = tai / VLEO_NS_PER_S;
    int64_t frac = tai % VLEO_NS_PER_S;
    if (frac < 0) {
        frac += VLEO_NS_PER_S;
        coarse--;
    }
    p[0] = CUC_PFIELD;
    be32(p + 1, (uint32_t)coarse);
    be16(p + 5, (uint32_t)((frac << 16) / VLEO_NS_PER_S));
}

size_t sim_pkt_gnss(const sim_scenario_t *s, const sim_truth_t *t, uint16_t seq, uint64_t *rng,
                    uint8_t *out, size_t cap) {
    if (cap < GNSS_LEN) {
        return 0;
    }
    double r[3], v[3];
    for (int i = 0; i < 3; i++) {
        r[i] = t->r_ecef[i] + s->gnss_noise_m * gauss(rng);
    }
    for (int i = 0; i < 3; i++) {
        v[i] = t->v_ecef[i] + GNSS_VEL_NOISE_PER_M * s->gnss_noise_m * gauss(rng);
    }
    mon_geodetic_t g;
    mon_ecef_to_geodetic(r, &g); /* the receiver's solution: consistent with its position */
    put_primary(out, SIM_APID_GNSS, true, seq, GNSS_LEN);
    put_cuc(out + PRI_HDR, t->t_ns);
    uint8_t *p = out + PRI_HDR + SEC_HDR;
    for (int i = 0; i < 3; i++) {
        be_f64(p + 8 * i, r[i]);
    }
    for (int i = 0; i < 3; i++) {
        be_f32(p + 24 + 4 * i, v[i]);
    }
    be_f32(p + 36, g.alt_km);
    be_f32(p + 40, g.lat_deg);
    be_f32(p + 44, g.lon_deg);
    p[48] = GNSS_FIX_3D;
    return GNSS_LEN;
}

size_t sim_pkt_prop(const sim_scenario_t *s, const sim_truth_t *t, uint16_t seq, uint64_t *rng,
                    uint8_t *out, size_t cap) {
    if (cap < PROP_LEN) {
        return 0;
    }
    double thrust = t->thrust_mn * (1.0 + s->thrust_noise_pct / 100.0 * gauss(rng));
    double power = power_reading(t->thruster_power_w, s->power_noise_w, rng);
    put_primary(out, SIM_APID_PROP, true, seq, PROP_LEN);
    put_cuc(out + PRI_HDR, t->t_ns);
    uint8_t *p = out + PRI_HDR + SEC_HDR;
    be_f32(p, fmax(0.0, thrust));
    be_f32(p + 4, t->thrust_cmd_mn);
    p[8] = t->firing ? 1 : 0;
    be_f32(p + 9, power);
    be_f32(p + 13, t->propellant_kg);
    return PROP_LEN;
}

size_t sim_pkt_eps(const sim_scenario_t *s, const sim_truth_t *t, uint16_t seq, uint64_t *rng,
                   uint8_t *out, size_t cap) {
    if (cap < EPS_LEN) {
        return 0;
    }
    double solar = power_reading(t->solar_w, s->power_noise_w, rng);
    double load = power_reading(t->load_w, s->power_noise_w, rng);
    put_primary(out, SIM_APID_EPS, true, seq, EPS_LEN);
    put_cuc(out + PRI_HDR, t->t_ns);
    uint8_t *p = out + PRI_HDR + SEC_HDR;
    be_f32(p, solar);
    be_f32(p + 4, load);
    be_f32(p + 8, t->soc_pct);
    p[12] = t->in_shadow ? 1 : 0;
    return EPS_LEN;
}

size_t sim_pkt_idle(int64_t t_ns, uint16_t seq, uint8_t *out, size_t cap) {
    (void)t_ns; /* idle packets carry no time */
    if (cap < PRI_HDR + IDLE_DATA) {
        return 0;
    }
    put_primary(out, SIM_APID_IDLE, false, seq, PRI_HDR + IDLE_DATA);
    memset(out + PRI_HDR, IDLE_FILL, IDLE_DATA);
    return PRI_HDR + IDLE_DATA;
}

/* ---- outputs ---- */

struct sim_out {
    sim_out_kind_t kind;
    char target[256];
    FILE *f;
    int fd;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    uint64_t packets;
    uint64_t units;
    uint16_t ip_id;
    bool failed;
    char err[320];
    sim_framer_t *framer; /* NULL: bare packets */
    int64_t t_ns;         /* time of the last packet (framed: stamps the frames it completes) */
};

static void out_fail(sim_out_t *o, const char *what, int e) {
    if (!o->failed) {
        snprintf(o->err, sizeof o->err, "%s: %s: %s", o->target, what, strerror(e));
    }
    o->failed = true;
}

/* HOST:PORT or [HOST]:PORT (the last ':' splits, so ::1:PORT works too).
 * Returns 0 or -1. */
static int split_hostport(const char *target, char *host, size_t hcap, char *port, size_t pcap) {
    const char *colon = strrchr(target, ':');
    if (colon == NULL || colon == target || colon[1] == '\0') {
        return -1;
    }
    const char *h = target;
    size_t hn = (size_t)(colon - target);
    if (h[0] == '[') {
        if (hn < 3 || h[hn - 1] != ']') {
            return -1;
        }
        h++;
        hn -= 2;
    }
    size_t pn = strlen(colon + 1);
    if (hn >= hcap || pn >= pcap || strspn(colon + 1, "0123456789") != pn) {
        return -1;
    }
    long pv = strtol(colon + 1, NULL, 10);
    if (pn > 5 || pv < 1 || pv > 65535) {
        return -1;
    }
    memcpy(host, h, hn);
    host[hn] = '\0';
    memcpy(port, colon + 1, pn + 1);
    return 0;
}

static int open_pcap(sim_out_t *o, char *err, size_t errlen) {
    o->f = fopen(o->target, "wb");
    if (o->f == NULL) {
        snprintf(err, errlen, "%s: cannot create: %s", o->target, strerror(errno));
        return -1;
    }
    uint8_t h[24];
    le32(h, 0xA1B2C3D4u); /* microsecond stamps */
    le16(h + 4, 2);
    le16(h + 6, 4);
    le32(h + 8, 0);  /* thiszone */
    le32(h + 12, 0); /* sigfigs */
    le32(h + 16, PCAP_SNAPLEN);
    le32(h + 20, DLT_EN10MB);
    if (fwrite(h, 1, sizeof h, o->f) != sizeof h) {
        snprintf(err, errlen, "%s: write failed: %s", o->target, strerror(errno));
        fclose(o->f);
        o->f = NULL;
        return -1;
    }
    return 0;
}

static int open_socket(sim_out_t *o, char *err, size_t errlen) {
    char host[256], port[8];
    if (split_hostport(o->target, host, sizeof host, port, sizeof port) != 0) {
        snprintf(err, errlen, "%s: expected HOST:PORT (port 1-65535)", o->target);
        return -1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = o->kind == SIM_OUT_TCP ? SOCK_STREAM : SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || res == NULL) {
        snprintf(err, errlen, "%s: cannot resolve %s: %s", o->target, host, gai_strerror(rc));
        if (res != NULL) {
            freeaddrinfo(res);
        }
        return -1;
    }
    int last = 0;
    int fd = -1;
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        if (o->kind == SIM_OUT_TCP) {
            int c;
            do {
                c = connect(fd, a->ai_addr, a->ai_addrlen);
            } while (c != 0 && errno == EINTR);
            if (c != 0) {
                last = errno;
                close(fd);
                fd = -1;
                continue;
            }
        }
        if (a->ai_addrlen <= sizeof o->addr) {
            memcpy(&o->addr, a->ai_addr, a->ai_addrlen);
            o->addrlen = a->ai_addrlen;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot %s: %s", o->target,
                 o->kind == SIM_OUT_TCP ? "connect" : "open a socket", strerror(last));
        return -1;
    }
    o->fd = fd;
    return 0;
}

sim_out_t *sim_out_open(sim_out_kind_t kind, const char *target, char *err, size_t errlen) {
    if (target == NULL || target[0] == '\0') {
        snprintf(err, errlen, "no output named");
        return NULL;
    }
    if (kind != SIM_OUT_PCAP && kind != SIM_OUT_UDP && kind != SIM_OUT_TCP) {
        snprintf(err, errlen, "%s: unknown output kind", target);
        return NULL;
    }
    sim_out_t *o = calloc(1, sizeof *o);
    if (o == NULL) {
        snprintf(err, errlen, "%s: out of memory", target);
        return NULL;
    }
    o->kind = kind;
    o->fd = -1;
    size_t n = strlen(target);
    if (n >= sizeof o->target) {
        snprintf(err, errlen, "%.64s...: name too long", target);
        free(o);
        return NULL;
    }
    memcpy(o->target, target, n + 1);
    int rc = kind == SIM_OUT_PCAP ? open_pcap(o, err, errlen) : open_socket(o, err, errlen);
    if (rc != 0) {
        free(o);
        return NULL;
    }
    return o;
}

/* Internet checksum (RFC 1071) of len octets, continuing from sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len) {
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    }
    if (len & 1) {
        sum += (uint32_t)p[len - 1] << 8;
    }
    return sum;
}

static uint16_t csum_fold(uint32_t sum) {
    for (int i = 0; i < 2; i++) {
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static int pcap_record(sim_out_t *o, int64_t t_ns, const uint8_t *pkt, size_t len) {
    if (t_ns < 0 || t_ns / VLEO_NS_PER_S > (int64_t)UINT32_MAX) {
        snprintf(o->err, sizeof o->err, "%s: packet time outside the pcap range", o->target);
        o->failed = true;
        return -1;
    }
    uint8_t h[16 + NET_HDRS];
    uint32_t frame = (uint32_t)(NET_HDRS + len);
    le32(h, (uint32_t)(t_ns / VLEO_NS_PER_S));
    le32(h + 4, (uint32_t)(t_ns % VLEO_NS_PER_S / 1000));
    le32(h + 8, frame);
    le32(h + 12, frame);
    uint8_t *e = h + 16;
    memcpy(e, DST_MAC, 6);
    memcpy(e + 6, SRC_MAC, 6);
    be16(e + 12, 0x0800);
    uint8_t *ip = e + ETH_LEN;
    ip[0] = 0x45;
    ip[1] = 0;
    be16(ip + 2, (uint32_t)(IP_LEN + UDP_LEN + len));
    be16(ip + 4, o->ip_id++);
    be16(ip + 6, 0x4000); /* don't fragment */
    ip[8] = 64;
    ip[9] = 17;
    be16(ip + 10, 0);
    memcpy(ip + 12, SRC_IP, 4);
    memcpy(ip + 16, DST_IP, 4);
    be16(ip + 10, csum_fold(csum_add(0, ip, IP_LEN)));
    uint8_t *u = ip + IP_LEN;
    be16(u, SRC_PORT);
    be16(u + 2, DST_PORT);
    be16(u + 4, (uint32_t)(UDP_LEN + len));
    be16(u + 6, 0);
    uint32_t sum = csum_add(0, ip + 12, 8); /* pseudo header: addresses, protocol, length */
    sum += 17u + (uint32_t)(UDP_LEN + len);
    sum = csum_add(sum, u, UDP_LEN);
    sum = csum_add(sum, pkt, len);
    uint16_t c = csum_fold(sum);
    be16(u + 6, c == 0 ? 0xFFFFu : c);
    if (fwrite(h, 1, sizeof h, o->f) != sizeof h || fwrite(pkt, 1, len, o->f) != len) {
        out_fail(o, "write failed", errno);
        return -1;
    }
    return 0;
}

static int sock_send(sim_out_t *o, const uint8_t *pkt, size_t len) {
    if (o->kind == SIM_OUT_UDP) {
        for (int tries = 0; tries < 100; tries++) {
            ssize_t n = sendto(o->fd, pkt, len, 0, (const struct sockaddr *)&o->addr, o->addrlen);
            if (n == (ssize_t)len || (n < 0 && errno == ECONNREFUSED)) {
                return 0; /* nobody listening yet: a datagram lost, as on a real link */
            }
            if (n < 0 && errno == EINTR) {
                continue;
            }
            out_fail(o, "send failed", n < 0 ? errno : EMSGSIZE);
            return -1;
        }
        out_fail(o, "send failed", EINTR);
        return -1;
    }
    size_t off = 0;
    for (int tries = 0; off < len && tries < 10000; tries++) {
        ssize_t n = send(o->fd, pkt + off, len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            out_fail(o, "send failed", errno);
            return -1;
        }
        off += (size_t)n;
    }
    if (off < len) {
        out_fail(o, "send failed", EIO);
        return -1;
    }
    return 0;
}

/* One unit (a packet, frame or CADU) as a pcap record, a datagram or stream octets. */
static int write_unit(sim_out_t *o, int64_t t_ns, const uint8_t *p, size_t len) {
    if (o->failed) {
        return -1;
    }
    if (len == 0 || len > MAX_DATAGRAM) {
        snprintf(o->err, sizeof o->err, "%s: unit of %zu octets does not fit a datagram", o->target,
                 len);
        o->failed = true;
        return -1;
    }
    int rc = o->kind == SIM_OUT_PCAP ? pcap_record(o, t_ns, p, len) : sock_send(o, p, len);
    if (rc == 0) {
        o->units++;
    }
    return rc;
}

/* The framer's sink: each frame or CADU goes out stamped with the current time. */
static int framed_unit(void *ctx, const uint8_t *unit, size_t len) {
    sim_out_t *o = ctx;
    return write_unit(o, o->t_ns, unit, len);
}

int sim_out_set_framing(sim_out_t *o, const sim_framer_cfg_t *cfg, char *err, size_t errlen) {
    if (o == NULL || o->framer != NULL || o->packets != 0) {
        snprintf(err, errlen, "framing is set once, before the first packet");
        return -1;
    }
    char why[256];
    o->framer = sim_framer_new(cfg, framed_unit, o, why, sizeof why);
    if (o->framer == NULL) {
        snprintf(err, errlen, "frame settings: %s", why);
        return -1;
    }
    return 0;
}

int sim_out_packet(sim_out_t *o, int64_t t_ns, const uint8_t *pkt, size_t len) {
    if (o == NULL || o->failed) {
        return -1;
    }
    o->t_ns = t_ns;
    int rc = 0;
    if (o->framer == NULL) {
        rc = write_unit(o, t_ns, pkt, len);
    } else {
        rc = sim_framer_packet(o->framer, pkt, len);
        if (rc != 0 && !o->failed) { /* the framer refused the packet itself */
            snprintf(o->err, sizeof o->err, "%s: %zu octets are not a whole space packet",
                     o->target, len);
            o->failed = true;
        }
    }
    if (rc == 0) {
        o->packets++;
    }
    return rc;
}

int sim_out_flush(sim_out_t *o, int64_t t_ns) {
    if (o == NULL || o->failed) {
        return -1;
    }
    if (o->framer == NULL || sim_framer_pending(o->framer) == 0) {
        return 0;
    }
    o->t_ns = t_ns;
    return sim_framer_flush(o->framer) == 0 ? 0 : -1;
}

size_t sim_out_pending(const sim_out_t *o) {
    return o != NULL ? sim_framer_pending(o->framer) : 0;
}

int sim_out_close(sim_out_t **o_p) {
    if (o_p == NULL || *o_p == NULL) {
        return 0;
    }
    sim_out_t *o = *o_p;
    if (!o->failed) {
        sim_out_flush(o, o->t_ns);
    }
    sim_framer_destroy(&o->framer);
    int rc = o->failed ? -1 : 0;
    if (o->f != NULL && fclose(o->f) != 0) {
        rc = -1;
    }
    if (o->fd >= 0 && close(o->fd) != 0 && o->kind == SIM_OUT_TCP) {
        rc = -1;
    }
    free(o);
    *o_p = NULL;
    return rc;
}

uint64_t sim_out_packets(const sim_out_t *o) {
    return o != NULL ? o->packets : 0;
}

uint64_t sim_out_units(const sim_out_t *o) {
    return o != NULL ? o->units : 0;
}

/* ---- the run ---- */

enum { ST_GNSS = 0, ST_PROP, ST_EPS, ST_IDLE, ST_N };

typedef struct {
    double period_s; /* <= 0: stream off */
    double offset_s;
    uint64_t k; /* next packet number */
    int64_t due_ns;
    uint16_t seq;
} stream_t;

static void stream_advance(stream_t *st, int64_t start_ns) {
    st->due_ns = start_ns + llround((st->offset_s + (double)st->k * st->period_s) * 1e9);
    st->k++;
}

static bool in_gap(const sim_scenario_t *s, int64_t t_ns) {
    for (size_t i = 0; i < s->n_events && i < SIM_MAX_EVENTS; i++) {
        const sim_event_t *e = &s->events[i];
        if (e->kind == SIM_EV_TELEMETRY_GAP && t_ns >= e->at_ns &&
            (e->until_ns == 0 || t_ns < e->until_ns)) {
            return true;
        }
    }
    return false;
}

/* The state at t between two integrator steps a (t0 <= t) and b (t < t1):
 * position and velocity by cubic Hermite interpolation (errors of micrometres
 * over a 5 s step); everything else as it was at a (discrete per step). */
static void truth_at(const sim_truth_t *a, const sim_truth_t *b, int64_t t_ns, sim_truth_t *out) {
    *out = *a;
    out->t_ns = t_ns;
    double h = (double)(b->t_ns - a->t_ns) * 1e-9;
    if (t_ns == a->t_ns || !(h > 0.0)) {
        return;
    }
    double s = (double)(t_ns - a->t_ns) * 1e-9 / h;
    double s2 = s * s, s3 = s2 * s;
    double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
    double d00 = 6 * s2 - 6 * s, d10 = 3 * s2 - 4 * s + 1, d01 = -6 * s2 + 6 * s,
           d11 = 3 * s2 - 2 * s;
    for (int i = 0; i < 3; i++) {
        out->r_ecef[i] = h00 * a->r_ecef[i] + h10 * h * a->v_ecef[i] + h01 * b->r_ecef[i] +
                         h11 * h * b->v_ecef[i];
        out->v_ecef[i] =
            (d00 * a->r_ecef[i] + d01 * b->r_ecef[i]) / h + d10 * a->v_ecef[i] + d11 * b->v_ecef[i];
        out->r_eci[i] =
            h00 * a->r_eci[i] + h10 * h * a->v_eci[i] + h01 * b->r_eci[i] + h11 * h * b->v_eci[i];
        out->v_eci[i] =
            (d00 * a->r_eci[i] + d01 * b->r_eci[i]) / h + d10 * a->v_eci[i] + d11 * b->v_eci[i];
    }
    mon_geodetic_t g;
    mon_ecef_to_geodetic(out->r_ecef, &g);
    out->alt_km = g.alt_km;
    out->lat_deg = g.lat_deg;
    out->lon_deg = g.lon_deg;
}

/* Sleep until the wall clock reaches the packet's place at `speed` x recorded
 * pace. */
static void pace(double speed, const struct timespec *wall0, int64_t sim0_ns, int64_t t_ns) {
    double dt = (double)(t_ns - sim0_ns) * 1e-9 / speed;
    if (!(dt > 0.0)) {
        return;
    }
    double whole = floor(dt);
    struct timespec ts = *wall0;
    ts.tv_sec += (time_t)whole;
    ts.tv_nsec += (long)((dt - whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    for (int i = 0; i < 1000 && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR;
         i++) {
    }
}

static uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

typedef struct {
    const sim_scenario_t *s;
    sim_out_t *o;
    double speed;
    bool paced;
    struct timespec wall0;
    int64_t sim0_ns;
    uint64_t rng;
    int64_t last_ns; /* time of the last packet sent */
} run_t;

/* Build the packet of stream `which` at its due time and send it unless a gap
 * is on (the sequence count and the noise advance either way: the packet is
 * lost on the link). */
static int emit(run_t *r, stream_t *st, int which, const sim_truth_t *t) {
    uint8_t pkt[SIM_MAX_PACKET];
    size_t n = 0;
    switch (which) {
    case ST_GNSS:
        n = sim_pkt_gnss(r->s, t, st->seq, &r->rng, pkt, sizeof pkt);
        break;
    case ST_PROP:
        n = sim_pkt_prop(r->s, t, st->seq, &r->rng, pkt, sizeof pkt);
        break;
    case ST_EPS:
        n = sim_pkt_eps(r->s, t, st->seq, &r->rng, pkt, sizeof pkt);
        break;
    default:
        n = sim_pkt_idle(t->t_ns, st->seq, pkt, sizeof pkt);
        break;
    }
    st->seq = (uint16_t)((st->seq + 1) & 0x3FFF);
    if (in_gap(r->s, t->t_ns) || t->reentered) {
        /* the link is down (or the spacecraft gone): a started frame went out before, with
         * its last packet's time */
        return sim_out_flush(r->o, r->last_ns);
    }
    if (r->speed > 0.0) {
        if (!r->paced) {
            clock_gettime(CLOCK_MONOTONIC, &r->wall0);
            r->sim0_ns = t->t_ns;
            r->paced = true;
        }
        /* a started frame does not wait longer than SIM_FRAME_MAX_WAIT_S of wall time (in
         * packet time at most 1e9 s, so the sums below stay far from overflow) */
        int64_t wait_ns = llround(fmin(SIM_FRAME_MAX_WAIT_S * r->speed, 1e9) * 1e9);
        if (sim_out_pending(r->o) > 0 && t->t_ns - r->last_ns > wait_ns) {
            pace(r->speed, &r->wall0, r->sim0_ns, r->last_ns + wait_ns);
            if (sim_out_flush(r->o, r->last_ns + wait_ns) != 0) {
                return -1;
            }
        }
        pace(r->speed, &r->wall0, r->sim0_ns, t->t_ns);
    }
    r->last_ns = t->t_ns;
    return sim_out_packet(r->o, t->t_ns, pkt, n);
}

int64_t sim_run(const sim_scenario_t *s, sim_out_t *o, double speed, sim_progress_fn progress,
                void *ctx, char *err, size_t errlen) {
    if (s == NULL || o == NULL || !(s->step_s > 0.0) || !(s->duration_s > 0.0)) {
        snprintf(err, errlen, "scenario without a positive duration and step");
        return -1;
    }
    sim_world_t *w = sim_world_create(s, err, errlen);
    if (w == NULL) {
        return -1;
    }
    run_t r = {.s = s,
               .o = o,
               .speed = isfinite(speed) && speed > 0.0 ? speed : 0.0,
               .last_ns = s->start_ns};
    r.rng = splitmix64(s->seed);
    stream_t st[ST_N] = {
        {s->gnss_period_s, 0.0, 0, 0, 0},
        {s->hk_period_s, fmin(PROP_OFFSET_S, 0.5 * s->hk_period_s), 0, 0, 0},
        {s->hk_period_s, fmin(EPS_OFFSET_S, 0.5 * s->hk_period_s), 0, 0, 0},
        {s->idle_period_s, fmin(IDLE_OFFSET_S, 0.5 * s->idle_period_s), 0, 0, 0},
    };
    for (int i = 0; i < ST_N; i++) {
        stream_advance(&st[i], s->start_ns);
    }
    int64_t end_ns = s->start_ns + llround(s->duration_s * 1e9);
    uint64_t max_steps = (uint64_t)ceil(s->duration_s / s->step_s) + 2;
    uint64_t sent0 = sim_out_packets(o);
    sim_truth_t a, b, t;
    sim_world_truth(w, &a);
    int64_t next_hour = a.t_ns + HOUR_NS;
    int rc = 0;
    for (uint64_t step = 0; step < max_steps && rc == 0 && a.t_ns < end_ns; step++) {
        sim_world_step(w);
        sim_world_truth(w, &b);
        if (b.t_ns <= a.t_ns) {
            snprintf(err, errlen, "the simulated clock did not advance at %lld ns",
                     (long long)a.t_ns);
            rc = -1;
            break;
        }
        int64_t lim = b.t_ns < end_ns ? b.t_ns : end_ns;
        /* packets due in [a, lim), in time order (ties: GNSS, PROP, EPS, idle) */
        for (;;) {
            int best = -1;
            for (int i = 0; i < ST_N; i++) {
                if (st[i].period_s > 0.0 && st[i].due_ns < lim &&
                    (best < 0 || st[i].due_ns < st[best].due_ns)) {
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            int64_t due = st[best].due_ns < a.t_ns ? a.t_ns : st[best].due_ns;
            truth_at(&a, &b, due, &t);
            if (emit(&r, &st[best], best, &t) != 0) {
                rc = -1;
                break;
            }
            stream_advance(&st[best], s->start_ns);
        }
        if (rc == 0 && progress != NULL && b.t_ns >= next_hour && b.t_ns < end_ns) {
            progress(ctx, &b);
            while (next_hour <= b.t_ns) {
                next_hour += HOUR_NS;
            }
        }
        a = b;
    }
    if (rc == 0 && sim_out_flush(o, r.last_ns) != 0) { /* the last frame, idle-filled */
        rc = -1;
    }
    if (rc != 0 && o->failed) {
        snprintf(err, errlen, "%s", o->err);
    }
    if (rc == 0 && progress != NULL) {
        progress(ctx, &a);
    }
    sim_world_destroy(&w);
    return rc == 0 ? (int64_t)(sim_out_packets(o) - sent0) : -1;
}
