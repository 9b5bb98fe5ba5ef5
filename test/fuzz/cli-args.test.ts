// Thousands of generated command lines through main(argv), in this process: every one ends in
// success or a usage error (or a command's own documented status), never an internal error (70), and
// nothing it prints on stderr carries a raw control, C1 or bidirectional character.
//
// Commands that would scan, query a portmapper, watch, serve or write files are given first options
// that fail once every other option is checked (a missing -iL, --baseline, --rpc-file, --proc-root
// or --tls-cert; a --db that is a folder), and the vocabulary leaves those options out: the options
// are checked, and nothing is ever sent, bound, watched or written. A smaller sample of real runs of
// the built binary, in a namespace, follows.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { Command } from 'commander';
import fc from 'fast-check';
import { baselineCommand } from '../../src/cli/commands/baseline.js';
import { diffCommand } from '../../src/cli/commands/diff.js';
import { agentCommand } from '../../src/cli/commands/fleet/agent.js';
import { serverCommand } from '../../src/cli/commands/fleet/server.js';
import { historyCommand } from '../../src/cli/commands/history.js';
import { localCommand } from '../../src/cli/commands/local.js';
import { rpcinfoCommand } from '../../src/cli/commands/rpcinfo.js';
import { scanCommand } from '../../src/cli/commands/scan.js';
import { servicesCommand } from '../../src/cli/commands/services.js';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import { watchCommand } from '../../src/cli/commands/watch.js';
import { runEarshot } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';
import { skipUnlessRoot, withNetns } from '../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import type { MainRun } from './main-worker.js';

const RAW_UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const MISSING = '/nonexistent/earshot-fuzz';
// A --db that exists and is not a file: refused once every other option is checked, before a store
// is opened, so watch, agent and history stop there.
const FOLDER_DB = '/';

let dir: TempDir;
let paths: string[];
let token: string;

let worker: Worker;

/** Runs main(argv) on the worker; the exit status and what was printed. */
function runMain(argv: string[]): Promise<MainRun> {
  return new Promise<MainRun>((resolve, reject) => {
    const onExit = (code: number) =>
      reject(new Error(`the worker exited (${code}) running ${JSON.stringify(argv)}`));
    worker.once('exit', onExit);
    worker.once('message', (run: MainRun) => {
      worker.off('exit', onExit);
      resolve(run);
    });
    worker.postMessage(argv);
  });
}

/** Every flag a command defines (long and short), as commander knows them. */
function flagsOf(command: Command): string[] {
  return command.options.flatMap((option) =>
    [option.long, option.short].filter((flag) => flag !== undefined),
  );
}

const hostileText = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\u001b', '\u0007', '\u009b', '\u202e', '\u2066', '\u0000', '\n', '\\', '"', ' '),
    fc.constantFrom('a', '1', '-', ',', '.', ':', '/', '*', '%', '['),
  ),
  maxLength: 12,
});

/** Option values: ports, numbers, addresses, durations, paths (odd ones included) and noise. */
const value = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('', '-', '0', '1', '22', '65535', '65536', '-1', '1-1024', '80-70', '22,80', 'T:22,U:53'),
    fc.constantFrom('1.5', '1e3', 'NaN', '10s', '500ms', '0s', '99999999999999999999', '0x10'),
    fc.constantFrom('127.0.0.1', '::1', '10.0.0.0/8', '0.0.0.0/0', '::/0', 'fd00::/64', 'localhost', '[::1]'),
    fc.constantFrom(...(paths ?? [])),
    hostileText,
    fc.string({ maxLength: 6 }),
  );

const NMAP_TOKENS = [
  '-oX',
  '-oN',
  '-oG',
  '-oJ',
  '-oA',
  '-oZ',
  '-oS',
  '-p-',
  '-sTU',
  '-sUT',
  '-Pn',
  '-sV',
  '-sS',
];

/** A generated command line for one command: its own flags, nmap's, values and noise. */
function commandLine(name: string, command: Command, leave: readonly string[]): fc.Arbitrary<string[]> {
  const flags = flagsOf(command).filter((flag) => !leave.includes(flag));
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...flags) },
    { weight: 1, arbitrary: fc.constantFrom(...NMAP_TOKENS.filter((flag) => !leave.includes(flag))) },
    { weight: 4, arbitrary: value() },
    { weight: 1, arbitrary: fc.constantFrom('--help', '--version', '-h', '--no-such-option', 'extra') },
  );
  return fc.array(token, { maxLength: 8 }).map((tokens) => [name, ...tokens]);
}

function assertNoInternalError(argv: string[], result: { status: number; stderr: string }): void {
  const label = `${JSON.stringify(argv)} → ${result.status}: ${result.stderr.slice(0, 600)}`;
  assert.notEqual(result.status, 70, label);
  assert.doesNotMatch(result.stderr, /earshot: internal error/, label);
  assert.ok([0, 1, 2, 64].includes(result.status), label);
  assert.doesNotMatch(result.stderr, RAW_UNSAFE, label);
}

