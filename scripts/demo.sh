#!/usr/bin/env bash
# demo.sh: the README's main job. Installs what is needed, builds, and runs the bundled sample
# captures from decoder to monitor to alerts on screen:
#   1. vleo-replay of captures/thruster-fault.pcap (an hour of spacecraft QK1 whose thruster
#      delivers 60 % of its command from 06:20): alerts as they happen, then the summary;
#   2. the same capture through separate processes, vleo-decoder -> ZeroMQ -> vleo-monitor,
#      whose alert feed (vleo.v1.Alert on alert/QK1/...) vleo-tail prints;
#   3. the nominal 10-minute pass captures/sample-pass.pcap, which must raise nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target vleo-decoder vleo-tail vleo-monitor vleo-replay >/dev/null
DEC=./build/decoder/vleo-decoder
TAIL=./build/decoder/vleo-tail
MON=./build/monitor/vleo-monitor
REPLAY=./build/monitor/vleo-replay
MDB=captures/sample-pass.xml
CFG=captures/sample-pass.yaml
FAULT=captures/thruster-fault.pcap

echo "== 1. vleo-replay $FAULT --mdb $MDB --config $CFG --time-code cuc =="
$REPLAY $FAULT --mdb $MDB --config $CFG --time-code cuc

echo
echo "== 2. the same capture as separate processes: vleo-decoder -> vleo-monitor -> vleo-tail =="
TM=ipc:///tmp/vleo-demo-tm-$$.ipc
AL=ipc:///tmp/vleo-demo-alert-$$.ipc
OUT=$(mktemp)
$TAIL "$AL" alert/ --timeout 30 >"$OUT" &
TAIL_PID=$!
$MON --config $CFG --sub "$TM" --pub "$AL" --alerts none --exit-on-final --packet-clock &
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
echo "== 3. the nominal pass captures/sample-pass.pcap: no alert expected =="
$REPLAY captures/sample-pass.pcap --mdb $MDB --config $CFG --time-code cuc
