#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what the tests need, then lint, type-check,
# build, and every test on each Node line (scripts/run-tests.sh: the node on PATH, then Node 26).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
# node-gyp downloads Node's headers unless told where they are: use the ones installed with this
# node (Debian's nodejs ships them in /usr/include/node), for any native dependency npm ci builds.
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node_api.h" ]; then
  export npm_config_nodedir=$node_prefix
fi
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run lint
# The build comes first: the benchmarks type-check against the built library.
npm run build
npm run typecheck
bash scripts/run-tests.sh
