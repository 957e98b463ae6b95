#!/usr/bin/env bash
# run.sh: build vleo-decoder and vleo-bench at -O2 (no tests, no sanitizers) in build-bench/
# and run the benchmark of DESIGN section 9. Arguments go to vleo-bench, e.g.
#   bash bench/run.sh                       # 1,000,000 packets, median of 3 runs
#   bash bench/run.sh --packets 20000 --runs 1   # quick smoke test
# Options: --packets N --runs N --dir DIR --no-tshark --keep --verbose (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${VLEO_BENCH_BUILD:-build-bench}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
if ! { cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVLEO_TESTS=OFF \
         -DVLEO_BENCH=ON -DVLEO_SANITIZE=OFF -DVLEO_FUZZ=OFF &&
       cmake --build "$BUILD" -j"$(nproc)" --target vleo-decoder vleo-bench; } >"$LOG" 2>&1; then
  cat "$LOG" >&2
  echo "run.sh: build failed" >&2
  exit 1
fi
"$BUILD/bench/vleo-bench" --decoder "$BUILD/decoder/vleo-decoder" "$@"
