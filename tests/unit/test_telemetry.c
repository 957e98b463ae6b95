/* test_telemetry.c: vleo-sim's packets (sim/telemetry.h) decoded with the real
 * mission database sim/vleo-sim.xml (XTCE 1.2): every parameter's value, CUC
 * time (CCSDS 301.0-B-4), sequence counts (CCSDS 133.0-B-2), noise statistics,
 * the pcap writer read back through the decoder's capture reader and pipeline,
 * and whole runs of sim_run. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dec/capreader.h"
#include "dec/mdb.h"
#include "dec/pipeline.h"
#include "guard.h"
#include "mon/geo.h"
#include "sim/physics.h"
#include "sim/scenario.h"
#include "sim/telemetry.h"
#include "vleo/timescale.h"

#define MDB_PATH VLEO_SOURCE_DIR "/sim/vleo-sim.xml"
#define T0_NS (1772323200LL * VLEO_NS_PER_S) /* 2026-03-01T00:00:00Z */
/* TAI seconds since 1958 at T0: 1772323200 + 378691200 + 37 (leap seconds since
 * 2017). */
#define T0_TAI_S 0x8035E025u
#define MAX_VALS 64

static dec_mdb_t *mdb;

static void load_mdb(void) {
    char err[256];
    mdb = dec_mdb_load(MDB_PATH, err, sizeof err);
    cr_assert_not_null(mdb, "%s", err);
    cr_assert_eq(dec_mdb_n_unsupported(mdb), 0, "%s",
                 dec_mdb_n_unsupported(mdb) ? dec_mdb_unsupported(mdb, 0) : "");
}

static void free_mdb(void) {
    dec_mdb_destroy(&mdb);
}

TestSuite(telemetry, .init = load_mdb, .fini = free_mdb);

/* A decoded packet: its values and the container that named it. */
typedef struct {
    dec_pval_t v[MAX_VALS];
    size_t n;
    int32_t container;
    dec_mdb_status_t st;
} decoded_t;

static void decode(const uint8_t *pkt, size_t len, decoded_t *d) {
    const uint8_t *g = guard_place(pkt, len);
    cr_assert_not_null(g);
    d->st = dec_mdb_decode(mdb, g, len, d->v, MAX_VALS, &d->n, &d->container);
}

static const char *container(const decoded_t *d) {
    return d->container >= 0 ? dec_mdb_container_qname(mdb, (uint32_t)d->container) : "-";
}

static const dec_pval_t *find(const decoded_t *d, const char *qname) {
    for (size_t i = 0; i < d->n; i++) {
        if (strcmp(dec_mdb_param_name(mdb, d->v[i].param), qname) == 0) {
            return &d->v[i];
        }
    }
    cr_assert_fail("no %s in the packet", qname);
    return NULL;
}

static double f64(const decoded_t *d, const char *qname) {
    const dec_pval_t *p = find(d, qname);
    cr_assert_eq(p->validity, DEC_PV_VALID, "%s validity %d", qname, p->validity);
    cr_assert_eq(p->eng.kind, DEC_VAL_F64, "%s kind %d", qname, p->eng.kind);
    return p->eng.v.f;
}

static uint64_t u64(const decoded_t *d, const char *qname) {
    const dec_pval_t *p = find(d, qname);
    cr_assert_eq(p->validity, DEC_PV_VALID);
    cr_assert_eq(p->eng.kind, DEC_VAL_U64, "%s kind %d", qname, p->eng.kind);
    return p->eng.v.u;
}

static int64_t time_of(const decoded_t *d) {
    const dec_pval_t *p = find(d, "/SIM/TIME");
    cr_assert_eq(p->eng.kind, DEC_VAL_TIME);
    return p->eng.v.t;
}

/* The primary and secondary header fields every timed packet must carry. */
static void check_header(const decoded_t *d, uint64_t apid, uint64_t seq, size_t len) {
    cr_assert_eq(d->st, DEC_MDB_OK, "status %s", dec_mdb_status_str(d->st));
    cr_assert_eq(u64(d, "/SIM/VERSION"), 0);
    const dec_pval_t *type = find(d, "/SIM/TYPE");
    cr_assert_eq(type->eng.kind, DEC_VAL_STR);
    cr_assert_eq(type->eng.len, 2);
    cr_assert_eq(memcmp(type->eng.p, "TM", 2), 0);
    cr_assert_eq(u64(d, "/SIM/SEC_HDR"), 1);
    cr_assert_eq(u64(d, "/SIM/APID"), apid);
    cr_assert_eq(u64(d, "/SIM/SEQ_FLAGS"), 3);
    cr_assert_eq(u64(d, "/SIM/SEQ_COUNT"), seq);
    cr_assert_eq(u64(d, "/SIM/DATA_LENGTH"), len - 7);
    cr_assert_eq(u64(d, "/SIM/CUC_PFIELD"), 0x1E);
}

/* A scenario without noise. */
static void quiet(sim_scenario_t *s) {
    sim_scenario_default(s);
    s->gnss_noise_m = 0.0;
    s->thrust_noise_pct = 0.0;
    s->power_noise_w = 0.0;
}

