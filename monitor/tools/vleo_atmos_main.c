/* vleo_atmos_main.c: vleo-atmos, one upper-atmosphere density as a JSON object (DESIGN section
 * 6; models in mon/atmos.h, space weather from CelesTrak's CSV via mon/spacewx.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mon/atmos.h"
#include "mon/spacewx.h"
#include "vleo/json.h"
#include "vleo/log.h"
#include "vleo/timescale.h"

#define DEFAULT_F107 150.0
#define DEFAULT_KP 3.0
#define MAX_FLUX 1000.0 /* sfu; the models accept no more */
#define MAX_KP_LAG_H 72.0

static const char usage_text[] =
    "usage: vleo-atmos --model MODEL --alt KM [options]\n"
    "Print the upper-atmosphere density at one place and time as one JSON object on stdout:\n"
    "  {\"model\":..,\"alt_km\":..,..,\"density_kg_m3\":..,\"status\":\"ok\"}\n"
    "with every input the model used.\n"
    "  --model MODEL        exponential (Vallado table 8-4), harris-priester (or hp,\n"
    "                       Montenbruck & Gill), jacchia71 (or j71)\n"
    "  --alt KM             height above the WGS-84 ellipsoid\n"
    "  --lat DEG            geodetic latitude (default 0)\n"
    "  --lon DEG            east longitude (default 0)\n"
    "  --time ISO8601       UTC time, e.g. 2024-05-11T12:00:00Z (default now)\n"
    "  --f107 X             F10.7 of the previous day, sfu (default 150)\n"
    "  --f107a X            81-day mean F10.7, sfu (default 150)\n"
    "  --kp X               Kp, 0..9 as a real number, taken as given (default 3)\n"
    "  --space-weather CSV  take F10.7 (previous day), the centred 81-day mean and Kp from\n"
    "                       CelesTrak's SW-All.csv / SW-Last5Years.csv instead of --f107,\n"
    "                       --f107a, --kp; the JSON then names the file, the data types used\n"
    "                       and whether a prediction, a gap or a date outside the file was\n"
    "                       involved\n"
    "  --kp-lag-h H         with --space-weather: Kp of the 3-hour interval at time - H\n"
    "                       (default 6.7, Jacchia's lag)\n"
    "  --hp-exponent N      Harris-Priester cos^N exponent, 2..6 (default 4; 2 for low\n"
    "                       inclinations, 6 for polar orbits)\n"
    "  --help               print this help and exit\n"
    "  --version            print the version and exit\n"
    "Only the inputs a model uses are printed (exponential: height only). Below a model's\n"
    "range (exponential 0 km, harris-priester 100 km, jacchia71 90 km) is a usage error;\n"
    "above 1000 km harris-priester gives density 0 with status \"above_range\".\n"
    "Exit status: 0 success, 1 runtime failure, 2 usage error, 3 space-weather file\n"
    "unreadable or without usable values.\n";

typedef struct {
    bool have_model, have_alt;
    mon_atmos_model_t model;
    mon_atmos_in_t in;
    bool have_time;
    bool have_flux_or_kp; /* --f107, --f107a or --kp given */
    const char *flux_opt; /* one of them, for the message */
    const char *sw_path;
    bool have_lag;
    double kp_lag_h;
} atmos_opts_t;

