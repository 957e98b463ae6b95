#!/usr/bin/env bash
# demo.sh: the README's main job. Installs what is needed, builds, and runs the bundled sample
# captures (written by vleo-sim, see captures/README.md) from decoder to monitor to alerts on
# screen:
#   1. vleo-replay of captures/thruster-degradation.pcap (a day of spacecraft QK1 whose
#      thruster delivers 60 % of its command from 12:00): alerts as they happen, then the
#      summary;
#   2. the same capture through separate processes, vleo-decoder -> ZeroMQ -> vleo-monitor,
#      whose alert feed (vleo.v1.Alert on alert/QK1/...) vleo-tail prints;
#   3. the nominal two days captures/nominal.pcap, which must raise nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target vleo-decoder vleo-tail vleo-monitor vleo-replay >/dev/null
DEC=./build/decoder/vleo-decoder
TAIL=./build/decoder/vleo-tail
MON=./build/monitor/vleo-monitor
REPLAY=./build/monitor/vleo-replay
MDB=captures/vleo-sim.xml
CFG=captures/sim-qk1.yaml
FAULT=captures/thruster-degradation.pcap
SW=captures/thruster-degradation-spacewx.csv

echo "== 1. vleo-replay $FAULT --mdb $MDB --config $CFG --space-weather $SW --time-code cuc =="
$REPLAY $FAULT --mdb $MDB --config $CFG --space-weather $SW --time-code cuc

echo
echo "== 2. the same capture as separate processes: vleo-decoder -> vleo-monitor -> vleo-tail =="
TM=ipc:///tmp/vleo-demo-tm-$$.ipc
AL=ipc:///tmp/vleo-demo-alert-$$.ipc
OUT=$(mktemp)
$TAIL "$AL" alert/ --timeout 30 >"$OUT" &
TAIL_PID=$!
$MON --config $CFG --space-weather $SW --sub "$TM" --pub "$AL" --alerts none --exit-on-final \
  --packet-clock &
MON_PID=$!
sleep 0.5
$DEC --pcap $FAULT --mdb $MDB --spacecraft QK1 --time-code cuc --no-drop --pub "$TM" --quiet \
  2>&1 | grep -v '^vleo-decoder: info' || true
wait "$MON_PID"
sleep 0.3
kill "$TAIL_PID" 2>/dev/null || true
wait "$TAIL_PID" 2>/dev/null || true
echo "-- vleo-tail received $(wc -l <"$OUT") alert messages; the first, as JSON:"
head -n 1 "$OUT" | cut -c1-600
rm -f "$OUT" "/tmp/vleo-demo-tm-$$.ipc" "/tmp/vleo-demo-alert-$$.ipc"

echo
echo "== 3. two nominal days, captures/nominal.pcap: no alert expected =="
$REPLAY captures/nominal.pcap --mdb $MDB --config $CFG \
  --space-weather captures/nominal-spacewx.csv --time-code cuc