/* A truth at 30 N 60 W, 250 km, moving north-east. */
static void truth_at_place(sim_truth_t *t, double alt_km) {
    memset(t, 0, sizeof *t);
    t->t_ns = T0_NS;
    mon_geodetic_t g = {.lat_deg = 30.0, .lon_deg = -60.0, .alt_km = alt_km};
    mon_geodetic_to_ecef(&g, t->r_ecef);
    t->v_ecef[0] = 4321.125;
    t->v_ecef[1] = -5123.5;
    t->v_ecef[2] = 3456.75;
    t->alt_km = alt_km;
    t->lat_deg = 30.0;
    t->lon_deg = -60.0;
    t->thrust_cmd_mn = 12.0;
    t->thrust_mn = 11.8;
    t->firing = true;
    t->thruster_power_w = 218.25;
    t->solar_w = 187.5;
    t->load_w = 298.25;
    t->soc_pct = 72.5;
    t->propellant_kg = 1.75;
}

Test(telemetry, gnss_every_parameter) {
    sim_scenario_t s;
    quiet(&s);
    sim_truth_t t;
    truth_at_place(&t, 250.0);
    uint8_t pkt[SIM_MAX_PACKET];
    uint64_t rng = 42;
    size_t n = sim_pkt_gnss(&s, &t, 1234, &rng, pkt, sizeof pkt);
    cr_assert_eq(n, 62);
    decoded_t d;
    decode(pkt, n, &d);
    cr_assert_str_eq(container(&d), "/SIM/GNSS/GNSS_NAV");
    check_header(&d, 100, 1234, n);
    cr_assert_eq(time_of(&d), T0_NS);
    cr_assert_eq(f64(&d, "/SIM/GNSS/POS_X"), t.r_ecef[0]); /* float64: exact */
    cr_assert_eq(f64(&d, "/SIM/GNSS/POS_Y"), t.r_ecef[1]);
    cr_assert_eq(f64(&d, "/SIM/GNSS/POS_Z"), t.r_ecef[2]);
    cr_assert_eq(f64(&d, "/SIM/GNSS/VEL_X"), 4321.125); /* representable in float32 */
    cr_assert_eq(f64(&d, "/SIM/GNSS/VEL_Y"), -5123.5);
    cr_assert_eq(f64(&d, "/SIM/GNSS/VEL_Z"), 3456.75);
    /* geodetic from the position: 250 km, 30 N, 60 W to float precision */
    cr_assert_float_eq(f64(&d, "/SIM/GNSS/ALTITUDE"), 250.0, 250.0 * 1.2e-7);
    cr_assert_float_eq(f64(&d, "/SIM/GNSS/LATITUDE"), 30.0, 30.0 * 1.2e-7);
    cr_assert_float_eq(f64(&d, "/SIM/GNSS/LONGITUDE"), -60.0, 60.0 * 1.2e-7);
    cr_assert_eq(u64(&d, "/SIM/GNSS/GNSS_FIX"), 1);
    cr_assert_eq(d.n, 19);
    cr_assert_eq(dec_mdb_find_param(mdb, "/SIM/GNSS/ALTITUDE") >= 0, true);
    const dec_pval_t *alt = find(&d, "/SIM/GNSS/ALTITUDE");
    cr_assert_str_eq(dec_mdb_param_unit(mdb, alt->param), "km");
}

Test(telemetry, prop_every_parameter) {
    sim_scenario_t s;
    quiet(&s);
    sim_truth_t t;
    truth_at_place(&t, 250.0);
    uint8_t pkt[SIM_MAX_PACKET];
    uint64_t rng = 42;
    size_t n = sim_pkt_prop(&s, &t, 16383, &rng, pkt, sizeof pkt);
    cr_assert_eq(n, 30);
    decoded_t d;
    decode(pkt, n, &d);
    cr_assert_str_eq(container(&d), "/SIM/PROP/PROP_HK");
    check_header(&d, 200, 16383, n);
    cr_assert_eq(f64(&d, "/SIM/PROP/THRUST"), (double)11.8f);
    cr_assert_eq(f64(&d, "/SIM/PROP/THRUST_CMD"), 12.0);
    const dec_pval_t *firing = find(&d, "/SIM/PROP/FIRING");
    cr_assert_eq(firing->eng.kind, DEC_VAL_BOOL); /* the monitor reads a bool as 0/1 */
    cr_assert(firing->eng.v.b);
    cr_assert_eq(f64(&d, "/SIM/PROP/POWER"), 218.25);
    cr_assert_eq(f64(&d, "/SIM/PROP/PROPELLANT"), 1.75);
    cr_assert_str_eq(dec_mdb_param_unit(mdb, find(&d, "/SIM/PROP/PROPELLANT")->param), "kg");

    /* thruster off: no thrust, no power, FIRING false */
    t.firing = false;
    t.thrust_mn = t.thrust_cmd_mn = t.thruster_power_w = 0.0;
    s.power_noise_w = 5.0; /* a sensor with nothing flowing reads 0 */
    s.thrust_noise_pct = 5.0;
    n = sim_pkt_prop(&s, &t, 0, &rng, pkt, sizeof pkt);
    decode(pkt, n, &d);
    check_header(&d, 200, 0, n);
    cr_assert_not(find(&d, "/SIM/PROP/FIRING")->eng.v.b);
    cr_assert_eq(f64(&d, "/SIM/PROP/THRUST"), 0.0);
    cr_assert_eq(f64(&d, "/SIM/PROP/POWER"), 0.0);
}

