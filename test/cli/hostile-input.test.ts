// The binary against paths and values a careless or hostile user gives it: each is refused at once
// with a usage error that says what is wrong, and nothing it echoes acts on a terminal.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { earshotBin, earshotCommand, runEarshot } from '../helpers/cli.js';
import { type CommandResult, run, skipUnlessRoot } from '../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

// The escaping policy (src/unsafe-characters.ts), newline and tab aside.
const RAW_UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let dir: TempDir;
let fifo: string;
let report: string;
let token: string;

/** Runs the binary in `cwd`, so a file it should not write would show up there. */
function runIn(cwd: string, args: string[]): Promise<CommandResult> {
  const script = 'cd "$1" && shift && exec "$@"';
  return run('sh', ['-c', script, 'sh', cwd, process.execPath, earshotBin, ...args]);
}

/** Runs `jobs` a few at a time (each spawns a Node). */
async function inBatches<T>(jobs: (() => Promise<T>)[], size = 4): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < jobs.length; start += size) {
    results.push(...(await Promise.all(jobs.slice(start, start + size).map((job) => job()))));
  }
  return results;
}

describe('hostile input at the command line', () => {
  before(async () => {
    dir = await makeTempDir('hostile-cli');
    fifo = join(dir.path, 'fifo');
    execFileSync('mkfifo', [fifo]);
    report = await dir.write('empty.xml', '<nmaprun/>');
    token = await dir.write('agent.token', `es_agent_${'t'.repeat(43)}\n`);
    await chmod(token, 0o600);
  });
  after(() => dir.remove());

  // Each file option, how its message starts ("Cannot <this> "path": ..."), and the status a read
  // failure gives. No run gets as far as sending anything: each stops at the file under test.
  const agent = (...args: string[]) => [
    'agent',
    '--server',
    'http://127.0.0.1:9',
    '--verify-every',
    '0',
    ...args,
  ];
  const server = (...args: string[]) => ['server', '--db', 'postgresql:///none?host=/nonexistent', ...args];
  const fileOptions: [string, (path: string) => string[], number][] = [
    ['read the baseline', (p) => ['verify', '--baseline', p, '-p', '1', '--no-udp', '--no-bind'], 64],
    ['read the target file', (p) => ['scan', '-iL', p, '-p', '1'], 64],
    ['read the exclude file', (p) => ['scan', '--exclude-file', p, '-p', '1', '127.0.0.1'], 64],
    ['read the service catalog', (p) => ['services', '--services-file', p, '22'], 64],
    ['read the RPC program list', (p) => ['rpcinfo', '--rpc-file', p], 64],
    ['read the user database', (p) => ['local', '--passwd-file', p], 64],
    ['read the report', (p) => ['diff', p, report], 2],
    ['read the token file', (p) => agent('--token-file', p, '--db', join(dir.path, 'agent.db')), 64],
    [
      'read the CA file',
      (p) => agent('--token-file', token, '--ca', p, '--db', join(dir.path, 'agent.db')),
      64,
    ],
    ['read the TLS certificate', (p) => server('--tls-cert', p, '--tls-key', report), 64],
    ['read the TLS key', (p) => server('--tls-cert', report, '--tls-key', p), 64],
    ['use the history store', (p) => ['history', '--db', p], 64],
    ['use the history store', (p) => ['watch', '--db', p, '--verify-every', '0'], 64],
    ['use the history store', (p) => agent('--token-file', token, '--db', p), 64],
    ['use the history store', (p) => ['verify', '--save', '--db', p, '-p', '1', '--no-udp', '--no-bind'], 64],
  ];

  it('refuses a FIFO with no writer, /dev/zero, a folder and a missing path for every file option, at once', {
    skip: skipUnlessRoot,
  }, async () => {
    const paths: [string, RegExp][] = [
      [fifo, /it is a named pipe \(FIFO\)/],
      ['/dev/zero', /it is a device/],
      [dir.path, /it is a folder/],
      [join(dir.path, 'missing'), /it does not exist/],
    ];
    // The two that hung or grew without bound for every option; the folder and the missing file for
    // two of them (test/io/bounded-read.test.ts reads every kind of path through the one function;
    // a missing --db is where a new store is made).
    const jobs = fileOptions.flatMap(([what, args, status], index) =>
      paths.slice(0, index < 2 ? paths.length : 2).map(([path, problem]) => async () => {
        const started = Date.now();
        const result = await runEarshot(args(path), { timeoutMs: 30_000 });
        return { what, path, problem, status, result, ms: Date.now() - started };
      }),
    );
    for (const { what, path, problem, status, result, ms } of await inBatches(jobs)) {
      const label = `${what} ${path}: ${result.stderr}`;
      assert.equal(result.code, status, label);
      assert.match(result.stderr, new RegExp(`^earshot: Cannot ${what} "${path}": `), label);
      assert.match(result.stderr, problem, label);
      assert.ok(ms < 20_000, `${label} took ${ms} ms`);
    }
  });

  it('reads at most a few KiB of a password from stdin: /dev/zero is refused, not read forever', async () => {
    const args = [
      'server',
      'user',
      'add',
      'alice',
      '--role',
      'viewer',
      '--db',
      'postgresql:///none?host=/nonexistent',
    ];
    const started = Date.now();
    const result = await run('sh', ['-c', 'exec "$@" < /dev/zero', 'sh', ...earshotCommand(args)], {
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 64, result.stderr);
    assert.match(result.stderr, /^earshot: The password must have 10 to 1024 characters/);
    assert.ok(Date.now() - started < 20_000);
  });

  it('refuses a --proc-root that does not exist or is not a folder with 64, in the same words', {
    skip: skipUnlessRoot,
  }, async () => {
    const missing = join(dir.path, 'no-proc');
    for (const args of [
      ['local', '--proc-root', missing],
      ['verify', '--proc-root', missing, '-p', '1', '--no-udp', '--no-bind'],
      ['baseline', 'save', join(dir.path, 'b.yaml'), '--proc-root', missing],
    ]) {
      const result = await runEarshot(args);
      assert.equal(result.code, 64, `${args.join(' ')}: ${result.stderr}`);
      assert.match(
        result.stderr,
        new RegExp(
          `^earshot: Cannot read the procfs folder "${missing}": it does not exist; give --proc-root`,
        ),
      );
    }
    const notFolder = await runEarshot(['local', '--proc-root', report]);
    assert.equal(notFolder.code, 64);
    assert.match(notFolder.stderr, /procfs folder ".*empty\.xml": it is not a folder/);
  });

  it('refuses an empty path instead of falling back to the default', async () => {
    const cases: [string[], string][] = [
      [['verify', '--baseline', ''], '--baseline'],
      [['scan', '-iL', '', '-p', '1'], '-iL'],
      [['scan', '--iL', '', '-p', '1'], '-iL'],
      [['scan', '--exclude-file', '', '127.0.0.1'], '--exclude-file'],
      [['services', '--services-file', '', '22'], '--services-file'],
      [['rpcinfo', '--rpc-file', ''], '--rpc-file'],
      [['local', '--passwd-file', ''], '--passwd-file'],
      [['local', '--proc-root', ''], '--proc-root'],
      [['verify', '--html', ''], '--html'],
      [['scan', '-oX', '', '127.0.0.1'], '--output-xml'],
      [['baseline', 'save', ''], 'The file argument'],
    ];
    const results = await inBatches(
      cases.map(
        ([args]) =>
          () =>
            runEarshot(args),
      ),
    );
    results.forEach((result, index) => {
      const [args, name] = cases[index]!;
      assert.equal(result.code, 64, `${args.join(' ')}: ${result.stderr}`);
      assert.match(
        result.stderr,
        new RegExp(`^earshot: ${name}.* needs a path, not an empty string\\.$`, 'm'),
      );
    });
  });

  it("refuses two outputs on stdout in nmap's words, and -oZ; -o - is stdout, not a file named -", {
    skip: skipUnlessRoot,
  }, async () => {
    const both = await runIn(dir.path, [
      'verify',
      '--html',
      '-',
      '-oX',
      '-',
      '-p',
      '1',
      '--no-udp',
      '--no-bind',
    ]);
    assert.equal(both.code, 64);
    assert.match(
      both.stderr,
      /^earshot: Cannot display multiple output types to stdout\. \(-oX and --html\)/,
    );
    assert.equal(both.stdout, '');
    const jsonAndXml = await runIn(dir.path, ['scan', '--json', '-oX', '-', '-p', '1', '127.0.0.1']);
    assert.equal(jsonAndXml.code, 64);
    assert.match(jsonAndXml.stderr, /Cannot display multiple output types to stdout\. \(-oX and --json\)/);
    const oz = await runIn(dir.path, ['scan', '-oZ', '127.0.0.1']);
    assert.equal(oz.code, 64);
    assert.match(oz.stderr, /^earshot: Unknown output format "-oZ"/);
    assert.equal(existsSync(join(dir.path, 'Z')), false);
    const dash = await runIn(dir.path, ['scan', '-o', '-', '-p', '1', '127.0.0.1']);
    assert.equal(dash.code, 0, dash.stderr);
    assert.equal(existsSync(join(dir.path, '-')), false, 'no file named "-"');
    assert.equal(dash.stdout.match(/earshot done/g)?.length, 1, dash.stdout);
  });

  it('escapes every control, C1 and bidirectional character an error message echoes', {
    skip: skipUnlessRoot,
  }, async () => {
    const evil = '\u001b]0;pwned\u0007\u009b31m\u202e\u2066\u200f\u061c\u0085';
    const baseline = await dir.write(
      'evil-baseline.yaml',
      `version: 1\nlisteners:\n  - protocol: tcp\n    port: 22\n    "${evil}": x\n`,
    );
    const targets = await dir.write('evil-targets.txt', `10.0.0.1\n${evil}\n`);
    const cases: string[][] = [
      ['verify', '--baseline', baseline, '-p', '1'],
      ['scan', '-iL', targets, '-p', '1'],
      ['local', '--port', evil],
      ['local', '--pid', evil],
      ['local', '--proc-root', evil],
      ['rpcinfo', '--timeout', '500', evil],
      [evil],
      ['scan', '-p', evil, '127.0.0.1'],
      ['diff', evil, evil],
    ];
    const results = await inBatches(cases.map((args) => () => runEarshot(args)));
    results.forEach((result, index) => {
      const label = `${cases[index]!.join(' ')}: ${JSON.stringify(result.stderr)}`;
      assert.notEqual(result.code, 0, label);
      assert.notEqual(result.code, 70, label);
      assert.doesNotMatch(result.stderr, RAW_UNSAFE, label);
      assert.match(result.stderr, /\\x1b\]0;pwned\\x07\\x9b31m\\u202e\\u2066\\u200f\\u061c\\x85/, label);
    });
  });
});
