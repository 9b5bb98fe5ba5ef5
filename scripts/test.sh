#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what the tests need, then lint, type-check,
# build, and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npm run lint
# The build comes first: the benchmarks type-check against the built library.
npm run build
npm run typecheck
bash scripts/run-tests.sh