Test(telemetry, eps_every_parameter) {
    sim_scenario_t s;
    quiet(&s);
    sim_truth_t t;
    truth_at_place(&t, 250.0);
    uint8_t pkt[SIM_MAX_PACKET];
    uint64_t rng = 42;
    size_t n = sim_pkt_eps(&s, &t, 7, &rng, pkt, sizeof pkt);
    cr_assert_eq(n, 26);
    decoded_t d;
    decode(pkt, n, &d);
    cr_assert_str_eq(container(&d), "/SIM/EPS/EPS_HK");
    check_header(&d, 300, 7, n);
    cr_assert_eq(f64(&d, "/SIM/EPS/SOLAR_POWER"), 187.5);
    cr_assert_eq(f64(&d, "/SIM/EPS/LOAD_POWER"), 298.25);
    cr_assert_eq(f64(&d, "/SIM/EPS/SOC"), 72.5);
    cr_assert_eq(u64(&d, "/SIM/EPS/IN_ECLIPSE"), 0);
    t.in_shadow = true;
    t.solar_w = 0.0;
    t.soc_pct = 41.0 / 3.0;
    n = sim_pkt_eps(&s, &t, 8, &rng, pkt, sizeof pkt);
    decode(pkt, n, &d);
    cr_assert_eq(u64(&d, "/SIM/EPS/IN_ECLIPSE"), 1);
    cr_assert_eq(f64(&d, "/SIM/EPS/SOLAR_POWER"), 0.0);
    cr_assert_eq(f64(&d, "/SIM/EPS/SOC"), (double)(float)(41.0 / 3.0));
}

Test(telemetry, idle_packet_layout) {
    uint8_t pkt[SIM_MAX_PACKET];
    size_t n = sim_pkt_idle(T0_NS, 16385 & 0x3FFF, pkt, sizeof pkt);
    cr_assert_eq(n, 22);
    /* version 0, TM, no secondary header, APID 0x7FF; unsegmented, count 1;
     * length 15 */
    static const uint8_t hdr[6] = {0x07, 0xFF, 0xC0, 0x01, 0x00, 0x0F};
    cr_assert_eq(memcmp(pkt, hdr, 6), 0);
    decoded_t d;
    decode(pkt, n, &d);
    cr_assert_eq(d.st, DEC_MDB_NO_CONTAINER);
    cr_assert_eq(u64(&d, "/SIM/APID"), 0x7FF);
    cr_assert_eq(u64(&d, "/SIM/SEC_HDR"), 0);
    cr_assert_eq(sim_pkt_idle(T0_NS, 0, pkt, 21), 0); /* too small a buffer */
}

Test(telemetry, primary_header_octets_and_cuc) {
    sim_scenario_t s;
    quiet(&s);
    sim_truth_t t;
    truth_at_place(&t, 250.0);
    t.t_ns = T0_NS + 500000000LL; /* + 0.5 s */
    uint8_t pkt[SIM_MAX_PACKET];
    uint64_t rng = 1;
    size_t n = sim_pkt_eps(&s, &t, 0x2ABC, &rng, pkt, sizeof pkt);
    /* 0x0800 | 300 = 0x092C; 0xC000 | 0x2ABC = 0xEABC; 26 - 7 = 19 */
    static const uint8_t want[13] = {0x09, 0x2C, 0xEA, 0xBC, 0x00, 0x13, 0x1E,
                                     0x80, 0x35, 0xE0, 0x25, 0x80, 0x00};
    cr_assert_eq(n, 26);
    cr_assert_eq(memcmp(pkt, want, sizeof want), 0);
    (void)T0_TAI_S;
    cr_assert_eq(
        ((uint32_t)pkt[7] << 24 | (uint32_t)pkt[8] << 16 | (uint32_t)pkt[9] << 8 | pkt[10]),
        T0_TAI_S);
    cr_assert_eq(sim_pkt_eps(&s, &t, 0, &rng, pkt, 25), 0);
    cr_assert_eq(sim_pkt_gnss(&s, &t, 0, &rng, pkt, 61), 0);
    cr_assert_eq(sim_pkt_prop(&s, &t, 0, &rng, pkt, 29), 0);
}

Test(telemetry, cuc_time_round_trip) {
    sim_scenario_t s;
    quiet(&s);
    sim_truth_t t;
    truth_at_place(&t, 250.0);
    /* fractions: exact in 2^-16 s, and not (truncated to the tick below) */
    static const int64_t offs[] = {
        0, 1, 15258, 15259, 250000000, 123456789, 999999999, 86400LL * VLEO_NS_PER_S * 400 + 7};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        t.t_ns = T0_NS + offs[i];
        uint8_t pkt[SIM_MAX_PACKET];
        uint64_t rng = 1;
        size_t n = sim_pkt_prop(&s, &t, 0, &rng, pkt, sizeof pkt);
        decoded_t d;
        decode(pkt, n, &d);
        int64_t got = time_of(&d);
        int64_t frac = offs[i] % VLEO_NS_PER_S;
        int64_t tick = frac * 65536 / VLEO_NS_PER_S; /* fine octets, truncated */
        int64_t want = t.t_ns - frac + tick * VLEO_NS_PER_S / 65536;
        cr_assert(llabs(got - want) <= 1, "offset %lld: got %lld want %lld", (long long)offs[i],
                  (long long)got, (long long)want);
        cr_assert(got <= t.t_ns && t.t_ns - got < 15259);
    }
    /* a leap second: before 2017-01-01 TAI - UTC was 36 s */
    t.t_ns = 1483228799LL * VLEO_NS_PER_S; /* 2016-12-31T23:59:59Z */
    uint8_t pkt[SIM_MAX_PACKET];
    uint64_t rng = 1;
    sim_pkt_prop(&s, &t, 0, &rng, pkt, sizeof pkt);
    uint32_t coarse =
        (uint32_t)pkt[7] << 24 | (uint32_t)pkt[8] << 16 | (uint32_t)pkt[9] << 8 | pkt[10];
    cr_assert_eq(coarse, 1483228799u + 378691200u + 36u);
    decoded_t d;
    decode(pkt, 30, &d);
    cr_assert_eq(time_of(&d), t.t_ns);
}

