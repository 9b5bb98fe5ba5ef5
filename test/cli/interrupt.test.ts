// Ctrl-C at any moment of a run, start-up included: earshot is never killed halfway through writing
// a file. Either it dies before its handler exists (and has written nothing) or after its run ended
// (every file whole), or it exits 130 with every output file absent or whole (XML and JSON that
// diff reads back, text with its last line).
//
// The moments are pinned with a module-resolution hook that stops the run while it imports a given
// module and writes a marker file: the test sends SIGINT when the marker appears, at a known point of
// start-up however loaded the machine is. A sweep of plain delays covers what the markers do not.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readReport } from '../../src/compare/read-report.js';
import { earshotBin } from '../helpers/cli.js';
import { skipUnlessRoot } from '../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

let dir: TempDir;
let register: string;
let counter = 0;

// Node 22.15 and later run module hooks in the importing thread (module.registerHooks); there the hook
// blocks that thread with Atomics.wait, which holds start-up at the module just as the older
// off-thread hook (module.register, deprecated since Node 26) does by awaiting. A SIGINT that arrives
// meanwhile is queued by earshot's handler, if installed, or ends the process by the default action.
const HOOKS = `
import { writeFileSync } from 'node:fs';
let settings;
export async function initialize(data) { settings = data; }
export async function resolve(specifier, context, next) {
  if (specifier === settings.specifier) {
    writeFileSync(settings.marker, '');
    await new Promise((done) => setTimeout(done, settings.holdMs));
  }
  return next(specifier, context);
}
`;

const REGISTER = `
import * as module from 'node:module';
import { writeFileSync } from 'node:fs';
const hook = process.env.EARSHOT_TEST_HOOK;
if (hook && module.registerHooks) {
  const settings = JSON.parse(hook);
  module.registerHooks({
    resolve(specifier, context, next) {
      if (specifier === settings.specifier) {
        writeFileSync(settings.marker, '');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, settings.holdMs);
      }
      return next(specifier, context);
    },
  });
} else if (hook) module.register('./hooks.mjs', import.meta.url, { data: JSON.parse(hook) });
`;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  cwd: string;
}

/** When to send SIGINT: once a marker says a module is being imported, once a file exists, or after a delay. */
type Moment = { importing: string } | { fileExists: string } | { afterMs: number };

async function interruptAt(args: string[], moment: Moment): Promise<Outcome> {
  const cwd = join(dir.path, `run-${++counter}`);
  await mkdir(cwd);
  const marker = join(cwd, 'marker');
  const env = { ...process.env };
  if ('importing' in moment) {
    env.EARSHOT_TEST_HOOK = JSON.stringify({ specifier: moment.importing, marker, holdMs: 500 });
  }
  const child = spawn(process.execPath, ['--import', register, earshotBin, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const closed = once(child, 'close');
  const deadline = Date.now() + 60_000;
  if ('afterMs' in moment) await new Promise((done) => setTimeout(done, moment.afterMs));
  else {
    const path = 'importing' in moment ? marker : join(cwd, moment.fileExists);
    while (!existsSync(path) && child.exitCode === null && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 2));
    }
    assert.ok(existsSync(path), `${JSON.stringify(moment)} never came: ${stderr}`);
  }
  child.kill('SIGINT');
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code, signal] = (await closed) as [number | null, NodeJS.Signals | null];
  clearTimeout(killer);
  return { code, signal, stderr, cwd };
}

/** Each output file is absent or whole. */
async function assertOutputsWhole(outcome: Outcome, files: string[], label: string): Promise<string[]> {
  const present: string[] = [];
  for (const name of files) {
    const path = join(outcome.cwd, name);
    if (!existsSync(path)) continue;
    present.push(name);
    if (name.endsWith('.xml') || name.endsWith('.json')) {
      await readReport(path).catch((error: Error) => assert.fail(`${label}: ${name}: ${error.message}`));
    } else {
      const text = readFileSync(path, 'utf8');
      assert.match(text, /\n$/, `${label}: ${name} ends with its last line`);
    }
  }
  return present;
}

