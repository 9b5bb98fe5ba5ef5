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
# Native dependencies are compiled twice, for Node 20 here and for Node 26 by run-tests.sh: through
# ccache (Debian's compiler links in /usr/lib/ccache), the parts that do not include Node's headers
# (better-sqlite3's SQLite, ~2 min of CPU) are compiled once.
if [ -d /usr/lib/ccache ]; then export PATH=/usr/lib/ccache:$PATH; fi
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run lint
# The build comes first: the benchmarks type-check against the built library.
npm run build
npm run typecheck
bash scripts/run-tests.sh
