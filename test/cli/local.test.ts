import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LocalReport } from '../../src/model.js';
import { runEarshot } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const fixtures = fixturePath('proc/');
const tree = ['--proc-root', `${fixtures}ypbind`, '--passwd-file', `${fixtures}passwd`];
const ss = readFileSync(`${fixtures}ypbind/ss-tuanp.txt`, 'utf8');
const pidsOf = (name: string) =>
  [...new Set([...ss.matchAll(new RegExp(`"${name}",pid=(\\d+)`, 'g'))].map((m) => Number(m[1])))].sort(
    (a, b) => a - b,
  );

describe('earshot local on a captured procfs tree (--proc-root)', () => {
  it('prints listening sockets with every owner grouped, user and executable', async () => {
    const result = await runEarshot(['local', ...tree]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^Netid\s+State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+User\s+Process$/);
    assert.equal(lines.length, 7);
    const ypbind = `ypbind[${pidsOf('ypbind').join(',')}] /usr/bin/python3.11`;
    assert.match(
      result.stdout,
      new RegExp(`^tcp\\s+LISTEN\\s+0\\s+0\\s+0\\.0\\.0\\.0:834\\s+root\\s+${escapeRegExp(ypbind)}$`, 'm'),
    );
    assert.match(result.stdout, /^udp\s+UNCONN\s+0\s+0\s+\[::1\]:5353\s+root\s+ypbind\[/m);
    assert.match(
      result.stdout,
      new RegExp(
        `^tcp .*127\\.0\\.0\\.1:31337 .*backdoor\\[${pidsOf('backdoor')[0]}\\] /tmp/\\S+/backdoor \\(deleted\\)$`,
        'm',
      ),
    );
  });

  it('shows connections and peers with -a, and filters with -t -4 --port', async () => {
    const all = await runEarshot(['local', ...tree, '-a']);
    assert.match(all.stdout, /Peer Address:Port/);
    assert.match(all.stdout, /^tcp\s+ESTABLISHED\s+0\s+0\s+127\.0\.0\.1:8080\s+127\.0\.0\.1:60264\s/m);
    const row = (line: string) => line.split(/\s+/).slice(0, 6).join(' ');
    const filtered = await runEarshot(['local', ...tree, '-a', '-t', '--port', '8080,9000-9100']);
    // The v4-mapped connection lives in tcp6: it is an IPv6 socket, shown with IPv4 addresses.
    assert.deepEqual(filtered.stdout.trimEnd().split('\n').slice(1).map(row), [
      'tcp ESTABLISHED 0 0 127.0.0.1:8080 127.0.0.1:60264',
      'tcp LISTEN 0 0 [::]:8080 [::]:*',
      'tcp LISTEN 0 0 [::1]:9090 [::]:*',
      'tcp ESTABLISHED 0 0 [::1]:9090 [::1]:37504',
    ]);
    const v4 = await runEarshot(['local', ...tree, '-a', '-4', '-t', '--port', '8080,834']);
    assert.deepEqual(v4.stdout.trimEnd().split('\n').slice(1).map(row), [
      'tcp LISTEN 0 0 0.0.0.0:834 0.0.0.0:*',
    ]);
  });

  it('filters by --pid and --user', async () => {
    const [backdoor] = pidsOf('backdoor');
    const byPid = await runEarshot(['local', ...tree, '--json', '--pid', String(backdoor)]);
    const report = JSON.parse(byPid.stdout) as LocalReport;
    assert.deepEqual(
      report.sockets.map((s) => s.localPort),
      [31337],
    );
    const nobody = await runEarshot(['local', ...tree, '--user', 'nobody']);
    assert.match(nobody.stdout, /^\(no sockets match\)$/m);
    const root = await runEarshot(['local', ...tree, '--json', '--user', '0']);
    assert.equal((JSON.parse(root.stdout) as LocalReport).sockets.length, 6);
  });

  it('emits the JSON contract', async () => {
    const result = await runEarshot(['local', ...tree, '--json', '--port', '834', '-t']);
    assert.equal(result.code, 0);
    const report = JSON.parse(result.stdout) as LocalReport;
    assert.equal(report.tool, 'earshot');
    assert.equal(report.kind, 'local');
    assert.equal(report.complete, true);
    assert.deepEqual(report.warnings, []);
    const [socket] = report.sockets;
    assert.deepEqual(Object.keys(socket!).sort(), [
      'family',
      'inode',
      'localAddress',
      'localPort',
      'netns',
      'ownerStatus',
      'owners',
      'protocol',
      'receiveQueue',
      'remoteAddress',
      'remotePort',
      'sendQueue',
      'state',
      'uid',
      'user',
    ]);
    assert.deepEqual(Object.keys(socket!.owners[0]!).sort(), [
      'cmdline',
      'container',
      'exe',
      'exeDeleted',
      'name',
      'pid',
      'ppid',
      'startTime',
      'uid',
      'unit',
      'user',
    ]);
    assert.deepEqual(
      socket!.owners.map((o) => o.pid),
      pidsOf('ypbind'),
    );
  });

  it('escapes a process name carrying terminal control bytes', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'earshot-proc-'));
    try {
      cpSync(`${fixtures}ypbind`, copy, { recursive: true, verbatimSymlinks: true });
      const [pid] = pidsOf('backdoor');
      const stat = readFileSync(`${copy}/${pid}/stat`, 'utf8');
      writeFileSync(`${copy}/${pid}/stat`, stat.replace('(backdoor)', '(x\u001b]0;pwned\u0007\u009b)'));
      const result = await runEarshot(['local', '--proc-root', copy, '--port', '31337']);
      assert.equal(result.code, 0);
      assert.doesNotMatch(result.stdout, /[\u001b\u0007\u009b]/);
      assert.match(result.stdout, /x\\x1b\]0;pwned\\x07\\x9b\[/);
      // JSON escapes the C0 bytes itself; the C1 byte and a bidi override go through the safe serializer.
      writeFileSync(`${copy}/${pid}/stat`, stat.replace('(backdoor)', '(x\u009b\u202e)'));
      const json = await runEarshot(['local', '--proc-root', copy, '--port', '31337', '--json']);
      assert.equal(json.code, 0);
      assert.doesNotMatch(json.stdout, /[\u009b\u202e]/);
      assert.match(json.stdout, /"name": "x\\u009b\\u202e"/);
      const report = JSON.parse(json.stdout) as { sockets: { owners: { name: string }[] }[] };
      assert.equal(report.sockets[0]?.owners[0]?.name, 'x\u009b\u202e', 'the name itself is kept');
    } finally {
      rmSync(copy, { recursive: true });
    }
  });

  it('warns on stderr about malformed lines and still prints the rest', async () => {
    const result = await runEarshot(['local', '--proc-root', `${fixtures}malformed`, '-a']);
    assert.equal(result.code, 0);
    assert.match(result.stderr, /^earshot: warning: .*malformed\/net\/tcp:3: malformed address for ipv4/m);
    assert.match(result.stderr, /net\/tcp:6: truncated line/);
    assert.match(result.stdout, /127\.0\.0\.1:31337/);
  });

  it('rejects bad options with a usage error naming the fix', async () => {
    const port = await runEarshot(['local', ...tree, '--port', '80-70']);
    assert.equal(port.code, 64);
    assert.match(port.stderr, /Invalid port range "80-70": the end is below the start; write "70-80"/);
    const pid = await runEarshot(['local', ...tree, '--pid', 'abc']);
    assert.equal(pid.code, 64);
    assert.match(pid.stderr, /Invalid --pid "abc": give a whole number from 1 to 4194304/);
    const root = await runEarshot(['local', '--proc-root', `${fixtures}nowhere`]);
    assert.equal(root.code, 64);
    assert.match(
      root.stderr,
      /Cannot read the procfs folder ".*nowhere": it does not exist; give --proc-root/,
    );
  });

  it('has a help page with examples', async () => {
    const result = await runEarshot(['local', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Examples:\n\s+earshot local\s/);
    assert.match(result.stdout, /owner unknown: run as root/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