Test(telemetry, sequence_count_wraps_at_16384) {
    sim_scenario_t s;
    quiet(&s);
    sim_truth_t t;
    truth_at_place(&t, 250.0);
    static const uint16_t in[] = {0, 1, 16383, 16384, 16385, 32767, 65535};
    static const uint64_t want[] = {0, 1, 16383, 0, 1, 16383, 16383};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        uint8_t pkt[SIM_MAX_PACKET];
        uint64_t rng = 1;
        size_t n = sim_pkt_gnss(&s, &t, in[i], &rng, pkt, sizeof pkt);
        decoded_t d;
        decode(pkt, n, &d);
        cr_assert_eq(u64(&d, "/SIM/SEQ_COUNT"), want[i], "seq %u", in[i]);
        cr_assert_eq(u64(&d, "/SIM/APID"), 100); /* the count never spills into the APID */
        cr_assert_eq(u64(&d, "/SIM/SEQ_FLAGS"), 3);
    }
}

/* Mean and standard deviation of a series. */
typedef struct {
    double sum, sum2;
    size_t n;
} stat_t;

static void stat_add(stat_t *st, double x) {
    st->sum += x;
    st->sum2 += x * x;
    st->n++;
}

static double stat_mean(const stat_t *st) {
    return st->sum / (double)st->n;
}

static double stat_sd(const stat_t *st) {
    double m = stat_mean(st);
    return sqrt((st->sum2 - (double)st->n * m * m) / (double)(st->n - 1));
}

/* The mean within 4 standard errors of 0, the deviation within 10 % of sigma.
 */
static void check_noise(const char *what, const stat_t *st, double sigma) {
    double m = stat_mean(st), sd = stat_sd(st);
    cr_assert(fabs(m) < 4.0 * sigma / sqrt((double)st->n), "%s: mean %g (sigma %g)", what, m,
              sigma);
    cr_assert(fabs(sd / sigma - 1.0) < 0.10, "%s: sd %g, want %g", what, sd, sigma);
}

#define DRAWS 10000

Test(telemetry, noise_statistics) {
    sim_scenario_t s;
    sim_scenario_default(&s); /* 5 m, 2 %, 1 W */
    sim_truth_t t;
    truth_at_place(&t, 250.0);
    uint64_t rng = 0x1234567;
    stat_t pos[3] = {0}, vel[3] = {0}, thrust = {0}, power = {0}, solar = {0}, load = {0};
    stat_t alt = {0};
    double alt0 = 250.0;
    for (int k = 0; k < DRAWS; k++) {
        uint8_t pkt[SIM_MAX_PACKET];
        decoded_t d;
        size_t n = sim_pkt_gnss(&s, &t, (uint16_t)k, &rng, pkt, sizeof pkt);
        decode(pkt, n, &d);
        double r[3] = {f64(&d, "/SIM/GNSS/POS_X"), f64(&d, "/SIM/GNSS/POS_Y"),
                       f64(&d, "/SIM/GNSS/POS_Z")};
        static const char *const vn[3] = {"/SIM/GNSS/VEL_X", "/SIM/GNSS/VEL_Y", "/SIM/GNSS/VEL_Z"};
        for (int i = 0; i < 3; i++) {
            stat_add(&pos[i], r[i] - t.r_ecef[i]);
            stat_add(&vel[i], f64(&d, vn[i]) - t.v_ecef[i]);
        }
        /* altitude, latitude, longitude are those of the reported (noisy) position
         */
        mon_geodetic_t g;
        mon_ecef_to_geodetic(r, &g);
        cr_assert_eq(f64(&d, "/SIM/GNSS/ALTITUDE"), (double)(float)g.alt_km);
        cr_assert_eq(f64(&d, "/SIM/GNSS/LATITUDE"), (double)(float)g.lat_deg);
        cr_assert_eq(f64(&d, "/SIM/GNSS/LONGITUDE"), (double)(float)g.lon_deg);
        stat_add(&alt, (g.alt_km - alt0) * 1000.0);

        n = sim_pkt_prop(&s, &t, (uint16_t)k, &rng, pkt, sizeof pkt);
        decode(pkt, n, &d);
        stat_add(&thrust, f64(&d, "/SIM/PROP/THRUST") - t.thrust_mn);
        stat_add(&power, f64(&d, "/SIM/PROP/POWER") - t.thruster_power_w);
        cr_assert_eq(f64(&d, "/SIM/PROP/THRUST_CMD"), 12.0); /* commands carry no noise */
        cr_assert_eq(f64(&d, "/SIM/PROP/PROPELLANT"), 1.75);

        n = sim_pkt_eps(&s, &t, (uint16_t)k, &rng, pkt, sizeof pkt);
        decode(pkt, n, &d);
        stat_add(&solar, f64(&d, "/SIM/EPS/SOLAR_POWER") - t.solar_w);
        stat_add(&load, f64(&d, "/SIM/EPS/LOAD_POWER") - t.load_w);
        cr_assert_eq(f64(&d, "/SIM/EPS/SOC"), 72.5);
    }
    for (int i = 0; i < 3; i++) {
        check_noise("position", &pos[i], 5.0);
        check_noise("velocity", &vel[i], 0.05);
    }
    check_noise("altitude", &alt, 5.0); /* one axis of 5 m along the vertical */
    check_noise("thrust", &thrust, 11.8 * 0.02);
    check_noise("thruster power", &power, 1.0);
    check_noise("solar power", &solar, 1.0);
    check_noise("load power", &load, 1.0);
}

