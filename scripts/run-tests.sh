#!/usr/bin/env bash
# Runs every test file with node's test runner, once per Node line: the node on PATH (Node 20 here)
# and Node 26, the newest LTS line (scripts/node-line.sh installs it from the npm registry). As root,
# each run happens inside a fresh network namespace of its own, so no test can reach a service of
# this machine's own loopback. Deprecation warnings are errors (--throw-deprecation in every node
# the tests start). Lines: EARSHOT_TEST_LINES (default "system 26"); file arguments narrow the files.
# docs/node-lines.md explains the design.
set -euo pipefail
cd "$(dirname "$0")/.."

read -r -a lines <<<"${EARSHOT_TEST_LINES:-system 26}"
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
run=(node --import tsx --test --test-concurrency=3 --test-timeout=180000 "${files[@]}")
as_root=0
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then as_root=1; fi

# Every line's node first, so a failed install stops before the first long run.
declare -A node_of
for line in "${lines[@]}"; do
  if [ "$line" = system ]; then
    node_of[$line]=$(command -v node)
  elif ! node_of[$line]=$(bash scripts/node-line.sh "$line"); then
    echo "run-tests: could not prepare Node $line (above); EARSHOT_TEST_LINES=system runs the node on PATH alone." >&2
    exit 1
  fi
done

summary=()
status=0
for line in "${lines[@]}"; do
  node_bin=${node_of[$line]}
  version=$("$node_bin" --version)
  echo "=== the test suite on Node $version ($node_bin) ===" >&2
  started=$SECONDS
  outcome=0
  if [ "$line" = system ]; then
    if [ "$as_root" = 1 ]; then
      NODE_OPTIONS="--throw-deprecation" unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh "${run[@]}" ||
        outcome=$?
    else
      NODE_OPTIONS="--throw-deprecation" "${run[@]}" || outcome=$?
    fi
  elif [ "$as_root" = 1 ]; then
    # The line's own build of node_modules is laid over the project's in a private mount namespace:
    # the same sources, tests and earshot build, the native dependencies built for this ABI, and
    # nothing changed outside (the mount ends with the run).
    modules=.cache/node-$line/tree/node_modules
    NODE_OPTIONS="--throw-deprecation" PATH="$(dirname "$node_bin"):$PATH" unshare --net --mount -- \
      sh -c 'mount --bind "$0" node_modules && ip link set lo up && exec "$@"' "$modules" "${run[@]}" ||
      outcome=$?
  else
    echo "run-tests: Node $version needs root (a private mount namespace for its node_modules)." >&2
    outcome=77
  fi
  seconds=$((SECONDS - started))
  if [ "$outcome" = 0 ]; then
    summary+=("Node $version: passed in ${seconds} s")
  elif [ "$outcome" = 77 ] && [ "${CI:-}" != true ]; then
    summary+=("Node $version: SKIPPED (not root)")
  else
    summary+=("Node $version: FAILED (status $outcome) after ${seconds} s")
    status=1
  fi
done

printf '%s\n' "run-tests:" "${summary[@]/#/  }" >&2
exit "$status"