/* A finite real number, the whole text. Returns 0 or -1. */
static int parse_real(const char *s, double *out) {
    if (s[0] == '\0')
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* A real number within [lo, hi] for option `name`; prints the message on failure. */
static int opt_real(const char *name, const char *s, double lo, double hi, double *out) {
    double v;
    if (parse_real(s, &v) != 0 || v < lo || v > hi) {
        VLEO_ERR("--%s: \"%s\" is not a number in %g..%g", name, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

enum {
    OPT_MODEL = 256,
    OPT_ALT,
    OPT_LAT,
    OPT_LON,
    OPT_TIME,
    OPT_F107,
    OPT_F107A,
    OPT_KP,
    OPT_SW,
    OPT_KP_LAG,
    OPT_HP_EXP,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"model", required_argument, NULL, OPT_MODEL},
    {"alt", required_argument, NULL, OPT_ALT},
    {"lat", required_argument, NULL, OPT_LAT},
    {"lon", required_argument, NULL, OPT_LON},
    {"time", required_argument, NULL, OPT_TIME},
    {"f107", required_argument, NULL, OPT_F107},
    {"f107a", required_argument, NULL, OPT_F107A},
    {"kp", required_argument, NULL, OPT_KP},
    {"space-weather", required_argument, NULL, OPT_SW},
    {"kp-lag-h", required_argument, NULL, OPT_KP_LAG},
    {"hp-exponent", required_argument, NULL, OPT_HP_EXP},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Parse the command line into o. Returns -1 to go on, or the exit code (0 after --help and
 * --version, VLEO_EXIT_USAGE with a message). */
static int parse_args(int argc, char **argv, atmos_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->in.f107 = DEFAULT_F107;
    o->in.f107a = DEFAULT_F107;
    o->in.kp = DEFAULT_KP;
    opterr = 0;
    for (;;) {
        int prev_optind = optind;
        int c = getopt_long(argc, argv, ":", long_opts, NULL);
        if (c == -1)
            break;
        double v;
        switch (c) {
        case OPT_MODEL:
            if (mon_atmos_model_parse(optarg, &o->model) != 0) {
                VLEO_ERR("--model: unknown model \"%s\" (exponential, harris-priester, "
                         "jacchia71)",
                         optarg);
                return VLEO_EXIT_USAGE;
            }
            o->have_model = true;
            break;
        case OPT_ALT:
            if (opt_real("alt", optarg, -1e4, 1e5, &o->in.alt_km) != 0)
                return VLEO_EXIT_USAGE;
            o->have_alt = true;
            break;
        case OPT_LAT:
            if (opt_real("lat", optarg, -90.0, 90.0, &o->in.lat_deg) != 0)
                return VLEO_EXIT_USAGE;
            break;
        case OPT_LON:
            if (opt_real("lon", optarg, -360.0, 360.0, &o->in.lon_deg) != 0)
                return VLEO_EXIT_USAGE;
            break;
        case OPT_TIME:
            if (vleo_parse_iso8601(optarg, &o->in.utc_unix_ns) != 0) {
                VLEO_ERR("--time: \"%s\" is not an ISO 8601 UTC time", optarg);
                return VLEO_EXIT_USAGE;
            }
            o->have_time = true;
            break;
        case OPT_F107:
        case OPT_F107A:
            /* The models want a positive flux; 0 is refused. */
            if (opt_real(c == OPT_F107 ? "f107" : "f107a", optarg, 0.0, MAX_FLUX, &v) != 0)
                return VLEO_EXIT_USAGE;
            if (v <= 0.0) {
                VLEO_ERR("--%s: the flux must be positive", c == OPT_F107 ? "f107" : "f107a");
                return VLEO_EXIT_USAGE;
            }
            *(c == OPT_F107 ? &o->in.f107 : &o->in.f107a) = v;
            o->have_flux_or_kp = true;
            o->flux_opt = c == OPT_F107 ? "--f107" : "--f107a";
            break;
        case OPT_KP:
            if (opt_real("kp", optarg, 0.0, 9.0, &o->in.kp) != 0)
                return VLEO_EXIT_USAGE;
            o->have_flux_or_kp = true;
            o->flux_opt = "--kp";
            break;
        case OPT_SW:
            o->sw_path = optarg;
            break;
        case OPT_KP_LAG:
            if (opt_real("kp-lag-h", optarg, 0.0, MAX_KP_LAG_H, &o->kp_lag_h) != 0)
                return VLEO_EXIT_USAGE;
            o->have_lag = true;
            break;
        case OPT_HP_EXP:
            if (parse_real(optarg, &v) != 0 || v < 2.0 || v > 6.0 || v != floor(v)) {
                VLEO_ERR("--hp-exponent: \"%s\" is not an integer in 2..6", optarg);
                return VLEO_EXIT_USAGE;
            }
            o->in.hp_exponent = (int)v;
            break;
        case OPT_HELP:
            fputs(usage_text, stdout);
            return VLEO_EXIT_OK;
        case OPT_VERSION:
            printf("vleo-atmos %s\n", VLEO_VERSION);
            return VLEO_EXIT_OK;
        case ':':
            VLEO_ERR("%s: missing value", argv[optind - 1]);
            return VLEO_EXIT_USAGE;
        default: /* '?' */
            VLEO_ERR("unknown option \"%s\" (see --help)",
                     prev_optind < argc ? argv[prev_optind] : "?");
            return VLEO_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        VLEO_ERR("unexpected argument \"%s\" (see --help)", argv[optind]);
        return VLEO_EXIT_USAGE;
    }
    if (!o->have_model) {
        VLEO_ERR("--model is required (exponential, harris-priester, jacchia71)");
        return VLEO_EXIT_USAGE;
    }
    if (!o->have_alt) {
        VLEO_ERR("--alt is required (height in km)");
        return VLEO_EXIT_USAGE;
    }
    if (o->sw_path != NULL && o->have_flux_or_kp) {
        VLEO_ERR("%s and --space-weather exclude each other", o->flux_opt);
        return VLEO_EXIT_USAGE;
    }
    if (o->have_lag && o->sw_path == NULL) {
        VLEO_ERR("--kp-lag-h needs --space-weather (--kp is taken as given)");
        return VLEO_EXIT_USAGE;
    }
    return -1;
}

static int64_t now_utc_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * VLEO_NS_PER_S + ts.tv_nsec;
}

/* The space-weather part of the output. */
static void write_sw(vleo_jw_t *w, const char *path, const mon_sw_lookup_opts_t *lo,
                     const mon_sw_values_t *v) {
    vleo_jw_key(w, "space_weather");
    vleo_jw_obj_begin(w);
    vleo_jw_key(w, "file");
    vleo_jw_str(w, path);
    vleo_jw_key(w, "f107_type");
    vleo_jw_str(w, mon_sw_kind_str(v->f107_kind));
    vleo_jw_key(w, "f107_day");
    vleo_jw_time(w, v->f107_day_utc_ns);
    vleo_jw_key(w, "f107_previous_day");
    vleo_jw_bool(w, lo->f107_prev_day);
    vleo_jw_key(w, "f107a_mean");
    vleo_jw_str(w, lo->f107a_trailing ? "trailing81" : "centred81");
    vleo_jw_key(w, "kp_type");
    vleo_jw_str(w, mon_sw_kind_str(v->kp_kind));
    vleo_jw_key(w, "kp_day");
    vleo_jw_time(w, v->kp_day_utc_ns);
    vleo_jw_key(w, "kp_lag_h");
    vleo_jw_f64(w, lo->kp_lag_h);
    vleo_jw_key(w, "ap");
    vleo_jw_f64(w, v->ap);
    vleo_jw_key(w, "predicted");
    vleo_jw_bool(w, v->predicted);
    vleo_jw_key(w, "gap");
    vleo_jw_bool(w, v->gap);
    vleo_jw_key(w, "beyond");
    vleo_jw_bool(w, v->beyond);
    vleo_jw_obj_end(w);
}

int main(int argc, char **argv) {
    vleo_log_init("vleo-atmos", VLEO_LOG_INFO);
    atmos_opts_t o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.have_time)
        o.in.utc_unix_ns = now_utc_ns();

    bool used_sw = false;
    mon_sw_lookup_opts_t lo;
    mon_sw_values_t swv;
    memset(&swv, 0, sizeof swv);
    mon_sw_lookup_opts_default(&lo);
    if (o.have_lag)
        lo.kp_lag_h = o.kp_lag_h;
    if (o.sw_path != NULL) {
        char err[512];
        mon_sw_t *sw = mon_sw_load(o.sw_path, err, sizeof err);
        if (sw == NULL) {
            VLEO_ERR("%s", err);
            return VLEO_EXIT_INPUT;
        }
        int lr = mon_sw_lookup(sw, o.in.utc_unix_ns, &lo, &swv);
        mon_sw_destroy(&sw);
        /* Only Jacchia uses space weather; the file is still read so a bad one is noticed. */
        if (o.model == MON_ATMOS_JACCHIA71) {
            if (lr != 0 || !isfinite(swv.f107) || !isfinite(swv.f107a) || !isfinite(swv.kp)) {
                char when[40];
                vleo_format_iso8601(o.in.utc_unix_ns, 0, when, sizeof when);
                VLEO_ERR("%s: no usable F10.7, 81-day mean and Kp for %s", o.sw_path, when);
                return VLEO_EXIT_INPUT;
            }
            o.in.f107 = swv.f107;
            o.in.f107a = swv.f107a;
            o.in.kp = swv.kp;
            used_sw = true;
        }
    }

    mon_atmos_out_t out;
    mon_atmos_status_t st = mon_atmos_eval(o.model, &o.in, &out);
    if (st == MON_ATMOS_BELOW_RANGE) {
        VLEO_ERR("--alt %g: below the %s model's range", o.in.alt_km,
                 mon_atmos_model_name(o.model));
        return VLEO_EXIT_USAGE;
    }
    if (st == MON_ATMOS_BAD_INPUT) {
        /* The options were checked: only space-weather values can get here. */
        VLEO_ERR("the %s model refused the inputs (F10.7 %g, mean %g, Kp %g)",
                 mon_atmos_model_name(o.model), o.in.f107, o.in.f107a, o.in.kp);
        return used_sw ? VLEO_EXIT_INPUT : VLEO_EXIT_USAGE;
    }

    char buf[2048];
    vleo_jw_t w;
    vleo_jw_init(&w, buf, sizeof buf);
    vleo_jw_obj_begin(&w);
    vleo_jw_key(&w, "model");
    vleo_jw_str(&w, mon_atmos_model_name(o.model));
    vleo_jw_key(&w, "alt_km");
    vleo_jw_f64(&w, o.in.alt_km);
    if (o.model != MON_ATMOS_EXPONENTIAL) {
        vleo_jw_key(&w, "lat_deg");
        vleo_jw_f64(&w, o.in.lat_deg);
        vleo_jw_key(&w, "lon_deg");
        vleo_jw_f64(&w, o.in.lon_deg);
        vleo_jw_key(&w, "time");
        vleo_jw_time(&w, o.in.utc_unix_ns);
    }
    if (o.model == MON_ATMOS_HARRIS_PRIESTER) {
        vleo_jw_key(&w, "hp_exponent");
        vleo_jw_i64(&w, o.in.hp_exponent == 0 ? 4 : o.in.hp_exponent);
    }
    if (o.model == MON_ATMOS_JACCHIA71) {
        vleo_jw_key(&w, "f107");
        vleo_jw_f64(&w, o.in.f107);
        vleo_jw_key(&w, "f107a");
        vleo_jw_f64(&w, o.in.f107a);
        vleo_jw_key(&w, "kp");
        vleo_jw_f64(&w, o.in.kp);
        if (used_sw)
            write_sw(&w, o.sw_path, &lo, &swv);
    }
    vleo_jw_key(&w, "density_kg_m3");
    vleo_jw_f64(&w, out.density_kg_m3);
    if (o.model == MON_ATMOS_JACCHIA71) {
        vleo_jw_key(&w, "exo_temp_k");
        vleo_jw_f64(&w, out.exo_temp_k);
        vleo_jw_key(&w, "local_temp_k");
        vleo_jw_f64(&w, out.local_temp_k);
    }
    vleo_jw_key(&w, "status");
    vleo_jw_str(&w, mon_atmos_status_str(st));
    vleo_jw_obj_end(&w);
    if (w.overflow) {
        VLEO_ERR("output does not fit %zu octets", sizeof buf);
        return VLEO_EXIT_RUNTIME;
    }
    if (fputs(buf, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        VLEO_ERR("cannot write the result: %s", strerror(errno));
        return VLEO_EXIT_RUNTIME;
    }
    return VLEO_EXIT_OK;
}