describe('fuzz: command lines', () => {
  before(async () => {
    // A worker does not inherit the --import of tsx: the evaluated bootstrap registers it first.
    const tsx = import.meta.resolve('tsx/esm/api');
    const script = new URL('./main-worker.ts', import.meta.url).href;
    const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(script)}); });`;
    worker = new Worker(bootstrap, { eval: true, stdout: true, stderr: true });
    worker.stdout.resume();
    worker.stderr.resume();
    await new Promise((ready, failed) => {
      worker.once('message', ready);
      worker.once('error', failed);
    });
    dir = await makeTempDir('fuzz-cli');
    const fifo = join(dir.path, 'fifo');
    execFileSync('mkfifo', [fifo]);
    paths = [
      fifo,
      '/dev/zero',
      dir.path,
      MISSING,
      await dir.write('empty', ''),
      await dir.write('garbage', '\u0000\u001b]0;x\u0007<{['),
      fixturePath('report/nmap-before.xml'),
      fixturePath('report/nmap-interrupted.xml'),
      fixturePath('proc/ypbind'),
      fixturePath('proc/passwd'),
    ];
    token = await dir.write('agent.token', `es_agent_${'f'.repeat(43)}\n`);
    await chmod(token, 0o600);
  });
  after(async () => {
    worker.removeAllListeners('exit');
    await worker.terminate();
    await dir.remove();
  });

  // Each command with the first options that stop it before it sends, binds or writes anything, the
  // options the vocabulary leaves out so that they stay, and how many command lines to try.
  const commands: [string, () => Command, () => string[], string[], number][] = [
    ['scan', scanCommand, () => ['--iL', MISSING], ['--iL', '-iL'], 400],
    ['verify', verifyCommand, () => ['--baseline', MISSING], ['--baseline'], 400],
    ['rpcinfo', rpcinfoCommand, () => ['--rpc-file', MISSING], ['--rpc-file'], 400],
    [
      'baseline',
      () => baselineCommand().commands[0]!,
      () => ['save', join(MISSING, 'b.yaml'), '--proc-root', MISSING],
      ['--proc-root'],
      400,
    ],
    ['local', localCommand, () => [], [], 150],
    ['services', servicesCommand, () => [], [], 400],
    ['diff', diffCommand, () => [], [], 400],
    ['watch', watchCommand, () => ['--db', FOLDER_DB], ['--db'], 250],
    ['history', historyCommand, () => ['--db', FOLDER_DB], ['--db'], 250],
    // The token file is read before the store: a good one, so that --ca and --db are reached.
    [
      'agent',
      agentCommand,
      () => ['--server', 'http://127.0.0.1:9/', '--token-file', token, '--db', FOLDER_DB],
      ['--token-file', '--db'],
      250,
    ],
    // The TLS files are read before PostgreSQL is asked or anything listens.
    [
      'server',
      serverCommand,
      () => ['--db', 'postgresql:///fuzz?host=/nonexistent', '--tls-cert', MISSING, '--tls-key', MISSING],
      ['--tls-cert', '--tls-key'],
      250,
    ],
  ];

  for (const [name, build, stop, leave, numRuns] of commands) {
    it(`${name}: success or a usage error for every generated command line`, async () => {
      const command = build();
      await fc.assert(
        fc.asyncProperty(commandLine(name, command, leave), async ([, ...rest]) => {
          const argv = name === 'baseline' ? ['baseline', ...stop(), ...rest] : [name, ...stop(), ...rest];
          assertNoInternalError(argv, await runMain(argv));
        }),
        { numRuns },
      );
    });
  }

  it('no command: any words, flags and noise', async () => {
    const token = fc.oneof(value(), fc.constantFrom('--help', '-V', '--version', 'help', '-oX', '-oZ', 'x'));
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 5 }), async (argv) => {
        // A word naming a command that scans or writes would run it: those are the runs above.
        fc.pre(
          !argv.some((word) =>
            [
              'scan',
              'verify',
              'rpcinfo',
              'baseline',
              'local',
              'watch',
              'history',
              'agent',
              'server',
            ].includes(word),
          ),
        );
        assertNoInternalError(argv, await runMain(argv));
      }),
      { numRuns: 400 },
    );
  });

  it('the built binary, in a namespace: real small scans and verifies end in success or a usage error', {
    skip: skipUnlessRoot,
  }, async () => {
    const option = fc.oneof(
      fc.constantFrom(['-p', '1-64'], ['-p', '22,80'], ['-p', '0'], ['-p', '80-70'], ['-p', 'x']),
      fc.constantFrom(['-T5'], ['-T9'], ['--max-retries', '0'], ['--host-timeout', '2s'], ['--reason']),
      fc.constantFrom(
        ['--json'],
        ['-oX', '-'],
        ['-oZ'],
        ['-o', '-'],
        ['--all-ports'],
        ['-sU'],
        ['-sS'],
        ['-O'],
      ),
      // execve(2) takes no NUL inside an argument.
      hostileText.filter((text) => !text.includes('\u0000')).map((text) => [text]),
    );
    const target = fc.constantFrom('127.0.0.1', '::1', '127.0.0.0/30', 'localhost', '10.0.0.1-2', '::1/126');
    // A namespace of the test's own: 10.0.0.1 and 127.0.0.1 there reach nothing of this machine's.
    await withNetns('fuzz-real', async (ns) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('scan', 'verify'),
          fc.array(option, { maxLength: 3 }),
          fc.array(target, { minLength: 1, maxLength: 2 }),
          async (name, options, targets) => {
            // Every real run is bounded: few ports, no UDP scan for verify unless asked, no detection.
            const fixed =
              name === 'scan'
                ? ['-Pn', '-p', '1-32']
                : ['-p', '1-32', '--no-udp', '--no-version', '--no-bind'];
            const argv = [name, ...fixed, ...options.flat(), ...targets];
            const result = await runEarshot(argv, { netns: ns, timeoutMs: 60_000 });
            assertNoInternalError(argv, { status: result.code, stderr: result.stderr });
          },
        ),
        { numRuns: 25 },
      );
    });
  });
});
