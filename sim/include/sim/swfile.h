/* sim/swfile.h: the space weather a scenario flies through, written as a CelesTrak CSV
 * (reference atmosphere.md) that vleo-monitor and vleo-atmos read: daily rows from 100 days
 * before the start to 45 days after the end, all OBS, 3-hourly Kp (x10) and ap from the
 * scenario's constants and space-weather events, F10.7 and its 81-day means. The truth
 * density factor is not in the file: it is what the models do not know. */
#ifndef SIM_SWFILE_H
#define SIM_SWFILE_H

#include <stddef.h>
#include <stdio.h>

#include "sim/scenario.h"

/* The Kp in force at UTC time t (constants overridden by active SPACE_WEATHER events), and
 * F10.7 / its mean and the truth density factor likewise. */
void sim_space_weather_at(const sim_scenario_t *s, int64_t t_ns, double *kp, double *f107,
                          double *f107a, double *density_factor);

/* Write the file. Returns 0, or -1 with a message naming path in err. */
int sim_write_space_weather(const sim_scenario_t *s, const char *path, char *err, size_t errlen);

/* The same text to an open stream (flushed, not closed); `name` is used in messages. The
 * simulated world reads it back (open_memstream + mon_sw_parse) so that its truth density
 * uses exactly the space weather the monitor will read from the file. */
int sim_space_weather_write(const sim_scenario_t *s, FILE *fp, const char *name, char *err,
                            size_t errlen);

#endif
