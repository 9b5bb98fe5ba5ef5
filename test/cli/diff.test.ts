import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { renderScanXml } from '../../src/report/scan/nmap-xml.js';
import { runEarshot } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';
import { skipUnless } from '../helpers/needs.js';
import { run, withNetns } from '../helpers/netns/netns.js';
import { openPort, scanReport, upHost } from '../helpers/scan-report.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const fixture = (name: string) => fixturePath(`report/${name}`);

/** The "port/proto state" lines a diff marks with - or +, as a sorted list. */
function changedPorts(text: string): string[] {
  return text
    .split('\n')
    .map((line) => /^([-+])(\d+\/(?:tcp|udp))\s+(\S+)/.exec(line))
    .filter((match) => match !== null)
    .map((match) => `${match[1]}${match[2]} ${match[3]}`)
    .sort();
}

let dir: TempDir;

describe('earshot diff', () => {
  before(async () => {
    dir = await makeTempDir('diff-cli');
  });
  after(() => dir.remove());

  it("agrees with ndiff on nmap's own XML (real captures)", {
    skip: skipUnless({ commands: ['ndiff'] }),
  }, async () => {
    const [a, b] = [fixture('nmap-before.xml'), fixture('nmap-after.xml')];
    const ndiff = await run('ndiff', [a, b]);
    const ours = await runEarshot(['diff', a, b]);
    assert.equal(ndiff.code, 1);
    assert.equal(ours.code, 1, ours.stderr);
    assert.deepEqual(changedPorts(ours.stdout), ['+443/tcp open', '-80/tcp open']);
    assert.deepEqual(changedPorts(ours.stdout), changedPorts(ndiff.stdout));
  });

  it('ndiff reads two earshot XML files and reports the changed port; earshot diff agrees', {
    skip: skipUnless({ commands: ['ndiff'] }),
  }, async () => {
    const old = scanReport([
      upHost('10.231.0.1', [openPort(22, 'ssh'), openPort(111, 'sunrpc')], 1000, { hostnames: ['h1.test'] }),
      upHost('fd00:231::2', [openPort(80, 'http')], 1000),
    ]);
    const now = scanReport([
      upHost('10.231.0.1', [openPort(22, 'ssh'), openPort(111, 'sunrpc'), openPort(834, null)], 1000, {
        hostnames: ['h1.test'],
      }),
      upHost('fd00:231::2', [openPort(80, 'http')], 1000),
    ]);
    const a = await dir.write('old.xml', renderScanXml(old));
    const b = await dir.write('new.xml', renderScanXml(now));
    const ndiff = await run('ndiff', [a, b]);
    assert.equal(ndiff.code, 1, ndiff.stderr);
    assert.deepEqual(changedPorts(ndiff.stdout), ['+834/tcp open']);
    const ours = await runEarshot(['diff', a, b]);
    assert.equal(ours.code, 1, ours.stderr);
    assert.deepEqual(changedPorts(ours.stdout), changedPorts(ndiff.stdout));
    assert.match(ours.stdout, /^ h1\.test \(10\.231\.0\.1\):$/m);

    const same = await Promise.all([run('ndiff', [a, a]), runEarshot(['diff', a, a])]);
    assert.deepEqual(
      same.map((r) => r.code),
      [0, 0],
    );
    assert.equal(same[1].stdout, '');
  });

  it('agrees with ndiff on live nmap scans of a namespace before and after a listener moves', {
    skip: skipUnless({ root: true, commands: ['nmap', 'ndiff'] }),
  }, async () => {
    await withNetns('diff', async (ns) => {
      const scan = async (name: string) => {
        const file = `${dir.path}/${name}`;
        await ns.execOk('nmap', ['-n', '-sT', '-p', '1-2000', '-oX', file, '127.0.0.1']);
        await ns.execOk('nmap', ['-6', '-n', '-sT', '-p', '1-2000', '-oX', `${file}.v6`, '::1']);
        return file;
      };
      const stay = await ns.listen(['tcp:127.0.0.1:22', 'tcp:[::1]:22']);
      const moving = await ns.listen(['tcp:127.0.0.1:1234']);
      const a = await scan('live-a.xml');
      moving.kill('SIGKILL');
      await once(moving, 'close');
      const moved = await ns.listen(['tcp:127.0.0.1:1500', 'tcp:[::1]:1500']);
      const b = await scan('live-b.xml');
      for (const [x, y] of [
        [a, b],
        [`${a}.v6`, `${b}.v6`],
      ] as const) {
        const ndiff = await run('ndiff', [x, y]);
        const ours = await runEarshot(['diff', x, y]);
        assert.equal(ours.code, ndiff.code, ours.stderr);
        assert.deepEqual(changedPorts(ours.stdout), changedPorts(ndiff.stdout));
      }
      assert.deepEqual(changedPorts((await runEarshot(['diff', a, b])).stdout), [
        '+1500/tcp open',
        '-1234/tcp open',
      ]);
      assert.deepEqual(changedPorts((await runEarshot(['diff', `${a}.v6`, `${b}.v6`])).stdout), [
        '+1500/tcp open',
      ]);
      stay.kill('SIGKILL');
      moved.kill('SIGKILL');
    });
  });

  it('compares earshot JSON with nmap XML and prints --json', async () => {
    const json = await dir.write(
      'old.json',
      JSON.stringify(scanReport([upHost('127.0.0.1', [openPort(22, 'ssh'), openPort(80, 'http')], 1000)])),
    );
    const result = await runEarshot(['diff', '--json', json, fixture('nmap-after.xml')]);
    assert.equal(result.code, 1, result.stderr);
    const parsed = JSON.parse(result.stdout) as {
      old: { format: string };
      new: { format: string };
      hosts: { ports: { port: number; change: string }[] }[];
    };
    assert.equal(parsed.old.format, 'earshot-json');
    assert.equal(parsed.new.format, 'nmap-xml');
    assert.deepEqual(
      parsed.hosts[0]?.ports.map((p) => `${p.port}:${p.change}`),
      ['80:closed', '443:opened'],
    );
  });

  it('exits 2 with a message naming the file for a missing or malformed report', async () => {
    const missing = await runEarshot(['diff', '/nonexistent/a.xml', fixture('nmap-after.xml')]);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /^earshot: Cannot read the report "\/nonexistent\/a\.xml": it does not exist; check the path\.$/m,
    );
    const truncated = await runEarshot(['diff', fixture('nmap-before.xml'), fixture('nmap-interrupted.xml')]);
    assert.equal(truncated.code, 2);
    assert.match(truncated.stderr, /nmap-interrupted\.xml.*not well-formed XML/);
    assert.equal(truncated.stdout, '');
  });

  it('exits 2, never 70, for a start time no date holds and for XML nested past 100 deep', async () => {
    const late = await dir.write('late.xml', '<nmaprun scanner="nmap" start="99999999999999"></nmaprun>');
    const deep = await dir.write('deep.xml', `<nmaprun>${'<a>'.repeat(150)}${'</a>'.repeat(150)}</nmaprun>`);
    const empty = await dir.write('empty.xml', '<nmaprun/>');
    for (const [file, message] of [
      [late, /late\.xml": <nmaprun start="99999999999999"> is not a start time/],
      [deep, /deep\.xml": its elements nest more than 100 deep/],
    ] as const) {
      const result = await runEarshot(['diff', empty, file]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /internal error|RangeError|\n\s+at /);
    }
    const same = await runEarshot(['diff', empty, empty]);
    assert.equal(same.code, 0, same.stderr);
  });

  it('escapes what a hostile report holds', async () => {
    const evil = 'x\u001b]0;pwned\u0007\u009b31m';
    const a = await dir.write(
      'evil-a.json',
      JSON.stringify(scanReport([upHost('127.0.0.1', [], 10, { hostnames: [evil] })])),
    );
    const b = await dir.write(
      'evil-b.json',
      JSON.stringify(scanReport([upHost('127.0.0.1', [openPort(80, evil)], 10, { hostnames: [evil] })])),
    );
    for (const args of [
      ['diff', a, b],
      ['diff', '--json', a, b],
    ]) {
      const result = await runEarshot(args);
      assert.equal(result.code, 1, result.stderr);
      assert.doesNotMatch(result.stdout, /[\u001b\u0007\u009b]/);
    }
  });
});
