#!/usr/bin/env bash
# demo.sh: the README's main job. Installs what is needed, builds, and replays the bundled
# sample pass (captures/sample-pass.pcap) with its mission database (sample-pass.xml) through
# vleo-decoder: the database's packets, the packets as JSON lines with their parameters, then
# over ZeroMQ to a vleo-tail subscriber, ending with the decoder's counters.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target vleo-decoder vleo-tail >/dev/null
DEC=./build/decoder/vleo-decoder
TAIL=./build/decoder/vleo-tail
CAP=captures/sample-pass.pcap
MDB=captures/sample-pass.xml
OPTS=(--mdb "$MDB" --spacecraft QK1 --time-code cuc)

echo "== 1. the mission database $MDB (vleo-decoder --mdb $MDB --list) =="
$DEC --mdb "$MDB" --list | sed -n '1p;/^packet/,$p'

echo
echo "== 2. $CAP decoded to JSON lines with its parameters (first packets and the last) =="
$DEC --pcap $CAP "${OPTS[@]}" --json --pub none --quiet | sed -n '1,3p;$p'

echo
echo "== 3. the same pass over ZeroMQ: vleo-decoder --no-drop -> vleo-tail =="
SOCK=ipc:///tmp/vleo-demo-$$.ipc
OUT=$(mktemp)
$TAIL "$SOCK" --timeout 30 >"$OUT" &
TAIL_PID=$!
$DEC --pcap $CAP "${OPTS[@]}" --no-drop --pub "$SOCK" 2>&1 | grep -v '^vleo-decoder: info'
sleep 0.5
kill "$TAIL_PID" 2>/dev/null || true
wait "$TAIL_PID" 2>/dev/null || true
echo "-- vleo-tail received $(wc -l <"$OUT") messages; the first EPS_HK Packet and the final DecoderStats:"
grep -m1 '"topic":"tm/QK1/EPS_HK' "$OUT"
grep '"topic":"stats/decoder/' "$OUT" | tail -n 1 | cut -c1-400
rm -f "$OUT" "/tmp/vleo-demo-$$.ipc"
