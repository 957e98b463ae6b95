/* vleo_monbench.c: vleo-monbench, the monitor's figures of DESIGN section 9: telemetry
 * samples per second through the checks with Jacchia 1971 on one core (next to a bare loop
 * over the same samples, measured in the same run), 10,000 spacecraft at 1 Hz in one process,
 * and the alert latency of a live vleo-monitor (packet in to alert out), p50 and p99. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include <netinet/in.h>

#include "mon/config.h"
#include "mon/geo.h"
#include "mon/monitor.h"
#include "mon/trend.h"
#include "vleo.pb-c.h"

#ifndef VLEO_MONITOR_BIN
#define VLEO_MONITOR_BIN "vleo-monitor"
#endif

#define MAX_RUNS 20
#define NS 1000000000LL

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* A configuration of n spacecraft "B0".."Bn-1", eight roles each (no YAML: the core only). */
static mon_sc_cfg_t *fleet(mon_config_t *cfg, size_t n) {
    memset(cfg, 0, sizeof *cfg);
    cfg->atmosphere.model = MON_ATMOS_JACCHIA71;
    cfg->atmosphere.f107 = cfg->atmosphere.f107a = 150;
    cfg->atmosphere.kp = 3;
    cfg->atmosphere.kp_lag_h = 6.7;
    cfg->atmosphere.hp_exponent = 4;
    mon_checks_cfg_default(&cfg->checks);
    mon_sc_cfg_t *sc = calloc(n, sizeof *sc);
    if (!sc)
        return NULL;
    static const mon_role_t roles[] = {MON_ROLE_ALTITUDE_KM,      MON_ROLE_THRUST_MN,
                                       MON_ROLE_THRUST_CMD_MN,    MON_ROLE_THRUSTER_ON,
                                       MON_ROLE_THRUSTER_POWER_W, MON_ROLE_SOLAR_POWER_W,
                                       MON_ROLE_LOAD_POWER_W,     MON_ROLE_BATTERY_SOC_PCT};
    for (size_t i = 0; i < n; i++) {
        mon_sc_cfg_t *s = &sc[i];
        snprintf(s->name, sizeof s->name, "B%zu", i);
        s->mass_kg = 65;
        s->drag_area_m2 = 0.45;
        s->drag_coefficient = 2.2;
        s->inclination_deg = 97.4;
        s->max_thrust_mn = 20;
        s->thrust_to_power_mn_per_kw = 55;
        s->max_load_w = 300;
        s->battery_capacity_wh = 200;
        s->max_discharge_w = 150;
        s->min_soc_pct = 30;
        s->min_altitude_km = 200;
        s->horizon_h = 24;
        s->stale_after_s = 120;
        s->checks = cfg->checks;
        for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++)
            snprintf(s->param[roles[r]], MON_PARAM_MAX, "/B%zu/R%zu", i, r);
    }
    cfg->spacecraft = sc;
    cfg->n_spacecraft = n;
    return sc;
}

static uint64_t g_events;
static void count_event(void *ctx, const mon_event_t *e) {
    (void)ctx;
    if (g_events++ == 0 && getenv("VLEO_MONBENCH_SHOW"))
        fprintf(stderr, "first event: %s %s\n", e->id, e->message);
}

/* Feed n spacecraft with 1 Hz telemetry for `seconds` of packet time starting at t0_s; when
 * bare, the same samples go to a plain sum instead (the baseline). Returns samples/s over
 * the last `tail_s` seconds (all of them when tail_s >= seconds). */
