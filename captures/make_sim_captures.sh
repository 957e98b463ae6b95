#!/usr/bin/env bash
# make_sim_captures.sh: writes the vleo-sim captures of captures/README.md, one per bundled
# scenario (sim/scenarios/NAME.yaml): NAME.pcap and its space weather NAME-spacewx.csv.
# Same scenario and seed, same bytes: the end-to-end tests (tests/e2e/test_captures.c) check
# that these files are exactly what vleo-sim writes today.
#   usage: captures/make_sim_captures.sh [VLEO_SIM]   (default: build/sim/vleo-sim)
set -euo pipefail
cd "$(dirname "$0")/.."
SIM=${1:-build/sim/vleo-sim}
if [ ! -x "$SIM" ]; then
  echo "make_sim_captures.sh: $SIM: no vleo-sim there (build first, or pass its path)" >&2
  exit 2
fi
for f in sim/scenarios/*.yaml; do
  name=$(basename "$f" .yaml)
  "$SIM" --scenario "$f" --out "captures/$name.pcap" --space-weather "captures/$name-spacewx.csv" \
    --quiet
  echo "captures/$name.pcap ($(stat -c %s "captures/$name.pcap") bytes), captures/$name-spacewx.csv"
done
