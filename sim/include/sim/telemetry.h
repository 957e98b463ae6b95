/* sim/telemetry.h: the scenario's telemetry as real CCSDS space packets (issue 6 item 2),
 * described by sim/vleo-sim.xml: GNSS navigation (APID 100: ECEF position and velocity,
 * geodetic altitude, with noise), propulsion housekeeping (APID 200: thrust, command,
 * firing, power, propellant), power housekeeping (APID 300: solar, load, state of charge,
 * battery current direction), idle packets (APID 0x7FF); CUC time (P-field 0x1E, TAI 1958)
 * in the secondary header; per-APID sequence counts. Written as pcap (Ethernet/IPv4/UDP to
 * port 1235, capture time = packet time) or sent as UDP datagrams or a TCP stream. */
#ifndef SIM_TELEMETRY_H
#define SIM_TELEMETRY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/physics.h"
#include "sim/scenario.h"

#define SIM_APID_GNSS 100
#define SIM_APID_PROP 200
#define SIM_APID_EPS 300
#define SIM_APID_IDLE 0x7FF
#define SIM_MAX_PACKET 256

/* Packet builders: the whole space packet into out (cap >= SIM_MAX_PACKET). `rng` is the
 * caller's noise state (xorshift64*), advanced by each call that adds noise. Return the
 * packet length. */
size_t sim_pkt_gnss(const sim_scenario_t *s, const sim_truth_t *t, uint16_t seq, uint64_t *rng,
                    uint8_t *out, size_t cap);
size_t sim_pkt_prop(const sim_scenario_t *s, const sim_truth_t *t, uint16_t seq, uint64_t *rng,
                    uint8_t *out, size_t cap);
size_t sim_pkt_eps(const sim_scenario_t *s, const sim_truth_t *t, uint16_t seq, uint64_t *rng,
                   uint8_t *out, size_t cap);
size_t sim_pkt_idle(int64_t t_ns, uint16_t seq, uint8_t *out, size_t cap);

/* Where packets go. */
typedef enum { SIM_OUT_PCAP = 0, SIM_OUT_UDP, SIM_OUT_TCP } sim_out_kind_t;

typedef struct sim_out sim_out_t;

/* Open an output: a pcap file (path), or UDP / TCP to host:port (TCP connects, packets back
 * to back). Returns NULL with a message in err. */
sim_out_t *sim_out_open(sim_out_kind_t kind, const char *target, char *err, size_t errlen);
/* One datagram (UDP, pcap record) holding the packet; TCP writes it to the stream. */
int sim_out_packet(sim_out_t *o, int64_t t_ns, const uint8_t *pkt, size_t len);
/* Close (flushes). Returns 0, or -1 when a write failed. */
int sim_out_close(sim_out_t **o_p);
uint64_t sim_out_packets(const sim_out_t *o);

/* Run a whole scenario: step the world, send each telemetry packet when due (with its
 * noise from the scenario's seed), at `speed` x recorded pace (0 = as fast as possible).
 * `progress` (may be NULL) is called about once per simulated hour. Returns the number of
 * packets, or -1 on an output error (message in err). */
typedef void (*sim_progress_fn)(void *ctx, const sim_truth_t *t);
int64_t sim_run(const sim_scenario_t *s, sim_out_t *o, double speed, sim_progress_fn progress,
                void *ctx, char *err, size_t errlen);

#endif
