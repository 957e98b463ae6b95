#!/usr/bin/env bash
# monitor.sh: build vleo-monitor and vleo-monbench at -O2 (no tests, no sanitizers) in
# build-bench/ and run the monitor's benchmark of DESIGN section 9. Arguments go to
# vleo-monbench, e.g.
#   bash bench/monitor.sh                    # 100 spacecraft x 4 h, 3 runs, 200 latency cycles
#   bash bench/monitor.sh --runs 1 --hours 3 --spacecraft 20 --cycles 20 --fleet-seconds 30
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${VLEO_BENCH_BUILD:-build-bench}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
if ! { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVLEO_TESTS=OFF \
         -DVLEO_BENCH=ON -DVLEO_SANITIZE=OFF -DVLEO_FUZZ=OFF &&
       cmake --build "$BUILD" -j"$(nproc)" --target vleo-monitor vleo-monbench; } >"$LOG" 2>&1; then
  cat "$LOG" >&2
  echo "monitor.sh: build failed" >&2
  exit 1
fi
"$BUILD/bench/vleo-monbench" --monitor "$BUILD/monitor/vleo-monitor" "$@"
