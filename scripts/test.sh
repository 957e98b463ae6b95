#!/usr/bin/env bash
# test.sh: the README's test command and what CI runs. Installs what is needed, checks the
# style rules, builds and runs every test (normal build, then ASan+UBSan), then runs each
# libFuzzer target for a bounded time. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
JOBS=$(nproc)
bash scripts/deps.sh

echo "== style: clang-format, banned functions =="
mapfile -t SRC < <(git ls-files '*.c' '*.h' 2>/dev/null || find common decoder tests bench -name '*.[ch]')
clang-format --dry-run -Werror "${SRC[@]}"
if grep -nE '\b(sprintf|strcat|strcpy|gets|atoi)\s*\(' "${SRC[@]}"; then
  echo "banned function used (see STYLE rule 11)" >&2; exit 1
fi

echo "== build and test =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS"
(cd build && ctest --output-on-failure -j"$JOBS")

echo "== ASan + UBSan build and test =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DVLEO_SANITIZE=ON -DVLEO_BENCH=OFF >/dev/null
cmake --build build-asan -j"$JOBS"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
(cd build-asan && ctest --output-on-failure -j"$JOBS" 2>&1 | tee ctest-asan.log)
if grep -q "ERROR: LeakSanitizer" build-asan/ctest-asan.log build-asan/Testing/Temporary/LastTest.log; then
  echo "LeakSanitizer reported leaks (see above)" >&2; exit 1
fi

echo "== libFuzzer targets, ${FUZZ_SECONDS} s each =="
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DVLEO_FUZZ=ON -DVLEO_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$JOBS" --target $(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  corpus=tests/fuzz/corpus/${name#fuzz_}
  work=$(mktemp -d)
  echo "-- $name"
  ./build-fuzz/tests/"$name" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
      -artifact_prefix="$work/" "$work" "$corpus" 2>&1 | tail -n 12
  rm -rf "$work"
done
echo "== benchmark smoke run (every path runs and delivers every packet; figures: bench/run.sh) =="
bash bench/run.sh --packets 20000 --runs 1 --no-tshark
bash bench/monitor.sh --runs 1 --hours 3 --spacecraft 20 --cycles 20 --fleet-seconds 30
# load: sustained TCP feed, live replay to a slow subscriber (gaps == sent - received), --no-drop
# (each packet once); a few seconds. Full figures: bash bench/load.sh (docs/BENCHMARKS.md).
bash bench/load.sh --smoke

echo "== all tests passed =="
