/* telbuild.h (tests only): a capture of spacecraft QK1's telemetry in the layout of
 * captures/sample-pass.xml (GNSS APID 100 at 1 Hz, propulsion 200 and power 300 every 5 s,
 * CUC time with P-field 0x1E), for a scenario with faults switched on at given times. */
#ifndef TEST_TELBUILD_H
#define TEST_TELBUILD_H

#include <stdint.h>

typedef struct {
    int64_t start_utc_ns; /* first packet */
    int duration_s;
    double alt_km;       /* orbit mean at the start */
    double decay_km_day; /* of the orbit mean */
    double thrust_mn, thrust_cmd_mn, thruster_power_w;
    double thrust_factor; /* delivered / commanded from fault_s on (1: none) */
    int fault_s;
    double load_w, extra_load_w; /* extra_load_w from load_s on */
    int load_s;
    int silent_from_s, silent_to_s; /* no packets in [from, to) */
} tb_scenario_t;

/* Defaults: 2026-11-24T06:00:00Z, 3600 s, 250 km, no decay, 11.8/12.0 mN at 215 W, 210 W
 * load, no faults. */
void tb_default(tb_scenario_t *s);

/* Write the capture (Ethernet/IPv4/UDP to port 1235, one packet per datagram). Returns the
 * number of packets written, or -1. */
int tb_write(const char *path, const tb_scenario_t *s);

#endif
