/* sim/telemetry.h: the scenario's telemetry as real CCSDS space packets (issue 6 item 2),
 * described by sim/vleo-sim.xml: GNSS navigation (APID 100: ECEF position and velocity,
 * geodetic altitude, with noise), propulsion housekeeping (APID 200: thrust, command,
 * firing, power, propellant), power housekeeping (APID 300: solar, load, state of charge,
 * battery current direction), idle packets (APID 0x7FF); CUC time (P-field 0x1E, TAI 1958)
 * in the secondary header; per-APID sequence counts. Written as pcap (Ethernet/IPv4/UDP to
 * port 1235, capture time = packet time) or sent as UDP datagrams or a TCP stream, as bare
 * packets or in TM/AOS transfer frames or CADUs (sim/framer.h). */
#ifndef SIM_TELEMETRY_H
#define SIM_TELEMETRY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/framer.h"
#include "sim/physics.h"
#include "sim/scenario.h"

#define SIM_APID_GNSS 100
#define SIM_APID_PROP 200
#define SIM_APID_EPS 300
#define SIM_APID_IDLE 0x7FF
#define SIM_MAX_PACKET 256
/* Paced framed runs: the longest a started frame waits (wall-clock seconds, reckoned from
 * packet times and the speed, so the bytes stay reproducible) for the next packet before an
 * idle packet completes it. */
#define SIM_FRAME_MAX_WAIT_S 1.0

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
/* Carry frames (or CADUs) from now on: packets go through a framer (cfg, see sim/framer.h)
 * and each finished frame or CADU is one datagram / pcap record (stamped with the time of
 * the packet that completed it), or goes back to back on TCP. Call before the first packet.
 * Returns 0, or -1 with a message in err (bad configuration). */
int sim_out_set_framing(sim_out_t *o, const sim_framer_cfg_t *cfg, char *err, size_t errlen);
/* Bare packets: one datagram (UDP, pcap record) holding the packet, or the packet written to
 * the TCP stream. Framed: the packet appended to the frames, which go out as they fill.
 * Returns 0 or -1 (an output error, or not a whole space packet). */
int sim_out_packet(sim_out_t *o, int64_t t_ns, const uint8_t *pkt, size_t len);
/* Framed: complete the open frame with an idle packet and send it, stamped t_ns (nothing
 * when no frame is open; bare packets: nothing). Returns 0 or -1. */
int sim_out_flush(sim_out_t *o, int64_t t_ns);
/* Octets waiting in the open frame (0 for bare packets). */
size_t sim_out_pending(const sim_out_t *o);
/* Close: a framed output first completes its open frame (stamped with the last packet's
 * time). Returns 0, or -1 when a write failed. */
int sim_out_close(sim_out_t **o_p);
/* Packets accepted, and units written (records / datagrams / stream writes: packets, or
 * frames or CADUs when framed). */
uint64_t sim_out_packets(const sim_out_t *o);
uint64_t sim_out_units(const sim_out_t *o);

/* Run a whole scenario: step the world, send each telemetry packet when due (with its
 * noise from the scenario's seed), at `speed` x recorded pace (0 = as fast as possible).
 * Framed outputs: a started frame is completed with idle fill at the end, before a telemetry
 * gap, and in paced runs after SIM_FRAME_MAX_WAIT_S without a packet.
 * `progress` (may be NULL) is called about once per simulated hour. Returns the number of
 * packets, or -1 on an output error (message in err). */
typedef void (*sim_progress_fn)(void *ctx, const sim_truth_t *t);
int64_t sim_run(const sim_scenario_t *s, sim_out_t *o, double speed, sim_progress_fn progress,
                void *ctx, char *err, size_t errlen);

#endif