Test(telemetry, noise_is_deterministic) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    sim_truth_t t;
    truth_at_place(&t, 250.0);
    uint8_t a[SIM_MAX_PACKET], b[SIM_MAX_PACKET];
    uint64_t r1 = 99, r2 = 99, r3 = 100;
    for (int k = 0; k < 100; k++) {
        sim_pkt_gnss(&s, &t, 0, &r1, a, sizeof a);
        sim_pkt_gnss(&s, &t, 0, &r2, b, sizeof b);
        cr_assert_eq(memcmp(a, b, 62), 0);
    }
    cr_assert_eq(r1, r2);
    sim_pkt_gnss(&s, &t, 0, &r1, a, sizeof a);
    sim_pkt_gnss(&s, &t, 0, &r3, b, sizeof b);
    cr_assert_neq(memcmp(a, b, 62), 0);
    /* a zero state still gives noise (xorshift's fixed point is avoided) */
    uint64_t z = 0;
    sim_pkt_gnss(&s, &t, 0, &z, a, sizeof a);
    cr_assert_neq(z, 0);
    decoded_t d;
    decode(a, 62, &d);
    cr_assert_neq(f64(&d, "/SIM/GNSS/POS_X"), t.r_ecef[0]);
}

/* ---- pcap output read back through the decoder ---- */

#define MAX_GOT 40000
typedef struct {
    size_t n;
    uint16_t apid[MAX_GOT];
    uint16_t seq[MAX_GOT];
    int64_t gen[MAX_GOT], rx[MAX_GOT];
    bool tvalid[MAX_GOT];
    int32_t container[MAX_GOT];
    double alt[MAX_GOT];
    double pos[MAX_GOT][3];
    uint8_t first[8][64]; /* the first packets' octets */
    size_t first_len[8];
} got_t;

static got_t *got;

static void on_packet(void *ctx, const dec_packet_t *p) {
    (void)ctx;
    cr_assert_lt(got->n, MAX_GOT);
    size_t i = got->n++;
    got->apid[i] = p->hdr.apid;
    got->seq[i] = p->hdr.seq_count;
    got->gen[i] = p->gen_utc_ns;
    got->tvalid[i] = p->time_valid;
    got->rx[i] = p->rx_utc_ns;
    got->container[i] = p->container;
    got->alt[i] = NAN;
    for (size_t k = 0; k < p->n_params; k++) {
        const char *nm = dec_mdb_param_name(mdb, p->params[k].param);
        if (strcmp(nm, "/SIM/GNSS/ALTITUDE") == 0) {
            got->alt[i] = p->params[k].eng.v.f;
        } else if (strcmp(nm, "/SIM/GNSS/POS_X") == 0) {
            got->pos[i][0] = p->params[k].eng.v.f;
        } else if (strcmp(nm, "/SIM/GNSS/POS_Y") == 0) {
            got->pos[i][1] = p->params[k].eng.v.f;
        } else if (strcmp(nm, "/SIM/GNSS/POS_Z") == 0) {
            got->pos[i][2] = p->params[k].eng.v.f;
        }
    }
    if (i < 8 && p->len <= 64) {
        memcpy(got->first[i], p->data, p->len);
        got->first_len[i] = p->len;
    }
}

/* Read a capture with the decoder: every record through the pipeline. */
static dec_stats_t read_back(const char *path) {
    char err[256];
    int code = 0;
    dec_capreader_t *cr = dec_capreader_open(path, NULL, err, sizeof err, &code);
    cr_assert_not_null(cr, "%s", err);
    dec_pipeline_opts_t o;
    dec_pipeline_opts_default(&o);
    cr_assert_eq(dec_tc_format_parse("cuc", &o.time_code, err, sizeof err), 0, "%s", err);
    o.deliver_idle = true;
    o.mdb = mdb;
    dec_pipeline_t *p = dec_pipeline_new(&o, on_packet, NULL, err, sizeof err);
    cr_assert_not_null(p, "%s", err);
    dec_cap_record_t rec;
    dec_cr_status_t st;
    for (int guard = 0; guard < 1000000 && (st = dec_capreader_next(cr, &rec)) == DEC_CR_RECORD;
         guard++) {
        cr_assert_eq(rec.linktype, 1);
        dec_pipeline_record(p, rec.linktype, rec.data, rec.caplen, rec.wirelen, rec.ts_ns);
    }
    cr_assert_eq(st, DEC_CR_EOF, "%s", dec_capreader_error(cr));
    dec_pipeline_flush(p);
    dec_stats_t stats = *dec_pipeline_stats(p);
    dec_pipeline_destroy(&p);
    dec_capreader_close(&cr);
    return stats;
}

static uint64_t rejected(const dec_stats_t *s) {
    uint64_t r = 0;
    for (int i = 0; i < DEC_REJ_COUNT; i++) {
        r += s->rejected[i];
    }
    return r;
}

