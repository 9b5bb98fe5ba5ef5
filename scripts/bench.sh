#!/usr/bin/env bash
# Runs every benchmark in bench/ (TypeScript through tsx) against the built CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
for file in bench/*.ts; do
  echo "== $file"
  node --import tsx "$file"
done
