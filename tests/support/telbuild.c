/* telbuild.c (tests only): QK1 telemetry captures for monitor tests (see telbuild.h). */
#include "telbuild.h"

#include <math.h>
#include <string.h>

#include "netbuild.h"

#define UNIX_MINUS_1958_S 378691200LL
#define TAI_MINUS_UTC_S 37

static void put_cuc(uint8_t *p, int64_t utc_ns) {
    int64_t tai_ns = utc_ns + (UNIX_MINUS_1958_S + TAI_MINUS_UTC_S) * 1000000000LL;
    uint32_t coarse = (uint32_t)(tai_ns / 1000000000LL);
    uint32_t fine = (uint32_t)((tai_ns % 1000000000LL) * 65536 / 1000000000LL);
    p[0] = 0x1E; /* level 1 (TAI 1958), 4 coarse + 2 fine octets */
    nb_be32(p + 1, coarse);
    nb_be16(p + 5, fine);
}

static void put_f32(uint8_t *p, double v) {
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, 4);
    nb_be32(p, u);
}

static void put_f64(uint8_t *p, double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    nb_be32(p, (uint32_t)(u >> 32));
    nb_be32(p + 4, (uint32_t)u);
}

void tb_default(tb_scenario_t *s) {
    memset(s, 0, sizeof *s);
    s->start_utc_ns = 1795500000LL * 1000000000LL;
    s->duration_s = 3600;
    s->alt_km = 250.0;
    s->thrust_mn = 11.8;
    s->thrust_cmd_mn = 12.0;
    s->thruster_power_w = 215.0;
    s->thrust_factor = 1.0;
    s->fault_s = 1 << 30;
    s->load_w = 210.0;
    s->load_s = 1 << 30;
    s->silent_from_s = s->silent_to_s = 1 << 30;
}

static int emit(nb_pcap_t *w, const nb_flow_t *f, int64_t ts, uint16_t apid, uint16_t seq,
                const uint8_t *data, size_t len) {
    uint8_t pkt[128], rec[256];
    size_t n = nb_spp(apid, 0, true, 3, seq, data, len, pkt, sizeof pkt);
    size_t r = n ? nb_udp(NB_DLT_EN10MB, f, pkt, n, rec, sizeof rec) : 0;
    return r ? nb_pcap_write(w, ts, rec, r, r) : -1;
}

int tb_write(const char *path, const tb_scenario_t *s) {
    nb_pcap_t w;
    if (nb_pcap_open(&w, path, NB_DLT_EN10MB, false, 65535) != 0)
        return -1;
    nb_flow_t f = nb_flow_local(4, 50000, 1235);
    uint16_t seq[3] = {0, 0, 0};
    int count = 0;
    const double period = 5370.0, re = 6378.137;
    for (int t = 0; t < s->duration_s; t++) {
        if (t >= s->silent_from_s && t < s->silent_to_s)
            continue;
        int64_t now = s->start_utc_ns + (int64_t)t * 1000000000LL;
        double ph = 2 * M_PI * t / period;
        double mean = s->alt_km - s->decay_km_day * t / 86400.0;
        double alt = mean + 12.0 * sin(ph) + 6.0 * cos(2 * ph);
        double r = (re + alt) * 1000.0;
        uint8_t d[64];
        memset(d, 0, sizeof d);
        put_cuc(d, now);
        put_f64(d + 7, r * cos(ph));
        put_f64(d + 15, r * sin(ph) * 0.5);
        put_f64(d + 23, r * sin(ph) * 0.86);
        put_f32(d + 31, -7750 * sin(ph));
        put_f32(d + 35, 3875 * cos(ph));
        put_f32(d + 39, 6665 * cos(ph));
        put_f32(d + 43, alt);
        if (emit(&w, &f, now, 100, seq[0]++, d, 48) != 0)
            return -1;
        count++;
        if (t % 5 == 2) {
            memset(d, 0, sizeof d);
            put_cuc(d, now);
            double factor = t >= s->fault_s ? s->thrust_factor : 1.0;
            put_f32(d + 7, s->thrust_mn * factor);
            put_f32(d + 11, s->thrust_cmd_mn);
            put_f32(d + 15, s->thruster_power_w);
            if (emit(&w, &f, now, 200, seq[1]++, d, 24) != 0)
                return -1;
            count++;
        }
        if (t % 5 == 0) {
            memset(d, 0, sizeof d);
            put_cuc(d, now);
            put_f32(d + 7, 180.0 + 60 * cos(ph));
            put_f32(d + 11, s->load_w + (t >= s->load_s ? s->extra_load_w : 0.0));
            put_f32(d + 15, 72.5);
            if (emit(&w, &f, now, 300, seq[2]++, d, 24) != 0)
                return -1;
            count++;
        }
    }
    return nb_pcap_close(&w) == 0 ? count : -1;
}