static uint16_t rd16(const uint8_t *p) {
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rdle32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void setup_got(void) {
    load_mdb();
    got = calloc(1, sizeof *got);
    cr_assert_not_null(got);
}

static void teardown_got(void) {
    free(got);
    got = NULL;
    free_mdb();
}

Test(telemetry_pcap, writer_read_back, .init = setup_got, .fini = teardown_got) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/simtm_unit_%d.pcap", (int)getpid());
    char err[256];
    sim_out_t *o = sim_out_open(SIM_OUT_PCAP, path, err, sizeof err);
    cr_assert_not_null(o, "%s", err);
    sim_scenario_t s;
    sim_scenario_default(&s);
    sim_truth_t t;
    truth_at_place(&t, 250.0);
    uint64_t rng = 5;
    uint8_t pkts[4][SIM_MAX_PACKET];
    size_t lens[4];
    int64_t times[4] = {T0_NS, T0_NS + 2123456789LL, T0_NS + 4000000000LL, T0_NS + 6000000000LL};
    t.t_ns = times[0];
    lens[0] = sim_pkt_gnss(&s, &t, 0, &rng, pkts[0], SIM_MAX_PACKET);
    t.t_ns = times[1];
    lens[1] = sim_pkt_prop(&s, &t, 0, &rng, pkts[1], SIM_MAX_PACKET);
    t.t_ns = times[2];
    lens[2] = sim_pkt_eps(&s, &t, 0, &rng, pkts[2], SIM_MAX_PACKET);
    lens[3] = sim_pkt_idle(times[3], 0, pkts[3], SIM_MAX_PACKET);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(sim_out_packet(o, times[i], pkts[i], lens[i]), 0);
    }
    cr_assert_eq(sim_out_packets(o), 4);
    cr_assert_eq(sim_out_close(&o), 0);
    cr_assert_null(o);

    dec_stats_t st = read_back(path);
    cr_assert_eq(got->n, 4);
    cr_assert_eq(st.packets, 4);
    cr_assert_eq(st.idle, 1);
    cr_assert_eq(rejected(&st), 0);
    cr_assert_eq(st.datagrams_clean, 4);
    cr_assert_eq(st.time_ok, 3);
    cr_assert_eq(st.mdb_named, 3);
    static const uint16_t apids[4] = {100, 200, 300, 0x7FF};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(got->apid[i], apids[i]);
        cr_assert_eq(got->first_len[i], lens[i]);
        cr_assert_eq(memcmp(got->first[i], pkts[i], lens[i]), 0);
        cr_assert_eq(got->rx[i], times[i] / 1000 * 1000); /* microsecond stamps */
    }
    cr_assert(got->tvalid[0] && got->tvalid[1] && got->tvalid[2]);
    cr_assert_eq(got->gen[0], times[0]);
    cr_assert(times[1] - got->gen[1] >= 0 && times[1] - got->gen[1] < 15259);
    cr_assert_eq(got->gen[2], times[2]);

    /* The raw octets: pcap header, Ethernet, IPv4 with a right checksum, UDP
     * 50000 -> 1235. */
    size_t flen = 0;
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    uint8_t buf[1024];
    flen = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unlink(path);
    size_t want_len = 24;
    for (int i = 0; i < 4; i++) {
        want_len += 16 + 42 + lens[i];
    }
    cr_assert_eq(flen, want_len);
    cr_assert_eq(rdle32(buf), 0xA1B2C3D4u);
    cr_assert_eq(rdle32(buf + 20), 1); /* DLT_EN10MB */
    size_t off = 24;
    for (int i = 0; i < 4; i++) {
        const uint8_t *r = buf + off;
        cr_assert_eq(rdle32(r), (uint32_t)(times[i] / VLEO_NS_PER_S));
        cr_assert_eq(rdle32(r + 4), (uint32_t)(times[i] % VLEO_NS_PER_S / 1000));
        cr_assert_eq(rdle32(r + 8), 42 + lens[i]);
        cr_assert_eq(rdle32(r + 12), 42 + lens[i]);
        const uint8_t *e = r + 16;
        cr_assert_eq(rd16(e + 12), 0x0800);
        const uint8_t *ip = e + 14;
        cr_assert_eq(ip[0], 0x45);
        cr_assert_eq(ip[9], 17);
        cr_assert_eq(rd16(ip + 2), 28 + lens[i]);
        uint32_t sum = 0;
        for (int k = 0; k < 20; k += 2) {
            sum += rd16(ip + k);
        }
        while (sum >> 16) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        cr_assert_eq(sum, 0xFFFF, "IP checksum of record %d", i);
        static const uint8_t addrs[8] = {10, 7, 0, 2, 10, 7, 0, 10};
        cr_assert_eq(memcmp(ip + 12, addrs, 8), 0);
        const uint8_t *u = ip + 20;
        cr_assert_eq(rd16(u), 50000);
        cr_assert_eq(rd16(u + 2), 1235);
        cr_assert_eq(rd16(u + 4), 8 + lens[i]);
        /* UDP checksum over the pseudo header, header and payload sums to 0xFFFF */
        sum = rd16(ip + 12) + rd16(ip + 14) + rd16(ip + 16) + rd16(ip + 18) + 17u +
              (uint32_t)(8 + lens[i]);
        for (size_t k = 0; k + 1 < 8 + lens[i]; k += 2) {
            sum += rd16(u + k);
        }
        if ((8 + lens[i]) & 1) {
            sum += (uint32_t)u[8 + lens[i] - 1] << 8;
        }
        while (sum >> 16) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        cr_assert_eq(sum, 0xFFFF, "UDP checksum of record %d", i);
        cr_assert_eq(memcmp(u + 8, pkts[i], lens[i]), 0);
        off += 16 + 42 + lens[i];
    }
}

