#!/usr/bin/env bash
# demo.sh: the README's main job. Installs what is needed, builds, and decodes the bundled
# sample pass (captures/sample-pass.pcap): packets as JSON lines, then the decoder's counters.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target vleo-decoder vleo-tail >/dev/null
echo "== captures/sample-pass.pcap through vleo-decoder (first and last packets) ==" >&2
./build/decoder/vleo-decoder --pcap captures/sample-pass.pcap --time-code cuc --json \
    --pub none --quiet | sed -n '1,8p;$p'
echo "== accounting ==" >&2
./build/decoder/vleo-decoder --pcap captures/sample-pass.pcap --time-code cuc --pub none