static double feed(mon_monitor_t *m, size_t n, double t0_s, double seconds, double tail_s,
                   bool bare, double *sink) {
    const double period = mon_orbit_period_s(250.0);
    double acc = 0;
    double start = 0;
    uint64_t samples = 0;
    for (double ts = 0; ts < seconds; ts += 1.0) {
        if (ts >= seconds - tail_s && start == 0) {
            start = mono_s();
            samples = 0;
        }
        int64_t t = (int64_t)((t0_s + ts) * 1e9);
        double u = 2 * MON_PI * ts / period;
        bool sun = fmod(ts, period) < 0.65 * period;
        for (size_t i = 0; i < n; i++) {
            /* Nominal: thrust holds the 2.2-2.7 mN drag at 250 km at the rated 55 mN/kW. */
            double v[8] = {250.0 + 12 * sin(u + (double)i) + 6 * cos(2 * u),
                           2.6,
                           2.6,
                           1.0,
                           47.3,
                           sun ? 200.0 : 0.0,
                           113.0,
                           80.0 + 10 * cos(u)};
            static const mon_role_t roles[8] = {
                MON_ROLE_ALTITUDE_KM,  MON_ROLE_THRUST_MN,        MON_ROLE_THRUST_CMD_MN,
                MON_ROLE_THRUSTER_ON,  MON_ROLE_THRUSTER_POWER_W, MON_ROLE_SOLAR_POWER_W,
                MON_ROLE_LOAD_POWER_W, MON_ROLE_BATTERY_SOC_PCT};
            if (bare) {
                for (int r = 0; r < 8; r++)
                    acc += v[r] * (double)roles[r];
            } else {
                for (int r = 0; r < 8; r++)
                    mon_monitor_sample(m, (int)i, roles[r], t, v[r]);
                mon_monitor_packet_end(m, (int)i, t);
            }
            samples += 8;
        }
        if (!bare)
            mon_monitor_tick(m, t);
    }
    *sink += acc;
    double dt = mono_s() - start;
    return (double)samples / dt;
}

static long peak_rss_kib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* --- live latency ------------------------------------------------------------------------ */