Test(telemetry_pcap, open_errors_name_the_target) {
    char err[256] = "";
    cr_assert_null(sim_out_open(SIM_OUT_PCAP, "/nonexistent-dir/x.pcap", err, sizeof err));
    cr_assert_not_null(strstr(err, "/nonexistent-dir/x.pcap"), "%s", err);
    static const char *const bad[] = {"localhost",       "localhost:",    ":5000",    "localhost:0",
                                      "localhost:65536", "localhost:12x", "[::1:5000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_null(sim_out_open(SIM_OUT_UDP, bad[i], err, sizeof err), "%s", bad[i]);
        cr_assert_not_null(strstr(err, bad[i]), "%s", err);
    }
    err[0] = '\0';
    cr_assert_null(sim_out_open(SIM_OUT_UDP, "no-such-host.invalid:5000", err, sizeof err));
    cr_assert_not_null(strstr(err, "no-such-host.invalid:5000"), "%s", err);
    sim_out_t *o = sim_out_open(SIM_OUT_UDP, "[::1]:9", err, sizeof err);
    if (o != NULL) { /* hosts without IPv6 cannot make the socket: fine */
        cr_assert_eq(sim_out_close(&o), 0);
    }
    o = sim_out_open(SIM_OUT_UDP, "127.0.0.1:9", err, sizeof err);
    cr_assert_not_null(o, "%s", err);
    cr_assert_eq(sim_out_close(&o), 0);
}

/* ---- whole runs ---- */

Test(telemetry_pcap, run_counts_times_gap_and_wrap, .init = setup_got, .fini = teardown_got) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.duration_s = 5 * 3600.0;
    s.gnss_period_s = 1.0; /* 18000 GNSS packets: the count wraps once */
    /* no telemetry from 1 h to 1.5 h */
    s.events[0] = (sim_event_t){.kind = SIM_EV_TELEMETRY_GAP,
                                .at_ns = s.start_ns + 3600LL * VLEO_NS_PER_S,
                                .until_ns = s.start_ns + 5400LL * VLEO_NS_PER_S,
                                .kp = NAN,
                                .f107 = NAN,
                                .f107a = NAN,
                                .density_factor = NAN,
                                .line = 1};
    s.n_events = 1;
    char path[64];
    snprintf(path, sizeof path, "/tmp/simtm_run_%d.pcap", (int)getpid());
    char err[256];
    sim_out_t *o = sim_out_open(SIM_OUT_PCAP, path, err, sizeof err);
    cr_assert_not_null(o, "%s", err);
    int64_t n = sim_run(&s, o, 0.0, NULL, NULL, err, sizeof err);
    cr_assert_eq(sim_out_close(&o), 0);
    /* due: GNSS k s (18000), PROP 2+30k (600), EPS 4+30k (600), idle 6+60k (300);
     * lost in [3600, 5400): 1800, 60, 60, 30 */
    cr_assert_eq(n, 19500 - 1950, "%lld: %s", (long long)n, err);
    dec_stats_t st = read_back(path);
    unlink(path);
    cr_assert_eq(got->n, 17550);
    cr_assert_eq(rejected(&st), 0);
    cr_assert_eq(st.seq_gaps, 3, "gaps %llu missing %llu", (unsigned long long)st.seq_gaps,
                 (unsigned long long)st.seq_missing);
    cr_assert_eq(st.seq_missing, 1920); /* the decoder does not track idle counts */
    cr_assert_eq(st.seq_duplicates, 0);
    cr_assert_eq(st.seq_reordered, 0);
    size_t count[4] = {0};
    int64_t last = 0;
    for (size_t i = 0; i < got->n; i++) {
        int a = got->apid[i] == 100 ? 0 : got->apid[i] == 200 ? 1 : got->apid[i] == 300 ? 2 : 3;
        cr_assert(a < 3 || got->apid[i] == 0x7FF);
        count[a]++;
        cr_assert(got->rx[i] >= last, "packets out of time order at %zu", i);
        last = got->rx[i];
        if (a < 3) {
            cr_assert(got->tvalid[i]);
            cr_assert_eq(got->gen[i], got->rx[i]); /* whole seconds: pcap time = packet time */
        }
        if (a == 0) {
            /* GNSS packet j at j seconds, count j mod 16384 */
            int64_t j = (got->gen[i] - s.start_ns) / VLEO_NS_PER_S;
            cr_assert_eq(got->gen[i], s.start_ns + j * VLEO_NS_PER_S);
            cr_assert_eq(got->seq[i], (uint16_t)(j % 16384));
            cr_assert(j < 3600 || j >= 5400);
            cr_assert(got->alt[i] > 200.0 && got->alt[i] < 300.0, "alt %g", got->alt[i]);
        }
        if (a == 1) {
            cr_assert_eq((got->gen[i] - s.start_ns) % (30 * VLEO_NS_PER_S), 2 * VLEO_NS_PER_S);
        }
    }
    cr_assert_eq(count[0], 16200);
    cr_assert_eq(count[1], 540);
    cr_assert_eq(count[2], 540);
    cr_assert_eq(count[3], 270);
}

/* A spacecraft that falls below 90 km is gone: its telemetry stops there. From 120 km with
 * the thruster off the orbit decays within hours. */
