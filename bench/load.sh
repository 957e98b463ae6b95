#!/usr/bin/env bash
# load.sh: build vleo-decoder and vleo-loadbench at -O2 (no tests, no sanitizers) in
# build-bench/ and run the load benchmark of issue 7 (DESIGN section 9): a sustained TCP feed,
# a full-speed replay to a slow subscriber in live mode (loss counted from session/sequence
# numbers) and with --no-drop. Arguments go to vleo-loadbench, e.g.
#   bash bench/load.sh                 # 20,000 packets/s for 30 s, 1,000,000 and 400,000
#                                      # packet replays; medians of 3 runs (about 4 minutes)
#   bash bench/load.sh --smoke         # one short run of each (about 10 s): CI
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${VLEO_BENCH_BUILD:-build-bench}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
if ! { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVLEO_TESTS=OFF \
         -DVLEO_BENCH=ON -DVLEO_SANITIZE=OFF -DVLEO_FUZZ=OFF &&
       cmake --build "$BUILD" -j"$(nproc)" --target vleo-decoder vleo-loadbench; } >"$LOG" 2>&1; then
  cat "$LOG" >&2
  echo "load.sh: build failed" >&2
  exit 1
fi
"$BUILD/bench/vleo-loadbench" --decoder "$BUILD/decoder/vleo-decoder" "$@"
