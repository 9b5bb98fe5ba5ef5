#!/usr/bin/env node
// Builds earshot's optional N-API addons at npm install: the bind witness (native/bind_probe.c),
// the raw TCP socket of -sS and -O (native/raw_tcp.c), watch's netlink socket reader
// (native/sock_diag.c) and the connect scan's socket table (native/tcp_connect.c). N-API is ABI-stable, so one build serves
// every Node line from 20 on. A failed build never fails the install: it leaves
// build/native-build-error.txt, which earshot quotes when it reports the bind witness or raw
// sockets as unavailable. EARSHOT_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const buildDir = join(root, 'build');
const errorFile = join(buildDir, 'native-build-error.txt');
const addons = ['bind_probe', 'raw_tcp', 'sock_diag', 'tcp_connect'].map((name) =>
  join(buildDir, 'Release', `${name}.node`),
);

function giveUp(reason, output = '') {
  mkdirSync(buildDir, { recursive: true });
  for (const addon of addons) rmSync(addon, { force: true });
  writeFileSync(errorFile, `${reason}\n${output.split('\n').slice(-40).join('\n')}\n`);
  process.stderr.write(
    `earshot: bind witness, raw sockets and netlink socket reader unavailable: native addon not built: ${reason}. The install goes on without them.\n`,
  );
  process.exit(0);
}

if (process.env.EARSHOT_SKIP_NATIVE === '1')
  giveUp('skipped because EARSHOT_SKIP_NATIVE=1; run "npm rebuild" to build it');

// npm runs scripts with its own node-gyp on PATH and in npm_config_node_gyp; outside npm, use the
// copy bundled with npm next to this node.
const prefix = dirname(dirname(process.execPath));
const bundledGyp = join(
  prefix,
  'lib',
  'node_modules',
  'npm',
  'node_modules',
  'node-gyp',
  'bin',
  'node-gyp.js',
);
const gypScript = [process.env.npm_config_node_gyp, bundledGyp].find((path) => path && existsSync(path));
const command = gypScript ? process.execPath : 'node-gyp';
const args = gypScript ? [gypScript, 'rebuild'] : ['rebuild'];
// Without a nodedir node-gyp downloads Node's headers; use the ones installed with this node instead.
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}

const build = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 300_000 });
const output = `${build.stdout ?? ''}${build.stderr ?? ''}`;
if (build.error)
  giveUp(`node-gyp could not run (${build.error.code ?? build.error.message}); run "npm rebuild"`, output);
if (build.status !== 0) {
  const compilerMissing =
    /not found|ENOENT|No such file/.test(output) && /\b(cc|gcc|make|c\+\+)\b/.test(output);
  giveUp(
    compilerMissing
      ? 'no C compiler or make (apt-get install build-essential, then run "npm rebuild")'
      : `node-gyp failed with status ${build.status} (see ${errorFile}, then run "npm rebuild")`,
    output,
  );
}

// Load them once, the way earshot will, so a broken binary is reported now and not at the first scan.
const loadAll = addons.map((addon) => `require(${JSON.stringify(addon)});`).join('');
const check = spawnSync(process.execPath, ['-e', loadAll], { encoding: 'utf8' });
if (check.status !== 0) giveUp('it built but does not load; run "npm rebuild"', `${check.stderr}`);
rmSync(errorFile, { force: true });