static size_t pack_packet(int64_t t, double solar, double load, uint64_t seq, uint8_t *buf,
                          size_t cap) {
    Vleo__V1__Value vs = VLEO__V1__VALUE__INIT, vl = VLEO__V1__VALUE__INIT;
    vs.v_case = VLEO__V1__VALUE__V_DOUBLE_VALUE;
    vs.double_value = solar;
    vl.v_case = VLEO__V1__VALUE__V_DOUBLE_VALUE;
    vl.double_value = load;
    Vleo__V1__Parameter ps = VLEO__V1__PARAMETER__INIT, pl = VLEO__V1__PARAMETER__INIT;
    ps.name = "/LAT/EPS/SOLAR";
    ps.eng = &vs;
    pl.name = "/LAT/EPS/LOAD";
    pl.eng = &vl;
    Vleo__V1__Parameter *pp[2] = {&ps, &pl};
    Vleo__V1__Packet p = VLEO__V1__PACKET__INIT;
    p.spacecraft = "LAT";
    p.has_generation_time_utc_ns = 1;
    p.generation_time_utc_ns = t;
    p.n_parameters = 2;
    p.parameters = pp;
    p.has_session_id = 1;
    p.session_id = 42;
    p.has_message_seq = 1;
    p.message_seq = seq;
    size_t n = vleo__v1__packet__get_packed_size(&p);
    return n <= cap ? vleo__v1__packet__pack(&p, buf) : 0;
}

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* p50 and p99 of packet-in to alert-out over `cycles` raise/clear cycles (2 per cycle). */
static int latency(const char *monitor, int cycles, double *p50, double *p99, double *pmax) {
    char dir[] = "/tmp/vleo-monbench-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    char cfgp[64];
    snprintf(cfgp, sizeof cfgp, "%s/lat.yaml", dir);
    FILE *fp = fopen(cfgp, "w");
    if (!fp)
        return -1;
    /* One spacecraft, power roles only; every packet evaluated, no minimum duration. */
    fputs("checks:\n"
          "  power: {average_s: 0.5}\n"
          "  alerts: {min_duration_s: 0, eval_interval_s: 1}\n"
          "spacecraft:\n"
          "  - name: LAT\n"
          "    mass_kg: 65\n"
          "    drag_area_m2: 0.45\n"
          "    parameters:\n"
          "      altitude_km: /LAT/GNSS/ALT\n"
          "      solar_power_w: /LAT/EPS/SOLAR\n"
          "      load_power_w: /LAT/EPS/LOAD\n"
          "    power: {max_load_w: 1000, battery_capacity_wh: 200, max_discharge_w: 100}\n"
          "    limits: {min_altitude_km: 200, stale_after_s: 86400}\n",
          fp);
    fclose(fp);
    int in_port = free_port(), out_port = free_port();
    char in_ep[64], out_ep[64];
    snprintf(in_ep, sizeof in_ep, "tcp://127.0.0.1:%d", in_port);
    snprintf(out_ep, sizeof out_ep, "tcp://127.0.0.1:%d", out_port);
    void *ctx = zmq_ctx_new();
    void *pub = zmq_socket(ctx, ZMQ_PUB);
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    int zero = 0, to = 2000;
    zmq_setsockopt(pub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &to, sizeof to);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_bind(pub, in_ep) != 0) {
        fprintf(stderr, "vleo-monbench: bind %s: %s\n", in_ep, zmq_strerror(zmq_errno()));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        execl(monitor, monitor, "--config", cfgp, "--sub", in_ep, "--pub", out_ep, "--alerts",
              "none", "--packet-clock", "--quiet", (char *)NULL);
        _exit(127);
    }
    zmq_connect(sub, out_ep);
    uint8_t buf[512];
    uint64_t seq = 0;
    int64_t t = 1795500000LL * NS;
    double lat[2 * 5000];
    int n_lat = 0;
    int rc = 0;
    /* Wait until the monitor is connected both ways: its stats arrive and count our packets. */
    double until = mono_s() + 20;
    bool ready = false;
    while (!ready && mono_s() < until) {
        size_t n = pack_packet(t += NS, 100, 150, ++seq, buf, sizeof buf);
        zmq_send(pub, "tm/LAT/EPS", 10, ZMQ_SNDMORE);
        zmq_send(pub, buf, n, 0);
        zmq_msg_t a, b;
        zmq_msg_init(&a);
        zmq_msg_init(&b);
        int to2 = 100;
        zmq_setsockopt(sub, ZMQ_RCVTIMEO, &to2, sizeof to2);
        if (zmq_msg_recv(&a, sub, 0) >= 0 && zmq_msg_more(&a) && zmq_msg_recv(&b, sub, 0) >= 0) {
            Vleo__V1__MonitorStats *ms =
                vleo__v1__monitor_stats__unpack(NULL, zmq_msg_size(&b), zmq_msg_data(&b));
            if (ms && ms->samples > 0)
                ready = true;
            if (ms)
                vleo__v1__monitor_stats__free_unpacked(ms, NULL);
        }
        zmq_msg_close(&a);
        zmq_msg_close(&b);
    }
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &to, sizeof to);
    if (!ready) {
        fprintf(stderr, "vleo-monbench: vleo-monitor did not come up\n");
        rc = -1;
    }
    for (int c = 0; rc == 0 && c < cycles && c < 5000; c++) {
        for (int k = 0; k < 2; k++) {
            double load = k == 0 ? 260.0 : 150.0; /* 260 W > 100 W solar + 100 W allowed */
            size_t n = pack_packet(t += NS, 100, load, ++seq, buf, sizeof buf);
            double t0 = mono_s();
            zmq_send(pub, "tm/LAT/EPS", 10, ZMQ_SNDMORE);
            zmq_send(pub, buf, n, 0);
            for (;;) {
                zmq_msg_t a, b;
                zmq_msg_init(&a);
                zmq_msg_init(&b);
                if (zmq_msg_recv(&a, sub, 0) < 0) {
                    fprintf(stderr, "vleo-monbench: no alert within 2 s (cycle %d)\n", c);
                    rc = -1;
                    break;
                }
                bool alert = zmq_msg_size(&a) >= 6 && memcmp(zmq_msg_data(&a), "alert/", 6) == 0;
                if (zmq_msg_more(&a))
                    zmq_msg_recv(&b, sub, 0);
                zmq_msg_close(&a);
                zmq_msg_close(&b);
                if (alert) {
                    lat[n_lat++] = (mono_s() - t0) * 1e3;
                    break;
                }
            }
            if (rc)
                break;
        }
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    zmq_close(pub);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    unlink(cfgp);
    rmdir(dir);
    if (rc || n_lat == 0)
        return -1;
    qsort(lat, (size_t)n_lat, sizeof lat[0], cmp_double);
    *p50 = lat[n_lat / 2];
    *p99 = lat[(int)((double)n_lat * 0.99)];
    *pmax = lat[n_lat - 1];
    return 0;
}

static const char usage_text[] =
    "usage: vleo-monbench [--spacecraft N] [--hours H] [--runs R] [--cycles C] [--monitor PATH]\n"
    "  --spacecraft N  fleet for the throughput figure (default 100)\n"
    "  --hours H       packet time fed per run (default 4: two orbits to fill the fits, the\n"
    "                  rate is taken over the last hour)\n"
    "  --runs R        runs; medians are printed (default 3)\n"
    "  --cycles C      raise/clear cycles for the latency figure (default 200; 0 = skip)\n"
    "  --fleet-seconds S  packet seconds of the 10,000-spacecraft figure (default 600; 0 skip)\n"
    "  --monitor PATH  vleo-monitor to measure (default the one built beside this)\n";

