#!/usr/bin/env bash
# Runs every benchmark. As root, each runs in a fresh network namespace of its own, so nothing it
# scans is this machine's own loopback. Needs nmap and gcc (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "bench: needs root (network namespaces); skipping." >&2
  exit 0
fi
npm run build >/dev/null
for bench in bench/*.ts; do
  echo "== $bench"
  unshare --net -- sh -c 'ip link set lo up && exec node --import tsx "$1"' sh "$bench"
done
