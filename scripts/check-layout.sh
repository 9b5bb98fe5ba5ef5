#!/usr/bin/env bash
# The layout rules of docs/architecture.md, checked: imports by dependency-cruiser
# (.dependency-cruiser.cjs), and what only cli/ may touch by a search of the source. Part of
# `npm run lint`, so `npm test` fails on a break.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
npx --no-install depcruise src --config .dependency-cruiser.cjs || status=1

# Only cli/ reads argv or the environment, writes to stdout or stderr, listens for signals or ends
# the process. Comment lines are left out: they may name what they avoid.
pattern='\bprocess\.(exit|exitCode|stdout|stderr|stdin|argv|env|on|once)\b|\bconsole\.'
if found=$(grep -rnE "$pattern" src --include='*.ts' --exclude-dir=cli | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|\*|/\*)'); then
  echo "$found"
  echo "error only-cli-talks: only src/cli/ may use process.exit, process.stdout/stderr, argv, env, signals or console; return data or take an option instead."
  status=1
else
  echo "✔ only src/cli/ touches argv, env, stdout/stderr, signals and process.exit"
fi
exit "$status"