const SCAN = ['scan', '-p-', '-Pn', '127.0.0.1', '-oX', 'out.xml', '-oN', 'out.nmap', '-oJ', 'out.json'];
const SCAN_FILES = ['out.xml', 'out.nmap', 'out.json'];
const VERIFY = ['verify', '-p', '1-3000', '--no-bind', '-oX', 'v.xml', '-oJ', 'v.json', '-oN', 'v.txt'];
const VERIFY_FILES = ['v.xml', 'v.json', 'v.txt'];

describe('Ctrl-C from the first moment', { skip: skipUnlessRoot }, () => {
  before(async () => {
    dir = await makeTempDir('interrupt');
    await dir.write('hooks.mjs', HOOKS);
    register = await dir.write('register.mjs', REGISTER);
  });
  after(() => dir.remove());

  for (const [command, args, files, modules] of [
    ['scan', SCAN, SCAN_FILES, ['./program.js', './commands/scan.js', '../../scan/scan.js']],
    ['verify', VERIFY, VERIFY_FILES, ['./program.js', './commands/verify.js', '../../verify/verify.js']],
    ['local', ['local'], [], ['./program.js', './commands/local.js', '../../inventory/local.js']],
  ] as const) {
    it(`${command}: while earshot starts (loading ${modules.join(', ')}), exits 130 and writes nothing`, async () => {
      const outcomes = await Promise.all(
        modules.map((module) => interruptAt([...args], { importing: module })),
      );
      outcomes.forEach((outcome, index) => {
        const label = `${command} at ${modules[index]}: ${outcome.stderr}`;
        assert.equal(outcome.signal, null, `${label}: killed by ${outcome.signal}`);
        assert.equal(outcome.code, 130, label);
        assert.match(outcome.stderr, /^earshot: interrupted \(Ctrl-C\)$/m, label);
        for (const name of files)
          assert.equal(existsSync(join(outcome.cwd, name)), false, `${label}: ${name}`);
      });
    });
  }

  it('scan: once -oX is open, exits 130 with every file whole', async () => {
    const outcome = await interruptAt([...SCAN], { fileExists: 'out.xml' });
    assert.equal(outcome.signal, null);
    assert.equal(outcome.code, 130, outcome.stderr);
    const present = await assertOutputsWhole(outcome, SCAN_FILES, 'scan mid-run');
    assert.deepEqual(present, SCAN_FILES);
    const xml = await readReport(join(outcome.cwd, 'out.xml'));
    assert.ok(xml.hosts.length <= 1);
  });

  it('at any delay: killed only before the handler exists or once the run ended; else 130 and whole files', async () => {
    const delays = [0, 80, 250, 600, 1200];
    for (const [args, files] of [
      [SCAN, SCAN_FILES],
      [VERIFY, VERIFY_FILES],
    ] as const) {
      const outcomes: Outcome[] = [];
      for (let start = 0; start < delays.length; start += 3) {
        const batch = delays.slice(start, start + 3);
        outcomes.push(...(await Promise.all(batch.map((afterMs) => interruptAt([...args], { afterMs })))));
      }
      for (const [index, outcome] of outcomes.entries()) {
        const label = `${args[0]} +${delays[index]} ms: ${outcome.stderr}`;
        if (outcome.signal !== null) {
          // Killed by the default action: before the handler existed (nothing written yet), or after
          // the run had ended (every file whole), while Node tore the process down and its signal
          // watchers with it. Never in between.
          assert.equal(outcome.signal, 'SIGINT', label);
          assert.equal(outcome.stderr, '', `${label}: it had not started, or had ended`);
          const present = await assertOutputsWhole(outcome, files, label);
          assert.ok(present.length === 0 || present.length === files.length, `${label}: ${present}`);
          continue;
        }
        assert.ok([0, 1, 2, 130].includes(outcome.code ?? -1), label);
        await assertOutputsWhole(outcome, files, label);
      }
    }
  });
});
