#!/usr/bin/env bash
# Runs every test file with node's test runner. As root, the whole run happens inside a fresh network
# namespace of its own, so no test can reach a service of this machine's own loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(find test -name '*.test.ts' | sort)
run=(node --import tsx --test --test-concurrency=3 --test-timeout=180000 "${files[@]}")

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
  exec unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh "${run[@]}"
fi
exec "${run[@]}"