Test(telemetry_pcap, telemetry_stops_at_reentry, .init = setup_got, .fini = teardown_got) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.altitude_km = 120.0;
    s.station_keeping = false;
    s.duration_s = 6 * 3600.0;
    /* when the world says it re-entered */
    sim_world_t *w = sim_world_new(&s);
    cr_assert_not_null(w);
    sim_truth_t t;
    int64_t t_re = 0;
    for (int i = 0; i < 6 * 720 && t_re == 0; i++) {
        sim_world_step(w);
        sim_world_truth(w, &t);
        if (t.reentered)
            t_re = t.t_ns;
    }
    sim_world_destroy(&w);
    cr_assert_neq(t_re, 0, "no re-entry within 6 h from 120 km");
    cr_assert_gt(t_re, s.start_ns + 600LL * VLEO_NS_PER_S);
    char path[64];
    snprintf(path, sizeof path, "/tmp/simtm_reentry_%d.pcap", (int)getpid());
    char err[256];
    sim_out_t *o = sim_out_open(SIM_OUT_PCAP, path, err, sizeof err);
    cr_assert_not_null(o, "%s", err);
    int64_t n = sim_run(&s, o, 0.0, NULL, NULL, err, sizeof err);
    cr_assert_eq(sim_out_close(&o), 0);
    cr_assert_gt(n, 0, "%s", err);
    read_back(path);
    unlink(path);
    cr_assert_eq(got->n, (size_t)n);
    int64_t last = 0;
    for (size_t i = 0; i < got->n; i++)
        last = got->rx[i] > last ? got->rx[i] : last;
    /* the last packet comes before the re-entry, within one GNSS period (10 s) of it */
    cr_assert_lt(last, t_re, "last %lld re-entry %lld", (long long)last, (long long)t_re);
    cr_assert_geq(last, t_re - 10LL * VLEO_NS_PER_S - 5LL * VLEO_NS_PER_S);
    printf("re-entry from 120 km after %.0f s: %lld packets, none after it\n",
           (double)(t_re - s.start_ns) / 1e9, (long long)n);
}

static void record_last(void *ctx, const sim_truth_t *t) {
    int *calls = ctx;
    (*calls)++;
    (void)t;
}

/* Between integrator steps the GNSS position is interpolated: against a world
 * stepped at 1 s (no thrust: nothing discrete in the orbit), it agrees to well
 * under a metre. */
Test(telemetry_pcap, positions_between_steps, .init = setup_got, .fini = teardown_got) {
    sim_scenario_t s;
    quiet(&s);
    s.duration_s = 1800.0;
    s.gnss_period_s = 1.0;
    s.station_keeping = false;
    char path[64];
    snprintf(path, sizeof path, "/tmp/simtm_interp_%d.pcap", (int)getpid());
    char err[256];
    sim_out_t *o = sim_out_open(SIM_OUT_PCAP, path, err, sizeof err);
    cr_assert_not_null(o, "%s", err);
    int calls = 0;
    int64_t n = sim_run(&s, o, 0.0, record_last, &calls, err, sizeof err);
    cr_assert_eq(sim_out_close(&o), 0);
    cr_assert_eq(n, 1800 + 60 + 60 + 30, "%s", err);
    cr_assert_eq(calls, 1); /* under an hour: only the final call */
    read_back(path);
    unlink(path);

    sim_scenario_t fine = s;
    fine.step_s = 1.0;
    sim_world_t *w = sim_world_new(&fine);
    cr_assert_not_null(w);
    sim_truth_t t;
    sim_world_truth(w, &t);
    size_t checked = 0;
    double worst = 0.0;
    for (size_t i = 0; i < got->n; i++) {
        if (got->apid[i] != 100) {
            continue;
        }
        int64_t steps = 0;
        while (t.t_ns < got->gen[i] && steps++ < 10) {
            sim_world_step(w);
            sim_world_truth(w, &t);
        }
        cr_assert_eq(t.t_ns, got->gen[i]);
        double d2 = 0.0;
        for (int k = 0; k < 3; k++) {
            d2 += (got->pos[i][k] - t.r_ecef[k]) * (got->pos[i][k] - t.r_ecef[k]);
        }
        worst = fmax(worst, sqrt(d2));
        checked++;
    }
    sim_world_destroy(&w);
    cr_assert_eq(checked, 1800);
    cr_assert_lt(worst, 0.5, "worst %g m", worst);
}

Test(telemetry_pcap, same_seed_same_bytes) {
    sim_scenario_t s;
    sim_scenario_default(&s);
    s.duration_s = 1200.0;
    uint8_t *files[3] = {NULL};
    size_t lens[3] = {0};
    for (int run = 0; run < 3; run++) {
        s.seed = run == 2 ? 2 : 1;
        char path[64], err[256];
        snprintf(path, sizeof path, "/tmp/simtm_seed_%d_%d.pcap", (int)getpid(), run);
        sim_out_t *o = sim_out_open(SIM_OUT_PCAP, path, err, sizeof err);
        cr_assert_not_null(o, "%s", err);
        cr_assert_eq(sim_run(&s, o, 0.0, NULL, NULL, err, sizeof err), 120 + 40 + 40 + 20, "%s",
                     err);
        cr_assert_eq(sim_out_close(&o), 0);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f);
        files[run] = malloc(65536);
        cr_assert_not_null(files[run]);
        lens[run] = fread(files[run], 1, 65536, f);
        fclose(f);
        unlink(path);
    }
    cr_assert_eq(lens[0], lens[1]);
    cr_assert_eq(lens[0], lens[2]);
    cr_assert_eq(memcmp(files[0], files[1], lens[0]), 0);
    cr_assert_neq(memcmp(files[0], files[2], lens[0]), 0);
    for (int run = 0; run < 3; run++) {
        free(files[run]);
    }
}
