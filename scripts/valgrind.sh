#!/usr/bin/env bash
# valgrind.sh: the end-to-end tests once, with every program of ours they start (vleo-decoder,
# vleo-monitor, vleo-replay, vleo-tail, vleo-sim, vleo-atmos, vleo-keygen) run under valgrind
# memcheck: tests/support/e2e.c puts $VLEO_VALGRIND in front of each vleo-* program it spawns,
# so the Criterion runner itself is not traced. Passes when every program's log shows 0 errors
# and no definitely or indirectly lost blocks (a program killed by
# a test with SIGKILL leaves no summary and is listed as such). Test failures are reported but
# do not fail the script: under valgrind a program runs 20-50 times slower and tests with time
# limits (backoff windows, reload deadlines, 300 s per test) can miss them.
#
#   bash scripts/valgrind.sh                  # every tests/e2e test (about 15 minutes)
#   bash scripts/valgrind.sh test_faults      # a ctest -R regex instead
#
# Not part of scripts/test.sh (too slow for every run); docs/FUZZING.md has the last figures.
# Suppressions (scripts/valgrind.supp) may cover libraries' internals only, each with its
# reason; none has been needed so far. The build is Debug without sanitizers (valgrind and ASan do not
# mix), in build-valgrind/ (VLEO_VALGRIND_BUILD to change).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${VLEO_VALGRIND_BUILD:-build-valgrind}
case "$BUILD" in /*) LOGS="$BUILD/valgrind-logs" ;; *) LOGS="$PWD/$BUILD/valgrind-logs" ;; esac
if [ $# -ge 1 ]; then
  REGEX=$1
else
  REGEX="^($(cd tests/e2e && ls test_*.c | sed 's/\.c$//' | paste -sd'|'))\$"
fi
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 1; }

echo "== build ($BUILD, Debug, no sanitizers) =="
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DVLEO_SANITIZE=OFF -DVLEO_FUZZ=OFF \
      -DVLEO_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null

rm -rf "$LOGS"
mkdir -p "$LOGS"
export VLEO_VALGRIND="valgrind --leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \
--child-silent-after-fork=yes --suppressions=$PWD/scripts/valgrind.supp --log-file=$LOGS/%p.log"

echo "== end-to-end tests under valgrind: $REGEX =="
start=$(date +%s)
(cd "$BUILD" && ctest --output-on-failure -R "$REGEX" -j1 2>&1 | tee "$LOGS/ctest.txt") || true
tests_rc=$(grep -q "100% tests passed" "$LOGS/ctest.txt" && echo 0 || echo 1)
elapsed=$(($(date +%s) - start))

echo "== valgrind logs: one per program run =="
# Per program: runs, runs that ended with a summary (a program a test killed with SIGKILL, or
# that outlived a test's time limit, has none), errors, definitely and indirectly lost bytes.
awk '
  /== Command: / { n = split($3, parts, "/"); prog = parts[n]; runs[prog]++ }
  /ERROR SUMMARY:/ { errs[prog] += $4; summaries[prog]++ }
  /definitely lost:/ { gsub(",", "", $4); def[prog] += $4 }
  /indirectly lost:/ { gsub(",", "", $4); ind[prog] += $4 }
  END {
    printf "%-16s %6s %9s %7s %12s %12s\n", "program", "runs", "summaries", "errors",
           "def. lost B", "ind. lost B"
    bad = 0
    for (name in runs) {
      printf "%-16s %6d %9d %7d %12d %12d\n", name, runs[name], summaries[name], errs[name],
             def[name], ind[name]
      if (errs[name] > 0 || def[name] > 0 || ind[name] > 0) bad = 1
    }
    exit bad
  }' "$LOGS"/*.log && vg_rc=0 || vg_rc=1
echo "runs without a summary (killed by their test, or past its time limit):"
grep -L "ERROR SUMMARY" "$LOGS"/*.log | while read -r f; do
  echo "  $(basename "$f"): $(grep -m1 'Command:' "$f" | sed 's/.*Command: //' | cut -c1-100)"
done
echo "valgrind: $([ "$vg_rc" = 0 ] && echo "clean: 0 errors, nothing definitely or indirectly lost" \
  || echo "ERRORS OR LEAKS in:")"
if [ "$vg_rc" != 0 ]; then
  grep -l "ERROR SUMMARY: [1-9]\|definitely lost: [1-9]\|indirectly lost: [1-9]" "$LOGS"/*.log
fi
# Tests with time limits may fail under valgrind's slowdown (a program 20-50 times slower
# misses a deadline): they are listed, but only valgrind's own findings fail this script.
echo "tests: $([ "$tests_rc" = 0 ] && echo "all passed" || echo "some failed (see above; \
under valgrind usually a time limit)"); ${elapsed} s; logs in $LOGS"
exit "$vg_rc"
