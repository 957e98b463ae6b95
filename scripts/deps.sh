#!/usr/bin/env bash
# deps.sh: install the Debian 12 packages vleo-watch needs to build, test and benchmark.
# Skips apt entirely when everything is present already. Needs root (or sudo).
set -euo pipefail
PKGS=(build-essential cmake pkg-config libpcap-dev libzmq3-dev libprotobuf-c-dev
      protobuf-c-compiler libcriterion-dev libxml2-dev libyaml-dev libfec-dev clang libclang-rt-14-dev clang-format tshark python3)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