int main(int argc, char **argv) {
    size_t n_sc = 100;
    double hours = 4, fleet_s = 600;
    int runs = 3, cycles = 200;
    const char *monitor = VLEO_MONITOR_BIN;
    static const struct option lo[] = {{"spacecraft", required_argument, 0, 's'},
                                       {"hours", required_argument, 0, 'h'},
                                       {"runs", required_argument, 0, 'r'},
                                       {"cycles", required_argument, 0, 'c'},
                                       {"fleet-seconds", required_argument, 0, 'f'},
                                       {"monitor", required_argument, 0, 'm'},
                                       {"help", no_argument, 0, 'H'},
                                       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            n_sc = strtoul(optarg, NULL, 10);
            break;
        case 'h':
            hours = strtod(optarg, NULL);
            break;
        case 'r':
            runs = (int)strtol(optarg, NULL, 10);
            break;
        case 'c':
            cycles = (int)strtol(optarg, NULL, 10);
            break;
        case 'f':
            fleet_s = strtod(optarg, NULL);
            break;
        case 'm':
            monitor = optarg;
            break;
        case 'H':
            fputs(usage_text, stdout);
            return 0;
        default:
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (n_sc < 1 || n_sc > 100000 || !(hours > 0 && hours <= 48) || runs < 1 || runs > MAX_RUNS ||
        cycles < 0 || cycles > 5000 || fleet_s < 0) {
        fputs(usage_text, stderr);
        return 2;
    }
    double rate[MAX_RUNS], bare[MAX_RUNS], ratio[MAX_RUNS], rt[MAX_RUNS];
    double sink = 0;
    double secs = hours * 3600.0;
    double tail = secs > 3600 ? 3600 : secs;
    for (int r = 0; r < runs; r++) {
        mon_config_t cfg;
        mon_sc_cfg_t *sc = fleet(&cfg, n_sc);
        char err[256];
        mon_monitor_t *m =
            sc ? mon_monitor_new(&cfg, NULL, NULL, count_event, NULL, err, sizeof err) : NULL;
        if (!m) {
            fprintf(stderr, "vleo-monbench: %s\n", sc ? err : "out of memory");
            return 1;
        }
        bare[r] = feed(NULL, n_sc, 1795500000.0, secs, tail, true, &sink);
        rate[r] = feed(m, n_sc, 1795500000.0, secs, tail, false, &sink);
        ratio[r] = rate[r] / bare[r];
        mon_monitor_destroy(&m);
        free(sc);
        if (fleet_s > 0) {
            sc = fleet(&cfg, 10000);
            m = sc ? mon_monitor_new(&cfg, NULL, NULL, count_event, NULL, err, sizeof err) : NULL;
            if (!m) {
                fprintf(stderr, "vleo-monbench: %s\n", sc ? err : "out of memory");
                return 1;
            }
            double t0 = mono_s();
            feed(m, 10000, 1795500000.0, fleet_s, fleet_s, false, &sink);
            rt[r] = fleet_s / (mono_s() - t0);
            mon_monitor_destroy(&m);
            free(sc);
        }
    }
    printf("vleo-monbench: %d run%s, medians (sink %g, %llu events)\n", runs, runs == 1 ? "" : "s",
           sink > 0 ? 1.0 : 0.0, (unsigned long long)g_events);
    printf("g  samples/s through the checks, Jacchia 1971, %zu spacecraft x 8 roles at 1 Hz, "
           "one core: %.2f M/s (bare loop %.0f M/s; ratio %.4f); target >= 1 M/s\n",
           n_sc, median(rate, runs) / 1e6, median(bare, runs) / 1e6, median(ratio, runs));
    if (fleet_s > 0)
        printf("g' 10,000 spacecraft at 1 Hz (80,000 samples/s of packet time): %.1fx real time; "
               "target >= 1x\n",
               median(rt, runs));
    printf("   peak RSS of this process: %.1f MiB\n", (double)peak_rss_kib() / 1024.0);
    if (cycles > 0) {
        double p50, p99, pmax;
        if (latency(monitor, cycles, &p50, &p99, &pmax) != 0) {
            fprintf(stderr, "vleo-monbench: latency figure failed\n");
            return 1;
        }
        printf("h  alert latency, live vleo-monitor over tcp://127.0.0.1, packet sent to alert "
               "received, %d events: p50 %.3f ms, p99 %.3f ms, max %.3f ms; target p99 <= 1 ms\n",
               2 * cycles, p50, p99, pmax);
    }
    return 0;
}
