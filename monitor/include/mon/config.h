/* mon/config.h: the monitor's YAML configuration (DESIGN section 7), parsed with libyaml
 * and validated: unknown keys, wrong types, out-of-range values, missing roles and (with a
 * mission database) parameters the database does not define are errors naming the file,
 * line and key. */
#ifndef MON_CONFIG_H
#define MON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "mon/atmos.h"

#define MON_NAME_MAX 64   /* spacecraft names */
#define MON_PARAM_MAX 256 /* qualified parameter names */
#define MON_PATH_MAX 1024
#define MON_MAX_SPACECRAFT 16384

/* Roles a telemetry parameter can play (the keys under `parameters:`). */
typedef enum {
    MON_ROLE_ALTITUDE_KM = 0, /* altitude_km: geodetic height above WGS-84, km */
    MON_ROLE_POS_X_M,         /* position_ecef_m: [X, Y, Z] */
    MON_ROLE_POS_Y_M,
    MON_ROLE_POS_Z_M,
    MON_ROLE_VEL_X_M_S, /* velocity_ecef_m_s: [VX, VY, VZ] (optional) */
    MON_ROLE_VEL_Y_M_S,
    MON_ROLE_VEL_Z_M_S,
    MON_ROLE_LATITUDE_DEG, /* latitude_deg, longitude_deg: optional with altitude_km */
    MON_ROLE_LONGITUDE_DEG,
    MON_ROLE_THRUST_MN,     /* thrust_mn: measured thrust */
    MON_ROLE_THRUST_CMD_MN, /* thrust_command_mn */
    MON_ROLE_THRUSTER_ON,   /* thruster_on: boolean or non-zero number */
    MON_ROLE_THRUSTER_POWER_W,
    MON_ROLE_SOLAR_POWER_W,
    MON_ROLE_LOAD_POWER_W,
    MON_ROLE_BATTERY_SOC_PCT,
    MON_ROLE_COUNT
} mon_role_t;

/* The YAML key of a role ("altitude_km", ...; the ECEF ones as "position_ecef_m[0]"). */
const char *mon_role_name(mon_role_t role);

/* Thresholds of the checks. Defaults in brackets; every one can be set in `checks:` at the
 * top level and overridden per spacecraft. */
typedef struct {
    /* altitude loss */
    double alt_window_orbits;    /* decay fit window [2] */
    double alt_band_pct;         /* model uncertainty band around the expected decay [30] */
    double alt_band_per_kp_pct;  /* added per Kp above 3 [10] */
    double alt_clear_band_pct;   /* clear when back within this band [20] */
    double alt_sigma_k;          /* also beyond k x the fit's 1-sigma [3] */
    double alt_min_decay_km_day; /* decay slower than this never alerts (noise floor) [0.05] */
    double alt_critical_factor;  /* CRITICAL when the excess is this many bands [2] */
    /* thrust shortfall */
    double thrust_margin_pct;       /* thrust below orbit-mean drag by more than this [15] */
    double thrust_clear_margin_pct; /* clear when within this [7] */
    double thrust_cmd_margin_pct;   /* thrust below command by more than this [10] */
    double thrust_cmd_clear_pct;    /* [5] */
    double thrust_critical_pct;     /* CRITICAL below this % of what is needed [50] */
    double thrust_average_s;        /* thrust and drag averaged over this [600] */
    /* power overdraw */
    double power_margin_pct;       /* thruster power above thrust/ratio by more than [15] */
    double power_clear_margin_pct; /* [7] */
    double soc_window_orbits;      /* state-of-charge trend window [3] */
    double power_average_s;        /* load/solar averaged over this [120] */
    /* every alert */
    double min_duration_s;    /* a condition must hold this long to raise and to clear [120] */
    double update_interval_s; /* at most one UPDATED per this while raised [600] */
    double update_change_pct; /* UPDATED only when measured moved this much [10] */
    double eval_interval_s;   /* checks run at most this often per spacecraft [10] */
} mon_checks_cfg_t;

typedef struct {
    char name[MON_NAME_MAX];
    double mass_kg;
    double drag_area_m2;
    double drag_coefficient; /* [2.2] */
    double inclination_deg;  /* for the co-rotating atmosphere; NaN = unknown [NaN] */
    /* role -> qualified parameter name; "" = not configured */
    char param[MON_ROLE_COUNT][MON_PARAM_MAX];
    int param_line[MON_ROLE_COUNT]; /* line of each configured name, for messages */
    /* thruster */
    double max_thrust_mn;
    double min_thrust_mn;             /* [0] */
    double thrust_to_power_mn_per_kw; /* rated ratio */
    /* power */
    double max_load_w;
    double battery_capacity_wh;
    double max_discharge_w; /* allowed battery discharge; [battery_capacity_wh / 2 per h] */
    double min_soc_pct;
    /* limits */
    double min_altitude_km;
    double horizon_h;     /* [24] */
    double stale_after_s; /* [120] */
    mon_checks_cfg_t checks;
    int line; /* where the entry starts in the file */
} mon_sc_cfg_t;

typedef struct {
    mon_atmos_model_t model;          /* [jacchia71] */
    char space_weather[MON_PATH_MAX]; /* "" = constants below; relative to the config file */
    double f107, f107a, kp;           /* constants when there is no file (or it lacks a value)
                                         [150, 150, 3] */
    double kp_lag_h;                  /* [6.7] */
    bool f107a_trailing;              /* [false]: centred 81-day mean */
    int hp_exponent;                  /* [4] */
} mon_atmos_cfg_t;

typedef struct {
    char path[MON_PATH_MAX]; /* the file read (for messages) */
    mon_atmos_cfg_t atmosphere;
    mon_checks_cfg_t checks;  /* top-level defaults */
    mon_sc_cfg_t *spacecraft; /* n_spacecraft entries (allocated) */
    size_t n_spacecraft;
} mon_config_t;

void mon_checks_cfg_default(mon_checks_cfg_t *c);

/* Parse YAML text. name is used in messages ("mission.yaml:12: spacecraft[0].mass_kg: ...").
 * Returns 0, or -1 with the message in err; *cfg is then empty (safe to free). */
int mon_config_parse(const char *text, size_t len, const char *name, mon_config_t *cfg, char *err,
                     size_t errlen);
/* Read and parse a file (relative space_weather paths are resolved against its folder). */
int mon_config_load(const char *path, mon_config_t *cfg, char *err, size_t errlen);

/* Check every configured parameter name against a list of names the mission database
 * defines (callback returns true when `qname` exists). Returns 0, or -1 naming the first
 * missing one with its spacecraft, role and line. */
typedef bool (*mon_param_exists_fn)(void *ctx, const char *qname);
int mon_config_check_params(const mon_config_t *cfg, mon_param_exists_fn exists, void *ctx,
                            char *err, size_t errlen);

void mon_config_free(mon_config_t *cfg);

#endif
