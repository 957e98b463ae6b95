/* monsynth.h (tests only): pieces of the synthetic station-keeping spacecraft the monitor's
 * unit tests fly (tests/unit/test_monitor.c, test_state.c). */
#ifndef TEST_MONSYNTH_H
#define TEST_MONSYNTH_H

#include <stdint.h>

#include "mon/config.h"

/* The synthetic spacecraft's configuration: 65 kg, 0.45 m2, C_D 2.2 at 97.4 deg, a 20 mN
 * thruster at 55 mN/kW, 300 W load limit, 200 Wh battery (150 W discharge, 30 % minimum),
 * floor 200 km within 24 h, stale after 120 s; Jacchia 1971 with F10.7 150 and Kp 3; the
 * default checks. Roles are the parameters PREFIX/ALT, /THRUST, /CMD, /ON, /TPOWER, /SOLAR,
 * /LOAD and /SOC. cfg points at sc (one spacecraft). */
void ms_base_config(mon_config_t *cfg, mon_sc_cfg_t *sc, const char *name, const char *prefix);

/* Standard normal deviate from a xorshift64* state (*state must not be 0; Box-Muller over
 * two uniforms). Deterministic for a given seed. */
double ms_gauss(uint64_t *state);

/* The drag (mN) the monitor models without latitude and longitude (Jacchia 1971 at F10.7
 * 150, Kp 3, the mean of four equator points) at circular speed less co-rotation, for the
 * spacecraft's area, C_D and inclination: what a perfect station-keeping controller
 * cancels. NaN if the model refuses the inputs. */
double ms_model_drag_mn(const mon_sc_cfg_t *sc, double alt_km, int64_t utc_unix_ns);

#endif
